// SPDX-License-Identifier: GPL-2.0
/*
 * trust.c - whose content the shim takes, and how old it may be.
 *
 * Keys.  The shim keeps a keyring of its own, ".bulkhead", that nothing
 * else can write: it is linked into no process's keyrings, so only the
 * shim possesses it, and only a possessor may add to it.  Root adds an
 * X.509 certificate by writing it (DER, one write per certificate) to
 * /sys/kernel/security/bulkhead/keys; the loader does so early at boot
 * from /etc/bulkhead/keys/ and then writes "1" to keys_sealed, after
 * which no key gets in until the next boot.  On a machine booted with
 * Secure Boot (or with the trust_machine_keyring parameter set), the
 * shim's keyring takes no keys at all: signatures are checked against
 * the kernel's secondary trusted keyring, which holds the built-in keys
 * and, linked to it, the machine keyring (the MOK keys, among them the
 * one DKMS signs modules with on Debian).
 *
 * Signatures are checked by the kernel's verify_pkcs7_signature(), over
 * the content's 160-byte header (docs/content-format.md), before the
 * validator reads the payload.  A signed file whose signature no trusted
 * key made is refused whatever the policy; an unsigned one is refused
 * for an extension that requires signatures (require_signature), and a
 * format-1 file once a key is enrolled or a signature is required, unless
 * allow_format1 says otherwise (set before the seal).
 *
 * Floors.  Per extension name, the lowest content version the intake
 * takes (anti-rollback): set by the loader at boot from the guard's
 * last-known-good version and raised when content becomes last-known-good.
 * Within a boot a floor only rises.
 *
 * Policy is kept by name, not in the extension's state, so that it is
 * there before the extension registers and survives a reload of its
 * module.  Everything here runs in process context under bh_trust_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/efi.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/key.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/verification.h>

#include "internal.h"

#define BH_KEYS_MAX		32	/* enrolled certificates */
#define BH_CERT_MAX		(16U << 10)	/* bytes of one DER certificate */
#define BH_TRUST_MAX		64	/* extension names with a policy */

struct bh_trust_entry {
	char name[BH_NAME_LEN + 1];
	u64 floor;
	bool require_sig;
};

static DEFINE_MUTEX(bh_trust_lock);
static struct key *bh_keyring;
static bool bh_sealed;
static bool bh_allow_format1;
static unsigned int bh_nr_keys;
static char *bh_key_names[BH_KEYS_MAX];
static struct bh_trust_entry bh_trust[BH_TRUST_MAX];
static unsigned int bh_nr_trust;

static int bh_machine_keys = -1;
module_param_named(trust_machine_keyring, bh_machine_keys, int, 0444);
MODULE_PARM_DESC(trust_machine_keyring,
		 "Check content signatures against the kernel's secondary (machine) keyring instead of .bulkhead: 1 yes, 0 no, -1 (default) only under Secure Boot");

/* under Secure Boot, only keys the machine vouches for sign content */
static bool bh_use_machine_keys(void)
{
	return bh_machine_keys > 0 ||
	       (bh_machine_keys < 0 && efi_enabled(EFI_SECURE_BOOT));
}

static struct bh_trust_entry *bh_trust_find(const char *name, bool create)
{
	unsigned int i;

	lockdep_assert_held(&bh_trust_lock);
	for (i = 0; i < bh_nr_trust; i++)
		if (!strcmp(bh_trust[i].name, name))
			return &bh_trust[i];
	if (!create || bh_nr_trust == BH_TRUST_MAX)
		return NULL;
	strscpy(bh_trust[bh_nr_trust].name, name, sizeof(bh_trust[0].name));
	return &bh_trust[bh_nr_trust++];
}

/**
 * bh_trust_policy() - what the intake asks of content for an extension
 * @name: the extension's name
 * @ret_floor: the lowest content version it may take
 *
 * Return: BH_VALIDATE_* flags for bh_content_validate_signed().
 */
unsigned int bh_trust_policy(const char *name, u64 *ret_floor)
{
	struct bh_trust_entry *t;
	unsigned int flags = 0;
	bool keyed;

	mutex_lock(&bh_trust_lock);
	t = bh_trust_find(name, false);
	*ret_floor = t ? t->floor : 0;
	if (t && t->require_sig)
		flags |= BH_VALIDATE_REQUIRE_SIG;
	keyed = bh_nr_keys || bh_use_machine_keys() || (flags & BH_VALIDATE_REQUIRE_SIG);
	if (keyed && !bh_allow_format1)
		flags |= BH_VALIDATE_NO_FORMAT1;
	mutex_unlock(&bh_trust_lock);
	return flags;
}

/* the kernel's answer, in words for last_error */
static const char *bh_pkcs7_reason(int err)
{
	switch (err) {
	case -ENOKEY:
		return "unknown signer: no trusted key made it";
	case -EKEYREJECTED:
		return "bad signature: it does not match the header, or its content type is not data";
	case -EBADMSG:
		return "malformed PKCS#7";
	case -ENOPKG:
		return "unsupported algorithm";
	case -EINVAL:
		return "not signed data the kernel can check (wrong content type or form)";
	case -EKEYEXPIRED:
		return "the signer's key has expired";
	case -EKEYREVOKED:
		return "the signer's key was revoked";
	default:
		return "the kernel refused it";
	}
}

/* struct bh_sig_verifier.verify, for the intake */
static int bh_trust_verify(void *arg, u32 sig_type, const u8 *data, u32 data_len,
			   const u8 *sig, u32 sig_len, char *why, size_t why_len)
{
	struct key *keys;
	int err;

	if (sig_type != BH_SIG_PKCS7) {
		scnprintf(why, why_len, "signature type %u is not one the shim checks",
			  sig_type);
		return -ENOPKG;
	}
	keys = bh_use_machine_keys() ? VERIFY_USE_SECONDARY_KEYRING : bh_keyring;
	err = verify_pkcs7_signature(data, data_len, sig, sig_len, keys,
				     VERIFYING_UNSPECIFIED_SIGNATURE, NULL, NULL);
	if (err)
		scnprintf(why, why_len, "%s (checked against %s)",
			  bh_pkcs7_reason(err),
			  bh_use_machine_keys() ? "the secondary trusted keyring" :
			  "the .bulkhead keyring");
	return err;
}

const struct bh_sig_verifier bh_trust_verifier = {
	.verify = bh_trust_verify,
};

/* ---- securityfs files ------------------------------------------------- */

static ssize_t bh_text_read(char __user *buf, size_t count, loff_t *ppos,
			    const char *text, size_t len)
{
	return simple_read_from_buffer(buf, count, ppos, text, len);
}

static bool bh_key_known(const char *name)
{
	unsigned int i;

	for (i = 0; i < bh_nr_keys; i++)
		if (bh_key_names[i] && !strcmp(bh_key_names[i], name))
			return true;
	return false;
}

/* "keys": write one DER certificate per write; read the enrolled keys */
static ssize_t bh_keys_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	key_ref_t kref;
	char *name;
	void *der;
	ssize_t ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (*ppos || !count || count > BH_CERT_MAX)
		return -EINVAL;
	der = memdup_user(ubuf, count);
	if (IS_ERR(der))
		return PTR_ERR(der);

	mutex_lock(&bh_trust_lock);
	if (bh_sealed) {
		pr_warn("key refused: the keyring is sealed until reboot\n");
		ret = -EPERM;
		goto out;
	}
	if (bh_use_machine_keys()) {
		pr_warn("key refused: under Secure Boot, content keys come from the machine keyring (MOK), not from files\n");
		ret = -EPERM;
		goto out;
	}
	if (bh_nr_keys == BH_KEYS_MAX) {
		pr_warn("key refused: %u keys enrolled already\n", BH_KEYS_MAX);
		ret = -ENOSPC;
		goto out;
	}
	kref = key_create_or_update(make_key_ref(bh_keyring, true), "asymmetric",
				    NULL, der, count,
				    (KEY_POS_ALL & ~KEY_POS_SETATTR) |
				    KEY_USR_VIEW | KEY_USR_READ,
				    KEY_ALLOC_NOT_IN_QUOTA);
	if (IS_ERR(kref)) {
		ret = PTR_ERR(kref);
		pr_warn("key refused: the kernel takes no such certificate (error %zd: EBADMSG is not X.509, ENOENT or ENOPKG a key algorithm this kernel lacks)\n",
			ret);
		goto out;
	}
	name = kstrdup(key_ref_to_ptr(kref)->description ?: "?", GFP_KERNEL);
	key_ref_put(kref);
	if (name && bh_key_known(name)) {
		/* the same certificate again: the key was updated, not added */
		kfree(name);
	} else {
		pr_info("key enrolled in .bulkhead: %s\n", name ?: "?");
		bh_key_names[bh_nr_keys++] = name;
	}
	*ppos = count;
	ret = count;
out:
	mutex_unlock(&bh_trust_lock);
	kfree(der);
	return ret;
}

static ssize_t bh_keys_read(struct file *file, char __user *buf,
			    size_t count, loff_t *ppos)
{
	size_t size = BH_KEYS_MAX * 128 + 64, len = 0;
	unsigned int i;
	ssize_t ret;
	char *text;

	text = kmalloc(size, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	mutex_lock(&bh_trust_lock);
	for (i = 0; i < bh_nr_keys; i++)
		len += scnprintf(text + len, size - len, "%.120s\n",
				 bh_key_names[i] ?: "?");
	mutex_unlock(&bh_trust_lock);
	ret = bh_text_read(buf, count, ppos, text, len);
	kfree(text);
	return ret;
}

/* a one-word write: 0 or 1 */
static int bh_get_bool(const char __user *ubuf, size_t count, bool *ret)
{
	char word[4];

	if (!count || count >= sizeof(word))
		return -EINVAL;
	if (copy_from_user(word, ubuf, count))
		return -EFAULT;
	word[count] = '\0';
	return kstrtobool(strim(word), ret);
}

static ssize_t bh_sealed_read(struct file *file, char __user *buf,
			      size_t count, loff_t *ppos)
{
	return bh_text_read(buf, count, ppos, READ_ONCE(bh_sealed) ? "1\n" : "0\n", 2);
}

static ssize_t bh_sealed_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	bool seal;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	err = bh_get_bool(ubuf, count, &seal);
	if (err)
		return err;
	mutex_lock(&bh_trust_lock);
	if (!seal && bh_sealed)
		err = -EPERM;	/* only a reboot unseals */
	else if (seal && !bh_sealed) {
		bh_sealed = true;
		pr_info("keyring sealed with %u keys%s\n", bh_nr_keys,
			bh_allow_format1 ? ", format 1 allowed" : "");
	}
	mutex_unlock(&bh_trust_lock);
	return err ?: count;
}

static ssize_t bh_format1_read(struct file *file, char __user *buf,
			       size_t count, loff_t *ppos)
{
	return bh_text_read(buf, count, ppos, READ_ONCE(bh_allow_format1) ? "1\n" : "0\n", 2);
}

static ssize_t bh_format1_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	bool allow;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	err = bh_get_bool(ubuf, count, &allow);
	if (err)
		return err;
	mutex_lock(&bh_trust_lock);
	if (allow && !bh_allow_format1 && bh_sealed) {
		err = -EPERM;	/* a downgrade: before the seal only */
	} else if (allow != bh_allow_format1) {
		bh_allow_format1 = allow;
		if (allow)
			pr_warn("format 1 content allowed: its header is not covered by the digest (a downgrade)\n");
	}
	mutex_unlock(&bh_trust_lock);
	return err ?: count;
}

/*
 * Read and write "NAME VALUE" lines, one per write: the floors
 * (VALUE a content version) and the signature requirements (VALUE 1).
 */
static int bh_parse_name_value(const char __user *ubuf, size_t count,
			       char *name, u64 *value)
{
	char line[BH_NAME_LEN + 32], *sp;

	if (!count || count >= sizeof(line))
		return -EINVAL;
	if (copy_from_user(line, ubuf, count))
		return -EFAULT;
	line[count] = '\0';
	sp = strchr(strim(line), ' ');
	if (!sp)
		return -EINVAL;
	*sp++ = '\0';
	if (!bh_name_valid(line) || kstrtou64(skip_spaces(sp), 10, value))
		return -EINVAL;
	strscpy(name, line, BH_NAME_LEN + 1);
	return 0;
}

static ssize_t bh_policy_read(char __user *buf, size_t count, loff_t *ppos,
			      bool floors)
{
	size_t size = BH_TRUST_MAX * (BH_NAME_LEN + 24) + 1, len = 0;
	unsigned int i;
	ssize_t ret;
	char *text;

	text = kmalloc(size, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	mutex_lock(&bh_trust_lock);
	for (i = 0; i < bh_nr_trust; i++) {
		if (floors && bh_trust[i].floor)
			len += scnprintf(text + len, size - len, "%s %llu\n",
					 bh_trust[i].name, bh_trust[i].floor);
		else if (!floors && bh_trust[i].require_sig)
			len += scnprintf(text + len, size - len, "%s 1\n",
					 bh_trust[i].name);
	}
	mutex_unlock(&bh_trust_lock);
	ret = bh_text_read(buf, count, ppos, text, len);
	kfree(text);
	return ret;
}

static ssize_t bh_floors_read(struct file *file, char __user *buf,
			      size_t count, loff_t *ppos)
{
	return bh_policy_read(buf, count, ppos, true);
}

/*
 * One "NAME VALUE" line: a floor (only ever raised) or a requirement
 * (VALUE 1; never lifted).  Both hold until reboot.
 */
static ssize_t bh_policy_write(const char __user *ubuf, size_t count, bool floors)
{
	char name[BH_NAME_LEN + 1];
	struct bh_trust_entry *t;
	u64 value;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	err = bh_parse_name_value(ubuf, count, name, &value);
	if (err)
		return err;
	if (!floors && value > 1)
		return -EINVAL;
	mutex_lock(&bh_trust_lock);
	t = bh_trust_find(name, true);
	if (!t) {
		err = -ENOSPC;
	} else if (floors && value < t->floor) {
		pr_warn("extension %s: floor stays at %llu, not lowered to %llu: a floor only rises until reboot\n",
			name, t->floor, value);
		err = -EPERM;
	} else if (floors && value > t->floor) {
		pr_info("extension %s: floor raised from %llu to %llu: older content is refused\n",
			name, t->floor, value);
		t->floor = value;
	} else if (!floors && !value && t->require_sig) {
		err = -EPERM;	/* only a reboot lifts it */
	} else if (!floors && value && !t->require_sig) {
		t->require_sig = true;
		pr_info("extension %s: signed content required\n", name);
	}
	mutex_unlock(&bh_trust_lock);
	return err ?: count;
}

static ssize_t bh_floors_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	return bh_policy_write(ubuf, count, true);
}

static ssize_t bh_require_read(struct file *file, char __user *buf,
			       size_t count, loff_t *ppos)
{
	return bh_policy_read(buf, count, ppos, false);
}

static ssize_t bh_require_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	return bh_policy_write(ubuf, count, false);
}

const struct file_operations bh_keys_fops = {
	.owner = THIS_MODULE,
	.read = bh_keys_read,
	.write = bh_keys_write,
	.llseek = default_llseek,
};

const struct file_operations bh_keys_sealed_fops = {
	.owner = THIS_MODULE,
	.read = bh_sealed_read,
	.write = bh_sealed_write,
	.llseek = default_llseek,
};

const struct file_operations bh_allow_format1_fops = {
	.owner = THIS_MODULE,
	.read = bh_format1_read,
	.write = bh_format1_write,
	.llseek = default_llseek,
};

const struct file_operations bh_floors_fops = {
	.owner = THIS_MODULE,
	.read = bh_floors_read,
	.write = bh_floors_write,
	.llseek = default_llseek,
};

const struct file_operations bh_require_sig_fops = {
	.owner = THIS_MODULE,
	.read = bh_require_read,
	.write = bh_require_write,
	.llseek = default_llseek,
};

/* ---- set-up ------------------------------------------------------------ */

/**
 * bh_trust_init() - create the .bulkhead keyring
 *
 * Return: 0, or the keyring's negative errno.
 */
int bh_trust_init(void)
{
	struct key *kr;

	kr = keyring_alloc(".bulkhead", GLOBAL_ROOT_UID, GLOBAL_ROOT_GID,
			   current_cred(),
			   (KEY_POS_ALL & ~KEY_POS_SETATTR) |
			   KEY_USR_VIEW | KEY_USR_READ | KEY_USR_SEARCH,
			   KEY_ALLOC_NOT_IN_QUOTA, NULL, NULL);
	if (IS_ERR(kr)) {
		pr_err("cannot create the .bulkhead keyring (error %ld), not loading\n",
		       PTR_ERR(kr));
		return PTR_ERR(kr);
	}
	bh_keyring = kr;
	if (bh_use_machine_keys())
		pr_info("content signatures are checked against the secondary trusted keyring (%s)\n",
			bh_machine_keys > 0 ? "trust_machine_keyring=1" : "Secure Boot");
	return 0;
}

/**
 * bh_trust_exit() - drop the keyring and its keys
 */
void bh_trust_exit(void)
{
	unsigned int i;

	key_revoke(bh_keyring);
	key_put(bh_keyring);
	bh_keyring = NULL;
	for (i = 0; i < bh_nr_keys; i++)
		kfree(bh_key_names[i]);
}
