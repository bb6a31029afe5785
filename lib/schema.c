// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * schema.c - schema tables: sanity checks, template lookup, and the
 * canonical schema text.
 *
 * The kernel prints an extension's static table with bh_schema_format();
 * userspace parses a .schema file into the same structure and prints it
 * with the same function, so "does the file match the running extension"
 * is a string comparison.  The text is INI (docs/content-format.md):
 *
 *	[schema]
 *	extension = bh_execwatch
 *	name = execwatch
 *	version = 1
 *
 *	[template path-rule]
 *	id = 1
 *	field = id u32 1 1000000
 *	field = path string 1 4095
 */
#include "bh_content.h"

static const char *const bh_type_names[] = {
	[BH_FT_U32] = "u32",
	[BH_FT_U64] = "u64",
	[BH_FT_STRING] = "string",
	[BH_FT_BYTES] = "bytes",
};

/**
 * bh_field_type_name() - text name of a field type
 * @type: an enum bh_field_type
 *
 * Return: "u32", "u64", "string", "bytes", or "unknown".
 */
const char *bh_field_type_name(unsigned int type)
{
	if (type < BH_FT_U32 || type > BH_FT_BYTES)
		return "unknown";
	return bh_type_names[type];
}

/**
 * bh_field_type_from_name() - field type from its text name
 * @name: "u32", "u64", "string" or "bytes"
 *
 * Return: the enum bh_field_type, or -EINVAL.
 */
int bh_field_type_from_name(const char *name)
{
	unsigned int t;

	for (t = BH_FT_U32; t <= BH_FT_BYTES; t++)
		if (!strcmp(name, bh_type_names[t]))
			return t;
	return -EINVAL;
}

/**
 * bh_name_valid() - is @name usable as an extension, schema, template or
 * field name
 * @name: NUL-terminated string
 *
 * Return: true for 1 to BH_NAME_MAX characters from [A-Za-z0-9_.-].
 */
bool bh_name_valid(const char *name)
{
	size_t n;

	for (n = 0; name[n]; n++) {
		char c = name[n];

		if (n >= BH_NAME_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return n > 0;
}

/**
 * bh_name_eq() - do two names name the same extension or module
 * @a: NUL-terminated name
 * @b: NUL-terminated name
 *
 * The kernel takes '-' and '_' in module names as the same character, so
 * a module line in an oops, a disable list and a configuration may spell
 * one extension either way.
 *
 * Return: true when equal but for '-' against '_'.
 */
bool bh_name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return false;
	return *a == *b;
}

/**
 * bh_schema_template() - the template of @s with id @id
 * @s: a schema
 * @id: template id
 *
 * Return: the template, or NULL if @s declares none with that id.
 */
const struct bh_template_spec *bh_schema_template(const struct bh_schema *s,
						  u16 id)
{
	u16 i;

	for (i = 0; i < s->nr_templates; i++)
		if (s->templates[i].id == id)
			return &s->templates[i];
	return NULL;
}

static __printf(3, 4) int bh_schema_bad(struct bh_error *err,
					const struct bh_schema *s,
					const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (err) {
		err->code = BH_E_ARGS;
		err->offset = 0;
		err->record = BH_NO_RECORD;
		if (s && s->name && bh_name_valid(s->name))
			n = snprintf(err->msg, sizeof(err->msg), "schema '%s': ",
				     s->name);
		va_start(ap, fmt);
		vsnprintf(err->msg + n, sizeof(err->msg) - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int bh_field_spec_check(const struct bh_schema *s,
			       const struct bh_template_spec *t, u16 f,
			       struct bh_error *err)
{
	const struct bh_field_spec *fs = &t->fields[f];
	u64 limit;

	if (!fs->name || !bh_name_valid(fs->name))
		return bh_schema_bad(err, s, "template '%s' field %u: invalid name",
				     t->name, f);
	switch (fs->type) {
	case BH_FT_U32:
		limit = U32_MAX;
		break;
	case BH_FT_U64:
		limit = U64_MAX;
		break;
	case BH_FT_STRING:
	case BH_FT_BYTES:
		limit = BH_MAX_VARLEN;
		break;
	default:
		return bh_schema_bad(err, s, "template '%s' field %u ('%s'): unknown type %u",
				     t->name, f, fs->name, fs->type);
	}
	if (fs->min > fs->max || fs->max > limit)
		return bh_schema_bad(err, s, "template '%s' field %u ('%s'): bounds [%llu, %llu] invalid for %s (limit %llu)",
				     t->name, f, fs->name,
				     (unsigned long long)fs->min,
				     (unsigned long long)fs->max,
				     bh_field_type_name(fs->type),
				     (unsigned long long)limit);
	return 0;
}

/**
 * bh_schema_check() - is @s a well-formed schema
 * @s: the schema to check
 * @err: filled with the reason when it is not; may be NULL
 *
 * Checks names, at least one template, unique template ids and names, at
 * most BH_MAX_FIELDS fields per template, known field types and sane
 * bounds.  The shim runs it at registration; userspace after parsing.
 *
 * Return: 0 or -EINVAL.
 */
int bh_schema_check(const struct bh_schema *s, struct bh_error *err)
{
	u16 i, j;
	int ret;

	if (!s)
		return bh_schema_bad(err, s, "no schema");
	if (!s->name || !bh_name_valid(s->name))
		return bh_schema_bad(err, s, "invalid schema name");
	if (!s->extension || !bh_name_valid(s->extension))
		return bh_schema_bad(err, s, "invalid extension name");
	if (!s->nr_templates || !s->templates)
		return bh_schema_bad(err, s, "declares no templates");
	for (i = 0; i < s->nr_templates; i++) {
		const struct bh_template_spec *t = &s->templates[i];

		if (!t->name || !bh_name_valid(t->name))
			return bh_schema_bad(err, s, "template %u: invalid name", i);
		if (t->nr_fields > BH_MAX_FIELDS)
			return bh_schema_bad(err, s, "template '%s': %u fields, at most %u",
					     t->name, t->nr_fields, BH_MAX_FIELDS);
		if (t->nr_fields && !t->fields)
			return bh_schema_bad(err, s, "template '%s': no field table",
					     t->name);
		for (j = 0; j < i; j++) {
			if (s->templates[j].id == t->id)
				return bh_schema_bad(err, s, "templates '%s' and '%s' share id %u",
						     s->templates[j].name, t->name, t->id);
			if (!strcmp(s->templates[j].name, t->name))
				return bh_schema_bad(err, s, "template name '%s' used twice",
						     t->name);
		}
		for (j = 0; j < t->nr_fields; j++) {
			ret = bh_field_spec_check(s, t, j, err);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* snprintf that keeps counting after the buffer is full, like snprintf */
static __printf(4, 5) void bh_emit(char *buf, size_t size, size_t *pos,
				   const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*pos < size ? buf + *pos : NULL,
		      *pos < size ? size - *pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += n;
}

/**
 * bh_schema_format() - the canonical schema text of @s
 * @s: a schema that passed bh_schema_check()
 * @buf: output buffer (may be NULL if @size is 0)
 * @size: its size
 *
 * Like snprintf(): writes at most @size bytes including the NUL and
 * returns the length the whole text needs, so a caller can size a buffer
 * with a first call.
 *
 * Return: the text's length without the NUL, or -EINVAL for a bad schema.
 */
int bh_schema_format(const struct bh_schema *s, char *buf, size_t size)
{
	size_t pos = 0;
	u16 i, j;

	if (bh_schema_check(s, NULL))
		return -EINVAL;
	if (size)
		buf[0] = '\0';
	bh_emit(buf, size, &pos, "[schema]\nextension = %s\nname = %s\nversion = %u\n",
		s->extension, s->name, s->version);
	for (i = 0; i < s->nr_templates; i++) {
		const struct bh_template_spec *t = &s->templates[i];

		bh_emit(buf, size, &pos, "\n[template %s]\nid = %u\n", t->name, t->id);
		for (j = 0; j < t->nr_fields; j++) {
			const struct bh_field_spec *fs = &t->fields[j];

			bh_emit(buf, size, &pos, "field = %s %s %llu %llu\n",
				fs->name, bh_field_type_name(fs->type),
				(unsigned long long)fs->min,
				(unsigned long long)fs->max);
		}
	}
	return pos > 0x7fffffff ? -EINVAL : (int)pos;
}
