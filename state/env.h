/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * env.h - where the guard, the loader and bulkheadctl read and write, what
 * time it is (the wall clock for records, CLOCK_BOOTTIME for what must not
 * move with the RTC), and which kernel boot this is.
 */
#ifndef BG_ENV_H
#define BG_ENV_H

#include <stdint.h>

#include "state.h"

/**
 * struct bg_env - where the guard reads and writes
 *
 * bg_env_init() fills in the real paths; the tools' options move some
 * (--state-dir, --config-dir).  Only a test build (-DBULKHEAD_TEST_HOOKS,
 * never installed) also takes the BULKHEAD_* variable named beside each
 * field from the environment, so the tests run without root.
 */
struct bg_env {
	const char *state_dir;		/* /var/lib/bulkhead; test: BULKHEAD_STATE_DIR */
	const char *config;		/* /etc/bulkhead/guard.conf; test: BULKHEAD_GUARD_CONF */
	const char *pstore_dir;		/* /sys/fs/pstore; test: BULKHEAD_PSTORE_DIR */
	const char *watchdog_dir;	/* /sys/class/watchdog; test: BULKHEAD_WATCHDOG_DIR */
	const char *cmdline;		/* /proc/cmdline; test: BULKHEAD_CMDLINE */
	const char *proc_sys_kernel;	/* /proc/sys/kernel; test: BULKHEAD_PROC_SYS_KERNEL */
	const char *extensions_dir;	/* /etc/bulkhead/extensions.d; test: BULKHEAD_EXTENSIONS_DIR */
	const char *keys_dir;		/* /etc/bulkhead/keys; test: BULKHEAD_KEYS_DIR */
	const char *trust_conf;		/* /etc/bulkhead/trust.conf; test: BULKHEAD_TRUST_CONF */
	const char *modprobe_dir;	/* /run/modprobe.d; test: BULKHEAD_MODPROBE_DIR */
	const char *sysctl_dir;		/* /run/sysctl.d; test: BULKHEAD_SYSCTL_DIR */
	const char *securityfs_dir;	/* /sys/kernel/security/bulkhead; test: BULKHEAD_SECURITYFS_DIR */
	/*
	 * The default of guard.conf's [metrics] dir; NULL when --state-dir
	 * moved the state, whose metrics then go only where guard.conf says.
	 */
	const char *metrics_dir;	/* /var/lib/prometheus/node-exporter; test: BULKHEAD_METRICS_DIR */
};

void bg_env_init(struct bg_env *env);
int64_t bg_now(void);		/* unix seconds; test build: BULKHEAD_NOW */
int64_t bg_uptime(void);	/* CLOCK_BOOTTIME seconds; test build: BULKHEAD_UPTIME */
int bg_kernel_boot_id(const struct bg_env *env, char buf[BG_BOOT_ID_LEN]);

#endif /* BG_ENV_H */
