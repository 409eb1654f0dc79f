/*
 * letter - recognise and unpack a dead letter. Kafka Connect's DLQ headers
 * are UTF-8 text (DeadLetterQueueReporter: __connect.errors.topic,
 * .partition, .offset, .exception.class.name, .exception.message); Spring
 * Kafka's DeadLetterPublishingRecoverer writes kafka_dlt-original-topic as
 * text, -partition as a 4-byte and -offset/-timestamp as 8-byte big-endian
 * integers (KafkaHeaders.DLT_ORIGINAL_*), -exception-fqcn and -message as text.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/dlqreplay/letter.h"
#include "lib/hash.h"
#include "lib/time.h"

void
letter_init(struct letter *l)
{
	struct pk_kcat_msg km = PK_KCAT_MSG_INIT;
	struct pk_jdoc d = PK_JDOC_INIT;

	memset(l, 0, sizeof *l);
	l->kmsg = km;
	l->orig_doc = d;
	l->line_doc = d;
	l->orig_partition = -1;
	l->orig_offset = -1;
}

void
letter_release(struct letter *l)
{
	pk_buf_release(&l->line);
	pk_buf_release(&l->kline);
	pk_buf_release(&l->payload);
	pk_buf_release(&l->key);
	pk_buf_release(&l->hbytes);
	pk_buf_release(&l->dlq_topic);
	pk_buf_release(&l->orig_topic);
	pk_buf_release(&l->exception);
	pk_buf_release(&l->message);
	free(l->hdrs);
	pk_jdoc_release(&l->orig_doc);
	pk_jdoc_release(&l->line_doc);
	pk_kcat_msg_release(&l->kmsg);
	letter_init(l);
}

/* Only what the last letter filled is emptied: a plain record after a
 * plain record touches three buffers, not twelve. */
static void
reset(struct letter *l)
{
	l->kind = LETTER_PLAIN;
	l->line.len = 0;
	l->line_is_payload = 0;
	pk_buf_reset(&l->payload);
	l->payload_null = 0;
	l->key.len = 0;
	l->has_key = 0;
	l->nhdrs = 0;
	l->orig_partition = -1;
	l->orig_offset = -1;
	l->has_time = 0;
	l->time_ns = 0;
	l->orig_is_obj = 0;
	l->ldoc = &l->line_doc;
	if (l->rich) {
		pk_buf_reset(&l->kline);
		pk_buf_reset(&l->hbytes);
		pk_buf_reset(&l->dlq_topic);
		pk_buf_reset(&l->orig_topic);
		pk_buf_reset(&l->exception);
		pk_buf_reset(&l->message);
		l->rich = 0;
	}
}

const char *
letter_text(const struct letter *l, size_t *n)
{
	const struct pk_buf *b = l->line_is_payload ? &l->payload : &l->line;

	*n = b->len;
	return b->p ? b->p : "";
}

const char *
letter_hname(const struct letter *l, size_t i, size_t *n)
{
	*n = l->hdrs[i].namelen;
	return l->hbytes.p + l->hdrs[i].name;
}

const void *
letter_hvalue(const struct letter *l, size_t i, size_t *n)
{
	*n = l->hdrs[i].len;
	return l->hdrs[i].vnull ? NULL : l->hbytes.p + l->hdrs[i].value;
}

static int
prefix(const char *s, size_t n, const char *p)
{
	size_t pn = strlen(p);

	return n >= pn && memcmp(s, p, pn) == 0;
}

static int
named(const char *s, size_t n, const char *name)
{
	return n == strlen(name) && memcmp(s, name, n) == 0;
}

int
letter_is_dlq_header(const char *name, size_t n)
{
	return prefix(name, n, "__connect.errors.") || prefix(name, n, "kafka_dlt-");
}

/* Decimal text header value (Connect) into *v: 1 ok, 0 not a number. */
static int
text_i64(const char *p, size_t n, int64_t *v)
{
	int64_t x = 0;
	size_t i = 0;
	int neg = 0;

	if (n > 0 && p[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == n || n - i > 18)
		return 0;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		x = x * 10 + (p[i] - '0');
	}
	*v = neg ? -x : x;
	return 1;
}

/* Read the Connect and Spring headers into the letter's fields. */
static void
dlq_headers(struct letter *l)
{
	size_t i, n, vn;
	int64_t v;

	for (i = 0; i < l->nhdrs; i++) {
		const char *name = letter_hname(l, i, &n);
		const unsigned char *val = letter_hvalue(l, i, &vn);

		if (val == NULL)
			continue;
		if (named(name, n, "__connect.errors.topic") ||
		    named(name, n, "kafka_dlt-original-topic")) {
			pk_buf_reset(&l->orig_topic);
			pk_buf_add(&l->orig_topic, val, vn);
		} else if (named(name, n, "__connect.errors.partition")) {
			if (text_i64((const char *)val, vn, &v) && v >= 0 && v <= INT32_MAX)
				l->orig_partition = (int32_t)v;
		} else if (named(name, n, "__connect.errors.offset")) {
			if (text_i64((const char *)val, vn, &v) && v >= 0)
				l->orig_offset = v;
		} else if (named(name, n, "kafka_dlt-original-partition")) {
			if (vn == 4 && pk_be32_get(val) >= 0)
				l->orig_partition = pk_be32_get(val);
			else if (text_i64((const char *)val, vn, &v) && v >= 0 && v <= INT32_MAX)
				l->orig_partition = (int32_t)v;
		} else if (named(name, n, "kafka_dlt-original-offset")) {
			if (vn == 8)
				l->orig_offset = pk_be64_get(val);
			else if (text_i64((const char *)val, vn, &v))
				l->orig_offset = v;
		} else if (named(name, n, "kafka_dlt-original-timestamp")) {
			/* The dead letter's own ts wins; this is the fallback. */
			if (!l->has_time && vn == 8) {
				v = pk_be64_get(val);
				if (v > INT64_MIN / 1000000 && v < INT64_MAX / 1000000) {
					l->time_ns = v * 1000000;
					l->has_time = 1;
				}
			}
		} else if (named(name, n, "__connect.errors.exception.class.name") ||
		    named(name, n, "kafka_dlt-exception-fqcn")) {
			pk_buf_reset(&l->exception);
			pk_buf_add(&l->exception, val, vn);
		} else if (named(name, n, "__connect.errors.exception.message") ||
		    named(name, n, "kafka_dlt-exception-message")) {
			pk_buf_reset(&l->message);
			pk_buf_add(&l->message, val, vn);
		}
	}
}

static int
parse_kcat(struct letter *l, const char *line, size_t n, struct pk_err *err)
{
	const struct pk_krec *r;
	size_t i;

	if (pk_kcat_parse(&l->kmsg, line, n, err) < 0)
		return -1;
	r = &l->kmsg.rec;
	l->kind = LETTER_KCAT;
	pk_buf_add(&l->kline, line, n);
	if (r->topic != NULL)
		pk_buf_add(&l->dlq_topic, r->topic, r->topiclen);
	if (r->payload != NULL)
		pk_buf_add(&l->payload, r->payload, r->len);
	else
		l->payload_null = 1;
	if (r->key != NULL) {
		pk_buf_add(&l->key, r->key, r->keylen);
		l->has_key = 1;
	}
	if (r->nhdrs > l->hcap) {
		l->hcap = r->nhdrs;
		l->hdrs = pk_xrealloc(l->hdrs, l->hcap * sizeof *l->hdrs);
	}
	for (i = 0; i < r->nhdrs; i++) {
		struct letter_hdr *h = &l->hdrs[i];

		h->name = l->hbytes.len;
		h->namelen = r->hdrs[i].namelen;
		pk_buf_add(&l->hbytes, r->hdrs[i].name, r->hdrs[i].namelen);
		h->value = l->hbytes.len;
		h->len = r->hdrs[i].len;
		h->vnull = r->hdrs[i].value == NULL;
		if (!h->vnull)
			pk_buf_add(&l->hbytes, r->hdrs[i].value, r->hdrs[i].len);
	}
	l->nhdrs = r->nhdrs;
	if (r->tstype != PK_KTS_NONE) {
		l->time_ns = r->ts * 1000000;
		l->has_time = 1;
	}
	dlq_headers(l);
	return 0;
}

/* The members a dead letter is recognised by (the last of a name wins,
 * as when looked up from the end), found in one pass over the line's index. */
struct marks {
	const struct pk_jfield *error, *raw, *raw64, *ts, *tool;
	const struct pk_jfield *topic, *payload, *partition, *offset;
};

static void
scan(const struct pk_jdoc *d, struct marks *m)
{
	size_t i;

	memset(m, 0, sizeof *m);
	for (i = 0; i < d->nf; i++) {
		const struct pk_jfield *f = &d->f[i];

		if (f->kescaped)
			continue;
		switch (f->kn) {
		case 2:
			if (memcmp(f->k, "ts", 2) == 0)
				m->ts = f;
			break;
		case 3:
			if (memcmp(f->k, "raw", 3) == 0)
				m->raw = f;
			break;
		case 4:
			if (memcmp(f->k, "tool", 4) == 0)
				m->tool = f;
			break;
		case 5:
			if (memcmp(f->k, "error", 5) == 0)
				m->error = f;
			else if (memcmp(f->k, "topic", 5) == 0)
				m->topic = f;
			break;
		case 6:
			if (memcmp(f->k, "offset", 6) == 0)
				m->offset = f;
			break;
		case 7:
			if (memcmp(f->k, "payload", 7) == 0)
				m->payload = f;
			break;
		case 9:
			if (memcmp(f->k, "partition", 9) == 0)
				m->partition = f;
			break;
		case 10:
			if (memcmp(f->k, "raw_base64", 10) == 0)
				m->raw64 = f;
			break;
		}
	}
}

/* An object with topic (string) and payload members: kcat's -J envelope. */
static int
marks_kcat(const struct marks *m)
{
	return m->topic != NULL && m->payload != NULL && m->topic->v.type == PK_J_STR &&
	    (m->partition != NULL || m->offset != NULL);
}

static int
is_kcat(const struct pk_jdoc *d)
{
	struct marks m;

	scan(d, &m);
	return marks_kcat(&m);
}

/* A copy of doc (indexed over line) pointing into l->line instead. */
static void
rebase(struct letter *l, const char *line, const struct pk_jdoc *doc)
{
	struct pk_jdoc *d = &l->line_doc;
	size_t i;

	if (doc->nf > d->cap) {
		d->cap = doc->nf;
		d->f = pk_xrealloc(d->f, d->cap * sizeof *d->f);
	}
	for (i = 0; i < doc->nf; i++) {
		d->f[i] = doc->f[i];
		d->f[i].k = l->line.p + (doc->f[i].k - line);
		d->f[i].v.p = l->line.p + (doc->f[i].v.p - line);
	}
	d->nf = doc->nf;
}

int
letter_parse(struct letter *l, const char *line, size_t n, const struct pk_jdoc *doc,
    struct pk_err *err)
{
	const struct pk_jfield *raw, *raw64;
	struct pk_err terr;	/* errors ignored; not zeroed whole, per record */
	struct marks m;

	terr.kind = PK_ERR_NONE;
	terr.msg[0] = '\0';
	reset(l);
	if (doc == NULL) {
		/* No index yet: copy the line and index the copy. */
		pk_buf_add(&l->line, line, n);
		if (l->line.p == NULL)
			pk_buf_add(&l->line, "", 0);
		if (pk_json_index(&l->line_doc, l->line.p, l->line.len, err) < 0)
			return -1;
		line = l->line.p;
		doc = &l->line_doc;
	}
	/* Recognised from the members as indexed (the reader's index
	 * borrowed when given: read at once, before anything reads again). */
	scan(doc, &m);
	raw = m.raw != NULL && m.raw->v.type == PK_J_STR ? m.raw : NULL;
	raw64 = m.raw64 != NULL && m.raw64->v.type == PK_J_STR ? m.raw64 : NULL;
	if (m.error == NULL || (raw == NULL && raw64 == NULL)) {
		if (!marks_kcat(&m)) {
			/* A plain record is its own original: its bytes once,
			 * its index as given. */
			pk_buf_add(&l->payload, line, n);
			if (l->payload.p == NULL)
				pk_buf_add(&l->payload, "", 0);
			l->line_is_payload = 1;
			l->ldoc = doc;
			l->orig_is_obj = 2;
			return 0;
		}
	}
	/* An envelope or a kcat record keeps its line and index. */
	l->rich = 1;
	if (doc != &l->line_doc) {
		pk_buf_add(&l->line, line, n);
		if (l->line.p == NULL)
			pk_buf_add(&l->line, "", 0);
		rebase(l, line, doc);
		scan(&l->line_doc, &m);
		raw = m.raw != NULL && m.raw->v.type == PK_J_STR ? m.raw : NULL;
		raw64 = m.raw64 != NULL && m.raw64->v.type == PK_J_STR ? m.raw64 : NULL;
	}
	if (m.error != NULL && (raw != NULL || raw64 != NULL)) {
		l->kind = LETTER_ENVELOPE;
		if (raw != NULL) {
			pk_jval_text(&raw->v, &l->payload);
		} else {
			struct pk_buf b64 = PK_BUF_INIT;
			int rc;

			pk_jval_text(&raw64->v, &b64);
			rc = pk_base64_decode(b64.p ? b64.p : "", b64.len, &l->payload);
			pk_buf_release(&b64);
			if (rc < 0)
				return pk_err_set(err, PK_ERR_DATA, "bad base64 in 'raw_base64'");
		}
		if (m.error->v.type == PK_J_STR)
			pk_jval_text(&m.error->v, &l->message);
		if (m.ts != NULL && pk_time_from_jval(&m.ts->v, PK_TIME_AUTO, &l->time_ns,
		    &terr) == 0)
			l->has_time = 1;
		/* dlqreplay's own park file keeps a kcat record whole as raw:
		 * replaying it again restores key, headers and topic. */
		if (m.tool != NULL && pk_jval_str_eq(&m.tool->v, "dlqreplay", 9) &&
		    pk_json_index(&l->orig_doc, l->payload.p ? l->payload.p : "", l->payload.len,
		    &terr) == 0 && is_kcat(&l->orig_doc)) {
			struct pk_buf inner = PK_BUF_INIT;
			int rc;

			pk_buf_add(&inner, l->payload.p, l->payload.len);
			pk_buf_reset(&l->payload);
			rc = parse_kcat(l, inner.p, inner.len, err);
			pk_buf_release(&inner);
			if (rc < 0)
				return -1;
		}
	} else if (parse_kcat(l, l->line.p, l->line.len, err) < 0) {
		return -1;
	}
	if (!l->payload_null && l->payload.len > 0 &&
	    pk_json_index(&l->orig_doc, l->payload.p, l->payload.len, &terr) == 0)
		l->orig_is_obj = 1;
	return 0;
}

int
letter_field(struct letter *l, const struct pk_path *path, struct pk_buf *out)
{
	struct pk_jval v;
	size_t i, n, vn;

	pk_buf_reset(out);
	if (strncmp(path->text, "dlq.", 4) == 0) {
		const char *f = path->text + 4;

		if (strcmp(f, "topic") == 0 && l->orig_topic.len > 0) {
			pk_buf_add(out, l->orig_topic.p, l->orig_topic.len);
			return 1;
		}
		if (strcmp(f, "partition") == 0 && l->orig_partition >= 0) {
			pk_buf_add_i64(out, l->orig_partition);
			return 1;
		}
		if (strcmp(f, "offset") == 0 && l->orig_offset >= 0) {
			pk_buf_add_i64(out, l->orig_offset);
			return 1;
		}
		if (strcmp(f, "exception") == 0 && l->exception.len > 0) {
			pk_buf_add(out, l->exception.p, l->exception.len);
			return 1;
		}
		if (strcmp(f, "message") == 0 && l->message.len > 0) {
			pk_buf_add(out, l->message.p, l->message.len);
			return 1;
		}
		if (strcmp(f, "key") == 0 && l->has_key) {
			pk_buf_add(out, l->key.p, l->key.len);
			return 1;
		}
	}
	if (l->orig_is_obj == 2 && pk_json_get(l->ldoc, path, &v))
		return pk_jval_key(&v, out);
	if (l->orig_is_obj == 1 && pk_json_get(&l->orig_doc, path, &v))
		return pk_jval_key(&v, out);
	if (l->kind != LETTER_PLAIN && pk_json_get(&l->line_doc, path, &v))
		return pk_jval_key(&v, out);
	for (i = l->nhdrs; i-- > 0;) {
		const char *name = letter_hname(l, i, &n);
		const void *val;

		if (n == strlen(path->text) && memcmp(name, path->text, n) == 0) {
			if ((val = letter_hvalue(l, i, &vn)) == NULL)
				return 0;
			pk_buf_add(out, val, vn);
			return 1;
		}
	}
	return 0;
}
