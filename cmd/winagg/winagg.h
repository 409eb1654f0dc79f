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
#include "lib/kafka.h"
#include "lib/progress.h"
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

/*
 * One assigned Kafka partition (kafka.c): its window engine, watermark and
 * the rows of windows it closed that the instance watermark has not passed
 * yet. All of it is what its state file holds.
 */
struct wpart {
	char *topic;
	int32_t partition;
	struct shard *shard;
	int loaded;		/* state read (or none found) since the assignment */
	int dirty;		/* changed since its state was last saved */
	int64_t next;		/* next offset to read: records below are in the state */
	int64_t maxt;		/* highest event time seen (INT64_MIN: none) */
	int64_t floor;		/* --flush moved the watermark here */
	int64_t closed;		/* the engine has closed windows up to here */
	uint64_t out_seq;	/* -O: number of the partition's last file */
	struct win_row *rows;	/* closed, not yet released; sorted */
	size_t nrows, caprows;
	struct pk_buf rdata;
	int64_t active_ns;	/* monotonic time of its last record or assignment */
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

	struct pk_progress prog;	/* --progress over the files */
	uint64_t prog_done;		/* bytes of the inputs finished */

	struct pk_writer *w;		/* stdout, or the -O file once opened */
	char *opath;
	uint64_t rows;

	/* Kafka (-b -t -G): kafka.c */
	int kafka;
	struct pk_kconf kconf;
	const char *topic, *group, *out_topic;
	int at_end, envelope;
	int64_t idle_timeout;		/* ns of quiet before a partition stops holding the watermark; 0 never */
	int64_t commit_interval;	/* ns */
};

/* The watermark now: INT64_MIN before any event time. */
int64_t wa_wm(const struct wa *wa);
/* Event time t arrived on input k. */
void wa_seen(struct wa *wa, size_t k, int64_t t);
/* Shard of a group key hash (its upper bits, so tables inside a shard
 * still spread on the lower ones). */
#define WA_SHARD(wa, h) ((size_t)(((h) >> 32) % (wa)->nshards))

/* run.c */
/* Per-thread parsing scratch. */
struct parser {
	struct pk_jdoc doc;
	struct pk_buf key, why, tmp;
	struct agg_val *v;
	int csv;		/* rows from CSV: an empty cell is no value */
};

void parser_init(struct parser *ps, const struct wa *wa);
void parser_release(struct parser *ps);
/*
 * Parse a line into event time, group key (ps->key) and aggregate values
 * (ps->v). 1 ok; 0 rejected with the reason in ps->why.
 */
int parse_line(const struct wa *wa, struct parser *ps, const char *line, size_t len,
    int64_t *t);
/* Count a late record and log it to --late. 0 or -1 with err. */
int late_record(struct wa *wa, const char *source, long line, const char *raw, size_t rawn,
    int64_t t, int64_t wm, struct pk_err *err);
int wa_run(struct wa *wa, struct pk_err *err);
int wa_drain(struct wa *wa, struct pk_err *err);

/* state.c */
void wa_fingerprint(const struct wa *wa, struct pk_buf *out);
/* 0 loaded, 1 no state file yet, -1 err (USAGE: another version or
 * setting; DATA: corrupt; IO). */
int wa_state_load(struct wa *wa, struct pk_err *err);
int wa_state_save(struct wa *wa, struct pk_err *err);
/*
 * A Kafka partition's state file: everything in struct wpart. load: 0
 * loaded into pt (a fresh one: topic and partition set, no shard), 1 no
 * such file, -1 err (USAGE: another version or setting; DATA: corrupt; IO).
 * save: temp + fsync + rename.
 */
int wa_part_load(struct wa *wa, struct wpart *pt, const char *path, struct pk_err *err);
int wa_part_save(struct wa *wa, const struct wpart *pt, const char *path, struct pk_err *err);

/* kafka.c: the whole run over a consumer group; 0 or -1 with err. */
int wa_kafka_run(struct wa *wa, struct pk_err *err);

/* Fill pos->dev..headhash from the file as it is now (regular files). */
void wa_pos_ident(struct inpos *pos);

#endif
