/*
 * time - timestamps and durations as int64 nanoseconds: exact parsing of
 * RFC 3339, epoch numbers and the duration forms pipeline tools meet
 * (Go-style, ISO 8601, Airflow's serialised timedeltas), RFC 3339 output
 * and civil dates without timegm/gmtime.
 */
#include "lib/time.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/json.h"

#define NS_PER_MIN (60 * PK_NS_PER_SEC)
#define NS_PER_HOUR (3600 * PK_NS_PER_SEC)
#define NS_PER_DAY (86400 * PK_NS_PER_SEC)
#define NS_PER_WEEK (7 * NS_PER_DAY)
#define MAG_POS ((uint64_t)INT64_MAX)		/* largest positive magnitude */
#define MAG_NEG ((uint64_t)INT64_MAX + 1)	/* largest negative magnitude */

/* --- messages ----------------------------------------------------------- */

/*
 * The input as shown inside quotes in a message: at most 64 bytes (cut at
 * a character boundary, then "..."), control bytes and, when the text is
 * not UTF-8, bytes above 0x7f as \xHH, so a message is always printable
 * text whatever the record held.
 */
static void
show(const char *s, size_t n, char *out, size_t cap)
{
	size_t i, o = 0, lim = n;
	int cut = 0, utf8;

	if (lim > 64) {
		lim = 64;
		while (lim > 0 && ((unsigned char)s[lim] & 0xc0) == 0x80)
			lim--;
		cut = 1;
	}
	utf8 = pk_utf8_valid(s, lim);
	for (i = 0; i < lim && o + 8 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (cut && o + 4 < cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static int
fail(struct pk_err *err, const char *what, const char *s, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int
fail(struct pk_err *err, const char *what, const char *s, size_t n, const char *fmt, ...)
{
	char shown[300], reason[300];
	va_list ap;

	if (err == NULL)
		return -1;
	show(s, n, shown, sizeof(shown));
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return pk_err_set(err, PK_ERR_DATA, "invalid %s '%s': %s", what, shown, reason);
}

#define TS "timestamp"
#define DUR "duration"

/* --- exact decimal numbers ---------------------------------------------- */

static int
isdig(char c)
{
	return c >= '0' && c <= '9';
}

/* A decimal number as written: digits D = int ++ frac, value 0.D * 10^(in + exp). */
struct dec {
	int neg;
	const char *ip, *fp;
	size_t in, fn;
	long exp;
};

enum { DEC_SIGN = 1, DEC_EXP = 2, DEC_COMMA = 4, DEC_PLUS = 8 };

/*
 * Scan a number at s[*pos..n): [-]digits[.digits][e[+-]digits] as flags
 * allow; at least one digit is needed (".5" and "5." are accepted). 0 with
 * *pos past it, -1 (pos unchanged) when there is no number there. An 'e'
 * not followed by digits is left unread.
 */
static int
scan_dec(const char *s, size_t n, size_t *pos, struct dec *d, int flags)
{
	size_t i = *pos;

	memset(d, 0, sizeof(*d));
	if (i < n && (flags & DEC_SIGN) && (s[i] == '-' || ((flags & DEC_PLUS) && s[i] == '+')))
		d->neg = s[i++] == '-';
	d->ip = s + i;
	while (i < n && isdig(s[i]))
		i++;
	d->in = (size_t)(s + i - d->ip);
	d->fp = s + i;
	if (i < n && (s[i] == '.' || ((flags & DEC_COMMA) && s[i] == ','))) {
		size_t j = i + 1;

		while (j < n && isdig(s[j]))
			j++;
		if (j - i - 1 > 0 || d->in > 0) {
			d->fp = s + i + 1;
			d->fn = j - i - 1;
			i = j;
		}
	}
	if (d->in + d->fn == 0)
		return -1;
	if ((flags & DEC_EXP) && i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;
		int eneg = 0;
		long e = 0;

		if (j < n && (s[j] == '+' || s[j] == '-'))
			eneg = s[j++] == '-';
		if (j < n && isdig(s[j])) {
			while (j < n && isdig(s[j])) {
				if (e < 10000000)	/* beyond, any value is 0 or overflows */
					e = e * 10 + (s[j] - '0');
				j++;
			}
			d->exp = eneg ? -e : e;
			i = j;
		}
	}
	*pos = i;
	return 0;
}

static int
dec_digit(const struct dec *d, long j)
{
	if (j < 0 || (size_t)j >= d->in + d->fn)
		return 0;
	return (size_t)j < d->in ? d->ip[j] - '0' : d->fp[(size_t)j - d->in] - '0';
}

/*
 * Where the value's digits start: *z is the first non-zero digit of D (or
 * -1 for zero) and *p the position of the decimal point in D.
 */
static void
dec_norm(const struct dec *d, long *z, long *p)
{
	long j, len = (long)(d->in + d->fn);

	*z = -1;
	for (j = 0; j < len; j++) {
		if (dec_digit(d, j) != 0) {
			*z = j;
			break;
		}
	}
	*p = (long)d->in + d->exp;
}

/* Integer part of |value|: 0, or -1 when it is 1e20 or more. */
static int
dec_int(const struct dec *d, uint64_t *out)
{
	long z, p, j;
	uint64_t v = 0;

	dec_norm(d, &z, &p);
	*out = 0;
	if (z < 0 || p <= z)
		return 0;
	if (p - z > 20)
		return -1;
	for (j = z; j < p; j++) {
		unsigned dg = (unsigned)dec_digit(d, j);

		if (v > (UINT64_MAX - dg) / 10)
			return -1;
		v = v * 10 + dg;
	}
	*out = v;
	return 0;
}

/*
 * floor(|value| * unit) into *mag, unit <= 1e15. The fraction is folded in
 * from its last digit to its first, acc = (digit * unit + acc) / 10, which
 * equals floor(0.f1f2...fk * unit) exactly at every step (floor((a + x) /
 * 10) = floor((a + floor(x)) / 10) for integer a): no rounding, any number
 * of digits. -1 when the result exceeds lim.
 */
static int
dec_scale(const struct dec *d, uint64_t unit, uint64_t lim, uint64_t *mag)
{
	long z, p, j, len = (long)(d->in + d->fn);
	uint64_t ip, acc = 0;

	*mag = 0;
	dec_norm(d, &z, &p);
	if (z < 0)
		return 0;
	if (dec_int(d, &ip) < 0 || (ip > 0 && ip > lim / unit))
		return -1;
	ip *= unit;
	/* Below 10^-16 of a unit under 1e15 nothing reaches a nanosecond. */
	if (p >= z - 16) {
		for (j = len - 1; j >= p && j >= 0; j--)
			acc = ((uint64_t)dec_digit(d, j) * unit + acc) / 10;
		for (; j >= p; j--)	/* zeros between the point and D */
			acc /= 10;
	}
	if (acc > lim - ip)
		return -1;
	*mag = ip + acc;
	return 0;
}

/* Signed nanoseconds from a decimal in unit; -1 on overflow. */
static int
dec_ns(const struct dec *d, uint64_t unit, int64_t *ns)
{
	uint64_t mag;

	if (dec_scale(d, unit, d->neg ? MAG_NEG : MAG_POS, &mag) < 0)
		return -1;
	if (d->neg)
		*ns = mag == MAG_NEG ? INT64_MIN : -(int64_t)mag;
	else
		*ns = (int64_t)mag;
	return 0;
}

/* --- civil dates (Howard Hinnant, "chrono-Compatible Low-Level Date
 * Algorithms", http://howardhinnant.github.io/date_algorithms.html;
 * public domain) ---------------------------------------------------------- */

int64_t
pk_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;					/* [0, 399] */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;	/* [0, 365] */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;		/* [0, 146096] */
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int
is_leap(int y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int
days_in_month(int y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

void
pk_time_civil(int64_t ns, struct pk_civil *c)
{
	int64_t days = ns / NS_PER_DAY, rem = ns % NS_PER_DAY;

	if (rem < 0) {		/* floor, so times before 1970 land on their day */
		rem += NS_PER_DAY;
		days--;
	}
	civil_from_days(days, &c->year, &c->month, &c->day);
	c->nsec = (int)(rem % PK_NS_PER_SEC);
	rem /= PK_NS_PER_SEC;
	c->second = (int)(rem % 60);
	c->minute = (int)(rem / 60 % 60);
	c->hour = (int)(rem / 3600);
	/* 1970-01-01 was a Thursday (4). */
	c->wday = (int)(days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6);
	c->yday = (int)(days - pk_days_from_civil(c->year, 1, 1)) + 1;
}

int64_t
pk_time_floor(int64_t t, int64_t size, int64_t offset)
{
	int64_t r, off, d;

	if (size <= 0)
		return t;
	off = offset % size;
	if (off < 0)
		off += size;
	r = t % size;
	if (r < 0)
		r += size;
	d = r - off;		/* distance from t down to its window start */
	if (d < 0)
		d += size;
	if (t < INT64_MIN + d)
		return INT64_MIN;
	return t - d;
}

/* --- timestamps ------------------------------------------------------------ */

/* Exactly k digits at s[*pos]; -1 otherwise. */
static int
digits(const char *s, size_t n, size_t *pos, int k, int *v)
{
	int x = 0, i;

	if (*pos + (size_t)k > n)
		return -1;
	for (i = 0; i < k; i++) {
		if (!isdig(s[*pos + (size_t)i]))
			return -1;
		x = x * 10 + (s[*pos + (size_t)i] - '0');
	}
	*pos += (size_t)k;
	*v = x;
	return 0;
}

/* Seconds since the epoch plus nanoseconds into int64 ns, or -1. */
static int
secs_to_ns(int64_t secs, int64_t frac, int64_t *ns)
{
	const int64_t max_s = INT64_MAX / PK_NS_PER_SEC;	/* 9223372036 */

	if (secs > max_s || (secs == max_s && frac > INT64_MAX % PK_NS_PER_SEC))
		return -1;
	if (secs < -max_s - 1)
		return -1;
	if (secs == -max_s - 1) {
		/* -9223372037 s + frac reaches INT64_MIN only from 145224192 ns up */
		if (frac < PK_NS_PER_SEC + INT64_MIN % PK_NS_PER_SEC)
			return -1;
		*ns = (secs + 1) * PK_NS_PER_SEC + (frac - PK_NS_PER_SEC);
		return 0;
	}
	*ns = secs * PK_NS_PER_SEC + frac;
	return 0;
}

static int
parse_date(const char *s, size_t n, int64_t *ns, struct pk_err *err)
{
	size_t pos = 0;
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, osign = 0;
	int64_t frac = 0, secs;

	if (digits(s, n, &pos, 4, &y) < 0 || pos >= n || s[pos++] != '-' ||
	    digits(s, n, &pos, 2, &mo) < 0 || pos >= n || s[pos++] != '-' ||
	    digits(s, n, &pos, 2, &d) < 0)
		return fail(err, TS, s, n, "expected a date as YYYY-MM-DD");
	if (mo < 1 || mo > 12)
		return fail(err, TS, s, n, "month %d out of range", mo);
	if (d < 1 || d > days_in_month(y, mo))
		return fail(err, TS, s, n, "no such day");
	if (pos < n) {
		if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')
			return fail(err, TS, s, n, "expected 'T' or a space after the date");
		pos++;
		if (digits(s, n, &pos, 2, &h) < 0 || pos >= n || s[pos++] != ':' ||
		    digits(s, n, &pos, 2, &mi) < 0)
			return fail(err, TS, s, n, "expected a time as HH:MM[:SS]");
		if (pos < n && s[pos] == ':') {
			pos++;
			if (digits(s, n, &pos, 2, &sec) < 0)
				return fail(err, TS, s, n, "expected seconds as two digits");
			if (pos < n && (s[pos] == '.' || s[pos] == ',')) {
				int k = 0;

				pos++;
				if (pos >= n || !isdig(s[pos]))
					return fail(err, TS, s, n, "expected digits after the decimal point");
				/* Digits past the ninth are below a nanosecond: dropped. */
				for (; pos < n && isdig(s[pos]); pos++, k++)
					if (k < 9)
						frac = frac * 10 + (s[pos] - '0');
				for (; k < 9; k++)
					frac *= 10;
			}
		}
		if (h > 23)
			return fail(err, TS, s, n, "hour %d out of range", h);
		if (mi > 59)
			return fail(err, TS, s, n, "minute %d out of range", mi);
		if (sec == 60)
			return fail(err, TS, s, n, "leap second 60 is not supported");
		if (sec > 59)
			return fail(err, TS, s, n, "second %d out of range", sec);
		if (pos < n && (s[pos] == 'Z' || s[pos] == 'z')) {
			pos++;
		} else if (pos < n && (s[pos] == '+' || s[pos] == '-')) {
			osign = s[pos++] == '-' ? -1 : 1;
			if (digits(s, n, &pos, 2, &oh) < 0)
				return fail(err, TS, s, n, "expected a UTC offset as +hh:mm");
			if (pos < n && s[pos] == ':') {
				pos++;
				if (digits(s, n, &pos, 2, &om) < 0)
					return fail(err, TS, s, n, "expected a UTC offset as +hh:mm");
			} else if (pos < n && digits(s, n, &pos, 2, &om) < 0) {
				return fail(err, TS, s, n, "expected a UTC offset as +hh:mm");
			}
			if (oh > 23 || om > 59)
				return fail(err, TS, s, n, "UTC offset out of range");
		}
		if (pos < n)
			return fail(err, TS, s, n, "unexpected text after the time");
	}
	secs = pk_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + sec - osign * (oh * 3600 + om * 60);
	if (secs_to_ns(secs, frac, ns) < 0)
		return fail(err, TS, s, n,
		    "out of range (1677-09-21 to 2262-04-11 in nanoseconds)");
	return 0;
}

static int
parse_epoch(const char *s, size_t n, enum pk_time_unit unit, int64_t *ns,
    struct pk_err *err)
{
	struct dec d;
	size_t pos = 0;
	uint64_t ip, mult;

	/* Fast path: a plain integer of up to 18 digits, the common case. */
	if (n <= 19 && unit == PK_TIME_AUTO) {
		size_t i = s[0] == '-';
		int64_t v = 0;

		if (i < n && n - i <= 18) {
			for (; i < n && isdig(s[i]); i++)
				v = v * 10 + (s[i] - '0');
			if (i == n) {
				if (v < INT64_C(100000000000))
					mult = 1000000000;
				else if (v < INT64_C(100000000000000))
					mult = 1000000;
				else if (v < INT64_C(100000000000000000))
					mult = 1000;
				else
					mult = 1;
				if (v > INT64_MAX / (int64_t)mult)
					return fail(err, TS, s, n,
					    "out of range (1677-09-21 to 2262-04-11 in nanoseconds)");
				*ns = s[0] == '-' ? -v * (int64_t)mult : v * (int64_t)mult;
				return 0;
			}
		}
	}
	if (scan_dec(s, n, &pos, &d, DEC_SIGN | DEC_EXP) < 0 || pos != n)
		return fail(err, TS, s, n,
		    "expected an RFC 3339 timestamp or an epoch number");
	if (unit == PK_TIME_AUTO) {
		if (dec_int(&d, &ip) < 0)
			unit = PK_TIME_NS;
		else if (ip < UINT64_C(100000000000))
			unit = PK_TIME_S;
		else if (ip < UINT64_C(100000000000000))
			unit = PK_TIME_MS;
		else if (ip < UINT64_C(100000000000000000))
			unit = PK_TIME_US;
		else
			unit = PK_TIME_NS;
	}
	switch (unit) {
	case PK_TIME_S: mult = 1000000000; break;
	case PK_TIME_MS: mult = 1000000; break;
	case PK_TIME_US: mult = 1000; break;
	default: mult = 1; break;
	}
	if (dec_ns(&d, mult, ns) < 0)
		return fail(err, TS, s, n,
		    "out of range (1677-09-21 to 2262-04-11 in nanoseconds)");
	return 0;
}

int
pk_time_parse(const char *s, size_t n, enum pk_time_unit unit, int64_t *ns,
    struct pk_err *err)
{
	if (n == 0)
		return fail(err, TS, s, n, "empty");
	if (n >= 5 && isdig(s[0]) && isdig(s[1]) && isdig(s[2]) && isdig(s[3]) &&
	    s[4] == '-')
		return parse_date(s, n, ns, err);
	return parse_epoch(s, n, unit, ns, err);
}

int
pk_time_parse_unit(const char *name, enum pk_time_unit *u)
{
	static const struct { const char *name; enum pk_time_unit u; } names[] = {
		{ "auto", PK_TIME_AUTO }, { "s", PK_TIME_S }, { "ms", PK_TIME_MS },
		{ "us", PK_TIME_US }, { "\xc2\xb5s", PK_TIME_US }, { "ns", PK_TIME_NS },
	};
	size_t i;

	for (i = 0; name && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*u = names[i].u;
			return 0;
		}
	}
	return -1;
}

int
pk_time_from_jval(const struct pk_jval *v, enum pk_time_unit unit, int64_t *ns,
    struct pk_err *err)
{
	struct pk_buf b = PK_BUF_INIT;
	int rc;

	if (v->type == PK_J_NUM)
		return pk_time_parse(v->p, v->n, unit, ns, err);
	if (v->type != PK_J_STR || v->n < 2)
		return fail(err, TS, v->p, v->n, "not a string or a number");
	if (!v->escaped)
		return pk_time_parse(v->p + 1, v->n - 2, unit, ns, err);
	pk_jval_text(v, &b);
	rc = pk_time_parse(b.p ? b.p : "", b.len, unit, ns, err);
	pk_buf_release(&b);
	return rc;
}

static char *
put_digits(char *p, unsigned v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

/* Hand-rolled rather than printf: it runs for every envelope and window. */
void
pk_time_format(int64_t ns, struct pk_buf *out)
{
	struct pk_civil c;
	char text[40], *p = text;

	pk_time_civil(ns, &c);
	p = put_digits(p, (unsigned)c.year, 4);
	*p++ = '-';
	p = put_digits(p, (unsigned)c.month, 2);
	*p++ = '-';
	p = put_digits(p, (unsigned)c.day, 2);
	*p++ = 'T';
	p = put_digits(p, (unsigned)c.hour, 2);
	*p++ = ':';
	p = put_digits(p, (unsigned)c.minute, 2);
	*p++ = ':';
	p = put_digits(p, (unsigned)c.second, 2);
	/* a fraction only when not zero, in the fewest of 3, 6, 9 exact digits */
	if (c.nsec != 0) {
		*p++ = '.';
		if (c.nsec % 1000000 == 0)
			p = put_digits(p, (unsigned)c.nsec / 1000000, 3);
		else if (c.nsec % 1000 == 0)
			p = put_digits(p, (unsigned)c.nsec / 1000, 6);
		else
			p = put_digits(p, (unsigned)c.nsec, 9);
	}
	*p++ = 'Z';
	pk_buf_add(out, text, (size_t)(p - text));
}

/* --- durations ------------------------------------------------------------ */

/* Sum with overflow check, signed. */
static int
add_ns(int64_t *total, int64_t v)
{
	if ((v > 0 && *total > INT64_MAX - v) || (v < 0 && *total < INT64_MIN - v))
		return -1;
	*total += v;
	return 0;
}

#define OUT_OF_RANGE "out of range (more than 292 years)"

static int
finish(const char *s, size_t n, int64_t total, int64_t *ns, struct pk_err *err)
{
	if (total < 0)
		return fail(err, DUR, s, n, "negative durations are not accepted");
	*ns = total;
	return 0;
}

struct unit_name {
	const char *name;
	int64_t ns;
};

/* Go-style units, largest first: a component's unit must come later in this
 * table than the one before it. */
static const struct unit_name go_units[] = {
	{ "w", NS_PER_WEEK }, { "d", NS_PER_DAY }, { "h", NS_PER_HOUR },
	{ "m", NS_PER_MIN }, { "s", PK_NS_PER_SEC }, { "ms", 1000000 },
	{ "us", 1000 }, { "\xc2\xb5s", 1000 }, { "\xce\xbcs", 1000 }, { "ns", 1 },
};

static int
parse_units(const char *s, size_t n, int64_t *ns, struct pk_err *err)
{
	size_t pos = 0, nu = sizeof(go_units) / sizeof(go_units[0]);
	size_t last = 0, i;
	int64_t total = 0, v;
	int first = 1;

	while (pos < n) {
		struct dec d;
		size_t u0, numstart;

		if (!first) {
			while (pos < n && s[pos] == ' ')
				pos++;
		}
		numstart = pos;
		if (scan_dec(s, n, &pos, &d, 0) < 0)
			return fail(err, DUR, s, n, "expected a number at '%.*s'",
			    (int)(n - pos > 16 ? 16 : n - pos), s + pos);
		u0 = pos;
		while (pos < n && !isdig(s[pos]) && s[pos] != ' ' && s[pos] != '.')
			pos++;
		if (pos == u0)
			return fail(err, DUR, s, n, "missing unit after '%.*s'",
			    (int)(u0 - numstart > 32 ? 32 : u0 - numstart), s + numstart);
		for (i = 0; i < nu; i++)
			if (strlen(go_units[i].name) == pos - u0 &&
			    memcmp(go_units[i].name, s + u0, pos - u0) == 0)
				break;
		if (i == nu) {
			char shown[100];

			show(s + u0, pos - u0, shown, sizeof(shown));
			return fail(err, DUR, s, n, "unknown unit '%s'", shown);
		}
		/* us, µs and μs share a rank */
		if (i >= 7 && i <= 8)
			i = 6;
		if (!first && i <= last)
			return fail(err, DUR, s, n, "unit '%.*s' out of order (largest first, each once)",
			    (int)(pos - u0), s + u0);
		if (dec_ns(&d, (uint64_t)go_units[i].ns, &v) < 0 || add_ns(&total, v) < 0)
			return fail(err, DUR, s, n, OUT_OF_RANGE);
		last = i;
		first = 0;
	}
	*ns = total;
	return 0;
}

/* ISO 8601 PnW, PnDTnHnMnS (no years or months). */
static int
parse_iso(const char *s, size_t n, int64_t *ns, struct pk_err *err)
{
	/* rank: W D | H M S, largest first */
	size_t pos = 1;
	int in_time = 0, any = 0, last = -1;
	int64_t total = 0, v;

	while (pos < n) {
		struct dec d;
		char c;
		int rank;
		int64_t unit;

		if (!in_time && (s[pos] == 'T' || s[pos] == 't')) {
			in_time = 1;
			pos++;
			if (pos == n)
				return fail(err, DUR, s, n, "expected a number after 'T'");
			continue;
		}
		if (scan_dec(s, n, &pos, &d, DEC_COMMA) < 0)
			return fail(err, DUR, s, n, "expected a number at '%.*s'",
			    (int)(n - pos > 16 ? 16 : n - pos), s + pos);
		if (pos == n)
			return fail(err, DUR, s, n, "missing designator after the last number");
		c = s[pos++];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!in_time && (c == 'Y' || c == 'M'))
			return fail(err, DUR, s, n, "years and months have no fixed length");
		if (!in_time && c == 'W') {
			rank = 0;
			unit = NS_PER_WEEK;
		} else if (!in_time && c == 'D') {
			rank = 1;
			unit = NS_PER_DAY;
		} else if (in_time && c == 'H') {
			rank = 2;
			unit = NS_PER_HOUR;
		} else if (in_time && c == 'M') {
			rank = 3;
			unit = NS_PER_MIN;
		} else if (in_time && c == 'S') {
			rank = 4;
			unit = PK_NS_PER_SEC;
		} else {
			return fail(err, DUR, s, n, "unknown designator '%c'%s", s[pos - 1],
			    !in_time && (c == 'H' || c == 'S') ? " before 'T'" : "");
		}
		if (rank <= last)
			return fail(err, DUR, s, n, "designator '%c' out of order", s[pos - 1]);
		last = rank;
		any = 1;
		if (dec_ns(&d, (uint64_t)unit, &v) < 0 || add_ns(&total, v) < 0)
			return fail(err, DUR, s, n, OUT_OF_RANGE);
	}
	if (!any)
		return fail(err, DUR, s, n, "expected a number after 'P'");
	*ns = total;
	return 0;
}

/* Python's str(timedelta): [D day[s], ]H:MM:SS[.ffffff] (or "D day[s]"). */
static int
parse_pystr(const char *s, size_t n, int64_t *ns, struct pk_err *err)
{
	size_t pos = 0;
	struct dec d;
	int64_t total = 0, v;
	int mm, ss;

	if (scan_dec(s, n, &pos, &d, 0) < 0 || d.fn > 0 || d.fp != d.ip + d.in)
		return fail(err, DUR, s, n, "expected H:MM:SS");
	if (pos < n && s[pos] == ' ') {
		/* "1 day, " / "3 days, " */
		if (dec_ns(&d, (uint64_t)NS_PER_DAY, &total) < 0)
			return fail(err, DUR, s, n, OUT_OF_RANGE);
		pos++;
		if (n - pos >= 4 && memcmp(s + pos, "days", 4) == 0)
			pos += 4;
		else if (n - pos >= 3 && memcmp(s + pos, "day", 3) == 0)
			pos += 3;
		else
			return fail(err, DUR, s, n, "expected 'day' or 'days'");
		if (pos == n) {
			*ns = total;
			return 0;
		}
		if (s[pos] != ',')
			return fail(err, DUR, s, n, "expected ', H:MM:SS' after the days");
		pos++;
		while (pos < n && s[pos] == ' ')
			pos++;
		if (scan_dec(s, n, &pos, &d, 0) < 0 || d.fn > 0 || d.fp != d.ip + d.in)
			return fail(err, DUR, s, n, "expected H:MM:SS after the days");
	}
	if (pos >= n || s[pos++] != ':' || digits(s, n, &pos, 2, &mm) < 0 ||
	    pos >= n || s[pos++] != ':' || digits(s, n, &pos, 2, &ss) < 0)
		return fail(err, DUR, s, n, "expected H:MM:SS");
	if (mm > 59 || ss > 59)
		return fail(err, DUR, s, n, "minutes and seconds must be below 60");
	if (dec_ns(&d, (uint64_t)NS_PER_HOUR, &v) < 0 || add_ns(&total, v) < 0 ||
	    add_ns(&total, mm * NS_PER_MIN + ss * PK_NS_PER_SEC) < 0)
		return fail(err, DUR, s, n, OUT_OF_RANGE);
	if (pos < n && s[pos] == '.') {
		struct dec f;

		if (scan_dec(s, n, &pos, &f, 0) < 0 || f.in > 0 || f.fn == 0)
			return fail(err, DUR, s, n, "expected digits after the decimal point");
		if (dec_ns(&f, (uint64_t)PK_NS_PER_SEC, &v) < 0 || add_ns(&total, v) < 0)
			return fail(err, DUR, s, n, OUT_OF_RANGE);
	}
	if (pos < n)
		return fail(err, DUR, s, n, "unexpected text after H:MM:SS");
	*ns = total;
	return 0;
}

/* Python's timedelta(...) keywords, and their positional order. */
static const struct unit_name py_kw[] = {
	{ "days", NS_PER_DAY }, { "seconds", PK_NS_PER_SEC }, { "microseconds", 1000 },
	{ "milliseconds", 1000000 }, { "minutes", NS_PER_MIN }, { "hours", NS_PER_HOUR },
	{ "weeks", NS_PER_WEEK },
};

static int
isident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || isdig(c);
}

/* "[module.]timedelta(args)": 1 when s looks like one, else 0. */
static int
is_pycall(const char *s, size_t n, size_t *open)
{
	const char *paren = memchr(s, '(', n);
	size_t k, i;

	if (paren == NULL)
		return 0;
	k = (size_t)(paren - s);
	if (k < 9 || memcmp(paren - 9, "timedelta", 9) != 0)
		return 0;
	if (k > 9 && paren[-10] != '.')
		return 0;
	for (i = 0; i + 9 < k; i++)	/* a dotted module path before it */
		if (!isident(s[i]) && s[i] != '.')
			return 0;
	*open = k;
	return 1;
}

static int
parse_pycall(const char *s, size_t n, size_t open, int64_t *ns, struct pk_err *err)
{
	size_t pos = open + 1, nkw = sizeof(py_kw) / sizeof(py_kw[0]), npos = 0;
	unsigned seen = 0;
	int64_t total = 0, v;
	int kwmode = 0;

	for (;;) {
		struct dec d;
		size_t i, k0;

		while (pos < n && s[pos] == ' ')
			pos++;
		if (pos < n && s[pos] == ')')
			break;
		k0 = pos;
		while (pos < n && isident(s[pos]) && !(pos == k0 && isdig(s[pos])))
			pos++;
		if (pos > k0) {
			size_t kl = pos - k0;

			for (i = 0; i < nkw; i++)
				if (strlen(py_kw[i].name) == kl && memcmp(py_kw[i].name, s + k0, kl) == 0)
					break;
			if (i == nkw)
				return fail(err, DUR, s, n, "unknown timedelta argument '%.*s'",
				    (int)(kl > 32 ? 32 : kl), s + k0);
			while (pos < n && s[pos] == ' ')
				pos++;
			if (pos >= n || s[pos++] != '=')
				return fail(err, DUR, s, n, "expected '=' after '%s'", py_kw[i].name);
			while (pos < n && s[pos] == ' ')
				pos++;
			kwmode = 1;
		} else {
			if (kwmode)
				return fail(err, DUR, s, n, "positional argument after keyword argument");
			if (npos >= nkw)
				return fail(err, DUR, s, n, "too many timedelta arguments");
			i = npos++;
		}
		if (seen & (1U << i))
			return fail(err, DUR, s, n, "timedelta argument '%s' given twice",
			    py_kw[i].name);
		seen |= 1U << i;
		if (scan_dec(s, n, &pos, &d, DEC_SIGN | DEC_PLUS | DEC_EXP) < 0)
			return fail(err, DUR, s, n, "expected a number for '%s'", py_kw[i].name);
		if (dec_ns(&d, (uint64_t)py_kw[i].ns, &v) < 0 || add_ns(&total, v) < 0)
			return fail(err, DUR, s, n, OUT_OF_RANGE);
		while (pos < n && s[pos] == ' ')
			pos++;
		if (pos < n && s[pos] == ',') {
			pos++;
			continue;
		}
		if (pos < n && s[pos] == ')')
			break;
		return fail(err, DUR, s, n, "expected ',' or ')' in timedelta(...)");
	}
	if (pos + 1 != n)
		return fail(err, DUR, s, n, "unexpected text after ')'");
	return finish(s, n, total, ns, err);
}

/*
 * Airflow's JSON timedelta objects, flat, no string escapes:
 * {"__type": "timedelta", "__var": 86400.0}, {"__type": "TimeDelta",
 * "days": 0, "seconds": 3600, "microseconds": 0}, {"__classname__":
 * "datetime.timedelta", "__version__": 2, "__data__": 3600.0}.
 */
static void
skip_ws(const char *s, size_t n, size_t *pos)
{
	while (*pos < n && (s[*pos] == ' ' || s[*pos] == '\t' || s[*pos] == '\n' ||
	    s[*pos] == '\r'))
		(*pos)++;
}

static int
json_str(const char *s, size_t n, size_t *pos, const char **p, size_t *len)
{
	size_t i = *pos + 1;

	if (*pos >= n || s[*pos] != '"')
		return -1;
	while (i < n && s[i] != '"') {
		if (s[i] == '\\' || (unsigned char)s[i] < 0x20)
			return -1;
		i++;
	}
	if (i >= n)
		return -1;
	*p = s + *pos + 1;
	*len = i - *pos - 1;
	*pos = i + 1;
	return 0;
}

static int
ieq(const char *a, size_t an, const char *b)
{
	size_t i;

	if (an != strlen(b))
		return 0;
	for (i = 0; i < an; i++) {
		char c = a[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != b[i])
			return 0;
	}
	return 1;
}

static int
parse_object(const char *s, size_t n, int64_t *ns, struct pk_err *err)
{
	static const struct unit_name fields[] = {
		{ "__var", PK_NS_PER_SEC }, { "__data__", PK_NS_PER_SEC },
		{ "days", NS_PER_DAY }, { "seconds", PK_NS_PER_SEC },
		{ "microseconds", 1000 }, { "__type", 0 }, { "__classname__", 0 },
		{ "__version__", 0 },
	};
	size_t pos = 0, nf = sizeof(fields) / sizeof(fields[0]), i;
	unsigned seen = 0;
	int64_t total = 0, v;
	int values = 0;

	skip_ws(s, n, &pos);
	if (pos >= n || s[pos++] != '{')
		return fail(err, DUR, s, n, "expected a JSON object");
	skip_ws(s, n, &pos);
	if (pos < n && s[pos] == '}')
		return fail(err, DUR, s, n, "empty object");
	for (;;) {
		const char *k, *sv = NULL;
		size_t kn, svn = 0;
		struct dec d;
		int is_num = 0;

		if (json_str(s, n, &pos, &k, &kn) < 0)
			return fail(err, DUR, s, n, "expected a field name without escapes");
		skip_ws(s, n, &pos);
		if (pos >= n || s[pos++] != ':')
			return fail(err, DUR, s, n, "expected ':' after a field name");
		skip_ws(s, n, &pos);
		if (pos < n && s[pos] == '"') {
			if (json_str(s, n, &pos, &sv, &svn) < 0)
				return fail(err, DUR, s, n, "bad string value");
		} else if (scan_dec(s, n, &pos, &d, DEC_SIGN | DEC_EXP) == 0) {
			is_num = 1;
		} else {
			return fail(err, DUR, s, n, "expected a number or a string value");
		}
		for (i = 0; i < nf; i++)
			if (strlen(fields[i].name) == kn && memcmp(fields[i].name, k, kn) == 0)
				break;
		if (i == nf)
			return fail(err, DUR, s, n, "unexpected field '%.*s'",
			    (int)(kn > 32 ? 32 : kn), k);
		if (seen & (1U << i))
			return fail(err, DUR, s, n, "field '%s' given twice", fields[i].name);
		seen |= 1U << i;
		if (strcmp(fields[i].name, "__type") == 0) {
			if (sv == NULL || !ieq(sv, svn, "timedelta"))
				return fail(err, DUR, s, n, "__type is not timedelta");
		} else if (strcmp(fields[i].name, "__classname__") == 0) {
			if (sv == NULL || svn < 9 || memcmp(sv + svn - 9, "timedelta", 9) != 0)
				return fail(err, DUR, s, n, "__classname__ is not a timedelta");
		} else if (fields[i].ns != 0) {
			if (!is_num) {
				/* a numeric string, as some exporters quote numbers */
				size_t p2 = 0;

				if (scan_dec(sv, svn, &p2, &d, DEC_SIGN | DEC_EXP) < 0 || p2 != svn)
					return fail(err, DUR, s, n, "'%s' is not a number",
					    fields[i].name);
			}
			if (dec_ns(&d, (uint64_t)fields[i].ns, &v) < 0 || add_ns(&total, v) < 0)
				return fail(err, DUR, s, n, OUT_OF_RANGE);
			values++;
		}
		skip_ws(s, n, &pos);
		if (pos < n && s[pos] == ',') {
			pos++;
			skip_ws(s, n, &pos);
			continue;
		}
		if (pos < n && s[pos] == '}') {
			pos++;
			break;
		}
		return fail(err, DUR, s, n, "expected ',' or '}'");
	}
	skip_ws(s, n, &pos);
	if (pos != n)
		return fail(err, DUR, s, n, "unexpected text after the object");
	if (values == 0)
		return fail(err, DUR, s, n, "no duration in the object");
	return finish(s, n, total, ns, err);
}

int
pk_duration_parse(const char *s, size_t n, int64_t *ns, struct pk_err *err)
{
	struct dec d;
	size_t pos = 0, open;
	int64_t v;

	if (n == 0)
		return fail(err, DUR, s, n, "empty");
	if (s[0] == '{' || ((s[0] == ' ' || s[0] == '\n') && memchr(s, '{', n)))
		return parse_object(s, n, ns, err);
	if (s[0] == '-')
		return fail(err, DUR, s, n, "negative durations are not accepted");
	if (s[0] == 'P' || s[0] == 'p')
		return parse_iso(s, n, ns, err);
	if (is_pycall(s, n, &open))
		return parse_pycall(s, n, open, ns, err);
	if (scan_dec(s, n, &pos, &d, DEC_EXP) < 0) {
		size_t k = 0;

		while (k < n && !isdig(s[k]) && s[k] != ' ')
			k++;
		if (k > 0 && k == n)
			return fail(err, DUR, s, n, "expected a number");
		return fail(err, DUR, s, n, "expected a number at '%.*s'",
		    (int)(n > 16 ? 16 : n), s);
	}
	if (pos == n) {		/* a bare number: seconds */
		if (dec_ns(&d, (uint64_t)PK_NS_PER_SEC, &v) < 0)
			return fail(err, DUR, s, n, OUT_OF_RANGE);
		*ns = v;
		return 0;
	}
	pos = 0;
	scan_dec(s, n, &pos, &d, 0);
	if (pos < n && (s[pos] == ':' || (s[pos] == ' ' && pos + 1 < n && s[pos + 1] == 'd')))
		return parse_pystr(s, n, ns, err);
	return parse_units(s, n, ns, err);
}

int
pk_duration_from_jval(const struct pk_jval *v, int64_t *ns, struct pk_err *err)
{
	struct pk_buf b = PK_BUF_INIT;
	int rc;

	if (v->type == PK_J_NUM || v->type == PK_J_OBJ)
		return pk_duration_parse(v->p, v->n, ns, err);
	if (v->type != PK_J_STR || v->n < 2)
		return fail(err, DUR, v->p, v->n, "not a number, string or object");
	if (!v->escaped)
		return pk_duration_parse(v->p + 1, v->n - 2, ns, err);
	pk_jval_text(v, &b);
	rc = pk_duration_parse(b.p ? b.p : "", b.len, ns, err);
	pk_buf_release(&b);
	return rc;
}

/* v as a decimal with the fraction of div trimmed of trailing zeros. */
static void
add_scaled(struct pk_buf *out, uint64_t v, uint64_t div, int width, const char *unit)
{
	uint64_t whole = v / div, frac = v % div;

	pk_buf_printf(out, "%llu", (unsigned long long)whole);
	if (frac) {
		char f[16];
		int k;

		snprintf(f, sizeof(f), "%0*llu", width, (unsigned long long)frac);
		for (k = width; k > 0 && f[k - 1] == '0'; k--)
			;
		pk_buf_printf(out, ".%.*s", k, f);
	}
	pk_buf_adds(out, unit);
}

void
pk_duration_format(int64_t ns, struct pk_buf *out)
{
	uint64_t v, d, h, m, sec, frac;

	if (ns == 0) {
		pk_buf_adds(out, "0s");
		return;
	}
	if (ns < 0) {
		pk_buf_addc(out, '-');
		v = (uint64_t)0 - (uint64_t)ns;
	} else {
		v = (uint64_t)ns;
	}
	frac = v % (uint64_t)PK_NS_PER_SEC;
	sec = v / (uint64_t)PK_NS_PER_SEC;
	d = sec / 86400;
	h = sec / 3600 % 24;
	m = sec / 60 % 60;
	sec %= 60;
	if (d)
		pk_buf_printf(out, "%llud", (unsigned long long)d);
	if (h)
		pk_buf_printf(out, "%lluh", (unsigned long long)h);
	if (m)
		pk_buf_printf(out, "%llum", (unsigned long long)m);
	if (sec)
		add_scaled(out, sec * (uint64_t)PK_NS_PER_SEC + frac,
		    (uint64_t)PK_NS_PER_SEC, 9, "s");
	else if (frac >= 1000000)
		add_scaled(out, frac, 1000000, 6, "ms");
	else if (frac >= 1000)
		add_scaled(out, frac, 1000, 3, "us");
	else if (frac)
		pk_buf_printf(out, "%lluns", (unsigned long long)frac);
}
