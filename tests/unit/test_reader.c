/*
 * test_reader - lines, limits, offsets, seeking, and zstd/gzip streams fed in odd pieces.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "lib/buf.h"
#include "lib/reader.h"
#include "tests/unit/tap.h"

/* Everything a reader returned: lines joined with '\n' after each complete one. */
struct drained {
	struct pk_buf text;
	long lines, overlong;
	int rc;
	struct pk_err err;
};

static void
drain(struct pk_reader *r, struct drained *d)
{
	const char *line;
	size_t len;
	int rc;

	memset(d, 0, sizeof *d);
	while ((rc = pk_reader_next(r, &line, &len, &d->err)) > 0) {
		pk_buf_add(&d->text, line, len);
		if (pk_reader_line_complete(r))
			pk_buf_addc(&d->text, '\n');
		d->lines++;
		if (rc == 2)
			d->overlong++;
	}
	d->rc = rc;
}

/*
 * A pipe whose far end is written by a child in small, odd-sized pieces,
 * so that frames, lines and reads never line up. Returns the read end.
 */
static pid_t feeder;

static int
pipe_feed(const void *data, size_t len)
{
	static const size_t sizes[] = { 1, 2, 5, 17, 333, 4099, 65521, 7, 131101, 3 };
	const char *p = data;
	size_t i = 0, n;
	ssize_t got;
	int fds[2];

	if (pipe(fds) < 0)
		abort();
	feeder = fork();
	if (feeder < 0)
		abort();
	if (feeder == 0) {
		close(fds[0]);
		while (len > 0) {
			n = sizes[i++ % (sizeof sizes / sizeof sizes[0])];
			if (n > len)
				n = len;
			got = write(fds[1], p, n);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				_exit(1);
			p += got;
			len -= (size_t)got;
		}
		_exit(0);
	}
	close(fds[1]);
	return fds[0];
}

static void
pipe_done(void)
{
	int status;

	waitpid(feeder, &status, 0);
}

/* Deterministic text: lines of 0..700 bytes, some blank, about total bytes. */
static char *
make_text(size_t total, size_t *len)
{
	struct pk_buf b = PK_BUF_INIT;
	uint32_t x = 12345;
	size_t n, i;

	while (b.len < total) {
		x = x * 1103515245u + 12345u;
		n = (x >> 16) % 701;
		if (n % 37 == 0)
			n = 0;
		pk_buf_printf(&b, "%zu:", b.len);
		for (i = 0; i < n; i++)
			pk_buf_addc(&b, (char)('a' + (i * 7 + n) % 26));
		pk_buf_addc(&b, '\n');
	}
	return pk_buf_detach(&b, len);
}

static long
count_nl(const char *s, size_t n)
{
	long c = 0;

	while (n-- > 0)
		c += *s++ == '\n';
	return c;
}

/* One zstd frame with a content checksum, so any flipped byte is caught. */
static void
add_zstd(struct pk_buf *out, const void *src, size_t n)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t bound = ZSTD_compressBound(n), got;

	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	pk_buf_grow(out, bound);
	got = ZSTD_compress2(c, out->p + out->len, bound, src, n);
	if (ZSTD_isError(got))
		abort();
	out->len += got;
	ZSTD_freeCCtx(c);
}

/* A zstd skippable frame (RFC 8878 3.1.2): magic 0x184D2A5?, 4-byte size, data. */
static void
add_skippable(struct pk_buf *out)
{
	static const unsigned char frame[] = { 0x53, 0x2A, 0x4D, 0x18, 5, 0, 0, 0,
		'h', 'e', 'l', 'l', 'o' };

	pk_buf_add(out, frame, sizeof frame);
}

/* One gzip member (RFC 1952) made with deflateInit2(15 + 16). */
static void
add_gzip(struct pk_buf *out, const void *src, size_t n)
{
	z_stream z;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	pk_buf_grow(out, deflateBound(&z, n));
	z.next_in = (unsigned char *)(uintptr_t)src;
	z.avail_in = (uInt)n;
	z.next_out = (unsigned char *)out->p + out->len;
	z.avail_out = (uInt)(out->cap - out->len);
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	out->len += z.total_out;
	deflateEnd(&z);
}

static void
test_plain(void)
{
	static const char in[] = "a\nbb\n\nccc";
	struct pk_err err = PK_ERR_INIT;
	struct pk_reader *r = pk_reader_open_mem("m.ndjson", in, sizeof in - 1, 0, &err);
	const char *line;
	size_t len;

	ok(r != NULL, "open_mem");
	is_int(pk_reader_compression(r), PK_COMP_NONE, "plain is PK_COMP_NONE");
	is_int(pk_reader_next(r, &line, &len, &err), 1, "line 1");
	is_mem(line, len, "a", 1, "line 1 text");
	is_int(pk_reader_lineno(r), 1, "lineno 1");
	is_int(pk_reader_offset(r), 2, "offset after line 1 counts its newline");
	is_int(pk_reader_next(r, &line, &len, &err), 1, "line 2");
	is_mem(line, len, "bb", 2, "line 2 text");
	is_int(pk_reader_offset(r), 5, "offset after line 2");
	is_int(pk_reader_line_start(r), 2, "line 2 starts at 2");
	is_int(pk_reader_next(r, &line, &len, &err), 1, "blank line is returned");
	is_int(len, 0, "blank line is empty");
	is_int(pk_reader_lineno(r), 3, "blank line counted in lineno");
	is_int(pk_reader_line_complete(r), 1, "blank line complete");
	is_int(pk_reader_next(r, &line, &len, &err), 1, "last line without newline");
	is_mem(line, len, "ccc", 3, "last line text");
	is_int(pk_reader_line_complete(r), 0, "last line not complete");
	is_int(pk_reader_offset(r), 9, "offset at end of input");
	is_int(pk_reader_line_start(r), 6, "unfinished line starts at 6");
	is_int(pk_reader_next(r, &line, &len, &err), 0, "then end");
	is_int(pk_reader_next(r, &line, &len, &err), 0, "end again");
	is_int(pk_reader_lineno(r), 4, "four lines");
	is_int(pk_reader_raw_pos(r), 9, "raw position is the whole input");
	is_int(pk_reader_raw_size(r), 9, "raw size of memory");
	is_str(pk_reader_name(r), "m.ndjson", "name");
	pk_reader_free(r);
}

static void
test_crlf_and_empty(void)
{
	static const char in[] = "x\r\ny\r\n";
	struct pk_err err = PK_ERR_INIT;
	struct pk_reader *r = pk_reader_open_mem("crlf", in, sizeof in - 1, 0, &err);
	const char *line;
	size_t len;

	is_int(pk_reader_next(r, &line, &len, &err), 1, "crlf line 1");
	is_mem(line, len, "x\r", 2, "carriage return kept");
	is_int(pk_reader_next(r, &line, &len, &err), 1, "crlf line 2");
	is_mem(line, len, "y\r", 2, "carriage return kept on line 2");
	is_int(pk_reader_line_complete(r), 1, "line ending in \\r\\n is complete");
	is_int(pk_reader_next(r, &line, &len, &err), 0, "crlf end");
	pk_reader_free(r);

	r = pk_reader_open_mem("empty", "", 0, 0, &err);
	is_int(pk_reader_next(r, &line, &len, &err), 0, "empty input: end at once");
	is_int(pk_reader_lineno(r), 0, "empty input: no lines");
	is_int(pk_reader_offset(r), 0, "empty input: offset 0");
	pk_reader_free(r);

	r = pk_reader_open_mem("nl", "\n", 1, 0, &err);
	is_int(pk_reader_next(r, &line, &len, &err), 1, "lone newline is a blank line");
	is_int(len, 0, "lone newline: empty");
	is_int(pk_reader_next(r, &line, &len, &err), 0, "lone newline: then end");
	pk_reader_free(r);

	/* A prefix of a magic number that ends the input is plain text. */
	r = pk_reader_open_mem("short", "\x28\xb5", 2, 0, &err);
	is_int(pk_reader_next(r, &line, &len, &err), 1, "2 bytes of zstd magic: plain");
	is_mem(line, len, "\x28\xb5", 2, "2 bytes of zstd magic: passed through");
	is_int(pk_reader_compression(r), PK_COMP_NONE, "short prefix is not zstd");
	pk_reader_free(r);
}

static void
test_limit(void)
{
	static const char in[] = "abcd\nabcde\nxy\nabcdefghij";
	struct pk_err err = PK_ERR_INIT;
	struct pk_reader *r = pk_reader_open_mem("lim", in, sizeof in - 1, 4, &err);
	const char *line;
	size_t len;

	is_int(pk_reader_next(r, &line, &len, &err), 1, "line exactly at the limit is normal");
	is_mem(line, len, "abcd", 4, "line at the limit whole");
	is_int(pk_reader_next(r, &line, &len, &err), 2, "line over the limit returns 2");
	is_mem(line, len, "abcd", 4, "overlong: first max_line bytes");
	is_int(pk_reader_offset(r), 11, "overlong: offset past its newline");
	is_int(pk_reader_line_complete(r), 1, "overlong line had its newline");
	is_int(pk_reader_next(r, &line, &len, &err), 1, "line after an overlong one");
	is_mem(line, len, "xy", 2, "line after an overlong one intact");
	is_int(pk_reader_lineno(r), 3, "lineno counts the overlong line");
	is_int(pk_reader_next(r, &line, &len, &err), 2, "unfinished overlong last line");
	is_mem(line, len, "abcd", 4, "unfinished overlong: prefix");
	is_int(pk_reader_line_complete(r), 0, "unfinished overlong: not complete");
	is_int(pk_reader_offset(r), sizeof in - 1, "unfinished overlong: offset at end");
	is_int(pk_reader_next(r, &line, &len, &err), 0, "then end");
	pk_reader_free(r);
}

/* Lines far longer than the read buffer, through a pipe in odd pieces. */
static void
test_limit_stream(void)
{
	size_t big = 3u << 20, lim = 1u << 20, n;
	struct pk_buf in = PK_BUF_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_reader *r;
	const char *line;
	size_t len, i;
	int fd, ok1, rc;

	for (i = 0; i < big; i++)
		pk_buf_addc(&in, (char)('a' + i % 26));
	pk_buf_adds(&in, "\nnext\n");
	for (i = 0; i < lim; i++)
		pk_buf_addc(&in, (char)('A' + i % 26));
	pk_buf_adds(&in, "\nlast");
	n = in.len;
	fd = pipe_feed(in.p, n);
	r = pk_reader_open_fd("pipe", fd, 1, lim, &err);
	is_int(pk_reader_next(r, &line, &len, &err), 2, "3 MiB line, 1 MiB limit: 2");
	is_int(len, lim, "3 MiB line: limit bytes kept");
	ok1 = len == lim;
	for (i = 0; ok1 && i < lim; i++)
		ok1 = line[i] == (char)('a' + i % 26);
	ok(ok1, "3 MiB line: kept bytes are its start");
	is_int(pk_reader_offset(r), big + 1, "3 MiB line: offset past it");
	is_int(pk_reader_next(r, &line, &len, &err), 1, "line after the long one");
	is_mem(line, len, "next", 4, "line after the long one intact");
	rc = pk_reader_next(r, &line, &len, &err);
	is_int(rc, 1, "1 MiB line at a 1 MiB limit is normal");
	is_int(len, lim, "1 MiB line whole");
	is_int(pk_reader_next(r, &line, &len, &err), 1, "last line");
	is_mem(line, len, "last", 4, "last line text");
	is_int(pk_reader_next(r, &line, &len, &err), 0, "end");
	is_int(pk_reader_raw_pos(r), n, "raw_pos counts every byte read");
	is_int(pk_reader_raw_size(r), -1, "pipe size unknown");
	pk_reader_free(r);
	pipe_done();
	pk_buf_release(&in);
}

static void
test_pipe_plain(void)
{
	size_t n;
	char *text = make_text(3u << 20, &n);
	struct drained d;
	struct pk_err err = PK_ERR_INIT;
	struct pk_reader *r = pk_reader_open_fd("plain-pipe", pipe_feed(text, n), 1, 0, &err);

	drain(r, &d);
	is_int(d.rc, 0, "plain pipe: clean end");
	is_mem(d.text.p, d.text.len, text, n, "plain pipe: bytes identical");
	is_int(d.lines, count_nl(text, n), "plain pipe: line count");
	is_int(pk_reader_offset(r), n, "plain pipe: offset is the length");
	pk_reader_free(r);
	pipe_done();
	pk_buf_release(&d.text);
	free(text);
}

/* Read errors are IO errors naming the input; a non-blocking pipe is waited on. */
static void
test_read_errors(void)
{
	size_t n;
	char *text = make_text(1u << 20, &n);
	char path[] = "/tmp/pk_test_reader_wo.XXXXXX";
	struct drained d;
	struct pk_err err = PK_ERR_INIT;
	struct pk_reader *r;
	int fd, fds[2];

	fd = pipe_feed(text, n);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	r = pk_reader_open_fd("nonblock", fd, 1, 0, &err);
	drain(r, &d);
	is_int(d.rc, 0, "non-blocking pipe: clean end");
	is_mem(d.text.p, d.text.len, text, n, "non-blocking pipe: bytes identical");
	pk_reader_free(r);
	pipe_done();
	pk_buf_release(&d.text);
	free(text);

	close(mkstemp(path));
	fd = open(path, O_WRONLY);
	r = pk_reader_open_fd("wronly.ndjson", fd, 0, 0, &err);
	ok(r == NULL, "write-only file: open fails (first bytes read at open)");
	is_int(err.kind, PK_ERR_IO, "write-only file: IO kind");
	is_str(err.msg, "wronly.ndjson: Bad file descriptor", "write-only file: message");
	close(fd);
	unlink(path);

	if (pipe(fds) < 0)
		abort();
	r = pk_reader_open_fd("<stdin>", fds[1], 0, 0, &err);
	ok(r != NULL, "write end of a pipe: open is lazy");
	drain(r, &d);
	is_int(d.rc, -1, "write end of a pipe: read fails");
	is_str(d.err.msg, "<stdin>: Bad file descriptor", "write end of a pipe: message");
	pk_reader_free(r);
	close(fds[0]);
	close(fds[1]);
	pk_buf_release(&d.text);
}

static void
test_zstd(void)
{
	size_t n, cut;
	char *text = make_text(5u << 20, &n);
	struct pk_buf z = PK_BUF_INIT;
	struct drained d;
	struct pk_err err = PK_ERR_INIT;
	struct pk_reader *r;

	/* Cut mid-line so one line spans two frames; a skippable frame
	 * first (as pzstd writes) and another between them. */
	cut = n / 3 + 7;
	add_skippable(&z);
	add_zstd(&z, text, cut);
	add_skippable(&z);
	add_zstd(&z, text + cut, n - cut);

	r = pk_reader_open_fd("ev.zst", pipe_feed(z.p, z.len), 1, 0, &err);
	drain(r, &d);
	is_int(d.rc, 0, "zstd pipe: clean end");
	is_int(pk_reader_compression(r), PK_COMP_ZSTD, "zstd pipe: detected");
	is_mem(d.text.p, d.text.len, text, n, "zstd pipe, 2 frames + skippable: bytes identical");
	is_int(d.lines, count_nl(text, n), "zstd pipe: line count");
	is_int(pk_reader_offset(r), n, "zstd pipe: offset counts decompressed bytes");
	is_int(pk_reader_raw_pos(r), z.len, "zstd pipe: raw_pos counts compressed bytes");
	pk_reader_free(r);
	pipe_done();
	pk_buf_release(&d.text);

	r = pk_reader_open_mem("mem.zst", z.p, z.len, 0, &err);
	is_int(pk_reader_compression(r), PK_COMP_ZSTD, "zstd memory: detected at open");
	drain(r, &d);
	is_int(d.rc, 0, "zstd memory: clean end");
	is_mem(d.text.p, d.text.len, text, n, "zstd memory: bytes identical");
	is_int(pk_reader_seek(r, 0, 0, &err), -1, "zstd: seek refused");
	ok(strstr(err.msg, "mem.zst") != NULL, "zstd seek error names the input: %s", err.msg);
	pk_reader_free(r);
	pk_buf_release(&d.text);
	pk_buf_release(&z);
	free(text);
}

static void
test_gzip(void)
{
	size_t n, cut;
	char *text = make_text(5u << 20, &n);
	struct pk_buf z = PK_BUF_INIT;
	struct drained d;
	struct pk_err err = PK_ERR_INIT;
	struct pk_reader *r;

	cut = n / 2 + 3;
	add_gzip(&z, text, cut);
	add_gzip(&z, text + cut, n - cut);
	add_gzip(&z, "", 0);		/* an empty member at the end is legal */

	r = pk_reader_open_fd("ev.gz", pipe_feed(z.p, z.len), 1, 0, &err);
	drain(r, &d);
	is_int(d.rc, 0, "gzip pipe: clean end");
	is_int(pk_reader_compression(r), PK_COMP_GZIP, "gzip pipe: detected");
	is_mem(d.text.p, d.text.len, text, n, "gzip pipe, 3 members: bytes identical");
	is_int(d.lines, count_nl(text, n), "gzip pipe: line count");
	is_int(pk_reader_offset(r), n, "gzip pipe: offset counts decompressed bytes");
	is_int(pk_reader_raw_pos(r), z.len, "gzip pipe: raw_pos counts compressed bytes");
	pk_reader_free(r);
	pipe_done();
	pk_buf_release(&d.text);
	pk_buf_release(&z);
	free(text);
}

/* Damaged input must end in an error naming the file and line, fed both ways. */
static void
check_bad(const char *name, const void *data, size_t len, const char *want, const char *what)
{
	struct drained d;
	struct pk_err err = PK_ERR_INIT;
	struct pk_reader *r;
	char prefix[64];
	const char *line;
	size_t l;
	int from;

	snprintf(prefix, sizeof prefix, "%s:", name);
	for (from = 0; from < 2; from++) {
		r = from ? pk_reader_open_fd(name, pipe_feed(data, len), 1, 0, &err) :
		    pk_reader_open_mem(name, data, len, 0, &err);
		drain(r, &d);
		is_int(d.rc, -1, "%s (%s): error", what, from ? "pipe" : "memory");
		is_int(d.err.kind, PK_ERR_DATA, "%s: DATA kind", what);
		ok(strncmp(d.err.msg, prefix, strlen(prefix)) == 0 &&
		    strstr(d.err.msg, want) != NULL, "%s: message '%s'", what, d.err.msg);
		ok(d.lines < 20, "%s: stopped early (%ld lines)", what, d.lines);
		is_int(pk_reader_next(r, &line, &l, &err), -1, "%s: error repeats", what);
		pk_reader_free(r);
		if (from)
			pipe_done();
		pk_buf_release(&d.text);
	}
}

static void
test_corrupt(void)
{
	static const char text[] = "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n{\"a\":4}\n";
	struct pk_buf z = PK_BUF_INIT;
	char msg[80];

	add_zstd(&z, text, sizeof text - 1);
	check_bad("t.zst", z.p, z.len - 3, "truncated zstd data", "zstd truncated");
	check_bad("t.zst", z.p, 4, "truncated zstd data", "zstd magic only");
	z.p[z.len - 2] ^= 0x40;	/* inside the content checksum (last 4 bytes) */
	check_bad("c.zst", z.p, z.len, "corrupt zstd data", "zstd corrupt");
	z.p[z.len - 2] ^= 0x40;
	pk_buf_adds(&z, "junk after the frame\n");
	check_bad("j.zst", z.p, z.len, "corrupt zstd data", "zstd trailing junk");
	pk_buf_reset(&z);

	add_gzip(&z, text, sizeof text - 1);
	check_bad("t.gz", z.p, z.len - 5, "truncated gzip data", "gzip truncated");
	z.p[z.len - 8] ^= 0x01;	/* CRC-32 in the trailer (RFC 1952 2.2) */
	check_bad("c.gz", z.p, z.len, "corrupt gzip data", "gzip corrupt crc");
	z.p[z.len - 8] ^= 0x01;
	pk_buf_adds(&z, "trailing text\n");
	check_bad("j.gz", z.p, z.len, "corrupt gzip data", "gzip trailing junk");
	pk_buf_release(&z);

	/* Truncation after some lines: the line reached is named. */
	{
		size_t n;
		char *big = make_text(1u << 20, &n);
		struct drained d;
		struct pk_err err = PK_ERR_INIT;
		struct pk_reader *r;

		add_gzip(&z, big, n);
		r = pk_reader_open_mem("big.gz", z.p, z.len / 2, 0, &err);
		drain(r, &d);
		is_int(d.rc, -1, "half a gzip file: error");
		ok(d.lines > 100, "half a gzip file: lines before the cut returned (%ld)", d.lines);
		snprintf(msg, sizeof msg, "big.gz:%ld: truncated gzip data", d.lines + 1);
		is_str(d.err.msg, msg, "half a gzip file: names the line reached");
		ok(memcmp(d.text.p, big, d.text.len) == 0, "half a gzip file: lines returned are right");
		pk_reader_free(r);
		pk_buf_release(&d.text);
		pk_buf_release(&z);
		free(big);
	}
}

static void
test_files(void)
{
	static const char text[] = "one\ntwo\nthree\nfour";
	char path[] = "/tmp/pk_test_reader.XXXXXX";
	struct pk_err err = PK_ERR_INIT;
	struct pk_reader *r;
	const char *line;
	struct stat st;
	dev_t dev;
	ino_t ino;
	size_t len;
	int fd;

	fd = mkstemp(path);
	ok(fd >= 0 && write(fd, text, sizeof text - 1) == (ssize_t)sizeof text - 1,
	    "temp file written");
	close(fd);
	stat(path, &st);

	r = pk_reader_open(path, 0, &err);
	ok(r != NULL, "open by path");
	is_str(pk_reader_name(r), path, "name is the path");
	is_int(pk_reader_raw_size(r), sizeof text - 1, "raw_size is st_size");
	pk_reader_ident(r, &dev, &ino);
	ok(dev == st.st_dev && ino == st.st_ino, "ident is st_dev/st_ino");
	is_int(pk_reader_next(r, &line, &len, &err), 1, "file line 1");
	is_mem(line, len, "one", 3, "file line 1 text");
	is_int(pk_reader_next(r, &line, &len, &err), 1, "file line 2");
	is_int(pk_reader_offset(r), 8, "offset after two");

	is_int(pk_reader_seek(r, 14, 3, &err), 0, "seek to line 4");
	is_int(pk_reader_next(r, &line, &len, &err), 1, "line after seek");
	is_mem(line, len, "four", 4, "line after seek text");
	is_int(pk_reader_lineno(r), 4, "lineno after seek");
	is_int(pk_reader_offset(r), 18, "offset after seek");
	is_int(pk_reader_line_complete(r), 0, "unfinished line after seek");
	is_int(pk_reader_next(r, &line, &len, &err), 0, "end after seek");
	is_int(pk_reader_seek(r, 4, 1, &err), 0, "seek back to line 2");
	is_int(pk_reader_next(r, &line, &len, &err), 1, "line 2 again");
	is_mem(line, len, "two", 3, "line 2 again text");
	is_int(pk_reader_lineno(r), 2, "line 2 again numbered 2");
	is_int(pk_reader_seek(r, 100, 9, &err), 0, "seek past the end");
	is_int(pk_reader_next(r, &line, &len, &err), 0, "past the end: end");
	pk_reader_free(r);

	r = pk_reader_open_mem("m", text, sizeof text - 1, 0, &err);
	is_int(pk_reader_seek(r, 8, 2, &err), 0, "seek in plain memory");
	is_int(pk_reader_next(r, &line, &len, &err), 1, "memory line after seek");
	is_mem(line, len, "three", 5, "memory line after seek text");
	pk_reader_free(r);
	unlink(path);

	r = pk_reader_open("/tmp/pk-no-such-dir/nope.ndjson", 0, &err);
	ok(r == NULL, "nonexistent path: NULL");
	is_int(err.kind, PK_ERR_IO, "nonexistent path: IO kind");
	is_str(err.msg, "/tmp/pk-no-such-dir/nope.ndjson: No such file or directory",
	    "nonexistent path: message");

	r = pk_reader_open("/tmp", 0, &err);
	ok(r == NULL, "directory: NULL");
	is_str(err.msg, "/tmp: Is a directory", "directory: message");

	r = pk_reader_open("-", 0, &err);
	is_str(pk_reader_name(r), "<stdin>", "'-' is <stdin>");
	pk_reader_free(r);
	r = pk_reader_open(NULL, 0, &err);
	is_str(pk_reader_name(r), "<stdin>", "NULL is <stdin>");
	pk_reader_free(r);
	ok(fcntl(STDIN_FILENO, F_GETFD) != -1, "stdin is not closed by pk_reader_free");

	/* A pipe is not seekable. */
	fd = pipe_feed("a\nb\n", 4);
	r = pk_reader_open_fd("p", fd, 1, 0, &err);
	is_int(pk_reader_next(r, &line, &len, &err), 1, "pipe line");
	is_int(pk_reader_seek(r, 0, 0, &err), -1, "pipe: seek refused");
	pk_reader_ident(r, &dev, &ino);
	ok(dev == 0 && ino == 0, "pipe: ident 0,0");
	pk_reader_free(r);
	pipe_done();
}

/* A zstd file on disk is sniffed at open, whatever its name says. */
static void
test_zstd_file_misnamed(void)
{
	static const char text[] = "{\"k\":1}\n{\"k\":2}\n";
	char path[] = "/tmp/pk_test_reader_txt.XXXXXX";
	struct pk_buf z = PK_BUF_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_reader *r;
	struct drained d;
	int fd;

	add_zstd(&z, text, sizeof text - 1);
	fd = mkstemp(path);
	ok(write(fd, z.p, z.len) == (ssize_t)z.len, "zstd temp written");
	close(fd);
	r = pk_reader_open(path, 0, &err);
	is_int(pk_reader_compression(r), PK_COMP_ZSTD, "zstd file without .zst: detected at open");
	drain(r, &d);
	is_mem(d.text.p, d.text.len, text, sizeof text - 1, "zstd file: decompressed");
	is_int(pk_reader_raw_pos(r), z.len, "zstd file: raw_pos is the file size");
	pk_reader_free(r);
	unlink(path);
	pk_buf_release(&d.text);
	pk_buf_release(&z);
}

/*
 * The wait hook: called when a pipe has nothing ready (here it closes the
 * far end, so the read that follows sees the end), never for a file.
 */
static int wait_calls, wait_close_fd = -1;

static void
on_wait(void *arg)
{
	(void)arg;
	wait_calls++;
	if (wait_close_fd >= 0) {
		close(wait_close_fd);
		wait_close_fd = -1;
	}
}

static void
test_on_wait(void)
{
	struct pk_err err = PK_ERR_INIT;
	char path[] = "/tmp/pk-test-reader-XXXXXX";
	struct pk_reader *r;
	const char *line;
	size_t len;
	int fds[2], fd;

	if (pipe(fds) < 0)
		abort();
	ok(write(fds[1], "a\nb\n", 4) == 4, "pipe written, far end left open");
	wait_close_fd = fds[1];
	r = pk_reader_open_fd("waiting", fds[0], 1, 0, &err);
	pk_reader_on_wait(r, on_wait, NULL);
	is_int(pk_reader_next(r, &line, &len, &err), 1, "pipe line 1");
	is_mem(line, len, "a", 1, "pipe line 1 text");
	is_int(wait_calls, 0, "no wait while data is ready");
	is_int(pk_reader_next(r, &line, &len, &err), 1, "pipe line 2, from the buffer");
	is_int(wait_calls, 0, "still no wait");
	is_int(pk_reader_next(r, &line, &len, &err), 0, "end once the hook closed the far end");
	is_int(wait_calls, 1, "the hook ran once, before the read that would wait");
	pk_reader_free(r);

	wait_calls = 0;
	fd = mkstemp(path);
	ok(fd >= 0 && write(fd, "x\n", 2) == 2, "temp file written");
	close(fd);
	r = pk_reader_open(path, 0, &err);
	pk_reader_on_wait(r, on_wait, NULL);
	while (pk_reader_next(r, &line, &len, &err) > 0)
		;
	is_int(wait_calls, 0, "a regular file never waits");
	pk_reader_free(r);
	unlink(path);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);	/* a feeder outliving a failed test must not kill us */
	test_plain();
	test_crlf_and_empty();
	test_limit();
	test_limit_stream();
	test_pipe_plain();
	test_read_errors();
	test_zstd();
	test_gzip();
	test_corrupt();
	test_files();
	test_zstd_file_misnamed();
	test_on_wait();
	return tap_done();
}
