// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_policy.c - the escalation ladder (boot-guard/policy.c) as tables.
 *
 * Each row of boot_rows[] and good_rows[] is one named scenario, run as a
 * cmocka test of its own under the row's name: the state before (built by
 * build_state() from a compact description: the extensions, the failure
 * counts, how far the boot in progress got), the evidence gathered for
 * that boot, the configuration knobs that differ from the defaults, and
 * what must come out: the decisions appended, in order, every extension's
 * status and content versions, the machine-wide counts, and how the
 * previous boot was judged.  A new case is one new row.
 *
 * Besides what a row states, run_boot_row() and run_good_row() check what
 * must hold after every step: the input is left untouched (the functions
 * are pure), older decisions are kept as they were, every new decision
 * carries this boot's id, the time and a reason, a disable, rollback or
 * safe mode names the evidence kind in its reason (check_new_decisions()),
 * a new guard disable keeps that reason, the crashes kept are this boot's
 * or older ones still inside the window (running time and boots), a boot
 * gets the next id, the judged boot's uptime is added to the machine's
 * running time, and the loader is given the pin, else the active content.
 *
 * A few behaviours are sequences (walking the whole ladder, filling the
 * boot history and the decision log, the RTC jumping about); they are
 * plain tests after the tables, driving the same three functions the
 * guard calls on a machine with both clocks: the RTC (NOW, which a test
 * may set anywhere) and each boot's CLOCK_BOOTTIME.
 *
 * Rows and tests marked "Regression" pin down bugs these tests found in
 * policy.c, now fixed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "policy.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NOW		1700000000LL	/* "now" of every row: the wall clock */
#define HOUR		3600
#define DAY		(24 * HOUR)
#define YEAR		(365 * DAY)
/*
 * The other clock, CLOCK_BOOTTIME (bg_uptime()): boot 7, the one in
 * progress, has run UPTIME seconds at NOW; a new boot's guard runs
 * BOOT_UPTIME seconds into it, its loader at LOAD_UPTIME; the machine ran
 * RUN_TIME seconds in all the boots before boot 7.
 */
#define UPTIME		HOUR
#define BOOT_UPTIME	4
#define LOAD_UPTIME	5
#define RUN_TIME	(30 * DAY)

/* ---- the compact description of a scenario ------------------------------ */

/* how far the boot in progress got before this step */
enum reached {
	REACHED_NOTHING = 0,	/* neither good nor shutdown: a failed boot */
	REACHED_GOOD,		/* good, and no clean shutdown after it */
	REACHED_SHUTDOWN,	/* good, then a clean shutdown */
	NO_BOOT,		/* a fresh machine: no boot in progress */
};

/* an extension's status, and who disabled it */
enum how { ON = 0, OFF_BY_GUARD, OFF_BY_OPERATOR };

struct ext_in {
	const char *name;
	uint64_t active, lkg, pinned, pending;
	uint64_t chosen;		/* 0: what the last boot chose (pin, else active) */
	enum how how;
	int64_t changed_ago;		/* changed_at, seconds before NOW */
	int64_t active_ago;		/* active_since, seconds before NOW */
	/*
	 * Seconds its content has run in boot 7 by CLOCK_BOOTTIME; 0: since
	 * @active_ago, or since the loader ran if that is longer ago
	 */
	int64_t ran;
	uint32_t failures;
	uint32_t good_boots;		/* disabled_good_boots */
	/*
	 * Attributed crashes after good, oldest first, 0 ends: seconds of the
	 * machine's running time before boot 7's end as known (its uptime at
	 * good or shutdown), in boot @crash_boot (0: boot 6)
	 */
	int64_t crash_ago[BG_MAX_CRASHES];
	uint64_t crash_boot;
	uint32_t strikes;
	/*
	 * The loader's report for the boot in progress: an enabled extension
	 * ran its chosen content unless @not_run (held back: a command-line
	 * disable, a missing module, safe mode)
	 */
	bool not_run;
};

struct ext_out {
	const char *name;
	enum how how;
	uint64_t active, lkg, chosen;
	uint32_t failures;
	uint32_t crashes;		/* nr_crashes */
	uint32_t good_boots;
};

struct dec_out {
	enum bg_action action;		/* BG_ACT_NONE ends the list */
	const char *ext;
	uint64_t from, to;
};

struct ev_in {
	enum bg_evidence_kind kind;
	const char *ext;
	const char *op;
	uint64_t version;
	int64_t uptime;			/* the crash dump's latest kernel time stamp */
};

/* the knobs a row changes; 0 (false) keeps the default */
struct cfg_in {
	uint32_t threshold, rollback_after, disable_after, crash_window;
	uint32_t crash_window_count, crash_window_boots, probation, expiry_good_boots;
	uint32_t power_cut_threshold, expiry_unattributed, forget_after;
	bool no_expiry_on_new_content;
};

struct row {
	const char *name;
	/* before */
	enum reached last;
	uint32_t failures;		/* consecutive_failures */
	uint32_t unexplained;		/* unexplained_failures */
	bool safe_mode;
	struct ext_in ext[4];
	struct ev_in ev;		/* boot rows only */
	struct cfg_in cfg;
	/* after */
	struct dec_out want[6];
	struct ext_out ext_after[4];
	uint32_t failures_after, unexplained_after;
	bool safe_mode_after;
	enum bg_boot_end end;		/* boot rows: how the previous boot was judged */
};

/*
 * Names used across the rows.  X is the extension the evidence names,
 * Y a bystander whose state must not move.
 */
#define X		"bh_execwatch"
#define Y		"bh_netmon"
#define X_NEW		{ X, .active = 5, .lkg = 4, .changed_ago = HOUR, .active_ago = HOUR }
#define Y_OLD		{ Y, .active = 9, .lkg = 9, .changed_ago = 3 * DAY, .active_ago = 3 * DAY }
#define Y_SAME		{ Y, ON, 9, 9, 9 }

/* ---- boot: judge the previous boot, apply the ladder, start a new one --- */

static const struct row boot_rows[] = {
	/* the previous boot ended well */
	{
		.name = "clean_shutdown_judges_nothing",
		.last = REACHED_SHUTDOWN,
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_NONE },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME },
		.end = BG_END_CLEAN,
	},
	{
		.name = "clean_shutdown_ignores_fault_evidence",
		.last = REACHED_SHUTDOWN,
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "event", 5 },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME },
		.end = BG_END_CLEAN,
	},
	{
		.name = "power_cut_after_good_without_evidence_counts_nothing",
		.last = REACHED_GOOD,
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_NONE },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME },
		.end = BG_END_GOOD,
	},
	{
		.name = "watchdog_reset_after_good_counts_nothing",
		.last = REACHED_GOOD,
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_WATCHDOG },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME },
		.end = BG_END_GOOD,
	},

	/* a failed boot with certain attribution */
	{
		.name = "shim_fault_on_new_content_rolls_back_after_one_failure",
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "event", 5 },
		.want = { { BG_ACT_ROLLBACK, X, 5, 4 } },
		.ext_after = { { X, ON, 4, 4, 4 }, Y_SAME },
		.failures_after = 1,
		.end = BG_END_FAILED,
	},
	{
		.name = "rollback_after_2_first_failure_only_counts",
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "event", 5 },
		.cfg = { .rollback_after = 2 },
		.want = { { BG_ACT_COUNT, X, 5, 5 } },
		.ext_after = { { X, ON, 5, 4, 5, .failures = 1 }, Y_SAME },
		.failures_after = 1,
		.end = BG_END_FAILED,
	},
	{
		.name = "rollback_after_2_second_failure_rolls_back",
		.failures = 1,
		.ext = { { X, .active = 5, .lkg = 4, .failures = 1, .changed_ago = HOUR }, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "take_content", 5 },
		.cfg = { .rollback_after = 2 },
		.want = { { BG_ACT_ROLLBACK, X, 5, 4 } },
		.ext_after = { { X, ON, 4, 4, 4 }, Y_SAME },
		.failures_after = 2,
		.end = BG_END_FAILED,
	},
	{
		.name = "failure_again_on_last_known_good_disables",
		.failures = 1,
		.ext = { { X, .active = 4, .lkg = 4, .changed_ago = HOUR }, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "event", 4 },
		.want = { { BG_ACT_DISABLE, X, 4, 0 } },
		.ext_after = { { X, OFF_BY_GUARD, 4, 4, 4, .failures = 1 }, Y_SAME },
		.failures_after = 2,
		.end = BG_END_FAILED,
	},
	{
		.name = "failure_without_last_known_good_disables",
		.ext = { { X, .active = 5, .changed_ago = HOUR }, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "event", 5 },
		.want = { { BG_ACT_DISABLE, X, 5, 0 } },
		.ext_after = { { X, OFF_BY_GUARD, 5, 0, 5, .failures = 1 }, Y_SAME },
		.failures_after = 1,
		.end = BG_END_FAILED,
	},
	{
		.name = "pinned_failure_disables_without_rollback",
		.ext = { { X, .active = 5, .lkg = 4, .pinned = 3, .changed_ago = HOUR }, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "event", 3 },
		.want = { { BG_ACT_DISABLE, X, 3, 0 } },
		.ext_after = { { X, OFF_BY_GUARD, 5, 4, 3, .failures = 1 }, Y_SAME },
		.failures_after = 1,
		.end = BG_END_FAILED,
	},
	{
		.name = "disable_after_2_first_failure_on_lkg_only_counts",
		.ext = { { X, .active = 4, .lkg = 4, .changed_ago = HOUR }, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "event", 4 },
		.cfg = { .disable_after = 2 },
		.want = { { BG_ACT_COUNT, X, 4, 4 } },
		.ext_after = { { X, ON, 4, 4, 4, .failures = 1 }, Y_SAME },
		.failures_after = 1,
		.end = BG_END_FAILED,
	},
	{
		.name = "oops_in_module_with_dashes_names_extension_with_underscores",
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_OOPS_MODULE, "bh-execwatch" },
		.want = { { BG_ACT_ROLLBACK, X, 5, 4 } },
		.ext_after = { { X, ON, 4, 4, 4 }, Y_SAME },
		.failures_after = 1,
		.end = BG_END_FAILED,
	},
	{
		.name = "oops_in_module_with_underscores_names_extension_with_dashes",
		.ext = { { "bh-file-guard", .active = 12, .lkg = 11, .changed_ago = HOUR }, Y_OLD },
		.ev = { BG_EV_OOPS_MODULE, "bh_file_guard" },
		.want = { { BG_ACT_ROLLBACK, "bh-file-guard", 12, 11 } },
		.ext_after = { { "bh-file-guard", ON, 11, 11, 11 }, Y_SAME },
		.failures_after = 1,
		.end = BG_END_FAILED,
	},
	{
		.name = "loader_push_without_end_rolls_back",
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_LOADER, X, "push", 5 },
		.want = { { BG_ACT_ROLLBACK, X, 5, 4 } },
		.ext_after = { { X, ON, 4, 4, 4 }, Y_SAME },
		.failures_after = 1,
		.end = BG_END_FAILED,
	},
	{
		.name = "loader_insert_without_end_and_no_lkg_disables",
		.ext = { { X, .active = 5, .changed_ago = HOUR }, Y_OLD },
		.ev = { BG_EV_LOADER, X, "insert", 0 },
		.want = { { BG_ACT_DISABLE, X, 5, 0 } },
		.ext_after = { { X, OFF_BY_GUARD, 5, 0, 5, .failures = 1 }, Y_SAME },
		.failures_after = 1,
		.end = BG_END_FAILED,
	},

	/* a failed boot nobody can be blamed for */
	{
		.name = "oops_naming_unknown_module_is_unattributed",
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_OOPS_MODULE, "nvidia_drm" },
		.want = { { BG_ACT_COUNT, "", 0, 0 } },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME },
		.failures_after = 1,
		.end = BG_END_FAILED,
	},
	{
		/* the shim names a registered extension for sure: it joins the store */
		.name = "shim_fault_naming_extension_new_to_the_store_disables_it",
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, "bh_newcomer", "event", 2 },
		.want = { { BG_ACT_DISABLE, "bh_newcomer", 0, 0 } },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME,
			       { "bh_newcomer", OFF_BY_GUARD, 0, 0, 0, .failures = 1 } },
		.failures_after = 1,
		.end = BG_END_FAILED,
	},
	{
		.name = "loader_naming_extension_new_to_the_store_disables_it",
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_LOADER, "bh-newcomer", "insert", 0 },
		.want = { { BG_ACT_DISABLE, "bh-newcomer", 0, 0 } },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME,
			       { "bh-newcomer", OFF_BY_GUARD, 0, 0, 0, .failures = 1 } },
		.failures_after = 1,
		.end = BG_END_FAILED,
	},
	{
		.name = "panic_naming_no_extension_is_unattributed_not_unexplained",
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_PANIC },
		.want = { { BG_ACT_COUNT, "", 0, 0 } },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME },
		.failures_after = 1,
		.end = BG_END_FAILED,
	},
	{
		.name = "watchdog_reset_is_unattributed_not_unexplained",
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_WATCHDOG },
		.want = { { BG_ACT_COUNT, "", 0, 0 } },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME },
		.failures_after = 1,
		.end = BG_END_FAILED,
	},
	{
		.name = "no_evidence_counts_as_unexplained",
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_NONE },
		.want = { { BG_ACT_COUNT, "", 0, 0 } },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME },
		.failures_after = 1,
		.unexplained_after = 1,
		.end = BG_END_FAILED,
	},
	{
		.name = "second_unattributed_failure_still_only_counts",
		.failures = 1,
		.unexplained = 1,
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_NONE },
		.want = { { BG_ACT_COUNT, "", 0, 0 } },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME },
		.failures_after = 2,
		.unexplained_after = 2,
		.end = BG_END_FAILED,
	},
	{
		.name = "third_unattributed_failure_disables_most_recent_change",
		.failures = 2,
		.ext = {
			{ "bh_a", .active = 1, .lkg = 1, .changed_ago = 3 * DAY },
			{ "bh_b", .active = 2, .lkg = 2, .changed_ago = HOUR },
			{ "bh_c", .active = 3, .lkg = 3, .changed_ago = DAY },
		},
		.ev = { BG_EV_WATCHDOG },
		.want = { { BG_ACT_DISABLE, "bh_b", 2, 0 } },
		.ext_after = {
			{ "bh_a", ON, 1, 1, 1 },
			{ "bh_b", OFF_BY_GUARD, 2, 2, 2 },
			{ "bh_c", ON, 3, 3, 3 },
		},
		.failures_after = 3,
		.end = BG_END_FAILED,
	},
	{
		.name = "next_unattributed_failure_disables_next_most_recent",
		.failures = 3,
		.unexplained = 1,
		.ext = {
			{ "bh_a", .active = 1, .lkg = 1, .changed_ago = 3 * DAY },
			{ "bh_b", .active = 2, .lkg = 2, .changed_ago = HOUR, .how = OFF_BY_GUARD },
			{ "bh_c", .active = 3, .lkg = 3, .changed_ago = DAY },
		},
		.ev = { BG_EV_NONE },
		.want = { { BG_ACT_DISABLE, "bh_c", 3, 0 } },
		.ext_after = {
			{ "bh_a", ON, 1, 1, 1 },
			{ "bh_b", OFF_BY_GUARD, 2, 2, 2 },
			{ "bh_c", OFF_BY_GUARD, 3, 3, 3 },
		},
		.failures_after = 4,
		.unexplained_after = 2,
		.end = BG_END_FAILED,
	},
	{
		.name = "unattributed_step_skips_operator_disabled_extension",
		.failures = 2,
		.ext = {
			{ "bh_a", .active = 1, .lkg = 1, .changed_ago = 3 * DAY },
			{ "bh_b", .active = 2, .lkg = 2, .changed_ago = HOUR, .how = OFF_BY_OPERATOR },
		},
		.ev = { BG_EV_PANIC },
		.want = { { BG_ACT_DISABLE, "bh_a", 1, 0 } },
		.ext_after = {
			{ "bh_a", OFF_BY_GUARD, 1, 1, 1 },
			{ "bh_b", OFF_BY_OPERATOR, 2, 2, 2 },
		},
		.failures_after = 3,
		.end = BG_END_FAILED,
	},
	{
		.name = "no_enabled_extension_left_means_safe_mode",
		.failures = 5,
		.ext = {
			{ "bh_a", .active = 1, .lkg = 1, .changed_ago = 3 * DAY, .how = OFF_BY_GUARD },
			{ "bh_b", .active = 2, .lkg = 2, .changed_ago = HOUR, .how = OFF_BY_GUARD },
			{ "bh_c", .active = 3, .lkg = 3, .changed_ago = DAY, .how = OFF_BY_OPERATOR },
		},
		.ev = { BG_EV_PANIC },
		.want = { { BG_ACT_SAFE_MODE, "", 0, 0 } },
		.ext_after = {
			{ "bh_a", OFF_BY_GUARD, 1, 1, 1 },
			{ "bh_b", OFF_BY_GUARD, 2, 2, 2 },
			{ "bh_c", OFF_BY_OPERATOR, 3, 3, 3 },
		},
		.failures_after = 6,
		.safe_mode_after = true,
		.end = BG_END_FAILED,
	},
	{
		/*
		 * Regression: an image built with no extension yet went into
		 * safe mode after three resets and kept it in the golden image.
		 */
		.name = "no_extensions_at_all_never_means_safe_mode",
		.failures = 7,
		.unexplained = 3,
		.ev = { BG_EV_WATCHDOG },
		.want = { { BG_ACT_COUNT, "", 0, 0 } },
		.failures_after = 8,
		.unexplained_after = 3,
		.end = BG_END_FAILED,
	},
	{
		.name = "in_safe_mode_further_failures_add_no_decision",
		.failures = 6,
		.safe_mode = true,
		.ext = {
			{ "bh_a", .active = 1, .lkg = 1, .changed_ago = 3 * DAY, .how = OFF_BY_GUARD },
			{ "bh_b", .active = 2, .lkg = 2, .changed_ago = HOUR, .how = OFF_BY_GUARD },
		},
		.ev = { BG_EV_WATCHDOG },
		.ext_after = {
			{ "bh_a", OFF_BY_GUARD, 1, 1, 1 },
			{ "bh_b", OFF_BY_GUARD, 2, 2, 2 },
		},
		.failures_after = 7,
		.safe_mode_after = true,
		.end = BG_END_FAILED,
	},
	{
		.name = "threshold_1_disables_on_first_unattributed_hang",
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_WATCHDOG },
		.cfg = { .threshold = 1 },
		.want = { { BG_ACT_DISABLE, X, 5, 0 } },
		.ext_after = { { X, OFF_BY_GUARD, 5, 4, 5 }, Y_SAME },
		.failures_after = 1,
		.end = BG_END_FAILED,
	},
	{
		/*
		 * Regression: three power cuts disabled the sensor that
		 * changed last.  A boot that left no evidence at all waits
		 * for power_cut_threshold, whatever threshold says.
		 */
		.name = "power_cuts_alone_wait_for_power_cut_threshold",
		.failures = 4,
		.unexplained = 4,
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_NONE },
		.cfg = { .threshold = 1 },
		.want = { { BG_ACT_COUNT, "", 0, 0 } },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME },
		.failures_after = 5,
		.unexplained_after = 5,
		.end = BG_END_FAILED,
	},
	{
		.name = "sixth_power_cut_disables_most_recent_change",
		.failures = 5,
		.unexplained = 5,
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_NONE },
		.want = { { BG_ACT_DISABLE, X, 5, 0 } },
		.ext_after = { { X, OFF_BY_GUARD, 5, 4, 5 }, Y_SAME },
		.failures_after = 6,
		.unexplained_after = 6,
		.end = BG_END_FAILED,
	},
	{
		/* the guess picks what ran in the failed boot, not what was held back */
		.name = "unattributed_step_skips_extension_that_did_not_run",
		.failures = 2,
		.ext = {
			{ "bh_a", .active = 1, .lkg = 1, .changed_ago = 3 * DAY },
			{ "bh_b", .active = 2, .lkg = 2, .changed_ago = HOUR, .not_run = true },
		},
		.ev = { BG_EV_WATCHDOG },
		.want = { { BG_ACT_DISABLE, "bh_a", 1, 0 } },
		.ext_after = {
			{ "bh_a", OFF_BY_GUARD, 1, 1, 1 },
			{ "bh_b", ON, 2, 2, 2 },
		},
		.failures_after = 3,
		.end = BG_END_FAILED,
	},

	/* a crash after the boot completed */
	{
		.name = "first_crash_after_good_counts_against_extension",
		.last = REACHED_GOOD,
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "event", 5 },
		.want = { { BG_ACT_COUNT, X, 5, 5 } },
		.ext_after = { { X, ON, 5, 4, 5, .crashes = 1 }, Y_SAME },
		.end = BG_END_CRASH_AFTER_GOOD,
	},
	{
		.name = "second_crash_after_good_within_window_rolls_back",
		.last = REACHED_GOOD,
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = DAY, .crash_ago = { 1800 } }, Y_OLD },
		.ev = { BG_EV_OOPS_MODULE, X },
		.want = { { BG_ACT_ROLLBACK, X, 5, 4 } },
		.ext_after = { { X, ON, 4, 4, 4 }, Y_SAME },
		.end = BG_END_CRASH_AFTER_GOOD,
	},
	{
		.name = "crash_just_inside_window_counts_together",
		.last = REACHED_GOOD,
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = DAY, .crash_ago = { 3599 } }, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "event", 5 },
		.want = { { BG_ACT_ROLLBACK, X, 5, 4 } },
		.ext_after = { { X, ON, 4, 4, 4 }, Y_SAME },
		.end = BG_END_CRASH_AFTER_GOOD,
	},
	{
		.name = "crash_outside_window_is_forgotten",
		.last = REACHED_GOOD,
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = DAY,
			   .crash_ago = { 2 * HOUR, HOUR } }, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "event", 5 },
		.want = { { BG_ACT_COUNT, X, 5, 5 } },
		.ext_after = { { X, ON, 5, 4, 5, .crashes = 1 }, Y_SAME },
		.end = BG_END_CRASH_AFTER_GOOD,
	},
	{
		.name = "crash_window_count_3_second_crash_only_counts",
		.last = REACHED_GOOD,
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = DAY, .crash_ago = { 600 } }, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "event", 5 },
		.cfg = { .crash_window_count = 3 },
		.want = { { BG_ACT_COUNT, X, 5, 5 } },
		.ext_after = { { X, ON, 5, 4, 5, .crashes = 2 }, Y_SAME },
		.end = BG_END_CRASH_AFTER_GOOD,
	},
	{
		.name = "crash_window_count_3_third_crash_rolls_back",
		.last = REACHED_GOOD,
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = DAY,
			   .crash_ago = { 1200, 600 } }, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "event", 5 },
		.cfg = { .crash_window_count = 3 },
		.want = { { BG_ACT_ROLLBACK, X, 5, 4 } },
		.ext_after = { { X, ON, 4, 4, 4 }, Y_SAME },
		.end = BG_END_CRASH_AFTER_GOOD,
	},
	{
		/* boot 7's crash dump says it ran two hours: the window is past */
		.name = "crash_dump_time_shows_the_boot_ran_past_the_window",
		.last = REACHED_GOOD,
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = DAY, .crash_ago = { 1800 } }, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "event", 5, .uptime = 2 * HOUR },
		.want = { { BG_ACT_COUNT, X, 5, 5 } },
		.ext_after = { { X, ON, 5, 4, 5, .crashes = 1 }, Y_SAME },
		.end = BG_END_CRASH_AFTER_GOOD,
	},
	{
		/* however little the boots between ran: power cuts after good, say */
		.name = "crash_window_boots_3_forgets_a_crash_three_boots_back",
		.last = REACHED_GOOD,
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = DAY, .crash_ago = { 600 },
			   .crash_boot = 4 }, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "event", 5 },
		.cfg = { .crash_window_boots = 3 },
		.want = { { BG_ACT_COUNT, X, 5, 5 } },
		.ext_after = { { X, ON, 5, 4, 5, .crashes = 1 }, Y_SAME },
		.end = BG_END_CRASH_AFTER_GOOD,
	},
	{
		.name = "crash_window_boots_3_keeps_a_crash_two_boots_back",
		.last = REACHED_GOOD,
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = DAY, .crash_ago = { 600 },
			   .crash_boot = 5 }, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "event", 5 },
		.cfg = { .crash_window_boots = 3 },
		.want = { { BG_ACT_ROLLBACK, X, 5, 4 } },
		.ext_after = { { X, ON, 4, 4, 4 }, Y_SAME },
		.end = BG_END_CRASH_AFTER_GOOD,
	},
	{
		/* a window of fewer boots than crashes to count would never count */
		.name = "crash_window_boots_below_the_count_still_counts_consecutive_crashes",
		.last = REACHED_GOOD,
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = DAY, .crash_ago = { 600 } }, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "event", 5 },
		.cfg = { .crash_window_boots = 1 },
		.want = { { BG_ACT_ROLLBACK, X, 5, 4 } },
		.ext_after = { { X, ON, 4, 4, 4 }, Y_SAME },
		.end = BG_END_CRASH_AFTER_GOOD,
	},
	{
		/* stamped later than the machine has run: not this history, dropped */
		.name = "crash_stamped_ahead_of_the_running_time_is_dropped",
		.last = REACHED_GOOD,
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = DAY, .crash_ago = { -600 } }, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "event", 5 },
		.want = { { BG_ACT_COUNT, X, 5, 5 } },
		.ext_after = { { X, ON, 5, 4, 5, .crashes = 1 }, Y_SAME },
		.end = BG_END_CRASH_AFTER_GOOD,
	},
	{
		.name = "repeated_crashes_after_good_on_lkg_disable",
		.last = REACHED_GOOD,
		.ext = { { X, .active = 4, .lkg = 4, .changed_ago = DAY, .crash_ago = { 600 } }, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "event", 4 },
		.want = { { BG_ACT_DISABLE, X, 4, 0 } },
		.ext_after = { { X, OFF_BY_GUARD, 4, 4, 4, .failures = 1 }, Y_SAME },
		.end = BG_END_CRASH_AFTER_GOOD,
	},
	{
		.name = "crash_after_good_naming_unknown_module_counts_nothing",
		.last = REACHED_GOOD,
		.ext = { X_NEW, Y_OLD },
		.ev = { BG_EV_OOPS_MODULE, "nvidia_drm" },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME },
		.end = BG_END_GOOD,
	},

	/* a crash while staging new content drops it; the old content stays */
	{
		.name = "crash_pushing_staged_content_drops_it",
		.last = REACHED_GOOD,
		.ext = { { X, .active = 5, .lkg = 4, .pending = 6, .changed_ago = HOUR }, Y_OLD },
		.ev = { BG_EV_LOADER, X, "push", 6 },
		.want = { { BG_ACT_ROLLBACK, X, 6, 5 } },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME },
		.failures_after = 0,
		.end = BG_END_CRASH_AFTER_GOOD,
	},
	{
		.name = "shim_fault_taking_staged_content_drops_it",
		.last = REACHED_NOTHING,
		.ext = { { X, .active = 4, .lkg = 4, .pending = 6, .changed_ago = HOUR }, Y_OLD },
		.ev = { BG_EV_SHIM_FAULT, X, "take_content", 6 },
		.want = { { BG_ACT_ROLLBACK, X, 6, 4 } },
		.ext_after = { { X, ON, 4, 4, 4 }, Y_SAME },
		.failures_after = 1,
		.end = BG_END_FAILED,
	},

	/* a guard-made disable ends when newer content is staged */
	{
		/*
		 * Regression: the extension is re-enabled and the decision says it
		 * goes to the staged content 6, but the loader is still given
		 * content 5, the one that failed (chosen = active = 5).
		 */
		.name = "newer_staged_content_lifts_guard_disable_and_is_chosen",
		.last = REACHED_SHUTDOWN,
		.ext = { { X, .active = 5, .pending = 6, .changed_ago = HOUR,
			   .how = OFF_BY_GUARD, .failures = 1 }, Y_OLD },
		.ev = { BG_EV_NONE },
		.want = { { BG_ACT_ENABLE, X, 5, 6 } },
		.ext_after = { { X, ON, 6, 0, 6 }, Y_SAME },
		.end = BG_END_CLEAN,
	},
	{
		.name = "newer_staged_content_lifts_nothing_with_expiry_on_new_content_off",
		.last = REACHED_SHUTDOWN,
		.ext = { { X, .active = 5, .pending = 6, .changed_ago = HOUR,
			   .how = OFF_BY_GUARD, .failures = 1 }, Y_OLD },
		.ev = { BG_EV_NONE },
		.cfg = { .no_expiry_on_new_content = true },
		.ext_after = { { X, OFF_BY_GUARD, 5, 0, 5, .failures = 1 }, Y_SAME },
		.end = BG_END_CLEAN,
	},
	{
		.name = "staged_content_not_newer_keeps_guard_disable",
		.last = REACHED_SHUTDOWN,
		.ext = { { X, .active = 5, .pending = 5, .changed_ago = HOUR,
			   .how = OFF_BY_GUARD, .failures = 1 }, Y_OLD },
		.ev = { BG_EV_NONE },
		.ext_after = { { X, OFF_BY_GUARD, 5, 0, 5, .failures = 1 }, Y_SAME },
		.end = BG_END_CLEAN,
	},
	{
		.name = "operator_disable_ignores_newer_staged_content",
		.last = REACHED_SHUTDOWN,
		.ext = { { X, .active = 5, .pending = 6, .changed_ago = HOUR,
			   .how = OFF_BY_OPERATOR }, Y_OLD },
		.ev = { BG_EV_NONE },
		.ext_after = { { X, OFF_BY_OPERATOR, 5, 0, 5 }, Y_SAME },
		.end = BG_END_CLEAN,
	},

	/* what the loader is given */
	{
		.name = "boot_chooses_the_pin_else_the_active_content",
		.last = REACHED_SHUTDOWN,
		.ext = {
			/* pinned (to older content) by the operator after the last boot */
			{ X, .active = 5, .lkg = 4, .pinned = 3, .chosen = 5, .changed_ago = HOUR },
			/* content activated after the last boot chose */
			{ Y, .active = 10, .lkg = 9, .chosen = 9, .changed_ago = 60, .active_ago = 60 },
		},
		.ev = { BG_EV_NONE },
		.ext_after = { { X, ON, 5, 4, 3 }, { Y, ON, 10, 9, 10 } },
		.end = BG_END_CLEAN,
	},
	{
		.name = "first_boot_of_a_fresh_machine_judges_nothing",
		.last = NO_BOOT,
		.ext = { X_NEW },
		.ev = { BG_EV_NONE },
		.ext_after = { { X, ON, 5, 4, 5 } },
	},
};

/* ---- good: the boot in progress is healthy ------------------------------ */

static const struct row good_rows[] = {
	{
		.name = "good_clears_failure_counts",
		.failures = 2,
		.unexplained = 2,
		.ext = { { X, .active = 4, .lkg = 4, .failures = 1, .changed_ago = DAY,
			   .active_ago = DAY }, Y_OLD },
		.ext_after = { { X, ON, 4, 4, 4 }, Y_SAME },
	},
	{
		.name = "good_promotes_content_that_served_its_probation",
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = 300, .active_ago = 300 }, Y_OLD },
		.want = { { BG_ACT_PROMOTE, X, 4, 5 } },
		.ext_after = { { X, ON, 5, 5, 5 }, Y_SAME },
	},
	{
		/*
		 * Regression: the boot ran with bulkhead.disable=X (or its
		 * module missing, or the loader in safe mode), yet "good"
		 * made content 5 last-known-good, and staging then pruned 4.
		 */
		.name = "good_does_not_promote_content_that_did_not_run",
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = HOUR, .active_ago = HOUR,
			   .not_run = true }, Y_OLD },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME },
	},
	{
		.name = "good_keeps_content_still_on_probation",
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = 299, .active_ago = 299 }, Y_OLD },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME },
	},
	{
		/*
		 * Regression: the RTC jumped a day ahead after content 5 was
		 * staged, so it looked active for a day; it had run 60 s, and
		 * "good" made it last-known-good at once.
		 */
		.name = "rtc_set_ahead_after_staging_still_waits_for_probation",
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = DAY, .active_ago = DAY,
			   .ran = 60 }, Y_OLD },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME },
	},
	{
		/*
		 * Regression: the RTC was set back a year after content 5 was
		 * staged, so it looked active from a year ahead of now; it
		 * had run 400 s, and "good" never promoted it.
		 */
		.name = "rtc_set_back_after_staging_still_promotes_after_probation",
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = -YEAR, .active_ago = -YEAR,
			   .ran = 400 }, Y_OLD },
		.want = { { BG_ACT_PROMOTE, X, 4, 5 } },
		.ext_after = { { X, ON, 5, 5, 5 }, Y_SAME },
	},
	{
		/* probation counts from when it began to run this boot, not from staging */
		.name = "content_staged_long_ago_waits_for_probation_in_this_boot",
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = DAY, .active_ago = DAY,
			   .ran = 299 }, Y_OLD },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME },
	},
	{
		/* a state from before load.uptime: it ran since the loader, early in the boot */
		.name = "probation_without_a_recorded_start_counts_from_the_boot",
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = DAY, .active_ago = DAY,
			   .ran = UPTIME }, Y_OLD },
		.want = { { BG_ACT_PROMOTE, X, 4, 5 } },
		.ext_after = { { X, ON, 5, 5, 5 }, Y_SAME },
	},
	{
		.name = "good_promotes_first_content_without_lkg",
		.ext = { { X, .active = 5, .changed_ago = HOUR, .active_ago = HOUR }, Y_OLD },
		.want = { { BG_ACT_PROMOTE, X, 0, 5 } },
		.ext_after = { { X, ON, 5, 5, 5 }, Y_SAME },
	},
	{
		.name = "probation_600_keeps_content_that_ran_599_s",
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = 599, .active_ago = 599 }, Y_OLD },
		.cfg = { .probation = 600 },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME },
	},
	{
		.name = "good_does_not_promote_disabled_extension",
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = DAY, .active_ago = DAY,
			   .how = OFF_BY_GUARD, .failures = 1 }, Y_OLD },
		.ext_after = { { X, OFF_BY_GUARD, 5, 4, 5, .failures = 1, .good_boots = 1 }, Y_SAME },
	},
	{
		.name = "guard_disable_expires_after_configured_good_boots",
		.ext = { { X, .active = 5, .changed_ago = DAY, .active_ago = DAY,
			   .how = OFF_BY_GUARD, .failures = 1, .good_boots = 1 }, Y_OLD },
		.cfg = { .expiry_good_boots = 2 },
		.want = { { BG_ACT_ENABLE, X, 5, 5 } },
		.ext_after = { { X, ON, 5, 0, 5, .good_boots = 2 }, Y_SAME },
	},
	{
		.name = "guard_disable_waits_for_configured_good_boots",
		.ext = { { X, .active = 5, .changed_ago = DAY, .active_ago = DAY,
			   .how = OFF_BY_GUARD, .failures = 1 }, Y_OLD },
		.cfg = { .expiry_good_boots = 2 },
		.ext_after = { { X, OFF_BY_GUARD, 5, 0, 5, .failures = 1, .good_boots = 1 }, Y_SAME },
	},
	{
		.name = "guard_disable_never_expires_by_default",
		.ext = { { X, .active = 5, .changed_ago = DAY, .active_ago = DAY,
			   .how = OFF_BY_GUARD, .failures = 1, .good_boots = 50 }, Y_OLD },
		.ext_after = { { X, OFF_BY_GUARD, 5, 0, 5, .failures = 1, .good_boots = 51 }, Y_SAME },
	},
	{
		.name = "operator_disable_never_expires",
		.ext = { { X, .active = 5, .changed_ago = DAY, .active_ago = DAY,
			   .how = OFF_BY_OPERATOR }, Y_OLD },
		.cfg = { .expiry_good_boots = 1 },
		.ext_after = { { X, OFF_BY_OPERATOR, 5, 0, 5 }, Y_SAME },
	},
	{
		.name = "good_in_safe_mode_promotes_nothing",
		.failures = 6,
		.safe_mode = true,
		.ext = { { X, .active = 5, .lkg = 4, .changed_ago = DAY, .active_ago = DAY }, Y_OLD },
		.ext_after = { { X, ON, 5, 4, 5 }, Y_SAME },
		.safe_mode_after = true,
	},
	{
		.name = "good_again_in_one_boot_keeps_the_first_mark",
		.last = REACHED_GOOD,
		.ext = { { X, .active = 5, .lkg = 5, .changed_ago = DAY, .active_ago = DAY }, Y_OLD },
		.ext_after = { { X, ON, 5, 5, 5 }, Y_SAME },
	},
	{
		/*
		 * Regression: a second "good" in the same boot (the unit restarted,
		 * or an operator ran it by hand) counts as another good boot
		 * and ends the disable a boot early.
		 */
		.name = "second_good_in_one_boot_is_not_another_good_boot",
		.last = REACHED_GOOD,
		.ext = { { X, .active = 5, .changed_ago = DAY, .active_ago = DAY,
			   .how = OFF_BY_GUARD, .failures = 1, .good_boots = 1 }, Y_OLD },
		.cfg = { .expiry_good_boots = 2 },
		.ext_after = { { X, OFF_BY_GUARD, 5, 0, 5, .failures = 1, .good_boots = 1 }, Y_SAME },
	},
};

/* ---- building the state a row describes --------------------------------- */

/*
 * cmocka leaves a failing test by longjmp, past any cleanup attribute:
 * states are recorded here and freed by the teardown, so that a failing
 * row does not also show up as a leak under ASan.
 */
static void *owned[16];
static unsigned int nr_owned;

static struct bg_state *new_state(void)
{
	struct bg_state *st = calloc(1, sizeof(*st));

	assert_non_null(st);
	assert_true(nr_owned < ARRAY_SIZE(owned));
	owned[nr_owned++] = st;
	return st;
}

static int free_states(void **state)
{
	(void)state;
	while (nr_owned)
		free(owned[--nr_owned]);
	return 0;
}

static struct bg_boot *add_boot(struct bg_state *st, uint64_t id, int64_t started,
				enum bg_boot_end end)
{
	struct bg_boot *b = &st->boots[st->nr_boots++];

	b->id = id;
	b->started = started;
	b->good_at = end == BG_END_RUNNING ? 0 : started + 120;
	b->shutdown_at = end == BG_END_CLEAN ? started + HOUR : 0;
	b->uptime = end == BG_END_CLEAN ? HOUR : end == BG_END_RUNNING ? BOOT_UPTIME : 120;
	b->end = end;
	return b;
}

static void add_ext(struct bg_state *st, const struct ext_in *d)
{
	struct bg_ext *e = bg_state_ext(st, d->name, true);
	uint32_t i;

	if (!e)
		fail_msg("fixture: cannot add extension '%s'", d->name);
	e->active = d->active;
	e->lkg = d->lkg;
	e->lkg_since = d->lkg ? NOW - 7 * DAY : 0;
	e->pinned = d->pinned;
	e->pending = d->pending;
	e->chosen = d->chosen ? d->chosen : d->pinned ? d->pinned : d->active;
	e->changed_at = NOW - d->changed_ago;
	e->active_since = NOW - (d->active_ago ? d->active_ago : d->changed_ago);
	e->failures = d->failures;
	e->disabled_good_boots = d->good_boots;
	if (d->how != ON) {
		e->status = BG_EXT_DISABLED;
		e->disabled_by_guard = d->how == OFF_BY_GUARD;
		e->disabled_at = NOW - 2 * DAY;
		snprintf(e->reason, sizeof(e->reason), "%s", d->how == OFF_BY_GUARD ?
			 "fixture: disabled by the guard earlier" : "disabled by operator");
	}
	for (i = 0; i < BG_MAX_CRASHES && d->crash_ago[i]; i++) {
		const struct bg_boot *b = st->current_boot ? bg_state_boot(st, st->current_boot) : NULL;
		struct bg_crash *c = &e->crashes[e->nr_crashes++];

		c->boot = d->crash_boot ? d->crash_boot : 6;
		c->run_time = st->run_time + (b ? b->uptime : 0) - d->crash_ago[i];
		c->at = NOW - d->crash_ago[i];
	}
	e->strikes = d->strikes;
	if (d->how == ON && !d->not_run && st->current_boot) {
		e->load_boot = st->current_boot;
		snprintf(e->load_result, sizeof(e->load_result), "loaded");
		e->load_version = e->chosen;
		if (d->ran)
			e->load_uptime = UPTIME - d->ran;
		else if (d->active_ago && d->active_ago < UPTIME - LOAD_UPTIME)
			e->load_uptime = UPTIME - d->active_ago;
		else
			e->load_uptime = LOAD_UPTIME;
	}
}

/*
 * History: boots 5 and 6 ended well, boot 7 is the one in progress, and
 * the log holds two older decisions, so every row also shows that new
 * decisions are appended and old ones kept.
 */
static struct bg_state *build_state(const struct row *r)
{
	struct bg_state *st = new_state();
	struct bg_boot *b;
	size_t i;

	st->consecutive_failures = r->failures;
	st->unexplained_failures = r->unexplained;
	/* the rows' failure history is unattributed: crashes and hangs, power cuts */
	st->hang_failures = r->failures - r->unexplained;
	st->safe_mode = r->safe_mode;
	if (r->safe_mode)
		snprintf(st->safe_mode_reason, sizeof(st->safe_mode_reason),
			 "fixture: safe mode since an earlier boot");
	if (r->last == NO_BOOT) {
		st->next_boot_id = 1;
	} else {
		st->next_boot_id = 8;
		add_boot(st, 5, NOW - 3 * DAY, BG_END_CLEAN);
		add_boot(st, 6, NOW - 2 * DAY, BG_END_GOOD);
		b = add_boot(st, 7, NOW - HOUR, BG_END_RUNNING);
		if (r->last != REACHED_NOTHING) {
			b->good_at = NOW - HOUR + 120;
			b->uptime = 120;
		}
		if (r->last == REACHED_SHUTDOWN) {
			b->shutdown_at = NOW - 60;
			b->uptime = UPTIME - 60;
		}
		st->run_time = RUN_TIME;
		st->current_boot = 7;
		bg_state_decide(st, 5, NOW - 3 * DAY, BG_ACT_PROMOTE, "bh_old", 1, 2,
				"fixture: an older decision");
		bg_state_decide(st, 6, NOW - 2 * DAY, BG_ACT_COUNT, "", 0, 0,
				"fixture: another older decision");
	}
	if (r->last != NO_BOOT)
		st->current_boot = 7;
	for (i = 0; i < ARRAY_SIZE(r->ext) && r->ext[i].name; i++)
		add_ext(st, &r->ext[i]);
	return st;
}

static struct bg_evidence evidence(enum bg_evidence_kind kind, const char *ext,
				   const char *op, uint64_t version)
{
	struct bg_evidence ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	snprintf(ev.extension, sizeof(ev.extension), "%s", ext ? ext : "");
	snprintf(ev.op, sizeof(ev.op), "%s", op ? op : "");
	ev.content_version = version;
	ev.panic = kind == BG_EV_PANIC || kind == BG_EV_OOPS_MODULE || kind == BG_EV_SHIM_FAULT;
	ev.oops = kind == BG_EV_OOPS_MODULE || kind == BG_EV_SHIM_FAULT;
	ev.watchdog_reset = kind == BG_EV_WATCHDOG;
	snprintf(ev.detail, sizeof(ev.detail), "fixture: %s evidence",
		 bg_evidence_kind_name(kind));
	return ev;
}

static struct bg_config row_config(const struct cfg_in *c)
{
	struct bg_config cfg = bg_default_config;

#define KNOB(k) do { if (c->k) cfg.k = c->k; } while (0)
	KNOB(threshold);
	KNOB(rollback_after);
	KNOB(disable_after);
	KNOB(crash_window);
	KNOB(crash_window_count);
	KNOB(crash_window_boots);
	KNOB(probation);
	KNOB(expiry_good_boots);
	KNOB(power_cut_threshold);
	KNOB(expiry_unattributed);
	KNOB(forget_after);
#undef KNOB
	if (c->no_expiry_on_new_content)
		cfg.expiry_on_new_content = false;
	return cfg;
}

/* ---- what must hold after every step ------------------------------------ */

static const char *how_name(enum how h)
{
	return h == ON ? "enabled" : h == OFF_BY_GUARD ? "disabled by the guard" :
		"disabled by an operator";
}

static enum how ext_how(const struct bg_ext *e)
{
	if (e->status == BG_EXT_ENABLED)
		return ON;
	return e->disabled_by_guard ? OFF_BY_GUARD : OFF_BY_OPERATOR;
}

/* the decisions from @from on, one per line, for failure messages */
static const char *describe(const struct bg_state *st, uint32_t from)
{
	static char buf[4096];
	size_t n = 0;
	uint32_t i;

	buf[0] = '\0';
	for (i = from; i < st->nr_decisions && n < sizeof(buf) - 1; i++) {
		const struct bg_decision *d = &st->decisions[i];
		int w = snprintf(buf + n, sizeof(buf) - n, "\n  %s '%s' %llu -> %llu: %s",
				 bg_action_name(d->action), d->extension,
				 (unsigned long long)d->from_version,
				 (unsigned long long)d->to_version, d->reason);

		if (w < 0)
			break;
		n += (size_t)w;
	}
	if (from >= st->nr_decisions)
		snprintf(buf, sizeof(buf), " (none)");
	return buf;
}

static bool names_evidence(enum bg_action a)
{
	return a == BG_ACT_DISABLE || a == BG_ACT_ROLLBACK || a == BG_ACT_SAFE_MODE;
}

/*
 * The decisions @out has beyond @in: appended after the old ones (which
 * stay as they were), stamped with @boot_id and @now, each with a reason;
 * a disable, rollback or safe mode names the evidence kind.  Returns the
 * index of the first new one.
 */
static uint32_t check_new_decisions(const struct bg_state *in, const struct bg_state *out,
				    const struct bg_evidence *ev, uint64_t boot_id, int64_t now)
{
	uint32_t kept, i;

	/* when the log is full the oldest entries go: match what is left */
	kept = in->nr_decisions;
	if (out->nr_decisions < kept)
		fail_msg("the decision log shrank from %u to %u", in->nr_decisions,
			 out->nr_decisions);
	for (i = 0; i <= in->nr_decisions; i++) {
		uint32_t n = in->nr_decisions - i;

		if (n <= out->nr_decisions &&
		    !memcmp(out->decisions, in->decisions + i, n * sizeof(in->decisions[0])))
			break;
	}
	kept = in->nr_decisions - i;
	if (in->nr_decisions && !kept)
		fail_msg("older decisions were changed");
	for (i = kept; i < out->nr_decisions; i++) {
		const struct bg_decision *d = &out->decisions[i];

		assert_int_equal(d->boot_id, boot_id);
		assert_int_equal(d->at, now);
		if (!d->reason[0])
			fail_msg("decision %s '%s' has no reason", bg_action_name(d->action),
				 d->extension);
		if (ev && names_evidence(d->action) &&
		    !strstr(d->reason, bg_evidence_kind_name(ev->kind)))
			fail_msg("%s '%s': reason '%s' does not name the evidence kind '%s'",
				 bg_action_name(d->action), d->extension, d->reason,
				 bg_evidence_kind_name(ev->kind));
	}
	return kept;
}

static void check_row_decisions(const struct row *r, const struct bg_state *out,
				uint32_t first)
{
	uint32_t nwant = 0, i;

	while (nwant < ARRAY_SIZE(r->want) && r->want[nwant].action != BG_ACT_NONE)
		nwant++;
	if (out->nr_decisions - first != nwant)
		fail_msg("%u decision(s) wanted, got %u:%s", nwant, out->nr_decisions - first,
			 describe(out, first));
	for (i = 0; i < nwant; i++) {
		const struct bg_decision *d = &out->decisions[first + i];
		const struct dec_out *w = &r->want[i];

		if (d->action != w->action || strcmp(d->extension, w->ext) ||
		    d->from_version != w->from || d->to_version != w->to)
			fail_msg("decision %u: wanted %s '%s' %llu -> %llu; got:%s", i,
				 bg_action_name(w->action), w->ext,
				 (unsigned long long)w->from, (unsigned long long)w->to,
				 describe(out, first));
	}
}

/*
 * The crashes an extension keeps after a step: the one judged now (last:
 * the judged boot, the machine's running time with it counted, NOW) and
 * older ones from before, oldest first, still inside the window both in
 * running time and in boots.
 */
static void check_crashes(const struct bg_ext *e, const struct bg_ext *was,
			  const struct bg_state *in, const struct bg_state *out,
			  const struct bg_config *cfg)
{
	uint64_t boots = cfg->crash_window_boots > cfg->crash_window_count ?
			 cfg->crash_window_boots : cfg->crash_window_count;
	uint64_t judged = in->current_boot;
	uint32_t i, j = 0;

	for (i = 0; i < e->nr_crashes; i++) {
		const struct bg_crash *c = &e->crashes[i];

		if (i == e->nr_crashes - 1 && c->boot == judged && c->at == NOW &&
		    c->run_time == out->run_time && out->current_boot != judged)
			continue;
		while (was && j < was->nr_crashes &&
		       memcmp(&was->crashes[j], c, sizeof(*c)))
			j++;
		if (!was || j == was->nr_crashes ||
		    out->run_time - c->run_time >= (int64_t)cfg->crash_window ||
		    judged - c->boot >= boots)
			fail_msg("%s: crash %u (boot %llu, %lld s of running time ago) was not kept "
				 "from before within the window", e->name, i,
				 (unsigned long long)c->boot, (long long)(out->run_time - c->run_time));
	}
}

static void check_row_extensions(const struct row *r, const struct bg_state *in,
				 const struct bg_state *out, uint32_t first)
{
	struct bg_config cfg = row_config(&r->cfg);

	uint32_t i, j, nwant = 0;

	while (nwant < ARRAY_SIZE(r->ext_after) && r->ext_after[nwant].name)
		nwant++;
	/* extensions are added (evidence naming one the store did not know), never dropped */
	assert_true(out->nr_ext >= in->nr_ext);
	assert_memory_equal(out->ext + out->nr_ext, in->ext + out->nr_ext,
			    sizeof(in->ext[0]) * (BG_MAX_EXT - out->nr_ext));
	for (i = 0; i < out->nr_ext; i++) {
		const struct bg_ext *e = &out->ext[i];
		const struct bg_ext *was = i < in->nr_ext ? &in->ext[i] : NULL;
		const struct ext_out *w;

		if (i >= nwant)
			fail_msg("row lists no outcome for extension '%s'", e->name);
		w = &r->ext_after[i];
		assert_string_equal(e->name, w->name);
		if (ext_how(e) != w->how)
			fail_msg("%s: %s, wanted %s", e->name, how_name(ext_how(e)),
				 how_name(w->how));
		if (e->active != w->active || e->lkg != w->lkg || e->chosen != w->chosen)
			fail_msg("%s: active %llu lkg %llu chosen %llu, wanted %llu %llu %llu",
				 e->name, (unsigned long long)e->active,
				 (unsigned long long)e->lkg, (unsigned long long)e->chosen,
				 (unsigned long long)w->active, (unsigned long long)w->lkg,
				 (unsigned long long)w->chosen);
		if (e->failures != w->failures || e->nr_crashes != w->crashes ||
		    e->disabled_good_boots != w->good_boots)
			fail_msg("%s: failures %u crashes %u good boots %u, wanted %u %u %u",
				 e->name, e->failures, e->nr_crashes, e->disabled_good_boots,
				 w->failures, w->crashes, w->good_boots);
		check_crashes(e, was, in, out, &cfg);
		if (was && e->active != was->active)
			assert_int_equal(e->active_since, NOW);
		if (was && e->lkg != was->lkg)
			assert_int_equal(e->lkg_since, NOW);
		/* a new guard disable says why, in the words of its decision */
		if (ext_how(e) == OFF_BY_GUARD && (!was || ext_how(was) != OFF_BY_GUARD)) {
			assert_int_equal(e->disabled_at, NOW);
			assert_int_equal(e->disabled_good_boots, 0);
			for (j = first; j < out->nr_decisions; j++)
				if (out->decisions[j].action == BG_ACT_DISABLE &&
				    !strcmp(out->decisions[j].extension, e->name))
					break;
			assert_true(j < out->nr_decisions);
			assert_string_equal(e->reason, out->decisions[j].reason);
		}
		if (ext_how(e) == ON)
			assert_string_equal(e->reason, "");
	}
	if (out->nr_ext != nwant)
		fail_msg("%u extension(s) after the step, the row lists %u", out->nr_ext, nwant);
}

static void check_row_machine(const struct row *r, const struct bg_state *in,
			      const struct bg_state *out, const struct bg_evidence *ev)
{
	if (out->consecutive_failures != r->failures_after ||
	    out->unexplained_failures != r->unexplained_after)
		fail_msg("consecutive failures %u, unexplained %u; wanted %u, %u",
			 out->consecutive_failures, out->unexplained_failures,
			 r->failures_after, r->unexplained_after);
	assert_int_equal(out->safe_mode, r->safe_mode_after);
	if (out->safe_mode && !in->safe_mode) {
		assert_non_null(ev);
		assert_non_null(strstr(out->safe_mode_reason, bg_evidence_kind_name(ev->kind)));
	}
}

static void run_boot_row(void **state)
{
	const struct row *r = *state;
	struct bg_state *in = build_state(r), *copy = new_state(), *out = new_state();
	struct bg_config cfg = row_config(&r->cfg);
	struct bg_evidence ev = evidence(r->ev.kind, r->ev.ext, r->ev.op, r->ev.version);
	const struct bg_boot *b, *prev, *was;
	uint64_t id = in->next_boot_id;
	int64_t ran;
	uint32_t first, i;

	ev.uptime = r->ev.uptime;
	memcpy(copy, in, sizeof(*in));
	bg_policy_boot(in, &ev, &cfg, NOW, BOOT_UPTIME, out);
	assert_memory_equal(in, copy, sizeof(*in));

	/* a new boot, the next id, recorded as running */
	assert_int_equal(out->current_boot, id);
	assert_int_equal(out->next_boot_id, id + 1);
	assert_int_equal(out->nr_boots, in->nr_boots + 1);
	b = &out->boots[out->nr_boots - 1];
	assert_int_equal(b->id, id);
	assert_int_equal(b->started, NOW);
	assert_int_equal(b->uptime, BOOT_UPTIME);
	assert_int_equal(b->good_at, 0);
	assert_int_equal(b->shutdown_at, 0);
	assert_int_equal(b->end, BG_END_RUNNING);
	assert_int_equal(b->evidence.kind, BG_EV_NONE);

	/* the previous boot judged, with the evidence kept for the record */
	if (r->last != NO_BOOT) {
		prev = bg_state_boot(out, in->current_boot);
		assert_non_null(prev);
		if (prev->end != r->end)
			fail_msg("previous boot judged %s, wanted %s", bg_boot_end_name(prev->end),
				 bg_boot_end_name(r->end));
		assert_memory_equal(&prev->evidence, &ev, sizeof(ev));
		/* it ran as long as last seen, or its crash dump says: the machine too */
		was = bg_state_boot(in, in->current_boot);
		ran = ev.uptime > was->uptime ? ev.uptime : was->uptime;
		assert_int_equal(prev->uptime, ran);
		assert_int_equal(out->run_time, in->run_time + ran);
	} else {
		assert_int_equal(out->run_time, in->run_time);
	}

	first = check_new_decisions(in, out, &ev, id, NOW);
	check_row_decisions(r, out, first);
	check_row_extensions(r, in, out, first);
	check_row_machine(r, in, out, &ev);

	/* the loader is given the pin, else the active content */
	for (i = 0; i < out->nr_ext; i++)
		assert_int_equal(out->ext[i].chosen,
				 out->ext[i].pinned ? out->ext[i].pinned : out->ext[i].active);
}

static void run_good_row(void **state)
{
	const struct row *r = *state;
	struct bg_state *in = build_state(r), *copy = new_state(), *out = new_state();
	struct bg_config cfg = row_config(&r->cfg);
	const struct bg_boot *b, *was;
	uint32_t first;

	memcpy(copy, in, sizeof(*in));
	bg_policy_good(in, &cfg, NOW, UPTIME, out);
	assert_memory_equal(in, copy, sizeof(*in));

	/* the same boot, now marked good (the first mark stands) */
	assert_int_equal(out->current_boot, in->current_boot);
	assert_int_equal(out->next_boot_id, in->next_boot_id);
	assert_int_equal(out->nr_boots, in->nr_boots);
	assert_memory_equal(out->boots, in->boots, sizeof(in->boots[0]) * (in->nr_boots - 1));
	b = &out->boots[out->nr_boots - 1];
	was = &in->boots[in->nr_boots - 1];
	assert_int_equal(b->good_at, was->good_at ? was->good_at : NOW);
	assert_int_equal(b->uptime, was->uptime > UPTIME ? was->uptime : UPTIME);
	assert_int_equal(b->end, was->end);
	assert_int_equal(out->run_time, in->run_time);

	first = check_new_decisions(in, out, NULL, in->current_boot, NOW);
	check_row_decisions(r, out, first);
	check_row_extensions(r, in, out, first);
	check_row_machine(r, in, out, NULL);
}

/* ---- plain tests ---------------------------------------------------------- */

static void default_config_is_the_documented_one(void **state)
{
	(void)state;
	assert_int_equal(bg_default_config.threshold, 3);
	assert_int_equal(bg_default_config.rollback_after, 1);
	assert_int_equal(bg_default_config.disable_after, 1);
	assert_int_equal(bg_default_config.crash_window, 3600);
	assert_int_equal(bg_default_config.crash_window_count, 2);
	assert_int_equal(bg_default_config.crash_window_boots, 8);
	assert_int_equal(bg_default_config.probation, 300);
	assert_int_equal(bg_default_config.expiry_good_boots, 0);
	assert_true(bg_default_config.expiry_on_new_content);
}

static void shutdown_only_marks_the_boot_in_progress(void **state)
{
	static const struct row r = { .ext = { X_NEW, Y_OLD }, .failures = 1 };
	struct bg_state *in = build_state(&r), *want = new_state(), *out = new_state();

	(void)state;
	memcpy(want, in, sizeof(*in));
	want->boots[want->nr_boots - 1].shutdown_at = NOW;
	want->boots[want->nr_boots - 1].uptime = UPTIME;
	bg_policy_shutdown(in, NOW, UPTIME, out);
	assert_memory_equal(out, want, sizeof(*out));
}

static void zeroed_state_boots_as_boot_1(void **state)
{
	struct bg_state *in = new_state(), *out = new_state();
	struct bg_evidence ev = evidence(BG_EV_NONE, NULL, NULL, 0);

	(void)state;
	bg_policy_boot(in, &ev, &bg_default_config, NOW, BOOT_UPTIME, out);
	assert_int_equal(out->current_boot, 1);
	assert_int_equal(out->next_boot_id, 2);
	assert_int_equal(out->nr_boots, 1);
	assert_int_equal(out->boots[0].id, 1);
	assert_int_equal(out->nr_decisions, 0);
	assert_int_equal(out->consecutive_failures, 0);
}

/*
 * A machine the sequence tests drive: each step checks what every step
 * must (decisions stamped, reasons naming the evidence) and the loader's
 * view (chosen = pin, else active).
 */
struct machine {
	struct bg_state *st, *next;
	struct bg_config cfg;
	int64_t now;		/* the RTC: a test may set it anywhere */
	int64_t uptime;		/* CLOCK_BOOTTIME of the boot in progress */
};

static void machine_init(struct machine *m, const struct row *r)
{
	m->st = build_state(r);
	m->next = new_state();
	m->cfg = row_config(&r->cfg);
	m->now = NOW;
	m->uptime = UPTIME;
}

/* time passes in the boot in progress: on both clocks */
static void machine_wait(struct machine *m, int64_t seconds)
{
	m->now += seconds;
	m->uptime += seconds;
}

static void machine_commit(struct machine *m)
{
	struct bg_state *t = m->st;

	m->st = m->next;
	m->next = t;
}

/*
 * The boot in progress ends with @ev, and the next one begins.  A crash
 * dump (panic, oops, the shim's fault line) carries the kernel's time
 * stamps: the crashed boot's uptime when it went down, unless the test
 * gives one.
 */
static void machine_boot(struct machine *m, const struct bg_evidence *given)
{
	uint64_t id = m->st->next_boot_id ? m->st->next_boot_id : 1;
	struct bg_evidence stamped = *given, *ev = &stamped;
	uint32_t i;

	if (!ev->uptime && (ev->kind == BG_EV_PANIC || ev->kind == BG_EV_OOPS_MODULE ||
			    ev->kind == BG_EV_SHIM_FAULT))
		ev->uptime = m->uptime;
	m->uptime = BOOT_UPTIME;
	bg_policy_boot(m->st, ev, &m->cfg, m->now, m->uptime, m->next);
	check_new_decisions(m->st, m->next, ev, id, m->now);
	assert_int_equal(m->next->current_boot, id);
	for (i = 0; i < m->next->nr_ext; i++) {
		struct bg_ext *e = &m->next->ext[i];

		assert_int_equal(e->chosen, e->pinned ? e->pinned : e->active);
		/* the loader: what is enabled runs its chosen content */
		if (e->status == BG_EXT_ENABLED && !m->next->safe_mode) {
			e->load_boot = id;
			snprintf(e->load_result, sizeof(e->load_result), "loaded");
			e->load_version = e->chosen;
			e->load_uptime = LOAD_UPTIME;
		}
	}
	m->uptime = LOAD_UPTIME;
	machine_commit(m);
}

static void machine_good(struct machine *m)
{
	bg_policy_good(m->st, &m->cfg, m->now, m->uptime, m->next);
	check_new_decisions(m->st, m->next, NULL, m->st->current_boot, m->now);
	machine_commit(m);
}

static void machine_shutdown(struct machine *m)
{
	bg_policy_shutdown(m->st, m->now, m->uptime, m->next);
	machine_commit(m);
}

/* fails the test unless the decisions from @from on have exactly these actions */
static void assert_actions(const struct bg_state *st, uint32_t from,
			   const enum bg_action *want, uint32_t n)
{
	uint32_t i;

	if (st->nr_decisions - from != n)
		fail_msg("%u decisions wanted, got:%s", n, describe(st, from));
	for (i = 0; i < n; i++)
		if (st->decisions[from + i].action != want[i])
			fail_msg("decision %u: wanted %s, got:%s", i, bg_action_name(want[i]),
				 describe(st, from));
}

static struct bg_ext *ext_named(struct bg_state *st, const char *name)
{
	struct bg_ext *e = bg_state_ext(st, name, false);

	assert_non_null(e);
	return e;
}

static void attributed_ladder_rolls_back_then_disables_for_good(void **state)
{
	static const struct row r = { .ext = { X_NEW, Y_OLD } };
	static const enum bg_action want[] = { BG_ACT_ROLLBACK, BG_ACT_DISABLE };
	struct machine m;
	struct bg_evidence ev;
	uint32_t start;

	(void)state;
	machine_init(&m, &r);
	start = m.st->nr_decisions;
	ev = evidence(BG_EV_SHIM_FAULT, X, "event", 5);
	machine_boot(&m, &ev);			/* boot 7 failed on 5: back to 4 */
	assert_int_equal(ext_named(m.st, X)->chosen, 4);
	machine_wait(&m, 60);
	ev = evidence(BG_EV_SHIM_FAULT, X, "event", 4);
	machine_boot(&m, &ev);			/* boot 8 failed on 4: disabled */
	assert_int_equal(ext_named(m.st, X)->status, BG_EXT_DISABLED);
	machine_wait(&m, 600);
	machine_good(&m);			/* boot 9 is fine without X */
	assert_int_equal(m.st->consecutive_failures, 0);
	machine_shutdown(&m);
	machine_wait(&m, 60);
	ev = evidence(BG_EV_NONE, NULL, NULL, 0);
	machine_boot(&m, &ev);
	assert_actions(m.st, start, want, ARRAY_SIZE(want));
	assert_int_equal(ext_named(m.st, X)->status, BG_EXT_DISABLED);
	assert_int_equal(ext_named(m.st, X)->lkg, 4);
	assert_int_equal(ext_named(m.st, Y)->status, BG_EXT_ENABLED);
	assert_int_equal(m.st->boots[m.st->nr_boots - 2].end, BG_END_CLEAN);
}

static void unattributed_ladder_ends_in_safe_mode(void **state)
{
	static const struct row r = {
		.ext = {
			{ "bh_a", .active = 1, .lkg = 1, .changed_ago = 2 * DAY },
			{ "bh_b", .active = 2, .lkg = 2, .changed_ago = HOUR },
		},
	};
	static const enum bg_action want[] = {
		BG_ACT_COUNT, BG_ACT_COUNT, BG_ACT_DISABLE, BG_ACT_DISABLE, BG_ACT_SAFE_MODE,
	};
	struct bg_evidence ev = evidence(BG_EV_WATCHDOG, NULL, NULL, 0);
	struct machine m;
	uint32_t start, i;

	(void)state;
	machine_init(&m, &r);
	start = m.st->nr_decisions;
	for (i = 0; i < 5; i++) {
		machine_boot(&m, &ev);
		machine_wait(&m, 90);
	}
	assert_actions(m.st, start, want, ARRAY_SIZE(want));
	assert_string_equal(m.st->decisions[start + 2].extension, "bh_b");
	assert_string_equal(m.st->decisions[start + 3].extension, "bh_a");
	assert_true(m.st->safe_mode);
	assert_true(m.st->safe_mode_guess);
	assert_int_equal(m.st->consecutive_failures, 5);
	assert_int_equal(m.st->hang_failures, 5);
	assert_int_equal(m.st->unexplained_failures, 0);
}

/*
 * Regression: three power cuts were an off switch (the most recently
 * changed sensor, then the next, then safe mode, which only `reset` left).
 * Power cuts alone now wait for power_cut_threshold, and what the guard
 * guessed ends after expiry_unattributed good boots.
 */
static void power_cut_guesses_wait_longer_and_expire(void **state)
{
	static const struct row r = {
		.ext = {
			{ "bh_a", .active = 1, .lkg = 1, .changed_ago = 2 * DAY },
			{ "bh_b", .active = 2, .lkg = 2, .changed_ago = HOUR },
		},
	};
	struct bg_evidence ev = evidence(BG_EV_NONE, NULL, NULL, 0);
	struct machine m;
	uint32_t start, i;

	(void)state;
	machine_init(&m, &r);
	start = m.st->nr_decisions;
	for (i = 0; i < 5; i++) {
		machine_boot(&m, &ev);
		machine_wait(&m, 90);
	}
	for (i = start; i < m.st->nr_decisions; i++)
		assert_int_equal(m.st->decisions[i].action, BG_ACT_COUNT);
	assert_int_equal(ext_named(m.st, "bh_b")->status, BG_EXT_ENABLED);
	for (i = 0; i < 3; i++) {
		machine_boot(&m, &ev);
		machine_wait(&m, 90);
	}
	assert_int_equal(ext_named(m.st, "bh_b")->status, BG_EXT_DISABLED);
	assert_int_equal(ext_named(m.st, "bh_a")->status, BG_EXT_DISABLED);
	assert_true(m.st->safe_mode);
	/* three good boots: safe mode ends first, then the disables */
	ev = evidence(BG_EV_NONE, NULL, NULL, 0);
	for (i = 0; i < 6; i++) {
		machine_good(&m);
		machine_shutdown(&m);
		machine_wait(&m, HOUR);
		machine_boot(&m, &ev);
	}
	assert_false(m.st->safe_mode);
	assert_int_equal(ext_named(m.st, "bh_a")->status, BG_EXT_ENABLED);
	assert_int_equal(ext_named(m.st, "bh_b")->status, BG_EXT_ENABLED);
}

static void crashes_further_apart_than_the_window_never_escalate(void **state)
{
	static const struct row r = { .last = REACHED_GOOD, .ext = { X_NEW } };
	struct bg_evidence ev = evidence(BG_EV_SHIM_FAULT, X, "event", 5);
	struct machine m;
	uint32_t start, i;

	(void)state;
	machine_init(&m, &r);
	start = m.st->nr_decisions;
	for (i = 0; i < 10; i++) {
		machine_boot(&m, &ev);		/* judges the crash after good */
		machine_wait(&m, 300);
		machine_good(&m);		/* content 5 is LKG now: that is fine */
		machine_wait(&m, 2 * HOUR);		/* and crashes two hours later */
	}
	assert_int_equal(m.st->nr_decisions - start, 11);	/* 10 counts, 1 promotion */
	for (i = start; i < m.st->nr_decisions; i++)
		if (m.st->decisions[i].action != BG_ACT_COUNT &&
		    m.st->decisions[i].action != BG_ACT_PROMOTE)
			fail_msg("decisions:%s", describe(m.st, start));
	assert_int_equal(ext_named(m.st, X)->status, BG_EXT_ENABLED);
	assert_int_equal(ext_named(m.st, X)->chosen, 5);
}

/*
 * Regression: X crashed after "good", then the RTC was set back a year;
 * X crashed again two days (of running) later.  The first crash's time
 * lay a year "ahead", inside the window for a year to come: the two were
 * counted as one failure and content 5, its LKG, was disabled.
 */
static void rtc_set_back_does_not_keep_a_crash_in_the_window(void **state)
{
	static const struct row r = {
		.last = REACHED_GOOD,
		.ext = { { X, .active = 5, .lkg = 5, .changed_ago = DAY }, Y_OLD },
	};
	static const enum bg_action want[] = { BG_ACT_COUNT, BG_ACT_COUNT };
	struct bg_evidence ev = evidence(BG_EV_SHIM_FAULT, X, "event", 5);
	struct machine m;
	uint32_t start;

	(void)state;
	machine_init(&m, &r);
	start = m.st->nr_decisions;
	machine_boot(&m, &ev);			/* boot 7 crashed after good: 1 of 2 */
	m.now -= YEAR;				/* the RTC is set back a year */
	machine_wait(&m, 300);
	machine_good(&m);
	machine_wait(&m, 2 * DAY);		/* two days later X crashes again */
	machine_boot(&m, &ev);
	assert_actions(m.st, start, want, ARRAY_SIZE(want));
	assert_int_equal(ext_named(m.st, X)->status, BG_EXT_ENABLED);
	assert_int_equal(ext_named(m.st, X)->nr_crashes, 1);
}

/*
 * Regression: X crashed after "good"; in the next boot the RTC jumped a
 * day ahead and X crashed again a minute after "good".  The first crash
 * looked a day old, out of the window: X crashed after every boot and
 * was never stopped.
 */
static void rtc_set_ahead_still_counts_crashes_together(void **state)
{
	static const struct row r = {
		.last = REACHED_GOOD,
		.ext = { { X, .active = 5, .lkg = 5, .changed_ago = DAY }, Y_OLD },
	};
	static const enum bg_action want[] = { BG_ACT_COUNT, BG_ACT_DISABLE };
	struct bg_evidence ev = evidence(BG_EV_SHIM_FAULT, X, "event", 5);
	struct machine m;
	uint32_t start;

	(void)state;
	machine_init(&m, &r);
	start = m.st->nr_decisions;
	machine_boot(&m, &ev);			/* boot 7 crashed after good: 1 of 2 */
	m.now += DAY;				/* the RTC jumps a day ahead */
	machine_wait(&m, 300);
	machine_good(&m);
	machine_wait(&m, 60);			/* a minute later X crashes again */
	machine_boot(&m, &ev);
	assert_actions(m.st, start, want, ARRAY_SIZE(want));
	assert_int_equal(ext_named(m.st, X)->status, BG_EXT_DISABLED);
}

/*
 * Regression: content 5 taken live from staging; the RTC then stepped a
 * day ahead (NTP after a dead CMOS battery).  A minute later "good" ran
 * again (the timer, or an operator): 5 became LKG after 60 s of running.
 * The next boot (RTC a year behind now) runs it through probation: then.
 */
static void probation_is_running_time_whatever_the_rtc_does(void **state)
{
	static const struct row r = {
		.last = REACHED_GOOD,
		.ext = { { X, .active = 4, .lkg = 4, .changed_ago = DAY }, Y_OLD },
	};
	struct bg_evidence none = evidence(BG_EV_NONE, NULL, NULL, 0);
	struct machine m;
	struct bg_ext *x;

	(void)state;
	machine_init(&m, &r);
	/* bl_stage()'s make_active(): the shim took 5, it runs from now */
	x = ext_named(m.st, X);
	x->active = x->chosen = x->load_version = 5;
	x->active_since = x->changed_at = m.now;
	x->load_uptime = m.uptime;
	m.now += DAY;
	machine_wait(&m, 60);
	machine_good(&m);
	assert_int_equal(ext_named(m.st, X)->lkg, 4);
	machine_shutdown(&m);
	m.now -= YEAR;
	machine_boot(&m, &none);
	machine_wait(&m, m.cfg.probation - 1);
	machine_good(&m);
	assert_int_equal(ext_named(m.st, X)->lkg, 4);
	machine_wait(&m, 1);
	machine_good(&m);
	assert_int_equal(ext_named(m.st, X)->lkg, 5);
}

/*
 * Anti-rollback: the floor rises to the last-known-good with every
 * promotion and never falls on its own; the guard's rollback goes to the
 * last-known-good, which is at the floor, so recovery is never below it.
 */
static void promotion_raises_the_floor_and_rollback_lands_on_it(void **state)
{
	static const struct row r = {
		.last = REACHED_GOOD,
		.ext = { { X, .active = 4, .lkg = 4, .changed_ago = DAY }, Y_OLD },
	};
	struct bg_evidence none = evidence(BG_EV_NONE, NULL, NULL, 0);
	struct bg_evidence crash = evidence(BG_EV_SHIM_FAULT, X, "event", 6);
	struct machine m;
	struct bg_ext *x;

	(void)state;
	machine_init(&m, &r);
	x = ext_named(m.st, X);
	x->floor = 4;
	/* 5 runs from now, serves its probation, becomes last-known-good */
	x->active = x->chosen = x->load_version = 5;
	x->active_since = x->changed_at = m.now;
	x->load_uptime = m.uptime;
	machine_wait(&m, m.cfg.probation);
	machine_good(&m);
	assert_int_equal(ext_named(m.st, X)->lkg, 5);
	assert_int_equal(ext_named(m.st, X)->floor, 5);
	/* the next boot stages 6, which crashes the machine before good:
	 * back to 5, and the floor stays */
	machine_shutdown(&m);
	machine_boot(&m, &none);
	x = ext_named(m.st, X);
	x->active = x->chosen = x->load_version = 6;
	x->active_since = x->changed_at = m.now;
	x->load_uptime = m.uptime;
	machine_wait(&m, 60);
	machine_boot(&m, &crash);
	x = ext_named(m.st, X);
	assert_int_equal(x->chosen, 5);
	assert_int_equal(x->floor, 5);
	assert_true(x->chosen >= x->floor);
	machine_wait(&m, m.cfg.probation);
	machine_good(&m);
	machine_shutdown(&m);
	machine_boot(&m, &none);
	assert_int_equal(ext_named(m.st, X)->floor, 5);
}

/* an operator's pin below the floor is a rollback: it lowers the floor */
static void pin_below_the_floor_lowers_it_as_a_logged_decision(void **state)
{
	static const struct row r = {
		.last = REACHED_GOOD,
		.ext = { { X, .active = 5, .lkg = 5, .changed_ago = DAY }, Y_OLD },
	};
	struct machine m;

	(void)state;
	machine_init(&m, &r);
	ext_named(m.st, X)->floor = 5;
	assert_int_equal(bg_policy_pin(m.st, X, 6, m.now, m.st), 0);
	assert_int_equal(ext_named(m.st, X)->floor, 5);
	assert_string_equal(m.st->decisions[m.st->nr_decisions - 1].reason, "pinned by operator");
	assert_int_equal(bg_policy_pin(m.st, X, 3, m.now, m.st), 0);
	assert_int_equal(ext_named(m.st, X)->floor, 3);
	assert_string_equal(m.st->decisions[m.st->nr_decisions - 1].reason,
			    "pinned by operator below the floor 5, which is now 3: a rollback, degraded");
	assert_int_equal(bg_policy_pin(m.st, X, 0, m.now, m.st), 0);
	assert_int_equal(ext_named(m.st, X)->floor, 3);
}

static void boot_ids_increase_and_history_keeps_the_newest(void **state)
{
	static const struct row r = { .last = NO_BOOT };
	struct bg_evidence ev = evidence(BG_EV_NONE, NULL, NULL, 0);
	struct machine m;
	uint32_t i;

	(void)state;
	machine_init(&m, &r);
	for (i = 1; i <= 3 * BG_MAX_BOOTS; i++) {
		machine_boot(&m, &ev);
		assert_int_equal(m.st->current_boot, i);
		assert_int_equal(m.st->nr_boots, i < BG_MAX_BOOTS ? i : BG_MAX_BOOTS);
		machine_wait(&m, 60);
		machine_good(&m);
		machine_shutdown(&m);
		machine_wait(&m, HOUR);
	}
	for (i = 0; i < BG_MAX_BOOTS; i++)
		assert_int_equal(m.st->boots[i].id, 2 * BG_MAX_BOOTS + 1 + i);
	assert_int_equal(m.st->boots[BG_MAX_BOOTS - 2].end, BG_END_CLEAN);
	assert_int_equal(m.st->boots[BG_MAX_BOOTS - 1].end, BG_END_RUNNING);
	assert_int_equal(m.st->nr_decisions, 0);
}

static void decision_log_keeps_the_newest(void **state)
{
	static const struct row r = { .last = NO_BOOT,
				      .cfg = { .threshold = 1000, .power_cut_threshold = 1000 } };
	struct bg_evidence ev = evidence(BG_EV_NONE, NULL, NULL, 0);
	struct machine m;
	uint32_t i;

	(void)state;
	machine_init(&m, &r);
	machine_boot(&m, &ev);			/* boot 1: nothing to judge */
	for (i = 0; i < 100; i++) {		/* boots 2..101 each judge a failure */
		machine_wait(&m, 90);
		machine_boot(&m, &ev);
	}
	assert_int_equal(m.st->nr_decisions, BG_MAX_DECISIONS);
	for (i = 0; i < BG_MAX_DECISIONS; i++) {
		assert_int_equal(m.st->decisions[i].action, BG_ACT_COUNT);
		assert_int_equal(m.st->decisions[i].boot_id, 101 - BG_MAX_DECISIONS + 1 + i);
	}
	assert_non_null(strstr(m.st->decisions[BG_MAX_DECISIONS - 1].reason, "failed boot 100 of"));
	assert_int_equal(m.st->consecutive_failures, 100);
}

/* the store has no room for the extension the shim names: nobody is blamed */
static void shim_fault_naming_new_extension_with_store_full_is_unattributed(void **state)
{
	static const struct row r = { 0 };
	struct bg_state *in = build_state(&r), *out = new_state();
	struct bg_evidence ev = evidence(BG_EV_SHIM_FAULT, "bh_one_too_many", "event", 1);
	char name[BH_NAME_LEN + 1];
	uint32_t i;

	(void)state;
	for (i = 0; i < BG_MAX_EXT; i++) {
		snprintf(name, sizeof(name), "bh_ext_%02u", i);
		assert_non_null(bg_state_ext(in, name, true));
		in->ext[i].active = in->ext[i].lkg = in->ext[i].chosen = 1;
	}
	bg_policy_boot(in, &ev, &bg_default_config, NOW, BOOT_UPTIME, out);
	assert_int_equal(out->nr_ext, BG_MAX_EXT);
	assert_int_equal(out->nr_decisions, in->nr_decisions + 1);
	assert_int_equal(out->decisions[in->nr_decisions].action, BG_ACT_COUNT);
	assert_string_equal(out->decisions[in->nr_decisions].extension, "");
	assert_int_equal(out->consecutive_failures, 1);
}

/*
 * Regression: X fails on content 5 (no LKG) while content 6 is already staged.
 * The boot disables X and, in the same call, expire_on_content() enables
 * it again because 6 > chosen; chosen stays active = 5.  The loader is
 * given 5 again, X fails again, and so on for ever: the loop never ends
 * and never reaches safe mode.  Minimal reproduction:
 *   X{active 5, lkg 0, pending 6}, failed boot with shim-fault naming X
 *   -> decisions DISABLE X 5->0, ENABLE X 5->6; X enabled, chosen 5.
 */
static void failing_content_is_not_chosen_again_when_newer_is_staged(void **state)
{
	static const struct row r = {
		.ext = { { X, .active = 5, .pending = 6, .changed_ago = HOUR }, Y_OLD },
	};
	struct machine m;
	struct bg_evidence ev;
	uint32_t i;

	(void)state;
	machine_init(&m, &r);
	for (i = 0; i < 6; i++) {
		const struct bg_ext *x = ext_named(m.st, X);
		uint64_t failed = x->chosen;

		if (x->status != BG_EXT_ENABLED)
			break;
		ev = evidence(BG_EV_SHIM_FAULT, X, "event", failed);
		machine_boot(&m, &ev);
		x = ext_named(m.st, X);
		if (x->status == BG_EXT_ENABLED && x->chosen == failed)
			fail_msg("boot %llu gives X content %llu again right after it failed:%s",
				 (unsigned long long)m.st->current_boot,
				 (unsigned long long)failed, describe(m.st, 2));
		machine_wait(&m, 90);
	}
}

/*
 * Regression: with X pinned to 4, content 5 never ran this boot, yet "good"
 * promotes it to LKG because it has been active past probation; a later
 * rollback would then "roll back" to content that was never proven.
 * Minimal reproduction: X{active 5, lkg 3, pinned 4, active_since
 * now-1 day}, bg_policy_good -> PROMOTE X 3->5.
 */
static void good_does_not_make_content_a_pin_kept_from_running_lkg(void **state)
{
	static const struct row r = {
		.ext = { { X, .active = 5, .lkg = 3, .pinned = 4, .changed_ago = DAY,
			   .active_ago = DAY } },
	};
	struct machine m;

	(void)state;
	machine_init(&m, &r);
	machine_good(&m);
	if (ext_named(m.st, X)->lkg == 5)
		fail_msg("content 5 became LKG without running:%s", describe(m.st, 2));
}

/*
 * Regression (was a gap in the ladder): evidence naming an extension the guard has
 * already disabled (its module still got loaded, say by udev) adds one
 * to the extension's failures and returns: no decision, no escalation,
 * ever.  The machine loops with no end instead of reaching safe mode.
 * Minimal reproduction: X disabled by the guard, Y enabled; failed boots
 * with oops-module naming X -> consecutive_failures grows, no decision.
 */
static void failures_naming_a_disabled_extension_still_escalate(void **state)
{
	static const struct row r = {
		.failures = 1,
		.ext = { { X, .active = 5, .changed_ago = HOUR, .how = OFF_BY_GUARD,
			   .failures = 1 }, Y_OLD },
	};
	struct bg_evidence ev = evidence(BG_EV_OOPS_MODULE, X, NULL, 0);
	struct machine m;
	uint32_t i;

	(void)state;
	machine_init(&m, &r);
	for (i = 0; i < m.cfg.threshold + BG_MAX_EXT && !m.st->safe_mode; i++) {
		machine_boot(&m, &ev);
		machine_wait(&m, 90);
	}
	if (!m.st->safe_mode)
		fail_msg("%u failed boots naming disabled %s, no safe mode; decisions:%s",
			 m.st->consecutive_failures, X, describe(m.st, 2));
}

/*
 * Regression: a vendor's updater re-stages the same bad content after
 * every rollback.  The push crashes in take_content each time; the drop
 * returned before counting, and staging compared only with the active
 * version: five rounds gave five "rollback 3 -> 1" and never a disable.
 * Now the crashed version is refused by staging, and with --force the
 * second crash disables.
 */
static void restaging_updater_loop_ends(void **state)
{
	static const struct row r = {
		.last = REACHED_GOOD,
		.ext = { { X, .active = 1, .lkg = 1, .changed_ago = DAY }, Y_OLD },
	};
	struct bg_evidence ev = evidence(BG_EV_SHIM_FAULT, X, "take_content", 3);
	struct bulkhead_msg msg;
	struct machine m;
	uint32_t round, crashes = 0;
	bool force;

	(void)state;
	for (force = false; ; force = true) {
		machine_init(&m, &r);
		for (round = 0; round < 5; round++) {
			struct bg_ext *x = ext_named(m.st, X);

			if (x->status != BG_EXT_ENABLED ||
			    bg_stage_check(x, 3, force, &msg))
				break;
			x->pending = 3;		/* stored, then the push crashes */
			crashes++;
			machine_boot(&m, &ev);
			machine_wait(&m, 120);
			machine_good(&m);
			machine_wait(&m, 60);
		}
		if (!force) {
			/* the second round is refused, naming the crash */
			assert_int_equal(round, 1);
			assert_int_equal(bg_stage_check(ext_named(m.st, X), 3, false, &msg),
					 -ESTALE);
			assert_non_null(strstr(msg.text, "crashed"));
			assert_int_equal(ext_named(m.st, X)->strikes, 1);
			crashes = 0;
			continue;
		}
		assert_int_equal(ext_named(m.st, X)->status, BG_EXT_DISABLED);
		assert_true(crashes <= bg_strike_limit(&m.cfg));
		assert_int_equal(ext_named(m.st, X)->pending, 0);
		assert_int_equal(ext_named(m.st, Y)->status, BG_EXT_ENABLED);
		assert_int_equal(bg_policy_health(m.st, NULL, NULL), 1);
		break;
	}
}

/*
 * Regression: a culprit disabled by the guard but still named (its module
 * loads around the guard) made the unattributed ladder disable Y, which
 * is healthy.  Safe mode loads nothing instead.
 */
static void disabled_culprit_named_again_spares_the_innocent(void **state)
{
	static const struct row r = {
		.ext = { { X, .active = 5, .changed_ago = 60, .how = OFF_BY_GUARD, .strikes = 2 },
			 { Y, .active = 9, .lkg = 9, .changed_ago = 30 } },
	};
	struct bg_evidence ev = evidence(BG_EV_SHIM_FAULT, X, "event", 5);
	struct machine m;

	(void)state;
	machine_init(&m, &r);
	machine_boot(&m, &ev);
	assert_true(m.st->safe_mode);
	assert_false(m.st->safe_mode_guess);
	assert_int_equal(ext_named(m.st, Y)->status, BG_EXT_ENABLED);
	assert_int_equal(m.st->decisions[m.st->nr_decisions - 1].action, BG_ACT_SAFE_MODE);
}

/* the shim crashed at insert: the last rung must not load it */
static void shim_named_by_the_journal_means_safe_mode(void **state)
{
	static const struct row r = { .ext = { X_NEW, Y_OLD } };
	struct bg_evidence ev = evidence(BG_EV_LOADER, BG_SHIM_NAME, "insert", 0);
	struct machine m;

	(void)state;
	machine_init(&m, &r);
	machine_boot(&m, &ev);
	assert_true(m.st->safe_mode);
	assert_true(m.st->no_shim);
	assert_int_equal(ext_named(m.st, X)->status, BG_EXT_ENABLED);
	assert_null(bg_state_ext(m.st, BG_SHIM_NAME, false));
	/* an operator's reset loads it again */
	bg_policy_reset(m.st, m.now, m.next);
	machine_commit(&m);
	assert_false(m.st->no_shim);
	assert_false(m.st->safe_mode);
}

/* status: a failed boot not yet followed by a good one is never "ok" */
static void health_is_degraded_while_failures_count(void **state)
{
	static const struct row r = { .ext = { X_NEW, Y_OLD } };
	struct bg_evidence ev = evidence(BG_EV_NONE, NULL, NULL, 0);
	struct machine m;

	(void)state;
	machine_init(&m, &r);
	assert_int_equal(bg_policy_health(m.st, NULL, NULL), 0);
	machine_boot(&m, &ev);
	assert_int_equal(m.st->consecutive_failures, 1);
	assert_int_equal(bg_policy_health(m.st, NULL, NULL), 1);
	machine_good(&m);
	assert_int_equal(bg_policy_health(m.st, NULL, NULL), 0);
}

/* reasons collected by bg_policy_health(), one line each */
static void collect_reason(void *arg, const char *reason)
{
	char *buf = arg;

	strncat(buf, reason, 1023 - strlen(buf));
	strncat(buf, "\n", 1023 - strlen(buf));
}

/*
 * status: an extension the loader could not start in this boot (its module
 * missing for a new kernel, say) leaves the machine degraded and named,
 * though no boot failed.  What the loader reported in an earlier boot does
 * not count: this boot's loader has not run yet, or will say otherwise.
 */
static void health_names_an_extension_not_running_in_this_boot(void **state)
{
	static const struct row r = { .ext = { X_NEW, Y_OLD } };
	struct bg_evidence none = evidence(BG_EV_NONE, NULL, NULL, 0);
	struct machine m;
	struct bg_ext *e;
	char reasons[1024] = "";

	(void)state;
	machine_init(&m, &r);
	machine_boot(&m, &none);
	machine_good(&m);
	assert_int_equal(bg_policy_health(m.st, NULL, NULL), 0);

	e = ext_named(m.st, Y);
	snprintf(e->load_result, sizeof(e->load_result), "missing");
	snprintf(e->load_error, sizeof(e->load_error), "module bh_netmon: not found for kernel 6.12");
	assert_int_equal(bg_policy_health(m.st, collect_reason, reasons), 1);
	assert_non_null(strstr(reasons, Y " not running in this boot: missing: module bh_netmon: not found"));
	assert_null(strstr(reasons, X));
	assert_int_equal(m.st->consecutive_failures, 0);

	/* the same report from the boot before: this boot's loader decides */
	e->load_boot = m.st->current_boot - 1;
	assert_int_equal(bg_policy_health(m.st, NULL, NULL), 0);

	/* held back on purpose is not a failure to load: disabled says why */
	e->load_boot = m.st->current_boot;
	snprintf(e->load_result, sizeof(e->load_result), "disabled");
	e->load_error[0] = '\0';
	assert_int_equal(bg_policy_health(m.st, NULL, NULL), 0);
	snprintf(e->load_result, sizeof(e->load_result), "safe-mode");
	assert_int_equal(bg_policy_health(m.st, NULL, NULL), 0);
}

/* strikes outlive a rollback and new content; boots that end well forget them */
static void strikes_are_forgotten_after_good_boots(void **state)
{
	static const struct row r = { .ext = { X_NEW, Y_OLD } };
	struct bg_evidence ev = evidence(BG_EV_SHIM_FAULT, X, "event", 5);
	struct bg_evidence none = evidence(BG_EV_NONE, NULL, NULL, 0);
	struct machine m;
	uint32_t i;

	(void)state;
	machine_init(&m, &r);
	machine_boot(&m, &ev);			/* rollback 5 -> 4: strike 1 */
	assert_int_equal(ext_named(m.st, X)->strikes, 1);
	for (i = 0; i < m.cfg.forget_after; i++) {
		machine_wait(&m, 600);
		machine_good(&m);
		machine_shutdown(&m);
		machine_wait(&m, 60);
		machine_boot(&m, &none);
	}
	assert_int_equal(ext_named(m.st, X)->strikes, 0);
	assert_int_equal(ext_named(m.st, X)->status, BG_EXT_ENABLED);
}

/* an operator's enable ends safe mode too */
static void operator_enable_leaves_safe_mode(void **state)
{
	static const struct row r = {
		.safe_mode = true,
		.ext = { { X, .active = 5, .changed_ago = 60, .how = OFF_BY_GUARD } },
	};
	struct machine m;

	(void)state;
	machine_init(&m, &r);
	assert_int_equal(bg_policy_enable(m.st, X, true, m.now, m.next), 0);
	machine_commit(&m);
	assert_false(m.st->safe_mode);
	assert_int_equal(ext_named(m.st, X)->status, BG_EXT_ENABLED);
	assert_int_equal(ext_named(m.st, X)->strikes, 0);
}

/*
 * Content staged while the operator had the extension off is held as
 * pending; the operator's enable makes it the content of the next boot.
 * Seen on the endpoint (cmdline-safe-mode): disable, stage fixed content
 * 3, enable, reboot: the loader pushed the crashing content 2 again.
 */
static void operator_enable_takes_content_staged_while_off(void **state)
{
	static const struct row r = {
		.ext = { { X, .active = 2, .pending = 3, .changed_ago = 60, .how = OFF_BY_OPERATOR },
			 Y_OLD },
	};
	struct bg_evidence none = evidence(BG_EV_NONE, NULL, NULL, 0);
	struct machine m;

	(void)state;
	machine_init(&m, &r);
	assert_int_equal(bg_policy_enable(m.st, X, true, m.now, m.next), 0);
	machine_commit(&m);
	assert_int_equal(ext_named(m.st, X)->status, BG_EXT_ENABLED);
	assert_int_equal(ext_named(m.st, X)->active, 3);
	assert_int_equal(ext_named(m.st, X)->pending, 0);
	machine_shutdown(&m);
	machine_boot(&m, &none);
	assert_int_equal(ext_named(m.st, X)->chosen, 3);
}

/* ... but never content a crash named */
static void operator_enable_keeps_crashed_content_out(void **state)
{
	static const struct row r = {
		.ext = { { X, .active = 2, .pending = 3, .changed_ago = 60, .how = OFF_BY_OPERATOR },
			 Y_OLD },
	};
	struct machine m;

	(void)state;
	machine_init(&m, &r);
	ext_named(m.st, X)->crashed[0] = 3;
	ext_named(m.st, X)->nr_crashed = 1;
	assert_int_equal(bg_policy_enable(m.st, X, true, m.now, m.next), 0);
	machine_commit(&m);
	assert_int_equal(ext_named(m.st, X)->active, 2);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, free_states)
	static const struct CMUnitTest plain[] = {
		T(default_config_is_the_documented_one),
		T(shutdown_only_marks_the_boot_in_progress),
		T(zeroed_state_boots_as_boot_1),
		T(attributed_ladder_rolls_back_then_disables_for_good),
		T(unattributed_ladder_ends_in_safe_mode),
		T(crashes_further_apart_than_the_window_never_escalate),
		T(rtc_set_back_does_not_keep_a_crash_in_the_window),
		T(rtc_set_ahead_still_counts_crashes_together),
		T(probation_is_running_time_whatever_the_rtc_does),
		T(boot_ids_increase_and_history_keeps_the_newest),
		T(decision_log_keeps_the_newest),
		T(shim_fault_naming_new_extension_with_store_full_is_unattributed),
		T(failing_content_is_not_chosen_again_when_newer_is_staged),
		T(good_does_not_make_content_a_pin_kept_from_running_lkg),
		T(failures_naming_a_disabled_extension_still_escalate),
		T(power_cut_guesses_wait_longer_and_expire),
		T(restaging_updater_loop_ends),
		T(disabled_culprit_named_again_spares_the_innocent),
		T(shim_named_by_the_journal_means_safe_mode),
		T(health_is_degraded_while_failures_count),
		T(health_names_an_extension_not_running_in_this_boot),
		T(strikes_are_forgotten_after_good_boots),
		T(operator_enable_leaves_safe_mode),
		T(operator_enable_takes_content_staged_while_off),
		T(operator_enable_keeps_crashed_content_out),
		T(promotion_raises_the_floor_and_rollback_lands_on_it),
		T(pin_below_the_floor_lowers_it_as_a_logged_decision),
	};
#undef T
	/* one cmocka test per row, named after the row */
	struct CMUnitTest tests[ARRAY_SIZE(boot_rows) + ARRAY_SIZE(good_rows) + ARRAY_SIZE(plain)];
	size_t n = 0, i;

	for (i = 0; i < ARRAY_SIZE(boot_rows); i++)
		tests[n++] = (struct CMUnitTest){ .name = boot_rows[i].name,
						  .test_func = run_boot_row,
						  .teardown_func = free_states,
						  .initial_state = (void *)&boot_rows[i] };
	for (i = 0; i < ARRAY_SIZE(good_rows); i++)
		tests[n++] = (struct CMUnitTest){ .name = good_rows[i].name,
						  .test_func = run_good_row,
						  .teardown_func = free_states,
						  .initial_state = (void *)&good_rows[i] };
	for (i = 0; i < ARRAY_SIZE(plain); i++)
		tests[n++] = plain[i];
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
