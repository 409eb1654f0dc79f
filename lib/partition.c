/*
 * partition - partitioner selection, Kafka serializer key bytes, the
 * null-key policy and hot-key salting (see partition.h for the contract).
 */
#include "lib/partition.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/hash.h"
#include "lib/reader.h"

struct pk_salt_ent {
	char *key;		/* NULL: empty slot */
	size_t keyn;
	uint32_t n;
	uint64_t next;		/* records seen with this key */
};

static const char *const partitioner_names[] = {
	"murmur2", "fnv1a", "crc32", "random", "roundrobin"
};

void
pk_part_release(struct pk_part *p)
{
	size_t i;

	for (i = 0; i < p->salt_cap; i++)
		free(p->salt[i].key);
	free(p->salt);
	p->salt = NULL;
	p->nsalt = p->salt_cap = 0;
	pk_buf_release(&p->sub);
}

const char *
pk_part_partitioner_name(enum pk_partitioner how)
{
	if ((unsigned)how < sizeof partitioner_names / sizeof partitioner_names[0])
		return partitioner_names[how];
	return "?";
}

int
pk_part_set_partitioner(struct pk_part *p, const char *name, struct pk_err *err)
{
	size_t i;

	for (i = 0; i < sizeof partitioner_names / sizeof partitioner_names[0]; i++) {
		if (strcmp(name, partitioner_names[i]) == 0) {
			p->how = (enum pk_partitioner)i;
			return 0;
		}
	}
	return pk_err_set(err, PK_ERR_USAGE,
	    "unknown partitioner '%s' (murmur2, fnv1a, crc32, random, roundrobin)", name);
}

int
pk_part_set_encoding(struct pk_part *p, const char *name, struct pk_err *err)
{
	static const char *const names[] = { "utf8", "int32", "int64", "raw" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(name, names[i]) == 0) {
			p->enc = (enum pk_key_encoding)i;
			return 0;
		}
	}
	return pk_err_set(err, PK_ERR_USAGE,
	    "unknown key encoding '%s' (utf8, int32, int64, raw)", name);
}

int
pk_part_set_null_policy(struct pk_part *p, const char *arg, struct pk_err *err)
{
	const char *s;
	long v = 0;

	if (strcmp(arg, "roundrobin") == 0) {
		p->null_policy = PK_NULL_ROUNDROBIN;
		return 0;
	}
	if (strcmp(arg, "random") == 0) {
		p->null_policy = PK_NULL_RANDOM;
		return 0;
	}
	if (strcmp(arg, "reject") == 0) {
		p->null_policy = PK_NULL_REJECT;
		return 0;
	}
	for (s = arg; *s >= '0' && *s <= '9' && v <= INT32_MAX; s++)
		v = v * 10 + (*s - '0');
	if (s == arg || *s != '\0' || v > INT32_MAX)
		return pk_err_set(err, PK_ERR_USAGE,
		    "invalid --null-key '%s' (roundrobin, random, reject or a partition number)",
		    arg);
	p->null_policy = PK_NULL_FIXED;
	p->null_partition = (int32_t)v;
	return 0;
}

int
pk_part_check(const struct pk_part *p, struct pk_err *err)
{
	if (p->partitions < 1)
		return pk_err_set(err, PK_ERR_USAGE, "the number of partitions must be at least 1");
	if (p->null_policy == PK_NULL_FIXED && p->null_partition >= p->partitions)
		return pk_err_set(err, PK_ERR_USAGE,
		    "--null-key partition %ld is not below the %ld partitions",
		    (long)p->null_partition, (long)p->partitions);
	return 0;
}

/* Decimal integer text: optional '-', at least one digit, nothing else. */
static int
parse_int(const char *s, size_t n, int64_t *out)
{
	uint64_t u = 0, lim;
	size_t i;
	int neg;

	if (n == 0)
		return 0;
	neg = s[0] == '-';
	if ((size_t)neg == n)
		return 0;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (i = (size_t)neg; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || u > (lim - (uint64_t)(s[i] - '0')) / 10)
			return 0;
		u = u * 10 + (uint64_t)(s[i] - '0');
	}
	*out = neg ? (u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u) : (int64_t)u;
	return 1;
}

static int
put_int(const struct pk_part *p, int ok, int64_t v, const char *text, size_t textn,
    struct pk_buf *out, struct pk_err *err)
{
	unsigned char b[8];
	int bits = p->enc == PK_KEY_INT32 ? 32 : 64;

	if (!ok || (bits == 32 && (v < INT32_MIN || v > INT32_MAX))) {
		if (textn > 64)
			textn = 64;
		return pk_err_set(err, PK_ERR_DATA, "key %.*s is not a %d-bit integer",
		    (int)textn, text, bits);
	}
	if (bits == 32) {
		pk_be32_put(b, (int32_t)v);
		pk_buf_add(out, b, 4);
	} else {
		pk_be64_put(b, v);
		pk_buf_add(out, b, 8);
	}
	return 1;
}

int
pk_part_encode(const struct pk_part *p, const struct pk_jval *v, struct pk_buf *out,
    struct pk_err *err)
{
	int64_t i = 0;
	int ok;

	if (v->type == PK_J_NONE || v->type == PK_J_NULL)
		return 0;
	switch (p->enc) {
	case PK_KEY_UTF8:
		return pk_jval_key(v, out);
	case PK_KEY_RAW:
		pk_buf_add(out, v->p, v->n);
		return 1;
	case PK_KEY_INT32:
	case PK_KEY_INT64:
		ok = (v->type == PK_J_NUM || v->type == PK_J_STR) && pk_jval_i64(v, &i);
		return put_int(p, ok, i, v->p, v->n, out, err);
	}
	return pk_err_set(err, PK_ERR_DATA, "unknown key encoding");
}

int
pk_part_encode_text(const struct pk_part *p, const char *s, size_t n, struct pk_buf *out,
    struct pk_err *err)
{
	int64_t i = 0;
	int ok;

	if (p->enc == PK_KEY_INT32 || p->enc == PK_KEY_INT64) {
		/* Two statements: argument evaluation order is unspecified. */
		ok = parse_int(s, n, &i);
		return put_int(p, ok, i, s, n, out, err);
	}
	pk_buf_add(out, s, n);
	return 1;
}

int
pk_part_key(const struct pk_part *p, const struct pk_jdoc *doc, const struct pk_path *paths,
    size_t npaths, const char *sep, size_t sepn, struct pk_buf *out, struct pk_err *err)
{
	struct pk_jval v;
	size_t i;
	int rc;

	pk_buf_reset(out);
	if (npaths != 1 && (p->enc == PK_KEY_INT32 || p->enc == PK_KEY_INT64))
		return pk_err_set(err, PK_ERR_USAGE, "an integer key encoding takes one key field");
	for (i = 0; i < npaths; i++) {
		if (i > 0)
			pk_buf_add(out, sep, sepn);
		if (!pk_json_get(doc, &paths[i], &v))
			return 0;
		if ((rc = pk_part_encode(p, &v, out, err)) <= 0)
			return rc;
	}
	return 1;
}

/* --- salting ------------------------------------------------------------- */

static struct pk_salt_ent *
salt_find(const struct pk_part *p, const void *key, size_t keyn)
{
	size_t mask, i;

	if (p->salt_cap == 0)
		return NULL;
	mask = p->salt_cap - 1;
	for (i = (size_t)pk_hash64(key, keyn, 0) & mask;; i = (i + 1) & mask) {
		struct pk_salt_ent *e = &p->salt[i];

		if (e->key == NULL)
			return e;
		if (e->keyn == keyn && memcmp(e->key, key, keyn) == 0)
			return e;
	}
}

void
pk_part_salt(struct pk_part *p, const void *key, size_t keyn, uint32_t n)
{
	struct pk_salt_ent *e;

	if (n < 1)
		n = 1;
	if ((p->nsalt + 1) * 2 > p->salt_cap) {
		struct pk_salt_ent *old = p->salt;
		size_t oldcap = p->salt_cap, i;

		p->salt_cap = oldcap ? oldcap * 2 : 16;
		p->salt = pk_xcalloc(p->salt_cap, sizeof *p->salt);
		for (i = 0; i < oldcap; i++) {
			if (old[i].key != NULL) {
				e = salt_find(p, old[i].key, old[i].keyn);
				*e = old[i];
			}
		}
		free(old);
	}
	e = salt_find(p, key, keyn);
	if (e->key == NULL) {
		/* One spare byte so that an empty key is not a NULL pointer. */
		e->key = pk_xmalloc(keyn + 1);
		memcpy(e->key, key, keyn);
		e->keyn = keyn;
		e->next = 0;
		p->nsalt++;
	}
	e->n = n;
}

uint32_t
pk_part_salt_of(const struct pk_part *p, const void *key, size_t keyn)
{
	struct pk_salt_ent *e = salt_find(p, key, keyn);

	return e != NULL && e->key != NULL ? e->n : 0;
}

int
pk_part_salt_arg(struct pk_part *p, const char *arg, struct pk_err *err)
{
	const char *colon = strrchr(arg, ':');
	struct pk_buf key = PK_BUF_INIT;
	struct pk_err kerr = PK_ERR_INIT;
	int64_t n;

	if (colon == NULL || !parse_int(colon + 1, strlen(colon + 1), &n) || n < 1 ||
	    n > 1000000)
		return pk_err_set(err, PK_ERR_USAGE,
		    "invalid --salt '%s' (KEY:N with N from 1 to 1000000)", arg);
	if (pk_part_encode_text(p, arg, (size_t)(colon - arg), &key, &kerr) < 0) {
		pk_buf_release(&key);
		return pk_err_set(err, PK_ERR_USAGE, "invalid --salt '%s': %s", arg, kerr.msg);
	}
	pk_part_salt(p, key.p ? key.p : "", key.len, (uint32_t)n);
	pk_buf_release(&key);
	return 0;
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Standard or URL-safe base64, padding optional. 0 or -1. */
static int
b64decode(const char *s, size_t n, struct pk_buf *out)
{
	uint32_t acc = 0;
	int bits = 0, v;
	size_t i;

	while (n > 0 && s[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++) {
		if ((v = b64val((unsigned char)s[i])) < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			pk_buf_addc(out, (char)(acc >> bits & 0xff));
		}
	}
	return 0;
}

long
pk_part_hot_keys(struct pk_part *p, const char *path, uint32_t default_n, struct pk_err *err)
{
	struct pk_reader *r = pk_reader_open(path, 0, err);
	struct pk_jdoc doc = PK_JDOC_INIT;
	struct pk_buf text = PK_BUF_INIT, key = PK_BUF_INIT;
	struct pk_path ptype = { NULL, NULL, NULL, 0 }, pkey = ptype, psalt = ptype;
	struct pk_err lerr = PK_ERR_INIT;
	struct pk_jval v, b;
	const char *line;
	size_t len;
	long added = 0;
	int rc;

	if (r == NULL)
		return -1;
	if (pk_path_compile(&ptype, "type", err) < 0 || pk_path_compile(&pkey, "key", err) < 0 ||
	    pk_path_compile(&psalt, "salt", err) < 0)
		goto fail;
	while ((rc = pk_reader_next(r, &line, &len, err)) > 0) {
		const char *name = pk_reader_name(r);
		long lineno = pk_reader_lineno(r);
		uint32_t n = default_n;
		int64_t sn;

		if (rc == 2) {
			pk_err_set(err, PK_ERR_DATA, "%s:%ld: line too long", name, lineno);
			goto fail;
		}
		if (strspn(line, " \t\r") >= len)
			continue;
		if (pk_json_index(&doc, line, len, &lerr) < 0) {
			pk_err_set(err, PK_ERR_DATA, "%s:%ld: %s", name, lineno, lerr.msg);
			goto fail;
		}
		if (!pk_json_get(&doc, &ptype, &v) || !pk_jval_str_eq(&v, "key", 3))
			continue;
		if (!pk_json_get(&doc, &pkey, &v) || v.type == PK_J_NULL) {
			pk_err_set(err, PK_ERR_DATA, "%s:%ld: a key line without a key", name, lineno);
			goto fail;
		}
		pk_buf_reset(&text);
		if (v.type == PK_J_OBJ && pk_jobj_get(&v, "base64", 6, &b) && b.type == PK_J_STR) {
			if (b64decode(b.p + 1, b.n - 2, &text) < 0) {
				pk_err_set(err, PK_ERR_DATA, "%s:%ld: invalid base64 key", name,
				    lineno);
				goto fail;
			}
		} else {
			pk_jval_key(&v, &text);
		}
		if (pk_json_get(&doc, &psalt, &b) && pk_jval_i64(&b, &sn) && sn >= 1 &&
		    sn <= 1000000)
			n = (uint32_t)sn;
		pk_buf_reset(&key);
		if (pk_part_encode_text(p, text.p ? text.p : "", text.len, &key, &lerr) < 0) {
			pk_err_set(err, PK_ERR_DATA, "%s:%ld: %s", name, lineno, lerr.msg);
			goto fail;
		}
		pk_part_salt(p, key.p ? key.p : "", key.len, n);
		added++;
	}
	if (rc < 0)
		goto fail;
	pk_reader_free(r);
	pk_jdoc_release(&doc);
	pk_path_release(&ptype);
	pk_path_release(&pkey);
	pk_path_release(&psalt);
	pk_buf_release(&text);
	pk_buf_release(&key);
	return added;
fail:
	pk_reader_free(r);
	pk_jdoc_release(&doc);
	pk_path_release(&ptype);
	pk_path_release(&pkey);
	pk_path_release(&psalt);
	pk_buf_release(&text);
	pk_buf_release(&key);
	return -1;
}

/* --- choosing ------------------------------------------------------------ */

int32_t
pk_part_hash(enum pk_partitioner how, const void *key, size_t keyn, int32_t partitions)
{
	switch (how) {
	case PK_PART_MURMUR2:
		return pk_partition_murmur2(key, keyn, partitions);
	case PK_PART_FNV1A:
		return pk_partition_fnv1a(key, keyn, partitions);
	case PK_PART_CRC32:
		return pk_partition_crc32(key, keyn, partitions);
	default:
		return -1;
	}
}

/* Per lib/hash.h's pk_partition_*: Java's toPositive for murmur2, the
 * unsigned hash for the others; the reduction is an unsigned remainder. */
uint32_t
pk_part_hash32(enum pk_partitioner how, const void *key, size_t keyn)
{
	switch (how) {
	case PK_PART_MURMUR2:
		return pk_murmur2(key, keyn) & 0x7fffffffU;
	case PK_PART_FNV1A:
		return pk_fnv1a(key, keyn);
	case PK_PART_CRC32:
		return pk_crc32(key, keyn);
	default:
		return 0;
	}
}

/* splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014): a full-period 64-bit generator. */
static uint64_t
next_random(struct pk_part *p)
{
	uint64_t z;

	if (p->rng == 0) {
		struct timespec ts;

		if (p->seed != 0) {
			p->rng = p->seed;
		} else {
			clock_gettime(CLOCK_REALTIME, &ts);
			p->rng = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec ^
			    (uint64_t)getpid() << 32;
		}
		if (p->rng == 0)
			p->rng = 1;
	}
	z = (p->rng += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

int32_t
pk_part_choose(struct pk_part *p, const void *key, size_t keyn, const void **sent,
    size_t *sentn)
{
	uint32_t n = (uint32_t)p->partitions;
	struct pk_salt_ent *e;

	p->records++;
	if (sent != NULL) {
		*sent = key;
		*sentn = keyn;
	}
	if (key == NULL) {
		p->nulls++;
		switch (p->null_policy) {
		case PK_NULL_ROUNDROBIN:
			return (int32_t)(p->null_next++ % n);
		case PK_NULL_RANDOM:
			return (int32_t)(next_random(p) % n);
		case PK_NULL_FIXED:
			return p->null_partition;
		case PK_NULL_REJECT:
			return PK_PART_REJECT;
		}
		return PK_PART_REJECT;
	}
	if (p->how == PK_PART_ROUNDROBIN)
		return (int32_t)(p->rr_next++ % n);
	if (p->how == PK_PART_RANDOM)
		return (int32_t)(next_random(p) % n);
	if (p->nsalt > 0 && (e = salt_find(p, key, keyn)) != NULL && e->key != NULL) {
		pk_buf_reset(&p->sub);
		pk_buf_add(&p->sub, key, keyn);
		pk_buf_printf(&p->sub, "#%llu", (unsigned long long)(e->next++ % e->n));
		p->salted++;
		key = p->sub.p;
		keyn = p->sub.len;
		if (sent != NULL) {
			*sent = key;
			*sentn = keyn;
		}
	}
	return pk_part_hash(p->how, key, keyn, p->partitions);
}
