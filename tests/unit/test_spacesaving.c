/*
 * test_spacesaving - Space-Saving never under-counts and stays within its
 * error bounds, checked against exact counts of a Zipf stream.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/spacesaving.h"
#include "tests/unit/tap.h"

/* splitmix64 (Steele, Lea and Flood, OOPSLA 2014): a fixed stream. */
static uint64_t rng = 42;

static uint64_t
next64(void)
{
	uint64_t z = (rng += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static size_t
keyname(char *out, size_t i)
{
	return (size_t)snprintf(out, 32, "key-%05zu", i);
}

/* Every item is reachable through the table: heap and table agree. */
static int
consistent(const struct pk_ss *ss)
{
	size_t i;

	for (i = 0; i < ss->n; i++)
		if (pk_ss_find(ss, ss->heap[i].key, ss->heap[i].keyn) != &ss->heap[i])
			return 0;
	for (i = 1; i < ss->n; i++)
		if (ss->heap[(i - 1) / 2].count > ss->heap[i].count)
			return 0;
	return 1;
}

static void
test_small(void)
{
	struct pk_ss ss;
	const struct pk_ss_item *top[4];
	struct pk_ss_item *it;
	size_t n;

	pk_ss_init(&ss, 2);
	is_int(pk_ss_bound(&ss), 0, "empty: bound 0");
	is_int(pk_ss_top(&ss, top, 4), 0, "empty: no items");
	pk_ss_add(&ss, "a", 1, 1);
	pk_ss_add(&ss, "a", 1, 1);
	pk_ss_add(&ss, "b", 1, 1);
	is_int(pk_ss_bound(&ss), 0, "full, nothing replaced yet: bound 0");
	/* c replaces b (count 1): it gets count 2 with error 1. */
	it = pk_ss_add(&ss, "c", 1, 1);
	is_mem(it->key, it->keyn, "c", 1, "replace: the new key");
	is_int(it->count, 2, "replace: count = min + 1");
	is_int(it->error, 1, "replace: error = min");
	ok(pk_ss_find(&ss, "b", 1) == NULL, "replace: b is gone");
	is_int(pk_ss_bound(&ss), 2, "after a replacement: bound is the smallest count");
	n = pk_ss_top(&ss, top, 4);
	is_int(n, 2, "top: two items");
	/* a and c both count 2; a has the smaller error. */
	is_mem(top[0]->key, top[0]->keyn, "a", 1, "top: ties by error");
	is_mem(top[1]->key, top[1]->keyn, "c", 1, "top: then c");
	is_int(ss.total, 4, "total weight");
	/* Weighted adds, an empty key and a key with a NUL byte: each
	 * replaces an item of count 2. */
	it = pk_ss_add(&ss, "", 0, 5);
	ok(it->keyn == 0 && it->count == 7 && it->error == 2, "weighted: empty key 7, error 2");
	it = pk_ss_add(&ss, "x\0y", 3, 10);
	is_int(it->count, 12, "weighted: count = 2 + 10");
	is_int(it->error, 2, "weighted: error 2");
	ok(pk_ss_find(&ss, "x\0y", 3) != NULL && pk_ss_find(&ss, "x", 1) == NULL,
	    "binary keys compare by all their bytes");
	ok(consistent(&ss), "small: heap and table agree");
	pk_ss_release(&ss);
	is_int(ss.n, 0, "release: empty again");
}

static void
test_churn(void)
{
	/* Many distinct keys through a tiny table exercise deletion with
	 * backward shifts; after each step every item must still be found. */
	struct pk_ss ss;
	char k[32];
	size_t i, bad = 0;

	pk_ss_init(&ss, 5);
	for (i = 0; i < 20000; i++) {
		size_t n = keyname(k, (size_t)(next64() % 300));

		pk_ss_add(&ss, k, n, 1);
		if (!consistent(&ss))
			bad++;
	}
	is_int(bad, 0, "churn: table and heap consistent after every add");
	pk_ss_release(&ss);
}

static void
test_exact_when_room(void)
{
	struct pk_ss ss;
	char k[32];
	uint64_t truth[100] = { 0 };
	size_t i, wrong = 0;

	pk_ss_init(&ss, 100);
	for (i = 0; i < 10000; i++) {
		size_t j = (size_t)(next64() % 100);
		size_t n = keyname(k, j);

		truth[j]++;
		pk_ss_add(&ss, k, n, 1);
	}
	for (i = 0; i < 100; i++) {
		size_t n = keyname(k, i);
		const struct pk_ss_item *it = pk_ss_find(&ss, k, n);

		if (truth[i] > 0 && (it == NULL || it->count != truth[i] || it->error != 0))
			wrong++;
	}
	is_int(wrong, 0, "capacity >= distinct keys: every count exact, error 0");
	is_int(pk_ss_bound(&ss), 0, "capacity not reached: bound 0");
	pk_ss_release(&ss);
}

#define DISTINCT 10000
#define STREAM 1000000
#define CAPACITY 1000

static void
test_zipf(void)
{
	static double cdf[DISTINCT];
	static uint64_t truth[DISTINCT];
	const struct pk_ss_item *top[10];
	struct pk_ss ss;
	char k[32];
	double sum = 0;
	uint64_t bound, total = 0;
	size_t i, under = 0, loose = 0, missed = 0, over_bound = 0, top_wrong = 0;

	/* Zipf with exponent 1.1 over 10k keys (pk-gen's campaign default),
	 * drawn by inverse CDF; key 0 is the most frequent. */
	for (i = 0; i < DISTINCT; i++) {
		sum += 1.0 / pow((double)(i + 1), 1.1);
		cdf[i] = sum;
	}
	pk_ss_init(&ss, CAPACITY);
	for (i = 0; i < STREAM; i++) {
		double u = (double)(next64() >> 11) / 9007199254740992.0 * sum;
		size_t lo = 0, hi = DISTINCT - 1, n;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (cdf[mid] < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		truth[lo]++;
		n = keyname(k, lo);
		pk_ss_add(&ss, k, n, 1);
	}
	is_int(ss.total, STREAM, "zipf: total weight");
	is_int(ss.n, CAPACITY, "zipf: summary full");
	bound = pk_ss_bound(&ss);
	/* Metwally et al., Lemma 3.3: the smallest count is at most N / m. */
	ok(bound <= STREAM / CAPACITY, "zipf: bound %llu <= N/capacity %d",
	    (unsigned long long)bound, STREAM / CAPACITY);
	for (i = 0; i < ss.n; i++) {
		const struct pk_ss_item *it = &ss.heap[i];
		char name[32];
		size_t j;

		/* (A key is not NUL-terminated: the bytes after it are not ours.) */
		snprintf(name, sizeof name, "%.*s", (int)it->keyn, it->key);
		j = (size_t)strtoul(name + 4, NULL, 10);

		total += it->count;
		if (it->count < truth[j])
			under++;
		if (it->count - it->error > truth[j])
			loose++;
		if (it->error > bound)
			over_bound++;
	}
	is_int(under, 0, "zipf: no monitored key is under-counted");
	is_int(loose, 0, "zipf: count - error never exceeds the true count");
	is_int(over_bound, 0, "zipf: no error exceeds the bound");
	is_int(total, STREAM, "zipf: the counts sum to the stream length");
	for (i = 0; i < DISTINCT; i++) {
		size_t n = keyname(k, i);

		if (truth[i] > bound && pk_ss_find(&ss, k, n) == NULL)
			missed++;
	}
	is_int(missed, 0, "zipf: every key above the bound is monitored");
	/* The ten heaviest keys are far above the bound: found, in order. */
	is_int(pk_ss_top(&ss, top, 10), 10, "zipf: top 10");
	for (i = 0; i < 10; i++) {
		char want[32];
		size_t n = keyname(want, i);

		if (top[i]->keyn != n || memcmp(top[i]->key, want, n) != 0)
			top_wrong++;
	}
	is_int(top_wrong, 0, "zipf: top 10 are the 10 most frequent keys, in order");
	ok(consistent(&ss), "zipf: heap and table agree");
	pk_ss_release(&ss);
}

int
main(void)
{
	test_small();
	test_churn();
	test_exact_when_room();
	test_zipf();
	return tap_done();
}
