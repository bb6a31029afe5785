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

#include "state.h"

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

/* parse one pstore record's text; fills @ev if stronger than what it holds */
void bg_evidence_scan_text(const char *text, size_t len, const char *origin,
			   struct bg_evidence *ev);
int bg_evidence_gather(const struct bg_sources *src, uint64_t boot_id,
		       struct bg_evidence *ret, struct bulkhead_msg *msg);
/* after the decision that used the evidence is saved: erase what was archived */
int bg_evidence_erase(const struct bg_sources *src, uint64_t boot_id,
		      struct bulkhead_msg *msg);

#endif /* BG_EVIDENCE_H */
