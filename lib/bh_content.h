/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * bh_content.h - the Bulkhead content format: constants, schema tables,
 * the validator and the checked accessors.
 *
 * The byte layout is specified in docs/content-format.md; the offsets
 * below are that document's, and a change to either changes both.
 *
 * Nothing here allocates.  The validator makes a single pass over the
 * records after checking the header and the payload digest, and an
 * extension reads the validated content only through the accessors, which
 * re-check every bound they rely on.
 */
#ifndef BH_CONTENT_H
#define BH_CONTENT_H

#include "bh_compat.h"

/* ---- header -------------------------------------------------------- */

#define BH_MAGIC		"BHCONTNT"
#define BH_MAGIC_LEN		8
#define BH_FORMAT_V1		1	/* digest over the payload only */
#define BH_FORMAT_V2		2	/* digest over every byte; signatures */
#define BH_FORMAT_VERSION	BH_FORMAT_V2	/* what writers write */
#define BH_HEADER_LEN		160
#define BH_NAME_LEN		32	/* name fields, NUL-padded */
#define BH_NAME_MAX		(BH_NAME_LEN - 1)
#define BH_DIGEST_LEN		32

#define BH_OFF_MAGIC		0	/* u8[8]  "BHCONTNT" */
#define BH_OFF_FORMAT_VERSION	8	/* le16   1 or 2 */
#define BH_OFF_HEADER_LEN	10	/* le16   160 */
#define BH_OFF_FLAGS		12	/* le32   0 */
#define BH_OFF_EXTENSION	16	/* u8[32] extension name */
#define BH_OFF_SCHEMA		48	/* u8[32] schema name */
#define BH_OFF_SCHEMA_VERSION	80	/* le32 */
#define BH_OFF_RECORD_COUNT	84	/* le32 */
#define BH_OFF_CONTENT_VERSION	88	/* le64, >= 1 */
#define BH_OFF_PAYLOAD_LEN	96	/* le64 */
#define BH_OFF_DIGEST		104	/* u8[32] SHA-256, see BH_FORMAT_V* */
#define BH_OFF_SIG_LEN		136	/* le32   bytes of signature after payload */
#define BH_OFF_SIG_TYPE		140	/* le32   a BH_SIG_* */
#define BH_OFF_RESERVED		144	/* u8[16] zero */
#define BH_RESERVED_LEN		16

/* what a signature is made over: the header, whose digest covers the rest */
#define BH_SIGNED_LEN		BH_HEADER_LEN

#define BH_SIG_NONE		0	/* sig_len 0 */
#define BH_SIG_PKCS7		1	/* DER PKCS#7/CMS SignedData, detached */
#define BH_SIG_MAX		(64U << 10)	/* largest sig_len accepted */

/* ---- records and fields -------------------------------------------- */

#define BH_RECORD_HDR_LEN	8	/* le16 template, le16 fields, le32 len */
#define BH_MAX_FIELDS		256	/* per template */
#define BH_MAX_VARLEN		65535	/* string and bytes payload, le16 */

enum bh_field_type {
	BH_FT_U32 = 1,		/* type byte, le32 value */
	BH_FT_U64 = 2,		/* type byte, le64 value */
	BH_FT_STRING = 3,	/* type byte, le16 length, UTF-8 without NUL */
	BH_FT_BYTES = 4,	/* type byte, le16 length, raw bytes */
};

/* ---- schema --------------------------------------------------------- */

/**
 * struct bh_field_spec - one field of a template
 * @name: field name, for messages and the schema text
 * @type: an enum bh_field_type
 * @min: smallest value (u32/u64) or length in bytes (string/bytes)
 * @max: largest value or length, inclusive
 */
struct bh_field_spec {
	const char *name;
	u8 type;
	u64 min;
	u64 max;
};

/**
 * struct bh_template_spec - one record type
 * @id: the template id records carry
 * @name: template name
 * @nr_fields: the exact number of fields every record of it carries
 * @fields: @nr_fields field specs, in order
 */
struct bh_template_spec {
	u16 id;
	const char *name;
	u16 nr_fields;
	const struct bh_field_spec *fields;
};

/**
 * struct bh_schema - what an extension accepts
 * @extension: the extension's name, as content headers carry it
 * @name: schema name
 * @version: schema version; content must carry exactly this one
 * @nr_templates: number of entries in @templates
 * @templates: the record types, ids unique
 */
struct bh_schema {
	const char *extension;
	const char *name;
	u32 version;
	u16 nr_templates;
	const struct bh_template_spec *templates;
};

#define BH_FIELD_U32(n, lo, hi)	   { .name = (n), .type = BH_FT_U32, .min = (lo), .max = (hi) }
#define BH_FIELD_U64(n, lo, hi)	   { .name = (n), .type = BH_FT_U64, .min = (lo), .max = (hi) }
#define BH_FIELD_STRING(n, lo, hi) { .name = (n), .type = BH_FT_STRING, .min = (lo), .max = (hi) }
#define BH_FIELD_BYTES(n, lo, hi)  { .name = (n), .type = BH_FT_BYTES, .min = (lo), .max = (hi) }

/* ---- errors --------------------------------------------------------- */

enum bh_err {
	BH_OK = 0,
	BH_E_MAGIC,		/* not a content file */
	BH_E_FORMAT_VERSION,	/* unknown format version */
	BH_E_HEADER,		/* header length, flags, reserved, names */
	BH_E_TRUNC_HEADER,	/* file shorter than its header */
	BH_E_TRUNC_PAYLOAD,	/* file shorter than header + payload + sig */
	BH_E_TRAILING,		/* bytes after the content or the last record */
	BH_E_SIGNATURE,		/* a signature this reader cannot check */
	BH_E_DIGEST,		/* payload SHA-256 differs from the header's */
	BH_E_EXTENSION,		/* content for another extension */
	BH_E_SCHEMA,		/* another schema */
	BH_E_SCHEMA_VERSION,	/* another schema version */
	BH_E_CONTENT_VERSION,	/* content version 0 */
	BH_E_RECORD_COUNT,	/* payload ends before record_count records */
	BH_E_RECORD_LENGTH,	/* record length impossible or not filled */
	BH_E_TEMPLATE,		/* template id the schema does not declare */
	BH_E_FIELD_COUNT,	/* field count differs from the schema's */
	BH_E_FIELD_TYPE,	/* unknown type, or not the schema's type */
	BH_E_FIELD_OVERRUN,	/* field runs past the end of its record */
	BH_E_STRING,		/* string too long, too short or malformed */
	BH_E_BYTES,		/* bytes field too long or too short */
	BH_E_RANGE,		/* integer outside the schema's bounds */
	BH_E_ARGS,		/* the caller passed nonsense */
	BH_E_ROLLBACK,		/* (intake, staging) version below the floor */
	BH_E__COUNT
};

#define BH_NO_RECORD	((u32)-1)
#define BH_ERR_MSG_LEN	192

/**
 * struct bh_error - why content was refused
 * @code: an enum bh_err
 * @offset: byte offset in the file of the offending byte or field
 * @record: index of the offending record, or BH_NO_RECORD
 * @msg: one line naming place and reason, NUL-terminated; callers prefix
 *	the thing (file name or extension)
 */
struct bh_error {
	enum bh_err code;
	u64 offset;
	u32 record;
	char msg[BH_ERR_MSG_LEN];
};

const char *bh_err_name(enum bh_err code);

/* ---- validated content and accessors -------------------------------- */

/**
 * struct bh_content - a view of a validated content buffer
 *
 * Filled by bh_content_validate() and only then meaningful.  It points
 * into the caller's buffer, which must outlive it and not change.
 */
struct bh_content {
	const u8 *base;
	u64 len;
	const u8 *payload;
	u64 payload_len;
	u64 content_version;
	u32 schema_version;
	u32 record_count;
	u32 flags;
	char extension[BH_NAME_LEN + 1];
	char schema_name[BH_NAME_LEN + 1];
	const struct bh_schema *schema;
	u16 format_version;
	u32 sig_type;		/* BH_SIG_NONE: unsigned */
	u32 sig_len;
	const u8 *sig;		/* sig_len bytes after the payload */
	bool sig_verified;	/* a bh_sig_verifier accepted it */
};

/**
 * struct bh_record - a view of one record, from the record iterator
 */
struct bh_record {
	const struct bh_content *content;
	u32 index;
	u16 template_id;
	u16 nr_fields;
	u32 offset;		/* of the record header, within the payload */
	u32 len;		/* whole record, header included */
	const struct bh_template_spec *tmpl;	/* NULL without a schema */
};

/* validation flags */
#define BH_VALIDATE_SKIP_DIGEST	0x1	/* caller checked the digest already */
#define BH_VALIDATE_NO_FORMAT1	0x2	/* refuse format 1 (payload-only digest) */
#define BH_VALIDATE_REQUIRE_SIG	0x4	/* refuse content without a good signature */
#define BH_VALIDATE_SIG_UNCHECKED 0x8	/* without a verifier, let a signature
					 * through unchecked (structure only) */

#define BH_SIG_WHY_LEN		128

/**
 * struct bh_sig_verifier - how the caller checks signatures
 * @verify: called once per signed file, after the header's own checks and
 *	before the digest or any record: @data is the BH_SIGNED_LEN bytes of
 *	the header (digest included), @sig the signature of type @sig_type.
 *	Returns 0 if a key the caller trusts made it, else a negative errno
 *	and a NUL-terminated reason in @why (@why_len bytes)
 * @arg: passed to @verify
 */
struct bh_sig_verifier {
	int (*verify)(void *arg, u32 sig_type, const u8 *data, u32 data_len,
		      const u8 *sig, u32 sig_len, char *why, size_t why_len);
	void *arg;
};

int bh_content_validate(const void *buf, u64 len, const struct bh_schema *schema,
			unsigned int flags, struct bh_content *ret,
			struct bh_error *err);
int bh_content_digest(const void *buf, u8 out[BH_DIGEST_LEN]);
int bh_content_validate_signed(const void *buf, u64 len,
			       const struct bh_schema *schema,
			       unsigned int flags,
			       const struct bh_sig_verifier *verifier,
			       struct bh_content *ret, struct bh_error *err);

int bh_record_first(const struct bh_content *c, struct bh_record *ret);
int bh_record_next(const struct bh_record *cur, struct bh_record *ret);
int bh_record_get(const struct bh_content *c, u32 index, struct bh_record *ret);

int bh_field_type(const struct bh_record *r, unsigned int idx);
int bh_field_u32(const struct bh_record *r, unsigned int idx, u32 *ret);
int bh_field_u64(const struct bh_record *r, unsigned int idx, u64 *ret);
int bh_field_string(const struct bh_record *r, unsigned int idx,
		    const char **ret, u16 *ret_len);
int bh_field_bytes(const struct bh_record *r, unsigned int idx,
		   const u8 **ret, u16 *ret_len);

/* ---- schema helpers -------------------------------------------------- */

const char *bh_field_type_name(unsigned int type);
int bh_field_type_from_name(const char *name);
const struct bh_template_spec *bh_schema_template(const struct bh_schema *s,
						  u16 id);
int bh_schema_check(const struct bh_schema *s, struct bh_error *err);
int bh_schema_format(const struct bh_schema *s, char *buf, size_t size);
bool bh_name_valid(const char *name);
bool bh_name_eq(const char *a, const char *b);

#endif /* BH_CONTENT_H */
