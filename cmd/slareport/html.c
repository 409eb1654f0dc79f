/*
 * html - slareport's one-file HTML page: summary table, compliance over time
 * and duration percentiles as inline SVG; no script, no external request.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cmd/slareport/report.h"
#include "lib/time.h"

static void
esc(struct pk_buf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': pk_buf_adds(out, "&amp;"); break;
		case '<': pk_buf_adds(out, "&lt;"); break;
		case '>': pk_buf_adds(out, "&gt;"); break;
		case '"': pk_buf_adds(out, "&quot;"); break;
		case '\'': pk_buf_adds(out, "&#39;"); break;
		default: pk_buf_addc(out, s[i]);
		}
	}
}

static void
escs(struct pk_buf *out, const char *s)
{
	esc(out, s, strlen(s));
}

static void
esc_buf(struct pk_buf *out, const struct pk_buf *b)
{
	if (b->len)
		esc(out, b->p, b->len);
}

static const char style[] =
    "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;"
    "max-width:88em;padding:0 1em;color:#1b1f24;background:#fff}"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}h3{font-size:1em;margin:1.2em 0 .3em}"
    "table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:13px}.scroll{overflow-x:auto}"
    "th,td{padding:.25em .6em;border-bottom:1px solid #d8dee4;text-align:right}"
    "th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}"
    "tr.dag td{font-weight:600;background:#f6f8fa}tr.all td{font-weight:700;border-top:2px solid #1b1f24}"
    "td.below{color:#b42318}td.ok{color:#1a7f37}.meta{color:#57606a}"
    "svg{display:block;max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;fill:#57606a}"
    ".legend span{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 1em;vertical-align:-.1em}";

static void
name_cells(const struct sr_model *m, const struct sr_row *r, struct pk_buf *out)
{
	struct pk_buf b = PK_BUF_INIT;

	pk_buf_adds(out, "<td>");
	if (r->kind == ROW_ALL)
		pk_buf_adds(out, "all DAGs");
	else {
		sr_row_dag(m, r, &b);
		esc_buf(out, &b);
	}
	pk_buf_adds(out, "</td><td>");
	pk_buf_reset(&b);
	if (r->kind == ROW_TASK) {
		sr_row_task(m, r, &b);
		esc_buf(out, &b);
	} else {
		pk_buf_adds(out, "(dag runs)");
	}
	pk_buf_adds(out, "</td>");
	pk_buf_release(&b);
}

static void
secs_cell(struct pk_buf *out, int has, double s)
{
	pk_buf_adds(out, "<td>");
	if (has)
		sr_fmt_secs(s, out);
	else
		pk_buf_adds(out, "&#8211;");
	pk_buf_adds(out, "</td>");
}

static void
summary_table(const struct sr_model *m, const struct sr_report_opts *o, struct pk_buf *out)
{
	size_t i;

	pk_buf_adds(out, "<div class=\"scroll\"><table><thead><tr><th>DAG</th><th>task</th><th>runs</th><th>met</th>"
	    "<th>missed</th><th>pending</th><th>compliance</th><th>p50</th><th>p95</th>"
	    "<th>p99</th><th>max late</th><th>mean late</th><th>failed</th><th>retries</th>"
	    "</tr></thead><tbody>\n");
	for (i = 0; i < m->nrows; i++) {
		const struct sr_row *r = &m->rows[i];
		double c;

		pk_buf_printf(out, "<tr class=\"%s\">", r->kind == ROW_TASK ? "task" :
		    r->kind == ROW_DAG ? "dag" : "all");
		name_cells(m, r, out);
		pk_buf_printf(out, "<td>%llu</td>", (unsigned long long)r->runs);
		if (r->has_sla)
			pk_buf_printf(out, "<td>%llu</td><td>%llu</td>", (unsigned long long)r->met,
			    (unsigned long long)r->missed);
		else
			pk_buf_adds(out, "<td>&#8211;</td><td>&#8211;</td>");
		pk_buf_printf(out, "<td>%llu</td>", (unsigned long long)r->pending);
		if (sr_row_compliance(r, &c))
			pk_buf_printf(out, "<td class=\"%s\">%.2f%%</td>",
			    o->has_target && sr_row_below(r, o->target) ? "below" : "ok", c * 100);
		else
			pk_buf_adds(out, "<td>no SLA</td>");
		secs_cell(out, r->has_dur, r->p50);
		secs_cell(out, r->has_dur, r->p95);
		secs_cell(out, r->has_dur, r->p99);
		secs_cell(out, r->has_late, r->max_late);
		secs_cell(out, r->has_late, r->mean_late);
		pk_buf_printf(out, "<td>%llu</td><td>%llu</td></tr>\n", (unsigned long long)r->failed,
		    (unsigned long long)r->retries);
	}
	pk_buf_adds(out, "</tbody></table></div>\n");
}

/* Compliance per period of one DAG's dag runs: a line with dots. */
static void
compliance_chart(const struct sr_model *m, const struct sr_report_opts *o, uint32_t dag,
    struct pk_buf *out)
{
	const double W = 720, H = 180, L = 44, R = 12, T = 10, B = 28;
	size_t i, n = 0, k;
	int64_t t0 = 0, t1 = 0;
	struct pk_buf name = PK_BUF_INIT, pts = PK_BUF_INIT, dots = PK_BUF_INIT;
	double x, y, c;
	int open = 0;

	for (i = 0; i < m->nseries; i++) {
		const struct sr_row *s = &m->series[i];

		if (s->kind != ROW_DAG || s->dag != dag || !s->has_period)
			continue;
		if (n == 0)
			t0 = s->period;
		t1 = s->period;
		n++;
	}
	pk_buf_adds(out, "<h3>");
	sr_row_dag(m, &(struct sr_row){ .kind = ROW_DAG, .dag = dag }, &name);
	esc_buf(out, &name);
	pk_buf_adds(out, "</h3>\n");
	if (n == 0) {
		pk_buf_adds(out, "<p class=\"meta\">no dated runs</p>\n");
		pk_buf_release(&name);
		return;
	}
	pk_buf_printf(out, "<svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
	    "role=\"img\" aria-label=\"compliance per period of ", W, H, W, H);
	esc_buf(out, &name);
	pk_buf_adds(out, "\">\n");
	/* grid: 0, 50, 100 % */
	for (k = 0; k <= 2; k++) {
		y = T + (H - T - B) * (1 - k / 2.0);
		pk_buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		    "stroke=\"#d8dee4\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%zu%%</text>\n",
		    L, y, W - R, y, L - 6, y + 4, k * 50);
	}
	if (o->has_target) {
		y = T + (H - T - B) * (1 - o->target);
		pk_buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		    "stroke=\"#b42318\" stroke-dasharray=\"4 3\"/>\n", L, y, W - R, y);
	}
	for (i = 0; i < m->nseries; i++) {
		const struct sr_row *s = &m->series[i];
		struct pk_buf day = PK_BUF_INIT;

		if (s->kind != ROW_DAG || s->dag != dag || !s->has_period)
			continue;
		x = t1 == t0 ? (L + W - R) / 2 :
		    L + (W - R - L) * (double)(s->period - t0) / (double)(t1 - t0);
		sr_fmt_period(s->period, &day);
		if (!sr_row_compliance(s, &c)) {
			/* nothing finished with an SLA that period: a gap in the line */
			if (open)
				pk_buf_adds(&pts, "\"/>\n");
			open = 0;
			pk_buf_release(&day);
			continue;
		}
		y = T + (H - T - B) * (1 - c);
		if (!open)
			pk_buf_adds(&pts, "<polyline fill=\"none\" stroke=\"#0969da\" stroke-width=\"1.5\" points=\"");
		open = 1;
		pk_buf_printf(&pts, "%.1f,%.1f ", x, y);
		pk_buf_printf(&dots, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"><title>%s: "
		    "%.2f%% (%llu met, %llu missed)</title></circle>\n", x, y,
		    o->has_target && sr_row_below(s, o->target) ? "#b42318" : "#0969da", day.p, c * 100,
		    (unsigned long long)s->met, (unsigned long long)s->missed);
		pk_buf_release(&day);
	}
	if (open)
		pk_buf_adds(&pts, "\"/>\n");
	if (pts.len)
		pk_buf_add(out, pts.p, pts.len);
	if (dots.len)
		pk_buf_add(out, dots.p, dots.len);
	{
		struct pk_buf a = PK_BUF_INIT, b = PK_BUF_INIT;

		sr_fmt_period(t0, &a);
		sr_fmt_period(t1, &b);
		pk_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\">%s</text>", L, H - 8, a.p);
		if (t1 != t0)
			pk_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
			    W - R, H - 8, b.p);
		pk_buf_release(&a);
		pk_buf_release(&b);
	}
	pk_buf_adds(out, "\n</svg>\n");
	pk_buf_release(&name);
	pk_buf_release(&pts);
	pk_buf_release(&dots);
}

/* p50, p95 and p99 per task of one DAG as nested horizontal bars. */
static void
duration_chart(const struct sr_model *m, uint32_t dag, struct pk_buf *out)
{
	const double W = 760, L = 170, R = 250, BAR = 16, GAP = 8, T = 6;
	size_t i, n = 0;
	double max = 0, y, H;
	struct pk_buf b = PK_BUF_INIT, dn = PK_BUF_INIT;
	static const char *const fill[3] = { "#0969da", "#54aeff", "#b6e3ff" };

	for (i = 0; i < m->nrows; i++) {
		const struct sr_row *r = &m->rows[i];

		if (r->kind != ROW_TASK || r->dag != dag || !r->has_dur)
			continue;
		n++;
		if (r->p99 > max)
			max = r->p99;
	}
	if (n == 0)
		return;
	sr_row_dag(m, &(struct sr_row){ .kind = ROW_DAG, .dag = dag }, &dn);
	H = T * 2 + (double)n * (BAR + GAP);
	pk_buf_adds(out, "<h3>");
	esc_buf(out, &dn);
	pk_buf_printf(out, "</h3>\n<svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
	    "role=\"img\" aria-label=\"duration percentiles of ", W, H, W, H);
	esc_buf(out, &dn);
	pk_buf_adds(out, "\">\n");
	y = T;
	for (i = 0; i < m->nrows; i++) {
		const struct sr_row *r = &m->rows[i];
		double v[3];
		int q;

		if (r->kind != ROW_TASK || r->dag != dag || !r->has_dur)
			continue;
		v[0] = r->p50;
		v[1] = r->p95;
		v[2] = r->p99;
		pk_buf_reset(&b);
		sr_row_task(m, r, &b);
		pk_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", L - 8, y + BAR - 4);
		esc_buf(out, &b);
		pk_buf_adds(out, "</text>\n");
		for (q = 2; q >= 0; q--) {
			double w = max > 0 ? (W - L - R) * v[q] / max : 0;

			pk_buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			    "fill=\"%s\"><title>p%s ", L, y, w < 1 ? 1 : w, BAR, fill[q],
			    q == 0 ? "50" : q == 1 ? "95" : "99");
			sr_fmt_secs(v[q], out);
			pk_buf_adds(out, "</title></rect>\n");
		}
		pk_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\">p50 ", W - R + 6, y + BAR - 4);
		sr_fmt_secs(v[0], out);
		pk_buf_adds(out, " &#183; p95 ");
		sr_fmt_secs(v[1], out);
		pk_buf_adds(out, " &#183; p99 ");
		sr_fmt_secs(v[2], out);
		pk_buf_adds(out, "</text>\n");
		y += BAR + GAP;
	}
	pk_buf_adds(out, "</svg>\n");
	pk_buf_release(&b);
	pk_buf_release(&dn);
}

void
sr_report_html(const struct sr_model *m, const struct sr_report_opts *o, struct pk_buf *out)
{
	struct pk_buf now = PK_BUF_INIT;
	size_t i;

	pk_time_format(o->now, &now);
	pk_buf_adds(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	    "style-src 'unsafe-inline'; img-src data:\">\n<title>");
	escs(out, o->title);
	pk_buf_printf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", style);
	escs(out, o->title);
	pk_buf_printf(out, "</h1>\n<p class=\"meta\">As of %s", now.p);
	if (o->has_target)
		pk_buf_printf(out, "; target %.2f%%", o->target * 100);
	pk_buf_adds(out, ". Compliance = met / (met + missed); task rows count task instances, "
	    "DAG rows count dag runs.</p>\n<h2>Summary</h2>\n");
	summary_table(m, o, out);
	pk_buf_printf(out, "<h2>Compliance per %s</h2>\n", m->by == BY_WEEK ? "week" : "day");
	for (i = 0; i < m->nrows; i++)
		if (m->rows[i].kind == ROW_DAG)
			compliance_chart(m, o, m->rows[i].dag, out);
	pk_buf_adds(out, "<h2>Duration percentiles</h2>\n<p class=\"legend\">"
	    "<span style=\"background:#0969da\"></span>p50<span style=\"background:#54aeff\">"
	    "</span>p95<span style=\"background:#b6e3ff\"></span>p99</p>\n");
	for (i = 0; i < m->nrows; i++)
		if (m->rows[i].kind == ROW_DAG)
			duration_chart(m, m->rows[i].dag, out);
	pk_buf_adds(out, "<p class=\"meta\">Made by slareport (pipekit).</p>\n</body>\n</html>\n");
	pk_buf_release(&now);
}
