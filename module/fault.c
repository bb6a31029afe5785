// SPDX-License-Identifier: GPL-2.0
/*
 * fault.c - name the extension a crash happened in, in one line that
 * pstore keeps for the next boot:
 *
 *	bulkhead: fault extension=NAME op=OP content=VERSION
 *
 * OP is event, take_content, drop_content, show_stats, or unknown when no
 * breadcrumb was set but the faulting address lies in the extension's
 * module.
 *
 * Blame follows the context.  A breadcrumb names the extension only for
 * a fault in the very context that set it: an interrupt, softirq or NMI
 * whose handler oopses while this CPU (or this task) is inside an
 * extension is not the extension's doing, unless the faulting
 * instruction is in the extension's own code.  Such an oops gets a line
 * of its own that no tool reads as blame:
 *
 *	bulkhead: oops in CONTEXT while inside extension NAME (OP): not attributed
 *
 * A callback of an extension that is unregistering is still named: the
 * extension stays on the list until its last callback returned.
 *
 * These notifiers run in atomic context inside a broken kernel: they take
 * no lock the faulting path may hold, allocate nothing, and print one
 * pr_emerg line.  The extension is marked faulted so that, if the kernel
 * survives the oops, no further event reaches it; a task that dies inside
 * a process-context callback gives back the module reference it held,
 * so that the extension's module can still be removed.
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

static const char *bh_context_name(unsigned long ctx)
{
	if (ctx & NMI_MASK)
		return "NMI";
	if (ctx & HARDIRQ_MASK)
		return "hard IRQ";
	if (ctx & SOFTIRQ_OFFSET)
		return "softirq";
	return "task";
}

static void bh_fault_unattributed(struct bh_ext_state *st, enum bh_op op,
				  unsigned long ctx)
{
	pr_emerg("oops in %s context while inside extension %s (%s): not attributed\n",
		 bh_context_name(ctx), st->name, bh_op_name(op));
}

/*
 * @oops: an oops in the current context (die notifier); false for a
 * panic, which names what this CPU was inside when the kernel gave up
 * (a lockup detector interrupting a stuck callback), unless an oops on
 * this CPU already explained it.
 */
static DEFINE_PER_CPU(bool, bh_oopsed);

static void bh_fault_report(unsigned long ip, bool oops)
{
	struct bh_crumb *c = raw_cpu_ptr(&bh_crumb);
	struct bh_ext_state *st = NULL, *it;
	unsigned long ctx = bh_context();
	enum bh_op op = BH_OP_NONE;
	u64 version = 0;

	if (oops)
		raw_cpu_write(bh_oopsed, true);
	else if (raw_cpu_read(bh_oopsed))
		return;	/* the oops that led here was judged already */
	if (c->st) {
		if (!oops || c->context == ctx) {
			st = c->st;
			op = c->op;
			version = c->content_version;
		} else {
			bh_fault_unattributed(c->st, c->op, ctx);
		}
		/* the callee never returns to clear it; one report is enough */
		c->st = NULL;
	}
	rcu_read_lock();
	if (!st) {
		list_for_each_entry_rcu(it, &bh_extensions, node) {
			if (READ_ONCE(it->cb_task) != current)
				continue;
			/* pairs with the smp_wmb() in bh_cb_mark() */
			smp_rmb();
			if (oops && ctx) {
				/* an interrupt on top of the callback went wrong */
				bh_fault_unattributed(it, it->cb_op, ctx);
				break;
			}
			st = it;
			op = it->cb_op;
			version = it->cb_version;
			WRITE_ONCE(it->cb_task, NULL);
			/* this task dies holding the content lock... */
			WRITE_ONCE(it->lock_dead, true);
			/* ...and the module reference: give that back */
			if (it->cb_pinned) {
				it->cb_pinned = false;
				module_put(it->owner);
			}
			break;
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
		bh_fault_report(args && args->regs ? instruction_pointer(args->regs) : 0,
				true);
	return NOTIFY_DONE;
}

static int bh_panic_notify(struct notifier_block *nb, unsigned long val, void *data)
{
	/* an oops reported above cleared its crumb: no second line */
	bh_fault_report(0, false);
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
