/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * guard.h - the guard's commands, shared by bulkhead-guard (the boot
 * lifecycle: boot, good, shutdown) and bulkheadctl (status, history,
 * enable, disable, pin, reset, and the metrics after content staging).
 */
#ifndef BG_GUARD_H
#define BG_GUARD_H

#include "config.h"
#include "env.h"

#define BG_EXIT_OK		0
#define BG_EXIT_DEGRADED	1	/* status: an extension off, or safe mode */
#define BG_EXIT_USAGE		2
#define BG_EXIT_FAILED		3	/* state unreadable or not writable */

int bg_cmd_boot(const struct bg_env *env);
int bg_cmd_good(const struct bg_env *env);
int bg_cmd_shutdown(const struct bg_env *env);
int bg_cmd_status(const struct bg_env *env, bool json);
int bg_cmd_history(const struct bg_env *env, bool json);
int bg_cmd_enable(const struct bg_env *env, const char *ext, bool enable);
int bg_cmd_pin(const struct bg_env *env, const char *ext, const char *version);
int bg_cmd_reset(const struct bg_env *env);
void bg_refresh_metrics(const struct bg_env *env);

#endif /* BG_GUARD_H */
