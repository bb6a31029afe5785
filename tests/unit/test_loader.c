// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_loader.c - bulkhead-load (loader/load.c, loader/journal.c): the
 * guard's decision as the loader reads it, the order and parameters of
 * every module insert and content push, each way one extension can fail
 * while the others still come up, the exit codes, the journal lines
 * around every risky step (and that a crash at any of the journal's
 * syscalls never names the wrong step), and what bl_record() writes into
 * the guard's state.
 *
 * The kernel is tests/unit/fake_kernel.c; configurations are built by
 * hand; content files come from the test encoder (fixture.c); every test
 * works in a fresh mkdtemp() directory holding the state directory, the
 * content stores and the content links.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_kernel.h"
#include "evidence.h"
#include "fixture.h"
#include "journal.h"
#include "loader.h"
#include "store.h"
#include "testutil.h"

#define NOW		1795000000LL
#define BOOT		9

struct t {
	char root[40];
	char *state_dir;
	char *journal;
	struct fake_kernel *fk;
	struct bl_config cfg;
	struct bl_ctx ctx;
	struct bl_decision d;
	struct bl_report rep;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->root, sizeof(t->root), "/tmp/bl-load-XXXXXX");
	if (!mkdtemp(t->root))
		goto err;
	t->fk = fk_new();
	if (!t->fk)
		goto err;
	if (asprintf(&t->state_dir, "%s/state", t->root) < 0 ||
	    asprintf(&t->journal, "%s/state/%s", t->root, BL_JOURNAL_NAME) < 0 ||
	    mkdir(t->state_dir, 0700) < 0)
		goto err;
	t->ctx.state_dir = t->state_dir;
	t->ctx.cfg = &t->cfg;
	t->ctx.kernel = &t->fk->k;
	t->ctx.fsops = &bg_real_fsops;
	t->ctx.now = NOW;
	t->d.boot_id = BOOT;
	*state = t;
	return 0;
err:
	fk_free(t->fk);
	free(t->state_dir);
	free(t->journal);
	free(t);
	return -1;
}

static int teardown(void **state)
{
	struct t *t = *state;

	free_owned();
	rm_tree(t->root);
	fk_free(t->fk);
	free(t->state_dir);
	free(t->journal);
	free(t);
	return 0;
}

/* ---- configuration, content, decision -------------------------------------- */

/* a registering extension; the module has the extension's name */
static struct bl_ext_config *add_ext(struct t *t, const char *name)
{
	struct bl_ext_config *e;

	assert_true(t->cfg.nr_ext < BL_MAX_EXT);
	e = &t->cfg.ext[t->cfg.nr_ext++];
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->module, sizeof(e->module), "%s", name);
	e->registers = true;
	e->content_dir = fmt("%s/content/%s", t->root, name);
	e->origin = fmt("/etc/bulkhead/extensions.d/%s.conf", name);
	return e;
}

/* a vendor module the shim only vetoes */
static struct bl_ext_config *add_vendor(struct t *t, const char *name, const char *module)
{
	struct bl_ext_config *e = add_ext(t, name);

	snprintf(e->module, sizeof(e->module), "%s", module);
	e->registers = false;
	return e;
}

struct blob {
	uint8_t *data;
	size_t len;
};

/* valid content of version @v for extension @ext (fx_schema's templates) */
static struct blob make_content(const char *ext, uint64_t v)
{
	struct fx_buf b;

	fx_begin(&b, ext, FX_SCHEMA, FX_SCHEMA_VER, v);
	fx_record_begin(&b, FX_T_COUNTER, 2);
	fx_u64(&b, 100 + v);
	fx_u32(&b, 1);
	fx_record_end(&b);
	if (fx_finish(&b)) {
		fx_free(&b);
		fail_msg("content for %s: encoder failed", ext);
	}
	own(b.data);
	return (struct blob){ b.data, b.len };
}

static struct blob store(const struct bl_ext_config *e, uint64_t v)
{
	struct blob b = make_content(e->name, v);
	struct bulkhead_msg msg;

	if (bl_store_put(e->content_dir, v, b.data, b.len, &msg))
		fail_msg("store: %s", msg.text);
	return b;
}

static char *store_path(const struct bl_ext_config *e, uint64_t v)
{
	return fmt("%s/%llu", e->content_dir, (unsigned long long)v);
}

static void choose(struct t *t, const char *ext, uint64_t v)
{
	assert_true(t->d.nr_content < BG_MAX_EXT);
	snprintf(t->d.content[t->d.nr_content].extension, BH_NAME_LEN + 1, "%s", ext);
	t->d.content[t->d.nr_content++].version = v;
}

static void disable(struct t *t, const char *name)
{
	assert_true(t->d.nr_disable < BL_MAX_DISABLE);
	snprintf(t->d.disable[t->d.nr_disable++], BH_NAME_LEN + 1, "%s", name);
}

static int load(struct t *t)
{
	int rc = bl_load(&t->ctx, &t->d, &t->rep);

	assert_int_equal(rc, t->rep.exit_code);
	return rc;
}

/* ---- evidence ----------------------------------------------------------------- */

static struct bg_evidence journal_evidence(const char *journal, uint64_t boot)
{
	struct bg_sources src = { .journal_path = journal };
	struct bulkhead_msg msg = { "" };
	struct bg_evidence ev;
	int err;

	err = bg_evidence_gather(&src, boot, &ev, &msg);
	if (err)
		fail_msg("gather: %d: %s", err, msg.text);
	return ev;
}

/* the evidence is exactly this step (op NULL: no evidence at all) */
static bool evidence_is(const struct bg_evidence *ev, const char *op, const char *ext,
			uint64_t v)
{
	if (!op)
		return ev->kind == BG_EV_NONE;
	return ev->kind == BG_EV_LOADER && !strcmp(ev->op, op) && !strcmp(ev->extension, ext) &&
	       ev->content_version == v;
}

static const char *evidence_text(const struct bg_evidence *ev)
{
	return fmt("%s %s %s %llu", bg_evidence_kind_name(ev->kind), ev->op, ev->extension,
		   (unsigned long long)ev->content_version);
}

/* ======================================================================== */
/* boot.json                                                                */
/* ======================================================================== */

static char *decision_file(struct t *t, const char *json)
{
	char *path = fmt("%s/boot.json", t->state_dir);

	put_file(path, json, strlen(json));
	return path;
}

static void decision_load_reads_every_member(void **state)
{
	struct t *t = *state;
	struct bulkhead_msg msg = { "" };
	struct bl_decision *d = own(calloc(1, sizeof(*d)));
	char *path = decision_file(t,
		"{ \"format\": 1, \"boot_id\": 12,"
		"  \"kernel_boot_id\": \"0f6c2a8e-5d1b-4b7e-9d3c-2a4f6b8c0d1e\","
		"  \"safe_mode\": true,"
		"  \"disable\": [ \"bh_a\", \"vendor-mod\" ],"
		"  \"content\": [ { \"extension\": \"bh_b\", \"version\": 7 },"
		"                { \"extension\": \"bh_c\", \"version\": 18446744073709551615 } ] }");

	if (bl_decision_load(path, d, &msg))
		fail_msg("refused: %s", msg.text);
	assert_int_equal(d->boot_id, 12);
	assert_string_equal(d->kernel_boot_id, "0f6c2a8e-5d1b-4b7e-9d3c-2a4f6b8c0d1e");
	assert_true(d->safe_mode);
	assert_int_equal(d->nr_disable, 2);
	assert_string_equal(d->disable[0], "bh_a");
	assert_string_equal(d->disable[1], "vendor-mod");
	assert_int_equal(d->nr_content, 2);
	assert_string_equal(d->content[0].extension, "bh_b");
	assert_int_equal(d->content[0].version, 7);
	assert_string_equal(d->content[1].extension, "bh_c");
	assert_true(d->content[1].version == UINT64_MAX);
}

/* a guard that could not read the kernel's boot id leaves it out */
static void decision_load_takes_kernel_boot_id_as_optional(void **state)
{
	struct t *t = *state;
	struct bulkhead_msg msg = { "" };
	struct bl_decision *d = own(calloc(1, sizeof(*d)));
	char *path = decision_file(t, "{\"format\":1,\"boot_id\":3,\"safe_mode\":false,"
				      "\"disable\":[],\"content\":[]}");

	memset(d->kernel_boot_id, 'x', sizeof(d->kernel_boot_id));
	if (bl_decision_load(path, d, &msg))
		fail_msg("refused: %s", msg.text);
	assert_int_equal(d->boot_id, 3);
	assert_string_equal(d->kernel_boot_id, "");
	assert_false(d->safe_mode);
	assert_int_equal(d->nr_disable, 0);
	assert_int_equal(d->nr_content, 0);
}

#define GOOD_HEAD "\"format\":1,\"boot_id\":4,\"safe_mode\":false"

static const struct {
	const char *json;
	const char *member;	/* the message names it */
} bad_decisions[] = {
	{ "{\"format\":1,", "boot.json" },
	{ "[1,2]", "not a JSON object" },
	{ "{\"boot_id\":4,\"safe_mode\":false,\"disable\":[],\"content\":[]}", "'format'" },
	{ "{\"format\":\"1\",\"boot_id\":4,\"safe_mode\":false,\"disable\":[],\"content\":[]}", "'format'" },
	{ "{\"format\":2,\"boot_id\":4,\"safe_mode\":false,\"disable\":[],\"content\":[]}", "format 2" },
	{ "{\"format\":1,\"safe_mode\":false,\"disable\":[],\"content\":[]}", "'boot_id'" },
	{ "{\"format\":1,\"boot_id\":0,\"safe_mode\":false,\"disable\":[],\"content\":[]}", "'boot_id'" },
	{ "{\"format\":1,\"boot_id\":-3,\"safe_mode\":false,\"disable\":[],\"content\":[]}", "'boot_id'" },
	{ "{\"format\":1,\"boot_id\":\"4\",\"safe_mode\":false,\"disable\":[],\"content\":[]}", "'boot_id'" },
	{ "{" GOOD_HEAD ",\"kernel_boot_id\":5,\"disable\":[],\"content\":[]}", "'kernel_boot_id'" },
	{ "{" GOOD_HEAD ",\"kernel_boot_id\":\"0123456789012345678901234567890123456789\","
	  "\"disable\":[],\"content\":[]}", "'kernel_boot_id'" },
	{ "{\"format\":1,\"boot_id\":4,\"disable\":[],\"content\":[]}", "'safe_mode'" },
	{ "{\"format\":1,\"boot_id\":4,\"safe_mode\":\"no\",\"disable\":[],\"content\":[]}", "'safe_mode'" },
	{ "{" GOOD_HEAD ",\"content\":[]}", "'disable'" },
	{ "{" GOOD_HEAD ",\"disable\":\"bh_a\",\"content\":[]}", "'disable'" },
	{ "{" GOOD_HEAD ",\"disable\":[]}", "'content'" },
	{ "{" GOOD_HEAD ",\"disable\":[],\"content\":{}}", "'content'" },
	{ "{" GOOD_HEAD ",\"disable\":[],\"content\":[5]}", "'content'" },
	{ "{" GOOD_HEAD ",\"disable\":[],\"content\":[{\"version\":1}]}", "'extension'" },
	{ "{" GOOD_HEAD ",\"disable\":[],\"content\":[{\"extension\":7,\"version\":1}]}", "'extension'" },
	{ "{" GOOD_HEAD ",\"disable\":[],\"content\":[{\"extension\":\"a/b\",\"version\":1}]}", "'extension'" },
	{ "{" GOOD_HEAD ",\"disable\":[],\"content\":[{\"extension\":\"bh_a\"}]}", "'version'" },
	{ "{" GOOD_HEAD ",\"disable\":[],\"content\":[{\"extension\":\"bh_a\",\"version\":\"1\"}]}", "'version'" },
	{ "{" GOOD_HEAD ",\"disable\":[],\"content\":[{\"extension\":\"bh_a\",\"version\":1.5}]}", "'version'" },
	{ "{" GOOD_HEAD ",\"disable\":[],\"content\":[{\"extension\":\"bh_a\",\"version\":-1}]}", "version" },
};

/* a long list of names, one too many */
static char *too_many(const char *member, unsigned int n)
{
	char *s = fmt("{" GOOD_HEAD ",\"%s\":[", member);
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!strcmp(member, "disable"))
			s = fmt("%s%s\"bh_%u\"", s, i ? "," : "", i);
		else
			s = fmt("%s%s{\"extension\":\"bh_%u\",\"version\":1}", s, i ? "," : "", i);
	}
	return fmt("%s],\"%s\":[]}", s, strcmp(member, "disable") ? "disable" : "content");
}

static void check_refused(struct t *t, const char *json, const char *member)
{
	struct bulkhead_msg msg = { "" };
	struct bl_decision *d = own(calloc(1, sizeof(*d)));
	struct bl_decision *before = own(calloc(1, sizeof(*d)));
	char *path = decision_file(t, json);
	int err;

	memset(d, 0x5a, sizeof(*d));
	memcpy(before, d, sizeof(*d));
	strcpy(msg.text, "stale");
	err = bl_decision_load(path, d, &msg);
	if (err != -EBADMSG)
		fail_msg("%s: gave %d (%s), not -EBADMSG", json, err, msg.text);
	if (!strstr(msg.text, path) || !strstr(msg.text, member))
		fail_msg("%s: message '%s' does not name the file and '%s'", json, msg.text,
			 member);
	if (memcmp(d, before, sizeof(*d)))
		fail_msg("%s: refused, but the result was written", json);
}

static void decision_load_refuses_each_malformed_member_naming_file_and_member(void **state)
{
	struct t *t = *state;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_decisions); i++)
		check_refused(t, bad_decisions[i].json, bad_decisions[i].member);
	check_refused(t, too_many("disable", BL_MAX_DISABLE + 1), "'disable'");
	check_refused(t, too_many("content", BG_MAX_EXT + 1), "'content'");
}

/*
 * One bad entry in the disable list costs only itself: falling back to
 * safe mode for it would switch every healthy sensor off.  It names no
 * extension anyway (configured names are valid ones).
 */
static void decision_load_skips_a_bad_disable_entry_naming_file_entry_and_reason(void **state)
{
	struct t *t = *state;
	struct bulkhead_msg msg = { "" };
	struct bl_decision *d = own(calloc(1, sizeof(*d)));
	char *path = decision_file(t,
		"{ \"format\": 1, \"boot_id\": 5, \"safe_mode\": false,"
		"  \"disable\": [ \"bh_a\", \"\\\"bh_x\\\"\", 5, \"\", \"bad name\","
		"                \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\", \"bh\\u0000y\", \"bh-b\" ],"
		"  \"content\": [ { \"extension\": \"bh_a\", \"version\": 3 } ] }");

	if (bl_decision_load(path, d, &msg))
		fail_msg("refused the whole decision: %s", msg.text);
	assert_int_equal(d->boot_id, 5);
	assert_false(d->safe_mode);
	assert_int_equal(d->nr_disable, 2);
	assert_string_equal(d->disable[0], "bh_a");
	assert_string_equal(d->disable[1], "bh-b");
	assert_int_equal(d->nr_content, 1);
	assert_int_equal(d->nr_warnings, 6);
	assert_string_equal(d->warnings[0].text,
			    fmt("decision %s: 'disable' entry 1 '\"bh_x\"' is not an extension name: "
				"character '\"' is not one of A-Z a-z 0-9 _ . -: skipped", path));
	assert_string_equal(d->warnings[1].text,
			    fmt("decision %s: 'disable' entry 2 is not a string (JSON type int): skipped", path));
	assert_contains(d->warnings[2].text, "'disable' entry 3 is an empty name: skipped");
	assert_contains(d->warnings[3].text, "'disable' entry 4 'bad name'");
	assert_contains(d->warnings[3].text, "character ' '");
	assert_contains(d->warnings[4].text, "(40 characters) longer than 31: skipped");
	assert_contains(d->warnings[5].text, "'disable' entry 6 'bh\\x00y'");
	assert_contains(d->warnings[5].text, "character '\\x00'");
}

/* a decision without a bad entry carries no warnings, whatever was there before */
static void decision_load_of_a_clean_decision_has_no_warnings(void **state)
{
	struct t *t = *state;
	struct bulkhead_msg msg = { "" };
	struct bl_decision *d = own(calloc(1, sizeof(*d)));

	memset(d, 0x5a, sizeof(*d));
	if (bl_decision_load(decision_file(t, "{" GOOD_HEAD ",\"disable\":[\"bh_a\"],\"content\":[]}"),
			     d, &msg))
		fail_msg("refused: %s", msg.text);
	assert_int_equal(d->nr_disable, 1);
	assert_int_equal(d->nr_warnings, 0);
}

/* more bad entries than warnings kept: all are counted */
static void decision_load_counts_warnings_past_the_kept_ones(void **state)
{
	struct t *t = *state;
	struct bulkhead_msg msg = { "" };
	struct bl_decision *d = own(calloc(1, sizeof(*d)));
	char *json = fmt("{" GOOD_HEAD ",\"disable\":[\"a/0\"");
	unsigned int i;

	for (i = 1; i < BL_MAX_DECISION_WARNINGS + 2; i++)
		json = fmt("%s,\"a/%u\"", json, i);
	json = fmt("%s,\"bh_ok\"],\"content\":[]}", json);
	if (bl_decision_load(decision_file(t, json), d, &msg))
		fail_msg("refused: %s", msg.text);
	assert_int_equal(d->nr_disable, 1);
	assert_string_equal(d->disable[0], "bh_ok");
	assert_int_equal(d->nr_warnings, BL_MAX_DECISION_WARNINGS + 2);
	assert_contains(d->warnings[BL_MAX_DECISION_WARNINGS - 1].text,
			fmt("'a/%d'", BL_MAX_DECISION_WARNINGS - 1));
}

static void decision_load_takes_the_longest_lists(void **state)
{
	struct t *t = *state;
	struct bulkhead_msg msg = { "" };
	struct bl_decision *d = own(calloc(1, sizeof(*d)));
	char *json = too_many("disable", BL_MAX_DISABLE);

	if (bl_decision_load(decision_file(t, json), d, &msg))
		fail_msg("refused: %s", msg.text);
	assert_int_equal(d->nr_disable, BL_MAX_DISABLE);
	json = too_many("content", BG_MAX_EXT);
	if (bl_decision_load(decision_file(t, json), d, &msg))
		fail_msg("refused: %s", msg.text);
	assert_int_equal(d->nr_content, BG_MAX_EXT);
	assert_string_equal(d->content[BG_MAX_EXT - 1].extension, fmt("bh_%u", BG_MAX_EXT - 1));
}

static void decision_load_of_a_missing_file_names_it(void **state)
{
	struct t *t = *state;
	struct bulkhead_msg msg = { "" };
	struct bl_decision *d = own(calloc(1, sizeof(*d)));
	char *path = fmt("%s/boot.json", t->state_dir);

	assert_int_equal(bl_decision_load(path, d, &msg), -ENOENT);
	assert_contains(msg.text, path);
}

/* ======================================================================== */
/* bl_load(): order and parameters                                          */
/* ======================================================================== */

static void assert_insert(struct t *t, unsigned int i, const char *module, const char *params)
{
	const struct fk_call *c;

	if (i >= t->fk->nr_calls)
		fail_msg("call %u (insert %s): only %u calls", i, module, t->fk->nr_calls);
	c = &t->fk->calls[i];
	if (c->kind != FK_INSERT || strcmp(c->name, module))
		fail_msg("call %u is %s %s, not insert %s", i,
			 c->kind == FK_INSERT ? "insert" : "push", c->name, module);
	if (!params && c->params)
		fail_msg("insert %s: params '%s', expected none", module, c->params);
	if (params && (!c->params || strcmp(c->params, params)))
		fail_msg("insert %s: params '%s', expected '%s'", module,
			 c->params ? c->params : "(none)", params);
}

static void load_inserts_the_shim_first_then_extensions_in_config_order(void **state)
{
	struct t *t = *state;
	struct bl_ext_config *b;

	add_ext(t, "bh_zeta");
	b = add_ext(t, "bh_alpha");
	b->params = "max_rules=64 mode=strict";
	add_vendor(t, "bh_vendor", "bh_vendor");

	assert_int_equal(load(t), BL_EXIT_OK);
	assert_int_equal(t->fk->nr_calls, 4);
	assert_insert(t, 0, "bulkhead", NULL);
	assert_insert(t, 1, "bh_zeta", NULL);
	assert_insert(t, 2, "bh_alpha", "max_rules=64 mode=strict");
	assert_insert(t, 3, "bh_vendor", NULL);
	assert_true(t->rep.shim_ok);
	assert_int_equal(t->rep.nr_loaded, 3);
	assert_int_equal(t->rep.nr_failed, 0);
	assert_int_equal(t->rep.ext[0].result, BL_RES_LOADED);
	assert_int_equal(t->rep.ext[1].result, BL_RES_LOADED);
	assert_int_equal(t->rep.ext[2].result, BL_RES_LOADED);
	assert_string_equal(t->rep.journal_error, "");
}

static void load_gives_the_shim_the_disable_list_with_disabled_vendor_modules(void **state)
{
	struct t *t = *state;

	add_ext(t, "bh_a");
	add_ext(t, "bh_b");
	add_vendor(t, "bh_vendor", "bh_vendor");
	add_vendor(t, "bh_other", "other_mod");
	disable(t, "bh_b");
	disable(t, "bh_vendor");

	assert_int_equal(load(t), BL_EXIT_OK);
	assert_insert(t, 0, "bulkhead", "disable=bh_b,bh_vendor");
	assert_insert(t, 1, "bh_a", NULL);
	assert_insert(t, 2, "other_mod", NULL);
	assert_int_equal(t->fk->nr_calls, 3);
	assert_int_equal(t->rep.ext[1].result, BL_RES_DISABLED);
	assert_int_equal(t->rep.ext[2].result, BL_RES_DISABLED);
	assert_int_equal(t->rep.nr_failed, 0);
}

/* names from the command line may spell '_' as '-', and name the module */
static void load_skips_extensions_disabled_by_extension_or_module_name(void **state)
{
	struct t *t = *state;
	struct bl_ext_config *x;

	x = add_ext(t, "bh_x");
	add_ext(t, "bh_y");
	add_vendor(t, "bh_vendor", "bh_vendor");
	add_vendor(t, "bh_w", "w_mod");
	choose(t, "bh_x", 3);
	store(x, 3);
	disable(t, "bh-x");
	disable(t, "bh-vendor");
	disable(t, "w_mod");

	assert_int_equal(load(t), BL_EXIT_OK);
	assert_int_equal(fk_find(t->fk, FK_INSERT, "bh_x"), -1);
	assert_int_equal(fk_find(t->fk, FK_INSERT, "bh_vendor"), -1);
	assert_int_equal(fk_find(t->fk, FK_INSERT, "w_mod"), -1);
	assert_int_not_equal(fk_find(t->fk, FK_INSERT, "bh_y"), -1);
	assert_int_equal(fk_count(t->fk, FK_PUSH), 0);
	assert_int_equal(t->rep.ext[0].result, BL_RES_DISABLED);
	assert_int_equal(t->rep.ext[1].result, BL_RES_LOADED);
	assert_int_equal(t->rep.ext[2].result, BL_RES_DISABLED);
	assert_int_equal(t->rep.ext[3].result, BL_RES_DISABLED);
	/* the vendor modules' names reach the shim, so its veto keeps them out */
	assert_contains(t->fk->calls[0].params, "bh_vendor");
	assert_contains(t->fk->calls[0].params, "w_mod");
	assert_int_equal(strncmp(t->fk->calls[0].params, "disable=", 8), 0);
}

static void load_in_safe_mode_inserts_only_the_shim(void **state)
{
	struct t *t = *state;
	struct bl_ext_config *a;
	char *text;

	a = add_ext(t, "bh_a");
	add_vendor(t, "bh_vendor", "bh_vendor");
	add_vendor(t, "bh_plain", "bh_plain");
	add_ext(t, "bh_c");
	choose(t, "bh_a", 2);
	store(a, 2);
	t->d.safe_mode = true;

	assert_int_equal(load(t), BL_EXIT_OK);
	assert_int_equal(t->fk->nr_calls, 1);
	assert_insert(t, 0, "bulkhead", "disable=bh_vendor,bh_plain safe_mode=1");
	assert_int_equal(t->rep.ext[0].result, BL_RES_SAFE_MODE);
	assert_int_equal(t->rep.ext[1].result, BL_RES_SAFE_MODE);
	assert_int_equal(t->rep.ext[2].result, BL_RES_SAFE_MODE);
	assert_int_equal(t->rep.ext[3].result, BL_RES_SAFE_MODE);
	assert_int_equal(t->rep.nr_loaded, 0);
	assert_int_equal(t->rep.nr_failed, 0);
	/* the shim's insert is a risky step like any: journalled */
	text = slurp(t->journal, NULL);
	assert_string_equal(text, "9 begin insert bulkhead 0\n9 end insert bulkhead 0\n");
}

/*
 * Regression: safe mode still loaded bulkhead.ko, unjournalled, so a shim
 * that oopses at init looped forever.  When the guard blames the shim
 * itself (boot.json "load_shim": false), nothing loads, not even it.
 */
static void load_without_the_shim_inserts_nothing(void **state)
{
	struct t *t = *state;
	char *text;

	add_ext(t, "bh_a");
	add_vendor(t, "bh_vendor", "bh_vendor");
	t->d.safe_mode = true;
	t->d.no_shim = true;

	assert_int_equal(load(t), BL_EXIT_DEGRADED);
	assert_int_equal(t->fk->nr_calls, 0);
	assert_false(t->rep.shim_ok);
	assert_contains(t->rep.shim_error, "not loaded: the boot guard blamed the shim itself");
	assert_int_equal(t->rep.ext[0].result, BL_RES_SAFE_MODE);
	assert_int_equal(t->rep.ext[1].result, BL_RES_SAFE_MODE);
	text = slurp(t->journal, NULL);
	assert_true(!text || !*text);
}

/*
 * Regression: a shim pulled in before the loader (initramfs,
 * modules-load.d, a vendor's service) made libkmod report it loaded and
 * the disable list never reached it.  The loader finds it loaded and sets
 * the list through securityfs (which stops what it names at once).
 */
static void load_sets_the_disable_list_of_a_shim_loaded_before(void **state)
{
	struct t *t = *state;
	const struct fk_call *c;

	add_ext(t, "bh_a");
	add_ext(t, "bh_off");
	add_vendor(t, "bh_vendor", "vendor_mod");
	disable(t, "bh_off");
	assert_int_equal(fk_put(t->fk, NULL, "disable", "\n"), 0);

	assert_int_equal(load(t), BL_EXIT_DEGRADED);
	assert_int_equal(fk_count(t->fk, FK_INSERT), 2);	/* bh_a, vendor_mod */
	assert_int_equal(fk_find(t->fk, FK_INSERT, "bulkhead"), -1);
	c = &t->fk->calls[0];
	assert_int_equal(c->kind, FK_WRITE);
	assert_string_equal(c->name, "disable");
	assert_string_equal(c->params, "bh_off");
	assert_true(t->rep.shim_ok);
	assert_contains(t->rep.shim_warning, "was loaded before the loader");
	assert_int_equal(t->rep.ext[1].result, BL_RES_DISABLED);
}

/* safe mode cannot be set on a loaded shim: every extension goes on its list */
static void load_in_safe_mode_lists_every_extension_to_a_shim_loaded_before(void **state)
{
	struct t *t = *state;

	add_ext(t, "bh_a");
	add_vendor(t, "bh_vendor", "vendor_mod");
	t->d.safe_mode = true;
	assert_int_equal(fk_put(t->fk, NULL, "disable", "\n"), 0);

	assert_int_equal(load(t), BL_EXIT_DEGRADED);
	assert_int_equal(t->fk->nr_calls, 1);
	assert_string_equal(t->fk->calls[0].params, "bh_a,bh_vendor,vendor_mod");
	assert_contains(t->rep.shim_warning, "safe mode: every extension is on it");
	assert_int_equal(t->rep.ext[0].result, BL_RES_SAFE_MODE);
}

static void decision_load_reads_load_shim(void **state)
{
	struct t *t = *state;
	struct bl_decision *d = own(calloc(1, sizeof(*d)));
	struct bulkhead_msg msg;
	char *path = decision_file(t, "{\"format\":1,\"boot_id\":3,\"safe_mode\":false,"
				   "\"load_shim\":false,\"disable\":[],\"content\":[]}");

	assert_int_equal(bl_decision_load(path, d, &msg), 0);
	assert_true(d->no_shim);
	assert_true(d->safe_mode);
	path = decision_file(t, "{\"format\":1,\"boot_id\":3,\"safe_mode\":false,"
			     "\"load_shim\":\"no\",\"disable\":[],\"content\":[]}");
	assert_int_equal(bl_decision_load(path, d, &msg), -EBADMSG);
	assert_contains(msg.text, "'load_shim' is not a boolean");
}

static void load_in_safe_mode_keeps_the_disable_list(void **state)
{
	struct t *t = *state;

	add_ext(t, "bh_a");
	add_vendor(t, "bh_vendor", "bh_vendor");
	disable(t, "bh_a");
	t->d.safe_mode = true;

	assert_int_equal(load(t), BL_EXIT_OK);
	assert_int_equal(t->fk->nr_calls, 1);
	assert_insert(t, 0, "bulkhead", "disable=bh_a,bh_vendor safe_mode=1");
}

/*
 * The longest disable list a decision and a configuration can make
 * reaches the shim whole: a list cut short could end in half a module
 * name, which the shim would take and not veto.  (Whether bulkhead.ko
 * takes that many names is the shim's business: module/registry.c.)
 */
static void load_caps_the_shim_disable_list_and_reports_the_rest(void **state)
{
	struct t *t = *state;
	const char *params;
	char *want = fmt("disable=");
	unsigned int i, commas = 0;

	/* safe mode: every vendor module goes on the list, configured ones first */
	for (i = 0; i < BL_MAX_EXT; i++) {
		char *name = fmt("bh_vendor_with_a_long_name_%04u", i);

		assert_int_equal(strlen(name), BH_NAME_MAX);
		add_vendor(t, name, name);
		want = fmt("%s%s%s", want, i ? "," : "", name);
	}
	for (i = 0; i < BL_MAX_DISABLE; i++)
		disable(t, fmt("bh_disabled_by_name_%011u", i));
	t->d.safe_mode = true;
	want = fmt("%s safe_mode=1", want);

	/* the shim refuses more than 32 names: what did not fit is reported */
	assert_int_equal(load(t), BL_EXIT_DEGRADED);
	params = t->fk->calls[0].params;
	assert_non_null(params);
	assert_string_equal(params, want);
	for (i = 0; params[i]; i++)
		commas += params[i] == ',';
	assert_int_equal(commas, 31);
	assert_contains(t->rep.shim_warning, "48 name(s) left off its disable list");
	assert_contains(t->rep.shim_warning, "first 'bh_disabled_by_name_00000000000'");
	assert_true(t->rep.shim_ok);
}

static void load_lists_each_disabled_name_once(void **state)
{
	struct t *t = *state;

	add_ext(t, "bh_a");
	disable(t, "bh_a");
	disable(t, "bh-a");
	assert_int_equal(load(t), BL_EXIT_OK);
	assert_insert(t, 0, "bulkhead", "disable=bh_a");
	assert_string_equal(t->rep.shim_warning, "");
}

/* ======================================================================== */
/* bl_load(): failures                                                      */
/* ======================================================================== */

static void load_reports_a_missing_module_and_loads_the_others(void **state)
{
	struct t *t = *state;

	add_ext(t, "bh_a");
	add_ext(t, "bh_b");
	add_vendor(t, "bh_vendor", "bh_vendor");
	fk_insert_result(t->fk, "bh_a", -ENOENT,
			 "module bh_a: not found for kernel 6.1.0-56-amd64");

	assert_int_equal(load(t), BL_EXIT_DEGRADED);
	assert_int_equal(t->rep.ext[0].result, BL_RES_MISSING);
	assert_contains(t->rep.ext[0].error, "module bh_a: not found for kernel 6.1.0-56-amd64");
	assert_int_equal(t->rep.ext[1].result, BL_RES_LOADED);
	assert_int_equal(t->rep.ext[2].result, BL_RES_LOADED);
	assert_int_not_equal(fk_find(t->fk, FK_INSERT, "bh_b"), -1);
	assert_int_not_equal(fk_find(t->fk, FK_INSERT, "bh_vendor"), -1);
	assert_int_equal(t->rep.nr_failed, 1);
	assert_int_equal(t->rep.nr_loaded, 2);
	assert_true(bl_result_failed(BL_RES_MISSING));
	assert_string_equal(bl_result_name(BL_RES_MISSING), "missing");
}

static void load_reports_a_blacklisted_module_and_loads_the_others(void **state)
{
	struct t *t = *state;

	add_vendor(t, "bh_vendor", "bh_vendor");
	add_ext(t, "bh_b");
	fk_insert_result(t->fk, "bh_vendor", BL_INSERT_BLACKLISTED,
			 "module bh_vendor: blacklisted in modprobe.d, not loaded");

	assert_int_equal(load(t), BL_EXIT_DEGRADED);
	assert_int_equal(t->rep.ext[0].result, BL_RES_BLACKLISTED);
	assert_contains(t->rep.ext[0].error, "blacklisted in modprobe.d");
	assert_int_equal(t->rep.ext[1].result, BL_RES_LOADED);
	assert_string_equal(bl_result_name(BL_RES_BLACKLISTED), "blacklisted");
}

static void load_reports_a_refused_insert_and_loads_the_others(void **state)
{
	struct t *t = *state;
	struct bl_ext_config *a, *b;

	a = add_ext(t, "bh_a");
	b = add_ext(t, "bh_b");
	store(a, 4);
	store(b, 6);
	choose(t, "bh_a", 4);
	choose(t, "bh_b", 6);
	fk_insert_result(t->fk, "bh_a", -EPERM,
			 "module bh_a: insert failed: Operation not permitted");

	assert_int_equal(load(t), BL_EXIT_DEGRADED);
	assert_int_equal(t->rep.ext[0].result, BL_RES_INSERT_FAILED);
	assert_contains(t->rep.ext[0].error, "Operation not permitted");
	assert_int_equal(t->rep.ext[0].version, 0);
	/* no content for a module that is not there */
	assert_int_equal(fk_find(t->fk, FK_PUSH, "bh_a"), -1);
	assert_int_equal(t->rep.ext[1].result, BL_RES_LOADED);
	assert_int_equal(t->rep.ext[1].version, 6);
	assert_int_not_equal(fk_find(t->fk, FK_PUSH, "bh_b"), -1);
}

static void load_without_the_shim_still_loads_vendor_modules(void **state)
{
	struct t *t = *state;
	struct bl_ext_config *a;

	a = add_ext(t, "bh_a");
	add_vendor(t, "bh_vendor", "bh_vendor");
	add_ext(t, "bh_c");
	store(a, 2);
	choose(t, "bh_a", 2);
	fk_insert_result(t->fk, "bulkhead", -ENOENT,
			 "module bulkhead: not found for kernel 6.12.117");

	assert_int_equal(load(t), BL_EXIT_FAILED);
	assert_false(t->rep.shim_ok);
	assert_contains(t->rep.shim_error, "module bulkhead: not found");
	assert_int_equal(t->rep.ext[0].result, BL_RES_NO_SHIM);
	assert_contains(t->rep.ext[0].error, "shim");
	assert_int_equal(t->rep.ext[1].result, BL_RES_LOADED);
	assert_int_equal(t->rep.ext[2].result, BL_RES_NO_SHIM);
	assert_int_equal(t->fk->nr_calls, 2);
	assert_insert(t, 0, "bulkhead", NULL);
	assert_insert(t, 1, "bh_vendor", NULL);
	assert_int_equal(t->rep.nr_failed, 2);
	assert_int_equal(t->rep.nr_loaded, 1);
}

static void load_reports_content_missing_from_the_store_and_pushes_the_others(void **state)
{
	struct t *t = *state;
	struct bl_ext_config *b;

	add_ext(t, "bh_a");
	b = add_ext(t, "bh_b");
	store(b, 3);
	choose(t, "bh_a", 7);
	choose(t, "bh_b", 3);

	assert_int_equal(load(t), BL_EXIT_DEGRADED);
	assert_int_equal(t->rep.ext[0].result, BL_RES_CONTENT_MISSING);
	assert_contains(t->rep.ext[0].error, "content 7 for bh_a");
	assert_int_equal(t->rep.ext[0].version, 0);
	/* the module itself is in: it runs without content */
	assert_int_not_equal(fk_find(t->fk, FK_INSERT, "bh_a"), -1);
	assert_int_equal(fk_find(t->fk, FK_PUSH, "bh_a"), -1);
	assert_int_equal(t->rep.ext[1].result, BL_RES_LOADED);
	assert_int_equal(t->rep.ext[1].version, 3);
}

static void load_reports_content_the_shim_refused_with_the_shims_reason(void **state)
{
	struct t *t = *state;
	struct bl_ext_config *a, *b;

	a = add_ext(t, "bh_a");
	b = add_ext(t, "bh_b");
	store(a, 5);
	store(b, 1);
	choose(t, "bh_a", 5);
	choose(t, "bh_b", 1);
	fk_push_result(t->fk, "bh_a", -EBADMSG,
		       "record 2 at offset 312: field-count: 21 fields, schema says 20\n");

	assert_int_equal(load(t), BL_EXIT_DEGRADED);
	assert_int_equal(t->rep.ext[0].result, BL_RES_CONTENT_REFUSED);
	assert_contains(t->rep.ext[0].error, "content 5 for bh_a");
	assert_contains(t->rep.ext[0].error,
			"record 2 at offset 312: field-count: 21 fields, schema says 20");
	assert_int_equal(t->rep.ext[0].version, 0);
	assert_int_equal(t->rep.ext[1].result, BL_RES_LOADED);
	assert_int_equal(t->rep.ext[1].version, 1);
	assert_string_equal(bl_result_name(BL_RES_CONTENT_REFUSED), "content-refused");
}

static void load_reports_other_shim_refusals_by_their_meaning(void **state)
{
	struct t *t = *state;
	struct bl_ext_config *a;

	a = add_ext(t, "bh_a");
	store(a, 5);
	choose(t, "bh_a", 5);
	fk_push_result(t->fk, "bh_a", -ESHUTDOWN, NULL);

	assert_int_equal(load(t), BL_EXIT_DEGRADED);
	assert_int_equal(t->rep.ext[0].result, BL_RES_CONTENT_REFUSED);
	assert_contains(t->rep.ext[0].error, "disabled or faulted");
}

/* ======================================================================== */
/* bl_load(): exit codes                                                    */
/* ======================================================================== */

static void load_exits_failed_when_a_required_extension_fails(void **state)
{
	struct t *t = *state;
	struct bl_ext_config *a;

	a = add_ext(t, "bh_a");
	a->required = true;
	add_ext(t, "bh_b");
	fk_insert_result(t->fk, "bh_a", -EPERM, "refused");

	assert_int_equal(load(t), BL_EXIT_FAILED);
	assert_int_equal(t->rep.ext[1].result, BL_RES_LOADED);
}

static void load_exits_failed_when_required_content_is_refused(void **state)
{
	struct t *t = *state;
	struct bl_ext_config *a;

	a = add_ext(t, "bh_a");
	a->required = true;
	store(a, 2);
	choose(t, "bh_a", 2);
	fk_push_result(t->fk, "bh_a", -EBADMSG, "bad");

	assert_int_equal(load(t), BL_EXIT_FAILED);
}

/* the operator or the guard turned it off: not a failure, even if required */
static void load_exits_ok_when_a_required_extension_is_disabled(void **state)
{
	struct t *t = *state;
	struct bl_ext_config *a;

	a = add_ext(t, "bh_a");
	a->required = true;
	disable(t, "bh_a");

	assert_int_equal(load(t), BL_EXIT_OK);
	assert_int_equal(t->rep.ext[0].result, BL_RES_DISABLED);
}

static void load_exits_degraded_for_refused_config_files(void **state)
{
	struct t *t = *state;

	add_ext(t, "bh_a");
	t->cfg.nr_errors = 1;

	assert_int_equal(load(t), BL_EXIT_DEGRADED);
	assert_int_equal(t->rep.nr_failed, 0);
}

/* ---- trust: keys, policy, the seal ----------------------------------------- */

static void decision_load_reads_floors(void **state)
{
	struct t *t = *state;
	struct bl_decision *d = own(calloc(1, sizeof(*d)));
	struct bulkhead_msg msg;
	char *path = decision_file(t, "{\"format\":1,\"boot_id\":3,\"safe_mode\":false,"
				   "\"disable\":[],\"content\":[],"
				   "\"floors\":[{\"extension\":\"bh_a\",\"floor\":7}]}");

	assert_int_equal(bl_decision_load(path, d, &msg), 0);
	assert_int_equal(d->nr_floors, 1);
	assert_string_equal(d->floors[0].extension, "bh_a");
	assert_int_equal(d->floors[0].floor, 7);
	path = decision_file(t, "{\"format\":1,\"boot_id\":3,\"safe_mode\":false,"
			     "\"disable\":[],\"content\":[],"
			     "\"floors\":[{\"extension\":\"bh_a\",\"floor\":-1}]}");
	assert_int_equal(bl_decision_load(path, d, &msg), -EBADMSG);
	assert_contains(msg.text, "floor of 'bh_a' is negative");
}

/* how far the trust step had got when each module went in */
static void count_trust_at_insert(struct fake_kernel *fk, const struct fk_call *c, void *data)
{
	unsigned int *at = data;

	if (c->kind == FK_INSERT && strcmp(c->name, "bulkhead"))
		*at = fk->nr_trust;
}

static void load_sets_the_shims_trust_and_seals_it_before_any_extension(void **state)
{
	struct t *t = *state;
	struct bl_trust_config trust = { .allow_format1 = true };
	unsigned int at_insert = 0;

	add_ext(t, "bh_a")->require_signature = true;
	add_ext(t, "bh_b");
	add_vendor(t, "bh_vendor", "bh_vendor");
	t->d.nr_floors = 2;
	snprintf(t->d.floors[0].extension, sizeof(t->d.floors[0].extension), "bh_b");
	t->d.floors[0].floor = 12;
	/* a vendor module reads its content itself: no floor in the shim */
	snprintf(t->d.floors[1].extension, sizeof(t->d.floors[1].extension), "bh_vendor");
	t->d.floors[1].floor = 3;
	t->ctx.trust = &trust;
	t->fk->hook = count_trust_at_insert;
	t->fk->hook_data = &at_insert;

	assert_int_equal(load(t), BL_EXIT_OK);
	assert_int_equal(t->fk->nr_trust, 4);
	assert_string_equal(t->fk->trust[0], "allow_format1 1");
	assert_string_equal(t->fk->trust[1], "require_signature bh_a 1");
	assert_string_equal(t->fk->trust[2], "floors bh_b 12");
	assert_string_equal(t->fk->trust[3], "keys_sealed 1");
	assert_int_equal(at_insert, 4);
	assert_string_equal(t->rep.trust_warning, "");
}

static void load_seals_even_an_empty_trust(void **state)
{
	struct t *t = *state;

	add_ext(t, "bh_a");
	assert_int_equal(load(t), BL_EXIT_OK);
	assert_int_equal(t->fk->nr_trust, 1);
	assert_string_equal(t->fk->trust[0], "keys_sealed 1");
}

static void load_names_a_key_file_it_cannot_read_and_still_seals(void **state)
{
	struct t *t = *state;
	struct bl_trust_config trust = { .keys_dir = fmt("%s/keys", t->root) };

	add_ext(t, "bh_a");
	assert_int_equal(mkdir(trust.keys_dir, 0755), 0);
	put_file(fmt("%s/vendor.pem", trust.keys_dir), "not a certificate\n", 18);
	put_file(fmt("%s/README", trust.keys_dir), "ignored\n", 8);
	t->ctx.trust = &trust;

	assert_int_equal(load(t), BL_EXIT_DEGRADED);
	assert_contains(t->rep.trust_warning, "/keys/vendor.pem");
	assert_contains(t->rep.trust_warning, "not enrolled");
	assert_int_equal(t->rep.nr_keys, 0);
	assert_int_equal(fk_find_trust(t->fk, "keys_sealed 1"), (int)t->fk->nr_trust - 1);
	assert_int_equal(t->rep.ext[0].result, BL_RES_LOADED);
}

static void load_reports_a_seal_the_shim_refuses(void **state)
{
	struct t *t = *state;

	add_ext(t, "bh_a");
	t->fk->trust_result = -EPERM;
	assert_int_equal(load(t), BL_EXIT_DEGRADED);
	assert_contains(t->rep.trust_warning, "keys_sealed: the shim refused the seal");
}

static void load_without_the_shim_touches_no_trust_file(void **state)
{
	struct t *t = *state;

	add_ext(t, "bh_a");
	t->d.safe_mode = t->d.no_shim = true;
	load(t);
	assert_int_equal(t->fk->nr_trust, 0);
}

static void load_exits_ok_with_nothing_configured(void **state)
{
	struct t *t = *state;

	assert_int_equal(load(t), BL_EXIT_OK);
	assert_int_equal(t->fk->nr_calls, 1);
	assert_insert(t, 0, "bulkhead", NULL);
}

/* ======================================================================== */
/* bl_load(): content                                                       */
/* ======================================================================== */

static void load_pushes_only_after_every_insert(void **state)
{
	struct t *t = *state;
	const char *names[] = { "bh_a", "bh_b", "bh_c" };
	unsigned int i, last_insert = 0, first_push = UINT32_MAX;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		struct bl_ext_config *e = add_ext(t, names[i]);

		store(e, i + 1);
		choose(t, names[i], i + 1);
	}
	add_vendor(t, "bh_vendor", "bh_vendor");

	assert_int_equal(load(t), BL_EXIT_OK);
	assert_int_equal(fk_count(t->fk, FK_INSERT), 5);
	assert_int_equal(fk_count(t->fk, FK_PUSH), 3);
	for (i = 0; i < t->fk->nr_calls; i++) {
		if (t->fk->calls[i].kind == FK_INSERT)
			last_insert = i;
		else if (first_push == UINT32_MAX)
			first_push = i;
	}
	assert_true(first_push > last_insert);
	/* and in config order */
	for (i = 0; i < ARRAY_SIZE(names); i++)
		assert_string_equal(t->fk->calls[first_push + i].name, names[i]);
}

static void load_pushes_the_chosen_version_from_the_store(void **state)
{
	struct t *t = *state;
	struct bl_ext_config *a;
	struct blob six;
	const struct fk_call *c;
	int i;

	a = add_ext(t, "bh_a");
	store(a, 5);
	six = store(a, 6);
	store(a, 7);
	choose(t, "bh_a", 6);

	assert_int_equal(load(t), BL_EXIT_OK);
	i = fk_find(t->fk, FK_PUSH, "bh_a");
	assert_int_not_equal(i, -1);
	c = &t->fk->calls[i];
	assert_int_equal(c->len, six.len);
	assert_memory_equal(c->buf, six.data, six.len);
	assert_int_equal(fk_count(t->fk, FK_PUSH), 1);
	assert_int_equal(t->rep.ext[0].version, 6);
	assert_string_equal(slurp(own(fk_path(t->fk, "bh_a", "content_version")), NULL), "6\n");
}

/* an extension the decision gives no content gets none pushed */
static void load_pushes_nothing_without_a_chosen_version(void **state)
{
	struct t *t = *state;
	struct bl_ext_config *a;

	a = add_ext(t, "bh_a");
	store(a, 5);

	assert_int_equal(load(t), BL_EXIT_OK);
	assert_int_equal(fk_count(t->fk, FK_PUSH), 0);
	assert_int_equal(t->rep.ext[0].version, 0);
}

struct link_seen {
	const char *module;
	const char *link;
	char target[PATH_MAX];
	bool seen;
};

static void see_link_at_insert(struct fake_kernel *fk, const struct fk_call *c, void *data)
{
	struct link_seen *ls = data;
	ssize_t n;

	(void)fk;
	if (c->kind != FK_INSERT || strcmp(c->name, ls->module))
		return;
	ls->seen = true;
	n = readlink(ls->link, ls->target, sizeof(ls->target) - 1);
	ls->target[n < 0 ? 0 : n] = '\0';
}

static void load_links_vendor_content_before_inserting_the_module(void **state)
{
	struct t *t = *state;
	struct link_seen ls = { .module = "bh_vendor" };
	struct bl_ext_config *v;

	v = add_vendor(t, "bh_vendor", "bh_vendor");
	v->content_link = fmt("%s/vendor.dat", t->root);
	store(v, 3);
	store(v, 4);
	/* the link points at the old version: it is swapped */
	assert_int_equal(symlink(store_path(v, 3), v->content_link), 0);
	choose(t, "bh_vendor", 4);
	ls.link = v->content_link;
	t->fk->hook = see_link_at_insert;
	t->fk->hook_data = &ls;

	assert_int_equal(load(t), BL_EXIT_OK);
	assert_true(ls.seen);
	assert_string_equal(ls.target, store_path(v, 4));
	assert_int_equal(t->rep.ext[0].result, BL_RES_LOADED);
	assert_int_equal(t->rep.ext[0].version, 4);
	/* the shim never sees a vendor module's content */
	assert_int_equal(fk_count(t->fk, FK_PUSH), 0);
}

static void load_never_replaces_a_regular_file_at_the_content_link(void **state)
{
	struct t *t = *state;
	struct bl_ext_config *v;
	struct stat st;

	v = add_vendor(t, "bh_vendor", "bh_vendor");
	v->content_link = fmt("%s/vendor.dat", t->root);
	store(v, 4);
	put_file(v->content_link, "the vendor's own", 16);
	choose(t, "bh_vendor", 4);
	add_ext(t, "bh_b");

	assert_int_equal(load(t), BL_EXIT_DEGRADED);
	assert_int_equal(lstat(v->content_link, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_string_equal(slurp(v->content_link, NULL), "the vendor's own");
	assert_true(bl_result_failed(t->rep.ext[0].result));
	assert_contains(t->rep.ext[0].error, v->content_link);
	/* it would read content the guard did not choose */
	assert_int_equal(fk_find(t->fk, FK_INSERT, "bh_vendor"), -1);
	assert_int_equal(t->rep.ext[1].result, BL_RES_LOADED);
}

static void load_refuses_vendor_content_missing_from_the_store(void **state)
{
	struct t *t = *state;
	struct bl_ext_config *v;
	struct stat st;

	v = add_vendor(t, "bh_vendor", "bh_vendor");
	v->content_link = fmt("%s/vendor.dat", t->root);
	choose(t, "bh_vendor", 4);

	assert_int_equal(load(t), BL_EXIT_DEGRADED);
	assert_int_equal(t->rep.ext[0].result, BL_RES_CONTENT_MISSING);
	assert_contains(t->rep.ext[0].error, "content 4 for bh_vendor");
	assert_int_equal(lstat(v->content_link, &st), -1);
	assert_int_equal(fk_find(t->fk, FK_INSERT, "bh_vendor"), -1);
}

/* ======================================================================== */
/* bl_load(): the journal                                                   */
/* ======================================================================== */

static void load_journals_begin_and_end_around_every_step(void **state)
{
	struct t *t = *state;
	struct bl_ext_config *a, *v;

	a = add_ext(t, "bh_a");
	v = add_vendor(t, "bh_vendor", "bh_vendor");
	v->content_link = fmt("%s/vendor.dat", t->root);
	add_ext(t, "bh_off");
	add_ext(t, "bh_bare");
	store(a, 5);
	store(v, 2);
	choose(t, "bh_a", 5);
	choose(t, "bh_vendor", 2);
	disable(t, "bh_off");

	assert_int_equal(load(t), BL_EXIT_OK);
	assert_string_equal(slurp(t->journal, NULL),
			    "9 begin insert bulkhead 0\n"
			    "9 end insert bulkhead 0\n"
			    "9 begin insert bh_a 5\n"
			    "9 end insert bh_a 5\n"
			    "9 begin push bh_vendor 2\n"
			    "9 end push bh_vendor 2\n"
			    "9 begin insert bh_vendor 2\n"
			    "9 end insert bh_vendor 2\n"
			    "9 begin insert bh_bare 0\n"
			    "9 end insert bh_bare 0\n"
			    "9 begin push bh_a 5\n"
			    "9 end push bh_a 5\n");
	/* everything ended: no evidence against anyone */
	assert_int_equal(journal_evidence(t->journal, BOOT).kind, BG_EV_NONE);
}

/* a failed step still gets its end: the machine survived it */
static void load_journals_the_end_of_failed_steps(void **state)
{
	struct t *t = *state;
	struct bl_ext_config *a;

	a = add_ext(t, "bh_a");
	add_ext(t, "bh_b");
	store(a, 5);
	choose(t, "bh_a", 5);
	fk_insert_result(t->fk, "bh_b", -EPERM, "refused");
	fk_push_result(t->fk, "bh_a", -EBADMSG, "bad");

	assert_int_equal(load(t), BL_EXIT_DEGRADED);
	assert_string_equal(slurp(t->journal, NULL),
			    "9 begin insert bulkhead 0\n"
			    "9 end insert bulkhead 0\n"
			    "9 begin insert bh_a 5\n"
			    "9 end insert bh_a 5\n"
			    "9 begin insert bh_b 0\n"
			    "9 end insert bh_b 0\n"
			    "9 begin push bh_a 5\n"
			    "9 end push bh_a 5\n");
}

/* earlier boots' lines stay; this boot's are appended */
static void load_appends_to_the_journal_of_earlier_boots(void **state)
{
	struct t *t = *state;
	const char *old = "8 begin insert bh_a 0\n8 end insert bh_a 0\n8 begin push bh_a 4\n";
	struct bg_evidence ev;

	add_ext(t, "bh_a");
	put_file(t->journal, old, strlen(old));

	assert_int_equal(load(t), BL_EXIT_OK);
	assert_string_equal(t->rep.journal_error, "");
	assert_string_equal(slurp(t->journal, NULL),
			    fmt("%s9 begin insert bulkhead 0\n9 end insert bulkhead 0\n"
				"9 begin insert bh_a 0\n9 end insert bh_a 0\n", old));
	ev = journal_evidence(t->journal, BOOT);
	assert_true(evidence_is(&ev, NULL, NULL, 0));
	ev = journal_evidence(t->journal, 8);
	assert_true(evidence_is(&ev, "push", "bh_a", 4));
}

struct step_check {
	struct t *t;
	unsigned int checked;
	char failure[256];
};

/*
 * At every insert and push, the journal as it is on disk names exactly
 * the step in progress: a crash there is blamed on the right extension,
 * op and version, and a crash in the shim's own insert on the shim.
 */
static void check_step_evidence(struct fake_kernel *fk, const struct fk_call *c, void *data)
{
	struct step_check *sc = data;
	const struct bl_config *cfg = &sc->t->cfg;
	struct bg_evidence ev = journal_evidence(sc->t->journal, BOOT);
	const char *ext = c->name;
	uint64_t v = 0;
	uint32_t i;

	(void)fk;
	for (i = 0; i < cfg->nr_ext; i++)
		if (!strcmp(cfg->ext[i].module, c->name) || !strcmp(cfg->ext[i].name, c->name))
			ext = cfg->ext[i].name;
	for (i = 0; i < sc->t->d.nr_content; i++)
		if (!strcmp(sc->t->d.content[i].extension, ext))
			v = sc->t->d.content[i].version;
	sc->checked++;
	if (c->kind == FK_INSERT && !strcmp(c->name, BL_SHIM_MODULE)) {
		if (!evidence_is(&ev, "insert", BL_SHIM_MODULE, 0) && !sc->failure[0])
			snprintf(sc->failure, sizeof(sc->failure), "shim insert: evidence %s",
				 evidence_text(&ev));
		return;
	}
	if (!evidence_is(&ev, c->kind == FK_INSERT ? "insert" : "push", ext, v) &&
	    !sc->failure[0])
		snprintf(sc->failure, sizeof(sc->failure), "%s %s: evidence %s",
			 c->kind == FK_INSERT ? "insert" : "push", c->name, evidence_text(&ev));
}

static void load_journal_names_the_step_in_progress_at_every_step(void **state)
{
	struct t *t = *state;
	struct step_check sc = { .t = t };
	struct bl_ext_config *a, *b, *v;

	a = add_ext(t, "bh_a");
	b = add_ext(t, "bh_b");
	v = add_vendor(t, "bh_vendor", "bh_vendor");
	add_vendor(t, "bh_plain", "plain_mod");
	store(a, 11);
	store(b, 3);
	store(v, 2);
	choose(t, "bh_a", 11);
	choose(t, "bh_b", 3);
	choose(t, "bh_vendor", 2);
	/* an earlier boot's open step must not matter */
	put_file(t->journal, "8 begin push bh_b 2\n", 20);
	t->fk->hook = check_step_evidence;
	t->fk->hook_data = &sc;

	assert_int_equal(load(t), BL_EXIT_OK);
	if (sc.failure[0])
		fail_msg("%s", sc.failure);
	assert_int_equal(sc.checked, 7);
}

static void load_goes_on_unjournalled_when_the_journal_cannot_be_opened(void **state)
{
	struct t *t = *state;
	struct bl_ext_config *a;

	a = add_ext(t, "bh_a");
	store(a, 2);
	choose(t, "bh_a", 2);
	assert_int_equal(mkdir(t->journal, 0700), 0);

	assert_int_equal(load(t), BL_EXIT_DEGRADED);
	assert_contains(t->rep.journal_error, t->journal);
	assert_int_equal(t->rep.ext[0].result, BL_RES_LOADED);
	assert_int_equal(t->rep.ext[0].version, 2);
	assert_int_equal(t->rep.nr_failed, 0);
}

/* ======================================================================== */
/* bl_record()                                                              */
/* ======================================================================== */

static struct bg_state *load_state(struct t *t)
{
	struct bg_state *st = own(calloc(1, sizeof(*st)));
	struct bulkhead_msg msg = { "" };
	enum bg_load_source src;

	if (bg_state_load(t->state_dir, st, &src, &msg))
		fail_msg("state: %s", msg.text);
	return st;
}

static void record_writes_each_extensions_load_result_into_the_state(void **state)
{
	struct t *t = *state;
	struct bulkhead_msg msg = { "" };
	struct bg_state *st = own(calloc(1, sizeof(*st)));
	struct bl_ext_config *a;
	struct bg_ext *e;

	/* bh_a is known to the state, the others are not */
	st->next_boot_id = BOOT + 1;
	st->current_boot = BOOT;
	e = bg_state_ext(st, "bh_a", true);
	e->active = 5;
	e->chosen = 5;
	e->changed_at = NOW - 1000;
	if (bg_state_save(t->state_dir, st, &bg_real_fsops, &msg))
		fail_msg("save: %s", msg.text);

	a = add_ext(t, "bh_a");
	add_ext(t, "bh_b");
	add_vendor(t, "bh_vendor", "bh_vendor")->content_link = fmt("%s/vendor.dat", t->root);
	store(a, 5);
	choose(t, "bh_a", 5);
	choose(t, "bh_vendor", 8);
	fk_insert_result(t->fk, "bh_b", -ENOENT, "module bh_b: not found");

	assert_int_equal(load(t), BL_EXIT_DEGRADED);
	t->ctx.uptime = 42;		/* probation runs from here (CLOCK_BOOTTIME) */
	if (bl_record(&t->ctx, &t->d, &t->rep, &msg))
		fail_msg("record: %s", msg.text);

	st = load_state(t);
	assert_int_equal(st->nr_ext, 3);
	e = bg_state_ext(st, "bh_a", false);
	assert_non_null(e);
	assert_int_equal(e->load_boot, BOOT);
	assert_string_equal(e->load_result, "loaded");
	assert_string_equal(e->load_error, "");
	assert_int_equal(e->load_uptime, 42);
	assert_int_equal(e->chosen, 5);
	assert_int_equal(e->changed_at, NOW - 1000);	/* known: unchanged */
	e = bg_state_ext(st, "bh_b", false);
	assert_non_null(e);
	assert_int_equal(e->load_boot, BOOT);
	assert_string_equal(e->load_result, "missing");
	assert_string_equal(e->load_error, "module bh_b: not found");
	assert_int_equal(e->load_uptime, 0);		/* not running: no probation */
	assert_int_equal(e->changed_at, NOW);		/* new: a change now */
	e = bg_state_ext(st, "bh_vendor", false);
	assert_non_null(e);
	assert_string_equal(e->load_result, "content-missing");
	assert_int_equal(e->chosen, 8);
	assert_int_equal(e->changed_at, NOW);
	/* the rest of the state is as it was */
	assert_int_equal(st->current_boot, BOOT);
	assert_int_equal(st->next_boot_id, BOOT + 1);
}

static void record_cuts_a_long_error_to_the_states_length(void **state)
{
	struct t *t = *state;
	struct bulkhead_msg msg = { "" };
	struct bg_ext *e;

	add_ext(t, "bh_a");
	memset(&t->rep, 0, sizeof(t->rep));
	t->rep.ext[0].result = BL_RES_INSERT_FAILED;
	memset(t->rep.ext[0].error, 'e', sizeof(t->rep.ext[0].error) - 1);
	if (bl_record(&t->ctx, &t->d, &t->rep, &msg))
		fail_msg("record: %s", msg.text);
	e = bg_state_ext(load_state(t), "bh_a", false);
	assert_non_null(e);
	assert_string_equal(e->load_result, "insert-failed");
	assert_int_equal(strlen(e->load_error), BG_REASON_LEN - 1);
}

/* ======================================================================== */
/* the journal: crash safety                                                */
/* ======================================================================== */

/*
 * A crash is fi_ops (testutil.h) in FI_CRASH mode: from call @at on, the
 * journal's syscalls do nothing and fail (EIO), as a process stopped at
 * that syscall would; fi_reap() then closes what it opened, as the kernel
 * closes a dead process's files.  With @chunk set a write takes at most
 * that many bytes, so a crash can also tear a line.
 */

struct jstep {
	bool begin;
	enum bl_journal_op op;
	const char *name;
	uint64_t version;
};

static const struct jstep boot7_steps[] = {
	{ true, BL_JOURNAL_INSERT, "bh_execwatch", 12 },
	{ false, BL_JOURNAL_INSERT, "bh_execwatch", 12 },
	{ true, BL_JOURNAL_PUSH, "bh_execwatch", 12 },
	{ false, BL_JOURNAL_PUSH, "bh_execwatch", 12 },
	{ true, BL_JOURNAL_PUSH, "bh_b", 3 },
};

static const char *op_word(enum bl_journal_op op)
{
	return op == BL_JOURNAL_INSERT ? "insert" : "push";
}

static char *step_line(uint64_t boot, const struct jstep *s)
{
	return fmt("%llu %s %s %s %llu\n", (unsigned long long)boot, s->begin ? "begin" : "end",
		   op_word(s->op), s->name, (unsigned long long)s->version);
}

/* open the journal for @boot and take @n steps, as far as the syscalls let it */
static void journal_run(const char *state_dir, uint64_t boot, const struct jstep *steps,
			size_t n, const struct bg_fsops *ops)
{
	struct bl_journal j = { .fd = -1 };
	struct bulkhead_msg msg;
	size_t i;

	if (bl_journal_open(state_dir, boot, ops, &j, &msg))
		return;
	for (i = 0; i < n; i++)
		if (bl_journal_step(&j, steps[i].begin, steps[i].op, steps[i].name,
				    steps[i].version, &msg))
			break;
	bl_journal_close(&j, &msg);
}

static void journal_ok(const char *state_dir, uint64_t boot, const struct jstep *steps, size_t n)
{
	struct bl_journal j = { .fd = -1 };
	struct bulkhead_msg msg = { "" };
	size_t i;

	if (bl_journal_open(state_dir, boot, &bg_real_fsops, &j, &msg))
		fail_msg("open: %s", msg.text);
	for (i = 0; i < n; i++)
		if (bl_journal_step(&j, steps[i].begin, steps[i].op, steps[i].name,
				    steps[i].version, &msg))
			fail_msg("step: %s", msg.text);
	bl_journal_close(&j, &msg);
}

/*
 * What the evidence for @boot must be when @text holds the bytes a run of
 * @steps got to write: the step whose begin is the last whole line with
 * no end after it, or none.
 */
static const struct jstep *open_step(const char *text, size_t len, const struct jstep *steps,
				     size_t n, uint64_t boot)
{
	const struct jstep *open = NULL;
	size_t off = 0, i;

	for (i = 0; i < n; i++) {
		char *line = step_line(boot, &steps[i]);
		size_t l = strlen(line);

		if (off + l > len || memcmp(text + off, line, l))
			break;
		off += l;
		open = steps[i].begin ? &steps[i] : NULL;
	}
	return open;
}

static void journal_opens_and_appends_to_an_existing_journal(void **state)
{
	struct t *t = *state;
	struct bg_evidence ev;

	journal_ok(t->state_dir, 7, boot7_steps, 2);
	journal_ok(t->state_dir, 7, boot7_steps + 2, 3);
	assert_string_equal(slurp(t->journal, NULL),
			    "7 begin insert bh_execwatch 12\n"
			    "7 end insert bh_execwatch 12\n"
			    "7 begin push bh_execwatch 12\n"
			    "7 end push bh_execwatch 12\n"
			    "7 begin push bh_b 3\n");
	ev = journal_evidence(t->journal, 7);
	assert_true(evidence_is(&ev, "push", "bh_b", 3));
	assert_int_equal(ev.kind, BG_EV_LOADER);
	assert_contains(ev.detail, "7 begin push bh_b 3");
}

static void journal_refuses_a_journal_that_is_not_a_regular_file(void **state)
{
	struct t *t = *state;
	struct bl_journal j = { .fd = -1 };
	struct bulkhead_msg msg = { "" };

	assert_int_equal(symlink("/dev/null", t->journal), 0);
	assert_int_equal(bl_journal_open(t->state_dir, 7, &bg_real_fsops, &j, &msg), -EINVAL);
	assert_contains(msg.text, t->journal);
	assert_contains(msg.text, "not a regular file");
}

static void journal_refuses_a_record_too_long_for_a_line(void **state)
{
	struct t *t = *state;
	struct bl_journal j = { .fd = -1 };
	struct bulkhead_msg msg = { "" };
	char name[200];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	if (bl_journal_open(t->state_dir, 7, &bg_real_fsops, &j, &msg))
		fail_msg("open: %s", msg.text);
	assert_int_equal(bl_journal_step(&j, true, BL_JOURNAL_PUSH, name, 1, &msg), -EINVAL);
	bl_journal_close(&j, &msg);
	assert_string_equal(slurp(t->journal, NULL), "");
}

/*
 * Cut a run of @steps for boot 7 (after @history, the journal of earlier
 * boots) at every syscall, @chunk bytes a write: the evidence for boot 7
 * is none or exactly the step begun, never a wrong one; the earlier
 * boots' evidence is as it was; and the next boot's loader (boot 8)
 * opens the journal, repairs a torn last line, and its own record parses
 * while boot 7's evidence does not change.  Returns the syscalls of a
 * whole run.
 */
static unsigned int journal_cut_everywhere(struct t *t, const char *history, size_t chunk)
{
	static const struct jstep boot8 = { true, BL_JOURNAL_INSERT, "bh_next", 1 };
	struct bg_evidence before6 = { 0 };
	unsigned int n, k;

	/* a dry run counts the calls */
	unlink(t->journal);
	if (history) {
		put_file(t->journal, history, strlen(history));
		before6 = journal_evidence(t->journal, 6);
	}
	fi_reset(FI_CRASH, UINT_MAX, chunk);
	journal_run(t->state_dir, 7, boot7_steps, ARRAY_SIZE(boot7_steps), &fi_ops);
	fi_reap();
	n = fi.calls;

	for (k = 0; k <= n; k++) {
		size_t hl = history ? strlen(history) : 0, len = 0;
		const struct jstep *want;
		struct bg_evidence ev;
		char *text, *when;

		unlink(t->journal);
		if (history)
			put_file(t->journal, history, hl);
		fi_reset(FI_CRASH, k, chunk);
		journal_run(t->state_dir, 7, boot7_steps, ARRAY_SIZE(boot7_steps), &fi_ops);
		fi_reap();
		when = fmt("chunk %zu, %s, cut at call %u of %u (%s)", chunk,
			   history ? "after history" : "fresh", k, n,
			   k < n ? fi.trace[k] : "none");

		text = slurp(t->journal, &len);
		if (k == n && !text)
			fail_msg("%s: no journal", when);
		if (history && (!text || len < hl || memcmp(text, history, hl)))
			fail_msg("%s: the earlier boots' lines changed", when);
		want = text ? open_step(text + hl, len - hl, boot7_steps,
					ARRAY_SIZE(boot7_steps), 7) : NULL;
		ev = journal_evidence(t->journal, 7);
		if (!evidence_is(&ev, want ? op_word(want->op) : NULL, want ? want->name : NULL,
				 want ? want->version : 0))
			fail_msg("%s: evidence %s, expected %s", when, evidence_text(&ev),
				 want ? step_line(7, want) : "none");
		if (history) {
			struct bg_evidence e6 = journal_evidence(t->journal, 6);

			if (memcmp(&e6, &before6, sizeof(e6)))
				fail_msg("%s: boot 6's evidence changed", when);
		}

		/* the next boot */
		journal_ok(t->state_dir, 8, &boot8, 1);
		{
			struct bg_evidence e8 = journal_evidence(t->journal, 8);
			struct bg_evidence e7 = journal_evidence(t->journal, 7);

			if (!evidence_is(&e8, "insert", "bh_next", 1))
				fail_msg("%s: the next boot's record gives %s", when,
					 evidence_text(&e8));
			if (memcmp(&e7, &ev, sizeof(ev)))
				fail_msg("%s: after the repair, boot 7's evidence is %s, was %s",
					 when, evidence_text(&e7), evidence_text(&ev));
		}
	}
	return n;
}

static void journal_cut_at_every_syscall_names_nothing_or_the_step_begun(void **state)
{
	struct t *t = *state;
	unsigned int n;

	/*
	 * open, the directory's fsync (open fsync close), write and fsync
	 * for every begin, a write for every end (the next begin's fsync
	 * covers it), close (the steps end with a begin: nothing to fsync)
	 */
	n = journal_cut_everywhere(t, NULL, 0);
	assert_int_equal(n, 4 + 2 * 3 + 2 + 1);
	assert_string_equal(fi.trace[0], "open");
	assert_string_equal(fi.trace[4], "write");
}

static void journal_cut_at_every_byte_names_nothing_or_the_step_begun(void **state)
{
	journal_cut_everywhere(*state, NULL, 1);
}

static void journal_cut_after_earlier_boots_keeps_their_lines(void **state)
{
	static const char history[] =
		"6 begin insert bh_a 0\n6 end insert bh_a 0\n6 begin push bh_a 4\n";
	struct t *t = *state;
	unsigned int n;

	/* the journal exists: no directory fsync */
	n = journal_cut_everywhere(t, history, 0);
	assert_int_equal(n, 1 + 2 * 3 + 2 + 1);
	journal_cut_everywhere(t, history, 1);
}

/*
 * A begin is on disk before the step; an end rides on the next begin's
 * fsync, and the last one on the close's: never a step without its fsync.
 */
static void journal_fsyncs_every_begin_and_the_last_end(void **state)
{
	static const char *const want[] = {
		"open", "open", "fsync", "close",	/* create, then the directory */
		"write", "fsync",			/* begin insert */
		"write",				/* end insert */
		"write", "fsync",			/* begin push: covers the end */
		"write",				/* end push */
		"fsync", "close",			/* close: the last end */
	};
	struct t *t = *state;
	struct bl_journal j = { .fd = -1 };
	struct bulkhead_msg msg;
	size_t i;

	fi_reset(FI_CRASH, 1000, 0);
	assert_int_equal(bl_journal_open(t->state_dir, 7, &fi_ops, &j, &msg), 0);
	assert_int_equal(bl_journal_step(&j, true, BL_JOURNAL_INSERT, "bh_a", 3, &msg), 0);
	assert_int_equal(bl_journal_step(&j, false, BL_JOURNAL_INSERT, "bh_a", 3, &msg), 0);
	assert_int_equal(bl_journal_step(&j, true, BL_JOURNAL_PUSH, "bh_a", 3, &msg), 0);
	assert_int_equal(bl_journal_step(&j, false, BL_JOURNAL_PUSH, "bh_a", 3, &msg), 0);
	assert_int_equal(bl_journal_close(&j, &msg), 0);
	assert_int_equal(fi.calls, ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++)
		if (strcmp(fi.trace[i], want[i]))
			fail_msg("syscall %zu: %s, expected %s", i, fi.trace[i], want[i]);
	fi_reap();
}

/* a crash tore boot 6's last line: boot 7's loader ends it, it never counts */
static void journal_open_ends_a_torn_last_line(void **state)
{
	static const struct jstep step = { true, BL_JOURNAL_PUSH, "bh_b", 3 };
	struct t *t = *state;
	const char *torn[] = {
		"6 begin push bh_execwatch 1",	/* of "... 12\n" */
		"6 begin push bh_exec",		/* of "bh_execwatch" */
		"6 begin push bh_execwatch ",
		"6 beg",
		"6 begin push bh_execwatch 12",	/* all but the newline */
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(torn); i++) {
		const char *good = "6 begin insert bh_a 0\n6 end insert bh_a 0\n";
		char *text = fmt("%s%s", good, torn[i]);
		struct bg_evidence ev;
		size_t len;

		unlink(t->journal);
		put_file(t->journal, text, strlen(text));
		assert_int_equal(journal_evidence(t->journal, 6).kind, BG_EV_NONE);

		journal_ok(t->state_dir, 7, &step, 1);
		text = slurp(t->journal, &len);
		/* the torn line is ended, the new record is a line of its own */
		assert_true(len > strlen(good) + strlen(torn[i]));
		assert_memory_equal(text, good, strlen(good));
		assert_memory_equal(text + strlen(good), torn[i], strlen(torn[i]));
		assert_string_equal(text + len - strlen("7 begin push bh_b 3\n"),
				    "7 begin push bh_b 3\n");
		assert_non_null(memchr(text + strlen(good) + strlen(torn[i]), '\n',
				       len - strlen(good) - strlen(torn[i]) - 20));
		ev = journal_evidence(t->journal, 7);
		assert_true(evidence_is(&ev, "push", "bh_b", 3));
		/* and the torn record never turns into evidence */
		ev = journal_evidence(t->journal, 6);
		if (ev.kind != BG_EV_NONE)
			fail_msg("torn '%s': evidence %s after the repair", torn[i],
				 evidence_text(&ev));
	}
}

/* boots 1..@boots, four whole lines each, and the last boot's last push left open */
static char *big_journal(unsigned int boots, size_t *ret_len)
{
	size_t cap = 256 * 1024, len = 0;
	char *buf = own(malloc(cap));
	unsigned int b;

	for (b = 1; b <= boots; b++) {
		int n = snprintf(buf + len, cap - len,
				 "%u begin insert bh_execwatch 12\n%u end insert bh_execwatch 12\n"
				 "%u begin push bh_execwatch 12\n%u end push bh_execwatch 12\n",
				 b, b, b, b);

		assert_true(n > 0 && (size_t)n < cap - len);
		len += (size_t)n;
	}
	len += (size_t)snprintf(buf + len, cap - len, "%u begin push bh_b 3\n", boots);
	*ret_len = len;
	return buf;
}

/* the newest whole lines of @old, as the compacted journal starts */
static void assert_compacted(const char *text, size_t len, const char *old, size_t old_len,
			     const char *when)
{
	size_t i;

	if (len > BL_JOURNAL_KEEP || len < BL_JOURNAL_KEEP / 2)
		fail_msg("%s: compacted to %zu bytes", when, len);
	if (len > old_len || memcmp(text, old + old_len - len, len))
		fail_msg("%s: the compacted journal is not the old one's tail", when);
	if (old[old_len - len - 1] != '\n')
		fail_msg("%s: the compacted journal starts mid-line", when);
	for (i = 0; i < len; i++)
		if (text[i] == '\0')
			fail_msg("%s: NUL at %zu", when, i);
}

static void journal_compacts_above_the_limit_keeping_the_newest_lines(void **state)
{
	struct t *t = *state;
	static const struct jstep step = { true, BL_JOURNAL_INSERT, "bh_c", 0 };
	size_t old_len, len;
	char *old = big_journal(700, &old_len), *text;
	struct bg_evidence ev;
	struct stat st;

	assert_true(old_len > BL_JOURNAL_MAX);
	put_file(t->journal, old, old_len);
	ev = journal_evidence(t->journal, 700);
	assert_true(evidence_is(&ev, "push", "bh_b", 3));

	journal_ok(t->state_dir, 701, &step, 1);
	text = slurp(t->journal, &len);
	assert_compacted(text, len - strlen("701 begin insert bh_c 0\n"), old, old_len,
			 "compaction");
	assert_string_equal(text + len - strlen("701 begin insert bh_c 0\n"),
			    "701 begin insert bh_c 0\n");
	ev = journal_evidence(t->journal, 700);
	assert_true(evidence_is(&ev, "push", "bh_b", 3));
	ev = journal_evidence(t->journal, 701);
	assert_true(evidence_is(&ev, "insert", "bh_c", 0));
	assert_int_equal(stat(fmt("%s.tmp", t->journal), &st), -1);
	assert_int_equal(stat(t->journal, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void journal_compaction_cut_at_every_syscall_keeps_old_or_new(void **state)
{
	static const struct jstep steps[] = {
		{ true, BL_JOURNAL_INSERT, "bh_c", 0 },
		{ false, BL_JOURNAL_INSERT, "bh_c", 0 },
	};
	static const size_t chunks[] = { 0, 4096 };
	struct t *t = *state;
	size_t old_len, c;
	char *old = big_journal(700, &old_len);

	for (c = 0; c < ARRAY_SIZE(chunks); c++) {
		unsigned int n, k;

		unlink(t->journal);
		put_file(t->journal, old, old_len);
		fi_reset(FI_CRASH, UINT_MAX, chunks[c]);
		journal_run(t->state_dir, 701, steps, ARRAY_SIZE(steps), &fi_ops);
		fi_reap();
		n = fi.calls;
		/* the compaction: tmp open write(s) fsync close rename, dir open fsync close */
		assert_string_equal(fi.trace[4 + (chunks[c] ? 3 : 0)], "rename");

		for (k = 0; k <= n; k++) {
			char *when = fmt("chunk %zu, cut at call %u of %u (%s)", chunks[c], k, n,
					 k < n ? fi.trace[k] : "none");
			struct bg_evidence ev;
			char *text;
			size_t len;

			unlink(t->journal);
			unlink(fmt("%s.tmp", t->journal));
			put_file(t->journal, old, old_len);
			fi_reset(FI_CRASH, k, chunks[c]);
			journal_run(t->state_dir, 701, steps, ARRAY_SIZE(steps), &fi_ops);
			fi_reap();

			/* the old journal, or the compacted one, whole */
			text = slurp(t->journal, &len);
			assert_non_null(text);
			if (len < old_len || memcmp(text, old, old_len)) {
				const char *end = memmem(text, len, "701 ", 4);
				size_t body = end ? (size_t)(end - text) : len;

				assert_compacted(text, body, old, old_len, when);
			}
			ev = journal_evidence(t->journal, 700);
			if (!evidence_is(&ev, "push", "bh_b", 3))
				fail_msg("%s: boot 700's evidence is %s", when, evidence_text(&ev));
			ev = journal_evidence(t->journal, 701);
			if (!evidence_is(&ev, NULL, NULL, 0) &&
			    !evidence_is(&ev, "insert", "bh_c", 0))
				fail_msg("%s: boot 701's evidence is %s", when, evidence_text(&ev));

			/* the next open compacts or appends, and all still parses */
			journal_ok(t->state_dir, 702, steps, 1);
			ev = journal_evidence(t->journal, 702);
			if (!evidence_is(&ev, "insert", "bh_c", 0))
				fail_msg("%s: the next boot's record gives %s", when,
					 evidence_text(&ev));
			ev = journal_evidence(t->journal, 700);
			if (!evidence_is(&ev, "push", "bh_b", 3))
				fail_msg("%s: after the next open boot 700's evidence is %s", when,
					 evidence_text(&ev));
			if (!access(fmt("%s.tmp", t->journal), F_OK))
				fail_msg("%s: the next open left the temporary file", when);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(decision_load_reads_every_member),
		T(decision_load_takes_kernel_boot_id_as_optional),
		T(decision_load_refuses_each_malformed_member_naming_file_and_member),
		T(decision_load_skips_a_bad_disable_entry_naming_file_entry_and_reason),
		T(decision_load_of_a_clean_decision_has_no_warnings),
		T(decision_load_counts_warnings_past_the_kept_ones),
		T(decision_load_takes_the_longest_lists),
		T(decision_load_of_a_missing_file_names_it),
		T(load_inserts_the_shim_first_then_extensions_in_config_order),
		T(load_gives_the_shim_the_disable_list_with_disabled_vendor_modules),
		T(load_skips_extensions_disabled_by_extension_or_module_name),
		T(load_in_safe_mode_inserts_only_the_shim),
		T(load_without_the_shim_inserts_nothing),
		T(decision_load_reads_load_shim),
		T(load_sets_the_disable_list_of_a_shim_loaded_before),
		T(load_in_safe_mode_lists_every_extension_to_a_shim_loaded_before),
		T(load_in_safe_mode_keeps_the_disable_list),
		T(load_caps_the_shim_disable_list_and_reports_the_rest),
		T(load_lists_each_disabled_name_once),
		T(load_reports_a_missing_module_and_loads_the_others),
		T(load_reports_a_blacklisted_module_and_loads_the_others),
		T(load_reports_a_refused_insert_and_loads_the_others),
		T(load_without_the_shim_still_loads_vendor_modules),
		T(load_reports_content_missing_from_the_store_and_pushes_the_others),
		T(load_reports_content_the_shim_refused_with_the_shims_reason),
		T(load_reports_other_shim_refusals_by_their_meaning),
		T(load_exits_failed_when_a_required_extension_fails),
		T(load_exits_failed_when_required_content_is_refused),
		T(load_exits_ok_when_a_required_extension_is_disabled),
		T(load_exits_degraded_for_refused_config_files),
		T(decision_load_reads_floors),
		T(load_sets_the_shims_trust_and_seals_it_before_any_extension),
		T(load_seals_even_an_empty_trust),
		T(load_names_a_key_file_it_cannot_read_and_still_seals),
		T(load_reports_a_seal_the_shim_refuses),
		T(load_without_the_shim_touches_no_trust_file),
		T(load_exits_ok_with_nothing_configured),
		T(load_pushes_only_after_every_insert),
		T(load_pushes_the_chosen_version_from_the_store),
		T(load_pushes_nothing_without_a_chosen_version),
		T(load_links_vendor_content_before_inserting_the_module),
		T(load_never_replaces_a_regular_file_at_the_content_link),
		T(load_refuses_vendor_content_missing_from_the_store),
		T(load_journals_begin_and_end_around_every_step),
		T(load_journals_the_end_of_failed_steps),
		T(load_appends_to_the_journal_of_earlier_boots),
		T(load_journal_names_the_step_in_progress_at_every_step),
		T(load_goes_on_unjournalled_when_the_journal_cannot_be_opened),
		T(record_writes_each_extensions_load_result_into_the_state),
		T(record_cuts_a_long_error_to_the_states_length),
		T(journal_opens_and_appends_to_an_existing_journal),
		T(journal_refuses_a_journal_that_is_not_a_regular_file),
		T(journal_refuses_a_record_too_long_for_a_line),
		T(journal_cut_at_every_syscall_names_nothing_or_the_step_begun),
		T(journal_cut_at_every_byte_names_nothing_or_the_step_begun),
		T(journal_cut_after_earlier_boots_keeps_their_lines),
		T(journal_fsyncs_every_begin_and_the_last_end),
		T(journal_open_ends_a_torn_last_line),
		T(journal_compacts_above_the_limit_keeping_the_newest_lines),
		T(journal_compaction_cut_at_every_syscall_keeps_old_or_new),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
