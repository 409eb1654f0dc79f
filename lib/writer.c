/*
 * writer - buffered, checked output: stdout, whole files by temp + rename, append-only logs.
 */
#include "lib/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "lib/buf.h"
#include "lib/reader.h"	/* enum pk_compression */

#define WBUF_SIZE	(128u << 10)
#define ZOUT_SIZE	(128u << 10)

enum wkind { W_STDOUT, W_TEMP, W_INPLACE, W_APPEND };

struct pk_writer {
	char *path;		/* as given, or "<stdout>": used in messages */
	char *final;		/* W_TEMP: where the file is renamed to */
	char *tmp;		/* W_TEMP: the temporary file, NULL once gone */
	int fd;
	enum wkind kind;
	unsigned flags;
	int regular;
	int tty;		/* a person is watching: each line goes out at once */

	char *buf;
	size_t len, cap;
	unsigned long long bytes;

	enum pk_compression comp;
	int level;
	ZSTD_CCtx *zc;
	z_stream zs;
	int zinit;
	unsigned char *zout;

	int failed;		/* a write failed: the output is incomplete */
	int dead;		/* aborted by pk_writer_abort_all */
	struct pk_err saved;
	struct pk_writer *prev, *next;
};

/* Every writer not yet closed, for pk_writer_abort_all. */
static struct pk_writer *open_list;
static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;

static void
list_add(struct pk_writer *w)
{
	pthread_mutex_lock(&list_lock);
	w->next = open_list;
	if (open_list != NULL)
		open_list->prev = w;
	open_list = w;
	pthread_mutex_unlock(&list_lock);
}

static void
list_del(struct pk_writer *w)
{
	pthread_mutex_lock(&list_lock);
	if (w->prev != NULL)
		w->prev->next = w->next;
	else if (open_list == w)
		open_list = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
	pthread_mutex_unlock(&list_lock);
}

static int
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);

	return n >= k && strcmp(s + n - k, suf) == 0;
}

static int
wfail(struct pk_writer *w, struct pk_err *err)
{
	if (!w->failed) {
		w->failed = 1;
		pk_err_errno(&w->saved, PK_ERR_IO, "%s", w->path);
	}
	if (err != NULL)
		*err = w->saved;
	return -1;
}

static int
write_all(struct pk_writer *w, const void *data, size_t n, struct pk_err *err)
{
	const char *p = data;
	ssize_t got;

	if (w->failed || w->dead) {
		if (w->dead && !w->failed) {
			w->failed = 1;
			pk_err_set(&w->saved, PK_ERR_IO, "%s: output was aborted", w->path);
		}
		if (err != NULL)
			*err = w->saved;
		return -1;
	}
	while (n > 0) {
		got = write(w->fd, p, n > SSIZE_MAX ? SSIZE_MAX : n);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				/* Non-blocking stdout: wait until it drains. */
				struct pollfd pfd = { w->fd, POLLOUT, 0 };

				(void)poll(&pfd, 1, -1);
				continue;
			}
			return wfail(w, err);
		}
		if (got == 0) {
			errno = EIO;
			return wfail(w, err);
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

static int
zinit(struct pk_writer *w, struct pk_err *err)
{
	if (w->zinit)
		return 0;
	w->zout = pk_xmalloc(ZOUT_SIZE);
	if (w->comp == PK_COMP_ZSTD) {
		w->zc = ZSTD_createCCtx();
		if (w->zc == NULL ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(w->zc, ZSTD_c_compressionLevel, w->level)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(w->zc, ZSTD_c_checksumFlag, 1))) {
			errno = ENOMEM;
			return wfail(w, err);
		}
	} else {
		if (w->level > 9)
			w->level = 9;
		else if (w->level < 0)
			w->level = Z_DEFAULT_COMPRESSION;
		/* 15 + 16: gzip wrapper, 32 KiB window (zlib manual, deflateInit2). */
		if (deflateInit2(&w->zs, w->level, Z_DEFLATED, 15 + 16, 8,
		    Z_DEFAULT_STRATEGY) != Z_OK) {
			errno = ENOMEM;
			return wfail(w, err);
		}
	}
	w->zinit = 1;
	return 0;
}

/*
 * Push n bytes through the compressor (or straight out) to the fd; mode
 * is 0 (continue), 1 (flush) or 2 (end the frame).
 */
static int
emit(struct pk_writer *w, const void *data, size_t n, int mode, struct pk_err *err)
{
	if (w->comp == PK_COMP_NONE)
		return write_all(w, data, n, err);
	if (zinit(w, err) < 0)
		return -1;
	if (w->comp == PK_COMP_ZSTD) {
		static const ZSTD_EndDirective dir[] = { ZSTD_e_continue, ZSTD_e_flush, ZSTD_e_end };
		ZSTD_inBuffer in = { data, n, 0 };
		ZSTD_outBuffer out;
		size_t left;

		do {
			out.dst = w->zout;
			out.size = ZOUT_SIZE;
			out.pos = 0;
			left = ZSTD_compressStream2(w->zc, &out, &in, dir[mode]);
			if (ZSTD_isError(left)) {
				pk_err_set(&w->saved, PK_ERR_IO, "%s: zstd: %s", w->path,
				    ZSTD_getErrorName(left));
				w->failed = 1;
				if (err != NULL)
					*err = w->saved;
				return -1;
			}
			if (out.pos > 0 && write_all(w, w->zout, out.pos, err) < 0)
				return -1;
		} while (mode == 0 ? in.pos < in.size : left != 0);
	} else {
		static const int flush[] = { Z_NO_FLUSH, Z_SYNC_FLUSH, Z_FINISH };
		size_t have;
		int ret;

		w->zs.next_in = (unsigned char *)(uintptr_t)data;
		w->zs.avail_in = 0;
		do {
			/* avail_in is 32-bit: feed huge writes in slices. */
			if (w->zs.avail_in == 0 && n > 0) {
				w->zs.avail_in = n > (1u << 30) ? (1u << 30) : (uInt)n;
				n -= w->zs.avail_in;
			}
			w->zs.next_out = w->zout;
			w->zs.avail_out = ZOUT_SIZE;
			ret = deflate(&w->zs, n > 0 ? Z_NO_FLUSH : flush[mode]);
			if (ret == Z_STREAM_ERROR) {
				pk_err_set(&w->saved, PK_ERR_IO, "%s: gzip: stream error", w->path);
				w->failed = 1;
				if (err != NULL)
					*err = w->saved;
				return -1;
			}
			have = ZOUT_SIZE - w->zs.avail_out;
			if (have > 0 && write_all(w, w->zout, have, err) < 0)
				return -1;
		} while (w->zs.avail_in > 0 || n > 0 || w->zs.avail_out == 0 ||
		    (mode == 2 && ret != Z_STREAM_END));
	}
	return 0;
}

static int
drain(struct pk_writer *w, int mode, struct pk_err *err)
{
	size_t n = w->len;

	if (w->failed || w->dead)
		return write_all(w, "", 0, err);
	w->len = 0;
	if (n == 0 && (mode == 0 || w->comp == PK_COMP_NONE))
		return 0;
	return emit(w, w->buf, n, mode, err);
}

/* A name for the temporary file beside the final one: ".name.tmp.XXXXXX". */
static int
open_temp(struct pk_writer *w, mode_t mode)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	static unsigned counter;
	const char *slash = strrchr(w->final, '/');
	size_t dirlen = slash != NULL ? (size_t)(slash - w->final) + 1 : 0;
	const char *base = w->final + dirlen;
	struct timespec ts;
	uint64_t x;
	int i, tries, fd;

	w->tmp = pk_xmalloc(dirlen + strlen(base) + 16);
	for (tries = 0; tries < 100; tries++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		x = (uint64_t)ts.tv_nsec * 2654435761u ^ (uint64_t)getpid() << 20 ^
		    (uint64_t)__atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED) * 40503u ^
		    (uint64_t)ts.tv_sec;
		memcpy(w->tmp, w->final, dirlen);
		sprintf(w->tmp + dirlen, ".%.200s.tmp.", base);	/* within NAME_MAX */
		for (i = 0; i < 6; i++) {
			size_t at = strlen(w->tmp);

			w->tmp[at] = digits[x % 36];
			w->tmp[at + 1] = '\0';
			x /= 36;
		}
		fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/* /dev/stdout, /dev/fd/N and the like name a descriptor we already hold. */
static int
held_fd(const char *path)
{
	const char *p = NULL;
	char *end;
	long n;

	if (strcmp(path, "/dev/stdout") == 0)
		return STDOUT_FILENO;
	if (strcmp(path, "/dev/stderr") == 0)
		return STDERR_FILENO;
	if (strncmp(path, "/dev/fd/", 8) == 0)
		p = path + 8;
	else if (strncmp(path, "/proc/self/fd/", 14) == 0)
		p = path + 14;
	if (p == NULL || *p < '0' || *p > '9')
		return -1;
	errno = 0;
	n = strtol(p, &end, 10);
	if (*end != '\0' || errno != 0 || n > INT_MAX)
		return -1;
	return (int)n;
}

static void
writer_free(struct pk_writer *w)
{
	if (w->zc != NULL)
		ZSTD_freeCCtx(w->zc);
	if (w->zinit && w->comp == PK_COMP_GZIP)
		deflateEnd(&w->zs);
	free(w->zout);
	free(w->buf);
	free(w->tmp);
	free(w->final);
	free(w->path);
	free(w);
}

struct pk_writer *
pk_writer_open(const char *path, unsigned flags, struct pk_err *err)
{
	struct pk_writer *w = pk_xcalloc(1, sizeof *w);
	struct stat st, lst;
	int held;

	w->flags = flags;
	w->fd = -1;
	w->level = 3;
	w->cap = WBUF_SIZE;
	w->buf = pk_xmalloc(w->cap);

	if (path == NULL || strcmp(path, "-") == 0) {
		w->path = pk_xstrdup("<stdout>");
		w->kind = W_STDOUT;
		w->fd = STDOUT_FILENO;
		if (fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode))
			w->regular = 1;
		if (flags & PK_W_APPEND) {
			/* An append log (--reject -) is closed on its own:
			 * through a copy, so that stdout stays open for the
			 * program's output and its check at exit. */
			w->fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
			if (w->fd < 0) {
				pk_err_errno(err, PK_ERR_IO, "%s", w->path);
				writer_free(w);
				return NULL;
			}
			w->kind = W_APPEND;
		}
		w->tty = isatty(w->fd);
		list_add(w);
		return w;
	}
	w->path = pk_xstrdup(path);
	if (!(flags & (PK_W_NO_COMPRESS | PK_W_APPEND))) {
		if (has_suffix(path, ".zst"))
			w->comp = PK_COMP_ZSTD;
		else if (has_suffix(path, ".gz"))
			w->comp = PK_COMP_GZIP;
	}
	if (w->comp == PK_COMP_GZIP)
		w->level = Z_DEFAULT_COMPRESSION;

	if ((held = held_fd(path)) >= 0) {
		/* Keep the shell's file, offset and O_APPEND: write to a copy of
		 * the descriptor instead of reopening (which would truncate or
		 * rewind) or replacing the name. */
		w->fd = fcntl(held, F_DUPFD_CLOEXEC, 3);
		if (w->fd < 0)
			goto fail;
		w->kind = (flags & PK_W_APPEND) ? W_APPEND : W_INPLACE;
		if (fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode))
			w->regular = 1;
	} else if (flags & PK_W_APPEND) {
		do
			w->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
		while (w->fd < 0 && errno == EINTR);
		if (w->fd < 0)
			goto fail;
		w->kind = W_APPEND;
		if (fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode))
			w->regular = 1;
	} else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			goto fail;
		}
		do
			w->fd = open(path, O_WRONLY | O_CLOEXEC);
		while (w->fd < 0 && errno == EINTR);
		if (w->fd < 0)
			goto fail;
		w->kind = W_INPLACE;
	} else {
		mode_t mode = 0666;
		int exists = stat(path, &st) == 0;

		w->kind = W_TEMP;
		w->regular = 1;
		/* Through a symlink, replace the file it points to, not the link. */
		if (exists && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
			w->final = realpath(path, NULL);
			if (w->final == NULL)
				goto fail;
		} else {
			w->final = pk_xstrdup(path);
		}
		if (exists)
			mode = st.st_mode & 07777;
		w->fd = open_temp(w, mode);
		if (w->fd < 0) {
			free(w->tmp);
			w->tmp = NULL;
			goto fail;
		}
		/* open() applied the umask; a replaced file keeps its own mode. */
		if (exists)
			(void)fchmod(w->fd, mode);
	}
	w->tty = isatty(w->fd);
	list_add(w);
	return w;
fail:
	pk_err_errno(err, PK_ERR_IO, "%s", path);
	writer_free(w);
	return NULL;
}

void
pk_writer_set_level(struct pk_writer *w, int level)
{
	if (!w->zinit)
		w->level = level;
}

int
pk_writer_write(struct pk_writer *w, const void *data, size_t n, struct pk_err *err)
{
	if (w->failed || w->dead)
		return write_all(w, "", 0, err);
	w->bytes += n;
	if (n <= w->cap - w->len) {
		memcpy(w->buf + w->len, data, n);
		w->len += n;
		return 0;
	}
	if (w->kind == W_APPEND) {
		/* Records go out in one write(2) each: keep them whole. */
		while (w->cap - w->len < n)
			w->cap *= 2;
		w->buf = pk_xrealloc(w->buf, w->cap);
		memcpy(w->buf + w->len, data, n);
		w->len += n;
		return 0;
	}
	if (drain(w, 0, err) < 0)
		return -1;
	if (n < w->cap) {
		memcpy(w->buf, data, n);
		w->len = n;
		return 0;
	}
	return emit(w, data, n, 0, err);
}

int
pk_writer_line(struct pk_writer *w, const void *data, size_t n, struct pk_err *err)
{
	if (pk_writer_write(w, data, n, err) < 0 || pk_writer_write(w, "\n", 1, err) < 0)
		return -1;
	if (w->kind != W_APPEND)
		return w->tty ? drain(w, 1, err) : 0;
	if (drain(w, 0, err) < 0)
		return -1;
	if ((w->flags & PK_W_SYNC_EACH) && w->regular && fsync(w->fd) < 0)
		return wfail(w, err);
	if (w->cap > WBUF_SIZE * 4) {
		/* Do not keep a huge record's buffer for the rest of the run. */
		w->cap = WBUF_SIZE;
		w->buf = pk_xrealloc(w->buf, w->cap);
	}
	return 0;
}

int
pk_writer_flush(struct pk_writer *w, struct pk_err *err)
{
	return drain(w, 1, err);
}

unsigned long long
pk_writer_bytes(const struct pk_writer *w)
{
	return w->bytes;
}

const char *
pk_writer_path(const struct pk_writer *w)
{
	return w->path;
}

static void
fsync_dir(const char *file)
{
	const char *slash = strrchr(file, '/');
	char *dir;
	int fd;

	if (slash == NULL)
		dir = pk_xstrdup(".");
	else if (slash == file)
		dir = pk_xstrdup("/");
	else
		dir = pk_xstrndup(file, (size_t)(slash - file));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		/* Some file systems refuse fsync on directories (EINVAL); the
		 * rename has happened either way. */
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

int
pk_writer_close(struct pk_writer *w, struct pk_err *err)
{
	int rc = 0;

	if (w == NULL)
		return 0;
	list_del(w);
	if (drain(w, 2, err) < 0)
		rc = -1;
	if (rc == 0 && w->regular && w->kind != W_STDOUT && fsync(w->fd) < 0)
		rc = wfail(w, err);
	if (w->fd >= 0 && !w->dead) {
		/* close(2) can report a deferred write error (NFS, stdout on a
		 * full disk): it counts as much as write(2). */
		if (close(w->fd) < 0 && rc == 0 && errno != EINTR)
			rc = wfail(w, err);
		w->fd = -1;
	}
	if (w->kind == W_TEMP && w->tmp != NULL) {
		if (rc == 0 && rename(w->tmp, w->final) < 0)
			rc = wfail(w, err);
		if (rc == 0)
			fsync_dir(w->final);
		else
			(void)unlink(w->tmp);
	}
	writer_free(w);
	return rc;
}

/* Close without flushing; remove the temporary file. Safe to repeat. */
static void
discard(struct pk_writer *w)
{
	if (w->dead)
		return;
	w->dead = 1;
	w->len = 0;
	if (w->kind == W_TEMP && w->tmp != NULL)
		(void)unlink(w->tmp);
	/* stdout stays open: a fatal message may still follow on stderr and
	 * the exit path closes it. */
	if (w->fd >= 0 && w->kind != W_STDOUT)
		close(w->fd);
	w->fd = -1;
}

void
pk_writer_abort(struct pk_writer *w)
{
	if (w == NULL)
		return;
	list_del(w);
	discard(w);
	writer_free(w);
}

void
pk_writer_abort_all(void)
{
	struct pk_writer *w;

	/* The writers stay listed (their owners may still close or abort
	 * them, which then frees them); they are only made inert here. */
	pthread_mutex_lock(&list_lock);
	for (w = open_list; w != NULL; w = w->next)
		discard(w);
	pthread_mutex_unlock(&list_lock);
}
