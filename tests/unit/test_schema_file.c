// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_schema_file.c - the schema text format as userspace reads it:
 * canonical text parses back to the same table the kernel prints from,
 * and every kind of bad file is refused with its line and reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"
#include "schema_file.h"

static struct bulkhead_schema *parse_ok(const char *text)
{
	struct bulkhead_schema *s = NULL;
	struct bulkhead_msg msg = {};

	if (bulkhead_schema_parse(text, "test", &s, &msg))
		fail_msg("unexpected refusal: %s", msg.text);
	return s;
}

static void parse_refused(const char *text, const char *want)
{
	struct bulkhead_schema *s = NULL;
	struct bulkhead_msg msg = {};

	assert_int_equal(bulkhead_schema_parse(text, "t.schema", &s, &msg), -EINVAL);
	assert_null(s);
	if (!strstr(msg.text, want))
		fail_msg("message '%s' lacks '%s'", msg.text, want);
}

/* what the shim prints for a static table parses back to the same text */
static void kernel_text_round_trips(void **state)
{
	_cleanup_free_ char *text = bulkhead_schema_text(&fx_schema), *again = NULL;
	_cleanup_schema_ struct bulkhead_schema *s = NULL;

	(void)state;
	assert_non_null(text);
	s = parse_ok(text);
	assert_string_equal(s->s.extension, FX_EXTENSION);
	assert_int_equal(s->s.version, FX_SCHEMA_VER);
	assert_int_equal(s->s.nr_templates, fx_schema.nr_templates);
	assert_int_equal(bh_schema_template(&s->s, FX_T_CHANNEL)->nr_fields,
			 FX_CHANNEL_FIELDS);
	again = bulkhead_schema_text(&s->s);
	assert_string_equal(text, again);
}

static void accepts_comments_blank_lines_and_spacing(void **state)
{
	_cleanup_schema_ struct bulkhead_schema *s = NULL;
	const struct bh_template_spec *t;

	(void)state;
	s = parse_ok("; vendor schema\n\n[schema]\nextension=bh_x\nname =   s \nversion = 7\n"
		     "# rules\n[template rule]\nid = 9\nfield = path   string 1 4095\n"
		     "field = when u64 0 18446744073709551615\n");
	t = bh_schema_template(&s->s, 9);
	assert_non_null(t);
	assert_int_equal(t->nr_fields, 2);
	assert_int_equal(t->fields[0].type, BH_FT_STRING);
	assert_int_equal(t->fields[0].max, 4095);
	assert_true(t->fields[1].max == UINT64_MAX);
}

static void accepts_template_without_fields(void **state)
{
	_cleanup_schema_ struct bulkhead_schema *s = NULL;

	(void)state;
	s = parse_ok("[schema]\nextension = e\nname = s\nversion = 1\n[template empty]\nid = 3\n");
	assert_int_equal(bh_schema_template(&s->s, 3)->nr_fields, 0);
}

#define HEAD "[schema]\nextension = e\nname = s\nversion = 1\n"

static void refuses_unknown_type_with_line(void **state)
{
	(void)state;
	parse_refused(HEAD "[template t]\nid = 1\nfield = a u16 0 1\n",
		      "schema t.schema: line 7: template 't' field 0 ('a'): unknown type 'u16'");
}

static void refuses_field_line_with_wrong_arity(void **state)
{
	(void)state;
	parse_refused(HEAD "[template t]\nid = 1\nfield = a u32 0\n",
		      "line 7: template 't' field 0: expected 'NAME TYPE MIN MAX'");
	parse_refused(HEAD "[template t]\nid = 1\nfield = a u32 0 1 2\n",
		      "expected 'NAME TYPE MIN MAX'");
}

static void refuses_non_decimal_bounds(void **state)
{
	(void)state;
	parse_refused(HEAD "[template t]\nid = 1\nfield = a u32 0x10 20\n",
		      "are not decimal unsigned integers");
	parse_refused(HEAD "[template t]\nid = 1\nfield = a u32 -1 20\n",
		      "are not decimal unsigned integers");
	parse_refused(HEAD "[template t]\nid = 1\nfield = a u64 0 18446744073709551616\n",
		      "are not decimal unsigned integers");
}

static void refuses_bounds_beyond_type(void **state)
{
	(void)state;
	parse_refused(HEAD "[template t]\nid = 1\nfield = a u32 0 4294967296\n",
		      "bounds [0, 4294967296] invalid for u32");
	parse_refused(HEAD "[template t]\nid = 1\nfield = s string 0 65536\n",
		      "invalid for string");
}

static void refuses_template_without_id(void **state)
{
	(void)state;
	parse_refused(HEAD "[template t]\nfield = a u32 0 1\n[template u]\nid = 2\n",
		      "template 't': no 'id'");
	parse_refused(HEAD "[template t]\nfield = a u32 0 1\n", "template 't': no 'id'");
}

static void refuses_duplicates(void **state)
{
	(void)state;
	parse_refused(HEAD "[template t]\nid = 1\n[template u]\nid = 1\n", "share id 1");
	parse_refused(HEAD "[template t]\nid = 1\n[template u]\nid = 2\n[template t]\nid = 3\n",
		      "template 't' declared twice");
	parse_refused(HEAD "[template t]\nid = 1\nid = 2\n", "'id' given twice");
	parse_refused(HEAD "version = 2\n", "'version' given twice");
	parse_refused(HEAD "[template t]\nid = 1\n[schema]\nname = x\n",
		      "section [schema] given twice");
}

static void refuses_unknown_sections_and_keys(void **state)
{
	(void)state;
	parse_refused(HEAD "[rules]\nx = 1\n", "line 6: unknown section [rules]");
	parse_refused(HEAD "[template t]\nid = 1\ncolour = red\n", "unknown key 'colour'");
	parse_refused("[schema]\nextension = e\nname = s\nversion = 1\nowner = me\n",
		      "line 5: unknown key 'owner' in [schema]");
}

static void refuses_bad_names(void **state)
{
	(void)state;
	parse_refused("[schema]\nextension = bad name\nname = s\nversion = 1\n",
		      "extension 'bad name'");
	parse_refused(HEAD "[template a/b]\nid = 1\n", "template name 'a/b'");
	parse_refused(HEAD "[template t]\nid = 1\nfield = 0123456789012345678901234567890123 u32 0 1\n",
		      "invalid name");
}

/* inih reports keys, not headers: these used to vanish or merge silently */
static void refuses_section_without_keys(void **state)
{
	(void)state;
	parse_refused(HEAD "[template t]\nid = 1\n[template empty]\n",
		      "schema t.schema: line 7: section at line 7 has no keys");
	parse_refused(HEAD "[template empty]\n[template t]\nid = 1\n",
		      "line 5: section at line 5 has no keys");
	parse_refused("[schema]\n[schema]\nextension = e\n", "line 1: section at line 1 has no keys");
}

static void refuses_same_template_twice_in_a_row(void **state)
{
	(void)state;
	parse_refused(HEAD "[template t]\nid = 1\nfield = a u32 0 1\n[template t]\nfield = b u32 0 1\n",
		      "line 9: template 't' declared twice");
	parse_refused(HEAD "[schema]\nname = x\n", "section [schema] given twice");
}

static void refuses_missing_schema_section(void **state)
{
	(void)state;
	parse_refused("[template t]\nid = 1\n", "[schema] needs extension, name and version");
	parse_refused("", "[schema] needs extension, name and version");
	parse_refused(HEAD, "declares no templates");
}

static void refuses_non_ini_line(void **state)
{
	(void)state;
	parse_refused(HEAD "this is not ini\n", "line 5:");
}

static void load_names_missing_file(void **state)
{
	struct bulkhead_schema *s = NULL;
	struct bulkhead_msg msg;

	(void)state;
	assert_int_equal(bulkhead_schema_load("/nonexistent/x.schema", &s, &msg), -ENOENT);
	assert_null(s);
	assert_string_equal(msg.text, "schema /nonexistent/x.schema: cannot open: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kernel_text_round_trips),
		cmocka_unit_test(accepts_comments_blank_lines_and_spacing),
		cmocka_unit_test(accepts_template_without_fields),
		cmocka_unit_test(refuses_unknown_type_with_line),
		cmocka_unit_test(refuses_field_line_with_wrong_arity),
		cmocka_unit_test(refuses_non_decimal_bounds),
		cmocka_unit_test(refuses_bounds_beyond_type),
		cmocka_unit_test(refuses_template_without_id),
		cmocka_unit_test(refuses_duplicates),
		cmocka_unit_test(refuses_unknown_sections_and_keys),
		cmocka_unit_test(refuses_bad_names),
		cmocka_unit_test(refuses_section_without_keys),
		cmocka_unit_test(refuses_same_template_twice_in_a_row),
		cmocka_unit_test(refuses_missing_schema_section),
		cmocka_unit_test(refuses_non_ini_line),
		cmocka_unit_test(load_names_missing_file),
	};

	return cmocka_run_group_tests_name("schema_file", tests, NULL, NULL);
}
