/*
 * pyparse - a recursive-descent parser for Python 3.8-3.13 producing a small
 * AST of the statements and expressions DAG files use.
 */
#ifndef DC_PYPARSE_H
#define DC_PYPARSE_H

#include <stddef.h>

#include "cmd/dagcheck/pytok.h"

enum py_kind {
	/* expressions */
	PY_NAME = 1,		/* s: identifier */
	PY_CONST,		/* op: enum py_const; s/n: decoded text (strings), literal text (numbers) */
	PY_FSTRING,		/* v: parts, each a PY_CONST string or a PY_FVALUE */
	PY_FVALUE,		/* a: expression; b: format spec (PY_FSTRING) or NULL; op: conversion char */
	PY_ATTR,		/* a: value; s: attribute name */
	PY_SUBSCRIPT,		/* a: value; b: index (PY_SLICE, PY_TUPLE, expression) */
	PY_SLICE,		/* a, b, c: lower, upper, step (each may be NULL) */
	PY_CALL,		/* a: callee; v: positional args (PY_STARRED for *x); w: PY_KEYWORD */
	PY_KEYWORD,		/* s: name (NULL for **x); a: value */
	PY_BINOP,		/* op: enum py_op of the operator; a, b */
	PY_UNARY,		/* op: PO_MINUS, PO_PLUS, PO_TILDE, or PY_NOT; a */
	PY_BOOLOP,		/* op: PY_AND or PY_OR; v: operands */
	PY_COMPARE,		/* a: left; v: comparators; w: PY_CMPOP nodes (op) */
	PY_CMPOP,		/* op: PO_LT.., or PY_IN, PY_NOTIN, PY_IS, PY_ISNOT */
	PY_IFEXP,		/* a: test; b: body; c: orelse */
	PY_LAMBDA,		/* v: params; a: body */
	PY_LIST, PY_TUPLE, PY_SET,	/* v: elements */
	PY_DICT,		/* v: keys (NULL for **x); w: values */
	PY_COMP,		/* op: PY_LIST, PY_SET, PY_DICT or PY_GENEXP; a: element (key); b: value; v: PY_COMPFOR */
	PY_COMPFOR,		/* a: target; b: iterable; v: conditions; op: 1 when async */
	PY_STARRED,		/* op: 1 for *x, 2 for **x; a */
	PY_NAMEDEXPR,		/* a: target; b: value */
	PY_AWAIT,		/* a */
	PY_YIELD,		/* a (may be NULL); op: 1 for yield from */

	/* statements */
	PY_MODULE,		/* v: body */
	PY_BLOCK,		/* v: statements */
	PY_EXPR,		/* a */
	PY_ASSIGN,		/* v: targets; a: value */
	PY_AUGASSIGN,		/* a: target; op: binary operator; b: value */
	PY_ANNASSIGN,		/* a: target; b: annotation; c: value or NULL */
	PY_IMPORT,		/* v: PY_ALIAS */
	PY_IMPORTFROM,		/* s: module (may be NULL); op: level (leading dots); v: PY_ALIAS */
	PY_ALIAS,		/* s: dotted name ("*" for star); t: asname or NULL */
	PY_FUNCDEF,		/* s: name; op: 1 async; v: PY_PARAM; w: decorators; a: body; b: returns */
	PY_PARAM,		/* s: name; op: enum py_param; a: default; b: annotation */
	PY_CLASS,		/* s: name; v: bases (PY_KEYWORD for keywords); w: decorators; a: body */
	PY_IF,			/* a: test; b: body; c: orelse (PY_BLOCK, PY_IF for elif, or NULL) */
	PY_FOR,			/* a: target; b: iterable; c: body; d: orelse; op: 1 async */
	PY_WHILE,		/* a: test; c: body; d: orelse */
	PY_WITH,		/* v: PY_WITHITEM; c: body; op: 1 async */
	PY_WITHITEM,		/* a: context expression; b: target or NULL */
	PY_TRY,			/* c: body; v: PY_HANDLER; d: orelse; b: finally */
	PY_HANDLER,		/* a: type or NULL; s: name or NULL; c: body */
	PY_RETURN,		/* a */
	PY_RAISE,		/* a: exception; b: cause */
	PY_DEL,			/* a: target(s) */
	PY_ASSERT,		/* a: test; b: msg */
	PY_GLOBAL,		/* v: PY_NAME; op: 1 nonlocal */
	PY_PASS, PY_BREAK, PY_CONTINUE,
	PY_MATCH,		/* a: subject; v: PY_MATCHCASE */
	PY_TYPEALIAS,		/* s: name; skipped */
	PY_MATCHCASE,		/* a: pattern; b: guard or NULL; c: body */

	/* patterns of a match statement's cases (PEP 634) */
	PY_MATCHVALUE,		/* a: literal or dotted name (PY_CONST, PY_UNARY -, PY_BINOP +/-, PY_ATTR, ...) */
	PY_MATCHAS,		/* a: pattern or NULL; s: name or NULL (both NULL: the wildcard _) */
	PY_MATCHOR,		/* v: alternatives */
	PY_MATCHSEQ,		/* v: patterns (PY_MATCHSTAR for *x) */
	PY_MATCHSTAR,		/* s: name or NULL for *_ */
	PY_MATCHMAP,		/* v: keys (expressions); w: patterns; s: **rest or NULL */
	PY_MATCHCLASS,		/* a: class (PY_NAME or PY_ATTR); v: positional patterns; w: PY_MATCHKW */
	PY_MATCHKW,		/* s: attribute name; a: pattern */
	PY_KIND_COUNT
};

enum py_const { PC_NONE = 1, PC_TRUE, PC_FALSE, PC_ELLIPSIS, PC_INT, PC_FLOAT, PC_COMPLEX, PC_STR,
	PC_BYTES };

/* Extra operator codes beyond enum py_op for PY_UNARY, PY_BOOLOP, PY_CMPOP, PY_COMP. */
enum { PY_NOT = 100, PY_AND, PY_OR, PY_IN, PY_NOTIN, PY_IS, PY_ISNOT, PY_GENEXP };

enum py_param { PP_NORMAL = 0, PP_POSONLY, PP_VARARG, PP_KWONLY, PP_KWARG };

struct py_node {
	unsigned short kind;
	short op;
	int line, col;		/* 1-based; col counts characters */
	int end_line;
	const char *s;		/* borrowed from the source or the parse arena */
	size_t n;
	const char *t;		/* PY_ALIAS asname */
	size_t tn;
	struct py_node *a, *b, *c, *d;
	struct py_node **v;
	struct py_node **w;
	int nv, nw;
};

struct py_arena;

struct py_parse {
	struct py_tokens tok;
	struct py_arena *arena;
	struct py_node *module;		/* NULL when the source could not be parsed */
	int err_line, err_col;		/* 0 when no error */
	char err_msg[200];
	int max_depth;			/* nesting limit (default 1000) */
};

#define PY_PARSE_INIT { PY_TOKENS_INIT, NULL, NULL, 0, 0, "", 1000 }

/*
 * Tokenize and parse src[0..n) (which must outlive the result). Returns 0
 * with p->module set, or -1 with err_line/err_col/err_msg describing the
 * first error (a syntax error: DC001). Nodes are owned by p.
 */
int py_parse(struct py_parse *p, const char *src, size_t n);
void py_parse_release(struct py_parse *p);

/* Allocation from the parse arena (for the model's own strings). */
void *py_alloc(struct py_parse *p, size_t n);
char *py_strndup(struct py_parse *p, const char *s, size_t n);

const char *py_kind_name(int kind);
/* Write the AST as an indented S-expression-like dump (for --dump-ast). */
struct pk_buf;
void py_dump(const struct py_node *node, struct pk_buf *out);

/* 1 when s[0..n) is a Python keyword (not a soft keyword). */
int py_is_keyword(const char *s, size_t n);

#endif
