/*
 * template - compiles and renders logsplit's -O path templates.
 */
#include "cmd/logsplit/template.h"

#include <stdlib.h>
#include <string.h>

#include "lib/time.h"

static void
add_part(struct tpl *t, enum tpl_kind kind, const char *lit, size_t litn)
{
	struct tpl_part *p;

	if (kind == TPL_LIT && t->n > 0 && t->part[t->n - 1].kind == TPL_LIT) {
		p = &t->part[t->n - 1];
		p->lit = pk_xrealloc(p->lit, p->litn + litn + 1);
		memcpy(p->lit + p->litn, lit, litn);
		p->litn += litn;
		p->lit[p->litn] = '\0';
		return;
	}
	t->part = pk_xrealloc(t->part, (t->n + 1) * sizeof *t->part);
	p = &t->part[t->n++];
	memset(p, 0, sizeof *p);
	p->kind = kind;
	if (kind == TPL_LIT) {
		p->lit = pk_xstrndup(lit, litn);
		p->litn = litn;
	}
}

/* ":0N" after partition or seq: N from 1 to 20. */
static int
parse_width(const char *s, size_t n, int *width)
{
	size_t i;
	int w = 0;

	if (n < 3 || s[0] != ':' || s[1] != '0')
		return -1;
	for (i = 2; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		w = w * 10 + (s[i] - '0');
		if (w > 20)
			return -1;
	}
	if (w < 1)
		return -1;
	*width = w;
	return 0;
}

int
tpl_compile(struct tpl *t, const char *text, struct pk_err *err)
{
	const char *s = text, *close;

	if (*text == '\0')
		return pk_err_set(err, PK_ERR_USAGE, "empty -O template");
	while (*s != '\0') {
		size_t n, namen;
		const char *colon;

		if (s[0] == '{' && s[1] == '{') {
			add_part(t, TPL_LIT, "{", 1);
			s += 2;
			continue;
		}
		if (s[0] == '}' && s[1] == '}') {
			add_part(t, TPL_LIT, "}", 1);
			s += 2;
			continue;
		}
		if (s[0] == '}')
			return pk_err_set(err, PK_ERR_USAGE,
			    "-O template: unmatched '}' at byte %zu (write '}}' for a brace)",
			    (size_t)(s - text) + 1);
		if (s[0] != '{') {
			n = strcspn(s, "{}");
			add_part(t, TPL_LIT, s, n);
			s += n;
			continue;
		}
		close = strchr(s, '}');
		if (close == NULL)
			return pk_err_set(err, PK_ERR_USAGE,
			    "-O template: unclosed '{' at byte %zu", (size_t)(s - text) + 1);
		n = (size_t)(close - s - 1);
		colon = memchr(s + 1, ':', n);
		namen = colon != NULL ? (size_t)(colon - s - 1) : n;
#define IS(name) (namen == sizeof(name) - 1 && memcmp(s + 1, name, namen) == 0)
		if (IS("partition") || IS("seq")) {
			enum tpl_kind k = IS("partition") ? TPL_PARTITION : TPL_SEQ;
			int width = 0;

			if (colon != NULL && parse_width(colon, n - namen, &width) < 0)
				return pk_err_set(err, PK_ERR_USAGE,
				    "-O template: bad width in '%.*s' (use {%.*s:03})", (int)n + 2, s,
				    (int)namen, s + 1);
			add_part(t, k, NULL, 0);
			t->part[t->n - 1].width = width;
			if (k == TPL_PARTITION)
				t->has_partition = 1;
			else
				t->has_seq = 1;
		} else if (colon != NULL) {
			return pk_err_set(err, PK_ERR_USAGE,
			    "-O template: only {partition} and {seq} take a width, not '%.*s'",
			    (int)n + 2, s);
		} else if (IS("date") || IS("hour") || IS("minute")) {
			add_part(t, IS("date") ? TPL_DATE : IS("hour") ? TPL_HOUR : TPL_MINUTE, NULL, 0);
			t->has_time = 1;
		} else {
			char *name = pk_xstrndup(s + 1, n);
			int rc;

			add_part(t, TPL_FIELD, NULL, 0);
			rc = pk_path_compile(&t->part[t->n - 1].path, name, err);
			free(name);
			if (rc < 0)
				return pk_err_set(err, PK_ERR_USAGE, "-O template: bad field '{%.*s}'",
				    (int)n, s + 1);
			t->has_field = 1;
		}
#undef IS
		s = close + 1;
	}
	return 0;
}

void
tpl_release(struct tpl *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->part[i].lit);
		if (t->part[i].kind == TPL_FIELD)
			pk_path_release(&t->part[i].path);
	}
	free(t->part);
	t->part = NULL;
	t->n = 0;
}

static void
add_num(struct pk_buf *out, uint64_t v, int width)
{
	char tmp[24];
	int n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	for (i = n; i < width; i++)
		pk_buf_addc(out, '0');
	while (n > 0)
		pk_buf_addc(out, tmp[--n]);
}

/* Field values become path text: refuse anything that could climb out. */
static int
field_value(const struct tpl_part *p, const struct pk_jdoc *doc, struct pk_buf *out,
    struct pk_buf *why)
{
	struct pk_jval v;
	size_t start = out->len, n;
	const char *s;

	if (!pk_json_get(doc, &p->path, &v)) {
		pk_buf_printf(why, "missing field '%s' for -O", p->path.text);
		return 0;
	}
	if (!pk_jval_key(&v, out)) {
		pk_buf_printf(why, "field '%s' is null (needed for -O)", p->path.text);
		return 0;
	}
	s = out->p + start;
	n = out->len - start;
	if (n == 0) {
		pk_buf_printf(why, "field '%s' is empty (needed for -O)", p->path.text);
		return 0;
	}
	if (memchr(s, '/', n) != NULL || memchr(s, '\0', n) != NULL ||
	    (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
		pk_buf_printf(why, "field '%s' value ", p->path.text);
		pk_buf_add_json_str(why, s, n > 80 ? 80 : n);
		pk_buf_adds(why, " would leave the output directory");
		return 0;
	}
	return 1;
}

int
tpl_render(const struct tpl *t, const struct pk_jdoc *doc, int32_t partition, int64_t ts_ns,
    struct pk_buf *out, struct pk_buf *why)
{
	struct pk_civil c;
	size_t i;

	pk_buf_reset(out);
	pk_buf_reset(why);
	if (t->has_time)
		pk_time_civil(ts_ns, &c);
	for (i = 0; i < t->n; i++) {
		const struct tpl_part *p = &t->part[i];

		switch (p->kind) {
		case TPL_LIT:
			pk_buf_add(out, p->lit, p->litn);
			break;
		case TPL_PARTITION:
			add_num(out, (uint64_t)partition, p->width);
			break;
		case TPL_SEQ:
			pk_buf_addc(out, '\0');
			pk_buf_addc(out, (char)p->width);
			break;
		case TPL_DATE:
			add_num(out, (uint64_t)c.year, 4);
			pk_buf_addc(out, '-');
			add_num(out, (uint64_t)c.month, 2);
			pk_buf_addc(out, '-');
			add_num(out, (uint64_t)c.day, 2);
			break;
		case TPL_HOUR:
			add_num(out, (uint64_t)c.hour, 2);
			break;
		case TPL_MINUTE:
			add_num(out, (uint64_t)c.minute, 2);
			break;
		case TPL_FIELD:
			if (!field_value(p, doc, out, why))
				return 0;
			break;
		}
	}
	return 1;
}

void
tpl_seq(const char *r, size_t rn, uint32_t seq, struct pk_buf *out)
{
	size_t i = 0, j;

	while (i < rn) {
		for (j = i; j < rn && r[j] != '\0'; j++)
			;
		pk_buf_add(out, r + i, j - i);
		if (j + 1 < rn) {
			add_num(out, seq, (unsigned char)r[j + 1]);
			j += 2;
		}
		i = j;
	}
}
