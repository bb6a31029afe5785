// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_tmpfile.c - the temporary files of crash-safe replaces (the guard's
 * "state.tmp", the loader's "loader.journal.tmp" at compaction, and
 * bulkhead_write_file_atomic's "NAME.tmp.XXXXXX") are always new files:
 * a symbolic or hard link planted at the temporary name never carries the
 * write to the file it points at, a stale temporary file a crashed run
 * left does not stop the next write, and something that cannot be
 * removed there (a directory) makes the write fail cleanly, with a
 * message, the old contents kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "state.h"
#include "testutil.h"
#include "util.h"

#define VICTIM_TEXT	"the victim's own contents\n"

struct t {
	char dir[32];		/* a fresh state directory */
	char *victim;		/* a file outside it a link points at */
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/bh-tmpfile-XXXXXX");
	if (!mkdtemp(t->dir)) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	rm_tree(t->dir);
	if (t->victim)
		unlink(t->victim);
	free(t);
	free_owned();
	return 0;
}

/* a victim file beside the state directory (not in it: a link leaves it) */
static const char *make_victim(struct t *t)
{
	t->victim = own(strdup(fmt("%s.victim", t->dir)));
	put_file(t->victim, VICTIM_TEXT, strlen(VICTIM_TEXT));
	assert_int_equal(chmod(t->victim, 0644), 0);
	return t->victim;
}

static void assert_victim_untouched(const struct t *t)
{
	size_t len;
	char *text = slurp(t->victim, &len);
	struct stat st;

	if (!text || len != strlen(VICTIM_TEXT) || memcmp(text, VICTIM_TEXT, len))
		fail_msg("%s: written through the link: %zu bytes now, '%.40s'", t->victim,
			 text ? len : 0, text ? text : "(gone)");
	assert_int_equal(stat(t->victim, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
}

static void assert_regular(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_nlink, 1);
}

static struct bg_state *a_state(uint64_t next_boot)
{
	struct bg_state *st = own(calloc(1, sizeof(*st)));

	st->next_boot_id = next_boot;
	st->consecutive_failures = 2;
	return st;
}

static void save_ok(const char *dir, const struct bg_state *st)
{
	struct bulkhead_msg msg = { "" };
	int err = bg_state_save(dir, st, &bg_real_fsops, &msg);

	if (err)
		fail_msg("save: %d: %s", err, msg.text);
}

static void assert_loads(const char *dir, uint64_t next_boot)
{
	struct bg_state *st = own(calloc(1, sizeof(*st)));
	struct bulkhead_msg msg = { "" };
	enum bg_load_source src;
	int err = bg_state_load(dir, st, &src, &msg);

	if (err)
		fail_msg("load: %d: %s", err, msg.text);
	assert_int_equal(src, BG_LOADED_CURRENT);
	assert_int_equal(st->next_boot_id, next_boot);
}

/* ---- the guard's state ------------------------------------------------ */

static void state_save_never_writes_through_a_symlink_at_state_tmp(void **state)
{
	struct t *t = *state;
	const char *tmp = fmt("%s/state.tmp", t->dir);

	save_ok(t->dir, a_state(5));
	assert_int_equal(symlink(make_victim(t), tmp), 0);
	save_ok(t->dir, a_state(6));
	assert_victim_untouched(t);
	assert_regular(fmt("%s/state", t->dir));
	assert_int_equal(access(tmp, F_OK), -1);
	assert_loads(t->dir, 6);
}

/* the first save ever, with the link already there */
static void state_first_save_never_writes_through_a_symlink_at_state_tmp(void **state)
{
	struct t *t = *state;

	assert_int_equal(symlink(make_victim(t), fmt("%s/state.tmp", t->dir)), 0);
	save_ok(t->dir, a_state(1));
	assert_victim_untouched(t);
	assert_regular(fmt("%s/state", t->dir));
	assert_loads(t->dir, 1);
}

/* a hard link: O_TRUNC through it would empty the victim */
static void state_save_never_writes_through_a_hard_link_at_state_tmp(void **state)
{
	struct t *t = *state;

	save_ok(t->dir, a_state(5));
	assert_int_equal(link(make_victim(t), fmt("%s/state.tmp", t->dir)), 0);
	save_ok(t->dir, a_state(6));
	assert_victim_untouched(t);
	assert_regular(fmt("%s/state", t->dir));
	assert_loads(t->dir, 6);
}

/* crash recovery: what a save cut short left is replaced, not reused */
static void state_save_replaces_a_stale_state_tmp(void **state)
{
	struct t *t = *state;
	const char *tmp = fmt("%s/state.tmp", t->dir);
	struct stat st;

	save_ok(t->dir, a_state(5));
	put_file(tmp, "bulkhead-state 1 torn", 21);
	assert_int_equal(chmod(tmp, 0666), 0);
	save_ok(t->dir, a_state(6));
	assert_loads(t->dir, 6);
	assert_int_equal(stat(fmt("%s/state", t->dir), &st), 0);
	if ((st.st_mode & 0777) != 0600)
		fail_msg("state has mode %04o, the stale file's, not 0600", st.st_mode & 0777);
}

/* what cannot be unlinked there: the save fails, says why, keeps the old state */
static void state_save_fails_cleanly_with_a_directory_at_state_tmp(void **state)
{
	struct t *t = *state;
	struct bulkhead_msg msg = { "" };

	save_ok(t->dir, a_state(5));
	assert_int_equal(mkdir(fmt("%s/state.tmp", t->dir), 0700), 0);
	assert_int_equal(bg_state_save(t->dir, a_state(6), &bg_real_fsops, &msg), -EEXIST);
	assert_contains(msg.text, "state.tmp: cannot create");
	assert_loads(t->dir, 5);
}

/* ---- the loader's journal compaction ---------------------------------- */

/* a journal past BL_JOURNAL_MAX, whole lines of boot 3 */
static void big_journal(const char *path)
{
	size_t len = 0, room = BL_JOURNAL_MAX + 4096;
	char *text = own(malloc(room));
	unsigned int i = 0;

	while (len < BL_JOURNAL_MAX + 1024) {
		int n = snprintf(text + len, room - len, "3 %s %s bh_j%u 1\n",
				 i % 2 ? "end" : "begin", "insert", i / 2);

		assert_true(n > 0 && (size_t)n < room - len);
		len += (size_t)n;
		i++;
	}
	put_file(path, text, len);
}

static void journal_compaction_never_writes_through_a_symlink_at_its_tmp(void **state)
{
	struct t *t = *state;
	const char *path = fmt("%s/%s", t->dir, BL_JOURNAL_NAME);
	struct bl_journal j = { .fd = -1 };
	struct bulkhead_msg msg = { "" };
	struct stat st;
	int err;

	big_journal(path);
	assert_int_equal(symlink(make_victim(t), fmt("%s.tmp", path)), 0);
	err = bl_journal_open(t->dir, 4, &bg_real_fsops, &j, &msg);
	if (err)
		fail_msg("journal open: %d: %s", err, msg.text);
	assert_int_equal(bl_journal_close(&j, &msg), 0);
	assert_victim_untouched(t);
	assert_regular(path);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size <= BL_JOURNAL_KEEP);
	assert_int_equal(access(fmt("%s.tmp", path), F_OK), -1);
}

/* ---- bulkhead_write_file_atomic ------------------------------------------ */

/* a symbolic link at the destination is replaced, its target untouched */
static void write_atomic_replaces_a_symlink_at_the_destination(void **state)
{
	struct t *t = *state;
	const char *path = fmt("%s/boot.json", t->dir);
	struct bulkhead_msg msg = { "" };
	size_t len;
	char *text;

	assert_int_equal(symlink(make_victim(t), path), 0);
	assert_int_equal(bulkhead_write_file_atomic(path, "{}\n", 3, 0644, &msg), 0);
	assert_victim_untouched(t);
	assert_regular(path);
	text = slurp(path, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(text, "{}\n", 3);
}

/* temporary files a crash left (and a link among them) are not in the way */
static void write_atomic_ignores_stale_temporary_files(void **state)
{
	struct t *t = *state;
	const char *path = fmt("%s/boot.json", t->dir);
	struct bulkhead_msg msg = { "" };
	size_t len;
	char *text;

	put_file(fmt("%s.tmp.AAAAAA", path), "torn", 4);
	assert_int_equal(symlink(make_victim(t), fmt("%s.tmp.BBBBBB", path)), 0);
	assert_int_equal(bulkhead_write_file_atomic(path, "{\"a\":1}\n", 8, 0644, &msg), 0);
	assert_victim_untouched(t);
	text = slurp(path, &len);
	assert_int_equal(len, 8);
	assert_memory_equal(text, "{\"a\":1}\n", 8);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(state_save_never_writes_through_a_symlink_at_state_tmp),
		T(state_first_save_never_writes_through_a_symlink_at_state_tmp),
		T(state_save_never_writes_through_a_hard_link_at_state_tmp),
		T(state_save_replaces_a_stale_state_tmp),
		T(state_save_fails_cleanly_with_a_directory_at_state_tmp),
		T(journal_compaction_never_writes_through_a_symlink_at_its_tmp),
		T(write_atomic_replaces_a_symlink_at_the_destination),
		T(write_atomic_ignores_stale_temporary_files),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
