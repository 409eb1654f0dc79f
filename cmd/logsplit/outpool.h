/*
 * outpool - logsplit's output files: many files through a bounded number of
 * open descriptors, each written under a temporary dot-name and renamed
 * into place when the run completes.
 */
#ifndef LOGSPLIT_OUTPOOL_H
#define LOGSPLIT_OUTPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

struct outpool_opts {
	size_t max_open;		/* descriptors kept open at once (>= 1) */
	unsigned long long max_bytes;	/* rotate past this many uncompressed bytes; 0 never */
	int level;			/* zstd level (gzip: 6) */
	int append;			/* --append: add to existing files instead of replacing */
};

struct outpool;
struct outgroup;		/* one rendered template: a file, or a {seq} series */

/*
 * A pool. While the pool exists an atexit handler removes every temporary
 * file that was not committed, so pk_die and exit() leave no trace; only
 * SIGKILL leaves the dot-files behind. Returns a new pool (free with
 * outpool_free).
 */
struct outpool *outpool_new(const struct outpool_opts *o);

/*
 * The group of a rendering (tpl_render's output, {seq} markers included):
 * created on first use; borrowed, valid until outpool_free.
 */
struct outgroup *outpool_group(struct outpool *p, const char *r, size_t rn);

/* Append data and a '\n' to the group's current file. 0 or -1 with err (IO). */
int outpool_line(struct outpool *p, struct outgroup *g, const void *data, size_t n,
    struct pk_err *err);

/*
 * End of the run: finish and fsync every file, then rename each over its
 * final name (--append: add its bytes to the end of the existing file).
 * 0, or -1 with err (IO); on error the files not yet renamed are removed.
 */
int outpool_commit(struct outpool *p, struct pk_err *err);
/* Remove every temporary file not committed. */
void outpool_abort(struct outpool *p);
void outpool_free(struct outpool *p);

/* Files written (final names), descriptor reopenings (evictions) so far. */
size_t outpool_nfiles(const struct outpool *p);
uint64_t outpool_reopens(const struct outpool *p);

#endif
