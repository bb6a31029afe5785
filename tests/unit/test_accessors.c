// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_accessors.c - the record iterator and the checked field accessors:
 * how an extension reads content, and what it gets when it asks for
 * something the record does not have.
 *
 * Most tests read fx_build_valid()'s file (its contents are listed in
 * fixture.h).  The last group corrupts content after it was validated,
 * in the buffer or in the view, as a bug or a stray write would: the
 * accessors promise -EFAULT then, never a read outside the buffer.  The
 * fixture buffer is allocated to the exact length of the content, so ASan
 * turns any such read into a failure.
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

/* what an accessor's outputs hold before a call that must not write them */
#define SENTINEL32	0xa5a5a5a5u
#define SENTINEL64	0xa5a5a5a5a5a5a5a5ull
#define SENTINEL16	0xa5a5u

static const char sentinel_str[] = "untouched";
static const u8 sentinel_bytes[] = { 0xa5 };

/* Build and validate fx_build_valid()'s file; @c points into @b. */
static void load_valid(struct fx_buf *b, struct bh_content *c)
{
	assert_int_equal(fx_build_valid(b), 0);
	assert_int_equal(fx_seed_write("accessors_valid", b), 0);
	assert_int_equal(bh_content_validate(b->data, b->len, &fx_schema, 0, c,
					     NULL), 0);
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
 * Every accessor on field @idx of @r must fail with @want and leave its
 * outputs as they were.
 */
static void check_all_fail(const char *file, int line,
			   const struct bh_record *r, unsigned int idx, int want)
{
	const char *s = sentinel_str;
	const u8 *p = sentinel_bytes;
	u64 v64 = SENTINEL64;
	u32 v32 = SENTINEL32;
	u16 len = SENTINEL16, len2 = SENTINEL16;
	int got[5];
	unsigned int i;

	got[0] = bh_field_type(r, idx);
	got[1] = bh_field_u32(r, idx, &v32);
	got[2] = bh_field_u64(r, idx, &v64);
	got[3] = bh_field_string(r, idx, &s, &len);
	got[4] = bh_field_bytes(r, idx, &p, &len2);
	for (i = 0; i < 5; i++) {
		if (got[i] != want) {
			print_error("accessor %u on field %u: %d, want %d\n", i,
				    idx, got[i], want);
			_fail(file, line);
		}
	}
	if (v32 != SENTINEL32 || v64 != SENTINEL64 || s != sentinel_str ||
	    len != SENTINEL16 || p != sentinel_bytes || len2 != SENTINEL16) {
		print_error("an accessor wrote its output on failure\n");
		_fail(file, line);
	}
}

#define assert_all_fail(r, idx, want)	check_all_fail(__FILE__, __LINE__, r, idx, want)

static void assert_string_field(const struct bh_record *r, unsigned int idx,
				const char *want)
{
	const char *s = NULL;
	u16 len = 0;

	assert_int_equal(bh_field_string(r, idx, &s, &len), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(s, want, len);
}

/* ---- iterating ------------------------------------------------------------ */

static void iterates_records_in_file_order(void **state)
{
	static const u16 tids[FX_VALID_RECORDS] = {
		FX_T_PATH_RULE, FX_T_COUNTER, FX_T_CHANNEL, FX_T_PATH_RULE
	};
	static const u16 nfs[FX_VALID_RECORDS] = { 4, 2, FX_CHANNEL_FIELDS, 4 };
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r, next;
	unsigned int i;

	(void)state;
	load_valid(&b, &c);
	assert_int_equal(bh_record_first(&c, &r), 0);
	for (i = 0; i < FX_VALID_RECORDS; i++) {
		assert_ptr_equal(r.content, &c);
		assert_int_equal(r.index, i);
		assert_int_equal(r.template_id, tids[i]);
		assert_int_equal(r.nr_fields, nfs[i]);
		assert_int_equal(r.offset, rec_at(&b, i) - BH_HEADER_LEN);
		assert_int_equal(r.offset + r.len,
				 i + 1 < FX_VALID_RECORDS ?
				 rec_at(&b, i + 1) - BH_HEADER_LEN : c.payload_len);
		assert_ptr_equal(r.tmpl, bh_schema_template(&fx_schema, tids[i]));
		if (i + 1 < FX_VALID_RECORDS)
			assert_int_equal(bh_record_next(&r, &r), 0);
	}
	/* past the last: -ENOENT, and the output keeps what it had */
	memset(&next, 0x5a, sizeof(next));
	assert_int_equal(bh_record_next(&r, &next), -ENOENT);
	assert_int_equal(next.index, 0x5a5a5a5a);
	assert_int_equal(r.index, FX_VALID_RECORDS - 1);
}

static void record_get_returns_the_views_iteration_gives(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record it, got;
	unsigned int i;

	(void)state;
	load_valid(&b, &c);
	assert_int_equal(bh_record_first(&c, &it), 0);
	for (i = 0; i < FX_VALID_RECORDS; i++) {
		assert_int_equal(bh_record_get(&c, i, &got), 0);
		assert_ptr_equal(got.content, it.content);
		assert_int_equal(got.index, it.index);
		assert_int_equal(got.template_id, it.template_id);
		assert_int_equal(got.nr_fields, it.nr_fields);
		assert_int_equal(got.offset, it.offset);
		assert_int_equal(got.len, it.len);
		assert_ptr_equal(got.tmpl, it.tmpl);
		if (i + 1 < FX_VALID_RECORDS)
			assert_int_equal(bh_record_next(&it, &it), 0);
	}
}

static void record_get_refuses_index_past_count(void **state)
{
	static const u32 bad[] = { FX_VALID_RECORDS, FX_VALID_RECORDS + 1,
				   BH_NO_RECORD };
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r;
	unsigned int i;

	(void)state;
	load_valid(&b, &c);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&r, 0x5a, sizeof(r));
		assert_int_equal(bh_record_get(&c, bad[i], &r), -ENOENT);
		assert_int_equal(r.index, 0x5a5a5a5a);
	}
}

static void finds_no_record_in_empty_content(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r;

	(void)state;
	fx_begin_fixture(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_int_equal(bh_content_validate(b.data, b.len, &fx_schema, 0, &c, NULL), 0);
	memset(&r, 0x5a, sizeof(r));
	assert_int_equal(bh_record_first(&c, &r), -ENOENT);
	assert_int_equal(bh_record_get(&c, 0, &r), -ENOENT);
	assert_int_equal(r.index, 0x5a5a5a5a);
}

static void views_have_no_template_without_schema(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r;

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	assert_int_equal(bh_content_validate(b.data, b.len, NULL, 0, &c, NULL), 0);
	assert_int_equal(bh_record_first(&c, &r), 0);
	assert_null(r.tmpl);
	assert_int_equal(r.template_id, FX_T_PATH_RULE);
}

static void refuses_null_arguments(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c, zeroed;
	struct bh_record r, orphan;

	(void)state;
	load_valid(&b, &c);
	assert_int_equal(bh_record_first(NULL, &r), -ENOENT);
	memset(&zeroed, 0, sizeof(zeroed));
	assert_int_equal(bh_record_first(&zeroed, &r), -ENOENT);
	assert_int_equal(bh_record_get(&zeroed, 0, &r), -ENOENT);
	assert_int_equal(bh_record_get(NULL, 0, &r), -ENOENT);
	assert_int_equal(bh_record_next(NULL, &r), -ENOENT);
	assert_all_fail(NULL, 0, -EINVAL);

	/* a view that belongs to no content */
	assert_int_equal(bh_record_first(&c, &orphan), 0);
	orphan.content = NULL;
	assert_all_fail(&orphan, 0, -EINVAL);
	assert_int_equal(bh_record_next(&orphan, &r), -ENOENT);

	/* a view claiming to be BH_NO_RECORD has no successor */
	assert_int_equal(bh_record_first(&c, &orphan), 0);
	orphan.index = BH_NO_RECORD;
	assert_int_equal(bh_record_next(&orphan, &r), -ENOENT);
}

/* ---- reading fields -------------------------------------------------------- */

static void reads_every_field_of_valid_file(void **state)
{
	static const u8 tag0[] = { 0xde, 0xad, 0xbe, 0xef };
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r;
	const u8 *p;
	char want[16];
	unsigned int i;
	u64 v64;
	u32 v32;
	u16 len;

	(void)state;
	load_valid(&b, &c);

	assert_int_equal(bh_record_get(&c, 0, &r), 0);
	assert_int_equal(bh_field_u32(&r, 0, &v32), 0);
	assert_int_equal(v32, 7);
	assert_string_field(&r, 1, FX_VALID_PATH0);
	assert_int_equal(bh_field_u32(&r, 2, &v32), 0);
	assert_int_equal(v32, 1);
	assert_int_equal(bh_field_bytes(&r, 3, &p, &len), 0);
	assert_int_equal(len, sizeof(tag0));
	assert_memory_equal(p, tag0, sizeof(tag0));

	assert_int_equal(bh_record_get(&c, 1, &r), 0);
	assert_int_equal(bh_field_u64(&r, 0, &v64), 0);
	assert_int_equal(v64, FX_VALID_LIMIT);
	assert_int_equal(bh_field_u32(&r, 1, &v32), 0);
	assert_int_equal(v32, 0x0f);

	assert_int_equal(bh_record_get(&c, 2, &r), 0);
	for (i = 0; i < FX_CHANNEL_FIELDS; i++) {
		snprintf(want, sizeof(want), "ch-%u", i);
		assert_string_field(&r, i, want);
	}

	assert_int_equal(bh_record_get(&c, 3, &r), 0);
	assert_int_equal(bh_field_u32(&r, 0, &v32), 0);
	assert_int_equal(v32, 1000000);
	assert_string_field(&r, 1, FX_VALID_PATH3);
	assert_int_equal(bh_field_u32(&r, 2, &v32), 0);
	assert_int_equal(v32, 2);
	len = SENTINEL16;
	assert_int_equal(bh_field_bytes(&r, 3, &p, &len), 0);
	assert_int_equal(len, 0);
}

static void reads_u64_above_u32_range(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r;
	u64 v;

	(void)state;
	/* all eight bytes matter, in little-endian order */
	fx_begin_fixture(&b);
	fx_record_begin(&b, FX_T_COUNTER, 2);
	fx_u64(&b, 0x000000fedcba9876ull);
	fx_u32(&b, 0);
	fx_record_end(&b);
	assert_int_equal(fx_finish(&b), 0);
	assert_int_equal(bh_content_validate(b.data, b.len, &fx_schema, 0, &c, NULL), 0);
	assert_int_equal(bh_record_first(&c, &r), 0);
	assert_int_equal(bh_field_u64(&r, 0, &v), 0);
	assert_int_equal(v, 0x000000fedcba9876ull);
}

static void reports_stored_field_types(void **state)
{
	static const int want[] = { BH_FT_U32, BH_FT_STRING, BH_FT_U32, BH_FT_BYTES };
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r;
	unsigned int i;

	(void)state;
	load_valid(&b, &c);
	assert_int_equal(bh_record_get(&c, 0, &r), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(bh_field_type(&r, i), want[i]);
	assert_int_equal(bh_record_get(&c, 1, &r), 0);
	assert_int_equal(bh_field_type(&r, 0), BH_FT_U64);
}

/*
 * The July-2024 read: code written for 20 fields (0..19) asks for a 21st.
 * Against a 20-field record that is index 20, one past the end, and the
 * answer must be -ERANGE, not the bytes of whatever follows.
 */
static void accessor_refuses_field_20_of_20_field_record(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r;

	(void)state;
	load_valid(&b, &c);
	assert_int_equal(bh_record_get(&c, 2, &r), 0);
	assert_int_equal(r.template_id, FX_T_CHANNEL);
	assert_int_equal(r.nr_fields, FX_CHANNEL_FIELDS);
	assert_string_field(&r, 19, "ch-19");
	assert_all_fail(&r, 20, -ERANGE);
	assert_all_fail(&r, 21, -ERANGE);
	assert_all_fail(&r, UINT32_MAX, -ERANGE);
}

static void accessor_bound_is_the_records_own_field_count(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r;

	(void)state;
	/* structure-only: the 21-field record is accepted, and its 21st
	 * field exists; the 22nd does not */
	fx_begin_fixture(&b);
	fx_channel_record(&b, 21, 21);
	assert_int_equal(fx_finish(&b), 0);
	assert_int_equal(fx_seed_write(__func__, &b), 0);
	assert_int_equal(bh_content_validate(b.data, b.len, NULL, 0, &c, NULL), 0);
	assert_int_equal(bh_record_first(&c, &r), 0);
	assert_string_field(&r, 20, "ch-20");
	assert_all_fail(&r, 21, -ERANGE);
}

static void refuses_index_past_field_count(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r;

	(void)state;
	load_valid(&b, &c);
	assert_int_equal(bh_record_get(&c, 0, &r), 0);
	assert_all_fail(&r, 4, -ERANGE);
	assert_int_equal(bh_record_get(&c, 1, &r), 0);
	assert_all_fail(&r, 2, -ERANGE);
	assert_int_equal(bh_record_get(&c, 3, &r), 0);
	assert_all_fail(&r, 4, -ERANGE);
}

static void refuses_type_mismatch(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	const char *s = sentinel_str;
	const u8 *p = sentinel_bytes;
	struct bh_content c;
	struct bh_record r;
	u64 v64 = SENTINEL64;
	u32 v32 = SENTINEL32;
	u16 len = SENTINEL16;

	(void)state;
	load_valid(&b, &c);
	assert_int_equal(bh_record_get(&c, 0, &r), 0);
	/* field 0 u32, 1 string, 3 bytes */
	assert_int_equal(bh_field_u64(&r, 0, &v64), -EINVAL);
	assert_int_equal(bh_field_string(&r, 0, &s, &len), -EINVAL);
	assert_int_equal(bh_field_bytes(&r, 0, &p, &len), -EINVAL);
	assert_int_equal(bh_field_u32(&r, 1, &v32), -EINVAL);
	assert_int_equal(bh_field_bytes(&r, 1, &p, &len), -EINVAL);
	assert_int_equal(bh_field_string(&r, 3, &s, &len), -EINVAL);
	assert_int_equal(bh_record_get(&c, 1, &r), 0);
	/* field 0 u64 */
	assert_int_equal(bh_field_u32(&r, 0, &v32), -EINVAL);
	assert_int_equal(bh_field_string(&r, 0, &s, &len), -EINVAL);

	assert_int_equal(v64, SENTINEL64);
	assert_int_equal(v32, SENTINEL32);
	assert_ptr_equal(s, sentinel_str);
	assert_ptr_equal(p, sentinel_bytes);
	assert_int_equal(len, SENTINEL16);
}

/* ---- content corrupted after validation ------------------------------------- */

static void efault_for_record_length_corrupted_past_payload(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r;

	(void)state;
	load_valid(&b, &c);
	fx_set_le32(&b, rec_at(&b, 0) + 4, UINT32_MAX);
	memset(&r, 0x5a, sizeof(r));
	assert_int_equal(bh_record_first(&c, &r), -EFAULT);
	assert_int_equal(bh_record_get(&c, 0, &r), -EFAULT);
	assert_int_equal(bh_record_get(&c, 3, &r), -EFAULT);
	assert_int_equal(r.index, 0x5a5a5a5a);
}

static void efault_for_last_record_length_one_past_payload(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r;
	size_t last;

	(void)state;
	load_valid(&b, &c);
	last = rec_at(&b, FX_VALID_RECORDS - 1);
	fx_set_le32(&b, last + 4, b.len - last + 1);
	assert_int_equal(bh_record_get(&c, FX_VALID_RECORDS - 2, &r), 0);
	assert_int_equal(bh_record_next(&r, &r), -EFAULT);
	assert_int_equal(bh_record_get(&c, FX_VALID_RECORDS - 1, &r), -EFAULT);
}

static void efault_for_record_length_corrupted_below_header(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r;

	(void)state;
	load_valid(&b, &c);
	assert_int_equal(bh_record_first(&c, &r), 0);
	fx_set_le32(&b, rec_at(&b, 1) + 4, BH_RECORD_HDR_LEN - 1);
	assert_int_equal(bh_record_next(&r, &r), -EFAULT);
	assert_int_equal(r.index, 0);
	assert_int_equal(bh_record_get(&c, 1, &r), -EFAULT);
	assert_int_equal(bh_record_get(&c, 2, &r), -EFAULT);
}

static void efault_for_fields_cut_off_by_shortened_record(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r;
	u32 v;

	(void)state;
	load_valid(&b, &c);
	/* record 0 now ends inside its path string */
	fx_set_le32(&b, rec_at(&b, 0) + 4, BH_RECORD_HDR_LEN + 5 + 3 + 4);
	assert_int_equal(bh_record_first(&c, &r), 0);
	assert_int_equal(bh_field_u32(&r, 0, &v), 0);
	assert_int_equal(v, 7);
	assert_all_fail(&r, 1, -EFAULT);
	assert_all_fail(&r, 3, -EFAULT);
	assert_all_fail(&r, 4, -ERANGE);
}

static void efault_for_field_type_corrupted(void **state)
{
	static const u8 bad[] = { 0, 5, 0xff };
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r;
	size_t type_at;
	unsigned int i;
	u32 v;

	(void)state;
	load_valid(&b, &c);
	type_at = rec_at(&b, 0) + BH_RECORD_HDR_LEN + 5;	/* field 1 */
	assert_int_equal(bh_record_first(&c, &r), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b.data[type_at] = bad[i];
		assert_int_equal(bh_field_u32(&r, 0, &v), 0);
		assert_all_fail(&r, 1, -EFAULT);
		assert_all_fail(&r, 2, -EFAULT);
		assert_all_fail(&r, 3, -EFAULT);
	}
}

static void efault_for_last_field_retyped_wider(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r;

	(void)state;
	load_valid(&b, &c);
	/* counter's last field, u32 flags, now claims 8 value bytes */
	b.data[rec_at(&b, 1) + BH_RECORD_HDR_LEN + 9] = BH_FT_U64;
	assert_int_equal(bh_record_get(&c, 1, &r), 0);
	assert_all_fail(&r, 1, -EFAULT);
	/* and as a string its value bytes give a length far past the end */
	b.data[rec_at(&b, 1) + BH_RECORD_HDR_LEN + 9] = BH_FT_STRING;
	assert_all_fail(&r, 1, -EFAULT);
}

static void efault_for_string_length_corrupted(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r;
	size_t len_at;
	u32 v;

	(void)state;
	load_valid(&b, &c);
	len_at = rec_at(&b, 3) + BH_RECORD_HDR_LEN + 5 + 1;	/* path's le16 */
	fx_set_le16(&b, len_at, 0xffff);
	assert_int_equal(bh_record_get(&c, 3, &r), 0);
	assert_int_equal(bh_field_u32(&r, 0, &v), 0);
	assert_all_fail(&r, 1, -EFAULT);
	assert_all_fail(&r, 2, -EFAULT);
	assert_all_fail(&r, 3, -EFAULT);
}

/*
 * The July-2024 shape after validation: the record header now claims a
 * field more than it carries.  Asking for it must not read into the next
 * record.
 */
static void efault_for_field_count_corrupted_upwards(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r;

	(void)state;
	load_valid(&b, &c);
	fx_set_le16(&b, rec_at(&b, 2) + 2, FX_CHANNEL_FIELDS + 1);
	assert_int_equal(bh_record_get(&c, 2, &r), 0);
	assert_int_equal(r.nr_fields, FX_CHANNEL_FIELDS + 1);
	assert_string_field(&r, 19, "ch-19");
	assert_all_fail(&r, 20, -EFAULT);
	assert_all_fail(&r, 21, -ERANGE);
}

static void efault_for_record_count_corrupted_in_view(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r;

	(void)state;
	load_valid(&b, &c);
	c.record_count = FX_VALID_RECORDS + 1;
	assert_int_equal(bh_record_get(&c, FX_VALID_RECORDS - 1, &r), 0);
	assert_int_equal(bh_record_next(&r, &r), -EFAULT);
	assert_int_equal(bh_record_get(&c, FX_VALID_RECORDS, &r), -EFAULT);
	c.record_count = UINT32_MAX - 1;
	assert_int_equal(bh_record_get(&c, UINT32_MAX - 2, &r), -EFAULT);
}

static void efault_for_payload_length_corrupted_in_view(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record r3, r;

	(void)state;
	load_valid(&b, &c);
	assert_int_equal(bh_record_get(&c, 3, &r3), 0);
	/* the payload now ends inside record 2 */
	c.payload_len = rec_at(&b, 2) - BH_HEADER_LEN + 12;
	assert_int_equal(bh_record_get(&c, 2, &r), -EFAULT);
	assert_int_equal(bh_record_get(&c, 3, &r), -EFAULT);
	/* a view taken before the damage is checked against it too */
	assert_all_fail(&r3, 0, -EFAULT);
	c.payload_len = 0;
	assert_int_equal(bh_record_first(&c, &r), -EFAULT);
	assert_all_fail(&r3, 0, -EFAULT);
}

static void efault_for_corrupted_record_view(void **state)
{
	_cleanup_fx_ struct fx_buf b = { 0 };
	struct bh_content c;
	struct bh_record good, r;

	(void)state;
	load_valid(&b, &c);
	assert_int_equal(bh_record_get(&c, 1, &good), 0);

	r = good;
	r.offset = (u32)c.payload_len + 1;
	assert_all_fail(&r, 0, -EFAULT);
	assert_int_equal(bh_record_next(&r, &r), -EFAULT);

	r = good;
	r.offset = UINT32_MAX;
	assert_all_fail(&r, 0, -EFAULT);

	r = good;
	r.len = (u32)c.payload_len;		/* runs past the payload */
	assert_all_fail(&r, 0, -EFAULT);

	r = good;
	r.len = BH_RECORD_HDR_LEN - 1;
	assert_all_fail(&r, 0, -EFAULT);

	r = good;
	r.len = UINT32_MAX;
	assert_all_fail(&r, 0, -EFAULT);
	assert_int_equal(bh_record_next(&r, &r), -EFAULT);

	r = good;
	r.nr_fields = 0xffff;			/* walks to the record's end */
	assert_all_fail(&r, 2, -EFAULT);
	assert_all_fail(&r, 0xfffe, -EFAULT);

	/* the last record, stretched to the payload's very end + 1 */
	assert_int_equal(bh_record_get(&c, 3, &r), 0);
	r.len++;
	assert_all_fail(&r, 0, -EFAULT);
}

/*
 * Read every field of accepted content @c as its stored type, which must be
 * the schema's when there is one.  None of it may fail: the validator
 * accepted it.
 */
static void read_back(const struct bh_content *c)
{
	struct bh_record r;
	unsigned int f;
	int err, type;
	const char *s;
	const u8 *p;
	u64 v64;
	u32 v32;
	u16 len;

	for (err = bh_record_first(c, &r); !err; err = bh_record_next(&r, &r)) {
		for (f = 0; f < r.nr_fields; f++) {
			type = bh_field_type(&r, f);
			if (c->schema)
				assert_int_equal(type, r.tmpl->fields[f].type);
			switch (type) {
			case BH_FT_U32:
				assert_int_equal(bh_field_u32(&r, f, &v32), 0);
				break;
			case BH_FT_U64:
				assert_int_equal(bh_field_u64(&r, f, &v64), 0);
				break;
			case BH_FT_STRING:
				assert_int_equal(bh_field_string(&r, f, &s, &len), 0);
				break;
			case BH_FT_BYTES:
				assert_int_equal(bh_field_bytes(&r, f, &p, &len), 0);
				break;
			default:
				fail_msg("record %u field %u: type %d", r.index, f, type);
			}
		}
		assert_int_equal(bh_field_type(&r, r.nr_fields), -ERANGE);
	}
	assert_int_equal(err, -ENOENT);
	if (c->record_count)
		assert_int_equal(r.index, c->record_count - 1);
}

/*
 * Validator and accessors must agree: content the validator accepts is
 * content every accessor can read.  Every payload byte is set to every
 * value (digest check skipped so that the records are what is tested);
 * whatever is accepted, with the schema or without, is read back.
 */
static void accessors_read_every_accepted_mutant(void **state)
{
	const struct bh_schema *schemas[] = { &fx_schema, NULL };
	_cleanup_fx_ struct fx_buf b = { 0 };
	unsigned int accepted = 0, v, k;
	struct bh_content c;
	size_t off;

	(void)state;
	assert_int_equal(fx_build_valid(&b), 0);
	for (off = BH_HEADER_LEN; off < b.len; off++) {
		const u8 orig = b.data[off];

		for (v = 0; v < 256; v++) {
			b.data[off] = (u8)v;
			for (k = 0; k < 2; k++) {
				if (bh_content_validate(b.data, b.len, schemas[k],
							BH_VALIDATE_SKIP_DIGEST,
							&c, NULL))
					continue;
				accepted++;
				read_back(&c);
			}
		}
		b.data[off] = orig;
	}
	/* the loop did read something: at least every unmutated value */
	assert_true(accepted >= 2 * (b.len - BH_HEADER_LEN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(iterates_records_in_file_order),
		cmocka_unit_test(record_get_returns_the_views_iteration_gives),
		cmocka_unit_test(record_get_refuses_index_past_count),
		cmocka_unit_test(finds_no_record_in_empty_content),
		cmocka_unit_test(views_have_no_template_without_schema),
		cmocka_unit_test(refuses_null_arguments),
		cmocka_unit_test(reads_every_field_of_valid_file),
		cmocka_unit_test(reads_u64_above_u32_range),
		cmocka_unit_test(reports_stored_field_types),
		cmocka_unit_test(accessor_refuses_field_20_of_20_field_record),
		cmocka_unit_test(accessor_bound_is_the_records_own_field_count),
		cmocka_unit_test(refuses_index_past_field_count),
		cmocka_unit_test(refuses_type_mismatch),
		cmocka_unit_test(efault_for_record_length_corrupted_past_payload),
		cmocka_unit_test(efault_for_last_record_length_one_past_payload),
		cmocka_unit_test(efault_for_record_length_corrupted_below_header),
		cmocka_unit_test(efault_for_fields_cut_off_by_shortened_record),
		cmocka_unit_test(efault_for_field_type_corrupted),
		cmocka_unit_test(efault_for_last_field_retyped_wider),
		cmocka_unit_test(efault_for_string_length_corrupted),
		cmocka_unit_test(efault_for_field_count_corrupted_upwards),
		cmocka_unit_test(efault_for_record_count_corrupted_in_view),
		cmocka_unit_test(efault_for_payload_length_corrupted_in_view),
		cmocka_unit_test(efault_for_corrupted_record_view),
		cmocka_unit_test(accessors_read_every_accepted_mutant),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
