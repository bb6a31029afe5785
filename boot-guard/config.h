/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * config.h - /etc/bulkhead/guard.conf and the kernel command line.
 */
#ifndef BG_CONFIG_H
#define BG_CONFIG_H

#include "policy.h"

#define BG_CMDLINE_MAX_WARNINGS 8
#define BG_METRICS_DIR_LEN	1024

/**
 * struct bg_guard_config - everything guard.conf sets
 * @policy: the ladder's knobs
 * @panic_timeout: seconds after which a panic reboots (kernel.panic);
 *	0 leaves the kernel's setting alone
 * @panic_on_oops: make an oops panic (and so reboot)
 * @metrics_dir_set: [metrics] dir is in the file; otherwise the default
 *	(struct bg_env's metrics_dir) applies
 * @metrics_dir: [metrics] dir, an absolute path; "" turns metrics off
 */
struct bg_guard_config {
	struct bg_config policy;
	int panic_timeout;
	bool panic_on_oops;
	bool metrics_dir_set;
	char metrics_dir[BG_METRICS_DIR_LEN];
};

/**
 * struct bg_cmdline - one-boot overrides from the kernel command line
 * @safe_mode: bulkhead.safe_mode, read as the kernel reads a bool
 *	parameter (kstrtobool(); the name alone means on; the last one counts)
 * @nr_disable: names in @disable
 * @disable: bulkhead.disable=a,b (all of them, if given more than once):
 *	valid names only, as given, each once ('-' and '_' alike)
 * @nr_warnings: what was ignored or skipped; at most BG_CMDLINE_MAX_WARNINGS
 *	are kept in @warnings, the count goes on
 * @warnings: one line each, naming the parameter, the value and why
 */
struct bg_cmdline {
	bool safe_mode;
	uint32_t nr_disable;
	char disable[BG_CMDLINE_MAX_DISABLE][BH_NAME_LEN + 1];
	uint32_t nr_warnings;
	struct bulkhead_msg warnings[BG_CMDLINE_MAX_WARNINGS];
};

int bg_config_load(const char *path, struct bg_guard_config *ret,
		   struct bulkhead_msg *msg);
void bg_cmdline_parse(const char *text, struct bg_cmdline *ret);

#endif /* BG_CONFIG_H */
