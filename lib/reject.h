/*
 * reject - nothing is lost: rejected records as envelopes, per-record
 * messages, --max-errors, and the read = used + rejected + late accounting.
 */
#ifndef PK_REJECT_H
#define PK_REJECT_H

#include <stdint.h>
#include <stdio.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/writer.h"

/*
 * One envelope line (without '\n') appended to out:
 * {"error":..,"tool":..,"source":..,"line":N,"raw":".."|"raw_base64":"..","ts":".."}
 * raw is kept byte-exact: as "raw" when it is valid UTF-8, else "raw_base64".
 * line < 0 is written as null. ts_ns is when it is written.
 */
void pk_envelope(struct pk_buf *out, const char *tool, const char *error,
    const char *source, long line, const void *raw, size_t rawn, int64_t ts_ns);

/* An append-only NDJSON log of envelopes (--reject, --late, --park). */
struct pk_envlog {
	const char *tool;
	struct pk_writer *w;	/* NULL: nothing is written */
	struct pk_buf line;
	/* Lines are Kafka offsets, where 0 is the first record; otherwise
	 * they count from 1 and a line <= 0 is none (written as null). */
	int offsets;
};

int pk_envlog_open(struct pk_envlog *log, const char *tool, const char *path, struct pk_err *err);
int pk_envlog_write(struct pk_envlog *log, const char *error, const char *source, long line,
    const void *raw, size_t rawn, struct pk_err *err);
int pk_envlog_close(struct pk_envlog *log, struct pk_err *err);

struct pk_reject {
	const char *tool;
	FILE *diag;			/* per-record messages; NULL for none */
	long long max_errors;		/* -1 unlimited */
	struct pk_envlog log;
	uint64_t read, rejected, late;
	int has_late;			/* the tool counts late records (winagg) */
};

#define PK_REJECT_INIT { NULL, NULL, -1, { NULL, NULL, PK_BUF_INIT, 0 }, 0, 0, 0, 0 }

/* path NULL: messages and counts only. */
int pk_reject_open(struct pk_reject *rj, const char *tool, const char *path, struct pk_err *err);
/*
 * Count one rejected record, print `tool: source:line: reason` (`tool:
 * source: reason` without a line, see pk_envlog.offsets), write its
 * envelope. Returns 0, or -1 with err (DATA: "too many rejected records
 * (--max-errors N)"; IO: the reject file failed).
 */
int pk_reject_add(struct pk_reject *rj, const char *source, long line, const void *raw,
    size_t rawn, const char *reason, struct pk_err *err);
int pk_reject_close(struct pk_reject *rj, struct pk_err *err);
/* `tool: 1000 read, 990 used, 8 rejected, 2 late` (late only when has_late). */
void pk_reject_summary(const struct pk_reject *rj, struct pk_buf *out);

#endif
