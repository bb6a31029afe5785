// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * config.c - guard.conf (INI, read with inih) and the kernel command line.
 *
 *	[policy]
 *	threshold = 3
 *	power_cut_threshold = 6
 *	rollback_after = 1
 *	disable_after = 1
 *	crash_window = 3600
 *	crash_window_count = 2
 *	crash_window_boots = 8
 *	probation = 300
 *	expiry_good_boots = 0
 *	expiry_unattributed = 3
 *	forget_after = 3
 *	expiry_on_new_content = yes
 *
 *	[kernel]
 *	panic_timeout = 10
 *	panic_on_oops = yes
 *
 *	[metrics]
 *	dir = /var/lib/prometheus/node-exporter
 *
 * A missing file means the defaults; a bad one is refused with its line.
 */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

struct cfg_parse {
	struct bg_guard_config *cfg;
	char error[BULKHEAD_MSG_LEN];
};

static int parse_uint(const char *v, uint32_t max, uint32_t *ret)
{
	unsigned long n;
	char *end;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n > max)
		return -ERANGE;
	*ret = (uint32_t)n;
	return 0;
}

static int cfg_handler(void *user, const char *section, const char *key,
		       const char *value)
{
	struct cfg_parse *p = user;
	struct bg_config *pol = &p->cfg->policy;
	static const struct {
		const char *key;
		size_t off;
		uint32_t min;
	} uints[] = {
		{ "threshold", offsetof(struct bg_config, threshold), 1 },
		{ "power_cut_threshold", offsetof(struct bg_config, power_cut_threshold), 1 },
		{ "rollback_after", offsetof(struct bg_config, rollback_after), 1 },
		{ "disable_after", offsetof(struct bg_config, disable_after), 1 },
		{ "crash_window", offsetof(struct bg_config, crash_window), 1 },
		{ "crash_window_count", offsetof(struct bg_config, crash_window_count), 1 },
		{ "crash_window_boots", offsetof(struct bg_config, crash_window_boots), 1 },
		{ "probation", offsetof(struct bg_config, probation), 0 },
		{ "expiry_good_boots", offsetof(struct bg_config, expiry_good_boots), 0 },
		{ "expiry_unattributed", offsetof(struct bg_config, expiry_unattributed), 0 },
		{ "forget_after", offsetof(struct bg_config, forget_after), 1 },
	};
	uint32_t v;
	size_t i;

	if (p->error[0])
		return 0;
	if (!strcmp(section, "policy")) {
		for (i = 0; i < sizeof(uints) / sizeof(uints[0]); i++) {
			if (strcmp(key, uints[i].key))
				continue;
			if (parse_uint(value, UINT32_MAX, &v) || v < uints[i].min) {
				snprintf(p->error, sizeof(p->error),
					 "[policy] %s = '%s': not an integer from %u to %u",
					 key, value, uints[i].min, UINT32_MAX);
				return 0;
			}
			*(uint32_t *)((char *)pol + uints[i].off) = v;
			return 1;
		}
		if (!strcmp(key, "expiry_on_new_content")) {
			if (!bulkhead_parse_bool(value, &pol->expiry_on_new_content))
				return 1;
			snprintf(p->error, sizeof(p->error),
				 "[policy] %s = '%s': not yes or no", key, value);
			return 0;
		}
	} else if (!strcmp(section, "kernel")) {
		if (!strcmp(key, "panic_timeout")) {
			if (!parse_uint(value, 3600, &v)) {
				p->cfg->panic_timeout = (int)v;
				return 1;
			}
			snprintf(p->error, sizeof(p->error),
				 "[kernel] panic_timeout = '%s': not an integer from 0 to 3600", value);
			return 0;
		}
		if (!strcmp(key, "panic_on_oops")) {
			if (!bulkhead_parse_bool(value, &p->cfg->panic_on_oops))
				return 1;
			snprintf(p->error, sizeof(p->error),
				 "[kernel] panic_on_oops = '%s': not yes or no", value);
			return 0;
		}
	} else if (!strcmp(section, "metrics")) {
		if (!strcmp(key, "dir")) {
			/* empty: no metrics at all */
			if (*value && *value != '/') {
				snprintf(p->error, sizeof(p->error),
					 "[metrics] dir = '%s': not an absolute path (empty turns metrics off)",
					 value);
				return 0;
			}
			if (strlen(value) >= sizeof(p->cfg->metrics_dir)) {
				snprintf(p->error, sizeof(p->error),
					 "[metrics] dir: longer than %zu characters",
					 sizeof(p->cfg->metrics_dir) - 1);
				return 0;
			}
			snprintf(p->cfg->metrics_dir, sizeof(p->cfg->metrics_dir), "%s", value);
			p->cfg->metrics_dir_set = true;
			return 1;
		}
	}
	snprintf(p->error, sizeof(p->error), "unknown key '%s' in [%s]", key, section);
	return 0;
}

/**
 * bg_config_load() - read guard.conf
 * @path: the file; missing means all defaults
 * @ret: the configuration, written on success only
 * @msg: the reason on failure, with the line
 *
 * Return: 0, -EINVAL for a bad file, or another negative errno.
 */
int bg_config_load(const char *path, struct bg_guard_config *ret,
		   struct bulkhead_msg *msg)
{
	struct bg_guard_config cfg = {
		.policy = bg_default_config,
		.panic_timeout = 10,
		.panic_on_oops = true,
	};
	struct cfg_parse p = { .cfg = &cfg };
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	int line, err;

	if (!f) {
		if (errno != ENOENT) {
			err = -errno;
			bulkhead_msg_set(msg, "config %s: cannot open: %s", path, strerror(-err));
			return err;
		}
		*ret = cfg;
		return 0;
	}
	line = ini_parse_file(f, cfg_handler, &p);
	if (line) {
		bulkhead_msg_set(msg, "config %s: line %d: %s", path, line,
				 p.error[0] ? p.error : "not INI syntax");
		return line == -2 ? -ENOMEM : -EINVAL;
	}
	*ret = cfg;
	return 0;
}

/* ---- the kernel command line ------------------------------------------ */


/* the kernel's isspace() (lib/ctype.c), which takes 0xa0 as a space too */
static bool kernel_isspace(char ch)
{
	unsigned char c = (unsigned char)ch;

	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}


__attribute__((format(printf, 2, 3)))
static void cmdline_warn(struct bg_cmdline *c, const char *fmt, ...)
{
	struct bulkhead_msg *m;
	va_list ap;
	int n;

	if (c->nr_warnings++ >= BG_CMDLINE_MAX_WARNINGS)
		return;
	m = &c->warnings[c->nr_warnings - 1];
	n = snprintf(m->text, sizeof(m->text), "kernel command line: ");
	va_start(ap, fmt);
	vsnprintf(m->text + n, sizeof(m->text) - (size_t)n, fmt, ap);
	va_end(ap);
}

/**
 * struct kernel_arg - one parameter of the command line
 * @param: its name, @param_len bytes
 * @val: its value, @val_len bytes, without the quotes; NULL for a name alone
 */
struct kernel_arg {
	const char *param;
	size_t param_len;
	const char *val;
	size_t val_len;
};

/*
 * The kernel's next_arg() (lib/cmdline.c), reading @args without writing
 * into it: a parameter ends at white space outside double quotes; a quote
 * opening the value, or the whole param=value, is dropped, and so is the
 * parameter's last character if it is a quote; other quotes stay, and
 * nothing escapes one.  Returns where the next parameter starts.
 */
static const char *next_arg(const char *args, struct kernel_arg *a)
{
	bool in_quote = false, quoted = false, val_quoted;
	size_t i, equals = 0, end, v;

	if (*args == '"') {
		args++;
		in_quote = quoted = true;
	}
	for (i = 0; args[i]; i++) {
		if (kernel_isspace(args[i]) && !in_quote)
			break;
		/* as in the kernel, a '=' at 0 is no separator */
		if (!equals && args[i] == '=')
			equals = i;
		if (args[i] == '"')
			in_quote = !in_quote;
	}
	val_quoted = equals && args[equals + 1] == '"';
	end = i > 0 && args[i - 1] == '"' && (quoted || val_quoted) ? i - 1 : i;
	a->param = args;
	if (!equals) {
		a->param_len = end;
		a->val = NULL;
		a->val_len = 0;
	} else {
		v = equals + 1 + val_quoted;
		a->param_len = equals;
		a->val = args + v;
		a->val_len = end > v ? end - v : 0;
	}
	args += i;
	if (*args)
		args++;
	while (kernel_isspace(*args))
		args++;
	return args;
}

/* the kernel's parameq(): '-' and '_' are one character in a name */
static bool param_is(const struct kernel_arg *a, const char *name)
{
	size_t i;

	if (a->param_len != strlen(name))
		return false;
	for (i = 0; i < a->param_len; i++)
		if ((a->param[i] == '-' ? '_' : a->param[i]) != (name[i] == '-' ? '_' : name[i]))
			return false;
	return true;
}

/* the kernel's kstrtobool(): the first character decides, or two after 'o' */
static int kernel_strtobool(const char *s, size_t len, bool *ret)
{
	char c1 = len > 1 ? s[1] : '\0';

	switch (len ? s[0] : '\0') {
	case 'y': case 'Y': case 't': case 'T': case '1':
		*ret = true;
		return 0;
	case 'n': case 'N': case 'f': case 'F': case '0':
		*ret = false;
		return 0;
	case 'o': case 'O':
		if (c1 == 'n' || c1 == 'N') {
			*ret = true;
			return 0;
		}
		if (c1 == 'f' || c1 == 'F') {
			*ret = false;
			return 0;
		}
		break;
	}
	return -EINVAL;
}

static void cmdline_safe_mode(struct bg_cmdline *c, const struct kernel_arg *a)
{
	char shown[BULKHEAD_SHOW_LEN];

	/* a bool parameter named alone is set, as the kernel's param_set_bool() */
	if (!a->val)
		c->safe_mode = true;
	else if (kernel_strtobool(a->val, a->val_len, &c->safe_mode))
		cmdline_warn(c, "bulkhead.safe_mode: value '%s' is not a boolean "
			     "(on: 1 y yes t true on, off: 0 n no f false off): ignored",
			     bulkhead_show_name(shown, a->val, a->val_len));
}

static void cmdline_disable_one(struct bg_cmdline *c, const char *s, size_t len,
				const struct kernel_arg *a)
{
	char name[BH_NAME_LEN + 1], shown[BULKHEAD_SHOW_LEN], bad[BULKHEAD_SHOW_LEN];
	size_t i;

	if (!len) {
		cmdline_warn(c, "bulkhead.disable: empty name in '%s': skipped",
			     bulkhead_show_name(shown, a->val, a->val_len));
		return;
	}
	bulkhead_show_name(shown, s, len);
	if (len > BH_NAME_MAX) {
		cmdline_warn(c, "bulkhead.disable: name '%s' (%zu characters) longer than %d: skipped",
			     shown, len, BH_NAME_MAX);
		return;
	}
	memcpy(name, s, len);
	name[len] = '\0';
	if (!bh_name_valid(name)) {
		/* the first character bh_name_valid() would not take alone */
		for (i = 0; i < len; i++) {
			char one[2] = { name[i], '\0' };

			if (!bh_name_valid(one))
				break;
		}
		cmdline_warn(c, "bulkhead.disable: name '%s': character '%s' is not one of "
			     "A-Z a-z 0-9 _ . -: skipped", shown, bulkhead_show_name(bad, name + i, i < len));
		return;
	}
	for (i = 0; i < c->nr_disable; i++)
		if (bh_name_eq(c->disable[i], name))
			return;
	if (c->nr_disable == BG_CMDLINE_MAX_DISABLE) {
		cmdline_warn(c, "bulkhead.disable: name '%s': more than %d names: skipped",
			     shown, BG_CMDLINE_MAX_DISABLE);
		return;
	}
	memcpy(c->disable[c->nr_disable++], name, len + 1);
}

static void cmdline_disable(struct bg_cmdline *c, const struct kernel_arg *a)
{
	const char *p = a->val, *end = a->val + a->val_len, *comma;

	if (!a->val) {
		cmdline_warn(c, "bulkhead.disable: no value (bulkhead.disable=NAME,NAME...): ignored");
		return;
	}
	if (!a->val_len) {
		cmdline_warn(c, "bulkhead.disable: empty value: ignored");
		return;
	}
	for (;;) {
		comma = memchr(p, ',', (size_t)(end - p));
		cmdline_disable_one(c, p, (size_t)((comma ? comma : end) - p), a);
		if (!comma)
			break;
		p = comma + 1;
	}
}

/**
 * bg_cmdline_parse() - bulkhead.safe_mode and bulkhead.disable= from the
 * kernel command line, read the way the kernel reads its parameters
 * @text: /proc/cmdline's contents
 * @ret: the overrides and the warnings, always written
 *
 * Parameters are split as the kernel's parse_args() splits them (double
 * quotes, white space, "--" ending the kernel's part of the line), and
 * '-' and '_' are alike in their names.  bulkhead.safe_mode is read as
 * the shim's bool parameter is: kstrtobool(), the name alone means on, the
 * last one counts; any other value is ignored.  bulkhead.disable= takes
 * comma-separated names, and may be given more than once; each name that
 * bh_name_valid() refuses, or past BG_CMDLINE_MAX_DISABLE, is skipped on
 * its own.  Whatever is ignored or skipped is a warning in @ret; the rest
 * of the line still applies.
 */
void bg_cmdline_parse(const char *text, struct bg_cmdline *ret)
{
	static const char prefix[] = "bulkhead.";
	const char *p = text;
	char shown[BULKHEAD_SHOW_LEN];
	struct kernel_arg a;

	memset(ret, 0, sizeof(*ret));
	while (kernel_isspace(*p))
		p++;
	while (*p) {
		p = next_arg(p, &a);
		/* what follows is init's, not the kernel's */
		if (!a.val && a.param_len == 2 && !memcmp(a.param, "--", 2))
			break;
		if (a.param_len < sizeof(prefix) || memcmp(a.param, prefix, sizeof(prefix) - 1))
			continue;
		if (param_is(&a, "bulkhead.safe_mode"))
			cmdline_safe_mode(ret, &a);
		else if (param_is(&a, "bulkhead.disable"))
			cmdline_disable(ret, &a);
		/* the kernel takes these two for any module */
		else if (!param_is(&a, "bulkhead.dyndbg") && !param_is(&a, "bulkhead.async_probe"))
			cmdline_warn(ret, "%s: unknown parameter (bulkhead.safe_mode and "
				     "bulkhead.disable are): ignored",
				     bulkhead_show_name(shown, a.param, a.param_len));
	}
}
