// SPDX-License-Identifier: GPL-2.0
/*
 * dispatch.c - events reach extensions only through this wrapper.
 *
 * The event source is the sched_process_exec tracepoint, found by name
 * (it is not exported as a symbol) and attached with
 * tracepoint_probe_register(), which works from an out-of-tree module on
 * Debian's 6.1 and 6.12.  The probe walks the registered extensions under
 * RCU and calls each enabled one with a per-CPU breadcrumb set, so that a
 * fault inside the extension can be named by the die and panic notifiers
 * (fault.c).  The kill switch flips an extension's status and waits for
 * RCU, after which no CPU is inside it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/binfmts.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "internal.h"

DEFINE_PER_CPU(struct bh_crumb, bh_crumb);

static struct tracepoint *bh_tp_exec;

/* @c: this CPU's crumb, op and context already set by the caller */
static void bh_dispatch_one(struct bh_crumb *c, struct bh_ext_state *st,
			    struct bh_extension *ext, const struct bh_event *ev)
{
	c->st = st;
	c->content_version = READ_ONCE(st->content_version);
	/* the crumb must be in place before the first instruction of the callee */
	barrier();
	ext->ops->handle_event(ext, ev);
	barrier();
	c->st = NULL;
	this_cpu_inc(*st->events);
}

static void bh_exec_probe(void *data, struct task_struct *p, pid_t old_pid,
			  struct linux_binprm *bprm)
{
	struct bh_event ev = {
		.type = BH_EV_EXEC,
		.exec = { .filename = bprm->filename, .pid = task_pid_nr(p) },
	};
	struct bh_ext_state *st;
	struct bh_crumb *c;

	/* the per-CPU breadcrumb needs us to stay on this CPU */
	preempt_disable();
	/* events come only from task context: no crumb is set under us */
	c = this_cpu_ptr(&bh_crumb);
	c->op = BH_OP_EVENT;
	c->context = bh_context();
	rcu_read_lock();
	list_for_each_entry_rcu(st, &bh_extensions, node) {
		struct bh_extension *ext = READ_ONCE(st->ext);

		if (READ_ONCE(st->status) != BH_ST_ENABLED || !ext ||
		    READ_ONCE(st->unregistering) || !ext->ops->handle_event)
			continue;
		bh_dispatch_one(c, st, ext, &ev);
	}
	rcu_read_unlock();
	preempt_enable();
}

static void bh_find_tracepoint(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exec"))
		*(struct tracepoint **)priv = tp;
}

int bh_dispatch_init(void)
{
	int err;

	for_each_kernel_tracepoint(bh_find_tracepoint, &bh_tp_exec);
	if (!bh_tp_exec) {
		pr_err("tracepoint sched_process_exec not found: no exec events\n");
		return -ENOENT;
	}
	err = tracepoint_probe_register(bh_tp_exec, bh_exec_probe, NULL);
	if (err)
		pr_err("tracepoint sched_process_exec: attach failed: %d\n", err);
	return err;
}

void bh_dispatch_exit(void)
{
	tracepoint_probe_unregister(bh_tp_exec, bh_exec_probe, NULL);
	/* no probe is still running when the module text goes away */
	tracepoint_synchronize_unregister();
}
