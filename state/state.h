/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * state.h - the boot guard's state: boot history, failure counts, every
 * extension's state and content versions, and every decision with its
 * reason.  docs/state.md describes the file.
 *
 * The store survives crashes and power cuts: every update writes a new
 * file and renames it into place (the old one is kept as the previous
 * copy), and every file carries a format version and a SHA-256 of its
 * body, so a torn, truncated, zeroed or garbage file is detected and the
 * previous copy used instead.
 */
#ifndef BG_STATE_H
#define BG_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bh_content.h"
#include "util.h"

/*
 * What a failed boot left behind, strongest first (boot-guard/evidence.c
 * gathers it; the state records it with the boot).
 */
enum bg_evidence_kind {
	BG_EV_NONE = 0,		/* nothing: power loss or an unseen hang */
	BG_EV_WATCHDOG,		/* watchdog card reset: a hang, no culprit */
	BG_EV_PANIC,		/* a panic/oops record naming no extension */
	BG_EV_LOADER,		/* loader journal: begin without end */
	BG_EV_OOPS_MODULE,	/* oops stack/RIP line in an extension's module */
	BG_EV_SHIM_FAULT,	/* "bulkhead: fault extension=..." line */
};

#define BG_OP_LEN	24
#define BG_DETAIL_LEN	256

/**
 * struct bg_evidence - the strongest evidence found for one boot
 * @kind: the strongest kind found
 * @extension: the extension it names ("" if none); for BG_EV_OOPS_MODULE
 *	and BG_EV_LOADER the module or extension name as found
 * @op: operation (shim line: event, take_content, ...; loader: insert,
 *	push), "" if unknown
 * @content_version: content version the shim line or the journal names, 0
 *	if none
 * @panic: a panic record was found
 * @oops: an oops record was found
 * @watchdog_reset: a watchdog reported a card reset (a hang)
 * @detail: one line for people: where it was found and what it said
 * @warning: for people only, never a culprit: the first report in a
 *	pstore record, other than the final oops or panic, whose stack names
 *	a module (a WARNING, a BUG: that did not oops, a hung task, an
 *	earlier oops): "MODULE in ORIGIN: LINE"; "" if none
 * @uptime: the latest kernel time stamp ("[ 7320.123456]") in the crash
 *	dumps read, in whole seconds since that boot began: how long the
 *	boot is known to have run; 0 if none
 */
struct bg_evidence {
	enum bg_evidence_kind kind;
	char extension[BH_NAME_LEN + 1];
	char op[BG_OP_LEN];
	uint64_t content_version;
	bool panic;
	bool oops;
	bool watchdog_reset;
	char detail[BG_DETAIL_LEN];
	char warning[BG_DETAIL_LEN];
	int64_t uptime;
};

const char *bg_evidence_kind_name(enum bg_evidence_kind kind);
bool bg_evidence_certain(const struct bg_evidence *ev);

/* names of the kernel command line's bulkhead.disable= the guard passes on */
#define BG_CMDLINE_MAX_DISABLE	16

#define BG_BOOT_ID_LEN		40	/* a kernel boot_id (a UUID) and its NUL, with room */

#define BG_STATE_FORMAT		1
#define BG_MAX_EXT		32
#define BG_MAX_BOOTS		16	/* boot history kept */
#define BG_MAX_DECISIONS	64	/* decision log kept */
#define BG_MAX_CRASHES		8	/* per extension, for the crash window */
#define BG_MAX_CRASHED		8	/* per extension, content versions that crashed */
#define BG_REASON_LEN		256
#define BG_MODULE_LEN		55	/* the kernel's MODULE_NAME_LEN - 1 */
#define BG_LOAD_RESULT_LEN	24
/*
 * The loader's results that are not failures, as bulkhead-load writes them
 * into the state (loader/load.c names every result): the guard reads them
 * here, since boot-guard/ does not see loader/.  Any other non-empty
 * result is a failure to start the extension in that boot.
 */
#define BG_LOAD_LOADED		"loaded"
#define BG_LOAD_DISABLED	"disabled"
#define BG_LOAD_SAFE_MODE	"safe-mode"

enum bg_boot_end {
	BG_END_RUNNING = 0,	/* this boot, or not yet judged */
	BG_END_CLEAN,		/* reached shutdown */
	BG_END_GOOD,		/* reached good, no clean shutdown, no crash seen */
	BG_END_CRASH_AFTER_GOOD,/* reached good, then crashed (evidence) */
	BG_END_FAILED,		/* neither good nor clean shutdown */
};

struct bg_boot {
	uint64_t id;
	int64_t started;	/* unix seconds */
	int64_t good_at;	/* 0: never */
	int64_t shutdown_at;	/* 0: never */
	/*
	 * The last CLOCK_BOOTTIME seconds known of this boot: when the
	 * guard's boot, good and shutdown ran, or the kernel's time of its
	 * crash dump.  The machine's running time adds it up (@run_time).
	 */
	int64_t uptime;
	/* the kernel's boot_id when the guard started it; "" unknown */
	char kernel_id[BG_BOOT_ID_LEN];
	enum bg_boot_end end;
	struct bg_evidence evidence;
};

/*
 * A crash after "good" attributed to an extension, for the crash window:
 * measured on the machine's running time and in boots, never on the RTC.
 */
struct bg_crash {
	uint64_t boot;		/* the boot that crashed */
	int64_t run_time;	/* bg_state.run_time once that boot was counted */
	int64_t at;		/* unix seconds it was judged, for people */
};

enum bg_ext_status {
	BG_EXT_ENABLED = 0,
	BG_EXT_DISABLED,
};

struct bg_ext {
	char name[BH_NAME_LEN + 1];
	enum bg_ext_status status;
	char reason[BG_REASON_LEN];	/* why disabled */
	int64_t disabled_at;
	uint32_t disabled_good_boots;	/* good boots since the disable */
	bool disabled_by_guard;		/* vs. by an operator */
	uint64_t pinned;		/* 0: not pinned */
	uint64_t active;		/* 0: none */
	int64_t active_since;
	uint64_t pending;		/* staged, not yet active; 0: none */
	uint64_t lkg;			/* last known good; 0: none */
	int64_t lkg_since;
	/*
	 * Anti-rollback: the lowest content version the shim takes for it
	 * (the loader sets it at boot).  Rises to @lkg with every
	 * promotion; only an operator's forced staging lowers it.
	 */
	uint64_t floor;
	uint64_t chosen;		/* what the loader pushes this boot */
	int64_t changed_at;		/* last content or module change */
	uint32_t failures;		/* attributed failures on @chosen */
	/*
	 * Attributed failures whatever content ran: a rollback, a drop or
	 * new content does not clear them, only @forget_after boots that
	 * end well with it running (or an operator's enable or reset).
	 * They bound the ladder: see policy.c.
	 */
	uint32_t strikes;
	uint32_t clean_boots;		/* boots ended well since the last strike */
	bool disabled_guess;		/* disabled without attribution: expires */
	uint32_t nr_crashed;
	uint64_t crashed[BG_MAX_CRASHED];/* versions named by a crash, oldest first */
	uint32_t nr_crashes;
	struct bg_crash crashes[BG_MAX_CRASHES];/* in the window, oldest first */
	char module[BG_MODULE_LEN + 1];	/* its module, as the loader last knew it; "" unknown */
	/* what bulkhead-load reported for it (loader/load.c) */
	uint64_t load_boot;		/* the boot of that report; 0: none yet */
	uint64_t load_version;		/* content it ran in that boot; 0: none */
	int64_t load_uptime;		/* CLOCK_BOOTTIME s it began to run it */
	char load_result[BG_LOAD_RESULT_LEN];	/* "loaded", "missing", ... */
	char load_error[BG_REASON_LEN];	/* why it is not running, or "" */
};

enum bg_action {
	BG_ACT_NONE = 0,
	BG_ACT_COUNT,		/* a failure was counted; no step yet */
	BG_ACT_ROLLBACK,	/* extension back to its LKG content */
	BG_ACT_DISABLE,
	BG_ACT_SAFE_MODE,
	BG_ACT_ENABLE,		/* operator, or an expired disable */
	BG_ACT_PIN,
	BG_ACT_RESET,
	BG_ACT_PROMOTE,		/* content survived probation: now LKG */
	BG_ACT_STAGE,		/* an operator staged new content */
	BG_ACT__COUNT
};

struct bg_decision {
	uint64_t boot_id;
	int64_t at;
	enum bg_action action;
	char extension[BH_NAME_LEN + 1];	/* "" for machine-wide */
	uint64_t from_version;
	uint64_t to_version;
	char reason[BG_REASON_LEN];
};

struct bg_state {
	uint64_t next_boot_id;
	uint64_t current_boot;		/* 0: no boot in progress */
	uint32_t consecutive_failures;
	uint32_t unexplained_failures;	/* of those, with no evidence at all */
	uint32_t hang_failures;		/* of those, a crash or hang nobody is named for */
	/*
	 * Seconds the machine has run, summed over the judged boots' last
	 * known uptime: the crash window's clock, which no RTC moves.
	 */
	int64_t run_time;
	bool safe_mode;
	bool safe_mode_guess;		/* entered without attribution: expires */
	uint32_t safe_mode_good_boots;	/* good boots since safe mode began */
	bool no_shim;			/* the shim itself crashed: not even it loads */
	char safe_mode_reason[BG_REASON_LEN];
	/*
	 * Decisions by action since the state was created: the log below
	 * keeps only the last BG_MAX_DECISIONS; these are never trimmed
	 * (bulkhead_decisions_total in the metrics, metrics.c).
	 */
	uint64_t decision_counts[BG_ACT__COUNT];
	uint32_t nr_boots;
	struct bg_boot boots[BG_MAX_BOOTS];	/* oldest first */
	uint32_t nr_ext;
	struct bg_ext ext[BG_MAX_EXT];
	uint32_t nr_decisions;
	struct bg_decision decisions[BG_MAX_DECISIONS];	/* oldest first */
};

/*
 * The few syscalls the store makes, so tests can stop an update after
 * any one of them (a crash) and check what the next read sees.
 */
struct bg_fsops {
	int (*open)(const char *path, int flags, mode_t mode);
	ssize_t (*write)(int fd, const void *buf, size_t len);
	int (*fsync)(int fd);
	int (*close)(int fd);
	int (*rename)(const char *from, const char *to);
	int (*unlink)(const char *path);
};

extern const struct bg_fsops bg_real_fsops;

int bg_fsops_write_all(const struct bg_fsops *ops, int fd, const void *buf, size_t len);
int bg_fsops_write_new(const struct bg_fsops *ops, const char *tmp, mode_t mode,
		       const void *buf, size_t len, const char *what, struct bulkhead_msg *msg);
int bg_fsops_fsync_dir(const struct bg_fsops *ops, const char *dir);

enum bg_load_source {
	BG_LOADED_NEW,		/* no state yet: a fresh machine */
	BG_LOADED_CURRENT,	/* state file */
	BG_LOADED_PREVIOUS,	/* state file bad: the previous copy */
};

int bg_state_load(const char *dir, struct bg_state *ret,
		  enum bg_load_source *ret_source, struct bulkhead_msg *msg);
int bg_state_save(const char *dir, const struct bg_state *st,
		  const struct bg_fsops *ops, struct bulkhead_msg *msg);
int bg_state_lock(const char *dir, int *ret_fd, struct bulkhead_msg *msg);
struct json_object;
struct json_object *bg_state_json(const struct bg_state *st);
int bg_state_encode(const struct bg_state *st, char **ret_text, size_t *ret_len);
int bg_state_decode(const char *text, size_t len, struct bg_state *ret,
		    struct bulkhead_msg *msg);

struct bg_ext *bg_state_ext(struct bg_state *st, const char *name, bool create);
struct bg_boot *bg_state_boot(struct bg_state *st, uint64_t id);
void bg_state_decide(struct bg_state *st, uint64_t boot_id, int64_t now,
		     enum bg_action action, const char *ext, uint64_t from,
		     uint64_t to, const char *reason);

bool bg_ext_crashed(const struct bg_ext *e, uint64_t version);
bool bg_ext_ran(const struct bg_ext *e, uint64_t boot);
bool bg_ext_not_started(const struct bg_ext *e, uint64_t boot);
int bg_stage_check(const struct bg_ext *e, uint64_t version, bool force,
		   struct bulkhead_msg *msg);

const char *bg_action_name(enum bg_action a);
const char *bg_boot_end_name(enum bg_boot_end e);

#endif /* BG_STATE_H */
