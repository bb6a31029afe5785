/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * kernel.h - everything the loader asks of the kernel, behind one small
 * table: insert a module, hand content to the shim, read one of the
 * shim's files.  The product uses bl_kernel_real() (libkmod and
 * securityfs); the unit tests drive the loader through a fake of their
 * own (tests/unit/fake_kernel.c), which never ships.
 */
#ifndef BL_KERNEL_H
#define BL_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define BL_SECURITYFS_ROOT	"/sys/kernel/security/bulkhead"

/* bl_kernel_ops.insert() result beside 0 and negative errnos */
#define BL_INSERT_BLACKLISTED	1

struct bl_kernel;

/**
 * struct bl_kernel_ops - the loader's kernel-facing calls
 * @insert: load @module and what it depends on, with @params (may be
 *	NULL) on top of the modprobe.d options, honouring modprobe
 *	blacklists.  Returns 0 when loaded (or already loaded),
 *	BL_INSERT_BLACKLISTED when a blacklist stopped it, or a negative
 *	errno (-ENOENT: no such module; -EPERM: refused, for example by the
 *	shim's veto) with @msg saying why.
 * @push: write @len bytes of content to the shim for extension @ext, in
 *	one write.  Returns 0 when the shim took it, or the write's negative
 *	errno (-EBADMSG refused by the validator, -ENODEV no such extension,
 *	-ESHUTDOWN disabled or faulted, ...).
 * @read: read the shim's file @file of extension @ext (@ext NULL: the
 *	shim's top-level file) into a NUL-terminated buffer.  Returns 0,
 *	-ENOENT when the shim or the extension is not there, or another
 *	negative errno.
 * @write: write @text to the shim's file @file of extension @ext (@ext
 *	NULL: top level) in one write.  Returns 0, -ENOENT when the shim or
 *	the extension is not there, or the write's negative errno.
 * @enrol: write @len bytes of one DER X.509 certificate to the shim's
 *	top-level "keys" file in one write.  Returns 0 or the write's
 *	negative errno (-EPERM sealed or Secure Boot, -EBADMSG not a
 *	certificate the kernel takes, ...).
 * @release: free what the backend holds
 */
struct bl_kernel_ops {
	int (*insert)(struct bl_kernel *k, const char *module, const char *params,
		      struct bulkhead_msg *msg);
	int (*push)(struct bl_kernel *k, const char *ext, const void *buf, size_t len);
	int (*read)(struct bl_kernel *k, const char *ext, const char *file,
		    char **ret_text, size_t *ret_len);
	int (*write)(struct bl_kernel *k, const char *ext, const char *file, const char *text);
	int (*enrol)(struct bl_kernel *k, const void *der, size_t len);
	void (*release)(struct bl_kernel *k);
};

struct bl_kernel {
	const struct bl_kernel_ops *ops;
	void *priv;
};

int bl_kernel_real(struct bl_kernel *k, const char *securityfs_root, bool with_kmod,
		   struct bulkhead_msg *msg);
void bl_kernel_release(struct bl_kernel *k);
void bl_kernel_shim_reason(struct bl_kernel *k, const char *ext, int err, char *buf,
			  size_t size);

#endif /* BL_KERNEL_H */
