// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fuzz_validate.c - libFuzzer harness for bh_content_validate() and the
 * checked accessors.
 *
 * Each input is validated as it is, against the test schema (fx_schema)
 * and without a schema.  Random bytes almost never carry the right
 * SHA-256, so a fuzzer left alone would spend its whole budget in front of
 * the digest check; inputs of a header or more are therefore also
 * validated as a copy whose digest is recomputed over what it covers.
 *
 * Whatever the validator accepts is then read back through every accessor
 * and checked against the contract written in bh_content.h and
 * docs/content-format.md, and against an independent decoder written here
 * from that document.  A contract violation is a __builtin_trap(): a
 * crash, so libFuzzer keeps the input.  ASan and UBSan catch the rest.
 *
 * Third, every input is also wrapped as the single string field of an
 * otherwise valid file, and the validator's verdict must equal that of the
 * straightforward UTF-8 decoder below: the validator's word-at-a-time
 * ASCII path is exactly the kind of code where the two could drift.
 *
 * Fourth, every input is also the signature of a valid signed file (its
 * sig_len and digest made to fit), checked by the userspace verifier
 * (common/sign.c, OpenSSL's CMS) against the key that signed the real
 * one: no input may crash or leak, and only the real signature may pass.
 *
 * With BH_SEED_DIR set in the environment (as for the unit tests), the
 * harness writes a few small valid files there and exits, so that
 * tests/fuzz/run.sh always has a seed corpus past the digest check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "bh_content.h"
#include "sign.h"
#include "../unit/fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define check(cond)				\
	do {					\
		if (!(cond))			\
			__builtin_trap();	\
	} while (0)

/*
 * Accessor calls per field index are linear in the index, so a record of
 * n fields costs n^2 to read in full.  Past this many fields only the first
 * and last FX_FIELD_EDGE are read (the sequential decoder still covers all
 * of them), so a big seed cannot make every execution a timeout.
 */
#define FX_FIELDS_FULL	1024
#define FX_FIELD_EDGE	256
/* bh_record_get() walks from the first record: same reasoning */
#define FX_GET_FULL	64

/* ---- reference decoders, from docs/content-format.md ---------------- */

/* Strict UTF-8 without NUL, one code point at a time. */
static bool ref_utf8_valid(const u8 *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		u32 cp, min;
		size_t n, k;

		if (s[i] < 0x80) {
			if (!s[i])
				return false;
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 2, cp = s[i] & 0x1f, min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 3, cp = s[i] & 0x0f, min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 4, cp = s[i] & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (len - i < n)
			return false;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n;
	}
	return true;
}

static bool in_payload(const struct bh_content *c, const void *p, size_t len)
{
	const u8 *b = p;

	return b >= c->payload && (u64)(b - c->payload) <= c->payload_len &&
	       len <= c->payload_len - (u64)(b - c->payload);
}

/*
 * Read field @idx of @r through the accessors, knowing from the
 * sequential decoder that it has type @type and its value starts at @val
 * (after the length prefix) and is @vlen bytes long.
 */
static void exercise_field(const struct bh_record *r, unsigned int idx,
			   u8 type, const u8 *val, u32 vlen)
{
	const struct bh_field_spec *fs = r->tmpl ? &r->tmpl->fields[idx] : NULL;
	const char *str = NULL;
	const u8 *bytes = NULL;
	u32 v32 = 0;
	u64 v64 = 0;
	u16 len = 0;

	check(bh_field_type(r, idx) == type);
	check(!fs || fs->type == type);

	/* the matching accessor succeeds, every other one says -EINVAL */
	check(bh_field_u32(r, idx, &v32) == (type == BH_FT_U32 ? 0 : -EINVAL));
	check(bh_field_u64(r, idx, &v64) == (type == BH_FT_U64 ? 0 : -EINVAL));
	check(bh_field_string(r, idx, &str, &len) ==
	      (type == BH_FT_STRING ? 0 : -EINVAL));
	if (type != BH_FT_STRING)
		check(!str && !len);	/* written on success only */
	check(bh_field_bytes(r, idx, &bytes, &len) ==
	      (type == BH_FT_BYTES ? 0 : -EINVAL));
	if (type != BH_FT_BYTES)
		check(!bytes);

	switch (type) {
	case BH_FT_U32:
		check(v32 == bh_get_le32(val));
		check(!v64);
		check(!fs || (v32 >= fs->min && v32 <= fs->max));
		break;
	case BH_FT_U64:
		check(v64 == bh_get_le64(val));
		check(!v32);
		check(!fs || (v64 >= fs->min && v64 <= fs->max));
		break;
	case BH_FT_STRING:
		check((const u8 *)str == val && len == vlen);
		check(in_payload(r->content, str, len));
		check(ref_utf8_valid((const u8 *)str, len));
		check(!fs || (len >= fs->min && len <= fs->max));
		break;
	case BH_FT_BYTES:
		check(bytes == val && len == vlen);
		check(in_payload(r->content, bytes, len));
		check(!fs || (len >= fs->min && len <= fs->max));
		break;
	}
}

/* Past the last field every accessor says -ERANGE and writes nothing. */
static void exercise_past_end(const struct bh_record *r)
{
	unsigned int idx = r->nr_fields;
	const char *str = NULL;
	const u8 *bytes = NULL;
	u32 v32 = 0;
	u64 v64 = 0;
	u16 len = 0;

	check(bh_field_type(r, idx) == -ERANGE);
	check(bh_field_u32(r, idx, &v32) == -ERANGE && !v32);
	check(bh_field_u64(r, idx, &v64) == -ERANGE && !v64);
	check(bh_field_string(r, idx, &str, &len) == -ERANGE && !str && !len);
	check(bh_field_bytes(r, idx, &bytes, &len) == -ERANGE && !bytes);
	check(bh_field_type(r, ~0u) == -ERANGE);
}

/*
 * Decode record @r's fields sequentially (the validator accepted the
 * content, so every field must lie inside the record and fill it exactly)
 * and compare each with what the accessors return.
 */
static void exercise_record(const struct bh_record *r)
{
	const struct bh_content *c = r->content;
	const u8 *p = c->payload;
	u64 pos = (u64)r->offset + BH_RECORD_HDR_LEN;
	u64 end = (u64)r->offset + r->len;
	unsigned int f;

	check(r->len >= BH_RECORD_HDR_LEN && end <= c->payload_len);
	check(bh_get_le16(p + r->offset) == r->template_id);
	check(bh_get_le16(p + r->offset + 2) == r->nr_fields);
	check(bh_get_le32(p + r->offset + 4) == r->len);
	if (c->schema) {
		check(r->tmpl && r->tmpl->id == r->template_id);
		check(r->tmpl->nr_fields == r->nr_fields);
	} else {
		check(!r->tmpl);
	}

	for (f = 0; f < r->nr_fields; f++) {
		u8 type;
		u32 vlen;

		check(pos < end);
		type = p[pos++];
		switch (type) {
		case BH_FT_U32:
			vlen = 4;
			break;
		case BH_FT_U64:
			vlen = 8;
			break;
		case BH_FT_STRING:
		case BH_FT_BYTES:
			check(end - pos >= 2);
			vlen = bh_get_le16(p + pos);
			pos += 2;
			break;
		default:
			__builtin_trap();
		}
		check(end - pos >= vlen);
		if (r->nr_fields <= FX_FIELDS_FULL || f < FX_FIELD_EDGE ||
		    f + FX_FIELD_EDGE >= r->nr_fields)
			exercise_field(r, f, type, p + pos, vlen);
		pos += vlen;
	}
	check(pos == end);
	exercise_past_end(r);
}

static void exercise_content(const struct bh_content *c, const u8 *buf,
			     size_t size, const struct bh_schema *schema)
{
	struct bh_record r, g;
	u64 next = 0;
	u32 n = 0;
	int err;

	check(c->base == buf && c->len == size);
	check(c->payload == buf + BH_HEADER_LEN);
	check(c->payload_len <= size - BH_HEADER_LEN);
	/* the file is header, payload, signature: nothing else */
	check(BH_HEADER_LEN + c->payload_len + c->sig_len == size);
	check(c->sig_len ? c->sig == c->payload + c->payload_len &&
			   c->sig_type == BH_SIG_PKCS7 && c->format_version == 2 :
			   !c->sig && c->sig_type == BH_SIG_NONE);
	check(c->schema == schema);
	check(c->content_version >= 1 && !c->flags);
	check(c->record_count == bh_get_le32(buf + BH_OFF_RECORD_COUNT));
	check(bh_name_valid(c->extension) && bh_name_valid(c->schema_name));
	if (schema) {
		check(!strcmp(c->extension, schema->extension));
		check(!strcmp(c->schema_name, schema->name));
		check(c->schema_version == schema->version);
	}

	for (err = bh_record_first(c, &r); !err; err = bh_record_next(&r, &r)) {
		check(r.content == c && r.index == n && r.offset == next);
		exercise_record(&r);
		if (n < FX_GET_FULL || n == c->record_count - 1) {
			check(!bh_record_get(c, n, &g));
			check(g.offset == r.offset && g.index == n);
		}
		next = (u64)r.offset + r.len;
		n++;
		check(n <= c->record_count);
	}
	/* records are contiguous, fill the payload, and then stop */
	check(err == -ENOENT && n == c->record_count);
	check(next == c->payload_len);
	check(bh_record_get(c, c->record_count, &g) == -ENOENT);
}

/* Validate @buf and hold the result to the documented contract. */
static void validate_one(const u8 *buf, size_t size,
			 const struct bh_schema *schema, unsigned int flags)
{
	struct bh_content c, untouched;
	struct bh_error e;
	int ret;

	memset(&c, 0xa5, sizeof(c));
	memset(&untouched, 0xa5, sizeof(untouched));
	memset(&e, 0xa5, sizeof(e));
	ret = bh_content_validate(buf, size, schema, flags, &c, &e);
	check(memchr(e.msg, '\0', sizeof(e.msg)));
	if (ret) {
		check(ret == -EBADMSG);
		check(!memcmp(&c, &untouched, sizeof(c)));	/* success only */
		check(e.code > BH_OK && e.code < BH_E__COUNT && e.code != BH_E_ARGS);
		check(strcmp(bh_err_name(e.code), "unknown"));
		check(e.msg[0]);
		check(e.offset <= size);
		check(e.record == BH_NO_RECORD ||
		      (size >= BH_HEADER_LEN &&
		       e.record < bh_get_le32(buf + BH_OFF_RECORD_COUNT)));
		return;
	}
	check(e.code == BH_OK && !e.msg[0] && e.record == BH_NO_RECORD);
	exercise_content(&c, buf, size, schema);
}

/*
 * Wrap @data as the one string field of a schema-less file and compare
 * the validator's verdict with ref_utf8_valid().
 */
static void utf8_differential(const u8 *data, size_t size)
{
	struct fx_buf b;
	struct bh_content c;
	int ret;

	if (size > BH_MAX_VARLEN)
		return;
	fx_begin(&b, "x", "y", 0, 1);
	fx_record_begin(&b, 0, 1);
	fx_string(&b, (const char *)data, size);
	fx_record_end(&b);
	if (!fx_finish(&b)) {
		ret = bh_content_validate(b.data, b.len, NULL,
					  BH_VALIDATE_SKIP_DIGEST, &c, NULL);
		check((ret == 0) == ref_utf8_valid(data, size));
	}
	fx_free(&b);
}

/* a signed fixture, its signature, and the key set that checks it */
static struct {
	u8 *file;
	size_t len, sig_off;
	struct bulkhead_keyset *keys;
} sgn;

/*
 * Make an RSA key and its certificate in a temporary directory, sign
 * fx_build_valid()'s file with them through common/sign.c, and keep the
 * certificate as the trusted key set.  Once per process.
 */
static void signed_setup(void)
{
	char dir[] = "/tmp/bh-fuzz-sign-XXXXXX", key[64], cert[64];
	struct bulkhead_msg msg;
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	struct fx_buf b;
	FILE *f;

	if (!mkdtemp(dir))
		abort();
	snprintf(key, sizeof(key), "%s/k.pem", dir);
	snprintf(cert, sizeof(cert), "%s/c.pem", dir);
	pk = EVP_RSA_gen(2048);
	x = pk ? fx_make_cert(pk, "fuzz", 1, -1, 3650) : NULL;
	f = x ? fopen(key, "w") : NULL;
	if (!f || !PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) || fclose(f))
		abort();
	f = fopen(cert, "w");
	if (!f || !PEM_write_X509(f, x) || fclose(f))
		abort();
	if (fx_build_valid(&b) ||
	    bulkhead_content_sign(b.data, b.len, key, cert, &sgn.file, &sgn.len, &msg) ||
	    bulkhead_keyset_load_cert(cert, &sgn.keys, &msg))
		abort();
	sgn.sig_off = b.len;
	fx_free(&b);
	unlink(key);
	unlink(cert);
	rmdir(dir);
	EVP_PKEY_free(pk);
	X509_free(x);
}

/* @data as the signature of the signed fixture */
static void signature_one(const u8 *data, size_t size)
{
	struct bh_sig_verifier v;
	struct bh_content c;
	struct bh_error e;
	bool real;
	u8 *f;
	int ret;

	if (!size || size > BH_SIG_MAX)
		return;
	if (!sgn.file)
		signed_setup();
	real = size == sgn.len - sgn.sig_off &&
	       !memcmp(data, sgn.file + sgn.sig_off, size);
	f = malloc(sgn.sig_off + size);
	if (!f)
		return;
	memcpy(f, sgn.file, sgn.sig_off);
	memcpy(f + sgn.sig_off, data, size);
	f[BH_OFF_SIG_LEN] = (u8)size;
	f[BH_OFF_SIG_LEN + 1] = (u8)(size >> 8);
	f[BH_OFF_SIG_LEN + 2] = (u8)(size >> 16);
	f[BH_OFF_SIG_LEN + 3] = 0;
	bh_content_digest(f, f + BH_OFF_DIGEST);
	v = bulkhead_keyset_verifier(sgn.keys);
	ret = bh_content_validate_signed(f, sgn.sig_off + size, &fx_schema,
					 BH_VALIDATE_REQUIRE_SIG, &v, &c, &e);
	/* only the real signature over the real header gets through */
	check(ret == 0 ? real : ret == -EBADMSG && e.code == BH_E_SIGNATURE);
	check(memchr(e.msg, '\0', sizeof(e.msg)));
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u64 payload_len;
	u8 *copy;

	validate_one(data, size, &fx_schema, 0);
	validate_one(data, size, NULL, 0);
	utf8_differential(data, size);
	signature_one(data, size);
	if (size < BH_HEADER_LEN)
		return 0;

	/*
	 * An exact-size heap copy, so ASan sees a read one byte past the
	 * end of the input just as it does for libFuzzer's own buffer.
	 */
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	payload_len = bh_get_le64(copy + BH_OFF_PAYLOAD_LEN);
	if (payload_len <= size - BH_HEADER_LEN)
		bh_content_digest(copy, copy + BH_OFF_DIGEST);
	validate_one(copy, size, &fx_schema, 0);
	validate_one(copy, size, NULL, 0);
	/* past a signature's place too (what a verifier makes of it is not fuzzed here) */
	validate_one(copy, size, &fx_schema, BH_VALIDATE_SIG_UNCHECKED);
	free(copy);
	return 0;
}

/*
 * Seeds: a few valid files, so that a run always starts past the digest
 * check even before the unit tests have written their fixtures.
 */
static void write_seeds(void)
{
	static const u8 tag[] = { 0xde, 0xad, 0xbe, 0xef };
	struct fx_buf b;
	int err;

	fx_begin_fixture(&b);
	err = fx_finish(&b) ?: fx_seed_write("harness-empty", &b);
	fx_free(&b);
	if (!err) {
		fx_build_valid(&b);
		err = fx_seed_write("harness-valid", &b);
		fx_free(&b);
	}
	if (!err) {
		/* the real signature, which the fourth check starts from */
		signed_setup();
		memset(&b, 0, sizeof(b));
		b.data = sgn.file + sgn.sig_off;
		b.len = sgn.len - sgn.sig_off;
		err = fx_seed_write("harness-signature", &b);
	}
	if (!err) {
		fx_begin_fixture(&b);
		fx_record_begin(&b, FX_T_PATH_RULE, 4);
		fx_u32(&b, 42);
		fx_str(&b, "/usr/bin/caf\xc3\xa9-\xf0\x9f\x90\x8d");
		fx_u32(&b, 1);
		fx_bytes(&b, tag, sizeof(tag));
		fx_record_end(&b);
		err = fx_finish(&b) ?: fx_seed_write("harness-utf8", &b);
		fx_free(&b);
	}
	if (err) {
		fprintf(stderr, "fuzz_validate: writing seeds to %s: %s\n",
			getenv("BH_SEED_DIR"), strerror(-err));
		exit(1);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("BH_SEED_DIR");

	(void)argc;
	(void)argv;
	if (dir && *dir) {
		write_seeds();
		exit(0);
	}
	return 0;
}
