// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * testutil.c - helpers the cmocka tests share (testutil.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"
#include "testutil.h"

/* ---- per-test allocations --------------------------------------------- */

static void **owned;
static size_t nr_owned, owned_room;

/**
 * own() - free @p in the teardown
 * @p: what the test allocated; NULL fails the test (out of memory)
 *
 * Return: @p
 */
void *own(void *p)
{
	assert_non_null(p);
	if (nr_owned == owned_room) {
		void **more = realloc(owned, (owned_room * 2 + 64) * sizeof(*owned));

		assert_non_null(more);
		owned = more;
		owned_room = owned_room * 2 + 64;
	}
	owned[nr_owned++] = p;
	return p;
}

/**
 * free_owned() - free what own() recorded, newest first
 *
 * For the teardown: afterwards the list is empty and holds no memory.
 */
void free_owned(void)
{
	while (nr_owned)
		free(owned[--nr_owned]);
	free(owned);
	owned = NULL;
	owned_room = 0;
}

/**
 * fmt() - a formatted string, freed in the teardown
 * @f: printf format
 *
 * Return: the string (never NULL)
 */
char *fmt(const char *f, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, f);
	n = vasprintf(&s, f, ap);
	va_end(ap);
	assert_true(n >= 0);
	return own(s);
}

/* ---- files ------------------------------------------------------------ */

/**
 * put_file_mode() - create or truncate @path and write @data into it
 * @path: the file
 * @data: its new contents
 * @len: bytes at @data
 * @mode: permissions of a new file (less the umask)
 *
 * Fails the test when the file cannot be opened or written whole in one
 * write.
 */
void put_file_mode(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(write(fd, data, len), len);
	assert_int_equal(close(fd), 0);
}

/**
 * put_file() - put_file_mode() with mode 0600
 * @path: the file
 * @data: its new contents
 * @len: bytes at @data
 */
void put_file(const char *path, const void *data, size_t len)
{
	put_file_mode(path, data, len, 0600);
}

/**
 * slurp() - the whole of a file, freed in the teardown
 * @path: the file
 * @ret_len: set to its length unless NULL
 *
 * Any failure but a missing file fails the test.
 *
 * Return: the contents with a NUL after them; NULL when @path does not
 * exist.
 */
char *slurp(const char *path, size_t *ret_len)
{
	struct stat st;
	char *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		assert_int_equal(errno, ENOENT);
		return NULL;
	}
	assert_int_equal(fstat(fd, &st), 0);
	buf = own(malloc((size_t)st.st_size + 1));
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	buf[st.st_size] = '\0';
	if (ret_len)
		*ret_len = (size_t)st.st_size;
	return buf;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/**
 * rm_tree() - remove @path and everything below it, links not followed
 * @path: a file or directory; a missing one is no error
 *
 * Best effort, as a teardown wants it: what cannot be removed stays.
 */
void rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/**
 * assert_contains() - fail the test unless @want occurs in @text
 * @text: what was produced
 * @want: what it must contain
 */
void assert_contains(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("'%s' lacks '%s'", text, want);
}

/* ---- fault injection -------------------------------------------------- */

struct fi_state fi;

/**
 * fi_reset() - start over with a new crash point
 * @mode: see enum fi_mode
 * @at: the call (counted from 0) that fails; UINT_MAX: none
 * @chunk: bytes a write takes at most; 0: all
 *
 * Clears everything else in fi, @fi.eintr included: set it afterwards.
 */
void fi_reset(enum fi_mode mode, unsigned int at, size_t chunk)
{
	memset(&fi, 0, sizeof(fi));
	fi.mode = mode;
	fi.at = at;
	fi.chunk = chunk;
}

/* the caller is about to make call @what: does it happen? */
static bool fi_stopped(const char *what)
{
	unsigned int k = fi.calls++;

	if (k < ARRAY_SIZE(fi.trace))
		fi.trace[k] = what;
	switch (fi.mode) {
	case FI_CRASH:
		if (k < fi.at)
			return false;
		errno = EIO;
		return true;
	case FI_FAIL_ONCE:
		if (k != fi.at)
			return false;
		errno = ENOSPC;
		return true;
	case FI_EXIT:
		if (k >= fi.at)
			_exit(FI_EXIT_STATUS);
		return false;
	}
	return false;
}

static int fi_open(const char *path, int flags, mode_t mode)
{
	int fd;

	if (fi_stopped("open"))
		return -1;
	fd = open(path, flags, mode);
	if (fd >= 0 && fi.mode != FI_EXIT) {
		assert_true(fi.nr_fds < ARRAY_SIZE(fi.fds));
		fi.fds[fi.nr_fds++] = fd;
	}
	return fd;
}

static ssize_t fi_write(int fd, const void *buf, size_t len)
{
	if (fi_stopped("write"))
		return -1;
	if (fi.eintr && fi.writes++ % 2 == 0) {
		errno = EINTR;
		return -1;
	}
	if (fi.chunk && len > fi.chunk)
		len = fi.chunk;
	return write(fd, buf, len);
}

static int fi_fsync(int fd)
{
	return fi_stopped("fsync") ? -1 : fsync(fd);
}

static int fi_close(int fd)
{
	unsigned int i;

	if (fi_stopped("close"))
		return -1;
	for (i = 0; i < fi.nr_fds; i++)
		if (fi.fds[i] == fd)
			fi.fds[i] = fi.fds[--fi.nr_fds];
	return close(fd);
}

static int fi_rename(const char *from, const char *to)
{
	return fi_stopped("rename") ? -1 : rename(from, to);
}

static int fi_unlink(const char *path)
{
	return fi_stopped("unlink") ? -1 : unlink(path);
}

/*
 * The struct bg_fsops that counts every call into fi.calls and stops the
 * caller as fi.mode says.
 */
const struct bg_fsops fi_ops = {
	.open = fi_open,
	.write = fi_write,
	.fsync = fi_fsync,
	.close = fi_close,
	.rename = fi_rename,
	.unlink = fi_unlink,
};

/**
 * fi_reap() - close what the caller left open
 *
 * After a crash (FI_CRASH), as the kernel closes a dead process's files;
 * harmless after a run that closed everything itself.
 */
void fi_reap(void)
{
	while (fi.nr_fds)
		close(fi.fds[--fi.nr_fds]);
}
