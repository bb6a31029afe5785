/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * policy.h - the escalation ladder as pure functions: (state, evidence,
 * configuration, time) -> new state with the decisions appended.  No I/O,
 * so every rung is tested by a table (tests/unit/test_policy.c).
 */
#ifndef BG_POLICY_H
#define BG_POLICY_H

#include "state.h"

/**
 * struct bg_config - the guard's policy knobs (/etc/bulkhead/guard.conf)
 * @threshold: failures without attribution before the first step
 * @rollback_after: attributed failures before rolling content back to LKG
 * @disable_after: attributed failures on LKG (or with no LKG) before the
 *	extension is disabled
 * @crash_window: seconds; crashes after "good" attributed to one extension
 *	within this window count together
 * @crash_window_count: that many of them count as one failure
 * @probation: seconds new content must run before "good" promotes it to LKG
 * @expiry_good_boots: a guard-made disable expires after this many good
 *	boots (0: never)
 * @expiry_on_new_content: a guard-made disable expires when content newer
 *	than the one that failed is staged
 */
struct bg_config {
	uint32_t threshold;
	uint32_t rollback_after;
	uint32_t disable_after;
	uint32_t crash_window;
	uint32_t crash_window_count;
	uint32_t probation;
	uint32_t expiry_good_boots;
	bool expiry_on_new_content;
};

extern const struct bg_config bg_default_config;

void bg_policy_boot(const struct bg_state *in, const struct bg_evidence *ev,
		    const struct bg_config *cfg, int64_t now, struct bg_state *out);
void bg_policy_good(const struct bg_state *in, const struct bg_config *cfg,
		    int64_t now, struct bg_state *out);
void bg_policy_shutdown(const struct bg_state *in, int64_t now,
			struct bg_state *out);

#endif /* BG_POLICY_H */
