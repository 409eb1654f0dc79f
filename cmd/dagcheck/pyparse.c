/*
 * pyparse - recursive-descent parser for the Python grammar (3.8-3.13) over
 * pytok's tokens, with an arena for nodes and a nesting limit.
 */
#include "cmd/dagcheck/pyparse.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

/* ---- arena --------------------------------------------------------------- */

struct py_arena {
	struct py_arena *next;
	size_t used, cap;
	/* data follows, max_align_t aligned */
};

#define ARENA_HDR ((sizeof(struct py_arena) + 15) & ~(size_t)15)

void *
py_alloc(struct py_parse *p, size_t n)
{
	struct py_arena *a = p->arena;
	void *r;

	n = (n + 15) & ~(size_t)15;
	if (a == NULL || a->cap - a->used < n) {
		size_t cap = n > 32768 ? n : 32768;

		a = pk_xmalloc(ARENA_HDR + cap);
		a->next = p->arena;
		a->used = 0;
		a->cap = cap;
		p->arena = a;
	}
	r = (char *)a + ARENA_HDR + a->used;
	a->used += n;
	return r;
}

char *
py_strndup(struct py_parse *p, const char *s, size_t n)
{
	char *r = py_alloc(p, n + 1);

	memcpy(r, s, n);
	r[n] = 0;
	return r;
}

/* ---- parser state -------------------------------------------------------- */

struct parser {
	struct py_parse *pp;
	struct py_token *t;
	size_t n, i;
	int depth;
	int failed;
	/* f-string expressions are parsed from a copy: positions are shifted back */
	int line_base, col_base;
};

struct nvec {
	struct py_node **v;
	int n, cap;
};

static void
vpush(struct nvec *v, struct py_node *x)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->v = pk_xrealloc(v->v, (size_t)v->cap * sizeof *v->v);
	}
	v->v[v->n++] = x;
}

/* Move the vector into the arena. */
static void
vfinish(struct parser *P, struct nvec *v, struct py_node ***out, int *nout)
{
	*nout = v->n;
	*out = NULL;
	if (v->n) {
		*out = py_alloc(P->pp, (size_t)v->n * sizeof **out);
		memcpy(*out, v->v, (size_t)v->n * sizeof **out);
	}
	free(v->v);
	v->v = NULL;
	v->n = v->cap = 0;
}

static void
vdrop(struct nvec *v)
{
	free(v->v);
	v->v = NULL;
	v->n = v->cap = 0;
}

/* x with the lists v and w, or NULL (both dropped) when parsing failed. */
static struct py_node *
with_lists(struct parser *P, struct py_node *x, struct nvec *v, struct nvec *w)
{
	if (P->failed) {
		vdrop(v);
		vdrop(w);
		return NULL;
	}
	vfinish(P, v, &x->v, &x->nv);
	vfinish(P, w, &x->w, &x->nw);
	return x;
}

static struct py_token *
cur(struct parser *P)
{
	return &P->t[P->i];
}

static struct py_token *
peek(struct parser *P, size_t k)
{
	return P->i + k < P->n ? &P->t[P->i + k] : &P->t[P->n - 1];
}

static void
advance(struct parser *P)
{
	if (P->i + 1 < P->n)
		P->i++;
}

static int
perr_at(struct parser *P, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
perr_at(struct parser *P, int line, int col, const char *fmt, ...)
{
	va_list ap;

	if (!P->failed) {
		P->failed = 1;
		P->pp->err_line = line;
		P->pp->err_col = col;
		va_start(ap, fmt);
		vsnprintf(P->pp->err_msg, sizeof P->pp->err_msg, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void *
perr(struct parser *P, const char *msg)
{
	struct py_token *t = cur(P);

	if (t->type == PT_INDENT)
		perr_at(P, t->line, t->col, "unexpected indent");
	else if (t->type == PT_END && P->line_base == 0)
		perr_at(P, t->line, t->col, "unexpected EOF while parsing");
	else
		perr_at(P, t->line, t->col, "%s", msg);
	return NULL;
}

static const char *const keywords[] = {
	"False", "None", "True", "and", "as", "assert", "async", "await", "break",
	"class", "continue", "def", "del", "elif", "else", "except", "finally", "for",
	"from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
	"pass", "raise", "return", "try", "while", "with", "yield"
};

int
py_is_keyword(const char *s, size_t n)
{
	size_t i;

	if (n < 2 || n > 8 || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == 'F' || s[0] == 'N' ||
	    s[0] == 'T'))
		return 0;
	for (i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
		if (strlen(keywords[i]) == n && memcmp(keywords[i], s, n) == 0)
			return 1;
	return 0;
}

static int
tok_is(const struct py_token *t, const char *kw)
{
	size_t l = strlen(kw);

	return t->type == PT_NAME && t->n == l && memcmp(t->p, kw, l) == 0;
}

static int
is_kw(struct parser *P, const char *kw)
{
	return tok_is(cur(P), kw);
}

static int
is_op(struct parser *P, int op)
{
	return cur(P)->type == PT_OP && cur(P)->op == op;
}

static int
accept_op(struct parser *P, int op)
{
	if (is_op(P, op)) {
		advance(P);
		return 1;
	}
	return 0;
}

static int
accept_kw(struct parser *P, const char *kw)
{
	if (is_kw(P, kw)) {
		advance(P);
		return 1;
	}
	return 0;
}

static int
expect_op(struct parser *P, int op)
{
	char msg[64];

	if (accept_op(P, op))
		return 0;
	if (P->failed)
		return -1;
	snprintf(msg, sizeof msg, "expected '%s'", py_op_text(op));
	perr(P, msg);
	return -1;
}

static struct py_node *
mk(struct parser *P, int kind, const struct py_token *at)
{
	struct py_node *x = py_alloc(P->pp, sizeof *x);

	memset(x, 0, sizeof *x);
	x->kind = (unsigned short)kind;
	x->line = at->line;
	x->col = at->col;
	x->end_line = at->line;
	return x;
}

static struct py_node *
mk_at(struct parser *P, int kind, const struct py_node *at)
{
	struct py_node *x = py_alloc(P->pp, sizeof *x);

	memset(x, 0, sizeof *x);
	x->kind = (unsigned short)kind;
	x->line = at->line;
	x->col = at->col;
	x->end_line = at->end_line;
	return x;
}

static int
enter(struct parser *P)
{
	if (++P->depth > P->pp->max_depth) {
		struct py_token *t = cur(P);

		perr_at(P, t->line, t->col, "too many nested expressions or blocks (limit %d)",
		    P->pp->max_depth);
		return -1;
	}
	return 0;
}

#define ENTER(P) do { if (enter(P) < 0) { (P)->depth--; return NULL; } } while (0)
#define LEAVE(P, r) do { (P)->depth--; return (r); } while (0)

static struct py_node *expression(struct parser *P);
static struct py_node *named_expression(struct parser *P);
static struct py_node *star_expressions(struct parser *P);
static struct py_node *bitwise_or(struct parser *P);
static struct py_node *disjunction(struct parser *P);
static struct py_node *primary(struct parser *P);
static struct py_node *block(struct parser *P);
static int ends_expr_list(struct parser *P);
static void statement(struct parser *P, struct nvec *out);

/* ---- strings ----------------------------------------------------------- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
add_utf8(struct pk_buf *b, uint32_t cp)
{
	char u[4];

	if (cp < 0x80) {
		pk_buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		pk_buf_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		pk_buf_add(b, u, 3);
	} else if (cp < 0x110000) {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		pk_buf_add(b, u, 4);
	}
}

/* Decode escapes of a (non-raw) string body into b. Unknown escapes stay as written. */
static void
decode_escapes(const char *s, size_t n, int bytes, struct pk_buf *b)
{
	size_t i = 0;

	while (i < n) {
		char c = s[i];

		if (c != '\\' || i + 1 >= n) {
			if (c == '\r') {	/* newlines inside strings are normalised */
				pk_buf_addc(b, '\n');
				if (i + 1 < n && s[i + 1] == '\n')
					i++;
			} else {
				pk_buf_addc(b, c);
			}
			i++;
			continue;
		}
		c = s[++i];
		i++;
		switch (c) {
		case '\n': break;
		case '\r': if (i < n && s[i] == '\n') i++; break;
		case '\\': pk_buf_addc(b, '\\'); break;
		case '\'': pk_buf_addc(b, '\''); break;
		case '"': pk_buf_addc(b, '"'); break;
		case 'a': pk_buf_addc(b, '\a'); break;
		case 'b': pk_buf_addc(b, '\b'); break;
		case 'f': pk_buf_addc(b, '\f'); break;
		case 'n': pk_buf_addc(b, '\n'); break;
		case 'r': pk_buf_addc(b, '\r'); break;
		case 't': pk_buf_addc(b, '\t'); break;
		case 'v': pk_buf_addc(b, '\v'); break;
		case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
			unsigned v = (unsigned)(c - '0');
			int k;

			for (k = 0; k < 2 && i < n && s[i] >= '0' && s[i] <= '7'; k++)
				v = v * 8 + (unsigned)(s[i++] - '0');
			if (bytes)
				pk_buf_addc(b, (char)(v & 0xFF));
			else
				add_utf8(b, v);
			break;
		}
		case 'x': case 'u': case 'U': {
			int want = c == 'x' ? 2 : c == 'u' ? 4 : 8, k;
			uint32_t v = 0;

			if (bytes && c != 'x') {
				pk_buf_addc(b, '\\');
				pk_buf_addc(b, c);
				break;
			}
			for (k = 0; k < want && i + (size_t)k < n && hexval((unsigned char)s[i + k]) >= 0; k++)
				v = v * 16 + (uint32_t)hexval((unsigned char)s[i + k]);
			if (k < want) {
				pk_buf_addc(b, '\\');
				pk_buf_addc(b, c);
				break;
			}
			i += (size_t)want;
			if (bytes)
				pk_buf_addc(b, (char)v);
			else
				add_utf8(b, v);
			break;
		}
		default:
			pk_buf_addc(b, '\\');
			pk_buf_addc(b, c);
		}
	}
}

static void shift_positions(struct py_node *x, int line_base, int col_base, int first_line);

/* Parse one f-string replacement field's expression text, copied and parenthesised. */
static struct py_node *
parse_fexpr(struct parser *P, const char *s, size_t n, int line, int col)
{
	struct parser sub;
	struct py_tokens tk = PY_TOKENS_INIT;
	struct py_node *e = NULL;
	char *copy = py_alloc(P->pp, n + 3);

	copy[0] = '(';
	memcpy(copy + 1, s, n);
	copy[n + 1] = ')';
	copy[n + 2] = 0;
	if (py_tokenize(&tk, copy, n + 2) < 0) {
		perr_at(P, line, col, "f-string: %s", tk.err_msg);
		py_tokens_release(&tk);
		return NULL;
	}
	memset(&sub, 0, sizeof sub);
	sub.pp = P->pp;
	sub.t = tk.t;
	sub.n = tk.n;
	sub.depth = P->depth + 1;
	sub.line_base = 1;
	e = star_expressions(&sub);
	if (!sub.failed && cur(&sub)->type != PT_NEWLINE && cur(&sub)->type != PT_END)
		perr(&sub, "f-string: invalid syntax");
	if (sub.failed) {
		/* report at the f-string; the inner position is relative to the copy */
		char msg[sizeof P->pp->err_msg];

		snprintf(msg, sizeof msg, "%s", P->pp->err_msg);
		if (strncmp(msg, "f-string: ", 10) != 0)
			snprintf(P->pp->err_msg, sizeof P->pp->err_msg, "f-string: %.180s", msg);
		P->failed = 1;
		P->pp->err_line = line;
		P->pp->err_col = col;
		e = NULL;
	} else {
		shift_positions(e, line - 1, col - 2, 1);
	}
	py_tokens_release(&tk);
	return e;
}

/* Line/column of offset off inside a token starting at (line, col). */
static void
pos_in(const char *p, size_t off, int line, int col, int *ol, int *oc)
{
	size_t i;

	for (i = 0; i < off; i++) {
		if (p[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)p[i] & 0xC0) != 0x80) {
			col++;
		}
	}
	*ol = line;
	*oc = col;
}

static int fstring_parts(struct parser *P, const struct py_token *t, const char *s, size_t n,
    int raw, struct nvec *parts, int depth);

static void
add_lit(struct parser *P, const struct py_token *t, struct nvec *parts, struct pk_buf *lit)
{
	struct py_node *c;

	if (lit->len == 0)
		return;
	c = mk(P, PY_CONST, t);
	c->op = PC_STR;
	c->s = py_strndup(P->pp, lit->p, lit->len);
	c->n = lit->len;
	vpush(parts, c);
	pk_buf_reset(lit);
}

/* Find the end of a replacement field's expression: the offset of the
 * first top-level '}', '!' (not '!='), ':' or '=' ending it. */
static size_t
fexpr_end(const char *s, size_t n, size_t i)
{
	int level = 0;

	while (i < n) {
		char c = s[i];

		if (c == '\'' || c == '"') {
			char q = c;
			int triple = i + 2 < n && s[i + 1] == q && s[i + 2] == q;

			i += triple ? 3 : 1;
			while (i < n) {
				if (s[i] == '\\') {
					i += 2;
					continue;
				}
				if (s[i] == q && (!triple || (i + 2 < n && s[i + 1] == q && s[i + 2] == q))) {
					i += triple ? 3 : 1;
					break;
				}
				i++;
			}
			continue;
		}
		if (c == '#') {
			/* a comment (3.12, PEP 701) runs to the end of its line */
			while (i < n && s[i] != '\n' && s[i] != '\r')
				i++;
			continue;
		}
		if (c == '(' || c == '[' || c == '{')
			level++;
		else if ((c == ')' || c == ']' || c == '}') && level > 0)
			level--;
		else if (level == 0 && (c == '}' || c == ':' ||
		    (c == '!' && !(i + 1 < n && s[i + 1] == '=')) ||
		    (c == '=' && !(i + 1 < n && s[i + 1] == '=') &&
		    !(i > 0 && strchr("=!<>", s[i - 1])))))
			return i;
		i++;
	}
	return n;
}

/* Split an f-string body into literal parts and PY_FVALUE nodes. */
static int
fstring_parts(struct parser *P, const struct py_token *t, const char *s, size_t n, int raw,
    struct nvec *parts, int depth)
{
	struct pk_buf lit = PK_BUF_INIT;
	size_t i = 0, litstart = 0;
	/* a format spec (depth > 0) has no "{{" "}}" escapes in 3.12 (PEP 701):
	 * its '{' always opens a nested field, as f"{x:{{}}>10}" nests {} */
	int in_spec = depth > 0;

	if (depth > 8)
		return perr_at(P, t->line, t->col, "f-string: expressions nested too deeply");
	while (i < n) {
		if (!in_spec && s[i] == '{' && i + 1 < n && s[i + 1] == '{') {
			if (raw)
				pk_buf_add(&lit, s + litstart, i - litstart);
			else
				decode_escapes(s + litstart, i - litstart, 0, &lit);
			pk_buf_addc(&lit, '{');
			i += 2;
			litstart = i;
			continue;
		}
		if (!in_spec && s[i] == '}' && i + 1 < n && s[i + 1] == '}') {
			if (raw)
				pk_buf_add(&lit, s + litstart, i - litstart);
			else
				decode_escapes(s + litstart, i - litstart, 0, &lit);
			pk_buf_addc(&lit, '}');
			i += 2;
			litstart = i;
			continue;
		}
		if (s[i] == '\\' && !raw && i + 2 < n && s[i + 1] == 'N' && s[i + 2] == '{') {
			while (i < n && s[i] != '}')
				i++;
			i++;
			continue;
		}
		if (s[i] == '\\' && i + 1 < n && s[i + 1] != '{' && s[i + 1] != '}') {
			i += 2;
			continue;
		}
		if (s[i] == '{') {
			size_t e, es = i + 1;
			struct py_node *fv, *ex;
			int line, col, selfdoc = 0;

			if (raw)
				pk_buf_add(&lit, s + litstart, i - litstart);
			else
				decode_escapes(s + litstart, i - litstart, 0, &lit);
			e = fexpr_end(s, n, es);
			pos_in(t->p, (size_t)(s - t->p) + es, t->line, t->col, &line, &col);
			if (e >= n || e == es) {
				pk_buf_release(&lit);
				return perr_at(P, line, col, e == es ?
				    "f-string: valid expression required before '}'" :
				    "f-string: expecting '}'");
			}
			ex = parse_fexpr(P, s + es, e - es, line, col);
			if (ex == NULL) {
				pk_buf_release(&lit);
				return -1;
			}
			if (s[e] == '=') {
				/* self-documenting {x=}: the text, then repr of the value */
				selfdoc = 1;
				e++;
				while (e < n && (s[e] == ' ' || s[e] == '\t' || s[e] == '\n' || s[e] == '#')) {
					if (s[e] == '#')
						while (e + 1 < n && s[e + 1] != '\n')
							e++;
					e++;
				}
				pk_buf_add(&lit, s + es, e - es);
			}
			add_lit(P, t, parts, &lit);
			fv = mk(P, PY_FVALUE, t);
			fv->line = line;
			fv->col = col;
			fv->a = ex;
			if (e < n && s[e] == '!') {
				if (e + 1 < n)
					fv->op = s[e + 1];
				if (e + 1 < n && strchr("sra", s[e + 1]) == NULL && s[e + 1] != '}' &&
				    s[e + 1] != ':' && s[e + 1] != ' ') {
					char conv[8] = "";

					pk_buf_release(&lit);
					if ((unsigned char)s[e + 1] < 0x80)
						snprintf(conv, sizeof conv, " '%c'", s[e + 1]);
					return perr_at(P, line, col, "f-string: invalid conversion "
					    "character%s: expected 's', 'r', or 'a'", conv);
				}
				e += 2;
				/* 3.12 allows blanks after the conversion: {x!r  :>10} */
				while (e < n && (s[e] == ' ' || s[e] == '\t' || s[e] == '\n'))
					e++;
			} else if (selfdoc && e < n && s[e] == '}') {
				/* {x=} without conversion or spec shows repr(x) */
				fv->op = 'r';
			}
			if (e < n && s[e] == ':') {
				/* format spec up to the matching '}' */
				size_t k = e + 1;
				int lvl = 0;
				struct nvec spec = { NULL, 0, 0 };
				struct py_node *fs;

				while (k < n && !(s[k] == '}' && lvl == 0)) {
					if (lvl > 0 && (s[k] == '\'' || s[k] == '"')) {
						char q = s[k++];

						while (k < n && s[k] != q)
							k++;
						if (k < n)
							k++;
						continue;
					}
					if (s[k] == '{')
						lvl++;
					else if (s[k] == '}')
						lvl--;
					k++;
				}
				if (fstring_parts(P, t, s + e + 1, k - e - 1, raw, &spec, depth + 1) < 0) {
					vdrop(&spec);
					pk_buf_release(&lit);
					return -1;
				}
				fs = mk(P, PY_FSTRING, t);
				vfinish(P, &spec, &fs->v, &fs->nv);
				fv->b = fs;
				e = k;
			}
			if (e >= n || s[e] != '}') {
				pk_buf_release(&lit);
				return perr_at(P, line, col, "f-string: expecting '}'");
			}
			vpush(parts, fv);
			i = e + 1;
			litstart = i;
			continue;
		}
		i++;
	}
	if (raw)
		pk_buf_add(&lit, s + litstart, n - litstart);
	else
		decode_escapes(s + litstart, n - litstart, 0, &lit);
	add_lit(P, t, parts, &lit);
	pk_buf_release(&lit);
	return 0;
}

static int
ascii_only(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return 0;
	return 1;
}

/* One or more adjacent string tokens. */
static struct py_node *
strings(struct parser *P)
{
	struct py_token *first = cur(P);
	struct pk_buf b = PK_BUF_INIT;
	struct nvec parts = { NULL, 0, 0 };
	int any_f = 0, any_bytes = 0, any_str = 0;
	struct py_node *x;

	while (cur(P)->type == PT_STRING) {
		struct py_token *t = cur(P);
		const char *body = t->p + t->body_off;
		size_t bn = t->n - t->body_off - t->quote_len;

		if (t->flags & PS_BYTES) {
			/* CPython refuses the token (its first byte) before it looks at
			 * its neighbours: b"\xe9" is the way to write that byte */
			if (!ascii_only(t->p, t->n)) {
				vdrop(&parts);
				pk_buf_release(&b);
				perr_at(P, t->line, t->col, "bytes can only contain ASCII literal characters");
				return NULL;
			}
			any_bytes = 1;
		} else {
			any_str = 1;
		}
		if (t->flags & PS_FSTR) {
			if (!any_f && b.len) {
				struct py_node *c = mk(P, PY_CONST, first);

				c->op = PC_STR;
				c->s = py_strndup(P->pp, b.p, b.len);
				c->n = b.len;
				vpush(&parts, c);
				pk_buf_reset(&b);
			}
			any_f = 1;
			if (fstring_parts(P, t, body, bn, (t->flags & PS_RAW) != 0, &parts, 0) < 0) {
				vdrop(&parts);
				pk_buf_release(&b);
				return NULL;
			}
		} else if (any_f) {
			struct pk_buf lit = PK_BUF_INIT;

			if (t->flags & PS_RAW)
				pk_buf_add(&lit, body, bn);
			else
				decode_escapes(body, bn, 0, &lit);
			add_lit(P, t, &parts, &lit);
			pk_buf_release(&lit);
		} else {
			if (t->flags & PS_RAW)
				pk_buf_add(&b, body, bn);
			else
				decode_escapes(body, bn, (t->flags & PS_BYTES) != 0, &b);
		}
		advance(P);
	}
	if (any_bytes && any_str) {
		vdrop(&parts);
		pk_buf_release(&b);
		perr_at(P, first->line, first->col, "cannot mix bytes and nonbytes literals");
		return NULL;
	}
	if (any_f) {
		x = mk(P, PY_FSTRING, first);
		vfinish(P, &parts, &x->v, &x->nv);
	} else {
		x = mk(P, PY_CONST, first);
		x->op = any_bytes ? PC_BYTES : PC_STR;
		x->s = b.len ? py_strndup(P->pp, b.p, b.len) : "";
		x->n = b.len;
		vdrop(&parts);
	}
	pk_buf_release(&b);
	return x;
}

/* ---- expressions ------------------------------------------------------- */

static struct py_node *
name_node(struct parser *P)
{
	struct py_token *t = cur(P);
	struct py_node *x;

	if (t->type != PT_NAME || py_is_keyword(t->p, t->n))
		return perr(P, "invalid syntax");
	x = mk(P, PY_NAME, t);
	x->s = t->p;
	x->n = t->n;
	advance(P);
	return x;
}

static int
starts_comp(struct parser *P)
{
	return is_kw(P, "for") || (is_kw(P, "async") && tok_is(peek(P, 1), "for"));
}

/* star_targets for comprehensions and for statements: stops before 'in'. */
static struct py_node *
target_list(struct parser *P)
{
	struct py_token *first = cur(P);
	struct nvec v = { NULL, 0, 0 };
	struct py_node *x;
	int comma = 0;

	for (;;) {
		struct py_node *e;

		if (is_op(P, PO_STAR)) {
			struct py_token *st = cur(P);

			advance(P);
			e = mk(P, PY_STARRED, st);
			e->op = 1;
			e->a = bitwise_or(P);
		} else {
			e = bitwise_or(P);
		}
		if (P->failed) {
			vdrop(&v);
			return NULL;
		}
		vpush(&v, e);
		if (!accept_op(P, PO_COMMA))
			break;
		comma = 1;
		if (is_kw(P, "in") || ends_expr_list(P))
			break;
	}
	if (!comma && v.n == 1) {
		x = v.v[0];
		vdrop(&v);
		return x;
	}
	x = mk(P, PY_TUPLE, first);
	vfinish(P, &v, &x->v, &x->nv);
	return x;
}

static struct py_node *
comprehension(struct parser *P, int kind, struct py_node *elt, struct py_node *val)
{
	struct py_node *x = mk_at(P, PY_COMP, elt);
	struct nvec gens = { NULL, 0, 0 };

	x->op = (short)kind;
	x->a = elt;
	x->b = val;
	while (starts_comp(P)) {
		struct py_node *g = mk(P, PY_COMPFOR, cur(P));
		struct nvec ifs = { NULL, 0, 0 };

		if (accept_kw(P, "async"))
			g->op = 1;
		advance(P);	/* for */
		g->a = target_list(P);
		if (!P->failed && !accept_kw(P, "in"))
			perr(P, "expected 'in'");
		if (P->failed) {
			vdrop(&gens);
			return NULL;
		}
		g->b = disjunction(P);
		while (!P->failed && accept_kw(P, "if"))
			vpush(&ifs, disjunction(P));
		vfinish(P, &ifs, &g->v, &g->nv);
		if (P->failed) {
			vdrop(&gens);
			return NULL;
		}
		vpush(&gens, g);
	}
	vfinish(P, &gens, &x->v, &x->nv);
	return x;
}

static struct py_node *
star_named(struct parser *P)
{
	if (is_op(P, PO_STAR)) {
		struct py_node *x = mk(P, PY_STARRED, cur(P));

		advance(P);
		x->op = 1;
		x->a = bitwise_or(P);
		return P->failed ? NULL : x;
	}
	return named_expression(P);
}

static struct py_node *
yield_expr(struct parser *P)
{
	struct py_node *x = mk(P, PY_YIELD, cur(P));

	advance(P);
	if (accept_kw(P, "from")) {
		x->op = 1;
		x->a = expression(P);
	} else if (!is_op(P, PO_RPAR) && !is_op(P, PO_ASSIGN) && !is_op(P, PO_RSQB) &&
	    !is_op(P, PO_RBRACE) && cur(P)->type != PT_NEWLINE && !is_op(P, PO_SEMI)) {
		x->a = star_expressions(P);
	}
	return P->failed ? NULL : x;
}

/* A display between brackets: kind is PY_LIST, PY_TUPLE (parentheses) or PY_SET/PY_DICT. */
static struct py_node *
display(struct parser *P, int open)
{
	struct py_token *ot = cur(P);
	int close = open == PO_LPAR ? PO_RPAR : open == PO_LSQB ? PO_RSQB : PO_RBRACE;
	struct nvec v = { NULL, 0, 0 }, w = { NULL, 0, 0 };
	struct py_node *x, *first;
	int comma = 0, isdict = 0;

	advance(P);
	if (accept_op(P, close)) {
		x = mk(P, open == PO_LPAR ? PY_TUPLE : open == PO_LSQB ? PY_LIST : PY_DICT, ot);
		return x;
	}
	if (open == PO_LPAR && is_kw(P, "yield")) {
		x = yield_expr(P);
		if (!P->failed)
			expect_op(P, PO_RPAR);
		return P->failed ? NULL : x;
	}
	if (open == PO_LBRACE && is_op(P, PO_DSTAR)) {
		isdict = 1;
		advance(P);
		first = bitwise_or(P);
		vpush(&v, NULL);
		vpush(&w, first);
	} else {
		first = star_named(P);
		if (P->failed)
			return NULL;
		if (open == PO_LBRACE && accept_op(P, PO_COLON)) {
			struct py_node *val = expression(P);

			if (P->failed)
				return NULL;
			if (starts_comp(P)) {
				x = comprehension(P, PY_DICT, first, val);
				if (!P->failed)
					expect_op(P, close);
				return P->failed ? NULL : x;
			}
			isdict = 1;
			vpush(&v, first);
			vpush(&w, val);
		} else if (starts_comp(P)) {
			x = comprehension(P, open == PO_LPAR ? PY_GENEXP : open == PO_LSQB ? PY_LIST : PY_SET,
			    first, NULL);
			if (!P->failed)
				expect_op(P, close);
			return P->failed ? NULL : x;
		} else {
			vpush(&v, first);
		}
	}
	while (!P->failed && accept_op(P, PO_COMMA)) {
		comma = 1;
		if (is_op(P, close))
			break;
		if (isdict) {
			if (accept_op(P, PO_DSTAR)) {
				vpush(&v, NULL);
				vpush(&w, bitwise_or(P));
			} else {
				struct py_node *k = expression(P);

				if (P->failed)
					break;
				if (expect_op(P, PO_COLON) < 0)
					break;
				vpush(&v, k);
				vpush(&w, expression(P));
			}
		} else {
			vpush(&v, star_named(P));
		}
	}
	if (P->failed || expect_op(P, close) < 0) {
		vdrop(&v);
		vdrop(&w);
		return NULL;
	}
	if (open == PO_LPAR && !comma) {
		x = v.v[0];
		vdrop(&v);
		if (x->kind == PY_STARRED) {
			perr_at(P, x->line, x->col, "cannot use starred expression here");
			return NULL;
		}
		return x;
	}
	x = mk(P, isdict ? PY_DICT : open == PO_LPAR ? PY_TUPLE : open == PO_LSQB ? PY_LIST : PY_SET, ot);
	vfinish(P, &v, &x->v, &x->nv);
	if (isdict)
		vfinish(P, &w, &x->w, &x->nw);
	else
		vdrop(&w);
	return x;
}

static struct py_node *
number(struct parser *P)
{
	struct py_token *t = cur(P);
	struct py_node *x = mk(P, PY_CONST, t);
	char last = t->p[t->n - 1];
	size_t i;

	x->op = PC_INT;
	if (last == 'j' || last == 'J')
		x->op = PC_COMPLEX;
	else if (!(t->n > 1 && t->p[0] == '0' && strchr("xXoObB", t->p[1])))
		for (i = 0; i < t->n; i++)
			if (t->p[i] == '.' || t->p[i] == 'e' || t->p[i] == 'E')
				x->op = PC_FLOAT;
	x->s = t->p;
	x->n = t->n;
	advance(P);
	return x;
}

static struct py_node *
atom(struct parser *P)
{
	struct py_token *t = cur(P);
	struct py_node *x;

	switch (t->type) {
	case PT_NAME:
		if (tok_is(t, "None") || tok_is(t, "True") || tok_is(t, "False")) {
			x = mk(P, PY_CONST, t);
			x->op = t->p[0] == 'N' ? PC_NONE : t->p[0] == 'T' ? PC_TRUE : PC_FALSE;
			x->s = t->p;
			x->n = t->n;
			advance(P);
			return x;
		}
		return name_node(P);
	case PT_NUMBER:
		return number(P);
	case PT_STRING:
		return strings(P);
	case PT_OP:
		if (t->op == PO_ELLIPSIS) {
			x = mk(P, PY_CONST, t);
			x->op = PC_ELLIPSIS;
			advance(P);
			return x;
		}
		if (t->op == PO_LPAR || t->op == PO_LSQB || t->op == PO_LBRACE)
			return display(P, t->op);
		break;
	default:
		break;
	}
	return perr(P, "invalid syntax");
}

static struct py_node *
call_args(struct parser *P, struct py_node *fn, int bases)
{
	struct py_node *x = mk_at(P, PY_CALL, fn);
	struct nvec v = { NULL, 0, 0 }, w = { NULL, 0, 0 };
	struct py_node *gen = NULL;	/* an unparenthesised generator argument */
	int seen_kw = 0, seen_dstar = 0;

	x->a = fn;
	advance(P);	/* ( */
	while (!P->failed && !is_op(P, PO_RPAR)) {
		struct py_token *t = cur(P);

		if (accept_op(P, PO_STAR)) {
			struct py_node *s = mk(P, PY_STARRED, t);

			s->op = 1;
			s->a = expression(P);
			if (seen_dstar)
				perr_at(P, t->line, t->col,
				    "iterable argument unpacking follows keyword argument unpacking");
			vpush(&v, s);
		} else if (accept_op(P, PO_DSTAR)) {
			struct py_node *k = mk(P, PY_KEYWORD, t);

			k->a = expression(P);
			seen_dstar = 1;
			vpush(&w, k);
		} else if (t->type == PT_NAME && peek(P, 1)->type == PT_OP &&
		    peek(P, 1)->op == PO_ASSIGN) {
			struct py_node *k = mk(P, PY_KEYWORD, t);

			if (py_is_keyword(t->p, t->n)) {
				perr(P, "invalid syntax");
				break;
			}
			k->s = t->p;
			k->n = t->n;
			advance(P);
			advance(P);
			k->a = expression(P);
			seen_kw = 1;
			vpush(&w, k);
		} else {
			struct py_node *e = named_expression(P);

			if (P->failed)
				break;
			if (starts_comp(P)) {
				/* f(x for x in y) alone; with anything else, or in
				 * a class's bases, CPython refuses it */
				if (bases) {
					perr(P, "invalid syntax");
					break;
				}
				e = comprehension(P, PY_GENEXP, e, NULL);
				if (P->failed)
					break;
				if (v.n > 0 || w.n > 0) {
					perr_at(P, e->line, e->col,
					    "Generator expression must be parenthesized");
					break;
				}
				gen = e;
			}
			if (seen_kw || seen_dstar) {
				perr_at(P, e->line, e->col, seen_dstar ?
				    "positional argument follows keyword argument unpacking" :
				    "positional argument follows keyword argument");
				break;
			}
			vpush(&v, e);
		}
		if (!accept_op(P, PO_COMMA))
			break;
		if (gen != NULL) {
			perr_at(P, gen->line, gen->col, "Generator expression must be parenthesized");
			break;
		}
	}
	if (!P->failed)
		expect_op(P, PO_RPAR);
	return with_lists(P, x, &v, &w);
}

static struct py_node *
slice_item(struct parser *P)
{
	struct py_token *t = cur(P);
	struct py_node *lo = NULL, *x;

	if (!is_op(P, PO_COLON)) {
		lo = star_named(P);
		if (P->failed)
			return NULL;
		if (!is_op(P, PO_COLON))
			return lo;
	}
	x = mk(P, PY_SLICE, t);
	x->a = lo;
	advance(P);	/* : */
	if (!is_op(P, PO_COLON) && !is_op(P, PO_RSQB) && !is_op(P, PO_COMMA))
		x->b = expression(P);
	if (!P->failed && accept_op(P, PO_COLON))
		if (!is_op(P, PO_RSQB) && !is_op(P, PO_COMMA))
			x->c = expression(P);
	return P->failed ? NULL : x;
}

static struct py_node *
subscript(struct parser *P, struct py_node *val)
{
	struct py_node *x = mk_at(P, PY_SUBSCRIPT, val);
	struct py_token *t;
	struct nvec v = { NULL, 0, 0 };
	int comma = 0;

	x->a = val;
	advance(P);	/* [ */
	t = cur(P);
	for (;;) {
		struct py_node *e = slice_item(P);

		if (P->failed) {
			vdrop(&v);
			return NULL;
		}
		vpush(&v, e);
		if (!accept_op(P, PO_COMMA))
			break;
		comma = 1;
		if (is_op(P, PO_RSQB))
			break;
	}
	if (expect_op(P, PO_RSQB) < 0) {
		vdrop(&v);
		return NULL;
	}
	if (comma) {
		struct py_node *tup = mk(P, PY_TUPLE, t);

		vfinish(P, &v, &tup->v, &tup->nv);
		x->b = tup;
	} else {
		x->b = v.v[0];
		vdrop(&v);
	}
	return x;
}

static struct py_node *
primary(struct parser *P)
{
	struct py_node *x;

	ENTER(P);
	x = atom(P);
	while (!P->failed && x != NULL) {
		if (is_op(P, PO_DOT)) {
			struct py_node *a;
			struct py_token *nt;

			advance(P);
			nt = cur(P);
			if (nt->type != PT_NAME || py_is_keyword(nt->p, nt->n)) {
				perr(P, "invalid syntax");
				break;
			}
			a = mk_at(P, PY_ATTR, x);
			a->a = x;
			a->s = nt->p;
			a->n = nt->n;
			a->end_line = nt->line;
			advance(P);
			x = a;
		} else if (is_op(P, PO_LPAR)) {
			if (enter(P) < 0)
				break;
			x = call_args(P, x, 0);
			P->depth--;
		} else if (is_op(P, PO_LSQB)) {
			if (enter(P) < 0)
				break;
			x = subscript(P, x);
			P->depth--;
		} else {
			break;
		}
	}
	LEAVE(P, P->failed ? NULL : x);
}

static struct py_node *factor(struct parser *P);

static struct py_node *
power(struct parser *P)
{
	struct py_node *x;

	if (is_kw(P, "await")) {
		x = mk(P, PY_AWAIT, cur(P));
		advance(P);
		x->a = primary(P);
	} else {
		x = primary(P);
	}
	if (!P->failed && is_op(P, PO_DSTAR)) {
		struct py_node *b = mk_at(P, PY_BINOP, x);

		advance(P);
		b->op = PO_DSTAR;
		b->a = x;
		b->b = factor(P);
		x = b;
	}
	return P->failed ? NULL : x;
}

static struct py_node *
factor(struct parser *P)
{
	struct py_node *x;

	ENTER(P);
	if (is_op(P, PO_MINUS) || is_op(P, PO_PLUS) || is_op(P, PO_TILDE)) {
		x = mk(P, PY_UNARY, cur(P));
		x->op = (short)cur(P)->op;
		advance(P);
		x->a = factor(P);
		LEAVE(P, P->failed ? NULL : x);
	}
	x = power(P);
	LEAVE(P, x);
}

/* Binary operator precedence levels, lowest first. */
static int
binop_level(struct parser *P)
{
	if (cur(P)->type != PT_OP)
		return 0;
	switch (cur(P)->op) {
	case PO_VBAR: return 1;
	case PO_CIRC: return 2;
	case PO_AMPER: return 3;
	case PO_LSHIFT: case PO_RSHIFT: return 4;
	case PO_PLUS: case PO_MINUS: return 5;
	case PO_STAR: case PO_SLASH: case PO_DSLASH: case PO_PERCENT: case PO_AT: return 6;
	default: return 0;
	}
}

static struct py_node *
binary(struct parser *P, int level)
{
	struct py_node *x;

	if (level > 6)
		return factor(P);
	x = binary(P, level + 1);
	while (!P->failed && binop_level(P) == level) {
		struct py_node *b = mk_at(P, PY_BINOP, x);

		b->op = (short)cur(P)->op;
		advance(P);
		b->a = x;
		b->b = binary(P, level + 1);
		x = b;
	}
	return P->failed ? NULL : x;
}

static struct py_node *
bitwise_or(struct parser *P)
{
	return binary(P, 1);
}

static int
compare_op(struct parser *P)
{
	struct py_token *t = cur(P);

	if (t->type == PT_OP) {
		switch (t->op) {
		case PO_LT: case PO_GT: case PO_EQEQ: case PO_NE: case PO_LE: case PO_GE:
			advance(P);
			return t->op;
		default:
			return 0;
		}
	}
	if (tok_is(t, "in")) {
		advance(P);
		return PY_IN;
	}
	if (tok_is(t, "not") && tok_is(peek(P, 1), "in")) {
		advance(P);
		advance(P);
		return PY_NOTIN;
	}
	if (tok_is(t, "is")) {
		advance(P);
		if (accept_kw(P, "not"))
			return PY_ISNOT;
		return PY_IS;
	}
	return 0;
}

static struct py_node *
comparison(struct parser *P)
{
	struct py_node *x = bitwise_or(P), *c = NULL;
	struct nvec v = { NULL, 0, 0 }, w = { NULL, 0, 0 };
	int op;

	if (P->failed)
		return NULL;
	while ((op = compare_op(P)) != 0) {
		struct py_node *o = mk_at(P, PY_CMPOP, x);

		o->op = (short)op;
		vpush(&w, o);
		vpush(&v, bitwise_or(P));
		if (P->failed)
			break;
	}
	if (v.n == 0) {
		vdrop(&w);
		return x;
	}
	if (P->failed)
		return with_lists(P, NULL, &v, &w);
	c = mk_at(P, PY_COMPARE, x);
	c->a = x;
	return with_lists(P, c, &v, &w);
}

static struct py_node *
inversion(struct parser *P)
{
	struct py_node *x;

	ENTER(P);
	if (is_kw(P, "not")) {
		x = mk(P, PY_UNARY, cur(P));
		x->op = PY_NOT;
		advance(P);
		x->a = inversion(P);
		LEAVE(P, P->failed ? NULL : x);
	}
	x = comparison(P);
	LEAVE(P, x);
}

static struct py_node *
boolop(struct parser *P, const char *kw, int op, struct py_node *(*sub)(struct parser *))
{
	struct py_node *x = sub(P), *b;
	struct nvec v = { NULL, 0, 0 };

	if (P->failed || !is_kw(P, kw))
		return P->failed ? NULL : x;
	vpush(&v, x);
	while (!P->failed && accept_kw(P, kw))
		vpush(&v, sub(P));
	if (P->failed) {
		vdrop(&v);
		return NULL;
	}
	b = mk_at(P, PY_BOOLOP, x);
	b->op = (short)op;
	vfinish(P, &v, &b->v, &b->nv);
	return b;
}

static struct py_node *
conjunction(struct parser *P)
{
	return boolop(P, "and", PY_AND, inversion);
}

static struct py_node *
disjunction(struct parser *P)
{
	return boolop(P, "or", PY_OR, conjunction);
}

/* Parameters of def (annotations allowed) or lambda (not). */
static int
params(struct parser *P, int close, int annot, struct nvec *out)
{
	int kwonly = 0;

	while (!P->failed && !is_op(P, close)) {
		struct py_token *t = cur(P);
		struct py_node *x;

		if (accept_op(P, PO_SLASH)) {
			int k;

			for (k = 0; k < out->n; k++)
				out->v[k]->op = PP_POSONLY;
		} else if (accept_op(P, PO_STAR)) {
			kwonly = 1;
			if (cur(P)->type == PT_NAME) {
				x = mk(P, PY_PARAM, t);
				x->op = PP_VARARG;
				x->s = cur(P)->p;
				x->n = cur(P)->n;
				advance(P);
				if (annot && accept_op(P, PO_COLON)) {
					if (is_op(P, PO_STAR)) {
						advance(P);
					}
					x->b = expression(P);
				}
				vpush(out, x);
			}
		} else if (accept_op(P, PO_DSTAR)) {
			x = mk(P, PY_PARAM, t);
			x->op = PP_KWARG;
			if (cur(P)->type != PT_NAME)
				return perr(P, "invalid syntax"), -1;
			x->s = cur(P)->p;
			x->n = cur(P)->n;
			advance(P);
			if (annot && accept_op(P, PO_COLON))
				x->b = expression(P);
			vpush(out, x);
		} else if (t->type == PT_NAME && !py_is_keyword(t->p, t->n)) {
			x = mk(P, PY_PARAM, t);
			x->op = kwonly ? PP_KWONLY : PP_NORMAL;
			x->s = t->p;
			x->n = t->n;
			advance(P);
			if (annot && accept_op(P, PO_COLON))
				x->b = expression(P);
			if (accept_op(P, PO_ASSIGN))
				x->a = expression(P);
			vpush(out, x);
		} else {
			perr(P, "invalid syntax");
			return -1;
		}
		if (!accept_op(P, PO_COMMA))
			break;
	}
	return P->failed ? -1 : 0;
}

static struct py_node *
lambda(struct parser *P)
{
	struct py_node *x = mk(P, PY_LAMBDA, cur(P));
	struct nvec v = { NULL, 0, 0 };

	advance(P);
	if (params(P, PO_COLON, 0, &v) < 0 || expect_op(P, PO_COLON) < 0) {
		vdrop(&v);
		return NULL;
	}
	vfinish(P, &v, &x->v, &x->nv);
	x->a = expression(P);
	return P->failed ? NULL : x;
}

static struct py_node *
expression(struct parser *P)
{
	struct py_node *x;

	ENTER(P);
	if (is_kw(P, "lambda")) {
		x = lambda(P);
		LEAVE(P, x);
	}
	x = disjunction(P);
	if (!P->failed && is_kw(P, "if")) {
		struct py_node *e = mk_at(P, PY_IFEXP, x);

		advance(P);
		e->b = x;
		e->a = disjunction(P);
		if (!P->failed && !accept_kw(P, "else"))
			perr(P, "expected 'else' after 'if' expression");
		if (!P->failed)
			e->c = expression(P);
		x = e;
	}
	LEAVE(P, P->failed ? NULL : x);
}

static struct py_node *
named_expression(struct parser *P)
{
	if (cur(P)->type == PT_NAME && peek(P, 1)->type == PT_OP && peek(P, 1)->op == PO_WALRUS) {
		struct py_node *x = mk(P, PY_NAMEDEXPR, cur(P));

		x->a = name_node(P);
		advance(P);
		x->b = expression(P);
		return P->failed ? NULL : x;
	}
	return expression(P);
}

static int
ends_expr_list(struct parser *P)
{
	struct py_token *t = cur(P);

	if (t->type == PT_NEWLINE || t->type == PT_END)
		return 1;
	if (t->type == PT_OP)
		switch (t->op) {
		case PO_RPAR: case PO_RSQB: case PO_RBRACE: case PO_ASSIGN: case PO_SEMI:
		case PO_COLON:
			return 1;
		default:
			return t->op >= PO_PLUSEQ;
		}
	return 0;
}

static struct py_node *
star_expressions(struct parser *P)
{
	struct py_token *first = cur(P);
	struct nvec v = { NULL, 0, 0 };
	struct py_node *x;
	int comma = 0;

	if (is_kw(P, "yield"))
		return yield_expr(P);
	for (;;) {
		struct py_node *e = star_named(P);

		if (P->failed) {
			vdrop(&v);
			return NULL;
		}
		vpush(&v, e);
		if (!accept_op(P, PO_COMMA))
			break;
		comma = 1;
		if (ends_expr_list(P))
			break;
	}
	if (!comma) {
		x = v.v[0];
		vdrop(&v);
		return x;
	}
	x = mk(P, PY_TUPLE, first);
	vfinish(P, &v, &x->v, &x->nv);
	return x;
}

/* ---- statements -------------------------------------------------------- */

static int
check_target(struct parser *P, struct py_node *x, int aug)
{
	int i;

	switch (x->kind) {
	case PY_NAME: case PY_ATTR: case PY_SUBSCRIPT:
		return 0;
	case PY_TUPLE: case PY_LIST:
		if (aug)
			break;
		for (i = 0; i < x->nv; i++)
			if (check_target(P, x->v[i], 0) < 0)
				return -1;
		return 0;
	case PY_STARRED:
		if (aug)
			break;
		return check_target(P, x->a, 0);
	default:
		break;
	}
	return perr_at(P, x->line, x->col, "cannot assign to %s",
	    x->kind == PY_CALL ? "function call" : x->kind == PY_CONST ? "literal" : "expression");
}

static struct py_node *
dotted_name(struct parser *P)
{
	struct py_token *t = cur(P);
	const char *start = t->p;
	const char *end;
	struct py_node *x;

	if (t->type != PT_NAME || py_is_keyword(t->p, t->n))
		return perr(P, "invalid syntax");
	x = mk(P, PY_ALIAS, t);
	end = t->p + t->n;
	advance(P);
	while (is_op(P, PO_DOT)) {
		advance(P);
		if (cur(P)->type != PT_NAME || py_is_keyword(cur(P)->p, cur(P)->n))
			return perr(P, "invalid syntax");
		/* names may be separated by spaces ("a . b"): rebuild without them */
		end = cur(P)->p + cur(P)->n;
		advance(P);
	}
	{
		struct pk_buf b = PK_BUF_INIT;
		const char *q;

		for (q = start; q < end; q++)
			if (*q != ' ' && *q != '\t' && *q != '\\' && *q != '\n' && *q != '\r')
				pk_buf_addc(&b, *q);
		x->s = py_strndup(P->pp, b.p ? b.p : "", b.len);
		x->n = b.len;
		pk_buf_release(&b);
	}
	return x;
}

static void
alias_as(struct parser *P, struct py_node *a)
{
	if (accept_kw(P, "as")) {
		if (cur(P)->type != PT_NAME || py_is_keyword(cur(P)->p, cur(P)->n)) {
			perr(P, "invalid syntax");
			return;
		}
		a->t = cur(P)->p;
		a->tn = cur(P)->n;
		advance(P);
	}
}

static struct py_node *
import_stmt(struct parser *P)
{
	struct py_node *x = mk(P, PY_IMPORT, cur(P));
	struct nvec v = { NULL, 0, 0 };

	advance(P);
	do {
		struct py_node *a = dotted_name(P);

		if (P->failed)
			break;
		alias_as(P, a);
		vpush(&v, a);
	} while (!P->failed && accept_op(P, PO_COMMA));
	vfinish(P, &v, &x->v, &x->nv);
	return P->failed ? NULL : x;
}

static struct py_node *
from_stmt(struct parser *P)
{
	struct py_node *x = mk(P, PY_IMPORTFROM, cur(P));
	struct nvec v = { NULL, 0, 0 };
	int paren;

	advance(P);
	for (;;) {
		if (accept_op(P, PO_DOT))
			x->op++;
		else if (accept_op(P, PO_ELLIPSIS))
			x->op += 3;
		else
			break;
	}
	if (!is_kw(P, "import")) {
		struct py_node *m = dotted_name(P);

		if (P->failed)
			return NULL;
		x->s = m->s;
		x->n = m->n;
	} else if (x->op == 0) {
		return perr(P, "invalid syntax");
	}
	if (!accept_kw(P, "import"))
		return perr(P, "invalid syntax");
	if (is_op(P, PO_STAR)) {
		struct py_node *a = mk(P, PY_ALIAS, cur(P));

		a->s = "*";
		a->n = 1;
		advance(P);
		vpush(&v, a);
		vfinish(P, &v, &x->v, &x->nv);
		return x;
	}
	paren = accept_op(P, PO_LPAR);
	while (!P->failed) {
		struct py_token *t = cur(P);
		struct py_node *a;

		if (t->type != PT_NAME || py_is_keyword(t->p, t->n)) {
			/* CPython names the trailing comma only when the
			 * statement ends right after it */
			perr(P, !paren && v.n > 0 && (t->type == PT_NEWLINE || t->type == PT_END) ?
			    "trailing comma not allowed without surrounding parentheses" :
			    "invalid syntax");
			break;
		}
		a = mk(P, PY_ALIAS, t);
		a->s = t->p;
		a->n = t->n;
		advance(P);
		alias_as(P, a);
		vpush(&v, a);
		if (!accept_op(P, PO_COMMA))
			break;
		if (paren && is_op(P, PO_RPAR))
			break;
	}
	if (!P->failed && paren)
		expect_op(P, PO_RPAR);
	if (P->failed) {
		vdrop(&v);
		return NULL;
	}
	vfinish(P, &v, &x->v, &x->nv);
	return x;
}

static struct py_node *
small_stmt(struct parser *P)
{
	struct py_token *t = cur(P);
	struct py_node *x, *e;

	if (t->type == PT_NAME) {
		if (tok_is(t, "pass") || tok_is(t, "break") || tok_is(t, "continue")) {
			x = mk(P, t->p[0] == 'p' ? PY_PASS : t->p[0] == 'b' ? PY_BREAK : PY_CONTINUE, t);
			advance(P);
			return x;
		}
		if (tok_is(t, "return")) {
			x = mk(P, PY_RETURN, t);
			advance(P);
			if (!ends_expr_list(P))
				x->a = star_expressions(P);
			return P->failed ? NULL : x;
		}
		if (tok_is(t, "raise")) {
			x = mk(P, PY_RAISE, t);
			advance(P);
			if (!ends_expr_list(P)) {
				x->a = expression(P);
				if (!P->failed && accept_kw(P, "from"))
					x->b = expression(P);
			}
			return P->failed ? NULL : x;
		}
		if (tok_is(t, "global") || tok_is(t, "nonlocal")) {
			struct nvec v = { NULL, 0, 0 };

			x = mk(P, PY_GLOBAL, t);
			x->op = t->p[0] == 'n';
			advance(P);
			do {
				vpush(&v, name_node(P));
			} while (!P->failed && accept_op(P, PO_COMMA));
			vfinish(P, &v, &x->v, &x->nv);
			return P->failed ? NULL : x;
		}
		if (tok_is(t, "del")) {
			x = mk(P, PY_DEL, t);
			advance(P);
			e = target_list(P);
			if (P->failed)
				return NULL;
			x->a = e;
			return x;
		}
		if (tok_is(t, "assert")) {
			x = mk(P, PY_ASSERT, t);
			advance(P);
			x->a = expression(P);
			if (!P->failed && accept_op(P, PO_COMMA))
				x->b = expression(P);
			return P->failed ? NULL : x;
		}
		if (tok_is(t, "import"))
			return import_stmt(P);
		if (tok_is(t, "from"))
			return from_stmt(P);
	}
	e = star_expressions(P);
	if (P->failed)
		return NULL;
	if (is_op(P, PO_COLON)) {
		x = mk_at(P, PY_ANNASSIGN, e);
		if (e->kind != PY_NAME && e->kind != PY_ATTR && e->kind != PY_SUBSCRIPT)
			return perr_at(P, e->line, e->col, "only single target (not tuple) can be annotated"),
			    NULL;
		advance(P);
		x->a = e;
		x->b = expression(P);
		if (!P->failed && accept_op(P, PO_ASSIGN))
			x->c = is_kw(P, "yield") ? yield_expr(P) : star_expressions(P);
		return P->failed ? NULL : x;
	}
	if (cur(P)->type == PT_OP && cur(P)->op >= PO_PLUSEQ && cur(P)->op <= PO_RSHIFTEQ) {
		static const short base[] = { PO_PLUS, PO_MINUS, PO_STAR, PO_SLASH, PO_DSLASH,
			PO_PERCENT, PO_AT, PO_DSTAR, PO_VBAR, PO_AMPER, PO_CIRC, PO_LSHIFT, PO_RSHIFT };

		if (check_target(P, e, 1) < 0)
			return NULL;
		x = mk_at(P, PY_AUGASSIGN, e);
		x->op = base[cur(P)->op - PO_PLUSEQ];
		advance(P);
		x->a = e;
		x->b = is_kw(P, "yield") ? yield_expr(P) : star_expressions(P);
		return P->failed ? NULL : x;
	}
	if (is_op(P, PO_ASSIGN)) {
		struct nvec v = { NULL, 0, 0 };

		x = mk_at(P, PY_ASSIGN, e);
		while (!P->failed && accept_op(P, PO_ASSIGN)) {
			if (check_target(P, e, 0) < 0)
				break;
			vpush(&v, e);
			e = is_kw(P, "yield") ? yield_expr(P) : star_expressions(P);
		}
		if (P->failed) {
			vdrop(&v);
			return NULL;
		}
		vfinish(P, &v, &x->v, &x->nv);
		x->a = e;
		return x;
	}
	x = mk_at(P, PY_EXPR, e);
	x->a = e;
	return x;
}

static void
simple_stmts(struct parser *P, struct nvec *out)
{
	for (;;) {
		struct py_node *x = small_stmt(P);

		if (P->failed)
			return;
		vpush(out, x);
		if (!accept_op(P, PO_SEMI))
			break;
		if (cur(P)->type == PT_NEWLINE)
			break;
	}
	if (cur(P)->type == PT_NEWLINE)
		advance(P);
	else if (cur(P)->type != PT_END)
		perr(P, "invalid syntax");
}

/*
 * ':' and the body of a compound statement. what/line name the statement for
 * the message when the indented block is missing (NULL: no name).
 */
static struct py_node *
block_of(struct parser *P, const char *what, int line)
{
	struct py_node *b = mk(P, PY_BLOCK, cur(P));
	struct nvec v = { NULL, 0, 0 };

	if (expect_op(P, PO_COLON) < 0)
		return NULL;
	ENTER(P);
	if (cur(P)->type == PT_NEWLINE) {
		advance(P);
		if (cur(P)->type != PT_INDENT) {
			struct py_token *t = cur(P);

			if (what)
				perr_at(P, t->line, t->col,
				    "expected an indented block after '%s' statement on line %d", what, line);
			else
				perr_at(P, t->line, t->col, "expected an indented block");
			LEAVE(P, NULL);
		}
		advance(P);
		while (!P->failed && cur(P)->type != PT_DEDENT && cur(P)->type != PT_END)
			statement(P, &v);
		if (!P->failed)
			advance(P);	/* DEDENT */
	} else {
		simple_stmts(P, &v);
	}
	if (P->failed) {
		vdrop(&v);
		LEAVE(P, NULL);
	}
	vfinish(P, &v, &b->v, &b->nv);
	if (b->nv)
		b->end_line = b->v[b->nv - 1]->end_line;
	LEAVE(P, b);
}

static struct py_node *
block(struct parser *P)
{
	return block_of(P, NULL, 0);
}

/* Skip a bracketed type-parameter list [T, *Ts, **P] (3.12). */
static void
skip_type_params(struct parser *P)
{
	int level = 0;

	if (!is_op(P, PO_LSQB))
		return;
	do {
		if (is_op(P, PO_LSQB))
			level++;
		else if (is_op(P, PO_RSQB))
			level--;
		advance(P);
	} while (level > 0 && cur(P)->type != PT_END);
}

static struct py_node *
funcdef(struct parser *P, struct nvec *decos, int async)
{
	struct py_node *x = mk(P, PY_FUNCDEF, cur(P));
	struct nvec v = { NULL, 0, 0 };
	struct py_token *nt;

	advance(P);	/* def */
	nt = cur(P);
	if (nt->type != PT_NAME || py_is_keyword(nt->p, nt->n))
		return perr(P, "invalid syntax");
	x->op = (short)async;
	x->s = nt->p;
	x->n = nt->n;
	advance(P);
	skip_type_params(P);
	if (expect_op(P, PO_LPAR) < 0 || params(P, PO_RPAR, 1, &v) < 0 || expect_op(P, PO_RPAR) < 0) {
		vdrop(&v);
		return NULL;
	}
	vfinish(P, &v, &x->v, &x->nv);
	if (accept_op(P, PO_ARROW))
		x->b = expression(P);
	if (P->failed)
		return NULL;
	vfinish(P, decos, &x->w, &x->nw);
	x->a = block(P);
	if (x->a)
		x->end_line = x->a->end_line;
	return P->failed ? NULL : x;
}

static struct py_node *
classdef(struct parser *P, struct nvec *decos)
{
	struct py_node *x = mk(P, PY_CLASS, cur(P));
	struct py_token *nt;

	advance(P);
	nt = cur(P);
	if (nt->type != PT_NAME || py_is_keyword(nt->p, nt->n))
		return perr(P, "invalid syntax");
	x->s = nt->p;
	x->n = nt->n;
	advance(P);
	skip_type_params(P);
	if (is_op(P, PO_LPAR)) {
		struct py_node *c = call_args(P, x, 1);
		int i;
		struct nvec v = { NULL, 0, 0 };

		if (P->failed)
			return NULL;
		for (i = 0; i < c->nv; i++)
			vpush(&v, c->v[i]);
		for (i = 0; i < c->nw; i++)
			vpush(&v, c->w[i]);
		vfinish(P, &v, &x->v, &x->nv);
	}
	vfinish(P, decos, &x->w, &x->nw);
	x->a = block(P);
	if (x->a)
		x->end_line = x->a->end_line;
	return P->failed ? NULL : x;
}

static struct py_node *
with_item(struct parser *P)
{
	struct py_node *x = mk(P, PY_WITHITEM, cur(P));

	x->a = expression(P);
	if (!P->failed && accept_kw(P, "as")) {
		x->b = bitwise_or(P);
		if (!P->failed)
			check_target(P, x->b, 0);
	}
	return P->failed ? NULL : x;
}

static struct py_node *
with_stmt(struct parser *P, int async)
{
	struct py_node *x = mk(P, PY_WITH, cur(P));
	struct nvec v = { NULL, 0, 0 };

	x->op = (short)async;
	advance(P);
	if (is_op(P, PO_LPAR)) {
		/* 3.9+: parenthesised items; fall back to an expression in parentheses */
		size_t save = P->i;
		int ok = 0;

		advance(P);
		for (;;) {
			struct py_node *it = with_item(P);

			if (P->failed)
				break;
			vpush(&v, it);
			if (!accept_op(P, PO_COMMA))
				break;
			if (is_op(P, PO_RPAR))
				break;
		}
		if (!P->failed && accept_op(P, PO_RPAR) && is_op(P, PO_COLON))
			ok = 1;
		if (!ok) {
			vdrop(&v);
			P->i = save;
			P->failed = 0;
			P->pp->err_line = 0;
			P->pp->err_msg[0] = 0;
		}
	}
	if (v.n == 0) {
		do {
			struct py_node *it = with_item(P);

			if (P->failed)
				break;
			vpush(&v, it);
		} while (accept_op(P, PO_COMMA));
	}
	if (P->failed) {
		vdrop(&v);
		return NULL;
	}
	vfinish(P, &v, &x->v, &x->nv);
	x->c = block(P);
	if (x->c)
		x->end_line = x->c->end_line;
	return P->failed ? NULL : x;
}

static struct py_node *
if_stmt(struct parser *P)
{
	struct py_node *x = mk(P, PY_IF, cur(P));

	ENTER(P);
	advance(P);	/* if / elif */
	x->a = named_expression(P);
	if (!P->failed)
		x->b = block(P);
	if (!P->failed && is_kw(P, "elif"))
		x->c = if_stmt(P);
	else if (!P->failed && accept_kw(P, "else"))
		x->c = block(P);
	LEAVE(P, P->failed ? NULL : x);
}

static struct py_node *
for_stmt(struct parser *P, int async)
{
	struct py_node *x = mk(P, PY_FOR, cur(P));

	x->op = (short)async;
	advance(P);
	x->a = target_list(P);
	if (!P->failed)
		check_target(P, x->a, 0);
	if (!P->failed && !accept_kw(P, "in"))
		perr(P, "expected 'in'");
	if (!P->failed)
		x->b = star_expressions(P);
	if (!P->failed)
		x->c = block(P);
	if (!P->failed && accept_kw(P, "else"))
		x->d = block(P);
	return P->failed ? NULL : x;
}

static struct py_node *
while_stmt(struct parser *P)
{
	struct py_node *x = mk(P, PY_WHILE, cur(P));

	advance(P);
	x->a = named_expression(P);
	if (!P->failed)
		x->c = block(P);
	if (!P->failed && accept_kw(P, "else"))
		x->d = block(P);
	return P->failed ? NULL : x;
}

static struct py_node *
try_stmt(struct parser *P)
{
	struct py_node *x = mk(P, PY_TRY, cur(P));
	struct nvec v = { NULL, 0, 0 };

	advance(P);
	x->c = block(P);
	while (!P->failed && is_kw(P, "except")) {
		struct py_node *h = mk(P, PY_HANDLER, cur(P));

		advance(P);
		accept_op(P, PO_STAR);
		if (!is_op(P, PO_COLON)) {
			h->a = expression(P);
			if (!P->failed && accept_op(P, PO_COMMA)) {
				/* except A, B: is Python 2 (3.14 allows it; we do not model it) */
				perr(P, "multiple exception types must be parenthesized");
			}
			if (!P->failed && accept_kw(P, "as")) {
				if (cur(P)->type != PT_NAME) {
					perr(P, "invalid syntax");
					break;
				}
				h->s = cur(P)->p;
				h->n = cur(P)->n;
				advance(P);
			}
		}
		if (!P->failed)
			h->c = block(P);
		vpush(&v, h);
	}
	if (!P->failed && accept_kw(P, "else"))
		x->d = block(P);
	if (!P->failed && accept_kw(P, "finally"))
		x->b = block(P);
	if (!P->failed && v.n == 0 && x->b == NULL)
		perr(P, "expected 'except' or 'finally' block");
	if (P->failed) {
		vdrop(&v);
		return NULL;
	}
	vfinish(P, &v, &x->v, &x->nv);
	return x;
}

/* ---- match statement (PEP 634) ------------------------------------------ */

static struct py_node *pattern(struct parser *P);
static struct py_node *closed_pattern(struct parser *P);
static struct py_node *pattern_from(struct parser *P, struct py_node *x);

static int
next_is_op(struct parser *P, int op)
{
	return peek(P, 1)->type == PT_OP && peek(P, 1)->op == op;
}

/* A NAME that binds (not '_', not a keyword) and is not followed by '.', '(' or '='. */
static int
is_capture(struct parser *P)
{
	struct py_token *t = cur(P);

	return t->type == PT_NAME && !tok_is(t, "_") && !py_is_keyword(t->p, t->n) &&
	    !next_is_op(P, PO_DOT) && !next_is_op(P, PO_LPAR) && !next_is_op(P, PO_ASSIGN);
}

/* The error where a capture target was wanted: at the '.', '(' or '=' after a
 * name, as CPython reports it (it read that far before giving up). */
static void *
capture_error(struct parser *P)
{
	struct py_token *t = cur(P);

	if (t->type == PT_NAME && !tok_is(t, "_") && !py_is_keyword(t->p, t->n))
		advance(P);
	return perr(P, "invalid syntax");
}

/*
 * CPython tries some readings only to word a better message (its second
 * pass); when such a reading fails, the error is "invalid syntax" where the
 * ordinary reading stopped, at t.
 */
static void *
second_pass_failed(struct parser *P, const struct py_token *t)
{
	P->pp->err_line = t->line;
	P->pp->err_col = t->col;
	snprintf(P->pp->err_msg, sizeof P->pp->err_msg, "invalid syntax");
	return NULL;
}

/* NAME ('.' NAME)*: the class of a class pattern, a value pattern, a mapping key. */
static struct py_node *
name_or_attr(struct parser *P)
{
	struct py_node *x = name_node(P);

	while (!P->failed && is_op(P, PO_DOT)) {
		struct py_node *a;

		advance(P);
		if (cur(P)->type != PT_NAME || py_is_keyword(cur(P)->p, cur(P)->n))
			return perr(P, "invalid syntax");
		a = mk_at(P, PY_ATTR, x);
		a->a = x;
		a->s = cur(P)->p;
		a->n = cur(P)->n;
		advance(P);
		x = a;
	}
	return P->failed ? NULL : x;
}

/* signed_number, or complex_number: real +/- imaginary (literal patterns and mapping keys). */
static struct py_node *
number_pattern(struct parser *P)
{
	struct py_token *t = cur(P);
	struct py_node *x, *b;

	if (accept_op(P, PO_MINUS)) {
		if (cur(P)->type != PT_NUMBER)
			return perr(P, "invalid syntax");
		x = mk(P, PY_UNARY, t);
		x->op = PO_MINUS;
		x->a = number(P);
	} else {
		x = number(P);
	}
	if (!is_op(P, PO_PLUS) && !is_op(P, PO_MINUS))
		return x;
	if ((x->kind == PY_UNARY ? x->a : x)->op == PC_COMPLEX) {
		struct py_node *r = x->kind == PY_UNARY ? x->a : x;

		return perr_at(P, r->line, r->col, "real number required in complex literal"), NULL;
	}
	b = mk_at(P, PY_BINOP, x);
	b->op = (short)cur(P)->op;
	b->a = x;
	advance(P);
	if (cur(P)->type != PT_NUMBER)
		return perr(P, "invalid syntax");
	b->b = number(P);
	if (b->b->op != PC_COMPLEX)
		return perr_at(P, b->b->line, b->b->col, "imaginary number required in complex literal"), NULL;
	return b;
}

/* '(' patterns ')' after the class name: positional, then keyword patterns. */
static struct py_node *
class_pattern(struct parser *P, struct py_node *cls)
{
	struct py_node *x = mk_at(P, PY_MATCHCLASS, cls);
	struct nvec v = { NULL, 0, 0 }, w = { NULL, 0, 0 };
	int seen_kw = 0;

	x->a = cls;
	advance(P);	/* ( */
	while (!P->failed && !is_op(P, PO_RPAR)) {
		struct py_token *t = cur(P);

		/* after positional patterns "_=" is the wildcard, then a stray '='
		 * (CPython reads the positional patterns greedily) */
		if (t->type == PT_NAME && !py_is_keyword(t->p, t->n) && next_is_op(P, PO_ASSIGN) &&
		    (seen_kw || v.n == 0 || !tok_is(t, "_"))) {
			struct py_node *k = mk(P, PY_MATCHKW, t);

			k->s = t->p;
			k->n = t->n;
			advance(P);
			advance(P);
			k->a = closed_pattern(P);
			if (P->failed && seen_kw && tok_is(t, "_")) {
				/* CPython then reads "_" as a positional wildcard */
				P->pp->err_line = t->line;
				P->pp->err_col = t->col;
				snprintf(P->pp->err_msg, sizeof P->pp->err_msg,
				    "positional patterns follow keyword patterns");
			}
			if (!P->failed)
				k->a = pattern_from(P, k->a);
			seen_kw = 1;
			vpush(&w, k);
		} else {
			struct py_node *p = pattern(P);

			if (seen_kw) {
				/* CPython reads on only to say that; else it stopped at
				 * the name it took for a keyword's, or what follows it */
				if (!P->failed)
					perr_at(P, p->line, p->col, "positional patterns follow keyword patterns");
				else
					second_pass_failed(P, t->type == PT_NAME && !py_is_keyword(t->p, t->n) ?
					    t + 1 : t);	/* a NAME is never the last token */
			}
			vpush(&v, p);
		}
		if (P->failed || !accept_op(P, PO_COMMA))
			break;
	}
	if (!P->failed && !accept_op(P, PO_RPAR))
		perr(P, "invalid syntax");
	return with_lists(P, x, &v, &w);
}

/* '{' (key ':' pattern ',')* ['**' rest] '}'; a key is a literal or a dotted name. */
static struct py_node *
mapping_pattern(struct parser *P)
{
	struct py_node *x = mk(P, PY_MATCHMAP, cur(P));
	struct nvec v = { NULL, 0, 0 }, w = { NULL, 0, 0 };

	advance(P);	/* { */
	while (!P->failed && !is_op(P, PO_RBRACE)) {
		struct py_token *t = cur(P);
		struct py_node *k;

		if (accept_op(P, PO_DSTAR)) {
			if (!is_capture(P)) {
				capture_error(P);
				break;
			}
			x->s = cur(P)->p;
			x->n = cur(P)->n;
			advance(P);
			accept_op(P, PO_COMMA);
			break;	/* '}' must follow */
		}
		if (t->type == PT_NUMBER || is_op(P, PO_MINUS)) {
			k = number_pattern(P);
		} else if (t->type == PT_STRING) {
			k = strings(P);
		} else if (tok_is(t, "None") || tok_is(t, "True") || tok_is(t, "False")) {
			k = atom(P);
		} else if (t->type == PT_NAME && !py_is_keyword(t->p, t->n)) {
			/* a bare name would be a capture: keys are dotted */
			if (!next_is_op(P, PO_DOT)) {
				advance(P);
				perr(P, "invalid syntax");
				break;
			}
			k = name_or_attr(P);
		} else {
			perr(P, "invalid syntax");
			break;
		}
		if (P->failed)
			break;
		if (!accept_op(P, PO_COLON)) {
			perr(P, "invalid syntax");
			break;
		}
		vpush(&v, k);
		vpush(&w, pattern(P));
		if (P->failed || !accept_op(P, PO_COMMA))
			break;
	}
	if (!P->failed && !accept_op(P, PO_RBRACE))
		perr(P, "invalid syntax");
	return with_lists(P, x, &v, &w);
}

/* '*' NAME or '*' '_' in a sequence pattern, else a pattern. */
static struct py_node *
maybe_star_pattern(struct parser *P)
{
	struct py_node *x;

	if (!is_op(P, PO_STAR))
		return pattern(P);
	x = mk(P, PY_MATCHSTAR, cur(P));
	advance(P);
	if (is_kw(P, "_")) {
		advance(P);
		return x;
	}
	if (!is_capture(P))
		return capture_error(P);
	x->s = cur(P)->p;
	x->n = cur(P)->n;
	advance(P);
	return x;
}

/* Can the current token start a pattern? (after a trailing comma) */
static int
starts_pattern(struct parser *P)
{
	struct py_token *t = cur(P);

	if (t->type == PT_NUMBER || t->type == PT_STRING)
		return 1;
	if (t->type == PT_NAME)
		return !py_is_keyword(t->p, t->n) || tok_is(t, "None") || tok_is(t, "True") ||
		    tok_is(t, "False");
	return is_op(P, PO_MINUS) || is_op(P, PO_LPAR) || is_op(P, PO_LSQB) || is_op(P, PO_LBRACE) ||
	    is_op(P, PO_STAR);
}

/*
 * The elements of a sequence pattern up to close (PO_RPAR, PO_RSQB, or 0 for
 * the open sequence of "case a, b:"), first already read.
 */
static struct py_node *
sequence_rest(struct parser *P, struct py_token *at, struct py_node *first, int close)
{
	struct py_node *x = mk(P, PY_MATCHSEQ, at);
	struct nvec v = { NULL, 0, 0 };

	vpush(&v, first);
	while (!P->failed && accept_op(P, PO_COMMA)) {
		if (close ? is_op(P, close) : !starts_pattern(P))
			break;
		vpush(&v, maybe_star_pattern(P));
	}
	if (!P->failed && close && !accept_op(P, close))
		perr(P, "invalid syntax");
	if (P->failed) {
		vdrop(&v);
		return NULL;
	}
	vfinish(P, &v, &x->v, &x->nv);
	return x;
}

static struct py_node *
closed_pattern(struct parser *P)
{
	struct py_token *t = cur(P);
	struct py_node *x;

	ENTER(P);
	if (t->type == PT_NUMBER || is_op(P, PO_MINUS)) {
		x = mk(P, PY_MATCHVALUE, t);
		x->a = number_pattern(P);
	} else if (t->type == PT_STRING) {
		x = mk(P, PY_MATCHVALUE, t);
		x->a = strings(P);
	} else if (tok_is(t, "None") || tok_is(t, "True") || tok_is(t, "False")) {
		x = mk(P, PY_MATCHVALUE, t);
		x->a = atom(P);
	} else if (tok_is(t, "_")) {
		/* the wildcard, even before '.' or '(' (CPython tries it first) */
		x = mk(P, PY_MATCHAS, t);
		advance(P);
	} else if (t->type == PT_NAME && !py_is_keyword(t->p, t->n)) {
		if (is_capture(P)) {
			x = mk(P, PY_MATCHAS, t);
			x->s = t->p;
			x->n = t->n;
			advance(P);
		} else {
			struct py_node *cls = name_or_attr(P);

			if (P->failed)
				x = NULL;
			else if (is_op(P, PO_LPAR))
				x = class_pattern(P, cls);
			else if (cls->kind == PY_NAME)
				x = perr(P, "invalid syntax");	/* NAME '=' */
			else {
				x = mk(P, PY_MATCHVALUE, t);
				x->a = cls;
			}
		}
	} else if (is_op(P, PO_LSQB)) {
		advance(P);
		if (is_op(P, PO_RSQB)) {
			x = mk(P, PY_MATCHSEQ, t);
			advance(P);
		} else {
			struct py_node *first = maybe_star_pattern(P);

			x = P->failed ? NULL : sequence_rest(P, t, first, PO_RSQB);
		}
	} else if (is_op(P, PO_LPAR)) {
		advance(P);
		if (is_op(P, PO_RPAR)) {
			x = mk(P, PY_MATCHSEQ, t);
			advance(P);
		} else {
			struct py_node *first = maybe_star_pattern(P);

			if (P->failed)
				x = NULL;
			else if (is_op(P, PO_COMMA))
				x = sequence_rest(P, t, first, PO_RPAR);
			else if (first->kind == PY_MATCHSTAR || !accept_op(P, PO_RPAR))
				x = perr(P, "invalid syntax");
			else
				x = first;	/* a group: (p) is p */
		}
	} else if (is_op(P, PO_LBRACE)) {
		x = mapping_pattern(P);
	} else {
		x = perr(P, "invalid syntax");
	}
	LEAVE(P, P->failed ? NULL : x);
}

/* or_pattern ['as' NAME], its first closed pattern x already read */
static struct py_node *
pattern_from(struct parser *P, struct py_node *x)
{
	struct py_node *o;
	struct nvec v = { NULL, 0, 0 };

	if (P->failed)
		return NULL;
	if (is_op(P, PO_VBAR)) {
		vpush(&v, x);
		while (!P->failed && accept_op(P, PO_VBAR))
			vpush(&v, closed_pattern(P));
		if (P->failed) {
			vdrop(&v);
			return NULL;
		}
		o = mk_at(P, PY_MATCHOR, x);
		vfinish(P, &v, &o->v, &o->nv);
		x = o;
	}
	if (accept_kw(P, "as")) {
		struct py_token *t = cur(P);

		if (t->type == PT_NAME && !py_is_keyword(t->p, t->n)) {
			if (tok_is(t, "_"))
				return perr_at(P, t->line, t->col, "cannot use '_' as a target"), NULL;
			if (!is_capture(P))
				return capture_error(P);
			o = mk_at(P, PY_MATCHAS, x);
			o->a = x;
			o->s = t->p;
			o->n = t->n;
			advance(P);
			x = o;
		} else {
			/* as None, as 1, as (b): an expression where a name must be */
			struct py_node *e = expression(P);

			if (!P->failed)
				perr_at(P, e->line, e->col, "invalid pattern target");
			else
				second_pass_failed(P, t);
			return NULL;
		}
	}
	return x;
}

static struct py_node *
pattern(struct parser *P)
{
	return pattern_from(P, closed_pattern(P));
}

/* What a line starting with `match` that is no match statement left behind:
 * where that reading got to, for when the other reading fails too. */
struct match_miss {
	int line, col;
	int wins;		/* CPython's own message for it, whatever the other reading says */
	char msg[200];
};

static void
miss_at(struct match_miss *mm, const struct py_token *t, const char *msg, int wins)
{
	mm->line = t->line;
	mm->col = t->col;
	mm->wins = wins;
	snprintf(mm->msg, sizeof mm->msg, "%s", msg);
}

static struct py_node *
case_block(struct parser *P)
{
	struct py_token *ct = cur(P);
	struct py_node *x = mk(P, PY_MATCHCASE, ct);
	struct py_node *first;

	advance(P);	/* case */
	first = maybe_star_pattern(P);
	if (P->failed)
		return NULL;
	if (is_op(P, PO_COMMA))
		x->a = sequence_rest(P, ct, first, 0);
	else if (first->kind == PY_MATCHSTAR)
		return perr(P, "invalid syntax");
	else
		x->a = first;
	if (!P->failed && accept_kw(P, "if"))
		x->b = named_expression(P);
	if (P->failed)
		return NULL;
	if (cur(P)->type == PT_NEWLINE)
		return perr(P, "expected ':'");
	if (!is_op(P, PO_COLON))
		return perr(P, "invalid syntax");
	x->c = block_of(P, "case", ct->line);
	if (P->failed)
		return NULL;
	x->end_line = x->c->end_line;
	return x;
}

/*
 * `match` is a soft keyword: the line is a match statement when it reads as
 * one up to "match subject:" NEWLINE. Returns 1 when it is one (*out set, or
 * P->failed), 0 when it is not, with the position restored and mm saying how
 * far the match reading got.
 */
static int
match_stmt(struct parser *P, struct py_node **out, struct match_miss *mm)
{
	struct py_token *mt = cur(P);
	struct py_node *x = mk(P, PY_MATCH, mt);
	struct nvec v = { NULL, 0, 0 };
	size_t save = P->i;
	int depth = P->depth;

	advance(P);
	if (is_kw(P, "yield")) {
		perr(P, "invalid syntax");
	} else {
		struct py_token *st = cur(P);
		struct py_node *first = star_named(P);

		if (!P->failed && is_op(P, PO_COMMA)) {
			struct nvec tv = { NULL, 0, 0 };

			vpush(&tv, first);
			while (accept_op(P, PO_COMMA) && !ends_expr_list(P)) {
				vpush(&tv, star_named(P));
				if (P->failed)
					break;
			}
			x->a = mk(P, PY_TUPLE, st);
			vfinish(P, &tv, &x->a->v, &x->a->nv);
		} else if (!P->failed && first->kind == PY_STARRED) {
			perr(P, "invalid syntax");
		} else {
			x->a = first;
		}
	}
	if (P->failed) {
		mm->line = P->pp->err_line;
		mm->col = P->pp->err_col;
		mm->wins = 0;
		snprintf(mm->msg, sizeof mm->msg, "%s", P->pp->err_msg);
	} else if (cur(P)->type == PT_NEWLINE) {
		miss_at(mm, cur(P), "expected ':'", 1);
	} else if (!is_op(P, PO_COLON)) {
		miss_at(mm, cur(P), "invalid syntax", 0);
	} else if (peek(P, 1)->type != PT_NEWLINE) {
		miss_at(mm, peek(P, 1), "invalid syntax", 0);
	} else {
		/* "match subject:" NEWLINE: nothing else reads so */
		advance(P);
		advance(P);
		if (cur(P)->type != PT_INDENT) {
			perr_at(P, cur(P)->line, cur(P)->col,
			    "expected an indented block after 'match' statement on line %d", mt->line);
			*out = NULL;
			return 1;
		}
		advance(P);
		do {
			if (!is_kw(P, "case")) {
				perr(P, "invalid syntax");
				break;
			}
			vpush(&v, case_block(P));
		} while (!P->failed && cur(P)->type != PT_DEDENT && cur(P)->type != PT_END);
		if (P->failed) {
			vdrop(&v);
			*out = NULL;
			return 1;
		}
		advance(P);	/* DEDENT */
		vfinish(P, &v, &x->v, &x->nv);
		x->end_line = x->v[x->nv - 1]->end_line;
		*out = x;
		return 1;
	}
	P->i = save;
	P->depth = depth;
	P->failed = 0;
	P->pp->err_line = 0;
	P->pp->err_col = 0;
	P->pp->err_msg[0] = 0;
	return 0;
}

/* A line starting with the name `match`: a match statement, else simple statements. */
static void
match_or_simple(struct parser *P, struct nvec *out)
{
	struct match_miss mm = { 0, 0, 0, "" };
	struct py_node *x = NULL;

	if (match_stmt(P, &x, &mm)) {
		if (!P->failed)
			vpush(out, x);
		return;
	}
	simple_stmts(P, out);
	/* neither reading worked: CPython reports the one that got further */
	if (P->failed && mm.line && (mm.wins || mm.line > P->pp->err_line ||
	    (mm.line == P->pp->err_line && mm.col > P->pp->err_col))) {
		P->pp->err_line = mm.line;
		P->pp->err_col = mm.col;
		snprintf(P->pp->err_msg, sizeof P->pp->err_msg, "%s", mm.msg);
	}
}

static void
statement(struct parser *P, struct nvec *out)
{
	struct py_token *t = cur(P);
	struct nvec decos = { NULL, 0, 0 };
	struct py_node *x = NULL;

	if (enter(P) < 0) {
		P->depth--;
		return;
	}
	if (t->type == PT_INDENT) {
		perr(P, "unexpected indent");
		P->depth--;
		return;
	}
	if (t->type == PT_OP && t->op == PO_AT) {
		while (!P->failed && accept_op(P, PO_AT)) {
			vpush(&decos, named_expression(P));
			if (!P->failed && cur(P)->type != PT_NEWLINE)
				perr(P, "invalid syntax");
			advance(P);
		}
		if (!P->failed) {
			if (is_kw(P, "def"))
				x = funcdef(P, &decos, 0);
			else if (is_kw(P, "async") && tok_is(peek(P, 1), "def")) {
				advance(P);
				x = funcdef(P, &decos, 1);
			} else if (is_kw(P, "class"))
				x = classdef(P, &decos);
			else
				perr(P, "invalid syntax");
		}
		vdrop(&decos);
	} else if (tok_is(t, "def")) {
		x = funcdef(P, &decos, 0);
	} else if (tok_is(t, "class")) {
		x = classdef(P, &decos);
	} else if (tok_is(t, "if")) {
		x = if_stmt(P);
	} else if (tok_is(t, "for")) {
		x = for_stmt(P, 0);
	} else if (tok_is(t, "while")) {
		x = while_stmt(P);
	} else if (tok_is(t, "try")) {
		x = try_stmt(P);
	} else if (tok_is(t, "with")) {
		x = with_stmt(P, 0);
	} else if (tok_is(t, "async")) {
		advance(P);
		if (is_kw(P, "def"))
			x = funcdef(P, &decos, 1);
		else if (is_kw(P, "for"))
			x = for_stmt(P, 1);
		else if (is_kw(P, "with"))
			x = with_stmt(P, 1);
		else
			perr(P, "invalid syntax");
	} else if (tok_is(t, "type") && peek(P, 1)->type == PT_NAME && peek(P, 2)->type == PT_OP &&
	    (peek(P, 2)->op == PO_ASSIGN || peek(P, 2)->op == PO_LSQB)) {
		x = mk(P, PY_TYPEALIAS, t);
		x->s = peek(P, 1)->p;
		x->n = peek(P, 1)->n;
		while (cur(P)->type != PT_NEWLINE && cur(P)->type != PT_END)
			advance(P);
		advance(P);
	} else if (tok_is(t, "elif") || tok_is(t, "else") || tok_is(t, "except") ||
	    tok_is(t, "finally")) {
		perr(P, "invalid syntax");
	} else if (tok_is(t, "match")) {
		match_or_simple(P, out);
		P->depth--;
		return;
	} else {
		simple_stmts(P, out);
		P->depth--;
		return;
	}
	if (!P->failed && x != NULL)
		vpush(out, x);
	P->depth--;
}

/* ---- entry points ------------------------------------------------------ */

static void
shift_positions(struct py_node *x, int line_base, int col_base, int first_line)
{
	int i;

	if (x == NULL)
		return;
	if (x->line == first_line)
		x->col += col_base;
	x->line += line_base;
	x->end_line += line_base;
	shift_positions(x->a, line_base, col_base, first_line);
	shift_positions(x->b, line_base, col_base, first_line);
	shift_positions(x->c, line_base, col_base, first_line);
	shift_positions(x->d, line_base, col_base, first_line);
	for (i = 0; i < x->nv; i++)
		shift_positions(x->v[i], line_base, col_base, first_line);
	for (i = 0; i < x->nw; i++)
		shift_positions(x->w[i], line_base, col_base, first_line);
}

/*
 * The parser's own recursion is bounded by max_depth, but a left-associative
 * chain (a + b + ... or a.b.c... or a >> b >> ...) is built by a loop into a
 * tree as deep as the chain is long, and everything that reads the tree
 * recurses. CPython gives up on such a chain between 10000 and 15000 links
 * (RecursionError); so does this, before a reader runs out of stack, at the
 * innermost statement that holds the chain.
 */
#define MAX_TREE_HEIGHT 12000

static int
check_height(struct parser *P, struct py_node *root)
{
	struct walk { struct py_node *x, *stmt; int h; } *st = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	st = pk_xrealloc(st, (cap = 256) * sizeof *st);
	st[n].x = st[n].stmt = root;
	st[n++].h = 1;
	while (n > 0) {
		struct py_node *x = st[--n].x, *stmt = st[n].stmt, *kid[4];
		int h = st[n].h, k;

		if (x->kind >= PY_MODULE && x->kind < PY_MATCHVALUE)
			stmt = x;
		if (h > MAX_TREE_HEIGHT) {
			perr_at(P, stmt->line, stmt->col, "expression nested too deeply (over %d levels)",
			    MAX_TREE_HEIGHT);
			rc = -1;
			break;
		}
		kid[0] = x->a;
		kid[1] = x->b;
		kid[2] = x->c;
		kid[3] = x->d;
		for (k = 0; k < 4 + x->nv + x->nw; k++) {
			struct py_node *c = k < 4 ? kid[k] : k < 4 + x->nv ? x->v[k - 4] :
			    x->w[k - 4 - x->nv];

			if (c == NULL)
				continue;
			if (n == cap)
				st = pk_xrealloc(st, (cap *= 2) * sizeof *st);
			st[n].x = c;
			st[n].stmt = stmt;
			st[n++].h = h + 1;
		}
	}
	free(st);
	return rc;
}

int
py_parse(struct py_parse *pp, const char *src, size_t n)
{
	struct parser P;
	struct nvec v = { NULL, 0, 0 };
	struct py_node *m;
	int tokfail;

	pp->module = NULL;
	pp->err_line = 0;
	pp->err_msg[0] = 0;
	if (pp->max_depth <= 0)
		pp->max_depth = 1000;
	/* On a tokenizer error the tokens before it are still parsed: the
	 * first error in the file is the one reported (as CPython does). */
	tokfail = py_tokenize(&pp->tok, src, n) < 0;
	memset(&P, 0, sizeof P);
	P.pp = pp;
	P.t = pp->tok.t;
	P.n = pp->tok.n;
	while (!P.failed && cur(&P)->type != PT_END) {
		if (cur(&P)->type == PT_NEWLINE) {
			advance(&P);
			continue;
		}
		if (cur(&P)->type == PT_DEDENT) {
			perr(&P, "unindent does not match any outer indentation level");
			break;
		}
		statement(&P, &v);
	}
	if (tokfail) {
		/* The parser's error is the first when it failed on a token
		 * before the end the tokenizer made where it stopped, at a place
		 * before the tokenizer's (an unclosed bracket is found at the end
		 * of the file but placed at the bracket). */
		if (!P.failed || P.i + 1 >= P.n || pp->err_line > pp->tok.err_line ||
		    (pp->err_line == pp->tok.err_line && pp->err_col >= pp->tok.err_col)) {
			pp->err_line = pp->tok.err_line;
			pp->err_col = pp->tok.err_col;
			snprintf(pp->err_msg, sizeof pp->err_msg, "%s", pp->tok.err_msg);
		}
		vdrop(&v);
		return -1;
	}
	if (P.failed) {
		vdrop(&v);
		return -1;
	}
	m = mk(&P, PY_MODULE, &P.t[0]);
	m->line = 1;
	m->col = 1;
	vfinish(&P, &v, &m->v, &m->nv);
	if (check_height(&P, m) < 0)
		return -1;
	pp->module = m;
	return 0;
}

void
py_parse_release(struct py_parse *pp)
{
	struct py_arena *a = pp->arena, *next;

	for (; a; a = next) {
		next = a->next;
		free(a);
	}
	pp->arena = NULL;
	pp->module = NULL;
	py_tokens_release(&pp->tok);
}

/* ---- dump -------------------------------------------------------------- */

static const char *const kind_names[PY_KIND_COUNT] = {
	"?", "Name", "Const", "FString", "FValue", "Attribute", "Subscript", "Slice",
	"Call", "Keyword", "BinOp", "UnaryOp", "BoolOp", "Compare", "CmpOp", "IfExp",
	"Lambda", "List", "Tuple", "Set", "Dict", "Comp", "CompFor", "Starred",
	"NamedExpr", "Await", "Yield",
	"Module", "Block", "Expr", "Assign", "AugAssign", "AnnAssign", "Import",
	"ImportFrom", "Alias", "FunctionDef", "Param", "ClassDef", "If", "For", "While",
	"With", "WithItem", "Try", "Handler", "Return", "Raise", "Delete", "Assert",
	"Global", "Pass", "Break", "Continue", "Match", "TypeAlias", "MatchCase",
	"MatchValue", "MatchAs", "MatchOr", "MatchSequence", "MatchStar", "MatchMapping",
	"MatchClass", "MatchKeyword"
};

const char *
py_kind_name(int kind)
{
	return kind > 0 && kind < PY_KIND_COUNT ? kind_names[kind] : "?";
}

static const char *
op_name(const struct py_node *x)
{
	static const char *const consts[] = { "", "None", "True", "False", "Ellipsis", "int",
		"float", "complex", "str", "bytes" };

	switch (x->kind) {
	case PY_CONST:
		return (unsigned)x->op < sizeof consts / sizeof consts[0] ? consts[x->op] : "?";
	case PY_BINOP: case PY_AUGASSIGN:
		return py_op_text(x->op);
	case PY_UNARY:
		return x->op == PY_NOT ? "not" : py_op_text(x->op);
	case PY_BOOLOP:
		return x->op == PY_AND ? "and" : "or";
	case PY_CMPOP:
		switch (x->op) {
		case PY_IN: return "in";
		case PY_NOTIN: return "not in";
		case PY_IS: return "is";
		case PY_ISNOT: return "is not";
		default: return py_op_text(x->op);
		}
	case PY_COMP:
		return x->op == PY_LIST ? "list" : x->op == PY_SET ? "set" : x->op == PY_DICT ? "dict" : "gen";
	case PY_STARRED:
		return x->op == 2 ? "**" : "*";
	case PY_PARAM: {
		static const char *const pk[] = { "", "posonly", "*", "kwonly", "**" };

		return (unsigned)x->op < 5 ? pk[x->op] : "?";
	}
	case PY_FUNCDEF: case PY_FOR: case PY_WITH:
		return x->op ? "async" : "";
	case PY_IMPORTFROM: case PY_YIELD: case PY_GLOBAL:
		return "";
	case PY_FVALUE: {
		static char conv[4][3] = { "", "!r", "!s", "!a" };

		return x->op == 'r' ? conv[1] : x->op == 's' ? conv[2] : x->op == 'a' ? conv[3] : conv[0];
	}
	default:
		return "";
	}
}

static void
dump(const struct py_node *x, struct pk_buf *out, int depth, const char *label)
{
	int i;

	pk_buf_printf(out, "%*s", depth * 2, "");
	if (label)
		pk_buf_printf(out, "%s: ", label);
	if (x == NULL) {
		pk_buf_adds(out, "-\n");
		return;
	}
	pk_buf_printf(out, "%s %d:%d", py_kind_name(x->kind), x->line, x->col);
	if (*op_name(x))
		pk_buf_printf(out, " %s", op_name(x));
	if (x->kind == PY_IMPORTFROM && x->op)
		pk_buf_printf(out, " level=%d", x->op);
	if (x->s) {
		pk_buf_addc(out, ' ');
		pk_buf_add_json_str(out, x->s, x->n);
	}
	if (x->t) {
		pk_buf_adds(out, " as ");
		pk_buf_add_json_str(out, x->t, x->tn);
	}
	pk_buf_addc(out, '\n');
	if (x->a)
		dump(x->a, out, depth + 1, "a");
	if (x->b)
		dump(x->b, out, depth + 1, "b");
	if (x->c)
		dump(x->c, out, depth + 1, "c");
	if (x->d)
		dump(x->d, out, depth + 1, "d");
	for (i = 0; i < x->nv; i++)
		dump(x->v[i], out, depth + 1, NULL);
	for (i = 0; i < x->nw; i++)
		dump(x->w[i], out, depth + 1, "w");
}

void
py_dump(const struct py_node *node, struct pk_buf *out)
{
	dump(node, out, 0, NULL);
}
