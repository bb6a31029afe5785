// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_cmdline.c - the kernel command line as the boot guard reads it
 * (bg_cmdline_parse() in boot-guard/config.c): bulkhead.safe_mode read as
 * the kernel reads a bool parameter (kstrtobool, a bare name is on),
 * bulkhead.disable= with each bad name skipped on its own and everything
 * else on the line still applied, the kernel's double quotes (next_arg():
 * around the value or around the whole param=value), "--" ending the
 * kernel's part of the line, and a warning for everything ignored that
 * names the parameter, the value and why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "testutil.h"

/* a parse whose result the tests look at; freed by the teardown */
static struct bg_cmdline *parse(const char *text)
{
	struct bg_cmdline *c = own(malloc(sizeof(*c)));

	/* every field must be written, not left from before */
	memset(c, 0x5a, sizeof(*c));
	bg_cmdline_parse(text, c);
	return c;
}

static void assert_no_warnings(const struct bg_cmdline *c, const char *text)
{
	if (c->nr_warnings)
		fail_msg("'%s': %u warning(s), the first: %s", text, c->nr_warnings,
			 c->warnings[0].text);
}

/* warning @i exists and holds each of the NULL-terminated strings */
static void assert_warning(const struct bg_cmdline *c, uint32_t i, ...)
{
	const char *want;
	va_list ap;

	if (i >= c->nr_warnings || i >= BG_CMDLINE_MAX_WARNINGS)
		fail_msg("warning %u: only %u", i, c->nr_warnings);
	va_start(ap, i);
	while ((want = va_arg(ap, const char *)))
		assert_contains(c->warnings[i].text, want);
	va_end(ap);
}

static void assert_disable(const struct bg_cmdline *c, uint32_t n, ...)
{
	va_list ap;
	uint32_t i;

	if (c->nr_disable != n) {
		fail_msg("%u names to disable, expected %u (the first: '%s')", c->nr_disable, n,
			 c->nr_disable ? c->disable[0] : "");
	}
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_string_equal(c->disable[i], va_arg(ap, const char *));
	va_end(ap);
}

static int teardown(void **state)
{
	(void)state;
	free_owned();
	return 0;
}

/* ======================================================================== */
/* bulkhead.safe_mode                                                       */
/* ======================================================================== */

/* what the kernel's kstrtobool() takes, so that the guard and the shim agree */
static const struct {
	const char *value;
	bool on;
} bools[] = {
	{ "1", true }, { "y", true }, { "Y", true }, { "yes", true }, { "YES", true },
	{ "t", true }, { "T", true }, { "true", true }, { "True", true },
	{ "on", true }, { "ON", true }, { "oN", true },
	{ "0", false }, { "n", false }, { "N", false }, { "no", false }, { "No", false },
	{ "f", false }, { "F", false }, { "false", false }, { "FALSE", false },
	{ "off", false }, { "OFF", false }, { "Off", false },
};

static void safe_mode_reads_every_kernel_boolean(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bools); i++) {
		/* both ways round: a value that is ignored would keep the other */
		char *on_first = fmt("quiet bulkhead.safe_mode=1 bulkhead.safe_mode=%s ro",
				     bools[i].value);
		char *off_first = fmt("quiet bulkhead.safe_mode=0 bulkhead.safe_mode=%s ro",
				      bools[i].value);
		struct bg_cmdline *a = parse(on_first), *b = parse(off_first);

		if (a->safe_mode != bools[i].on || b->safe_mode != bools[i].on)
			fail_msg("bulkhead.safe_mode=%s: read as %s/%s, expected %s", bools[i].value,
				 a->safe_mode ? "on" : "off", b->safe_mode ? "on" : "off",
				 bools[i].on ? "on" : "off");
		assert_no_warnings(a, on_first);
		assert_no_warnings(b, off_first);
		assert_disable(a, 0);
	}
}

/* the case: "off" turned safe mode on */
static void safe_mode_off_is_off(void **state)
{
	struct bg_cmdline *c = parse("root=/dev/vda bulkhead.safe_mode=off\n");

	(void)state;
	assert_false(c->safe_mode);
	assert_no_warnings(c, "bulkhead.safe_mode=off");
}

/* kstrtobool() looks at the first character only, or two after an 'o' */
static void safe_mode_reads_values_as_kstrtobool_does(void **state)
{
	(void)state;
	assert_true(parse("bulkhead.safe_mode=yup")->safe_mode);
	assert_true(parse("bulkhead.safe_mode=onwards")->safe_mode);
	assert_false(parse("bulkhead.safe_mode=1 bulkhead.safe_mode=of")->safe_mode);
	assert_false(parse("bulkhead.safe_mode=1 bulkhead.safe_mode=nope")->safe_mode);
}

/* like any kernel bool parameter: the name alone means on */
static void safe_mode_without_value_is_on(void **state)
{
	struct bg_cmdline *c = parse("quiet bulkhead.safe_mode splash");

	(void)state;
	assert_true(c->safe_mode);
	assert_no_warnings(c, "bulkhead.safe_mode");
	assert_true(parse("bulkhead.safe_mode")->safe_mode);
}

/* the kernel sets a parameter given twice twice: the last one counts */
static void safe_mode_given_twice_the_last_counts(void **state)
{
	(void)state;
	assert_false(parse("bulkhead.safe_mode=1 bulkhead.safe_mode=0")->safe_mode);
	assert_true(parse("bulkhead.safe_mode=0 bulkhead.safe_mode")->safe_mode);
	assert_false(parse("quiet")->safe_mode);
	assert_false(parse("")->safe_mode);
}

static void safe_mode_unknown_value_is_ignored_with_a_warning(void **state)
{
	static const char *const bad[] = { "2", "maybe", "-1", "o", "x", "enable", "" };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct bg_cmdline *off = parse(fmt("bulkhead.safe_mode=%s", bad[i]));
		struct bg_cmdline *on = parse(fmt("bulkhead.safe_mode=1 bulkhead.safe_mode=%s",
						  bad[i]));

		if (off->safe_mode || !on->safe_mode)
			fail_msg("bulkhead.safe_mode=%s was not ignored", bad[i]);
		assert_int_equal(off->nr_warnings, 1);
		assert_warning(off, 0, "kernel command line: ", "bulkhead.safe_mode",
			       fmt("'%s'", bad[i]), "not a boolean", "ignored", NULL);
		assert_int_equal(on->nr_warnings, 1);
	}
	assert_string_equal(parse("bulkhead.safe_mode=maybe")->warnings[0].text,
			    "kernel command line: bulkhead.safe_mode: value 'maybe' is not a boolean "
			    "(on: 1 y yes t true on, off: 0 n no f false off): ignored");
}

/* '-' and '_' are one character in a kernel parameter's name (parameq()) */
static void parameter_names_take_dash_for_underscore(void **state)
{
	struct bg_cmdline *c = parse("bulkhead.safe-mode=1 bulkhead.disable=bh_a");

	(void)state;
	assert_true(c->safe_mode);
	assert_disable(c, 1, "bh_a");
	assert_no_warnings(c, "bulkhead.safe-mode=1");
}

/* ======================================================================== */
/* bulkhead.disable                                                         */
/* ======================================================================== */

static void disable_takes_names_as_given(void **state)
{
	struct bg_cmdline *c = parse("quiet bulkhead.disable=bh_a,bh-b,vendor.mod,X9 ro");

	(void)state;
	assert_false(c->safe_mode);
	assert_disable(c, 4, "bh_a", "bh-b", "vendor.mod", "X9");
	assert_no_warnings(c, "bulkhead.disable=bh_a,bh-b,vendor.mod,X9");
}

/* given more than once, the lists add up; a name is listed once ('-' and '_' alike) */
static void disable_lists_add_up_each_name_once(void **state)
{
	struct bg_cmdline *c = parse("bulkhead.disable=bh_a,bh-b bulkhead.disable=bh_c,bh_b,bh-a");

	(void)state;
	assert_disable(c, 3, "bh_a", "bh-b", "bh_c");
	assert_no_warnings(c, "two lists");
}

/* the case: one long name threw away the whole line */
static void disable_skips_an_overlong_name_and_keeps_the_rest(void **state)
{
	char *line = fmt("bulkhead.safe_mode=1 bulkhead.disable=bh_a,%s,bh_b",
			 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	struct bg_cmdline *c = parse(line);

	(void)state;
	assert_true(c->safe_mode);
	assert_disable(c, 2, "bh_a", "bh_b");
	assert_int_equal(c->nr_warnings, 1);
	assert_string_equal(c->warnings[0].text,
			    "kernel command line: bulkhead.disable: name "
			    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (40 characters) longer than 31: skipped");
}

static void disable_takes_a_name_of_31_characters(void **state)
{
	struct bg_cmdline *c = parse("bulkhead.disable=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");

	(void)state;
	assert_disable(c, 1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_no_warnings(c, "31 characters");
}

static void disable_skips_invalid_characters_naming_the_first(void **state)
{
	struct bg_cmdline *c = parse("bulkhead.disable=bh_a,bh/x,b\"c\"d,bh_b,a+b bulkhead.safe_mode");

	(void)state;
	assert_true(c->safe_mode);
	assert_disable(c, 2, "bh_a", "bh_b");
	assert_int_equal(c->nr_warnings, 3);
	assert_string_equal(c->warnings[0].text,
			    "kernel command line: bulkhead.disable: name 'bh/x': character '/' "
			    "is not one of A-Z a-z 0-9 _ . -: skipped");
	assert_warning(c, 1, "name 'b\"c\"d'", "character '\"'", "skipped", NULL);
	assert_warning(c, 2, "name 'a+b'", "character '+'", "skipped", NULL);
}

/* a byte that would break the log line is shown escaped */
static void disable_shows_unprintable_bytes_escaped(void **state)
{
	struct bg_cmdline *c = parse("bulkhead.disable=\"bh\na,bh_b\x01\"");

	(void)state;
	assert_int_equal(c->nr_disable, 0);
	assert_int_equal(c->nr_warnings, 2);
	assert_warning(c, 0, "name 'bh\\x0aa'", "character '\\x0a'", NULL);
	assert_warning(c, 1, "name 'bh_b\\x01'", "character '\\x01'", NULL);
	assert_null(strchr(c->warnings[0].text, '\n'));
}

static void disable_skips_names_over_the_cap(void **state)
{
	char *list = fmt("bh_0");
	struct bg_cmdline *c;
	unsigned int i;

	(void)state;
	for (i = 1; i < BG_CMDLINE_MAX_DISABLE + 2; i++)
		list = fmt("%s,bh_%u", list, i);
	c = parse(fmt("bulkhead.disable=%s bulkhead.safe_mode=yes", list));
	assert_true(c->safe_mode);
	assert_int_equal(c->nr_disable, BG_CMDLINE_MAX_DISABLE);
	assert_string_equal(c->disable[BG_CMDLINE_MAX_DISABLE - 1],
			    fmt("bh_%d", BG_CMDLINE_MAX_DISABLE - 1));
	assert_int_equal(c->nr_warnings, 2);
	assert_string_equal(c->warnings[0].text,
			    fmt("kernel command line: bulkhead.disable: name 'bh_%d': more than %d names: skipped",
				BG_CMDLINE_MAX_DISABLE, BG_CMDLINE_MAX_DISABLE));
	assert_warning(c, 1, fmt("'bh_%d'", BG_CMDLINE_MAX_DISABLE + 1), NULL);
}

static void disable_skips_empty_names(void **state)
{
	struct bg_cmdline *c = parse("bulkhead.disable=,bh_a,,bh_b,");

	(void)state;
	assert_disable(c, 2, "bh_a", "bh_b");
	assert_int_equal(c->nr_warnings, 3);
	assert_warning(c, 0, "bulkhead.disable", "empty name", "skipped", NULL);
}

static void disable_without_names_is_ignored_with_a_warning(void **state)
{
	struct bg_cmdline *c = parse("bulkhead.disable bulkhead.disable= bulkhead.disable=\"\" x");

	(void)state;
	assert_false(c->safe_mode);
	assert_disable(c, 0);
	assert_int_equal(c->nr_warnings, 3);
	assert_warning(c, 0, "kernel command line: bulkhead.disable: no value", "ignored", NULL);
	assert_warning(c, 1, "kernel command line: bulkhead.disable: empty value", "ignored", NULL);
	assert_warning(c, 2, "kernel command line: bulkhead.disable: empty value", "ignored", NULL);
}

/* warnings past the kept ones are still counted */
static void warnings_are_counted_past_the_kept_ones(void **state)
{
	char *line = fmt("bulkhead.disable=a/0");
	struct bg_cmdline *c;
	unsigned int i;

	(void)state;
	for (i = 1; i < BG_CMDLINE_MAX_WARNINGS + 3; i++)
		line = fmt("%s,a/%u", line, i);
	c = parse(fmt("%s,bh_ok", line));
	assert_disable(c, 1, "bh_ok");
	assert_int_equal(c->nr_warnings, BG_CMDLINE_MAX_WARNINGS + 3);
	assert_warning(c, BG_CMDLINE_MAX_WARNINGS - 1,
		       fmt("'a/%d'", BG_CMDLINE_MAX_WARNINGS - 1), NULL);
}

/* ======================================================================== */
/* the kernel's quoting and word splitting (next_arg(), parse_args())       */
/* ======================================================================== */

/* the case: the quotes went into boot.json */
static void quoted_value_loses_its_quotes(void **state)
{
	struct bg_cmdline *c = parse("quiet bulkhead.disable=\"bh_x\" ro");

	(void)state;
	assert_disable(c, 1, "bh_x");
	assert_no_warnings(c, "bulkhead.disable=\"bh_x\"");
	assert_false(parse("bulkhead.safe_mode=1 bulkhead.safe_mode=\"off\"")->safe_mode);
}

static void quotes_around_the_whole_parameter_are_stripped(void **state)
{
	struct bg_cmdline *c = parse("\"bulkhead.disable=bh_x,bh_y\" \"bulkhead.safe_mode=on\"");

	(void)state;
	assert_true(c->safe_mode);
	assert_disable(c, 2, "bh_x", "bh_y");
	assert_no_warnings(c, "whole parameter quoted");
	assert_true(parse("\"bulkhead.safe_mode\"")->safe_mode);
}

/* a quoted value may hold spaces: they are part of the value, not a split */
static void quoted_spaces_stay_in_the_value(void **state)
{
	struct bg_cmdline *c = parse("bulkhead.disable=\"bh_x,bh y\" bulkhead.safe_mode=1");
	struct bg_cmdline *d = parse("foo=\"a bulkhead.safe_mode=1 bulkhead.disable=bh_z\" quiet");

	(void)state;
	assert_true(c->safe_mode);
	assert_disable(c, 1, "bh_x");
	assert_int_equal(c->nr_warnings, 1);
	assert_warning(c, 0, "name 'bh y'", "character ' '", "skipped", NULL);
	/* inside another parameter's quoted value: not a parameter at all */
	assert_false(d->safe_mode);
	assert_disable(d, 0);
	assert_no_warnings(d, "foo=\"...\"");
}

static void unterminated_quote_runs_to_the_end_of_the_line(void **state)
{
	struct bg_cmdline *c = parse("bulkhead.disable=\"bh_x,bh_y bulkhead.safe_mode=1");

	(void)state;
	/* the kernel reads one value "bh_x,bh_y bulkhead.safe_mode=1" */
	assert_false(c->safe_mode);
	assert_disable(c, 1, "bh_x");
	assert_int_equal(c->nr_warnings, 1);
	assert_warning(c, 0, "'bh_y bulkhead.safe_mode=1'", "skipped", NULL);
}

static void words_split_at_any_kernel_whitespace(void **state)
{
	struct bg_cmdline *c = parse("\tbulkhead.safe_mode=1\vquiet\r\fbulkhead.disable=bh_a\xa0"
				     "bulkhead.disable=bh_b  \n");

	(void)state;
	assert_true(c->safe_mode);
	assert_disable(c, 2, "bh_a", "bh_b");
	assert_no_warnings(c, "whitespace");
}

/* what follows "--" is for init, not the kernel */
static void double_dash_ends_the_kernel_parameters(void **state)
{
	struct bg_cmdline *c = parse("bulkhead.disable=bh_a -- bulkhead.safe_mode=1 bulkhead.disable=bh_b");

	(void)state;
	assert_false(c->safe_mode);
	assert_disable(c, 1, "bh_a");
	assert_false(parse("root=/dev/vda \"--\" bulkhead.safe_mode")->safe_mode);
	/* "--x" or "--=1" is no end marker */
	assert_true(parse("--x --=1 bulkhead.safe_mode")->safe_mode);
}

static void other_parameters_are_not_ours(void **state)
{
	struct bg_cmdline *c = parse("xbulkhead.safe_mode=1 bulkheadx.disable=a bulkhead.=1 "
				     "safe_mode=1 disable=bh_a bulkhead=1 bulkhead.dyndbg=+p "
				     "bulkhead.async_probe");

	(void)state;
	assert_false(c->safe_mode);
	assert_disable(c, 0);
	assert_no_warnings(c, "other parameters");
}

/* a typo in one of ours is worth a word: the shim would ignore it too */
static void unknown_bulkhead_parameter_is_ignored_with_a_warning(void **state)
{
	struct bg_cmdline *c = parse("bulkhead.safemode=1 bulkhead.disabled=bh_a bulkhead.safe_mode_x=1");

	(void)state;
	assert_false(c->safe_mode);
	assert_disable(c, 0);
	assert_int_equal(c->nr_warnings, 3);
	assert_string_equal(c->warnings[0].text,
			    "kernel command line: bulkhead.safemode: unknown parameter "
			    "(bulkhead.safe_mode and bulkhead.disable are): ignored");
	assert_warning(c, 1, "bulkhead.disabled", "unknown parameter", NULL);
	assert_warning(c, 2, "bulkhead.safe_mode_x", "unknown parameter", NULL);
}

/* a value too long to show whole is cut, the message stays one line */
static void long_values_are_shown_cut(void **state)
{
	char *v = own(malloc(5001));
	struct bg_cmdline *c;

	(void)state;
	memset(v, 'q', 5000);
	v[5000] = '\0';
	c = parse(fmt("bulkhead.safe_mode=%s", v));
	assert_false(c->safe_mode);
	assert_int_equal(c->nr_warnings, 1);
	assert_warning(c, 0, "...'", "not a boolean", NULL);
	assert_true(strlen(c->warnings[0].text) < 200);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T(safe_mode_reads_every_kernel_boolean),
		T(safe_mode_off_is_off),
		T(safe_mode_reads_values_as_kstrtobool_does),
		T(safe_mode_without_value_is_on),
		T(safe_mode_given_twice_the_last_counts),
		T(safe_mode_unknown_value_is_ignored_with_a_warning),
		T(parameter_names_take_dash_for_underscore),
		T(disable_takes_names_as_given),
		T(disable_lists_add_up_each_name_once),
		T(disable_skips_an_overlong_name_and_keeps_the_rest),
		T(disable_takes_a_name_of_31_characters),
		T(disable_skips_invalid_characters_naming_the_first),
		T(disable_shows_unprintable_bytes_escaped),
		T(disable_skips_names_over_the_cap),
		T(disable_skips_empty_names),
		T(disable_without_names_is_ignored_with_a_warning),
		T(warnings_are_counted_past_the_kept_ones),
		T(quoted_value_loses_its_quotes),
		T(quotes_around_the_whole_parameter_are_stripped),
		T(quoted_spaces_stay_in_the_value),
		T(unterminated_quote_runs_to_the_end_of_the_line),
		T(words_split_at_any_kernel_whitespace),
		T(double_dash_ends_the_kernel_parameters),
		T(other_parameters_are_not_ours),
		T(unknown_bulkhead_parameter_is_ignored_with_a_warning),
		T(long_values_are_shown_cut),
	};

	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
