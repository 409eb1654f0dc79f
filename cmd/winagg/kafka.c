/*
 * kafka - winagg in a Kafka consumer group: window state per assigned
 * partition, checkpointed to one state file per topic-partition, offsets
 * committed only once the output they account for is durable, results
 * optionally produced to a topic in the transaction that commits them.
 */
#include "winagg.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/hash.h"
#include "lib/kcat.h"

/* How long librdkafka calls that wait on the broker may take. */
#define KTIMEOUT_MS 30000

struct kctx {
	struct wa *wa;
	struct pk_kcons *k;
	struct pk_kprod *prod;
	int txn;
	struct wpart **parts;	/* assigned */
	struct wpart *last;	/* the one part_find found last */
	size_t nparts, capparts;
	struct parser ps;
	struct pk_buf line, src, kbuf, path;
	int flushing;		/* the final checkpoint of a run with --flush */
	int verbose;
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --- partitions ------------------------------------------------------------ */

static struct wpart *
part_new(const char *topic, int32_t partition)
{
	struct wpart *pt = pk_xcalloc(1, sizeof *pt);

	pt->topic = pk_xstrdup(topic);
	pt->partition = partition;
	pt->next = -1;
	pt->maxt = pt->floor = pt->closed = INT64_MIN;
	pt->active_ns = now_ns();
	return pt;
}

/* Everything but the identity: back to a fresh, unloaded partition. */
static void
part_clear(struct wpart *pt)
{
	shard_free(pt->shard);
	pt->shard = NULL;
	free(pt->rows);
	pt->rows = NULL;
	pt->nrows = pt->caprows = 0;
	pk_buf_release(&pt->rdata);
	pt->loaded = pt->dirty = 0;
	pt->next = -1;
	pt->maxt = pt->floor = pt->closed = INT64_MIN;
	pt->out_seq = 0;
}

static void
part_free(struct wpart *pt)
{
	if (pt == NULL)
		return;
	part_clear(pt);
	free(pt->topic);
	free(pt);
}

static struct wpart *
part_find(struct kctx *c, const char *topic, int32_t partition)
{
	size_t i;

	if (c->last != NULL && c->last->partition == partition && strcmp(c->last->topic, topic) == 0)
		return c->last;
	for (i = 0; i < c->nparts; i++)
		if (c->parts[i]->partition == partition && strcmp(c->parts[i]->topic, topic) == 0)
			return c->last = c->parts[i];
	return NULL;
}

/* DIR/TOPIC.PARTITION.state (or .pending): topic names are [A-Za-z0-9._-]. */
static const char *
state_path(struct kctx *c, const struct wpart *pt, const char *suffix)
{
	pk_buf_reset(&c->path);
	pk_buf_printf(&c->path, "%s/%s.%d.%s", c->wa->state_path, pt->topic, (int)pt->partition,
	    suffix);
	return c->path.p;
}

static const char *
out_path(struct kctx *c, const struct wpart *pt, uint64_t seq)
{
	pk_buf_reset(&c->path);
	pk_buf_printf(&c->path, "%s/%s.%d.%08llu.ndjson", c->wa->outdir, pt->topic,
	    (int)pt->partition, (unsigned long long)seq);
	return c->path.p;
}

static int64_t
sat_sub(int64_t a, int64_t b)
{
	if (a == INT64_MIN)
		return INT64_MIN;
	return a < INT64_MIN + b ? INT64_MIN : a - b;
}

/* The partition's own watermark: what decides whether its records are late. */
static int64_t
part_wm(const struct wa *wa, const struct wpart *pt)
{
	int64_t w = sat_sub(pt->maxt, wa->lateness);

	if (pt->floor > w)
		w = pt->floor;
	if (pt->closed > w)
		w = pt->closed;
	return w;
}

static int
same_offset(int64_t committed, int64_t next)
{
	return committed < 0 ? next < 0 : committed == next;
}

/*
 * The state a newly assigned partition resumes from. The group's committed
 * offset says which of the two files is the truth: .pending is written
 * before offsets are committed and renamed to .state after, so a crash in
 * between leaves the one that matches the commit.
 */
static int
part_load(struct kctx *c, struct wpart *pt, struct pk_err *err)
{
	struct wa *wa = c->wa;
	struct pk_ktp tp = { pt->topic, pt->partition, -1001 };
	struct wpart *cand[2] = { NULL, NULL }, *use = NULL;
	const char *suffix[2] = { "pending", "state" };
	int rc, i;

	if (pk_kcons_committed(c->k, &tp, 1, KTIMEOUT_MS, err) < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		cand[i] = part_new(pt->topic, pt->partition);
		rc = wa_part_load(wa, cand[i], state_path(c, pt, suffix[i]), err);
		if (rc < 0)
			goto fail;
		if (rc > 0) {
			part_free(cand[i]);
			cand[i] = NULL;
		}
	}
	for (i = 0; i < 2 && use == NULL; i++)
		if (cand[i] != NULL && same_offset(tp.offset, cand[i]->next))
			use = cand[i];
	/* A .pending that matches no commit is an attempt that never
	 * committed: dropped. A .state that does not match was committed
	 * once; the group's offsets moved without it (reset by hand, or a
	 * broker that keeps no transactional offsets, such as librdkafka's
	 * mock cluster): it is still the best there is. */
	if (use == NULL && cand[1] != NULL) {
		use = cand[1];
		if (!wa->cli->quiet)
			pk_cli_warn(wa->cli, "%s[%d]: the saved state is at offset %lld but the group's "
			    "committed offset is %lld (reset, or another group or state directory?): "
			    "resuming from the saved state", pt->topic, (int)pt->partition,
			    (long long)use->next, (long long)tp.offset);
	} else if (use == NULL && tp.offset >= 0 && !wa->cli->quiet) {
		pk_cli_warn(wa->cli, "%s[%d]: no saved state in '%s' but the group has committed "
		    "offset %lld: windows of the records before it are not resumed", pt->topic,
		    (int)pt->partition, wa->state_path, (long long)tp.offset);
	}
	part_clear(pt);
	if (use != NULL) {
		pt->shard = use->shard;
		use->shard = NULL;
		pt->rows = use->rows;
		pt->nrows = use->nrows;
		pt->caprows = use->caprows;
		use->rows = NULL;
		pt->rdata = use->rdata;
		memset(&use->rdata, 0, sizeof use->rdata);
		pt->next = use->next;
		pt->maxt = use->maxt;
		pt->floor = use->floor;
		pt->closed = use->closed;
		pt->out_seq = use->out_seq;
	} else {
		pt->shard = shard_new(&wa->win);
	}
	pt->loaded = 1;
	pt->active_ns = now_ns();
	part_free(cand[0]);
	part_free(cand[1]);
	return 0;
fail:
	part_free(cand[0]);
	part_free(cand[1]);
	return -1;
}

/* Move the rows the engine produced into the partition's unreleased rows. */
static void
pull_rows(struct wpart *pt)
{
	const struct win_row *r;
	const char *d;
	size_t n, i;

	shard_sort_rows(pt->shard);
	r = shard_rows(pt->shard, &n);
	d = shard_row_data(pt->shard);
	for (i = 0; i < n; i++) {
		struct win_row *w;

		if (pt->nrows == pt->caprows) {
			pt->caprows = pt->caprows ? pt->caprows * 2 : 64;
			pt->rows = pk_xrealloc(pt->rows, pt->caprows * sizeof *pt->rows);
		}
		w = &pt->rows[pt->nrows++];
		*w = r[i];
		w->koff = pt->rdata.len;
		pk_buf_add(&pt->rdata, d + r[i].koff, r[i].klen);
		w->toff = pt->rdata.len;
		pk_buf_add(&pt->rdata, d + r[i].toff, r[i].tlen);
	}
	if (n > 0)
		pt->dirty = 1;
	shard_rows_reset(pt->shard);
}

/* Drop the first n unreleased rows. */
static void
drop_rows(struct wpart *pt, size_t n)
{
	struct pk_buf nd = PK_BUF_INIT;
	size_t i;

	if (n == 0)
		return;
	for (i = n; i < pt->nrows; i++) {
		struct win_row w = pt->rows[i];

		w.koff = nd.len;
		pk_buf_add(&nd, pt->rdata.p + pt->rows[i].koff, w.klen);
		w.toff = nd.len;
		pk_buf_add(&nd, pt->rdata.p + pt->rows[i].toff, w.tlen);
		pt->rows[i - n] = w;
	}
	pt->nrows -= n;
	pk_buf_release(&pt->rdata);
	pt->rdata = nd;
	pt->dirty = 1;
}

/* --- the instance watermark and releasing rows ---------------------------------- */

static int
part_idle(const struct wa *wa, const struct wpart *pt, int64_t now)
{
	return wa->idle_timeout > 0 && now - pt->active_ns >= wa->idle_timeout;
}

/*
 * The minimum of the watermarks of the assigned partitions that are not
 * idle; INT64_MAX when every one is idle (nothing holds the rows back).
 */
static int64_t
instance_wm(const struct kctx *c, int64_t now)
{
	int64_t m = INT64_MAX;
	size_t i;

	for (i = 0; i < c->nparts; i++) {
		const struct wpart *pt = c->parts[i];

		if (pt->loaded && !part_idle(c->wa, pt, now) && part_wm(c->wa, pt) < m)
			m = part_wm(c->wa, pt);
	}
	return m;
}

struct relrow {
	struct wpart *pt;
	const struct win_row *r;
};

static int update_mode;

static int
cmp_rel(const void *a, const void *b)
{
	const struct relrow *x = a, *y = b;

	return win_row_cmp(x->r, x->pt->rdata.p, y->r, y->pt->rdata.p, update_mode);
}

/* The record key of a result: window and group, so compaction keeps the last. */
static void
result_key(struct kctx *c, const struct wpart *pt, const struct win_row *r)
{
	struct pk_buf *k = &c->kbuf;

	pk_buf_reset(k);
	pk_buf_adds(k, "{\"window_start\":\"");
	pk_time_format(r->start, k);
	pk_buf_adds(k, "\",\"window_end\":\"");
	pk_time_format(r->end, k);
	pk_buf_addc(k, '"');
	key_render(&c->wa->win, (const unsigned char *)pt->rdata.p + r->koff, r->klen, k);
	pk_buf_addc(k, '}');
}

/* Remove -O files of pt numbered above its out_seq: left by a run whose
 * offsets were never committed, and redone now. */
static void
unlink_stale(struct kctx *c, const struct wpart *pt)
{
	uint64_t s;

	for (s = pt->out_seq + 1; unlink(out_path(c, pt, s)) == 0; s++)
		;
}

/* -O: the released rows of one partition as its next file. */
static int
write_part_file(struct kctx *c, struct wpart *pt, const struct relrow *rel, size_t n,
    struct pk_err *err)
{
	struct pk_writer *w = pk_writer_open(out_path(c, pt, pt->out_seq + 1), PK_W_NO_COMPRESS,
	    err);
	size_t i;

	if (w == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (rel[i].pt == pt && pk_writer_write(w, pt->rdata.p + rel[i].r->toff,
		    rel[i].r->tlen, err) != 0) {
			pk_writer_abort(w);
			return -1;
		}
	if (pk_writer_close(w, err) != 0)
		return -1;
	pt->out_seq++;
	return 0;
}

/* The watermark rows are released up to. */
static int64_t
release_wm(const struct kctx *c, int all)
{
	return all || c->wa->win.update ? INT64_MAX : instance_wm(c, now_ns());
}

/* 1 when some closed row would be released now. */
static int
releasable(const struct kctx *c, int all)
{
	int64_t w = release_wm(c, all);
	size_t i;

	for (i = 0; i < c->nparts; i++)
		if (c->parts[i]->loaded && c->parts[i]->nrows > 0 && c->parts[i]->rows[0].end <= w)
			return 1;
	return 0;
}

/*
 * Release the closed rows the instance watermark has passed (all of them
 * with all != 0, and in --emit update mode) to the output: stdout, one
 * file per partition under -O, or the output topic. Returns the number of
 * rows, or -1 with err.
 */
static long
release(struct kctx *c, int all, struct pk_err *err)
{
	struct wa *wa = c->wa;
	int64_t w = release_wm(c, all);
	struct relrow *rel = NULL;
	size_t n = 0, cap = 0, i, j, *take = pk_xcalloc(c->nparts + 1, sizeof *take);
	int rc = 0;

	for (i = 0; i < c->nparts; i++) {
		struct wpart *pt = c->parts[i];

		if (!pt->loaded)
			continue;
		for (j = 0; j < pt->nrows && pt->rows[j].end <= w; j++) {
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				rel = pk_xrealloc(rel, cap * sizeof *rel);
			}
			rel[n].pt = pt;
			rel[n++].r = &pt->rows[j];
		}
		take[i] = j;
	}
	update_mode = wa->win.update;
	if (n > 1)
		qsort(rel, n, sizeof *rel, cmp_rel);
	for (i = 0; i < c->nparts && rc == 0 && wa->outdir; i++)
		if (take[i] > 0)
			rc = write_part_file(c, c->parts[i], rel, n, err);
	for (i = 0; i < n && rc == 0 && !wa->outdir; i++) {
		const struct win_row *r = rel[i].r;
		const char *text = rel[i].pt->rdata.p + r->toff;

		if (c->prod == NULL) {
			rc = pk_writer_write(wa->cli->out, text, r->tlen, err);
		} else {
			struct pk_kmsg m;

			memset(&m, 0, sizeof m);
			result_key(c, rel[i].pt, r);
			m.topic = wa->out_topic;
			m.partition = -1;
			m.key = c->kbuf.p;
			m.keylen = c->kbuf.len;
			m.value = text;
			m.len = r->tlen - 1;	/* no newline in a message */
			rc = pk_kprod_send(c->prod, &m, err);
		}
		wa->rows++;
	}
	if (rc == 0 && wa->outdir)
		wa->rows += n;
	if (rc == 0)
		for (i = 0; i < c->nparts; i++)
			drop_rows(c->parts[i], take[i]);
	free(rel);
	free(take);
	return rc == 0 ? (long)n : -1;
}

/* --- checkpoints ----------------------------------------------------------------- */

/* pending -> state, once the offsets it holds are committed. */
static void
promote(struct kctx *c, struct wpart *pt)
{
	char *from = pk_xstrdup(state_path(c, pt, "pending"));

	if (rename(from, state_path(c, pt, "state")) != 0 && errno != ENOENT && !c->wa->cli->quiet)
		pk_cli_warn(c->wa->cli, "cannot rename '%s': %s", from, strerror(errno));
	free(from);
}

static void
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* Free what c holds besides its consumer and producer. */
static void
kctx_release(struct kctx *c)
{
	while (c->nparts > 0)
		part_free(c->parts[--c->nparts]);
	free(c->parts);
	c->parts = NULL;
	c->last = NULL;
	c->capparts = 0;
	parser_release(&c->ps);
	memset(&c->ps, 0, sizeof c->ps);
	pk_buf_release(&c->line);
	pk_buf_release(&c->src);
	pk_buf_release(&c->kbuf);
	pk_buf_release(&c->path);
}

/* A fatal error inside a rebalance hook or a transaction: exit from here. */
static void
kdie(struct kctx *c, const struct pk_err *err) __attribute__((noreturn));

static void
kdie(struct kctx *c, const struct pk_err *err)
{
	kctx_release(c);
	pk_die(c->wa->cli, err);
}

static void txn_die(struct kctx *c, int rc, struct pk_err *err) __attribute__((noreturn));

/*
 * A transaction failed: abort it (nothing it holds becomes visible and no
 * offset is committed) and stop; the next run resumes from the committed
 * offsets and the state that matches them. Never returns: the consumer
 * must not be closed, which would commit offsets outside the transaction.
 */
static void
txn_die(struct kctx *c, int rc, struct pk_err *err)
{
	struct pk_err aerr = PK_ERR_INIT;
	char why[sizeof err->msg];

	snprintf(why, sizeof why, "%s", err->msg);
	if (rc == PK_KTXN_ABORTABLE && pk_kprod_txn_abort(c->prod, KTIMEOUT_MS, &aerr) == 0)
		pk_err_set(err, PK_ERR_KAFKA, "transaction aborted (%s): none of its results are "
		    "visible and no offset was committed; run again to redo it", why);
	else if (rc == PK_KTXN_ABORTABLE)
		pk_err_set(err, PK_ERR_KAFKA, "%s; and the abort failed: %s", why, aerr.msg);
	kdie(c, err);
}

/*
 * Make everything up to now durable and commit it: rows the instance
 * watermark passed go out (flushed, written and renamed, or produced and
 * acknowledged; in a transaction with --output-topic and a
 * transactional.id), each changed partition's state is saved as .pending
 * (fsynced), its offset stored and committed (in the transaction, with
 * one), then .pending becomes .state. 0, or -1 with err.
 */
static int
checkpoint(struct kctx *c, struct pk_err *err)
{
	struct wa *wa = c->wa;
	size_t i, ndirty = 0;
	long nrel;
	int rc;

	for (i = 0; i < c->nparts; i++) {
		struct wpart *pt = c->parts[i];

		if (!pt->loaded)
			continue;
		if (c->flushing) {
			int64_t m = shard_max_end(pt->shard);

			if (m > pt->floor) {
				pt->floor = m;
				pt->dirty = 1;
			}
			if (pt->floor > pt->closed) {
				shard_advance(pt->shard, pt->floor);
				pt->closed = pt->floor;
				pt->dirty = 1;
			}
		}
		/* What the partition's last records closed. */
		if (part_wm(wa, pt) > pt->closed) {
			pt->closed = part_wm(wa, pt);
			shard_advance(pt->shard, pt->closed);
			pt->dirty = 1;
		}
		pull_rows(pt);
		if (pt->dirty)
			ndirty++;
	}
	/* Nothing read and nothing the watermark (or idleness) lets out. */
	if (ndirty == 0 && !releasable(c, c->flushing))
		return 0;
	if (c->txn && (rc = pk_kprod_txn_begin(c->prod, err)) != 0)
		txn_die(c, rc, err);
	if ((nrel = release(c, c->flushing, err)) < 0) {
		if (c->txn)
			txn_die(c, PK_KTXN_ABORTABLE, err);
		return -1;
	}
	if (wa->outdir == NULL && c->prod == NULL && pk_writer_flush(wa->cli->out, err) != 0)
		return -1;
	if (c->prod != NULL && !c->txn) {
		if (pk_kprod_flush(c->prod, -1, err) != 0)
			return -1;
		if (pk_kprod_failed(c->prod) > 0)
			return pk_err_set(err, PK_ERR_KAFKA, "%llu results not delivered to '%s': %s",
			    (unsigned long long)pk_kprod_failed(c->prod), wa->out_topic,
			    pk_kprod_first_error(c->prod) ? pk_kprod_first_error(c->prod) : "?");
	}
	for (i = 0; i < c->nparts; i++) {
		struct wpart *pt = c->parts[i];

		if (!pt->loaded || !pt->dirty)
			continue;
		if (wa->outdir)
			unlink_stale(c, pt);
		if (wa_part_save(wa, pt, state_path(c, pt, "pending"), err) != 0) {
			if (c->txn)
				txn_die(c, PK_KTXN_ABORTABLE, err);
			return -1;
		}
		if (pt->next > 0)
			pk_kcons_store(c->k, pt->topic, pt->partition, pt->next - 1);
	}
	if (wa->outdir)
		sync_dir(wa->outdir);
	if (c->txn) {
		if ((rc = pk_kprod_txn_send_offsets(c->prod, c->k, KTIMEOUT_MS, err)) != 0)
			txn_die(c, rc, err);
		if ((rc = pk_kprod_txn_commit(c->prod, KTIMEOUT_MS, err)) != 0)
			txn_die(c, rc, err);
		rc = 0;
	} else {
		rc = pk_kcons_commit(c->k, err);
		if (rc < 0)
			return -1;
	}
	for (i = 0; i < c->nparts; i++) {
		struct wpart *pt = c->parts[i];

		if (!pt->loaded || !pt->dirty)
			continue;
		/* Deferred by a rebalance: .pending stays, and whichever
		 * instance resumes the partition picks the file that matches
		 * the offset the group ends up with. */
		if (rc == 0)
			promote(c, pt);
		pt->dirty = 0;
	}
	sync_dir(wa->state_path);
	return 0;
}

/* --- rebalance hooks --------------------------------------------------------------- */

static void
on_assigned(void *arg, const struct pk_ktp *tps, size_t n)
{
	struct kctx *c = arg;
	size_t i;

	for (i = 0; i < n; i++) {
		if (part_find(c, tps[i].topic, tps[i].partition) != NULL)
			continue;
		if (c->nparts == c->capparts) {
			c->capparts = c->capparts ? c->capparts * 2 : 16;
			c->parts = pk_xrealloc(c->parts, c->capparts * sizeof *c->parts);
		}
		c->parts[c->nparts++] = part_new(tps[i].topic, tps[i].partition);
	}
	if (c->verbose) {
		fprintf(stderr, "%s: assigned %zu partitions:", c->wa->cli->prog, n);
		for (i = 0; i < n; i++)
			fprintf(stderr, " %s[%d]", tps[i].topic, (int)tps[i].partition);
		fputc('\n', stderr);
	}
}

/*
 * Partitions are taken away: checkpoint everything (their state goes to
 * whichever instance is assigned them next), then forget them. Called
 * from inside pk_kcons_poll and pk_kcons_close.
 */
static void
on_revoked(void *arg, const struct pk_ktp *tps, size_t n)
{
	struct kctx *c = arg;
	struct pk_err err = PK_ERR_INIT;
	size_t i, j;

	if (checkpoint(c, &err) != 0)
		kdie(c, &err);
	for (i = 0; i < n; i++)
		for (j = 0; j < c->nparts; j++)
			if (c->parts[j]->partition == tps[i].partition &&
			    strcmp(c->parts[j]->topic, tps[i].topic) == 0) {
				if (c->last == c->parts[j])
					c->last = NULL;
				part_free(c->parts[j]);
				c->parts[j] = c->parts[--c->nparts];
				break;
			}
	if (c->verbose)
		fprintf(stderr, "%s: revoked %zu partitions\n", c->wa->cli->prog, n);
}

/* --- records ------------------------------------------------------------------------- */

/* How rejects and late records name their source: TOPIC[PARTITION]. */
static const char *
source(struct kctx *c, const struct pk_krec *kr)
{
	pk_buf_reset(&c->src);
	pk_buf_printf(&c->src, "%s[%d]", kr->topic, (int)kr->partition);
	return c->src.p;
}

static int
add_record(struct kctx *c, const struct pk_krec *kr, struct pk_err *err)
{
	struct wa *wa = c->wa;
	struct wpart *pt = part_find(c, kr->topic, kr->partition);
	struct win_rec r;
	const char *line;
	size_t len;
	int64_t t, wm;
	int rc;

	if (pt == NULL || !pt->loaded)
		return 0;	/* from before a rebalance */
	if (pt->next >= 0 && kr->offset < pt->next)
		return 0;	/* already in the saved state */
	pt->next = kr->offset + 1;
	pt->dirty = 1;
	pt->active_ns = now_ns();
	wa->in->rej.read++;
	if (wa->envelope) {
		pk_buf_reset(&c->line);
		pk_kcat_write(&c->line, kr);
		line = c->line.p;
		len = c->line.len - 1;
	} else if (kr->payload == NULL) {
		return pk_reject_add(&wa->in->rej, source(c, kr), (long)kr->offset, "", 0,
		    "null payload (a tombstone)", err);
	} else {
		line = kr->payload;
		len = kr->len;
	}
	if (len > (wa->max_line ? wa->max_line : (size_t)PK_MAX_RECORD_BYTES_DEFAULT)) {
		pk_buf_reset(&c->ps.why);
		pk_buf_printf(&c->ps.why, "record longer than %zu bytes (--max-record-bytes)",
		    wa->max_line ? wa->max_line : (size_t)PK_MAX_RECORD_BYTES_DEFAULT);
		return pk_reject_add(&wa->in->rej, source(c, kr), (long)kr->offset, line, len,
		    c->ps.why.p, err);
	}
	if (!parse_line(wa, &c->ps, line, len, &t))
		return pk_reject_add(&wa->in->rej, source(c, kr), (long)kr->offset, line, len,
		    c->ps.why.p, err);
	wm = part_wm(wa, pt);
	/* Arrival order within the partition: its offsets. */
	r.t = t;
	r.seq = (uint64_t)kr->offset;
	r.key = (const unsigned char *)c->ps.key.p;
	r.klen = c->ps.key.len;
	r.khash = pk_hash64(c->ps.key.p, c->ps.key.len, 0);
	r.v = c->ps.v;
	rc = shard_add(pt->shard, &r, wm, err);
	if (rc < 0)
		return -1;
	if (wm > pt->closed)
		pt->closed = wm;
	if (rc == 0 && late_record(wa, source(c, kr), (long)kr->offset, line, len, t, wm, err) != 0)
		return -1;
	if (t > pt->maxt)
		pt->maxt = t;
	return 0;
}

static int
load_new(struct kctx *c, struct pk_err *err)
{
	size_t i;

	for (i = 0; i < c->nparts; i++)
		if (!c->parts[i]->loaded && part_load(c, c->parts[i], err) != 0)
			return -1;
	return 0;
}

/* --- the run -------------------------------------------------------------------------- */

int
wa_kafka_run(struct wa *wa, struct pk_err *err)
{
	struct kctx c;
	struct pk_kcons_hooks hooks;
	const struct pk_krec *kr;
	const char *topics[1];
	int64_t last;
	long n;
	int rc, failed = 0;

	memset(&c, 0, sizeof c);
	c.wa = wa;
	c.verbose = wa->cli->verbose;
	parser_init(&c.ps, wa);
	wa->kconf.log = pk_cli_klog;
	wa->kconf.log_arg = wa->cli;
	if (pk_kconf_env(&wa->kconf, err) < 0)
		return -1;
	if (wa->out_topic != NULL) {
		c.txn = pk_kconf_get(&wa->kconf, "transactional.id") != NULL;
		c.prod = pk_kprod_new(&wa->kconf, NULL, NULL, err);
		if (c.prod == NULL || (c.txn && pk_kprod_txn_init(c.prod, KTIMEOUT_MS, err) != 0)) {
			kctx_release(&c);
			return -1;
		}
	}
	hooks.assigned = on_assigned;
	hooks.revoked = on_revoked;
	hooks.arg = &c;
	c.k = pk_kcons_new(&wa->kconf, wa->group, wa->at_end, &hooks, err);
	topics[0] = wa->topic;
	if (c.k == NULL || pk_kcons_subscribe(c.k, topics, 1, err) != 0) {
		kctx_release(&c);
		return -1;
	}
	last = now_ns();
	for (;;) {
		if (pk_cli_interrupted())
			break;
		rc = pk_kcons_poll(c.k, 100, &kr, err);
		if (rc < 0) {
			failed = 1;
			break;
		}
		if (load_new(&c, err) != 0) {
			failed = 1;
			break;
		}
		if (rc == 1 && add_record(&c, kr, err) != 0) {
			failed = 1;
			break;
		}
		if (rc == 0)
			break;
		if (now_ns() - last >= wa->commit_interval) {
			if (checkpoint(&c, err) != 0) {
				failed = 1;
				break;
			}
			last = now_ns();
		}
	}
	if (failed) {
		/* Nothing more is committed: the consumer is not closed (its
		 * close would commit stored offsets). */
		if (c.txn)
			txn_die(&c, -1, err);
		kctx_release(&c);
		return -1;
	}
	/* End of the run (-e, SIGTERM, SIGINT): the last batch, then leave
	 * the group (its revocation finds nothing left to checkpoint). */
	c.flushing = wa->flush;
	rc = checkpoint(&c, err);
	c.flushing = 0;
	if (rc == 0)
		rc = pk_kcons_close(c.k, err);
	c.k = NULL;
	if (rc == 0 && c.prod != NULL) {
		n = pk_kprod_close(c.prod, err);
		c.prod = NULL;
		if (n < 0)
			rc = -1;
		else if (n > 0)
			rc = pk_err_set(err, PK_ERR_KAFKA, "%ld results not delivered to '%s'", n,
			    wa->out_topic);
	}
	kctx_release(&c);
	return rc;
}
