// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_schema.c - schema tables: bh_schema_check() on every way a table
 * can be wrong, the canonical text bh_schema_format() prints (the kernel
 * and userspace compare schemas by comparing that text, so it is pinned
 * here byte for byte), type names and name rules.
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

/* The whole canonical text of fx_schema. */
static const char fx_schema_text[] =
	"[schema]\n"
	"extension = bh_fixture\n"
	"name = fixture\n"
	"version = 3\n"
	"\n"
	"[template path-rule]\n"
	"id = 1\n"
	"field = id u32 1 1000000\n"
	"field = path string 1 255\n"
	"field = action u32 0 2\n"
	"field = tag bytes 0 16\n"
	"\n"
	"[template counter]\n"
	"id = 2\n"
	"field = limit u64 10 1099511627776\n"
	"field = flags u32 0 255\n"
	"\n"
	"[template channel-291]\n"
	"id = 291\n"
	"field = f0 string 0 64\n"
	"field = f1 string 0 64\n"
	"field = f2 string 0 64\n"
	"field = f3 string 0 64\n"
	"field = f4 string 0 64\n"
	"field = f5 string 0 64\n"
	"field = f6 string 0 64\n"
	"field = f7 string 0 64\n"
	"field = f8 string 0 64\n"
	"field = f9 string 0 64\n"
	"field = f10 string 0 64\n"
	"field = f11 string 0 64\n"
	"field = f12 string 0 64\n"
	"field = f13 string 0 64\n"
	"field = f14 string 0 64\n"
	"field = f15 string 0 64\n"
	"field = f16 string 0 64\n"
	"field = f17 string 0 64\n"
	"field = f18 string 0 64\n"
	"field = f19 string 0 64\n";

static void check_schema_refused(const char *file, int line,
				 const struct bh_schema *s, const char *msg)
{
	struct bh_error err;
	int ret;

	memset(&err, 0x5a, sizeof(err));
	ret = bh_schema_check(s, &err);
	if (ret != -EINVAL || err.code != BH_E_ARGS ||
	    err.record != BH_NO_RECORD || err.offset != 0 ||
	    !memchr(err.msg, '\0', sizeof(err.msg)) || !strstr(err.msg, msg)) {
		print_error("got %d %s \"%.*s\", want -EINVAL bad-arguments \"...%s...\"\n",
			    ret, bh_err_name(err.code), (int)sizeof(err.msg),
			    err.msg, msg);
		_fail(file, line);
	}
	/* the error struct is optional */
	if (bh_schema_check(s, NULL) != -EINVAL) {
		print_error("refusal differs without an error struct\n");
		_fail(file, line);
	}
}

#define assert_schema_refused(s, msg)	check_schema_refused(__FILE__, __LINE__, s, msg)

static const struct bh_field_spec one_u32[] = { BH_FIELD_U32("a", 0, 1) };

/* A one-template schema around @fields, for tests of a single field. */
static struct bh_schema one_template(struct bh_template_spec *t,
				     const struct bh_field_spec *fields,
				     u16 nr_fields)
{
	t->id = 1;
	t->name = "t";
	t->nr_fields = nr_fields;
	t->fields = fields;
	return (struct bh_schema){ .extension = "bh_test", .name = "test",
				   .version = 1, .nr_templates = 1,
				   .templates = t };
}

/* ---- bh_schema_check ------------------------------------------------------- */

static void accepts_fixture_schema(void **state)
{
	struct bh_error err;

	(void)state;
	assert_int_equal(bh_schema_check(&fx_schema, &err), 0);
	assert_int_equal(bh_schema_check(&fx_schema, NULL), 0);
}

static void refuses_missing_schema(void **state)
{
	(void)state;
	assert_schema_refused(NULL, "no schema");
}

static void refuses_invalid_schema_name(void **state)
{
	static const char *const bad[] = {
		NULL, "", "has space", "a/b", "\xc3\xa9t\xc3\xa9",
		"abcdefghijklmnopqrstuvwxyz012345",	/* 32 characters */
	};
	struct bh_template_spec t;
	struct bh_schema s = one_template(&t, one_u32, 1);
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s.name = bad[i];
		assert_schema_refused(&s, "invalid schema name");
	}
}

static void refuses_invalid_extension_name(void **state)
{
	struct bh_template_spec t;
	struct bh_schema s = one_template(&t, one_u32, 1);

	(void)state;
	s.extension = NULL;
	assert_schema_refused(&s, "schema 'test': invalid extension name");
	s.extension = "";
	assert_schema_refused(&s, "schema 'test': invalid extension name");
	s.extension = "bh:test";
	assert_schema_refused(&s, "schema 'test': invalid extension name");
}

static void refuses_schema_without_templates(void **state)
{
	struct bh_template_spec t;
	struct bh_schema s = one_template(&t, one_u32, 1);

	(void)state;
	s.nr_templates = 0;
	assert_schema_refused(&s, "schema 'test': declares no templates");
	s.nr_templates = 1;
	s.templates = NULL;
	assert_schema_refused(&s, "schema 'test': declares no templates");
}

static void refuses_template_with_invalid_name(void **state)
{
	struct bh_template_spec t;
	struct bh_schema s = one_template(&t, one_u32, 1);

	(void)state;
	t.name = NULL;
	assert_schema_refused(&s, "template 0: invalid name");
	t.name = "";
	assert_schema_refused(&s, "template 0: invalid name");
	t.name = "path rule";
	assert_schema_refused(&s, "template 0: invalid name");
}

static void refuses_duplicate_template_ids(void **state)
{
	const struct bh_template_spec t[] = {
		{ .id = 1, .name = "a", .nr_fields = 1, .fields = one_u32 },
		{ .id = 2, .name = "b", .nr_fields = 1, .fields = one_u32 },
		{ .id = 1, .name = "c", .nr_fields = 1, .fields = one_u32 },
	};
	const struct bh_schema s = { .extension = "bh_test", .name = "test",
				     .version = 1, .nr_templates = 3,
				     .templates = t };

	(void)state;
	assert_schema_refused(&s, "schema 'test': templates 'a' and 'c' share id 1");
}

static void refuses_duplicate_template_names(void **state)
{
	const struct bh_template_spec t[] = {
		{ .id = 1, .name = "a", .nr_fields = 1, .fields = one_u32 },
		{ .id = 2, .name = "a", .nr_fields = 1, .fields = one_u32 },
	};
	const struct bh_schema s = { .extension = "bh_test", .name = "test",
				     .version = 1, .nr_templates = 2,
				     .templates = t };

	(void)state;
	assert_schema_refused(&s, "schema 'test': template name 'a' used twice");
}

static void refuses_more_than_256_fields(void **state)
{
	static struct bh_field_spec many[BH_MAX_FIELDS + 1];
	struct bh_template_spec t;
	struct bh_schema s;
	unsigned int i;

	(void)state;
	for (i = 0; i < BH_MAX_FIELDS + 1; i++)
		many[i] = (struct bh_field_spec)BH_FIELD_U32("f", 0, 1);
	s = one_template(&t, many, BH_MAX_FIELDS + 1);
	assert_schema_refused(&s, "template 't': 257 fields, at most 256");
	t.nr_fields = BH_MAX_FIELDS;
	assert_int_equal(bh_schema_check(&s, NULL), 0);
}

static void refuses_template_without_field_table(void **state)
{
	struct bh_template_spec t;
	struct bh_schema s = one_template(&t, NULL, 2);

	(void)state;
	assert_schema_refused(&s, "template 't': no field table");
	/* a template of no fields needs no table */
	t.nr_fields = 0;
	assert_int_equal(bh_schema_check(&s, NULL), 0);
}

static void refuses_field_with_invalid_name(void **state)
{
	const struct bh_field_spec f[] = {
		BH_FIELD_U32("ok", 0, 1),
		BH_FIELD_U32("not ok", 0, 1),
	};
	const struct bh_field_spec unnamed[] = { BH_FIELD_U32(NULL, 0, 1) };
	struct bh_template_spec t;
	struct bh_schema s = one_template(&t, f, 2);

	(void)state;
	assert_schema_refused(&s, "template 't' field 1: invalid name");
	s = one_template(&t, unnamed, 1);
	assert_schema_refused(&s, "template 't' field 0: invalid name");
}

static void refuses_unknown_field_type(void **state)
{
	static const u8 bad[] = { 0, 5, 0xff };
	struct bh_field_spec f[] = { BH_FIELD_U32("a", 0, 1) };
	struct bh_template_spec t;
	struct bh_schema s = one_template(&t, f, 1);
	char msg[64];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f[0].type = bad[i];
		snprintf(msg, sizeof(msg), "field 0 ('a'): unknown type %u", bad[i]);
		assert_schema_refused(&s, msg);
	}
}

static void refuses_min_above_max(void **state)
{
	const struct bh_field_spec f[] = { BH_FIELD_U32("a", 5, 4) };
	const struct bh_field_spec g[] = { BH_FIELD_STRING("s", 2, 1) };
	struct bh_template_spec t;
	struct bh_schema s = one_template(&t, f, 1);

	(void)state;
	assert_schema_refused(&s, "field 0 ('a'): bounds [5, 4] invalid for u32");
	s = one_template(&t, g, 1);
	assert_schema_refused(&s, "field 0 ('s'): bounds [2, 1] invalid for string");
}

static void refuses_u32_max_above_u32_range(void **state)
{
	struct bh_field_spec f[] = { BH_FIELD_U32("a", 0, (u64)UINT32_MAX + 1) };
	struct bh_template_spec t;
	struct bh_schema s = one_template(&t, f, 1);

	(void)state;
	assert_schema_refused(&s, "bounds [0, 4294967296] invalid for u32 (limit 4294967295)");
	f[0].max = UINT32_MAX;
	assert_int_equal(bh_schema_check(&s, NULL), 0);
	f[0].min = UINT32_MAX;
	assert_int_equal(bh_schema_check(&s, NULL), 0);
}

static void accepts_u64_bounds_up_to_u64_max(void **state)
{
	const struct bh_field_spec f[] = { BH_FIELD_U64("a", 0, UINT64_MAX),
					   BH_FIELD_U64("b", UINT64_MAX, UINT64_MAX) };
	struct bh_template_spec t;
	struct bh_schema s = one_template(&t, f, 2);

	(void)state;
	assert_int_equal(bh_schema_check(&s, NULL), 0);
}

static void refuses_string_max_above_65535(void **state)
{
	struct bh_field_spec f[] = { BH_FIELD_STRING("s", 0, 65536) };
	struct bh_template_spec t;
	struct bh_schema s = one_template(&t, f, 1);

	(void)state;
	assert_schema_refused(&s, "bounds [0, 65536] invalid for string (limit 65535)");
	f[0].max = BH_MAX_VARLEN;
	assert_int_equal(bh_schema_check(&s, NULL), 0);
}

static void refuses_bytes_max_above_65535(void **state)
{
	struct bh_field_spec f[] = { BH_FIELD_BYTES("b", 0, UINT64_MAX) };
	struct bh_template_spec t;
	struct bh_schema s = one_template(&t, f, 1);

	(void)state;
	assert_schema_refused(&s, "invalid for bytes (limit 65535)");
	f[0].max = BH_MAX_VARLEN;
	assert_int_equal(bh_schema_check(&s, NULL), 0);
}

static void names_the_later_template_in_errors(void **state)
{
	const struct bh_field_spec bad[] = { BH_FIELD_U32("a", 0, 1),
					     BH_FIELD_U32("b", 2, 1) };
	const struct bh_template_spec t[] = {
		{ .id = 1, .name = "first", .nr_fields = 1, .fields = one_u32 },
		{ .id = 2, .name = "second", .nr_fields = 2, .fields = bad },
	};
	const struct bh_schema s = { .extension = "bh_test", .name = "test",
				     .version = 1, .nr_templates = 2,
				     .templates = t };

	(void)state;
	assert_schema_refused(&s, "schema 'test': template 'second' field 1 ('b'): bounds [2, 1]");
}

/* ---- bh_schema_format ------------------------------------------------------- */

static void formats_fixture_schema_canonically(void **state)
{
	char buf[2048];
	int n;

	(void)state;
	memset(buf, 'x', sizeof(buf));
	n = bh_schema_format(&fx_schema, buf, sizeof(buf));
	assert_int_equal(n, strlen(fx_schema_text));
	assert_string_equal(buf, fx_schema_text);
}

static void formats_extreme_bounds_in_decimal(void **state)
{
	const struct bh_field_spec f[] = {
		BH_FIELD_U64("big", 0, UINT64_MAX),
		BH_FIELD_U32("word", UINT32_MAX, UINT32_MAX),
		BH_FIELD_BYTES("blob", 0, 65535),
	};
	const struct bh_template_spec t = { .id = 65535, .name = "edge",
					    .nr_fields = 3, .fields = f };
	const struct bh_schema s = { .extension = "e", .name = "n",
				     .version = UINT32_MAX, .nr_templates = 1,
				     .templates = &t };
	static const char want[] =
		"[schema]\nextension = e\nname = n\nversion = 4294967295\n"
		"\n[template edge]\nid = 65535\n"
		"field = big u64 0 18446744073709551615\n"
		"field = word u32 4294967295 4294967295\n"
		"field = blob bytes 0 65535\n";
	char buf[512];

	(void)state;
	assert_int_equal(bh_schema_format(&s, buf, sizeof(buf)), strlen(want));
	assert_string_equal(buf, want);
}

static void format_returns_needed_length_like_snprintf(void **state)
{
	const size_t full = strlen(fx_schema_text);
	static const size_t sizes[] = { 1, 2, 10, 100 };
	char *buf;
	unsigned int i;

	(void)state;
	/* size 0: nothing written, NULL allowed, the length to allocate */
	assert_int_equal(bh_schema_format(&fx_schema, NULL, 0), full);

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		/* exact allocation: ASan catches a write past @size */
		buf = malloc(sizes[i]);
		assert_non_null(buf);
		memset(buf, 'x', sizes[i]);
		assert_int_equal(bh_schema_format(&fx_schema, buf, sizes[i]), full);
		assert_int_equal(strlen(buf), sizes[i] - 1);
		assert_memory_equal(buf, fx_schema_text, sizes[i] - 1);
		free(buf);
	}

	/* one short of the NUL: all but the last character */
	buf = malloc(full);
	assert_non_null(buf);
	assert_int_equal(bh_schema_format(&fx_schema, buf, full), full);
	assert_int_equal(strlen(buf), full - 1);
	assert_memory_equal(buf, fx_schema_text, full - 1);
	free(buf);

	buf = malloc(full + 1);
	assert_non_null(buf);
	assert_int_equal(bh_schema_format(&fx_schema, buf, full + 1), full);
	assert_string_equal(buf, fx_schema_text);
	free(buf);
}

static void format_refuses_bad_schema_without_writing(void **state)
{
	const struct bh_field_spec f[] = { BH_FIELD_U32("a", 5, 4) };
	struct bh_template_spec t;
	struct bh_schema s = one_template(&t, f, 1);
	char buf[64];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(bh_schema_format(&s, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(bh_schema_format(NULL, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(bh_schema_format(&s, NULL, 0), -EINVAL);
	assert_int_equal(buf[0], 'x');
}

/* ---- names and lookups ------------------------------------------------------ */

static void field_type_names_round_trip(void **state)
{
	static const char *const names[] = { "u32", "u64", "string", "bytes" };
	static const char *const bad[] = { "", "U32", "u32 ", " u32", "u16",
					   "str", "strings", "unknown", "byte" };
	unsigned int t;

	(void)state;
	for (t = BH_FT_U32; t <= BH_FT_BYTES; t++) {
		assert_string_equal(bh_field_type_name(t), names[t - BH_FT_U32]);
		assert_int_equal(bh_field_type_from_name(bh_field_type_name(t)), t);
	}
	assert_string_equal(bh_field_type_name(0), "unknown");
	assert_string_equal(bh_field_type_name(BH_FT_BYTES + 1), "unknown");
	assert_string_equal(bh_field_type_name(UINT32_MAX), "unknown");
	for (t = 0; t < sizeof(bad) / sizeof(bad[0]); t++)
		assert_int_equal(bh_field_type_from_name(bad[t]), -EINVAL);
}

static void name_rule_is_1_to_31_portable_characters(void **state)
{
	static const struct {
		const char *name;
		bool ok;
	} rows[] = {
		{ "a", true },
		{ "bh_execwatch", true },
		{ "channel-291", true },
		{ "v1.2", true },
		{ "ABCxyz_019.-", true },
		{ ".", true },
		{ "abcdefghijklmnopqrstuvwxyz01234", true },	/* 31 */
		{ "abcdefghijklmnopqrstuvwxyz012345", false },	/* 32 */
		{ "abcdefghijklmnopqrstuvwxyz0123456789", false },
		{ "", false },
		{ "a b", false },
		{ "a/b", false },
		{ "a\tb", false },
		{ "a\n", false },
		{ "caf\xc3\xa9", false },
		{ "a+b", false },
		{ "a:b", false },
		{ "'q'", false },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (bh_name_valid(rows[i].name) != rows[i].ok)
			fail_msg("bh_name_valid(\"%s\") is %d, want %d",
				 rows[i].name, !rows[i].ok, rows[i].ok);
	}
}

static void finds_template_by_id(void **state)
{
	(void)state;
	assert_ptr_equal(bh_schema_template(&fx_schema, FX_T_PATH_RULE),
			 &fx_schema.templates[0]);
	assert_ptr_equal(bh_schema_template(&fx_schema, FX_T_CHANNEL),
			 &fx_schema.templates[2]);
	assert_int_equal(bh_schema_template(&fx_schema, FX_T_CHANNEL)->nr_fields,
			 FX_CHANNEL_FIELDS);
	assert_null(bh_schema_template(&fx_schema, 0));
	assert_null(bh_schema_template(&fx_schema, 3));
	assert_null(bh_schema_template(&fx_schema, FX_T_CHANNEL + 256));
	assert_null(bh_schema_template(&fx_schema, 0xffff));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_fixture_schema),
		cmocka_unit_test(refuses_missing_schema),
		cmocka_unit_test(refuses_invalid_schema_name),
		cmocka_unit_test(refuses_invalid_extension_name),
		cmocka_unit_test(refuses_schema_without_templates),
		cmocka_unit_test(refuses_template_with_invalid_name),
		cmocka_unit_test(refuses_duplicate_template_ids),
		cmocka_unit_test(refuses_duplicate_template_names),
		cmocka_unit_test(refuses_more_than_256_fields),
		cmocka_unit_test(refuses_template_without_field_table),
		cmocka_unit_test(refuses_field_with_invalid_name),
		cmocka_unit_test(refuses_unknown_field_type),
		cmocka_unit_test(refuses_min_above_max),
		cmocka_unit_test(refuses_u32_max_above_u32_range),
		cmocka_unit_test(accepts_u64_bounds_up_to_u64_max),
		cmocka_unit_test(refuses_string_max_above_65535),
		cmocka_unit_test(refuses_bytes_max_above_65535),
		cmocka_unit_test(names_the_later_template_in_errors),
		cmocka_unit_test(formats_fixture_schema_canonically),
		cmocka_unit_test(formats_extreme_bounds_in_decimal),
		cmocka_unit_test(format_returns_needed_length_like_snprintf),
		cmocka_unit_test(format_refuses_bad_schema_without_writing),
		cmocka_unit_test(field_type_names_round_trip),
		cmocka_unit_test(name_rule_is_1_to_31_portable_characters),
		cmocka_unit_test(finds_template_by_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
