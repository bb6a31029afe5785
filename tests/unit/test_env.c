// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_env.c - the library the installed tools are linked from (the unit
 * tests link the same libbulkhead.a, built without -DBULKHEAD_TEST_HOOKS)
 * ignores every BULKHEAD_* test override: bg_env_init() gives the real
 * paths, bg_now() the real time and bg_uptime() the real CLOCK_BOOTTIME,
 * whatever the environment says.  The
 * test build's side (the overrides honoured, through secure_getenv) is
 * tests/cli/test_overrides_cli.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guard.h"
#include "testutil.h"

static const char *const overrides[] = {
	"BULKHEAD_STATE_DIR", "BULKHEAD_GUARD_CONF", "BULKHEAD_PSTORE_DIR",
	"BULKHEAD_WATCHDOG_DIR", "BULKHEAD_CMDLINE", "BULKHEAD_PROC_SYS_KERNEL",
	"BULKHEAD_EXTENSIONS_DIR", "BULKHEAD_METRICS_DIR",
};

static int teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(overrides); i++)
		unsetenv(overrides[i]);
	unsetenv("BULKHEAD_NOW");
	unsetenv("BULKHEAD_UPTIME");
	return 0;
}

static void assert_real_paths(const struct bg_env *env)
{
	assert_string_equal(env->state_dir, "/var/lib/bulkhead");
	assert_string_equal(env->config, "/etc/bulkhead/guard.conf");
	assert_string_equal(env->pstore_dir, "/sys/fs/pstore");
	assert_string_equal(env->watchdog_dir, "/sys/class/watchdog");
	assert_string_equal(env->cmdline, "/proc/cmdline");
	assert_string_equal(env->proc_sys_kernel, "/proc/sys/kernel");
	assert_string_equal(env->extensions_dir, "/etc/bulkhead/extensions.d");
	assert_string_equal(env->metrics_dir, "/var/lib/prometheus/node-exporter");
}

static void env_init_without_overrides_gives_the_real_paths(void **state)
{
	struct bg_env env;

	(void)state;
	teardown(NULL);
	memset(&env, 0, sizeof(env));
	bg_env_init(&env);
	assert_real_paths(&env);
}

/* every override set, to a path a test would use: none of them moves anything */
static void env_init_ignores_every_bulkhead_override(void **state)
{
	struct bg_env env;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(overrides); i++)
		assert_int_equal(setenv(overrides[i], "/tmp/bh-attacker", 1), 0);
	memset(&env, 0, sizeof(env));
	bg_env_init(&env);
	assert_real_paths(&env);
}

static void now_ignores_bulkhead_now(void **state)
{
	int64_t before, got;

	(void)state;
	assert_int_equal(setenv("BULKHEAD_NOW", "1000", 1), 0);
	before = (int64_t)time(NULL);
	got = bg_now();
	assert_true(got >= before);
	assert_true(got <= (int64_t)time(NULL));
}

/* CLOCK_BOOTTIME: this boot's, never a value from the environment */
static void uptime_ignores_bulkhead_uptime(void **state)
{
	struct timespec ts;
	int64_t before, got;

	(void)state;
	assert_int_equal(setenv("BULKHEAD_UPTIME", "999999999", 1), 0);
	assert_int_equal(clock_gettime(CLOCK_BOOTTIME, &ts), 0);
	before = (int64_t)ts.tv_sec;
	got = bg_uptime();
	assert_int_equal(clock_gettime(CLOCK_BOOTTIME, &ts), 0);
	assert_true(got >= before);
	assert_true(got <= (int64_t)ts.tv_sec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(env_init_without_overrides_gives_the_real_paths, teardown),
		cmocka_unit_test_teardown(env_init_ignores_every_bulkhead_override, teardown),
		cmocka_unit_test_teardown(now_ignores_bulkhead_now, teardown),
		cmocka_unit_test_teardown(uptime_ignores_bulkhead_uptime, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
