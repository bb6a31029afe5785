// SPDX-License-Identifier: GPL-2.0
/*
 * bh_takehang.c - bh_takehang, a test extension that hangs in
 * take_content on demand.
 *
 * A hang leaves no oops and no pstore record: the machine is reset by a
 * watchdog, or not at all.  The VM tests push a rule whose path is "HANG"
 * and check what can still be attributed after the reset: the line below
 * on the console, the loader's journal (a begin without an end), what
 * changed last.  The sleep is uninterruptible on purpose: no signal may
 * end the hang, as none would end a real deadlock.
 *
 * "FREEZE" stands for a hang that takes the whole machine with it (a
 * deadlock with interrupts off): stop_machine() with a function that never
 * returns, so every CPU spins with interrupts disabled, nothing in user
 * space runs again and only a hardware watchdog (tests/endpoint: the
 * i6300esb) resets the machine.  No lockup detector fires: their timers
 * are interrupts too.
 *
 * Content: template "rule" (id 1) with two fields:
 *	id	u32	1..1000000
 *	path	string	1..255		"HANG" makes take_content never return,
 *					"FREEZE" freezes every CPU
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/sched.h>
#include <linux/stop_machine.h>
#include <linux/string.h>

#include "bulkhead.h"

#define TH_T_RULE	1

static const struct bh_field_spec th_rule[] = {
	BH_FIELD_U32("id", 1, 1000000),
	BH_FIELD_STRING("path", 1, 255),
};

static const struct bh_template_spec th_templates[] = {
	{ .id = TH_T_RULE, .name = "rule",
	  .nr_fields = ARRAY_SIZE(th_rule), .fields = th_rule },
};

static const struct bh_schema th_schema = {
	.extension = "bh_takehang",
	.name = "takehang",
	.version = 1,
	.nr_templates = ARRAY_SIZE(th_templates),
	.templates = th_templates,
};

static void __noreturn th_hang(void)
{
	pr_info("hanging in take_content\n");
	for (;;)
		schedule_timeout_uninterruptible(HZ);
}

static int th_spin(void *unused)
{
	for (;;)
		cpu_relax();
	return 0;
}

static void th_freeze(void)
{
	pr_emerg("freezing every CPU in take_content\n");
	stop_machine(th_spin, NULL, NULL);
}

static int th_take_content(struct bh_extension *ext, const struct bh_content *c)
{
	struct bh_record rec;
	const char *path;
	u16 len;
	int err;

	for (err = bh_record_first(c, &rec); !err; err = bh_record_next(&rec, &rec)) {
		if (rec.template_id != TH_T_RULE)
			continue;
		err = bh_field_string(&rec, 1, &path, &len);
		if (err)
			return err;
		if (len == 4 && !memcmp(path, "HANG", 4))
			th_hang();
		if (len == 6 && !memcmp(path, "FREEZE", 6))
			th_freeze();
	}
	return err == -ENOENT ? 0 : err;
}

static const struct bh_extension_ops th_ops = {
	.take_content = th_take_content,
};

static struct bh_extension th_ext = {
	.name = "bh_takehang",
	.schema = &th_schema,
	.ops = &th_ops,
	.owner = THIS_MODULE,
};

static int __init th_init(void)
{
	return bh_register_extension(&th_ext);
}

static void __exit th_exit(void)
{
	bh_unregister_extension(&th_ext);
}

module_init(th_init);
module_exit(th_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead test extension: hangs in take_content on rule path HANG, freezes the machine on FREEZE");
BH_IMPORT_NS();
