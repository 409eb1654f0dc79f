/*
 * outpool - many output files through few descriptors: an LRU of open
 * slots, each file appended to its own temporary dot-file (a new zstd frame
 * or gzip member after every reopening), renamed into place at the end.
 * Once every descriptor is taken, a file without one collects its records
 * in memory and is opened only when it has PEND_FILE bytes, or when all
 * such buffers together pass PEND_TOTAL: then every one is written out.
 * So 10,000 files through 256 descriptors cost an opening per buffer's
 * worth of records, not one per record.
 */
#include "cmd/logsplit/outpool.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "cmd/logsplit/template.h"
#include "lib/buf.h"
#include "lib/hash.h"

enum comp { C_NONE, C_ZSTD, C_GZIP };

#define PEND_FILE	(64u << 10)
#define PEND_TOTAL	(64u << 20)

struct slot;

struct ofile {
	char *final;
	char *tmp;		/* NULL before creation and after commit */
	int fd;			/* -1 while closed */
	int inplace;		/* an existing FIFO or device: written, never replaced */
	int done;		/* rotated away: no more writes */
	enum comp comp;
	unsigned long long bytes;
	struct slot *slot;
	char *pend;		/* records waiting for a descriptor (no slot) */
	size_t plen, pcap;
};

struct outgroup {
	char *r;
	size_t rn;
	uint32_t seq;
	struct ofile *cur;
	struct outgroup *hnext;
};

struct slot {
	struct ofile *f;
	char *buf;
	size_t len, cap;
	ZSTD_CCtx *zc;
	z_stream zs;
	int zsinit;
	int gzopen;		/* zs holds an unfinished member */
	struct slot *prev, *next;
};

struct outpool {
	struct outpool_opts o;
	struct ofile **files;
	size_t nfiles, fcap;
	struct outgroup **ht;
	size_t htcap, ngroups;
	struct slot *slots;
	size_t nslots;		/* slots handed out so far (<= o.max_open) */
	struct slot *head, *tail;	/* most and least recently used open slots */
	struct slot *freel;		/* released slots, linked by next */
	unsigned char *zout;
	size_t pend_total;	/* capacity of every ofile's pend */
	uint64_t reopens;
	int committed;
	struct pk_buf name;
	struct outpool *next_live;
};

#define ZOUT_SIZE (128u << 10)

static struct outpool *live;
static int atexit_done;

static void
remove_temps(struct outpool *p)
{
	size_t i;

	for (i = 0; i < p->nfiles; i++) {
		struct ofile *f = p->files[i];

		if (f->fd >= 0 && !f->inplace) {
			close(f->fd);
			f->fd = -1;
		}
		if (f->tmp != NULL) {
			(void)unlink(f->tmp);
			free(f->tmp);
			f->tmp = NULL;
		}
	}
}

static void
at_exit(void)
{
	struct outpool *p;

	for (p = live; p != NULL; p = p->next_live)
		if (!p->committed)
			remove_temps(p);
}

struct outpool *
outpool_new(const struct outpool_opts *o)
{
	struct outpool *p = pk_xcalloc(1, sizeof *p);

	p->o = *o;
	if (p->o.max_open < 1)
		p->o.max_open = 1;
	p->slots = pk_xcalloc(p->o.max_open, sizeof *p->slots);
	p->next_live = live;
	live = p;
	if (!atexit_done) {
		atexit(at_exit);
		atexit_done = 1;
	}
	return p;
}

static int
has_suffix(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && memcmp(s + n - k, suf, k) == 0;
}

static struct outgroup *
group_find(struct outpool *p, const char *r, size_t rn, size_t *bucket)
{
	struct outgroup *g;

	*bucket = (size_t)pk_hash64(r, rn, 0) & (p->htcap - 1);
	for (g = p->ht[*bucket]; g != NULL; g = g->hnext)
		if (g->rn == rn && memcmp(g->r, r, rn) == 0)
			return g;
	return NULL;
}

struct outgroup *
outpool_group(struct outpool *p, const char *r, size_t rn)
{
	struct outgroup *g;
	size_t b, i;

	if (p->htcap == 0) {
		p->htcap = 64;
		p->ht = pk_xcalloc(p->htcap, sizeof *p->ht);
	}
	if ((g = group_find(p, r, rn, &b)) != NULL)
		return g;
	if (p->ngroups + 1 > p->htcap / 2) {
		struct outgroup **old = p->ht;
		size_t oldcap = p->htcap;

		p->htcap *= 2;
		p->ht = pk_xcalloc(p->htcap, sizeof *p->ht);
		for (i = 0; i < oldcap; i++) {
			while ((g = old[i]) != NULL) {
				old[i] = g->hnext;
				group_find(p, g->r, g->rn, &b);
				g->hnext = p->ht[b];
				p->ht[b] = g;
			}
		}
		free(old);
		group_find(p, r, rn, &b);
	}
	g = pk_xcalloc(1, sizeof *g);
	g->r = pk_xmalloc(rn + 1);
	memcpy(g->r, r, rn);
	g->r[rn] = '\0';
	g->rn = rn;
	g->hnext = p->ht[b];
	p->ht[b] = g;
	p->ngroups++;
	return g;
}

/* --- writing through a slot --------------------------------------------- */

static int
io_fail(struct ofile *f, struct pk_err *err)
{
	return pk_err_errno(err, PK_ERR_IO, "%s", f->final);
}

static int
write_all(struct ofile *f, const void *data, size_t n, struct pk_err *err)
{
	const char *s = data;
	ssize_t got;

	while (n > 0) {
		got = write(f->fd, s, n > SSIZE_MAX ? SSIZE_MAX : n);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return io_fail(f, err);
		}
		if (got == 0) {
			errno = EIO;
			return io_fail(f, err);
		}
		s += got;
		n -= (size_t)got;
	}
	return 0;
}

/* Push data through the file's compressor; end = 1 ends the frame/member. */
static int
emit(struct outpool *p, struct slot *s, const void *data, size_t n, int end, struct pk_err *err)
{
	struct ofile *f = s->f;

	if (f->comp == C_NONE)
		return write_all(f, data, n, err);
	if (p->zout == NULL)
		p->zout = pk_xmalloc(ZOUT_SIZE);
	if (f->comp == C_ZSTD) {
		ZSTD_inBuffer in = { data, n, 0 };
		ZSTD_outBuffer out;
		size_t left;

		if (s->zc == NULL) {
			s->zc = ZSTD_createCCtx();
			if (s->zc == NULL)
				return pk_err_set(err, PK_ERR_IO, "%s: zstd: out of memory", f->final);
			/* Parameters stick across frames (ZSTD_e_end resets the
			 * session only), so they are set once per context. */
			if (ZSTD_isError(ZSTD_CCtx_setParameter(s->zc, ZSTD_c_compressionLevel,
			    p->o.level)) ||
			    ZSTD_isError(ZSTD_CCtx_setParameter(s->zc, ZSTD_c_checksumFlag, 1)))
				return pk_err_set(err, PK_ERR_IO, "%s: zstd: bad level %d", f->final,
				    p->o.level);
			/* The first 16 open files compress on a worker thread
			 * each, beside the parsing thread (1 MiB jobs keep each
			 * context near 5 MiB); a libzstd without threads just
			 * refuses, and compression stays inline. */
			if (s < p->slots + 16 &&
			    !ZSTD_isError(ZSTD_CCtx_setParameter(s->zc, ZSTD_c_nbWorkers, 1)))
				ZSTD_CCtx_setParameter(s->zc, ZSTD_c_jobSize, 1 << 20);
		}
		do {
			out.dst = p->zout;
			out.size = ZOUT_SIZE;
			out.pos = 0;
			left = ZSTD_compressStream2(s->zc, &out, &in,
			    end ? ZSTD_e_end : ZSTD_e_continue);
			if (ZSTD_isError(left))
				return pk_err_set(err, PK_ERR_IO, "%s: zstd: %s", f->final,
				    ZSTD_getErrorName(left));
			if (out.pos > 0 && write_all(f, p->zout, out.pos, err) < 0)
				return -1;
		} while (end ? left != 0 : in.pos < in.size);
		return 0;
	}
	/* gzip: one member per opening of the file (RFC 1952 2.2). */
	if (!s->zsinit) {
		memset(&s->zs, 0, sizeof s->zs);
		/* 15 + 16: gzip wrapper, 32 KiB window (zlib manual, deflateInit2). */
		if (deflateInit2(&s->zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return pk_err_set(err, PK_ERR_IO, "%s: gzip: out of memory", f->final);
		s->zsinit = 1;
	} else if (!s->gzopen) {
		deflateReset(&s->zs);
	}
	s->gzopen = 1;
	{
		int ret;
		size_t have;

		s->zs.next_in = (unsigned char *)(uintptr_t)data;
		s->zs.avail_in = (uInt)n;	/* n <= bufsize or one record < 2 GiB */
		do {
			s->zs.next_out = p->zout;
			s->zs.avail_out = ZOUT_SIZE;
			ret = deflate(&s->zs, end ? Z_FINISH : Z_NO_FLUSH);
			if (ret == Z_STREAM_ERROR)
				return pk_err_set(err, PK_ERR_IO, "%s: gzip: stream error", f->final);
			have = ZOUT_SIZE - s->zs.avail_out;
			if (have > 0 && write_all(f, p->zout, have, err) < 0)
				return -1;
		} while (s->zs.avail_in > 0 || s->zs.avail_out == 0 ||
		    (end && ret != Z_STREAM_END));
		if (end)
			s->gzopen = 0;
	}
	return 0;
}

static int
drain(struct outpool *p, struct slot *s, int end, struct pk_err *err)
{
	size_t n = s->len;

	s->len = 0;
	if (n == 0 && (!end || s->f->comp == C_NONE))
		return 0;
	return emit(p, s, s->buf, n, end, err);
}

static void
lru_unlink(struct outpool *p, struct slot *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		p->head = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	else
		p->tail = s->prev;
	s->prev = s->next = NULL;
}

static void
lru_front(struct outpool *p, struct slot *s)
{
	s->prev = NULL;
	s->next = p->head;
	if (p->head != NULL)
		p->head->prev = s;
	p->head = s;
	if (p->tail == NULL)
		p->tail = s;
}

/* Flush a slot's file, end its frame, close its descriptor, free the slot. */
static int
slot_release(struct outpool *p, struct slot *s, struct pk_err *err)
{
	struct ofile *f = s->f;
	int rc = drain(p, s, 1, err);

	lru_unlink(p, s);
	s->f = NULL;
	f->slot = NULL;
	if (f->fd >= 0 && !f->inplace) {
		if (close(f->fd) < 0 && rc == 0 && errno != EINTR)
			rc = io_fail(f, err);
		f->fd = -1;
	}
	s->next = p->freel;
	p->freel = s;
	return rc;
}

static void
mkdirs(char *dir)
{
	char *s;

	for (s = dir + 1; *s != '\0'; s++) {
		if (*s == '/') {
			*s = '\0';
			(void)mkdir(dir, 0777);
			*s = '/';
		}
	}
	(void)mkdir(dir, 0777);
}

/* Create f's temporary file ".name.tmp.XXXXXX" beside its final name. */
static int
create_temp(struct outpool *p, struct ofile *f, struct pk_err *err)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	static uint64_t counter;
	const char *slash = strrchr(f->final, '/');
	size_t dirlen = slash != NULL ? (size_t)(slash - f->final) + 1 : 0;
	struct timespec ts;
	uint64_t x;
	int tries, i, made_dirs = 0;

	for (tries = 0; tries < 100; tries++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		x = pk_hash64(&ts, sizeof ts, ++counter ^ (uint64_t)getpid() << 32);
		pk_buf_reset(&p->name);
		pk_buf_add(&p->name, f->final, dirlen);
		pk_buf_printf(&p->name, ".%s.tmp.", f->final + dirlen);
		for (i = 0; i < 6; i++) {
			pk_buf_addc(&p->name, digits[x % 36]);
			x /= 36;
		}
		f->fd = open(p->name.p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (f->fd >= 0) {
			f->tmp = pk_xstrdup(p->name.p);
			return 0;
		}
		if (errno == ENOENT && dirlen > 1 && !made_dirs) {
			char *dir = pk_xstrndup(f->final, dirlen - 1);

			mkdirs(dir);
			free(dir);
			made_dirs = 1;
			continue;
		}
		if (errno != EEXIST && errno != EINTR)
			break;
	}
	return pk_err_errno(err, PK_ERR_IO, "%s: cannot create a temporary file", f->final);
}

static int
open_file(struct outpool *p, struct ofile *f, struct pk_err *err)
{
	struct stat st;

	if (f->inplace || f->tmp != NULL) {
		if (f->fd >= 0)
			return 0;
		do
			f->fd = open(f->tmp, O_WRONLY | O_APPEND | O_CLOEXEC);
		while (f->fd < 0 && errno == EINTR);
		if (f->fd < 0)
			return pk_err_errno(err, PK_ERR_IO, "%s: reopening %s", f->final, f->tmp);
		p->reopens++;
		return 0;
	}
	if (stat(f->final, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			return io_fail(f, err);
		}
		do
			f->fd = open(f->final, O_WRONLY | O_CLOEXEC);
		while (f->fd < 0 && errno == EINTR);
		if (f->fd < 0)
			return io_fail(f, err);
		f->inplace = 1;
		return 0;
	}
	return create_temp(p, f, err);
}

/* A slot holding f, at the front of the LRU: evicts the least recently used. */
static int
slot_get(struct outpool *p, struct ofile *f, struct pk_err *err)
{
	struct slot *s;

	if (p->freel == NULL && p->nslots < p->o.max_open) {
		s = &p->slots[p->nslots++];
	} else {
		/* A slot released by rotation, else evict the least recently used. */
		if (p->freel == NULL && slot_release(p, p->tail, err) < 0)
			return -1;
		s = p->freel;
		p->freel = s->next;
		s->next = NULL;
	}
	if (s->buf == NULL) {
		/* 128 KiB for the first 64 open files (fewer, larger writes in
		 * the usual case), 16 KiB beyond, so that a thousand open files
		 * take about 24 MiB of buffers. */
		s->cap = s < p->slots + 64 ? (128u << 10) : (16u << 10);
		s->buf = pk_xmalloc(s->cap);
	}
	s->len = 0;
	s->gzopen = 0;
	if (open_file(p, f, err) < 0)
		return -1;
	s->f = f;
	f->slot = s;
	lru_front(p, s);
	if (f->pcap > 0) {
		/* What waited in memory goes first, in order. */
		int rc = f->plen > 0 ? emit(p, s, f->pend, f->plen, 0, err) : 0;

		p->pend_total -= f->pcap;
		free(f->pend);
		f->pend = NULL;
		f->plen = f->pcap = 0;
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Every file's waiting records out to its file. */
static int
pend_flush(struct outpool *p, struct pk_err *err)
{
	size_t i;

	for (i = 0; i < p->nfiles && p->pend_total > 0; i++)
		if (p->files[i]->pcap > 0 && p->files[i]->slot == NULL &&
		    slot_get(p, p->files[i], err) < 0)
			return -1;
	return 0;
}

/* Keep a record for f, which has no descriptor and will not get one now. */
static int
pend_add(struct outpool *p, struct ofile *f, const void *data, size_t n, struct pk_err *err)
{
	if (n + 1 > f->pcap - f->plen) {
		size_t cap = f->pcap ? f->pcap : 256;

		while (n + 1 > cap - f->plen)
			cap *= 2;
		f->pend = pk_xrealloc(f->pend, cap);
		p->pend_total += cap - f->pcap;
		f->pcap = cap;
	}
	memcpy(f->pend + f->plen, data, n);
	f->pend[f->plen + n] = '\n';
	f->plen += n + 1;
	if (f->plen >= PEND_FILE)
		return slot_get(p, f, err);
	if (p->pend_total > PEND_TOTAL)
		return pend_flush(p, err);
	return 0;
}

static struct ofile *
new_file(struct outpool *p, struct outgroup *g)
{
	struct ofile *f = pk_xcalloc(1, sizeof *f);
	struct pk_buf name = PK_BUF_INIT;

	tpl_seq(g->r, g->rn, g->seq, &name);
	f->final = pk_buf_detach(&name, NULL);
	f->fd = -1;
	if (has_suffix(f->final, strlen(f->final), ".zst"))
		f->comp = C_ZSTD;
	else if (has_suffix(f->final, strlen(f->final), ".gz"))
		f->comp = C_GZIP;
	if (p->nfiles == p->fcap) {
		p->fcap = p->fcap ? p->fcap * 2 : 64;
		p->files = pk_xrealloc(p->files, p->fcap * sizeof *p->files);
	}
	p->files[p->nfiles++] = f;
	return f;
}

int
outpool_line(struct outpool *p, struct outgroup *g, const void *data, size_t n,
    struct pk_err *err)
{
	struct ofile *f = g->cur;
	struct slot *s;

	if (f != NULL && p->o.max_bytes > 0 && f->bytes > 0 &&
	    f->bytes + n + 1 > p->o.max_bytes) {
		/* Rotate: this file is complete; the next one takes the record. */
		if (f->pcap > 0 && f->slot == NULL && slot_get(p, f, err) < 0)
			return -1;
		if (f->slot != NULL && slot_release(p, f->slot, err) < 0)
			return -1;
		f->done = 1;
		g->seq++;
		f = NULL;
	}
	if (f == NULL)
		f = g->cur = new_file(p, g);
	if (f->slot == NULL) {
		if (p->freel == NULL && p->nslots >= p->o.max_open) {
			f->bytes += n + 1;
			return pend_add(p, f, data, n, err);
		}
		if (slot_get(p, f, err) < 0)
			return -1;
	}
	s = f->slot;
	if (s != p->head) {
		lru_unlink(p, s);
		lru_front(p, s);
	}
	f->bytes += n + 1;
	if (n + 1 <= s->cap - s->len) {
		memcpy(s->buf + s->len, data, n);
		s->buf[s->len + n] = '\n';
		s->len += n + 1;
		return 0;
	}
	if (drain(p, s, 0, err) < 0)
		return -1;
	if (n + 1 <= s->cap) {
		memcpy(s->buf, data, n);
		s->buf[n] = '\n';
		s->len = n + 1;
		return 0;
	}
	if (emit(p, s, data, n, 0, err) < 0)
		return -1;
	s->buf[0] = '\n';
	s->len = 1;
	return 0;
}

/* --- the end of the run ---------------------------------------------------- */

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add tmp's bytes to the end of final (--append), then remove tmp. */
static int
append_into(struct ofile *f, struct pk_err *err)
{
	char buf[1 << 16];
	int in, out;
	ssize_t got;
	int rc = 0;

	if ((in = open(f->tmp, O_RDONLY | O_CLOEXEC)) < 0)
		return pk_err_errno(err, PK_ERR_IO, "%s", f->tmp);
	if ((out = open(f->final, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0) {
		close(in);
		return io_fail(f, err);
	}
	f->fd = out;
	for (;;) {
		got = read(in, buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = pk_err_errno(err, PK_ERR_IO, "%s", f->tmp);
			break;
		}
		if (got == 0)
			break;
		if ((rc = write_all(f, buf, (size_t)got, err)) < 0)
			break;
	}
	if (rc == 0 && fsync(out) < 0)
		rc = io_fail(f, err);
	if (close(out) < 0 && rc == 0 && errno != EINTR)
		rc = io_fail(f, err);
	f->fd = -1;
	close(in);
	if (rc == 0)
		(void)unlink(f->tmp);
	return rc;
}

int
outpool_commit(struct outpool *p, struct pk_err *err)
{
	char **dirs = NULL;
	size_t ndirs = 0, i;
	struct stat st;

	/* First every file complete and on disk, then the renames, so that a
	 * failure in the first pass leaves no final name touched. */
	if (pend_flush(p, err) < 0)
		goto fail;
	for (i = 0; i < p->nfiles; i++) {
		struct ofile *f = p->files[i];

		if (f->slot != NULL) {
			if (drain(p, f->slot, 1, err) < 0)
				goto fail;
			lru_unlink(p, f->slot);
			f->slot->f = NULL;
			f->slot = NULL;
		}
		if (f->inplace) {
			if (f->fd >= 0 && close(f->fd) < 0 && errno != EINTR) {
				f->fd = -1;
				io_fail(f, err);
				goto fail;
			}
			f->fd = -1;
			continue;
		}
		if (f->fd < 0)
			f->fd = open(f->tmp, O_RDONLY | O_CLOEXEC);
		if (f->fd < 0 || fsync(f->fd) < 0) {
			io_fail(f, err);
			goto fail;
		}
		if (close(f->fd) < 0 && errno != EINTR) {
			f->fd = -1;
			io_fail(f, err);
			goto fail;
		}
		f->fd = -1;
	}
	for (i = 0; i < p->nfiles; i++) {
		struct ofile *f = p->files[i];
		const char *slash;

		if (f->inplace || f->tmp == NULL)
			continue;
		if (stat(f->final, &st) == 0 && S_ISREG(st.st_mode)) {
			if (p->o.append) {
				if (append_into(f, err) < 0)
					goto fail;
				free(f->tmp);
				f->tmp = NULL;
				continue;
			}
			/* A replaced file keeps its permissions. */
			(void)chmod(f->tmp, st.st_mode & 07777);
		}
		if (rename(f->tmp, f->final) < 0) {
			io_fail(f, err);
			goto fail;
		}
		free(f->tmp);
		f->tmp = NULL;
		slash = strrchr(f->final, '/');
		dirs = pk_xrealloc(dirs, (ndirs + 1) * sizeof *dirs);
		dirs[ndirs++] = slash == NULL ? pk_xstrdup(".") :
		    slash == f->final ? pk_xstrdup("/") :
		    pk_xstrndup(f->final, (size_t)(slash - f->final));
	}
	/* Make the renames durable, once per directory. */
	if (ndirs > 1)
		qsort(dirs, ndirs, sizeof *dirs, cmpstr);
	for (i = 0; i < ndirs; i++) {
		if (i == 0 || strcmp(dirs[i], dirs[i - 1]) != 0) {
			int fd = open(dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			if (fd >= 0) {
				(void)fsync(fd);
				close(fd);
			}
		}
	}
	for (i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(dirs);
	p->committed = 1;
	return 0;
fail:
	for (i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(dirs);
	remove_temps(p);
	return -1;
}

void
outpool_abort(struct outpool *p)
{
	remove_temps(p);
}

void
outpool_free(struct outpool *p)
{
	struct outpool **pp;
	size_t i;

	if (p == NULL)
		return;
	if (!p->committed)
		remove_temps(p);
	for (pp = &live; *pp != NULL; pp = &(*pp)->next_live) {
		if (*pp == p) {
			*pp = p->next_live;
			break;
		}
	}
	for (i = 0; i < p->nfiles; i++) {
		free(p->files[i]->final);
		free(p->files[i]->tmp);
		free(p->files[i]->pend);
		free(p->files[i]);
	}
	free(p->files);
	for (i = 0; i < p->htcap; i++) {
		struct outgroup *g, *next;

		for (g = p->ht[i]; g != NULL; g = next) {
			next = g->hnext;
			free(g->r);
			free(g);
		}
	}
	free(p->ht);
	for (i = 0; i < p->nslots; i++) {
		free(p->slots[i].buf);
		if (p->slots[i].zc != NULL)
			ZSTD_freeCCtx(p->slots[i].zc);
		if (p->slots[i].zsinit)
			deflateEnd(&p->slots[i].zs);
	}
	free(p->slots);
	free(p->zout);
	pk_buf_release(&p->name);
	free(p);
}

size_t
outpool_nfiles(const struct outpool *p)
{
	return p->nfiles;
}

uint64_t
outpool_reopens(const struct outpool *p)
{
	return p->reopens;
}
