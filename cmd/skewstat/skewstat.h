/*
 * skewstat.h - what skewstat's input modes gather and its report prints.
 */
#ifndef SKEWSTAT_H
#define SKEWSTAT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/cli.h"
#include "lib/partition.h"
#include "lib/skew.h"
#include "lib/spacesaving.h"

enum sk_mode { MODE_RECORDS, MODE_COUNTS, MODE_TOPIC };

/* How a scenario treats salting. */
enum sk_salt { SALT_NONE, SALT_GIVEN, SALT_SUGGESTED };

/* One simulated placement: N partitions, a partitioner, salting or not. */
struct scen {
	int32_t n;
	enum pk_partitioner how;
	enum sk_salt salt;
	int current;		/* the scenario the report is about */
	struct pk_part part;	/* null keys and key-less partitioners */
	uint64_t *counts;
	struct pk_skew m;
};

/* One top key as reported. */
struct keyrow {
	const struct pk_ss_item *it;
	double share;
	int32_t partition;	/* -1: unknown (random/roundrobin, or not placed) */
	size_t salt;		/* 0: none suggested */
	int hot;		/* its partition would exceed the target without salting */
	uint64_t estimate;	/* records the salting model moved (topic mode: scaled) */
};

/* A partition some of whose counts lines gave no bytes. */
#define SK_BYTES_UNKNOWN UINT64_MAX

struct sk {
	struct pk_cli *cli;
	enum sk_mode mode;
	const char *topic;

	/* The distribution reported. */
	size_t np;
	uint64_t *counts;
	uint64_t *bytes;	/* NULL: not known; SK_BYTES_UNKNOWN: not for that one */
	int64_t *low, *high;	/* topic mode */
	int64_t *committed;	/* -G; -1001 nothing committed */
	uint64_t *sampled;	/* --sample: messages read per partition */
	struct pk_skew m;
	uint32_t *order;	/* partitions hottest first */

	/* Keys. */
	int has_keys;
	struct pk_ss ss;
	size_t top;
	uint64_t key_total;	/* records (or sampled messages) the shares are of */
	uint64_t nulls;
	struct keyrow *rows;
	size_t nrows;
	enum pk_partitioner how;	/* primary partitioner, for sub-keys */
	struct pk_part enc;		/* key encoding of sub-keys */

	/* Scenarios (records mode). */
	struct scen *sc;
	size_t nsc;

	/* Settings. */
	double target;
	double max_imbalance;	/* < 0: no check */
	size_t max_salt;
	size_t hottest;
	int color;
};

/* report.c */
void sk_report(struct sk *sk, const char *format);
/* Key bytes as JSON: a string when UTF-8, else {"base64":".."}. */
void sk_add_key(struct pk_buf *b, const void *p, size_t n);

#endif
