// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * sign.c - signing content files and checking their signatures in
 * userspace, with OpenSSL's libcrypto doing every piece of cryptography
 * and ASN.1.
 *
 * A signature signs the 160 header bytes, and the header holds both the
 * signature's length (sig_len) and the digest that covers sig_len: the
 * DER length must be known before the header is final, and is known only
 * after signing.  bulkhead_content_sign() therefore signs, writes the DER
 * length into sig_len, recomputes the digest and signs again, until a
 * signature comes out exactly as long as the header says.  An RSA
 * signature's length depends only on the key, so the second round
 * settles; ECDSA's DER length moves by a byte or two from one signature
 * to the next (the integers r and s lose or gain a leading zero byte),
 * so it takes a few rounds, and BULKHEAD_SIGN_MAX_ROUNDS bounds them.
 *
 * The verifier is as strict as the kernel's PKCS#7 parser, and stricter
 * where that costs nothing (no bytes after the DER, one signer): what
 * passes here is what the shim will take with the same certificate in
 * its keyring, and a refusal says which check failed.  One difference is
 * known: the version numbers of the SignedData and of its SignerInfo,
 * which no key signs and OpenSSL neither checks nor shows, pass here
 * whatever they are, where the kernel takes only 1 and 3.  A signature
 * made by sign.c always says 1.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "sign.h"

#define SIGNER_LEN	256	/* a subject or issuer name, for messages */
#define REASON_LEN	96	/* OpenSSL's reason, inside a message */

/* the flags scripts/sign-file.c signs kernel modules with */
#define SIGN_FLAGS	(CMS_NOCERTS | CMS_PARTIAL | CMS_BINARY | CMS_DETACHED)
#define SIGNER_FLAGS	(CMS_NOCERTS | CMS_BINARY | CMS_NOSMIMECAP | CMS_NOATTR)
/*
 * A certificate of the set is trusted as it is (no chain, no dates), and
 * only certificates of the set are used, never one the signature carries.
 */
#define VERIFY_FLAGS	(CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY | CMS_NOINTERN | \
			 CMS_NOCRL)

struct bulkhead_keyset {
	X509 **certs;
	unsigned int nr;
	unsigned int alloc;
	char signer[SIGNER_LEN];	/* subject of the last good signer */
};

static inline void x509_freep(X509 **p)
{
	X509_free(*p);
}

static inline void pkey_freep(EVP_PKEY **p)
{
	EVP_PKEY_free(*p);
}

static inline void cms_freep(CMS_ContentInfo **p)
{
	CMS_ContentInfo_free(*p);
}

static inline void bio_freep(BIO **p)
{
	BIO_free(*p);
}

#define _cleanup_x509_ _cleanup_(x509_freep)
#define _cleanup_pkey_ _cleanup_(pkey_freep)
#define _cleanup_cms_ _cleanup_(cms_freep)
#define _cleanup_bio_ _cleanup_(bio_freep)

static void put_le32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

/*
 * The first (innermost) error OpenSSL queued, which names the cause
 * ("header too long") where the later ones name the callers ("nested
 * asn1 error"); the queue is emptied.
 */
static const char *ossl_reason(char *buf, size_t size)
{
	unsigned long e = ERR_peek_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	if (r)
		snprintf(buf, size, "%s", r);
	else if (e)
		ERR_error_string_n(e, buf, size);
	else
		snprintf(buf, size, "no reason given");
	ERR_clear_error();
	return buf;
}

/*
 * An X.509 name on one line, in the certificate's order ("CN=Acme
 * Signing, O=Acme"), with RFC 2253's escapes for control characters and
 * bytes above 0x7f: the name comes from untrusted input.
 */
#define NAME_FLAGS	(XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ)

static void name_text(const X509_NAME *name, char *buf, size_t size)
{
	_cleanup_bio_ BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n = 0;

	if (b && X509_NAME_print_ex(b, name, 0, NAME_FLAGS) >= 0)
		n = BIO_get_mem_data(b, &p);
	if (n > 0 && p)
		snprintf(buf, size, "%.*s", (int)n, p);
	else
		snprintf(buf, size, "(empty name)");
}

static void serial_text(const ASN1_INTEGER *sno, char *buf, size_t size)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(sno, NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	if (!hex)
		snprintf(buf, size, "?");
	else if (hex[0] == '-')
		snprintf(buf, size, "-0x%s", hex + 1);
	else
		snprintf(buf, size, "0x%s", hex);
	OPENSSL_free(hex);
	BN_free(bn);
}

/* who a signature says signed it: issuer and serial, or a key id */
static void signer_id_text(CMS_SignerInfo *si, char *buf, size_t size)
{
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *sno = NULL;
	char name[SIGNER_LEN], serial[80];
	size_t o;
	int i;

	if (!CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &sno)) {
		ERR_clear_error();
		snprintf(buf, size, "an unreadable signer id");
		return;
	}
	if (keyid) {
		o = (size_t)snprintf(buf, size, "subject key id ");
		for (i = 0; i < ASN1_STRING_length(keyid) && o + 3 < size; i++)
			o += (size_t)snprintf(buf + o, size - o, "%02x",
					      ASN1_STRING_get0_data(keyid)[i]);
		return;
	}
	name_text(issuer, name, sizeof(name));
	serial_text(sno, serial, sizeof(serial));
	snprintf(buf, size, "issuer %s, serial %s", name, serial);
}

static void obj_text(const ASN1_OBJECT *obj, char *buf, size_t size)
{
	if (!obj || OBJ_obj2txt(buf, (int)size, obj, 0) <= 0)
		snprintf(buf, size, "(none)");
}

static bool is_pem(const uint8_t *buf, size_t len)
{
	return memmem(buf, len, "-----BEGIN ", 11) != NULL;
}

/* keys are read without a passphrase: an encrypted one is refused */
static int refuse_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	if (u)
		*(bool *)u = true;
	return -1;
}

/* ---- certificates and keys ------------------------------------------- */

/*
 * One X.509 certificate, PEM or DER.  One per file: the loader enrolls a
 * file's certificate in the kernel's keyring, and a second one that this
 * side trusted and the kernel never saw would make the two disagree.
 */
static int parse_cert(const uint8_t *buf, size_t len, const char *path,
		      X509 **ret, struct bulkhead_msg *msg)
{
	char reason[REASON_LEN];
	X509 *x = NULL;

	ERR_clear_error();
	if (is_pem(buf, len)) {
		_cleanup_bio_ BIO *b = BIO_new_mem_buf(buf, (int)len);

		x = b ? PEM_read_bio_X509(b, NULL, refuse_passphrase, NULL) : NULL;
		if (x) {
			_cleanup_x509_ X509 *second =
				PEM_read_bio_X509(b, NULL, refuse_passphrase, NULL);

			ERR_clear_error();
			if (second) {
				X509_free(x);
				bulkhead_msg_set(msg, "cert %s: holds more than one certificate; put each in a file of its own",
						 path);
				return -EINVAL;
			}
		}
	} else {
		const unsigned char *p = buf;

		x = d2i_X509(NULL, &p, (long)len);
		if (x && p != buf + len) {
			X509_free(x);
			bulkhead_msg_set(msg, "cert %s: %td bytes after the DER certificate",
					 path, (buf + len) - p);
			return -EINVAL;
		}
	}
	if (!x) {
		bulkhead_msg_set(msg, "cert %s: not a PEM or DER X.509 certificate (%s)",
				 path, ossl_reason(reason, sizeof(reason)));
		return -EINVAL;
	}
	*ret = x;
	return 0;
}

static int load_cert(const char *path, X509 **ret, struct bulkhead_msg *msg)
{
	_cleanup_free_ uint8_t *buf = NULL;
	struct bulkhead_msg rmsg;
	size_t len;
	int err;

	err = bulkhead_read_file(path, BULKHEAD_KEYFILE_MAX, &buf, &len, &rmsg);
	if (err) {
		bulkhead_msg_set(msg, "cert %s", rmsg.text);
		return err;
	}
	return parse_cert(buf, len, path, ret, msg);
}

static int load_key(const char *path, EVP_PKEY **ret, struct bulkhead_msg *msg)
{
	_cleanup_free_ uint8_t *buf = NULL;
	char reason[REASON_LEN];
	struct bulkhead_msg rmsg;
	EVP_PKEY *pkey = NULL;
	bool asked = false;
	size_t len;
	int err, id;

	err = bulkhead_read_file(path, BULKHEAD_KEYFILE_MAX, &buf, &len, &rmsg);
	if (err) {
		bulkhead_msg_set(msg, "key %s", rmsg.text);
		return err;
	}
	ERR_clear_error();
	if (is_pem(buf, len)) {
		_cleanup_bio_ BIO *b = BIO_new_mem_buf(buf, (int)len);

		if (b)
			pkey = PEM_read_bio_PrivateKey(b, NULL, refuse_passphrase,
						       &asked);
	} else {
		const unsigned char *p = buf;

		pkey = d2i_AutoPrivateKey(NULL, &p, (long)len);
	}
	/* the private key's bytes do not outlive their parsing */
	OPENSSL_cleanse(buf, len);
	if (!pkey) {
		ossl_reason(reason, sizeof(reason));
		if (asked)
			bulkhead_msg_set(msg, "key %s: encrypted with a passphrase; sign with an unencrypted key (keep it where only the signing job can read it)",
					 path);
		else
			bulkhead_msg_set(msg, "key %s: not a PEM or DER private key (%s)",
					 path, reason);
		return -EINVAL;
	}
	id = EVP_PKEY_get_base_id(pkey);
	if (id != EVP_PKEY_RSA && id != EVP_PKEY_EC) {
		bulkhead_msg_set(msg, "key %s: %s keys cannot sign content (RSA or ECDSA only)",
				 path, EVP_PKEY_get0_type_name(pkey) ?
				 EVP_PKEY_get0_type_name(pkey) : "?");
		EVP_PKEY_free(pkey);
		return -ENOPKG;
	}
	*ret = pkey;
	return 0;
}

/**
 * bulkhead_cert_file_name() - whether a keys directory's entry is a
 * certificate file
 * @name: a file name, without its directory
 *
 * The one rule for every reader of a keys directory: a name ending in
 * .pem, .crt, .der or .x509 (lower case), with something before it.
 *
 * Return: true if the file is to be read as a certificate.
 */
bool bulkhead_cert_file_name(const char *name)
{
	static const char *const suffixes[] = { ".pem", ".crt", ".der", ".x509" };
	size_t len = strlen(name), i, n;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		n = strlen(suffixes[i]);
		if (len > n && !strcmp(name + len - n, suffixes[i]))
			return true;
	}
	return false;
}

/**
 * bulkhead_cert_load_der() - an X.509 certificate file as DER bytes
 * @path: a PEM or DER file holding one certificate
 * @ret_der: malloc'd DER encoding, written on success only (free() it)
 * @ret_len: its length
 * @msg: the reason on failure, naming @path
 *
 * The form add_key("asymmetric", ...) takes into a kernel keyring.
 *
 * Return: 0, -EINVAL for a file that is not one certificate, -ENOMEM, or
 * the read's negative errno.
 */
int bulkhead_cert_load_der(const char *path, uint8_t **ret_der,
			   size_t *ret_len, struct bulkhead_msg *msg)
{
	_cleanup_x509_ X509 *x = NULL;
	unsigned char *der = NULL;
	uint8_t *out;
	int err, n;

	err = load_cert(path, &x, msg);
	if (err)
		return err;
	n = i2d_X509(x, &der);
	out = n > 0 ? malloc((size_t)n) : NULL;
	if (!out) {
		OPENSSL_free(der);
		ERR_clear_error();
		bulkhead_msg_set(msg, "cert %s: cannot encode as DER: out of memory", path);
		return -ENOMEM;
	}
	memcpy(out, der, (size_t)n);
	OPENSSL_free(der);
	*ret_der = out;
	*ret_len = (size_t)n;
	return 0;
}

/* ---- keysets ----------------------------------------------------------- */

static struct bulkhead_keyset *keyset_new(void)
{
	return calloc(1, sizeof(struct bulkhead_keyset));
}

/* the set takes its own reference to @x */
static int keyset_add(struct bulkhead_keyset *ks, X509 *x)
{
	if (ks->nr == ks->alloc) {
		unsigned int alloc = ks->alloc ? 2 * ks->alloc : 4;
		X509 **certs = reallocarray(ks->certs, alloc, sizeof(*certs));

		if (!certs)
			return -ENOMEM;
		ks->certs = certs;
		ks->alloc = alloc;
	}
	if (!X509_up_ref(x))
		return -ENOMEM;
	ks->certs[ks->nr++] = x;
	return 0;
}

static int keyset_add_file(struct bulkhead_keyset *ks, const char *path,
			   struct bulkhead_msg *msg)
{
	_cleanup_x509_ X509 *x = NULL;
	int err;

	err = load_cert(path, &x, msg);
	if (err)
		return err;
	err = keyset_add(ks, x);
	if (err)
		bulkhead_msg_set(msg, "cert %s: out of memory", path);
	return err;
}

/**
 * bulkhead_keyset_free() - free a keyset
 * @ks: the keyset, or NULL
 */
void bulkhead_keyset_free(struct bulkhead_keyset *ks)
{
	unsigned int i;

	if (!ks)
		return;
	for (i = 0; i < ks->nr; i++)
		X509_free(ks->certs[i]);
	free(ks->certs);
	free(ks);
}

/**
 * bulkhead_keyset_load_cert() - a keyset of one certificate file
 * @path: a PEM or DER X.509 certificate, one in the file
 * @ret: the keyset, written on success only (bulkhead_keyset_free() it)
 * @msg: the reason on failure, naming @path
 *
 * Return: 0, -EINVAL for a file that is not one certificate, -ENOMEM, or
 * the read's negative errno.
 */
int bulkhead_keyset_load_cert(const char *path, struct bulkhead_keyset **ret,
			      struct bulkhead_msg *msg)
{
	_cleanup_keyset_ struct bulkhead_keyset *ks = keyset_new();
	int err;

	if (!ks) {
		bulkhead_msg_set(msg, "cert %s: out of memory", path);
		return -ENOMEM;
	}
	err = keyset_add_file(ks, path, msg);
	if (err)
		return err;
	*ret = TAKE_PTR(ks);
	return 0;
}

static void free_namelist(struct dirent **names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/**
 * bulkhead_keyset_load_dir() - a keyset of every certificate in a directory
 * @dir: the directory
 * @ret: the keyset, written on success only (bulkhead_keyset_free() it)
 * @msg: the reason on failure, naming the directory or the file
 *
 * Every regular file (or link to one) whose name bulkhead_cert_file_name()
 * accepts is read, in name order, and must hold one PEM or DER X.509
 * certificate; anything else in @dir is ignored.
 *
 * Return: 0; -ENOENT if @dir holds no certificate file; -EINVAL naming the
 * first file that is not one certificate; -ENOMEM; or the negative errno
 * of opening @dir or a file in it.
 */
int bulkhead_keyset_load_dir(const char *dir, struct bulkhead_keyset **ret,
			     struct bulkhead_msg *msg)
{
	_cleanup_keyset_ struct bulkhead_keyset *ks = keyset_new();
	struct dirent **names = NULL;
	struct stat st;
	int n, i, err = 0;

	if (!ks) {
		bulkhead_msg_set(msg, "keys %s: out of memory", dir);
		return -ENOMEM;
	}
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		err = -errno;
		bulkhead_msg_set(msg, "keys %s: cannot read the directory: %s", dir,
				 strerror(-err));
		return err;
	}
	for (i = 0; i < n && !err; i++) {
		_cleanup_free_ char *path = NULL;

		if (!bulkhead_cert_file_name(names[i]->d_name))
			continue;
		if (asprintf(&path, "%s/%s", dir, names[i]->d_name) < 0) {
			path = NULL;
			bulkhead_msg_set(msg, "keys %s: out of memory", dir);
			err = -ENOMEM;
			break;
		}
		if (stat(path, &st) < 0) {
			err = -errno;
			bulkhead_msg_set(msg, "cert %s: cannot stat: %s", path,
					 strerror(-err));
			break;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		err = keyset_add_file(ks, path, msg);
	}
	free_namelist(names, n);
	if (err)
		return err;
	if (!ks->nr) {
		bulkhead_msg_set(msg, "keys %s: no certificate files (*.pem, *.crt, *.der, *.x509)",
				 dir);
		return -ENOENT;
	}
	*ret = TAKE_PTR(ks);
	return 0;
}

/**
 * bulkhead_keyset_count() - how many certificates a keyset holds
 * @ks: the keyset
 *
 * Return: the number.
 */
unsigned int bulkhead_keyset_count(const struct bulkhead_keyset *ks)
{
	return ks->nr;
}

/**
 * bulkhead_keyset_signer() - who made the signature last verified
 * @ks: the keyset
 *
 * Return: the subject (one line, "CN=..., O=...") of the certificate that
 * verified the last signature bulkhead_keyset_verify() accepted; "" if
 * its last call refused one.  Valid until the next call.
 */
const char *bulkhead_keyset_signer(const struct bulkhead_keyset *ks)
{
	return ks->signer;
}

/* ---- verifying ----------------------------------------------------------- */

/*
 * Parse @sig as the kind of signature content carries: DER, SignedData,
 * detached, over id-data, one signer.  On success *@ret holds the parsed
 * structure (the caller frees it) and *@ret_si its signer.
 */
static int parse_signed_data(const u8 *sig, u32 sig_len, CMS_ContentInfo **ret,
			     CMS_SignerInfo **ret_si, char *why, size_t why_len)
{
	_cleanup_cms_ CMS_ContentInfo *cms = NULL;
	const unsigned char *p = sig;
	STACK_OF(CMS_SignerInfo) *sis;
	ASN1_OCTET_STRING **content;
	char reason[REASON_LEN];
	int n;

	ERR_clear_error();
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)sig_len);
	if (!cms) {
		snprintf(why, why_len, "malformed PKCS#7: %s",
			 ossl_reason(reason, sizeof(reason)));
		return -EBADMSG;
	}
	if (p != sig + sig_len) {
		snprintf(why, why_len, "malformed PKCS#7: %td bytes after its end",
			 (sig + sig_len) - p);
		return -EBADMSG;
	}
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		obj_text(CMS_get0_type(cms), reason, sizeof(reason));
		snprintf(why, why_len, "not a SignedData: content type %s", reason);
		return -EBADMSG;
	}
	if (OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_pkcs7_data) {
		obj_text(CMS_get0_eContentType(cms), reason, sizeof(reason));
		snprintf(why, why_len, "wrong content type: signs %s, not data", reason);
		return -EBADMSG;
	}
	content = CMS_get0_content(cms);
	ERR_clear_error();
	if (content && *content) {
		snprintf(why, why_len, "the signed content is embedded, not detached");
		return -EBADMSG;
	}
	sis = CMS_get0_SignerInfos(cms);
	n = sis ? sk_CMS_SignerInfo_num(sis) : 0;
	if (n <= 0) {
		snprintf(why, why_len, "no signer");
		return -EBADMSG;
	}
	if (n > 1) {
		snprintf(why, why_len, "%d signers; content carries exactly one", n);
		return -EBADMSG;
	}
	*ret_si = sk_CMS_SignerInfo_value(sis, 0);
	*ret = TAKE_PTR(cms);
	return 0;
}

/* SHA-256, and RSA or ECDSA as the kernel's PKCS#7 parser names them */
static int check_algorithms(CMS_SignerInfo *si, char *why, size_t why_len)
{
	X509_ALGOR *dig = NULL, *sigalg = NULL;
	const ASN1_OBJECT *obj = NULL;
	char name[REASON_LEN];
	int nid;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sigalg);
	if (dig)
		X509_ALGOR_get0(&obj, NULL, NULL, dig);
	if (OBJ_obj2nid(obj) != NID_sha256) {
		obj_text(obj, name, sizeof(name));
		snprintf(why, why_len, "unsupported digest %s (SHA-256 only)", name);
		return -ENOPKG;
	}
	obj = NULL;
	if (sigalg)
		X509_ALGOR_get0(&obj, NULL, NULL, sigalg);
	nid = OBJ_obj2nid(obj);
	if (nid != NID_rsaEncryption && nid != NID_ecdsa_with_SHA256) {
		obj_text(obj, name, sizeof(name));
		snprintf(why, why_len, "unsupported signature algorithm %s (rsaEncryption or ecdsa-with-SHA256)",
			 name);
		return -ENOPKG;
	}
	return 0;
}

/*
 * 1 if @cert's key made the signature of @si over @data, 0 if not, or
 * -ENOMEM.  The content goes in through a null filter over a memory BIO:
 * given a memory BIO itself, CMS_verify() copies it into a new one, which
 * OpenSSL 3.0 leaks when CMS_dataInit() then fails (an unknown digest in
 * the SignedData's digest algorithms, for one).
 */
static int verify_with(CMS_ContentInfo *cms, CMS_SignerInfo *si, X509 *cert,
		       const u8 *data, u32 data_len)
{
	BIO *mem = BIO_new_mem_buf(data, (int)data_len);
	BIO *content = mem ? BIO_new(BIO_f_null()) : NULL;
	int r;

	if (!content) {
		BIO_free(mem);
		return -ENOMEM;
	}
	BIO_push(content, mem);
	/* set here, so CMS_verify() looks no certificate up by itself */
	CMS_SignerInfo_set1_signer_cert(si, cert);
	r = CMS_verify(cms, NULL, NULL, content, NULL, VERIFY_FLAGS) == 1;
	BIO_free_all(content);
	return r;
}

/**
 * bulkhead_keyset_verify() - a struct bh_sig_verifier's verify: does a
 * certificate of the keyset vouch for this signature
 * @arg: the struct bulkhead_keyset
 * @sig_type: must be BH_SIG_PKCS7
 * @data: what was signed (the 160 header bytes)
 * @data_len: its length
 * @sig: the signature: DER CMS SignedData, detached
 * @sig_len: its length
 * @why: the reason on refusal, one NUL-terminated line
 * @why_len: @why's size
 *
 * Every certificate of the set whose issuer and serial (or subject key
 * id) the signature names is tried; the first whose key verifies the
 * signature wins and its subject is kept (bulkhead_keyset_signer()).
 * Certificates are trusted as they are: no chain, no validity dates.
 *
 * Return: 0 if a certificate of the set verifies the signature;
 * -EBADMSG malformed (not DER, not a detached SignedData over data, not
 * exactly one signer); -ENOPKG an algorithm other than SHA-256 with RSA
 * or ECDSA, or another sig_type; -ENOKEY no certificate of the set is
 * the signer's; -EKEYREJECTED the signature does not verify (wrong
 * content, wrong key, damaged); -ENOMEM.
 */
int bulkhead_keyset_verify(void *arg, u32 sig_type, const u8 *data,
			   u32 data_len, const u8 *sig, u32 sig_len,
			   char *why, size_t why_len)
{
	struct bulkhead_keyset *ks = arg;
	_cleanup_cms_ CMS_ContentInfo *cms = NULL;
	char reason[REASON_LEN] = "", id[SIGNER_LEN];
	CMS_SignerInfo *si = NULL;
	unsigned int i, tried = 0;
	X509 *last = NULL;
	int r;

	ks->signer[0] = '\0';
	if (sig_type != BH_SIG_PKCS7) {
		snprintf(why, why_len, "signature type %u is not supported", sig_type);
		return -ENOPKG;
	}
	if (data_len > INT_MAX) {
		snprintf(why, why_len, "%u bytes of signed data, too many", data_len);
		return -EBADMSG;
	}
	r = parse_signed_data(sig, sig_len, &cms, &si, why, why_len);
	if (!r)
		r = check_algorithms(si, why, why_len);
	if (r)
		return r;
	for (i = 0; i < ks->nr; i++) {
		if (CMS_SignerInfo_cert_cmp(si, ks->certs[i]))
			continue;
		tried++;
		last = ks->certs[i];
		r = verify_with(cms, si, last, data, data_len);
		if (r == 1) {
			ERR_clear_error();
			name_text(X509_get_subject_name(last), ks->signer,
				  sizeof(ks->signer));
			return 0;
		}
		if (r < 0) {
			ERR_clear_error();
			snprintf(why, why_len, "out of memory");
			return r;
		}
		if (tried == 1)
			ossl_reason(reason, sizeof(reason));
		ERR_clear_error();
	}
	if (!tried) {
		signer_id_text(si, id, sizeof(id));
		snprintf(why, why_len, "unknown signer: %s", id);
		return -ENOKEY;
	}
	name_text(X509_get_subject_name(last), id, sizeof(id));
	snprintf(why, why_len, "bad signature: does not verify with %s (%s)", id,
		 reason);
	return -EKEYREJECTED;
}

/**
 * bulkhead_sig_describe() - who a signature says made it, unchecked
 * @sig: a content signature (DER CMS)
 * @sig_len: its length
 * @buf: where to put "issuer NAME, serial 0xN" (or "subject key id HEX")
 * @size: @buf's size
 *
 * For a reader without keys, which can say who claims to have signed but
 * not whether it is so.
 *
 * Return: 0, or -EBADMSG (with the reason in @buf) for a signature that
 * bulkhead_keyset_verify() would refuse as malformed.
 */
int bulkhead_sig_describe(const uint8_t *sig, size_t sig_len, char *buf,
			  size_t size)
{
	_cleanup_cms_ CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si = NULL;
	int r;

	if (sig_len > BH_SIG_MAX) {
		snprintf(buf, size, "signature of %zu bytes", sig_len);
		return -EBADMSG;
	}
	r = parse_signed_data(sig, (u32)sig_len, &cms, &si, buf, size);
	if (r)
		return r;
	signer_id_text(si, buf, size);
	return 0;
}

/* ---- signing ----------------------------------------------------------- */

/* a DER CMS signature of the BH_SIGNED_LEN header bytes at @hdr */
static int sign_header(const uint8_t *hdr, EVP_PKEY *pkey, X509 *cert,
		       const char *key_path, uint8_t **ret_der, size_t *ret_len,
		       struct bulkhead_msg *msg)
{
	_cleanup_bio_ BIO *in = BIO_new_mem_buf(hdr, BH_SIGNED_LEN);
	_cleanup_cms_ CMS_ContentInfo *cms = NULL;
	unsigned char *der = NULL;
	char reason[REASON_LEN];
	uint8_t *out;
	int n;

	ERR_clear_error();
	if (in)
		cms = CMS_sign(NULL, NULL, NULL, NULL, SIGN_FLAGS);
	if (!cms || !CMS_add1_signer(cms, cert, pkey, EVP_sha256(), SIGNER_FLAGS) ||
	    !CMS_final(cms, in, NULL, CMS_NOCERTS | CMS_BINARY)) {
		bulkhead_msg_set(msg, "key %s: signing failed: %s", key_path,
				 ossl_reason(reason, sizeof(reason)));
		return -EIO;
	}
	n = i2d_CMS_ContentInfo(cms, &der);
	out = n > 0 ? malloc((size_t)n) : NULL;
	if (!out) {
		OPENSSL_free(der);
		bulkhead_msg_set(msg, "key %s: cannot encode the signature: %s",
				 key_path, ossl_reason(reason, sizeof(reason)));
		return -ENOMEM;
	}
	memcpy(out, der, (size_t)n);
	OPENSSL_free(der);
	*ret_der = out;
	*ret_len = (size_t)n;
	return 0;
}

/* what was made must pass the check every reader runs */
static int self_check(const uint8_t *buf, size_t len, X509 *cert,
		      const char *cert_path, struct bulkhead_msg *msg)
{
	_cleanup_keyset_ struct bulkhead_keyset *ks = keyset_new();
	struct bh_sig_verifier v;
	struct bh_content view;
	struct bh_error verr;

	if (!ks || keyset_add(ks, cert)) {
		bulkhead_msg_set(msg, "out of memory");
		return -ENOMEM;
	}
	v = bulkhead_keyset_verifier(ks);
	if (bh_content_validate_signed(buf, len, NULL,
				       BH_VALIDATE_REQUIRE_SIG | BH_VALIDATE_NO_FORMAT1,
				       &v, &view, &verr)) {
		bulkhead_msg_set(msg, "signed with cert %s, but the result does not verify: refused (%s): %s",
				 cert_path, bh_err_name(verr.code), verr.msg);
		return -EIO;
	}
	return 0;
}

/**
 * bulkhead_content_sign() - sign a content file
 * @in: a format-2 content file, signed or not
 * @in_len: its length
 * @key_path: the private key, PEM or DER, unencrypted, RSA or EC
 * @cert_path: its certificate, PEM or DER, one in the file
 * @ret_buf: the signed file, malloc'd, written on success only (free() it)
 * @ret_len: its length
 * @msg: the reason on failure; content refusals read "refused (CLASS):
 *	REASON" and key or certificate problems name the file, so a caller
 *	prefixes "content FILE: "
 *
 * @in must pass the structure-only validation (no schema, a signature
 * left unchecked).  The result is @in's header with sig_type 1, sig_len
 * and digest set, @in's payload, and a DER CMS signature of that header
 * (sign.h); an existing signature is dropped.  The signed result is
 * checked with @cert_path's certificate before it is handed out.
 *
 * Return: 0; -EBADMSG if @in is refused or is format 1 (its digest does
 * not cover the header); -EINVAL a key or certificate that does not parse
 * (or an encrypted key); -ENOPKG a key of another type; -EKEYREJECTED the
 * key is not the certificate's; -EAGAIN the signature's length did not
 * settle in BULKHEAD_SIGN_MAX_ROUNDS rounds; -EIO OpenSSL failed, or the
 * result did not verify; -ENOMEM; or the read's negative errno.
 */
int bulkhead_content_sign(const uint8_t *in, size_t in_len,
			  const char *key_path, const char *cert_path,
			  uint8_t **ret_buf, size_t *ret_len,
			  struct bulkhead_msg *msg)
{
	_cleanup_pkey_ EVP_PKEY *pkey = NULL;
	_cleanup_x509_ X509 *cert = NULL;
	_cleanup_free_ uint8_t *out = NULL, *der = NULL;
	char reason[REASON_LEN];
	struct bh_content view;
	struct bh_error verr;
	size_t body, der_len = 0;
	unsigned int round;
	uint8_t *grown;
	u32 guess = 0;
	int err;

	if (bh_content_validate(in, in_len, NULL, BH_VALIDATE_SIG_UNCHECKED,
				&view, &verr)) {
		bulkhead_msg_set(msg, "refused (%s): %s", bh_err_name(verr.code),
				 verr.msg);
		return -EBADMSG;
	}
	if (view.format_version != BH_FORMAT_V2) {
		bulkhead_msg_set(msg, "format %u cannot be signed (its digest does not cover the header): build it again as format %u",
				 view.format_version, BH_FORMAT_V2);
		return -EBADMSG;
	}
	err = load_key(key_path, &pkey, msg);
	if (!err)
		err = load_cert(cert_path, &cert, msg);
	if (err)
		return err;
	ERR_clear_error();
	if (X509_check_private_key(cert, pkey) != 1) {
		bulkhead_msg_set(msg, "key %s is not the key of cert %s (%s)",
				 key_path, cert_path, ossl_reason(reason, sizeof(reason)));
		return -EKEYREJECTED;
	}

	body = BH_HEADER_LEN + (size_t)view.payload_len;
	out = malloc(body);
	if (!out) {
		bulkhead_msg_set(msg, "out of memory for %zu bytes", body);
		return -ENOMEM;
	}
	memcpy(out, in, body);
	put_le32(out + BH_OFF_SIG_TYPE, BH_SIG_PKCS7);
	/* sign until the signature is as long as the header it signs says */
	for (round = 0;; round++) {
		if (round == BULKHEAD_SIGN_MAX_ROUNDS) {
			bulkhead_msg_set(msg, "key %s: the signature's length did not settle in %u rounds (%u bytes, then %zu)",
					 key_path, round, guess, der_len);
			return -EAGAIN;
		}
		put_le32(out + BH_OFF_SIG_LEN, guess);
		err = bh_content_digest(out, out + BH_OFF_DIGEST);
		if (err) {
			bulkhead_msg_set(msg, "SHA-256 failed: %s", strerror(-err));
			return err;
		}
		free(der);
		der = NULL;
		err = sign_header(out, pkey, cert, key_path, &der, &der_len, msg);
		if (err)
			return err;
		if (der_len > BH_SIG_MAX) {
			bulkhead_msg_set(msg, "key %s: a signature of %zu bytes, above the format's limit of %u",
					 key_path, der_len, BH_SIG_MAX);
			return -EFBIG;
		}
		if (der_len == guess)
			break;
		guess = (u32)der_len;
	}
	grown = realloc(out, body + der_len);
	if (!grown) {
		bulkhead_msg_set(msg, "out of memory for %zu bytes", body + der_len);
		return -ENOMEM;
	}
	out = grown;
	memcpy(out + body, der, der_len);
	err = self_check(out, body + der_len, cert, cert_path, msg);
	if (err)
		return err;
	*ret_buf = TAKE_PTR(out);
	*ret_len = body + der_len;
	return 0;
}
