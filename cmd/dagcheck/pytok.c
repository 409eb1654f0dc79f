/*
 * pytok - tokenizes Python 3.8-3.13 source the way CPython's tokenizer does,
 * f-strings (3.12 nesting rules) kept as one token for the parser to split.
 */
#include "cmd/dagcheck/pytok.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/dagcheck/pyident.h"
#include "lib/buf.h"

/* CPython's limits (Parser/tokenizer.h: MAXINDENT 100, MAXLEVEL 200). */
#define MAXINDENT 100
#define MAXLEVEL 200
#define MAXFDEPTH 32

struct lexer {
	struct py_tokens *tk;
	const char *s;
	size_t n, pos;
	int line;
	size_t line_start;
	/* column cache: characters between line_start and cpos */
	size_t cpos;
	int ccol;
	int indent[MAXINDENT + 1];
	int nindent;
	char paren[MAXLEVEL];
	int paren_line[MAXLEVEL], paren_col[MAXLEVEL];
	int nparen;
	int failed;
	int other_encoding;	/* line 1 or 2 declares an encoding other than UTF-8 */
};

static const char *const op_text[PO_COUNT] = {
	"", "(", ")", "[", "]", "{", "}", ":", ",", ";", ".", "...", "->", ":=",
	"+", "-", "*", "/", "//", "%", "@", "**", "|", "&", "^", "~", "<<", ">>",
	"<", ">", "==", "!=", "<=", ">=", "=", "!",
	"+=", "-=", "*=", "/=", "//=", "%=", "@=", "**=", "|=", "&=", "^=", "<<=",
	">>="
};

const char *
py_op_text(int op)
{
	return op > 0 && op < PO_COUNT ? op_text[op] : "?";
}

const char *
py_tok_name(enum py_tok t)
{
	static const char *const names[] = { "END", "NEWLINE", "INDENT", "DEDENT",
		"NAME", "NUMBER", "STRING", "OP" };
	return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

static int
colat(struct lexer *lx, size_t pos)
{
	if (lx->cpos < lx->line_start || pos < lx->cpos) {
		lx->cpos = lx->line_start;
		lx->ccol = 0;
	}
	while (lx->cpos < pos) {
		if (((unsigned char)lx->s[lx->cpos] & 0xC0) != 0x80)
			lx->ccol++;
		lx->cpos++;
	}
	return lx->ccol + 1;
}

static int
fail_at(struct lexer *lx, int line, int col, const char *fmt, ...)
{
	va_list ap;

	if (!lx->failed) {
		lx->failed = 1;
		lx->tk->err_line = line;
		lx->tk->err_col = col;
		va_start(ap, fmt);
		vsnprintf(lx->tk->err_msg, sizeof lx->tk->err_msg, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
fail(struct lexer *lx, size_t pos, const char *fmt, const char *arg)
{
	return fail_at(lx, lx->line, colat(lx, pos), fmt, arg);
}

/*
 * The encoding line 1 or 2 declares (PEP 263: "# -*- coding: latin-1 -*-",
 * "# vim: set fileencoding=..."): 0 none, 1 UTF-8, 2 another (then bytes
 * that are no UTF-8 are that encoding's, not an error).
 */
static int
coding_decl(const char *s, size_t n)
{
	size_t i = 0, e, k;
	int line;

	for (line = 0; line < 2 && i < n; line++, i = e + 1) {
		const char *c = NULL;

		for (e = i; e < n && s[e] != '\n'; e++)
			;
		for (k = i; k < e && (s[k] == ' ' || s[k] == '\t' || s[k] == '\f'); k++)
			;
		if (k == e || s[k] != '#')
			continue;
		for (; k + 7 < e && c == NULL; k++)
			if (memcmp(s + k, "coding", 6) == 0 && (s[k + 6] == ':' || s[k + 6] == '='))
				c = s + k + 7;
		if (c == NULL)
			continue;
		while (c < s + e && (*c == ' ' || *c == '\t'))
			c++;
		k = 0;
		while (c + k < s + e && (c[k] == '-' || c[k] == '_' || c[k] == '.' ||
		    (c[k] >= '0' && c[k] <= '9') || ((c[k] | 0x20) >= 'a' && (c[k] | 0x20) <= 'z')))
			k++;
		if (k == 0)
			continue;
		return (k == 5 && strncasecmp(c, "utf-8", 5) == 0) ||
		    (k == 4 && strncasecmp(c, "utf8", 4) == 0) ||
		    (k == 5 && strncasecmp(c, "utf_8", 5) == 0) ||
		    (k >= 6 && strncasecmp(c, "utf-8-", 6) == 0) ? 1 : 2;
	}
	return 0;
}

static struct py_token *
emit(struct lexer *lx, enum py_tok type, size_t start, size_t end, int line, int col)
{
	struct py_tokens *tk = lx->tk;
	struct py_token *t;

	if (tk->n == tk->cap) {
		tk->cap = tk->cap ? tk->cap * 2 : 256;
		tk->t = pk_xrealloc(tk->t, tk->cap * sizeof *tk->t);
	}
	t = &tk->t[tk->n++];
	memset(t, 0, sizeof *t);
	t->type = type;
	t->p = lx->s + start;
	t->n = end - start;
	t->line = line;
	t->col = col;
	return t;
}

static void
newline_at(struct lexer *lx, size_t after)
{
	lx->line++;
	lx->line_start = after;
}

/* Length of the line break at pos (\n, \r\n, \r), 0 when none. */
static size_t
eol(const struct lexer *lx, size_t pos)
{
	if (pos >= lx->n)
		return 0;
	if (lx->s[pos] == '\n')
		return 1;
	if (lx->s[pos] == '\r')
		return pos + 1 < lx->n && lx->s[pos + 1] == '\n' ? 2 : 1;
	return 0;
}

static int
is_idstart(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int
is_idchar(unsigned char c)
{
	return is_idstart(c) || (c >= '0' && c <= '9');
}

static int
in_ranges(const struct py_urange *r, size_t n, unsigned cp)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cp < r[mid].lo)
			hi = mid;
		else if (cp > r[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/* The UTF-8 character at s[0..n): its length, 0 when malformed. */
static size_t
utf8_char(const char *s, size_t n, unsigned *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len, i;
	unsigned v;

	if (u[0] >= 0xC2 && u[0] <= 0xDF) {
		len = 2;
		v = u[0] & 0x1F;
	} else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
		len = 3;
		v = u[0] & 0x0F;
	} else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
		len = 4;
		v = u[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((u[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (u[i] & 0x3F);
	}
	*cp = v;
	return v > 0x10FFFF ? 0 : len;
}

size_t
py_word_char(const char *s, size_t n)
{
	unsigned char c;
	unsigned cp;
	size_t len;

	if (n == 0)
		return 0;
	c = (unsigned char)s[0];
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_';
	if ((len = utf8_char(s, n, &cp)) == 0)
		return 0;
	return in_ranges(py_word, sizeof py_word / sizeof py_word[0], cp) ? len : 0;
}

/*
 * A name with non-ASCII characters must be an identifier (PEP 3131): its
 * first character XID_Start (or '_'), the others XID_Continue, in Unicode
 * 15.0 as in CPython 3.12 (pyident.h, made by scripts/gen-pyident). The
 * first character that is not is CPython's error, at its column: "€ = 2"
 * and "x€ = 2" do not parse, "café = 1" and "日本 = 2" do. A file whose
 * line 1 or 2 declares another encoding than UTF-8 is not checked: dagcheck
 * does not decode it, and its bytes read as UTF-8 would be other characters.
 */
static int
verify_name(struct lexer *lx, size_t start, size_t end)
{
	size_t p = start, len;
	unsigned cp;

	if (lx->other_encoding)
		return 0;
	while (p < end) {
		if ((unsigned char)lx->s[p] < 0x80) {
			p++;	/* a letter, digit or '_': the scan took nothing else */
			continue;
		}
		if ((len = utf8_char(lx->s + p, end - p, &cp)) == 0)
			return 0;
		if (p == start ? in_ranges(py_xid_start, sizeof py_xid_start /
		    sizeof py_xid_start[0], cp) : in_ranges(py_xid_continue,
		    sizeof py_xid_continue / sizeof py_xid_continue[0], cp)) {
			p += len;
			continue;
		}
		if (in_ranges(py_nonprintable, sizeof py_nonprintable / sizeof py_nonprintable[0], cp))
			return fail_at(lx, lx->line, colat(lx, p),
			    "invalid non-printable character U+%04X", cp);
		return fail_at(lx, lx->line, colat(lx, p), "invalid character '%.*s' (U+%04X)",
		    (int)len, lx->s + p, cp);
	}
	return 0;
}

/* String prefix flags for s[0..n), or -1 when it is no prefix. */
static int
prefix_flags(const char *s, size_t n)
{
	unsigned f = 0;
	size_t i;

	if (n > 2)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned bit;

		switch (s[i]) {
		case 'r': case 'R': bit = PS_RAW; break;
		case 'b': case 'B': bit = PS_BYTES; break;
		case 'f': case 'F': bit = PS_FSTR; break;
		case 'u': case 'U': bit = 1u << 8; break;
		default: return -1;
		}
		if (f & bit)
			return -1;
		f |= bit;
	}
	if ((f & (1u << 8)) && n != 1)
		return -1;
	if ((f & PS_BYTES) && (f & PS_FSTR))
		return -1;
	return (int)(f & ~(1u << 8));
}

static int scan_string(struct lexer *lx, size_t qpos, unsigned flags, int sline, int scol,
    int depth, size_t *endp);

/*
 * Inside an f-string replacement field, after '{': scan the expression,
 * conversion and format spec up to the matching '}'. Strings inside are
 * scanned as nested strings (3.12 allows the enclosing quote there).
 */
static int
scan_fexpr(struct lexer *lx, char q, int triple, int raw, int depth, int sline, int scol)
{
	int level = 0, spec = 0;

	if (depth > MAXFDEPTH)
		return fail(lx, lx->pos, "f-string: expressions nested too deeply%s", "");
	while (lx->pos < lx->n) {
		unsigned char c = (unsigned char)lx->s[lx->pos];
		size_t nl = eol(lx, lx->pos);

		if (nl) {
			if (!triple && spec)
				break;
			lx->pos += nl;
			newline_at(lx, lx->pos);
			continue;
		}
		if (spec) {
			/* 3.12: in a format spec "{{" is no escape but a nested field
			 * whose expression starts with '{' (f"{x:{{}}>10}" nests a {}) */
			if (c == '{') {
				lx->pos++;
				if (scan_fexpr(lx, q, triple, raw, depth + 1, sline, scol) < 0)
					return -1;
				continue;
			}
			if (c == '}') {
				lx->pos++;
				return 0;
			}
			if (c == (unsigned char)q && (!triple || (lx->pos + 2 < lx->n &&
			    lx->s[lx->pos + 1] == q && lx->s[lx->pos + 2] == q)))
				break;
			if (c == '\\' && !raw && lx->pos + 1 < lx->n)
				lx->pos++;
			lx->pos++;
			continue;
		}
		if (c == '\'' || c == '"') {
			size_t start = lx->pos, p = start, end;
			int f;

			if (c == (unsigned char)q && !triple) {
				/* the enclosing quote with no partner on the line ends the f-string */
				size_t k = start + 1;

				while (k < lx->n && lx->s[k] != q && !eol(lx, k))
					k++;
				if (k >= lx->n || lx->s[k] != q)
					return fail_at(lx, sline, scol, "f-string: expecting '}'%s", "");
			}
			while (p > 0 && is_idchar((unsigned char)lx->s[p - 1]))
				p--;
			f = prefix_flags(lx->s + p, start - p);
			if (f < 0)
				f = 0;
			if (scan_string(lx, start, (unsigned)f, lx->line, colat(lx, start), depth + 1,
			    &end) < 0)
				return -1;
			lx->pos = end;
			continue;
		}
		if (c == '#') {
			/* a comment (3.12, PEP 701): the field goes on on the next line */
			while (lx->pos < lx->n && !eol(lx, lx->pos))
				lx->pos++;
			continue;
		}
		if (c == '(' || c == '[' || c == '{') {
			level++;
		} else if (c == ')' || c == ']') {
			if (level > 0)
				level--;
		} else if (c == '}') {
			if (level == 0) {
				lx->pos++;
				return 0;
			}
			level--;
		} else if (level == 0 && c == '!' && lx->pos + 1 < lx->n &&
		    lx->s[lx->pos + 1] != '=') {
			/* conversion: !r !s !a */
		} else if (level == 0 && c == ':') {
			spec = 1;
		}
		lx->pos++;
	}
	return fail_at(lx, sline, scol, "f-string: expecting '}'%s", "");
}

/*
 * Scan a string whose opening quote is at qpos; *endp is set past the
 * closing quote. sline/scol locate the token for error messages.
 */
static int
scan_string(struct lexer *lx, size_t qpos, unsigned flags, int sline, int scol, int depth,
    size_t *endp)
{
	char q = lx->s[qpos];
	int triple = qpos + 2 < lx->n && lx->s[qpos + 1] == q && lx->s[qpos + 2] == q;
	int raw = (flags & PS_RAW) != 0, fstr = (flags & PS_FSTR) != 0;

	if (depth > MAXFDEPTH)
		return fail(lx, qpos, "f-string: expressions nested too deeply%s", "");
	lx->pos = qpos + (triple ? 3 : 1);
	while (lx->pos < lx->n) {
		char c = lx->s[lx->pos];
		size_t nl = eol(lx, lx->pos);

		if (nl) {
			if (!triple)
				return fail_at(lx, sline, scol,
				    "unterminated string literal (detected at line %d)", lx->line);
			lx->pos += nl;
			newline_at(lx, lx->pos);
			continue;
		}
		if (c == '\\' && fstr && lx->pos + 1 < lx->n &&
		    (lx->s[lx->pos + 1] == '{' || lx->s[lx->pos + 1] == '}')) {
			lx->pos++;	/* "\{" is a backslash, then a replacement field */
			continue;
		}
		if (c == '\\' && fstr && !raw && lx->pos + 2 < lx->n && lx->s[lx->pos + 1] == 'N' &&
		    lx->s[lx->pos + 2] == '{') {
			/* \N{NAME}: a named character, not a replacement field */
			while (lx->pos < lx->n && lx->s[lx->pos] != '}' && !eol(lx, lx->pos))
				lx->pos++;
			if (lx->pos < lx->n && lx->s[lx->pos] == '}')
				lx->pos++;
			continue;
		}
		if (c == '\\') {
			/* a backslash protects the next character even in a raw string */
			lx->pos++;
			nl = eol(lx, lx->pos);
			if (nl) {
				lx->pos += nl;
				newline_at(lx, lx->pos);
			} else if (lx->pos < lx->n) {
				lx->pos++;
			}
			continue;
		}
		if (c == q) {
			if (!triple) {
				*endp = lx->pos + 1;
				return 0;
			}
			if (lx->pos + 2 < lx->n && lx->s[lx->pos + 1] == q && lx->s[lx->pos + 2] == q) {
				*endp = lx->pos + 3;
				return 0;
			}
		}
		if (fstr && c == '{') {
			if (lx->pos + 1 < lx->n && lx->s[lx->pos + 1] == '{') {
				lx->pos += 2;
				continue;
			}
			lx->pos++;
			if (scan_fexpr(lx, q, triple, raw, depth, sline, scol) < 0)
				return -1;
			continue;
		}
		if (fstr && c == '}') {
			if (lx->pos + 1 < lx->n && lx->s[lx->pos + 1] == '}') {
				lx->pos += 2;
				continue;
			}
			return fail(lx, lx->pos, "f-string: single '}' is not allowed%s", "");
		}
		lx->pos++;
	}
	if (triple)
		return fail_at(lx, sline, scol,
		    "unterminated triple-quoted string literal (detected at line %d)", lx->line);
	return fail_at(lx, sline, scol, "unterminated string literal (detected at line %d)",
	    lx->line);
}

/*
 * Numbers are read character by character as CPython's tokenizer reads
 * them (Parser/tokenizer.c, 3.12), so that a malformed literal is refused
 * with CPython's message at CPython's column: an underscore stands only
 * between two digits (1__0, 1_, 0x__1, 1_.5, 1._5, 1e_5 are errors; 0x_1
 * is not), and a literal may not run into a name (1abc), except a keyword
 * that can follow a number in valid code (1if x else y, 0x1for ...), which
 * CPython only warns about.
 */
#define NUM_EOF (-1)

static int
num_next(const struct lexer *lx, size_t *p)
{
	return *p < lx->n ? (unsigned char)lx->s[(*p)++] : NUM_EOF;
}

static void
num_backup(size_t *p, int c)
{
	if (c != NUM_EOF)
		(*p)--;
}

static int
num_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static int
num_isxdigit(int c)
{
	return num_isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* CPython's column for an error found with its cursor at cur: the
 * characters before cur, i.e. the last character it kept. */
static int
num_fail(struct lexer *lx, size_t cur, const char *fmt, const char *kind)
{
	return fail_at(lx, lx->line, colat(lx, cur) - 1, fmt, kind);
}

/* "invalid digit '8' in octal literal": the cursor is past the digit. */
static int
num_bad_digit(struct lexer *lx, size_t cur, int c, const char *kind)
{
	return fail_at(lx, lx->line, colat(lx, cur) - 1, "invalid digit '%c' in %s literal", c,
	    kind);
}

/* The rest of a keyword after its first letter, then no identifier character. */
static int
num_keyword_rest(const struct lexer *lx, size_t p, const char *rest)
{
	size_t k = strlen(rest);

	if (lx->n - p < k || memcmp(lx->s + p, rest, k) != 0)
		return 0;
	return p + k >= lx->n || !is_idchar((unsigned char)lx->s[p + k]);
}

/*
 * What may follow a literal: c is the character after it, cur the position
 * after c. A keyword that can follow a number in valid code is let through
 * (CPython warns); an ASCII letter, digit or '_' is "invalid KIND literal";
 * anything else (a non-ASCII character included) ends the literal.
 */
static int
num_verify_end(struct lexer *lx, size_t cur, int c, const char *kind)
{
	int ok = 0;

	switch (c) {
	case 'a': ok = num_keyword_rest(lx, cur, "nd"); break;
	case 'e': ok = num_keyword_rest(lx, cur, "lse"); break;
	case 'f': ok = num_keyword_rest(lx, cur, "or"); break;
	case 'o': ok = num_keyword_rest(lx, cur, "r"); break;
	case 'n': ok = num_keyword_rest(lx, cur, "ot"); break;
	case 'i':
		/* CPython looks at one letter only: "if", "in", "is" */
		ok = cur < lx->n && (lx->s[cur] == 'f' || lx->s[cur] == 'n' || lx->s[cur] == 's');
		break;
	}
	if (!ok && c != NUM_EOF && c < 0x80 && is_idchar((unsigned char)c))
		return num_fail(lx, cur - 1, "invalid %s literal", kind);
	return 0;
}

/* Digits of base 8 or 2 after "0o"/"0b", with single underscores between. */
static int
num_based(struct lexer *lx, size_t *pp, int *cp, char maxdigit, const char *kind)
{
	size_t p = *pp;
	int c = num_next(lx, &p);

	do {
		if (c == '_')
			c = num_next(lx, &p);
		if (c < '0' || c > maxdigit) {
			if (num_isdigit(c))
				return num_bad_digit(lx, p, c, kind);
			num_backup(&p, c);
			return num_fail(lx, p, "invalid %s literal", kind);
		}
		do
			c = num_next(lx, &p);
		while (c >= '0' && c <= maxdigit);
	} while (c == '_');
	if (num_isdigit(c))
		return num_bad_digit(lx, p, c, kind);
	*pp = p;
	*cp = c;
	return num_verify_end(lx, p, c, kind);
}

/* Digits with single underscores between; returns the character after them. */
static int
num_decimal_tail(struct lexer *lx, size_t *pp, int *cp)
{
	size_t p = *pp;
	int c;

	for (;;) {
		do
			c = num_next(lx, &p);
		while (num_isdigit(c));
		if (c != '_')
			break;
		c = num_next(lx, &p);
		if (!num_isdigit(c)) {
			num_backup(&p, c);
			return num_fail(lx, p, "invalid decimal literal%s", "");
		}
	}
	*pp = p;
	*cp = c;
	return 0;
}

/*
 * A number starting at start (a digit, or '.' before a digit); *endp is
 * set past it. The gotos are CPython's: "0." and "0e" join the decimal
 * path, ".5" enters it at the fraction.
 */
static int
scan_number(struct lexer *lx, size_t start, size_t *endp)
{
	size_t p = start;
	int c = num_next(lx, &p), e;

	if (c == '.') {
		c = num_next(lx, &p);
		goto fraction;
	}
	if (c == '0') {
		int nonzero = 0;

		c = num_next(lx, &p);
		if (c == 'x' || c == 'X') {
			c = num_next(lx, &p);
			do {
				if (c == '_')
					c = num_next(lx, &p);
				if (!num_isxdigit(c)) {
					num_backup(&p, c);
					return num_fail(lx, p, "invalid %s literal", "hexadecimal");
				}
				do
					c = num_next(lx, &p);
				while (num_isxdigit(c));
			} while (c == '_');
			if (num_verify_end(lx, p, c, "hexadecimal") < 0)
				return -1;
			goto done;
		}
		if (c == 'o' || c == 'O') {
			if (num_based(lx, &p, &c, '7', "octal") < 0)
				return -1;
			goto done;
		}
		if (c == 'b' || c == 'B') {
			if (num_based(lx, &p, &c, '1', "binary") < 0)
				return -1;
			goto done;
		}
		/* zeros, then maybe an old-style octal (refused) or a float */
		for (;;) {
			if (c == '_') {
				c = num_next(lx, &p);
				if (!num_isdigit(c)) {
					num_backup(&p, c);
					return num_fail(lx, p, "invalid decimal literal%s", "");
				}
			}
			if (c != '0')
				break;
			c = num_next(lx, &p);
		}
		if (num_isdigit(c)) {
			nonzero = 1;
			if (num_decimal_tail(lx, &p, &c) < 0)
				return -1;
		}
		if (c == '.') {
			c = num_next(lx, &p);
			goto fraction;
		}
		if (c == 'e' || c == 'E')
			goto exponent;
		if (c == 'j' || c == 'J')
			goto imaginary;
		if (nonzero)
			return fail(lx, start, "leading zeros in decimal integer literals are not "
			    "permitted; use an 0o prefix for octal integers%s", "");
		if (num_verify_end(lx, p, c, "decimal") < 0)
			return -1;
		goto done;
	}
	if (num_decimal_tail(lx, &p, &c) < 0)
		return -1;
	if (c == '.') {
		c = num_next(lx, &p);
fraction:
		if (num_isdigit(c) && num_decimal_tail(lx, &p, &c) < 0)
			return -1;
	}
	if (c == 'e' || c == 'E') {
exponent:
		e = c;
		c = num_next(lx, &p);
		if (c == '+' || c == '-') {
			c = num_next(lx, &p);
			if (!num_isdigit(c)) {
				num_backup(&p, c);
				return num_fail(lx, p, "invalid decimal literal%s", "");
			}
		} else if (!num_isdigit(c)) {
			/* "1e" then no exponent: the number is "1" if 'e' starts a keyword */
			num_backup(&p, c);
			if (num_verify_end(lx, p, e, "decimal") < 0)
				return -1;
			num_backup(&p, e);
			*endp = p;
			return 0;
		}
		if (num_decimal_tail(lx, &p, &c) < 0)
			return -1;
	}
	if (c == 'j' || c == 'J') {
imaginary:
		c = num_next(lx, &p);
		if (num_verify_end(lx, p, c, "imaginary") < 0)
			return -1;
	} else if (num_verify_end(lx, p, c, "decimal") < 0) {
		return -1;
	}
done:
	num_backup(&p, c);
	*endp = p;
	return 0;
}

/* Longest operator at pos: its op and length. */
static int
scan_op(const char *s, size_t avail, size_t *len)
{
	static const struct { const char *t; int op; } ops[] = {
		{ "**=", PO_DSTAREQ }, { "//=", PO_DSLASHEQ }, { ">>=", PO_RSHIFTEQ },
		{ "<<=", PO_LSHIFTEQ }, { "...", PO_ELLIPSIS },
		{ "**", PO_DSTAR }, { "//", PO_DSLASH }, { ">>", PO_RSHIFT }, { "<<", PO_LSHIFT },
		{ "<=", PO_LE }, { ">=", PO_GE }, { "==", PO_EQEQ }, { "!=", PO_NE },
		{ "->", PO_ARROW }, { ":=", PO_WALRUS }, { "+=", PO_PLUSEQ }, { "-=", PO_MINUSEQ },
		{ "*=", PO_STAREQ }, { "/=", PO_SLASHEQ }, { "%=", PO_PERCENTEQ },
		{ "@=", PO_ATEQ }, { "&=", PO_AMPEREQ }, { "|=", PO_VBAREQ }, { "^=", PO_CIRCEQ },
		{ "(", PO_LPAR }, { ")", PO_RPAR }, { "[", PO_LSQB }, { "]", PO_RSQB },
		{ "{", PO_LBRACE }, { "}", PO_RBRACE }, { ":", PO_COLON }, { ",", PO_COMMA },
		{ ";", PO_SEMI }, { ".", PO_DOT }, { "+", PO_PLUS }, { "-", PO_MINUS },
		{ "*", PO_STAR }, { "/", PO_SLASH }, { "%", PO_PERCENT }, { "@", PO_AT },
		{ "|", PO_VBAR }, { "&", PO_AMPER }, { "^", PO_CIRC }, { "~", PO_TILDE },
		{ "<", PO_LT }, { ">", PO_GT }, { "=", PO_ASSIGN }, { "!", PO_BANG },
	};
	size_t i;

	for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		size_t l = strlen(ops[i].t);

		if (l <= avail && memcmp(s, ops[i].t, l) == 0) {
			*len = l;
			return ops[i].op;
		}
	}
	return PO_NONE;
}

static int
last_type(const struct lexer *lx)
{
	return lx->tk->n ? (int)lx->tk->t[lx->tk->n - 1].type : -1;
}

/* At the start of a logical line: measure indentation, emit INDENT/DEDENT.
 * Returns 1 when the line is blank (skip it), 0 otherwise, -1 on error. */
static int
indentation(struct lexer *lx)
{
	int col = 0;
	size_t p = lx->pos;

	while (p < lx->n) {
		char c = lx->s[p];

		if (c == ' ')
			col++;
		else if (c == '\t')
			col = (col / 8 + 1) * 8;
		else if (c == '\f')
			col = 0;
		else
			break;
		p++;
	}
	lx->pos = p;
	if (p >= lx->n || lx->s[p] == '#' || eol(lx, p))
		return 1;
	if (lx->s[p] == '\\' && eol(lx, p + 1))
		return 0;	/* continuation right after indentation: CPython measures here too */
	if (col > lx->indent[lx->nindent]) {
		if (lx->nindent >= MAXINDENT)
			return fail(lx, p, "too many levels of indentation%s", "");
		lx->indent[++lx->nindent] = col;
		emit(lx, PT_INDENT, p, p, lx->line, colat(lx, p));
	} else {
		while (col < lx->indent[lx->nindent]) {
			lx->nindent--;
			emit(lx, PT_DEDENT, p, p, lx->line, colat(lx, p));
		}
		if (col != lx->indent[lx->nindent])
			return fail(lx, p,
			    "unindent does not match any outer indentation level%s", "");
	}
	return 0;
}

static int
closer_of(char open)
{
	return open == '(' ? ')' : open == '[' ? ']' : '}';
}

int
py_tokenize(struct py_tokens *tk, const char *src, size_t n)
{
	struct lexer lx;
	int bol = 1;

	memset(&lx, 0, sizeof lx);
	lx.tk = tk;
	lx.s = src;
	lx.n = n;
	lx.line = 1;
	tk->n = 0;
	tk->nc = 0;
	tk->err_line = 0;
	tk->err_msg[0] = 0;
	if (n >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) {
		lx.pos = 3;
		lx.line_start = 3;
	}
	if (memchr(src, 0, n) != NULL) {
		const char *z = memchr(src, 0, n);
		int line = 1;
		const char *q;

		for (q = src; q < z; q++)
			line += *q == '\n';
		fail_at(&lx, line, 1, "source code cannot contain null bytes%s", "");
		goto out;
	}
	{
		/* Python reads source as UTF-8 unless told otherwise (PEP 263):
		 * such a file does not even import. */
		size_t ok = pk_utf8_prefix(src, n), q, ls = 0;
		int line = 1, decl = coding_decl(src, n);

		lx.other_encoding = decl == 2;
		if (ok < n && decl != 2) {
			for (q = 0; q < ok; q++)
				if (src[q] == '\n') {
					line++;
					ls = q + 1;
				}
			if (decl == 1)
				fail_at(&lx, line, (int)(ok - ls) + 1, "'utf-8' codec can't decode "
				    "byte 0x%02x (the file declares UTF-8)", (unsigned char)src[ok]);
			else
				fail_at(&lx, line, (int)(ok - ls) + 1, "Non-UTF-8 code starting with "
				    "'\\x%02x', but no encoding declared (PEP 263)",
				    (unsigned char)src[ok]);
			goto out;
		}
	}
	while (lx.pos < lx.n && !lx.failed) {
		unsigned char c;
		size_t start, nl, end = 0;
		int col;

		if (bol && lx.nparen == 0) {
			int r = indentation(&lx);

			if (r < 0)
				break;
			bol = 0;
			if (r == 1) {
				/* blank or comment-only line: no NEWLINE, no indentation change */
				while (lx.pos < lx.n && !eol(&lx, lx.pos))
					lx.pos++;
				{
					/* record a comment on this line, if any */
					size_t q = lx.line_start;

					while (q < lx.pos && lx.s[q] != '#')
						q++;
					if (q < lx.pos) {
						if (tk->nc == tk->capc) {
							tk->capc = tk->capc ? tk->capc * 2 : 32;
							tk->c = pk_xrealloc(tk->c, tk->capc * sizeof *tk->c);
						}
						tk->c[tk->nc].p = lx.s + q;
						tk->c[tk->nc].n = lx.pos - q;
						tk->c[tk->nc].line = lx.line;
						tk->nc++;
					}
				}
				nl = eol(&lx, lx.pos);
				lx.pos += nl;
				if (nl)
					newline_at(&lx, lx.pos);
				bol = 1;
				continue;
			}
		}
		c = (unsigned char)lx.s[lx.pos];
		start = lx.pos;
		if (c == ' ' || c == '\t' || c == '\f') {
			lx.pos++;
			continue;
		}
		if ((nl = eol(&lx, lx.pos)) != 0) {
			if (lx.nparen == 0 && last_type(&lx) != PT_NEWLINE && last_type(&lx) != -1 &&
			    last_type(&lx) != PT_INDENT && last_type(&lx) != PT_DEDENT)
				emit(&lx, PT_NEWLINE, start, start + nl, lx.line, colat(&lx, start));
			lx.pos += nl;
			newline_at(&lx, lx.pos);
			if (lx.nparen == 0)
				bol = 1;
			continue;
		}
		if (c == '#') {
			while (lx.pos < lx.n && !eol(&lx, lx.pos))
				lx.pos++;
			if (tk->nc == tk->capc) {
				tk->capc = tk->capc ? tk->capc * 2 : 32;
				tk->c = pk_xrealloc(tk->c, tk->capc * sizeof *tk->c);
			}
			tk->c[tk->nc].p = lx.s + start;
			tk->c[tk->nc].n = lx.pos - start;
			tk->c[tk->nc].line = lx.line;
			tk->nc++;
			continue;
		}
		if (c == '\\') {
			nl = eol(&lx, lx.pos + 1);
			if (!nl) {
				if (lx.pos + 1 >= lx.n)
					fail(&lx, start, "unexpected EOF while parsing%s", "");
				else
					fail(&lx, start,
					    "unexpected character after line continuation character%s", "");
				break;
			}
			lx.pos += 1 + nl;
			newline_at(&lx, lx.pos);
			if (lx.pos >= lx.n)
				fail(&lx, start, "unexpected EOF while parsing%s", "");
			continue;
		}
		col = colat(&lx, start);
		if (is_idstart(c)) {
			int f;

			while (lx.pos < lx.n && is_idchar((unsigned char)lx.s[lx.pos]))
				lx.pos++;
			if (lx.pos < lx.n && (lx.s[lx.pos] == '\'' || lx.s[lx.pos] == '"') &&
			    (f = prefix_flags(lx.s + start, lx.pos - start)) >= 0) {
				struct py_token *t;
				int line = lx.line;
				size_t q = lx.pos;

				if (scan_string(&lx, q, (unsigned)f, line, col, 0, &end) < 0)
					break;
				t = emit(&lx, PT_STRING, start, end, line, col);
				t->flags = (unsigned)f;
				t->quote_len = (q + 2 < lx.n && lx.s[q + 1] == lx.s[q] &&
				    lx.s[q + 2] == lx.s[q] && end - q >= 6) ? 3 : 1;
				if (t->quote_len == 3)
					t->flags |= PS_TRIPLE;
				t->body_off = (unsigned)(q - start + t->quote_len);
				lx.pos = end;
				continue;
			}
			if (verify_name(&lx, start, lx.pos) < 0)
				break;
			emit(&lx, PT_NAME, start, lx.pos, lx.line, col);
			continue;
		}
		if (c == '\'' || c == '"') {
			struct py_token *t;
			int line = lx.line;

			if (scan_string(&lx, start, 0, line, col, 0, &end) < 0)
				break;
			t = emit(&lx, PT_STRING, start, end, line, col);
			t->quote_len = (start + 2 < lx.n && lx.s[start + 1] == (char)c &&
			    lx.s[start + 2] == (char)c && end - start >= 6) ? 3 : 1;
			if (t->quote_len == 3)
				t->flags |= PS_TRIPLE;
			t->body_off = t->quote_len;
			lx.pos = end;
			continue;
		}
		if ((c >= '0' && c <= '9') ||
		    (c == '.' && lx.pos + 1 < lx.n && lx.s[lx.pos + 1] >= '0' && lx.s[lx.pos + 1] <= '9')) {
			if (scan_number(&lx, start, &end) < 0)
				break;
			lx.pos = end;
			emit(&lx, PT_NUMBER, start, end, lx.line, col);
			continue;
		}
		{
			size_t len = 0;
			int op = scan_op(lx.s + lx.pos, lx.n - lx.pos, &len);
			struct py_token *t;

			if (op == PO_NONE) {
				char buf[8];

				snprintf(buf, sizeof buf, "%c", c >= 0x20 && c < 0x7f ? c : '?');
				fail(&lx, start, "invalid character '%s'", buf);
				break;
			}
			if (op == PO_LPAR || op == PO_LSQB || op == PO_LBRACE) {
				if (lx.nparen >= MAXLEVEL) {
					fail(&lx, start, "too many nested parentheses%s", "");
					break;
				}
				lx.paren[lx.nparen] = (char)c;
				lx.paren_line[lx.nparen] = lx.line;
				lx.paren_col[lx.nparen] = col;
				lx.nparen++;
			} else if (op == PO_RPAR || op == PO_RSQB || op == PO_RBRACE) {
				char buf[64];

				if (lx.nparen == 0) {
					snprintf(buf, sizeof buf, "%c", c);
					fail(&lx, start, "unmatched '%s'", buf);
					break;
				}
				if (closer_of(lx.paren[lx.nparen - 1]) != c) {
					snprintf(buf, sizeof buf, "'%c' does not match opening parenthesis '%c'",
					    c, lx.paren[lx.nparen - 1]);
					fail(&lx, start, "closing parenthesis %s", buf);
					break;
				}
				lx.nparen--;
			}
			lx.pos += len;
			t = emit(&lx, PT_OP, start, lx.pos, lx.line, col);
			t->op = op;
		}
	}
	if (!lx.failed && lx.nparen > 0) {
		char buf[4];

		snprintf(buf, sizeof buf, "%c", lx.paren[lx.nparen - 1]);
		fail_at(&lx, lx.paren_line[lx.nparen - 1], lx.paren_col[lx.nparen - 1],
		    "'%s' was never closed", buf);
	}
out:
	if (!lx.failed) {
		int lt = last_type(&lx);

		if (lt != -1 && lt != PT_NEWLINE && lt != PT_DEDENT && lt != PT_INDENT)
			emit(&lx, PT_NEWLINE, lx.n, lx.n, lx.line, colat(&lx, lx.n));
		while (lx.nindent > 0) {
			lx.nindent--;
			emit(&lx, PT_DEDENT, lx.n, lx.n, lx.line, colat(&lx, lx.n));
		}
	}
	emit(&lx, PT_END, lx.n, lx.n, lx.line, lx.failed ? 1 : colat(&lx, lx.n));
	return lx.failed ? -1 : 0;
}

void
py_tokens_release(struct py_tokens *tk)
{
	free(tk->t);
	free(tk->c);
	tk->t = NULL;
	tk->c = NULL;
	tk->n = tk->cap = tk->nc = tk->capc = 0;
}
