/*
 * hll - exact small sets, then sparse and dense HyperLogLog registers.
 */
#include "lib/hll.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"

uint64_t
pk_hll_hash(const void *p, size_t n)
{
	return pk_hash64(p, n, 0);
}

void
pk_hll_init(struct pk_hll *h, unsigned p)
{
	memset(h, 0, sizeof *h);
	h->p = (uint8_t)p;
	h->mode = PK_HLL_EXACT;
}

void
pk_hll_release(struct pk_hll *h)
{
	free(h->set);
	free(h->sparse);
	free(h->reg);
	pk_hll_init(h, h->p);
}

/* Register index (top p bits) and value (leading zeros of the rest + 1). */
static void
split(unsigned p, uint64_t hash, uint32_t *idx, uint8_t *val)
{
	uint64_t w = hash << p;
	unsigned q = 64 - p, rho;

	*idx = (uint32_t)(hash >> (64 - p));
	if (w == 0)
		rho = q + 1;
	else {
		rho = (unsigned)__builtin_clzll(w) + 1;
		if (rho > q + 1)
			rho = q + 1;
	}
	*val = (uint8_t)rho;
}

static void
to_dense(struct pk_hll *h)
{
	uint32_t i;

	h->reg = pk_xcalloc((size_t)1 << h->p, 1);
	for (i = 0; i < h->n; i++)
		h->reg[h->sparse[i] >> 8] = (uint8_t)(h->sparse[i] & 0xff);
	free(h->sparse);
	h->sparse = NULL;
	h->n = h->cap = 0;
	h->mode = PK_HLL_DENSE;
}

static void
sparse_set(struct pk_hll *h, uint32_t idx, uint8_t val)
{
	uint32_t lo = 0, hi = h->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if ((h->sparse[mid] >> 8) < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < h->n && (h->sparse[lo] >> 8) == idx) {
		if ((h->sparse[lo] & 0xff) < val)
			h->sparse[lo] = idx << 8 | val;
		return;
	}
	/* Sparse words take 4 bytes a register: past 1/8 of the registers the
	 * dense form is both smaller per entry and faster. */
	if (h->n >= ((uint32_t)1 << h->p) / 8) {
		to_dense(h);
		if (h->reg[idx] < val)
			h->reg[idx] = val;
		return;
	}
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->sparse = pk_xrealloc(h->sparse, h->cap * sizeof *h->sparse);
	}
	memmove(h->sparse + lo + 1, h->sparse + lo, (h->n - lo) * sizeof *h->sparse);
	h->sparse[lo] = idx << 8 | val;
	h->n++;
}

static void
reg_add(struct pk_hll *h, uint64_t hash)
{
	uint32_t idx;
	uint8_t val;

	split(h->p, hash, &idx, &val);
	if (h->mode == PK_HLL_DENSE) {
		if (h->reg[idx] < val)
			h->reg[idx] = val;
	} else {
		sparse_set(h, idx, val);
	}
}

static void
to_sparse(struct pk_hll *h)
{
	uint64_t *set = h->set;
	uint32_t i, n = h->n;

	h->set = NULL;
	h->n = h->cap = 0;
	h->mode = PK_HLL_SPARSE;
	for (i = 0; i < n; i++)
		reg_add(h, set[i]);
	free(set);
}

void
pk_hll_add(struct pk_hll *h, uint64_t hash)
{
	uint32_t lo = 0, hi;

	if (h->mode != PK_HLL_EXACT) {
		reg_add(h, hash);
		return;
	}
	hi = h->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (h->set[mid] < hash)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < h->n && h->set[lo] == hash)
		return;
	if (h->n == PK_HLL_EXACT_MAX) {
		to_sparse(h);
		reg_add(h, hash);
		return;
	}
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 4;
		h->set = pk_xrealloc(h->set, h->cap * sizeof *h->set);
	}
	memmove(h->set + lo + 1, h->set + lo, (h->n - lo) * sizeof *h->set);
	h->set[lo] = hash;
	h->n++;
}

int
pk_hll_merge(struct pk_hll *dst, const struct pk_hll *src)
{
	uint32_t i;

	if (dst->p != src->p)
		return -1;
	switch (src->mode) {
	case PK_HLL_EXACT:
		for (i = 0; i < src->n; i++)
			pk_hll_add(dst, src->set[i]);
		break;
	case PK_HLL_SPARSE:
		if (dst->mode == PK_HLL_EXACT)
			to_sparse(dst);
		for (i = 0; i < src->n; i++) {
			if (dst->mode == PK_HLL_DENSE) {
				uint32_t idx = src->sparse[i] >> 8;
				uint8_t v = (uint8_t)(src->sparse[i] & 0xff);

				if (dst->reg[idx] < v)
					dst->reg[idx] = v;
			} else {
				sparse_set(dst, src->sparse[i] >> 8, (uint8_t)(src->sparse[i] & 0xff));
			}
		}
		break;
	case PK_HLL_DENSE:
		if (dst->mode == PK_HLL_EXACT)
			to_sparse(dst);
		if (dst->mode == PK_HLL_SPARSE)
			to_dense(dst);
		for (i = 0; i < ((uint32_t)1 << src->p); i++)
			if (dst->reg[i] < src->reg[i])
				dst->reg[i] = src->reg[i];
		break;
	}
	return 0;
}

/* Ertl 2017, the sigma and tau series of the improved raw estimator. */
static double
sigma(double x)
{
	double y = 1, z = x, zp;

	if (x == 1)
		return INFINITY;
	do {
		x *= x;
		zp = z;
		z += x * y;
		y += y;
	} while (z != zp);
	return z;
}

static double
tau(double x)
{
	double y = 1, z, zp;

	if (x == 0 || x == 1)
		return 0;
	z = 1 - x;
	do {
		x = sqrt(x);
		zp = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (z != zp);
	return z / 3;
}

double
pk_hll_count(const struct pk_hll *h)
{
	uint32_t c[66] = { 0 }, i, m = (uint32_t)1 << h->p;
	unsigned q = 64u - h->p;
	double z;
	int k;

	if (h->mode == PK_HLL_EXACT)
		return (double)h->n;
	if (h->mode == PK_HLL_SPARSE) {
		c[0] = m - h->n;
		for (i = 0; i < h->n; i++)
			c[h->sparse[i] & 0xff]++;
	} else {
		for (i = 0; i < m; i++)
			c[h->reg[i]]++;
	}
	z = m * tau(1.0 - (double)c[q + 1] / m);
	for (k = (int)q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += m * sigma((double)c[0] / m);
	return (double)m * m / (2 * log(2)) / z;
}

size_t
pk_hll_bytes(const struct pk_hll *h)
{
	switch (h->mode) {
	case PK_HLL_EXACT: return h->cap * sizeof *h->set;
	case PK_HLL_SPARSE: return h->cap * sizeof *h->sparse;
	default: return (size_t)1 << h->p;
	}
}

static void
put32(struct pk_buf *b, uint32_t v)
{
	unsigned char x[4];
	int i;

	for (i = 0; i < 4; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	pk_buf_add(b, x, 4);
}

static void
put64(struct pk_buf *b, uint64_t v)
{
	put32(b, (uint32_t)v);
	put32(b, (uint32_t)(v >> 32));
}

static uint64_t
get(const unsigned char *p, int nbytes)
{
	uint64_t v = 0;
	int i;

	for (i = nbytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Layout: u8 p, u8 mode, u32 n, then n u64 hashes (EXACT), n u32 words
 * (SPARSE) or 2^p register bytes (DENSE). */
void
pk_hll_save(const struct pk_hll *h, struct pk_buf *out)
{
	uint32_t i;

	pk_buf_addc(out, (char)h->p);
	pk_buf_addc(out, (char)h->mode);
	put32(out, h->mode == PK_HLL_DENSE ? 0 : h->n);
	if (h->mode == PK_HLL_EXACT)
		for (i = 0; i < h->n; i++)
			put64(out, h->set[i]);
	else if (h->mode == PK_HLL_SPARSE)
		for (i = 0; i < h->n; i++)
			put32(out, h->sparse[i]);
	else
		pk_buf_add(out, h->reg, (size_t)1 << h->p);
}

int
pk_hll_load(struct pk_hll *h, const void *data, size_t n, size_t *used, struct pk_err *err)
{
	const unsigned char *p = data;
	uint32_t cnt, i, m;
	unsigned mode, prec;
	size_t need;

	if (n < 6)
		return pk_err_set(err, PK_ERR_DATA, "truncated distinct-count sketch");
	prec = p[0];
	mode = p[1];
	cnt = (uint32_t)get(p + 2, 4);
	if (prec < PK_HLL_MIN_P || prec > PK_HLL_MAX_P || mode > PK_HLL_DENSE)
		return pk_err_set(err, PK_ERR_DATA, "invalid distinct-count sketch header");
	m = (uint32_t)1 << prec;
	need = 6 + (mode == PK_HLL_EXACT ? (size_t)cnt * 8 : mode == PK_HLL_SPARSE ?
	    (size_t)cnt * 4 : m);
	if ((mode == PK_HLL_EXACT && cnt > PK_HLL_EXACT_MAX) ||
	    (mode == PK_HLL_SPARSE && cnt > m) || need > n)
		return pk_err_set(err, PK_ERR_DATA, "invalid distinct-count sketch size");
	pk_hll_init(h, prec);
	h->mode = (uint8_t)mode;
	p += 6;
	if (mode == PK_HLL_EXACT) {
		h->cap = cnt ? cnt : 0;
		h->set = cnt ? pk_xmalloc(cnt * sizeof *h->set) : NULL;
		for (i = 0; i < cnt; i++) {
			h->set[i] = get(p + 8 * i, 8);
			if (i > 0 && h->set[i] <= h->set[i - 1])
				goto bad;
		}
		h->n = cnt;
	} else if (mode == PK_HLL_SPARSE) {
		h->cap = cnt ? cnt : 0;
		h->sparse = cnt ? pk_xmalloc(cnt * sizeof *h->sparse) : NULL;
		for (i = 0; i < cnt; i++) {
			h->sparse[i] = (uint32_t)get(p + 4 * i, 4);
			if ((h->sparse[i] >> 8) >= m || (h->sparse[i] & 0xff) > 65 - prec ||
			    (i > 0 && (h->sparse[i] >> 8) <= (h->sparse[i - 1] >> 8)))
				goto bad;
		}
		h->n = cnt;
	} else {
		h->reg = pk_xmalloc(m);
		memcpy(h->reg, p, m);
		for (i = 0; i < m; i++)
			if (h->reg[i] > 65 - prec)
				goto bad;
	}
	*used = need;
	return 0;
bad:
	pk_hll_release(h);
	return pk_err_set(err, PK_ERR_DATA, "corrupt distinct-count sketch");
}
