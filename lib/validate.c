// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * validate.c - the content validator: one entry point that either accepts
 * a content buffer against a schema or says exactly why not.
 *
 * Order matters: the header is checked field by field before any length
 * from it is trusted, lengths are compared without overflow, the cheap
 * identity checks (extension, schema, version) run before anything reads
 * past the header, and a signature is checked before the digest or any
 * record.  The digest and the record walk then share one pass over the
 * payload: each BH_YIELD_BYTES chunk is hashed and its records walked
 * while it is still in the cache.  A record's refusal counts only if the
 * digest matches (a payload that is not the one its publisher built is a
 * digest-mismatch, whatever its records look like), so the verdict is
 * the one a digest-first, walk-second reader would give.
 *
 * The walk allocates nothing; every read is preceded by a bound check
 * against the record's end, which is itself checked against the payload's
 * end.  In the kernel the pass yields the CPU once per BH_YIELD_BYTES
 * (bh_compat.h).
 */
#include "bh_content.h"

static const char *const bh_err_names[BH_E__COUNT] = {
	[BH_OK] = "ok",
	[BH_E_MAGIC] = "bad-magic",
	[BH_E_FORMAT_VERSION] = "format-version",
	[BH_E_HEADER] = "bad-header",
	[BH_E_TRUNC_HEADER] = "truncated-header",
	[BH_E_TRUNC_PAYLOAD] = "truncated-payload",
	[BH_E_TRAILING] = "trailing-bytes",
	[BH_E_SIGNATURE] = "signature",
	[BH_E_DIGEST] = "digest-mismatch",
	[BH_E_EXTENSION] = "wrong-extension",
	[BH_E_SCHEMA] = "wrong-schema",
	[BH_E_SCHEMA_VERSION] = "wrong-schema-version",
	[BH_E_CONTENT_VERSION] = "content-version",
	[BH_E_RECORD_COUNT] = "record-count",
	[BH_E_RECORD_LENGTH] = "record-length",
	[BH_E_TEMPLATE] = "unknown-template",
	[BH_E_FIELD_COUNT] = "field-count",
	[BH_E_FIELD_TYPE] = "field-type",
	[BH_E_FIELD_OVERRUN] = "field-overrun",
	[BH_E_STRING] = "bad-string",
	[BH_E_BYTES] = "bad-bytes",
	[BH_E_RANGE] = "out-of-range",
	[BH_E_ARGS] = "bad-arguments",
	[BH_E_ROLLBACK] = "rollback",
};

/**
 * bh_err_name() - short stable name of a refusal class
 * @code: an enum bh_err
 *
 * Return: a static string such as "field-count"; "unknown" if out of range.
 */
const char *bh_err_name(enum bh_err code)
{
	if ((unsigned int)code >= BH_E__COUNT)
		return "unknown";
	return bh_err_names[code];
}

static __printf(5, 6) int bh_fail(struct bh_error *err, enum bh_err code,
				  u64 offset, u32 record, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = code;
		err->offset = offset;
		err->record = record;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

/*
 * A record-level refusal names the record, its template (when the schema
 * knows it) and the byte offset in the file, then the reason.
 */
#define rec_fail(err, code, off, r, tmpl, fmt, ...)				\
	bh_fail(err, code, off, r,						\
		"record %u (template '%s') at byte %llu: " fmt, r,		\
		(tmpl) ? (tmpl)->name : "?", (unsigned long long)(off),		\
		##__VA_ARGS__)

/*
 * Copy a NUL-padded name field out of the header.  It must hold 1 to
 * BH_NAME_MAX valid characters followed only by NULs.
 */
static bool bh_header_name(const u8 *field, char *out)
{
	size_t n = 0, i;

	while (n < BH_NAME_LEN && field[n])
		n++;
	if (n == 0 || n > BH_NAME_MAX)
		return false;
	for (i = n; i < BH_NAME_LEN; i++)
		if (field[i])
			return false;
	memcpy(out, field, n);
	out[n] = '\0';
	return bh_name_valid(out);
}

static int bh_check_sig_fields(struct bh_content *c, u32 sig_type,
			       u32 sig_len, struct bh_error *err)
{
	if (c->format_version == BH_FORMAT_V1) {
		if (sig_type || sig_len)
			return bh_fail(err, BH_E_SIGNATURE, BH_OFF_SIG_TYPE,
				       BH_NO_RECORD,
				       "signature type %u (%u bytes) in format 1, which has none",
				       sig_type, sig_len);
		return 0;
	}
	if (sig_type != BH_SIG_NONE && sig_type != BH_SIG_PKCS7)
		return bh_fail(err, BH_E_SIGNATURE, BH_OFF_SIG_TYPE, BH_NO_RECORD,
			       "unknown signature type %u (%u bytes)",
			       sig_type, sig_len);
	if ((sig_type == BH_SIG_NONE) != (sig_len == 0))
		return bh_fail(err, BH_E_SIGNATURE, BH_OFF_SIG_LEN, BH_NO_RECORD,
			       "signature type %u with %u bytes of signature",
			       sig_type, sig_len);
	if (sig_len > BH_SIG_MAX)
		return bh_fail(err, BH_E_SIGNATURE, BH_OFF_SIG_LEN, BH_NO_RECORD,
			       "signature of %u bytes, the limit is %u",
			       sig_len, BH_SIG_MAX);
	c->sig_type = sig_type;
	c->sig_len = sig_len;
	return 0;
}

static int bh_check_header(const u8 *b, u64 len, const struct bh_schema *s,
			   unsigned int flags, struct bh_content *c,
			   struct bh_error *err)
{
	u64 payload_len, room;
	u32 sig_len, sig_type;
	u16 version, hlen;
	unsigned int i;

	if (len < BH_MAGIC_LEN || memcmp(b, BH_MAGIC, BH_MAGIC_LEN))
		return len < BH_MAGIC_LEN && !memcmp(b, BH_MAGIC, len) ?
			bh_fail(err, BH_E_TRUNC_HEADER, len, BH_NO_RECORD,
				"header truncated: file is %llu bytes, header needs %u",
				(unsigned long long)len, BH_HEADER_LEN) :
			bh_fail(err, BH_E_MAGIC, 0, BH_NO_RECORD,
				"bad magic: not a Bulkhead content file");
	if (len < BH_OFF_HEADER_LEN + 2)
		return bh_fail(err, BH_E_TRUNC_HEADER, len, BH_NO_RECORD,
			       "header truncated: file is %llu bytes, header needs %u",
			       (unsigned long long)len, BH_HEADER_LEN);
	version = bh_get_le16(b + BH_OFF_FORMAT_VERSION);
	if (version != BH_FORMAT_V1 && version != BH_FORMAT_V2)
		return bh_fail(err, BH_E_FORMAT_VERSION, BH_OFF_FORMAT_VERSION,
			       BH_NO_RECORD,
			       "format version %u, this reader knows %u and %u",
			       version, BH_FORMAT_V1, BH_FORMAT_V2);
	if (version == BH_FORMAT_V1 && (flags & BH_VALIDATE_NO_FORMAT1))
		return bh_fail(err, BH_E_FORMAT_VERSION, BH_OFF_FORMAT_VERSION,
			       BH_NO_RECORD,
			       "format 1 (its digest covers only the payload) is not accepted here: signatures are in force (a key enrolled or a signature required) and format 1 is not allowed");
	c->format_version = version;
	hlen = bh_get_le16(b + BH_OFF_HEADER_LEN);
	if (len < BH_HEADER_LEN)
		return bh_fail(err, BH_E_TRUNC_HEADER, len, BH_NO_RECORD,
			       "header truncated: file is %llu bytes, header needs %u",
			       (unsigned long long)len, BH_HEADER_LEN);
	if (hlen != BH_HEADER_LEN)
		return bh_fail(err, BH_E_HEADER, BH_OFF_HEADER_LEN, BH_NO_RECORD,
			       "header length %u, format %u requires %u",
			       hlen, version, BH_HEADER_LEN);

	c->flags = bh_get_le32(b + BH_OFF_FLAGS);
	if (c->flags)
		return bh_fail(err, BH_E_HEADER, BH_OFF_FLAGS, BH_NO_RECORD,
			       "unknown header flags 0x%x", c->flags);
	for (i = 0; i < BH_RESERVED_LEN; i++)
		if (b[BH_OFF_RESERVED + i])
			return bh_fail(err, BH_E_HEADER, BH_OFF_RESERVED + i,
				       BH_NO_RECORD,
				       "reserved header byte %u is not zero",
				       BH_OFF_RESERVED + i);
	if (!bh_header_name(b + BH_OFF_EXTENSION, c->extension))
		return bh_fail(err, BH_E_HEADER, BH_OFF_EXTENSION, BH_NO_RECORD,
			       "extension name is empty, too long, unterminated or has characters outside [A-Za-z0-9_.-]");
	if (!bh_header_name(b + BH_OFF_SCHEMA, c->schema_name))
		return bh_fail(err, BH_E_HEADER, BH_OFF_SCHEMA, BH_NO_RECORD,
			       "schema name is empty, too long, unterminated or has characters outside [A-Za-z0-9_.-]");
	c->schema_version = bh_get_le32(b + BH_OFF_SCHEMA_VERSION);
	c->record_count = bh_get_le32(b + BH_OFF_RECORD_COUNT);
	c->content_version = bh_get_le64(b + BH_OFF_CONTENT_VERSION);
	if (!c->content_version)
		return bh_fail(err, BH_E_CONTENT_VERSION, BH_OFF_CONTENT_VERSION,
			       BH_NO_RECORD, "content version 0 (versions start at 1)");

	/* Lengths: compare against what is left, never add untrusted sizes. */
	payload_len = bh_get_le64(b + BH_OFF_PAYLOAD_LEN);
	sig_len = bh_get_le32(b + BH_OFF_SIG_LEN);
	sig_type = bh_get_le32(b + BH_OFF_SIG_TYPE);
	/* record offsets are 32-bit, and the kernel hashes at most 4 GiB */
	if (payload_len > U32_MAX)
		return bh_fail(err, BH_E_HEADER, BH_OFF_PAYLOAD_LEN, BH_NO_RECORD,
			       "payload length %llu above the format's limit of %u bytes",
			       (unsigned long long)payload_len, U32_MAX);
	room = len - BH_HEADER_LEN;
	if (payload_len > room || sig_len > room - payload_len)
		return bh_fail(err, BH_E_TRUNC_PAYLOAD, len, BH_NO_RECORD,
			       "truncated: file is %llu bytes, header declares %llu (header %u, payload %llu, signature %u)",
			       (unsigned long long)len,
			       (unsigned long long)BH_HEADER_LEN + payload_len + sig_len,
			       BH_HEADER_LEN, (unsigned long long)payload_len,
			       sig_len);
	if (room - payload_len - sig_len)
		return bh_fail(err, BH_E_TRAILING,
			       BH_HEADER_LEN + payload_len + sig_len, BH_NO_RECORD,
			       "%llu trailing bytes after the declared end at byte %llu",
			       (unsigned long long)(room - payload_len - sig_len),
			       (unsigned long long)(BH_HEADER_LEN + payload_len + sig_len));
	if (bh_check_sig_fields(c, sig_type, sig_len, err))
		return -EBADMSG;

	if (s) {
		if (strcmp(c->extension, s->extension))
			return bh_fail(err, BH_E_EXTENSION, BH_OFF_EXTENSION,
				       BH_NO_RECORD,
				       "content is for extension '%s', not '%s'",
				       c->extension, s->extension);
		if (strcmp(c->schema_name, s->name))
			return bh_fail(err, BH_E_SCHEMA, BH_OFF_SCHEMA, BH_NO_RECORD,
				       "content uses schema '%s', extension '%s' declares '%s'",
				       c->schema_name, s->extension, s->name);
		if (c->schema_version != s->version)
			return bh_fail(err, BH_E_SCHEMA_VERSION,
				       BH_OFF_SCHEMA_VERSION, BH_NO_RECORD,
				       "content uses schema '%s' version %u, extension declares version %u",
				       s->name, c->schema_version, s->version);
	}

	c->base = b;
	c->len = len;
	c->payload = b + BH_HEADER_LEN;
	c->payload_len = payload_len;
	c->schema = s;
	c->sig = c->sig_len ? c->payload + payload_len : NULL;
	return 0;
}

#define BH_HIGH_BITS 0x8080808080808080ULL
#define BH_LOW_BITS  0x0101010101010101ULL

/*
 * Strict UTF-8 without NUL: no overlong forms, no surrogates, nothing
 * above U+10FFFF.  Returns the index of the first bad byte, or @len.
 * ASCII runs go eight bytes at a time: that is the common case for paths
 * and rule names.
 */
static inline bool bh_word_ascii_nonzero(u64 w)
{
	/* no high bit set, and no zero byte */
	return !(w & BH_HIGH_BITS) && !((w - BH_LOW_BITS) & ~w & BH_HIGH_BITS);
}

static u32 bh_utf8_check(const u8 *s, u32 len)
{
	u32 i = 0;
	u64 w;

	/*
	 * The common case, a plain ASCII string of eight bytes or more, is
	 * settled in whole words; the last word overlaps the one before it
	 * so no byte-at-a-time tail remains.  Anything else takes the full
	 * decoder below from the start.
	 */
	if (len >= 8) {
		for (i = 0; len - i >= 8; i += 8) {
			memcpy(&w, s + i, 8);
			if (!bh_word_ascii_nonzero(w))
				break;
		}
		if (len - i < 8) {
			memcpy(&w, s + len - 8, 8);
			if (bh_word_ascii_nonzero(w))
				return len;
		}
		/* every whole word before i was clean ASCII */
	}

	while (i < len) {
		u8 c = s[i];

		if (c < 0x80) {
			while (len - i >= 8) {
				memcpy(&w, s + i, 8);
				if (!bh_word_ascii_nonzero(w))
					break;
				i += 8;
			}
			if (i == len)
				break;
			c = s[i];
			if (c == 0)
				return i;
			if (c < 0x80) {
				i++;
				continue;
			}
		}
		if (c >= 0xc2 && c <= 0xdf) {
			if (len - i < 2 || (s[i + 1] & 0xc0) != 0x80)
				return i;
			i += 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			u8 lo = c == 0xe0 ? 0xa0 : 0x80;
			u8 hi = c == 0xed ? 0x9f : 0xbf;

			if (len - i < 3 || s[i + 1] < lo || s[i + 1] > hi ||
			    (s[i + 2] & 0xc0) != 0x80)
				return i;
			i += 3;
		} else if (c >= 0xf0 && c <= 0xf4) {
			u8 lo = c == 0xf0 ? 0x90 : 0x80;
			u8 hi = c == 0xf4 ? 0x8f : 0xbf;

			if (len - i < 4 || s[i + 1] < lo || s[i + 1] > hi ||
			    (s[i + 2] & 0xc0) != 0x80 || (s[i + 3] & 0xc0) != 0x80)
				return i;
			i += 4;
		} else {
			return i;
		}
	}
	return len;
}

/*
 * Yield if the walk, going from payload offset @from to @to, crossed a
 * multiple of BH_YIELD_BYTES (a power of two: the offsets then differ in
 * a bit at or above it).  One comparison per record or field, and
 * nothing at all in userspace.
 */
static inline void bh_walk_yield(u64 from, u64 to)
{
	if ((from ^ to) >= BH_YIELD_BYTES)
		bh_yield();
}

/*
 * Walk the fields of record @r, whose header has been read, between
 * @pos (just past the record header) and @end (the record's end).  Both
 * are payload offsets and @end is within the payload.
 */
static int bh_check_fields(const struct bh_content *c, u32 r, u32 nf,
			   const struct bh_template_spec *t, u64 pos, u64 end,
			   struct bh_error *err)
{
	const u8 *p = c->payload;
	const u64 base = BH_HEADER_LEN;
	u32 f;

	for (f = 0; f < nf; f++) {
		const struct bh_field_spec *fs = t ? &t->fields[f] : NULL;
		u64 foff = base + pos, v;
		u32 vlen, bad;
		u8 type;

		if (pos >= end)
			return rec_fail(err, BH_E_FIELD_OVERRUN, foff, r, t,
					"field %u of %u starts past the record's end",
					f, nf);
		type = p[pos];
		if (type < BH_FT_U32 || type > BH_FT_BYTES)
			return rec_fail(err, BH_E_FIELD_TYPE, foff, r, t,
					"field %u: unknown type %u", f, type);
		if (fs && type != fs->type)
			return rec_fail(err, BH_E_FIELD_TYPE, foff, r, t,
					"field %u ('%s'): type %s, schema declares %s",
					f, fs->name, bh_field_type_name(type),
					bh_field_type_name(fs->type));
		pos++;
		switch (type) {
		case BH_FT_U32:
		case BH_FT_U64:
			vlen = type == BH_FT_U32 ? 4 : 8;
			if (end - pos < vlen)
				return rec_fail(err, BH_E_FIELD_OVERRUN, foff, r, t,
						"field %u: %s value runs %llu bytes past the record's end",
						f, bh_field_type_name(type),
						(unsigned long long)(vlen - (end - pos)));
			v = vlen == 4 ? bh_get_le32(p + pos) : bh_get_le64(p + pos);
			if (fs && (v < fs->min || v > fs->max))
				return rec_fail(err, BH_E_RANGE, foff, r, t,
						"field %u ('%s'): value %llu outside [%llu, %llu]",
						f, fs->name, (unsigned long long)v,
						(unsigned long long)fs->min,
						(unsigned long long)fs->max);
			pos += vlen;
			break;
		default: /* string, bytes */
			if (end - pos < 2)
				return rec_fail(err, BH_E_FIELD_OVERRUN, foff, r, t,
						"field %u: %s length runs past the record's end",
						f, bh_field_type_name(type));
			vlen = bh_get_le16(p + pos);
			pos += 2;
			if (end - pos < vlen)
				return rec_fail(err, BH_E_FIELD_OVERRUN, foff, r, t,
						"field %u: %u-byte %s runs %llu bytes past the record's end",
						f, vlen, bh_field_type_name(type),
						(unsigned long long)(vlen - (end - pos)));
			if (fs && (vlen < fs->min || vlen > fs->max))
				return rec_fail(err, type == BH_FT_STRING ?
						BH_E_STRING : BH_E_BYTES, foff, r, t,
						"field %u ('%s'): %s of %u bytes, schema allows %llu to %llu",
						f, fs->name, bh_field_type_name(type), vlen,
						(unsigned long long)fs->min,
						(unsigned long long)fs->max);
			if (type == BH_FT_STRING) {
				bad = bh_utf8_check(p + pos, vlen);
				if (bad != vlen)
					return rec_fail(err, BH_E_STRING, foff, r, t,
							"field %u: string malformed at byte %u (%s)",
							f, bad, p[pos + bad] ?
							"invalid UTF-8" : "NUL");
			}
			pos += vlen;
			/* one record may hold 256 fields of 64 KiB */
			bh_walk_yield(pos - vlen, pos);
			break;
		}
	}
	if (pos != end)
		return rec_fail(err, BH_E_RECORD_LENGTH, base + pos, r, t,
				"%llu bytes left in the record after its %u fields",
				(unsigned long long)(end - pos), nf);
	return 0;
}

/*
 * Where the record walk stands: it may stop at any record boundary and
 * go on when more of the payload has been hashed.
 */
struct bh_walk {
	const struct bh_template_spec *t;	/* the last record's template */
	u64 pos;				/* payload offset of record r */
	u32 r;
};

/*
 * Walk the records that lie wholly below payload offset @limit, from
 * where @w stands.  A record is judged once its header and all its bytes
 * are below @limit; at @limit == payload_len every record is, and the
 * walk ends with the record count and trailing-byte checks.
 *
 * Return: 0 (done, or waiting for more), or -EBADMSG with @err filled.
 */
static int bh_check_records(const struct bh_content *c, struct bh_walk *w,
			    u64 limit, struct bh_error *err)
{
	const struct bh_schema *s = c->schema;
	const u8 *p = c->payload;
	const u64 plen = c->payload_len;
	const bool last = limit == plen;
	u64 pos = w->pos;
	u32 r;
	int ret;

	for (r = w->r; r < c->record_count; r++) {
		u64 off = BH_HEADER_LEN + pos;
		u32 rlen;
		u16 tid, nf;

		if (pos == plen)
			return bh_fail(err, BH_E_RECORD_COUNT, off, r,
				       "payload ends after %u records, header declares %u",
				       r, c->record_count);
		if (limit - pos < BH_RECORD_HDR_LEN) {
			if (!last)
				break;
			return bh_fail(err, BH_E_RECORD_LENGTH, off, r,
				       "record %u at byte %llu: record header truncated, %llu of %u bytes left",
				       r, (unsigned long long)off,
				       (unsigned long long)(plen - pos),
				       BH_RECORD_HDR_LEN);
		}
		tid = bh_get_le16(p + pos);
		nf = bh_get_le16(p + pos + 2);
		rlen = bh_get_le32(p + pos + 4);

		if (s && (!w->t || w->t->id != tid)) {
			w->t = bh_schema_template(s, tid);
			if (!w->t)
				return bh_fail(err, BH_E_TEMPLATE, off, r,
					       "record %u at byte %llu: template id %u, schema '%s' declares no such template",
					       r, (unsigned long long)off, tid,
					       s->name);
		}
		if (rlen < BH_RECORD_HDR_LEN || rlen > plen - pos)
			return rec_fail(err, BH_E_RECORD_LENGTH, off, r, w->t,
					"record length %u, %llu bytes left in the payload",
					rlen, (unsigned long long)(plen - pos));
		if (w->t && nf != w->t->nr_fields)
			return rec_fail(err, BH_E_FIELD_COUNT, off, r, w->t,
					"%u fields, schema declares %u",
					nf, w->t->nr_fields);
		if (rlen > limit - pos)
			break;	/* the rest of it is not hashed yet */
		ret = bh_check_fields(c, r, nf, w->t, pos + BH_RECORD_HDR_LEN,
				      pos + rlen, err);
		if (ret)
			return ret;
		pos += rlen;
		bh_walk_yield(pos - rlen, pos);
	}
	w->pos = pos;
	w->r = r;
	if (r == c->record_count && pos != plen)
		return bh_fail(err, BH_E_TRAILING, BH_HEADER_LEN + pos, BH_NO_RECORD,
			       "%llu trailing bytes in the payload after its %u records",
			       (unsigned long long)(plen - pos), c->record_count);
	return 0;
}

/* format 2's digest starts with every header byte but the digest's own */
static int bh_hash_header(struct bh_sha256_ctx *ctx, const u8 *base,
			  u16 format_version)
{
	int r;

	if (format_version == BH_FORMAT_V1)
		return 0;
	r = bh_sha256_update(ctx, base, BH_OFF_DIGEST);
	if (!r)
		r = bh_sha256_update(ctx, base + BH_OFF_DIGEST + BH_DIGEST_LEN,
				     BH_HEADER_LEN - BH_OFF_DIGEST - BH_DIGEST_LEN);
	return r;
}

/**
 * bh_content_digest() - the digest a writer puts in the header
 * @buf: a content file whose header is complete but for the digest, and
 *	whose payload (payload_len bytes after the header) is in place
 * @out: the 32 bytes for BH_OFF_DIGEST
 *
 * Format 1: SHA-256 of the payload.  Format 2: SHA-256 of header bytes
 * [0, 104) and [136, 160), then the payload: every byte of the file but
 * the digest itself and the signature after the payload.
 *
 * Return: 0, or the hash's negative errno.
 */
int bh_content_digest(const void *buf, u8 out[BH_DIGEST_LEN])
{
	const u8 *b = buf;
	struct bh_sha256_ctx ctx;
	int r;

	r = bh_sha256_init(&ctx);
	if (!r)
		r = bh_hash_header(&ctx, b, bh_get_le16(b + BH_OFF_FORMAT_VERSION));
	if (!r)
		r = bh_sha256_update(&ctx, b + BH_HEADER_LEN,
				     bh_get_le64(b + BH_OFF_PAYLOAD_LEN));
	if (!r)
		r = bh_sha256_final(&ctx, out);
	return r;
}

/*
 * The digest and the record walk in one pass: hash a chunk, walk the
 * records it completes, go on.  Once a record is refused the walk stops
 * and the hashing goes on to the end, because the digest's verdict comes
 * first.
 */
static int bh_digest_and_walk(const struct bh_content *c, struct bh_walk *w,
			      struct bh_error *err)
{
	struct bh_sha256_ctx ctx;
	u8 digest[BH_DIGEST_LEN];
	u64 done = 0, n;
	int walk = 0, r;

	r = bh_sha256_init(&ctx);
	if (!r)
		r = bh_hash_header(&ctx, c->base, c->format_version);
	while (!r && done < c->payload_len) {
		n = c->payload_len - done;
		if (n > BH_YIELD_BYTES)
			n = BH_YIELD_BYTES;
		r = bh_sha256_update(&ctx, c->payload + done, n);
		done += n;
		if (!r && !walk)
			walk = bh_check_records(c, w, done, err);
		bh_yield();
	}
	if (!r && !walk)
		walk = bh_check_records(c, w, c->payload_len, err);
	if (!r)
		r = bh_sha256_final(&ctx, digest);
	/* the kernel's crypto API may fail where nettle cannot */
	if (r)
		return bh_fail(err, BH_E_DIGEST, BH_OFF_DIGEST, BH_NO_RECORD,
			       "SHA-256 could not be computed: error %d", r);
	if (memcmp(digest, c->base + BH_OFF_DIGEST, BH_DIGEST_LEN))
		return bh_fail(err, BH_E_DIGEST, BH_OFF_DIGEST, BH_NO_RECORD,
			       c->format_version == BH_FORMAT_V1 ?
			       "payload SHA-256 does not match the header's digest" :
			       "SHA-256 of header and payload does not match the header's digest");
	return walk;
}

/*
 * Format 2's signature, after the header's own checks and before the
 * payload is read at all.
 */
static int bh_check_signature(struct bh_content *c, unsigned int flags,
			      const struct bh_sig_verifier *v,
			      struct bh_error *err)
{
	const u64 sig_off = BH_HEADER_LEN + c->payload_len;
	char why[BH_SIG_WHY_LEN];
	int r;

	if (c->sig_type == BH_SIG_NONE) {
		if (!(flags & BH_VALIDATE_REQUIRE_SIG))
			return 0;
		return bh_fail(err, BH_E_SIGNATURE, BH_OFF_SIG_TYPE, BH_NO_RECORD,
			       c->format_version == BH_FORMAT_V1 ?
			       "unsigned (format 1 has no signature), and a signature is required" :
			       "unsigned, and a signature is required");
	}
	if (!v || !v->verify) {
		if (flags & BH_VALIDATE_SIG_UNCHECKED)
			return 0;
		return bh_fail(err, BH_E_SIGNATURE, sig_off, BH_NO_RECORD,
			       "signed (type %u, %u bytes), and this reader has no key to check it with",
			       c->sig_type, c->sig_len);
	}
	why[0] = '\0';
	r = v->verify(v->arg, c->sig_type, c->base, BH_SIGNED_LEN, c->sig,
		      c->sig_len, why, sizeof(why));
	if (r)
		return bh_fail(err, BH_E_SIGNATURE, sig_off, BH_NO_RECORD,
			       "signature (%u bytes) refused: %s (error %d)",
			       c->sig_len, why[0] ? why : "no reason given", r);
	c->sig_verified = true;
	return 0;
}

/**
 * bh_content_validate_signed() - accept a content buffer or say why not
 * @buf: the whole content file
 * @len: its length in bytes
 * @schema: the extension's schema, or NULL to check only the structure
 *	(framing, digest, field encodings) as the dump tool does
 * @flags: BH_VALIDATE_* (bh_content.h): 0 for format 1 and 2, signed only
 *	if @verifier accepts the signature, unsigned allowed
 * @verifier: checks signatures; NULL if the caller has no keys
 * @ret: filled with a view of the content on success, and only then
 * @err: filled with the reason on refusal; may be NULL
 *
 * Order of checks: the header's own fields, identity against @schema,
 * the signature (format 2; before any payload byte is read), then the
 * digest and the records in one pass, the digest's verdict first.
 * No allocation, safe on arbitrary input.
 *
 * Return: 0 if the content is valid, -EBADMSG if it is refused (details in
 * @err), -EINVAL for a NULL @buf or @ret.
 */
int bh_content_validate_signed(const void *buf, u64 len,
			       const struct bh_schema *schema,
			       unsigned int flags,
			       const struct bh_sig_verifier *verifier,
			       struct bh_content *ret, struct bh_error *err)
{
	struct bh_walk w = { NULL, 0, 0 };
	struct bh_content c;
	int r;

	if (!buf || !ret) {
		bh_fail(err, BH_E_ARGS, 0, BH_NO_RECORD,
			"no buffer or no result to fill");
		return -EINVAL;
	}
	memset(&c, 0, sizeof(c));
	r = bh_check_header(buf, len, schema, flags, &c, err);
	if (r)
		return r;
	r = bh_check_signature(&c, flags, verifier, err);
	if (r)
		return r;
	if (flags & BH_VALIDATE_SKIP_DIGEST)
		r = bh_check_records(&c, &w, c.payload_len, err);
	else
		r = bh_digest_and_walk(&c, &w, err);
	if (r)
		return r;
	*ret = c;
	if (err) {
		err->code = BH_OK;
		err->offset = 0;
		err->record = BH_NO_RECORD;
		err->msg[0] = '\0';
	}
	return 0;
}

/**
 * bh_content_validate() - bh_content_validate_signed() without keys
 * @buf: the whole content file
 * @len: its length in bytes
 * @schema: the extension's schema, or NULL for the structure only
 * @flags: BH_VALIDATE_*; signed content is refused unless
 *	BH_VALIDATE_SIG_UNCHECKED lets its signature through unchecked
 * @ret: filled on success only
 * @err: the reason on refusal; may be NULL
 *
 * Return: as bh_content_validate_signed().
 */
int bh_content_validate(const void *buf, u64 len, const struct bh_schema *schema,
			unsigned int flags, struct bh_content *ret,
			struct bh_error *err)
{
	return bh_content_validate_signed(buf, len, schema, flags, NULL, ret,
					  err);
}
