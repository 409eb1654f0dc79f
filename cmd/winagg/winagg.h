/*
 * winagg - the run's shared context: settings, inputs and their saved
 * positions, watermarks, the shards of the window engine and the output.
 */
#ifndef WINAGG_WINAGG_H
#define WINAGG_WINAGG_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/cli.h"
#include "lib/input.h"
#include "lib/json.h"
#include "lib/reject.h"
#include "lib/time.h"
#include "lib/writer.h"

#include "agg.h"
#include "windows.h"

/* Where an input was left, as saved in the state file. */
struct inpos {
	char *path;
	uint64_t dev, ino, size;
	int64_t mtime;		/* ns */
	uint64_t off;		/* byte offset after the last complete line read */
	int64_t line;		/* lines up to off */
	int64_t maxt;		/* highest event time seen (INT64_MIN: none) */
	uint64_t headhash;	/* pk_hash64 of the first headlen bytes */
	uint64_t headlen;
	int known;		/* loaded from the state file */
};

struct wa {
	struct pk_cli *cli;
	struct pk_input *in;		/* counters and the reject log */
	struct win_cfg win;
	struct agg_cfg agg;
	const char *tfield;
	struct pk_path tpath;
	struct pk_path *gpaths;
	size_t ng;
	int missing_null;
	enum pk_time_unit unit;
	int64_t lateness;
	int per_input;
	int jobs;
	size_t max_line;
	const char *state_path;
	int flush;
	const char *outdir;
	const char *late_path;
	struct pk_envlog late;

	struct shard **shards;
	size_t nshards;
	_Atomic uint64_t live;

	/* watermark: max event time (per input with per_input) - lateness,
	 * never below floor (--flush moves floor past what it emitted) */
	int64_t floor;
	int64_t gmax;
	int64_t minmax;			/* per_input: min over inputs, cached */
	uint64_t next_seq;
	uint64_t out_seq;		/* -O: number of the last file written */

	char **paths;
	size_t npaths;
	struct inpos *pos;		/* one per operand */
	struct inpos *old;		/* loaded entries, matched to operands by path */
	size_t nold;

	struct pk_writer *w;		/* stdout, or the -O file once opened */
	char *opath;
	uint64_t rows;
};

/* The watermark now: INT64_MIN before any event time. */
int64_t wa_wm(const struct wa *wa);
/* Event time t arrived on input k. */
void wa_seen(struct wa *wa, size_t k, int64_t t);
/* Shard of a group key hash (its upper bits, so tables inside a shard
 * still spread on the lower ones). */
#define WA_SHARD(wa, h) ((size_t)(((h) >> 32) % (wa)->nshards))

/* run.c */
int wa_run(struct wa *wa, struct pk_err *err);
int wa_drain(struct wa *wa, struct pk_err *err);

/* state.c */
void wa_fingerprint(const struct wa *wa, struct pk_buf *out);
/* 0 loaded, 1 no state file yet, -1 err (USAGE: another version or
 * setting; DATA: corrupt; IO). */
int wa_state_load(struct wa *wa, struct pk_err *err);
int wa_state_save(struct wa *wa, struct pk_err *err);
/* Fill pos->dev..headhash from the file as it is now (regular files). */
void wa_pos_ident(struct inpos *pos);

#endif
