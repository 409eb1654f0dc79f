/*
 * model - abstract evaluation of a DAG file's AST: imports resolved by name,
 * DAG/TaskGroup contexts, operators, @dag/@task/@task_group functions,
 * dependencies, with every value it cannot know kept unknown.
 */
#include "cmd/dagcheck/model.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/hash.h"

/* Bounds on the evaluation of one file: statements + expressions evaluated,
 * nested inlined calls, items of a generated sequence. */
#define FUEL DC_EVAL_FUEL
#define MAX_INLINE 12
#define MAX_SEQ 10000
#define MAX_CTX 64

struct binding {
	const char *name;
	size_t n;
	struct dc_val *val;
};

/* Open-addressing index of a binding vector by name (slots hold index + 1),
 * so that a file with a million names is not a million linear searches. */
struct name_index {
	int *slot;
	int cap;
};

struct scope {
	struct binding *b;
	int n, cap;
	struct name_index ix;
	struct scope *parent;		/* module scope for function scopes */
	const struct py_node *func;	/* the function whose body runs here */
	const struct py_node *globals;	/* `global` statements collected lazily */
};

struct ev {
	struct dc_model *m;
	struct scope *sc;
	struct scope module;
	/* Airflow's DagContext and TaskGroupContext stacks; NULL entries mark an
	 * unknown context (a `with` over a value the linter cannot know) */
	struct dc_dag *dagctx[MAX_CTX];
	int unknown_dag[MAX_CTX];
	int ndag;
	struct dc_group *grpctx[MAX_CTX];
	int ngrp;
	int cond;			/* > 0 inside code that may not run */
	int inline_depth;
	const struct py_node *active[MAX_INLINE + 1];
	int returning;
	struct dc_val *retval;
	long fuel;
	/* names assigned somewhere in the file (anything else is undefined) */
	struct binding *assigned;
	int nassigned, capassigned;
	struct name_index assigned_ix;
	const char *star_module;	/* `from X import *` of an airflow module */
	int top;			/* evaluating module top level */
};

static struct dc_val unknown_val = { DV_UNKNOWN, 0, 0, 0, NULL, 0, NULL, NULL, 0, 0, NULL, NULL,
	NULL, NULL };

/* ---- allocation ---------------------------------------------------------- */

static void *
aalloc(struct ev *E, size_t n)
{
	void *p = py_alloc(&E->m->parse, n);

	memset(p, 0, n);
	return p;
}

static char *
astrndup(struct ev *E, const char *s, size_t n)
{
	return py_strndup(&E->m->parse, s, n);
}

/* Grow an arena vector (old contents copied; the old block is left to the arena). */
static void *
agrow(struct ev *E, void *v, int n, int *cap, size_t el)
{
	void *nv;

	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 8;
	nv = py_alloc(&E->m->parse, (size_t)*cap * el);
	if (n)
		memcpy(nv, v, (size_t)n * el);
	return nv;
}

static struct dc_val *
val_new(struct ev *E, enum dc_vkind k, const struct py_node *node)
{
	struct dc_val *v = aalloc(E, sizeof *v);

	v->kind = k;
	v->node = node;
	return v;
}

static struct dc_val *
val_str(struct ev *E, const char *s, size_t n, const struct py_node *node)
{
	struct dc_val *v = val_new(E, DV_STR, node);

	v->s = astrndup(E, s, n);
	v->n = n;
	return v;
}

static struct dc_val *
val_int(struct ev *E, long long i, const struct py_node *node)
{
	struct dc_val *v = val_new(E, DV_INT, node);

	v->i = i;
	return v;
}

static void
seq_push(struct ev *E, struct dc_val *seq, struct dc_val *x)
{
	seq->items = agrow(E, seq->items, seq->nitems, &seq->cap, sizeof *seq->items);
	seq->items[seq->nitems++] = x;
}

static void
dict_set(struct ev *E, struct dc_val *d, struct dc_val *k, struct dc_val *v)
{
	int i;

	if (k->kind == DV_STR)
		for (i = 0; i < d->nitems; i++)
			if (d->keys[i]->kind == DV_STR && d->keys[i]->n == k->n &&
			    memcmp(d->keys[i]->s, k->s, k->n) == 0) {
				d->items[i] = v;
				return;
			}
	if (d->nitems == d->cap) {
		int cap = d->cap;

		d->items = agrow(E, d->items, d->nitems, &cap, sizeof *d->items);
		cap = d->cap;
		d->keys = agrow(E, d->keys, d->nitems, &cap, sizeof *d->keys);
		d->cap = cap;
	}
	d->keys[d->nitems] = k;
	d->items[d->nitems++] = v;
}

const struct dc_val *
dc_dict_get(const struct dc_val *d, const char *key)
{
	size_t kn = strlen(key);
	int i;

	if (d == NULL || d->kind != DV_DICT)
		return d == NULL ? NULL : &unknown_val;
	for (i = d->nitems - 1; i >= 0; i--)
		if (d->keys[i]->kind == DV_STR && d->keys[i]->n == kn &&
		    memcmp(d->keys[i]->s, key, kn) == 0)
			return d->items[i];
	return d->open ? &unknown_val : NULL;
}

const struct dc_val *
dc_kw_get(const struct dc_kwlist *kw, const char *name)
{
	int i;

	for (i = kw->n - 1; i >= 0; i--)
		if (kw->v[i].name && strcmp(kw->v[i].name, name) == 0)
			return kw->v[i].val;
	return kw->open ? &unknown_val : NULL;
}

static void
kw_add(struct ev *E, struct dc_kwlist *kw, const char *name, struct dc_val *val,
    const struct py_node *node)
{
	kw->v = agrow(E, kw->v, kw->n, &kw->cap, sizeof *kw->v);
	kw->v[kw->n].name = name;
	kw->v[kw->n].val = val;
	kw->v[kw->n].node = node;
	kw->n++;
}

static void
kw_copy(struct ev *E, struct dc_kwlist *dst, const struct dc_kwlist *src)
{
	int i;

	for (i = 0; i < src->n; i++)
		kw_add(E, dst, src->v[i].name, src->v[i].val, src->v[i].node);
	dst->open |= src->open;
}

int
dc_val_is_const(const struct dc_val *v)
{
	return v && (v->kind == DV_NONE || v->kind == DV_BOOL || v->kind == DV_INT ||
	    v->kind == DV_FLOAT || v->kind == DV_STR || v->kind == DV_BYTES);
}

static void
event(struct ev *E, const char *code, const struct py_node *at, struct dc_dag *dag,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
event(struct ev *E, const char *code, const struct py_node *at, struct dc_dag *dag,
    const char *fmt, ...)
{
	struct dc_model *m = E->m;
	struct pk_buf b = PK_BUF_INIT;
	va_list ap;
	int i;

	va_start(ap, fmt);
	pk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	/* the same statement evaluated again (a loop, a second call) says it once */
	for (i = 0; i < m->nevents; i++)
		if (m->events[i].line == at->line && m->events[i].col == at->col &&
		    strcmp(m->events[i].code, code) == 0) {
			pk_buf_release(&b);
			return;
		}
	m->events = agrow(E, m->events, m->nevents, &m->capev, sizeof *m->events);
	m->events[m->nevents].code = code;
	m->events[m->nevents].line = at->line;
	m->events[m->nevents].col = at->col;
	m->events[m->nevents].msg = astrndup(E, b.p ? b.p : "", b.len);
	m->events[m->nevents].dag = dag;
	m->events[m->nevents].task = NULL;
	m->nevents++;
	pk_buf_release(&b);
}

/* ---- scopes ------------------------------------------------------------ */

static int
name_eq(const struct binding *b, const char *s, size_t n)
{
	return b->n == n && memcmp(b->name, s, n) == 0;
}

static unsigned
name_hash(const char *s, size_t n)
{
	return (unsigned)pk_hash64(s, n, 0);
}

/* Index of the binding named s[0..n) among b[0..nb) (names are unique), or -1. */
static int
name_find(const struct name_index *ix, const struct binding *b, int nb, const char *s, size_t n)
{
	unsigned h;
	int i;

	if (ix->cap == 0) {
		for (i = nb - 1; i >= 0; i--)
			if (name_eq(&b[i], s, n))
				return i;
		return -1;
	}
	for (h = name_hash(s, n) & (unsigned)(ix->cap - 1); ix->slot[h] != 0;
	    h = (h + 1) & (unsigned)(ix->cap - 1))
		if (name_eq(&b[ix->slot[h] - 1], s, n))
			return ix->slot[h] - 1;
	return -1;
}

/* b[nb - 1] was just appended: index it (a few names are searched linearly). */
static void
name_added(struct ev *E, struct name_index *ix, const struct binding *b, int nb)
{
	int i, from = nb - 1;

	if (nb < 16)
		return;
	if (nb * 2 > ix->cap) {
		ix->cap = ix->cap ? ix->cap * 2 : 64;
		ix->slot = aalloc(E, (size_t)ix->cap * sizeof *ix->slot);
		from = 0;
	}
	for (i = from; i < nb; i++) {
		unsigned h = name_hash(b[i].name, b[i].n) & (unsigned)(ix->cap - 1);

		while (ix->slot[h] != 0)
			h = (h + 1) & (unsigned)(ix->cap - 1);
		ix->slot[h] = i + 1;
	}
}

static struct dc_val *
scope_get(struct scope *sc, const char *s, size_t n)
{
	int i = name_find(&sc->ix, sc->b, sc->n, s, n);

	return i >= 0 ? sc->b[i].val : NULL;
}

static void
scope_set(struct ev *E, struct scope *sc, const char *s, size_t n, struct dc_val *v)
{
	int i = name_find(&sc->ix, sc->b, sc->n, s, n);

	if (i >= 0) {
		sc->b[i].val = v;
		return;
	}
	sc->b = agrow(E, sc->b, sc->n, &sc->cap, sizeof *sc->b);
	sc->b[sc->n].name = s;
	sc->b[sc->n].n = n;
	sc->b[sc->n].val = v;
	sc->n++;
	name_added(E, &sc->ix, sc->b, sc->n);
}

static int
declared_global(const struct scope *sc, const char *s, size_t n)
{
	const struct py_node *g = sc->globals;
	int i;

	if (g == NULL)
		return 0;
	for (i = 0; i < g->nv; i++)
		if (g->v[i]->n == n && memcmp(g->v[i]->s, s, n) == 0)
			return 1;
	return 0;
}

static void
bind(struct ev *E, const char *s, size_t n, struct dc_val *v)
{
	struct scope *sc = E->sc;

	if (sc->parent && declared_global(sc, s, n))
		sc = sc->parent;
	scope_set(E, sc, s, n, v);
}

static void
note_assigned(struct ev *E, const char *s, size_t n)
{
	if (name_find(&E->assigned_ix, E->assigned, E->nassigned, s, n) >= 0)
		return;
	if (E->nassigned == E->capassigned) {
		E->capassigned = E->capassigned ? E->capassigned * 2 : 64;
		E->assigned = pk_xrealloc(E->assigned, (size_t)E->capassigned * sizeof *E->assigned);
	}
	E->assigned[E->nassigned].name = s;
	E->assigned[E->nassigned].n = n;
	E->assigned[E->nassigned].val = NULL;
	E->nassigned++;
	name_added(E, &E->assigned_ix, E->assigned, E->nassigned);
}

static void
collect_targets(struct ev *E, const struct py_node *x)
{
	int i;

	if (x == NULL)
		return;
	switch (x->kind) {
	case PY_NAME:
		note_assigned(E, x->s, x->n);
		return;
	case PY_TUPLE: case PY_LIST:
		for (i = 0; i < x->nv; i++)
			collect_targets(E, x->v[i]);
		return;
	case PY_STARRED:
		collect_targets(E, x->a);
		return;
	default:
		return;
	}
}

/* Every name bound anywhere in the file: assignments, defs, imports, loops,
 * with/except targets, parameters, comprehension and walrus targets. */
static void
collect_assigned(struct ev *E, const struct py_node *x)
{
	int i;

	if (x == NULL)
		return;
	switch (x->kind) {
	case PY_ASSIGN:
		for (i = 0; i < x->nv; i++)
			collect_targets(E, x->v[i]);
		break;
	case PY_AUGASSIGN: case PY_ANNASSIGN: case PY_FOR: case PY_COMPFOR: case PY_NAMEDEXPR:
		collect_targets(E, x->a);
		break;
	case PY_WITHITEM:
		collect_targets(E, x->b);
		break;
	case PY_FUNCDEF: case PY_CLASS: case PY_PARAM: case PY_HANDLER: case PY_TYPEALIAS:
		if (x->s)
			note_assigned(E, x->s, x->n);
		break;
	case PY_IMPORT: case PY_IMPORTFROM:
		for (i = 0; i < x->nv; i++) {
			const struct py_node *a = x->v[i];

			if (a->t) {
				note_assigned(E, a->t, a->tn);
			} else {
				size_t k = 0;

				while (k < a->n && a->s[k] != '.')
					k++;
				note_assigned(E, a->s, x->kind == PY_IMPORT ? k : a->n);
			}
		}
		break;
	case PY_GLOBAL:
		for (i = 0; i < x->nv; i++)
			note_assigned(E, x->v[i]->s, x->v[i]->n);
		break;
	case PY_MATCHAS: case PY_MATCHSTAR: case PY_MATCHMAP:
		if (x->s)
			note_assigned(E, x->s, x->n);
		break;
	default:
		break;
	}
	collect_assigned(E, x->a);
	collect_assigned(E, x->b);
	collect_assigned(E, x->c);
	collect_assigned(E, x->d);
	for (i = 0; i < x->nv; i++)
		collect_assigned(E, x->v[i]);
	for (i = 0; i < x->nw; i++)
		collect_assigned(E, x->w[i]);
}

static int
is_assigned(struct ev *E, const char *s, size_t n)
{
	return name_find(&E->assigned_ix, E->assigned, E->nassigned, s, n) >= 0;
}

static const char *const builtins[] = {
	"abs", "all", "any", "ascii", "bin", "bool", "bytearray", "bytes", "callable", "chr",
	"classmethod", "compile", "complex", "delattr", "dict", "dir", "divmod", "enumerate",
	"eval", "exec", "filter", "float", "format", "frozenset", "getattr", "globals",
	"hasattr", "hash", "help", "hex", "id", "input", "int", "isinstance", "issubclass",
	"iter", "len", "list", "locals", "map", "max", "memoryview", "min", "next", "object",
	"oct", "open", "ord", "pow", "print", "property", "range", "repr", "reversed", "round",
	"set", "setattr", "slice", "sorted", "staticmethod", "str", "sum", "super", "tuple",
	"type", "vars", "zip", "__name__", "__file__", "__doc__", "__builtins__", "Exception",
	"ValueError", "KeyError", "TypeError", "ImportError", "ModuleNotFoundError",
	"RuntimeError", "NotImplementedError", "AttributeError", "OSError", "IOError",
	"FileNotFoundError", "StopIteration", "IndexError", "NameError", "BaseException",
	"SystemExit", "KeyboardInterrupt", "ArithmeticError", "ZeroDivisionError",
	"AssertionError", "PermissionError", "TimeoutError", "ConnectionError", "Warning",
	"DeprecationWarning", "UserWarning", "NotImplemented", "Ellipsis", "breakpoint",
	"aiter", "anext", "__import__", "exit", "quit"
};

static int
is_builtin(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
		if (strlen(builtins[i]) == n && memcmp(builtins[i], s, n) == 0)
			return 1;
	return 0;
}

/* ---- names of things Airflow provides ---------------------------------- */

static const char *
last_part(const char *q)
{
	const char *d = strrchr(q, '.');

	return d ? d + 1 : q;
}

static int
starts(const char *s, const char *pre)
{
	return strncmp(s, pre, strlen(pre)) == 0;
}

static int
ends(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

enum callee {
	C_OTHER, C_DAG, C_DAG_DECO, C_TASK_DECO, C_TG_DECO, C_TASKGROUP, C_CHAIN, C_CHAIN_LINEAR,
	C_CROSS, C_TIMEDELTA, C_OPERATOR, C_DAYS_AGO
};

/* Classify a qualified name; *variant gets the @task variant. */
static enum callee
classify(const char *q, const char **variant)
{
	const char *last = last_part(q);
	int af = starts(q, "airflow");

	*variant = "";
	if (strcmp(last, "DAG") == 0)
		return C_DAG;
	if (af && strcmp(last, "dag") == 0)
		return C_DAG_DECO;
	if (af && strcmp(last, "task") == 0)
		return C_TASK_DECO;
	if (starts(q, "airflow.decorators.task.") || starts(q, "airflow.sdk.task.")) {
		*variant = strstr(q, ".task.") + 6;
		return C_TASK_DECO;
	}
	if (af && ends(q, "_task") && (starts(q, "airflow.decorators.") || starts(q, "airflow.sdk."))) {
		/* python_task, branch_task, virtualenv_task, sensor_task, ... */
		static char buf[64];
		size_t l = strlen(last) - 5;

		if (l >= sizeof buf)
			l = sizeof buf - 1;
		memcpy(buf, last, l);
		buf[l] = 0;
		*variant = strcmp(buf, "python") == 0 ? "" : buf;
		return C_TASK_DECO;
	}
	if (af && strcmp(last, "task_group") == 0)
		return C_TG_DECO;
	if (strcmp(last, "TaskGroup") == 0)
		return C_TASKGROUP;
	if (af && strcmp(last, "chain") == 0)
		return C_CHAIN;
	if (af && strcmp(last, "chain_linear") == 0)
		return C_CHAIN_LINEAR;
	if (af && strcmp(last, "cross_downstream") == 0)
		return C_CROSS;
	if (strcmp(q, "datetime.timedelta") == 0 || strcmp(q, "pendulum.duration") == 0 ||
	    strcmp(q, "datetime.datetime.timedelta") == 0)
		return C_TIMEDELTA;
	if (af && strcmp(last, "days_ago") == 0)
		return C_DAYS_AGO;
	/* outside airflow.* a class is an operator only when called with task_id= */
	if (af && (ends(last, "Operator") || ends(last, "Sensor") || strcmp(last, "ExternalTaskMarker") == 0 ||
	    strstr(q, ".operators.") || strstr(q, ".sensors.")))
		return C_OPERATOR;
	return C_OTHER;
}

/* ---- graph building ---------------------------------------------------- */

static struct dc_dag *
cur_dag(struct ev *E, int *unknown)
{
	*unknown = 0;
	if (E->ndag == 0)
		return NULL;
	if (E->unknown_dag[E->ndag - 1])
		*unknown = 1;
	return E->dagctx[E->ndag - 1];
}

static struct dc_group *
cur_group(struct ev *E, struct dc_dag *dag)
{
	if (E->ngrp == 0 || E->grpctx[E->ngrp - 1] == NULL)
		return NULL;
	return E->grpctx[E->ngrp - 1]->dag == dag ? E->grpctx[E->ngrp - 1] : NULL;
}

static char *
join_id(struct ev *E, const char *prefix, const char *local)
{
	size_t a = strlen(prefix), b = strlen(local);
	char *s = aalloc(E, a + b + 2);

	memcpy(s, prefix, a);
	s[a] = '.';
	memcpy(s + a + 1, local, b + 1);
	return s;
}

/* Airflow's TaskGroup.child_id. NULL when the group's id is unknown. */
static char *
child_id(struct ev *E, struct dc_group *g, const char *local, int *unknown)
{
	*unknown = 0;
	if (local == NULL) {
		*unknown = 1;
		return NULL;
	}
	if (g == NULL)
		return astrndup(E, local, strlen(local));
	if (g->prefix < 0 || (g->prefix && g->id == NULL)) {
		*unknown = 1;
		return NULL;
	}
	if (!g->prefix)
		return astrndup(E, local, strlen(local));
	return join_id(E, g->id, local);
}

static int
dag_has_id(const struct dc_dag *d, const char *id)
{
	int i;

	for (i = 0; i < d->ntasks; i++)
		if (d->tasks[i]->id && strcmp(d->tasks[i]->id, id) == 0)
			return 1;
	for (i = 0; i < d->ngroups; i++)
		if (d->groups[i]->id && strcmp(d->groups[i]->id, id) == 0)
			return 1;
	return 0;
}

/* Airflow's get_unique_task_id: "name", then "name__1", "name__2", ... */
static char *
unique_id(struct ev *E, struct dc_dag *d, struct dc_group *g, const char *local, int *unknown)
{
	char *full = child_id(E, g, local, unknown);
	struct pk_buf b = PK_BUF_INIT;
	int k;
	char *r;

	if (full == NULL || d == NULL || !dag_has_id(d, full))
		return full;
	for (k = 1; k < 100000; k++) {
		char *cand;

		pk_buf_reset(&b);
		pk_buf_printf(&b, "%s__%d", local, k);
		cand = child_id(E, g, b.p, unknown);
		if (!dag_has_id(d, cand)) {
			pk_buf_release(&b);
			return cand;
		}
	}
	r = full;
	pk_buf_release(&b);
	return r;
}

static void
add_task(struct ev *E, struct dc_task *t)
{
	struct dc_model *m = E->m;

	m->tasks = agrow(E, m->tasks, m->ntasks, &m->capt, sizeof *m->tasks);
	m->tasks[m->ntasks++] = t;
	if (t->dag) {
		struct dc_dag *d = t->dag;

		d->tasks = agrow(E, d->tasks, d->ntasks, &d->capt, sizeof *d->tasks);
		t->index = d->ntasks;
		d->tasks[d->ntasks++] = t;
	}
}

static void
add_edge(struct ev *E, struct dc_task *from, struct dc_task *to, const struct py_node *at,
    unsigned flags)
{
	struct dc_dag *d = to->dag;

	if (d == NULL || from->dag != d || from == to)
		return;
	if (E->cond)
		flags |= DE_COND;
	if (flags & DE_XCOM) {
		int i;

		for (i = 0; i < d->nedges; i++)
			if (d->edges[i].from == from && d->edges[i].to == to)
				return;
	}
	d->edges = agrow(E, d->edges, d->nedges, &d->cape, sizeof *d->edges);
	d->edges[d->nedges].from = from;
	d->edges[d->nedges].to = to;
	d->edges[d->nedges].line = at->line;
	d->edges[d->nedges].col = at->col;
	d->edges[d->nedges].flags = flags;
	d->nedges++;
}

static int
in_group(const struct dc_task *t, const struct dc_group *g)
{
	const struct dc_group *x;

	for (x = t->group; x; x = x->parent)
		if (x == g)
			return 1;
	return 0;
}

/* Tasks of a group with no upstream (roots) or no downstream (leaves) inside it. */
static void
group_ends(struct dc_group *g, int leaves, struct dc_task **out, int *nout, int max)
{
	struct dc_dag *d = g->dag;
	int i, j;

	*nout = 0;
	if (d == NULL)
		return;
	for (i = 0; i < d->ntasks; i++) {
		struct dc_task *t = d->tasks[i];
		int linked = 0;

		if (!in_group(t, g))
			continue;
		for (j = 0; j < d->nedges && !linked; j++) {
			struct dc_edge *e = &d->edges[j];

			if (leaves && e->from == t && in_group(e->to, g))
				linked = 1;
			if (!leaves && e->to == t && in_group(e->from, g))
				linked = 1;
		}
		if (!linked && *nout < max)
			out[(*nout)++] = t;
	}
}

static const char *
kind_noun(const struct dc_val *v)
{
	switch (v->kind) {
	case DV_NONE: return "None";
	case DV_BOOL: return "a bool";
	case DV_INT: return "an int";
	case DV_FLOAT: return "a float";
	case DV_STR: return "a string";
	case DV_BYTES: return "bytes";
	case DV_DICT: return "a dict";
	case DV_DAG: return "a DAG";
	case DV_DURATION: return "a timedelta";
	case DV_FUNC: return "a function";
	default: return "not a task";
	}
}

/*
 * The tasks a dependency operand stands for. Returns 1 when it holds tasks
 * (possibly none known), 0 when it is unknown (ignore), -1 when it is no
 * task (a DC103 event was recorded). *islist when it was a list or tuple.
 */
static int
endpoints(struct ev *E, struct dc_val *v, int upstream, const struct py_node *at,
    struct dc_task **out, int *nout, int max, int *islist)
{
	int i;

	*nout = 0;
	*islist = 0;
	switch (v->kind) {
	case DV_TASK: case DV_XCOM:
		out[(*nout)++] = v->ref;
		return 1;
	case DV_GROUP:
		group_ends(v->ref, upstream, out, nout, max);
		return 1;
	case DV_LIST: case DV_TUPLE: case DV_SET: {
		int bad = 0;

		*islist = 1;
		for (i = 0; i < v->nitems; i++) {
			struct dc_val *x = v->items[i];
			const struct py_node *xat = x->node ? x->node : at;

			if (x->kind == DV_TASK || x->kind == DV_XCOM) {
				if (*nout < max)
					out[(*nout)++] = x->ref;
			} else if (x->kind == DV_GROUP) {
				struct dc_task *tmp[256];
				int nt, k;

				group_ends(x->ref, upstream, tmp, &nt, 256);
				for (k = 0; k < nt && *nout < max; k++)
					out[(*nout)++] = tmp[k];
			} else if (x->kind == DV_UNDEF) {
				event(E, "DC103", xat, NULL, "dependency on '%s', which is not defined", x->s);
				bad = 1;
			} else if (dc_val_is_const(x) || x->kind == DV_DICT) {
				event(E, "DC103", xat, NULL, "dependency on %s, which is no task", kind_noun(x));
				bad = 1;
			}
		}
		return bad && *nout == 0 ? -1 : 1;
	}
	case DV_UNDEF:
		event(E, "DC103", v->node ? v->node : at, NULL,
		    "dependency on '%s', which is not defined", v->s);
		return -1;
	default:
		if (dc_val_is_const(v) || v->kind == DV_DICT || v->kind == DV_DAG ||
		    v->kind == DV_DURATION) {
			event(E, "DC103", v->node ? v->node : at, NULL, "dependency on %s, which is no task",
			    kind_noun(v));
			return -1;
		}
		return 0;
	}
}

static int
task_like(const struct dc_val *v)
{
	int i;

	if (v->kind == DV_TASK || v->kind == DV_XCOM || v->kind == DV_GROUP)
		return 1;
	if (v->kind == DV_LIST || v->kind == DV_TUPLE || v->kind == DV_SET)
		for (i = 0; i < v->nitems; i++)
			if (task_like(v->items[i]))
				return 1;
	return 0;
}

#define MAXEND 1024

/* up >> down (Airflow's set_downstream for every pair). */
static void
depend(struct ev *E, struct dc_val *up, struct dc_val *down, const struct py_node *at, int check_lists)
{
	struct dc_task *a[MAXEND], *b[MAXEND];
	int na, nb, la, lb, i, j, ra, rb;

	ra = endpoints(E, up, 1, at, a, &na, MAXEND, &la);
	rb = endpoints(E, down, 0, at, b, &nb, MAXEND, &lb);
	if (ra <= 0 || rb <= 0)
		return;
	if (check_lists && la && lb) {
		event(E, "DC109", at, NULL, "a list cannot depend on a list (use cross_downstream or chain)");
		return;
	}
	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			add_edge(E, a[i], b[j], at, 0);
}

/* ---- evaluation -------------------------------------------------------- */

static struct dc_val *eval(struct ev *E, const struct py_node *x);
static void exec_block(struct ev *E, const struct py_node *blk);
static void exec_stmt(struct ev *E, const struct py_node *s);
static struct dc_val *call_value(struct ev *E, struct dc_val *fn, const struct py_node *call,
    struct dc_val **pos, int npos, struct dc_kwlist *kw);

static int
burn(struct ev *E)
{
	if (E->fuel <= 0) {
		E->m->truncated = 1;
		return 0;
	}
	E->fuel--;
	return 1;
}

static int
truthy(const struct dc_val *v)
{
	switch (v->kind) {
	case DV_NONE: return 0;
	case DV_BOOL: case DV_INT: return v->i != 0;
	case DV_FLOAT: return v->f != 0;
	case DV_STR: case DV_BYTES: return v->n != 0;
	case DV_LIST: case DV_TUPLE: case DV_SET: case DV_DICT:
		return v->open ? -1 : v->nitems != 0;
	case DV_DAG: case DV_TASK: case DV_GROUP: case DV_FUNC: case DV_DURATION:
		return 1;
	default:
		return -1;
	}
}

static int
const_eq(const struct dc_val *a, const struct dc_val *b)
{
	if (a->kind == DV_STR && b->kind == DV_STR)
		return a->n == b->n && memcmp(a->s, b->s, a->n) == 0;
	if ((a->kind == DV_INT || a->kind == DV_BOOL) && (b->kind == DV_INT || b->kind == DV_BOOL))
		return a->i == b->i;
	if (a->kind == DV_NONE || b->kind == DV_NONE)
		return a->kind == b->kind;
	if (dc_val_is_const(a) && dc_val_is_const(b) && a->kind != b->kind &&
	    !(a->kind == DV_FLOAT || b->kind == DV_FLOAT))
		return 0;
	return -1;
}

/* Text of a scalar for f-strings, str(), %s and join; 0 when unknown. */
static int
to_text(const struct dc_val *v, struct pk_buf *out, int repr)
{
	switch (v->kind) {
	case DV_STR:
		if (repr) {
			pk_buf_addc(out, memchr(v->s, '\'', v->n) ? '"' : '\'');
			pk_buf_add(out, v->s, v->n);
			pk_buf_addc(out, memchr(v->s, '\'', v->n) ? '"' : '\'');
		} else {
			pk_buf_add(out, v->s, v->n);
		}
		return 1;
	case DV_INT:
		pk_buf_printf(out, "%lld", v->i);
		return 1;
	case DV_BOOL:
		pk_buf_adds(out, v->i ? "True" : "False");
		return 1;
	case DV_NONE:
		pk_buf_adds(out, "None");
		return 1;
	default:
		return 0;
	}
}

/* A format spec we can apply: "", "s", "d", "Nd", "0Nd". */
static int
apply_spec(const struct dc_val *v, const char *spec, struct pk_buf *out)
{
	int zero = 0, width = 0;
	const char *p = spec;
	char type = 0;

	if (*p == '0') {
		zero = 1;
		p++;
	}
	while (*p >= '0' && *p <= '9')
		width = width * 10 + (*p++ - '0');
	if (*p)
		type = *p++;
	if (*p || width > 64)
		return 0;
	if (v->kind == DV_INT && (type == 0 || type == 'd')) {
		pk_buf_printf(out, zero ? "%0*lld" : "%*lld", width, v->i);
		return 1;
	}
	if (v->kind == DV_STR && (type == 0 || type == 's') && !zero) {
		pk_buf_printf(out, "%-*.*s", width, (int)v->n, v->s);
		return 1;
	}
	return 0;
}

static struct dc_val *
eval_fstring(struct ev *E, const struct py_node *x)
{
	struct pk_buf b = PK_BUF_INIT;
	struct dc_val *r;
	int i, ok = 1;

	for (i = 0; i < x->nv; i++) {
		const struct py_node *p = x->v[i];

		if (p->kind == PY_CONST) {
			pk_buf_add(&b, p->s, p->n);
			continue;
		}
		{
			struct dc_val *v = eval(E, p->a);

			if (p->b) {
				struct dc_val *spec = eval_fstring(E, p->b);

				if (spec->kind != DV_STR || p->op || !apply_spec(v, spec->s, &b))
					ok = 0;
			} else if (!to_text(v, &b, p->op == 'r')) {
				ok = 0;
			}
		}
	}
	r = ok ? val_str(E, b.p ? b.p : "", b.len, x) : val_new(E, DV_UNKNOWN, x);
	pk_buf_release(&b);
	return r;
}

/* "..." % args with %s %d %i %r %% (and widths for %d). */
static struct dc_val *
percent_format(struct ev *E, const struct dc_val *fmt, const struct dc_val *args,
    const struct py_node *at)
{
	struct pk_buf b = PK_BUF_INIT;
	int ai = 0;
	size_t i;
	struct dc_val *r;

	for (i = 0; i < fmt->n; i++) {
		const struct dc_val *a;
		char spec[16];
		int k = 0;

		if (fmt->s[i] != '%') {
			pk_buf_addc(&b, fmt->s[i]);
			continue;
		}
		i++;
		if (i < fmt->n && fmt->s[i] == '%') {
			pk_buf_addc(&b, '%');
			continue;
		}
		while (i < fmt->n && k < 8 && ((fmt->s[i] >= '0' && fmt->s[i] <= '9')))
			spec[k++] = fmt->s[i++];
		spec[k] = 0;
		if (i >= fmt->n)
			goto fail;
		if (args->kind == DV_TUPLE)
			a = ai < args->nitems ? args->items[ai] : NULL;
		else
			a = ai == 0 ? args : NULL;
		ai++;
		if (a == NULL)
			goto fail;
		if (fmt->s[i] == 's' || fmt->s[i] == 'r') {
			if (k || !to_text(a, &b, fmt->s[i] == 'r'))
				goto fail;
		} else if (fmt->s[i] == 'd' || fmt->s[i] == 'i') {
			char sp[20];

			snprintf(sp, sizeof sp, "%sd", spec);
			if (a->kind != DV_INT || !apply_spec(a, sp, &b))
				goto fail;
		} else {
			goto fail;
		}
	}
	r = val_str(E, b.p ? b.p : "", b.len, at);
	pk_buf_release(&b);
	return r;
fail:
	pk_buf_release(&b);
	return val_new(E, DV_UNKNOWN, at);
}

/* "{}_{}".format(...) with positional and named fields, no specs beyond apply_spec. */
static struct dc_val *
str_format(struct ev *E, const struct dc_val *fmt, struct dc_val **pos, int npos,
    struct dc_kwlist *kw, const struct py_node *at)
{
	struct pk_buf b = PK_BUF_INIT;
	int auto_i = 0;
	size_t i;
	struct dc_val *r;

	for (i = 0; i < fmt->n; i++) {
		char c = fmt->s[i];
		size_t j;
		const struct dc_val *a = NULL;
		char name[64], spec[16];
		size_t nl = 0, sl = 0;

		if (c == '{' && i + 1 < fmt->n && fmt->s[i + 1] == '{') {
			pk_buf_addc(&b, '{');
			i++;
			continue;
		}
		if (c == '}' && i + 1 < fmt->n && fmt->s[i + 1] == '}') {
			pk_buf_addc(&b, '}');
			i++;
			continue;
		}
		if (c != '{') {
			pk_buf_addc(&b, c);
			continue;
		}
		for (j = i + 1; j < fmt->n && fmt->s[j] != '}' && fmt->s[j] != ':'; j++)
			if (nl < sizeof name - 1)
				name[nl++] = fmt->s[j];
		name[nl] = 0;
		if (j < fmt->n && fmt->s[j] == ':')
			for (j++; j < fmt->n && fmt->s[j] != '}'; j++)
				if (sl < sizeof spec - 1)
					spec[sl++] = fmt->s[j];
		spec[sl] = 0;
		if (j >= fmt->n)
			goto fail;
		if (nl == 0) {
			a = auto_i < npos ? pos[auto_i] : NULL;
			auto_i++;
		} else if (name[0] >= '0' && name[0] <= '9') {
			int k = atoi(name);

			a = k < npos ? pos[k] : NULL;
		} else {
			a = dc_kw_get(kw, name);
		}
		if (a == NULL || !(sl ? apply_spec(a, spec, &b) : to_text(a, &b, 0)))
			goto fail;
		i = j;
	}
	r = val_str(E, b.p ? b.p : "", b.len, at);
	pk_buf_release(&b);
	return r;
fail:
	pk_buf_release(&b);
	return val_new(E, DV_UNKNOWN, at);
}

static struct dc_val *
binop_const(struct ev *E, int op, struct dc_val *a, struct dc_val *b, const struct py_node *at)
{
	if (op == PO_PLUS && a->kind == DV_STR && b->kind == DV_STR) {
		struct dc_val *r = val_new(E, DV_STR, at);
		char *s = aalloc(E, a->n + b->n + 1);

		memcpy(s, a->s, a->n);
		memcpy(s + a->n, b->s, b->n);
		r->s = s;
		r->n = a->n + b->n;
		return r;
	}
	if (op == PO_PLUS && (a->kind == DV_LIST || a->kind == DV_TUPLE) && a->kind == b->kind) {
		struct dc_val *r = val_new(E, a->kind, at);
		int i;

		for (i = 0; i < a->nitems; i++)
			seq_push(E, r, a->items[i]);
		for (i = 0; i < b->nitems; i++)
			seq_push(E, r, b->items[i]);
		r->open = a->open | b->open;
		return r;
	}
	if (op == PO_STAR && a->kind == DV_STR && b->kind == DV_INT && b->i >= 0 &&
	    (unsigned long long)b->i * a->n <= 65536) {
		struct dc_val *r = val_new(E, DV_STR, at);
		char *s = aalloc(E, a->n * (size_t)b->i + 1);
		long long k;

		for (k = 0; k < b->i; k++)
			memcpy(s + (size_t)k * a->n, a->s, a->n);
		r->s = s;
		r->n = a->n * (size_t)b->i;
		return r;
	}
	if (op == PO_PERCENT && a->kind == DV_STR)
		return percent_format(E, a, b, at);
	if (a->kind == DV_INT && b->kind == DV_INT) {
		/* Python's ints do not overflow; a result past 64 bits is
		 * simply not known here. */
		long long x = a->i, y = b->i, z;

		switch (op) {
		case PO_PLUS:
			if (!__builtin_add_overflow(x, y, &z))
				return val_int(E, z, at);
			break;
		case PO_MINUS:
			if (!__builtin_sub_overflow(x, y, &z))
				return val_int(E, z, at);
			break;
		case PO_STAR:
			if (!__builtin_mul_overflow(x, y, &z))
				return val_int(E, z, at);
			break;
		case PO_DSLASH:
			/* floor division; LLONG_MIN // -1 is past 64 bits */
			if (y != 0 && !(x == LLONG_MIN && y == -1))
				return val_int(E, x / y - ((x % y) && ((x < 0) != (y < 0))), at);
			break;
		case PO_PERCENT:
			/* the sign of the divisor, as in Python */
			if (y != 0 && y != -1) {
				z = x % y;
				if (z != 0 && (z < 0) != (y < 0))
					z += y;
				return val_int(E, z, at);
			}
			if (y == -1)
				return val_int(E, 0, at);
			break;
		default: break;
		}
	}
	if (op == PO_STAR && a->kind == DV_DURATION && b->kind == DV_INT) {
		struct dc_val *r = val_new(E, DV_DURATION, at);

		r->f = a->f * (double)b->i;
		return r;
	}
	if ((op == PO_PLUS || op == PO_MINUS) && a->kind == DV_DURATION && b->kind == DV_DURATION) {
		struct dc_val *r = val_new(E, DV_DURATION, at);

		r->f = op == PO_PLUS ? a->f + b->f : a->f - b->f;
		return r;
	}
	return val_new(E, DV_UNKNOWN, at);
}

/* Iterate a value: 1 with its items (and their count), 0 when not known. */
static int
iter_items(struct ev *E, struct dc_val *v, struct dc_val ***items, int *n)
{
	if ((v->kind == DV_LIST || v->kind == DV_TUPLE || v->kind == DV_SET) && !v->open) {
		*items = v->items;
		*n = v->nitems;
		return 1;
	}
	if (v->kind == DV_DICT && !v->open) {
		*items = v->keys;
		*n = v->nitems;
		return 1;
	}
	if (v->kind == DV_STR && v->n < MAX_SEQ) {
		struct dc_val *seq = val_new(E, DV_LIST, v->node);
		size_t i;

		for (i = 0; i < v->n; i++)
			seq_push(E, seq, val_str(E, v->s + i, 1, v->node));
		*items = seq->items;
		*n = seq->nitems;
		return 1;
	}
	return 0;
}

static void bind_target(struct ev *E, const struct py_node *t, struct dc_val *v);

static void
bind_unknown(struct ev *E, const struct py_node *t)
{
	bind_target(E, t, val_new(E, DV_UNKNOWN, t));
}

static void
bind_target(struct ev *E, const struct py_node *t, struct dc_val *v)
{
	int i;

	switch (t->kind) {
	case PY_NAME:
		bind(E, t->s, t->n, v);
		return;
	case PY_TUPLE: case PY_LIST: {
		struct dc_val **items;
		int n, star = -1;

		for (i = 0; i < t->nv; i++)
			if (t->v[i]->kind == PY_STARRED)
				star = i;
		if (star < 0 && iter_items(E, v, &items, &n) && n == t->nv) {
			for (i = 0; i < n; i++)
				bind_target(E, t->v[i], items[i]);
			return;
		}
		for (i = 0; i < t->nv; i++)
			bind_unknown(E, t->v[i]);
		return;
	}
	case PY_STARRED:
		bind_unknown(E, t->a);
		return;
	case PY_SUBSCRIPT: {
		struct dc_val *obj = eval(E, t->a), *key = eval(E, t->b);

		if (obj->kind == DV_DICT) {
			if (key->kind == DV_STR)
				dict_set(E, obj, key, v);
			else
				obj->open = 1;
		} else if (obj->kind == DV_LIST) {
			obj->open = 1;
		}
		return;
	}
	case PY_ATTR: {
		struct dc_val *obj = eval(E, t->a);

		/* t.dag = dag attaches an operator created without one */
		if (obj->kind == DV_TASK && t->n == 3 && memcmp(t->s, "dag", 3) == 0) {
			struct dc_task *task = obj->ref;

			if (task->dag == NULL && v->kind == DV_DAG) {
				task->dag = v->ref;
				task->flags &= ~(unsigned)DT_DAG_UNKNOWN;
				{
					struct dc_dag *d = task->dag;

					d->tasks = agrow(E, d->tasks, d->ntasks, &d->capt, sizeof *d->tasks);
					task->index = d->ntasks;
					d->tasks[d->ntasks++] = task;
				}
			} else if (task->dag == NULL) {
				task->flags |= DT_DAG_UNKNOWN;
			}
		} else if ((obj->kind == DV_TASK || obj->kind == DV_XCOM) && t->s) {
			struct dc_task *task = obj->ref;

			kw_add(E, &task->kw, astrndup(E, t->s, t->n), v, t);
		}
		return;
	}
	default:
		return;
	}
}

/* Evaluate call arguments into positional values and a keyword list. */
static void
eval_args(struct ev *E, const struct py_node *call, struct dc_val ***pos, int *npos,
    struct dc_kwlist *kw)
{
	int i, cap = 0;

	*pos = NULL;
	*npos = 0;
	for (i = 0; i < call->nv; i++) {
		const struct py_node *a = call->v[i];
		struct dc_val *v;

		if (a->kind == PY_STARRED) {
			struct dc_val **items;
			int n, k;

			v = eval(E, a->a);
			if (iter_items(E, v, &items, &n)) {
				for (k = 0; k < n; k++) {
					*pos = agrow(E, *pos, *npos, &cap, sizeof **pos);
					(*pos)[(*npos)++] = items[k];
				}
			} else {
				*pos = agrow(E, *pos, *npos, &cap, sizeof **pos);
				(*pos)[(*npos)++] = &unknown_val;
				kw->open = 1;	/* positions after it are unknown too */
			}
			continue;
		}
		v = eval(E, a);
		*pos = agrow(E, *pos, *npos, &cap, sizeof **pos);
		(*pos)[(*npos)++] = v;
	}
	for (i = 0; i < call->nw; i++) {
		const struct py_node *k = call->w[i];
		struct dc_val *v = eval(E, k->a);

		if (k->s) {
			kw_add(E, kw, astrndup(E, k->s, k->n), v, k->a);
		} else if (v->kind == DV_DICT) {
			int j;

			for (j = 0; j < v->nitems; j++)
				if (v->keys[j]->kind == DV_STR)
					kw_add(E, kw, v->keys[j]->s, v->items[j], v->items[j]->node ?
					    v->items[j]->node : k->a);
			kw->open |= v->open;
		} else {
			kw->open = 1;
		}
	}
}

static const char *
str_of(const struct dc_val *v)
{
	return v && v->kind == DV_STR ? v->s : NULL;
}

/* Add XCom edges for every XComArg found in v (lists, dicts, nested). */
static void
xcom_edges(struct ev *E, struct dc_val *v, struct dc_task *to, const struct py_node *at, int depth)
{
	int i;

	if (v == NULL || depth > 8)
		return;
	switch (v->kind) {
	case DV_XCOM:
		add_edge(E, v->ref, to, v->node ? v->node : at, DE_XCOM);
		return;
	case DV_LIST: case DV_TUPLE: case DV_SET: case DV_DICT:
		for (i = 0; i < v->nitems; i++)
			xcom_edges(E, v->items[i], to, at, depth + 1);
		return;
	default:
		return;
	}
}

static struct dc_val *
make_dag(struct ev *E, const struct py_node *call, struct dc_val **pos, int npos,
    struct dc_kwlist *kw, const char *fname, unsigned flags)
{
	struct dc_model *m = E->m;
	struct dc_dag *d = aalloc(E, sizeof *d);
	const struct dc_val *id = dc_kw_get(kw, "dag_id");
	struct dc_val *v;

	if (id == NULL && npos > 0)
		id = pos[0];
	if (id == NULL && fname)
		d->id = astrndup(E, fname, strlen(fname));
	else if (str_of(id))
		d->id = astrndup(E, id->s, id->n);
	d->line = call->line;
	d->col = call->col;
	d->call = call;
	kw_copy(E, &d->kw, kw);
	d->flags = flags | (E->cond ? DG_COND : 0);
	{
		const struct dc_val *da = dc_kw_get(kw, "default_args");

		d->default_args = (struct dc_val *)da;
	}
	m->dags = agrow(E, m->dags, m->ndags, &m->capd, sizeof *m->dags);
	m->dags[m->ndags++] = d;
	v = val_new(E, DV_DAG, call);
	v->ref = d;
	return v;
}

static struct dc_val *
make_group(struct ev *E, const struct py_node *call, struct dc_val **pos, int npos,
    struct dc_kwlist *kw, const char *fname, int suffix)
{
	struct dc_group *g = aalloc(E, sizeof *g), *parent;
	const struct dc_val *id = dc_kw_get(kw, "group_id"), *pref, *pg, *dg;
	struct dc_dag *dag;
	int unknown_dag, unk;
	struct dc_val *v;

	if (id == NULL && npos > 0)
		id = pos[0];
	if (id == NULL && fname)
		g->local_id = fname;
	else if (str_of(id))
		g->local_id = id->s;
	pref = dc_kw_get(kw, "prefix_group_id");
	g->prefix = pref == NULL ? 1 : (pref->kind == DV_BOOL || pref->kind == DV_INT) ?
	    (pref->i != 0) : -1;
	dag = cur_dag(E, &unknown_dag);
	dg = dc_kw_get(kw, "dag");
	if (dg && dg->kind == DV_DAG)
		dag = dg->ref;
	parent = cur_group(E, dag);
	pg = dc_kw_get(kw, "parent_group");
	if (pg && pg->kind == DV_GROUP) {
		parent = pg->ref;
		dag = parent->dag;
	}
	g->parent = parent;
	g->dag = dag;
	g->line = call->line;
	g->col = call->col;
	g->node = call;
	g->flags = E->cond ? DT_COND : 0;
	kw_copy(E, &g->kw, kw);
	g->default_args = (struct dc_val *)dc_kw_get(kw, "default_args");
	/* Airflow: a group's id gets its parent's prefix when the parent prefixes */
	if (g->local_id) {
		struct dc_group tmp;

		memset(&tmp, 0, sizeof tmp);
		if (parent) {
			g->id = child_id(E, parent, g->local_id, &unk);
		} else {
			g->id = astrndup(E, g->local_id, strlen(g->local_id));
		}
		if (suffix && g->id && dag && dag_has_id(dag, g->id)) {
			char *u = unique_id(E, dag, parent, g->local_id, &unk);

			if (u)
				g->id = u;
		}
	}
	if (dag) {
		dag->groups = agrow(E, dag->groups, dag->ngroups, &dag->capg, sizeof *dag->groups);
		dag->groups[dag->ngroups++] = g;
	}
	v = val_new(E, DV_GROUP, call);
	v->ref = g;
	return v;
}

static struct dc_task *
new_task(struct ev *E, const struct py_node *call, struct dc_kwlist *kw, const char *op,
    const char *qual, const char *local, int decorated)
{
	struct dc_task *t = aalloc(E, sizeof *t);
	const struct dc_val *dv, *tg;
	struct dc_dag *dag;
	int unknown_dag, unk = 0;

	dag = cur_dag(E, &unknown_dag);
	dv = dc_kw_get(kw, "dag");
	if (dv) {
		if (dv->kind == DV_DAG) {
			dag = dv->ref;
			unknown_dag = 0;
		} else if (dv->kind != DV_NONE) {
			dag = NULL;
			unknown_dag = 1;
		}
	}
	t->group = cur_group(E, dag);
	tg = dc_kw_get(kw, "task_group");
	if (tg && tg->kind == DV_GROUP) {
		t->group = tg->ref;
		if (dag == NULL && !unknown_dag)
			dag = t->group->dag;
	}
	if (dag == NULL && !unknown_dag && t->group == NULL && E->ngrp > 0 &&
	    E->grpctx[E->ngrp - 1] != NULL && E->grpctx[E->ngrp - 1]->dag == NULL)
		unknown_dag = 1;
	t->dag = dag;
	if (unknown_dag)
		t->flags |= DT_DAG_UNKNOWN;
	t->local_id = local;
	if (local)
		t->id = decorated ? unique_id(E, dag, t->group, local, &unk) :
		    child_id(E, t->group, local, &unk);
	t->op = op;
	t->qualname = qual;
	t->line = call->line;
	t->col = call->col;
	t->call = call;
	kw_copy(E, &t->kw, kw);
	if (E->cond)
		t->flags |= DT_COND;
	if (decorated)
		t->flags |= DT_DECORATED;
	if (ends(op, "Sensor") || strstr(op, "Sensor") || strcmp(op, "@task.sensor") == 0)
		t->flags |= DT_SENSOR;
	if (strstr(op, "Branch") || starts(op, "@task.branch"))
		t->flags |= DT_BRANCH;
	if (strcmp(op, "ExternalTaskSensor") == 0 || strcmp(op, "ExternalTaskSensorAsync") == 0)
		t->flags |= DT_EXT_SENSOR;
	if (strcmp(op, "ExternalTaskMarker") == 0)
		t->flags |= DT_EXT_MARKER;
	if (strcmp(op, "TriggerDagRunOperator") == 0)
		t->flags |= DT_TRIGGER;
	add_task(E, t);
	return t;
}

static struct dc_val *
make_operator(struct ev *E, const struct py_node *call, const char *op, const char *qual,
    struct dc_kwlist *kw, struct dc_val **pos, int npos, int mapped)
{
	const struct dc_val *id = dc_kw_get(kw, "task_id");
	const struct dc_kw *idkw = NULL;
	struct dc_task *t;
	struct dc_val *v;
	int i;

	for (i = kw->n - 1; i >= 0; i--)
		if (kw->v[i].name && strcmp(kw->v[i].name, "task_id") == 0) {
			idkw = &kw->v[i];
			break;
		}
	t = new_task(E, call, kw, op, qual, str_of(id), 0);
	if (idkw && idkw->node && idkw->node->kind == PY_CONST)
		t->flags |= DT_LITERAL_ID;
	if (mapped)
		t->flags |= DT_MAPPED;
	for (i = 0; i < kw->n; i++)
		xcom_edges(E, kw->v[i].val, t, call, 0);
	for (i = 0; i < npos; i++)
		xcom_edges(E, pos[i], t, call, 0);
	v = val_new(E, DV_TASK, call);
	v->ref = t;
	return v;
}

/* Run a function body inline with its parameters bound. */
static struct dc_val *
inline_call(struct ev *E, const struct py_node *def, struct dc_val **pos, int npos,
    struct dc_kwlist *kw, int params_unknown)
{
	struct scope sc, *saved = E->sc;
	struct dc_val *ret;
	int i, ip = 0, saved_ret = E->returning, saved_top = E->top;
	struct dc_val *saved_rv = E->retval;

	if (E->inline_depth >= MAX_INLINE)
		return val_new(E, DV_UNKNOWN, def);
	for (i = 0; i < E->inline_depth; i++)
		if (E->active[i] == def)
			return val_new(E, DV_UNKNOWN, def);	/* recursion */
	memset(&sc, 0, sizeof sc);
	sc.parent = &E->module;
	sc.func = def;
	/* `global x` anywhere in the body */
	{
		const struct py_node *b = def->a;

		for (i = 0; b && i < b->nv; i++)
			if (b->v[i]->kind == PY_GLOBAL)
				sc.globals = b->v[i];
	}
	for (i = 0; i < def->nv; i++) {
		const struct py_node *p = def->v[i];
		struct dc_val *v = NULL;

		if (params_unknown) {
			v = val_new(E, DV_UNKNOWN, p);
		} else if (p->op == PP_VARARG) {
			struct dc_val *t = val_new(E, DV_TUPLE, p);

			while (ip < npos)
				seq_push(E, t, pos[ip++]);
			v = t;
		} else if (p->op == PP_KWARG) {
			v = val_new(E, DV_UNKNOWN, p);
		} else {
			char *name = astrndup(E, p->s, p->n);
			const struct dc_val *k = dc_kw_get(kw, name);

			if (p->op != PP_KWONLY && ip < npos)
				v = pos[ip++];
			else if (k && (k->kind != DV_UNKNOWN || !kw->open))
				v = (struct dc_val *)k;
			else if (kw->open)
				v = val_new(E, DV_UNKNOWN, p);
			else if (p->a)
				v = eval(E, p->a);
			else
				v = val_new(E, DV_UNKNOWN, p);
		}
		scope_set(E, &sc, p->s, p->n, v);
	}
	E->active[E->inline_depth++] = def;
	E->sc = &sc;
	E->returning = 0;
	E->retval = NULL;
	E->top = 0;
	exec_block(E, def->a);
	ret = E->retval ? E->retval : val_new(E, DV_NONE, def);
	E->sc = saved;
	E->returning = saved_ret;
	E->retval = saved_rv;
	E->top = saved_top;
	E->inline_depth--;
	return ret;
}

static const char *
fname_of(struct ev *E, const struct dc_func *f)
{
	return astrndup(E, f->def->s, f->def->n);
}

/* Call of a decorated function: @task creates a task, @dag a DAG, @task_group a group. */
static struct dc_val *
call_func(struct ev *E, struct dc_func *f, const struct py_node *call, struct dc_val **pos,
    int npos, struct dc_kwlist *kw, int mapped, struct dc_kwlist *extra)
{
	int i;

	if (f->deco == DD_TASK) {
		struct dc_kwlist all = { NULL, 0, 0, 0 };
		const struct dc_val *id;
		struct dc_task *t;
		struct dc_val *v;
		char op[64];

		/* .partial() arguments of a @task are the function's, not the operator's */
		kw_copy(E, &all, &f->kw);
		id = dc_kw_get(&all, "task_id");
		snprintf(op, sizeof op, "@task%s%s", *f->variant ? "." : "", f->variant);
		t = new_task(E, call, &all, astrndup(E, op, strlen(op)), NULL,
		    id ? str_of(id) : fname_of(E, f), 1);
		t->func = f;
		if (mapped)
			t->flags |= DT_MAPPED;
		for (i = 0; i < npos; i++)
			xcom_edges(E, pos[i], t, call, 0);
		for (i = 0; i < kw->n; i++)
			xcom_edges(E, kw->v[i].val, t, call, 0);
		if (extra)
			for (i = 0; i < extra->n; i++)
				xcom_edges(E, extra->v[i].val, t, call, 0);
		v = val_new(E, DV_XCOM, call);
		v->ref = t;
		return v;
	}
	if (f->deco == DD_DAG) {
		struct dc_val *dv = make_dag(E, call, NULL, 0, &f->kw, fname_of(E, f), DG_DECORATED);
		struct dc_dag *d = dv->ref;

		d->line = f->def->line;
		d->col = f->def->col;
		if (E->ndag < MAX_CTX) {
			E->dagctx[E->ndag] = dv->ref;
			E->unknown_dag[E->ndag] = 0;
			E->ndag++;
			inline_call(E, f->def, pos, npos, kw, 1);
			E->ndag--;
		}
		return dv;
	}
	if (f->deco == DD_TASK_GROUP) {
		struct dc_val *gv, *ret;
		struct dc_kwlist all = { NULL, 0, 0, 0 };

		kw_copy(E, &all, &f->kw);
		gv = make_group(E, call, NULL, 0, &all, fname_of(E, f), 1);
		if (E->ngrp >= MAX_CTX)
			return gv;
		E->grpctx[E->ngrp++] = gv->ref;
		ret = inline_call(E, f->def, pos, npos, kw, mapped);
		E->ngrp--;
		/* Airflow returns the function's task when it returns one, else the group */
		if (ret && (ret->kind == DV_TASK || ret->kind == DV_XCOM || ret->kind == DV_LIST ||
		    ret->kind == DV_GROUP))
			return ret;
		return gv;
	}
	return inline_call(E, f->def, pos, npos, kw, 0);
}

static struct dc_val *
timedelta(struct ev *E, const struct py_node *call, struct dc_val **pos, int npos,
    struct dc_kwlist *kw)
{
	static const struct { const char *name; double secs; } units[] = {
		{ "days", 86400 }, { "seconds", 1 }, { "microseconds", 1e-6 },
		{ "milliseconds", 1e-3 }, { "minutes", 60 }, { "hours", 3600 }, { "weeks", 604800 }
	};
	struct dc_val *r = val_new(E, DV_DURATION, call);
	int i;

	if (kw->open)
		return val_new(E, DV_UNKNOWN, call);
	for (i = 0; i < npos && i < 7; i++) {
		if (pos[i]->kind == DV_INT)
			r->f += (double)pos[i]->i * units[i].secs;
		else if (pos[i]->kind == DV_FLOAT)
			r->f += pos[i]->f * units[i].secs;
		else
			return val_new(E, DV_UNKNOWN, call);
	}
	for (i = 0; i < kw->n; i++) {
		size_t u;
		int found = 0;

		for (u = 0; u < sizeof units / sizeof units[0]; u++)
			if (strcmp(kw->v[i].name, units[u].name) == 0) {
				found = 1;
				if (kw->v[i].val->kind == DV_INT)
					r->f += (double)kw->v[i].val->i * units[u].secs;
				else if (kw->v[i].val->kind == DV_FLOAT)
					r->f += kw->v[i].val->f * units[u].secs;
				else
					return val_new(E, DV_UNKNOWN, call);
			}
		if (!found)
			return val_new(E, DV_UNKNOWN, call);
	}
	return r;
}

static void
chain_call(struct ev *E, enum callee kind, const struct py_node *call, struct dc_val **pos, int npos)
{
	int i;

	if (kind == C_CROSS) {
		if (npos >= 2)
			depend(E, pos[0], pos[1], call, 0);
		return;
	}
	for (i = 0; i + 1 < npos; i++) {
		struct dc_val *up = pos[i], *down = pos[i + 1];
		int ul = up->kind == DV_LIST || up->kind == DV_TUPLE;
		int dl = down->kind == DV_LIST || down->kind == DV_TUPLE;

		if (kind == C_CHAIN && ul && dl) {
			int k;

			if (up->open || down->open)
				continue;
			if (up->nitems != down->nitems) {
				event(E, "DC109", call, NULL,
				    "chain() of lists with unequal lengths (%d and %d)", up->nitems,
				    down->nitems);
				return;
			}
			for (k = 0; k < up->nitems; k++)
				depend(E, up->items[k], down->items[k], call, 0);
			continue;
		}
		depend(E, up, down, call, 0);
	}
}

/* A method call on a known object. */
static struct dc_val *
call_method(struct ev *E, struct dc_val *self, const char *name, const struct py_node *call,
    struct dc_val **pos, int npos, struct dc_kwlist *kw)
{
	int i;

	switch (self->kind) {
	case DV_TASK: case DV_XCOM: case DV_GROUP:
		if (strcmp(name, "set_downstream") == 0 || strcmp(name, "set_upstream") == 0) {
			for (i = 0; i < npos; i++) {
				if (name[4] == 'd')
					depend(E, self, pos[i], call, 0);
				else
					depend(E, pos[i], self, call, 0);
			}
			return val_new(E, DV_NONE, call);
		}
		if (self->kind == DV_XCOM && (strcmp(name, "map") == 0 || strcmp(name, "zip") == 0 ||
		    strcmp(name, "concat") == 0))
			return self;
		if (self->kind == DV_GROUP && (strcmp(name, "__enter__") == 0))
			return self;
		break;
	case DV_FUNC: {
		struct dc_func *f = self->ref;

		if (strcmp(name, "override") == 0 && f->deco == DD_TASK) {
			struct dc_func *nf = aalloc(E, sizeof *nf);
			struct dc_val *v = val_new(E, DV_FUNC, call);

			*nf = *f;
			memset(&nf->kw, 0, sizeof nf->kw);
			kw_copy(E, &nf->kw, &f->kw);
			kw_copy(E, &nf->kw, kw);
			v->ref = nf;
			return v;
		}
		if (strcmp(name, "partial") == 0) {
			struct dc_val *p = val_new(E, DV_PARTIAL, call);

			p->self = self;
			p->kw = aalloc(E, sizeof *p->kw);
			kw_copy(E, p->kw, kw);
			return p;
		}
		if (strcmp(name, "expand") == 0 || strcmp(name, "expand_kwargs") == 0)
			return call_func(E, f, call, pos, npos, kw, 1, NULL);
		break;
	}
	case DV_PARTIAL:
		if (strcmp(name, "expand") == 0 || strcmp(name, "expand_kwargs") == 0 ||
		    strcmp(name, "partial") == 0) {
			struct dc_val *inner = self->self;
			struct dc_kwlist all = { NULL, 0, 0, 0 };

			if (strcmp(name, "partial") == 0) {
				struct dc_val *p = val_new(E, DV_PARTIAL, call);

				p->self = inner;
				p->kw = aalloc(E, sizeof *p->kw);
				kw_copy(E, p->kw, self->kw);
				kw_copy(E, p->kw, kw);
				return p;
			}
			if (inner->kind == DV_FUNC)
				return call_func(E, inner->ref, call, pos, npos, kw, 1, self->kw);
			kw_copy(E, &all, self->kw);
			kw_copy(E, &all, kw);
			if (inner->kind == DV_SYMBOL)
				return make_operator(E, call, last_part(inner->s), inner->s, &all, pos, npos, 1);
			if (inner->kind == DV_CLASSDEF)
				return make_operator(E, call, astrndup(E, inner->node->s, inner->node->n), NULL,
				    &all, pos, npos, 1);
		}
		break;
	case DV_SYMBOL:
		if (strcmp(name, "partial") == 0) {
			struct dc_val *p = val_new(E, DV_PARTIAL, call);

			p->self = self;
			p->kw = aalloc(E, sizeof *p->kw);
			kw_copy(E, p->kw, kw);
			return p;
		}
		break;
	case DV_CLASSDEF:
		if (strcmp(name, "partial") == 0) {
			struct dc_val *p = val_new(E, DV_PARTIAL, call);

			p->self = self;
			p->kw = aalloc(E, sizeof *p->kw);
			kw_copy(E, p->kw, kw);
			return p;
		}
		break;
	case DV_DAG:
		if ((strcmp(name, "add_task") == 0 || strcmp(name, "add_tasks") == 0) && npos == 1) {
			struct dc_val *x = pos[0];
			struct dc_val **items = &x;
			int n = 1;

			if (x->kind == DV_LIST || x->kind == DV_TUPLE) {
				items = x->items;
				n = x->nitems;
			}
			for (i = 0; i < n; i++)
				if (items[i]->kind == DV_TASK) {
					struct dc_task *t = items[i]->ref;

					if (t->dag == NULL) {
						struct dc_dag *d = self->ref;

						t->dag = d;
						t->flags &= ~(unsigned)DT_DAG_UNKNOWN;
						d->tasks = agrow(E, d->tasks, d->ntasks, &d->capt, sizeof *d->tasks);
						t->index = d->ntasks;
						d->tasks[d->ntasks++] = t;
					}
				}
			return val_new(E, DV_NONE, call);
		}
		break;
	case DV_DICT:
		if (strcmp(name, "get") == 0 && npos >= 1 && pos[0]->kind == DV_STR) {
			const struct dc_val *r = dc_dict_get(self, pos[0]->s);

			if (r)
				return (struct dc_val *)r;
			return npos >= 2 ? pos[1] : val_new(E, DV_NONE, call);
		}
		if (strcmp(name, "copy") == 0) {
			struct dc_val *d = val_new(E, DV_DICT, call);

			for (i = 0; i < self->nitems; i++)
				dict_set(E, d, self->keys[i], self->items[i]);
			d->open = self->open;
			return d;
		}
		if (strcmp(name, "update") == 0) {
			for (i = 0; i < npos; i++) {
				int k;

				if (pos[i]->kind != DV_DICT) {
					self->open = 1;
					continue;
				}
				for (k = 0; k < pos[i]->nitems; k++)
					dict_set(E, self, pos[i]->keys[k], pos[i]->items[k]);
				self->open |= pos[i]->open;
			}
			for (i = 0; i < kw->n; i++)
				if (kw->v[i].name)
					dict_set(E, self, val_str(E, kw->v[i].name, strlen(kw->v[i].name),
					    kw->v[i].node), kw->v[i].val);
			self->open |= kw->open;
			return val_new(E, DV_NONE, call);
		}
		if (strcmp(name, "setdefault") == 0 && npos >= 1 && pos[0]->kind == DV_STR) {
			const struct dc_val *r = dc_dict_get(self, pos[0]->s);

			if (r)
				return (struct dc_val *)r;
			dict_set(E, self, pos[0], npos >= 2 ? pos[1] : val_new(E, DV_NONE, call));
			return npos >= 2 ? pos[1] : val_new(E, DV_NONE, call);
		}
		if (strcmp(name, "items") == 0 || strcmp(name, "keys") == 0 ||
		    strcmp(name, "values") == 0) {
			struct dc_val *l = val_new(E, DV_LIST, call);

			l->open = self->open;
			for (i = 0; i < self->nitems; i++) {
				if (name[0] == 'k') {
					seq_push(E, l, self->keys[i]);
				} else if (name[0] == 'v') {
					seq_push(E, l, self->items[i]);
				} else {
					struct dc_val *t = val_new(E, DV_TUPLE, call);

					seq_push(E, t, self->keys[i]);
					seq_push(E, t, self->items[i]);
					seq_push(E, l, t);
				}
			}
			return l;
		}
		if (strcmp(name, "pop") == 0)
			self->open = 1;
		break;
	case DV_LIST:
		if (strcmp(name, "append") == 0 && npos == 1) {
			seq_push(E, self, pos[0]);
			return val_new(E, DV_NONE, call);
		}
		if (strcmp(name, "extend") == 0 && npos == 1) {
			struct dc_val **items;
			int n;

			if (iter_items(E, pos[0], &items, &n))
				for (i = 0; i < n; i++)
					seq_push(E, self, items[i]);
			else
				self->open = 1;
			return val_new(E, DV_NONE, call);
		}
		self->open = 1;
		break;
	case DV_STR: {
		struct pk_buf b = PK_BUF_INIT;
		struct dc_val *r = NULL;
		size_t k;

		if (strcmp(name, "format") == 0)
			return str_format(E, self, pos, npos, kw, call);
		if (strcmp(name, "join") == 0 && npos == 1) {
			struct dc_val **items;
			int n;

			if (iter_items(E, pos[0], &items, &n)) {
				for (i = 0; i < n; i++) {
					if (i)
						pk_buf_add(&b, self->s, self->n);
					if (items[i]->kind != DV_STR)
						break;
					pk_buf_add(&b, items[i]->s, items[i]->n);
				}
				if (i == n)
					r = val_str(E, b.p ? b.p : "", b.len, call);
			}
		} else if ((strcmp(name, "upper") == 0 || strcmp(name, "lower") == 0) && npos == 0) {
			pk_buf_add(&b, self->s, self->n);
			for (k = 0; k < b.len; k++)
				if (name[0] == 'u' && b.p[k] >= 'a' && b.p[k] <= 'z')
					b.p[k] = (char)(b.p[k] - 32);
				else if (name[0] == 'l' && b.p[k] >= 'A' && b.p[k] <= 'Z')
					b.p[k] = (char)(b.p[k] + 32);
			r = val_str(E, b.p ? b.p : "", b.len, call);
		} else if (strcmp(name, "replace") == 0 && npos == 2 && pos[0]->kind == DV_STR &&
		    pos[1]->kind == DV_STR && pos[0]->n > 0) {
			for (k = 0; k < self->n;) {
				if (k + pos[0]->n <= self->n && memcmp(self->s + k, pos[0]->s, pos[0]->n) == 0) {
					pk_buf_add(&b, pos[1]->s, pos[1]->n);
					k += pos[0]->n;
				} else {
					pk_buf_addc(&b, self->s[k++]);
				}
			}
			r = val_str(E, b.p ? b.p : "", b.len, call);
		} else if (strcmp(name, "strip") == 0 && npos == 0) {
			size_t a = 0, z = self->n;

			while (a < z && strchr(" \t\n\r", self->s[a]))
				a++;
			while (z > a && strchr(" \t\n\r", self->s[z - 1]))
				z--;
			r = val_str(E, self->s + a, z - a, call);
		}
		pk_buf_release(&b);
		if (r)
			return r;
		break;
	}
	default:
		break;
	}
	return val_new(E, DV_UNKNOWN, call);
}

static struct dc_val *
builtin_call(struct ev *E, const char *name, const struct py_node *call, struct dc_val **pos,
    int npos, struct dc_kwlist *kw)
{
	struct dc_val *r;
	int i;

	if (strcmp(name, "range") == 0 && npos >= 1 && npos <= 3 && kw->n == 0) {
		long long a = 0, b, st = 1, k;

		for (i = 0; i < npos; i++)
			if (pos[i]->kind != DV_INT)
				return val_new(E, DV_UNKNOWN, call);
		if (npos == 1) {
			b = pos[0]->i;
		} else {
			a = pos[0]->i;
			b = pos[1]->i;
			if (npos == 3)
				st = pos[2]->i;
		}
		if (st == 0)
			return val_new(E, DV_UNKNOWN, call);
		r = val_new(E, DV_LIST, call);
		for (k = a; (st > 0 ? k < b : k > b);) {
			if (r->nitems >= MAX_SEQ)
				return val_new(E, DV_UNKNOWN, call);
			seq_push(E, r, val_int(E, k, call));
			if (__builtin_add_overflow(k, st, &k))
				break;	/* past 64 bits: past b too */
		}
		return r;
	}
	if (strcmp(name, "str") == 0 && npos == 1) {
		struct pk_buf b = PK_BUF_INIT;

		if (to_text(pos[0], &b, 0)) {
			r = val_str(E, b.p ? b.p : "", b.len, call);
			pk_buf_release(&b);
			return r;
		}
		pk_buf_release(&b);
	}
	if (strcmp(name, "len") == 0 && npos == 1) {
		if ((pos[0]->kind == DV_LIST || pos[0]->kind == DV_TUPLE || pos[0]->kind == DV_DICT ||
		    pos[0]->kind == DV_SET) && !pos[0]->open)
			return val_int(E, pos[0]->nitems, call);
		if (pos[0]->kind == DV_STR)
			return val_int(E, (long long)pos[0]->n, call);
	}
	if (strcmp(name, "int") == 0 && npos == 1 && pos[0]->kind == DV_INT)
		return pos[0];
	if (strcmp(name, "dict") == 0) {
		r = val_new(E, DV_DICT, call);
		if (npos == 1 && pos[0]->kind == DV_DICT) {
			for (i = 0; i < pos[0]->nitems; i++)
				dict_set(E, r, pos[0]->keys[i], pos[0]->items[i]);
			r->open = pos[0]->open;
		} else if (npos > 0) {
			r->open = 1;
		}
		for (i = 0; i < kw->n; i++)
			if (kw->v[i].name)
				dict_set(E, r, val_str(E, kw->v[i].name, strlen(kw->v[i].name), kw->v[i].node),
				    kw->v[i].val);
		r->open |= kw->open;
		return r;
	}
	if ((strcmp(name, "list") == 0 || strcmp(name, "tuple") == 0 || strcmp(name, "sorted") == 0 ||
	    strcmp(name, "reversed") == 0) && npos == 1) {
		struct dc_val **items;
		int n;

		if (iter_items(E, pos[0], &items, &n)) {
			r = val_new(E, name[0] == 't' ? DV_TUPLE : DV_LIST, call);
			for (i = 0; i < n; i++)
				seq_push(E, r, items[name[0] == 'r' ? n - 1 - i : i]);
			if (name[0] == 's') {
				/* sorted: only strings or only ints, insertion sort (short lists) */
				int j;

				for (i = 1; i < r->nitems; i++)
					for (j = i; j > 0; j--) {
						struct dc_val *x = r->items[j - 1], *y = r->items[j];
						int gt;

						if (x->kind == DV_STR && y->kind == DV_STR)
							gt = strcmp(x->s, y->s) > 0;
						else if (x->kind == DV_INT && y->kind == DV_INT)
							gt = x->i > y->i;
						else
							return val_new(E, DV_UNKNOWN, call);
						if (!gt)
							break;
						r->items[j - 1] = y;
						r->items[j] = x;
					}
			}
			return r;
		}
		if (strcmp(name, "list") == 0 && task_like(pos[0]))
			return pos[0];
	}
	if (strcmp(name, "enumerate") == 0 && npos >= 1) {
		struct dc_val **items;
		int n;
		long long start = npos >= 2 && pos[1]->kind == DV_INT ? pos[1]->i : 0;

		if (iter_items(E, pos[0], &items, &n)) {
			r = val_new(E, DV_LIST, call);
			for (i = 0; i < n; i++) {
				struct dc_val *t = val_new(E, DV_TUPLE, call);

				long long k;

				if (__builtin_add_overflow(start, (long long)i, &k))
					return val_new(E, DV_UNKNOWN, call);
				seq_push(E, t, val_int(E, k, call));
				seq_push(E, t, items[i]);
				seq_push(E, r, t);
			}
			return r;
		}
	}
	if (strcmp(name, "zip") == 0 && npos >= 1) {
		struct dc_val **it[8];
		int n[8], k, min = MAX_SEQ;

		if (npos > 8)
			return val_new(E, DV_UNKNOWN, call);
		for (k = 0; k < npos; k++) {
			if (!iter_items(E, pos[k], &it[k], &n[k]))
				return val_new(E, DV_UNKNOWN, call);
			if (n[k] < min)
				min = n[k];
		}
		r = val_new(E, DV_LIST, call);
		for (i = 0; i < min; i++) {
			struct dc_val *t = val_new(E, DV_TUPLE, call);

			for (k = 0; k < npos; k++)
				seq_push(E, t, it[k][i]);
			seq_push(E, r, t);
		}
		return r;
	}
	return val_new(E, DV_UNKNOWN, call);
}

static int
has_task_id(const struct dc_kwlist *kw)
{
	int i;

	for (i = 0; i < kw->n; i++)
		if (kw->v[i].name && strcmp(kw->v[i].name, "task_id") == 0)
			return 1;
	return 0;
}

static struct dc_val *
call_value(struct ev *E, struct dc_val *fn, const struct py_node *call, struct dc_val **pos,
    int npos, struct dc_kwlist *kw)
{
	const char *variant;

	switch (fn->kind) {
	case DV_SYMBOL: {
		enum callee c = classify(fn->s, &variant);

		if (starts(fn->s, "builtins."))
			return builtin_call(E, fn->s + 9, call, pos, npos, kw);
		switch (c) {
		case C_DAG:
			return make_dag(E, call, pos, npos, kw, NULL, 0);
		case C_TASKGROUP:
			return make_group(E, call, pos, npos, kw, NULL, 0);
		case C_CHAIN: case C_CHAIN_LINEAR: case C_CROSS:
			chain_call(E, c, call, pos, npos);
			return val_new(E, DV_NONE, call);
		case C_TIMEDELTA:
			return timedelta(E, call, pos, npos, kw);
		case C_OPERATOR:
			return make_operator(E, call, last_part(fn->s), fn->s, kw, pos, npos, 0);
		case C_TASK_DECO: case C_DAG_DECO: case C_TG_DECO: {
			/* task(retries=2) used as a decorator factory: keep its arguments */
			struct dc_val *p = val_new(E, DV_PARTIAL, call);

			p->self = fn;
			p->kw = aalloc(E, sizeof *p->kw);
			kw_copy(E, p->kw, kw);
			return p;
		}
		default:
			if (has_task_id(kw))
				return make_operator(E, call, last_part(fn->s), fn->s, kw, pos, npos, 0);
			return val_new(E, DV_UNKNOWN, call);
		}
	}
	case DV_CLASSDEF:
		if (has_task_id(kw))
			return make_operator(E, call, astrndup(E, fn->node->s, fn->node->n), NULL, kw, pos,
			    npos, 0);
		return val_new(E, DV_UNKNOWN, call);
	case DV_FUNC:
		return call_func(E, fn->ref, call, pos, npos, kw, 0, NULL);
	case DV_METHOD:
		return call_method(E, fn->self, fn->s, call, pos, npos, kw);
	default:
		if (has_task_id(kw) && fn->kind == DV_UNKNOWN && call->a->kind == PY_NAME)
			return make_operator(E, call, astrndup(E, call->a->s, call->a->n), NULL, kw, pos,
			    npos, 0);
		return val_new(E, DV_UNKNOWN, call);
	}
}

static struct dc_val *
lookup(struct ev *E, const struct py_node *x)
{
	struct dc_val *v = scope_get(E->sc, x->s, x->n);

	if (v == NULL && E->sc->parent)
		v = scope_get(E->sc->parent, x->s, x->n);
	if (v)
		return v;
	if (x->n == 8 && memcmp(x->s, "__name__", 8) == 0)
		return val_str(E, "unusual_prefix_dagcheck", 23, x);
	if (is_assigned(E, x->s, x->n))
		return val_new(E, DV_UNKNOWN, x);
	if (is_builtin(x->s, x->n)) {
		struct dc_val *b = val_new(E, DV_SYMBOL, x);
		char *s = aalloc(E, x->n + 10);

		memcpy(s, "builtins.", 9);
		memcpy(s + 9, x->s, x->n);
		b->s = s;
		b->n = x->n + 9;
		return b;
	}
	if (E->star_module) {
		struct dc_val *b = val_new(E, DV_SYMBOL, x);
		struct pk_buf buf = PK_BUF_INIT;

		pk_buf_printf(&buf, "%s.%.*s", E->star_module, (int)x->n, x->s);
		b->s = astrndup(E, buf.p, buf.len);
		b->n = buf.len;
		pk_buf_release(&buf);
		return b;
	}
	v = val_new(E, DV_UNDEF, x);
	v->s = astrndup(E, x->s, x->n);
	v->n = x->n;
	return v;
}

static struct dc_val *
eval_comp(struct ev *E, const struct py_node *x)
{
	/* comprehension: evaluated in a scope of its own when every iterable is known */
	struct scope sc, *saved = E->sc;
	struct dc_val *r = val_new(E, x->op == PY_DICT ? DV_DICT : DV_LIST, x);
	int idx[8], n[8], depth = 0, k;
	struct dc_val **items[8];

	if (x->nv > 8)
		return val_new(E, DV_UNKNOWN, x);
	memset(&sc, 0, sizeof sc);
	sc.parent = saved->parent ? saved->parent : saved;
	/* names of the enclosing function stay visible: copy its bindings */
	if (saved->parent)
		for (k = 0; k < saved->n; k++)
			scope_set(E, &sc, saved->b[k].name, saved->b[k].n, saved->b[k].val);
	E->sc = &sc;
	idx[0] = 0;
	if (!iter_items(E, eval(E, x->v[0]->b), &items[0], &n[0])) {
		E->sc = saved;
		return val_new(E, DV_UNKNOWN, x);
	}
	while (depth >= 0) {
		const struct py_node *g = x->v[depth];
		int skip = 0;

		if (!burn(E) || r->nitems > MAX_SEQ) {
			E->sc = saved;
			return val_new(E, DV_UNKNOWN, x);
		}
		if (idx[depth] >= n[depth]) {
			depth--;
			if (depth >= 0)
				idx[depth]++;
			continue;
		}
		bind_target(E, g->a, items[depth][idx[depth]]);
		for (k = 0; k < g->nv; k++) {
			int t = truthy(eval(E, g->v[k]));

			if (t < 0) {
				E->sc = saved;
				return val_new(E, DV_UNKNOWN, x);
			}
			if (!t)
				skip = 1;
		}
		if (skip) {
			idx[depth]++;
			continue;
		}
		if (depth + 1 < x->nv) {
			depth++;
			idx[depth] = 0;
			if (!iter_items(E, eval(E, x->v[depth]->b), &items[depth], &n[depth])) {
				E->sc = saved;
				return val_new(E, DV_UNKNOWN, x);
			}
			continue;
		}
		if (x->op == PY_DICT)
			dict_set(E, r, eval(E, x->a), eval(E, x->b));
		else
			seq_push(E, r, eval(E, x->a));
		idx[depth]++;
	}
	E->sc = saved;
	return r;
}

static struct dc_val *
eval_rshift(struct ev *E, const struct py_node *x, struct dc_val *a, struct dc_val *b)
{
	int ta = task_like(a), tb = task_like(b);

	if (!ta && !tb) {
		if (a->kind == DV_UNDEF && (b->kind == DV_UNKNOWN || b->kind == DV_UNDEF))
			endpoints(E, a, 1, x, NULL, &(int){0}, 0, &(int){0});
		if (b->kind == DV_UNDEF && (a->kind == DV_UNKNOWN || a->kind == DV_UNDEF))
			endpoints(E, b, 0, x, NULL, &(int){0}, 0, &(int){0});
		return binop_const(E, x->op, a, b, x);
	}
	if (x->op == PO_RSHIFT)
		depend(E, a, b, x, 1);
	else
		depend(E, b, a, x, 1);
	return b;
}

static struct dc_val *
eval(struct ev *E, const struct py_node *x)
{
	struct dc_val *v;
	int i;

	if (x == NULL)
		return val_new(E, DV_NONE, NULL);
	if (!burn(E))
		return val_new(E, DV_UNKNOWN, x);
	switch (x->kind) {
	case PY_NAME:
		return lookup(E, x);
	case PY_CONST:
		switch (x->op) {
		case PC_STR: return val_str(E, x->s, x->n, x);
		case PC_BYTES: v = val_new(E, DV_BYTES, x); v->s = x->s; v->n = x->n; return v;
		case PC_NONE: return val_new(E, DV_NONE, x);
		case PC_TRUE: case PC_FALSE: v = val_new(E, DV_BOOL, x); v->i = x->op == PC_TRUE; return v;
		case PC_INT: {
			char buf[32];
			size_t k, j = 0;

			for (k = 0; k < x->n && j < sizeof buf - 1; k++)
				if (x->s[k] != '_')
					buf[j++] = x->s[k];
			buf[j] = 0;
			if (j >= 19)
				return val_new(E, DV_UNKNOWN, x);
			return val_int(E, strtoll(buf, NULL, 0), x);
		}
		case PC_FLOAT: {
			char buf[64];
			size_t k, j = 0;

			for (k = 0; k < x->n && j < sizeof buf - 1; k++)
				if (x->s[k] != '_')
					buf[j++] = x->s[k];
			buf[j] = 0;
			v = val_new(E, DV_FLOAT, x);
			v->f = strtod(buf, NULL);
			return v;
		}
		default:
			return val_new(E, DV_UNKNOWN, x);
		}
	case PY_FSTRING:
		return eval_fstring(E, x);
	case PY_ATTR: {
		struct dc_val *obj = eval(E, x->a);
		char *name = astrndup(E, x->s, x->n);

		if (obj->kind == DV_SYMBOL && (strcmp(name, "partial") == 0 ||
		    strcmp(name, "expand") == 0 || strcmp(name, "expand_kwargs") == 0)) {
			v = val_new(E, DV_METHOD, x);
			v->self = obj;
			v->s = name;
			v->n = x->n;
			return v;
		}
		if (obj->kind == DV_MODULE || obj->kind == DV_SYMBOL) {
			struct pk_buf b = PK_BUF_INIT;

			pk_buf_printf(&b, "%s.%s", obj->s, name);
			v = val_new(E, DV_SYMBOL, x);
			v->s = astrndup(E, b.p, b.len);
			v->n = b.len;
			pk_buf_release(&b);
			/* TriggerRule.ALL_DONE is the string "all_done" */
			if (obj->kind == DV_SYMBOL && ends(obj->s, "TriggerRule")) {
				size_t k;

				v = val_str(E, name, strlen(name), x);
				for (k = 0; k < v->n; k++)
					if (v->s[k] >= 'A' && v->s[k] <= 'Z')
						((char *)v->s)[k] = (char)(v->s[k] + 32);
			}
			return v;
		}
		if ((obj->kind == DV_TASK || obj->kind == DV_XCOM) && strcmp(name, "output") == 0) {
			v = val_new(E, DV_XCOM, x);
			v->ref = obj->ref;
			return v;
		}
		if (obj->kind == DV_DAG && strcmp(name, "dag_id") == 0) {
			struct dc_dag *d = obj->ref;

			return d->id ? val_str(E, d->id, strlen(d->id), x) : val_new(E, DV_UNKNOWN, x);
		}
		if (obj->kind == DV_TASK && strcmp(name, "task_id") == 0) {
			struct dc_task *t = obj->ref;

			return t->id ? val_str(E, t->id, strlen(t->id), x) : val_new(E, DV_UNKNOWN, x);
		}
		if (obj->kind == DV_UNKNOWN || obj->kind == DV_UNDEF) {
			if (obj->kind == DV_UNDEF)
				return val_new(E, DV_UNKNOWN, x);
		}
		v = val_new(E, DV_METHOD, x);
		v->self = obj;
		v->s = name;
		v->n = x->n;
		return v;
	}
	case PY_SUBSCRIPT: {
		struct dc_val *obj = eval(E, x->a), *key = eval(E, x->b);

		if (obj->kind == DV_XCOM || obj->kind == DV_TASK) {
			v = val_new(E, DV_XCOM, x);
			v->ref = obj->ref;
			return v;
		}
		if (obj->kind == DV_DICT && key->kind == DV_STR) {
			const struct dc_val *r = dc_dict_get(obj, key->s);

			return r ? (struct dc_val *)r : val_new(E, DV_UNKNOWN, x);
		}
		if ((obj->kind == DV_LIST || obj->kind == DV_TUPLE) && key->kind == DV_INT && !obj->open) {
			long long k = key->i < 0 ? key->i + obj->nitems : key->i;

			if (k >= 0 && k < obj->nitems)
				return obj->items[k];
		}
		if ((obj->kind == DV_LIST || obj->kind == DV_TUPLE) && x->b->kind == PY_SLICE && !obj->open) {
			struct dc_val *lo = x->b->a ? eval(E, x->b->a) : NULL;
			struct dc_val *hi = x->b->b ? eval(E, x->b->b) : NULL;
			long long a = 0, z = obj->nitems;

			if (x->b->c == NULL && (!lo || lo->kind == DV_INT) && (!hi || hi->kind == DV_INT)) {
				if (lo)
					a = lo->i < 0 ? lo->i + obj->nitems : lo->i;
				if (hi)
					z = hi->i < 0 ? hi->i + obj->nitems : hi->i;
				if (a < 0)
					a = 0;
				if (z > obj->nitems)
					z = obj->nitems;
				v = val_new(E, obj->kind, x);
				for (; a < z; a++)
					seq_push(E, v, obj->items[a]);
				return v;
			}
		}
		return val_new(E, DV_UNKNOWN, x);
	}
	case PY_CALL: {
		struct dc_val *fn = eval(E, x->a), **pos;
		struct dc_kwlist kw = { NULL, 0, 0, 0 };
		int npos;

		eval_args(E, x, &pos, &npos, &kw);
		return call_value(E, fn, x, pos, npos, &kw);
	}
	case PY_BINOP: {
		struct dc_val *a = eval(E, x->a), *b = eval(E, x->b);

		if (x->op == PO_RSHIFT || x->op == PO_LSHIFT)
			return eval_rshift(E, x, a, b);
		return binop_const(E, x->op, a, b, x);
	}
	case PY_UNARY: {
		struct dc_val *a = eval(E, x->a);

		if (x->op == PY_NOT) {
			int t = truthy(a);

			if (t < 0)
				return val_new(E, DV_UNKNOWN, x);
			v = val_new(E, DV_BOOL, x);
			v->i = !t;
			return v;
		}
		if (x->op == PO_MINUS && a->kind == DV_INT && a->i != LLONG_MIN)
			return val_int(E, -a->i, x);
		return val_new(E, DV_UNKNOWN, x);
	}
	case PY_BOOLOP: {
		struct dc_val *last = NULL;

		/* short-circuit like Python while values are known */
		for (i = 0; i < x->nv; i++) {
			int t;

			last = eval(E, x->v[i]);
			t = truthy(last);
			if (t < 0) {
				for (i++; i < x->nv; i++)
					eval(E, x->v[i]);
				return val_new(E, DV_UNKNOWN, x);
			}
			if ((x->op == PY_AND && !t) || (x->op == PY_OR && t))
				return last;
		}
		return last;
	}
	case PY_COMPARE: {
		struct dc_val *left = eval(E, x->a);
		int result = 1;

		for (i = 0; i < x->nv; i++) {
			struct dc_val *right = eval(E, x->v[i]);
			int op = x->w[i]->op, r = -1;

			switch (op) {
			case PO_EQEQ: case PO_NE: case PY_IS: case PY_ISNOT:
				r = const_eq(left, right);
				if (r >= 0 && (op == PO_NE || op == PY_ISNOT))
					r = !r;
				break;
			case PO_LT: case PO_GT: case PO_LE: case PO_GE:
				if (left->kind == DV_INT && right->kind == DV_INT)
					r = op == PO_LT ? left->i < right->i : op == PO_GT ? left->i > right->i :
					    op == PO_LE ? left->i <= right->i : left->i >= right->i;
				break;
			case PY_IN: case PY_NOTIN: {
				struct dc_val **items;
				int n, k;

				if (left->kind == DV_STR && right->kind == DV_STR) {
					size_t q;

					r = left->n == 0;
					for (q = 0; !r && q + left->n <= right->n; q++)
						r = memcmp(right->s + q, left->s, left->n) == 0;
				} else if (iter_items(E, right, &items, &n)) {
					r = 0;
					for (k = 0; k < n && r == 0; k++) {
						int e = const_eq(left, items[k]);

						if (e < 0)
							r = -1;
						else if (e)
							r = 1;
					}
				}
				if (r >= 0 && op == PY_NOTIN)
					r = !r;
				break;
			}
			default:
				break;
			}
			if (r < 0)
				result = -1;
			else if (!r && result == 1)
				result = 0;
			left = right;
		}
		if (result < 0)
			return val_new(E, DV_UNKNOWN, x);
		v = val_new(E, DV_BOOL, x);
		v->i = result;
		return v;
	}
	case PY_IFEXP: {
		int t = truthy(eval(E, x->a));

		if (t > 0)
			return eval(E, x->b);
		if (t == 0)
			return eval(E, x->c);
		E->cond++;
		eval(E, x->b);
		eval(E, x->c);
		E->cond--;
		return val_new(E, DV_UNKNOWN, x);
	}
	case PY_LIST: case PY_TUPLE: case PY_SET:
		v = val_new(E, x->kind == PY_LIST ? DV_LIST : x->kind == PY_TUPLE ? DV_TUPLE : DV_SET, x);
		for (i = 0; i < x->nv; i++) {
			if (x->v[i]->kind == PY_STARRED) {
				struct dc_val *s = eval(E, x->v[i]->a), **items;
				int n, k;

				if (iter_items(E, s, &items, &n))
					for (k = 0; k < n; k++)
						seq_push(E, v, items[k]);
				else
					v->open = 1;
				continue;
			}
			seq_push(E, v, eval(E, x->v[i]));
		}
		return v;
	case PY_DICT:
		v = val_new(E, DV_DICT, x);
		for (i = 0; i < x->nv; i++) {
			if (x->v[i] == NULL) {
				struct dc_val *s = eval(E, x->w[i]);
				int k;

				if (s->kind == DV_DICT) {
					for (k = 0; k < s->nitems; k++)
						dict_set(E, v, s->keys[k], s->items[k]);
					v->open |= s->open;
				} else {
					v->open = 1;
				}
				continue;
			}
			{
				struct dc_val *k = eval(E, x->v[i]), *val = eval(E, x->w[i]);

				if (k->kind == DV_STR)
					dict_set(E, v, k, val);
				else
					v->open = 1;
			}
		}
		return v;
	case PY_COMP:
		return eval_comp(E, x);
	case PY_NAMEDEXPR:
		v = eval(E, x->b);
		bind_target(E, x->a, v);
		return v;
	case PY_STARRED:
		return eval(E, x->a);
	case PY_LAMBDA:
		return val_new(E, DV_UNKNOWN, x);
	case PY_AWAIT: case PY_YIELD:
		if (x->a)
			eval(E, x->a);
		return val_new(E, DV_UNKNOWN, x);
	default:
		return val_new(E, DV_UNKNOWN, x);
	}
}

/* ---- statements -------------------------------------------------------- */

static void
record_import(struct ev *E, const struct py_node *s, const struct py_node *a)
{
	struct dc_model *m = E->m;
	struct dc_import *im;

	m->imports = agrow(E, m->imports, m->nimports, &m->capi, sizeof *m->imports);
	im = &m->imports[m->nimports++];
	memset(im, 0, sizeof *im);
	if (s->kind == PY_IMPORT) {
		im->module = a->s;
	} else {
		struct pk_buf b = PK_BUF_INIT;
		int k;

		for (k = 0; k < s->op; k++)
			pk_buf_addc(&b, '.');
		if (s->s)
			pk_buf_add(&b, s->s, s->n);
		im->module = astrndup(E, b.p ? b.p : "", b.len);
		pk_buf_release(&b);
		im->name = astrndup(E, a->s, a->n);
	}
	im->asname = a->t ? astrndup(E, a->t, a->tn) : NULL;
	im->line = a->line;
	im->col = a->col;
	im->top = E->top && E->inline_depth == 0;
	im->node = s;
}

static void
exec_import(struct ev *E, const struct py_node *s)
{
	int i;

	for (i = 0; i < s->nv; i++) {
		const struct py_node *a = s->v[i];
		struct dc_val *v;

		record_import(E, s, a);
		if (s->kind == PY_IMPORT) {
			if (a->t) {
				v = val_new(E, DV_MODULE, a);
				v->s = a->s;
				v->n = a->n;
				bind(E, a->t, a->tn, v);
			} else {
				size_t k = 0;

				while (k < a->n && a->s[k] != '.')
					k++;
				v = val_new(E, DV_MODULE, a);
				v->s = astrndup(E, a->s, k);
				v->n = k;
				bind(E, a->s, k, v);
			}
			continue;
		}
		if (s->op > 0 || s->s == NULL) {
			/* relative import: the project's own module, not knowable */
			if (a->n != 1 || a->s[0] != '*')
				bind(E, a->t ? a->t : a->s, a->t ? a->tn : a->n, val_new(E, DV_UNKNOWN, a));
			continue;
		}
		if (a->n == 1 && a->s[0] == '*') {
			if (starts(s->s, "airflow"))
				E->star_module = astrndup(E, s->s, s->n);
			continue;
		}
		{
			struct pk_buf b = PK_BUF_INIT;

			pk_buf_printf(&b, "%.*s.%.*s", (int)s->n, s->s, (int)a->n, a->s);
			v = val_new(E, DV_SYMBOL, a);
			v->s = astrndup(E, b.p, b.len);
			v->n = b.len;
			pk_buf_release(&b);
			bind(E, a->t ? a->t : a->s, a->t ? a->tn : a->n, v);
		}
	}
}

/* A decorator's meaning: *deco set, kwargs copied into f. */
static void
apply_decorator(struct ev *E, struct dc_func *f, const struct py_node *d)
{
	struct dc_val *v = eval(E, d);
	const char *variant;
	enum callee c;
	struct dc_val *sym = v;

	if (v->kind == DV_PARTIAL) {
		sym = v->self;
		kw_copy(E, &f->kw, v->kw);
	}
	if (sym->kind != DV_SYMBOL)
		return;
	c = classify(sym->s, &variant);
	f->deco_node = d;
	if (c == C_TASK_DECO) {
		f->deco = DD_TASK;
		f->variant = variant;
	} else if (c == C_DAG_DECO) {
		f->deco = DD_DAG;
	} else if (c == C_TG_DECO) {
		f->deco = DD_TASK_GROUP;
	}
}

static void
exec_with(struct ev *E, const struct py_node *s)
{
	int i, pushed_dag = 0, pushed_grp = 0;

	for (i = 0; i < s->nv; i++) {
		const struct py_node *it = s->v[i];
		struct dc_val *v = eval(E, it->a);

		if (v->kind == DV_DAG && E->ndag < MAX_CTX) {
			E->dagctx[E->ndag] = v->ref;
			E->unknown_dag[E->ndag] = 0;
			E->ndag++;
			pushed_dag++;
			/* a DAG opens with its root group */
			if (E->ngrp < MAX_CTX) {
				E->grpctx[E->ngrp++] = NULL;
				pushed_grp++;
			}
		} else if (v->kind == DV_GROUP && E->ngrp < MAX_CTX) {
			E->grpctx[E->ngrp++] = v->ref;
			pushed_grp++;
		} else if (v->kind == DV_UNKNOWN && E->ndag < MAX_CTX) {
			/* could be a DAG built elsewhere: tasks inside have an unknown DAG */
			E->dagctx[E->ndag] = NULL;
			E->unknown_dag[E->ndag] = 1;
			E->ndag++;
			pushed_dag++;
		}
		if (it->b)
			bind_target(E, it->b, v);
	}
	exec_block(E, s->c);
	E->ndag -= pushed_dag;
	E->ngrp -= pushed_grp;
}

static void
exec_for(struct ev *E, const struct py_node *s)
{
	struct dc_val *it = eval(E, s->b), **items;
	int n, i;

	if (iter_items(E, it, &items, &n)) {
		for (i = 0; i < n && !E->returning; i++) {
			if (!burn(E))
				return;
			bind_target(E, s->a, items[i]);
			exec_block(E, s->c);
		}
		if (s->d)
			exec_block(E, s->d);
		return;
	}
	/* unknown iterable: the body once, with unknown names, as code that may not run */
	E->cond++;
	bind_unknown(E, s->a);
	exec_block(E, s->c);
	if (s->d)
		exec_block(E, s->d);
	E->cond--;
	E->returning = 0;
}

/* The names a case pattern captures: unknown inside the case. */
static void
bind_pattern(struct ev *E, const struct py_node *p)
{
	int i;

	if (p == NULL || p->kind < PY_MATCHVALUE)
		return;
	if ((p->kind == PY_MATCHAS || p->kind == PY_MATCHSTAR || p->kind == PY_MATCHMAP) && p->s)
		bind(E, p->s, p->n, val_new(E, DV_UNKNOWN, p));
	bind_pattern(E, p->a);
	for (i = 0; i < p->nv; i++)
		bind_pattern(E, p->v[i]);
	for (i = 0; i < p->nw; i++)
		bind_pattern(E, p->w[i]);
}

/* Every case body, as code that may not run (as an if whose test is unknown). */
static void
exec_match(struct ev *E, const struct py_node *s)
{
	int saved = E->top, i;

	eval(E, s->a);
	E->cond++;
	E->top = 0;
	for (i = 0; i < s->nv; i++) {
		const struct py_node *c = s->v[i];

		bind_pattern(E, c->a);
		if (c->b)
			eval(E, c->b);
		exec_block(E, c->c);
		E->returning = 0;
	}
	E->top = saved;
	E->cond--;
}

static void
exec_stmt(struct ev *E, const struct py_node *s)
{
	struct dc_val *v;
	int i;

	if (!burn(E))
		return;
	switch (s->kind) {
	case PY_EXPR:
		eval(E, s->a);
		break;
	case PY_ASSIGN:
		v = eval(E, s->a);
		for (i = 0; i < s->nv; i++)
			bind_target(E, s->v[i], v);
		/* DC110: remember the variable an operator was assigned to */
		if (s->nv == 1 && s->v[0]->kind == PY_NAME && (v->kind == DV_TASK) &&
		    ((struct dc_task *)v->ref)->call == s->a) {
			struct dc_task *t = v->ref;

			t->var = astrndup(E, s->v[0]->s, s->v[0]->n);
			t->var_line = s->v[0]->line;
			t->var_col = s->v[0]->col;
		}
		break;
	case PY_AUGASSIGN: {
		struct dc_val *a = eval(E, s->a), *b = eval(E, s->b);

		if ((s->op == PO_PLUS) && a->kind == DV_LIST && (b->kind == DV_LIST || b->kind == DV_TUPLE)) {
			for (i = 0; i < b->nitems; i++)
				seq_push(E, a, b->items[i]);
			a->open |= b->open;
			break;
		}
		if (s->op == PO_RSHIFT || s->op == PO_LSHIFT) {
			struct py_node tmp = *s;

			tmp.kind = PY_BINOP;
			bind_target(E, s->a, eval_rshift(E, &tmp, a, b));
			break;
		}
		if (s->op == PO_VBAR && a->kind == DV_DICT && b->kind == DV_DICT) {
			for (i = 0; i < b->nitems; i++)
				dict_set(E, a, b->keys[i], b->items[i]);
			a->open |= b->open;
			break;
		}
		bind_target(E, s->a, binop_const(E, s->op, a, b, s));
		break;
	}
	case PY_ANNASSIGN:
		if (s->c)
			bind_target(E, s->a, eval(E, s->c));
		break;
	case PY_IMPORT: case PY_IMPORTFROM:
		exec_import(E, s);
		break;
	case PY_FUNCDEF: {
		struct dc_func *f = aalloc(E, sizeof *f);

		f->def = s;
		f->variant = "";
		for (i = s->nw - 1; i >= 0; i--)
			apply_decorator(E, f, s->w[i]);
		v = val_new(E, DV_FUNC, s);
		v->ref = f;
		bind(E, s->s, s->n, v);
		break;
	}
	case PY_CLASS:
		v = val_new(E, DV_CLASSDEF, s);
		bind(E, s->s, s->n, v);
		break;
	case PY_IF: {
		int t = truthy(eval(E, s->a));

		if (t > 0) {
			exec_block(E, s->b);
		} else if (t == 0) {
			if (s->c)
				s->c->kind == PY_IF ? exec_stmt(E, s->c) : exec_block(E, s->c);
		} else {
			int saved = E->top;

			E->cond++;
			E->top = 0;
			exec_block(E, s->b);
			E->returning = 0;
			if (s->c)
				s->c->kind == PY_IF ? exec_stmt(E, s->c) : exec_block(E, s->c);
			E->returning = 0;
			E->top = saved;
			E->cond--;
		}
		break;
	}
	case PY_FOR:
		exec_for(E, s);
		break;
	case PY_WHILE:
		/* not modelled: names bound inside stay unknown */
		break;
	case PY_WITH:
		exec_with(E, s);
		break;
	case PY_MATCH:
		exec_match(E, s);
		break;
	case PY_TRY: {
		int saved = E->top;

		E->top = 0;
		exec_block(E, s->c);
		if (s->d)
			exec_block(E, s->d);
		if (s->b)
			exec_block(E, s->b);
		E->top = saved;
		break;
	}
	case PY_RETURN:
		if (E->inline_depth > 0) {
			E->retval = s->a ? eval(E, s->a) : val_new(E, DV_NONE, s);
			if (!E->cond)
				E->returning = 1;
			else
				E->retval = val_new(E, DV_UNKNOWN, s);
		}
		break;
	default:
		break;
	}
}

static void
exec_block(struct ev *E, const struct py_node *blk)
{
	int i;

	if (blk == NULL)
		return;
	for (i = 0; i < blk->nv && !E->returning; i++)
		exec_stmt(E, blk->v[i]);
}

/* ---- entry points ------------------------------------------------------ */

static int
contains_ci(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w), i, j;

	for (i = 0; i + wl <= n; i++) {
		for (j = 0; j < wl; j++) {
			char c = s[i + j];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c + 32);
			if (c != w[j])
				break;
		}
		if (j == wl)
			return 1;
	}
	return 0;
}

int
dc_might_contain_dag(const char *src, size_t len)
{
	return contains_ci(src, len, "airflow") && contains_ci(src, len, "dag");
}

void
dc_model_build(struct dc_model *m, const char *path, const char *src, size_t len)
{
	struct ev E;

	memset(m, 0, sizeof *m);
	m->path = path;
	m->src = src;
	m->len = len;
	m->parse.max_depth = 1000;
	/* Airflow's might_contain_dag heuristic (airflow/utils/file.py) */
	m->dag_file = dc_might_contain_dag(src, len);
	if (py_parse(&m->parse, src, len) < 0)
		return;
	m->parsed = 1;
	memset(&E, 0, sizeof E);
	E.m = m;
	E.sc = &E.module;
	E.fuel = FUEL;
	E.top = 1;
	collect_assigned(&E, m->parse.module);
	exec_block(&E, m->parse.module);
	free(E.assigned);
}

void
dc_model_release(struct dc_model *m)
{
	py_parse_release(&m->parse);
	memset(m, 0, sizeof *m);
}

const struct dc_val *
dc_task_param(const struct dc_task *t, const char *name, const char **from)
{
	const struct dc_val *v;
	const struct dc_group *g;

	if ((v = dc_kw_get(&t->kw, name)) != NULL) {
		if (from)
			*from = "task";
		return v;
	}
	if ((v = dc_kw_get(&t->kw, "default_args")) != NULL &&
	    (v = dc_dict_get(v, name)) != NULL) {
		if (from)
			*from = "task";
		return v;
	}
	for (g = t->group; g; g = g->parent)
		if (g->default_args && (v = dc_dict_get(g->default_args, name)) != NULL) {
			if (from)
				*from = "group";
			return v;
		}
	if (t->dag && t->dag->default_args && (v = dc_dict_get(t->dag->default_args, name)) != NULL) {
		if (from)
			*from = "dag";
		return v;
	}
	if (t->flags & DT_DAG_UNKNOWN)
		return &unknown_val;
	return NULL;
}
