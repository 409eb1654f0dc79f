/*
 * config - a reader for the TOML that dagcheck's settings use (strings,
 * integers, booleans, arrays, inline tables, dotted keys, table headers; the
 * rest of TOML is read and skipped), the upward search for a configuration
 * file, and pools files.
 */
#include "cmd/dagcheck/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/buf.h"
#include "lib/json.h"

#define MAX_FILE (4u << 20)
#define MAX_SEGS 16
#define MAX_DEPTH 32

enum tt { T_STR, T_INT, T_BOOL, T_ARR, T_TAB, T_OTHER };

struct tval {
	enum tt type;
	char *s;			/* T_STR */
	long long i;			/* T_INT, T_BOOL */
	struct tval **items;		/* T_ARR, T_TAB values */
	char **keys;			/* T_TAB */
	int n;
	int line;
};

struct toml {
	const char *p, *end;
	int line;
	const char *path;
	struct pk_err *err;
	int failed;
};

static void
tval_free(struct tval *v)
{
	int i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n; i++) {
		tval_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	free(v);
}

static int
fail(struct toml *T, const char *why)
{
	if (!T->failed)
		pk_err_set(T->err, PK_ERR_USAGE, "%s:%d: %s", T->path, T->line, why);
	T->failed = 1;
	return -1;
}

static void
ws(struct toml *T)
{
	while (T->p < T->end && (*T->p == ' ' || *T->p == '\t'))
		T->p++;
}

/* Whitespace, newlines and comments (inside arrays). */
static void
ws_nl(struct toml *T)
{
	for (;;) {
		ws(T);
		if (T->p < T->end && *T->p == '#') {
			while (T->p < T->end && *T->p != '\n')
				T->p++;
		}
		if (T->p < T->end && (*T->p == '\n' || *T->p == '\r')) {
			if (*T->p == '\n')
				T->line++;
			T->p++;
			continue;
		}
		return;
	}
}

static int
hexval(const char *p, int n, unsigned long *out)
{
	int i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)p[i]))
			return -1;
		*out = *out * 16 + (unsigned long)(isdigit((unsigned char)p[i]) ? p[i] - '0' :
		    tolower((unsigned char)p[i]) - 'a' + 10);
	}
	return 0;
}

static void
utf8(struct pk_buf *b, unsigned long c)
{
	if (c < 0x80) {
		pk_buf_addc(b, (char)c);
	} else if (c < 0x800) {
		pk_buf_addc(b, (char)(0xC0 | (c >> 6)));
		pk_buf_addc(b, (char)(0x80 | (c & 0x3F)));
	} else if (c < 0x10000) {
		pk_buf_addc(b, (char)(0xE0 | (c >> 12)));
		pk_buf_addc(b, (char)(0x80 | ((c >> 6) & 0x3F)));
		pk_buf_addc(b, (char)(0x80 | (c & 0x3F)));
	} else {
		pk_buf_addc(b, (char)(0xF0 | (c >> 18)));
		pk_buf_addc(b, (char)(0x80 | ((c >> 12) & 0x3F)));
		pk_buf_addc(b, (char)(0x80 | ((c >> 6) & 0x3F)));
		pk_buf_addc(b, (char)(0x80 | (c & 0x3F)));
	}
}

/* A string of any of TOML's four kinds at T->p; 0 with out filled, or -1. */
static int
string(struct toml *T, struct pk_buf *out)
{
	char q = *T->p;
	int multi = T->end - T->p >= 3 && T->p[1] == q && T->p[2] == q;

	pk_buf_reset(out);
	T->p += multi ? 3 : 1;
	if (multi && T->p < T->end && *T->p == '\n') {
		T->line++;
		T->p++;
	}
	for (;;) {
		char c;

		if (T->p >= T->end)
			return fail(T, "unterminated string");
		c = *T->p;
		if (c == q) {
			if (!multi) {
				T->p++;
				break;
			}
			if (T->end - T->p >= 3 && T->p[1] == q && T->p[2] == q) {
				T->p += 3;
				/* up to two more quotes belong to the string */
				while (T->p < T->end && *T->p == q && out->len < SIZE_MAX) {
					pk_buf_addc(out, q);
					T->p++;
				}
				break;
			}
		}
		if (c == '\n') {
			if (!multi)
				return fail(T, "newline in a string");
			T->line++;
		}
		if (c == '\\' && q == '"') {
			unsigned long u;

			if (T->p + 1 >= T->end)
				return fail(T, "unterminated string");
			c = T->p[1];
			T->p += 2;
			switch (c) {
			case 'b': pk_buf_addc(out, '\b'); break;
			case 't': pk_buf_addc(out, '\t'); break;
			case 'n': pk_buf_addc(out, '\n'); break;
			case 'f': pk_buf_addc(out, '\f'); break;
			case 'r': pk_buf_addc(out, '\r'); break;
			case 'e': pk_buf_addc(out, 27); break;
			case '"': pk_buf_addc(out, '"'); break;
			case '\\': pk_buf_addc(out, '\\'); break;
			case 'u': case 'U': {
				int len = c == 'u' ? 4 : 8;

				if (T->end - T->p < len || hexval(T->p, len, &u) != 0 || u > 0x10FFFF ||
				    (u >= 0xD800 && u <= 0xDFFF))
					return fail(T, "invalid \\u escape in a string");
				utf8(out, u);
				T->p += len;
				break;
			}
			default:
				if (multi && (c == '\n' || c == ' ' || c == '\t' || c == '\r')) {
					/* line-ending backslash: trim the newline and following whitespace */
					T->p--;
					while (T->p < T->end && (*T->p == ' ' || *T->p == '\t' || *T->p == '\r' ||
					    *T->p == '\n')) {
						if (*T->p == '\n')
							T->line++;
						T->p++;
					}
					break;
				}
				return fail(T, "invalid escape in a string");
			}
			continue;
		}
		if ((unsigned char)c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return fail(T, "control character in a string");
		pk_buf_addc(out, c);
		T->p++;
	}
	if (out->p == NULL)
		pk_buf_adds(out, "");
	return 0;
}

static int
bare_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* A dotted key into segs (new strings); returns the count or -1. */
static int
key(struct toml *T, char **segs)
{
	struct pk_buf b = PK_BUF_INIT;
	int n = 0;

	for (;;) {
		ws(T);
		if (T->p < T->end && (*T->p == '"' || *T->p == '\'')) {
			if (T->end - T->p >= 3 && T->p[1] == *T->p && T->p[2] == *T->p) {
				pk_buf_release(&b);
				goto bad;
			}
			if (string(T, &b) != 0) {
				pk_buf_release(&b);
				goto bad;
			}
		} else {
			const char *s = T->p;

			while (T->p < T->end && bare_char(*T->p))
				T->p++;
			if (T->p == s) {
				pk_buf_release(&b);
				fail(T, "expected a key");
				goto bad;
			}
			pk_buf_reset(&b);
			pk_buf_add(&b, s, (size_t)(T->p - s));
		}
		if (n == MAX_SEGS) {
			pk_buf_release(&b);
			fail(T, "key has too many parts");
			goto bad;
		}
		segs[n++] = pk_buf_detach(&b, NULL);
		ws(T);
		if (T->p < T->end && *T->p == '.') {
			T->p++;
			continue;
		}
		return n;
	}
bad:
	while (n > 0)
		free(segs[--n]);
	return -1;
}

static struct tval *value(struct toml *T, int depth);

static struct tval *
tnew(enum tt type, int line)
{
	struct tval *v = pk_xcalloc(1, sizeof *v);

	v->type = type;
	v->line = line;
	return v;
}

static void
push(struct tval *v, char *k, struct tval *x)
{
	v->items = pk_xrealloc(v->items, (size_t)(v->n + 1) * sizeof *v->items);
	if (v->type == T_TAB)
		v->keys = pk_xrealloc(v->keys, (size_t)(v->n + 1) * sizeof *v->keys);
	v->items[v->n] = x;
	if (v->type == T_TAB)
		v->keys[v->n] = k;
	v->n++;
}

/* Set a dotted key inside an inline table (a.b = 1 makes a sub-table a). */
static int
tab_set(struct toml *T, struct tval *tab, char **segs, int n, struct tval *x)
{
	int i;

	for (i = 0; i < tab->n; i++)
		if (strcmp(tab->keys[i], segs[0]) == 0)
			break;
	if (n == 1) {
		if (i < tab->n)
			return fail(T, "duplicate key");
		push(tab, pk_xstrdup(segs[0]), x);
		return 0;
	}
	if (i == tab->n)
		push(tab, pk_xstrdup(segs[0]), tnew(T_TAB, T->line));
	if (tab->items[i]->type != T_TAB)
		return fail(T, "duplicate key");
	return tab_set(T, tab->items[i], segs + 1, n - 1, x);
}

static struct tval *
scalar(struct toml *T)
{
	const char *s = T->p;
	struct tval *v;
	char buf[64], *e;
	size_t n, k, j = 0;
	int digits_only = 1;

	while (T->p < T->end && (isalnum((unsigned char)*T->p) || strchr("+-_.:", *T->p)))
		T->p++;
	/* a date and time may be separated by one space */
	if (T->p - s == 10 && s[4] == '-' && T->end - T->p > 1 && *T->p == ' ' && isdigit((unsigned char)T->p[1])) {
		T->p++;
		while (T->p < T->end && (isalnum((unsigned char)*T->p) || strchr("+-_.:", *T->p)))
			T->p++;
	}
	n = (size_t)(T->p - s);
	if (n == 0) {
		fail(T, "expected a value");
		return NULL;
	}
	if ((n == 4 && memcmp(s, "true", 4) == 0) || (n == 5 && memcmp(s, "false", 5) == 0)) {
		v = tnew(T_BOOL, T->line);
		v->i = n == 4;
		return v;
	}
	for (k = 0; k < n; k++) {
		if (s[k] == '_' && k > 0 && k + 1 < n && isdigit((unsigned char)s[k - 1]) &&
		    isdigit((unsigned char)s[k + 1]))
			continue;
		if (!(isdigit((unsigned char)s[k]) || (k == 0 && (s[k] == '+' || s[k] == '-'))))
			digits_only = 0;
		if (j < sizeof buf - 1)
			buf[j++] = s[k];
	}
	buf[j] = 0;
	if (digits_only && j < sizeof buf - 1) {
		errno = 0;
		v = tnew(T_INT, T->line);
		v->i = strtoll(buf, &e, 10);
		if (errno || *e) {
			free(v);
			fail(T, "integer out of range");
			return NULL;
		}
		return v;
	}
	/* floats, hex/octal/binary integers, dates: read, not used by dagcheck */
	if (isdigit((unsigned char)s[0]) || s[0] == '+' || s[0] == '-' || strncmp(s, "inf", 3) == 0 ||
	    strncmp(s, "nan", 3) == 0)
		return tnew(T_OTHER, T->line);
	fail(T, "expected a value (strings need quotes)");
	return NULL;
}

static struct tval *
value(struct toml *T, int depth)
{
	struct tval *v;

	if (depth > MAX_DEPTH) {
		fail(T, "values nested too deeply");
		return NULL;
	}
	ws(T);
	if (T->p >= T->end) {
		fail(T, "expected a value");
		return NULL;
	}
	if (*T->p == '"' || *T->p == '\'') {
		struct pk_buf b = PK_BUF_INIT;

		v = tnew(T_STR, T->line);
		if (string(T, &b) != 0) {
			pk_buf_release(&b);
			free(v);
			return NULL;
		}
		v->s = pk_buf_detach(&b, NULL);
		return v;
	}
	if (*T->p == '[') {
		v = tnew(T_ARR, T->line);
		T->p++;
		for (;;) {
			struct tval *x;

			ws_nl(T);
			if (T->p < T->end && *T->p == ']') {
				T->p++;
				return v;
			}
			if ((x = value(T, depth + 1)) == NULL) {
				tval_free(v);
				return NULL;
			}
			push(v, NULL, x);
			ws_nl(T);
			if (T->p < T->end && *T->p == ',') {
				T->p++;
				continue;
			}
			if (T->p < T->end && *T->p == ']') {
				T->p++;
				return v;
			}
			tval_free(v);
			fail(T, "expected ',' or ']' in an array");
			return NULL;
		}
	}
	if (*T->p == '{') {
		v = tnew(T_TAB, T->line);
		T->p++;
		ws(T);
		if (T->p < T->end && *T->p == '}') {
			T->p++;
			return v;
		}
		for (;;) {
			char *segs[MAX_SEGS];
			int n, k;
			struct tval *x;

			if ((n = key(T, segs)) < 0) {
				tval_free(v);
				return NULL;
			}
			ws(T);
			if (T->p >= T->end || *T->p != '=') {
				for (k = 0; k < n; k++)
					free(segs[k]);
				tval_free(v);
				fail(T, "expected '=' after a key");
				return NULL;
			}
			T->p++;
			x = value(T, depth + 1);
			if (x == NULL || tab_set(T, v, segs, n, x) != 0) {
				for (k = 0; k < n; k++)
					free(segs[k]);
				if (x && T->failed)
					tval_free(x);
				tval_free(v);
				return NULL;
			}
			for (k = 0; k < n; k++)
				free(segs[k]);
			ws(T);
			if (T->p < T->end && *T->p == ',') {
				T->p++;
				ws(T);
				continue;
			}
			if (T->p < T->end && *T->p == '}') {
				T->p++;
				return v;
			}
			tval_free(v);
			fail(T, "expected ',' or '}' in an inline table");
			return NULL;
		}
	}
	return scalar(T);
}

/* ---- settings ---------------------------------------------------------------- */

static int
same_key(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return 0;
	return *a == *b;
}

static char **
strings(struct toml *T, const struct tval *v, size_t *n)
{
	char **out = NULL;
	int i;

	*n = 0;
	if (v->type == T_STR) {
		const char *p = v->s;

		while (*p) {
			const char *e = p;

			while (*e && *e != ',')
				e++;
			while (p < e && *p == ' ')
				p++;
			if (e > p) {
				out = pk_xrealloc(out, (*n + 1) * sizeof *out);
				out[(*n)++] = pk_xstrndup(p, (size_t)(e - p));
			}
			p = *e ? e + 1 : e;
		}
		return out;
	}
	if (v->type != T_ARR) {
		fail(T, "expected an array of strings");
		return NULL;
	}
	for (i = 0; i < v->n; i++) {
		if (v->items[i]->type != T_STR) {
			while (*n > 0)
				free(out[--*n]);
			free(out);
			fail(T, "expected an array of strings");
			return NULL;
		}
		out = pk_xrealloc(out, (*n + 1) * sizeof *out);
		out[(*n)++] = pk_xstrdup(v->items[i]->s);
	}
	return out;
}

static void
free_strings(char **v, size_t n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

static char *
relative_to(const char *cfgpath, const char *p)
{
	const char *slash = strrchr(cfgpath, '/');
	struct pk_buf b = PK_BUF_INIT;

	if (p[0] == '/' || slash == NULL)
		return pk_xstrdup(p);
	pk_buf_add(&b, cfgpath, (size_t)(slash - cfgpath + 1));
	pk_buf_adds(&b, p);
	return pk_buf_detach(&b, NULL);
}

static int apply(struct toml *T, struct dc_settings *S, char **segs, int n, const struct tval *v);

static int
apply_severity(struct toml *T, struct dc_settings *S, const char *code, const struct tval *v)
{
	enum dc_sev sev;

	if (v->type != T_STR || dc_sev_parse(v->s, &sev) != 0 || sev == DS_NEVER)
		return fail(T, "a severity is \"error\", \"warning\" or \"info\"");
	if (strncmp(code, "DC", 2) != 0 && strncmp(code, "dc", 2) != 0)
		return fail(T, "severity keys are rule codes or prefixes (DC301, DC3)");
	S->sevs = pk_xrealloc(S->sevs, (S->nsevs + 1) * sizeof *S->sevs);
	S->sevs[S->nsevs].code = pk_xstrdup(code);
	S->sevs[S->nsevs].sev = sev;
	S->nsevs++;
	return 0;
}

static int
apply(struct toml *T, struct dc_settings *S, char **segs, int n, const struct tval *v)
{
	const char *k = segs[0];
	int i;

	T->line = v->line;
	if (n == 0) {
		/* a whole table: each of its keys */
		if (v->type != T_TAB)
			return fail(T, "expected a table");
		for (i = 0; i < v->n; i++) {
			char *one[1];

			one[0] = v->keys[i];
			if (apply(T, S, one, 1, v->items[i]) != 0)
				return -1;
		}
		return 0;
	}
	if (same_key(k, "severity")) {
		if (n == 2)
			return apply_severity(T, S, segs[1], v);
		if (n > 2 || v->type != T_TAB)
			return fail(T, "severity is a table of CODE = \"level\"");
		for (i = 0; i < v->n; i++)
			if (apply_severity(T, S, v->keys[i], v->items[i]) != 0)
				return -1;
		return 0;
	}
	if (n > 1 || v->type == T_TAB) {
		if (n == 1 && v->type == T_TAB) {
			pk_err_set(T->err, PK_ERR_USAGE, "%s:%d: '%s' is not a table", T->path, v->line, k);
			T->failed = 1;
			return -1;
		}
		pk_err_set(T->err, PK_ERR_USAGE, "%s:%d: unknown setting '%s.%s'", T->path, v->line, k, segs[1]);
		T->failed = 1;
		return -1;
	}
	if (same_key(k, "select") || same_key(k, "ignore")) {
		size_t cnt;
		char **list = strings(T, v, &cnt);

		if (T->failed)
			return -1;
		if (same_key(k, "select")) {
			free_strings(S->select, S->nselect);
			S->select = list;
			S->nselect = cnt;
			S->has_select = 1;
		} else {
			free_strings(S->ignore, S->nignore);
			S->ignore = list;
			S->nignore = cnt;
			S->has_ignore = 1;
		}
		return 0;
	}
	if (same_key(k, "require")) {
		size_t cnt, j;
		char **list = strings(T, v, &cnt);
		struct pk_err e = PK_ERR_INIT;

		if (T->failed)
			return -1;
		S->require = 0;
		for (j = 0; j < cnt; j++) {
			unsigned bit;

			if (dc_require_parse(list[j], &bit, &e) != 0) {
				free_strings(list, cnt);
				return fail(T, e.msg);
			}
			S->require |= bit;
		}
		free_strings(list, cnt);
		S->has_require = 1;
		return 0;
	}
	if (same_key(k, "fail-on")) {
		if (v->type != T_STR || dc_sev_parse(v->s, &S->fail_on) != 0)
			return fail(T, "fail-on is \"error\", \"warning\", \"info\" or \"never\"");
		S->has_fail_on = 1;
		return 0;
	}
	if (same_key(k, "target-version")) {
		long long t = v->type == T_INT ? v->i : v->type == T_STR ? strtoll(v->s, NULL, 10) : 0;

		if ((t != 2 && t != 3) || (v->type == T_STR && strlen(v->s) != 1))
			return fail(T, "target-version is 2 or 3");
		S->target = (int)t;
		return 0;
	}
	if (same_key(k, "pools") || same_key(k, "known-dags")) {
		if (v->type != T_STR || v->s[0] == 0)
			return fail(T, "expected a file name (a string)");
		if (same_key(k, "pools")) {
			free(S->pools);
			S->pools = relative_to(T->path, v->s);
		} else {
			free(S->known_dags);
			S->known_dags = relative_to(T->path, v->s);
		}
		return 0;
	}
	if (same_key(k, "ignore-syntax")) {
		if (v->type != T_STR || (strcmp(v->s, "glob") != 0 && strcmp(v->s, "regexp") != 0))
			return fail(T, "ignore-syntax is \"regexp\" or \"glob\"");
		S->glob = strcmp(v->s, "glob") == 0;
		S->has_glob = 1;
		return 0;
	}
	pk_err_set(T->err, PK_ERR_USAGE, "%s:%d: unknown setting '%s'", T->path, v->line, k);
	T->failed = 1;
	return -1;
}

static int
is_pyproject(const char *path)
{
	const char *s = strrchr(path, '/');

	return strcmp(s ? s + 1 : path, "pyproject.toml") == 0;
}

static int
read_file(const char *path, struct pk_buf *b, struct pk_err *err)
{
	FILE *f = fopen(path, "rb");
	char tmp[8192];
	size_t n;

	if (f == NULL)
		return pk_err_errno(err, PK_ERR_USAGE, "cannot read '%s'", path);
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
		if (b->len + n > MAX_FILE) {
			fclose(f);
			return pk_err_set(err, PK_ERR_USAGE, "'%s': file too large", path);
		}
		pk_buf_add(b, tmp, n);
	}
	if (ferror(f)) {
		fclose(f);
		return pk_err_errno(err, PK_ERR_USAGE, "cannot read '%s'", path);
	}
	fclose(f);
	if (b->p == NULL)
		pk_buf_adds(b, "");
	return 0;
}

int
dc_config_load(const char *path, struct dc_settings *S, struct pk_err *err)
{
	struct pk_buf text = PK_BUF_INIT;
	struct toml T;
	char *table[MAX_SEGS];
	int ntable = 0, rc = 0, k;
	/* pyproject.toml: only [tool.dagcheck]; .dagcheck.toml: its top level */
	int py = is_pyproject(path);

	memset(S, 0, sizeof *S);
	S->path = pk_xstrdup(path);
	if (read_file(path, &text, err) != 0) {
		pk_buf_release(&text);
		return -1;
	}
	memset(&T, 0, sizeof T);
	T.p = text.p;
	T.end = text.p + text.len;
	T.line = 1;
	T.path = path;
	T.err = err;
	if (memchr(text.p, 0, text.len)) {
		pk_buf_release(&text);
		return pk_err_set(err, PK_ERR_USAGE, "%s: not a text file", path);
	}
	while (T.p < T.end && rc == 0) {
		char *segs[MAX_SEGS], *all[2 * MAX_SEGS];
		int n, nall = 0, mine, off;
		struct tval *v;

		ws_nl(&T);
		if (T.p >= T.end)
			break;
		if (*T.p == '[') {
			int arr = T.end - T.p > 1 && T.p[1] == '[';

			T.p += arr ? 2 : 1;
			for (k = 0; k < ntable; k++)
				free(table[k]);
			ntable = 0;
			if ((n = key(&T, table)) < 0) {
				rc = -1;
				break;
			}
			ntable = n;
			if (T.p >= T.end || *T.p != ']' || (arr && (T.end - T.p < 2 || T.p[1] != ']'))) {
				rc = fail(&T, "expected ']' after a table name");
				break;
			}
			T.p += arr ? 2 : 1;
			if (arr && ntable >= 2 && strcmp(table[0], "tool") == 0 && strcmp(table[1], "dagcheck") == 0 && py) {
				rc = fail(&T, "[[tool.dagcheck]] must be a table, not an array of tables");
				break;
			}
		} else {
			int line = T.line;

			if ((n = key(&T, segs)) < 0) {
				rc = -1;
				break;
			}
			ws(&T);
			if (T.p >= T.end || *T.p != '=') {
				for (k = 0; k < n; k++)
					free(segs[k]);
				rc = fail(&T, "expected '=' after a key");
				break;
			}
			T.p++;
			v = value(&T, 0);
			if (v == NULL) {
				for (k = 0; k < n; k++)
					free(segs[k]);
				rc = -1;
				break;
			}
			v->line = line;
			for (k = 0; k < ntable; k++)
				all[nall++] = table[k];
			for (k = 0; k < n; k++)
				all[nall++] = segs[k];
			mine = py ? nall >= 3 && strcmp(all[0], "tool") == 0 && strcmp(all[1], "dagcheck") == 0 : 1;
			off = py ? 2 : 0;
			if (mine) {
				int endline = T.line;

				rc = apply(&T, S, all + off, nall - off, v);
				if (rc == 0)
					T.line = endline;
			}
			tval_free(v);
			for (k = 0; k < n; k++)
				free(segs[k]);
			if (rc)
				break;
		}
		ws(&T);
		if (T.p < T.end && *T.p == '#')
			while (T.p < T.end && *T.p != '\n')
				T.p++;
		if (T.p < T.end && *T.p == '\r')
			T.p++;
		if (T.p < T.end && *T.p != '\n') {
			rc = fail(&T, "expected the end of the line");
			break;
		}
	}
	for (k = 0; k < ntable; k++)
		free(table[k]);
	pk_buf_release(&text);
	return rc;
}

void
dc_settings_release(struct dc_settings *S)
{
	size_t i;

	free(S->path);
	free_strings(S->select, S->nselect);
	free_strings(S->ignore, S->nignore);
	for (i = 0; i < S->nsevs; i++)
		free(S->sevs[i].code);
	free(S->sevs);
	free(S->pools);
	free(S->known_dags);
	memset(S, 0, sizeof *S);
}

/* ---- finding the file -------------------------------------------------------- */

static int
file_exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int
has_table(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int found = 0;

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof line, f)) {
		const char *p = line;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "[tool.dagcheck]", 15) == 0 || strncmp(p, "[tool.dagcheck.", 15) == 0 ||
		    strncmp(p, "tool.dagcheck", 13) == 0)
			found = 1;
	}
	fclose(f);
	return found;
}

char *
dc_config_find(const char *path)
{
	char *dir, *p;
	struct stat st;
	struct pk_buf b = PK_BUF_INIT;

	dir = realpath(path && strcmp(path, "-") != 0 ? path : ".", NULL);
	if (dir == NULL)
		return NULL;
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		p = strrchr(dir, '/');
		if (p)
			*(p == dir ? p + 1 : p) = 0;
	}
	for (;;) {
		pk_buf_reset(&b);
		pk_buf_printf(&b, "%s/.dagcheck.toml", strcmp(dir, "/") == 0 ? "" : dir);
		if (file_exists(b.p))
			break;
		pk_buf_reset(&b);
		pk_buf_printf(&b, "%s/pyproject.toml", strcmp(dir, "/") == 0 ? "" : dir);
		if (file_exists(b.p) && has_table(b.p))
			break;
		if (strcmp(dir, "/") == 0) {
			pk_buf_release(&b);
			free(dir);
			return NULL;
		}
		p = strrchr(dir, '/');
		*(p == dir ? p + 1 : p) = 0;
	}
	free(dir);
	return pk_buf_detach(&b, NULL);
}

/* ---- --require and --pools ------------------------------------------------------- */

int
dc_require_parse(const char *list, unsigned *out, struct pk_err *err)
{
	static const struct { const char *name; unsigned bit; } items[] = {
		{ "owner", DQ_OWNER }, { "sla", DQ_SLA }, { "retries", DQ_RETRIES },
		{ "execution_timeout", DQ_TIMEOUT }, { "on_failure_callback", DQ_CALLBACK }
	};
	const char *p = list;

	*out = 0;
	while (*p) {
		const char *e = p;
		size_t i, n;

		while (*e && *e != ',')
			e++;
		while (p < e && *p == ' ')
			p++;
		n = (size_t)(e - p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n > 0) {
			for (i = 0; i < sizeof items / sizeof items[0]; i++)
				if (strlen(items[i].name) == n && strncmp(items[i].name, p, n) == 0)
					break;
			if (i == sizeof items / sizeof items[0])
				return pk_err_set(err, PK_ERR_USAGE, "unknown --require item '%.*s' (owner, sla, "
				    "retries, execution_timeout, on_failure_callback)", (int)n, p);
			*out |= items[i].bit;
		}
		p = *e ? e + 1 : e;
	}
	return 0;
}

static void
add_pool(struct dc_config *cfg, const char *name, size_t n, long long slots)
{
	cfg->pools = pk_xrealloc(cfg->pools, (cfg->npools + 1) * sizeof *cfg->pools);
	cfg->pools[cfg->npools].name = pk_xstrndup(name, n);
	cfg->pools[cfg->npools].slots = slots;
	cfg->npools++;
}

static long long
slots_of(const struct pk_jval *obj)
{
	struct pk_jval s;
	int64_t i;

	if (obj->type != PK_J_OBJ || pk_jobj_get(obj, "slots", 5, &s) != 1 || pk_jval_i64(&s, &i) != 1)
		return -1;
	return i;
}

int
dc_pools_load(const char *path, struct dc_config *cfg, struct pk_err *err)
{
	struct pk_buf text = PK_BUF_INIT, name = PK_BUF_INIT;
	struct pk_err jerr = PK_ERR_INIT;
	struct pk_jval doc, list, item, nv;
	size_t pos = 0;
	int rc = 0;

	if (read_file(path, &text, err) != 0) {
		pk_buf_release(&text);
		return -1;
	}
	if (pk_json_value(text.p, text.len, &doc, &jerr) != 0) {
		rc = pk_err_set(err, PK_ERR_USAGE, "%s: not JSON: %s", path, jerr.msg);
		goto out;
	}
	if (doc.type == PK_J_OBJ && pk_jobj_get(&doc, "pools", 5, &list) == 1 && list.type == PK_J_ARR)
		;
	else if (doc.type == PK_J_ARR)
		list = doc;
	else if (doc.type == PK_J_OBJ) {
		struct pk_jfield f;

		/* airflow pools export: {"name": {"slots": N, "description": .., "include_deferred": ..}} */
		while (pk_jobj_next(&doc, &pos, &f) == 1) {
			struct pk_jval k = { PK_J_STR, f.kescaped, f.k - 1, f.kn + 2 };

			if (f.v.type != PK_J_OBJ) {
				rc = pk_err_set(err, PK_ERR_USAGE, "%s: pool '%.*s' is not an object with \"slots\"",
				    path, (int)f.kn, f.k);
				goto out;
			}
			pk_buf_reset(&name);
			pk_jval_text(&k, &name);
			add_pool(cfg, name.p ? name.p : "", name.len, slots_of(&f.v));
		}
		goto out;
	} else {
		rc = pk_err_set(err, PK_ERR_USAGE, "%s: expected `airflow pools export` JSON or the REST "
		    "API's pool list", path);
		goto out;
	}
	pos = 0;
	while (pk_jarr_next(&list, &pos, &item) == 1) {
		if (item.type != PK_J_OBJ || (pk_jobj_get(&item, "name", 4, &nv) != 1 &&
		    pk_jobj_get(&item, "pool", 4, &nv) != 1) || nv.type != PK_J_STR) {
			rc = pk_err_set(err, PK_ERR_USAGE, "%s: a pool without a \"name\"", path);
			goto out;
		}
		pk_buf_reset(&name);
		pk_jval_text(&nv, &name);
		add_pool(cfg, name.p ? name.p : "", name.len, slots_of(&item));
	}
out:
	pk_buf_release(&text);
	pk_buf_release(&name);
	if (rc == 0)
		cfg->pools_file = path;
	return rc;
}
