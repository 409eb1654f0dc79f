/*
 * json - a validating single-pass JSON scanner that records field spans, and
 * the lazy lookups and decoders that work on those spans.
 *
 * The scanner validates strictly (RFC 8259: no trailing commas, no NaN, no
 * leading zeros, no raw control characters in strings, \u escapes with
 * paired surrogates, strings in valid UTF-8) but keeps nothing except the
 * top-level members' spans, so indexing a line allocates nothing once the
 * member array has grown to the widest line seen. Strings are scanned 8
 * bytes at a time (SWAR) until a quote, backslash, control or non-ASCII
 * byte shows up; only then does the byte-at-a-time path run.
 *
 * Lookups rescan the already-validated spans of nested objects with a
 * non-validating skipper, which is cheaper than indexing every level up
 * front when most records are asked for two or three fields.
 */
#include "lib/json.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Nesting is tracked in a bit stack on the C stack; deeper limits are cut to this. */
#define DEPTH_CAP 4096
#define DEPTH_DEFAULT 512

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR_LE 1
#else
#define SWAR_LE 0
#endif

typedef const unsigned char *ucp;

/* Byte classes: C_WS whitespace, C_PLAIN a string byte that needs no care
 * (ASCII, not a control character, quote or backslash), C_DELIM a byte that
 * ends a number or literal in validated text. */
enum { C_WS = 1, C_PLAIN = 2, C_DELIM = 4 };

static const unsigned char cls[256] = {
	['\t'] = C_WS | C_DELIM, ['\n'] = C_WS | C_DELIM, ['\r'] = C_WS | C_DELIM,
	[' '] = C_WS | C_DELIM | C_PLAIN,
	['!'] = C_PLAIN, ['#'] = C_PLAIN, ['$'] = C_PLAIN, ['%'] = C_PLAIN,
	['&'] = C_PLAIN, ['\''] = C_PLAIN, ['('] = C_PLAIN, [')'] = C_PLAIN,
	['*'] = C_PLAIN, ['+'] = C_PLAIN, [','] = C_PLAIN | C_DELIM, ['-'] = C_PLAIN,
	['.'] = C_PLAIN, ['/'] = C_PLAIN,
	['0'] = C_PLAIN, ['1'] = C_PLAIN, ['2'] = C_PLAIN, ['3'] = C_PLAIN,
	['4'] = C_PLAIN, ['5'] = C_PLAIN, ['6'] = C_PLAIN, ['7'] = C_PLAIN,
	['8'] = C_PLAIN, ['9'] = C_PLAIN, [':'] = C_PLAIN, [';'] = C_PLAIN,
	['<'] = C_PLAIN, ['='] = C_PLAIN, ['>'] = C_PLAIN, ['?'] = C_PLAIN,
	['@'] = C_PLAIN,
	['A'] = C_PLAIN, ['B'] = C_PLAIN, ['C'] = C_PLAIN, ['D'] = C_PLAIN,
	['E'] = C_PLAIN, ['F'] = C_PLAIN, ['G'] = C_PLAIN, ['H'] = C_PLAIN,
	['I'] = C_PLAIN, ['J'] = C_PLAIN, ['K'] = C_PLAIN, ['L'] = C_PLAIN,
	['M'] = C_PLAIN, ['N'] = C_PLAIN, ['O'] = C_PLAIN, ['P'] = C_PLAIN,
	['Q'] = C_PLAIN, ['R'] = C_PLAIN, ['S'] = C_PLAIN, ['T'] = C_PLAIN,
	['U'] = C_PLAIN, ['V'] = C_PLAIN, ['W'] = C_PLAIN, ['X'] = C_PLAIN,
	['Y'] = C_PLAIN, ['Z'] = C_PLAIN, ['['] = C_PLAIN, [']'] = C_PLAIN | C_DELIM,
	['^'] = C_PLAIN, ['_'] = C_PLAIN, ['`'] = C_PLAIN,
	['a'] = C_PLAIN, ['b'] = C_PLAIN, ['c'] = C_PLAIN, ['d'] = C_PLAIN,
	['e'] = C_PLAIN, ['f'] = C_PLAIN, ['g'] = C_PLAIN, ['h'] = C_PLAIN,
	['i'] = C_PLAIN, ['j'] = C_PLAIN, ['k'] = C_PLAIN, ['l'] = C_PLAIN,
	['m'] = C_PLAIN, ['n'] = C_PLAIN, ['o'] = C_PLAIN, ['p'] = C_PLAIN,
	['q'] = C_PLAIN, ['r'] = C_PLAIN, ['s'] = C_PLAIN, ['t'] = C_PLAIN,
	['u'] = C_PLAIN, ['v'] = C_PLAIN, ['w'] = C_PLAIN, ['x'] = C_PLAIN,
	['y'] = C_PLAIN, ['z'] = C_PLAIN, ['{'] = C_PLAIN, ['|'] = C_PLAIN,
	['}'] = C_PLAIN | C_DELIM, ['~'] = C_PLAIN, [0x7f] = C_PLAIN,
};

static const signed char hexval[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7,
	['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};	/* value + 1, so that 0 means "not a hex digit" */

struct scan {
	ucp base, end;
	unsigned max_depth;
	struct pk_err *err;
};

static ucp
fail(const struct scan *sc, ucp at, const char *what)
{
	pk_err_set(sc->err, PK_ERR_DATA, "%s at byte %zu", what, (size_t)(at - sc->base) + 1);
	return NULL;
}

static ucp
fail_eof(const struct scan *sc)
{
	pk_err_set(sc->err, PK_ERR_DATA, "unexpected end of input");
	return NULL;
}

static inline ucp
skip_ws(ucp p, ucp end)
{
	while (p < end && (cls[*p] & C_WS))
		p++;
	return p;
}

/* Nonzero (high bit of each such byte) where v holds '"', '\\', a byte
 * below 0x20 or a byte from 0x80. Each term can flag a false byte only
 * above a true one (borrow), so the lowest flagged byte is always right. */
static inline uint64_t
str_special(uint64_t v)
{
	uint64_t q = v ^ (ONES * '"'), b = v ^ (ONES * '\\');

	return (((q - ONES) & ~q) | ((b - ONES) & ~b) | ((v - ONES * 0x20) & ~v) | v) & HIGHS;
}

/* The same for '"' and '\\' only: enough to skip validated strings. */
static inline uint64_t
str_quote_bs(uint64_t v)
{
	uint64_t q = v ^ (ONES * '"'), b = v ^ (ONES * '\\');

	return (((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS;
}

#if defined(__SSE2__)
/* str_special over 16 bytes, as a bit mask (bit i: byte i). A signed
 * compare below 0x20 catches the control characters and, as negative
 * numbers, every byte from 0x80. */
static inline unsigned
str_special16(ucp p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));

	m = _mm_or_si128(m, _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
	return (unsigned)_mm_movemask_epi8(m);
}
#endif

static inline uint64_t
load8(ucp p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* Length of the valid UTF-8 sequence at s (n >= 1 bytes available), 0 when
 * invalid: overlongs, surrogates (ED A0..BF) and code points past U+10FFFF
 * are refused, as RFC 3629 section 4 requires. */
static inline size_t
utf8_seq(ucp s, size_t n)
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
			return 0;
		if (c == 0xED && s[1] >= 0xA0)
			return 0;
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

/* Four hex digits at p (bounded by end) as a code unit, or -1. */
static inline long
hex4(ucp p, ucp end)
{
	int a, b, c, d;

	if (end - p < 4)
		return -1;
	a = hexval[p[0]];
	b = hexval[p[1]];
	c = hexval[p[2]];
	d = hexval[p[3]];
	if (!a || !b || !c || !d)
		return -1;
	return (long)(a - 1) << 12 | (long)(b - 1) << 8 | (long)(c - 1) << 4 | (d - 1);
}

/* q at a backslash inside the string opened at open; returns past the escape. */
static ucp
scan_escape(const struct scan *sc, ucp open, ucp q)
{
	long u, lo;

	if (sc->end - q < 2)
		return fail(sc, open, "unterminated string");
	switch (q[1]) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
		return q + 2;
	case 'u':
		break;
	default:
		return fail(sc, q, "invalid escape");
	}
	if ((u = hex4(q + 2, sc->end)) < 0)
		return fail(sc, q, "invalid \\u escape");
	if (u >= 0xDC00 && u <= 0xDFFF)
		return fail(sc, q, "lone surrogate in \\u escape");
	if (u >= 0xD800 && u <= 0xDBFF) {
		if (sc->end - q < 12 || q[6] != '\\' || q[7] != 'u' ||
		    (lo = hex4(q + 8, sc->end)) < 0xDC00 || lo > 0xDFFF)
			return fail(sc, q, "lone surrogate in \\u escape");
		return q + 12;
	}
	return q + 6;
}

/* p at the opening quote; returns past the closing quote, *escaped set. */
static ucp
scan_string(const struct scan *sc, ucp p, unsigned *escaped)
{
	ucp q = p + 1, end = sc->end;
	unsigned esc = 0;
	uint64_t m;
	size_t k;

	for (;;) {
#if defined(__SSE2__)
		while (end - q >= 16) {
			unsigned m16 = str_special16(q);

			if (m16 != 0) {
				q += __builtin_ctz(m16);
				goto special;
			}
			q += 16;
		}
#endif
		while (end - q >= 8) {
			if ((m = str_special(load8(q))) != 0) {
#if SWAR_LE
				q += __builtin_ctzll(m) >> 3;
#else
				while (cls[*q] & C_PLAIN)
					q++;
#endif
				goto special;
			}
			q += 8;
		}
		while (q < end && (cls[*q] & C_PLAIN))
			q++;
		if (q == end)
			return fail(sc, p, "unterminated string");
special:
		if (*q == '"') {
			*escaped = esc;
			return q + 1;
		}
		if (*q == '\\') {
			esc = 1;
			if ((q = scan_escape(sc, p, q)) == NULL)
				return NULL;
			continue;
		}
		if (*q < 0x20)
			return fail(sc, q, "control character in string");
		if ((k = utf8_seq(q, (size_t)(end - q))) == 0)
			return fail(sc, q, "invalid UTF-8");
		q += k;
	}
}

static inline int
isdig(unsigned c)
{
	return c - '0' < 10;
}

/* RFC 8259 section 6: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static ucp
number_end(ucp p, ucp end)
{
	ucp q = p;

	if (q < end && *q == '-')
		q++;
	if (q == end || !isdig(*q))
		return NULL;
	if (*q == '0') {
		if (++q < end && isdig(*q))
			return NULL;
	} else {
		while (q < end && isdig(*q))
			q++;
	}
	if (q < end && *q == '.') {
		if (++q == end || !isdig(*q))
			return NULL;
		while (q < end && isdig(*q))
			q++;
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		if (++q < end && (*q == '+' || *q == '-'))
			q++;
		if (q == end || !isdig(*q))
			return NULL;
		while (q < end && isdig(*q))
			q++;
	}
	return q;
}

static ucp
scan_number(const struct scan *sc, ucp p)
{
	ucp q = number_end(p, sc->end);

	return q ? q : fail(sc, p, "invalid number");
}

static ucp
scan_literal(const struct scan *sc, ucp p, const char *lit, size_t n)
{
	if ((size_t)(sc->end - p) < n || memcmp(p, lit, n) != 0)
		return fail(sc, p, "invalid literal");
	return p + n;
}

static ucp
fail_depth(const struct scan *sc, ucp p)
{
	pk_err_set(sc->err, PK_ERR_DATA, "nesting deeper than %u at byte %zu",
	    sc->max_depth, (size_t)(p - sc->base) + 1);
	return NULL;
}

/*
 * Validate the array or object opening at p, itself at nesting level depth
 * (the top-level value is level 1). Iterative, with one bit per open level,
 * so hostile nesting costs no C stack.
 */
static ucp
scan_nested(const struct scan *sc, ucp p, unsigned depth)
{
	uint64_t isobj[DEPTH_CAP / 64];
	unsigned lvl = 0, esc, obj;
	ucp end = sc->end, comma;

open:
	if (depth + lvl > sc->max_depth)
		return fail_depth(sc, p);
	obj = *p == '{';
	if (obj)
		isobj[lvl / 64] |= (uint64_t)1 << (lvl % 64);
	else
		isobj[lvl / 64] &= ~((uint64_t)1 << (lvl % 64));
	lvl++;
	if ((p = skip_ws(p + 1, end)) == end)
		return fail_eof(sc);
	if (*p == (obj ? '}' : ']')) {
		p++;
		goto close;
	}
	if (!obj)
		goto value;
key:
	if (*p != '"')
		return fail(sc, p, "expected string key");
	if ((p = scan_string(sc, p, &esc)) == NULL)
		return NULL;
	if ((p = skip_ws(p, end)) == end)
		return fail_eof(sc);
	if (*p != ':')
		return fail(sc, p, "expected ':'");
	if ((p = skip_ws(p + 1, end)) == end)
		return fail_eof(sc);
value:
	switch (*p) {
	case '{': case '[':
		goto open;
	case '"':
		p = scan_string(sc, p, &esc);
		break;
	case 't':
		p = scan_literal(sc, p, "true", 4);
		break;
	case 'f':
		p = scan_literal(sc, p, "false", 5);
		break;
	case 'n':
		p = scan_literal(sc, p, "null", 4);
		break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		p = scan_number(sc, p);
		break;
	default:
		return fail(sc, p, "expected value");
	}
	if (p == NULL)
		return NULL;
after:
	if ((p = skip_ws(p, end)) == end)
		return fail_eof(sc);
	obj = (isobj[(lvl - 1) / 64] >> ((lvl - 1) % 64)) & 1;
	if (*p == ',') {
		comma = p;
		if ((p = skip_ws(p + 1, end)) == end)
			return fail_eof(sc);
		if (*p == (obj ? '}' : ']'))
			return fail(sc, comma, "trailing comma");
		if (obj)
			goto key;
		goto value;
	}
	if (*p != (obj ? '}' : ']'))
		return fail(sc, p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	p++;
close:
	if (--lvl == 0)
		return p;
	goto after;
}

/* Any value at p (not at end), at nesting level depth; fills type/escaped. */
static ucp
scan_value(const struct scan *sc, ucp p, unsigned depth, struct pk_jval *v)
{
	v->escaped = 0;
	v->p = (const char *)p;
	switch (*p) {
	case '"':
		v->type = PK_J_STR;
		p = scan_string(sc, p, &v->escaped);
		break;
	case '{':
		v->type = PK_J_OBJ;
		p = scan_nested(sc, p, depth);
		break;
	case '[':
		v->type = PK_J_ARR;
		p = scan_nested(sc, p, depth);
		break;
	case 't':
		v->type = PK_J_BOOL;
		p = scan_literal(sc, p, "true", 4);
		break;
	case 'f':
		v->type = PK_J_BOOL;
		p = scan_literal(sc, p, "false", 5);
		break;
	case 'n':
		v->type = PK_J_NULL;
		p = scan_literal(sc, p, "null", 4);
		break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		v->type = PK_J_NUM;
		p = scan_number(sc, p);
		break;
	default:
		return fail(sc, p, "expected value");
	}
	if (p != NULL)
		v->n = (size_t)(p - (ucp)v->p);
	return p;
}

static unsigned
depth_limit(unsigned max_depth)
{
	if (max_depth == 0)
		return DEPTH_DEFAULT;
	return max_depth > DEPTH_CAP ? DEPTH_CAP : max_depth;
}

int
pk_json_index(struct pk_jdoc *doc, const char *s, size_t n, struct pk_err *err)
{
	struct scan sc;
	struct pk_jfield *f;
	ucp p, end, k, comma;

	sc.base = (ucp)s;
	sc.end = end = (ucp)s + n;
	sc.max_depth = depth_limit(doc->max_depth);
	sc.err = err;
	doc->nf = 0;

	p = skip_ws((ucp)s, end);
	if (p == end || *p != '{')
		return pk_err_set(err, PK_ERR_DATA, "not a JSON object");
	if ((p = skip_ws(p + 1, end)) == end)
		return fail_eof(&sc), -1;
	if (*p == '}') {
		p++;
		goto done;
	}
	for (;;) {
		if (*p != '"')
			return fail(&sc, p, "expected string key"), -1;
		if (doc->nf == doc->cap) {
			doc->cap = doc->cap ? doc->cap * 2 : 16;
			doc->f = pk_xrealloc(doc->f, doc->cap * sizeof *doc->f);
		}
		f = &doc->f[doc->nf];
		k = p;
		if ((p = scan_string(&sc, p, &f->kescaped)) == NULL)
			return -1;
		f->k = (const char *)k + 1;
		f->kn = (size_t)(p - k) - 2;
		if (p == end || *p != ':') {
			if ((p = skip_ws(p, end)) == end)
				return fail_eof(&sc), -1;
			if (*p != ':')
				return fail(&sc, p, "expected ':'"), -1;
		}
		if ((p = skip_ws(p + 1, end)) == end)
			return fail_eof(&sc), -1;
		if ((p = scan_value(&sc, p, 2, &f->v)) == NULL)
			return -1;
		doc->nf++;
		if ((p = skip_ws(p, end)) == end)
			return fail_eof(&sc), -1;
		if (*p == ',') {
			comma = p;
			if ((p = skip_ws(p + 1, end)) == end)
				return fail_eof(&sc), -1;
			if (*p == '}')
				return fail(&sc, comma, "trailing comma"), -1;
			continue;
		}
		if (*p != '}')
			return fail(&sc, p, "expected ',' or '}'"), -1;
		p++;
		break;
	}
done:
	if ((p = skip_ws(p, end)) != end)
		return fail(&sc, p, "trailing characters"), -1;
	return 0;
}

int
pk_json_value(const char *s, size_t n, struct pk_jval *v, struct pk_err *err)
{
	struct scan sc;
	size_t used;
	ucp p, end = (ucp)s + n;

	if (pk_json_value_prefix(s, n, v, &used, err) < 0)
		return -1;
	if ((p = skip_ws((ucp)s + used, end)) != end) {
		sc.base = (ucp)s;
		sc.end = end;
		sc.err = err;
		return fail(&sc, p, "trailing characters"), -1;
	}
	return 0;
}

int
pk_json_value_prefix(const char *s, size_t n, struct pk_jval *v, size_t *used,
    struct pk_err *err)
{
	struct scan sc;
	struct pk_jval dummy;
	ucp p, end = (ucp)s + n;

	if (v == NULL)
		v = &dummy;
	sc.base = (ucp)s;
	sc.end = end;
	sc.max_depth = DEPTH_DEFAULT;
	sc.err = err;
	if ((p = skip_ws((ucp)s, end)) == end)
		return fail_eof(&sc), -1;
	if ((p = scan_value(&sc, p, 1, v)) == NULL)
		return -1;
	*used = (size_t)(p - (ucp)s);
	return 0;
}

void
pk_jdoc_release(struct pk_jdoc *doc)
{
	free(doc->f);
	doc->f = NULL;
	doc->nf = doc->cap = 0;
}

/* --- paths ---------------------------------------------------------------- */

int
pk_path_compile(struct pk_path *path, const char *dotted, struct pk_err *err)
{
	size_t n = strlen(dotted), i, nseg = 1;
	char *cur;

	memset(path, 0, sizeof *path);
	if (n == 0)
		return pk_err_set(err, PK_ERR_USAGE, "empty field path");
	for (i = 0; i < n; i++) {
		if (dotted[i] == '\\' && i + 1 < n)
			i++;
		else if (dotted[i] == '.')
			nseg++;
	}
	path->text = pk_xstrdup(dotted);
	path->seg = pk_xcalloc(nseg, sizeof *path->seg);
	path->segn = pk_xcalloc(nseg, sizeof *path->segn);
	cur = path->seg[0] = pk_xmalloc(n + 1);
	for (i = 0; i <= n; i++) {
		if (i == n || dotted[i] == '.') {
			path->segn[path->nseg] = (size_t)(cur - path->seg[path->nseg]);
			*cur = '\0';
			if (path->segn[path->nseg] == 0) {
				path->nseg++;
				pk_path_release(path);
				return pk_err_set(err, PK_ERR_USAGE,
				    "empty segment in field path '%s'", dotted);
			}
			path->nseg++;
			if (i < n)
				cur = path->seg[path->nseg] = pk_xmalloc(n - i);
			continue;
		}
		/* "\." is a literal dot and "\\" a literal backslash; a backslash
		 * before anything else is kept as it is. */
		if (dotted[i] == '\\' && i + 1 < n && (dotted[i + 1] == '.' || dotted[i + 1] == '\\'))
			i++;
		*cur++ = dotted[i];
	}
	return 0;
}

int
pk_paths_compile(struct pk_path **paths, size_t *n, const char *list, struct pk_err *err)
{
	const char *s = list;
	size_t start = *n;

	for (;;) {
		size_t len = strcspn(s, ",");
		char *one = pk_xstrndup(s, len);
		int rc;

		*paths = pk_xrealloc(*paths, (*n + 1) * sizeof **paths);
		rc = pk_path_compile(&(*paths)[*n], one, err);
		free(one);
		if (rc < 0) {
			while (*n > start)
				pk_path_release(&(*paths)[--*n]);
			return -1;
		}
		++*n;
		if (s[len] == '\0')
			return 0;
		s += len + 1;
	}
}

void
pk_path_release(struct pk_path *path)
{
	size_t i;

	if (path->seg != NULL)
		for (i = 0; i < path->nseg; i++)
			free(path->seg[i]);
	free(path->seg);
	free(path->segn);
	free(path->text);
	memset(path, 0, sizeof *path);
}

/* --- decoding ------------------------------------------------------------- */

static size_t
put_utf8(unsigned char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * Decode the escape at *pp (a backslash, before end) into o, advancing *pp.
 * The text was validated, but this stays memory-safe on any input: what is
 * malformed becomes U+FFFD.
 */
static size_t
decode_escape(ucp *pp, ucp end, unsigned char *o)
{
	ucp p = *pp;
	long u, lo;

	if (end - p < 2) {
		*pp = end;
		return put_utf8(o, 0xFFFD);
	}
	*pp = p + 2;
	switch (p[1]) {
	case 'b': o[0] = '\b'; return 1;
	case 'f': o[0] = '\f'; return 1;
	case 'n': o[0] = '\n'; return 1;
	case 'r': o[0] = '\r'; return 1;
	case 't': o[0] = '\t'; return 1;
	case 'u': break;
	default: o[0] = p[1]; return 1;
	}
	if ((u = hex4(p + 2, end)) < 0)
		return put_utf8(o, 0xFFFD);
	*pp = p + 6;
	if (u >= 0xD800 && u <= 0xDBFF && end - p >= 12 && p[6] == '\\' && p[7] == 'u' &&
	    (lo = hex4(p + 8, end)) >= 0xDC00 && lo <= 0xDFFF) {
		*pp = p + 12;
		return put_utf8(o, 0x10000 + ((unsigned long)(u - 0xD800) << 10) +
		    (unsigned long)(lo - 0xDC00));
	}
	if (u >= 0xD800 && u <= 0xDFFF)
		u = 0xFFFD;
	return put_utf8(o, (unsigned long)u);
}

/* Decoded JSON string body k[0..kn) equals s[0..n)? */
static int
esc_eq(const char *k, size_t kn, const char *s, size_t n)
{
	ucp p = (ucp)k, end = p + kn, q = (ucp)s, qend = q + n;
	unsigned char o[4];
	size_t m;

	while (p < end) {
		if (*p != '\\') {
			if (q == qend || *q != *p)
				return 0;
			p++;
			q++;
			continue;
		}
		m = decode_escape(&p, end, o);
		if ((size_t)(qend - q) < m || memcmp(q, o, m) != 0)
			return 0;
		q += m;
	}
	return q == qend;
}

static inline int
key_eq(const char *k, size_t kn, unsigned kesc, const char *s, size_t n)
{
	if (!kesc)
		return kn == n && memcmp(k, s, n) == 0;
	return esc_eq(k, kn, s, n);
}

static void
add_decoded(struct pk_buf *out, const char *s, size_t n)
{
	ucp p = (ucp)s, end = p + n, bs;
	unsigned char o[4];

	pk_buf_grow(out, n);
	while (p < end) {
		bs = memchr(p, '\\', (size_t)(end - p));
		if (bs == NULL) {
			pk_buf_add(out, p, (size_t)(end - p));
			return;
		}
		if (bs > p)
			pk_buf_add(out, p, (size_t)(bs - p));
		p = bs;
		pk_buf_add(out, o, decode_escape(&p, end, o));
	}
}

/* --- skipping validated text ---------------------------------------------- */

static ucp
skip_string(ucp p, ucp end, unsigned *esc)
{
	uint64_t m;

	p++;
	for (;;) {
		while (end - p >= 8) {
			if ((m = str_quote_bs(load8(p))) != 0) {
#if SWAR_LE
				p += __builtin_ctzll(m) >> 3;
#else
				while (*p != '"' && *p != '\\')
					p++;
#endif
				goto found;
			}
			p += 8;
		}
		while (p < end && *p != '"' && *p != '\\')
			p++;
		if (p == end)
			return end;
found:
		if (*p == '"')
			return p + 1;
		*esc = 1;
		p += 2;
		if (p >= end)
			return end;
	}
}

/* The value at p (not at end) in validated text: its type and end. */
static ucp
skip_value(ucp p, ucp end, struct pk_jval *v)
{
	unsigned d, esc;

	v->p = (const char *)p;
	v->escaped = 0;
	switch (*p) {
	case '"':
		v->type = PK_J_STR;
		p = skip_string(p, end, &v->escaped);
		break;
	case '{': case '[':
		v->type = *p == '{' ? PK_J_OBJ : PK_J_ARR;
		for (d = 0; p < end;) {
			switch (*p) {
			case '"':
				p = skip_string(p, end, &esc);
				continue;
			case '{': case '[':
				d++;
				break;
			case '}': case ']':
				if (--d == 0) {
					p++;
					goto done;
				}
				break;
			}
			p++;
		}
		break;
	default:
		v->type = *p == 't' || *p == 'f' ? PK_J_BOOL : *p == 'n' ? PK_J_NULL : PK_J_NUM;
		while (p < end && !(cls[*p] & C_DELIM))
			p++;
	}
done:
	v->n = (size_t)(p - (ucp)v->p);
	return p;
}

/* The next member or element of the container v after offset *pos. */
static ucp
next_item(const struct pk_jval *v, size_t *pos, ucp *endp)
{
	ucp s = (ucp)v->p, end = s + v->n, p;

	*endp = end;
	if (v->n < 2 || *pos >= v->n)
		return NULL;
	end--;	/* the closing bracket */
	p = skip_ws(s + (*pos == 0 ? 1 : *pos), end);
	if (*pos != 0) {
		if (p == end || *p != ',')
			return NULL;
		p = skip_ws(p + 1, end);
	}
	*endp = end;
	return p < end ? p : NULL;
}

int
pk_jobj_next(const struct pk_jval *obj, size_t *pos, struct pk_jfield *out)
{
	ucp p, end, k;

	if (obj->type != PK_J_OBJ || (p = next_item(obj, pos, &end)) == NULL || *p != '"')
		return 0;
	k = p;
	out->kescaped = 0;
	p = skip_string(p, end, &out->kescaped);
	out->k = (const char *)k + 1;
	out->kn = p > k + 1 ? (size_t)(p - k) - 2 : 0;
	p = skip_ws(p, end);
	if (p == end || *p != ':')
		return 0;
	if ((p = skip_ws(p + 1, end)) == end)
		return 0;
	p = skip_value(p, end, &out->v);
	*pos = (size_t)(p - (ucp)obj->p);
	return 1;
}

int
pk_jarr_next(const struct pk_jval *arr, size_t *pos, struct pk_jval *out)
{
	ucp p, end;

	if (arr->type != PK_J_ARR || (p = next_item(arr, pos, &end)) == NULL)
		return 0;
	p = skip_value(p, end, out);
	*pos = (size_t)(p - (ucp)arr->p);
	return 1;
}

int
pk_jobj_get(const struct pk_jval *obj, const char *key, size_t kn, struct pk_jval *out)
{
	struct pk_jval o = *obj;	/* out may be obj */
	struct pk_jfield f;
	size_t pos = 0;
	int found = 0;

	/* Every member is visited: the last duplicate wins. */
	while (pk_jobj_next(&o, &pos, &f)) {
		if (key_eq(f.k, f.kn, f.kescaped, key, kn)) {
			*out = f.v;
			found = 1;
		}
	}
	return found;
}

int
pk_json_get(const struct pk_jdoc *doc, const struct pk_path *path, struct pk_jval *out)
{
	const struct pk_jfield *f;
	struct pk_jval v;
	size_t i;

	if (path->nseg == 0)
		return 0;
	for (i = doc->nf; i-- > 0;) {
		f = &doc->f[i];
		if (key_eq(f->k, f->kn, f->kescaped, path->seg[0], path->segn[0]))
			break;
	}
	if (i == (size_t)-1)
		return 0;
	v = doc->f[i].v;
	for (i = 1; i < path->nseg; i++)
		if (v.type != PK_J_OBJ || !pk_jobj_get(&v, path->seg[i], path->segn[i], &v))
			return 0;
	*out = v;
	return 1;
}

/* --- values --------------------------------------------------------------- */

void
pk_jval_text(const struct pk_jval *v, struct pk_buf *out)
{
	if (v->type == PK_J_STR && v->n >= 2) {
		if (v->escaped)
			add_decoded(out, v->p + 1, v->n - 2);
		else
			pk_buf_add(out, v->p + 1, v->n - 2);
		return;
	}
	pk_buf_add(out, v->p, v->n);
}

int
pk_jval_str_eq(const struct pk_jval *v, const char *s, size_t n)
{
	if (v->type != PK_J_STR || v->n < 2)
		return 0;
	return key_eq(v->p + 1, v->n - 2, v->escaped, s, n);
}

int
pk_jval_key(const struct pk_jval *v, struct pk_buf *out)
{
	switch (v->type) {
	case PK_J_NONE:
	case PK_J_NULL:
		return 0;
	default:
		pk_jval_text(v, out);
		return 1;
	}
}

/* Exact powers of ten a double holds (10^22 is the largest, 5^22 < 2^53). */
static const double pow10tab[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * s[0..n) is a valid JSON number. Clinger's fast path (W. D. Clinger, "How
 * to read floating point numbers accurately", PLDI 1990): a mantissa below
 * 2^53 times or divided by an exact power of ten is correctly rounded by a
 * single IEEE operation. Everything else goes to strtod, with the decimal
 * point swapped for the locale's in case a tool set LC_NUMERIC.
 */
static double
parse_double(const char *s, size_t n)
{
	ucp p = (ucp)s, end = p + n;
	uint64_t m = 0;
	int neg = 0, digits = 0, e10 = 0, eneg = 0, ev = 0;
	char tmp[128], *heap = NULL, *buf, *dot;
	const char *dp;
	double d;

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	for (; p < end && isdig(*p); p++) {
		if (m || *p != '0')
			digits++;
		m = m * 10 + (uint64_t)(*p - '0');
		if (digits > 19)
			goto slow;
	}
	if (p < end && *p == '.') {
		for (p++; p < end && isdig(*p); p++) {
			if (m || *p != '0')
				digits++;
			m = m * 10 + (uint64_t)(*p - '0');
			e10--;
			if (digits > 19)
				goto slow;
		}
	}
	if (p < end) {	/* exponent */
		p++;
		if (*p == '+' || *p == '-')
			eneg = *p++ == '-';
		for (; p < end; p++) {
			ev = ev * 10 + (*p - '0');
			if (ev > 1000)
				goto slow;
		}
		e10 += eneg ? -ev : ev;
	}
	if (m <= ((uint64_t)1 << 53) && e10 >= -22 && e10 <= 22) {
		d = (double)m;
		d = e10 < 0 ? d / pow10tab[-e10] : d * pow10tab[e10];
		return neg ? -d : d;
	}
slow:
	buf = n < sizeof tmp ? tmp : (heap = pk_xmalloc(n + 1));
	memcpy(buf, s, n);
	buf[n] = '\0';
	dp = localeconv()->decimal_point;
	if (dp != NULL && strcmp(dp, ".") != 0 && dp[0] != '\0' && dp[1] == '\0' &&
	    (dot = strchr(buf, '.')) != NULL)
		*dot = dp[0];
	d = strtod(buf, NULL);
	free(heap);
	return d;
}

/* The bytes to read a number from: a number's text, or a string's decoded
 * content when it is all a JSON number. tmp/heap hold a decoded copy. */
static int
numeric_text(const struct pk_jval *v, const char **s, size_t *n, struct pk_buf *tmp)
{
	ucp e;

	if (v->type == PK_J_NUM) {
		*s = v->p;
		*n = v->n;
		return 1;
	}
	if (v->type != PK_J_STR || v->n < 3)
		return 0;
	*s = v->p + 1;
	*n = v->n - 2;
	if (v->escaped) {
		add_decoded(tmp, *s, *n);
		*s = tmp->p;
		*n = tmp->len;
	}
	e = number_end((ucp)*s, (ucp)*s + *n);
	return e != NULL && e == (ucp)*s + *n;
}

int
pk_jval_num(const struct pk_jval *v, double *d)
{
	struct pk_buf tmp = PK_BUF_INIT;
	const char *s;
	size_t n;
	int ok;

	if ((ok = numeric_text(v, &s, &n, &tmp)) != 0)
		*d = parse_double(s, n);
	pk_buf_release(&tmp);
	return ok;
}

int
pk_jval_i64(const struct pk_jval *v, int64_t *out)
{
	struct pk_buf tmp = PK_BUF_INIT;
	const char *s;
	size_t n, i;
	uint64_t u = 0, lim;
	int neg, ok;

	if ((ok = numeric_text(v, &s, &n, &tmp)) == 0)
		goto out;
	neg = s[0] == '-';
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (i = (size_t)neg; i < n; i++) {
		if (!isdig((unsigned char)s[i]) ||
		    u > (lim - (uint64_t)(s[i] - '0')) / 10) {
			ok = 0;
			goto out;
		}
		u = u * 10 + (uint64_t)(s[i] - '0');
	}
	if (neg)
		*out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	else
		*out = (int64_t)u;
out:
	pk_buf_release(&tmp);
	return ok;
}

int
pk_jval_bool(const struct pk_jval *v, int *b)
{
	if (v->type != PK_J_BOOL || v->n == 0)
		return 0;
	*b = v->p[0] == 't';
	return 1;
}

int
pk_json_key(const struct pk_jdoc *doc, const struct pk_path *paths, size_t npaths,
    const char *sep, size_t sepn, struct pk_buf *out, size_t *missing)
{
	struct pk_jval v;
	size_t i;

	pk_buf_reset(out);
	for (i = 0; i < npaths; i++) {
		if (i > 0 && sepn > 0)
			pk_buf_add(out, sep, sepn);
		if (!pk_json_get(doc, &paths[i], &v) || !pk_jval_key(&v, out)) {
			if (missing != NULL)
				*missing = i;
			return 0;
		}
	}
	if (out->p == NULL)
		pk_buf_grow(out, 0);	/* an empty key is still a NUL-terminated string */
	return 1;
}
