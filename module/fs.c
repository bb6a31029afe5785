// SPDX-License-Identifier: GPL-2.0
/*
 * fs.c - the control files under /sys/kernel/security/bulkhead/.
 *
 *   version                 module and content-format version (r)
 *   safe_mode               1 when every extension is refused (r)
 *   disable                 comma-separated refused names (rw)
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
 * and find out at open whether it has unregistered meanwhile.
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
static struct dentry *bh_global[3];

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

/*
 * Reads render the whole file at open into a buffer, so a reader sees
 * one consistent snapshot however small its reads are.
 */
struct bh_snapshot {
	size_t len;
	char text[];
};

static struct bh_snapshot *bh_snapshot_alloc(size_t size)
{
	return kzalloc(sizeof(struct bh_snapshot) + size, GFP_KERNEL);
}

static int bh_ext_render(struct bh_ext_state *st, enum bh_file which,
			 struct bh_snapshot **ret)
{
	struct bh_snapshot *s;
	size_t size = 2048;
	int n;

	if (which == BH_F_SCHEMA) {
		/* the schema is immutable while the extension is registered */
		if (!bh_ext_lock(st))
			return READ_ONCE(st->lock_dead) ? -EIO : -EINTR;
		n = st->ext ? bh_schema_format(st->ext->schema, NULL, 0) : -ENODEV;
		if (n >= 0) {
			s = bh_snapshot_alloc(n + 1);
			if (s) {
				s->len = bh_schema_format(st->ext->schema, s->text, n + 1);
				*ret = s;
			}
		}
		mutex_unlock(&st->content_lock);
		return n < 0 ? n : (s ? 0 : -ENOMEM);
	}

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
	case BH_F_LAST_ERROR:
		spin_lock(&st->info_lock);
		s->len = st->last_error[0] ?
			 scnprintf(s->text, size, "%s\n", st->last_error) : 0;
		spin_unlock(&st->info_lock);
		break;
	case BH_F_COUNTERS:
		s->len = scnprintf(s->text, size,
				   "events %lld\naccepted %lld\nrefused %lld\nfaults %lld\n",
				   (long long)atomic64_read(&st->events),
				   (long long)atomic64_read(&st->accepted),
				   (long long)atomic64_read(&st->refused),
				   (long long)atomic64_read(&st->faults));
		break;
	case BH_F_STATS:
		/* a faulted extension's state is suspect: never call it again */
		if (READ_ONCE(st->status) == BH_ST_FAULTED) {
			s->len = scnprintf(s->text, size,
					   "faulted: the shim calls nothing in this extension\n");
			break;
		}
		/* the extension must not unregister while we are inside it */
		if (!bh_ext_lock(st)) {
			kfree(s);
			return READ_ONCE(st->lock_dead) ? -EIO : -EINTR;
		}
		if (st->ext && st->ext->ops->show_stats) {
			n = st->ext->ops->show_stats(st->ext, s->text, size);
			s->len = n > 0 ? min_t(size_t, n, size) : 0;
		}
		mutex_unlock(&st->content_lock);
		break;
	default:
		kfree(s);
		return -EINVAL;
	}
	*ret = s;
	return 0;
}

struct bh_open_file {
	struct bh_ext_state *st;
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
	enum bh_file which = BH_F_CONTENT;
	struct bh_open_file *of;
	int err = 0, i;

	for (i = 0; i < BH_F__COUNT; i++)
		if (!strcmp(fname, bh_ext_files[i].name))
			which = i;

	of = kzalloc(sizeof(*of), GFP_KERNEL);
	if (!of)
		return -ENOMEM;
	of->st = bh_ext_get_by_inode(inode);
	if (!of->st) {
		kfree(of);
		return -ENODEV;
	}
	if (file->f_mode & FMODE_READ)
		err = bh_ext_render(of->st, which, &of->snap);
	if (err) {
		bh_ext_put(of->st);
		kfree(of);
		return err;
	}
	file->private_data = of;
	return 0;
}

static ssize_t bh_ext_file_read(struct file *file, char __user *buf,
				size_t count, loff_t *ppos)
{
	struct bh_open_file *of = file->private_data;

	return simple_read_from_buffer(buf, count, ppos, of->snap->text,
				       of->snap->len);
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

/* "enable" or "disable", with or without a newline */
static ssize_t bh_state_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct bh_open_file *of = file->private_data;
	char word[16];
	bool enable;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!count || count >= sizeof(word))
		return -EINVAL;
	if (copy_from_user(word, ubuf, count))
		return -EFAULT;
	word[count] = '\0';
	strim(word);
	if (!strcmp(word, "enable"))
		enable = true;
	else if (!strcmp(word, "disable"))
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
		/*
		 * securityfs_remove() unlinks but leaves a dentry that an open
		 * file still holds hashed, so the directory would count as
		 * not empty, stay behind, and make the next registration
		 * under this name fail with EEXIST.  Unhash it, as d_delete()
		 * does for a busy dentry after a real unlink.
		 */
		dget(d);
		securityfs_remove(d);
		d_drop(d);
		dput(d);
		st->files[i] = NULL;
	}
	/*
	 * An open file also pins the directory's dentry (as its parent):
	 * unhash it too, or the name stays visible and taken until close.
	 */
	if (st->dir) {
		dget(st->dir);
		securityfs_remove(st->dir);
		d_drop(st->dir);
		dput(st->dir);
	}
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

static ssize_t bh_disable_read(struct file *file, char __user *buf,
			       size_t count, loff_t *ppos)
{
	char *text;
	ssize_t ret;
	int n;

	text = kmalloc(BH_DISABLE_MAX * (BH_NAME_LEN + 1) + 2, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	n = bh_disable_list_show(text, BH_DISABLE_MAX * (BH_NAME_LEN + 1) + 2);
	ret = simple_read_from_buffer(buf, count, ppos, text, n);
	kfree(text);
	return ret;
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
	.read = bh_disable_read,
	.write = bh_disable_write,
	.llseek = default_llseek,
};

int bh_fs_init(void)
{
	static const struct bh_file_desc files[] = {
		{ "version", 0444, &bh_version_fops },
		{ "safe_mode", 0444, &bh_safe_mode_fops },
		{ "disable", 0644, &bh_disable_fops },
	};
	struct dentry *d;
	unsigned int i;

	bh_root = securityfs_create_dir("bulkhead", NULL);
	if (IS_ERR(bh_root))
		return PTR_ERR(bh_root);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		d = securityfs_create_file(files[i].name, files[i].mode, bh_root,
					   NULL, files[i].fops);
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

	securityfs_remove(bh_ext_dir);
	bh_ext_dir = NULL;
	for (i = ARRAY_SIZE(bh_global) - 1; i >= 0; i--) {
		securityfs_remove(bh_global[i]);
		bh_global[i] = NULL;
	}
	securityfs_remove(bh_root);
	bh_root = NULL;
}
