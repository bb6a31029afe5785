// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * store.c - the content store (store.h).
 *
 * Files enter the store whole: written to a temporary name, fsync'd,
 * renamed into place, the directory fsync'd (bulkhead_write_file_atomic).
 * A crash leaves at worst a temporary file, which the next prune removes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "store.h"

/* a file name the store made: a canonical decimal version above 0 */
static int parse_version(const char *s, uint64_t *ret, const char **ret_end)
{
	uint64_t v = 0;
	const char *p = s;

	if (*p < '1' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*ret = v;
	*ret_end = p;
	return 0;
}

int bl_store_path(const char *dir, uint64_t version, char **ret)
{
	if (asprintf(ret, "%s/%llu", dir, (unsigned long long)version) < 0) {
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* create @dir and its missing parents */
static int mkdir_parents(const char *dir, struct bulkhead_msg *msg)
{
	_cleanup_free_ char *copy = strdup(dir);
	char *p, c;
	int err;

	if (!copy) {
		bulkhead_msg_set(msg, "store %s: out of memory", dir);
		return -ENOMEM;
	}
	for (p = copy + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
			err = -errno;
			bulkhead_msg_set(msg, "store %s: cannot create %s: %s", dir, copy,
					 strerror(-err));
			return err;
		}
		*p = c;
		if (!c)
			break;
	}
	return 0;
}

/**
 * bl_store_put() - add one content version to a store, durably
 * @dir: the extension's store (created if missing)
 * @version: the content version (above 0)
 * @buf: the content
 * @len: its length
 * @msg: the reason on failure
 *
 * An existing file of that version is replaced.
 *
 * Return: 0 or a negative errno.
 */
int bl_store_put(const char *dir, uint64_t version, const void *buf, size_t len,
		 struct bulkhead_msg *msg)
{
	_cleanup_free_ char *path = NULL;
	struct bulkhead_msg why;
	int err;

	if (!version) {
		bulkhead_msg_set(msg, "store %s: content version 0 is not a version", dir);
		return -EINVAL;
	}
	if (bl_store_path(dir, version, &path)) {
		bulkhead_msg_set(msg, "store %s: out of memory", dir);
		return -ENOMEM;
	}
	err = mkdir_parents(dir, msg);
	if (err)
		return err;
	err = bulkhead_write_file_atomic(path, buf, len, 0644, &why);
	if (err)
		bulkhead_msg_set(msg, "store %s", why.text);
	return err;
}

/**
 * bl_store_get() - read one content version from a store
 * @dir: the extension's store
 * @version: the content version
 * @ret_buf: malloc'd content, on success only
 * @ret_len: its length
 * @msg: the reason on failure (-ENOENT: the store does not hold it)
 *
 * Return: 0 or a negative errno.
 */
int bl_store_get(const char *dir, uint64_t version, uint8_t **ret_buf, size_t *ret_len,
		 struct bulkhead_msg *msg)
{
	_cleanup_free_ char *path = NULL;
	struct bulkhead_msg why;
	int err;

	if (bl_store_path(dir, version, &path)) {
		bulkhead_msg_set(msg, "store %s: out of memory", dir);
		return -ENOMEM;
	}
	err = bulkhead_read_file(path, BL_STORE_FILE_MAX, ret_buf, ret_len, &why);
	if (err)
		bulkhead_msg_set(msg, "store %s", why.text);
	return err;
}

/**
 * bl_store_remove() - drop one content version from a store
 * @dir: the extension's store
 * @version: the content version
 * @msg: the reason on failure
 *
 * Return: 0 (also when it was not there) or a negative errno.
 */
int bl_store_remove(const char *dir, uint64_t version, struct bulkhead_msg *msg)
{
	_cleanup_free_ char *path = NULL;
	int err;

	if (bl_store_path(dir, version, &path)) {
		bulkhead_msg_set(msg, "store %s: out of memory", dir);
		return -ENOMEM;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		err = -errno;
		bulkhead_msg_set(msg, "store %s: cannot remove: %s", path, strerror(-err));
		return err;
	}
	return bulkhead_fsync_dir(dir);
}

static bool kept(uint64_t v, const uint64_t *keep, size_t nr_keep)
{
	size_t i;

	for (i = 0; i < nr_keep; i++)
		if (keep[i] == v)
			return true;
	return false;
}

/**
 * bl_store_prune() - remove every version but the ones to keep
 * @dir: the extension's store
 * @keep: versions that must stay (active, LKG, pending, pinned, chosen;
 *	0 entries are ignored)
 * @nr_keep: entries in @keep
 * @ret_removed: how many files were removed (may be NULL)
 * @msg: the reason on failure
 *
 * Only names the store made are touched: canonical decimal versions, and
 * the temporary files of writes a crash cut short ("V.tmp.XXXXXX").
 * A missing store has nothing to prune.
 *
 * Return: 0 or a negative errno (the first failure; pruning goes on).
 */
int bl_store_prune(const char *dir, const uint64_t *keep, size_t nr_keep,
		   unsigned int *ret_removed, struct bulkhead_msg *msg)
{
	_cleanup_close_ int dfd = -1;
	struct dirent **names = NULL;
	unsigned int removed = 0;
	int i, n, err = 0;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	n = dfd < 0 ? -1 : scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		if (errno == ENOENT)
			goto out;
		err = -errno;
		bulkhead_msg_set(msg, "store %s: cannot list: %s", dir, strerror(-err));
		return err;
	}
	for (i = 0; i < n; i++) {
		const char *end;
		uint64_t v;

		if (!parse_version(names[i]->d_name, &v, &end) &&
		    (!*end ? !kept(v, keep, nr_keep) : !strncmp(end, ".tmp.", 5))) {
			if (unlinkat(dfd, names[i]->d_name, 0) == 0) {
				removed++;
			} else if (!err) {
				err = -errno;
				bulkhead_msg_set(msg, "store %s: cannot remove %s: %s", dir,
						 names[i]->d_name, strerror(-err));
			}
		}
		free(names[i]);
	}
	free(names);
	if (removed && !err) {
		err = bulkhead_fsync_dir(dir);
		if (err)
			bulkhead_msg_set(msg, "store %s: fsync failed: %s", dir, strerror(-err));
	}
out:
	if (ret_removed)
		*ret_removed = removed;
	return err;
}

/**
 * bl_store_link() - point @link at @target, atomically
 * @link: the path a vendor module reads its content from
 * @target: the store file it must read now
 * @msg: the reason on failure
 *
 * A new symbolic link is made beside @link and renamed over it, so a
 * reader (or a crash) sees the old target or the new one, never none.
 * @link must be a symbolic link already or not exist: a regular file
 * there is the vendor's own, and is never overwritten.
 *
 * Return: 0 or a negative errno.
 */
int bl_store_link(const char *link, const char *target, struct bulkhead_msg *msg)
{
	_cleanup_free_ char *tmp = NULL, *parent = NULL;
	struct stat st;
	int err;

	if (!lstat(link, &st) && !S_ISLNK(st.st_mode)) {
		bulkhead_msg_set(msg, "content_link %s: exists and is not a symbolic link; not replacing it (move it away, or stage it)",
				 link);
		return -EEXIST;
	}
	if (asprintf(&tmp, "%s.bulkhead-new", link) < 0) {
		tmp = NULL;
		goto err_nomem;
	}
	parent = strdup(link);
	if (!parent)
		goto err_nomem;
	unlink(tmp);
	if (symlink(target, tmp) < 0) {
		err = -errno;
		bulkhead_msg_set(msg, "content_link %s: cannot create %s: %s", link, tmp,
				 strerror(-err));
		return err;
	}
	if (rename(tmp, link) < 0) {
		err = -errno;
		unlink(tmp);
		bulkhead_msg_set(msg, "content_link %s: cannot replace: %s", link, strerror(-err));
		return err;
	}
	err = bulkhead_fsync_dir(dirname(parent));
	if (err)
		bulkhead_msg_set(msg, "content_link %s: replaced, but fsync of its directory failed: %s",
				 link, strerror(-err));
	return err;

err_nomem:
	bulkhead_msg_set(msg, "content_link %s: out of memory", link);
	return -ENOMEM;
}
