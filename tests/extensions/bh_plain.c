// SPDX-License-Identifier: GPL-2.0
/*
 * bh_plain.c - bh_plain, a module that links against bulkhead.ko but
 * never registers as an extension.
 *
 * The shim counts any module with a symbol dependency on it as an
 * extension module, whether or not it cooperates: safe mode must refuse
 * such a module at load time (its init never runs), because it could
 * crash before it ever reached bh_register_extension().  The VM tests
 * look for "init ran" to tell whether it was let in.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "bulkhead.h"

static int __init plain_init(void)
{
	/* the one call that makes bulkhead.ko a dependency of this module */
	pr_info("field type 1 is %s\n", bh_field_type_name(BH_FT_U32));
	pr_info("init ran\n");
	return 0;
}

static void __exit plain_exit(void)
{
}

module_init(plain_init);
module_exit(plain_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead test module: links against the shim, never registers");
BH_IMPORT_NS();
