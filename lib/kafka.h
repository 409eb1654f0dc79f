/*
 * kafka - the one Kafka layer of pipekit: kcat-style configuration with
 * secrets kept out of every message, an idempotent producer with delivery
 * reports, a consumer-group consumer with manual commits, and transactions.
 */
#ifndef PK_KAFKA_H
#define PK_KAFKA_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/kcat.h"

/* What replaces a secret wherever the layer writes text. */
#define PK_KAFKA_REDACTED "****"

/*
 * Log lines from librdkafka (syslog levels, 0 emergency .. 7 debug), with
 * secrets already scrubbed. Called from librdkafka's threads: the function
 * must be thread-safe (a single fprintf to stderr is).
 */
typedef void pk_klog_fn(void *arg, int level, const char *facility, const char *msg);

/* Where a setting came from; a later layer overrides an earlier one. */
enum pk_klayer {
	PK_KLAYER_ENV = 0,	/* the file named by $PIPEKIT_KAFKA_CONFIG */
	PK_KLAYER_FILE = 1,	/* -F */
	PK_KLAYER_ARG = 2	/* -b, -X */
};

struct pk_kprop {
	char *name;
	char *value;
	enum pk_klayer layer;
	char *origin;		/* "file:line" or "-X", for messages */
};

/*
 * Configuration as gathered from the command line. Options may be given in
 * any order; they are applied env file < -F < -X (-b counts as -X
 * bootstrap.servers), the last one winning within a layer.
 */
struct pk_kconf {
	struct pk_kprop *prop;
	size_t nprop, cap;
	int dump;		/* -X dump was given: the caller prints pk_kconf_dump */
	pk_klog_fn *log;	/* NULL: librdkafka's log lines are dropped */
	void *log_arg;
};

#define PK_KCONF_INIT { NULL, 0, 0, 0, NULL, NULL }

void pk_kconf_release(struct pk_kconf *c);
/* Set name=value in a layer; origin is copied (NULL for "-X"). */
void pk_kconf_set(struct pk_kconf *c, enum pk_klayer layer, const char *name,
    const char *value, const char *origin);
/* -b LIST */
void pk_kconf_brokers(struct pk_kconf *c, const char *list);
/* -X ARG: "prop=value", or "dump". 0, or -1 with err (USAGE). */
int pk_kconf_arg(struct pk_kconf *c, const char *arg, struct pk_err *err);
/* -F PATH (or the env layer): key=value lines, # and ! comments, blank lines. */
int pk_kconf_file(struct pk_kconf *c, const char *path, enum pk_klayer layer,
    struct pk_err *err);
/* Read $PIPEKIT_KAFKA_CONFIG when set and not empty. 0 or -1 with err. */
int pk_kconf_env(struct pk_kconf *c, struct pk_err *err);
/* The value that wins for name, or NULL (borrowed; valid until the next change to c). */
const char *pk_kconf_get(const struct pk_kconf *c, const char *name);

/* 1 when a property's value is a secret (password, secret, private key). */
int pk_kconf_is_secret(const char *name);
/*
 * Replace every occurrence of every secret value of c in the NUL-terminated
 * s (of capacity cap) by PK_KAFKA_REDACTED, truncating to fit.
 */
void pk_kconf_scrub(const struct pk_kconf *c, char *s, size_t cap);

enum pk_krole { PK_KROLE_PRODUCER, PK_KROLE_CONSUMER };

/*
 * -X dump: the effective librdkafka configuration for a role (defaults,
 * pipekit's own defaults and the user's settings) as "name = value" lines
 * under "# Global config" and "# Topic config", secrets redacted. Appended
 * to out. 0, or -1 with err (USAGE for a rejected property).
 */
int pk_kconf_dump(const struct pk_kconf *c, enum pk_krole role, struct pk_buf *out,
    struct pk_err *err);

/* --- producer --------------------------------------------------------- */

struct pk_kmsg {
	const char *topic;
	int32_t partition;	/* -1 (RD_KAFKA_PARTITION_UA): the partitioner decides */
	const void *key;	/* NULL: no key */
	size_t keylen;
	const void *value;	/* NULL: null payload (a tombstone) */
	size_t len;
	const struct pk_khdr *hdrs;
	size_t nhdrs;
	int64_t ts;		/* ms; 0: now */
	void *opaque;		/* handed back in the delivery report */
};

/* One delivery report. err == 0 is success; errstr is scrubbed. */
struct pk_kdr {
	const char *topic;
	int32_t partition;
	int64_t offset;
	int err;		/* rd_kafka_resp_err_t */
	const char *errstr;
	void *opaque;
};

/* Called on the thread that polls (send, poll, flush, close), never concurrently. */
typedef void pk_kdr_fn(void *arg, const struct pk_kdr *dr);

/* Per-partition outcome of delivery reports. */
struct pk_kpcount {
	const char *topic;	/* borrowed from the producer */
	int32_t partition;
	uint64_t delivered;
	uint64_t failed;
};

struct pk_kprod;

/*
 * A producer. Unless the configuration says otherwise: enable.idempotence
 * =true, acks=all, partitioner=murmur2_random (Java's placement of keys),
 * queue.buffering.max.messages=10000 (memory bounded) and linger.ms=1
 * (see kafka.c).
 * With transactional.id set it is a transactional producer: call
 * pk_kprod_txn_init before the first transaction. on_dr may be NULL.
 * Returns a new producer (free with pk_kprod_close), or NULL with err
 * (USAGE for bad configuration, KAFKA otherwise).
 */
struct pk_kprod *pk_kprod_new(const struct pk_kconf *c, pk_kdr_fn *on_dr, void *dr_arg,
    struct pk_err *err);
/*
 * Queue one message (key, value and headers are copied). Blocks, serving
 * delivery reports, while the local queue is full. 0, or -1 with err (KAFKA:
 * a fatal producer error, unknown topic or partition, message too large).
 * A message with no headers and no timestamp, to a non-transactional
 * producer, may be held in a batch until the next send fills it or the
 * next pk_kprod_poll/flush/close; librdkafka refusing such a message (too
 * large, no such partition) is reported as a failed delivery instead of
 * by -1. A caller about to wait for input calls pk_kprod_poll(p, 0).
 */
int pk_kprod_send(struct pk_kprod *p, const struct pk_kmsg *m, struct pk_err *err);
/* Hand on batched messages, then serve delivery reports for up to
 * timeout_ms. Returns how many reports were served. */
int pk_kprod_poll(struct pk_kprod *p, int timeout_ms);
/* Wait until nothing is outstanding (timeout_ms < 0: as long as it takes). 0 or -1. */
int pk_kprod_flush(struct pk_kprod *p, int timeout_ms, struct pk_err *err);
/* Messages queued and not yet reported. */
size_t pk_kprod_outstanding(const struct pk_kprod *p);
/* Totals so far. */
uint64_t pk_kprod_delivered(const struct pk_kprod *p);
uint64_t pk_kprod_failed(const struct pk_kprod *p);
/* Per-partition counts (borrowed; valid until the next call on p), sorted by topic, partition. */
const struct pk_kpcount *pk_kprod_counts(struct pk_kprod *p, size_t *n);
/* The first delivery failure's message (scrubbed), or NULL. Borrowed. */
const char *pk_kprod_first_error(const struct pk_kprod *p);
/*
 * Wait for every outstanding message, then free p (NULL-safe). Returns the
 * number of messages whose delivery failed over p's life (the caller exits
 * 4 if any), or -1 with err when p hit a fatal error (its unsent messages
 * are counted as failed and err says why).
 */
long pk_kprod_close(struct pk_kprod *p, struct pk_err *err);

/* --- consumer ---------------------------------------------------------- */

struct pk_ktp {
	const char *topic;
	int32_t partition;
	int64_t offset;		/* assign: where to start (-2 beginning, -1 end, -1001 committed) */
};

/*
 * Rebalance hooks, called from pk_kcons_poll. On revoke, the caller makes
 * its output durable and pk_kcons_store()s what it finished; the layer then
 * commits those stored offsets of the revoked partitions before giving
 * them up. Either hook may be NULL.
 */
struct pk_kcons_hooks {
	void (*assigned)(void *arg, const struct pk_ktp *tps, size_t n);
	void (*revoked)(void *arg, const struct pk_ktp *tps, size_t n);
	void *arg;
};

struct pk_kcons;

/*
 * A consumer in group (NULL for none: then only assign and queries work).
 * enable.auto.commit=false and auto.offset.reset=earliest unless configured;
 * with at_end, pk_kcons_poll returns 0 once every assigned partition is at
 * its end (kcat's -e). Returns a new consumer (free with pk_kcons_close), or
 * NULL with err.
 */
struct pk_kcons *pk_kcons_new(const struct pk_kconf *c, const char *group, int at_end,
    const struct pk_kcons_hooks *hooks, struct pk_err *err);
int pk_kcons_subscribe(struct pk_kcons *k, const char *const *topics, size_t n,
    struct pk_err *err);
int pk_kcons_assign(struct pk_kcons *k, const struct pk_ktp *tps, size_t n, struct pk_err *err);

/* Poll results besides 1 (a record), 0 (at end) and -1 (error). */
#define PK_KPOLL_IDLE 2

/*
 * Wait up to timeout_ms for a record. 1 with *rec (borrowed; valid until
 * the next call on k), PK_KPOLL_IDLE when nothing came, 0 when at_end was
 * asked and every assigned partition has reached its end, -1 with err
 * (KAFKA) on a consumer error that is not transient.
 */
int pk_kcons_poll(struct pk_kcons *k, int timeout_ms, const struct pk_krec **rec,
    struct pk_err *err);
/* Mark topic/partition as done up to and including offset (durable output). */
void pk_kcons_store(struct pk_kcons *k, const char *topic, int32_t partition, int64_t offset);
/*
 * Synchronously commit the stored offsets (of assigned partitions) not yet
 * committed. 0 done; 1 deferred because the group is rebalancing (they stay
 * stored, and are committed at the next commit or on revocation); -1 with
 * err.
 */
int pk_kcons_commit(struct pk_kcons *k, struct pk_err *err);
/* Number of partitions of topic from broker metadata: >0, or -1 with err. */
int pk_kcons_partitions(struct pk_kcons *k, const char *topic, int timeout_ms,
    struct pk_err *err);
/* Low and high watermark of one partition. 0 or -1 with err. */
int pk_kcons_watermarks(struct pk_kcons *k, const char *topic, int32_t partition,
    int64_t *low, int64_t *high, int timeout_ms, struct pk_err *err);
/*
 * The group's committed offset of each of tps[0..n) written to
 * tps[i].offset (-1001 when nothing is committed). 0 or -1 with err.
 */
int pk_kcons_committed(struct pk_kcons *k, struct pk_ktp *tps, size_t n, int timeout_ms,
    struct pk_err *err);
/*
 * Leave the group (revoke hooks run, stored offsets are committed) and free
 * k (NULL-safe). 0, or -1 with err when the last commit failed.
 */
int pk_kcons_close(struct pk_kcons *k, struct pk_err *err);

/* --- transactions -------------------------------------------------------- */

/* A transactional call's error the caller can recover from by aborting. */
#define PK_KTXN_ABORTABLE (-2)

/*
 * Each returns 0; PK_KTXN_ABORTABLE with err (KAFKA) when the transaction
 * must be aborted (then pk_kprod_txn_abort and start again); -1 with err
 * (KAFKA) on a fatal error (the producer is unusable). Retriable errors are
 * retried within timeout_ms.
 */
int pk_kprod_txn_init(struct pk_kprod *p, int timeout_ms, struct pk_err *err);
int pk_kprod_txn_begin(struct pk_kprod *p, struct pk_err *err);
/* Commit k's stored offsets inside the transaction (with its group metadata). */
int pk_kprod_txn_send_offsets(struct pk_kprod *p, struct pk_kcons *k, int timeout_ms,
    struct pk_err *err);
int pk_kprod_txn_commit(struct pk_kprod *p, int timeout_ms, struct pk_err *err);
int pk_kprod_txn_abort(struct pk_kprod *p, int timeout_ms, struct pk_err *err);

#endif
