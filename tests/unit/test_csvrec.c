/*
 * test_csvrec - CSV rows to JSON objects: quoting, rows over several lines,
 * CRLF, BOM, header names, rejected rows and the row size cap.
 *
 * Each case reads a whole input from memory and prints one transcript line
 * per pk_csv_next call, which is compared with what a user would get:
 *   "L<line> <json>"                  a row
 *   "reject L<line> <reason> [<raw>]" a row to reject
 *   "fatal <message>"                 and reading stops
 *   "end"
 * (raw and JSON with '\n' shown as "\n" and '\r' as "\r", so each entry
 * stays on one line).
 */
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/csvrec.h"
#include "lib/json.h"
#include "lib/reader.h"
#include "tests/unit/tap.h"

static int json_ok;

static void
add_shown(struct pk_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\n')
			pk_buf_adds(b, "\\n");
		else if (s[i] == '\r')
			pk_buf_adds(b, "\\r");
		else
			pk_buf_addc(b, s[i]);
	}
}

/* Transcript of reading in[0..n) as CSV; delim, and caps (0 = defaults). */
static const char *
transcript(const char *in, size_t n, char delim, size_t max_line, size_t max_row)
{
	static struct pk_buf out = PK_BUF_INIT;
	static struct pk_err err;
	struct pk_jdoc doc = PK_JDOC_INIT;
	struct pk_reader *r;
	struct pk_csv *c;
	const char *json, *raw;
	size_t jn, rawn;
	long lineno;
	int rc, guard = 0;

	pk_buf_reset(&out);
	if ((r = pk_reader_open_mem("t.csv", in, n, max_line, &err)) == NULL)
		return err.msg;
	c = pk_csv_new(r, delim);
	if (max_row)
		pk_csv_set_max_row(c, max_row);
	while (guard++ < 100) {
		rc = pk_csv_next(c, &json, &jn, &raw, &rawn, &lineno, &err);
		if (out.len)
			pk_buf_addc(&out, ' ');
		if (rc == 1) {
			pk_buf_printf(&out, "L%ld ", lineno);
			add_shown(&out, json, jn);
			/* Every row must be a valid JSON object for the rest of pipekit. */
			if (pk_json_index(&doc, json, jn, NULL) != 0 || strlen(json) != jn)
				json_ok = 0;
		} else if (rc == 2) {
			pk_buf_printf(&out, "reject L%ld %s [", lineno, err.msg);
			add_shown(&out, raw, rawn);
			pk_buf_addc(&out, ']');
		} else if (rc == 0) {
			pk_buf_adds(&out, "end");
			break;
		} else {
			pk_buf_printf(&out, "fatal %s", err.msg);
			break;
		}
	}
	pk_csv_free(c);
	pk_reader_free(r);
	pk_jdoc_release(&doc);
	return out.p;
}

#define T(lit) transcript(lit, sizeof lit - 1, ',', 0, 0)

static void
test_rows(void)
{
	is_str(T("a,b,c\n1,2,3\n"), "L2 {\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"} end", "plain rows");
	is_str(T("a,b,c\n1,2,3"), "L2 {\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"} end",
	    "last row without a newline");
	is_str(T("name,note\n\"Smith, J\",\"said \"\"hi\"\"\"\n"),
	    "L2 {\"name\":\"Smith, J\",\"note\":\"said \\\"hi\\\"\"} end",
	    "quoted delimiter and doubled quotes (RFC 4180 2.6, 2.7)");
	is_str(T("id,text\n1,\"line one\nline two\nline three\"\n2,x\n"),
	    "L2 {\"id\":\"1\",\"text\":\"line one\\nline two\\nline three\"} L5 {\"id\":\"2\",\"text\":\"x\"} end",
	    "a quoted field over three lines: the row's line is its first");
	is_str(T("a,b\n\"x\n\ny\",2\n"), "L2 {\"a\":\"x\\n\\ny\",\"b\":\"2\"} end",
	    "an empty line inside quotes is part of the field");
	is_str(T("a,b\r\n1,2\r\n\r\n3,4\r\n"),
	    "L2 {\"a\":\"1\",\"b\":\"2\"} L4 {\"a\":\"3\",\"b\":\"4\"} end", "CRLF line ends");
	is_str(T("a\r\n\"x\r\ny\"\r\n"), "L2 {\"a\":\"x\\ny\"} end", "CRLF inside quotes reads as LF");
	is_str(T("\xEF\xBB\xBFid,v\n1,2\n"), "L2 {\"id\":\"1\",\"v\":\"2\"} end", "UTF-8 BOM dropped");
	is_str(T("a\n\n\n1\n\n2\n"), "L4 {\"a\":\"1\"} L6 {\"a\":\"2\"} end",
	    "blank lines skipped, line numbers kept");
	is_str(T("\n\na,b\n1,2\n"), "L4 {\"a\":\"1\",\"b\":\"2\"} end", "blank lines before the header");
	is_str(T("a,b\n 1 , \"2\" \n"), "L2 {\"a\":\" 1 \",\"b\":\" \\\"2\\\" \"} end",
	    "spaces are part of fields, a quote after them is text (RFC 4180 2.4, 2.5)");
	is_str(T("a,b,c\n,,\n1,,\n"),
	    "L2 {\"a\":\"\",\"b\":\"\",\"c\":\"\"} L3 {\"a\":\"1\",\"b\":\"\",\"c\":\"\"} end",
	    "empty fields");
	is_str(T("a,b\n\"\",\"\"\"\"\n"), "L2 {\"a\":\"\",\"b\":\"\\\"\"} end", "empty quoted field and a lone quote");
	is_str(T("k,v\nback\\slash,\"tab\there\"\nctl\x01,caf\xC3\xA9\n"),
	    "L2 {\"k\":\"back\\\\slash\",\"v\":\"tab\\there\"} L3 {\"k\":\"ctl\\u0001\",\"v\":\"caf\xC3\xA9\"} end",
	    "JSON escaping of backslash, tab and control bytes; UTF-8 kept");
	is_str(transcript("a;b\n1,5;\"x;y\"\n", 14, ';', 0, 0), "L2 {\"a\":\"1,5\",\"b\":\"x;y\"} end",
	    "semicolon delimiter");
	is_str(transcript("a\tb\n1\t2 3\n", 10, '\t', 0, 0), "L2 {\"a\":\"1\",\"b\":\"2 3\"} end",
	    "tab delimiter");
	is_str(T("n\n0012\n"), "L2 {\"n\":\"0012\"} end", "numbers stay strings as written");
	ok(json_ok, "every row is a valid JSON object of the right length");
}

static void
test_header(void)
{
	is_str(T("a,b\n"), "end", "header only");
	is_str(T("a,b"), "end", "header only, no newline");
	is_str(T(""), "end", "empty input");
	is_str(T("\n\r\n\n"), "end", "blank input");
	is_str(T("a,,a,a_2,a,\n1,2,3,4,5,6\n"),
	    "L2 {\"a\":\"1\",\"2\":\"2\",\"a_3\":\"3\",\"a_2\":\"4\",\"a_4\":\"5\",\"6\":\"6\"} end",
	    "repeated names numbered, empty names are column numbers, written names kept");
	is_str(T("2,\n1,2\n"), "L2 {\"2\":\"1\",\"2_2\":\"2\"} end", "a made-up name avoids a written one");
	is_str(T("\"first name\",\"a,b\"\nx,y\n"), "L2 {\"first name\":\"x\",\"a,b\":\"y\"} end",
	    "quoted header names");
	is_str(T("a,\xFF\n1,2\n"), "fatal t.csv:1: header column 2 is not valid UTF-8 text",
	    "header with invalid UTF-8 is fatal");

	{
		struct pk_err err = PK_ERR_INIT;
		struct pk_reader *r = pk_reader_open_mem("h.csv", "x,,x\n1,2,3\n", 11, 0, &err);
		struct pk_csv *c = pk_csv_new(r, ',');
		const char *json, *raw;
		size_t jn, rawn;
		long lineno;

		is_int(pk_csv_ncols(c), 0, "no columns before the first row");
		is_int(pk_csv_next(c, &json, &jn, &raw, &rawn, &lineno, &err), 1, "a row");
		is_int(pk_csv_ncols(c), 3, "three columns");
		is_str(pk_csv_colname(c, 0), "x", "column 1 name");
		is_str(pk_csv_colname(c, 1), "2", "column 2 name");
		is_str(pk_csv_colname(c, 2), "x_2", "column 3 name");
		ok(pk_csv_colname(c, 3) == NULL, "no column 4");
		is_mem(raw, rawn, "1,2,3", 5, "raw text of the row");
		pk_csv_free(c);
		pk_reader_free(r);
		pk_csv_free(NULL);
	}
}

static void
test_rejects(void)
{
	is_str(T("a,b\n1,2,3\n4\n5,6\n"),
	    "reject L2 row has 3 fields, header has 2 [1,2,3] "
	    "reject L3 row has 1 field, header has 2 [4] L4 {\"a\":\"5\",\"b\":\"6\"} end",
	    "ragged rows rejected with their raw text, reading goes on");
	is_str(T("a,b\n1,\"x\ny\",3\r\n5,6\n"),
	    "reject L2 row has 3 fields, header has 2 [1,\"x\\ny\",3\\r] L4 {\"a\":\"5\",\"b\":\"6\"} end",
	    "raw of a rejected row over two lines, as read");
	is_str(T("a,b\n1,\xC3\x28\n2,3\n"),
	    "reject L2 invalid UTF-8 in column 'b' [1,\xC3\x28] L3 {\"a\":\"2\",\"b\":\"3\"} end",
	    "invalid UTF-8 in a field rejects the row");
	is_str(T("a,b\n1,2\n3,\"open\n4,5\n"),
	    "L2 {\"a\":\"1\",\"b\":\"2\"} reject L3 unterminated quoted field at end of input "
	    "[3,\"open\\n4,5] end",
	    "unterminated quote at end of input: the rest rejected as one row, its first line");
	is_str(T("a,b\n\"1,2\n"), "reject L2 unterminated quoted field at end of input [\"1,2] end",
	    "unterminated quote in the first row");
	is_str(T("\"a,b\n1,2\n"), "fatal t.csv:1: header: unterminated quoted field at end of input",
	    "unterminated quote in the header is fatal");
}

static void
test_caps(void)
{
	static const char runaway[] = "a,b\n1,\"aaaaaaaaaaaaaaaaaaaa\nbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n"
	    "cccccccccccccccccccccc\"\n3,4\n";
	static const char longrow[] = "a\n0123456789012345678901234567890123456789\n5\n";
	static const char longline[] = "a,b\n1,2\n0123456789012345678901234567890123456789\n7,8\n";

	/* Lines 2-3 are 23 + 1 + 30 bytes; line 4 takes the row past 64. */
	is_str(transcript(runaway, sizeof runaway - 1, ',', 0, 64),
	    "reject L2 row longer than 64 bytes, over 3 lines (a quoted field left open?) "
	    "[1,\"aaaaaaaaaaaaaaaaaaaa\\nbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\\nccccccccc] "
	    "L5 {\"a\":\"3\",\"b\":\"4\"} end",
	    "a row over the cap is rejected, raw cut at the cap, reading resumes at the next line");
	is_str(transcript(longrow, sizeof longrow - 1, ',', 0, 16),
	    "reject L2 row longer than 16 bytes [0123456789012345] L3 {\"a\":\"5\"} end",
	    "a one-line row over the cap");
	is_str(transcript(longline, sizeof longline - 1, ',', 16, 16),
	    "L2 {\"a\":\"1\",\"b\":\"2\"} reject L3 line longer than 16 bytes [0123456789012345] "
	    "L4 {\"a\":\"7\",\"b\":\"8\"} end",
	    "a line over the reader's max_line is rejected");
	is_str(transcript(runaway, sizeof runaway - 1, ',', 0, 0),
	    "L2 {\"a\":\"1\",\"b\":\"aaaaaaaaaaaaaaaaaaaa\\nbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\\ncccccccccccccccccccccc\"} "
	    "L5 {\"a\":\"3\",\"b\":\"4\"} end",
	    "the same input within the default cap");
	is_str(transcript("aaaaaaaaaaaaaaaaaaaa,b\n1,2\n", 27, ',', 0, 8),
	    "fatal t.csv:1: header: row longer than 8 bytes", "a header over the cap is fatal");
}

int
main(void)
{
	json_ok = 1;
	test_rows();
	test_header();
	test_rejects();
	test_caps();
	return tap_done();
}
