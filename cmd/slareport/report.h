/*
 * report - slareport's rows in each output format.
 */
#ifndef SR_REPORT_H
#define SR_REPORT_H

#include <stdint.h>

#include "cmd/slareport/model.h"
#include "lib/buf.h"

struct sr_report_opts {
	const char *title;
	int has_target;
	double target;		/* ratio */
	int64_t now;
};

/* Append the report in format (ndjson, table, markdown, prom, html) to out. */
void sr_report(const struct sr_model *m, const char *format, const struct sr_report_opts *o,
    struct pk_buf *out);
/* The HTML page (html.c). */
void sr_report_html(const struct sr_model *m, const struct sr_report_opts *o, struct pk_buf *out);

/* Helpers shared by the formats. */
int sr_row_compliance(const struct sr_row *r, double *c);	/* 1 with a rounded ratio */
int sr_row_below(const struct sr_row *r, double target);	/* exact ratio < target */
void sr_row_dag(const struct sr_model *m, const struct sr_row *r, struct pk_buf *out);
void sr_row_task(const struct sr_model *m, const struct sr_row *r, struct pk_buf *out);
void sr_fmt_secs(double s, struct pk_buf *out);		/* "1h02m", "42.5s" */
void sr_fmt_period(int64_t t, struct pk_buf *out);	/* "2026-11-02" */

/*
 * --target: 1 when a summary row with a compliance is below target (each
 * such row named on stderr as "prog: DAG/TASK: compliance ... below ..."
 * unless prog is NULL), else 0.
 */
int sr_check_target(const struct sr_model *m, double target, const char *prog);

#endif
