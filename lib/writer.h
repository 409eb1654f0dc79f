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
 * Open path; NULL or "-" is stdout, named "<stdout>". A regular file (new
 * or existing) is written to ".NAME.tmp.XXXXXX" in its directory and
 * renamed over it by pk_writer_close, keeping an existing file's mode; a
 * symlink's target is replaced, not the link. A path that exists and is
 * not a regular file (a FIFO, /dev/full, /dev/null) is written in place,
 * never replaced; /dev/stdout, /dev/stderr and /dev/fd/N write to a copy
 * of that descriptor, so the shell's redirection (append, offset) holds.
 * A name ending in ".zst" is zstd-compressed (level from
 * pk_writer_set_level, default 3; content checksum on), ".gz"
 * gzip-compressed (default level 6), unless PK_W_NO_COMPRESS or
 * PK_W_APPEND. Output is buffered (128 KiB), except that each line goes
 * out at once to a terminal and to APPEND writers. Returns a new writer
 * (close with pk_writer_close or pk_writer_abort) or NULL with err set
 * (IO, "PATH: strerror").
 */
struct pk_writer *pk_writer_open(const char *path, unsigned flags, struct pk_err *err);
/* Before the first write; gzip levels are clamped to 0..9. */
void pk_writer_set_level(struct pk_writer *w, int level);

/*
 * Every write error is returned (IO, "PATH: strerror") and sticks: later
 * calls fail the same way, and pk_writer_close removes the temporary.
 * A closed pipe ends the process by SIGPIPE unless the caller ignores
 * SIGPIPE, in which case it is an IO error ("Broken pipe").
 */
int pk_writer_write(struct pk_writer *w, const void *data, size_t n, struct pk_err *err);
/* data followed by '\n'; for APPEND writers the record reaches the file
 * in one write(2) (and the disk with SYNC_EACH) before this returns. */
int pk_writer_line(struct pk_writer *w, const void *data, size_t n, struct pk_err *err);
/* Hand buffered bytes to the kernel; a compressed stream is flushed to a
 * block boundary (readable so far), its frame is not ended. */
int pk_writer_flush(struct pk_writer *w, struct pk_err *err);
/* Uncompressed bytes accepted so far. */
unsigned long long pk_writer_bytes(const struct pk_writer *w);
const char *pk_writer_path(const struct pk_writer *w);	/* borrowed; "<stdout>" for stdout */

/*
 * Finish: flush, end the compression frame, fsync (regular files), close,
 * rename the temporary file over path and fsync its directory; for stdout,
 * close(1) and check it. Frees w in every case; on failure the temporary
 * is removed and no final file appears.
 * Returns 0, or -1 with err set (IO; "/dev/full: No space left on device").
 */
int pk_writer_close(struct pk_writer *w, struct pk_err *err);
/* Give up: the temporary file is removed, no final file appears; an APPEND
 * log keeps what it holds. Frees w. */
void pk_writer_abort(struct pk_writer *w);
/*
 * Abort every writer still open (fatal-error path, exit 3/4): temporaries
 * removed, descriptors closed (stdout left open). The writers are not
 * freed: their owners may still call pk_writer_close (which then fails)
 * or pk_writer_abort. Not async-signal-safe: call it from the exit path,
 * not from a signal handler.
 */
void pk_writer_abort_all(void);

#endif
