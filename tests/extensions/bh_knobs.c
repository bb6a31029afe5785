// SPDX-License-Identifier: GPL-2.0
/*
 * bh_knobs.c - bh_knobs, a test extension whose misbehaviour is chosen
 * by module parameters, for the shim's contract tests:
 *
 *	take_ret=N	take_content returns N (0: takes the content); a
 *			positive value or -512 (ERESTARTSYS) must reach the
 *			writer as EIO, never as themselves
 *	stats_ret=N	show_stats returns N instead of its text when non-zero
 *	stats_oops=1	show_stats dereferences NULL: any reader of "stats"
 *			(mode 0444) crashes inside the extension
 *	drop_oops=1	drop_content dereferences NULL (kill switch, rmmod)
 *
 * All are writable at run time under /sys/module/bh_knobs/parameters/.
 * show_stats prints "takes N\ndrops N\n": the number of take_content and
 * drop_content calls so far, so a test can tell a fresh rendering from a
 * stale one.
 *
 * Content: template "rule" (id 1): id u32 1..1000000, path string 1..255.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "bulkhead.h"

static int take_ret;
module_param(take_ret, int, 0644);
MODULE_PARM_DESC(take_ret, "take_content's return value");
static int stats_ret;
module_param(stats_ret, int, 0644);
MODULE_PARM_DESC(stats_ret, "show_stats' return value when non-zero");
static bool stats_oops;
module_param(stats_oops, bool, 0644);
MODULE_PARM_DESC(stats_oops, "show_stats dereferences NULL");
static bool drop_oops;
module_param(drop_oops, bool, 0644);
MODULE_PARM_DESC(drop_oops, "drop_content dereferences NULL");

static atomic_t kn_takes = ATOMIC_INIT(0);
static atomic_t kn_drops = ATOMIC_INIT(0);

static const struct bh_field_spec kn_rule[] = {
	BH_FIELD_U32("id", 1, 1000000),
	BH_FIELD_STRING("path", 1, 255),
};

static const struct bh_template_spec kn_templates[] = {
	{ .id = 1, .name = "rule", .nr_fields = ARRAY_SIZE(kn_rule), .fields = kn_rule },
};

static const struct bh_schema kn_schema = {
	.extension = "bh_knobs",
	.name = "knobs",
	.version = 1,
	.nr_templates = ARRAY_SIZE(kn_templates),
	.templates = kn_templates,
};

/* a NULL the compiler cannot see through */
static int *kn_null(void)
{
	int *p = NULL;

	OPTIMIZER_HIDE_VAR(p);
	return p;
}

static int kn_take_content(struct bh_extension *ext, const struct bh_content *c)
{
	atomic_inc(&kn_takes);
	return READ_ONCE(take_ret);
}

static void kn_drop_content(struct bh_extension *ext)
{
	atomic_inc(&kn_drops);
	if (READ_ONCE(drop_oops)) {
		pr_info("dereferencing NULL in drop_content\n");
		*kn_null() = 1;
	}
}

static int kn_show_stats(struct bh_extension *ext, char *buf, size_t size)
{
	if (READ_ONCE(stats_oops)) {
		pr_info("dereferencing NULL in show_stats\n");
		return *kn_null();
	}
	if (READ_ONCE(stats_ret))
		return READ_ONCE(stats_ret);
	return scnprintf(buf, size, "takes %d\ndrops %d\n", atomic_read(&kn_takes),
			 atomic_read(&kn_drops));
}

static const struct bh_extension_ops kn_ops = {
	.take_content = kn_take_content,
	.drop_content = kn_drop_content,
	.show_stats = kn_show_stats,
};

static struct bh_extension kn_ext = {
	.name = "bh_knobs",
	.schema = &kn_schema,
	.ops = &kn_ops,
	.owner = THIS_MODULE,
};

static int __init kn_init(void)
{
	return bh_register_extension(&kn_ext);
}

static void __exit kn_exit(void)
{
	bh_unregister_extension(&kn_ext);
}

module_init(kn_init);
module_exit(kn_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead test extension: misbehaviour chosen by parameters");
BH_IMPORT_NS();
