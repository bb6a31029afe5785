// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_metrics.c - the guard's Prometheus metrics (state/metrics.c) and
 * their setting (guard.conf's [metrics] dir, boot-guard/config.c): the
 * exact text for known states, label values escaped as the exposition
 * format wants them, a file replaced whole (a failing or crashing syscall
 * at any step leaves the old file or the new one and no temporary file,
 * an unwritable directory is an error that keeps the old file), and the
 * guard's commands writing it where the setting says, or nowhere when it
 * is empty, never failing for it.
 *
 * Syscall failures and crashes come from fi_ops (testutil.h); every test
 * works in a fresh mkdtemp() directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guard.h"
#include "metrics.h"
#include "testutil.h"

#define T0	1795000000LL

struct t {
	char root[40];
	char *dir;		/* the textfile collector's directory */
	char *prom;		/* DIR/bulkhead.prom */
	char *tmp;		/* DIR/bulkhead.prom.tmp */
	struct bg_state *st;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->root, sizeof(t->root), "/tmp/bh-metrics-XXXXXX");
	if (!mkdtemp(t->root))
		return -1;
	*state = t;
	t->dir = fmt("%s/textfile", t->root);
	t->prom = fmt("%s/bulkhead.prom", t->dir);
	t->tmp = fmt("%s/bulkhead.prom.tmp", t->dir);
	t->st = own(calloc(1, sizeof(*t->st)));
	t->st->next_boot_id = 1;
	assert_int_equal(mkdir(t->dir, 0755), 0);
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	fi_reap();
	chmod(t->dir, 0755);
	rm_tree(t->root);
	free(t);
	free_owned();
	return 0;
}

static char *render(const struct bg_state *st)
{
	char *text = NULL;
	size_t len;

	assert_int_equal(bg_metrics_render(st, &text, &len), 0);
	own(text);
	assert_int_equal(strlen(text), len);
	return text;
}

static bool exists(const char *path)
{
	return !access(path, F_OK);
}

/* the families and their help, in the file's order */
#define HEAD_BOOTS \
	"# HELP bulkhead_boots_total Boots the guard has started on this state.\n" \
	"# TYPE bulkhead_boots_total counter\n"
#define HEAD_FAILURES \
	"# HELP bulkhead_consecutive_failures Failed boots since the last good one.\n" \
	"# TYPE bulkhead_consecutive_failures gauge\n"
#define HEAD_SAFE_MODE \
	"# HELP bulkhead_safe_mode 1 while the guard keeps the machine in safe mode (no extension loads).\n" \
	"# TYPE bulkhead_safe_mode gauge\n"
#define HEAD_DECISIONS \
	"# HELP bulkhead_decisions_total Decisions recorded in the state since it was created, by action.\n" \
	"# TYPE bulkhead_decisions_total counter\n"
#define HEAD_LAST \
	"# HELP bulkhead_last_decision_timestamp_seconds When the latest decision was taken (wall clock, unix seconds); 0 for none.\n" \
	"# TYPE bulkhead_last_decision_timestamp_seconds gauge\n"
#define HEAD_DISABLED \
	"# HELP bulkhead_extension_disabled 1 while the extension is disabled, by the guard or an operator.\n" \
	"# TYPE bulkhead_extension_disabled gauge\n"
#define HEAD_VERSION \
	"# HELP bulkhead_extension_content_version Content version of the extension: active (runs) or lkg (last known good); 0 for none.\n" \
	"# TYPE bulkhead_extension_content_version gauge\n"

/* ---- the text ------------------------------------------------------------ */

static void fresh_state_has_every_family_at_zero(void **state)
{
	struct t *t = *state;

	assert_string_equal(render(t->st),
		HEAD_BOOTS
		"bulkhead_boots_total 0\n"
		HEAD_FAILURES
		"bulkhead_consecutive_failures 0\n"
		HEAD_SAFE_MODE
		"bulkhead_safe_mode 0\n"
		HEAD_DECISIONS
		"bulkhead_decisions_total{action=\"count\"} 0\n"
		"bulkhead_decisions_total{action=\"rollback\"} 0\n"
		"bulkhead_decisions_total{action=\"disable\"} 0\n"
		"bulkhead_decisions_total{action=\"safe-mode\"} 0\n"
		"bulkhead_decisions_total{action=\"enable\"} 0\n"
		"bulkhead_decisions_total{action=\"pin\"} 0\n"
		"bulkhead_decisions_total{action=\"reset\"} 0\n"
		"bulkhead_decisions_total{action=\"promote\"} 0\n"
		"bulkhead_decisions_total{action=\"stage\"} 0\n"
		HEAD_LAST
		"bulkhead_last_decision_timestamp_seconds 0\n"
		HEAD_DISABLED
		HEAD_VERSION);
}

/*
 * Twelve boots, two failed since the last good one; bh_execwatch rolled
 * back to its LKG after a crash, then bh_netmon disabled; safe mode.
 */
static void known_state_renders_exactly(void **state)
{
	struct t *t = *state;
	struct bg_state *st = t->st;
	struct bg_ext *e;

	st->next_boot_id = 13;
	st->current_boot = 12;
	st->consecutive_failures = 2;
	st->safe_mode = true;
	e = bg_state_ext(st, "bh_execwatch", true);
	e->active = e->chosen = 6;
	e->lkg = 6;
	e = bg_state_ext(st, "bh_netmon", true);
	e->status = BG_EXT_DISABLED;
	e->active = 18446744073709551615ULL;
	e->lkg = 0;
	bg_state_decide(st, 11, T0, BG_ACT_COUNT, "", 0, 0, "failed boot");
	bg_state_decide(st, 11, T0 + 1, BG_ACT_ROLLBACK, "bh_execwatch", 7, 6, "crash");
	bg_state_decide(st, 12, T0 + 60, BG_ACT_COUNT, "", 0, 0, "failed boot");
	bg_state_decide(st, 12, T0 + 61, BG_ACT_DISABLE, "bh_netmon", 0, 0, "crash");
	bg_state_decide(st, 12, T0 + 62, BG_ACT_SAFE_MODE, "", 0, 0, "crash");

	assert_string_equal(render(st),
		HEAD_BOOTS
		"bulkhead_boots_total 12\n"
		HEAD_FAILURES
		"bulkhead_consecutive_failures 2\n"
		HEAD_SAFE_MODE
		"bulkhead_safe_mode 1\n"
		HEAD_DECISIONS
		"bulkhead_decisions_total{action=\"count\"} 2\n"
		"bulkhead_decisions_total{action=\"rollback\"} 1\n"
		"bulkhead_decisions_total{action=\"disable\"} 1\n"
		"bulkhead_decisions_total{action=\"safe-mode\"} 1\n"
		"bulkhead_decisions_total{action=\"enable\"} 0\n"
		"bulkhead_decisions_total{action=\"pin\"} 0\n"
		"bulkhead_decisions_total{action=\"reset\"} 0\n"
		"bulkhead_decisions_total{action=\"promote\"} 0\n"
		"bulkhead_decisions_total{action=\"stage\"} 0\n"
		HEAD_LAST
		"bulkhead_last_decision_timestamp_seconds 1795000062\n"
		HEAD_DISABLED
		"bulkhead_extension_disabled{extension=\"bh_execwatch\"} 0\n"
		"bulkhead_extension_disabled{extension=\"bh_netmon\"} 1\n"
		HEAD_VERSION
		"bulkhead_extension_content_version{extension=\"bh_execwatch\",slot=\"active\"} 6\n"
		"bulkhead_extension_content_version{extension=\"bh_execwatch\",slot=\"lkg\"} 6\n"
		"bulkhead_extension_content_version{extension=\"bh_netmon\",slot=\"active\"} 18446744073709551615\n"
		"bulkhead_extension_content_version{extension=\"bh_netmon\",slot=\"lkg\"} 0\n");
}

/* the log keeps 64 decisions; the counter counts every one */
static void decisions_are_counted_past_the_log(void **state)
{
	struct t *t = *state;
	int i;

	for (i = 0; i < 3 * BG_MAX_DECISIONS; i++)
		bg_state_decide(t->st, 1, T0 + i, BG_ACT_COUNT, "", 0, 0, "failed boot");
	bg_state_decide(t->st, 1, T0 + 1000, BG_ACT_PROMOTE, "bh_a", 1, 2, "probation");
	assert_int_equal(t->st->nr_decisions, BG_MAX_DECISIONS);
	assert_contains(render(t->st), "bulkhead_decisions_total{action=\"count\"} 192\n"
			"bulkhead_decisions_total{action=\"rollback\"} 0\n");
	assert_contains(render(t->st), "bulkhead_decisions_total{action=\"promote\"} 1\n");
	assert_contains(render(t->st), "bulkhead_last_decision_timestamp_seconds 1795001000\n");
}

/*
 * A name from the state is a label value: quote, backslash and newline
 * escaped (the exposition format's three), nothing else touched.  A valid
 * extension name holds none of them, but the file must parse whatever
 * the state says.
 */
static void hostile_extension_name_is_escaped(void **state)
{
	struct t *t = *state;
	struct bg_ext *e = &t->st->ext[t->st->nr_ext++];
	const char *text;

	snprintf(e->name, sizeof(e->name), "a\"b\\c\nd}e,f=\"g");
	e->status = BG_EXT_DISABLED;
	e->active = 2;
	e->lkg = 1;
	text = render(t->st);
	assert_contains(text, HEAD_DISABLED
			"bulkhead_extension_disabled{extension=\"a\\\"b\\\\c\\nd}e,f=\\\"g\"} 1\n"
			HEAD_VERSION
			"bulkhead_extension_content_version{extension=\"a\\\"b\\\\c\\nd}e,f=\\\"g\",slot=\"active\"} 2\n"
			"bulkhead_extension_content_version{extension=\"a\\\"b\\\\c\\nd}e,f=\\\"g\",slot=\"lkg\"} 1\n");
	/* no raw newline inside a sample: every line is a comment or a sample */
	assert_null(strstr(text, "c\nd"));
}

/* ---- the file ------------------------------------------------------------ */

static void write_ok(struct t *t, const struct bg_state *st)
{
	struct bulkhead_msg msg = { "" };
	int err = bg_metrics_write(t->dir, st, &bg_real_fsops, &msg);

	if (err)
		fail_msg("bg_metrics_write: %d: %s", err, msg.text);
}

static void write_puts_the_text_in_place_mode_0644_whatever_the_umask(void **state)
{
	struct t *t = *state;
	struct stat sb;
	mode_t old = umask(077);

	bg_state_decide(t->st, 1, T0, BG_ACT_COUNT, "", 0, 0, "failed boot");
	write_ok(t, t->st);
	umask(old);
	assert_string_equal(slurp(t->prom, NULL), render(t->st));
	assert_int_equal(stat(t->prom, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	assert_false(exists(t->tmp));
}

/* a temporary file a crash left, or a link planted at its name, is not written through */
static void write_replaces_a_stale_or_planted_temporary_file(void **state)
{
	struct t *t = *state;
	char *victim = fmt("%s/victim", t->root);

	put_file(victim, "keep", 4);
	assert_int_equal(symlink(victim, t->tmp), 0);
	write_ok(t, t->st);
	assert_string_equal(slurp(victim, NULL), "keep");
	assert_string_equal(slurp(t->prom, NULL), render(t->st));
	assert_false(exists(t->tmp));
}

/* the first write, then a second over it; what a scrape reads is the newest */
static void write_replaces_the_previous_file(void **state)
{
	struct t *t = *state;

	write_ok(t, t->st);
	t->st->consecutive_failures = 4;
	write_ok(t, t->st);
	assert_contains(slurp(t->prom, NULL), "bulkhead_consecutive_failures 4\n");
}

/* the state before and after: the file is one of them, whole */
static void prepare_old_and_new(struct t *t, struct bg_state *newer, char **ret_old,
				char **ret_new)
{
	write_ok(t, t->st);
	*ret_old = slurp(t->prom, NULL);
	memcpy(newer, t->st, sizeof(*newer));
	bg_state_decide(newer, 2, T0, BG_ACT_DISABLE, "bh_a", 0, 0, "crash");
	newer->consecutive_failures = 1;
	*ret_new = render(newer);
}

/*
 * Each syscall of a write fails in turn (ENOSPC), the others succeed:
 * the write returns that errno with a message naming the file, and leaves
 * the old file (the new one once renamed) and no temporary file.
 */
static void failing_syscall_at_every_step_keeps_old_or_new_and_no_tmp(void **state)
{
	struct t *t = *state;
	struct bg_state *newer = own(calloc(1, sizeof(*newer)));
	struct bulkhead_msg msg;
	unsigned int k, total, renamed = UINT_MAX;
	char *old, *new;
	int err;

	prepare_old_and_new(t, newer, &old, &new);
	fi_reset(FI_FAIL_ONCE, UINT_MAX, 0);
	assert_int_equal(bg_metrics_write(t->dir, t->st, &fi_ops, &msg), 0);
	total = fi.calls;
	for (k = 0; k < total; k++)
		if (!strcmp(fi.trace[k], "rename"))
			renamed = k;
	assert_true(renamed < total);
	for (k = 0; k < total; k++) {
		write_ok(t, t->st);
		fi_reset(FI_FAIL_ONCE, k, 0);
		msg.text[0] = '\0';
		err = bg_metrics_write(t->dir, newer, &fi_ops, &msg);
		fi_reap();
		assert_string_equal(slurp(t->prom, NULL), k <= renamed ? old : new);
		assert_false(exists(t->tmp));
		/* the directory's close, the last call, has nothing left to lose */
		if (k == total - 1) {
			assert_string_equal(fi.trace[k], "close");
			assert_int_equal(err, 0);
			continue;
		}
		assert_int_equal(err, -ENOSPC);
		assert_contains(msg.text, "metrics ");
		assert_contains(msg.text, "No space left on device");
	}
}

/*
 * A crash at every syscall (the process stops there): a scrape reads the
 * old file or the new one, never a torn one; the next write removes what
 * the crash left.
 */
static void crash_at_every_syscall_leaves_old_or_new(void **state)
{
	struct t *t = *state;
	struct bg_state *newer = own(calloc(1, sizeof(*newer)));
	struct bulkhead_msg msg;
	unsigned int k, total;
	char *old, *new, *got;

	prepare_old_and_new(t, newer, &old, &new);
	fi_reset(FI_CRASH, UINT_MAX, 0);
	assert_int_equal(bg_metrics_write(t->dir, t->st, &fi_ops, &msg), 0);
	total = fi.calls;
	for (k = 0; k <= total; k++) {
		write_ok(t, t->st);
		fi_reset(FI_CRASH, k, 7);
		bg_metrics_write(t->dir, newer, &fi_ops, &msg);
		fi_reap();
		got = slurp(t->prom, NULL);
		if (strcmp(got, old) && strcmp(got, new))
			fail_msg("crash at call %u: torn file:\n%s", k, got);
		write_ok(t, newer);
		assert_false(exists(t->tmp));
	}
}

/*
 * Into a directory nobody may write to.  Root writes anywhere: then the
 * write runs as nobody in a child, which checks the same and exits 0.
 */
static int unwritable_checks(struct t *t, const struct bg_state *newer, const char *old)
{
	struct bulkhead_msg msg = { "" };
	int err = bg_metrics_write(t->dir, newer, &bg_real_fsops, &msg);
	char *got = slurp(t->prom, NULL);

	if (err != -EACCES || !strstr(msg.text, "bulkhead.prom.tmp: cannot create: Permission denied"))
		return 1;
	if (strcmp(got, old) || exists(t->tmp))
		return 2;
	return 0;
}

static void unwritable_directory_is_an_error_that_keeps_the_old_file(void **state)
{
	struct t *t = *state;
	struct bg_state *newer = own(calloc(1, sizeof(*newer)));
	char *old, *new;
	int status;
	pid_t pid;

	prepare_old_and_new(t, newer, &old, &new);
	assert_int_equal(chmod(t->dir, 0555), 0);
	if (geteuid() != 0) {
		assert_int_equal(unwritable_checks(t, newer, old), 0);
		return;
	}
	assert_int_equal(chmod(t->root, 0755), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(100);
		_exit(unwritable_checks(t, newer, old));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 100)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_string_equal(slurp(t->prom, NULL), old);
}

/* node_exporter not installed: said apart from a failure, so it is said quietly */
static void missing_directory_is_enoent_naming_it(void **state)
{
	struct t *t = *state;
	struct bulkhead_msg msg = { "" };
	char *dir = fmt("%s/none", t->root);

	assert_int_equal(bg_metrics_write(dir, t->st, &bg_real_fsops, &msg), -ENOENT);
	assert_contains(msg.text, dir);
	assert_contains(msg.text, "no such directory");
	assert_false(exists(dir));
}

static void directory_that_is_a_file_is_enotdir(void **state)
{
	struct t *t = *state;
	struct bulkhead_msg msg = { "" };
	char *file = fmt("%s/file", t->root);

	put_file(file, "x", 1);
	assert_int_equal(bg_metrics_write(file, t->st, &bg_real_fsops, &msg), -ENOTDIR);
	assert_contains(msg.text, "not a directory");
}

static void empty_or_no_directory_writes_nothing(void **state)
{
	struct t *t = *state;
	struct bulkhead_msg msg = { "" };

	fi_reset(FI_CRASH, 0, 0);
	assert_int_equal(bg_metrics_write("", t->st, &fi_ops, &msg), 0);
	assert_int_equal(bg_metrics_write(NULL, t->st, &fi_ops, &msg), 0);
	assert_int_equal(fi.calls, 0);
}

/* ---- the setting ------------------------------------------------------- */

static int load_config(struct t *t, const char *text, struct bg_guard_config *cfg,
		       struct bulkhead_msg *msg)
{
	char *path = fmt("%s/guard.conf", t->root);

	put_file(path, text, strlen(text));
	return bg_config_load(path, cfg, msg);
}

static void config_without_metrics_leaves_the_default(void **state)
{
	struct t *t = *state;
	struct bg_guard_config cfg;
	struct bulkhead_msg msg;

	assert_int_equal(load_config(t, "[policy]\nthreshold = 3\n", &cfg, &msg), 0);
	assert_false(cfg.metrics_dir_set);
	assert_int_equal(bg_config_load(fmt("%s/none.conf", t->root), &cfg, &msg), 0);
	assert_false(cfg.metrics_dir_set);
}

static void config_sets_the_metrics_dir(void **state)
{
	struct t *t = *state;
	struct bg_guard_config cfg;
	struct bulkhead_msg msg;

	assert_int_equal(load_config(t, "[metrics]\ndir = /srv/prom\n", &cfg, &msg), 0);
	assert_true(cfg.metrics_dir_set);
	assert_string_equal(cfg.metrics_dir, "/srv/prom");
}

static void config_empty_dir_turns_metrics_off(void **state)
{
	struct t *t = *state;
	struct bg_guard_config cfg;
	struct bulkhead_msg msg;

	assert_int_equal(load_config(t, "[metrics]\ndir =\n", &cfg, &msg), 0);
	assert_true(cfg.metrics_dir_set);
	assert_string_equal(cfg.metrics_dir, "");
}

static void config_refuses_a_relative_dir_naming_the_line(void **state)
{
	struct t *t = *state;
	struct bg_guard_config cfg;
	struct bulkhead_msg msg;

	assert_int_equal(load_config(t, "[metrics]\n\ndir = prom\n", &cfg, &msg), -EINVAL);
	assert_contains(msg.text, "guard.conf: line 3: [metrics] dir = 'prom': not an absolute path");
	assert_int_equal(load_config(t, "[metrics]\nfile = /x\n", &cfg, &msg), -EINVAL);
	assert_contains(msg.text, "line 2: unknown key 'file' in [metrics]");
}

/* ---- the guard's commands ---------------------------------------------- */

/* everything the commands touch inside the test's directory */
static void test_env(struct t *t, struct bg_env *env)
{
	memset(env, 0, sizeof(*env));
	env->state_dir = fmt("%s/state", t->root);
	env->config = fmt("%s/guard.conf", t->root);
	env->pstore_dir = fmt("%s/pstore", t->root);
	env->watchdog_dir = fmt("%s/watchdog", t->root);
	env->cmdline = fmt("%s/cmdline", t->root);
	env->proc_sys_kernel = fmt("%s/sys", t->root);
	env->extensions_dir = fmt("%s/extensions.d", t->root);
	env->modprobe_dir = fmt("%s/modprobe.d", t->root);
	env->securityfs_dir = fmt("%s/securityfs", t->root);
	env->metrics_dir = t->dir;
	put_file(env->cmdline, "quiet\n", 6);
}

static void guard_commands_write_the_default_dir(void **state)
{
	struct t *t = *state;
	struct bg_env env;

	test_env(t, &env);
	assert_int_equal(bg_cmd_reset(&env), BG_EXIT_OK);
	assert_contains(slurp(t->prom, NULL), "bulkhead_decisions_total{action=\"reset\"} 1\n");
	assert_int_equal(bg_cmd_enable(&env, "bh_a", false), BG_EXIT_OK);
	assert_contains(slurp(t->prom, NULL), "bulkhead_extension_disabled{extension=\"bh_a\"} 1\n");
	assert_int_equal(bg_cmd_pin(&env, "bh_a", "3"), BG_EXIT_OK);
	assert_contains(slurp(t->prom, NULL), "bulkhead_decisions_total{action=\"pin\"} 1\n");
	assert_false(exists(t->tmp));
}

static void guard_commands_write_the_configured_dir(void **state)
{
	struct t *t = *state;
	char *other = fmt("%s/other", t->root), *conf;
	struct bg_env env;

	test_env(t, &env);
	assert_int_equal(mkdir(other, 0755), 0);
	conf = fmt("[metrics]\ndir = %s\n", other);
	put_file(env.config, conf, strlen(conf));
	assert_int_equal(bg_cmd_reset(&env), BG_EXIT_OK);
	assert_non_null(slurp(fmt("%s/bulkhead.prom", other), NULL));
	assert_false(exists(t->prom));
	/* --state-dir takes the default away, not what guard.conf says */
	env.metrics_dir = NULL;
	assert_int_equal(bg_cmd_enable(&env, "bh_a", false), BG_EXIT_OK);
	assert_contains(slurp(fmt("%s/bulkhead.prom", other), NULL),
			"bulkhead_extension_disabled{extension=\"bh_a\"} 1\n");
}

static void empty_setting_turns_metrics_off_for_every_command(void **state)
{
	struct t *t = *state;
	struct bg_env env;

	test_env(t, &env);
	put_file(env.config, "[metrics]\ndir =\n", 16);
	assert_int_equal(bg_cmd_reset(&env), BG_EXIT_OK);
	assert_int_equal(bg_cmd_enable(&env, "bh_a", false), BG_EXIT_OK);
	assert_int_equal(bg_cmd_good(&env), BG_EXIT_OK);
	bg_refresh_metrics(&env);
	assert_false(exists(t->prom));
	assert_false(exists(t->tmp));
}

/* with --state-dir and no setting, the default directory is left alone */
static void moved_state_writes_no_default_metrics(void **state)
{
	struct t *t = *state;
	struct bg_env env;

	test_env(t, &env);
	env.metrics_dir = NULL;
	assert_int_equal(bg_cmd_reset(&env), BG_EXIT_OK);
	bg_refresh_metrics(&env);
	assert_false(exists(t->prom));
}

/* the metrics never decide: a failure to write them changes no exit code */
static void metrics_failure_changes_no_outcome(void **state)
{
	struct t *t = *state;
	struct bg_state *st = own(calloc(1, sizeof(*st)));
	enum bg_load_source src;
	struct bulkhead_msg msg;
	struct bg_env env;

	test_env(t, &env);
	env.metrics_dir = fmt("%s/file", t->root);
	put_file(env.metrics_dir, "x", 1);
	assert_int_equal(bg_cmd_enable(&env, "bh_a", false), BG_EXIT_OK);
	assert_int_equal(bg_state_load(env.state_dir, st, &src, &msg), 0);
	assert_int_equal(st->ext[0].status, BG_EXT_DISABLED);
	env.metrics_dir = fmt("%s/none", t->root);
	assert_int_equal(bg_cmd_good(&env), BG_EXIT_OK);
	assert_int_equal(bg_cmd_reset(&env), BG_EXIT_OK);
}

/* staging's refresh: the saved state, as the guard's commands write it */
static void refresh_writes_the_saved_state(void **state)
{
	struct t *t = *state;
	struct bg_env env;

	test_env(t, &env);
	env.metrics_dir = fmt("%s/none", t->root);
	assert_int_equal(bg_cmd_enable(&env, "bh_a", false), BG_EXIT_OK);
	assert_false(exists(t->prom));
	env.metrics_dir = t->dir;
	bg_refresh_metrics(&env);
	assert_contains(slurp(t->prom, NULL), "bulkhead_extension_disabled{extension=\"bh_a\"} 1\n");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(fresh_state_has_every_family_at_zero),
		T(known_state_renders_exactly),
		T(decisions_are_counted_past_the_log),
		T(hostile_extension_name_is_escaped),
		T(write_puts_the_text_in_place_mode_0644_whatever_the_umask),
		T(write_replaces_a_stale_or_planted_temporary_file),
		T(write_replaces_the_previous_file),
		T(failing_syscall_at_every_step_keeps_old_or_new_and_no_tmp),
		T(crash_at_every_syscall_leaves_old_or_new),
		T(unwritable_directory_is_an_error_that_keeps_the_old_file),
		T(missing_directory_is_enoent_naming_it),
		T(directory_that_is_a_file_is_enotdir),
		T(empty_or_no_directory_writes_nothing),
		T(config_without_metrics_leaves_the_default),
		T(config_sets_the_metrics_dir),
		T(config_empty_dir_turns_metrics_off),
		T(config_refuses_a_relative_dir_naming_the_line),
		T(guard_commands_write_the_default_dir),
		T(guard_commands_write_the_configured_dir),
		T(empty_setting_turns_metrics_off_for_every_command),
		T(moved_state_writes_no_default_metrics),
		T(metrics_failure_changes_no_outcome),
		T(refresh_writes_the_saved_state),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
