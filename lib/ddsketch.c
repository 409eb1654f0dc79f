/*
 * ddsketch - exact small samples, then logarithmic buckets (DDSketch).
 */
#include "lib/ddsketch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void
pk_dds_init(struct pk_dds *d, double alpha)
{
	memset(d, 0, sizeof *d);
	d->alpha = alpha;
	d->min = INFINITY;
	d->max = -INFINITY;
}

void
pk_dds_release(struct pk_dds *d)
{
	free(d->vals);
	free(d->pos.c);
	free(d->neg.c);
	pk_dds_init(d, d->alpha);
}

static double
gamma_of(double alpha)
{
	return (1 + alpha) / (1 - alpha);
}

static int32_t
bucket(const struct pk_dds *d, double mag)
{
	double i = ceil(log(mag) / log(gamma_of(d->alpha)));

	/* Subnormal magnitudes stay far inside int32 for any alpha used. */
	return (int32_t)i;
}

static void
store_add(struct pk_dds_store *s, int32_t i, uint64_t k)
{
	if (s->n == 0) {
		s->c = pk_xcalloc(16, sizeof *s->c);
		s->lo = i - 8;
		s->n = 16;
	} else if (i < s->lo || i >= s->lo + (int64_t)s->n) {
		int32_t lo = i < s->lo ? i : s->lo;
		int64_t hi = i >= s->lo + (int64_t)s->n ? i : s->lo + (int64_t)s->n - 1;
		uint64_t want = (uint64_t)(hi - lo + 1), n = s->n;
		uint64_t *c;

		/* Grow with headroom on the side that grew. */
		if (want < n * 2)
			want = n * 2;
		if (i < s->lo)
			lo = (int32_t)(hi - (int64_t)want + 1);
		c = pk_xcalloc(want, sizeof *c);
		memcpy(c + (s->lo - lo), s->c, n * sizeof *c);
		free(s->c);
		s->c = c;
		s->lo = lo;
		s->n = (uint32_t)want;
	}
	s->c[i - s->lo] += k;
}

static void
sketch_add(struct pk_dds *d, double v, uint64_t k)
{
	if (v > 0)
		store_add(&d->pos, bucket(d, v), k);
	else if (v < 0)
		store_add(&d->neg, bucket(d, -v), k);
	else
		d->zero += k;
}

static void
to_sketch(struct pk_dds *d)
{
	uint32_t i;

	d->sketch = 1;
	for (i = 0; i < d->nvals; i++)
		sketch_add(d, d->vals[i], 1);
	free(d->vals);
	d->vals = NULL;
	d->nvals = d->cap = 0;
}

void
pk_dds_add(struct pk_dds *d, double v)
{
	d->count++;
	if (v < d->min)
		d->min = v;
	if (v > d->max)
		d->max = v;
	if (d->sketch) {
		sketch_add(d, v, 1);
		return;
	}
	if (d->nvals == PK_DDS_EXACT_MAX) {
		to_sketch(d);
		sketch_add(d, v, 1);
		return;
	}
	if (d->nvals == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 4;
		d->vals = pk_xrealloc(d->vals, d->cap * sizeof *d->vals);
	}
	d->vals[d->nvals++] = v;
}

static void
store_merge(struct pk_dds_store *dst, const struct pk_dds_store *src)
{
	uint32_t i;

	for (i = 0; i < src->n; i++)
		if (src->c[i])
			store_add(dst, src->lo + (int32_t)i, src->c[i]);
}

int
pk_dds_merge(struct pk_dds *dst, const struct pk_dds *src)
{
	uint32_t i;

	if (dst->alpha != src->alpha)
		return -1;
	if (src->count == 0)
		return 0;
	if (!src->sketch) {
		uint64_t count = dst->count;

		/* pk_dds_add counts; the totals are set once below. */
		for (i = 0; i < src->nvals; i++)
			pk_dds_add(dst, src->vals[i]);
		dst->count = count + src->count;
		return 0;
	}
	if (!dst->sketch)
		to_sketch(dst);
	store_merge(&dst->pos, &src->pos);
	store_merge(&dst->neg, &src->neg);
	dst->zero += src->zero;
	dst->count += src->count;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
rep(const struct pk_dds *d, int32_t i)
{
	double g = gamma_of(d->alpha);

	return 2 * pow(g, i) / (g + 1);
}

/* The estimate of the value at 0-based rank r in the sorted order. */
static double
ranked(const struct pk_dds *d, uint64_t r)
{
	uint64_t seen = 0;
	double v = 0;
	int64_t i;

	for (i = (int64_t)d->neg.n - 1; i >= 0; i--) {
		seen += d->neg.c[i];
		if (seen > r) {
			v = -rep(d, d->neg.lo + (int32_t)i);
			goto clamp;
		}
	}
	seen += d->zero;
	if (seen > r)
		return 0;
	for (i = 0; i < (int64_t)d->pos.n; i++) {
		seen += d->pos.c[i];
		if (seen > r) {
			v = rep(d, d->pos.lo + (int32_t)i);
			goto clamp;
		}
	}
	v = d->max;
clamp:
	if (v < d->min)
		v = d->min;
	if (v > d->max)
		v = d->max;
	return v;
}

double
pk_dds_quantile(const struct pk_dds *d, double q)
{
	double h, lo, hi, f;
	uint64_t rl, rh;

	if (d->count == 0)
		return NAN;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	h = q * (double)(d->count - 1);
	rl = (uint64_t)floor(h);
	rh = (uint64_t)ceil(h);
	f = h - (double)rl;
	if (!d->sketch) {
		double tmp[PK_DDS_EXACT_MAX];

		memcpy(tmp, d->vals, d->nvals * sizeof *tmp);
		qsort(tmp, d->nvals, sizeof *tmp, cmp_double);
		lo = tmp[rl];
		hi = tmp[rh];
	} else {
		lo = ranked(d, rl);
		hi = rh == rl ? lo : ranked(d, rh);
	}
	/* DuckDB's interpolation: lo + f * (hi - lo). */
	return rl == rh ? lo : lo + f * (hi - lo);
}

size_t
pk_dds_bytes(const struct pk_dds *d)
{
	return d->cap * sizeof(double) + ((size_t)d->pos.n + d->neg.n) * sizeof(uint64_t);
}

static void
put64(struct pk_buf *b, uint64_t v)
{
	unsigned char x[8];
	int i;

	for (i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	pk_buf_add(b, x, 8);
}

static void
putd(struct pk_buf *b, double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof u);
	put64(b, u);
}

static uint64_t
get64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static double
getd(const unsigned char *p)
{
	uint64_t u = get64(p);
	double v;

	memcpy(&v, &u, sizeof v);
	return v;
}

/* Only buckets between the first and last non-zero ones are written. */
static void
save_store(const struct pk_dds_store *s, struct pk_buf *out)
{
	uint32_t a = 0, b = s->n, i;

	while (a < b && s->c[a] == 0)
		a++;
	while (b > a && s->c[b - 1] == 0)
		b--;
	put64(out, (uint64_t)(int64_t)(s->lo + (int32_t)a));
	put64(out, b - a);
	for (i = a; i < b; i++)
		put64(out, s->c[i]);
}

/* Layout: alpha, count, min, max (8 bytes each), u64 mode (0 exact, 1
 * sketch); exact: the values; sketch: zero count, positive store,
 * negative store (i64 lo, u64 n, n counts). */
void
pk_dds_save(const struct pk_dds *d, struct pk_buf *out)
{
	uint32_t i;

	putd(out, d->alpha);
	put64(out, d->count);
	putd(out, d->min);
	putd(out, d->max);
	put64(out, (uint64_t)d->sketch);
	if (!d->sketch) {
		for (i = 0; i < d->nvals; i++)
			putd(out, d->vals[i]);
		return;
	}
	put64(out, d->zero);
	save_store(&d->pos, out);
	save_store(&d->neg, out);
}

static int
load_store(struct pk_dds_store *s, const unsigned char **pp, const unsigned char *end,
    uint64_t *total)
{
	const unsigned char *p = *pp;
	int64_t lo;
	uint64_t n, i;

	if (end - p < 16)
		return -1;
	lo = (int64_t)get64(p);
	n = get64(p + 8);
	p += 16;
	if (lo < INT32_MIN / 2 || lo > INT32_MAX / 2 || n > (uint64_t)(end - p) / 8 ||
	    n > (1u << 24))
		return -1;
	if (n > 0) {
		s->c = pk_xcalloc(n, sizeof *s->c);
		s->lo = (int32_t)lo;
		s->n = (uint32_t)n;
		for (i = 0; i < n; i++) {
			s->c[i] = get64(p + 8 * i);
			*total += s->c[i];
		}
	}
	*pp = p + 8 * n;
	return 0;
}

int
pk_dds_load(struct pk_dds *d, const void *data, size_t n, size_t *used, struct pk_err *err)
{
	const unsigned char *p = data, *end = p + n;
	uint64_t mode, count, total, i;
	double alpha;

	if (n < 40)
		return pk_err_set(err, PK_ERR_DATA, "truncated quantile sketch");
	alpha = getd(p);
	if (!(alpha > 0 && alpha < 1))
		return pk_err_set(err, PK_ERR_DATA, "invalid quantile sketch header");
	pk_dds_init(d, alpha);
	count = get64(p + 8);
	d->min = getd(p + 16);
	d->max = getd(p + 24);
	mode = get64(p + 32);
	p += 40;
	if (mode > 1)
		goto bad;
	d->count = count;
	if (mode == 0) {
		if (count > PK_DDS_EXACT_MAX || (uint64_t)(end - p) < count * 8)
			goto bad;
		d->cap = (uint32_t)count;
		d->nvals = (uint32_t)count;
		d->vals = count ? pk_xmalloc(count * sizeof *d->vals) : NULL;
		for (i = 0; i < count; i++)
			d->vals[i] = getd(p + 8 * i);
		p += 8 * count;
	} else {
		d->sketch = 1;
		if (end - p < 8)
			goto bad;
		d->zero = total = get64(p);
		p += 8;
		if (load_store(&d->pos, &p, end, &total) != 0 ||
		    load_store(&d->neg, &p, end, &total) != 0 || total != count)
			goto bad;
	}
	*used = (size_t)(p - (const unsigned char *)data);
	return 0;
bad:
	pk_dds_release(d);
	return pk_err_set(err, PK_ERR_DATA, "corrupt quantile sketch");
}
