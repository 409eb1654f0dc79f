/*
 * state - winagg's --state file: what a cron run hands the next one (open
 * windows with their sketches, watermark, input positions), refused when
 * written by another version or for other settings, saved atomically.
 */
#include "winagg.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/hash.h"

/*
 * Layout (integers little-endian, 8 bytes):
 *   "PKWINAGG", format, tool version (len + bytes), fingerprint (len +
 *   bytes), floor, next_seq, out_seq, engine watermark, max event time,
 *   input count, per input: path, dev, ino, size, mtime, off, line, maxt,
 *   headhash, headlen; then the engine's tagged entries up to 'E'; then
 *   XXH64 (seed STATE_SEED) of everything before it.
 */
#define STATE_MAGIC "PKWINAGG"
#define STATE_FORMAT 1
#define STATE_SEED 0x77696e61ULL

void
wa_fingerprint(const struct wa *wa, struct pk_buf *out)
{
	const struct win_cfg *w = &wa->win;
	size_t i;

	switch (w->kind) {
	case WIN_TUMBLE:
		pk_buf_adds(out, "--tumble ");
		pk_duration_format(w->size, out);
		break;
	case WIN_HOP:
		pk_buf_adds(out, "--hop ");
		pk_duration_format(w->size, out);
		pk_buf_addc(out, '/');
		pk_duration_format(w->advance, out);
		break;
	case WIN_SESSION:
		pk_buf_adds(out, "--session ");
		pk_duration_format(w->gap, out);
		break;
	}
	pk_buf_printf(out, " --offset %lld -T %s --time-unit %d -g ", (long long)w->offset,
	    wa->tfield, (int)wa->unit);
	for (i = 0; i < wa->ng; i++)
		pk_buf_printf(out, "%s%s", i ? "," : "", wa->gpaths[i].text);
	pk_buf_printf(out, " --missing %s -a ", wa->missing_null ? "null" : "reject");
	agg_describe(&wa->agg, out);
	pk_buf_adds(out, " --lateness ");
	pk_duration_format(wa->lateness, out);
	pk_buf_printf(out, " --watermark %s --emit %s", wa->per_input ? "per-input" : "global",
	    w->update ? "update" : "final");
	if (wa->envelope)
		pk_buf_adds(out, " --envelope");
}

/*
 * The fingerprint as a user would type it. State files store some
 * settings in their own way (--time-unit 2, hll-precision=14), which must
 * stay as it is for files already written to keep matching; messages show
 * the options (--time-unit ms, --hll-precision 14).
 */
static const char *
fingerprint_shown(const char *fp, struct pk_buf *out)
{
	static const char *const units[] = { "auto", "s", "ms", "us", "ns" };
	const char *p;

	pk_buf_reset(out);
	for (p = fp; *p != '\0';) {
		if (strncmp(p, " --time-unit ", 13) == 0 && p[13] >= '0' && p[13] <= '4' &&
		    (p[14] == ' ' || p[14] == '\0')) {
			pk_buf_adds(out, " --time-unit ");
			pk_buf_adds(out, units[p[13] - '0']);
			p += 14;
		} else if (strncmp(p, " hll-precision=", 15) == 0) {
			pk_buf_adds(out, " --hll-precision ");
			p += 15;
		} else if (strncmp(p, " quantile-error=", 16) == 0) {
			pk_buf_adds(out, " --quantile-error ");
			p += 16;
		} else {
			pk_buf_addc(out, *p++);
		}
	}
	return out->p ? out->p : "";
}

static void
put64(struct pk_buf *b, uint64_t v)
{
	unsigned char x[8];
	int i;

	for (i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	pk_buf_add(b, x, 8);
}

static void
putstr(struct pk_buf *b, const char *s, size_t n)
{
	put64(b, n);
	pk_buf_add(b, s, n);
}

struct rd {
	const unsigned char *p, *end;
	int bad;
};

static uint64_t
get64(struct rd *r)
{
	uint64_t v = 0;
	int i;

	if (r->end - r->p < 8) {
		r->bad = 1;
		return 0;
	}
	for (i = 7; i >= 0; i--)
		v = v << 8 | r->p[i];
	r->p += 8;
	return v;
}

static char *
getstr(struct rd *r, size_t *n)
{
	uint64_t len = get64(r);
	char *s;

	if (r->bad || len > (uint64_t)(r->end - r->p)) {
		r->bad = 1;
		return NULL;
	}
	s = pk_xstrndup((const char *)r->p, (size_t)len);
	r->p += len;
	if (n)
		*n = (size_t)len;
	return s;
}

static int
read_all(const char *path, struct pk_buf *b, struct pk_err *err)
{
	char tmp[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		return pk_err_errno(err, PK_ERR_IO, "state file '%s'", path);
	}
	while ((n = read(fd, tmp, sizeof tmp)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pk_err_errno(err, PK_ERR_IO, "state file '%s'", path);
			close(fd);
			return -1;
		}
		pk_buf_add(b, tmp, (size_t)n);
	}
	close(fd);
	return 0;
}

int
wa_state_load(struct wa *wa, struct pk_err *err)
{
	struct pk_buf b = PK_BUF_INIT, fp = PK_BUF_INIT;
	struct rd r;
	char *ver = NULL, *saved = NULL;
	uint64_t fmt, nin, i, sum;
	int64_t ewm;
	size_t k;
	int rc;

	if ((rc = read_all(wa->state_path, &b, err)) != 0) {
		pk_buf_release(&b);
		return rc;
	}
	if (b.len < 8 + 8 + 8 || memcmp(b.p, STATE_MAGIC, 8) != 0) {
		pk_buf_release(&b);
		return pk_err_set(err, PK_ERR_USAGE, "'%s' is not a winagg state file; refusing "
		    "to use or overwrite it", wa->state_path);
	}
	r.p = (const unsigned char *)b.p + 8;
	r.end = (const unsigned char *)b.p + b.len;
	r.bad = 0;
	fmt = get64(&r);
	ver = getstr(&r, NULL);
	if (r.bad)
		goto corrupt;
	if (fmt != STATE_FORMAT || strcmp(ver, PK_VERSION) != 0) {
		pk_err_set(err, PK_ERR_USAGE, "state file '%s' was written by winagg %s (state "
		    "format %llu), this is winagg %s: refusing to read it (finish with the old "
		    "version and --flush, or remove the file to start over)", wa->state_path, ver,
		    (unsigned long long)fmt, PK_VERSION);
		goto fail;
	}
	/* The checksum covers everything before its 8 bytes. */
	{
		const unsigned char *e = (const unsigned char *)b.p + b.len - 8;
		struct rd c = { e, e + 8, 0 };

		sum = get64(&c);
		if (pk_hash64(b.p, b.len - 8, STATE_SEED) != sum)
			goto corrupt;
		r.end = e;
	}
	saved = getstr(&r, NULL);
	if (r.bad)
		goto corrupt;
	wa_fingerprint(wa, &fp);
	if (strcmp(saved, fp.p) != 0) {
		struct pk_buf shown[2] = { PK_BUF_INIT, PK_BUF_INIT };

		pk_err_set(err, PK_ERR_USAGE, "state file '%s' was made with other settings "
		    "(%s), not these (%s): refusing to misread it (use another --state file, or "
		    "remove it to start over)", wa->state_path, fingerprint_shown(saved, &shown[0]),
		    fingerprint_shown(fp.p, &shown[1]));
		pk_buf_release(&shown[0]);
		pk_buf_release(&shown[1]);
		goto fail;
	}
	wa->floor = (int64_t)get64(&r);
	wa->next_seq = get64(&r);
	wa->out_seq = get64(&r);
	ewm = (int64_t)get64(&r);
	wa->gmax = (int64_t)get64(&r);
	nin = get64(&r);
	if (r.bad || nin > (uint64_t)(r.end - r.p) / 80)
		goto corrupt;
	wa->old = pk_xcalloc(nin + 1, sizeof *wa->old);
	for (i = 0; i < nin; i++) {
		struct inpos *p = &wa->old[wa->nold++];

		p->path = getstr(&r, NULL);
		p->dev = get64(&r);
		p->ino = get64(&r);
		p->size = get64(&r);
		p->mtime = (int64_t)get64(&r);
		p->off = get64(&r);
		p->line = (int64_t)get64(&r);
		p->maxt = (int64_t)get64(&r);
		p->headhash = get64(&r);
		p->headlen = get64(&r);
		p->known = 1;
		if (r.bad)
			goto corrupt;
	}
	while ((rc = shard_load_entry(wa->shards, wa->nshards, &r.p, r.end, err)) > 0)
		;
	if (rc < 0 || r.p != r.end)
		goto corrupt;
	for (k = 0; k < wa->nshards; k++)
		shard_set_wm(wa->shards[k], ewm);
	/* The watermark never goes back: an input new to this run (or renamed)
	 * lowers the per-input minimum, but must not reopen what closed. */
	if (ewm > wa->floor)
		wa->floor = ewm;
	/* Saved positions go to the operands of the same name. */
	for (k = 0; k < wa->npaths; k++)
		for (i = 0; i < wa->nold; i++)
			if (strcmp(wa->old[i].path, wa->paths[k]) == 0) {
				char *path = wa->pos[k].path;

				wa->pos[k] = wa->old[i];
				wa->pos[k].path = path;
				break;
			}
	if (wa->per_input) {
		int64_t m = INT64_MAX;

		for (k = 0; k < wa->npaths; k++)
			if (wa->pos[k].maxt < m)
				m = wa->pos[k].maxt;
		wa->minmax = m;
	}
	free(ver);
	free(saved);
	pk_buf_release(&b);
	pk_buf_release(&fp);
	return 0;
corrupt:
	pk_err_set(err, PK_ERR_DATA, "state file '%s' is corrupt or truncated; refusing to "
	    "misread it (remove it to start over)", wa->state_path);
fail:
	free(ver);
	free(saved);
	pk_buf_release(&b);
	pk_buf_release(&fp);
	return -1;
}

static int
fsync_dir(const char *path)
{
	char *copy = pk_xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_CLOEXEC), rc = 0;

	free(copy);
	if (fd < 0)
		return -1;
	if (fsync(fd) != 0 && errno != EINVAL)
		rc = -1;
	close(fd);
	return rc;
}

int
wa_state_save(struct wa *wa, struct pk_err *err)
{
	struct pk_buf b = PK_BUF_INIT, fp = PK_BUF_INIT;
	struct pk_writer *w;
	size_t k;
	int64_t ewm = wa_wm(wa);
	int rc;

	pk_buf_add(&b, STATE_MAGIC, 8);
	put64(&b, STATE_FORMAT);
	putstr(&b, PK_VERSION, strlen(PK_VERSION));
	wa_fingerprint(wa, &fp);
	putstr(&b, fp.p, fp.len);
	put64(&b, (uint64_t)wa->floor);
	put64(&b, wa->next_seq);
	put64(&b, wa->out_seq);
	put64(&b, (uint64_t)ewm);
	put64(&b, (uint64_t)wa->gmax);
	put64(&b, wa->npaths);
	for (k = 0; k < wa->npaths; k++) {
		struct inpos *p = &wa->pos[k];

		wa_pos_ident(p);
		putstr(&b, p->path, strlen(p->path));
		put64(&b, p->dev);
		put64(&b, p->ino);
		put64(&b, p->size);
		put64(&b, (uint64_t)p->mtime);
		put64(&b, p->off);
		put64(&b, (uint64_t)p->line);
		put64(&b, (uint64_t)p->maxt);
		put64(&b, p->headhash);
		put64(&b, p->headlen);
	}
	for (k = 0; k < wa->nshards; k++)
		shard_save(wa->shards[k], &b);
	shard_save_end(&b);
	put64(&b, pk_hash64(b.p, b.len, STATE_SEED));
	/* temp + fsync + rename, by the writer */
	w = pk_writer_open(wa->state_path, PK_W_NO_COMPRESS, err);
	rc = w == NULL ? -1 : 0;
	if (rc == 0 && pk_writer_write(w, b.p, b.len, err) != 0) {
		pk_writer_abort(w);
		rc = -1;
	} else if (rc == 0 && pk_writer_close(w, err) != 0) {
		rc = -1;
	}
	pk_buf_release(&b);
	pk_buf_release(&fp);
	if (rc == 0)
		fsync_dir(wa->state_path);
	return rc;
}

/* --- Kafka partitions ------------------------------------------------------ */

/*
 * One file per topic-partition (kafka.c names them). Layout, integers as
 * above: "PKWAPART", format, tool version, fingerprint, topic, partition,
 * next offset, max event time, floor, engine watermark, out_seq, the
 * closed rows not yet released (count; per row end, start, seq, key, text),
 * the engine's tagged entries up to 'E', then XXH64 of everything before.
 */
#define PART_MAGIC "PKWAPART"
#define PART_FORMAT 1

int
wa_part_save(struct wa *wa, const struct wpart *pt, const char *path, struct pk_err *err)
{
	struct pk_buf b = PK_BUF_INIT, fp = PK_BUF_INIT;
	struct pk_writer *w;
	size_t i;
	int rc;

	pk_buf_add(&b, PART_MAGIC, 8);
	put64(&b, PART_FORMAT);
	putstr(&b, PK_VERSION, strlen(PK_VERSION));
	wa_fingerprint(wa, &fp);
	putstr(&b, fp.p, fp.len);
	putstr(&b, pt->topic, strlen(pt->topic));
	put64(&b, (uint64_t)(int64_t)pt->partition);
	put64(&b, (uint64_t)pt->next);
	put64(&b, (uint64_t)pt->maxt);
	put64(&b, (uint64_t)pt->floor);
	put64(&b, (uint64_t)pt->closed);
	put64(&b, pt->out_seq);
	put64(&b, pt->nrows);
	for (i = 0; i < pt->nrows; i++) {
		const struct win_row *r = &pt->rows[i];

		put64(&b, (uint64_t)r->end);
		put64(&b, (uint64_t)r->start);
		put64(&b, r->seq);
		putstr(&b, pt->rdata.p + r->koff, r->klen);
		putstr(&b, pt->rdata.p + r->toff, r->tlen);
	}
	shard_save(pt->shard, &b);
	shard_save_end(&b);
	put64(&b, pk_hash64(b.p, b.len, STATE_SEED));
	w = pk_writer_open(path, PK_W_NO_COMPRESS, err);
	rc = w == NULL ? -1 : 0;
	if (rc == 0 && pk_writer_write(w, b.p, b.len, err) != 0) {
		pk_writer_abort(w);
		rc = -1;
	} else if (rc == 0 && pk_writer_close(w, err) != 0) {
		rc = -1;
	}
	pk_buf_release(&b);
	pk_buf_release(&fp);
	return rc;
}

int
wa_part_load(struct wa *wa, struct wpart *pt, const char *path, struct pk_err *err)
{
	struct pk_buf b = PK_BUF_INIT, fp = PK_BUF_INIT;
	struct rd r;
	char *ver = NULL, *saved = NULL, *topic = NULL;
	uint64_t fmt, n, i;
	int rc;

	if ((rc = read_all(path, &b, err)) != 0) {
		pk_buf_release(&b);
		return rc;
	}
	if (b.len < 8 + 8 + 8 || memcmp(b.p, PART_MAGIC, 8) != 0) {
		pk_buf_release(&b);
		return pk_err_set(err, PK_ERR_USAGE, "'%s' is not a winagg partition state file; "
		    "refusing to use or overwrite it", path);
	}
	r.p = (const unsigned char *)b.p + 8;
	r.end = (const unsigned char *)b.p + b.len;
	r.bad = 0;
	fmt = get64(&r);
	ver = getstr(&r, NULL);
	if (r.bad)
		goto corrupt;
	if (fmt != PART_FORMAT || strcmp(ver, PK_VERSION) != 0) {
		pk_err_set(err, PK_ERR_USAGE, "state file '%s' was written by winagg %s (state "
		    "format %llu), this is winagg %s: refusing to read it", path, ver,
		    (unsigned long long)fmt, PK_VERSION);
		goto fail;
	}
	{
		const unsigned char *e = (const unsigned char *)b.p + b.len - 8;
		struct rd c = { e, e + 8, 0 };

		if (pk_hash64(b.p, b.len - 8, STATE_SEED) != get64(&c))
			goto corrupt;
		r.end = e;
	}
	saved = getstr(&r, NULL);
	if (r.bad)
		goto corrupt;
	wa_fingerprint(wa, &fp);
	if (strcmp(saved, fp.p) != 0) {
		struct pk_buf shown[2] = { PK_BUF_INIT, PK_BUF_INIT };

		pk_err_set(err, PK_ERR_USAGE, "state file '%s' was made with other settings "
		    "(%s), not these (%s): refusing to misread it (use another --state "
		    "directory, or remove it to start over)", path, fingerprint_shown(saved, &shown[0]),
		    fingerprint_shown(fp.p, &shown[1]));
		pk_buf_release(&shown[0]);
		pk_buf_release(&shown[1]);
		goto fail;
	}
	topic = getstr(&r, NULL);
	if (r.bad)
		goto corrupt;
	if (strcmp(topic, pt->topic) != 0 || (int32_t)(int64_t)get64(&r) != pt->partition) {
		pk_err_set(err, PK_ERR_DATA, "state file '%s' belongs to another topic or "
		    "partition; refusing to misread it", path);
		goto fail;
	}
	pt->next = (int64_t)get64(&r);
	pt->maxt = (int64_t)get64(&r);
	pt->floor = (int64_t)get64(&r);
	pt->closed = (int64_t)get64(&r);
	pt->out_seq = get64(&r);
	n = get64(&r);
	if (r.bad || n > (uint64_t)(r.end - r.p) / 40)
		goto corrupt;
	for (i = 0; i < n; i++) {
		struct win_row *w;
		uint64_t len;

		if (pt->nrows == pt->caprows) {
			pt->caprows = pt->caprows ? pt->caprows * 2 : 64;
			pt->rows = pk_xrealloc(pt->rows, pt->caprows * sizeof *pt->rows);
		}
		w = &pt->rows[pt->nrows++];
		w->end = (int64_t)get64(&r);
		w->start = (int64_t)get64(&r);
		w->seq = get64(&r);
		len = get64(&r);
		if (r.bad || len > (uint64_t)(r.end - r.p))
			goto corrupt;
		w->koff = pt->rdata.len;
		w->klen = (size_t)len;
		pk_buf_add(&pt->rdata, r.p, (size_t)len);
		r.p += len;
		len = get64(&r);
		if (r.bad || len > (uint64_t)(r.end - r.p))
			goto corrupt;
		w->toff = pt->rdata.len;
		w->tlen = (size_t)len;
		pk_buf_add(&pt->rdata, r.p, (size_t)len);
		r.p += len;
	}
	pt->shard = shard_new(&wa->win);
	while ((rc = shard_load_entry(&pt->shard, 1, &r.p, r.end, err)) > 0)
		;
	if (rc < 0 || r.p != r.end)
		goto corrupt;
	shard_set_wm(pt->shard, pt->closed);
	free(ver);
	free(saved);
	free(topic);
	pk_buf_release(&b);
	pk_buf_release(&fp);
	return 0;
corrupt:
	pk_err_set(err, PK_ERR_DATA, "state file '%s' is corrupt or truncated; refusing to "
	    "misread it (remove it to start over)", path);
fail:
	free(ver);
	free(saved);
	free(topic);
	pk_buf_release(&b);
	pk_buf_release(&fp);
	return -1;
}
