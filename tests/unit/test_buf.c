/*
 * test_buf - growable buffers, JSON string escaping, base64, doubles,
 * UTF-8 validation, and the error record's exit statuses.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "tests/unit/tap.h"

static const char *
json(const char *s, size_t n)
{
	static struct pk_buf b;

	pk_buf_reset(&b);
	pk_buf_add_json_str(&b, s, n);
	return b.p;
}

static const char *
b64(const char *s, size_t n)
{
	static struct pk_buf b;

	pk_buf_reset(&b);
	pk_buf_add_base64(&b, s, n);
	return b.p ? b.p : "";
}

static const char *
dbl(double v)
{
	static struct pk_buf b;

	pk_buf_reset(&b);
	pk_buf_add_double(&b, v);
	return b.p;
}

static const char *
i64(int64_t v)
{
	static struct pk_buf b;

	pk_buf_reset(&b);
	pk_buf_add_i64(&b, v);
	return b.p;
}

int
main(void)
{
	struct pk_buf b = PK_BUF_INIT;
	struct pk_err err = PK_ERR_INIT;
	size_t i, n;
	char *p;

	/* growth keeps the bytes and the terminating NUL */
	for (i = 0; i < 10000; i++)
		pk_buf_addc(&b, (char)('a' + i % 26));
	is_int(b.len, 10000, "buf: 10000 bytes appended");
	ok(b.p[9999] == 'a' + 9999 % 26 && b.p[10000] == '\0', "buf: last byte and NUL");
	pk_buf_reset(&b);
	is_int(b.len, 0, "buf: reset empties");
	ok(b.cap >= 10001, "buf: reset keeps memory");
	pk_buf_printf(&b, "%s-%d", "x", 42);
	is_str(b.p, "x-42", "buf: printf");
	p = pk_buf_detach(&b, &n);
	is_str(p, "x-42", "buf: detach gives the bytes");
	is_int(n, 4, "buf: detach gives the length");
	ok(b.p == NULL && b.len == 0 && b.cap == 0, "buf: detach leaves INIT");
	free(p);
	p = pk_buf_detach(&b, &n);
	is_str(p, "", "buf: detach of an empty buffer is an empty string");
	free(p);

	/* JSON strings (RFC 8259 section 7) */
	is_str(json("plain", 5), "\"plain\"", "json: plain text");
	is_str(json("a\"b\\c", 5), "\"a\\\"b\\\\c\"", "json: quote and backslash");
	is_str(json("\n\r\t\b\f", 5), "\"\\n\\r\\t\\b\\f\"", "json: short escapes");
	is_str(json("\x01\x1f", 2), "\"\\u0001\\u001f\"", "json: other control characters");
	is_str(json("a\0b", 3), "\"a\\u0000b\"", "json: NUL byte");
	is_str(json("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9), "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
	    "json: UTF-8 kept as is");
	is_str(json("a\xffz", 3), "\"a\xef\xbf\xbdz\"", "json: invalid byte becomes U+FFFD");
	is_str(json("\xed\xa0\x80", 3), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"",
	    "json: UTF-8-encoded surrogate is invalid");
	is_str(json("/", 1), "\"/\"", "json: slash not escaped");

	/* base64 (RFC 4648 section 10 vectors) */
	is_str(b64("", 0), "", "base64: empty");
	is_str(b64("f", 1), "Zg==", "base64: f");
	is_str(b64("fo", 2), "Zm8=", "base64: fo");
	is_str(b64("foo", 3), "Zm9v", "base64: foo");
	is_str(b64("foob", 4), "Zm9vYg==", "base64: foob");
	is_str(b64("fooba", 5), "Zm9vYmE=", "base64: fooba");
	is_str(b64("foobar", 6), "Zm9vYmFy", "base64: foobar");
	is_str(b64("\xff\xfe\x00", 3), "//4A", "base64: high bytes");

	/* bytes: a string when UTF-8, else {"base64":..}, NULL as null */
	pk_buf_reset(&b);
	pk_buf_add_json_bytes(&b, "k\xc3\xa9", 3);
	pk_buf_addc(&b, ' ');
	pk_buf_add_json_bytes(&b, "\xff\x00", 2);
	pk_buf_addc(&b, ' ');
	pk_buf_add_json_bytes(&b, NULL, 0);
	pk_buf_addc(&b, ' ');
	pk_buf_add_json_bytes(&b, "", 0);
	is_str(b.p, "\"k\xc3\xa9\" {\"base64\":\"/wA=\"} null \"\"", "json bytes: UTF-8, binary, NULL, empty");

	/* numbers */
	is_str(i64(0), "0", "i64: 0");
	is_str(i64(-42), "-42", "i64: negative");
	is_str(i64(INT64_MAX), "9223372036854775807", "i64: max");
	is_str(i64(INT64_MIN), "-9223372036854775808", "i64: min");
	is_str(dbl(3), "3", "double: integral without .0");
	is_str(dbl(-0.5), "-0.5", "double: fraction");
	is_str(dbl(0.1), "0.1", "double: shortest round-trip text");
	is_str(dbl(1.0 / 3), "0.3333333333333333", "double: 17 significant digits when needed");
	is_str(dbl(1e300), "1e+300", "double: large values in exponent form");
	is_str(dbl(0.30000000000000004), "0.30000000000000004", "double: 17 digits when 15 do not round-trip");
	is_str(dbl(NAN), "null", "double: NaN is null");
	is_str(dbl(INFINITY), "null", "double: infinity is null");

	/* UTF-8 validation */
	ok(pk_utf8_valid("", 0), "utf8: empty");
	ok(pk_utf8_valid("h\xc3\xa9", 3), "utf8: two-byte");
	ok(pk_utf8_valid("\xf4\x8f\xbf\xbf", 4), "utf8: U+10FFFF");
	ok(!pk_utf8_valid("\xf4\x90\x80\x80", 4), "utf8: above U+10FFFF");
	ok(!pk_utf8_valid("\xc0\xaf", 2), "utf8: overlong");
	ok(!pk_utf8_valid("\xe0\x80\xaf", 3), "utf8: overlong three-byte");
	ok(!pk_utf8_valid("\x80", 1), "utf8: lone continuation");
	ok(!pk_utf8_valid("\xe2\x82", 2), "utf8: truncated");
	is_int((int)pk_utf8_prefix("ab\xc3\xa9", 4), 4, "utf8 prefix: all valid");
	is_int((int)pk_utf8_prefix("h\xc3\xa9\xffz", 5), 3, "utf8 prefix: up to a bad byte");
	is_int((int)pk_utf8_prefix("ab\xe2\x82", 4), 2, "utf8 prefix: a truncated sequence is not in it");

	/* errors */
	is_int(pk_err_set(&err, PK_ERR_DATA, "x %d", 1), -1, "err: set returns -1");
	is_str(err.msg, "x 1", "err: message");
	is_int(pk_err_exit(&err), 3, "err: DATA is exit 3");
	err.kind = PK_ERR_USAGE;
	is_int(pk_err_exit(&err), 2, "err: USAGE is exit 2");
	err.kind = PK_ERR_IO;
	is_int(pk_err_exit(&err), 4, "err: IO is exit 4");
	err.kind = PK_ERR_KAFKA;
	is_int(pk_err_exit(&err), 4, "err: KAFKA is exit 4");
	err.kind = PK_ERR_VERDICT;
	is_int(pk_err_exit(&err), 1, "err: VERDICT is exit 1");
	errno = ENOSPC;
	pk_err_errno(&err, PK_ERR_IO, "%s", "/dev/full");
	is_str(err.msg, "/dev/full: No space left on device", "err: errno appended");
	pk_err_clear(&err);
	is_int(pk_err_exit(&err), 0, "err: cleared is exit 0");
	is_int(pk_err_set(NULL, PK_ERR_IO, "ignored"), -1, "err: NULL-safe");

	pk_buf_release(&b);
	return tap_done();
}
