/*
 * input - operands in order, NDJSON lines or CSV rows, validated and
 * indexed; bad lines rejected and counted; a progress line on a terminal.
 */
#include "lib/input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/csvrec.h"
#include "lib/progress.h"

static char stdin_name[] = "-";
static char *stdin_operand[] = { stdin_name };

void
pk_input_operands(struct pk_input *in, int n, char **paths)
{
	if (n <= 0) {
		in->paths = stdin_operand;
		in->npaths = 1;
	} else {
		in->paths = paths;
		in->npaths = (size_t)n;
	}
	in->cur = 0;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int
is_csv_name(const char *p)
{
	return ends_with(p, ".csv") || ends_with(p, ".csv.gz") || ends_with(p, ".csv.zst");
}

static void
start_progress(struct pk_input *in)
{
	pk_progress_start(&in->prog, in->tool, in->progress, in->paths, in->npaths);
}

static void
end_progress(struct pk_input *in)
{
	pk_progress_end(&in->prog);
}

static int
open_next(struct pk_input *in, struct pk_err *err)
{
	const char *path = in->paths[in->cur];

	in->r = pk_reader_open(path, in->max_line, err);
	if (in->r == NULL)
		return -1;
	if (in->on_wait != NULL)
		pk_reader_on_wait(in->r, in->on_wait, in->wait_arg);
	in->cur_csv = !(in->flags & PK_IN_LINES) && (in->csv || is_csv_name(path));
	if (in->cur_csv) {
		in->csvp = pk_csv_new(in->r, ',');
		pk_csv_set_max_row(in->csvp, in->max_line ? in->max_line :
		    (size_t)PK_MAX_RECORD_BYTES_DEFAULT);
	}
	if (in->on_open && in->on_open(in, in->r, in->ctx, err) != 0)
		return -1;
	return 0;
}

static void
close_cur(struct pk_input *in)
{
	if (in->csvp) {
		pk_csv_free(in->csvp);
		in->csvp = NULL;
	}
	if (in->r) {
		in->done_size += pk_reader_raw_pos(in->r);
		pk_reader_free(in->r);
		in->r = NULL;
	}
	in->indoc = 0;
	in->nodoc = 0;
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

static int
reject_raw(struct pk_input *in, const char *raw, size_t n, long line, const char *why,
    struct pk_err *err)
{
	return pk_reject_add(&in->rej, pk_reader_name(in->r), line, raw, n, why, err);
}

/* Line of p in the document. Positions mostly grow, so counting goes on
 * from the last one asked for. */
static long
doc_line(struct pk_input *in, const char *p)
{
	if (in->lnp == NULL || p < in->lnp) {
		in->lnp = in->doc.p;
		in->lnno = 1;
	}
	for (; in->lnp < p; in->lnp++)
		if (*in->lnp == '\n')
			in->lnno++;
	return in->lnno;
}

/* Is the first non-blank line after the first one a complete JSON value
 * (NDJSON whose first line is broken), rather than the inside of a
 * pretty-printed document? */
static int
next_line_is_value(const char *s, size_t n)
{
	const char *end = s + n, *p = memchr(s, '\n', n), *e;

	while (p != NULL && p < end) {
		p++;
		e = memchr(p, '\n', (size_t)(end - p));
		if (e == NULL)
			e = end;
		if (!blank(p, (size_t)(e - p)))
			return pk_json_value(p, (size_t)(e - p), NULL, NULL) == 0;
		p = e;
	}
	return 0;
}

/*
 * Where the document after a broken one at off may start: the next line
 * that opens a value in its first column, as every document of a
 * concatenation of pretty-printed ones does (jq, Python, curl of a
 * paginated API in a loop); else the end.
 */
static size_t
doc_resync(const struct pk_buf *d, size_t off)
{
	const char *p = d->p + off, *end = d->p + d->len;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p++;
		if (p < end && (*p == '{' || *p == '['))
			return (size_t)(p - d->p);
	}
	return d->len;
}

/* The reason a broken document s[0..n) is rejected, with a line (and
 * column) of the file instead of the scanner's byte offset. */
static void
doc_error(struct pk_input *in, const char *s, size_t n, char *why, size_t whyn)
{
	struct pk_err perr = PK_ERR_INIT;
	const char *at, *p, *bol;
	unsigned long long off;
	size_t used;
	long line;

	if (pk_json_value_prefix(s, n, NULL, &used, &perr) == 0) {
		snprintf(why, whyn, "invalid JSON document");	/* not reached */
		return;
	}
	if (strcmp(perr.msg, "unexpected end of input") == 0) {
		for (p = s + n; p > s && strchr(" \t\r\n", p[-1]) != NULL; p--)
			;
		snprintf(why, whyn, "truncated JSON document: unexpected end of input after line %ld",
		    doc_line(in, p > s ? p - 1 : s));
		return;
	}
	at = strstr(perr.msg, " at byte ");
	if (at == NULL || (off = strtoull(at + 9, NULL, 10)) == 0 || off > n) {
		snprintf(why, whyn, "invalid JSON document: %s", perr.msg);
		return;
	}
	p = s + off - 1;
	for (bol = p; bol > in->doc.p && bol[-1] != '\n'; bol--)
		;
	line = doc_line(in, p);
	snprintf(why, whyn, "invalid JSON document: %.*s at line %ld, column %zu",
	    (int)(at - perr.msg), perr.msg, line, (size_t)(p - bol) + 1);
}

/*
 * The next document of the file into in->docarr/docpos: 1, 0 at the end,
 * -1. A broken document (cut short by a failed download, or not JSON) is
 * one rejected record holding its text up to where the next one starts.
 */
static int
next_document(struct pk_input *in, struct pk_err *err)
{
	struct pk_jval v;
	struct pk_jfield f;
	size_t used, pos, start, stop, n;
	char why[1200];

	for (;;) {
		start = in->docnext;
		while (start < in->doc.len && strchr(" \t\r\n", in->doc.p[start]) != NULL)
			start++;
		in->docnext = start;
		if (start >= in->doc.len)
			return 0;
		if (pk_json_value_prefix(in->doc.p + start, in->doc.len - start, &v, &used,
		    NULL) == 0) {
			in->docnext = start + used;
			break;
		}
		stop = doc_resync(&in->doc, start);
		for (n = stop - start; n > 0 && strchr(" \t\r\n", in->doc.p[start + n - 1]) != NULL; n--)
			;
		in->rej.read++;
		in->rec.line = doc_line(in, in->doc.p + start);
		doc_error(in, in->doc.p + start, n, why, sizeof why);
		in->docnext = stop;
		if (reject_raw(in, in->doc.p + start, n, doc_line(in, in->doc.p + start), why,
		    err) != 0)
			return -1;
	}
	in->docarr = v;
	in->docpos = (size_t)-1;	/* one record (an object, or a value rejected) */
	if (v.type == PK_J_ARR) {
		in->docpos = 0;
	} else if (v.type == PK_J_OBJ) {
		pos = 0;
		while (pk_jobj_next(&v, &pos, &f) > 0)
			if (f.v.type == PK_J_ARR) {
				in->docarr = f.v;
				in->docpos = 0;
				break;
			}
	}
	return 1;
}

/* PK_IN_DOCUMENT: the first line is no complete JSON value, so read all. */
static int
load_document(struct pk_input *in, const char *first, size_t n, struct pk_err *err)
{
	const char *line;
	size_t len, used;
	int rc;

	pk_buf_reset(&in->doc);
	pk_buf_add(&in->doc, first, n);
	while ((rc = pk_reader_next(in->r, &line, &len, err)) > 0) {
		pk_buf_addc(&in->doc, '\n');
		pk_buf_add(&in->doc, line, len);
		if (rc == 2 || in->doc.len > (size_t)1 << 31)
			return pk_err_set(err, PK_ERR_DATA, "%s: JSON document too large",
			    pk_reader_name(in->r));
	}
	if (rc < 0)
		return -1;
	if (pk_json_value_prefix(in->doc.p, in->doc.len, NULL, &used, NULL) != 0 &&
	    next_line_is_value(in->doc.p, in->doc.len)) {
		/* Not a document: NDJSON whose first line is broken. Read
		 * what was kept as lines again, so that line is one rejected
		 * record and the others are records. */
		char *name = pk_xstrdup(pk_reader_name(in->r));
		struct pk_reader *mem;

		mem = pk_reader_open_mem(name, in->doc.p, in->doc.len, in->max_line, err);
		free(name);
		if (mem == NULL)
			return -1;
		in->done_size += pk_reader_raw_pos(in->r);
		pk_reader_free(in->r);
		in->r = mem;
		in->nodoc = 1;
		return 0;
	}
	in->docnext = 0;
	in->docpos = (size_t)-2;	/* no document yet: next_doc_item reads one */
	in->lnp = NULL;
	in->indoc = 1;
	return 0;
}

static int
next_doc_item(struct pk_input *in, const struct pk_rec **rec, struct pk_err *err)
{
	struct pk_jval item;
	int rc;

	for (;;) {
		if (in->docpos == (size_t)-1) {
			item = in->docarr;
			in->docpos = (size_t)-2;
		} else if (in->docpos == (size_t)-2 || pk_jarr_next(&in->docarr, &in->docpos, &item) <= 0) {
			in->docpos = (size_t)-2;
			if ((rc = next_document(in, err)) <= 0) {
				if (rc == 0)
					in->indoc = 0;
				return rc;
			}
			continue;
		}
		in->rec.line = doc_line(in, item.p);
		in->rec.raw = item.p;
		in->rec.rawn = item.n;
		in->rec.json = item.p;
		in->rec.jsonn = item.n;
		in->rec.source = pk_reader_name(in->r);
		in->rec.input = in->cur;
		in->rej.read++;
		if (item.type != PK_J_OBJ) {
			if (reject_raw(in, item.p, item.n, in->rec.line, "not a JSON object", err) != 0)
				return -1;
			continue;
		}
		if (pk_json_index(&in->rec.doc, item.p, item.n, err) != 0)
			return -1;
		*rec = &in->rec;
		return 1;
	}
}

int
pk_input_next(struct pk_input *in, const struct pk_rec **rec, struct pk_err *err)
{
	const char *line;
	size_t len;
	long lineno;
	int rc;
	struct pk_err perr;	/* filled only on failure: not zeroed per record (1 KiB) */

	if (!in->opened) {
		in->opened = 1;
		if (in->npaths == 0)
			pk_input_operands(in, 0, NULL);
		if (in->rej.diag == NULL && !in->quiet)
			in->rej.diag = stderr;
		if (in->rej.tool == NULL &&
		    pk_reject_open(&in->rej, in->tool, in->reject_path, err) != 0)
			return -1;
		start_progress(in);
	}
	for (;;) {
		if (pk_cli_interrupted()) {
			end_progress(in);
			return 0;
		}
		if (in->r == NULL) {
			if (in->cur >= in->npaths) {
				end_progress(in);
				return 0;
			}
			if (open_next(in, err) != 0) {
				if (pk_cli_interrupted()) {	/* waiting for a FIFO's writer */
					end_progress(in);
					return 0;
				}
				return -1;
			}
		}
		if (in->indoc) {
			rc = next_doc_item(in, rec, err);
			if (rc != 0)
				return rc;
			close_cur(in);
			in->cur++;
			continue;
		}
		if (in->prog.on && (++in->prog_tick & 0xffff) == 0)
			pk_progress_show(&in->prog, in->done_size +
			    (in->r ? pk_reader_raw_pos(in->r) : 0), in->rej.read);
		if (in->cur_csv) {
			const char *json, *raw;
			size_t jn, rawn;

			rc = pk_csv_next(in->csvp, &json, &jn, &raw, &rawn, &lineno, &perr);
			if (rc == 0) {
				close_cur(in);
				in->cur++;
				continue;
			}
			if (rc < 0) {
				*err = perr;
				return -1;
			}
			in->rej.read++;
			if (rc == 2) {
				if (reject_raw(in, raw, rawn, lineno, perr.msg, err) != 0)
					return -1;
				continue;
			}
			in->rec.raw = raw;
			in->rec.rawn = rawn;
			in->rec.json = json;
			in->rec.jsonn = jn;
			in->rec.line = lineno;
		} else {
			rc = pk_reader_next(in->r, &line, &len, err);
			if (rc == 0) {
				close_cur(in);
				in->cur++;
				continue;
			}
			if (rc < 0)
				return -1;
			if ((in->flags & PK_IN_HOLD_PARTIAL) && !pk_reader_line_complete(in->r)) {
				/* An unfinished last line waits for the next run. */
				close_cur(in);
				in->cur++;
				continue;
			}
			lineno = pk_reader_lineno(in->r);
			/* A UTF-8 byte order mark (Windows editors, PowerShell 5's
			 * Out-File) is no part of the first record, as for CSV. Raw
			 * lines (logsplit --regex) are kept byte-exact. */
			if (lineno == 1 && !(in->flags & PK_IN_LINES) && len >= 3 &&
			    memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
				line += 3;
				len -= 3;
			}
			if (blank(line, len))
				continue;
			in->rej.read++;
			if (rc == 2) {
				char why[96];

				snprintf(why, sizeof why, "line longer than %zu bytes (--max-record-bytes)",
				    in->max_line ? in->max_line : (size_t)PK_MAX_RECORD_BYTES_DEFAULT);
				if (reject_raw(in, line, len, lineno, why, err) != 0)
					return -1;
				continue;
			}
			in->rec.raw = in->rec.json = line;
			in->rec.rawn = in->rec.jsonn = len;
			in->rec.line = lineno;
			if ((in->flags & PK_IN_DOCUMENT) && lineno == 1 && !in->nodoc &&
			    pk_json_value(line, len, NULL, NULL) != 0) {
				in->rej.read--;
				if (load_document(in, line, len, err) != 0)
					return -1;
				continue;
			}
		}
		in->rec.source = pk_reader_name(in->r);
		in->rec.input = in->cur;
		if (in->flags & PK_IN_LINES) {
			in->rec.doc.nf = 0;
			*rec = &in->rec;
			return 1;
		}
		if (pk_json_index(&in->rec.doc, in->rec.json, in->rec.jsonn, &perr) != 0) {
			if (reject_raw(in, in->rec.raw, in->rec.rawn, in->rec.line, perr.msg, err) != 0)
				return -1;
			continue;
		}
		*rec = &in->rec;
		return 1;
	}
}

int
pk_input_reject(struct pk_input *in, const struct pk_rec *rec, const char *reason,
    struct pk_err *err)
{
	return pk_reject_add(&in->rej, rec->source, rec->line, rec->raw, rec->rawn, reason, err);
}

struct pk_reader *
pk_input_reader(struct pk_input *in)
{
	return in->r;
}

int
pk_input_close(struct pk_input *in, struct pk_err *err)
{
	end_progress(in);
	close_cur(in);
	pk_jdoc_release(&in->rec.doc);
	pk_buf_release(&in->doc);
	return pk_reject_close(&in->rej, err);
}
