/*
 * model - slareport's in-memory history and its evaluation into report rows.
 */
#include "cmd/slareport/model.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/quantile.h"
#include "lib/time.h"

#define DAY_NS (INT64_C(86400) * PK_NS_PER_SEC)

/* --- interning ----------------------------------------------------------- */

void
sr_intern_release(struct sr_intern *t)
{
	free(t->slot);
	pk_buf_release(&t->bytes);
	free(t->off);
	free(t->len);
	free(t->hash);
	memset(t, 0, sizeof *t);
}

/* A slot holds a tag of the hash with the id: probes that cannot match are
 * told apart without leaving the slot array. */
static uint64_t
slot_of(uint32_t id, uint64_t h)
{
	return (h & 0xffffffff00000000ULL) | ((uint64_t)id + 1);
}

static void
intern_rehash(struct sr_intern *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 64, i;

	free(t->slot);
	t->slot = pk_xcalloc(ncap, sizeof *t->slot);
	t->cap = ncap;
	for (i = 0; i < t->n; i++) {
		size_t j = (size_t)t->hash[i] & (ncap - 1);

		while (t->slot[j] != 0)
			j = (j + 1) & (ncap - 1);
		t->slot[j] = slot_of((uint32_t)i, t->hash[i]);
	}
}

static int
lookup(const struct sr_intern *t, const void *s, size_t n, uint64_t h, size_t *pos)
{
	size_t j;

	if (t->cap == 0) {
		*pos = 0;
		return 0;
	}
	j = (size_t)h & (t->cap - 1);
	for (;;) {
		uint64_t e = t->slot[j];
		uint32_t id;

		if (e == 0) {
			*pos = j;
			return 0;
		}
		id = (uint32_t)e - 1;
		if ((e >> 32) == (h >> 32) && t->hash[id] == h && t->len[id] == n &&
		    memcmp(t->bytes.p + t->off[id], s, n) == 0) {
			*pos = id;
			return 1;
		}
		j = (j + 1) & (t->cap - 1);
	}
}

uint32_t
sr_intern(struct sr_intern *t, const void *s, size_t n, int *isnew)
{
	uint64_t h = pk_hash64(s, n, 0x5e1a);
	size_t pos;
	uint32_t id;

	if (lookup(t, s, n, h, &pos)) {
		if (isnew)
			*isnew = 0;
		return (uint32_t)pos;
	}
	if ((t->n + 1) * 4 > t->cap * 3) {
		intern_rehash(t);
		lookup(t, s, n, h, &pos);
	}
	if (t->n == t->ncap) {
		t->ncap = t->ncap ? t->ncap * 2 : 64;
		t->off = pk_xrealloc(t->off, t->ncap * sizeof *t->off);
		t->len = pk_xrealloc(t->len, t->ncap * sizeof *t->len);
		t->hash = pk_xrealloc(t->hash, t->ncap * sizeof *t->hash);
	}
	id = (uint32_t)t->n++;
	t->off[id] = t->bytes.len;
	t->len[id] = (uint32_t)n;
	t->hash[id] = h;
	pk_buf_add(&t->bytes, s, n);
	pk_buf_addc(&t->bytes, '\0');
	t->slot[pos] = slot_of(id, h);
	if (isnew)
		*isnew = 1;
	return id;
}

int
sr_intern_find(const struct sr_intern *t, const void *s, size_t n, uint32_t *id)
{
	size_t pos;

	if (!lookup(t, s, n, pk_hash64(s, n, 0x5e1a), &pos))
		return 0;
	*id = (uint32_t)pos;
	return 1;
}

const char *
sr_intern_str(const struct sr_intern *t, uint32_t id, size_t *n)
{
	if (n)
		*n = t->len[id];
	return t->bytes.p + t->off[id];
}

/* --- states ---------------------------------------------------------------- */

static const struct {
	const char *name;
	int st;
} states[] = {
	{ "success", ST_SUCCESS }, { "skipped", ST_SKIPPED },
	{ "failed", ST_FAILED }, { "upstream_failed", ST_UPSTREAM_FAILED },
	{ "removed", ST_REMOVED },
	/* Airflow 2.0-2.x: "shutdown" was a task killed by a stop; it ended */
	{ "shutdown", ST_FAILED },
	{ "running", ST_RUNNING }, { "queued", ST_QUEUED }, { "scheduled", ST_SCHEDULED },
	{ "up_for_retry", ST_UP_FOR_RETRY }, { "up_for_reschedule", ST_UP_FOR_RESCHEDULE },
	{ "deferred", ST_DEFERRED }, { "restarting", ST_RESTARTING },
	{ "sensing", ST_RUNNING },
	{ "none", ST_NONE }, { "no_status", ST_NONE }, { "", ST_NONE },
};

int
sr_state_parse(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof states / sizeof states[0]; i++)
		if (strlen(states[i].name) == n && memcmp(states[i].name, s, n) == 0)
			return states[i].st;
	return -1;
}

int
sr_state_done_ok(int st)
{
	return st == ST_SUCCESS || st == ST_SKIPPED;
}

int
sr_state_done_bad(int st)
{
	return st == ST_FAILED || st == ST_UPSTREAM_FAILED || st == ST_REMOVED;
}

/* --- the model ------------------------------------------------------------- */

void
sr_model_init(struct sr_model *m)
{
	memset(m, 0, sizeof *m);
	m->now = SR_NONE;
	m->since = SR_NONE;
	m->until = SR_NONE;
}

void
sr_model_release(struct sr_model *m)
{
	size_t i;

	sr_intern_release(&m->dag_names);
	sr_intern_release(&m->task_names);
	sr_intern_release(&m->run_names);
	free(m->tislots);
	free(m->tasks);
	free(m->runs);
	free(m->tis);
	for (i = 0; i < m->nheld; i++)
		free(m->held[i]);
	free(m->held);
	free(m->heldn);
	for (i = 0; i < m->nrules; i++) {
		free(m->rules[i].dag_glob);
		free(m->rules[i].task_glob);
	}
	free(m->rules);
	for (i = 0; i < m->ndeadlines; i++)
		free(m->deadlines[i].dag_glob);
	free(m->deadlines);
	free(m->rows);
	free(m->series);
	pk_buf_release(&m->key);
	memset(m, 0, sizeof *m);
}

uint32_t
sr_dag(struct sr_model *m, const char *s, size_t n)
{
	return sr_intern(&m->dag_names, s, n, NULL);
}

const char *
sr_dag_name(const struct sr_model *m, uint32_t dag, size_t *n)
{
	return sr_intern_str(&m->dag_names, dag, n);
}

/* Two-part keys: the dag id (4 bytes) then the name. */
static size_t
pair_key(struct pk_buf *b, uint32_t dag, const char *s, size_t n)
{
	pk_buf_reset(b);
	pk_buf_add(b, &dag, sizeof dag);
	pk_buf_add(b, s, n);
	return b->len;
}

uint32_t
sr_task(struct sr_model *m, uint32_t dag, const char *s, size_t n)
{
	int isnew;
	uint32_t id;

	pair_key(&m->key, dag, s, n);
	id = sr_intern(&m->task_names, m->key.p, m->key.len, &isnew);
	if (isnew) {
		if (m->ntasks == m->tasks_cap) {
			m->tasks_cap = m->tasks_cap ? m->tasks_cap * 2 : 64;
			m->tasks = pk_xrealloc(m->tasks, m->tasks_cap * sizeof *m->tasks);
		}
		m->tasks[id].dag = dag;
		m->tasks[id].name = id;
		m->tasks[id].sla_known = 0;
		m->tasks[id].sla = SR_NONE;
		m->ntasks++;
	}
	return id;
}

const char *
sr_task_name(const struct sr_model *m, uint32_t task, size_t *n)
{
	size_t len;
	const char *p = sr_intern_str(&m->task_names, task, &len);

	if (n)
		*n = len - sizeof(uint32_t);
	return p + sizeof(uint32_t);
}

uint32_t
sr_run(struct sr_model *m, uint32_t dag, const char *s, size_t n)
{
	int isnew;
	uint32_t id;

	pair_key(&m->key, dag, s, n);
	id = sr_intern(&m->run_names, m->key.p, m->key.len, &isnew);
	if (isnew) {
		struct sr_run *r;

		if (m->nruns == m->runs_cap) {
			m->runs_cap = m->runs_cap ? m->runs_cap * 2 : 256;
			m->runs = pk_xrealloc(m->runs, m->runs_cap * sizeof *m->runs);
		}
		r = &m->runs[id];
		memset(r, 0, sizeof *r);
		r->dag = dag;
		r->name = id;
		r->state = ST_NONE;
		r->queued_at = r->logical = r->die = r->run_after = SR_NONE;
		r->start = r->end = SR_NONE;
		r->ti_min_start = r->ti_max_end = SR_NONE;
		m->nruns++;
	}
	return id;
}

int64_t
sr_task_sla(struct sr_model *m, uint32_t task)
{
	struct sr_task *t = &m->tasks[task];
	size_t i, dn, tn;
	const char *dag, *name;
	char *dz, *tz;

	if (t->sla_known)
		return t->sla;
	t->sla_known = 1;
	t->sla = SR_NONE;
	if (m->nrules == 0)
		return t->sla;
	/* ids are NUL-free in practice; the interned copies are NUL-terminated */
	dag = sr_dag_name(m, t->dag, &dn);
	name = sr_task_name(m, task, &tn);
	dz = pk_xstrndup(dag, dn);
	tz = pk_xstrndup(name, tn);
	for (i = m->nrules; i-- > 0;)
		if (fnmatch(m->rules[i].dag_glob, dz, 0) == 0 &&
		    fnmatch(m->rules[i].task_glob, tz, 0) == 0) {
			t->sla = m->rules[i].ns;
			break;
		}
	free(dz);
	free(tz);
	return t->sla;
}

static size_t
tislot_hash(uint32_t task, uint32_t run, int32_t map)
{
	uint64_t h = ((uint64_t)task << 32 | run) * 0x9e3779b97f4a7c15ULL;

	h ^= (uint64_t)(uint32_t)map * 0xc2b2ae3d27d4eb4fULL;
	return (size_t)(h ^ (h >> 29));
}

static void
tislots_grow(struct sr_model *m)
{
	size_t ncap = m->tislots_cap ? m->tislots_cap * 2 : 4096, i, mask = ncap - 1;
	struct sr_tislot *n = pk_xcalloc(ncap, sizeof *n);

	for (i = 0; i < m->tislots_cap; i++) {
		const struct sr_tislot *o = &m->tislots[i];
		size_t j;

		if (o->id == 0)
			continue;
		for (j = tislot_hash(o->task, o->run, o->map) & mask; n[j].id != 0; j = (j + 1) & mask)
			;
		n[j] = *o;
	}
	free(m->tislots);
	m->tislots = n;
	m->tislots_cap = ncap;
}

void
sr_prefetch_ti(const struct sr_model *m, const struct sr_ti *ti)
{
	if (m->tislots_cap != 0)
		__builtin_prefetch(&m->tislots[tislot_hash(ti->task, ti->run, ti->map_index) &
		    (m->tislots_cap - 1)]);
}

struct sr_ti *
sr_add_ti(struct sr_model *m, const struct sr_ti *ti)
{
	size_t j, mask;
	struct sr_ti *slot;
	struct sr_tislot *e;

	if ((m->ntis + 1) * 2 > m->tislots_cap)
		tislots_grow(m);
	mask = m->tislots_cap - 1;
	for (j = tislot_hash(ti->task, ti->run, ti->map_index) & mask;; j = (j + 1) & mask) {
		e = &m->tislots[j];
		if (e->id == 0 || (e->task == ti->task && e->run == ti->run && e->map == ti->map_index))
			break;
	}
	if (e->id == 0) {
		if (m->ntis == m->tis_cap) {
			m->tis_cap = m->tis_cap ? m->tis_cap * 2 : 1024;
			m->tis = pk_xrealloc(m->tis, m->tis_cap * sizeof *m->tis);
		}
		e->task = ti->task;
		e->run = ti->run;
		e->map = ti->map_index;
		e->id = (uint32_t)++m->ntis;
	} else {
		slot = &m->tis[e->id - 1];
		/* the highest try stands; an equal one read later replaces it */
		if (ti->try_number < slot->try_number)
			return NULL;
		if (slot->held) {
			free(m->held[slot->held - 1]);
			m->held[slot->held - 1] = NULL;
		}
	}
	slot = &m->tis[e->id - 1];
	*slot = *ti;
	slot->held = 0;
	return slot;
}

void
sr_hold(struct sr_model *m, struct sr_ti *ti, const char *raw, size_t n)
{
	if (m->nheld == m->held_cap) {
		m->held_cap = m->held_cap ? m->held_cap * 2 : 64;
		m->held = pk_xrealloc(m->held, m->held_cap * sizeof *m->held);
		m->heldn = pk_xrealloc(m->heldn, m->held_cap * sizeof *m->heldn);
	}
	m->held[m->nheld] = pk_xstrndup(raw, n);
	m->heldn[m->nheld] = n;
	ti->held = (uint32_t)++m->nheld;
}

/* The chain of --reference: the task's own value, then its dag run's. */
static int64_t
reference(enum sr_refkind kind, int64_t die, int64_t run_after, int64_t logical,
    const struct sr_run *r)
{
	switch (kind) {
	case REF_DEFAULT:
		if (die != SR_NONE)
			return die;
		if (r && r->die != SR_NONE)
			return r->die;
		if (run_after != SR_NONE)
			return run_after;
		return r ? r->run_after : SR_NONE;
	case REF_DIE:
		return die != SR_NONE ? die : r ? r->die : SR_NONE;
	case REF_RUN_AFTER:
		return run_after != SR_NONE ? run_after : r ? r->run_after : SR_NONE;
	case REF_LOGICAL:
		return logical != SR_NONE ? logical : r ? r->logical : SR_NONE;
	}
	return SR_NONE;
}

int64_t
sr_ti_own_reference(const struct sr_model *m, const struct sr_ti *ti)
{
	return reference(m->reference, ti->die, ti->run_after, ti->logical, NULL);
}

int64_t
sr_ti_reference(const struct sr_model *m, const struct sr_ti *ti)
{
	return reference(m->reference, ti->die, ti->run_after, ti->logical, &m->runs[ti->run]);
}

/* --- evaluation ------------------------------------------------------------ */

/* Timestamps span int64 nanoseconds (1677-2262): sums and differences of
 * two of them saturate instead of overflowing. SR_NONE (INT64_MIN) is
 * never an operand here. */
static int64_t
sat_add(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN + 1 - b)
		return INT64_MIN + 1;
	return a + b;
}

static int64_t
sat_sub(int64_t a, int64_t b)
{
	if (b == INT64_MIN)
		return INT64_MAX;
	return sat_add(a, -b);
}

enum { OC_NOSLA, OC_MET, OC_MISSED, OC_PENDING, OC_UNKNOWN };

static int
eval_deadline(int st, int64_t start, int64_t end, int64_t deadline, int64_t now, int64_t *late)
{
	int64_t t;

	*late = 0;
	if (sr_state_done_ok(st)) {
		t = end != SR_NONE ? end : start;
		if (t == SR_NONE || t <= deadline)
			return OC_MET;
		*late = sat_sub(t, deadline);
		return OC_MISSED;
	}
	if (sr_state_done_bad(st)) {
		if (end != SR_NONE && end > deadline)
			*late = sat_sub(end, deadline);
		return OC_MISSED;
	}
	if (now > deadline) {
		*late = sat_sub(now, deadline);
		return OC_MISSED;
	}
	return OC_PENDING;
}

static int64_t
ti_duration(const struct sr_ti *ti)
{
	if (ti->dur != SR_NONE)
		return ti->dur;
	if (ti->start != SR_NONE && ti->end != SR_NONE && ti->end >= ti->start)
		return sat_sub(ti->end, ti->start);
	return SR_NONE;
}

static int
eval_duration(int st, int64_t start, int64_t d, int64_t sla, int64_t now, int64_t *late)
{
	*late = 0;
	if (sr_state_done_ok(st)) {
		if (d == SR_NONE || d <= sla)
			return OC_MET;
		*late = sat_sub(d, sla);
		return OC_MISSED;
	}
	if (sr_state_done_bad(st)) {
		if (d != SR_NONE && d > sla)
			*late = sat_sub(d, sla);
		return OC_MISSED;
	}
	if (start != SR_NONE && sat_sub(now, start) > sla) {
		*late = sat_sub(sat_sub(now, start), sla);
		return OC_MISSED;
	}
	return OC_PENDING;
}

/* One observation: a task instance or a dag run, in a row's group. */
struct obs {
	uint32_t group;
	uint8_t oc;
	uint8_t failed;
	int64_t period;
	int64_t dur;
	int64_t late;
	uint64_t retries;
};

struct obsv {
	struct obs *v;
	size_t n, cap;
};

static void
obs_add(struct obsv *o, const struct obs *x)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 1024;
		o->v = pk_xrealloc(o->v, o->cap * sizeof *o->v);
	}
	o->v[o->n++] = *x;
}

static int64_t
period_of(const struct sr_model *m, int64_t t)
{
	if (t == SR_NONE)
		return SR_NONE;
	if (m->by == BY_WEEK)	/* Mondays: 1970-01-05 was one */
		return pk_time_floor(t, 7 * DAY_NS, 4 * DAY_NS);
	return pk_time_floor(t, DAY_NS, 0);
}

static int
in_range(const struct sr_model *m, int64_t t)
{
	if (m->since == SR_NONE && m->until == SR_NONE)
		return 1;
	if (t == SR_NONE)
		return 0;
	if (m->since != SR_NONE && t < m->since)
		return 0;
	if (m->until != SR_NONE && t >= m->until)
		return 0;
	return 1;
}

static double
secs(int64_t ns)
{
	return (double)ns / 1e9;
}

/* Fill one row from obs[0..n) (all of one group). */
static void
fill_row(struct sr_row *row, const struct obs *o, size_t n, double **tmp, size_t *tmpcap)
{
	size_t i, nd = 0;
	long double sum = 0;
	int64_t maxl = 0;
	uint64_t nl = 0;

	if (n > *tmpcap) {
		*tmpcap = n;
		*tmp = pk_xrealloc(*tmp, n * sizeof **tmp);
	}
	for (i = 0; i < n; i++) {
		row->runs++;
		switch (o[i].oc) {
		case OC_MET:
			row->met++;
			row->has_sla = 1;
			break;
		case OC_MISSED:
			row->missed++;
			row->has_sla = 1;
			sum += (long double)o[i].late;
			if (nl == 0 || o[i].late > maxl)
				maxl = o[i].late;
			nl++;
			break;
		case OC_PENDING:
			row->pending++;
			row->has_sla = 1;
			break;
		case OC_UNKNOWN:
			row->has_sla = 1;
			break;
		}
		if (o[i].failed)
			row->failed++;
		row->retries += o[i].retries;
		if (o[i].dur != SR_NONE)
			(*tmp)[nd++] = secs(o[i].dur);
	}
	if (nd > 0) {
		/* three selections cost less than a sort, and are as exact */
		row->has_dur = 1;
		row->p99 = pk_quantile_cont(*tmp, nd, 0.99);
		row->p95 = pk_quantile_cont(*tmp, nd, 0.95);
		row->p50 = pk_quantile_cont(*tmp, nd, 0.5);
	}
	if (nl > 0) {
		row->has_late = 1;
		row->max_late = secs(maxl);
		row->mean_late = (double)(sum / (long double)nl / 1e9L);
	}
}

static const struct sr_model *sort_model;

static int
cmp_dag(const void *a, const void *b)
{
	size_t an, bn;
	const char *as = sr_dag_name(sort_model, *(const uint32_t *)a, &an);
	const char *bs = sr_dag_name(sort_model, *(const uint32_t *)b, &bn);
	int c = memcmp(as, bs, an < bn ? an : bn);

	return c ? c : (an > bn) - (an < bn);
}

static int
cmp_task(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	size_t an, bn;
	const char *as, *bs;
	int c;

	if (sort_model->tasks[x].dag != sort_model->tasks[y].dag) {
		uint32_t dx = sort_model->tasks[x].dag, dy = sort_model->tasks[y].dag;

		return cmp_dag(&dx, &dy);
	}
	as = sr_task_name(sort_model, x, &an);
	bs = sr_task_name(sort_model, y, &bn);
	c = memcmp(as, bs, an < bn ? an : bn);
	return c ? c : (an > bn) - (an < bn);
}

static int
cmp_period(const void *a, const void *b)
{
	int64_t x = ((const struct obs *)a)->period, y = ((const struct obs *)b)->period;

	return (x > y) - (x < y);
}

/* The deadline rule of a DAG: the last matching --deadline, or NULL. */
static const struct sr_deadline *
dag_deadline(const struct sr_model *m, uint32_t dag)
{
	size_t i, n;
	const char *name;
	char *z;
	const struct sr_deadline *d = NULL;

	if (m->ndeadlines == 0)
		return NULL;
	name = sr_dag_name(m, dag, &n);
	z = pk_xstrndup(name, n);
	for (i = m->ndeadlines; i-- > 0;)
		if (fnmatch(m->deadlines[i].dag_glob, z, 0) == 0) {
			d = &m->deadlines[i];
			break;
		}
	free(z);
	return d;
}

static int64_t
run_reference(const struct sr_model *m, const struct sr_run *r, enum sr_refkind kind)
{
	return reference(kind, SR_NONE, SR_NONE, SR_NONE, r);
}

static int64_t
run_deadline(const struct sr_model *m, const struct sr_run *r, const struct sr_deadline *d)
{
	int64_t base = SR_NONE;

	switch (d->ref) {
	case DL_QUEUED_AT:
		base = r->queued_at;
		break;
	case DL_LOGICAL_DATE:
		base = r->logical;
		break;
	case DL_DIE:
		base = r->die;
		break;
	case DL_RUN_AFTER:
		base = r->run_after;
		break;
	case DL_START_DATE:
		base = r->start;
		break;
	case DL_REFERENCE:
		base = run_reference(m, r, m->reference);
		break;
	case DL_TIME_OF_DAY:
		base = run_reference(m, r, m->reference);
		if (base != SR_NONE) {
			int64_t day = sat_add(pk_time_floor(base, DAY_NS, 0), d->t);

			base = day >= base ? day : sat_add(day, DAY_NS);
		}
		break;
	case DL_FIXED:
		base = d->t;
		break;
	}
	if (base == SR_NONE)
		return SR_NONE;
	return sat_add(base, d->plus);
}

static int
combine(int a, int b)
{
	static const int rank[] = { [OC_NOSLA] = 0, [OC_MET] = 1, [OC_PENDING] = 2,
		[OC_UNKNOWN] = 3, [OC_MISSED] = 4 };

	return rank[b] > rank[a] ? b : a;
}

void
sr_model_report(struct sr_model *m,
    void (*on_unresolved)(void *ctx, const struct sr_ti *ti, const char *raw, size_t n),
    void *ctx)
{
	size_t ndags = m->dag_names.n, i, j, k, ngroups = m->ntasks + ndags + 1;
	uint8_t *run_oc = pk_xcalloc(m->nruns ? m->nruns : 1, 1);
	int64_t *run_late = pk_xcalloc(m->nruns ? m->nruns : 1, sizeof *run_late);
	struct obsv obs = { NULL, 0, 0 };
	struct obs *sorted;
	size_t *start = pk_xcalloc(ngroups + 1, sizeof *start);
	uint32_t *dorder, *torder;
	double *tmp = NULL;
	size_t tmpcap = 0, nr, ns;
	const struct sr_deadline **dls = pk_xcalloc(ndags ? ndags : 1, sizeof *dls);

	/* what the dag runs learn from their task instances */
	for (i = 0; i < m->ntis; i++) {
		struct sr_ti *ti = &m->tis[i];
		struct sr_run *r = &m->runs[ti->run];

		r->nti++;
		if (ti->start != SR_NONE && (r->ti_min_start == SR_NONE || ti->start < r->ti_min_start))
			r->ti_min_start = ti->start;
		if (ti->end != SR_NONE && (r->ti_max_end == SR_NONE || ti->end > r->ti_max_end))
			r->ti_max_end = ti->end;
		if (sr_state_done_bad(ti->state))
			r->ti_failed = 1;
		else if (!sr_state_done_ok(ti->state))
			r->ti_inflight = 1;
		if (ti->try_number > 1)
			r->retries += (uint64_t)(ti->try_number - 1);
	}

	/* task instances */
	for (i = 0; i < m->ntis; i++) {
		struct sr_ti *ti = &m->tis[i];
		int64_t sla = sr_task_sla(m, ti->task), ref, t, late = 0;
		struct obs o;

		memset(&o, 0, sizeof o);
		ref = sr_ti_reference(m, ti);
		if (sla == SR_NONE) {
			o.oc = OC_NOSLA;
		} else if (m->measure == MEASURE_DURATION) {
			o.oc = (uint8_t)eval_duration(ti->state, ti->start, ti_duration(ti), sla, m->now, &late);
		} else if (ref == SR_NONE) {
			if (on_unresolved)
				on_unresolved(ctx, ti, ti->held ? m->held[ti->held - 1] : NULL,
				    ti->held ? m->heldn[ti->held - 1] : 0);
			continue;
		} else {
			o.oc = (uint8_t)eval_deadline(ti->state, ti->start, ti->end, sat_add(ref, sla), m->now, &late);
		}
		t = ref != SR_NONE ? ref : ti->start;
		if (!in_range(m, t))
			continue;
		o.group = ti->task;
		o.late = late;
		o.period = period_of(m, t);
		o.dur = ti_duration(ti);
		o.failed = ti->state == ST_FAILED;
		o.retries = ti->try_number > 1 ? (uint64_t)(ti->try_number - 1) : 0;
		obs_add(&obs, &o);
		run_oc[ti->run] = (uint8_t)combine(run_oc[ti->run], o.oc);
		if (o.oc == OC_MISSED && late > run_late[ti->run])
			run_late[ti->run] = late;
	}

	/* dag runs: a row per DAG and the overall row */
	for (i = 0; i < ndags; i++)
		dls[i] = dag_deadline(m, (uint32_t)i);
	m->unevaluated_runs = 0;
	memset(m->unevaluated_noref, 0, sizeof m->unevaluated_noref);
	for (i = 0; i < m->nruns; i++) {
		struct sr_run *r = &m->runs[i];
		const struct sr_deadline *d = dls[r->dag];
		int st = r->state;
		int64_t end = r->end, t, late = 0;
		struct obs o;

		memset(&o, 0, sizeof o);
		if (!r->has_record) {
			st = r->ti_inflight ? ST_RUNNING : r->ti_failed ? ST_FAILED : ST_SUCCESS;
			end = r->ti_inflight ? SR_NONE : r->ti_max_end;
		}
		if (d != NULL) {
			int64_t dl = run_deadline(m, r, d);

			if (dl == SR_NONE) {
				o.oc = OC_UNKNOWN;
				if (r->has_record)
					m->unevaluated_noref[d->ref]++;
				else
					m->unevaluated_runs++;
			} else {
				o.oc = (uint8_t)eval_deadline(st, r->start != SR_NONE ? r->start :
				    r->ti_min_start, end, dl, m->now, &late);
			}
		} else {
			o.oc = run_oc[i];
			late = run_late[i];
		}
		t = run_reference(m, r, m->reference);
		if (t == SR_NONE)
			t = r->start != SR_NONE ? r->start : r->ti_min_start;
		if (!in_range(m, t))
			continue;
		o.late = o.oc == OC_MISSED ? late : 0;
		o.period = period_of(m, t);
		if (r->has_record)
			o.dur = r->start != SR_NONE && r->end != SR_NONE && r->end >= r->start ?
			    sat_sub(r->end, r->start) : SR_NONE;
		else
			o.dur = !r->ti_inflight && r->ti_min_start != SR_NONE &&
			    r->ti_max_end != SR_NONE && r->ti_max_end >= r->ti_min_start ?
			    sat_sub(r->ti_max_end, r->ti_min_start) : SR_NONE;
		o.failed = st == ST_FAILED;
		o.retries = r->retries;
		o.group = (uint32_t)(m->ntasks + r->dag);
		obs_add(&obs, &o);
		o.group = (uint32_t)(m->ntasks + ndags);
		obs_add(&obs, &o);
	}

	/* group the observations (counting sort) */
	for (i = 0; i < obs.n; i++)
		start[obs.v[i].group + 1]++;
	for (i = 0; i < ngroups; i++)
		start[i + 1] += start[i];
	sorted = pk_xmalloc((obs.n ? obs.n : 1) * sizeof *sorted);
	{
		size_t *fill = pk_xmalloc((ngroups + 1) * sizeof *fill);

		memcpy(fill, start, (ngroups + 1) * sizeof *fill);
		for (i = 0; i < obs.n; i++)
			sorted[fill[obs.v[i].group]++] = obs.v[i];
		free(fill);
	}
	free(obs.v);

	/* the order of the rows: DAGs by id, each followed by its tasks */
	sort_model = m;
	dorder = pk_xmalloc((ndags ? ndags : 1) * sizeof *dorder);
	for (i = 0; i < ndags; i++)
		dorder[i] = (uint32_t)i;
	qsort(dorder, ndags, sizeof *dorder, cmp_dag);
	torder = pk_xmalloc((m->ntasks ? m->ntasks : 1) * sizeof *torder);
	for (i = 0; i < m->ntasks; i++)
		torder[i] = (uint32_t)i;
	qsort(torder, m->ntasks, sizeof *torder, cmp_task);

	free(m->rows);
	free(m->series);
	m->rows = pk_xcalloc(ngroups, sizeof *m->rows);
	m->series = NULL;
	m->nseries = 0;
	nr = 0;
	ns = 0;
	for (i = 0, j = 0; i <= ndags; i++) {
		uint32_t dag = i < ndags ? dorder[i] : 0;
		size_t g0, g1, first = j;

		/* this DAG's row, then its tasks'; the overall row last */
		for (k = 0;; k++) {
			struct sr_row *row;
			size_t g, a, b;

			if (i == ndags) {
				if (k > 0)
					break;
				g = m->ntasks + ndags;
			} else if (k == 0) {
				g = m->ntasks + dag;
			} else {
				if (j >= m->ntasks || m->tasks[torder[j]].dag != dag)
					break;
				g = torder[j++];
			}
			row = &m->rows[nr++];
			row->kind = i == ndags ? ROW_ALL : k == 0 ? ROW_DAG : ROW_TASK;
			row->dag = dag;
			row->task = k == 0 ? 0 : (uint32_t)g;
			a = start[g];
			b = start[g + 1];
			fill_row(row, sorted + a, b - a, &tmp, &tmpcap);
			if (m->by == BY_NONE || b == a)
				continue;
			qsort(sorted + a, b - a, sizeof *sorted, cmp_period);
			for (g0 = a; g0 < b; g0 = g1) {
				struct sr_row *s;

				for (g1 = g0; g1 < b && sorted[g1].period == sorted[g0].period; g1++)
					;
				m->series = pk_xrealloc(m->series, (ns + 1) * sizeof *m->series);
				s = &m->series[ns++];
				memset(s, 0, sizeof *s);
				s->kind = row->kind;
				s->dag = row->dag;
				s->task = row->task;
				s->has_period = sorted[g0].period != SR_NONE;
				s->period = sorted[g0].period;
				fill_row(s, sorted + g0, g1 - g0, &tmp, &tmpcap);
			}
		}
		(void)first;
	}
	m->nrows = nr;
	m->nseries = ns;
	free(tmp);
	free(sorted);
	free(start);
	free(dorder);
	free(torder);
	free(run_oc);
	free(run_late);
	free(dls);
}

/* --- --deadline ------------------------------------------------------------ */

static const struct {
	const char *name;
	enum sr_dlref ref;
} dlrefs[] = {
	{ "queued_at", DL_QUEUED_AT }, { "logical_date", DL_LOGICAL_DATE },
	{ "execution_date", DL_LOGICAL_DATE },
	{ "data_interval_end", DL_DIE }, { "run_after", DL_RUN_AFTER },
	{ "start_date", DL_START_DATE }, { "reference", DL_REFERENCE },
};

static int
parse_plus(const char *s, int64_t *plus, char *msg, size_t msgn)
{
	struct pk_err err = PK_ERR_INIT;

	*plus = 0;
	if (*s == '\0')
		return 0;
	if (*s != '+') {
		snprintf(msg, msgn, "expected '+DURATION' after the reference, got '%s'", s);
		return -1;
	}
	if (pk_duration_parse(s + 1, strlen(s + 1), plus, &err) != 0) {
		snprintf(msg, msgn, "%s", err.msg);
		return -1;
	}
	return 0;
}

static int
digits(const char *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
sr_deadline_parse(const char *arg, struct sr_deadline *d, char *msg, size_t msgn)
{
	const char *eq = strchr(arg, '='), *v, *plus;
	struct pk_err err = PK_ERR_INIT;
	size_t i;

	memset(d, 0, sizeof *d);
	if (eq == NULL || eq == arg || eq[1] == '\0') {
		snprintf(msg, msgn, "invalid --deadline '%s' (want DAG=REFERENCE[+DURATION], "
		    "e.g. 'ads_daily=queued_at+1h' or 'ads_*=08:00')", arg);
		return -1;
	}
	v = eq + 1;
	for (i = 0; i < sizeof dlrefs / sizeof dlrefs[0]; i++) {
		size_t n = strlen(dlrefs[i].name);

		if (strncmp(v, dlrefs[i].name, n) == 0 && (v[n] == '\0' || v[n] == '+')) {
			d->ref = dlrefs[i].ref;
			if (parse_plus(v + n, &d->plus, msg, msgn) != 0)
				return -1;
			goto ok;
		}
	}
	/* HH:MM or HH:MM:SS, a time of day (UTC) */
	if (digits(v, 2) && v[2] == ':' && digits(v + 3, 2) &&
	    (v[5] == '\0' || v[5] == '+' || (v[5] == ':' && digits(v + 6, 2)))) {
		int h = (v[0] - '0') * 10 + v[1] - '0', mi = (v[3] - '0') * 10 + v[4] - '0';
		int s = v[5] == ':' ? (v[6] - '0') * 10 + v[7] - '0' : 0;

		if (h > 23 || mi > 59 || s > 59) {
			snprintf(msg, msgn, "invalid time of day in --deadline '%s'", arg);
			return -1;
		}
		d->ref = DL_TIME_OF_DAY;
		d->t = ((int64_t)h * 3600 + mi * 60 + s) * PK_NS_PER_SEC;
		if (parse_plus(v + (v[5] == ':' ? 8 : 5), &d->plus, msg, msgn) != 0)
			return -1;
		goto ok;
	}
	/* a fixed instant, optionally +DURATION (split at the last '+') */
	if (pk_time_parse(v, strlen(v), PK_TIME_AUTO, &d->t, NULL) == 0 && digits(v, 4) && v[4] == '-') {
		d->ref = DL_FIXED;
		goto ok;
	}
	plus = strrchr(v, '+');
	if (plus != NULL && digits(v, 4) && v[4] == '-' &&
	    pk_time_parse(v, (size_t)(plus - v), PK_TIME_AUTO, &d->t, NULL) == 0) {
		d->ref = DL_FIXED;
		if (parse_plus(plus, &d->plus, msg, msgn) != 0)
			return -1;
		goto ok;
	}
	/* a bare duration: --reference + DURATION */
	if (pk_duration_parse(v, strlen(v), &d->plus, &err) == 0) {
		d->ref = DL_REFERENCE;
		goto ok;
	}
	snprintf(msg, msgn, "invalid --deadline '%s': '%s' is no reference (queued_at, "
	    "logical_date, data_interval_end, run_after, start_date, HH:MM, a timestamp) "
	    "and no duration", arg, v);
	return -1;
ok:
	d->dag_glob = pk_xstrndup(arg, (size_t)(eq - arg));
	return 0;
}
