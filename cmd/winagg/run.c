/*
 * run - winagg's record loop: inputs resumed where the state left them,
 * lines parsed (on every core for large plain files), records fed to the
 * window engine in arrival order, late and rejected records logged, rows
 * written in the order their windows close.
 */
#include "winagg.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/csvrec.h"
#include "lib/hash.h"
#include "lib/reader.h"

/* --- watermark ------------------------------------------------------------ */

int64_t
wa_wm(const struct wa *wa)
{
	int64_t m = wa->per_input ? wa->minmax : wa->gmax, w;

	w = m == INT64_MIN ? INT64_MIN :
	    (m < INT64_MIN + wa->lateness ? INT64_MIN : m - wa->lateness);
	return w > wa->floor ? w : wa->floor;
}

void
wa_seen(struct wa *wa, size_t k, int64_t t)
{
	struct inpos *p = &wa->pos[k];
	int64_t old = p->maxt;
	size_t i;

	if (t <= old)
		return;
	p->maxt = t;
	if (t > wa->gmax)
		wa->gmax = t;
	if (wa->per_input && old == wa->minmax) {
		int64_t m = INT64_MAX;

		for (i = 0; i < wa->npaths; i++)
			if (wa->pos[i].maxt < m)
				m = wa->pos[i].maxt;
		wa->minmax = m;
	}
}

/* --- parsing one record ------------------------------------------------------- */

void
parser_init(struct parser *ps, const struct wa *wa)
{
	struct pk_jdoc d = PK_JDOC_INIT;

	ps->doc = d;
	memset(&ps->key, 0, sizeof ps->key);
	memset(&ps->why, 0, sizeof ps->why);
	memset(&ps->tmp, 0, sizeof ps->tmp);
	ps->v = pk_xcalloc(wa->agg.ns + 1, sizeof *ps->v);
	ps->csv = 0;
	pk_buf_grow(&ps->key, 64);	/* never NULL, even for an empty key */
}

void
parser_release(struct parser *ps)
{
	pk_jdoc_release(&ps->doc);
	pk_buf_release(&ps->key);
	pk_buf_release(&ps->why);
	pk_buf_release(&ps->tmp);
	free(ps->v);
}

/*
 * Parse a line into event time, group key (ps->key) and aggregate values
 * (ps->v). 1 ok; 0 rejected with the reason in ps->why.
 */
int
parse_line(const struct wa *wa, struct parser *ps, const char *line, size_t len, int64_t *t)
{
	struct pk_err perr = PK_ERR_INIT;
	struct pk_jval v;
	size_t i;

	pk_buf_reset(&ps->why);
	if (pk_json_index(&ps->doc, line, len, &perr) != 0) {
		pk_buf_adds(&ps->why, perr.msg);
		return 0;
	}
	if (!pk_json_get(&ps->doc, &wa->tpath, &v) || v.type == PK_J_NULL) {
		pk_buf_printf(&ps->why, "missing time field '%s'", wa->tfield);
		return 0;
	}
	if (pk_time_from_jval(&v, wa->unit, t, &perr) != 0) {
		pk_buf_printf(&ps->why, "time field '%s': %s", wa->tfield, perr.msg);
		return 0;
	}
	pk_buf_reset(&ps->key);
	for (i = 0; i < wa->ng; i++) {
		if (!pk_json_get(&ps->doc, &wa->gpaths[i], &v) || v.type == PK_J_NULL) {
			if (!wa->missing_null) {
				pk_buf_printf(&ps->why, "missing group field '%s'", wa->gpaths[i].text);
				return 0;
			}
			key_add(&ps->key, KEY_NULL, NULL, 0);
		} else if (v.type == PK_J_STR && !v.escaped) {
			key_add(&ps->key, KEY_STR, v.p + 1, v.n - 2);
		} else if (v.type == PK_J_STR) {
			pk_buf_reset(&ps->tmp);
			pk_jval_text(&v, &ps->tmp);
			key_add(&ps->key, KEY_STR, ps->tmp.p, ps->tmp.len);
		} else {
			key_add(&ps->key, KEY_RAW, v.p, v.n);
		}
	}
	if (wa->ng == 0)
		pk_buf_add(&ps->key, "", 0);
	if (agg_extract(&wa->agg, &ps->doc, ps->csv, ps->v, &ps->why) != 0)
		return 0;
	return 1;
}

static int
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

static void
overlong_reason(const struct wa *wa, struct pk_buf *why)
{
	pk_buf_reset(why);
	pk_buf_printf(why, "line longer than %zu bytes (--max-record-bytes)",
	    wa->max_line ? wa->max_line : (size_t)PK_MAX_RECORD_BYTES_DEFAULT);
}

int
late_record(struct wa *wa, const char *source, long line, const char *raw, size_t rawn,
    int64_t t, int64_t wm, struct pk_err *err)
{
	struct pk_buf msg = PK_BUF_INIT;
	int rc;

	wa->in->rej.late++;
	if (wa->late.w == NULL)
		return 0;
	pk_buf_adds(&msg, "late: event time ");
	pk_time_format(t, &msg);
	pk_buf_adds(&msg, " is behind the watermark ");
	pk_time_format(wm, &msg);
	pk_buf_adds(&msg, " (its windows have closed)");
	rc = pk_envlog_write(&wa->late, msg.p, source, line, raw, rawn, err);
	pk_buf_release(&msg);
	return rc;
}

/* --- output ------------------------------------------------------------------ */

static int
open_output(struct wa *wa, struct pk_err *err)
{
	struct pk_buf p = PK_BUF_INIT;

	if (wa->w != NULL)
		return 0;
	pk_buf_printf(&p, "%s/%08llu.ndjson", wa->outdir, (unsigned long long)wa->out_seq + 1);
	wa->opath = pk_buf_detach(&p, NULL);
	wa->w = pk_writer_open(wa->opath, PK_W_NO_COMPRESS, err);
	return wa->w ? 0 : -1;
}

/*
 * Close what the watermark has passed in every shard, then write the rows
 * in output order: each shard's sorted, then merged. Every row written
 * later belongs to a window ending after the watermark of now, so the
 * order holds across calls. sorted: the shards sorted their rows already.
 */
static int
drain(struct wa *wa, int sorted, struct pk_err *err)
{
	size_t total = 0, i, *at = pk_xcalloc(wa->nshards, sizeof *at);
	int64_t wm = wa_wm(wa);
	int rc = 0;

	for (i = 0; i < wa->nshards; i++) {
		size_t n;

		shard_advance(wa->shards[i], wm);
		if (!sorted)
			shard_sort_rows(wa->shards[i]);
		shard_rows(wa->shards[i], &n);
		total += n;
	}
	if (total > 0 && wa->outdir)
		rc = open_output(wa, err);
	while (rc == 0 && total-- > 0) {
		const struct win_row *best = NULL, *r;
		const char *bd = NULL;
		size_t bi = 0, n;

		for (i = 0; i < wa->nshards; i++) {
			r = shard_rows(wa->shards[i], &n);
			if (at[i] == n)
				continue;
			if (best == NULL || win_row_cmp(&r[at[i]], shard_row_data(wa->shards[i]), best,
			    bd, wa->win.update) < 0) {
				best = &r[at[i]];
				bd = shard_row_data(wa->shards[i]);
				bi = i;
			}
		}
		at[bi]++;
		wa->rows++;
		rc = pk_writer_write(wa->w, bd + best->toff, best->tlen, err);
	}
	for (i = 0; i < wa->nshards; i++)
		shard_rows_reset(wa->shards[i]);
	free(at);
	return rc;
}

int
wa_drain(struct wa *wa, struct pk_err *err)
{
	return drain(wa, 0, err);
}

/* --- opening and resuming an input ------------------------------------------------ */

static uint64_t
head_hash(int fd, uint64_t len)
{
	char buf[4096];
	ssize_t n;

	if (len > sizeof buf)
		len = sizeof buf;
	n = pread(fd, buf, (size_t)len, 0);
	if (n != (ssize_t)len)
		return 0;
	return pk_hash64(buf, (size_t)len, 0);
}

/*
 * Open path only when it is a regular file. Opening a FIFO to look at it
 * would take the writer's data (or block until a writer comes) and then
 * drop it, so the reader that follows would wait for ever.
 */
static int
open_regular(const char *path)
{
	struct stat st;

	if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	return open(path, O_RDONLY | O_CLOEXEC);
}

void
wa_pos_ident(struct inpos *pos)
{
	struct stat st;
	int fd;

	if ((fd = open_regular(pos->path)) < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		pos->dev = (uint64_t)st.st_dev;
		pos->ino = (uint64_t)st.st_ino;
		pos->size = (uint64_t)st.st_size;
		pos->mtime = (int64_t)st.st_mtim.tv_sec * PK_NS_PER_SEC + st.st_mtim.tv_nsec;
		pos->headlen = pos->off < 4096 ? pos->off : 4096;
		if (pos->headlen > pos->size)	/* compressed: off counts decompressed bytes */
			pos->headlen = pos->size;
		pos->headhash = head_hash(fd, pos->headlen);
	}
	close(fd);
}

static int
is_plain_regular(const char *path, uint64_t *size)
{
	unsigned char m[4];
	struct stat st;
	int fd, ok = 0;
	ssize_t n;

	if ((fd = open_regular(path)) < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		n = pread(fd, m, 4, 0);
		ok = !(n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) &&
		    !(n >= 2 && m[0] == 0x1f && m[1] == 0x8b);
		*size = (uint64_t)st.st_size;
	}
	close(fd);
	return ok;
}

/*
 * Whether the next run can resume input path where this one stops: a
 * regular file. Standard input, a FIFO or a terminal is read from its
 * start every time, so its unfinished last line cannot wait for a next run.
 */
static int
resumable(const char *path)
{
	struct stat st;

	return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * Where to start reading input k: its saved offset when the file is the
 * one the state saw (same device and inode, not shorter, same first
 * bytes), else its start, said on stderr.
 */
static void
resume_point(struct wa *wa, size_t k)
{
	struct inpos *p = &wa->pos[k];
	const char *why = NULL;
	struct stat st;
	uint64_t size;
	int fd, plain = is_plain_regular(p->path, &size);

	if (!p->known || p->off == 0)
		goto start;
	if ((fd = open_regular(p->path)) < 0)
		goto start;	/* the open error is reported by the reader */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		goto start;
	}
	if ((uint64_t)st.st_dev != p->dev || (uint64_t)st.st_ino != p->ino)
		why = "was replaced since the last run (another inode)";
	else if ((uint64_t)st.st_size < p->size || (plain && (uint64_t)st.st_size < p->off))
		why = "was truncated since the last run (it is shorter)";
	else if (head_hash(fd, p->headlen) != p->headhash)
		why = "was rewritten since the last run (its first bytes changed)";
	close(fd);
	if (why == NULL)
		return;
	if (!wa->cli->quiet)
		pk_cli_warn(wa->cli, "'%s' %s; reading it from the start", p->path, why);
start:
	p->off = 0;
	p->line = 0;
}

/* Position r at offset off (line lineno): seek, or read up to it when the
 * input is compressed. */
static int
reader_skip(struct pk_reader *r, uint64_t off, int64_t lineno, struct pk_err *err)
{
	const char *line;
	size_t len;
	int rc;

	if (off == 0)
		return 0;
	if (pk_reader_seek(r, off, (long)lineno, NULL) == 0)
		return 0;
	while (pk_reader_offset(r) < off) {
		rc = pk_reader_next(r, &line, &len, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return pk_err_set(err, PK_ERR_DATA, "%s: ends before the saved position %llu",
			    pk_reader_name(r), (unsigned long long)off);
	}
	return 0;
}

/* --- sequential reading ------------------------------------------------------------ */

static int
feed(struct wa *wa, struct parser *ps, size_t k, const char *source, long lineno,
    const char *line, size_t len, int64_t t, struct pk_err *err)
{
	struct win_rec r;
	int64_t wm = wa_wm(wa);
	int rc;

	r.t = t;
	r.seq = wa->next_seq++;
	r.key = (const unsigned char *)ps->key.p;
	r.klen = ps->key.len;
	r.khash = pk_hash64(ps->key.p, ps->key.len, 0);
	r.v = ps->v;
	rc = shard_add(wa->shards[WA_SHARD(wa, r.khash)], &r, wm, err);
	if (rc < 0)
		return -1;
	if (rc == 0 && late_record(wa, source, lineno, line, len, t, wm, err) != 0)
		return -1;
	wa_seen(wa, k, t);
	/* Closed windows leave memory (and reach the output) every few
	 * thousand records. */
	if ((r.seq & 4095) == 4095)
		return wa_drain(wa, err);
	return 0;
}

static int
read_sequential(struct wa *wa, size_t k, struct pk_reader *r, struct pk_err *err)
{
	struct inpos *p = &wa->pos[k];
	struct parser ps;
	const char *line, *source = pk_reader_name(r);
	size_t len;
	int rc, hold = wa->state_path != NULL && resumable(p->path);
	int64_t t;
	unsigned tick = 0;

	parser_init(&ps, wa);
	for (;;) {
		if (pk_cli_interrupted()) {
			rc = 0;
			break;
		}
		if ((++tick & 0xffff) == 0)
			pk_progress_show(&wa->prog, wa->prog_done + pk_reader_raw_pos(r),
			    wa->in->rej.read);
		rc = pk_reader_next(r, &line, &len, err);
		if (rc <= 0)
			break;
		if (hold && !pk_reader_line_complete(r)) {
			rc = 0;		/* an unfinished last line waits for the next run */
			break;
		}
		p->off = pk_reader_offset(r);
		p->line = pk_reader_lineno(r);
		if (blank(line, len))
			continue;
		wa->in->rej.read++;
		if (rc == 2) {
			overlong_reason(wa, &ps.why);
		} else if (parse_line(wa, &ps, line, len, &t)) {
			if (feed(wa, &ps, k, source, (long)p->line, line, len, t, err) != 0) {
				rc = -1;
				break;
			}
			continue;
		}
		if (pk_reject_add(&wa->in->rej, source, (long)p->line, line, len, ps.why.p, err) != 0) {
			rc = -1;
			break;
		}
	}
	parser_release(&ps);
	return rc;
}

/*
 * A CSV input (--csv or a .csv name): rows through lib/csvrec.h, each a
 * JSON object of strings, so numeric strings count as numbers in the
 * aggregates and times as elsewhere. Single-threaded. The position saved
 * is the byte after a row's last line; on resume the header is read
 * again from the start (the first pk_csv_next reads it and the first row),
 * then the reader skips to the saved position, which is at a row boundary.
 */
static int
read_csv(struct wa *wa, size_t k, struct pk_reader *r, struct pk_err *err)
{
	struct inpos *p = &wa->pos[k];
	struct pk_csv *csv = pk_csv_new(r, ',');
	struct parser ps;
	const char *json, *raw, *source = pk_reader_name(r);
	size_t jn, rawn;
	long lineno;
	int rc, hold = wa->state_path != NULL && resumable(p->path);
	int64_t t;
	unsigned tick = 0;
	struct pk_err perr;	/* filled only on failure: not zeroed per row (1 KiB) */

	pk_csv_set_max_row(csv, wa->max_line);
	parser_init(&ps, wa);
	ps.csv = 1;
	if (p->off > 0) {
		/* Header first, then on from the saved row boundary. */
		rc = pk_csv_next(csv, &json, &jn, &raw, &rawn, &lineno, &perr);
		if (rc < 0) {
			*err = perr;
			goto out;
		}
		if (pk_reader_offset(r) > p->off) {
			rc = pk_err_set(err, PK_ERR_DATA, "%s: the saved position %llu is inside "
			    "the CSV header or first row", source, (unsigned long long)p->off);
			goto out;
		}
		if (reader_skip(r, p->off, p->line, err) != 0) {
			rc = -1;
			goto out;
		}
		if (pk_reader_lineno(r) != p->line)
			p->line = pk_reader_lineno(r);
	}
	for (;;) {
		if (pk_cli_interrupted()) {
			rc = 0;
			break;
		}
		if ((++tick & 0xffff) == 0)
			pk_progress_show(&wa->prog, wa->prog_done + pk_reader_raw_pos(r),
			    wa->in->rej.read);
		rc = pk_csv_next(csv, &json, &jn, &raw, &rawn, &lineno, &perr);
		if (rc == 0)
			break;
		if (rc < 0) {
			*err = perr;
			break;
		}
		if (hold && !pk_reader_line_complete(r)) {
			rc = 0;		/* an unfinished last row waits for the next run */
			break;
		}
		p->off = pk_reader_offset(r);
		p->line = pk_reader_lineno(r);
		wa->in->rej.read++;
		if (rc == 2) {
			pk_buf_reset(&ps.why);
			pk_buf_adds(&ps.why, perr.msg);
		} else if (parse_line(wa, &ps, json, jn, &t)) {
			if (feed(wa, &ps, k, source, lineno, raw, rawn, t, err) != 0) {
				rc = -1;
				break;
			}
			continue;
		}
		if (pk_reject_add(&wa->in->rej, source, lineno, raw, rawn, ps.why.p, err) != 0) {
			rc = -1;
			break;
		}
	}
out:
	parser_release(&ps);
	pk_csv_free(csv);
	return rc < 0 ? -1 : 0;
}

/* --- parallel parsing of a plain file ------------------------------------------------ */

enum { IT_REC, IT_REJECT };

struct item {
	int64_t t;
	int64_t wm;
	uint64_t seq;
	uint64_t khash;
	uint64_t fpos;		/* where the line starts in the file */
	uint32_t rawlen;
	uint32_t koff, klen;	/* key (IT_REC) or reason (IT_REJECT) in the arena */
	uint32_t voff;		/* first of its agg values */
	long line;		/* relative to the chunk's first line */
	uint8_t kind;
	uint8_t late;
};

struct chunk {
	const struct wa *wa;
	const char *path;
	uint64_t start, end;	/* lines starting in [start, end); end UINT64_MAX: to EOF */
	int at_line;		/* start is known to be a line start */
	int hold;
	struct item *it;
	size_t n, cap;
	uint32_t *byshard;	/* record indexes grouped by shard, each group in order */
	size_t *sfirst;		/* shard s: byshard[sfirst[s] .. sfirst[s + 1]) */
	struct agg_val *vals;
	size_t nv, capv;
	struct pk_buf arena;
	long nlines;
	uint64_t endpos;
	int eof;		/* reached the end of the file */
	int failed;
	struct pk_err err;
	struct parser ps;
};

static uint32_t
arena_add(struct pk_buf *a, const void *p, size_t n)
{
	uint32_t off = (uint32_t)a->len;

	pk_buf_add(a, p, n);
	return off;
}

static struct item *
chunk_item(struct chunk *c)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 4096;
		c->it = pk_xrealloc(c->it, c->cap * sizeof *c->it);
	}
	memset(&c->it[c->n], 0, sizeof c->it[c->n]);
	return &c->it[c->n++];
}

/* A counting sort of the chunk's records by shard, so each shard thread
 * reads only its own items. */
static void
index_by_shard(struct chunk *c)
{
	const struct wa *wa = c->wa;
	size_t ns = wa->nshards, i, s;
	size_t *at = pk_xcalloc(ns + 1, sizeof *at);

	c->byshard = pk_xrealloc(c->byshard, (c->n ? c->n : 1) * sizeof *c->byshard);
	c->sfirst = pk_xrealloc(c->sfirst, (ns + 1) * sizeof *c->sfirst);
	memset(c->sfirst, 0, (ns + 1) * sizeof *c->sfirst);
	for (i = 0; i < c->n; i++)
		if (c->it[i].kind == IT_REC)
			c->sfirst[WA_SHARD(wa, c->it[i].khash) + 1]++;
	for (s = 0; s < ns; s++)
		c->sfirst[s + 1] += c->sfirst[s];
	memcpy(at, c->sfirst, (ns + 1) * sizeof *at);
	for (i = 0; i < c->n; i++)
		if (c->it[i].kind == IT_REC)
			c->byshard[at[WA_SHARD(wa, c->it[i].khash)]++] = (uint32_t)i;
	free(at);
}

static void *
parse_chunk(void *arg)
{
	struct chunk *c = arg;
	const struct wa *wa = c->wa;
	struct pk_reader *r;
	const char *line;
	size_t len, ns = wa->agg.ns, i;
	int rc;
	int64_t t;

	c->n = c->nv = 0;
	pk_buf_reset(&c->arena);
	c->nlines = 0;
	c->endpos = c->start;
	c->eof = 0;
	r = pk_reader_open(c->path, wa->max_line, &c->err);
	if (r == NULL)
		goto fail;
	if (c->at_line) {
		if (pk_reader_seek(r, c->start, 0, &c->err) != 0)
			goto fail;
	} else {
		/* Skip the end of the line the chunk before owns. */
		if (pk_reader_seek(r, c->start - 1, -1, &c->err) != 0)
			goto fail;
		rc = pk_reader_next(r, &line, &len, &c->err);
		if (rc < 0)
			goto fail;
		if (rc == 0) {
			c->eof = 1;
			goto done;
		}
		c->endpos = pk_reader_offset(r);
	}
	for (;;) {
		struct item *it;

		rc = pk_reader_next(r, &line, &len, &c->err);
		if (rc < 0)
			goto fail;
		if (rc == 0) {
			c->eof = 1;
			break;
		}
		if (pk_reader_line_start(r) >= c->end)
			break;
		if (c->hold && !pk_reader_line_complete(r)) {
			c->eof = 1;
			break;
		}
		c->endpos = pk_reader_offset(r);
		c->nlines = pk_reader_lineno(r);
		if (blank(line, len))
			continue;
		it = chunk_item(c);
		it->fpos = pk_reader_line_start(r);
		it->rawlen = (uint32_t)len;
		it->line = c->nlines;
		if (rc == 2) {
			overlong_reason(wa, &c->ps.why);
		} else if (parse_line(wa, &c->ps, line, len, &t)) {
			it->kind = IT_REC;
			it->t = t;
			it->khash = pk_hash64(c->ps.key.p, c->ps.key.len, 0);
			it->koff = arena_add(&c->arena, c->ps.key.p, c->ps.key.len);
			it->klen = (uint32_t)c->ps.key.len;
			if (c->nv + ns > c->capv) {
				c->capv = (c->capv + ns) * 2;
				c->vals = pk_xrealloc(c->vals, c->capv * sizeof *c->vals);
			}
			it->voff = (uint32_t)c->nv;
			for (i = 0; i < ns; i++) {
				struct agg_val v = c->ps.v[i];

				/* Texts move into the arena; p holds their offset until
				 * the engine reads them. */
				if (v.present && wa->agg.s[i].kind == SLOT_TEXT)
					v.p = (const char *)(uintptr_t)arena_add(&c->arena, v.p, v.n);
				c->vals[c->nv++] = v;
			}
			continue;
		}
		it->kind = IT_REJECT;
		it->koff = arena_add(&c->arena, c->ps.why.p, c->ps.why.len);
		it->klen = (uint32_t)c->ps.why.len;
	}
done:
	pk_reader_free(r);
	index_by_shard(c);
	return NULL;
fail:
	c->failed = 1;
	if (r)
		pk_reader_free(r);
	return NULL;
}

struct shard_job {
	struct wa *wa;
	size_t s;
	struct chunk *chunks;
	size_t nchunks;
	int64_t wm_end;
	/* late records (chunk, item): kept per shard, not flagged in the
	 * shared items, whose cache lines the other shards are reading */
	size_t (*late)[2];
	size_t nlate, caplate;
	int failed;
	struct pk_err err;
};

static void *
run_shard(void *arg)
{
	struct shard_job *j = arg;
	struct wa *wa = j->wa;
	struct shard *sh = wa->shards[j->s];
	struct agg_val *v = pk_xcalloc(wa->agg.ns + 1, sizeof *v);
	size_t c, i, x;

	for (c = 0; c < j->nchunks; c++) {
		struct chunk *ch = &j->chunks[c];

		size_t k;

		for (k = ch->sfirst[j->s]; k < ch->sfirst[j->s + 1]; k++) {
			struct item *it;
			struct win_rec r;
			int rc;

			i = ch->byshard[k];
			it = &ch->it[i];
			for (x = 0; x < wa->agg.ns; x++) {
				v[x] = ch->vals[it->voff + x];
				if (v[x].present && wa->agg.s[x].kind == SLOT_TEXT)
					v[x].p = ch->arena.p + (uintptr_t)v[x].p;
			}
			r.t = it->t;
			r.seq = it->seq;
			r.key = (const unsigned char *)ch->arena.p + it->koff;
			r.klen = it->klen;
			r.khash = it->khash;
			r.v = v;
			rc = shard_add(sh, &r, it->wm, &j->err);
			if (rc < 0) {
				j->failed = 1;
				free(v);
				return NULL;
			}
			if (rc == 0) {
				if (j->nlate == j->caplate) {
					j->caplate = j->caplate ? j->caplate * 2 : 256;
					j->late = pk_xrealloc(j->late, j->caplate * sizeof *j->late);
				}
				j->late[j->nlate][0] = c;
				j->late[j->nlate++][1] = i;
			}
		}
	}
	shard_advance(sh, j->wm_end);
	shard_sort_rows(sh);
	free(v);
	return NULL;
}

static int
run_threads(void *(*fn)(void *), void *args, size_t size, size_t n, struct pk_err *err)
{
	pthread_t *th = pk_xcalloc(n, sizeof *th);
	size_t i, started = 0;
	int rc = 0;

	for (i = 1; i < n; i++) {
		if (pthread_create(&th[i], NULL, fn, (char *)args + i * size) != 0) {
			rc = pk_err_errno(err, PK_ERR_IO, "cannot start a thread");
			break;
		}
		started = i;
	}
	if (rc == 0)
		fn(args);
	for (i = 1; i <= started; i++)
		pthread_join(th[i], NULL);
	free(th);
	return rc;
}

/* The rejects and late records of a chunk, in line order. */
static int
log_chunk(struct wa *wa, struct chunk *c, int fd, long base, struct pk_err *err)
{
	struct pk_buf raw = PK_BUF_INIT, why = PK_BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < c->n && rc == 0; i++) {
		struct item *it = &c->it[i];
		ssize_t got;

		wa->in->rej.read++;
		if (it->kind == IT_REC && !it->late)
			continue;
		pk_buf_reset(&raw);
		pk_buf_grow(&raw, it->rawlen + 1);
		got = pread(fd, raw.p, it->rawlen, (off_t)it->fpos);
		if (got != (ssize_t)it->rawlen) {
			rc = pk_err_errno(err, PK_ERR_IO, "%s: cannot read line %ld again", c->path,
			    base + it->line);
			break;
		}
		raw.len = it->rawlen;
		if (it->kind == IT_REJECT) {
			pk_buf_reset(&why);
			pk_buf_add(&why, c->arena.p + it->koff, it->klen);
			rc = pk_reject_add(&wa->in->rej, c->path, base + it->line, raw.p, raw.len,
			    why.p, err);
		} else {
			rc = late_record(wa, c->path, base + it->line, raw.p, raw.len, it->t, it->wm, err);
		}
	}
	pk_buf_release(&raw);
	pk_buf_release(&why);
	return rc;
}

/* Bytes of a file each thread parses per round. */
#define CHUNK_BYTES ((uint64_t)8 << 20)

/* Threads started now and joined later (the parse of the next round runs
 * while the shards work on this one). */
struct tgroup {
	pthread_t *th;
	size_t n;
};

static int
start_threads(struct tgroup *tg, void *(*fn)(void *), void *args, size_t size, size_t n,
    struct pk_err *err)
{
	size_t i;

	tg->th = pk_xcalloc(n, sizeof *tg->th);
	tg->n = 0;
	for (i = 0; i < n; i++) {
		if (pthread_create(&tg->th[i], NULL, fn, (char *)args + i * size) != 0)
			return pk_err_errno(err, PK_ERR_IO, "cannot start a thread");
		tg->n++;
	}
	return 0;
}

static void
join_threads(struct tgroup *tg)
{
	size_t i;

	for (i = 0; i < tg->n; i++)
		pthread_join(tg->th[i], NULL);
	free(tg->th);
	tg->th = NULL;
	tg->n = 0;
}

/* Lay out the chunks of a round from byte pos: CHUNK_BYTES each, the
 * last one to the end of the file. Returns how many. */
static size_t
plan_round(struct chunk *ch, size_t nj, uint64_t pos, uint64_t size)
{
	size_t i, n = 0;

	for (i = 0; i < nj; i++) {
		uint64_t s = pos + i * CHUNK_BYTES;

		ch[i].start = s;
		ch[i].at_line = i == 0;
		ch[i].end = s + CHUNK_BYTES;
		ch[i].failed = 0;
		n++;
		if (ch[i].end >= size) {
			ch[i].end = UINT64_MAX;
			break;
		}
	}
	return n;
}

/*
 * A large plain file on every core, in rounds: N threads parse N chunks;
 * one pass in arrival order numbers the records and gives each the
 * watermark it arrived under; N threads add them to the groups they own,
 * while the next round's chunks are being parsed; then the rejects and
 * late records are logged in line order and the closed windows written.
 */
static int
read_parallel(struct wa *wa, size_t k, uint64_t size, struct pk_err *err)
{
	struct inpos *p = &wa->pos[k];
	size_t nj = (size_t)wa->jobs, i, c, b, n[2] = { 0, 0 };
	struct chunk *ch[2];
	struct shard_job *sj = pk_xcalloc(wa->nshards, sizeof *sj);
	struct tgroup next = { NULL, 0 };
	uint64_t pos = p->off;
	long base = (long)p->line;
	int fd = -1, rc = 0, done = 0, cur = 0;

	for (b = 0; b < 2; b++) {
		ch[b] = pk_xcalloc(nj, sizeof *ch[b]);
		for (i = 0; i < nj; i++) {
			ch[b][i].wa = wa;
			ch[b][i].path = wa->paths[k];
			ch[b][i].hold = wa->state_path != NULL;
			parser_init(&ch[b][i].ps, wa);
			pk_buf_grow(&ch[b][i].arena, 1 << 16);
		}
	}
	if ((fd = open(wa->paths[k], O_RDONLY | O_CLOEXEC)) < 0) {
		rc = pk_err_errno(err, PK_ERR_IO, "%s", wa->paths[k]);
		goto out;
	}
	n[cur] = plan_round(ch[cur], nj, pos, size);
	if (run_threads(parse_chunk, ch[cur], sizeof *ch[cur], n[cur], err) != 0) {
		rc = -1;
		goto out;
	}
	for (;;) {
		struct chunk *cc = ch[cur];
		size_t nc = n[cur];
		uint64_t npos = pos;

		for (i = 0; i < nc; i++)
			if (cc[i].failed) {
				*err = cc[i].err;
				rc = -1;
				goto out;
			}
		/* Arrival order: sequence numbers and each record's watermark. */
		for (c = 0; c < nc; c++) {
			for (i = 0; i < cc[c].n; i++) {
				struct item *it = &cc[c].it[i];

				if (it->kind != IT_REC)
					continue;
				it->seq = wa->next_seq++;
				it->wm = wa_wm(wa);
				wa_seen(wa, k, it->t);
			}
			if (cc[c].endpos > npos)
				npos = cc[c].endpos;
			if (cc[c].eof)
				done = 1;
		}
		/* The next round is parsed while the shards work on this one. */
		if (!done && !pk_cli_interrupted()) {
			n[!cur] = plan_round(ch[!cur], nj, npos, size);
			if (start_threads(&next, parse_chunk, ch[!cur], sizeof *ch[!cur], n[!cur],
			    err) != 0) {
				rc = -1;
				goto out;
			}
		}
		for (i = 0; i < wa->nshards; i++) {
			sj[i].wa = wa;
			sj[i].s = i;
			sj[i].chunks = cc;
			sj[i].nchunks = nc;
			sj[i].wm_end = wa_wm(wa);
			sj[i].nlate = 0;
			sj[i].failed = 0;
		}
		if (run_threads(run_shard, sj, sizeof *sj, wa->nshards, err) != 0) {
			rc = -1;
			goto out;
		}
		for (i = 0; i < wa->nshards; i++) {
			size_t x;

			if (sj[i].failed) {
				*err = sj[i].err;
				rc = -1;
				goto out;
			}
			for (x = 0; x < sj[i].nlate; x++)
				cc[sj[i].late[x][0]].it[sj[i].late[x][1]].late = 1;
		}
		for (c = 0; c < nc; c++) {
			if (log_chunk(wa, &cc[c], fd, base, err) != 0) {
				rc = -1;
				goto out;
			}
			base += cc[c].nlines;
		}
		pos = npos;
		p->off = pos;
		p->line = base;
		pk_progress_show(&wa->prog, wa->prog_done + pos, wa->in->rej.read);
		if (drain(wa, 1, err) != 0) {
			rc = -1;
			goto out;
		}
		if (next.n == 0)
			break;
		join_threads(&next);
		cur = !cur;
	}
out:
	join_threads(&next);
	for (b = 0; b < 2; b++) {
		for (i = 0; i < nj; i++) {
			free(ch[b][i].it);
			free(ch[b][i].byshard);
			free(ch[b][i].sfirst);
			free(ch[b][i].vals);
			pk_buf_release(&ch[b][i].arena);
			parser_release(&ch[b][i].ps);
		}
		free(ch[b]);
	}
	for (i = 0; i < wa->nshards; i++)
		free(sj[i].late);
	free(sj);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* --- all inputs ------------------------------------------------------------------------ */

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The names lib/input.c reads as CSV. */
static int
is_csv_name(const char *path)
{
	return ends_with(path, ".csv") || ends_with(path, ".csv.gz") || ends_with(path, ".csv.zst");
}

int
wa_run(struct wa *wa, struct pk_err *err)
{
	size_t k;
	int rc = 0;

	pk_progress_start(&wa->prog, wa->cli->prog, wa->in->progress, wa->paths, wa->npaths);
	for (k = 0; k < wa->npaths && !pk_cli_interrupted(); k++) {
		struct inpos *p = &wa->pos[k];
		struct pk_reader *r;
		uint64_t size = 0;
		int csv = wa->in->csv || is_csv_name(p->path);

		resume_point(wa, k);
		if (!csv && wa->nshards > 1 && is_plain_regular(p->path, &size) &&
		    size > p->off + 2 * CHUNK_BYTES) {
			if ((rc = read_parallel(wa, k, size, err)) != 0)
				break;
			wa->prog_done += size;
			continue;
		}
		r = pk_reader_open(p->path, wa->max_line, err);
		if (r == NULL) {
			rc = pk_cli_interrupted() ? 0 : -1;	/* a FIFO without a writer */
			break;
		}
		if (csv) {
			rc = read_csv(wa, k, r, err);
		} else if (reader_skip(r, p->off, p->line, err) != 0) {
			rc = -1;
		} else {
			/* The whole line count is the reader's from here on. */
			if (p->off && pk_reader_lineno(r) != p->line)
				p->line = pk_reader_lineno(r);
			rc = read_sequential(wa, k, r, err);
		}
		wa->prog_done += pk_reader_raw_pos(r);
		pk_reader_free(r);
		if (rc < 0)
			break;
	}
	pk_progress_end(&wa->prog);
	return rc < 0 ? -1 : 0;
}
