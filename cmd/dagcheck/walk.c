/*
 * walk - syntax-tree helpers the rules share: names resolved through
 * imports, tree walks (all code, or only what runs at import time), secret
 * redaction.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/dagcheck/checks.h"

static int
name_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(s, w, n) == 0;
}

static int
qual(const struct dc_model *m, const struct py_node *x, struct pk_buf *out, int depth)
{
	int i;

	if (x == NULL || depth > 64)
		return 0;
	if (x->kind == PY_ATTR) {
		if (!qual(m, x->a, out, depth + 1))
			return 0;
		pk_buf_addc(out, '.');
		pk_buf_add(out, x->s, x->n);
		return 1;
	}
	if (x->kind != PY_NAME)
		return 0;
	for (i = m->nimports - 1; i >= 0; i--) {
		const struct dc_import *im = &m->imports[i];

		if (im->name == NULL) {
			const char *dot;

			if (im->asname) {
				if (name_is(x->s, x->n, im->asname)) {
					pk_buf_adds(out, im->module);
					return 1;
				}
				continue;
			}
			/* `import a.b.c` binds a */
			dot = strchr(im->module, '.');
			if ((size_t)(dot ? dot - im->module : (ptrdiff_t)strlen(im->module)) == x->n &&
			    memcmp(im->module, x->s, x->n) == 0) {
				pk_buf_add(out, x->s, x->n);
				return 1;
			}
			continue;
		}
		if (name_is(x->s, x->n, im->asname ? im->asname : im->name)) {
			pk_buf_printf(out, "%s.%s", im->module, im->name);
			return 1;
		}
	}
	pk_buf_add(out, x->s, x->n);
	return 1;
}

int
dc_qualname(const struct dc_model *m, const struct py_node *x, struct pk_buf *out)
{
	pk_buf_reset(out);
	if (!qual(m, x, out, 0)) {
		pk_buf_reset(out);
		return 0;
	}
	return 1;
}

void
dc_walk(const struct py_node *x, dc_visit_fn fn, void *arg)
{
	int i;

	if (x == NULL || !fn(x, arg))
		return;
	dc_walk(x->a, fn, arg);
	dc_walk(x->b, fn, arg);
	dc_walk(x->c, fn, arg);
	dc_walk(x->d, fn, arg);
	for (i = 0; i < x->nv; i++)
		dc_walk(x->v[i], fn, arg);
	for (i = 0; i < x->nw; i++)
		dc_walk(x->w[i], fn, arg);
}

const struct py_node *
dc_call_kw(const struct py_node *call, const char *name)
{
	int i;

	if (call == NULL || call->kind != PY_CALL)
		return NULL;
	for (i = call->nw - 1; i >= 0; i--)
		if (call->w[i]->kind == PY_KEYWORD && call->w[i]->s && name_is(call->w[i]->s, call->w[i]->n, name))
			return call->w[i];
	return NULL;
}

/* ---- import-time walk ------------------------------------------------------ */

struct itw {
	const struct dc_model *m;
	dc_visit_fn fn;
	void *arg;
	const struct py_node **defs;	/* every def in the file */
	char *walked;
	int ndefs, cap;
	const struct py_node **todo;
	int ntodo, captodo;
	struct pk_buf q;
};

static int
collect_defs(const struct py_node *x, void *arg)
{
	struct itw *W = arg;

	if (x->kind == PY_FUNCDEF) {
		if (W->ndefs == W->cap) {
			W->cap = W->cap ? W->cap * 2 : 16;
			W->defs = pk_xrealloc(W->defs, (size_t)W->cap * sizeof *W->defs);
		}
		W->defs[W->ndefs++] = x;
	}
	/* only statements hold defs */
	return x->kind >= PY_MODULE || x->kind == PY_KEYWORD;
}

/* A def whose body Airflow does not run when it calls it: @task functions. */
static int
task_decorated(struct itw *W, const struct py_node *def)
{
	int i;

	for (i = 0; i < def->nw; i++) {
		const struct py_node *d = def->w[i];
		const char *q, *last, *prev;

		if (d->kind == PY_CALL)
			d = d->a;
		if (!dc_qualname(W->m, d, &W->q))
			continue;
		q = W->q.p;
		if (strncmp(q, "airflow", 7) != 0)
			continue;
		last = strrchr(q, '.');
		last = last ? last + 1 : q;
		if (strcmp(last, "task") == 0 || (strlen(last) > 5 && strcmp(last + strlen(last) - 5, "_task") == 0))
			return 1;
		/* task.branch, task.virtualenv, ... */
		for (prev = last - 1; prev > q && prev[-1] != '.'; prev--)
			;
		if (last - prev == 5 && strncmp(prev, "task.", 5) == 0)
			return 1;
	}
	return 0;
}

static void itw_block(struct itw *W, const struct py_node *blk);

static int
itw_expr(const struct py_node *x, void *arg)
{
	struct itw *W = arg;
	int i;

	if (x->kind == PY_LAMBDA)
		return 0;
	if (!W->fn(x, W->arg))
		return 0;
	if (x->kind == PY_CALL && x->a && x->a->kind == PY_NAME)
		for (i = 0; i < W->ndefs; i++) {
			const struct py_node *d = W->defs[i];

			if (W->walked[i] || d->n != x->a->n || memcmp(d->s, x->a->s, d->n) != 0)
				continue;
			W->walked[i] = 1;
			if (task_decorated(W, d))
				continue;
			if (W->ntodo == W->captodo) {
				W->captodo = W->captodo ? W->captodo * 2 : 8;
				W->todo = pk_xrealloc(W->todo, (size_t)W->captodo * sizeof *W->todo);
			}
			W->todo[W->ntodo++] = d->a;
		}
	return 1;
}

static void
expr(struct itw *W, const struct py_node *x)
{
	dc_walk(x, itw_expr, W);
}

/* `if __name__ == "__main__":` and `if TYPE_CHECKING:` do not run in Airflow. */
static int
never_runs(struct itw *W, const struct py_node *test)
{
	if (test->kind == PY_COMPARE && test->a && test->a->kind == PY_NAME &&
	    name_is(test->a->s, test->a->n, "__name__"))
		return 1;
	if (dc_qualname(W->m, test, &W->q) && (strcmp(W->q.p, "TYPE_CHECKING") == 0 ||
	    strcmp(W->q.p, "typing.TYPE_CHECKING") == 0))
		return 1;
	return 0;
}

static void
itw_stmt(struct itw *W, const struct py_node *s)
{
	int i;

	if (s == NULL)
		return;
	switch (s->kind) {
	case PY_BLOCK: case PY_MODULE:
		itw_block(W, s);
		break;
	case PY_FUNCDEF:
		for (i = 0; i < s->nw; i++)
			expr(W, s->w[i]);
		for (i = 0; i < s->nv; i++)
			expr(W, s->v[i]->a);
		break;
	case PY_CLASS:
		for (i = 0; i < s->nv; i++)
			expr(W, s->v[i]);
		for (i = 0; i < s->nw; i++)
			expr(W, s->w[i]);
		itw_stmt(W, s->a);
		break;
	case PY_IF:
		if (!never_runs(W, s->a)) {
			expr(W, s->a);
			itw_stmt(W, s->b);
		}
		itw_stmt(W, s->c);
		break;
	case PY_FOR:
		expr(W, s->b);
		itw_stmt(W, s->c);
		itw_stmt(W, s->d);
		break;
	case PY_WHILE:
		expr(W, s->a);
		itw_stmt(W, s->c);
		itw_stmt(W, s->d);
		break;
	case PY_WITH:
		for (i = 0; i < s->nv; i++)
			expr(W, s->v[i]->a);
		itw_stmt(W, s->c);
		break;
	case PY_TRY:
		itw_stmt(W, s->c);
		for (i = 0; i < s->nv; i++)
			itw_stmt(W, s->v[i]->c);
		itw_stmt(W, s->d);
		itw_stmt(W, s->b);
		break;
	case PY_MATCH:
		expr(W, s->a);
		for (i = 0; i < s->nv; i++) {
			expr(W, s->v[i]->b);
			itw_stmt(W, s->v[i]->c);
		}
		break;
	case PY_EXPR: case PY_RETURN: case PY_RAISE: case PY_ASSERT:
		expr(W, s->a);
		expr(W, s->b);
		break;
	case PY_ASSIGN:
		expr(W, s->a);
		for (i = 0; i < s->nv; i++)
			expr(W, s->v[i]);
		break;
	case PY_AUGASSIGN:
		expr(W, s->a);
		expr(W, s->b);
		break;
	case PY_ANNASSIGN:
		expr(W, s->a);
		expr(W, s->c);
		break;
	default:
		break;
	}
}

static void
itw_block(struct itw *W, const struct py_node *blk)
{
	int i;

	for (i = 0; i < blk->nv; i++)
		itw_stmt(W, blk->v[i]);
}

void
dc_walk_import_time(const struct dc_model *m, dc_visit_fn fn, void *arg)
{
	struct itw W;

	if (!m->parsed || m->parse.module == NULL)
		return;
	memset(&W, 0, sizeof W);
	W.m = m;
	W.fn = fn;
	W.arg = arg;
	dc_walk(m->parse.module, collect_defs, &W);
	W.walked = pk_xcalloc((size_t)W.ndefs + 1, 1);
	itw_block(&W, m->parse.module);
	while (W.ntodo > 0)
		itw_stmt(&W, W.todo[--W.ntodo]);
	free(W.defs);
	free(W.walked);
	free(W.todo);
	pk_buf_release(&W.q);
}

/* ---- small things ------------------------------------------------------------ */

void
dc_redact(const char *s, size_t n, struct pk_buf *out)
{
	size_t i, stars;
	int ascii = 1;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80 || (unsigned char)s[i] < 0x20)
			ascii = 0;
	if (n < 8 || !ascii) {
		for (i = 0; i < (n < 8 ? n : 8); i++)
			pk_buf_addc(out, '*');
		return;
	}
	stars = n - 4 > 16 ? 16 : n - 4;
	pk_buf_add(out, s, 2);
	for (i = 0; i < stars; i++)
		pk_buf_addc(out, '*');
	pk_buf_add(out, s + n - 2, 2);
}

int
dc_templated(const char *s)
{
	return s && (strstr(s, "{{") != NULL || strstr(s, "{%") != NULL);
}

double
dc_seconds(const struct dc_val *v)
{
	if (v == NULL)
		return -1;
	if (v->kind == DV_DURATION || v->kind == DV_FLOAT)
		return v->f;
	if (v->kind == DV_INT)
		return (double)v->i;
	return -1;
}

/*
 * ExternalTaskMarker is a subclass of EmptyOperator (airflow/sensors/external_task.py,
 * providers/standard/sensors/external_task.py: "class ExternalTaskMarker(EmptyOperator)"),
 * so the scheduler marks it successful without running it, like EmptyOperator.
 */
int
dc_task_is_noop(const struct dc_task *t)
{
	if (t->flags & DT_EXT_MARKER)
		return 1;
	return t->op && (strcmp(t->op, "EmptyOperator") == 0 || strcmp(t->op, "DummyOperator") == 0);
}
