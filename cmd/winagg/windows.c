/*
 * windows - panes, sessions, lateness and closing for one shard of groups.
 */
#include "windows.h"

#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/time.h"

/* A group's entry: in a pane (its aggregate state follows the header) or
 * in the session table (then list/x are used and there is no state). */
struct gent {
	struct gent *next;
	uint64_t hash;
	uint32_t klen;
	int64_t x;		/* session group: end of its last emitted session */
	struct sess *list;	/* session group: open sessions by start */
};

#define ALIGN8(n) (((n) + 7) & ~(size_t)7)
#define GHDR ALIGN8(sizeof(struct gent))

struct gtab {
	struct gent **b;
	size_t nb, n;
	size_t ssize;		/* state bytes per entry */
};

struct pane {
	int64_t start;
	struct gtab g;
};

struct sess {
	struct sess *next;
	struct gent *g;
	int64_t start, last;
	size_t hi;		/* index in the heap */
};

#define SHDR ALIGN8(sizeof(struct sess))

struct qent {
	struct gent *g;
	int64_t exp;
};

struct shard {
	const struct win_cfg *cfg;
	int64_t wm;
	struct pane **panes;
	size_t np, capp;
	struct gtab sg;
	struct sess **heap;
	size_t nh, caph;
	struct qent *q;
	size_t qh, qt, capq;
	struct win_row *rows;
	size_t nrows, caprows;
	struct pk_buf rdata;
	void *tmp;		/* one state block for combining panes */
	uint64_t live;
	struct pk_buf pfx;	/* the row prefix of window [pfx_start, pfx_end) */
	int64_t pfx_start, pfx_end;
};

static int64_t
sat_add(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static int64_t
sat_sub(int64_t a, int64_t b)
{
	return a < INT64_MIN + b ? INT64_MIN : a - b;
}

/* --- keys ---------------------------------------------------------------- */

void
key_add(struct pk_buf *key, int tag, const char *p, size_t n)
{
	size_t i, run = 0;

	pk_buf_addc(key, (char)tag);
	for (i = 0; i < n; i++) {
		if (p[i] == '\0') {
			pk_buf_add(key, p + run, i - run);
			pk_buf_add(key, "\0\xff", 2);
			run = i + 1;
		}
	}
	pk_buf_add(key, p + run, n - run);
	pk_buf_add(key, "\0\0", 2);
}

void
key_render(const struct win_cfg *cfg, const unsigned char *k, size_t n, struct pk_buf *out)
{
	struct pk_buf v = PK_BUF_INIT;
	size_t i = 0, f;

	for (f = 0; f < cfg->ng && i < n; f++) {
		int tag = k[i++], nul = 0;
		size_t from = i;
		const char *p;
		size_t len;

		while (i + 1 < n && !(k[i] == 0 && k[i + 1] == 0)) {
			if (k[i] == 0) {
				nul = 1;
				i += 2;
			} else {
				i++;
			}
		}
		p = (const char *)k + from;
		len = i - from;
		i += 2;
		if (nul) {
			/* undo the 0x00 0xff escapes */
			size_t j;

			pk_buf_reset(&v);
			for (j = 0; j < len; j++) {
				pk_buf_addc(&v, p[j]);
				if (p[j] == 0)
					j++;
			}
			p = v.p;
			len = v.len;
		}
		pk_buf_addc(out, ',');
		pk_buf_add_json_str(out, cfg->gnames[f], strlen(cfg->gnames[f]));
		pk_buf_addc(out, ':');
		if (tag == KEY_NULL)
			pk_buf_adds(out, "null");
		else if (tag == KEY_STR)
			pk_buf_add_json_str(out, p ? p : "", len);
		else
			pk_buf_add(out, p, len);
	}
	pk_buf_release(&v);
}

/* --- group tables ------------------------------------------------------------ */

static void
gtab_init(struct gtab *t, size_t ssize)
{
	t->b = NULL;
	t->nb = t->n = 0;
	t->ssize = ssize;
}

static void *
gstate(struct gent *g)
{
	return (char *)g + GHDR;
}

static unsigned char *
gkey(const struct gtab *t, struct gent *g)
{
	return (unsigned char *)g + GHDR + t->ssize;
}

static struct gent *
gtab_get(const struct gtab *t, const unsigned char *key, size_t klen, uint64_t hash)
{
	struct gent *g;

	if (t->nb == 0)
		return NULL;
	for (g = t->b[hash & (t->nb - 1)]; g != NULL; g = g->next)
		if (g->hash == hash && g->klen == klen && memcmp(gkey(t, g), key, klen) == 0)
			return g;
	return NULL;
}

static struct gent *
gtab_add(struct gtab *t, const unsigned char *key, size_t klen, uint64_t hash)
{
	struct gent *g;

	if (t->n >= t->nb) {
		size_t nb = t->nb ? t->nb * 2 : 8, i;
		struct gent **b = pk_xcalloc(nb, sizeof *b);

		for (i = 0; i < t->nb; i++) {
			struct gent *e = t->b[i], *nx;

			for (; e != NULL; e = nx) {
				nx = e->next;
				e->next = b[e->hash & (nb - 1)];
				b[e->hash & (nb - 1)] = e;
			}
		}
		free(t->b);
		t->b = b;
		t->nb = nb;
	}
	g = pk_xmalloc(GHDR + t->ssize + klen);
	g->hash = hash;
	g->klen = (uint32_t)klen;
	g->x = INT64_MIN;
	g->list = NULL;
	memcpy(gkey(t, g), key, klen);
	g->next = t->b[hash & (t->nb - 1)];
	t->b[hash & (t->nb - 1)] = g;
	t->n++;
	return g;
}

static void
gtab_remove(struct gtab *t, struct gent *g)
{
	struct gent **pp = &t->b[g->hash & (t->nb - 1)];

	while (*pp != g)
		pp = &(*pp)->next;
	*pp = g->next;
	t->n--;
	free(g);
}

static void
gtab_release(struct gtab *t, const struct agg_cfg *agg)
{
	size_t i;

	for (i = 0; i < t->nb; i++) {
		struct gent *g = t->b[i], *nx;

		for (; g != NULL; g = nx) {
			nx = g->next;
			if (agg)
				agg_release(agg, gstate(g));
			free(g);
		}
	}
	free(t->b);
	gtab_init(t, t->ssize);
}

/* --- shard ------------------------------------------------------------------------ */

struct shard *
shard_new(const struct win_cfg *cfg)
{
	struct shard *s = pk_xcalloc(1, sizeof *s);

	s->cfg = cfg;
	s->wm = INT64_MIN;
	gtab_init(&s->sg, 0);
	s->tmp = pk_xmalloc(cfg->agg->size ? cfg->agg->size : 1);
	return s;
}

static void
sess_free(struct shard *s, struct sess *x)
{
	agg_release(s->cfg->agg, (char *)x + SHDR);
	free(x);
	s->live--;
	atomic_fetch_sub(s->cfg->live, 1);
}

void
shard_free(struct shard *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->np; i++) {
		gtab_release(&s->panes[i]->g, s->cfg->agg);
		free(s->panes[i]);
	}
	for (i = 0; i < s->nh; i++)
		sess_free(s, s->heap[i]);
	gtab_release(&s->sg, NULL);
	free(s->panes);
	free(s->heap);
	free(s->q);
	free(s->rows);
	free(s->tmp);
	pk_buf_release(&s->rdata);
	pk_buf_release(&s->pfx);
	free(s);
}

uint64_t
shard_groups(const struct shard *s)
{
	return s->live;
}

static int
count_new(struct shard *s, struct pk_err *err)
{
	const struct win_cfg *c = s->cfg;

	if (c->max_groups && atomic_load(c->live) >= c->max_groups)
		return pk_err_set(err, PK_ERR_DATA, "more than %llu open window groups "
		    "(--max-groups %llu): a larger limit, fewer groups, shorter windows "
		    "or less --lateness", (unsigned long long)c->max_groups,
		    (unsigned long long)c->max_groups);
	atomic_fetch_add(c->live, 1);
	s->live++;
	return 0;
}

/* --- rows ------------------------------------------------------------------------------ */

static void
row(struct shard *s, int64_t start, int64_t end, uint64_t seq, const unsigned char *key,
    size_t klen, const void *st)
{
	struct win_row *r;
	struct pk_buf *d = &s->rdata;

	if (s->nrows == s->caprows) {
		s->caprows = s->caprows ? s->caprows * 2 : 64;
		s->rows = pk_xrealloc(s->rows, s->caprows * sizeof *s->rows);
	}
	r = &s->rows[s->nrows++];
	r->start = start;
	r->end = end;
	r->seq = seq;
	r->koff = d->len;
	r->klen = klen;
	pk_buf_add(d, key, klen);
	r->toff = d->len;
	/* The rows of a window share their prefix: formatted once. */
	if (s->pfx_start != start || s->pfx_end != end || s->pfx.len == 0) {
		pk_buf_reset(&s->pfx);
		pk_buf_adds(&s->pfx, "{\"window_start\":\"");
		pk_time_format(start, &s->pfx);
		pk_buf_adds(&s->pfx, "\",\"window_end\":\"");
		pk_time_format(end, &s->pfx);
		pk_buf_addc(&s->pfx, '"');
		s->pfx_start = start;
		s->pfx_end = end;
	}
	pk_buf_add(d, s->pfx.p, s->pfx.len);
	key_render(s->cfg, key, klen, d);
	agg_render(s->cfg->agg, st, d);
	pk_buf_adds(d, "}\n");
	r->tlen = d->len - r->toff;
}

const struct win_row *
shard_rows(const struct shard *s, size_t *n)
{
	*n = s->nrows;
	return s->rows;
}

const char *
shard_row_data(const struct shard *s)
{
	return s->rdata.p;
}

int
win_row_cmp(const struct win_row *p, const char *dp, const struct win_row *q, const char *dq,
    int update)
{
	size_t n;
	int c;

	if (update) {
		if (p->seq != q->seq)
			return p->seq < q->seq ? -1 : 1;
		if (p->end != q->end)
			return p->end < q->end ? -1 : 1;
		return (p->start > q->start) - (p->start < q->start);
	}
	if (p->end != q->end)
		return p->end < q->end ? -1 : 1;
	if (p->start != q->start)
		return p->start < q->start ? -1 : 1;
	n = p->klen < q->klen ? p->klen : q->klen;
	c = memcmp(dp + p->koff, dq + q->koff, n);
	if (c != 0)
		return c;
	return (p->klen > q->klen) - (p->klen < q->klen);
}

/* qsort has no context argument in C11: the shard being sorted, per thread. */
static _Thread_local const struct shard *sorting;

static int
cmp_rows(const void *a, const void *b)
{
	return win_row_cmp(a, sorting->rdata.p, b, sorting->rdata.p, sorting->cfg->update);
}

static int
cmp_keys(const void *a, const void *b)
{
	const struct win_row *p = a, *q = b;
	size_t n = p->klen < q->klen ? p->klen : q->klen;
	int c = memcmp(sorting->rdata.p + p->koff, sorting->rdata.p + q->koff, n);

	return c ? c : (p->klen > q->klen) - (p->klen < q->klen);
}

void
shard_sort_rows(struct shard *s)
{
	size_t i, a;

	if (s->nrows < 2)
		return;
	sorting = s;
	/* Final rows come window by window in (end, start) order, tumbling and
	 * hopping ones at least: then only the groups of each window need
	 * sorting, in runs far shorter than the whole. */
	for (i = 1; i < s->nrows && !s->cfg->update; i++) {
		const struct win_row *p = &s->rows[i - 1], *q = &s->rows[i];

		if (p->end > q->end || (p->end == q->end && p->start > q->start))
			break;
	}
	if (s->cfg->update || i < s->nrows) {
		qsort(s->rows, s->nrows, sizeof *s->rows, cmp_rows);
	} else {
		for (a = 0; a < s->nrows; a = i) {
			for (i = a + 1; i < s->nrows && s->rows[i].end == s->rows[a].end &&
			    s->rows[i].start == s->rows[a].start; i++)
				;
			if (i - a > 1)
				qsort(s->rows + a, i - a, sizeof *s->rows, cmp_keys);
		}
	}
	sorting = NULL;
}

void
shard_rows_reset(struct shard *s)
{
	s->nrows = 0;
	pk_buf_reset(&s->rdata);
}

/* --- panes --------------------------------------------------------------------------------- */

/* First index with panes[i]->start >= t. */
static size_t
pane_lb(const struct shard *s, int64_t t)
{
	size_t lo = 0, hi = s->np;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->panes[mid]->start < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct pane *
pane_get(struct shard *s, int64_t ps)
{
	size_t i;
	struct pane *p;

	/* Records mostly land in the newest pane. */
	if (s->np && s->panes[s->np - 1]->start == ps)
		return s->panes[s->np - 1];
	i = pane_lb(s, ps);
	if (i < s->np && s->panes[i]->start == ps)
		return s->panes[i];
	if (s->np == s->capp) {
		s->capp = s->capp ? s->capp * 2 : 16;
		s->panes = pk_xrealloc(s->panes, s->capp * sizeof *s->panes);
	}
	p = pk_xmalloc(sizeof *p);
	p->start = ps;
	gtab_init(&p->g, ALIGN8(s->cfg->agg->size));
	memmove(s->panes + i + 1, s->panes + i, (s->np - i) * sizeof *s->panes);
	s->panes[i] = p;
	s->np++;
	return p;
}

/* Window starts that contain pane start ps: first..last, step advance. */
static int64_t
win_first(const struct win_cfg *c, int64_t ps)
{
	return sat_add(pk_time_floor(sat_sub(ps, c->size), c->advance, c->offset), c->advance);
}

static int64_t
win_last(const struct win_cfg *c, int64_t ps)
{
	return pk_time_floor(ps, c->advance, c->offset);
}

/* Rows of window [ws, ws + size) for every group in its panes. */
static void
emit_window(struct shard *s, int64_t ws)
{
	const struct win_cfg *c = s->cfg;
	int64_t we = sat_add(ws, c->size);
	size_t a = pane_lb(s, ws), b = pane_lb(s, we), i, k;
	struct gtab tmp;

	if (a >= b)
		return;
	if (b - a == 1) {
		struct gtab *t = &s->panes[a]->g;

		for (i = 0; i < t->nb; i++) {
			struct gent *g;

			for (g = t->b[i]; g != NULL; g = g->next)
				row(s, ws, we, 0, gkey(t, g), g->klen, gstate(g));
		}
		return;
	}
	gtab_init(&tmp, ALIGN8(c->agg->size));
	for (k = a; k < b; k++) {
		struct gtab *t = &s->panes[k]->g;

		for (i = 0; i < t->nb; i++) {
			struct gent *g, *m;

			for (g = t->b[i]; g != NULL; g = g->next) {
				m = gtab_get(&tmp, gkey(t, g), g->klen, g->hash);
				if (m == NULL) {
					m = gtab_add(&tmp, gkey(t, g), g->klen, g->hash);
					agg_init(c->agg, gstate(m));
				}
				agg_merge(c->agg, gstate(m), gstate(g));
			}
		}
	}
	for (i = 0; i < tmp.nb; i++) {
		struct gent *g;

		for (g = tmp.b[i]; g != NULL; g = g->next)
			row(s, ws, we, 0, gkey(&tmp, g), g->klen, gstate(g));
	}
	gtab_release(&tmp, c->agg);
}

static void
advance_panes(struct shard *s, int64_t wm)
{
	const struct win_cfg *c = s->cfg;
	int64_t ws_next = INT64_MIN, ws;
	size_t i, k;

	if (!c->update) {
		for (i = 0; i < s->np; i++) {
			int64_t ps = s->panes[i]->start, first = win_first(c, ps), last = win_last(c, ps);

			if (sat_add(first, c->size) > wm)
				break;
			if (first < ws_next)
				first = ws_next;
			for (ws = first; ws <= last; ws = sat_add(ws, c->advance)) {
				int64_t end = sat_add(ws, c->size);

				if (end > wm)
					break;
				if (end > s->wm)
					emit_window(s, ws);
				if (ws == INT64_MAX)
					break;
			}
			if (sat_add(last, c->advance) > ws_next)
				ws_next = sat_add(last, c->advance);
		}
	}
	/* A pane is done once the last window holding it has closed. */
	for (k = 0; k < s->np; k++) {
		struct pane *p = s->panes[k];

		if (sat_add(win_last(c, p->start), c->size) > wm)
			break;
		s->live -= p->g.n;
		atomic_fetch_sub(c->live, p->g.n);
		gtab_release(&p->g, c->agg);
		free(p);
	}
	if (k > 0) {
		memmove(s->panes, s->panes + k, (s->np - k) * sizeof *s->panes);
		s->np -= k;
	}
}

static int
add_pane(struct shard *s, const struct win_rec *r, int64_t wm, struct pk_err *err)
{
	const struct win_cfg *c = s->cfg;
	int64_t last = win_last(c, r->t), ws;
	struct pane *p;
	struct gent *g;

	if (sat_add(last, c->size) <= wm)
		return 0;
	p = pane_get(s, pk_time_floor(r->t, c->pane, c->offset));
	g = gtab_get(&p->g, r->key, r->klen, r->khash);
	if (g == NULL) {
		if (count_new(s, err) != 0)
			return -1;
		g = gtab_add(&p->g, r->key, r->klen, r->khash);
		agg_init(c->agg, gstate(g));
	}
	agg_add(c->agg, gstate(g), r->v, r->t, r->seq);
	if (!c->update)
		return 1;
	/* --emit update: the new value of each open window this record is in. */
	for (ws = win_first(c, p->start); ws <= last; ws = sat_add(ws, c->advance)) {
		int64_t we = sat_add(ws, c->size);
		size_t a, b, k;

		if (we <= wm)
			continue;
		if (c->pane == c->size) {
			row(s, ws, we, r->seq, r->key, r->klen, gstate(g));
			continue;
		}
		agg_init(c->agg, s->tmp);
		a = pane_lb(s, ws);
		b = pane_lb(s, we);
		for (k = a; k < b; k++) {
			struct gent *m = gtab_get(&s->panes[k]->g, r->key, r->klen, r->khash);

			if (m)
				agg_merge(c->agg, s->tmp, gstate(m));
		}
		row(s, ws, we, r->seq, r->key, r->klen, s->tmp);
		agg_release(c->agg, s->tmp);
		if (ws == INT64_MAX)
			break;
	}
	return 1;
}

/* --- sessions ------------------------------------------------------------------------------ */

static int64_t
sess_end(const struct shard *s, const struct sess *x)
{
	return sat_add(x->last, s->cfg->gap);
}

static void
heap_swap(struct shard *s, size_t i, size_t j)
{
	struct sess *t = s->heap[i];

	s->heap[i] = s->heap[j];
	s->heap[j] = t;
	s->heap[i]->hi = i;
	s->heap[j]->hi = j;
}

static void
heap_up(struct shard *s, size_t i)
{
	while (i > 0 && sess_end(s, s->heap[(i - 1) / 2]) > sess_end(s, s->heap[i])) {
		heap_swap(s, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
heap_down(struct shard *s, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < s->nh && sess_end(s, s->heap[l]) < sess_end(s, s->heap[m]))
			m = l;
		if (r < s->nh && sess_end(s, s->heap[r]) < sess_end(s, s->heap[m]))
			m = r;
		if (m == i)
			return;
		heap_swap(s, i, m);
		i = m;
	}
}

static void
heap_push(struct shard *s, struct sess *x)
{
	if (s->nh == s->caph) {
		s->caph = s->caph ? s->caph * 2 : 64;
		s->heap = pk_xrealloc(s->heap, s->caph * sizeof *s->heap);
	}
	x->hi = s->nh;
	s->heap[s->nh++] = x;
	heap_up(s, x->hi);
}

static void
heap_remove(struct shard *s, struct sess *x)
{
	size_t i = x->hi;

	s->nh--;
	if (i != s->nh) {
		s->heap[i] = s->heap[s->nh];
		s->heap[i]->hi = i;
		heap_down(s, i);
		heap_up(s, s->heap[i]->hi);
	}
}

static void
queue_push(struct shard *s, struct gent *g, int64_t exp)
{
	if (s->qt == s->capq) {
		if (s->qh > 0) {
			memmove(s->q, s->q + s->qh, (s->qt - s->qh) * sizeof *s->q);
			s->qt -= s->qh;
			s->qh = 0;
		}
		if (s->qt == s->capq) {
			s->capq = s->capq ? s->capq * 2 : 64;
			s->q = pk_xrealloc(s->q, s->capq * sizeof *s->q);
		}
	}
	s->q[s->qt].g = g;
	s->q[s->qt++].exp = exp;
}

static void
unlink_sess(struct sess *x)
{
	struct sess **pp = &x->g->list;

	while (*pp != x)
		pp = &(*pp)->next;
	*pp = x->next;
}

/*
 * When a group with no open session can be forgotten: a record at t <= x
 * (the end of its last emitted session) is late, and after forgetting it
 * must still be. Once wm >= x + 2 gap it is: its own session would end at
 * t + gap <= x + gap <= wm, and any session opened since starts after
 * wm - gap >= x + gap, too far from t to take it in.
 */
static int64_t
forget_at(const struct win_cfg *c, const struct gent *g)
{
	return sat_add(sat_add(g->x, c->gap), c->gap);
}

static void
advance_sessions(struct shard *s, int64_t wm)
{
	const struct win_cfg *c = s->cfg;

	while (s->nh > 0 && sess_end(s, s->heap[0]) <= wm) {
		struct sess *x = s->heap[0];
		struct gent *g = x->g;
		int64_t end = sess_end(s, x);

		if (!c->update)
			row(s, x->start, end, 0, gkey(&s->sg, g), g->klen, (char *)x + SHDR);
		heap_remove(s, x);
		unlink_sess(x);
		if (end > g->x)
			g->x = end;
		sess_free(s, x);
		if (g->list == NULL)
			queue_push(s, g, forget_at(c, g));
	}
	/* Groups without open sessions whose time has come are forgotten. */
	while (s->qh < s->qt && s->q[s->qh].exp <= wm) {
		struct qent *e = &s->q[s->qh++];

		if (e->g->list == NULL && forget_at(c, e->g) == e->exp)
			gtab_remove(&s->sg, e->g);
	}
}

static int
add_session(struct shard *s, const struct win_rec *r, int64_t wm, struct pk_err *err)
{
	const struct win_cfg *c = s->cfg;
	struct gent *g = gtab_get(&s->sg, r->key, r->klen, r->khash);
	struct sess *x, *hit = NULL, *nx, **pp;

	if (g != NULL && g->x != INT64_MIN && r->t <= g->x)
		return 0;
	if (g != NULL) {
		for (x = g->list; x != NULL; x = nx) {
			nx = x->next;
			if (r->t < sat_sub(x->start, c->gap) || r->t > sat_add(x->last, c->gap))
				continue;
			if (hit == NULL) {
				hit = x;
				continue;
			}
			/* The record bridges two sessions: they become one. */
			agg_merge(c->agg, (char *)hit + SHDR, (char *)x + SHDR);
			if (x->start < hit->start)
				hit->start = x->start;
			if (x->last > hit->last)
				hit->last = x->last;
			heap_remove(s, x);
			unlink_sess(x);
			sess_free(s, x);
		}
	}
	if (hit == NULL) {
		if (sat_add(r->t, c->gap) <= wm)
			return 0;
		if (count_new(s, err) != 0)
			return -1;
		if (g == NULL)
			g = gtab_add(&s->sg, r->key, r->klen, r->khash);
		hit = pk_xmalloc(SHDR + ALIGN8(c->agg->size));
		hit->g = g;
		hit->start = hit->last = r->t;
		agg_init(c->agg, (char *)hit + SHDR);
		for (pp = &g->list; *pp != NULL && (*pp)->start < hit->start; pp = &(*pp)->next)
			;
		hit->next = *pp;
		*pp = hit;
		heap_push(s, hit);
	} else {
		if (r->t < hit->start)
			hit->start = r->t;
		if (r->t > hit->last)
			hit->last = r->t;
		heap_down(s, hit->hi);
	}
	agg_add(c->agg, (char *)hit + SHDR, r->v, r->t, r->seq);
	if (c->update)
		row(s, hit->start, sess_end(s, hit), r->seq, r->key, r->klen, (char *)hit + SHDR);
	return 1;
}

/* --- the interface ------------------------------------------------------------------------ */

void
shard_advance(struct shard *s, int64_t wm)
{
	if (wm <= s->wm)
		return;
	if (s->cfg->kind == WIN_SESSION)
		advance_sessions(s, wm);
	else
		advance_panes(s, wm);
	s->wm = wm;
}

int
shard_add(struct shard *s, const struct win_rec *r, int64_t wm, struct pk_err *err)
{
	shard_advance(s, wm);
	if (s->cfg->kind == WIN_SESSION)
		return add_session(s, r, wm, err);
	return add_pane(s, r, wm, err);
}

int64_t
shard_max_end(const struct shard *s)
{
	int64_t m = INT64_MIN;
	size_t i;

	if (s->cfg->kind == WIN_SESSION) {
		for (i = 0; i < s->nh; i++)
			if (sess_end(s, s->heap[i]) > m)
				m = sess_end(s, s->heap[i]);
	} else if (s->np > 0) {
		m = sat_add(win_last(s->cfg, s->panes[s->np - 1]->start), s->cfg->size);
	}
	return m;
}

static int
cmp_qent(const void *a, const void *b)
{
	const struct qent *x = a, *y = b;

	return x->exp < y->exp ? -1 : x->exp > y->exp;
}

void
shard_set_wm(struct shard *s, int64_t wm)
{
	size_t i, n0 = s->qt;

	s->wm = wm;
	/* Loaded session groups without open sessions wait in expiry order. */
	for (i = 0; i < s->sg.nb; i++) {
		struct gent *g;

		for (g = s->sg.b[i]; g != NULL; g = g->next)
			if (g->list == NULL)
				queue_push(s, g, forget_at(s->cfg, g));
	}
	if (s->qt - n0 > 1)
		qsort(s->q + n0, s->qt - n0, sizeof *s->q, cmp_qent);
}

/* --- saved form ---------------------------------------------------------------------------- */

static void
put64(struct pk_buf *b, uint64_t v)
{
	unsigned char x[8];
	int i;

	for (i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	pk_buf_add(b, x, 8);
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

void
shard_save(const struct shard *s, struct pk_buf *out)
{
	const struct agg_cfg *agg = s->cfg->agg;
	size_t i, k;

	for (k = 0; k < s->np; k++) {
		const struct gtab *t = &s->panes[k]->g;

		for (i = 0; i < t->nb; i++) {
			struct gent *g;

			for (g = t->b[i]; g != NULL; g = g->next) {
				pk_buf_addc(out, 'P');
				put64(out, (uint64_t)s->panes[k]->start);
				put64(out, g->klen);
				pk_buf_add(out, gkey(t, g), g->klen);
				agg_save(agg, gstate(g), out);
			}
		}
	}
	for (i = 0; i < s->sg.nb; i++) {
		struct gent *g;

		for (g = s->sg.b[i]; g != NULL; g = g->next) {
			struct sess *x;
			uint64_t n = 0;

			for (x = g->list; x != NULL; x = x->next)
				n++;
			pk_buf_addc(out, 'G');
			put64(out, g->klen);
			pk_buf_add(out, gkey(&s->sg, g), g->klen);
			put64(out, (uint64_t)g->x);
			put64(out, n);
			for (x = g->list; x != NULL; x = x->next) {
				put64(out, (uint64_t)x->start);
				put64(out, (uint64_t)x->last);
				agg_save(agg, (char *)x + SHDR, out);
			}
		}
	}
}

void
shard_save_end(struct pk_buf *out)
{
	pk_buf_addc(out, 'E');
}

int
shard_load_entry(struct shard **shards, size_t nshards, const unsigned char **p,
    const unsigned char *end, struct pk_err *err)
{
	uint64_t ps, klen, x, n, i, a, b;
	const unsigned char *key;
	struct shard *s;
	struct gent *g;
	uint64_t h;
	int tag;

	if (*p >= end)
		goto bad;
	tag = *(*p)++;
	if (tag == 'E')
		return 0;
	if (tag == 'P') {
		if (get64(p, end, &ps) != 0)
			goto bad;
	} else if (tag != 'G') {
		goto bad;
	}
	if (get64(p, end, &klen) != 0 || klen > (uint64_t)(end - *p))
		goto bad;
	key = *p;
	*p += klen;
	h = pk_hash64(key, (size_t)klen, 0);
	s = shards[(size_t)((h >> 32) % nshards)];	/* as WA_SHARD */
	if (tag == 'P') {
		struct pane *pn;

		if (s->cfg->kind == WIN_SESSION)
			goto bad;
		pn = pane_get(s, (int64_t)ps);
		if (gtab_get(&pn->g, key, (size_t)klen, h) != NULL)
			goto bad;
		g = gtab_add(&pn->g, key, (size_t)klen, h);
		if (agg_load(s->cfg->agg, gstate(g), p, end, err) != 0)
			return -1;
		s->live++;
		atomic_fetch_add(s->cfg->live, 1);
		return 1;
	}
	if (s->cfg->kind != WIN_SESSION || get64(p, end, &x) != 0 || get64(p, end, &n) != 0 ||
	    gtab_get(&s->sg, key, (size_t)klen, h) != NULL)
		goto bad;
	g = gtab_add(&s->sg, key, (size_t)klen, h);
	g->x = (int64_t)x;
	for (i = 0; i < n; i++) {
		struct sess *y, **pp;

		if (get64(p, end, &a) != 0 || get64(p, end, &b) != 0 || (int64_t)a > (int64_t)b)
			goto bad;
		y = pk_xmalloc(SHDR + ALIGN8(s->cfg->agg->size));
		y->g = g;
		y->start = (int64_t)a;
		y->last = (int64_t)b;
		if (agg_load(s->cfg->agg, (char *)y + SHDR, p, end, err) != 0) {
			free(y);
			return -1;
		}
		for (pp = &g->list; *pp != NULL && (*pp)->start < y->start; pp = &(*pp)->next)
			;
		y->next = *pp;
		*pp = y;
		heap_push(s, y);
		s->live++;
		atomic_fetch_add(s->cfg->live, 1);
	}
	return 1;
bad:
	return pk_err_set(err, PK_ERR_DATA, "corrupt window entry");
}
