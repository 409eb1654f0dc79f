/*
 * report.c - skewstat's output: ndjson lines, an aligned table with bars,
 * and the Prometheus text format.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/skewstat/skewstat.h"
#include "lib/buf.h"
#include "lib/cli.h"
#include "lib/writer.h"

#define BAR_WIDTH 40

static const char *
salt_name(enum sk_salt s)
{
	return s == SALT_GIVEN ? "given" : s == SALT_SUGGESTED ? "suggested" : "none";
}

static void
emit(struct sk *sk, struct pk_buf *b)
{
	struct pk_err err = PK_ERR_INIT;

	if (pk_writer_write(sk->cli->out, b->p, b->len, &err) < 0)
		pk_die(sk->cli, &err);
	pk_buf_reset(b);
}

void
sk_add_key(struct pk_buf *b, const void *p, size_t n)
{
	pk_buf_add_json_bytes(b, p ? p : "", n);	/* an empty key is "", never null */
}

static double
ratio(uint64_t a, uint64_t b)
{
	return b == 0 ? NAN : (double)a / (double)b;
}

/* The members every metrics object shares (summary, what_if). */
static void
add_metrics(struct pk_buf *b, const struct pk_skew *m)
{
	pk_buf_printf(b, "\"total\":%llu,\"min\":%llu,\"max\":%llu,\"mean\":",
	    (unsigned long long)m->total, (unsigned long long)m->min,
	    (unsigned long long)m->max);
	pk_buf_add_double(b, m->mean);
	pk_buf_adds(b, ",\"stddev\":");
	pk_buf_add_double(b, m->stddev);
	pk_buf_adds(b, ",\"cv\":");
	pk_buf_add_double(b, m->cv);
	pk_buf_adds(b, ",\"imbalance\":");
	pk_buf_add_double(b, m->imbalance);
	pk_buf_adds(b, ",\"gini\":");
	pk_buf_add_double(b, m->gini);
	pk_buf_adds(b, ",\"jain\":");
	pk_buf_add_double(b, m->jain);
	pk_buf_printf(b, ",\"empty\":%zu", m->empty);
}

static void
report_ndjson(struct sk *sk)
{
	struct pk_buf b = PK_BUF_INIT;
	size_t *rank = pk_xcalloc(sk->np ? sk->np : 1, sizeof *rank);
	size_t i;

	pk_buf_printf(&b, "{\"type\":\"summary\",\"partitions\":%zu,", sk->m.partitions);
	add_metrics(&b, &sk->m);
	pk_buf_adds(&b, "}\n");
	emit(sk, &b);
	for (i = 0; i < sk->np; i++)
		rank[sk->order[i]] = i + 1;
	for (i = 0; i < sk->np; i++) {
		pk_buf_printf(&b, "{\"type\":\"partition\",\"partition\":%zu,\"count\":%llu,\"bytes\":",
		    i, (unsigned long long)sk->counts[i]);
		if (sk->bytes != NULL && sk->bytes[i] != SK_BYTES_UNKNOWN)
			pk_buf_printf(&b, "%llu", (unsigned long long)sk->bytes[i]);
		else
			pk_buf_adds(&b, "null");
		pk_buf_adds(&b, ",\"share\":");
		pk_buf_add_double(&b, ratio(sk->counts[i], sk->m.total));
		pk_buf_printf(&b, ",\"rank\":%zu", rank[i]);
		if (sk->mode == MODE_TOPIC) {
			pk_buf_printf(&b, ",\"low\":%lld,\"high\":%lld", (long long)sk->low[i],
			    (long long)sk->high[i]);
			if (sk->committed != NULL) {
				if (sk->committed[i] >= 0)
					pk_buf_printf(&b, ",\"committed\":%lld,\"lag\":%lld",
					    (long long)sk->committed[i],
					    (long long)(sk->high[i] - sk->committed[i]));
				else
					pk_buf_adds(&b, ",\"committed\":null,\"lag\":null");
			}
			if (sk->sampled != NULL)
				pk_buf_printf(&b, ",\"sampled\":%llu",
				    (unsigned long long)sk->sampled[i]);
		}
		pk_buf_adds(&b, "}\n");
		emit(sk, &b);
	}
	for (i = 0; i < sk->nrows; i++) {
		const struct keyrow *kr = &sk->rows[i];

		pk_buf_adds(&b, "{\"type\":\"key\",\"key\":");
		sk_add_key(&b, kr->it->key, kr->it->keyn);
		pk_buf_printf(&b, ",\"count\":%llu,\"error\":%llu,\"share\":",
		    (unsigned long long)kr->it->count, (unsigned long long)kr->it->error);
		pk_buf_add_double(&b, kr->share);
		if (kr->partition >= 0)
			pk_buf_printf(&b, ",\"partition\":%ld", (long)kr->partition);
		else
			pk_buf_adds(&b, ",\"partition\":null");
		if (kr->salt > 0)
			pk_buf_printf(&b, ",\"salt\":%zu", kr->salt);
		else
			pk_buf_adds(&b, ",\"salt\":null");
		pk_buf_adds(&b, "}\n");
		emit(sk, &b);
	}
	/* What-if rows only when something was compared. */
	if (sk->nsc > 1) {
		for (i = 0; i < sk->nsc; i++) {
			const struct scen *c = &sk->sc[i];

			pk_buf_printf(&b, "{\"type\":\"what_if\",\"partitions\":%ld,\"partitioner\":\"%s\","
			    "\"salt\":\"%s\",\"current\":%s,", (long)c->n,
			    pk_part_partitioner_name(c->how), salt_name(c->salt),
			    c->current ? "true" : "false");
			add_metrics(&b, &c->m);
			pk_buf_adds(&b, "}\n");
			emit(sk, &b);
		}
	}
	free(rank);
	pk_buf_release(&b);
}

/* --- table -------------------------------------------------------------- */

struct table {
	size_t ncol;
	const char *align;	/* 'l' or 'r' per column */
	struct pk_buf *cells;	/* rows x ncol */
	char **bars;		/* per row; NULL for none */
	size_t nrow, cap;
};

static void
t_init(struct table *t, const char *align)
{
	memset(t, 0, sizeof *t);
	t->ncol = strlen(align);
	t->align = align;
}

static struct pk_buf *
t_row(struct table *t)
{
	size_t i;

	if (t->nrow == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->cells = pk_xrealloc(t->cells, t->cap * t->ncol * sizeof *t->cells);
		t->bars = pk_xrealloc(t->bars, t->cap * sizeof *t->bars);
	}
	for (i = 0; i < t->ncol; i++) {
		struct pk_buf init = PK_BUF_INIT;

		t->cells[t->nrow * t->ncol + i] = init;
	}
	t->bars[t->nrow] = NULL;
	return &t->cells[t->nrow++ * t->ncol];
}

/* Display width: UTF-8 code points (keys may hold any text). */
static size_t
width(const struct pk_buf *b)
{
	size_t i, w = 0;

	for (i = 0; i < b->len; i++)
		w += ((unsigned char)b->p[i] & 0xc0) != 0x80;
	return w;
}

static void
t_flush(struct sk *sk, struct table *t, struct pk_buf *out)
{
	size_t *w = pk_xcalloc(t->ncol, sizeof *w);
	size_t r, c, k;

	for (r = 0; r < t->nrow; r++)
		for (c = 0; c < t->ncol; c++) {
			size_t x = width(&t->cells[r * t->ncol + c]);

			if (x > w[c])
				w[c] = x;
		}
	for (r = 0; r < t->nrow; r++) {
		size_t start = out->len;

		for (c = 0; c < t->ncol; c++) {
			struct pk_buf *cell = &t->cells[r * t->ncol + c];
			size_t pad = w[c] - width(cell);

			if (c > 0)
				pk_buf_adds(out, "  ");
			if (t->align[c] == 'r')
				for (k = 0; k < pad; k++)
					pk_buf_addc(out, ' ');
			pk_buf_add(out, cell->p ? cell->p : "", cell->len);
			if (t->align[c] == 'l' && (c + 1 < t->ncol || t->bars[r] != NULL))
				for (k = 0; k < pad; k++)
					pk_buf_addc(out, ' ');
			pk_buf_release(cell);
		}
		if (t->bars[r] != NULL) {
			pk_buf_adds(out, "  ");
			pk_buf_adds(out, t->bars[r]);
			free(t->bars[r]);
		}
		/* No trailing blanks. */
		while (out->len > start && out->p[out->len - 1] == ' ')
			out->len--;
		pk_buf_addc(out, '\n');
		emit(sk, out);
	}
	free(w);
	free(t->cells);
	free(t->bars);
}

static void
fmt_dbl(struct pk_buf *b, int decimals, double v)
{
	if (isnan(v))
		pk_buf_adds(b, "-");
	else
		pk_buf_printf(b, "%.*f", decimals, v);
}

static void
fmt_share(struct pk_buf *b, double v)
{
	if (isnan(v))
		pk_buf_adds(b, "-");
	else
		pk_buf_printf(b, "%.2f%%", v * 100);
}

static void
metrics_cells(struct pk_buf *c, const struct pk_skew *m)
{
	pk_buf_printf(&c[0], "%llu", (unsigned long long)m->total);
	pk_buf_printf(&c[1], "%llu", (unsigned long long)m->min);
	pk_buf_printf(&c[2], "%llu", (unsigned long long)m->max);
	fmt_dbl(&c[3], 2, m->mean);
	fmt_dbl(&c[4], 2, m->stddev);
	fmt_dbl(&c[5], 3, m->cv);
	fmt_dbl(&c[6], 3, m->imbalance);
	fmt_dbl(&c[7], 3, m->gini);
	fmt_dbl(&c[8], 3, m->jain);
	pk_buf_printf(&c[9], "%zu", m->empty);
}

static const char *const metric_heads[] = {
	"TOTAL", "MIN", "MAX", "MEAN", "STDDEV", "CV", "IMBALANCE", "GINI", "JAIN", "EMPTY"
};

static char *
bar(struct sk *sk, uint64_t v)
{
	struct pk_buf b = PK_BUF_INIT;
	size_t n = 0, i;
	int hot;

	if (sk->m.max > 0)
		n = (size_t)((double)v / (double)sk->m.max * BAR_WIDTH + 0.5);
	if (n == 0 && v > 0)
		n = 1;		/* something is there */
	hot = sk->m.total > 0 && (double)v > sk->target * sk->m.mean;
	if (sk->color)
		pk_buf_adds(&b, hot ? "\033[31m" : "\033[32m");
	for (i = 0; i < n; i++)
		pk_buf_addc(&b, '#');
	if (sk->color)
		pk_buf_adds(&b, "\033[0m");
	return pk_buf_detach(&b, NULL);
}

static void
report_table(struct sk *sk)
{
	struct pk_buf out = PK_BUF_INIT;
	struct table t;
	struct pk_buf *c;
	size_t i, j, shown;
	int topic = sk->mode == MODE_TOPIC;
	char align[16];

	/* Summary. */
	if (topic)
		pk_buf_printf(&out, "topic %s\n", sk->topic);
	t_init(&t, "rrrrrrrrrrr");
	c = t_row(&t);
	pk_buf_adds(&c[0], "PARTITIONS");
	for (i = 0; i < 10; i++)
		pk_buf_adds(&c[i + 1], metric_heads[i]);
	c = t_row(&t);
	pk_buf_printf(&c[0], "%zu", sk->np);
	metrics_cells(c + 1, &sk->m);
	t_flush(sk, &t, &out);

	/* Partitions, hottest first. */
	shown = sk->hottest == 0 || sk->hottest > sk->np ? sk->np : sk->hottest;
	if (shown > 0) {
		pk_buf_addc(&out, '\n');
		strcpy(align, "rr");
		if (topic)
			strcat(align, "rr");
		if (sk->committed != NULL)
			strcat(align, "rr");
		if (sk->sampled != NULL)
			strcat(align, "r");
		if (sk->bytes != NULL)
			strcat(align, "r");
		strcat(align, "r");
		t_init(&t, align);
		c = t_row(&t);
		j = 0;
		pk_buf_adds(&c[j++], "PARTITION");
		if (topic) {
			pk_buf_adds(&c[j++], "LOW");
			pk_buf_adds(&c[j++], "HIGH");
		}
		pk_buf_adds(&c[j++], "COUNT");
		if (sk->committed != NULL) {
			pk_buf_adds(&c[j++], "COMMITTED");
			pk_buf_adds(&c[j++], "LAG");
		}
		if (sk->sampled != NULL)
			pk_buf_adds(&c[j++], "SAMPLED");
		if (sk->bytes != NULL)
			pk_buf_adds(&c[j++], "BYTES");
		pk_buf_adds(&c[j++], "SHARE");
		for (i = 0; i < shown; i++) {
			uint32_t p = sk->order[i];

			c = t_row(&t);
			j = 0;
			pk_buf_printf(&c[j++], "%lu", (unsigned long)p);
			if (topic) {
				pk_buf_printf(&c[j++], "%lld", (long long)sk->low[p]);
				pk_buf_printf(&c[j++], "%lld", (long long)sk->high[p]);
			}
			pk_buf_printf(&c[j++], "%llu", (unsigned long long)sk->counts[p]);
			if (sk->committed != NULL) {
				if (sk->committed[p] >= 0) {
					pk_buf_printf(&c[j++], "%lld", (long long)sk->committed[p]);
					pk_buf_printf(&c[j++], "%lld",
					    (long long)(sk->high[p] - sk->committed[p]));
				} else {
					pk_buf_adds(&c[j++], "-");
					pk_buf_adds(&c[j++], "-");
				}
			}
			if (sk->sampled != NULL)
				pk_buf_printf(&c[j++], "%llu", (unsigned long long)sk->sampled[p]);
			if (sk->bytes != NULL && sk->bytes[p] == SK_BYTES_UNKNOWN)
				pk_buf_adds(&c[j++], "-");
			else if (sk->bytes != NULL)
				pk_buf_printf(&c[j++], "%llu", (unsigned long long)sk->bytes[p]);
			fmt_share(&c[j++], ratio(sk->counts[p], sk->m.total));
			t.bars[t.nrow - 1] = bar(sk, sk->counts[p]);
		}
		t_flush(sk, &t, &out);
		if (shown < sk->np)
			pk_buf_printf(&out, "(the %zu hottest of %zu partitions; --hottest 0 lists all)\n",
			    shown, sk->np);
		if (sk->committed != NULL) {
			int64_t lag = 0;
			size_t none = 0;

			for (i = 0; i < sk->np; i++) {
				if (sk->committed[i] >= 0)
					lag += sk->high[i] - sk->committed[i];
				else
					none++;
			}
			pk_buf_printf(&out, "total lag %lld", (long long)lag);
			if (none > 0)
				pk_buf_printf(&out, " (%zu partition%s with no committed offset)", none,
				    none == 1 ? "" : "s");
			pk_buf_addc(&out, '\n');
		}
		emit(sk, &out);
	}

	/* Keys. */
	if (sk->nrows > 0) {
		pk_buf_addc(&out, '\n');
		emit(sk, &out);
		t_init(&t, "lrrrrr");
		c = t_row(&t);
		pk_buf_adds(&c[0], "KEY");
		pk_buf_adds(&c[1], "COUNT");
		pk_buf_adds(&c[2], "ERROR");
		pk_buf_adds(&c[3], "SHARE");
		pk_buf_adds(&c[4], "PARTITION");
		pk_buf_adds(&c[5], "SALT");
		for (i = 0; i < sk->nrows; i++) {
			const struct keyrow *kr = &sk->rows[i];
			struct pk_buf tmp = PK_BUF_INIT;

			c = t_row(&t);
			/* Keys as JSON strings, so that blanks and control
			 * characters are visible; the quotes dropped. */
			sk_add_key(&tmp, kr->it->key, kr->it->keyn);
			if (tmp.len >= 2 && tmp.p[0] == '"')
				pk_buf_add(&c[0], tmp.p + 1, tmp.len - 2);
			else
				pk_buf_add(&c[0], tmp.p, tmp.len);
			pk_buf_release(&tmp);
			pk_buf_printf(&c[1], "%llu", (unsigned long long)kr->it->count);
			pk_buf_printf(&c[2], "%llu", (unsigned long long)kr->it->error);
			fmt_share(&c[3], kr->share);
			if (kr->partition >= 0)
				pk_buf_printf(&c[4], "%ld", (long)kr->partition);
			else
				pk_buf_adds(&c[4], "-");
			if (kr->salt > 0)
				pk_buf_printf(&c[5], "%zu", kr->salt);
			else
				pk_buf_adds(&c[5], kr->hot ? "none" : "-");
		}
		t_flush(sk, &t, &out);
		if (pk_ss_bound(&sk->ss) > 0)
			pk_buf_printf(&out, "(counts may be high by up to ERROR; a key not listed has "
			    "at most %llu)\n", (unsigned long long)pk_ss_bound(&sk->ss));
		emit(sk, &out);
	}

	/* What-if, side by side. */
	if (sk->nsc > 1) {
		pk_buf_addc(&out, '\n');
		emit(sk, &out);
		t_init(&t, "rlllrrrrrrrrr");
		c = t_row(&t);
		pk_buf_adds(&c[0], "PARTITIONS");
		pk_buf_adds(&c[1], "PARTITIONER");
		pk_buf_adds(&c[2], "SALT");
		pk_buf_adds(&c[3], "");
		for (i = 0; i < 9; i++)
			pk_buf_adds(&c[4 + i], metric_heads[i + 1]);
		for (i = 0; i < sk->nsc; i++) {
			const struct scen *s = &sk->sc[i];
			struct pk_buf m[10];

			c = t_row(&t);
			pk_buf_printf(&c[0], "%ld", (long)s->n);
			pk_buf_adds(&c[1], pk_part_partitioner_name(s->how));
			pk_buf_adds(&c[2], salt_name(s->salt));
			pk_buf_adds(&c[3], s->current ? "*" : "");
			for (j = 0; j < 10; j++) {
				struct pk_buf init = PK_BUF_INIT;

				m[j] = init;
			}
			metrics_cells(m, &s->m);
			pk_buf_release(&m[0]);
			for (j = 1; j < 10; j++)
				c[3 + j] = m[j];
		}
		t_flush(sk, &t, &out);
		emit(sk, &out);
	}
	pk_buf_release(&out);
}

/* --- prom ---------------------------------------------------------------- */

static void
prom_label_value(struct pk_buf *b, const char *s, size_t n)
{
	size_t i;

	/* The text format escapes backslash, double quote and newline. */
	for (i = 0; i < n; i++) {
		if (s[i] == '\\')
			pk_buf_adds(b, "\\\\");
		else if (s[i] == '"')
			pk_buf_adds(b, "\\\"");
		else if (s[i] == '\n')
			pk_buf_adds(b, "\\n");
		else
			pk_buf_addc(b, s[i]);
	}
}

static void
prom_value(struct pk_buf *b, double v)
{
	if (isnan(v))
		pk_buf_adds(b, "NaN");
	else
		pk_buf_add_double(b, v);
}

static void
prom_head(struct pk_buf *b, const char *name, const char *help)
{
	pk_buf_printf(b, "# HELP pipekit_skew_%s %s\n# TYPE pipekit_skew_%s gauge\n", name, help,
	    name);
}

/* name{topic="..",<extra>} value */
static void
prom_sample(struct sk *sk, struct pk_buf *b, const char *name, const char *extra, double v)
{
	pk_buf_printf(b, "pipekit_skew_%s", name);
	if (sk->topic != NULL || (extra != NULL && extra[0] != '\0')) {
		pk_buf_addc(b, '{');
		if (sk->topic != NULL) {
			pk_buf_adds(b, "topic=\"");
			prom_label_value(b, sk->topic, strlen(sk->topic));
			pk_buf_addc(b, '"');
			if (extra != NULL && extra[0] != '\0')
				pk_buf_addc(b, ',');
		}
		if (extra != NULL)
			pk_buf_adds(b, extra);
		pk_buf_addc(b, '}');
	}
	pk_buf_addc(b, ' ');
	prom_value(b, v);
	pk_buf_addc(b, '\n');
}

static void
report_prom(struct sk *sk)
{
	static const struct {
		const char *name, *help;
	} g[] = {
		{ "partitions", "Partitions the records are spread over." },
		{ "records", "Records (messages) over all partitions." },
		{ "min_records", "Records on the emptiest partition." },
		{ "max_records", "Records on the fullest partition." },
		{ "mean_records", "Mean records per partition." },
		{ "stddev_records", "Population standard deviation of records per partition." },
		{ "cv", "Coefficient of variation of records per partition (stddev/mean)." },
		{ "imbalance_ratio", "Largest partition over the mean (1 is even)." },
		{ "gini", "Gini coefficient of records per partition (0 is even)." },
		{ "jain", "Jain's fairness index of records per partition (1 is even)." },
		{ "empty_partitions", "Partitions without records." },
	};
	const struct pk_skew *m = &sk->m;
	double v[11];
	struct pk_buf b = PK_BUF_INIT, l = PK_BUF_INIT;
	size_t i;

	v[0] = (double)m->partitions;
	v[1] = (double)m->total;
	v[2] = (double)m->min;
	v[3] = (double)m->max;
	v[4] = m->mean;
	v[5] = m->stddev;
	v[6] = m->cv;
	v[7] = m->imbalance;
	v[8] = m->gini;
	v[9] = m->jain;
	v[10] = (double)m->empty;
	for (i = 0; i < 11; i++) {
		prom_head(&b, g[i].name, g[i].help);
		prom_sample(sk, &b, g[i].name, NULL, v[i]);
	}
	emit(sk, &b);

	prom_head(&b, "partition_records", "Records on one partition.");
	for (i = 0; i < sk->np; i++) {
		pk_buf_reset(&l);
		pk_buf_printf(&l, "partition=\"%zu\"", i);
		prom_sample(sk, &b, "partition_records", l.p, (double)sk->counts[i]);
		emit(sk, &b);
	}
	if (sk->bytes != NULL) {
		prom_head(&b, "partition_bytes", "Bytes of the records on one partition.");
		for (i = 0; i < sk->np; i++) {
			if (sk->bytes[i] == SK_BYTES_UNKNOWN)
				continue;
			pk_buf_reset(&l);
			pk_buf_printf(&l, "partition=\"%zu\"", i);
			prom_sample(sk, &b, "partition_bytes", l.p, (double)sk->bytes[i]);
			emit(sk, &b);
		}
	}
	if (sk->committed != NULL) {
		prom_head(&b, "partition_lag", "Messages after the group's committed offset.");
		for (i = 0; i < sk->np; i++) {
			pk_buf_reset(&l);
			pk_buf_printf(&l, "partition=\"%zu\"", i);
			prom_sample(sk, &b, "partition_lag", l.p, sk->committed[i] >= 0 ?
			    (double)(sk->high[i] - sk->committed[i]) : NAN);
			emit(sk, &b);
		}
	}
	if (sk->nrows > 0) {
		prom_head(&b, "key_records", "Records of a top key (an overestimate by at most key_error).");
		for (i = 0; i < sk->nrows; i++) {
			const struct keyrow *kr = &sk->rows[i];

			pk_buf_reset(&l);
			pk_buf_adds(&l, "key=\"");
			if (pk_utf8_valid(kr->it->key, kr->it->keyn)) {
				prom_label_value(&l, kr->it->key, kr->it->keyn);
			} else {
				pk_buf_adds(&l, "base64:");
				pk_buf_add_base64(&l, kr->it->key, kr->it->keyn);
			}
			pk_buf_addc(&l, '"');
			prom_sample(sk, &b, "key_records", l.p, (double)kr->it->count);
			emit(sk, &b);
		}
		prom_head(&b, "key_error", "Upper bound of a top key's overcount.");
		for (i = 0; i < sk->nrows; i++) {
			const struct keyrow *kr = &sk->rows[i];

			pk_buf_reset(&l);
			pk_buf_adds(&l, "key=\"");
			if (pk_utf8_valid(kr->it->key, kr->it->keyn)) {
				prom_label_value(&l, kr->it->key, kr->it->keyn);
			} else {
				pk_buf_adds(&l, "base64:");
				pk_buf_add_base64(&l, kr->it->key, kr->it->keyn);
			}
			pk_buf_addc(&l, '"');
			prom_sample(sk, &b, "key_error", l.p, (double)kr->it->error);
			emit(sk, &b);
		}
	}
	if (sk->nsc > 1) {
		prom_head(&b, "whatif_imbalance_ratio", "Largest partition over the mean in a simulation.");
		for (i = 0; i < sk->nsc; i++) {
			const struct scen *c = &sk->sc[i];

			pk_buf_reset(&l);
			pk_buf_printf(&l, "partitions=\"%ld\",partitioner=\"%s\",salt=\"%s\"", (long)c->n,
			    pk_part_partitioner_name(c->how), salt_name(c->salt));
			prom_sample(sk, &b, "whatif_imbalance_ratio", l.p, c->m.imbalance);
			emit(sk, &b);
		}
	}
	pk_buf_release(&b);
	pk_buf_release(&l);
}

void
sk_report(struct sk *sk, const char *format)
{
	if (strcmp(format, "table") == 0)
		report_table(sk);
	else if (strcmp(format, "prom") == 0)
		report_prom(sk);
	else
		report_ndjson(sk);
}
