// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * policy.c - the boot guard's escalation ladder (docs/guard.md).
 *
 * At "boot" the previous boot is judged: a clean shutdown is fine; a boot
 * that reached "good" and then crashed with evidence naming an extension
 * counts against it once enough such crashes fall in one window; a boot
 * that reached neither is a failure.  An attributed failure moves that
 * extension one rung: drop content that was being staged, roll its
 * content back to last-known-good, and if it fails on LKG (or has none),
 * disable it.  Every attributed failure is also a strike that no rollback,
 * drop or new content clears, so an extension that crashes on every boot
 * is out after bg_strike_limit() failures, plus one if newer content
 * re-enabled it, whatever an updater re-stages.  Named again while
 * disabled (its module loads around the guard), or when the shim itself
 * is named, the machine goes to safe mode, where nothing loads.
 *
 * Failures nobody can be blamed for are only counted: a crash or hang
 * with no culprit until `threshold`, a boot that left no evidence at all
 * (a power cut) until the higher `power_cut_threshold`; from then on each
 * disables the extension that ran and changed most recently, and when
 * none is left, the machine boots in safe mode.  Those guesses expire
 * after `expiry_unattributed` good boots.
 *
 * Time: probation and the crash window run on CLOCK_BOOTTIME, which no
 * RTC moves: probation on the uptime of the boot the content runs in, the
 * window on the machine's running time (every judged boot's last known
 * uptime added up) and on boot ids.  The wall clock only stamps records.
 *
 * Every step appends a decision with its reason; nothing here does I/O.
 * Each function reads @in and writes @out, which may be the same state
 * (the model checker in tests/unit/test_model.c updates in place).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

const struct bg_config bg_default_config = {
	.threshold = 3,
	.power_cut_threshold = 6,
	.rollback_after = 1,
	.disable_after = 1,
	.crash_window = 3600,
	.crash_window_count = 2,
	.crash_window_boots = 8,
	.probation = 300,
	.expiry_good_boots = 0,
	.expiry_unattributed = 3,
	.forget_after = 3,
	.expiry_on_new_content = true,
};

static void note_crashed(struct bg_ext *e, uint64_t version)
{
	if (!version || bg_ext_crashed(e, version))
		return;
	if (e->nr_crashed == BG_MAX_CRASHED) {
		memmove(&e->crashed[0], &e->crashed[1], sizeof(e->crashed[0]) * (BG_MAX_CRASHED - 1));
		e->nr_crashed--;
	}
	e->crashed[e->nr_crashed++] = version;
}

static bool names_shim(const struct bg_evidence *ev)
{
	return bg_evidence_certain(ev) && bh_name_eq(ev->extension, BG_SHIM_NAME);
}

/* an extension the evidence names: by name, '-' and '_' alike */
static struct bg_ext *find_culprit(struct bg_state *st, const struct bg_evidence *ev)
{
	uint32_t i;

	if (!bg_evidence_certain(ev) || !ev->extension[0] || names_shim(ev))
		return NULL;
	for (i = 0; i < st->nr_ext; i++)
		if (bh_name_eq(st->ext[i].name, ev->extension))
			return &st->ext[i];
	/*
	 * The shim's own line and the loader's journal name a registered
	 * extension for sure, even one the store has not heard of yet; a
	 * module name from an oops might be any module, so it must be known.
	 */
	if (ev->kind == BG_EV_SHIM_FAULT || ev->kind == BG_EV_LOADER)
		return bg_state_ext(st, ev->extension, true);
	return NULL;
}

static void enter_safe_mode(struct bg_state *st, bool guess, uint64_t boot, int64_t now,
			    const char *why)
{
	if (st->safe_mode && (guess || !st->safe_mode_guess))
		return;
	st->safe_mode = true;
	st->safe_mode_guess = guess;
	st->safe_mode_good_boots = 0;
	snprintf(st->safe_mode_reason, sizeof(st->safe_mode_reason), "%s", why);
	bg_state_decide(st, boot, now, BG_ACT_SAFE_MODE, "", 0, 0, why);
}

static void enable(struct bg_ext *e)
{
	e->status = BG_EXT_ENABLED;
	e->disabled_by_guard = false;
	e->disabled_guess = false;
	e->reason[0] = '\0';
	e->failures = 0;
}

static void leave_safe_mode(struct bg_state *st)
{
	st->safe_mode = false;
	st->safe_mode_guess = false;
	st->safe_mode_good_boots = 0;
	st->safe_mode_reason[0] = '\0';
	st->no_shim = false;
}

static void disable(struct bg_state *st, struct bg_ext *e, bool guess, uint64_t boot,
		    int64_t now, const char *why)
{
	e->status = BG_EXT_DISABLED;
	e->disabled_by_guard = true;
	e->disabled_guess = guess;
	e->disabled_at = now;
	e->disabled_good_boots = 0;
	/* content that crashed must not end the disable as "newer content" */
	if (bg_ext_crashed(e, e->pending))
		e->pending = 0;
	snprintf(e->reason, sizeof(e->reason), "%s", why);
	bg_state_decide(st, boot, now, BG_ACT_DISABLE, e->name, e->chosen, 0, why);
}

/* one rung when nobody can be blamed: most recent change first */
static void step_unattributed(struct bg_state *st, const struct bg_evidence *ev,
			      uint64_t prev, uint64_t boot, int64_t now)
{
	struct bg_ext *pick = NULL;
	char why[BG_REASON_LEN];
	bool reported = false;
	uint32_t i;

	/* guess among what ran in @prev, when the loader got to report it */
	for (i = 0; i < st->nr_ext; i++)
		reported |= prev && st->ext[i].load_boot == prev;
	for (i = 0; i < st->nr_ext; i++) {
		struct bg_ext *e = &st->ext[i];

		if (e->status == BG_EXT_ENABLED && (!reported || bg_ext_ran(e, prev)) &&
		    (!pick || e->changed_at > pick->changed_at))
			pick = e;
	}
	if (pick) {
		snprintf(why, sizeof(why), "%u consecutive failed boots without attribution (last: %s); %s changed most recently",
			 st->hang_failures + st->unexplained_failures,
			 bg_evidence_kind_name(ev->kind), pick->name);
		disable(st, pick, true, boot, now, why);
		return;
	}
	if (!st->nr_ext) {
		/* an image with no extension yet: safe mode would only outlive it */
		snprintf(why, sizeof(why), "failed boot %u without attribution (%s); no extension to act on",
			 st->consecutive_failures, bg_evidence_kind_name(ev->kind));
		bg_state_decide(st, boot, now, BG_ACT_COUNT, "", 0, 0, why);
		return;
	}
	snprintf(why, sizeof(why), "%u consecutive failed boots without attribution (last: %s) and no extension left to disable",
		 st->hang_failures + st->unexplained_failures, bg_evidence_kind_name(ev->kind));
	enter_safe_mode(st, true, boot, now, why);
}

/*
 * The crash came while staged content was being handed over (the loader
 * journal's push, or the shim's fault line naming it): that content never
 * became active.  Dropping it is the rollback; what the extension ran
 * before is not to blame.
 */
static bool drop_staged(struct bg_state *st, struct bg_ext *e, const struct bg_evidence *ev,
			uint64_t boot, int64_t now, const char *what)
{
	char why[BG_REASON_LEN];

	if (!ev->content_version || ev->content_version != e->pending ||
	    ev->content_version == e->chosen)
		return false;
	snprintf(why, sizeof(why), "%s naming %s (%s, op %s) while content %llu was being staged: dropped, content %llu stays (strike %u)",
		 what, e->name, bg_evidence_kind_name(ev->kind), ev->op[0] ? ev->op : "unknown",
		 (unsigned long long)e->pending, (unsigned long long)e->chosen, e->strikes);
	bg_state_decide(st, boot, now, BG_ACT_ROLLBACK, e->name, e->pending, e->chosen, why);
	e->pending = 0;
	return true;
}

/* one rung for an extension the evidence names */
static void step_attributed(struct bg_state *st, struct bg_ext *e,
			    const struct bg_evidence *ev, const struct bg_config *cfg,
			    uint64_t boot, int64_t now, const char *what)
{
	char why[BG_REASON_LEN];

	e->strikes++;
	e->clean_boots = 0;
	note_crashed(e, ev->content_version);
	if (e->status == BG_EXT_DISABLED) {
		/*
		 * It is off and still named: its module loads around the
		 * guard (a vendor's own service, an initramfs), or the
		 * evidence is stale.  Disabling others would switch off what
		 * is healthy; safe mode loads nothing at all.
		 */
		snprintf(why, sizeof(why), "%s naming %s (%s, op %s) while it is disabled: its module loads anyway",
			 what, e->name, bg_evidence_kind_name(ev->kind),
			 ev->op[0] ? ev->op : "unknown");
		enter_safe_mode(st, false, boot, now, why);
		return;
	}
	if (e->strikes >= bg_strike_limit(cfg)) {
		snprintf(why, sizeof(why), "%s naming %s (%s, op %s, content %llu): %u attributed failures, at most %u before disable",
			 what, e->name, bg_evidence_kind_name(ev->kind),
			 ev->op[0] ? ev->op : "unknown", (unsigned long long)ev->content_version,
			 e->strikes, bg_strike_limit(cfg));
		disable(st, e, false, boot, now, why);
		return;
	}
	if (drop_staged(st, e, ev, boot, now, what))
		return;
	e->failures++;
	if (!e->pinned && e->lkg && e->chosen != e->lkg) {
		if (e->failures < cfg->rollback_after) {
			snprintf(why, sizeof(why), "%s naming %s (%s): failure %u of %u before rollback",
				 what, e->name, bg_evidence_kind_name(ev->kind),
				 e->failures, cfg->rollback_after);
			bg_state_decide(st, boot, now, BG_ACT_COUNT, e->name, e->chosen,
					e->chosen, why);
			return;
		}
		snprintf(why, sizeof(why), "%s naming %s (%s, op %s, content %llu): back to last-known-good (strike %u of %u)",
			 what, e->name, bg_evidence_kind_name(ev->kind),
			 ev->op[0] ? ev->op : "unknown",
			 (unsigned long long)ev->content_version, e->strikes, bg_strike_limit(cfg));
		bg_state_decide(st, boot, now, BG_ACT_ROLLBACK, e->name, e->chosen, e->lkg, why);
		if (e->pending == e->chosen || bg_ext_crashed(e, e->pending))
			e->pending = 0;
		e->chosen = e->lkg;
		e->active = e->lkg;
		e->active_since = now;
		e->failures = 0;
		return;
	}
	if (e->failures < cfg->disable_after) {
		snprintf(why, sizeof(why), "%s naming %s (%s): failure %u of %u before disable",
			 what, e->name, bg_evidence_kind_name(ev->kind), e->failures,
			 cfg->disable_after);
		bg_state_decide(st, boot, now, BG_ACT_COUNT, e->name, e->chosen, e->chosen, why);
		return;
	}
	snprintf(why, sizeof(why), "%s naming %s (%s, op %s, content %llu) %s",
		 what, e->name, bg_evidence_kind_name(ev->kind),
		 ev->op[0] ? ev->op : "unknown", (unsigned long long)ev->content_version,
		 e->pinned ? "on pinned content" :
		 e->lkg ? "on its last-known-good content" : "with no last-known-good content");
	disable(st, e, false, boot, now, why);
}

/*
 * The shim itself crashed (its insert began and never ended, an oops in
 * it): the one rung that helps is not loading it, and with it no
 * extension.  Only an operator ends it.
 */
static void step_shim(struct bg_state *st, const struct bg_evidence *ev, uint64_t boot,
		      int64_t now, const char *what)
{
	char why[BG_REASON_LEN];

	if (st->no_shim)
		return;
	snprintf(why, sizeof(why), "%s naming the shim %s (%s, op %s): safe mode, and not even the shim loads",
		 what, BG_SHIM_NAME, bg_evidence_kind_name(ev->kind),
		 ev->op[0] ? ev->op : "unknown");
	st->no_shim = true;
	st->safe_mode = true;
	st->safe_mode_guess = false;
	st->safe_mode_good_boots = 0;
	snprintf(st->safe_mode_reason, sizeof(st->safe_mode_reason), "%s", why);
	bg_state_decide(st, boot, now, BG_ACT_SAFE_MODE, "", 0, 0, why);
}

/* boots a crash stays in the window: never fewer than it takes to count */
static uint32_t window_boots(const struct bg_config *cfg)
{
	return cfg->crash_window_boots > cfg->crash_window_count ?
	       cfg->crash_window_boots : cfg->crash_window_count;
}

/*
 * Drop crashes out of the window: more than crash_window seconds of the
 * machine's running time before @run_time, or window_boots() boots before
 * @boot (or stamped after either: not this machine's history); record
 * this one, of boot @boot; enough now?
 */
static bool crash_counts(struct bg_ext *e, const struct bg_config *cfg, uint64_t boot,
			 int64_t run_time, int64_t now)
{
	uint32_t i, kept = 0;

	for (i = 0; i < e->nr_crashes; i++) {
		const struct bg_crash *c = &e->crashes[i];

		if (c->boot < boot && boot - c->boot < window_boots(cfg) &&
		    c->run_time <= run_time && run_time - c->run_time < (int64_t)cfg->crash_window)
			e->crashes[kept++] = *c;
	}
	e->nr_crashes = kept;
	if (e->nr_crashes == BG_MAX_CRASHES) {
		memmove(&e->crashes[0], &e->crashes[1], sizeof(e->crashes[0]) * (BG_MAX_CRASHES - 1));
		e->nr_crashes--;
	}
	e->crashes[e->nr_crashes++] = (struct bg_crash){ .boot = boot, .run_time = run_time,
							 .at = now };
	if (e->nr_crashes < cfg->crash_window_count)
		return false;
	e->nr_crashes = 0;
	return true;
}

/*
 * The machine ran as long as the judged boot is known to have: its last
 * uptime the guard saw (boot, good, shutdown), or the kernel's time stamp
 * in its crash dump if later.  A boot that ended in a power cut long after
 * "good" is known only up to "good"; window_boots() bounds what that hides.
 */
static void count_run_time(struct bg_state *st, struct bg_boot *b, const struct bg_evidence *ev)
{
	if (ev->uptime > b->uptime)
		b->uptime = ev->uptime;
	if (b->uptime <= 0)
		return;
	st->run_time = st->run_time > INT64_MAX - b->uptime ? INT64_MAX :
		       st->run_time + b->uptime;
}

/* the judged boot ended well: what ran in it earns forgiveness */
static void healthy_boot(struct bg_state *st, const struct bg_boot *b,
			 const struct bg_config *cfg)
{
	uint32_t i;

	for (i = 0; i < st->nr_ext; i++) {
		struct bg_ext *e = &st->ext[i];

		if (e->status != BG_EXT_ENABLED || !bg_ext_ran(e, b->id))
			continue;
		if (++e->clean_boots >= cfg->forget_after)
			e->strikes = 0;
	}
}

static void judge_previous(struct bg_state *st, struct bg_boot *b,
			   const struct bg_evidence *ev, const struct bg_config *cfg,
			   uint64_t boot, int64_t now)
{
	struct bg_ext *culprit = find_culprit(st, ev);
	bool shim = names_shim(ev);
	uint32_t unattributed;
	char why[BG_REASON_LEN];

	b->evidence = *ev;
	count_run_time(st, b, ev);
	if (b->shutdown_at) {
		b->end = BG_END_CLEAN;
		healthy_boot(st, b, cfg);
		return;
	}
	if (b->good_at) {
		if (!culprit && !shim) {
			b->end = BG_END_GOOD;
			healthy_boot(st, b, cfg);
			return;
		}
		b->end = BG_END_CRASH_AFTER_GOOD;
		if (culprit)
			culprit->clean_boots = 0;	/* it crashed: this boot did not end well */
		if (shim) {
			step_shim(st, ev, boot, now, "crash after boot completed");
			return;
		}
		if (ev->content_version && ev->content_version == culprit->pending &&
		    ev->content_version != culprit->chosen) {
			/* staged content crashed at once: no window to wait for */
			step_attributed(st, culprit, ev, cfg, boot, now,
					"crash after boot completed");
			return;
		}
		if (crash_counts(culprit, cfg, b->id, st->run_time, now)) {
			step_attributed(st, culprit, ev, cfg, boot, now,
					"repeated crashes after boot completed");
		} else {
			snprintf(why, sizeof(why), "crash after boot completed naming %s (%s): %u of %u within %u s of running time and %u boots",
				 culprit->name, bg_evidence_kind_name(ev->kind),
				 culprit->nr_crashes, cfg->crash_window_count, cfg->crash_window,
				 window_boots(cfg));
			bg_state_decide(st, boot, now, BG_ACT_COUNT, culprit->name,
					culprit->chosen, culprit->chosen, why);
		}
		return;
	}
	b->end = BG_END_FAILED;
	st->consecutive_failures++;
	if (shim) {
		step_shim(st, ev, boot, now, "failed boot");
		return;
	}
	if (culprit) {
		step_attributed(st, culprit, ev, cfg, boot, now, "failed boot");
		return;
	}
	if (ev->kind == BG_EV_NONE)
		st->unexplained_failures++;
	else
		st->hang_failures++;
	unattributed = st->hang_failures + st->unexplained_failures;
	if (st->hang_failures ? unattributed < cfg->threshold &&
				unattributed < cfg->power_cut_threshold :
				unattributed < cfg->power_cut_threshold) {
		snprintf(why, sizeof(why), "failed boot %u of %u without attribution (%s)",
			 unattributed, st->hang_failures ?
			 (cfg->threshold < cfg->power_cut_threshold ? cfg->threshold :
			  cfg->power_cut_threshold) : cfg->power_cut_threshold,
			 ev->kind == BG_EV_NONE ? "unexplained: no evidence, as after a power cut" :
			 bg_evidence_kind_name(ev->kind));
		bg_state_decide(st, boot, now, BG_ACT_COUNT, "", 0, 0, why);
		return;
	}
	step_unattributed(st, ev, b->id, boot, now);
}

/*
 * A guard-made disable ends when newer content than the failed one is
 * staged; once: an extension that failed again after that stays off.
 */
static void expire_on_content(struct bg_state *st, const struct bg_config *cfg,
			      uint64_t boot, int64_t now)
{
	char why[BG_REASON_LEN];
	uint32_t i;

	if (!cfg->expiry_on_new_content)
		return;
	for (i = 0; i < st->nr_ext; i++) {
		struct bg_ext *e = &st->ext[i];

		if (e->status != BG_EXT_DISABLED || !e->disabled_by_guard ||
		    !e->pending || e->pending <= e->chosen || bg_ext_crashed(e, e->pending) ||
		    e->strikes > bg_strike_limit(cfg))
			continue;
		snprintf(why, sizeof(why), "newer content %llu staged after the disable",
			 (unsigned long long)e->pending);
		bg_state_decide(st, boot, now, BG_ACT_ENABLE, e->name, e->chosen, e->pending, why);
		enable(e);
		/* the new content is what runs now, never the one that failed */
		e->active = e->pending;
		e->active_since = now;
		e->changed_at = now;
		e->pending = 0;
	}
}

/**
 * bg_policy_boot() - judge the previous boot and start a new one
 * @in: the state as loaded
 * @ev: the evidence gathered for the boot in progress in @in (if any)
 * @cfg: policy knobs
 * @now: unix seconds, for the records
 * @uptime: CLOCK_BOOTTIME seconds of the boot that starts
 * @out: the new state: the previous boot judged (its last known uptime
 *	added to the machine's running time, the crash window's clock), the
 *	ladder applied, a new boot recorded as running
 */
void bg_policy_boot(const struct bg_state *in, const struct bg_evidence *ev,
		    const struct bg_config *cfg, int64_t now, int64_t uptime,
		    struct bg_state *out)
{
	struct bg_boot *prev, *b;
	uint64_t boot;
	uint32_t i;

	if (out != in)
		*out = *in;
	if (!out->next_boot_id)
		out->next_boot_id = 1;
	boot = out->next_boot_id++;
	prev = out->current_boot ? bg_state_boot(out, out->current_boot) : NULL;
	if (prev)
		judge_previous(out, prev, ev, cfg, boot, now);
	expire_on_content(out, cfg, boot, now);

	if (out->nr_boots == BG_MAX_BOOTS) {
		memmove(&out->boots[0], &out->boots[1], sizeof(out->boots[0]) * (BG_MAX_BOOTS - 1));
		out->nr_boots--;
	}
	b = &out->boots[out->nr_boots++];
	memset(b, 0, sizeof(*b));
	b->id = boot;
	b->started = now;
	b->uptime = uptime;
	b->end = BG_END_RUNNING;
	out->current_boot = boot;

	/* what the loader pushes: the pin, else the active content */
	for (i = 0; i < out->nr_ext; i++) {
		struct bg_ext *e = &out->ext[i];

		e->chosen = e->pinned ? e->pinned : e->active;
	}
}

/**
 * bg_policy_good() - the running boot is healthy
 * @in: state
 * @cfg: policy knobs
 * @now: unix seconds, for the records
 * @uptime: CLOCK_BOOTTIME seconds of the boot in progress
 * @out: failures cleared, content that ran through probation in this boot
 *	(@cfg->probation seconds of @uptime since the loader or staging
 *	started it, whatever the wall clock says) promoted to LKG, expired
 *	disables and safe mode lifted
 */
void bg_policy_good(const struct bg_state *in, const struct bg_config *cfg,
		    int64_t now, int64_t uptime, struct bg_state *out)
{
	struct bg_boot *b;
	char why[BG_REASON_LEN];
	uint32_t i;
	bool first, ran_safe;

	if (out != in)
		*out = *in;
	/* this boot ran in safe mode: nothing in it ran, nothing to promote */
	ran_safe = out->safe_mode;
	b = out->current_boot ? bg_state_boot(out, out->current_boot) : NULL;
	/* a second "good" in one boot is not another good boot */
	first = b && !b->good_at;
	if (first)
		b->good_at = now;
	if (b && uptime > b->uptime)
		b->uptime = uptime;
	out->consecutive_failures = 0;
	out->unexplained_failures = 0;
	out->hang_failures = 0;
	if (out->safe_mode && first && out->safe_mode_guess && cfg->expiry_unattributed &&
	    ++out->safe_mode_good_boots >= cfg->expiry_unattributed) {
		snprintf(why, sizeof(why), "safe mode chosen without attribution expired after %u good boots",
			 out->safe_mode_good_boots);
		bg_state_decide(out, out->current_boot, now, BG_ACT_ENABLE, "", 0, 0, why);
		leave_safe_mode(out);
	}
	for (i = 0; i < out->nr_ext; i++) {
		struct bg_ext *e = &out->ext[i];
		uint32_t expiry;

		if (e->status == BG_EXT_ENABLED && !ran_safe) {
			e->failures = 0;
			/*
			 * Only what ran this boot, pushed by the loader or
			 * staged live: not a pin, not a rollback's target,
			 * not content held back by a command-line disable, a
			 * missing module or a fallback to safe mode.  And
			 * only after probation on this boot's uptime, from
			 * when it began to run: the RTC may be anywhere.
			 */
			if (e->active && e->active != e->lkg && e->chosen == e->active &&
			    !e->pinned && bg_ext_ran(e, out->current_boot) &&
			    e->load_version == e->active &&
			    uptime - e->load_uptime >= (int64_t)cfg->probation) {
				snprintf(why, sizeof(why), "content %llu ran %lld s (probation %u s) through a good boot",
					 (unsigned long long)e->active,
					 (long long)(uptime - e->load_uptime), cfg->probation);
				bg_state_decide(out, out->current_boot, now, BG_ACT_PROMOTE,
						e->name, e->lkg, e->active, why);
				e->lkg = e->active;
				e->lkg_since = now;
				if (e->floor < e->lkg)
					e->floor = e->lkg;
			}
			continue;
		}
		if (e->status != BG_EXT_DISABLED || !e->disabled_by_guard || !first)
			continue;
		e->disabled_good_boots++;
		expiry = cfg->expiry_good_boots;
		if (e->disabled_guess && cfg->expiry_unattributed &&
		    (!expiry || cfg->expiry_unattributed < expiry))
			expiry = cfg->expiry_unattributed;
		if (expiry && e->disabled_good_boots >= expiry) {
			snprintf(why, sizeof(why), "%sdisable expired after %u good boots",
				 e->disabled_guess ? "unattributed " : "", e->disabled_good_boots);
			bg_state_decide(out, out->current_boot, now, BG_ACT_ENABLE, e->name,
					e->chosen, e->chosen, why);
			enable(e);
		}
	}
}

/**
 * bg_policy_shutdown() - the running boot is stopping cleanly
 * @in: state
 * @now: unix seconds, for the records
 * @uptime: CLOCK_BOOTTIME seconds of the boot in progress: how long it ran
 * @out: the boot marked as shut down
 */
void bg_policy_shutdown(const struct bg_state *in, int64_t now, int64_t uptime,
			struct bg_state *out)
{
	struct bg_boot *b;

	if (out != in)
		*out = *in;
	b = out->current_boot ? bg_state_boot(out, out->current_boot) : NULL;
	if (!b)
		return;
	b->shutdown_at = now;
	if (uptime > b->uptime)
		b->uptime = uptime;
}

/**
 * bg_policy_enable() - an operator's enable or disable
 * @in: state
 * @name: the extension
 * @enable: enable (true) or disable
 * @now: unix seconds
 * @out: the new state; an enable clears the extension's failures and
 *	strikes and also ends safe mode (the operator wants it running)
 *
 * An operator's disable never expires.  Content staged while the
 * extension was disabled is held as pending; the enable makes it the
 * active content (the next boot's), unless a crash named that version.
 *
 * Return: 0, or -ENOSPC when the state has no room for a new extension.
 */
int bg_policy_enable(const struct bg_state *in, const char *name, bool enable_it,
		     int64_t now, struct bg_state *out)
{
	char why[BG_REASON_LEN];
	uint64_t from, held = 0;
	struct bg_ext *e;

	if (out != in)
		*out = *in;
	e = bg_state_ext(out, name, true);
	if (!e)
		return -ENOSPC;
	from = e->chosen;
	if (enable_it) {
		/*
		 * Content staged while it was off was held as pending (nothing
		 * pushed it): the operator's latest content is what runs next,
		 * unless a crash named it.
		 */
		if (e->status == BG_EXT_DISABLED && e->pending && !bg_ext_crashed(e, e->pending)) {
			held = e->pending;
			e->active = e->pending;
			e->active_since = now;
			e->changed_at = now;
			e->pending = 0;
		}
		enable(e);
		e->strikes = 0;
		e->clean_boots = 0;
		e->disabled_at = 0;
	} else {
		e->status = BG_EXT_DISABLED;
		e->disabled_by_guard = false;
		e->disabled_guess = false;
		e->failures = 0;
		e->disabled_at = now;
		snprintf(e->reason, sizeof(e->reason), "disabled by operator");
	}
	e->nr_crashes = 0;
	if (held)
		snprintf(why, sizeof(why), "enabled by operator; content %llu, staged while it was disabled, runs from the next boot",
			 (unsigned long long)held);
	else
		snprintf(why, sizeof(why), "%s by operator", enable_it ? "enabled" : "disabled");
	bg_state_decide(out, out->current_boot, now, enable_it ? BG_ACT_ENABLE : BG_ACT_DISABLE,
			e->name, from, held ? held : from, why);
	if (enable_it && out->safe_mode) {
		leave_safe_mode(out);
		bg_state_decide(out, out->current_boot, now, BG_ACT_ENABLE, "", 0, 0,
				"safe mode ended: an operator enabled an extension");
	}
	return 0;
}

/**
 * bg_policy_pin() - an operator's pin (or unpin, @version 0)
 * @in: state
 * @name: the extension
 * @version: content version to push at every boot; 0 unpins
 * @now: unix seconds
 * @out: the new state
 *
 * A pin below the anti-rollback floor is the operator's rollback: it
 * lowers the floor to @version, and the decision says so.
 *
 * Return: 0, or -ENOSPC when the state has no room for a new extension.
 */
int bg_policy_pin(const struct bg_state *in, const char *name, uint64_t version,
		  int64_t now, struct bg_state *out)
{
	char why[BG_REASON_LEN];
	struct bg_ext *e;

	if (out != in)
		*out = *in;
	e = bg_state_ext(out, name, true);
	if (!e)
		return -ENOSPC;
	if (version && version < e->floor)
		snprintf(why, sizeof(why), "pinned by operator below the floor %llu, which is now %llu: a rollback, degraded",
			 (unsigned long long)e->floor, (unsigned long long)version);
	else
		snprintf(why, sizeof(why), "%s", version ? "pinned by operator" : "unpinned by operator");
	bg_state_decide(out, out->current_boot, now, BG_ACT_PIN, e->name, e->pinned, version, why);
	e->pinned = version;
	if (version && version < e->floor)
		e->floor = version;
	return 0;
}

/**
 * bg_policy_reset() - an operator's reset
 * @in: state
 * @now: unix seconds
 * @out: failure counts, strikes and safe mode cleared, guard-made disables
 *	lifted; operator disables and the record of crashed versions stay
 */
void bg_policy_reset(const struct bg_state *in, int64_t now, struct bg_state *out)
{
	uint32_t i;

	if (out != in)
		*out = *in;
	out->consecutive_failures = 0;
	out->unexplained_failures = 0;
	out->hang_failures = 0;
	leave_safe_mode(out);
	for (i = 0; i < out->nr_ext; i++) {
		struct bg_ext *e = &out->ext[i];

		e->failures = 0;
		e->strikes = 0;
		e->clean_boots = 0;
		e->nr_crashes = 0;
		if (e->status == BG_EXT_DISABLED && e->disabled_by_guard)
			enable(e);
	}
	bg_state_decide(out, out->current_boot, now, BG_ACT_RESET, "", 0, 0,
			"reset by operator: failure counts, safe mode and guard-made disables cleared");
}

/**
 * bg_policy_health() - why the machine is degraded, if it is
 * @st: state
 * @add: called with each reason (may be NULL)
 * @arg: for @add
 *
 * Degraded: safe mode, an extension disabled, a failed boot not yet
 * followed by a good one, or an enabled extension that this boot's loader
 * could not start (its module missing for the kernel, refused, its content
 * refused).  What an earlier boot's loader reported does not count.
 *
 * Return: the number of reasons; 0 means healthy.
 */
uint32_t bg_policy_health(const struct bg_state *st,
			  void (*add)(void *arg, const char *reason), void *arg)
{
	char text[BG_REASON_LEN + 64];
	uint32_t i, n = 0;

	if (st->safe_mode) {
		snprintf(text, sizeof(text), "safe mode: %s", st->safe_mode_reason);
		if (add)
			add(arg, text);
		n++;
	}
	if (st->consecutive_failures) {
		snprintf(text, sizeof(text), "%u consecutive failed boot%s (%u without any evidence); not yet a good boot",
			 st->consecutive_failures, st->consecutive_failures == 1 ? "" : "s",
			 st->unexplained_failures);
		if (add)
			add(arg, text);
		n++;
	}
	for (i = 0; i < st->nr_ext; i++) {
		const struct bg_ext *e = &st->ext[i];

		if (e->status == BG_EXT_DISABLED)
			snprintf(text, sizeof(text), "%s disabled: %s", e->name, e->reason);
		else if (bg_ext_not_started(e, st->current_boot))
			snprintf(text, sizeof(text), "%s not running in this boot: %s%s%s",
				 e->name, e->load_result, e->load_error[0] ? ": " : "",
				 e->load_error);
		else
			continue;
		if (add)
			add(arg, text);
		n++;
	}
	return n;
}
