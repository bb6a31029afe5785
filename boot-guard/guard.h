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
 * struct bg_env - where the guard reads and writes; every path can be
 * moved by option or environment so tests run without root
 */
struct bg_env {
	const char *state_dir;		/* BULKHEAD_STATE_DIR, /var/lib/bulkhead */
	const char *config;		/* BULKHEAD_GUARD_CONF, /etc/bulkhead/guard.conf */
	const char *pstore_dir;		/* BULKHEAD_PSTORE_DIR, /sys/fs/pstore */
	const char *watchdog_dir;	/* BULKHEAD_WATCHDOG_DIR, /sys/class/watchdog */
	const char *cmdline;		/* BULKHEAD_CMDLINE, /proc/cmdline */
	const char *proc_sys_kernel;	/* BULKHEAD_PROC_SYS_KERNEL, /proc/sys/kernel */
	const char *extensions_dir;	/* BULKHEAD_EXTENSIONS_DIR, /etc/bulkhead/extensions.d */
};

#define BG_BOOT_ID_LEN		40	/* a UUID and its NUL, with room */

void bg_env_init(struct bg_env *env);
int64_t bg_now(void);
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
