/*
 * report - writes findings (text, ndjson, github, sarif, junit) and extracted
 * graphs (NDJSON task lines, Graphviz) into a buffer.
 */
#include "cmd/dagcheck/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const dc_graph_params[] = {
	"owner", "retries", "retry_delay", "retry_exponential_backoff", "sla", "execution_timeout",
	"pool", "pool_slots", "priority_weight", "weight_rule", "trigger_rule", "queue",
	"depends_on_past", "wait_for_downstream", "max_active_tis_per_dag", "mode", "timeout",
	"poke_interval", "deferrable", NULL
};

int
dc_format_parse(const char *s, enum dc_format *out)
{
	static const char *const names[] = { "text", "ndjson", "github", "sarif", "junit" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum dc_format)i;
			return 0;
		}
	return -1;
}

static void
json_str(struct pk_buf *b, const char *s)
{
	if (s == NULL)
		pk_buf_adds(b, "null");
	else
		pk_buf_add_json_str(b, s, strlen(s));
}

static void
xml_str(struct pk_buf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '<': pk_buf_adds(b, "&lt;"); break;
		case '>': pk_buf_adds(b, "&gt;"); break;
		case '&': pk_buf_adds(b, "&amp;"); break;
		case '"': pk_buf_adds(b, "&quot;"); break;
		case '\'': pk_buf_adds(b, "&apos;"); break;
		default:
			/* XML 1.0 forbids most control characters even as references */
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				pk_buf_addc(b, '?');
			else
				pk_buf_addc(b, (char)c);
		}
	}
}

/* GitHub workflow commands: %, CR, LF escaped in data; also ':' and ',' in properties. */
static void
gh_escape(struct pk_buf *b, const char *s, int prop)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '%': pk_buf_adds(b, "%25"); break;
		case '\r': pk_buf_adds(b, "%0D"); break;
		case '\n': pk_buf_adds(b, "%0A"); break;
		case ':': if (prop) pk_buf_adds(b, "%3A"); else pk_buf_addc(b, ':'); break;
		case ',': if (prop) pk_buf_adds(b, "%2C"); else pk_buf_addc(b, ','); break;
		default: pk_buf_addc(b, *s);
		}
	}
}

static void
finding_json(const struct dc_finding *f, struct pk_buf *b)
{
	int k;

	pk_buf_adds(b, "{\"code\":");
	json_str(b, f->code);
	pk_buf_adds(b, ",\"severity\":");
	json_str(b, dc_sev_name(f->sev));
	pk_buf_adds(b, ",\"file\":");
	json_str(b, f->file);
	pk_buf_printf(b, ",\"line\":%d,\"column\":%d", f->line, f->col);
	if (f->dag_id) {
		pk_buf_adds(b, ",\"dag_id\":");
		json_str(b, f->dag_id);
	}
	if (f->task_id) {
		pk_buf_adds(b, ",\"task_id\":");
		json_str(b, f->task_id);
	}
	pk_buf_adds(b, ",\"message\":");
	json_str(b, f->msg);
	if (f->nrelated) {
		pk_buf_adds(b, ",\"related\":[");
		for (k = 0; k < f->nrelated; k++) {
			if (k)
				pk_buf_addc(b, ',');
			pk_buf_adds(b, "{\"file\":");
			json_str(b, f->related[k].file);
			pk_buf_printf(b, ",\"line\":%d,\"column\":%d,\"message\":", f->related[k].line,
			    f->related[k].col);
			json_str(b, f->related[k].msg);
			pk_buf_addc(b, '}');
		}
		pk_buf_addc(b, ']');
	}
	pk_buf_addc(b, '}');
}

static void
sarif_location(struct pk_buf *b, const char *file, int line, int col, const char *msg, int id)
{
	pk_buf_adds(b, "{");
	if (id >= 0)
		pk_buf_printf(b, "\"id\":%d,", id);
	pk_buf_adds(b, "\"physicalLocation\":{\"artifactLocation\":{\"uri\":");
	json_str(b, file);
	pk_buf_printf(b, "},\"region\":{\"startLine\":%d,\"startColumn\":%d}}", line, col);
	if (msg) {
		pk_buf_adds(b, ",\"message\":{\"text\":");
		json_str(b, msg);
		pk_buf_addc(b, '}');
	}
	pk_buf_addc(b, '}');
}

static void
report_sarif(const struct dc_findings *fs, struct pk_buf *b)
{
	size_t i;
	int k;

	/* SARIF 2.1.0 (OASIS): version, $schema, runs[].tool.driver, results[] */
	pk_buf_adds(b, "{\"version\":\"2.1.0\",\"$schema\":"
	    "\"https://json.schemastore.org/sarif-2.1.0.json\",\"runs\":[{\"tool\":{\"driver\":"
	    "{\"name\":\"dagcheck\",\"version\":\"" PK_VERSION "\",\"informationUri\":"
	    "\"https://github.com/pipekit/pipekit\",\"rules\":[");
	for (i = 0; i < dc_nrules; i++) {
		const struct dc_rule *r = &dc_rules[i];

		if (i)
			pk_buf_addc(b, ',');
		pk_buf_adds(b, "{\"id\":");
		json_str(b, r->code);
		pk_buf_adds(b, ",\"name\":");
		json_str(b, r->name);
		pk_buf_adds(b, ",\"shortDescription\":{\"text\":");
		json_str(b, r->summary);
		pk_buf_printf(b, "},\"defaultConfiguration\":{\"level\":\"%s\"}}",
		    r->sev == DS_ERROR ? "error" : r->sev == DS_WARNING ? "warning" : "note");
	}
	pk_buf_adds(b, "]}},\"results\":[");
	for (i = 0; i < fs->n; i++) {
		const struct dc_finding *f = &fs->v[i];
		size_t ri;

		for (ri = 0; ri < dc_nrules && strcmp(dc_rules[ri].code, f->code) != 0; ri++)
			;
		if (i)
			pk_buf_addc(b, ',');
		pk_buf_adds(b, "{\"ruleId\":");
		json_str(b, f->code);
		if (ri < dc_nrules)
			pk_buf_printf(b, ",\"ruleIndex\":%zu", ri);
		pk_buf_printf(b, ",\"level\":\"%s\",\"message\":{\"text\":",
		    f->sev == DS_ERROR ? "error" : f->sev == DS_WARNING ? "warning" : "note");
		json_str(b, f->msg);
		pk_buf_adds(b, "},\"locations\":[");
		sarif_location(b, f->file, f->line, f->col, NULL, -1);
		pk_buf_addc(b, ']');
		if (f->nrelated) {
			pk_buf_adds(b, ",\"relatedLocations\":[");
			for (k = 0; k < f->nrelated; k++) {
				if (k)
					pk_buf_addc(b, ',');
				sarif_location(b, f->related[k].file, f->related[k].line, f->related[k].col,
				    f->related[k].msg, k);
			}
			pk_buf_addc(b, ']');
		}
		pk_buf_addc(b, '}');
	}
	pk_buf_adds(b, "]}]}\n");
}

static void
report_junit(const struct dc_findings *fs, const char *const *files, size_t nfiles, struct pk_buf *b)
{
	size_t i, j = 0, failures = 0, nfail_files = 0;

	for (i = 0; i < fs->n; i++)
		if (fs->v[i].sev != DS_INFO)
			failures++;
	(void)failures;
	/* one test case per file: it fails when the file has findings above info */
	for (i = 0; i < nfiles; i++) {
		size_t k;

		for (k = 0; k < fs->n; k++)
			if (fs->v[k].file_index == i && fs->v[k].sev != DS_INFO) {
				nfail_files++;
				break;
			}
	}
	pk_buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<testsuites name=\"dagcheck\" tests=\"%zu\" failures=\"%zu\">\n"
	    "  <testsuite name=\"dagcheck\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n",
	    nfiles, nfail_files, nfiles, nfail_files);
	for (i = 0; i < nfiles; i++) {
		size_t start = j, k;
		int failing = 0;

		while (j < fs->n && fs->v[j].file_index == i)
			j++;
		for (k = start; k < j; k++)
			if (fs->v[k].sev != DS_INFO)
				failing = 1;
		pk_buf_adds(b, "    <testcase classname=\"dagcheck\" name=\"");
		xml_str(b, files[i]);
		pk_buf_adds(b, "\"");
		if (start == j) {
			pk_buf_adds(b, "/>\n");
			continue;
		}
		pk_buf_adds(b, ">\n");
		if (failing) {
			pk_buf_printf(b, "      <failure type=\"dagcheck\" message=\"%zu finding%s\">",
			    j - start, j - start == 1 ? "" : "s");
			for (k = start; k < j; k++) {
				const struct dc_finding *f = &fs->v[k];
				struct pk_buf line = PK_BUF_INIT;

				pk_buf_printf(&line, "%s:%d:%d: %s [%s] %s\n", f->file, f->line, f->col, f->code,
				    dc_sev_name(f->sev), f->msg);
				xml_str(b, line.p);
				pk_buf_release(&line);
			}
			pk_buf_adds(b, "</failure>\n");
		} else {
			pk_buf_adds(b, "      <system-out>");
			for (k = start; k < j; k++) {
				const struct dc_finding *f = &fs->v[k];
				struct pk_buf line = PK_BUF_INIT;

				pk_buf_printf(&line, "%s:%d:%d: %s [%s] %s\n", f->file, f->line, f->col, f->code,
				    dc_sev_name(f->sev), f->msg);
				xml_str(b, line.p);
				pk_buf_release(&line);
			}
			pk_buf_adds(b, "</system-out>\n");
		}
		pk_buf_adds(b, "    </testcase>\n");
	}
	pk_buf_adds(b, "  </testsuite>\n</testsuites>\n");
}

void
dc_report_findings(enum dc_format fmt, const struct dc_findings *fs, const char *const *files,
    size_t nfiles, struct pk_buf *b)
{
	size_t i;

	switch (fmt) {
	case DF_TEXT:
		for (i = 0; i < fs->n; i++) {
			const struct dc_finding *f = &fs->v[i];

			pk_buf_printf(b, "%s:%d:%d: %s %s\n", f->file, f->line, f->col, f->code, f->msg);
		}
		break;
	case DF_NDJSON:
		for (i = 0; i < fs->n; i++) {
			finding_json(&fs->v[i], b);
			pk_buf_addc(b, '\n');
		}
		break;
	case DF_GITHUB:
		for (i = 0; i < fs->n; i++) {
			const struct dc_finding *f = &fs->v[i];

			pk_buf_printf(b, "::%s file=", f->sev == DS_ERROR ? "error" :
			    f->sev == DS_WARNING ? "warning" : "notice");
			gh_escape(b, f->file, 1);
			pk_buf_printf(b, ",line=%d,col=%d,title=%s::", f->line, f->col, f->code);
			gh_escape(b, f->msg, 0);
			pk_buf_addc(b, '\n');
		}
		break;
	case DF_SARIF:
		report_sarif(fs, b);
		break;
	case DF_JUNIT:
		report_junit(fs, files, nfiles, b);
		break;
	}
}

/* ---- graphs --------------------------------------------------------------- */

static int
json_val(const struct dc_val *v, struct pk_buf *b)
{
	switch (v->kind) {
	case DV_STR: pk_buf_add_json_str(b, v->s, v->n); return 1;
	case DV_INT: pk_buf_printf(b, "%lld", v->i); return 1;
	case DV_FLOAT: case DV_DURATION: pk_buf_add_double(b, v->f); return 1;
	case DV_BOOL: pk_buf_adds(b, v->i ? "true" : "false"); return 1;
	case DV_NONE: pk_buf_adds(b, "null"); return 1;
	default: return 0;
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void
dc_graph_ndjson(const struct dc_model *m, struct pk_buf *b)
{
	int di, i, j, k;
	const char **ups = NULL;
	int cap = 0;

	for (di = 0; di < m->ndags; di++) {
		const struct dc_dag *d = m->dags[di];

		if (d->id == NULL)
			continue;
		for (i = 0; i < d->ntasks; i++) {
			const struct dc_task *t = d->tasks[i];
			int nu = 0;

			if (t->id == NULL)
				continue;
			pk_buf_adds(b, "{\"dag_id\":");
			json_str(b, d->id);
			pk_buf_adds(b, ",\"task_id\":");
			json_str(b, t->id);
			pk_buf_adds(b, ",\"operator\":");
			json_str(b, t->op);
			for (j = 0; j < d->nedges; j++) {
				if (d->edges[j].to != t || d->edges[j].from->id == NULL)
					continue;
				if (nu == cap) {
					cap = cap ? cap * 2 : 16;
					ups = pk_xrealloc(ups, (size_t)cap * sizeof *ups);
				}
				ups[nu++] = d->edges[j].from->id;
			}
			if (nu > 1)
				qsort(ups, (size_t)nu, sizeof *ups, cmp_str);
			pk_buf_adds(b, ",\"upstream\":[");
			for (j = 0, k = 0; j < nu; j++) {
				if (j > 0 && strcmp(ups[j], ups[j - 1]) == 0)
					continue;
				if (k++)
					pk_buf_addc(b, ',');
				json_str(b, ups[j]);
			}
			pk_buf_adds(b, "],\"file\":");
			json_str(b, m->path);
			pk_buf_printf(b, ",\"line\":%d", t->line);
			if (t->group && t->group->id) {
				pk_buf_adds(b, ",\"group\":");
				json_str(b, t->group->id);
			}
			if (t->flags & DT_MAPPED)
				pk_buf_adds(b, ",\"mapped\":true");
			for (j = 0; dc_graph_params[j]; j++) {
				const struct dc_val *v = dc_task_param(t, dc_graph_params[j], NULL);
				size_t mark = b->len;

				if (v == NULL)
					continue;
				pk_buf_printf(b, ",\"%s\":", dc_graph_params[j]);
				if (!json_val(v, b)) {
					b->len = mark;
					b->p[mark] = 0;
				}
			}
			pk_buf_adds(b, "}\n");
		}
	}
	free(ups);
}

static void
dot_id(struct pk_buf *b, const char *a, const char *c)
{
	pk_buf_addc(b, '"');
	for (; *a; a++) {
		if (*a == '"' || *a == '\\')
			pk_buf_addc(b, '\\');
		pk_buf_addc(b, *a);
	}
	if (c) {
		pk_buf_adds(b, "::");
		for (; *c; c++) {
			if (*c == '"' || *c == '\\')
				pk_buf_addc(b, '\\');
			pk_buf_addc(b, *c);
		}
	}
	pk_buf_addc(b, '"');
}

void
dc_graph_dot_begin(struct pk_buf *b)
{
	pk_buf_adds(b, "digraph dagcheck {\n  rankdir=LR;\n  node [shape=box];\n");
}

void
dc_graph_dot(const struct dc_model *m, struct pk_buf *b)
{
	int di, i;

	for (di = 0; di < m->ndags; di++) {
		const struct dc_dag *d = m->dags[di];

		if (d->id == NULL)
			continue;
		pk_buf_adds(b, "  subgraph ");
		dot_id(b, "cluster_", d->id);
		pk_buf_adds(b, " {\n    label=");
		dot_id(b, d->id, NULL);
		pk_buf_adds(b, ";\n");
		for (i = 0; i < d->ntasks; i++) {
			const struct dc_task *t = d->tasks[i];

			if (t->id == NULL)
				continue;
			pk_buf_adds(b, "    ");
			dot_id(b, d->id, t->id);
			pk_buf_adds(b, " [label=");
			dot_id(b, t->id, NULL);
			if (t->flags & DT_BRANCH)
				pk_buf_adds(b, ", shape=diamond");
			else if (t->flags & DT_SENSOR)
				pk_buf_adds(b, ", shape=ellipse");
			pk_buf_adds(b, "];\n");
		}
		for (i = 0; i < d->nedges; i++) {
			const struct dc_edge *e = &d->edges[i];
			int j, dup = 0;

			if (e->from->id == NULL || e->to->id == NULL)
				continue;
			for (j = 0; j < i && !dup; j++)
				dup = d->edges[j].from == e->from && d->edges[j].to == e->to;
			if (dup)
				continue;
			pk_buf_adds(b, "    ");
			dot_id(b, d->id, e->from->id);
			pk_buf_adds(b, " -> ");
			dot_id(b, d->id, e->to->id);
			pk_buf_adds(b, ";\n");
		}
		pk_buf_adds(b, "  }\n");
	}
}

void
dc_graph_dot_end(struct pk_buf *b)
{
	pk_buf_adds(b, "}\n");
}
