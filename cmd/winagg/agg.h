/*
 * agg - winagg's aggregate functions: their -a specs, per-group state in one
 * flat block, exact merges, rendering and the saved form.
 */
#ifndef WINAGG_AGG_H
#define WINAGG_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"

enum agg_kind {
	AGG_COUNT, AGG_SUM, AGG_MIN, AGG_MAX, AGG_AVG, AGG_FIRST, AGG_LAST, AGG_DISTINCT,
	AGG_QUANTILE
};

/* What a record contributes for one field: a number, its JSON text, or
 * the hash of its key bytes. One slot per (field, kind) pair. */
enum slot_kind { SLOT_NUM, SLOT_TEXT, SLOT_HASH };

struct agg_spec {
	enum agg_kind kind;
	char *spec;		/* as written: "p95:latency" */
	char *name;		/* output field: "p95_latency", or its --as name */
	double q;		/* AGG_QUANTILE: 0..1 */
	int slot;		/* -1 for count */
	size_t off;		/* of its state in the group's block */
	int owner;		/* 0 when it shares the state of an earlier one */
};

struct agg_slot {
	char *field;
	struct pk_path path;
	enum slot_kind kind;
};

struct agg_cfg {
	struct agg_spec *a;
	size_t n;
	struct agg_slot *s;
	size_t ns;
	size_t size;		/* bytes of one group's state block */
	unsigned hll_p;
	double alpha;
};

/* A record's value for a slot; p/n borrowed from the record (TEXT). */
struct agg_val {
	int present;
	double d;
	uint64_t h;
	const char *p;
	size_t n;
};

/* Add the comma-separated aggregates of spec ("count,sum:clicks,p95:ms"). */
int agg_parse(struct agg_cfg *cfg, const char *spec, struct pk_err *err);
/* --as OLD=NEW: OLD is the generated name or the spec. */
int agg_rename(struct agg_cfg *cfg, const char *oldnew, struct pk_err *err);
/* Lay the state out; call once after parsing. */
int agg_finish(struct agg_cfg *cfg, struct pk_err *err);
void agg_cfg_release(struct agg_cfg *cfg);

/*
 * The values of a record for every slot into v[cfg->ns]. 0, or -1 with
 * *why (a static or buf-held reason) when a numeric field is not a number.
 * With empty_null (CSV rows) an empty string is no value, like null.
 */
int agg_extract(const struct agg_cfg *cfg, const struct pk_jdoc *doc, int empty_null,
    struct agg_val *v, struct pk_buf *why);

void agg_init(const struct agg_cfg *cfg, void *st);
void agg_add(const struct agg_cfg *cfg, void *st, const struct agg_val *v, int64_t t,
    uint64_t seq);
void agg_merge(const struct agg_cfg *cfg, void *dst, const void *src);
void agg_release(const struct agg_cfg *cfg, void *st);
/* Appends ,"name":value for each aggregate, in -a order. */
void agg_render(const struct agg_cfg *cfg, const void *st, struct pk_buf *out);
/* Heap bytes held beyond the block (sketches, texts). */
size_t agg_heap_bytes(const struct agg_cfg *cfg, const void *st);

void agg_save(const struct agg_cfg *cfg, const void *st, struct pk_buf *out);
int agg_load(const struct agg_cfg *cfg, void *st, const unsigned char **p,
    const unsigned char *end, struct pk_err *err);
/* A canonical description of the aggregates for the state fingerprint. */
void agg_describe(const struct agg_cfg *cfg, struct pk_buf *out);

/*
 * Exact sums: Shewchuk's non-overlapping partials, rounded at the end as
 * Python's math.fsum does, so a sum is the correctly rounded sum of its
 * values whatever their order or grouping (and merges are exact).
 */
struct fsum {
	uint64_t n;		/* values added */
	uint32_t np, cap;	/* partials; cap 0: the two inline ones */
	double *hp;
	double in[2];
};

void fsum_add(struct fsum *f, double x);
double fsum_value(const struct fsum *f);

#endif
