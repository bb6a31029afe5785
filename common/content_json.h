/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * content_json.h - content files from and to their JSON source form
 * (docs/content-format.md, "JSON source"), the form a vendor's pipeline
 * emits and `bulkheadctl content dump` prints.
 */
#ifndef BULKHEAD_CONTENT_JSON_H
#define BULKHEAD_CONTENT_JSON_H

#include <json.h>

#include "bh_content.h"
#include "util.h"

int bulkhead_json_parse(const char *text, size_t len, const char *origin,
			struct json_object **ret, struct bulkhead_msg *msg);
int bulkhead_content_build(struct json_object *src, const char *origin,
			   uint8_t **ret_buf, size_t *ret_len,
			   struct bulkhead_msg *msg);
int bulkhead_content_dump(const struct bh_content *c, struct json_object **ret,
			  struct bulkhead_msg *msg);

static inline void bulkhead_json_putp(struct json_object **p)
{
	if (*p)
		json_object_put(*p);
}

#define _cleanup_json_ _cleanup_(bulkhead_json_putp)

#endif /* BULKHEAD_CONTENT_JSON_H */
