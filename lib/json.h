/*
 * json - a validating single-pass JSON scanner that indexes field spans and
 * decodes only what is asked for; the hot path of every record reader.
 */
#ifndef PK_JSON_H
#define PK_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

enum pk_jtype { PK_J_NONE = 0, PK_J_NULL, PK_J_BOOL, PK_J_NUM, PK_J_STR, PK_J_ARR, PK_J_OBJ };

/* A value inside a scanned text: p/n is its exact JSON text (strings with
 * their quotes). Borrowed from the text that was scanned. */
struct pk_jval {
	enum pk_jtype type;
	unsigned escaped;	/* PK_J_STR: 1 when the string holds backslash escapes */
	const char *p;
	size_t n;
};

struct pk_jfield {
	const char *k;		/* key text between the quotes, escapes undecoded */
	size_t kn;
	unsigned kescaped;
	struct pk_jval v;
};

/* The top-level members of one object, in text order. f[] is reused from
 * line to line: indexing allocates only when a line has more members than
 * any before it. */
struct pk_jdoc {
	struct pk_jfield *f;
	size_t nf;
	size_t cap;
	unsigned max_depth;	/* levels counting the outer object; default 512,
				 * 0 means 512, values above 4096 mean 4096 */
};

#define PK_JDOC_INIT { NULL, 0, 0, 512 }

/*
 * Validate that s[0..n) is exactly one JSON object (RFC 8259; surrounding
 * whitespace allowed, a trailing '\r' included; strings must be valid UTF-8
 * without overlongs or encoded surrogates, \u surrogates must pair) and
 * index its top-level members; nested values are validated and kept as
 * spans. s need not be NUL-terminated. Reuses doc's memory. 0 ok; -1 with
 * err (DATA), one of (N the 1-based byte offset):
 *   not a JSON object                  unexpected end of input
 *   expected ':' at byte N             expected string key at byte N
 *   expected ',' or '}' at byte N      expected ',' or ']' at byte N
 *   expected value at byte N           trailing comma at byte N
 *   invalid number at byte N           invalid literal at byte N
 *   unterminated string at byte N      (N: the opening quote)
 *   control character in string at byte N
 *   invalid escape at byte N           invalid \u escape at byte N
 *   lone surrogate in \u escape at byte N
 *   invalid UTF-8 at byte N            nesting deeper than D at byte N
 *   trailing characters at byte N
 */
int pk_json_index(struct pk_jdoc *doc, const char *s, size_t n, struct pk_err *err);
/* Validate any one JSON value filling v (NULL: only validate); 0 or -1 as above. */
int pk_json_value(const char *s, size_t n, struct pk_jval *v, struct pk_err *err);
/* The JSON value at the start of s[0..n) (leading whitespace allowed),
 * followed by anything: 0 with *v and *used (bytes through its end), or -1
 * as above (a value cut off by n is "unexpected end of input", or an
 * unterminated string or invalid literal at its last bytes). */
int pk_json_value_prefix(const char *s, size_t n, struct pk_jval *v, size_t *used,
    struct pk_err *err);
void pk_jdoc_release(struct pk_jdoc *doc);

/* A compiled dotted path ("user.id"); segments are object keys. */
struct pk_path {
	char *text;		/* the path as given */
	char **seg;
	size_t *segn;
	size_t nseg;
};

/* Compile dotted (a literal "." inside a key is written "\."). 0 or -1 (USAGE
 * for an empty path or segment). Release with pk_path_release. */
int pk_path_compile(struct pk_path *path, const char *dotted, struct pk_err *err);
void pk_path_release(struct pk_path *path);
/* A -k argument, "a,b.c": each comma-separated dotted path (the parts of a
 * composite key) compiled and appended to *paths (n of them; a repeated -k
 * adds parts). 0, or -1 as pk_path_compile ("-k 'ARG': ..." is the caller's
 * to add); on error *paths keeps what it held. */
int pk_paths_compile(struct pk_path **paths, size_t *n, const char *list, struct pk_err *err);

/* Look path up: 1 found (*out borrowed from the doc's text), 0 absent
 * (also when a segment before the last is not an object). Keys compare by
 * their decoded text. When a key occurs twice the last occurrence wins (as
 * in jq), at every level. */
int pk_json_get(const struct pk_jdoc *doc, const struct pk_path *path, struct pk_jval *out);
/* Member key[0..kn) of an already-validated object value. 1 or 0. */
int pk_jobj_get(const struct pk_jval *obj, const char *key, size_t kn, struct pk_jval *out);
/* Iterate an already-validated object: *pos starts at 0; 1 with key/val, 0 at end. */
int pk_jobj_next(const struct pk_jval *obj, size_t *pos, struct pk_jfield *out);
/* Iterate an already-validated array: *pos starts at 0; 1 with *out, 0 at end. */
int pk_jarr_next(const struct pk_jval *arr, size_t *pos, struct pk_jval *out);

/* Decode a string value (appended to out, UTF-8; \u0000 kept as a NUL byte).
 * For other types the raw JSON text is appended. */
void pk_jval_text(const struct pk_jval *v, struct pk_buf *out);
/* Compare a string value to s[0..n) without decoding into a buffer. */
int pk_jval_str_eq(const struct pk_jval *v, const char *s, size_t n);
/*
 * A key's bytes per DESIGN.md: a string's decoded UTF-8, a number's or
 * boolean's JSON text as written ("1.50" stays "1.50"), an object's or
 * array's JSON text as written. Appended to out; returns 1, or 0 for null
 * (nothing appended: no key).
 */
int pk_jval_key(const struct pk_jval *v, struct pk_buf *out);
/* Number, or a string holding a JSON-style number ("12.5", " 3 " not
 * accepted): 1 with *d (correctly rounded; beyond double range, +-HUGE_VAL);
 * 0 when it is not numeric. */
int pk_jval_num(const struct pk_jval *v, double *d);
/* Exact integer when the number (or numeric string, as for pk_jval_num)
 * has no fraction/exponent and fits in int64_t: 1, else 0 ("1e3" is 0). */
int pk_jval_i64(const struct pk_jval *v, int64_t *i);
int pk_jval_bool(const struct pk_jval *v, int *b);	/* 1 with *b, 0 otherwise */

/*
 * Composite key: the key bytes of each path joined by sep. 1 with the key
 * in out (reset first); 0 when a part is absent or null (*missing set to the
 * index of the first such path when missing != NULL).
 */
int pk_json_key(const struct pk_jdoc *doc, const struct pk_path *paths, size_t npaths,
    const char *sep, size_t sepn, struct pk_buf *out, size_t *missing);

#endif
