/*
 * test_partition - lib/partition against the linked librdkafka's
 * murmur2_random, hand-computed serializer bytes, the null-key policy and
 * the salting sub-key form that skewstat reproduces.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "lib/buf.h"
#include "lib/hash.h"
#include "lib/json.h"
#include "lib/partition.h"
#include "tests/unit/tap.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

/* xorshift64* (Vigna): a fixed sequence, so a failure can be replayed. */
static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Index {"k":<value text>} and return the key bytes pk_part_key makes. */
static int
key_of(struct pk_part *p, const char *valtext, struct pk_buf *out, struct pk_err *err)
{
	struct pk_jdoc doc = PK_JDOC_INIT;
	struct pk_path path;
	struct pk_buf obj = PK_BUF_INIT;
	int rc;

	pk_buf_printf(&obj, "{\"k\":%s}", valtext);
	if (pk_json_index(&doc, obj.p, obj.len, err) < 0 || pk_path_compile(&path, "k", err) < 0) {
		pk_buf_release(&obj);
		pk_jdoc_release(&doc);
		return -2;
	}
	rc = pk_part_key(p, &doc, &path, 1, "|", 1, out, err);
	pk_path_release(&path);
	pk_jdoc_release(&doc);
	pk_buf_release(&obj);
	return rc;
}

/*
 * The criterion of issue 6: for 100,000 seeded random keys and N in
 * {1,3,6,12,32,1000}, the partition chosen through the whole path (JSON
 * string value -> utf8 key bytes -> pk_part_choose) equals librdkafka's
 * rd_kafka_msg_partitioner_murmur2_random on the same bytes. rkt is NULL:
 * that partitioner only touches it for a NULL key (rdkafka_msg.c).
 */
static void
test_murmur2_random_cross(void)
{
	static const int32_t ns[] = { 1, 3, 6, 12, 32, 1000 };
	struct pk_part parts[6];
	struct pk_buf json = PK_BUF_INIT, key = PK_BUF_INIT;
	struct pk_err err = PK_ERR_INIT;
	char s[48];
	long bad = 0, badraw = 0, total = 0, encfail = 0;
	size_t j, k;
	int i;

	for (j = 0; j < 6; j++) {
		struct pk_part init = PK_PART_INIT;

		parts[j] = init;
		parts[j].partitions = ns[j];
	}
	for (i = 0; i < 100000; i++) {
		size_t kn = (size_t)(rng() % 41);

		/* Printable ASCII and a few multi-byte characters, so the JSON
		 * path decodes escapes and UTF-8 before hashing. */
		for (k = 0; k < kn; k++)
			s[k] = (char)(' ' + rng() % 95);
		pk_buf_reset(&json);
		pk_buf_add_json_str(&json, s, kn);
		for (j = 0; j < 6; j++) {
			const void *sent;
			size_t sentn;
			int32_t got, want;

			total++;
			if (key_of(&parts[j], json.p, &key, &err) != 1) {
				encfail++;
				continue;
			}
			if (key.len != kn || memcmp(key.p, s, kn) != 0) {
				encfail++;
				continue;
			}
			got = pk_part_choose(&parts[j], key.p, key.len, &sent, &sentn);
			want = rd_kafka_msg_partitioner_murmur2_random(NULL, s, kn, ns[j], NULL,
			    NULL);
			if (got != want)
				bad++;
			pk_buf_reset(&key);
			pk_part_encode_text(&parts[j], s, kn, &key, &err);
			if (pk_part_choose(&parts[j], key.p, key.len, NULL, NULL) != want)
				badraw++;
		}
	}
	is_int(total, 600000, "600,000 key/partition-count pairs compared");
	is_int(encfail, 0, "every random string's key bytes are its UTF-8 bytes");
	is_int(bad, 0, "JSON key -> partition agrees with rd_kafka_msg_partitioner_murmur2_random");
	is_int(badraw, 0, "text key -> partition agrees with rd_kafka_msg_partitioner_murmur2_random");
	for (j = 0; j < 6; j++)
		pk_part_release(&parts[j]);
	pk_buf_release(&json);
	pk_buf_release(&key);
}

/* Kafka's own vectors (tests/fixtures/vectors/murmur2.tsv, from Kafka's
 * UtilsTest.testMurmur2): a few through the partition module. */
static void
test_kafka_vectors(void)
{
	struct pk_part p = PK_PART_INIT;

	p.partitions = 32;
	is_int(pk_part_choose(&p, "21", 2, NULL, NULL), 12, "'21' N=32 -> 12");
	is_int(pk_part_choose(&p, "foobar", 6, NULL, NULL), 30, "'foobar' N=32 -> 30");
	is_int(pk_part_choose(&p, "", 0, NULL, NULL), 25, "empty key N=32 -> 25 (a key, not null)");
	p.partitions = 12;
	is_int(pk_part_choose(&p, "a-little-bit-long-string", 24, NULL, NULL), 8,
	    "'a-little-bit-long-string' N=12 -> 8");
	p.how = PK_PART_CRC32;
	is_int(pk_part_choose(&p, "kafka", 5, NULL, NULL),
	    rd_kafka_msg_partitioner_consistent(NULL, "kafka", 5, 12, NULL, NULL),
	    "crc32 is librdkafka's consistent");
	p.how = PK_PART_FNV1A;
	is_int(pk_part_choose(&p, "kafka", 5, NULL, NULL),
	    rd_kafka_msg_partitioner_fnv1a(NULL, "kafka", 5, 12, NULL, NULL),
	    "fnv1a is librdkafka's fnv1a");
	pk_part_release(&p);
}

/* Hand-computed big-endian two's complement bytes, as Kafka's
 * IntegerSerializer and LongSerializer write them. */
static void
test_int_encodings(void)
{
	static const struct {
		const char *json;
		int enc;
		const char *bytes;
		size_t n;
	} ok_cases[] = {
		{ "42", PK_KEY_INT32, "\x00\x00\x00\x2a", 4 },
		{ "0", PK_KEY_INT32, "\x00\x00\x00\x00", 4 },
		{ "-1", PK_KEY_INT32, "\xff\xff\xff\xff", 4 },
		{ "256", PK_KEY_INT32, "\x00\x00\x01\x00", 4 },
		{ "2147483647", PK_KEY_INT32, "\x7f\xff\xff\xff", 4 },
		{ "-2147483648", PK_KEY_INT32, "\x80\x00\x00\x00", 4 },
		{ "305419896", PK_KEY_INT32, "\x12\x34\x56\x78", 4 },
		{ "\"77\"", PK_KEY_INT32, "\x00\x00\x00\x4d", 4 },
		{ "1", PK_KEY_INT64, "\x00\x00\x00\x00\x00\x00\x00\x01", 8 },
		{ "-2", PK_KEY_INT64, "\xff\xff\xff\xff\xff\xff\xff\xfe", 8 },
		{ "2147483648", PK_KEY_INT64, "\x00\x00\x00\x00\x80\x00\x00\x00", 8 },
		{ "9223372036854775807", PK_KEY_INT64, "\x7f\xff\xff\xff\xff\xff\xff\xff", 8 },
		{ "-9223372036854775808", PK_KEY_INT64, "\x80\x00\x00\x00\x00\x00\x00\x00", 8 },
		{ "81985529216486895", PK_KEY_INT64, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8 },
		{ "\"abc\"", PK_KEY_RAW, "\"abc\"", 5 },
		{ "\"a\\u0062\"", PK_KEY_RAW, "\"a\\u0062\"", 9 },
		{ "\"a\\u0062\"", PK_KEY_UTF8, "ab", 2 },
		{ "12.50", PK_KEY_UTF8, "12.50", 5 },
		{ "true", PK_KEY_UTF8, "true", 4 },
	};
	static const struct {
		const char *json;
		int enc;
	} bad_cases[] = {
		{ "2147483648", PK_KEY_INT32 },
		{ "-2147483649", PK_KEY_INT32 },
		{ "12.5", PK_KEY_INT32 },
		{ "1e3", PK_KEY_INT64 },
		{ "9223372036854775808", PK_KEY_INT64 },
		{ "\"x7\"", PK_KEY_INT32 },
		{ "true", PK_KEY_INT64 },
		{ "{\"a\":1}", PK_KEY_INT32 },
	};
	struct pk_part p = PK_PART_INIT;
	struct pk_buf out = PK_BUF_INIT;
	struct pk_err err = PK_ERR_INIT;
	size_t i;

	for (i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++) {
		p.enc = (enum pk_key_encoding)ok_cases[i].enc;
		pk_buf_reset(&out);
		is_int(key_of(&p, ok_cases[i].json, &out, &err), 1, "encode %s", ok_cases[i].json);
		is_mem(out.p, out.len, ok_cases[i].bytes, ok_cases[i].n, "bytes of %s (enc %d)",
		    ok_cases[i].json, ok_cases[i].enc);
	}
	for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		p.enc = (enum pk_key_encoding)bad_cases[i].enc;
		pk_buf_reset(&out);
		pk_err_clear(&err);
		is_int(key_of(&p, bad_cases[i].json, &out, &err), -1, "%s is refused (enc %d)",
		    bad_cases[i].json, bad_cases[i].enc);
		is_int(err.kind, PK_ERR_DATA, "as a data error: %s", err.msg);
	}
	p.enc = PK_KEY_INT32;
	pk_buf_reset(&out);
	is_int(key_of(&p, "null", &out, &err), 0, "null is no key under int32");
	pk_buf_reset(&out);
	is_int(pk_part_encode_text(&p, "-7", 2, &out, &err), 1, "int32 text -7");
	is_mem(out.p, out.len, "\xff\xff\xff\xf9", 4, "int32 text -7 bytes");
	pk_buf_reset(&out);
	is_int(pk_part_encode_text(&p, "+7", 2, &out, &err), -1, "int32 text +7 refused");
	/* The hash of the int32 bytes is what librdkafka computes on them. */
	pk_buf_reset(&out);
	key_of(&p, "42", &out, &err);
	p.partitions = 12;
	is_int(pk_part_choose(&p, out.p, out.len, NULL, NULL),
	    rd_kafka_msg_partitioner_murmur2_random(NULL, "\x00\x00\x00\x2a", 4, 12, NULL, NULL),
	    "int32 42 placed as librdkafka places its 4 bytes");
	pk_part_release(&p);
	pk_buf_release(&out);
}

static void
test_composite(void)
{
	struct pk_part p = PK_PART_INIT;
	struct pk_jdoc doc = PK_JDOC_INIT;
	struct pk_path paths[2];
	struct pk_buf out = PK_BUF_INIT;
	struct pk_err err = PK_ERR_INIT;
	const char *obj = "{\"a\":\"x\",\"b\":7,\"c\":null}";

	pk_json_index(&doc, obj, strlen(obj), &err);
	pk_path_compile(&paths[0], "a", &err);
	pk_path_compile(&paths[1], "b", &err);
	is_int(pk_part_key(&p, &doc, paths, 2, "|", 1, &out, &err), 1, "composite a,b");
	is_mem(out.p, out.len, "x|7", 3, "composite bytes x|7");
	p.enc = PK_KEY_RAW;
	pk_part_key(&p, &doc, paths, 2, "::", 2, &out, &err);
	is_mem(out.p, out.len, "\"x\"::7", 6, "raw composite keeps the quotes");
	p.enc = PK_KEY_INT32;
	is_int(pk_part_key(&p, &doc, paths, 2, "|", 1, &out, &err), -1, "int32 of two fields");
	is_int(err.kind, PK_ERR_USAGE, "is a usage error");
	p.enc = PK_KEY_UTF8;
	pk_path_release(&paths[1]);
	pk_path_compile(&paths[1], "c", &err);
	is_int(pk_part_key(&p, &doc, paths, 2, "|", 1, &out, &err), 0, "a null part: no key");
	pk_path_release(&paths[1]);
	pk_path_compile(&paths[1], "zz", &err);
	is_int(pk_part_key(&p, &doc, paths, 2, "|", 1, &out, &err), 0, "an absent part: no key");
	pk_path_release(&paths[0]);
	pk_path_release(&paths[1]);
	pk_jdoc_release(&doc);
	pk_buf_release(&out);
	pk_part_release(&p);
}

static void
test_null_policy(void)
{
	struct pk_part p = PK_PART_INIT;
	struct pk_err err = PK_ERR_INIT;
	int hist[4] = { 0, 0, 0, 0 };
	int i, inrange = 1;

	p.partitions = 3;
	is_int(pk_part_set_null_policy(&p, "roundrobin", &err), 0, "roundrobin policy");
	is_int(pk_part_choose(&p, NULL, 0, NULL, NULL), 0, "first null key -> 0");
	pk_part_choose(&p, "k", 1, NULL, NULL);		/* a keyed record in between */
	is_int(pk_part_choose(&p, NULL, 0, NULL, NULL), 1, "second null key -> 1 (keys skipped)");
	is_int(pk_part_choose(&p, NULL, 0, NULL, NULL), 2, "third -> 2");
	is_int(pk_part_choose(&p, NULL, 0, NULL, NULL), 0, "fourth wraps to 0");
	is_int(p.nulls, 4, "four null keys counted");
	is_int(p.records, 5, "five records counted");
	is_int(pk_part_set_null_policy(&p, "2", &err), 0, "fixed policy");
	is_int(pk_part_check(&p, &err), 0, "partition 2 of 3 is fine");
	is_int(pk_part_choose(&p, NULL, 0, NULL, NULL), 2, "fixed -> 2");
	pk_part_set_null_policy(&p, "3", &err);
	is_int(pk_part_check(&p, &err), -1, "partition 3 of 3 is refused");
	is_int(pk_part_set_null_policy(&p, "reject", &err), 0, "reject policy");
	is_int(pk_part_choose(&p, NULL, 0, NULL, NULL), PK_PART_REJECT, "reject -> PK_PART_REJECT");
	is_int(pk_part_set_null_policy(&p, "-1", &err), -1, "-1 is no policy");
	is_int(pk_part_set_null_policy(&p, "sticky", &err), -1, "sticky is no policy");
	pk_part_set_null_policy(&p, "random", &err);
	p.partitions = 4;
	p.seed = 7;
	for (i = 0; i < 4000; i++) {
		int32_t q = pk_part_choose(&p, NULL, 0, NULL, NULL);

		if (q < 0 || q > 3)
			inrange = 0;
		else
			hist[q]++;
	}
	ok(inrange, "random null keys stay in 0..3");
	ok(hist[0] > 800 && hist[1] > 800 && hist[2] > 800 && hist[3] > 800,
	    "random null keys reach every partition (%d %d %d %d)", hist[0], hist[1], hist[2],
	    hist[3]);
	pk_part_release(&p);
}

static void
test_partitioners(void)
{
	struct pk_part p = PK_PART_INIT;
	struct pk_err err = PK_ERR_INIT;

	p.partitions = 3;
	is_int(pk_part_set_partitioner(&p, "roundrobin", &err), 0, "roundrobin by name");
	is_int(pk_part_choose(&p, "a", 1, NULL, NULL), 0, "rr 0");
	is_int(pk_part_choose(&p, "a", 1, NULL, NULL), 1, "rr 1");
	is_int(pk_part_choose(&p, NULL, 0, NULL, NULL), 0, "a null key follows the null policy");
	is_int(pk_part_choose(&p, "a", 1, NULL, NULL), 2, "rr 2");
	is_int(pk_part_set_partitioner(&p, "murmur2_random", &err), -1, "unknown name refused");
	is_int(err.kind, PK_ERR_USAGE, "as a usage error");
	is_str(pk_part_partitioner_name(PK_PART_CRC32), "crc32", "name of crc32");
	is_int(pk_part_set_encoding(&p, "int64", &err), 0, "int64 by name");
	is_int(p.enc, PK_KEY_INT64, "int64 set");
	is_int(pk_part_set_encoding(&p, "utf16", &err), -1, "utf16 refused");
	pk_part_release(&p);
}

static void
test_salt(void)
{
	struct pk_part p = PK_PART_INIT;
	struct pk_err err = PK_ERR_INIT;
	const void *sent;
	size_t sentn;
	char want[16];
	int i, good = 1;
	int32_t q;

	p.partitions = 12;
	is_int(pk_part_salt_arg(&p, "c42:3", &err), 0, "--salt c42:3");
	is_int(pk_part_salt_of(&p, "c42", 3), 3, "c42 salted over 3");
	is_int(pk_part_salt_of(&p, "c43", 3), 0, "c43 not salted");
	for (i = 0; i < 7; i++) {
		q = pk_part_choose(&p, "c42", 3, &sent, &sentn);
		snprintf(want, sizeof want, "c42#%d", i % 3);
		if (sentn != strlen(want) || memcmp(sent, want, sentn) != 0 ||
		    q != pk_partition_murmur2(want, strlen(want), 12))
			good = 0;
	}
	ok(good, "c42 cycles through the sub-keys c42#0, c42#1, c42#2 and is hashed as them");
	is_int(p.salted, 7, "seven salted records");
	q = pk_part_choose(&p, "c43", 3, &sent, &sentn);
	is_mem(sent, sentn, "c43", 3, "an unsalted key is sent as is");
	is_int(q, pk_partition_murmur2("c43", 3, 12), "and hashed as is");
	is_int(pk_part_salt_arg(&p, "a:b:2", &err), 0, "a key with a colon");
	is_int(pk_part_salt_of(&p, "a:b", 3), 2, "split at the last colon");
	is_int(pk_part_salt_arg(&p, "c42", &err), -1, "no :N refused");
	is_int(pk_part_salt_arg(&p, "c42:0", &err), -1, ":0 refused");
	is_int(pk_part_salt_arg(&p, "c42:x", &err), -1, ":x refused");

	/* int32 keys: the salt key is encoded, the sub-key is bytes + "#i". */
	p.enc = PK_KEY_INT32;
	is_int(pk_part_salt_arg(&p, "7:2", &err), 0, "--salt 7:2 under int32");
	is_int(pk_part_salt_of(&p, "\x00\x00\x00\x07", 4), 2, "salted as its 4 bytes");
	pk_part_choose(&p, "\x00\x00\x00\x07", 4, &sent, &sentn);
	is_mem(sent, sentn, "\x00\x00\x00\x07#0", 6, "sub-key of int32 7 is its bytes + #0");
	is_int(pk_part_salt_arg(&p, "x:2", &err), -1, "--salt x:2 under int32 refused");
	pk_part_release(&p);
}

static void
test_hot_keys(void)
{
	struct pk_part p = PK_PART_INIT;
	struct pk_err err = PK_ERR_INIT;
	char path[] = "/tmp/test_partition.XXXXXX";
	const char *text =
	    "{\"type\":\"summary\",\"partitions\":12}\n"
	    "{\"type\":\"partition\",\"partition\":3,\"count\":10}\n"
	    "{\"type\":\"key\",\"key\":\"c42\",\"count\":900,\"error\":0,\"share\":0.9}\n"
	    "\n"
	    "{\"type\":\"key\",\"key\":\"c7\",\"count\":50,\"salt\":5}\n"
	    "{\"type\":\"key\",\"key\":{\"base64\":\"/w==\"},\"count\":5}\n"
	    "{\"type\":\"key\",\"key\":12,\"count\":5}\n";
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		ok(0, "temporary file");
		return;
	}
	close(fd);
	is_int(pk_part_hot_keys(&p, path, 4, &err), 4, "four key lines read");
	is_int(pk_part_salt_of(&p, "c42", 3), 4, "c42 over the default 4");
	is_int(pk_part_salt_of(&p, "c7", 2), 5, "c7 over its own salt 5");
	is_int(pk_part_salt_of(&p, "\xff", 1), 4, "a base64 key decoded");
	is_int(pk_part_salt_of(&p, "12", 2), 4, "a number key as its text");
	is_int(pk_part_salt_of(&p, "summary", 7), 0, "other lines skipped");

	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd >= 0) {
		const char *bad = "{\"type\":\"key\",\"key\":\"a\"}\nnot json\n";

		if (write(fd, bad, strlen(bad)) < 0)
			ok(0, "write");
		close(fd);
	}
	is_int(pk_part_hot_keys(&p, path, 4, &err), -1, "a broken line stops the load");
	ok(strstr(err.msg, ":2:") != NULL, "with its line number: %s", err.msg);
	unlink(path);
	is_int(pk_part_hot_keys(&p, path, 4, &err), -1, "a missing file");
	is_int(err.kind, PK_ERR_IO, "is an I/O error");
	pk_part_release(&p);
}

/* skewstat hashes once and reduces per what-if count: the two must agree. */
static void
test_hash32(void)
{
	static const enum pk_partitioner hows[] = { PK_PART_MURMUR2, PK_PART_FNV1A, PK_PART_CRC32 };
	static const int32_t ns[] = { 1, 3, 6, 12, 32, 1000 };
	char key[32];
	size_t h, i, k, bad = 0, len;

	for (i = 0; i < 20000; i++) {
		len = (size_t)snprintf(key, sizeof key, "key-%zu-\xc3\xa9", i * 7919);
		for (h = 0; h < 3; h++)
			for (k = 0; k < 6; k++)
				if ((int32_t)(pk_part_hash32(hows[h], key, len) % (uint32_t)ns[k]) !=
				    pk_part_hash(hows[h], key, len, ns[k]))
					bad++;
	}
	is_int(bad, 0, "hash32 %% N equals pk_part_hash for murmur2, fnv1a, crc32 and 6 counts");
	is_int(pk_part_hash32(PK_PART_ROUNDROBIN, "k", 1), 0, "no hash for roundrobin");
}

int
main(void)
{
	test_murmur2_random_cross();
	test_kafka_vectors();
	test_int_encodings();
	test_composite();
	test_null_policy();
	test_partitioners();
	test_salt();
	test_hot_keys();
	test_hash32();
	return tap_done();
}
