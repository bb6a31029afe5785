// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * extconf.c - /etc/bulkhead/extensions.d/NAME.conf (INI, read with inih).
 *
 * One file per extension, one [extension] section each; the file names,
 * sorted byte by byte, are the load order.  A file is taken whole or not
 * at all: anything wrong with it (a syntax error, an unknown or repeated
 * key, a bad value, a name another file already took) refuses the file
 * with its path, line and reason, and the other files still count.
 *
 * inih only reports keys, so the line reader below also watches the lines
 * go by: it numbers them, sees section headers (inih never reports one,
 * so a second [extension] or an [extension] with no keys would pass
 * unnoticed), and refuses what inih would silently take another way: a
 * NUL byte (the rest of the line would vanish), a line longer than inih's
 * buffer (the rest would become a line of its own) and an indented line
 * after a key (inih would glue it onto that key's value).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "extconf.h"

#define BL_PARAMS_MAX	1024	/* characters of params = */

enum cfg_key {
	K_NAME,
	K_MODULE,
	K_REQUIRED,
	K_REGISTERS,
	K_CONTENT_DIR,
	K_CONTENT_LINK,
	K_SCHEMA,
	K_PARAMS,
	K_REQUIRE_SIGNATURE,
	NR_KEYS
};

static const char *const key_names[NR_KEYS] = {
	[K_NAME] = "name",
	[K_MODULE] = "module",
	[K_REQUIRED] = "required",
	[K_REGISTERS] = "registers",
	[K_CONTENT_DIR] = "content_dir",
	[K_CONTENT_LINK] = "content_link",
	[K_SCHEMA] = "schema",
	[K_PARAMS] = "params",
	[K_REQUIRE_SIGNATURE] = "require_signature",
};

struct parse_state {
	struct bl_ext_config ext;	/* being filled; owns its strings */
	int key_line[NR_KEYS];		/* where each key was given, 0: not */
	int section_line;		/* the [extension] header, 0: none */
	int line;			/* lines read so far */
	bool after_key;			/* inih would continue a value */
	bool nomem;
	int error_line;
	char error[BULKHEAD_MSG_LEN];
};

struct reader {
	FILE *f;
	struct parse_state *st;
	int read_errno;			/* 0, or why reading stopped early */
};

static __attribute__((format(printf, 2, 3)))
int parse_fail(struct parse_state *st, const char *fmt, ...)
{
	va_list ap;

	/* the first reason is the one; the reader stops after it */
	if (!st->error[0]) {
		va_start(ap, fmt);
		vsnprintf(st->error, sizeof(st->error), fmt, ap);
		va_end(ap);
		st->error_line = st->line;
	}
	return 0;
}

static __attribute__((format(printf, 2, 3)))
void add_error(struct bl_config *cfg, const char *fmt, ...)
{
	va_list ap;

	/* past the kept ones only the count goes on */
	if (cfg->nr_errors < BL_MAX_CONFIG_ERRORS) {
		va_start(ap, fmt);
		vsnprintf(cfg->errors[cfg->nr_errors].text,
			  sizeof(cfg->errors[0].text), fmt, ap);
		va_end(ap);
	}
	cfg->nr_errors++;
}

static bool module_name_valid(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++) {
		char c = s[n];

		if (n >= BL_MODULE_LEN)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return n > 0;
}

static void ext_free(struct bl_ext_config *e)
{
	free(e->content_dir);
	free(e->content_link);
	free(e->schema);
	free(e->params);
	free(e->origin);
	e->content_dir = NULL;
	e->content_link = NULL;
	e->schema = NULL;
	e->params = NULL;
	e->origin = NULL;
}

static int set_path(struct parse_state *st, char **dst, const char *key,
		    const char *value)
{
	if (value[0] != '/')
		return parse_fail(st, "%s '%s' is not an absolute path", key, value);
	if (strlen(value) >= PATH_MAX)
		return parse_fail(st, "%s is longer than %d characters", key,
				  PATH_MAX - 1);
	*dst = strdup(value);
	if (!*dst) {
		st->nomem = true;
		return parse_fail(st, "out of memory");
	}
	return 1;
}

static int set_params(struct parse_state *st, const char *value)
{
	const char *p;

	if (strlen(value) > BL_PARAMS_MAX)
		return parse_fail(st, "params is longer than %d characters",
				  BL_PARAMS_MAX);
	for (p = value; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return parse_fail(st, "params has a character that is not printable ASCII (0x%02x)",
					  (unsigned char)*p);
	st->ext.params = strdup(value);
	if (!st->ext.params) {
		st->nomem = true;
		return parse_fail(st, "out of memory");
	}
	return 1;
}

static int handler(void *user, const char *section, const char *key,
		   const char *value)
{
	struct parse_state *st = user;
	struct bl_ext_config *e = &st->ext;
	int k;

	if (st->error[0])
		return 0;
	st->after_key = true;
	if (strcmp(section, "extension"))
		return parse_fail(st, "key '%s' outside [extension]", key);
	for (k = 0; k < NR_KEYS; k++)
		if (!strcmp(key, key_names[k]))
			break;
	if (k == NR_KEYS)
		return parse_fail(st, "unknown key '%s' in [extension]", key);
	if (st->key_line[k])
		return parse_fail(st, "key '%s' given twice (first on line %d)",
				  key, st->key_line[k]);
	st->key_line[k] = st->line;
	if (!*value)
		return parse_fail(st, "%s has no value", key);

	switch (k) {
	case K_NAME:
		if (!bh_name_valid(value))
			return parse_fail(st, "name '%s' is not a valid extension name (1 to %d of A-Z a-z 0-9 _ . -)",
					  value, BH_NAME_MAX);
		strcpy(e->name, value);
		return 1;
	case K_MODULE:
		if (!module_name_valid(value))
			return parse_fail(st, "module '%s' is not a valid module name (1 to %d of A-Z a-z 0-9 _ -)",
					  value, BL_MODULE_LEN);
		strcpy(e->module, value);
		return 1;
	case K_REQUIRE_SIGNATURE:
		if (bulkhead_parse_bool(value, &e->require_signature))
			return parse_fail(st, "%s '%s' is not a boolean (yes, no, true, false, 1, 0)",
					  key, value);
		return 1;
	case K_REQUIRED:
	case K_REGISTERS:
		if (bulkhead_parse_bool(value, k == K_REQUIRED ? &e->required : &e->registers))
			return parse_fail(st, "%s '%s' is not a boolean (yes, no, true, false, 1, 0)",
					  key, value);
		return 1;
	case K_CONTENT_DIR:
		return set_path(st, &e->content_dir, key, value);
	case K_CONTENT_LINK:
		return set_path(st, &e->content_link, key, value);
	case K_SCHEMA:
		return set_path(st, &e->schema, key, value);
	default:
		return set_params(st, value);
	}
}

/*
 * inih's test for a section header: '[', then ']' before the end of the
 * line or an inline comment (';' after whitespace).
 */
static const char *header_end(const char *s)
{
	bool was_space = false;

	for (; *s; s++) {
		if (*s == ']')
			return s;
		if (was_space && *s == ';')
			return NULL;
		was_space = isspace((unsigned char)*s);
	}
	return NULL;
}

/* called for every line before inih parses it */
static void note_line(struct parse_state *st, const char *line)
{
	const char *p = line, *end;
	bool indented;

	if (st->line == 1 && !strncmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	indented = isspace((unsigned char)*p);
	while (isspace((unsigned char)*p))
		p++;
	if (!*p || *p == ';' || *p == '#')
		return;
	/* inih would append this line to the previous key's value */
	if (st->after_key && indented) {
		parse_fail(st, "indented line would continue the previous value (not supported)");
		return;
	}
	if (*p != '[')
		return;
	end = header_end(p + 1);
	if (!end)
		return;		/* inih refuses it as a syntax error */
	st->after_key = false;
	p++;
	if (end - p != 9 || strncmp(p, "extension", 9))
		parse_fail(st, "unknown section [%.*s] (expected [extension])",
			   (int)(end - p), p);
	else if (st->section_line)
		parse_fail(st, "second [extension] section (one extension per file)");
	else
		st->section_line = st->line;
}

static char *read_line(char *str, int num, void *stream)
{
	struct reader *rd = stream;
	struct parse_state *st = rd->st;
	bool nul = false, too_long = false;
	int c, n = 0;

	if (st->error[0])
		return NULL;
	c = getc(rd->f);
	if (c == EOF) {
		if (ferror(rd->f))
			rd->read_errno = errno ? errno : EIO;
		return NULL;
	}
	st->line++;
	for (; c != EOF && c != '\n'; c = getc(rd->f)) {
		if (!c)
			nul = true;
		else if (n < num - 1)
			str[n++] = (char)c;
		else
			too_long = true;
	}
	if (c == EOF && ferror(rd->f)) {
		rd->read_errno = errno ? errno : EIO;
		return NULL;
	}
	str[n] = '\0';
	/* hand inih a blank line instead: the line is refused already */
	if (nul) {
		parse_fail(st, "has a NUL byte");
		str[0] = '\0';
	} else if (too_long) {
		parse_fail(st, "longer than %d characters", num - 1);
		str[0] = '\0';
	} else {
		note_line(st, str);
	}
	return str;
}

/* "DIR/NAME" without a doubled slash */
static char *path_join(const char *dir, const char *sep, const char *name)
{
	size_t len = strlen(dir);
	char *p;

	while (len && dir[len - 1] == '/')
		len--;
	if (asprintf(&p, "%.*s%s%s", (int)len, dir, sep, name) < 0)
		return NULL;
	return p;
}

/*
 * Parse @f into @st.  Return: 0 with @st filled in, 1 when the file is
 * refused (the reason is in @cfg's errors), or -ENOMEM.
 */
static int parse_file(FILE *f, const char *path, struct parse_state *st,
		      struct bl_config *cfg)
{
	struct reader rd = { .f = f, .st = st };
	int line;

	st->ext.registers = true;
	line = ini_parse_stream(read_line, &rd, handler, st);
	if (st->nomem || line == -2)
		return -ENOMEM;
	if (rd.read_errno) {
		add_error(cfg, "config %s: cannot read: %s", path,
			  strerror(rd.read_errno));
		return 1;
	}
	/* inih finds syntax errors without telling us: the earlier counts */
	if (st->error[0] && (line <= 0 || st->error_line <= line)) {
		add_error(cfg, "config %s: line %d: %s", path, st->error_line,
			  st->error);
		return 1;
	}
	if (line) {
		add_error(cfg, "config %s: line %d: not INI syntax (expected [extension], key = value or a comment)",
			  path, line);
		return 1;
	}
	if (!st->section_line) {
		add_error(cfg, "config %s: no [extension] section", path);
		return 1;
	}
	if (!st->key_line[K_NAME]) {
		add_error(cfg, "config %s: line %d: [extension] has no name",
			  path, st->section_line);
		return 1;
	}
	if (st->ext.content_link && st->ext.registers) {
		add_error(cfg, "config %s: line %d: content_link needs registers = no (it is for vendor modules that read their content themselves)",
			  path, st->key_line[K_CONTENT_LINK]);
		return 1;
	}
	if (st->ext.require_signature && !st->ext.registers) {
		add_error(cfg, "config %s: line %d: require_signature needs registers = yes (the shim never sees a vendor module's content)",
			  path, st->key_line[K_REQUIRE_SIGNATURE]);
		return 1;
	}
	/* an oops names a module; the guard blames the extension of that name */
	if (!st->ext.registers && st->key_line[K_MODULE] &&
	    !bh_name_eq(st->ext.module, st->ext.name)) {
		add_error(cfg, "config %s: line %d: module '%s' must equal name '%s' when registers = no (the guard blames a vendor module by the module name an oops shows)",
			  path, st->key_line[K_MODULE], st->ext.module, st->ext.name);
		return 1;
	}
	return 0;
}

/*
 * Open @path if it is a regular file.  Return: 0 with the stream in
 * @ret_f, or with NULL there when @path is something else (ignored), or
 * the negative errno of opening it.
 */
static int open_conf(const char *path, FILE **ret_f)
{
	struct stat sb;
	int fd, err;

	*ret_f = NULL;
	/* a directory, FIFO or device named *.conf is not a config file */
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
		return 0;
	/* O_NONBLOCK: should it have become a FIFO since, do not hang on it */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0) {
		err = -errno;
		goto err_close;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return 0;
	}
	*ret_f = fdopen(fd, "r");
	if (!*ret_f) {
		err = -errno;
		goto err_close;
	}
	return 0;

err_close:
	close(fd);
	return err;
}

/* Return: 0, or 1 when another file has the name or there is no room. */
static int check_room(struct bl_config *cfg, const struct bl_ext_config *e,
		      const char *path)
{
	const struct bl_ext_config *prev = bl_config_find(cfg, e->name);

	if (prev && strcmp(prev->name, e->name)) {
		add_error(cfg, "config %s: extension '%s' is already defined by %s (as '%s')",
			  path, e->name, prev->origin, prev->name);
		return 1;
	}
	if (prev) {
		add_error(cfg, "config %s: extension '%s' is already defined by %s",
			  path, e->name, prev->origin);
		return 1;
	}
	if (cfg->nr_ext == BL_MAX_EXT) {
		add_error(cfg, "config %s: extension '%s' not loaded: at most %d extensions",
			  path, e->name, BL_MAX_EXT);
		return 1;
	}
	return 0;
}

/*
 * Complete @st's extension with its defaults and @origin (taken in any
 * case) and move it into @cfg.  Return: 0 or -ENOMEM.
 */
static int add_ext(struct bl_config *cfg, struct parse_state *st,
		   char *origin, const char *state_dir)
{
	struct bl_ext_config *e = &st->ext;

	e->origin = origin;
	if (!st->key_line[K_MODULE])
		strcpy(e->module, e->name);
	if (!e->content_dir)
		e->content_dir = path_join(state_dir, "/content/", e->name);
	if (!e->origin || !e->content_dir)
		return -ENOMEM;
	cfg->ext[cfg->nr_ext++] = *e;
	memset(e, 0, sizeof(*e));
	return 0;
}

/* Return: 0 (taken, refused or not a regular file), or -ENOMEM. */
static int load_file(struct bl_config *cfg, const char *dir, const char *name,
		     const char *state_dir)
{
	_cleanup_free_ char *path = path_join(dir, "/", name);
	_cleanup_fclose_ FILE *f = NULL;
	struct parse_state st = {};
	int r;

	if (!path)
		return -ENOMEM;
	r = open_conf(path, &f);
	if (r == -ENOMEM)
		return r;
	if (r) {
		add_error(cfg, "config %s: cannot open: %s", path, strerror(-r));
		return 0;
	}
	if (!f)
		return 0;

	r = parse_file(f, path, &st, cfg);
	if (!r)
		r = check_room(cfg, &st.ext, path);
	if (!r)
		r = add_ext(cfg, &st, TAKE_PTR(path), state_dir);
	/* whatever a refused file left behind */
	ext_free(&st.ext);
	return r < 0 ? r : 0;
}

static int is_conf_name(const struct dirent *de)
{
	size_t len = strlen(de->d_name);

	return de->d_name[0] != '.' && len > 5 &&
	       !strcmp(de->d_name + len - 5, ".conf");
}

/* byte order, whatever the locale: the load order must not depend on it */
static int name_order(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/**
 * bl_config_load_dir() - read every extension's configuration
 * @dir: the directory (/etc/bulkhead/extensions.d); its files named
 *	*.conf, dot files excepted, are read in byte order of their names
 * @state_dir: the loader's state directory; an extension whose file names
 *	no content_dir gets @state_dir/content/NAME
 * @ret: zeroed first, then the accepted extensions and the refused files'
 *	reasons; free with bl_config_free() whatever the return value
 *
 * A missing @dir holds no extensions.  A bad file is refused as a whole
 * and named in @ret->errors; the other files still count, so a caller
 * checks @ret->nr_errors as well as the return value.
 *
 * Return: 0 when @dir could be read (or does not exist), -ENOMEM, or the
 * negative errno of listing @dir, with the reason in @ret->errors[0].
 */
int bl_config_load_dir(const char *dir, const char *state_dir,
		       struct bl_config *ret)
{
	struct dirent **list = NULL;
	int i, n, err = 0;

	memset(ret, 0, sizeof(*ret));
	n = scandir(dir, &list, is_conf_name, name_order);
	if (n < 0) {
		err = -errno;
		if (err == -ENOENT)
			return 0;
		add_error(ret, "extensions.d %s: cannot list: %s", dir,
			  strerror(-err));
		return err;
	}
	for (i = 0; i < n && !err; i++)
		err = load_file(ret, dir, list[i]->d_name, state_dir);
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	if (err) {
		bl_config_free(ret);
		memset(ret, 0, sizeof(*ret));
		add_error(ret, "extensions.d %s: out of memory", dir);
	}
	return err;
}

/**
 * bl_config_free() - free the strings of a loaded configuration
 * @cfg: a configuration bl_config_load_dir() filled in, or a zeroed one
 *
 * Leaves @cfg with no extensions (so a second call does nothing) and
 * keeps @cfg->errors, which own no memory, for the caller to report.
 */
void bl_config_free(struct bl_config *cfg)
{
	size_t i;

	for (i = 0; i < BL_MAX_EXT; i++)
		ext_free(&cfg->ext[i]);
	cfg->nr_ext = 0;
}

/**
 * bl_config_find() - an extension's configuration by name
 * @cfg: a loaded configuration
 * @name: extension name; '-' and '_' match each other, as in the kernel
 *
 * Return: the extension, or NULL if @cfg has none of that name.
 */
const struct bl_ext_config *bl_config_find(const struct bl_config *cfg,
					   const char *name)
{
	uint32_t i;

	for (i = 0; i < cfg->nr_ext && i < BL_MAX_EXT; i++)
		if (bh_name_eq(cfg->ext[i].name, name))
			return &cfg->ext[i];
	return NULL;
}

struct trust_parse {
	struct bl_trust_config *cfg;
	bool seen;
	char why[128];		/* the first problem; ini_parse_file says where */
};

static int trust_handler(void *user, const char *section, const char *key,
			 const char *value)
{
	struct trust_parse *p = user;
	bool in_trust = !strcmp(section, "trust");

	if (!in_trust || strcmp(key, "allow_format1")) {
		snprintf(p->why, sizeof(p->why), "unknown %s '%s' (only [trust] allow_format1)",
			 in_trust ? "key" : "section", in_trust ? key : section);
		return 0;
	}
	if (p->seen) {
		snprintf(p->why, sizeof(p->why), "allow_format1 given twice");
		return 0;
	}
	if (bulkhead_parse_bool(value, &p->cfg->allow_format1)) {
		snprintf(p->why, sizeof(p->why),
			 "allow_format1 '%s' is not a boolean (yes, no, true, false, 1, 0)", value);
		return 0;
	}
	p->seen = true;
	return 1;
}

/**
 * bl_trust_config_load() - read /etc/bulkhead/trust.conf
 * @path: the file; missing means the defaults (format 1 not allowed once
 *	a key is enrolled)
 * @ret: its allow_format1 is set; @ret->keys_dir is the caller's
 * @msg: the reason on failure, with file and line
 *
 * Return: 0, or -EINVAL for a file with anything but one [trust]
 * section's allow_format1 (@ret->allow_format1 is then false), or the
 * negative errno of opening it.
 */
int bl_trust_config_load(const char *path, struct bl_trust_config *ret,
			 struct bulkhead_msg *msg)
{
	struct trust_parse p = { .cfg = ret };
	_cleanup_fclose_ FILE *f = NULL;
	int line;

	ret->allow_format1 = false;
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		bulkhead_msg_set(msg, "config %s: cannot open: %s", path, strerror(errno));
		return -errno;
	}
	line = ini_parse_file(f, trust_handler, &p);
	if (line > 0)
		bulkhead_msg_set(msg, "config %s: line %d: %s", path, line,
				 p.why[0] ? p.why : "not INI");
	else if (line < 0)
		bulkhead_msg_set(msg, "config %s: out of memory", path);
	if (line) {
		ret->allow_format1 = false;
		return -EINVAL;
	}
	return 0;
}
