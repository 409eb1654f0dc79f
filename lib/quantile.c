/*
 * quantile - exact DuckDB-style continuous quantiles by sorting or selection.
 */
#include "lib/quantile.h"

#include <math.h>
#include <stdlib.h>

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void
pk_quantile_sort(double *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_double);
}

static double
interpolate(double lo, double hi, double f)
{
	/* DuckDB's CastInterpolation: lo + (hi - lo) * d. */
	return f == 0 ? lo : lo + (hi - lo) * f;
}

double
pk_quantile_sorted(const double *v, size_t n, double q)
{
	double h;
	size_t lo, hi;

	if (n == 0)
		return NAN;
	if (q <= 0)
		return v[0];
	if (q >= 1)
		return v[n - 1];
	h = (double)(n - 1) * q;
	lo = (size_t)floor(h);
	hi = (size_t)ceil(h);
	if (hi >= n)
		hi = n - 1;
	return interpolate(v[lo], v[hi], h - floor(h));
}

static void
swap(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

/* Hoare-style quickselect: after it, v[k] is the k-th smallest, everything
 * left of it is <= and everything right of it is >=. */
static void
select_k(double *v, size_t n, size_t k)
{
	size_t l = 0, r = n - 1;

	while (r > l) {
		size_t i, j, m = l + (r - l) / 2;
		double pivot;

		/* median of three against sorted and reversed inputs */
		if (v[m] < v[l])
			swap(&v[m], &v[l]);
		if (v[r] < v[l])
			swap(&v[r], &v[l]);
		if (v[r] < v[m])
			swap(&v[r], &v[m]);
		pivot = v[m];
		i = l;
		j = r;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				swap(&v[i], &v[j]);
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j && j != (size_t)-1)
			r = j;
		else if (k >= i)
			l = i;
		else
			return;
	}
}

double
pk_quantile_cont(double *v, size_t n, double q)
{
	double h, lo, hi;
	size_t rl, rh, i;

	if (n == 0)
		return NAN;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	h = (double)(n - 1) * q;
	rl = (size_t)floor(h);
	rh = (size_t)ceil(h);
	if (rh >= n)
		rh = n - 1;
	select_k(v, n, rl);
	lo = v[rl];
	if (rh == rl)
		return lo;
	/* the next rank is the smallest value right of rl */
	hi = v[rl + 1];
	for (i = rl + 2; i < n; i++)
		if (v[i] < hi)
			hi = v[i];
	return interpolate(lo, hi, h - floor(h));
}
