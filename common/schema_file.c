// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * schema_file.c - the schema text format, read with inih.
 *
 * The text is INI (docs/content-format.md, "Schema text"):
 *
 *	[schema]
 *	extension = NAME
 *	name = NAME
 *	version = N
 *
 *	[template NAME]
 *	id = N
 *	field = NAME TYPE MIN MAX	(one line per field, in order)
 *
 * Anything else is refused with the file, the line and the reason, and
 * the result goes through bh_schema_check() so a file can never describe
 * a schema the shim would refuse to register.
 */
#include <errno.h>
#include <ini.h>
#include <stdbool.h>
#include <string.h>

#include "schema_file.h"

struct parse_state {
	struct bulkhead_schema *out;
	char *extension;
	char *name;
	long long version;		/* -1: not given */
	bool seen_schema;
	/* section headers as the reader saw them pass (inih reports keys only) */
	bool header_pending;		/* a header with no key after it yet */
	int header_line;
	int error_line;			/* for errors the reader finds */
	char last_section[BH_NAME_LEN + 16];
	struct bh_template_spec *cur;	/* template being filled */
	long long cur_id;		/* -1: no id yet */
	size_t cur_fields_alloc;
	char error[BULKHEAD_MSG_LEN];
};

static __attribute__((format(printf, 2, 3)))
int parse_fail(struct parse_state *st, const char *fmt, ...)
{
	va_list ap;

	/* inih keeps going after an error; the first reason is the one */
	if (!st->error[0]) {
		va_start(ap, fmt);
		vsnprintf(st->error, sizeof(st->error), fmt, ap);
		va_end(ap);
	}
	return 0;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

static int finish_template(struct parse_state *st)
{
	if (!st->cur)
		return 1;
	if (st->cur_id < 0)
		return parse_fail(st, "template '%s': no 'id'", st->cur->name);
	st->cur->id = (u16)st->cur_id;
	st->cur = NULL;
	return 1;
}

static int begin_template(struct parse_state *st, const char *tname)
{
	struct bulkhead_schema *o = st->out;
	size_t i;

	if (!bh_name_valid(tname))
		return parse_fail(st, "template name '%s': 1 to %d characters from [A-Za-z0-9_.-]",
				  tname, BH_NAME_MAX);
	for (i = 0; i < o->s.nr_templates; i++)
		if (!strcmp(o->templates[i].name, tname))
			return parse_fail(st, "template '%s' declared twice", tname);
	if (o->s.nr_templates == UINT16_MAX)
		return parse_fail(st, "too many templates");
	if (o->s.nr_templates == o->nr_alloc) {
		size_t n = o->nr_alloc ? o->nr_alloc * 2 : 4;
		struct bh_template_spec *t = reallocarray(o->templates, n, sizeof(*t));

		if (!t)
			return parse_fail(st, "out of memory");
		o->templates = t;
		o->nr_alloc = n;
	}
	st->cur = &o->templates[o->s.nr_templates];
	memset(st->cur, 0, sizeof(*st->cur));
	st->cur->name = strdup(tname);
	if (!st->cur->name) {
		st->cur = NULL;
		return parse_fail(st, "out of memory");
	}
	o->s.nr_templates++;
	st->cur_id = -1;
	st->cur_fields_alloc = 0;
	return 1;
}

static int add_field(struct parse_state *st, const char *value)
{
	struct bh_template_spec *t = st->cur;
	_cleanup_free_ char *copy = strdup(value);
	char *tok[5], *save = NULL, *p;
	struct bh_field_spec *fs;
	uint64_t lo, hi;
	int n = 0, type;

	if (!copy)
		return parse_fail(st, "out of memory");
	for (p = strtok_r(copy, " \t", &save); p && n < 5; p = strtok_r(NULL, " \t", &save))
		tok[n++] = p;
	if (n != 4)
		return parse_fail(st, "template '%s' field %u: expected 'NAME TYPE MIN MAX', got '%s'",
				  t->name, t->nr_fields, value);
	type = bh_field_type_from_name(tok[1]);
	if (type < 0)
		return parse_fail(st, "template '%s' field %u ('%s'): unknown type '%s' (u32, u64, string, bytes)",
				  t->name, t->nr_fields, tok[0], tok[1]);
	if (parse_u64(tok[2], UINT64_MAX, &lo) || parse_u64(tok[3], UINT64_MAX, &hi))
		return parse_fail(st, "template '%s' field %u ('%s'): bounds '%s %s' are not decimal unsigned integers",
				  t->name, t->nr_fields, tok[0], tok[2], tok[3]);
	if (t->nr_fields >= BH_MAX_FIELDS)
		return parse_fail(st, "template '%s': more than %d fields",
				  t->name, BH_MAX_FIELDS);
	if (t->nr_fields == st->cur_fields_alloc) {
		size_t na = st->cur_fields_alloc ? st->cur_fields_alloc * 2 : 8;
		struct bh_field_spec *f = reallocarray((void *)t->fields, na, sizeof(*f));

		if (!f)
			return parse_fail(st, "out of memory");
		t->fields = f;
		st->cur_fields_alloc = na;
	}
	fs = (struct bh_field_spec *)&t->fields[t->nr_fields];
	fs->name = strdup(tok[0]);
	if (!fs->name)
		return parse_fail(st, "out of memory");
	fs->type = (u8)type;
	fs->min = lo;
	fs->max = hi;
	t->nr_fields++;
	return 1;
}

static int set_string(struct parse_state *st, char **dst, const char *key,
		      const char *value)
{
	if (*dst)
		return parse_fail(st, "'%s' given twice", key);
	if (!bh_name_valid(value))
		return parse_fail(st, "%s '%s': 1 to %d characters from [A-Za-z0-9_.-]",
				  key, value, BH_NAME_MAX);
	*dst = strdup(value);
	return *dst ? 1 : parse_fail(st, "out of memory");
}

static int handler(void *user, const char *section, const char *key,
		   const char *value)
{
	struct parse_state *st = user;
	uint64_t v;

	if (st->error[0])
		return 0;
	/*
	 * A new header starts a new section even under the same name, so
	 * "[template a]" twice in a row is a duplicate, not one template.
	 */
	if (st->header_pending || strcmp(section, st->last_section)) {
		st->header_pending = false;
		if (!finish_template(st))
			return 0;
		if (strlen(section) >= sizeof(st->last_section))
			return parse_fail(st, "section name '%s' too long", section);
		if (!strcmp(section, "schema")) {
			if (st->seen_schema)
				return parse_fail(st, "section [schema] given twice");
			st->seen_schema = true;
		} else if (!strncmp(section, "template ", 9)) {
			if (!begin_template(st, section + 9))
				return 0;
		} else {
			return parse_fail(st, "unknown section [%s] (expected [schema] or [template NAME])",
					  section);
		}
		strcpy(st->last_section, section);
	}

	if (!strcmp(section, "schema")) {
		if (!strcmp(key, "extension"))
			return set_string(st, &st->extension, key, value);
		if (!strcmp(key, "name"))
			return set_string(st, &st->name, key, value);
		if (!strcmp(key, "version")) {
			if (st->version >= 0)
				return parse_fail(st, "'version' given twice");
			if (parse_u64(value, UINT32_MAX, &v))
				return parse_fail(st, "version '%s': not an integer from 0 to %u",
						  value, UINT32_MAX);
			st->version = (long long)v;
			return 1;
		}
		return parse_fail(st, "unknown key '%s' in [schema] (extension, name, version)",
				  key);
	}

	/* [template NAME] */
	if (!strcmp(key, "id")) {
		if (st->cur_id >= 0)
			return parse_fail(st, "template '%s': 'id' given twice",
					  st->cur->name);
		if (parse_u64(value, UINT16_MAX, &v))
			return parse_fail(st, "template '%s': id '%s' not an integer from 0 to %u",
					  st->cur->name, value, UINT16_MAX);
		st->cur_id = (long long)v;
		return 1;
	}
	if (!strcmp(key, "field"))
		return add_field(st, value);
	return parse_fail(st, "template '%s': unknown key '%s' (id, field)",
			  st->cur->name, key);
}

/**
 * bulkhead_schema_free() - free a parsed schema
 * @o: the schema, or NULL
 */
void bulkhead_schema_free(struct bulkhead_schema *o)
{
	size_t i, j;

	if (!o)
		return;
	for (i = 0; i < o->s.nr_templates; i++) {
		struct bh_template_spec *t = &o->templates[i];

		for (j = 0; j < t->nr_fields; j++)
			free((void *)t->fields[j].name);
		free((void *)t->fields);
		free((void *)t->name);
	}
	free(o->templates);
	free((void *)o->s.extension);
	free((void *)o->s.name);
	free(o);
}

/*
 * Called for every line before inih parses it: notes section headers, so
 * that a section without a single key (which inih never reports) is
 * refused instead of silently dropped.
 */
static void note_line(struct parse_state *st, const char *line, int lineno)
{
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line != '[' || !strchr(line, ']'))
		return;
	if (st->header_pending && !st->error[0]) {
		parse_fail(st, "section at line %d has no keys", st->header_line);
		st->error_line = st->header_line;
	}
	st->header_pending = true;
	st->header_line = lineno;
}

struct reader {
	FILE *f;		/* either a file ... */
	const char *p;		/* ... or NUL-terminated text */
	struct parse_state *st;
	int line;
};

static char *read_line(char *str, int num, void *stream)
{
	struct reader *rd = stream;
	int n = 0;

	if (rd->f) {
		if (!fgets(str, num, rd->f))
			return NULL;
	} else {
		if (!*rd->p)
			return NULL;
		while (n < num - 1 && rd->p[n] && rd->p[n] != '\n')
			n++;
		if (n < num - 1 && rd->p[n] == '\n')
			n++;
		memcpy(str, rd->p, n);
		str[n] = '\0';
		rd->p += n;
	}
	note_line(rd->st, str, ++rd->line);
	return str;
}

/* turn what the handler gathered into the result, or the first error */
static int schema_from_state(struct parse_state *st, const char *origin,
			     int line, struct bulkhead_schema **ret,
			     struct bulkhead_msg *msg)
{
	struct bulkhead_schema *o = st->out;
	struct bh_error err;

	if (st->header_pending && !st->error[0]) {
		parse_fail(st, "section at line %d has no keys", st->header_line);
		st->error_line = st->header_line;
	}
	if (st->error_line && (line <= 0 || st->error_line < line))
		line = st->error_line;
	if (line > 0 || st->error[0]) {
		if (line > 0)
			bulkhead_msg_set(msg, "schema %s: line %d: %s", origin, line,
					 st->error[0] ? st->error :
					 "not INI syntax (or a line too long)");
		else
			bulkhead_msg_set(msg, "schema %s: %s", origin, st->error);
		return -EINVAL;
	}
	if (!st->extension || !st->name || st->version < 0) {
		bulkhead_msg_set(msg, "schema %s: [schema] needs extension, name and version",
				 origin);
		return -EINVAL;
	}
	o->s.extension = TAKE_PTR(st->extension);
	o->s.name = TAKE_PTR(st->name);
	o->s.version = (u32)st->version;
	o->s.templates = o->templates;
	if (bh_schema_check(&o->s, &err)) {
		bulkhead_msg_set(msg, "schema %s: %s", origin, err.msg);
		return -EINVAL;
	}
	*ret = TAKE_PTR(st->out);
	return 0;
}

static int schema_parse_common(FILE *f, const char *text, const char *origin,
			       struct bulkhead_schema **ret,
			       struct bulkhead_msg *msg)
{
	struct parse_state st = { .version = -1 };
	struct reader rd = { .f = f, .p = text, .st = &st };
	int line, r;

	st.out = calloc(1, sizeof(*st.out));
	if (!st.out) {
		bulkhead_msg_set(msg, "schema %s: out of memory", origin);
		return -ENOMEM;
	}

	line = ini_parse_stream(read_line, &rd, handler, &st);
	if (line >= 0 && !st.error[0])
		finish_template(&st);
	if (line == -2) {
		bulkhead_msg_set(msg, "schema %s: out of memory", origin);
		r = -ENOMEM;
	} else {
		r = schema_from_state(&st, origin, line, ret, msg);
	}
	bulkhead_schema_free(st.out);
	free(st.extension);
	free(st.name);
	return r;
}

/**
 * bulkhead_schema_load() - read a .schema file
 * @path: the file
 * @ret: the parsed schema, written on success only; free with
 *	bulkhead_schema_free()
 * @msg: the reason on failure, naming file and line
 *
 * Return: 0, -EINVAL for a bad schema, or another negative errno.
 */
int bulkhead_schema_load(const char *path, struct bulkhead_schema **ret,
			 struct bulkhead_msg *msg)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	int err;

	if (!f) {
		err = -errno;
		bulkhead_msg_set(msg, "schema %s: cannot open: %s", path,
				 strerror(-err));
		return err;
	}
	return schema_parse_common(f, NULL, path, ret, msg);
}

/**
 * bulkhead_schema_parse() - parse schema text held in memory
 * @text: NUL-terminated schema text
 * @origin: where it came from, for messages
 * @ret: the parsed schema, written on success only
 * @msg: the reason on failure
 *
 * Return: 0, -EINVAL for a bad schema, or another negative errno.
 */
int bulkhead_schema_parse(const char *text, const char *origin,
			  struct bulkhead_schema **ret, struct bulkhead_msg *msg)
{
	return schema_parse_common(NULL, text, origin, ret, msg);
}

/**
 * bulkhead_schema_text() - canonical text of @s
 * @s: a valid schema
 *
 * Return: malloc'd NUL-terminated text, or NULL (bad schema or no memory).
 */
char *bulkhead_schema_text(const struct bh_schema *s)
{
	char *buf;
	int n;

	n = bh_schema_format(s, NULL, 0);
	if (n < 0)
		return NULL;
	buf = malloc((size_t)n + 1);
	if (buf)
		bh_schema_format(s, buf, (size_t)n + 1);
	return buf;
}
