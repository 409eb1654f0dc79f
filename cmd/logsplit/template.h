/*
 * template - logsplit's -O TEMPLATE: output paths from the partition, record
 * fields, event-time parts and a rotation sequence number.
 */
#ifndef LOGSPLIT_TEMPLATE_H
#define LOGSPLIT_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"

enum tpl_kind { TPL_LIT, TPL_PARTITION, TPL_SEQ, TPL_DATE, TPL_HOUR, TPL_MINUTE, TPL_FIELD };

struct tpl_part {
	enum tpl_kind kind;
	char *lit;		/* TPL_LIT */
	size_t litn;
	int width;		/* {partition:03}: zero-padded to 3 digits; 0 none */
	struct pk_path path;	/* TPL_FIELD */
};

struct tpl {
	struct tpl_part *part;
	size_t n;
	int has_partition, has_seq, has_time, has_field;
};

#define TPL_INIT { NULL, 0, 0, 0, 0, 0 }

/*
 * Compile text: literal bytes and {partition}, {partition:0N}, {seq},
 * {seq:0N}, {date}, {hour}, {minute}, or {FIELD} (a dotted path); "{{"
 * and "}}" stand for literal braces. 0, or -1 with err (USAGE).
 */
int tpl_compile(struct tpl *t, const char *text, struct pk_err *err);
void tpl_release(struct tpl *t);

/*
 * The output path of one record, written to out (reset first) with every
 * {seq} left as a NUL byte followed by its width as one byte, so one
 * rendering names the whole rotation series (see tpl_seq). doc may be
 * NULL when the template has no field; ts_ns is used when it has a time
 * part. 1 ok; 0 when the record cannot be placed, with the reason in why
 * (reset first): a missing or null field, or a value that would leave the
 * output directory (empty, ".", "..", containing '/' or NUL).
 */
int tpl_render(const struct tpl *t, const struct pk_jdoc *doc, int32_t partition, int64_t ts_ns,
    struct pk_buf *out, struct pk_buf *why);
/* The file name of sequence number seq of a rendering (appended to out). */
void tpl_seq(const char *r, size_t rn, uint32_t seq, struct pk_buf *out);

#endif
