// SPDX-License-Identifier: GPL-2.0
/*
 * execwatch.c - bh_execwatch, the sample Bulkhead extension: it watches
 * exec events against path rules from its content and counts (and, if a
 * rule says so, logs at a limited rate) every match.
 *
 * Content: template "path-rule" (id 1) with three fields:
 *	id	u32	1..1000000	rule id, for logs and stats
 *	path	string	1..4095		an exact path, or a prefix ending in '*'
 *	action	u32	0..1		0: count, 1: count and log
 *
 * The rules are read only through the shim's checked accessors and copied
 * into a private table that the event path reads under RCU; new content
 * replaces the whole table at once.  Content of up to 64 MiB holds
 * hundreds of thousands of rules: the table's pointer array comes from
 * kvcalloc() (too large for kmalloc), and building or freeing it yields
 * the CPU now and then.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "bulkhead.h"

#define EW_T_PATH_RULE	1

static const struct bh_field_spec ew_path_rule[] = {
	BH_FIELD_U32("id", 1, 1000000),
	BH_FIELD_STRING("path", 1, 4095),
	BH_FIELD_U32("action", 0, 1),
};

static const struct bh_template_spec ew_templates[] = {
	{ .id = EW_T_PATH_RULE, .name = "path-rule",
	  .nr_fields = ARRAY_SIZE(ew_path_rule), .fields = ew_path_rule },
};

static const struct bh_schema ew_schema = {
	.extension = "bh_execwatch",
	.name = "execwatch",
	.version = 1,
	.nr_templates = ARRAY_SIZE(ew_templates),
	.templates = ew_templates,
};

struct ew_rule {
	u32 id;
	u32 action;
	bool prefix;		/* path ended in '*', which is not stored */
	u16 len;
	atomic64_t hits;
	char path[];
};

struct ew_rules {
	u64 version;
	u32 nr;
	struct ew_rule **rule;	/* kvcalloc'd, one per path-rule record */
};

/* replaced only from take/drop_content, which the shim serialises */
static struct ew_rules __rcu *ew_active;
static atomic64_t ew_matches;

static void ew_rules_free(struct ew_rules *rules)
{
	u32 i;

	if (!rules)
		return;
	for (i = 0; i < rules->nr; i++) {
		kfree(rules->rule[i]);
		if (!(i & 1023))
			cond_resched();
	}
	kvfree(rules->rule);
	kfree(rules);
}

static void ew_rules_replace(struct ew_rules *rules)
{
	struct ew_rules *old = rcu_replace_pointer(ew_active, rules, true);

	/* no event is still looking at the old table after this */
	synchronize_rcu();
	ew_rules_free(old);
}

static int ew_rule_from_record(const struct bh_record *rec, struct ew_rule **ret)
{
	struct ew_rule *r;
	const char *path;
	u32 id, action;
	u16 len;
	int err;

	err = bh_field_u32(rec, 0, &id);
	if (!err)
		err = bh_field_string(rec, 1, &path, &len);
	if (!err)
		err = bh_field_u32(rec, 2, &action);
	if (err)
		return err;
	/*
	 * The schema bounds the string; only the extension knows that a
	 * path an exec can never have (a relative one) makes the rule
	 * table wrong.  Refused, the content never becomes active.
	 */
	if (path[0] != '/') {
		pr_warn("rule %u: path is not absolute: content refused\n", id);
		return -EINVAL;
	}
	r = kzalloc(struct_size(r, path, len + 1), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->id = id;
	r->action = action;
	r->prefix = path[len - 1] == '*';
	r->len = r->prefix ? len - 1 : len;
	memcpy(r->path, path, r->len);
	*ret = r;
	return 0;
}

static int ew_take_content(struct bh_extension *ext, const struct bh_content *c)
{
	struct ew_rules *rules;
	struct bh_record rec;
	int err;

	rules = kzalloc(sizeof(*rules), GFP_KERNEL);
	if (!rules)
		return -ENOMEM;
	rules->rule = kvcalloc(c->record_count, sizeof(*rules->rule), GFP_KERNEL);
	if (!rules->rule) {
		err = -ENOMEM;
		goto err_free;
	}
	rules->version = c->content_version;
	for (err = bh_record_first(c, &rec); !err; err = bh_record_next(&rec, &rec)) {
		if (rec.template_id != EW_T_PATH_RULE)
			continue;
		err = ew_rule_from_record(&rec, &rules->rule[rules->nr]);
		if (err)
			goto err_free;
		rules->nr++;
		if (!(rules->nr & 1023))
			cond_resched();
	}
	if (err != -ENOENT)
		goto err_free;
	ew_rules_replace(rules);
	pr_info("content version %llu: %u path rules\n", rules->version, rules->nr);
	return 0;

err_free:
	ew_rules_free(rules);
	return err;
}

static void ew_drop_content(struct bh_extension *ext)
{
	ew_rules_replace(NULL);
}

static bool ew_match(const struct ew_rule *r, const char *path, size_t len)
{
	if (r->prefix)
		return len >= r->len && !memcmp(path, r->path, r->len);
	return len == r->len && !memcmp(path, r->path, len);
}

static void ew_handle_event(struct bh_extension *ext, const struct bh_event *ev)
{
	const struct ew_rules *rules;
	size_t len;
	u32 i;

	if (ev->type != BH_EV_EXEC)
		return;
	len = strlen(ev->exec.filename);
	rcu_read_lock();
	rules = rcu_dereference(ew_active);
	for (i = 0; rules && i < rules->nr; i++) {
		struct ew_rule *r = rules->rule[i];

		if (!ew_match(r, ev->exec.filename, len))
			continue;
		atomic64_inc(&r->hits);
		atomic64_inc(&ew_matches);
		if (r->action)
			pr_info_ratelimited("rule %u matched exec of %s (pid %d)\n",
					    r->id, ev->exec.filename, ev->exec.pid);
	}
	rcu_read_unlock();
}

static int ew_show_stats(struct bh_extension *ext, char *buf, size_t size)
{
	const struct ew_rules *rules;
	int n;
	u32 i;

	rcu_read_lock();
	rules = rcu_dereference(ew_active);
	n = scnprintf(buf, size, "content %llu\nrules %u\nmatches %lld\n",
		      rules ? rules->version : 0, rules ? rules->nr : 0,
		      (long long)atomic64_read(&ew_matches));
	for (i = 0; rules && i < rules->nr; i++)
		n += scnprintf(buf + n, size - n, "rule %u hits %lld\n",
			       rules->rule[i]->id,
			       (long long)atomic64_read(&rules->rule[i]->hits));
	rcu_read_unlock();
	return n;
}

static const struct bh_extension_ops ew_ops = {
	.take_content = ew_take_content,
	.drop_content = ew_drop_content,
	.handle_event = ew_handle_event,
	.show_stats = ew_show_stats,
};

static struct bh_extension ew_ext = {
	.name = "bh_execwatch",
	.schema = &ew_schema,
	.ops = &ew_ops,
	.owner = THIS_MODULE,
};

static int __init ew_init(void)
{
	return bh_register_extension(&ew_ext);
}

static void __exit ew_exit(void)
{
	bh_unregister_extension(&ew_ext);
	ew_rules_free(rcu_dereference_protected(ew_active, 1));
}

module_init(ew_init);
module_exit(ew_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead sample extension: exec events against path rules");
BH_IMPORT_NS();
