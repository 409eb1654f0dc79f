/*
 * test_hll - exact small sets, HyperLogLog error bounds, order-independent
 * merges and the saved form of lib/hll.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "lib/hll.h"
#include "tests/unit/tap.h"

static uint64_t
hash_of(uint64_t i)
{
	char s[32];
	int n = snprintf(s, sizeof s, "user-%llu", (unsigned long long)i);

	return pk_hll_hash(s, (size_t)n);
}

/* Three standard errors of a p-precision sketch (1.04 / sqrt(m)). */
static double
bound(unsigned p)
{
	return 3 * 1.04 / sqrt((double)(1u << p));
}

static void
check_range(unsigned p, uint64_t n)
{
	struct pk_hll h;
	uint64_t i;
	double est, rel;

	pk_hll_init(&h, p);
	for (i = 0; i < n; i++)
		pk_hll_add(&h, hash_of(i));
	/* every value twice: duplicates change nothing */
	for (i = 0; i < n; i += 2)
		pk_hll_add(&h, hash_of(i));
	est = pk_hll_count(&h);
	rel = fabs(est - (double)n) / (double)n;
	ok(rel <= bound(p), "p=%u, %llu distinct: estimate %.0f within 3 standard errors (%.4f <= %.4f)",
	    p, (unsigned long long)n, est, rel, bound(p));
	pk_hll_release(&h);
}

int
main(void)
{
	struct pk_hll a, b, c, d, all;
	struct pk_buf buf = PK_BUF_INIT;
	struct pk_err err = PK_ERR_INIT;
	size_t used;
	uint64_t i;

	/* The hash is pinned: XXH64 of "a" with seed 0 is d24ec4f1a98c6e5b
	 * (reference xxhsum -H64 output, as lib/hash's tests). */
	is_int(pk_hll_hash("a", 1) == 0xd24ec4f1a98c6e5bULL, 1, "hash is XXH64 seed 0");

	pk_hll_init(&a, 14);
	ok(pk_hll_count(&a) == 0, "empty counts 0");
	for (i = 0; i < 256; i++) {
		pk_hll_add(&a, hash_of(i));
		pk_hll_add(&a, hash_of(i));
	}
	is_int(a.mode, PK_HLL_EXACT, "256 distinct values are still exact");
	ok(pk_hll_count(&a) == 256, "exact count 256");
	pk_hll_add(&a, hash_of(256));
	is_int(a.mode, PK_HLL_SPARSE, "the 257th distinct value switches to sparse");
	ok(fabs(pk_hll_count(&a) - 257) < 3, "sparse estimate near 257 (%.2f)", pk_hll_count(&a));
	for (i = 257; i < 5000; i++)
		pk_hll_add(&a, hash_of(i));
	is_int(a.mode, PK_HLL_DENSE, "5000 distinct values are dense at p=14");
	pk_hll_release(&a);

	check_range(14, 300);
	check_range(14, 1000);
	check_range(14, 3000);
	check_range(14, 20000);
	check_range(14, 100000);
	check_range(14, 1000000);
	check_range(10, 1000000);
	check_range(16, 1000000);
	check_range(4, 100000);

	/* Merges: the union of overlapping parts, in any order and any
	 * grouping, gives the very registers of adding everything to one. */
	pk_hll_init(&all, 14);
	pk_hll_init(&a, 14);
	pk_hll_init(&b, 14);
	pk_hll_init(&c, 14);
	for (i = 0; i < 200000; i++) {
		uint64_t h = hash_of(i);

		pk_hll_add(&all, h);
		if (i < 100)
			pk_hll_add(&a, h);		/* small: exact */
		else if (i < 3000)
			pk_hll_add(&b, h);		/* sparse */
		else
			pk_hll_add(&c, h);		/* dense */
		if (i % 7 == 0)
			pk_hll_add(&a, h);		/* overlap */
	}
	pk_hll_init(&d, 14);
	pk_hll_merge(&d, &c);
	pk_hll_merge(&d, &a);
	pk_hll_merge(&d, &b);
	ok(d.mode == PK_HLL_DENSE && memcmp(d.reg, all.reg, 1u << 14) == 0,
	    "merge c+a+b equals one sketch of everything");
	pk_hll_release(&d);
	pk_hll_init(&d, 14);
	pk_hll_merge(&d, &a);
	pk_hll_merge(&d, &b);
	pk_hll_merge(&d, &c);
	ok(d.mode == PK_HLL_DENSE && memcmp(d.reg, all.reg, 1u << 14) == 0,
	    "merge a+b+c equals it too");
	pk_hll_release(&d);
	pk_hll_init(&d, 12);
	is_int(pk_hll_merge(&d, &a), -1, "different precisions do not merge");
	pk_hll_release(&d);

	/* Two small exact sets whose union passes 256 become a sketch equal
	 * to adding the union directly. */
	pk_hll_release(&a);
	pk_hll_release(&b);
	pk_hll_release(&all);
	pk_hll_init(&a, 14);
	pk_hll_init(&b, 14);
	pk_hll_init(&all, 14);
	for (i = 0; i < 400; i++) {
		pk_hll_add(i < 200 ? &a : &b, hash_of(i));
		pk_hll_add(&all, hash_of(i));
	}
	pk_hll_merge(&a, &b);
	ok(a.mode == all.mode && a.n == all.n && memcmp(a.sparse, all.sparse, a.n * 4) == 0,
	    "exact + exact past 256 equals the direct sketch");
	is_int(llround(pk_hll_count(&a)), llround(pk_hll_count(&all)), "same estimate");

	/* Saved form round-trips in each mode; garbage is refused. */
	pk_hll_save(&a, &buf);
	ok(pk_hll_load(&d, buf.p, buf.len, &used, &err) == 0 && used == buf.len &&
	    pk_hll_count(&d) == pk_hll_count(&a), "sparse sketch round-trips");
	pk_hll_release(&d);
	pk_buf_reset(&buf);
	pk_hll_save(&c, &buf);
	ok(pk_hll_load(&d, buf.p, buf.len, &used, &err) == 0 && used == buf.len &&
	    memcmp(d.reg, c.reg, 1u << 14) == 0, "dense sketch round-trips");
	pk_hll_release(&d);
	ok(pk_hll_load(&d, buf.p, buf.len - 1, &used, &err) == -1 && err.kind == PK_ERR_DATA,
	    "truncated dense sketch refused: %s", err.msg);
	buf.p[6] = 99;
	ok(pk_hll_load(&d, buf.p, buf.len, &used, &err) == -1, "impossible register value refused");
	pk_buf_reset(&buf);
	pk_hll_release(&b);
	pk_hll_init(&b, 14);
	pk_hll_add(&b, 5);
	pk_hll_add(&b, 3);
	pk_hll_save(&b, &buf);
	ok(pk_hll_load(&d, buf.p, buf.len, &used, &err) == 0 && pk_hll_count(&d) == 2,
	    "exact set round-trips");
	pk_hll_release(&d);

	pk_buf_release(&buf);
	pk_hll_release(&a);
	pk_hll_release(&b);
	pk_hll_release(&c);
	pk_hll_release(&all);
	return tap_done();
}
