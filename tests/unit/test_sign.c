// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_sign.c - content signatures in userspace (common/sign.c): signing
 * fixture content, checking it through bh_content_validate_signed() with
 * a keyset as the verifier, and every way a signature can be wrong:
 * another signer, a changed header or payload, every truncation and every
 * changed byte of a real signature, random bytes, absurd DER lengths,
 * CMS of other kinds, other algorithms, other content.
 *
 * The keys (RSA 2048, ECDSA P-256) and their self-signed certificates are
 * made once, with OpenSSL, in a fresh mkdtemp() directory.  The content
 * comes from fixture.c's independent encoder, and the signatures the
 * tests forge are made here with OpenSSL's CMS API directly, not with the
 * code under test.  A refusal must come back as a refusal (class
 * `signature` through the validator, a negative errno from the verifier)
 * and never as a crash; under check-asan these run with AddressSanitizer,
 * UBSan and leak detection, and every buffer holding a file or a
 * signature is allocated to its exact length.  (The changed-byte test
 * found OpenSSL 3.0's CMS_verify() leaking when the SignedData names an
 * unknown digest: see verify_with() in sign.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "fixture.h"
#include "sign.h"
#include "testutil.h"

/* ---- keys and certificates, made once ------------------------------------ */

struct signer {
	const char *name;	/* file stem in the test directory */
	EVP_PKEY *key;
	X509 *cert;
	char key_path[96];
	char cert_path[96];
	char der_path[96];	/* the certificate as DER */
	char key_der_path[96];	/* the key as DER */
};

static char root[] = "/tmp/bh-sign-XXXXXX";
static struct signer rsa = { .name = "rsa" };
static struct signer ec = { .name = "ec" };
/* the RSA signer's issuer and serial, another key: a name is not a key */
static struct signer twin = { .name = "twin" };
/* expired yesterday: dates are not checked, as the kernel checks none */
static struct signer expired = { .name = "expired" };

static int write_signer(struct signer *s)
{
	FILE *f;
	int ok;

	snprintf(s->key_path, sizeof(s->key_path), "%s/%s.key", root, s->name);
	snprintf(s->cert_path, sizeof(s->cert_path), "%s/%s.pem", root, s->name);
	snprintf(s->der_path, sizeof(s->der_path), "%s/%s.der", root, s->name);
	snprintf(s->key_der_path, sizeof(s->key_der_path), "%s/%s.key.der", root,
		 s->name);
	f = fopen(s->key_path, "w");
	ok = f && PEM_write_PrivateKey(f, s->key, NULL, NULL, 0, NULL, NULL);
	if (f && fclose(f))
		ok = 0;
	f = ok ? fopen(s->cert_path, "w") : NULL;
	ok = f && PEM_write_X509(f, s->cert);
	if (f && fclose(f))
		ok = 0;
	f = ok ? fopen(s->der_path, "w") : NULL;
	ok = f && i2d_X509_fp(f, s->cert);
	if (f && fclose(f))
		ok = 0;
	f = ok ? fopen(s->key_der_path, "w") : NULL;
	ok = f && i2d_PrivateKey_fp(f, s->key);
	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : -1;
}

static int make_signer(struct signer *s, EVP_PKEY *key, const char *cn,
		       long serial, long from_days, long to_days)
{
	s->key = key;
	s->cert = key ? fx_make_cert(key, cn, serial, from_days, to_days) : NULL;
	if (!s->cert)
		return -1;
	return write_signer(s);
}

static int group_setup(void **state)
{
	(void)state;
	if (!mkdtemp(root))
		return -1;
	if (make_signer(&rsa, EVP_RSA_gen(2048), "Test RSA", 1, -1, 3650) ||
	    make_signer(&ec, EVP_EC_gen("P-256"), "Test EC", 2, -1, 3650) ||
	    make_signer(&twin, EVP_EC_gen("P-256"), "Test RSA", 1, -1, 3650) ||
	    make_signer(&expired, EVP_EC_gen("P-256"), "Test Expired", 3, -2, -1)) {
		ERR_print_errors_fp(stderr);
		return -1;
	}
	return 0;
}

static void free_signer(struct signer *s)
{
	EVP_PKEY_free(s->key);
	X509_free(s->cert);
}

static int group_teardown(void **state)
{
	(void)state;
	free_signer(&rsa);
	free_signer(&ec);
	free_signer(&twin);
	free_signer(&expired);
	rm_tree(root);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free_owned();
	return 0;
}

/* ---- helpers --------------------------------------------------------------- */

struct file {
	uint8_t *data;
	size_t len;
};

static u32 le32_at(const uint8_t *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static void set_le32(uint8_t *p, u32 v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static size_t body_len(const struct file *f)
{
	return f->len - le32_at(f->data + BH_OFF_SIG_LEN);
}

/* fx_build_valid(), in a buffer of its own (owned by the test) */
static struct file unsigned_file(void)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct file f;

	assert_int_equal(fx_build_valid(&b), 0);
	f.data = own(malloc(b.len));
	memcpy(f.data, b.data, b.len);
	f.len = b.len;
	return f;
}

static struct file sign_file(const struct file *in, const struct signer *s)
{
	struct bulkhead_msg msg = { "" };
	struct file f;
	int r;

	r = bulkhead_content_sign(in->data, in->len, s->key_path, s->cert_path,
				  &f.data, &f.len, &msg);
	if (r)
		fail_msg("signing with %s failed: %d %s", s->name, r, msg.text);
	own(f.data);
	assert_int_equal(ERR_peek_error(), 0);
	return f;
}

static struct file signed_by(const struct signer *s)
{
	struct file u = unsigned_file();

	return sign_file(&u, s);
}

/*
 * @f's header and payload with @sig as its signature: sig_type 1, sig_len
 * and the digest set, so that the signature check is what judges
 */
static struct file with_sig(const struct file *f, const uint8_t *sig, size_t len)
{
	size_t body = body_len(f);
	struct file out;

	out.len = body + len;
	out.data = own(malloc(out.len ? out.len : 1));
	memcpy(out.data, f->data, body);
	if (len)
		memcpy(out.data + body, sig, len);
	set_le32(out.data + BH_OFF_SIG_TYPE, BH_SIG_PKCS7);
	set_le32(out.data + BH_OFF_SIG_LEN, (u32)len);
	assert_int_equal(bh_content_digest(out.data, out.data + BH_OFF_DIGEST), 0);
	return out;
}

static struct bulkhead_keyset *keyset(const struct signer *s)
{
	struct bulkhead_keyset *ks = NULL;
	struct bulkhead_msg msg = { "" };

	if (bulkhead_keyset_load_cert(s->cert_path, &ks, &msg))
		fail_msg("keyset %s: %s", s->name, msg.text);
	return ks;
}

/* validate @f with @ks as the verifier; the OpenSSL error queue stays empty */
static int validate(const struct file *f, struct bulkhead_keyset *ks,
		    unsigned int flags, struct bh_content *c, struct bh_error *e)
{
	struct bh_sig_verifier v = bulkhead_keyset_verifier(ks);
	int r;

	r = bh_content_validate_signed(f->data, f->len, &fx_schema, flags,
				       ks ? &v : NULL, c, e);
	assert_int_equal(ERR_peek_error(), 0);
	return r;
}

static void check_verified(const char *file, int line, const struct file *f,
			   struct bulkhead_keyset *ks, const char *signer)
{
	struct bh_content c;
	struct bh_error e;

	if (validate(f, ks, BH_VALIDATE_REQUIRE_SIG | BH_VALIDATE_NO_FORMAT1, &c, &e)) {
		print_error("refused (%s): %s\n", bh_err_name(e.code), e.msg);
		_fail(file, line);
	}
	if (!c.sig_verified || strcmp(bulkhead_keyset_signer(ks), signer)) {
		print_error("verified %d, signer '%s', want '%s'\n", c.sig_verified,
			    bulkhead_keyset_signer(ks), signer);
		_fail(file, line);
	}
}

#define assert_verified(f, ks, signer) \
	check_verified(__FILE__, __LINE__, f, ks, signer)

/* refused with class @code and @want in the message */
static void check_refused(const char *file, int line, const struct file *f,
			  struct bulkhead_keyset *ks, enum bh_err code,
			  const char *want)
{
	struct bh_content c;
	struct bh_error e;
	int r;

	memset(&c, 0x5a, sizeof(c));
	r = validate(f, ks, 0, &c, &e);
	if (r != -EBADMSG || e.code != code || !strstr(e.msg, want)) {
		print_error("got %d %s \"%s\", want %s \"...%s...\"\n", r,
			    bh_err_name(e.code), r ? e.msg : "", bh_err_name(code),
			    want);
		_fail(file, line);
	}
	if (code == BH_E_SIGNATURE && strcmp(bulkhead_keyset_signer(ks), "")) {
		print_error("a signer is named after a refusal: %s\n",
			    bulkhead_keyset_signer(ks));
		_fail(file, line);
	}
}

#define assert_refused(f, ks, code, want) \
	check_refused(__FILE__, __LINE__, f, ks, code, want)

/* the verifier alone, on @f's header and signature */
static int verify_direct(struct bulkhead_keyset *ks, const struct file *f,
			 char *why, size_t why_len)
{
	size_t body = body_len(f);
	int r;

	why[0] = '\0';
	r = bulkhead_keyset_verify(ks, le32_at(f->data + BH_OFF_SIG_TYPE), f->data,
				   BH_SIGNED_LEN, f->data + body,
				   (u32)(f->len - body), why, why_len);
	assert_int_equal(ERR_peek_error(), 0);
	return r;
}

static void check_direct(const char *file, int line, struct bulkhead_keyset *ks,
			 const struct file *f, int want_r, const char *want)
{
	char why[BH_SIG_WHY_LEN];
	int r = verify_direct(ks, f, why, sizeof(why));

	if (r != want_r || !strstr(why, want)) {
		print_error("got %d \"%s\", want %d \"...%s...\"\n", r, why, want_r,
			    want);
		_fail(file, line);
	}
}

#define assert_direct(ks, f, r, want) \
	check_direct(__FILE__, __LINE__, ks, f, r, want)

/* a signature of the BH_SIGNED_LEN bytes at @hdr made here, not by sign.c */
static uint8_t *forge_der(const uint8_t *hdr, const struct signer *s,
			  const EVP_MD *md, unsigned int flags, bool pss,
			  size_t *ret_len)
{
	BIO *in = BIO_new_mem_buf(hdr, BH_SIGNED_LEN);
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	unsigned char *der = NULL;
	uint8_t *out;
	int n;

	assert_non_null(in);
	cms = CMS_sign(NULL, NULL, NULL, NULL,
		       CMS_NOCERTS | CMS_PARTIAL | CMS_BINARY | CMS_DETACHED);
	assert_non_null(cms);
	si = CMS_add1_signer(cms, s->cert, s->key, md,
			     flags | (pss ? CMS_KEY_PARAM : 0));
	assert_non_null(si);
	if (pss)
		assert_true(EVP_PKEY_CTX_set_rsa_padding(CMS_SignerInfo_get0_pkey_ctx(si),
							 RSA_PKCS1_PSS_PADDING) > 0);
	assert_true(CMS_final(cms, in, NULL, CMS_NOCERTS | CMS_BINARY));
	n = i2d_CMS_ContentInfo(cms, &der);
	assert_true(n > 0);
	out = own(malloc((size_t)n));
	memcpy(out, der, (size_t)n);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	*ret_len = (size_t)n;
	return out;
}

/*
 * @f signed here as told, sig_len settled the way sign.c settles it, so
 * that what is unusual about the signature is all that is wrong with it
 */
static struct file forge(const struct file *f, const struct signer *s,
			 const EVP_MD *md, unsigned int flags, bool pss)
{
	struct file t = *f;
	size_t len = 0, guess = 0;
	unsigned int round;
	uint8_t *der;

	for (round = 0; round < 32; round++) {
		uint8_t *zeros = own(calloc(1, guess ? guess : 1));

		t = with_sig(f, zeros, guess);
		der = forge_der(t.data, s, md, flags, pss, &len);
		if (len == guess)
			return with_sig(f, der, len);
		guess = len;
	}
	fail_msg("the forged signature's length did not settle");
	return t;
}

#define NOATTR	(CMS_NOCERTS | CMS_BINARY | CMS_NOSMIMECAP | CMS_NOATTR)

/* @cms encoded as the signature of @f; @cms is freed */
static struct file with_cms_at(int line, const struct file *f,
			       CMS_ContentInfo *cms)
{
	unsigned char *der = NULL;
	struct file out;
	int n;

	if (!cms) {
		ERR_print_errors_fp(stderr);
		fail_msg("line %d: OpenSSL made no CMS", line);
	}
	n = i2d_CMS_ContentInfo(cms, &der);
	assert_true(n > 0);
	out = with_sig(f, der, (size_t)n);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	return out;
}

#define with_cms(f, cms) with_cms_at(__LINE__, f, cms)

/* ---- signing and verifying ------------------------------------------------- */

static void signs_and_verifies_rsa(void **state)
{
	_cleanup_keyset_ struct bulkhead_keyset *ks = keyset(&rsa);
	struct file u = unsigned_file(), f = sign_file(&u, &rsa);
	const unsigned char *p;
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *sno = NULL;
	STACK_OF(X509) *certs;
	unsigned char *again = NULL;
	u32 sig_len;
	int n;

	(void)state;
	/* the header as it was but for sig_type, sig_len and the digest */
	sig_len = le32_at(f.data + BH_OFF_SIG_LEN);
	assert_int_equal(f.len, u.len + sig_len);
	assert_int_equal(le32_at(f.data + BH_OFF_SIG_TYPE), BH_SIG_PKCS7);
	assert_memory_equal(f.data, u.data, BH_OFF_DIGEST);
	assert_memory_equal(f.data + BH_OFF_RESERVED, u.data + BH_OFF_RESERVED,
			    BH_RESERVED_LEN);
	assert_memory_equal(f.data + BH_HEADER_LEN, u.data + BH_HEADER_LEN,
			    u.len - BH_HEADER_LEN);
	assert_verified(&f, ks, "CN=Test RSA");

	/* what the kernel's sign-file makes: DER, no certificates, no
	 * attributes, issuer and serial, SHA-256 */
	p = f.data + u.len;
	cms = d2i_CMS_ContentInfo(NULL, &p, sig_len);
	assert_non_null(cms);
	assert_ptr_equal(p, f.data + f.len);
	n = i2d_CMS_ContentInfo(cms, &again);
	assert_int_equal(n, sig_len);
	assert_memory_equal(again, f.data + u.len, sig_len);
	OPENSSL_free(again);
	certs = CMS_get1_certs(cms);
	assert_null(certs);
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	assert_non_null(si);
	assert_true(CMS_signed_get_attr_count(si) < 0);
	assert_int_equal(CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &sno), 1);
	assert_null(keyid);
	assert_non_null(issuer);
	assert_int_equal(ASN1_INTEGER_get(sno), 1);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
}

static void signs_and_verifies_ecdsa_every_time(void **state)
{
	_cleanup_keyset_ struct bulkhead_keyset *ks = keyset(&ec);
	struct file f = unsigned_file();
	u32 lens[24], min = UINT32_MAX, max = 0;
	unsigned int i;

	(void)state;
	/* each ECDSA signature's DER length may differ from the last */
	for (i = 0; i < 24; i++) {
		f = sign_file(&f, &ec);
		assert_verified(&f, ks, "CN=Test EC");
		lens[i] = le32_at(f.data + BH_OFF_SIG_LEN);
		assert_int_equal(f.len, body_len(&f) + lens[i]);
		min = lens[i] < min ? lens[i] : min;
		max = lens[i] > max ? lens[i] : max;
	}
	print_message("ECDSA signatures of %u to %u bytes\n", min, max);
}

static void resigning_replaces_the_signature(void **state)
{
	_cleanup_keyset_ struct bulkhead_keyset *ks_rsa = keyset(&rsa);
	_cleanup_keyset_ struct bulkhead_keyset *ks_ec = keyset(&ec);
	struct file u = unsigned_file(), r = sign_file(&u, &rsa);
	struct file e = sign_file(&r, &ec), again = sign_file(&e, &rsa);

	(void)state;
	assert_int_equal(e.len, u.len + le32_at(e.data + BH_OFF_SIG_LEN));
	assert_verified(&e, ks_ec, "CN=Test EC");
	assert_refused(&e, ks_rsa, BH_E_SIGNATURE, "unknown signer");
	/* RSA (PKCS#1 v1.5) is deterministic: the same file again */
	assert_int_equal(again.len, r.len);
	assert_memory_equal(again.data, r.data, r.len);
}

static void signs_with_der_key_and_cert(void **state)
{
	struct file u = unsigned_file(), pem = sign_file(&u, &rsa), der;
	struct bulkhead_msg msg = { "" };

	(void)state;
	assert_int_equal(bulkhead_content_sign(u.data, u.len, rsa.key_der_path,
					       rsa.der_path, &der.data, &der.len,
					       &msg), 0);
	own(der.data);
	assert_int_equal(der.len, pem.len);
	assert_memory_equal(der.data, pem.data, pem.len);
}

static void refuses_unknown_signer(void **state)
{
	_cleanup_keyset_ struct bulkhead_keyset *ks = keyset(&ec);
	struct file f = signed_by(&rsa);

	(void)state;
	assert_refused(&f, ks, BH_E_SIGNATURE,
		       "refused: unknown signer: issuer CN=Test RSA, serial 0x01");
	assert_direct(ks, &f, -ENOKEY, "unknown signer: issuer CN=Test RSA, serial 0x01");
}

static void refuses_changed_header(void **state)
{
	_cleanup_keyset_ struct bulkhead_keyset *ks = keyset(&rsa);
	struct file f = signed_by(&rsa);
	struct bh_content c;
	struct bh_error e;
	unsigned int i;

	(void)state;
	f.data[BH_OFF_CONTENT_VERSION] ^= 0x01;
	assert_refused(&f, ks, BH_E_SIGNATURE,
		       "bad signature: does not verify with CN=Test RSA");
	assert_direct(ks, &f, -EKEYREJECTED, "bad signature");
	f.data[BH_OFF_CONTENT_VERSION] ^= 0x01;
	assert_verified(&f, ks, "CN=Test RSA");

	/* any header byte: the digest too, whose check comes after */
	for (i = 0; i < BH_HEADER_LEN; i++) {
		f.data[i] ^= 0x20;
		if (!validate(&f, ks, 0, &c, &e))
			fail_msg("header byte %u changed, and accepted", i);
		f.data[i] ^= 0x20;
	}
	assert_verified(&f, ks, "CN=Test RSA");
}

static void refuses_changed_payload_as_digest_mismatch(void **state)
{
	_cleanup_keyset_ struct bulkhead_keyset *ks = keyset(&ec);
	struct file f = signed_by(&ec);

	(void)state;
	/* the signature is good: the header is the one signed */
	f.data[BH_HEADER_LEN + 20] ^= 0x01;
	assert_refused(&f, ks, BH_E_DIGEST, "does not match the header's digest");
}

static void refuses_unsigned_where_a_signature_is_required(void **state)
{
	_cleanup_keyset_ struct bulkhead_keyset *ks = keyset(&rsa);
	struct file f = unsigned_file();
	struct bh_content c;
	struct bh_error e;

	(void)state;
	assert_int_equal(validate(&f, ks, BH_VALIDATE_REQUIRE_SIG, &c, &e), -EBADMSG);
	assert_int_equal(e.code, BH_E_SIGNATURE);
	assert_string_equal(e.msg, "unsigned, and a signature is required");
	/* taken when none is required, and not marked verified */
	assert_int_equal(validate(&f, ks, 0, &c, &e), 0);
	assert_false(c.sig_verified);
}

static void expired_certificate_still_verifies(void **state)
{
	_cleanup_keyset_ struct bulkhead_keyset *ks = keyset(&expired);
	struct file f = signed_by(&expired);

	(void)state;
	assert_verified(&f, ks, "CN=Test Expired");
}

/* ---- keysets ------------------------------------------------------------------ */

static void copy_file(const char *from, const char *to)
{
	size_t len;
	char *data = slurp(from, &len);

	assert_non_null(data);
	put_file(to, data, len);
}

static void keys_dir_picks_the_signer(void **state)
{
	_cleanup_keyset_ struct bulkhead_keyset *ks = NULL;
	char *dir = fmt("%s/keys-pick", root);
	struct bulkhead_msg msg = { "" };
	struct file r = signed_by(&rsa), e = signed_by(&ec);

	(void)state;
	assert_int_equal(mkdir(dir, 0755), 0);
	copy_file(rsa.cert_path, fmt("%s/10-rsa.pem", dir));
	copy_file(ec.der_path, fmt("%s/20-ec.der", dir));
	/* not certificates by their names, or not files: ignored */
	copy_file(rsa.key_path, fmt("%s/10-rsa.key", dir));
	put_file(fmt("%s/README", dir), "keys\n", 5);
	assert_int_equal(mkdir(fmt("%s/sub.pem", dir), 0755), 0);
	assert_int_equal(bulkhead_keyset_load_dir(dir, &ks, &msg), 0);
	assert_int_equal(bulkhead_keyset_count(ks), 2);
	assert_verified(&e, ks, "CN=Test EC");
	assert_verified(&r, ks, "CN=Test RSA");
}

static void keys_dir_tries_every_cert_with_the_signers_name(void **state)
{
	_cleanup_keyset_ struct bulkhead_keyset *ks = NULL;
	_cleanup_keyset_ struct bulkhead_keyset *only_twin = keyset(&twin);
	char *dir = fmt("%s/keys-twin", root);
	struct bulkhead_msg msg = { "" };
	struct file r = signed_by(&rsa);

	(void)state;
	/* the twin names the same issuer and serial and comes first */
	assert_int_equal(mkdir(dir, 0755), 0);
	copy_file(twin.cert_path, fmt("%s/00-twin.pem", dir));
	copy_file(rsa.cert_path, fmt("%s/50-rsa.crt", dir));
	assert_int_equal(bulkhead_keyset_load_dir(dir, &ks, &msg), 0);
	assert_verified(&r, ks, "CN=Test RSA");
	/* the name alone is not enough */
	assert_refused(&r, only_twin, BH_E_SIGNATURE, "bad signature");
	assert_direct(only_twin, &r, -EKEYREJECTED, "bad signature");
}

static void keys_dir_refusals_name_the_file(void **state)
{
	struct bulkhead_keyset *ks = NULL;
	struct bulkhead_msg msg = { "" };
	char *dir = fmt("%s/keys-bad", root);
	char *bad = fmt("%s/30-bad.x509", dir);
	char *two = fmt("%s/two.pem", root);
	size_t a, b;
	char *pa = slurp(rsa.cert_path, &a), *pb = slurp(ec.cert_path, &b);
	char *both = own(malloc(a + b));

	(void)state;
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(bulkhead_keyset_load_dir(dir, &ks, &msg), -ENOENT);
	assert_contains(msg.text, fmt("keys %s: no certificate files", dir));
	assert_int_equal(bulkhead_keyset_load_dir(fmt("%s/nope", root), &ks, &msg),
			 -ENOENT);
	assert_contains(msg.text, "cannot read the directory");
	copy_file(rsa.cert_path, fmt("%s/10-rsa.pem", dir));
	put_file(bad, "\x30\x03\x02\x01", 4);
	assert_int_equal(bulkhead_keyset_load_dir(dir, &ks, &msg), -EINVAL);
	assert_contains(msg.text, fmt("cert %s: not a PEM or DER X.509 certificate", bad));
	assert_null(ks);

	/* one certificate per file, as the kernel's keyring gets them */
	memcpy(both, pa, a);
	memcpy(both + a, pb, b);
	put_file(two, both, a + b);
	assert_int_equal(bulkhead_keyset_load_cert(two, &ks, &msg), -EINVAL);
	assert_contains(msg.text, fmt("cert %s: holds more than one certificate", two));
	assert_null(ks);
	assert_int_equal(ERR_peek_error(), 0);
}

static void cert_load_der_reads_pem_and_der_alike(void **state)
{
	struct bulkhead_msg msg = { "" };
	uint8_t *a = NULL, *b = NULL, *want = NULL;
	size_t alen = 0, blen = 0, dlen;
	char *trail = fmt("%s/trail.der", root);
	char *der, *longer;
	int n;

	(void)state;
	assert_int_equal(bulkhead_cert_load_der(ec.cert_path, &a, &alen, &msg), 0);
	own(a);
	assert_int_equal(bulkhead_cert_load_der(ec.der_path, &b, &blen, &msg), 0);
	own(b);
	n = i2d_X509(ec.cert, &want);
	assert_int_equal(alen, n);
	assert_int_equal(blen, n);
	assert_memory_equal(a, want, alen);
	assert_memory_equal(b, want, blen);
	OPENSSL_free(want);

	/* DER with a byte after it is not one certificate */
	der = slurp(ec.der_path, &dlen);
	longer = own(malloc(dlen + 1));
	memcpy(longer, der, dlen);
	longer[dlen] = 0;
	put_file(trail, longer, dlen + 1);
	a = NULL;
	assert_int_equal(bulkhead_cert_load_der(trail, &a, &alen, &msg), -EINVAL);
	assert_null(a);
	assert_contains(msg.text, fmt("cert %s: 1 bytes after the DER certificate", trail));
	assert_int_equal(bulkhead_cert_load_der(rsa.key_path, &a, &alen, &msg), -EINVAL);
	assert_contains(msg.text, "not a PEM or DER X.509 certificate");
	assert_int_equal(bulkhead_cert_load_der(fmt("%s/none.pem", root), &a,
						&alen, &msg), -ENOENT);
	assert_contains(msg.text, "cannot open");
}

static void cert_file_names(void **state)
{
	static const struct {
		const char *name;
		bool is_cert;
	} rows[] = {
		{ "vendor.pem", true }, { "vendor.crt", true },
		{ "vendor.der", true }, { "vendor.x509", true },
		{ "a.b.pem", true }, { ".pem", false }, { "pem", false },
		{ "vendor.PEM", false }, { "vendor.key", false },
		{ "vendor.pem~", false }, { "vendor.pem.bak", false },
		{ "README", false }, { "", false },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++)
		if (bulkhead_cert_file_name(rows[i].name) != rows[i].is_cert)
			fail_msg("'%s': %d", rows[i].name, !rows[i].is_cert);
}

/* ---- malformed and foreign signatures -------------------------------------- */

static void refuses_every_truncation(void **state)
{
	const struct signer *signers[] = { &rsa, &ec };
	unsigned int s, n, sig_len;

	(void)state;
	for (s = 0; s < ARRAY_SIZE(signers); s++) {
		_cleanup_keyset_ struct bulkhead_keyset *ks = keyset(signers[s]);
		struct file f = signed_by(signers[s]);
		size_t body = body_len(&f);

		sig_len = le32_at(f.data + BH_OFF_SIG_LEN);
		/* 0 bytes is the header's own refusal, then the parser's */
		for (n = 0; n < sig_len; n++) {
			uint8_t *cut = malloc(n ? n : 1);
			struct file t;
			char why[BH_SIG_WHY_LEN];
			struct bh_content c;
			struct bh_error e;

			assert_non_null(cut);
			memcpy(cut, f.data + body, n);
			t = with_sig(&f, cut, n);
			free(cut);
			if (validate(&t, ks, 0, &c, &e) != -EBADMSG ||
			    e.code != BH_E_SIGNATURE)
				fail_msg("%s signature cut to %u of %u bytes: %s %s",
					 signers[s]->name, n, sig_len,
					 bh_err_name(e.code), e.msg);
			if (n && verify_direct(ks, &t, why, sizeof(why)) != -EBADMSG)
				fail_msg("%s signature cut to %u bytes: %s",
					 signers[s]->name, n, why);
			if (n && !strstr(why, "malformed PKCS#7: "))
				fail_msg("cut to %u: reason \"%s\"", n, why);
		}
	}
}

/*
 * The bytes of a CMS signature that no key signs and OpenSSL does not
 * judge, at @sig[@i] (changed by 0x01): a version number (SignedData's
 * or SignerInfo's, 1, now 0) and the NULL parameter of rsaEncryption
 * (05 00, now 04 00: an empty OCTET STRING).  The kernel refuses the
 * versions; the verifier here lets them through, and no signature it
 * accepts is thereby one that a key did not make.
 */
static bool unsigned_byte(const uint8_t *sig, size_t i, size_t len)
{
	static const uint8_t rsa_oid[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					   0xf7, 0x0d, 0x01, 0x01, 0x01 };

	if (i >= 2 && sig[i - 2] == 0x02 && sig[i - 1] == 0x01 && sig[i] == 0x00)
		return true;
	return i >= sizeof(rsa_oid) && i + 1 < len && sig[i] == 0x04 &&
	       sig[i + 1] == 0x00 &&
	       !memcmp(sig + i - sizeof(rsa_oid), rsa_oid, sizeof(rsa_oid));
}

static void refuses_every_changed_signature_byte(void **state)
{
	_cleanup_keyset_ struct bulkhead_keyset *ks = keyset(&rsa);
	struct file f = signed_by(&rsa);
	size_t body = body_len(&f), i;
	char why[BH_SIG_WHY_LEN];
	unsigned int refused = 0;

	(void)state;
	for (i = body; i < f.len; i++) {
		f.data[i] ^= 0x01;
		if (verify_direct(ks, &f, why, sizeof(why)) < 0)
			refused++;
		else if (!unsigned_byte(f.data + body, i - body, f.len - body))
			fail_msg("signature byte %zu changed, and accepted", i - body);
		f.data[i] ^= 0x01;
	}
	assert_verified(&f, ks, "CN=Test RSA");
	print_message("%u of %zu changed signature bytes refused\n", refused,
		      f.len - body);
	assert_true(refused >= f.len - body - 3);
}

/* xorshift64*: replayable from the seed it prints */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static void refuses_random_bytes(void **state)
{
	_cleanup_keyset_ struct bulkhead_keyset *ks = keyset(&rsa);
	struct file u = unsigned_file();
	uint64_t seed = 0x5eed0b41c4eadULL, s = seed;
	unsigned int i, j;

	(void)state;
	print_message("seed 0x%llx\n", (unsigned long long)seed);
	for (i = 0; i < 2000; i++) {
		size_t len = 1 + rng_next(&s) % 600;
		uint8_t *sig = malloc(len);
		char why[BH_SIG_WHY_LEN];
		struct bh_content c;
		struct bh_error e;
		struct file t;

		assert_non_null(sig);
		for (j = 0; j < len; j++)
			sig[j] = (uint8_t)rng_next(&s);
		/* half of them look like the start of a DER SEQUENCE */
		if (i & 1) {
			sig[0] = 0x30;
			if (len > 4) {
				sig[1] = 0x82;
				sig[2] = (uint8_t)((len - 4) >> 8);
				sig[3] = (uint8_t)(len - 4);
			}
		}
		t = with_sig(&u, sig, len);
		free(sig);
		if (validate(&t, ks, 0, &c, &e) != -EBADMSG || e.code != BH_E_SIGNATURE)
			fail_msg("random signature %u (seed 0x%llx) not refused: %s",
				 i, (unsigned long long)seed, e.msg);
		if (verify_direct(ks, &t, why, sizeof(why)) >= 0)
			fail_msg("random signature %u accepted", i);
	}
}

static void refuses_huge_der_lengths(void **state)
{
	static const struct {
		const char *name;
		uint8_t der[12];
		size_t len;
	} rows[] = {
		{ "4-byte length 0xffffffff", { 0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x06, 0x09 }, 8 },
		{ "8-byte length", { 0x30, 0x88, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x06 }, 11 },
		{ "9-byte length", { 0x30, 0x89, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 12 },
		{ "length past the end", { 0x30, 0x82, 0x10, 0x00, 0x06, 0x09 }, 6 },
		{ "length of length cut", { 0x30, 0x84, 0x00 }, 3 },
		{ "indefinite, never ended", { 0x30, 0x80, 0x06, 0x09, 0x2a }, 5 },
		{ "inner length past the outer", { 0x30, 0x06, 0x06, 0x84, 0x7f, 0xff, 0xff, 0xff }, 8 },
		{ "empty SEQUENCE", { 0x30, 0x00 }, 2 },
		{ "one byte", { 0x30 }, 1 },
	};
	_cleanup_keyset_ struct bulkhead_keyset *ks = keyset(&rsa);
	struct file u = unsigned_file();
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct file t = with_sig(&u, rows[i].der, rows[i].len);
		char why[BH_SIG_WHY_LEN];
		int r = verify_direct(ks, &t, why, sizeof(why));

		if (r != -EBADMSG || !strstr(why, "malformed PKCS#7: "))
			fail_msg("%s: %d \"%s\"", rows[i].name, r, why);
		assert_refused(&t, ks, BH_E_SIGNATURE, "malformed PKCS#7: ");
	}
}

static void refuses_cms_of_other_kinds(void **state)
{
	_cleanup_keyset_ struct bulkhead_keyset *ks = keyset(&rsa);
	struct file u = unsigned_file(), f = signed_by(&rsa), t;
	BIO *in = BIO_new_mem_buf(u.data, BH_SIGNED_LEN);
	CMS_ContentInfo *cms;
	size_t body = body_len(&f), sig_len = f.len - body;
	uint8_t *sig;
	size_t i;

	(void)state;
	assert_non_null(in);
	t = with_cms(&u, CMS_data_create(in, CMS_BINARY));
	assert_direct(ks, &t, -EBADMSG, "not a SignedData: content type pkcs7-data");
	assert_refused(&t, ks, BH_E_SIGNATURE, "not a SignedData");
	BIO_free(in);

	in = BIO_new_mem_buf(u.data, BH_SIGNED_LEN);
	t = with_cms(&u, CMS_digest_create(in, EVP_sha256(), CMS_BINARY));
	assert_direct(ks, &t, -EBADMSG, "not a SignedData: content type pkcs7-digestData");
	BIO_free(in);

	/* a SignedData over something other than data */
	in = BIO_new_mem_buf(u.data, BH_SIGNED_LEN);
	cms = CMS_sign(NULL, NULL, NULL, NULL,
		       CMS_NOCERTS | CMS_PARTIAL | CMS_BINARY | CMS_DETACHED);
	assert_true(CMS_set1_eContentType(cms, OBJ_nid2obj(NID_id_smime_ct_TSTInfo)));
	assert_non_null(CMS_add1_signer(cms, rsa.cert, rsa.key, EVP_sha256(), NOATTR));
	assert_true(CMS_final(cms, in, NULL, CMS_BINARY));
	t = with_cms(&u, cms);
	assert_direct(ks, &t, -EBADMSG, "wrong content type: signs id-smime-ct-TSTInfo, not data");
	BIO_free(in);

	/* the header inside the signature instead of beside it */
	in = BIO_new_mem_buf(u.data, BH_SIGNED_LEN);
	cms = CMS_sign(rsa.cert, rsa.key, NULL, in, CMS_NOCERTS | CMS_BINARY | CMS_NOATTR);
	t = with_cms(&u, cms);
	assert_direct(ks, &t, -EBADMSG, "embedded, not detached");
	BIO_free(in);

	/* no signer (a certificates-only SignedData), and two */
	t = with_cms(&u, CMS_sign(NULL, NULL, NULL, NULL,
				  CMS_NOCERTS | CMS_PARTIAL | CMS_BINARY | CMS_DETACHED));
	assert_direct(ks, &t, -EBADMSG, "no signer");
	in = BIO_new_mem_buf(u.data, BH_SIGNED_LEN);
	cms = CMS_sign(NULL, NULL, NULL, NULL,
		       CMS_NOCERTS | CMS_PARTIAL | CMS_BINARY | CMS_DETACHED);
	assert_non_null(CMS_add1_signer(cms, rsa.cert, rsa.key, EVP_sha256(), NOATTR));
	assert_non_null(CMS_add1_signer(cms, ec.cert, ec.key, EVP_sha256(), NOATTR));
	assert_true(CMS_final(cms, in, NULL, CMS_BINARY));
	t = with_cms(&u, cms);
	assert_direct(ks, &t, -EBADMSG, "2 signers; content carries exactly one");
	BIO_free(in);

	/* a byte after a good signature */
	sig = malloc(sig_len + 1);
	assert_non_null(sig);
	memcpy(sig, f.data + body, sig_len);
	sig[sig_len] = 0;
	t = with_sig(&f, sig, sig_len + 1);
	assert_direct(ks, &t, -EBADMSG, "malformed PKCS#7: 1 bytes after its end");

	/* the outer content type's OID changed to an unknown one:
	 * 1.2.840.113549.1.7.2 is 06 09 2a 86 48 86 f7 0d 01 07 02 */
	memcpy(sig, f.data + body, sig_len);
	for (i = 0; i + 11 <= sig_len; i++)
		if (!memcmp(sig + i, "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02", 11))
			break;
	assert_true(i + 11 <= sig_len);
	sig[i + 10] = 0x63;
	t = with_sig(&f, sig, sig_len);
	free(sig);
	assert_refused(&t, ks, BH_E_SIGNATURE, "refused: ");
	assert_true(verify_direct(ks, &t, (char[BH_SIG_WHY_LEN]){ 0 }, BH_SIG_WHY_LEN) ==
		    -EBADMSG);
}

static void refuses_other_digests_and_algorithms(void **state)
{
	_cleanup_keyset_ struct bulkhead_keyset *ks = keyset(&rsa);
	_cleanup_keyset_ struct bulkhead_keyset *ks_ec = keyset(&ec);
	struct file u = unsigned_file(), t;

	(void)state;
	t = forge(&u, &rsa, EVP_sha1(), NOATTR, false);
	assert_direct(ks, &t, -ENOPKG, "unsupported digest sha1 (SHA-256 only)");
	assert_refused(&t, ks, BH_E_SIGNATURE, "unsupported digest sha1");
	t = forge(&u, &ec, EVP_sha384(), NOATTR, false);
	assert_direct(ks_ec, &t, -ENOPKG, "unsupported digest sha384");
	/* RSA-PSS: fine cryptography, but not what the kernel's parser takes */
	t = forge(&u, &rsa, EVP_sha256(), NOATTR, true);
	assert_direct(ks, &t, -ENOPKG, "unsupported signature algorithm rsassaPss");
	/* a content signature type the format does not define */
	t = signed_by(&rsa);
	set_le32(t.data + BH_OFF_SIG_TYPE, 7);
	assert_direct(ks, &t, -ENOPKG, "signature type 7 is not supported");
	/* the forging itself is sound: the same with SHA-256 verifies */
	t = forge(&u, &rsa, EVP_sha256(), NOATTR, false);
	assert_verified(&t, ks, "CN=Test RSA");
}

static void refuses_signature_over_other_content(void **state)
{
	_cleanup_keyset_ struct bulkhead_keyset *ks = keyset(&rsa);
	struct file u = unsigned_file(), other = unsigned_file(), t, f;

	(void)state;
	/* a good signature of another header, put on this one */
	other.data[BH_OFF_CONTENT_VERSION] ^= 0x03;
	t = forge(&other, &rsa, EVP_sha256(), NOATTR, false);
	f = with_sig(&u, t.data + body_len(&t), t.len - body_len(&t));
	assert_direct(ks, &f, -EKEYREJECTED, "bad signature: does not verify with CN=Test RSA");
	assert_refused(&f, ks, BH_E_SIGNATURE, "bad signature");
	/* and a signature by one key presented under another's name */
	t = signed_by(&twin);
	assert_direct(ks, &t, -EKEYREJECTED, "bad signature");
}

/*
 * Signed attributes (what `openssl cms -sign` makes without -noattr) are
 * standard CMS, checked by OpenSSL as a whole; sign.c never makes them.
 */
static void takes_signed_attributes(void **state)
{
	_cleanup_keyset_ struct bulkhead_keyset *ks = keyset(&ec);
	struct file u = unsigned_file(), t;

	(void)state;
	t = forge(&u, &ec, EVP_sha256(), CMS_NOCERTS | CMS_BINARY, false);
	assert_verified(&t, ks, "CN=Test EC");
	t.data[BH_OFF_CONTENT_VERSION] ^= 1;
	assert_refused(&t, ks, BH_E_SIGNATURE, "bad signature");
}

static void describes_the_signer_without_keys(void **state)
{
	struct file f = signed_by(&rsa);
	size_t body = body_len(&f);
	char buf[BULKHEAD_MSG_LEN];

	(void)state;
	assert_int_equal(bulkhead_sig_describe(f.data + body, f.len - body, buf,
					       sizeof(buf)), 0);
	assert_string_equal(buf, "issuer CN=Test RSA, serial 0x01");
	assert_int_equal(bulkhead_sig_describe(f.data + body, 10, buf, sizeof(buf)),
			 -EBADMSG);
	assert_contains(buf, "malformed PKCS#7");
	assert_int_equal(ERR_peek_error(), 0);
}

/* ---- what signing refuses ----------------------------------------------------- */

static void check_sign_refused(const char *file, int line, const struct file *in,
			       const char *key, const char *cert, int want_r,
			       const char *want)
{
	struct bulkhead_msg msg = { "" };
	uint8_t *out = (uint8_t *)1;
	size_t len = 7;
	int r;

	r = bulkhead_content_sign(in->data, in->len, key, cert, &out, &len, &msg);
	if (r != want_r || !strstr(msg.text, want) || out != (uint8_t *)1 || len != 7) {
		print_error("got %d \"%s\", want %d \"...%s...\"\n", r, msg.text,
			    want_r, want);
		_fail(file, line);
	}
	if (ERR_peek_error()) {
		print_error("OpenSSL's error queue not emptied\n");
		_fail(file, line);
	}
}

#define assert_sign_refused(in, key, cert, r, want) \
	check_sign_refused(__FILE__, __LINE__, in, key, cert, r, want)

static void sign_refuses_what_it_cannot_sign(void **state)
{
	struct file u = unsigned_file(), f1 = unsigned_file();
	char *garbage = fmt("%s/garbage.pem", root);
	char *enc = fmt("%s/enc.key", root);
	FILE *fp;

	(void)state;
	/* format 1: its digest does not cover the header */
	f1.data[BH_OFF_FORMAT_VERSION] = BH_FORMAT_V1;
	assert_int_equal(EVP_Digest(f1.data + BH_HEADER_LEN, f1.len - BH_HEADER_LEN,
				    f1.data + BH_OFF_DIGEST, NULL, EVP_sha256(), NULL), 1);
	assert_sign_refused(&f1, rsa.key_path, rsa.cert_path, -EBADMSG,
			    "format 1 cannot be signed");
	u.data[BH_HEADER_LEN + 3] ^= 1;
	assert_sign_refused(&u, rsa.key_path, rsa.cert_path, -EBADMSG,
			    "refused (digest-mismatch): ");
	u.data[BH_HEADER_LEN + 3] ^= 1;

	assert_sign_refused(&u, ec.key_path, rsa.cert_path, -EKEYREJECTED,
			    fmt("key %s is not the key of cert %s", ec.key_path, rsa.cert_path));
	assert_sign_refused(&u, twin.key_path, rsa.cert_path, -EKEYREJECTED,
			    "is not the key of cert");
	assert_sign_refused(&u, fmt("%s/none.key", root), rsa.cert_path, -ENOENT,
			    "none.key: cannot open");
	assert_sign_refused(&u, rsa.cert_path, rsa.cert_path, -EINVAL,
			    fmt("key %s: not a PEM or DER private key", rsa.cert_path));
	put_file(garbage, "-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----\n", 57);
	assert_sign_refused(&u, rsa.key_path, garbage, -EINVAL,
			    fmt("cert %s: not a PEM or DER X.509 certificate", garbage));
	fp = fopen(enc, "w");
	assert_non_null(fp);
	assert_true(PEM_write_PrivateKey(fp, rsa.key, EVP_aes_256_cbc(),
					 (unsigned char *)"secret", 6, NULL, NULL));
	assert_int_equal(fclose(fp), 0);
	assert_sign_refused(&u, enc, rsa.cert_path, -EINVAL,
			    fmt("key %s: encrypted with a passphrase", enc));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_teardown(f, teardown)
		T(signs_and_verifies_rsa),
		T(signs_and_verifies_ecdsa_every_time),
		T(resigning_replaces_the_signature),
		T(signs_with_der_key_and_cert),
		T(refuses_unknown_signer),
		T(refuses_changed_header),
		T(refuses_changed_payload_as_digest_mismatch),
		T(refuses_unsigned_where_a_signature_is_required),
		T(expired_certificate_still_verifies),
		T(keys_dir_picks_the_signer),
		T(keys_dir_tries_every_cert_with_the_signers_name),
		T(keys_dir_refusals_name_the_file),
		T(cert_load_der_reads_pem_and_der_alike),
		T(cert_file_names),
		T(refuses_every_truncation),
		T(refuses_every_changed_signature_byte),
		T(refuses_random_bytes),
		T(refuses_huge_der_lengths),
		T(refuses_cms_of_other_kinds),
		T(refuses_other_digests_and_algorithms),
		T(refuses_signature_over_other_content),
		T(takes_signed_attributes),
		T(describes_the_signer_without_keys),
		T(sign_refuses_what_it_cannot_sign),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
