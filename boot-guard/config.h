/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * config.h - /etc/bulkhead/guard.conf and the kernel command line.
 */
#ifndef BG_CONFIG_H
#define BG_CONFIG_H

#include "policy.h"

#define BG_CMDLINE_MAX_DISABLE 16

/**
 * struct bg_guard_config - everything guard.conf sets
 * @policy: the ladder's knobs
 * @panic_timeout: seconds after which a panic reboots (kernel.panic);
 *	0 leaves the kernel's setting alone
 * @panic_on_oops: make an oops panic (and so reboot)
 */
struct bg_guard_config {
	struct bg_config policy;
	int panic_timeout;
	bool panic_on_oops;
};

/**
 * struct bg_cmdline - one-boot overrides from the kernel command line
 * @safe_mode: bulkhead.safe_mode=1
 * @disable: bulkhead.disable=a,b
 */
struct bg_cmdline {
	bool safe_mode;
	uint32_t nr_disable;
	char disable[BG_CMDLINE_MAX_DISABLE][BH_NAME_LEN + 1];
};

int bg_config_load(const char *path, struct bg_guard_config *ret,
		   struct bulkhead_msg *msg);
int bg_cmdline_parse(const char *text, struct bg_cmdline *ret,
		     struct bulkhead_msg *msg);

#endif /* BG_CONFIG_H */
