/*
 * report - slareport's rows as NDJSON, an aligned table, markdown and the
 * Prometheus text format.
 */
#include "cmd/slareport/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/time.h"

int
sr_row_compliance(const struct sr_row *r, double *c)
{
	if (!r->has_sla || r->met + r->missed == 0)
		return 0;
	/* four decimals, as DESIGN.md's example row (0.9333) */
	*c = round((double)r->met / (double)(r->met + r->missed) * 10000) / 10000;
	return 1;
}

/*
 * --target compares the ratio itself: rounded to four decimals, 19999 of
 * 20000 would be 1 and pass a 100% target with an instance missed.
 */
int
sr_row_below(const struct sr_row *r, double target)
{
	if (!r->has_sla || r->met + r->missed == 0)
		return 0;
	return (double)r->met / (double)(r->met + r->missed) < target;
}

/* A percentage with two decimals, or as many more as its value needs (up to 6). */
static int
pct_decimals(double v)
{
	int d;

	for (d = 2; d < 6; d++) {
		double scale = pow(10, d), x = v * 100 * scale;

		if (fabs(x - round(x)) < 1e-6)
			break;
	}
	return d;
}

void
sr_row_dag(const struct sr_model *m, const struct sr_row *r, struct pk_buf *out)
{
	size_t n;
	const char *p;

	if (r->kind == ROW_ALL)
		return;
	p = sr_dag_name(m, r->dag, &n);
	pk_buf_add(out, p, n);
}

void
sr_row_task(const struct sr_model *m, const struct sr_row *r, struct pk_buf *out)
{
	size_t n;
	const char *p;

	if (r->kind != ROW_TASK)
		return;
	p = sr_task_name(m, r->task, &n);
	pk_buf_add(out, p, n);
}

void
sr_fmt_period(int64_t t, struct pk_buf *out)
{
	struct pk_civil c;

	pk_time_civil(t, &c);
	pk_buf_printf(out, "%04d-%02d-%02d", c.year, c.month, c.day);
}

void
sr_fmt_secs(double s, struct pk_buf *out)
{
	long long t;

	if (s < 60) {
		pk_buf_printf(out, "%.1fs", s);
		return;
	}
	t = llround(s);
	if (t < 3600)
		pk_buf_printf(out, "%lldm%02llds", t / 60, t % 60);
	else if (t < 86400)
		pk_buf_printf(out, "%lldh%02lldm", t / 3600, t % 3600 / 60);
	else
		pk_buf_printf(out, "%lldd%02lldh", t / 86400, t % 86400 / 3600);
}

/* --- ndjson ---------------------------------------------------------------- */

static void
json_name(struct pk_buf *out, const char *key, const struct sr_model *m, const struct sr_row *r,
    int task)
{
	struct pk_buf b = PK_BUF_INIT;

	pk_buf_printf(out, "\"%s\":", key);
	if ((task && r->kind != ROW_TASK) || (!task && r->kind == ROW_ALL)) {
		pk_buf_adds(out, "null");
		return;
	}
	if (task)
		sr_row_task(m, r, &b);
	else
		sr_row_dag(m, r, &b);
	pk_buf_add_json_str(out, b.p ? b.p : "", b.len);
	pk_buf_release(&b);
}

static void
json_num(struct pk_buf *out, const char *key, int has, double v)
{
	pk_buf_printf(out, ",\"%s\":", key);
	if (has)
		pk_buf_add_double(out, v);
	else
		pk_buf_adds(out, "null");
}

static void
json_count(struct pk_buf *out, const char *key, int has, uint64_t v)
{
	pk_buf_printf(out, ",\"%s\":", key);
	if (has)
		pk_buf_printf(out, "%llu", (unsigned long long)v);
	else
		pk_buf_adds(out, "null");
}

static void
ndjson_row(const struct sr_model *m, const struct sr_row *r, int series, struct pk_buf *out)
{
	double c = 0;
	int hc = sr_row_compliance(r, &c);

	pk_buf_addc(out, '{');
	json_name(out, "dag_id", m, r, 0);
	pk_buf_addc(out, ',');
	json_name(out, "task_id", m, r, 1);
	if (series) {
		pk_buf_adds(out, ",\"period\":");
		if (r->has_period) {
			pk_buf_addc(out, '"');
			sr_fmt_period(r->period, out);
			pk_buf_addc(out, '"');
		} else {
			pk_buf_adds(out, "null");
		}
	}
	json_count(out, "runs", 1, r->runs);
	json_count(out, "met", r->has_sla, r->met);
	json_count(out, "missed", r->has_sla, r->missed);
	json_count(out, "pending", 1, r->pending);
	json_num(out, "compliance", hc, c);
	json_num(out, "p50_duration_s", r->has_dur, r->p50);
	json_num(out, "p95_duration_s", r->has_dur, r->p95);
	json_num(out, "p99_duration_s", r->has_dur, r->p99);
	json_num(out, "max_lateness_s", r->has_late, r->max_late);
	json_num(out, "mean_lateness_s", r->has_late, r->mean_late);
	json_count(out, "failed", 1, r->failed);
	json_count(out, "retries", 1, r->retries);
	pk_buf_adds(out, "}\n");
}

/* --- table and markdown ---------------------------------------------------- */

#define NCOL 15

static const char *const heads[NCOL] = {
	"DAG", "TASK", "PERIOD", "RUNS", "MET", "MISSED", "PENDING", "COMPLIANCE",
	"P50", "P95", "P99", "MAX LATE", "MEAN LATE", "FAILED", "RETRIES"
};

struct cells {
	struct pk_buf c[NCOL];
};

static void
row_cells(const struct sr_model *m, const struct sr_row *r, int series, struct cells *x)
{
	double c;
	int i;

	for (i = 0; i < NCOL; i++)
		pk_buf_reset(&x->c[i]);
	if (r->kind == ROW_ALL)
		pk_buf_adds(&x->c[0], "(all)");
	else
		sr_row_dag(m, r, &x->c[0]);
	if (r->kind == ROW_TASK)
		sr_row_task(m, r, &x->c[1]);
	else
		pk_buf_adds(&x->c[1], "*");
	if (series && r->has_period)
		sr_fmt_period(r->period, &x->c[2]);
	else if (series)
		pk_buf_adds(&x->c[2], "-");
	pk_buf_printf(&x->c[3], "%llu", (unsigned long long)r->runs);
	if (r->has_sla) {
		pk_buf_printf(&x->c[4], "%llu", (unsigned long long)r->met);
		pk_buf_printf(&x->c[5], "%llu", (unsigned long long)r->missed);
	} else {
		pk_buf_adds(&x->c[4], "-");
		pk_buf_adds(&x->c[5], "-");
	}
	pk_buf_printf(&x->c[6], "%llu", (unsigned long long)r->pending);
	if (sr_row_compliance(r, &c))
		pk_buf_printf(&x->c[7], "%.2f%%", c * 100);
	else
		pk_buf_adds(&x->c[7], "-");
	if (r->has_dur) {
		sr_fmt_secs(r->p50, &x->c[8]);
		sr_fmt_secs(r->p95, &x->c[9]);
		sr_fmt_secs(r->p99, &x->c[10]);
	} else {
		for (i = 8; i <= 10; i++)
			pk_buf_adds(&x->c[i], "-");
	}
	if (r->has_late) {
		sr_fmt_secs(r->max_late, &x->c[11]);
		sr_fmt_secs(r->mean_late, &x->c[12]);
	} else {
		pk_buf_adds(&x->c[11], "-");
		pk_buf_adds(&x->c[12], "-");
	}
	pk_buf_printf(&x->c[13], "%llu", (unsigned long long)r->failed);
	pk_buf_printf(&x->c[14], "%llu", (unsigned long long)r->retries);
}

/* Display width: UTF-8 code points (ids are mostly ASCII). */
static size_t
width(const struct pk_buf *b)
{
	size_t i, w = 0;

	for (i = 0; i < b->len; i++)
		if (((unsigned char)b->p[i] & 0xc0) != 0x80)
			w++;
	return w;
}

static void
pad(struct pk_buf *out, size_t n)
{
	while (n-- > 0)
		pk_buf_addc(out, ' ');
}

static void
table(const struct sr_model *m, const struct sr_row *rows, size_t n, int series,
    struct pk_buf *out)
{
	size_t w[NCOL], i;
	struct cells x;
	int c;

	memset(&x, 0, sizeof x);
	for (c = 0; c < NCOL; c++)
		w[c] = strlen(heads[c]);
	for (i = 0; i < n; i++) {
		row_cells(m, &rows[i], series, &x);
		for (c = 0; c < NCOL; c++)
			if (width(&x.c[c]) > w[c])
				w[c] = width(&x.c[c]);
	}
	for (i = 0; i <= n; i++) {
		int first = 1;

		if (i > 0)
			row_cells(m, &rows[i - 1], series, &x);
		for (c = 0; c < NCOL; c++) {
			size_t cw;
			const char *t;

			if (c == 2 && !series)
				continue;
			t = i == 0 ? heads[c] : x.c[c].p ? x.c[c].p : "";
			cw = i == 0 ? strlen(heads[c]) : width(&x.c[c]);
			if (!first)
				pk_buf_adds(out, "  ");
			first = 0;
			if (c >= 3) {	/* numbers to the right */
				pad(out, w[c] - cw);
				pk_buf_adds(out, t);
			} else {
				pk_buf_adds(out, t);
				if (c < NCOL - 1)
					pad(out, w[c] - cw);
			}
		}
		pk_buf_addc(out, '\n');
	}
	for (c = 0; c < NCOL; c++)
		pk_buf_release(&x.c[c]);
}

static void
md_cell(struct pk_buf *out, const struct pk_buf *b)
{
	size_t i;

	for (i = 0; i < b->len; i++) {
		if (b->p[i] == '|' || b->p[i] == '\\' || b->p[i] == '*' || b->p[i] == '_' ||
		    b->p[i] == '`')
			pk_buf_addc(out, '\\');
		pk_buf_addc(out, b->p[i]);
	}
}

static void
markdown(const struct sr_model *m, const struct sr_row *rows, size_t n, int series,
    struct pk_buf *out)
{
	struct cells x;
	size_t i;
	int c;

	memset(&x, 0, sizeof x);
	for (c = 0; c < NCOL; c++) {
		if (c == 2 && !series)
			continue;
		pk_buf_printf(out, "| %s ", heads[c]);
	}
	pk_buf_adds(out, "|\n");
	for (c = 0; c < NCOL; c++) {
		if (c == 2 && !series)
			continue;
		pk_buf_adds(out, c >= 3 ? "|---:" : "|---");
	}
	pk_buf_adds(out, "|\n");
	for (i = 0; i < n; i++) {
		row_cells(m, &rows[i], series, &x);
		for (c = 0; c < NCOL; c++) {
			if (c == 2 && !series)
				continue;
			pk_buf_adds(out, "| ");
			md_cell(out, &x.c[c]);
			pk_buf_addc(out, ' ');
		}
		pk_buf_adds(out, "|\n");
	}
	for (c = 0; c < NCOL; c++)
		pk_buf_release(&x.c[c]);
}

/* --- prom ------------------------------------------------------------------ */

static void
prom_label(struct pk_buf *out, const struct pk_buf *b)
{
	size_t i;

	for (i = 0; i < b->len; i++) {
		if (b->p[i] == '\\' || b->p[i] == '"')
			pk_buf_addc(out, '\\');
		if (b->p[i] == '\n') {
			pk_buf_adds(out, "\\n");
			continue;
		}
		pk_buf_addc(out, b->p[i]);
	}
}

static void
prom_labels(const struct sr_model *m, const struct sr_row *r, struct pk_buf *out,
    const char *extra)
{
	struct pk_buf b = PK_BUF_INIT;

	pk_buf_adds(out, "{dag_id=\"");
	sr_row_dag(m, r, &b);
	prom_label(out, &b);
	pk_buf_reset(&b);
	pk_buf_adds(out, "\",task_id=\"");
	sr_row_task(m, r, &b);
	prom_label(out, &b);
	pk_buf_addc(out, '"');
	if (extra)
		pk_buf_printf(out, ",%s", extra);
	pk_buf_addc(out, '}');
	pk_buf_release(&b);
}

enum { P_RUNS, P_MET, P_MISSED, P_PENDING, P_COMPLIANCE, P_DURATION, P_MAXLATE, P_MEANLATE,
	P_FAILED, P_RETRIES, P_TARGET, NPROM };

static const struct {
	const char *name, *help;
} prom_metrics[NPROM] = {
	{ "pipekit_sla_runs", "Task instances (task rows) or dag runs (DAG and overall rows) in the report." },
	{ "pipekit_sla_met", "Runs that met their SLA." },
	{ "pipekit_sla_missed", "Runs that missed their SLA." },
	{ "pipekit_sla_pending", "Runs still in flight before their deadline." },
	{ "pipekit_sla_compliance_ratio", "met / (met + missed)." },
	{ "pipekit_sla_duration_seconds", "Exact duration quantiles of the runs." },
	{ "pipekit_sla_lateness_max_seconds", "Largest lateness of a missed run." },
	{ "pipekit_sla_lateness_mean_seconds", "Mean lateness of the missed runs." },
	{ "pipekit_sla_failed", "Runs in state failed." },
	{ "pipekit_sla_retries", "Retries (the sum of try_number - 1)." },
	{ "pipekit_sla_target_ratio", "The --target compliance." },
};

static void
prom(const struct sr_model *m, const struct sr_report_opts *o, struct pk_buf *out)
{
	size_t i;
	int k;

	for (k = 0; k < NPROM; k++) {
		if (k == P_TARGET && !o->has_target)
			continue;
		pk_buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", prom_metrics[k].name,
		    prom_metrics[k].help, prom_metrics[k].name);
		if (k == P_TARGET) {
			pk_buf_printf(out, "%s ", prom_metrics[k].name);
			pk_buf_add_double(out, o->target);
			pk_buf_addc(out, '\n');
			continue;
		}
		for (i = 0; i < m->nrows; i++) {
			const struct sr_row *r = &m->rows[i];
			double c;
			uint64_t v = 0;
			int q;

			switch (k) {
			case P_COMPLIANCE:
				if (!sr_row_compliance(r, &c))
					continue;
				pk_buf_adds(out, prom_metrics[k].name);
				prom_labels(m, r, out, NULL);
				pk_buf_addc(out, ' ');
				pk_buf_add_double(out, c);
				pk_buf_addc(out, '\n');
				continue;
			case P_DURATION:
				if (!r->has_dur)
					continue;
				for (q = 0; q < 3; q++) {
					static const char *const qs[] = { "quantile=\"0.5\"",
						"quantile=\"0.95\"", "quantile=\"0.99\"" };
					double d = q == 0 ? r->p50 : q == 1 ? r->p95 : r->p99;

					pk_buf_adds(out, prom_metrics[k].name);
					prom_labels(m, r, out, qs[q]);
					pk_buf_addc(out, ' ');
					pk_buf_add_double(out, d);
					pk_buf_addc(out, '\n');
				}
				continue;
			case P_MAXLATE:
			case P_MEANLATE:
				if (!r->has_late)
					continue;
				pk_buf_adds(out, prom_metrics[k].name);
				prom_labels(m, r, out, NULL);
				pk_buf_addc(out, ' ');
				pk_buf_add_double(out, k == P_MAXLATE ? r->max_late : r->mean_late);
				pk_buf_addc(out, '\n');
				continue;
			case P_MET:
			case P_MISSED:
				if (!r->has_sla)
					continue;
				v = k == P_MET ? r->met : r->missed;
				break;
			case P_RUNS:
				v = r->runs;
				break;
			case P_PENDING:
				v = r->pending;
				break;
			case P_FAILED:
				v = r->failed;
				break;
			case P_RETRIES:
				v = r->retries;
				break;
			}
			pk_buf_adds(out, prom_metrics[k].name);
			prom_labels(m, r, out, NULL);
			pk_buf_printf(out, " %llu\n", (unsigned long long)v);
		}
	}
	pk_buf_adds(out, "# HELP pipekit_sla_report_timestamp_seconds When the report was "
	    "computed (--now).\n# TYPE pipekit_sla_report_timestamp_seconds gauge\n"
	    "pipekit_sla_report_timestamp_seconds ");
	pk_buf_add_double(out, (double)o->now / 1e9);
	pk_buf_addc(out, '\n');
}

void
sr_report(const struct sr_model *m, const char *format, const struct sr_report_opts *o,
    struct pk_buf *out)
{
	size_t i;

	if (strcmp(format, "table") == 0) {
		table(m, m->rows, m->nrows, 0, out);
		if (m->nseries > 0) {
			pk_buf_addc(out, '\n');
			table(m, m->series, m->nseries, 1, out);
		}
	} else if (strcmp(format, "markdown") == 0) {
		pk_buf_printf(out, "### %s\n\n", o->title);
		markdown(m, m->rows, m->nrows, 0, out);
		if (m->nseries > 0) {
			pk_buf_addc(out, '\n');
			markdown(m, m->series, m->nseries, 1, out);
		}
	} else if (strcmp(format, "prom") == 0) {
		prom(m, o, out);
	} else if (strcmp(format, "html") == 0) {
		sr_report_html(m, o, out);
	} else {
		for (i = 0; i < m->nrows; i++)
			ndjson_row(m, &m->rows[i], 0, out);
		for (i = 0; i < m->nseries; i++)
			ndjson_row(m, &m->series[i], 1, out);
	}
}

int
sr_check_target(const struct sr_model *m, double target, const char *prog)
{
	size_t i;
	int below = 0;

	for (i = 0; i < m->nrows; i++) {
		const struct sr_row *r = &m->rows[i];
		double c;
		struct pk_buf name = PK_BUF_INIT;

		if (!sr_row_below(r, target))
			continue;
		c = (double)r->met / (double)(r->met + r->missed);
		below = 1;
		if (prog == NULL)
			continue;
		if (r->kind == ROW_ALL) {
			pk_buf_adds(&name, "overall");
		} else {
			sr_row_dag(m, r, &name);
			if (r->kind == ROW_TASK) {
				pk_buf_addc(&name, '/');
				sr_row_task(m, r, &name);
			}
		}
		{
			/* enough decimals to show it below: 99.995%, not 100.00% */
			int dt = pct_decimals(target), dc = dt;
			char cs[32], ts[32];

			snprintf(ts, sizeof ts, "%.*f", dt, target * 100);
			for (;;) {
				snprintf(cs, sizeof cs, "%.*f", dc, c * 100);
				if (strtod(cs, NULL) < strtod(ts, NULL))
					break;
				if (++dc > 6) {	/* rounded up to it: truncate */
					snprintf(cs, sizeof cs, "%.*f", dt,
					    floor(c * 100 * pow(10, dt)) / pow(10, dt));
					break;
				}
			}
			fprintf(stderr, "%s: %s: compliance %s%% is below the target %s%%\n", prog,
			    name.p, cs, ts);
		}
		pk_buf_release(&name);
	}
	return below;
}
