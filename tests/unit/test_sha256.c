/*
 * test_sha256 - lib/sha256 against the FIPS 180-4 example vectors (NIST
 * CSRC "Examples with Intermediate Values", SHA-256 one-block, two-block
 * and the one-million-'a' message from FIPS 180-2 appendix B.3), the empty
 * message, and incremental updates split at every offset; then the
 * portable block function against the processor's SHA instructions (where
 * it has them) on every length up to 1,000 bytes.
 */
#include <stdlib.h>

#include "lib/sha256.h"
#include "tests/unit/tap.h"

static const char *
hexof(const void *p, size_t n)
{
	static char hex[2 * PK_SHA256_LEN + 1];
	unsigned char d[PK_SHA256_LEN];

	pk_sha256(p, n, d);
	pk_sha256_hex(d, hex);
	return hex;
}

int
main(void)
{
	static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char four[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	struct pk_sha256 s;
	unsigned char d[PK_SHA256_LEN], whole[PK_SHA256_LEN];
	char hex[2 * PK_SHA256_LEN + 1];
	char *big;
	size_t i, n = sizeof two - 1;
	int same = 1;

	is_str(hexof("abc", 3),
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "FIPS 180-4 'abc'");
	is_str(hexof(two, n),
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	    "FIPS 180-4 two-block message");
	is_str(hexof(four, sizeof four - 1),
	    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
	    "896-bit message (FIPS 180-2 SHA-256 test set)");
	is_str(hexof("", 0),
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty message");

	big = malloc(1000000);
	memset(big, 'a', 1000000);
	is_str(hexof(big, 1000000),
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    "one million 'a' (FIPS 180-2 B.3)");
	/* Same digest fed in uneven pieces. */
	pk_sha256_init(&s);
	for (i = 0; i < 1000000; i += 997)
		pk_sha256_update(&s, big + i, 1000000 - i < 997 ? 1000000 - i : 997);
	pk_sha256_final(&s, d);
	pk_sha256_hex(d, hex);
	is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    "one million 'a' in 997-byte pieces");
	free(big);

	/* Every split point of the two-block message, including the 55/56/64
	 * padding boundaries. */
	pk_sha256(two, n, whole);
	for (i = 0; i <= n; i++) {
		pk_sha256_init(&s);
		pk_sha256_update(&s, two, i);
		pk_sha256_update(&s, two + i, n - i);
		pk_sha256_final(&s, d);
		if (memcmp(d, whole, sizeof d) != 0)
			same = 0;
	}
	ok(same, "split at every offset gives the same digest");
	/* Lengths around the padding edge: 55 bytes fit one block, 56 need two. */
	/* Values from coreutils sha256sum. */
	is_str(hexof(four, 55),
	    "4243974b4dd5dcbe9952db216e4e399d1d1a21d0bc15d6197aa93a12136cef55", "55 bytes (one block)");
	is_str(hexof(four, 64),
	    "2ff100b36c386c65a1afc462ad53e25479bec9498ed00aa5a04de584bc25301b", "64 bytes (two blocks)");
	pk_sha256(four, 56, d);
	pk_sha256_init(&s);
	for (i = 0; i < 56; i++)
		pk_sha256_update(&s, four + i, 1);
	pk_sha256_final(&s, whole);
	ok(memcmp(d, whole, sizeof d) == 0, "56 bytes byte by byte");

	/* Both block functions: the same digests for every length, from
	 * bytes that are not all alike (a simple LCG), at odd addresses. */
	big = malloc(1001);
	for (i = 0; i < 1001; i++)
		big[i] = (char)((i * 2654435761u + 12345u) >> 13);
	{
		static unsigned char fast[1001][PK_SHA256_LEN];
		size_t bad = 0;

		for (i = 0; i <= 1000; i++)
			pk_sha256(big + 1, i, fast[i]);
		pk_sha256_force_portable(1);
		for (i = 0; i <= 1000; i++) {
			pk_sha256(big + 1, i, d);
			if (memcmp(d, fast[i], sizeof d) != 0)
				bad++;
		}
		is_int((long)bad, 0, "portable and default block functions agree on lengths 0..1000");
		is_str(hexof("abc", 3),
		    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		    "portable: FIPS 180-4 'abc'");
		is_str(hexof(four, sizeof four - 1),
		    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
		    "portable: 896-bit message");
		pk_sha256_force_portable(0);
	}
	free(big);
	return tap_done();
}
