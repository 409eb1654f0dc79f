/*
 * test_time - lib/time: timestamps, epoch numbers, civil dates, window
 * alignment and every duration form, with the messages users see.
 * Expected instants were computed with Python's datetime (proleptic
 * Gregorian, exact integer arithmetic), not with this code.
 */
#include <inttypes.h>
#include <stdint.h>

#include "lib/json.h"
#include "lib/time.h"
#include "tests/unit/tap.h"

#define S(x) ((int64_t)(x) * PK_NS_PER_SEC)

/* s fit for a one-line test description */
static const char *
desc(const char *s)
{
	static char b[4][200];
	static int k;
	char *d = b[k++ % 4];
	size_t i;

	for (i = 0; s[i] && i + 1 < sizeof(b[0]); i++)
		d[i] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
	d[i] = '\0';
	return d;
}

static void
ts_ok(const char *s, enum pk_time_unit u, int64_t want)
{
	struct pk_err err = PK_ERR_INIT;
	int64_t got = 12345;
	int rc = pk_time_parse(s, strlen(s), u, &got, &err);

	if (!ok(rc == 0 && got == want, "time '%s' unit %d", desc(s), (int)u))
		printf("#   rc %d, got %" PRId64 ", want %" PRId64 " (%s)\n", rc, got, want,
		    err.msg);
}

static void
ts_err(const char *s, const char *msg)
{
	struct pk_err err = PK_ERR_INIT;
	int64_t got = 0;
	int rc = pk_time_parse(s, strlen(s), PK_TIME_AUTO, &got, &err);

	ok(rc == -1 && err.kind == PK_ERR_DATA, "time '%s' rejected", desc(s));
	is_str(err.msg, msg, "message for '%s'", desc(s));
}

static void
fmt_is(int64_t ns, const char *want)
{
	struct pk_buf b = PK_BUF_INIT;

	pk_time_format(ns, &b);
	is_str(b.p, want, "format %" PRId64, ns);
	pk_buf_release(&b);
}

/* format(parse(s)) == s for canonical text. */
static void
roundtrip(const char *s)
{
	struct pk_buf b = PK_BUF_INIT;
	int64_t ns = 0;

	if (pk_time_parse(s, strlen(s), PK_TIME_AUTO, &ns, NULL) == 0)
		pk_time_format(ns, &b);
	is_str(b.p ? b.p : "(parse failed)", s, "round trip '%s'", s);
	pk_buf_release(&b);
}

static void
dur_ok(const char *s, int64_t want)
{
	struct pk_err err = PK_ERR_INIT;
	int64_t got = 12345;
	int rc = pk_duration_parse(s, strlen(s), &got, &err);

	if (!ok(rc == 0 && got == want, "duration '%s'", desc(s)))
		printf("#   rc %d, got %" PRId64 ", want %" PRId64 " (%s)\n", rc, got, want,
		    err.msg);
}

static void
dur_err(const char *s, const char *msg)
{
	struct pk_err err = PK_ERR_INIT;
	int64_t got = 0;
	int rc = pk_duration_parse(s, strlen(s), &got, &err);

	ok(rc == -1 && err.kind == PK_ERR_DATA, "duration '%s' rejected", desc(s));
	is_str(err.msg, msg, "message for '%s'", desc(s));
}

static void
dfmt_is(int64_t ns, const char *want)
{
	struct pk_buf b = PK_BUF_INIT;
	int64_t back = -1;

	pk_duration_format(ns, &b);
	is_str(b.p, want, "duration format %" PRId64, ns);
	if (ns >= 0) {
		ok(pk_duration_parse(b.p, b.len, &back, NULL) == 0 && back == ns,
		    "'%s' parses back", b.p);
	}
	pk_buf_release(&b);
}

static void
test_rfc3339(void)
{
	ts_ok("2026-11-25T16:30:00Z", 0, S(1795624200));
	ts_ok("2026-11-25t16:30:00z", 0, S(1795624200));
	ts_ok("2026-11-25 16:30:00Z", 0, S(1795624200));
	ts_ok("2026-11-25T16:30:00", 0, S(1795624200));		/* no offset: UTC */
	ts_ok("2026-11-25T16:30", 0, S(1795624200));		/* no seconds */
	ts_ok("2026-11-25T16:30Z", 0, S(1795624200));
	ts_ok("2026-11-25", 0, S(1795564800));			/* date: midnight UTC */
	ts_ok("2026-11-25T16:30:00+00:00", 0, S(1795624200));
	ts_ok("2026-11-25T16:30:00-00:00", 0, S(1795624200));
	ts_ok("2026-11-25T16:30:00+0000", 0, S(1795624200));
	ts_ok("2026-11-25T16:30:00+00", 0, S(1795624200));
	ts_ok("2026-11-25T16:30:00+05:30", 0, S(1795604400));
	ts_ok("2026-11-25T16:30:00+0530", 0, S(1795604400));
	ts_ok("2026-11-25T16:30:00-08:00", 0, S(1795653000));
	ts_ok("2026-11-25T16:30:00-08", 0, S(1795653000));
	ts_ok("2026-11-25T16:30+05:30", 0, S(1795604400));
	ts_ok("2026-11-25T00:00:00+23:59", 0, S(1795564800) - S(23 * 3600 + 59 * 60));
	/* Airflow REST: microseconds and +00:00 */
	ts_ok("2026-11-25T16:30:00.123456+00:00", 0, S(1795624200) + 123456000);
	ts_ok("1970-01-01T00:00:00Z", 0, 0);
	ts_ok("1969-12-31T23:59:59Z", 0, S(-1));
	ts_ok("1969-12-31T23:59:59.5Z", 0, -500000000);
	ts_ok("1900-01-01T00:00:00Z", 0, S(-2208988800LL));
	/* every fraction length, '.' and ',' */
	ts_ok("1970-01-01T00:00:00.1Z", 0, 100000000);
	ts_ok("1970-01-01T00:00:00.12Z", 0, 120000000);
	ts_ok("1970-01-01T00:00:00.123Z", 0, 123000000);
	ts_ok("1970-01-01T00:00:00.1234Z", 0, 123400000);
	ts_ok("1970-01-01T00:00:00.12345Z", 0, 123450000);
	ts_ok("1970-01-01T00:00:00.123456Z", 0, 123456000);
	ts_ok("1970-01-01T00:00:00.1234567Z", 0, 123456700);
	ts_ok("1970-01-01T00:00:00.12345678Z", 0, 123456780);
	ts_ok("1970-01-01T00:00:00.123456789Z", 0, 123456789);
	ts_ok("1970-01-01T00:00:00.1234567891Z", 0, 123456789);	/* truncated */
	ts_ok("1970-01-01T00:00:00.999999999999Z", 0, 999999999);
	ts_ok("1970-01-01T00:00:00,5Z", 0, 500000000);
	ts_ok("1970-01-01T00:00:00.000000001+01:00", 0, S(-3600) + 1);
	/* leap days */
	ts_ok("2024-02-29T00:00:00Z", 0, S(1709164800));
	ts_ok("2000-02-29T00:00:00Z", 0, S(951782400));
	ts_err("2023-02-29T00:00:00Z", "invalid timestamp '2023-02-29T00:00:00Z': no such day");
	ts_err("2100-02-29T00:00:00Z", "invalid timestamp '2100-02-29T00:00:00Z': no such day");
	ts_err("1900-02-29", "invalid timestamp '1900-02-29': no such day");
	ts_err("2026-04-31", "invalid timestamp '2026-04-31': no such day");
	ts_err("2026-01-00", "invalid timestamp '2026-01-00': no such day");
	ts_err("2026-13-01", "invalid timestamp '2026-13-01': month 13 out of range");
	ts_err("2026-00-01", "invalid timestamp '2026-00-01': month 0 out of range");
	/* int64 nanosecond range: ends exact, beyond is an error */
	ts_ok("1677-09-21T00:12:43.145224192Z", 0, INT64_MIN);
	ts_ok("2262-04-11T23:47:16.854775807Z", 0, INT64_MAX);
	ts_err("2262-04-11T23:47:16.854775808Z",
	    "invalid timestamp '2262-04-11T23:47:16.854775808Z': out of range (1677-09-21 to 2262-04-11 in nanoseconds)");
	ts_err("1677-09-21T00:12:43.145224191Z",
	    "invalid timestamp '1677-09-21T00:12:43.145224191Z': out of range (1677-09-21 to 2262-04-11 in nanoseconds)");
	ts_err("9999-12-31T23:59:59Z",
	    "invalid timestamp '9999-12-31T23:59:59Z': out of range (1677-09-21 to 2262-04-11 in nanoseconds)");
	ts_err("0000-01-01",
	    "invalid timestamp '0000-01-01': out of range (1677-09-21 to 2262-04-11 in nanoseconds)");
	/* offsets can carry an instant across the edge */
	ts_ok("2262-04-12T00:47:16.854775807+01:00", 0, INT64_MAX);
	/* bad times */
	ts_err("2026-11-25T24:00:00Z", "invalid timestamp '2026-11-25T24:00:00Z': hour 24 out of range");
	ts_err("2026-11-25T16:60:00Z", "invalid timestamp '2026-11-25T16:60:00Z': minute 60 out of range");
	ts_err("2016-12-31T23:59:60Z",
	    "invalid timestamp '2016-12-31T23:59:60Z': leap second 60 is not supported");
	ts_err("2026-11-25T16:30:61Z", "invalid timestamp '2026-11-25T16:30:61Z': second 61 out of range");
	ts_err("2026-11-25T16:30:00+24:00",
	    "invalid timestamp '2026-11-25T16:30:00+24:00': UTC offset out of range");
	ts_err("2026-11-25T16:30:00+5:30",
	    "invalid timestamp '2026-11-25T16:30:00+5:30': expected a UTC offset as +hh:mm");
	ts_err("2026-11-25T16:30:00 UTC",
	    "invalid timestamp '2026-11-25T16:30:00 UTC': unexpected text after the time");
	ts_err("2026-11-25T16:30:00.Z",
	    "invalid timestamp '2026-11-25T16:30:00.Z': expected digits after the decimal point");
	ts_err("2026-11-25T16", "invalid timestamp '2026-11-25T16': expected a time as HH:MM[:SS]");
	ts_err("2026-11-25T16:30:0Z",
	    "invalid timestamp '2026-11-25T16:30:0Z': expected seconds as two digits");
	ts_err("2026-11-25X16:30", "invalid timestamp '2026-11-25X16:30': expected 'T' or a space after the date");
	ts_err("2026-1-25", "invalid timestamp '2026-1-25': expected a date as YYYY-MM-DD");
	ts_err("2026-11-25 ", "invalid timestamp '2026-11-25 ': expected a time as HH:MM[:SS]");
	ts_err(" 2026-11-25", "invalid timestamp ' 2026-11-25': expected an RFC 3339 timestamp or an epoch number");
	ts_err("", "invalid timestamp '': empty");
	ts_err("yesterday", "invalid timestamp 'yesterday': expected an RFC 3339 timestamp or an epoch number");
	ts_err("2026-11-25T16:30:00Z\n",
	    "invalid timestamp '2026-11-25T16:30:00Z\\x0a': unexpected text after the time");
	ts_err("12\xff", "invalid timestamp '12\\xff': expected an RFC 3339 timestamp or an epoch number");
	ts_err("0123456789012345678901234567890123456789012345678901234567890123456789",
	    "invalid timestamp '0123456789012345678901234567890123456789012345678901234567890123...': out of range (1677-09-21 to 2262-04-11 in nanoseconds)");
}

static void
test_epoch(void)
{
	/* 1732550400 s = 2024-11-25T16:00:00Z */
	ts_ok("1732550400", 0, S(1732550400));
	ts_ok("1732550400.5", 0, S(1732550400) + 500000000);
	ts_ok("1732550400.123456789", 0, S(1732550400) + 123456789);
	ts_ok("1732550400.1234567899", 0, S(1732550400) + 123456789);
	ts_ok("1732550400000", 0, S(1732550400));		/* ms */
	ts_ok("1732550400123", 0, S(1732550400) + 123000000);
	ts_ok("1732550400123.5", 0, S(1732550400) + 123500000);
	ts_ok("1732550400000000", 0, S(1732550400));		/* us */
	ts_ok("1732550400000001", 0, S(1732550400) + 1000);
	ts_ok("1732550400000000000", 0, S(1732550400));		/* ns */
	ts_ok("1732550400000000001", 0, S(1732550400) + 1);
	ts_ok("1.7325504e9", 0, S(1732550400));
	ts_ok("1.7325504E+12", 0, S(1732550400));
	ts_ok("17325504005e-1", 0, S(1732550400) + 500000000);
	/* magnitude edges */
	/* Just below each threshold the number is read in the larger unit,
	 * which overflows int64 ns: the error shows which unit was chosen. */
	ts_err("99999999999",
	    "invalid timestamp '99999999999': out of range (1677-09-21 to 2262-04-11 in nanoseconds)");
	ts_ok("100000000000", 0, S(100000000));			/* 1e11: ms */
	ts_err("99999999999999",
	    "invalid timestamp '99999999999999': out of range (1677-09-21 to 2262-04-11 in nanoseconds)");
	ts_ok("100000000000000", 0, S(100000000));			/* 1e14: us */
	ts_err("99999999999999999",
	    "invalid timestamp '99999999999999999': out of range (1677-09-21 to 2262-04-11 in nanoseconds)");
	ts_ok("100000000000000000", 0, S(100000000));		/* 1e17: ns */
	ts_err("99999999999.9",
	    "invalid timestamp '99999999999.9': out of range (1677-09-21 to 2262-04-11 in nanoseconds)");
	ts_ok("9223372036", 0, S(9223372036LL));			/* s, near the top */
	ts_ok("9223372036854", 0, S(9223372036LL) + 854000000);	/* ms */
	ts_ok("9223372036854775", 0, S(9223372036LL) + 854775000);	/* us */
	ts_ok("0", 0, 0);
	ts_ok("-0", 0, 0);
	ts_ok("0.000000001", 0, 1);
	/* negative epochs, by absolute value */
	ts_ok("-1", 0, S(-1));
	ts_ok("-1.5", 0, -1500000000);
	ts_ok("-86400", 0, S(-86400));
	ts_ok("-1732550400000", 0, S(-1732550400));
	ts_ok("-9223372036854775808", 0, INT64_MIN);
	ts_ok("9223372036854775807", 0, INT64_MAX);
	ts_ok("-0.0000000015", 0, -1);				/* toward zero */
	ts_err("9223372036854775808",
	    "invalid timestamp '9223372036854775808': out of range (1677-09-21 to 2262-04-11 in nanoseconds)");
	ts_err("-9223372036854775809",
	    "invalid timestamp '-9223372036854775809': out of range (1677-09-21 to 2262-04-11 in nanoseconds)");
	ts_err("1e400", "invalid timestamp '1e400': out of range (1677-09-21 to 2262-04-11 in nanoseconds)");
	ts_ok("1e-400", 0, 0);
	/* plain integers of 18 and 19 digits take different code paths */
	ts_ok("123456789012345678", 0, 123456789012345678LL);
	ts_ok("1234567890123456789", 0, 1234567890123456789LL);
	ts_ok("-123456789012345678", 0, -123456789012345678LL);
	ts_ok("000000000000000001", 0, S(1));
	ts_err("-", "invalid timestamp '-': expected an RFC 3339 timestamp or an epoch number");
	ts_err("--1", "invalid timestamp '--1': expected an RFC 3339 timestamp or an epoch number");
	/* forced units */
	ts_ok("1732550400", PK_TIME_MS, 1732550400LL * 1000000);
	ts_ok("1732550400", PK_TIME_US, 1732550400LL * 1000);
	ts_ok("1732550400", PK_TIME_NS, 1732550400LL);
	ts_ok("1732550400", PK_TIME_S, S(1732550400));
	ts_ok("5", PK_TIME_S, S(5));
	ts_ok("5", PK_TIME_MS, 5000000);
	ts_ok("5", PK_TIME_US, 5000);
	ts_ok("5", PK_TIME_NS, 5);
	ts_ok("1.5", PK_TIME_NS, 1);
	ts_ok("1.5", PK_TIME_US, 1500);
	ts_ok("2026-11-25T16:30:00Z", PK_TIME_MS, S(1795624200));	/* dates ignore it */
	ts_ok("1.", 0, S(1));
	ts_err(".", "invalid timestamp '.': expected an RFC 3339 timestamp or an epoch number");
	ts_err("+5", "invalid timestamp '+5': expected an RFC 3339 timestamp or an epoch number");
	ts_err("0x10", "invalid timestamp '0x10': expected an RFC 3339 timestamp or an epoch number");
	ts_err("1e", "invalid timestamp '1e': expected an RFC 3339 timestamp or an epoch number");
	ts_err("NaN", "invalid timestamp 'NaN': expected an RFC 3339 timestamp or an epoch number");
}

static void
test_units(void)
{
	enum pk_time_unit u = PK_TIME_NS;

	ok(pk_time_parse_unit("auto", &u) == 0 && u == PK_TIME_AUTO, "unit auto");
	ok(pk_time_parse_unit("s", &u) == 0 && u == PK_TIME_S, "unit s");
	ok(pk_time_parse_unit("ms", &u) == 0 && u == PK_TIME_MS, "unit ms");
	ok(pk_time_parse_unit("us", &u) == 0 && u == PK_TIME_US, "unit us");
	ok(pk_time_parse_unit("\xc2\xb5s", &u) == 0 && u == PK_TIME_US, "unit µs");
	ok(pk_time_parse_unit("ns", &u) == 0 && u == PK_TIME_NS, "unit ns");
	ok(pk_time_parse_unit("sec", &u) == -1, "unit sec refused");
	ok(pk_time_parse_unit("", &u) == -1, "empty unit refused");
}

static void
test_format(void)
{
	fmt_is(0, "1970-01-01T00:00:00Z");
	fmt_is(S(1795624200), "2026-11-25T16:30:00Z");
	fmt_is(S(1795624200) + 500000000, "2026-11-25T16:30:00.500Z");
	fmt_is(S(1795624200) + 123000000, "2026-11-25T16:30:00.123Z");
	fmt_is(S(1795624200) + 123400000, "2026-11-25T16:30:00.123400Z");
	fmt_is(S(1795624200) + 123456000, "2026-11-25T16:30:00.123456Z");
	fmt_is(S(1795624200) + 1000, "2026-11-25T16:30:00.000001Z");
	fmt_is(S(1795624200) + 1, "2026-11-25T16:30:00.000000001Z");
	fmt_is(S(1795624200) + 123456789, "2026-11-25T16:30:00.123456789Z");
	fmt_is(-1, "1969-12-31T23:59:59.999999999Z");
	fmt_is(-1000000, "1969-12-31T23:59:59.999Z");
	fmt_is(S(-1), "1969-12-31T23:59:59Z");
	fmt_is(S(-86400), "1969-12-31T00:00:00Z");
	fmt_is(S(-86401), "1969-12-30T23:59:59Z");
	fmt_is(S(-2208988800LL), "1900-01-01T00:00:00Z");
	fmt_is(S(951782400), "2000-02-29T00:00:00Z");
	fmt_is(INT64_MIN, "1677-09-21T00:12:43.145224192Z");
	fmt_is(INT64_MAX, "2262-04-11T23:47:16.854775807Z");

	roundtrip("2026-11-25T16:30:00Z");
	roundtrip("2024-02-29T23:59:59.999Z");
	roundtrip("1969-07-20T20:17:40Z");
	roundtrip("1969-12-31T23:59:59.000001Z");
	roundtrip("1800-03-01T00:00:00.000000001Z");
	roundtrip("2262-04-11T23:47:16.854775807Z");
	roundtrip("1677-09-21T00:12:43.145224192Z");
}

static void
civil_is(int64_t ns, int y, int mo, int d, int h, int mi, int s, int nsec, int wday, int yday)
{
	struct pk_civil c;

	pk_time_civil(ns, &c);
	ok(c.year == y && c.month == mo && c.day == d && c.hour == h && c.minute == mi &&
	    c.second == s && c.nsec == nsec && c.wday == wday && c.yday == yday,
	    "civil %" PRId64 " = %04d-%02d-%02d %02d:%02d:%02d.%09d w%d y%d", ns,
	    y, mo, d, h, mi, s, nsec, wday, yday);
}

static void
test_civil(void)
{
	int64_t day, bad = 0, y;

	/* weekday/yday from Python's isoweekday() % 7 and tm_yday */
	civil_is(S(1795624200) + 7, 2026, 11, 25, 16, 30, 0, 7, 3, 329);
	civil_is(S(-1), 1969, 12, 31, 23, 59, 59, 0, 3, 365);
	civil_is(S(-2208988800LL), 1900, 1, 1, 0, 0, 0, 0, 1, 1);
	civil_is(S(1735603200), 2024, 12, 31, 0, 0, 0, 0, 2, 366);
	civil_is(INT64_MIN, 1677, 9, 21, 0, 12, 43, 145224192, 2, 264);
	civil_is(INT64_MAX, 2262, 4, 11, 23, 47, 16, 854775807, 5, 101);
	is_int(pk_days_from_civil(1970, 1, 1), 0, "days_from_civil epoch");
	is_int(pk_days_from_civil(2000, 3, 1), 11017, "days_from_civil 2000-03-01");
	is_int(pk_days_from_civil(0, 3, 1), -719468, "days_from_civil 0000-03-01");
	/* every day from 1678 to 2261 comes back as itself, days consecutive */
	day = pk_days_from_civil(1678, 1, 1);
	for (y = 1678; y <= 2261; y++) {
		int m, d;

		for (m = 1; m <= 12; m++) {
			int dim = m == 2 ? ((y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28) :
			    (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;

			for (d = 1; d <= dim; d++, day++) {
				struct pk_civil c;

				if (pk_days_from_civil(y, (unsigned)m, (unsigned)d) != day)
					bad++;
				pk_time_civil(day * 86400 * PK_NS_PER_SEC, &c);
				if (c.year != y || c.month != m || c.day != d)
					bad++;
			}
		}
	}
	is_int(bad, 0, "civil and days agree every day 1678-2261");
}

static void
test_floor(void)
{
	int64_t h = S(3600);

	is_int(pk_time_floor(S(5400), h, 0), h, "floor 1:30 to the hour");
	is_int(pk_time_floor(h, h, 0), h, "a window start is its own floor");
	is_int(pk_time_floor(S(-1), h, 0), -h, "floor before 1970 goes down");
	is_int(pk_time_floor(-h, h, 0), -h, "negative window start");
	is_int(pk_time_floor(S(-5400), h, 0), S(-7200), "floor -1:30");
	is_int(pk_time_floor(S(5400), h, S(900)), S(4500), "offset 15m");
	is_int(pk_time_floor(S(600), h, S(900)), S(-2700), "offset above t");
	is_int(pk_time_floor(S(600), h, S(-2700)), S(-2700), "negative offset");
	is_int(pk_time_floor(S(600), h, S(900) + 5 * h), S(-2700), "offset beyond size");
	is_int(pk_time_floor(7, 0, 0), 7, "size 0 returns t");
	is_int(pk_time_floor(INT64_MIN, h, 0), INT64_MIN, "saturates at INT64_MIN");
	is_int(pk_time_floor(INT64_MAX, h, 0), INT64_MAX - INT64_MAX % h, "INT64_MAX");
	is_int(pk_time_floor(S(1795624200) + 17, S(86400), 0), S(1795564800), "day");
}

static void
test_durations(void)
{
	/* Go-style */
	dur_ok("500ms", 500000000);
	dur_ok("90s", S(90));
	dur_ok("5m", S(300));
	dur_ok("1h30m", S(5400));
	dur_ok("1h 30m", S(5400));
	dur_ok("2d", S(172800));
	dur_ok("1w", S(604800));
	dur_ok("1w2d3h4m5s6ms7us8ns", S(604800 + 172800 + 3 * 3600 + 4 * 60 + 5) + 6007008);
	dur_ok("1.5h", S(5400));
	dur_ok("0.5s", 500000000);
	dur_ok(".5s", 500000000);
	dur_ok("1.000000001s", S(1) + 1);
	dur_ok("1.0000000019s", S(1) + 1);			/* truncated */
	dur_ok("0.1ns", 0);
	dur_ok("1.0000000000000001w", S(604800));		/* exact: 6.048e-2 ns */
	dur_ok("0.333333333333h", 1199999999998);		/* floor, not rounding */
	dur_ok("250us", 250000);
	dur_ok("250\xc2\xb5s", 250000);
	dur_ok("250\xce\xbcs", 250000);
	dur_ok("7ns", 7);
	dur_ok("0s", 0);
	dur_ok("0", 0);
	dur_ok("106751d23h47m16.854775807s", INT64_MAX);
	dur_err("106751d23h47m16.854775808s",
	    "invalid duration '106751d23h47m16.854775808s': out of range (more than 292 years)");
	dur_err("99999999999999999999h",
	    "invalid duration '99999999999999999999h': out of range (more than 292 years)");
	dur_err("5x", "invalid duration '5x': unknown unit 'x'");
	dur_err("5 min", "invalid duration '5 min': missing unit after '5'");
	dur_err("5min", "invalid duration '5min': unknown unit 'min'");
	dur_err("1h30", "invalid duration '1h30': missing unit after '30'");
	dur_err("30m1h", "invalid duration '30m1h': unit 'h' out of order (largest first, each once)");
	dur_err("1m1m", "invalid duration '1m1m': unit 'm' out of order (largest first, each once)");
	dur_err("1us1\xc2\xb5s",
	    "invalid duration '1us1\xc2\xb5s': unit '\xc2\xb5s' out of order (largest first, each once)");
	dur_err("-5m", "invalid duration '-5m': negative durations are not accepted");
	dur_err("", "invalid duration '': empty");
	dur_err("h", "invalid duration 'h': expected a number");
	dur_err("1h ", "invalid duration '1h ': expected a number at ''");
	dur_ok("1.h", S(3600));
	dur_err("1..5h", "invalid duration '1..5h': missing unit after '1.'");
	dur_err("1e3s", "invalid duration '1e3s': unknown unit 'e'");

	/* ISO 8601 */
	dur_ok("PT2H", S(7200));
	dur_ok("P1D", S(86400));
	dur_ok("P1DT2H30M", S(86400 + 9000));
	dur_ok("PT0.5S", 500000000);
	dur_ok("PT0,5S", 500000000);
	dur_ok("P2W", S(1209600));
	dur_ok("PT1H30M15.25S", S(5415) + 250000000);
	dur_ok("PT36H", S(129600));
	dur_ok("pt2h", S(7200));
	dur_ok("P0D", 0);
	dur_err("P1M", "invalid duration 'P1M': years and months have no fixed length");
	dur_err("P1Y", "invalid duration 'P1Y': years and months have no fixed length");
	dur_err("P", "invalid duration 'P': expected a number after 'P'");
	dur_err("PT", "invalid duration 'PT': expected a number after 'T'");
	dur_err("P1DT", "invalid duration 'P1DT': expected a number after 'T'");
	dur_err("P2H", "invalid duration 'P2H': unknown designator 'H' before 'T'");
	dur_err("PT2", "invalid duration 'PT2': missing designator after the last number");
	dur_err("PT30M2H", "invalid duration 'PT30M2H': designator 'H' out of order");
	dur_err("-PT2H", "invalid duration '-PT2H': negative durations are not accepted");
	dur_err("PT-2H", "invalid duration 'PT-2H': expected a number at '-2H'");

	/* Airflow: a bare number of seconds */
	dur_ok("3600", S(3600));
	dur_ok("86400.0", S(86400));
	dur_ok("0.000001", 1000);
	dur_ok("1e-05", 10000);
	dur_ok("1.5e3", S(1500));
	dur_err("-3600", "invalid duration '-3600': negative durations are not accepted");
	dur_err("1e30", "invalid duration '1e30': out of range (more than 292 years)");

	/* Airflow: JSON objects */
	dur_ok("{\"__type\": \"timedelta\", \"__var\": 86400.0}", S(86400));
	dur_ok("{\"__var\":300.0,\"__type\":\"timedelta\"}", S(300));
	dur_ok("{\"__type\": \"TimeDelta\", \"days\": 0, \"seconds\": 3600, \"microseconds\": 0}",
	    S(3600));
	dur_ok("{\"__type\": \"TimeDelta\", \"days\": 1, \"seconds\": 30, \"microseconds\": 500000}",
	    S(86430) + 500000000);
	/* Python normalises timedelta(seconds=-1) to days=-1, seconds=86399 */
	dur_err("{\"__type\": \"TimeDelta\", \"days\": -1, \"seconds\": 86399, \"microseconds\": 0}",
	    "invalid duration '{\"__type\": \"TimeDelta\", \"days\": -1, \"seconds\": 86399, \"microseco...': negative durations are not accepted");
	dur_ok("{\"__classname__\": \"datetime.timedelta\", \"__version__\": 2, \"__data__\": 3600.0}",
	    S(3600));
	dur_ok(" {\n  \"__type\" : \"timedelta\" ,\n  \"__var\" : 1e-05\n} ", 10000);
	dur_ok("{\"__type\": \"timedelta\", \"__var\": \"60\"}", S(60));
	dur_err("{\"__type\": \"datetime\", \"__var\": 1.0}",
	    "invalid duration '{\"__type\": \"datetime\", \"__var\": 1.0}': __type is not timedelta");
	dur_err("{\"__type\": \"timedelta\"}",
	    "invalid duration '{\"__type\": \"timedelta\"}': no duration in the object");
	dur_err("{\"__type\": \"timedelta\", \"__var\": -5}",
	    "invalid duration '{\"__type\": \"timedelta\", \"__var\": -5}': negative durations are not accepted");
	dur_err("{\"hours\": 1}", "invalid duration '{\"hours\": 1}': unexpected field 'hours'");
	dur_err("{\"__var\": 1, \"__var\": 2}",
	    "invalid duration '{\"__var\": 1, \"__var\": 2}': field '__var' given twice");
	dur_err("{\"__var\": 1", "invalid duration '{\"__var\": 1': expected ',' or '}'");
	dur_err("{\"__var\": 1} x", "invalid duration '{\"__var\": 1} x': unexpected text after the object");
	dur_err("{\"__v\\u0061r\": 1}",
	    "invalid duration '{\"__v\\u0061r\": 1}': expected a field name without escapes");
	dur_err("{}", "invalid duration '{}': empty object");
	dur_err("{\"__var\": null}",
	    "invalid duration '{\"__var\": null}': expected a number or a string value");

	/* Python str(timedelta) */
	dur_ok("2:00:00", S(7200));
	dur_ok("0:00:01", S(1));
	dur_ok("1 day, 2:00:00", S(86400 + 7200));
	dur_ok("3 days, 0:00:30.500000", S(3 * 86400 + 30) + 500000000);
	dur_ok("0:00:00.000001", 1000);
	dur_ok("2 days", S(172800));
	dur_ok("25:00:00", S(90000));
	dur_err("2:0:00", "invalid duration '2:0:00': expected H:MM:SS");
	dur_err("2:61:00", "invalid duration '2:61:00': minutes and seconds must be below 60");
	dur_err("1 week, 0:00:00", "invalid duration '1 week, 0:00:00': missing unit after '1'");
	dur_err("1 dayz, 0:00:00", "invalid duration '1 dayz, 0:00:00': expected ', H:MM:SS' after the days");
	dur_err("-1 day, 23:00:00",
	    "invalid duration '-1 day, 23:00:00': negative durations are not accepted");
	dur_err("2:00:00 ", "invalid duration '2:00:00 ': unexpected text after H:MM:SS");

	/* Python calls */
	dur_ok("timedelta(hours=2)", S(7200));
	dur_ok("datetime.timedelta(seconds=3600, minutes=1)", S(3660));
	dur_ok("timedelta(days=1, hours=-1)", S(82800));
	dur_ok("timedelta(minutes=1.5)", S(90));
	dur_ok("timedelta(1)", S(86400));
	dur_ok("timedelta(0, 30)", S(30));
	dur_ok("timedelta(0, 0, 1)", 1000);
	dur_ok("timedelta(1, hours=2,)", S(93600));
	dur_ok("timedelta( weeks = 1 , milliseconds=5 )", S(604800) + 5000000);
	dur_ok("timedelta()", 0);
	dur_ok("dt.timedelta(microseconds=250)", 250000);
	dur_err("timedelta(hours=-2)",
	    "invalid duration 'timedelta(hours=-2)': negative durations are not accepted");
	dur_err("timedelta(hour=2)", "invalid duration 'timedelta(hour=2)': unknown timedelta argument 'hour'");
	dur_err("timedelta(hours=2, hours=3)",
	    "invalid duration 'timedelta(hours=2, hours=3)': timedelta argument 'hours' given twice");
	dur_err("timedelta(1, days=2)",
	    "invalid duration 'timedelta(1, days=2)': timedelta argument 'days' given twice");
	dur_err("timedelta(hours=2, 3)",
	    "invalid duration 'timedelta(hours=2, 3)': positional argument after keyword argument");
	dur_err("timedelta(hours=x)", "invalid duration 'timedelta(hours=x)': expected a number for 'hours'");
	dur_err("timedelta(hours=2", "invalid duration 'timedelta(hours=2': expected ',' or ')' in timedelta(...)");
	dur_err("timedelta(hours=2))", "invalid duration 'timedelta(hours=2))': unexpected text after ')'");
	dur_err("mytimedelta(hours=2)", "invalid duration 'mytimedelta(hours=2)': expected a number at 'mytimedelta(hour'");
}

static void
test_duration_format(void)
{
	dfmt_is(0, "0s");
	dfmt_is(500000000, "500ms");
	dfmt_is(1500000000, "1.5s");
	dfmt_is(S(90), "1m30s");
	dfmt_is(S(5400), "1h30m");
	dfmt_is(S(172800), "2d");
	dfmt_is(S(604800), "7d");
	dfmt_is(S(86400 + 7200 + 180 + 4) + 5, "1d2h3m4.000000005s");
	dfmt_is(S(60) + 500000000, "1m500ms");
	dfmt_is(250000, "250us");
	dfmt_is(1500000, "1.5ms");
	dfmt_is(1500, "1.5us");
	dfmt_is(7, "7ns");
	dfmt_is(S(3600) + 1, "1h1ns");
	dfmt_is(INT64_MAX, "106751d23h47m16.854775807s");
	dfmt_is(-S(90), "-1m30s");
	dfmt_is(INT64_MIN, "-106751d23h47m16.854775808s");
}

static void
test_jval(void)
{
	struct pk_err err = PK_ERR_INIT;
	struct pk_jval v;
	int64_t ns = 0;

	v.type = PK_J_NUM; v.escaped = 0; v.p = "1732550400000"; v.n = strlen(v.p);
	ok(pk_time_from_jval(&v, PK_TIME_AUTO, &ns, &err) == 0 && ns == S(1732550400),
	    "jval number, ms guessed");
	ok(pk_time_from_jval(&v, PK_TIME_NS, &ns, &err) == 0 && ns == 1732550400000LL,
	    "jval number, forced ns");
	v.type = PK_J_STR; v.p = "\"2026-11-25T16:30:00Z\""; v.n = strlen(v.p);
	ok(pk_time_from_jval(&v, PK_TIME_AUTO, &ns, &err) == 0 && ns == S(1795624200),
	    "jval string");
	v.p = "\"1732550400\""; v.n = strlen(v.p);
	ok(pk_time_from_jval(&v, PK_TIME_AUTO, &ns, &err) == 0 && ns == S(1732550400),
	    "jval numeric string counts as a number");
	v.escaped = 1; v.p = "\"2026-11-25\\u005416:30:00Z\""; v.n = strlen(v.p);
	ok(pk_time_from_jval(&v, PK_TIME_AUTO, &ns, &err) == 0 && ns == S(1795624200),
	    "jval escaped string decoded");
	v.escaped = 0; v.type = PK_J_BOOL; v.p = "true"; v.n = 4;
	ok(pk_time_from_jval(&v, PK_TIME_AUTO, &ns, &err) == -1, "jval bool refused");
	is_str(err.msg, "invalid timestamp 'true': not a string or a number", "jval bool message");

	v.type = PK_J_NUM; v.p = "86400.0"; v.n = strlen(v.p);
	ok(pk_duration_from_jval(&v, &ns, &err) == 0 && ns == S(86400), "duration jval number");
	v.type = PK_J_STR; v.p = "\"1h30m\""; v.n = strlen(v.p);
	ok(pk_duration_from_jval(&v, &ns, &err) == 0 && ns == S(5400), "duration jval string");
	v.type = PK_J_OBJ; v.p = "{\"__type\": \"timedelta\", \"__var\": 300.0}"; v.n = strlen(v.p);
	ok(pk_duration_from_jval(&v, &ns, &err) == 0 && ns == S(300), "duration jval object");
	v.type = PK_J_NULL; v.p = "null"; v.n = 4;
	ok(pk_duration_from_jval(&v, &ns, &err) == -1, "duration jval null refused");
	is_str(err.msg, "invalid duration 'null': not a number, string or object",
	    "duration jval null message");
}

int
main(void)
{
	test_rfc3339();
	test_epoch();
	test_units();
	test_format();
	test_civil();
	test_floor();
	test_durations();
	test_duration_format();
	test_jval();
	return tap_done();
}
