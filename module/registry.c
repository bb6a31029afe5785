// SPDX-License-Identifier: GPL-2.0
/*
 * registry.c - which extensions exist, which may run, and the module
 * notifier that keeps a refused extension's code from ever running.
 *
 * The list of registered extensions is read-mostly: the event path walks
 * it under RCU, writers (register, unregister) hold bh_registry_lock.
 * An extension refused by name or by safe mode is stopped twice: its
 * bh_register_extension() fails, and before that the module notifier
 * vetoes the load at MODULE_STATE_COMING, so a disabled extension's init
 * never runs even if it would crash before registering.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/rculist.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

LIST_HEAD(bh_extensions);
DEFINE_MUTEX(bh_registry_lock);

/* the disable list, names normalised ('-' as '_'); bh_registry_lock */
static char bh_disabled[BH_DISABLE_MAX][BH_NAME_LEN + 1];
static unsigned int bh_nr_disabled;

static void bh_normalize(char *dst, const char *src, size_t size)
{
	size_t i;

	for (i = 0; i + 1 < size && src[i]; i++)
		dst[i] = src[i] == '-' ? '_' : src[i];
	dst[i] = '\0';
}

/* Caller holds bh_registry_lock. */
bool bh_name_disabled(const char *name)
{
	char norm[BH_NAME_LEN + 1];
	unsigned int i;

	lockdep_assert_held(&bh_registry_lock);
	if (strlen(name) > BH_NAME_MAX)
		return false;
	bh_normalize(norm, name, sizeof(norm));
	for (i = 0; i < bh_nr_disabled; i++)
		if (!strcmp(bh_disabled[i], norm))
			return true;
	return false;
}

/**
 * bh_disable_list_set() - replace the disable list
 * @list: comma-separated names, or NULL/empty for none
 * @skip_bad: skip a name longer than BH_NAME_MAX or past the BH_DISABLE_MAX-th
 *	with a warning and keep the others (the module parameter: a bad name
 *	on the command line must not keep the shim from loading, nor the
 *	valid names from being vetoed); false: refuse the whole list (a
 *	write to securityfs, whose writer gets the error)
 *
 * Context: process context; takes bh_registry_lock.
 * Return: 0, or -EINVAL for too many or too long names when !@skip_bad
 * (nothing changed).
 */
int bh_disable_list_set(const char *list, bool skip_bad)
{
	char names[BH_DISABLE_MAX][BH_NAME_LEN + 1];
	unsigned int n = 0, skipped = 0;
	const char *p = list ? list : "";

	while (*p) {
		size_t len = strcspn(p, ",\n");

		if (len && (n == BH_DISABLE_MAX || len > BH_NAME_MAX)) {
			if (!skip_bad)
				return -EINVAL;
			if (!skipped++)
				pr_warn("disable: '%.*s%s' skipped: %s (at most %d names of up to %d characters); the other names are vetoed\n",
					(int)min_t(size_t, len, BH_NAME_MAX), p,
					len > BH_NAME_MAX ? "..." : "",
					len > BH_NAME_MAX ? "too long" : "too many names",
					BH_DISABLE_MAX, BH_NAME_MAX);
		} else if (len) {
			memcpy(names[n], p, len);
			names[n][len] = '\0';
			bh_normalize(names[n], names[n], sizeof(names[n]));
			n++;
		}
		p += len;
		if (*p)
			p++;
	}
	if (skipped > 1)
		pr_warn("disable: %u names skipped in all\n", skipped);
	mutex_lock(&bh_registry_lock);
	memcpy(bh_disabled, names, sizeof(names[0]) * n);
	bh_nr_disabled = n;
	mutex_unlock(&bh_registry_lock);
	return 0;
}

/**
 * bh_disable_list_show() - the disable list as "a,b\n"
 * @buf: output
 * @size: its size
 *
 * Return: the length written.
 */
int bh_disable_list_show(char *buf, size_t size)
{
	unsigned int i;
	int n = 0;

	mutex_lock(&bh_registry_lock);
	for (i = 0; i < bh_nr_disabled; i++)
		n += scnprintf(buf + n, size - n, "%s%s", i ? "," : "", bh_disabled[i]);
	n += scnprintf(buf + n, size - n, "\n");
	mutex_unlock(&bh_registry_lock);
	return n;
}

static void bh_ext_free(struct rcu_head *rcu)
{
	struct bh_ext_state *st = container_of(rcu, struct bh_ext_state, rcu);

	kvfree(st->content);
	kfree(st->schema_text);
	free_percpu(st->events);
	kfree(st);
}

/* the events counter, summed over the CPUs */
u64 bh_ext_events(struct bh_ext_state *st)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(st->events, cpu);
	return sum;
}

static void bh_ext_release(struct kref *ref)
{
	struct bh_ext_state *st = container_of(ref, struct bh_ext_state, ref);

	/* the event path and the fault notifiers may still be looking at it */
	call_rcu(&st->rcu, bh_ext_free);
}

void bh_ext_put(struct bh_ext_state *st)
{
	kref_put(&st->ref, bh_ext_release);
}

/**
 * bh_ext_get_by_inode() - the extension behind a securityfs file
 * @inode: the file's inode
 *
 * Return: a counted reference (drop with bh_ext_put()), or NULL if the
 * extension has unregistered since the file was looked up.
 */
struct bh_ext_state *bh_ext_get_by_inode(struct inode *inode)
{
	struct bh_ext_state *st;

	mutex_lock(&bh_registry_lock);
	st = inode->i_private;
	if (st)
		kref_get(&st->ref);
	mutex_unlock(&bh_registry_lock);
	return st;
}

/**
 * bh_user_errno() - what an extension's error may look like to userspace
 * @err: a callback's return value, non-zero
 *
 * Return: @err if it is an errno userspace knows; -EIO for a positive
 * value and for the kernel-internal codes (-ERESTARTSYS and up), which
 * must never leave the kernel.
 */
int bh_user_errno(int err)
{
	return err > 0 || err <= -ERESTARTSYS ? -EIO : err;
}

/**
 * bh_ext_lock() - take @st->content_lock, unless waiting cannot help
 * @st: the extension
 * @need_enabled: give up as soon as the extension is not enabled (a
 *	content writer waiting behind a handover the kill switch stopped)
 *
 * Return: 0 with the lock held; -ESHUTDOWN when an oops inside a callback
 * left the lock owned by a dead task (which nothing may wait for), or
 * when @need_enabled and the extension was disabled or faulted; -EINTR
 * on a signal.
 */
int bh_ext_lock(struct bh_ext_state *st, bool need_enabled)
{
	while (!mutex_trylock(&st->content_lock)) {
		if (READ_ONCE(st->lock_dead) ||
		    (need_enabled && READ_ONCE(st->status) != BH_ST_ENABLED))
			return -ESHUTDOWN;
		/* a live callback may take long: poll, don't spin */
		schedule_timeout_interruptible(HZ / 50);
		if (signal_pending(current))
			return -EINTR;
	}
	return 0;
}

/*
 * Tell the fault notifiers that this task is inside @op of @st (caller
 * holds @st->content_lock), and that it no longer is.
 */
static void bh_cb_mark(struct bh_ext_state *st, enum bh_op op, u64 version)
{
	st->cb_op = op;
	st->cb_version = version;
	/* the notifiers must see the op (and cb_pinned) before the task */
	smp_wmb();
	WRITE_ONCE(st->cb_task, current);
}

static void bh_cb_clear(struct bh_ext_state *st)
{
	WRITE_ONCE(st->cb_task, NULL);
	st->cb_op = BH_OP_NONE;
}

/**
 * bh_cb_enter() - announce a process-context call into the extension
 * @st: the extension; caller holds @st->content_lock
 * @op: which callback
 * @version: the content version it concerns, for the fault line
 *
 * Pins the extension's module for the duration of the call, so that
 * rmmod of a module stuck in its callback fails with EBUSY instead of
 * waiting for it forever, and a module on its way out is not entered.
 *
 * Return: 0, or -ENODEV when the module is going away.
 */
int bh_cb_enter(struct bh_ext_state *st, enum bh_op op, u64 version)
{
	if (!try_module_get(st->owner))
		return -ENODEV;
	st->cb_pinned = true;
	bh_cb_mark(st, op, version);
	return 0;
}

/**
 * bh_cb_exit() - the call bh_cb_enter() announced returned
 * @st: the extension; caller holds @st->content_lock
 */
void bh_cb_exit(struct bh_ext_state *st)
{
	bh_cb_clear(st);
	st->cb_pinned = false;
	module_put(st->owner);
}

/*
 * Call drop_content.  Caller holds @st->content_lock and has made sure no
 * event can reach the extension.  @pin: take a module reference for the
 * call (not from the module's own exit, when it cannot be had).
 */
static void bh_ext_drop(struct bh_ext_state *st, bool pin)
{
	if (!st->ext_has_content || !st->ext)
		return;
	st->ext_has_content = false;
	if (!st->ext->ops->drop_content)
		return;
	if (!pin)
		bh_cb_mark(st, BH_OP_DROP_CONTENT, st->content_version);
	else if (bh_cb_enter(st, BH_OP_DROP_CONTENT, st->content_version))
		return;
	st->ext->ops->drop_content(st->ext);
	if (pin)
		bh_cb_exit(st);
	else
		bh_cb_clear(st);
}

/**
 * bh_ext_unlock() - release @st->content_lock
 * @st: the extension
 *
 * An extension the kill switch stopped while this holder was inside it
 * (a take_content that took long) still holds content: hand it back
 * through drop_content first, as the kill switch would have.
 */
void bh_ext_unlock(struct bh_ext_state *st)
{
	if (READ_ONCE(st->status) == BH_ST_DISABLED && !READ_ONCE(st->unregistering))
		bh_ext_drop(st, true);
	mutex_unlock(&st->content_lock);
}

/*
 * The kill switch, off: stop events at once, whoever holds the content
 * lock.  The content is dropped now if no callback runs, else by the
 * callback's caller when it returns (bh_ext_unlock()).
 */
static int bh_ext_disable(struct bh_ext_state *st)
{
	int old = cmpxchg(&st->status, BH_ST_ENABLED, BH_ST_DISABLED);

	if (old == BH_ST_ENABLED) {
		/* every dispatch that saw "enabled" has left */
		synchronize_rcu();
		pr_warn("extension %s: disabled by kill switch\n", st->name);
	}
	if (mutex_trylock(&st->content_lock)) {
		if (!st->ext) {
			mutex_unlock(&st->content_lock);
			return -ENODEV;
		}
		bh_ext_unlock(st);
	}
	return 0;
}

/**
 * bh_ext_set_enabled() - the kill switch
 * @st: the extension
 * @enable: false stops every further call into it; true lets it run again
 *	and hands it its retained content once more
 *
 * A disable takes effect before it returns, even while a callback hangs:
 * no event reaches the extension after it, content writers waiting for
 * the extension fail with ESHUTDOWN, and its content is dropped as soon
 * as no callback runs (at once, when none does).
 *
 * Return: 0, -ENODEV if it unregistered, -EPERM to enable an extension
 * that safe mode or the disable list refuses, -EIO to enable one that
 * faulted, -ESHUTDOWN/-EINTR when an enable cannot get at the
 * extension, or the extension's refusal of its content on re-enable.
 */
int bh_ext_set_enabled(struct bh_ext_state *st, bool enable)
{
	int err;

	if (READ_ONCE(st->unregistering))
		return -ENODEV;
	if (!enable)
		return bh_ext_disable(st);

	err = bh_ext_lock(st, false);
	if (err)
		return err;
	if (!st->ext) {
		err = -ENODEV;
		goto out_unlock;
	}
	if (READ_ONCE(st->status) == BH_ST_ENABLED)
		goto out_unlock;
	if (READ_ONCE(st->status) == BH_ST_FAULTED) {
		/* its state may be corrupt: only a fresh load brings it back */
		pr_warn("extension %s: enable refused: it faulted; reload its module\n",
			st->name);
		err = -EIO;
		goto out_unlock;
	}
	mutex_lock(&bh_registry_lock);
	if (bh_safe_mode || bh_name_disabled(st->name) ||
	    (st->owner && bh_name_disabled(st->owner->name)))
		err = -EPERM;
	mutex_unlock(&bh_registry_lock);
	if (err) {
		pr_warn("extension %s: enable refused: %s\n", st->name,
			bh_safe_mode ? "safe mode" : "on the disable list");
		goto out_unlock;
	}
	/* a fault may have raced in: never turn "faulted" back */
	if (cmpxchg(&st->status, BH_ST_DISABLED, BH_ST_ENABLED) != BH_ST_DISABLED) {
		err = -EIO;
		goto out_unlock;
	}
	pr_warn("extension %s: enabled by kill switch\n", st->name);
	mutex_unlock(&st->content_lock);
	/* hand the retained content over again, as a fresh intake would */
	return bh_content_commit(st, NULL, 0);

out_unlock:
	mutex_unlock(&st->content_lock);
	return err;
}

/**
 * bh_register_extension() - make an extension known to the shim
 * @ext: the extension; must stay valid until bh_unregister_extension()
 *
 * Checks the schema, refuses an extension that safe mode or the disable
 * list names, and creates its securityfs directory.  Events reach the
 * extension from the moment this returns; content only once it is
 * written to its intake.
 *
 * Return: 0; -EPERM when refused by safe mode or the disable list (the
 * extension's init should fail with it); -EINVAL for a bad extension or
 * schema; -EEXIST for a duplicate name; -ENOMEM.
 */
int bh_register_extension(struct bh_extension *ext)
{
	struct bh_ext_state *st, *it;
	struct bh_error e;
	const char *why = NULL;
	int err;

	if (!ext || !ext->name || !bh_name_valid(ext->name) || !ext->ops ||
	    !ext->ops->take_content || !ext->schema) {
		pr_err("extension %s: registration refused: missing name, schema or take_content\n",
		       ext && ext->name ? ext->name : "(null)");
		return -EINVAL;
	}
	if (bh_schema_check(ext->schema, &e)) {
		pr_err("extension %s: registration refused: %s\n", ext->name, e.msg);
		return -EINVAL;
	}
	if (strcmp(ext->schema->extension, ext->name)) {
		pr_err("extension %s: registration refused: schema '%s' is for extension '%s'\n",
		       ext->name, ext->schema->name, ext->schema->extension);
		return -EINVAL;
	}

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->schema_len = bh_schema_format(ext->schema, NULL, 0);
	st->schema_text = kmalloc(st->schema_len + 1, GFP_KERNEL);
	st->events = alloc_percpu(u64);
	if (!st->schema_text || !st->events) {
		free_percpu(st->events);
		kfree(st->schema_text);
		kfree(st);
		return -ENOMEM;
	}
	bh_schema_format(ext->schema, st->schema_text, st->schema_len + 1);
	kref_init(&st->ref);
	mutex_init(&st->content_lock);
	spin_lock_init(&st->info_lock);
	strscpy(st->name, ext->name, sizeof(st->name));
	st->ext = ext;
	st->owner = ext->owner;
	st->status = BH_ST_ENABLED;

	mutex_lock(&bh_registry_lock);
	if (bh_safe_mode)
		why = "safe mode";
	else if (bh_name_disabled(ext->name) ||
		 (ext->owner && bh_name_disabled(ext->owner->name)))
		why = "on the disable list";
	if (why) {
		err = -EPERM;
		pr_warn("extension %s: registration refused: %s\n", ext->name, why);
		goto err_unlock;
	}
	list_for_each_entry(it, &bh_extensions, node) {
		if (!READ_ONCE(it->unregistering) && !strcmp(it->name, ext->name)) {
			err = -EEXIST;
			pr_err("extension %s: registration refused: already registered\n",
			       ext->name);
			goto err_unlock;
		}
	}
	err = bh_fs_add_extension(st);
	if (err) {
		pr_err("extension %s: registration failed: securityfs: %d\n",
		       ext->name, err);
		goto err_unlock;
	}
	ext->state = st;
	list_add_tail_rcu(&st->node, &bh_extensions);
	mutex_unlock(&bh_registry_lock);
	pr_info("extension %s: registered, schema %s version %u\n", ext->name,
		ext->schema->name, ext->schema->version);
	return 0;

err_unlock:
	mutex_unlock(&bh_registry_lock);
	free_percpu(st->events);
	kfree(st->schema_text);
	kfree(st);
	return err;
}
BH_EXPORT(bh_register_extension);

/*
 * Take @st out of service (the caller holds bh_registry_lock and a
 * reference), wait until no CPU is inside it and no callback runs, and
 * detach it; @call_drop: hand its content back through drop_content.
 * It stays on bh_extensions until then, so that the fault notifiers can
 * still name it if that last drop_content (or a take_content still in
 * progress) crashes.
 */
static void bh_ext_remove(struct bh_ext_state *st, struct bh_extension *ext, bool call_drop)
{
	WRITE_ONCE(st->unregistering, true);
	bh_fs_remove_extension(st);
	mutex_unlock(&bh_registry_lock);
	/* events: no CPU is inside the extension after this */
	synchronize_rcu();

	/*
	 * Wait for a callback in progress.  If one oopsed, its task died
	 * holding the lock and will never touch the content again: detach
	 * without the lock (uninterruptibly: module exit must finish).
	 */
	while (!mutex_trylock(&st->content_lock)) {
		if (READ_ONCE(st->lock_dead))
			break;
		schedule_timeout_uninterruptible(HZ / 50);
	}
	if (call_drop && READ_ONCE(st->status) == BH_ST_ENABLED && !READ_ONCE(st->lock_dead))
		bh_ext_drop(st, false);
	WRITE_ONCE(st->ext, NULL);
	kvfree(st->content);
	st->content = NULL;
	st->content_len = 0;
	st->ext_has_content = false;
	if (!READ_ONCE(st->lock_dead))
		mutex_unlock(&st->content_lock);
	ext->state = NULL;

	mutex_lock(&bh_registry_lock);
	list_del_rcu(&st->node);
	mutex_unlock(&bh_registry_lock);
}

/**
 * bh_unregister_extension() - remove an extension
 * @ext: a registered extension (or one whose registration failed)
 *
 * Waits until no CPU is inside the extension and no content handover is
 * in progress, then calls its drop_content.  Call it from module exit;
 * once it returns the shim never calls the extension again.  A module
 * that goes away without calling it (its init failed after registering,
 * or its exit forgot) is unregistered by the shim when the module goes
 * (MODULE_STATE_GOING), without drop_content.
 *
 * Context: process context, may sleep.
 */
void bh_unregister_extension(struct bh_extension *ext)
{
	struct bh_ext_state *st;

	if (!ext)
		return;
	mutex_lock(&bh_registry_lock);
	st = ext->state;
	if (!st) {
		mutex_unlock(&bh_registry_lock);
		return;
	}
	bh_ext_remove(st, ext, true);
	pr_info("extension %s: unregistered\n", st->name);
	bh_ext_put(st);
}
BH_EXPORT(bh_unregister_extension);

/*
 * @mod goes away (its init failed, or its exit ran) with extensions still
 * registered: take them out before its memory is freed, and call nothing
 * of it (its init or exit has torn down what drop_content would use).
 * After this no CPU is inside it and none will enter it.
 */
static void bh_reap_module(struct module *mod)
{
	struct bh_ext_state *st, *found;

	for (;;) {
		found = NULL;
		mutex_lock(&bh_registry_lock);
		list_for_each_entry(st, &bh_extensions, node) {
			if (st->owner == mod && st->ext && !READ_ONCE(st->unregistering)) {
				found = st;
				break;
			}
		}
		if (!found) {
			mutex_unlock(&bh_registry_lock);
			return;
		}
		kref_get(&found->ref);
		pr_warn("extension %s: module %s is going away still registered: unregistered by the shim, drop_content not called\n",
			found->name, mod->name);
		bh_ext_remove(found, found->ext, false);
		bh_ext_put(found);	/* the registration's */
		bh_ext_put(found);	/* ours */
	}
}

/* does @mod link against this module, i.e. is it an extension? */
static bool bh_module_uses_shim(struct module *mod)
{
#ifdef CONFIG_MODULE_UNLOAD
	struct module_use *use;

	/* symbols are resolved before COMING; the list no longer changes */
	list_for_each_entry(use, &mod->target_list, target_list)
		if (use->target == THIS_MODULE)
			return true;
#endif
	return false;
}

static int bh_module_notify(struct notifier_block *nb, unsigned long action,
			    void *data)
{
	struct module *mod = data;
	const char *why = NULL;

	if (mod == THIS_MODULE)
		return NOTIFY_DONE;
	if (action == MODULE_STATE_GOING) {
		bh_reap_module(mod);
		return NOTIFY_DONE;
	}
	if (action != MODULE_STATE_COMING)
		return NOTIFY_DONE;
	mutex_lock(&bh_registry_lock);
	if (bh_name_disabled(mod->name))
		why = "on the disable list";
	else if (bh_safe_mode && bh_module_uses_shim(mod))
		why = "safe mode";
	mutex_unlock(&bh_registry_lock);
	if (!why)
		return NOTIFY_DONE;
	pr_warn("module %s: load refused: %s\n", mod->name, why);
	return notifier_from_errno(-EPERM);
}

static struct notifier_block bh_module_nb = {
	.notifier_call = bh_module_notify,
	/* before anything else learns of the module */
	.priority = INT_MAX,
};

int bh_registry_init(void)
{
	return register_module_notifier(&bh_module_nb);
}

void bh_registry_exit(void)
{
	unregister_module_notifier(&bh_module_nb);
	/* every state freed through call_rcu is gone before our text is */
	rcu_barrier();
}
