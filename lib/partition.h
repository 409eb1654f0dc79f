/*
 * partition - where a producer would put a record: partitioner choice, key
 * bytes as Kafka's serializers write them, the null-key policy and the
 * salting of hot keys, shared by logsplit (placement) and skewstat (what-if).
 */
#ifndef PK_PARTITION_H
#define PK_PARTITION_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"

enum pk_partitioner {
	PK_PART_MURMUR2 = 0,	/* Kafka's Java default; librdkafka murmur2(_random) */
	PK_PART_FNV1A,		/* librdkafka fnv1a(_random), Sarama's hash partitioner */
	PK_PART_CRC32,		/* librdkafka consistent(_random), kcat's default */
	PK_PART_RANDOM,		/* the key is ignored */
	PK_PART_ROUNDROBIN	/* the key is ignored: 0, 1, ..., N-1, 0, ... */
};

/*
 * How a key's JSON value becomes the bytes that are hashed (and sent as the
 * Kafka message key):
 *   utf8:  a string's decoded UTF-8, a number's or boolean's JSON text as
 *          written (StringSerializer of the text the user sees);
 *   int32: a JSON integer (or a string holding one, as CSV gives them) in
 *          -2^31..2^31-1 as 4 big-endian two's complement bytes
 *          (IntegerSerializer);
 *   int64: likewise in 8 bytes (LongSerializer);
 *   raw:   the value's JSON text exactly as written in the input, a string
 *          with its quotes and escapes (what a JSON serializer of the key
 *          sends). For raw text (--regex) utf8 and raw are the same bytes.
 */
enum pk_key_encoding { PK_KEY_UTF8 = 0, PK_KEY_INT32, PK_KEY_INT64, PK_KEY_RAW };

/* What a record without a key (field absent or null) gets. */
enum pk_null_policy {
	PK_NULL_ROUNDROBIN = 0,	/* 0, 1, ... stepping over null-key records only */
	PK_NULL_RANDOM,
	PK_NULL_FIXED,		/* always null_partition */
	PK_NULL_REJECT		/* pk_part_choose returns PK_PART_REJECT */
};

/* pk_part_choose's answer for a null key under PK_NULL_REJECT. */
#define PK_PART_REJECT (-1)

struct pk_salt_ent;

struct pk_part {
	enum pk_partitioner how;
	int32_t partitions;		/* > 0 */
	enum pk_key_encoding enc;
	enum pk_null_policy null_policy;
	int32_t null_partition;		/* PK_NULL_FIXED */
	uint64_t seed;			/* random and null-key random; set before the first use */

	/* counters */
	uint64_t records;		/* pk_part_choose calls */
	uint64_t nulls;			/* of them with a null key */
	uint64_t salted;		/* of them whose key was salted */

	/* private */
	uint64_t rr_next, null_next, rng;
	struct pk_salt_ent *salt;	/* open-addressing table of hot keys */
	size_t nsalt, salt_cap;
	struct pk_buf sub;		/* the last salted sub-key */
};

#define PK_PART_INIT { PK_PART_MURMUR2, 1, PK_KEY_UTF8, PK_NULL_ROUNDROBIN, 0, 0, 0, 0, 0, \
	0, 0, 0, NULL, 0, 0, PK_BUF_INIT }

void pk_part_release(struct pk_part *p);

/*
 * Option values by name: "murmur2|fnv1a|crc32|random|roundrobin",
 * "utf8|int32|int64|raw", "roundrobin|random|reject|<partition number>".
 * 0, or -1 with err (USAGE) naming the accepted values. The null policy is
 * checked against p->partitions by pk_part_check.
 */
int pk_part_set_partitioner(struct pk_part *p, const char *name, struct pk_err *err);
int pk_part_set_encoding(struct pk_part *p, const char *name, struct pk_err *err);
int pk_part_set_null_policy(struct pk_part *p, const char *arg, struct pk_err *err);
const char *pk_part_partitioner_name(enum pk_partitioner how);
/* After every setting: 0, or -1 with err (USAGE: a fixed null partition
 * outside 0..partitions-1, partitions < 1). */
int pk_part_check(const struct pk_part *p, struct pk_err *err);

/*
 * Key bytes of one JSON value under p->enc, appended to out. 1 ok; 0 for
 * null (no key); -1 when the value cannot be encoded (int32 of a string
 * that is no integer, out of range, an object for int64 ...) with a reason
 * in err (DATA) such as "key 12.5 is not a 32-bit integer".
 */
int pk_part_encode(const struct pk_part *p, const struct pk_jval *v, struct pk_buf *out,
    struct pk_err *err);
/* The same for key text (a --regex capture, a --salt argument): utf8 and
 * raw copy the bytes, int32/int64 parse a decimal integer. 1 or -1. */
int pk_part_encode_text(const struct pk_part *p, const char *s, size_t n, struct pk_buf *out,
    struct pk_err *err);
/*
 * A composite key (-k a,b): the encoded parts joined by sep. 1 with the
 * key in out (reset first); 0 when a part is absent or null; -1 as
 * pk_part_encode. int32/int64 take exactly one path (-1, USAGE otherwise).
 */
int pk_part_key(const struct pk_part *p, const struct pk_jdoc *doc, const struct pk_path *paths,
    size_t npaths, const char *sep, size_t sepn, struct pk_buf *out, struct pk_err *err);

/*
 * Salting: spread the records of a hot key over n sub-keys. key[0..keyn) is
 * the ENCODED key (as pk_part_encode/pk_part_encode_text produce it). The
 * k-th record (counting from 0) carrying a salted key is placed by the
 * sub-key
 *
 *     key bytes, '#', then k mod n in decimal ASCII (no padding)
 *
 * e.g. "c42#0", "c42#1", ..., "c42#7" for --salt c42:8, cycling in that
 * order per key. Adding a key again replaces its n. n >= 1 (n == 1 still
 * appends "#0": the user asked for the sub-key form).
 */
void pk_part_salt(struct pk_part *p, const void *key, size_t keyn, uint32_t n);
/* "--salt KEY:N" (KEY is text, encoded with p->enc; split at the last ':'). 0 or -1 (USAGE). */
int pk_part_salt_arg(struct pk_part *p, const char *arg, struct pk_err *err);
/*
 * skewstat's ndjson (--hot-keys FILE): every {"type":"key","key":K,...}
 * line salts K (a string, a number's text, or {"base64":".."} for
 * non-UTF-8 keys; encoded with p->enc) over the line's "salt" member when
 * it is an integer >= 1, else over default_n. Other lines are skipped.
 * Returns the number of keys added, or -1 with err (IO, DATA with
 * "file:line: reason").
 */
long pk_part_hot_keys(struct pk_part *p, const char *path, uint32_t default_n,
    struct pk_err *err);
/* Salt factor of an encoded key, 0 when it is not salted. */
uint32_t pk_part_salt_of(const struct pk_part *p, const void *key, size_t keyn);

/* The partition of key bytes under a hashing partitioner, without counters
 * or salting (what-if simulations): 0..partitions-1, or -1 for random/roundrobin. */
int32_t pk_part_hash(enum pk_partitioner how, const void *key, size_t keyn, int32_t partitions);
/* The value a hashing partitioner reduces modulo the partition count
 * (pk_part_hash == pk_part_hash32 % partitions), so a what-if over several
 * counts hashes a key once; 0 for random/roundrobin. */
uint32_t pk_part_hash32(enum pk_partitioner how, const void *key, size_t keyn);

/*
 * The partition of one record. key NULL is a null key (the null policy
 * applies; an empty key is a key). For a salted key *sent and *sentn are set to
 * the sub-key that was hashed (borrowed; valid until the next call on p),
 * else to key/keyn: that is the key a Kafka producer must send for its own
 * partitioner to agree. Returns 0..partitions-1, or PK_PART_REJECT.
 */
int32_t pk_part_choose(struct pk_part *p, const void *key, size_t keyn, const void **sent,
    size_t *sentn);

#endif
