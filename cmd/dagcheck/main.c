/*
 * dagcheck - static linter for Airflow DAG files: reads Python as text,
 * extracts DAGs, tasks and dependencies, and reports rule findings.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/dagcheck/config.h"
#include "cmd/dagcheck/model.h"
#include "cmd/dagcheck/pyparse.h"
#include "cmd/dagcheck/report.h"
#include "cmd/dagcheck/rules.h"
#include "lib/buf.h"
#include "lib/cli.h"
#include "lib/json.h"
#include "lib/writer.h"

/* A DAG file larger than this is refused (DC001), not read into memory. */
#define MAX_FILE_BYTES (64u << 20)
#define MAX_WALK_DEPTH 64

enum {
	OPT_GRAPH = PK_OPT_TOOL,
	OPT_DOT,
	OPT_KNOWN_DAGS,
	OPT_SELECT,
	OPT_IGNORE,
	OPT_SEVERITY,
	OPT_FAIL_ON,
	OPT_IGNORE_SYNTAX,
	OPT_DUMP_TOKENS,
	OPT_DUMP_AST,
	OPT_REQUIRE,
	OPT_TARGET,
	OPT_POOLS,
	OPT_STATISTICS,
	OPT_CONFIG,
	OPT_NO_CONFIG
};

static const struct pk_opt options[] = {
	{ OPT_GRAPH, "graph", PK_ARG_NONE, NULL, "print the extracted tasks as NDJSON instead of findings" },
	{ OPT_DOT, "dot", PK_ARG_NONE, NULL, "print the extracted DAGs as Graphviz instead of findings" },
	{ OPT_KNOWN_DAGS, "known-dags", PK_ARG_REQUIRED, "FILE",
	  "dag ids (one a line, or --graph NDJSON) that exist elsewhere" },
	{ OPT_SELECT, "select", PK_ARG_REQUIRED, "CODES", "only these rule codes or prefixes (DC1,DC201)" },
	{ OPT_IGNORE, "ignore", PK_ARG_REQUIRED, "CODES", "skip these rule codes or prefixes" },
	{ OPT_SEVERITY, "severity", PK_ARG_REQUIRED, "CODE=LEVEL", "set a rule's severity (error, warning, info)" },
	{ OPT_FAIL_ON, "fail-on", PK_ARG_REQUIRED, "LEVEL", "exit 1 on findings at or above LEVEL (default error; never)" },
	{ OPT_REQUIRE, "require", PK_ARG_REQUIRED, "ITEMS",
	  "policy rules to turn on: owner, sla, retries, execution_timeout, on_failure_callback" },
	{ OPT_TARGET, "target-version", PK_ARG_REQUIRED, "2|3",
	  "Airflow version to check against (default: 3 for files importing airflow.sdk)" },
	{ OPT_POOLS, "pools", PK_ARG_REQUIRED, "FILE", "pools (airflow pools export or REST JSON) for DC311" },
	{ OPT_STATISTICS, "statistics", PK_ARG_NONE, NULL, "print counts per rule code instead of findings" },
	{ OPT_CONFIG, "config", PK_ARG_REQUIRED, "FILE", "read settings from FILE (pyproject.toml or .dagcheck.toml)" },
	{ OPT_NO_CONFIG, "no-config", PK_ARG_NONE, NULL, "read no configuration file" },
	{ OPT_IGNORE_SYNTAX, "ignore-syntax", PK_ARG_REQUIRED, "SYNTAX", ".airflowignore syntax: regexp (default) or glob" },
	{ OPT_DUMP_TOKENS, "dump-tokens", PK_ARG_NONE, NULL, "print the Python tokens of each file (debugging)" },
	{ OPT_DUMP_AST, "dump-ast", PK_ARG_NONE, NULL, "print the syntax tree of each file (debugging)" },
	PK_OPTS_BASIC,
	PK_OPTS_END
};

struct ignore_rule {
	int glob;
	regex_t re;
	char *pat;
	char *base;		/* glob: the .airflowignore's directory, relative to the root */
	int neg, dironly, anchored;
};

struct rules {
	struct ignore_rule **v;
	size_t n;
};

struct run {
	struct pk_cli *cli;
	char **files;
	int *explicit;
	size_t nfiles, cap;
	int glob;
	int io_error;
	/* visited directories (device, inode) against symlink loops */
	struct { dev_t dev; ino_t ino; } *seen;
	size_t nseen;
};

static void
add_file(struct run *R, char *path, int explicit)
{
	if (R->nfiles == R->cap) {
		R->cap = R->cap ? R->cap * 2 : 64;
		R->files = pk_xrealloc(R->files, R->cap * sizeof *R->files);
		R->explicit = pk_xrealloc(R->explicit, R->cap * sizeof *R->explicit);
	}
	R->files[R->nfiles] = path;
	R->explicit[R->nfiles] = explicit;
	R->nfiles++;
}

/* ---- .airflowignore ---------------------------------------------------------- */

/* gitwildmatch-style glob: '*' and '?' stay within a component, "**" spans them. */
static int
glob_match(const char *p, const char *s)
{
	for (; *p; p++, s++) {
		if (p[0] == '*' && p[1] == '*') {
			p += 2;
			if (*p == '/') {
				/* "**\/x": x at any depth, including none */
				const char *q = s;

				for (;;) {
					if (glob_match(p + 1, q))
						return 1;
					q = strchr(q, '/');
					if (q == NULL)
						return 0;
					q++;
				}
			}
			for (;; s++) {
				if (glob_match(p, s))
					return 1;
				if (*s == 0)
					return 0;
			}
		}
		if (*p == '*') {
			for (;; s++) {
				if (glob_match(p + 1, s))
					return 1;
				if (*s == 0 || *s == '/')
					return 0;
			}
		}
		if (*s == 0)
			return 0;
		if (*p == '?') {
			if (*s == '/')
				return 0;
			continue;
		}
		if (*p == '[') {
			const char *q = p + 1;
			int neg = 0, hit = 0;

			if (*q == '!' || *q == '^') {
				neg = 1;
				q++;
			}
			for (; *q && (*q != ']' || q == p + 1 + neg); q++) {
				if (q[1] == '-' && q[2] && q[2] != ']') {
					if (*s >= q[0] && *s <= q[2])
						hit = 1;
					q += 2;
				} else if (*q == *s) {
					hit = 1;
				}
			}
			if (*q != ']')
				return *s == '[' && glob_match(p + 1, s + 1);
			if (hit == neg || *s == '/')
				return 0;
			p = q;
			continue;
		}
		if (*p == '\\' && p[1])
			p++;
		if (*p != *s)
			return 0;
	}
	return *s == 0;
}

/* Python's \d \s are not POSIX: rewrite the common ones for regcomp. */
static char *
posix_regex(const char *pat)
{
	struct pk_buf b = PK_BUF_INIT;

	for (; *pat; pat++) {
		if (pat[0] == '\\' && pat[1] == 'd') {
			pk_buf_adds(&b, "[0-9]");
			pat++;
		} else if (pat[0] == '\\' && pat[1] == 'D') {
			pk_buf_adds(&b, "[^0-9]");
			pat++;
		} else if (pat[0] == '\\' && pat[1] == 's') {
			pk_buf_adds(&b, "[[:space:]]");
			pat++;
		} else {
			pk_buf_addc(&b, *pat);
		}
	}
	return pk_buf_detach(&b, NULL);
}

static void
read_ignore(struct run *R, const char *dir, const char *rel, struct rules *rs)
{
	struct pk_buf path = PK_BUF_INIT;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0;

	pk_buf_printf(&path, "%s/.airflowignore", dir);
	f = fopen(path.p, "r");
	if (f == NULL) {
		pk_buf_release(&path);
		return;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		struct ignore_rule *r;
		char *p = line, *h;
		size_t l;

		lineno++;
		/* Airflow strips comments with re.sub(r"\s*#.*", "", line) */
		if ((h = strchr(p, '#')) != NULL) {
			while (h > p && (h[-1] == ' ' || h[-1] == '\t'))
				h--;
			*h = 0;
		}
		l = strlen(p);
		while (l > 0 && (p[l - 1] == '\n' || p[l - 1] == '\r' || p[l - 1] == ' ' || p[l - 1] == '\t'))
			p[--l] = 0;
		if (l == 0)
			continue;
		r = pk_xcalloc(1, sizeof *r);
		r->glob = R->glob;
		if (!r->glob) {
			char *px = posix_regex(p);

			if (regcomp(&r->re, px, REG_EXTENDED | REG_NOSUB) != 0) {
				pk_cli_warn(R->cli, "%s:%d: ignoring invalid regexp '%s'", path.p, lineno, p);
				free(px);
				free(r);
				continue;
			}
			free(px);
		} else {
			if (*p == '!') {
				r->neg = 1;
				p++;
			}
			l = strlen(p);
			if (l > 0 && p[l - 1] == '/') {
				r->dironly = 1;
				p[--l] = 0;
			}
			if (l == 0) {
				free(r);
				continue;
			}
			/* a '/' at the start or in the middle anchors to the ignore file's directory */
			r->anchored = strchr(p, '/') != NULL;
			if (*p == '/')
				p++;
			r->pat = pk_xstrdup(p);
			r->base = pk_xstrdup(rel);
		}
		rs->v = pk_xrealloc(rs->v, (rs->n + 1) * sizeof *rs->v);
		rs->v[rs->n++] = r;
	}
	free(line);
	fclose(f);
	pk_buf_release(&path);
}

/* Airflow's _RegexpIgnoreRule.match (search in the path relative to the root)
 * or _GlobIgnoreRule.match (last matching pattern wins; negation re-includes). */
static int
ignored(const struct rules *rs, const char *rel, int isdir)
{
	const char *name = strrchr(rel, '/');
	size_t i;
	int hit = 0;

	name = name ? name + 1 : rel;
	for (i = 0; i < rs->n; i++) {
		const struct ignore_rule *r = rs->v[i];

		if (!r->glob) {
			if (regexec(&r->re, rel, 0, NULL, 0) == 0)
				return 1;
			continue;
		}
		if (r->dironly && !isdir)
			continue;
		if (r->anchored) {
			size_t bl = strlen(r->base);
			const char *sub = rel;

			if (bl) {
				if (strncmp(rel, r->base, bl) != 0 || rel[bl] != '/')
					continue;
				sub = rel + bl + 1;
			}
			if (glob_match(r->pat, sub))
				hit = !r->neg;
		} else if (glob_match(r->pat, name)) {
			hit = !r->neg;
		}
	}
	return hit;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

static void
walk(struct run *R, const char *root, const char *dir, const char *rel, struct rules *inherited,
    int depth)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t nn = 0, i;
	struct rules rs;
	struct stat st;

	if (depth > MAX_WALK_DEPTH || stat(dir, &st) != 0)
		return;
	for (i = 0; i < R->nseen; i++)
		if (R->seen[i].dev == st.st_dev && R->seen[i].ino == st.st_ino)
			return;
	R->seen = pk_xrealloc(R->seen, (R->nseen + 1) * sizeof *R->seen);
	R->seen[R->nseen].dev = st.st_dev;
	R->seen[R->nseen].ino = st.st_ino;
	R->nseen++;
	if ((d = opendir(dir)) == NULL) {
		pk_cli_warn(R->cli, "'%s': %s", dir, strerror(errno));
		R->io_error = 1;
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		names = pk_xrealloc(names, (nn + 1) * sizeof *names);
		names[nn++] = pk_xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, nn, sizeof *names, cmp_name);
	rs.n = inherited->n;
	rs.v = pk_xcalloc(rs.n + 1, sizeof *rs.v);
	if (rs.n)
		memcpy(rs.v, inherited->v, rs.n * sizeof *rs.v);
	read_ignore(R, dir, rel, &rs);
	for (i = 0; i < nn; i++) {
		struct pk_buf full = PK_BUF_INIT, r = PK_BUF_INIT;

		if (strcmp(dir, ".") == 0 && strcmp(root, ".") == 0)
			pk_buf_adds(&full, names[i]);
		else
			pk_buf_printf(&full, "%s%s%s", dir, ends_with(dir, "/") ? "" : "/", names[i]);
		pk_buf_printf(&r, "%s%s%s", rel, *rel ? "/" : "", names[i]);
		if (stat(full.p, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				if (!ignored(&rs, r.p, 1))
					walk(R, root, full.p, r.p, &rs, depth + 1);
			} else if (S_ISREG(st.st_mode) && ends_with(names[i], ".py") &&
			    !ignored(&rs, r.p, 0)) {
				add_file(R, pk_buf_detach(&full, NULL), 0);
			}
		}
		pk_buf_release(&full);
		pk_buf_release(&r);
		free(names[i]);
	}
	/* rules read here are owned by this level */
	for (i = inherited->n; i < rs.n; i++) {
		if (!rs.v[i]->glob)
			regfree(&rs.v[i]->re);
		free(rs.v[i]->pat);
		free(rs.v[i]->base);
		free(rs.v[i]);
	}
	free(rs.v);
	free(names);
}

/* ---- reading ------------------------------------------------------------------ */

static int
read_all(struct run *R, const char *path, struct pk_buf *b)
{
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY);
	char tmp[65536];
	ssize_t n;

	pk_buf_reset(b);
	if (fd < 0) {
		pk_cli_warn(R->cli, "'%s': %s", path, strerror(errno));
		R->io_error = 1;
		return -1;
	}
	while ((n = read(fd, tmp, sizeof tmp)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pk_cli_warn(R->cli, "'%s': %s", path, strerror(errno));
			R->io_error = 1;
			if (fd != 0)
				close(fd);
			return -1;
		}
		if (b->len + (size_t)n > MAX_FILE_BYTES) {
			if (fd != 0)
				close(fd);
			return 1;
		}
		pk_buf_add(b, tmp, (size_t)n);
	}
	if (fd != 0)
		close(fd);
	if (b->p == NULL)
		pk_buf_adds(b, "");
	return 0;
}

static int
is_graph_input(const char *path)
{
	return ends_with(path, ".ndjson") || ends_with(path, ".jsonl") || ends_with(path, ".json");
}

static char *
stem(const char *path)
{
	const char *s = strrchr(path, '/');
	const char *e;

	s = s ? s + 1 : path;
	e = strchr(s, '.');
	return pk_xstrndup(s, e ? (size_t)(e - s) : strlen(s));
}

static char *
jstr(const struct pk_jval *v)
{
	struct pk_buf b = PK_BUF_INIT;

	if (v->type != PK_J_STR)
		return NULL;
	pk_jval_text(v, &b);
	if (b.p == NULL)
		pk_buf_adds(&b, "");
	return pk_buf_detach(&b, NULL);
}

/* Register a graph into the registry: --graph NDJSON lines, or a REST
 * /dags/{id}/tasks response ({"tasks":[{"task_id":..,"downstream_task_ids":..}]}). */
static void
load_graph(struct run *R, struct dc_registry *reg, const char *path, const char *text, size_t len,
    size_t file_index, const char *file_for_reg)
{
	struct pk_jdoc doc = PK_JDOC_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_path p_tasks, p_dag;
	struct pk_jval v;
	const char *line = text, *end = text + len;
	long lineno = 0;
	char *last_dag = NULL;

	pk_path_compile(&p_tasks, "tasks", NULL);
	pk_path_compile(&p_dag, "dag_id", NULL);
	if (pk_json_index(&doc, text, len, NULL) == 0 && pk_json_get(&doc, &p_tasks, &v) == 1 &&
	    v.type == PK_J_ARR) {
		size_t pos = 0;
		struct pk_jval item, tid;
		struct pk_jval dv;
		char *dag = NULL;

		if (pk_json_get(&doc, &p_dag, &dv) == 1)
			dag = jstr(&dv);
		if (dag == NULL)
			dag = stem(path);
		dc_registry_add_dag(reg, dag, file_for_reg, file_index, 1, 1);
		while (pk_jarr_next(&v, &pos, &item) == 1)
			if (item.type == PK_J_OBJ && pk_jobj_get(&item, "task_id", 7, &tid) == 1) {
				char *t = jstr(&tid);

				if (t)
					dc_registry_add_task(reg, t);
				free(t);
			}
		free(dag);
		goto out;
	}
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
		struct pk_jval dv, tv;
		char *dag, *task;

		lineno++;
		if (n == 0 || (n == 1 && line[0] == '\r')) {
			line += n + 1;
			continue;
		}
		if (pk_json_index(&doc, line, n, &err) != 0 || pk_json_get(&doc, &p_dag, &dv) != 1) {
			pk_cli_warn(R->cli, "%s:%ld: expected a JSON object with dag_id", path, lineno);
			line += n + 1;
			continue;
		}
		dag = jstr(&dv);
		if (dag) {
			if (last_dag == NULL || strcmp(last_dag, dag) != 0) {
				dc_registry_add_dag(reg, dag, file_for_reg, file_index, (int)lineno, 1);
				free(last_dag);
				last_dag = pk_xstrdup(dag);
			}
			if (pk_jobj_get(&(struct pk_jval){ PK_J_OBJ, 0, line, n }, "task_id", 7, &tv) == 1) {
				task = jstr(&tv);
				if (task)
					dc_registry_add_task(reg, task);
				free(task);
			}
		}
		free(dag);
		line += n + 1;
	}
out:
	free(last_dag);
	pk_path_release(&p_tasks);
	pk_path_release(&p_dag);
	pk_jdoc_release(&doc);
}

static void
load_known(struct run *R, struct dc_registry *reg, const char *path)
{
	struct pk_buf b = PK_BUF_INIT;
	const char *p, *end;
	int r = read_all(R, path, &b);

	if (r != 0) {
		if (r > 0)
			pk_cli_warn(R->cli, "'%s': file too large", path);
		pk_buf_release(&b);
		pk_cli_usage(R->cli, "cannot read --known-dags file '%s'", path);
	}
	p = b.p;
	end = b.p + b.len;
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	if (p < end && *p == '{') {
		load_graph(R, reg, path, b.p, b.len, 0, NULL);
		pk_buf_release(&b);
		return;
	}
	for (p = b.p; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *s = p, *h;

		h = memchr(s, '#', (size_t)(e - s));
		if (h)
			e = h;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (e > s) {
			if (reg->nknown == reg->capk) {
				reg->capk = reg->capk ? reg->capk * 2 : 16;
				reg->known = pk_xrealloc(reg->known, reg->capk * sizeof *reg->known);
			}
			reg->known[reg->nknown++] = pk_xstrndup(s, (size_t)(e - s));
		}
		p = nl ? nl + 1 : end;
	}
	pk_buf_release(&b);
}

/* ---- main ------------------------------------------------------------------- */

static char **
split_codes(const char *s, size_t *n, char **old, size_t oldn)
{
	char **v = old;
	const char *p = s;

	*n = oldn;
	while (*p) {
		const char *e = p;

		while (*e && *e != ',')
			e++;
		if (e > p) {
			v = pk_xrealloc(v, (*n + 1) * sizeof *v);
			v[(*n)++] = pk_xstrndup(p, (size_t)(e - p));
		}
		p = *e ? e + 1 : e;
	}
	return v;
}

static void
dump_tokens(const struct py_tokens *tk, struct pk_buf *out)
{
	size_t i;

	for (i = 0; i < tk->n; i++) {
		const struct py_token *t = &tk->t[i];

		pk_buf_printf(out, "%d:%d %s", t->line, t->col, py_tok_name(t->type));
		if (t->type == PT_NAME || t->type == PT_NUMBER || t->type == PT_STRING || t->type == PT_OP) {
			pk_buf_addc(out, ' ');
			pk_buf_add_json_str(out, t->p, t->n);
		}
		pk_buf_addc(out, '\n');
	}
	if (tk->err_line)
		pk_buf_printf(out, "error %d:%d %s\n", tk->err_line, tk->err_col, tk->err_msg);
}

static void
flush_out(struct pk_cli *cli, struct pk_buf *out)
{
	struct pk_err err = PK_ERR_INIT;

	if (out->len && pk_writer_write(cli->out, out->p, out->len, &err) != 0)
		pk_die(cli, &err);
	pk_buf_reset(out);
}

/* A code or prefix that selects nothing is a typo that would silently turn
 * checks off (or leave them on): refused, as ruff refuses an unknown rule. */
static const char *
unknown_code(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!dc_code_known(v[i]))
			return v[i];
	return NULL;
}

/* A bad settings or pools file: exit 2 like a usage error, without the
 * --help hint (the command line was fine). */
static void __attribute__((noreturn))
config_error(const struct pk_err *err)
{
	fprintf(stderr, "dagcheck: %s\n", err->msg);
	exit(2);
}

struct stat_row {
	const char *code;
	size_t n;
	enum dc_sev sev;
};

static int
cmp_stat(const void *a, const void *b)
{
	const struct stat_row *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->code, y->code);
}

/* Counts per rule code, largest first, as ruff --statistics prints them. */
static void
statistics(const struct dc_findings *f, enum dc_format fmt, struct pk_buf *out)
{
	struct stat_row *rows = NULL;
	size_t nrows = 0, i, j;
	int width = 1;

	for (i = 0; i < f->n; i++) {
		for (j = 0; j < nrows; j++)
			if (strcmp(rows[j].code, f->v[i].code) == 0)
				break;
		if (j == nrows) {
			rows = pk_xrealloc(rows, (nrows + 1) * sizeof *rows);
			rows[nrows].code = f->v[i].code;
			rows[nrows].n = 0;
			rows[nrows].sev = f->v[i].sev;
			nrows++;
		}
		rows[j].n++;
		if (f->v[i].sev > rows[j].sev)
			rows[j].sev = f->v[i].sev;
	}
	if (nrows > 1)
		qsort(rows, nrows, sizeof *rows, cmp_stat);
	for (i = 0; i < nrows; i++) {
		char tmp[32];
		int w = snprintf(tmp, sizeof tmp, "%zu", rows[i].n);

		if (w > width)
			width = w;
	}
	for (i = 0; i < nrows; i++) {
		const struct dc_rule *r = dc_rule_find(rows[i].code);

		if (fmt == DF_NDJSON) {
			pk_buf_printf(out, "{\"code\":\"%s\",\"name\":", rows[i].code);
			pk_buf_add_json_str(out, r ? r->name : "", strlen(r ? r->name : ""));
			pk_buf_printf(out, ",\"severity\":\"%s\",\"count\":%zu}\n", dc_sev_name(rows[i].sev),
			    rows[i].n);
		} else {
			pk_buf_printf(out, "%*zu\t%s\t[%s] %s\n", width, rows[i].n, rows[i].code,
			    dc_sev_name(rows[i].sev), r ? r->summary : "");
		}
	}
	free(rows);
}

static int run_main(int argc, char *argv[]);

struct args {
	int argc;
	char **argv;
	int rc;
};

static void *
run_thread(void *arg)
{
	struct args *a = arg;

	a->rc = run_main(a->argc, a->argv);
	return NULL;
}

/*
 * The parser admits expressions 12000 levels deep, as CPython does, and
 * evaluating and checking them recurses as deep: the work runs on a
 * thread with a stack of its own that no `ulimit -s` (nor a sanitizer's
 * larger frames) makes too small. Only touched pages cost memory.
 */
int
main(int argc, char *argv[])
{
	struct args a = { argc, argv, 0 };
	pthread_attr_t attr;
	pthread_t th;

	if (pthread_attr_init(&attr) != 0 ||
	    pthread_attr_setstacksize(&attr, (size_t)1 << 30) != 0 ||
	    pthread_create(&th, &attr, run_thread, &a) != 0)
		return run_main(argc, argv);	/* no thread: the process's stack */
	pthread_attr_destroy(&attr);
	pthread_join(th, NULL);
	return a.rc;
}

static int
run_main(int argc, char *argv[])
{
	struct pk_cli cli = PK_CLI_INIT("dagcheck", "[options] PATH...", options);
	struct dc_config cfg;
	struct dc_registry reg;
	struct dc_findings findings = { NULL, 0, 0 };
	struct dc_ctx ctx;
	struct run R;
	struct pk_buf src = PK_BUF_INIT, out = PK_BUF_INIT;
	enum dc_format fmt = DF_TEXT;
	const char *known_path = NULL, *config_path = NULL, *pools_path = NULL;
	struct dc_settings set;
	struct pk_err err = PK_ERR_INIT;
	int graph = 0, dot = 0, dump_tok = 0, dump_ast = 0, opt, verdict = 0, i;
	int no_config = 0, stats = 0, has_require = 0, has_fail_on = 0, has_glob = 0, has_select = 0;
	int has_ignore = 0;
	const char *bad;
	size_t si;
	char *found = NULL;
	size_t fi, ndags = 0, ntasks = 0;

	memset(&cfg, 0, sizeof cfg);
	memset(&reg, 0, sizeof reg);
	memset(&R, 0, sizeof R);
	memset(&set, 0, sizeof set);
	cfg.fail_on = DS_ERROR;
	cli.description = "Lint Airflow DAG files without Python or Airflow: structure, dependencies, "
	    "cross-DAG references, retries and sensors, secrets, Jinja templates, parse-time work, "
	    "pools and the Airflow 3 migration.";
	cli.formats = "text,ndjson,github,sarif,junit";
	R.cli = &cli;
	while ((opt = pk_cli_getopt(&cli, argc, argv)) != -1) {
		switch (opt) {
		case OPT_GRAPH: graph = 1; break;
		case OPT_DOT: dot = 1; break;
		case OPT_KNOWN_DAGS: known_path = cli.optarg; break;
		case OPT_SELECT:
			cfg.select = split_codes(cli.optarg, &cfg.nselect, cfg.select, cfg.nselect);
			if ((bad = unknown_code(cfg.select, cfg.nselect)) != NULL)
				pk_cli_usage(&cli, "--select: no rule code is or starts with '%s' "
				    "(DC001..DC708)", bad);
			has_select = 1;
			break;
		case OPT_IGNORE:
			cfg.ignore = split_codes(cli.optarg, &cfg.nignore, cfg.ignore, cfg.nignore);
			if ((bad = unknown_code(cfg.ignore, cfg.nignore)) != NULL)
				pk_cli_usage(&cli, "--ignore: no rule code is or starts with '%s' "
				    "(DC001..DC708)", bad);
			has_ignore = 1;
			break;
		case OPT_REQUIRE:
			if (dc_require_parse(cli.optarg, &cfg.require, &err) != 0)
				pk_cli_usage(&cli, "%s", err.msg);
			has_require = 1;
			break;
		case OPT_TARGET:
			if (strcmp(cli.optarg, "2") == 0)
				cfg.target = 2;
			else if (strcmp(cli.optarg, "3") == 0)
				cfg.target = 3;
			else
				pk_cli_usage(&cli, "invalid --target-version '%s' (2 or 3)", cli.optarg);
			break;
		case OPT_POOLS: pools_path = cli.optarg; break;
		case OPT_STATISTICS: stats = 1; break;
		case OPT_CONFIG: config_path = cli.optarg; no_config = 0; break;
		case OPT_NO_CONFIG: no_config = 1; config_path = NULL; break;
		case OPT_SEVERITY: {
			const char *eq = strchr(cli.optarg, '=');
			enum dc_sev sev;

			if (eq == NULL || eq == cli.optarg || dc_sev_parse(eq + 1, &sev) != 0 || sev == DS_NEVER)
				pk_cli_usage(&cli, "invalid --severity '%s' (CODE=error|warning|info)", cli.optarg);
			cfg.sevs = pk_xrealloc(cfg.sevs, (cfg.nsevs + 1) * sizeof *cfg.sevs);
			cfg.sevs[cfg.nsevs].code = pk_xstrndup(cli.optarg, (size_t)(eq - cli.optarg));
			cfg.sevs[cfg.nsevs].sev = sev;
			if (!dc_code_known(cfg.sevs[cfg.nsevs].code))
				pk_cli_usage(&cli, "--severity: no rule code is or starts with '%s' "
				    "(DC001..DC708)", cfg.sevs[cfg.nsevs].code);
			cfg.nsevs++;
			break;
		}
		case OPT_FAIL_ON:
			if (dc_sev_parse(cli.optarg, &cfg.fail_on) != 0)
				pk_cli_usage(&cli, "invalid --fail-on '%s' (error, warning, info or never)",
				    cli.optarg);
			has_fail_on = 1;
			break;
		case OPT_IGNORE_SYNTAX:
			if (strcmp(cli.optarg, "glob") == 0)
				R.glob = 1;
			else if (strcmp(cli.optarg, "regexp") == 0)
				R.glob = 0;
			else
				pk_cli_usage(&cli, "invalid --ignore-syntax '%s' (regexp or glob)", cli.optarg);
			has_glob = 1;
			break;
		case OPT_DUMP_TOKENS: dump_tok = 1; break;
		case OPT_DUMP_AST: dump_ast = 1; break;
		default: pk_cli_common(&cli, NULL, opt);
		}
	}
	if (graph && dot)
		pk_cli_usage(&cli, "--graph and --dot cannot be used together");
	dc_format_parse(cli.format, &fmt);
	if (cli.optind >= argc)
		pk_cli_usage(&cli, "no PATH given (files or directories of DAG files; '-' for stdin)");
	if (stats && fmt != DF_TEXT && fmt != DF_NDJSON)
		pk_cli_usage(&cli, "--statistics prints text or ndjson, not '%s'", cli.format);

	/* settings from a file; the command line overrides them key by key */
	if (!no_config && config_path == NULL)
		config_path = found = dc_config_find(argv[cli.optind]);
	if (!no_config && config_path) {
		if (dc_config_load(config_path, &set, &err) != 0)
			config_error(&err);
		if ((bad = unknown_code(set.select, set.nselect)) == NULL)
			bad = unknown_code(set.ignore, set.nignore);
		for (si = 0; bad == NULL && si < set.nsevs; si++)
			if (!dc_code_known(set.sevs[si].code))
				bad = set.sevs[si].code;
		if (bad != NULL) {
			pk_err_set(&err, PK_ERR_USAGE, "%s: no rule code is or starts with '%s' "
			    "(DC001..DC708)", config_path, bad);
			config_error(&err);
		}
		if (!has_select && set.has_select) {
			cfg.select = set.select;
			cfg.nselect = set.nselect;
			set.select = NULL;
			set.nselect = 0;
		}
		if (!has_ignore && !has_select && set.has_ignore) {
			cfg.ignore = set.ignore;
			cfg.nignore = set.nignore;
			set.ignore = NULL;
			set.nignore = 0;
		}
		if (set.nsevs) {
			/* the file's first, so that --severity (searched last first) wins */
			set.sevs = pk_xrealloc(set.sevs, (set.nsevs + cfg.nsevs) * sizeof *set.sevs);
			if (cfg.nsevs)
				memcpy(set.sevs + set.nsevs, cfg.sevs, cfg.nsevs * sizeof *cfg.sevs);
			free(cfg.sevs);
			cfg.sevs = (void *)set.sevs;
			cfg.nsevs += set.nsevs;
			set.sevs = NULL;
			set.nsevs = 0;
		}
		if (!has_require && set.has_require)
			cfg.require = set.require;
		if (!has_fail_on && set.has_fail_on)
			cfg.fail_on = set.fail_on;
		if (cfg.target == 0)
			cfg.target = set.target;
		if (pools_path == NULL)
			pools_path = set.pools;
		if (known_path == NULL)
			known_path = set.known_dags;
		if (!has_glob && set.has_glob)
			R.glob = set.glob;
	}
	if (pools_path && dc_pools_load(pools_path, &cfg, &err) != 0)
		config_error(&err);
	if (known_path)
		load_known(&R, &reg, known_path);
	for (i = cli.optind; i < argc; i++) {
		struct stat st;

		if (strcmp(argv[i], "-") == 0) {
			add_file(&R, pk_xstrdup("-"), 1);
			continue;
		}
		if (stat(argv[i], &st) != 0) {
			pk_cli_warn(&cli, "'%s': %s", argv[i], strerror(errno));
			R.io_error = 1;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			struct rules none = { NULL, 0 };

			walk(&R, argv[i], argv[i], "", &none, 0);
		} else {
			add_file(&R, pk_xstrdup(argv[i]), 1);
		}
	}

	ctx.out = &findings;
	ctx.cfg = &cfg;
	ctx.reg = &reg;
	if (dot)
		dc_graph_dot_begin(&out);
	for (fi = 0; fi < R.nfiles; fi++) {
		const char *path = R.files[fi];
		const char *shown = strcmp(path, "-") == 0 ? "<stdin>" : path;
		struct dc_model m;
		int r;

		if (pk_cli_interrupted())
			break;
		ctx.file = shown;
		ctx.file_index = fi;
		r = read_all(&R, path, &src);
		if (r < 0)
			continue;
		if (r > 0) {
			dc_report(&ctx, "DC001", 1, 1, NULL, NULL, "file is larger than %u MiB",
			    MAX_FILE_BYTES >> 20);
			continue;
		}
		if (R.explicit[fi] && is_graph_input(path)) {
			load_graph(&R, &reg, shown, src.p, src.len, fi, shown);
			continue;
		}
		/* Airflow's heuristic decides which files in a directory are DAG files */
		if (!R.explicit[fi] && !dc_might_contain_dag(src.p, src.len))
			continue;
		if (dump_tok || dump_ast) {
			struct py_parse p = PY_PARSE_INIT;

			if (dump_tok) {
				py_tokenize(&p.tok, src.p, src.len);
				dump_tokens(&p.tok, &out);
			} else if (py_parse(&p, src.p, src.len) == 0) {
				py_dump(p.module, &out);
			} else {
				pk_buf_printf(&out, "error %d:%d %s\n", p.err_line, p.err_col, p.err_msg);
			}
			py_parse_release(&p);
			flush_out(&cli, &out);
			continue;
		}
		dc_model_build(&m, shown, src.p, src.len);
		/* Not silently: what was not evaluated was not checked. */
		if (m.truncated && !cli.quiet)
			fprintf(stderr, "%s: %s: evaluation stopped after %d steps (a very large "
			    "or looping module): findings past that point may be missing\n",
			    cli.prog, shown, DC_EVAL_FUEL);
		dc_check_file(&ctx, &m);
		ndags += (size_t)m.ndags;
		ntasks += (size_t)m.ntasks;
		if (graph)
			dc_graph_ndjson(&m, &out);
		else if (dot)
			dc_graph_dot(&m, &out);
		dc_model_release(&m);
		if (out.len > 65536)
			flush_out(&cli, &out);
	}
	if (dot)
		dc_graph_dot_end(&out);
	dc_check_all(&ctx, (const char *const *)R.files);
	dc_findings_sort(&findings);
	if (graph || dot) {
		size_t k;

		/* the graph is the output; syntax errors still need saying */
		for (k = 0; k < findings.n; k++)
			if (strcmp(findings.v[k].code, "DC001") == 0)
				pk_cli_warn(&cli, "%s:%d:%d: %s", findings.v[k].file, findings.v[k].line,
				    findings.v[k].col, findings.v[k].msg);
	} else if (!dump_tok && !dump_ast) {
		const char **shown = pk_xcalloc(R.nfiles + 1, sizeof *shown);
		size_t k;

		for (k = 0; k < R.nfiles; k++)
			shown[k] = strcmp(R.files[k], "-") == 0 ? "<stdin>" : R.files[k];
		if (stats)
			statistics(&findings, fmt, &out);
		else
			dc_report_findings(fmt, &findings, shown, R.nfiles, &out);
		free(shown);
		for (k = 0; k < findings.n; k++)
			if (cfg.fail_on != DS_NEVER && findings.v[k].sev >= cfg.fail_on)
				verdict = 1;
	}
	flush_out(&cli, &out);
	if (cli.verbose && !cli.quiet) {
		size_t k, ne = 0, nw = 0, nin = 0;

		for (k = 0; k < findings.n; k++) {
			if (findings.v[k].sev == DS_ERROR)
				ne++;
			else if (findings.v[k].sev == DS_WARNING)
				nw++;
			else
				nin++;
		}
		fprintf(stderr, "dagcheck: %zu files, %zu DAGs, %zu tasks, %zu findings "
		    "(%zu errors, %zu warnings, %zu info)\n", R.nfiles, ndags, ntasks, findings.n, ne, nw, nin);
	}
	if (R.io_error)
		verdict = 4;
	verdict = pk_cli_finish(&cli, NULL, verdict);
	dc_findings_release(&findings);
	dc_registry_release(&reg);
	for (fi = 0; fi < R.nfiles; fi++)
		free(R.files[fi]);
	free(R.files);
	free(R.explicit);
	free(R.seen);
	pk_buf_release(&src);
	pk_buf_release(&out);
	for (fi = 0; fi < cfg.nselect; fi++)
		free(cfg.select[fi]);
	for (fi = 0; fi < cfg.nignore; fi++)
		free(cfg.ignore[fi]);
	for (fi = 0; fi < cfg.nsevs; fi++)
		free(cfg.sevs[fi].code);
	free(cfg.select);
	free(cfg.ignore);
	free(cfg.sevs);
	for (fi = 0; fi < cfg.npools; fi++)
		free(cfg.pools[fi].name);
	free(cfg.pools);
	dc_settings_release(&set);
	free(found);
	return verdict;
}
