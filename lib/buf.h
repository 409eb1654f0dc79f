/*
 * buf - growable byte buffers and allocation that aborts on exhaustion.
 */
#ifndef PK_BUF_H
#define PK_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Out of memory is the one condition lib/ handles by exiting (status 4). */
void *pk_xmalloc(size_t n);
void *pk_xcalloc(size_t n, size_t size);
void *pk_xrealloc(void *p, size_t n);
char *pk_xstrdup(const char *s);
char *pk_xstrndup(const char *s, size_t n);

/* p is always NUL-terminated after any append (p[len] == 0) once cap > 0. */
struct pk_buf {
	char *p;
	size_t len;
	size_t cap;
};

#define PK_BUF_INIT { NULL, 0, 0 }

void pk_buf_grow(struct pk_buf *b, size_t extra);
void pk_buf_add(struct pk_buf *b, const void *data, size_t n);
void pk_buf_addc(struct pk_buf *b, char c);
void pk_buf_adds(struct pk_buf *b, const char *s);
void pk_buf_printf(struct pk_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pk_buf_vprintf(struct pk_buf *b, const char *fmt, va_list ap);
void pk_buf_add_i64(struct pk_buf *b, int64_t v);
/* Append s as a JSON string literal, quotes included. Bytes that are not
 * valid UTF-8 are written as U+FFFD; use pk_buf_add_base64 to keep them. */
void pk_buf_add_json_str(struct pk_buf *b, const char *s, size_t n);
void pk_buf_add_base64(struct pk_buf *b, const void *data, size_t n);
/* Bytes as pipekit writes them in JSON (DESIGN.md, "Kafka records as
 * NDJSON"): a string when they are UTF-8, else {"base64":"..."}; NULL is null. */
void pk_buf_add_json_bytes(struct pk_buf *b, const void *data, size_t n);
/* A double as JSON: shortest text that round-trips, integers without ".0",
 * non-finite values as null. */
void pk_buf_add_double(struct pk_buf *b, double v);
void pk_buf_reset(struct pk_buf *b);		/* len = 0, keeps memory */
void pk_buf_release(struct pk_buf *b);		/* frees memory, back to INIT */
/* Returns the bytes (caller frees with free()); b is back to INIT. */
char *pk_buf_detach(struct pk_buf *b, size_t *len);

/* 1 when s[0..n) is valid UTF-8 (no overlongs, no surrogates). */
int pk_utf8_valid(const char *s, size_t n);
/* Length of the longest valid UTF-8 prefix of s[0..n) (n: all valid). */
size_t pk_utf8_prefix(const char *s, size_t n);

#endif
