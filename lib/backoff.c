/*
 * backoff - retry delays and a token bucket; the jitter formulas follow
 * Marc Brooker, "Exponential Backoff And Jitter" (AWS Architecture Blog,
 * 2015), with "full" as DESIGN.md states it: uniform in [0, min(cap, base*2^(k-1))].
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/backoff.h"
#include "lib/time.h"

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

void
pk_rng_seed(struct pk_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * UINT64_C(0xd1b54a32d192ed03));
	int i;

	/* splitmix64 never yields four zero words in a row, which is the one
	 * state xoshiro must avoid. */
	x = splitmix64(&x) ^ stream;
	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
pk_rng_next(struct pk_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

int64_t
pk_rng_range(struct pk_rng *r, int64_t lo, int64_t hi)
{
	uint64_t span, limit, x;

	if (hi <= lo)
		return lo;
	span = (uint64_t)hi - (uint64_t)lo + 1;
	if (span == 0)		/* the whole 64-bit range */
		return (int64_t)pk_rng_next(r);
	/* Rejection keeps every value equally likely. */
	limit = UINT64_MAX - UINT64_MAX % span;
	do
		x = pk_rng_next(r);
	while (x >= limit);
	return (int64_t)((uint64_t)lo + x % span);
}

int
pk_jitter_parse(const char *name, enum pk_jitter *j)
{
	static const char *const names[] = { "full", "equal", "decorrelated", "none" };
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0) {
			*j = (enum pk_jitter)i;
			return 0;
		}
	return -1;
}

const char *
pk_jitter_name(enum pk_jitter j)
{
	switch (j) {
	case PK_JITTER_FULL: return "full";
	case PK_JITTER_EQUAL: return "equal";
	case PK_JITTER_DECORRELATED: return "decorrelated";
	case PK_JITTER_NONE: return "none";
	}
	return "?";
}

int
pk_backoff_parse(struct pk_backoff *b, const char *spec, struct pk_err *err)
{
	const char *dots = strstr(spec, "..");
	struct pk_err e = PK_ERR_INIT;
	int64_t base, cap;

	if (dots == NULL)
		return pk_err_set(err, PK_ERR_USAGE, "invalid --backoff '%s': expected BASE..CAP "
		    "(e.g. 1s..5m)", spec);
	if (pk_duration_parse(spec, (size_t)(dots - spec), &base, &e) < 0 ||
	    pk_duration_parse(dots + 2, strlen(dots + 2), &cap, &e) < 0)
		return pk_err_set(err, PK_ERR_USAGE, "invalid --backoff '%s': %s", spec, e.msg);
	if (cap < base)
		return pk_err_set(err, PK_ERR_USAGE, "invalid --backoff '%s': the cap is below the base",
		    spec);
	b->base = base;
	b->cap = cap;
	return 0;
}

int64_t
pk_backoff_ceiling(const struct pk_backoff *b, unsigned retry)
{
	int64_t c = b->base;
	unsigned i;

	if (retry == 0)
		return 0;
	for (i = 1; i < retry && c < b->cap; i++)
		c = c > INT64_MAX / 2 ? INT64_MAX : c * 2;
	return c < b->cap ? c : b->cap;
}

int64_t
pk_backoff_delay(const struct pk_backoff *b, struct pk_rng *rng, unsigned retry, int64_t *prev)
{
	int64_t c = pk_backoff_ceiling(b, retry), d, hi;

	switch (b->jitter) {
	case PK_JITTER_FULL:
		d = pk_rng_range(rng, 0, c);
		break;
	case PK_JITTER_EQUAL:
		d = c / 2 + pk_rng_range(rng, 0, c - c / 2);
		break;
	case PK_JITTER_DECORRELATED:
		hi = *prev > 0 ? *prev : b->base;
		hi = hi > INT64_MAX / 3 ? INT64_MAX : hi * 3;
		d = pk_rng_range(rng, b->base, hi);
		if (d > b->cap)
			d = b->cap;
		break;
	default:
		d = c;
	}
	*prev = d;
	return d;
}

int
pk_rate_parse(const char *s, double *rate, struct pk_err *err)
{
	char *end;
	double n, per = 1;

	errno = 0;
	n = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(n) || n <= 0)
		goto bad;
	if (*end == '/') {
		if (strcmp(end, "/s") == 0)
			per = 1;
		else if (strcmp(end, "/m") == 0)
			per = 60;
		else if (strcmp(end, "/h") == 0)
			per = 3600;
		else
			goto bad;
	} else if (*end != '\0') {
		goto bad;
	}
	*rate = n / per;
	if (*rate > 1e9)
		goto bad;
	return 0;
bad:
	return pk_err_set(err, PK_ERR_USAGE, "invalid --rate '%s': expected N/s, N/m or N/h "
	    "with N above 0", s);
}

void
pk_tbucket_init(struct pk_tbucket *tb, double per_sec, int64_t burst)
{
	tb->interval = per_sec > 0 ? (int64_t)llround(1e9 / per_sec) : 0;
	if (per_sec > 0 && tb->interval < 1)
		tb->interval = 1;
	tb->burst = burst < 1 ? 1 : burst;
	tb->tat = INT64_MIN;
}

int64_t
pk_tbucket_take(struct pk_tbucket *tb, int64_t now)
{
	int64_t allowed_at;

	if (tb->interval == 0)
		return 0;
	if (tb->tat == INT64_MIN || tb->tat < now)
		tb->tat = now;
	allowed_at = tb->tat - (tb->burst - 1) * tb->interval;
	if (now < allowed_at)
		return allowed_at - now;
	tb->tat += tb->interval;
	return 0;
}
