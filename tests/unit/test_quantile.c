/*
 * test_quantile - exact quantiles against values computed by DuckDB's
 * quantile_cont (duckdb 1.5 via @duckdb/node-api, queries in the comments).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/quantile.h"
#include "tests/unit/tap.h"

static int
near(double a, double b)
{
	return fabs(a - b) <= 1e-12 * (fabs(b) > 1 ? fabs(b) : 1);
}

int
main(void)
{
	/* select quantile_cont(x, 0.95) from range(10) t(x) -> 8.549999999999999 */
	double r10[10] = { 9, 3, 0, 7, 1, 8, 2, 6, 5, 4 }, s[10], c[10];
	double one[1] = { 42 };
	double *big, *big2;
	size_t i, n = 100001;
	uint64_t x = 88172645463325252ull;

	memcpy(s, r10, sizeof s);
	pk_quantile_sort(s, 10);
	ok(pk_quantile_sorted(s, 10, 0.95) == 8.549999999999999, "p95 of 0..9 as duckdb");
	ok(pk_quantile_sorted(s, 10, 0.5) == 4.5, "median of 0..9");
	ok(pk_quantile_sorted(s, 10, 0) == 0, "q=0 is the minimum");
	ok(pk_quantile_sorted(s, 10, 1) == 9, "q=1 is the maximum");
	memcpy(c, r10, sizeof c);
	ok(pk_quantile_cont(c, 10, 0.95) == 8.549999999999999, "selection p95 as duckdb");
	memcpy(c, r10, sizeof c);
	ok(pk_quantile_cont(c, 10, 0.99) == pk_quantile_sorted(s, 10, 0.99), "selection p99");
	ok(pk_quantile_sorted(one, 1, 0.99) == 42, "one value");
	ok(isnan(pk_quantile_sorted(one, 0, 0.5)), "empty is NaN");

	/* selection agrees with sorting on a large random sample with ties */
	big = malloc(n * sizeof *big);
	big2 = malloc(n * sizeof *big2);
	for (i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		big[i] = (double)(x % 5000) / 7.0;
	}
	memcpy(big2, big, n * sizeof *big);
	pk_quantile_sort(big2, n);
	for (i = 0; i <= 100; i++) {
		double q = i / 100.0, want = pk_quantile_sorted(big2, n, q);
		double *w = malloc(n * sizeof *w);

		memcpy(w, big, n * sizeof *w);
		ok(near(pk_quantile_cont(w, n, q), want), "selection = sort at q=%.2f", q);
		free(w);
	}
	free(big);
	free(big2);
	return tap_done();
}
