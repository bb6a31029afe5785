/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * fileio.h - how a temporary file for a crash-safe replace is created
 * (the rest of fileio.c is declared in util.h).
 *
 * A writer that replaces NAME writes a temporary file beside it and
 * renames it over NAME.  That temporary file is always a new file made by
 * this writer: O_EXCL (a stale one, left by a run that crashed, is
 * unlinked first, or the name is unique: mkostemp) and O_NOFOLLOW, so a
 * symbolic link or a hard link planted at its name is never written
 * through.  With a link planted again between the unlink and the open,
 * the open fails (EEXIST) and the write fails cleanly with a message.
 */
#ifndef BULKHEAD_FILEIO_H
#define BULKHEAD_FILEIO_H

#include <fcntl.h>

/* open(2) flags of a temporary file at a fixed name (NAME.tmp) */
#define BULKHEAD_TMP_OPEN_FLAGS	(O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC)

/* mkostemp(3) flags of a uniquely named one (mkostemp adds O_CREAT|O_EXCL) */
#define BULKHEAD_TMP_MKOSTEMP_FLAGS	(O_NOFOLLOW | O_CLOEXEC)

#endif /* BULKHEAD_FILEIO_H */
