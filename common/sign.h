/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * sign.h - content signatures in userspace (OpenSSL's libcrypto): signing
 * a format-2 content file, the set of certificates a verifier trusts, and
 * certificates as DER, the form the kernel's keyring takes.
 *
 * What is signed and how is docs/content-format.md, "Signature"; how a
 * vendor signs is docs/signing.md.  The signatures are the kind the
 * kernel's verify_pkcs7_signature() accepts (scripts/sign-file.c makes
 * the same for modules): a DER CMS SignedData, detached, no certificates,
 * no signed attributes, the signer named by issuer and serial number,
 * SHA-256, RSA (PKCS#1 v1.5) or ECDSA.
 *
 * The verifier trusts a certificate in its set as it is, the way the
 * kernel trusts a key in a keyring: no chain is built and no validity
 * dates are checked (the kernel checks none either), so an expired
 * certificate still verifies.  Trust is which files are in the set.
 */
#ifndef BULKHEAD_SIGN_H
#define BULKHEAD_SIGN_H

#include "bh_content.h"
#include "util.h"

/* the signature's DER length goes into the header it signs: see sign.c */
#define BULKHEAD_SIGN_MAX_ROUNDS	32

/* key and certificate files are read up to this size */
#define BULKHEAD_KEYFILE_MAX		(1024 * 1024)

int bulkhead_content_sign(const uint8_t *in, size_t in_len,
			  const char *key_path, const char *cert_path,
			  uint8_t **ret_buf, size_t *ret_len,
			  struct bulkhead_msg *msg);

/**
 * struct bulkhead_keyset - the certificates a verifier trusts (opaque)
 *
 * Loaded from one certificate file or from a directory of them; used as
 * the @arg of a struct bh_sig_verifier whose @verify is
 * bulkhead_keyset_verify() (bulkhead_keyset_verifier() makes one).
 */
struct bulkhead_keyset;

int bulkhead_keyset_load_cert(const char *path, struct bulkhead_keyset **ret,
			      struct bulkhead_msg *msg);
int bulkhead_keyset_load_dir(const char *dir, struct bulkhead_keyset **ret,
			     struct bulkhead_msg *msg);
void bulkhead_keyset_free(struct bulkhead_keyset *ks);
unsigned int bulkhead_keyset_count(const struct bulkhead_keyset *ks);
const char *bulkhead_keyset_signer(const struct bulkhead_keyset *ks);
int bulkhead_keyset_verify(void *arg, u32 sig_type, const u8 *data,
			   u32 data_len, const u8 *sig, u32 sig_len,
			   char *why, size_t why_len);

/**
 * bulkhead_keyset_verifier() - a verifier for bh_content_validate_signed()
 * @ks: the certificates it trusts; must outlive the verifier
 *
 * Return: the verifier, by value.
 */
static inline struct bh_sig_verifier
bulkhead_keyset_verifier(struct bulkhead_keyset *ks)
{
	return (struct bh_sig_verifier){ .verify = bulkhead_keyset_verify,
					 .arg = ks };
}

static inline void bulkhead_keyset_freep(struct bulkhead_keyset **p)
{
	bulkhead_keyset_free(*p);
}

#define _cleanup_keyset_ _cleanup_(bulkhead_keyset_freep)

int bulkhead_sig_describe(const uint8_t *sig, size_t sig_len, char *buf,
			  size_t size);

bool bulkhead_cert_file_name(const char *name);
int bulkhead_cert_load_der(const char *path, uint8_t **ret_der,
			   size_t *ret_len, struct bulkhead_msg *msg);

#endif /* BULKHEAD_SIGN_H */
