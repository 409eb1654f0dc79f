/*
 * sha256 - SHA-256 (FIPS 180-4) for content ids such as dlqreplay's ledger keys.
 */
#ifndef PK_SHA256_H
#define PK_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define PK_SHA256_LEN 32

/* Incremental state; no allocation. */
struct pk_sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	unsigned char blk[64];
	size_t nblk;		/* bytes waiting in blk */
};

void pk_sha256_init(struct pk_sha256 *s);
void pk_sha256_update(struct pk_sha256 *s, const void *data, size_t n);
/* Write the 32-byte digest; s must be initialised again before reuse. */
void pk_sha256_final(struct pk_sha256 *s, unsigned char out[PK_SHA256_LEN]);
/* One call: digest of data[0..n). */
void pk_sha256(const void *data, size_t n, unsigned char out[PK_SHA256_LEN]);
/* Use the portable block function even where the processor has SHA
 * instructions (on), or choose by the processor again (off): for tests
 * that compare the two. Not thread-safe; call before hashing. */
void pk_sha256_force_portable(int on);
/* 64 lowercase hex digits and a NUL into hex. */
void pk_sha256_hex(const unsigned char d[PK_SHA256_LEN], char hex[2 * PK_SHA256_LEN + 1]);

#endif
