/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * guard.h - the guard's commands, shared by bulkhead-guard (the boot
 * lifecycle: boot, good, shutdown) and bulkheadctl (status, history,
 * enable, disable, pin, reset).
 */
#ifndef BG_GUARD_H
#define BG_GUARD_H

#include "config.h"

#define BG_EXIT_OK		0
#define BG_EXIT_DEGRADED	1	/* status: an extension off, or safe mode */
#define BG_EXIT_USAGE		2
#define BG_EXIT_FAILED		3	/* state unreadable or not writable */

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
	const char *modprobe_dir;	/* /run/modprobe.d; test: BULKHEAD_MODPROBE_DIR */
	const char *securityfs_dir;	/* /sys/kernel/security/bulkhead; test: BULKHEAD_SECURITYFS_DIR */
};

#define BG_BOOT_ID_LEN		40	/* a UUID and its NUL, with room */

void bg_env_init(struct bg_env *env);
int64_t bg_now(void);		/* unix seconds; test build: BULKHEAD_NOW */
int64_t bg_uptime(void);	/* CLOCK_BOOTTIME seconds; test build: BULKHEAD_UPTIME */
int bg_kernel_boot_id(const struct bg_env *env, char buf[BG_BOOT_ID_LEN]);

int bg_cmd_boot(const struct bg_env *env);
int bg_cmd_good(const struct bg_env *env);
int bg_cmd_shutdown(const struct bg_env *env);
int bg_cmd_status(const struct bg_env *env, bool json);
int bg_cmd_history(const struct bg_env *env, bool json);
int bg_cmd_enable(const struct bg_env *env, const char *ext, bool enable);
int bg_cmd_pin(const struct bg_env *env, const char *ext, const char *version);
int bg_cmd_reset(const struct bg_env *env);

#endif /* BG_GUARD_H */
