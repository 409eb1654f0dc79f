/*
 * skew - how evenly counts spread over partitions: summary metrics, and a
 * model of what salting one hot key would do to them.
 */
#ifndef PK_SKEW_H
#define PK_SKEW_H

#include <stddef.h>
#include <stdint.h>

/*
 * Metrics of counts x[0..n):
 *   total      sum of x
 *   min, max   smallest and largest x (0 and 0 when n == 0)
 *   mean       total / n
 *   stddev     population standard deviation, sqrt(sum (x - mean)^2 / n)
 *   cv         stddev / mean
 *   imbalance  max / mean (1 is perfectly even, n is everything on one)
 *   gini       Gini coefficient, sum_i sum_j |x_i - x_j| / (2 n^2 mean):
 *              0 even, (n - 1) / n everything on one partition
 *   jain       Jain's fairness index, total^2 / (n sum x^2): 1 even, 1/n
 *              everything on one partition
 *   empty      partitions with x == 0
 *   hottest    the lowest-numbered partition holding max (0 when n == 0)
 * A ratio whose denominator is zero (every count 0, or n == 0) is NaN:
 * there is no distribution to judge. mean and stddev are NaN when n == 0.
 */
struct pk_skew {
	size_t partitions;
	uint64_t total, min, max;
	double mean, stddev, cv, imbalance, gini, jain;
	size_t empty;
	size_t hottest;
};

/* Compute the metrics of x[0..n) into s. */
void pk_skew_compute(struct pk_skew *s, const uint64_t *x, size_t n);

/*
 * Partition numbers 0..n-1 ordered hottest first: count descending, then
 * partition ascending. Returns a new array (free with free()).
 */
uint32_t *pk_skew_order(const uint64_t *x, size_t n);

/*
 * Salting model. A key with c records salted over s sub-keys sends its
 * k-th record (k = 0, 1, ...) to sub-key k mod s, as lib/partition's
 * pk_part_choose does: sub-key j receives floor(c / s) records, plus one
 * when j < c mod s. sub[j] is the partition of sub-key j.
 *
 * pk_skew_salt_peak returns the largest count, after adding those records
 * to base[], over the partitions the sub-keys land on. base[] holds
 * everything else (the caller has taken the key's own c out of its old
 * partition). scratch is caller memory of n uint64_t, all zero on entry
 * and on return.
 */
uint64_t pk_skew_salt_peak(const uint64_t *base, size_t n, uint64_t c, const int32_t *sub,
    size_t s, uint64_t *scratch);

/*
 * The smallest s in 2..smax whose peak (above) is at most limit, where
 * sub[0..smax) are the partitions of sub-keys 0..smax-1. Returns 0 when no
 * s up to smax gets there; *peak is the peak at the returned s (at smax
 * when 0 is returned).
 */
size_t pk_skew_salt_factor(const uint64_t *base, size_t n, uint64_t c, const int32_t *sub,
    size_t smax, double limit, uint64_t *peak, uint64_t *scratch);

/* Add the key's c records, salted over s (s == 0: unsalted, all on from), to x. */
void pk_skew_salt_apply(uint64_t *x, int32_t from, uint64_t c, const int32_t *sub, size_t s);

#endif
