/*
 * ddsketch - quantiles that are exact for small samples and within a
 * relative value error alpha beyond (DDSketch), with exact merges.
 */
#ifndef PK_DDSKETCH_H
#define PK_DDSKETCH_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

/* Up to this many values they are kept and quantiles are exact. */
#define PK_DDS_EXACT_MAX 64
#define PK_DDS_DEFAULT_ALPHA 0.01

/* Dense counts for bucket indexes lo .. lo + n - 1. */
struct pk_dds_store {
	int32_t lo;
	uint32_t n;
	uint64_t *c;
};

/*
 * DDSketch (C. Masson, J. E. Rim, H. K. Lee, "DDSketch: a fast and
 * fully-mergeable quantile sketch with relative-error guarantees", VLDB
 * 2019) with the logarithmic mapping: gamma = (1 + alpha) / (1 - alpha), a
 * positive x goes to bucket ceil(log(x) / log(gamma)), whose representative
 * value 2 gamma^i / (gamma + 1) is within alpha of every value in it;
 * negative values mirror into a second store, zero has its own count.
 * Buckets are never collapsed, so the guarantee holds for every quantile;
 * memory is one 8-byte count per bucket between the smallest and the
 * largest magnitude seen (about 115 buckets per factor of 10 at 1%).
 * Counts add on merge, so merging is exact and order-independent.
 */
struct pk_dds {
	double alpha;
	uint64_t count;
	double min, max;	/* exact extremes; estimates are clamped to them */
	/* exact mode: the values themselves, at most PK_DDS_EXACT_MAX */
	double *vals;
	uint32_t nvals, cap;
	int sketch;		/* 1 once the values went into the buckets */
	uint64_t zero;
	struct pk_dds_store pos, neg;
};

/* No allocation; alpha in (0, 1). */
void pk_dds_init(struct pk_dds *d, double alpha);
void pk_dds_release(struct pk_dds *d);
/* v must be finite. */
void pk_dds_add(struct pk_dds *d, double v);
/* dst += src; both must have the same alpha (0, or -1). */
int pk_dds_merge(struct pk_dds *dst, const struct pk_dds *src);
/*
 * The q-quantile (0 <= q <= 1) as DuckDB's quantile_cont defines it: the
 * values sorted, position h = q (n - 1), linear interpolation between the
 * values at ranks floor(h) and ceil(h). Exact up to PK_DDS_EXACT_MAX
 * values; beyond, each of the two ranked values is a bucket estimate
 * within alpha (relative) of the true one, so the result is within alpha
 * of the exact quantile whenever both have the same sign. NAN when empty.
 */
double pk_dds_quantile(const struct pk_dds *d, double q);
size_t pk_dds_bytes(const struct pk_dds *d);

/* Portable encoding (little-endian, doubles as IEEE-754 bits). */
void pk_dds_save(const struct pk_dds *d, struct pk_buf *out);
int pk_dds_load(struct pk_dds *d, const void *p, size_t n, size_t *used, struct pk_err *err);

#endif
