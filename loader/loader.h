/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * loader.h - bulkhead-load: turn the guard's decision for this boot into
 * running modules with their content (bl_load()), and bring new content
 * onto the machine (bl_stage()).  docs/loader.md describes both.
 */
#ifndef BL_LOADER_H
#define BL_LOADER_H

#include "extconf.h"
#include "env.h"
#include "kernel.h"
#include "state.h"

#define BL_SHIM_MODULE		"bulkhead"
#define BL_MAX_DISABLE		(BG_MAX_EXT + BG_CMDLINE_MAX_DISABLE)
#define BL_MAX_DECISION_WARNINGS	8

/* exit codes of bulkhead-load and of "bulkheadctl content stage" */
#define BL_EXIT_OK		0	/* everything decided is running */
#define BL_EXIT_DEGRADED	1	/* an optional extension, its content or a config file failed; staging: refused */
#define BL_EXIT_USAGE		2
#define BL_EXIT_FAILED		3	/* the shim or a required extension failed; state or decision unusable */

/**
 * struct bl_decision - STATE_DIR/boot.json, the guard's word for this boot
 * @nr_warnings: entries of the disable list that were skipped (at most
 *	BL_MAX_DECISION_WARNINGS are kept in @warnings, the count goes on)
 * @warnings: why, one line each, naming the file and the entry
 */
struct bl_decision {
	uint64_t boot_id;
	char kernel_boot_id[BG_BOOT_ID_LEN];	/* the kernel boot it was made in; "" unknown */
	bool safe_mode;
	bool no_shim;		/* the shim itself crashed: not even it loads */
	uint32_t nr_disable;
	char disable[BL_MAX_DISABLE][BH_NAME_LEN + 1];
	uint32_t nr_content;
	struct {
		char extension[BH_NAME_LEN + 1];
		uint64_t version;
	} content[BG_MAX_EXT];
	uint32_t nr_floors;
	struct {
		char extension[BH_NAME_LEN + 1];
		uint64_t floor;
	} floors[BG_MAX_EXT];	/* anti-rollback, for the shim's floors file */
	uint32_t nr_warnings;
	struct bulkhead_msg warnings[BL_MAX_DECISION_WARNINGS];
};

int bl_decision_load(const char *path, struct bl_decision *ret, struct bulkhead_msg *msg);

/* what became of one configured extension this boot */
enum bl_result {
	BL_RES_LOADED = 0,	/* module in, chosen content (if any) taken */
	BL_RES_DISABLED,	/* the guard or the command line said no */
	BL_RES_SAFE_MODE,	/* safe mode: nothing loads */
	BL_RES_NO_SHIM,		/* registers with the shim, which is not there */
	BL_RES_MISSING,		/* no such module for this kernel */
	BL_RES_BLACKLISTED,	/* modprobe.d blacklists it */
	BL_RES_INSERT_FAILED,	/* the kernel refused the module */
	BL_RES_CONTENT_MISSING,	/* the chosen version is not in the store */
	BL_RES_CONTENT_REFUSED,	/* validation or the shim refused the content */
	BL_RES__COUNT
};

const char *bl_result_name(enum bl_result r);
bool bl_result_failed(enum bl_result r);

struct bl_ext_report {
	enum bl_result result;
	uint64_t version;		/* content pushed or linked; 0: none */
	char error[BULKHEAD_MSG_LEN];
};

/**
 * struct bl_report - what bl_load() did
 * @shim_ok: bulkhead.ko is loaded
 * @shim_error: why not
 * @shim_warning: names that did not fit the shim's disable list, or ""
 * @journal_error: the journal could not be written (the steps were taken
 *	anyway, unjournalled), or ""
 * @ext: one entry per configured extension, in config order
 * @nr_failed: extensions whose result is a failure
 * @exit_code: BL_EXIT_*
 */
struct bl_report {
	bool shim_ok;
	char shim_error[BULKHEAD_MSG_LEN];
	char shim_warning[BULKHEAD_MSG_LEN];
	char journal_error[BULKHEAD_MSG_LEN];
	char trust_warning[BULKHEAD_MSG_LEN];	/* the first key or policy problem */
	uint32_t nr_trust_warnings;
	uint32_t nr_keys;			/* certificates the shim took */
	struct bl_ext_report ext[BL_MAX_EXT];
	uint32_t nr_loaded;
	uint32_t nr_failed;
	int exit_code;
};

/**
 * struct bl_ctx - what the loader and staging work with
 * @state_dir: the guard's state directory
 * @cfg: the extensions, in load order
 * @trust: the keys folder and trust.conf; NULL for none and the defaults
 * @kernel: libkmod and securityfs, or a test's fake
 * @fsops: the journal's syscalls
 * @now: unix seconds (for people: decisions, changed_at)
 * @uptime: CLOCK_BOOTTIME seconds (bg_uptime()): when content began to run
 *	in this boot, which probation is measured from
 */
struct bl_ctx {
	const char *state_dir;
	const struct bl_config *cfg;
	const struct bl_trust_config *trust;	/* NULL: no keys, defaults */
	struct bl_kernel *kernel;
	const struct bg_fsops *fsops;
	int64_t now;
	int64_t uptime;
};

int bl_load(const struct bl_ctx *c, const struct bl_decision *d, struct bl_report *rep);
int bl_record(const struct bl_ctx *c, const struct bl_decision *d,
	      const struct bl_report *rep, struct bulkhead_msg *msg);

/**
 * struct bl_stage_opts - bulkheadctl content stage EXT FILE
 * @ext: the extension
 * @file: the new content
 * @force: allow a version not above the active one
 * @version: opaque vendor content only: its version (0: take it from the
 *	content header)
 */
struct bl_stage_opts {
	const char *ext;
	const char *file;
	bool force;
	uint64_t version;
};

/**
 * struct bl_stage_result - how staging ended
 * @version: the staged version
 * @outcome: "active" (the shim took it, or the module reads it at its next
 *	load), "pending" (held back: the extension is disabled or pinned)
 * @detail: one line for the operator
 */
struct bl_stage_result {
	uint64_t version;
	const char *outcome;
	char detail[BULKHEAD_MSG_LEN];
};

int bl_stage(const struct bl_ctx *c, const struct bl_stage_opts *o,
	     struct bl_stage_result *res, struct bulkhead_msg *msg);

#endif /* BL_LOADER_H */
