/*
 * toplevel - DC404 and DC601-DC603: work done while Airflow parses the file
 * (every scheduler loop, every DAG processor run), not while tasks run.
 */
#include <string.h>

#include "cmd/dagcheck/checks.h"

struct top {
	struct dc_ctx *ctx;
	const struct dc_model *m;
	struct pk_buf q, q2;
};

static int
top_starts(const char *s, const char *pre)
{
	return strncmp(s, pre, strlen(pre)) == 0;
}

static int
top_ends(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

static const char *
top_last_part(const char *q)
{
	const char *d = strrchr(q, '.');

	return d ? d + 1 : q;
}

/* Calls that reach the network, a database or the file system (DC602). */
static const char *const io_prefixes[] = {
	"requests.", "httpx.", "urllib3.", "aiohttp.", "http.client.", "ftplib.", "paramiko.",
	"socket.create_connection", "urllib.request.urlopen", "urllib.request.urlretrieve",
	"psycopg2.connect", "psycopg.connect", "pymysql.connect", "MySQLdb.connect",
	"mysql.connector.connect", "sqlite3.connect", "pyodbc.connect", "cx_Oracle.connect",
	"oracledb.connect", "snowflake.connector.connect", "sqlalchemy.create_engine",
	"pymongo.MongoClient", "redis.Redis", "redis.StrictRedis", "google.cloud.bigquery.Client",
	"google.cloud.storage.Client", "subprocess.run", "subprocess.check_output",
	"subprocess.check_call", "subprocess.call", "subprocess.Popen", "os.system", "os.popen",
	"pandas.read_", "polars.read_", NULL
};

static const char *
io_kind(const char *q)
{
	size_t i;

	if (strcmp(q, "open") == 0 || strcmp(q, "io.open") == 0 || strcmp(q, "builtins.open") == 0 ||
	    strcmp(q, "codecs.open") == 0)
		return "reads a file";
	for (i = 0; io_prefixes[i]; i++)
		if (top_starts(q, io_prefixes[i])) {
			if (top_starts(q, "subprocess.") || top_starts(q, "os."))
				return "runs a process";
			if (top_starts(q, "pandas.") || top_starts(q, "polars."))
				return "reads data";
			if (strstr(q, "connect") || strstr(q, "engine") || strstr(q, "Client") ||
			    strstr(q, "Redis") || strstr(q, "Mongo"))
				return "opens a connection";
			return "makes a network request";
		}
	return NULL;
}

static int
top_visit(const struct py_node *x, void *arg)
{
	struct top *T = arg;
	const char *q, *last, *kind;

	if (x->kind != PY_CALL)
		return 1;
	if (!dc_qualname(T->m, x->a, &T->q)) {
		/* Path("x").read_text() */
		if (x->a && x->a->kind == PY_ATTR && x->a->a && x->a->a->kind == PY_CALL &&
		    ((x->a->n == 9 && (memcmp(x->a->s, "read_text", 9) == 0)) ||
		    (x->a->n == 10 && memcmp(x->a->s, "read_bytes", 10) == 0)) &&
		    dc_qualname(T->m, x->a->a->a, &T->q2) && (strcmp(T->q2.p, "pathlib.Path") == 0 ||
		    strcmp(T->q2.p, "pathlib.PurePath") == 0))
			dc_report_once(T->ctx, "DC602", x->line, x->col, NULL, NULL,
			    "Path.%.*s() at module top level reads a file every time Airflow parses the DAG",
			    (int)x->a->n, x->a->s);
		return 1;
	}
	q = T->q.p;
	last = top_last_part(q);
	if (top_starts(q, "airflow") && top_ends(q, "Variable.get")) {
		const struct py_node *name = x->nv > 0 ? x->v[0] : NULL;

		if (name && name->kind == PY_CONST && name->op == PC_STR)
			dc_report_once(T->ctx, "DC601", x->line, x->col, NULL, NULL,
			    "Variable.get('%.*s') at module top level queries the metadata database every "
			    "time Airflow parses the file (use '{{ var.value.%.*s }}' in a template, or call "
			    "it inside the task)", (int)name->n, name->s, (int)name->n, name->s);
		else
			dc_report_once(T->ctx, "DC601", x->line, x->col, NULL, NULL,
			    "Variable.get at module top level queries the metadata database every time "
			    "Airflow parses the file (use a template, or call it inside the task)");
		return 1;
	}
	if (top_starts(q, "airflow") && (strcmp(last, "Connection") == 0 || strcmp(last, "get_connection") == 0 ||
	    strcmp(last, "get_connection_from_secrets") == 0 || strcmp(last, "get_hook") == 0 ||
	    (top_ends(last, "Hook") && strcmp(last, "BaseHook") != 0))) {
		dc_report_once(T->ctx, "DC404", x->line, x->col, NULL, NULL,
		    "%s() at module top level runs every time Airflow parses the file (create connections "
		    "and hooks inside the task)", last);
		return 1;
	}
	if ((kind = io_kind(q)) != NULL)
		dc_report_once(T->ctx, "DC602", x->line, x->col, NULL, NULL,
		    "%s() at module top level %s every time Airflow parses the file (move it into a task)",
		    q, kind);
	return 1;
}

void
dc_check_top_level(struct dc_ctx *ctx, const struct dc_model *m)
{
	struct top T;

	if (!dc_code_active(ctx, "DC404") && !dc_code_active(ctx, "DC601") &&
	    !dc_code_active(ctx, "DC602"))
		return;
	memset(&T, 0, sizeof T);
	T.ctx = ctx;
	T.m = m;
	dc_walk_import_time(m, top_visit, &T);
	pk_buf_release(&T.q);
	pk_buf_release(&T.q2);
}

/* Libraries whose import alone takes a noticeable part of a second. */
static const char *const heavy[] = {
	"pandas", "numpy", "torch", "tensorflow", "pyspark", "sklearn", "scipy", "matplotlib",
	"keras", "transformers", "polars", "dask", "xgboost", "lightgbm", "cv2", "spacy", "nltk",
	"great_expectations", "seaborn", "plotly", "statsmodels", NULL
};

void
dc_check_heavy_imports(struct dc_ctx *ctx, const struct dc_model *m)
{
	int i;
	size_t k;

	for (i = 0; i < m->nimports; i++) {
		const struct dc_import *im = &m->imports[i];
		size_t root;

		if (!im->top)
			continue;
		root = strcspn(im->module, ".");
		for (k = 0; heavy[k]; k++)
			if (strlen(heavy[k]) == root && strncmp(im->module, heavy[k], root) == 0) {
				dc_report_once(ctx, "DC603", im->node->line, im->node->col, NULL, NULL,
				    "'%s' imported at module top level slows every parse of the file "
				    "(import it inside the task that uses it)", heavy[k]);
				break;
			}
	}
}
