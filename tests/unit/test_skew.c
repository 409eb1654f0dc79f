/*
 * test_skew - lib/skew's metrics against values computed independently, and
 * the salting model on hand-worked cases.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/skew.h"
#include "tests/unit/tap.h"

/*
 * Expected values come from Python's standard library, not from this code:
 * statistics.pstdev for stddev, exact fractions for the rest, and the
 * Gini coefficient by its pairwise definition
 * sum_i sum_j |x_i - x_j| / (2 n^2 mean) (lib/skew.c uses the sorted
 * formula). The script, run with python3 3.11:
 *
 *   import statistics; from fractions import Fraction as F
 *   def m(x):
 *       n=len(x); t=sum(x); mean=F(t,n); sd=statistics.pstdev(x)
 *       g=F(sum(abs(a-b) for a in x for b in x), 2*n*n)/mean
 *       j=F(t*t, n*sum(a*a for a in x))
 *       return t, min(x), max(x), float(mean), sd, sd/float(mean),
 *              float(F(max(x))/mean), float(g), float(j)
 *
 * NaN stands for "undefined" (Python: a division by zero).
 */
struct want {
	const char *name;
	size_t n;
	uint64_t x[12];
	uint64_t total, min, max;
	double mean, stddev, cv, imbalance, gini, jain;
	size_t empty, hottest;
};

static const struct want cases[] = {
	{ "uniform", 12, { 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000 },
	    12000, 1000, 1000, 1000.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0, 0 },
	{ "one hot partition", 12, { 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 6500 },
	    12000, 500, 6500, 1000.0, 1658.3123951777, 1.6583123951777, 6.5, 0.4583333333333333,
	    0.26666666666666666, 0, 11 },
	{ "everything on one", 12, { 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0 },
	    5, 0, 5, 0.4166666666666667, 1.3819269959814167, 3.3166247903554, 12.0,
	    0.9166666666666666, 0.08333333333333333, 11, 7 },
	/* round(100000 / k^1.1), k = 1..12 */
	{ "zipf", 12, { 100000, 46652, 29865, 21764, 17027, 13933, 11760, 10153, 8919, 7943, 7153,
	    6500 },
	    281669, 6500, 100000, 23472.416666666668, 25645.06180683503, 1.0925616297214829,
	    4.260319736996261, 0.48060696538608555, 0.4558527335281759, 0, 0 },
	{ "all empty", 8, { 0 },
	    0, 0, 0, 0.0, 0.0, NAN, NAN, NAN, NAN, 8, 0 },
	{ "single partition", 1, { 42 },
	    42, 42, 42, 42.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0, 0 },
};

static int
close_to(double got, double want)
{
	if (isnan(want))
		return isnan(got);
	if (want == 0)
		return fabs(got) < 1e-12;
	return fabs(got - want) <= 1e-12 * fabs(want);
}

#define is_dbl(got, want, ...) do { \
	double g_ = (got), w_ = (want); \
	if (!ok(close_to(g_, w_), __VA_ARGS__)) \
		printf("#   got %.17g, want %.17g\n", g_, w_); \
} while (0)

static void
test_metrics(void)
{
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct want *w = &cases[i];
		struct pk_skew s;

		pk_skew_compute(&s, w->x, w->n);
		is_int(s.partitions, w->n, "%s: partitions", w->name);
		is_int(s.total, w->total, "%s: total", w->name);
		is_int(s.min, w->min, "%s: min", w->name);
		is_int(s.max, w->max, "%s: max", w->name);
		is_dbl(s.mean, w->mean, "%s: mean", w->name);
		is_dbl(s.stddev, w->stddev, "%s: population stddev", w->name);
		is_dbl(s.cv, w->cv, "%s: cv", w->name);
		is_dbl(s.imbalance, w->imbalance, "%s: imbalance max/mean", w->name);
		is_dbl(s.gini, w->gini, "%s: gini", w->name);
		is_dbl(s.jain, w->jain, "%s: jain", w->name);
		is_int(s.empty, w->empty, "%s: empty", w->name);
		is_int(s.hottest, w->hottest, "%s: hottest", w->name);
	}
}

static void
test_no_partitions(void)
{
	struct pk_skew s;

	pk_skew_compute(&s, NULL, 0);
	is_int(s.partitions, 0, "no partitions: 0");
	is_int(s.total, 0, "no partitions: total 0");
	ok(isnan(s.mean) && isnan(s.stddev) && isnan(s.imbalance), "no partitions: mean undefined");
}

static void
test_large_counts(void)
{
	/* Counts near 2^53 that differ by one: the two-pass stddev keeps
	 * the 0.5 exactly where sum-of-squares would lose it. */
	uint64_t x[2] = { UINT64_C(1) << 52, (UINT64_C(1) << 52) + 1 };
	struct pk_skew s;

	pk_skew_compute(&s, x, 2);
	is_dbl(s.stddev, 0.5, "large counts: stddev 0.5");
	ok(s.gini >= 0 && s.gini < 1e-15, "large counts: gini ~0");
	ok(s.jain <= 1.0 && s.jain > 1 - 1e-15, "large counts: jain ~1");
}

static void
test_order(void)
{
	uint64_t x[6] = { 5, 9, 0, 9, 1, 5 };
	uint32_t want[6] = { 1, 3, 0, 5, 4, 2 };
	uint32_t *o = pk_skew_order(x, 6);
	size_t i;
	int same = 1;

	for (i = 0; i < 6; i++)
		same &= o[i] == want[i];
	ok(same, "order: count descending, ties by partition");
	free(o);
}

static void
test_salt_model(void)
{
	/* Four partitions holding 100 each besides a key of 300 taken out of
	 * partition 0: 700 records, mean 175. */
	uint64_t base[4] = { 100, 100, 100, 100 };
	uint64_t scratch[4] = { 0, 0, 0, 0 };
	uint64_t x[4] = { 100, 100, 100, 100 };
	int32_t sub[8] = { 0, 1, 2, 3, 0, 1, 2, 3 };
	int32_t same_part[4] = { 2, 2, 2, 2 };
	int32_t away[2] = { 3, 3 };
	uint64_t peak;
	size_t s;

	is_int(pk_skew_salt_peak(base, 4, 300, sub, 2, scratch), 250,
	    "peak: 300 over 2 sub-keys on 0 and 1 = 250");
	is_int(pk_skew_salt_peak(base, 4, 300, sub, 3, scratch), 200, "peak: over 3 = 200");
	ok(scratch[0] == 0 && scratch[1] == 0 && scratch[2] == 0 && scratch[3] == 0,
	    "peak: scratch back to zero");
	/* 7 over 3: sub-keys 0, 1, 2 get 3, 2, 2 (the k-th record to k mod 3). */
	is_int(pk_skew_salt_peak(base, 4, 7, sub, 3, scratch), 103, "peak: remainder to sub-key 0");
	/* 6 sub-keys wrap: partitions 0 and 1 get two sub-keys each. */
	is_int(pk_skew_salt_peak(base, 4, 300, sub, 6, scratch), 200, "peak: 300 over 6 = 200");
	/* Both sub-keys on one partition: it gets all 300. */
	is_int(pk_skew_salt_peak(base, 4, 300, away, 2, scratch), 400, "peak: colliding sub-keys add up");
	/* The limit 1.5 x 175 = 262.5: two sub-keys suffice. */
	s = pk_skew_salt_factor(base, 4, 300, sub, 8, 262.5, &peak, scratch);
	is_int(s, 2, "factor: smallest is 2");
	is_int(peak, 250, "factor: its peak");
	/* 1.2 x 175 = 210: three sub-keys. */
	s = pk_skew_salt_factor(base, 4, 300, sub, 8, 210.0, &peak, scratch);
	is_int(s, 3, "factor: 3 for a tighter limit");
	/* Sub-keys that all land on one partition never help. */
	s = pk_skew_salt_factor(base, 4, 300, same_part, 4, 262.5, &peak, scratch);
	is_int(s, 0, "factor: none when every sub-key collides");
	is_int(peak, 400, "factor: peak at smax");
	pk_skew_salt_apply(x, 0, 300, sub, 3);
	ok(x[0] == 200 && x[1] == 200 && x[2] == 200 && x[3] == 100, "apply: salted over 3");
	pk_skew_salt_apply(x, 3, 50, sub, 0);
	is_int(x[3], 150, "apply: unsalted goes to from");
}

int
main(void)
{
	test_metrics();
	test_no_partitions();
	test_large_counts();
	test_order();
	test_salt_model();
	return tap_done();
}
