// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_content_json.c - the JSON source form: what `content build`
 * encodes, what `content dump` prints, and that one undoes the other
 * byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "content_json.h"
#include "fixture.h"

static int build(const char *json, uint8_t **ret, size_t *ret_len,
		 struct bulkhead_msg *msg)
{
	_cleanup_json_ struct json_object *src = NULL;
	int err;

	err = bulkhead_json_parse(json, strlen(json), "s.json", &src, msg);
	if (err)
		return err;
	return bulkhead_content_build(src, "s.json", ret, ret_len, msg);
}

static void refused(const char *json, const char *want)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	struct bulkhead_msg msg = {};

	assert_int_not_equal(build(json, &buf, &len, &msg), 0);
	assert_null(buf);
	if (!strstr(msg.text, want))
		fail_msg("message '%s' lacks '%s'", msg.text, want);
}

#define PATH_RULE(id, path, action, tag) \
	"{\"template\": 1, \"fields\": [{\"u32\": " #id "}, {\"string\": \"" path "\"}, " \
	"{\"u32\": " #action "}, {\"bytes\": \"" tag "\"}]}"

static const char fixture_json[] =
	"{\"extension\": \"bh_fixture\", \"schema\": \"fixture\", \"schema_version\": 3,"
	" \"content_version\": 12, \"records\": ["
	PATH_RULE(7, "/usr/bin/curl", 1, "beef") ", "
	"{\"template\": 2, \"fields\": [{\"u64\": 1099511627776}, {\"u32\": 255}]}]}";

static void builds_content_the_schema_accepts(void **state)
{
	_cleanup_free_ uint8_t *buf = NULL;
	struct bulkhead_msg msg;
	struct bh_content c;
	struct bh_error e;
	struct bh_record r;
	const char *s;
	const u8 *b;
	size_t len;
	u16 slen;
	u64 v64;
	u32 v;

	(void)state;
	if (build(fixture_json, &buf, &len, &msg))
		fail_msg("%s", msg.text);
	if (bh_content_validate(buf, len, &fx_schema, 0, &c, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(c.content_version, 12);
	assert_int_equal(c.record_count, 2);
	assert_int_equal(bh_record_first(&c, &r), 0);
	assert_int_equal(r.template_id, FX_T_PATH_RULE);
	assert_int_equal(bh_field_u32(&r, 0, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(bh_field_string(&r, 1, &s, &slen), 0);
	assert_int_equal(slen, 13);
	assert_memory_equal(s, "/usr/bin/curl", 13);
	assert_int_equal(bh_field_bytes(&r, 3, &b, &slen), 0);
	assert_int_equal(slen, 2);
	assert_int_equal(b[0], 0xbe);
	assert_int_equal(bh_record_next(&r, &r), 0);
	assert_int_equal(bh_field_u64(&r, 0, &v64), 0);
	assert_true(v64 == 1ULL << 40);
}

static void dump_then_build_is_byte_identical(void **state)
{
	_cleanup_free_ uint8_t *buf = NULL, *again = NULL;
	_cleanup_json_ struct json_object *doc = NULL;
	struct bulkhead_msg msg;
	struct bh_content c;
	size_t len, len2;
	const char *text;

	(void)state;
	assert_int_equal(build(fixture_json, &buf, &len, &msg), 0);
	assert_int_equal(bh_content_validate(buf, len, NULL, 0, &c, NULL), 0);
	assert_int_equal(bulkhead_content_dump(&c, &doc, &msg), 0);
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY);
	if (build(text, &again, &len2, &msg))
		fail_msg("%s", msg.text);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, again, len);
}

/* the builder encodes what it is told, even a record no schema accepts */
static void builds_21_field_record_that_schema_refuses(void **state)
{
	char json[4096];
	_cleanup_free_ uint8_t *buf = NULL;
	struct bulkhead_msg msg;
	struct bh_content c;
	struct bh_error e;
	size_t len, n;
	int i;

	(void)state;
	n = (size_t)snprintf(json, sizeof(json),
			     "{\"extension\": \"bh_fixture\", \"schema\": \"fixture\", \"schema_version\": 3,"
			     " \"content_version\": 1, \"records\": [{\"template\": 291, \"fields\": [");
	for (i = 0; i < 21; i++)
		n += (size_t)snprintf(json + n, sizeof(json) - n, "%s{\"string\": \"x\"}", i ? ", " : "");
	snprintf(json + n, sizeof(json) - n, "]}]}");
	assert_int_equal(build(json, &buf, &len, &msg), 0);
	assert_int_equal(bh_content_validate(buf, len, NULL, 0, &c, &e), 0);
	assert_int_equal(bh_content_validate(buf, len, &fx_schema, 0, &c, &e), -EBADMSG);
	assert_int_equal(e.code, BH_E_FIELD_COUNT);
	assert_string_equal(e.msg, "record 0 (template 'channel-291') at byte 160: 21 fields, schema declares 20");
}

#define TOP(records) \
	"{\"extension\": \"e\", \"schema\": \"s\", \"schema_version\": 1, \"content_version\": 1, \"records\": " records "}"

static void refuses_bad_sources_with_json_path(void **state)
{
	(void)state;
	refused("[1]", "top level must be an object");
	refused("{\"extension\": \"e\"}", "'schema' must be a name");
	refused(TOP("{}"), "'records' must be an array");
	refused(TOP("[{\"template\": 1}]"), "records[0]: 'fields' must be an array");
	refused(TOP("[{\"template\": 70000, \"fields\": []}]"), "records[0]: 'template' must be an integer id");
	refused(TOP("[{\"template\": 1, \"fields\": [], \"x\": 1}]"), "records[0]: unknown key 'x'");
	refused(TOP("[{\"template\": 1, \"fields\": [{\"u32\": 1, \"u64\": 2}]}]"),
		"records[0].fields[0]: expected one of");
	refused(TOP("[{\"template\": 1, \"fields\": [{\"u32\": \"1\"}]}]"),
		"records[0].fields[0]: u32 needs an integer");
	refused(TOP("[{\"template\": 1, \"fields\": [{\"u32\": 1.5}]}]"),
		"records[0].fields[0]: u32 needs an integer");
	refused(TOP("[{\"template\": 1, \"fields\": [{\"string\": 5}]}]"),
		"records[0].fields[0]: string needs a JSON string");
	refused(TOP("[{\"template\": 1, \"fields\": [{\"bytes\": \"abc\"}]}]"),
		"even number of hex digits");
	refused(TOP("[{\"template\": 1, \"fields\": [{\"bytes\": \"AB\"}]}]"),
		"'AB' at position 0 is not lowercase hex");
	refused(TOP("[{\"template\": 1, \"fields\": [{\"string\": \"\\u0000\"}]}]"),
		"string malformed at byte 0 (NUL)");
}

static void refuses_invalid_json_with_line(void **state)
{
	(void)state;
	refused("{\n\"a\": 1,\n\"b\": }", "source s.json: line 3: invalid JSON");
	refused("{\"a\": 1} x", "source s.json: line 1: invalid JSON");
	refused("{\"a\": 1,}", "invalid JSON");		/* strict: no trailing comma */
	refused("", "invalid JSON");
}

/* json-c would clamp these to 2^64 - 1 without a word */
static void refuses_integers_beyond_u64(void **state)
{
	uint8_t *buf = NULL;
	size_t len;
	struct bulkhead_msg msg;

	(void)state;
	refused(TOP("[{\"template\": 1, \"fields\": [{\"u64\": 18446744073709551616}]}]"),
		"source s.json: line 1: integer larger than 18446744073709551615");
	refused("{\"content_version\":\n 100000000000000000000}", "line 2: integer larger than");
	/* the largest value, digits inside strings, and doubles are not overflows */
	assert_int_equal(build(TOP("[{\"template\": 1, \"fields\": [{\"u64\": 18446744073709551615},"
				   " {\"string\": \"99999999999999999999999 \\\" 1e999999999999999999999\"}]}]"),
			       &buf, &len, &msg), 0);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builds_content_the_schema_accepts),
		cmocka_unit_test(dump_then_build_is_byte_identical),
		cmocka_unit_test(builds_21_field_record_that_schema_refuses),
		cmocka_unit_test(refuses_bad_sources_with_json_path),
		cmocka_unit_test(refuses_invalid_json_with_line),
		cmocka_unit_test(refuses_integers_beyond_u64),
	};

	return cmocka_run_group_tests_name("content_json", tests, NULL, NULL);
}
