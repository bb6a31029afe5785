// SPDX-License-Identifier: GPL-2.0
/*
 * bh_irqoops.c - bh_irqoops, a test extension during whose callbacks an
 * interrupt handler crashes, for the shim's fault attribution.
 *
 * It stands for an innocent sensor: while it is inside handle_event or
 * take_content, a hard interrupt on the same CPU (an irq_work, which
 * raises a self-IPI at once) runs a handler that calls through a NULL
 * function pointer (as a broken driver's would) and the kernel panics
 * ("Fatal exception in interrupt").  The faulting
 * address is 0, not in this module, so the only thing that could blame
 * this extension is a breadcrumb that ignores the context; the shim must
 * print its "not attributed" line instead, and the boot guard must not
 * roll this extension back.
 *
 *	event_arm=1	the next exec event (any path) queues the irq_work
 *			and waits inside handle_event until it has run
 *	(content)	a rule whose path is "IRQ" does the same inside
 *			take_content
 *
 * Content: template "rule" (id 1): id u32 1..1000000, path string 1..255.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/irq_work.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "bulkhead.h"

static bool event_arm;
module_param(event_arm, bool, 0644);
MODULE_PARM_DESC(event_arm, "the next exec event crashes an interrupt handler");

static atomic_t io_fired = ATOMIC_INIT(0);

static const struct bh_field_spec io_rule[] = {
	BH_FIELD_U32("id", 1, 1000000),
	BH_FIELD_STRING("path", 1, 255),
};

static const struct bh_template_spec io_templates[] = {
	{ .id = 1, .name = "rule", .nr_fields = ARRAY_SIZE(io_rule), .fields = io_rule },
};

static const struct bh_schema io_schema = {
	.extension = "bh_irqoops",
	.name = "irqoops",
	.version = 1,
	.nr_templates = ARRAY_SIZE(io_templates),
	.templates = io_templates,
};

/* the "broken driver": its handler calls through a NULL pointer */
static void io_work_fn(struct irq_work *w)
{
	void (*handler)(void) = NULL;

	atomic_inc(&io_fired);
	OPTIMIZER_HIDE_VAR(handler);
	handler();
}

static struct irq_work io_work = IRQ_WORK_INIT_HARD(io_work_fn);

/* raise the interrupt on this CPU and stay here until it has run */
static void io_crash_interrupt(const char *where)
{
	int i;

	pr_info("an interrupt handler will crash inside %s\n", where);
	irq_work_queue(&io_work);
	for (i = 0; i < 2000 && !atomic_read(&io_fired); i++)
		mdelay(1);
	pr_warn("the interrupt did not come\n");
}

static int io_take_content(struct bh_extension *ext, const struct bh_content *c)
{
	struct bh_record rec;
	const char *path;
	u16 len;
	int err;

	for (err = bh_record_first(c, &rec); !err; err = bh_record_next(&rec, &rec)) {
		err = bh_field_string(&rec, 1, &path, &len);
		if (err)
			return err;
		if (len == 3 && !memcmp(path, "IRQ", 3)) {
			/* the spin below wants this CPU to itself */
			preempt_disable();
			io_crash_interrupt("take_content");
			preempt_enable();
		}
	}
	return err == -ENOENT ? 0 : err;
}

static void io_handle_event(struct bh_extension *ext, const struct bh_event *ev)
{
	if (READ_ONCE(event_arm) && xchg(&event_arm, false))
		io_crash_interrupt("handle_event");
}

static const struct bh_extension_ops io_ops = {
	.take_content = io_take_content,
	.handle_event = io_handle_event,
};

static struct bh_extension io_ext = {
	.name = "bh_irqoops",
	.schema = &io_schema,
	.ops = &io_ops,
	.owner = THIS_MODULE,
};

static int __init io_init(void)
{
	return bh_register_extension(&io_ext);
}

static void __exit io_exit(void)
{
	bh_unregister_extension(&io_ext);
	irq_work_sync(&io_work);
}

module_init(io_init);
module_exit(io_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead test extension: an interrupt handler crashes inside its callbacks");
BH_IMPORT_NS();
