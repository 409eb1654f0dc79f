/*
 * quantile - exact quantiles of a sample, interpolated between ranks as
 * DuckDB's quantile_cont does, for reports that promise exact percentiles.
 */
#ifndef PK_QUANTILE_H
#define PK_QUANTILE_H

#include <stddef.h>

/* Sort v[0..n) ascending (NaN must not occur). */
void pk_quantile_sort(double *v, size_t n);

/*
 * The q-quantile (0 <= q <= 1) of v[0..n), already sorted ascending, as
 * DuckDB's quantile_cont defines it: position h = (n - 1) q, then
 * lo + (h - floor(h)) (hi - lo) with lo and hi the values at ranks
 * floor(h) and ceil(h) (0-based). NAN when n == 0. v is borrowed.
 */
double pk_quantile_sorted(const double *v, size_t n, double q);

/* Same over an unsorted v, which is reordered (selection, O(n) expected). */
double pk_quantile_cont(double *v, size_t n, double q);

#endif
