/*
 * hash - Kafka partitioner hashes (murmur2, fnv1a, crc32), serializer key
 * bytes and the fixed 64-bit hash of tables and sketches.
 */
#include "lib/hash.h"

/* Little-endian loads by bytes: any alignment, any host byte order. */
static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/*
 * Kafka's org.apache.kafka.common.utils.Utils.murmur2(byte[]): h starts as
 * seed ^ length, whole 4-byte words are mixed, then the 1-3 tail bytes are
 * xored in (highest first, falling through) and multiplied once. Java's
 * length is an int; librdkafka's rdmurmur2.c casts the size_t length to
 * 32 bits likewise, so we do too. All arithmetic is modulo 2^32.
 */
uint32_t
pk_murmur2(const void *key, size_t n)
{
	const uint32_t seed = 0x9747b28cU, m = 0x5bd1e995U;
	const int r = 24;
	const unsigned char *p = n ? key : (const void *)"";
	uint32_t h = seed ^ (uint32_t)n;
	size_t i, words = n / 4;

	for (i = 0; i < words; i++) {
		uint32_t k = le32(p + 4 * i);

		k *= m;
		k ^= k >> r;
		k *= m;
		h *= m;
		h ^= k;
	}
	p += 4 * words;
	switch (n & 3) {
	case 3:
		h ^= (uint32_t)p[2] << 16;
		/* FALLTHROUGH */
	case 2:
		h ^= (uint32_t)p[1] << 8;
		/* FALLTHROUGH */
	case 1:
		h ^= p[0];
		h *= m;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return h;
}

/*
 * librdkafka src/rdfnv1a.c rd_fnv1a(): FNV-1a over the bytes (offset basis
 * 0x811c9dc5, prime 0x01000193) held in an int32_t, then "if (h < 0) h =
 * -h" to match Sarama. INT32_MIN negates to itself there (two's complement
 * wrap), which the unsigned negation below reproduces without overflow.
 */
uint32_t
pk_fnv1a(const void *key, size_t n)
{
	const unsigned char *p = key;
	uint32_t h = 0x811c9dc5U;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x01000193U;
	}
	if (h & 0x80000000U)
		h = 0U - h;
	return h;
}

/* Reflected CRC-32 table, polynomial 0xedb88320 (as zlib's crc_table). */
static const uint32_t crc_table[256] = {
	0x00000000U, 0x77073096U, 0xee0e612cU, 0x990951baU, 0x076dc419U, 0x706af48fU,
	0xe963a535U, 0x9e6495a3U, 0x0edb8832U, 0x79dcb8a4U, 0xe0d5e91eU, 0x97d2d988U,
	0x09b64c2bU, 0x7eb17cbdU, 0xe7b82d07U, 0x90bf1d91U, 0x1db71064U, 0x6ab020f2U,
	0xf3b97148U, 0x84be41deU, 0x1adad47dU, 0x6ddde4ebU, 0xf4d4b551U, 0x83d385c7U,
	0x136c9856U, 0x646ba8c0U, 0xfd62f97aU, 0x8a65c9ecU, 0x14015c4fU, 0x63066cd9U,
	0xfa0f3d63U, 0x8d080df5U, 0x3b6e20c8U, 0x4c69105eU, 0xd56041e4U, 0xa2677172U,
	0x3c03e4d1U, 0x4b04d447U, 0xd20d85fdU, 0xa50ab56bU, 0x35b5a8faU, 0x42b2986cU,
	0xdbbbc9d6U, 0xacbcf940U, 0x32d86ce3U, 0x45df5c75U, 0xdcd60dcfU, 0xabd13d59U,
	0x26d930acU, 0x51de003aU, 0xc8d75180U, 0xbfd06116U, 0x21b4f4b5U, 0x56b3c423U,
	0xcfba9599U, 0xb8bda50fU, 0x2802b89eU, 0x5f058808U, 0xc60cd9b2U, 0xb10be924U,
	0x2f6f7c87U, 0x58684c11U, 0xc1611dabU, 0xb6662d3dU, 0x76dc4190U, 0x01db7106U,
	0x98d220bcU, 0xefd5102aU, 0x71b18589U, 0x06b6b51fU, 0x9fbfe4a5U, 0xe8b8d433U,
	0x7807c9a2U, 0x0f00f934U, 0x9609a88eU, 0xe10e9818U, 0x7f6a0dbbU, 0x086d3d2dU,
	0x91646c97U, 0xe6635c01U, 0x6b6b51f4U, 0x1c6c6162U, 0x856530d8U, 0xf262004eU,
	0x6c0695edU, 0x1b01a57bU, 0x8208f4c1U, 0xf50fc457U, 0x65b0d9c6U, 0x12b7e950U,
	0x8bbeb8eaU, 0xfcb9887cU, 0x62dd1ddfU, 0x15da2d49U, 0x8cd37cf3U, 0xfbd44c65U,
	0x4db26158U, 0x3ab551ceU, 0xa3bc0074U, 0xd4bb30e2U, 0x4adfa541U, 0x3dd895d7U,
	0xa4d1c46dU, 0xd3d6f4fbU, 0x4369e96aU, 0x346ed9fcU, 0xad678846U, 0xda60b8d0U,
	0x44042d73U, 0x33031de5U, 0xaa0a4c5fU, 0xdd0d7cc9U, 0x5005713cU, 0x270241aaU,
	0xbe0b1010U, 0xc90c2086U, 0x5768b525U, 0x206f85b3U, 0xb966d409U, 0xce61e49fU,
	0x5edef90eU, 0x29d9c998U, 0xb0d09822U, 0xc7d7a8b4U, 0x59b33d17U, 0x2eb40d81U,
	0xb7bd5c3bU, 0xc0ba6cadU, 0xedb88320U, 0x9abfb3b6U, 0x03b6e20cU, 0x74b1d29aU,
	0xead54739U, 0x9dd277afU, 0x04db2615U, 0x73dc1683U, 0xe3630b12U, 0x94643b84U,
	0x0d6d6a3eU, 0x7a6a5aa8U, 0xe40ecf0bU, 0x9309ff9dU, 0x0a00ae27U, 0x7d079eb1U,
	0xf00f9344U, 0x8708a3d2U, 0x1e01f268U, 0x6906c2feU, 0xf762575dU, 0x806567cbU,
	0x196c3671U, 0x6e6b06e7U, 0xfed41b76U, 0x89d32be0U, 0x10da7a5aU, 0x67dd4accU,
	0xf9b9df6fU, 0x8ebeeff9U, 0x17b7be43U, 0x60b08ed5U, 0xd6d6a3e8U, 0xa1d1937eU,
	0x38d8c2c4U, 0x4fdff252U, 0xd1bb67f1U, 0xa6bc5767U, 0x3fb506ddU, 0x48b2364bU,
	0xd80d2bdaU, 0xaf0a1b4cU, 0x36034af6U, 0x41047a60U, 0xdf60efc3U, 0xa867df55U,
	0x316e8eefU, 0x4669be79U, 0xcb61b38cU, 0xbc66831aU, 0x256fd2a0U, 0x5268e236U,
	0xcc0c7795U, 0xbb0b4703U, 0x220216b9U, 0x5505262fU, 0xc5ba3bbeU, 0xb2bd0b28U,
	0x2bb45a92U, 0x5cb36a04U, 0xc2d7ffa7U, 0xb5d0cf31U, 0x2cd99e8bU, 0x5bdeae1dU,
	0x9b64c2b0U, 0xec63f226U, 0x756aa39cU, 0x026d930aU, 0x9c0906a9U, 0xeb0e363fU,
	0x72076785U, 0x05005713U, 0x95bf4a82U, 0xe2b87a14U, 0x7bb12baeU, 0x0cb61b38U,
	0x92d28e9bU, 0xe5d5be0dU, 0x7cdcefb7U, 0x0bdbdf21U, 0x86d3d2d4U, 0xf1d4e242U,
	0x68ddb3f8U, 0x1fda836eU, 0x81be16cdU, 0xf6b9265bU, 0x6fb077e1U, 0x18b74777U,
	0x88085ae6U, 0xff0f6a70U, 0x66063bcaU, 0x11010b5cU, 0x8f659effU, 0xf862ae69U,
	0x616bffd3U, 0x166ccf45U, 0xa00ae278U, 0xd70dd2eeU, 0x4e048354U, 0x3903b3c2U,
	0xa7672661U, 0xd06016f7U, 0x4969474dU, 0x3e6e77dbU, 0xaed16a4aU, 0xd9d65adcU,
	0x40df0b66U, 0x37d83bf0U, 0xa9bcae53U, 0xdebb9ec5U, 0x47b2cf7fU, 0x30b5ffe9U,
	0xbdbdf21cU, 0xcabac28aU, 0x53b39330U, 0x24b4a3a6U, 0xbad03605U, 0xcdd70693U,
	0x54de5729U, 0x23d967bfU, 0xb3667a2eU, 0xc4614ab8U, 0x5d681b02U, 0x2a6f2b94U,
	0xb40bbe37U, 0xc30c8ea1U, 0x5a05df1bU, 0x2d02ef8dU,
};

/*
 * librdkafka src/rdcrc32.h rd_crc32(): init 0xffffffff, reflected update,
 * final xor 0xffffffff; it is zlib's crc32() when built with zlib, and the
 * same function from its own table otherwise.
 */
uint32_t
pk_crc32(const void *key, size_t n)
{
	const unsigned char *p = key;
	uint32_t c = 0xffffffffU;
	size_t i;

	for (i = 0; i < n; i++)
		c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffU;
}

/*
 * librdkafka 2.0.2 src/rdkafka_msg.c:
 *   murmur2:    (rd_murmur2(key, keylen) & 0x7fffffff) % partition_cnt
 *   fnv1a:      rd_fnv1a(key, keylen) % partition_cnt
 *   consistent: rd_crc32(key, keylen) % partition_cnt
 * The hashes are uint32_t, so the int32_t partition_cnt converts to
 * unsigned and the remainder is unsigned; the same below.
 */
int32_t
pk_partition_murmur2(const void *key, size_t n, int32_t partitions)
{
	if (partitions <= 0)
		return -1;
	return (int32_t)((pk_murmur2(key, n) & 0x7fffffffU) % (uint32_t)partitions);
}

int32_t
pk_partition_fnv1a(const void *key, size_t n, int32_t partitions)
{
	if (partitions <= 0)
		return -1;
	return (int32_t)(pk_fnv1a(key, n) % (uint32_t)partitions);
}

int32_t
pk_partition_crc32(const void *key, size_t n, int32_t partitions)
{
	if (partitions <= 0)
		return -1;
	return (int32_t)(pk_crc32(key, n) % (uint32_t)partitions);
}

void
pk_be32_put(unsigned char out[4], int32_t v)
{
	uint32_t u = (uint32_t)v;

	out[0] = (unsigned char)(u >> 24);
	out[1] = (unsigned char)(u >> 16);
	out[2] = (unsigned char)(u >> 8);
	out[3] = (unsigned char)u;
}

void
pk_be64_put(unsigned char out[8], int64_t v)
{
	uint64_t u = (uint64_t)v;

	pk_be32_put(out, (int32_t)(uint32_t)(u >> 32));
	pk_be32_put(out + 4, (int32_t)(uint32_t)u);
}

/* Conversions of out-of-range unsigned values to signed are implementation
 * defined in C11; spell two's complement out instead. */
int32_t
pk_be32_get(const unsigned char in[4])
{
	uint32_t u = (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 |
	    (uint32_t)in[2] << 8 | in[3];

	if (u <= INT32_MAX)
		return (int32_t)u;
	return (int32_t)(u - 0x80000000U) + INT32_MIN;
}

int64_t
pk_be64_get(const unsigned char in[8])
{
	uint64_t u = (uint64_t)(uint32_t)pk_be32_get(in) << 32 |
	    (uint32_t)pk_be32_get(in + 4);

	if (u <= INT64_MAX)
		return (int64_t)u;
	return (int64_t)(u - 0x8000000000000000ULL) + INT64_MIN;
}

/*
 * XXH64, after the xxHash specification (doc/xxhash_spec.md in
 * github.com/Cyan4973/xxHash): four 64-bit lanes over 32-byte stripes,
 * merged, then the 8-, 4- and 1-byte tail, then the avalanche.
 */
#define P64_1 0x9e3779b185ebca87ULL
#define P64_2 0xc2b2ae3d27d4eb4fULL
#define P64_3 0x165667b19e3779f9ULL
#define P64_4 0x85ebca77c2b2ae63ULL
#define P64_5 0x27d4eb2f165667c5ULL

static uint64_t
rotl64(uint64_t x, int r)
{
	return x << r | x >> (64 - r);
}

static uint64_t
xxh_round(uint64_t acc, uint64_t in)
{
	acc += in * P64_2;
	acc = rotl64(acc, 31);
	return acc * P64_1;
}

static uint64_t
xxh_merge(uint64_t h, uint64_t v)
{
	h ^= xxh_round(0, v);
	return h * P64_1 + P64_4;
}

uint64_t
pk_hash64(const void *key, size_t n, uint64_t seed)
{
	const unsigned char *p = n ? key : (const void *)"", *end = p + n;
	uint64_t h;

	if (n >= 32) {
		const unsigned char *limit = end - 32;
		uint64_t v1 = seed + P64_1 + P64_2, v2 = seed + P64_2;
		uint64_t v3 = seed, v4 = seed - P64_1;

		do {
			v1 = xxh_round(v1, le64(p));
			v2 = xxh_round(v2, le64(p + 8));
			v3 = xxh_round(v3, le64(p + 16));
			v4 = xxh_round(v4, le64(p + 24));
			p += 32;
		} while (p <= limit);
		h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
		h = xxh_merge(h, v1);
		h = xxh_merge(h, v2);
		h = xxh_merge(h, v3);
		h = xxh_merge(h, v4);
	} else {
		h = seed + P64_5;
	}
	h += (uint64_t)n;
	while (end - p >= 8) {
		h ^= xxh_round(0, le64(p));
		h = rotl64(h, 27) * P64_1 + P64_4;
		p += 8;
	}
	if (end - p >= 4) {
		h ^= (uint64_t)le32(p) * P64_1;
		h = rotl64(h, 23) * P64_2 + P64_3;
		p += 4;
	}
	while (p < end) {
		h ^= (uint64_t)*p * P64_5;
		h = rotl64(h, 11) * P64_1;
		p++;
	}
	h ^= h >> 33;
	h *= P64_2;
	h ^= h >> 29;
	h *= P64_3;
	h ^= h >> 32;
	return h;
}
