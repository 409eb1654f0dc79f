/*
 * hll - distinct counting that is exact for small sets and a HyperLogLog
 * sketch beyond, with a fixed hash so sketches saved by different runs merge.
 */
#ifndef PK_HLL_H
#define PK_HLL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

/* Up to this many distinct hashes the count is exact. */
#define PK_HLL_EXACT_MAX 256
#define PK_HLL_MIN_P 4
#define PK_HLL_MAX_P 18
#define PK_HLL_DEFAULT_P 14

/*
 * The hash of a value's bytes: pk_hash64 (XXH64) with seed 0. Fixed
 * forever: HyperLogLog registers saved in state files depend on it.
 */
uint64_t pk_hll_hash(const void *p, size_t n);

enum pk_hll_mode { PK_HLL_EXACT = 0, PK_HLL_SPARSE, PK_HLL_DENSE };

/*
 * Three representations, each switched to when the one before outgrows
 * it: a sorted array of the 64-bit hashes themselves (exact, at most
 * PK_HLL_EXACT_MAX), a sorted array of (register << 8 | value) words for
 * the non-zero registers, and the dense array of 2^p one-byte registers.
 * The registers are a function of the set of hashes only, so adding and
 * merging in any order give identical sketches.
 */
struct pk_hll {
	uint8_t p;		/* precision: 2^p registers */
	uint8_t mode;		/* enum pk_hll_mode */
	uint32_t n;		/* EXACT: hashes held; SPARSE: words held */
	uint32_t cap;
	uint64_t *set;		/* EXACT */
	uint32_t *sparse;	/* SPARSE */
	uint8_t *reg;		/* DENSE */
};

#define PK_HLL_INIT(p) { (p), PK_HLL_EXACT, 0, 0, NULL, NULL, NULL }

/* No allocation; p in PK_HLL_MIN_P..PK_HLL_MAX_P. */
void pk_hll_init(struct pk_hll *h, unsigned p);
void pk_hll_release(struct pk_hll *h);
void pk_hll_add(struct pk_hll *h, uint64_t hash);
/* dst |= src; both must have the same p (0, or -1 when they differ). */
int pk_hll_merge(struct pk_hll *dst, const struct pk_hll *src);
/*
 * The number of distinct hashes: exact in EXACT mode; otherwise Ertl's
 * improved raw estimator ("New cardinality estimation algorithms for
 * HyperLogLog sketches", O. Ertl, 2017, algorithm 6), unbiased over the
 * whole range without empirical correction tables; standard error about
 * 1.04/sqrt(2^p) (0.81% at p = 14).
 */
double pk_hll_count(const struct pk_hll *h);
/* Bytes of memory held by h beyond the struct. */
size_t pk_hll_bytes(const struct pk_hll *h);

/* Append a portable encoding (little-endian) of h to out. */
void pk_hll_save(const struct pk_hll *h, struct pk_buf *out);
/* Read what pk_hll_save wrote from p[0..n): 0 with *used bytes consumed,
 * -1 with err (DATA) when the bytes are not a valid sketch. */
int pk_hll_load(struct pk_hll *h, const void *p, size_t n, size_t *used, struct pk_err *err);

#endif
