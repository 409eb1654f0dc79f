/*
 * slareport - SLA compliance of Airflow task instances and dag runs, from
 * the run history Airflow already keeps (REST API responses, DB exports).
 */
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/slareport/model.h"
#include "cmd/slareport/report.h"
#include "lib/buf.h"
#include "lib/cli.h"
#include "lib/input.h"
#include "lib/json.h"
#include "lib/time.h"
#include "lib/writer.h"

enum {
	OPT_SLA = PK_OPT_TOOL,
	OPT_SLA_FILE,
	OPT_RUNS,
	OPT_REFERENCE,
	OPT_MEASURE,
	OPT_DEADLINE,
	OPT_NOW,
	OPT_BY,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_TARGET,
	OPT_TITLE
};

/* Files at least this large are parsed on several threads (-j). */
#define SR_PAR_MIN ((off_t)8 << 20)

static const struct pk_opt options[] = {
	{ OPT_SLA, "sla", PK_ARG_REQUIRED, "DAG/TASK=DUR", "task SLA; globs in either part, the last match wins (repeatable)" },
	{ OPT_SLA_FILE, "sla-file", PK_ARG_REQUIRED, "FILE", "SLAs as NDJSON or CSV (dag_id, task_id, sla), or a dagcheck --graph stream" },
	{ OPT_RUNS, "runs", PK_ARG_REQUIRED, "FILE", "dag-run records (REST dag_runs or a dag_run export; repeatable)" },
	{ OPT_REFERENCE, "reference", PK_ARG_REQUIRED, "REF", "deadline reference: data_interval_end (default, else run_after), run_after, logical_date" },
	{ OPT_MEASURE, "measure", PK_ARG_REQUIRED, "M", "deadline (default: done by reference + SLA) or duration (end - start within SLA)" },
	{ OPT_DEADLINE, "deadline", PK_ARG_REQUIRED, "DAG=REF[+DUR]", "dag-run deadline, e.g. 'ads_*=queued_at+1h', 'ads_daily=08:00' (repeatable)" },
	{ OPT_NOW, "now", PK_ARG_REQUIRED, "TIME", "the clock for in-flight runs (default: now)" },
	{ OPT_BY, "by", PK_ARG_REQUIRED, "PERIOD", "add a time series: day or week" },
	{ OPT_SINCE, "since", PK_ARG_REQUIRED, "TIME", "only runs whose reference time is at or after TIME" },
	{ OPT_UNTIL, "until", PK_ARG_REQUIRED, "TIME", "only runs whose reference time is before TIME" },
	{ OPT_TARGET, "target", PK_ARG_REQUIRED, "PCT", "exit 1 when a row's compliance is below PCT (95% or 0.95)" },
	{ 'O', "output", PK_ARG_REQUIRED, "FILE", "write the report to FILE atomically (temp + rename)" },
	{ 'j', "jobs", PK_ARG_REQUIRED, "N", "threads for one large plain file (default: cores)" },
	{ OPT_TITLE, "title", PK_ARG_REQUIRED, "TEXT", "title of the html and markdown reports" },
	PK_OPT_TIME_UNIT_ENTRY,
	PK_OPTS_RECORDS,
	PK_OPTS_BASIC,
	PK_OPTS_END
};

/* The fields slareport reads, found in one pass over a record's members. */
enum {
	F_DAG_ID, F_TASK_ID, F_DAG_RUN_ID, F_RUN_ID, F_MAP_INDEX, F_TRY_NUMBER, F_STATE,
	F_START, F_END, F_DURATION, F_DIE, F_RUN_AFTER, F_LOGICAL, F_EXECUTION, F_QUEUED_AT,
	F_SLA, NFIELDS
};

static const char *const field_names[NFIELDS] = {
	"dag_id", "task_id", "dag_run_id", "run_id", "map_index", "try_number", "state",
	"start_date", "end_date", "duration", "data_interval_end", "run_after",
	"logical_date", "execution_date", "queued_at", "sla"
};

#define SR_PENDING 16

/* What a parse thread saw, in order, for the main thread to replay. */
enum { EV_TI, EV_RUN, EV_REJ };

struct sr_ev {
	struct sr_ti ti;	/* EV_TI: ids local to the chunk, line within it */
	uint32_t kind, aux;	/* EV_RUN: index in runrecs; EV_REJ: in rejs */
	char *text;		/* EV_TI: raw text held just in case (rare) */
	size_t textn;
};

struct sr_runrec {
	uint32_t run;		/* local id */
	int state;
	int64_t t[7];
};

struct sr_rej {
	long line;		/* within the chunk */
	uint64_t reads;		/* records read in the chunk up to this one */
	char *raw, *why;
	size_t rawn;
};

struct sr_chunk {
	const char *p, *end;
	const char *name;
	size_t max_line;
	struct sr *s;		/* the chunk's own parser state and local model */
	struct sr_ev *ev;
	size_t nev, evcap;
	struct sr_runrec *runrecs;
	size_t nrunrecs, runrecs_cap;
	struct sr_rej *rejs;
	size_t nrejs, rejs_cap;
	uint64_t reads;
	long lines;
	char toolong[96];	/* the reject reason of a line over max_line */
	int done;		/* parsed: the main thread may replay it */
};

/* The chunks and the threads parsing them, next chunk first. */
struct sr_par {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct sr_chunk *ck;
	size_t n, next;
};

struct sr {
	struct pk_cli *cli;
	struct pk_input *in;
	struct sr_model m;
	enum pk_time_unit unit;
	size_t nrun_operands;
	struct pk_jdoc item;		/* items of a one-line whole response */
	struct pk_buf s1, s2, why;
	struct pk_err err;
	/* consecutive records mostly share their DAG, run and task */
	struct pk_buf last_dag, last_run, last_task;
	uint32_t last_dag_id, last_run_id, last_task_id;
	int have_dag, have_run, have_task;
	int unresolved_fatal;
	/* Task instances wait here in arrival order before entering the
	 * instance table, so that the table's cache misses overlap. */
	struct sr_pending {
		struct sr_ti ti;
		char *hold;		/* raw text to keep (rare), or NULL */
		size_t holdn;
	} pend[SR_PENDING];
	size_t npend;
	struct sr_chunk *ck;	/* set in parse threads: record, do not apply */
};

/* Dispatch on the length first: this runs for every member of every record. */
static int
field_index(const char *k, size_t kn)
{
#define IS(i) (memcmp(k, field_names[i], kn) == 0 ? (i) : -1)
	switch (kn) {
	case 3: return IS(F_SLA);
	case 5: return IS(F_STATE);
	case 6: return k[0] == 'd' ? IS(F_DAG_ID) : IS(F_RUN_ID);
	case 7: return IS(F_TASK_ID);
	case 8: return k[0] == 'e' ? IS(F_END) : IS(F_DURATION);
	case 9: return k[0] == 'm' ? IS(F_MAP_INDEX) : k[0] == 'r' ? IS(F_RUN_AFTER) : IS(F_QUEUED_AT);
	case 10: return k[0] == 'd' ? IS(F_DAG_RUN_ID) : k[0] == 't' ? IS(F_TRY_NUMBER) : IS(F_START);
	case 12: return IS(F_LOGICAL);
	case 14: return IS(F_EXECUTION);
	case 17: return IS(F_DIE);
	}
	return -1;
#undef IS
}

/* Fill f[] with the members named in field_names (the last occurrence wins). */
static void
collect(const struct pk_jdoc *doc, struct pk_jval *f)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		f[i].type = PK_J_NONE;
	for (i = 0; i < doc->nf; i++) {
		const struct pk_jfield *x = &doc->f[i];
		int k;

		if (x->kescaped || x->kn < 5 || x->kn > 17)
			continue;
		if ((k = field_index(x->k, x->kn)) >= 0)
			f[k] = x->v;
	}
}

/* A value that counts as given: present, not null, not an empty CSV cell. */
static int
given(const struct pk_jval *v)
{
	if (v->type == PK_J_NONE || v->type == PK_J_NULL)
		return 0;
	if (v->type == PK_J_STR && v->n == 2)
		return 0;
	return 1;
}

/* The text of a string (or a number's JSON text) into b; its bytes in *p, *n. */
static int
text(const struct pk_jval *v, struct pk_buf *b, const char **p, size_t *n)
{
	if (!given(v) || v->type == PK_J_ARR || v->type == PK_J_OBJ || v->type == PK_J_BOOL)
		return 0;
	if (v->type == PK_J_STR && !v->escaped) {
		*p = v->p + 1;
		*n = v->n - 2;
		return 1;
	}
	pk_buf_reset(b);
	pk_jval_text(v, b);
	*p = b->p;
	*n = b->len;
	return 1;
}

/*
 * An id or a state: 1 with its text as text() gives it, 0 when absent, -1
 * with s->why when it is a boolean, array or object (which has no text to
 * name a task or a run by).
 */
static int
id_text(struct sr *s, const struct pk_jval *v, const char *name, struct pk_buf *b,
    const char **p, size_t *n)
{
	if (v->type == PK_J_ARR || v->type == PK_J_OBJ || v->type == PK_J_BOOL) {
		pk_buf_reset(&s->why);
		pk_buf_printf(&s->why, "%s is not a string: %.*s", name,
		    (int)(v->n > 60 ? 60 : v->n), v->p);
		return -1;
	}
	return text(v, b, p, n);
}

/* The run id: dag_run_id (REST API), else run_id (metadata DB). */
static int
run_id_text(struct sr *s, const struct pk_jval *f, const char **p, size_t *n)
{
	if (given(&f[F_DAG_RUN_ID]))
		return id_text(s, &f[F_DAG_RUN_ID], "dag_run_id", &s->s2, p, n);
	return id_text(s, &f[F_RUN_ID], "run_id", &s->s2, p, n);
}

static int
two(const char *p)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/*
 * The common shape of Airflow's timestamps, "YYYY-MM-DDTHH:MM:SS[.f{1,9}]"
 * then "Z" or "+00:00" (RFC 3339 in UTC), quoted: 1 with *ns. Anything
 * else (other offsets, leap seconds, years outside 1970-2199) returns 0 and
 * goes through pk_time_from_jval, which has the last word on what is valid.
 */
static int
fast_stamp(const char *p, size_t n, int64_t *ns)
{
	static const unsigned char mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, hi, lo;
	int64_t frac = 0, days;
	size_t i, nd = 0;

	if (n < 22 || p[0] != '"' || p[n - 1] != '"')
		return 0;
	p++;
	n -= 2;
	if (p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' || p[16] != ':')
		return 0;
	if ((hi = two(p)) < 0 || (lo = two(p + 2)) < 0)
		return 0;
	y = hi * 100 + lo;
	mo = two(p + 5);
	d = two(p + 8);
	h = two(p + 11);
	mi = two(p + 14);
	sec = two(p + 17);
	if (y < 1970 || y > 2199 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
		return 0;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	i = 19;
	if (i < n && p[i] == '.') {
		for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++, nd++)
			if (nd < 9)
				frac = frac * 10 + (p[i] - '0');
		if (nd == 0 || nd > 9)
			return 0;
		for (; nd < 9; nd++)
			frac *= 10;
	}
	if (!((n - i == 1 && p[i] == 'Z') || (n - i == 6 && memcmp(p + i, "+00:00", 6) == 0)))
		return 0;
	/* days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
	 * days_from_civil, http://howardhinnant.github.io/date_algorithms.html) */
	{
		int yy = y - (mo <= 2);
		int era = yy / 400;
		int yoe = yy - era * 400;
		int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
		int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

		days = (int64_t)era * 146097 + doe - 719468;
	}
	*ns = ((days * 86400 + h * 3600 + mi * 60 + sec) * PK_NS_PER_SEC) + frac;
	return 1;
}

/* A timestamp field: 0 with *ns (SR_NONE when absent), -1 with why. */
static int
stamp(struct sr *s, const struct pk_jval *v, const char *name, int64_t *ns)
{
	struct pk_err e;	/* 1 KiB: set only when needed, not per field */

	*ns = SR_NONE;
	if (!given(v))
		return 0;
	if (v->type == PK_J_STR && !v->escaped && fast_stamp(v->p, v->n, ns))
		return 0;
	e.kind = PK_ERR_NONE;
	e.msg[0] = '\0';
	if (pk_time_from_jval(v, s->unit, ns, &e) != 0) {
		pk_buf_reset(&s->why);
		pk_buf_printf(&s->why, "%s: %s", name, e.msg);
		return -1;
	}
	return 0;
}

static int
integer(struct sr *s, const struct pk_jval *v, const char *name, int64_t dflt, int64_t *out)
{
	double d;

	*out = dflt;
	if (!given(v))
		return 0;
	if (pk_jval_i64(v, out))
		return 0;
	if (pk_jval_num(v, &d) && d == floor(d)) {
		if (fabs(d) < 2e9) {
			*out = (int64_t)d;
			return 0;
		}
		pk_buf_reset(&s->why);
		pk_buf_printf(&s->why, "%s out of range: %.*s", name, (int)(v->n > 60 ? 60 : v->n),
		    v->p);
		return -1;
	}
	pk_buf_reset(&s->why);
	pk_buf_printf(&s->why, "%s is not an integer: %.*s", name, (int)(v->n > 60 ? 60 : v->n), v->p);
	return -1;
}

/*
 * A fatal error while reading. Past --max-errors (exit 3) the summary line
 * still says what was read, used and rejected, as in logsplit and skewstat.
 */
static void
die(struct sr *s, const struct pk_err *e)
{
	if (e->kind == PK_ERR_DATA && !s->cli->quiet && s->in->rej.read > 0) {
		struct pk_buf b = PK_BUF_INIT;

		pk_reject_summary(&s->in->rej, &b);
		fprintf(stderr, "%s\n", b.p);
		pk_buf_release(&b);
	}
	pk_die(s->cli, e);
}

static struct sr_ev *
chunk_event(struct sr_chunk *ck, uint32_t kind, uint32_t aux)
{
	struct sr_ev *e;

	if (ck->nev == ck->evcap) {
		ck->evcap = ck->evcap ? ck->evcap * 2 : 4096;
		ck->ev = pk_xrealloc(ck->ev, ck->evcap * sizeof *ck->ev);
	}
	e = &ck->ev[ck->nev++];
	e->kind = kind;
	e->aux = aux;
	e->text = NULL;
	e->textn = 0;
	return e;
}

static int
reject(struct sr *s, const struct pk_rec *rec, const struct pk_jval *item, const char *why)
{
	int rc;

	if (s->ck != NULL) {
		struct sr_chunk *ck = s->ck;
		struct sr_rej *r;
		const char *raw = item ? item->p : rec->raw;
		size_t rawn = item ? item->n : rec->rawn;

		if (ck->nrejs == ck->rejs_cap) {
			ck->rejs_cap = ck->rejs_cap ? ck->rejs_cap * 2 : 64;
			ck->rejs = pk_xrealloc(ck->rejs, ck->rejs_cap * sizeof *ck->rejs);
		}
		r = &ck->rejs[ck->nrejs];
		r->line = rec->line;
		r->reads = ck->reads;
		r->raw = pk_xmalloc(rawn + 1);
		memcpy(r->raw, raw, rawn);
		r->rawn = rawn;
		r->why = pk_xstrdup(why);
		chunk_event(ck, EV_REJ, (uint32_t)ck->nrejs++);
		return 0;
	}
	if (item != NULL)
		rc = pk_reject_add(&s->in->rej, rec->source, rec->line, item->p, item->n, why, &s->err);
	else
		rc = pk_input_reject(s->in, rec, why, &s->err);
	if (rc != 0)
		die(s, &s->err);
	return 0;
}

/* The run id of dag/run, remembering the last one asked for. */
static uint32_t
cached_run(struct sr *s, const char *dp, size_t dn, const char *rp, size_t rn)
{
	uint32_t dag;

	if (s->have_dag && s->last_dag.len == dn && memcmp(s->last_dag.p, dp, dn) == 0) {
		dag = s->last_dag_id;
	} else {
		dag = sr_dag(&s->m, dp, dn);
		pk_buf_reset(&s->last_dag);
		pk_buf_add(&s->last_dag, dp, dn);
		s->last_dag_id = dag;
		s->have_dag = 1;
		s->have_run = 0;
	}
	if (s->have_run && s->last_run.len == rn && memcmp(s->last_run.p, rp, rn) == 0)
		return s->last_run_id;
	s->last_run_id = sr_run(&s->m, dag, rp, rn);
	pk_buf_reset(&s->last_run);
	pk_buf_add(&s->last_run, rp, rn);
	s->have_run = 1;
	return s->last_run_id;
}

static void apply_run(struct sr *s, uint32_t id, int st, const int64_t *t);

/* A dag-run record. 0, or -1 with s->why. */
static int
add_run(struct sr *s, const struct pk_jval *f)
{
	const char *dp, *rp;
	size_t dn, rn;
	int64_t t[7];
	int st = ST_NONE, rc;
	uint32_t id;

	if ((rc = id_text(s, &f[F_DAG_ID], "dag_id", &s->s1, &dp, &dn)) <= 0) {
		if (rc == 0) {
			pk_buf_reset(&s->why);
			pk_buf_adds(&s->why, "dag run without dag_id");
		}
		return -1;
	}
	if ((rc = run_id_text(s, f, &rp, &rn)) <= 0) {
		if (rc == 0) {
			pk_buf_reset(&s->why);
			pk_buf_adds(&s->why, "dag run without dag_run_id (or run_id)");
		}
		return -1;
	}
	if (stamp(s, &f[F_QUEUED_AT], "queued_at", &t[0]) || stamp(s, &f[F_START], "start_date", &t[1]) ||
	    stamp(s, &f[F_END], "end_date", &t[2]) || stamp(s, &f[F_DIE], "data_interval_end", &t[3]) ||
	    stamp(s, &f[F_RUN_AFTER], "run_after", &t[4]) ||
	    stamp(s, &f[F_LOGICAL], "logical_date", &t[5]) ||
	    stamp(s, &f[F_EXECUTION], "execution_date", &t[6]))
		return -1;
	if (given(&f[F_STATE])) {
		const char *p;
		size_t n;

		if (id_text(s, &f[F_STATE], "state", &s->why, &p, &n) < 0)
			return -1;
		if ((st = sr_state_parse(p, n)) < 0) {
			char tmp[64];

			snprintf(tmp, sizeof tmp, "%.*s", (int)(n > 40 ? 40 : n), p);
			pk_buf_reset(&s->why);
			pk_buf_printf(&s->why, "unknown dag run state '%s'", tmp);
			return -1;
		}
	}
	id = cached_run(s, dp, dn, rp, rn);
	if (s->ck != NULL) {
		struct sr_chunk *ck = s->ck;
		struct sr_runrec *rr;

		if (ck->nrunrecs == ck->runrecs_cap) {
			ck->runrecs_cap = ck->runrecs_cap ? ck->runrecs_cap * 2 : 64;
			ck->runrecs = pk_xrealloc(ck->runrecs, ck->runrecs_cap * sizeof *ck->runrecs);
		}
		rr = &ck->runrecs[ck->nrunrecs];
		rr->run = id;
		rr->state = st;
		memcpy(rr->t, t, sizeof rr->t);
		chunk_event(ck, EV_RUN, (uint32_t)ck->nrunrecs++);
		return 0;
	}
	apply_run(s, id, st, t);
	return 0;
}

/* A dag-run record's fields onto its run (the last record wins). */
static void
apply_run(struct sr *s, uint32_t id, int st, const int64_t *t)
{
	struct sr_run *r = &s->m.runs[id];

	if (!r->has_record)
		s->m.nrun_records++;
	r->has_record = 1;
	r->state = st;
	r->queued_at = t[0];
	r->start = t[1];
	r->end = t[2];
	r->die = t[3];
	r->run_after = t[4];
	r->logical = t[5] != SR_NONE ? t[5] : t[6];
}

static void flush_pending(struct sr *s);
static void apply_ti(struct sr *s, const struct sr_ti *ti, const char *raw, size_t rawn);

/* A task-instance record. 0, or -1 with s->why. */
static int
add_ti(struct sr *s, const struct pk_rec *rec, const struct pk_jval *f)
{
	const char *dp, *tp, *rp;
	size_t dn, tn, rn;
	struct sr_ti ti;
	int64_t v, logical, execution;
	int st, rc;

	memset(&ti, 0, sizeof ti);
	if ((rc = id_text(s, &f[F_DAG_ID], "dag_id", &s->s1, &dp, &dn)) <= 0) {
		if (rc == 0) {
			pk_buf_reset(&s->why);
			pk_buf_adds(&s->why, "task instance without dag_id");
		}
		return -1;
	}
	if ((rc = run_id_text(s, f, &rp, &rn)) <= 0) {
		if (rc == 0) {
			pk_buf_reset(&s->why);
			pk_buf_adds(&s->why, "task instance without dag_run_id (or run_id)");
		}
		return -1;
	}
	/* add_record saw a task_id member: it must name a task */
	if ((rc = id_text(s, &f[F_TASK_ID], "task_id", &s->why, &tp, &tn)) <= 0) {
		if (rc == 0) {
			pk_buf_reset(&s->why);
			pk_buf_adds(&s->why, "task instance with an empty task_id");
		}
		return -1;
	}
	if (integer(s, &f[F_MAP_INDEX], "map_index", -1, &v) != 0)
		return -1;
	if (v < -1 || v > INT32_MAX) {
		pk_buf_reset(&s->why);
		pk_buf_printf(&s->why, "map_index out of range: %lld", (long long)v);
		return -1;
	}
	ti.map_index = (int32_t)v;
	if (integer(s, &f[F_TRY_NUMBER], "try_number", 0, &v) != 0)
		return -1;
	if (v < 0 || v > INT32_MAX) {
		pk_buf_reset(&s->why);
		pk_buf_printf(&s->why, "try_number out of range: %lld", (long long)v);
		return -1;
	}
	ti.try_number = (int32_t)v;
	st = ST_NONE;
	if (given(&f[F_STATE])) {
		const char *p;
		size_t n;

		if (id_text(s, &f[F_STATE], "state", &s->why, &p, &n) < 0)
			return -1;
		if ((st = sr_state_parse(p, n)) < 0) {
			char tmp[64];

			snprintf(tmp, sizeof tmp, "%.*s", (int)(n > 40 ? 40 : n), p);
			pk_buf_reset(&s->why);
			pk_buf_printf(&s->why, "unknown task state '%s'", tmp);
			return -1;
		}
	}
	ti.state = (uint8_t)st;
	if (stamp(s, &f[F_START], "start_date", &ti.start) || stamp(s, &f[F_END], "end_date", &ti.end) ||
	    stamp(s, &f[F_DIE], "data_interval_end", &ti.die) ||
	    stamp(s, &f[F_RUN_AFTER], "run_after", &ti.run_after) ||
	    stamp(s, &f[F_LOGICAL], "logical_date", &logical) ||
	    stamp(s, &f[F_EXECUTION], "execution_date", &execution))
		return -1;
	ti.logical = logical != SR_NONE ? logical : execution;
	ti.dur = SR_NONE;
	if (given(&f[F_DURATION])) {
		struct pk_err e;

		e.kind = PK_ERR_NONE;
		e.msg[0] = '\0';
		if (pk_duration_from_jval(&f[F_DURATION], &ti.dur, &e) != 0) {
			pk_buf_reset(&s->why);
			pk_buf_printf(&s->why, "duration: %s", e.msg);
			return -1;
		}
	}
	/* every field is valid: only now do the ids enter the model */
	ti.run = cached_run(s, dp, dn, rp, rn);
	text(&f[F_TASK_ID], &s->s2, &tp, &tn);
	if (s->have_task && s->m.tasks[s->last_task_id].dag == s->m.runs[ti.run].dag &&
	    s->last_task.len == tn && memcmp(s->last_task.p, tp, tn) == 0) {
		ti.task = s->last_task_id;
	} else {
		ti.task = sr_task(&s->m, s->m.runs[ti.run].dag, tp, tn);
		pk_buf_reset(&s->last_task);
		pk_buf_add(&s->last_task, tp, tn);
		s->last_task_id = ti.task;
		s->have_task = 1;
	}
	ti.source = (uint32_t)rec->input;
	ti.line = rec->line;
	if (s->ck != NULL) {
		struct sr_ev *e = chunk_event(s->ck, EV_TI, 0);

		e->ti = ti;
		/* a superset of what apply_ti may hold: its run is not known here */
		if (s->m.measure == MEASURE_DEADLINE && sr_task_sla(&s->m, ti.task) != SR_NONE &&
		    sr_ti_own_reference(&s->m, &ti) == SR_NONE) {
			e->text = pk_xstrndup(rec->raw, rec->rawn);
			e->textn = rec->rawn;
		}
		return 0;
	}
	apply_ti(s, &ti, rec->raw, rec->rawn);
	return 0;
}

/* A valid task instance into the model (raw: its text, for a reject later). */
static void
apply_ti(struct sr *s, const struct sr_ti *tip, const char *raw, size_t rawn)
{
	struct sr_ti ti = *tip;
	struct sr_pending *pend;
	struct sr_run *r;

	/* a run without a record of its own learns its times from its tasks */
	r = &s->m.runs[ti.run];
	if (!r->has_record) {
		if (r->die == SR_NONE)
			r->die = ti.die;
		if (r->run_after == SR_NONE)
			r->run_after = ti.run_after;
		if (r->logical == SR_NONE)
			r->logical = ti.logical;
	}
	/* Keep the text of an instance whose deadline cannot be placed yet:
	 * if its dag run never shows up it is rejected, whole, at the end
	 * (when it stands as its instance's try: decided in flush_pending). */
	if (s->npend == SR_PENDING)
		flush_pending(s);
	pend = &s->pend[s->npend++];
	pend->ti = ti;
	pend->hold = NULL;
	pend->holdn = 0;
	if (raw != NULL && s->m.measure == MEASURE_DEADLINE &&
	    sr_task_sla(&s->m, ti.task) != SR_NONE && sr_ti_reference(&s->m, &ti) == SR_NONE) {
		pend->hold = pk_xstrndup(raw, rawn);
		pend->holdn = rawn;
	}
	sr_prefetch_ti(&s->m, &ti);
}

/* Move the waiting task instances into the table, in arrival order. */
static void
flush_pending(struct sr *s)
{
	size_t i;

	for (i = 0; i < s->npend; i++) {
		struct sr_pending *p = &s->pend[i];
		struct sr_ti *slot = sr_add_ti(&s->m, &p->ti);

		if (p->hold != NULL) {
			if (slot != NULL)
				sr_hold(&s->m, slot, p->hold, p->holdn);
			free(p->hold);
		}
	}
	s->npend = 0;
}

/* One record of the stream, or one item of a one-line whole response. */
static void
add_record(struct sr *s, const struct pk_rec *rec, const struct pk_jdoc *doc,
    const struct pk_jval *item)
{
	struct pk_jval f[NFIELDS];
	int is_run_file = rec->input < s->nrun_operands, rc;

	collect(doc, f);
	/* A task_id member, even empty or null, makes a task instance (a
	 * broken one): taken for a dag run, it would replace its run's record. */
	if (given(&f[F_TASK_ID]) || (f[F_TASK_ID].type != PK_J_NONE && !is_run_file)) {
		if (is_run_file)
			return (void)reject(s, rec, item, "a task instance in a --runs file");
		rc = add_ti(s, rec, f);
	} else if (given(&f[F_DAG_RUN_ID]) || given(&f[F_RUN_ID]) || is_run_file) {
		rc = add_run(s, f);
	} else {
		pk_buf_reset(&s->why);
		pk_buf_adds(&s->why, "neither a task instance (task_id) nor a dag run (dag_run_id)");
		rc = -1;
	}
	if (rc != 0)
		reject(s, rec, item, s->why.p);
}

/* A whole API response on one line: {"task_instances":[...],"total_entries":N}. */
static int
whole_response(struct sr *s, const struct pk_rec *rec)
{
	size_t i, pos = 0, nitems = 0;
	uint64_t *readp;
	struct pk_jval arr, item;
	struct pk_err e = PK_ERR_INIT;

	if (rec->doc.nf == 0)
		return 0;
	for (i = 0; i < rec->doc.nf; i++) {
		const struct pk_jfield *x = &rec->doc.f[i];

		if (!x->kescaped && x->kn >= 5 && x->kn <= 17) {
			int k = field_index(x->k, x->kn);

			if (k == F_DAG_ID || k == F_TASK_ID || k == F_DAG_RUN_ID || k == F_RUN_ID)
				return 0;
		}
	}
	arr.type = PK_J_NONE;
	for (i = 0; i < rec->doc.nf; i++)
		if (rec->doc.f[i].v.type == PK_J_ARR) {
			arr = rec->doc.f[i].v;
			break;
		}
	if (arr.type == PK_J_NONE)
		return 0;
	/* The response was counted as one record read; its items are the
	 * records, so the count moves from the wrapper to them. */
	readp = s->ck ? &s->ck->reads : &s->in->rej.read;
	(*readp)--;
	while (pk_jarr_next(&arr, &pos, &item) > 0) {
		nitems++;
		(*readp)++;
		if (item.type != PK_J_OBJ) {
			reject(s, rec, &item, "not a JSON object");
			continue;
		}
		if (pk_json_index(&s->item, item.p, item.n, &e) != 0) {
			reject(s, rec, &item, e.msg);
			continue;
		}
		add_record(s, rec, &s->item, &item);
	}
	return 1;
}

static void
on_unresolved(void *ctx, const struct sr_ti *ti, const char *raw, size_t n)
{
	struct sr *s = ctx;
	const char *src = ti->source < s->in->npaths ? s->in->paths[ti->source] : "-";
	char why[512];
	size_t rn;
	const char *run = sr_intern_str(&s->m.run_names, ti->run, &rn);

	if (s->m.nrun_records == 0) {
		struct pk_err e = PK_ERR_INIT;

		if (s->m.reference == REF_LOGICAL)
			pk_err_set(&e, PK_ERR_USAGE, "task instances have no logical_date or "
			    "execution_date to measure from");
		else
			pk_err_set(&e, PK_ERR_USAGE, "task instances carry no data_interval_end or "
			    "run_after (Airflow 2 REST API v1): pass their dag runs (--runs FILE, "
			    "or dag_runs records in the same stream), or measure from the "
			    "logical date on purpose with --reference logical_date");
		pk_die(s->cli, &e);
	}
	if (strcmp(src, "-") == 0)
		src = "<stdin>";
	rn -= sizeof(uint32_t);
	run += sizeof(uint32_t);
	snprintf(why, sizeof why, "no %s for this task instance: %s '%.*s' %s",
	    s->m.reference == REF_LOGICAL ? "logical_date" :
	    s->m.reference == REF_RUN_AFTER ? "run_after" : "data_interval_end or run_after",
	    s->m.runs[ti->run].has_record ? "its dag run" : "dag run", (int)(rn > 200 ? 200 : rn), run,
	    s->m.runs[ti->run].has_record ? "has none either" : "is not among the dag-run records");
	if (pk_reject_add(&s->in->rej, src, ti->line, raw ? raw : "", raw ? n : 0, why, &s->err) != 0)
		die(s, &s->err);
}

/* --- -j: one large plain file parsed on several threads ------------------ */

static int
blank_line(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

/* A thread: the lines of one chunk, as pk_input_next would give them. */
static void *
chunk_main(void *arg)
{
	struct sr_chunk *ck = arg;
	struct sr *s = ck->s;
	struct pk_rec rec;
	struct pk_err perr;
	const char *p = ck->p;
	long line = 0;
	/* the first chunk is the model's own: counted and applied directly */
	uint64_t *reads = s->ck ? &ck->reads : &s->in->rej.read;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), dropped = (uintptr_t)ck->p & ~(page - 1);

	memset(&rec, 0, sizeof rec);
	{
		struct pk_jdoc init = PK_JDOC_INIT;

		rec.doc = init;
	}
	rec.source = ck->name;
	rec.input = 0;
	while (p < ck->end) {
		const char *nl = memchr(p, '\n', (size_t)(ck->end - p));
		size_t len = (size_t)((nl ? nl : ck->end) - p);

		line++;
		if (len > ck->max_line) {
			/* as pk_input: its first max_line bytes, rejected */
			if (!blank_line(p, ck->max_line)) {
				(*reads)++;
				rec.raw = rec.json = p;
				rec.rawn = rec.jsonn = ck->max_line;
				rec.line = line;
				reject(s, &rec, NULL, ck->toolong);
			}
		} else if (!blank_line(p, len)) {
			(*reads)++;
			rec.raw = rec.json = p;
			rec.rawn = rec.jsonn = len;
			rec.line = line;
			if (pk_json_index(&rec.doc, p, len, &perr) != 0)
				reject(s, &rec, NULL, perr.msg);
			else if (!whole_response(s, &rec))
				add_record(s, &rec, &rec.doc, NULL);
		}
		p = nl ? nl + 1 : ck->end;
		/* nothing points into the mapping once a line is done (held and
		 * rejected text is copied): let go of the pages behind us, so the
		 * file does not count as the program's memory */
		if ((uintptr_t)p - dropped >= ((uintptr_t)32 << 20)) {
			uintptr_t to = (uintptr_t)p & ~(page - 1);

			madvise((void *)dropped, to - dropped, MADV_DONTNEED);
			dropped = to;
		}
	}
	ck->lines = line;
	pk_jdoc_release(&rec.doc);
	return NULL;
}

/* Local id -> global id + 1, filled on first use (keeps first-seen order). */
struct sr_idmap {
	uint32_t *dag, *run, *task;
};

static uint32_t
map_dag(struct sr *g, struct sr_chunk *ck, struct sr_idmap *mp, uint32_t l)
{
	if (mp->dag[l] == 0) {
		size_t n;
		const char *p = sr_dag_name(&ck->s->m, l, &n);

		mp->dag[l] = sr_dag(&g->m, p, n) + 1;
	}
	return mp->dag[l] - 1;
}

static uint32_t
map_run(struct sr *g, struct sr_chunk *ck, struct sr_idmap *mp, uint32_t l)
{
	if (mp->run[l] == 0) {
		size_t n;
		const char *p = sr_intern_str(&ck->s->m.run_names, l, &n);
		uint32_t dag = map_dag(g, ck, mp, ck->s->m.runs[l].dag);

		mp->run[l] = sr_run(&g->m, dag, p + sizeof(uint32_t), n - sizeof(uint32_t)) + 1;
	}
	return mp->run[l] - 1;
}

static uint32_t
map_task(struct sr *g, struct sr_chunk *ck, struct sr_idmap *mp, uint32_t l)
{
	if (mp->task[l] == 0) {
		size_t n;
		const char *p = sr_task_name(&ck->s->m, l, &n);
		uint32_t dag = map_dag(g, ck, mp, ck->s->m.tasks[l].dag);

		mp->task[l] = sr_task(&g->m, dag, p, n) + 1;
	}
	return mp->task[l] - 1;
}

/* A chunk's events onto the real model and reject log, in order. */
static void
replay(struct sr *g, struct sr_chunk *ck, long base, uint64_t *reads)
{
	struct sr_idmap mp;
	struct pk_err e;
	size_t i;

	mp.dag = pk_xcalloc(ck->s->m.dag_names.n + 1, sizeof *mp.dag);
	mp.run = pk_xcalloc(ck->s->m.nruns + 1, sizeof *mp.run);
	mp.task = pk_xcalloc(ck->s->m.ntasks + 1, sizeof *mp.task);
	for (i = 0; i < ck->nev; i++) {
		struct sr_ev *ev = &ck->ev[i];

		if (ev->kind == EV_TI) {
			struct sr_ti ti = ev->ti;

			ti.run = map_run(g, ck, &mp, ti.run);
			ti.task = map_task(g, ck, &mp, ti.task);
			ti.line += base;
			apply_ti(g, &ti, ev->text, ev->textn);
			free(ev->text);
		} else if (ev->kind == EV_RUN) {
			struct sr_runrec *rr = &ck->runrecs[ev->aux];

			apply_run(g, map_run(g, ck, &mp, rr->run), rr->state, rr->t);
		} else {
			struct sr_rej *rj = &ck->rejs[ev->aux];

			/* the count as it stood when pk_input would have rejected it */
			g->in->rej.read = *reads + rj->reads;
			e.kind = PK_ERR_NONE;
			e.msg[0] = '\0';
			if (pk_reject_add(&g->in->rej, ck->name, base + rj->line, rj->raw, rj->rawn,
			    rj->why, &e) != 0)
				die(g, &e);
			free(rj->raw);
			free(rj->why);
		}
	}
	*reads += ck->reads;
	g->in->rej.read = *reads;
	free(mp.dag);
	free(mp.run);
	free(mp.task);
}

static void
chunk_release(struct sr_chunk *ck)
{
	if (ck->s != NULL) {
		ck->s->m.rules = NULL;
		ck->s->m.nrules = 0;
		sr_model_release(&ck->s->m);
		pk_buf_release(&ck->s->s1);
		pk_buf_release(&ck->s->s2);
		pk_buf_release(&ck->s->why);
		pk_buf_release(&ck->s->last_dag);
		pk_buf_release(&ck->s->last_run);
		pk_buf_release(&ck->s->last_task);
		pk_jdoc_release(&ck->s->item);
		free(ck->s);
	}
	free(ck->ev);
	free(ck->runrecs);
	free(ck->rejs);
	memset(ck, 0, sizeof *ck);
}

static void *
worker_main(void *arg)
{
	struct sr_par *par = arg;

	for (;;) {
		size_t k;

		pthread_mutex_lock(&par->mu);
		k = par->next++;
		pthread_mutex_unlock(&par->mu);
		if (k >= par->n)
			return NULL;
		chunk_main(&par->ck[k]);
		pthread_mutex_lock(&par->mu);
		par->ck[k].done = 1;
		pthread_cond_broadcast(&par->cv);
		pthread_mutex_unlock(&par->mu);
	}
}

static int
compressed_or_csv(const char *path, const unsigned char *p, size_t n)
{
	size_t len = strlen(path);

	if ((len >= 4 && strcmp(path + len - 4, ".csv") == 0) ||
	    (len >= 3 && strcmp(path + len - 3, ".gz") == 0) ||
	    (len >= 4 && strcmp(path + len - 4, ".zst") == 0))
		return 1;
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return 1;	/* gzip magic */
	if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
		return 1;	/* zstd frame magic */
	return 0;
}

/*
 * Parse path on jobs threads when it is one large regular NDJSON file:
 * 1 done (the model and reject log hold everything, in file order), 0 not
 * for this file (read it the plain way; nothing was changed).
 */
static int
parse_parallel(struct sr *g, const char *path, int jobs)
{
	struct stat st;
	int fd, t;
	size_t k, nck;
	const char *base, *p, *end, *nl;
	struct sr_chunk *ck;
	struct sr_par par;
	pthread_t *tids;
	struct pk_err e;
	long lbase = 0;
	uint64_t reads = 0;

	if (jobs < 2 || strcmp(path, "-") == 0 || g->cli->csv || g->in->csv || g->in->progress == 1)
		return 0;
	if ((fd = open(path, O_RDONLY)) < 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < SR_PAR_MIN ||
	    (uint64_t)st.st_size > SIZE_MAX / 2) {
		close(fd);
		return 0;
	}
	base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (base == MAP_FAILED)
		return 0;
	end = base + st.st_size;
	/* the first line decides between NDJSON and one whole document */
	nl = memchr(base, '\n', (size_t)st.st_size);
	if (compressed_or_csv(path, (const unsigned char *)base, (size_t)st.st_size) ||
	    pk_json_value(base, (size_t)((nl ? nl : end) - base), NULL, NULL) != 0) {
		munmap((void *)base, (size_t)st.st_size);
		return 0;
	}
	madvise((void *)base, (size_t)st.st_size, MADV_SEQUENTIAL);
	/*
	 * One chunk a thread. The main thread reads the first one straight
	 * into the model, as pk_input would; the others are parsed on their
	 * own threads and replayed after it, so the first chunk is a little
	 * smaller (weight 9 against 10). (Replaying chunks while later ones
	 * were still parsed was slower on 2 cores: the replay's cache misses
	 * and the parse compete for the same cores and memory.)
	 */
	nck = (size_t)jobs;
	ck = pk_xcalloc(nck, sizeof *ck);
	for (k = 0, p = base; k < nck; k++) {
		uint64_t w = 9 + 10 * (uint64_t)k, wall = 9 + 10 * (uint64_t)(nck - 1);
		const char *to = k == nck - 1 ? end : base + (size_t)((uint64_t)st.st_size * w / wall);

		if (to < p)
			to = p;
		if (to < end && (nl = memchr(to, '\n', (size_t)(end - to))) != NULL)
			to = nl + 1;
		else
			to = end;
		ck[k].p = p;
		ck[k].end = to;
		ck[k].name = path;
		ck[k].max_line = g->in->max_line ? g->in->max_line : (size_t)PK_MAX_RECORD_BYTES_DEFAULT;
		snprintf(ck[k].toolong, sizeof ck[k].toolong,
		    "line longer than %zu bytes (--max-record-bytes)", ck[k].max_line);
		if (k == 0) {
			ck[k].s = g;
			p = to;
			continue;
		}
		ck[k].s = pk_xcalloc(1, sizeof *ck[k].s);
		sr_model_init(&ck[k].s->m);
		ck[k].s->cli = g->cli;
		ck[k].s->in = g->in;
		ck[k].s->unit = g->unit;
		ck[k].s->m.rules = g->m.rules;
		ck[k].s->m.nrules = g->m.nrules;
		ck[k].s->m.measure = g->m.measure;
		ck[k].s->m.reference = g->m.reference;
		{
			struct pk_jdoc init = PK_JDOC_INIT;

			ck[k].s->item = init;
		}
		ck[k].s->ck = &ck[k];
		p = to;
	}
	/* what pk_input_next does on its first call */
	if (g->in->rej.diag == NULL && !g->in->quiet)
		g->in->rej.diag = stderr;
	e.kind = PK_ERR_NONE;
	e.msg[0] = '\0';
	if (g->in->rej.tool == NULL &&
	    pk_reject_open(&g->in->rej, g->in->tool, g->in->reject_path, &e) != 0)
		pk_die(g->cli, &e);
	pthread_mutex_init(&par.mu, NULL);
	pthread_cond_init(&par.cv, NULL);
	par.ck = ck;
	par.n = nck;
	par.next = 1;
	tids = pk_xcalloc((size_t)jobs, sizeof *tids);
	for (t = 1; t < jobs; t++)
		if (pthread_create(&tids[t], NULL, worker_main, &par) != 0) {
			pk_err_set(&e, PK_ERR_IO, "cannot start a thread");
			pk_die(g->cli, &e);
		}
	chunk_main(&ck[0]);
	lbase = ck[0].lines;
	reads = g->in->rej.read;
	ck[0].s = NULL;
	for (t = 1; t < jobs; t++)
		pthread_join(tids[t], NULL);
	for (k = 1; k < nck; k++) {
		replay(g, &ck[k], lbase, &reads);
		lbase += ck[k].lines;
		chunk_release(&ck[k]);
	}
	pthread_mutex_destroy(&par.mu);
	pthread_cond_destroy(&par.cv);
	free(tids);
	free(ck);
	munmap((void *)base, (size_t)st.st_size);
	return 1;
}

static void
add_rule(struct sr *s, const char *dag, size_t dn, const char *task, size_t tn, int64_t ns)
{
	struct sr_rule *r;

	s->m.rules = pk_xrealloc(s->m.rules, (s->m.nrules + 1) * sizeof *s->m.rules);
	r = &s->m.rules[s->m.nrules++];
	r->dag_glob = pk_xstrndup(dag, dn);
	r->task_glob = pk_xstrndup(task, tn);
	r->ns = ns;
}

static void
parse_sla(struct sr *s, const char *arg)
{
	const char *eq = strchr(arg, '='), *slash;
	int64_t ns;
	struct pk_err e = PK_ERR_INIT;

	slash = eq ? memchr(arg, '/', (size_t)(eq - arg)) : NULL;
	if (eq == NULL || slash == NULL || slash == arg || slash + 1 == eq)
		pk_cli_usage(s->cli, "invalid --sla '%s' (want DAG/TASK=DURATION, globs allowed, "
		    "e.g. 'ads_daily/load=2h' or 'ads_*/*=30m')", arg);
	if (pk_duration_parse(eq + 1, strlen(eq + 1), &ns, &e) != 0)
		pk_cli_usage(s->cli, "invalid --sla '%s': %s", arg, e.msg);
	add_rule(s, arg, (size_t)(slash - arg), slash + 1, (size_t)(eq - slash - 1), ns);
}

/* A dagcheck --graph line: it names its file (and, for tasks, operator). */
static int
has_graph_fields(const struct pk_rec *rec)
{
	size_t i;

	for (i = 0; i < rec->doc.nf; i++)
		if ((rec->doc.f[i].kn == 4 && memcmp(rec->doc.f[i].k, "file", 4) == 0) ||
		    (rec->doc.f[i].kn == 8 && memcmp(rec->doc.f[i].k, "upstream", 8) == 0))
			return 1;
	return 0;
}

/* A value an SLA's glob can be made of: a string, or a number's text. */
static int
glob_text(const struct pk_jval *v)
{
	return v->type == PK_J_STR || v->type == PK_J_NUM;
}

/* SLAs from NDJSON/CSV rows (dag_id, task_id, sla) or dagcheck --graph lines. */
static void
read_sla_file(struct sr *s, const char *path)
{
	struct pk_input in = PK_INPUT_INIT;
	struct pk_err e = PK_ERR_INIT;
	const struct pk_rec *rec;
	char *paths[1];
	struct pk_path pd, pt, ps, po;
	struct pk_jval d, t, v, op;
	struct pk_buf db = PK_BUF_INIT, tb = PK_BUF_INIT;
	int rc;
	int64_t ns;

	pk_cli_input(s->cli, &in);
	in.flags = PK_IN_DOCUMENT;
	in.rej.max_errors = 0;
	in.reject_path = NULL;
	paths[0] = (char *)path;
	pk_input_operands(&in, 1, paths);
	pk_path_compile(&pd, "dag_id", NULL);
	pk_path_compile(&pt, "task_id", NULL);
	pk_path_compile(&ps, "sla", NULL);
	pk_path_compile(&po, "operator", NULL);
	while ((rc = pk_input_next(&in, &rec, &e)) > 0) {
		int has_op = pk_json_get(&rec->doc, &po, &op);

		if (!pk_json_get(&rec->doc, &pt, &t) && has_graph_fields(rec))
			continue;	/* a dagcheck --graph line about a DAG, not a task */
		if (!pk_json_get(&rec->doc, &ps, &v) || !given(&v)) {
			/* a dagcheck --graph task without an sla has none */
			if (has_op)
				continue;
			pk_cli_usage(s->cli, "%s:%ld: no sla", rec->source, rec->line);
		}
		if (!pk_json_get(&rec->doc, &pd, &d) || !pk_json_get(&rec->doc, &pt, &t) ||
		    !given(&d) || !given(&t))
			pk_cli_usage(s->cli, "%s:%ld: an SLA needs dag_id and task_id", rec->source,
			    rec->line);
		/* Globs are text: an array or object would become a pattern
		 * that never matches, and the SLA would silently not apply. */
		if (!glob_text(&d) || !glob_text(&t)) {
			const struct pk_jval *bad = glob_text(&d) ? &t : &d;

			pk_cli_usage(s->cli, "%s:%ld: %s is not a string: %.*s", rec->source,
			    rec->line, bad == &d ? "dag_id" : "task_id", (int)bad->n, bad->p);
		}
		if (pk_duration_from_jval(&v, &ns, &e) != 0)
			pk_cli_usage(s->cli, "%s:%ld: %s", rec->source, rec->line, e.msg);
		pk_buf_reset(&db);
		pk_buf_reset(&tb);
		pk_jval_text(&d, &db);
		pk_jval_text(&t, &tb);
		add_rule(s, db.p, db.len, tb.p, tb.len, ns);
	}
	if (rc < 0) {
		if (e.kind == PK_ERR_DATA)
			pk_cli_usage(s->cli, "invalid --sla-file '%s'", path);
		pk_die(s->cli, &e);
	}
	pk_input_close(&in, NULL);
	pk_path_release(&pd);
	pk_path_release(&pt);
	pk_path_release(&ps);
	pk_path_release(&po);
	pk_buf_release(&db);
	pk_buf_release(&tb);
}

static int64_t
parse_time_opt(struct sr *s, const char *name)
{
	int64_t ns;
	struct pk_err e = PK_ERR_INIT;

	if (pk_time_parse(s->cli->optarg, strlen(s->cli->optarg), s->unit, &ns, &e) != 0)
		pk_cli_usage(s->cli, "invalid --%s: %s", name, e.msg);
	return ns;
}

static double
parse_target(struct sr *s)
{
	const char *a = s->cli->optarg;
	char *end;
	double v = strtod(a, &end);

	if (end == a || !isfinite(v) || v < 0)
		pk_cli_usage(s->cli, "invalid --target '%s' (want a percentage such as 95%% or a "
		    "ratio such as 0.95)", a);
	if (*end == '%' && end[1] == '\0')
		v /= 100;
	else if (*end != '\0')
		pk_cli_usage(s->cli, "invalid --target '%s' (want a percentage such as 95%% or a "
		    "ratio such as 0.95)", a);
	else if (v > 1)
		v /= 100;	/* "95" means 95% */
	if (v > 1)
		pk_cli_usage(s->cli, "--target '%s' is above 100%%", a);
	return v;
}

int
main(int argc, char *argv[])
{
	struct pk_cli cli = PK_CLI_INIT("slareport", "[options] [FILE...]", options);
	struct pk_input in = PK_INPUT_INIT;
	struct sr s;
	const struct pk_rec *rec;
	const char *output = NULL, *title = NULL;
	const char **runs = NULL, **sla_files = NULL;
	size_t nruns = 0, nsla_files = 0, i;
	char **operands;
	int opt, rc, verdict = 0, has_target = 0, nops, jobs;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	double target = 0;
	struct pk_buf out = PK_BUF_INIT;
	struct pk_writer *w;
	struct sr_report_opts ropts;

	jobs = cores < 1 ? 1 : cores > 64 ? 64 : (int)cores;
	memset(&s, 0, sizeof s);
	s.cli = &cli;
	s.in = &in;
	sr_model_init(&s.m);
	{
		struct pk_jdoc init = PK_JDOC_INIT;

		s.item = init;
	}
	cli.description = "SLA compliance of Airflow task instances and dag runs from their "
	    "run history.";
	cli.formats = "ndjson,table,markdown,prom,html";

	while ((opt = pk_cli_getopt(&cli, argc, argv)) != -1) {
		switch (opt) {
		case OPT_SLA:
			parse_sla(&s, cli.optarg);
			break;
		case OPT_SLA_FILE:
			/* read in command-line order with the --sla rules, below */
			sla_files = pk_xrealloc(sla_files, (nsla_files + 1) * sizeof *sla_files);
			sla_files[nsla_files++] = cli.optarg;
			read_sla_file(&s, cli.optarg);
			break;
		case OPT_RUNS:
			runs = pk_xrealloc(runs, (nruns + 1) * sizeof *runs);
			runs[nruns++] = cli.optarg;
			break;
		case OPT_REFERENCE:
			if (strcmp(cli.optarg, "data_interval_end") == 0)
				s.m.reference = REF_DIE;
			else if (strcmp(cli.optarg, "run_after") == 0)
				s.m.reference = REF_RUN_AFTER;
			else if (strcmp(cli.optarg, "logical_date") == 0 ||
			    strcmp(cli.optarg, "execution_date") == 0)
				s.m.reference = REF_LOGICAL;
			else
				pk_cli_usage(&cli, "invalid --reference '%s' (data_interval_end, "
				    "run_after, logical_date)", cli.optarg);
			break;
		case OPT_MEASURE:
			if (strcmp(cli.optarg, "deadline") == 0)
				s.m.measure = MEASURE_DEADLINE;
			else if (strcmp(cli.optarg, "duration") == 0)
				s.m.measure = MEASURE_DURATION;
			else
				pk_cli_usage(&cli, "invalid --measure '%s' (deadline, duration)",
				    cli.optarg);
			break;
		case OPT_DEADLINE: {
			struct sr_deadline d;
			char msg[512];

			if (sr_deadline_parse(cli.optarg, &d, msg, sizeof msg) != 0)
				pk_cli_usage(&cli, "%s", msg);
			s.m.deadlines = pk_xrealloc(s.m.deadlines,
			    (s.m.ndeadlines + 1) * sizeof *s.m.deadlines);
			s.m.deadlines[s.m.ndeadlines++] = d;
			break;
		}
		case OPT_NOW:
			s.m.now = parse_time_opt(&s, "now");
			break;
		case OPT_BY:
			if (strcmp(cli.optarg, "day") == 0)
				s.m.by = BY_DAY;
			else if (strcmp(cli.optarg, "week") == 0)
				s.m.by = BY_WEEK;
			else
				pk_cli_usage(&cli, "invalid --by '%s' (day, week)", cli.optarg);
			break;
		case OPT_SINCE:
			s.m.since = parse_time_opt(&s, "since");
			break;
		case OPT_UNTIL:
			s.m.until = parse_time_opt(&s, "until");
			break;
		case OPT_TARGET:
			target = parse_target(&s);
			has_target = 1;
			break;
		case 'O':
			output = cli.optarg;
			break;
		case OPT_TITLE:
			title = cli.optarg;
			break;
		case 'j':
			jobs = (int)pk_cli_long(&cli, 1, 64);
			break;
		case PK_OPT_TIME_UNIT:
			s.unit = pk_cli_time_unit(&cli);
			break;
		default:
			pk_cli_common(&cli, &in, opt);
		}
	}
	if (s.m.since != SR_NONE && s.m.until != SR_NONE && s.m.until <= s.m.since)
		pk_cli_usage(&cli, "--until must be after --since");
	if (s.m.now == SR_NONE) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		s.m.now = (int64_t)ts.tv_sec * PK_NS_PER_SEC + ts.tv_nsec;
	}
	/* The HTML page charts compliance per day even without --by. */
	if (strcmp(cli.format, "html") == 0 && s.m.by == BY_NONE)
		s.m.by = BY_DAY;

	pk_cli_input(&cli, &in);
	in.flags = PK_IN_DOCUMENT;
	/* --runs files are read first, so task instances find their dag runs */
	nops = argc - cli.optind;
	operands = pk_xcalloc(nruns + (size_t)(nops > 0 ? nops : 1) + 1, sizeof *operands);
	for (i = 0; i < nruns; i++)
		operands[i] = (char *)runs[i];
	if (nops > 0)
		for (i = 0; i < (size_t)nops; i++)
			operands[nruns + i] = argv[cli.optind + (int)i];
	else
		operands[nruns] = (char *)"-";
	s.nrun_operands = nruns;
	pk_input_operands(&in, (int)(nruns + (size_t)(nops > 0 ? nops : 1)), operands);

	/* One large plain file, no --runs: parsed on -j threads. */
	if (!(nruns == 0 && nops == 1 && parse_parallel(&s, operands[0], jobs))) {
		while ((rc = pk_input_next(&in, &rec, &s.err)) > 0) {
			if (whole_response(&s, rec))
				continue;
			add_record(&s, rec, &rec->doc, NULL);
		}
		if (rc < 0)
			die(&s, &s.err);
	}
	flush_pending(&s);

	sr_model_report(&s.m, on_unresolved, &s);
	if (s.m.unevaluated_runs > 0 && !cli.quiet)
		pk_cli_warn(&cli, "%zu dag run%s without a dag-run record: --deadline could not "
		    "be evaluated for %s (pass --runs)", s.m.unevaluated_runs,
		    s.m.unevaluated_runs == 1 ? "" : "s", s.m.unevaluated_runs == 1 ? "it" : "them");
	for (i = 0; i <= DL_FIXED && !cli.quiet; i++) {
		/* the record is there, the field is not (Airflow 2's REST API
		 * has no queued_at; manual runs in Airflow 3 no logical_date) */
		static const char *const refname[DL_FIXED + 1] = {
			[DL_QUEUED_AT] = "queued_at", [DL_LOGICAL_DATE] = "logical_date",
			[DL_DIE] = "data_interval_end", [DL_RUN_AFTER] = "run_after",
			[DL_START_DATE] = "start_date"
		};
		size_t n = s.m.unevaluated_noref[i];
		const char *what = refname[i];

		if (n == 0)
			continue;
		if (what == NULL)	/* --reference's choice */
			what = s.m.reference == REF_DIE ? "data_interval_end" :
			    s.m.reference == REF_RUN_AFTER ? "run_after" :
			    s.m.reference == REF_LOGICAL ? "logical_date" :
			    "data_interval_end or run_after";
		pk_cli_warn(&cli, "%zu dag run%s with no %s: --deadline could not be evaluated "
		    "for %s", n, n == 1 ? "" : "s", what, n == 1 ? "it" : "them");
	}

	memset(&ropts, 0, sizeof ropts);
	ropts.title = title ? title : "SLA compliance";
	ropts.has_target = has_target;
	ropts.target = target;
	ropts.now = s.m.now;
	sr_report(&s.m, cli.format, &ropts, &out);

	if (output != NULL) {
		struct pk_err e = PK_ERR_INIT;

		if ((w = pk_writer_open(output, PK_W_DEFAULT, &e)) == NULL ||
		    pk_writer_write(w, out.p, out.len, &e) != 0 || pk_writer_close(w, &e) != 0)
			pk_die(&cli, &e);
	} else if (pk_writer_write(cli.out, out.p, out.len, &s.err) != 0) {
		pk_die(&cli, &s.err);
	}

	if (has_target)
		verdict = sr_check_target(&s.m, target, cli.quiet ? NULL : cli.prog);
	pk_buf_release(&out);
	pk_buf_release(&s.s1);
	pk_buf_release(&s.s2);
	pk_buf_release(&s.why);
	pk_buf_release(&s.last_dag);
	pk_buf_release(&s.last_run);
	pk_buf_release(&s.last_task);
	pk_jdoc_release(&s.item);
	rc = pk_cli_finish(&cli, &in, verdict);
	sr_model_release(&s.m);
	free(operands);
	free(runs);
	free(sla_files);
	return rc;
}
