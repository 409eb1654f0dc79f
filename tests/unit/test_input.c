/*
 * test_input - the record stream: operands, blank lines, rejects with line
 * numbers, envelopes, --max-errors, CSV, documents, held partial lines.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/input.h"
#include "lib/reject.h"
#include "tests/unit/tap.h"

static char dir[] = "/tmp/pk-test-input-XXXXXX";

static char *
put(const char *name, const char *text, size_t n)
{
	static char path[8][256];
	static int k;
	char *p = path[k++ % 8];
	FILE *f;

	snprintf(p, 256, "%s/%s", dir, name);
	f = fopen(p, "wb");
	fwrite(text, 1, n, f);
	fclose(f);
	return p;
}

static char *
slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "rb");
	size_t n = 0;

	buf[0] = '\0';
	if (f) {
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* Read every record of paths; returns the count, the fields "id" joined. */
static int
drain(struct pk_input *in, struct pk_buf *ids, int *rc_out, struct pk_err *err)
{
	const struct pk_rec *rec;
	struct pk_path id;
	struct pk_jval v;
	int n = 0, rc;

	pk_path_compile(&id, "id", NULL);
	while ((rc = pk_input_next(in, &rec, err)) > 0) {
		n++;
		if (pk_json_get(&rec->doc, &id, &v) > 0) {
			pk_jval_text(&v, ids);
			pk_buf_printf(ids, "@%s:%ld ", strrchr(rec->source, '/') ? strrchr(rec->source, '/') + 1 : rec->source, rec->line);
		}
	}
	*rc_out = rc;
	pk_path_release(&id);
	return n;
}

static void
test_ndjson(void)
{
	struct pk_input in = PK_INPUT_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_buf ids = PK_BUF_INIT;
	char *a, *b, *rej;
	char *paths[2];
	int n, rc;
	const char ta[] = "{\"id\":\"a1\"}\n\n   \n{\"id\":2}\nnot json\n{\"id\":\"a4\"}";
	const char tb[] = "{\"id\":\"b1\"}\r\n[1,2]\n{\"id\":\"\xff\"}\n";

	a = put("a.ndjson", ta, sizeof ta - 1);
	b = put("b.ndjson", tb, sizeof tb - 1);
	rej = put("rej.ndjson", "", 0);
	paths[0] = a;
	paths[1] = b;
	in.tool = "test";
	in.reject_path = rej;
	in.quiet = 1;
	pk_input_operands(&in, 2, paths);
	n = drain(&in, &ids, &rc, &err);
	is_int(rc, 0, "ndjson: ends cleanly");
	is_int(n, 4, "ndjson: four records used");
	is_str(ids.p, "a1@a.ndjson:1 2@a.ndjson:4 a4@a.ndjson:6 b1@b.ndjson:1 ",
	    "ndjson: records in order with file and line (blank lines skipped, CRLF ok, last line without newline)");
	is_int(in.rej.read, 7, "ndjson: read counts every non-blank line");
	is_int(in.rej.rejected, 3, "ndjson: three rejected");
	ok(pk_input_close(&in, &err) == 0, "ndjson: close");
	{
		const char *r = slurp(rej);
		int lines = 0;

		ok(strstr(r, "\"tool\":\"test\"") && strstr(r, "\"line\":5,\"raw\":\"not json\""),
		    "envelope for the bad line names its line and raw text");
		ok(strstr(r, "\"line\":2,\"raw\":\"[1,2]\""), "envelope for a non-object");
		ok(strstr(r, "\"line\":3,\"raw_base64\":\"eyJpZCI6Iv8ifQ==\""),
		    "invalid UTF-8 is kept as raw_base64");

		for (; *r; r++)
			lines += *r == '\n';
		is_int(lines, 3, "three envelope lines");
	}
	pk_buf_release(&ids);
}

static void
test_max_errors(void)
{
	struct pk_input in = PK_INPUT_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_buf ids = PK_BUF_INIT;
	char *paths[1];
	int rc;
	const char t[] = "x\ny\n{\"id\":1}\nz\n";

	paths[0] = put("m.ndjson", t, sizeof t - 1);
	in.tool = "test";
	in.quiet = 1;
	in.rej.max_errors = 2;
	pk_input_operands(&in, 1, paths);
	drain(&in, &ids, &rc, &err);
	is_int(rc, -1, "max-errors: stops");
	is_int(err.kind, PK_ERR_DATA, "max-errors: data error (exit 3)");
	ok(strstr(err.msg, "--max-errors 2") != NULL, "max-errors: message names the limit: %s", err.msg);
	pk_input_close(&in, &err);
	pk_buf_release(&ids);
}

static void
test_long_line(void)
{
	struct pk_input in = PK_INPUT_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_buf ids = PK_BUF_INIT;
	char *paths[1];
	int rc, n;
	const char t[] = "{\"id\":\"0123456789012345678901234567890123456789\"}\n{\"id\":7}\n";

	paths[0] = put("l.ndjson", t, sizeof t - 1);
	in.tool = "test";
	in.quiet = 1;
	in.max_line = 20;
	pk_input_operands(&in, 1, paths);
	n = drain(&in, &ids, &rc, &err);
	is_int(n, 1, "long line: rejected, the next one used");
	is_int(in.rej.rejected, 1, "long line: counted");
	is_str(ids.p, "7@l.ndjson:2 ", "long line: line numbers stay right");
	pk_input_close(&in, &err);
	pk_buf_release(&ids);
}

static void
test_csv(void)
{
	struct pk_input in = PK_INPUT_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_buf ids = PK_BUF_INIT;
	char *paths[1];
	int rc, n;
	const char t[] = "id,note\nc1,plain\n\"c2\",\"two\nlines\"\nc3,x\n";

	paths[0] = put("t.csv", t, sizeof t - 1);
	in.tool = "test";
	in.quiet = 1;
	pk_input_operands(&in, 1, paths);
	n = drain(&in, &ids, &rc, &err);
	is_int(rc, 0, "csv: ends cleanly (%s)", err.msg);
	is_int(n, 3, "csv: three rows");
	is_str(ids.p, "c1@t.csv:2 c2@t.csv:3 c3@t.csv:5 ", "csv: a quoted newline keeps the first line number");
	pk_input_close(&in, &err);
	pk_buf_release(&ids);
}

static void
test_document(void)
{
	struct pk_input in = PK_INPUT_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_buf ids = PK_BUF_INIT;
	char *paths[1];
	int rc, n;
	const char t[] = "{\n  \"task_instances\": [\n    {\"id\": \"t1\"},\n    {\"id\": \"t2\"},\n    3\n  ],\n  \"total_entries\": 2\n}\n";

	paths[0] = put("doc.json", t, sizeof t - 1);
	in.tool = "test";
	in.quiet = 1;
	in.flags = PK_IN_DOCUMENT;
	pk_input_operands(&in, 1, paths);
	n = drain(&in, &ids, &rc, &err);
	is_int(rc, 0, "document: ends cleanly (%s)", err.msg);
	is_int(n, 2, "document: two items");
	is_str(ids.p, "t1@doc.json:3 t2@doc.json:4 ", "document: items with their lines");
	is_int(in.rej.rejected, 1, "document: a non-object item is rejected");
	pk_input_close(&in, &err);
	pk_buf_release(&ids);
}

static void
test_document_fallback(void)
{
	struct pk_input in = PK_INPUT_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_buf ids = PK_BUF_INIT;
	char *paths[1];
	int rc, n;
	const char t[] = "{\"id\":\"x1\",\n{\"id\":\"x2\"}\n{\"id\":\"x3\"}\n";

	paths[0] = put("nd.json", t, sizeof t - 1);
	in.tool = "test";
	in.quiet = 1;
	in.flags = PK_IN_DOCUMENT;
	pk_input_operands(&in, 1, paths);
	n = drain(&in, &ids, &rc, &err);
	is_int(rc, 0, "document fallback: ends cleanly (%s)", err.msg);
	is_int(n, 2, "document fallback: a broken first line of NDJSON is one reject");
	is_str(ids.p, "x2@nd.json:2 x3@nd.json:3 ", "document fallback: the other lines are records");
	is_int(in.rej.read, 3, "document fallback: three read");
	is_int(in.rej.rejected, 1, "document fallback: one rejected");
	pk_input_close(&in, &err);
	pk_buf_release(&ids);
}

static void
test_document_sequence(void)
{
	struct pk_input in = PK_INPUT_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_buf ids = PK_BUF_INIT;
	char *paths[1];
	int rc, n;
	/* three pages from a paging loop: an array, an object, one cut short */
	const char t[] = "[\n  {\"id\": \"a1\"}\n]\n{\n  \"items\": [\n    {\"id\": \"b1\"},\n"
	    "    {\"id\": \"b2\"}\n  ]\n}\n{\n  \"items\": [\n    {\"id\": \"c1\"},\n";

	paths[0] = put("seq.json", t, sizeof t - 1);
	in.tool = "test";
	in.quiet = 1;
	in.flags = PK_IN_DOCUMENT;
	pk_input_operands(&in, 1, paths);
	n = drain(&in, &ids, &rc, &err);
	is_int(rc, 0, "document sequence: ends cleanly (%s)", err.msg);
	is_int(n, 3, "document sequence: the items of every document");
	is_str(ids.p, "a1@seq.json:2 b1@seq.json:6 b2@seq.json:7 ", "document sequence: lines");
	is_int(in.rej.read, 4, "document sequence: the cut-short document is read");
	is_int(in.rej.rejected, 1, "document sequence: and rejected");
	pk_input_close(&in, &err);
	pk_buf_release(&ids);
}

static void
test_hold_partial(void)
{
	struct pk_input in = PK_INPUT_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_buf ids = PK_BUF_INIT;
	char *paths[1];
	int rc, n;
	const char t[] = "{\"id\":1}\n{\"id\":2";

	paths[0] = put("p.ndjson", t, sizeof t - 1);
	in.tool = "test";
	in.quiet = 1;
	in.flags = PK_IN_HOLD_PARTIAL;
	pk_input_operands(&in, 1, paths);
	n = drain(&in, &ids, &rc, &err);
	is_int(n, 1, "hold partial: the unfinished last line waits");
	is_int(in.rej.read, 1, "hold partial: and is not counted");
	pk_input_close(&in, &err);
	pk_buf_release(&ids);
}

static void
test_envelope(void)
{
	struct pk_buf b = PK_BUF_INIT;

	pk_envelope(&b, "winagg", "expected ':' at byte 17", "ev.ndjson", 1042,
	    "{\"a\" 1}", 7, 1795624200000000000LL);
	is_str(b.p, "{\"error\":\"expected ':' at byte 17\",\"tool\":\"winagg\",\"source\":\"ev.ndjson\","
	    "\"line\":1042,\"raw\":\"{\\\"a\\\" 1}\",\"ts\":\"2026-11-25T16:30:00Z\"}",
	    "envelope: DESIGN.md's shape, field for field");
	pk_buf_reset(&b);
	pk_envelope(&b, "t", "e", "<stdin>", -1, "\x80", 1, 0);
	is_str(b.p, "{\"error\":\"e\",\"tool\":\"t\",\"source\":\"<stdin>\",\"line\":null,"
	    "\"raw_base64\":\"gA==\",\"ts\":\"1970-01-01T00:00:00Z\"}", "envelope: base64 and null line");
	pk_buf_release(&b);
}

static void
test_summary(void)
{
	struct pk_reject rj = PK_REJECT_INIT;
	struct pk_buf b = PK_BUF_INIT;

	rj.tool = "winagg";
	rj.read = 1000;
	rj.rejected = 8;
	rj.late = 2;
	rj.has_late = 1;
	pk_reject_summary(&rj, &b);
	is_str(b.p, "winagg: 1000 read, 990 used, 8 rejected, 2 late", "summary line");
	pk_buf_release(&b);
}

int
main(void)
{
	char cmd[300];

	if (mkdtemp(dir) == NULL)
		return 1;
	test_ndjson();
	test_max_errors();
	test_long_line();
	test_csv();
	test_document();
	test_document_fallback();
	test_document_sequence();
	test_hold_partial();
	test_envelope();
	test_summary();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
