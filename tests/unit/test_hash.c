/*
 * test_hash - lib/hash against Kafka's and librdkafka's own vectors, the
 * linked librdkafka's partitioners, and pinned XXH64 values.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "lib/hash.h"
#include "tests/unit/tap.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

/* xorshift64*: a fixed, seeded stream so failures reproduce. */
static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/*
 * Every line of tests/fixtures/vectors/murmur2.tsv (Kafka UtilsTest and
 * librdkafka rdmurmur2.c vectors): key, murmur2 as int32, p3 p6 p12 p32.
 */
static void
test_vectors(void)
{
	const char *top = getenv("PIPEKIT_TOP");
	char path[4096], line[1024];
	FILE *f;
	int nvec = 0;

	snprintf(path, sizeof(path), "%s/tests/fixtures/vectors/murmur2.tsv",
	    top && *top ? top : ".");
	f = fopen(path, "r");
	if (!ok(f != NULL, "open %s", path)) {
		printf("#   %s\n", strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *tab, *end;
		const char *key = line;
		size_t kn;
		long long h;
		long p[4];
		int32_t ns[4] = { 3, 6, 12, 32 };
		int i, good = 1;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		tab = strchr(line, '\t');
		if (tab == NULL)
			continue;
		kn = (size_t)(tab - line);
		h = strtoll(tab + 1, &end, 10);
		for (i = 0; i < 4; i++)
			p[i] = strtol(end, &end, 10);
		nvec++;
		is_int((int32_t)pk_murmur2(key, kn), h, "murmur2 '%.*s'", (int)kn, key);
		for (i = 0; i < 4; i++) {
			int32_t got = pk_partition_murmur2(key, kn, ns[i]);
			int32_t rk = rd_kafka_msg_partitioner_murmur2_random(NULL,
			    kn ? key : "", kn, ns[i], NULL, NULL);

			if (got != p[i] || rk != p[i]) {
				good = 0;
				printf("#   '%.*s' N=%d: got %d, librdkafka %d, want %ld\n",
				    (int)kn, key, ns[i], got, rk, p[i]);
			}
		}
		ok(good, "partitions of '%.*s' for N=3,6,12,32 (ours and librdkafka's)",
		    (int)kn, key);
	}
	fclose(f);
	is_int(nvec, 17, "all vectors read from murmur2.tsv");
}

/*
 * librdkafka's rd_fnv1a unit test vectors (src/rdfnv1a.c, obtained there
 * from Go's hash/fnv), after its absolute value step.
 */
static void
test_fnv1a_vectors(void)
{
	static const struct { const char *k; uint32_t h; } v[] = {
		{ "kafka", 0xd33c4e1 },
		{ "giberish123456789", 0x77a58295 },
		{ "1234", 0x23bdd03 },
		{ "234", 0x2dea3cd2 },
		{ "34", 0x740fa83e },
		{ "4", 0x310ca263 },
		{ "PreAmbleWillBeRemoved,ThePrePartThatIs", 0x65cbd69c },
		{ "reAmbleWillBeRemoved,ThePrePartThatIs", 0x6e49c79a },
		{ "eAmbleWillBeRemoved,ThePrePartThatIs", 0x69eed356 },
		{ "AmbleWillBeRemoved,ThePrePartThatIs", 0x6abcc023 },
		{ "", 0x7ee3623b },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		is_int(pk_fnv1a(v[i].k, strlen(v[i].k)), v[i].h, "fnv1a '%s'", v[i].k);
	is_int(pk_fnv1a(NULL, 0), 0x7ee3623b, "fnv1a of NULL, 0 is the empty key's");
}

static void
test_crc32(void)
{
	/* The CRC-32 check value of the Rocksoft model ("123456789"). */
	is_int(pk_crc32("123456789", 9), 0xcbf43926U, "crc32 check value");
	is_int(pk_crc32("", 0), 0, "crc32 of empty");
	is_int(pk_crc32(NULL, 0), 0, "crc32 of NULL, 0");
	/* zlib: python3 -c 'import zlib; print(hex(zlib.crc32(b"kafka")))' */
	is_int(pk_crc32("kafka", 5), 0x5bbc7517U, "crc32 'kafka'");
}

static void
test_partition_args(void)
{
	is_int(pk_partition_murmur2("a", 1, 0), -1, "murmur2 with 0 partitions");
	is_int(pk_partition_fnv1a("a", 1, -3), -1, "fnv1a with negative partitions");
	is_int(pk_partition_crc32("a", 1, 0), -1, "crc32 with 0 partitions");
	is_int(pk_partition_murmur2("a", 1, 1), 0, "one partition: always 0");
	/* fnv1a's one fixed point of the abs step: a key hashing to
	 * 0x80000000 would need N dividing it; check the unsigned remainder
	 * on the biggest partition count instead. */
	is_int(pk_partition_fnv1a("kafka", 5, INT32_MAX),
	    (int32_t)(0xd33c4e1U % (uint32_t)INT32_MAX), "fnv1a with INT32_MAX partitions");
}

/*
 * 100,000 seeded random keys of 0-64 random bytes, each partitioned for
 * N in {1,3,6,12,32,1000} by us and by the linked librdkafka's exported
 * partitioners. Those four ignore rkt for a non-NULL key (rdkafka_msg.c:
 * only the *_random variants fall back to the random partitioner, which
 * uses rkt, and only for a NULL key), so rkt is NULL here and keys are
 * never NULL.
 */
static void
test_librdkafka_cross(void)
{
	static const int32_t ns[] = { 1, 3, 6, 12, 32, 1000 };
	unsigned char key[64];
	long bad_m = 0, bad_mr = 0, bad_f = 0, bad_c = 0, total = 0;
	int i;
	size_t j, k;

	for (i = 0; i < 100000; i++) {
		size_t kn = (size_t)(rng() % 65);

		for (k = 0; k < kn; k++)
			key[k] = (unsigned char)rng();
		for (j = 0; j < sizeof(ns) / sizeof(ns[0]); j++) {
			int32_t n = ns[j];

			total++;
			if (pk_partition_murmur2(key, kn, n) !=
			    rd_kafka_msg_partitioner_murmur2(NULL, key, kn, n, NULL, NULL))
				bad_m++;
			if (pk_partition_murmur2(key, kn, n) !=
			    rd_kafka_msg_partitioner_murmur2_random(NULL, key, kn, n, NULL, NULL))
				bad_mr++;
			if (pk_partition_fnv1a(key, kn, n) !=
			    rd_kafka_msg_partitioner_fnv1a(NULL, key, kn, n, NULL, NULL))
				bad_f++;
			if (pk_partition_crc32(key, kn, n) !=
			    rd_kafka_msg_partitioner_consistent(NULL, key, kn, n, NULL, NULL))
				bad_c++;
		}
	}
	is_int(total, 600000, "600,000 key/partition-count pairs compared");
	is_int(bad_m, 0, "murmur2 agrees with rd_kafka_msg_partitioner_murmur2");
	is_int(bad_mr, 0, "murmur2 agrees with rd_kafka_msg_partitioner_murmur2_random");
	is_int(bad_f, 0, "fnv1a agrees with rd_kafka_msg_partitioner_fnv1a");
	is_int(bad_c, 0, "crc32 agrees with rd_kafka_msg_partitioner_consistent");
}

static void
test_be(void)
{
	unsigned char b[8];

	/* Kafka IntegerSerializer: new byte[] { (byte)(v >>> 24), ... }. */
	pk_be32_put(b, 1);
	is_mem(b, 4, "\x00\x00\x00\x01", 4, "int32 1");
	pk_be32_put(b, -1);
	is_mem(b, 4, "\xff\xff\xff\xff", 4, "int32 -1");
	pk_be32_put(b, INT32_MAX);
	is_mem(b, 4, "\x7f\xff\xff\xff", 4, "int32 2^31-1");
	pk_be32_put(b, INT32_MIN);
	is_mem(b, 4, "\x80\x00\x00\x00", 4, "int32 -2^31");
	pk_be32_put(b, 0x12345678);
	is_mem(b, 4, "\x12\x34\x56\x78", 4, "int32 0x12345678");
	pk_be32_put(b, 256);
	is_mem(b, 4, "\x00\x00\x01\x00", 4, "int32 256");
	is_int(pk_be32_get((const unsigned char *)"\xff\xff\xff\xfe"), -2, "read int32 -2");
	is_int(pk_be32_get((const unsigned char *)"\x80\x00\x00\x00"), INT32_MIN,
	    "read int32 min");
	is_int(pk_be32_get((const unsigned char *)"\x00\x00\x00\x03"), 3, "read int32 3");

	/* Kafka LongSerializer. */
	pk_be64_put(b, 1);
	is_mem(b, 8, "\x00\x00\x00\x00\x00\x00\x00\x01", 8, "int64 1");
	pk_be64_put(b, -1);
	is_mem(b, 8, "\xff\xff\xff\xff\xff\xff\xff\xff", 8, "int64 -1");
	pk_be64_put(b, INT64_MIN);
	is_mem(b, 8, "\x80\x00\x00\x00\x00\x00\x00\x00", 8, "int64 min");
	pk_be64_put(b, INT64_MAX);
	is_mem(b, 8, "\x7f\xff\xff\xff\xff\xff\xff\xff", 8, "int64 max");
	pk_be64_put(b, 1732550400000LL);	/* 0x193_640d_1800 */
	is_mem(b, 8, "\x00\x00\x01\x93\x64\x0d\x18\x00", 8, "int64 1732550400000");
	is_int(pk_be64_get((const unsigned char *)"\x80\x00\x00\x00\x00\x00\x00\x00"),
	    INT64_MIN, "read int64 min");
	is_int(pk_be64_get((const unsigned char *)"\xff\xff\xff\xff\xff\xff\xff\x9c"),
	    -100, "read int64 -100");
	is_int(pk_be64_get((const unsigned char *)"\x00\x00\x01\x93\x64\x0d\x18\x00"),
	    1732550400000LL, "read int64 1732550400000");
}

/*
 * Pinned XXH64 values, computed with the reference library (libxxhash
 * 0.8.1, XXH64(data, n, seed)) over data[i] = (i * 7 + 3) & 0xff. They
 * must never change: saved sketches depend on them.
 */
static void
test_hash64(void)
{
	static const struct { size_t n; uint64_t seed, h; } v[] = {
	{ 0, 0x0000000000000000ULL, 0xef46db3751d8e999ULL },
	{ 0, 0x0000000000000001ULL, 0xd5afba1336a3be4bULL },
	{ 0, 0x9e3779b97f4a7c15ULL, 0xc4349fc93c010000ULL },
	{ 1, 0x0000000000000000ULL, 0x1f25c8d0bc1f4bb6ULL },
	{ 1, 0x0000000000000001ULL, 0x610f93f8c89889feULL },
	{ 1, 0x9e3779b97f4a7c15ULL, 0x79826bcd749d267aULL },
	{ 3, 0x0000000000000000ULL, 0x31d2363f52e564c9ULL },
	{ 3, 0x0000000000000001ULL, 0x2d80e074130d0176ULL },
	{ 3, 0x9e3779b97f4a7c15ULL, 0x78efd77575e26575ULL },
	{ 4, 0x0000000000000000ULL, 0x9bb64b7d66ee9fdaULL },
	{ 4, 0x0000000000000001ULL, 0x5ec9fdd10fcbcb0eULL },
	{ 4, 0x9e3779b97f4a7c15ULL, 0x6f0a6c97d68bf353ULL },
	{ 5, 0x0000000000000000ULL, 0xc7608efddb7051feULL },
	{ 5, 0x0000000000000001ULL, 0x89c1d7fbeb0222bfULL },
	{ 5, 0x9e3779b97f4a7c15ULL, 0xa677b535c22b67a5ULL },
	{ 7, 0x0000000000000000ULL, 0x9a7b149959ce60d8ULL },
	{ 7, 0x0000000000000001ULL, 0xd8b4a941715fee31ULL },
	{ 7, 0x9e3779b97f4a7c15ULL, 0xd97ede93c9d66a0dULL },
	{ 8, 0x0000000000000000ULL, 0xdab99d95c6f90092ULL },
	{ 8, 0x0000000000000001ULL, 0xf119f5b26c0020abULL },
	{ 8, 0x9e3779b97f4a7c15ULL, 0xa2f1e28437a78a1bULL },
	{ 9, 0x0000000000000000ULL, 0x170bb6bf975b4c02ULL },
	{ 9, 0x0000000000000001ULL, 0xc35609e49aadbb91ULL },
	{ 9, 0x9e3779b97f4a7c15ULL, 0x9c9a3cd83532d84fULL },
	{ 15, 0x0000000000000000ULL, 0x1b47cb8243cc8e32ULL },
	{ 15, 0x0000000000000001ULL, 0x7a94ee016f09b732ULL },
	{ 15, 0x9e3779b97f4a7c15ULL, 0xe2ec50a544faec61ULL },
	{ 16, 0x0000000000000000ULL, 0x434850232b787be2ULL },
	{ 16, 0x0000000000000001ULL, 0xc9681422ce33496dULL },
	{ 16, 0x9e3779b97f4a7c15ULL, 0x93351859a7286376ULL },
	{ 31, 0x0000000000000000ULL, 0xa2aa5f33cc4a6119ULL },
	{ 31, 0x0000000000000001ULL, 0xaaca4e41ffcae21cULL },
	{ 31, 0x9e3779b97f4a7c15ULL, 0x755437271d1d0a84ULL },
	{ 32, 0x0000000000000000ULL, 0x23c3c17ef790fd97ULL },
	{ 32, 0x0000000000000001ULL, 0x7421b79a02b42132ULL },
	{ 32, 0x9e3779b97f4a7c15ULL, 0xbf624b932c090428ULL },
	{ 33, 0x0000000000000000ULL, 0x50a7cfc7ba588784ULL },
	{ 33, 0x0000000000000001ULL, 0x17b3df313de9a40eULL },
	{ 33, 0x9e3779b97f4a7c15ULL, 0x7aceaf1e9d34ea35ULL },
	{ 63, 0x0000000000000000ULL, 0x5e3e54b431c7493cULL },
	{ 63, 0x0000000000000001ULL, 0xb1abb4a5ad0e2943ULL },
	{ 63, 0x9e3779b97f4a7c15ULL, 0x2c8ddce5c85d0d9dULL },
	{ 64, 0x0000000000000000ULL, 0x0eb64b3ef6eeb01fULL },
	{ 64, 0x0000000000000001ULL, 0x2d0457940c5a93f4ULL },
	{ 64, 0x9e3779b97f4a7c15ULL, 0x4af341f14e3a6fc9ULL },
	{ 100, 0x0000000000000000ULL, 0xa61f8d4c170fe531ULL },
	{ 100, 0x0000000000000001ULL, 0x8d8957e68f02c7ceULL },
	{ 100, 0x9e3779b97f4a7c15ULL, 0xf6d8f65c625abb4fULL },
	{ 200, 0x0000000000000000ULL, 0xa6cb3c09bc829b24ULL },
	{ 200, 0x0000000000000001ULL, 0xc2c3886433659686ULL },
	{ 200, 0x9e3779b97f4a7c15ULL, 0x17e5f0aa6728f859ULL },
	};
	unsigned char data[200];
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)((i * 7 + 3) & 0xff);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint64_t h = pk_hash64(data, v[i].n, v[i].seed);

		if (!ok(h == v[i].h, "xxh64 n=%zu seed=%#" PRIx64, v[i].n, v[i].seed))
			printf("#   got %#" PRIx64 ", want %#" PRIx64 "\n", h, v[i].h);
	}
	/* The values `xxhsum -H1` prints. */
	ok(pk_hash64("", 0, 0) == 0xef46db3751d8e999ULL, "xxh64 ''");
	ok(pk_hash64("a", 1, 0) == 0xd24ec4f1a98c6e5bULL, "xxh64 'a'");
	ok(pk_hash64("abc", 3, 0) == 0x44bc2cf5ad770999ULL, "xxh64 'abc'");
	ok(pk_hash64(NULL, 0, 0) == 0xef46db3751d8e999ULL, "xxh64 of NULL, 0");
	/* Alignment must not matter. */
	{
		unsigned char buf[80];

		memcpy(buf + 3, data, 64);
		ok(pk_hash64(buf + 3, 64, 1) == 0x2d0457940c5a93f4ULL, "xxh64 unaligned");
		ok(pk_murmur2(buf + 3, 13) == pk_murmur2(data, 13), "murmur2 unaligned");
	}
}

int
main(void)
{
	test_vectors();
	test_fnv1a_vectors();
	test_crc32();
	test_partition_args();
	test_librdkafka_cross();
	test_be();
	test_hash64();
	return tap_done();
}
