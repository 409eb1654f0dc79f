/*
 * test_writer - temp + rename, abort, compression round trips, /dev/full, append logs, FIFOs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/reader.h"
#include "lib/writer.h"
#include "tests/unit/tap.h"

static char dir[] = "/tmp/pk_test_writer.XXXXXX";

static char *
in_dir(const char *name)
{
	static char path[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof path[i], "%s/%s", dir, name);
	return path[i];
}

/* The names in dir, sorted and joined by spaces ("" when empty). */
static const char *
listing(void)
{
	static char out[1024];
	struct dirent **ents;
	int n, i;

	out[0] = '\0';
	n = scandir(dir, &ents, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (strcmp(ents[i]->d_name, ".") != 0 && strcmp(ents[i]->d_name, "..") != 0) {
			if (out[0] != '\0')
				strcat(out, " ");
			strncat(out, ents[i]->d_name, sizeof out - strlen(out) - 2);
		}
		free(ents[i]);
	}
	free(ents);
	return out;
}

static void
clear_dir(void)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlink(in_dir(e->d_name));
	closedir(d);
}

static char *
slurp(const char *path, size_t *len)
{
	struct pk_buf b = PK_BUF_INIT;
	char chunk[65536];
	ssize_t got;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		*len = 0;
		return NULL;
	}
	while ((got = read(fd, chunk, sizeof chunk)) > 0)
		pk_buf_add(&b, chunk, (size_t)got);
	close(fd);
	pk_buf_addc(&b, '\0');
	b.len--;
	return pk_buf_detach(&b, len);
}

static long long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static void
test_temp_rename(void)
{
	struct pk_err err = PK_ERR_INIT;
	const char *path = in_dir("out.ndjson");
	struct pk_writer *w = pk_writer_open(path, 0, &err);
	char *got;
	size_t n;

	ok(w != NULL, "open a new file");
	is_str(pk_writer_path(w), path, "path as given");
	is_int(pk_writer_line(w, "{\"a\":1}", 7, &err), 0, "line");
	is_int(pk_writer_write(w, "{\"a\":2}\n", 8, &err), 0, "write");
	is_int(pk_writer_flush(w, &err), 0, "flush");
	is_int(file_size(path), -1, "no file under the final name before close");
	ok(strncmp(listing(), ".out.ndjson.tmp.", 16) == 0, "a temporary beside it: %s", listing());
	is_int(pk_writer_bytes(w), 16, "bytes counts newlines");
	is_int(pk_writer_close(w, &err), 0, "close");
	is_str(listing(), "out.ndjson", "after close only the final file");
	got = slurp(path, &n);
	is_mem(got, n, "{\"a\":1}\n{\"a\":2}\n", 16, "content");
	free(got);

	/* Replacing an existing file keeps its mode. */
	chmod(path, 0640);
	w = pk_writer_open(path, 0, &err);
	pk_writer_line(w, "new", 3, &err);
	is_int(file_size(path), 16, "old content stays until close");
	is_int(pk_writer_close(w, &err), 0, "close the replacement");
	got = slurp(path, &n);
	is_mem(got, n, "new\n", 4, "replaced content");
	free(got);
	{
		struct stat st;

		stat(path, &st);
		is_int(st.st_mode & 07777, 0640, "mode of the replaced file kept");
	}

	/* Through a symlink: the target is replaced, the link stays. */
	{
		struct stat st;

		ok(symlink("out.ndjson", in_dir("link")) == 0, "symlink made");
		w = pk_writer_open(in_dir("link"), 0, &err);
		pk_writer_line(w, "via link", 8, &err);
		is_int(pk_writer_close(w, &err), 0, "close through a symlink");
		ok(lstat(in_dir("link"), &st) == 0 && S_ISLNK(st.st_mode), "link still a link");
		got = slurp(path, &n);
		is_mem(got, n, "via link\n", 9, "target written through the link");
		free(got);
	}
	clear_dir();

	w = pk_writer_open(in_dir("no/such/dir.ndjson"), 0, &err);
	ok(w == NULL, "missing directory: NULL");
	is_int(err.kind, PK_ERR_IO, "missing directory: IO");
	ok(strstr(err.msg, "/no/such/dir.ndjson: No such file or directory") != NULL,
	    "missing directory: message names the path: %s", err.msg);
	is_str(listing(), "", "missing directory: nothing left");
}

static void
test_abort(void)
{
	struct pk_err err = PK_ERR_INIT;
	struct pk_writer *w, *a, *b;
	char big[200000];

	w = pk_writer_open(in_dir("gone.ndjson"), 0, &err);
	memset(big, 'x', sizeof big);
	pk_writer_write(w, big, sizeof big, &err);	/* more than the buffer */
	pk_writer_line(w, "tail", 4, &err);
	ok(listing()[0] == '.', "temporary exists while writing");
	pk_writer_abort(w);
	is_str(listing(), "", "abort: no final file and no temporary");

	a = pk_writer_open(in_dir("a.ndjson.zst"), 0, &err);
	b = pk_writer_open(in_dir("b.ndjson"), 0, &err);
	w = pk_writer_open(in_dir("log.ndjson"), PK_W_APPEND, &err);
	pk_writer_line(a, "a", 1, &err);
	pk_writer_line(b, "b", 1, &err);
	pk_writer_line(w, "kept", 4, &err);
	pk_writer_flush(b, &err);
	pk_writer_abort_all();
	is_str(listing(), "log.ndjson", "abort_all: temporaries gone, the append log kept");
	is_int(file_size(in_dir("log.ndjson")), 5, "abort_all: append log holds its record");
	is_int(pk_writer_line(b, "late", 4, &err), -1, "writing after abort_all fails");
	is_int(pk_writer_close(a, &err), -1, "close after abort_all fails");
	ok(strstr(err.msg, "a.ndjson.zst") != NULL, "and names the file: %s", err.msg);
	pk_writer_abort(b);
	pk_writer_abort(w);
	is_str(listing(), "log.ndjson", "abort_all: still no final files");
	pk_writer_abort_all();	/* nothing left open: harmless */
	clear_dir();
}

static void
round_trip(const char *name, enum pk_compression want, int level)
{
	struct pk_buf text = PK_BUF_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_writer *w = pk_writer_open(in_dir(name), 0, &err);
	struct pk_reader *r;
	struct pk_buf back = PK_BUF_INIT;
	const char *line;
	size_t len;
	int i, rc;

	if (level)
		pk_writer_set_level(w, level);
	for (i = 0; i < 100000; i++) {
		size_t at = text.len;

		pk_buf_printf(&text, "{\"id\":%d,\"user\":\"u%d\",\"v\":%d}", i, i % 97, i * 31 % 1000);
		if (i == 5000)
			pk_writer_flush(w, &err);	/* a flush mid-stream must not end the frame */
		pk_writer_line(w, text.p + at, text.len - at, &err);
		pk_buf_addc(&text, '\n');
	}
	is_int(pk_writer_bytes(w), text.len, "%s: bytes is the uncompressed size", name);
	is_int(pk_writer_close(w, &err), 0, "%s: close", name);
	ok(file_size(in_dir(name)) > 0 && file_size(in_dir(name)) < (long long)text.len / 3,
	    "%s: compressed (%lld of %zu bytes)", name, file_size(in_dir(name)), text.len);
	r = pk_reader_open(in_dir(name), 0, &err);
	is_int(pk_reader_compression(r), want, "%s: reader sees the format", name);
	while ((rc = pk_reader_next(r, &line, &len, &err)) == 1) {
		pk_buf_add(&back, line, len);
		pk_buf_addc(&back, '\n');
	}
	is_int(rc, 0, "%s: reads to the end", name);
	is_mem(back.p, back.len, text.p, text.len, "%s: round trip identical", name);
	pk_reader_free(r);
	pk_buf_release(&back);
	pk_buf_release(&text);
	clear_dir();
}

static void
test_compression(void)
{
	struct pk_err err = PK_ERR_INIT;
	struct pk_writer *w;
	struct pk_reader *r;
	const char *line;
	size_t len;

	round_trip("out.ndjson.zst", PK_COMP_ZSTD, 0);
	round_trip("out9.zst", PK_COMP_ZSTD, 9);
	round_trip("out.ndjson.gz", PK_COMP_GZIP, 0);
	round_trip("out1.gz", PK_COMP_GZIP, 1);

	w = pk_writer_open(in_dir("raw.zst"), PK_W_NO_COMPRESS, &err);
	pk_writer_line(w, "plain", 5, &err);
	is_int(pk_writer_close(w, &err), 0, "NO_COMPRESS close");
	is_int(file_size(in_dir("raw.zst")), 6, "NO_COMPRESS: .zst name written plain");

	w = pk_writer_open(in_dir("empty.zst"), 0, &err);
	is_int(pk_writer_close(w, &err), 0, "empty .zst close");
	r = pk_reader_open(in_dir("empty.zst"), 0, &err);
	is_int(pk_reader_compression(r), PK_COMP_ZSTD, "empty .zst is a zstd frame");
	is_int(pk_reader_next(r, &line, &len, &err), 0, "empty .zst reads as no lines");
	pk_reader_free(r);
	clear_dir();
}

static void
test_dev_full(void)
{
	struct pk_err err = PK_ERR_INIT;
	struct pk_writer *w;
	char big[300000];

	w = pk_writer_open("/dev/full", 0, &err);
	ok(w != NULL, "/dev/full opens");
	is_int(pk_writer_line(w, "x", 1, &err), 0, "small line is buffered");
	is_int(pk_writer_close(w, &err), -1, "/dev/full: close fails");
	is_int(err.kind, PK_ERR_IO, "/dev/full: IO kind");
	is_str(err.msg, "/dev/full: No space left on device", "/dev/full: message");

	memset(big, 'y', sizeof big);
	w = pk_writer_open("/dev/full", 0, &err);
	is_int(pk_writer_write(w, big, sizeof big, &err), -1, "/dev/full: big write fails at once");
	is_str(err.msg, "/dev/full: No space left on device", "/dev/full: big write message");
	is_int(pk_writer_line(w, "x", 1, &err), -1, "/dev/full: later writes fail too");
	is_int(pk_writer_close(w, &err), -1, "/dev/full: close after failure fails");

	w = pk_writer_open("/dev/full", 0, &err);
	pk_writer_line(w, "x", 1, &err);
	is_int(pk_writer_flush(w, &err), -1, "/dev/full: flush fails");
	pk_writer_abort(w);

	w = pk_writer_open("/dev/full", PK_W_APPEND, &err);
	is_int(pk_writer_line(w, "x", 1, &err), -1, "/dev/full append: the line fails at once");
	pk_writer_abort(w);
}

static void
test_append(void)
{
	struct pk_err err = PK_ERR_INIT;
	const char *path = in_dir("rejects.ndjson");
	struct pk_writer *w;
	char *got;
	size_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT, 0644);
	ok(write(fd, "old\n", 4) == 4, "existing log");
	close(fd);

	w = pk_writer_open(path, PK_W_APPEND, &err);
	ok(w != NULL, "append open");
	is_int(pk_writer_line(w, "{\"e\":1}", 7, &err), 0, "append line 1");
	is_int(file_size(path), 12, "line 1 in the file before close");
	is_int(pk_writer_line(w, "{\"e\":22}", 8, &err), 0, "append line 2");
	is_int(file_size(path), 21, "line 2 in the file before close");
	is_str(listing(), "rejects.ndjson", "append: no temporary file");
	is_int(pk_writer_close(w, &err), 0, "append close");
	got = slurp(path, &n);
	is_mem(got, n, "old\n{\"e\":1}\n{\"e\":22}\n", 21, "append: old content kept, records after");
	free(got);

	w = pk_writer_open(in_dir("ledger.ndjson.zst"), PK_W_APPEND | PK_W_SYNC_EACH, &err);
	is_int(pk_writer_line(w, "id1", 3, &err), 0, "sync-each line");
	is_int(file_size(in_dir("ledger.ndjson.zst")), 4, "sync-each: on disk, not compressed");
	{
		/* A record bigger than the buffer still goes out whole. */
		static char big[300000];

		memset(big, 'z', sizeof big);
		is_int(pk_writer_line(w, big, sizeof big, &err), 0, "huge append record");
		is_int(file_size(in_dir("ledger.ndjson.zst")), 4 + sizeof big + 1, "huge record in the file");
	}
	is_int(pk_writer_close(w, &err), 0, "sync-each close");
	clear_dir();
}

/* A FIFO and /dev/null are written in place, never replaced. */
static void
test_in_place(void)
{
	struct pk_err err = PK_ERR_INIT;
	const char *fifo = in_dir("fifo");
	struct pk_writer *w;
	struct stat st;
	char *got;
	size_t n;
	pid_t pid;
	int status;

	ok(mkfifo(fifo, 0600) == 0, "mkfifo");
	pid = fork();
	if (pid == 0) {
		/* Copy what arrives on the FIFO into a file for the parent. */
		char chunk[4096];
		ssize_t k;
		int in = open(fifo, O_RDONLY), out = open(in_dir("got"), O_WRONLY | O_CREAT, 0644);

		while ((k = read(in, chunk, sizeof chunk)) > 0)
			if (write(out, chunk, (size_t)k) != k)
				_exit(1);
		_exit(close(out) == 0 ? 0 : 1);
	}
	w = pk_writer_open(fifo, 0, &err);
	ok(w != NULL, "FIFO opens");
	pk_writer_line(w, "through", 7, &err);
	pk_writer_line(w, "the fifo", 8, &err);
	is_int(pk_writer_close(w, &err), 0, "FIFO close");
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "FIFO reader done");
	got = slurp(in_dir("got"), &n);
	is_mem(got, n, "through\nthe fifo\n", 17, "FIFO: the reader got the lines");
	free(got);
	ok(stat(fifo, &st) == 0 && S_ISFIFO(st.st_mode), "FIFO is still a FIFO");
	is_str(listing(), "fifo got", "FIFO: no temporary left");
	clear_dir();

	w = pk_writer_open("/dev/null", 0, &err);
	pk_writer_line(w, "nothing", 7, &err);
	is_int(pk_writer_bytes(w), 8, "/dev/null: bytes counted");
	is_int(pk_writer_close(w, &err), 0, "/dev/null close");
	ok(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode), "/dev/null still a device");
}

/* Runs fn in a child with stdout on fd; returns its wait status. */
static int
in_child(int fd, int ignore_pipe, int (*fn)(void))
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, ignore_pipe ? SIG_IGN : SIG_DFL);
		dup2(fd, STDOUT_FILENO);
		close(fd);
		_exit(fn());
	}
	waitpid(pid, &status, 0);
	return status;
}

static char child_msg_path[300];

/* In the child: write to stdout, exit 0 on success, else 3 with the message saved. */
static int
write_stdout(const char *target)
{
	struct pk_err err = PK_ERR_INIT;
	struct pk_writer *w = pk_writer_open(target, 0, &err);
	int i, fd;

	for (i = 0; i < 3; i++)
		if (pk_writer_line(w, "out", 3, &err) < 0)
			break;
	if (i == 3 && pk_writer_close(w, &err) == 0)
		return 0;
	fd = open(child_msg_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (write(fd, err.msg, strlen(err.msg)) < 0)
		return 4;
	close(fd);
	return 3;
}

static int child_dash(void) { return write_stdout("-"); }
static int child_devstdout(void) { return write_stdout("/dev/stdout"); }

static void
test_stdout(void)
{
	int fd, status, fds[2];
	char *got;
	size_t n;

	snprintf(child_msg_path, sizeof child_msg_path, "%s/msg", dir);

	fd = open("/dev/full", O_WRONLY);
	status = in_child(fd, 0, child_dash);
	close(fd);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 3, "stdout on /dev/full: failure reported");
	got = slurp(child_msg_path, &n);
	is_str(got, "<stdout>: No space left on device", "stdout on /dev/full: message");
	free(got);

	if (pipe(fds) < 0)
		abort();
	close(fds[0]);
	status = in_child(fds[1], 1, child_dash);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 3, "closed pipe, SIGPIPE ignored: error");
	got = slurp(child_msg_path, &n);
	is_str(got, "<stdout>: Broken pipe", "closed pipe: message");
	free(got);
	status = in_child(fds[1], 0, child_dash);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE, "closed pipe, SIGPIPE default: killed quietly");
	close(fds[1]);

	/* /dev/stdout is the descriptor the shell gave: its O_APPEND and
	 * offset are kept, the file is not truncated or replaced. */
	fd = open(in_dir("shell-out"), O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (write(fd, "before\n", 7) != 7)
		abort();
	status = in_child(fd, 0, child_devstdout);
	close(fd);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "/dev/stdout: ok");
	got = slurp(in_dir("shell-out"), &n);
	is_mem(got, n, "before\nout\nout\nout\n", 19, "/dev/stdout: appended to the shell's file");
	free(got);
	is_str(listing(), "msg shell-out", "/dev/stdout: no temporary anywhere");
	clear_dir();
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	test_temp_rename();
	test_abort();
	test_compression();
	test_dev_full();
	test_append();
	test_in_place();
	test_stdout();
	clear_dir();
	rmdir(dir);
	return tap_done();
}
