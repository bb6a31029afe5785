// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_validator.c - bh_content_validate(): one test per refusal class in
 * enum bh_err (often several ways into it), the accept cases at the edges,
 * and structure-only validation without a schema.
 *
 * Every fixture is built here, by fixture.c's independent encoder, from
 * the statements you read, and every one is also written out as a fuzzer
 * seed (named after its test) when BH_SEED_DIR is set.  A refusal is
 * checked completely: return value, class, record index, file offset, a
 * distinctive part of the message, that the result view was not written,
 * and that a NULL error struct is tolerated.  The fixture buffers are
 * allocated to the exact length of the content, so under ASan any read
 * past the end is reported where it happens.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

/* ---- helpers ---------------------------------------------------------- */

static void check_refused(const char *file, int line, const char *seed,
			  const struct fx_buf *b, const struct bh_schema *s,
			  enum bh_err code, u32 record, u64 offset,
			  const char *msg)
{
	struct bh_content c, pristine;
	struct bh_error err;
	int ret;

	if (b->err) {
		print_error("fixture not built: %s\n", strerror(-b->err));
		_fail(file, line);
	}
	if (fx_seed_write(seed, b)) {
		print_error("cannot write seed %s\n", seed);
		_fail(file, line);
	}
	/* the view is written on success only: a refusal leaves it as it was */
	memset(&c, 0xa5, sizeof(c));
	memset(&pristine, 0xa5, sizeof(pristine));
	memset(&err, 0, sizeof(err));
	ret = bh_content_validate(b->data, b->len, s, 0, &c, &err);
	if (ret != -EBADMSG || err.code != code || err.record != record ||
	    err.offset != offset ||
	    !strstr(err.msg, msg)) {
		print_error("got:  %d %s record %u offset %llu \"%s\"\n"
			    "want: %d %s record %u offset %llu \"...%s...\"\n",
			    ret, bh_err_name(err.code), err.record,
			    (unsigned long long)err.offset, err.msg,
			    -EBADMSG, bh_err_name(code), record,
			    (unsigned long long)offset, msg);
		_fail(file, line);
	}
	if (err.offset > b->len) {
		print_error("error offset %llu beyond the file's %zu bytes\n",
			    (unsigned long long)err.offset, b->len);
		_fail(file, line);
	}
	if (memcmp(&c, &pristine, sizeof(c))) {
		print_error("result view written although the content was refused\n");
		_fail(file, line);
	}
	if (bh_content_validate(b->data, b->len, s, 0, &c, NULL) != -EBADMSG) {
		print_error("refusal differs without an error struct\n");
		_fail(file, line);
	}
}

/* refused by @s with exactly this class, record, offset and message part */
#define assert_refused(b, s, code, record, offset, msg)			\
	check_refused(__FILE__, __LINE__, __func__, b, s, code, record,	\
		      offset, msg)
/* the same, for one row of a table: the seed gets the row's name */
#define assert_refused_as(seed, b, s, code, record, offset, msg)		\
	check_refused(__FILE__, __LINE__, seed, b, s, code, record,	\
		      offset, msg)

static void check_accepted(const char *file, int line, const char *seed,
			   const struct fx_buf *b, const struct bh_schema *s,
			   struct bh_content *c)
{
	struct bh_error err;
	int ret;

	if (b->err) {
		print_error("fixture not built: %s\n", strerror(-b->err));
		_fail(file, line);
	}
	if (fx_seed_write(seed, b)) {
		print_error("cannot write seed %s\n", seed);
		_fail(file, line);
	}
	memset(&err, 0x5a, sizeof(err));
	ret = bh_content_validate(b->data, b->len, s, 0, c, &err);
	if (ret) {
		print_error("refused: %d %s record %u offset %llu \"%s\"\n", ret,
			    bh_err_name(err.code), err.record,
			    (unsigned long long)err.offset, err.msg);
		_fail(file, line);
	}
	/* a stale reason from an earlier call must not survive a success */
	if (err.code != BH_OK || err.offset || err.record != BH_NO_RECORD ||
	    err.msg[0]) {
		print_error("error struct not cleared on success\n");
		_fail(file, line);
	}
}

#define assert_accepted(b, s, c)						\
	check_accepted(__FILE__, __LINE__, __func__, b, s, c)

static char *seed_name(char *buf, size_t size, const char *test, unsigned int i)
{
	snprintf(buf, size, "%s-%u", test, i);
	return buf;
}

/* File offset of record @idx, from the record lengths the file carries. */
static size_t rec_at(const struct fx_buf *b, unsigned int idx)
{
	size_t off = BH_HEADER_LEN;

	while (idx--)
		off += (u32)b->data[off + 4] | (u32)b->data[off + 5] << 8 |
		       (u32)b->data[off + 6] << 16 | (u32)b->data[off + 7] << 24;
	return off;
}

/*
 * The first @n bytes of @src, in an allocation of exactly that size (one
 * byte for an empty file, which is still a buffer, not NULL).
 */
static void exact_prefix(struct fx_buf *dst, const struct fx_buf *src, size_t n)
{
	memset(dst, 0, sizeof(*dst));
	dst->data = malloc(n ? n : 1);
	assert_non_null(dst->data);
	memcpy(dst->data, src->data, n);
	dst->len = n;
}

/* A good path-rule record, for context around the record under test. */
static void path_rule(struct fx_buf *b, u32 id, const char *path)
{
	fx_record_begin(b, FX_T_PATH_RULE, 4);
	fx_u32(b, id);
	fx_str(b, path);
	fx_u32(b, 0);
	fx_bytes(b, "ab", 2);
	fx_record_end(b);
}

/* A file of one path-rule record whose path is @len bytes of @path. */
static void one_path(struct fx_buf *b, const char *path, size_t len)
{
	fx_begin_fixture(b);
	fx_record_begin(b, FX_T_PATH_RULE, 4);
	fx_u32(b, 1);
	fx_string(b, path, len);
	fx_u32(b, 0);
	fx_bytes(b, NULL, 0);
	fx_record_end(b);
	fx_finish(b);
}

/* offset of the path field in one_path()'s record */
#define ONE_PATH_FIELD	(BH_HEADER_LEN + BH_RECORD_HDR_LEN + 5)

/* ---- accepted ---------------------------------------------------------- */

static void accepts_valid_file(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	assert_accepted(&b, &fx_schema, &c);

	assert_ptr_equal(c.base, b.data);
	assert_int_equal(c.len, b.len);
	assert_ptr_equal(c.payload, b.data + BH_HEADER_LEN);
	assert_int_equal(c.payload_len, b.len - BH_HEADER_LEN);
	assert_int_equal(c.content_version, FX_CONTENT_VER);
	assert_int_equal(c.schema_version, FX_SCHEMA_VER);
	assert_int_equal(c.record_count, FX_VALID_RECORDS);
	assert_int_equal(c.flags, 0);
	assert_string_equal(c.extension, FX_EXTENSION);
	assert_string_equal(c.schema_name, FX_SCHEMA);
	assert_ptr_equal(c.schema, &fx_schema);
}

static void accepts_file_with_zero_records(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;

	(void)state;
	fx_begin_fixture(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_accepted(&b, &fx_schema, &c);
	assert_int_equal(c.record_count, 0);
	assert_int_equal(c.payload_len, 0);
}

static void accepts_values_at_their_bounds(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	char path[255], ch[64];
	u8 tag[16];
	struct bh_content c;
	unsigned int i;

	(void)state;
	memset(path, 'p', sizeof(path));
	memset(ch, 'c', sizeof(ch));
	memset(tag, 0xff, sizeof(tag));
	fx_begin_fixture(&b);

	/* every minimum */
	fx_record_begin(&b, FX_T_PATH_RULE, 4);
	fx_u32(&b, 1);
	fx_string(&b, "/", 1);
	fx_u32(&b, 0);
	fx_bytes(&b, NULL, 0);
	fx_record_end(&b);
	fx_record_begin(&b, FX_T_COUNTER, 2);
	fx_u64(&b, 10);
	fx_u32(&b, 0);
	fx_record_end(&b);
	fx_record_begin(&b, FX_T_CHANNEL, FX_CHANNEL_FIELDS);
	for (i = 0; i < FX_CHANNEL_FIELDS; i++)
		fx_string(&b, "", 0);
	fx_record_end(&b);

	/* every maximum */
	fx_record_begin(&b, FX_T_PATH_RULE, 4);
	fx_u32(&b, 1000000);
	fx_string(&b, path, sizeof(path));
	fx_u32(&b, 2);
	fx_bytes(&b, tag, sizeof(tag));
	fx_record_end(&b);
	fx_record_begin(&b, FX_T_COUNTER, 2);
	fx_u64(&b, 1ULL << 40);
	fx_u32(&b, 0xff);
	fx_record_end(&b);
	fx_record_begin(&b, FX_T_CHANNEL, FX_CHANNEL_FIELDS);
	for (i = 0; i < FX_CHANNEL_FIELDS; i++)
		fx_string(&b, ch, sizeof(ch));
	fx_record_end(&b);

	assert_int_equal(fx_finish(&b), 0);
	assert_accepted(&b, &fx_schema, &c);
	assert_int_equal(c.record_count, 6);
}

static void accepts_multibyte_utf8_strings(void **state)
{
	/* the first and last code point of each encoded length, and the
	 * neighbours of the surrogate block, inside and after ASCII runs */
	static const char *const ok[] = {
		"\xc2\x80",			/* U+0080 */
		"\xdf\xbf",			/* U+07FF */
		"\xe0\xa0\x80",			/* U+0800 */
		"\xed\x9f\xbf",			/* U+D7FF */
		"\xee\x80\x80",			/* U+E000 */
		"\xef\xbf\xbf",			/* U+FFFF */
		"\xf0\x90\x80\x80",		/* U+10000 */
		"\xf4\x8f\xbf\xbf",		/* U+10FFFF */
		"/home/na\xc3\xafve/\xe6\x97\xa5\xe6\x9c\xac/\xf0\x9f\x98\x80",
		"/a/long/ascii/run/first/\xc3\xa9/then/ascii/again/\xe2\x82\xac",
	};
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	unsigned int i;

	(void)state;
	fx_begin_fixture(&b);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		path_rule(&b, i + 1, ok[i]);
	assert_int_equal(fx_finish(&b), 0);
	assert_accepted(&b, &fx_schema, &c);
	assert_int_equal(c.record_count, sizeof(ok) / sizeof(ok[0]));
}

static void accepts_control_characters_and_noncharacters(void **state)
{
	/* strict UTF-8 is about encoding, not taste: printing is escaping */
	static const char *const ok[] = {
		"tab\there\nnewline",
		"\x01\x1b[31m\x7f",
		"\xef\xbb\xbf/bom",		/* U+FEFF */
		"\xef\xbf\xbe\xef\xbf\xbf",	/* U+FFFE, U+FFFF */
		"\xf3\xbf\xbf\xbf",		/* U+FFFFF */
	};
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	unsigned int i;

	(void)state;
	fx_begin_fixture(&b);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		path_rule(&b, i + 1, ok[i]);
	assert_int_equal(fx_finish(&b), 0);
	assert_accepted(&b, &fx_schema, &c);
}

static const struct bh_template_spec marker_templates[] = {
	{ .id = 0, .name = "marker", .nr_fields = 0, .fields = NULL },
};

/* a template of no fields: its records are bare 8-byte headers */
static const struct bh_schema marker_schema = {
	.extension = "bh_marker",
	.name = "marker",
	.version = 0,
	.nr_templates = 1,
	.templates = marker_templates,
};

static void accepts_bare_records_of_fieldless_template(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;

	(void)state;
	assert_int_equal(bh_schema_check(&marker_schema, NULL), 0);
	fx_begin(&b, "bh_marker", "marker", 0, 1);
	fx_record_begin(&b, 0, 0);
	fx_record_end(&b);
	fx_record_begin(&b, 0, 0);
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_accepted(&b, &marker_schema, &c);
	assert_int_equal(c.payload_len, 2 * BH_RECORD_HDR_LEN);

	/* and a field where none is declared is a field too many */
	fx_free(&b);
	fx_begin(&b, "bh_marker", "marker", 0, 1);
	fx_record_begin(&b, 0, 1);
	fx_u32(&b, 0);
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &marker_schema, BH_E_FIELD_COUNT, 0, BH_HEADER_LEN,
		       "(template 'marker') at byte 160: 1 fields, schema declares 0");
}

static void accepts_without_schema_the_21_field_channel_file(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;

	(void)state;
	fx_begin_fixture(&b);
	fx_channel_record(&b, 21, 21);
	assert_int_equal(fx_finish(&b), 0);
	assert_accepted(&b, NULL, &c);
	assert_null(c.schema);
	assert_int_equal(c.record_count, 1);
}

static void accepts_without_schema_what_only_the_schema_forbids(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;

	(void)state;
	/* another extension and schema, an unknown template, a field
	 * count, types and values no template of fx_schema has */
	fx_begin(&b, "other_ext", "other", 99, 1);
	fx_record_begin(&b, 999, 3);
	fx_u64(&b, 0);
	fx_bytes(&b, "x", 1);
	fx_string(&b, "", 0);
	fx_record_end(&b);
	fx_record_begin(&b, FX_T_PATH_RULE, 1);
	fx_u32(&b, 0);
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_accepted(&b, NULL, &c);
	assert_string_equal(c.extension, "other_ext");
	assert_string_equal(c.schema_name, "other");
	assert_int_equal(c.schema_version, 99);
}

static void skip_digest_flag_accepts_stale_digest(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_error err;

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	b.data[BH_OFF_DIGEST] ^= 1;
	assert_int_equal(bh_content_validate(b.data, b.len, &fx_schema,
					     BH_VALIDATE_SKIP_DIGEST, &c, &err), 0);
	assert_int_equal(c.record_count, FX_VALID_RECORDS);
	/* and the records are still checked */
	fx_set_le16(&b, rec_at(&b, 1), 999);
	assert_int_equal(bh_content_validate(b.data, b.len, &fx_schema,
					     BH_VALIDATE_SKIP_DIGEST, &c, &err),
			 -EBADMSG);
	assert_int_equal(err.code, BH_E_TEMPLATE);
}

/*
 * docs/content-format.md ends with a worked example, a 201-byte format-2
 * file and its SHA-256 (header but the digest, then payload).  This encoder, built from that document, must
 * make the same file from the same description, and the validator must
 * accept it.
 */
static void encoder_reproduces_format_doc_example(void **state)
{
	static const u8 doc_digest[BH_DIGEST_LEN] = {
		0xa1, 0xd1, 0xa9, 0x3c, 0x2f, 0xfd, 0x65, 0x68,
		0x4c, 0xb0, 0x5f, 0x69, 0xaa, 0xe2, 0x37, 0xa0,
		0x67, 0x1e, 0xc5, 0xe7, 0xfc, 0x98, 0x0c, 0xb0,
		0x07, 0x3a, 0x4a, 0x77, 0x73, 0x71, 0xe9, 0xda,
	};
	static const u8 tag[] = { 0xde, 0xad, 0xbe, 0xef };
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;

	(void)state;
	fx_begin(&b, FX_EXTENSION, FX_SCHEMA, FX_SCHEMA_VER, 1);
	fx_record_begin(&b, FX_T_PATH_RULE, 4);
	fx_u32(&b, 42);
	fx_str(&b, "/usr/bin/curl");
	fx_u32(&b, 1);
	fx_bytes(&b, tag, sizeof(tag));
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);

	assert_int_equal(b.len, 201);
	assert_memory_equal(b.data + BH_OFF_FORMAT_VERSION, "\x02\x00", 2);
	assert_memory_equal(b.data + BH_OFF_DIGEST, doc_digest, BH_DIGEST_LEN);
	/* record header: template 1, 4 fields, 41 bytes */
	assert_memory_equal(b.data + BH_HEADER_LEN, "\x01\x00\x04\x00\x29\x00\x00\x00", 8);
	assert_accepted(&b, &fx_schema, &c);
	assert_int_equal(c.payload_len, 41);
}

/* ---- arguments ---------------------------------------------------------- */

static void refuses_null_buffer_or_result(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_error err;

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	assert_int_equal(bh_content_validate(NULL, b.len, &fx_schema, 0, &c, &err),
			 -EINVAL);
	assert_int_equal(err.code, BH_E_ARGS);
	assert_int_equal(err.record, BH_NO_RECORD);
	memset(&err, 0, sizeof(err));
	assert_int_equal(bh_content_validate(b.data, b.len, &fx_schema, 0, NULL, &err),
			 -EINVAL);
	assert_int_equal(err.code, BH_E_ARGS);
	assert_int_equal(bh_content_validate(NULL, 0, NULL, 0, NULL, NULL), -EINVAL);
}

static void names_every_refusal_class_distinctly(void **state)
{
	unsigned int i, j;

	(void)state;
	assert_string_equal(bh_err_name(BH_OK), "ok");
	assert_string_equal(bh_err_name(BH_E_FIELD_COUNT), "field-count");
	for (i = 0; i < BH_E__COUNT; i++) {
		assert_non_null(bh_err_name(i));
		assert_string_not_equal(bh_err_name(i), "unknown");
		for (j = 0; j < i; j++)
			assert_string_not_equal(bh_err_name(i), bh_err_name(j));
	}
	assert_string_equal(bh_err_name(BH_E__COUNT), "unknown");
	assert_string_equal(bh_err_name((enum bh_err)-1), "unknown");
}

/* ---- header ------------------------------------------------------------- */

static void refuses_bad_magic(void **state)
{
	static const char *const bad[] = { "BHCONTNX", "bhcontnt", "\0\0\0\0\0\0\0\0",
					   "\177ELF\2\1\1\0" };
	_cleanup_fx_ struct fx_buf b = { 0 };
	char name[80];
	unsigned int i;

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fx_set(&b, BH_OFF_MAGIC, bad[i], BH_MAGIC_LEN);
		assert_refused_as(seed_name(name, sizeof(name), __func__, i),
				  &b, &fx_schema, BH_E_MAGIC, BH_NO_RECORD, 0,
				  "bad magic: not a Bulkhead content file");
	}
}

static void refuses_short_file_that_is_no_magic_prefix(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };

	(void)state;
	/* shorter than a header, but not the start of one either */
	fx_raw(&b, "PK\3\4", 4);
	assert_refused(&b, &fx_schema, BH_E_MAGIC, BH_NO_RECORD, 0, "bad magic");
}

/*
 * Set the le16 header field at @off of a valid file to each of @bad in
 * turn: refused as @code at @off, with @fmt (one %u: the value) as the
 * message.  @test names the seeds.
 */
static void refuses_le16_header_values(const char *test, size_t off,
				       const u16 *bad, size_t n,
				       enum bh_err code, const char *fmt)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	char name[80], msg[64];
	unsigned int i;

	assert_int_equal(fx_build_valid(&b), 0);
	for (i = 0; i < n; i++) {
		fx_set_le16(&b, off, bad[i]);
		snprintf(msg, sizeof(msg), fmt, bad[i]);
		assert_refused_as(seed_name(name, sizeof(name), test, i),
				  &b, &fx_schema, code, BH_NO_RECORD, off, msg);
	}
}

static void refuses_unknown_format_version(void **state)
{
	static const u16 bad[] = { 0, 3, 0x100, 0xffff };

	(void)state;
	refuses_le16_header_values(__func__, BH_OFF_FORMAT_VERSION, bad,
				   sizeof(bad) / sizeof(bad[0]), BH_E_FORMAT_VERSION,
				   "format version %u, this reader knows 1 and 2");
}

static void names_other_format_before_truncation(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };

	(void)state;
	/* twelve bytes are enough to tell a file of another format */
	fx_raw(&b, BH_MAGIC, BH_MAGIC_LEN);
	fx_put16(&b, 3);
	fx_put16(&b, 200);
	assert_refused(&b, &fx_schema, BH_E_FORMAT_VERSION, BH_NO_RECORD,
		       BH_OFF_FORMAT_VERSION, "format version 3, this reader knows 1 and 2");
}

static void refuses_truncated_header(void **state)
{
	/* nothing, inside the magic, after it, inside and after the version
	 * and header length, mid-header, one byte short */
	static const size_t cuts[] = { 0, 1, 7, 8, 9, 11, 12, 100, 159 };
	_cleanup_fx_ struct fx_buf b = { 0 };
	char name[80], msg[80];
	unsigned int i;

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		/* an exact-size copy, so ASan sees a read past the cut */
		_cleanup_fx_ struct fx_buf cut = { 0 };

		exact_prefix(&cut, &b, cuts[i]);
		snprintf(msg, sizeof(msg),
			 "header truncated: file is %zu bytes, header needs 160",
			 cuts[i]);
		assert_refused_as(seed_name(name, sizeof(name), __func__, i),
				  &cut, &fx_schema, BH_E_TRUNC_HEADER, BH_NO_RECORD,
				  cuts[i], msg);
	}
}

static void refuses_header_length_other_than_160(void **state)
{
	static const u16 bad[] = { 0, 159, 161, 0xffff };

	(void)state;
	refuses_le16_header_values(__func__, BH_OFF_HEADER_LEN, bad,
				   sizeof(bad) / sizeof(bad[0]), BH_E_HEADER,
				   "header length %u, format 2 requires 160");
}

static void refuses_unknown_header_flags(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	fx_set_le32(&b, BH_OFF_FLAGS, 0x80000001);
	assert_refused(&b, &fx_schema, BH_E_HEADER, BH_NO_RECORD, BH_OFF_FLAGS,
		       "unknown header flags 0x80000001");
}

static void refuses_nonzero_reserved_byte(void **state)
{
	_cleanup_fx_ struct fx_buf first = { 0 }, last = { 0 };

	(void)state;
	assert_int_equal(fx_build_valid(&first), 0);
	fx_set(&first, BH_OFF_RESERVED, "\1", 1);
	assert_refused(&first, &fx_schema, BH_E_HEADER, BH_NO_RECORD,
		       BH_OFF_RESERVED, "reserved header byte 144 is not zero");

	assert_int_equal(fx_build_valid(&last), 0);
	fx_set(&last, BH_HEADER_LEN - 1, "\x80", 1);
	assert_refused(&last, &fx_schema, BH_E_HEADER, BH_NO_RECORD,
		       BH_HEADER_LEN - 1, "reserved header byte 159 is not zero");
}

/*
 * Header name fields: an empty name, one filling all 32 bytes (no room
 * for the terminator), characters outside [A-Za-z0-9_.-], and bytes after
 * the terminating NUL, for the extension and the schema name alike.
 */
struct bad_name {
	const char *bytes;
	size_t len;
};

static const struct bad_name bad_names[] = {
	{ "", 0 },
	{ "abcdefghijklmnopqrstuvwxyz012345", 32 },
	{ "bh/fixture", 10 },
	{ "bh fixture", 10 },
	{ "bh_fixture\n", 11 },
	{ "caf\xc3\xa9", 5 },
	{ "bh_fixture\0x", 12 },
	{ "\0bh_fixture", 11 },
};

static void refuse_bad_names(const char *test, size_t off, const char *msg)
{
	unsigned int i;

	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		_cleanup_fx_ struct fx_buf b = { 0 };
		u8 field[BH_NAME_LEN] = { 0 };
		char name[80];

		assert_int_equal(fx_build_valid(&b), 0);
		memcpy(field, bad_names[i].bytes, bad_names[i].len);
		fx_set(&b, off, field, sizeof(field));
		assert_refused_as(seed_name(name, sizeof(name), test, i),
				  &b, &fx_schema, BH_E_HEADER, BH_NO_RECORD,
				  off, msg);
	}
}

static void refuses_malformed_extension_name(void **state)
{
	(void)state;
	refuse_bad_names(__func__, BH_OFF_EXTENSION,
			 "extension name is empty, too long, unterminated");
}

static void refuses_malformed_schema_name(void **state)
{
	(void)state;
	refuse_bad_names(__func__, BH_OFF_SCHEMA,
			 "schema name is empty, too long, unterminated");
}

static void accepts_names_of_31_characters(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	static const char n31[] = "abcdefghijklmnopqrstuvwxyz.-_09";
	struct bh_content c;

	(void)state;
	assert_int_equal(sizeof(n31) - 1, BH_NAME_MAX);
	fx_begin(&b, n31, n31, 1, 1);
	assert_int_equal(fx_finish(&b), 0);
	assert_accepted(&b, NULL, &c);
	assert_string_equal(c.extension, n31);
	assert_string_equal(c.schema_name, n31);
}

static void refuses_content_version_0(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };

	(void)state;
	fx_begin(&b, FX_EXTENSION, FX_SCHEMA, FX_SCHEMA_VER, 0);
	path_rule(&b, 1, "/bin/sh");
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_CONTENT_VERSION, BH_NO_RECORD,
		       BH_OFF_CONTENT_VERSION, "content version 0");
	/* a structural error: no schema needed to see it */
	assert_refused(&b, NULL, BH_E_CONTENT_VERSION, BH_NO_RECORD,
		       BH_OFF_CONTENT_VERSION, "content version 0");
}

static void refuses_truncated_payload(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	char name[80], msg[128];
	size_t cuts[3];
	unsigned int i;

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	/* the header alone, mid-record, one byte short */
	cuts[0] = BH_HEADER_LEN;
	cuts[1] = rec_at(&b, 2) + 11;
	cuts[2] = b.len - 1;
	for (i = 0; i < 3; i++) {
		_cleanup_fx_ struct fx_buf cut = { 0 };

		exact_prefix(&cut, &b, cuts[i]);
		snprintf(msg, sizeof(msg),
			 "truncated: file is %zu bytes, header declares %zu (header 160, payload %zu, signature 0)",
			 cuts[i], b.len, b.len - BH_HEADER_LEN);
		assert_refused_as(seed_name(name, sizeof(name), __func__, i),
				  &cut, &fx_schema, BH_E_TRUNC_PAYLOAD,
				  BH_NO_RECORD, cuts[i], msg);
	}
}

static void refuses_payload_length_above_4_gib(void **state)
{
	static const u64 bad[] = { 1ULL << 32, UINT64_MAX };
	char name[80], msg[96];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_fx_ struct fx_buf b = { 0 };

		assert_int_equal(fx_build_valid(&b), 0);
		fx_set_le64(&b, BH_OFF_PAYLOAD_LEN, bad[i]);
		snprintf(msg, sizeof(msg),
			 "payload length %llu above the format's limit of 4294967295 bytes",
			 (unsigned long long)bad[i]);
		assert_refused_as(seed_name(name, sizeof(name), __func__, i),
				  &b, &fx_schema, BH_E_HEADER, BH_NO_RECORD,
				  BH_OFF_PAYLOAD_LEN, msg);
	}
}

static void refuses_largest_lengths_without_overflow(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };

	(void)state;
	/* both at their maximum: the sum needs 34 bits, and is reported so */
	assert_int_equal(fx_build_valid(&b), 0);
	fx_set_le64(&b, BH_OFF_PAYLOAD_LEN, UINT32_MAX);
	fx_set_le32(&b, BH_OFF_SIG_LEN, UINT32_MAX);
	assert_refused(&b, &fx_schema, BH_E_TRUNC_PAYLOAD, BH_NO_RECORD, b.len,
		       "header declares 8589934750 (header 160, payload 4294967295, signature 4294967295)");
}

static void refuses_huge_signature_length_without_overflow(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	fx_set_le32(&b, BH_OFF_SIG_LEN, UINT32_MAX);
	assert_refused(&b, &fx_schema, BH_E_TRUNC_PAYLOAD, BH_NO_RECORD, b.len,
		       "signature 4294967295)");
}

static void refuses_trailing_bytes_after_content(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	size_t end;
	char msg[80];

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	end = b.len;
	fx_raw(&b, "\0\0\n", 3);	/* after fx_finish(): outside the payload */
	snprintf(msg, sizeof(msg), "3 trailing bytes after the declared end at byte %zu",
		 end);
	assert_refused(&b, &fx_schema, BH_E_TRAILING, BH_NO_RECORD, end, msg);
}

static void refuses_signature(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	u8 sig[64];

	(void)state;
	memset(sig, 0x5c, sizeof(sig));
	assert_int_equal(fx_build_valid(&b), 0);
	fx_raw(&b, sig, sizeof(sig));
	fx_set_le32(&b, BH_OFF_SIG_LEN, sizeof(sig));
	fx_set_le32(&b, BH_OFF_SIG_TYPE, BH_SIG_PKCS7);
	fx_redigest(&b);
	/* without keys, a signature is neither trusted nor ignored */
	assert_refused(&b, &fx_schema, BH_E_SIGNATURE, BH_NO_RECORD,
		       b.len - sizeof(sig),
		       "signed (type 1, 64 bytes), and this reader has no key to check it with");
}

static void refuses_signature_type_without_signature(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	fx_set_le32(&b, BH_OFF_SIG_TYPE, 2);
	assert_refused(&b, &fx_schema, BH_E_SIGNATURE, BH_NO_RECORD,
		       BH_OFF_SIG_TYPE, "signature type 2 (0 bytes)");
}

static void refuses_signature_bytes_without_type(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	fx_raw(&b, "sig", 3);
	fx_set_le32(&b, BH_OFF_SIG_LEN, 3);
	assert_refused(&b, &fx_schema, BH_E_SIGNATURE, BH_NO_RECORD,
		       BH_OFF_SIG_LEN, "signature type 0 with 3 bytes of signature");
}

static void refuses_payload_that_does_not_match_digest(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	/* one bit of a string that stays valid: only the digest can tell */
	b.data[rec_at(&b, 0) + BH_RECORD_HDR_LEN + 5 + 3 + 1] ^= 0x20;
	assert_refused(&b, &fx_schema, BH_E_DIGEST, BH_NO_RECORD, BH_OFF_DIGEST,
		       "SHA-256 of header and payload does not match the header's digest");
}

static void refuses_digest_that_does_not_match_payload(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	b.data[BH_OFF_DIGEST + BH_DIGEST_LEN - 1] ^= 0x01;
	assert_refused(&b, &fx_schema, BH_E_DIGEST, BH_NO_RECORD, BH_OFF_DIGEST,
		       "does not match the header's digest");
	/* structure-only validation checks the digest too */
	assert_refused(&b, NULL, BH_E_DIGEST, BH_NO_RECORD, BH_OFF_DIGEST,
		       "does not match the header's digest");
}

static void refuses_content_for_another_extension(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };

	(void)state;
	fx_begin(&b, "bh_other", FX_SCHEMA, FX_SCHEMA_VER, 1);
	path_rule(&b, 1, "/bin/sh");
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_EXTENSION, BH_NO_RECORD,
		       BH_OFF_EXTENSION,
		       "content is for extension 'bh_other', not 'bh_fixture'");
}

static void refuses_content_for_another_schema(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };

	(void)state;
	fx_begin(&b, FX_EXTENSION, "fixture2", FX_SCHEMA_VER, 1);
	path_rule(&b, 1, "/bin/sh");
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_SCHEMA, BH_NO_RECORD, BH_OFF_SCHEMA,
		       "content uses schema 'fixture2', extension 'bh_fixture' declares 'fixture'");
}

static void refuses_content_for_another_schema_version(void **state)
{
	static const u32 bad[] = { 0, FX_SCHEMA_VER - 1, FX_SCHEMA_VER + 1,
				   UINT32_MAX };
	char name[80], msg[96];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_fx_ struct fx_buf b = { 0 };

		fx_begin(&b, FX_EXTENSION, FX_SCHEMA, bad[i], 1);
		path_rule(&b, 1, "/bin/sh");
		assert_int_equal(fx_finish(&b), 0);
		snprintf(msg, sizeof(msg),
			 "content uses schema 'fixture' version %u, extension declares version 3",
			 bad[i]);
		assert_refused_as(seed_name(name, sizeof(name), __func__, i),
				  &b, &fx_schema, BH_E_SCHEMA_VERSION,
				  BH_NO_RECORD, BH_OFF_SCHEMA_VERSION, msg);
	}
}

static void checks_identity_before_digest(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };

	(void)state;
	/* content for someone else is named as such, even when damaged */
	fx_begin(&b, "bh_other", FX_SCHEMA, FX_SCHEMA_VER, 1);
	path_rule(&b, 1, "/bin/sh");
	assert_int_equal(fx_finish(&b), 0);
	b.data[BH_OFF_DIGEST] ^= 0xff;
	assert_refused(&b, &fx_schema, BH_E_EXTENSION, BH_NO_RECORD,
		       BH_OFF_EXTENSION, "not 'bh_fixture'");
}

/* ---- records -------------------------------------------------------------- */

static void refuses_fewer_records_than_declared(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	char msg[64];

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	fx_set_le32(&b, BH_OFF_RECORD_COUNT, FX_VALID_RECORDS + 1);
	fx_redigest(&b);	/* a writer's lie, not a corrupted file */
	snprintf(msg, sizeof(msg), "payload ends after %u records, header declares %u",
		 FX_VALID_RECORDS, FX_VALID_RECORDS + 1);
	assert_refused(&b, &fx_schema, BH_E_RECORD_COUNT, FX_VALID_RECORDS, b.len,
		       msg);
}

static void refuses_records_when_header_declares_none_as_trailing(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	char msg[80];

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	fx_set_le32(&b, BH_OFF_RECORD_COUNT, 0);
	fx_redigest(&b);
	snprintf(msg, sizeof(msg), "%zu trailing bytes in the payload after its 0 records",
		 b.len - BH_HEADER_LEN);
	assert_refused(&b, &fx_schema, BH_E_TRAILING, BH_NO_RECORD, BH_HEADER_LEN,
		       msg);
}

static void refuses_more_records_than_declared(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	size_t last;
	char msg[80];

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	last = rec_at(&b, FX_VALID_RECORDS - 1);
	fx_set_le32(&b, BH_OFF_RECORD_COUNT, FX_VALID_RECORDS - 1);
	fx_redigest(&b);
	snprintf(msg, sizeof(msg), "%zu trailing bytes in the payload after its 3 records",
		 b.len - last);
	assert_refused(&b, &fx_schema, BH_E_TRAILING, BH_NO_RECORD, last, msg);
}

static void refuses_trailing_bytes_after_last_record(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	size_t end;

	(void)state;
	fx_begin_fixture(&b);
	path_rule(&b, 1, "/bin/sh");
	end = fx_mark(&b);
	fx_raw(&b, "\0\0\0", 3);	/* before fx_finish(): in the payload */
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_TRAILING, BH_NO_RECORD, end,
		       "3 trailing bytes in the payload after its 1 records");
}

static void refuses_truncated_record_header(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	size_t at;

	(void)state;
	fx_begin_fixture(&b);
	path_rule(&b, 1, "/bin/sh");
	at = fx_mark(&b);
	fx_put16(&b, FX_T_COUNTER);
	fx_put16(&b, 2);		/* and no length: 4 of 8 header bytes */
	assert_int_equal(fx_finish(&b), 0);
	fx_set_le32(&b, BH_OFF_RECORD_COUNT, 2);
	fx_redigest(&b);
	assert_refused(&b, &fx_schema, BH_E_RECORD_LENGTH, 1, at,
		       "record header truncated, 4 of 8 bytes left");
}

static void refuses_record_length_shorter_than_record_header(void **state)
{
	static const u32 bad[] = { 0, 1, BH_RECORD_HDR_LEN - 1 };
	char name[80], msg[64];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_fx_ struct fx_buf b = { 0 };
		size_t at;

		fx_begin_fixture(&b);
		path_rule(&b, 1, "/bin/sh");
		at = fx_mark(&b);
		fx_record_begin(&b, FX_T_COUNTER, 2);
		fx_u64(&b, 10);
		fx_u32(&b, 0);
		fx_record_end(&b);
		assert_int_equal(fx_finish(&b), 0);
		fx_set_le32(&b, at + 4, bad[i]);
		fx_redigest(&b);
		snprintf(msg, sizeof(msg),
			 "(template 'counter') at byte %zu: record length %u, 22 bytes left",
			 at, bad[i]);
		assert_refused_as(seed_name(name, sizeof(name), __func__, i),
				  &b, &fx_schema, BH_E_RECORD_LENGTH, 1, at, msg);
	}
}

static void refuses_record_length_past_payload(void **state)
{
	static const u32 bad[] = { 23, 1000, UINT32_MAX };
	char name[80], msg[64];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_fx_ struct fx_buf b = { 0 };

		fx_begin_fixture(&b);
		fx_record_begin(&b, FX_T_COUNTER, 2);
		fx_u64(&b, 10);
		fx_u32(&b, 0);
		fx_record_end(&b);
		assert_int_equal(fx_finish(&b), 0);
		fx_set_le32(&b, BH_HEADER_LEN + 4, bad[i]);
		fx_redigest(&b);
		snprintf(msg, sizeof(msg), "record length %u, 22 bytes left in the payload",
			 bad[i]);
		assert_refused_as(seed_name(name, sizeof(name), __func__, i),
				  &b, &fx_schema, BH_E_RECORD_LENGTH, 0,
				  BH_HEADER_LEN, msg);
	}
}

static void refuses_record_not_filled_by_its_fields(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	size_t left;

	(void)state;
	fx_begin_fixture(&b);
	fx_record_begin(&b, FX_T_COUNTER, 2);
	fx_u64(&b, 10);
	fx_u32(&b, 0);
	left = fx_mark(&b);
	fx_raw(&b, "\1\2\3", 3);
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_RECORD_LENGTH, 0, left,
		       "3 bytes left in the record after its 2 fields");
	assert_refused(&b, NULL, BH_E_RECORD_LENGTH, 0, left,
		       "3 bytes left in the record after its 2 fields");
}

static void refuses_unknown_template(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	size_t at;

	(void)state;
	fx_begin_fixture(&b);
	path_rule(&b, 1, "/bin/sh");
	at = fx_mark(&b);
	fx_record_begin(&b, 290, 2);
	fx_u64(&b, 10);
	fx_u32(&b, 0);
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_TEMPLATE, 1, at,
		       "template id 290, schema 'fixture' declares no such template");
}

/*
 * The July-2024 case: the template declares 20 fields, the channel file
 * carries 21 and says so.  Everything about the record is well formed
 * except that one number, and that number alone must refuse it.
 */
static void refuses_july_2024_channel_file_with_21_fields(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	char msg[128];

	(void)state;
	fx_begin_fixture(&b);
	fx_channel_record(&b, 21, 21);
	assert_int_equal(fx_finish(&b), 0);
	snprintf(msg, sizeof(msg),
		 "record 0 (template 'channel-291') at byte %u: 21 fields, schema declares 20",
		 BH_HEADER_LEN);
	assert_refused(&b, &fx_schema, BH_E_FIELD_COUNT, 0, BH_HEADER_LEN, msg);
}

static void refuses_record_with_extra_field(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	char msg[96];
	size_t at;

	(void)state;
	fx_begin_fixture(&b);
	path_rule(&b, 1, "/bin/sh");
	at = fx_mark(&b);
	fx_record_begin(&b, FX_T_PATH_RULE, 5);
	fx_u32(&b, 2);
	fx_str(&b, "/bin/ls");
	fx_u32(&b, 0);
	fx_bytes(&b, "", 0);
	fx_u32(&b, 0);
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);
	snprintf(msg, sizeof(msg),
		 "record 1 (template 'path-rule') at byte %zu: 5 fields, schema declares 4",
		 at);
	assert_refused(&b, &fx_schema, BH_E_FIELD_COUNT, 1, at, msg);
}

static void refuses_record_with_missing_field(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };

	(void)state;
	fx_begin_fixture(&b);
	fx_record_begin(&b, FX_T_COUNTER, 1);
	fx_u64(&b, 10);
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_FIELD_COUNT, 0, BH_HEADER_LEN,
		       "1 fields, schema declares 2");
}

static void refuses_record_with_undeclared_extra_field(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	unsigned int i;
	size_t extra;

	(void)state;
	/* the count says 20, a 21st field follows anyway */
	fx_begin_fixture(&b);
	fx_record_begin(&b, FX_T_CHANNEL, FX_CHANNEL_FIELDS);
	for (i = 0; i < FX_CHANNEL_FIELDS; i++)
		fx_str(&b, "x");
	extra = fx_mark(&b);
	fx_str(&b, "x");
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_RECORD_LENGTH, 0, extra,
		       "4 bytes left in the record after its 20 fields");
}

static void refuses_record_declaring_more_fields_than_it_carries(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	size_t end;

	(void)state;
	fx_begin_fixture(&b);
	fx_record_begin(&b, FX_T_PATH_RULE, 4);
	fx_u32(&b, 1);
	fx_str(&b, "/bin/sh");
	fx_u32(&b, 0);
	end = fx_mark(&b);
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_FIELD_OVERRUN, 0, end,
		       "field 3 of 4 starts past the record's end");
}

static void refuses_field_of_another_type_than_declared(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	size_t at;

	(void)state;
	fx_begin_fixture(&b);
	path_rule(&b, 1, "/bin/sh");
	fx_record_begin(&b, FX_T_PATH_RULE, 4);
	fx_u32(&b, 2);
	fx_str(&b, "/bin/ls");
	fx_u32(&b, 0);
	at = fx_mark(&b);
	fx_str(&b, "tag");		/* bytes declared */
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_FIELD_TYPE, 1, at,
		       "field 3 ('tag'): type string, schema declares bytes");
}

static void refuses_u64_where_u32_declared(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };

	(void)state;
	fx_begin_fixture(&b);
	fx_record_begin(&b, FX_T_PATH_RULE, 4);
	fx_u64(&b, 1);
	fx_str(&b, "/bin/sh");
	fx_u32(&b, 0);
	fx_bytes(&b, "", 0);
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_FIELD_TYPE, 0,
		       BH_HEADER_LEN + BH_RECORD_HDR_LEN,
		       "field 0 ('id'): type u64, schema declares u32");
}

static void refuses_unknown_field_type(void **state)
{
	static const u8 bad[] = { 0, 5, 0x80, 0xff };
	char name[80], msg[64];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_fx_ struct fx_buf b = { 0 };
		size_t at;

		fx_begin_fixture(&b);
		fx_record_begin(&b, FX_T_COUNTER, 2);
		fx_u64(&b, 10);
		at = fx_mark(&b);
		fx_put8(&b, bad[i]);
		fx_put32(&b, 0);
		fx_record_end(&b);
		assert_int_equal(fx_finish(&b), 0);
		snprintf(msg, sizeof(msg), "field 1: unknown type %u", bad[i]);
		assert_refused_as(seed_name(name, sizeof(name), __func__, i),
				  &b, &fx_schema, BH_E_FIELD_TYPE, 0, at, msg);
		assert_refused_as(name, &b, NULL, BH_E_FIELD_TYPE, 0, at, msg);
	}
}

/*
 * A field cut by its record's end: each file ends the record (and the
 * payload) right after the cut, so the validator has nothing but the
 * record length to stop it.
 */
static void refuses_u32_running_past_record(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	size_t at;

	(void)state;
	fx_begin_fixture(&b);
	fx_record_begin(&b, FX_T_COUNTER, 2);
	fx_u64(&b, 10);
	at = fx_mark(&b);
	fx_put8(&b, BH_FT_U32);
	fx_put16(&b, 0);		/* 2 of 4 value bytes */
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_FIELD_OVERRUN, 0, at,
		       "field 1: u32 value runs 2 bytes past the record's end");
}

static void refuses_u64_running_past_record(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };

	(void)state;
	fx_begin_fixture(&b);
	fx_record_begin(&b, FX_T_COUNTER, 2);
	fx_put8(&b, BH_FT_U64);
	fx_put32(&b, 10);		/* 4 of 8 value bytes, then no field 1 */
	fx_put16(&b, 0);
	fx_put8(&b, 0);
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_FIELD_OVERRUN, 0,
		       BH_HEADER_LEN + BH_RECORD_HDR_LEN,
		       "field 0: u64 value runs 1 bytes past the record's end");
}

static void refuses_string_length_running_past_record(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	size_t at;

	(void)state;
	fx_begin_fixture(&b);
	fx_record_begin(&b, FX_T_PATH_RULE, 4);
	fx_u32(&b, 1);
	at = fx_mark(&b);
	fx_put8(&b, BH_FT_STRING);
	fx_put8(&b, 7);			/* 1 of 2 length bytes */
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_FIELD_OVERRUN, 0, at,
		       "field 1: string length runs past the record's end");
}

static void refuses_string_bytes_running_past_record(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	size_t at;

	(void)state;
	fx_begin_fixture(&b);
	path_rule(&b, 1, "/bin/sh");
	fx_record_begin(&b, FX_T_PATH_RULE, 4);
	fx_u32(&b, 1);
	at = fx_mark(&b);
	fx_put8(&b, BH_FT_STRING);
	fx_put16(&b, 10);
	fx_raw(&b, "/bin", 4);		/* 4 of 10 */
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_FIELD_OVERRUN, 1, at,
		       "field 1: 10-byte string runs 6 bytes past the record's end");
}

static void refuses_string_length_running_past_record_into_next(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	size_t at;

	(void)state;
	/* the bytes are in the file, but in the next record */
	fx_begin_fixture(&b);
	fx_record_begin(&b, FX_T_PATH_RULE, 4);
	fx_u32(&b, 1);
	at = fx_mark(&b);
	fx_put8(&b, BH_FT_STRING);
	fx_put16(&b, 0xffff);
	fx_raw(&b, "/bin", 4);
	fx_record_end(&b);
	path_rule(&b, 2, "/a/path/long/enough/to/matter");
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_FIELD_OVERRUN, 0, at,
		       "field 1: 65535-byte string runs 65531 bytes past the record's end");
}

static void refuses_bytes_running_past_record(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	size_t at;

	(void)state;
	fx_begin_fixture(&b);
	fx_record_begin(&b, FX_T_PATH_RULE, 4);
	fx_u32(&b, 1);
	fx_str(&b, "/bin/sh");
	fx_u32(&b, 0);
	at = fx_mark(&b);
	fx_put8(&b, BH_FT_BYTES);
	fx_put16(&b, 16);
	fx_raw(&b, "0123456789abcde", 15);
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_FIELD_OVERRUN, 0, at,
		       "field 3: 16-byte bytes runs 1 bytes past the record's end");
}

/* ---- strings ------------------------------------------------------------ */

static void refuses_string_too_long(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	char path[256];

	(void)state;
	memset(path, 'p', sizeof(path));
	one_path(&b, path, sizeof(path));
	assert_refused(&b, &fx_schema, BH_E_STRING, 0, ONE_PATH_FIELD,
		       "field 1 ('path'): string of 256 bytes, schema allows 1 to 255");
}

static void refuses_string_too_short(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };

	(void)state;
	one_path(&b, "", 0);
	assert_refused(&b, &fx_schema, BH_E_STRING, 0, ONE_PATH_FIELD,
		       "field 1 ('path'): string of 0 bytes, schema allows 1 to 255");
}

static void refuses_channel_string_too_long(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	char v[65];
	unsigned int i;
	size_t at = 0;

	(void)state;
	memset(v, 'v', sizeof(v));
	fx_begin_fixture(&b);
	fx_record_begin(&b, FX_T_CHANNEL, FX_CHANNEL_FIELDS);
	for (i = 0; i < FX_CHANNEL_FIELDS; i++) {
		if (i == 19)
			at = fx_mark(&b);
		fx_string(&b, v, i == 19 ? 65 : 64);
	}
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_STRING, 0, at,
		       "field 19 ('f19'): string of 65 bytes, schema allows 0 to 64");
}

struct bad_string {
	const char *s;
	size_t len;
	unsigned int bad;	/* index of the first bad byte */
};

#define BAD(lit, at)	{ lit, sizeof(lit) - 1, at }

static void refuse_strings(const char *test, const struct bad_string *rows,
			   unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		_cleanup_fx_ struct fx_buf b = { 0 };
		char name[96], msg[96];

		one_path(&b, rows[i].s, rows[i].len);
		snprintf(msg, sizeof(msg), "field 1: string malformed at byte %u (%s)",
			 rows[i].bad, rows[i].s[rows[i].bad] ? "invalid UTF-8" : "NUL");
		seed_name(name, sizeof(name), test, i);
		assert_refused_as(name, &b, &fx_schema, BH_E_STRING, 0,
				  ONE_PATH_FIELD, msg);
		/* malformed text is a structural error: no schema needed */
		assert_refused_as(name, &b, NULL, BH_E_STRING, 0,
				  ONE_PATH_FIELD, msg);
	}
}

static void refuses_string_with_nul(void **state)
{
	/* first, inside and last; and past the eight-byte ASCII fast path */
	static const struct bad_string rows[] = {
		BAD("\0/bin/sh", 0),
		BAD("/bin\0/sh", 4),
		BAD("/bin/sh\0", 7),
		BAD("/usr/local/bin\0/x", 14),
		BAD("/usr/local/sbin/\0", 16),
		BAD("\xc3\xa9\0", 2),
	};

	(void)state;
	refuse_strings(__func__, rows, sizeof(rows) / sizeof(rows[0]));
}

static void refuses_overlong_utf8(void **state)
{
	static const struct bad_string rows[] = {
		BAD("\xc0\xaf", 0),		/* '/' in two bytes */
		BAD("\xc1\xbf", 0),
		BAD("/x\xe0\x80\xaf", 2),	/* '/' in three */
		BAD("\xe0\x9f\xbf", 0),		/* U+07FF in three */
		BAD("\xf0\x80\x80\xaf", 0),	/* '/' in four */
		BAD("\xf0\x8f\xbf\xbf", 0),	/* U+FFFF in four */
		BAD("\xc0\x80", 0),		/* "modified UTF-8" NUL */
	};

	(void)state;
	refuse_strings(__func__, rows, sizeof(rows) / sizeof(rows[0]));
}

static void refuses_utf16_surrogate_in_utf8(void **state)
{
	static const struct bad_string rows[] = {
		BAD("\xed\xa0\x80", 0),		/* U+D800 */
		BAD("abc\xed\xbf\xbf", 3),	/* U+DFFF */
		BAD("\xed\xa0\xbd\xed\xb8\x80", 0), /* CESU-8 pair */
	};

	(void)state;
	refuse_strings(__func__, rows, sizeof(rows) / sizeof(rows[0]));
}

static void refuses_truncated_utf8_sequence(void **state)
{
	static const struct bad_string rows[] = {
		BAD("\xc3", 0),			/* cut by the string's end */
		BAD("ab\xe2\x82", 2),
		BAD("\xf0\x9f\x98", 0),
		BAD("/0123456789\xf0\x9f", 11),	/* after the ASCII fast path */
		BAD("\xe2\x82x", 0),		/* cut by an ASCII byte */
		BAD("\xc3\xc3\xa9", 0),		/* cut by another lead byte */
		BAD("\xf0\x9f\x98/", 0),
	};

	(void)state;
	refuse_strings(__func__, rows, sizeof(rows) / sizeof(rows[0]));
}

static void refuses_code_point_above_u10ffff(void **state)
{
	static const struct bad_string rows[] = {
		BAD("\xf4\x90\x80\x80", 0),	/* U+110000 */
		BAD("\xf5\x80\x80\x80", 0),
		BAD("\xf8\x88\x80\x80\x80", 0),	/* old five-byte form */
		BAD("\xfc\x84\x80\x80\x80\x80", 0),
	};

	(void)state;
	refuse_strings(__func__, rows, sizeof(rows) / sizeof(rows[0]));
}

static void refuses_stray_utf8_bytes(void **state)
{
	static const struct bad_string rows[] = {
		BAD("\x80", 0),			/* continuation without lead */
		BAD("abc\xbf", 3),
		BAD("\xc3\xa9\xa9", 2),		/* one continuation too many */
		BAD("\xfe", 0),
		BAD("\xff\xfe", 0),		/* a UTF-16 byte order mark */
		BAD("/usr/bin/\xff", 9),
	};

	(void)state;
	refuse_strings(__func__, rows, sizeof(rows) / sizeof(rows[0]));
}

/* ---- bytes and integers -------------------------------------------------- */

static void refuses_bytes_too_long(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	u8 tag[17] = { 0 };
	size_t at;

	(void)state;
	fx_begin_fixture(&b);
	fx_record_begin(&b, FX_T_PATH_RULE, 4);
	fx_u32(&b, 1);
	fx_str(&b, "/bin/sh");
	fx_u32(&b, 0);
	at = fx_mark(&b);
	fx_bytes(&b, tag, sizeof(tag));
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_BYTES, 0, at,
		       "field 3 ('tag'): bytes of 17 bytes, schema allows 0 to 16");
}

static const struct bh_field_spec key_fields[] = {
	BH_FIELD_BYTES("key", 16, 32),
};

static const struct bh_template_spec key_templates[] = {
	{ .id = 7, .name = "key", .nr_fields = 1, .fields = key_fields },
};

/* fx_schema has no bytes field with a minimum; this one does */
static const struct bh_schema key_schema = {
	.extension = "bh_keys",
	.name = "keys",
	.version = 1,
	.nr_templates = 1,
	.templates = key_templates,
};

/* a key_schema file of one record per entry of @lens, zero-filled keys */
static void key_file(struct fx_buf *b, const size_t *lens, unsigned int n)
{
	static const u8 key[32];
	unsigned int i;

	fx_begin(b, "bh_keys", "keys", 1, 1);
	for (i = 0; i < n; i++) {
		fx_record_begin(b, 7, 1);
		fx_bytes(b, key, lens[i]);
		fx_record_end(b);
	}
	fx_finish(b);
}

static void refuses_bytes_too_short(void **state)
{
	static const size_t ok[] = { 32, 16 }, bad[] = { 32, 16, 15 };
	_cleanup_fx_ struct fx_buf good = { 0 }, b = { 0 };
	struct bh_content c;
	char msg[128];

	(void)state;
	assert_int_equal(bh_schema_check(&key_schema, NULL), 0);
	key_file(&good, ok, 2);
	assert_accepted(&good, &key_schema, &c);

	key_file(&b, bad, 3);
	snprintf(msg, sizeof(msg),
		 "record 2 (template 'key') at byte %zu: field 0 ('key'): bytes of 15 bytes, schema allows 16 to 32",
		 rec_at(&b, 2) + BH_RECORD_HDR_LEN);
	assert_refused(&b, &key_schema, BH_E_BYTES, 2,
		       rec_at(&b, 2) + BH_RECORD_HDR_LEN, msg);
}

struct bad_int {
	u16 tid;
	unsigned int field;	/* 0 or 1: which field carries the value */
	u64 v;
	const char *msg;
};

static void write_int_record(struct fx_buf *b, const struct bad_int *row)
{
	if (row->tid == FX_T_COUNTER) {
		fx_record_begin(b, FX_T_COUNTER, 2);
		fx_u64(b, row->field == 0 ? row->v : 10);
		fx_u32(b, row->field == 1 ? (u32)row->v : 0);
	} else {
		fx_record_begin(b, FX_T_PATH_RULE, 4);
		fx_u32(b, row->field == 0 ? (u32)row->v : 1);
		fx_str(b, "/bin/sh");
		fx_u32(b, row->field == 2 ? (u32)row->v : 0);
		fx_bytes(b, NULL, 0);
	}
	fx_record_end(b);
}

static void refuse_ints(const char *test, const struct bad_int *rows,
			unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		_cleanup_fx_ struct fx_buf b = { 0 };
		char name[96];
		size_t at;

		fx_begin_fixture(&b);
		path_rule(&b, 1, "/bin/sh");
		at = fx_mark(&b) + BH_RECORD_HDR_LEN;
		if (rows[i].field == 1)
			at += 9;		/* past the u64 limit */
		else if (rows[i].field == 2)
			at += 5 + 3 + 7;	/* past id and path */
		write_int_record(&b, &rows[i]);
		assert_int_equal(fx_finish(&b), 0);
		assert_refused_as(seed_name(name, sizeof(name), test, i), &b,
				  &fx_schema, BH_E_RANGE, 1, at, rows[i].msg);
	}
}

static void refuses_u32_below_minimum(void **state)
{
	static const struct bad_int rows[] = {
		{ FX_T_PATH_RULE, 0, 0, "field 0 ('id'): value 0 outside [1, 1000000]" },
	};

	(void)state;
	refuse_ints(__func__, rows, sizeof(rows) / sizeof(rows[0]));
}

static void refuses_u32_above_maximum(void **state)
{
	static const struct bad_int rows[] = {
		{ FX_T_PATH_RULE, 0, 1000001, "field 0 ('id'): value 1000001 outside [1, 1000000]" },
		{ FX_T_PATH_RULE, 0, UINT32_MAX, "value 4294967295 outside [1, 1000000]" },
		{ FX_T_PATH_RULE, 2, 3, "field 2 ('action'): value 3 outside [0, 2]" },
		{ FX_T_COUNTER, 1, 0x100, "field 1 ('flags'): value 256 outside [0, 255]" },
	};

	(void)state;
	refuse_ints(__func__, rows, sizeof(rows) / sizeof(rows[0]));
}

static void refuses_u64_below_minimum(void **state)
{
	static const struct bad_int rows[] = {
		{ FX_T_COUNTER, 0, 9, "field 0 ('limit'): value 9 outside [10, 1099511627776]" },
		{ FX_T_COUNTER, 0, 0, "value 0 outside [10, 1099511627776]" },
	};

	(void)state;
	refuse_ints(__func__, rows, sizeof(rows) / sizeof(rows[0]));
}

static void refuses_u64_above_maximum(void **state)
{
	static const struct bad_int rows[] = {
		{ FX_T_COUNTER, 0, (1ULL << 40) + 1,
		  "field 0 ('limit'): value 1099511627777 outside [10, 1099511627776]" },
		{ FX_T_COUNTER, 0, 1ULL << 41, "value 2199023255552 outside" },
		{ FX_T_COUNTER, 0, UINT64_MAX, "value 18446744073709551615 outside" },
	};

	(void)state;
	refuse_ints(__func__, rows, sizeof(rows) / sizeof(rows[0]));
}

/* ---- without a schema ------------------------------------------------------ */

/*
 * Structure-only validation (schema NULL, as the dump tool runs it) knows
 * no templates, counts or bounds, but framing, field encodings and text
 * are still checked: each row breaks one of those in an otherwise
 * acceptable file.
 */
static void without_schema_still_refuses_structural_errors(void **state)
{
	static const struct {
		enum bh_err code;
		const char *msg;
	} want[] = {
		{ BH_E_FIELD_TYPE, "field 0: unknown type 9" },
		{ BH_E_FIELD_OVERRUN, "field 1 of 2 starts past the record's end" },
		{ BH_E_FIELD_OVERRUN, "field 0: u64 value runs 4 bytes past" },
		{ BH_E_STRING, "string malformed at byte 1 (invalid UTF-8)" },
		{ BH_E_RECORD_LENGTH, "record length 4, 18 bytes left" },
		{ BH_E_RECORD_COUNT, "payload ends after 1 records, header declares 2" },
		{ BH_E_TRAILING, "1 trailing bytes in the payload after its 1 records" },
	};
	const size_t field0 = BH_HEADER_LEN + BH_RECORD_HDR_LEN;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		_cleanup_fx_ struct fx_buf b = { 0 };
		u32 record = 0;
		char name[96];
		size_t at = field0;

		/* one record of two u32 fields, broken as row @i says */
		fx_begin(&b, "anything", "anything", 7, 1);
		fx_record_begin(&b, 999, 2);
		switch (i) {
		case 0:
			fx_put8(&b, 9);
			fx_put32(&b, 0);
			fx_u32(&b, 0);
			break;
		case 1:
			fx_u32(&b, 0);
			at = fx_mark(&b);
			break;
		case 2:
			fx_put8(&b, BH_FT_U64);
			fx_put32(&b, 0);
			break;
		case 3:
			fx_string(&b, "a\xff", 2);
			fx_u32(&b, 0);
			break;
		default:
			fx_u32(&b, 0);
			fx_u32(&b, 0);
			break;
		}
		fx_record_end(&b);
		if (i == 6) {
			at = fx_mark(&b);
			record = BH_NO_RECORD;
			fx_put8(&b, 0);
		}
		assert_int_equal(fx_finish(&b), 0);
		if (i == 4) {
			at = BH_HEADER_LEN;
			fx_set_le32(&b, BH_HEADER_LEN + 4, 4);
			fx_redigest(&b);
		}
		if (i == 5) {
			at = b.len;
			record = 1;
			fx_set_le32(&b, BH_OFF_RECORD_COUNT, 2);
			fx_redigest(&b);
		}
		assert_refused_as(seed_name(name, sizeof(name), __func__, i), &b,
				  NULL, want[i].code, record, at, want[i].msg);
	}
}

/* ---- every truncation ------------------------------------------------------ */

/*
 * Cut the valid file at every length short of its own.  Each prefix lives
 * in an allocation of exactly its length, so a read past the cut is an
 * ASan report, not a lucky read of the bytes that used to follow.
 */
static void refuses_every_truncation_of_valid_file(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	for (n = 0; n < b.len; n++) {
		const struct bh_schema *schemas[] = { &fx_schema, NULL };
		_cleanup_fx_ struct fx_buf cut = { 0 };
		unsigned int i;

		exact_prefix(&cut, &b, n);
		for (i = 0; i < 2; i++) {
			struct bh_content c;
			struct bh_error err;

			memset(&err, 0, sizeof(err));
			assert_int_equal(bh_content_validate(cut.data, n, schemas[i],
							     0, &c, &err), -EBADMSG);
			assert_int_equal(err.code, n < BH_HEADER_LEN ?
					 BH_E_TRUNC_HEADER : BH_E_TRUNC_PAYLOAD);
			assert_int_equal(err.offset, n);
			assert_int_equal(err.record, BH_NO_RECORD);
			assert_non_null(memchr(err.msg, '\0', sizeof(err.msg)));
			assert_non_null(strstr(err.msg, "truncated"));
		}
	}
}

/*
 * Every byte covered: each of the 255 other values of each byte of a valid
 * file, header included, must be refused, with and without a schema.  In
 * format 1 the digest covered only the payload, and a changed
 * content_version (bytes 88-95) was accepted.
 */
static void refuses_every_single_byte_change(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	const struct bh_schema *schemas[] = { &fx_schema, NULL };
	unsigned long tried = 0, refused = 0;
	struct bh_content c;
	struct bh_error err;
	unsigned int i, v;
	size_t off;
	u8 orig;

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	for (off = 0; off < b.len; off++) {
		orig = b.data[off];
		for (v = 0; v < 256; v++) {
			if (v == orig)
				continue;
			b.data[off] = (u8)v;
			for (i = 0; i < 2; i++) {
				tried++;
				if (bh_content_validate(b.data, b.len, schemas[i], 0,
							&c, &err) == -EBADMSG) {
					refused++;
					continue;
				}
				print_error("byte %zu changed 0x%02x -> 0x%02x accepted (%s)\n",
					    off, orig, v, schemas[i] ? "schema" : "no schema");
			}
		}
		b.data[off] = orig;
	}
	print_message("mutation: %zu bytes x 255 values x 2 (with and without schema): %lu files, %lu refused\n",
		      b.len, tried, refused);
	assert_int_equal(refused, tried);
	assert_int_equal(bh_content_validate(b.data, b.len, &fx_schema, 0, &c, &err), 0);
}

/* ---- format 1, signatures, one pass ----------------------------------------- */

/* fx_build_valid() written as format 1: its digest covers the payload only */
static void build_format1(struct fx_buf *b)
{
	assert_int_equal(fx_build_valid(b), 0);
	fx_set_le16(b, BH_OFF_FORMAT_VERSION, BH_FORMAT_V1);
	assert_int_equal(fx_redigest(b), 0);
}

static void format1_accepted_unless_refused_by_policy(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_error err;

	(void)state;
	build_format1(&b);
	assert_accepted(&b, &fx_schema, &c);
	assert_int_equal(c.format_version, BH_FORMAT_V1);
	assert_int_equal(bh_content_validate(b.data, b.len, &fx_schema,
					     BH_VALIDATE_NO_FORMAT1, &c, &err),
			 -EBADMSG);
	assert_int_equal(err.code, BH_E_FORMAT_VERSION);
	assert_int_equal(err.offset, BH_OFF_FORMAT_VERSION);
	assert_non_null(strstr(err.msg, "format 1 (its digest covers only the payload) is not accepted here"));
	/* and no signature can be required of it */
	assert_int_equal(bh_content_validate(b.data, b.len, &fx_schema,
					     BH_VALIDATE_REQUIRE_SIG, &c, &err),
			 -EBADMSG);
	assert_int_equal(err.code, BH_E_SIGNATURE);
	assert_non_null(strstr(err.msg, "format 1 has no signature"));
}

static void format1_header_is_not_covered(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;

	(void)state;
	/* why format 2 exists: format 1 takes a changed content_version */
	build_format1(&b);
	b.data[BH_OFF_CONTENT_VERSION + 7] = 0x7f;
	assert_accepted(&b, &fx_schema, &c);
	assert_int_equal(c.content_version >> 56, 0x7f);
}

static void refuses_unsigned_where_signature_required(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_error err;

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	assert_int_equal(bh_content_validate(b.data, b.len, &fx_schema,
					     BH_VALIDATE_REQUIRE_SIG, &c, &err),
			 -EBADMSG);
	assert_int_equal(err.code, BH_E_SIGNATURE);
	assert_int_equal(err.offset, BH_OFF_SIG_TYPE);
	assert_string_equal(err.msg, "unsigned, and a signature is required");
}

static void refuses_signature_type_without_bytes(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	fx_set_le32(&b, BH_OFF_SIG_TYPE, BH_SIG_PKCS7);
	assert_refused(&b, &fx_schema, BH_E_SIGNATURE, BH_NO_RECORD,
		       BH_OFF_SIG_LEN, "signature type 1 with 0 bytes of signature");
}

static void refuses_signature_above_limit(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	static u8 sig[BH_SIG_MAX + 1];

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	fx_raw(&b, sig, sizeof(sig));
	fx_set_le32(&b, BH_OFF_SIG_LEN, sizeof(sig));
	fx_set_le32(&b, BH_OFF_SIG_TYPE, BH_SIG_PKCS7);
	assert_refused(&b, &fx_schema, BH_E_SIGNATURE, BH_NO_RECORD,
		       BH_OFF_SIG_LEN, "signature of 65537 bytes, the limit is 65536");
}

/* a verifier that records what it was given and answers as told */
struct fake_verifier {
	int answer;
	unsigned int calls;
	u32 type, data_len, sig_len;
	const u8 *data, *sig;
};

static int fake_verify(void *arg, u32 sig_type, const u8 *data, u32 data_len,
		       const u8 *sig, u32 sig_len, char *why, size_t why_len)
{
	struct fake_verifier *f = arg;

	f->calls++;
	f->type = sig_type;
	f->data = data;
	f->data_len = data_len;
	f->sig = sig;
	f->sig_len = sig_len;
	if (f->answer)
		snprintf(why, why_len, "no key in the keyring made it");
	return f->answer;
}

static void build_signed(struct fx_buf *b, size_t sig_len)
{
	u8 sig[48];

	assert_true(sig_len <= sizeof(sig));
	memset(sig, 0x30, sizeof(sig));
	assert_int_equal(fx_build_valid(b), 0);
	fx_raw(b, sig, sig_len);
	fx_set_le32(b, BH_OFF_SIG_LEN, sig_len);
	fx_set_le32(b, BH_OFF_SIG_TYPE, BH_SIG_PKCS7);
	assert_int_equal(fx_redigest(b), 0);
}

static void verifier_sees_header_and_signature(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct fake_verifier f = { 0 };
	struct bh_sig_verifier v = { fake_verify, &f };
	struct bh_content c;
	struct bh_error err;

	(void)state;
	build_signed(&b, 48);
	assert_int_equal(bh_content_validate_signed(b.data, b.len, &fx_schema,
						    BH_VALIDATE_REQUIRE_SIG |
						    BH_VALIDATE_NO_FORMAT1,
						    &v, &c, &err), 0);
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.type, BH_SIG_PKCS7);
	assert_ptr_equal(f.data, b.data);
	assert_int_equal(f.data_len, BH_HEADER_LEN);
	assert_ptr_equal(f.sig, b.data + b.len - 48);
	assert_int_equal(f.sig_len, 48);
	assert_true(c.sig_verified);
	assert_int_equal(c.sig_type, BH_SIG_PKCS7);
	assert_int_equal(c.payload_len, b.len - BH_HEADER_LEN - 48);

	/* the verifier's no, with its reason */
	f.answer = -EKEYREJECTED;
	assert_int_equal(bh_content_validate_signed(b.data, b.len, &fx_schema, 0,
						    &v, &c, &err), -EBADMSG);
	assert_int_equal(err.code, BH_E_SIGNATURE);
	assert_int_equal(err.offset, b.len - 48);
	assert_non_null(strstr(err.msg, "signature (48 bytes) refused: no key in the keyring made it"));

	/* unchecked only when asked for, and then not marked verified */
	assert_int_equal(bh_content_validate(b.data, b.len, &fx_schema,
					     BH_VALIDATE_SIG_UNCHECKED, &c, &err), 0);
	assert_false(c.sig_verified);
}

static void signature_is_checked_before_payload(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct fake_verifier f = { .answer = -EKEYREJECTED };
	struct bh_sig_verifier v = { fake_verify, &f };
	struct bh_content c;
	struct bh_error err;

	(void)state;
	build_signed(&b, 16);
	b.data[BH_HEADER_LEN + 20] ^= 0x01;	/* payload and signature bad */
	assert_int_equal(bh_content_validate_signed(b.data, b.len, &fx_schema, 0,
						    &v, &c, &err), -EBADMSG);
	assert_int_equal(err.code, BH_E_SIGNATURE);
	/* a good signature over a header whose digest the payload misses */
	f.answer = 0;
	assert_int_equal(bh_content_validate_signed(b.data, b.len, &fx_schema, 0,
						    &v, &c, &err), -EBADMSG);
	assert_int_equal(err.code, BH_E_DIGEST);
}

static void digest_verdict_wins_over_record(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };

	(void)state;
	/* record 0 says 5 fields of its template's 4: refused by the walk
	 * first, but the file is not the one that was hashed */
	assert_int_equal(fx_build_valid(&b), 0);
	fx_set_le16(&b, BH_HEADER_LEN + 2, 5);
	assert_refused(&b, &fx_schema, BH_E_DIGEST, BH_NO_RECORD, BH_OFF_DIGEST,
		       "does not match the header's digest");
	assert_int_equal(fx_redigest(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_FIELD_COUNT, 0, BH_HEADER_LEN,
		       "5 fields, schema declares 4");
}

/*
 * The pass goes BH_YIELD_BYTES at a time and walks a record once all of
 * it is hashed: records that straddle a chunk boundary, one larger than a
 * chunk, and a refusal in a later chunk are judged as in one piece.
 */
static void walks_records_across_chunks(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	static u8 big[60000];
	struct bh_content c;
	unsigned int i, n = 0;
	size_t field;

	(void)state;
	fx_begin_fixture(&b);
	/* 20-field channel records, whose length does not divide a chunk */
	while (fx_mark(&b) < BH_HEADER_LEN + 3 * (size_t)BH_YIELD_BYTES) {
		fx_channel_record(&b, FX_CHANNEL_FIELDS, FX_CHANNEL_FIELDS);
		n++;
	}
	path_rule(&b, 5, "/bin/true");
	n++;
	assert_int_equal(fx_finish(&b), 0);
	assert_accepted(&b, &fx_schema, &c);
	assert_int_equal(c.record_count, n);
	assert_true(c.payload_len > 3 * (u64)BH_YIELD_BYTES);

	/* a bad string in the last record, in the fourth chunk: the path's
	 * field starts (3 + 2) + 5 + (3 + 9) bytes before the end */
	field = b.len - 5 - 5 - 9 - 3;
	assert_int_equal(b.data[field + 3], '/');
	b.data[field + 3] = 0xff;
	assert_int_equal(fx_redigest(&b), 0);
	assert_refused(&b, &fx_schema, BH_E_STRING, n - 1, field, "invalid UTF-8");

	/* without a schema, one record of five 60000-byte fields: larger
	 * than a chunk, walked once all of it is hashed */
	fx_free(&b);
	fx_begin_fixture(&b);
	path_rule(&b, 1, "/bin/sh");
	fx_record_begin(&b, 9, 5);
	for (i = 0; i < 5; i++)
		fx_bytes(&b, big, sizeof(big));
	fx_record_end(&b);
	path_rule(&b, 2, "/bin/sh");
	assert_int_equal(fx_finish(&b), 0);
	assert_true(b.len - BH_HEADER_LEN > BH_YIELD_BYTES);
	assert_accepted(&b, NULL, &c);
	assert_int_equal(c.record_count, 3);
	/* and a record length one short of its fields, found after it */
	field = rec_at(&b, 1);
	fx_set_le32(&b, field + 4, 8 + 5 * (3 + sizeof(big)) - 1);
	assert_int_equal(fx_redigest(&b), 0);
	assert_refused(&b, NULL, BH_E_FIELD_OVERRUN, 1,
		       field + 8 + 4 * (3 + sizeof(big)), "runs 1 bytes past");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_valid_file),
		cmocka_unit_test(accepts_file_with_zero_records),
		cmocka_unit_test(accepts_values_at_their_bounds),
		cmocka_unit_test(accepts_multibyte_utf8_strings),
		cmocka_unit_test(accepts_control_characters_and_noncharacters),
		cmocka_unit_test(accepts_bare_records_of_fieldless_template),
		cmocka_unit_test(accepts_without_schema_the_21_field_channel_file),
		cmocka_unit_test(accepts_without_schema_what_only_the_schema_forbids),
		cmocka_unit_test(accepts_names_of_31_characters),
		cmocka_unit_test(skip_digest_flag_accepts_stale_digest),
		cmocka_unit_test(encoder_reproduces_format_doc_example),
		cmocka_unit_test(refuses_null_buffer_or_result),
		cmocka_unit_test(names_every_refusal_class_distinctly),
		cmocka_unit_test(refuses_bad_magic),
		cmocka_unit_test(refuses_short_file_that_is_no_magic_prefix),
		cmocka_unit_test(refuses_unknown_format_version),
		cmocka_unit_test(names_other_format_before_truncation),
		cmocka_unit_test(refuses_truncated_header),
		cmocka_unit_test(refuses_header_length_other_than_160),
		cmocka_unit_test(refuses_unknown_header_flags),
		cmocka_unit_test(refuses_nonzero_reserved_byte),
		cmocka_unit_test(refuses_malformed_extension_name),
		cmocka_unit_test(refuses_malformed_schema_name),
		cmocka_unit_test(refuses_content_version_0),
		cmocka_unit_test(refuses_truncated_payload),
		cmocka_unit_test(refuses_payload_length_above_4_gib),
		cmocka_unit_test(refuses_largest_lengths_without_overflow),
		cmocka_unit_test(refuses_huge_signature_length_without_overflow),
		cmocka_unit_test(refuses_trailing_bytes_after_content),
		cmocka_unit_test(refuses_signature),
		cmocka_unit_test(refuses_signature_type_without_signature),
		cmocka_unit_test(refuses_signature_bytes_without_type),
		cmocka_unit_test(refuses_payload_that_does_not_match_digest),
		cmocka_unit_test(refuses_digest_that_does_not_match_payload),
		cmocka_unit_test(refuses_content_for_another_extension),
		cmocka_unit_test(refuses_content_for_another_schema),
		cmocka_unit_test(refuses_content_for_another_schema_version),
		cmocka_unit_test(checks_identity_before_digest),
		cmocka_unit_test(refuses_fewer_records_than_declared),
		cmocka_unit_test(refuses_records_when_header_declares_none_as_trailing),
		cmocka_unit_test(refuses_more_records_than_declared),
		cmocka_unit_test(refuses_trailing_bytes_after_last_record),
		cmocka_unit_test(refuses_truncated_record_header),
		cmocka_unit_test(refuses_record_length_shorter_than_record_header),
		cmocka_unit_test(refuses_record_length_past_payload),
		cmocka_unit_test(refuses_record_not_filled_by_its_fields),
		cmocka_unit_test(refuses_unknown_template),
		cmocka_unit_test(refuses_july_2024_channel_file_with_21_fields),
		cmocka_unit_test(refuses_record_with_extra_field),
		cmocka_unit_test(refuses_record_with_missing_field),
		cmocka_unit_test(refuses_record_with_undeclared_extra_field),
		cmocka_unit_test(refuses_record_declaring_more_fields_than_it_carries),
		cmocka_unit_test(refuses_field_of_another_type_than_declared),
		cmocka_unit_test(refuses_u64_where_u32_declared),
		cmocka_unit_test(refuses_unknown_field_type),
		cmocka_unit_test(refuses_u32_running_past_record),
		cmocka_unit_test(refuses_u64_running_past_record),
		cmocka_unit_test(refuses_string_length_running_past_record),
		cmocka_unit_test(refuses_string_bytes_running_past_record),
		cmocka_unit_test(refuses_string_length_running_past_record_into_next),
		cmocka_unit_test(refuses_bytes_running_past_record),
		cmocka_unit_test(refuses_string_too_long),
		cmocka_unit_test(refuses_string_too_short),
		cmocka_unit_test(refuses_channel_string_too_long),
		cmocka_unit_test(refuses_string_with_nul),
		cmocka_unit_test(refuses_overlong_utf8),
		cmocka_unit_test(refuses_utf16_surrogate_in_utf8),
		cmocka_unit_test(refuses_truncated_utf8_sequence),
		cmocka_unit_test(refuses_code_point_above_u10ffff),
		cmocka_unit_test(refuses_stray_utf8_bytes),
		cmocka_unit_test(refuses_bytes_too_long),
		cmocka_unit_test(refuses_bytes_too_short),
		cmocka_unit_test(refuses_u32_below_minimum),
		cmocka_unit_test(refuses_u32_above_maximum),
		cmocka_unit_test(refuses_u64_below_minimum),
		cmocka_unit_test(refuses_u64_above_maximum),
		cmocka_unit_test(without_schema_still_refuses_structural_errors),
		cmocka_unit_test(refuses_every_truncation_of_valid_file),
		cmocka_unit_test(refuses_every_single_byte_change),
		cmocka_unit_test(format1_accepted_unless_refused_by_policy),
		cmocka_unit_test(format1_header_is_not_covered),
		cmocka_unit_test(refuses_unsigned_where_signature_required),
		cmocka_unit_test(refuses_signature_type_without_bytes),
		cmocka_unit_test(refuses_signature_above_limit),
		cmocka_unit_test(verifier_sees_header_and_signature),
		cmocka_unit_test(signature_is_checked_before_payload),
		cmocka_unit_test(digest_verdict_wins_over_record),
		cmocka_unit_test(walks_records_across_chunks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
