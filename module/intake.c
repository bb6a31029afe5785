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
 * content is valid, hands it to the extension; that write returns the
 * verdict.  A refusal leaves the previous content active and its reason
 * in last_error.  The content must also be signed by a trusted key where
 * policy asks for it, and not older than the extension's floor (trust.c):
 * a signature is checked before the payload is read, the floor after the
 * content is valid.
 *
 * One upload at a time: the content file is open for writing by one
 * open file description at a time; a second open() fails with EBUSY.
 * Everything that shares that description (threads, forked children, an
 * inherited descriptor, io_uring) writes in turn, under one lock, and the
 * upload ends when the last of them closes it (->release), not at the
 * first close: `{ cat a; cat b; } >content` uploads a+b.  A file still
 * incomplete at that last close is refused then.
 *
 * The file is root's, mode 0200: other users fail at open() with EACCES.
 * Errors a writer sees: EPERM (no CAP_SYS_ADMIN, through a descriptor
 * root opened and handed over), EBUSY (another upload is open), EFBIG
 * (too large), EBADMSG (the validator refused; also for bytes after the
 * declared end), ENOSPC (a write after the file was complete and judged:
 * nothing changes, not even the counters or last_error), ESHUTDOWN (the
 * extension is disabled or faulted, also when the kill switch stopped it
 * while this file was being handed over), ENODEV (it unregistered or its
 * module is going away), EFAULT and EINTR, or the extension's own errno
 * when it refuses valid content (EIO if it returned anything userspace
 * cannot take: a positive value or a kernel-internal code).  A write that
 * consumed bytes before an EFAULT or a signal returns their count (a
 * short write) instead of the error; the next write continues from there.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"

struct bh_intake {
	struct bh_ext_state *st;
	struct mutex lock;	/* every field below: writers take turns */
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
 *	NULL to hand over the retained active content again (re-enable),
 *	which was validated when it was taken and is not validated again
 *	(neither it nor the schema can have changed since)
 * @len: its length
 *
 * Return: 0 when the extension took it (it is now the active content),
 * else a negative errno as listed atop this file.
 */
int bh_content_commit(struct bh_ext_state *st, void *buf, size_t len)
{
	bool retained = !buf;
	struct bh_content view;
	unsigned int flags;
	struct bh_error e;
	u64 floor;
	int err;

	err = bh_ext_lock(st, true);
	if (err) {
		if (err == -ESHUTDOWN)
			bh_set_last_error(st, "content not taken: the extension is %s",
					  READ_ONCE(st->lock_dead) ?
					  "faulted (it crashed inside a callback)" : "not enabled");
		if (!retained)
			kvfree(buf);
		return err;
	}
	if (!st->ext || READ_ONCE(st->unregistering)) {
		err = -ENODEV;
		goto err_free;
	}
	if (retained && !st->content) {
		err = 0;
		goto err_free;
	}
	if (READ_ONCE(st->status) != BH_ST_ENABLED) {
		bh_set_last_error(st, "content not taken: extension is %s",
				  READ_ONCE(st->status) == BH_ST_FAULTED ?
				  "faulted" : "disabled");
		err = -ESHUTDOWN;
		goto err_free;
	}
	if (retained) {
		view = st->content_view;
	} else {
		flags = bh_trust_policy(st->name, &floor);
		if (bh_content_validate_signed(buf, len, st->ext->schema, flags,
					       &bh_trust_verifier, &view, &e)) {
			err = bh_refuse(st, -EBADMSG, &e);
			goto err_free;
		}
		if (view.content_version < floor) {
			e.code = BH_E_ROLLBACK;
			snprintf(e.msg, sizeof(e.msg),
				 "content version %llu is below the floor %llu (the last-known-good version)",
				 view.content_version, floor);
			err = bh_refuse(st, -EBADMSG, &e);
			goto err_free;
		}
	}

	err = bh_cb_enter(st, BH_OP_TAKE_CONTENT, view.content_version);
	if (err)
		goto err_free;
	err = st->ext->ops->take_content(st->ext, &view);
	bh_cb_exit(st);
	if (err) {
		atomic64_inc(&st->refused);
		bh_set_last_error(st, "content version %llu refused by the extension: error %d",
				  view.content_version, err);
		pr_warn("extension %s: content version %llu refused by the extension: error %d\n",
			st->name, view.content_version, err);
		err = bh_user_errno(err);
		goto err_free;
	}
	st->ext_has_content = true;
	if (READ_ONCE(st->status) != BH_ST_ENABLED) {
		/* the kill switch came while it was taking it: not active */
		bh_set_last_error(st, "content version %llu not taken: the extension was %s during take_content",
				  view.content_version,
				  READ_ONCE(st->status) == BH_ST_FAULTED ? "faulted" : "disabled");
		err = -ESHUTDOWN;
		goto err_free;
	}
	if (!retained) {
		kvfree(st->content);
		st->content = buf;
		st->content_len = len;
		st->content_view = view;
	}
	WRITE_ONCE(st->content_version, view.content_version);
	atomic64_inc(&st->accepted);
	bh_ext_unlock(st);
	pr_info("extension %s: content version %llu active, %u records\n",
		st->name, view.content_version, view.record_count);
	return 0;

err_free:
	bh_ext_unlock(st);
	if (!retained)
		kvfree(buf);
	return err;
}

static int bh_content_open(struct inode *inode, struct file *file)
{
	struct bh_intake *in;

	if ((file->f_flags & O_ACCMODE) != O_WRONLY)
		return -EINVAL;
	in = kzalloc(sizeof(*in), GFP_KERNEL_ACCOUNT);
	if (!in)
		return -ENOMEM;
	mutex_init(&in->lock);
	in->st = bh_ext_get_by_inode(inode);
	if (!in->st) {
		kfree(in);
		return -ENODEV;
	}
	if (test_and_set_bit(BH_FL_UPLOADING, &in->st->flags)) {
		bh_ext_put(in->st);
		kfree(in);
		return -EBUSY;
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
	u64 payload, want;
	int err;

	err = bh_content_validate(in->head, BH_HEADER_LEN, NULL,
				  BH_VALIDATE_SKIP_DIGEST, &view, &e);
	if (err && e.code != BH_E_TRUNC_PAYLOAD)
		return bh_refuse(in->st, -EBADMSG, &e);
	payload = bh_get_le64(in->head + BH_OFF_PAYLOAD_LEN);
	want = BH_HEADER_LEN + payload + (u64)bh_get_le32(in->head + BH_OFF_SIG_LEN);
	if (payload > BH_CONTENT_MAX || want > BH_CONTENT_MAX) {
		atomic64_inc(&in->st->refused);
		bh_set_last_error(in->st, "content refused (too-large): header declares %llu bytes, the limit is %u",
				  payload > BH_CONTENT_MAX ? payload : want,
				  BH_CONTENT_MAX);
		pr_warn("extension %s: content refused: larger than %u bytes\n",
			in->st->name, BH_CONTENT_MAX);
		return -EFBIG;
	}
	in->buf = kvmalloc(want, GFP_KERNEL_ACCOUNT);
	if (!in->buf)
		return -ENOMEM;
	memcpy(in->buf, in->head, BH_HEADER_LEN);
	in->want = want;
	return 0;
}

/*
 * Consume up to @count bytes of @ubuf; the caller holds in->lock.
 * Return: the bytes consumed, or a negative errno when the upload was
 * judged by this write (the verdict) or nothing could be consumed.
 */
static ssize_t bh_intake_write(struct bh_intake *in, const char __user *ubuf,
			       size_t count)
{
	size_t done = 0, n, left;
	struct bh_error e;
	u8 *dst;
	int err;

	while (done < count) {
		if (!in->want) {
			n = min(count - done, BH_HEADER_LEN - in->len);
			dst = in->head + in->len;
		} else {
			n = min(count - done, in->want - in->len);
			dst = in->buf + in->len;
		}
		left = copy_from_user(dst, ubuf + done, n);
		in->len += n - left;
		done += n - left;
		if (left)
			return done ? done : -EFAULT;
		if (!in->want) {
			if (in->len < BH_HEADER_LEN)
				break;
			err = bh_intake_header(in);
			if (err == -ENOMEM)
				/* nothing judged: the header stays, a retry goes on */
				return done ? done : -ENOMEM;
			if (err) {
				in->finished = true;
				return err;
			}
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
			return err ? err : (ssize_t)done;
		}
	}
	return done;
}

static ssize_t bh_content_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct bh_intake *in = file->private_data;
	ssize_t ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!count)
		return 0;
	if (mutex_lock_interruptible(&in->lock))
		return -EINTR;
	/* judged already: say so, and change nothing of what was judged */
	ret = in->finished ? -ENOSPC : bh_intake_write(in, ubuf, count);
	mutex_unlock(&in->lock);
	return ret;
}

/*
 * The last close of the upload: content that never completed is refused,
 * with the reason.  Nothing else can be using @in any more.
 */
static int bh_content_release(struct inode *inode, struct file *file)
{
	struct bh_intake *in = file->private_data;
	struct bh_content view;
	struct bh_error e;

	if (!in->finished && in->len) {
		if (bh_content_validate(in->want ? in->buf : in->head, in->len, NULL,
					BH_VALIDATE_SKIP_DIGEST, &view, &e) == 0) {
			/* cannot happen: a complete file was judged on write */
			e.code = BH_E_TRUNC_PAYLOAD;
			snprintf(e.msg, sizeof(e.msg), "closed after %zu bytes", in->len);
		}
		bh_refuse(in->st, -EBADMSG, &e);
	}
	kvfree(in->buf);
	clear_bit(BH_FL_UPLOADING, &in->st->flags);
	bh_ext_put(in->st);
	kfree(in);
	return 0;
}

const struct file_operations bh_content_fops = {
	.owner = THIS_MODULE,
	.open = bh_content_open,
	.write = bh_content_write,
	.release = bh_content_release,
};
