/*
 * pk-gen - writes a seeded, byte-for-byte reproducible stream of synthetic
 * ad events (NDJSON or CSV) for pipekit's tests, demo and benchmarks.
 *
 * Reproducibility: the same seed and options give the same bytes on every
 * machine. Every random choice comes from our own xoshiro256** generator
 * (seeded through splitmix64), every number is formatted with integer
 * arithmetic, and the one floating-point computation (the Zipf table) uses
 * only IEEE-754 basic operations with contraction off, never libm, whose
 * pow/exp/log may differ by an ulp between versions and CPU variants.
 *
 * The stream: record i arrives at start + i/rate + jitter and happened a
 * random 0..jitter before that (skewed toward small delays), so event times
 * are never before --start and no record is more than `jitter` behind the
 * one before it. Faults (--bad,
 * --late) are decided per line by a counter-based hash of (seed, line), so
 * turning them on changes only the lines they hit, never the others.
 */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PK_VERSION
#define PK_VERSION "0.0.0"
#endif

#define OUTBUF_SIZE	(1 << 20)
#define LINE_MAX_BYTES	512

enum fmt { FMT_NDJSON, FMT_CSV };
enum tsfmt { TS_RFC3339, TS_EPOCH_MS };
enum bad_kind { BAD_NONE = -1, BAD_TRUNCATED, BAD_NO_CAMPAIGN, BAD_CLICKS, BAD_UTF8, BAD_KINDS };

struct opts {
	uint64_t lines;
	uint64_t seed;
	int64_t start_ms;
	uint64_t rate_milli;	/* events per 1000 s of event time */
	uint32_t campaigns;
	uint32_t users;
	double zipf;
	int64_t jitter_ms;
	uint64_t bad_thr;	/* a line is bad when a 32-bit draw < bad_thr */
	uint64_t late_thr;
	enum fmt format;
	enum tsfmt ts;
};

/* --- randomness ----------------------------------------------------------- */

/* splitmix64 and xoshiro256** as published by Blackman and Vigna,
 * https://prng.di.unimi.it/ (splitmix64.c, xoshiro256starstar.c). */
static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct rng {
	uint64_t s[4];
};

static void
rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t x = seed;
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* A uniform integer in [0, n) from the top 32 bits (Lemire's multiply-shift;
 * the bias is below n / 2^32, irrelevant for synthetic data). */
static inline uint32_t
below(uint64_t r, uint32_t n)
{
	return (uint32_t)(((r >> 32) * (uint64_t)n) >> 32);
}

/* Per-line fault decisions: a hash of (seed, line, salt), independent of
 * every other draw. */
static uint64_t
line_hash(uint64_t seed, uint64_t line, uint64_t salt)
{
	uint64_t x = seed ^ (line * 0xd1342543de82ef95ULL) ^ (salt << 56);

	return splitmix64(&x);
}

/* --- libm-free ln and exp for the Zipf weights ---------------------------- */

static const double LN2 = 0.693147180559945309417232121458176568;

/* ln(x) for x >= 1: x = m * 2^e with m in [0.75, 1.5), then the atanh
 * series ln(m) = 2 (t + t^3/3 + t^5/5 + ...), t = (m-1)/(m+1), |t| < 0.2. */
static double
det_log(double x)
{
	double t, t2, term, sum;
	int e = 0, k;

	while (x >= 1.5) {
		x *= 0.5;
		e++;
	}
	while (x < 0.75) {
		x *= 2.0;
		e--;
	}
	t = (x - 1.0) / (x + 1.0);
	t2 = t * t;
	term = t;
	sum = 0.0;
	for (k = 1; k < 40; k += 2) {
		sum += term / k;
		term *= t2;
	}
	return e * LN2 + 2.0 * sum;
}

/* exp(y) for y <= 0: y = k ln2 + r with |r| <= ln2/2, Taylor series for
 * exp(r), then exact scaling by 2^k. */
static double
det_exp(double y)
{
	double r, term, sum, k;
	int n, i;

	k = (double)(long long)(y / LN2 - 0.5);
	r = y - k * LN2;
	sum = 1.0;
	term = 1.0;
	for (n = 1; n < 24; n++) {
		term = term * r / n;
		sum += term;
	}
	for (i = 0; i > (int)k; i--)
		sum *= 0.5;
	for (i = 0; i < (int)k; i++)
		sum *= 2.0;
	return sum;
}

/* Cumulative Zipf weights rank^-s, scaled to integers in (0, 2^53]: a
 * 53-bit draw r picks the smallest rank whose bound exceeds r. */
static uint64_t *
zipf_table(uint32_t n, double s)
{
	uint64_t *cdf = malloc((size_t)n * sizeof(*cdf));
	double *cum = malloc((size_t)n * sizeof(*cum));
	double total = 0.0;
	uint32_t i;

	if (cdf == NULL || cum == NULL) {
		fprintf(stderr, "pk-gen: out of memory\n");
		exit(4);
	}
	for (i = 0; i < n; i++) {
		total += s == 0.0 ? 1.0 : det_exp(-s * det_log((double)i + 1.0));
		cum[i] = total;
	}
	for (i = 0; i < n; i++)
		cdf[i] = (uint64_t)(cum[i] / total * 9007199254740992.0);
	cdf[n - 1] = 1ULL << 53;
	free(cum);
	return cdf;
}

static inline uint32_t
zipf_pick(const uint64_t *cdf, uint32_t n, uint64_t r)
{
	uint64_t x = r >> 11;
	uint32_t lo = 0, hi = n - 1;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (x < cdf[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* --- the world the events come from --------------------------------------- */

/* Country shares, per mille, roughly an international ad network's
 * traffic mix; the codes are ISO 3166-1 alpha-2. */
static const struct {
	char code[3];
	int weight;
} countries[] = {
	{ "US", 280 }, { "IN", 90 }, { "GB", 70 }, { "DE", 60 }, { "BR", 55 },
	{ "FR", 50 }, { "JP", 45 }, { "CA", 40 }, { "ID", 35 }, { "MX", 35 },
	{ "ES", 30 }, { "IT", 30 }, { "AU", 25 }, { "KR", 25 }, { "NL", 20 },
	{ "PL", 18 }, { "TR", 17 }, { "SE", 12 }, { "PH", 12 }, { "VN", 11 },
	{ "AR", 10 }, { "ZA", 10 }, { "NG", 10 }, { "EG", 8 }, { "CH", 8 },
	{ "IE", 7 }, { "SG", 7 }, { "NO", 6 }, { "NZ", 5 }, { "PT", 5 },
	{ "BE", 5 }, { "DK", 4 }, { "FI", 3 }, { "CL", 2 }, { "TH", 2 },
};
#define NCOUNTRIES (sizeof(countries) / sizeof(countries[0]))
static unsigned char country_of_mille[1000];

static void
countries_init(void)
{
	size_t c, i = 0;
	int w;

	for (c = 0; c < NCOUNTRIES; c++)
		for (w = 0; w < countries[c].weight && i < 1000; w++)
			country_of_mille[i++] = (unsigned char)c;
	while (i < 1000)
		country_of_mille[i++] = 0;
}

/* Campaign rank (by popularity) to id: a fixed permutation, so the hot
 * campaigns are not c00000, c00001, ... next to each other. */
struct campaigns {
	uint32_t n;
	uint64_t mult;
	uint64_t *cdf;
};

static uint64_t
gcd(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static void
campaigns_init(struct campaigns *c, uint32_t n, double s)
{
	c->n = n;
	c->mult = 7919;	/* a prime; stepped until coprime with n */
	while (gcd(c->mult, n) != 1)
		c->mult += 2;
	c->cdf = zipf_table(n, s);
}

/* Each campaign runs 1..40 ads; ad ids are campaign * 100 + k. */
static inline uint32_t
ads_of(uint32_t campaign)
{
	uint64_t x = campaign;

	return 1 + (uint32_t)(splitmix64(&x) % 40);
}

/* --- formatting ------------------------------------------------------------ */

static char *
put_u(char *p, uint64_t v, int width)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n < width) {
		tmp[n++] = '0';
	}
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

static inline char *
put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

static inline char *
put_lit(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}
#define PUT(p, s) put_lit((p), (s), sizeof(s) - 1)

/* Days since 1970-01-01 to a civil date, and back: Howard Hinnant's
 * algorithms, https://howardhinnant.github.io/date_algorithms.html */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yy;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* "YYYY-MM-DDT" of the day last formatted, reused while the day holds. */
static int64_t cached_day = INT64_MIN;
static char cached_date[16];

static char *
put_rfc3339(char *p, int64_t ms)
{
	int64_t day = ms / 86400000, y;
	unsigned m, d, sod = (unsigned)(ms % 86400000);
	char *q;

	if (day != cached_day) {
		civil_from_days(day, &y, &m, &d);
		q = put_u(cached_date, (uint64_t)y, 4);
		*q++ = '-';
		q = put2(q, m);
		*q++ = '-';
		q = put2(q, d);
		*q++ = 'T';
		*q = '\0';
		cached_day = day;
	}
	p = put_lit(p, cached_date, 11);
	p = put2(p, sod / 3600000);
	*p++ = ':';
	p = put2(p, sod / 60000 % 60);
	*p++ = ':';
	p = put2(p, sod / 1000 % 60);
	*p++ = '.';
	p = put_u(p, sod % 1000, 3);
	*p++ = 'Z';
	return p;
}

/* --- one record ----------------------------------------------------------- */

struct gen {
	struct opts o;
	struct rng rng;
	struct campaigns camp;
	int camp_width;
	int ad_width;
	int user_width;
};

static const char *const event_names[] = { "impression", "click", "conversion" };
static const size_t event_lens[] = { 10, 5, 10 };

static int
digits(uint64_t v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Writes record i (newline included) at p; returns its end. */
static char *
gen_record(struct gen *g, uint64_t i, char *p)
{
	const struct opts *o = &g->o;
	char *start = p, *last_comma = NULL;
	uint64_t r, u, base, h;
	int64_t ts, delay;
	uint32_t rank, campaign, ad, user, cost, ev, ctry;
	enum bad_kind bad = BAD_NONE;
	int csv = o->format == FMT_CSV;

	/* The record itself: drawn whatever the faults, so that --bad and
	 * --late change only the lines they hit. */
	r = rng_next(&g->rng);
	u = r >> 43;		/* 21 bits; delay = jitter * u^3: mostly small */
	delay = (int64_t)(((unsigned __int128)(uint64_t)o->jitter_ms * (u * u * u)) >> 63);
	rank = zipf_pick(g->camp.cdf, g->camp.n, rng_next(&g->rng));
	campaign = (uint32_t)(((uint64_t)rank * g->camp.mult + 4242) % g->camp.n);
	ad = campaign * 100 + below(rng_next(&g->rng), ads_of(campaign));
	r = rng_next(&g->rng) >> 32;
	user = (uint32_t)(((r * r) >> 32) * (uint64_t)o->users >> 32);
	r = rng_next(&g->rng);
	ev = below(r, 1000);	/* 96.5% impression, 3% click, 0.5% conversion */
	ev = ev < 965 ? 0 : ev < 995 ? 1 : 2;
	if (ev == 0)
		cost = 5 + below(r << 32, 96);		/* 0.0005..0.0100, CPM $0.5..10 */
	else if (ev == 1)
		cost = 1000 + below(r << 32, 29001);	/* 0.1000..3.0000 per click */
	else
		cost = 0;
	ctry = country_of_mille[below(rng_next(&g->rng), 1000)];

	base = (i * 1000000) / o->rate_milli;
	ts = o->start_ms + (int64_t)base + o->jitter_ms - delay;

	if (o->late_thr != 0) {
		h = line_hash(o->seed, i, 1);
		if ((h >> 32) < o->late_thr)	/* 2..60 min behind, beyond any jitter */
			ts -= o->jitter_ms + 120000 + (int64_t)below(h << 32, 3480001);
	}
	if (ts < 0)
		ts = 0;
	if (o->bad_thr != 0) {
		h = line_hash(o->seed, i, 2);
		if ((h >> 32) < o->bad_thr)
			bad = (enum bad_kind)(h % BAD_KINDS);
	}

	if (!csv)
		p = PUT(p, "{\"ts\":");
	if (o->ts == TS_EPOCH_MS) {
		p = put_u(p, (uint64_t)ts, 1);
	} else {
		if (!csv)
			*p++ = '"';
		p = put_rfc3339(p, ts);
		if (!csv)
			*p++ = '"';
	}
	p = csv ? PUT(p, ",e") : PUT(p, ",\"event_id\":\"e");
	p = put_u(p, i, 10);
	if (bad != BAD_NO_CAMPAIGN) {
		p = csv ? PUT(p, ",c") : PUT(p, "\",\"campaign_id\":\"c");
		p = put_u(p, campaign, g->camp_width);
	} else if (csv) {
		*p++ = ',';
	}
	p = csv ? PUT(p, ",a") : PUT(p, "\",\"ad_id\":\"a");
	p = put_u(p, ad, g->ad_width);
	/* Invalid UTF-8: a stray Latin-1 byte, as a mis-encoded producer writes. */
	p = csv ? PUT(p, ",") : PUT(p, "\",\"user_id\":\"");
	if (bad == BAD_UTF8)
		*p++ = (char)0xe9;
	*p++ = 'u';
	p = put_u(p, user, g->user_width);
	p = csv ? PUT(p, ",") : PUT(p, "\",\"event\":\"");
	p = put_lit(p, event_names[ev], event_lens[ev]);
	if (bad == BAD_CLICKS) {
		p = csv ? PUT(p, ",n/a") : PUT(p, "\",\"clicks\":\"n/a\"");
	} else {
		p = csv ? PUT(p, ",") : PUT(p, "\",\"clicks\":");
		*p++ = ev == 1 ? '1' : '0';
	}
	p = csv ? PUT(p, ",") : PUT(p, ",\"cost\":");
	p = put_u(p, cost / 10000, 1);
	*p++ = '.';
	p = put_u(p, cost % 10000, 4);
	last_comma = p;
	p = csv ? PUT(p, ",") : PUT(p, ",\"country\":\"");
	p = put_lit(p, countries[ctry].code, 2);
	if (!csv)
		p = PUT(p, "\"}");
	if (bad == BAD_TRUNCATED) {
		/* Keep 1..(position of the last comma) bytes: JSON without its
		 * closing brace, CSV short of its last column. */
		h = line_hash(o->seed, i, 3);
		p = start + 1 + (h % (uint64_t)(last_comma - start));
	}
	*p++ = '\n';
	return p;
}

/* --- options and main ------------------------------------------------------- */

static const char usage_text[] =
"Usage: pk-gen [options]\n"
"Write a reproducible stream of synthetic ad events to stdout.\n"
"\n"
"  -n, --lines N       records to write (default 1000000)\n"
"  -s, --seed S        random seed (default 1); same seed + options = same bytes\n"
"      --start TIME    event time of the first record, RFC 3339\n"
"                      (default 2026-11-25T00:00:00Z)\n"
"      --rate N        events per second of event time (default 50: a million\n"
"                      records span 5 h 33 min)\n"
"      --campaigns N   distinct campaign ids (default 10000)\n"
"      --zipf S        Zipf exponent of campaign popularity (default 1.1, 0 = uniform)\n"
"      --users N       user pool size (default 5000000; skewed toward heavy users)\n"
"      --jitter D      out-of-order delay of up to D seconds (default 30)\n"
"      --late RATIO    fraction of records 2-60 min behind the stream (default 0)\n"
"      --bad RATIO     fraction of malformed lines (default 0): truncated, missing\n"
"                      campaign_id, non-numeric clicks, invalid UTF-8 in equal parts\n"
"      --format F      ndjson (default) or csv (with a header row)\n"
"      --ts F          rfc3339 (default, millisecond fraction) or epoch-ms\n"
"  -h, --help          show this help\n"
"  -V, --version       show the version\n"
"\n"
"Fields, in order: ts, event_id, campaign_id, ad_id, user_id, event\n"
"(impression/click/conversion), clicks (0 or 1), cost (4 decimals), country.\n";

static void
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "pk-gen: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'pk-gen --help'.\n");
	exit(2);
}

static uint64_t
parse_u64(const char *s, const char *what, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (*s == '-' || *s == '+' || *s == ' ' || *s == '\0')
		usage_error(what, s);
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		usage_error(what, s);
	return v;
}

static double
parse_double(const char *s, const char *what, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	if (*s == '\0' || *s == ' ')
		usage_error(what, s);
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !(v >= min && v <= max))
		usage_error(what, s);
	return v;
}

static int
take_digits(const char **s, int n, unsigned *out)
{
	unsigned v = 0;
	int k;

	for (k = 0; k < n; k++) {
		if ((*s)[k] < '0' || (*s)[k] > '9')
			return -1;
		v = v * 10 + (unsigned)((*s)[k] - '0');
	}
	*s += n;
	*out = v;
	return 0;
}

/* RFC 3339 (T or space, optional fraction, Z or +hh:mm offset), or a bare
 * date meaning midnight UTC. Returns milliseconds since the epoch, -1 when
 * the text is none of these or before 1970. */
static int64_t
parse_time(const char *s)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h = 0, mi = 0, se = 0, oh, om, frac = 0, scale = 1000;
	int64_t ms, off = 0;
	int sign;

	if (take_digits(&s, 4, &y) || *s++ != '-' || take_digits(&s, 2, &mo) ||
	    *s++ != '-' || take_digits(&s, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
		return -1;
	if (*s != '\0') {
		if (*s != 'T' && *s != 't' && *s != ' ')
			return -1;
		s++;
		if (take_digits(&s, 2, &h) || *s++ != ':' || take_digits(&s, 2, &mi) ||
		    *s++ != ':' || take_digits(&s, 2, &se) || h > 23 || mi > 59 || se > 60)
			return -1;
		if (*s == '.') {
			s++;
			if (*s < '0' || *s > '9')
				return -1;
			for (; *s >= '0' && *s <= '9'; s++) {
				if (scale > 1) {
					scale /= 10;
					frac += (unsigned)(*s - '0') * scale;
				}
			}
		}
		if (*s == 'Z' || *s == 'z') {
			s++;
		} else if (*s == '+' || *s == '-') {
			sign = *s++ == '-' ? -1 : 1;
			if (take_digits(&s, 2, &oh) || *s++ != ':' || take_digits(&s, 2, &om) ||
			    oh > 23 || om > 59)
				return -1;
			off = sign * (int64_t)(oh * 60 + om) * 60000;
		} else {
			return -1;
		}
		if (*s != '\0')
			return -1;
	}
	ms = days_from_civil(y, mo, d) * 86400000 + (int64_t)(h * 3600 + mi * 60 + se) * 1000 +
	    frac - off;
	return ms < 0 ? -1 : ms;
}

static void
write_all(const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(STDOUT_FILENO, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "pk-gen: write error: %s\n", strerror(errno));
			exit(4);
		}
		p += w;
		n -= (size_t)w;
	}
}

int
main(int argc, char *argv[])
{
	enum { OPT_START = 256, OPT_RATE, OPT_CAMPAIGNS, OPT_ZIPF, OPT_USERS,
	    OPT_JITTER, OPT_LATE, OPT_BAD, OPT_FORMAT, OPT_TS };
	static const struct option longopts[] = {
		{ "lines", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "start", required_argument, NULL, OPT_START },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "campaigns", required_argument, NULL, OPT_CAMPAIGNS },
		{ "zipf", required_argument, NULL, OPT_ZIPF },
		{ "users", required_argument, NULL, OPT_USERS },
		{ "jitter", required_argument, NULL, OPT_JITTER },
		{ "late", required_argument, NULL, OPT_LATE },
		{ "bad", required_argument, NULL, OPT_BAD },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "ts", required_argument, NULL, OPT_TS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct gen g;
	struct opts *o = &g.o;
	char *out, *p;
	uint64_t i;
	double v;
	int c;

	memset(&g, 0, sizeof(g));
	o->lines = 1000000;
	o->seed = 1;
	o->start_ms = parse_time("2026-11-25T00:00:00Z");
	o->rate_milli = 50000;
	o->campaigns = 10000;
	o->users = 5000000;
	o->zipf = 1.1;
	o->jitter_ms = 30000;
	o->format = FMT_NDJSON;
	o->ts = TS_RFC3339;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:s:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->lines = parse_u64(optarg, "invalid line count '%s'", 0, 1000000000000ULL);
			break;
		case 's':
			o->seed = parse_u64(optarg, "invalid seed '%s'", 0, UINT64_MAX);
			break;
		case OPT_START:
			if ((o->start_ms = parse_time(optarg)) < 0)
				usage_error("invalid start time '%s' (want RFC 3339, 1970 or later)", optarg);
			break;
		case OPT_RATE:
			v = parse_double(optarg, "invalid rate '%s' (want 0.001 to 1e9 events/s)", 0.001, 1e9);
			o->rate_milli = (uint64_t)(v * 1000.0 + 0.5);
			break;
		case OPT_CAMPAIGNS:
			o->campaigns = (uint32_t)parse_u64(optarg,
			    "invalid campaign count '%s' (want 1 to 10000000)", 1, 10000000);
			break;
		case OPT_ZIPF:
			o->zipf = parse_double(optarg, "invalid Zipf exponent '%s' (want 0 to 10)", 0, 10);
			break;
		case OPT_USERS:
			o->users = (uint32_t)parse_u64(optarg,
			    "invalid user count '%s' (want 1 to 1000000000)", 1, 1000000000);
			break;
		case OPT_JITTER:
			v = parse_double(optarg, "invalid jitter '%s' (want 0 to 86400 seconds)", 0, 86400);
			o->jitter_ms = (int64_t)(v * 1000.0 + 0.5);
			break;
		case OPT_LATE:
			v = parse_double(optarg, "invalid late ratio '%s' (want 0 to 1)", 0, 1);
			o->late_thr = (uint64_t)(v * 4294967296.0 + 0.5);
			break;
		case OPT_BAD:
			v = parse_double(optarg, "invalid bad-line ratio '%s' (want 0 to 1)", 0, 1);
			o->bad_thr = (uint64_t)(v * 4294967296.0 + 0.5);
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "ndjson") == 0)
				o->format = FMT_NDJSON;
			else if (strcmp(optarg, "csv") == 0)
				o->format = FMT_CSV;
			else
				usage_error("unknown format '%s' (want ndjson or csv)", optarg);
			break;
		case OPT_TS:
			if (strcmp(optarg, "rfc3339") == 0)
				o->ts = TS_RFC3339;
			else if (strcmp(optarg, "epoch-ms") == 0)
				o->ts = TS_EPOCH_MS;
			else
				usage_error("unknown timestamp format '%s' (want rfc3339 or epoch-ms)", optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 4;
		case 'V':
			printf("pk-gen (pipekit) %s\n", PK_VERSION);
			return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 4;
		case ':':
			usage_error("option '%s' needs a value", argv[optind - 1]);
			break;
		default:
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);

	countries_init();
	campaigns_init(&g.camp, o->campaigns, o->zipf);
	g.camp_width = digits(o->campaigns - 1) < 5 ? 5 : digits(o->campaigns - 1);
	g.ad_width = g.camp_width + 2;
	g.user_width = digits(o->users - 1) < 7 ? 7 : digits(o->users - 1);
	rng_seed(&g.rng, o->seed);

	out = malloc(OUTBUF_SIZE);
	if (out == NULL) {
		fprintf(stderr, "pk-gen: out of memory\n");
		return 4;
	}
	p = out;
	if (o->format == FMT_CSV)
		p = PUT(p, "ts,event_id,campaign_id,ad_id,user_id,event,clicks,cost,country\n");
	for (i = 0; i < o->lines; i++) {
		if (p - out > OUTBUF_SIZE - LINE_MAX_BYTES) {
			write_all(out, (size_t)(p - out));
			p = out;
		}
		p = gen_record(&g, i, p);
	}
	write_all(out, (size_t)(p - out));
	free(out);
	free(g.camp.cdf);
	return 0;
}
