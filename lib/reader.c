/*
 * reader - lines from files, stdin or memory, zstd and gzip decompressed as they stream.
 */
#include "lib/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "lib/buf.h"

/*
 * Decompressed (or plain) bytes live in buf[0..cap); buf[start..end) is
 * not yet returned, buf[start..scan) is known to hold no '\n'. Lines are
 * handed out in place; only the unfinished tail is moved to the front
 * when more data is needed, so a byte is copied at most once per refill.
 */
#define BUF_INIT	(1u << 20)
#define RAW_SIZE	(256u << 10)

enum detect { DET_NONE, DET_ZSTD, DET_GZIP, DET_UNSURE };

struct pk_reader {
	char *name;
	int fd;			/* -1 for memory */
	int own_fd;
	size_t max_line;

	char *buf;
	size_t cap, start, end, scan;
	int eof;		/* no more decompressed bytes will come */

	/* Raw bytes: raw[rpos..rlen) not yet used; memory sources point at the caller's data. */
	unsigned char *rawbuf;
	const unsigned char *raw;
	size_t rpos, rlen;
	int raw_eof;
	uint64_t raw_read;	/* bytes read from the fd (or used from memory) */
	int64_t raw_size;

	int detected;
	enum pk_compression comp;
	ZSTD_DCtx *zd;
	size_t zret;		/* last ZSTD_decompressStream hint; 0 between frames */
	z_stream zs;
	int zinit;
	int member_done;

	long lineno;
	uint64_t off;		/* through the last returned line */
	uint64_t line_off;	/* where the last returned line began */
	int complete;
	int regular;
	dev_t dev;
	ino_t ino;

	int failed;
	struct pk_err saved;	/* repeated on every call after a failure */

	void (*on_wait)(void *arg);
	void *wait_arg;
	int stopped;		/* a signal ended the input (pk_reader_set_stop) */
};

static int (*stop_fn)(void);

void
pk_reader_set_stop(int (*stop)(void))
{
	stop_fn = stop;
}

int
pk_reader_stopped(const struct pk_reader *r)
{
	return r->stopped;
}

static int
should_stop(void)
{
	return stop_fn != NULL && stop_fn();
}

static struct pk_reader *
reader_new(const char *name, size_t max_line)
{
	struct pk_reader *r = pk_xcalloc(1, sizeof *r);

	r->name = pk_xstrdup(name);
	r->fd = -1;
	r->max_line = max_line ? max_line : PK_MAX_RECORD_BYTES_DEFAULT;
	r->cap = BUF_INIT;
	r->buf = pk_xmalloc(r->cap);
	r->raw_size = -1;
	r->complete = 1;
	return r;
}

static int
fail(struct pk_reader *r, struct pk_err *err, enum pk_err_kind kind, const char *what)
{
	r->failed = 1;
	if (kind == PK_ERR_IO)
		pk_err_errno(&r->saved, kind, "%s", r->name);
	else
		pk_err_set(&r->saved, kind, "%s:%ld: %s", r->name, r->lineno + 1, what);
	if (err != NULL)
		*err = r->saved;
	return -1;
}

/* Read from the fd into dst; returns bytes, 0 at end, -1 with errno. */
static ssize_t
read_fd(struct pk_reader *r, void *dst, size_t n)
{
	struct pollfd pfd;
	ssize_t got;

	if (r->on_wait != NULL && !r->regular) {
		pfd.fd = r->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) == 0)
			r->on_wait(r->wait_arg);
	}
	while ((got = read(r->fd, dst, n)) < 0) {
		if (errno == EINTR) {
			if (should_stop()) {
				r->stopped = 1;
				return 0;
			}
			continue;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			break;
		/* A non-blocking stdin (left so by another program): wait
		 * for data rather than fail. */
		pfd.fd = r->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, -1) < 0 && errno == EINTR && should_stop()) {
			r->stopped = 1;
			return 0;
		}
	}
	if (got > 0)
		r->raw_read += (uint64_t)got;
	return got;
}

/* Refill the raw buffer once it is used up. Returns 1, 0 at end, -1. */
static int
raw_refill(struct pk_reader *r, struct pk_err *err)
{
	ssize_t got;

	if (r->rpos < r->rlen)
		return 1;
	if (r->raw_eof)
		return 0;
	r->rpos = r->rlen = 0;
	got = read_fd(r, r->rawbuf, RAW_SIZE);
	if (got < 0)
		return fail(r, err, PK_ERR_IO, NULL);
	if (got == 0) {
		r->raw_eof = 1;
		return 0;
	}
	r->rlen = (size_t)got;
	return 1;
}

static enum detect
classify(const unsigned char *p, size_t n, int at_end)
{
	/* RFC 8878 3.1.1 (frame magic 0xFD2FB528, little-endian) and
	 * 3.1.2 (skippable frames 0x184D2A50..5F); RFC 1952 2.3.1 (ID1 ID2). */
	static const unsigned char zmagic[4] = { 0x28, 0xB5, 0x2F, 0xFD };
	static const unsigned char skip[3] = { 0x2A, 0x4D, 0x18 };
	size_t i, k;
	int zstd_ok = 1, skip_ok = 1, gzip_ok = 1;

	k = n < 4 ? n : 4;
	for (i = 0; i < k; i++) {
		if (p[i] != zmagic[i])
			zstd_ok = 0;
		if (i == 0 ? (p[0] & 0xF0) != 0x50 : p[i] != skip[i - 1])
			skip_ok = 0;
		if (i < 2 && p[i] != (i == 0 ? 0x1F : 0x8B))
			gzip_ok = 0;
	}
	if (gzip_ok && n >= 2)
		return DET_GZIP;
	if ((zstd_ok || skip_ok) && n >= 4)
		return DET_ZSTD;
	if ((zstd_ok || skip_ok || gzip_ok) && !at_end)
		return DET_UNSURE;
	return DET_NONE;
}

/*
 * Look at the first bytes. Stops reading as soon as the prefix cannot be
 * a magic number, so a terminal user typing "{}" is not kept waiting.
 */
static int
detect(struct pk_reader *r, struct pk_err *err)
{
	enum detect d;
	ssize_t got;

	while ((d = classify(r->raw + r->rpos, r->rlen - r->rpos, r->raw_eof)) == DET_UNSURE) {
		got = read_fd(r, r->rawbuf + r->rlen, RAW_SIZE - r->rlen);
		if (got < 0)
			return fail(r, err, PK_ERR_IO, NULL);
		if (got == 0)
			r->raw_eof = 1;
		r->rlen += (size_t)got;
	}
	r->detected = 1;
	if (d == DET_ZSTD) {
		r->comp = PK_COMP_ZSTD;
		r->zd = ZSTD_createDCtx();
		if (r->zd == NULL) {
			errno = ENOMEM;
			return fail(r, err, PK_ERR_IO, NULL);
		}
		r->zret = 1;	/* a frame is expected: magic alone is truncated */
	} else if (d == DET_GZIP) {
		r->comp = PK_COMP_GZIP;
		/* 16 + MAX_WBITS: gzip wrapper only (zlib manual, inflateInit2). */
		if (inflateInit2(&r->zs, 16 + MAX_WBITS) != Z_OK) {
			errno = ENOMEM;
			return fail(r, err, PK_ERR_IO, NULL);
		}
		r->zinit = 1;
	}
	return 0;
}

static int
fill_plain(struct pk_reader *r, struct pk_err *err)
{
	size_t space = r->cap - r->end, n;
	ssize_t got;

	if (r->rpos < r->rlen) {
		n = r->rlen - r->rpos;
		if (n > space)
			n = space;
		memcpy(r->buf + r->end, r->raw + r->rpos, n);
		r->rpos += n;
		r->end += n;
		if (r->fd < 0)
			r->raw_read += n;
		return 1;
	}
	if (r->raw_eof)
		return 0;
	got = read_fd(r, r->buf + r->end, space);
	if (got < 0)
		return fail(r, err, PK_ERR_IO, NULL);
	if (got == 0) {
		r->raw_eof = 1;
		return 0;
	}
	r->end += (size_t)got;
	return 1;
}

static int
fill_zstd(struct pk_reader *r, struct pk_err *err)
{
	ZSTD_inBuffer in;
	ZSTD_outBuffer out;
	size_t ret;
	int rc;

	for (;;) {
		if ((rc = raw_refill(r, err)) < 0)
			return -1;
		/* Between frames with nothing left: done. (A call here would
		 * start a new frame and ask for its header.) */
		if (rc == 0 && (r->zret == 0 || r->stopped))
			return 0;
		in.src = r->raw + r->rpos;
		in.size = r->rlen - r->rpos;
		in.pos = 0;
		out.dst = r->buf + r->end;
		out.size = r->cap - r->end;
		out.pos = 0;
		ret = ZSTD_decompressStream(r->zd, &out, &in);
		r->rpos += in.pos;
		if (r->fd < 0)
			r->raw_read += in.pos;
		r->end += out.pos;
		if (ZSTD_isError(ret)) {
			char what[200];

			snprintf(what, sizeof what, "corrupt zstd data (%s)", ZSTD_getErrorName(ret));
			return fail(r, err, PK_ERR_DATA, what);
		}
		r->zret = ret;
		if (out.pos > 0)
			return 1;
		if (r->rpos == r->rlen && r->raw_eof) {
			if (r->zret != 0)
				return fail(r, err, PK_ERR_DATA, "truncated zstd data");
			return 0;
		}
	}
}

static int
fill_gzip(struct pk_reader *r, struct pk_err *err)
{
	size_t before;
	int ret;

	for (;;) {
		if (raw_refill(r, err) < 0)
			return -1;
		if (r->stopped && r->rpos == r->rlen)
			return 0;
		if (r->member_done) {
			if (r->rpos == r->rlen)
				return 0;	/* raw_refill saw the end */
			/* Another member follows (gzip(1) concatenation, RFC 1952 2.2). */
			inflateReset(&r->zs);
			r->member_done = 0;
		}
		r->zs.next_in = (unsigned char *)(uintptr_t)(r->raw + r->rpos);
		r->zs.avail_in = (uInt)(r->rlen - r->rpos);
		r->zs.next_out = (unsigned char *)r->buf + r->end;
		before = r->cap - r->end;
		r->zs.avail_out = before > UINT32_MAX ? UINT32_MAX : (uInt)before;
		before = r->zs.avail_out;
		ret = inflate(&r->zs, Z_NO_FLUSH);
		if (r->fd < 0)
			r->raw_read += (r->rlen - r->rpos) - r->zs.avail_in;
		r->rpos = r->rlen - r->zs.avail_in;
		r->end += before - r->zs.avail_out;
		if (ret == Z_STREAM_END) {
			r->member_done = 1;
		} else if (ret != Z_OK && ret != Z_BUF_ERROR) {
			char what[200];

			snprintf(what, sizeof what, "corrupt gzip data (%s)",
			    r->zs.msg ? r->zs.msg : zError(ret));
			return fail(r, err, PK_ERR_DATA, what);
		}
		if (before != r->zs.avail_out)
			return 1;
		if (!r->member_done && r->rpos == r->rlen && r->raw_eof)
			return fail(r, err, PK_ERR_DATA, "truncated gzip data");
	}
}

/* More bytes into buf[end..cap) (which is not full). Returns 1, 0 at end, -1. */
static int
fill(struct pk_reader *r, struct pk_err *err)
{
	int rc;

	if (r->eof)
		return 0;
	if (!r->detected && detect(r, err) < 0)
		return -1;
	switch (r->comp) {
	case PK_COMP_ZSTD:
		rc = fill_zstd(r, err);
		break;
	case PK_COMP_GZIP:
		rc = fill_gzip(r, err);
		break;
	default:
		rc = fill_plain(r, err);
		break;
	}
	if (rc == 0)
		r->eof = 1;
	return rc;
}

/* Move the unreturned tail to the front of buf. */
static void
compact(struct pk_reader *r)
{
	if (r->start == 0)
		return;
	memmove(r->buf, r->buf + r->start, r->end - r->start);
	r->end -= r->start;
	r->scan -= r->start;
	r->start = 0;
}

static void
grow(struct pk_reader *r, size_t want)
{
	if (r->cap >= want)
		return;
	r->buf = pk_xrealloc(r->buf, want);
	r->cap = want;
}

static int
emit(struct pk_reader *r, const char **line, size_t *len, size_t n, uint64_t full,
    int complete, int rc)
{
	*line = r->buf + r->start;
	*len = n;
	r->lineno++;
	r->line_off = r->off;
	r->off += full + (complete ? 1 : 0);
	r->complete = complete;
	return rc;
}

/*
 * The line at start is longer than max_line: keep its first max_line bytes
 * at the front of buf and read the rest into the space after them, where
 * it is dropped, until its '\n' or the end.
 */
static int
overlong(struct pk_reader *r, const char **line, size_t *len, struct pk_err *err)
{
	size_t keep = r->max_line, from;
	uint64_t total;
	char *nl;
	int rc;

	compact(r);
	if (r->cap - keep < RAW_SIZE)
		grow(r, keep + RAW_SIZE);
	total = r->end;
	for (;;) {
		r->end = r->scan = keep;
		if ((rc = fill(r, err)) < 0)
			return -1;
		if (rc == 0) {
			rc = emit(r, line, len, keep, total, 0, 2);
			r->start = r->scan = r->end = keep;
			return rc;
		}
		from = keep;
		nl = memchr(r->buf + from, '\n', r->end - from);
		if (nl != NULL) {
			total += (uint64_t)(nl - (r->buf + from));
			rc = emit(r, line, len, keep, total, 1, 2);
			/* The bytes after the '\n' stay for the next call. */
			r->start = r->scan = (size_t)(nl - r->buf) + 1;
			*line = r->buf;
			return rc;
		}
		total += r->end - from;
	}
}

int
pk_reader_next(struct pk_reader *r, const char **line, size_t *len, struct pk_err *err)
{
	char *nl;
	size_t n;
	int rc;

	if (r->failed) {
		if (err != NULL)
			*err = r->saved;
		return -1;
	}
	for (;;) {
		nl = memchr(r->buf + r->scan, '\n', r->end - r->scan);
		if (nl != NULL) {
			n = (size_t)(nl - (r->buf + r->start));
			if (n > r->max_line)
				rc = emit(r, line, len, r->max_line, n, 1, 2);
			else
				rc = emit(r, line, len, n, n, 1, 1);
			r->start = r->scan = (size_t)(nl - r->buf) + 1;
			return rc;
		}
		r->scan = r->end;
		n = r->end - r->start;
		if (n > r->max_line)
			return overlong(r, line, len, err);
		if (r->eof) {
			/* Stopped by a signal: the unfinished line is no record. */
			if (n == 0 || r->stopped) {
				r->start = r->end = r->scan = 0;
				return 0;
			}
			rc = emit(r, line, len, n, n, 0, 1);
			r->start = r->scan = r->end;
			return rc;
		}
		compact(r);
		if (r->end == r->cap) {
			/* One line fills the buffer: double it, but once past
			 * max_line make room for max_line plus a full read. */
			size_t want = r->cap * 2;

			if (want > r->max_line)
				want = r->max_line + RAW_SIZE;
			grow(r, want);
		}
		if (fill(r, err) < 0)
			return -1;
	}
}

static struct pk_reader *
open_fd(const char *name, int fd, int own_fd, size_t max_line, struct pk_err *err)
{
	struct pk_reader *r = reader_new(name, max_line);
	struct stat st;

	r->fd = fd;
	r->own_fd = own_fd;
	r->rawbuf = pk_xmalloc(RAW_SIZE);
	r->raw = r->rawbuf;
	if (fstat(fd, &st) < 0) {
		fail(r, err, PK_ERR_IO, NULL);
		pk_reader_free(r);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		fail(r, err, PK_ERR_IO, NULL);
		pk_reader_free(r);
		return NULL;
	}
	if (S_ISREG(st.st_mode)) {
		r->regular = 1;
		r->raw_size = (int64_t)st.st_size;
		r->dev = st.st_dev;
		r->ino = st.st_ino;
#ifdef POSIX_FADV_SEQUENTIAL
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
		/* Cheap and never blocks: decide now, so pk_reader_compression
		 * and pk_reader_seek work before the first line. Pipes and
		 * terminals wait for the first pk_reader_next. */
		if (detect(r, err) < 0) {
			pk_reader_free(r);
			return NULL;
		}
	}
	return r;
}

struct pk_reader *
pk_reader_open(const char *path, size_t max_line, struct pk_err *err)
{
	int fd;

	if (path == NULL || strcmp(path, "-") == 0)
		return open_fd("<stdin>", STDIN_FILENO, 0, max_line, err);
	do
		fd = open(path, O_RDONLY | O_CLOEXEC);	/* a FIFO waits for a writer */
	while (fd < 0 && errno == EINTR && !should_stop());
	if (fd < 0) {
		pk_err_errno(err, PK_ERR_IO, "%s", path);
		return NULL;
	}
	return open_fd(path, fd, 1, max_line, err);
}

struct pk_reader *
pk_reader_open_fd(const char *name, int fd, int own_fd, size_t max_line, struct pk_err *err)
{
	return open_fd(name != NULL ? name : "<stdin>", fd, own_fd, max_line, err);
}

struct pk_reader *
pk_reader_open_mem(const char *name, const void *data, size_t len, size_t max_line,
    struct pk_err *err)
{
	struct pk_reader *r = reader_new(name != NULL ? name : "<memory>", max_line);

	r->raw = data;
	r->rlen = len;
	r->raw_eof = 1;
	r->raw_size = (int64_t)len;
	if (detect(r, err) < 0) {
		pk_reader_free(r);
		return NULL;
	}
	/* Memory inputs are mostly small (tests, a message payload): a
	 * plain one needs no more than its own size, a compressed one starts
	 * smaller and grows with its longest line. */
	if (r->comp == PK_COMP_NONE && len < r->cap) {
		r->cap = len < 256 ? 256 : len + 1;
		r->buf = pk_xrealloc(r->buf, r->cap);
	} else if (r->comp != PK_COMP_NONE) {
		r->cap = 64u << 10;
		r->buf = pk_xrealloc(r->buf, r->cap);
	}
	return r;
}

const char *
pk_reader_name(const struct pk_reader *r)
{
	return r->name;
}

int
pk_reader_fd(const struct pk_reader *r)
{
	return r->fd;
}

long
pk_reader_lineno(const struct pk_reader *r)
{
	return r->lineno;
}

uint64_t
pk_reader_offset(const struct pk_reader *r)
{
	return r->off;
}

uint64_t
pk_reader_line_start(const struct pk_reader *r)
{
	return r->line_off;
}

int
pk_reader_line_complete(const struct pk_reader *r)
{
	return r->complete;
}

uint64_t
pk_reader_raw_pos(const struct pk_reader *r)
{
	return r->raw_read;
}

int64_t
pk_reader_raw_size(const struct pk_reader *r)
{
	return r->raw_size;
}

enum pk_compression
pk_reader_compression(const struct pk_reader *r)
{
	return r->comp;
}

int
pk_reader_seek(struct pk_reader *r, uint64_t offset, long lineno, struct pk_err *err)
{
	if (!r->detected || r->comp != PK_COMP_NONE || (r->fd >= 0 && !r->regular))
		return pk_err_set(err, PK_ERR_IO, "%s: cannot seek in %s input", r->name,
		    r->comp == PK_COMP_ZSTD ? "zstd" : r->comp == PK_COMP_GZIP ? "gzip" :
		    "unseekable");
	if (r->fd >= 0) {
		if (offset > (uint64_t)INT64_MAX ||
		    lseek(r->fd, (off_t)offset, SEEK_SET) == (off_t)-1)
			return pk_err_errno(err, PK_ERR_IO, "%s: seek to %llu", r->name,
			    (unsigned long long)offset);
		r->rpos = r->rlen = 0;
		r->raw_read = offset;
	} else {
		r->rpos = offset > r->rlen ? r->rlen : (size_t)offset;
		r->raw_read = r->rpos;
	}
	r->raw_eof = r->fd < 0;
	r->eof = 0;
	r->failed = 0;
	r->start = r->end = r->scan = 0;
	r->off = r->line_off = offset;
	r->lineno = lineno;
	r->complete = 1;
	return 0;
}

void
pk_reader_ident(const struct pk_reader *r, dev_t *dev, ino_t *ino)
{
	*dev = r->dev;
	*ino = r->ino;
}

void
pk_reader_on_wait(struct pk_reader *r, void (*fn)(void *arg), void *arg)
{
	r->on_wait = fn;
	r->wait_arg = arg;
}

void
pk_reader_free(struct pk_reader *r)
{
	if (r == NULL)
		return;
	if (r->own_fd && r->fd >= 0)
		close(r->fd);
	ZSTD_freeDCtx(r->zd);
	if (r->zinit)
		inflateEnd(&r->zs);
	free(r->rawbuf);
	free(r->buf);
	free(r->name);
	free(r);
}
