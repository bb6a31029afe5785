// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fake_kernel.c - the unit tests' stand-in for libkmod and the shim's
 * securityfs files (fake_kernel.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bh_content.h"
#include "fake_kernel.h"

#define FK_READ_MAX	(1024 * 1024)

/* module and extension names: '-' and '_' alike, as in the kernel */
static bool fk_name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return false;
	return *a == *b;
}

static const struct fk_rule *fk_rule(const struct fk_rule *rules, unsigned int n,
				     const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (fk_name_eq(rules[i].name, name))
			return &rules[i];
	return NULL;
}

static void fk_add_rule(struct fk_rule *rules, unsigned int *n, const char *name,
			int result, const char *text)
{
	struct fk_rule *r = (struct fk_rule *)fk_rule(rules, *n, name);

	if (!r) {
		if (*n == FK_MAX_RULES)
			abort();
		r = &rules[(*n)++];
	}
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->result = result;
	snprintf(r->text, sizeof(r->text), "%s", text ? text : "");
}

static bool fk_registered(const struct fake_kernel *fk, const char *ext)
{
	return !fk_rule(fk->unregistered, fk->nr_unregistered, ext);
}

static struct fk_call *fk_record(struct fake_kernel *fk, enum fk_kind kind, const char *name)
{
	struct fk_call *c;

	if (fk->nr_calls == FK_MAX_CALLS)
		abort();
	c = &fk->calls[fk->nr_calls++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->name = strdup(name);
	if (!c->name)
		abort();
	return c;
}

/**
 * fk_path() - a file of the securityfs stand-in
 * @fk: the fake
 * @ext: the extension (NULL: the shim's top-level file)
 * @file: the file name
 *
 * Return: malloc'd ROOT/extensions/EXT/FILE or ROOT/FILE; aborts when out
 * of memory.
 */
char *fk_path(const struct fake_kernel *fk, const char *ext, const char *file)
{
	char *p;
	int n;

	if (ext)
		n = asprintf(&p, "%s/extensions/%s/%s", fk->root, ext, file);
	else
		n = asprintf(&p, "%s/%s", fk->root, file);
	if (n < 0)
		abort();
	return p;
}

static int fk_write(const char *path, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

/**
 * fk_put() - place a file of the shim's, creating its directory
 * @fk: the fake
 * @ext: the extension (NULL: top level)
 * @file: the file name
 * @text: its content
 *
 * Return: 0 or a negative errno.
 */
/* ROOT/extensions/EXT, made when missing */
static int fk_mkdir(const struct fake_kernel *fk, const char *ext)
{
	char *dir;
	int err = 0;

	if (asprintf(&dir, "%s/extensions", fk->root) < 0)
		abort();
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		err = -errno;
	free(dir);
	if (asprintf(&dir, "%s/extensions/%s", fk->root, ext) < 0)
		abort();
	if (!err && mkdir(dir, 0755) < 0 && errno != EEXIST)
		err = -errno;
	free(dir);
	return err;
}

int fk_put(struct fake_kernel *fk, const char *ext, const char *file, const char *text)
{
	char *path;
	int err;

	if (ext) {
		err = fk_mkdir(fk, ext);
		if (err)
			return err;
	}
	path = fk_path(fk, ext, file);
	err = fk_write(path, text, strlen(text));
	free(path);
	return err;
}

static int fk_insert(struct bl_kernel *k, const char *module, const char *params,
		     struct bulkhead_msg *msg)
{
	struct fake_kernel *fk = k->priv;
	const struct fk_rule *r = fk_rule(fk->insert_rules, fk->nr_insert_rules, module);
	struct fk_call *c = fk_record(fk, FK_INSERT, module);

	if (params) {
		c->params = strdup(params);
		if (!c->params)
			abort();
	}
	if (fk->hook)
		fk->hook(fk, c, fk->hook_data);
	c->result = r ? r->result : 0;
	if (c->result)
		bulkhead_msg_set(msg, "%s", r->text[0] ? r->text : "fake insert failure");
	return c->result;
}

/* the content version a content file's header carries, 0 if too short */
static uint64_t fk_content_version(const uint8_t *buf, size_t len)
{
	uint64_t v = 0;
	int i;

	if (len < BH_OFF_CONTENT_VERSION + 8)
		return 0;
	for (i = 7; i >= 0; i--)
		v = v << 8 | buf[BH_OFF_CONTENT_VERSION + i];
	return v;
}

static int fk_push(struct bl_kernel *k, const char *ext, const void *buf, size_t len)
{
	struct fake_kernel *fk = k->priv;
	const struct fk_rule *r = fk_rule(fk->push_rules, fk->nr_push_rules, ext);
	struct fk_call *c = fk_record(fk, FK_PUSH, ext);
	char *path, version[32];
	int err;

	c->len = len;
	c->buf = malloc(len ? len : 1);
	if (!c->buf)
		abort();
	memcpy(c->buf, buf, len);
	if (fk->hook)
		fk->hook(fk, c, fk->hook_data);
	if (!fk_registered(fk, ext))
		return c->result = -ENOENT;
	if (r && r->result) {
		/* the shim leaves its reason for every refusal it judges */
		if (r->text[0])
			fk_put(fk, ext, "last_error", r->text);
		return c->result = r->result;
	}
	err = fk_mkdir(fk, ext);
	if (err)
		return c->result = err;
	path = fk_path(fk, ext, "content");
	err = fk_write(path, buf, len);
	free(path);
	snprintf(version, sizeof(version), "%llu\n",
		 (unsigned long long)fk_content_version(buf, len));
	if (!err)
		err = fk_put(fk, ext, "content_version", version);
	return c->result = err;
}

static int fk_read(struct bl_kernel *k, const char *ext, const char *file,
		   char **ret_text, size_t *ret_len)
{
	struct fake_kernel *fk = k->priv;
	char *path, *text;
	size_t len = 0;
	int fd, err = 0;

	if (ext && !fk_registered(fk, ext))
		return -ENOENT;
	path = fk_path(fk, ext, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return -errno;
	text = malloc(FK_READ_MAX + 1);
	if (!text)
		abort();
	for (;;) {
		ssize_t n = read(fd, text + len, FK_READ_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == FK_READ_MAX) {
			err = -EFBIG;
			break;
		}
	}
	close(fd);
	if (err) {
		free(text);
		return err;
	}
	text[len] = '\0';
	*ret_text = text;
	*ret_len = len;
	return 0;
}

static bool fk_is_trust_file(const char *ext, const char *file)
{
	static const char *const names[] = {
		"keys", "keys_sealed", "allow_format1", "floors", "require_signature",
	};
	size_t i;

	for (i = 0; !ext && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(file, names[i]))
			return true;
	return false;
}

static int fk_trust(struct fake_kernel *fk, const char *file, const char *text)
{
	if (fk->nr_trust == FK_MAX_TRUST)
		abort();
	snprintf(fk->trust[fk->nr_trust++], FK_TRUST_LEN, "%s %s", file, text);
	return fk->trust_result;
}

/* a write lands in the stand-in directory; the top level must exist already */
static int fk_write_file(struct bl_kernel *k, const char *ext, const char *file, const char *text)
{
	struct fake_kernel *fk = k->priv;
	struct fk_call *c;
	char *path, *name;
	int err;

	if (fk_is_trust_file(ext, file))
		return fk_trust(fk, file, text);
	if (asprintf(&name, "%s%s%s", ext ? ext : "", ext ? "/" : "", file) < 0)
		abort();
	c = fk_record(fk, FK_WRITE, name);
	free(name);
	c->params = strdup(text);
	if (!c->params)
		abort();
	if (fk->hook)
		fk->hook(fk, c, fk->hook_data);
	if (ext && !fk_registered(fk, ext)) {
		c->result = -ENOENT;
		return c->result;
	}
	path = fk_path(fk, ext, file);
	err = access(path, F_OK) ? -ENOENT : fk_write(path, text, strlen(text));
	free(path);
	c->result = err;
	return err;
}

/* a certificate: a trust write, recorded by its size */
static int fk_enrol(struct bl_kernel *k, const void *der, size_t len)
{
	char text[32];

	(void)der;
	snprintf(text, sizeof(text), "<%zu bytes>", len);
	return fk_trust(k->priv, "keys", text);
}

/* the fake outlives the loader's use of it: fk_free() releases it */
static void fk_release(struct bl_kernel *k)
{
	(void)k;
}

static const struct bl_kernel_ops fk_ops = {
	.insert = fk_insert,
	.push = fk_push,
	.read = fk_read,
	.write = fk_write_file,
	.enrol = fk_enrol,
	.release = fk_release,
};

/**
 * fk_new() - a fake kernel with an empty securityfs stand-in
 *
 * Every module inserts, every extension is registered and takes every
 * push until told otherwise.
 *
 * Return: the fake, or NULL.
 */
struct fake_kernel *fk_new(void)
{
	struct fake_kernel *fk = calloc(1, sizeof(*fk));

	if (!fk)
		return NULL;
	snprintf(fk->root, sizeof(fk->root), "/tmp/bl-fake-shim-XXXXXX");
	if (!mkdtemp(fk->root)) {
		free(fk);
		return NULL;
	}
	fk->k.ops = &fk_ops;
	fk->k.priv = fk;
	return fk;
}

static int fk_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/**
 * fk_free() - remove the securityfs stand-in and free the record
 * @fk: the fake (NULL: nothing)
 */
void fk_free(struct fake_kernel *fk)
{
	unsigned int i;

	if (!fk)
		return;
	for (i = 0; i < fk->nr_calls; i++) {
		free(fk->calls[i].name);
		free(fk->calls[i].params);
		free(fk->calls[i].buf);
	}
	nftw(fk->root, fk_rm, 16, FTW_DEPTH | FTW_PHYS);
	free(fk);
}

/**
 * fk_insert_result() - what inserting @module gives from now on
 * @fk: the fake
 * @module: the module name
 * @result: 0, BL_INSERT_BLACKLISTED or a negative errno (-ENOENT: missing,
 *	-EPERM: refused)
 * @msg: the reason the fake reports with a failure
 */
void fk_insert_result(struct fake_kernel *fk, const char *module, int result, const char *msg)
{
	fk_add_rule(fk->insert_rules, &fk->nr_insert_rules, module, result, msg);
}

/**
 * fk_push_result() - what pushing to @ext gives from now on
 * @fk: the fake
 * @ext: the extension
 * @err: 0 or a negative errno (-EBADMSG: the validator refused it)
 * @last_error: the text the shim leaves in last_error with the refusal (or NULL)
 *	(NULL or "": none)
 */
void fk_push_result(struct fake_kernel *fk, const char *ext, int err, const char *last_error)
{
	fk_add_rule(fk->push_rules, &fk->nr_push_rules, ext, err, last_error);
}

/**
 * fk_unregister() - @ext is not registered with the shim: push and read
 *	give -ENOENT
 * @fk: the fake
 * @ext: the extension
 */
void fk_unregister(struct fake_kernel *fk, const char *ext)
{
	fk_add_rule(fk->unregistered, &fk->nr_unregistered, ext, -ENOENT, NULL);
}

/**
 * fk_find_trust() - where a trust write was made
 * @fk: the fake
 * @entry: "FILE TEXT" as recorded in @fk->trust
 *
 * Return: its index in @fk->trust, or -1.
 */
int fk_find_trust(const struct fake_kernel *fk, const char *entry)
{
	unsigned int i;

	for (i = 0; i < fk->nr_trust; i++)
		if (!strcmp(fk->trust[i], entry))
			return (int)i;
	return -1;
}

/**
 * fk_find() - the index of the first @kind call for @name
 * @fk: the fake
 * @kind: insert or push
 * @name: module or extension
 *
 * Return: the index in @fk->calls, or -1.
 */
int fk_find(const struct fake_kernel *fk, enum fk_kind kind, const char *name)
{
	unsigned int i;

	for (i = 0; i < fk->nr_calls; i++)
		if (fk->calls[i].kind == kind && !strcmp(fk->calls[i].name, name))
			return (int)i;
	return -1;
}

unsigned int fk_count(const struct fake_kernel *fk, enum fk_kind kind)
{
	unsigned int i, n = 0;

	for (i = 0; i < fk->nr_calls; i++)
		n += fk->calls[i].kind == kind;
	return n;
}
