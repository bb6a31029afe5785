/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * store.h - the content store: one directory per extension, one file
 * per content version, named by the decimal version.  The loader pushes
 * from here at boot; staging copies into it; pruning keeps what the
 * guard may still choose.
 */
#ifndef BL_STORE_H
#define BL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define BL_STORE_FILE_MAX	(1024UL * 1024 * 1024)	/* opaque vendor content */

int bl_store_path(const char *dir, uint64_t version, char **ret);
int bl_store_put(const char *dir, uint64_t version, const void *buf, size_t len,
		 struct bulkhead_msg *msg);
int bl_store_get(const char *dir, uint64_t version, uint8_t **ret_buf, size_t *ret_len,
		 struct bulkhead_msg *msg);
int bl_store_remove(const char *dir, uint64_t version, struct bulkhead_msg *msg);
int bl_store_prune(const char *dir, const uint64_t *keep, size_t nr_keep,
		   unsigned int *ret_removed, struct bulkhead_msg *msg);
int bl_store_link(const char *link, const char *target, struct bulkhead_msg *msg);

#endif /* BL_STORE_H */
