/*
 * security - DC401-DC403: credentials written into DAG files, found by the
 * names they are stored under, inside URIs, and by the shape of key material.
 * Every finding shows the secret redacted.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/dagcheck/checks.h"

/* ---- DC401: by name -------------------------------------------------------------- */

/* Words that make a name a credential's, and endings that make it a reference
 * to one (a connection id, a path, a variable name) rather than the secret. */
static const char *const secret_words[] = {
	"password", "passwd", "passphrase", "secret", "token", "apikey", "accesskey", "privatekey",
	"credential", "authorization", "sastoken", "signingkey", "clientkey", NULL
};
static const char *const reference_endings[] = {
	"id", "ids", "name", "names", "path", "file", "filename", "url", "uri", "env", "var", "variable",
	"field", "type", "length", "prefix", "suffix", "conn", "header", "expiry", "expires", "ttl",
	"endpoint", "arn", "key", "location", "dir", "template", "policy", "format", "mode", "hook",
	"backend", "ref", "kwargs", "secrets", NULL
};

/* Lowercase s without '_' and '-' into out (truncated). */
static void
squash(const char *s, size_t n, char *out, size_t cap)
{
	size_t i, k = 0;

	for (i = 0; i < n && k + 1 < cap; i++)
		if (s[i] != '_' && s[i] != '-' && s[i] != ' ')
			out[k++] = (char)tolower((unsigned char)s[i]);
	out[k] = 0;
}

/* The last '_'/'-' separated word of s, lowercased. */
static void
last_word(const char *s, size_t n, char *out, size_t cap)
{
	size_t e = n, b;

	while (e > 0 && (s[e - 1] == '_' || s[e - 1] == '-'))
		e--;
	b = e;
	while (b > 0 && s[b - 1] != '_' && s[b - 1] != '-')
		b--;
	/* camelCase: the last capitalised word */
	if (b == 0) {
		size_t c = e;

		while (c > 1 && !isupper((unsigned char)s[c - 1]))
			c--;
		if (c > 1 && isupper((unsigned char)s[c - 1]))
			b = c - 1;
	}
	squash(s + b, e - b, out, cap);
}

static int
secret_name(const char *s, size_t n)
{
	char sq[128], last[64];
	size_t i;
	int hit = 0;

	if (n == 0 || n >= sizeof sq)
		return 0;
	squash(s, n, sq, sizeof sq);
	if (strcmp(sq, "pwd") == 0 || strcmp(sq, "pass") == 0 || strcmp(sq, "dbpass") == 0)
		return 1;
	for (i = 0; secret_words[i]; i++)
		if (strstr(sq, secret_words[i]))
			hit = 1;
	if (!hit)
		return 0;
	last_word(s, n, last, sizeof last);
	/* "api_key", "private_key", "access_key" end in key but are the secret */
	if (strcmp(last, "key") == 0)
		return strstr(sq, "apikey") || strstr(sq, "privatekey") || strstr(sq, "accesskey") ||
		    strstr(sq, "secretkey") || strstr(sq, "signingkey") || strstr(sq, "clientkey");
	for (i = 0; reference_endings[i]; i++)
		if (strcmp(last, reference_endings[i]) == 0)
			return 0;
	return 1;
}

/* A string stored under a credential's name that is a value, not a pointer to one. */
static int
secret_value(const char *s, size_t n, size_t *off)
{
	size_t i;

	*off = 0;
	if (n >= 7 && (strncmp(s, "Bearer ", 7) == 0 || strncmp(s, "bearer ", 7) == 0))
		*off = 7;
	else if (n >= 6 && (strncmp(s, "Basic ", 6) == 0 || strncmp(s, "token ", 6) == 0))
		*off = 6;
	s += *off;
	n -= *off;
	if (n < 3)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == ' ' || s[i] == '\n' || s[i] == '\t')
			return 0;
	/* templates, environment references and printf placeholders point elsewhere */
	if (memchr(s, '{', n) || s[0] == '$' || memchr(s, '%', n) || s[0] == '<')
		return 0;
	for (i = 0; i < n && s[i] == '*'; i++)
		;
	return i < n;
}

struct sec {
	struct dc_ctx *ctx;
	struct pk_buf b;
};

static void
credential(struct sec *S, const char *name, size_t nn, const struct py_node *val)
{
	size_t off;

	if (val == NULL || val->kind != PY_CONST || (val->op != PC_STR && val->op != PC_BYTES))
		return;
	if (!secret_name(name, nn) || !secret_value(val->s, val->n, &off))
		return;
	pk_buf_reset(&S->b);
	pk_buf_add(&S->b, val->s, off);
	dc_redact(val->s + off, val->n - off, &S->b);
	dc_report_once(S->ctx, "DC401", val->line, val->col, NULL, NULL,
	    "hard-coded credential in '%.*s': '%s' (read it from a Connection, a Variable or a "
	    "secrets backend)", (int)nn, name, S->b.p);
}

static int
cred_visit(const struct py_node *x, void *arg)
{
	struct sec *S = arg;
	int i;

	switch (x->kind) {
	case PY_KEYWORD:
		if (x->s)
			credential(S, x->s, x->n, x->a);
		break;
	case PY_DICT:
		for (i = 0; i < x->nv && i < x->nw; i++)
			if (x->v[i] && x->v[i]->kind == PY_CONST && x->v[i]->op == PC_STR)
				credential(S, x->v[i]->s, x->v[i]->n, x->w[i]);
		break;
	case PY_ASSIGN:
		for (i = 0; i < x->nv; i++) {
			const struct py_node *t = x->v[i];

			if (t->kind == PY_NAME || t->kind == PY_ATTR)
				credential(S, t->s, t->n, x->a);
			/* os.environ["DB_PASSWORD"] = "x", conf["token"] = "x" */
			else if (t->kind == PY_SUBSCRIPT && t->b && t->b->kind == PY_CONST && t->b->op == PC_STR)
				credential(S, t->b->s, t->b->n, x->a);
		}
		break;
	case PY_ANNASSIGN:
		if (x->a && (x->a->kind == PY_NAME || x->a->kind == PY_ATTR))
			credential(S, x->a->s, x->a->n, x->c);
		break;
	case PY_CALL:
		/* os.environ.setdefault("DB_PASSWORD", "x"), Variable.set("api_token", "x") */
		if (x->nv >= 2 && x->v[0]->kind == PY_CONST && x->v[0]->op == PC_STR && x->a &&
		    x->a->kind == PY_ATTR && ((x->a->n == 10 && memcmp(x->a->s, "setdefault", 10) == 0) ||
		    (x->a->n == 3 && memcmp(x->a->s, "set", 3) == 0)))
			credential(S, x->v[0]->s, x->v[0]->n, x->v[1]);
		break;
	default:
		break;
	}
	return 1;
}

void
dc_check_credentials(struct dc_ctx *ctx, const struct dc_model *m)
{
	struct sec S;

	S.ctx = ctx;
	memset(&S.b, 0, sizeof S.b);
	dc_walk(m->parse.module, cred_visit, &S);
	pk_buf_release(&S.b);
}

/* ---- DC402 and DC403: in any string or comment ------------------------------------ */

struct at {
	int line, col;
};

/* Line and column of byte off inside a token starting at line:col. */
static struct at
position(const char *p, size_t off, int line, int col)
{
	struct at a = { line, col };
	size_t i, bol = 0;
	int nl = 0;

	for (i = 0; i < off; i++)
		if (p[i] == '\n') {
			nl++;
			bol = i + 1;
		}
	if (nl == 0) {
		a.col = col + (int)off;
	} else {
		a.line = line + nl;
		a.col = 1 + (int)(off - bol);
	}
	return a;
}

static int
scheme_char(char c)
{
	return isalnum((unsigned char)c) || c == '+' || c == '.' || c == '-';
}

static int
placeholder(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++)
		if (s[i] == '{' || s[i] == '%' || s[i] == '$' || s[i] == '<' || s[i] == '\\')
			return 1;
	for (i = 0; i < n && (s[i] == '*' || s[i] == 'x' || s[i] == 'X'); i++)
		;
	return i == n;
}

static void
uris(struct dc_ctx *ctx, const char *p, size_t n, int line, int col, struct pk_buf *b)
{
	size_t i;

	for (i = 0; i + 3 <= n; i++) {
		size_t s, u, at, colon;
		struct at pos;

		if (p[i] != ':' || p[i + 1] != '/' || p[i + 2] != '/')
			continue;
		for (s = i; s > 0 && scheme_char(p[s - 1]); s--)
			;
		if (s == i || !isalpha((unsigned char)p[s]))
			continue;
		u = i + 3;
		colon = 0;
		for (at = u; at < n; at++) {
			char c = p[at];

			if (c == '@' || c == '/' || c == '?' || c == '#' || c == ' ' || c == '"' || c == '\'' ||
			    c == '\n' || c == '\t')
				break;
			if (c == ':' && colon == 0)
				colon = at;
		}
		if (at >= n || p[at] != '@' || colon == 0)
			continue;
		if (placeholder(p + colon + 1, at - colon - 1))
			continue;
		pk_buf_reset(b);
		pk_buf_add(b, p + s, colon + 1 - s);
		dc_redact(p + colon + 1, at - colon - 1, b);
		{
			size_t h = at;

			while (h < n && p[h] != '/' && p[h] != '?' && p[h] != ' ' && p[h] != '"' &&
			    p[h] != '\'' && p[h] != '\n' && p[h] != '\\')
				h++;
			pk_buf_add(b, p + at, h - at);
		}
		pos = position(p, s, line, col);
		dc_report_once(ctx, "DC402", pos.line, pos.col, NULL, NULL,
		    "credentials inside a URI: '%s' (keep them in an Airflow Connection)", b->p);
		i = at;
	}
}

static int
run_of(const char *p, size_t n, size_t i, int (*ok)(int), size_t min)
{
	size_t k = i;

	while (k < n && ok((unsigned char)p[k]))
		k++;
	return k - i >= min ? (int)(k - i) : 0;
}

static int
upper_digit(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int
alnum(int c)
{
	return isalnum(c);
}

static int
token_char(int c)
{
	return isalnum(c) || c == '-' || c == '_';
}

static int
word_start(const char *p, size_t i)
{
	return i == 0 || !isalnum((unsigned char)p[i - 1]);
}

/*
 * Shapes of key material (DC403). Sources: AWS IAM "unique identifier
 * prefixes" (AKIA access keys, ASIA temporary ones); GitHub's token formats
 * (ghp_, gho_, ghu_, ghs_, ghr_ + 36 characters; github_pat_ fine-grained
 * tokens); Slack's token types (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-) and
 * incoming webhooks; PEM private key armour (RFC 7468).
 */
static void
keys(struct dc_ctx *ctx, const char *p, size_t n, int line, int col, struct pk_buf *b)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *what = NULL;
		size_t len = 0;
		int r;

		if (p[i] == 'A' && i + 20 <= n && word_start(p, i) &&
		    (strncmp(p + i, "AKIA", 4) == 0 || strncmp(p + i, "ASIA", 4) == 0) &&
		    (r = run_of(p, n, i + 4, upper_digit, 16)) == 16) {
			what = "AWS access key id";
			len = 20;
		} else if (p[i] == 'g' && i + 40 <= n && word_start(p, i) && p[i + 1] == 'h' &&
		    strchr("pousr", p[i + 2]) && p[i + 3] == '_' && run_of(p, n, i + 4, alnum, 36)) {
			what = "GitHub token";
			len = 4 + (size_t)run_of(p, n, i + 4, alnum, 36);
		} else if (p[i] == 'g' && strncmp(p + i, "github_pat_", 11) == 0 &&
		    (r = run_of(p, n, i + 11, token_char, 22)) > 0) {
			what = "GitHub token";
			len = 11 + (size_t)r;
		} else if (p[i] == 'x' && i + 5 < n && strncmp(p + i, "xox", 3) == 0 && strchr("bpars", p[i + 3]) &&
		    p[i + 4] == '-' && word_start(p, i) && (r = run_of(p, n, i + 5, token_char, 10)) > 0) {
			what = "Slack token";
			len = 5 + (size_t)r;
		} else if (p[i] == 'h' && strncmp(p + i, "https://hooks.slack.com/services/", 33) == 0 &&
		    (r = run_of(p, n, i + 33, token_char, 8)) > 0) {
			size_t k = i + 33;

			while (k < n && (token_char((unsigned char)p[k]) || p[k] == '/'))
				k++;
			what = "Slack webhook URL";
			len = k - i;
		} else if (p[i] == '-' && strncmp(p + i, "-----BEGIN ", 11) == 0) {
			size_t k = i + 11;

			while (k < n && k < i + 60 && p[k] != '-' && p[k] != '\n')
				k++;
			if (k + 5 <= n && strncmp(p + k, "-----", 5) == 0 && k - i >= 22 &&
			    strncmp(p + k - 11, "PRIVATE KEY", 11) == 0) {
				what = "private key";
				len = k + 5 - i;
			}
		}
		if (what == NULL)
			continue;
		{
			struct at pos = position(p, i, line, col);

			pk_buf_reset(b);
			if (strcmp(what, "private key") == 0)
				pk_buf_add(b, p + i, len);	/* the armour line, not the key */
			else if (strcmp(what, "Slack webhook URL") == 0) {
				pk_buf_adds(b, "https://hooks.slack.com/services/");
				dc_redact(p + i + 33, len - 33, b);
			} else
				dc_redact(p + i, len, b);
			dc_report_once(ctx, "DC403", pos.line, pos.col, NULL, NULL,
			    "%s in the source: '%s' (revoke it and keep it in a secrets backend)", what, b->p);
		}
		i += len ? len - 1 : 0;
	}
}

void
dc_check_secret_strings(struct dc_ctx *ctx, const struct dc_model *m)
{
	const struct py_tokens *tk = &m->parse.tok;
	struct pk_buf b = PK_BUF_INIT;
	size_t i;
	int uri = dc_code_active(ctx, "DC402"), key = dc_code_active(ctx, "DC403");

	if (!uri && !key)
		return;
	for (i = 0; i < tk->n; i++) {
		const struct py_token *t = &tk->t[i];

		if (t->type != PT_STRING)
			continue;
		if (uri && memchr(t->p, ':', t->n))
			uris(ctx, t->p, t->n, t->line, t->col, &b);
		if (key)
			keys(ctx, t->p, t->n, t->line, t->col, &b);
	}
	for (i = 0; key && i < tk->nc; i++) {
		const struct py_comment *c = &tk->c[i];
		const char *bol = c->p;

		while (bol > m->src && bol[-1] != '\n')
			bol--;
		keys(ctx, c->p, c->n, c->line, (int)(c->p - bol) + 1, &b);
	}
	pk_buf_release(&b);
}
