/*
 * time - exact parsing and formatting of timestamps and durations as int64
 * nanoseconds since the Unix epoch (UTC), and civil-date arithmetic.
 */
#ifndef PK_TIME_H
#define PK_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

struct pk_jval;

#define PK_NS_PER_SEC INT64_C(1000000000)

/* How an epoch number is read: guessed from magnitude, or as given. */
enum pk_time_unit { PK_TIME_AUTO = 0, PK_TIME_S, PK_TIME_MS, PK_TIME_US, PK_TIME_NS };

/*
 * Parse s[0..n) (not NUL-terminated) into *ns. 0 ok; -1 with err (DATA),
 * e.g. "invalid timestamp '2023-02-29T00:00:00Z': no such day".
 *
 * Text is either
 *  - a date and time: YYYY-MM-DD, then 'T', 't' or one space, HH:MM with
 *    optional :SS and optional fraction ('.' or ',' and 1 or more digits;
 *    digits past the ninth are checked and dropped: truncation, never
 *    rounding), then 'Z', 'z', +hh:mm, +hhmm, +hh (or '-'), or nothing
 *    for UTC. A date alone ("2026-11-25") is midnight UTC and HH:MM
 *    without seconds is accepted, as Airflow exports carry both. Second
 *    60 (a leap second) and hour 24 are rejected; years are 0000-9999,
 *    but only instants inside int64 nanoseconds (1677-09-21 to 2262-04-11)
 *    parse, anything else is an "out of range" error, never a wrap.
 *    No surrounding whitespace.
 *  - an epoch number, as JSON writes it (optional '-', digits, optional
 *    fraction, optional exponent: "1732550400", "1732550400.5",
 *    "1.7325504e9"). With PK_TIME_AUTO the unit comes from the magnitude
 *    of its integer part: below 1e11 seconds, below 1e14 milliseconds,
 *    below 1e17 microseconds, else nanoseconds (negative numbers by their
 *    absolute value). Fractions are kept to the nanosecond, truncated
 *    toward zero beyond it. unit is ignored for dates.
 * Text counts as a date when it starts with four digits and '-'.
 */
int pk_time_parse(const char *s, size_t n, enum pk_time_unit unit, int64_t *ns,
    struct pk_err *err);

/* "s", "ms", "us" (or "µs"), "ns", "auto" (the --time-unit values): 0 with
 * *u, -1 for anything else (the caller reports the usage error). */
int pk_time_parse_unit(const char *name, enum pk_time_unit *u);

/*
 * A JSON value as a timestamp: a number (its text, as pk_time_parse) or a
 * string (decoded when it holds escapes). Other types are an error.
 * Needs lib/json.c.
 */
int pk_time_from_jval(const struct pk_jval *v, enum pk_time_unit unit, int64_t *ns,
    struct pk_err *err);

/* Append RFC 3339 UTC, "2026-11-25T16:30:00Z", with a fraction only when it
 * is not zero, in 3, 6 or 9 digits (the fewest that are exact). */
void pk_time_format(int64_t ns, struct pk_buf *out);

/* Broken-down UTC time of an instant. */
struct pk_civil {
	int year;		/* 1677..2262 for int64 nanoseconds */
	int month;		/* 1..12 */
	int day;		/* 1..31 */
	int hour, minute, second;
	int nsec;		/* 0..999999999 */
	int wday;		/* 0 = Sunday .. 6, as strftime's %w */
	int yday;		/* 1..366, as strftime's %j */
};

void pk_time_civil(int64_t ns, struct pk_civil *c);
/* Days since 1970-01-01 of a proleptic Gregorian date (any int year). */
int64_t pk_days_from_civil(int64_t y, unsigned m, unsigned d);

/*
 * Start of the window of length size (> 0) aligned to offset that holds t:
 * the greatest offset + k*size <= t, for negative t too (floor, not
 * truncation). offset may be any value; only offset mod size matters.
 * size <= 0 returns t. A start below INT64_MIN saturates there.
 */
int64_t pk_time_floor(int64_t t, int64_t size, int64_t offset);

/*
 * Parse a duration s[0..n) into *ns (>= 0). 0 ok; -1 with err (DATA),
 * e.g. "invalid duration '5x': unknown unit 'x'". Accepted forms:
 *  - numbers with units, larger units first, each unit at most once,
 *    optionally separated by spaces: "500ms", "90s", "1h30m", "1.5h",
 *    "2d", "1w2d"; units ns, us, µs (or μs), ms, s, m, h, d (24h), w (7d);
 *  - ISO 8601: "PT2H", "P1D", "P1DT2H30M", "PT0.5S", "P2W" (fractions on
 *    any part; years and months, having no fixed length, are refused);
 *  - a bare number of seconds, as Airflow serialises a timedelta: "3600",
 *    "86400.0";
 *  - Airflow's JSON objects: {"__type": "timedelta", "__var": 86400.0}
 *    (serialized DAGs), {"__type": "TimeDelta", "days": 0, "seconds":
 *    3600, "microseconds": 0} (REST API) and {"__classname__":
 *    "datetime.timedelta", "__version__": 2, "__data__": 3600.0} (Airflow
 *    3 serde); flat objects without string escapes;
 *  - Python's str(timedelta): "2:00:00", "1 day, 2:00:00", "3 days,
 *    0:00:30.500000";
 *  - Python calls: "timedelta(hours=2)", "datetime.timedelta(seconds=3600,
 *    minutes=1)", keywords weeks, days, hours, minutes, seconds,
 *    milliseconds, microseconds, or positional (days, seconds,
 *    microseconds, milliseconds, minutes, hours, weeks) as Python takes
 *    them; parts may be negative when the total is not.
 * Fractions are exact, truncated below a nanosecond. A negative total is
 * an error (no caller needs one): use the numbers' sign yourself if one
 * ever does. A total beyond int64 nanoseconds (about 292 years) is an
 * error, never a wrap.
 */
int pk_duration_parse(const char *s, size_t n, int64_t *ns, struct pk_err *err);

/* A JSON value as a duration: a number (seconds), a string (as above),
 * or one of Airflow's objects. Needs lib/json.c. */
int pk_duration_from_jval(const struct pk_jval *v, int64_t *ns, struct pk_err *err);

/*
 * Append the compact form that pk_duration_parse reads back exactly:
 * "0s", "500ms", "1.5s", "1h30m", "2d", "1d2h3m4.000000005s", "250us",
 * "7ns". Days are the largest unit. Negative values get a leading '-'
 * (which pk_duration_parse refuses).
 */
void pk_duration_format(int64_t ns, struct pk_buf *out);

#endif
