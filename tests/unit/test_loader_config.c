// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_loader_config.c - extensions.d as the loader reads it: which files
 * count and in which order, the defaults, and every way a file is refused
 * (as a whole, with its path, line and reason) while the others still load.
 *
 * Each test writes its .conf files into a fresh mkdtemp() directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extconf.h"
#include "testutil.h"

#define STATE_DIR "/var/lib/bulkhead"

#define GOOD_A "[extension]\nname = bh_a\n"
#define GOOD_B "[extension]\nname = bh_b\n"

struct fx {
	char root[32];
	struct bl_config cfg;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->root, "/tmp/bl-config-XXXXXX");
	if (!mkdtemp(f->root)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	bl_config_free(&f->cfg);
	rm_tree(f->root);
	free(f);
	return 0;
}

static void put_bytes(struct fx *f, const char *name, const void *data,
		      size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", f->root, name);
	/* 0666 less the umask, as fopen() creates files */
	put_file_mode(path, data, len, 0666);
}

static void put(struct fx *f, const char *name, const char *text)
{
	put_bytes(f, name, text, strlen(text));
}

static void load(struct fx *f)
{
	assert_int_equal(bl_config_load_dir(f->root, STATE_DIR, &f->cfg), 0);
}

/* errors[i] is "config ROOT/FILE: REASON" */
static void assert_error(struct fx *f, uint32_t i, const char *file,
			 const char *reason)
{
	char want[BULKHEAD_MSG_LEN];

	assert_true(i < f->cfg.nr_errors);
	snprintf(want, sizeof(want), "config %s/%s: %s", f->root, file, reason);
	assert_string_equal(f->cfg.errors[i].text, want);
}

/* @text, alone in the directory, is refused with @reason */
static void assert_refused(struct fx *f, const char *text, const char *reason)
{
	put(f, "50-x.conf", text);
	load(f);
	assert_int_equal(f->cfg.nr_ext, 0);
	assert_int_equal(f->cfg.nr_errors, 1);
	assert_error(f, 0, "50-x.conf", reason);
}

/* ---- what is read, and how ------------------------------------------- */

static void loads_full_file_with_every_key(void **state)
{
	struct fx *f = *state;
	const struct bl_ext_config *e;
	char origin[64];

	put(f, "50-x.conf",
	    "[extension]\n"
	    "name = vendor_av-2\n"
	    "module = vendor_av_2\n"
	    "required = yes\n"
	    "registers = no\n"
	    "content_dir = /srv/content/vendor\n"
	    "content_link = /opt/vendor/rules.bin\n"
	    "schema = /etc/bulkhead/schema/vendor.schema\n"
	    "params = max_rules=64 mode=strict\n");
	load(f);
	assert_int_equal(f->cfg.nr_errors, 0);
	assert_int_equal(f->cfg.nr_ext, 1);
	e = &f->cfg.ext[0];
	assert_string_equal(e->name, "vendor_av-2");
	assert_string_equal(e->module, "vendor_av_2");
	assert_true(e->required);
	assert_false(e->registers);
	assert_string_equal(e->content_dir, "/srv/content/vendor");
	assert_string_equal(e->content_link, "/opt/vendor/rules.bin");
	assert_string_equal(e->schema, "/etc/bulkhead/schema/vendor.schema");
	assert_string_equal(e->params, "max_rules=64 mode=strict");
	snprintf(origin, sizeof(origin), "%s/50-x.conf", f->root);
	assert_string_equal(e->origin, origin);
}

static void fills_in_defaults(void **state)
{
	struct fx *f = *state;
	const struct bl_ext_config *e;

	put(f, "50-x.conf", "[extension]\nname = bh_execwatch\n");
	load(f);
	assert_int_equal(f->cfg.nr_errors, 0);
	assert_int_equal(f->cfg.nr_ext, 1);
	e = &f->cfg.ext[0];
	assert_string_equal(e->module, "bh_execwatch");
	assert_false(e->required);
	assert_true(e->registers);
	assert_string_equal(e->content_dir, STATE_DIR "/content/bh_execwatch");
	assert_null(e->content_link);
	assert_null(e->schema);
	assert_null(e->params);
}

static void default_content_dir_has_no_doubled_slash(void **state)
{
	struct fx *f = *state;

	put(f, "50-x.conf", GOOD_A);
	assert_int_equal(bl_config_load_dir(f->root, "/run/bh/", &f->cfg), 0);
	assert_int_equal(f->cfg.nr_ext, 1);
	assert_string_equal(f->cfg.ext[0].content_dir, "/run/bh/content/bh_a");
}

static void accepts_every_boolean_spelling(void **state)
{
	static const struct {
		const char *word;
		bool value;
	} words[] = {
		{ "yes", true }, { "true", true }, { "1", true },
		{ "no", false }, { "false", false }, { "0", false },
	};
	struct fx *f = *state;
	char name[32], text[128];
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		snprintf(name, sizeof(name), "%02zu.conf", i);
		snprintf(text, sizeof(text), "[extension]\nname = e%zu\nrequired = %s\n",
			 i, words[i].word);
		put(f, name, text);
	}
	load(f);
	assert_int_equal(f->cfg.nr_errors, 0);
	assert_int_equal(f->cfg.nr_ext, sizeof(words) / sizeof(words[0]));
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		assert_int_equal(f->cfg.ext[i].required, words[i].value);
}

static void accepts_comments_blank_lines_and_spacing(void **state)
{
	struct fx *f = *state;
	const struct bl_ext_config *e;

	put(f, "50-x.conf",
	    "\xef\xbb\xbf; vendor extension\n"
	    "\n"
	    "# the one section\n"
	    "[extension]\n"
	    "name=bh_x\n"
	    "module   =   mod_x   \n"
	    "\t; an indented comment is still a comment\n"
	    "params = a=1 ; an inline comment\r\n");
	load(f);
	assert_int_equal(f->cfg.nr_errors, 0);
	assert_int_equal(f->cfg.nr_ext, 1);
	e = &f->cfg.ext[0];
	assert_string_equal(e->name, "bh_x");
	assert_string_equal(e->module, "mod_x");
	assert_string_equal(e->params, "a=1");
}

static void loads_in_file_name_order_not_creation_order(void **state)
{
	struct fx *f = *state;

	/* created backwards; byte order puts upper case first */
	put(f, "20-a.conf", "[extension]\nname = third\n");
	put(f, "10-b.conf", "[extension]\nname = second\n");
	put(f, "10-B.conf", "[extension]\nname = first\n");
	load(f);
	assert_int_equal(f->cfg.nr_errors, 0);
	assert_int_equal(f->cfg.nr_ext, 3);
	assert_string_equal(f->cfg.ext[0].name, "first");
	assert_string_equal(f->cfg.ext[1].name, "second");
	assert_string_equal(f->cfg.ext[2].name, "third");
}

static void ignores_other_names_dot_files_and_directories(void **state)
{
	struct fx *f = *state;
	char path[96];

	put(f, "10-a.conf", GOOD_A);
	put(f, "README", "not a config\n");
	put(f, "20-x.conf.bak", "garbage\n");
	put(f, "20-x.conf~", "garbage\n");
	put(f, "20-xconf", "garbage\n");
	put(f, ".hidden.conf", "garbage\n");
	put(f, ".conf", "garbage\n");
	snprintf(path, sizeof(path), "%s/30-dir.conf", f->root);
	assert_int_equal(mkdir(path, 0755), 0);
	load(f);
	assert_int_equal(f->cfg.nr_errors, 0);
	assert_int_equal(f->cfg.nr_ext, 1);
	assert_string_equal(f->cfg.ext[0].name, "bh_a");
}

static void missing_dir_is_no_extensions_and_no_error(void **state)
{
	struct fx *f = *state;
	char path[96];

	snprintf(path, sizeof(path), "%s/nonexistent", f->root);
	assert_int_equal(bl_config_load_dir(path, STATE_DIR, &f->cfg), 0);
	assert_int_equal(f->cfg.nr_ext, 0);
	assert_int_equal(f->cfg.nr_errors, 0);
}

static void unlistable_dir_is_an_error_with_reason(void **state)
{
	struct fx *f = *state;
	char path[96], want[160];

	put(f, "plain", "a file, not a directory\n");
	snprintf(path, sizeof(path), "%s/plain", f->root);
	assert_int_equal(bl_config_load_dir(path, STATE_DIR, &f->cfg), -ENOTDIR);
	assert_int_equal(f->cfg.nr_ext, 0);
	assert_int_equal(f->cfg.nr_errors, 1);
	snprintf(want, sizeof(want), "extensions.d %s: cannot list: Not a directory", path);
	assert_string_equal(f->cfg.errors[0].text, want);
}

static void zeroes_result_first(void **state)
{
	struct fx *f = *state;

	memset(&f->cfg, 0xa5, sizeof(f->cfg));
	f->cfg.nr_ext = 0;	/* nothing to free in the garbage */
	put(f, "50-x.conf", GOOD_A);
	load(f);
	assert_int_equal(f->cfg.nr_ext, 1);
	assert_int_equal(f->cfg.nr_errors, 0);
	assert_int_equal(f->cfg.ext[1].name[0], 0);
	assert_null(f->cfg.ext[1].content_dir);
}

/* ---- refusals ---------------------------------------------------------- */

static void keeps_good_files_when_one_is_bad(void **state)
{
	struct fx *f = *state;

	put(f, "10-a.conf", GOOD_A);
	put(f, "20-x.conf", "[extension]\nname = bh_x\nmodule = m\nmodle = m\n");
	put(f, "30-b.conf", GOOD_B);
	load(f);
	assert_int_equal(f->cfg.nr_ext, 2);
	assert_string_equal(f->cfg.ext[0].name, "bh_a");
	assert_string_equal(f->cfg.ext[1].name, "bh_b");
	assert_int_equal(f->cfg.nr_errors, 1);
	assert_error(f, 0, "20-x.conf", "line 4: unknown key 'modle' in [extension]");
	assert_null(bl_config_find(&f->cfg, "bh_x"));
}

static void reads_require_signature(void **state)
{
	struct fx *f = *state;

	put(f, "50-x.conf", GOOD_A "require_signature = yes\n");
	load(f);
	assert_int_equal(f->cfg.nr_errors, 0);
	assert_true(f->cfg.ext[0].require_signature);
}

static void refuses_require_signature_for_a_vendor_module(void **state)
{
	assert_refused(*state, "[extension]\nname = bh_x\nregisters = no\nrequire_signature = yes\n",
		       "line 4: require_signature needs registers = yes (the shim never sees a vendor module's content)");
}

/* trust.conf: one key, allow_format1, in [trust]; missing means no */
static void trust_conf_reads_allow_format1_and_refuses_the_rest(void **state)
{
	struct fx *f = *state;
	struct bl_trust_config tc = { 0 };
	struct bulkhead_msg msg;
	char path[64];

	snprintf(path, sizeof(path), "%s/trust.conf", f->root);
	assert_int_equal(bl_trust_config_load(path, &tc, &msg), 0);
	assert_false(tc.allow_format1);
	put(f, "trust.conf", "; the vendor still ships format 1\n[trust]\nallow_format1 = yes\n");
	assert_int_equal(bl_trust_config_load(path, &tc, &msg), 0);
	assert_true(tc.allow_format1);
	put(f, "trust.conf", "[trust]\nallow_format1 = yes\nkeys = /tmp\n");
	assert_int_equal(bl_trust_config_load(path, &tc, &msg), -EINVAL);
	assert_false(tc.allow_format1);
	assert_string_equal(strstr(msg.text, "line 3"), "line 3: unknown key 'keys' (only [trust] allow_format1)");
	put(f, "trust.conf", "[trust]\nallow_format1 = perhaps\n");
	assert_int_equal(bl_trust_config_load(path, &tc, &msg), -EINVAL);
	assert_string_equal(strstr(msg.text, "line 2"), "line 2: allow_format1 'perhaps' is not a boolean (yes, no, true, false, 1, 0)");
	put(f, "trust.conf", "[extension]\nallow_format1 = no\n");
	assert_int_equal(bl_trust_config_load(path, &tc, &msg), -EINVAL);
	assert_contains(msg.text, "unknown section 'extension'");
}

static void refuses_unknown_key_with_file_and_line(void **state)
{
	assert_refused(*state, "[extension]\nname = bh_x\nmodule = m\nmodle = m\n",
		       "line 4: unknown key 'modle' in [extension]");
}

static void refuses_non_boolean(void **state)
{
	assert_refused(*state, "[extension]\nname = bh_x\nrequired = maybe\n",
		       "line 3: required 'maybe' is not a boolean (yes, no, true, false, 1, 0)");
}

static void refuses_bad_extension_name(void **state)
{
	assert_refused(*state, "[extension]\nname = bad name!\n",
		       "line 2: name 'bad name!' is not a valid extension name (1 to 31 of A-Z a-z 0-9 _ . -)");
}

static void refuses_too_long_extension_name(void **state)
{
	assert_refused(*state, "[extension]\nname = a23456789012345678901234567890123\n",
		       "line 2: name 'a23456789012345678901234567890123' is not a valid extension name (1 to 31 of A-Z a-z 0-9 _ . -)");
}

static void refuses_bad_module_name(void **state)
{
	assert_refused(*state, "[extension]\nname = bh_x\nmodule = bh.x\n",
		       "line 3: module 'bh.x' is not a valid module name (1 to 55 of A-Z a-z 0-9 _ -)");
}

static void refuses_too_long_module_name(void **state)
{
	/* 56 characters: one more than the kernel's MODULE_NAME_LEN - 1 */
	assert_refused(*state, "[extension]\nname = bh_x\nmodule = "
		       "m2345678901234567890123456789012345678901234567890123456\n",
		       "line 3: module 'm2345678901234567890123456789012345678901234567890123456' is not a valid module name (1 to 55 of A-Z a-z 0-9 _ -)");
}

static void accepts_longest_module_name(void **state)
{
	struct fx *f = *state;

	put(f, "50-x.conf", "[extension]\nname = bh_x\nmodule = "
	    "m234567890123456789012345678901234567890123456789012345\n");
	load(f);
	assert_int_equal(f->cfg.nr_errors, 0);
	assert_int_equal(strlen(f->cfg.ext[0].module), BL_MODULE_LEN);
}

static void refuses_relative_path(void **state)
{
	assert_refused(*state, "[extension]\nname = bh_x\nschema = schema/x.schema\n",
		       "line 3: schema 'schema/x.schema' is not an absolute path");
}

static void refuses_empty_value(void **state)
{
	assert_refused(*state, "[extension]\nname = bh_x\ncontent_dir =\n",
		       "line 3: content_dir has no value");
}

static void refuses_non_printable_params(void **state)
{
	assert_refused(*state, "[extension]\nname = bh_x\nparams = a=1\tb=2\n",
		       "line 3: params has a character that is not printable ASCII (0x09)");
}

static void refuses_duplicate_key_naming_first_line(void **state)
{
	assert_refused(*state, "[extension]\nname = bh_x\nrequired = no\n\nrequired = yes\n",
		       "line 5: key 'required' given twice (first on line 3)");
}

static void refuses_second_section(void **state)
{
	assert_refused(*state, "[extension]\nname = bh_x\n[extension]\nname = bh_y\n",
		       "line 3: second [extension] section (one extension per file)");
}

static void refuses_second_section_even_without_keys(void **state)
{
	assert_refused(*state, "[extension]\nname = bh_x\n\n[extension]\n",
		       "line 4: second [extension] section (one extension per file)");
}

static void refuses_key_outside_section(void **state)
{
	assert_refused(*state, "name = bh_x\n[extension]\nmodule = m\n",
		       "line 1: key 'name' outside [extension]");
}

static void refuses_unknown_section(void **state)
{
	assert_refused(*state, "[extension]\nname = bh_x\n[extras]\n",
		       "line 3: unknown section [extras] (expected [extension])");
}

static void refuses_content_link_with_registers_yes(void **state)
{
	assert_refused(*state, "[extension]\nname = bh_x\ncontent_link = /opt/x/rules\n",
		       "line 3: content_link needs registers = no (it is for vendor modules that read their content themselves)");
}

static void refuses_vendor_module_named_unlike_extension(void **state)
{
	/* the guard could never blame it: an oops shows the module's name */
	assert_refused(*state, "[extension]\nname = bh_x\nregisters = no\nmodule = vendor_av\n",
		       "line 4: module 'vendor_av' must equal name 'bh_x' when registers = no (the guard blames a vendor module by the module name an oops shows)");
}

static void accepts_content_link_with_registers_no(void **state)
{
	struct fx *f = *state;

	/* registers may come after content_link */
	put(f, "50-x.conf", "[extension]\nname = bh_x\ncontent_link = /opt/x/rules\nregisters = no\n");
	load(f);
	assert_int_equal(f->cfg.nr_errors, 0);
	assert_int_equal(f->cfg.nr_ext, 1);
	assert_string_equal(f->cfg.ext[0].content_link, "/opt/x/rules");
}

static void refuses_missing_name(void **state)
{
	assert_refused(*state, "; no name\n[extension]\nmodule = m\n",
		       "line 2: [extension] has no name");
}

static void refuses_empty_file(void **state)
{
	assert_refused(*state, "", "no [extension] section");
}

static void refuses_file_of_comments_only(void **state)
{
	assert_refused(*state, "# nothing here yet\n\n", "no [extension] section");
}

static void refuses_syntax_error_with_line(void **state)
{
	assert_refused(*state, "[extension]\nname = bh_x\nthis is not ini\n",
		       "line 3: not INI syntax (expected [extension], key = value or a comment)");
}

static void refuses_unclosed_section_header(void **state)
{
	assert_refused(*state, "[extension\nname = bh_x\n",
		       "line 1: not INI syntax (expected [extension], key = value or a comment)");
}

static void reports_the_earliest_of_syntax_and_key_errors(void **state)
{
	assert_refused(*state, "[extension]\nname = bh_x\nnonsense\nmodle = m\n",
		       "line 3: not INI syntax (expected [extension], key = value or a comment)");
}

static void refuses_indented_continuation_line(void **state)
{
	/* inih would make this "module = m" part of name's value */
	assert_refused(*state, "[extension]\nname = bh_x\n  module = m\n",
		       "line 3: indented line would continue the previous value (not supported)");
}

static void accepts_indented_key_after_section_header(void **state)
{
	struct fx *f = *state;

	put(f, "50-x.conf", "[extension]\n  name = bh_x\n");
	load(f);
	assert_int_equal(f->cfg.nr_errors, 0);
	assert_string_equal(f->cfg.ext[0].name, "bh_x");
}

static void refuses_overlong_line(void **state)
{
	struct fx *f = *state;
	char text[512];
	int n;

	n = snprintf(text, sizeof(text), "[extension]\nname = bh_x\nschema = /");
	memset(text + n, 'a', 300);
	strcpy(text + n + 300, "\nmodle = m\n");
	assert_refused(f, text, "line 3: longer than 199 characters");
}

static void refuses_nul_byte_with_line(void **state)
{
	struct fx *f = *state;
	static const char text[] = "[extension]\nname = bh_x\nschema = /a\0b\n";

	put_bytes(f, "50-x.conf", text, sizeof(text) - 1);
	load(f);
	assert_int_equal(f->cfg.nr_ext, 0);
	assert_int_equal(f->cfg.nr_errors, 1);
	assert_error(f, 0, "50-x.conf", "line 3: has a NUL byte");
}

static void refuses_duplicate_extension_naming_first_file(void **state)
{
	struct fx *f = *state;
	char want[160];

	put(f, "50-x.conf", "[extension]\nname = bh_execwatch\n");
	put(f, "60-y.conf", "[extension]\nname = bh_execwatch\nrequired = yes\n");
	load(f);
	assert_int_equal(f->cfg.nr_ext, 1);
	assert_false(f->cfg.ext[0].required);
	snprintf(want, sizeof(want),
		 "extension 'bh_execwatch' is already defined by %s/50-x.conf", f->root);
	assert_error(f, 0, "60-y.conf", want);
}

static void refuses_duplicate_extension_spelt_with_dash(void **state)
{
	struct fx *f = *state;
	char want[160];

	put(f, "50-x.conf", "[extension]\nname = bh_execwatch\n");
	put(f, "60-y.conf", "[extension]\nname = bh-execwatch\n");
	load(f);
	assert_int_equal(f->cfg.nr_ext, 1);
	snprintf(want, sizeof(want),
		 "extension 'bh-execwatch' is already defined by %s/50-x.conf (as 'bh_execwatch')",
		 f->root);
	assert_error(f, 0, "60-y.conf", want);
}

static void refuses_file_that_cannot_be_opened(void **state)
{
	struct fx *f = *state;
	char path[96];

	snprintf(path, sizeof(path), "%s/40-gone.conf", f->root);
	assert_int_equal(symlink("/nonexistent/target.conf", path), 0);
	put(f, "50-x.conf", GOOD_A);
	load(f);
	assert_int_equal(f->cfg.nr_ext, 1);
	assert_error(f, 0, "40-gone.conf", "cannot open: No such file or directory");
}

static void refuses_more_than_max_ext(void **state)
{
	struct fx *f = *state;
	char name[32], text[64], reason[96];
	int i;

	for (i = 0; i < BL_MAX_EXT + 2; i++) {
		snprintf(name, sizeof(name), "%03d.conf", i);
		snprintf(text, sizeof(text), "[extension]\nname = e%03d\n", i);
		put(f, name, text);
	}
	load(f);
	assert_int_equal(f->cfg.nr_ext, BL_MAX_EXT);
	assert_string_equal(f->cfg.ext[BL_MAX_EXT - 1].name, "e031");
	assert_int_equal(f->cfg.nr_errors, 2);
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "%03d.conf", BL_MAX_EXT + i);
		snprintf(reason, sizeof(reason),
			 "extension 'e%03d' not loaded: at most 32 extensions", BL_MAX_EXT + i);
		assert_error(f, (uint32_t)i, name, reason);
	}
}

static void counts_errors_past_the_kept_ones(void **state)
{
	struct fx *f = *state;
	char name[32];
	int i;

	for (i = 0; i < BL_MAX_CONFIG_ERRORS + 3; i++) {
		snprintf(name, sizeof(name), "%02d.conf", i);
		put(f, name, "");
	}
	put(f, "99.conf", GOOD_A);
	load(f);
	assert_int_equal(f->cfg.nr_ext, 1);
	assert_int_equal(f->cfg.nr_errors, BL_MAX_CONFIG_ERRORS + 3);
	assert_error(f, BL_MAX_CONFIG_ERRORS - 1, "15.conf", "no [extension] section");
}

/* ---- find and free ----------------------------------------------------- */

static void find_treats_dash_and_underscore_alike(void **state)
{
	struct fx *f = *state;

	put(f, "10-a.conf", "[extension]\nname = bh_exec-watch\n");
	put(f, "20-b.conf", GOOD_B);
	load(f);
	assert_ptr_equal(bl_config_find(&f->cfg, "bh_exec-watch"), &f->cfg.ext[0]);
	assert_ptr_equal(bl_config_find(&f->cfg, "bh-exec_watch"), &f->cfg.ext[0]);
	assert_ptr_equal(bl_config_find(&f->cfg, "bh_exec_watch"), &f->cfg.ext[0]);
	assert_ptr_equal(bl_config_find(&f->cfg, "bh-b"), &f->cfg.ext[1]);
	assert_null(bl_config_find(&f->cfg, "bh_exec"));
	assert_null(bl_config_find(&f->cfg, "bh_exec_watch2"));
	assert_null(bl_config_find(&f->cfg, "BH_B"));
	assert_null(bl_config_find(&f->cfg, ""));
}

static void free_twice_and_on_zeroed_struct_is_safe(void **state)
{
	struct fx *f = *state;
	struct bl_config zero = {};

	bl_config_free(&zero);
	put(f, "10-a.conf", "[extension]\nname = bh_a\nschema = /s\nparams = x=1\n");
	put(f, "20-x.conf", "bad\n");
	load(f);
	assert_int_equal(f->cfg.nr_ext, 1);
	bl_config_free(&f->cfg);
	assert_int_equal(f->cfg.nr_ext, 0);
	assert_null(f->cfg.ext[0].content_dir);
	assert_null(f->cfg.ext[0].schema);
	assert_null(f->cfg.ext[0].params);
	assert_null(f->cfg.ext[0].origin);
	/* the reasons stay for the caller to report */
	assert_int_equal(f->cfg.nr_errors, 1);
	bl_config_free(&f->cfg);
	assert_null(bl_config_find(&f->cfg, "bh_a"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(loads_full_file_with_every_key),
		T(fills_in_defaults),
		T(default_content_dir_has_no_doubled_slash),
		T(accepts_every_boolean_spelling),
		T(accepts_comments_blank_lines_and_spacing),
		T(loads_in_file_name_order_not_creation_order),
		T(ignores_other_names_dot_files_and_directories),
		T(missing_dir_is_no_extensions_and_no_error),
		T(unlistable_dir_is_an_error_with_reason),
		T(zeroes_result_first),
		T(keeps_good_files_when_one_is_bad),
		T(reads_require_signature),
		T(refuses_require_signature_for_a_vendor_module),
		T(trust_conf_reads_allow_format1_and_refuses_the_rest),
		T(refuses_unknown_key_with_file_and_line),
		T(refuses_non_boolean),
		T(refuses_bad_extension_name),
		T(refuses_too_long_extension_name),
		T(refuses_bad_module_name),
		T(refuses_too_long_module_name),
		T(accepts_longest_module_name),
		T(refuses_relative_path),
		T(refuses_empty_value),
		T(refuses_non_printable_params),
		T(refuses_duplicate_key_naming_first_line),
		T(refuses_second_section),
		T(refuses_second_section_even_without_keys),
		T(refuses_key_outside_section),
		T(refuses_unknown_section),
		T(refuses_content_link_with_registers_yes),
		T(refuses_vendor_module_named_unlike_extension),
		T(accepts_content_link_with_registers_no),
		T(refuses_missing_name),
		T(refuses_empty_file),
		T(refuses_file_of_comments_only),
		T(refuses_syntax_error_with_line),
		T(refuses_unclosed_section_header),
		T(reports_the_earliest_of_syntax_and_key_errors),
		T(refuses_indented_continuation_line),
		T(accepts_indented_key_after_section_header),
		T(refuses_overlong_line),
		T(refuses_nul_byte_with_line),
		T(refuses_duplicate_extension_naming_first_file),
		T(refuses_duplicate_extension_spelt_with_dash),
		T(refuses_file_that_cannot_be_opened),
		T(refuses_more_than_max_ext),
		T(counts_errors_past_the_kept_ones),
		T(find_treats_dash_and_underscore_alike),
		T(free_twice_and_on_zeroed_struct_is_safe),
	};

	return cmocka_run_group_tests_name("loader_config", tests, NULL, NULL);
}
