/*
 * sha256 - SHA-256 written from FIPS 180-4 (sections 4.1.2, 4.2.2, 5.1.1,
 * 6.2), checked against the NIST example vectors in tests/unit/test_sha256.c;
 * on x86-64 processors with the SHA extensions the block function uses them
 * (Intel, "New Instructions Supporting the Secure Hash Algorithm on Intel
 * Architecture Processors", 2013), about five times faster.
 */
#include <string.h>

#include "lib/sha256.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_SHANI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

/* FIPS 180-4 4.2.2: the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. */
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

/* 6.2.2 as written. Unrolling it (working variables renamed instead of
 * shifted, a 16-word schedule) measured no faster with gcc 12 -O2: the
 * compiler does as well with the loop. */
static void
blocks_portable(uint32_t st[8], const unsigned char *p, size_t nblk)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
	int i;

	for (; nblk > 0; nblk--, p += 64) {
		for (i = 0; i < 16; i++)
			w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
			    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
		for (i = 16; i < 64; i++) {
			uint32_t s0 = ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^ (w[i - 15] >> 3);
			uint32_t s1 = ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^ (w[i - 2] >> 10);

			w[i] = w[i - 16] + s0 + w[i - 7] + s1;
		}
		a = st[0]; b = st[1]; c = st[2]; d = st[3];
		e = st[4]; f = st[5]; g = st[6]; hh = st[7];
		for (i = 0; i < 64; i++) {
			t1 = hh + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) +
			    K[i] + w[i];
			t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
			hh = g; g = f; f = e; e = d + t1;
			d = c; c = b; b = a; a = t1 + t2;
		}
		st[0] += a; st[1] += b; st[2] += c; st[3] += d;
		st[4] += e; st[5] += f; st[6] += g; st[7] += hh;
	}
}

#ifdef HAVE_SHANI
/*
 * The same with SHA256RNDS2 (two rounds), SHA256MSG1/MSG2 (the schedule).
 * The state lives as ABEF and CDGH; four message vectors rotate through
 * the 16 groups of four rounds.
 */
__attribute__((target("sha,sse4.1,ssse3")))
static void
blocks_shani(uint32_t st[8], const unsigned char *p, size_t nblk)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i s0, s1, t, save0, save1, msg, m[4];
	int g;

	t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)st), 0xB1);
	s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)(st + 4)), 0x1B);
	s0 = _mm_alignr_epi8(t, s1, 8);		/* ABEF */
	s1 = _mm_blend_epi16(s1, t, 0xF0);	/* CDGH */
	for (; nblk > 0; nblk--, p += 64) {
		save0 = s0;
		save1 = s1;
		for (g = 0; g < 4; g++)
			m[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * g)),
			    bswap);
#pragma GCC unroll 16
		for (g = 0; g < 16; g++) {
			msg = _mm_add_epi32(m[g & 3],
			    _mm_loadu_si128((const __m128i *)(const void *)(K + 4 * g)));
			s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
			if (g >= 3 && g <= 14) {
				t = _mm_alignr_epi8(m[g & 3], m[(g + 3) & 3], 4);
				m[(g + 1) & 3] = _mm_sha256msg2_epu32(_mm_add_epi32(m[(g + 1) & 3], t),
				    m[g & 3]);
			}
			msg = _mm_shuffle_epi32(msg, 0x0E);
			s0 = _mm_sha256rnds2_epu32(s0, s1, msg);
			if (g >= 1 && g <= 12)
				m[(g + 3) & 3] = _mm_sha256msg1_epu32(m[(g + 3) & 3], m[g & 3]);
		}
		s0 = _mm_add_epi32(s0, save0);
		s1 = _mm_add_epi32(s1, save1);
	}
	t = _mm_shuffle_epi32(s0, 0x1B);	/* FEBA */
	s1 = _mm_shuffle_epi32(s1, 0xB1);	/* DCHG */
	_mm_storeu_si128((__m128i *)(void *)st, _mm_blend_epi16(t, s1, 0xF0));
	_mm_storeu_si128((__m128i *)(void *)(st + 4), _mm_alignr_epi8(s1, t, 8));
}

static int
cpu_has_shani(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3))
		return 0;
	if (__get_cpuid_max(0, NULL) < 7)
		return 0;
	__cpuid_count(7, 0, a, b, c, d);
	return (b >> 29) & 1;	/* CPUID.(EAX=7,ECX=0):EBX.SHA[bit 29] */
}
#endif

/* 0 not decided yet, 1 portable, 2 SHA extensions. */
static int impl;

void
pk_sha256_force_portable(int on)
{
	impl = on ? 1 : 0;
}

static void
blocks(uint32_t st[8], const unsigned char *p, size_t nblk)
{
#ifdef HAVE_SHANI
	/* A race here only computes the same answer twice. */
	if (impl == 0)
		impl = cpu_has_shani() ? 2 : 1;
	if (impl == 2) {
		blocks_shani(st, p, nblk);
		return;
	}
#endif
	blocks_portable(st, p, nblk);
}

void
pk_sha256_init(struct pk_sha256 *s)
{
	/* FIPS 180-4 5.3.3: square roots of the first 8 primes. */
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};

	memcpy(s->h, iv, sizeof iv);
	s->len = 0;
	s->nblk = 0;
}

void
pk_sha256_update(struct pk_sha256 *s, const void *data, size_t n)
{
	const unsigned char *p = data;

	s->len += n;
	if (s->nblk > 0) {
		size_t take = 64 - s->nblk < n ? 64 - s->nblk : n;

		memcpy(s->blk + s->nblk, p, take);
		s->nblk += take;
		p += take;
		n -= take;
		if (s->nblk < 64)
			return;
		blocks(s->h, s->blk, 1);
		s->nblk = 0;
	}
	if (n >= 64) {
		blocks(s->h, p, n / 64);
		p += n & ~(size_t)63;
		n &= 63;
	}
	if (n > 0) {
		memcpy(s->blk, p, n);
		s->nblk = n;
	}
}

void
pk_sha256_final(struct pk_sha256 *s, unsigned char out[PK_SHA256_LEN])
{
	uint64_t bits = s->len * 8;
	int i;

	/* 5.1.1: a 1 bit, zeros to 56 mod 64 bytes, the length in bits (big-endian). */
	s->blk[s->nblk++] = 0x80;
	if (s->nblk > 56) {
		memset(s->blk + s->nblk, 0, 64 - s->nblk);
		blocks(s->h, s->blk, 1);
		s->nblk = 0;
	}
	memset(s->blk + s->nblk, 0, 56 - s->nblk);
	for (i = 0; i < 8; i++)
		s->blk[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
	blocks(s->h, s->blk, 1);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(s->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)s->h[i];
	}
}

void
pk_sha256(const void *data, size_t n, unsigned char out[PK_SHA256_LEN])
{
	struct pk_sha256 s;

	pk_sha256_init(&s);
	pk_sha256_update(&s, data, n);
	pk_sha256_final(&s, out);
}

void
pk_sha256_hex(const unsigned char d[PK_SHA256_LEN], char hex[2 * PK_SHA256_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < PK_SHA256_LEN; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * PK_SHA256_LEN] = '\0';
}
