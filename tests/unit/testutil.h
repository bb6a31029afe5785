/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * testutil.h - helpers the cmocka tests share: allocations freed by the
 * teardown, formatted strings, whole files written and read back, a
 * directory tree removed, and a struct bg_fsops that stops the caller at
 * its Nth syscall.
 *
 * Every helper fails the running test (cmocka) instead of returning an
 * error, so include <cmocka.h> and what it needs first.
 */
#ifndef BH_TEST_TESTUTIL_H
#define BH_TEST_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* ---- per-test allocations --------------------------------------------- */

/*
 * cmocka leaves a failing test by longjmp, past any cleanup attribute:
 * what a test allocates is recorded by own() and freed by free_owned() in
 * the teardown, so that a failure does not turn into a leak report under
 * ASan.
 */
void *own(void *p);
void free_owned(void);
char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

/* ---- files ------------------------------------------------------------ */

void put_file(const char *path, const void *data, size_t len);
void put_file_mode(const char *path, const void *data, size_t len, mode_t mode);
char *slurp(const char *path, size_t *ret_len);
void rm_tree(const char *path);
void assert_contains(const char *text, const char *want);

/* ---- fault injection -------------------------------------------------- */

/**
 * enum fi_mode - what happens at and after call @at of fi_ops
 * @FI_CRASH: from call @at on, every call fails with EIO and does nothing,
 *	as a process stopped at that syscall would; fi_reap() then closes
 *	what it had open, as the kernel closes a dead process's files
 * @FI_FAIL_ONCE: call @at fails with ENOSPC and does nothing, the calls
 *	before and after it are made: the process goes on
 * @FI_EXIT: from call @at on, the process ends with _exit(FI_EXIT_STATUS):
 *	a real crash, for a child of fork() whose parent then looks at
 *	what is on disk
 */
enum fi_mode {
	FI_CRASH,
	FI_FAIL_ONCE,
	FI_EXIT,
};

#define FI_EXIT_STATUS	42
#define FI_MAX_FDS	16
#define FI_TRACE_LEN	512

/**
 * struct fi_state - the injector's settings and what it saw; see fi_reset()
 * @mode: see enum fi_mode
 * @at: the call (counted from 0) that fails; UINT_MAX: none
 * @calls: calls made so far, the failing ones included
 * @chunk: bytes a write takes at most, so that a crash can tear a write;
 *	0: all
 * @eintr: every other write (the first, the third, ...) fails with EINTR
 *	before it writes anything
 * @writes: with @eintr set, the writes that got past the crash point
 * @fds: the descriptors the caller has open, for fi_reap(); not kept in
 *	FI_EXIT mode, where the kernel closes them
 * @nr_fds: how many of @fds are in use
 * @trace: what each call was ("open", "write", ...), for the first
 *	FI_TRACE_LEN calls
 */
struct fi_state {
	enum fi_mode mode;
	unsigned int at;
	unsigned int calls;
	size_t chunk;
	bool eintr;
	unsigned int writes;
	int fds[FI_MAX_FDS];
	unsigned int nr_fds;
	const char *trace[FI_TRACE_LEN];
};

struct bg_fsops;

extern struct fi_state fi;
extern const struct bg_fsops fi_ops;

void fi_reset(enum fi_mode mode, unsigned int at, size_t chunk);
void fi_reap(void);

#endif /* BH_TEST_TESTUTIL_H */
