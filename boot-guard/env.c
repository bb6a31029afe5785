// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * env.c - where the guard, the loader and bulkheadctl read and write,
 * and what time it is: every path can be moved by the environment so
 * the tests run without root, and the clock can be fixed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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
	env->extensions_dir = env_or("BULKHEAD_EXTENSIONS_DIR", "/etc/bulkhead/extensions.d");
}

/* unix seconds; BULKHEAD_NOW fixes the clock for tests */
int64_t bg_now(void)
{
	const char *fake = getenv("BULKHEAD_NOW");	/* tests: a fixed clock */

	return fake && *fake ? strtoll(fake, NULL, 10) : (int64_t)time(NULL);
}

/**
 * bg_kernel_boot_id() - /proc/sys/kernel/random/boot_id, a new UUID every
 * time the kernel boots
 * @env: where /proc/sys/kernel is
 * @buf: the id, without its newline
 *
 * The guard writes it into boot.json; the loader refuses a decision that
 * carries another one (made in an earlier boot).
 *
 * Return: 0, or a negative errno when it cannot be read.
 */
int bg_kernel_boot_id(const struct bg_env *env, char buf[BG_BOOT_ID_LEN])
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ uint8_t *text = NULL;
	size_t len;

	if (asprintf(&path, "%s/random/boot_id", env->proc_sys_kernel) < 0)
		return -ENOMEM;
	if (bulkhead_read_pseudo_file(path, 64, &text, &len, NULL))
		return -ENOENT;
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	if (!len || len >= BG_BOOT_ID_LEN)
		return -EINVAL;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return 0;
}
