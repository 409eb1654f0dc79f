/*
 * csvrec - CSV rows with a header, read through libcsv and handed on as
 * JSON object text, so CSV input takes the same pk_jdoc path as NDJSON.
 */
#ifndef PK_CSVREC_H
#define PK_CSVREC_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/reader.h"

struct pk_csv;

/*
 * A CSV reader over r (borrowed: r must outlive it and is not freed by it)
 * with delim between fields ('"' quotes, doubled to escape one). Returns a
 * new reader (free with pk_csv_free); never NULL.
 *
 * The first non-blank row is the header. A UTF-8 byte order mark before it
 * is dropped. Header names are made unique: an empty name becomes its
 * 1-based column number ("3"), a repeated one gets "_2", "_3", ... (the
 * first "a" stays "a", the next is "a_2"), skipping names already taken.
 *
 * Rows: fields are kept exactly as written (spaces around them included,
 * RFC 4180 section 2); quoted fields may hold the delimiter, doubled quotes
 * and line breaks. Line ends are '\n' or "\r\n"; a "\r\n" inside a quoted
 * field is read as '\n'. Empty lines between rows are skipped. Every column
 * becomes a JSON string: {"name":"value",...} in header order.
 */
struct pk_csv *pk_csv_new(struct pk_reader *r, char delim);

/* Cap on one row's bytes as read (all its lines); 0 means
 * PK_MAX_RECORD_BYTES_DEFAULT, the default. Give the reader's max_line. */
void pk_csv_set_max_row(struct pk_csv *c, size_t max_row);

/*
 * Next row. All out pointers are borrowed; valid until the next call on c.
 *   1  a row: json[0..jn) is a JSON object (valid UTF-8, NUL-terminated),
 *      raw[0..rawn) the row's lines as read joined by '\n' (a '\r' before
 *      each line end kept), *lineno the row's first line
 *   2  a row to reject, err (DATA) holds the reason without location
 *      ("row has 5 fields, header has 4", "invalid UTF-8 in column 'name'",
 *      "row longer than N bytes", "line longer than N bytes", "unterminated
 *      quoted field at end of input": the rest of the input); raw, rawn and
 *      lineno are set (raw holds at most the cap's worth of bytes). After a
 *      row over the cap reading resumes at the next line, as a new row.
 *   0  end of input (also for an empty input or a header alone)
 *  -1  fatal, err set: the reader's IO or DATA error, a header over the cap,
 *      not valid UTF-8 or with a quoted field still open at end of input
 *      ("FILE:1: header: unterminated quoted field at end of input"); *lineno
 *      set when known
 */
int pk_csv_next(struct pk_csv *c, const char **json, size_t *jn, const char **raw,
    size_t *rawn, long *lineno, struct pk_err *err);

/* Columns of the header, once the first pk_csv_next has returned (0 before). */
size_t pk_csv_ncols(const struct pk_csv *c);
/* Name of column i (unique, as put in the JSON); borrowed; valid until pk_csv_free. */
const char *pk_csv_colname(const struct pk_csv *c, size_t i);

void pk_csv_free(struct pk_csv *c);	/* NULL-safe; does not free the reader */

#endif
