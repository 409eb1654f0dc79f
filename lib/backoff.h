/*
 * backoff - retry delays (exponential backoff with full, equal, decorrelated
 * or no jitter) from a seeded PRNG, and a token bucket for rate limits.
 */
#ifndef PK_BACKOFF_H
#define PK_BACKOFF_H

#include <stdint.h>

#include "lib/err.h"
#include "lib/time.h"

/* xoshiro256** (Blackman and Vigna, 2018), seeded through splitmix64. */
struct pk_rng {
	uint64_t s[4];
};

/* Seed a stream: the same (seed, stream) pair always gives the same values,
 * so each record can draw from its own stream whatever the scheduling. */
void pk_rng_seed(struct pk_rng *r, uint64_t seed, uint64_t stream);
uint64_t pk_rng_next(struct pk_rng *r);
/* Uniform integer in [lo, hi] (inclusive, no modulo bias); lo when hi <= lo. */
int64_t pk_rng_range(struct pk_rng *r, int64_t lo, int64_t hi);

enum pk_jitter {
	PK_JITTER_FULL = 0,	/* uniform in [0, c] */
	PK_JITTER_EQUAL,	/* c/2 + uniform in [0, c/2] */
	PK_JITTER_DECORRELATED,	/* min(cap, uniform in [base, 3 * previous delay]) */
	PK_JITTER_NONE		/* c */
};

/* Delays in nanoseconds; c = min(cap, base * 2^(k-1)) before retry k. */
struct pk_backoff {
	enum pk_jitter jitter;
	int64_t base;
	int64_t cap;
};

/* The defaults: full jitter, 1s..5m. */
#define PK_BACKOFF_INIT { PK_JITTER_FULL, PK_NS_PER_SEC, 300 * PK_NS_PER_SEC }

/* "1s..5m" (durations as lib/time.h reads them; base <= cap): 0, or -1 with
 * err (USAGE). */
int pk_backoff_parse(struct pk_backoff *b, const char *spec, struct pk_err *err);
/* "full", "equal", "decorrelated", "none": 0, or -1 for anything else. */
int pk_jitter_parse(const char *name, enum pk_jitter *j);
const char *pk_jitter_name(enum pk_jitter j);

/* min(cap, base * 2^(retry-1)) for retry >= 1, without overflow. */
int64_t pk_backoff_ceiling(const struct pk_backoff *b, unsigned retry);
/*
 * The delay before retry number retry (1 = the wait after the first
 * attempt failed). *prev carries the previous delay of the same record
 * for decorrelated jitter: start it at 0; it is updated.
 */
int64_t pk_backoff_delay(const struct pk_backoff *b, struct pk_rng *rng, unsigned retry,
    int64_t *prev);

/*
 * A token bucket in its virtual-scheduling form (GCRA): one token every
 * interval nanoseconds, at most burst stored. Exact integer arithmetic,
 * so N sends at rate R take (N - burst) / R seconds.
 */
struct pk_tbucket {
	int64_t interval;	/* ns per token; 0: no limit */
	int64_t burst;		/* >= 1 */
	int64_t tat;		/* theoretical arrival time of the next token */
};

/* "200/s", "200" (per second), "30/m", "1000/h", "0.5/s": tokens per
 * second in *rate (> 0). 0, or -1 with err (USAGE). */
int pk_rate_parse(const char *s, double *rate, struct pk_err *err);
void pk_tbucket_init(struct pk_tbucket *tb, double per_sec, int64_t burst);
/* Take one token at time now (ns, monotonic): 0 when taken, else the
 * nanoseconds to wait before asking again (nothing taken). */
int64_t pk_tbucket_take(struct pk_tbucket *tb, int64_t now);

#endif
