/*
 * tap - a minimal TAP producer for the unit tests of lib/ (no framework).
 */
#ifndef PK_TAP_H
#define PK_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (!ok(g_ == w_, __VA_ARGS__)) \
		printf("#   got %lld, want %lld\n", g_, w_); \
} while (0)
#define is_str(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	if (!ok(g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0, __VA_ARGS__)) \
		printf("#   got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)
#define is_mem(got, gotn, want, wantn, ...) do { \
	size_t gn_ = (gotn), wn_ = (wantn); \
	if (!ok(gn_ == wn_ && memcmp((got), (want), gn_) == 0, __VA_ARGS__)) \
		printf("#   got %zu bytes \"%.*s\", want %zu bytes \"%.*s\"\n", \
		    gn_, (int)(gn_ > 200 ? 200 : gn_), (const char *)(got), \
		    wn_, (int)(wn_ > 200 ? 200 : wn_), (const char *)(want)); \
} while (0)

static int
tap_ok(int cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#include <stdarg.h>
static int
tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   at %s:%d\n", file, line);
	}
	return cond;
}

/* Call last in main: prints the plan, returns the exit status. */
static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
