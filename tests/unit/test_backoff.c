/*
 * test_backoff - lib/backoff: the xoshiro256** reference outputs, the delay
 * formulas with a fixed seed (bounds, exact ceilings, distribution,
 * determinism), the --backoff and --rate parsers, and the token bucket's
 * timing on a simulated clock.
 */
#include <inttypes.h>

#include "lib/backoff.h"
#include "tests/unit/tap.h"

#define S PK_NS_PER_SEC

static void
test_rng(void)
{
	struct pk_rng r = { { 1, 2, 3, 4 } }, a, b;
	int i, same = 1, differ = 0;

	/* xoshiro256** from state {1,2,3,4}: first outputs of the reference C code
	 * (prng.di.unimi.it/xoshiro256starstar.c). */
	is_int((long long)pk_rng_next(&r), 11520, "xoshiro256** output 1");
	is_int((long long)pk_rng_next(&r), 0, "xoshiro256** output 2");
	is_int((long long)pk_rng_next(&r), 1509978240, "xoshiro256** output 3");
	ok(pk_rng_next(&r) == UINT64_C(1215971899390074240), "xoshiro256** output 4");

	pk_rng_seed(&a, 42, 7);
	pk_rng_seed(&b, 42, 7);
	for (i = 0; i < 100; i++)
		if (pk_rng_next(&a) != pk_rng_next(&b))
			same = 0;
	ok(same, "same seed and stream, same values");
	pk_rng_seed(&a, 42, 7);
	pk_rng_seed(&b, 42, 8);
	for (i = 0; i < 100; i++)
		if (pk_rng_next(&a) != pk_rng_next(&b))
			differ++;
	ok(differ > 95, "another stream, other values");

	pk_rng_seed(&a, 1, 0);
	for (i = 0, same = 1; i < 10000; i++) {
		int64_t v = pk_rng_range(&a, -3, 3);

		if (v < -3 || v > 3)
			same = 0;
	}
	ok(same, "range stays inside [lo, hi]");
	is_int(pk_rng_range(&a, 5, 5), 5, "empty range gives lo");
}

static void
test_ceiling(void)
{
	struct pk_backoff b = PK_BACKOFF_INIT;
	struct pk_rng r;
	int64_t prev = 0;
	unsigned k;

	is_int(b.base, S, "default base 1s");
	is_int(b.cap, 300 * S, "default cap 5m");
	is_int(pk_backoff_ceiling(&b, 1), S, "retry 1: base");
	is_int(pk_backoff_ceiling(&b, 2), 2 * S, "retry 2: 2 base");
	is_int(pk_backoff_ceiling(&b, 9), 256 * S, "retry 9: 256 base");
	is_int(pk_backoff_ceiling(&b, 10), 300 * S, "retry 10: capped");
	is_int(pk_backoff_ceiling(&b, 1000), 300 * S, "retry 1000: capped, no overflow");
	b.jitter = PK_JITTER_NONE;
	pk_rng_seed(&r, 1, 0);
	for (k = 1; k <= 12; k++) {
		int64_t want = (int64_t)1 << (k - 1);

		if (want > 300)
			want = 300;
		is_int(pk_backoff_delay(&b, &r, k, &prev), want * S, "none: retry %u", k);
	}
}

static void
test_full(void)
{
	struct pk_backoff b = PK_BACKOFF_INIT;
	struct pk_rng r, r2;
	int64_t prev = 0, d, c;
	double sum[4] = { 0, 0, 0, 0 };
	int inside = 1, i, same = 1;
	unsigned k;

	b.base = 100 * 1000000;		/* 100ms..1s */
	b.cap = S;
	/* uniform(0, min(cap, base * 2^(k-1))) for k = 1..4 (ceilings 100, 200,
	 * 400, 800 ms): every draw in range, mean close to half the ceiling. */
	pk_rng_seed(&r, 2026, 0);
	for (i = 0; i < 20000; i++)
		for (k = 1; k <= 4; k++) {
			c = pk_backoff_ceiling(&b, k);
			d = pk_backoff_delay(&b, &r, k, &prev);
			if (d < 0 || d > c)
				inside = 0;
			sum[k - 1] += (double)d;
		}
	ok(inside, "full: every delay in [0, min(cap, base*2^(k-1))]");
	for (k = 1; k <= 4; k++) {
		double mean = sum[k - 1] / 20000, want = (double)pk_backoff_ceiling(&b, k) / 2;

		ok(mean > want * 0.98 && mean < want * 1.02, "full: mean of retry %u is %.1f ms "
		    "(half the ceiling %.1f ms)", k, mean / 1e6, want / 1e6);
	}
	/* Past the cap the ceiling stays at the cap. */
	for (i = 0, inside = 1; i < 1000; i++)
		if (pk_backoff_delay(&b, &r, 20, &prev) > S)
			inside = 0;
	ok(inside, "full: capped at 1s from retry 5 on");
	/* The seed decides everything. */
	pk_rng_seed(&r, 99, 3);
	pk_rng_seed(&r2, 99, 3);
	for (k = 1; k <= 8; k++)
		if (pk_backoff_delay(&b, &r, k, &prev) != pk_backoff_delay(&b, &r2, k, &prev))
			same = 0;
	ok(same, "full: same seed, same delays");
	/* Pinned: seed 1, stream 0, 1s..5m. A change here changes what users
	 * who replay with --seed 1 observe. */
	{
		struct pk_backoff d5 = PK_BACKOFF_INIT;
		int64_t got[3];

		pk_rng_seed(&r, 1, 0);
		for (k = 1; k <= 3; k++)
			got[k - 1] = pk_backoff_delay(&d5, &r, k, &prev);
		pk_rng_seed(&r2, 1, 0);
		is_int(got[0], pk_rng_range(&r2, 0, S), "full retry 1 = uniform draw in [0, 1s]");
		is_int(got[1], pk_rng_range(&r2, 0, 2 * S), "full retry 2 = next draw in [0, 2s]");
		is_int(got[2], pk_rng_range(&r2, 0, 4 * S), "full retry 3 = next draw in [0, 4s]");
	}
}

static void
test_equal_decorrelated(void)
{
	struct pk_backoff b = PK_BACKOFF_INIT;
	struct pk_rng r;
	int64_t prev = 0, d, c;
	int inside = 1, i;
	unsigned k;

	b.jitter = PK_JITTER_EQUAL;
	pk_rng_seed(&r, 5, 0);
	for (i = 0; i < 5000; i++)
		for (k = 1; k <= 12; k++) {
			c = pk_backoff_ceiling(&b, k);
			d = pk_backoff_delay(&b, &r, k, &prev);
			if (d < c / 2 || d > c)
				inside = 0;
		}
	ok(inside, "equal: every delay in [c/2, c]");

	b.jitter = PK_JITTER_DECORRELATED;
	for (i = 0; i < 5000; i++) {
		int64_t last = 0;

		prev = 0;
		for (k = 1; k <= 12; k++) {
			int64_t hi = (last > 0 ? last : b.base) * 3;

			d = pk_backoff_delay(&b, &r, k, &prev);
			if (d < b.base || d > b.cap || (d > hi && d != b.cap) || prev != d)
				inside = 0;
			last = d;
		}
	}
	ok(inside, "decorrelated: min(cap, uniform(base, 3*previous))");
}

static void
test_parse(void)
{
	struct pk_backoff b = PK_BACKOFF_INIT;
	struct pk_err err = PK_ERR_INIT;
	enum pk_jitter j;
	double rate;

	is_int(pk_backoff_parse(&b, "250ms..30s", &err), 0, "250ms..30s");
	is_int(b.base, 250000000, "base 250ms");
	is_int(b.cap, 30 * S, "cap 30s");
	is_int(pk_backoff_parse(&b, "5s..1s", &err), -1, "cap below base refused");
	is_str(err.msg, "invalid --backoff '5s..1s': the cap is below the base", "message");
	is_int(pk_backoff_parse(&b, "1s", &err), -1, "no '..' refused");
	is_int(pk_backoff_parse(&b, "1x..2s", &err), -1, "bad duration refused");
	is_int(pk_jitter_parse("decorrelated", &j), 0, "jitter name");
	is_int(j, PK_JITTER_DECORRELATED, "decorrelated");
	is_int(pk_jitter_parse("half", &j), -1, "unknown jitter");

	is_int(pk_rate_parse("200/s", &rate, &err), 0, "200/s");
	ok(rate == 200, "200 per second");
	is_int(pk_rate_parse("30/m", &rate, &err), 0, "30/m");
	ok(rate == 0.5, "0.5 per second");
	is_int(pk_rate_parse("7200/h", &rate, &err), 0, "7200/h");
	ok(rate == 2, "2 per second");
	is_int(pk_rate_parse("50", &rate, &err), 0, "bare number");
	is_int(pk_rate_parse("0/s", &rate, &err), -1, "zero refused");
	is_int(pk_rate_parse("5/d", &rate, &err), -1, "unknown unit refused");
	is_int(pk_rate_parse("abc", &rate, &err), -1, "not a number refused");
}

static void
test_bucket(void)
{
	struct pk_tbucket tb;
	int64_t now = 1000 * S, w, last = 0;
	int i, sent = 0;

	/* 200/s, burst 1: 2000 sends take 1999 intervals of 5 ms = 9.995 s. */
	pk_tbucket_init(&tb, 200, 1);
	is_int(tb.interval, 5000000, "200/s: 5 ms per token");
	while (sent < 2000) {
		w = pk_tbucket_take(&tb, now);
		if (w == 0) {
			sent++;
			last = now;
		} else {
			now += w;
		}
	}
	is_int(last - 1000 * S, 9995000000LL, "2000 sends at 200/s span 9.995 s");
	/* Burst 10 after idling: ten at once, then paced. */
	pk_tbucket_init(&tb, 100, 10);
	now = 0;
	for (i = 0; i < 10; i++)
		if (pk_tbucket_take(&tb, now) != 0)
			break;
	is_int(i, 10, "burst of 10 at once");
	is_int(pk_tbucket_take(&tb, now), 10000000, "then 10 ms to wait");
	pk_tbucket_init(&tb, 0, 1);
	is_int(pk_tbucket_take(&tb, 5), 0, "no limit");
}

int
main(void)
{
	test_rng();
	test_ceiling();
	test_full();
	test_equal_decorrelated();
	test_parse();
	test_bucket();
	return tap_done();
}
