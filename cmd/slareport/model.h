/*
 * model - slareport's history in memory: interned ids, dag runs, the
 * standing try of each task instance, SLA rules, and the report rows.
 */
#ifndef SR_MODEL_H
#define SR_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define SR_NONE INT64_MIN	/* an absent timestamp or duration */

/* Interning of byte strings to dense ids (0, 1, ...). */
struct sr_intern {
	uint64_t *slot;		/* id + 1 | the hash's high 32 bits << 32; 0 empty */
	size_t cap;		/* power of two */
	struct pk_buf bytes;	/* every key, back to back */
	size_t *off;
	uint32_t *len;
	uint64_t *hash;
	size_t n, ncap;
};

void sr_intern_release(struct sr_intern *t);
/* The id of s[0..n): existing, or new when *isnew is set. */
uint32_t sr_intern(struct sr_intern *t, const void *s, size_t n, int *isnew);
/* Lookup only: 1 with *id, 0 absent. */
int sr_intern_find(const struct sr_intern *t, const void *s, size_t n, uint32_t *id);
const char *sr_intern_str(const struct sr_intern *t, uint32_t id, size_t *n);

enum sr_state {
	ST_NONE = 0,		/* null / no status: not started */
	ST_SUCCESS, ST_SKIPPED,
	ST_FAILED, ST_UPSTREAM_FAILED, ST_REMOVED,
	ST_RUNNING, ST_QUEUED, ST_SCHEDULED, ST_UP_FOR_RETRY, ST_UP_FOR_RESCHEDULE,
	ST_DEFERRED, ST_RESTARTING
};

/* -1 when name is not a known state. */
int sr_state_parse(const char *s, size_t n);
int sr_state_done_ok(int st);		/* success, skipped */
int sr_state_done_bad(int st);		/* failed, upstream_failed, removed */

/* What a reference timestamp is measured from. */
enum sr_refkind { REF_DEFAULT, REF_DIE, REF_RUN_AFTER, REF_LOGICAL };

struct sr_run {
	uint32_t dag;
	uint32_t name;		/* id in the run-name table (dag\0run) */
	int has_record;
	int state;		/* ST_*; ST_NONE when unknown */
	int64_t queued_at, logical, die, run_after, start, end;
	/* derived from its task instances */
	int64_t ti_min_start, ti_max_end;
	uint32_t nti;
	int ti_inflight, ti_failed;
	uint64_t retries;
};

struct sr_ti {
	uint32_t task, run;
	int32_t try_number;
	int32_t map_index;
	uint8_t state;
	uint8_t has_sla;
	int64_t start, end, dur;
	int64_t die, run_after, logical;	/* as on the record; SR_NONE absent */
	uint32_t held;		/* 1 + index of its held text, 0 none */
	uint32_t source;	/* index of the operand, for rejects */
	long line;
};

/* One slot of the task-instance table: the key, and its index + 1. */
struct sr_tislot {
	uint32_t task, run;
	int32_t map;
	uint32_t id;
};

struct sr_task {
	uint32_t dag;
	uint32_t name;		/* id in the task-name table */
	int sla_known;
	int64_t sla;		/* SR_NONE: no SLA applies */
};

struct sr_rule {
	char *dag_glob, *task_glob;
	int64_t ns;
};

enum sr_dlref {
	DL_QUEUED_AT, DL_LOGICAL_DATE, DL_DIE, DL_RUN_AFTER, DL_START_DATE,
	DL_REFERENCE,		/* --reference's choice */
	DL_TIME_OF_DAY,		/* the first HH:MM:SS at or after the reference */
	DL_FIXED		/* one instant for every run */
};

struct sr_deadline {
	char *dag_glob;
	enum sr_dlref ref;
	int64_t t;		/* time of day (ns after midnight) or the fixed instant */
	int64_t plus;
};

enum sr_measure { MEASURE_DEADLINE, MEASURE_DURATION };
enum sr_by { BY_NONE, BY_DAY, BY_WEEK };

enum sr_rowkind { ROW_TASK, ROW_DAG, ROW_ALL };

struct sr_row {
	enum sr_rowkind kind;
	uint32_t dag, task;	/* ids into model's dag/task arrays */
	int has_period;
	int64_t period;		/* start of the day or week */
	uint64_t runs, met, missed, pending, failed, retries;
	int has_sla;
	int has_dur;
	double p50, p95, p99;	/* seconds */
	int has_late;
	double max_late, mean_late;	/* seconds */
};

struct sr_model {
	struct sr_intern dag_names, task_names, run_names;
	struct sr_tislot *tislots;	/* (task, run, map_index) -> index in tis */
	size_t tislots_cap;
	struct sr_task *tasks;
	size_t ntasks, tasks_cap;
	struct sr_run *runs;
	size_t nruns, runs_cap;
	struct sr_ti *tis;
	size_t ntis, tis_cap;
	char **held;		/* raw text of instances whose reference may never resolve */
	size_t *heldn;
	size_t nheld, held_cap;
	size_t nrun_records;

	struct sr_rule *rules;
	size_t nrules;
	struct sr_deadline *deadlines;
	size_t ndeadlines;

	enum sr_measure measure;
	enum sr_refkind reference;
	enum sr_by by;
	int64_t now, since, until;	/* SR_NONE: not given */

	/* results */
	struct sr_row *rows;	/* summary rows: per DAG its row then its tasks, then overall */
	size_t nrows;
	struct sr_row *series;	/* --by rows in the same order, by period */
	size_t nseries;
	size_t unevaluated_runs;	/* --deadline without a dag-run record */
	/* --deadline with a dag-run record that lacks the reference, by ref */
	size_t unevaluated_noref[DL_FIXED + 1];

	struct pk_buf key;	/* scratch for two-part keys */
};

void sr_model_init(struct sr_model *m);
void sr_model_release(struct sr_model *m);

uint32_t sr_dag(struct sr_model *m, const char *s, size_t n);
uint32_t sr_task(struct sr_model *m, uint32_t dag, const char *s, size_t n);
uint32_t sr_run(struct sr_model *m, uint32_t dag, const char *s, size_t n);
const char *sr_dag_name(const struct sr_model *m, uint32_t dag, size_t *n);
const char *sr_task_name(const struct sr_model *m, uint32_t task, size_t *n);

/* The SLA of a task (rules resolved once per task, last match wins). */
int64_t sr_task_sla(struct sr_model *m, uint32_t task);

/*
 * Add the try described by ti (task, run, map_index, try_number set): it
 * replaces a standing try of the same instance when its try_number is not
 * lower. Returns the slot it went to, or NULL when an older try was ignored.
 */
struct sr_ti *sr_add_ti(struct sr_model *m, const struct sr_ti *ti);
/* Ask for the cache line sr_add_ti will probe first for ti (a hint only). */
void sr_prefetch_ti(const struct sr_model *m, const struct sr_ti *ti);
/* Keep raw text for a task instance that may have to be rejected later. */
void sr_hold(struct sr_model *m, struct sr_ti *ti, const char *raw, size_t n);

/* A task instance's reference timestamp under the model's --reference. */
int64_t sr_ti_reference(const struct sr_model *m, const struct sr_ti *ti);
/* The same from the task instance's own fields only (no dag run). */
int64_t sr_ti_own_reference(const struct sr_model *m, const struct sr_ti *ti);

/*
 * Evaluate everything and fill rows/series. on_unresolved is called for
 * each task instance with an SLA whose reference cannot be found (its
 * held text, if any); it is left out of the report.
 */
void sr_model_report(struct sr_model *m,
    void (*on_unresolved)(void *ctx, const struct sr_ti *ti, const char *raw, size_t n),
    void *ctx);

/* Parse --deadline's value "GLOB=REF[+DURATION]": 0, or -1 with msg. */
int sr_deadline_parse(const char *arg, struct sr_deadline *d, char *msg, size_t msgn);

#endif
