/*
 * fuzz_reader - any bytes through pk_reader_open_mem (plain, zstd or gzip) with a tiny line limit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pk_err err = PK_ERR_INIT;
	struct pk_reader *r;
	const char *line;
	size_t len;
	uint64_t last = 0;
	int rc;

	r = pk_reader_open_mem("fuzz", data, size, 64, &err);
	if (r == NULL)
		abort();	/* memory sources cannot fail to open */
	while ((rc = pk_reader_next(r, &line, &len, &err)) > 0) {
		/* What the contract promises, checked on every line. */
		if (len > 64 || (rc == 1 && memchr(line, '\n', len) != NULL))
			abort();
		if (pk_reader_offset(r) < last + len)
			abort();
		last = pk_reader_offset(r);
	}
	if (rc < 0 && (err.kind != PK_ERR_DATA && err.kind != PK_ERR_IO))
		abort();
	/* Plain input passes through: every byte is accounted for. */
	if (rc == 0 && pk_reader_compression(r) == PK_COMP_NONE && pk_reader_offset(r) != size)
		abort();
	pk_reader_free(r);
	return 0;
}
