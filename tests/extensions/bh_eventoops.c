// SPDX-License-Identifier: GPL-2.0
/*
 * bh_eventoops.c - bh_eventoops, a test extension that oopses in
 * handle_event on demand.
 *
 * It stands for a sensor that takes its content fine and crashes later,
 * on an event, in atomic context: possibly minutes after the boot was
 * marked good.  The VM tests push a rule with id 666 and some path, exec
 * that path, and check that the shim's breadcrumb names this extension
 * and op handle_event and that the boot guard counts the crash against
 * it.  Rules with other ids, and execs of other paths, do nothing.
 *
 * Content: template "rule" (id 1) with two fields:
 *	id	u32	1..1000000	666 arms the rule
 *	path	string	1..255		an exact exec path
 *
 * The first EO_MAX_RULES rules are copied into a table that the event
 * path reads under RCU, as bh_execwatch does; new content replaces the
 * whole table at once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "bulkhead.h"

#define EO_T_RULE	1
#define EO_MAX_RULES	16
#define EO_ARMED_ID	666

static const struct bh_field_spec eo_rule[] = {
	BH_FIELD_U32("id", 1, 1000000),
	BH_FIELD_STRING("path", 1, 255),
};

static const struct bh_template_spec eo_templates[] = {
	{ .id = EO_T_RULE, .name = "rule",
	  .nr_fields = ARRAY_SIZE(eo_rule), .fields = eo_rule },
};

static const struct bh_schema eo_schema = {
	.extension = "bh_eventoops",
	.name = "eventoops",
	.version = 1,
	.nr_templates = ARRAY_SIZE(eo_templates),
	.templates = eo_templates,
};

struct eo_rules {
	u32 nr;
	u32 id[EO_MAX_RULES];
	char *path[EO_MAX_RULES];	/* kmalloc'd, NUL-terminated */
};

/* replaced only from take/drop_content, which the shim serialises */
static struct eo_rules __rcu *eo_active;

static void eo_rules_free(struct eo_rules *rules)
{
	u32 i;

	if (!rules)
		return;
	for (i = 0; i < rules->nr; i++)
		kfree(rules->path[i]);
	kfree(rules);
}

static void eo_rules_replace(struct eo_rules *rules)
{
	struct eo_rules *old = rcu_replace_pointer(eo_active, rules, true);

	/* no event is still looking at the old table after this */
	synchronize_rcu();
	eo_rules_free(old);
}

static int eo_take_content(struct bh_extension *ext, const struct bh_content *c)
{
	struct eo_rules *rules;
	struct bh_record rec;
	const char *path;
	u16 len;
	u32 id;
	int err;

	rules = kzalloc(sizeof(*rules), GFP_KERNEL);
	if (!rules)
		return -ENOMEM;
	for (err = bh_record_first(c, &rec); !err && rules->nr < EO_MAX_RULES;
	     err = bh_record_next(&rec, &rec)) {
		if (rec.template_id != EO_T_RULE)
			continue;
		err = bh_field_u32(&rec, 0, &id);
		if (!err)
			err = bh_field_string(&rec, 1, &path, &len);
		if (err)
			goto err_free;
		rules->path[rules->nr] = kmemdup_nul(path, len, GFP_KERNEL);
		if (!rules->path[rules->nr]) {
			err = -ENOMEM;
			goto err_free;
		}
		rules->id[rules->nr++] = id;
	}
	/* stopping at EO_MAX_RULES leaves err 0: the rest is ignored */
	if (err && err != -ENOENT)
		goto err_free;
	eo_rules_replace(rules);
	pr_info("content version %llu: %u rules\n", c->content_version, rules->nr);
	return 0;

err_free:
	eo_rules_free(rules);
	return err;
}

static void eo_drop_content(struct bh_extension *ext)
{
	eo_rules_replace(NULL);
}

static void eo_handle_event(struct bh_extension *ext, const struct bh_event *ev)
{
	const struct eo_rules *rules;
	u32 i;

	if (ev->type != BH_EV_EXEC)
		return;
	rcu_read_lock();
	rules = rcu_dereference(eo_active);
	for (i = 0; rules && i < rules->nr; i++) {
		if (rules->id[i] != EO_ARMED_ID ||
		    strcmp(rules->path[i], ev->exec.filename))
			continue;
		/* the fault under test: a NULL store the compiler must keep */
		*(volatile int *)NULL = 1;
	}
	rcu_read_unlock();
}

static const struct bh_extension_ops eo_ops = {
	.take_content = eo_take_content,
	.drop_content = eo_drop_content,
	.handle_event = eo_handle_event,
};

static struct bh_extension eo_ext = {
	.name = "bh_eventoops",
	.schema = &eo_schema,
	.ops = &eo_ops,
	.owner = THIS_MODULE,
};

static int __init eo_init(void)
{
	return bh_register_extension(&eo_ext);
}

static void __exit eo_exit(void)
{
	bh_unregister_extension(&eo_ext);
	eo_rules_free(rcu_dereference_protected(eo_active, 1));
}

module_init(eo_init);
module_exit(eo_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead test extension: NULL dereference in handle_event on an armed rule");
BH_IMPORT_NS();
