// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * journal.c - the loader's begin/end journal.
 *
 * Every line is appended with one write() and then fsync'd, so after a
 * crash the file ends with whole lines, or with one torn line that has no
 * newline (the guard ignores such a line).  Opening the journal first
 * ends a torn line with " torn" and a newline, so the next record never
 * glues onto it and the torn one never parses as a record, and compacts
 * a journal grown past BL_JOURNAL_MAX to its newest BL_JOURNAL_KEEP bytes
 * of whole lines: written to a temporary file, fsync'd and renamed over
 * the old one, so a crash during compaction leaves the old journal or the
 * new one, never a mix.  The guard reads only the tail, and only lines of
 * the boot it judges; older boots' lines are history, not evidence.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "journal.h"

static const char *const op_names[] = {
	[BL_JOURNAL_INSERT] = "insert",
	[BL_JOURNAL_PUSH] = "push",
};

/* keep the newest whole lines, crash-safely (see the top of the file) */
static int compact(const char *state_dir, const char *path, const struct bg_fsops *ops,
		   struct bulkhead_msg *msg)
{
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_free_ char *tmp = NULL;
	const uint8_t *start;
	size_t len;
	off_t at;
	int fd, err;

	err = bulkhead_read_file_tail(path, BL_JOURNAL_KEEP, &buf, &len, &at, msg);
	if (err)
		return err;
	start = memchr(buf, '\n', len);		/* the first line is cut */
	start = start ? start + 1 : buf + len;
	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		tmp = NULL;
		bulkhead_msg_set(msg, "journal %s: out of memory", path);
		return -ENOMEM;
	}
	/* a new file, never through a link (fileio.h); a stale one goes first */
	unlink(tmp);
	fd = ops->open(tmp, BULKHEAD_TMP_OPEN_FLAGS, 0600);
	if (fd < 0) {
		err = -errno;
		bulkhead_msg_set(msg, "journal %s: cannot create: %s", tmp, strerror(-err));
		return err;
	}
	err = bg_fsops_write_all(ops, fd, (const char *)start, len - (size_t)(start - buf));
	if (!err && ops->fsync(fd) < 0)
		err = -errno;
	if (ops->close(fd) < 0 && !err)
		err = -errno;
	if (!err && ops->rename(tmp, path) < 0)
		err = -errno;
	if (err) {
		bulkhead_msg_set(msg, "journal %s: compacting failed: %s", path, strerror(-err));
		ops->unlink(tmp);
		return err;
	}
	err = bg_fsops_fsync_dir(ops, state_dir);
	if (err)
		bulkhead_msg_set(msg, "journal %s: compacted, but fsync of %s failed: %s",
				 path, state_dir, strerror(-err));
	return err;
}

/* does the file end in the middle of a line (a write the last crash cut)? */
static int ends_torn(int fd, off_t size, bool *ret)
{
	char last;

	*ret = false;
	if (size == 0)
		return 0;
	if (pread(fd, &last, 1, size - 1) != 1)
		return -EIO;
	*ret = last != '\n';
	return 0;
}

/**
 * bl_journal_open() - open the journal for appending this boot's steps
 * @state_dir: the state directory (it must exist)
 * @boot_id: the boot the lines are written for (from boot.json)
 * @ops: the syscalls to make
 * @j: the journal, written on success only
 * @msg: the reason on failure, naming the file
 *
 * Repairs a torn last line and compacts an oversized journal first.
 *
 * Return: 0 or a negative errno.
 */
int bl_journal_open(const char *state_dir, uint64_t boot_id, const struct bg_fsops *ops,
		    struct bl_journal *j, struct bulkhead_msg *msg)
{
	_cleanup_free_ char *path = NULL;
	struct stat st;
	bool existed, torn = false;
	int fd, err;

	if (asprintf(&path, "%s/%s", state_dir, BL_JOURNAL_NAME) < 0) {
		bulkhead_msg_set(msg, "journal %s: out of memory", state_dir);
		return -ENOMEM;
	}
	existed = lstat(path, &st) == 0;
	if (existed && !S_ISREG(st.st_mode)) {
		bulkhead_msg_set(msg, "journal %s: not a regular file", path);
		return -EINVAL;
	}
	if (existed && st.st_size > BL_JOURNAL_MAX) {
		err = compact(state_dir, path, ops, msg);
		if (err)
			return err;
	}
	/* read-write: its last byte tells whether the last line was torn */
	fd = ops->open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		bulkhead_msg_set(msg, "journal %s: cannot open: %s", path, strerror(-err));
		return err;
	}
	err = fstat(fd, &st) < 0 ? -errno : ends_torn(fd, st.st_size, &torn);
	if (err) {
		bulkhead_msg_set(msg, "journal %s: cannot read its end: %s", path, strerror(-err));
		goto err_close;
	}
	if (torn) {
		/*
		 * Not a bare newline: that would complete "7 begin push bh_x 1"
		 * (torn from "... 12") into a record naming the wrong version.
		 * A sixth word, or a version that is no number, never parses.
		 */
		err = bg_fsops_write_all(ops, fd, " torn\n", 6);
		if (!err && ops->fsync(fd) < 0)
			err = -errno;
		if (err) {
			bulkhead_msg_set(msg, "journal %s: cannot end the torn last line: %s",
					 path, strerror(-err));
			goto err_close;
		}
	}
	if (!existed) {
		err = bg_fsops_fsync_dir(ops, state_dir);
		if (err) {
			bulkhead_msg_set(msg, "journal %s: created, but fsync of %s failed: %s",
					 path, state_dir, strerror(-err));
			goto err_close;
		}
	}
	j->fd = fd;
	j->path = TAKE_PTR(path);
	j->boot_id = boot_id;
	j->ops = ops;
	return 0;

err_close:
	ops->close(fd);
	return err;
}

/**
 * bl_journal_step() - record the beginning or end of a risky step
 * @j: the open journal
 * @begin: true before the step, false after it
 * @op: what the step does
 * @name: the extension
 * @version: the content version involved (0: none)
 * @msg: the reason on failure
 *
 * A "begin" returns only once it is on disk, together with every line
 * before it: a caller that goes on after a failure takes a step the next
 * boot may not be able to blame.  An "end" is written at once and made
 * durable by the next "begin" or by bl_journal_close(), one fsync for
 * both: a crash leaves its own evidence in pstore, which outranks the
 * journal, so only a power cut in those few milliseconds can make the
 * guard blame a step that had completed.
 *
 * Return: 0 or a negative errno.
 */
int bl_journal_step(struct bl_journal *j, bool begin, enum bl_journal_op op,
		    const char *name, uint64_t version, struct bulkhead_msg *msg)
{
	char line[128];
	int n, err;

	n = snprintf(line, sizeof(line), "%llu %s %s %s %llu\n",
		     (unsigned long long)j->boot_id, begin ? "begin" : "end",
		     op_names[op], name, (unsigned long long)version);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		bulkhead_msg_set(msg, "journal %s: record for '%s' too long", j->path, name);
		return -EINVAL;
	}
	err = bg_fsops_write_all(j->ops, j->fd, line, (size_t)n);
	if (!err && begin && j->ops->fsync(j->fd) < 0)
		err = -errno;
	j->unsynced = !err && !begin;
	if (err)
		bulkhead_msg_set(msg, "journal %s: cannot record %s %s %s: %s", j->path,
				 begin ? "begin" : "end", op_names[op], name, strerror(-err));
	return err;
}

/**
 * bl_journal_close() - make the last "end" durable and close the journal
 * @j: the journal (closed and freed whatever the result)
 * @msg: the reason on failure
 *
 * Return: 0 or the negative errno of the final fsync.
 */
int bl_journal_close(struct bl_journal *j, struct bulkhead_msg *msg)
{
	int err = 0;

	if (j->fd >= 0 && j->unsynced && j->ops->fsync(j->fd) < 0) {
		err = -errno;
		bulkhead_msg_set(msg, "journal %s: cannot make the last record durable: %s",
				 j->path, strerror(-err));
	}
	if (j->fd >= 0)
		j->ops->close(j->fd);
	j->fd = -1;
	j->unsynced = false;
	free(j->path);
	j->path = NULL;
	return err;
}
