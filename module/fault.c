// SPDX-License-Identifier: GPL-2.0
/*
 * fault.c - name the extension a crash happened in, in one line that
 * pstore keeps for the next boot:
 *
 *	bulkhead: fault extension=NAME op=OP content=VERSION
 *
 * OP is event, take_content, drop_content, or unknown when no breadcrumb
 * was set but the faulting address lies in the extension's module.
 *
 * These notifiers run in atomic context inside a broken kernel: they take
 * no lock the faulting path may hold, allocate nothing, and print one
 * pr_emerg line.  The extension is marked faulted so that, if the kernel
 * survives the oops, no further event reaches it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kdebug.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/ptrace.h>
#include <linux/rculist.h>
#include <linux/sched.h>

#include "internal.h"

static void bh_fault_report(unsigned long ip)
{
	struct bh_crumb *c = raw_cpu_ptr(&bh_crumb);
	struct bh_ext_state *st = NULL, *it;
	enum bh_op op = BH_OP_NONE;
	u64 version = 0;

	if (c->st) {
		st = c->st;
		op = c->op;
		version = c->content_version;
		/* the callee never returns to clear it */
		c->st = NULL;
	}
	rcu_read_lock();
	if (!st) {
		list_for_each_entry_rcu(it, &bh_extensions, node) {
			if (READ_ONCE(it->handover_task) == current) {
				st = it;
				op = it->handover_op;
				version = it->handover_version;
				WRITE_ONCE(it->handover_task, NULL);
				/* this task dies holding the content lock */
				WRITE_ONCE(it->lock_dead, true);
				break;
			}
		}
	}
	if (!st && ip) {
		list_for_each_entry_rcu(it, &bh_extensions, node) {
			if (it->owner && within_module(ip, it->owner)) {
				st = it;
				version = READ_ONCE(it->content_version);
				break;
			}
		}
	}
	if (st) {
		WRITE_ONCE(st->status, BH_ST_FAULTED);
		atomic64_inc(&st->faults);
		pr_emerg("fault extension=%s op=%s content=%llu\n", st->name,
			 op == BH_OP_NONE ? "unknown" : bh_op_name(op), version);
	}
	rcu_read_unlock();
}

static int bh_die_notify(struct notifier_block *nb, unsigned long val, void *data)
{
	struct die_args *args = data;

	if (val == DIE_OOPS)
		bh_fault_report(args && args->regs ? instruction_pointer(args->regs) : 0);
	return NOTIFY_DONE;
}

static int bh_panic_notify(struct notifier_block *nb, unsigned long val, void *data)
{
	/* an oops reported above cleared its crumb: no second line */
	bh_fault_report(0);
	return NOTIFY_DONE;
}

static struct notifier_block bh_die_nb = {
	.notifier_call = bh_die_notify,
	.priority = INT_MAX,
};

static struct notifier_block bh_panic_nb = {
	.notifier_call = bh_panic_notify,
	/* before kmsg_dump hands the log to pstore */
	.priority = INT_MAX,
};

int bh_fault_init(void)
{
	int err;

	err = register_die_notifier(&bh_die_nb);
	if (err)
		return err;
	atomic_notifier_chain_register(&panic_notifier_list, &bh_panic_nb);
	return 0;
}

void bh_fault_exit(void)
{
	atomic_notifier_chain_unregister(&panic_notifier_list, &bh_panic_nb);
	unregister_die_notifier(&bh_die_nb);
}
