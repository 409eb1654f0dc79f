/*
 * input - the record stream of every program: operands in order, NDJSON or
 * CSV rows, each validated and indexed, bad lines rejected and counted.
 */
#ifndef PK_INPUT_H
#define PK_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/json.h"
#include "lib/progress.h"
#include "lib/reader.h"
#include "lib/reject.h"

struct pk_csv;

/* One record; borrowed; valid until the next call on the input. */
struct pk_rec {
	const char *raw;	/* the line (CSV: the row's lines) as read, no '\n' */
	size_t rawn;
	const char *json;	/* the object's JSON text (== raw for NDJSON) */
	size_t jsonn;
	const char *source;	/* file name, "<stdin>" */
	long line;		/* first line of the record, 1-based */
	size_t input;		/* index of the operand it came from */
	struct pk_jdoc doc;	/* its indexed top-level members */
};

enum pk_input_flags {
	PK_IN_LINES = 1 << 0,		/* raw lines: no JSON parse (doc is empty) */
	PK_IN_HOLD_PARTIAL = 1 << 1,	/* a last line without '\n' is not returned (--state) */
	PK_IN_DOCUMENT = 1 << 2		/* a file whose first line is no complete JSON value
					   is a sequence of documents (one, or several
					   concatenated); their items are the records */
};

struct pk_input {
	const char *tool;
	char **paths;		/* operands; none means "-" */
	size_t npaths;
	size_t cur;
	unsigned flags;
	int csv;		/* force CSV; otherwise by a ".csv" name */
	size_t max_line;
	int progress;		/* -1 auto, 0, 1 */
	int quiet;		/* no per-record messages on stderr */
	const char *reject_path;	/* --reject FILE, opened on the first call */
	struct pk_reject rej;

	/* Called after each operand is opened (for resuming at a position):
	 * return 0 to go on, -1 to stop with err. */
	int (*on_open)(struct pk_input *in, struct pk_reader *r, void *ctx, struct pk_err *err);
	void *ctx;
	/* Called when the input would wait for more data (pk_reader_on_wait). */
	void (*on_wait)(void *arg);
	void *wait_arg;

	/* private */
	struct pk_reader *r;
	struct pk_csv *csvp;
	int cur_csv;
	struct pk_rec rec;
	int opened;
	uint64_t done_size;
	struct pk_progress prog;
	unsigned prog_tick;
	struct pk_buf doc;	/* PK_IN_DOCUMENT: the whole file */
	struct pk_jval docarr;	/* the items of the current document */
	size_t docpos;
	int indoc;
	int nodoc;		/* this operand proved not to be a document */
	size_t docnext;		/* where the next document may start in doc */
	const char *lnp;	/* line counting in doc: lnp is on line lnno */
	long lnno;
};

#define PK_INPUT_INIT { NULL, NULL, 0, 0, 0, 0, 0, -1, 0, NULL, PK_REJECT_INIT, NULL, NULL, \
	NULL, NULL, NULL, NULL, 0, { NULL, 0, NULL, 0, NULL, 0, 0, PK_JDOC_INIT }, 0, 0, PK_PROGRESS_INIT, 0, \
	PK_BUF_INIT, { PK_J_NONE, 0, NULL, 0 }, 0, 0, 0, 0, NULL, 0 }

/* Operands (borrowed; argv). n == 0 means stdin. */
void pk_input_operands(struct pk_input *in, int n, char **paths);
/*
 * Next record: 1 with *rec; 0 at the end of the last operand (or after
 * SIGINT/SIGTERM: the record stream stops early and the program finishes
 * normally); -1 with err (IO; DATA when --max-errors is exceeded). Lines
 * that are not JSON objects are rejected here; blank lines are skipped and
 * not counted.
 */
int pk_input_next(struct pk_input *in, const struct pk_rec **rec, struct pk_err *err);
/* The program rejects a record it cannot use (missing field ...). 0 or -1. */
int pk_input_reject(struct pk_input *in, const struct pk_rec *rec, const char *reason,
    struct pk_err *err);
/* The reader of the operand being read (NULL before the first/after the last). */
struct pk_reader *pk_input_reader(struct pk_input *in);
/* Close the current reader, the reject log; 0 or -1 (IO). */
int pk_input_close(struct pk_input *in, struct pk_err *err);

#endif
