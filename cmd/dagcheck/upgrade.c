/*
 * upgrade - DC701-DC708: what an Airflow 2 DAG file must change to run on
 * Airflow 3 (the 3.0 release notes' removals and renames; ruff's AIR3 rules
 * cover the same ground for teams that run ruff).
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/dagcheck/checks.h"

static int
up_starts(const char *s, const char *pre)
{
	return strncmp(s, pre, strlen(pre)) == 0;
}

static int
up_ends(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

static int
any_active(struct dc_ctx *ctx, const char *const *codes)
{
	for (; *codes; codes++)
		if (dc_code_active(ctx, *codes))
			return 1;
	return 0;
}

/* Where argument name of a call was written: the keyword, else its value. */
static void
arg_pos(const struct dc_kwlist *kw, const struct py_node *call, const char *name, int *line, int *col)
{
	const struct py_node *k = dc_call_kw(call, name);
	int i;

	if (k) {
		*line = k->line;
		*col = k->col;
		return;
	}
	for (i = kw->n - 1; i >= 0; i--)
		if (kw->v[i].name && strcmp(kw->v[i].name, name) == 0 && kw->v[i].node) {
			*line = kw->v[i].node->line;
			*col = kw->v[i].node->col;
			return;
		}
	*line = call ? call->line : 1;
	*col = call ? call->col : 1;
}

static int
has_kw(const struct dc_kwlist *kw, const char *name)
{
	int i;

	for (i = 0; i < kw->n; i++)
		if (kw->v[i].name && strcmp(kw->v[i].name, name) == 0)
			return 1;
	return 0;
}

/* Renamed or removed arguments (DC707) and the SLA arguments (DC706). */
struct renamed {
	const char *name, *code, *msg;
	int dag, task;		/* where it applies */
};

static const struct renamed renames[] = {
	{ "concurrency", "DC707", "DAG argument 'concurrency' is 'max_active_tasks' in Airflow 3", 1, 0 },
	{ "fail_stop", "DC707", "DAG argument 'fail_stop' is 'fail_fast' in Airflow 3", 1, 0 },
	{ "schedule_interval", "DC701", "'schedule_interval' is removed in Airflow 3 (use schedule=)", 1, 0 },
	{ "timetable", "DC701", "'timetable' is removed in Airflow 3 (pass the timetable as schedule=)", 1, 0 },
	{ "sla_miss_callback", "DC706",
	  "'sla_miss_callback' is ignored by Airflow 3 (use deadline alerts: DAG(deadline=...))", 1, 0 },
	{ "task_concurrency", "DC707", "'task_concurrency' is 'max_active_tis_per_dag' in Airflow 3", 0, 1 },
	{ "provide_context", "DC707",
	  "'provide_context' is removed in Airflow 3 (the context is passed to **kwargs as is)", 0, 1 },
	{ "execution_date", "DC707", "'execution_date=' is 'logical_date=' in Airflow 3", 0, 1 },
	{ "sla", "DC706", "'sla' is ignored by Airflow 3 (use deadline alerts: DAG(deadline=...))", 0, 1 },
	{ NULL, NULL, NULL, 0, 0 }
};

static void
kw_renames(struct dc_ctx *ctx, const struct dc_kwlist *kw, const struct py_node *call, int is_dag,
    const char *dag_id, const char *task_id)
{
	int i, line, col;

	for (i = 0; renames[i].name; i++) {
		if (!(is_dag ? renames[i].dag : renames[i].task) || !has_kw(kw, renames[i].name))
			continue;
		arg_pos(kw, call, renames[i].name, &line, &col);
		dc_report_once(ctx, renames[i].code, line, col, dag_id, task_id, "%s", renames[i].msg);
	}
}

/* default_args keys apply to tasks */
static void
dict_renames(struct dc_ctx *ctx, const struct dc_val *d, const char *dag_id)
{
	int i, k;

	if (d == NULL || d->kind != DV_DICT)
		return;
	for (i = 0; i < d->nitems; i++) {
		const struct dc_val *key = d->keys[i];

		if (key->kind != DV_STR || key->node == NULL)
			continue;
		for (k = 0; renames[k].name; k++)
			if (renames[k].task && strcmp(key->s, renames[k].name) == 0)
				dc_report_once(ctx, renames[k].code, key->node->line, key->node->col, dag_id, NULL,
				    "%s (in default_args)", renames[k].msg);
	}
}

static const char *
removed_rule(const char *s)
{
	if (strcmp(s, "dummy") == 0)
		return "'dummy' trigger rule is removed in Airflow 3 (use 'always')";
	if (strcmp(s, "none_failed_or_skipped") == 0)
		return "'none_failed_or_skipped' trigger rule is removed in Airflow 3 "
		    "(use 'none_failed_min_one_success')";
	return NULL;
}

struct trv {
	struct dc_ctx *ctx;
	const struct dc_model *m;
	struct pk_buf q;
};

static int
rule_attr_visit(const struct py_node *x, void *arg)
{
	struct trv *T = arg;
	const char *msg;

	if (x->kind == PY_ATTR && ((x->n == 5 && memcmp(x->s, "DUMMY", 5) == 0) ||
	    (x->n == 22 && memcmp(x->s, "NONE_FAILED_OR_SKIPPED", 22) == 0)) &&
	    dc_qualname(T->m, x->a, &T->q) && up_ends(T->q.p, "TriggerRule")) {
		msg = removed_rule(x->n == 5 ? "dummy" : "none_failed_or_skipped");
		dc_report_once(T->ctx, "DC708", x->line, x->col, NULL, NULL, "%s", msg);
		return 0;
	}
	if (x->kind == PY_KEYWORD && x->s && x->n == 12 && memcmp(x->s, "trigger_rule", 12) == 0 && x->a &&
	    x->a->kind == PY_CONST && x->a->op == PC_STR && (msg = removed_rule(x->a->s)) != NULL)
		dc_report_once(T->ctx, "DC708", x->a->line, x->a->col, NULL, NULL, "%s", msg);
	if (x->kind == PY_DICT) {
		int i;

		for (i = 0; i < x->nv && i < x->nw; i++)
			if (x->v[i] && x->v[i]->kind == PY_CONST && x->v[i]->n == 12 &&
			    memcmp(x->v[i]->s, "trigger_rule", 12) == 0 && x->w[i]->kind == PY_CONST &&
			    x->w[i]->op == PC_STR && (msg = removed_rule(x->w[i]->s)) != NULL)
				dc_report_once(T->ctx, "DC708", x->w[i]->line, x->w[i]->col, NULL, NULL, "%s", msg);
	}
	return 1;
}

void
dc_check_af3_args(struct dc_ctx *ctx, const struct dc_model *m)
{
	static const char *const codes[] = { "DC701", "DC706", "DC707", "DC708", NULL };
	struct trv T;
	int i, k;

	if (!any_active(ctx, codes))
		return;
	for (i = 0; i < m->ndags; i++) {
		const struct dc_dag *d = m->dags[i];

		kw_renames(ctx, &d->kw, d->call, 1, d->id, NULL);
		dict_renames(ctx, d->default_args, d->id);
		for (k = 0; k < d->ngroups; k++)
			dict_renames(ctx, d->groups[k]->default_args, d->id);
	}
	for (i = 0; i < m->ntasks; i++) {
		const struct dc_task *t = m->tasks[i];
		const char *dag_id = t->dag ? t->dag->id : NULL;
		const struct py_node *call = (t->flags & DT_DECORATED) && t->func ? t->func->deco_node : t->call;

		kw_renames(ctx, &t->kw, call, 0, dag_id, t->id);
		dict_renames(ctx, dc_kw_get(&t->kw, "default_args"), dag_id);
		{
			const struct dc_val *tr = dc_task_param(t, "trigger_rule", NULL);
			const char *msg;

			if (tr && tr->kind == DV_STR && tr->node && (msg = removed_rule(tr->s)) != NULL)
				dc_report_once(ctx, "DC708", tr->node->line, tr->node->col, dag_id, NULL, "%s", msg);
		}
	}
	memset(&T, 0, sizeof T);
	T.ctx = ctx;
	T.m = m;
	dc_walk(m->parse.module, rule_attr_visit, &T);
	pk_buf_release(&T.q);
}

void
dc_check_af3_tasks(struct dc_ctx *ctx, const struct dc_model *m)
{
	int i;

	for (i = 0; i < m->ntasks; i++) {
		const struct dc_task *t = m->tasks[i];
		const char *dag_id = t->dag ? t->dag->id : NULL;

		if (strcmp(t->op, "DummyOperator") == 0)
			dc_report(ctx, "DC702", t->line, t->col, dag_id, t->id,
			    "DummyOperator is removed in Airflow 3 (use EmptyOperator)");
		else if (strcmp(t->op, "SubDagOperator") == 0)
			dc_report(ctx, "DC703", t->line, t->col, dag_id, t->id,
			    "SubDagOperator is removed in Airflow 3 (use a TaskGroup, or a separate DAG "
			    "triggered with TriggerDagRunOperator)");
	}
}

struct dav {
	struct dc_ctx *ctx;
	const struct dc_model *m;
	struct pk_buf q;
};

static int
days_ago_visit(const struct py_node *x, void *arg)
{
	struct dav *D = arg;

	if (x->kind == PY_CALL && dc_qualname(D->m, x->a, &D->q) && up_starts(D->q.p, "airflow") &&
	    up_ends(D->q.p, ".days_ago"))
		dc_report_once(D->ctx, "DC704", x->line, x->col, NULL, NULL,
		    "days_ago() is removed in Airflow 3 (use a fixed date: pendulum.datetime(2024, 1, 1, "
		    "tz=\"UTC\"))");
	return 1;
}

void
dc_check_af3_calls(struct dc_ctx *ctx, const struct dc_model *m)
{
	struct dav D;

	if (!dc_code_active(ctx, "DC704"))
		return;
	memset(&D, 0, sizeof D);
	D.ctx = ctx;
	D.m = m;
	dc_walk(m->parse.module, days_ago_visit, &D);
	pk_buf_release(&D.q);
}

/*
 * Modules that Airflow 3 removed or moved (the 3.0 release notes: core
 * operators, sensors and hooks moved to apache-airflow-providers-standard;
 * 1.10-style *_operator modules and airflow.contrib removed; datasets
 * renamed to assets). A NULL replacement means removed outright.
 */
static const struct { const char *module, *use; } moved[] = {
	{ "airflow.operators.dummy", "airflow.providers.standard.operators.empty (EmptyOperator)" },
	{ "airflow.operators.subdag", NULL },
	{ "airflow.operators.bash", "airflow.providers.standard.operators.bash" },
	{ "airflow.operators.python", "airflow.providers.standard.operators.python" },
	{ "airflow.operators.empty", "airflow.providers.standard.operators.empty" },
	{ "airflow.operators.trigger_dagrun", "airflow.providers.standard.operators.trigger_dagrun" },
	{ "airflow.operators.latest_only", "airflow.providers.standard.operators.latest_only" },
	{ "airflow.operators.datetime", "airflow.providers.standard.operators.datetime" },
	{ "airflow.operators.weekday", "airflow.providers.standard.operators.weekday" },
	{ "airflow.operators.branch", "airflow.providers.standard.operators.branch" },
	{ "airflow.operators.email", "airflow.providers.smtp.operators.smtp" },
	{ "airflow.sensors.external_task", "airflow.providers.standard.sensors.external_task" },
	{ "airflow.sensors.filesystem", "airflow.providers.standard.sensors.filesystem" },
	{ "airflow.sensors.time_delta", "airflow.providers.standard.sensors.time_delta" },
	{ "airflow.sensors.time_sensor", "airflow.providers.standard.sensors.time" },
	{ "airflow.sensors.date_time", "airflow.providers.standard.sensors.date_time" },
	{ "airflow.sensors.weekday", "airflow.providers.standard.sensors.weekday" },
	{ "airflow.sensors.bash", "airflow.providers.standard.sensors.bash" },
	{ "airflow.sensors.python", "airflow.providers.standard.sensors.python" },
	{ "airflow.sensors.base", "airflow.sdk (BaseSensorOperator)" },
	{ "airflow.hooks.base", "airflow.sdk (BaseHook)" },
	{ "airflow.datasets", "airflow.sdk (Dataset is now Asset)" },
	{ NULL, NULL }
};

void
dc_check_af3_imports(struct dc_ctx *ctx, const struct dc_model *m)
{
	int i;
	size_t k;

	if (!dc_code_active(ctx, "DC705"))
		return;
	for (i = 0; i < m->nimports; i++) {
		const struct dc_import *im = &m->imports[i];
		const char *mod = im->module, *last;

		if (!up_starts(mod, "airflow"))
			continue;
		if (im->name && strcmp(im->name, "days_ago") == 0)
			continue;	/* DC704 says it where it is called */
		last = strrchr(mod, '.');
		last = last ? last + 1 : mod;
		if (up_starts(mod, "airflow.contrib") &&
		    (mod[15] == 0 || mod[15] == '.')) {
			dc_report_once(ctx, "DC705", im->line, im->col, NULL, NULL,
			    "'%s' is removed in Airflow 3 (import from the provider packages)", mod);
			continue;
		}
		if ((up_starts(mod, "airflow.operators.") && up_ends(last, "_operator")) ||
		    (up_starts(mod, "airflow.sensors.") && up_ends(last, "_sensor") && strcmp(last, "time_sensor") != 0) ||
		    (up_starts(mod, "airflow.hooks.") && up_ends(last, "_hook"))) {
			dc_report_once(ctx, "DC705", im->line, im->col, NULL, NULL,
			    "'%s' (an Airflow 1.10 module) is removed in Airflow 3", mod);
			continue;
		}
		for (k = 0; moved[k].module; k++) {
			size_t ml = strlen(moved[k].module);

			if (strncmp(mod, moved[k].module, ml) != 0 || (mod[ml] != 0 && mod[ml] != '.'))
				continue;
			if (moved[k].use)
				dc_report_once(ctx, "DC705", im->line, im->col, NULL, NULL,
				    "'%s' moved in Airflow 3: import from %s", mod, moved[k].use);
			else
				dc_report_once(ctx, "DC705", im->line, im->col, NULL, NULL,
				    "'%s' is removed in Airflow 3", mod);
			break;
		}
	}
}
