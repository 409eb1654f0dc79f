/*
 * report - dagcheck's output formats: findings as text, ndjson, github,
 * sarif and junit; extracted graphs as NDJSON (--graph) and Graphviz (--dot).
 */
#ifndef DC_REPORT_H
#define DC_REPORT_H

#include <stddef.h>

#include "cmd/dagcheck/model.h"
#include "cmd/dagcheck/rules.h"
#include "lib/buf.h"

enum dc_format { DF_TEXT, DF_NDJSON, DF_GITHUB, DF_SARIF, DF_JUNIT };

int dc_format_parse(const char *s, enum dc_format *out);	/* 0 or -1 */

/* Append the whole report of sorted findings to out. files[0..nfiles) are
 * every file linted, in order (junit lists each as a test case). */
void dc_report_findings(enum dc_format fmt, const struct dc_findings *f,
    const char *const *files, size_t nfiles, struct pk_buf *out);

/* One NDJSON line per task of m's DAGs (tasks with a known DAG and id). */
void dc_graph_ndjson(const struct dc_model *m, struct pk_buf *out);
/* Graphviz: a cluster per DAG; call begin once, model per file, end once. */
void dc_graph_dot_begin(struct pk_buf *out);
void dc_graph_dot(const struct dc_model *m, struct pk_buf *out);
void dc_graph_dot_end(struct pk_buf *out);

/* The parameters --graph reads from each task, in output order. */
extern const char *const dc_graph_params[];

#endif
