/*
 * spacesaving - Space-Saving heavy hitters over a min-heap and a hash table.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/hash.h"
#include "lib/spacesaving.h"

/* Fixed seed: the summary is rebuilt every run, but tests want stable order. */
#define SS_SEED UINT64_C(0x736b657773746174)

void
pk_ss_init(struct pk_ss *ss, size_t capacity)
{
	memset(ss, 0, sizeof *ss);
	if (capacity < 1)
		capacity = 1;
	if (capacity > ((size_t)1 << 30))
		capacity = (size_t)1 << 30;
	ss->capacity = capacity;
}

void
pk_ss_release(struct pk_ss *ss)
{
	size_t i;

	if (ss->heap != NULL)
		for (i = 0; i < ss->n; i++)
			free(ss->heap[i].key);
	free(ss->heap);
	free(ss->table);
	pk_ss_init(ss, ss->capacity);
}

static void
setup(struct pk_ss *ss)
{
	size_t size = 16;

	/* Load factor at most one half keeps linear probes short. */
	while (size < ss->capacity * 2)
		size <<= 1;
	ss->table = pk_xcalloc(size, sizeof *ss->table);
	ss->mask = size - 1;
	ss->heap = pk_xcalloc(ss->capacity, sizeof *ss->heap);
}

static int
same(const struct pk_ss_item *it, uint64_t h, const void *key, size_t n)
{
	return it->h == h && it->keyn == n && (n == 0 || memcmp(it->key, key, n) == 0);
}

static void
place(struct pk_ss *ss, size_t i)
{
	ss->table[ss->heap[i].slot] = (uint32_t)(i + 1);
}

static void
swap(struct pk_ss *ss, size_t i, size_t j)
{
	struct pk_ss_item t = ss->heap[i];

	ss->heap[i] = ss->heap[j];
	ss->heap[j] = t;
	place(ss, i);
	place(ss, j);
}

static void
sift_up(struct pk_ss *ss, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (ss->heap[p].count <= ss->heap[i].count)
			break;
		swap(ss, i, p);
		i = p;
	}
}

static void
sift_down(struct pk_ss *ss, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < ss->n && ss->heap[l].count < ss->heap[m].count)
			m = l;
		if (r < ss->n && ss->heap[r].count < ss->heap[m].count)
			m = r;
		if (m == i)
			break;
		swap(ss, i, m);
		i = m;
	}
}

/* Remove a slot from the table by shifting later members of its probe run
 * back (Knuth's algorithm R), so lookups never need tombstones. */
static void
unslot(struct pk_ss *ss, size_t s)
{
	size_t j = s;

	ss->table[s] = 0;
	for (;;) {
		size_t home;
		struct pk_ss_item *it;

		j = (j + 1) & ss->mask;
		if (ss->table[j] == 0)
			return;
		it = &ss->heap[ss->table[j] - 1];
		home = (size_t)it->h & ss->mask;
		/* Move it to the hole unless its home lies cyclically in (s, j]. */
		if ((s <= j) ? (home <= s || home > j) : (home <= s && home > j)) {
			ss->table[s] = ss->table[j];
			ss->table[j] = 0;
			it->slot = (uint32_t)s;
			s = j;
		}
	}
}

static void
set_key(struct pk_ss_item *it, const void *key, size_t n, uint64_t h)
{
	if (n > it->keycap || it->key == NULL) {
		size_t cap = n < 16 ? 16 : n;

		free(it->key);
		it->key = pk_xmalloc(cap);
		it->keycap = (uint32_t)cap;
	}
	if (n > 0)
		memcpy(it->key, key, n);
	it->keyn = (uint32_t)n;
	it->h = h;
}

struct pk_ss_item *
pk_ss_add(struct pk_ss *ss, const void *key, size_t n, uint64_t w)
{
	uint64_t h;
	size_t s, i;
	struct pk_ss_item *it;

	if (n > UINT32_MAX)
		n = UINT32_MAX;	/* beyond any line cap; kept only to stay in range */
	h = pk_hash64(key, n, SS_SEED);
	if (ss->table == NULL)
		setup(ss);
	ss->total += w;
	for (s = (size_t)h & ss->mask; ss->table[s] != 0; s = (s + 1) & ss->mask) {
		i = ss->table[s] - 1;
		if (same(&ss->heap[i], h, key, n)) {
			ss->heap[i].count += w;
			sift_down(ss, i);
			return &ss->heap[ss->table[s] - 1];
		}
	}
	if (ss->n < ss->capacity) {
		i = ss->n++;
		it = &ss->heap[i];
		it->key = NULL;
		it->keycap = 0;
		set_key(it, key, n, h);
		it->count = w;
		it->error = 0;
		it->aux = 0;
		it->slot = (uint32_t)s;
		place(ss, i);
		sift_up(ss, i);
		return &ss->heap[ss->table[s] - 1];
	}
	/* Full: the key takes over the item with the smallest count, which
	 * may have been all of its own occurrences (the error). */
	it = &ss->heap[0];
	ss->evictions++;
	unslot(ss, it->slot);
	for (s = (size_t)h & ss->mask; ss->table[s] != 0; s = (s + 1) & ss->mask)
		;
	set_key(it, key, n, h);
	it->error = it->count;
	it->count += w;
	it->aux = 0;
	it->slot = (uint32_t)s;
	place(ss, 0);
	sift_down(ss, 0);
	return &ss->heap[ss->table[s] - 1];
}

const struct pk_ss_item *
pk_ss_find(const struct pk_ss *ss, const void *key, size_t n)
{
	uint64_t h = pk_hash64(key, n, SS_SEED);
	size_t s;

	if (ss->table == NULL)
		return NULL;
	for (s = (size_t)h & ss->mask; ss->table[s] != 0; s = (s + 1) & ss->mask)
		if (same(&ss->heap[ss->table[s] - 1], h, key, n))
			return &ss->heap[ss->table[s] - 1];
	return NULL;
}

uint64_t
pk_ss_bound(const struct pk_ss *ss)
{
	return ss->evictions == 0 ? 0 : ss->heap[0].count;
}

static int
cmp_items(const void *a, const void *b)
{
	const struct pk_ss_item *x = *(const struct pk_ss_item *const *)a;
	const struct pk_ss_item *y = *(const struct pk_ss_item *const *)b;
	size_t m;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->error != y->error)
		return x->error < y->error ? -1 : 1;
	m = x->keyn < y->keyn ? x->keyn : y->keyn;
	if (m > 0 && (c = memcmp(x->key, y->key, m)) != 0)
		return c;
	return x->keyn < y->keyn ? -1 : x->keyn > y->keyn;
}

size_t
pk_ss_top(const struct pk_ss *ss, const struct pk_ss_item **out, size_t k)
{
	const struct pk_ss_item **all;
	size_t i;

	if (k > ss->n)
		k = ss->n;
	if (k == 0)
		return 0;
	all = pk_xmalloc(ss->n * sizeof *all);
	for (i = 0; i < ss->n; i++)
		all[i] = &ss->heap[i];
	qsort(all, ss->n, sizeof *all, cmp_items);
	memcpy(out, all, k * sizeof *out);
	free(all);
	return k;
}
