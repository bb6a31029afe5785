// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * policy.c - the boot guard's escalation ladder (docs/guard.md).
 *
 * At "boot" the previous boot is judged: a clean shutdown is fine; a boot
 * that reached "good" and then crashed with evidence naming an extension
 * counts against it once enough such crashes fall in one window; a boot
 * that reached neither is a failure.  An attributed failure moves that
 * extension one rung: roll its content back to last-known-good, and if it
 * fails on LKG (or has none), disable it.  Failures nobody can be blamed
 * for are only counted until `threshold`; from then on every further one
 * disables the extension whose content changed most recently, and when
 * none is left, the machine boots in safe mode.
 *
 * Every step appends a decision with its reason; nothing here does I/O.
 */
#include <stdio.h>
#include <string.h>

#include "policy.h"

const struct bg_config bg_default_config = {
	.threshold = 3,
	.rollback_after = 1,
	.disable_after = 1,
	.crash_window = 3600,
	.crash_window_count = 2,
	.probation = 300,
	.expiry_good_boots = 0,
	.expiry_on_new_content = true,
};

/* an extension the evidence names: by name, '-' and '_' alike */
static struct bg_ext *find_culprit(struct bg_state *st, const struct bg_evidence *ev)
{
	uint32_t i;

	if (!bg_evidence_certain(ev) || !ev->extension[0])
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

static void disable(struct bg_state *st, struct bg_ext *e, uint64_t boot, int64_t now,
		    const char *why)
{
	e->status = BG_EXT_DISABLED;
	e->disabled_by_guard = true;
	e->disabled_at = now;
	e->disabled_good_boots = 0;
	snprintf(e->reason, sizeof(e->reason), "%s", why);
	bg_state_decide(st, boot, now, BG_ACT_DISABLE, e->name, e->chosen, 0, why);
}

/* one rung when nobody can be blamed: most recent change first */
static void step_unattributed(struct bg_state *st, const struct bg_evidence *ev,
			      uint64_t boot, int64_t now)
{
	struct bg_ext *pick = NULL;
	char why[BG_REASON_LEN];
	uint32_t i;

	for (i = 0; i < st->nr_ext; i++) {
		struct bg_ext *e = &st->ext[i];

		if (e->status == BG_EXT_ENABLED &&
		    (!pick || e->changed_at > pick->changed_at))
			pick = e;
	}
	if (pick) {
		snprintf(why, sizeof(why), "%u consecutive failed boots without attribution (last: %s); %s changed most recently",
			 st->consecutive_failures, bg_evidence_kind_name(ev->kind), pick->name);
		disable(st, pick, boot, now, why);
		return;
	}
	if (st->safe_mode)
		return;
	snprintf(why, sizeof(why), "%u consecutive failed boots without attribution (last: %s) and no extension left to disable",
		 st->consecutive_failures, bg_evidence_kind_name(ev->kind));
	st->safe_mode = true;
	snprintf(st->safe_mode_reason, sizeof(st->safe_mode_reason), "%s", why);
	bg_state_decide(st, boot, now, BG_ACT_SAFE_MODE, "", 0, 0, why);
}

/*
 * The crash came while staged content was being handed over (the loader
 * journal's push, or the shim's fault line naming it): that content never
 * became active.  Dropping it is the whole rollback; what the extension
 * ran before is not to blame, and one such crash is enough.
 */
static bool drop_staged(struct bg_state *st, struct bg_ext *e, const struct bg_evidence *ev,
			uint64_t boot, int64_t now, const char *what)
{
	char why[BG_REASON_LEN];

	if (!ev->content_version || ev->content_version != e->pending ||
	    ev->content_version == e->chosen)
		return false;
	snprintf(why, sizeof(why), "%s naming %s (%s, op %s) while content %llu was being staged: dropped, content %llu stays",
		 what, e->name, bg_evidence_kind_name(ev->kind), ev->op[0] ? ev->op : "unknown",
		 (unsigned long long)e->pending, (unsigned long long)e->chosen);
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

	if (drop_staged(st, e, ev, boot, now, what))
		return;
	e->failures++;
	if (e->status == BG_EXT_DISABLED) {
		/*
		 * It is off and still named: its module cannot be kept out
		 * (a vendor module the shim does not see) or the evidence is
		 * stale.  Either way its own rungs are spent: escalate.
		 */
		step_unattributed(st, ev, boot, now);
		return;
	}
	if (!e->pinned && e->lkg && e->chosen != e->lkg) {
		if (e->failures < cfg->rollback_after) {
			snprintf(why, sizeof(why), "%s naming %s (%s): failure %u of %u before rollback",
				 what, e->name, bg_evidence_kind_name(ev->kind),
				 e->failures, cfg->rollback_after);
			bg_state_decide(st, boot, now, BG_ACT_COUNT, e->name, e->chosen,
					e->chosen, why);
			return;
		}
		snprintf(why, sizeof(why), "%s naming %s (%s, op %s, content %llu): back to last-known-good",
			 what, e->name, bg_evidence_kind_name(ev->kind),
			 ev->op[0] ? ev->op : "unknown",
			 (unsigned long long)ev->content_version);
		bg_state_decide(st, boot, now, BG_ACT_ROLLBACK, e->name, e->chosen, e->lkg, why);
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
	disable(st, e, boot, now, why);
}

/* drop crashes older than the window; record this one; enough now? */
static bool crash_counts(struct bg_ext *e, const struct bg_config *cfg, int64_t now)
{
	uint32_t i, kept = 0;

	for (i = 0; i < e->nr_crashes; i++)
		if (now - e->crashes[i] < (int64_t)cfg->crash_window)
			e->crashes[kept++] = e->crashes[i];
	e->nr_crashes = kept;
	if (e->nr_crashes == BG_MAX_CRASHES) {
		memmove(&e->crashes[0], &e->crashes[1], sizeof(e->crashes[0]) * (BG_MAX_CRASHES - 1));
		e->nr_crashes--;
	}
	e->crashes[e->nr_crashes++] = now;
	if (e->nr_crashes < cfg->crash_window_count)
		return false;
	e->nr_crashes = 0;
	return true;
}

static void judge_previous(struct bg_state *st, struct bg_boot *b,
			   const struct bg_evidence *ev, const struct bg_config *cfg,
			   uint64_t boot, int64_t now)
{
	struct bg_ext *culprit = find_culprit(st, ev);
	char why[BG_REASON_LEN];

	b->evidence = *ev;
	if (b->shutdown_at) {
		b->end = BG_END_CLEAN;
		return;
	}
	if (b->good_at) {
		if (!culprit) {
			b->end = BG_END_GOOD;
			return;
		}
		b->end = BG_END_CRASH_AFTER_GOOD;
		if (drop_staged(st, culprit, ev, boot, now, "crash after boot completed"))
			return;
		if (crash_counts(culprit, cfg, now)) {
			step_attributed(st, culprit, ev, cfg, boot, now,
					"repeated crashes after boot completed");
		} else {
			snprintf(why, sizeof(why), "crash after boot completed naming %s (%s): %u of %u within %u s",
				 culprit->name, bg_evidence_kind_name(ev->kind),
				 culprit->nr_crashes, cfg->crash_window_count, cfg->crash_window);
			bg_state_decide(st, boot, now, BG_ACT_COUNT, culprit->name,
					culprit->chosen, culprit->chosen, why);
		}
		return;
	}
	b->end = BG_END_FAILED;
	st->consecutive_failures++;
	if (culprit) {
		step_attributed(st, culprit, ev, cfg, boot, now, "failed boot");
		return;
	}
	if (ev->kind == BG_EV_NONE)
		st->unexplained_failures++;
	if (st->consecutive_failures < cfg->threshold) {
		snprintf(why, sizeof(why), "failed boot %u of %u without attribution (%s)",
			 st->consecutive_failures, cfg->threshold,
			 ev->kind == BG_EV_NONE ? "unexplained: no evidence" :
			 bg_evidence_kind_name(ev->kind));
		bg_state_decide(st, boot, now, BG_ACT_COUNT, "", 0, 0, why);
		return;
	}
	step_unattributed(st, ev, boot, now);
}

/* a guard-made disable ends when newer content than the failed one is staged */
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
		    !e->pending || e->pending <= e->chosen)
			continue;
		snprintf(why, sizeof(why), "newer content %llu staged after the disable",
			 (unsigned long long)e->pending);
		bg_state_decide(st, boot, now, BG_ACT_ENABLE, e->name, e->chosen, e->pending, why);
		e->status = BG_EXT_ENABLED;
		e->disabled_by_guard = false;
		e->reason[0] = '\0';
		e->failures = 0;
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
 * @now: unix seconds
 * @out: the new state: the previous boot judged, the ladder applied, a new
 *	boot recorded as running
 */
void bg_policy_boot(const struct bg_state *in, const struct bg_evidence *ev,
		    const struct bg_config *cfg, int64_t now, struct bg_state *out)
{
	struct bg_boot *prev, *b;
	uint64_t boot;
	uint32_t i;

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
 * @now: unix seconds
 * @out: failures cleared, content past probation promoted to LKG, expired
 *	disables lifted
 */
void bg_policy_good(const struct bg_state *in, const struct bg_config *cfg,
		    int64_t now, struct bg_state *out)
{
	struct bg_boot *b;
	char why[BG_REASON_LEN];
	uint32_t i;

	bool first;

	*out = *in;
	b = out->current_boot ? bg_state_boot(out, out->current_boot) : NULL;
	/* a second "good" in one boot is not another good boot */
	first = b && !b->good_at;
	if (first)
		b->good_at = now;
	out->consecutive_failures = 0;
	out->unexplained_failures = 0;
	for (i = 0; i < out->nr_ext; i++) {
		struct bg_ext *e = &out->ext[i];

		if (e->status == BG_EXT_ENABLED && !out->safe_mode) {
			e->failures = 0;
			/* only what ran this boot: not a pin, not a rollback's target */
			if (e->active && e->active != e->lkg && e->chosen == e->active &&
			    !e->pinned && now - e->active_since >= (int64_t)cfg->probation) {
				snprintf(why, sizeof(why), "content %llu ran %lld s (probation %u s) through a good boot",
					 (unsigned long long)e->active,
					 (long long)(now - e->active_since), cfg->probation);
				bg_state_decide(out, out->current_boot, now, BG_ACT_PROMOTE,
						e->name, e->lkg, e->active, why);
				e->lkg = e->active;
				e->lkg_since = now;
			}
			continue;
		}
		if (e->status != BG_EXT_DISABLED || !e->disabled_by_guard || !first)
			continue;
		e->disabled_good_boots++;
		if (cfg->expiry_good_boots && e->disabled_good_boots >= cfg->expiry_good_boots) {
			snprintf(why, sizeof(why), "disable expired after %u good boots",
				 e->disabled_good_boots);
			bg_state_decide(out, out->current_boot, now, BG_ACT_ENABLE, e->name,
					e->chosen, e->chosen, why);
			e->status = BG_EXT_ENABLED;
			e->disabled_by_guard = false;
			e->reason[0] = '\0';
			e->failures = 0;
		}
	}
}

/**
 * bg_policy_shutdown() - the running boot is stopping cleanly
 * @in: state
 * @now: unix seconds
 * @out: the boot marked as shut down
 */
void bg_policy_shutdown(const struct bg_state *in, int64_t now, struct bg_state *out)
{
	struct bg_boot *b;

	*out = *in;
	b = out->current_boot ? bg_state_boot(out, out->current_boot) : NULL;
	if (b)
		b->shutdown_at = now;
}
