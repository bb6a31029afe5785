/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * util.h - small userspace helpers shared by the Bulkhead tools: cleanup
 * attributes, whole-file reads, crash-safe file replacement, and the
 * message buffer through which library code reports why it failed
 * (library code never prints; the caller that decides does, once).
 */
#ifndef BULKHEAD_UTIL_H
#define BULKHEAD_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "bh_content.h"

#define BULKHEAD_MSG_LEN 512

/**
 * struct bulkhead_msg - why a library call failed, one line, naming the
 * thing, the place and the reason
 */
struct bulkhead_msg {
	char text[BULKHEAD_MSG_LEN];
};

__attribute__((format(printf, 2, 3)))
void bulkhead_msg_set(struct bulkhead_msg *msg, const char *fmt, ...);

static inline void bulkhead_freep(void *p)
{
	free(*(void **)p);
}

static inline void bulkhead_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void bulkhead_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(bulkhead_freep)
#define _cleanup_close_ _cleanup_(bulkhead_closep)
#define _cleanup_fclose_ _cleanup_(bulkhead_fclosep)

/* hand ownership out of a _cleanup_ variable */
#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })

int bulkhead_parse_bool(const char *text, bool *ret);

/* bulkhead_show_name(): BH_NAME_MAX bytes of up to 4 characters each, "..." and a NUL */
#define BULKHEAD_SHOW_LEN	(4 * BH_NAME_MAX + sizeof("..."))
const char *bulkhead_show_name(char buf[BULKHEAD_SHOW_LEN], const char *s, size_t len);
int bulkhead_write_pseudo_file(const char *path, const char *text);
int bulkhead_read_file(const char *path, size_t max, uint8_t **ret_buf,
		       size_t *ret_len, struct bulkhead_msg *msg);
int bulkhead_read_file_tail(const char *path, size_t max, uint8_t **ret_buf,
			    size_t *ret_len, off_t *ret_start,
			    struct bulkhead_msg *msg);
int bulkhead_read_pseudo_file(const char *path, size_t max, uint8_t **ret_buf,
			      size_t *ret_len, struct bulkhead_msg *msg);
int bulkhead_fsync_dir(const char *dir);
int bulkhead_write_file_atomic(const char *path, const void *buf, size_t len,
			       mode_t mode, struct bulkhead_msg *msg);

#endif /* BULKHEAD_UTIL_H */
