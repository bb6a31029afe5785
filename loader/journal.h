/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * journal.h - the loader's journal of risky steps (STATE_DIR/loader.journal):
 * a "begin" line fsync'd before inserting a module or pushing content, an
 * "end" line after (fsync'd with the next "begin", or at close).  A "begin" the next boot finds without its "end" names
 * what the machine died doing (docs/evidence.md, "The loader journal").
 */
#ifndef BL_JOURNAL_H
#define BL_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "state.h"

#define BL_JOURNAL_NAME		"loader.journal"
#define BL_JOURNAL_MAX		(64 * 1024)	/* compacted above this at open */
#define BL_JOURNAL_KEEP		(16 * 1024)	/* newest bytes a compaction keeps */

/**
 * struct bl_journal - an open journal
 * @fd: append-only descriptor
 * @path: the file
 * @boot_id: the boot every line is written for
 * @ops: the syscalls it makes (bg_real_fsops, or a test's crash injector)
 * @unsynced: an "end" was written and not yet fsync'd
 */
struct bl_journal {
	int fd;
	char *path;
	uint64_t boot_id;
	const struct bg_fsops *ops;
	bool unsynced;
};

enum bl_journal_op {
	BL_JOURNAL_INSERT,
	BL_JOURNAL_PUSH,
};

int bl_journal_open(const char *state_dir, uint64_t boot_id, const struct bg_fsops *ops,
		    struct bl_journal *j, struct bulkhead_msg *msg);
int bl_journal_step(struct bl_journal *j, bool begin, enum bl_journal_op op,
		    const char *name, uint64_t version, struct bulkhead_msg *msg);
int bl_journal_close(struct bl_journal *j, struct bulkhead_msg *msg);

#endif /* BL_JOURNAL_H */
