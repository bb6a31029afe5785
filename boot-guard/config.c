// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * config.c - guard.conf (INI, read with inih) and the kernel command line.
 *
 *	[policy]
 *	threshold = 3
 *	rollback_after = 1
 *	disable_after = 1
 *	crash_window = 3600
 *	crash_window_count = 2
 *	probation = 300
 *	expiry_good_boots = 0
 *	expiry_on_new_content = yes
 *
 *	[kernel]
 *	panic_timeout = 10
 *	panic_on_oops = yes
 *
 * A missing file means the defaults; a bad one is refused with its line.
 */
#include <errno.h>
#include <ini.h>
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
		{ "rollback_after", offsetof(struct bg_config, rollback_after), 1 },
		{ "disable_after", offsetof(struct bg_config, disable_after), 1 },
		{ "crash_window", offsetof(struct bg_config, crash_window), 1 },
		{ "crash_window_count", offsetof(struct bg_config, crash_window_count), 1 },
		{ "probation", offsetof(struct bg_config, probation), 0 },
		{ "expiry_good_boots", offsetof(struct bg_config, expiry_good_boots), 0 },
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

/**
 * bg_cmdline_parse() - bulkhead.safe_mode= and bulkhead.disable= from the
 * kernel command line
 * @text: /proc/cmdline's contents
 * @ret: the overrides, written on success only
 * @msg: the reason on failure
 *
 * Return: 0 or -EINVAL (a name too long or too many names).
 */
int bg_cmdline_parse(const char *text, struct bg_cmdline *ret,
		     struct bulkhead_msg *msg)
{
	struct bg_cmdline c = {};
	const char *p = text;

	while (*p) {
		size_t len;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		len = strcspn(p, " \t\n");
		if (len > 18 && !strncmp(p, "bulkhead.safe_mode=", 19)) {
			c.safe_mode = len > 19 && p[19] != '0' && p[19] != 'n' && p[19] != 'N';
		} else if (len > 16 && !strncmp(p, "bulkhead.disable=", 17)) {
			const char *q = p + 17, *end = p + len;

			while (q < end) {
				size_t n = strcspn(q, ", \t\n");

				if (q + n > end)
					n = (size_t)(end - q);
				if (n) {
					if (n > BH_NAME_MAX || c.nr_disable == BG_CMDLINE_MAX_DISABLE) {
						bulkhead_msg_set(msg, "kernel command line: bulkhead.disable: at most %d names of %d characters",
								 BG_CMDLINE_MAX_DISABLE, BH_NAME_MAX);
						return -EINVAL;
					}
					memcpy(c.disable[c.nr_disable], q, n);
					c.disable[c.nr_disable++][n] = '\0';
				}
				q += n + 1;
			}
		}
		p += len;
	}
	*ret = c;
	return 0;
}
