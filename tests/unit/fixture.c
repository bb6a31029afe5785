// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fixture.c - the test schema, and an encoder that writes content files
 * byte by byte from the format's description (see fixture.h for why it is
 * a second implementation rather than a call into the product's builder).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fixture.h"

static const struct bh_field_spec fx_path_rule[] = {
	BH_FIELD_U32("id", 1, 1000000),
	BH_FIELD_STRING("path", 1, 255),
	BH_FIELD_U32("action", 0, 2),
	BH_FIELD_BYTES("tag", 0, 16),
};

static const struct bh_field_spec fx_counter[] = {
	BH_FIELD_U64("limit", 10, 1ULL << 40),
	BH_FIELD_U32("flags", 0, 0xff),
};

/* Twenty string fields, as the sensor in July 2024 expected. */
#define FX_CH(n) BH_FIELD_STRING("f" #n, 0, 64)
static const struct bh_field_spec fx_channel[FX_CHANNEL_FIELDS] = {
	FX_CH(0), FX_CH(1), FX_CH(2), FX_CH(3), FX_CH(4),
	FX_CH(5), FX_CH(6), FX_CH(7), FX_CH(8), FX_CH(9),
	FX_CH(10), FX_CH(11), FX_CH(12), FX_CH(13), FX_CH(14),
	FX_CH(15), FX_CH(16), FX_CH(17), FX_CH(18), FX_CH(19),
};

static const struct bh_template_spec fx_templates[] = {
	{ .id = FX_T_PATH_RULE, .name = "path-rule",
	  .nr_fields = 4, .fields = fx_path_rule },
	{ .id = FX_T_COUNTER, .name = "counter",
	  .nr_fields = 2, .fields = fx_counter },
	{ .id = FX_T_CHANNEL, .name = "channel-291",
	  .nr_fields = FX_CHANNEL_FIELDS, .fields = fx_channel },
};

const struct bh_schema fx_schema = {
	.extension = FX_EXTENSION,
	.name = FX_SCHEMA,
	.version = FX_SCHEMA_VER,
	.nr_templates = 3,
	.templates = fx_templates,
};

/* ---- encoder ---------------------------------------------------------- */

/*
 * Grow by exactly @n (> 0) bytes and return a pointer to them, or NULL
 * with the error recorded.  Reallocating to the exact size on every
 * append is quadratic in theory and irrelevant for files of a few
 * kilobytes; what it buys is that the allocation ends where the content
 * ends (see struct fx_buf).
 */
static u8 *fx_grow(struct fx_buf *b, size_t n)
{
	u8 *p;

	if (b->err)
		return NULL;
	if (n > SIZE_MAX - b->len) {
		b->err = -EOVERFLOW;
		return NULL;
	}
	p = realloc(b->data, b->len + n);
	if (!p) {
		b->err = -ENOMEM;
		return NULL;
	}
	b->data = p;
	p += b->len;
	b->len += n;
	return p;
}

/* Little-endian stores by shifts: no dependence on the host or on lib/. */
static void fx_store_le(u8 *p, u64 v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = (u8)(v >> (8 * i));
}

static int fx_put_le(struct fx_buf *b, u64 v, unsigned int n)
{
	u8 *p = fx_grow(b, n);

	if (!p)
		return b->err;
	fx_store_le(p, v, n);
	return 0;
}

/*
 * Copy a name into its 32-byte header field.  Up to 32 characters are
 * accepted, one more than the format allows, so that a test can write the
 * unterminated name the validator must refuse.
 */
static int fx_put_name(u8 *field, const char *name)
{
	size_t n = name ? strnlen(name, BH_NAME_LEN + 1) : 0;

	if (n > BH_NAME_LEN)
		return -EINVAL;
	memset(field, 0, BH_NAME_LEN);
	if (n)
		memcpy(field, name, n);
	return 0;
}

/**
 * fx_begin() - start a content file: write its header
 * @b: the buffer, initialised here (any previous content is not freed)
 * @extension: extension name, at most 32 characters; NULL for an empty one
 * @schema: schema name, likewise
 * @schema_version: written as is
 * @content_version: written as is, 0 included
 *
 * Record count, payload length and digest are left zero for fx_finish().
 * The buffer must be released with fx_free() even when this fails.
 *
 * Return: 0, -EINVAL for a name longer than its field, -ENOMEM.
 */
int fx_begin(struct fx_buf *b, const char *extension, const char *schema,
	     u32 schema_version, u64 content_version)
{
	u8 *h;
	int err;

	memset(b, 0, sizeof(*b));
	h = fx_grow(b, BH_HEADER_LEN);
	if (!h)
		return b->err;
	memset(h, 0, BH_HEADER_LEN);
	memcpy(h + BH_OFF_MAGIC, BH_MAGIC, BH_MAGIC_LEN);
	fx_store_le(h + BH_OFF_FORMAT_VERSION, BH_FORMAT_VERSION, 2);
	fx_store_le(h + BH_OFF_HEADER_LEN, BH_HEADER_LEN, 2);
	err = fx_put_name(h + BH_OFF_EXTENSION, extension);
	if (!err)
		err = fx_put_name(h + BH_OFF_SCHEMA, schema);
	if (err)
		return b->err = err;
	fx_store_le(h + BH_OFF_SCHEMA_VERSION, schema_version, 4);
	fx_store_le(h + BH_OFF_CONTENT_VERSION, content_version, 8);
	return 0;
}

/**
 * fx_begin_fixture() - start content for fx_schema, content version
 * FX_CONTENT_VER
 * @b: the buffer
 *
 * Return: as fx_begin().
 */
int fx_begin_fixture(struct fx_buf *b)
{
	return fx_begin(b, FX_EXTENSION, FX_SCHEMA, FX_SCHEMA_VER,
			FX_CONTENT_VER);
}

/**
 * fx_free() - release the buffer; safe to call twice
 * @b: the buffer
 */
void fx_free(struct fx_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/**
 * fx_raw() - append bytes as they are
 * @b: the buffer
 * @p: the bytes
 * @n: how many
 *
 * Inside a record they become part of it; after fx_finish() they are
 * bytes past the declared end of the content.
 *
 * Return: 0 or the buffer's error.
 */
int fx_raw(struct fx_buf *b, const void *p, size_t n)
{
	u8 *d;

	/* nothing to grow, and realloc(p, len + 0) is no way to say so */
	if (!n)
		return b->err;
	d = fx_grow(b, n);
	if (!d)
		return b->err;
	memcpy(d, p, n);
	return 0;
}

/**
 * fx_put8() - append one raw byte (a field type byte, say)
 * @b: the buffer
 * @v: the byte
 *
 * Return: 0 or the buffer's error.
 */
int fx_put8(struct fx_buf *b, u8 v)
{
	return fx_put_le(b, v, 1);
}

/**
 * fx_put16() - append a raw le16 (a string length, say)
 * @b: the buffer
 * @v: the value
 *
 * Return: 0 or the buffer's error.
 */
int fx_put16(struct fx_buf *b, u16 v)
{
	return fx_put_le(b, v, 2);
}

/**
 * fx_put32() - append a raw le32
 * @b: the buffer
 * @v: the value
 *
 * Return: 0 or the buffer's error.
 */
int fx_put32(struct fx_buf *b, u32 v)
{
	return fx_put_le(b, v, 4);
}

/**
 * fx_put64() - append a raw le64
 * @b: the buffer
 * @v: the value
 *
 * Return: 0 or the buffer's error.
 */
int fx_put64(struct fx_buf *b, u64 v)
{
	return fx_put_le(b, v, 8);
}

/**
 * fx_record_begin() - start a record
 * @b: the buffer
 * @template_id: written as is
 * @nr_fields: the field count the record header declares, which need not
 *	be the number of fields that follow
 *
 * The record length is written by fx_record_end().
 *
 * Return: 0, -EINVAL if a record is already open, or the buffer's error.
 */
int fx_record_begin(struct fx_buf *b, u16 template_id, u16 nr_fields)
{
	size_t at = b->len;
	u8 *p;

	if (!b->err && b->rec)
		b->err = -EINVAL;
	p = fx_grow(b, BH_RECORD_HDR_LEN);
	if (!p)
		return b->err;
	fx_store_le(p, template_id, 2);
	fx_store_le(p + 2, nr_fields, 2);
	fx_store_le(p + 4, 0, 4);
	b->rec = at;
	b->nr_records++;
	return 0;
}

/**
 * fx_record_end() - close the open record: patch its length
 * @b: the buffer
 *
 * The length is everything written since fx_record_begin(), header
 * included; a test wanting another one overwrites it with fx_set_le32()
 * and fx_redigest().
 *
 * Return: 0, -EINVAL if no record is open or it is over 4 GiB, or the
 * buffer's error.
 */
int fx_record_end(struct fx_buf *b)
{
	size_t n;

	if (b->err)
		return b->err;
	n = b->len - b->rec;
	if (!b->rec || n > U32_MAX)
		return b->err = -EINVAL;
	fx_store_le(b->data + b->rec + 4, n, 4);
	b->rec = 0;
	return 0;
}

/**
 * fx_u32() - append a u32 field
 * @b: the buffer
 * @v: its value
 *
 * Return: 0 or the buffer's error.
 */
int fx_u32(struct fx_buf *b, u32 v)
{
	fx_put8(b, BH_FT_U32);
	return fx_put32(b, v);
}

/**
 * fx_u64() - append a u64 field
 * @b: the buffer
 * @v: its value
 *
 * Return: 0 or the buffer's error.
 */
int fx_u64(struct fx_buf *b, u64 v)
{
	fx_put8(b, BH_FT_U64);
	return fx_put64(b, v);
}

static int fx_varlen(struct fx_buf *b, u8 type, const void *p, size_t len)
{
	if (b->err)
		return b->err;
	/* the one thing the encoding itself cannot express */
	if (len > BH_MAX_VARLEN)
		return b->err = -EINVAL;
	fx_put8(b, type);
	fx_put16(b, (u16)len);
	return fx_raw(b, p, len);
}

/**
 * fx_string() - append a string field
 * @b: the buffer
 * @s: its bytes, written unchecked: NULs and bad UTF-8 are the point of
 *	some tests
 * @len: their number, at most 65535
 *
 * Return: 0, -EINVAL for @len over 65535, or the buffer's error.
 */
int fx_string(struct fx_buf *b, const char *s, size_t len)
{
	return fx_varlen(b, BH_FT_STRING, s, len);
}

/**
 * fx_str() - append a string field from a C string, without its NUL
 * @b: the buffer
 * @s: the string
 *
 * Return: as fx_string().
 */
int fx_str(struct fx_buf *b, const char *s)
{
	return fx_string(b, s, strlen(s));
}

/**
 * fx_bytes() - append a bytes field
 * @b: the buffer
 * @p: the bytes
 * @len: their number, at most 65535
 *
 * Return: 0, -EINVAL for @len over 65535, or the buffer's error.
 */
int fx_bytes(struct fx_buf *b, const void *p, size_t len)
{
	return fx_varlen(b, BH_FT_BYTES, p, len);
}

/**
 * fx_finish() - make the header agree with what was written
 * @b: the buffer
 *
 * Writes the record count (records begun), the payload length (everything
 * after the header) and the payload's SHA-256.  May be called again after
 * appending more, and must be called before any fx_set_*() whose effect a
 * test wants to keep, since it overwrites those three fields.
 *
 * Return: 0, -EINVAL if a record is still open, or the buffer's first
 * error.
 */
int fx_finish(struct fx_buf *b)
{
	if (b->err)
		return b->err;
	if (b->rec)
		return b->err = -EINVAL;
	fx_store_le(b->data + BH_OFF_RECORD_COUNT, b->nr_records, 4);
	fx_store_le(b->data + BH_OFF_PAYLOAD_LEN, b->len - BH_HEADER_LEN, 8);
	return fx_redigest(b);
}

/**
 * fx_set() - overwrite bytes in place
 * @b: the buffer
 * @off: file offset
 * @p: the new bytes
 * @n: their number
 *
 * Changing payload bytes changes the digest: call fx_redigest() unless a
 * digest mismatch is what the test wants.
 *
 * Return: 0, -ERANGE if the range is not within the file, or the buffer's
 * error.
 */
int fx_set(struct fx_buf *b, size_t off, const void *p, size_t n)
{
	if (b->err)
		return b->err;
	if (off > b->len || n > b->len - off)
		return b->err = -ERANGE;
	memcpy(b->data + off, p, n);
	return 0;
}

static int fx_set_le(struct fx_buf *b, size_t off, u64 v, unsigned int n)
{
	u8 tmp[8];

	fx_store_le(tmp, v, n);
	return fx_set(b, off, tmp, n);
}

/**
 * fx_set_le16() - overwrite a le16 in place
 * @b: the buffer
 * @off: file offset
 * @v: the value
 *
 * Return: as fx_set().
 */
int fx_set_le16(struct fx_buf *b, size_t off, u16 v)
{
	return fx_set_le(b, off, v, 2);
}

/**
 * fx_set_le32() - overwrite a le32 in place
 * @b: the buffer
 * @off: file offset
 * @v: the value
 *
 * Return: as fx_set().
 */
int fx_set_le32(struct fx_buf *b, size_t off, u32 v)
{
	return fx_set_le(b, off, v, 4);
}

/**
 * fx_set_le64() - overwrite a le64 in place
 * @b: the buffer
 * @off: file offset
 * @v: the value
 *
 * Return: as fx_set().
 */
int fx_set_le64(struct fx_buf *b, size_t off, u64 v)
{
	return fx_set_le(b, off, v, 8);
}

/**
 * fx_redigest() - recompute the header's digest after editing the payload
 * @b: the buffer
 *
 * Digests as the header's format_version says (format 1: the payload;
 * any other: header bytes 0-103 and 136-159, then the payload), and the
 * payload as the header declares it, so a test that lies about a header
 * field gets a digest that is right for the lie; a declared payload
 * running past the buffer cannot be digested and is an error.  Call it
 * after every header edit whose effect a test wants to see past the
 * digest.
 *
 * Return: 0, -ERANGE for a payload past the buffer, -EIO if OpenSSL fails,
 * or the buffer's error.
 */
int fx_redigest(struct fx_buf *b)
{
	u8 digest[BH_DIGEST_LEN];
	unsigned int n = 0;
	EVP_MD_CTX *md;
	u64 plen = 0;
	int i, ok;

	if (b->err)
		return b->err;
	if (b->len < BH_HEADER_LEN)
		return b->err = -ERANGE;
	for (i = 7; i >= 0; i--)
		plen = plen << 8 | b->data[BH_OFF_PAYLOAD_LEN + i];
	if (plen > b->len - BH_HEADER_LEN)
		return b->err = -ERANGE;
	md = EVP_MD_CTX_new();
	ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	if (ok && !(b->data[BH_OFF_FORMAT_VERSION] == 1 &&
		    b->data[BH_OFF_FORMAT_VERSION + 1] == 0))
		ok = EVP_DigestUpdate(md, b->data, BH_OFF_DIGEST) &&
		     EVP_DigestUpdate(md, b->data + BH_OFF_DIGEST + BH_DIGEST_LEN,
				      BH_HEADER_LEN - BH_OFF_DIGEST - BH_DIGEST_LEN);
	ok = ok && EVP_DigestUpdate(md, b->data + BH_HEADER_LEN, plen) &&
	     EVP_DigestFinal_ex(md, digest, &n) && n == BH_DIGEST_LEN;
	EVP_MD_CTX_free(md);
	if (!ok)
		return b->err = -EIO;
	memcpy(b->data + BH_OFF_DIGEST, digest, BH_DIGEST_LEN);
	return 0;
}

/* ---- canned content --------------------------------------------------- */

/**
 * fx_channel_record() - append a channel-291 record
 * @b: the buffer
 * @declared: the field count its header declares
 * @carried: the number of string fields it really carries, field i
 *	holding "ch-<i>"
 *
 * fx_channel_record(b, 20, 20) is a good record; fx_channel_record(b, 21, 21)
 * is the July-2024 channel file.
 *
 * Return: 0 or the buffer's error.
 */
int fx_channel_record(struct fx_buf *b, u16 declared, unsigned int carried)
{
	char v[16];
	unsigned int i;

	fx_record_begin(b, FX_T_CHANNEL, declared);
	for (i = 0; i < carried; i++) {
		snprintf(v, sizeof(v), "ch-%u", i);
		fx_str(b, v);
	}
	return fx_record_end(b);
}

/**
 * fx_build_valid() - a small file fx_schema accepts, one record or more
 * of every template (contents in fixture.h)
 * @b: the buffer, initialised here; release with fx_free()
 *
 * Return: 0 or the buffer's error.
 */
int fx_build_valid(struct fx_buf *b)
{
	static const u8 tag[] = { 0xde, 0xad, 0xbe, 0xef };

	fx_begin_fixture(b);

	fx_record_begin(b, FX_T_PATH_RULE, 4);
	fx_u32(b, 7);
	fx_str(b, FX_VALID_PATH0);
	fx_u32(b, 1);
	fx_bytes(b, tag, sizeof(tag));
	fx_record_end(b);

	fx_record_begin(b, FX_T_COUNTER, 2);
	fx_u64(b, FX_VALID_LIMIT);
	fx_u32(b, 0x0f);
	fx_record_end(b);

	fx_channel_record(b, FX_CHANNEL_FIELDS, FX_CHANNEL_FIELDS);

	fx_record_begin(b, FX_T_PATH_RULE, 4);
	fx_u32(b, 1000000);
	fx_str(b, FX_VALID_PATH3);
	fx_u32(b, 2);
	fx_bytes(b, NULL, 0);
	fx_record_end(b);

	return fx_finish(b);
}

/**
 * fx_seed_write() - save a fixture as a fuzzer seed
 * @name: file name without extension; tests pass their own name
 * @b: the content
 *
 * When BH_SEED_DIR is set, writes the buffer to $BH_SEED_DIR/@name.bhc
 * (creating the directory, not its parents) so that every fixture the unit
 * tests build, valid or not, starts the fuzzer next to an interesting
 * boundary.  A plain write, not an atomic replace: a seed corpus is
 * regenerated, not recovered.  Without BH_SEED_DIR it does nothing.
 *
 * Return: 0, or a negative errno from building the path or writing.
 */
int fx_seed_write(const char *name, const struct fx_buf *b)
{
	const char *dir = getenv("BH_SEED_DIR");
	char path[PATH_MAX];
	size_t done = 0;
	int fd, n, err = 0;

	if (!dir || !*dir)
		return 0;
	if (b->err)
		return b->err;
	n = snprintf(path, sizeof(path), "%s/%s.bhc", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (done < b->len) {
		ssize_t w = write(fd, b->data + done, b->len - done);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		done += (size_t)w;
	}
	if (close(fd) && !err)
		err = -errno;
	return err;
}

/**
 * fx_make_cert() - a self-signed certificate, for signing tests
 * @key: its key pair, which also signs it
 * @cn: the subject's (and issuer's) common name
 * @serial: its serial number
 * @from_days: notBefore, in days from now (negative: in the past)
 * @to_days: notAfter, likewise
 *
 * Return: the certificate (X509_free() it), or NULL if OpenSSL failed.
 */
X509 *fx_make_cert(EVP_PKEY *key, const char *cn, long serial, long from_days,
		   long to_days)
{
	X509 *x = X509_new();
	X509_NAME *n;

	if (!x || !X509_set_version(x, X509_VERSION_3) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(x), serial) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), from_days * 86400) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), to_days * 86400))
		goto err;
	n = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
					(const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_issuer_name(x, n) || !X509_set_pubkey(x, key) ||
	    !X509_sign(x, key, EVP_sha256()))
		goto err;
	return x;
err:
	X509_free(x);
	return NULL;
}
