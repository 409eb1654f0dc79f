/*
 * skew - partition skew metrics and the salting model behind skewstat.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/skew.h"

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void
pk_skew_compute(struct pk_skew *s, const uint64_t *x, size_t n)
{
	long double sum = 0, sq = 0, dev = 0, ranked = 0, mean;
	uint64_t *sorted;
	size_t i;

	memset(s, 0, sizeof *s);
	s->partitions = n;
	if (n == 0) {
		s->mean = s->stddev = s->cv = s->imbalance = s->gini = s->jain = NAN;
		return;
	}
	s->min = s->max = x[0];
	for (i = 0; i < n; i++) {
		s->total += x[i];
		sum += (long double)x[i];
		sq += (long double)x[i] * (long double)x[i];
		if (x[i] < s->min)
			s->min = x[i];
		if (x[i] > s->max) {
			s->max = x[i];
			s->hottest = i;
		}
		if (x[i] == 0)
			s->empty++;
	}
	mean = sum / (long double)n;
	/* Two passes: sum of squares minus n mean^2 cancels badly when the
	 * counts are large and nearly equal. */
	for (i = 0; i < n; i++) {
		long double d = (long double)x[i] - mean;

		dev += d * d;
	}
	s->mean = (double)mean;
	s->stddev = (double)sqrtl(dev / (long double)n);
	if (s->total == 0) {
		s->cv = s->imbalance = s->gini = s->jain = NAN;
		return;
	}
	s->cv = s->stddev / s->mean;
	s->imbalance = (double)((long double)s->max / mean);
	s->jain = (double)(sum * sum / ((long double)n * sq));
	/* Gini from the ascending order: 2 sum(i x_(i)) / (n sum) - (n + 1) / n,
	 * i from 1, which equals the mean absolute difference over 2 mean. */
	sorted = pk_xmalloc(n * sizeof *sorted);
	memcpy(sorted, x, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, cmp_u64);
	for (i = 0; i < n; i++)
		ranked += (long double)(i + 1) * (long double)sorted[i];
	free(sorted);
	s->gini = (double)(2 * ranked / ((long double)n * sum) -
	    (long double)(n + 1) / (long double)n);
	if (s->gini < 0)
		s->gini = 0;	/* rounding of an even distribution */
}

static const uint64_t *order_x;

static int
cmp_order(const void *a, const void *b)
{
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;

	if (order_x[i] != order_x[j])
		return order_x[i] > order_x[j] ? -1 : 1;
	return i < j ? -1 : i > j;
}

uint32_t *
pk_skew_order(const uint64_t *x, size_t n)
{
	uint32_t *o = pk_xmalloc((n ? n : 1) * sizeof *o);
	size_t i;

	for (i = 0; i < n; i++)
		o[i] = (uint32_t)i;
	order_x = x;
	qsort(o, n, sizeof *o, cmp_order);
	order_x = NULL;
	return o;
}

/* Records of sub-key j out of c spread over s. */
static uint64_t
share_of(uint64_t c, size_t s, size_t j)
{
	return c / s + (j < c % s ? 1 : 0);
}

uint64_t
pk_skew_salt_peak(const uint64_t *base, size_t n, uint64_t c, const int32_t *sub, size_t s,
    uint64_t *scratch)
{
	uint64_t peak = 0;
	size_t j;

	(void)n;
	for (j = 0; j < s; j++)
		scratch[sub[j]] += share_of(c, s, j);
	for (j = 0; j < s; j++) {
		uint64_t v = base[sub[j]] + scratch[sub[j]];

		if (v > peak)
			peak = v;
	}
	for (j = 0; j < s; j++)
		scratch[sub[j]] = 0;
	return peak;
}

size_t
pk_skew_salt_factor(const uint64_t *base, size_t n, uint64_t c, const int32_t *sub, size_t smax,
    double limit, uint64_t *peak, uint64_t *scratch)
{
	size_t s;

	*peak = 0;
	for (s = 2; s <= smax; s++) {
		*peak = pk_skew_salt_peak(base, n, c, sub, s, scratch);
		if ((double)*peak <= limit)
			return s;
	}
	return 0;
}

void
pk_skew_salt_apply(uint64_t *x, int32_t from, uint64_t c, const int32_t *sub, size_t s)
{
	size_t j;

	if (s == 0) {
		x[from] += c;
		return;
	}
	for (j = 0; j < s; j++)
		x[sub[j]] += share_of(c, s, j);
}
