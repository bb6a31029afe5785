// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * env.c - where the guard, the loader and bulkheadctl read and write,
 * and what time it is: every path can be moved by the environment so
 * the tests run without root, and the clock can be fixed.
 */
#include <stdlib.h>
#include <time.h>

#include "guard.h"

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

void bg_env_init(struct bg_env *env)
{
	env->state_dir = env_or("BULKHEAD_STATE_DIR", "/var/lib/bulkhead");
	env->config = env_or("BULKHEAD_GUARD_CONF", "/etc/bulkhead/guard.conf");
	env->pstore_dir = env_or("BULKHEAD_PSTORE_DIR", "/sys/fs/pstore");
	env->watchdog_dir = env_or("BULKHEAD_WATCHDOG_DIR", "/sys/class/watchdog");
	env->cmdline = env_or("BULKHEAD_CMDLINE", "/proc/cmdline");
	env->proc_sys_kernel = env_or("BULKHEAD_PROC_SYS_KERNEL", "/proc/sys/kernel");
}

/* unix seconds; BULKHEAD_NOW fixes the clock for tests */
int64_t bg_now(void)
{
	const char *fake = getenv("BULKHEAD_NOW");	/* tests: a fixed clock */

	return fake && *fake ? strtoll(fake, NULL, 10) : (int64_t)time(NULL);
}
