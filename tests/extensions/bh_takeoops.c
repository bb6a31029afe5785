// SPDX-License-Identifier: GPL-2.0
/*
 * bh_takeoops.c - bh_takeoops, a test extension that oopses in
 * take_content on demand.
 *
 * It stands for a sensor whose parser crashes on content that is valid by
 * the schema (the validator cannot know every bug): the VM tests push a
 * rule whose path is "OOPS" and check that the shim's breadcrumb names
 * this extension and op take_content, that the boot guard rolls its
 * content back, and that other content is still accepted.
 *
 * Content: template "rule" (id 1) with two fields:
 *	id	u32	1..1000000
 *	path	string	1..255		"OOPS" makes take_content oops
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/string.h>

#include "bulkhead.h"

#define TO_T_RULE	1

static const struct bh_field_spec to_rule[] = {
	BH_FIELD_U32("id", 1, 1000000),
	BH_FIELD_STRING("path", 1, 255),
};

static const struct bh_template_spec to_templates[] = {
	{ .id = TO_T_RULE, .name = "rule",
	  .nr_fields = ARRAY_SIZE(to_rule), .fields = to_rule },
};

static const struct bh_schema to_schema = {
	.extension = "bh_takeoops",
	.name = "takeoops",
	.version = 1,
	.nr_templates = ARRAY_SIZE(to_templates),
	.templates = to_templates,
};

static int to_take_content(struct bh_extension *ext, const struct bh_content *c)
{
	struct bh_record rec;
	const char *path;
	u16 len;
	int err;

	for (err = bh_record_first(c, &rec); !err; err = bh_record_next(&rec, &rec)) {
		if (rec.template_id != TO_T_RULE)
			continue;
		err = bh_field_string(&rec, 1, &path, &len);
		if (err)
			return err;
		/* the fault under test: a NULL store the compiler must keep */
		if (len == 4 && !memcmp(path, "OOPS", 4))
			*(volatile int *)NULL = 1;
	}
	return err == -ENOENT ? 0 : err;
}

static const struct bh_extension_ops to_ops = {
	.take_content = to_take_content,
};

static struct bh_extension to_ext = {
	.name = "bh_takeoops",
	.schema = &to_schema,
	.ops = &to_ops,
	.owner = THIS_MODULE,
};

static int __init to_init(void)
{
	return bh_register_extension(&to_ext);
}

static void __exit to_exit(void)
{
	bh_unregister_extension(&to_ext);
}

module_init(to_init);
module_exit(to_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead test extension: NULL dereference in take_content on rule path OOPS");
BH_IMPORT_NS();
