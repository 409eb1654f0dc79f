/*
 * rules - dagcheck's rule table, findings, and the cross-DAG registry that
 * rules over all given paths read.
 */
#ifndef DC_RULES_H
#define DC_RULES_H

#include <stddef.h>

#include "cmd/dagcheck/model.h"

enum dc_sev { DS_INFO = 0, DS_WARNING, DS_ERROR, DS_NEVER };

struct dc_loc {
	const char *file;		/* borrowed from the file list */
	int line, col;
	char *msg;			/* owned */
};

#define DC_MAX_RELATED 4

struct dc_finding {
	const char *code;
	enum dc_sev sev;
	size_t file_index;		/* order of the file in the run */
	const char *file;		/* borrowed from the file list */
	int line, col;
	char *dag_id, *task_id;		/* owned; NULL when not applicable */
	char *msg;			/* owned */
	struct dc_loc related[DC_MAX_RELATED];
	int nrelated;
};

struct dc_findings {
	struct dc_finding *v;
	size_t n, cap;
};

/* Rules that need asking for: policy (P, --require) and Airflow 3 migration. */
enum dc_rule_flags { DR_POLICY = 1 << 0, DR_AF3 = 1 << 1 };

/* --require items. */
enum dc_require {
	DQ_OWNER = 1 << 0, DQ_SLA = 1 << 1, DQ_RETRIES = 1 << 2, DQ_TIMEOUT = 1 << 3,
	DQ_CALLBACK = 1 << 4
};

/* A pool from --pools (slots < 0: not given). */
struct dc_pool {
	char *name;
	long long slots;
};

/* What the user selected (--select/--ignore/--severity/--fail-on). */
struct dc_config {
	char **select;			/* codes or prefixes; NULL/empty: all */
	size_t nselect;
	char **ignore;
	size_t nignore;
	struct { char *code; enum dc_sev sev; } *sevs;
	size_t nsevs;
	enum dc_sev fail_on;
	int target;			/* --target-version: 2, 3, or 0 (3 for files importing airflow.sdk) */
	unsigned require;		/* enum dc_require */
	struct dc_pool *pools;		/* --pools; NULL: DC311 off */
	size_t npools;
	const char *pools_file;
};

/* A DAG seen in some file (or declared): what cross-DAG rules need. */
struct dc_rdag {
	char *id;
	const char *file;		/* NULL for --known-dags entries */
	size_t file_index;
	int line, col;
	int cond;			/* defined in code that may not run */
	int complete;			/* every task id known */
	char **tasks;			/* task and group ids */
	size_t ntasks, capt;
};

enum dc_xref_kind { DX_SENSOR, DX_MARKER, DX_TRIGGER };

struct dc_xref {
	enum dc_xref_kind kind;
	const char *file;
	size_t file_index;
	int line, col;
	char *from_dag, *from_task;
	char *dag;			/* target dag id */
	char **tasks;			/* external_task_id(s) */
	size_t ntasks;
	char *group;			/* external_task_group_id */
};

struct dc_registry {
	struct dc_rdag *dags;
	size_t ndags, capd;
	struct dc_xref *xrefs;
	size_t nxrefs, capx;
	char **known;			/* --known-dags ids */
	size_t nknown, capk;
	/* `# noqa` comments, per file index */
	struct dc_noqa { size_t file_index; int line; char *codes; } *noqa;
	size_t nnoqa, capn;
	/* multi-line strings: a noqa on the last line covers the lines before */
	struct dc_span { size_t file_index; int first, last; } *spans;
	size_t nspans, caps;
};

/* The context a rule reports into. */
struct dc_ctx {
	struct dc_findings *out;
	const struct dc_config *cfg;
	struct dc_registry *reg;
	const char *file;
	size_t file_index;
	int af3;			/* the Airflow 3 rules apply to this file */
};

struct dc_rule {
	const char *code;
	enum dc_sev sev;
	const char *name;		/* kebab-case name for SARIF */
	const char *summary;		/* one line */
	/* per-file check over the model; NULL for rules run over all files */
	void (*check)(struct dc_ctx *ctx, const struct dc_model *m);
	unsigned flags;			/* enum dc_rule_flags */
};

extern const struct dc_rule dc_rules[];
extern const size_t dc_nrules;

const struct dc_rule *dc_rule_find(const char *code);
/* 1 when some rule's code starts with prefix (any case; not empty). */
int dc_code_known(const char *prefix);
/* 1 when code is selected by cfg (--select/--ignore only). */
int dc_rule_enabled(const struct dc_config *cfg, const char *code);
/* 1 when a finding of code would be kept in ctx's file: selected, and asked
 * for when it is a policy or Airflow 3 rule (noqa aside). */
int dc_code_active(const struct dc_ctx *ctx, const char *code);
enum dc_sev dc_rule_severity(const struct dc_config *cfg, const char *code);
const char *dc_sev_name(enum dc_sev s);
int dc_sev_parse(const char *s, enum dc_sev *out);	/* 0 ok, -1 unknown */

/* Report a finding (dropped when the rule is off or a noqa comment covers it).
 * Returns the finding for adding related locations, or NULL. */
struct dc_finding *dc_report(struct dc_ctx *ctx, const char *code, int line, int col,
    const char *dag_id, const char *task_id, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* dc_report, unless this file already has the same code at line:col with the
 * same message (a default_args dict shared by many tasks says it once). */
struct dc_finding *dc_report_once(struct dc_ctx *ctx, const char *code, int line, int col,
    const char *dag_id, const char *task_id, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
void dc_finding_related(struct dc_finding *f, const char *file, int line, int col,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Run every per-file rule on m, then record m's DAGs and cross-DAG
 * references (and its noqa comments) in ctx->reg. */
void dc_check_file(struct dc_ctx *ctx, const struct dc_model *m);
/* Rules over all files: DC104 across files, DC201-DC204. */
void dc_check_all(struct dc_ctx *ctx, const char *const *files);

void dc_findings_sort(struct dc_findings *f);
void dc_findings_release(struct dc_findings *f);
void dc_registry_release(struct dc_registry *r);
void dc_registry_add_dag(struct dc_registry *r, const char *id, const char *file, size_t file_index,
    int line, int col);
void dc_registry_add_task(struct dc_registry *r, const char *task_id);

#endif
