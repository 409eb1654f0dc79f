/*
 * test_kcat - kcat -J envelopes: exact output, round trips, base64, unwrap.
 */
#include <string.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/kcat.h"
#include "tests/unit/tap.h"

static const struct pk_krec empty_rec = { NULL, 0, -1, -1, PK_KTS_NONE, 0, -1, NULL, 0,
    NULL, 0, NULL, 0 };

static void
test_write_exact(void)
{
	/* The expected line was printed by `kcat -C -J` (kcat 1.7.1, librdkafka
	 * 2.0.2) for the same record on the mock cluster. */
	struct pk_khdr h[2] = { { "h1", 2, "x", 1 }, { "h2", 2, NULL, 0 } };
	struct pk_krec r = empty_rec;
	struct pk_buf b = PK_BUF_INIT;

	r.topic = "t1";
	r.topiclen = 2;
	r.partition = 1;
	r.offset = 1;
	r.tstype = PK_KTS_CREATE;
	r.ts = 1795628862651;
	r.broker = 1;
	r.hdrs = h;
	r.nhdrs = 2;
	r.key = "k2";
	r.keylen = 2;
	r.payload = "{\"a\":1}";
	r.len = 7;
	pk_kcat_write(&b, &r);
	is_str(b.p, "{\"topic\":\"t1\",\"partition\":1,\"offset\":1,\"tstype\":\"create\","
	    "\"ts\":1795628862651,\"broker\":1,\"headers\":[\"h1\",\"x\",\"h2\",null],"
	    "\"key\":\"k2\",\"payload\":\"{\\\"a\\\":1}\"}\n", "kcat's own line, byte for byte");

	/* No headers, null key, escapes as yajl writes them (also from kcat). */
	pk_buf_reset(&b);
	r.hdrs = NULL;
	r.nhdrs = 0;
	r.key = NULL;
	r.payload = "a/b\t\x01\xc3\xa9\x7f\"\\";
	r.len = strlen(r.payload);
	r.tstype = PK_KTS_LOGAPPEND;
	pk_kcat_write(&b, &r);
	is_str(b.p, "{\"topic\":\"t1\",\"partition\":1,\"offset\":1,\"tstype\":\"logappend\","
	    "\"ts\":1795628862651,\"broker\":1,\"key\":null,"
	    "\"payload\":\"a/b\\t\\u0001\xc3\xa9\x7f\\\"\\\\\"}\n", "escapes and null key");

	/* No timestamp: kcat leaves out tstype and ts together. */
	pk_buf_reset(&b);
	r.tstype = PK_KTS_NONE;
	r.payload = NULL;
	pk_kcat_write(&b, &r);
	is_str(b.p, "{\"topic\":\"t1\",\"partition\":1,\"offset\":1,\"broker\":1,"
	    "\"key\":null,\"payload\":null}\n", "no timestamp, null payload");

	/* Not UTF-8: pipekit's base64 object instead of kcat's raw bytes. */
	pk_buf_reset(&b);
	r.key = "k\xff";
	r.keylen = 2;
	r.payload = "\xfe\xff\x00z";
	r.len = 4;
	pk_kcat_write(&b, &r);
	ok(strstr(b.p, "\"key\":{\"base64\":\"a/8=\"},\"payload\":{\"base64\":\"/v8Aeg==\"}}\n") != NULL,
	    "non-UTF-8 key and payload as base64");
	pk_buf_reset(&b);
	r.tstype = PK_KTS_UNKNOWN;
	pk_kcat_write(&b, &r);
	ok(strstr(b.p, "\"tstype\":\"unknown\",\"ts\":1795628862651,") != NULL, "unknown tstype");
	pk_buf_release(&b);
}

static int
same_rec(const struct pk_krec *a, const struct pk_krec *b)
{
	size_t i;

	if (a->partition != b->partition || a->offset != b->offset || a->tstype != b->tstype ||
	    a->ts != b->ts || a->broker != b->broker || a->nhdrs != b->nhdrs)
		return 0;
	if (a->topiclen != b->topiclen || (a->topiclen && memcmp(a->topic, b->topic, a->topiclen)))
		return 0;
	if ((a->key == NULL) != (b->key == NULL) || a->keylen != b->keylen ||
	    (a->keylen && memcmp(a->key, b->key, a->keylen)))
		return 0;
	if ((a->payload == NULL) != (b->payload == NULL) || a->len != b->len ||
	    (a->len && memcmp(a->payload, b->payload, a->len)))
		return 0;
	for (i = 0; i < a->nhdrs; i++) {
		const struct pk_khdr *x = &a->hdrs[i], *y = &b->hdrs[i];

		if (x->namelen != y->namelen || memcmp(x->name, y->name, x->namelen) ||
		    (x->value == NULL) != (y->value == NULL) || x->len != y->len ||
		    (x->len && memcmp(x->value, y->value, x->len)))
			return 0;
	}
	return 1;
}

static void
roundtrip(const struct pk_krec *r, const char *what)
{
	struct pk_buf b = PK_BUF_INIT, b2 = PK_BUF_INIT;
	struct pk_kcat_msg m = PK_KCAT_MSG_INIT;
	struct pk_err err = PK_ERR_INIT;
	int rc;

	pk_kcat_write(&b, r);
	rc = pk_kcat_parse(&m, b.p, b.len - 1, &err);
	is_int(rc, 0, "%s: parses (%s)", what, err.msg);
	ok(rc == 0 && same_rec(r, &m.rec), "%s: same record back", what);
	if (rc == 0) {
		pk_kcat_write(&b2, &m.rec);
		is_mem(b2.p, b2.len, b.p, b.len, "%s: same line when written again", what);
	}
	pk_kcat_msg_release(&m);
	pk_buf_release(&b);
	pk_buf_release(&b2);
}

static void
test_roundtrips(void)
{
	struct pk_khdr h[4] = {
		{ "trace", 5, "abc", 3 },
		{ "empty", 5, "", 0 },
		{ "none", 4, NULL, 0 },
		{ "bin", 3, "\x00\xff\x80", 3 },
	};
	struct pk_krec r = empty_rec;

	r.topic = "orders";
	r.topiclen = 6;
	r.partition = 3;
	r.offset = 42;
	r.tstype = PK_KTS_CREATE;
	r.ts = 1700000000123;
	r.broker = 2;
	roundtrip(&r, "null key and payload");
	r.key = "";
	r.payload = "";
	roundtrip(&r, "empty key and payload");
	r.key = "user-7";
	r.keylen = 6;
	r.payload = "{\"id\":7,\"s\":\"x\\\"y\"}";
	r.len = strlen(r.payload);
	r.hdrs = h;
	r.nhdrs = 4;
	roundtrip(&r, "JSON payload and mixed headers");
	r.key = "\x80\x81";
	r.keylen = 2;
	r.payload = "\x00\x01\x02\xff";
	r.len = 4;
	roundtrip(&r, "binary key and payload");
	r.payload = "line\nbreak\x00nul \xe2\x82\xac";
	r.len = 19;
	roundtrip(&r, "NUL and newline inside UTF-8 payload");
	r.tstype = PK_KTS_NONE;
	r.ts = 0;
	r.partition = -1;
	r.offset = -1;
	r.broker = -1;
	roundtrip(&r, "defaults");
}

static void
test_parse(void)
{
	struct pk_kcat_msg m = PK_KCAT_MSG_INIT;
	struct pk_err err = PK_ERR_INIT;
	const char *s;

	s = "{\"payload\":\"only\"}";
	is_int(pk_kcat_parse(&m, s, strlen(s), &err), 0, "payload only");
	ok(m.rec.key == NULL && m.rec.partition == -1 && m.rec.offset == -1 &&
	    m.rec.nhdrs == 0 && m.rec.tstype == PK_KTS_NONE, "absent fields take defaults");
	is_mem(m.rec.payload, m.rec.len, "only", 4, "payload bytes");

	s = "{\"key\":12,\"payload\":{\"a\":[1,2]},\"headers\":[\"n\",true]}";
	is_int(pk_kcat_parse(&m, s, strlen(s), &err), 0, "non-string values");
	is_mem(m.rec.key, m.rec.keylen, "12", 2, "a number key is its JSON text");
	is_mem(m.rec.payload, m.rec.len, "{\"a\":[1,2]}", 11, "an object payload is its JSON text");
	is_mem(m.rec.hdrs[0].value, m.rec.hdrs[0].len, "true", 4, "a boolean header is its text");
	is_str(m.rec.hdrs[0].name, "n", "header names are C strings");

	s = "{\"payload\":{\"base64\":\"Zm9v\",\"other\":1}}";
	is_int(pk_kcat_parse(&m, s, strlen(s), &err), 0, "base64 with company");
	is_mem(m.rec.payload, m.rec.len, "{\"base64\":\"Zm9v\",\"other\":1}", 27,
	    "an object with more than base64 is kept as text");

	s = "{\"key\":\"a\\u00e9\\n\",\"payload\":null,\"partition\":5,\"ts\":17,\"tstype\":\"logappend\"}";
	is_int(pk_kcat_parse(&m, s, strlen(s), &err), 0, "escapes");
	is_mem(m.rec.key, m.rec.keylen, "a\xc3\xa9\n", 4, "escapes decoded");
	ok(m.rec.payload == NULL, "null payload");
	is_int(m.rec.partition, 5, "partition");
	is_int(m.rec.tstype, PK_KTS_LOGAPPEND, "tstype");

	s = "{\"payload\":{\"base64\":\"Zm9v!\"}}";
	is_int(pk_kcat_parse(&m, s, strlen(s), &err), -1, "bad base64 refused");
	is_str(err.msg, "bad base64 in 'payload'", "  and said so");
	is_int(err.kind, PK_ERR_DATA, "  as a data error");
	s = "{\"headers\":[\"a\"]}";
	is_int(pk_kcat_parse(&m, s, strlen(s), &err), -1, "odd headers refused");
	s = "{\"headers\":{\"a\":\"b\"}}";
	is_int(pk_kcat_parse(&m, s, strlen(s), &err), -1, "kcat's -J map form of headers refused");
	s = "{\"partition\":\"3\"}";
	is_int(pk_kcat_parse(&m, s, strlen(s), &err), -1, "a string partition refused");
	s = "{\"partition\":2147483648}";
	is_int(pk_kcat_parse(&m, s, strlen(s), &err), -1, "an out-of-range partition refused");
	s = "[1,2]";
	is_int(pk_kcat_parse(&m, s, strlen(s), &err), -1, "not an object");
	s = "{\"payload\":\"\xff\"}";
	is_int(pk_kcat_parse(&m, s, strlen(s), &err), -1, "kcat's raw non-UTF-8 is not JSON");
	pk_kcat_msg_release(&m);
}

static void
test_unwrap(void)
{
	struct pk_buf b = PK_BUF_INIT;
	struct pk_err err = PK_ERR_INIT;
	const char *s;

	s = "{\"topic\":\"t\",\"key\":\"k\",\"payload\":\"{\\\"id\\\":1}\"}";
	is_int(pk_kcat_unwrap(s, strlen(s), &b, &err), 1, "unwrap a string payload");
	is_str(b.p, "{\"id\":1}", "  the record inside");
	pk_buf_reset(&b);
	s = "{\"payload\":{\"base64\":\"AP8=\"}}";
	is_int(pk_kcat_unwrap(s, strlen(s), &b, &err), 1, "unwrap base64");
	is_mem(b.p, b.len, "\x00\xff", 2, "  the bytes");
	pk_buf_reset(&b);
	s = "{\"payload\":null}";
	is_int(pk_kcat_unwrap(s, strlen(s), &b, &err), 0, "null payload");
	s = "{\"key\":\"k\"}";
	is_int(pk_kcat_unwrap(s, strlen(s), &b, &err), 0, "absent payload");
	s = "{\"payload\":";
	is_int(pk_kcat_unwrap(s, strlen(s), &b, &err), -1, "truncated line");
	pk_buf_release(&b);
}

static void
b64(const char *in, const char *want, int wantrc)
{
	struct pk_buf b = PK_BUF_INIT;
	int rc = pk_base64_decode(in, strlen(in), &b);

	is_int(rc, wantrc, "base64 \"%s\" -> %d", in, wantrc);
	if (rc == 0 && wantrc == 0)
		is_mem(b.p ? b.p : "", b.len, want, strlen(want), "base64 \"%s\" decodes", in);
	pk_buf_release(&b);
}

static void
test_base64(void)
{
	/* RFC 4648, section 10 test vectors. */
	b64("", "", 0);
	b64("Zg==", "f", 0);
	b64("Zm8=", "fo", 0);
	b64("Zm9v", "foo", 0);
	b64("Zm9vYg==", "foob", 0);
	b64("Zm9vYmE=", "fooba", 0);
	b64("Zm9vYmFy", "foobar", 0);
	b64("Zg", "f", 0);		/* padding left out */
	b64("Zg=", NULL, -1);		/* padding half there */
	b64("Z", NULL, -1);
	b64("Zh==", NULL, -1);		/* non-zero leftover bits */
	b64("Zm9v=", NULL, -1);
	b64("Zg==Zg==", NULL, -1);	/* data after padding */
	b64("Zm 9v", NULL, -1);
	b64("Zm9v-_", NULL, -1);	/* base64url is another alphabet */
}

int
main(void)
{
	test_write_exact();
	test_roundtrips();
	test_parse();
	test_unwrap();
	test_base64();
	return tap_done();
}
