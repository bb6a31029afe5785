// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fileio.c - whole-file reads (regular files, and /proc or securityfs files
 * that claim no size), crash-safe file replacement, and the one spelling
 * of booleans in configuration files.
 *
 * A replaced file is either the old one or the new one after a crash or a
 * power cut, never a torn mix: write a temporary file in the same
 * directory, fsync it, rename it over the old name, fsync the directory
 * so the rename itself is durable.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "util.h"

void bulkhead_msg_set(struct bulkhead_msg *msg, const char *fmt, ...)
{
	va_list ap;

	if (!msg)
		return;
	va_start(ap, fmt);
	vsnprintf(msg->text, sizeof(msg->text), fmt, ap);
	va_end(ap);
}

/**
 * bulkhead_parse_bool() - a yes/no value from a configuration file
 * @text: "yes", "true" or "1"; "no", "false" or "0"
 * @ret: the value, on success only
 *
 * The one spelling of booleans in every Bulkhead configuration file.
 *
 * Return: 0 or -EINVAL.
 */
int bulkhead_parse_bool(const char *text, bool *ret)
{
	if (!strcmp(text, "yes") || !strcmp(text, "true") || !strcmp(text, "1")) {
		*ret = true;
		return 0;
	}
	if (!strcmp(text, "no") || !strcmp(text, "false") || !strcmp(text, "0")) {
		*ret = false;
		return 0;
	}
	return -EINVAL;
}

/**
 * bulkhead_show_name() - a name from an untrusted source, fit for a message
 * @buf: where to put it
 * @s: the bytes
 * @len: their number
 *
 * Unprintable bytes become \xNN, so that the message stays one line, and
 * what is longer than a name (BH_NAME_MAX bytes) is cut with "...".
 *
 * Return: @buf.
 */
const char *bulkhead_show_name(char buf[BULKHEAD_SHOW_LEN], const char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len && i < BH_NAME_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, BULKHEAD_SHOW_LEN - o, "\\x%02x", c);
	}
	if (len > BH_NAME_MAX) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/**
 * bulkhead_write_pseudo_file() - one write of @text to a kernel file
 * @path: a sysfs, securityfs or procfs file
 * @text: what to write, in one write(): its verdict is the kernel's
 *
 * Return: 0, or the negative errno of the open or the write (-EIO for a
 * short write).
 */
int bulkhead_write_pseudo_file(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	size_t len = strlen(text);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/* open @path for reading and make sure it is a regular file */
static int open_regular(const char *path, int *ret_fd, off_t *ret_size,
			struct bulkhead_msg *msg)
{
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		bulkhead_msg_set(msg, "%s: cannot open: %s", path, strerror(-err));
		return err;
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		bulkhead_msg_set(msg, "%s: cannot stat: %s", path, strerror(-err));
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		bulkhead_msg_set(msg, "%s: not a regular file", path);
		return -EINVAL;
	}
	*ret_fd = fd;
	*ret_size = st.st_size;
	return 0;
}

/* read up to @want bytes at @start; *@ret_len says how many there were */
static int read_at(int fd, const char *path, uint8_t *buf, size_t want,
		   off_t start, size_t *ret_len, struct bulkhead_msg *msg)
{
	size_t len = 0;
	int err;

	while (len < want) {
		ssize_t n = pread(fd, buf + len, want - len, start + (off_t)len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			bulkhead_msg_set(msg, "%s: read failed at byte %lld: %s", path,
					 (long long)(start + (off_t)len), strerror(-err));
			return err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret_len = len;
	return 0;
}

/**
 * bulkhead_read_file() - read a whole regular file into memory
 * @path: file to read
 * @max: refuse files larger than this with -EFBIG
 * @ret_buf: malloc'd contents, written on success only (free() it)
 * @ret_len: its length
 * @msg: the reason on failure
 *
 * Return: 0 or a negative errno.
 */
int bulkhead_read_file(const char *path, size_t max, uint8_t **ret_buf,
		       size_t *ret_len, struct bulkhead_msg *msg)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;
	off_t size;
	int err;

	err = open_regular(path, &fd, &size, msg);
	if (err)
		return err;
	if ((uint64_t)size > max) {
		bulkhead_msg_set(msg, "%s: %lld bytes, larger than the limit of %zu",
				 path, (long long)size, max);
		return -EFBIG;
	}
	/* one spare byte so a file that grew while we read is noticed */
	buf = malloc((size_t)size + 1);
	if (!buf) {
		bulkhead_msg_set(msg, "%s: out of memory for %lld bytes", path,
				 (long long)size);
		return -ENOMEM;
	}
	err = read_at(fd, path, buf, (size_t)size + 1, 0, &len, msg);
	if (err)
		return err;
	if (len > (size_t)size) {
		bulkhead_msg_set(msg, "%s: changed size while being read", path);
		return -EAGAIN;
	}
	*ret_buf = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

/**
 * bulkhead_read_file_tail() - read the last @max bytes of a regular file
 * @path: file to read
 * @max: how many bytes at most, from the end
 * @ret_buf: malloc'd bytes, written on success only (free() them)
 * @ret_len: their number
 * @ret_start: the file offset they start at
 * @msg: the reason on failure
 *
 * For files only ever appended to (journals), whose newest part is what
 * counts however long they grew.
 *
 * Return: 0 or a negative errno.
 */
int bulkhead_read_file_tail(const char *path, size_t max, uint8_t **ret_buf,
			    size_t *ret_len, off_t *ret_start,
			    struct bulkhead_msg *msg)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ uint8_t *buf = NULL;
	off_t size, start;
	size_t len;
	int err;

	err = open_regular(path, &fd, &size, msg);
	if (err)
		return err;
	start = (uint64_t)size > max ? size - (off_t)max : 0;
	/* one spare byte: never a zero-sized allocation */
	buf = malloc((size_t)(size - start) + 1);
	if (!buf) {
		bulkhead_msg_set(msg, "%s: out of memory", path);
		return -ENOMEM;
	}
	err = read_at(fd, path, buf, (size_t)(size - start), start, &len, msg);
	if (err)
		return err;
	*ret_buf = TAKE_PTR(buf);
	*ret_len = len;
	*ret_start = start;
	return 0;
}

/**
 * bulkhead_read_pseudo_file() - read a /proc, /sys or securityfs file
 * @path: file to read
 * @max: refuse more than this many bytes with -EFBIG
 * @ret_buf: malloc'd contents plus a NUL, written on success only
 * @ret_len: their length, without the NUL
 * @msg: the reason on failure (may be NULL)
 *
 * Such files claim a size of 0 (or of a page): they are read until end of
 * file instead of by their size.
 *
 * Return: 0 or a negative errno.
 */
int bulkhead_read_pseudo_file(const char *path, size_t max, uint8_t **ret_buf,
			      size_t *ret_len, struct bulkhead_msg *msg)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	buf = malloc(max + 1);
	if (fd < 0 || !buf) {
		err = fd < 0 ? -errno : -ENOMEM;
		bulkhead_msg_set(msg, "%s: cannot open: %s", path, strerror(-err));
		return err;
	}
	/* one byte more than allowed, to tell a full buffer from a long file */
	while (len <= max) {
		n = read(fd, buf + len, max + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			bulkhead_msg_set(msg, "%s: read failed: %s", path, strerror(-err));
			return err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		bulkhead_msg_set(msg, "%s: longer than the limit of %zu bytes", path, max);
		return -EFBIG;
	}
	buf[len] = '\0';
	*ret_buf = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/**
 * bulkhead_fsync_dir() - make @dir's entries (a create, rename or unlink
 * in it) durable
 * @dir: the directory
 *
 * Return: 0 or a negative errno.
 */
int bulkhead_fsync_dir(const char *dir)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0 || fsync(dfd) < 0)
		return -errno;
	return 0;
}

static int fsync_parent_dir(const char *path)
{
	_cleanup_free_ char *copy = strdup(path);

	return copy ? bulkhead_fsync_dir(dirname(copy)) : -ENOMEM;
}

/**
 * bulkhead_write_file_atomic() - replace @path with @buf, crash-safely
 * @path: destination
 * @buf: new contents
 * @len: their length
 * @mode: permissions of the new file
 * @msg: the reason on failure
 *
 * After a crash at any point @path holds either its old contents or the
 * new ones.  A failed call leaves no temporary file behind.  The temporary
 * file ("@path.tmp.XXXXXX") is a new one with a unique name, never opened
 * through a link (fileio.h); one a crash left behind is never reused.
 *
 * Return: 0 or a negative errno.
 */
int bulkhead_write_file_atomic(const char *path, const void *buf, size_t len,
			       mode_t mode, struct bulkhead_msg *msg)
{
	_cleanup_free_ char *tmp = NULL;
	int fd, err;

	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		tmp = NULL;
		bulkhead_msg_set(msg, "%s: out of memory", path);
		return -ENOMEM;
	}
	fd = mkostemp(tmp, BULKHEAD_TMP_MKOSTEMP_FLAGS);
	if (fd < 0) {
		err = -errno;
		bulkhead_msg_set(msg, "%s: cannot create temporary file: %s",
				 path, strerror(-err));
		return err;
	}
	err = write_all(fd, buf, len);
	if (err) {
		bulkhead_msg_set(msg, "%s: write failed: %s", tmp, strerror(-err));
		goto err_unlink;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		err = -errno;
		bulkhead_msg_set(msg, "%s: cannot set mode or fsync: %s", tmp,
				 strerror(-err));
		goto err_unlink;
	}
	if (close(fd) < 0) {
		fd = -1;
		err = -errno;
		bulkhead_msg_set(msg, "%s: close failed: %s", tmp, strerror(-err));
		goto err_unlink;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		err = -errno;
		bulkhead_msg_set(msg, "%s: cannot rename into place: %s", path,
				 strerror(-err));
		goto err_unlink;
	}
	err = fsync_parent_dir(path);
	if (err) {
		bulkhead_msg_set(msg, "%s: written, but fsync of its directory failed: %s",
				 path, strerror(-err));
		return err;
	}
	return 0;

err_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return err;
}
