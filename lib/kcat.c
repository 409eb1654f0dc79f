/*
 * kcat - Kafka records as NDJSON lines in kcat's -J envelope, written and read.
 *
 * The writer follows kcat 1.7.1's fmt_msg_output_json() (kcat's json.c, built
 * on yajl) and was checked byte for byte against `kcat -C -J` output from the
 * mock cluster of tests/helpers/kafka-mock: same field order, same omission of
 * tstype/ts when no timestamp is available and of headers when there are
 * none, same string escapes (yajl: \" \\ \b \f \n \r \t, other control bytes
 * as \u00XX, "/" and DEL unescaped, UTF-8 kept raw).
 *
 * The one deliberate difference: kcat copies key, payload and header bytes
 * into the JSON string as they are, so a non-UTF-8 value makes the line
 * invalid JSON that no NDJSON reader accepts (and a NUL-carrying one is cut
 * short by some). pipekit writes such a value as {"base64":"..."} instead
 * (DESIGN.md, "Kafka records as NDJSON"), and reads both forms back. For
 * UTF-8 data the two are identical.
 */
#include "lib/kcat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void
pk_kcat_write(struct pk_buf *out, const struct pk_krec *r)
{
	size_t i;

	pk_buf_add(out, "{\"topic\":", 9);
	pk_buf_add_json_bytes(out, r->topic ? r->topic : "", r->topic ? r->topiclen : 0);
	pk_buf_add(out, ",\"partition\":", 13);
	pk_buf_add_i64(out, r->partition);
	pk_buf_add(out, ",\"offset\":", 10);
	pk_buf_add_i64(out, r->offset);
	if (r->tstype != PK_KTS_NONE) {
		pk_buf_add(out, ",\"tstype\":", 10);
		pk_buf_adds(out, r->tstype == PK_KTS_CREATE ? "\"create\"" :
		    r->tstype == PK_KTS_LOGAPPEND ? "\"logappend\"" : "\"unknown\"");
		pk_buf_add(out, ",\"ts\":", 6);
		pk_buf_add_i64(out, r->ts);
	}
	pk_buf_add(out, ",\"broker\":", 10);
	pk_buf_add_i64(out, r->broker);
	if (r->nhdrs > 0) {
		pk_buf_add(out, ",\"headers\":[", 12);
		for (i = 0; i < r->nhdrs; i++) {
			if (i > 0)
				pk_buf_addc(out, ',');
			pk_buf_add_json_bytes(out, r->hdrs[i].name ? r->hdrs[i].name : "",
			    r->hdrs[i].name ? r->hdrs[i].namelen : 0);
			pk_buf_addc(out, ',');
			pk_buf_add_json_bytes(out, r->hdrs[i].value, r->hdrs[i].len);
		}
		pk_buf_addc(out, ']');
	}
	pk_buf_add(out, ",\"key\":", 7);
	pk_buf_add_json_bytes(out, r->key, r->keylen);
	pk_buf_add(out, ",\"payload\":", 11);
	pk_buf_add_json_bytes(out, r->payload, r->len);
	pk_buf_add(out, "}\n", 2);
}

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
pk_base64_decode(const char *s, size_t n, struct pk_buf *out)
{
	unsigned v = 0;
	size_t i, bits = 0, pad = 0, data = 0;
	int d;

	for (i = 0; i < n; i++) {
		if (s[i] == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (d = b64val((unsigned char)s[i])) < 0)
			return -1;	/* data after padding, or not in the alphabet */
		data++;
		v = (v << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			pk_buf_addc(out, (char)((v >> bits) & 0xFF));
		}
	}
	/* A lone sixth-bit group is impossible; padding must complete a quad. */
	if (data % 4 == 1 || (pad > 0 && (data + pad) % 4 != 0) || pad > 2)
		return -1;
	/* Leftover bits must be zero, or two texts would decode alike. */
	if (bits > 0 && (v & ((1u << bits) - 1)) != 0)
		return -1;
	return 0;
}

/*
 * A value that carries bytes: string, null, {"base64":"..."}, or any other
 * JSON value taken as its text. 1 bytes appended, 0 null, -1 bad base64.
 */
static int
value_bytes(const struct pk_jval *v, struct pk_buf *out)
{
	struct pk_jval b64;
	struct pk_jfield f;
	struct pk_buf tmp = PK_BUF_INIT;
	size_t pos = 0, members = 0;
	int rc;

	switch (v->type) {
	case PK_J_NULL:
		return 0;
	case PK_J_STR:
		pk_jval_text(v, out);
		return 1;
	case PK_J_OBJ:
		while (pk_jobj_next(v, &pos, &f) == 1)
			members++;
		if (members == 1 && pk_jobj_get(v, "base64", 6, &b64) == 1 &&
		    b64.type == PK_J_STR) {
			pk_jval_text(&b64, &tmp);
			rc = pk_base64_decode(tmp.p ? tmp.p : "", tmp.len, out);
			pk_buf_release(&tmp);
			return rc < 0 ? -1 : 1;
		}
		/* FALLTHROUGH */
	default:
		pk_buf_add(out, v->p, v->n);
		return 1;
	}
}

static int
key_is(const struct pk_jfield *f, const char *name)
{
	size_t n = strlen(name);

	return !f->kescaped && f->kn == n && memcmp(f->k, name, n) == 0;
}

static int
get_int(const struct pk_jval *v, int64_t min, int64_t max, int64_t *out)
{
	int64_t i;

	if (v->type == PK_J_NULL)
		return 0;
	if (v->type != PK_J_NUM || !pk_jval_i64(v, &i) || i < min || i > max)
		return -1;
	*out = i;
	return 0;
}

/* Header names and values are appended to m->hbytes; pointers fixed at the end. */
static int
parse_headers(struct pk_kcat_msg *m, const struct pk_jval *arr, struct pk_err *err)
{
	struct pk_jval name, val;
	size_t pos = 0, nh = 0, i, off;
	int rc;

	if (arr->type == PK_J_NULL)
		return 0;
	if (arr->type != PK_J_ARR)
		return pk_err_set(err, PK_ERR_DATA, "'headers' is not an array");
	for (;;) {
		if (pk_jarr_next(arr, &pos, &name) != 1)
			break;
		if (pk_jarr_next(arr, &pos, &val) != 1)
			return pk_err_set(err, PK_ERR_DATA,
			    "'headers' has a name without a value");
		if (nh == m->hcap) {
			m->hcap = m->hcap ? m->hcap * 2 : 8;
			m->hdrs = pk_xrealloc(m->hdrs, m->hcap * sizeof *m->hdrs);
		}
		off = m->hbytes.len;
		if (name.type == PK_J_NULL || value_bytes(&name, &m->hbytes) < 0)
			return pk_err_set(err, PK_ERR_DATA, "bad header name in 'headers'");
		m->hdrs[nh].name = (const char *)(uintptr_t)off;
		m->hdrs[nh].namelen = m->hbytes.len - off;
		pk_buf_addc(&m->hbytes, '\0');	/* names are C strings for librdkafka */
		off = m->hbytes.len;
		rc = value_bytes(&val, &m->hbytes);
		if (rc < 0)
			return pk_err_set(err, PK_ERR_DATA, "bad base64 in a header value");
		m->hdrs[nh].value = rc == 0 ? NULL : (const void *)(uintptr_t)(off + 1);
		m->hdrs[nh].len = m->hbytes.len - off;
		nh++;
	}
	if (m->hbytes.len == 0)
		pk_buf_grow(&m->hbytes, 1);
	for (i = 0; i < nh; i++) {
		m->hdrs[i].name = m->hbytes.p + (uintptr_t)m->hdrs[i].name;
		if (m->hdrs[i].value != NULL)
			m->hdrs[i].value = m->hbytes.p + ((uintptr_t)m->hdrs[i].value - 1);
	}
	m->rec.hdrs = m->hdrs;
	m->rec.nhdrs = nh;
	return 0;
}

int
pk_kcat_parse(struct pk_kcat_msg *m, const char *line, size_t n, struct pk_err *err)
{
	static const struct pk_krec empty = { NULL, 0, -1, -1, PK_KTS_NONE, 0, -1,
	    NULL, 0, NULL, 0, NULL, 0 };
	struct pk_krec *r = &m->rec;
	const struct pk_jval *key = NULL, *payload = NULL;
	size_t i;
	int64_t v;
	int rc;

	*r = empty;
	pk_buf_reset(&m->topic);
	pk_buf_reset(&m->key);
	pk_buf_reset(&m->payload);
	pk_buf_reset(&m->hbytes);
	if (pk_json_index(&m->doc, line, n, err) < 0)
		return -1;
	for (i = 0; i < m->doc.nf; i++) {
		const struct pk_jfield *f = &m->doc.f[i];

		if (key_is(f, "topic")) {
			if (f->v.type != PK_J_NULL && value_bytes(&f->v, &m->topic) < 0)
				return pk_err_set(err, PK_ERR_DATA, "bad base64 in 'topic'");
		} else if (key_is(f, "partition")) {
			v = -1;
			if (get_int(&f->v, -1, INT32_MAX, &v) < 0)
				return pk_err_set(err, PK_ERR_DATA, "'partition' is not a partition number");
			r->partition = (int32_t)v;
		} else if (key_is(f, "offset")) {
			if (get_int(&f->v, INT64_MIN, INT64_MAX, &r->offset) < 0)
				return pk_err_set(err, PK_ERR_DATA, "'offset' is not an integer");
		} else if (key_is(f, "ts")) {
			if (get_int(&f->v, INT64_MIN, INT64_MAX, &r->ts) < 0)
				return pk_err_set(err, PK_ERR_DATA, "'ts' is not an integer");
		} else if (key_is(f, "broker")) {
			v = -1;
			if (get_int(&f->v, INT32_MIN, INT32_MAX, &v) < 0)
				return pk_err_set(err, PK_ERR_DATA, "'broker' is not an integer");
			r->broker = (int32_t)v;
		} else if (key_is(f, "tstype")) {
			if (pk_jval_str_eq(&f->v, "create", 6))
				r->tstype = PK_KTS_CREATE;
			else if (pk_jval_str_eq(&f->v, "logappend", 9))
				r->tstype = PK_KTS_LOGAPPEND;
			else if (f->v.type == PK_J_STR)
				r->tstype = PK_KTS_UNKNOWN;
		} else if (key_is(f, "headers")) {
			pk_buf_reset(&m->hbytes);
			if (parse_headers(m, &f->v, err) < 0)
				return -1;
		} else if (key_is(f, "key")) {
			key = &f->v;	/* the last occurrence wins, as in jq */
		} else if (key_is(f, "payload")) {
			payload = &f->v;
		}
	}
	if (r->tstype == PK_KTS_NONE && r->ts != 0)
		r->tstype = PK_KTS_CREATE;
	if (key != NULL) {
		if ((rc = value_bytes(key, &m->key)) < 0)
			return pk_err_set(err, PK_ERR_DATA, "bad base64 in 'key'");
		if (rc == 1) {
			pk_buf_grow(&m->key, 1);
			r->key = m->key.p;
			r->keylen = m->key.len;
		}
	}
	if (payload != NULL) {
		if ((rc = value_bytes(payload, &m->payload)) < 0)
			return pk_err_set(err, PK_ERR_DATA, "bad base64 in 'payload'");
		if (rc == 1) {
			pk_buf_grow(&m->payload, 1);
			r->payload = m->payload.p;
			r->len = m->payload.len;
		}
	}
	if (m->topic.len > 0) {
		r->topic = m->topic.p;
		r->topiclen = m->topic.len;
	}
	return 0;
}

void
pk_kcat_msg_release(struct pk_kcat_msg *m)
{
	pk_buf_release(&m->topic);
	pk_buf_release(&m->key);
	pk_buf_release(&m->payload);
	pk_buf_release(&m->hbytes);
	free(m->hdrs);
	m->hdrs = NULL;
	m->hcap = 0;
	pk_jdoc_release(&m->doc);
}

int
pk_kcat_unwrap(const char *line, size_t n, struct pk_buf *out, struct pk_err *err)
{
	struct pk_jdoc doc = PK_JDOC_INIT;
	const struct pk_jval *payload = NULL;
	size_t i;
	int rc;

	if (pk_json_index(&doc, line, n, err) < 0) {
		pk_jdoc_release(&doc);
		return -1;
	}
	for (i = 0; i < doc.nf; i++)
		if (key_is(&doc.f[i], "payload"))
			payload = &doc.f[i].v;
	rc = payload == NULL ? 0 : value_bytes(payload, out);
	pk_jdoc_release(&doc);
	if (rc < 0)
		return pk_err_set(err, PK_ERR_DATA, "bad base64 in 'payload'");
	return rc;
}
