/*
 * test_json - the span scanner: what it accepts, the exact message and byte
 * position of what it refuses, lookups, decoding, keys and numbers.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/json.h"
#include "tests/unit/tap.h"

/* Index s (explicit length: some cases hold NUL bytes) and compare the
 * error message; want NULL means the text must be accepted. */
static void
check_index(const char *s, size_t n, const char *want, const char *name)
{
	struct pk_jdoc doc = PK_JDOC_INIT;
	struct pk_err err = PK_ERR_INIT;
	int rc = pk_json_index(&doc, s, n, &err);

	if (want == NULL) {
		if (!ok(rc == 0, "accepts %s", name))
			printf("#   error: %s\n", err.msg);
	} else {
		is_int(rc, -1, "refuses %s", name);
		is_str(err.msg, want, "message for %s", name);
		is_int(err.kind, PK_ERR_DATA, "kind for %s is DATA", name);
	}
	pk_jdoc_release(&doc);
}

#define IDX(lit, want) check_index(lit, sizeof lit - 1, want, #lit)

static void
test_invalid(void)
{
	/* Structure (RFC 8259 section 2 and 4). */
	IDX("{\"a\" 1}", "expected ':' at byte 6");
	IDX("{\"a\":1,}", "trailing comma at byte 7");
	IDX("{\"a\":[1,]}", "trailing comma at byte 8");
	IDX("{\"a\":{\"b\":1,}}", "trailing comma at byte 12");
	IDX("{1:2}", "expected string key at byte 2");
	IDX("{\"a\":1,2}", "expected string key at byte 8");
	IDX("{'a':1}", "expected string key at byte 2");
	IDX("{\"a\":1 \"b\":2}", "expected ',' or '}' at byte 8");
	IDX("{\"a\":[1 2]}", "expected ',' or ']' at byte 9");
	IDX("{\"a\":{\"b\" 2}}", "expected ':' at byte 11");
	IDX("{\"a\":1}x", "trailing characters at byte 8");
	IDX("{\"a\":1} {\"b\":2}", "trailing characters at byte 9");
	IDX("{\"a\":1}\r\n,", "trailing characters at byte 10");
	IDX("{\"a\":1", "unexpected end of input");
	IDX("{", "unexpected end of input");
	IDX("{\"a\":", "unexpected end of input");
	IDX("{\"a\":[", "unexpected end of input");
	IDX("{\"a\":[1,", "unexpected end of input");
	IDX("{\"a\":{\"b\":1}", "unexpected end of input");

	/* Not an object at all. */
	IDX("", "not a JSON object");
	IDX("   \t", "not a JSON object");
	IDX("[1,2]", "not a JSON object");
	IDX("\"x\"", "not a JSON object");
	IDX("null", "not a JSON object");
	IDX("42", "not a JSON object");
	IDX("hello world", "not a JSON object");
	IDX("\xEF\xBB\xBF{}", "not a JSON object");	/* RFC 8259 8.1: no BOM */

	/* Values (RFC 8259 sections 3 and 6). */
	IDX("{\"a\":NaN}", "expected value at byte 6");
	IDX("{\"a\":Infinity}", "expected value at byte 6");
	IDX("{\"a\":+1}", "expected value at byte 6");
	IDX("{\"a\":.5}", "expected value at byte 6");
	IDX("{\"a\":True}", "expected value at byte 6");
	IDX("{\"a\":}", "expected value at byte 6");
	IDX("{\"a\":tru}", "invalid literal at byte 6");
	IDX("{\"a\":nul", "invalid literal at byte 6");
	IDX("{\"a\":01}", "invalid number at byte 6");
	IDX("{\"a\":-01}", "invalid number at byte 6");
	IDX("{\"a\":00}", "invalid number at byte 6");
	IDX("{\"a\":1.}", "invalid number at byte 6");
	IDX("{\"a\":1.e3}", "invalid number at byte 6");
	IDX("{\"a\":-}", "invalid number at byte 6");
	IDX("{\"a\":1e}", "invalid number at byte 6");
	IDX("{\"a\":1e+}", "invalid number at byte 6");
	IDX("{\"a\":[1,-x]}", "invalid number at byte 9");
	IDX("{\"a\":0x10}", "expected ',' or '}' at byte 7");
	IDX("{\"a\":truex}", "expected ',' or '}' at byte 10");

	/* Strings (RFC 8259 section 7). */
	IDX("{\"a\":\"x", "unterminated string at byte 6");
	IDX("{\"a\":\"x\\", "unterminated string at byte 6");
	IDX("{\"abc", "unterminated string at byte 2");
	IDX("{\"a\":\"x\ty\"}", "control character in string at byte 8");
	IDX("{\"a\":\"x\ny\"}", "control character in string at byte 8");
	IDX("{\"a\":\"x\0y\"}", "control character in string at byte 8");
	IDX("{\"a\x1f\":1}", "control character in string at byte 4");
	IDX("{\"a\":\"\\x\"}", "invalid escape at byte 7");
	IDX("{\"a\":\"\\'\"}", "invalid escape at byte 7");
	IDX("{\"a\":\"\\u12G4\"}", "invalid \\u escape at byte 7");
	IDX("{\"a\":\"\\u12\"}", "invalid \\u escape at byte 7");
	IDX("{\"a\":\"\\U0041\"}", "invalid escape at byte 7");
	IDX("{\"a\":\"\\uD800\"}", "lone surrogate in \\u escape at byte 7");
	IDX("{\"a\":\"\\uDC00\\uD800\"}", "lone surrogate in \\u escape at byte 7");
	IDX("{\"a\":\"\\uD800\\u0041\"}", "lone surrogate in \\u escape at byte 7");
	IDX("{\"a\":\"\\uDBFF\\uDBFF\"}", "lone surrogate in \\u escape at byte 7");
	IDX("{\"a\":\"ok\\uDFFF\"}", "lone surrogate in \\u escape at byte 9");

	/* UTF-8 (RFC 3629 section 3 and 4; cases after Markus Kuhn's
	 * UTF-8-test.txt, sections 3-5). */
	IDX("{\"a\":\"\xC0\xAF\"}", "invalid UTF-8 at byte 7");		/* overlong '/' */
	IDX("{\"a\":\"\xE0\x80\xAF\"}", "invalid UTF-8 at byte 7");	/* overlong, 3 bytes */
	IDX("{\"a\":\"\xF0\x8F\xBF\xBF\"}", "invalid UTF-8 at byte 7");	/* overlong, 4 bytes */
	IDX("{\"a\":\"x\x80\"}", "invalid UTF-8 at byte 8");		/* lone continuation */
	IDX("{\"a\":\"\xBF\"}", "invalid UTF-8 at byte 7");
	IDX("{\"a\":\"\xED\xA0\x80\"}", "invalid UTF-8 at byte 7");	/* U+D800 encoded */
	IDX("{\"a\":\"\xED\xBF\xBF\"}", "invalid UTF-8 at byte 7");	/* U+DFFF encoded */
	IDX("{\"a\":\"\xE2\x82\"}", "invalid UTF-8 at byte 7");		/* truncated euro sign */
	IDX("{\"a\":\"\xF0\x9F\x98\"}", "invalid UTF-8 at byte 7");	/* truncated emoji */
	IDX("{\"a\":\"\xF4\x90\x80\x80\"}", "invalid UTF-8 at byte 7");	/* above U+10FFFF */
	IDX("{\"a\":\"\xF5\x80\x80\x80\"}", "invalid UTF-8 at byte 7");
	IDX("{\"a\":\"\xFE\xFF\"}", "invalid UTF-8 at byte 7");
	IDX("{\"\xFF\":1}", "invalid UTF-8 at byte 3");
	IDX("{\"a\":\"abcdefghij\xC3\"}", "invalid UTF-8 at byte 17");
	IDX("{\"a\":\"\xE2\x82", "invalid UTF-8 at byte 7");

	/* Accepted. */
	IDX("{}", NULL);
	IDX("  {  }  ", NULL);
	IDX("{\"a\":1}\r", NULL);
	IDX("\t{ \"a\" : [ ] , \"b\" : { } }\r\n", NULL);
	IDX("{\"a\":\"\x7F\"}", NULL);					/* DEL is not a control character for JSON */
	IDX("{\"a\":\"\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\"}", NULL);
	IDX("{\"a\":\"\xEE\x80\x80\"}", NULL);				/* U+E000, after the surrogates */
	IDX("{\"a\":\"\\uD83D\\uDE00 \\u0000 \\/\\b\\f\\n\\r\\t\\\"\\\\\"}", NULL);
	IDX("{\"a\":-0,\"b\":0.5e-3,\"c\":1E+10,\"d\":-12.25E2,\"e\":[true,false,null]}", NULL);
}

/* A special byte at every offset of a long string, to cover each lane of
 * the 8-byte scan and the tail loop. */
static void
test_swar_lanes(void)
{
	char s[64], want[64];
	struct pk_jdoc doc = PK_JDOC_INIT;
	struct pk_err err = PK_ERR_INIT;
	int i, bad = 0, rc;
	size_t n;

	for (i = 0; i < 24; i++) {
		/* {"a":"xxxx...x<ctl>xxx"} */
		n = (size_t)snprintf(s, sizeof s, "{\"a\":\"%.*s%c%.*s\"}", i,
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0x01, 23 - i, "yyyyyyyyyyyyyyyyyyyyyyyy");
		snprintf(want, sizeof want, "control character in string at byte %d", 7 + i);
		rc = pk_json_index(&doc, s, n, &err);
		if (rc != -1 || strcmp(err.msg, want) != 0) {
			bad++;
			printf("# lane %d: %s\n", i, err.msg);
		}
		s[6 + i] = (char)0x80;
		snprintf(want, sizeof want, "invalid UTF-8 at byte %d", 7 + i);
		rc = pk_json_index(&doc, s, n, &err);
		if (rc != -1 || strcmp(err.msg, want) != 0) {
			bad++;
			printf("# lane %d: %s\n", i, err.msg);
		}
		s[6 + i] = '"';
		snprintf(want, sizeof want, "expected ',' or '}' at byte %d", 8 + i);
		rc = pk_json_index(&doc, s, n, &err);
		if (i < 23 && (rc != -1 || strcmp(err.msg, want) != 0)) {
			bad++;
			printf("# lane %d: %s\n", i, err.msg);
		}
		/* a two-byte character straddling the lane boundary is fine */
		n = (size_t)snprintf(s, sizeof s, "{\"a\":\"%.*s\xC3\xA9%.*s\"}", i,
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 23 - i, "yyyyyyyyyyyyyyyyyyyyyyyy");
		if (pk_json_index(&doc, s, n, &err) != 0 || doc.nf != 1 || doc.f[0].v.n != 27) {
			bad++;
			printf("# lane %d: %s\n", i, err.msg);
		}
	}
	is_int(bad, 0, "special bytes found in every lane of the 8-byte scan");
	pk_jdoc_release(&doc);
}

static void
test_depth(void)
{
	struct pk_jdoc doc = PK_JDOC_INIT;
	struct pk_err err = PK_ERR_INIT;
	static char deep[200000];
	size_t n, i, levels;

	doc.max_depth = 3;
	is_int(pk_json_index(&doc, "{\"a\":{\"b\":{\"c\":1}}}", 19, &err), 0,
	    "depth 3 within a limit of 3");
	is_int(pk_json_index(&doc, "{\"a\":{\"b\":{\"c\":{}}}}", 20, &err), -1,
	    "depth 4 over a limit of 3");
	is_str(err.msg, "nesting deeper than 3 at byte 16", "depth message names the limit and the byte");
	is_int(pk_json_index(&doc, "{\"a\":[[1],[[2]]]}", 17, &err), -1, "arrays count as levels");
	is_str(err.msg, "nesting deeper than 3 at byte 12", "depth message for arrays");

	/* The default limit, 512 levels counting the outer object. */
	doc.max_depth = 512;
	for (levels = 511; levels <= 512; levels++) {
		n = 0;
		memcpy(deep, "{\"a\":", 5);
		n = 5;
		for (i = 0; i < levels; i++)
			deep[n++] = '[';
		for (i = 0; i < levels; i++)
			deep[n++] = ']';
		deep[n++] = '}';
		if (levels == 511)
			is_int(pk_json_index(&doc, deep, n, &err), 0, "512 levels accepted by default");
		else {
			is_int(pk_json_index(&doc, deep, n, &err), -1, "513 levels refused by default");
			is_str(err.msg, "nesting deeper than 512 at byte 517", "default depth message");
		}
	}
	/* A hostile line far deeper than any limit costs no stack. */
	doc.max_depth = 1000000;
	memcpy(deep, "{\"a\":", 5);
	memset(deep + 5, '[', sizeof deep - 5);
	is_int(pk_json_index(&doc, deep, sizeof deep, &err), -1, "200000 open brackets refused");
	is_str(err.msg, "nesting deeper than 4096 at byte 4101", "limits above 4096 are cut to 4096");
	pk_jdoc_release(&doc);
}

static void
test_members(void)
{
	static const char s[] = " {\"s\":\"x\\\"y\",\"n\":-1.5e+3,\"t\":true,\"f\":false,\"z\":null,"
	    "\"o\":{\"k\":[1,{\"x\":2}]},\"a\":[],\"e\":\"\",\"k\\u00e9\":0}\r";
	struct pk_jdoc doc = PK_JDOC_INIT;
	struct pk_err err = PK_ERR_INIT;
	static const struct {
		const char *k, *v;
		enum pk_jtype t;
		unsigned esc;
	} want[] = {
		{ "s", "\"x\\\"y\"", PK_J_STR, 1 },
		{ "n", "-1.5e+3", PK_J_NUM, 0 },
		{ "t", "true", PK_J_BOOL, 0 },
		{ "f", "false", PK_J_BOOL, 0 },
		{ "z", "null", PK_J_NULL, 0 },
		{ "o", "{\"k\":[1,{\"x\":2}]}", PK_J_OBJ, 0 },
		{ "a", "[]", PK_J_ARR, 0 },
		{ "e", "\"\"", PK_J_STR, 0 },
		{ "k\\u00e9", "0", PK_J_NUM, 0 },
	};
	size_t i, nw = sizeof want / sizeof want[0];

	is_int(pk_json_index(&doc, s, sizeof s - 1, &err), 0, "member corpus indexes");
	is_int(doc.nf, nw, "nine members recorded");
	for (i = 0; i < nw && i < doc.nf; i++) {
		is_mem(doc.f[i].k, doc.f[i].kn, want[i].k, strlen(want[i].k), "key %zu span", i);
		is_mem(doc.f[i].v.p, doc.f[i].v.n, want[i].v, strlen(want[i].v), "value %zu span", i);
		is_int(doc.f[i].v.type, want[i].t, "value %zu type", i);
		is_int(doc.f[i].v.escaped, want[i].esc, "value %zu escaped flag", i);
	}
	is_int(doc.f[8].kescaped, 1, "escaped key flagged");

	/* The member array is reused: a narrower line leaves no stale members. */
	is_int(pk_json_index(&doc, "{\"only\":1}", 10, &err), 0, "second line indexes");
	is_int(doc.nf, 1, "one member after reuse");
	is_int(pk_json_index(&doc, "{\"x\":1,}", 8, &err), -1, "a bad line after a good one");
	pk_jdoc_release(&doc);
	ok(doc.f == NULL && doc.nf == 0 && doc.max_depth == 512, "release frees and keeps the limit");
}

/* Look path up in text; the value's decoded text, or "<absent>". */
static const char *
get(const char *text, const char *dotted)
{
	static struct pk_buf out = PK_BUF_INIT;
	struct pk_jdoc doc = PK_JDOC_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_path path;
	struct pk_jval v;
	const char *r;

	pk_buf_reset(&out);
	if (pk_json_index(&doc, text, strlen(text), &err) < 0) {
		pk_buf_adds(&out, err.msg);
	} else if (pk_path_compile(&path, dotted, &err) < 0) {
		pk_buf_adds(&out, err.msg);
	} else {
		if (pk_json_get(&doc, &path, &v))
			pk_jval_text(&v, &out);
		else
			pk_buf_adds(&out, "<absent>");
		pk_path_release(&path);
	}
	pk_jdoc_release(&doc);
	r = out.p;
	return r;
}

static void
test_get(void)
{
	const char *u = "{\"user\":{\"id\":\"u1\",\"geo\":{\"cc\":\"DE\",\"cc\":\"FR\"}},\"n\":3}";

	is_str(get("{\"a\":1,\"b\":2,\"a\":3}", "a"), "3", "later duplicate wins at the top level");
	is_str(get(u, "user.geo.cc"), "FR", "later duplicate wins in a nested object");
	is_str(get(u, "user.id"), "u1", "dotted path");
	is_str(get(u, "user"), "{\"id\":\"u1\",\"geo\":{\"cc\":\"DE\",\"cc\":\"FR\"}}",
	    "an object's text is its span");
	is_str(get(u, "user.nope"), "<absent>", "absent nested member");
	is_str(get(u, "user.id.x"), "<absent>", "a path through a string is absent");
	is_str(get(u, "n.x"), "<absent>", "a path through a number is absent");
	is_str(get(u, "nope"), "<absent>", "absent top-level member");
	is_str(get(u, "us"), "<absent>", "a key prefix does not match");
	is_str(get("{\"a.b\":1,\"a\":{\"b\":2}}", "a\\.b"), "1", "\\. is a dot inside a key");
	is_str(get("{\"a.b\":1,\"a\":{\"b\":2}}", "a.b"), "2", "an unescaped dot descends");
	is_str(get("{\"a\\\\b\":7}", "a\\\\b"), "7", "\\\\ is a backslash inside a key");
	is_str(get("{\"a\\u0062\":5}", "ab"), "5", "escaped key matches its decoded text");
	is_str(get("{\"\\u00e9t\\u00e9\":\"summer\"}", "\xC3\xA9t\xC3\xA9"), "summer",
	    "\\u escapes in keys decode to UTF-8");
	is_str(get("{\"o\" : { \"k\" : [ 1 , 2 ] , \"s\" : \"}\\\"]\" } }", "o.s"), "}\"]",
	    "skipper steps over brackets and quotes inside strings");
	is_str(get("{\"o\":{\"a\":[{\"b\":{\"c\":1}}],\"z\":{\"y\":null}}}", "o.z.y"), "null",
	    "skipper steps over nested containers");
	is_str(get("{\"o\":{}}", "o.x"), "<absent>", "empty nested object");
	is_str(get("{\"a\":1}", ""), "empty field path", "empty path refused");
	is_str(get("{\"a\":1}", "a..b"), "empty segment in field path 'a..b'", "empty segment refused");
	is_str(get("{\"a\":1}", "a."), "empty segment in field path 'a.'", "trailing dot refused");
}

static void
test_path(void)
{
	struct pk_path p;
	struct pk_err err = PK_ERR_INIT;

	is_int(pk_path_compile(&p, "a\\.b.c\\d", &err), 0, "path with escapes compiles");
	is_int(p.nseg, 2, "two segments");
	is_str(p.seg[0], "a.b", "first segment has the literal dot");
	is_str(p.seg[1], "c\\d", "a backslash before another byte is kept");
	is_str(p.text, "a\\.b.c\\d", "text kept as given");
	pk_path_release(&p);
	is_int(pk_path_compile(&p, ".a", &err), -1, "leading dot refused");
	is_int(err.kind, PK_ERR_USAGE, "path errors are USAGE");
	ok(p.seg == NULL && p.nseg == 0, "failed compile leaves nothing to release");
	pk_path_release(&p);
}

static void
test_paths(void)
{
	struct pk_path *ps = NULL;
	struct pk_err err = PK_ERR_INIT;
	size_t n = 0, i;

	is_int(pk_paths_compile(&ps, &n, "a.b,c", &err), 0, "a key list compiles");
	is_int(n, 2, "two parts");
	is_str(ps[0].text, "a.b", "first part");
	is_int(ps[0].nseg, 2, "first part has two segments");
	is_str(ps[1].text, "c", "second part");
	is_int(pk_paths_compile(&ps, &n, "d", &err), 0, "another -k adds parts");
	is_int(n, 3, "three parts");
	is_str(ps[2].text, "d", "the added part");
	is_int(pk_paths_compile(&ps, &n, "e,,f", &err), -1, "an empty part is refused");
	is_str(err.msg, "empty field path", "and says so");
	is_int(n, 3, "a refused list adds nothing");
	is_int(pk_paths_compile(&ps, &n, "g.", &err), -1, "an empty segment is refused");
	is_int(n, 3, "still three parts");
	for (i = 0; i < n; i++)
		pk_path_release(&ps[i]);
	free(ps);
}

static void
test_text(void)
{
	struct pk_jval v;
	struct pk_buf b = PK_BUF_INIT;
	static const char s[] = "\"a\\nb\\u00e9\\ud83d\\ude00\\u0000z\\/\\\\\\\"\\t\"";
	static const char want[] = "a\nb\xC3\xA9\xF0\x9F\x98\x80\0z/\\\"\t";

	is_int(pk_json_value(s, sizeof s - 1, &v, NULL), 0, "escaped string is a value");
	pk_jval_text(&v, &b);
	is_mem(b.p, b.len, want, sizeof want - 1, "escapes decoded, \\u0000 kept as a NUL byte");
	ok(pk_jval_str_eq(&v, want, sizeof want - 1), "str_eq compares the decoded text");
	ok(!pk_jval_str_eq(&v, want, sizeof want - 2), "str_eq refuses a prefix");

	pk_buf_reset(&b);
	is_int(pk_json_value(" [1, \"x\"] ", 10, &v, NULL), 0, "array value");
	pk_jval_text(&v, &b);
	is_str(b.p, "[1, \"x\"]", "non-strings append their JSON text");

	is_int(pk_json_value("1 2", 3, &v, NULL), -1, "two values refused");
	{
		struct pk_err err = PK_ERR_INIT;

		pk_json_value("1 2", 3, &v, &err);
		is_str(err.msg, "trailing characters at byte 3", "value: trailing characters");
		pk_json_value("  ", 2, &v, &err);
		is_str(err.msg, "unexpected end of input", "value: blank");
	}
	pk_buf_release(&b);
}

/* The composite key of the given paths over text. */
static const char *
key(const char *text, const char *const *dotted, size_t np, const char *sep, long *missing)
{
	static struct pk_buf out = PK_BUF_INIT;
	struct pk_jdoc doc = PK_JDOC_INIT;
	struct pk_path paths[8];
	size_t i, miss = 99;
	int rc;

	if (pk_json_index(&doc, text, strlen(text), NULL) < 0)
		return "<bad json>";
	for (i = 0; i < np; i++)
		pk_path_compile(&paths[i], dotted[i], NULL);
	rc = pk_json_key(&doc, paths, np, sep, strlen(sep), &out, &miss);
	*missing = rc ? -1 : (long)miss;
	for (i = 0; i < np; i++)
		pk_path_release(&paths[i]);
	pk_jdoc_release(&doc);
	return rc ? out.p : "<none>";
}

static void
test_keys(void)
{
	const char *j = "{\"c\":\"x\\u00e9\",\"n\":1.50,\"i\":-0,\"b\":false,\"z\":null,"
	    "\"o\":{\"id\":7E2},\"arr\":[1, 2]}";
	const char *p1[] = { "c", "n", "i", "b", "o.id" };
	const char *p2[] = { "c", "z", "nope" };
	const char *p3[] = { "nope", "c" };
	const char *p4[] = { "arr" };
	const char *p5[] = { "o.nope" };
	long miss;

	is_str(key(j, p1, 5, "|", &miss), "x\xC3\xA9|1.50|-0|false|7E2",
	    "numbers and booleans keep their text as written");
	is_int(miss, -1, "no part missing");
	is_str(key(j, p1, 2, "::", &miss), "x\xC3\xA9::1.50", "multi-byte separator");
	is_str(key(j, p1, 2, "", &miss), "x\xC3\xA9" "1.50", "empty separator");
	is_str(key(j, p2, 3, "|", &miss), "<none>", "null part: no key");
	is_int(miss, 1, "null part reported by index");
	is_str(key(j, p3, 2, "|", &miss), "<none>", "absent part: no key");
	is_int(miss, 0, "absent part reported by index");
	is_str(key(j, p5, 1, "|", &miss), "<none>", "absent nested part");
	is_int(miss, 0, "absent nested part reported");
	is_str(key(j, p4, 1, "|", &miss), "[1, 2]", "an array's key is its text");
	is_str(key("{\"e\":\"\"}", (const char *[]){ "e" }, 1, "|", &miss), "",
	    "an empty string is a key");
	is_int(miss, -1, "empty string is not missing");
}

static int
num(const char *json, double *d)
{
	struct pk_jval v;

	if (pk_json_value(json, strlen(json), &v, NULL) < 0)
		return -1;
	return pk_jval_num(&v, d);
}

static int
i64(const char *json, int64_t *i)
{
	struct pk_jval v;

	if (pk_json_value(json, strlen(json), &v, NULL) < 0)
		return -1;
	return pk_jval_i64(&v, i);
}

static void
test_numbers(void)
{
	double d = 0;
	int64_t i = 0;
	int b = -1;
	struct pk_jval v;

	is_int(num("12.5", &d), 1, "number");
	ok(d == 12.5, "12.5");
	is_int(num("\"12.5\"", &d), 1, "numeric string (CSV)");
	ok(d == 12.5, "\"12.5\"");
	is_int(num("\"-3e2\"", &d), 1, "numeric string with exponent");
	ok(d == -300, "\"-3e2\"");
	is_int(num("\"\\u0031\\u0032\"", &d), 1, "escaped numeric string");
	ok(d == 12, "\"\\u0031\\u0032\"");
	is_int(num("\" 3 \"", &d), 0, "spaces make a string non-numeric");
	is_int(num("\"\"", &d), 0, "empty string is not numeric");
	is_int(num("\"abc\"", &d), 0, "text is not numeric");
	is_int(num("\"01\"", &d), 0, "leading zero is not a JSON number");
	is_int(num("\"1.\"", &d), 0, "\"1.\" is not a JSON number");
	is_int(num("\"0x10\"", &d), 0, "hex is not a JSON number");
	is_int(num("\"NaN\"", &d), 0, "NaN is not a JSON number");
	is_int(num("true", &d), 0, "boolean is not numeric");
	is_int(num("null", &d), 0, "null is not numeric");
	is_int(num("[1]", &d), 0, "array is not numeric");
	/* Exactly rounded, both on the fast path and through strtod. */
	is_int(num("0.1", &d), 1, "0.1");
	ok(d == 0.1, "0.1 exact");
	is_int(num("-0", &d), 1, "-0");
	ok(d == 0 && signbit(d), "-0 keeps its sign");
	is_int(num("123456789012345678901234567890", &d), 1, "30 digits");
	ok(d == 123456789012345678901234567890.0, "30 digits rounded as strtod");
	is_int(num("2.2250738585072014e-308", &d), 1, "smallest normal");
	ok(d == 2.2250738585072014e-308, "smallest normal exact");
	is_int(num("9007199254740993", &d), 1, "2^53+1");
	ok(d == 9007199254740992.0, "2^53+1 rounds to even");
	is_int(num("1.7976931348623157e308", &d), 1, "largest double");
	ok(d == 1.7976931348623157e308, "largest double exact");
	is_int(num("1e23", &d), 1, "1e23 (just past the exact powers)");
	ok(d == 1e23, "1e23 exact");
	is_int(num("0.000001234", &d), 1, "small fraction");
	ok(d == 0.000001234, "small fraction exact");

	is_int(i64("9223372036854775807", &i), 1, "INT64_MAX");
	ok(i == INT64_MAX, "INT64_MAX value");
	is_int(i64("-9223372036854775808", &i), 1, "INT64_MIN");
	ok(i == INT64_MIN, "INT64_MIN value");
	is_int(i64("9223372036854775808", &i), 0, "INT64_MAX+1 does not fit");
	is_int(i64("-9223372036854775809", &i), 0, "INT64_MIN-1 does not fit");
	is_int(i64("18446744073709551616", &i), 0, "2^64 does not fit");
	is_int(i64("1e3", &i), 0, "1e3 is not an exact integer");
	is_int(i64("1.0", &i), 0, "1.0 is not an exact integer");
	is_int(i64("-0", &i), 1, "-0 is an integer");
	is_int(i, 0, "-0 is 0");
	is_int(i64("\"42\"", &i), 1, "integer string (CSV)");
	is_int(i, 42, "\"42\"");
	is_int(i64("\"4.2\"", &i), 0, "fraction string is not an integer");
	is_int(i64("true", &i), 0, "boolean is not an integer");

	pk_json_value("true", 4, &v, NULL);
	is_int(pk_jval_bool(&v, &b), 1, "true is a boolean");
	is_int(b, 1, "true");
	pk_json_value("false", 5, &v, NULL);
	is_int(pk_jval_bool(&v, &b), 1, "false is a boolean");
	is_int(b, 0, "false");
	pk_json_value("\"true\"", 6, &v, NULL);
	is_int(pk_jval_bool(&v, &b), 0, "a string is not a boolean");
}

static void
test_iterate(void)
{
	const char *s = "{\"o\":{ \"a\" : 1 , \"b\\n\" : [ \"x\" , {} ] , \"c\":\"\\u0041\" },\"e\":{},\"l\":[ ]}";
	struct pk_jdoc doc = PK_JDOC_INIT;
	struct pk_jfield f;
	struct pk_jval v, arr;
	size_t pos = 0;

	is_int(pk_json_index(&doc, s, strlen(s), NULL), 0, "iteration corpus");
	v = doc.f[0].v;
	is_int(pk_jobj_next(&v, &pos, &f), 1, "first member");
	is_mem(f.k, f.kn, "a", 1, "first key");
	is_mem(f.v.p, f.v.n, "1", 1, "first value");
	is_int(pk_jobj_next(&v, &pos, &f), 1, "second member");
	is_mem(f.k, f.kn, "b\\n", 3, "second key undecoded");
	is_int(f.kescaped, 1, "second key escaped");
	is_int(f.v.type, PK_J_ARR, "second value is an array");
	arr = f.v;
	is_int(pk_jobj_next(&v, &pos, &f), 1, "third member");
	is_int(f.v.escaped, 1, "third value escaped");
	is_int(pk_jobj_next(&v, &pos, &f), 0, "end of members");
	is_int(pk_jobj_next(&v, &pos, &f), 0, "end stays end");

	pos = 0;
	is_int(pk_jarr_next(&arr, &pos, &v), 1, "first element");
	is_mem(v.p, v.n, "\"x\"", 3, "first element text");
	is_int(pk_jarr_next(&arr, &pos, &v), 1, "second element");
	is_int(v.type, PK_J_OBJ, "second element is an object");
	is_int(pk_jarr_next(&arr, &pos, &v), 0, "end of elements");

	pos = 0;
	is_int(pk_jobj_next(&doc.f[1].v, &pos, &f), 0, "empty object has no members");
	pos = 0;
	is_int(pk_jarr_next(&doc.f[2].v, &pos, &v), 0, "empty array has no elements");
	pos = 0;
	is_int(pk_jarr_next(&doc.f[0].v, &pos, &v), 0, "an object is not iterated as an array");
	pk_jdoc_release(&doc);
}

int
main(void)
{
	test_invalid();
	test_swar_lanes();
	test_depth();
	test_members();
	test_get();
	test_path();
	test_paths();
	test_text();
	test_keys();
	test_numbers();
	test_iterate();
	return tap_done();
}
