// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_model.c - a model checker for the guard's ladder (boot-guard/policy.c).
 *
 * The ladder is a set of pure functions; this test drives them with a
 * small model of a machine and explores every sequence of boot outcomes
 * up to a depth (8 boots by default; MODEL_DEPTH=N in the environment
 * goes deeper).  The machine has two extensions: X, which may crash in
 * every way the evidence can tell (module insert, take_content, an event,
 * before or after "good", in the push of newly staged content, loaded
 * around the guard while it is off), and Y,
 * which never crashes.  Around them: power cuts and hangs that leave no
 * culprit, a panic naming nobody, the shim crashing at its own insert,
 * an updater that stages new content of X or re-stages a version that
 * crashed, a power cut between storing staged content and pushing it, a
 * lost save of "good", a command line that holds X back for one boot,
 * and an operator's disable, enable, pin and reset.  The loader is
 * modelled as it behaves: what is enabled runs its chosen content, safe
 * mode loads nothing, not even the shim.  Staging is modelled as
 * loader/stage.c does it, through the same bg_stage_check(), with
 * a store that prunes what is not kept.  Time comes on two clocks, as in
 * the guard: the wall clock, which only stamps records, and each boot's
 * uptime, from which probation and the crash window are measured.  It
 * runs for the defaults, for the defaults with a crash window of 2 boots
 * (two boots less deep), and for an operator's guard.conf.
 *
 * After every step these must hold (docs/guard.md, "What the ladder
 * guarantees"):
 *
 *  G1 X is out of the loop (not running) once it caused
 *     rollback_after + disable_after + 1 attributed failures, whatever is
 *     re-staged (crash_window_count crashes after "good" within
 *     crash_window_boots boots count as one);
 *     only an operator's enable or reset, or forget_after boots that ended
 *     well with X running, start the count again.  Staging refuses a
 *     version that crashed.  X named while it is off (its module loaded
 *     around the guard) means safe mode at the next boot.
 *  G2 Y is never disabled on attribution, and nothing is disabled (and no
 *     safe mode is entered) on failures nobody is named for unless the
 *     failed boots since the last good one reach `threshold` with at least
 *     one crash or hang among them, or `power_cut_threshold` in all;
 *     such a disable and such safe mode end after expiry_unattributed
 *     good boots.
 *  G3 Nothing becomes last-known-good that did not run in this boot, and
 *     the store always holds the LKG, active, chosen, pending and pinned
 *     versions.
 *  G4 The machine is reported degraded while a failed boot has not yet
 *     been followed by a good one.
 *  G5 Once the shim crashed, it is not loaded again until an operator
 *     acts.
 *
 * Abstract states (everything the ladder and the model's counters read,
 * not clock values or the decision log: a crash's age in boots, not its
 * time) are remembered per remaining depth, so a state reached twice is
 * explored once; the number of distinct outcome sequences covered is
 * still counted exactly.  The test
 * prints one line: `model: depth D, S states, P paths, V violations`.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "policy.h"

#define X		"bh_culprit"
#define Y		"bh_healthy"
/*
 * Two clocks: the wall clock moves STEP from one boot to the next, and
 * each boot's CLOCK_BOOTTIME starts at 0; every AT_ is an uptime (the
 * wall clock then reads start + AT_).  Probation and the crash window
 * read only the uptime.
 */
#define STEP		400	/* seconds from one boot to the next */
#define AT_BOOT		4	/* the guard's boot */
#define AT_LOAD		5	/* the loader pushes the chosen content */
#define AT_GOOD		310	/* "good" runs this long after the boot */
#define AT_ACT		330	/* staging and operators act after good */
#define AT_CRASH	350	/* the crash after good (the dump's time stamp) */
#define AT_STOP		390
#define MAX_STORE	16
#define DEFAULT_DEPTH	8
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum outcome {
	O_CLEAN,		/* good, then a clean shutdown */
	O_GOOD_CUT,		/* good, then the power is cut */
	O_GOOD_LOST,		/* good's save is lost; then a clean shutdown */
	O_X_INSERT,		/* X's module crashes at insert */
	O_X_TAKE,		/* X crashes taking its content at boot */
	O_X_EVENT,		/* X crashes in an event before good */
	O_X_AFTER_GOOD,		/* good, then X crashes in an event */
	O_X_AROUND,		/* X is off, but its module loads around the guard and crashes */
	O_POWER_CUT,		/* power cut before good: no evidence at all */
	O_HANG,			/* a hang before good: the watchdog resets */
	O_PANIC,		/* a panic naming no extension */
	O_SHIM_INSERT,		/* the shim crashes at its insert */
	O_STAGE_NEW,		/* good; new content of X staged; it runs; clean */
	O_STAGE_NEW_CRASH,	/* good; new content of X crashes in its push */
	O_RESTAGE_CRASHED,	/* good; the newest crashed version re-staged */
	O_STAGE_CUT,		/* good; new content stored, power cut before the push */
	O_CMDLINE_DISABLE,	/* bulkhead.disable=X for this boot; good; clean */
	O_OP_DISABLE,		/* good; operator disables X; clean */
	O_OP_ENABLE,		/* good; operator enables X; clean */
	O_OP_PIN_LKG,		/* good; operator pins X to its LKG; clean */
	O_OP_RESET,		/* good; operator resets; clean */
	O__COUNT
};

static const char *const outcome_name[O__COUNT] = {
	"clean", "good-then-cut", "good-lost", "X-insert", "X-take", "X-event",
	"X-after-good", "X-around", "power-cut", "hang", "panic", "shim-insert", "stage-new",
	"stage-new-crash", "restage-crashed", "stage-cut", "cmdline-disable",
	"op-disable", "op-enable", "op-pin-lkg", "op-reset",
};

/* the machine between two steps: a boot in progress, the loader done */
struct node {
	struct bg_state *st;		/* updated in place by the policy */
	int64_t start;			/* when this boot started */
	uint64_t ran_x;			/* X's content running now; 0: X not running */
	bool shim_loaded;
	/* the model's own counts, independent of the state's */
	uint32_t x_attr;		/* G1: X's attributed failures */
	/*
	 * Crashes after good not yet a failure: the boots they happened in.
	 * A crash crash_window_boots (at least crash_window_count) boots
	 * back is out of the window; the running-time window is never
	 * reached (its boots run 390 s, the runs' window is a day).
	 */
	uint32_t nr_x_after_good;
	uint64_t x_after_good[BG_MAX_CRASHES];
	uint32_t x_clean;		/* boots that ended well with X running */
	uint32_t streak_hang, streak_cut;	/* G2: since the last good boot */
	uint32_t guess_goods[2];	/* G2: good boots with X, Y guess-disabled */
	uint32_t safe_goods;		/* G2: good boots in guessed safe mode */
	uint32_t shim_crashes;		/* G5 */
	bool x_around;			/* G1: X crashed while off */
	uint64_t next_version;
	uint32_t nr_store;
	uint64_t store[MAX_STORE];	/* X's content store */
};

struct run {
	const struct bg_config *cfg;
	const char *cfg_name;
	uint32_t depth;
	/* memo: abstract state and remaining depth -> sequences covered */
	struct memo { uint64_t key; uint32_t remaining; uint64_t paths; } *memo;
	size_t memo_size, states;
	uint64_t violations;
	enum outcome path[64];
	struct bg_state *bufs[64];	/* one per depth: a child's state */
	char first[2048];		/* the first violation, with its path */
};

/* ---- the abstract state ----------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		h = (h ^ *c++) * 1099511628211ULL;
	return h;
}

#define MIX(v) do { __typeof__(v) _v = (v); h = fnv(h, &_v, sizeof(_v)); } while (0)

/*
 * The ladder compares content versions only with each other (equal,
 * newer), so a state whose versions are renamed in order behaves the
 * same: hash each version as its rank among those the state holds.
 */
static uint64_t rank(const uint64_t *set, uint32_t n, uint64_t v)
{
	uint64_t r = 0;
	uint32_t i;

	if (!v || v == (uint64_t)-1)
		return v;
	for (i = 0; i < n; i++)
		if (set[i] && set[i] < v)
			r++;
	return r + 1;
}

/*
 * A crash's age in boots as far as the next @remaining boots can tell: it
 * leaves the window when its age reaches the bound; until then every age
 * acts alike, so one that cannot reach it in time reads 0 (a real age is
 * at least 1: the crash was in an earlier boot).
 */
static uint64_t crash_age(const struct run *r, uint64_t now, uint64_t boot, uint32_t remaining)
{
	uint32_t bound = r->cfg->crash_window_boots > r->cfg->crash_window_count ?
			 r->cfg->crash_window_boots : r->cfg->crash_window_count;
	uint64_t age = now - boot;

	return age + remaining + 1 >= bound ? age : 0;
}

static uint64_t abstract(const struct run *r, const struct node *n, uint32_t remaining)
{
	const struct bg_state *st = n->st;
	const struct bg_boot *b = bg_state_boot((struct bg_state *)st, st->current_boot);
	const struct bg_ext *x = bg_state_ext((struct bg_state *)st, X, false);
	const struct bg_ext *y = bg_state_ext((struct bg_state *)st, Y, false);
	uint64_t h = 14695981039346656037ULL;
	uint64_t set[MAX_STORE + BG_MAX_CRASHED + 8];
	uint32_t i, j, nset = 0;

	for (i = 0; i < n->nr_store; i++)
		set[nset++] = n->store[i];
	for (i = 0; i < x->nr_crashed; i++)
		set[nset++] = x->crashed[i];
	set[nset++] = x->active;
	set[nset++] = x->pending;
	set[nset++] = x->lkg;
	set[nset++] = x->chosen;
	set[nset++] = x->pinned;
	set[nset++] = x->load_version;
	set[nset++] = n->next_version;
	MIX(st->consecutive_failures);
	MIX(st->unexplained_failures);
	MIX(st->hang_failures);
	MIX(st->safe_mode);
	MIX(st->safe_mode_guess);
	MIX(st->safe_mode_good_boots);
	MIX(st->no_shim);
	MIX(b ? b->good_at != 0 : false);
	MIX(x->changed_at > y->changed_at);
	for (i = 0; i < st->nr_ext; i++) {
		const struct bg_ext *e = &st->ext[i];
		bool is_x = e == x;

#define V(v) (is_x ? rank(set, nset, (v)) : (v))
		h = fnv(h, e->name, strlen(e->name));
		MIX(e->status);
		MIX(e->disabled_by_guard);
		MIX(e->disabled_guess);
		MIX(e->disabled_good_boots);
		MIX(V(e->pinned));
		MIX(V(e->active));
		MIX(V(e->pending));
		MIX(V(e->lkg));
		MIX(V(e->chosen));
		MIX(e->failures);
		MIX(e->strikes);
		MIX(e->clean_boots);
		MIX(e->nr_crashes);
		for (j = 0; j < e->nr_crashes; j++) {
			/* its age in boots decides when it leaves the window */
			MIX(crash_age(r, st->current_boot, e->crashes[j].boot, remaining));
			MIX(st->run_time - e->crashes[j].run_time < (int64_t)r->cfg->crash_window);
		}
		/* probation: uptime since it began to run in this boot */
		MIX(e->load_uptime);
		for (j = 0; j < e->nr_crashed; j++)
			MIX(V(e->crashed[j]));
		MIX(bg_ext_ran(e, st->current_boot));
		MIX(V(e->load_version));
#undef V
	}
	MIX(rank(set, nset, n->ran_x));
	MIX(n->shim_loaded);
	MIX(n->x_attr);
	MIX(n->nr_x_after_good);
	for (i = 0; i < n->nr_x_after_good; i++)
		MIX(crash_age(r, st->current_boot, n->x_after_good[i], remaining));
	MIX(n->x_clean);
	MIX(n->streak_hang);
	MIX(n->streak_cut);
	MIX(n->guess_goods[0]);
	MIX(n->guess_goods[1]);
	MIX(n->safe_goods);
	MIX(n->shim_crashes);
	MIX(n->x_around);
	MIX(rank(set, nset, n->next_version));
	/* the store is a set: its order of insertion does not matter */
	for (i = 0, j = 0; i < n->nr_store; i++)
		j |= 1u << rank(set, nset, n->store[i]);
	MIX(j);
	return h;
}

static struct memo *memo_slot(struct run *r, uint64_t key, uint32_t remaining)
{
	size_t i = (size_t)((key ^ (remaining * 0x9e3779b97f4a7c15ULL)) & (r->memo_size - 1));

	while (r->memo[i].remaining &&
	       (r->memo[i].key != key || r->memo[i].remaining != remaining))
		i = (i + 1) & (r->memo_size - 1);
	return &r->memo[i];
}

/* ---- the machine ------------------------------------------------------- */

/* what the ladder reads of a state: its counts and the parts of its arrays in use */
static void copy_state(struct bg_state *dst, const struct bg_state *src)
{
	memcpy(dst, src, offsetof(struct bg_state, boots));
	memcpy(dst->boots, src->boots, sizeof(src->boots[0]) * src->nr_boots);
	dst->nr_ext = src->nr_ext;
	memcpy(dst->ext, src->ext, sizeof(src->ext[0]) * src->nr_ext);
	dst->nr_decisions = src->nr_decisions;
	memcpy(dst->decisions, src->decisions, sizeof(src->decisions[0]) * src->nr_decisions);
}

static struct bg_ext *ext(struct node *n, const char *name)
{
	return bg_state_ext(n->st, name, false);
}

static bool stored(const struct node *n, uint64_t v)
{
	uint32_t i;

	for (i = 0; i < n->nr_store; i++)
		if (n->store[i] == v)
			return true;
	return false;
}

static void store_add(struct node *n, uint64_t v)
{
	if (!stored(n, v) && n->nr_store < MAX_STORE)
		n->store[n->nr_store++] = v;
}

/* loader/stage.c's prune: keep active, LKG, pending, pinned and chosen */
static void store_prune(struct node *n)
{
	const struct bg_ext *e = ext(n, X);
	uint32_t i, kept = 0;

	for (i = 0; i < n->nr_store; i++) {
		uint64_t v = n->store[i];

		if (v == e->active || v == e->lkg || v == e->pending || v == e->pinned ||
		    v == e->chosen)
			n->store[kept++] = v;
	}
	n->nr_store = kept;
}

/* the loader, as loader/load.c behaves, after the guard's boot */
static void load(struct node *n)
{
	uint32_t i;

	n->shim_loaded = !n->st->no_shim;
	n->ran_x = 0;
	for (i = 0; i < n->st->nr_ext; i++) {
		struct bg_ext *e = &n->st->ext[i];
		bool runs = e->status == BG_EXT_ENABLED && !n->st->safe_mode;

		e->load_boot = n->st->current_boot;
		snprintf(e->load_result, sizeof(e->load_result), "%s",
			 runs ? "loaded" : n->st->safe_mode ? "safe-mode" : "disabled");
		e->load_version = runs ? e->chosen : 0;
		e->load_uptime = runs ? AT_LOAD : 0;
		if (runs && !strcmp(e->name, X))
			n->ran_x = e->chosen ? e->chosen : (uint64_t)-1;
	}
}

enum stage_end { STAGE_REFUSED, STAGE_RUNS, STAGE_HELD, STAGE_CRASHED, STAGE_CUT };

/* loader/stage.c, step by step at uptime @at, with the push crashing or the power cut */
static enum stage_end stage(struct node *n, uint64_t v, bool crash, bool cut, int64_t at)
{
	struct bg_ext *e = ext(n, X);
	int64_t now = n->start + at;
	struct bulkhead_msg msg;

	if (bg_stage_check(e, v, false, &msg))
		return STAGE_REFUSED;
	store_add(n, v);
	e->pending = v;			/* saved before anything is risked */
	if (cut)
		return STAGE_CUT;
	if (e->status == BG_EXT_DISABLED || e->pinned) {
		store_prune(n);
		return STAGE_HELD;
	}
	if (!n->ran_x) {
		/* not registered now: it runs from its next load */
		e->active = v;
		e->active_since = now;
		e->changed_at = now;
		e->pending = 0;
		store_prune(n);
		return STAGE_HELD;
	}
	if (crash)
		return STAGE_CRASHED;
	e->active = v;
	e->active_since = now;
	e->changed_at = now;
	e->chosen = v;
	e->pending = 0;
	e->load_version = v;
	e->load_uptime = at;		/* its probation starts now */
	n->ran_x = v;
	store_prune(n);
	return STAGE_RUNS;
}

static struct bg_evidence evidence(enum bg_evidence_kind kind, const char *name,
				   const char *op, uint64_t version)
{
	struct bg_evidence ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	if (name)
		snprintf(ev.extension, sizeof(ev.extension), "%s", name);
	if (op)
		snprintf(ev.op, sizeof(ev.op), "%s", op);
	ev.content_version = version;
	return ev;
}

/* ---- checking ---------------------------------------------------------- */

static void violation(struct run *r, uint32_t depth, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void violation(struct run *r, uint32_t depth, const char *fmt, ...)
{
	size_t len;
	va_list ap;
	uint32_t i;

	if (r->violations++)
		return;
	len = (size_t)snprintf(r->first, sizeof(r->first), "config %s, after", r->cfg_name);
	for (i = 0; i <= depth && len < sizeof(r->first); i++)
		len += (size_t)snprintf(r->first + len, sizeof(r->first) - len, " %s",
					outcome_name[r->path[i]]);
	if (len < sizeof(r->first))
		len += (size_t)snprintf(r->first + len, sizeof(r->first) - len, ": ");
	va_start(ap, fmt);
	if (len < sizeof(r->first))
		vsnprintf(r->first + len, sizeof(r->first) - len, fmt, ap);
	va_end(ap);
}

static void check_store(struct run *r, uint32_t depth, struct node *n)
{
	const struct bg_ext *e = ext(n, X);
	const uint64_t need[] = { e->lkg, e->active, e->chosen, e->pending, e->pinned };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(need); i++)
		if (need[i] && !stored(n, need[i]))
			violation(r, depth, "G3: X's content %llu (lkg %llu) is no longer stored",
				  (unsigned long long)need[i], (unsigned long long)e->lkg);
}

/* "good" at uptime @at: G3 on promotion, the model's view of what a good boot resets */
static void good(struct run *r, uint32_t depth, struct node *n, int64_t at)
{
	const char *names[] = { X, Y };
	bool first = !bg_state_boot(n->st, n->st->current_boot)->good_at;
	bool safe_guess = n->st->safe_mode && n->st->safe_mode_guess;
	uint64_t lkg[2];
	int i;

	for (i = 0; i < 2; i++)
		lkg[i] = ext(n, names[i])->lkg;
	bg_policy_good(n->st, r->cfg, n->start + at, at, n->st);
	for (i = 0; i < 2; i++) {
		struct bg_ext *e = ext(n, names[i]);
		uint64_t ran = i ? (bg_ext_ran(e, n->st->current_boot) ? e->load_version : 0) :
			       n->ran_x;

		if (e->lkg != lkg[i] && e->lkg != ran)
			violation(r, depth, "G3: %s content %llu became LKG but %llu ran",
				  e->name, (unsigned long long)e->lkg, (unsigned long long)ran);
		if (first && e->status == BG_EXT_DISABLED && e->disabled_guess &&
		    ++n->guess_goods[i] >= r->cfg->expiry_unattributed && r->cfg->expiry_unattributed)
			violation(r, depth, "G2: %s's guessed disable outlived %u good boots",
				  e->name, n->guess_goods[i]);
	}
	if (first && safe_guess && ++n->safe_goods >= r->cfg->expiry_unattributed &&
	    n->st->safe_mode)
		violation(r, depth, "G2: guessed safe mode outlived %u good boots", n->safe_goods);
	n->streak_hang = n->streak_cut = 0;
}

static void shutdown(struct node *n, int64_t at)
{
	bg_policy_shutdown(n->st, n->start + at, at, n->st);
}

static void operator(struct node *n, enum outcome o, int64_t now)
{
	struct bg_state *out = n->st;
	struct bg_ext *e = ext(n, X);

	switch (o) {
	case O_OP_DISABLE:
		assert_int_equal(bg_policy_enable(n->st, X, false, now, out), 0);
		break;
	case O_OP_ENABLE:
		assert_int_equal(bg_policy_enable(n->st, X, true, now, out), 0);
		break;
	case O_OP_PIN_LKG:
		assert_int_equal(bg_policy_pin(n->st, X, e->lkg, now, out), 0);
		break;
	default:
		bg_policy_reset(n->st, now, out);
		break;
	}
	if (o == O_OP_ENABLE || o == O_OP_RESET) {
		n->x_attr = n->nr_x_after_good = n->x_clean = 0;
		n->shim_crashes = 0;
	}
}

/* an attributed failure of X, counted by the model */
static void x_failed(struct node *n)
{
	n->x_attr++;
	n->x_clean = 0;
}

/*
 * X crashed after good in the boot in progress: crash_window_count of
 * them within the window (crash_window_boots boots, at least that count)
 * make an attributed failure.
 */
static void after_good(const struct run *r, struct node *n)
{
	uint64_t boot = n->st->current_boot;
	uint32_t bound = r->cfg->crash_window_boots > r->cfg->crash_window_count ?
			 r->cfg->crash_window_boots : r->cfg->crash_window_count;
	uint32_t i, kept = 0;

	for (i = 0; i < n->nr_x_after_good; i++)
		if (boot - n->x_after_good[i] < bound)
			n->x_after_good[kept++] = n->x_after_good[i];
	n->nr_x_after_good = kept;
	if (kept == BG_MAX_CRASHES) {
		memmove(&n->x_after_good[0], &n->x_after_good[1],
			sizeof(n->x_after_good[0]) * (BG_MAX_CRASHES - 1));
		n->nr_x_after_good--;
	}
	n->x_after_good[n->nr_x_after_good++] = boot;
	if (n->nr_x_after_good >= r->cfg->crash_window_count) {
		n->nr_x_after_good = 0;
		x_failed(n);
	}
}

/*
 * Play @o in the boot in progress; fill the evidence the next boot finds.
 * Return: false when @o cannot happen in this boot.
 */
static bool play(struct run *r, uint32_t depth, struct node *n, enum outcome o,
		 struct bg_evidence *ev)
{
	int64_t t = n->start;
	struct bg_ext *x = ext(n, X);
	uint64_t v, latest = 0;
	bool x_ended_well = false;
	enum stage_end se;

	*ev = evidence(BG_EV_NONE, NULL, NULL, 0);
	switch (o) {
	case O_CLEAN:
	case O_GOOD_CUT:
		good(r, depth, n, AT_GOOD);
		if (o == O_CLEAN)
			shutdown(n, AT_STOP);
		x_ended_well = true;
		break;
	case O_GOOD_LOST:
		shutdown(n, AT_STOP);
		x_ended_well = true;
		break;
	case O_X_INSERT:
	case O_X_TAKE:
	case O_X_EVENT:
		if (!n->ran_x || (o == O_X_TAKE && !x->chosen))
			return false;
		*ev = evidence(o == O_X_INSERT ? BG_EV_LOADER : BG_EV_SHIM_FAULT, X,
			       o == O_X_INSERT ? "insert" : o == O_X_TAKE ? "take_content" : "event",
			       x->chosen);
		x_failed(n);
		break;
	case O_X_AFTER_GOOD:
		if (!n->ran_x)
			return false;
		good(r, depth, n, AT_GOOD);
		*ev = evidence(BG_EV_SHIM_FAULT, X, "event", ext(n, X)->chosen);
		ev->uptime = AT_CRASH;
		n->x_clean = 0;
		after_good(r, n);
		break;
	case O_X_AROUND:
		if (x->status != BG_EXT_DISABLED || n->st->safe_mode)
			return false;
		*ev = evidence(BG_EV_SHIM_FAULT, X, "event", x->chosen);
		n->x_around = true;
		break;
	case O_POWER_CUT:
		n->streak_cut++;
		break;
	case O_HANG:
	case O_PANIC:
		*ev = evidence(o == O_HANG ? BG_EV_WATCHDOG : BG_EV_PANIC, NULL, NULL, 0);
		n->streak_hang++;
		break;
	case O_SHIM_INSERT:
		if (!n->shim_loaded)
			return false;
		*ev = evidence(BG_EV_LOADER, BG_SHIM_NAME, "insert", 0);
		n->shim_crashes++;
		break;
	case O_STAGE_NEW:
	case O_STAGE_NEW_CRASH:
	case O_STAGE_CUT:
		good(r, depth, n, AT_GOOD);
		v = n->next_version++;
		se = stage(n, v, o == O_STAGE_NEW_CRASH, o == O_STAGE_CUT, AT_ACT);
		if (o == O_STAGE_NEW_CRASH && se != STAGE_CRASHED)
			return false;	/* the same as a stage that did not crash */
		if (se == STAGE_CRASHED) {
			*ev = evidence(BG_EV_SHIM_FAULT, X, "take_content", v);
			x_failed(n);
		} else {
			if (se != STAGE_CUT)
				shutdown(n, AT_STOP);
			x_ended_well = true;	/* a cut after good: the boot went well */
		}
		break;
	case O_RESTAGE_CRASHED:
		if (!x->nr_crashed)
			return false;
		latest = x->crashed[x->nr_crashed - 1];
		good(r, depth, n, AT_GOOD);
		se = stage(n, latest, true, false, AT_ACT);
		if (se != STAGE_REFUSED)
			violation(r, depth, "G1: staging took content %llu, which crashed before",
				  (unsigned long long)latest);
		if (se == STAGE_CRASHED) {
			*ev = evidence(BG_EV_SHIM_FAULT, X, "take_content", latest);
			x_failed(n);
		} else {
			shutdown(n, AT_STOP);
			x_ended_well = true;
		}
		break;
	case O_CMDLINE_DISABLE:
		if (!n->ran_x)
			return false;
		snprintf(x->load_result, sizeof(x->load_result), "disabled");
		x->load_version = 0;
		n->ran_x = 0;
		good(r, depth, n, AT_GOOD);
		shutdown(n, AT_STOP);
		break;
	default:
		good(r, depth, n, AT_GOOD);
		operator(n, o, t + AT_ACT);
		shutdown(n, AT_STOP);
		x_ended_well = n->ran_x != 0;
		break;
	}
	if (x_ended_well && n->ran_x && ++n->x_clean >= r->cfg->forget_after)
		n->x_attr = 0;
	check_store(r, depth, n);
	return true;
}

/* the next boot: the guard judges, then the loader; G1, G2, G4, G5 */
static void next_boot(struct run *r, uint32_t depth, struct node *n,
		      const struct bg_evidence *ev)
{
	const char *names[] = { X, Y };
	bool was_guess[2], was_safe_guess = n->st->safe_mode && n->st->safe_mode_guess;
	bool guessed = false;
	uint32_t unattributed;
	const struct bg_ext *x, *y;
	int i;

	for (i = 0; i < 2; i++) {
		const struct bg_ext *e = ext(n, names[i]);

		was_guess[i] = e->status == BG_EXT_DISABLED && e->disabled_guess;
	}
	n->start += STEP;
	bg_policy_boot(n->st, ev, r->cfg, n->start, AT_BOOT, n->st);
	/* a new guess: the model counts its good boots from here */
	for (i = 0; i < 2; i++) {
		const struct bg_ext *e = ext(n, names[i]);

		if (e->status == BG_EXT_DISABLED && e->disabled_guess && !was_guess[i]) {
			n->guess_goods[i] = 0;
			guessed = true;
		}
	}
	if (n->st->safe_mode && n->st->safe_mode_guess && !was_safe_guess) {
		n->safe_goods = 0;
		guessed = true;
	}
	x = ext(n, X);
	y = ext(n, Y);
	unattributed = n->streak_hang + n->streak_cut;
	if (guessed && !((n->streak_hang && unattributed >= r->cfg->threshold) ||
			 unattributed >= r->cfg->power_cut_threshold))
		violation(r, depth, "G2: a guess after %u hang(s) and %u power cut(s)",
			  n->streak_hang, n->streak_cut);
	if (y->status == BG_EXT_DISABLED && y->disabled_by_guard && !y->disabled_guess)
		violation(r, depth, "G2: healthy %s disabled on attribution: %s", Y, y->reason);
	if (n->st->consecutive_failures && !bg_policy_health(n->st, NULL, NULL))
		violation(r, depth, "G4: %u consecutive failures, status ok",
			  n->st->consecutive_failures);
	load(n);
	if (n->ran_x && n->x_attr > bg_strike_limit(r->cfg))
		violation(r, depth, "G1: X runs content %llu after %u attributed failures",
			  (unsigned long long)x->chosen, n->x_attr);
	if (n->x_around && !n->st->safe_mode)
		violation(r, depth, "G1: X crashed while off and the next boot is not in safe mode");
	n->x_around = false;
	if (n->shim_loaded && n->shim_crashes)
		violation(r, depth, "G5: the shim loads again after it crashed");
	check_store(r, depth, n);
}

static uint64_t explore(struct run *r, const struct node *n, uint32_t depth)
{
	uint32_t remaining = r->depth - depth;
	struct memo *m;
	uint64_t key, paths = 0;
	int o;

	if (!remaining)
		return 1;
	key = abstract(r, n, remaining);
	m = memo_slot(r, key, remaining);
	if (m->remaining)
		return m->paths;
	for (o = 0; o < O__COUNT; o++) {
		struct node child = *n;
		struct bg_evidence ev;

		child.st = r->bufs[depth];
		copy_state(child.st, n->st);
		r->path[depth] = (enum outcome)o;
		if (play(r, depth, &child, (enum outcome)o, &ev)) {
			next_boot(r, depth, &child, &ev);
			paths += explore(r, &child, depth + 1);
		}
	}
	/* the table is sized for the states a run reaches; stop filling when full */
	m = memo_slot(r, key, remaining);
	if (r->states < r->memo_size / 2) {
		m->key = key;
		m->remaining = remaining;
		m->paths = paths;
		r->states++;
	}
	return paths;
}

static void model_run(const struct bg_config *cfg, const char *name, uint32_t depth,
		      uint64_t *states, uint64_t *paths, uint64_t *violations)
{
	struct run r = { .cfg = cfg, .cfg_name = name, .depth = depth };
	struct bg_evidence none = evidence(BG_EV_NONE, NULL, NULL, 0);
	struct node n = {};
	struct bg_ext *x, *y;
	uint32_t i;

	r.memo_size = (size_t)1 << 22;
	r.memo = calloc(r.memo_size, sizeof(*r.memo));
	assert_non_null(r.memo);
	for (i = 0; i <= depth; i++) {
		r.bufs[i] = calloc(1, sizeof(struct bg_state));
		assert_non_null(r.bufs[i]);
	}
	/* X runs content 1 (its LKG), Y content 9; a first boot in progress */
	n.st = r.bufs[depth];
	n.st->next_boot_id = 1;
	x = bg_state_ext(n.st, X, true);
	y = bg_state_ext(n.st, Y, true);
	x->active = x->lkg = x->chosen = 1;
	y->active = y->lkg = y->chosen = 9;
	n.start = 1700000000;
	x->changed_at = y->changed_at = n.start - 86400;
	x->active_since = y->active_since = n.start - 86400;
	n.next_version = 2;
	n.store[n.nr_store++] = 1;
	bg_policy_boot(n.st, &none, cfg, n.start, AT_BOOT, n.st);
	load(&n);

	*paths += explore(&r, &n, 0);
	*states += r.states;
	*violations += r.violations;
	if (r.violations)
		print_message("model: first violation: %s\n", r.first);
	for (i = 0; i <= depth; i++)
		free(r.bufs[i]);
	free(r.memo);
}

static void ladder_always_ends_the_loop(void **state)
{
	const char *env = getenv("MODEL_DEPTH");
	uint32_t depth = env && *env ? (uint32_t)strtoul(env, NULL, 10) : DEFAULT_DEPTH;
	/* a guard.conf of an operator's, and the defaults a broken one falls back to */
	struct bg_config custom = bg_default_config;
	uint64_t states = 0, paths = 0, violations = 0;

	(void)state;
	if (depth < 1 || depth > 60)
		fail_msg("MODEL_DEPTH=%s: not from 1 to 60", env);
	custom.threshold = 2;
	custom.power_cut_threshold = 3;
	custom.rollback_after = 2;
	custom.disable_after = 1;
	custom.crash_window_count = 1;
	custom.expiry_unattributed = 2;
	custom.forget_after = 2;
	custom.crash_window = 86400;
	{
		struct bg_config defaults = bg_default_config;

		/* every crash of a run in one window of running time */
		defaults.crash_window = 86400;
		model_run(&defaults, "default", depth, &states, &paths, &violations);
		/*
		 * A window of 2 boots forgets crashes after good within a
		 * run (8 boots never do): two boots less deep, it turns over
		 * many times and costs little.
		 */
		defaults.crash_window_boots = 2;
		model_run(&defaults, "2-boot window", depth > 2 ? depth - 2 : depth, &states,
			  &paths, &violations);
	}
	model_run(&custom, "custom", depth, &states, &paths, &violations);
	print_message("model: depth %u, %llu states, %llu paths, %llu violations\n", depth,
		      (unsigned long long)states, (unsigned long long)paths,
		      (unsigned long long)violations);
	assert_int_equal(violations, 0);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(ladder_always_ends_the_loop),
	};

	return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
