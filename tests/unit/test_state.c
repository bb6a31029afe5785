// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_state.c - the boot guard's state store (state/state.c): what
 * is saved is loaded back exactly, a crash at any point of a save leaves
 * the old state or the new one and never anything else, and every kind of
 * damaged file is detected and the previous copy used instead, or, when
 * both copies are damaged, refused rather than silently replaced by a
 * fresh state (which would forget every failure counted so far).
 *
 * Crashes are emulated by a struct bg_fsops wrapper (fi_ops, testutil.h)
 * that counts the store's syscalls and, from call k on, "dies": it returns
 * -1 with EIO and performs nothing, as a process stopped at that syscall
 * would; the files it opened are closed afterwards, as the kernel would
 * close a dead process's files.  Every k from 0 to the number of calls a
 * whole save makes is tried.  Damaged files are made by the test from a
 * good encoding (truncated, zeroed, bytes flipped, header rewritten) or by
 * editing the decoded JSON and writing a correct header for it.
 *
 * Tests marked "Regression" pin down bugs these tests found in state.c,
 * now fixed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json.h>
#include <openssl/evp.h>

#include "state.h"
#include "testutil.h"

#define T0		1700000000LL
/* the calls of a save whose names a test keeps: more fail crash_everywhere() */
#define SAVE_MAX_CALLS	64

/* two states the load checks reuse, so that loops do not pile up 60 KB each */
static struct bg_state *scratch_a, *scratch_b;

static struct bg_state *new_state(void)
{
	return own(calloc(1, sizeof(struct bg_state)));
}

/* empty @dir, keeping the directory itself */
static void clear_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char *p;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		assert_true(asprintf(&p, "%s/%s", dir, de->d_name) >= 0);
		if (unlink(p) < 0)
			rmdir(p);	/* the test that makes "state" a directory */
		free(p);
	}
	closedir(d);
}

struct ctx {
	const void *row;	/* table tests: the row */
	char dir[32];		/* a fresh state directory */
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	c->row = *state;
	scratch_a = calloc(1, sizeof(*scratch_a));
	scratch_b = calloc(1, sizeof(*scratch_b));
	if (!scratch_a || !scratch_b)
		return -1;
	snprintf(c->dir, sizeof(c->dir), "/tmp/bg-state-XXXXXX");
	if (!mkdtemp(c->dir)) {
		free(c);
		return -1;
	}
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	free_owned();
	free(scratch_a);
	free(scratch_b);
	scratch_a = scratch_b = NULL;
	clear_dir(c->dir);
	rmdir(c->dir);
	free(c);
	return 0;
}

/* ---- files --------------------------------------------------------------- */

struct file {
	char *data;
	size_t len;
};

/* @data into @dir/@name, mode 0600 */
static void put_in(const char *dir, const char *name, const void *data, size_t len)
{
	put_file(fmt("%s/%s", dir, name), data, len);
}

static bool has_file(const char *dir, const char *name)
{
	return !access(fmt("%s/%s", dir, name), F_OK);
}

static void drop_file(const char *dir, const char *name)
{
	assert_int_equal(unlink(fmt("%s/%s", dir, name)), 0);
}

static void move_file(const char *dir, const char *from, const char *to)
{
	assert_int_equal(rename(fmt("%s/%s", dir, from), fmt("%s/%s", dir, to)), 0);
}

static struct file encode(const struct bg_state *st)
{
	struct file f;

	assert_int_equal(bg_state_encode(st, &f.data, &f.len), 0);
	own(f.data);
	return f;
}

static size_t header_len(const struct file *f)
{
	const char *nl = memchr(f->data, '\n', f->len);

	assert_non_null(nl);
	return (size_t)(nl - f->data) + 1;
}

static void sha256_hex(const void *buf, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0, i;

	assert_int_equal(EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL), 1);
	assert_int_equal(n, 32);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/*
 * A file with a header written here, from the format in state.c's top
 * comment: "bulkhead-state FORMAT SHA256 LEN\n" and the body.  @digest
 * and @blen are the body's own when NULL and SIZE_MAX.
 */
static struct file with_header(const char *magic, int format, const char *digest,
			       size_t blen, const char *body, size_t len)
{
	char hex[65];
	struct file f;
	char *head;

	sha256_hex(body, len, hex);
	head = fmt("%s %d %s %zu\n", magic, format, digest ? digest : hex,
		   blen == SIZE_MAX ? len : blen);
	f.len = strlen(head) + len;
	f.data = own(malloc(f.len + 1));
	memcpy(f.data, head, strlen(head));
	memcpy(f.data + strlen(head), body, len);
	return f;
}

static struct file body_file(const char *body, size_t len)
{
	return with_header("bulkhead-state", BG_STATE_FORMAT, NULL, SIZE_MAX, body, len);
}

static void save_ok(const char *dir, const struct bg_state *st)
{
	struct bulkhead_msg msg = { "" };
	int err = bg_state_save(dir, st, &bg_real_fsops, &msg);

	if (err)
		fail_msg("save: %d: %s", err, msg.text);
}

/* load @dir; fail unless it gives exactly @want from @source */
static void assert_loads(const char *dir, const struct bg_state *want,
			 enum bg_load_source source, struct bulkhead_msg *msg)
{
	struct bg_state *got = scratch_a;
	enum bg_load_source src = 77;
	int err;

	memset(got, 0, sizeof(*got));
	err = bg_state_load(dir, got, &src, msg);
	if (err)
		fail_msg("load: %d: %s", err, msg->text);
	assert_int_equal(src, source);
	assert_memory_equal(got, want, sizeof(*got));
}

/*
 * load @dir and fail unless it is refused with @want_err; what the caller
 * gave for the results must be left as it was
 */
static void assert_refused(const char *dir, int want_err, struct bulkhead_msg *msg)
{
	struct bg_state *got = scratch_a, *pattern = scratch_b;
	enum bg_load_source src = 77;
	int err;

	memset(got, 0xa5, sizeof(*got));
	memset(pattern, 0xa5, sizeof(*pattern));
	err = bg_state_load(dir, got, &src, msg);
	if (err != want_err)
		fail_msg("load gave %d (source %d), wanted %d; msg: %s", err, (int)src,
			 want_err, msg->text);
	assert_int_equal(src, 77);
	assert_memory_equal(got, pattern, sizeof(*got));
}

/* @msg contains one of the '|'-separated @alternatives */
static void assert_msg(const struct bulkhead_msg *msg, const char *alternatives)
{
	char *all = fmt("%s", alternatives), *save = NULL, *alt;

	for (alt = strtok_r(all, "|", &save); alt; alt = strtok_r(NULL, "|", &save))
		if (strstr(msg->text, alt))
			return;
	fail_msg("message '%s' names none of '%s'", msg->text, alternatives);
}

/* ---- states ---------------------------------------------------------------- */

/* a small, realistic state; @n makes each one different */
static struct bg_state *small_state(uint32_t n)
{
	struct bg_state *st = new_state();
	struct bg_ext *e;
	uint32_t i;

	st->next_boot_id = 10 + n;
	st->current_boot = 9 + n;
	st->consecutive_failures = n;
	st->unexplained_failures = n / 2;
	for (i = 0; i < 3; i++) {
		struct bg_boot *b = &st->boots[st->nr_boots++];

		b->id = 7 + n + i;
		b->started = T0 + (int64_t)(n * 1000 + i * 100);
		b->end = i == 2 ? BG_END_RUNNING : BG_END_FAILED;
		b->evidence.kind = i == 2 ? BG_EV_NONE : BG_EV_SHIM_FAULT;
		if (b->evidence.kind == BG_EV_SHIM_FAULT) {
			snprintf(b->evidence.extension, sizeof(b->evidence.extension), "bh_execwatch");
			snprintf(b->evidence.op, sizeof(b->evidence.op), "event");
			b->evidence.content_version = 5;
			b->evidence.panic = true;
			snprintf(b->evidence.detail, sizeof(b->evidence.detail),
				 "dmesg-ramoops-0: bulkhead: fault extension=bh_execwatch op=event content=5");
		}
	}
	e = bg_state_ext(st, "bh_execwatch", true);
	e->active = 5;
	e->lkg = 4;
	e->chosen = 5;
	e->changed_at = T0 - 600;
	e->active_since = T0 - 600;
	e->failures = n;
	e = bg_state_ext(st, "bh_netmon", true);
	e->status = BG_EXT_DISABLED;
	snprintf(e->reason, sizeof(e->reason), "disabled by operator");
	e->active = e->lkg = e->chosen = 9;
	for (i = 0; i < 3; i++)
		bg_state_decide(st, 8 + n + i, T0 + i, BG_ACT_COUNT, "", 0, 0,
				"failed boot without attribution (unexplained: no evidence)");
	return st;
}

static void fill_string(char *buf, size_t size, const char *pattern)
{
	size_t i, n = strlen(pattern);

	for (i = 0; i + 1 < size; i++)
		buf[i] = pattern[i % n];
	buf[size - 1] = '\0';
}

/*
 * Every field set, every array full, extreme values, and strings that
 * JSON must escape: a zeroed struct filled field by field, so that the
 * round trip can be compared with memcmp.
 */
static struct bg_state *full_state(void)
{
	static const char tricky[] = "quote \" backslash \\ slash / tab \t newline \n "
				     "bell \a del \x7f utf-8 \xc3\xa9\xe6\x97\xa5 end";
	struct bg_state *st = new_state();
	uint32_t i, j;

	st->next_boot_id = UINT64_MAX - 1;
	st->current_boot = UINT64_MAX - 2;
	st->consecutive_failures = UINT32_MAX;
	st->unexplained_failures = 7;
	st->run_time = INT64_MAX - 3;
	st->safe_mode = true;
	snprintf(st->safe_mode_reason, sizeof(st->safe_mode_reason), "%s", tricky);
	for (i = BG_ACT_NONE + 1; i < BG_ACT__COUNT; i++)
		st->decision_counts[i] = i == BG_ACT_COUNT ? UINT64_MAX : 1000 * i + 1;

	st->nr_boots = BG_MAX_BOOTS;
	for (i = 0; i < BG_MAX_BOOTS; i++) {
		struct bg_boot *b = &st->boots[i];
		struct bg_evidence *ev = &b->evidence;

		b->id = 1000 + i;
		b->started = i == 0 ? INT64_MIN : i == 1 ? INT64_MAX : T0 + i * 100;
		b->good_at = -5 - (int64_t)i;
		b->shutdown_at = i;
		b->uptime = i == 2 ? INT64_MAX : 60 * (int64_t)i;
		b->end = (enum bg_boot_end)(i % (BG_END_FAILED + 1));
		ev->kind = (enum bg_evidence_kind)(i % (BG_EV_SHIM_FAULT + 1));
		if (i == 3)	/* the longest the field holds */
			fill_string(ev->extension, sizeof(ev->extension), "bh-ext.");
		else
			snprintf(ev->extension, sizeof(ev->extension), "bh_ext_%02u", i);
		fill_string(ev->op, sizeof(ev->op), "take_content_");
		ev->content_version = UINT64_MAX - i;
		ev->panic = i & 1;
		ev->oops = i & 2;
		ev->watchdog_reset = i & 4;
		ev->uptime = i == 5 ? INT64_MAX : 7 * (int64_t)i;
		if (i == 4)
			fill_string(ev->detail, sizeof(ev->detail), "detail \"x\" \\ ");
		else
			snprintf(ev->detail, sizeof(ev->detail), "boot %u: %s", i, tricky);
	}

	st->nr_ext = BG_MAX_EXT;
	for (i = 0; i < BG_MAX_EXT; i++) {
		struct bg_ext *e = &st->ext[i];

		if (i == 5)	/* the longest valid name: 31 characters */
			fill_string(e->name, BH_NAME_MAX + 1, "bh-Ext.9_");
		else
			snprintf(e->name, sizeof(e->name), "bh_ext_%02u", i);
		e->status = i & 1 ? BG_EXT_DISABLED : BG_EXT_ENABLED;
		if (i == 6)
			fill_string(e->reason, sizeof(e->reason), "why \"so\" \\ ");
		else
			snprintf(e->reason, sizeof(e->reason), "ext %u: %s", i, tricky);
		e->disabled_at = i == 1 ? INT64_MIN : -(int64_t)i;
		e->disabled_good_boots = i == 2 ? UINT32_MAX : i;
		e->disabled_by_guard = i & 2;
		e->pinned = i == 3 ? UINT64_MAX : i;
		e->active = UINT64_MAX - i;
		e->active_since = i == 4 ? INT64_MAX : T0 - i;
		e->pending = (uint64_t)i << 40;
		e->lkg = UINT64_MAX / (i + 1);
		e->lkg_since = T0 - 2 * i;
		e->chosen = i + 100;
		e->changed_at = T0 - 3 * i;
		e->failures = i == 7 ? UINT32_MAX : 3 * i;
		e->nr_crashes = i % (BG_MAX_CRASHES + 1);
		for (j = 0; j < e->nr_crashes; j++) {
			e->crashes[j].boot = i == 9 ? UINT64_MAX - j : 900 + j;
			e->crashes[j].run_time = j == 1 && i == 8 ? INT64_MAX : 5000 + 60 * (int64_t)j;
			e->crashes[j].at = j == 0 && i == 8 ? INT64_MIN : T0 - 100 * (int64_t)j;
		}
		e->load_boot = 1000 + i;
		e->load_version = i;
		e->load_uptime = i == 10 ? INT64_MAX : 5 + (int64_t)i;
		snprintf(e->load_result, sizeof(e->load_result), "loaded");
	}

	st->nr_decisions = BG_MAX_DECISIONS;
	for (i = 0; i < BG_MAX_DECISIONS; i++) {
		struct bg_decision *d = &st->decisions[i];

		d->boot_id = i == 0 ? UINT64_MAX : 2000 + i;
		d->at = i == 1 ? INT64_MIN : T0 + i;
		d->action = (enum bg_action)(i % BG_ACT__COUNT);
		if (i % 3)
			snprintf(d->extension, sizeof(d->extension), "bh_ext_%02u", i % BG_MAX_EXT);
		d->from_version = i == 2 ? UINT64_MAX : i;
		d->to_version = UINT64_MAX - i;
		if (i == 9)
			fill_string(d->reason, sizeof(d->reason), "reason ");
		else
			snprintf(d->reason, sizeof(d->reason), "decision %u: %s", i, tricky);
	}
	return st;
}

/* ---- encoding and decoding -------------------------------------------------- */

static void decode_file(const struct file *f, struct bg_state *ret, struct bulkhead_msg *msg)
{
	size_t hlen = header_len(f);
	int err = bg_state_decode(f->data + hlen, f->len - hlen, ret, msg);

	if (err)
		fail_msg("decode: %d: %s", err, msg->text);
}

static void round_trip_keeps_every_field(void **state)
{
	struct bg_state *st = full_state(), *back = new_state();
	struct bulkhead_msg msg = { "" };
	struct file f = encode(st);

	(void)state;
	decode_file(&f, back, &msg);
	assert_memory_equal(back, st, sizeof(*st));
}

/*
 * A state written before the guard kept its own clock: no running time,
 * no boot or load uptimes, no dump time stamps, and crashes known only
 * by their wall-clock times.  It loads; the times read 0, and the
 * crashes, which no RTC can place, are out of the window.
 */
static void state_from_before_the_uptime_fields_loads(void **state)
{
	struct bg_state *st = full_state(), *back = new_state();
	struct bulkhead_msg msg = { "" };
	struct file f = encode(st);
	size_t h = header_len(&f);
	struct json_object *root = json_tokener_parse(fmt("%.*s", (int)(f.len - h), f.data + h));
	struct json_object *a, *o;
	const char *text;
	size_t i;
	uint32_t k;

	(void)state;
	assert_non_null(root);
	json_object_object_del(root, "run_time");
	assert_true(json_object_object_get_ex(root, "boots", &a));
	for (i = 0; i < json_object_array_length(a); i++) {
		o = json_object_array_get_idx(a, i);
		json_object_object_del(o, "uptime");
		assert_true(json_object_object_get_ex(o, "evidence", &o));
		json_object_object_del(o, "uptime");
	}
	assert_true(json_object_object_get_ex(root, "extensions", &a));
	for (i = 0; i < json_object_array_length(a); i++) {
		o = json_object_array_get_idx(a, i);
		json_object_object_del(o, "recent_crashes");
		assert_true(json_object_object_get_ex(o, "load", &o));
		json_object_object_del(o, "uptime");
	}
	text = fmt("%s", json_object_to_json_string(root));
	json_object_put(root);
	assert_null(strstr(text, "uptime"));
	assert_null(strstr(text, "run_time"));
	assert_int_equal(bg_state_decode(text, strlen(text), back, &msg), 0);

	st->run_time = 0;
	for (k = 0; k < st->nr_boots; k++)
		st->boots[k].uptime = st->boots[k].evidence.uptime = 0;
	for (k = 0; k < st->nr_ext; k++) {
		st->ext[k].load_uptime = 0;
		st->ext[k].nr_crashes = 0;
		memset(st->ext[k].crashes, 0, sizeof(st->ext[k].crashes));
	}
	assert_memory_equal(back, st, sizeof(*st));
}

/*
 * A state written before anti-rollback floors: each extension's floor is
 * its last-known-good version, the lowest content the guard ever rolls
 * back to.
 */
static void state_from_before_floors_takes_the_last_known_good(void **state)
{
	struct bg_state *st = full_state(), *back = new_state();
	struct bulkhead_msg msg = { "" };
	struct file f = encode(st);
	size_t h = header_len(&f);
	struct json_object *root = json_tokener_parse(fmt("%.*s", (int)(f.len - h), f.data + h));
	struct json_object *a;
	const char *text;
	size_t i;
	uint32_t k;

	(void)state;
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "extensions", &a));
	for (i = 0; i < json_object_array_length(a); i++)
		json_object_object_del(json_object_array_get_idx(a, i), "floor");
	text = fmt("%s", json_object_to_json_string(root));
	json_object_put(root);
	assert_null(strstr(text, "floor"));
	assert_int_equal(bg_state_decode(text, strlen(text), back, &msg), 0);
	for (k = 0; k < st->nr_ext; k++) {
		assert_int_not_equal(st->ext[k].lkg, 0);
		st->ext[k].floor = st->ext[k].lkg;
	}
	assert_memory_equal(back, st, sizeof(*st));
}

/*
 * A state written before the decisions were counted: the counts start
 * from the decisions its log still holds, and then only grow.
 */
static void state_from_before_the_decision_counts_counts_its_log(void **state)
{
	struct bg_state *st = full_state(), *back = new_state();
	struct bulkhead_msg msg = { "" };
	struct file f = encode(st);
	size_t h = header_len(&f);
	struct json_object *root = json_tokener_parse(fmt("%.*s", (int)(f.len - h), f.data + h));
	const char *text;
	uint32_t i;

	(void)state;
	assert_non_null(root);
	json_object_object_del(root, "decision_counts");
	text = fmt("%s", json_object_to_json_string(root));
	json_object_put(root);
	assert_null(strstr(text, "decision_counts"));
	assert_int_equal(bg_state_decode(text, strlen(text), back, &msg), 0);

	memset(st->decision_counts, 0, sizeof(st->decision_counts));
	for (i = 0; i < st->nr_decisions; i++)
		st->decision_counts[st->decisions[i].action]++;
	/* every action is in full_state()'s log: each counted from it */
	for (i = BG_ACT_NONE + 1; i < BG_ACT__COUNT; i++)
		assert_true(back->decision_counts[i] > 0);
	assert_memory_equal(back, st, sizeof(*st));

	/* and counted on from there */
	bg_state_decide(back, 1, T0, BG_ACT_ROLLBACK, "bh_ext_01", 2, 1, "crash");
	assert_int_equal(back->decision_counts[BG_ACT_ROLLBACK],
			 st->decision_counts[BG_ACT_ROLLBACK] + 1);
}

/* an action a newer guard counts is left out, not a reason to refuse the state */
static void decision_counts_of_an_unknown_action_are_ignored(void **state)
{
	struct bg_state *st = full_state(), *back = new_state();
	struct bulkhead_msg msg = { "" };
	struct file f = encode(st);
	size_t h = header_len(&f);
	struct json_object *root = json_tokener_parse(fmt("%.*s", (int)(f.len - h), f.data + h));
	struct json_object *counts;
	const char *text;

	(void)state;
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "decision_counts", &counts));
	json_object_object_add(counts, "quarantine", json_object_new_int(5));
	text = fmt("%s", json_object_to_json_string(root));
	json_object_put(root);
	assert_int_equal(bg_state_decode(text, strlen(text), back, &msg), 0);
	assert_memory_equal(back, st, sizeof(*st));
}

static void round_trip_of_a_zeroed_state(void **state)
{
	struct bg_state *st = new_state(), *back = new_state();
	struct bulkhead_msg msg = { "" };
	struct file f = encode(st);

	(void)state;
	memset(back, 0x5a, sizeof(*back));
	decode_file(&f, back, &msg);
	assert_memory_equal(back, st, sizeof(*st));
}

static void header_line_names_format_digest_and_length(void **state)
{
	struct bg_state *st = full_state();
	struct file f = encode(st);
	size_t hlen = header_len(&f);
	char hex[65];
	char *want;
	struct json_object *o;

	(void)state;
	sha256_hex(f.data + hlen, f.len - hlen, hex);
	want = fmt("bulkhead-state %d %s %zu\n", BG_STATE_FORMAT, hex, f.len - hlen);
	assert_int_equal(hlen, strlen(want));
	assert_memory_equal(f.data, want, hlen);
	/* the body is one JSON object and nothing else */
	o = json_tokener_parse(fmt("%.*s", (int)(f.len - hlen), f.data + hlen));
	assert_non_null(o);
	assert_true(json_object_is_type(o, json_type_object));
	json_object_put(o);
}

static void decode_refuses_without_touching_result(void **state)
{
	struct bg_state *got = new_state(), *pattern = new_state();
	struct bulkhead_msg msg = { "" };

	(void)state;
	memset(got, 0xa5, sizeof(*got));
	memset(pattern, 0xa5, sizeof(*pattern));
	assert_int_equal(bg_state_decode("{}", 2, got, &msg), -EBADMSG);
	assert_memory_equal(got, pattern, sizeof(*got));
	assert_msg(&msg, "'next_boot_id' missing");
}

/* ---- saving and loading ----------------------------------------------------- */

static void fresh_dir_loads_as_new_machine(void **state)
{
	struct ctx *c = *state;
	struct bg_state *want = new_state();
	struct bulkhead_msg msg = { "" };

	want->next_boot_id = 1;
	assert_loads(c->dir, want, BG_LOADED_NEW, &msg);
}

static void save_then_load_gives_current(void **state)
{
	struct ctx *c = *state;
	struct bg_state *st = full_state();
	struct bulkhead_msg msg = { "" };
	struct stat sb;

	save_ok(c->dir, st);
	assert_loads(c->dir, st, BG_LOADED_CURRENT, &msg);
	assert_int_equal(stat(fmt("%s/state", c->dir), &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_false(has_file(c->dir, "state.tmp"));
}

static void second_save_keeps_first_as_previous_copy(void **state)
{
	struct ctx *c = *state;
	struct bg_state *a = small_state(1), *b = small_state(2);
	struct bulkhead_msg msg = { "" };

	save_ok(c->dir, a);
	save_ok(c->dir, b);
	assert_loads(c->dir, b, BG_LOADED_CURRENT, &msg);
	drop_file(c->dir, "state");
	assert_loads(c->dir, a, BG_LOADED_PREVIOUS, &msg);
	assert_msg(&msg, "state file missing");
}

static void state_missing_but_previous_present_loads_previous(void **state)
{
	struct ctx *c = *state;
	struct bg_state *old = small_state(3);
	struct bulkhead_msg msg = { "" };
	struct file f = encode(old);

	put_in(c->dir, "state.prev", f.data, f.len);
	put_in(c->dir, "state.tmp", f.data, f.len / 2);	/* a save cut short */
	assert_loads(c->dir, old, BG_LOADED_PREVIOUS, &msg);
	assert_msg(&msg, "state file missing");
}

static void save_into_missing_directory_fails_with_reason(void **state)
{
	struct ctx *c = *state;
	struct bulkhead_msg msg = { "" };
	char *dir = fmt("%s/nonexistent", c->dir);

	assert_int_equal(bg_state_save(dir, small_state(1), &bg_real_fsops, &msg), -ENOENT);
	assert_msg(&msg, dir);
	assert_msg(&msg, strerror(ENOENT));
}

static void state_that_is_a_directory_falls_back_to_previous(void **state)
{
	struct ctx *c = *state;
	struct bg_state *old = small_state(1);
	struct bulkhead_msg msg = { "" };
	struct file f = encode(old);

	put_in(c->dir, "state.prev", f.data, f.len);
	assert_int_equal(mkdir(fmt("%s/state", c->dir), 0700), 0);
	assert_loads(c->dir, old, BG_LOADED_PREVIOUS, &msg);
	assert_msg(&msg, "not a regular file");
}

static void oversized_state_falls_back_to_previous(void **state)
{
	struct ctx *c = *state;
	struct bg_state *old = small_state(1);
	struct bulkhead_msg msg = { "" };
	struct file f = encode(old);

	put_in(c->dir, "state.prev", f.data, f.len);
	put_in(c->dir, "state", f.data, f.len);
	assert_int_equal(truncate(fmt("%s/state", c->dir), (16 << 20) + 1), 0);	/* sparse */
	assert_loads(c->dir, old, BG_LOADED_PREVIOUS, &msg);
	assert_msg(&msg, "larger than the limit");
}

/* ---- fault injection ---------------------------------------------------------- */

/* what the directory holds before the save that is cut short */
enum history {
	FIRST_EVER,		/* nothing: a fresh machine */
	TWO_SAVES,		/* state = OLD, state.prev = OLDER */
	CUT_SHORT,		/* the last save was cut between its renames:
				 * state.prev = OLD, no state, a torn state.tmp */
	CORRUPT_CURRENT,	/* state damaged (zeroed by a power cut),
				 * state.prev = OLD */
};

static const char *const history_names[] = {
	[FIRST_EVER] = "first save ever",
	[TWO_SAVES] = "after two saves",
	[CUT_SHORT] = "after a save cut short",
	[CORRUPT_CURRENT] = "with a damaged current copy",
};

struct crash_case {
	const char *dir;
	enum history history;
	const struct bg_state *older, *old, *new, *newer;
};

static void prepare(const struct crash_case *cc)
{
	struct file f;

	clear_dir(cc->dir);
	switch (cc->history) {
	case FIRST_EVER:
		break;
	case TWO_SAVES:
		save_ok(cc->dir, cc->older);
		save_ok(cc->dir, cc->old);
		break;
	case CUT_SHORT:
		save_ok(cc->dir, cc->old);
		move_file(cc->dir, "state", "state.prev");
		f = encode(cc->older);
		put_in(cc->dir, "state.tmp", f.data, f.len / 3);
		break;
	case CORRUPT_CURRENT:
		save_ok(cc->dir, cc->old);
		f = encode(cc->old);
		move_file(cc->dir, "state", "state.prev");
		memset(f.data, 0, f.len);
		put_in(cc->dir, "state", f.data, f.len);
		break;
	}
}

enum outcome { GOT_FRESH, GOT_OLD, GOT_NEW };

/* load with the real reader: exactly the old state, the new one, or (first save) nothing */
static enum outcome load_outcome(const struct crash_case *cc, const char *when)
{
	struct bg_state *got = scratch_a, *fresh = scratch_b;
	struct bulkhead_msg msg = { "" };
	enum bg_load_source src;
	int err;

	memset(fresh, 0, sizeof(*fresh));
	fresh->next_boot_id = 1;
	err = bg_state_load(cc->dir, got, &src, &msg);
	if (err)
		fail_msg("%s, %s: load failed: %d: %s", history_names[cc->history], when, err,
			 msg.text);
	if (src == BG_LOADED_CURRENT && !memcmp(got, cc->new, sizeof(*got)))
		return GOT_NEW;
	if (cc->history == FIRST_EVER) {
		if (src == BG_LOADED_NEW && !memcmp(got, fresh, sizeof(*got)))
			return GOT_FRESH;
	} else if (src != BG_LOADED_NEW && !memcmp(got, cc->old, sizeof(*got))) {
		return GOT_OLD;
	}
	fail_msg("%s, %s: loaded (source %d) neither the old state nor the new one",
		 history_names[cc->history], when, (int)src);
	return GOT_FRESH;
}

/*
 * After the crash, the machine boots again and saves NEWER for real: that
 * must work, load back as NEWER, leave no temporary file, and leave as
 * the previous copy the old or the new state (or none, on a fresh
 * machine whose first save never landed).
 */
static void check_next_save(const struct crash_case *cc, const char *when, enum outcome before)
{
	struct bulkhead_msg msg = { "" };
	struct bg_state *got = scratch_a;
	enum bg_load_source src = 77;
	struct file zero;
	int err;

	save_ok(cc->dir, cc->newer);
	assert_loads(cc->dir, cc->newer, BG_LOADED_CURRENT, &msg);
	if (has_file(cc->dir, "state.tmp"))
		fail_msg("%s, %s: state.tmp left after a good save", history_names[cc->history],
			 when);

	/* now damage the current copy: the previous one must stand in */
	zero = encode(cc->newer);
	memset(zero.data, 0, zero.len);
	put_in(cc->dir, "state", zero.data, zero.len);
	err = bg_state_load(cc->dir, got, &src, &msg);
	if (cc->history == FIRST_EVER && before == GOT_FRESH) {
		if (err != -EBADMSG)
			fail_msg("%s, %s: damaged only copy gave %d", history_names[cc->history],
				 when, err);
		return;
	}
	if (err || src != BG_LOADED_PREVIOUS ||
	    (memcmp(got, cc->new, sizeof(*got)) && memcmp(got, cc->old, sizeof(*got))))
		fail_msg("%s, %s: previous copy after the next save is neither the old nor "
			 "the new state (load %d, source %d: %s)", history_names[cc->history],
			 when, err, (int)src, msg.text);
}

static const char *crash_point(unsigned int k, unsigned int n, const char *const *trace)
{
	return fmt("crash at call %u of %u (%s)", k, n, k < n ? trace[k] : "none: the save completes");
}

/* the syscalls of the last dry run, space-separated */
static char save_trace[512];

/*
 * Crash a save of NEW at every one of its syscalls (and once not at all),
 * then load: OLD or NEW and nothing else, NEW exactly when the crash came
 * after the rename that puts the new file in place.  Returns the number
 * of syscalls a whole save makes.
 */
static unsigned int crash_everywhere(struct crash_case *cc, size_t chunk)
{
	struct bulkhead_msg msg = { "" };
	unsigned int n, k, commit = UINT_MAX, renames = 0;
	const char *trace[SAVE_MAX_CALLS];

	/* a dry run counts the calls and finds the rename that commits */
	prepare(cc);
	fi_reset(FI_CRASH, UINT_MAX, chunk);
	if (bg_state_save(cc->dir, cc->new, &fi_ops, &msg))
		fail_msg("dry run: %s", msg.text);
	fi_reap();
	n = fi.calls;
	assert_true(n <= ARRAY_SIZE(trace));
	memcpy(trace, fi.trace, sizeof(trace));
	save_trace[0] = '\0';
	/*
	 * The rename that commits is the last one: the save moves a valid
	 * current file aside first, but a missing or damaged one it simply
	 * replaces (keeping the good previous copy), with one rename.
	 */
	for (k = 0; k < n; k++) {
		if (!strcmp(trace[k], "rename")) {
			renames++;
			commit = k;
		}
		snprintf(save_trace + strlen(save_trace), sizeof(save_trace) - strlen(save_trace),
			 "%s%s", k ? " " : "", trace[k]);
	}
	assert_int_not_equal(commit, UINT_MAX);

	/* first what a load sees right after each crash ... */
	for (k = 0; k <= n; k++) {
		enum outcome got;
		int err;

		prepare(cc);
		fi_reset(FI_CRASH, k, chunk);
		err = bg_state_save(cc->dir, cc->new, &fi_ops, &msg);
		fi_reap();
		if (k == n && err)
			fail_msg("%s: %s", crash_point(k, n, trace), msg.text);
		got = load_outcome(cc, crash_point(k, n, trace));
		if ((got == GOT_NEW) != (k > commit))
			fail_msg("%s, %s: loaded the %s state", history_names[cc->history],
				 crash_point(k, n, trace), got == GOT_NEW ? "new" : "old");
	}
	/* ... then whether the next save after each crash leaves all in order */
	for (k = 0; k <= n; k++) {
		prepare(cc);
		fi_reset(FI_CRASH, k, chunk);
		bg_state_save(cc->dir, cc->new, &fi_ops, &msg);
		fi_reap();
		check_next_save(cc, crash_point(k, n, trace),
				load_outcome(cc, crash_point(k, n, trace)));
	}
	return n;
}

static struct crash_case crash_case(const struct ctx *c, enum history h)
{
	return (struct crash_case){
		.dir = c->dir,
		.history = h,
		.older = small_state(1),
		.old = small_state(2),
		.new = small_state(3),
		.newer = small_state(4),
	};
}

/* writes in three pieces, so that a crash can also tear the temporary file */
static size_t third_of(const struct bg_state *st)
{
	return encode(st).len / 3 + 1;
}

static void crash_at_every_syscall_of_a_save_keeps_old_or_new(void **state)
{
	struct crash_case cc = crash_case(*state, TWO_SAVES);

	assert_int_equal(crash_everywhere(&cc, 0), 9);
	assert_string_equal(save_trace, "open write fsync close rename rename open fsync close");
	assert_int_equal(crash_everywhere(&cc, third_of(cc.new)), 11);
	assert_string_equal(save_trace,
			    "open write write write fsync close rename rename open fsync close");
}

/* no valid current file to keep aside: one rename, one call fewer */
static void crash_at_every_syscall_of_the_first_save_keeps_nothing_or_new(void **state)
{
	struct crash_case cc = crash_case(*state, FIRST_EVER);

	assert_int_equal(crash_everywhere(&cc, 0), 8);
	assert_string_equal(save_trace, "open write fsync close rename open fsync close");
	assert_int_equal(crash_everywhere(&cc, third_of(cc.new)), 10);
}

static void crash_at_every_syscall_after_a_save_cut_short_keeps_old_or_new(void **state)
{
	struct crash_case cc = crash_case(*state, CUT_SHORT);

	assert_int_equal(crash_everywhere(&cc, 0), 8);
	assert_int_equal(crash_everywhere(&cc, third_of(cc.new)), 10);
}

/*
 * The current copy is damaged (load used state.prev = OLD) and the guard
 * saves NEW.  Renaming the damaged "state" over the good "state.prev"
 * would leave, after a crash before the next rename, no usable copy at
 * all (this was a bug): the save must replace the damaged file directly
 * and keep the good previous copy.
 */
static void crash_at_every_syscall_with_a_damaged_current_copy_keeps_old_or_new(void **state)
{
	struct crash_case cc = crash_case(*state, CORRUPT_CURRENT);

	assert_int_equal(crash_everywhere(&cc, 0), 8);
}

/* the same cause as above, no crash needed */
static void save_over_a_damaged_current_copy_keeps_a_good_previous(void **state)
{
	struct ctx *c = *state;
	struct crash_case cc = crash_case(c, CORRUPT_CURRENT);
	struct bulkhead_msg msg = { "" };
	struct file zero = encode(cc.new);

	prepare(&cc);
	assert_loads(c->dir, cc.old, BG_LOADED_PREVIOUS, &msg);
	save_ok(c->dir, cc.new);
	memset(zero.data, 0, zero.len);
	put_in(c->dir, "state", zero.data, zero.len);	/* the new copy is damaged too */
	assert_loads(c->dir, cc.old, BG_LOADED_PREVIOUS, &msg);
}

/*
 * A syscall that fails (a full disk) while the process goes on: the save
 * reports it with the reason, cleans up its temporary file when the new
 * one never got in place, and the directory holds the old or new state.
 */
static void failing_syscall_at_every_step_is_reported_and_keeps_old_or_new(void **state)
{
	struct crash_case cc = crash_case(*state, TWO_SAVES);
	struct bulkhead_msg msg = { "" };
	unsigned int n, k, commit = 0, renames = 0;
	const char *trace[SAVE_MAX_CALLS];

	prepare(&cc);
	fi_reset(FI_FAIL_ONCE, UINT_MAX, third_of(cc.new));
	assert_int_equal(bg_state_save(cc.dir, cc.new, &fi_ops, &msg), 0);
	n = fi.calls;
	memcpy(trace, fi.trace, sizeof(trace));
	for (k = 0; k < n; k++)
		if (!strcmp(trace[k], "rename") && ++renames == 2)
			commit = k;

	for (k = 0; k < n; k++) {
		const char *when = fmt("call %u of %u (%s) fails", k, n, trace[k]);
		enum outcome got;
		int err;

		prepare(&cc);
		fi_reset(FI_FAIL_ONCE, k, third_of(cc.new));
		msg.text[0] = '\0';
		err = bg_state_save(cc.dir, cc.new, &fi_ops, &msg);
		fi_reap();
		/* the last close, of the directory, changes nothing that was saved */
		if (k == n - 1) {
			if (err && err != -ENOSPC)
				fail_msg("%s: save gave %d", when, err);
		} else {
			if (err != -ENOSPC)
				fail_msg("%s: save gave %d, wanted %d", when, err, -ENOSPC);
			assert_msg(&msg, strerror(ENOSPC));
		}
		if (k < commit - 1 && has_file(cc.dir, "state.tmp"))
			fail_msg("%s: state.tmp left behind", when);
		got = load_outcome(&cc, when);
		if ((got == GOT_NEW) != (k > commit))
			fail_msg("%s: loaded the %s state", when, got == GOT_NEW ? "new" : "old");
		check_next_save(&cc, when, got);
	}
}

static void save_survives_short_and_interrupted_writes(void **state)
{
	struct ctx *c = *state;
	struct bg_state *st = full_state();
	struct bulkhead_msg msg = { "" };

	fi_reset(FI_CRASH, UINT_MAX, 1000);
	fi.eintr = true;
	if (bg_state_save(c->dir, st, &fi_ops, &msg))
		fail_msg("save: %s", msg.text);
	fi_reap();
	assert_true(fi.writes > 20);
	assert_loads(c->dir, st, BG_LOADED_CURRENT, &msg);
}

/* ---- damaged files, byte by byte ---------------------------------------------- */

/*
 * A row damages a good encoding @f in place; @other is the encoding of
 * a different state, for the damage that mixes two versions.
 */
struct damage_row {
	const char *name;
	void (*damage)(struct file *f, const struct file *other);
	const char *want;	/* the load message names one of these ('|') */
};

static void zero_fill(struct file *f, const struct file *other)
{
	(void)other;
	memset(f->data, 0, f->len);
}

static void random_garbage(struct file *f, const struct file *other)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	size_t i;

	(void)other;
	for (i = 0; i < f->len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		f->data[i] = (char)(x >> 24);
	}
}

static void empty_file(struct file *f, const struct file *other)
{
	(void)other;
	f->len = 0;
}

static void flip_first_body_byte(struct file *f, const struct file *other)
{
	(void)other;
	f->data[header_len(f)] ^= 0x01;
}

static void flip_middle_body_byte(struct file *f, const struct file *other)
{
	size_t h = header_len(f);

	(void)other;
	f->data[h + (f->len - h) / 2] ^= 0x10;
}

static void flip_last_body_byte(struct file *f, const struct file *other)
{
	(void)other;
	f->data[f->len - 1] ^= 0x01;
}

static void flip_digest_digit(struct file *f, const struct file *other)
{
	char *d = f->data + strlen("bulkhead-state 1 ");

	(void)other;
	*d = *d == 'a' ? 'b' : 'a';
}

static void rewrite_header(struct file *f, const char *magic, int format, ssize_t delta)
{
	size_t h = header_len(f), blen = f->len - h;
	char *body = fmt("%.*s", (int)blen, f->data + h);

	*f = with_header(magic, format, NULL, (size_t)((ssize_t)blen + delta), body, blen);
}

static void wrong_magic(struct file *f, const struct file *other)
{
	(void)other;
	rewrite_header(f, "bulkhead-stats", BG_STATE_FORMAT, 0);
}

static void other_program_magic(struct file *f, const struct file *other)
{
	(void)other;
	rewrite_header(f, "bulkhead-content", BG_STATE_FORMAT, 0);
}

static void format_2(struct file *f, const struct file *other)
{
	(void)other;
	rewrite_header(f, "bulkhead-state", BG_STATE_FORMAT + 1, 0);
}

static void format_0(struct file *f, const struct file *other)
{
	(void)other;
	rewrite_header(f, "bulkhead-state", 0, 0);
}

static void length_one_more(struct file *f, const struct file *other)
{
	(void)other;
	rewrite_header(f, "bulkhead-state", BG_STATE_FORMAT, 1);
}

static void length_one_less(struct file *f, const struct file *other)
{
	(void)other;
	rewrite_header(f, "bulkhead-state", BG_STATE_FORMAT, -1);
}

static void byte_appended(struct file *f, const struct file *other)
{
	(void)other;
	f->data[f->len++] = '\n';	/* damaged() leaves room for it */
}

static void header_only(struct file *f, const struct file *other)
{
	(void)other;
	f->len = header_len(f);
}

static void header_without_newline(struct file *f, const struct file *other)
{
	(void)other;
	f->data[header_len(f) - 1] = ' ';
}

static void header_too_long(struct file *f, const struct file *other)
{
	size_t h = header_len(f);
	char *body = fmt("%.*s", (int)(f->len - h), f->data + h);
	char *pad = fmt("%150s", "");
	char *head = fmt("%s%.*s", pad, (int)h, f->data);

	(void)other;
	f->data = fmt("%s%s", head, body);
	f->len = strlen(f->data);
}

static void header_with_crlf(struct file *f, const struct file *other)
{
	size_t h = header_len(f);
	char *t = fmt("%.*s\r\n%.*s", (int)(h - 1), f->data, (int)(f->len - h), f->data + h);

	(void)other;
	f->data = t;
	f->len = strlen(t);
}

static void header_with_trailing_word(struct file *f, const struct file *other)
{
	size_t h = header_len(f);
	char *t = fmt("%.*s extra\n%.*s", (int)(h - 1), f->data, (int)(f->len - h), f->data + h);

	(void)other;
	f->data = t;
	f->len = strlen(t);
}

/* a torn write mixing two versions: this file's header, the other's body */
static void body_of_another_state(struct file *f, const struct file *other)
{
	size_t h = header_len(f), oh = header_len(other);
	char *t = fmt("%.*s%.*s", (int)h, f->data, (int)(other->len - oh), other->data + oh);

	f->data = t;
	f->len = strlen(t);
}

/* the first half of this file, the rest from the other one */
static void halves_of_two_states(struct file *f, const struct file *other)
{
	size_t half = f->len / 2;
	char *t;

	assert_true(other->len > half);
	t = fmt("%.*s%.*s", (int)half, f->data, (int)(other->len - half), other->data + half);
	f->data = t;
	f->len = strlen(t);
}

static void json_cut_short(struct file *f, const struct file *other)
{
	size_t h = header_len(f);

	(void)other;
	*f = body_file(f->data + h, (f->len - h) / 2);
}

static void json_with_trailing_text(struct file *f, const struct file *other)
{
	size_t h = header_len(f);
	char *body = fmt("%.*s}", (int)(f->len - h), f->data + h);

	(void)other;
	*f = body_file(body, strlen(body));
}

static void json_with_nul_byte(struct file *f, const struct file *other)
{
	size_t h = header_len(f), blen = f->len - h;
	char *body = own(malloc(blen));

	(void)other;
	memcpy(body, f->data + h, blen);
	body[blen / 2] = '\0';
	*f = body_file(body, blen);
}

static void json_array(struct file *f, const struct file *other)
{
	(void)other;
	*f = body_file("[]\n", 3);
}

static void not_json(struct file *f, const struct file *other)
{
	(void)other;
	*f = body_file("next_boot_id = 3\n", 17);
}

static const struct damage_row damage_rows[] = {
	{ "empty_file", empty_file, "no header line" },
	{ "zero_filled_file", zero_fill, "no header line" },
	{ "random_garbage", random_garbage, "no header line|bad header line" },
	{ "flipped_first_body_byte", flip_first_body_byte, "checksum mismatch" },
	{ "flipped_middle_body_byte", flip_middle_body_byte, "checksum mismatch" },
	{ "flipped_last_body_byte", flip_last_body_byte, "checksum mismatch" },
	{ "flipped_digest_digit", flip_digest_digit, "checksum mismatch" },
	{ "wrong_magic", wrong_magic, "bad header line" },
	{ "magic_of_another_file", other_program_magic, "bad header line" },
	{ "newer_format", format_2, "state format 2, this guard reads 1" },
	{ "format_0", format_0, "state format 0, this guard reads 1" },
	{ "length_one_more_than_body", length_one_more, "header says" },
	{ "length_one_less_than_body", length_one_less, "header says" },
	{ "byte_appended", byte_appended, "header says" },
	{ "header_only", header_only, "body is 0 bytes" },
	{ "header_without_newline", header_without_newline, "bad header line" },
	{ "header_too_long", header_too_long, "no header line" },
	{ "header_with_crlf", header_with_crlf, "bad header line" },
	{ "header_with_trailing_word", header_with_trailing_word, "bad header line" },
	{ "body_of_another_state", body_of_another_state, "header says|checksum mismatch" },
	{ "halves_of_two_states", halves_of_two_states, "header says|checksum mismatch" },
	{ "valid_header_json_cut_short", json_cut_short, "invalid JSON" },
	{ "valid_header_json_with_trailing_text", json_with_trailing_text, "invalid JSON" },
	{ "valid_header_json_with_nul_byte", json_with_nul_byte, "invalid JSON" },
	{ "valid_header_not_json", not_json, "invalid JSON" },
	{ "valid_header_json_array", json_array, "'next_boot_id' missing" },
};

static struct file damaged(const struct damage_row *r, const struct bg_state *st,
			   const struct bg_state *other_st)
{
	struct file f = encode(st), other = encode(other_st);
	char *room = own(malloc(f.len + 1));

	/* room for one more byte */
	memcpy(room, f.data, f.len);
	f.data = room;
	r->damage(&f, &other);
	return f;
}

/*
 * One kind of damage, four ways: damaged current copy with a good
 * previous one (the previous one is used, and the message says why);
 * both damaged, damaged current and no previous, no current and a
 * damaged previous (all refused, not taken for a fresh machine).
 */
static void run_damage_row(void **state)
{
	struct ctx *c = *state;
	const struct damage_row *r = c->row;
	struct bg_state *old = small_state(2), *new = small_state(3);
	struct file bad_new = damaged(r, new, old), bad_old = damaged(r, old, new);
	struct file good_old = encode(old);
	struct bulkhead_msg msg = { "" };

	put_in(c->dir, "state", bad_new.data, bad_new.len);
	put_in(c->dir, "state.prev", good_old.data, good_old.len);
	assert_loads(c->dir, old, BG_LOADED_PREVIOUS, &msg);
	assert_msg(&msg, fmt("%s/state: ", c->dir));
	assert_msg(&msg, r->want);

	put_in(c->dir, "state.prev", bad_old.data, bad_old.len);
	assert_refused(c->dir, -EBADMSG, &msg);
	assert_msg(&msg, r->want);
	assert_msg(&msg, "state.prev");

	drop_file(c->dir, "state.prev");
	assert_refused(c->dir, -EBADMSG, &msg);
	assert_msg(&msg, r->want);

	drop_file(c->dir, "state");
	put_in(c->dir, "state.prev", bad_old.data, bad_old.len);
	assert_refused(c->dir, -EBADMSG, &msg);
	assert_msg(&msg, r->want);
}

static void truncated_at_every_length_falls_back_to_previous(void **state)
{
	struct ctx *c = *state;
	struct bg_state *old = small_state(2), *new = small_state(3);
	struct file f = encode(new), good_old = encode(old), g = encode(old);
	struct bulkhead_msg msg = { "" };
	size_t len;

	put_in(c->dir, "state.prev", good_old.data, good_old.len);
	for (len = 0; len < f.len; len++) {
		put_in(c->dir, "state", f.data, len);
		assert_loads(c->dir, old, BG_LOADED_PREVIOUS, &msg);
		assert_msg(&msg, "no header line|header says");
	}
	/* both truncated: refused (a sample of lengths) */
	for (len = 0; len < f.len && len < g.len; len += 37) {
		put_in(c->dir, "state", f.data, len);
		put_in(c->dir, "state.prev", g.data, len);
		assert_refused(c->dir, -EBADMSG, &msg);
	}
}

static void full_state_truncated_at_sampled_lengths_falls_back_to_previous(void **state)
{
	struct ctx *c = *state;
	struct bg_state *old = small_state(2), *big = full_state();
	struct file f = encode(big), good_old = encode(old);
	struct bulkhead_msg msg = { "" };
	size_t h = header_len(&f), len;

	put_in(c->dir, "state.prev", good_old.data, good_old.len);
	for (len = 0; len < f.len; len += len < h + 2 || len > f.len - 80 ? 1 : 509) {
		put_in(c->dir, "state", f.data, len);
		assert_loads(c->dir, old, BG_LOADED_PREVIOUS, &msg);
	}
}

/* ---- damaged files: valid header, JSON that is not a state --------------------- */

enum edit_op {
	SET,		/* replace the value at @path by the JSON @value */
	DELETE,		/* remove the member at @path */
	GROW,		/* append copies of the array's first entry up to @value entries */
	TEXT,		/* in the JSON text, replace @path by @value */
};

struct json_row {
	const char *name;
	enum edit_op op;
	const char *path;	/* "extensions/0/name"; "" for the root */
	const char *value;
	const char *want;
};

/* a string literal as JSON: in quotes */
#define QUOTED(n) "\"" n "\""
#define A40 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define A300 A40 A40 A40 A40 A40 A40 A40 "aaaaaaaaaaaaaaaaaaaa"

static const struct json_row json_rows[] = {
	{ "missing_top_level_field", DELETE, "consecutive_failures", NULL,
	  "'consecutive_failures' missing or not a int" },
	{ "missing_decision_field", DELETE, "decisions/3/reason", NULL,
	  "state decision: 'reason' missing or not a string" },
	{ "missing_evidence", DELETE, "boots/2/evidence", NULL,
	  "state boot: 'evidence' missing or not a object" },
	{ "missing_extension_list", DELETE, "extensions", NULL,
	  "'extensions' missing or not a array" },
	{ "string_where_integer", SET, "next_boot_id", "\"12\"",
	  "'next_boot_id' missing or not a int" },
	{ "float_where_integer", SET, "extensions/1/active", "5.5",
	  "'active' missing or not a int" },
	{ "integer_where_boolean", SET, "safe_mode", "1",
	  "'safe_mode' missing or not a boolean" },
	{ "null_where_string", SET, "safe_mode_reason", "null",
	  "'safe_mode_reason' missing or not a string" },
	{ "object_where_array", SET, "boots", "{}", "'boots' missing or not a array" },
	{ "number_where_entry", SET, "extensions/0", "7",
	  "state extension: 'name' missing or not a string" },
	{ "negative_version", SET, "extensions/0/lkg", "-1", "'lkg' is negative" },
	{ "failure_count_beyond_32_bits", SET, "consecutive_failures", "4294967296",
	  "'consecutive_failures' out of range" },
	{ "number_beyond_64_bits", TEXT, "18446744073709551614", "18446744073709551616",
	  "integer larger than" },
	{ "unknown_boot_end", SET, "boots/0/end", "\"exploded\"",
	  "'end' has unknown value 'exploded'" },
	{ "unknown_evidence_kind", SET, "boots/1/evidence/kind", "\"gremlins\"",
	  "'kind' has unknown value 'gremlins'" },
	{ "unknown_extension_status", SET, "extensions/2/status", "\"paused\"",
	  "'status' has unknown value 'paused'" },
	{ "unknown_action", SET, "decisions/0/action", "\"reboot\"",
	  "'action' has unknown value 'reboot'" },
	{ "too_many_boots", GROW, "boots", "17", "'boots' has 17 entries, at most 16" },
	{ "too_many_extensions", GROW, "extensions", "33",
	  "'extensions' has 33 entries, at most 32" },
	{ "too_many_decisions", GROW, "decisions", "65",
	  "'decisions' has 65 entries, at most 64" },
	{ "too_many_crashes", GROW, "extensions/8/crashes", "9",
	  "'crashes' has 9 entries, at most 8" },
	{ "name_too_long", SET, "extensions/0/name", QUOTED(A40), "'name' longer than 32" },
	{ "reason_too_long", SET, "decisions/0/reason", QUOTED(A300),
	  "'reason' longer than 255" },
	{ "invalid_extension_name", SET, "extensions/0/name", "\"bh exec/watch\"",
	  "invalid name 'bh exec/watch'" },
	{ "root_not_an_object", SET, "", "[1, 2]", "'next_boot_id' missing" },
	/*
	 * Regression: the entries of "crashes" are read with json_object_get_int64()
	 * and no type check: a string (or null, or an object) is taken as
	 * crash time 0 and the damaged file is used as if it were good.
	 * Minimal reproduction: a state file whose extensions[0].crashes is
	 * ["yesterday"] with a correct header -> BG_LOADED_CURRENT, crash
	 * time 0.
	 */
	{ "crash_time_not_a_number", SET, "extensions/8/crashes/0", "\"yesterday\"",
	  "crashes" },
	{ "too_many_recent_crashes", GROW, "extensions/8/recent_crashes", "9",
	  "'recent_crashes' has 9 entries, at most 8" },
	{ "recent_crash_not_an_object", SET, "extensions/8/recent_crashes/0", "1200",
	  "'recent_crashes' holds 1200, not a crash" },
	{ "recent_crash_without_its_boot", DELETE, "extensions/8/recent_crashes/0/boot", NULL,
	  "state extension recent crash: 'boot' missing or not a int" },
	{ "recent_crash_run_time_not_a_number", SET, "extensions/8/recent_crashes/1/run_time",
	  "\"an hour\"", "'run_time' missing or not a int" },
	{ "run_time_not_a_number", SET, "run_time", "1.5", "'run_time' missing or not a int" },
	{ "boot_uptime_not_a_number", SET, "boots/3/uptime", "null",
	  "state boot: 'uptime' missing or not a int" },
	{ "load_uptime_not_a_number", SET, "extensions/2/load/uptime", "\"5\"",
	  "state extension load: 'uptime' missing or not a int" },
};

static struct json_object *json_at(struct json_object *o, const char *seg)
{
	struct json_object *v = NULL;

	if (json_object_is_type(o, json_type_array))
		return json_object_array_get_idx(o, (size_t)atoi(seg));
	if (!json_object_object_get_ex(o, seg, &v))
		fail_msg("fixture: no member '%s'", seg);
	return v;
}

/* the body of @st's encoding, edited as @r says, with a correct header */
static struct file edited(const struct json_row *r, const struct bg_state *st)
{
	struct file f = encode(st);
	size_t h = header_len(&f);
	struct json_object *root = json_tokener_parse(fmt("%.*s", (int)(f.len - h), f.data + h));
	struct json_object *parent = root, *v;
	char *path = fmt("%s", r->path), *save = NULL, *seg, *next, *text, *at;

	assert_non_null(root);
	if (r->op == TEXT) {
		text = fmt("%s", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
		at = strstr(text, r->path);
		assert_non_null(at);
		text = fmt("%.*s%s%s", (int)(at - text), text, r->value, at + strlen(r->path));
		json_object_put(root);
		return body_file(text, strlen(text));
	}
	if (!*r->path) {
		json_object_put(root);
		return body_file(r->value, strlen(r->value));
	}
	/* walk to the parent of the last segment */
	seg = strtok_r(path, "/", &save);
	while ((next = strtok_r(NULL, "/", &save))) {
		parent = json_at(parent, seg);
		assert_non_null(parent);
		seg = next;
	}
	switch (r->op) {
	case SET:
		v = json_tokener_parse(r->value);	/* NULL for "null" */
		if (json_object_is_type(parent, json_type_array))
			assert_int_equal(json_object_array_put_idx(parent, (size_t)atoi(seg), v), 0);
		else
			assert_int_equal(json_object_object_add(parent, seg, v), 0);
		break;
	case DELETE:
		json_object_object_del(parent, seg);
		break;
	case GROW:
		v = json_at(parent, seg);
		assert_true(json_object_is_type(v, json_type_array));
		assert_true(json_object_array_length(v) > 0);
		while (json_object_array_length(v) < (size_t)atoi(r->value))
			json_object_array_add(v, json_object_get(json_object_array_get_idx(v, 0)));
		break;
	case TEXT:
		break;
	}
	text = fmt("%s", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	json_object_put(root);
	return body_file(text, strlen(text));
}

static void run_json_row(void **state)
{
	struct ctx *c = *state;
	const struct json_row *r = c->row;
	struct bg_state *old = small_state(2), *full = full_state(), *got = new_state();
	struct bg_state *pattern = new_state();
	struct file bad = edited(r, full), good_old = encode(old);
	struct bulkhead_msg msg = { "" };
	size_t h = header_len(&bad);

	/* the decoder refuses it and leaves the result alone */
	memset(got, 0xa5, sizeof(*got));
	memset(pattern, 0xa5, sizeof(*pattern));
	if (bg_state_decode(bad.data + h, bad.len - h, got, &msg) != -EBADMSG)
		fail_msg("decoder took the edited state: %s", r->name);
	assert_memory_equal(got, pattern, sizeof(*got));
	assert_msg(&msg, r->want);

	/* the store uses the previous copy and says why */
	put_in(c->dir, "state", bad.data, bad.len);
	put_in(c->dir, "state.prev", good_old.data, good_old.len);
	assert_loads(c->dir, old, BG_LOADED_PREVIOUS, &msg);
	assert_msg(&msg, fmt("%s/state: ", c->dir));
	assert_msg(&msg, r->want);

	/* and refuses when both copies are bad */
	put_in(c->dir, "state.prev", bad.data, bad.len);
	assert_refused(c->dir, -EBADMSG, &msg);
	assert_msg(&msg, r->want);
}

/* the editing itself is sound: an edit that changes nothing loads */
static void unedited_json_with_fresh_header_loads(void **state)
{
	static const struct json_row same = {
		.name = "same", .op = TEXT, .path = "\"next_boot_id\"", .value = "\"next_boot_id\"",
	};
	struct ctx *c = *state;
	struct bg_state *full = full_state();
	struct file f = edited(&same, full);
	struct bulkhead_msg msg = { "" };

	put_in(c->dir, "state", f.data, f.len);
	assert_loads(c->dir, full, BG_LOADED_CURRENT, &msg);
}

/*
 * The loader's report, as the state keeps it: only this boot's counts, and
 * of its results "disabled" and "safe-mode" are decisions, not failures.
 */
static void load_result_says_ran_or_not_started_for_this_boot_only(void **state)
{
	static const struct {
		const char *result;
		uint64_t boot;
		bool ran, not_started;
	} rows[] = {
		{ "loaded", 7, true, false },
		{ "disabled", 7, false, false },
		{ "safe-mode", 7, false, false },
		{ "missing", 7, false, true },
		{ "content-refused", 7, false, true },
		{ "insert-failed", 7, false, true },
		{ "", 7, false, false },
		{ "missing", 6, false, false },	/* an earlier boot's report */
		{ "loaded", 6, false, false },
		{ "missing", 0, false, false },	/* no report yet */
	};
	struct bg_ext e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&e, 0, sizeof(e));
		e.load_boot = rows[i].boot;
		snprintf(e.load_result, sizeof(e.load_result), "%s", rows[i].result);
		if (bg_ext_ran(&e, 7) != rows[i].ran || bg_ext_not_started(&e, 7) != rows[i].not_started)
			fail_msg("result '%s' of boot %llu, asked for boot 7: ran %d, not started %d",
				 rows[i].result, (unsigned long long)rows[i].boot,
				 bg_ext_ran(&e, 7), bg_ext_not_started(&e, 7));
	}
	memset(&e, 0, sizeof(e));
	e.load_boot = 7;
	strcpy(e.load_result, "missing");
	assert_false(bg_ext_not_started(&e, 0));	/* the guard started no boot */
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	static const struct CMUnitTest plain[] = {
		T(round_trip_keeps_every_field),
		T(round_trip_of_a_zeroed_state),
		T(state_from_before_the_uptime_fields_loads),
		T(state_from_before_the_decision_counts_counts_its_log),
		T(state_from_before_floors_takes_the_last_known_good),
		T(decision_counts_of_an_unknown_action_are_ignored),
		T(header_line_names_format_digest_and_length),
		T(decode_refuses_without_touching_result),
		T(fresh_dir_loads_as_new_machine),
		T(save_then_load_gives_current),
		T(second_save_keeps_first_as_previous_copy),
		T(state_missing_but_previous_present_loads_previous),
		T(save_into_missing_directory_fails_with_reason),
		T(state_that_is_a_directory_falls_back_to_previous),
		T(oversized_state_falls_back_to_previous),
		T(save_survives_short_and_interrupted_writes),
		T(crash_at_every_syscall_of_a_save_keeps_old_or_new),
		T(crash_at_every_syscall_of_the_first_save_keeps_nothing_or_new),
		T(crash_at_every_syscall_after_a_save_cut_short_keeps_old_or_new),
		T(crash_at_every_syscall_with_a_damaged_current_copy_keeps_old_or_new),
		T(save_over_a_damaged_current_copy_keeps_a_good_previous),
		T(failing_syscall_at_every_step_is_reported_and_keeps_old_or_new),
		T(truncated_at_every_length_falls_back_to_previous),
		T(full_state_truncated_at_sampled_lengths_falls_back_to_previous),
		T(unedited_json_with_fresh_header_loads),
		T(load_result_says_ran_or_not_started_for_this_boot_only),
	};
#undef T
	/* one cmocka test per row, named after the row */
	struct CMUnitTest tests[ARRAY_SIZE(plain) + ARRAY_SIZE(damage_rows) + ARRAY_SIZE(json_rows)];
	size_t n = 0, i;

	for (i = 0; i < ARRAY_SIZE(plain); i++)
		tests[n++] = plain[i];
	for (i = 0; i < ARRAY_SIZE(damage_rows); i++)
		tests[n++] = (struct CMUnitTest){ damage_rows[i].name, run_damage_row, setup,
						  teardown, (void *)&damage_rows[i] };
	for (i = 0; i < ARRAY_SIZE(json_rows); i++)
		tests[n++] = (struct CMUnitTest){ json_rows[i].name, run_json_row, setup,
						  teardown, (void *)&json_rows[i] };
	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
