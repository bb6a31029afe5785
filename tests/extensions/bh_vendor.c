// SPDX-License-Identifier: GPL-2.0
/*
 * bh_vendor.c - bh_vendor, a module that knows nothing of Bulkhead.
 *
 * It stands for an unmodified third-party module: no BULKHEAD namespace,
 * no shim symbols, so neither safe mode nor the extension registry sees it
 * as an extension.  Only the shim's disable list, which matches module
 * names at load time, can keep it out.  The VM tests look for "init ran"
 * to tell whether it was let in.  It must not include bulkhead.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

static int __init vendor_init(void)
{
	pr_info("init ran\n");
	return 0;
}

static void __exit vendor_exit(void)
{
}

module_init(vendor_init);
module_exit(vendor_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead test module: a third-party module that does not use the shim");
