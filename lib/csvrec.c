/*
 * csvrec - CSV rows through libcsv, one reader line at a time, turned into
 * JSON object text keyed by the header.
 *
 * Each line from the reader is fed to libcsv followed by "\n", and '\n' is
 * the only row terminator libcsv is told about, so a row always ends at the
 * end of a line: a row is the lines fed since the last row ended, which
 * gives its raw text and first line number without asking libcsv where it
 * is. A trailing '\r' is cut before feeding (CRLF files), and libcsv's
 * trimming of spaces is turned off so fields stay as written (RFC 4180
 * section 2: "Spaces are considered part of a field and should not be
 * ignored").
 */
#include "lib/csvrec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "lib/buf.h"

struct pk_csv {
	struct pk_reader *r;
	struct csv_parser p;
	unsigned char delim;
	size_t max_row;

	int have_header;
	char **names;
	size_t ncols;
	struct pk_buf keys;	/* "name": for every column, JSON-escaped */
	size_t *keyoff;		/* ncols + 1 offsets into keys */

	struct pk_buf fields;	/* the current row's fields, back to back */
	size_t *foff;		/* nf + 1 offsets into fields */
	size_t nf, fcap;
	int row_done;

	struct pk_buf raw, json;
	long lineno;
	int first_line;
};

static void
on_field(void *s, size_t n, void *data)
{
	struct pk_csv *c = data;

	if (c->nf + 2 > c->fcap) {
		c->fcap = c->fcap ? c->fcap * 2 : 32;
		c->foff = pk_xrealloc(c->foff, c->fcap * sizeof *c->foff);
	}
	if (n > 0)
		pk_buf_add(&c->fields, s, n);
	c->foff[++c->nf] = c->fields.len;
}

static void
on_row(int ch, void *data)
{
	struct pk_csv *c = data;

	(void)ch;
	c->row_done = 1;
}

static int
no_space(unsigned char ch)
{
	(void)ch;
	return 0;
}

static int
lf_only(unsigned char ch)
{
	return ch == '\n';
}

static void
parser_start(struct pk_csv *c)
{
	if (csv_init(&c->p, 0) != 0) {
		fputs("pipekit: out of memory\n", stderr);
		exit(4);
	}
	csv_set_delim(&c->p, c->delim);
	csv_set_space_func(&c->p, no_space);
	csv_set_term_func(&c->p, lf_only);
	csv_set_realloc_func(&c->p, pk_xrealloc);
}

struct pk_csv *
pk_csv_new(struct pk_reader *r, char delim)
{
	struct pk_csv *c = pk_xcalloc(1, sizeof *c);

	c->r = r;
	c->delim = (unsigned char)delim;
	c->max_row = PK_MAX_RECORD_BYTES_DEFAULT;
	c->first_line = 1;
	c->fcap = 32;
	c->foff = pk_xmalloc(c->fcap * sizeof *c->foff);
	parser_start(c);
	return c;
}

void
pk_csv_set_max_row(struct pk_csv *c, size_t max_row)
{
	c->max_row = max_row ? max_row : PK_MAX_RECORD_BYTES_DEFAULT;
}

/* Forget a half-parsed row: the next line starts a new one. */
static void
parser_reset(struct pk_csv *c)
{
	csv_free(&c->p);
	parser_start(c);
}

static int
feed(struct pk_csv *c, const char *s, size_t n, struct pk_err *err)
{
	if (csv_parse(&c->p, s, n, on_field, on_row, c) != n)
		return pk_err_set(err, PK_ERR_IO, "%s: CSV parser: %s", pk_reader_name(c->r),
		    csv_strerror(csv_error(&c->p)));
	return 0;
}

/*
 * Read the lines of one row into fields/raw: 1 a row, 2 a row to reject
 * (err set), 0 end of input, -1 fatal.
 */
static int
read_row(struct pk_csv *c, struct pk_err *err)
{
	const char *line;
	size_t n, fn;
	int rc, started = 0;
	long nlines = 0;

	pk_buf_reset(&c->raw);
	pk_buf_reset(&c->fields);
	c->nf = 0;
	c->foff[0] = 0;
	c->row_done = 0;
	for (;;) {
		if ((rc = pk_reader_next(c->r, &line, &n, err)) < 0)
			return -1;
		if (rc == 0) {
			if (!started)
				return 0;
			/* Every line fed ends in '\n', so a row still open here is
			 * inside a quoted field: rejected with its lines as read, so
			 * that no byte goes uncounted; the input ends there. */
			pk_err_set(err, PK_ERR_DATA, "unterminated quoted field at end of input");
			parser_reset(c);
			return 2;
		}
		if (c->first_line) {
			c->first_line = 0;
			if (n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
				line += 3;
				n -= 3;
			}
		}
		fn = n > 0 && line[n - 1] == '\r' ? n - 1 : n;
		nlines++;
		if (!started) {
			if (fn == 0 && rc == 1) {
				nlines = 0;
				continue;	/* blank line between rows */
			}
			started = 1;
			c->lineno = pk_reader_lineno(c->r);
		} else if (c->raw.len < c->max_row) {
			pk_buf_addc(&c->raw, '\n');
		}
		if (rc == 2) {
			pk_buf_add(&c->raw, line, n < c->max_row - c->raw.len ? n : c->max_row - c->raw.len);
			parser_reset(c);
			pk_err_set(err, PK_ERR_DATA, "line longer than %zu bytes", n);
			return 2;
		}
		if (c->raw.len + n > c->max_row) {
			pk_buf_add(&c->raw, line, c->max_row - c->raw.len);
			parser_reset(c);
			if (nlines > 1)
				pk_err_set(err, PK_ERR_DATA, "row longer than %zu bytes, over %ld lines "
				    "(a quoted field left open?)", c->max_row, nlines);
			else
				pk_err_set(err, PK_ERR_DATA, "row longer than %zu bytes", c->max_row);
			return 2;
		}
		pk_buf_add(&c->raw, line, n);
		if (feed(c, line, fn, err) < 0 || feed(c, "\n", 1, err) < 0)
			return -1;
		if (c->row_done)
			return 1;
	}
}

/* Column i of the current row. */
static const char *
field(const struct pk_csv *c, size_t i, size_t *n)
{
	*n = c->foff[i + 1] - c->foff[i];
	return c->fields.p != NULL ? c->fields.p + c->foff[i] : "";
}

/* Is s[0..n) the name of an earlier column, or (later) the name as written
 * of a later one? Names as users wrote them are kept; only repeats and
 * empty names get made-up names, and those avoid every written name. */
static int
name_taken(const struct pk_csv *c, size_t col, const char *s, size_t n, int later)
{
	const char *f;
	size_t i, fn;

	for (i = 0; i < col; i++)
		if (strlen(c->names[i]) == n && memcmp(c->names[i], s, n) == 0)
			return 1;
	for (i = col + 1; later && i < c->nf; i++) {
		f = field(c, i, &fn);
		if (fn == n && memcmp(f, s, n) == 0)
			return 1;
	}
	return 0;
}

static int
set_header(struct pk_csv *c, struct pk_err *err)
{
	struct pk_buf name = PK_BUF_INIT;
	const char *s;
	size_t i, n;
	int k;

	c->ncols = c->nf;
	c->names = pk_xcalloc(c->ncols, sizeof *c->names);
	c->keyoff = pk_xcalloc(c->ncols + 1, sizeof *c->keyoff);
	for (i = 0; i < c->ncols; i++) {
		s = field(c, i, &n);
		if (!pk_utf8_valid(s, n) || memchr(s, '\0', n) != NULL) {
			pk_buf_release(&name);
			pk_err_set(err, PK_ERR_DATA, "%s:%ld: header column %zu is not valid UTF-8 text",
			    pk_reader_name(c->r), c->lineno, i + 1);
			while (i-- > 0)
				free(c->names[i]);
			free(c->names);
			free(c->keyoff);
			c->names = NULL;
			c->keyoff = NULL;
			c->ncols = 0;
			pk_buf_reset(&c->keys);
			return -1;
		}
		pk_buf_reset(&name);
		if (n > 0)
			pk_buf_add(&name, s, n);
		else
			pk_buf_printf(&name, "%zu", i + 1);
		if (name_taken(c, i, name.p, name.len, n == 0)) {
			for (k = 2;; k++) {
				pk_buf_reset(&name);
				if (n == 0)
					pk_buf_printf(&name, "%zu_%d", i + 1, k);
				else {
					pk_buf_add(&name, s, n);
					pk_buf_printf(&name, "_%d", k);
				}
				if (!name_taken(c, i, name.p, name.len, 1))
					break;
			}
		}
		c->names[i] = pk_xstrdup(name.p);
		pk_buf_add_json_str(&c->keys, name.p, name.len);
		pk_buf_addc(&c->keys, ':');
		c->keyoff[i + 1] = c->keys.len;
	}
	pk_buf_release(&name);
	c->have_header = 1;
	return 0;
}

int
pk_csv_next(struct pk_csv *c, const char **json, size_t *jn, const char **raw,
    size_t *rawn, long *lineno, struct pk_err *err)
{
	const char *s;
	size_t i, n;
	int rc;

	if (!c->have_header) {
		rc = read_row(c, err);
		if (rc == 2) {
			char why[sizeof err->msg];

			snprintf(why, sizeof why, "%s", err->msg);
			*lineno = c->lineno;
			return pk_err_set(err, PK_ERR_DATA, "%s:%ld: header: %s",
			    pk_reader_name(c->r), c->lineno, why);
		}
		if (rc <= 0) {
			if (rc < 0)
				*lineno = c->lineno;
			return rc;
		}
		if (set_header(c, err) < 0) {
			*lineno = c->lineno;
			return -1;
		}
	}
	rc = read_row(c, err);
	*lineno = c->lineno;
	if (rc <= 0)
		return rc;
	*raw = c->raw.p;
	*rawn = c->raw.len;
	if (rc == 2)
		return 2;
	if (c->nf != c->ncols)
		return pk_err_set(err, PK_ERR_DATA, "row has %zu field%s, header has %zu",
		    c->nf, c->nf == 1 ? "" : "s", c->ncols), 2;
	pk_buf_reset(&c->json);
	pk_buf_grow(&c->json, c->keys.len + c->fields.len + 3 * c->nf + 2);
	pk_buf_addc(&c->json, '{');
	for (i = 0; i < c->nf; i++) {
		s = field(c, i, &n);
		if (!pk_utf8_valid(s, n))
			return pk_err_set(err, PK_ERR_DATA, "invalid UTF-8 in column '%s'",
			    c->names[i]), 2;
		if (i > 0)
			pk_buf_addc(&c->json, ',');
		pk_buf_add(&c->json, c->keys.p + c->keyoff[i], c->keyoff[i + 1] - c->keyoff[i]);
		pk_buf_add_json_str(&c->json, s, n);
	}
	pk_buf_addc(&c->json, '}');
	*json = c->json.p;
	*jn = c->json.len;
	return 1;
}

size_t
pk_csv_ncols(const struct pk_csv *c)
{
	return c->have_header ? c->ncols : 0;
}

const char *
pk_csv_colname(const struct pk_csv *c, size_t i)
{
	return c->have_header && i < c->ncols ? c->names[i] : NULL;
}

void
pk_csv_free(struct pk_csv *c)
{
	size_t i;

	if (c == NULL)
		return;
	csv_free(&c->p);
	for (i = 0; i < c->ncols; i++)
		free(c->names[i]);
	free(c->names);
	free(c->keyoff);
	free(c->foff);
	pk_buf_release(&c->keys);
	pk_buf_release(&c->fields);
	pk_buf_release(&c->raw);
	pk_buf_release(&c->json);
	free(c);
}
