// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * state.c - the boot guard's state store.
 *
 * One directory holds "state" and "state.prev".  A file is a header line
 * and a JSON body:
 *
 *	bulkhead-state FORMAT SHA256-OF-BODY BODY-LENGTH\n
 *	{ ...json... }
 *
 * An update writes "state.tmp" and fsyncs it, renames "state" to
 * "state.prev", renames "state.tmp" to "state" and fsyncs the directory.
 * A crash at any point leaves "state" old or new, or missing with
 * "state.prev" old; a reader that finds "state" missing or failing its
 * checks uses "state.prev".  Either way it never sees a torn state or
 * loses a failure count that was saved before.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json.h>

#include "content_json.h"
#include "fileio.h"
#include "state.h"

#define STATE_MAGIC	"bulkhead-state"
#define STATE_MAX	(16u << 20)

static int real_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

const struct bg_fsops bg_real_fsops = {
	.open = real_open,
	.write = write,
	.fsync = fsync,
	.close = close,
	.rename = rename,
	.unlink = unlink,
};

static const char *const action_names[BG_ACT__COUNT] = {
	[BG_ACT_NONE] = "none",
	[BG_ACT_COUNT] = "count",
	[BG_ACT_ROLLBACK] = "rollback",
	[BG_ACT_DISABLE] = "disable",
	[BG_ACT_SAFE_MODE] = "safe-mode",
	[BG_ACT_ENABLE] = "enable",
	[BG_ACT_PIN] = "pin",
	[BG_ACT_RESET] = "reset",
	[BG_ACT_PROMOTE] = "promote",
	[BG_ACT_STAGE] = "stage",
};

static const char *const end_names[] = {
	[BG_END_RUNNING] = "running",
	[BG_END_CLEAN] = "clean-shutdown",
	[BG_END_GOOD] = "good",
	[BG_END_CRASH_AFTER_GOOD] = "crashed-after-good",
	[BG_END_FAILED] = "failed",
};

const char *bg_action_name(enum bg_action a)
{
	return (unsigned int)a < BG_ACT__COUNT ? action_names[a] : "unknown";
}

const char *bg_boot_end_name(enum bg_boot_end e)
{
	return (unsigned int)e <= BG_END_FAILED ? end_names[e] : "unknown";
}

/* ---- lookups and the decision log ------------------------------------ */

/**
 * bg_state_ext() - the extension called @name
 * @st: state
 * @name: extension name
 * @create: add it (enabled, no content) if it is not there
 *
 * Return: the extension, or NULL (not there, or no room).
 */
struct bg_ext *bg_state_ext(struct bg_state *st, const char *name, bool create)
{
	struct bg_ext *e;
	uint32_t i;

	for (i = 0; i < st->nr_ext; i++)
		if (!strcmp(st->ext[i].name, name))
			return &st->ext[i];
	if (!create || st->nr_ext == BG_MAX_EXT || !bh_name_valid(name))
		return NULL;
	e = &st->ext[st->nr_ext++];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	return e;
}

struct bg_boot *bg_state_boot(struct bg_state *st, uint64_t id)
{
	uint32_t i;

	for (i = 0; i < st->nr_boots; i++)
		if (st->boots[i].id == id)
			return &st->boots[i];
	return NULL;
}

/*
 * Append to the decision log, dropping the oldest entry when full, and
 * count it by its action (the counts are never trimmed).
 */
void bg_state_decide(struct bg_state *st, uint64_t boot_id, int64_t now,
		     enum bg_action action, const char *ext, uint64_t from,
		     uint64_t to, const char *reason)
{
	struct bg_decision *d;

	if (st->nr_decisions == BG_MAX_DECISIONS) {
		memmove(&st->decisions[0], &st->decisions[1],
			sizeof(st->decisions[0]) * (BG_MAX_DECISIONS - 1));
		st->nr_decisions--;
	}
	if ((unsigned int)action < BG_ACT__COUNT)
		st->decision_counts[action]++;
	d = &st->decisions[st->nr_decisions++];
	memset(d, 0, sizeof(*d));
	d->boot_id = boot_id;
	d->at = now;
	d->action = action;
	snprintf(d->extension, sizeof(d->extension), "%s", ext ? ext : "");
	d->from_version = from;
	d->to_version = to;
	snprintf(d->reason, sizeof(d->reason), "%s", reason);
}

/* ---- JSON ---------------------------------------------------------------- */

static bool add(struct json_object *o, const char *k, struct json_object *v)
{
	return v && !json_object_object_add(o, k, v);
}

static struct json_object *evidence_json(const struct bg_evidence *ev)
{
	struct json_object *o = json_object_new_object();

	if (!o || !add(o, "kind", json_object_new_string(bg_evidence_kind_name(ev->kind))) ||
	    !add(o, "extension", json_object_new_string(ev->extension)) ||
	    !add(o, "op", json_object_new_string(ev->op)) ||
	    !add(o, "content_version", json_object_new_uint64(ev->content_version)) ||
	    !add(o, "panic", json_object_new_boolean(ev->panic)) ||
	    !add(o, "oops", json_object_new_boolean(ev->oops)) ||
	    !add(o, "watchdog_reset", json_object_new_boolean(ev->watchdog_reset)) ||
	    !add(o, "detail", json_object_new_string(ev->detail)) ||
	    !add(o, "warning", json_object_new_string(ev->warning)) ||
	    !add(o, "uptime", json_object_new_int64(ev->uptime))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *boot_json(const struct bg_boot *b)
{
	struct json_object *o = json_object_new_object();

	if (!o || !add(o, "id", json_object_new_uint64(b->id)) ||
	    !add(o, "started", json_object_new_int64(b->started)) ||
	    !add(o, "good_at", json_object_new_int64(b->good_at)) ||
	    !add(o, "shutdown_at", json_object_new_int64(b->shutdown_at)) ||
	    !add(o, "uptime", json_object_new_int64(b->uptime)) ||
	    !add(o, "kernel_id", json_object_new_string(b->kernel_id)) ||
	    !add(o, "end", json_object_new_string(bg_boot_end_name(b->end))) ||
	    !add(o, "evidence", evidence_json(&b->evidence))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *load_json(const struct bg_ext *e)
{
	struct json_object *o = json_object_new_object();

	if (!o || !add(o, "boot", json_object_new_uint64(e->load_boot)) ||
	    !add(o, "version", json_object_new_uint64(e->load_version)) ||
	    !add(o, "uptime", json_object_new_int64(e->load_uptime)) ||
	    !add(o, "result", json_object_new_string(e->load_result)) ||
	    !add(o, "error", json_object_new_string(e->load_error))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* the crash window: each crash's boot and the machine's running time then */
static struct json_object *recent_crashes_json(const struct bg_ext *e)
{
	struct json_object *a = json_object_new_array();
	uint32_t i;

	for (i = 0; a && i < e->nr_crashes; i++) {
		const struct bg_crash *c = &e->crashes[i];
		struct json_object *o = json_object_new_object();

		if (!o || !add(o, "boot", json_object_new_uint64(c->boot)) ||
		    !add(o, "run_time", json_object_new_int64(c->run_time)) ||
		    !add(o, "at", json_object_new_int64(c->at)) ||
		    json_object_array_add(a, o)) {
			json_object_put(o);
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

static struct json_object *ext_json(const struct bg_ext *e)
{
	struct json_object *o = json_object_new_object();
	struct json_object *crashes = json_object_new_array();
	struct json_object *crashed = json_object_new_array();
	uint32_t i;

	if (!o || !crashes || !crashed)
		goto err;
	for (i = 0; i < e->nr_crashes; i++)
		if (json_object_array_add(crashes, json_object_new_int64(e->crashes[i].at)))
			goto err;
	for (i = 0; i < e->nr_crashed; i++)
		if (json_object_array_add(crashed, json_object_new_uint64(e->crashed[i])))
			goto err;
	if (!add(o, "name", json_object_new_string(e->name)) ||
	    !add(o, "module", json_object_new_string(e->module)) ||
	    !add(o, "status", json_object_new_string(e->status == BG_EXT_ENABLED ?
						     "enabled" : "disabled")) ||
	    !add(o, "reason", json_object_new_string(e->reason)) ||
	    !add(o, "disabled_at", json_object_new_int64(e->disabled_at)) ||
	    !add(o, "disabled_good_boots", json_object_new_int64(e->disabled_good_boots)) ||
	    !add(o, "disabled_by_guard", json_object_new_boolean(e->disabled_by_guard)) ||
	    !add(o, "pinned", json_object_new_uint64(e->pinned)) ||
	    !add(o, "active", json_object_new_uint64(e->active)) ||
	    !add(o, "active_since", json_object_new_int64(e->active_since)) ||
	    !add(o, "pending", json_object_new_uint64(e->pending)) ||
	    !add(o, "lkg", json_object_new_uint64(e->lkg)) ||
	    !add(o, "lkg_since", json_object_new_int64(e->lkg_since)) ||
	    !add(o, "floor", json_object_new_uint64(e->floor)) ||
	    !add(o, "chosen", json_object_new_uint64(e->chosen)) ||
	    !add(o, "changed_at", json_object_new_int64(e->changed_at)) ||
	    !add(o, "failures", json_object_new_int64(e->failures)) ||
	    !add(o, "strikes", json_object_new_int64(e->strikes)) ||
	    !add(o, "clean_boots", json_object_new_int64(e->clean_boots)) ||
	    !add(o, "disabled_guess", json_object_new_boolean(e->disabled_guess))) {
		json_object_put(crashes);
		json_object_put(crashed);
		crashes = crashed = NULL;
		goto err;
	}
	if (!add(o, "crashes", crashes)) {
		json_object_put(crashed);
		crashes = crashed = NULL;
		goto err;
	}
	if (!add(o, "crashed_versions", crashed)) {
		crashes = crashed = NULL;
		goto err;
	}
	crashes = crashed = NULL;	/* @o holds them now */
	if (!add(o, "recent_crashes", recent_crashes_json(e)) || !add(o, "load", load_json(e)))
		goto err;
	return o;
err:
	json_object_put(crashes);
	json_object_put(crashed);
	json_object_put(o);
	return NULL;
}

static struct json_object *decision_json(const struct bg_decision *d)
{
	struct json_object *o = json_object_new_object();

	if (!o || !add(o, "boot_id", json_object_new_uint64(d->boot_id)) ||
	    !add(o, "at", json_object_new_int64(d->at)) ||
	    !add(o, "action", json_object_new_string(bg_action_name(d->action))) ||
	    !add(o, "extension", json_object_new_string(d->extension)) ||
	    !add(o, "from_version", json_object_new_uint64(d->from_version)) ||
	    !add(o, "to_version", json_object_new_uint64(d->to_version)) ||
	    !add(o, "reason", json_object_new_string(d->reason))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* per action (all but "none"), the decisions ever taken */
static struct json_object *decision_counts_json(const struct bg_state *st)
{
	struct json_object *o = json_object_new_object();
	int a;

	for (a = BG_ACT_NONE + 1; o && a < BG_ACT__COUNT; a++) {
		if (!add(o, bg_action_name(a), json_object_new_uint64(st->decision_counts[a]))) {
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

/**
 * bg_state_json() - the state as a JSON object (also `status --json`)
 * @st: state
 *
 * Return: a new object, or NULL without memory.
 */
struct json_object *bg_state_json(const struct bg_state *st)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	struct json_object *boots = json_object_new_array();
	struct json_object *exts = json_object_new_array();
	struct json_object *decs = json_object_new_array();
	uint32_t i;
	bool ok;

	ok = o && boots && exts && decs;
	for (i = 0; ok && i < st->nr_boots; i++)
		ok = !json_object_array_add(boots, boot_json(&st->boots[i]));
	for (i = 0; ok && i < st->nr_ext; i++)
		ok = !json_object_array_add(exts, ext_json(&st->ext[i]));
	for (i = 0; ok && i < st->nr_decisions; i++)
		ok = !json_object_array_add(decs, decision_json(&st->decisions[i]));
	if (!ok || !add(o, "next_boot_id", json_object_new_uint64(st->next_boot_id)) ||
	    !add(o, "current_boot", json_object_new_uint64(st->current_boot)) ||
	    !add(o, "consecutive_failures", json_object_new_int64(st->consecutive_failures)) ||
	    !add(o, "unexplained_failures", json_object_new_int64(st->unexplained_failures)) ||
	    !add(o, "hang_failures", json_object_new_int64(st->hang_failures)) ||
	    !add(o, "run_time", json_object_new_int64(st->run_time)) ||
	    !add(o, "safe_mode", json_object_new_boolean(st->safe_mode)) ||
	    !add(o, "safe_mode_guess", json_object_new_boolean(st->safe_mode_guess)) ||
	    !add(o, "safe_mode_good_boots", json_object_new_int64(st->safe_mode_good_boots)) ||
	    !add(o, "no_shim", json_object_new_boolean(st->no_shim)) ||
	    !add(o, "safe_mode_reason", json_object_new_string(st->safe_mode_reason)) ||
	    !add(o, "decision_counts", decision_counts_json(st))) {
		json_object_put(boots);
		json_object_put(exts);
		json_object_put(decs);
		return NULL;
	}
	if (!add(o, "boots", boots)) {
		json_object_put(exts);
		json_object_put(decs);
		return NULL;
	}
	if (!add(o, "extensions", exts)) {
		json_object_put(decs);
		return NULL;
	}
	if (!add(o, "decisions", decs))
		return NULL;
	return TAKE_PTR(o);
}

/* ---- decoding ------------------------------------------------------------ */

struct dec {
	struct bulkhead_msg *msg;
	const char *where;
	bool bad;
};

static struct json_object *field(struct dec *d, struct json_object *o, const char *k,
				 enum json_type t)
{
	struct json_object *v;

	if (d->bad)
		return NULL;
	if (!json_object_object_get_ex(o, k, &v) || json_object_get_type(v) != t) {
		bulkhead_msg_set(d->msg, "%s: '%s' missing or not a %s", d->where, k,
				 json_type_to_name(t));
		d->bad = true;
		return NULL;
	}
	return v;
}

static uint64_t get_u64(struct dec *d, struct json_object *o, const char *k)
{
	struct json_object *v = field(d, o, k, json_type_int);

	if (!v)
		return 0;
	if (json_object_get_int64(v) < 0) {
		bulkhead_msg_set(d->msg, "%s: '%s' is negative", d->where, k);
		d->bad = true;
		return 0;
	}
	return json_object_get_uint64(v);
}

static int64_t get_i64(struct dec *d, struct json_object *o, const char *k)
{
	struct json_object *v = field(d, o, k, json_type_int);

	return v ? json_object_get_int64(v) : 0;
}

static uint32_t get_u32(struct dec *d, struct json_object *o, const char *k)
{
	uint64_t v = get_u64(d, o, k);

	if (v > UINT32_MAX && !d->bad) {
		bulkhead_msg_set(d->msg, "%s: '%s' out of range", d->where, k);
		d->bad = true;
	}
	return (uint32_t)v;
}

static bool get_bool(struct dec *d, struct json_object *o, const char *k)
{
	struct json_object *v = field(d, o, k, json_type_boolean);

	return v ? json_object_get_boolean(v) : false;
}

static void get_str(struct dec *d, struct json_object *o, const char *k,
		    char *buf, size_t size)
{
	struct json_object *v = field(d, o, k, json_type_string);

	if (!v)
		return;
	if ((size_t)json_object_get_string_len(v) >= size) {
		bulkhead_msg_set(d->msg, "%s: '%s' longer than %zu", d->where, k, size - 1);
		d->bad = true;
		return;
	}
	snprintf(buf, size, "%s", json_object_get_string(v));
}

/* fields added after format 1 was first written: absent means 0 */
static bool has(struct dec *d, struct json_object *o, const char *k)
{
	return !d->bad && json_object_object_get_ex(o, k, NULL);
}

static int get_enum(struct dec *d, struct json_object *o, const char *k,
		    const char *(*name)(int), int n)
{
	char s[32] = "";
	int i;

	get_str(d, o, k, s, sizeof(s));
	if (d->bad)
		return 0;
	for (i = 0; i < n; i++)
		if (!strcmp(name(i), s))
			return i;
	bulkhead_msg_set(d->msg, "%s: '%s' has unknown value '%s'", d->where, k, s);
	d->bad = true;
	return 0;
}

static const char *kind_name_i(int i) { return bg_evidence_kind_name(i); }
static const char *end_name_i(int i) { return bg_boot_end_name(i); }
static const char *action_name_i(int i) { return bg_action_name(i); }
static const char *status_name_i(int i) { return i == BG_EXT_ENABLED ? "enabled" : "disabled"; }

static struct json_object *array(struct dec *d, struct json_object *o, const char *k,
				 size_t max, size_t *ret_n)
{
	struct json_object *a = field(d, o, k, json_type_array);

	if (!a)
		return NULL;
	*ret_n = json_object_array_length(a);
	if (*ret_n > max) {
		bulkhead_msg_set(d->msg, "%s: '%s' has %zu entries, at most %zu",
				 d->where, k, *ret_n, max);
		d->bad = true;
		return NULL;
	}
	return a;
}

static void decode_evidence(struct dec *d, struct json_object *o, struct bg_evidence *ev)
{
	ev->kind = get_enum(d, o, "kind", kind_name_i, BG_EV_SHIM_FAULT + 1);
	get_str(d, o, "extension", ev->extension, sizeof(ev->extension));
	get_str(d, o, "op", ev->op, sizeof(ev->op));
	ev->content_version = get_u64(d, o, "content_version");
	ev->panic = get_bool(d, o, "panic");
	ev->oops = get_bool(d, o, "oops");
	ev->watchdog_reset = get_bool(d, o, "watchdog_reset");
	get_str(d, o, "detail", ev->detail, sizeof(ev->detail));
	if (has(d, o, "warning"))
		get_str(d, o, "warning", ev->warning, sizeof(ev->warning));
	if (has(d, o, "uptime"))
		ev->uptime = get_i64(d, o, "uptime");
}

/*
 * The counts came later than format 1.  A state written before has only
 * its log: the counts start from the decisions it still holds, a lower
 * bound that only grows from there.  An action this guard does not know
 * (a newer one wrote the state) is left out, not refused.
 */
static void decode_decision_counts(struct dec *d, struct json_object *root,
				   struct bg_state *st)
{
	struct json_object *o;
	uint32_t i;
	int a;

	if (d->bad)
		return;
	if (!has(d, root, "decision_counts")) {
		for (i = 0; i < st->nr_decisions; i++)
			st->decision_counts[st->decisions[i].action]++;
		return;
	}
	o = field(d, root, "decision_counts", json_type_object);
	d->where = "state decision_counts";
	for (a = BG_ACT_NONE + 1; o && !d->bad && a < BG_ACT__COUNT; a++)
		if (has(d, o, bg_action_name(a)))
			st->decision_counts[a] = get_u64(d, o, bg_action_name(a));
	d->where = "state";
}

/**
 * bg_state_decode() - a state from its JSON body
 * @text: JSON text
 * @len: its length
 * @ret: the state, written on success only
 * @msg: the reason on failure
 *
 * Return: 0 or -EBADMSG.
 */
int bg_state_decode(const char *text, size_t len, struct bg_state *ret,
		    struct bulkhead_msg *msg)
{
	_cleanup_json_ struct json_object *root = NULL;
	_cleanup_free_ struct bg_state *st = calloc(1, sizeof(*st));
	struct dec d = { .msg = msg, .where = "state" };
	struct json_object *a, *o, *c;
	size_t n, i, j, nc;

	if (!st)
		return -ENOMEM;
	if (bulkhead_json_parse(text, len, "state", &root, msg))
		return -EBADMSG;
	st->next_boot_id = get_u64(&d, root, "next_boot_id");
	st->current_boot = get_u64(&d, root, "current_boot");
	st->consecutive_failures = get_u32(&d, root, "consecutive_failures");
	st->unexplained_failures = get_u32(&d, root, "unexplained_failures");
	st->safe_mode = get_bool(&d, root, "safe_mode");
	if (has(&d, root, "hang_failures"))
		st->hang_failures = get_u32(&d, root, "hang_failures");
	if (has(&d, root, "run_time"))
		st->run_time = get_i64(&d, root, "run_time");
	if (has(&d, root, "safe_mode_guess"))
		st->safe_mode_guess = get_bool(&d, root, "safe_mode_guess");
	if (has(&d, root, "safe_mode_good_boots"))
		st->safe_mode_good_boots = get_u32(&d, root, "safe_mode_good_boots");
	if (has(&d, root, "no_shim"))
		st->no_shim = get_bool(&d, root, "no_shim");
	get_str(&d, root, "safe_mode_reason", st->safe_mode_reason, sizeof(st->safe_mode_reason));

	a = array(&d, root, "boots", BG_MAX_BOOTS, &n);
	for (i = 0; a && !d.bad && i < n; i++) {
		struct bg_boot *b = &st->boots[i];
		struct json_object *ev;

		o = json_object_array_get_idx(a, i);
		d.where = "state boot";
		b->id = get_u64(&d, o, "id");
		b->started = get_i64(&d, o, "started");
		b->good_at = get_i64(&d, o, "good_at");
		b->shutdown_at = get_i64(&d, o, "shutdown_at");
		if (has(&d, o, "uptime"))
			b->uptime = get_i64(&d, o, "uptime");
		if (has(&d, o, "kernel_id"))
			get_str(&d, o, "kernel_id", b->kernel_id, sizeof(b->kernel_id));
		b->end = get_enum(&d, o, "end", end_name_i, BG_END_FAILED + 1);
		ev = field(&d, o, "evidence", json_type_object);
		if (ev)
			decode_evidence(&d, ev, &b->evidence);
		st->nr_boots++;
	}
	d.where = "state";
	a = array(&d, root, "extensions", BG_MAX_EXT, &n);
	for (i = 0; a && !d.bad && i < n; i++) {
		struct bg_ext *e = &st->ext[i];

		o = json_object_array_get_idx(a, i);
		d.where = "state extension";
		get_str(&d, o, "name", e->name, sizeof(e->name));
		if (has(&d, o, "module"))
			get_str(&d, o, "module", e->module, sizeof(e->module));
		e->status = get_enum(&d, o, "status", status_name_i, 2);
		get_str(&d, o, "reason", e->reason, sizeof(e->reason));
		e->disabled_at = get_i64(&d, o, "disabled_at");
		e->disabled_good_boots = get_u32(&d, o, "disabled_good_boots");
		e->disabled_by_guard = get_bool(&d, o, "disabled_by_guard");
		e->pinned = get_u64(&d, o, "pinned");
		e->active = get_u64(&d, o, "active");
		e->active_since = get_i64(&d, o, "active_since");
		e->pending = get_u64(&d, o, "pending");
		e->lkg = get_u64(&d, o, "lkg");
		e->lkg_since = get_i64(&d, o, "lkg_since");
		/* a state from before floors: the last-known-good is one */
		e->floor = has(&d, o, "floor") ? get_u64(&d, o, "floor") : e->lkg;
		e->chosen = get_u64(&d, o, "chosen");
		e->changed_at = get_i64(&d, o, "changed_at");
		e->failures = get_u32(&d, o, "failures");
		if (has(&d, o, "strikes"))
			e->strikes = get_u32(&d, o, "strikes");
		if (has(&d, o, "clean_boots"))
			e->clean_boots = get_u32(&d, o, "clean_boots");
		if (has(&d, o, "disabled_guess"))
			e->disabled_guess = get_bool(&d, o, "disabled_guess");
		c = has(&d, o, "crashed_versions") ?
		    array(&d, o, "crashed_versions", BG_MAX_CRASHED, &nc) : NULL;
		for (j = 0; c && !d.bad && j < nc; j++) {
			struct json_object *t = json_object_array_get_idx(c, j);

			if (json_object_get_type(t) != json_type_int ||
			    json_object_get_int64(t) <= 0) {
				bulkhead_msg_set(msg, "state extension: 'crashed_versions' holds %s, not a content version",
						 json_object_to_json_string(t));
				d.bad = true;
				break;
			}
			e->crashed[e->nr_crashed++] = json_object_get_uint64(t);
		}
		c = array(&d, o, "crashes", BG_MAX_CRASHES, &nc);
		for (j = 0; c && !d.bad && j < nc; j++) {
			struct json_object *t = json_object_array_get_idx(c, j);

			if (json_object_get_type(t) != json_type_int) {
				bulkhead_msg_set(msg, "state extension: 'crashes' holds a %s, not a time",
						 json_type_to_name(json_object_get_type(t)));
				d.bad = true;
				break;
			}
		}
		/*
		 * The window itself is 'recent_crashes'; 'crashes' (their
		 * wall-clock times) is for people.  A state written before
		 * has only times no RTC can be trusted with: those crashes
		 * are forgotten.
		 */
		c = has(&d, o, "recent_crashes") ?
		    array(&d, o, "recent_crashes", BG_MAX_CRASHES, &nc) : NULL;
		for (j = 0; c && !d.bad && j < nc; j++) {
			struct json_object *t = json_object_array_get_idx(c, j);
			struct bg_crash *cr = &e->crashes[e->nr_crashes];

			if (json_object_get_type(t) != json_type_object) {
				bulkhead_msg_set(msg, "state extension %s: 'recent_crashes' holds %s, not a crash",
						 e->name, json_object_to_json_string(t));
				d.bad = true;
				break;
			}
			d.where = "state extension recent crash";
			cr->boot = get_u64(&d, t, "boot");
			cr->run_time = get_i64(&d, t, "run_time");
			cr->at = get_i64(&d, t, "at");
			d.where = "state extension";
			e->nr_crashes++;
		}
		/* the loader's report came later than format 1: optional */
		if (!d.bad && json_object_object_get_ex(o, "load", &c)) {
			d.where = "state extension load";
			e->load_boot = get_u64(&d, c, "boot");
			if (has(&d, c, "version"))
				e->load_version = get_u64(&d, c, "version");
			if (has(&d, c, "uptime"))
				e->load_uptime = get_i64(&d, c, "uptime");
			get_str(&d, c, "result", e->load_result, sizeof(e->load_result));
			get_str(&d, c, "error", e->load_error, sizeof(e->load_error));
			d.where = "state extension";
		}
		if (!d.bad && !bh_name_valid(e->name)) {
			bulkhead_msg_set(msg, "state extension: invalid name '%s'", e->name);
			d.bad = true;
		}
		if (!d.bad && e->module[0] &&
		    strspn(e->module, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") !=
		    strlen(e->module)) {
			bulkhead_msg_set(msg, "state extension %s: invalid module name '%s'",
					 e->name, e->module);
			d.bad = true;
		}
		st->nr_ext++;
	}
	d.where = "state";
	a = array(&d, root, "decisions", BG_MAX_DECISIONS, &n);
	for (i = 0; a && !d.bad && i < n; i++) {
		struct bg_decision *dc = &st->decisions[i];

		o = json_object_array_get_idx(a, i);
		d.where = "state decision";
		dc->boot_id = get_u64(&d, o, "boot_id");
		dc->at = get_i64(&d, o, "at");
		dc->action = get_enum(&d, o, "action", action_name_i, BG_ACT__COUNT);
		get_str(&d, o, "extension", dc->extension, sizeof(dc->extension));
		dc->from_version = get_u64(&d, o, "from_version");
		dc->to_version = get_u64(&d, o, "to_version");
		get_str(&d, o, "reason", dc->reason, sizeof(dc->reason));
		st->nr_decisions++;
	}
	d.where = "state";
	decode_decision_counts(&d, root, st);
	if (d.bad)
		return -EBADMSG;
	*ret = *st;
	return 0;
}

/* ---- files ---------------------------------------------------------------- */

static void sha256_hex(const void *buf, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t md[32];
	int i;

	bh_sha256(buf, len, md);
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

/**
 * bg_state_encode() - the state file's bytes: header line and JSON body
 * @st: state
 * @ret_text: malloc'd bytes, written on success only
 * @ret_len: their number
 *
 * Return: 0 or -ENOMEM.
 */
int bg_state_encode(const struct bg_state *st, char **ret_text, size_t *ret_len)
{
	_cleanup_json_ struct json_object *o = bg_state_json(st);
	const char *body;
	char digest[65];
	char *text;
	size_t blen;
	int n;

	if (!o)
		return -ENOMEM;
	body = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!body)
		return -ENOMEM;
	blen = strlen(body);
	sha256_hex(body, blen, digest);
	n = asprintf(&text, "%s %d %s %zu\n%s", STATE_MAGIC, BG_STATE_FORMAT,
		     digest, blen, body);
	if (n < 0)
		return -ENOMEM;
	*ret_text = text;
	*ret_len = (size_t)n;
	return 0;
}

/* check one file's header and digest, then decode it */
static int state_read_file(const char *path, struct bg_state *ret,
			   struct bulkhead_msg *msg)
{
	_cleanup_free_ uint8_t *buf = NULL;
	char magic[16], digest[65], want[65];
	size_t len, blen, hlen;
	int format, err, pos = 0;
	const char *nl;

	err = bulkhead_read_file(path, STATE_MAX, &buf, &len, msg);
	if (err)	/* a state file never grows that large: damage */
		return err == -EFBIG ? -EBADMSG : err;
	nl = memchr(buf, '\n', len);
	if (!nl || nl - (char *)buf > 120) {
		bulkhead_msg_set(msg, "%s: no header line (torn, zeroed or not a state file)", path);
		return -EBADMSG;
	}
	hlen = (size_t)(nl - (char *)buf) + 1;
	((char *)buf)[hlen - 1] = '\0';
	if (sscanf((char *)buf, "%15s %d %64s %zu%n", magic, &format, digest, &blen, &pos) != 4 ||
	    (size_t)pos != hlen - 1 || strcmp(magic, STATE_MAGIC)) {
		bulkhead_msg_set(msg, "%s: bad header line", path);
		return -EBADMSG;
	}
	if (format != BG_STATE_FORMAT) {
		bulkhead_msg_set(msg, "%s: state format %d, this guard reads %d", path,
				 format, BG_STATE_FORMAT);
		return -EBADMSG;
	}
	if (blen != len - hlen) {
		bulkhead_msg_set(msg, "%s: body is %zu bytes, header says %zu (truncated or torn)",
				 path, len - hlen, blen);
		return -EBADMSG;
	}
	sha256_hex(buf + hlen, blen, want);
	if (strcmp(want, digest)) {
		bulkhead_msg_set(msg, "%s: checksum mismatch (corrupted)", path);
		return -EBADMSG;
	}
	err = bg_state_decode((char *)buf + hlen, blen, ret, msg);
	if (err && msg) {
		char inner[BULKHEAD_MSG_LEN];

		snprintf(inner, sizeof(inner), "%s", msg->text);
		bulkhead_msg_set(msg, "%s: %s", path, inner);
	}
	return err;
}

/**
 * bg_state_load() - read the state, falling back to the previous copy
 * @dir: the state directory
 * @ret: the state, written on success only (zeroed for a fresh machine)
 * @ret_source: which file it came from
 * @msg: on success with BG_LOADED_PREVIOUS, why the current file was not
 *	used; on failure, why neither could be
 *
 * Return: 0, or -EBADMSG when the copies that exist are both damaged (the
 * caller must not silently start afresh), or another negative errno when
 * one could not be read (-EIO, -ENOMEM, -EACCES: not damage, so never a
 * reason to start afresh).
 */
int bg_state_load(const char *dir, struct bg_state *ret,
		  enum bg_load_source *ret_source, struct bulkhead_msg *msg)
{
	_cleanup_free_ char *cur = NULL, *prev = NULL;
	_cleanup_free_ struct bg_state *st = calloc(1, sizeof(*st));
	struct bulkhead_msg first = { "" }, second = { "" };
	int err, err2;

	if (!st || asprintf(&cur, "%s/state", dir) < 0 || asprintf(&prev, "%s/state.prev", dir) < 0)
		return -ENOMEM;
	err = state_read_file(cur, st, &first);
	if (!err) {
		*ret = *st;
		*ret_source = BG_LOADED_CURRENT;
		return 0;
	}
	err2 = state_read_file(prev, st, &second);
	if (!err2) {
		*ret = *st;
		*ret_source = BG_LOADED_PREVIOUS;
		bulkhead_msg_set(msg, "%s", err == -ENOENT ?
				 "state file missing (an update was cut short); using the previous copy" :
				 first.text);
		return 0;
	}
	if (err == -ENOENT && err2 == -ENOENT) {
		memset(ret, 0, sizeof(*ret));
		ret->next_boot_id = 1;
		*ret_source = BG_LOADED_NEW;
		return 0;
	}
	bulkhead_msg_set(msg, "%s; %s", first.text, second.text);
	/* damage is -EBADMSG; a copy that could not be read is not damaged */
	if (err != -ENOENT && err != -EBADMSG)
		return err;
	if (err2 != -ENOENT && err2 != -EBADMSG)
		return err2;
	return -EBADMSG;
}

/**
 * bg_fsops_write_all() - write all of @buf through @ops
 * @ops: the syscalls
 * @fd: where to
 * @buf: bytes
 * @len: their number
 *
 * Return: 0 or a negative errno.
 */
int bg_fsops_write_all(const struct bg_fsops *ops, int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = ops->write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/**
 * bg_fsops_write_new() - a new file @tmp holding @buf, on disk
 * @ops: the syscalls (tests inject faults)
 * @tmp: the temporary name the caller renames into place afterwards
 * @mode: its permissions, whatever the umask
 * @buf: bytes
 * @len: their number
 * @what: the file's kind, to start @msg ("state", "metrics")
 * @msg: the reason on failure
 *
 * A stale @tmp a crashed writer left is removed first, directly, not
 * through @ops: a crash around it leaves nothing a reader looks at.  The
 * file is created new (BULKHEAD_TMP_OPEN_FLAGS: never through a link
 * planted at the name), written whole and fsync()ed; on failure it is
 * removed again.
 *
 * Return: 0 or a negative errno.
 */
int bg_fsops_write_new(const struct bg_fsops *ops, const char *tmp, mode_t mode,
		       const void *buf, size_t len, const char *what, struct bulkhead_msg *msg)
{
	int fd, err;

	unlink(tmp);
	fd = ops->open(tmp, BULKHEAD_TMP_OPEN_FLAGS, mode);
	if (fd < 0) {
		err = -errno;
		bulkhead_msg_set(msg, "%s %s: cannot create: %s", what, tmp, strerror(-err));
		return err;
	}
	/* not through @ops: it changes nothing a crash could tear */
	err = fchmod(fd, mode) < 0 ? -errno : 0;
	if (!err)
		err = bg_fsops_write_all(ops, fd, buf, len);
	if (!err && ops->fsync(fd) < 0)
		err = -errno;
	if (ops->close(fd) < 0 && !err)
		err = -errno;
	if (err) {
		bulkhead_msg_set(msg, "%s %s: write failed: %s", what, tmp, strerror(-err));
		ops->unlink(tmp);
	}
	return err;
}

/**
 * bg_fsops_fsync_dir() - make a directory's entries durable through @ops
 * @ops: the syscalls
 * @dir: the directory
 *
 * Return: 0 or a negative errno.
 */
int bg_fsops_fsync_dir(const struct bg_fsops *ops, const char *dir)
{
	int fd, err = 0;

	fd = ops->open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ops->fsync(fd) < 0)
		err = -errno;
	ops->close(fd);
	return err;
}

/**
 * bg_state_save() - replace the state, crash-safely
 * @dir: the state directory (must exist)
 * @st: the new state
 * @ops: the syscalls to use (&bg_real_fsops; tests inject faults)
 * @msg: the reason on failure
 *
 * Return: 0 or a negative errno; after a failure the directory holds the
 * old state or the new one, never a mix.
 */
int bg_state_save(const char *dir, const struct bg_state *st,
		  const struct bg_fsops *ops, struct bulkhead_msg *msg)
{
	_cleanup_free_ char *text = NULL, *cur = NULL, *prev = NULL, *tmp = NULL;
	_cleanup_free_ struct bg_state *scratch = malloc(sizeof(*scratch));
	size_t len;
	int err;

	if (!scratch || asprintf(&cur, "%s/state", dir) < 0 ||
	    asprintf(&prev, "%s/state.prev", dir) < 0 ||
	    asprintf(&tmp, "%s/state.tmp", dir) < 0 || bg_state_encode(st, &text, &len)) {
		bulkhead_msg_set(msg, "state %s: out of memory", dir);
		return -ENOMEM;
	}
	err = bg_fsops_write_new(ops, tmp, 0600, text, len, "state", msg);
	if (err)
		return err;
	/*
	 * The old state becomes the previous copy; a crash here leaves it.
	 * A damaged current file must not replace a good previous copy:
	 * then the new file simply replaces the damaged one.
	 */
	if (state_read_file(cur, scratch, NULL) == 0 &&
	    ops->rename(cur, prev) < 0 && errno != ENOENT) {
		err = -errno;
		bulkhead_msg_set(msg, "state %s: cannot keep the previous copy: %s", cur,
				 strerror(-err));
		return err;
	}
	if (ops->rename(tmp, cur) < 0) {
		err = -errno;
		bulkhead_msg_set(msg, "state %s: cannot rename into place: %s", cur,
				 strerror(-err));
		return err;
	}
	err = bg_fsops_fsync_dir(ops, dir);
	if (err)
		bulkhead_msg_set(msg, "state %s: fsync of the directory failed: %s", dir,
				 strerror(-err));
	return err;
}

/**
 * bg_state_lock() - take the state directory's lock: one writer at a time
 * @dir: the state directory (created, mode 0700, if missing)
 * @ret_fd: the lock's descriptor; closing it releases the lock
 * @msg: the reason on failure
 *
 * Every command that updates the state (the guard, the loader, the
 * operator's steering and staging) holds it across load, change, save.
 * A process that dies releases it.
 *
 * Return: 0 or a negative errno.
 */
int bg_state_lock(const char *dir, int *ret_fd, struct bulkhead_msg *msg)
{
	_cleanup_free_ char *path = NULL;
	int fd, err;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err = -errno;
		bulkhead_msg_set(msg, "state %s: cannot create: %s", dir, strerror(-err));
		return err;
	}
	if (asprintf(&path, "%s/lock", dir) < 0) {
		bulkhead_msg_set(msg, "state %s: out of memory", dir);
		return -ENOMEM;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		bulkhead_msg_set(msg, "state %s: cannot lock: %s", path, strerror(-err));
		return err;
	}
	*ret_fd = fd;
	return 0;
}

/* ---- evidence, content versions ----------------------------------------- */

const char *bg_evidence_kind_name(enum bg_evidence_kind kind)
{
	switch (kind) {
	case BG_EV_NONE:
		return "none";
	case BG_EV_WATCHDOG:
		return "watchdog";
	case BG_EV_PANIC:
		return "panic";
	case BG_EV_LOADER:
		return "loader";
	case BG_EV_OOPS_MODULE:
		return "oops-module";
	case BG_EV_SHIM_FAULT:
		return "shim-fault";
	}
	return "invalid";
}

/**
 * bg_evidence_certain() - does @ev name its culprit beyond doubt
 * @ev: gathered evidence
 *
 * The shim's line, an oops in a module and a loader step that never ended
 * each name one extension; a panic or a watchdog reset names none.
 */
bool bg_evidence_certain(const struct bg_evidence *ev)
{
	if (!ev->extension[0])
		return false;
	return ev->kind == BG_EV_SHIM_FAULT || ev->kind == BG_EV_OOPS_MODULE ||
	       ev->kind == BG_EV_LOADER;
}

/**
 * bg_ext_crashed() - a crash named this content version of @e
 * @e: extension
 * @version: content version
 *
 * Return: true when evidence named @version in a crash (staging refuses
 * it without --force).
 */
bool bg_ext_crashed(const struct bg_ext *e, uint64_t version)
{
	uint32_t i;

	for (i = 0; version && i < e->nr_crashed; i++)
		if (e->crashed[i] == version)
			return true;
	return false;
}

/**
 * bg_ext_ran() - the loader reported @e loaded in @boot
 * @e: extension
 * @boot: the guard's boot id
 *
 * Return: true when @e's module ran in @boot (its content, if any, is in
 * @e->load_version).
 */
bool bg_ext_ran(const struct bg_ext *e, uint64_t boot)
{
	return boot && e->load_boot == boot && !strcmp(e->load_result, BG_LOAD_LOADED);
}

/**
 * bg_ext_not_started() - the loader reported, for @boot, that it could not
 * start @e
 * @e: extension
 * @boot: the guard's boot id
 *
 * "disabled" and "safe-mode" are decisions, not failures: the state and the
 * command line say why.
 *
 * Return: true when @e has a report for @boot and it is neither loaded,
 * disabled nor safe mode.
 */
bool bg_ext_not_started(const struct bg_ext *e, uint64_t boot)
{
	return boot && e->load_boot == boot && e->load_result[0] &&
	       strcmp(e->load_result, BG_LOAD_LOADED) &&
	       strcmp(e->load_result, BG_LOAD_DISABLED) &&
	       strcmp(e->load_result, BG_LOAD_SAFE_MODE);
}

/**
 * bg_stage_check() - may @version be staged for @e?
 * @e: the extension's state
 * @version: the new content's version
 * @force: the operator's --force
 * @msg: the reason on refusal (without the file's name)
 *
 * Return: 0, or -ESTALE for a version below the floor (anti-rollback),
 * not above the active one, or one that crashed before (an updater that
 * re-stages it would otherwise restart the loop the guard ended); --force
 * overrides all three.
 */
int bg_stage_check(const struct bg_ext *e, uint64_t version, bool force,
			  struct bulkhead_msg *msg)
{
	if (force)
		return 0;
	if (version < e->floor) {
		bulkhead_msg_set(msg, "version %llu is below the floor %llu (its last-known-good content): a rollback (--force stages it anyway, lowers the floor and counts as degraded)",
				 (unsigned long long)version, (unsigned long long)e->floor);
		return -ESTALE;
	}
	if (version <= e->active) {
		bulkhead_msg_set(msg, "version %llu is not above the active version %llu (--force stages it anyway)",
				 (unsigned long long)version, (unsigned long long)e->active);
		return -ESTALE;
	}
	if (bg_ext_crashed(e, version)) {
		bulkhead_msg_set(msg, "version %llu crashed the machine before (see 'bulkheadctl history'); --force stages it anyway",
				 (unsigned long long)version);
		return -ESTALE;
	}
	return 0;
}
