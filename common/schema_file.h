/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * schema_file.h - read a schema from its text form (a .schema file, or
 * the text the shim prints for a registered extension) into the table
 * lib/ validates against.
 */
#ifndef BULKHEAD_SCHEMA_FILE_H
#define BULKHEAD_SCHEMA_FILE_H

#include "bh_content.h"
#include "util.h"

/**
 * struct bulkhead_schema - a parsed schema that owns its memory
 * @s: the table for lib/; valid until bulkhead_schema_free()
 */
struct bulkhead_schema {
	struct bh_schema s;
	struct bh_template_spec *templates;
	size_t nr_alloc;
};

int bulkhead_schema_load(const char *path, struct bulkhead_schema **ret,
			 struct bulkhead_msg *msg);
int bulkhead_schema_parse(const char *text, const char *origin,
			  struct bulkhead_schema **ret, struct bulkhead_msg *msg);
void bulkhead_schema_free(struct bulkhead_schema *schema);
char *bulkhead_schema_text(const struct bh_schema *s);

static inline void bulkhead_schema_freep(struct bulkhead_schema **p)
{
	bulkhead_schema_free(*p);
}

#define _cleanup_schema_ _cleanup_(bulkhead_schema_freep)

#endif /* BULKHEAD_SCHEMA_FILE_H */
