// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - bulkhead.ko: module parameters, init and exit.
 *
 * Init brings the parts up in dependency order (the SHA-256 the validator
 * uses, registry and its module notifier, securityfs, fault notifiers,
 * event dispatch) and exit takes them down in the mirror order.
 * Extensions hold a symbol reference to this module while they are
 * loaded, so exit runs only when none is.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "hash.h"
#include "internal.h"

bool bh_safe_mode;
module_param_named(safe_mode, bh_safe_mode, bool, 0444);
MODULE_PARM_DESC(safe_mode, "Refuse every extension (boot guard's last rung)");

static char *bh_disable_param;
module_param_named(disable, bh_disable_param, charp, 0444);
MODULE_PARM_DESC(disable, "Comma-separated extension or module names to refuse");

static const char *const bh_op_names[] = {
	[BH_OP_NONE] = "none",
	[BH_OP_EVENT] = "event",
	[BH_OP_TAKE_CONTENT] = "take_content",
	[BH_OP_DROP_CONTENT] = "drop_content",
	[BH_OP_SHOW_STATS] = "show_stats",
};

const char *bh_op_name(enum bh_op op)
{
	if ((unsigned int)op >= ARRAY_SIZE(bh_op_names))
		return "unknown";
	return bh_op_names[op];
}

static int __init bh_init(void)
{
	int err;

	/* a bad name is skipped with a warning: the shim loads and vetoes the rest */
	bh_disable_list_set(bh_disable_param, true);
	err = bh_hash_init();
	if (err)
		return err;
	err = bh_trust_init();
	if (err)
		goto err_hash;
	err = bh_registry_init();
	if (err)
		goto err_trust;
	err = bh_fs_init();
	if (err)
		goto err_registry;
	err = bh_fault_init();
	if (err)
		goto err_fs;
	err = bh_dispatch_init();
	if (err)
		goto err_fault;
	pr_info("version %s loaded (SHA-256: %s)%s\n", BH_VERSION,
		bh_hash_driver(),
		bh_safe_mode ? ", safe mode: no extension will load" : "");
	return 0;

err_fault:
	bh_fault_exit();
err_fs:
	bh_fs_exit();
err_registry:
	bh_registry_exit();
err_trust:
	bh_trust_exit();
err_hash:
	bh_hash_exit();
	return err;
}

static void __exit bh_exit(void)
{
	bh_dispatch_exit();
	bh_fault_exit();
	bh_fs_exit();
	bh_registry_exit();
	bh_trust_exit();
	bh_hash_exit();
	pr_info("unloaded\n");
}

module_init(bh_init);
module_exit(bh_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("Bulkhead developers");
MODULE_DESCRIPTION("Bulkhead: validated content and fault containment for security extensions");
MODULE_VERSION(BH_VERSION);
