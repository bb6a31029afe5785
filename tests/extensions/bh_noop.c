// SPDX-License-Identifier: GPL-2.0
/*
 * bh_noop.c - bh_noop, a test extension that does nothing.
 *
 * It is the baseline of the dispatch-overhead benchmark: an exec event
 * costs the shim's wrapper (breadcrumb, RCU, the indirect call) plus an
 * empty callback, so timing execs with and without it measures the
 * wrapper alone.  It accepts any valid content and keeps none of it.
 *
 * Content: template "item" (id 1) with one field:
 *	value	u32	0..4294967295
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "bulkhead.h"

#define NOOP_T_ITEM	1

static const struct bh_field_spec noop_item[] = {
	BH_FIELD_U32("value", 0, 4294967295U),
};

static const struct bh_template_spec noop_templates[] = {
	{ .id = NOOP_T_ITEM, .name = "item",
	  .nr_fields = ARRAY_SIZE(noop_item), .fields = noop_item },
};

static const struct bh_schema noop_schema = {
	.extension = "bh_noop",
	.name = "noop",
	.version = 1,
	.nr_templates = ARRAY_SIZE(noop_templates),
	.templates = noop_templates,
};

static int noop_take_content(struct bh_extension *ext, const struct bh_content *c)
{
	return 0;
}

/* deliberately empty: anything here would be counted as wrapper overhead */
static void noop_handle_event(struct bh_extension *ext, const struct bh_event *ev)
{
}

static const struct bh_extension_ops noop_ops = {
	.take_content = noop_take_content,
	.handle_event = noop_handle_event,
};

static struct bh_extension noop_ext = {
	.name = "bh_noop",
	.schema = &noop_schema,
	.ops = &noop_ops,
	.owner = THIS_MODULE,
};

static int __init noop_init(void)
{
	return bh_register_extension(&noop_ext);
}

static void __exit noop_exit(void)
{
	bh_unregister_extension(&noop_ext);
}

module_init(noop_init);
module_exit(noop_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead test extension: does nothing, the dispatch benchmark baseline");
BH_IMPORT_NS();
