// SPDX-License-Identifier: GPL-2.0
/*
 * acme_execcount.c - a vendor's Bulkhead extension, packaged the way a
 * vendor would package it (its own Kbuild, dkms.conf and Debian package,
 * built by DKMS against the bulkhead.ko installed for each kernel).
 *
 * It counts the executions of programs by their base name: its content
 * is a list of "program" records (template 1), each
 *	id	u32	1..65535	for the stats
 *	name	string	1..63		a base name, e.g. "curl"
 * and every exec event whose file name ends in "/NAME" (or is NAME)
 * counts against that entry.  acme_execcount.schema is the same schema
 * as text, for `bulkheadctl content stage` while the module is not loaded.
 *
 * The content reaches it only through the shim, validated against the
 * schema below, and it reads fields only with the checked accessors.  The
 * table its events read is published with RCU: events run on several
 * CPUs at once, also while new content is being taken.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <bulkhead.h>

#define AX_T_PROGRAM	1
#define AX_NAME_MAX	63
#define AX_MAX_PROGRAMS	1024

static const struct bh_field_spec ax_program_fields[] = {
	BH_FIELD_U32("id", 1, 65535),
	BH_FIELD_STRING("name", 1, AX_NAME_MAX),
};

static const struct bh_template_spec ax_templates[] = {
	{ .id = AX_T_PROGRAM, .name = "program",
	  .nr_fields = ARRAY_SIZE(ax_program_fields), .fields = ax_program_fields },
};

static const struct bh_schema ax_schema = {
	.extension = "acme_execcount",
	.name = "acme-programs",
	.version = 1,
	.nr_templates = ARRAY_SIZE(ax_templates),
	.templates = ax_templates,
};

struct ax_program {
	u32 id;
	u16 len;
	char name[AX_NAME_MAX + 1];
	atomic64_t hits;
};

struct ax_table {
	u64 version;
	u32 nr;
	struct rcu_head rcu;
	struct ax_program prog[];
};

/* replaced only in take/drop_content, which the shim serialises */
static struct ax_table __rcu *ax_active;

static void ax_publish(struct ax_table *t)
{
	struct ax_table *old = rcu_replace_pointer(ax_active, t, true);

	if (old)
		kfree_rcu(old, rcu);
}

static int ax_take_content(struct bh_extension *ext, const struct bh_content *c)
{
	struct ax_table *t;
	struct bh_record rec;
	u32 nr = 0;
	int err;

	/* what only the extension knows: it keeps at most AX_MAX_PROGRAMS */
	if (c->record_count > AX_MAX_PROGRAMS) {
		pr_warn("content version %llu: %u records, at most %u: refused\n",
			c->content_version, c->record_count, AX_MAX_PROGRAMS);
		return -E2BIG;
	}
	t = kzalloc(struct_size(t, prog, c->record_count), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->version = c->content_version;
	for (err = bh_record_first(c, &rec); !err; err = bh_record_next(&rec, &rec)) {
		struct ax_program *p = &t->prog[nr];
		const char *name;
		u16 len;

		if (rec.template_id != AX_T_PROGRAM)
			continue;
		err = bh_field_u32(&rec, 0, &p->id);
		if (!err)
			err = bh_field_string(&rec, 1, &name, &len);
		if (err)
			goto err_free;
		/* a base name has no slash: such an entry could never match */
		if (memchr(name, '/', len)) {
			pr_warn("program %u: name holds a '/': content refused\n", p->id);
			err = -EINVAL;
			goto err_free;
		}
		memcpy(p->name, name, len);
		p->len = len;
		nr++;
	}
	if (err != -ENOENT)
		goto err_free;
	t->nr = nr;
	ax_publish(t);
	pr_info("content version %llu: %u programs\n", t->version, nr);
	return 0;

err_free:
	kfree(t);
	return err;
}

static void ax_drop_content(struct bh_extension *ext)
{
	ax_publish(NULL);
}

static void ax_handle_event(struct bh_extension *ext, const struct bh_event *ev)
{
	struct ax_table *t;
	const char *base, *slash;
	size_t len;
	u32 i;

	if (ev->type != BH_EV_EXEC)
		return;
	slash = strrchr(ev->exec.filename, '/');
	base = slash ? slash + 1 : ev->exec.filename;
	len = strlen(base);
	rcu_read_lock();
	t = rcu_dereference(ax_active);
	for (i = 0; t && i < t->nr; i++) {
		struct ax_program *p = &t->prog[i];

		if (p->len == len && !memcmp(p->name, base, len))
			atomic64_inc(&p->hits);
	}
	rcu_read_unlock();
}

static int ax_show_stats(struct bh_extension *ext, char *buf, size_t size)
{
	const struct ax_table *t;
	int n;
	u32 i;

	rcu_read_lock();
	t = rcu_dereference(ax_active);
	n = scnprintf(buf, size, "content %llu\nprograms %u\n",
		      t ? t->version : 0, t ? t->nr : 0);
	for (i = 0; t && i < t->nr; i++)
		n += scnprintf(buf + n, size - n, "program %u %s %lld\n",
			       t->prog[i].id, t->prog[i].name,
			       (long long)atomic64_read(&t->prog[i].hits));
	rcu_read_unlock();
	return n;
}

static const struct bh_extension_ops ax_ops = {
	.take_content = ax_take_content,
	.drop_content = ax_drop_content,
	.handle_event = ax_handle_event,
	.show_stats = ax_show_stats,
};

static struct bh_extension ax_ext = {
	.name = "acme_execcount",
	.schema = &ax_schema,
	.ops = &ax_ops,
	.owner = THIS_MODULE,
};

static int __init ax_init(void)
{
	return bh_register_extension(&ax_ext);
}

static void __exit ax_exit(void)
{
	/* drops the content (ax_drop_content) while it holds any */
	bh_unregister_extension(&ax_ext);
}

module_init(ax_init);
module_exit(ax_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ACME sample Bulkhead extension: counts executions by program name");
MODULE_VERSION("1.0.0");
BH_IMPORT_NS();
