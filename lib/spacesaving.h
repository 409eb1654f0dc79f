/*
 * spacesaving - heavy hitters of a key stream in memory fixed by a capacity
 * (Metwally, Agrawal and El Abbadi, "Efficient Computation of Frequent and
 * Top-k Elements in Data Streams", ICDT 2005), with per-key error bounds.
 */
#ifndef PK_SPACESAVING_H
#define PK_SPACESAVING_H

#include <stddef.h>
#include <stdint.h>

/*
 * One monitored key. Its true count lies in [count - error, count]: count
 * never under-counts, and error is the count the key may have inherited
 * from the key it replaced. A key that is not monitored has a true count
 * of at most pk_ss_bound().
 */
struct pk_ss_item {
	char *key;		/* owned by the summary; not NUL-terminated */
	uint32_t keyn;
	uint32_t keycap;
	uint64_t count;
	uint64_t error;
	int64_t aux;		/* free for the caller (skewstat: a partition); 0 when new */
	uint64_t h;		/* private: pk_hash64 of the key */
	uint32_t slot;		/* private: its slot in the hash table */
};

/*
 * A min-heap of capacity items ordered by count and an open-addressing
 * (linear probing) table from pk_hash64 of the key to heap positions, so
 * that an update costs one hash, a probe and O(log capacity) heap moves.
 * Memory: capacity items, their key bytes, and a table of 2-4 x capacity
 * 32-bit slots; never more, whatever the number of distinct keys.
 */
struct pk_ss {
	size_t capacity;
	size_t n;		/* items monitored */
	uint64_t total;		/* weight added */
	uint64_t evictions;	/* keys replaced; 0 means every count is exact */
	struct pk_ss_item *heap;
	uint32_t *table;	/* heap position + 1; 0 empty */
	size_t mask;
};

/* capacity >= 1 (at most 2^30). No allocation until the first add. */
void pk_ss_init(struct pk_ss *ss, size_t capacity);
void pk_ss_release(struct pk_ss *ss);

/*
 * Count key[0..n) weight w (>= 1) more times. Returns its item (borrowed;
 * valid until the next call on ss), so the caller can set aux.
 */
struct pk_ss_item *pk_ss_add(struct pk_ss *ss, const void *key, size_t n, uint64_t w);

/* The monitored item of key, or NULL. Borrowed, as above. */
const struct pk_ss_item *pk_ss_find(const struct pk_ss *ss, const void *key, size_t n);

/* Upper bound of the true count of any key that is not monitored: the
 * smallest monitored count once a key has been replaced, else 0. */
uint64_t pk_ss_bound(const struct pk_ss *ss);

/*
 * The k items with the highest counts (all of them when k exceeds n),
 * ordered by count descending, then error ascending, then key bytes.
 * Writes up to k pointers to out (borrowed; valid until the next change to
 * ss) and returns how many.
 */
size_t pk_ss_top(const struct pk_ss *ss, const struct pk_ss_item **out, size_t k);

#endif
