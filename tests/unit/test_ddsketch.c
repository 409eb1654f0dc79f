/*
 * test_ddsketch - exact small samples, the relative-error bound on several
 * distributions, exact order-independent merges and the saved form of
 * lib/ddsketch.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ddsketch.h"
#include "tests/unit/tap.h"

/* splitmix64 (Vigna, https://prng.di.unimi.it/splitmix64.c): a seeded,
 * portable source of uniforms for reproducible distributions. */
static uint64_t rs = 42;

static double
uni(void)
{
	uint64_t z = (rs += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return ((z >> 11) + 0.5) / 9007199254740992.0;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* DuckDB's quantile_cont over sorted v. */
static double
exact_q(const double *v, size_t n, double q)
{
	double h = q * (double)(n - 1);
	size_t lo = (size_t)floor(h), hi = (size_t)ceil(h);

	return lo == hi ? v[lo] : v[lo] + (h - (double)lo) * (v[hi] - v[lo]);
}

enum dist { UNIFORM, EXPONENTIAL, LOGNORMAL, PARETO, NEGATIVE, CONSTANT };
static const char *dname[] = { "uniform", "exponential", "lognormal", "pareto", "negative",
	"constant" };

static double
draw(enum dist d)
{
	double u = uni(), w;

	switch (d) {
	case UNIFORM: return 1 + 999 * u;
	case EXPONENTIAL: return -log(u) * 0.05;
	case LOGNORMAL:
		/* Box-Muller */
		w = sqrt(-2 * log(u)) * cos(2 * M_PI * uni());
		return exp(3 + 2 * w);
	case PARETO: return 1 / pow(u, 1 / 1.2);
	case NEGATIVE: return -(1 + 100 * u);
	default: return 7.25;
	}
}

static void
check_dist(enum dist dd, size_t n, double alpha)
{
	static const double qs[] = { 0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1 };
	struct pk_dds s;
	double *v = malloc(n * sizeof *v), worst = 0;
	size_t i, k;

	pk_dds_init(&s, alpha);
	for (i = 0; i < n; i++) {
		v[i] = draw(dd);
		pk_dds_add(&s, v[i]);
	}
	qsort(v, n, sizeof *v, cmp);
	for (k = 0; k < sizeof qs / sizeof qs[0]; k++) {
		double want = exact_q(v, n, qs[k]), got = pk_dds_quantile(&s, qs[k]);
		double rel = fabs(got - want) / fabs(want);

		if (rel > worst)
			worst = rel;
	}
	/* a hair above alpha for the rounding of log() at bucket edges */
	ok(worst <= alpha * (1 + 1e-9), "%s, %zu values, alpha %g: worst relative error %.5f",
	    dname[dd], n, alpha, worst);
	pk_dds_release(&s);
	free(v);
}

int
main(void)
{
	struct pk_dds a, b, c, all, x;
	struct pk_buf b1 = PK_BUF_INIT, b2 = PK_BUF_INIT;
	struct pk_err err = PK_ERR_INIT;
	size_t used, i;

	pk_dds_init(&a, 0.01);
	ok(isnan(pk_dds_quantile(&a, 0.5)), "empty sketch has no quantile");
	/* Exact up to 64 values, interpolated as quantile_cont. */
	for (i = 1; i <= 4; i++)
		pk_dds_add(&a, (double)i * 10);
	ok(pk_dds_quantile(&a, 0.5) == 25, "median of 10,20,30,40 is 25");
	ok(pk_dds_quantile(&a, 0.95) == 38.5, "p95 of 10,20,30,40 is 38.5");
	ok(pk_dds_quantile(&a, 0) == 10 && pk_dds_quantile(&a, 1) == 40, "p0 and p100 are min and max");
	for (i = 5; i <= 64; i++)
		pk_dds_add(&a, (double)i * 10);
	ok(!a.sketch && pk_dds_quantile(&a, 0.5) == 325, "64 values still exact (median 325)");
	pk_dds_add(&a, 650);
	ok(a.sketch, "the 65th value switches to the sketch");
	ok(fabs(pk_dds_quantile(&a, 0.5) - 330) <= 3.3, "sketch median near 330 (%g)",
	    pk_dds_quantile(&a, 0.5));
	pk_dds_release(&a);

	check_dist(UNIFORM, 100000, 0.01);
	check_dist(EXPONENTIAL, 100000, 0.01);
	check_dist(LOGNORMAL, 100000, 0.01);
	check_dist(PARETO, 100000, 0.01);
	check_dist(NEGATIVE, 100000, 0.01);
	check_dist(CONSTANT, 1000, 0.01);
	check_dist(LOGNORMAL, 100000, 0.001);
	check_dist(UNIFORM, 100000, 0.05);

	/* Merges are exact: parts in any order give the same counts as one
	 * sketch of everything, zero and negatives included. */
	pk_dds_init(&all, 0.01);
	pk_dds_init(&a, 0.01);
	pk_dds_init(&b, 0.01);
	pk_dds_init(&c, 0.01);
	for (i = 0; i < 50000; i++) {
		double v = i % 97 == 0 ? 0 : i % 5 == 0 ? -draw(LOGNORMAL) : draw(LOGNORMAL);

		pk_dds_add(&all, v);
		pk_dds_add(i < 30 ? &a : i < 20000 ? &b : &c, v);
	}
	pk_dds_init(&x, 0.01);
	pk_dds_merge(&x, &c);
	pk_dds_merge(&x, &a);
	pk_dds_merge(&x, &b);
	pk_dds_save(&x, &b1);
	pk_dds_save(&all, &b2);
	is_mem(b1.p, b1.len, b2.p, b2.len, "merge c+a+b saves the same bytes as one sketch");
	pk_dds_release(&x);
	pk_dds_init(&x, 0.01);
	pk_dds_merge(&x, &a);
	pk_dds_merge(&x, &b);
	pk_dds_merge(&x, &c);
	pk_buf_reset(&b1);
	pk_dds_save(&x, &b1);
	is_mem(b1.p, b1.len, b2.p, b2.len, "merge a+b+c too");
	for (i = 0; i <= 100; i++)
		if (pk_dds_quantile(&x, i / 100.0) != pk_dds_quantile(&all, i / 100.0))
			break;
	is_int(i, 101, "every percentile equal");
	pk_dds_release(&x);
	pk_dds_init(&x, 0.02);
	is_int(pk_dds_merge(&x, &a), -1, "different alphas do not merge");
	pk_dds_release(&x);

	/* Two exact halves over 64 become the sketch of their union. */
	pk_dds_release(&a);
	pk_dds_release(&b);
	pk_dds_init(&a, 0.01);
	pk_dds_init(&b, 0.01);
	for (i = 0; i < 100; i++)
		pk_dds_add(i % 2 ? &a : &b, (double)i);
	pk_dds_merge(&a, &b);
	ok(a.sketch && a.count == 100 && a.min == 0 && a.max == 99, "exact halves merge into a sketch");

	/* Saved form: round trip, and corrupt bytes refused. */
	ok(pk_dds_load(&x, b2.p, b2.len, &used, &err) == 0 && used == b2.len &&
	    pk_dds_quantile(&x, 0.37) == pk_dds_quantile(&all, 0.37), "sketch round-trips");
	pk_dds_release(&x);
	ok(pk_dds_load(&x, b2.p, b2.len - 8, &used, &err) == -1 && err.kind == PK_ERR_DATA,
	    "truncated sketch refused: %s", err.msg);
	pk_buf_reset(&b1);
	pk_dds_init(&x, 0.01);
	pk_dds_add(&x, 1.5);
	pk_dds_add(&x, -2);
	pk_dds_save(&x, &b1);
	pk_dds_release(&x);
	ok(pk_dds_load(&x, b1.p, b1.len, &used, &err) == 0 && pk_dds_quantile(&x, 0) == -2 &&
	    pk_dds_quantile(&x, 1) == 1.5, "exact values round-trip");
	pk_dds_release(&x);

	pk_buf_release(&b1);
	pk_buf_release(&b2);
	pk_dds_release(&a);
	pk_dds_release(&b);
	pk_dds_release(&c);
	pk_dds_release(&all);
	return tap_done();
}
