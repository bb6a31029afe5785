// SPDX-License-Identifier: GPL-2.0
/*
 * bh_leaky.c - bh_leaky, a test extension that leaves dirty.
 *
 * Loaded with fail_init=1 its init registers and then fails, as an init
 * that hits an error after bh_register_extension() and forgets to undo
 * it; otherwise its exit forgets to unregister.  Either way its module
 * goes away still registered: the shim must unregister it when the module
 * goes (MODULE_STATE_GOING), so that no exec event and no content write
 * ever calls into its freed code.  Its handle_event counts execs, so a
 * call after it is gone would run freed text (an oops).
 *
 * Content: template "item" (id 1) with one field:
 *	value	u32	0..4294967295
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/module.h>

#include "bulkhead.h"

static bool fail_init;
module_param(fail_init, bool, 0444);
MODULE_PARM_DESC(fail_init, "Register, then fail init without unregistering");

static const struct bh_field_spec leaky_item[] = {
	BH_FIELD_U32("value", 0, 4294967295U),
};

static const struct bh_template_spec leaky_templates[] = {
	{ .id = 1, .name = "item", .nr_fields = ARRAY_SIZE(leaky_item), .fields = leaky_item },
};

static const struct bh_schema leaky_schema = {
	.extension = "bh_leaky",
	.name = "leaky",
	.version = 1,
	.nr_templates = ARRAY_SIZE(leaky_templates),
	.templates = leaky_templates,
};

static atomic_t leaky_events = ATOMIC_INIT(0);

static int leaky_take_content(struct bh_extension *ext, const struct bh_content *c)
{
	return 0;
}

static void leaky_handle_event(struct bh_extension *ext, const struct bh_event *ev)
{
	atomic_inc(&leaky_events);
}

static const struct bh_extension_ops leaky_ops = {
	.take_content = leaky_take_content,
	.handle_event = leaky_handle_event,
};

static struct bh_extension leaky_ext = {
	.name = "bh_leaky",
	.schema = &leaky_schema,
	.ops = &leaky_ops,
	.owner = THIS_MODULE,
};

static int __init leaky_init(void)
{
	int err = bh_register_extension(&leaky_ext);

	if (err)
		return err;
	if (fail_init) {
		pr_info("init fails after registering, and does not unregister\n");
		return -EIO;
	}
	return 0;
}

static void __exit leaky_exit(void)
{
	pr_info("exit forgets to unregister (%d events seen)\n", atomic_read(&leaky_events));
}

module_init(leaky_init);
module_exit(leaky_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead test extension: goes away still registered");
BH_IMPORT_NS();
