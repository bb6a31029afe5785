// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_stage.c - "bulkheadctl content stage EXT FILE" (loader/stage.c):
 * every refusal leaves the state and the store as they were; accepted
 * content becomes active (or is held as pending for a disabled or pinned
 * extension), its hand-over is journalled, the shim's refusal keeps the
 * old content with the shim's reason, a vendor module's content link is
 * swapped, and the store is pruned to what the guard may still choose.
 * A crash at any of staging's state or journal syscalls (a child process
 * that dies there) never leaves the state naming a version the store
 * does not hold.
 *
 * The shim is tests/unit/fake_kernel.c; content comes from the test
 * encoder (fixture.c), schemas from fx_schema under the test extension's
 * name; every test works in a fresh mkdtemp() directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake_kernel.h"
#include "evidence.h"
#include "fixture.h"
#include "journal.h"
#include "loader.h"
#include "schema_file.h"
#include "store.h"
#include "testutil.h"

#define NOW		1795000000LL
#define T0		1794000000LL
#define BOOT		5
#define EXT		"bh_a"
#define PUT_MODE	0644	/* of the files a test puts down */

struct t {
	char root[40];
	char *state_dir;
	char *journal;
	struct fake_kernel *fk;
	struct bl_config cfg;
	struct bl_ctx ctx;
	struct bl_ext_config *e;	/* EXT, a registering extension */
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->root, sizeof(t->root), "/tmp/bl-stage-XXXXXX");
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

/* ---- files --------------------------------------------------------------- */

/* "NAME=bytes;..." of a directory, sorted: what a refusal must not change */
static char *dir_listing(const char *dir)
{
	struct dirent **names;
	char *s = fmt("%s", "");
	int i, n;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return fmt("(none)");
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (strcmp(name, ".") && strcmp(name, "..")) {
			char *p = fmt("%s/%s", dir, name);
			char target[PATH_MAX];
			ssize_t l = readlink(p, target, sizeof(target) - 1);

			if (l >= 0) {
				target[l] = '\0';
				s = fmt("%s%s->%s;", s, name, target);
			} else {
				char *text = slurp(p, NULL);

				s = fmt("%s%s=%s;", s, name, text ? text : "?");
			}
		}
		free(names[i]);
	}
	free(names);
	return s;
}

/* ---- configuration, content, state ------------------------------------------ */

static struct bl_ext_config *add_ext(struct t *t, const char *name, bool registers)
{
	struct bl_ext_config *e;

	assert_true(t->cfg.nr_ext < BL_MAX_EXT);
	e = &t->cfg.ext[t->cfg.nr_ext++];
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->module, sizeof(e->module), "%s", name);
	e->registers = registers;
	e->content_dir = fmt("%s/content/%s", t->root, name);
	e->origin = fmt("/etc/bulkhead/extensions.d/%s.conf", name);
	return e;
}

/* fx_schema under @ext's name, as text, with schema version @version */
static char *schema_text(const char *ext, u32 version)
{
	struct bh_schema s = fx_schema;
	char *text;

	s.extension = ext;
	s.version = version;
	text = bulkhead_schema_text(&s);
	assert_non_null(text);
	return own(text);
}

/* the running shim has @ext registered with this schema */
static void shim_schema(struct t *t, const char *ext, u32 version)
{
	assert_int_equal(fk_put(t->fk, ext, "schema", schema_text(ext, version)), 0);
}

/* the configured .schema file of @e */
static void file_schema(struct t *t, struct bl_ext_config *e, u32 version)
{
	char *text = schema_text(e->name, version);

	e->schema = fmt("%s/%s.schema", t->root, e->name);
	put_file_mode(e->schema, text, strlen(text), PUT_MODE);
}

struct blob {
	uint8_t *data;
	size_t len;
};

static struct blob finish(struct fx_buf *b)
{
	if (fx_finish(b)) {
		fx_free(b);
		fail_msg("encoder failed");
	}
	own(b->data);
	return (struct blob){ b->data, b->len };
}

static struct blob make_content(const char *ext, uint64_t v)
{
	struct fx_buf b;

	fx_begin(&b, ext, FX_SCHEMA, FX_SCHEMA_VER, v);
	fx_record_begin(&b, FX_T_COUNTER, 2);
	fx_u64(&b, 100 + v);
	fx_u32(&b, 1);
	fx_record_end(&b);
	return finish(&b);
}

/* a content file to stage, outside the store */
static char *content_file(struct t *t, struct blob b, const char *name)
{
	char *path = fmt("%s/%s", t->root, name);

	put_file_mode(path, b.data, b.len, PUT_MODE);
	return path;
}

static void store(const struct bl_ext_config *e, uint64_t v)
{
	struct blob b = make_content(e->name, v);
	struct bulkhead_msg msg;

	if (bl_store_put(e->content_dir, v, b.data, b.len, &msg))
		fail_msg("store: %s", msg.text);
}

static char *store_path(const struct bl_ext_config *e, uint64_t v)
{
	return fmt("%s/%llu", e->content_dir, (unsigned long long)v);
}

static bool in_store(const struct bl_ext_config *e, uint64_t v)
{
	return !access(store_path(e, v), F_OK);
}

static struct bg_state *new_state(void)
{
	return own(calloc(1, sizeof(struct bg_state)));
}

static void save(struct t *t, const struct bg_state *st)
{
	struct bulkhead_msg msg = { "" };

	if (bg_state_save(t->state_dir, st, &bg_real_fsops, &msg))
		fail_msg("save: %s", msg.text);
}

static struct bg_state *load_state(struct t *t)
{
	struct bg_state *st = new_state();
	struct bulkhead_msg msg = { "" };
	enum bg_load_source src;

	if (bg_state_load(t->state_dir, st, &src, &msg))
		fail_msg("state: %s", msg.text);
	return st;
}

/*
 * The usual machine: boot 5 running, EXT registered with the shim
 * (schema version 3), content 10 active and chosen, 8 its last-known-good,
 * both in the store.
 */
static struct bg_state *usual(struct t *t)
{
	struct bg_state *st = new_state();
	struct bg_ext *e;

	t->e = add_ext(t, EXT, true);
	shim_schema(t, EXT, FX_SCHEMA_VER);
	st->next_boot_id = BOOT + 1;
	st->current_boot = BOOT;
	e = bg_state_ext(st, EXT, true);
	e->active = 10;
	e->active_since = T0;
	e->chosen = 10;
	e->lkg = 8;
	e->lkg_since = T0 - 100;
	e->changed_at = T0;
	save(t, st);
	store(t->e, 8);
	store(t->e, 10);
	return st;
}

static struct bg_ext *state_ext(struct t *t, const char *name)
{
	struct bg_ext *e = bg_state_ext(load_state(t), name, false);

	assert_non_null(e);
	return e;
}

static int stage(struct t *t, const char *ext, const char *file, bool force, uint64_t version,
		 struct bl_stage_result *res, struct bulkhead_msg *msg)
{
	struct bl_stage_opts o = { .ext = ext, .file = file, .force = force, .version = version };

	memset(res, 0, sizeof(*res));
	msg->text[0] = '\0';
	return bl_stage(&t->ctx, &o, res, msg);
}

static void stage_ok(struct t *t, const char *file, struct bl_stage_result *res)
{
	struct bulkhead_msg msg;
	int err = stage(t, EXT, file, false, 0, res, &msg);

	if (err)
		fail_msg("stage: %d: %s", err, msg.text);
}

/* ---- refusals change nothing ------------------------------------------------ */

struct snapshot {
	char *state, *prev, *store, *journal, *shim;
};

static struct snapshot snap(struct t *t)
{
	return (struct snapshot){
		.state = slurp(fmt("%s/state", t->state_dir), NULL),
		.prev = slurp(fmt("%s/state.prev", t->state_dir), NULL),
		.store = t->e ? dir_listing(t->e->content_dir) : NULL,
		.journal = slurp(t->journal, NULL),
		.shim = t->e ? dir_listing(fmt("%s/extensions/%s", t->fk->root, t->e->name)) : NULL,
	};
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void assert_unchanged(struct t *t, const struct snapshot *before, const char *what)
{
	struct snapshot now = snap(t);

	if (!same(before->state, now.state) || !same(before->prev, now.prev))
		fail_msg("%s: the state changed", what);
	if (!same(before->store, now.store))
		fail_msg("%s: the store changed: %s -> %s", what, before->store, now.store);
	if (!same(before->journal, now.journal))
		fail_msg("%s: the journal changed", what);
	if (!same(before->shim, now.shim))
		fail_msg("%s: the shim got content", what);
	assert_int_equal(fk_count(t->fk, FK_PUSH), 0);
}

static void refused(struct t *t, const char *ext, const char *file, bool force,
		    uint64_t version, int want, const char *reason)
{
	struct snapshot before = snap(t);
	struct bl_stage_result res;
	struct bulkhead_msg msg;
	int err;

	err = stage(t, ext, file, force, version, &res, &msg);
	if (err != want)
		fail_msg("stage %s %s: %d (%s), expected %d", ext, file, err, msg.text, want);
	assert_contains(msg.text, reason);
	assert_unchanged(t, &before, reason);
}

static void stage_refuses_an_unknown_extension(void **state)
{
	struct t *t = *state;

	usual(t);
	refused(t, "bh_nobody", content_file(t, make_content("bh_nobody", 11), "c"), false, 0,
		-ENOENT, "'bh_nobody' is not configured");
}

static void stage_refuses_a_file_it_cannot_read(void **state)
{
	struct t *t = *state;
	char *missing = fmt("%s/no-such-file", t->root);

	usual(t);
	refused(t, EXT, missing, false, 0, -ENOENT, missing);
	refused(t, EXT, t->root, false, 0, -EINVAL, t->root);
}

/* the July-2024 channel file: 21 fields where the schema says 20 */
static void stage_refuses_content_the_validator_refuses_with_its_reason(void **state)
{
	struct t *t = *state;
	struct fx_buf b;
	char *file;

	usual(t);
	fx_begin(&b, EXT, FX_SCHEMA, FX_SCHEMA_VER, 11);
	fx_channel_record(&b, FX_CHANNEL_FIELDS + 1, FX_CHANNEL_FIELDS + 1);
	file = content_file(t, finish(&b), "channel-291.bhc");
	refused(t, EXT, file, false, 0, -EBADMSG, "field-count");
	refused(t, EXT, file, true, 0, -EBADMSG, file);
}

static void stage_refuses_content_for_another_extension(void **state)
{
	struct t *t = *state;

	usual(t);
	refused(t, EXT, content_file(t, make_content("bh_other", 11), "c"), false, 0, -EBADMSG,
		"wrong-extension");
}

static void stage_refuses_without_a_schema(void **state)
{
	struct t *t = *state;

	usual(t);
	fk_unregister(t->fk, EXT);
	refused(t, EXT, content_file(t, make_content(EXT, 11), "c"), false, 0, -ENOENT,
		"no schema for bh_a");
}

static void stage_refuses_a_version_not_above_the_active_one(void **state)
{
	struct t *t = *state;

	usual(t);
	refused(t, EXT, content_file(t, make_content(EXT, 10), "c10"), false, 0, -ESTALE,
		"version 10 is not above the active version 10");
	refused(t, EXT, content_file(t, make_content(EXT, 9), "c9"), false, 0, -ESTALE,
		"--force");
}

static void stage_with_force_takes_a_version_not_above_the_active_one(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bulkhead_msg msg;
	struct bg_state *st;
	struct bg_ext *e;

	usual(t);
	store(t->e, 9);
	assert_int_equal(stage(t, EXT, content_file(t, make_content(EXT, 9), "c9"), true, 0, &res,
			       &msg), 0);
	assert_int_equal(res.version, 9);
	assert_string_equal(res.outcome, "active");
	st = load_state(t);
	e = bg_state_ext(st, EXT, false);
	assert_int_equal(e->active, 9);
	assert_int_equal(e->chosen, 9);
	assert_contains(st->decisions[st->nr_decisions - 1].reason, "(forced)");
}

/*
 * Regression: an updater re-staged the content that had just crashed the
 * machine after each rollback, and staging compared only with the active
 * version; the loop never ended.  A crashed version is refused; --force
 * stages it anyway (and the guard's strikes still end the loop).
 */
static void stage_refuses_a_version_that_crashed_before(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bulkhead_msg msg;
	struct bg_state *st;
	struct bg_ext *e;
	char *file;

	usual(t);
	st = load_state(t);
	e = bg_state_ext(st, EXT, false);
	e->crashed[e->nr_crashed++] = 11;
	save(t, st);
	file = content_file(t, make_content(EXT, 11), "c11");
	refused(t, EXT, file, false, 0, -ESTALE,
		"version 11 crashed the machine before (see 'bulkheadctl history'); --force stages it anyway");
	assert_int_equal(stage(t, EXT, file, true, 0, &res, &msg), 0);
	assert_int_equal(res.version, 11);
}

/* a version names one content: the LKG's file must never change under it */
static void stage_refuses_other_bytes_under_a_stored_version(void **state)
{
	struct t *t = *state;
	struct fx_buf b;
	char *file;

	usual(t);
	store(t->e, 9);
	fx_begin(&b, EXT, FX_SCHEMA, FX_SCHEMA_VER, 9);
	fx_record_begin(&b, FX_T_COUNTER, 2);
	fx_u64(&b, 4242);
	fx_u32(&b, 1);
	fx_record_end(&b);
	file = content_file(t, finish(&b), "other-9");
	refused(t, EXT, file, true, 0, -EEXIST,
		"version 9 is already stored with other bytes; a version names one content");
}

static void stage_refuses_opaque_vendor_content_without_a_version(void **state)
{
	struct t *t = *state;
	char *file = fmt("%s/vendor.bin", t->root);

	usual(t);
	t->e = add_ext(t, "bh_vendor", false);
	put_file_mode(file, "opaque vendor bytes", 19, PUT_MODE);
	refused(t, "bh_vendor", file, false, 0, -EINVAL, "--version");
}

static void stage_refuses_a_version_option_the_file_contradicts(void **state)
{
	struct t *t = *state;

	usual(t);
	refused(t, EXT, content_file(t, make_content(EXT, 11), "c"), false, 12, -EINVAL,
		"--version 12, but the file says 11");
}

static void stage_refuses_content_version_zero(void **state)
{
	struct t *t = *state;
	struct blob b;

	usual(t);
	b = make_content(EXT, 0);
	refused(t, EXT, content_file(t, b, "c0"), true, 0, -EBADMSG, "content-version");
}

/* ---- the schema --------------------------------------------------------------- */

/* the shim's word beats a .schema file that may be stale */
static void stage_reads_the_schema_from_the_shim_before_the_configured_file(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bulkhead_msg msg;

	usual(t);
	file_schema(t, t->e, FX_SCHEMA_VER + 1);	/* would refuse version 3 content */
	stage_ok(t, content_file(t, make_content(EXT, 11), "c11"), &res);
	assert_int_equal(state_ext(t, EXT)->active, 11);

	/* and the other way round */
	shim_schema(t, EXT, FX_SCHEMA_VER + 1);
	file_schema(t, t->e, FX_SCHEMA_VER);
	assert_int_equal(stage(t, EXT, content_file(t, make_content(EXT, 12), "c12"), false, 0,
			       &res, &msg), -EBADMSG);
	assert_contains(msg.text, "schema-version");
	assert_contains(msg.text, "the running shim");
	assert_int_equal(state_ext(t, EXT)->active, 11);
}

static void stage_uses_the_configured_schema_when_the_extension_is_not_running(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bulkhead_msg msg;
	struct fx_buf b;

	usual(t);
	fk_unregister(t->fk, EXT);
	file_schema(t, t->e, FX_SCHEMA_VER);
	fx_begin(&b, EXT, FX_SCHEMA, FX_SCHEMA_VER, 11);
	fx_channel_record(&b, FX_CHANNEL_FIELDS + 1, FX_CHANNEL_FIELDS + 1);
	assert_int_equal(stage(t, EXT, content_file(t, finish(&b), "bad"), false, 0, &res, &msg),
			 -EBADMSG);
	assert_contains(msg.text, "field-count");
	assert_contains(msg.text, t->e->schema);
	stage_ok(t, content_file(t, make_content(EXT, 11), "c11"), &res);
}

/* ---- acceptance ------------------------------------------------------------------ */

static void stage_makes_content_the_shim_took_active_and_chosen(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct blob b = make_content(EXT, 11);
	struct bg_ext *e;
	size_t len;
	char *got;
	int i;

	usual(t);
	stage_ok(t, content_file(t, b, "c11"), &res);
	assert_int_equal(res.version, 11);
	assert_string_equal(res.outcome, "active");
	assert_contains(res.detail, "the shim took it");

	e = state_ext(t, EXT);
	assert_int_equal(e->active, 11);
	assert_int_equal(e->active_since, NOW);
	assert_int_equal(e->chosen, 11);
	assert_int_equal(e->changed_at, NOW);
	assert_int_equal(e->pending, 0);
	assert_int_equal(e->lkg, 8);			/* probation decides that */

	/* the shim got exactly the file, and the store holds it */
	i = fk_find(t->fk, FK_PUSH, EXT);
	assert_int_not_equal(i, -1);
	assert_int_equal(t->fk->calls[i].len, b.len);
	assert_memory_equal(t->fk->calls[i].buf, b.data, b.len);
	got = slurp(store_path(t->e, 11), &len);
	assert_non_null(got);
	assert_int_equal(len, b.len);
	assert_memory_equal(got, b.data, b.len);
}

/*
 * Probation runs on CLOCK_BOOTTIME from when the shim took the content:
 * the loader ran 10 in this boot since uptime 5; the shim takes 11 at
 * uptime 1234, its probation starts there.  12, staged at uptime 2000
 * while the extension is not registered, runs only from its next load:
 * this boot's 11 keeps its start.
 */
static void stage_starts_probation_on_the_uptime_the_shim_took_it(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bg_state *st;
	struct bg_ext *e;

	st = usual(t);
	e = bg_state_ext(st, EXT, false);
	e->load_boot = BOOT;
	snprintf(e->load_result, sizeof(e->load_result), "loaded");
	e->load_version = 10;
	e->load_uptime = 5;
	save(t, st);
	t->ctx.uptime = 1234;
	stage_ok(t, content_file(t, make_content(EXT, 11), "c11"), &res);
	assert_contains(res.detail, "the shim took it");
	e = state_ext(t, EXT);
	assert_int_equal(e->load_version, 11);
	assert_int_equal(e->load_uptime, 1234);

	t->ctx.uptime = 2000;
	file_schema(t, t->e, FX_SCHEMA_VER);
	fk_unregister(t->fk, EXT);
	stage_ok(t, content_file(t, make_content(EXT, 12), "c12"), &res);
	e = state_ext(t, EXT);
	assert_int_equal(e->active, 12);
	assert_int_equal(e->load_version, 11);
	assert_int_equal(e->load_uptime, 1234);
}

static void stage_journals_the_push_for_the_boot_in_progress(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;

	usual(t);
	put_file_mode(t->journal, "5 begin insert bh_a 10\n5 end insert bh_a 10\n", 44, PUT_MODE);
	stage_ok(t, content_file(t, make_content(EXT, 11), "c11"), &res);
	assert_string_equal(slurp(t->journal, NULL),
			    "5 begin insert bh_a 10\n5 end insert bh_a 10\n"
			    "5 begin push bh_a 11\n5 end push bh_a 11\n");
}

struct push_seen {
	struct t *t;
	bool seen;
	struct bg_evidence ev;
	uint64_t pending, chosen;
};

static void see_push(struct fake_kernel *fk, const struct fk_call *c, void *data)
{
	struct push_seen *ps = data;
	struct bg_sources src = { .journal_path = ps->t->journal };
	struct bulkhead_msg msg;
	struct bg_state *st = new_state();
	enum bg_load_source ls;

	(void)fk;
	if (c->kind != FK_PUSH)
		return;
	ps->seen = true;
	if (bg_evidence_gather(&src, BOOT, &ps->ev, &msg) ||
	    bg_state_load(ps->t->state_dir, st, &ls, &msg))
		return;
	ps->pending = bg_state_ext(st, EXT, false) ? bg_state_ext(st, EXT, false)->pending : 0;
	ps->chosen = bg_state_ext(st, EXT, false) ? bg_state_ext(st, EXT, false)->chosen : 0;
}

/*
 * A crash inside the push: the journal names it and the saved state holds
 * the new version as pending (not chosen), so the guard drops it and the
 * old content runs on.
 */
static void stage_push_is_journalled_and_pending_while_it_runs(void **state)
{
	struct t *t = *state;
	struct push_seen ps = { .t = t };
	struct bl_stage_result res;

	usual(t);
	t->fk->hook = see_push;
	t->fk->hook_data = &ps;
	stage_ok(t, content_file(t, make_content(EXT, 11), "c11"), &res);
	assert_true(ps.seen);
	assert_int_equal(ps.ev.kind, BG_EV_LOADER);
	assert_string_equal(ps.ev.extension, EXT);
	assert_string_equal(ps.ev.op, "push");
	assert_int_equal(ps.ev.content_version, 11);
	assert_int_equal(ps.pending, 11);
	assert_int_equal(ps.chosen, 10);
}

static void stage_refused_by_the_shim_keeps_the_old_content_with_the_shims_reason(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bulkhead_msg msg;
	struct bg_ext *e;
	char *file;

	usual(t);
	fk_push_result(t->fk, EXT, -EBADMSG, "record 0 at offset 160: range: limit 5 below 10\n");
	file = content_file(t, make_content(EXT, 11), "c11");
	assert_int_equal(stage(t, EXT, file, false, 0, &res, &msg), -EBADMSG);
	assert_contains(msg.text, file);
	assert_contains(msg.text, "shim refused: record 0 at offset 160: range: limit 5 below 10");
	assert_contains(msg.text, "content 10 stays active");

	e = state_ext(t, EXT);
	assert_int_equal(e->active, 10);
	assert_int_equal(e->active_since, T0);
	assert_int_equal(e->chosen, 10);
	assert_int_equal(e->pending, 0);
	assert_int_equal(e->changed_at, T0);
	assert_false(in_store(t->e, 11));
	assert_true(in_store(t->e, 10));
	assert_true(in_store(t->e, 8));
	/* the attempt was journalled and ended */
	assert_string_equal(slurp(t->journal, NULL), "5 begin push bh_a 11\n5 end push bh_a 11\n");
}

/* valid by the schema, refused by the extension itself: still the shim's word */
static void stage_reports_the_extensions_own_refusal_from_the_shim(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bulkhead_msg msg;
	struct bg_ext *e;

	usual(t);
	fk_push_result(t->fk, EXT, -EINVAL,
		       "content version 11 refused by the extension: error -22\n");
	assert_int_equal(stage(t, EXT, content_file(t, make_content(EXT, 11), "c11"), false, 0,
			       &res, &msg), -EBADMSG);
	assert_contains(msg.text,
			"shim refused: content version 11 refused by the extension: error -22; content 10 stays active");
	e = state_ext(t, EXT);
	assert_int_equal(e->active, 10);
	assert_int_equal(e->pending, 0);
	assert_false(in_store(t->e, 11));
}

/* content staged earlier and held (pending 12) stays pending and stored */
static void stage_refused_by_the_shim_restores_the_earlier_pending_content(void **state)
{
	struct t *t = *state;
	struct bg_state *st;
	struct bl_stage_result res;
	struct bulkhead_msg msg;
	struct bg_ext *e;

	st = usual(t);
	bg_state_ext(st, EXT, false)->pending = 12;
	save(t, st);
	store(t->e, 12);
	fk_push_result(t->fk, EXT, -EBADMSG, "bad");
	assert_int_equal(stage(t, EXT, content_file(t, make_content(EXT, 11), "c11"), false, 0,
			       &res, &msg), -EBADMSG);
	e = state_ext(t, EXT);
	assert_int_equal(e->pending, 12);
	assert_true(in_store(t->e, 12));
	assert_false(in_store(t->e, 11));

	/* re-staging the pending version itself and being refused keeps it too */
	assert_int_equal(stage(t, EXT, content_file(t, make_content(EXT, 12), "c12"), false, 0,
			       &res, &msg), -EBADMSG);
	assert_int_equal(state_ext(t, EXT)->pending, 12);
	assert_true(in_store(t->e, 12));
}

/* the usual machine with its anti-rollback floor at @floor */
static struct bg_state *usual_with_floor(struct t *t, uint64_t floor)
{
	struct bg_state *st = usual(t);

	bg_state_ext(st, EXT, false)->floor = floor;
	save(t, st);
	return st;
}

static void stage_refuses_a_version_below_the_floor(void **state)
{
	struct t *t = *state;

	usual_with_floor(t, 8);
	refused(t, EXT, content_file(t, make_content(EXT, 7), "c7"), false, 0, -ESTALE,
		"version 7 is below the floor 8 (its last-known-good content): a rollback");
}

static void stage_with_force_below_the_floor_lowers_it_as_a_logged_decision(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bulkhead_msg msg;
	struct bg_state *st;
	struct bg_ext *e;

	usual_with_floor(t, 8);
	assert_int_equal(stage(t, EXT, content_file(t, make_content(EXT, 7), "c7"), true, 0, &res,
			       &msg), 0);
	assert_string_equal(res.outcome, "active");
	st = load_state(t);
	e = bg_state_ext(st, EXT, false);
	assert_int_equal(e->floor, 7);
	assert_int_equal(e->active, 7);
	assert_contains(st->decisions[st->nr_decisions - 1].reason,
			"forced below the floor 8, which is now 7: a rollback, degraded");
}

/* within a boot the shim's floor only rises: older content waits for a reboot */
static void stage_below_the_shims_floor_runs_from_the_next_boot(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bulkhead_msg msg;
	struct bg_ext *e;

	usual_with_floor(t, 10);
	assert_int_equal(fk_put(t->fk, NULL, "floors", "bh_other 3\n" EXT " 10\n"), 0);
	assert_int_equal(stage(t, EXT, content_file(t, make_content(EXT, 9), "c9"), true, 0, &res,
			       &msg), 0);
	assert_string_equal(res.outcome, "active");
	assert_contains(res.detail, "floor for " EXT " is 10 until reboot: it runs from the next boot");
	assert_int_equal(fk_count(t->fk, FK_PUSH), 0);
	e = state_ext(t, EXT);
	assert_int_equal(e->active, 9);
	assert_int_equal(e->chosen, 10);
	assert_int_equal(e->floor, 9);
}

static void stage_for_an_extension_not_registered_now_is_active_at_its_next_load(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bg_ext *e;

	usual(t);
	file_schema(t, t->e, FX_SCHEMA_VER);
	fk_unregister(t->fk, EXT);
	stage_ok(t, content_file(t, make_content(EXT, 11), "c11"), &res);
	assert_string_equal(res.outcome, "active");
	assert_contains(res.detail, "not registered");
	e = state_ext(t, EXT);
	assert_int_equal(e->active, 11);
	assert_int_equal(e->active_since, NOW);
	assert_int_equal(e->pending, 0);
	assert_int_equal(e->chosen, 10);	/* this boot still runs 10 */
	assert_true(in_store(t->e, 11));
	assert_true(in_store(t->e, 10));
	/* nothing was pushed, so no step was journalled that never happened */
	assert_int_equal(fk_count(t->fk, FK_PUSH), 0);
	assert_null(slurp(t->journal, NULL));
}

static void stage_holds_content_pending_while_the_shim_has_it_disabled(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bg_ext *e;

	usual(t);
	fk_push_result(t->fk, EXT, -ESHUTDOWN, NULL);
	stage_ok(t, content_file(t, make_content(EXT, 11), "c11"), &res);
	assert_string_equal(res.outcome, "pending");
	e = state_ext(t, EXT);
	assert_int_equal(e->pending, 11);
	assert_int_equal(e->active, 10);
	assert_int_equal(e->chosen, 10);
	assert_true(in_store(t->e, 11));
}

static void stage_holds_content_pending_while_the_extension_is_disabled(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bg_state *st;
	struct bg_ext *e;

	st = usual(t);
	e = bg_state_ext(st, EXT, false);
	e->status = BG_EXT_DISABLED;
	snprintf(e->reason, sizeof(e->reason), "failed boot naming bh_a");
	save(t, st);
	stage_ok(t, content_file(t, make_content(EXT, 11), "c11"), &res);
	assert_string_equal(res.outcome, "pending");
	assert_contains(res.detail, "disabled");
	e = state_ext(t, EXT);
	assert_int_equal(e->pending, 11);
	assert_int_equal(e->active, 10);
	assert_int_equal(e->chosen, 10);
	assert_int_equal(e->status, BG_EXT_DISABLED);
	assert_true(in_store(t->e, 11));
	assert_int_equal(fk_count(t->fk, FK_PUSH), 0);
}

static void stage_holds_content_pending_while_the_extension_is_pinned(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bg_state *st;
	struct bg_ext *e;

	st = usual(t);
	bg_state_ext(st, EXT, false)->pinned = 10;
	save(t, st);
	stage_ok(t, content_file(t, make_content(EXT, 11), "c11"), &res);
	assert_string_equal(res.outcome, "pending");
	assert_contains(res.detail, "pinned");
	e = state_ext(t, EXT);
	assert_int_equal(e->pending, 11);
	assert_int_equal(e->active, 10);
	assert_int_equal(e->pinned, 10);
	assert_int_equal(fk_count(t->fk, FK_PUSH), 0);
}

static void stage_swaps_a_vendor_modules_content_link(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bl_ext_config *v;
	struct bg_state *st;
	struct bg_ext *e;
	char target[PATH_MAX];
	ssize_t n;
	char *file = fmt("%s/vendor-11.bin", t->root);

	st = usual(t);
	v = add_ext(t, "bh_vendor", false);
	snprintf(v->module, sizeof(v->module), "vendor_mod");
	v->content_link = fmt("%s/vendor.dat", t->root);
	e = bg_state_ext(st, "bh_vendor", true);
	e->active = e->chosen = 10;
	save(t, st);
	assert_int_equal(bl_store_put(v->content_dir, 10, "old", 3, &(struct bulkhead_msg){ "" }),
			 0);
	assert_int_equal(symlink(store_path(v, 10), v->content_link), 0);
	put_file_mode(file, "vendor eleven", 13, PUT_MODE);

	{
		struct bl_stage_opts o = { .ext = "bh_vendor", .file = file, .version = 11 };
		struct bulkhead_msg msg = { "" };

		if (bl_stage(&t->ctx, &o, &res, &msg))
			fail_msg("stage: %s", msg.text);
	}
	assert_string_equal(res.outcome, "active");
	assert_contains(res.detail, v->content_link);
	n = readlink(v->content_link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, store_path(v, 11));
	assert_string_equal(slurp(v->content_link, NULL), "vendor eleven");
	e = state_ext(t, "bh_vendor");
	assert_int_equal(e->active, 11);
	assert_int_equal(e->pending, 0);
	assert_int_equal(e->chosen, 10);	/* the module runs 10 until reloaded */
	assert_true(in_store(v, 10));
	assert_string_equal(slurp(t->journal, NULL),
			    "5 begin push bh_vendor 11\n5 end push bh_vendor 11\n");
	assert_int_equal(fk_count(t->fk, FK_PUSH), 0);
}

static void stage_never_replaces_a_vendors_regular_file(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bl_ext_config *v;
	struct bl_stage_opts o = { .ext = "bh_vendor", .version = 11 };
	struct bulkhead_msg msg = { "" };
	struct bg_ext *e;
	struct stat st;

	usual(t);
	v = add_ext(t, "bh_vendor", false);
	v->content_link = fmt("%s/vendor.dat", t->root);
	put_file_mode(v->content_link, "the vendor's own", 16, PUT_MODE);
	o.file = fmt("%s/vendor-11.bin", t->root);
	put_file_mode(o.file, "vendor eleven", 13, PUT_MODE);

	assert_true(bl_stage(&t->ctx, &o, &res, &msg) < 0);
	assert_contains(msg.text, "not a symbolic link");
	assert_contains(msg.text, "held as pending");
	assert_int_equal(lstat(v->content_link, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_string_equal(slurp(v->content_link, NULL), "the vendor's own");
	e = state_ext(t, "bh_vendor");
	assert_int_equal(e->pending, 11);
	assert_int_equal(e->active, 0);
}

static void stage_of_vendor_content_with_a_schema_validates_it(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bl_ext_config *v;
	struct bl_stage_opts o = { .ext = "bh_vendor" };
	struct bulkhead_msg msg = { "" };
	struct fx_buf b;

	usual(t);
	v = add_ext(t, "bh_vendor", false);
	file_schema(t, v, FX_SCHEMA_VER);
	fx_begin(&b, "bh_vendor", FX_SCHEMA, FX_SCHEMA_VER, 4);
	fx_channel_record(&b, FX_CHANNEL_FIELDS + 1, FX_CHANNEL_FIELDS + 1);
	o.file = content_file(t, finish(&b), "bad");
	assert_int_equal(bl_stage(&t->ctx, &o, &res, &msg), -EBADMSG);
	assert_contains(msg.text, "field-count");

	o.file = content_file(t, make_content("bh_vendor", 4), "good");
	if (bl_stage(&t->ctx, &o, &res, &msg))
		fail_msg("stage: %s", msg.text);
	assert_int_equal(res.version, 4);
	assert_contains(res.detail, "module bh_vendor reads it at its next load");
	assert_int_equal(state_ext(t, "bh_vendor")->active, 4);
}

/* ---- pruning and the decision ------------------------------------------------------ */

static void stage_prunes_the_store_to_what_the_guard_may_choose(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bg_state *st;
	struct bg_ext *e;
	char *dir;
	uint64_t v;

	st = usual(t);
	e = bg_state_ext(st, EXT, false);
	e->chosen = 7;			/* rolled back this boot */
	save(t, st);
	for (v = 3; v <= 13; v++)
		if (v != 11)
			store(t->e, v);
	dir = t->e->content_dir;
	put_file_mode(fmt("%s/9.tmp.Ab12Cd", dir), "torn", 4, PUT_MODE);
	put_file_mode(fmt("%s/notes.txt", dir), "mine", 4, PUT_MODE);
	put_file_mode(fmt("%s/0012", dir), "mine", 4, PUT_MODE);
	put_file_mode(fmt("%s/13.bak", dir), "mine", 4, PUT_MODE);
	put_file_mode(fmt("%s/.hidden", dir), "mine", 4, PUT_MODE);
	fk_unregister(t->fk, EXT);
	file_schema(t, t->e, FX_SCHEMA_VER);

	stage_ok(t, content_file(t, make_content(EXT, 11), "c11"), &res);
	e = state_ext(t, EXT);
	assert_int_equal(e->active, 11);
	assert_int_equal(e->chosen, 7);
	assert_int_equal(e->lkg, 8);
	for (v = 3; v <= 13; v++)
		if (in_store(t->e, v) != (v == 11 || v == 7 || v == 8))
			fail_msg("version %llu %s", (unsigned long long)v,
				 in_store(t->e, v) ? "kept" : "removed");
	assert_int_equal(access(fmt("%s/9.tmp.Ab12Cd", dir), F_OK), -1);
	assert_int_equal(access(fmt("%s/notes.txt", dir), F_OK), 0);
	assert_int_equal(access(fmt("%s/0012", dir), F_OK), 0);
	assert_int_equal(access(fmt("%s/13.bak", dir), F_OK), 0);
	assert_int_equal(access(fmt("%s/.hidden", dir), F_OK), 0);
}

static void stage_prune_keeps_pinned_and_pending_versions(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bg_state *st;
	struct bg_ext *e;
	uint64_t v;

	st = usual(t);
	e = bg_state_ext(st, EXT, false);
	e->pinned = 5;
	e->chosen = 5;
	save(t, st);
	for (v = 3; v <= 9; v++)
		store(t->e, v);

	stage_ok(t, content_file(t, make_content(EXT, 11), "c11"), &res);
	assert_string_equal(res.outcome, "pending");
	for (v = 3; v <= 11; v++)
		if (in_store(t->e, v) != (v == 5 || v == 8 || v == 10 || v == 11))
			fail_msg("version %llu %s", (unsigned long long)v,
				 in_store(t->e, v) ? "kept" : "removed");
}

static void stage_records_a_stage_decision(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bg_state *st;
	const struct bg_decision *d;
	unsigned int before;

	st = usual(t);
	bg_state_decide(st, BOOT, T0, BG_ACT_PROMOTE, EXT, 8, 8, "earlier");
	save(t, st);
	before = st->nr_decisions;
	stage_ok(t, content_file(t, make_content(EXT, 11), "c11"), &res);
	st = load_state(t);
	assert_int_equal(st->nr_decisions, before + 1);
	d = &st->decisions[st->nr_decisions - 1];
	assert_int_equal(d->action, BG_ACT_STAGE);
	assert_string_equal(bg_action_name(d->action), "stage");
	assert_string_equal(d->extension, EXT);
	assert_int_equal(d->boot_id, BOOT);
	assert_int_equal(d->at, NOW);
	assert_int_equal(d->from_version, 10);
	assert_int_equal(d->to_version, 11);
	assert_contains(d->reason, "content 11 staged");
	assert_contains(d->reason, "the shim took it");
}

/* a fresh machine: no state yet, nothing active */
static void stage_on_a_fresh_machine_creates_the_extensions_state(void **state)
{
	struct t *t = *state;
	struct bl_stage_result res;
	struct bg_ext *e;

	t->e = add_ext(t, EXT, true);
	shim_schema(t, EXT, FX_SCHEMA_VER);
	stage_ok(t, content_file(t, make_content(EXT, 1), "c1"), &res);
	e = state_ext(t, EXT);
	assert_int_equal(e->active, 1);
	assert_int_equal(e->chosen, 1);
	assert_true(in_store(t->e, 1));
	/* no boot in progress: journalled as boot 0 */
	assert_string_equal(slurp(t->journal, NULL), "0 begin push bh_a 1\n0 end push bh_a 1\n");
}

/* ---- crashes ------------------------------------------------------------------------ */

/*
 * The state and journal syscalls go through fi_ops (testutil.h) in
 * FI_EXIT mode: from call @at on the process dies (_exit), as a power cut
 * would stop it there.  The parent then looks at what is on disk.
 */

enum crash_scene { SCENE_TAKEN, SCENE_REFUSED };

/* 10 active and chosen (not LKG), 8 LKG: staging 11 prunes 10 */
static void crash_prepare(struct t *t, enum crash_scene scene)
{
	struct bg_state *st = new_state();
	struct bg_ext *e;

	rm_tree(t->state_dir);
	rm_tree(fmt("%s/content", t->root));
	assert_int_equal(mkdir(t->state_dir, 0700), 0);
	st->next_boot_id = BOOT + 1;
	st->current_boot = BOOT;
	e = bg_state_ext(st, EXT, true);
	e->active = e->chosen = 10;
	e->lkg = 8;
	save(t, st);
	store(t->e, 8);
	store(t->e, 10);
	fk_push_result(t->fk, EXT, scene == SCENE_REFUSED ? -EBADMSG : 0, "bad");
}

/* stage 11 in a child that dies at call @at; returns how many calls it made */
static unsigned int crash_run(struct t *t, const char *file, unsigned int at, int *ret_status)
{
	int pipefd[2], status;
	unsigned int n = 0;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct bl_stage_opts o = { .ext = EXT, .file = file };
		struct bl_stage_result res;
		struct bulkhead_msg msg;
		struct bl_ctx c = t->ctx;
		int err;

		close(pipefd[0]);
		c.fsops = &fi_ops;
		fi_reset(FI_EXIT, at, 0);
		err = bl_stage(&c, &o, &res, &msg);
		if (write(pipefd[1], &fi.calls, sizeof(fi.calls)) != sizeof(fi.calls))
			_exit(43);
		_exit(err ? 1 : 0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &n, sizeof(n)) != sizeof(n))
		n = 0;
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	*ret_status = WEXITSTATUS(status);
	return n;
}

/*
 * Whatever the crash point, the state on disk (old or new) names only
 * versions the store holds, and a push the journal leaves open is for
 * the version the state holds as pending (so the guard drops it).
 */
static void crash_check(struct t *t, const char *when)
{
	struct bg_state *st = load_state(t);
	struct bg_ext *e = bg_state_ext(st, EXT, false);
	struct bg_sources src = { .journal_path = t->journal };
	struct bulkhead_msg msg;
	struct bg_evidence ev;
	const uint64_t *v, *refs[5];
	size_t i;

	assert_non_null(e);
	refs[0] = &e->active;
	refs[1] = &e->lkg;
	refs[2] = &e->pending;
	refs[3] = &e->pinned;
	refs[4] = &e->chosen;
	for (i = 0; i < ARRAY_SIZE(refs); i++) {
		v = refs[i];
		if (*v && !in_store(t->e, *v))
			fail_msg("%s: the state names content %llu (active %llu lkg %llu pending %llu chosen %llu), the store lacks it",
				 when, (unsigned long long)*v, (unsigned long long)e->active,
				 (unsigned long long)e->lkg, (unsigned long long)e->pending,
				 (unsigned long long)e->chosen);
	}
	assert_int_equal(bg_evidence_gather(&src, BOOT, &ev, &msg), 0);
	if (ev.kind == BG_EV_LOADER && (ev.content_version != 11 || e->pending != 11))
		fail_msg("%s: journal names push %llu, the state's pending is %llu", when,
			 (unsigned long long)ev.content_version, (unsigned long long)e->pending);
}

static void crash_everywhere(struct t *t, enum crash_scene scene)
{
	char *file = content_file(t, make_content(EXT, 11), "c11");
	unsigned int n, k;
	int status;

	crash_prepare(t, scene);
	n = crash_run(t, file, UINT_MAX, &status);
	assert_int_equal(status, scene == SCENE_TAKEN ? 0 : 1);
	assert_true(n > 10);
	for (k = 0; k <= n; k++) {
		char *when = fmt("%s, crash at call %u of %u",
				 scene == SCENE_TAKEN ? "taken" : "refused", k, n);

		crash_prepare(t, scene);
		crash_run(t, file, k, &status);
		if (k < n && status != FI_EXIT_STATUS)
			fail_msg("%s: the child did not die there (%d)", when, status);
		crash_check(t, when);
	}
}

static void stage_crash_at_any_syscall_keeps_what_the_state_names(void **state)
{
	struct t *t = *state;

	t->e = add_ext(t, EXT, true);
	shim_schema(t, EXT, FX_SCHEMA_VER);
	crash_everywhere(t, SCENE_TAKEN);
}

static void stage_crash_at_any_syscall_of_a_refusal_keeps_what_the_state_names(void **state)
{
	struct t *t = *state;

	t->e = add_ext(t, EXT, true);
	shim_schema(t, EXT, FX_SCHEMA_VER);
	crash_everywhere(t, SCENE_REFUSED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(stage_refuses_an_unknown_extension),
		T(stage_refuses_a_file_it_cannot_read),
		T(stage_refuses_content_the_validator_refuses_with_its_reason),
		T(stage_refuses_content_for_another_extension),
		T(stage_refuses_without_a_schema),
		T(stage_refuses_a_version_not_above_the_active_one),
		T(stage_with_force_takes_a_version_not_above_the_active_one),
		T(stage_refuses_a_version_that_crashed_before),
		T(stage_refuses_a_version_below_the_floor),
		T(stage_with_force_below_the_floor_lowers_it_as_a_logged_decision),
		T(stage_below_the_shims_floor_runs_from_the_next_boot),
		T(stage_refuses_other_bytes_under_a_stored_version),
		T(stage_refuses_opaque_vendor_content_without_a_version),
		T(stage_refuses_a_version_option_the_file_contradicts),
		T(stage_refuses_content_version_zero),
		T(stage_reads_the_schema_from_the_shim_before_the_configured_file),
		T(stage_uses_the_configured_schema_when_the_extension_is_not_running),
		T(stage_makes_content_the_shim_took_active_and_chosen),
		T(stage_starts_probation_on_the_uptime_the_shim_took_it),
		T(stage_journals_the_push_for_the_boot_in_progress),
		T(stage_push_is_journalled_and_pending_while_it_runs),
		T(stage_refused_by_the_shim_keeps_the_old_content_with_the_shims_reason),
		T(stage_reports_the_extensions_own_refusal_from_the_shim),
		T(stage_refused_by_the_shim_restores_the_earlier_pending_content),
		T(stage_for_an_extension_not_registered_now_is_active_at_its_next_load),
		T(stage_holds_content_pending_while_the_shim_has_it_disabled),
		T(stage_holds_content_pending_while_the_extension_is_disabled),
		T(stage_holds_content_pending_while_the_extension_is_pinned),
		T(stage_swaps_a_vendor_modules_content_link),
		T(stage_never_replaces_a_vendors_regular_file),
		T(stage_of_vendor_content_with_a_schema_validates_it),
		T(stage_prunes_the_store_to_what_the_guard_may_choose),
		T(stage_prune_keeps_pinned_and_pending_versions),
		T(stage_records_a_stage_decision),
		T(stage_on_a_fresh_machine_creates_the_extensions_state),
		T(stage_crash_at_any_syscall_keeps_what_the_state_names),
		T(stage_crash_at_any_syscall_of_a_refusal_keeps_what_the_state_names),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
