/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * policy.h - the escalation ladder as pure functions: (state, evidence,
 * configuration, time) -> new state with the decisions appended.  No I/O,
 * so every rung is tested by a table (tests/unit/test_policy.c).
 *
 * Two clocks come in.  @now, unix seconds, only stamps what people read
 * (decisions, boots, disables).  @uptime, CLOCK_BOOTTIME seconds of the
 * boot in progress (bg_uptime()), is what probation and the crash window
 * are measured on: an RTC that is behind or ahead, an NTP step or a
 * `date` must neither keep a crash in the window forever nor promote
 * content that has not run through its probation.
 */
#ifndef BG_POLICY_H
#define BG_POLICY_H

#include "state.h"

/**
 * struct bg_config - the guard's policy knobs (/etc/bulkhead/guard.conf)
 * @threshold: failed boots without attribution, at least one of them with
 *	evidence of a crash or hang, before the first step
 * @power_cut_threshold: failed boots with no evidence at all (power cuts,
 *	resets) before the first step; higher than @threshold
 * @rollback_after: attributed failures before rolling content back to LKG
 * @disable_after: attributed failures on LKG (or with no LKG) before the
 *	extension is disabled
 * @crash_window: seconds of the machine's running time (the boots' uptime
 *	added up, never the wall clock); crashes after "good" attributed to
 *	one extension within this window count together
 * @crash_window_count: that many of them count as one failure
 * @crash_window_boots: and they must fall within this many boots (at
 *	least @crash_window_count): a crash older than that is forgotten,
 *	however little running time the boots between added
 * @probation: seconds (CLOCK_BOOTTIME) new content must have run in this
 *	boot before "good" promotes it to LKG
 * @expiry_good_boots: a guard-made disable expires after this many good
 *	boots (0: never)
 * @expiry_unattributed: a disable or safe mode the guard chose without
 *	attribution (a guess) ends after this many good boots (0: never)
 * @forget_after: boots that end well with an extension running after
 *	which its attributed failures (strikes) are forgotten
 * @expiry_on_new_content: a guard-made disable expires when content newer
 *	than the one that failed is staged (once: a second disable stays)
 */
struct bg_config {
	uint32_t threshold;
	uint32_t power_cut_threshold;
	uint32_t rollback_after;
	uint32_t disable_after;
	uint32_t crash_window;
	uint32_t crash_window_count;
	uint32_t crash_window_boots;
	uint32_t probation;
	uint32_t expiry_good_boots;
	uint32_t expiry_unattributed;
	uint32_t forget_after;
	bool expiry_on_new_content;
};

extern const struct bg_config bg_default_config;

/* the shim's module: evidence naming it means the last rung loads nothing */
#define BG_SHIM_NAME	"bulkhead"

/*
 * The most attributed failures an extension that crashes on every boot
 * causes before it is out of the loop: rollback_after + disable_after to
 * walk its rungs, plus one if newer content re-enabled it after that.
 */
static inline uint32_t bg_strike_limit(const struct bg_config *cfg)
{
	return cfg->rollback_after + cfg->disable_after;
}

void bg_policy_boot(const struct bg_state *in, const struct bg_evidence *ev,
		    const struct bg_config *cfg, int64_t now, int64_t uptime,
		    struct bg_state *out);
void bg_policy_good(const struct bg_state *in, const struct bg_config *cfg,
		    int64_t now, int64_t uptime, struct bg_state *out);
void bg_policy_shutdown(const struct bg_state *in, int64_t now, int64_t uptime,
			struct bg_state *out);
int bg_policy_enable(const struct bg_state *in, const char *name, bool enable,
		     int64_t now, struct bg_state *out);
int bg_policy_pin(const struct bg_state *in, const char *name, uint64_t version,
		  int64_t now, struct bg_state *out);
void bg_policy_reset(const struct bg_state *in, int64_t now, struct bg_state *out);
uint32_t bg_policy_health(const struct bg_state *st,
			  void (*add)(void *arg, const char *reason), void *arg);

#endif /* BG_POLICY_H */
