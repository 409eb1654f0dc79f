/*
 * ledger - the idempotency ledger: NDJSON lines {"id":..}, a flock against
 * concurrent writers, an open-addressing hash set of ids with stable refs
 * (one lookup per record), batched appends made durable with one
 * fdatasync each.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/hash.h"
#include "lib/json.h"
#include "lib/ledger.h"
#include "lib/reader.h"

/* A slot: the hash's high 32 bits, then ref + 1 (0: an empty slot). The
 * table stays at most half full, so a miss usually costs one cache line. */
#define SLOT(h, ref) (((h) >> 32) << 32 | ((uint64_t)(ref) + 1))
#define SLOT_REF(s) ((uint32_t)((s) & 0xffffffffu) - 1)

uint64_t
pk_ledger_hash(const void *id, size_t n)
{
	return pk_hash64(n ? id : "", n, 0x6c656467);
}

static void
grow(struct pk_ledger *l)
{
	size_t cap = l->cap ? l->cap * 2 : 1024, i, j;
	uint64_t *tab = pk_xcalloc(cap, sizeof *tab);

	for (i = 0; i < l->nref; i++) {
		for (j = l->ref[i].h & (cap - 1); tab[j] != 0; j = (j + 1) & (cap - 1))
			;
		tab[j] = SLOT(l->ref[i].h, i);
	}
	free(l->tab);
	l->tab = tab;
	l->cap = cap;
}

/* Slot of id, or of the empty place where it would go (cap > 0). */
static size_t
find(const struct pk_ledger *l, uint64_t h, const void *id, size_t n)
{
	uint64_t tag = h >> 32;
	size_t j;

	for (j = h & (l->cap - 1); l->tab[j] != 0; j = (j + 1) & (l->cap - 1)) {
		const struct pk_ledger_id *r;

		if (l->tab[j] >> 32 != tag)
			continue;
		r = &l->ref[SLOT_REF(l->tab[j])];
		if (r->h == h && r->len == n && memcmp(l->ids.p + r->off, id, n) == 0)
			break;
	}
	return j;
}

/* 1 when id needs no JSON escaping (the common case: hex digests, numbers,
 * UUIDs), so that its ledger line is a plain copy. */
static int
plain(const void *id, size_t n)
{
	const unsigned char *p = id;
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] >= 0x7f || p[i] == '"' || p[i] == '\\')
			return 0;
	return 1;
}

uint32_t
pk_ledger_ref(struct pk_ledger *l, uint64_t h, const void *id, size_t n)
{
	struct pk_ledger_id *r;
	size_t j;

	if ((l->nref + 1) * 2 > l->cap)
		grow(l);
	j = find(l, h, id, n);
	if (l->tab[j] != 0)
		return SLOT_REF(l->tab[j]);
	if (l->nref >= UINT32_MAX - 1)
		abort();	/* four billion ids: memory ran out long before */
	if (l->nref == l->refcap) {
		l->refcap = l->refcap ? l->refcap * 2 : 1024;
		l->ref = pk_xrealloc(l->ref, l->refcap * sizeof *l->ref);
	}
	r = &l->ref[l->nref];
	r->h = h;
	r->off = l->ids.len;
	r->len = (uint32_t)n;
	r->done = 0;
	r->plain = plain(id, n);
	pk_buf_add(&l->ids, n ? id : "", n);
	l->tab[j] = SLOT(h, l->nref);
	return (uint32_t)l->nref++;
}

int
pk_ledger_done(const struct pk_ledger *l, uint32_t ref)
{
	return ref < l->nref && l->ref[ref].done;
}

int
pk_ledger_has(const struct pk_ledger *l, const void *id, size_t n)
{
	size_t j;

	if (l->cap == 0)
		return 0;
	j = find(l, pk_ledger_hash(id, n), id, n);
	return l->tab[j] != 0 && l->ref[SLOT_REF(l->tab[j])].done;
}

/* Mark ref as a success: 1 newly, 0 already. */
static int
mark(struct pk_ledger *l, uint32_t ref)
{
	if (l->ref[ref].done)
		return 0;
	l->ref[ref].done = 1;
	l->count++;
	return 1;
}

static int
load(struct pk_ledger *l, int fd, int writable, struct pk_err *err)
{
	struct pk_reader *r;
	struct pk_jdoc doc = PK_JDOC_INIT;
	struct pk_buf id = PK_BUF_INIT;
	struct pk_err e = PK_ERR_INIT;
	const char *line;
	size_t len, i;
	int rc, ret = 0;

	if ((r = pk_reader_open_fd(l->path, fd, 0, 0, err)) == NULL)
		return -1;
	while ((rc = pk_reader_next(r, &line, &len, err)) > 0) {
		int found = 0;

		if (rc == 2 || !pk_reader_line_complete(r)) {
			if (rc == 1 && !pk_reader_line_complete(r)) {
				/* The append a crash interrupted: its record was
				 * never confirmed, so it is not a success. */
				if (writable && ftruncate(fd, (off_t)pk_reader_line_start(r)) < 0) {
					ret = pk_err_errno(err, PK_ERR_IO, "%s: cannot cut off the "
					    "unfinished last line", l->path);
					goto out;
				}
				l->torn = 1;
				break;
			}
			ret = pk_err_set(err, PK_ERR_DATA, "%s:%ld: line too long for a ledger entry",
			    l->path, pk_reader_lineno(r));
			goto out;
		}
		while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
			len--;
		if (len == 0)
			continue;
		if (pk_json_index(&doc, line, len, &e) == 0) {
			for (i = doc.nf; i-- > 0;) {
				if (doc.f[i].kn == 2 && memcmp(doc.f[i].k, "id", 2) == 0 &&
				    doc.f[i].v.type == PK_J_STR) {
					pk_buf_reset(&id);
					pk_jval_text(&doc.f[i].v, &id);
					if (id.len > UINT32_MAX) {
						ret = pk_err_set(err, PK_ERR_DATA, "%s:%ld: id too long",
						    l->path, pk_reader_lineno(r));
						goto out;
					}
					mark(l, pk_ledger_ref(l, pk_ledger_hash(id.p, id.len),
					    id.p ? id.p : "", id.len));
					found = 1;
					break;
				}
			}
		}
		if (!found) {
			ret = pk_err_set(err, PK_ERR_DATA, "%s:%ld: not a ledger entry (a JSON object "
			    "with a string \"id\")", l->path, pk_reader_lineno(r));
			goto out;
		}
		l->loaded++;
	}
	if (rc < 0)
		ret = -1;
out:
	pk_reader_free(r);
	pk_jdoc_release(&doc);
	pk_buf_release(&id);
	return ret;
}

int
pk_ledger_open(struct pk_ledger *l, const char *path, enum pk_ledger_mode mode,
    struct pk_err *err)
{
	struct stat st;
	int fd;

	l->path = pk_xstrdup(path);
	if (mode == PK_LEDGER_READ) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			if (errno == ENOENT)
				return 0;
			return pk_err_errno(err, PK_ERR_IO, "%s", path);
		}
	} else if ((fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0666)) < 0) {
		return pk_err_errno(err, PK_ERR_IO, "%s", path);
	}
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		return pk_err_set(err, PK_ERR_USAGE, "ledger '%s' is not a regular file", path);
	}
	if (mode == PK_LEDGER_WRITE && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		close(fd);
		if (e == EWOULDBLOCK)
			return pk_err_set(err, PK_ERR_IO, "ledger '%s' is locked by another run "
			    "(is a dlqreplay with this --ledger still running?)", path);
		errno = e;
		return pk_err_errno(err, PK_ERR_IO, "%s: cannot lock", path);
	}
	if (load(l, fd, mode == PK_LEDGER_WRITE, err) < 0) {
		close(fd);
		return -1;
	}
	if (mode == PK_LEDGER_READ) {
		close(fd);
		return 0;
	}
	l->fd = fd;
	return 0;
}

int
pk_ledger_succeed(struct pk_ledger *l, uint32_t ref, const char *members)
{
	const struct pk_ledger_id *r;

	if (!mark(l, ref))
		return 0;
	if (l->fd < 0)
		return 1;	/* read mode, or never opened: a set in memory */
	r = &l->ref[ref];
	pk_buf_adds(&l->pend, "{\"id\":");
	if (r->plain) {
		pk_buf_addc(&l->pend, '"');
		pk_buf_add(&l->pend, l->ids.p + r->off, r->len);
		pk_buf_addc(&l->pend, '"');
	} else {
		pk_buf_add_json_str(&l->pend, l->ids.p + r->off, r->len);
	}
	if (members != NULL)
		pk_buf_adds(&l->pend, members);
	pk_buf_adds(&l->pend, "}\n");
	l->npend++;
	return 1;
}

int
pk_ledger_add(struct pk_ledger *l, const void *id, size_t n, const char *members)
{
	return pk_ledger_succeed(l, pk_ledger_ref(l, pk_ledger_hash(id, n), id, n), members);
}

size_t
pk_ledger_pending(const struct pk_ledger *l)
{
	return l->npend;
}

/* All of buf to fd, then fdatasync: 0, or -1 with err. */
static int
write_sync(int fd, const char *path, const struct pk_buf *buf, struct pk_err *err)
{
	size_t done = 0;

	while (done < buf->len) {
		ssize_t w = write(fd, buf->p + done, buf->len - done);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return pk_err_errno(err, PK_ERR_IO, "%s", path);
		}
		done += (size_t)w;
	}
	if (fdatasync(fd) < 0)
		return pk_err_errno(err, PK_ERR_IO, "%s: fsync", path);
	return 0;
}

struct pk_ledger_bg {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t work, idle;
	int fd;
	const char *path;
	struct pk_buf wbuf;	/* the lot being written */
	size_t wlines;
	int busy, quit, failed;
	size_t durable;		/* lines made durable, not yet reaped */
	struct pk_err err;
};

static void *
bg_main(void *arg)
{
	struct pk_ledger_bg *bg = arg;
	struct pk_err e = PK_ERR_INIT;

	pthread_mutex_lock(&bg->mu);
	for (;;) {
		int rc;

		while (!bg->busy && !bg->quit)
			pthread_cond_wait(&bg->work, &bg->mu);
		if (!bg->busy)
			break;
		/* The lot is the writer's alone while busy: write unlocked. */
		pthread_mutex_unlock(&bg->mu);
		rc = write_sync(bg->fd, bg->path, &bg->wbuf, &e);
		pthread_mutex_lock(&bg->mu);
		if (rc < 0) {
			if (!bg->failed)
				bg->err = e;
			bg->failed = 1;
			bg->quit = 1;
		} else {
			bg->durable += bg->wlines;
		}
		pk_buf_reset(&bg->wbuf);
		bg->wlines = 0;
		bg->busy = 0;
		pthread_cond_signal(&bg->idle);
	}
	pthread_mutex_unlock(&bg->mu);
	return NULL;
}

int
pk_ledger_bg_start(struct pk_ledger *l, struct pk_err *err)
{
	struct pk_ledger_bg *bg;
	sigset_t all, old;
	int rc;

	if (l->fd < 0)
		return pk_err_set(err, PK_ERR_IO, "%s: ledger not open for writing", l->path);
	if (l->bg != NULL)
		return 0;
	bg = pk_xcalloc(1, sizeof *bg);
	bg->fd = l->fd;
	bg->path = l->path;
	pthread_mutex_init(&bg->mu, NULL);
	pthread_cond_init(&bg->work, NULL);
	pthread_cond_init(&bg->idle, NULL);
	/* Signals are for the caller's threads, not the writer. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&bg->th, NULL, bg_main, bg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_mutex_destroy(&bg->mu);
		pthread_cond_destroy(&bg->work);
		pthread_cond_destroy(&bg->idle);
		free(bg);
		errno = rc;
		return pk_err_errno(err, PK_ERR_IO, "%s: cannot start the ledger writer", l->path);
	}
	l->bg = bg;
	return 0;
}

size_t
pk_ledger_bg_flush(struct pk_ledger *l)
{
	struct pk_ledger_bg *bg = l->bg;
	struct pk_buf t;
	size_t n = 0;

	if (bg == NULL || l->npend == 0)
		return 0;
	pthread_mutex_lock(&bg->mu);
	if (!bg->busy && !bg->quit) {
		/* Swap buffers: the writer's emptied one becomes the queue. */
		t = bg->wbuf;
		bg->wbuf = l->pend;
		l->pend = t;
		bg->wlines = n = l->npend;
		l->npend = 0;
		bg->busy = 1;
		pthread_cond_signal(&bg->work);
	}
	pthread_mutex_unlock(&bg->mu);
	return n;
}

int
pk_ledger_bg_busy(const struct pk_ledger *l)
{
	struct pk_ledger_bg *bg = l->bg;
	int busy;

	if (bg == NULL)
		return 0;
	pthread_mutex_lock(&bg->mu);
	busy = bg->busy;
	pthread_mutex_unlock(&bg->mu);
	return busy;
}

long
pk_ledger_bg_reap(struct pk_ledger *l, struct pk_err *err)
{
	struct pk_ledger_bg *bg = l->bg;
	long n;

	if (bg == NULL)
		return 0;
	pthread_mutex_lock(&bg->mu);
	if (bg->failed) {
		if (err != NULL)
			*err = bg->err;
		pthread_mutex_unlock(&bg->mu);
		return -1;
	}
	n = (long)bg->durable;
	bg->durable = 0;
	pthread_mutex_unlock(&bg->mu);
	return n;
}

int
pk_ledger_bg_stop(struct pk_ledger *l, struct pk_err *err)
{
	struct pk_ledger_bg *bg = l->bg;
	int failed;

	if (bg == NULL)
		return 0;
	pthread_mutex_lock(&bg->mu);
	while (bg->busy)
		pthread_cond_wait(&bg->idle, &bg->mu);
	bg->quit = 1;
	pthread_cond_signal(&bg->work);
	pthread_mutex_unlock(&bg->mu);
	pthread_join(bg->th, NULL);
	failed = bg->failed;
	if (failed && err != NULL)
		*err = bg->err;
	pthread_mutex_destroy(&bg->mu);
	pthread_cond_destroy(&bg->work);
	pthread_cond_destroy(&bg->idle);
	pk_buf_release(&bg->wbuf);
	free(bg);
	l->bg = NULL;
	return failed ? -1 : 0;
}

int
pk_ledger_sync(struct pk_ledger *l, struct pk_err *err)
{
	if (l->bg != NULL && pk_ledger_bg_stop(l, err) < 0)
		return -1;
	if (l->npend == 0)
		return 0;
	if (l->fd < 0)
		return pk_err_set(err, PK_ERR_IO, "%s: ledger not open for writing", l->path);
	if (write_sync(l->fd, l->path, &l->pend, err) < 0)
		return -1;
	pk_buf_reset(&l->pend);
	l->npend = 0;
	return 0;
}

int
pk_ledger_close(struct pk_ledger *l, struct pk_err *err)
{
	int rc = 0;

	if (l->fd >= 0) {
		if (pk_ledger_sync(l, err) < 0)
			rc = -1;
		if (close(l->fd) < 0 && rc == 0)
			rc = pk_err_errno(err, PK_ERR_IO, "%s", l->path);
		l->fd = -1;
	}
	free(l->tab);
	l->tab = NULL;
	free(l->ref);
	l->ref = NULL;
	l->cap = l->count = l->nref = l->refcap = 0;
	pk_buf_release(&l->ids);
	pk_buf_release(&l->pend);
	free(l->path);
	l->path = NULL;
	return rc;
}
