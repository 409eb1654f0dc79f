/*
 * test_pyparse - dagcheck's Python parser: the AST of the statements and
 * expressions DAG files use, decoded strings, and syntax errors where
 * CPython reports them.
 */
#include "tests/unit/tap.h"

/* The Makefile links unit tests against lib/ only: compile the parser in. */
#include "cmd/dagcheck/pytok.c"
#include "cmd/dagcheck/pyparse.c"

/* The dump of src with positions removed, one node a line joined by '|'. */
static char *
shape(const char *src)
{
	struct py_parse p = PY_PARSE_INIT;
	struct pk_buf d = PK_BUF_INIT, out = PK_BUF_INIT;
	size_t i;

	if (py_parse(&p, src, strlen(src)) != 0) {
		pk_buf_printf(&out, "error %d:%d %s", p.err_line, p.err_col, p.err_msg);
		py_parse_release(&p);
		return pk_buf_detach(&out, NULL);
	}
	py_dump(p.module->nv == 1 ? p.module->v[0] : p.module, &d);
	for (i = 0; i < d.len; i++) {
		if (d.p[i] == ' ' && i + 1 < d.len && d.p[i + 1] >= '0' && d.p[i + 1] <= '9') {
			/* drop " L:C" */
			while (i + 1 < d.len && d.p[i + 1] != ' ' && d.p[i + 1] != '\n')
				i++;
			continue;
		}
		if (d.p[i] == '\n') {
			if (i + 1 < d.len)
				pk_buf_addc(&out, '|');
			continue;
		}
		if (d.p[i] == ' ' && (i == 0 || d.p[i - 1] == '\n' || d.p[i - 1] == ' '))
			continue;
		pk_buf_addc(&out, d.p[i]);
	}
	pk_buf_release(&d);
	py_parse_release(&p);
	return pk_buf_detach(&out, NULL);
}

static void
check(const char *src, const char *want, const char *what)
{
	char *got = shape(src);

	is_str(got, want, "%s", what);
	free(got);
}

int
main(void)
{
	check("t1 >> [t2, t3] << t4\n",
	    "Expr|a: BinOp <<|a: BinOp >>|a: Name \"t1\"|b: List|Name \"t2\"|Name \"t3\"|b: Name \"t4\"",
	    ">> and << are left-associative");
	check("op = Op(task_id='a', *xs, **kw)\n",
	    "Assign|a: Call|a: Name \"Op\"|Starred *|a: Name \"xs\"|w: Keyword \"task_id\"|a: Const str \"a\"|w: Keyword|a: Name \"kw\"|Name \"op\"",
	    "call with keyword, *args and **kwargs");
	check("a, *b = c\n", "Assign|a: Name \"c\"|Tuple|Name \"a\"|Starred *|a: Name \"b\"", "tuple target with star");
	check("x: int = 1\n", "AnnAssign|a: Name \"x\"|b: Name \"int\"|c: Const int \"1\"", "annotated assignment");
	check("d |= {'a': 1, **e}\n",
	    "AugAssign ||a: Name \"d\"|b: Dict|Const str \"a\"|-|w: Const int \"1\"|w: Name \"e\"", "augmented, dict unpack");
	check("s = 'a' \"b\" '\\x41\\n'\n", "Assign|a: Const str \"abA\\n\"|Name \"s\"", "adjacent strings, escapes decoded");
	check("s = r'\\d' + b'\\x00'\n", "Assign|a: BinOp +|a: Const str \"\\\\d\"|b: Const bytes \"\\u0000\"|Name \"s\"",
	    "raw and bytes strings");
	check("f'id_{i:02d}_{n!r}'\n",
	    "Expr|a: FString|Const str \"id_\"|FValue|a: Name \"i\"|b: FString|Const str \"02d\"|Const str \"_\"|FValue !r|a: Name \"n\"",
	    "f-string parts, format spec and conversion");
	check("[x for x in y if x if not z]\n",
	    "Expr|a: Comp list|a: Name \"x\"|CompFor|a: Name \"x\"|b: Name \"y\"|Name \"x\"|UnaryOp not|a: Name \"z\"",
	    "list comprehension with conditions");
	check("{k: v for k, v in d.items()}\n",
	    "Expr|a: Comp dict|a: Name \"k\"|b: Name \"v\"|CompFor|a: Tuple|Name \"k\"|Name \"v\"|b: Call|a: Attribute \"items\"|a: Name \"d\"",
	    "dict comprehension");
	check("lambda a, *b, c=1, **d: a\n",
	    "Expr|a: Lambda|a: Name \"a\"|Param \"a\"|Param * \"b\"|Param kwonly \"c\"|a: Const int \"1\"|Param ** \"d\"",
	    "lambda parameters");
	check("a if b else c\n", "Expr|a: IfExp|a: Name \"b\"|b: Name \"a\"|c: Name \"c\"", "conditional expression");
	check("x[1:2, ::3]\n",
	    "Expr|a: Subscript|a: Name \"x\"|b: Tuple|Slice|a: Const int \"1\"|b: Const int \"2\"|Slice|c: Const int \"3\"",
	    "slices");
	check("from ..a.b import (c as d, e,)\n", "ImportFrom level=2 \"a.b\"|Alias \"c\" as \"d\"|Alias \"e\"",
	    "relative parenthesised import");
	check("import airflow.operators.bash as b, os\n", "Import|Alias \"airflow.operators.bash\" as \"b\"|Alias \"os\"",
	    "import as");
	check("@dag(schedule=None)\nasync def f(a, /, b=2) -> int:\n    return a\n",
	    "FunctionDef async \"f\"|a: Block|Return|a: Name \"a\"|b: Name \"int\"|Param posonly \"a\"|Param \"b\"|a: Const int \"2\"|w: Call|a: Name \"dag\"|w: Keyword \"schedule\"|a: Const None \"None\"",
	    "decorated async def");
	check("with (A() as a, B() as b):\n    pass\n",
	    "With|c: Block|Pass|WithItem|a: Call|a: Name \"A\"|b: Name \"a\"|WithItem|a: Call|a: Name \"B\"|b: Name \"b\"",
	    "parenthesised with items");
	check("with (a, b):\n    pass\n", "With|c: Block|Pass|WithItem|a: Name \"a\"|WithItem|a: Name \"b\"",
	    "with (a, b): is two items, as CPython 3.9+ reads it");
	check("with (a, b) as c:\n    pass\n",
	    "With|c: Block|Pass|WithItem|a: Tuple|Name \"a\"|Name \"b\"|b: Name \"c\"",
	    "with (a, b) as c: is one tuple item");
	check("try:\n    x\nexcept (A, B) as e:\n    y\nelse:\n    z\nfinally:\n    w\n",
	    "Try|b: Block|Expr|a: Name \"w\"|c: Block|Expr|a: Name \"x\"|d: Block|Expr|a: Name \"z\"|Handler \"e\"|a: Tuple|Name \"A\"|Name \"B\"|c: Block|Expr|a: Name \"y\"",
	    "try/except/else/finally");
	check("match x:\n    case 1:\n        t = f()\n",
	    "Match|a: Name \"x\"|MatchCase|a: MatchValue|a: Const int \"1\"|c: Block|Assign|a: Call|a: Name \"f\"|Name \"t\"",
	    "match: a case body is a block of statements");
	check("match x:\n    case [1, *r] | {'k': v, **kw} | C(a, b=_) as z if z: pass\n",
	    "Match|a: Name \"x\"|MatchCase|a: MatchAs \"z\"|a: MatchOr|MatchSequence|MatchValue|a: Const int \"1\"|MatchStar \"r\"|MatchMapping \"kw\"|Const str \"k\"|w: MatchAs \"v\"|MatchClass|a: Name \"C\"|MatchAs \"a\"|w: MatchKeyword \"b\"|a: MatchAs|b: Name \"z\"|c: Block|Pass",
	    "match: sequence, star, mapping with rest, class, wildcard, or, as, guard");
	check("match a, *b:\n    case (x, y,) | () | (p): pass\n    case -1 | 1 - 2j | a.b.c | None: pass\n    case x, *_: pass\n",
	    "Match|a: Tuple|Name \"a\"|Starred *|a: Name \"b\"|MatchCase|a: MatchOr|MatchSequence|MatchAs \"x\"|MatchAs \"y\"|MatchSequence|MatchAs \"p\"|c: Block|Pass|MatchCase|a: MatchOr|MatchValue|a: UnaryOp -|a: Const int \"1\"|MatchValue|a: BinOp -|a: Const int \"1\"|b: Const complex \"2j\"|MatchValue|a: Attribute \"c\"|a: Attribute \"b\"|a: Name \"a\"|MatchValue|a: Const None \"None\"|c: Block|Pass|MatchCase|a: MatchSequence|MatchAs \"x\"|MatchStar|c: Block|Pass",
	    "match: tuple subject, group, open sequence, signed and complex numbers, value patterns");
	check("match = 1\n", "Assign|a: Const int \"1\"|Name \"match\"", "match as a name");
	check("match(x)\n", "Expr|a: Call|a: Name \"match\"|Name \"x\"", "match(x) is a call");
	check("match[x]: int = 1\n", "AnnAssign|a: Subscript|a: Name \"match\"|b: Name \"x\"|b: Name \"int\"|c: Const int \"1\"",
	    "match[x]: is an annotated subscript");
	check("match -x:\n    case case: pass\n",
	    "Match|a: UnaryOp -|a: Name \"x\"|MatchCase|a: MatchAs \"case\"|c: Block|Pass", "soft keywords as subject and capture");
	check("case = match.group(1)\n",
	    "Assign|a: Call|a: Attribute \"group\"|a: Name \"match\"|Const int \"1\"|Name \"case\"", "case as a name");

	/* match errors: line, column and message as CPython 3.12 reports them */
	check("match x:\n    case 1 + 1:\n        pass\n", "error 2:14 imaginary number required in complex literal",
	    "complex pattern needs an imaginary part");
	check("match x:\n    case 1j + 2j:\n        pass\n", "error 2:10 real number required in complex literal",
	    "complex pattern needs a real part");
	check("match x:\n    case x as _:\n        pass\n", "error 2:15 cannot use '_' as a target", "as _");
	check("match x:\n    case x as None:\n        pass\n", "error 2:15 invalid pattern target", "as None");
	check("match x:\n    case f(a=1, b):\n        pass\n", "error 2:17 positional patterns follow keyword patterns",
	    "positional after keyword pattern");
	check("match x:\n    case C(1, _=2):\n        pass\n", "error 2:16 invalid syntax",
	    "_= after positional patterns is a wildcard then '='");
	check("match x:\n    case {**rest, 'a': 1}:\n        pass\n", "error 2:19 invalid syntax", "**rest must be last");
	check("match x:\n    case {a: 1}:\n        pass\n", "error 2:12 invalid syntax", "mapping key must be dotted");
	check("match x:\n    case {**_}:\n        pass\n", "error 2:13 invalid syntax", "**_");
	check("match x:\n    case *a:\n        pass\n", "error 2:12 invalid syntax", "lone star pattern");
	check("match x:\n    case a.b():\n        pass\n    case _.a:\n        pass\n", "error 4:11 invalid syntax",
	    "the wildcard takes no attribute");
	check("match x:\n    case a[1]:\n        pass\n", "error 2:11 invalid syntax", "no subscript in patterns");
	check("match x:\n    case 1\n        pass\n", "error 2:11 expected ':'", "case without colon");
	check("match x:\n    case 1:\n    pass\n", "error 3:5 expected an indented block after 'case' statement on line 2",
	    "case without body");
	check("match x:\ncase 1: pass\n", "error 2:1 expected an indented block after 'match' statement on line 1",
	    "match without cases");
	check("match x:\n    pass\n", "error 2:5 invalid syntax", "a match block holds only cases");
	check("match x:\n    case 1:\n        y = = 1\n", "error 3:13 invalid syntax", "syntax error in a case body");
	check("match x\n", "error 1:8 expected ':'", "match subject without colon");
	check("match x y\n", "error 1:9 invalid syntax", "match x y: the match reading got further");
	check("match f(**k, *a):\n    case 1: pass\n", "error 1:14 iterable argument unpacking follows keyword argument unpacking",
	    "an error in the subject is reported");
	check("type X = int\n", "TypeAlias \"X\"", "3.12 type alias is skipped");
	check("if (n := f()) > 1:\n    pass\nelif a:\n    pass\nelse:\n    pass\n",
	    "If|a: Compare|a: NamedExpr|a: Name \"n\"|b: Call|a: Name \"f\"|Const int \"1\"|w: CmpOp >|b: Block|Pass|c: If|a: Name \"a\"|b: Block|Pass|c: Block|Pass",
	    "walrus, elif, else");
	check("x = yield\n", "Assign|a: Yield|Name \"x\"", "yield expression");

	check("if x\n    pass\n", "error 1:5 expected ':'", "missing colon");
	check("f() = 1\n", "error 1:1 cannot assign to function call", "bad target");
	check("f(a=1, b)\n", "error 1:8 positional argument follows keyword argument", "positional after keyword");
	check("def f():\nreturn 1\n", "error 2:1 expected an indented block", "missing block");
	check("x = 1\n    y = 2\n", "error 2:5 unexpected indent", "unexpected indent");
	check("print 'x'\n", "error 1:7 invalid syntax", "python 2 print");
	check("x = f'{a b}'\n", "error 1:8 f-string: expected ')'", "bad f-string expression");
	check("x = (1 +\n", "error 1:5 '(' was never closed", "tokenizer errors come through");
	{
		struct pk_buf deep = PK_BUF_INIT;
		char *got;
		int i;

		pk_buf_adds(&deep, "x = ");
		for (i = 0; i < 3000; i++)
			pk_buf_adds(&deep, "-");
		pk_buf_adds(&deep, "1\n");
		got = shape(deep.p);
		ok(strstr(got, "too many nested expressions or blocks") != NULL, "unary nesting limit: %s", got);
		free(got);
		pk_buf_release(&deep);
	}
	return tap_done();
}
