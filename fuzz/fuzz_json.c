/*
 * fuzz_json - libFuzzer target for the span scanner: index, look up, decode,
 * and cross-check acceptance and string decoding against jansson.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/buf.h"
#include "lib/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Walk a validated value with the skipper-based iterators, bounded depth. */
static void
walk(const struct pk_jval *v, struct pk_buf *b, int depth)
{
	struct pk_jfield f;
	struct pk_jval e, tmp;
	size_t pos = 0;
	double d;
	int64_t i;
	int bo;

	pk_jval_text(v, b);
	(void)pk_jval_key(v, b);
	(void)pk_jval_num(v, &d);
	(void)pk_jval_i64(v, &i);
	(void)pk_jval_bool(v, &bo);
	if (depth > 8)
		return;
	if (v->type == PK_J_OBJ) {
		while (pk_jobj_next(v, &pos, &f)) {
			walk(&f.v, b, depth + 1);
			if (!pk_jobj_get(v, f.k, f.kn, &tmp) && !f.kescaped)
				abort();	/* a member's own raw key must be found */
		}
	} else if (v->type == PK_J_ARR) {
		while (pk_jarr_next(v, &pos, &e))
			walk(&e, b, depth + 1);
	}
}

static void
decode_key(const struct pk_jfield *f, struct pk_buf *out)
{
	struct pk_buf q = PK_BUF_INIT;
	struct pk_jval kv;

	pk_buf_addc(&q, '"');
	pk_buf_add(&q, f->k, f->kn);
	pk_buf_addc(&q, '"');
	kv.type = PK_J_STR;
	kv.escaped = f->kescaped;
	kv.p = q.p;
	kv.n = q.len;
	pk_buf_reset(out);
	pk_jval_text(&kv, out);
	pk_buf_release(&q);
}

static int
jansson_limit(const json_error_t *e)
{
	/* Numbers past int64/double range, and \u0000 in keys, which jansson
	 * refuses even with JSON_ALLOW_NUL. */
	return strstr(e->text, "too big") != NULL || strstr(e->text, "overflow") != NULL ||
	    strstr(e->text, "NUL byte") != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const dotted[] = { "a", "a.b", "a.b.c", "x\\.y", "ts", "0" };
	struct pk_jdoc doc = PK_JDOC_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_buf b = PK_BUF_INIT, kb = PK_BUF_INIT;
	struct pk_path paths[sizeof dotted / sizeof dotted[0]];
	struct pk_jval v;
	json_error_t jerr;
	json_t *root, *jv;
	size_t i, j, np = sizeof dotted / sizeof dotted[0], missing, brackets = 0, nuls = 0;
	int rc;

	for (i = 0; i < size; i++) {
		brackets += data[i] == '[' || data[i] == '{';
		nuls += data[i] == 0;
	}
	doc.max_depth = 2048;	/* jansson's JSON_PARSER_MAX_DEPTH */
	rc = pk_json_index(&doc, (const char *)data, size, &err);

	/* jansson (strict RFC 8259 too) must agree on what is a valid object,
	 * except that it refuses numbers it cannot hold, and takes a raw NUL
	 * byte for the end of its input. */
	root = json_loadb((const char *)data, size, JSON_ALLOW_NUL, &jerr);
	if (brackets < 2000 && nuls == 0) {
		if (root != NULL && json_is_object(root) && rc != 0)
			abort();
		if (rc == 0 && root == NULL && !jansson_limit(&jerr))
			abort();
	}

	if (rc == 0) {
		for (i = 0; i < np; i++)
			pk_path_compile(&paths[i], dotted[i], NULL);
		for (i = 0; i < np; i++)
			if (pk_json_get(&doc, &paths[i], &v))
				walk(&v, &b, 0);
		(void)pk_json_key(&doc, paths, np, "|", 1, &kb, &missing);
		for (i = 0; i < np; i++)
			pk_path_release(&paths[i]);

		for (i = 0; i < doc.nf; i++) {
			pk_buf_reset(&b);
			walk(&doc.f[i].v, &b, 0);
			if (root == NULL || doc.f[i].v.type != PK_J_STR)
				continue;
			/* The last duplicate's decoded string must be what jansson
			 * holds under the decoded key. */
			decode_key(&doc.f[i], &kb);
			for (j = i + 1; j < doc.nf; j++) {
				decode_key(&doc.f[j], &b);
				if (b.len == kb.len && memcmp(b.p, kb.p, kb.len) == 0)
					break;
			}
			if (j < doc.nf)
				continue;
			jv = json_object_getn(root, kb.p, kb.len);
			pk_buf_reset(&b);
			pk_jval_text(&doc.f[i].v, &b);
			if (jv == NULL || !json_is_string(jv) || json_string_length(jv) != b.len ||
			    memcmp(json_string_value(jv), b.p, b.len) != 0)
				abort();
		}
	}
	json_decref(root);
	pk_buf_release(&b);
	pk_buf_release(&kb);
	pk_jdoc_release(&doc);
	return 0;
}
