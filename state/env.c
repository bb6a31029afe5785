// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * env.c - where the guard, the loader and bulkheadctl read and write,
 * and what time it is.
 *
 * The installed tools use the real paths and the real clock, and only
 * their command-line options (--state-dir, --config-dir) move anything.
 * A test build (-DBULKHEAD_TEST_HOOKS: the tools in BUILD/test-bin, which
 * the CLI and VM tests run) also reads BULKHEAD_* environment variables,
 * so that the tests run without root against fixture directories and
 * fixed clocks (BULKHEAD_NOW, BULKHEAD_UPTIME); even there through
 * secure_getenv(), so a setuid or file-capability process never honours
 * them.  Without the flag the variables' names are not even in the
 * binary.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "env.h"
#include "metrics.h"
#include "util.h"

#ifdef BULKHEAD_TEST_HOOKS
static const char *test_override(const char *name, const char *def)
{
	const char *v = secure_getenv(name);

	return v && *v ? v : def;
}
#else
#define test_override(name, def)	(def)
#endif

void bg_env_init(struct bg_env *env)
{
	env->state_dir = test_override("BULKHEAD_STATE_DIR", "/var/lib/bulkhead");
	env->config = test_override("BULKHEAD_GUARD_CONF", "/etc/bulkhead/guard.conf");
	env->pstore_dir = test_override("BULKHEAD_PSTORE_DIR", "/sys/fs/pstore");
	env->watchdog_dir = test_override("BULKHEAD_WATCHDOG_DIR", "/sys/class/watchdog");
	env->cmdline = test_override("BULKHEAD_CMDLINE", "/proc/cmdline");
	env->proc_sys_kernel = test_override("BULKHEAD_PROC_SYS_KERNEL", "/proc/sys/kernel");
	env->extensions_dir = test_override("BULKHEAD_EXTENSIONS_DIR",
					    "/etc/bulkhead/extensions.d");
	env->keys_dir = test_override("BULKHEAD_KEYS_DIR", "/etc/bulkhead/keys");
	env->trust_conf = test_override("BULKHEAD_TRUST_CONF", "/etc/bulkhead/trust.conf");
	env->modprobe_dir = test_override("BULKHEAD_MODPROBE_DIR", "/run/modprobe.d");
	env->sysctl_dir = test_override("BULKHEAD_SYSCTL_DIR", "/run/sysctl.d");
	env->securityfs_dir = test_override("BULKHEAD_SECURITYFS_DIR",
					    "/sys/kernel/security/bulkhead");
	env->metrics_dir = test_override("BULKHEAD_METRICS_DIR", BG_METRICS_DIR_DEFAULT);
}

/* unix seconds; in a test build BULKHEAD_NOW fixes the clock */
int64_t bg_now(void)
{
#ifdef BULKHEAD_TEST_HOOKS
	const char *fake = secure_getenv("BULKHEAD_NOW");

	if (fake && *fake)
		return strtoll(fake, NULL, 10);
#endif
	return (int64_t)time(NULL);
}

/**
 * bg_uptime() - how long this boot has run: CLOCK_BOOTTIME, in seconds
 *
 * The policy's clock for probation and the crash window.  It starts at 0
 * with every boot, counts a suspend too, and no RTC, NTP step or
 * operator's `date` moves it, unlike bg_now().  In a test build
 * BULKHEAD_UPTIME fixes it.
 *
 * Return: seconds since this boot began; 0 if the clock cannot be read.
 */
int64_t bg_uptime(void)
{
	struct timespec ts;

#ifdef BULKHEAD_TEST_HOOKS
	const char *fake = secure_getenv("BULKHEAD_UPTIME");

	if (fake && *fake)
		return strtoll(fake, NULL, 10);
#endif
	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec;
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
