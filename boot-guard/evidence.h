/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * evidence.h - what a failed boot left behind, strongest first
 * (DESIGN.md, "Evidence"): the shim's fault line in a pstore record, an
 * oops stack line naming an extension's module, a loader journal step
 * that began and never ended, a watchdog card reset, and nothing.
 *
 * Gathering reads files only; paths come from struct bg_sources so tests
 * point them at fixtures.  Nothing here decides anything: policy.c does.
 *
 * The loader journal (written by bulkhead-load, read here) is text, one
 * step per line, appended and fsync'd before and after every risky step:
 *
 *	BOOT_ID begin OP NAME VERSION
 *	BOOT_ID end OP NAME VERSION
 *
 * OP is "insert" (loading NAME's module; VERSION the content it is to run,
 * 0 for none) or "push" (writing
 * content VERSION to extension NAME).  A begin of the boot in question
 * with no matching end after it is evidence against NAME.  A torn last
 * line (no newline) is ignored.
 */
#ifndef BG_EVIDENCE_H
#define BG_EVIDENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "bh_content.h"
#include "util.h"

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

/**
 * struct bg_sources - where evidence lives (defaults are the real paths)
 * @pstore_dir: /sys/fs/pstore
 * @watchdog_dir: /sys/class/watchdog
 * @journal_path: the loader journal, STATE_DIR/loader.journal
 * @archive_dir: where pstore records are archived, STATE_DIR/pstore;
 *	NULL leaves them in place (read-only gathering, for status)
 */
struct bg_sources {
	const char *pstore_dir;
	const char *watchdog_dir;
	const char *journal_path;
	const char *archive_dir;
};

const char *bg_evidence_kind_name(enum bg_evidence_kind kind);
bool bg_evidence_certain(const struct bg_evidence *ev);

/* parse one pstore record's text; fills @ev if stronger than what it holds */
void bg_evidence_scan_text(const char *text, size_t len, const char *origin,
			   struct bg_evidence *ev);
int bg_evidence_gather(const struct bg_sources *src, uint64_t boot_id,
		       struct bg_evidence *ret, struct bulkhead_msg *msg);
/* after the decision that used the evidence is saved: erase what was archived */
int bg_evidence_erase(const struct bg_sources *src, uint64_t boot_id,
		      struct bulkhead_msg *msg);

#endif /* BG_EVIDENCE_H */
