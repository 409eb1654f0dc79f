/*
 * writer - buffered, checked output: stdout, whole files by temp + rename, append-only logs.
 */
#ifndef PK_WRITER_H
#define PK_WRITER_H

#include <stddef.h>

#include "lib/err.h"

enum pk_writer_flags {
	PK_W_DEFAULT = 0,	/* regular file: temp name in the same dir, renamed on close */
	PK_W_APPEND = 1 << 0,	/* append-only log: O_APPEND, each record written through
				   with write(2) as it completes, fsynced at close */
	PK_W_SYNC_EACH = 1 << 1,	/* with APPEND: fsync after every record (ledger) */
	PK_W_NO_COMPRESS = 1 << 2,	/* ignore a .zst/.gz name */
	PK_W_REPLACE_ONLY = 0	/* reserved */
};

struct pk_writer;

/*
 * Open path; NULL or "-" is stdout. A path that exists and is not a regular
 * file (/dev/stdout, a FIFO, /dev/full) is written in place, never replaced.
 * A name ending in ".zst" is zstd-compressed (level from
 * pk_writer_set_level, default 3), ".gz" gzip-compressed, unless
 * PK_W_NO_COMPRESS. Returns a new writer (close with pk_writer_close or
 * pk_writer_abort) or NULL with err set (IO).
 */
struct pk_writer *pk_writer_open(const char *path, unsigned flags, struct pk_err *err);
void pk_writer_set_level(struct pk_writer *w, int level);

int pk_writer_write(struct pk_writer *w, const void *data, size_t n, struct pk_err *err);
/* data followed by '\n'; for APPEND writers the record reaches the file
 * (and the disk with SYNC_EACH) before this returns. */
int pk_writer_line(struct pk_writer *w, const void *data, size_t n, struct pk_err *err);
int pk_writer_flush(struct pk_writer *w, struct pk_err *err);
/* Uncompressed bytes accepted so far. */
unsigned long long pk_writer_bytes(const struct pk_writer *w);
const char *pk_writer_path(const struct pk_writer *w);	/* borrowed; "<stdout>" for stdout */

/*
 * Finish: flush, end the compression frame, fsync, rename the temporary
 * file over path (or close stdout and check it). Frees w in every case.
 * Returns 0, or -1 with err set (IO; "No space left on device" for /dev/full).
 */
int pk_writer_close(struct pk_writer *w, struct pk_err *err);
/* Give up: the temporary file is removed, no final file appears. Frees w. */
void pk_writer_abort(struct pk_writer *w);
/* Abort every writer still open (fatal-error path, exit 3/4). */
void pk_writer_abort_all(void);

#endif
