/*
 * progress - the progress line of DESIGN.md's conventions, for programs
 * that read their inputs with their own loop: bytes done of the total,
 * records/s and an ETA, on stderr, refreshed every
 * PIPEKIT_PROGRESS_INTERVAL seconds (default 0.5), cleared at the end.
 */
#ifndef PK_PROGRESS_H
#define PK_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

struct pk_progress {
	const char *tool;
	uint64_t total;		/* bytes of all inputs, as stored (compressed) */
	double start, next, every;
	int on;
};

#define PK_PROGRESS_INIT { NULL, 0, 0, 0, 0, 0 }

/*
 * Decide whether to show the line: mode 0 never; 1 (--progress) or -1
 * (auto, stderr a terminal) when every one of the n paths ("-" is stdin)
 * is a regular file and their total size is known and not 0. Returns
 * p->on.
 */
int pk_progress_start(struct pk_progress *p, const char *tool, int mode, char *const *paths,
    size_t n);
/* Redraw when the interval has passed: done bytes (same measure as the
 * sizes) after records records. Cheap enough to call every few thousand
 * records; does nothing when off. */
void pk_progress_show(struct pk_progress *p, uint64_t done, uint64_t records);
/* Clear the line (once); does nothing when off. */
void pk_progress_end(struct pk_progress *p);

#endif
