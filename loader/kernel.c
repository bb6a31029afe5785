// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * kernel.c - the real kernel behind struct bl_kernel_ops: modules go in
 * through libkmod (as modprobe would load them: dependencies, modprobe.d
 * options and blacklists, the kernel command line's MODULE.PARAM=), and
 * content goes to the shim's securityfs files.
 */
#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <string.h>
#include <sys/utsname.h>

#include "kernel.h"
#include "state.h"

#define SHIM_FILE_MAX	(1024 * 1024)	/* schema text and the like */

struct real_kernel {
	struct kmod_ctx *kmod;
	char *root;
};

static int real_insert(struct bl_kernel *k, const char *module, const char *params,
		       struct bulkhead_msg *msg)
{
	struct real_kernel *rk = k->priv;
	struct kmod_list *list = NULL, *l;
	struct utsname u;
	int err;

	if (!rk->kmod) {
		bulkhead_msg_set(msg, "module %s: no libkmod context", module);
		return -EINVAL;
	}
	err = kmod_module_new_from_lookup(rk->kmod, module, &list);
	if (err < 0) {
		bulkhead_msg_set(msg, "module %s: lookup failed: %s", module, strerror(-err));
		return err;
	}
	if (!list) {
		uname(&u);
		bulkhead_msg_set(msg, "module %s: not found for kernel %s (no such module in %s/modules.dep)",
				 module, u.release, kmod_get_dirname(rk->kmod));
		return -ENOENT;
	}
	err = -ENOENT;
	kmod_list_foreach(l, list) {
		struct kmod_module *mod = kmod_module_get_module(l);

		err = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST, params,
						      NULL, NULL, NULL);
		if (err == KMOD_PROBE_APPLY_BLACKLIST) {
			bulkhead_msg_set(msg, "module %s: blacklisted in modprobe.d, not loaded",
					 module);
			err = BL_INSERT_BLACKLISTED;
		} else if (err < 0) {
			bulkhead_msg_set(msg, "module %s: insert failed: %s%s", module,
					 strerror(-err),
					 err == -EPERM ? " (refused: the shim's disable list or safe mode, or module signing)" : "");
		}
		kmod_module_unref(mod);
		break;	/* a module name looks up one module */
	}
	kmod_module_unref_list(list);
	return err;
}

static int shim_path(struct real_kernel *rk, const char *ext, const char *file, char **ret)
{
	int n;

	if (ext)
		n = asprintf(ret, "%s/extensions/%s/%s", rk->root, ext, file);
	else
		n = asprintf(ret, "%s/%s", rk->root, file);
	if (n < 0) {
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int real_push(struct bl_kernel *k, const char *ext, const void *buf, size_t len)
{
	_cleanup_free_ char *path = NULL;
	int fd, err;

	if (shim_path(k->priv, ext, "content", &path))
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* the write that completes the file returns the shim's verdict */
	err = bg_fsops_write_all(&bg_real_fsops, fd, buf, len);
	/* an incomplete file is refused at close */
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

static int real_read(struct bl_kernel *k, const char *ext, const char *file,
		     char **ret_text, size_t *ret_len)
{
	_cleanup_free_ char *path = NULL;

	if (shim_path(k->priv, ext, file, &path))
		return -ENOMEM;
	return bulkhead_read_pseudo_file(path, SHIM_FILE_MAX, (uint8_t **)ret_text, ret_len,
					 NULL);
}

static int real_write(struct bl_kernel *k, const char *ext, const char *file, const char *text)
{
	_cleanup_free_ char *path = NULL;

	if (shim_path(k->priv, ext, file, &path))
		return -ENOMEM;
	return bulkhead_write_pseudo_file(path, text);
}

static int real_enrol(struct bl_kernel *k, const void *der, size_t len)
{
	_cleanup_free_ char *path = NULL;
	ssize_t n;
	int fd, err;

	if (shim_path(k->priv, NULL, "keys", &path))
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* one certificate, one write: the shim takes no pieces */
	n = write(fd, der, len);
	err = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

static void real_release(struct bl_kernel *k)
{
	struct real_kernel *rk = k->priv;

	if (!rk)
		return;
	kmod_unref(rk->kmod);
	free(rk->root);
	free(rk);
	k->priv = NULL;
}

static const struct bl_kernel_ops real_ops = {
	.insert = real_insert,
	.push = real_push,
	.read = real_read,
	.write = real_write,
	.enrol = real_enrol,
	.release = real_release,
};

/**
 * bl_kernel_real() - the running kernel
 * @k: filled on success
 * @securityfs_root: the shim's directory (BL_SECURITYFS_ROOT)
 * @with_kmod: open libkmod (only the boot-time load inserts modules)
 * @msg: the reason on failure
 *
 * Return: 0 or a negative errno.
 */
int bl_kernel_real(struct bl_kernel *k, const char *securityfs_root, bool with_kmod,
		   struct bulkhead_msg *msg)
{
	struct real_kernel *rk = calloc(1, sizeof(*rk));
	int err;

	if (!rk || !(rk->root = strdup(securityfs_root)))
		goto err_nomem;
	if (with_kmod) {
		rk->kmod = kmod_new(NULL, NULL);
		if (!rk->kmod) {
			bulkhead_msg_set(msg, "libkmod: cannot set up a context (is /lib/modules/$(uname -r) there?)");
			err = -ENOENT;
			goto err_free;
		}
		/*
		 * Only a speed-up: with an index it cannot map (an empty
		 * modules.builtin.bin, say) libkmod still looks every module
		 * up in the files themselves, as modprobe does.
		 */
		kmod_load_resources(rk->kmod);
	}
	k->ops = &real_ops;
	k->priv = rk;
	return 0;

err_nomem:
	bulkhead_msg_set(msg, "kernel interface: out of memory");
	err = -ENOMEM;
err_free:
	if (rk) {
		kmod_unref(rk->kmod);
		free(rk->root);
		free(rk);
	}
	return err;
}

void bl_kernel_release(struct bl_kernel *k)
{
	if (k->ops && k->ops->release)
		k->ops->release(k);
	k->ops = NULL;
}

/**
 * bl_kernel_shim_reason() - why the shim refused a content write
 * @k: the kernel
 * @ext: the extension
 * @err: the write's negative errno
 * @buf: the reason: the shim's last_error where the shim wrote one (the
 *	validator's refusal, a disabled or faulted extension, the
 *	extension's own refusal of valid content), else what the errno
 *	means to the shim
 * @size: its size
 */
void bl_kernel_shim_reason(struct bl_kernel *k, const char *ext, int err, char *buf,
			  size_t size)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	switch (err) {
	case -ENOENT:
		snprintf(buf, size, "not registered with the shim (is its module loaded?)");
		return;
	case -ENODEV:
		snprintf(buf, size, "unregistered from the shim while content was written");
		return;
	case -EFBIG:
		snprintf(buf, size, "shim refused: larger than its content limit");
		return;
	case -EPERM:
	case -EACCES:
		snprintf(buf, size, "the shim's content file refused the write: %s", strerror(-err));
		return;
	}
	if (!k->ops->read(k, ext, "last_error", &text, &len) && len) {
		while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
			text[--len] = '\0';
		snprintf(buf, size, "shim refused: %s", text);
		return;
	}
	switch (err) {
	case -ESHUTDOWN:
		snprintf(buf, size, "the shim has it disabled or faulted");
		break;
	case -EBADMSG:
		snprintf(buf, size, "shim refused: malformed (no reason in last_error)");
		break;
	default:
		snprintf(buf, size, "refused: %s", strerror(-err));
		break;
	}
}
