/*
 * ledger - an append-only NDJSON file of ids that succeeded (dlqreplay's
 * idempotency ledger): locked against a second writer, loaded into a hash
 * set at open, appended and fsynced in batches the caller controls.
 */
#ifndef PK_LEDGER_H
#define PK_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

/* One id the ledger knows: recorded as a success, or only looked up. */
struct pk_ledger_id {
	uint64_t h;		/* pk_ledger_hash of the id */
	size_t off;		/* into ids */
	uint32_t len;
	uint16_t done;		/* 1: a success (in the file, or queued for it) */
	uint16_t plain;		/* 1: printable ASCII without " or \: JSON as it is */
};

struct pk_ledger_bg;

struct pk_ledger {
	int fd;
	char *path;
	uint64_t *tab;		/* slots: hash tag << 32 | (ref + 1); 0 empty */
	size_t cap;		/* a power of two */
	struct pk_ledger_id *ref;	/* by ref: stable for the ledger's life */
	size_t nref, refcap;
	size_t count;		/* ids recorded as successes */
	struct pk_buf ids;	/* every id's bytes, back to back */
	struct pk_buf pend;	/* lines added, not yet written */
	size_t npend;
	uint64_t loaded;	/* lines read at open */
	int torn;		/* an unfinished last line was cut off at open */
	struct pk_ledger_bg *bg;	/* the background writer, when started */
};

#define PK_LEDGER_INIT { -1, NULL, NULL, 0, NULL, 0, 0, 0, PK_BUF_INIT, PK_BUF_INIT, 0, 0, 0, NULL }

enum pk_ledger_mode {
	PK_LEDGER_WRITE = 0,	/* create if missing, exclusive lock, append */
	PK_LEDGER_READ = 1	/* read what is there (a missing file is empty), no lock */
};

/*
 * Open path and load its ids. Each line is a JSON object with a string
 * "id" (other members are ignored). In write mode the file is locked with
 * flock(LOCK_EX | LOCK_NB): when another process holds it, -1 with err
 * (IO) "ledger 'PATH' is locked by another run"; an unfinished last line
 * (a crash in the middle of an append) is cut off, and torn is set. A
 * complete line that is no ledger entry is an error (DATA, "PATH:N: ..."),
 * never skipped: skipping it could resend what it recorded.
 * 0, or -1 with err.
 */
int pk_ledger_open(struct pk_ledger *l, const char *path, enum pk_ledger_mode mode,
    struct pk_err *err);

/*
 * The hot path: hash an id once with pk_ledger_hash, then pk_ledger_ref
 * finds it or enters it (as no success yet) and returns its ref, a small
 * number that stays valid until pk_ledger_close; pk_ledger_done and
 * pk_ledger_succeed take the ref and look nothing up again.
 */
uint64_t pk_ledger_hash(const void *id, size_t n);
/* The ref of id[0..n) (h = pk_ledger_hash(id, n)), entered if new. */
uint32_t pk_ledger_ref(struct pk_ledger *l, uint64_t h, const void *id, size_t n);
/* 1 when ref is recorded as a success (loaded, or added since), else 0. */
int pk_ledger_done(const struct pk_ledger *l, uint32_t ref);
/*
 * Record ref as a success and queue its line, {"id":"<id>"<members>}
 * where members (may be NULL) is text such as ,"ts":"..." appended
 * verbatim. Nothing reaches the file before pk_ledger_sync. Returns 1 when
 * recorded, 0 when it already was (nothing queued). On a ledger opened in
 * read mode, or never opened (a PK_LEDGER_INIT struct used as a plain
 * set), only the set changes.
 */
int pk_ledger_succeed(struct pk_ledger *l, uint32_t ref, const char *members);

/* 1 when id[0..n) is recorded as a success, else 0 (enters nothing). */
int pk_ledger_has(const struct pk_ledger *l, const void *id, size_t n);
/* pk_ledger_succeed by id: 1 when added, 0 when it was there already. */
int pk_ledger_add(struct pk_ledger *l, const void *id, size_t n, const char *members);
/* Lines queued and not yet synced. */
size_t pk_ledger_pending(const struct pk_ledger *l);
/* Write every queued line in one write(2) and fdatasync: 0, or -1 with err
 * (IO). After a failure the queued lines are kept, so the caller must stop.
 * Stops the background writer first, if there is one. */
int pk_ledger_sync(struct pk_ledger *l, struct pk_err *err);
/*
 * Group commit in the background: a thread of the ledger's own writes and
 * fdatasyncs what pk_ledger_bg_flush hands it while the caller goes on
 * (sending more); the caller learns from pk_ledger_bg_reap how many of the
 * lines it queued are durable, in queue order. Between start and the
 * next pk_ledger_sync or pk_ledger_close, use only these calls to write.
 */
int pk_ledger_bg_start(struct pk_ledger *l, struct pk_err *err);
/* Hand every queued line to the writer if it is idle: the number handed
 * over (0: nothing queued, or the writer still busy with the last lot). */
size_t pk_ledger_bg_flush(struct pk_ledger *l);
/* 1 while the writer has lines it has not made durable yet. */
int pk_ledger_bg_busy(const struct pk_ledger *l);
/* Lines made durable since the last call (>= 0), or -1 with err (IO)
 * once a write or fdatasync failed: the caller must stop. */
long pk_ledger_bg_reap(struct pk_ledger *l, struct pk_err *err);
/* Wait until the writer is idle, then stop it; what it had not written
 * yet is synced by pk_ledger_sync/close as usual. 0 or -1 with err. */
int pk_ledger_bg_stop(struct pk_ledger *l, struct pk_err *err);

/* Sync, unlock, close and free (NULL-safe on an unopened ledger). 0 or -1. */
int pk_ledger_close(struct pk_ledger *l, struct pk_err *err);

#endif
