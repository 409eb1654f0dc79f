/*
 * checks - the reliability, security, templating, performance and Airflow 3
 * rules (DC3xx-DC7xx), and the syntax-tree helpers they share.
 */
#ifndef DC_CHECKS_H
#define DC_CHECKS_H

#include <stddef.h>

#include "cmd/dagcheck/model.h"
#include "cmd/dagcheck/rules.h"
#include "lib/buf.h"

/* reliability.c: DC301-DC311 */
void dc_check_retries(struct dc_ctx *ctx, const struct dc_model *m);
void dc_check_sensor_timeout(struct dc_ctx *ctx, const struct dc_model *m);
void dc_check_sensor_poke(struct dc_ctx *ctx, const struct dc_model *m);
void dc_check_parse_time(struct dc_ctx *ctx, const struct dc_model *m);
void dc_check_catchup(struct dc_ctx *ctx, const struct dc_model *m);
void dc_check_schedule(struct dc_ctx *ctx, const struct dc_model *m);
void dc_check_owner(struct dc_ctx *ctx, const struct dc_model *m);
void dc_check_sla(struct dc_ctx *ctx, const struct dc_model *m);
void dc_check_exec_timeout(struct dc_ctx *ctx, const struct dc_model *m);
void dc_check_callback(struct dc_ctx *ctx, const struct dc_model *m);
void dc_check_pools(struct dc_ctx *ctx, const struct dc_model *m);

/* security.c: DC401-DC403 */
void dc_check_credentials(struct dc_ctx *ctx, const struct dc_model *m);
void dc_check_secret_strings(struct dc_ctx *ctx, const struct dc_model *m);

/* toplevel.c: DC404, DC601-DC603 */
void dc_check_top_level(struct dc_ctx *ctx, const struct dc_model *m);
void dc_check_heavy_imports(struct dc_ctx *ctx, const struct dc_model *m);

/* jinja.c: DC501-DC503 */
void dc_check_jinja(struct dc_ctx *ctx, const struct dc_model *m);

/* upgrade.c: DC701-DC708 */
void dc_check_af3_args(struct dc_ctx *ctx, const struct dc_model *m);
void dc_check_af3_tasks(struct dc_ctx *ctx, const struct dc_model *m);
void dc_check_af3_calls(struct dc_ctx *ctx, const struct dc_model *m);
void dc_check_af3_imports(struct dc_ctx *ctx, const struct dc_model *m);

/* ---- helpers (walk.c) ---- */

/* The dotted name an expression refers to through the file's imports:
 * `pd.read_csv` with `import pandas as pd` is "pandas.read_csv", `days_ago`
 * from airflow.utils.dates is "airflow.utils.dates.days_ago", a name nobody
 * imported is itself ("open"). Written to out (reset first); 0 when x is no
 * name or attribute chain. */
int dc_qualname(const struct dc_model *m, const struct py_node *x, struct pk_buf *out);

/* Call fn on every node under x, depth first (x included); fn returns 0 to
 * skip a node's children. */
typedef int (*dc_visit_fn)(const struct py_node *x, void *arg);
void dc_walk(const struct py_node *x, dc_visit_fn fn, void *arg);

/* Call fn on every expression that runs when Airflow imports the file:
 * module-level code, class bodies, functions the file calls at import time
 * (a @dag or @task_group function, a DAG factory), decorators and defaults;
 * never @task bodies, lambdas, other functions, `if __name__ == "__main__"`
 * or `if TYPE_CHECKING`. */
void dc_walk_import_time(const struct dc_model *m, dc_visit_fn fn, void *arg);

/* The PY_KEYWORD node of argument name in a call, or NULL. */
const struct py_node *dc_call_kw(const struct py_node *call, const char *name);

/* Append a secret as shown in findings: first two and last two characters
 * with stars between ("pa****rd"); fewer than 8 characters (or not plain
 * ASCII) all stars. */
void dc_redact(const char *s, size_t n, struct pk_buf *out);

/* 1 when s holds Jinja markup ("{{", "{%"). */
int dc_templated(const char *s);

/* Seconds of a duration-like value (timedelta, int, float); -1 unknown. */
double dc_seconds(const struct dc_val *v);

/* A task that does no work (EmptyOperator, DummyOperator, ExternalTaskMarker). */
int dc_task_is_noop(const struct dc_task *t);

#endif
