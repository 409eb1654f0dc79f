/*
 * buf - growable byte buffers, JSON string escaping and checked allocation.
 */
#include "lib/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
oom(void)
{
	static const char msg[] = "pipekit: out of memory\n";

	fwrite(msg, 1, sizeof msg - 1, stderr);
	exit(4);
}

void *
pk_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
pk_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
pk_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
pk_xstrdup(const char *s)
{
	return pk_xstrndup(s, strlen(s));
}

char *
pk_xstrndup(const char *s, size_t n)
{
	char *p = pk_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
pk_buf_grow(struct pk_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1, cap;

	if (need < b->len)
		oom();
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			oom();
		cap *= 2;
	}
	b->p = pk_xrealloc(b->p, cap);
	b->cap = cap;
	b->p[b->len] = '\0';
}

void
pk_buf_add(struct pk_buf *b, const void *data, size_t n)
{
	pk_buf_grow(b, n);
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
pk_buf_addc(struct pk_buf *b, char c)
{
	pk_buf_grow(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

void
pk_buf_adds(struct pk_buf *b, const char *s)
{
	pk_buf_add(b, s, strlen(s));
}

void
pk_buf_vprintf(struct pk_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	pk_buf_grow(b, (size_t)n);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
pk_buf_printf(struct pk_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pk_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
pk_buf_add_i64(struct pk_buf *b, int64_t v)
{
	char tmp[24], *q = tmp + sizeof tmp;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--q = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--q = '-';
	pk_buf_add(b, q, (size_t)(tmp + sizeof tmp - q));
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c < 0xC2 || c > 0xF4)
		return 0;
	if (c < 0xE0)
		return (n >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
	if (c < 0xF0) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0)
			return 0;	/* overlong */
		if (c == 0xED && s[1] >= 0xA0)
			return 0;	/* surrogate */
		return 3;
	}
	if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
	    (s[3] & 0xC0) != 0x80)
		return 0;
	if (c == 0xF0 && s[1] < 0x90)
		return 0;
	if (c == 0xF4 && s[1] >= 0x90)
		return 0;
	return 4;
}

size_t
pk_utf8_prefix(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_seq(p + i, n - i)) == 0)
			return i;
		i += k;
	}
	return n;
}

int
pk_utf8_valid(const char *s, size_t n)
{
	return pk_utf8_prefix(s, n) == n;
}

void
pk_buf_add_json_str(struct pk_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run, k;

	pk_buf_grow(b, n + 2);
	pk_buf_addc(b, '"');
	while (i < n) {
		run = i;
		while (run < n && p[run] >= 0x20 && p[run] < 0x80 &&
		    p[run] != '"' && p[run] != '\\')
			run++;
		if (run > i) {
			pk_buf_add(b, p + i, run - i);
			i = run;
			continue;
		}
		if (p[i] >= 0x80) {
			if ((k = utf8_seq(p + i, n - i)) == 0) {
				pk_buf_adds(b, "\xEF\xBF\xBD");
				i++;
			} else {
				pk_buf_add(b, p + i, k);
				i += k;
			}
			continue;
		}
		pk_buf_addc(b, '\\');
		switch (p[i]) {
		case '"':  pk_buf_addc(b, '"'); break;
		case '\\': pk_buf_addc(b, '\\'); break;
		case '\n': pk_buf_addc(b, 'n'); break;
		case '\r': pk_buf_addc(b, 'r'); break;
		case '\t': pk_buf_addc(b, 't'); break;
		case '\b': pk_buf_addc(b, 'b'); break;
		case '\f': pk_buf_addc(b, 'f'); break;
		default:
			pk_buf_adds(b, "u00");
			pk_buf_addc(b, hex[p[i] >> 4]);
			pk_buf_addc(b, hex[p[i] & 15]);
		}
		i++;
	}
	pk_buf_addc(b, '"');
}

void
pk_buf_add_base64(struct pk_buf *b, const void *data, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	size_t i;
	unsigned v;

	pk_buf_grow(b, (n + 2) / 3 * 4);
	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		pk_buf_addc(b, tab[v >> 18]);
		pk_buf_addc(b, tab[(v >> 12) & 63]);
		pk_buf_addc(b, tab[(v >> 6) & 63]);
		pk_buf_addc(b, tab[v & 63]);
	}
	if (i < n) {
		v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
		pk_buf_addc(b, tab[v >> 18]);
		pk_buf_addc(b, tab[(v >> 12) & 63]);
		pk_buf_addc(b, i + 1 < n ? tab[(v >> 6) & 63] : '=');
		pk_buf_addc(b, '=');
	}
}

void
pk_buf_add_json_bytes(struct pk_buf *b, const void *data, size_t n)
{
	if (data == NULL) {
		pk_buf_adds(b, "null");
	} else if (pk_utf8_valid(data, n)) {
		pk_buf_add_json_str(b, data, n);
	} else {
		pk_buf_adds(b, "{\"base64\":\"");
		pk_buf_add_base64(b, data, n);
		pk_buf_adds(b, "\"}");
	}
}

void
pk_buf_add_double(struct pk_buf *b, double v)
{
	char tmp[40];
	int prec;

	if (!isfinite(v)) {
		pk_buf_adds(b, "null");
		return;
	}
	if (v == (double)(int64_t)v && fabs(v) < 9.007199254740992e15) {
		pk_buf_add_i64(b, (int64_t)v);
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	pk_buf_adds(b, tmp);
}

void
pk_buf_reset(struct pk_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void
pk_buf_release(struct pk_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

char *
pk_buf_detach(struct pk_buf *b, size_t *len)
{
	char *p = b->p;

	if (p == NULL)
		p = pk_xstrdup("");
	if (len)
		*len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}
