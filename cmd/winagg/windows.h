/*
 * windows - winagg's window engine: tumbling and hopping windows built from
 * panes, per-group sessions, lateness against a watermark, and the rows of
 * the windows that close. One engine (a "shard") holds a set of groups;
 * groups never interact, so shards run on separate threads (and, for
 * Kafka, one per partition set) and still give exactly one answer.
 */
#ifndef WINAGG_WINDOWS_H
#define WINAGG_WINDOWS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

#include "agg.h"

enum win_kind { WIN_TUMBLE, WIN_HOP, WIN_SESSION };

struct win_cfg {
	enum win_kind kind;
	int64_t size;		/* tumble, hop */
	int64_t advance;	/* hop (== size for tumble) */
	int64_t pane;		/* gcd(size, advance) */
	int64_t gap;		/* session */
	int64_t offset;
	int update;		/* --emit update: a row per change, none at close */
	const struct agg_cfg *agg;
	char **gnames;		/* -g field names, for the output */
	size_t ng;
	uint64_t max_groups;	/* 0: unlimited */
	_Atomic uint64_t *live;	/* open (window, group) states over all shards */
};

/*
 * Group keys: per -g field a tag byte (KEY_NULL, KEY_STR: decoded UTF-8
 * follows, KEY_RAW: the JSON text follows), the bytes with 0x00 written as
 * 0x00 0xff, then 0x00 0x00. memcmp on two keys orders them field by
 * field: null first, then strings by their bytes, then other values
 * (numbers, booleans) by their JSON text.
 */
enum { KEY_NULL = 1, KEY_STR = 2, KEY_RAW = 3 };
void key_add(struct pk_buf *key, int tag, const char *p, size_t n);
/* Appends ,"field":value for each group field. */
void key_render(const struct win_cfg *cfg, const unsigned char *key, size_t n,
    struct pk_buf *out);

/* One record as the engine sees it. */
struct win_rec {
	int64_t t;
	uint64_t seq;		/* arrival order over all runs: first/last ties */
	const unsigned char *key;
	size_t klen;
	uint64_t khash;
	const struct agg_val *v;
};

/* A rendered output row. Final mode sorts rows by (end, start, key);
 * update mode by (seq, end). */
struct win_row {
	int64_t end, start;
	uint64_t seq;
	size_t koff, klen, toff, tlen;	/* in the shard's row data */
};

struct shard;

struct shard *shard_new(const struct win_cfg *cfg);
void shard_free(struct shard *s);
/*
 * Close every window whose end is <= wm (appending their rows in final
 * mode) and free what no open window needs. wm never goes back.
 */
void shard_advance(struct shard *s, int64_t wm);
/*
 * Add a record that arrived when the watermark was wm. Returns 1 when it
 * went into at least one open window, 0 when it is late, -1 with err
 * (DATA) past --max-groups.
 */
int shard_add(struct shard *s, const struct win_rec *r, int64_t wm, struct pk_err *err);
/* The largest end of an open window (INT64_MIN when none). */
int64_t shard_max_end(const struct shard *s);

/* Rows produced since the last shard_rows_reset; borrowed. */
const struct win_row *shard_rows(const struct shard *s, size_t *n);
const char *shard_row_data(const struct shard *s);
void shard_rows_reset(struct shard *s);
/* Put the shard's rows in output order (final: end, start, key; update:
 * seq, end, start); win_row_cmp is that order across shards. */
void shard_sort_rows(struct shard *s);
int win_row_cmp(const struct win_row *p, const char *dp, const struct win_row *q,
    const char *dq, int update);
/* Open (window, group) states held; bytes of memory they use. */
uint64_t shard_groups(const struct shard *s);

/*
 * Saved form: tagged entries appended to out ('P' pane group, 'G' session
 * group with its sessions). shard_load_entry reads one entry at *p into
 * the shard pick() chooses by key hash; returns 1, 0 at the end tag 'E'
 * (consumed), -1 with err (DATA).
 */
void shard_save(const struct shard *s, struct pk_buf *out);
void shard_save_end(struct pk_buf *out);
int shard_load_entry(struct shard **shards, size_t nshards, const unsigned char **p,
    const unsigned char *end, struct pk_err *err);
/* The watermark the engine has closed windows up to (set on load). */
void shard_set_wm(struct shard *s, int64_t wm);

#endif
