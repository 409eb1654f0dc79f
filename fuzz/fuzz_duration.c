/*
 * fuzz_duration - pk_duration_parse on arbitrary bytes; whatever parses is
 * non-negative and its compact form parses back to the same value.
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
	int64_t back = -1;

	pk_duration_format(ns, &b);
	if (ns >= 0) {
		if (pk_duration_parse(b.p, b.len, &back, &err) != 0 || back != ns)
			abort();
	} else if (pk_duration_parse(b.p, b.len, &back, &err) != -1) {
		abort();
	}
	pk_buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);
	struct pk_err err = PK_ERR_INIT;
	int64_t ns = -1;

	if (size)
		memcpy(s, data, size);	/* exact-size copy: ASan sees overreads */
	if (pk_duration_parse(s, size, &ns, &err) == 0) {
		if (ns < 0)
			abort();
		check(ns);
	} else if (err.kind != PK_ERR_DATA || err.msg[0] == '\0') {
		abort();
	}
	if (size >= 8) {
		memcpy(&ns, data, 8);
		check(ns);
	}
	free(s);
	return 0;
}
