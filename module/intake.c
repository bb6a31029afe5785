// SPDX-License-Identifier: GPL-2.0
/*
 * intake.c - the only way content reaches an extension.
 *
 * A writer streams a content file into an extension's securityfs
 * "content" file in as many write() calls as it likes.  Once the 160-byte
 * header is in, the shim knows the file's total size: it refuses a size
 * above BH_CONTENT_MAX with EFBIG before allocating anything for it, and
 * allocates exactly that size otherwise.  The write that completes the
 * file runs the validator against the extension's schema and, only if the
 * content is valid, hands it to the extension under a breadcrumb; that
 * write returns the verdict.  A file closed before it is complete is
 * refused at close.  A refusal leaves the previous content active and
 * its reason in last_error.
 *
 * The file is root's, mode 0200: other users fail at open() with EACCES.
 * Errors a writer sees: EPERM (no CAP_SYS_ADMIN, through a descriptor
 * root opened and handed over), EFBIG (too large),
 * EBADMSG (the validator refused; also for bytes after the declared end
 * and for a file closed early), ESHUTDOWN (the extension is disabled or
 * faulted), ENODEV (it unregistered), or the extension's own errno when
 * it refuses valid content.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"

struct bh_intake {
	struct bh_ext_state *st;
	u8 head[BH_HEADER_LEN];
	u8 *buf;		/* the whole file, once its size is known */
	size_t len;		/* bytes received */
	size_t want;		/* total size from the header; 0: not yet */
	bool finished;		/* committed or refused */
};

void bh_set_last_error(struct bh_ext_state *st, const char *fmt, ...)
{
	va_list ap;

	spin_lock(&st->info_lock);
	va_start(ap, fmt);
	vscnprintf(st->last_error, sizeof(st->last_error), fmt, ap);
	va_end(ap);
	spin_unlock(&st->info_lock);
}

/* a refusal: count it, keep the reason, log it once */
static int bh_refuse(struct bh_ext_state *st, int err, const struct bh_error *e)
{
	atomic64_inc(&st->refused);
	bh_set_last_error(st, "content refused (%s): %s", bh_err_name(e->code),
			  e->msg);
	pr_warn("extension %s: content refused (%s): %s\n", st->name,
		bh_err_name(e->code), e->msg);
	return err;
}

/**
 * bh_content_commit() - validate content and hand it to the extension
 * @st: the extension
 * @buf: a kvmalloc'd content file, owned by this call from now on; or
 *	NULL to hand over the retained active content again (re-enable)
 * @len: its length
 *
 * Return: 0 when the extension took it (it is now the active content),
 * else a negative errno as listed atop this file.
 */
int bh_content_commit(struct bh_ext_state *st, void *buf, size_t len)
{
	bool retained = !buf;
	struct bh_content view;
	struct bh_error e;
	int err;

	if (!bh_ext_lock(st)) {
		if (READ_ONCE(st->lock_dead))
			bh_set_last_error(st, "content not taken: the extension faulted during an earlier handover");
		if (!retained)
			kvfree(buf);
		return READ_ONCE(st->lock_dead) ? -ESHUTDOWN : -EINTR;
	}
	if (!st->ext) {
		err = -ENODEV;
		goto err_free;
	}
	if (retained) {
		buf = st->content;
		len = st->content_len;
		err = 0;
		if (!buf)
			goto err_free;
	}
	if (READ_ONCE(st->status) != BH_ST_ENABLED) {
		bh_set_last_error(st, "content not taken: extension is %s",
				  READ_ONCE(st->status) == BH_ST_FAULTED ?
				  "faulted" : "disabled");
		err = -ESHUTDOWN;
		goto err_free;
	}
	if (bh_content_validate(buf, len, st->ext->schema, 0, &view, &e)) {
		err = bh_refuse(st, -EBADMSG, &e);
		goto err_free;
	}

	st->handover_op = BH_OP_TAKE_CONTENT;
	st->handover_version = view.content_version;
	WRITE_ONCE(st->handover_task, current);
	err = st->ext->ops->take_content(st->ext, &view);
	WRITE_ONCE(st->handover_task, NULL);
	st->handover_op = BH_OP_NONE;
	if (err) {
		atomic64_inc(&st->refused);
		bh_set_last_error(st, "content version %llu refused by the extension: error %d",
				  view.content_version, err);
		pr_warn("extension %s: content version %llu refused by the extension: error %d\n",
			st->name, view.content_version, err);
		goto err_free;
	}
	if (!retained) {
		kvfree(st->content);
		st->content = buf;
		st->content_len = len;
	}
	WRITE_ONCE(st->content_version, view.content_version);
	atomic64_inc(&st->accepted);
	mutex_unlock(&st->content_lock);
	pr_info("extension %s: content version %llu active, %u records\n",
		st->name, view.content_version, view.record_count);
	return 0;

err_free:
	mutex_unlock(&st->content_lock);
	if (!retained)
		kvfree(buf);
	return err;
}

static int bh_content_open(struct inode *inode, struct file *file)
{
	struct bh_intake *in;

	if ((file->f_flags & O_ACCMODE) != O_WRONLY)
		return -EINVAL;
	in = kzalloc(sizeof(*in), GFP_KERNEL);
	if (!in)
		return -ENOMEM;
	in->st = bh_ext_get_by_inode(inode);
	if (!in->st) {
		kfree(in);
		return -ENODEV;
	}
	file->private_data = in;
	return nonseekable_open(inode, file);
}

/*
 * The header is complete: refuse what is already wrong with it, and
 * learn the file's size.
 */
static int bh_intake_header(struct bh_intake *in)
{
	struct bh_content view;
	struct bh_error e;
	u64 want;
	int err;

	err = bh_content_validate(in->head, BH_HEADER_LEN, NULL,
				  BH_VALIDATE_SKIP_DIGEST, &view, &e);
	if (err && e.code != BH_E_TRUNC_PAYLOAD)
		return bh_refuse(in->st, -EBADMSG, &e);
	want = BH_HEADER_LEN + bh_get_le64(in->head + BH_OFF_PAYLOAD_LEN) +
	       (u64)bh_get_le32(in->head + BH_OFF_SIG_LEN);
	if (bh_get_le64(in->head + BH_OFF_PAYLOAD_LEN) > BH_CONTENT_MAX ||
	    want > BH_CONTENT_MAX) {
		atomic64_inc(&in->st->refused);
		bh_set_last_error(in->st, "content refused (too-large): header declares %llu bytes, the limit is %u",
				  bh_get_le64(in->head + BH_OFF_PAYLOAD_LEN) > BH_CONTENT_MAX ?
				  bh_get_le64(in->head + BH_OFF_PAYLOAD_LEN) : want,
				  BH_CONTENT_MAX);
		pr_warn("extension %s: content refused: larger than %u bytes\n",
			in->st->name, BH_CONTENT_MAX);
		return -EFBIG;
	}
	in->buf = kvmalloc(want, GFP_KERNEL);
	if (!in->buf)
		return -ENOMEM;
	memcpy(in->buf, in->head, BH_HEADER_LEN);
	in->want = want;
	return 0;
}

static ssize_t bh_content_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct bh_intake *in = file->private_data;
	size_t done = 0, n;
	struct bh_error e;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (in->finished) {
		e.code = BH_E_TRAILING;
		snprintf(e.msg, sizeof(e.msg), "%zu bytes written after the content was complete",
			 count);
		return bh_refuse(in->st, -EBADMSG, &e);
	}
	while (done < count) {
		if (!in->want) {
			n = min(count - done, BH_HEADER_LEN - in->len);
			if (copy_from_user(in->head + in->len, ubuf + done, n))
				return -EFAULT;
			in->len += n;
			done += n;
			if (in->len < BH_HEADER_LEN)
				break;
			err = bh_intake_header(in);
			if (err) {
				in->finished = true;
				return err;
			}
		} else {
			n = min(count - done, in->want - in->len);
			if (copy_from_user(in->buf + in->len, ubuf + done, n))
				return -EFAULT;
			in->len += n;
			done += n;
		}
		if (in->len == in->want) {
			in->finished = true;
			if (done < count) {
				e.code = BH_E_TRAILING;
				snprintf(e.msg, sizeof(e.msg),
					 "%zu trailing bytes after the declared end at byte %zu",
					 count - done, in->want);
				return bh_refuse(in->st, -EBADMSG, &e);
			}
			err = bh_content_commit(in->st, in->buf, in->len);
			in->buf = NULL;	/* commit owns it now */
			return err ? err : (ssize_t)count;
		}
	}
	*ppos += done;
	return done;
}

/* close: content that never completed is refused, with the reason */
static int bh_content_flush(struct file *file, fl_owner_t id)
{
	struct bh_intake *in = file->private_data;
	struct bh_content view;
	struct bh_error e;

	if (in->finished || !in->len)
		return 0;
	in->finished = true;
	if (bh_content_validate(in->want ? in->buf : in->head, in->len, NULL,
				BH_VALIDATE_SKIP_DIGEST, &view, &e) == 0) {
		/* cannot happen: a complete file was committed on write */
		e.code = BH_E_TRUNC_PAYLOAD;
		snprintf(e.msg, sizeof(e.msg), "closed after %zu bytes", in->len);
	}
	return bh_refuse(in->st, -EBADMSG, &e);
}

static int bh_content_release(struct inode *inode, struct file *file)
{
	struct bh_intake *in = file->private_data;

	kvfree(in->buf);
	bh_ext_put(in->st);
	kfree(in);
	return 0;
}

const struct file_operations bh_content_fops = {
	.owner = THIS_MODULE,
	.open = bh_content_open,
	.write = bh_content_write,
	.flush = bh_content_flush,
	.release = bh_content_release,
};
