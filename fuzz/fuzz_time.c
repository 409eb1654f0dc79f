/*
 * fuzz_time - pk_time_parse on arbitrary bytes under every unit; whatever
 * parses must format as RFC 3339 and parse back to the same instant, and
 * the civil parts and window floor must agree with the instant.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int64_t ns)
{
	struct pk_buf b = PK_BUF_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_civil c;
	int64_t back = 0, day, fs;

	pk_time_format(ns, &b);
	if (pk_time_parse(b.p, b.len, PK_TIME_AUTO, &back, &err) != 0 || back != ns)
		abort();
	pk_time_civil(ns, &c);
	day = pk_days_from_civil(c.year, (unsigned)c.month, (unsigned)c.day);
	/* floor seconds without forming day * 86400e9, which can leave int64 */
	fs = ns / PK_NS_PER_SEC - (ns % PK_NS_PER_SEC < 0);
	if (fs != day * 86400 + c.hour * 3600 + c.minute * 60 + c.second)
		abort();
	if (c.nsec != (ns % PK_NS_PER_SEC + PK_NS_PER_SEC) % PK_NS_PER_SEC)
		abort();
	if (c.wday < 0 || c.wday > 6 || c.yday < 1 || c.yday > 366)
		abort();
	pk_buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum pk_time_unit units[] = {
		PK_TIME_AUTO, PK_TIME_S, PK_TIME_MS, PK_TIME_US, PK_TIME_NS
	};
	char *s = malloc(size ? size : 1);
	struct pk_err err = PK_ERR_INIT;
	size_t i;
	int64_t ns;

	if (size)
		memcpy(s, data, size);	/* exact-size copy: ASan sees overreads */
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		ns = 0;
		if (pk_time_parse(s, size, units[i], &ns, &err) == 0)
			check(ns);
		else if (err.kind != PK_ERR_DATA || err.msg[0] == '\0')
			abort();
	}
	/* The input's first 24 bytes as an instant, a size and an offset. */
	if (size >= 24) {
		int64_t t, sz, off, f;

		memcpy(&t, data, 8);
		memcpy(&sz, data + 8, 8);
		memcpy(&off, data + 16, 8);
		check(t);
		if (sz > 0) {
			f = pk_time_floor(t, sz, off);
			if (f > t)
				abort();
			if (f != INT64_MIN) {
				int64_t r = (f % sz - off % sz) % sz;

				if ((uint64_t)t - (uint64_t)f >= (uint64_t)sz || r != 0)
					abort();
			}
		}
	}
	free(s);
	return 0;
}
