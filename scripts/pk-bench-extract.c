/*
 * pk-bench-extract - extract fields from every line of an NDJSON file with
 * pipekit's span scanner or with jansson, for the benchmark that compares them.
 *
 * usage: pk-bench-extract span|jansson FILE FIELD...
 *
 * Both modes read FILE the same way (fread into a 1 MiB buffer, lines split
 * with memchr) so only the parsing differs. Each field's key bytes (a
 * string's UTF-8, a number's or boolean's text) go into an FNV-1a hash; a
 * missing or null field hashes as one 0x00 byte, a line that does not parse
 * as 0xFF. The last line on stdout is
 *
 *     lines=N bytes=B checksum=C
 *
 * and C is the same in both modes for inputs whose numbers are written the
 * way jansson's shortest round-trip formatting writes them back (integers,
 * and reals such as 2.4638): the checksum is the correctness check.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"

#define CHUNK (1u << 20)

struct lines {
	FILE *fp;
	char *buf;
	size_t cap, start, len;	/* unread bytes are buf[start..len) */
	int eof;
};

/* Next line without its '\n' (borrowed until the next call): 1, or 0 at end. */
static int
next_line(struct lines *l, const char **line, size_t *n)
{
	char *nl;
	size_t got;

	for (;;) {
		nl = memchr(l->buf + l->start, '\n', l->len - l->start);
		if (nl != NULL) {
			*line = l->buf + l->start;
			*n = (size_t)(nl - *line);
			l->start += *n + 1;
			return 1;
		}
		if (l->eof) {
			if (l->start == l->len)
				return 0;
			*line = l->buf + l->start;
			*n = l->len - l->start;
			l->start = l->len;
			return 1;
		}
		memmove(l->buf, l->buf + l->start, l->len - l->start);
		l->len -= l->start;
		l->start = 0;
		if (l->cap - l->len < CHUNK) {
			l->cap = l->cap * 2 > l->len + CHUNK ? l->cap * 2 : l->len + CHUNK;
			l->buf = pk_xrealloc(l->buf, l->cap);
		}
		got = fread(l->buf + l->len, 1, l->cap - l->len, l->fp);
		if (got == 0) {
			if (ferror(l->fp)) {
				fprintf(stderr, "pk-bench-extract: read error: %s\n", strerror(errno));
				exit(4);
			}
			l->eof = 1;
		}
		l->len += got;
	}
}

static uint64_t
fnv(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static const unsigned char MISSING = 0x00, BAD = 0xFF, SEP = 0x1F;

/* jansson: descend the path's segments and write the value's key text. */
static int
jansson_key(json_t *root, const struct pk_path *path, struct pk_buf *out)
{
	json_t *v = root;
	size_t i;

	for (i = 0; i < path->nseg; i++)
		if (!json_is_object(v) || (v = json_object_get(v, path->seg[i])) == NULL)
			return 0;
	switch (json_typeof(v)) {
	case JSON_STRING:
		pk_buf_add(out, json_string_value(v), json_string_length(v));
		return 1;
	case JSON_INTEGER:
		pk_buf_add_i64(out, (int64_t)json_integer_value(v));
		return 1;
	case JSON_REAL:
		pk_buf_add_double(out, json_real_value(v));
		return 1;
	case JSON_TRUE:
		pk_buf_adds(out, "true");
		return 1;
	case JSON_FALSE:
		pk_buf_adds(out, "false");
		return 1;
	case JSON_NULL:
		return 0;
	default: {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		if (s != NULL)
			pk_buf_adds(out, s);
		free(s);
		return 1;
	}
	}
}

int
main(int argc, char *argv[])
{
	struct lines l = { NULL, NULL, 0, 0, 0, 0 };
	struct pk_jdoc doc = PK_JDOC_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_buf key = PK_BUF_INIT;
	struct pk_path *paths;
	struct pk_jval v;
	json_error_t jerr;
	json_t *root;
	const char *line;
	size_t n, i, npaths;
	uint64_t h = 0xcbf29ce484222325ULL, lines = 0, bytes = 0, bad = 0;
	int span;

	if (argc < 4 || (strcmp(argv[1], "span") != 0 && strcmp(argv[1], "jansson") != 0)) {
		fprintf(stderr, "usage: pk-bench-extract span|jansson FILE FIELD...\n");
		return 2;
	}
	span = strcmp(argv[1], "span") == 0;
	if ((l.fp = strcmp(argv[2], "-") == 0 ? stdin : fopen(argv[2], "rb")) == NULL) {
		fprintf(stderr, "pk-bench-extract: %s: %s\n", argv[2], strerror(errno));
		return 4;
	}
	npaths = (size_t)argc - 3;
	paths = pk_xcalloc(npaths, sizeof *paths);
	for (i = 0; i < npaths; i++) {
		if (pk_path_compile(&paths[i], argv[3 + i], &err) < 0) {
			fprintf(stderr, "pk-bench-extract: %s\n", err.msg);
			return 2;
		}
	}

	while (next_line(&l, &line, &n)) {
		lines++;
		bytes += n + 1;
		if (n == 0 || (n == 1 && line[0] == '\r'))
			continue;
		if (span) {
			if (pk_json_index(&doc, line, n, &err) < 0) {
				h = fnv(h, &BAD, 1);
				bad++;
				continue;
			}
			for (i = 0; i < npaths; i++) {
				pk_buf_reset(&key);
				if (pk_json_get(&doc, &paths[i], &v) && pk_jval_key(&v, &key))
					h = fnv(h, key.p, key.len);
				else
					h = fnv(h, &MISSING, 1);
				h = fnv(h, &SEP, 1);
			}
		} else {
			if ((root = json_loadb(line, n, 0, &jerr)) == NULL || !json_is_object(root)) {
				json_decref(root);
				h = fnv(h, &BAD, 1);
				bad++;
				continue;
			}
			for (i = 0; i < npaths; i++) {
				pk_buf_reset(&key);
				if (jansson_key(root, &paths[i], &key))
					h = fnv(h, key.p, key.len);
				else
					h = fnv(h, &MISSING, 1);
				h = fnv(h, &SEP, 1);
			}
			json_decref(root);
		}
	}
	if (l.eof && bytes > 0 && l.len > 0 && l.buf[l.len - 1] != '\n')
		bytes--;	/* the last line had no newline */
	if (bad > 0)
		fprintf(stderr, "pk-bench-extract: %" PRIu64 " lines did not parse\n", bad);
	printf("lines=%" PRIu64 " bytes=%" PRIu64 " checksum=%016" PRIx64 "\n", lines, bytes, h);

	for (i = 0; i < npaths; i++)
		pk_path_release(&paths[i]);
	free(paths);
	pk_buf_release(&key);
	pk_jdoc_release(&doc);
	free(l.buf);
	if (l.fp != stdin)
		fclose(l.fp);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 4;
}
