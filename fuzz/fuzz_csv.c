/*
 * fuzz_csv - libFuzzer target for CSV input: a reader over memory, rows to
 * JSON; every row must come out as a valid JSON object within the caps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/csvrec.h"
#include "lib/json.h"
#include "lib/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delims[] = ",;\t|";
	struct pk_err err = PK_ERR_INIT;
	struct pk_jdoc doc = PK_JDOC_INIT;
	struct pk_reader *r;
	struct pk_csv *c;
	const char *json, *raw;
	size_t jn, rawn, max_line, max_row, rows = 0;
	long lineno, last = 0;
	int rc;

	/* The first two bytes pick the delimiter and the caps. */
	if (size < 2)
		return 0;
	max_line = data[1] & 0x80 ? (size_t)(data[1] & 0x7F) + 1 : 0;
	max_row = data[1] & 0x40 ? (size_t)(data[1] & 0x3F) + 1 : 0;
	if ((r = pk_reader_open_mem("f.csv", data + 2, size - 2, max_line, &err)) == NULL)
		return 0;
	c = pk_csv_new(r, delims[data[0] & 3]);
	pk_csv_set_max_row(c, max_row);
	while ((rc = pk_csv_next(c, &json, &jn, &raw, &rawn, &lineno, &err)) > 0) {
		if (++rows > size + 1)
			abort();	/* more rows than lines: a loop */
		if (lineno <= last)
			abort();	/* rows come in line order */
		last = lineno;
		if (max_row && rawn > max_row)
			abort();
		if (rc == 1 && (strlen(json) != jn || pk_json_index(&doc, json, jn, NULL) != 0 ||
		    doc.nf != pk_csv_ncols(c)))
			abort();
		if (rc == 2 && err.msg[0] == '\0')
			abort();
		err.msg[0] = '\0';
	}
	if (rc < 0 && err.msg[0] == '\0')
		abort();
	pk_csv_free(c);
	pk_reader_free(r);
	pk_jdoc_release(&doc);
	return 0;
}
