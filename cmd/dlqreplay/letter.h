/*
 * letter - one dead letter as dlqreplay understands it: a pipekit reject
 * envelope, a kcat -J record (Kafka Connect and Spring DLT headers read),
 * or a plain record, reduced to what replaying it needs.
 */
#ifndef DLQ_LETTER_H
#define DLQ_LETTER_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/kcat.h"

enum letter_kind { LETTER_PLAIN, LETTER_ENVELOPE, LETTER_KCAT };

/* One header, offsets into letter.hbytes; vnull for a null value. */
struct letter_hdr {
	size_t name, namelen, value, len;
	int vnull;
};

/*
 * Everything a letter owns; reused from record to record (letter_reset).
 * "original" means the record that failed: an envelope's raw line, a kcat
 * record's payload, a plain record's line.
 */
struct letter {
	/* What every letter sets, together: a reused letter is cold. */
	enum letter_kind kind;
	int line_is_payload;		/* plain record: line is not filled, payload is it */
	int rich;			/* the kcat/envelope members below were filled */
	int payload_null;		/* a kcat tombstone */
	int has_key;
	int has_time;
	int orig_is_obj;		/* 1: in orig_doc; 2: a plain record, in ldoc */
	int32_t orig_partition;		/* -1 unknown */
	int64_t orig_offset;		/* -1 unknown */
	int64_t time_ns;		/* the dead letter's time */
	size_t nhdrs, hcap;
	const struct pk_jdoc *ldoc;	/* the input line's index: &line_doc, or the
					   reader's (a plain record; see letter_parse) */
	struct pk_buf payload;		/* the original record */
	struct pk_buf key;
	struct pk_buf line;		/* the input line as read (a plain record's is payload) */
	/* The rest only envelopes and kcat records fill. */
	struct pk_buf kline;		/* LETTER_KCAT: the kcat envelope (the line, or an
					   envelope's raw from a park file) */
	struct pk_buf hbytes;
	struct letter_hdr *hdrs;
	struct pk_buf dlq_topic;	/* the topic the dead letter was read from ("" unknown) */
	struct pk_buf orig_topic;	/* from Connect/Spring headers ("" unknown) */
	struct pk_buf exception;	/* class name, "" unknown */
	struct pk_buf message;		/* exception message or envelope error */
	struct pk_jdoc orig_doc;	/* the original record indexed, when it is an object */
	struct pk_jdoc line_doc;	/* the input line indexed (when it is ours) */
	struct pk_kcat_msg kmsg;
};

void letter_init(struct letter *l);
void letter_release(struct letter *l);

/*
 * Read a dead letter from an input line (a JSON object); doc, when not
 * NULL, is the line's index already made (lib/input's), reused. 0, or -1
 * with err (DATA) and a reason when the line claims to be an envelope or
 * kcat record but is broken (bad base64). A plain record copies only its
 * bytes (payload) and borrows doc: letter_field on it works until the
 * caller's input reads again (dlqreplay asks for fields right away).
 */
int letter_parse(struct letter *l, const char *line, size_t n, const struct pk_jdoc *doc,
    struct pk_err *err);

/* A field for --id, --filter, -T, -k: the virtual dlq.topic, dlq.partition,
 * dlq.offset, dlq.exception, dlq.message first, then the original record
 * (when an object), then the input line, then a header of that exact name.
 * 1 with the value's key bytes (pk_jval_key) in out, 0 absent or null. */
int letter_field(struct letter *l, const struct pk_path *path, struct pk_buf *out);

/* The input line as read (borrowed; valid until the next parse). */
const char *letter_text(const struct letter *l, size_t *n);

/* Header i's name and value. */
const char *letter_hname(const struct letter *l, size_t i, size_t *n);
const void *letter_hvalue(const struct letter *l, size_t i, size_t *n);
/* 1 for the DLQ bookkeeping headers (__connect.errors.*, kafka_dlt-*). */
int letter_is_dlq_header(const char *name, size_t n);

#endif
