/*
 * rules - the rule table and the structure (DC0xx, DC1xx) and cross-DAG
 * (DC2xx) rules over extracted models.
 */
#include "cmd/dagcheck/rules.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/dagcheck/checks.h"
#include "cmd/dagcheck/pytok.h"
#include "lib/buf.h"

static void check_syntax(struct dc_ctx *ctx, const struct dc_model *m);
static void check_no_dag(struct dc_ctx *ctx, const struct dc_model *m);
static void check_cycles(struct dc_ctx *ctx, const struct dc_model *m);
static void check_dup_tasks(struct dc_ctx *ctx, const struct dc_model *m);
static void check_events(struct dc_ctx *ctx, const struct dc_model *m);
static void check_outside(struct dc_ctx *ctx, const struct dc_model *m);
static void check_dup_edges(struct dc_ctx *ctx, const struct dc_model *m);
static void check_branch_join(struct dc_ctx *ctx, const struct dc_model *m);
static void check_ids(struct dc_ctx *ctx, const struct dc_model *m);
static void check_var_names(struct dc_ctx *ctx, const struct dc_model *m);

/* The codes and default severities are DESIGN.md's; never renumber. */
const struct dc_rule dc_rules[] = {
	{ "DC001", DS_ERROR, "syntax-error", "file cannot be tokenized or parsed", check_syntax, 0 },
	{ "DC002", DS_INFO, "no-dag-found", "file mentions airflow and DAG but no DAG could be found",
	  check_no_dag, 0 },
	{ "DC101", DS_ERROR, "dependency-cycle", "cycle in task dependencies", check_cycles, 0 },
	{ "DC102", DS_ERROR, "duplicate-task-id", "duplicate task_id in one DAG", check_dup_tasks, 0 },
	{ "DC103", DS_ERROR, "dependency-on-non-task", "dependency on a name that is no task",
	  check_events, 0 },
	{ "DC104", DS_ERROR, "duplicate-dag-id", "duplicate dag_id, in one file or across files", NULL, 0 },
	{ "DC105", DS_ERROR, "task-outside-dag", "task created outside any DAG", check_outside, 0 },
	{ "DC106", DS_WARNING, "duplicate-dependency", "the same dependency declared twice",
	  check_dup_edges, 0 },
	{ "DC107", DS_WARNING, "branch-join-skipped",
	  "join downstream of a branch whose trigger_rule will skip it", check_branch_join, 0 },
	{ "DC108", DS_ERROR, "invalid-id", "dag_id/task_id/group_id not matching ^[\\w.-]+$ or over 250 chars",
	  check_ids, 0 },
	{ "DC109", DS_ERROR, "list-dependency", "chain() of lists with unequal lengths; list >> list",
	  NULL, 0 },
	{ "DC110", DS_INFO, "variable-task-id-mismatch", "task variable name differs from its task_id",
	  check_var_names, 0 },
	{ "DC201", DS_ERROR, "external-dag-not-found",
	  "ExternalTaskSensor/Marker names a dag_id found in no given path", NULL, 0 },
	{ "DC202", DS_ERROR, "external-task-not-found",
	  "ExternalTaskSensor/Marker names a task_id or task group absent from that DAG", NULL, 0 },
	{ "DC203", DS_ERROR, "trigger-dag-not-found",
	  "TriggerDagRunOperator targets a dag_id found in no given path", NULL, 0 },
	{ "DC204", DS_ERROR, "cross-dag-cycle", "cycle across DAGs through sensors and triggers", NULL, 0 },
	{ "DC301", DS_WARNING, "no-retries", "task with no retries", dc_check_retries, 0 },
	{ "DC302", DS_WARNING, "sensor-without-timeout", "sensor without timeout (the default is 7 days)",
	  dc_check_sensor_timeout, 0 },
	{ "DC303", DS_WARNING, "sensor-poke-long-wait",
	  "sensor in poke mode with a long timeout (use reschedule or deferrable)", dc_check_sensor_poke, 0 },
	{ "DC304", DS_ERROR, "parse-time-value",
	  "start_date or other DAG/task arguments computed at parse time", dc_check_parse_time, 0 },
	{ "DC305", DS_WARNING, "implicit-catchup", "catchup left implicit (its default differs between "
	  "Airflow 2 and 3)", dc_check_catchup, 0 },
	{ "DC306", DS_WARNING, "no-schedule", "no schedule given (its default differs between Airflow 2 "
	  "and 3)", dc_check_schedule, 0 },
	{ "DC307", DS_ERROR, "no-owner", "no owner, or the default owner \"airflow\"", dc_check_owner,
	  DR_POLICY },
	{ "DC308", DS_ERROR, "no-sla", "no SLA or deadline", dc_check_sla, DR_POLICY },
	{ "DC309", DS_ERROR, "no-execution-timeout", "no execution_timeout", dc_check_exec_timeout,
	  DR_POLICY },
	{ "DC310", DS_ERROR, "no-failure-callback", "no on_failure_callback on the DAG or its default_args",
	  dc_check_callback, DR_POLICY },
	{ "DC311", DS_ERROR, "unknown-pool", "pool not in --pools FILE; pool_slots above the pool's slots",
	  dc_check_pools, 0 },
	{ "DC401", DS_ERROR, "hard-coded-credential",
	  "hard-coded credential in a keyword or dict value", dc_check_credentials, 0 },
	{ "DC402", DS_ERROR, "credentials-in-uri", "credentials inside a URI (scheme://user:pass@host)",
	  dc_check_secret_strings, 0 },
	{ "DC403", DS_ERROR, "key-material", "key material by pattern (AWS keys, private keys, GitHub/Slack "
	  "tokens)", NULL, 0 },
	{ "DC404", DS_WARNING, "top-level-connection",
	  "Connection / get_connection / hook construction at module top level", dc_check_top_level, 0 },
	{ "DC501", DS_ERROR, "unbalanced-jinja", "unbalanced Jinja ({{/}}, {%/%}) in a string",
	  dc_check_jinja, 0 },
	{ "DC502", DS_WARNING, "unknown-template-variable",
	  "template variable unknown to Airflow's context, params or macros", NULL, 0 },
	{ "DC503", DS_WARNING, "removed-template-variable",
	  "template variable removed in Airflow 3 (execution_date, prev_ds, next_ds, ...)", NULL, DR_AF3 },
	{ "DC601", DS_WARNING, "top-level-variable-get", "Variable.get at module top level", NULL, 0 },
	{ "DC602", DS_WARNING, "top-level-io", "network, database or file reads at module top level", NULL,
	  0 },
	{ "DC603", DS_INFO, "heavy-import", "heavy import at module top level (pandas, numpy, torch, ...)",
	  dc_check_heavy_imports, 0 },
	{ "DC701", DS_WARNING, "schedule-interval", "schedule_interval / timetable (use schedule)",
	  dc_check_af3_args, DR_AF3 },
	{ "DC702", DS_WARNING, "dummy-operator", "DummyOperator (use EmptyOperator)", dc_check_af3_tasks,
	  DR_AF3 },
	{ "DC703", DS_ERROR, "subdag-operator", "SubDagOperator (removed in Airflow 3)", NULL, DR_AF3 },
	{ "DC704", DS_WARNING, "days-ago", "days_ago (removed in Airflow 3)", dc_check_af3_calls, DR_AF3 },
	{ "DC705", DS_WARNING, "moved-import", "import path removed or moved in Airflow 3",
	  dc_check_af3_imports, DR_AF3 },
	{ "DC706", DS_WARNING, "sla-argument", "sla / sla_miss_callback (ignored by Airflow 3; use deadline "
	  "alerts)", NULL, DR_AF3 },
	{ "DC707", DS_WARNING, "renamed-argument", "renamed argument: concurrency, task_concurrency, "
	  "provide_context, fail_stop, execution_date=", NULL, DR_AF3 },
	{ "DC708", DS_WARNING, "removed-trigger-rule", "removed trigger rule: dummy, none_failed_or_skipped",
	  NULL, DR_AF3 },
};
const size_t dc_nrules = sizeof dc_rules / sizeof dc_rules[0];

/* ---- configuration ------------------------------------------------------ */

const struct dc_rule *
dc_rule_find(const char *code)
{
	size_t i;

	for (i = 0; i < dc_nrules; i++)
		if (strcmp(dc_rules[i].code, code) == 0)
			return &dc_rules[i];
	return NULL;
}

int
dc_code_known(const char *prefix)
{
	size_t i, n = strlen(prefix);

	if (strcasecmp(prefix, "ALL") == 0)
		return 1;	/* every rule, as in ruff */

	for (i = 0; n > 0 && i < dc_nrules; i++)
		if (strncasecmp(dc_rules[i].code, prefix, n) == 0)
			return 1;
	return 0;
}

/* How specific the longest entry of list that covers code is: its length,
 * 0 for ALL, -1 when none does. */
static long
match_len(char **list, size_t n, const char *code)
{
	long best = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		size_t len = strlen(list[i]);

		if (strcasecmp(list[i], "ALL") == 0) {
			if (best < 0)
				best = 0;
		} else if (strncasecmp(code, list[i], len) == 0 && (long)len > best) {
			best = (long)len;
		}
	}
	return best;
}

int
dc_rule_enabled(const struct dc_config *cfg, const char *code)
{
	long sel, ign;

	if (cfg == NULL)
		return 1;
	/* As in ruff: the more specific of --select and --ignore wins
	 * (--select DC301 --ignore DC3 keeps DC301), --ignore on a tie;
	 * no --select selects everything, least specifically. */
	sel = cfg->nselect ? match_len(cfg->select, cfg->nselect, code) : 0;
	if (sel < 0)
		return 0;
	ign = match_len(cfg->ignore, cfg->nignore, code);
	return sel > ign;
}

enum dc_sev
dc_rule_severity(const struct dc_config *cfg, const char *code)
{
	const struct dc_rule *r = dc_rule_find(code);
	size_t i;

	if (cfg)
		for (i = cfg->nsevs; i > 0; i--)
			if (strncasecmp(code, cfg->sevs[i - 1].code, strlen(cfg->sevs[i - 1].code)) == 0)
				return cfg->sevs[i - 1].sev;
	/* --require retries makes a task without retries a policy breach */
	if (cfg && (cfg->require & DQ_RETRIES) && strcmp(code, "DC301") == 0)
		return DS_ERROR;
	return r ? r->sev : DS_ERROR;
}

const char *
dc_sev_name(enum dc_sev s)
{
	return s == DS_ERROR ? "error" : s == DS_WARNING ? "warning" : s == DS_INFO ? "info" : "never";
}

int
dc_sev_parse(const char *s, enum dc_sev *out)
{
	if (strcmp(s, "error") == 0)
		*out = DS_ERROR;
	else if (strcmp(s, "warning") == 0)
		*out = DS_WARNING;
	else if (strcmp(s, "info") == 0)
		*out = DS_INFO;
	else if (strcmp(s, "never") == 0)
		*out = DS_NEVER;
	else
		return -1;
	return 0;
}

/* ---- findings ------------------------------------------------------------ */

static char *
xvasprintf(const char *fmt, va_list ap)
{
	struct pk_buf b = PK_BUF_INIT;

	pk_buf_vprintf(&b, fmt, ap);
	return pk_buf_detach(&b, NULL);
}

static int
noqa_line(const struct dc_registry *reg, size_t file_index, int line, const char *code)
{
	size_t i;

	for (i = reg->nnoqa; i > 0; i--) {
		const struct dc_noqa *q = &reg->noqa[i - 1];
		const char *p;

		if (q->file_index != file_index || q->line != line)
			continue;
		if (strcmp(q->codes, "*") == 0)
			return 1;
		if ((p = strstr(q->codes, code)) != NULL)
			return 1;
	}
	return 0;
}

static int
noqa_covers(const struct dc_registry *reg, size_t file_index, int line, const char *code)
{
	size_t i;

	if (reg == NULL)
		return 0;
	if (noqa_line(reg, file_index, line, code))
		return 1;
	/* a line inside a multi-line string takes the noqa of the string's last line */
	for (i = reg->nspans; i > 0; i--) {
		const struct dc_span *sp = &reg->spans[i - 1];

		if (sp->file_index != file_index)
			break;
		if (line >= sp->first && line < sp->last)
			return noqa_line(reg, file_index, sp->last, code);
	}
	return 0;
}

/* Rules that fire only when asked for: policy rules by --require, Airflow 3
 * rules for files checked against Airflow 3. */
static int
rule_wanted(const struct dc_ctx *ctx, const struct dc_rule *r)
{
	unsigned need = 0;

	if (r == NULL)
		return 1;
	if ((r->flags & DR_AF3) && !ctx->af3)
		return 0;
	if (!(r->flags & DR_POLICY))
		return 1;
	if (strcmp(r->code, "DC307") == 0)
		need = DQ_OWNER;
	else if (strcmp(r->code, "DC308") == 0)
		need = DQ_SLA;
	else if (strcmp(r->code, "DC309") == 0)
		need = DQ_TIMEOUT;
	else if (strcmp(r->code, "DC310") == 0)
		need = DQ_CALLBACK;
	return ctx->cfg && (ctx->cfg->require & need);
}

int
dc_code_active(const struct dc_ctx *ctx, const char *code)
{
	return dc_rule_enabled(ctx->cfg, code) && rule_wanted(ctx, dc_rule_find(code));
}

struct dc_finding *
dc_report(struct dc_ctx *ctx, const char *code, int line, int col, const char *dag_id,
    const char *task_id, const char *fmt, ...)
{
	struct dc_findings *out = ctx->out;
	struct dc_finding *f;
	va_list ap;

	if (!dc_code_active(ctx, code) || noqa_covers(ctx->reg, ctx->file_index, line, code))
		return NULL;
	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 64;
		out->v = pk_xrealloc(out->v, out->cap * sizeof *out->v);
	}
	f = &out->v[out->n++];
	memset(f, 0, sizeof *f);
	f->code = dc_rule_find(code) ? dc_rule_find(code)->code : code;
	f->sev = dc_rule_severity(ctx->cfg, code);
	f->file = ctx->file;
	f->file_index = ctx->file_index;
	f->line = line;
	f->col = col;
	f->dag_id = dag_id ? pk_xstrdup(dag_id) : NULL;
	f->task_id = task_id ? pk_xstrdup(task_id) : NULL;
	va_start(ap, fmt);
	f->msg = xvasprintf(fmt, ap);
	va_end(ap);
	return f;
}

struct dc_finding *
dc_report_once(struct dc_ctx *ctx, const char *code, int line, int col, const char *dag_id,
    const char *task_id, const char *fmt, ...)
{
	struct pk_buf b = PK_BUF_INIT;
	struct dc_finding *f;
	va_list ap;
	size_t i;

	if (!dc_code_active(ctx, code))
		return NULL;
	va_start(ap, fmt);
	pk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	for (i = ctx->out->n; i > 0; i--) {
		const struct dc_finding *g = &ctx->out->v[i - 1];

		if (g->file_index != ctx->file_index)
			break;
		if (g->line == line && g->col == col && strcmp(g->code, code) == 0 &&
		    strcmp(g->msg, b.p ? b.p : "") == 0) {
			pk_buf_release(&b);
			return NULL;
		}
	}
	f = dc_report(ctx, code, line, col, dag_id, task_id, "%s", b.p ? b.p : "");
	pk_buf_release(&b);
	return f;
}

void
dc_finding_related(struct dc_finding *f, const char *file, int line, int col, const char *fmt, ...)
{
	va_list ap;
	struct dc_loc *l;

	if (f == NULL || f->nrelated >= DC_MAX_RELATED)
		return;
	l = &f->related[f->nrelated++];
	l->file = file;
	l->line = line;
	l->col = col;
	va_start(ap, fmt);
	l->msg = xvasprintf(fmt, ap);
	va_end(ap);
}

static int
cmp_finding(const void *a, const void *b)
{
	const struct dc_finding *x = a, *y = b;

	if (x->file_index != y->file_index)
		return x->file_index < y->file_index ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return strcmp(x->code, y->code);
}

void
dc_findings_sort(struct dc_findings *f)
{
	if (f->n > 1)
		qsort(f->v, f->n, sizeof *f->v, cmp_finding);
}

void
dc_findings_release(struct dc_findings *f)
{
	size_t i;
	int k;

	for (i = 0; i < f->n; i++) {
		free(f->v[i].dag_id);
		free(f->v[i].task_id);
		free(f->v[i].msg);
		for (k = 0; k < f->v[i].nrelated; k++)
			free(f->v[i].related[k].msg);
	}
	free(f->v);
	memset(f, 0, sizeof *f);
}

/* ---- per-file rules -------------------------------------------------------- */

static const char *
tid(const struct dc_task *t)
{
	return t->id ? t->id : "?";
}

static void
check_syntax(struct dc_ctx *ctx, const struct dc_model *m)
{
	if (m->parsed)
		return;
	dc_report(ctx, "DC001", m->parse.err_line > 0 ? m->parse.err_line : 1,
	    m->parse.err_col > 0 ? m->parse.err_col : 1, NULL, NULL, "syntax error: %s",
	    m->parse.err_msg);
}

static void
check_no_dag(struct dc_ctx *ctx, const struct dc_model *m)
{
	if (!m->parsed || !m->dag_file || m->ndags > 0)
		return;
	dc_report(ctx, "DC002", 1, 1, NULL, NULL,
	    "file mentions airflow and DAG but no DAG was found (a @dag function must be called)");
}

/* Compact adjacency of a DAG's distinct edges (CSR). */
struct adj {
	int n;
	int *start;		/* n + 1 */
	int *to;
	const struct dc_edge **edge;
	int *rstart;		/* reverse */
	int *rfrom;
};

static void
adj_build(struct adj *a, const struct dc_dag *d)
{
	int i, k, *fill;

	a->n = d->ntasks;
	a->start = pk_xcalloc((size_t)d->ntasks + 1, sizeof *a->start);
	a->rstart = pk_xcalloc((size_t)d->ntasks + 1, sizeof *a->rstart);
	a->to = pk_xcalloc((size_t)d->nedges + 1, sizeof *a->to);
	a->rfrom = pk_xcalloc((size_t)d->nedges + 1, sizeof *a->rfrom);
	a->edge = pk_xcalloc((size_t)d->nedges + 1, sizeof *a->edge);
	for (i = 0; i < d->nedges; i++) {
		a->start[d->edges[i].from->index + 1]++;
		a->rstart[d->edges[i].to->index + 1]++;
	}
	for (i = 0; i < d->ntasks; i++) {
		a->start[i + 1] += a->start[i];
		a->rstart[i + 1] += a->rstart[i];
	}
	fill = pk_xcalloc((size_t)d->ntasks + 1, sizeof *fill);
	for (i = 0; i < d->nedges; i++) {
		int f = d->edges[i].from->index;

		k = a->start[f] + fill[f]++;
		a->to[k] = d->edges[i].to->index;
		a->edge[k] = &d->edges[i];
	}
	memset(fill, 0, ((size_t)d->ntasks + 1) * sizeof *fill);
	for (i = 0; i < d->nedges; i++) {
		int t = d->edges[i].to->index;

		a->rfrom[a->rstart[t] + fill[t]++] = d->edges[i].from->index;
	}
	free(fill);
}

static void
adj_free(struct adj *a)
{
	free(a->start);
	free(a->to);
	free(a->edge);
	free(a->rstart);
	free(a->rfrom);
}

static void
check_cycles(struct dc_ctx *ctx, const struct dc_model *m)
{
	int di;

	for (di = 0; di < m->ndags; di++) {
		const struct dc_dag *d = m->dags[di];
		struct adj a;
		int *color, *stack, *pos, *reported, sp, root;

		if (d->nedges == 0)
			continue;
		adj_build(&a, d);
		color = pk_xcalloc((size_t)d->ntasks, sizeof *color);
		stack = pk_xcalloc((size_t)d->ntasks, sizeof *stack);
		pos = pk_xcalloc((size_t)d->ntasks, sizeof *pos);
		reported = pk_xcalloc((size_t)d->ntasks, sizeof *reported);
		for (root = 0; root < d->ntasks; root++) {
			if (color[root])
				continue;
			sp = 0;
			stack[sp++] = root;
			color[root] = 1;
			pos[root] = a.start[root];
			while (sp > 0) {
				int u = stack[sp - 1];

				if (pos[u] < a.start[u + 1]) {
					int k = pos[u]++, v = a.to[k];

					if (color[v] == 0) {
						color[v] = 1;
						pos[v] = a.start[v];
						stack[sp++] = v;
					} else if (color[v] == 1 && !reported[v]) {
						/* back edge u -> v: the cycle is v .. u on the stack */
						struct pk_buf b = PK_BUF_INIT;
						const struct dc_edge *e = a.edge[k];
						int s = sp - 1, j;

						while (stack[s] != v)
							s--;
						for (j = s; j < sp; j++) {
							pk_buf_printf(&b, "%s -> ", tid(d->tasks[stack[j]]));
							reported[stack[j]] = 1;
						}
						pk_buf_adds(&b, tid(d->tasks[v]));
						dc_report(ctx, "DC101", e->line, e->col, d->id, d->tasks[v]->id,
						    "cycle in task dependencies: %s", b.p);
						pk_buf_release(&b);
					}
				} else {
					color[u] = 2;
					sp--;
				}
			}
		}
		free(color);
		free(stack);
		free(pos);
		free(reported);
		adj_free(&a);
	}
}

struct id_at {
	const char *id;
	int i;
};

static int
cmp_id_at(const void *a, const void *b)
{
	const struct id_at *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* The first of the entries with key's id in v[0..n), sorted by cmp_id_at; NULL if none. */
static const struct id_at *
bsearch_first(const struct id_at *key, const struct id_at *v, size_t n)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(v[mid].id, key->id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strcmp(v[lo].id, key->id) == 0 ? &v[lo] : NULL;
}

static void
check_dup_tasks(struct dc_ctx *ctx, const struct dc_model *m)
{
	int di, i;

	for (di = 0; di < m->ndags; di++) {
		const struct dc_dag *d = m->dags[di];
		/* first[i]: the first task with task i's id (sorted, not searched: a
		 * generated DAG can have a hundred thousand tasks) */
		struct id_at *by_id = pk_xcalloc((size_t)d->ntasks + 1, sizeof *by_id);
		int *first = pk_xcalloc((size_t)d->ntasks + 1, sizeof *first);
		struct id_at *by_gid, key;
		const struct id_at *hit;
		int nid = 0, ngid, k, start;

		for (i = 0; i < d->ntasks; i++) {
			first[i] = -1;
			if (d->tasks[i]->id != NULL && !(d->tasks[i]->flags & DT_COND)) {
				by_id[nid].id = d->tasks[i]->id;
				by_id[nid++].i = i;
			}
		}
		qsort(by_id, (size_t)nid, sizeof *by_id, cmp_id_at);
		by_gid = pk_xcalloc((size_t)d->ngroups + 1, sizeof *by_gid);
		ngid = 0;
		for (i = 0; i < d->ngroups; i++)
			if (d->groups[i]->id != NULL && !(d->groups[i]->flags & DT_COND)) {
				by_gid[ngid].id = d->groups[i]->id;
				by_gid[ngid++].i = i;
			}
		qsort(by_gid, (size_t)ngid, sizeof *by_gid, cmp_id_at);
		for (i = 1; i < nid; i++)
			if (strcmp(by_id[i].id, by_id[i - 1].id) == 0)
				first[by_id[i].i] = first[by_id[i - 1].i] >= 0 ?
				    first[by_id[i - 1].i] : by_id[i - 1].i;
		for (i = 0; i < d->ntasks; i++) {
			const struct dc_task *t = d->tasks[i];

			if (t->id == NULL || (t->flags & DT_COND))
				continue;
			if (first[i] >= 0) {
				const struct dc_task *u = d->tasks[first[i]];
				struct dc_finding *f;

				/* unless one call ran twice (a loop with a constant id) */
				if (u->call != t->call || u->line != t->line) {
					f = dc_report(ctx, "DC102", t->line, t->col, d->id, t->id,
					    "duplicate task_id '%s' in DAG '%s' (first defined at line %d)",
					    t->id, d->id ? d->id : "?", u->line);
					dc_finding_related(f, ctx->file, u->line, u->col,
					    "first definition of '%s'", u->id);
				}
			}
			key.id = t->id;
			key.i = -1;
			hit = ngid ? bsearch_first(&key, by_gid, (size_t)ngid) : NULL;
			for (; hit != NULL && hit < by_gid + ngid && strcmp(hit->id, t->id) == 0; hit++) {
				const struct dc_group *g = d->groups[hit->i];
				struct dc_finding *f;

				f = dc_report(ctx, "DC102", t->line, t->col, d->id, t->id,
				    "task_id '%s' is also a task group id in DAG '%s'", t->id, d->id ? d->id : "?");
				dc_finding_related(f, ctx->file, g->line, g->col, "task group '%s'", g->id);
			}
		}
		for (k = 0, start = 0; k < ngid; k++) {
			const struct dc_group *g = d->groups[by_gid[k].i];
			int run;

			if (k > 0 && strcmp(by_gid[k - 1].id, g->id) != 0)
				start = k;
			/* the first earlier group of that id made by another call */
			for (run = start; run < k; run++) {
				const struct dc_group *h = d->groups[by_gid[run].i];
				struct dc_finding *f;

				if (h->node == g->node)
					continue;
				f = dc_report(ctx, "DC102", g->line, g->col, d->id, g->id,
				    "duplicate task group id '%s' in DAG '%s' (first defined at line %d)", g->id,
				    d->id ? d->id : "?", h->line);
				dc_finding_related(f, ctx->file, h->line, h->col, "first definition of '%s'", h->id);
				break;
			}
		}
		free(by_id);
		free(by_gid);
		free(first);
	}
}

static void
check_events(struct dc_ctx *ctx, const struct dc_model *m)
{
	int i;

	for (i = 0; i < m->nevents; i++)
		dc_report(ctx, m->events[i].code, m->events[i].line, m->events[i].col,
		    m->events[i].dag ? m->events[i].dag->id : NULL, NULL, "%s", m->events[i].msg);
}

static void
check_outside(struct dc_ctx *ctx, const struct dc_model *m)
{
	int i;

	for (i = 0; i < m->ntasks; i++) {
		const struct dc_task *t = m->tasks[i];

		if (t->dag || (t->flags & DT_DAG_UNKNOWN))
			continue;
		dc_report(ctx, "DC105", t->line, t->col, NULL, t->id,
		    "task '%s' (%s) is created outside any DAG (no `with DAG`, dag= or @dag)", tid(t), t->op);
	}
}

struct edge_at {
	const struct dc_edge *e;
	int i;
};

static int
cmp_edge_at(const void *a, const void *b)
{
	const struct edge_at *x = a, *y = b;
	uintptr_t xf = (uintptr_t)x->e->from, yf = (uintptr_t)y->e->from;
	uintptr_t xt = (uintptr_t)x->e->to, yt = (uintptr_t)y->e->to;

	if (xf != yf)
		return xf < yf ? -1 : 1;
	if (xt != yt)
		return xt < yt ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

static void
check_dup_edges(struct dc_ctx *ctx, const struct dc_model *m)
{
	int di, i;

	for (di = 0; di < m->ndags; di++) {
		const struct dc_dag *d = m->dags[di];
		/* first[i]: the first edge between edge i's tasks (sorted, not searched) */
		struct edge_at *by_ends = pk_xcalloc((size_t)d->nedges + 1, sizeof *by_ends);
		int *first = pk_xcalloc((size_t)d->nedges + 1, sizeof *first);
		int ne = 0;

		for (i = 0; i < d->nedges; i++) {
			first[i] = -1;
			if (!(d->edges[i].flags & (DE_XCOM | DE_COND))) {
				by_ends[ne].e = &d->edges[i];
				by_ends[ne++].i = i;
			}
		}
		qsort(by_ends, (size_t)ne, sizeof *by_ends, cmp_edge_at);
		for (i = 1; i < ne; i++)
			if (by_ends[i].e->from == by_ends[i - 1].e->from &&
			    by_ends[i].e->to == by_ends[i - 1].e->to)
				first[by_ends[i].i] = first[by_ends[i - 1].i] >= 0 ?
				    first[by_ends[i - 1].i] : by_ends[i - 1].i;
		for (i = 0; i < d->nedges; i++) {
			const struct dc_edge *e = &d->edges[i], *f;
			struct dc_finding *r;

			if (first[i] < 0)
				continue;
			f = &d->edges[first[i]];
			if (f->line == e->line && f->col == e->col)
				continue;
			r = dc_report(ctx, "DC106", e->line, e->col, d->id, e->to->id,
			    "dependency %s >> %s declared twice (first at line %d)", tid(e->from),
			    tid(e->to), f->line);
			dc_finding_related(r, ctx->file, f->line, f->col, "first declaration");
		}
		free(by_ends);
		free(first);
	}
}

static void
check_branch_join(struct dc_ctx *ctx, const struct dc_model *m)
{
	int di;

	for (di = 0; di < m->ndags; di++) {
		const struct dc_dag *d = m->dags[di];
		struct adj a;
		int *reach, *queue, *flagged, b;

		if (d->nedges == 0)
			continue;
		adj_build(&a, d);
		reach = pk_xcalloc((size_t)d->ntasks, sizeof *reach);
		queue = pk_xcalloc((size_t)d->ntasks, sizeof *queue);
		flagged = pk_xcalloc((size_t)d->ntasks, sizeof *flagged);
		for (b = 0; b < d->ntasks; b++) {
			int qh = 0, qt = 0, j, k;

			if (!(d->tasks[b]->flags & DT_BRANCH))
				continue;
			memset(reach, 0, (size_t)d->ntasks * sizeof *reach);
			reach[b] = 1;
			queue[qt++] = b;
			while (qh < qt) {
				int u = queue[qh++];

				for (k = a.start[u]; k < a.start[u + 1]; k++)
					if (!reach[a.to[k]]) {
						reach[a.to[k]] = 1;
						queue[qt++] = a.to[k];
					}
			}
			for (j = 0; j < d->ntasks; j++) {
				const struct dc_task *t = d->tasks[j];
				const struct dc_val *tr;
				const char *rule;
				int ups = 0, last = -1;

				if (j == b || !reach[j] || flagged[j])
					continue;
				for (k = a.rstart[j]; k < a.rstart[j + 1]; k++) {
					int u = a.rfrom[k];

					if (reach[u] && u != last) {
						int seen = 0, q;

						for (q = a.rstart[j]; q < k; q++)
							if (a.rfrom[q] == u)
								seen = 1;
						if (!seen)
							ups++;
						last = u;
					}
				}
				if (ups < 2)
					continue;
				tr = dc_task_param(t, "trigger_rule", NULL);
				if (tr == NULL)
					rule = "all_success";
				else if (tr->kind == DV_STR)
					rule = tr->s;
				else
					continue;
				if (strcmp(rule, "all_success") != 0 && strcmp(rule, "none_skipped") != 0)
					continue;
				flagged[j] = 1;
				dc_report(ctx, "DC107", t->line, t->col, d->id, t->id,
				    "task '%s' joins the branches of '%s' but trigger_rule %s skips it when a "
				    "branch is not taken (use none_failed_min_one_success)", tid(t),
				    tid(d->tasks[b]), rule);
			}
		}
		free(reach);
		free(queue);
		free(flagged);
		adj_free(&a);
	}
}

/*
 * Airflow's KEY_REGEX r"^[\w.-]+$" (airflow/utils/helpers.py; the task SDK's
 * definitions/_internal/node.py in Airflow 3) and ID_LEN 250 characters
 * (validate_key). Python's \w on str is Unicode: "données" and "日本" are
 * valid ids, an em dash, a curly quote, a no-break space or an emoji is not.
 * Bytes that are not well-formed UTF-8 (a file in another declared encoding)
 * are let through, as before: we cannot tell what character they are.
 */
static const char *
id_problem(const char *id)
{
	size_t n = strlen(id), i = 0, chars = 0, len;
	unsigned char c;

	if (n == 0)
		return "is empty";
	while (i < n) {
		c = (unsigned char)id[i];
		chars++;
		if (c == '.' || c == '-') {
			i++;
			continue;
		}
		if ((len = py_word_char(id + i, n - i)) > 0) {
			i += len;
			continue;
		}
		if (c < 0x80 || pk_utf8_prefix(id + i, n - i) > 0)
			return "has characters other than letters, digits, '_', '.' and '-'";
		i++;	/* not UTF-8: unknown, as before */
		while (i < n && ((unsigned char)id[i] & 0xC0) == 0x80)
			i++;
	}
	if (chars > 250)
		return "is longer than 250 characters";
	return NULL;
}

static void
check_ids(struct dc_ctx *ctx, const struct dc_model *m)
{
	int di, i;
	const char *why;

	for (di = 0; di < m->ndags; di++) {
		const struct dc_dag *d = m->dags[di];

		if (d->id && (why = id_problem(d->id)) != NULL)
			dc_report(ctx, "DC108", d->line, d->col, d->id, NULL, "dag_id '%s' %s", d->id, why);
		for (i = 0; i < d->ngroups; i++) {
			const struct dc_group *g = d->groups[i];

			if (g->local_id && (why = id_problem(g->id ? g->id : g->local_id)) != NULL)
				dc_report(ctx, "DC108", g->line, g->col, d->id, NULL, "group_id '%s' %s",
				    g->id ? g->id : g->local_id, why);
		}
	}
	for (i = 0; i < m->ntasks; i++) {
		const struct dc_task *t = m->tasks[i];
		const char *id = t->id ? t->id : t->local_id;

		if (id && (why = id_problem(id)) != NULL)
			dc_report(ctx, "DC108", t->line, t->col, t->dag ? t->dag->id : NULL, id,
			    "task_id '%s' %s", id, why);
	}
}

static void
check_var_names(struct dc_ctx *ctx, const struct dc_model *m)
{
	int i;

	for (i = 0; i < m->ntasks; i++) {
		const struct dc_task *t = m->tasks[i];

		if (t->var == NULL || t->local_id == NULL || !(t->flags & DT_LITERAL_ID) ||
		    (t->flags & DT_DECORATED) || strcmp(t->var, t->local_id) == 0)
			continue;
		dc_report(ctx, "DC110", t->var_line, t->var_col, t->dag ? t->dag->id : NULL, t->id,
		    "variable '%s' holds the task with task_id '%s'", t->var, t->local_id);
	}
}

/* ---- registry ------------------------------------------------------------ */

static char *
dupz(const char *s)
{
	return s ? pk_xstrdup(s) : NULL;
}

void
dc_registry_add_dag(struct dc_registry *r, const char *id, const char *file, size_t file_index,
    int line, int col)
{
	struct dc_rdag *d;

	if (r->ndags == r->capd) {
		r->capd = r->capd ? r->capd * 2 : 64;
		r->dags = pk_xrealloc(r->dags, r->capd * sizeof *r->dags);
	}
	d = &r->dags[r->ndags++];
	memset(d, 0, sizeof *d);
	d->id = pk_xstrdup(id);
	d->file = file;
	d->file_index = file_index;
	d->line = line;
	d->col = col;
	d->complete = 1;
}

void
dc_registry_add_task(struct dc_registry *r, const char *task_id)
{
	struct dc_rdag *d = &r->dags[r->ndags - 1];

	if (d->ntasks == d->capt) {
		d->capt = d->capt ? d->capt * 2 : 16;
		d->tasks = pk_xrealloc(d->tasks, d->capt * sizeof *d->tasks);
	}
	d->tasks[d->ntasks++] = pk_xstrdup(task_id);
}

static int
templated(const char *s)
{
	return strstr(s, "{{") != NULL || strstr(s, "{%") != NULL;
}

static void
record_noqa(struct dc_ctx *ctx, const struct dc_model *m)
{
	struct dc_registry *r = ctx->reg;
	size_t i;

	for (i = 0; i < m->parse.tok.nc; i++) {
		const struct py_comment *c = &m->parse.tok.c[i];
		struct pk_buf codes = PK_BUF_INIT;
		size_t k;
		const char *p = NULL;

		for (k = 0; k + 4 <= c->n; k++)
			if (strncasecmp(c->p + k, "noqa", 4) == 0) {
				p = c->p + k + 4;
				break;
			}
		if (p == NULL)
			continue;
		while (p < c->p + c->n && *p == ' ')
			p++;
		if (p < c->p + c->n && *p == ':') {
			pk_buf_add(&codes, p + 1, (size_t)(c->p + c->n - p - 1));
		} else {
			pk_buf_adds(&codes, "*");
		}
		for (k = 0; k < codes.len; k++)
			if (codes.p[k] >= 'a' && codes.p[k] <= 'z')
				codes.p[k] = (char)(codes.p[k] - 32);
		if (r->nnoqa == r->capn) {
			r->capn = r->capn ? r->capn * 2 : 16;
			r->noqa = pk_xrealloc(r->noqa, r->capn * sizeof *r->noqa);
		}
		r->noqa[r->nnoqa].file_index = ctx->file_index;
		r->noqa[r->nnoqa].line = c->line;
		r->noqa[r->nnoqa].codes = pk_buf_detach(&codes, NULL);
		r->nnoqa++;
	}
	if (m->parse.tok.nc == 0)
		return;
	for (i = 0; i < m->parse.tok.n; i++) {
		const struct py_token *t = &m->parse.tok.t[i];
		int nl = 0;
		size_t k;

		if (t->type != PT_STRING)
			continue;
		for (k = 0; k < t->n; k++)
			nl += t->p[k] == '\n';
		if (nl == 0)
			continue;
		if (r->nspans == r->caps) {
			r->caps = r->caps ? r->caps * 2 : 16;
			r->spans = pk_xrealloc(r->spans, r->caps * sizeof *r->spans);
		}
		r->spans[r->nspans].file_index = ctx->file_index;
		r->spans[r->nspans].first = t->line;
		r->spans[r->nspans].last = t->line + nl;
		r->nspans++;
	}
}

static void
record_model(struct dc_ctx *ctx, const struct dc_model *m)
{
	struct dc_registry *r = ctx->reg;
	int di, i;

	for (di = 0; di < m->ndags; di++) {
		const struct dc_dag *d = m->dags[di];

		if (d->id == NULL)
			continue;
		dc_registry_add_dag(r, d->id, ctx->file, ctx->file_index, d->line, d->col);
		r->dags[r->ndags - 1].cond = (d->flags & DG_COND) != 0;
		r->dags[r->ndags - 1].complete = !m->truncated;
		for (i = 0; i < d->ntasks; i++) {
			if (d->tasks[i]->id == NULL)
				r->dags[r->ndags - 1].complete = 0;
			else
				dc_registry_add_task(r, d->tasks[i]->id);
		}
		for (i = 0; i < d->ngroups; i++) {
			if (d->groups[i]->id == NULL)
				r->dags[r->ndags - 1].complete = 0;
			else
				dc_registry_add_task(r, d->groups[i]->id);
		}
	}
	for (i = 0; i < m->ntasks; i++) {
		const struct dc_task *t = m->tasks[i];
		const struct dc_val *target, *tv;
		struct dc_xref *x;

		if (!(t->flags & (DT_EXT_SENSOR | DT_EXT_MARKER | DT_TRIGGER)) || t->dag == NULL ||
		    t->dag->id == NULL)
			continue;
		target = dc_kw_get(&t->kw, (t->flags & DT_TRIGGER) ? "trigger_dag_id" : "external_dag_id");
		if (target == NULL || target->kind != DV_STR || templated(target->s))
			continue;
		if (r->nxrefs == r->capx) {
			r->capx = r->capx ? r->capx * 2 : 16;
			r->xrefs = pk_xrealloc(r->xrefs, r->capx * sizeof *r->xrefs);
		}
		x = &r->xrefs[r->nxrefs++];
		memset(x, 0, sizeof *x);
		x->kind = (t->flags & DT_TRIGGER) ? DX_TRIGGER : (t->flags & DT_EXT_MARKER) ? DX_MARKER :
		    DX_SENSOR;
		x->file = ctx->file;
		x->file_index = ctx->file_index;
		x->line = t->line;
		x->col = t->col;
		x->from_dag = dupz(t->dag->id);
		x->from_task = dupz(t->id);
		x->dag = pk_xstrdup(target->s);
		if (x->kind == DX_TRIGGER)
			continue;
		tv = dc_kw_get(&t->kw, "external_task_id");
		if (tv && tv->kind == DV_STR && !templated(tv->s)) {
			x->tasks = pk_xcalloc(1, sizeof *x->tasks);
			x->tasks[x->ntasks++] = pk_xstrdup(tv->s);
		}
		tv = dc_kw_get(&t->kw, "external_task_ids");
		if (tv && (tv->kind == DV_LIST || tv->kind == DV_TUPLE || tv->kind == DV_SET) && !tv->open) {
			int k, ok = 1;

			for (k = 0; k < tv->nitems; k++)
				if (tv->items[k]->kind != DV_STR || templated(tv->items[k]->s))
					ok = 0;
			if (ok && tv->nitems) {
				x->tasks = pk_xrealloc(x->tasks, (x->ntasks + (size_t)tv->nitems) * sizeof *x->tasks);
				for (k = 0; k < tv->nitems; k++)
					x->tasks[x->ntasks++] = pk_xstrdup(tv->items[k]->s);
			}
		}
		tv = dc_kw_get(&t->kw, "external_task_group_id");
		if (tv && tv->kind == DV_STR && !templated(tv->s))
			x->group = pk_xstrdup(tv->s);
	}
}

void
dc_check_file(struct dc_ctx *ctx, const struct dc_model *m)
{
	size_t i;

	ctx->af3 = ctx->cfg && ctx->cfg->target == 3;
	if (ctx->cfg && ctx->cfg->target == 0) {
		int k;

		/* a file written for Airflow 3 uses its task SDK */
		for (k = 0; k < m->nimports; k++)
			if (strncmp(m->imports[k].module, "airflow.sdk", 11) == 0 &&
			    (m->imports[k].module[11] == 0 || m->imports[k].module[11] == '.'))
				ctx->af3 = 1;
	}
	if (m->parsed)
		record_noqa(ctx, m);
	for (i = 0; i < dc_nrules; i++)
		if (dc_rules[i].check && (m->parsed || dc_rules[i].check == check_syntax))
			dc_rules[i].check(ctx, m);
	if (m->parsed)
		record_model(ctx, m);
}

/* ---- rules over all files -------------------------------------------------- */

static const struct dc_rdag *
find_dag(const struct dc_registry *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->ndags; i++)
		if (strcmp(r->dags[i].id, id) == 0)
			return &r->dags[i];
	return NULL;
}

static int
known(const struct dc_registry *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->nknown; i++)
		if (strcmp(r->known[i], id) == 0)
			return 1;
	return find_dag(r, id) != NULL;
}

static int
rdag_has(const struct dc_rdag *d, const char *id)
{
	size_t i;

	for (i = 0; i < d->ntasks; i++)
		if (strcmp(d->tasks[i], id) == 0)
			return 1;
	return 0;
}

static void
at_file(struct dc_ctx *ctx, const char *file, size_t index)
{
	ctx->file = file;
	ctx->file_index = index;
}

static const char *
xref_op(enum dc_xref_kind k)
{
	return k == DX_SENSOR ? "ExternalTaskSensor" : k == DX_MARKER ? "ExternalTaskMarker" :
	    "TriggerDagRunOperator";
}

static void
cross_cycles(struct dc_ctx *ctx)
{
	struct dc_registry *r = ctx->reg;
	size_t n = r->ndags, i;
	int *color, *reported;
	/* DAG-level edges: sensor/marker target -> waiting DAG; trigger source -> target */
	struct dedge { size_t from, to; const struct dc_xref *x; } *e = NULL;
	size_t ne = 0;

	for (i = 0; i < r->nxrefs; i++) {
		const struct dc_xref *x = &r->xrefs[i];
		const struct dc_rdag *a = find_dag(r, x->from_dag), *b = find_dag(r, x->dag);

		/* markers only say what to clear: they do not order runs */
		if (a == NULL || b == NULL || a == b || x->kind == DX_MARKER)
			continue;
		e = pk_xrealloc(e, (ne + 1) * sizeof *e);
		if (x->kind == DX_SENSOR) {
			e[ne].from = (size_t)(b - r->dags);
			e[ne].to = (size_t)(a - r->dags);
		} else {
			e[ne].from = (size_t)(a - r->dags);
			e[ne].to = (size_t)(b - r->dags);
		}
		e[ne].x = x;
		ne++;
	}
	if (ne == 0)
		return;
	color = pk_xcalloc(n, sizeof *color);
	reported = pk_xcalloc(n, sizeof *reported);
	{
		size_t *stack = pk_xcalloc(n, sizeof *stack), *pos = pk_xcalloc(n, sizeof *pos), sp, root;

		for (root = 0; root < n; root++) {
			if (color[root])
				continue;
			sp = 0;
			stack[sp++] = root;
			color[root] = 1;
			pos[root] = 0;
			while (sp > 0) {
				size_t u = stack[sp - 1];

				if (pos[u] < ne) {
					size_t k = pos[u]++, v;

					if (e[k].from != u)
						continue;
					v = e[k].to;
					if (color[v] == 0) {
						color[v] = 1;
						pos[v] = 0;
						stack[sp++] = v;
					} else if (color[v] == 1 && !reported[v]) {
						struct pk_buf b = PK_BUF_INIT;
						size_t s = sp - 1, j;
						struct dc_finding *f;

						while (stack[s] != v)
							s--;
						for (j = s; j < sp; j++) {
							pk_buf_printf(&b, "%s -> ", r->dags[stack[j]].id);
							reported[stack[j]] = 1;
						}
						pk_buf_adds(&b, r->dags[v].id);
						at_file(ctx, e[k].x->file, e[k].x->file_index);
						f = dc_report(ctx, "DC204", e[k].x->line, e[k].x->col, e[k].x->from_dag,
						    e[k].x->from_task, "cycle across DAGs through %s: %s",
						    xref_op(e[k].x->kind), b.p);
						(void)f;
						pk_buf_release(&b);
					}
				} else {
					color[u] = 2;
					sp--;
				}
			}
		}
		free(stack);
		free(pos);
	}
	free(color);
	free(reported);
	free(e);
}

void
dc_check_all(struct dc_ctx *ctx, const char *const *files)
{
	struct dc_registry *r = ctx->reg;
	size_t i, j, k;

	(void)files;
	for (i = 0; i < r->ndags; i++) {
		const struct dc_rdag *d = &r->dags[i];

		if (d->file == NULL || d->cond)
			continue;
		for (j = 0; j < i; j++) {
			const struct dc_rdag *p = &r->dags[j];
			struct dc_finding *f;

			if (p->file == NULL || p->cond || strcmp(p->id, d->id) != 0)
				continue;
			at_file(ctx, d->file, d->file_index);
			f = dc_report(ctx, "DC104", d->line, d->col, d->id, NULL,
			    "duplicate dag_id '%s' (first defined at %s:%d)", d->id, p->file, p->line);
			dc_finding_related(f, p->file, p->line, p->col, "first definition of '%s'", p->id);
			break;
		}
	}
	for (i = 0; i < r->nxrefs; i++) {
		const struct dc_xref *x = &r->xrefs[i];
		const struct dc_rdag *t;

		at_file(ctx, x->file, x->file_index);
		if (!known(r, x->dag)) {
			if (x->kind == DX_TRIGGER)
				dc_report(ctx, "DC203", x->line, x->col, x->from_dag, x->from_task,
				    "TriggerDagRunOperator targets dag_id '%s', found in no given path", x->dag);
			else
				dc_report(ctx, "DC201", x->line, x->col, x->from_dag, x->from_task,
				    "%s names dag_id '%s', found in no given path", xref_op(x->kind), x->dag);
			continue;
		}
		t = find_dag(r, x->dag);
		if (t == NULL || !t->complete)
			continue;
		for (k = 0; k < x->ntasks; k++)
			if (!rdag_has(t, x->tasks[k])) {
				struct dc_finding *f = dc_report(ctx, "DC202", x->line, x->col, x->from_dag,
				    x->from_task, "%s names task '%s', which DAG '%s' does not have",
				    xref_op(x->kind), x->tasks[k], x->dag);

				if (t->file)
					dc_finding_related(f, t->file, t->line, t->col, "DAG '%s'", t->id);
			}
		if (x->group && !rdag_has(t, x->group)) {
			struct dc_finding *f = dc_report(ctx, "DC202", x->line, x->col, x->from_dag,
			    x->from_task, "%s names task group '%s', which DAG '%s' does not have",
			    xref_op(x->kind), x->group, x->dag);

			if (t->file)
				dc_finding_related(f, t->file, t->line, t->col, "DAG '%s'", t->id);
		}
	}
	cross_cycles(ctx);
}

void
dc_registry_release(struct dc_registry *r)
{
	size_t i, k;

	for (i = 0; i < r->ndags; i++) {
		for (k = 0; k < r->dags[i].ntasks; k++)
			free(r->dags[i].tasks[k]);
		free(r->dags[i].tasks);
		free(r->dags[i].id);
	}
	free(r->dags);
	for (i = 0; i < r->nxrefs; i++) {
		for (k = 0; k < r->xrefs[i].ntasks; k++)
			free(r->xrefs[i].tasks[k]);
		free(r->xrefs[i].tasks);
		free(r->xrefs[i].from_dag);
		free(r->xrefs[i].from_task);
		free(r->xrefs[i].dag);
		free(r->xrefs[i].group);
	}
	free(r->xrefs);
	for (i = 0; i < r->nknown; i++)
		free(r->known[i]);
	free(r->known);
	for (i = 0; i < r->nnoqa; i++)
		free(r->noqa[i].codes);
	free(r->noqa);
	free(r->spans);
	memset(r, 0, sizeof *r);
}
