/*
 * agg - aggregate specs, per-group state blocks, exact merges and output.
 */
#include "agg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ddsketch.h"
#include "lib/hll.h"

struct textval {
	int64_t t;
	uint64_t seq;
	char *p;		/* NULL: no value yet */
	uint32_t n;
};

/* The first of the aggregates sharing a state adds to it, merges, saves
 * and frees it. */
#define owns(cfg, i) ((cfg)->a[i].owner)

static int
slot_for(struct agg_cfg *cfg, const char *field, enum slot_kind kind, struct pk_err *err)
{
	size_t i;

	for (i = 0; i < cfg->ns; i++)
		if (cfg->s[i].kind == kind && strcmp(cfg->s[i].field, field) == 0)
			return (int)i;
	cfg->s = pk_xrealloc(cfg->s, (cfg->ns + 1) * sizeof *cfg->s);
	memset(&cfg->s[cfg->ns], 0, sizeof cfg->s[cfg->ns]);
	if (pk_path_compile(&cfg->s[cfg->ns].path, field, err) != 0)
		return -1;
	cfg->s[cfg->ns].field = pk_xstrdup(field);
	cfg->s[cfg->ns].kind = kind;
	return (int)cfg->ns++;
}

static int
parse_one(struct agg_cfg *cfg, const char *s, size_t n, struct pk_err *err)
{
	static const struct { const char *name; enum agg_kind kind; } kinds[] = {
		{ "count", AGG_COUNT }, { "sum", AGG_SUM }, { "min", AGG_MIN },
		{ "max", AGG_MAX }, { "avg", AGG_AVG }, { "first", AGG_FIRST },
		{ "last", AGG_LAST }, { "distinct", AGG_DISTINCT },
	};
	struct agg_spec a;
	char *spec = pk_xstrndup(s, n), *colon = strchr(spec, ':'), *field = NULL;
	struct pk_buf name = PK_BUF_INIT;
	size_t i;
	enum slot_kind sk = SLOT_NUM;

	memset(&a, 0, sizeof a);
	a.slot = -1;
	if (colon) {
		*colon = '\0';
		field = colon + 1;
		if (*field == '\0') {
			pk_err_set(err, PK_ERR_USAGE, "aggregate '%.*s' names no field", (int)n, s);
			goto fail;
		}
	}
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(spec, kinds[i].name) == 0)
			break;
	if (i < sizeof kinds / sizeof kinds[0]) {
		a.kind = kinds[i].kind;
	} else if (spec[0] == 'p' && spec[1] != '\0') {
		char *end;
		double q = strtod(spec + 1, &end);

		if (*end != '\0' || !(q >= 0 && q <= 100) || !(spec[1] >= '0' && spec[1] <= '9')) {
			pk_err_set(err, PK_ERR_USAGE, "invalid percentile '%s' (p0 to p100)", spec);
			goto fail;
		}
		a.kind = AGG_QUANTILE;
		a.q = q / 100;
	} else {
		pk_err_set(err, PK_ERR_USAGE, "unknown aggregate '%s' (count, sum, min, max, avg, "
		    "first, last, distinct, pNN)", spec);
		goto fail;
	}
	if (a.kind != AGG_COUNT && field == NULL) {
		pk_err_set(err, PK_ERR_USAGE, "aggregate '%s' needs a field, as in '%s:FIELD'",
		    spec, spec);
		goto fail;
	}
	if (a.kind == AGG_FIRST || a.kind == AGG_LAST)
		sk = SLOT_TEXT;
	else if (a.kind == AGG_DISTINCT)
		sk = SLOT_HASH;
	else if (a.kind == AGG_COUNT)
		sk = SLOT_HASH;		/* count:f counts records where f is present */
	if (field && (a.slot = slot_for(cfg, field, sk, err)) < 0)
		goto fail;
	pk_buf_adds(&name, spec);
	if (field) {
		pk_buf_addc(&name, '_');
		pk_buf_adds(&name, field);
	}
	a.name = pk_buf_detach(&name, NULL);
	if (colon)
		*colon = ':';
	a.spec = spec;
	for (i = 0; i < cfg->n; i++)
		if (strcmp(cfg->a[i].name, a.name) == 0) {
			pk_err_set(err, PK_ERR_USAGE, "aggregate '%s' given twice", a.spec);
			free(a.name);
			free(spec);
			return -1;
		}
	cfg->a = pk_xrealloc(cfg->a, (cfg->n + 1) * sizeof *cfg->a);
	cfg->a[cfg->n++] = a;
	return 0;
fail:
	free(spec);
	return -1;
}

int
agg_parse(struct agg_cfg *cfg, const char *spec, struct pk_err *err)
{
	const char *p = spec;

	for (;;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 0)
			return pk_err_set(err, PK_ERR_USAGE, "empty aggregate in '%s'", spec);
		if (parse_one(cfg, p, n, err) != 0)
			return -1;
		if (e == NULL)
			return 0;
		p = e + 1;
	}
}

int
agg_rename(struct agg_cfg *cfg, const char *oldnew, struct pk_err *err)
{
	const char *eq = strchr(oldnew, '=');
	size_t i, n;

	if (eq == NULL || eq == oldnew || eq[1] == '\0')
		return pk_err_set(err, PK_ERR_USAGE, "--as wants OLD=NEW, not '%s'", oldnew);
	n = (size_t)(eq - oldnew);
	for (i = 0; i < cfg->n; i++) {
		struct agg_spec *a = &cfg->a[i];

		if ((strlen(a->name) == n && memcmp(a->name, oldnew, n) == 0) ||
		    (strlen(a->spec) == n && memcmp(a->spec, oldnew, n) == 0)) {
			free(a->name);
			a->name = pk_xstrdup(eq + 1);
			return 0;
		}
	}
	return pk_err_set(err, PK_ERR_USAGE, "--as %s: no aggregate named '%.*s'", oldnew,
	    (int)n, oldnew);
}

static size_t
state_size(enum agg_kind k)
{
	switch (k) {
	case AGG_COUNT: return sizeof(uint64_t);
	case AGG_SUM: case AGG_AVG: return sizeof(struct fsum);
	case AGG_MIN: case AGG_MAX: return sizeof(double);
	case AGG_FIRST: case AGG_LAST: return sizeof(struct textval);
	case AGG_DISTINCT: return sizeof(struct pk_hll);
	default: return sizeof(struct pk_dds);
	}
}

/* Aggregates that can share one state: sum and avg of a field (one exact
 * sum), and every percentile of a field (one sketch). */
static int
shares(const struct agg_spec *a, const struct agg_spec *b)
{
	if (a->slot < 0 || a->slot != b->slot)
		return 0;
	if ((a->kind == AGG_SUM || a->kind == AGG_AVG) && (b->kind == AGG_SUM || b->kind == AGG_AVG))
		return 1;
	return a->kind == AGG_QUANTILE && b->kind == AGG_QUANTILE;
}

int
agg_finish(struct agg_cfg *cfg, struct pk_err *err)
{
	size_t i, j, off = 0;

	if (cfg->n == 0)
		return pk_err_set(err, PK_ERR_USAGE, "no aggregates: give -a, e.g. -a count");
	for (i = 0; i < cfg->n; i++) {
		for (j = 0; j < i; j++)
			if (shares(&cfg->a[j], &cfg->a[i]))
				break;
		if (j < i) {
			cfg->a[i].off = cfg->a[j].off;
			cfg->a[i].owner = 0;
			continue;
		}
		cfg->a[i].owner = 1;
		cfg->a[i].off = off;
		off += (state_size(cfg->a[i].kind) + 7) & ~(size_t)7;
	}
	for (i = 0; i < cfg->n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(cfg->a[i].name, cfg->a[j].name) == 0)
				return pk_err_set(err, PK_ERR_USAGE, "two aggregates named '%s' (use --as)",
				    cfg->a[i].name);
	cfg->size = off;
	return 0;
}

void
agg_cfg_release(struct agg_cfg *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n; i++) {
		free(cfg->a[i].spec);
		free(cfg->a[i].name);
	}
	for (i = 0; i < cfg->ns; i++) {
		free(cfg->s[i].field);
		pk_path_release(&cfg->s[i].path);
	}
	free(cfg->a);
	free(cfg->s);
}

int
agg_extract(const struct agg_cfg *cfg, const struct pk_jdoc *doc, int empty_null,
    struct agg_val *v, struct pk_buf *why)
{
	struct pk_jval jv;
	size_t i;

	for (i = 0; i < cfg->ns; i++) {
		const struct agg_slot *s = &cfg->s[i];

		v[i].present = 0;
		if (!pk_json_get(doc, &s->path, &jv) || jv.type == PK_J_NULL ||
		    (empty_null && jv.type == PK_J_STR && jv.n == 2))
			continue;
		v[i].present = 1;
		switch (s->kind) {
		case SLOT_NUM:
			if (!pk_jval_num(&jv, &v[i].d) || !isfinite(v[i].d)) {
				pk_buf_reset(why);
				pk_buf_printf(why, "field '%s' is not a number: %.*s", s->field,
				    (int)(jv.n > 64 ? 64 : jv.n), jv.p);
				return -1;
			}
			break;
		case SLOT_TEXT:
			v[i].p = jv.p;
			v[i].n = jv.n;
			break;
		case SLOT_HASH:
			if (jv.type == PK_J_STR && !jv.escaped) {
				v[i].h = pk_hll_hash(jv.p + 1, jv.n - 2);
			} else if (jv.type == PK_J_STR) {
				struct pk_buf t = PK_BUF_INIT;

				pk_jval_text(&jv, &t);
				v[i].h = pk_hll_hash(t.p, t.len);
				pk_buf_release(&t);
			} else {
				v[i].h = pk_hll_hash(jv.p, jv.n);
			}
			break;
		}
	}
	return 0;
}

#define ST(type, st, a) ((type *)((char *)(st) + (a)->off))
#define CST(type, st, a) ((const type *)((const char *)(st) + (a)->off))

void
agg_init(const struct agg_cfg *cfg, void *st)
{
	size_t i;

	for (i = 0; i < cfg->n; i++) {
		const struct agg_spec *a = &cfg->a[i];

		switch (a->kind) {
		case AGG_COUNT: *ST(uint64_t, st, a) = 0; break;
		case AGG_SUM: case AGG_AVG: memset(ST(struct fsum, st, a), 0, sizeof(struct fsum)); break;
		case AGG_MIN: case AGG_MAX: *ST(double, st, a) = NAN; break;
		case AGG_FIRST: case AGG_LAST: memset(ST(struct textval, st, a), 0, sizeof(struct textval)); break;
		case AGG_DISTINCT: pk_hll_init(ST(struct pk_hll, st, a), cfg->hll_p); break;
		case AGG_QUANTILE: pk_dds_init(ST(struct pk_dds, st, a), cfg->alpha); break;
		}
	}
}

/* --- exact sums ----------------------------------------------------------- */

#define PARTS(f) ((f)->cap ? (f)->hp : (f)->in)

static void
fsum_push(struct fsum *f, uint32_t i, double x)
{
	if (f->cap == 0 && i >= 2) {
		f->hp = pk_xmalloc(4 * sizeof *f->hp);
		memcpy(f->hp, f->in, sizeof f->in);
		f->cap = 4;
	} else if (f->cap && i >= f->cap) {
		f->cap *= 2;
		f->hp = pk_xrealloc(f->hp, f->cap * sizeof *f->hp);
	}
	PARTS(f)[i] = x;
}

/* Shewchuk's grow-expansion, as in CPython's math_fsum (msum). */
static void
fsum_partial(struct fsum *f, double x)
{
	double *p = PARTS(f);
	uint32_t i = 0, j;

	for (j = 0; j < f->np; j++) {
		double y = p[j], hi, lo;

		if (fabs(x) < fabs(y)) {
			double t = x;

			x = y;
			y = t;
		}
		hi = x + y;
		lo = y - (hi - x);
		if (lo != 0.0)
			p[i++] = lo;
		x = hi;
	}
	fsum_push(f, i, x);
	f->np = i + 1;
}

void
fsum_add(struct fsum *f, double x)
{
	f->n++;
	fsum_partial(f, x);
}

/* CPython's final rounding of the partials: half-way cases are rounded
 * correctly by looking at the sign of the next partial. */
double
fsum_value(const struct fsum *f)
{
	const double *p = PARTS(f);
	double hi = 0, lo = 0, x, y, yr;
	uint32_t n = f->np;

	if (n == 0)
		return 0.0;
	hi = p[--n];
	while (n > 0) {
		x = hi;
		y = p[--n];
		hi = x + y;
		yr = hi - x;
		lo = y - yr;
		if (lo != 0.0)
			break;
	}
	if (n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0))) {
		y = lo * 2.0;
		x = hi + y;
		yr = x - hi;
		if (y == yr)
			hi = x;
	}
	return hi;
}

static void
fsum_merge(struct fsum *dst, const struct fsum *src)
{
	const double *p = PARTS(src);
	uint32_t i;

	for (i = 0; i < src->np; i++)
		fsum_partial(dst, p[i]);
	dst->n += src->n;
}

/* --- add, merge, render ----------------------------------------------------- */

static int
before(int64_t t1, uint64_t s1, int64_t t2, uint64_t s2)
{
	return t1 < t2 || (t1 == t2 && s1 < s2);
}

static void
text_set(struct textval *tv, int64_t t, uint64_t seq, const char *p, size_t n)
{
	if (tv->p == NULL || tv->n < n) {
		free(tv->p);
		tv->p = pk_xmalloc(n ? n : 1);
	}
	memcpy(tv->p, p, n);
	tv->n = (uint32_t)n;
	tv->t = t;
	tv->seq = seq;
}

void
agg_add(const struct agg_cfg *cfg, void *st, const struct agg_val *v, int64_t t, uint64_t seq)
{
	size_t i;

	for (i = 0; i < cfg->n; i++) {
		const struct agg_spec *a = &cfg->a[i];
		const struct agg_val *x = a->slot >= 0 ? &v[a->slot] : NULL;

		if (x != NULL && !x->present)
			continue;
		switch (a->kind) {
		case AGG_COUNT:
			(*ST(uint64_t, st, a))++;
			break;
		case AGG_SUM: case AGG_AVG:
			if (owns(cfg, i))
				fsum_add(ST(struct fsum, st, a), x->d);
			break;
		case AGG_MIN: {
			double *m = ST(double, st, a);

			if (isnan(*m) || x->d < *m)
				*m = x->d;
			break;
		}
		case AGG_MAX: {
			double *m = ST(double, st, a);

			if (isnan(*m) || x->d > *m)
				*m = x->d;
			break;
		}
		case AGG_FIRST: {
			struct textval *tv = ST(struct textval, st, a);

			if (tv->p == NULL || before(t, seq, tv->t, tv->seq))
				text_set(tv, t, seq, x->p, x->n);
			break;
		}
		case AGG_LAST: {
			struct textval *tv = ST(struct textval, st, a);

			if (tv->p == NULL || !before(t, seq, tv->t, tv->seq))
				text_set(tv, t, seq, x->p, x->n);
			break;
		}
		case AGG_DISTINCT:
			pk_hll_add(ST(struct pk_hll, st, a), x->h);
			break;
		case AGG_QUANTILE:
			if (owns(cfg, i))
				pk_dds_add(ST(struct pk_dds, st, a), x->d);
			break;
		}
	}
}

void
agg_merge(const struct agg_cfg *cfg, void *dst, const void *src)
{
	size_t i;

	for (i = 0; i < cfg->n; i++) {
		const struct agg_spec *a = &cfg->a[i];

		if (!owns(cfg, i))
			continue;
		switch (a->kind) {
		case AGG_COUNT:
			*ST(uint64_t, dst, a) += *CST(uint64_t, src, a);
			break;
		case AGG_SUM: case AGG_AVG:
			fsum_merge(ST(struct fsum, dst, a), CST(struct fsum, src, a));
			break;
		case AGG_MIN: case AGG_MAX: {
			double *d = ST(double, dst, a), s = *CST(double, src, a);

			if (!isnan(s) && (isnan(*d) || (a->kind == AGG_MIN ? s < *d : s > *d)))
				*d = s;
			break;
		}
		case AGG_FIRST: case AGG_LAST: {
			struct textval *d = ST(struct textval, dst, a);
			const struct textval *s = CST(struct textval, src, a);

			if (s->p == NULL)
				break;
			if (d->p == NULL || (a->kind == AGG_FIRST ? before(s->t, s->seq, d->t, d->seq) :
			    before(d->t, d->seq, s->t, s->seq)))
				text_set(d, s->t, s->seq, s->p, s->n);
			break;
		}
		case AGG_DISTINCT:
			pk_hll_merge(ST(struct pk_hll, dst, a), CST(struct pk_hll, src, a));
			break;
		case AGG_QUANTILE:
			pk_dds_merge(ST(struct pk_dds, dst, a), CST(struct pk_dds, src, a));
			break;
		}
	}
}

void
agg_release(const struct agg_cfg *cfg, void *st)
{
	size_t i;

	for (i = 0; i < cfg->n; i++) {
		const struct agg_spec *a = &cfg->a[i];

		if (!owns(cfg, i))
			continue;
		switch (a->kind) {
		case AGG_SUM: case AGG_AVG: {
			struct fsum *f = ST(struct fsum, st, a);

			if (f->cap)
				free(f->hp);
			break;
		}
		case AGG_FIRST: case AGG_LAST:
			free(ST(struct textval, st, a)->p);
			break;
		case AGG_DISTINCT:
			pk_hll_release(ST(struct pk_hll, st, a));
			break;
		case AGG_QUANTILE:
			pk_dds_release(ST(struct pk_dds, st, a));
			break;
		default:
			break;
		}
	}
}

size_t
agg_heap_bytes(const struct agg_cfg *cfg, const void *st)
{
	size_t i, n = 0;

	for (i = 0; i < cfg->n; i++) {
		const struct agg_spec *a = &cfg->a[i];

		if (!owns(cfg, i))
			continue;
		switch (a->kind) {
		case AGG_SUM: case AGG_AVG: n += CST(struct fsum, st, a)->cap * sizeof(double); break;
		case AGG_FIRST: case AGG_LAST: n += CST(struct textval, st, a)->n; break;
		case AGG_DISTINCT: n += pk_hll_bytes(CST(struct pk_hll, st, a)); break;
		case AGG_QUANTILE: n += pk_dds_bytes(CST(struct pk_dds, st, a)); break;
		default: break;
		}
	}
	return n;
}

void
agg_render(const struct agg_cfg *cfg, const void *st, struct pk_buf *out)
{
	size_t i;

	for (i = 0; i < cfg->n; i++) {
		const struct agg_spec *a = &cfg->a[i];

		pk_buf_addc(out, ',');
		pk_buf_add_json_str(out, a->name, strlen(a->name));
		pk_buf_addc(out, ':');
		switch (a->kind) {
		case AGG_COUNT:
			pk_buf_add_i64(out, (int64_t)*CST(uint64_t, st, a));
			break;
		case AGG_SUM:
			pk_buf_add_double(out, fsum_value(CST(struct fsum, st, a)));
			break;
		case AGG_AVG: {
			const struct fsum *f = CST(struct fsum, st, a);

			if (f->n == 0)
				pk_buf_adds(out, "null");
			else
				pk_buf_add_double(out, fsum_value(f) / (double)f->n);
			break;
		}
		case AGG_MIN: case AGG_MAX: {
			double m = *CST(double, st, a);

			if (isnan(m))
				pk_buf_adds(out, "null");
			else
				pk_buf_add_double(out, m);
			break;
		}
		case AGG_FIRST: case AGG_LAST: {
			const struct textval *tv = CST(struct textval, st, a);

			if (tv->p == NULL)
				pk_buf_adds(out, "null");
			else
				pk_buf_add(out, tv->p, tv->n);
			break;
		}
		case AGG_DISTINCT:
			pk_buf_add_i64(out, llround(pk_hll_count(CST(struct pk_hll, st, a))));
			break;
		case AGG_QUANTILE: {
			double q = pk_dds_quantile(CST(struct pk_dds, st, a), a->q);

			if (isnan(q))
				pk_buf_adds(out, "null");
			else
				pk_buf_add_double(out, q);
			break;
		}
		}
	}
}

/* --- saved form --------------------------------------------------------------- */

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
putd(struct pk_buf *b, double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof u);
	put64(b, u);
}

static int
get64(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	int i;

	if (end - *p < 8)
		return -1;
	*v = 0;
	for (i = 7; i >= 0; i--)
		*v = *v << 8 | (*p)[i];
	*p += 8;
	return 0;
}

static int
getd(const unsigned char **p, const unsigned char *end, double *d)
{
	uint64_t u;

	if (get64(p, end, &u) != 0)
		return -1;
	memcpy(d, &u, sizeof *d);
	return 0;
}

void
agg_save(const struct agg_cfg *cfg, const void *st, struct pk_buf *out)
{
	size_t i;
	uint32_t j;

	for (i = 0; i < cfg->n; i++) {
		const struct agg_spec *a = &cfg->a[i];

		if (!owns(cfg, i))
			continue;
		switch (a->kind) {
		case AGG_COUNT:
			put64(out, *CST(uint64_t, st, a));
			break;
		case AGG_SUM: case AGG_AVG: {
			const struct fsum *f = CST(struct fsum, st, a);

			put64(out, f->n);
			put64(out, f->np);
			for (j = 0; j < f->np; j++)
				putd(out, PARTS(f)[j]);
			break;
		}
		case AGG_MIN: case AGG_MAX:
			putd(out, *CST(double, st, a));
			break;
		case AGG_FIRST: case AGG_LAST: {
			const struct textval *tv = CST(struct textval, st, a);

			put64(out, tv->p ? tv->n : UINT64_MAX);
			if (tv->p) {
				put64(out, (uint64_t)tv->t);
				put64(out, tv->seq);
				pk_buf_add(out, tv->p, tv->n);
			}
			break;
		}
		case AGG_DISTINCT:
			pk_hll_save(CST(struct pk_hll, st, a), out);
			break;
		case AGG_QUANTILE:
			pk_dds_save(CST(struct pk_dds, st, a), out);
			break;
		}
	}
}

int
agg_load(const struct agg_cfg *cfg, void *st, const unsigned char **p,
    const unsigned char *end, struct pk_err *err)
{
	size_t i, used;
	uint64_t u, n, k;

	agg_init(cfg, st);
	for (i = 0; i < cfg->n; i++) {
		const struct agg_spec *a = &cfg->a[i];

		if (!owns(cfg, i))
			continue;
		switch (a->kind) {
		case AGG_COUNT:
			if (get64(p, end, ST(uint64_t, st, a)) != 0)
				goto bad;
			break;
		case AGG_SUM: case AGG_AVG: {
			struct fsum *f = ST(struct fsum, st, a);
			double d;

			if (get64(p, end, &n) != 0 || get64(p, end, &k) != 0 ||
			    k > (uint64_t)(end - *p) / 8)
				goto bad;
			for (u = 0; u < k; u++) {
				if (getd(p, end, &d) != 0)
					goto bad;
				fsum_push(f, (uint32_t)u, d);
				f->np = (uint32_t)u + 1;
			}
			f->n = n;
			break;
		}
		case AGG_MIN: case AGG_MAX:
			if (getd(p, end, ST(double, st, a)) != 0)
				goto bad;
			break;
		case AGG_FIRST: case AGG_LAST: {
			struct textval *tv = ST(struct textval, st, a);
			uint64_t t, seq;

			if (get64(p, end, &n) != 0)
				goto bad;
			if (n == UINT64_MAX)
				break;
			if (get64(p, end, &t) != 0 || get64(p, end, &seq) != 0 ||
			    n > (uint64_t)(end - *p) || n > UINT32_MAX)
				goto bad;
			text_set(tv, (int64_t)t, seq, (const char *)*p, (size_t)n);
			*p += n;
			break;
		}
		case AGG_DISTINCT:
			if (pk_hll_load(ST(struct pk_hll, st, a), *p, (size_t)(end - *p), &used, err) != 0)
				goto fail;
			if (ST(struct pk_hll, st, a)->p != cfg->hll_p)
				goto bad;
			*p += used;
			break;
		case AGG_QUANTILE:
			if (pk_dds_load(ST(struct pk_dds, st, a), *p, (size_t)(end - *p), &used, err) != 0)
				goto fail;
			if (ST(struct pk_dds, st, a)->alpha != cfg->alpha)
				goto bad;
			*p += used;
			break;
		}
	}
	return 0;
bad:
	pk_err_set(err, PK_ERR_DATA, "corrupt aggregate state");
fail:
	agg_release(cfg, st);
	agg_init(cfg, st);
	return -1;
}

void
agg_describe(const struct agg_cfg *cfg, struct pk_buf *out)
{
	size_t i;

	for (i = 0; i < cfg->n; i++) {
		if (i)
			pk_buf_addc(out, ',');
		pk_buf_adds(out, cfg->a[i].spec);
	}
	pk_buf_printf(out, " hll-precision=%u quantile-error=%.17g", cfg->hll_p, cfg->alpha);
}
