/*
 * model - the DAGs, task groups, tasks and dependencies a DAG file declares,
 * extracted by evaluating its AST abstractly (no Python, no Airflow).
 */
#ifndef DC_MODEL_H
#define DC_MODEL_H

/* Statements and expressions evaluated in one file at most. */
#define DC_EVAL_FUEL 20000000

#include <stddef.h>

#include "cmd/dagcheck/pyparse.h"

enum dc_vkind {
	DV_UNKNOWN = 0,	/* a value the linter cannot know: rules never fire on it */
	DV_UNDEF,	/* a name assigned nowhere in the file (s: the name) */
	DV_NONE, DV_BOOL, DV_INT, DV_FLOAT, DV_STR, DV_BYTES,
	DV_LIST, DV_TUPLE, DV_SET, DV_DICT,
	DV_DURATION,	/* timedelta / pendulum.duration: f seconds */
	DV_DAG,		/* ref: struct dc_dag */
	DV_TASK,	/* ref: struct dc_task (an operator) */
	DV_XCOM,	/* ref: struct dc_task (its output: a @task call, .output, t["k"]) */
	DV_GROUP,	/* ref: struct dc_group */
	DV_FUNC,	/* ref: struct dc_func */
	DV_SYMBOL,	/* an imported name: s is its qualified name ("airflow.models.DAG") */
	DV_MODULE,	/* an imported module: s is its dotted path */
	DV_METHOD,	/* self.s, not yet called */
	DV_PARTIAL,	/* X.partial(**kw): self is X */
	DV_CLASSDEF	/* a class defined in the file: node */
};

struct dc_val;

/* Keyword arguments as written: name -> value (NULL name: unknown **x). */
struct dc_kw {
	const char *name;
	struct dc_val *val;
	const struct py_node *node;	/* the value expression */
};

struct dc_kwlist {
	struct dc_kw *v;
	int n, cap;
	int open;	/* holds a **x whose keys are unknown */
};

struct dc_val {
	enum dc_vkind kind;
	int open;			/* DICT/LIST: may hold entries we could not read */
	long long i;			/* BOOL, INT */
	double f;			/* FLOAT, DURATION */
	const char *s;			/* STR/BYTES text, SYMBOL/MODULE path, METHOD name */
	size_t n;
	struct dc_val **items;		/* LIST, TUPLE, SET elements; DICT values */
	struct dc_val **keys;		/* DICT keys */
	int nitems, cap;
	struct dc_val *self;		/* METHOD, PARTIAL */
	void *ref;			/* DAG, TASK, XCOM, GROUP, FUNC */
	const struct py_node *node;	/* where the value was written */
	struct dc_kwlist *kw;		/* PARTIAL: keyword arguments so far */
};

enum dc_deco { DD_NONE = 0, DD_TASK, DD_DAG, DD_TASK_GROUP };

struct dc_func {
	const struct py_node *def;
	enum dc_deco deco;
	const char *variant;		/* DD_TASK: "", "branch", "sensor", "virtualenv", ... */
	struct dc_kwlist kw;		/* decorator (and .override()) keyword arguments */
	const struct py_node *deco_node;
};

struct dc_dag;

struct dc_group {
	char *id;			/* full group id (parent prefix applied); NULL unknown */
	const char *local_id;
	struct dc_group *parent;
	struct dc_dag *dag;
	int prefix;			/* prefix_group_id (1 unless False; -1 unknown) */
	struct dc_val *default_args;	/* NULL when not given */
	int line, col;
	const struct py_node *node;
	struct dc_kwlist kw;
	unsigned flags;			/* DT_COND */
};

enum dc_task_flags {
	DT_MAPPED = 1 << 0,		/* .expand() / .expand_kwargs() */
	DT_SENSOR = 1 << 1,
	DT_BRANCH = 1 << 2,
	DT_DECORATED = 1 << 3,		/* a @task function call */
	DT_COND = 1 << 4,		/* created where the linter could not tell whether code runs */
	DT_DAG_UNKNOWN = 1 << 5,	/* dag= or the DAG context is a value we cannot know */
	DT_LITERAL_ID = 1 << 6,		/* task_id is a plain string literal */
	DT_EXT_SENSOR = 1 << 7,		/* ExternalTaskSensor */
	DT_EXT_MARKER = 1 << 8,		/* ExternalTaskMarker */
	DT_TRIGGER = 1 << 9		/* TriggerDagRunOperator */
};

struct dc_task {
	char *id;			/* full task id (group prefix applied); NULL unknown */
	const char *local_id;		/* as given */
	const char *op;			/* operator class name, or "@task", "@task.branch" */
	const char *qualname;		/* resolved callee ("airflow.operators.bash.BashOperator") or NULL */
	unsigned flags;
	struct dc_dag *dag;
	struct dc_group *group;
	int line, col;
	const struct py_node *call;	/* the call that created it */
	const struct dc_func *func;	/* DT_DECORATED */
	struct dc_kwlist kw;		/* the operator's keyword arguments (decorator's for @task) */
	const char *var;		/* the variable it was assigned to, if any */
	int var_line, var_col;
	int index;			/* position in its DAG's task list */
};

enum dc_edge_flags {
	DE_XCOM = 1 << 0,		/* implied by passing an XComArg */
	DE_COND = 1 << 1
};

struct dc_edge {
	struct dc_task *from, *to;
	int line, col;
	unsigned flags;
};

enum dc_dag_flags { DG_DECORATED = 1 << 0, DG_COND = 1 << 1 };

struct dc_dag {
	char *id;			/* NULL unknown */
	int line, col;
	const struct py_node *call;
	struct dc_kwlist kw;
	struct dc_val *default_args;
	unsigned flags;
	struct dc_task **tasks;
	int ntasks, capt;
	struct dc_edge *edges;
	int nedges, cape;
	struct dc_group **groups;
	int ngroups, capg;
};

struct dc_import {
	const char *module;		/* "airflow.operators.bash" (relative: leading dots kept) */
	const char *name;		/* imported name for `from`, NULL for `import module` */
	const char *asname;		/* NULL when not renamed */
	int line, col;
	int top;			/* at module top level (not inside def/class/if) */
	const struct py_node *node;
};

/* Problems noticed while evaluating (turned into findings by rules.c). */
struct dc_event {
	const char *code;		/* "DC103", "DC109" */
	int line, col;
	char *msg;
	struct dc_dag *dag;
	struct dc_task *task;
};

struct dc_model {
	const char *path;
	const char *src;
	size_t len;
	struct py_parse parse;
	int parsed;			/* 1 when the source parsed */
	int dag_file;			/* Airflow's heuristic: mentions "airflow" and "dag" */
	struct dc_dag **dags;
	int ndags, capd;
	struct dc_task **tasks;		/* every task, in creation order */
	int ntasks, capt;
	struct dc_import *imports;
	int nimports, capi;
	struct dc_event *events;
	int nevents, capev;
	int truncated;			/* evaluation budget (DC_EVAL_FUEL) ran out */
};

/* Parse and evaluate src[0..len) (borrowed; must outlive the model). */
void dc_model_build(struct dc_model *m, const char *path, const char *src, size_t len);
void dc_model_release(struct dc_model *m);

/*
 * A task's effective argument: its own keyword, else the default_args of its
 * operator call, its task groups (innermost first) and its DAG. Returns the
 * value (borrowed from the model), or NULL when no level sets it; DV_UNKNOWN
 * when a level might set it but cannot be read. *from (may be NULL) gets
 * "task", "group" or "dag".
 */
const struct dc_val *dc_task_param(const struct dc_task *t, const char *name, const char **from);
const struct dc_val *dc_kw_get(const struct dc_kwlist *kw, const char *name);
/* A DICT value's entry under a string key; NULL absent, DV_UNKNOWN when the dict is open. */
const struct dc_val *dc_dict_get(const struct dc_val *d, const char *key);

/* Airflow's might_contain_dag heuristic: the bytes hold "airflow" and "dag",
 * in any case. */
int dc_might_contain_dag(const char *src, size_t len);

/* 1 when v is a known string/number/bool/None (text in out for strings). */
int dc_val_is_const(const struct dc_val *v);

#endif
