/*
 * test_pytok - dagcheck's Python tokenizer: indentation, strings of every
 * form, numbers, operators, continuations and the errors CPython reports.
 */
#include "tests/unit/tap.h"

/* The Makefile links unit tests against lib/ only: compile the tokenizer in. */
#include "cmd/dagcheck/pytok.c"

/* Tokens of src as "TYPE:text" joined by spaces (NEWLINE/INDENT/DEDENT bare). */
static char *
toks(const char *src, struct py_tokens *tk)
{
	struct pk_buf b = PK_BUF_INIT;
	size_t i;

	py_tokenize(tk, src, strlen(src));
	for (i = 0; i < tk->n; i++) {
		const struct py_token *t = &tk->t[i];

		if (i)
			pk_buf_addc(&b, ' ');
		switch (t->type) {
		case PT_NEWLINE: pk_buf_adds(&b, "NL"); break;
		case PT_INDENT: pk_buf_adds(&b, "IN"); break;
		case PT_DEDENT: pk_buf_adds(&b, "DE"); break;
		case PT_END: pk_buf_adds(&b, "END"); break;
		default:
			pk_buf_printf(&b, "%c:%.*s", t->type == PT_NAME ? 'n' : t->type == PT_NUMBER ? '#' :
			    t->type == PT_STRING ? 's' : 'o', (int)t->n, t->p);
		}
	}
	return pk_buf_detach(&b, NULL);
}

static void
check(const char *src, const char *want, const char *what)
{
	struct py_tokens tk = PY_TOKENS_INIT;
	char *got = toks(src, &tk);

	is_str(got, want, "%s", what);
	free(got);
	py_tokens_release(&tk);
}

static void
check_err_n(const char *src, size_t n, int line, int col, const char *msg, const char *what)
{
	struct py_tokens tk = PY_TOKENS_INIT;

	ok(py_tokenize(&tk, src, n) == -1, "%s: fails", what);
	is_int(tk.err_line, line, "%s: line", what);
	is_int(tk.err_col, col, "%s: column", what);
	is_str(tk.err_msg, msg, "%s: message", what);
	py_tokens_release(&tk);
}

static void
check_err(const char *src, int line, int col, const char *msg, const char *what)
{
	check_err_n(src, strlen(src), line, col, msg, what);
}

int
main(void)
{
	check("x = 1\n", "n:x o:= #:1 NL END", "assignment");
	check("if a:\n    b\n\n    # c\nd\n", "n:if n:a o:: NL IN n:b NL DE n:d NL END",
	    "indent, blank and comment lines, dedent");
	check("def f():\n\tif x:\n\t\treturn\n", "n:def n:f o:( o:) o:: NL IN n:if n:x o:: NL IN n:return NL DE DE END",
	    "tabs; dedents at end of file");
	check("f(a,\n  b)\n", "n:f o:( n:a o:, n:b o:) NL END", "newlines inside brackets are joined");
	check("x = 1 + \\\n    2\n", "n:x o:= #:1 o:+ #:2 NL END", "backslash continuation");
	check("a **= b // c >> d @ e -> f := g != h ...\n",
	    "n:a o:**= n:b o:// n:c o:>> n:d o:@ n:e o:-> n:f o::= n:g o:!= n:h o:... NL END", "operators");
	check("1_000 0x_FF 0o17 0b1 1.5e-3 .5 3j 1e10\n", "#:1_000 #:0x_FF #:0o17 #:0b1 #:1.5e-3 #:.5 #:3j #:1e10 NL END",
	    "numbers");
	check("r'\\d' b\"x\" Rb'y' f'{a}' rf\"{b!r:>{w}}\" u'u'\n",
	    "s:r'\\d' s:b\"x\" s:Rb'y' s:f'{a}' s:rf\"{b!r:>{w}}\" s:u'u' NL END", "string prefixes");
	check("'''a\n'b'\n''' \"\"\"c\"\"\"\n", "s:'''a\n'b'\n''' s:\"\"\"c\"\"\" NL END", "triple quotes over lines");
	check("f\"{d[\"k\"]} {x:{'>'}{w}}\"\n", "s:f\"{d[\"k\"]} {x:{'>'}{w}}\" NL END",
	    "3.12 f-string: the enclosing quote reused inside a replacement field");
	check("f'{{literal}} {x}'\n", "s:f'{{literal}} {x}' NL END", "doubled braces");
	check("f'\\N{BULLET} {x}'\n", "s:f'\\N{BULLET} {x}' NL END", "\\N{...} is no replacement field");
	check("\xEF\xBB\xBFx\n", "n:x NL END", "a UTF-8 BOM is skipped");
	check("caf\xC3\xA9 = 1\n", "n:caf\xC3\xA9 o:= #:1 NL END", "non-ASCII identifiers");
	check("x\r\ny\r", "n:x NL n:y NL END", "CRLF and CR line ends");
	check("", "END", "empty source");

	check_err("x = 'abc\n", 1, 5, "unterminated string literal (detected at line 1)", "unterminated");
	check_err("x = '''abc\n\n", 1, 5, "unterminated triple-quoted string literal (detected at line 3)",
	    "unterminated triple");
	check_err("if x:\n    a\n  b\n", 3, 3, "unindent does not match any outer indentation level", "bad dedent");
	check_err("x = (1,\n", 1, 5, "'(' was never closed", "unclosed paren");
	check_err("x = [1)\n", 1, 7, "closing parenthesis ')' does not match opening parenthesis '['", "mismatch");
	check_err("x = 1 $ 2\n", 1, 7, "invalid character '$'", "invalid character");
	check_err("x = 0777\n", 1, 5, "leading zeros in decimal integer literals are not permitted; "
	    "use an 0o prefix for octal integers", "python 2 octal");
	check_err("x = f'{a}}'\n", 1, 10, "f-string: single '}' is not allowed", "single brace");
	check_err_n("x = 1\0\n", 7, 1, 1, "source code cannot contain null bytes", "NUL byte");
	{
		struct pk_buf deep = PK_BUF_INIT;
		int i;

		for (i = 0; i < 250; i++)
			pk_buf_addc(&deep, '(');
		check_err(deep.p, 1, 201, "too many nested parentheses", "nesting limit");
		pk_buf_release(&deep);
	}
	return tap_done();
}
