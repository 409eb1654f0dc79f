/*
 * pk-gen-airflow - writes a seeded, reproducible Airflow run history (task
 * instances and dag runs) as the REST API v1 (Airflow 2) or v2 (Airflow 3)
 * returns it, or as CSV exports of the metadata DB's tables, for
 * slareport's tests, demo and benchmark.
 *
 * The history: a catalog of DAGs (daily and hourly schedules, a DAG with a
 * mapped task, one with a dotted id and manual runs) run every interval up
 * to --end, which plays "now": runs whose tasks have not finished by then
 * are in flight (running, queued, up_for_retry, no status). Task durations
 * vary around a base, some days are slow or scheduled late, some tries
 * fail and are retried, some tasks fail for good (their downstream tasks
 * become upstream_failed).
 *
 * Reproducibility: everything is integer arithmetic in microseconds from
 * our own xoshiro256** generator, so a seed gives the same bytes anywhere.
 *
 * Field names follow Airflow's OpenAPI specs (airflow/api_connexion/openapi/
 * v1.yaml: TaskInstance, DAGRun; airflow/api_fastapi/core_api/openapi/
 * v2-rest-api-generated.yaml: TaskInstanceResponse, DAGRunResponse) and the
 * metadata DB's task_instance and dag_run tables (airflow/models/
 * taskinstance.py, dagrun.py) of Airflow 2.10 and 3.0.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef PK_VERSION
#define PK_VERSION "0.0.0"
#endif

#define US INT64_C(1000000)
#define HOUR (3600 * US)
#define DAY (24 * HOUR)
#define MAXT 8
#define MAXMAP 8

/* --- randomness (splitmix64 and xoshiro256**, https://prng.di.unimi.it/) --- */

static uint64_t rs[4];

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
next64(void)
{
	uint64_t r = rotl(rs[1] * 5, 7) * 9, t = rs[1] << 17;

	rs[2] ^= rs[0];
	rs[3] ^= rs[1];
	rs[1] ^= rs[2];
	rs[0] ^= rs[3];
	rs[2] ^= t;
	rs[3] = rotl(rs[3], 45);
	return r;
}

/* Cosmetic values (ids, host names) come from their own stream, so the
 * simulated history is the same whatever is written (--what, --api, --csv). */
static uint64_t cz;

static uint64_t
cosmetic(void)
{
	return splitmix64(&cz);
}

/* uniform in [0, n) */
static int64_t
urand(int64_t n)
{
	return n <= 0 ? 0 : (int64_t)(next64() % (uint64_t)n);
}

/* per-mille chance */
static int
chance(int permille)
{
	return urand(1000) < permille;
}

/* a base duration varied by about +-15% (sum of uniforms: near-normal) */
static int64_t
vary(int64_t base)
{
	int64_t m = 1000 + urand(151) + urand(151) + urand(151) + urand(151) - 300;

	return base / 1000 * m + urand(US);
}

/* --- the catalog ----------------------------------------------------------- */

struct task {
	const char *id;
	const char *op;
	int64_t base;		/* seconds */
	int up;			/* index of the upstream task, -1 none */
	int mapped;		/* 1: expands to 3..6 instances */
};

struct dag {
	const char *id;
	int64_t every;		/* schedule interval */
	int64_t at;		/* offset of the interval boundary in the day */
	int manual;		/* chance (per mille per day) of a manual run */
	int ntasks;
	struct task t[MAXT];
};

static const struct dag catalog[] = {
	{ "ads_daily", DAY, 0, 0, 4, {
		{ "extract", "PythonOperator", 600, -1, 0 },
		{ "transform", "SparkSubmitOperator", 900, 0, 0 },
		{ "load", "PostgresOperator", 1200, 1, 0 },
		{ "publish", "PythonOperator", 120, 2, 0 } } },
	{ "ads_hourly", HOUR, 0, 0, 2, {
		{ "ingest", "S3KeySensor", 180, -1, 0 },
		{ "aggregate", "PythonOperator", 240, 0, 0 } } },
	{ "billing_daily", DAY, 2 * HOUR, 0, 3, {
		{ "fetch", "HttpOperator", 300, -1, 1 },
		{ "merge", "PythonOperator", 400, 0, 0 },
		{ "report", "EmailOperator", 200, 1, 0 } } },
	{ "ml.features", DAY, 0, 100, 2, {
		{ "build_features", "KubernetesPodOperator", 1800, -1, 0 },
		{ "train", "KubernetesPodOperator", 3600, 0, 0 } } },
};

#define NDAGS (sizeof catalog / sizeof catalog[0])

/* --- options and output ---------------------------------------------------- */

enum api { V1, V2 };
enum what { W_TI, W_RUNS, W_MIXED };
enum shape { S_LINES, S_PRETTY, S_COMPACT };

static struct {
	uint64_t seed;
	int days;
	int copies;
	int64_t end;
	enum api api;
	enum what what;
	enum shape shape;
	int csv;
	int all_tries;
} o = { 1, 30, 1, 0, V2, W_TI, S_LINES, 0, 0 };

static char *obuf;
static size_t olen, ocap;

static void
put(const char *s, size_t n)
{
	if (olen + n > ocap) {
		while (olen + n > ocap)
			ocap = ocap ? ocap * 2 : 1 << 16;
		if ((obuf = realloc(obuf, ocap)) == NULL) {
			fprintf(stderr, "pk-gen-airflow: out of memory\n");
			exit(4);
		}
	}
	memcpy(obuf + olen, s, n);
	olen += n;
}

static void
puts_(const char *s)
{
	put(s, strlen(s));
}

static void
flush_out(void)
{
	if (olen && fwrite(obuf, 1, olen, stdout) != olen) {
		fprintf(stderr, "pk-gen-airflow: write error: %s\n", strerror(errno));
		exit(4);
	}
	olen = 0;
}

/* --- values ---------------------------------------------------------------- */

#define NONE INT64_MIN

static void
civil(int64_t days, int *y, int *m, int *d)
{
	/* Howard Hinnant's civil_from_days, http://howardhinnant.github.io/date_algorithms.html */
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t yy = y - (m <= 2), era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400, doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/* kind 0: API (RFC 3339, "Z" for v2, "+00:00" for v1); 1: CSV as psql writes */
static void
ts_text(char *b, size_t n, int64_t t, int kind)
{
	int64_t days = t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY), r = t - days * DAY;
	int y, mo, d, frac = (int)(r % US);
	long s = (long)(r / US);
	char f[16] = "";

	civil(days, &y, &mo, &d);
	if (frac)
		snprintf(f, sizeof f, ".%06d", frac);
	if (kind == 1)
		snprintf(b, n, "%04d-%02d-%02d %02ld:%02ld:%02ld%s+00", y, mo, d, s / 3600,
		    s / 60 % 60, s % 60, f);
	else
		snprintf(b, n, "%04d-%02d-%02dT%02ld:%02ld:%02ld%s%s", y, mo, d, s / 3600,
		    s / 60 % 60, s % 60, f, o.api == V1 ? "+00:00" : "Z");
}

/* A record under construction: keys and JSON values, written as one
 * compact line, a pretty-printed item, or a CSV row. */
struct field {
	const char *k;
	char v[160];
	int str;		/* 1: string (v unquoted), 0: JSON literal, -1: null */
};

static struct field rec[48];
static int nrec;

static void
f_str(const char *k, const char *v)
{
	struct field *f = &rec[nrec++];

	f->k = k;
	if (v == NULL) {
		f->str = -1;
		strcpy(f->v, "null");
		return;
	}
	f->str = 1;
	snprintf(f->v, sizeof f->v, "%s", v);
}

static void
f_lit(const char *k, const char *v)
{
	struct field *f = &rec[nrec++];

	f->k = k;
	f->str = strcmp(v, "null") == 0 ? -1 : 0;
	snprintf(f->v, sizeof f->v, "%s", v);
}

static void
f_int(const char *k, int64_t v)
{
	char b[32];

	snprintf(b, sizeof b, "%lld", (long long)v);
	f_lit(k, b);
}

static void
f_ts(const char *k, int64_t t)
{
	char b[64];

	if (t == NONE) {
		f_str(k, NULL);
		return;
	}
	ts_text(b, sizeof b, t, o.csv);
	f_str(k, b);
}

/* seconds with microseconds, as Python's timedelta.total_seconds() prints */
static void
f_secs(const char *k, int64_t us)
{
	char b[40];
	int n;

	if (us == NONE) {
		f_str(k, NULL);
		return;
	}
	n = snprintf(b, sizeof b, "%lld.%06lld", (long long)(us / US), (long long)(us % US));
	while (n > 0 && b[n - 1] == '0' && b[n - 2] != '.')
		b[--n] = '\0';
	f_lit(k, b);
}

static void
f_uuid(const char *k)
{
	char b[40];
	uint64_t a = cosmetic(), c = cosmetic();

	snprintf(b, sizeof b, "%08llx-%04llx-4%03llx-%04llx-%012llx",
	    (unsigned long long)(a >> 32), (unsigned long long)(a >> 16 & 0xffff),
	    (unsigned long long)(a & 0xfff), (unsigned long long)(0x8000 | (c >> 48 & 0x3fff)),
	    (unsigned long long)(c & 0xffffffffffffULL));
	f_str(k, b);
}

static void
json_str(const char *s)
{
	/* ids and values here are plain ASCII without quotes or backslashes */
	put("\"", 1);
	puts_(s);
	put("\"", 1);
}

static int first_item = 1;
static long items_out;

static void
emit_json(int pretty)
{
	int i;

	if (pretty) {
		puts_(first_item ? "\n    {\n" : ",\n    {\n");
		for (i = 0; i < nrec; i++) {
			puts_("      ");
			json_str(rec[i].k);
			puts_(": ");
			if (rec[i].str == 1)
				json_str(rec[i].v);
			else
				puts_(rec[i].v);
			puts_(i + 1 < nrec ? ",\n" : "\n");
		}
		puts_("    }");
	} else {
		if (o.shape == S_COMPACT && !first_item)
			put(",", 1);
		put("{", 1);
		for (i = 0; i < nrec; i++) {
			if (i)
				put(",", 1);
			json_str(rec[i].k);
			put(":", 1);
			if (rec[i].str == 1)
				json_str(rec[i].v);
			else
				puts_(rec[i].v);
		}
		put("}", 1);
		if (o.shape == S_LINES)
			put("\n", 1);
	}
	first_item = 0;
	items_out++;
}

static void
emit_csv_header(void)
{
	int i;

	for (i = 0; i < nrec; i++) {
		if (i)
			put(",", 1);
		puts_(rec[i].k);
	}
	put("\n", 1);
}

static void
emit_csv(void)
{
	int i;
	static int header;

	if (!header) {
		emit_csv_header();
		header = 1;
	}
	for (i = 0; i < nrec; i++) {
		const char *v = rec[i].v;

		if (i)
			put(",", 1);
		if (rec[i].str == -1)
			continue;
		if (strchr(v, ',') || strchr(v, '"') || strchr(v, '{')) {
			const char *p;

			put("\"", 1);
			for (p = v; *p; p++) {
				if (*p == '"')
					put("\"", 1);
				put(p, 1);
			}
			put("\"", 1);
		} else {
			puts_(v);
		}
	}
	put("\n", 1);
}

static void
emit(void)
{
	if (o.csv)
		emit_csv();
	else
		emit_json(o.shape == S_PRETTY);
	if (olen > (1 << 20))
		flush_out();
}

/* --- one run --------------------------------------------------------------- */

enum { ST_NULL, ST_SCHEDULED, ST_QUEUED, ST_RUNNING, ST_UP_FOR_RETRY, ST_SUCCESS, ST_FAILED,
	ST_UPSTREAM_FAILED };

static const char *const stname[] = { NULL, "scheduled", "queued", "running", "up_for_retry",
	"success", "failed", "upstream_failed" };

struct inst {
	int task, map;
	int ntries;
	int64_t tstart[4], tend[4];	/* each try */
	int final_failed;
	int upstream_failed;
	int64_t uf_time;
	/* as seen at --end */
	int state, try_number;
	int64_t start, end, queued;
};

struct run {
	const struct dag *d;
	char dag_id[64];
	char run_id[96];
	int manual;
	int64_t logical, dis, die, run_after, queued_at, start, end;
	int state;
	struct inst in[MAXT * MAXMAP];
	int nin;
};

static long ti_count;

static void
ti_record(const struct run *r, const struct inst *x, int try_ix)
{
	const struct task *t = &r->d->t[x->task];
	int64_t start = x->start, end = x->end, queued = x->queued;
	int state = x->state, try_number = x->try_number;
	char host[32];

	if (try_ix >= 0) {	/* an earlier, failed try as /tries lists it */
		start = x->tstart[try_ix];
		end = x->tend[try_ix];
		state = ST_FAILED;
		try_number = try_ix + 1;
	}
	snprintf(host, sizeof host, "worker-%d", (int)(cosmetic() % 8));
	nrec = 0;
	if (o.csv) {
		if (o.api == V2)
			f_uuid("id");
		f_str("task_id", t->id);
		f_str("dag_id", r->dag_id);
		f_str("run_id", r->run_id);
		f_int("map_index", t->mapped ? x->map : -1);
		f_ts("start_date", start);
		f_ts("end_date", end);
		f_secs("duration", start != NONE && end != NONE ? end - start : NONE);
		f_str("state", state == ST_NULL ? NULL : stname[state]);
		f_int("try_number", try_number);
		f_int("max_tries", 2);
		f_str("hostname", start != NONE ? host : "");
		f_str("unixname", "airflow");
		if (o.api == V1)
			f_str("job_id", NULL);
		f_str("pool", "default_pool");
		f_int("pool_slots", 1);
		f_str("queue", "default");
		f_int("priority_weight", r->d->ntasks - x->task);
		f_str("operator", t->op);
		f_str("custom_operator_name", NULL);
		f_ts("queued_dttm", queued);
		if (o.api == V2)
			f_ts("scheduled_dttm", queued != NONE ? queued - 2 * US : NONE);
		f_str("queued_by_job_id", NULL);
		if (o.api == V2)
			f_str("last_heartbeat_at", NULL);
		f_str("pid", NULL);
		if (o.api == V2)
			f_str("executor", NULL);
		f_str("executor_config", NULL);
		f_ts("updated_at", end != NONE ? end : start);
		f_str("rendered_map_index", NULL);
		if (o.api == V2) {
			f_str("context_carrier", NULL);
			f_str("span_status", "not_started");
		}
		f_str("external_executor_id", NULL);
		f_str("trigger_id", NULL);
		f_str("trigger_timeout", NULL);
		f_str("next_method", NULL);
		f_str("next_kwargs", NULL);
		f_str("task_display_name", t->id);
		if (o.api == V2)
			f_uuid("dag_version_id");
		emit();
		ti_count++;
		return;
	}
	if (o.api == V1) {
		f_str("task_id", t->id);
		f_str("dag_id", r->dag_id);
		f_str("dag_run_id", r->run_id);
		f_ts("execution_date", r->logical);
		f_ts("start_date", start);
		f_ts("end_date", end);
		f_secs("duration", start != NONE && end != NONE ? end - start : NONE);
		f_str("state", state == ST_NULL ? NULL : stname[state]);
		f_int("try_number", try_number);
		f_int("map_index", t->mapped ? x->map : -1);
		f_int("max_tries", 2);
		f_str("hostname", start != NONE ? host : "");
		f_str("unixname", "airflow");
		f_str("pool", "default_pool");
		f_int("pool_slots", 1);
		f_str("queue", "default");
		f_int("priority_weight", r->d->ntasks - x->task);
		f_str("operator", t->op);
		f_ts("queued_when", queued);
		f_lit("pid", start != NONE ? "4242" : "null");
		f_str("executor_config", "{}");
		f_lit("sla_miss", "null");
		f_lit("rendered_fields", "{}");
		f_lit("trigger", "null");
		f_lit("triggerer_job", "null");
		f_lit("note", "null");
	} else {
		f_uuid("id");
		f_str("task_id", t->id);
		f_str("dag_id", r->dag_id);
		f_str("dag_run_id", r->run_id);
		f_int("map_index", t->mapped ? x->map : -1);
		f_ts("logical_date", r->manual ? NONE : r->logical);
		f_ts("run_after", r->run_after);
		f_ts("start_date", start);
		f_ts("end_date", end);
		f_secs("duration", start != NONE && end != NONE ? end - start : NONE);
		f_str("state", state == ST_NULL ? NULL : stname[state]);
		f_int("try_number", try_number);
		f_int("max_tries", 2);
		f_str("task_display_name", t->id);
		f_str("dag_display_name", r->dag_id);
		f_str("hostname", start != NONE ? host : "");
		f_str("unixname", "airflow");
		f_str("pool", "default_pool");
		f_int("pool_slots", 1);
		f_str("queue", "default");
		f_int("priority_weight", r->d->ntasks - x->task);
		f_str("operator", t->op);
		f_str("operator_name", t->op);
		f_ts("queued_when", queued);
		f_ts("scheduled_when", queued != NONE ? queued - 2 * US : NONE);
		f_lit("pid", start != NONE ? "4242" : "null");
		f_lit("executor", "null");
		f_str("executor_config", "{}");
		f_lit("note", "null");
		f_lit("rendered_map_index", "null");
		f_lit("rendered_fields", "{}");
		f_lit("trigger", "null");
		f_lit("triggerer_job", "null");
		f_lit("dag_version", "{\"version_number\": 1, \"bundle_name\": \"dags-folder\"}");
	}
	emit();
	ti_count++;
}

static void
run_record(const struct run *r)
{
	const char *st = stname[r->state];

	nrec = 0;
	if (o.csv) {
		f_int("id", 1000 + (int64_t)(cosmetic() % 9000000));
		f_str("dag_id", r->dag_id);
		f_ts("queued_at", r->queued_at);
		f_ts(o.api == V1 ? "execution_date" : "logical_date",
		    r->manual && o.api == V2 ? NONE : r->logical);
		f_ts("start_date", r->start);
		f_ts("end_date", r->end);
		f_str("state", st);
		f_str("run_id", r->run_id);
		f_str("creating_job_id", NULL);
		if (o.api == V1)
			f_str("external_trigger", r->manual ? "t" : "f");
		f_str("run_type", r->manual ? "manual" : "scheduled");
		if (o.api == V2)
			f_str("triggered_by", r->manual ? "rest_api" : "timetable");
		f_str("conf", NULL);
		f_ts("data_interval_start", r->dis);
		f_ts("data_interval_end", r->die);
		if (o.api == V2)
			f_ts("run_after", r->run_after);
		f_ts("last_scheduling_decision", r->end != NONE ? r->end : r->start);
		if (o.api == V1)
			f_str("dag_hash", "3f2a9c");
		f_int("log_template_id", 1);
		f_ts("updated_at", r->end != NONE ? r->end : r->queued_at);
		f_int("clear_number", 0);
		if (o.api == V2) {
			f_str("backfill_id", NULL);
			f_str("bundle_version", NULL);
			f_str("scheduled_by_job_id", NULL);
			f_str("context_carrier", NULL);
			f_str("span_status", "not_started");
			f_str("created_dag_version_id", NULL);
		}
		emit();
		return;
	}
	f_str("dag_run_id", r->run_id);
	f_str("dag_id", r->dag_id);
	if (o.api == V1) {
		f_ts("logical_date", r->logical);
		f_ts("execution_date", r->logical);
		f_ts("start_date", r->start);
		f_ts("end_date", r->end);
		f_ts("data_interval_start", r->dis);
		f_ts("data_interval_end", r->die);
		f_ts("last_scheduling_decision", r->end != NONE ? r->end : r->start);
		f_str("run_type", r->manual ? "manual" : "scheduled");
		f_str("state", st);
		f_lit("external_trigger", r->manual ? "true" : "false");
		f_lit("conf", "{}");
		f_lit("note", "null");
	} else {
		f_ts("logical_date", r->manual ? NONE : r->logical);
		f_ts("queued_at", r->queued_at);
		f_ts("start_date", r->start);
		f_ts("end_date", r->end);
		f_ts("data_interval_start", r->dis);
		f_ts("data_interval_end", r->die);
		f_ts("run_after", r->run_after);
		f_ts("last_scheduling_decision", r->end != NONE ? r->end : r->start);
		f_str("run_type", r->manual ? "manual" : "scheduled");
		f_str("state", st);
		f_str("triggered_by", r->manual ? "rest_api" : "timetable");
		f_lit("conf", "{}");
		f_lit("note", "null");
		f_lit("bundle_version", "null");
		f_str("dag_display_name", r->dag_id);
	}
	emit();
}

/* Plan a run's tries, then look at it as of --end. */
static void
simulate(struct run *r)
{
	const struct dag *d = r->d;
	int64_t now = o.end, done[MAXT], fail_at[MAXT];
	int i, k, m, failed[MAXT];
	int slow = chance(60);		/* a slow day: everything takes 2-4x */
	int64_t backlog = chance(50) ? HOUR + urand(3 * HOUR) : 0;	/* scheduler backlog */

	r->queued_at = r->run_after + US + urand(20 * US) + backlog;
	r->start = r->queued_at + US + urand(10 * US);
	r->nin = 0;
	for (i = 0; i < d->ntasks; i++) {
		const struct task *t = &d->t[i];
		int n = t->mapped ? 3 + (int)urand(4) : 1;
		int64_t ready = t->up < 0 ? r->start : done[t->up];
		int up_failed = t->up >= 0 && failed[t->up];

		done[i] = ready;
		failed[i] = 0;
		fail_at[i] = t->up >= 0 ? fail_at[t->up] : NONE;
		for (m = 0; m < n; m++) {
			struct inst *x = &r->in[r->nin++];
			int64_t s = ready + 2 * US + urand(13 * US), dur;

			memset(x, 0, sizeof *x);
			x->task = i;
			x->map = m;
			if (up_failed) {
				x->upstream_failed = 1;
				x->uf_time = fail_at[i] + urand(3 * US);
				if (x->uf_time > done[i])
					done[i] = x->uf_time;
				continue;
			}
			for (k = 0; k < 3; k++) {
				dur = vary(t->base * US);
				if (slow)
					dur = dur / 1000 * (2000 + urand(2000));
				x->tstart[k] = s;
				if (k < 2 && chance(k == 0 ? 60 : 300)) {
					/* this try fails part-way; retry_delay is 5 minutes */
					x->tend[k] = s + dur / 1000 * (100 + urand(800));
					x->ntries = k + 1;
					s = x->tend[k] + 300 * US;
					continue;
				}
				x->ntries = k + 1;
				x->tend[k] = s + dur;
				if (chance(15)) {
					/* fails for good after its last try */
					x->final_failed = 1;
					x->tend[k] = s + dur / 3;
				}
				break;
			}
			if (x->ntries == 3 && !x->final_failed && chance(300))
				x->final_failed = 1;
			if (x->tend[x->ntries - 1] > done[i])
				done[i] = x->tend[x->ntries - 1];
			if (x->final_failed) {
				failed[i] = 1;
				if (fail_at[i] == NONE || x->tend[x->ntries - 1] > fail_at[i])
					fail_at[i] = x->tend[x->ntries - 1];
			}
		}
		if (up_failed)
			failed[i] = 1;
	}

	/* as of --end */
	r->state = ST_SUCCESS;
	r->end = NONE;
	{
		int inflight = 0, anyfail = 0;
		int64_t last = r->start;

		for (i = 0; i < r->nin; i++) {
			struct inst *x = &r->in[i];
			const struct task *t = &d->t[x->task];
			int64_t ready = t->up < 0 ? r->start : done[t->up];

			x->start = x->end = x->queued = NONE;
			x->try_number = 0;
			if (x->upstream_failed) {
				if (x->uf_time <= now) {
					x->state = ST_UPSTREAM_FAILED;
					x->start = x->end = x->uf_time;
					anyfail = 1;
					if (x->uf_time > last)
						last = x->uf_time;
				} else {
					x->state = ST_NULL;
					inflight = 1;
				}
				continue;
			}
			if (now < x->tstart[0]) {
				x->state = now >= ready ? (chance(500) ? ST_QUEUED : ST_SCHEDULED) : ST_NULL;
				if (x->state == ST_QUEUED)
					x->queued = ready + US;
				inflight = 1;
				continue;
			}
			for (k = 0; k < x->ntries; k++) {
				if (now < x->tstart[k]) {
					x->state = ST_UP_FOR_RETRY;	/* between tries */
					break;
				}
				x->try_number = k + 1;
				x->start = x->tstart[k];
				x->queued = x->tstart[k] - US;
				if (now < x->tend[k]) {
					x->state = ST_RUNNING;
					break;
				}
				x->end = x->tend[k];
				x->state = k + 1 < x->ntries ? ST_UP_FOR_RETRY :
				    x->final_failed ? ST_FAILED : ST_SUCCESS;
			}
			if (x->state == ST_RUNNING)
				x->end = NONE;
			if (x->state != ST_SUCCESS && x->state != ST_FAILED)
				inflight = 1;
			if (x->state == ST_FAILED)
				anyfail = 1;
			if (x->end != NONE && x->end > last)
				last = x->end;
		}
		if (now < r->start) {
			r->state = ST_QUEUED;
			r->start = NONE;
		} else if (inflight) {
			r->state = ST_RUNNING;
		} else {
			r->end = last + US + urand(4 * US);
			if (r->end > now) {
				r->state = ST_RUNNING;
				r->end = NONE;
			} else {
				r->state = anyfail ? ST_FAILED : ST_SUCCESS;
			}
		}
	}
}

static void
write_run(struct run *r)
{
	int i, k;

	simulate(r);
	if (o.what != W_TI)
		run_record(r);
	if (o.what == W_RUNS)
		return;
	for (i = 0; i < r->nin; i++) {
		const struct inst *x = &r->in[i];

		if (o.all_tries && !o.csv)
			for (k = 0; k + 1 < x->try_number; k++)
				ti_record(r, x, k);
		ti_record(r, x, -1);
	}
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: pk-gen-airflow [options]\n"
	    "  -s, --seed N        random seed (default 1)\n"
	    "  -d, --days N        days of history (default 30)\n"
	    "  -c, --copies N      the DAG catalog N times (ids suffixed _001...) (default 1)\n"
	    "  -e, --end TIME      the end of the history, \"now\" (default 2026-11-30T00:20:00Z)\n"
	    "  -a, --api v1|v2     REST API version, or DB schema (Airflow 2|3) with --csv (default v2)\n"
	    "  -w, --what ti|runs|mixed   task instances, dag runs, or each run then its tasks\n"
	    "      --shape lines|pretty|compact   one item per line, or whole responses\n"
	    "                      pretty-printed or on one line each (default lines)\n"
	    "      --csv           the metadata DB table (task_instance or dag_run) as CSV\n"
	    "      --all-tries     also list the earlier, failed tries of retried tasks\n"
	    "  -h, --help, -V, --version\n");
}

static int64_t
parse_end(const char *s)
{
	int y, mo, d, h = 0, mi = 0, se = 0;
	char z = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &z) < 3 ||
	    (z != 0 && z != 'Z')) {
		fprintf(stderr, "pk-gen-airflow: invalid --end '%s' (YYYY-MM-DDTHH:MM:SSZ)\n", s);
		exit(2);
	}
	return days_from_civil(y, mo, d) * DAY + ((int64_t)h * 3600 + mi * 60 + se) * US;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "days", required_argument, NULL, 'd' },
		{ "copies", required_argument, NULL, 'c' },
		{ "end", required_argument, NULL, 'e' },
		{ "api", required_argument, NULL, 'a' },
		{ "what", required_argument, NULL, 'w' },
		{ "shape", required_argument, NULL, 'S' },
		{ "csv", no_argument, NULL, 'C' },
		{ "all-tries", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c, day, cp;
	size_t di;
	int64_t first;
	uint64_t x;

	o.end = parse_end("2026-11-30T00:20:00Z");
	while ((c = getopt_long(argc, argv, "s:d:c:e:a:w:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o.seed = strtoull(optarg, NULL, 10); break;
		case 'd': o.days = atoi(optarg); break;
		case 'c': o.copies = atoi(optarg); break;
		case 'e': o.end = parse_end(optarg); break;
		case 'a':
			if (strcmp(optarg, "v1") == 0)
				o.api = V1;
			else if (strcmp(optarg, "v2") == 0)
				o.api = V2;
			else
				goto bad;
			break;
		case 'w':
			if (strcmp(optarg, "ti") == 0)
				o.what = W_TI;
			else if (strcmp(optarg, "runs") == 0)
				o.what = W_RUNS;
			else if (strcmp(optarg, "mixed") == 0)
				o.what = W_MIXED;
			else
				goto bad;
			break;
		case 'S':
			if (strcmp(optarg, "lines") == 0)
				o.shape = S_LINES;
			else if (strcmp(optarg, "pretty") == 0)
				o.shape = S_PRETTY;
			else if (strcmp(optarg, "compact") == 0)
				o.shape = S_COMPACT;
			else
				goto bad;
			break;
		case 'C': o.csv = 1; break;
		case 'T': o.all_tries = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("pk-gen-airflow (pipekit) %s\n", PK_VERSION); return 0;
		default:
		bad:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || o.days < 1 || o.days > 100000 || o.copies < 1 || o.copies > 999)
		goto bad;
	if (o.csv && (o.what == W_MIXED || o.shape != S_LINES)) {
		fprintf(stderr, "pk-gen-airflow: --csv writes one table: --what ti or runs, lines\n");
		return 2;
	}
	if (o.shape == S_PRETTY && o.what == W_MIXED) {
		fprintf(stderr, "pk-gen-airflow: a pretty response holds one kind: --what ti or runs\n");
		return 2;
	}
	x = o.seed;
	for (c = 0; c < 4; c++)
		rs[c] = splitmix64(&x);
	cz = o.seed ^ 0xa5a5a5a5a5a5a5a5ULL;

	/* A compact or pretty mixed stream is written as two responses. */
	{
		int pass, npass = (o.what == W_MIXED && o.shape == S_COMPACT) ? 2 : 1;
		enum what want = o.what;
		uint64_t saved[4];

		memcpy(saved, rs, sizeof saved);
		for (pass = 0; pass < npass; pass++) {
			if (npass == 2) {
				o.what = pass == 0 ? W_RUNS : W_TI;
				memcpy(rs, saved, sizeof saved);
				cz = o.seed ^ 0xa5a5a5a5a5a5a5a5ULL;
			}
			first_item = 1;
			items_out = 0;
			if (o.shape != S_LINES && !o.csv)
				puts_(o.what == W_RUNS ? "{\"dag_runs\":[" : "{\"task_instances\":[");
			if (o.shape == S_PRETTY) {
				olen = 0;
				puts_(o.what == W_RUNS ? "{\n  \"dag_runs\": [" : "{\n  \"task_instances\": [");
			}
			first = (o.end / DAY - o.days) * DAY;
			for (day = 0; day <= o.days; day++) {
				int64_t d0 = first + (int64_t)day * DAY;

				for (cp = 0; cp < o.copies; cp++)
					for (di = 0; di < NDAGS; di++) {
						const struct dag *dg = &catalog[di];
						int64_t t;

						for (t = d0 + dg->at; t < d0 + dg->at + DAY; t += dg->every) {
							struct run r;
							char lt[64];

							if (t > o.end)
								break;
							if (t - dg->every < first)
								continue;
							memset(&r, 0, sizeof r);
							r.d = dg;
							if (o.copies > 1)
								snprintf(r.dag_id, sizeof r.dag_id, "%s_%03d", dg->id, cp + 1);
							else
								snprintf(r.dag_id, sizeof r.dag_id, "%s", dg->id);
							r.dis = t - dg->every;
							r.die = t;
							r.logical = r.dis;
							r.run_after = t;
							ts_text(lt, sizeof lt, r.logical, 0);
							if (o.api == V1)	/* Airflow 2 run ids keep +00:00 */
								snprintf(r.run_id, sizeof r.run_id, "scheduled__%.19s+00:00", lt);
							else
								snprintf(r.run_id, sizeof r.run_id, "scheduled__%.19s+00:00", lt);
							write_run(&r);
						}
						/* a manual run some days, triggered in the afternoon */
						if (dg->manual && chance(dg->manual)) {
							struct run r;
							char lt[64];
							int64_t at = d0 + 12 * HOUR + urand(6 * HOUR);

							if (at > o.end || at < first)
								continue;
							memset(&r, 0, sizeof r);
							r.d = dg;
							r.manual = 1;
							if (o.copies > 1)
								snprintf(r.dag_id, sizeof r.dag_id, "%s_%03d", dg->id, cp + 1);
							else
								snprintf(r.dag_id, sizeof r.dag_id, "%s", dg->id);
							r.dis = r.die = r.logical = r.run_after = at;
							ts_text(lt, sizeof lt, at, 0);
							snprintf(r.run_id, sizeof r.run_id, "manual__%.26s+00:00", lt);
							write_run(&r);
						}
					}
			}
			if (o.shape == S_PRETTY) {
				char b[64];

				snprintf(b, sizeof b, "\n  ],\n  \"total_entries\": %ld\n}\n", items_out);
				puts_(b);
			} else if (o.shape == S_COMPACT && !o.csv) {
				char b[64];

				snprintf(b, sizeof b, "],\"total_entries\":%ld}\n", items_out);
				puts_(b);
			}
		}
		o.what = want;
	}
	flush_out();
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "pk-gen-airflow: write error: %s\n", strerror(errno));
		return 4;
	}
	(void)ti_count;
	return 0;
}
