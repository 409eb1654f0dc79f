/*
 * kafka - the one Kafka layer of pipekit, over librdkafka: configuration,
 * idempotent producer, consumer group with manual commits, transactions.
 *
 * Every piece of text that leaves this file (struct pk_err messages, log
 * lines, -X dump) passes through scrub(), which replaces each configured
 * secret value wherever it occurs, so that a librdkafka error that echoes a
 * value ("Invalid value \"...\" for configuration property ...") cannot
 * print a password either.
 */
#include "lib/kafka.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

/* --- secrets ------------------------------------------------------------ */

struct secrets {
	char **v;		/* longest first, so a secret inside another goes too */
	size_t n;
};

static int
contains_ci(const char *s, const char *word)
{
	size_t n = strlen(word), i;

	for (; *s; s++) {
		for (i = 0; i < n && s[i] && tolower((unsigned char)s[i]) == word[i]; i++)
			;
		if (i == n)
			return 1;
	}
	return 0;
}

int
pk_kconf_is_secret(const char *name)
{
	/* librdkafka's own sensitive properties (CONFIGURATION.md marks them
	 * "*sensitive*") are covered by the two words, except these. */
	return contains_ci(name, "password") || contains_ci(name, "secret") ||
	    strcmp(name, "ssl.key.pem") == 0 || strcmp(name, "ssl_key") == 0 ||
	    strcmp(name, "sasl.oauthbearer.config") == 0;
}

static int
by_length_desc(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return la < lb ? 1 : la > lb ? -1 : 0;
}

static void
secrets_of(const struct pk_kconf *c, struct secrets *s)
{
	size_t i;

	s->v = NULL;
	s->n = 0;
	for (i = 0; i < c->nprop; i++) {
		if (pk_kconf_is_secret(c->prop[i].name) && c->prop[i].value[0] != '\0') {
			s->v = pk_xrealloc(s->v, (s->n + 1) * sizeof *s->v);
			s->v[s->n++] = pk_xstrdup(c->prop[i].value);
		}
	}
	if (s->n > 1)
		qsort(s->v, s->n, sizeof *s->v, by_length_desc);
}

static void
secrets_free(struct secrets *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		/* Do not leave the secret in freed heap memory for a core dump. */
		memset(s->v[i], 0, strlen(s->v[i]));
		free(s->v[i]);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* Replace every secret in in[0..n) and append the result to out. */
static void
scrub_into(const struct secrets *s, const char *in, size_t n, struct pk_buf *out)
{
	struct pk_buf a = PK_BUF_INIT, b = PK_BUF_INIT, t;
	size_t i, j, sl;

	pk_buf_add(&a, in, n);
	for (i = 0; i < s->n; i++) {
		sl = strlen(s->v[i]);
		pk_buf_reset(&b);
		for (j = 0; j < a.len;) {
			if (a.len - j >= sl && memcmp(a.p + j, s->v[i], sl) == 0) {
				pk_buf_adds(&b, PK_KAFKA_REDACTED);
				j += sl;
			} else {
				pk_buf_addc(&b, a.p[j++]);
			}
		}
		t = a;
		a = b;
		b = t;
	}
	pk_buf_add(out, a.p ? a.p : "", a.len);
	pk_buf_release(&a);
	pk_buf_release(&b);
}

/* Scrub NUL-terminated text in place within cap bytes. */
static void
scrub_str(const struct secrets *s, char *str, size_t cap)
{
	struct pk_buf out = PK_BUF_INIT;
	size_t n;

	if (s->n == 0 || cap == 0)
		return;
	scrub_into(s, str, strlen(str), &out);
	n = out.len < cap - 1 ? out.len : cap - 1;
	memcpy(str, out.p ? out.p : "", n);
	str[n] = '\0';
	pk_buf_release(&out);
}

/* Copy src into dst[cap], cut to fit. */
static void
copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* pk_err_set, formatted at full length and scrubbed before truncation. */
static int
kerr(const struct secrets *s, struct pk_err *err, enum pk_err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
kerr(const struct secrets *s, struct pk_err *err, enum pk_err_kind kind, const char *fmt, ...)
{
	struct pk_buf raw = PK_BUF_INIT, out = PK_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	pk_buf_vprintf(&raw, fmt, ap);
	va_end(ap);
	scrub_into(s, raw.p ? raw.p : "", raw.len, &out);
	pk_err_set(err, kind, "%s", out.p ? out.p : "");
	pk_buf_release(&raw);
	pk_buf_release(&out);
	return -1;
}

void
pk_kconf_scrub(const struct pk_kconf *c, char *s, size_t cap)
{
	struct secrets sec;

	secrets_of(c, &sec);
	scrub_str(&sec, s, cap);
	secrets_free(&sec);
}

/* --- configuration -------------------------------------------------------- */

void
pk_kconf_release(struct pk_kconf *c)
{
	size_t i;

	for (i = 0; i < c->nprop; i++) {
		memset(c->prop[i].value, 0, strlen(c->prop[i].value));
		free(c->prop[i].name);
		free(c->prop[i].value);
		free(c->prop[i].origin);
	}
	free(c->prop);
	c->prop = NULL;
	c->nprop = c->cap = 0;
	c->dump = 0;
}

void
pk_kconf_set(struct pk_kconf *c, enum pk_klayer layer, const char *name, const char *value,
    const char *origin)
{
	struct pk_kprop *p;

	if (c->nprop == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->prop = pk_xrealloc(c->prop, c->cap * sizeof *c->prop);
	}
	p = &c->prop[c->nprop++];
	p->name = pk_xstrdup(name);
	p->value = pk_xstrdup(value);
	p->layer = layer;
	p->origin = pk_xstrdup(origin ? origin : "-X");
}

void
pk_kconf_brokers(struct pk_kconf *c, const char *list)
{
	pk_kconf_set(c, PK_KLAYER_ARG, "bootstrap.servers", list, "-b");
}

int
pk_kconf_arg(struct pk_kconf *c, const char *arg, struct pk_err *err)
{
	const char *eq = strchr(arg, '=');
	char *name;

	if (strcmp(arg, "dump") == 0) {
		c->dump = 1;
		return 0;
	}
	if (eq == NULL || eq == arg)
		/* The argument may be a secret typed without its name: never echo it. */
		return pk_err_set(err, PK_ERR_USAGE, "-X expects prop=value or dump");
	name = pk_xstrndup(arg, (size_t)(eq - arg));
	pk_kconf_set(c, PK_KLAYER_ARG, name, eq + 1, "-X");
	free(name);
	return 0;
}

int
pk_kconf_file(struct pk_kconf *c, const char *path, enum pk_klayer layer, struct pk_err *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *k, *e, *v, origin[4200];
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;
	int rc = 0;

	if (f == NULL)
		return pk_err_errno(err, PK_ERR_IO, "cannot open '%s'", path);
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		for (k = line; *k == ' ' || *k == '\t'; k++)
			;
		if (*k == '\0' || *k == '#' || *k == '!')
			continue;
		if ((e = strchr(k, '=')) == NULL) {
			rc = pk_err_set(err, PK_ERR_USAGE, "%s:%ld: expected property=value", path, lineno);
			break;
		}
		v = e + 1;
		while (e > k && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*e = '\0';
		if (*k == '\0') {
			rc = pk_err_set(err, PK_ERR_USAGE, "%s:%ld: empty property name", path, lineno);
			break;
		}
		/* Leading blanks of a value go (as in Java .properties); trailing ones stay. */
		while (*v == ' ' || *v == '\t')
			v++;
		snprintf(origin, sizeof origin, "%s:%ld", path, lineno);
		pk_kconf_set(c, layer, k, v, origin);
	}
	if (rc == 0 && ferror(f))
		rc = pk_err_errno(err, PK_ERR_IO, "cannot read '%s'", path);
	if (line != NULL)
		memset(line, 0, cap);
	free(line);
	fclose(f);
	return rc;
}

int
pk_kconf_env(struct pk_kconf *c, struct pk_err *err)
{
	const char *path = getenv("PIPEKIT_KAFKA_CONFIG");

	if (path == NULL || *path == '\0')
		return 0;
	if (pk_kconf_file(c, path, PK_KLAYER_ENV, err) < 0) {
		struct pk_buf msg = PK_BUF_INIT;

		if (err != NULL) {
			pk_buf_printf(&msg, "PIPEKIT_KAFKA_CONFIG: %s", err->msg);
			copy_str(err->msg, sizeof err->msg, msg.p);
			pk_buf_release(&msg);
		}
		return -1;
	}
	return 0;
}

/* librdkafka's aliases, so that -X acks=1 beats a file's request.required.acks. */
static const char *
canonical(const char *name)
{
	if (strcmp(name, "bootstrap.servers") == 0)
		return "metadata.broker.list";
	if (strcmp(name, "acks") == 0)
		return "request.required.acks";
	return name;
}

const char *
pk_kconf_get(const struct pk_kconf *c, const char *name)
{
	const struct pk_kprop *best = NULL;
	size_t i;

	for (i = 0; i < c->nprop; i++) {
		if (strcmp(canonical(c->prop[i].name), canonical(name)) != 0)
			continue;
		if (best == NULL || c->prop[i].layer >= best->layer)
			best = &c->prop[i];
	}
	return best ? best->value : NULL;
}

/* Callbacks get this as their opaque. */
struct handle {
	rd_kafka_t *rk;
	struct secrets sec;
	pk_klog_fn *log;
	void *log_arg;
	int fatal;
	char fatal_msg[sizeof ((struct pk_err *)0)->msg];
};

static void
log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	struct handle *h = rd_kafka_opaque(rk);
	struct pk_buf out = PK_BUF_INIT;

	if (h == NULL || h->log == NULL)
		return;
	scrub_into(&h->sec, buf, strlen(buf), &out);
	h->log(h->log_arg, level, fac, out.p ? out.p : "");
	pk_buf_release(&out);
}

static void
error_cb(rd_kafka_t *rk, int e, const char *reason, void *opaque)
{
	struct handle *h = opaque;
	char fbuf[512];
	struct pk_buf out = PK_BUF_INIT;
	rd_kafka_resp_err_t fe;

	(void)rk;
	if (e == RD_KAFKA_RESP_ERR__FATAL) {
		fe = rd_kafka_fatal_error(h->rk, fbuf, sizeof fbuf);
		if (!h->fatal) {
			h->fatal = 1;
			snprintf(h->fatal_msg, sizeof h->fatal_msg, "fatal error: %s (%s)", fbuf,
			    rd_kafka_err2name(fe));
			scrub_str(&h->sec, h->fatal_msg, sizeof h->fatal_msg);
		}
		return;
	}
	/* Wrong credentials or certificates do not heal by retrying: stop now,
	 * as kcat does, instead of retrying until message.timeout.ms. */
	if (e == RD_KAFKA_RESP_ERR__AUTHENTICATION || e == RD_KAFKA_RESP_ERR__SSL) {
		if (!h->fatal) {
			h->fatal = 1;
			snprintf(h->fatal_msg, sizeof h->fatal_msg, "%s", reason);
			scrub_str(&h->sec, h->fatal_msg, sizeof h->fatal_msg);
		}
		return;
	}
	if (h->log != NULL) {
		scrub_into(&h->sec, reason, strlen(reason), &out);
		h->log(h->log_arg, 3, rd_kafka_err2name((rd_kafka_resp_err_t)e), out.p ? out.p : "");
		pk_buf_release(&out);
	}
}

static int
conf_set(rd_kafka_conf_t *conf, const struct secrets *sec, const char *origin,
    const char *name, const char *value, struct pk_err *err)
{
	char errstr[512];

	if (rd_kafka_conf_set(conf, name, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
		return kerr(sec, err, PK_ERR_USAGE, "%s %s: %s", origin, name, errstr);
	return 0;
}

/* Set name to value unless the user configured it (under any alias). */
static int
conf_default(rd_kafka_conf_t *conf, const struct pk_kconf *c, const struct secrets *sec,
    const char *name, const char *value, struct pk_err *err)
{
	if (pk_kconf_get(c, name) != NULL)
		return 0;
	return conf_set(conf, sec, "default", name, value, err);
}

/*
 * The librdkafka configuration for a role: pipekit's defaults, then the
 * user's properties layer by layer. NULL with err (USAGE).
 */
static rd_kafka_conf_t *
build_conf(const struct pk_kconf *c, enum pk_krole role, const struct secrets *sec,
    struct pk_err *err)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	size_t i;
	int layer, rc = 0;

	if (role == PK_KROLE_PRODUCER) {
		rc |= conf_default(conf, c, sec, "enable.idempotence", "true", err);
		rc |= conf_default(conf, c, sec, "acks", "all", err);
		rc |= conf_default(conf, c, sec, "partitioner", "murmur2_random", err);
		/* librdkafka queues up to 100000 messages before pushing back. A
		 * pipe always has the next line ready, so that queue stays full:
		 * tens of MB touched over and over and the producer thread
		 * fighting the broker thread for it. 10000 keeps the same
		 * throughput (it still covers 5 in-flight batches a broker) with
		 * a third less CPU on the benchmark (scripts/bench.d/kafka.sh). */
		rc |= conf_default(conf, c, sec, "queue.buffering.max.messages", "10000", err);
		/* With that bounded queue, spread over many partitions, no
		 * partition reaches batch.num.messages, so every batch waits out
		 * linger.ms while the reader, its queue full, waits for the batch:
		 * at librdkafka's 5 ms a 16-partition run spends a third of its
		 * time asleep. 1 ms still batches hundreds of records per request
		 * at pipe speed (1M records: 0.52 s -> 0.31 s on the mock broker;
		 * kcat's 100000/5 ms takes 0.42 s). */
		rc |= conf_default(conf, c, sec, "linger.ms", "1", err);
	} else {
		rc |= conf_default(conf, c, sec, "auto.offset.reset", "earliest", err);
	}
	for (layer = PK_KLAYER_ENV; layer <= PK_KLAYER_ARG && rc == 0; layer++) {
		for (i = 0; i < c->nprop && rc == 0; i++) {
			if (c->prop[i].layer != (enum pk_klayer)layer)
				continue;
			rc = conf_set(conf, sec, c->prop[i].origin, c->prop[i].name,
			    c->prop[i].value, err);
		}
	}
	/* The layer commits only what the caller stored; nothing else may. */
	if (rc == 0 && role == PK_KROLE_CONSUMER) {
		rc |= conf_set(conf, sec, "pipekit", "enable.auto.commit", "false", err);
		rc |= conf_set(conf, sec, "pipekit", "enable.auto.offset.store", "false", err);
	}
	if (rc != 0) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	return conf;
}

static void
dump_pairs(struct pk_buf *out, const char **arr, size_t cnt)
{
	size_t i;

	for (i = 0; i + 1 < cnt; i += 2) {
		const char *v = arr[i + 1] ? arr[i + 1] : "";

		if (pk_kconf_is_secret(arr[i]) && *v != '\0')
			v = PK_KAFKA_REDACTED;
		pk_buf_printf(out, "%s = %s\n", arr[i], v);
	}
}

int
pk_kconf_dump(const struct pk_kconf *c, enum pk_krole role, struct pk_buf *out,
    struct pk_err *err)
{
	struct secrets sec;
	struct pk_buf raw = PK_BUF_INIT;
	rd_kafka_conf_t *conf;
	rd_kafka_topic_conf_t *tconf;
	const char **arr;
	size_t cnt;

	secrets_of(c, &sec);
	if ((conf = build_conf(c, role, &sec, err)) == NULL) {
		secrets_free(&sec);
		return -1;
	}
	pk_buf_adds(&raw, "# Global config\n");
	arr = rd_kafka_conf_dump(conf, &cnt);
	dump_pairs(&raw, arr, cnt);
	rd_kafka_conf_dump_free(arr, cnt);
	if ((tconf = rd_kafka_conf_get_default_topic_conf(conf)) != NULL) {
		pk_buf_adds(&raw, "# Topic config\n");
		arr = rd_kafka_topic_conf_dump(tconf, &cnt);
		dump_pairs(&raw, arr, cnt);
		rd_kafka_conf_dump_free(arr, cnt);
	}
	/* A secret value that also sits in another property goes too. */
	scrub_into(&sec, raw.p ? raw.p : "", raw.len, out);
	pk_buf_release(&raw);
	rd_kafka_conf_destroy(conf);
	secrets_free(&sec);
	return 0;
}

/* Create the rd_kafka_t of a handle; conf is consumed. */
static int
handle_open(struct handle *h, rd_kafka_type_t type, rd_kafka_conf_t *conf, struct pk_err *err)
{
	char errstr[512];

	rd_kafka_conf_set_opaque(conf, h);
	rd_kafka_conf_set_log_cb(conf, log_cb);
	rd_kafka_conf_set_error_cb(conf, error_cb);
	h->rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
	if (h->rk == NULL) {
		rd_kafka_conf_destroy(conf);
		return kerr(&h->sec, err, PK_ERR_USAGE, "%s", errstr);
	}
	return 0;
}

static int
elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int)((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

/* --- producer --------------------------------------------------------- */

struct ktopic {
	char *name;
	const char *caller_name;	/* the caller's pointer it was last asked by */
	rd_kafka_topic_t *rkt;
};

/*
 * A message waiting in the stage: its key and value are copied into
 * stage_buf (offsets, since the buffer moves as it grows).
 */
struct staged {
	size_t koff, klen, voff, vlen;
	int32_t partition;
	unsigned char haskey, hasval;
	void *opaque;
};

/*
 * Messages without headers or timestamp are staged and handed to
 * librdkafka STAGE_MAX at a time by rd_kafka_produce_batch(), which reads
 * the clocks and takes the topic lock once a batch instead of once a
 * message as rd_kafka_producev() does: an eighth of the CPU of a keyed
 * produce (scripts/bench.d/kafka.sh). Every call that waits or reports
 * pushes the stage first, so it holds messages only while the caller is
 * busy producing.
 */
#define STAGE_MAX	1024
#define STAGE_BYTES	(1u << 20)

struct pk_kprod {
	struct handle h;
	pk_kdr_fn *on_dr;
	void *dr_arg;
	struct ktopic *topics;
	size_t ntopics, last_topic;
	struct pk_kpcount *counts;
	size_t ncounts, ccap, last;
	uint64_t sent, delivered, failed;
	unsigned since_poll;
	char first_error[512];
	int transactional;

	rd_kafka_topic_t *stage_rkt;	/* the staged messages' topic */
	struct staged *stage;
	size_t nstage;
	struct pk_buf stage_buf;
	rd_kafka_message_t *batch;
};

static struct pk_kpcount *
count_slot(struct pk_kprod *p, const char *topic, int32_t partition)
{
	size_t i;

	if (p->last < p->ncounts && p->counts[p->last].partition == partition &&
	    strcmp(p->counts[p->last].topic, topic) == 0)
		return &p->counts[p->last];
	for (i = 0; i < p->ncounts; i++) {
		if (p->counts[i].partition == partition && strcmp(p->counts[i].topic, topic) == 0) {
			p->last = i;
			return &p->counts[i];
		}
	}
	if (p->ncounts == p->ccap) {
		p->ccap = p->ccap ? p->ccap * 2 : 16;
		p->counts = pk_xrealloc(p->counts, p->ccap * sizeof *p->counts);
	}
	p->counts[p->ncounts].topic = pk_xstrdup(topic);
	p->counts[p->ncounts].partition = partition;
	p->counts[p->ncounts].delivered = 0;
	p->counts[p->ncounts].failed = 0;
	p->last = p->ncounts;
	return &p->counts[p->ncounts++];
}

/* Count one message's outcome and hand it to the caller's callback. */
static void
report(struct pk_kprod *p, const rd_kafka_message_t *m)
{
	struct pk_kpcount *slot;
	struct pk_kdr dr;
	const char *topic = rd_kafka_topic_name(m->rkt);
	char msg[512];

	slot = count_slot(p, topic, m->partition);
	msg[0] = '\0';
	if (m->err) {
		p->failed++;
		slot->failed++;
		snprintf(msg, sizeof msg, "%s", rd_kafka_err2str(m->err));
		scrub_str(&p->h.sec, msg, sizeof msg);
		if (p->first_error[0] == '\0') {
			struct pk_buf fe = PK_BUF_INIT;

			pk_buf_printf(&fe, "delivery to '%s' [%d] failed: %s", topic,
			    (int)m->partition, msg);
			copy_str(p->first_error, sizeof p->first_error, fe.p);
			scrub_str(&p->h.sec, p->first_error, sizeof p->first_error);
			pk_buf_release(&fe);
		}
	} else {
		p->delivered++;
		slot->delivered++;
	}
	if (p->on_dr != NULL) {
		dr.topic = topic;
		dr.partition = m->partition;
		dr.offset = m->offset;
		dr.err = m->err;
		dr.errstr = m->err ? msg : NULL;
		dr.opaque = m->_private;
		p->on_dr(p->dr_arg, &dr);
	}
}

static void
dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	report((struct pk_kprod *)opaque, m);
}

/*
 * Hand the staged messages to librdkafka, in order, waiting for room
 * while its queue is full. A message it refuses (too large, no such
 * partition, a fatal producer error) is reported as a failed delivery.
 */
static void
stage_push(struct pk_kprod *p)
{
	rd_kafka_message_t *b = p->batch;
	size_t i, done = 0;

	if (p->nstage == 0)
		return;
	for (i = 0; i < p->nstage; i++) {
		const struct staged *st = &p->stage[i];

		memset(&b[i], 0, sizeof b[i]);
		b[i].rkt = p->stage_rkt;
		b[i].partition = st->partition;
		b[i].payload = st->hasval ? p->stage_buf.p + st->voff : NULL;
		b[i].len = st->vlen;
		b[i].key = st->haskey ? p->stage_buf.p + st->koff : NULL;
		b[i].key_len = st->klen;
		b[i]._private = st->opaque;
	}
	while (done < p->nstage) {
		(void)rd_kafka_produce_batch(p->stage_rkt, RD_KAFKA_PARTITION_UA,
		    RD_KAFKA_MSG_F_COPY | RD_KAFKA_MSG_F_PARTITION, b + done,
		    (int)(p->nstage - done));
		/* A full queue fails that message and every later one. */
		for (i = done; i < p->nstage && b[i].err != RD_KAFKA_RESP_ERR__QUEUE_FULL; i++) {
			if (b[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
				b[i].offset = RD_KAFKA_OFFSET_INVALID;
				report(p, &b[i]);
			}
		}
		done = i;
		if (done < p->nstage)
			rd_kafka_poll(p->h.rk, 10);
	}
	p->nstage = 0;
	pk_buf_reset(&p->stage_buf);
	/* Serving reports batch by batch keeps memory flat. */
	rd_kafka_poll(p->h.rk, 0);
}

struct pk_kprod *
pk_kprod_new(const struct pk_kconf *c, pk_kdr_fn *on_dr, void *dr_arg, struct pk_err *err)
{
	struct pk_kprod *p = pk_xcalloc(1, sizeof *p);
	rd_kafka_conf_t *conf;

	secrets_of(c, &p->h.sec);
	p->h.log = c->log;
	p->h.log_arg = c->log_arg;
	p->on_dr = on_dr;
	p->dr_arg = dr_arg;
	if ((conf = build_conf(c, PK_KROLE_PRODUCER, &p->h.sec, err)) == NULL)
		goto fail;
	p->transactional = pk_kconf_get(c, "transactional.id") != NULL;
	p->stage = pk_xcalloc(STAGE_MAX, sizeof *p->stage);
	p->batch = pk_xcalloc(STAGE_MAX, sizeof *p->batch);
	rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
	if (handle_open(&p->h, RD_KAFKA_PRODUCER, conf, err) < 0)
		goto fail;
	/* The dr callback's opaque is the conf opaque: the handle, first member. */
	return p;
fail:
	secrets_free(&p->h.sec);
	free(p->stage);
	free(p->batch);
	free(p);
	return NULL;
}

static rd_kafka_topic_t *
topic_handle(struct pk_kprod *p, const char *name, struct pk_err *err)
{
	size_t i;
	rd_kafka_topic_t *rkt;

	/* Callers pass the same string message after message. */
	if (p->ntopics > 0 && p->topics[p->last_topic].caller_name == name)
		return p->topics[p->last_topic].rkt;
	for (i = 0; i < p->ntopics; i++) {
		if (strcmp(p->topics[i].name, name) == 0) {
			p->topics[i].caller_name = name;
			p->last_topic = i;
			return p->topics[i].rkt;
		}
	}
	if ((rkt = rd_kafka_topic_new(p->h.rk, name, NULL)) == NULL) {
		kerr(&p->h.sec, err, PK_ERR_KAFKA, "topic '%s': %s", name,
		    rd_kafka_err2str(rd_kafka_last_error()));
		return NULL;
	}
	p->topics = pk_xrealloc(p->topics, (p->ntopics + 1) * sizeof *p->topics);
	p->topics[p->ntopics].name = pk_xstrdup(name);
	p->topics[p->ntopics].rkt = rkt;
	p->topics[p->ntopics].caller_name = name;
	p->last_topic = p->ntopics++;
	return rkt;
}

static int
stage(struct pk_kprod *p, rd_kafka_topic_t *rkt, const struct pk_kmsg *m)
{
	size_t klen = m->key != NULL ? m->keylen : 0, vlen = m->value != NULL ? m->len : 0;
	struct staged *st;

	if (p->nstage > 0 && (rkt != p->stage_rkt || p->nstage == STAGE_MAX ||
	    p->stage_buf.len + klen + vlen > STAGE_BYTES))
		stage_push(p);
	p->stage_rkt = rkt;
	st = &p->stage[p->nstage++];
	st->partition = m->partition;
	st->opaque = m->opaque;
	st->haskey = m->key != NULL;
	st->klen = klen;
	st->koff = p->stage_buf.len;
	pk_buf_add(&p->stage_buf, m->key, klen);
	st->hasval = m->value != NULL;
	st->vlen = vlen;
	st->voff = p->stage_buf.len;
	pk_buf_add(&p->stage_buf, m->value, st->vlen);
	p->sent++;
	if (p->nstage == STAGE_MAX)
		stage_push(p);
	return 0;
}

int
pk_kprod_send(struct pk_kprod *p, const struct pk_kmsg *m, struct pk_err *err)
{
	rd_kafka_topic_t *rkt;
	rd_kafka_headers_t *hdrs = NULL;
	rd_kafka_resp_err_t e;
	size_t i;

	if (p->h.fatal)
		return kerr(&p->h.sec, err, PK_ERR_KAFKA, "%s", p->h.fatal_msg);
	if ((rkt = topic_handle(p, m->topic, err)) == NULL)
		return -1;
	if (m->nhdrs == 0 && m->ts == 0 && !p->transactional)
		return stage(p, rkt, m);
	stage_push(p);
	for (;;) {
		if (m->nhdrs > 0 && hdrs == NULL) {
			hdrs = rd_kafka_headers_new(m->nhdrs);
			for (i = 0; i < m->nhdrs; i++)
				rd_kafka_header_add(hdrs, m->hdrs[i].name, (ssize_t)m->hdrs[i].namelen,
				    m->hdrs[i].value, (ssize_t)m->hdrs[i].len);
		}
		e = rd_kafka_producev(p->h.rk,
		    RD_KAFKA_V_RKT(rkt),
		    RD_KAFKA_V_PARTITION(m->partition),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		    RD_KAFKA_V_KEY(m->key, m->key ? m->keylen : 0),
		    RD_KAFKA_V_VALUE((void *)m->value, m->value ? m->len : 0),
		    RD_KAFKA_V_HEADERS(hdrs),
		    RD_KAFKA_V_TIMESTAMP(m->ts),
		    RD_KAFKA_V_OPAQUE(m->opaque),
		    RD_KAFKA_V_END);
		if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
			hdrs = NULL;	/* now owned by the message */
			break;
		}
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || p->h.fatal)
			break;
		/* Back-pressure: wait for delivery reports to make room. */
		rd_kafka_poll(p->h.rk, 10);
	}
	if (hdrs != NULL)
		rd_kafka_headers_destroy(hdrs);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
		if (p->h.fatal)
			return kerr(&p->h.sec, err, PK_ERR_KAFKA, "%s", p->h.fatal_msg);
		return kerr(&p->h.sec, err, PK_ERR_KAFKA, "cannot produce to '%s': %s",
		    m->topic, rd_kafka_err2str(e));
	}
	p->sent++;
	/* Serving reports now and then keeps memory flat; every message is waste. */
	if (++p->since_poll >= 256) {
		p->since_poll = 0;
		rd_kafka_poll(p->h.rk, 0);
	}
	return 0;
}

int
pk_kprod_poll(struct pk_kprod *p, int timeout_ms)
{
	stage_push(p);
	return rd_kafka_poll(p->h.rk, timeout_ms);
}

size_t
pk_kprod_outstanding(const struct pk_kprod *p)
{
	return (size_t)(p->sent - p->delivered - p->failed);
}

int
pk_kprod_flush(struct pk_kprod *p, int timeout_ms, struct pk_err *err)
{
	struct timespec t0;

	stage_push(p);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (pk_kprod_outstanding(p) > 0) {
		if (p->h.fatal)
			return kerr(&p->h.sec, err, PK_ERR_KAFKA, "%s", p->h.fatal_msg);
		if (timeout_ms >= 0 && elapsed_ms(&t0) >= timeout_ms)
			return kerr(&p->h.sec, err, PK_ERR_KAFKA,
			    "%zu messages still undelivered after %d ms",
			    pk_kprod_outstanding(p), timeout_ms);
		rd_kafka_flush(p->h.rk, 100);
		rd_kafka_poll(p->h.rk, 0);
	}
	return 0;
}

uint64_t
pk_kprod_delivered(const struct pk_kprod *p)
{
	return p->delivered;
}

uint64_t
pk_kprod_failed(const struct pk_kprod *p)
{
	return p->failed;
}

static int
by_topic_partition(const void *a, const void *b)
{
	const struct pk_kpcount *x = a, *y = b;
	int c = strcmp(x->topic, y->topic);

	if (c != 0)
		return c;
	return x->partition < y->partition ? -1 : x->partition > y->partition;
}

const struct pk_kpcount *
pk_kprod_counts(struct pk_kprod *p, size_t *n)
{
	if (p->ncounts > 1)
		qsort(p->counts, p->ncounts, sizeof *p->counts, by_topic_partition);
	p->last = 0;
	*n = p->ncounts;
	return p->counts;
}

const char *
pk_kprod_first_error(const struct pk_kprod *p)
{
	return p->first_error[0] ? p->first_error : NULL;
}

long
pk_kprod_close(struct pk_kprod *p, struct pk_err *err)
{
	long failed;
	int fatal;
	size_t i;

	if (p == NULL)
		return 0;
	pk_kprod_flush(p, -1, NULL);
	fatal = p->h.fatal;
	if (fatal) {
		/* Nothing more will be delivered: fail what is left, reporting it. */
		rd_kafka_purge(p->h.rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_poll(p->h.rk, 0);
		p->failed += pk_kprod_outstanding(p);
		kerr(&p->h.sec, err, PK_ERR_KAFKA, "%s", p->h.fatal_msg);
	}
	failed = (long)p->failed;
	for (i = 0; i < p->ntopics; i++) {
		rd_kafka_topic_destroy(p->topics[i].rkt);
		free(p->topics[i].name);
	}
	free(p->topics);
	rd_kafka_destroy(p->h.rk);
	for (i = 0; i < p->ncounts; i++)
		free((char *)p->counts[i].topic);
	free(p->counts);
	free(p->stage);
	free(p->batch);
	pk_buf_release(&p->stage_buf);
	secrets_free(&p->h.sec);
	free(p);
	return fatal ? -1 : failed;
}

/* --- consumer ------------------------------------------------------------ */

struct kpart {
	char *topic;
	int32_t partition;
	int assigned;
	int at_eof;
	int64_t stored;		/* next offset to commit, -1: none */
	int64_t committed;	/* what we last committed, -1: nothing */
};

struct pk_kcons {
	struct handle h;
	struct pk_kcons_hooks hooks;
	int at_end;
	int grouped;
	rd_kafka_message_t *msg;
	struct pk_krec rec;
	struct pk_khdr *hdrs;
	size_t hcap;
	struct kpart *parts;
	size_t nparts;
	struct pk_ktp *tps;	/* scratch for hooks */
	size_t tpcap;
	int commit_failed;
	char commit_msg[512];
};

static struct kpart *
part_slot(struct pk_kcons *k, const char *topic, int32_t partition)
{
	size_t i;

	for (i = 0; i < k->nparts; i++)
		if (k->parts[i].partition == partition && strcmp(k->parts[i].topic, topic) == 0)
			return &k->parts[i];
	k->parts = pk_xrealloc(k->parts, (k->nparts + 1) * sizeof *k->parts);
	k->parts[k->nparts].topic = pk_xstrdup(topic);
	k->parts[k->nparts].partition = partition;
	k->parts[k->nparts].assigned = 0;
	k->parts[k->nparts].at_eof = 0;
	k->parts[k->nparts].stored = -1;
	k->parts[k->nparts].committed = -1;
	return &k->parts[k->nparts++];
}

static const struct pk_ktp *
to_tps(struct pk_kcons *k, const rd_kafka_topic_partition_list_t *l)
{
	int i;

	if ((size_t)l->cnt > k->tpcap) {
		k->tpcap = (size_t)l->cnt;
		k->tps = pk_xrealloc(k->tps, k->tpcap * sizeof *k->tps);
	}
	for (i = 0; i < l->cnt; i++) {
		k->tps[i].topic = l->elems[i].topic;
		k->tps[i].partition = l->elems[i].partition;
		k->tps[i].offset = l->elems[i].offset;
	}
	return k->tps;
}

/* Group errors that a coming rebalance resolves: the offsets stay stored. */
static int
rebalancing(rd_kafka_resp_err_t e)
{
	return e == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS ||
	    e == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
	    e == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID ||
	    e == RD_KAFKA_RESP_ERR__STATE ||
	    e == RD_KAFKA_RESP_ERR_NOT_COORDINATOR ||
	    e == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE;
}

/*
 * Commit stored offsets of assigned partitions; only those in `only` when
 * it is not NULL. 0 done, 1 deferred by a rebalance, -1 with err.
 */
static int
commit_stored(struct pk_kcons *k, const rd_kafka_topic_partition_list_t *only,
    struct pk_err *err)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
	rd_kafka_resp_err_t e;
	size_t i;
	int j, rc = 0;

	for (i = 0; i < k->nparts; i++) {
		struct kpart *kp = &k->parts[i];

		if (kp->stored < 0 || kp->stored == kp->committed)
			continue;
		if (only == NULL && !kp->assigned)
			continue;	/* another member owns it now */
		if (only != NULL && rd_kafka_topic_partition_list_find(only, kp->topic,
		    kp->partition) == NULL)
			continue;
		rd_kafka_topic_partition_list_add(l, kp->topic, kp->partition)->offset = kp->stored;
	}
	if (l->cnt == 0) {
		rd_kafka_topic_partition_list_destroy(l);
		return 0;
	}
	e = rd_kafka_commit(k->h.rk, l, 0);
	for (j = 0; j < l->cnt && e == RD_KAFKA_RESP_ERR_NO_ERROR; j++)
		if (l->elems[j].err)
			e = l->elems[j].err;
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
		kerr(&k->h.sec, err, PK_ERR_KAFKA, "cannot commit offsets: %s",
		    rd_kafka_err2str(e));
		rc = rebalancing(e) ? 1 : -1;
	} else {
		for (j = 0; j < l->cnt; j++)
			part_slot(k, l->elems[j].topic, l->elems[j].partition)->committed =
			    l->elems[j].offset;
	}
	rd_kafka_topic_partition_list_destroy(l);
	return rc;
}

static void
rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t e, rd_kafka_topic_partition_list_t *l,
    void *opaque)
{
	struct pk_kcons *k = opaque;
	int cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
	struct pk_err cerr = PK_ERR_INIT;
	rd_kafka_error_t *ke;
	int i, rc;

	if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		for (i = 0; i < l->cnt; i++) {
			struct kpart *kp = part_slot(k, l->elems[i].topic, l->elems[i].partition);

			kp->assigned = 1;
			kp->at_eof = 0;
			/* Whatever another member committed since is the truth now. */
			kp->stored = kp->committed = -1;
		}
		if (k->hooks.assigned != NULL)
			k->hooks.assigned(k->hooks.arg, to_tps(k, l), (size_t)l->cnt);
		if (cooperative) {
			if ((ke = rd_kafka_incremental_assign(rk, l)) != NULL)
				rd_kafka_error_destroy(ke);
		} else {
			rd_kafka_assign(rk, l);
		}
		return;
	}
	/* Revoked (or lost): the caller finishes its output, then we commit. */
	if (k->hooks.revoked != NULL)
		k->hooks.revoked(k->hooks.arg, to_tps(k, l), (size_t)l->cnt);
	if (e == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS && !rd_kafka_assignment_lost(rk)) {
		rc = commit_stored(k, l, &cerr);
		if (rc < 0) {
			k->commit_failed = 1;
			copy_str(k->commit_msg, sizeof k->commit_msg, cerr.msg);
		} else if (rc > 0 && k->h.log != NULL) {
			/* At-least-once: the next owner reads these records again. A
			 * real broker takes commits while a rebalance is prepared;
			 * librdkafka 2.0.2's mock refuses them. */
			k->h.log(k->h.log_arg, 4, "COMMIT",
			    "offsets of revoked partitions not committed, their records will be read again");
		}
	}
	for (i = 0; i < l->cnt; i++) {
		struct kpart *kp = part_slot(k, l->elems[i].topic, l->elems[i].partition);

		kp->assigned = 0;
		kp->at_eof = 0;
	}
	if (cooperative) {
		if ((ke = rd_kafka_incremental_unassign(rk, l)) != NULL)
			rd_kafka_error_destroy(ke);
	} else {
		rd_kafka_assign(rk, NULL);
	}
}

struct pk_kcons *
pk_kcons_new(const struct pk_kconf *c, const char *group, int at_end,
    const struct pk_kcons_hooks *hooks, struct pk_err *err)
{
	struct pk_kcons *k = pk_xcalloc(1, sizeof *k);
	rd_kafka_conf_t *conf;

	secrets_of(c, &k->h.sec);
	k->h.log = c->log;
	k->h.log_arg = c->log_arg;
	k->at_end = at_end;
	if (hooks != NULL)
		k->hooks = *hooks;
	if ((conf = build_conf(c, PK_KROLE_CONSUMER, &k->h.sec, err)) == NULL)
		goto fail;
	if (group != NULL && conf_set(conf, &k->h.sec, "-G", "group.id", group, err) < 0) {
		rd_kafka_conf_destroy(conf);
		goto fail;
	}
	if (at_end && conf_set(conf, &k->h.sec, "-e", "enable.partition.eof", "true", err) < 0) {
		rd_kafka_conf_destroy(conf);
		goto fail;
	}
	k->grouped = group != NULL || pk_kconf_get(c, "group.id") != NULL;
	rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
	if (handle_open(&k->h, RD_KAFKA_CONSUMER, conf, err) < 0)
		goto fail;
	if (k->grouped)
		rd_kafka_poll_set_consumer(k->h.rk);
	return k;
fail:
	secrets_free(&k->h.sec);
	free(k);
	return NULL;
}

int
pk_kcons_subscribe(struct pk_kcons *k, const char *const *topics, size_t n, struct pk_err *err)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)n);
	rd_kafka_resp_err_t e;
	size_t i;

	if (!k->grouped) {
		rd_kafka_topic_partition_list_destroy(l);
		return pk_err_set(err, PK_ERR_USAGE, "subscribing needs a consumer group (-G)");
	}
	for (i = 0; i < n; i++)
		rd_kafka_topic_partition_list_add(l, topics[i], RD_KAFKA_PARTITION_UA);
	e = rd_kafka_subscribe(k->h.rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	if (e)
		return kerr(&k->h.sec, err, PK_ERR_KAFKA, "cannot subscribe: %s", rd_kafka_err2str(e));
	return 0;
}

int
pk_kcons_assign(struct pk_kcons *k, const struct pk_ktp *tps, size_t n, struct pk_err *err)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)n);
	rd_kafka_resp_err_t e;
	size_t i;

	if (!k->grouped) {
		rd_kafka_topic_partition_list_destroy(l);
		return pk_err_set(err, PK_ERR_USAGE, "consuming needs a consumer group (-G)");
	}
	for (i = 0; i < n; i++) {
		struct kpart *kp = part_slot(k, tps[i].topic, tps[i].partition);

		rd_kafka_topic_partition_list_add(l, tps[i].topic, tps[i].partition)->offset =
		    tps[i].offset;
		kp->assigned = 1;
		kp->at_eof = 0;
	}
	e = rd_kafka_assign(k->h.rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	if (e)
		return kerr(&k->h.sec, err, PK_ERR_KAFKA, "cannot assign: %s", rd_kafka_err2str(e));
	return 0;
}

static int
all_at_end(const struct pk_kcons *k)
{
	size_t i, assigned = 0;

	for (i = 0; i < k->nparts; i++) {
		if (!k->parts[i].assigned)
			continue;
		assigned++;
		if (!k->parts[i].at_eof)
			return 0;
	}
	return assigned > 0;
}

static void
fill_rec(struct pk_kcons *k, const rd_kafka_message_t *m)
{
	struct pk_krec *r = &k->rec;
	rd_kafka_timestamp_type_t tstype;
	rd_kafka_headers_t *hs;
	const char *name;
	const void *val;
	size_t n = 0, vlen;

	r->topic = rd_kafka_topic_name(m->rkt);
	r->topiclen = strlen(r->topic);
	r->partition = m->partition;
	r->offset = m->offset;
	r->ts = rd_kafka_message_timestamp(m, &tstype);
	r->tstype = tstype == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? PK_KTS_NONE :
	    tstype == RD_KAFKA_TIMESTAMP_CREATE_TIME ? PK_KTS_CREATE :
	    tstype == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? PK_KTS_LOGAPPEND : PK_KTS_UNKNOWN;
	if (r->tstype == PK_KTS_NONE)
		r->ts = 0;
	r->broker = rd_kafka_message_broker_id(m);
	r->key = m->key;
	r->keylen = m->key ? m->key_len : 0;
	/* An empty payload is not null: librdkafka may hand NULL for both. */
	r->payload = m->payload;
	r->len = m->payload ? m->len : 0;
	if (rd_kafka_message_headers(m, &hs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		while (rd_kafka_header_get_all(hs, n, &name, &val, &vlen) ==
		    RD_KAFKA_RESP_ERR_NO_ERROR) {
			if (n == k->hcap) {
				k->hcap = k->hcap ? k->hcap * 2 : 8;
				k->hdrs = pk_xrealloc(k->hdrs, k->hcap * sizeof *k->hdrs);
			}
			k->hdrs[n].name = name;
			k->hdrs[n].namelen = strlen(name);
			k->hdrs[n].value = val;
			k->hdrs[n].len = val ? vlen : 0;
			n++;
		}
	}
	r->hdrs = k->hdrs;
	r->nhdrs = n;
}

int
pk_kcons_poll(struct pk_kcons *k, int timeout_ms, const struct pk_krec **rec,
    struct pk_err *err)
{
	rd_kafka_message_t *m;
	struct kpart *kp;

	if (k->msg != NULL) {
		rd_kafka_message_destroy(k->msg);
		k->msg = NULL;
	}
	if (!k->grouped)
		return pk_err_set(err, PK_ERR_USAGE, "consuming needs a consumer group (-G)");
	if (k->at_end && all_at_end(k))
		return 0;
	m = rd_kafka_consumer_poll(k->h.rk, timeout_ms);
	if (k->h.fatal) {
		if (m != NULL)
			rd_kafka_message_destroy(m);
		return kerr(&k->h.sec, err, PK_ERR_KAFKA, "%s", k->h.fatal_msg);
	}
	if (k->commit_failed) {
		k->commit_failed = 0;
		if (m != NULL)
			rd_kafka_message_destroy(m);
		return kerr(&k->h.sec, err, PK_ERR_KAFKA, "%s", k->commit_msg);
	}
	if (m == NULL)
		return k->at_end && all_at_end(k) ? 0 : PK_KPOLL_IDLE;
	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
		if (m->rkt != NULL)
			part_slot(k, rd_kafka_topic_name(m->rkt), m->partition)->at_eof = 1;
		rd_kafka_message_destroy(m);
		return k->at_end && all_at_end(k) ? 0 : PK_KPOLL_IDLE;
	}
	if (m->err) {
		rd_kafka_resp_err_t e = m->err;
		char what[512];

		if (m->rkt != NULL)
			snprintf(what, sizeof what, "'%s' [%d]: ", rd_kafka_topic_name(m->rkt),
			    (int)m->partition);
		else
			what[0] = '\0';
		kerr(&k->h.sec, err, PK_ERR_KAFKA, "%s%s", what, rd_kafka_message_errstr(m));
		rd_kafka_message_destroy(m);
		/* Broker hiccups heal by themselves; everything else stops the run. */
		if (e == RD_KAFKA_RESP_ERR__TRANSPORT || e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
		    e == RD_KAFKA_RESP_ERR__TIMED_OUT || e == RD_KAFKA_RESP_ERR__MAX_POLL_EXCEEDED) {
			if (k->h.log != NULL && err != NULL)
				k->h.log(k->h.log_arg, 4, "CONSUME", err->msg);
			pk_err_clear(err);
			return PK_KPOLL_IDLE;
		}
		return -1;
	}
	kp = part_slot(k, rd_kafka_topic_name(m->rkt), m->partition);
	kp->at_eof = 0;
	k->msg = m;
	fill_rec(k, m);
	*rec = &k->rec;
	return 1;
}

void
pk_kcons_store(struct pk_kcons *k, const char *topic, int32_t partition, int64_t offset)
{
	struct kpart *kp = part_slot(k, topic, partition);

	if (offset + 1 > kp->stored)
		kp->stored = offset + 1;
}

int
pk_kcons_commit(struct pk_kcons *k, struct pk_err *err)
{
	int rc = commit_stored(k, NULL, err);

	if (rc > 0)
		pk_err_clear(err);
	return rc;
}

int
pk_kcons_partitions(struct pk_kcons *k, const char *topic, int timeout_ms, struct pk_err *err)
{
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(k->h.rk, topic, NULL);
	const struct rd_kafka_metadata *md;
	rd_kafka_resp_err_t e;
	int n = -1;

	if (rkt == NULL)
		return kerr(&k->h.sec, err, PK_ERR_KAFKA, "topic '%s': %s", topic,
		    rd_kafka_err2str(rd_kafka_last_error()));
	e = rd_kafka_metadata(k->h.rk, 0, rkt, &md, timeout_ms);
	rd_kafka_topic_destroy(rkt);
	if (e)
		return kerr(&k->h.sec, err, PK_ERR_KAFKA, "metadata of '%s': %s", topic,
		    rd_kafka_err2str(e));
	if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
		n = md->topics[0].partition_cnt;
	else if (md->topic_cnt == 1)
		kerr(&k->h.sec, err, PK_ERR_KAFKA, "topic '%s': %s", topic,
		    rd_kafka_err2str(md->topics[0].err));
	else
		kerr(&k->h.sec, err, PK_ERR_KAFKA, "topic '%s': not in metadata", topic);
	rd_kafka_metadata_destroy(md);
	if (n == 0)
		return kerr(&k->h.sec, err, PK_ERR_KAFKA, "topic '%s' has no partitions", topic);
	return n;
}

int
pk_kcons_watermarks(struct pk_kcons *k, const char *topic, int32_t partition, int64_t *low,
    int64_t *high, int timeout_ms, struct pk_err *err)
{
	rd_kafka_resp_err_t e;

	e = rd_kafka_query_watermark_offsets(k->h.rk, topic, partition, low, high, timeout_ms);
	if (e)
		return kerr(&k->h.sec, err, PK_ERR_KAFKA, "watermarks of '%s' [%d]: %s", topic,
		    (int)partition, rd_kafka_err2str(e));
	return 0;
}

int
pk_kcons_committed(struct pk_kcons *k, struct pk_ktp *tps, size_t n, int timeout_ms,
    struct pk_err *err)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)n);
	rd_kafka_resp_err_t e;
	size_t i;

	if (!k->grouped) {
		rd_kafka_topic_partition_list_destroy(l);
		return pk_err_set(err, PK_ERR_USAGE, "committed offsets need a consumer group (-G)");
	}
	for (i = 0; i < n; i++)
		rd_kafka_topic_partition_list_add(l, tps[i].topic, tps[i].partition);
	e = rd_kafka_committed(k->h.rk, l, timeout_ms);
	for (i = 0; i < n && e == RD_KAFKA_RESP_ERR_NO_ERROR; i++) {
		if (l->elems[i].err)
			e = l->elems[i].err;
		tps[i].offset = l->elems[i].offset;
	}
	rd_kafka_topic_partition_list_destroy(l);
	if (e)
		return kerr(&k->h.sec, err, PK_ERR_KAFKA, "committed offsets: %s",
		    rd_kafka_err2str(e));
	return 0;
}

int
pk_kcons_close(struct pk_kcons *k, struct pk_err *err)
{
	int rc = 0;
	size_t i;

	if (k == NULL)
		return 0;
	if (k->msg != NULL)
		rd_kafka_message_destroy(k->msg);
	k->msg = NULL;
	if (k->grouped) {
		/* Commit first: close's revoke may come after the group is gone. */
		if (!k->h.fatal)
			rc = commit_stored(k, NULL, err);
		if (rc > 0)
			rc = 0;		/* close's revoke commits them, if it can */
		rd_kafka_consumer_close(k->h.rk);
		if (rc == 0 && k->commit_failed)
			rc = kerr(&k->h.sec, err, PK_ERR_KAFKA, "%s", k->commit_msg);
	}
	rd_kafka_destroy(k->h.rk);
	for (i = 0; i < k->nparts; i++)
		free(k->parts[i].topic);
	free(k->parts);
	free(k->hdrs);
	free(k->tps);
	secrets_free(&k->h.sec);
	free(k);
	return rc;
}

/* --- transactions ---------------------------------------------------- */

/* 0, or the mapping of a transactional error; e is destroyed. */
static int
txn_result(struct pk_kprod *p, rd_kafka_error_t *e, const char *what, struct pk_err *err)
{
	int rc;

	if (e == NULL)
		return 0;
	kerr(&p->h.sec, err, PK_ERR_KAFKA, "%s: %s", what, rd_kafka_error_string(e));
	if (rd_kafka_error_is_fatal(e)) {
		p->h.fatal = 1;
		snprintf(p->h.fatal_msg, sizeof p->h.fatal_msg, "%s: %s", what,
		    rd_kafka_error_string(e));
		scrub_str(&p->h.sec, p->h.fatal_msg, sizeof p->h.fatal_msg);
		rc = -1;
	} else if (rd_kafka_error_txn_requires_abort(e)) {
		rc = PK_KTXN_ABORTABLE;
	} else {
		rc = -1;
	}
	rd_kafka_error_destroy(e);
	return rc;
}

/* Retry a transactional call while librdkafka says it is retriable. */
#define TXN_RETRY(p, call, what, timeout_ms, err) do { \
	struct timespec t0_; \
	rd_kafka_error_t *e_; \
	clock_gettime(CLOCK_MONOTONIC, &t0_); \
	for (;;) { \
		e_ = (call); \
		if (e_ != NULL && rd_kafka_error_is_retriable(e_) && \
		    elapsed_ms(&t0_) < (timeout_ms)) { \
			rd_kafka_error_destroy(e_); \
			continue; \
		} \
		return txn_result((p), e_, (what), (err)); \
	} \
} while (0)

static int
not_transactional(struct pk_kprod *p, struct pk_err *err)
{
	if (!p->transactional)
		return pk_err_set(err, PK_ERR_USAGE, "transactions need -X transactional.id=...");
	if (p->h.fatal)
		return kerr(&p->h.sec, err, PK_ERR_KAFKA, "%s", p->h.fatal_msg);
	return 0;
}

int
pk_kprod_txn_init(struct pk_kprod *p, int timeout_ms, struct pk_err *err)
{
	if (not_transactional(p, err) < 0)
		return -1;
	TXN_RETRY(p, rd_kafka_init_transactions(p->h.rk, timeout_ms), "init transactions",
	    timeout_ms, err);
}

int
pk_kprod_txn_begin(struct pk_kprod *p, struct pk_err *err)
{
	if (not_transactional(p, err) < 0)
		return -1;
	return txn_result(p, rd_kafka_begin_transaction(p->h.rk), "begin transaction", err);
}

int
pk_kprod_txn_send_offsets(struct pk_kprod *p, struct pk_kcons *k, int timeout_ms,
    struct pk_err *err)
{
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_consumer_group_metadata_t *gm;
	rd_kafka_error_t *e;
	struct timespec t0;
	size_t i;
	int rc;

	if (not_transactional(p, err) < 0)
		return -1;
	l = rd_kafka_topic_partition_list_new(8);
	for (i = 0; i < k->nparts; i++)
		if (k->parts[i].stored >= 0 && k->parts[i].stored != k->parts[i].committed)
			rd_kafka_topic_partition_list_add(l, k->parts[i].topic,
			    k->parts[i].partition)->offset = k->parts[i].stored;
	if (l->cnt == 0) {
		rd_kafka_topic_partition_list_destroy(l);
		return 0;
	}
	if ((gm = rd_kafka_consumer_group_metadata(k->h.rk)) == NULL) {
		rd_kafka_topic_partition_list_destroy(l);
		return pk_err_set(err, PK_ERR_USAGE, "offsets in a transaction need a consumer group");
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		e = rd_kafka_send_offsets_to_transaction(p->h.rk, l, gm, timeout_ms);
		if (e != NULL && rd_kafka_error_is_retriable(e) && elapsed_ms(&t0) < timeout_ms) {
			rd_kafka_error_destroy(e);
			continue;
		}
		break;
	}
	rc = txn_result(p, e, "send offsets to transaction", err);
	/* Committed when the transaction commits; after an abort the caller rewinds. */
	if (rc == 0)
		for (i = 0; i < (size_t)l->cnt; i++)
			part_slot(k, l->elems[i].topic, l->elems[i].partition)->committed =
			    l->elems[i].offset;
	rd_kafka_consumer_group_metadata_destroy(gm);
	rd_kafka_topic_partition_list_destroy(l);
	return rc;
}

int
pk_kprod_txn_commit(struct pk_kprod *p, int timeout_ms, struct pk_err *err)
{
	if (not_transactional(p, err) < 0)
		return -1;
	TXN_RETRY(p, rd_kafka_commit_transaction(p->h.rk, timeout_ms), "commit transaction",
	    timeout_ms, err);
}

int
pk_kprod_txn_abort(struct pk_kprod *p, int timeout_ms, struct pk_err *err)
{
	if (not_transactional(p, err) < 0)
		return -1;
	TXN_RETRY(p, rd_kafka_abort_transaction(p->h.rk, timeout_ms), "abort transaction",
	    timeout_ms, err);
}
