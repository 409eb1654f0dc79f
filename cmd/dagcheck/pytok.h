/*
 * pytok - a tokenizer for Python 3.8-3.13 source, as dagcheck reads DAG files.
 */
#ifndef DC_PYTOK_H
#define DC_PYTOK_H

#include <stddef.h>

enum py_tok {
	PT_END = 0,
	PT_NEWLINE,
	PT_INDENT,
	PT_DEDENT,
	PT_NAME,
	PT_NUMBER,
	PT_STRING,
	PT_OP
};

/* Operators and delimiters (the op of a PT_OP token). */
enum py_op {
	PO_NONE = 0,
	PO_LPAR, PO_RPAR, PO_LSQB, PO_RSQB, PO_LBRACE, PO_RBRACE,
	PO_COLON, PO_COMMA, PO_SEMI, PO_DOT, PO_ELLIPSIS, PO_ARROW, PO_WALRUS,
	PO_PLUS, PO_MINUS, PO_STAR, PO_SLASH, PO_DSLASH, PO_PERCENT, PO_AT,
	PO_DSTAR, PO_VBAR, PO_AMPER, PO_CIRC, PO_TILDE, PO_LSHIFT, PO_RSHIFT,
	PO_LT, PO_GT, PO_EQEQ, PO_NE, PO_LE, PO_GE, PO_ASSIGN, PO_BANG,
	/* augmented assignment, in the order of their binary operators */
	PO_PLUSEQ, PO_MINUSEQ, PO_STAREQ, PO_SLASHEQ, PO_DSLASHEQ, PO_PERCENTEQ,
	PO_ATEQ, PO_DSTAREQ, PO_VBAREQ, PO_AMPEREQ, PO_CIRCEQ, PO_LSHIFTEQ,
	PO_RSHIFTEQ,
	PO_COUNT
};

/* String prefix flags of a PT_STRING token. */
enum py_strflag {
	PS_RAW = 1 << 0,
	PS_BYTES = 1 << 1,
	PS_FSTR = 1 << 2,
	PS_TRIPLE = 1 << 3
};

struct py_token {
	enum py_tok type;
	int op;			/* PT_OP: enum py_op */
	unsigned flags;		/* PT_STRING: enum py_strflag */
	unsigned body_off;	/* PT_STRING: offset of the text after the opening quote(s) */
	unsigned quote_len;	/* PT_STRING: 1 or 3 */
	const char *p;		/* borrowed from the source */
	size_t n;
	int line, col;		/* 1-based; col counts characters */
};

/* A comment, kept for `# noqa` and pragmas. p/n borrowed, '#' included. */
struct py_comment {
	const char *p;
	size_t n;
	int line;
};

struct py_tokens {
	struct py_token *t;
	size_t n, cap;
	struct py_comment *c;
	size_t nc, capc;
	/* first error; line 0 when none */
	int err_line, err_col;
	char err_msg[160];
};

#define PY_TOKENS_INIT { NULL, 0, 0, NULL, 0, 0, 0, 0, "" }

/*
 * Tokenize src[0..n) completely. Returns 0, or -1 with err_line/err_col/
 * err_msg set (tokens up to the error are kept, followed by PT_END).
 * Tokens point into src, which must outlive them.
 */
int py_tokenize(struct py_tokens *tk, const char *src, size_t n);
void py_tokens_release(struct py_tokens *tk);

/*
 * The length of the character at s[0..n) when it matches Python's re \w on
 * str (a letter, a character with a numeric value, or '_'; Unicode 15.0),
 * 0 when it does not or is not well-formed UTF-8.
 */
size_t py_word_char(const char *s, size_t n);

const char *py_op_text(int op);
const char *py_tok_name(enum py_tok t);

#endif
