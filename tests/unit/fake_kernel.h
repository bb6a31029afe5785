/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * fake_kernel.h - a struct bl_kernel for the unit tests (never shipped:
 * only test binaries link the files of tests/unit).
 *
 * It records every insert (module and parameters), every push (extension
 * and bytes) and every write to a shim file in one list, in the order
 * they came, and stands
 * a temporary directory in for the shim's securityfs directory:
 *
 *	ROOT/extensions/EXT/content		what the last push wrote
 *	ROOT/extensions/EXT/content_version	its header's content version
 *	ROOT/extensions/EXT/last_error		written when a push is refused
 *						with -EBADMSG and a reason
 *
 * read() reads any file under ROOT, so a test places schema, last_error,
 * state and the like there itself (fk_put()).  Failures are configured
 * per module (insert) and per extension (push, or not registered at
 * all: push and read give -ENOENT).  The shim's veto is not simulated.
 */
#ifndef BH_TEST_FAKE_KERNEL_H
#define BH_TEST_FAKE_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel.h"

#define FK_MAX_CALLS	128
#define FK_MAX_RULES	32
#define FK_MAX_TRUST	64
#define FK_TRUST_LEN	96

enum fk_kind {
	FK_INSERT,
	FK_PUSH,
	FK_WRITE,	/* @name: EXT/FILE or FILE; @params: the text */
};

/**
 * struct fk_call - one call the loader made
 * @kind: insert or push
 * @name: the module (insert) or the extension (push)
 * @params: insert only: the parameters, NULL when none were given
 * @buf: push only: a copy of the bytes
 * @len: push only: their length
 * @result: what the fake returned
 */
struct fk_call {
	enum fk_kind kind;
	char *name;
	char *params;
	uint8_t *buf;
	size_t len;
	int result;
};

struct fake_kernel;

/*
 * Called at every insert and push before the fake answers it, so a test
 * can look at the world as it is while the step runs (the journal's
 * begin, a content link).
 */
typedef void (*fk_hook_fn)(struct fake_kernel *fk, const struct fk_call *call, void *data);

struct fk_rule {
	char name[64];
	int result;
	char text[256];
};

/**
 * struct fake_kernel - the fake; hand &fk->k to the loader
 * @k: the kernel interface
 * @root: the securityfs stand-in (a fresh mkdtemp() directory)
 * @nr_calls: calls recorded in @calls
 * @calls: every insert and push, in order
 * @hook: see fk_hook_fn; NULL: none
 * @hook_data: passed to @hook
 * @nr_trust: entries in @trust
 * @trust: the writes to the shim's trust files (keys, keys_sealed,
 *	allow_format1, floors, require_signature), in order, as "FILE TEXT"
 *	("keys <N bytes>" for a certificate), kept apart from @calls so that
 *	the order of inserts and pushes reads the same with or without them
 * @trust_result: what a write to a trust file returns; 0 by default
 */
struct fake_kernel {
	struct bl_kernel k;
	char root[64];
	unsigned int nr_calls;
	struct fk_call calls[FK_MAX_CALLS];
	fk_hook_fn hook;
	void *hook_data;
	unsigned int nr_trust;
	char trust[FK_MAX_TRUST][FK_TRUST_LEN];
	int trust_result;
	/* private: the configured failures */
	unsigned int nr_insert_rules, nr_push_rules, nr_unregistered;
	struct fk_rule insert_rules[FK_MAX_RULES];
	struct fk_rule push_rules[FK_MAX_RULES];
	struct fk_rule unregistered[FK_MAX_RULES];
};

struct fake_kernel *fk_new(void);
void fk_free(struct fake_kernel *fk);

void fk_insert_result(struct fake_kernel *fk, const char *module, int result, const char *msg);
void fk_push_result(struct fake_kernel *fk, const char *ext, int err, const char *last_error);
void fk_unregister(struct fake_kernel *fk, const char *ext);

char *fk_path(const struct fake_kernel *fk, const char *ext, const char *file);
int fk_put(struct fake_kernel *fk, const char *ext, const char *file, const char *text);

int fk_find(const struct fake_kernel *fk, enum fk_kind kind, const char *name);
int fk_find_trust(const struct fake_kernel *fk, const char *entry);
unsigned int fk_count(const struct fake_kernel *fk, enum fk_kind kind);

#endif /* BH_TEST_FAKE_KERNEL_H */
