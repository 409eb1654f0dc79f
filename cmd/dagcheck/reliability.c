/*
 * reliability - DC301-DC311: retries, sensors, parse-time values, catchup and
 * schedule defaults, the --require policy rules, and pools.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/dagcheck/checks.h"

/* Waits longer than this in poke mode hold a worker slot for too long:
 * Airflow's docs advise reschedule mode or a deferrable sensor for them. */
#define POKE_LIMIT_SECONDS 3600.0

static const char *
rel_tid(const struct dc_task *t)
{
	return t->id ? t->id : t->local_id ? t->local_id : "?";
}

static const char *
rel_did(const struct dc_dag *d)
{
	return d && d->id ? d->id : "?";
}

/* The tasks rules look at: in a known DAG (tasks outside one are DC105). */
static int
ruled(const struct dc_task *t)
{
	return t->dag != NULL && !(t->flags & DT_DAG_UNKNOWN);
}

static const char *
from_text(const char *from)
{
	if (from == NULL)
		return "";
	if (strcmp(from, "dag") == 0)
		return " (from the DAG's default_args)";
	if (strcmp(from, "group") == 0)
		return " (from the task group's default_args)";
	return "";
}

void
dc_check_retries(struct dc_ctx *ctx, const struct dc_model *m)
{
	int i;

	for (i = 0; i < m->ntasks; i++) {
		const struct dc_task *t = m->tasks[i];
		const char *from = NULL;
		const struct dc_val *v;

		if (!ruled(t) || dc_task_is_noop(t))
			continue;
		v = dc_task_param(t, "retries", &from);
		if (v == NULL)
			dc_report(ctx, "DC301", t->line, t->col, t->dag->id, t->id,
			    "task '%s' has no retries (neither the task, its groups nor the DAG's "
			    "default_args set retries)", rel_tid(t));
		else if ((v->kind == DV_INT || v->kind == DV_BOOL) && v->i == 0)
			dc_report(ctx, "DC301", t->line, t->col, t->dag->id, t->id,
			    "task '%s' has retries=0%s", rel_tid(t), from_text(from));
		else if (v->kind == DV_NONE)
			dc_report(ctx, "DC301", t->line, t->col, t->dag->id, t->id,
			    "task '%s' has retries=None%s", rel_tid(t), from_text(from));
	}
}

void
dc_check_sensor_timeout(struct dc_ctx *ctx, const struct dc_model *m)
{
	int i;

	for (i = 0; i < m->ntasks; i++) {
		const struct dc_task *t = m->tasks[i];

		if (!ruled(t) || !(t->flags & DT_SENSOR))
			continue;
		if (dc_task_param(t, "timeout", NULL) != NULL)
			continue;
		dc_report(ctx, "DC302", t->line, t->col, t->dag->id, t->id,
		    "sensor '%s' (%s) has no timeout: it waits up to Airflow's default of 7 days",
		    rel_tid(t), t->op);
	}
}

static void
duration_text(double s, char *buf, size_t n)
{
	if (s >= 86400 && (long long)s % 86400 == 0)
		snprintf(buf, n, "%lldd", (long long)s / 86400);
	else if (s >= 3600 && (long long)s % 3600 == 0)
		snprintf(buf, n, "%lldh", (long long)s / 3600);
	else if (s >= 60 && (long long)s % 60 == 0)
		snprintf(buf, n, "%lldm", (long long)s / 60);
	else
		snprintf(buf, n, "%.0fs", s);
}

void
dc_check_sensor_poke(struct dc_ctx *ctx, const struct dc_model *m)
{
	int i;

	for (i = 0; i < m->ntasks; i++) {
		const struct dc_task *t = m->tasks[i];
		const struct dc_val *mode, *def, *to;
		double secs;
		char buf[32];

		if (!ruled(t) || !(t->flags & DT_SENSOR))
			continue;
		mode = dc_task_param(t, "mode", NULL);
		if (mode && (mode->kind != DV_STR || strcmp(mode->s, "poke") != 0))
			continue;	/* reschedule, or a mode we cannot read */
		def = dc_task_param(t, "deferrable", NULL);
		if (def && (def->kind != DV_BOOL || def->i != 0))
			continue;
		if ((to = dc_task_param(t, "timeout", NULL)) == NULL || (secs = dc_seconds(to)) < 0)
			continue;
		if (secs <= POKE_LIMIT_SECONDS)
			continue;
		duration_text(secs, buf, sizeof buf);
		dc_report(ctx, "DC303", t->line, t->col, t->dag->id, t->id,
		    "sensor '%s' waits up to %s in poke mode, holding a worker slot all along "
		    "(use mode=\"reschedule\" or deferrable=True)", rel_tid(t), buf);
	}
}

/* ---- DC304 ---------------------------------------------------------------- */

struct dyn {
	struct dc_ctx *ctx;
	const struct dc_model *m;
	const char *dag_id, *task_id;
	const char *arg;
	struct pk_buf q;
};

static const char *const dynamic_calls[] = {
	"datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today",
	"datetime.date.today", "datetime.now", "datetime.utcnow", "datetime.today",
	"pendulum.now", "pendulum.today", "pendulum.yesterday", "pendulum.tomorrow",
	"pendulum.DateTime.now", "pendulum.DateTime.utcnow", "airflow.utils.dates.days_ago",
	"airflow.utils.timezone.utcnow", "airflow.utils.timezone.now", "time.time", "uuid.uuid1",
	"uuid.uuid4", "random.random", "random.randint", "random.choice", NULL
};

static void dyn_node(struct dyn *D, const struct py_node *x, const char *arg);

static int
dyn_visit(const struct py_node *x, void *arg)
{
	struct dyn *D = arg;
	size_t i;

	if (x->kind == PY_LAMBDA)
		return 0;
	if (x->kind == PY_DICT) {
		int k;

		for (k = 0; k < x->nw; k++) {
			const struct py_node *key = k < x->nv ? x->v[k] : NULL;
			char name[80];

			if (key && key->kind == PY_CONST && key->op == PC_STR && key->n < sizeof name) {
				memcpy(name, key->s, key->n);
				name[key->n] = 0;
				dyn_node(D, x->w[k], name);
			} else {
				dyn_node(D, x->w[k], D->arg);
			}
		}
		return 0;
	}
	if (x->kind != PY_CALL || !dc_qualname(D->m, x->a, &D->q))
		return 1;
	for (i = 0; dynamic_calls[i]; i++)
		if (strcmp(D->q.p, dynamic_calls[i]) == 0) {
			const char *last = strrchr(dynamic_calls[i], '.') + 1;

			int date = strstr(D->arg, "date") != NULL;

			dc_report_once(D->ctx, "DC304", x->line, x->col, D->dag_id, NULL,
			    "%s is computed at parse time by %s(), so it changes every time the file is "
			    "parsed (%s)", D->arg, last, date ?
			    "use a fixed date such as pendulum.datetime(2024, 1, 1, tz=\"UTC\")" :
			    "compute it inside the task, or use a template such as {{ ts_nodash }}");
			break;
		}
	return 1;
}

static void
dyn_node(struct dyn *D, const struct py_node *x, const char *arg)
{
	const char *saved = D->arg;

	D->arg = arg;
	dc_walk(x, dyn_visit, D);
	D->arg = saved;
}

/* Every argument of a call, also through a name bound elsewhere in the file. */
static void
dyn_kwlist(struct dyn *D, const struct dc_kwlist *kw)
{
	int i;

	for (i = 0; i < kw->n; i++) {
		const struct dc_kw *k = &kw->v[i];

		if (k->name == NULL || strcmp(k->name, "python_callable") == 0)
			continue;
		dyn_node(D, k->node, k->name);
		if (k->val && k->val->node && k->val->node != k->node && k->node &&
		    k->node->kind == PY_NAME)
			dyn_node(D, k->val->node, k->name);
	}
}

void
dc_check_parse_time(struct dc_ctx *ctx, const struct dc_model *m)
{
	struct dyn D;
	int i, k;

	memset(&D, 0, sizeof D);
	D.ctx = ctx;
	D.m = m;
	for (i = 0; i < m->ndags; i++) {
		D.dag_id = m->dags[i]->id;
		dyn_kwlist(&D, &m->dags[i]->kw);
		for (k = 0; k < m->dags[i]->ngroups; k++)
			dyn_kwlist(&D, &m->dags[i]->groups[k]->kw);
	}
	for (i = 0; i < m->ntasks; i++) {
		D.dag_id = m->tasks[i]->dag ? m->tasks[i]->dag->id : NULL;
		dyn_kwlist(&D, &m->tasks[i]->kw);
	}
	pk_buf_release(&D.q);
}

/* ---- DAG arguments ------------------------------------------------------------ */

/* An asset (dataset) condition: Asset("x"), Dataset("x"), AssetAll/AssetAny,
 * DatasetAll/DatasetAny, an alias, or `a | b` / `a & b` of them. */
static int
asset_expr(const struct dc_model *m, const struct py_node *x, struct pk_buf *q, int depth)
{
	static const char *const names[] = { "Asset", "Dataset", "AssetAll", "AssetAny",
		"DatasetAll", "DatasetAny", "AssetAlias", "DatasetAlias", NULL };
	const char *dot;
	int i;

	if (x == NULL || depth > 50)
		return 0;
	if (x->kind == PY_BINOP && (x->op == PO_VBAR || x->op == PO_AMPER))
		return asset_expr(m, x->a, q, depth + 1) && asset_expr(m, x->b, q, depth + 1);
	if (x->kind != PY_CALL || !dc_qualname(m, x->a, q))
		return 0;
	dot = strrchr(q->p, '.');
	dot = dot ? dot + 1 : q->p;
	for (i = 0; names[i]; i++)
		if (strcmp(dot, names[i]) == 0)
			return 1;
	return 0;
}

/*
 * 1 when the schedule is known to make no time-based runs, so catchup has
 * nothing to do: None (NullTimetable), "@once" (OnceTimetable runs once at
 * start_date "regardless of catchup or not", airflow/timetables/simple.py),
 * "@continuous" (ContinuousTimetable never reads restriction.catchup), and
 * assets or datasets (a list of them, or an Asset/Dataset condition: runs
 * are made by asset events, DatasetTriggeredTimetable/AssetTriggeredTimetable).
 * DatasetOrTimeSchedule/AssetOrTimeSchedule has a timetable, so it is not.
 */
static int
no_time_schedule(const struct dc_model *m, const struct dc_dag *d, struct pk_buf *q)
{
	const char *names[] = { "schedule", "schedule_interval" };
	int i, k;

	for (i = 0; i < 2; i++) {
		const struct dc_val *v = dc_kw_get(&d->kw, names[i]);
		const struct py_node *node = NULL;

		if (v == NULL)
			continue;
		if (v->kind == DV_NONE || v->kind == DV_LIST || v->kind == DV_TUPLE || v->kind == DV_SET)
			return 1;
		if (v->kind == DV_STR)
			return strcmp(v->s, "@once") == 0 || strcmp(v->s, "@continuous") == 0;
		for (k = 0; k < d->kw.n; k++)
			if (d->kw.v[k].name && strcmp(d->kw.v[k].name, names[i]) == 0)
				node = d->kw.v[k].node;
		return asset_expr(m, node, q, 0) || asset_expr(m, v->node, q, 0);
	}
	return 0;
}

void
dc_check_catchup(struct dc_ctx *ctx, const struct dc_model *m)
{
	struct pk_buf q = PK_BUF_INIT;
	int i;

	for (i = 0; i < m->ndags; i++) {
		const struct dc_dag *d = m->dags[i];

		if (dc_kw_get(&d->kw, "catchup") != NULL || no_time_schedule(m, d, &q))
			continue;
		dc_report(ctx, "DC305", d->line, d->col, d->id, NULL,
		    "DAG '%s' leaves catchup implicit: Airflow 2 defaults to True, Airflow 3 to False "
		    "(set catchup= explicitly)", rel_did(d));
	}
	pk_buf_release(&q);
}

void
dc_check_schedule(struct dc_ctx *ctx, const struct dc_model *m)
{
	int i;

	for (i = 0; i < m->ndags; i++) {
		const struct dc_dag *d = m->dags[i];

		if (dc_kw_get(&d->kw, "schedule") || dc_kw_get(&d->kw, "schedule_interval") ||
		    dc_kw_get(&d->kw, "timetable"))
			continue;
		dc_report(ctx, "DC306", d->line, d->col, d->id, NULL,
		    "DAG '%s' gives no schedule: Airflow 2 runs it daily, Airflow 3 only when triggered "
		    "(set schedule= explicitly)", rel_did(d));
	}
}

/* ---- policy: per task, said once per DAG when no task has it ------------------- */

typedef int (*has_fn)(const struct dc_task *t);

static int
has_owner(const struct dc_task *t)
{
	const struct dc_val *v = dc_task_param(t, "owner", NULL);

	if (v == NULL)
		return 0;
	if (v->kind == DV_STR)
		return strcmp(v->s, "airflow") != 0 && v->n > 0;
	return v->kind != DV_NONE;
}

static int
has_timeout(const struct dc_task *t)
{
	const struct dc_val *v = dc_task_param(t, "execution_timeout", NULL);

	return v != NULL && v->kind != DV_NONE;
}

static void
per_task_policy(struct dc_ctx *ctx, const struct dc_model *m, const char *code, has_fn has,
    const char *what, const char *fix)
{
	int di, i;

	if (!dc_code_active(ctx, code))
		return;
	for (di = 0; di < m->ndags; di++) {
		const struct dc_dag *d = m->dags[di];
		int n = 0, missing = 0;

		for (i = 0; i < d->ntasks; i++) {
			const struct dc_task *t = d->tasks[i];

			if (!ruled(t) || dc_task_is_noop(t))
				continue;
			n++;
			if (!has(t))
				missing++;
		}
		if (missing == 0)
			continue;
		if (missing == n) {
			dc_report(ctx, code, d->line, d->col, d->id, NULL, "DAG '%s': no task has %s (%s)",
			    rel_did(d), what, fix);
			continue;
		}
		for (i = 0; i < d->ntasks; i++) {
			const struct dc_task *t = d->tasks[i];

			if (ruled(t) && !dc_task_is_noop(t) && !has(t))
				dc_report(ctx, code, t->line, t->col, d->id, t->id, "task '%s' has no %s (%s)",
				    rel_tid(t), what, fix);
		}
	}
}

void
dc_check_owner(struct dc_ctx *ctx, const struct dc_model *m)
{
	per_task_policy(ctx, m, "DC307", has_owner, "owner other than the default \"airflow\"",
	    "set owner in default_args");
}

void
dc_check_exec_timeout(struct dc_ctx *ctx, const struct dc_model *m)
{
	per_task_policy(ctx, m, "DC309", has_timeout, "execution_timeout",
	    "set execution_timeout in default_args");
}

void
dc_check_sla(struct dc_ctx *ctx, const struct dc_model *m)
{
	int di, i;

	for (di = 0; di < m->ndags; di++) {
		const struct dc_dag *d = m->dags[di];
		const struct dc_val *v;
		int found = 0;

		if (dc_kw_get(&d->kw, "deadline"))
			continue;
		for (i = 0; i < d->ntasks && !found; i++)
			if ((v = dc_task_param(d->tasks[i], "sla", NULL)) != NULL && v->kind != DV_NONE)
				found = 1;
		if (found)
			continue;
		dc_report(ctx, "DC308", d->line, d->col, d->id, NULL,
		    "DAG '%s' has no SLA or deadline (set deadline= on the DAG in Airflow 3, sla= on a "
		    "task in Airflow 2)", rel_did(d));
	}
}

void
dc_check_callback(struct dc_ctx *ctx, const struct dc_model *m)
{
	int di;

	for (di = 0; di < m->ndags; di++) {
		const struct dc_dag *d = m->dags[di];
		const struct dc_val *v = dc_kw_get(&d->kw, "on_failure_callback");

		if (v && v->kind != DV_NONE)
			continue;
		if (d->default_args && (v = dc_dict_get(d->default_args, "on_failure_callback")) != NULL &&
		    v->kind != DV_NONE)
			continue;
		dc_report(ctx, "DC310", d->line, d->col, d->id, NULL,
		    "DAG '%s' has no on_failure_callback on the DAG or in its default_args", rel_did(d));
	}
}

/* ---- DC311 -------------------------------------------------------------------- */

static const struct dc_pool *
find_pool(const struct dc_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->npools; i++)
		if (strcmp(cfg->pools[i].name, name) == 0)
			return &cfg->pools[i];
	return NULL;
}

void
dc_check_pools(struct dc_ctx *ctx, const struct dc_model *m)
{
	const struct dc_config *cfg = ctx->cfg;
	int i;

	if (cfg == NULL || cfg->pools_file == NULL)
		return;
	for (i = 0; i < m->ntasks; i++) {
		const struct dc_task *t = m->tasks[i];
		const struct dc_val *pv, *sv;
		const struct dc_pool *p;
		const char *name;

		if (!ruled(t))
			continue;
		pv = dc_task_param(t, "pool", NULL);
		if (pv == NULL || pv->kind == DV_NONE) {
			name = "default_pool";
		} else if (pv->kind == DV_STR && !dc_templated(pv->s)) {
			name = pv->s;
		} else {
			continue;
		}
		p = find_pool(cfg, name);
		if (p == NULL) {
			/* every Airflow has default_pool; a file without it says nothing of it */
			if (strcmp(name, "default_pool") != 0)
				dc_report(ctx, "DC311", t->line, t->col, t->dag->id, t->id,
				    "task '%s' uses pool '%s', which is not in %s", rel_tid(t), name,
				    cfg->pools_file);
			continue;
		}
		sv = dc_task_param(t, "pool_slots", NULL);
		if (sv && sv->kind == DV_INT && p->slots >= 0 && sv->i > p->slots)
			dc_report(ctx, "DC311", t->line, t->col, t->dag->id, t->id,
			    "task '%s' takes pool_slots=%lld but pool '%s' has %lld slots: it can never run",
			    rel_tid(t), sv->i, name, p->slots);
	}
}
