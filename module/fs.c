// SPDX-License-Identifier: GPL-2.0
/*
 * fs.c - the control files under /sys/kernel/security/bulkhead/.
 *
 *   version                 module and content-format version (r)
 *   safe_mode               1 when every extension is refused (r)
 *   disable                 comma-separated refused names (rw)
 *   keys                    enrol a DER X.509 certificate (w, one per
 *                           write); the enrolled keys (r): trust.c
 *   keys_sealed             1 once no more keys get in until reboot (rw)
 *   allow_format1           1: format-1 content despite keys (rw)
 *   floors                  "NAME VERSION": lowest version taken (rw)
 *   require_signature       "NAME 1": unsigned content refused (rw)
 *   extensions/NAME/
 *     content               the intake (w), see intake.c
 *     content_version       the active content's version, 0 for none (r)
 *     state                 enabled | disabled | faulted (r); write
 *                           "enable" or "disable": the kill switch
 *     schema                the extension's schema, canonical text (r)
 *     last_error            why the last content was refused (r)
 *     counters              events, accepted, refused, faults (r)
 *     stats                 the extension's own figures (r)
 *
 * Every write needs CAP_SYS_ADMIN and changes nothing without it.  Files
 * of an extension hold a reference to its state from open to release,
 * and find out at open whether it has unregistered meanwhile.  A read
 * from offset 0 renders the file afresh (stats calls the extension's
 * show_stats then); reads further on continue that same snapshot, so a
 * reader sees one consistent text however small its reads are, and a
 * descriptor held open sees new figures after lseek(0) or pread at 0.
 *
 * Unload: the global files' inodes carry a gate (bh_gate_fops, no owner)
 * rather than the real file operations, so that an open racing with
 * `rmmod bulkhead` fails with ENODEV instead of tripping the VFS's
 * warning about a module that went away, and every name is unhashed on
 * removal, so that a dentry someone still holds never keeps a directory
 * (and with it the next insmod) behind.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"

static struct dentry *bh_root, *bh_ext_dir;

enum bh_file {
	BH_F_CONTENT,
	BH_F_VERSION,
	BH_F_STATE,
	BH_F_SCHEMA,
	BH_F_LAST_ERROR,
	BH_F_COUNTERS,
	BH_F_STATS,
	BH_F__COUNT
};

static const char *const bh_status_names[] = {
	[BH_ST_ENABLED] = "enabled",
	[BH_ST_DISABLED] = "disabled",
	[BH_ST_FAULTED] = "faulted",
};

/* ---- per-extension read-only files ---------------------------------- */

struct bh_snapshot {
	size_t len;
	char text[];
};

static struct bh_snapshot *bh_snapshot_alloc(size_t size)
{
	return kzalloc(sizeof(struct bh_snapshot) + size, GFP_KERNEL_ACCOUNT);
}

/* the extension's own figures, through its show_stats */
static int bh_render_stats(struct bh_ext_state *st, struct bh_snapshot *s, size_t size)
{
	int n, err;

	/* a faulted extension's state is suspect: never call it again */
	if (READ_ONCE(st->status) == BH_ST_FAULTED) {
		s->len = scnprintf(s->text, size,
				   "faulted: the shim calls nothing in this extension\n");
		return 0;
	}
	/* it must not unregister while we are inside it */
	err = bh_ext_lock(st, false);
	if (err)
		return err == -ESHUTDOWN ? -EIO : err;
	if (!st->ext || READ_ONCE(st->unregistering)) {
		err = -ENODEV;
		goto out_unlock;
	}
	if (!st->ext->ops->show_stats || READ_ONCE(st->status) == BH_ST_FAULTED)
		goto out_unlock;
	err = bh_cb_enter(st, BH_OP_SHOW_STATS, st->content_version);
	if (err)
		goto out_unlock;
	n = st->ext->ops->show_stats(st->ext, s->text, size);
	bh_cb_exit(st);
	if (n < 0)
		err = bh_user_errno(n);
	else
		s->len = min_t(size_t, n, size);
out_unlock:
	bh_ext_unlock(st);
	return err;
}

static int bh_ext_render(struct bh_ext_state *st, enum bh_file which,
			 struct bh_snapshot **ret)
{
	struct bh_snapshot *s;
	size_t size = 2048;
	int err = 0;

	if (which == BH_F_SCHEMA)
		size = st->schema_len + 1;
	s = bh_snapshot_alloc(size);
	if (!s)
		return -ENOMEM;
	switch (which) {
	case BH_F_VERSION:
		s->len = scnprintf(s->text, size, "%llu\n",
				   READ_ONCE(st->content_version));
		break;
	case BH_F_STATE:
		s->len = scnprintf(s->text, size, "%s\n",
				   bh_status_names[READ_ONCE(st->status)]);
		break;
	case BH_F_SCHEMA:
		/* formatted at registration: the schema never changes */
		memcpy(s->text, st->schema_text, st->schema_len);
		s->len = st->schema_len;
		break;
	case BH_F_LAST_ERROR:
		spin_lock(&st->info_lock);
		s->len = st->last_error[0] ?
			 scnprintf(s->text, size, "%s\n", st->last_error) : 0;
		spin_unlock(&st->info_lock);
		break;
	case BH_F_COUNTERS:
		s->len = scnprintf(s->text, size,
				   "events %lld\naccepted %lld\nrefused %lld\nfaults %lld\n",
				   (long long)bh_ext_events(st),
				   (long long)atomic64_read(&st->accepted),
				   (long long)atomic64_read(&st->refused),
				   (long long)atomic64_read(&st->faults));
		break;
	case BH_F_STATS:
		err = bh_render_stats(st, s, size);
		break;
	default:
		err = -EINVAL;
		break;
	}
	if (err) {
		kfree(s);
		return err;
	}
	*ret = s;
	return 0;
}

struct bh_open_file {
	struct bh_ext_state *st;
	enum bh_file which;
	struct mutex lock;		/* @snap: readers of one description */
	struct bh_snapshot *snap;
};

struct bh_file_desc {
	const char *name;
	umode_t mode;
	const struct file_operations *fops;
};

static const struct bh_file_desc bh_ext_files[BH_F__COUNT];

static int bh_ext_file_open(struct inode *inode, struct file *file)
{
	const char *fname = file->f_path.dentry->d_name.name;
	struct bh_open_file *of;
	int i;

	of = kzalloc(sizeof(*of), GFP_KERNEL_ACCOUNT);
	if (!of)
		return -ENOMEM;
	of->which = BH_F__COUNT;
	for (i = 0; i < BH_F__COUNT; i++)
		if (!strcmp(fname, bh_ext_files[i].name))
			of->which = i;
	mutex_init(&of->lock);
	of->st = bh_ext_get_by_inode(inode);
	if (!of->st) {
		kfree(of);
		return -ENODEV;
	}
	file->private_data = of;
	return 0;
}

static int bh_disable_render(struct bh_snapshot **ret);

/*
 * A read from offset 0 renders the file afresh; reads further on continue
 * that snapshot.  An extension's file (@of->st) or the disable list.
 */
static ssize_t bh_snapshot_read(struct bh_open_file *of, char __user *buf,
				size_t count, loff_t *ppos)
{
	struct bh_snapshot *s;
	ssize_t ret;

	if (mutex_lock_interruptible(&of->lock))
		return -EINTR;
	if (*ppos == 0 || !of->snap) {
		ret = of->st ? bh_ext_render(of->st, of->which, &s) : bh_disable_render(&s);
		if (ret)
			goto out_unlock;
		kfree(of->snap);
		of->snap = s;
	}
	ret = simple_read_from_buffer(buf, count, ppos, of->snap->text, of->snap->len);
out_unlock:
	mutex_unlock(&of->lock);
	return ret;
}

static ssize_t bh_ext_file_read(struct file *file, char __user *buf,
				size_t count, loff_t *ppos)
{
	return bh_snapshot_read(file->private_data, buf, count, ppos);
}

static int bh_ext_file_release(struct inode *inode, struct file *file)
{
	struct bh_open_file *of = file->private_data;

	kfree(of->snap);
	bh_ext_put(of->st);
	kfree(of);
	return 0;
}

static const struct file_operations bh_ext_ro_fops = {
	.owner = THIS_MODULE,
	.open = bh_ext_file_open,
	.read = bh_ext_file_read,
	.release = bh_ext_file_release,
	.llseek = default_llseek,
};

/* "enable" or "disable", with or without blanks or a newline around it */
static ssize_t bh_state_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct bh_open_file *of = file->private_data;
	char word[16], *w;
	bool enable;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!count || count >= sizeof(word))
		return -EINVAL;
	if (copy_from_user(word, ubuf, count))
		return -EFAULT;
	word[count] = '\0';
	/* blanks around the word, a trailing newline among them */
	w = strim(word);
	if (!strcmp(w, "enable"))
		enable = true;
	else if (!strcmp(w, "disable"))
		enable = false;
	else
		return -EINVAL;
	err = bh_ext_set_enabled(of->st, enable);
	return err ? err : (ssize_t)count;
}

static const struct file_operations bh_state_fops = {
	.owner = THIS_MODULE,
	.open = bh_ext_file_open,
	.read = bh_ext_file_read,
	.write = bh_state_write,
	.release = bh_ext_file_release,
	.llseek = default_llseek,
};

static const struct bh_file_desc bh_ext_files[BH_F__COUNT] = {
	[BH_F_CONTENT] = { "content", 0200, &bh_content_fops },
	[BH_F_VERSION] = { "content_version", 0444, &bh_ext_ro_fops },
	[BH_F_STATE] = { "state", 0644, &bh_state_fops },
	[BH_F_SCHEMA] = { "schema", 0444, &bh_ext_ro_fops },
	[BH_F_LAST_ERROR] = { "last_error", 0444, &bh_ext_ro_fops },
	[BH_F_COUNTERS] = { "counters", 0444, &bh_ext_ro_fops },
	[BH_F_STATS] = { "stats", 0444, &bh_ext_ro_fops },
};

/*
 * Remove a securityfs name for good: unlink it, and unhash its dentry
 * even if someone holds it.  securityfs_remove() alone leaves a held
 * dentry hashed and positive; its directory then counts as not empty,
 * stays behind, and makes the next creation of that name fail with
 * EEXIST.  @wait: also wait until nobody holds it any more (a file whose
 * inode carries the gate, which must not be entered once our text is
 * gone); only for files that cannot be open (an open file pins us).
 */
static void bh_fs_remove(struct dentry *d, bool wait)
{
	unsigned int waited = 0;

	if (!d)
		return;
	dget(d);
	securityfs_remove(d);
	d_drop(d);
	while (wait && d_count(d) > 1) {
		/* a lookup or an open that loses the race: gone in a moment */
		if (++waited == 5 * HZ)
			pr_warn("unload: %pd still in use after 5 s, waiting\n", d);
		schedule_timeout_uninterruptible(1);
	}
	dput(d);
}

/* Caller holds bh_registry_lock. */
int bh_fs_add_extension(struct bh_ext_state *st)
{
	struct dentry *d;
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(st->files) != BH_F__COUNT);
	d = securityfs_create_dir(st->name, bh_ext_dir);
	if (IS_ERR(d))
		return PTR_ERR(d);
	st->dir = d;
	for (i = 0; i < BH_F__COUNT; i++) {
		d = securityfs_create_file(bh_ext_files[i].name, bh_ext_files[i].mode,
					   st->dir, st, bh_ext_files[i].fops);
		if (IS_ERR(d)) {
			st->files[i] = NULL;
			bh_fs_remove_extension(st);
			return PTR_ERR(d);
		}
		st->files[i] = d;
	}
	return 0;
}

/* Caller holds bh_registry_lock. */
void bh_fs_remove_extension(struct bh_ext_state *st)
{
	int i;

	for (i = 0; i < BH_F__COUNT; i++) {
		struct dentry *d = st->files[i];

		if (!d)
			continue;
		/* later opens of a file still looked up find nothing */
		d_inode(d)->i_private = NULL;
		bh_fs_remove(d, false);
		st->files[i] = NULL;
	}
	/* an open file also pins the directory's dentry, as its parent */
	bh_fs_remove(st->dir, false);
	st->dir = NULL;
}

/* ---- global files ----------------------------------------------------- */

static ssize_t bh_version_read(struct file *file, char __user *buf,
			       size_t count, loff_t *ppos)
{
	char text[64];
	int n = scnprintf(text, sizeof(text), "%s format %u\n", BH_VERSION,
			  BH_FORMAT_VERSION);

	return simple_read_from_buffer(buf, count, ppos, text, n);
}

static ssize_t bh_safe_mode_read(struct file *file, char __user *buf,
				 size_t count, loff_t *ppos)
{
	return simple_read_from_buffer(buf, count, ppos, bh_safe_mode ? "1\n" : "0\n", 2);
}

static int bh_disable_render(struct bh_snapshot **ret)
{
	size_t size = BH_DISABLE_MAX * (BH_NAME_LEN + 1) + 2;
	struct bh_snapshot *s = bh_snapshot_alloc(size);

	if (!s)
		return -ENOMEM;
	s->len = bh_disable_list_show(s->text, size);
	*ret = s;
	return 0;
}

/* the disable list changes under its readers: they read one snapshot */
static int bh_disable_open(struct inode *inode, struct file *file)
{
	struct bh_open_file *of = kzalloc(sizeof(*of), GFP_KERNEL_ACCOUNT);

	if (!of)
		return -ENOMEM;
	mutex_init(&of->lock);
	file->private_data = of;
	return 0;
}

static ssize_t bh_disable_read(struct file *file, char __user *buf,
			       size_t count, loff_t *ppos)
{
	return bh_snapshot_read(file->private_data, buf, count, ppos);
}

static int bh_disable_release(struct inode *inode, struct file *file)
{
	struct bh_open_file *of = file->private_data;

	kfree(of->snap);
	kfree(of);
	return 0;
}

/*
 * Replace the disable list (one write, the whole list).  Registered
 * extensions it names are stopped at once through the kill switch; it
 * does not re-enable the ones it no longer names.
 */
static ssize_t bh_disable_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct bh_ext_state *st, *victims[BH_DISABLE_MAX];
	unsigned int nr = 0, i;
	char *text;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (*ppos || count > BH_DISABLE_MAX * (BH_NAME_LEN + 1))
		return -EINVAL;
	text = memdup_user_nul(ubuf, count);
	if (IS_ERR(text))
		return PTR_ERR(text);
	err = bh_disable_list_set(text, false);
	kfree(text);
	if (err)
		return err;

	mutex_lock(&bh_registry_lock);
	list_for_each_entry(st, &bh_extensions, node) {
		if (nr < BH_DISABLE_MAX &&
		    (bh_name_disabled(st->name) ||
		     (st->owner && bh_name_disabled(st->owner->name)))) {
			kref_get(&st->ref);
			victims[nr++] = st;
		}
	}
	mutex_unlock(&bh_registry_lock);
	/* outside the registry lock: the kill switch waits for RCU */
	for (i = 0; i < nr; i++) {
		bh_ext_set_enabled(victims[i], false);
		bh_ext_put(victims[i]);
	}
	return count;
}

static const struct file_operations bh_version_fops = {
	.owner = THIS_MODULE,
	.read = bh_version_read,
	.llseek = default_llseek,
};

static const struct file_operations bh_safe_mode_fops = {
	.owner = THIS_MODULE,
	.read = bh_safe_mode_read,
	.llseek = default_llseek,
};

static const struct file_operations bh_disable_fops = {
	.owner = THIS_MODULE,
	.open = bh_disable_open,
	.release = bh_disable_release,
	.read = bh_disable_read,
	.write = bh_disable_write,
	.llseek = default_llseek,
};

static const struct bh_file_desc bh_global_files[] = {
	{ "version", 0444, &bh_version_fops },
	{ "safe_mode", 0444, &bh_safe_mode_fops },
	{ "disable", 0644, &bh_disable_fops },
	{ "keys", 0600, &bh_keys_fops },
	{ "keys_sealed", 0644, &bh_keys_sealed_fops },
	{ "allow_format1", 0644, &bh_allow_format1_fops },
	{ "floors", 0644, &bh_floors_fops },
	{ "require_signature", 0644, &bh_require_sig_fops },
};

static struct dentry *bh_global[ARRAY_SIZE(bh_global_files)];

/*
 * The gate every global file's inode carries.  It has no owner, so the
 * VFS opens it without a module reference; the gate takes one itself,
 * and fails with ENODEV once `rmmod bulkhead` has begun, where a real
 * owner would make the VFS warn.  Then it puts the real operations in
 * place, which hold that reference until the last close.  bh_fs_exit()
 * waits until nobody holds the files' dentries before our text goes.
 */
static int bh_gate_open(struct inode *inode, struct file *file)
{
	const char *fname = file->f_path.dentry->d_name.name;
	const struct file_operations *fops = NULL;
	unsigned int i;

	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	for (i = 0; i < ARRAY_SIZE(bh_global_files); i++)
		if (!strcmp(fname, bh_global_files[i].name))
			fops = bh_global_files[i].fops;
	if (!fops) {
		module_put(THIS_MODULE);
		return -ENODEV;
	}
	/* the reference taken above is the one fops->owner stands for */
	replace_fops(file, fops);
	return fops->open ? fops->open(inode, file) : 0;
}

static const struct file_operations bh_gate_fops = {
	.open = bh_gate_open,
};

int bh_fs_init(void)
{
	struct dentry *d;
	unsigned int i;

	bh_root = securityfs_create_dir("bulkhead", NULL);
	if (IS_ERR(bh_root))
		return PTR_ERR(bh_root);
	for (i = 0; i < ARRAY_SIZE(bh_global_files); i++) {
		d = securityfs_create_file(bh_global_files[i].name,
					   bh_global_files[i].mode, bh_root, NULL,
					   &bh_gate_fops);
		if (IS_ERR(d))
			goto err_remove;
		bh_global[i] = d;
	}
	d = securityfs_create_dir("extensions", bh_root);
	if (IS_ERR(d))
		goto err_remove;
	bh_ext_dir = d;
	return 0;

err_remove:
	bh_fs_exit();
	return PTR_ERR(d);
}

void bh_fs_exit(void)
{
	int i;

	bh_fs_remove(bh_ext_dir, false);
	bh_ext_dir = NULL;
	for (i = ARRAY_SIZE(bh_global) - 1; i >= 0; i--) {
		bh_fs_remove(bh_global[i], true);
		bh_global[i] = NULL;
	}
	bh_fs_remove(bh_root, false);
	bh_root = NULL;
}
