/*
 * skewstat - diagnose partition skew from records, per-partition counts or
 * a live Kafka topic: metrics, hot partitions, hot keys, what-if and salting.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/skewstat/skewstat.h"
#include "lib/buf.h"
#include "lib/cli.h"
#include "lib/hash.h"
#include "lib/input.h"
#include "lib/json.h"
#include "lib/kafka.h"
#include "lib/partition.h"
#include "lib/skew.h"
#include "lib/spacesaving.h"

enum {
	OPT_KEY_JOIN = PK_OPT_TOOL,
	OPT_PARTITIONER,
	OPT_KEY_ENCODING,
	OPT_NULL_KEY,
	OPT_SEED,
	OPT_SALT,
	OPT_HOT_KEYS,
	OPT_SALT_FACTOR,
	OPT_WHAT_IF,
	OPT_TOP,
	OPT_CAPACITY,
	OPT_HOTTEST,
	OPT_TARGET,
	OPT_MAX_SALT,
	OPT_MAX_IMBALANCE,
	OPT_SAMPLE
};

static const struct pk_opt options[] = {
	{ 'k', "key", PK_ARG_REQUIRED, "FIELD[,...]", "read records: partition key (dotted paths; a,b is a composite key)" },
	{ OPT_KEY_JOIN, "key-join", PK_ARG_REQUIRED, "SEP", "separator of composite key parts (default '|')" },
	{ 'n', "partitions", PK_ARG_REQUIRED, "N", "number of partitions (records; counts: fixes the count)" },
	{ OPT_PARTITIONER, "partitioner", PK_ARG_REQUIRED, "NAME[,...]", "murmur2 (default), fnv1a, crc32, random, roundrobin; several compare" },
	{ OPT_KEY_ENCODING, "key-encoding", PK_ARG_REQUIRED, "ENC", "key bytes: utf8 (default), int32, int64, raw" },
	{ OPT_NULL_KEY, "null-key", PK_ARG_REQUIRED, "POLICY", "records without a key: roundrobin (default), random, PARTITION, reject" },
	{ OPT_SEED, "seed", PK_ARG_REQUIRED, "N", "seed of the random partitioner and --null-key random" },
	{ OPT_SALT, "salt", PK_ARG_REQUIRED, "KEY:N", "simulate spreading KEY over N sub-keys KEY#0..KEY#N-1 (repeatable)" },
	{ OPT_HOT_KEYS, "hot-keys", PK_ARG_REQUIRED, "FILE", "simulate salting the keys of a skewstat ndjson report" },
	{ OPT_SALT_FACTOR, "salt-factor", PK_ARG_REQUIRED, "N", "sub-keys per --hot-keys key without its own \"salt\" (default 8)" },
	{ OPT_WHAT_IF, "what-if", PK_ARG_REQUIRED, "N[,...]", "also simulate these partition counts" },
	{ OPT_TOP, "top", PK_ARG_REQUIRED, "K", "top keys to report (default 10; 0 for none)" },
	{ OPT_CAPACITY, "capacity", PK_ARG_REQUIRED, "C", "keys the heavy-hitter summary keeps (default 10000)" },
	{ OPT_HOTTEST, "hottest", PK_ARG_REQUIRED, "K", "partitions the table lists, hottest first (default 10; 0 for all)" },
	{ OPT_TARGET, "target-imbalance", PK_ARG_REQUIRED, "X", "max/mean a salted hot key must stay under (default 1.5)" },
	{ OPT_MAX_SALT, "max-salt", PK_ARG_REQUIRED, "S", "largest salting factor to suggest (default 1024)" },
	{ OPT_MAX_IMBALANCE, "max-imbalance", PK_ARG_REQUIRED, "X", "exit 1 when max/mean is above X" },
	{ 'b', "brokers", PK_ARG_REQUIRED, "LIST", "read a live topic: bootstrap brokers" },
	{ 't', "topic", PK_ARG_REQUIRED, "TOPIC", "the topic" },
	{ 'G', "group", PK_ARG_REQUIRED, "GROUP", "consumer group whose committed offsets and lag to show" },
	{ OPT_SAMPLE, "sample", PK_ARG_REQUIRED, "N", "read up to the last N messages of each partition for hot keys" },
	{ 'X', "property", PK_ARG_REQUIRED, "PROP=VAL", "librdkafka property (repeatable; -X dump prints them)" },
	{ 'F', "config", PK_ARG_REQUIRED, "FILE", "librdkafka properties file" },
	PK_OPTS_RECORDS,
	PK_OPTS_BASIC,
	PK_OPTS_END
};

/* Records mode state besides struct sk. */
struct recs {
	struct pk_path *keys;
	size_t nkeys;
	const char *join;
	struct pk_part prim;		/* settings as given: partitioner, encoding, nulls */
	struct pk_part salter;		/* --salt/--hot-keys: makes the salted sub-key */
	int salting;
	int text_keys;			/* int32/int64: report the key's text, hash its bytes */
	int need[3][2];			/* hashing partitioner x salted: used by a scenario */
	uint32_t hv[3][2];
	struct pk_buf key, text;
	size_t primary;			/* scenario index of the report */
	size_t unsalted;		/* same N and partitioner without salting */
};

static void
die(struct pk_cli *cli, struct pk_input *in, struct pk_err *err)
{
	struct pk_buf b = PK_BUF_INIT;

	if (in != NULL && !cli->quiet && in->rej.read > 0) {
		pk_reject_summary(&in->rej, &b);
		fprintf(stderr, "%s\n", b.p);
		pk_buf_release(&b);
	}
	pk_die(cli, err);
}

static void
parse_keys(struct pk_cli *cli, struct recs *r, const char *arg)
{
	struct pk_err err = PK_ERR_INIT;

	if (pk_paths_compile(&r->keys, &r->nkeys, arg, &err) < 0)
		pk_cli_usage(cli, "-k '%s': %s", arg, err.msg);
}

/* "12,24,48" into a list of partition counts. */
static size_t
parse_counts(struct pk_cli *cli, const char *arg, int32_t **out)
{
	const char *s = arg;
	size_t n = 0;

	for (;;) {
		char *end;
		long v;

		errno = 0;
		v = strtol(s, &end, 10);
		if (end == s || (*end != ',' && *end != '\0') || errno != 0 || v < 1 ||
		    v > 1000000)
			pk_cli_usage(cli, "--what-if '%s': partition counts 1..1000000, comma-separated",
			    arg);
		*out = pk_xrealloc(*out, (n + 1) * sizeof **out);
		(*out)[n++] = (int32_t)v;
		if (*end == '\0')
			return n;
		s = end + 1;
	}
}

static size_t
parse_partitioners(struct pk_cli *cli, const char *arg, enum pk_partitioner **out)
{
	struct pk_err err = PK_ERR_INIT;
	const char *s = arg;
	size_t n = 0;

	for (;;) {
		size_t len = strcspn(s, ",");
		char *one = pk_xstrndup(s, len);
		struct pk_part p = PK_PART_INIT;

		if (pk_part_set_partitioner(&p, one, &err) < 0)
			pk_cli_usage(cli, "%s", err.msg);
		free(one);
		*out = pk_xrealloc(*out, (n + 1) * sizeof **out);
		(*out)[n++] = p.how;
		if (s[len] == '\0')
			return n;
		s += len + 1;
	}
}

static int
hashing(enum pk_partitioner how)
{
	return how == PK_PART_MURMUR2 || how == PK_PART_FNV1A || how == PK_PART_CRC32;
}

/* One record of records mode. */
static void
add_record(struct sk *sk, struct recs *r, struct pk_input *in, const struct pk_rec *rec)
{
	struct pk_err kerr = PK_ERR_INIT, err = PK_ERR_INIT;
	const void *sent = NULL;
	size_t sentn = 0, i;
	uint64_t len = (rec->raw == rec->json ? rec->rawn : rec->jsonn) + 1;
	int has;

	has = pk_part_key(&r->prim, &rec->doc, r->keys, r->nkeys, r->join, strlen(r->join),
	    &r->key, &kerr);
	if (has < 0) {
		if (pk_input_reject(in, rec, kerr.msg, &err) < 0)
			die(sk->cli, in, &err);
		return;
	}
	if (has == 0) {
		if (r->prim.null_policy == PK_NULL_REJECT) {
			if (pk_input_reject(in, rec, "no key (--null-key reject)", &err) < 0)
				die(sk->cli, in, &err);
			return;
		}
		sk->nulls++;
	} else {
		const char *k = r->key.p ? r->key.p : "";
		int h;

		if (r->text_keys) {
			pk_json_key(&rec->doc, r->keys, r->nkeys, r->join, strlen(r->join), &r->text,
			    NULL);
			pk_ss_add(&sk->ss, r->text.p ? r->text.p : "", r->text.len, 1);
		} else {
			pk_ss_add(&sk->ss, k, r->key.len, 1);
		}
		sent = k;
		sentn = r->key.len;
		if (r->salting)
			pk_part_choose(&r->salter, k, r->key.len, &sent, &sentn);
		for (h = 0; h < 3; h++) {
			if (r->need[h][0] || (r->need[h][1] && sent == k))
				r->hv[h][0] = pk_part_hash32((enum pk_partitioner)h, k, r->key.len);
			if (r->need[h][1])
				r->hv[h][1] = sent == k ? r->hv[h][0] :
				    pk_part_hash32((enum pk_partitioner)h, sent, sentn);
		}
	}
	sk->key_total++;
	for (i = 0; i < sk->nsc; i++) {
		struct scen *c = &sk->sc[i];
		int32_t p;

		if (has == 0)
			p = pk_part_choose(&c->part, NULL, 0, NULL, NULL);
		else if (!hashing(c->how))
			p = pk_part_choose(&c->part, "", 0, NULL, NULL);
		else
			p = (int32_t)(r->hv[c->how][c->salt == SALT_GIVEN] % (uint32_t)c->n);
		c->counts[p]++;
		if (i == r->primary)
			sk->bytes[p] += len;
	}
}

/* One line of counts mode: {"partition":P,"count":C[,"bytes":B]}. */
static void
add_counts(struct sk *sk, struct pk_input *in, const struct pk_rec *rec, const struct pk_path *pp,
    const struct pk_path *pc, const struct pk_path *pb, long long nfixed, int *has_bytes)
{
	struct pk_err err = PK_ERR_INIT;
	struct pk_jval v;
	int64_t p, c, b = 0;
	const char *why = NULL;
	char msg[128];
	int with_bytes = 0;

	if (!pk_json_get(&rec->doc, pp, &v) || v.type == PK_J_NULL)
		why = "missing field 'partition'";
	else if (!pk_jval_i64(&v, &p) || p < 0)
		why = "'partition' is not an integer >= 0";
	else if (!pk_json_get(&rec->doc, pc, &v) || v.type == PK_J_NULL)
		why = "missing field 'count'";
	else if (!pk_jval_i64(&v, &c) || c < 0)
		why = "'count' is not an integer >= 0";
	else if (pk_json_get(&rec->doc, pb, &v) && v.type != PK_J_NULL &&
	    !(v.type == PK_J_STR && v.n == 2)) {	/* (an empty CSV cell: none) */
		if (!pk_jval_i64(&v, &b) || b < 0)
			why = "'bytes' is not an integer >= 0";
		else
			with_bytes = 1;
	}
	if (why == NULL && nfixed > 0 && p >= nfixed) {
		snprintf(msg, sizeof msg, "partition %lld outside 0..%lld (-n %lld)", (long long)p,
		    nfixed - 1, nfixed);
		why = msg;
	} else if (why == NULL && p >= 1000000) {
		why = "partition above 999999";
	}
	if (why != NULL) {
		if (pk_input_reject(in, rec, why, &err) < 0)
			die(sk->cli, in, &err);
		return;
	}
	if ((size_t)p >= sk->np) {
		size_t n = (size_t)p + 1;

		sk->counts = pk_xrealloc(sk->counts, n * sizeof *sk->counts);
		sk->bytes = pk_xrealloc(sk->bytes, n * sizeof *sk->bytes);
		memset(sk->counts + sk->np, 0, (n - sk->np) * sizeof *sk->counts);
		memset(sk->bytes + sk->np, 0, (n - sk->np) * sizeof *sk->bytes);
		sk->np = n;
	}
	/* Several lines of one partition (stats of several runs) add up; a
	 * line without bytes leaves that partition's bytes unknown. */
	sk->counts[p] += (uint64_t)c;
	if (!with_bytes)
		sk->bytes[p] = SK_BYTES_UNKNOWN;
	else if (sk->bytes[p] != SK_BYTES_UNKNOWN)
		sk->bytes[p] += (uint64_t)b;
	*has_bytes |= with_bytes;
}

static void
kafka_conf(struct pk_cli *cli, struct pk_kconf *kc)
{
	struct pk_err err = PK_ERR_INIT;

	kc->log = pk_cli_klog;
	kc->log_arg = cli;
	if (pk_kconf_env(kc, &err) < 0)
		pk_die(cli, &err);
	if (kc->dump) {
		struct pk_buf b = PK_BUF_INIT;

		if (pk_kconf_dump(kc, PK_KROLE_CONSUMER, &b, &err) < 0)
			pk_die(cli, &err);
		fwrite(b.p, 1, b.len, stdout);
		pk_buf_release(&b);
		exit(fflush(stdout) == 0 ? 0 : 4);
	}
}

/* Live topic: watermarks, committed offsets, and a sample of keys. */
static void
read_topic(struct sk *sk, struct pk_kconf *kc, const char *group, long long sample)
{
	struct pk_err err = PK_ERR_INIT;
	struct pk_kcons *k;
	struct pk_ktp *tps;
	int n, i;

	if ((k = pk_kcons_new(kc, group, 0, NULL, &err)) == NULL)
		pk_die(sk->cli, &err);
	if ((n = pk_kcons_partitions(k, sk->topic, 30000, &err)) < 0)
		pk_die(sk->cli, &err);
	sk->np = (size_t)n;
	sk->counts = pk_xcalloc(sk->np, sizeof *sk->counts);
	sk->low = pk_xcalloc(sk->np, sizeof *sk->low);
	sk->high = pk_xcalloc(sk->np, sizeof *sk->high);
	tps = pk_xcalloc(sk->np, sizeof *tps);
	for (i = 0; i < n; i++) {
		tps[i].topic = sk->topic;
		tps[i].partition = i;
		tps[i].offset = -1001;
	}
	if (group != NULL) {
		if (pk_kcons_committed(k, tps, sk->np, 30000, &err) < 0)
			pk_die(sk->cli, &err);
		sk->committed = pk_xcalloc(sk->np, sizeof *sk->committed);
		for (i = 0; i < n; i++)
			sk->committed[i] = tps[i].offset;
	}
	for (i = 0; i < n; i++) {
		if (pk_kcons_watermarks(k, sk->topic, i, &sk->low[i], &sk->high[i], 30000, &err) < 0)
			pk_die(sk->cli, &err);
		/* Offsets retained, which is the message count unless the topic
		 * is compacted or holds transaction markers. */
		sk->counts[i] = sk->high[i] > sk->low[i] ? (uint64_t)(sk->high[i] - sk->low[i]) : 0;
	}
	if (pk_kcons_close(k, &err) < 0)
		pk_die(sk->cli, &err);

	if (sample > 0) {
		struct pk_kcons *c;
		const struct pk_krec *rec;
		int64_t *stop = pk_xcalloc(sk->np, sizeof *stop);
		size_t nassign = 0, done = 0;
		int rc;

		sk->sampled = pk_xcalloc(sk->np, sizeof *sk->sampled);
		sk->has_keys = 1;
		for (i = 0; i < n; i++) {
			stop[i] = sk->high[i];
			if (sk->high[i] <= sk->low[i])
				continue;
			tps[nassign].topic = sk->topic;
			tps[nassign].partition = i;
			tps[nassign].offset = sk->high[i] - sk->low[i] > sample ?
			    sk->high[i] - sample : sk->low[i];
			nassign++;
		}
		if (nassign > 0) {
			/* The layer consumes only with a group id; partitions are
			 * assigned, not subscribed, and nothing is committed, so
			 * this group never joins or stores anything on the broker. */
			if ((c = pk_kcons_new(kc, "pipekit-skewstat-sample", 1, NULL, &err)) == NULL)
				pk_die(sk->cli, &err);
			if (pk_kcons_assign(c, tps, nassign, &err) < 0)
				pk_die(sk->cli, &err);
			while (done < nassign &&
			    (rc = pk_kcons_poll(c, 1000, &rec, &err)) != 0) {
				int32_t p;
				struct pk_ss_item *it;

				if (rc < 0)
					pk_die(sk->cli, &err);
				if (pk_cli_interrupted())
					break;
				if (rc != 1)
					continue;
				p = rec->partition;
				if (p < 0 || p >= n || rec->offset >= stop[p])
					continue;
				sk->sampled[p]++;
				sk->key_total++;
				if (rec->offset + 1 >= stop[p] || (long long)sk->sampled[p] >= sample)
					done++, stop[p] = -1;
				if (rec->key == NULL) {
					sk->nulls++;
					continue;
				}
				it = pk_ss_add(&sk->ss, rec->key, rec->keylen, 1);
				it->aux = p;
			}
			pk_kcons_close(c, NULL);
		}
		free(stop);
	}
	free(tps);
}

/* The partition a key goes to under the primary partitioner, -1 if none. */
static int32_t
key_partition(struct sk *sk, const struct pk_ss_item *it, struct pk_buf *enc)
{
	struct pk_err err = PK_ERR_INIT;

	if (sk->mode == MODE_TOPIC)
		return (int32_t)it->aux;
	if (!hashing(sk->how))
		return -1;
	pk_buf_reset(enc);
	if (pk_part_encode_text(&sk->enc, it->key, it->keyn, enc, &err) < 0)
		return -1;
	return pk_part_hash(sk->how, enc->p ? enc->p : "", enc->len, (int32_t)sk->np);
}

/* Partitions of sub-keys KEY#0..KEY#smax-1, as lib/partition salts them
 * (the encoded key, '#', j in decimal), under the primary partitioner. */
static void
sub_partitions(struct sk *sk, const struct pk_buf *enc, int32_t *sub, size_t smax,
    struct pk_buf *subkey)
{
	size_t j;

	for (j = 0; j < smax; j++) {
		pk_buf_reset(subkey);
		pk_buf_add(subkey, enc->p ? enc->p : "", enc->len);
		pk_buf_printf(subkey, "#%zu", j);
		sub[j] = pk_part_hash(sk->how, subkey->p, subkey->len, (int32_t)sk->np);
	}
}

/*
 * Top keys and the salting factor each would need. The model (lib/skew.h)
 * works on the unsalted counts x, with mean = total / partitions and
 * limit = target x mean:
 *   1. a reported key is hot when its partition holds more than limit;
 *   2. every hot key's guaranteed count (count - error; in topic mode
 *      scaled from the sample to its partition's messages) leaves its
 *      partition;
 *   3. hottest key first, a key whose partition, with its records put
 *      back, would now be at or below limit goes back unsalted; any other
 *      gets the smallest s in 2..--max-salt whose
 *      sub-keys KEY#0..KEY#s-1 put no partition they land on above limit,
 *      counting what the keys before it put there, and is added back so
 *      (a key with no such s goes back where it was, at its turn).
 * x at the end is the "suggested" what-if scenario.
 */
static void
key_rows(struct sk *sk, const uint64_t *counts)
{
	const struct pk_ss_item **top;
	uint64_t *x, *scratch;
	int32_t *sub;
	struct pk_buf enc = PK_BUF_INIT, subkey = PK_BUF_INIT;
	struct pk_err err = PK_ERR_INIT;
	double mean = sk->np > 0 ? (double)sk->m.total / (double)sk->np : 0, limit;
	size_t i;
	int any = 0;

	if (!sk->has_keys || sk->top == 0)
		return;
	top = pk_xcalloc(sk->top, sizeof *top);
	sk->nrows = pk_ss_top(&sk->ss, top, sk->top);
	sk->rows = pk_xcalloc(sk->nrows ? sk->nrows : 1, sizeof *sk->rows);
	x = pk_xmalloc((sk->np ? sk->np : 1) * sizeof *x);
	memcpy(x, counts, sk->np * sizeof *x);
	sub = pk_xmalloc(sk->max_salt * sizeof *sub);
	scratch = pk_xcalloc(sk->np ? sk->np : 1, sizeof *scratch);
	limit = sk->target * mean;
	for (i = 0; i < sk->nrows; i++) {
		struct keyrow *kr = &sk->rows[i];
		uint64_t g = top[i]->count - top[i]->error;
		int32_t p;

		kr->it = top[i];
		kr->share = sk->key_total ? (double)top[i]->count / (double)sk->key_total : NAN;
		kr->partition = p = key_partition(sk, top[i], &enc);
		if (p < 0 || p >= (int32_t)sk->np || !hashing(sk->how) || sk->m.total == 0)
			continue;
		if (sk->mode == MODE_TOPIC && sk->sampled[p] > 0)
			g = (uint64_t)((double)g * (double)counts[p] / (double)sk->sampled[p] + 0.5);
		kr->estimate = g;
		kr->hot = g > 0 && (double)counts[p] > limit;
	}
	for (i = 0; i < sk->nrows; i++) {
		struct keyrow *kr = &sk->rows[i];

		if (kr->hot) {
			if (kr->estimate > x[kr->partition])
				kr->estimate = x[kr->partition];
			x[kr->partition] -= kr->estimate;
		}
	}
	for (i = 0; i < sk->nrows; i++) {
		struct keyrow *kr = &sk->rows[i];
		uint64_t peak;

		if (!kr->hot)
			continue;
		if ((double)(x[kr->partition] + kr->estimate) <= limit) {
			/* The keys before it cooled its partition enough. */
			kr->hot = 0;
			pk_skew_salt_apply(x, kr->partition, kr->estimate, NULL, 0);
			continue;
		}
		pk_buf_reset(&enc);
		if (sk->mode == MODE_TOPIC)
			pk_buf_add(&enc, kr->it->key, kr->it->keyn);
		else if (pk_part_encode_text(&sk->enc, kr->it->key, kr->it->keyn, &enc, &err) < 0)
			continue;
		sub_partitions(sk, &enc, sub, sk->max_salt, &subkey);
		kr->salt = pk_skew_salt_factor(x, sk->np, kr->estimate, sub, sk->max_salt, limit,
		    &peak, scratch);
		pk_skew_salt_apply(x, kr->partition, kr->estimate, sub, kr->salt);
		any |= kr->salt > 0;
	}
	if (sk->mode == MODE_RECORDS && any) {
		struct pk_part init = PK_PART_INIT;
		struct scen *c;

		sk->sc = pk_xrealloc(sk->sc, (sk->nsc + 1) * sizeof *sk->sc);
		c = &sk->sc[sk->nsc++];
		memset(c, 0, sizeof *c);
		c->part = init;
		c->n = (int32_t)sk->np;
		c->how = sk->how;
		c->salt = SALT_SUGGESTED;
		c->counts = x;
		pk_skew_compute(&c->m, c->counts, sk->np);
		x = NULL;
	}
	free(x);
	free(sub);
	free(scratch);
	free(top);
	pk_buf_release(&enc);
	pk_buf_release(&subkey);
}

int
main(int argc, char *argv[])
{
	struct pk_cli cli = PK_CLI_INIT("skewstat", "[-k FIELD -n N | -b BROKERS -t TOPIC] [options] [FILE...]",
	    options);
	struct pk_input in = PK_INPUT_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_kconf kc = PK_KCONF_INIT;
	struct sk sk;
	struct recs r;
	const struct pk_rec *rec;
	const char *hot_keys = NULL, *brokers = NULL, *group = NULL;
	char **salts = NULL;
	size_t nsalts = 0, i, j, nwhat = 0, nparts = 0;
	int32_t *what = NULL;
	enum pk_partitioner *parts = NULL;
	long long nopt = 0, sample = 0, capacity = 10000, seed = 0;
	long salt_factor = 8;
	int opt, rc, verdict = 0, null_set = 0;

	memset(&sk, 0, sizeof sk);
	memset(&r, 0, sizeof r);
	{
		struct pk_part init = PK_PART_INIT;

		r.prim = init;
		r.salter = init;
		sk.enc = init;
	}
	r.join = "|";
	sk.cli = &cli;
	sk.top = 10;
	sk.hottest = 10;
	sk.target = 1.5;
	sk.max_salt = 1024;
	sk.max_imbalance = -1;
	cli.description = "Diagnose partition skew: metrics, hot partitions and keys, what-if, salting.";
	cli.formats = "ndjson,table,prom";

	while ((opt = pk_cli_getopt(&cli, argc, argv)) != -1) {
		switch (opt) {
		case 'k':
			parse_keys(&cli, &r, cli.optarg);
			break;
		case OPT_KEY_JOIN:
			r.join = cli.optarg;
			break;
		case 'n':
			nopt = pk_cli_long(&cli, 1, 1000000);
			break;
		case OPT_PARTITIONER:
			free(parts);
			parts = NULL;
			nparts = parse_partitioners(&cli, cli.optarg, &parts);
			break;
		case OPT_KEY_ENCODING:
			if (pk_part_set_encoding(&r.prim, cli.optarg, &err) < 0)
				pk_cli_usage(&cli, "%s", err.msg);
			break;
		case OPT_NULL_KEY:
			if (pk_part_set_null_policy(&r.prim, cli.optarg, &err) < 0)
				pk_cli_usage(&cli, "%s", err.msg);
			null_set = 1;
			break;
		case OPT_SEED:
			seed = pk_cli_long(&cli, 1, LLONG_MAX);
			break;
		case OPT_SALT:
			salts = pk_xrealloc(salts, (nsalts + 1) * sizeof *salts);
			salts[nsalts++] = (char *)cli.optarg;
			break;
		case OPT_HOT_KEYS:
			hot_keys = cli.optarg;
			break;
		case OPT_SALT_FACTOR:
			salt_factor = (long)pk_cli_long(&cli, 1, 1000000);
			break;
		case OPT_WHAT_IF:
			nwhat = parse_counts(&cli, cli.optarg, &what);
			break;
		case OPT_TOP:
			sk.top = (size_t)pk_cli_long(&cli, 0, 1000000);
			break;
		case OPT_CAPACITY:
			capacity = pk_cli_long(&cli, 1, 1 << 30);
			break;
		case OPT_HOTTEST:
			sk.hottest = (size_t)pk_cli_long(&cli, 0, 1000000);
			break;
		case OPT_TARGET:
			sk.target = pk_cli_double(&cli, 1.0, 1e9);
			break;
		case OPT_MAX_SALT:
			sk.max_salt = (size_t)pk_cli_long(&cli, 2, 1000000);
			break;
		case OPT_MAX_IMBALANCE:
			sk.max_imbalance = pk_cli_double(&cli, 0.0, 1e18);
			break;
		case 'b':
			brokers = cli.optarg;
			pk_kconf_brokers(&kc, cli.optarg);
			break;
		case 't':
			sk.topic = cli.optarg;
			break;
		case 'G':
			group = cli.optarg;
			break;
		case OPT_SAMPLE:
			sample = pk_cli_long(&cli, 1, LLONG_MAX);
			break;
		case 'X':
			if (pk_kconf_arg(&kc, cli.optarg, &err) < 0)
				pk_cli_usage(&cli, "%s", err.msg);
			break;
		case 'F':
			if (pk_kconf_file(&kc, cli.optarg, PK_KLAYER_FILE, &err) < 0)
				pk_die(&cli, &err);
			break;
		default:
			pk_cli_common(&cli, &in, opt);
		}
	}
	pk_cli_input(&cli, &in);

	/* Which input: a topic, records (-k), or per-partition counts. */
	if (brokers != NULL || sk.topic != NULL || kc.dump)
		sk.mode = MODE_TOPIC;
	else if (r.nkeys > 0)
		sk.mode = MODE_RECORDS;
	else
		sk.mode = MODE_COUNTS;
	if ((size_t)capacity < sk.top)
		pk_cli_usage(&cli, "--capacity %lld is below --top %zu", capacity, sk.top);
	pk_ss_init(&sk.ss, (size_t)capacity);
	if (nparts == 0) {
		parts = pk_xmalloc(sizeof *parts);
		parts[0] = PK_PART_MURMUR2;
		nparts = 1;
	}
	sk.how = parts[0];
	sk.enc.enc = r.prim.enc;
	if (sk.mode != MODE_RECORDS) {
		const char *what_needs = sk.mode == MODE_TOPIC ? "a topic (-b/-t)" :
		    "per-partition counts (no -k)";

		if (nwhat > 0 || nparts > 1 || nsalts > 0 || hot_keys != NULL)
			pk_cli_usage(&cli, "--what-if, --salt, --hot-keys and several --partitioner "
			    "simulate records: they need -k FIELD, not %s", what_needs);
		if (null_set || r.join[0] != '|' || r.join[1] != '\0' || r.prim.enc != PK_KEY_UTF8 ||
		    seed != 0)
			pk_cli_usage(&cli, "--null-key, --key-join, --key-encoding and --seed are "
			    "for records (-k FIELD)");
	}
	if (sk.mode == MODE_TOPIC) {
		if (sk.topic == NULL && !kc.dump)
			pk_cli_usage(&cli, "-b needs -t TOPIC");
		if (brokers == NULL && !kc.dump && pk_kconf_get(&kc, "bootstrap.servers") == NULL &&
		    getenv("PIPEKIT_KAFKA_CONFIG") == NULL)
			pk_cli_usage(&cli, "-t needs -b BROKERS (or bootstrap.servers from -F/-X)");
		if (r.nkeys > 0)
			pk_cli_usage(&cli, "-k reads records; a topic's keys are sampled with --sample N");
		if (nopt > 0)
			pk_cli_usage(&cli, "-n: a topic's partition count comes from the cluster");
		if (argc - cli.optind > 0)
			pk_cli_usage(&cli, "-b/-t reads a topic: no FILE operands");
	} else {
		if (group != NULL || sample > 0)
			pk_cli_usage(&cli, "-G and --sample need a topic (-b/-t)");
	}

	if (sk.mode == MODE_TOPIC) {
		kafka_conf(&cli, &kc);
		read_topic(&sk, &kc, group, sample);
	} else if (sk.mode == MODE_RECORDS) {
		size_t nn, np, ns, nscen;
		int32_t *ns_list;

		if (nopt == 0)
			pk_cli_usage(&cli, "-k needs -n N, the number of partitions");
		if (r.nkeys > 1 && (r.prim.enc == PK_KEY_INT32 || r.prim.enc == PK_KEY_INT64))
			pk_cli_usage(&cli, "an integer key encoding takes one key field, not %zu",
			    r.nkeys);
		r.text_keys = r.prim.enc == PK_KEY_INT32 || r.prim.enc == PK_KEY_INT64;
		r.salter.enc = r.prim.enc;
		for (i = 0; i < nsalts; i++)
			if (pk_part_salt_arg(&r.salter, salts[i], &err) < 0)
				pk_cli_usage(&cli, "%s", err.msg);
		if (hot_keys != NULL &&
		    pk_part_hot_keys(&r.salter, hot_keys, (uint32_t)salt_factor, &err) < 0)
			pk_die(&cli, &err);
		r.salting = nsalts > 0 || hot_keys != NULL;
		r.salter.partitions = 1;

		/* Scenarios: -n first, then --what-if; each partitioner; without
		 * and (when asked) with salting. The report is about the first
		 * with salting when salting was asked. */
		ns_list = pk_xmalloc((nwhat + 1) * sizeof *ns_list);
		ns_list[0] = (int32_t)nopt;
		nn = 1;
		for (i = 0; i < nwhat; i++) {
			for (j = 0; j < nn && ns_list[j] != what[i]; j++)
				;
			if (j == nn)
				ns_list[nn++] = what[i];
		}
		ns = r.salting ? 2 : 1;
		nscen = nn * nparts * ns;
		if (nscen > 256)
			pk_cli_usage(&cli, "%zu scenarios (--what-if x --partitioner x salting): "
			    "at most 256", nscen);
		{
			unsigned long long cells = 0;

			for (i = 0; i < nn; i++)
				cells += (unsigned long long)ns_list[i] * nparts * ns;
			if (cells > 16000000ULL)
				pk_cli_usage(&cli, "the scenarios need %llu partition counters: at most "
				    "16000000", cells);
		}
		sk.sc = pk_xcalloc(nscen, sizeof *sk.sc);
		for (i = 0; i < nn; i++) {
			for (np = 0; np < nparts; np++) {
				for (j = 0; j < ns; j++) {
					struct scen *c = &sk.sc[sk.nsc];

					c->part = r.prim;
					c->part.how = parts[np];
					c->part.partitions = ns_list[i];
					c->part.seed = (uint64_t)seed;
					if (pk_part_check(&c->part, &err) < 0)
						pk_cli_usage(&cli, "%s (%ld partitions)", err.msg,
						    (long)ns_list[i]);
					c->n = ns_list[i];
					c->how = parts[np];
					c->salt = j == 1 ? SALT_GIVEN : SALT_NONE;
					c->counts = pk_xcalloc((size_t)c->n, sizeof *c->counts);
					if (hashing(c->how))
						r.need[c->how][j] = 1;
					sk.nsc++;
				}
			}
		}
		r.unsalted = 0;
		r.primary = r.salting ? 1 : 0;
		sk.sc[r.primary].current = 1;
		free(ns_list);
		sk.np = (size_t)nopt;
		sk.bytes = pk_xcalloc(sk.np, sizeof *sk.bytes);
		sk.has_keys = 1;

		pk_input_operands(&in, argc - cli.optind, argv + cli.optind);
		while ((rc = pk_input_next(&in, &rec, &err)) > 0)
			add_record(&sk, &r, &in, rec);
		if (rc < 0)
			die(&cli, &in, &err);
		for (i = 0; i < sk.nsc; i++)
			pk_skew_compute(&sk.sc[i].m, sk.sc[i].counts, (size_t)sk.sc[i].n);
		sk.counts = sk.sc[r.primary].counts;
	} else {
		struct pk_path pp, pc, pb;
		int has_bytes = 0;

		if (pk_path_compile(&pp, "partition", &err) < 0 ||
		    pk_path_compile(&pc, "count", &err) < 0 || pk_path_compile(&pb, "bytes", &err) < 0)
			pk_die(&cli, &err);
		if (nopt > 0) {
			sk.np = (size_t)nopt;
			sk.counts = pk_xcalloc(sk.np, sizeof *sk.counts);
			sk.bytes = pk_xcalloc(sk.np, sizeof *sk.bytes);
		}
		pk_input_operands(&in, argc - cli.optind, argv + cli.optind);
		while ((rc = pk_input_next(&in, &rec, &err)) > 0)
			add_counts(&sk, &in, rec, &pp, &pc, &pb, nopt, &has_bytes);
		if (rc < 0)
			die(&cli, &in, &err);
		if (!has_bytes) {
			free(sk.bytes);
			sk.bytes = NULL;
		}
		pk_path_release(&pp);
		pk_path_release(&pc);
		pk_path_release(&pb);
	}

	pk_skew_compute(&sk.m, sk.counts, sk.np);
	sk.order = pk_skew_order(sk.counts, sk.np);
	key_rows(&sk, sk.mode == MODE_RECORDS ? sk.sc[r.unsalted].counts : sk.counts);
	sk.color = strcmp(cli.format, "table") == 0 && isatty(STDOUT_FILENO) &&
	    (getenv("NO_COLOR") == NULL || getenv("NO_COLOR")[0] == '\0');
	sk_report(&sk, cli.format);

	if (!cli.quiet && sk.nulls > 0) {
		const char *how = "placed round-robin";
		char fixed[64];

		if (sk.mode == MODE_TOPIC)
			how = "in the sample";
		else if (r.prim.null_policy == PK_NULL_RANDOM)
			how = "placed at random";
		else if (r.prim.null_policy == PK_NULL_FIXED) {
			snprintf(fixed, sizeof fixed, "placed on partition %ld",
			    (long)r.prim.null_partition);
			how = fixed;
		}
		fprintf(stderr, "%s: %llu null key%s, %s\n", cli.prog, (unsigned long long)sk.nulls,
		    sk.nulls == 1 ? "" : "s", how);
	}
	if (sk.max_imbalance >= 0 && !isnan(sk.m.imbalance) && sk.m.imbalance > sk.max_imbalance) {
		verdict = 1;
		if (!cli.quiet)
			fprintf(stderr, "%s: imbalance %.4g is above --max-imbalance %g\n", cli.prog,
			    sk.m.imbalance, sk.max_imbalance);
	}

	for (i = 0; i < sk.nsc; i++) {
		pk_part_release(&sk.sc[i].part);
		free(sk.sc[i].counts);
	}
	free(sk.sc);
	if (sk.mode != MODE_RECORDS)
		free(sk.counts);
	free(sk.bytes);
	free(sk.low);
	free(sk.high);
	free(sk.committed);
	free(sk.sampled);
	free(sk.order);
	free(sk.rows);
	pk_ss_release(&sk.ss);
	for (i = 0; i < r.nkeys; i++)
		pk_path_release(&r.keys[i]);
	free(r.keys);
	pk_part_release(&r.salter);
	pk_buf_release(&r.key);
	pk_buf_release(&r.text);
	free(salts);
	free(what);
	free(parts);
	pk_kconf_release(&kc);
	return pk_cli_finish(&cli, sk.mode == MODE_TOPIC ? NULL : &in, verdict);
}
