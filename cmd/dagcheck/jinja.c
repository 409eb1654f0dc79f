/*
 * jinja - DC501-DC503: the Jinja templates in operator arguments, checked for
 * balanced delimiters and blocks and for names Airflow's context provides.
 *
 * Every string argument of every operator is checked, not only the
 * template_fields Airflow renders: a linter cannot know the template_fields
 * of every provider's operators, and a string with "{{" that is not rendered
 * is a bug of its own.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/dagcheck/checks.h"

/*
 * Names in the template context: Airflow 2.x (airflow/utils/context.py
 * KNOWN_CONTEXT_KEYS, 2.10) and Airflow 3.x (the task SDK's Context,
 * airflow/sdk/definitions/context.py, 3.0), plus Jinja's own globals.
 */
static const char *const context_names[] = {
	"conn", "dag", "dag_run", "data_interval_end", "data_interval_start", "ds", "ds_nodash",
	"exception", "expanded_ti_count", "inlets", "inlet_events", "logical_date", "macros",
	"map_index_template", "outlets", "outlet_events", "params", "prev_data_interval_start_success",
	"prev_data_interval_end_success", "prev_start_date_success", "prev_end_date_success", "reason",
	"run_id", "start_date", "task", "task_instance", "task_instance_key_str", "task_reschedule_count",
	"templates_dict", "test_mode", "ti", "triggering_asset_events", "try_number", "ts", "ts_nodash",
	"ts_nodash_with_tz", "var",
	/* Jinja */
	"range", "dict", "lipsum", "cycler", "joiner", "namespace", "loop", "caller", "varargs",
	"kwargs", "self", NULL
};

/*
 * Removed in Airflow 3 (the 3.0.0 release notes, "Removed deprecated context
 * variables"; the replacements are Airflow 2's own deprecation messages).
 */
static const struct { const char *name, *use; } removed_names[] = {
	{ "execution_date", "logical_date or data_interval_start" },
	{ "next_execution_date", "data_interval_end" },
	{ "next_ds", "{{ data_interval_end | ds }}" },
	{ "next_ds_nodash", "{{ data_interval_end | ds_nodash }}" },
	{ "prev_execution_date", "prev_data_interval_start_success" },
	{ "prev_execution_date_success", "prev_data_interval_start_success" },
	{ "prev_ds", "prev_data_interval_start_success" },
	{ "prev_ds_nodash", "prev_data_interval_start_success" },
	{ "tomorrow_ds", "{{ macros.ds_add(ds, 1) }}" },
	{ "tomorrow_ds_nodash", "{{ macros.ds_add(ds, 1) }}" },
	{ "yesterday_ds", "{{ macros.ds_add(ds, -1) }}" },
	{ "yesterday_ds_nodash", "{{ macros.ds_add(ds, -1) }}" },
	{ "conf", "airflow.configuration.conf in Python code" },
	{ "triggering_dataset_events", "triggering_asset_events" },
	{ NULL, NULL }
};

/* airflow.macros (2.x) and the task SDK's macros (3.x); hive is the Hive provider's plugin. */
static const char *const macro_names[] = {
	"ds_add", "ds_format", "ds_format_locale", "datetime_diff_for_humans", "datetime", "timedelta",
	"dateutil", "time", "uuid", "random", "json", "yaml", "hive", NULL
};

/* Jinja's builtin filters (jinja2/filters.py FILTERS) and Airflow's (airflow/templates.py). */
static const char *const filter_names[] = {
	"abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e",
	"escape", "filesizeformat", "first", "float", "forceescape", "format", "groupby", "indent",
	"int", "items", "join", "last", "length", "list", "lower", "map", "max", "min", "pprint",
	"random", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr",
	"slice", "sort", "string", "striptags", "sum", "title", "tojson", "trim", "truncate", "unique",
	"upper", "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr",
	"ds", "ds_nodash", "ts", "ts_nodash", "ts_nodash_with_tz", NULL
};

static const char *const jinja_keywords[] = {
	"and", "or", "not", "in", "is", "if", "else", "true", "false", "none", "True", "False", "None",
	"recursive", "as", "with", "without", "context", "ignore", "missing", NULL
};

/* Arguments that are not templated by any operator and hold prose or ids. */
static const char *const untemplated_args[] = {
	"task_id", "owner", "email", "pool", "queue", "trigger_rule", "weight_rule", "doc", "doc_md",
	"doc_rst", "doc_json", "doc_yaml", "params", "default_args", "task_display_name", "executor",
	"mode", NULL
};

static int
in_list(const char *const *list, const char *s, size_t n)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (strlen(list[i]) == n && memcmp(list[i], s, n) == 0)
			return 1;
	return 0;
}

#define MAX_LOCALS 64
#define MAX_BLOCKS 32

struct jx {
	struct dc_ctx *ctx;
	const char *dag_id, *task_id;
	const struct dc_val *macros, *filters;	/* the DAG's user_defined_macros/filters */
	int names_ok, filters_ok;		/* 0 when those cannot be read */
	/* the string being checked */
	const char *s;
	size_t n;
	int line, col, multiline;
	struct { const char *p; size_t n; } locals[MAX_LOCALS];
	int nlocals;
};

static void
pos_of(const struct jx *J, size_t off, int *line, int *col)
{
	size_t i, bol = 0;
	int nl = 0;

	for (i = 0; i < off && i < J->n; i++)
		if (J->s[i] == '\n') {
			nl++;
			bol = i + 1;
		}
	*line = J->line + nl;
	*col = nl ? (int)(off - bol) + 1 : J->col;
}

static void jreport(struct jx *J, const char *code, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
jreport(struct jx *J, const char *code, size_t off, const char *fmt, ...)
{
	struct pk_buf b = PK_BUF_INIT;
	va_list ap;
	int line, col;

	va_start(ap, fmt);
	pk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	pos_of(J, off, &line, &col);
	dc_report_once(J->ctx, code, line, col, J->dag_id, J->task_id, "%s", b.p ? b.p : "");
	pk_buf_release(&b);
}

static int
dict_has(const struct dc_val *d, const char *s, size_t n)
{
	int i;

	for (i = 0; d && d->kind == DV_DICT && i < d->nitems; i++)
		if (d->keys[i]->kind == DV_STR && d->keys[i]->n == n && memcmp(d->keys[i]->s, s, n) == 0)
			return 1;
	return 0;
}

static void
add_local(struct jx *J, const char *p, size_t n)
{
	if (J->nlocals < MAX_LOCALS) {
		J->locals[J->nlocals].p = p;
		J->locals[J->nlocals].n = n;
		J->nlocals++;
	}
}

static int
is_local(const struct jx *J, const char *p, size_t n)
{
	int i;

	for (i = 0; i < J->nlocals; i++)
		if (J->locals[i].n == n && memcmp(J->locals[i].p, p, n) == 0)
			return 1;
	return 0;
}

static int
ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static int
ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Collect every identifier of s[a..b) as a local (targets of for/set/macro). */
static void
locals_in(struct jx *J, size_t a, size_t b)
{
	size_t i = a;

	while (i < b) {
		if (J->s[i] == '\'' || J->s[i] == '"') {
			char q = J->s[i++];

			while (i < b && J->s[i] != q)
				i++;
			i++;
			continue;
		}
		if (ident_start(J->s[i])) {
			size_t s0 = i;

			while (i < b && ident_char(J->s[i]))
				i++;
			if (!in_list(jinja_keywords, J->s + s0, i - s0))
				add_local(J, J->s + s0, i - s0);
			continue;
		}
		i++;
	}
}

static void
check_root(struct jx *J, size_t off, const char *p, size_t n)
{
	size_t i;

	for (i = 0; removed_names[i].name; i++)
		if (strlen(removed_names[i].name) == n && memcmp(removed_names[i].name, p, n) == 0) {
			jreport(J, "DC503", off, "template variable '%.*s' was removed in Airflow 3 (use %s)",
			    (int)n, p, removed_names[i].use);
			return;
		}
	if (!J->names_ok || in_list(context_names, p, n) || is_local(J, p, n) || dict_has(J->macros, p, n))
		return;
	jreport(J, "DC502", off,
	    "template variable '%.*s' is not in Airflow's context, params or user_defined_macros",
	    (int)n, p);
}

/* The names an expression s[a..b) reads. */
static void
expr_names(struct jx *J, size_t a, size_t b)
{
	enum { P_NONE, P_DOT, P_PIPE, P_IS, P_OTHER } prev = P_NONE;
	const char *root = NULL;
	size_t rootn = 0, i = a;
	int chain = 0, depth = 0;

	while (i < b) {
		char c = J->s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			i++;
			continue;
		}
		if (c == '\'' || c == '"') {
			i++;
			while (i < b && J->s[i] != c) {
				if (J->s[i] == '\\')
					i++;
				i++;
			}
			i++;
			prev = P_OTHER;
			root = NULL;
			continue;
		}
		if (isdigit((unsigned char)c)) {
			while (i < b && (isalnum((unsigned char)J->s[i]) || J->s[i] == '.' || J->s[i] == '_'))
				i++;
			prev = P_OTHER;
			root = NULL;
			continue;
		}
		if (ident_start(c)) {
			size_t s0 = i, k;
			const char *w = J->s + i;
			size_t wn;

			while (i < b && ident_char(J->s[i]))
				i++;
			wn = i - s0;
			if (prev == P_DOT) {
				if (root && chain == 0 && rootn == 6 && memcmp(root, "macros", 6) == 0 &&
				    J->names_ok && !in_list(macro_names, w, wn))
					jreport(J, "DC502", s0, "unknown macro 'macros.%.*s'", (int)wn, w);
				if (root && chain == 0 && rootn == 3 && memcmp(root, "var", 3) == 0 &&
				    !(wn == 5 && memcmp(w, "value", 5) == 0) && !(wn == 4 && memcmp(w, "json", 4) == 0))
					jreport(J, "DC502", s0,
					    "'var.%.*s': Airflow's var has only var.value and var.json", (int)wn, w);
				chain++;
				prev = P_OTHER;
				continue;
			}
			if (prev == P_PIPE) {
				if (J->filters_ok && !in_list(filter_names, w, wn) && !dict_has(J->filters, w, wn))
					jreport(J, "DC502", s0, "unknown Jinja filter '%.*s'", (int)wn, w);
				prev = P_OTHER;
				root = NULL;
				continue;
			}
			if (prev == P_IS) {
				prev = P_OTHER;
				if (!(wn == 3 && memcmp(w, "not", 3) == 0))
					continue;
				prev = P_IS;
				continue;
			}
			if (in_list(jinja_keywords, w, wn)) {
				prev = (wn == 2 && memcmp(w, "is", 2) == 0) ? P_IS : P_OTHER;
				root = NULL;
				continue;
			}
			/* keyword argument name in a call: f(x=1) */
			for (k = i; k < b && (J->s[k] == ' ' || J->s[k] == '\t'); k++)
				;
			if (depth > 0 && k < b && J->s[k] == '=' && (k + 1 >= b || J->s[k + 1] != '=')) {
				prev = P_OTHER;
				continue;
			}
			check_root(J, s0, w, wn);
			root = w;
			rootn = wn;
			chain = 0;
			prev = P_OTHER;
			continue;
		}
		if (c == '.') {
			prev = P_DOT;
			i++;
			continue;
		}
		if (c == '|') {
			prev = P_PIPE;
			i++;
			continue;
		}
		if (c == '(' || c == '[' || c == '{')
			depth++;
		else if ((c == ')' || c == ']' || c == '}') && depth > 0)
			depth--;
		if (c != ')' && c != ']') {
			root = NULL;
		}
		prev = P_OTHER;
		i++;
	}
}

/* Find the closer ("}}", "%}", "#}") of a tag whose body starts at i; a
 * quote inside an expression hides delimiters. Returns its offset, or n when
 * the tag is not closed (*bad: offset of another opener met first, or n). */
static size_t
closer(const struct jx *J, size_t i, char kind, size_t *bad)
{
	size_t n = J->n;
	const char *s = J->s;

	*bad = n;
	while (i + 1 < n) {
		if (kind != '#' && (s[i] == '\'' || s[i] == '"')) {
			char q = s[i];
			size_t k = i + 1;

			while (k < n && s[k] != q && s[k] != '\n')
				k++;
			if (k < n && s[k] == q) {
				i = k + 1;
				continue;
			}
		}
		if (kind == '{' && s[i] == '}' && s[i + 1] == '}')
			return i;
		if (kind != '{' && s[i] == kind && s[i + 1] == '}')
			return i;
		if (kind != '#' && s[i] == '{' && (s[i + 1] == '{' || s[i + 1] == '%')) {
			*bad = i;
			return n;
		}
		i++;
	}
	return n;
}

static const char *const block_tags[] = {
	"if", "for", "macro", "call", "filter", "with", "block", "autoescape", "trans", NULL
};
static const char *const simple_tags[] = {
	"include", "import", "from", "extends", "do", "break", "continue", "print", "set", "else", "elif",
	"pluralize", NULL
};

struct tag {
	size_t off;
	const char *name;
	size_t n;
};

static void
trim(const char *s, size_t *a, size_t *b)
{
	if (*a < *b && (s[*a] == '-' || s[*a] == '+'))
		(*a)++;
	if (*b > *a && (s[*b - 1] == '-' || s[*b - 1] == '+'))
		(*b)--;
	while (*a < *b && isspace((unsigned char)s[*a]))
		(*a)++;
	while (*b > *a && isspace((unsigned char)s[*b - 1]))
		(*b)--;
}

/*
 * {% with a = 1, b = x | f(1, 2) %}: each name before a top-level '=' (not
 * '==') that starts the tag or follows a top-level ',' is a local, as
 * Jinja's parse_with reads them (jinja2/parser.py).
 */
static void
with_locals(struct jx *J, size_t a, size_t b)
{
	const char *s = J->s;
	size_t i = a;
	int depth = 0, at_start = 1;

	while (i < b) {
		char c = s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			i++;
			continue;
		}
		if (c == '\'' || c == '"') {
			i++;
			while (i < b && s[i] != c)
				i += s[i] == '\\' ? 2 : 1;
			i++;
			at_start = 0;
			continue;
		}
		if (depth == 0 && at_start && ident_start(c)) {
			size_t k = i, e;

			while (i < b && ident_char(s[i]))
				i++;
			e = i;
			while (i < b && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
				i++;
			if (i < b && s[i] == '=' && (i + 1 >= b || s[i + 1] != '='))
				add_local(J, s + k, e - k);
			at_start = 0;
			continue;
		}
		if (c == '(' || c == '[' || c == '{')
			depth++;
		else if ((c == ')' || c == ']' || c == '}') && depth > 0)
			depth--;
		at_start = depth == 0 && c == ',';
		i++;
	}
}

/* Offset of `kw` as a whole word in s[a..b), or b. */
static size_t
word_at(const char *s, size_t a, size_t b, const char *kw)
{
	size_t k = strlen(kw), i;

	for (i = a; i + k <= b; i++)
		if (memcmp(s + i, kw, k) == 0 && (i == a || !ident_char(s[i - 1])) &&
		    (i + k == b || !ident_char(s[i + k])))
			return i;
	return b;
}

/* One pass over the string: pass 0 checks structure and collects locals,
 * pass 1 checks names. */
static void
scan(struct jx *J, int pass)
{
	const char *s = J->s;
	size_t n = J->n, i = 0, end, bad;
	struct tag stack[MAX_BLOCKS];
	int sp = 0;

	while (i + 1 < n) {
		if (s[i] == '}' && s[i + 1] == '}' && pass == 0) {
			/* "{ ds }}": one brace too few at the start */
			size_t k = i;

			while (k > 0 && s[k - 1] == ' ')
				k--;
			while (k > 0 && (ident_char(s[k - 1]) || s[k - 1] == '.'))
				k--;
			while (k > 0 && s[k - 1] == ' ')
				k--;
			if (k > 0 && s[k - 1] == '{' && (k < 2 || s[k - 2] != '{') && k < i) {
				size_t w = k;

				while (w < i && s[w] == ' ')
					w++;
				if (w < i && ident_start(s[w]))
					jreport(J, "DC501", k - 1,
					    "'{%.*s}}' opens with one brace: Jinja needs '{{'", (int)(i - k), s + k);
			}
			i += 2;
			continue;
		}
		if (s[i] != '{' || (s[i + 1] != '{' && s[i + 1] != '%' && s[i + 1] != '#')) {
			i++;
			continue;
		}
		{
			char kind = s[i + 1];
			const char *open = kind == '{' ? "{{" : kind == '%' ? "{%" : "{#";
			const char *close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
			size_t a = i + 2, b;

			end = closer(J, a, kind, &bad);
			if (end >= n) {
				if (pass == 0)
					jreport(J, "DC501", i, "'%s' is never closed by '%s'", open, close);
				if (bad >= n)
					return;
				i = bad;
				continue;
			}
			b = end;
			trim(s, &a, &b);
			if (kind == '{') {
				if (pass == 1)
					expr_names(J, a, b);
			} else if (kind == '%') {
				size_t t = a, te, rest;

				while (t < b && ident_char(s[t]))
					t++;
				te = t;
				rest = t;
				if (te - a == 3 && memcmp(s + a, "raw", 3) == 0) {
					/* everything up to {% endraw %} is text */
					size_t k = end + 2;

					for (; k + 1 < n; k++)
						if (s[k] == '{' && s[k + 1] == '%' &&
						    word_at(s, k + 2, k + 12 < n ? k + 12 : n, "endraw") < (k + 12 < n ? k + 12 : n))
							break;
					if (k + 1 >= n) {
						if (pass == 0)
							jreport(J, "DC501", i, "'{%% raw %%}' is never closed by '{%% endraw %%}'");
						return;
					}
					/* past the endraw tag's own closer */
					while (k + 1 < n && !(s[k] == '%' && s[k + 1] == '}'))
						k++;
					i = k + 2;
					continue;
				}
				if (pass == 0) {
					int set_block = te - a == 3 && memcmp(s + a, "set", 3) == 0 &&
					    memchr(s + te, '=', b - te) == NULL;

					if (te == a) {
						jreport(J, "DC501", i, "'{%%' without a tag name");
					} else if (in_list(block_tags, s + a, te - a) || set_block) {
						if (sp < MAX_BLOCKS) {
							stack[sp].off = i;
							stack[sp].name = s + a;
							stack[sp].n = te - a;
							sp++;
						}
					} else if (te - a > 3 && memcmp(s + a, "end", 3) == 0) {
						if (sp == 0)
							jreport(J, "DC501", i, "'{%% %.*s %%}' closes no open block",
							    (int)(te - a), s + a);
						else if (stack[sp - 1].n != te - a - 3 ||
						    memcmp(stack[sp - 1].name, s + a + 3, te - a - 3) != 0) {
							int line, col;

							pos_of(J, i, &line, &col);
							dc_report_once(J->ctx, "DC501", line, col, J->dag_id, J->task_id,
							    "'{%% %.*s %%}' closes '{%% %.*s %%}'", (int)(te - a), s + a,
							    (int)stack[sp - 1].n, stack[sp - 1].name);
							sp--;
						} else {
							sp--;
						}
					} else if (!in_list(simple_tags, s + a, te - a)) {
						jreport(J, "DC501", i, "unknown Jinja tag '{%% %.*s %%}'",
						    (int)(te - a), s + a);
					}
					/* locals: for x, y in ...; set x = ...; macro m(a, b); with a = ...; import ... as x */
					if (te - a == 3 && memcmp(s + a, "for", 3) == 0)
						locals_in(J, rest, word_at(s, rest, b, "in"));
					else if (te - a == 3 && memcmp(s + a, "set", 3) == 0) {
						const char *eq = memchr(s + rest, '=', b - rest);

						locals_in(J, rest, eq ? (size_t)(eq - s) : b);
					} else if (te - a == 5 && memcmp(s + a, "macro", 5) == 0)
						locals_in(J, rest, b);
					else if ((te - a == 6 && memcmp(s + a, "import", 6) == 0) ||
					    (te - a == 4 && memcmp(s + a, "from", 4) == 0)) {
						size_t as = word_at(s, rest, b, "import");

						if (te - a == 6)
							as = word_at(s, rest, b, "as");
						if (as < b)
							locals_in(J, as + (te - a == 6 ? 2 : 6), b);
					} else if (te - a == 4 && memcmp(s + a, "with", 4) == 0) {
						with_locals(J, rest, b);
					}
				} else {
					/* names read by the tag's expressions */
					if ((te - a == 2 && memcmp(s + a, "if", 2) == 0) ||
					    (te - a == 4 && memcmp(s + a, "elif", 4) == 0) ||
					    (te - a == 2 && memcmp(s + a, "do", 2) == 0) ||
					    (te - a == 5 && memcmp(s + a, "print", 5) == 0))
						expr_names(J, rest, b);
					else if (te - a == 3 && memcmp(s + a, "for", 3) == 0) {
						size_t in = word_at(s, rest, b, "in");

						if (in < b)
							expr_names(J, in + 2, b);
					} else if (te - a == 3 && memcmp(s + a, "set", 3) == 0) {
						const char *eq = memchr(s + rest, '=', b - rest);

						if (eq)
							expr_names(J, (size_t)(eq - s) + 1, b);
					} else if (te - a == 4 && memcmp(s + a, "call", 4) == 0) {
						expr_names(J, rest, b);
					}
				}
			}
			i = end + 2;
		}
	}
	if (pass == 0)
		while (sp > 0) {
			sp--;
			{
				int line, col;

				pos_of(J, stack[sp].off, &line, &col);
				dc_report_once(J->ctx, "DC501", line, col, J->dag_id, J->task_id,
				    "'{%% %.*s %%}' is never closed by '{%% end%.*s %%}'", (int)stack[sp].n,
				    stack[sp].name, (int)stack[sp].n, stack[sp].name);
			}
		}
}

static void
check_string(struct jx *J, const char *s, size_t n, const struct py_node *node)
{
	if (node == NULL || n < 2)
		return;
	if (memchr(s, '{', n) == NULL && memchr(s, '}', n) == NULL)
		return;
	J->s = s;
	J->n = n;
	J->line = node->line;
	J->col = node->col;
	J->nlocals = 0;
	scan(J, 0);
	scan(J, 1);
}

static void
check_val(struct jx *J, const struct dc_val *v, int depth)
{
	int i;

	if (v == NULL || depth > 6)
		return;
	switch (v->kind) {
	case DV_STR:
		check_string(J, v->s, v->n, v->node);
		break;
	case DV_LIST: case DV_TUPLE: case DV_SET: case DV_DICT:
		for (i = 0; i < v->nitems; i++)
			check_val(J, v->items[i], depth + 1);
		break;
	default:
		break;
	}
}

static int
const_visit(const struct py_node *x, void *arg)
{
	struct jx *J = arg;

	if (x->kind == PY_LAMBDA)
		return 0;
	if (x->kind == PY_CONST && x->op == PC_STR)
		check_string(J, x->s, x->n, x);
	return 1;
}

static void
dag_context(struct jx *J, const struct dc_dag *d)
{
	const struct dc_val *um = d ? dc_kw_get(&d->kw, "user_defined_macros") : NULL;
	const struct dc_val *uf = d ? dc_kw_get(&d->kw, "user_defined_filters") : NULL;

	J->names_ok = d != NULL && (um == NULL || (um->kind == DV_DICT && !um->open));
	J->filters_ok = d != NULL && (uf == NULL || (uf->kind == DV_DICT && !uf->open));
	J->macros = um;
	J->filters = uf;
	J->dag_id = d ? d->id : NULL;
}

void
dc_check_jinja(struct dc_ctx *ctx, const struct dc_model *m)
{
	struct jx J;
	int i, k;

	if (!dc_code_active(ctx, "DC501") && !dc_code_active(ctx, "DC502") &&
	    !dc_code_active(ctx, "DC503"))
		return;
	memset(&J, 0, sizeof J);
	J.ctx = ctx;
	for (i = 0; i < m->ntasks; i++) {
		const struct dc_task *t = m->tasks[i];

		dag_context(&J, (t->flags & DT_DAG_UNKNOWN) ? NULL : t->dag);
		J.task_id = t->id;
		if (t->flags & DT_DECORATED) {
			/* a @task call's arguments are its op_args/op_kwargs, which Airflow renders */
			const struct py_node *c = t->call;

			for (k = 0; c && c->kind == PY_CALL && k < c->nv; k++)
				dc_walk(c->v[k], const_visit, &J);
			for (k = 0; c && c->kind == PY_CALL && k < c->nw; k++)
				dc_walk(c->w[k]->a, const_visit, &J);
			continue;
		}
		for (k = 0; k < t->kw.n; k++) {
			const struct dc_kw *kw = &t->kw.v[k];

			if (kw->name == NULL || in_list(untemplated_args, kw->name, strlen(kw->name)))
				continue;
			check_val(&J, kw->val, 0);
		}
	}
}
