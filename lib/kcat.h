/*
 * kcat - Kafka records as NDJSON lines in kcat's -J envelope, written and read.
 */
#ifndef PK_KCAT_H
#define PK_KCAT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"

/* Values of rd_kafka_timestamp_type_t, so lib/kafka can copy them as they are. */
enum pk_ktstype {
	PK_KTS_NONE = 0,	/* not available: kcat then omits tstype and ts */
	PK_KTS_CREATE = 1,
	PK_KTS_LOGAPPEND = 2,
	PK_KTS_UNKNOWN = 3	/* a type this code does not know: "unknown" */
};

/* One header; value == NULL is a null header (distinct from an empty one). */
struct pk_khdr {
	const char *name;
	size_t namelen;
	const void *value;
	size_t len;
};

/*
 * One Kafka record as plain data. key == NULL / payload == NULL mean null
 * (a zero-length non-NULL pointer is an empty key or payload). partition -1
 * means unassigned, offset -1 unknown, broker -1 unknown. Pointers are
 * borrowed from whoever filled the struct.
 */
struct pk_krec {
	const char *topic;
	size_t topiclen;
	int32_t partition;
	int64_t offset;
	enum pk_ktstype tstype;
	int64_t ts;		/* ms since the epoch */
	int32_t broker;
	const struct pk_khdr *hdrs;
	size_t nhdrs;
	const void *key;
	size_t keylen;
	const void *payload;
	size_t len;
};

/*
 * Append r to out as one envelope line, newline included, field for field as
 * `kcat -C -J` prints it (librdkafka 2.0.2, kcat 1.7.1): topic, partition,
 * offset, tstype and ts (both omitted when no timestamp is available),
 * broker, headers (omitted when the record has none), key, payload.
 */
void pk_kcat_write(struct pk_buf *out, const struct pk_krec *r);

/* A parsed envelope that owns its bytes; rec points into it. */
struct pk_kcat_msg {
	struct pk_krec rec;
	struct pk_buf topic, key, payload, hbytes;
	struct pk_khdr *hdrs;
	size_t hcap;
	struct pk_jdoc doc;
};

#define PK_KCAT_MSG_INIT { { NULL, 0, -1, -1, PK_KTS_NONE, 0, -1, NULL, 0, NULL, 0, NULL, 0 }, \
	PK_BUF_INIT, PK_BUF_INIT, PK_BUF_INIT, PK_BUF_INIT, NULL, 0, PK_JDOC_INIT }

/*
 * Parse one envelope line (a JSON object). Absent fields take the defaults
 * of struct pk_krec (absent key or payload is null). key, payload and header
 * values may be strings, null, or {"base64":"..."}; any other JSON value is
 * taken as its JSON text. 0 ok (m->rec valid until the next call on m); -1
 * with err (DATA) for a line that is not an envelope.
 */
int pk_kcat_parse(struct pk_kcat_msg *m, const char *line, size_t n, struct pk_err *err);
void pk_kcat_msg_release(struct pk_kcat_msg *m);

/*
 * --unwrap: the payload of the envelope line, as bytes, appended to out.
 * 1 with the bytes, 0 when the payload is null or absent, -1 with err (DATA).
 */
int pk_kcat_unwrap(const char *line, size_t n, struct pk_buf *out, struct pk_err *err);

/* Strict RFC 4648 base64 (padding optional) appended to out: 0 or -1. */
int pk_base64_decode(const char *s, size_t n, struct pk_buf *out);

#endif
