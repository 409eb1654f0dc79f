/*
 * logsplit - partition a record stream by key exactly as a Kafka producer
 * would, into files named by a template or into a Kafka topic.
 */
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cmd/logsplit/outpool.h"
#include "cmd/logsplit/template.h"
#include "lib/buf.h"
#include "lib/cli.h"
#include "lib/input.h"
#include "lib/json.h"
#include "lib/kafka.h"
#include "lib/partition.h"
#include "lib/time.h"
#include "lib/writer.h"

enum {
	OPT_KEY_JOIN = PK_OPT_TOOL,
	OPT_PARTITIONER,
	OPT_KEY_ENCODING,
	OPT_NULL_KEY,
	OPT_REGEX,
	OPT_MAX_BYTES,
	OPT_MAX_OPEN,
	OPT_APPEND,
	OPT_SALT,
	OPT_HOT_KEYS,
	OPT_SALT_FACTOR,
	OPT_STATS,
	OPT_SEED
};

static const struct pk_opt options[] = {
	{ 'k', "key", PK_ARG_REQUIRED, "FIELD[,...]", "partition key (dotted paths; a,b is a composite key)" },
	{ OPT_KEY_JOIN, "key-join", PK_ARG_REQUIRED, "SEP", "separator of composite key parts (default '|')" },
	{ 'n', "partitions", PK_ARG_REQUIRED, "N", "number of partitions (with -b: the topic's)" },
	{ OPT_PARTITIONER, "partitioner", PK_ARG_REQUIRED, "NAME", "murmur2 (default), fnv1a, crc32, random, roundrobin" },
	{ OPT_KEY_ENCODING, "key-encoding", PK_ARG_REQUIRED, "ENC", "key bytes: utf8 (default), int32, int64, raw" },
	{ OPT_NULL_KEY, "null-key", PK_ARG_REQUIRED, "POLICY", "records without a key: roundrobin (default), random, PARTITION, reject" },
	{ OPT_REGEX, "regex", PK_ARG_REQUIRED, "PATTERN", "read raw text lines; the key is capture group 1 (else the match)" },
	{ 'O', "output", PK_ARG_REQUIRED, "TEMPLATE", "write files named by TEMPLATE: {partition}, {field}, {date}, ..." },
	{ 'T', "time", PK_ARG_REQUIRED, "FIELD", "event-time field for {date}, {hour}, {minute}" },
	PK_OPT_TIME_UNIT_ENTRY,
	{ 'z', "level", PK_ARG_REQUIRED, "N", "zstd level for .zst files (1-22, default 3)" },
	{ OPT_MAX_BYTES, "max-bytes", PK_ARG_REQUIRED, "SIZE", "start the next {seq} file past SIZE bytes (before compression)" },
	{ OPT_MAX_OPEN, "max-open", PK_ARG_REQUIRED, "N", "files kept open at once (default: from the descriptor limit)" },
	{ OPT_APPEND, "append", PK_ARG_NONE, NULL, "add to existing files instead of replacing them" },
	{ OPT_SALT, "salt", PK_ARG_REQUIRED, "KEY:N", "spread KEY over N sub-keys KEY#0..KEY#N-1 (repeatable)" },
	{ OPT_HOT_KEYS, "hot-keys", PK_ARG_REQUIRED, "FILE", "salt the keys of skewstat's ndjson output" },
	{ OPT_SALT_FACTOR, "salt-factor", PK_ARG_REQUIRED, "N", "sub-keys per --hot-keys key without its own \"salt\" (default 8)" },
	{ OPT_STATS, "stats", PK_ARG_REQUIRED, "FILE", "write per-partition counts and bytes as NDJSON" },
	{ OPT_SEED, "seed", PK_ARG_REQUIRED, "N", "seed of the random partitioner and --null-key random" },
	{ 'b', "brokers", PK_ARG_REQUIRED, "LIST", "produce to Kafka: bootstrap brokers" },
	{ 't', "topic", PK_ARG_REQUIRED, "TOPIC", "Kafka topic to produce to" },
	{ 'p', "partition", PK_ARG_REQUIRED, "P", "produce every record to partition P" },
	{ 'X', "property", PK_ARG_REQUIRED, "PROP=VAL", "librdkafka property (repeatable; -X dump prints them)" },
	{ 'F', "config", PK_ARG_REQUIRED, "FILE", "librdkafka properties file" },
	PK_OPTS_RECORDS,
	PK_OPTS_BASIC,
	PK_OPTS_END
};

/* Per-partition totals for --stats and the summary. */
struct pstat {
	uint64_t count;
	uint64_t bytes;
};

struct ls {
	struct pk_cli *cli;
	struct pk_input *in;
	struct pk_part part;

	struct pk_path *keys;
	size_t nkeys;
	const char *join;
	int use_regex;
	regex_t re;

	const char *template;
	struct tpl tpl;
	struct outpool *pool;
	struct outgroup **bypart;	/* group per partition when only {partition}/{seq} vary */

	const char *time_field;
	struct pk_path tpath;
	enum pk_time_unit unit;

	struct pk_kconf kconf;
	const char *brokers, *topic;
	int32_t force_partition;	/* -p; -1 none */
	int user_partitioner;		/* -X partitioner=... given */
	struct pk_kprod *prod;
	struct pk_err kerr;	/* a record's error, reused record after record */

	const char *stats_path;
	struct pstat *st;

	struct pk_buf key, render, why, line;
};

static void
die(struct ls *ls, struct pk_err *err)
{
	struct pk_buf b = PK_BUF_INIT;

	if (!ls->cli->quiet && ls->in->rej.read > 0) {
		pk_reject_summary(&ls->in->rej, &b);
		fprintf(stderr, "%s\n", b.p);
		pk_buf_release(&b);
	}
	if (ls->pool != NULL)
		outpool_abort(ls->pool);
	pk_die(ls->cli, err);
}

static void
parse_keys(struct ls *ls, const char *arg)
{
	struct pk_err err = PK_ERR_INIT;

	if (pk_paths_compile(&ls->keys, &ls->nkeys, arg, &err) < 0)
		pk_cli_usage(ls->cli, "-k '%s': %s", arg, err.msg);
}

/* Descriptors for output files: what the limit allows after stdin/out/err,
 * the input, the reject log, --stats and some slack; compressed files keep
 * a compressor each, so fewer of them stay open. */
static size_t
default_max_open(const char *template)
{
	struct rlimit rl;
	size_t n = 1024, cap;
	size_t tn = strlen(template);

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		n = rl.rlim_cur > 40 ? (size_t)rl.rlim_cur - 24 : 16;
	cap = (tn > 4 && (strcmp(template + tn - 4, ".zst") == 0 ||
	    strcmp(template + tn - 3, ".gz") == 0)) ? 64 : 1024;
	return n < cap ? n : cap;
}

/* The key of one record: 1 with bytes in ls->key, 0 no key, -1 reject (why). */
static int
record_key(struct ls *ls, const struct pk_rec *rec, struct pk_err *kerr)
{
	if (ls->use_regex) {
		regmatch_t m[2];
		int rc;

		pk_buf_reset(&ls->key);
#ifdef REG_STARTEND
		m[0].rm_so = 0;
		m[0].rm_eo = (regoff_t)rec->rawn;
		rc = regexec(&ls->re, rec->raw, 2, m, REG_STARTEND);
#else
		pk_buf_add(&ls->line, rec->raw, rec->rawn);
		rc = regexec(&ls->re, ls->line.p, 2, m, 0);
		pk_buf_reset(&ls->line);
#endif
		if (rc != 0)
			return 0;
		if (ls->re.re_nsub >= 1) {
			if (m[1].rm_so < 0)
				return 0;
			m[0] = m[1];
		}
		return pk_part_encode_text(&ls->part, rec->raw + m[0].rm_so,
		    (size_t)(m[0].rm_eo - m[0].rm_so), &ls->key, kerr);
	}
	if (ls->nkeys == 0)
		return 0;
	return pk_part_key(&ls->part, &rec->doc, ls->keys, ls->nkeys, ls->join, strlen(ls->join),
	    &ls->key, kerr);
}

static void
on_delivery(void *arg, const struct pk_kdr *dr)
{
	struct ls *ls = arg;

	if (dr->err != 0 || dr->partition < 0 || dr->partition >= ls->part.partitions)
		return;
	ls->st[dr->partition].count++;
	ls->st[dr->partition].bytes += (uintptr_t)dr->opaque;
}

static void
push_produced(void *prod)
{
	pk_kprod_poll(prod, 0);
}

/* -X dump: the producer's effective configuration, then exit (as kcat). */
static void
kafka_dump(struct ls *ls)
{
	struct pk_err err = PK_ERR_INIT;
	struct pk_buf b = PK_BUF_INIT;

	if (pk_kconf_env(&ls->kconf, &err) < 0 ||
	    pk_kconf_dump(&ls->kconf, PK_KROLE_PRODUCER, &b, &err) < 0)
		pk_die(ls->cli, &err);
	if (pk_writer_write(ls->cli->out, b.p, b.len, &err) < 0)
		pk_die(ls->cli, &err);
	pk_buf_release(&b);
	exit(pk_cli_finish(ls->cli, NULL, 0));
}

static void
kafka_setup(struct ls *ls, long long nopt)
{
	struct pk_err err = PK_ERR_INIT;
	struct pk_kcons *k;
	int n;

	ls->kconf.log = pk_cli_klog;
	ls->kconf.log_arg = ls->cli;
	if (pk_kconf_env(&ls->kconf, &err) < 0)
		pk_die(ls->cli, &err);
	ls->user_partitioner = pk_kconf_get(&ls->kconf, "partitioner") != NULL;
	/* The topic's partition count decides placement: ask the cluster,
	 * so that offline and online placement cannot silently differ. */
	k = pk_kcons_new(&ls->kconf, NULL, 0, NULL, &err);
	if (k == NULL)
		pk_die(ls->cli, &err);
	n = pk_kcons_partitions(k, ls->topic, 30000, &err);
	pk_kcons_close(k, NULL);
	if (n < 0)
		pk_die(ls->cli, &err);
	if (nopt > 0 && nopt != n)
		pk_cli_usage(ls->cli, "topic '%s' has %d partitions, not %lld (-n)", ls->topic, n,
		    nopt);
	if (ls->force_partition >= n)
		pk_cli_usage(ls->cli, "-p %ld: topic '%s' has %d partitions", (long)ls->force_partition,
		    ls->topic, n);
	ls->part.partitions = n;
	ls->prod = pk_kprod_new(&ls->kconf, on_delivery, ls, &err);
	if (ls->prod == NULL)
		pk_die(ls->cli, &err);
}

/* Send one record to the partition computed offline (murmur2 keys land
 * where librdkafka's murmur2_random would put them: the tests prove it,
 * and handing librdkafka the number spares it a hash and a clock read a
 * record), unless the user chose a partitioner with -X. The opaque is
 * the record's size, for --stats. */
static void
produce(struct ls *ls, const struct pk_rec *rec, const void *data, size_t n, int32_t part,
    const void *key, size_t keyn)
{
	struct pk_kmsg m;
	struct pk_err *err = &ls->kerr;

	memset(&m, 0, sizeof m);
	m.topic = ls->topic;
	m.key = key;
	m.keylen = keyn;
	m.value = data;
	m.len = n;
	m.partition = part;
	if (ls->force_partition >= 0)
		m.partition = ls->force_partition;
	else if (ls->user_partitioner)
		m.partition = -1;
	m.opaque = (void *)(uintptr_t)n;
	if (pk_kprod_send(ls->prod, &m, err) < 0) {
		pk_buf_reset(&ls->why);
		pk_buf_printf(&ls->why, "%s:%ld: %s", rec->source, rec->line, err->msg);
		pk_err_set(err, PK_ERR_KAFKA, "%s", ls->why.p);
		die(ls, err);
	}
}

static void
write_stats(struct ls *ls)
{
	struct pk_err err = PK_ERR_INIT;
	struct pk_writer *w;
	struct pk_buf b = PK_BUF_INIT;
	int32_t i;

	if (ls->stats_path == NULL)
		return;
	/* "-" shares stdout's writer (its only output in a dry run). */
	if (strcmp(ls->stats_path, "-") == 0)
		w = ls->cli->out;
	else if ((w = pk_writer_open(ls->stats_path, 0, &err)) == NULL)
		die(ls, &err);
	for (i = 0; i < ls->part.partitions; i++) {
		pk_buf_reset(&b);
		pk_buf_printf(&b, "{\"partition\":%ld,\"count\":%llu,\"bytes\":%llu}", (long)i,
		    (unsigned long long)ls->st[i].count, (unsigned long long)ls->st[i].bytes);
		if (pk_writer_line(w, b.p, b.len, &err) < 0)
			die(ls, &err);
	}
	pk_buf_release(&b);
	if (w != ls->cli->out && pk_writer_close(w, &err) < 0)
		die(ls, &err);
}

static void
summary(struct ls *ls, uint64_t failed)
{
	struct pk_buf b = PK_BUF_INIT;

	if (ls->cli->quiet)
		return;
	if (ls->part.nulls > 0 || (ls->cli->verbose && ls->nkeys + (size_t)ls->use_regex > 0)) {
		pk_buf_printf(&b, "%s: %llu null key%s", ls->cli->prog,
		    (unsigned long long)ls->part.nulls, ls->part.nulls == 1 ? "" : "s");
		switch (ls->part.null_policy) {
		case PK_NULL_ROUNDROBIN:
			pk_buf_adds(&b, ", placed round-robin");
			break;
		case PK_NULL_RANDOM:
			pk_buf_adds(&b, ", placed at random");
			break;
		case PK_NULL_FIXED:
			pk_buf_printf(&b, ", placed on partition %ld", (long)ls->part.null_partition);
			break;
		case PK_NULL_REJECT:
			pk_buf_adds(&b, ", rejected");
			break;
		}
		if (ls->part.salted > 0)
			pk_buf_printf(&b, "; %llu records salted", (unsigned long long)ls->part.salted);
		fprintf(stderr, "%s\n", b.p);
	}
	if (ls->prod != NULL && (ls->cli->verbose || failed > 0)) {
		const struct pk_kpcount *c;
		size_t n, i;

		c = pk_kprod_counts(ls->prod, &n);
		pk_buf_reset(&b);
		pk_buf_printf(&b, "%s: '%s': %llu delivered, %llu failed", ls->cli->prog, ls->topic,
		    (unsigned long long)pk_kprod_delivered(ls->prod), (unsigned long long)failed);
		if (n > 0)
			pk_buf_adds(&b, "; delivered per partition");
		for (i = 0; i < n; i++)
			pk_buf_printf(&b, " %ld:%llu", (long)c[i].partition,
			    (unsigned long long)c[i].delivered);
		fprintf(stderr, "%s\n", b.p);
	}
	pk_buf_release(&b);
}

int
main(int argc, char *argv[])
{
	struct pk_cli cli = PK_CLI_INIT("logsplit", "-k FIELD -n N [options] [FILE...]", options);
	struct pk_input in = PK_INPUT_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct ls ls;
	const struct pk_rec *rec;
	const char *regex = NULL, *hot_keys = NULL;
	char **salts = NULL;
	size_t nsalts = 0, i;
	long long nopt = 0, max_open = 0;
	unsigned long long max_bytes = 0;
	long salt_factor = 8;
	int opt, rc, level = 3, append = 0;

	memset(&ls, 0, sizeof ls);
	{
		struct pk_part init = PK_PART_INIT;

		ls.part = init;
	}
	ls.cli = &cli;
	ls.in = &in;
	ls.join = "|";
	ls.force_partition = -1;
	cli.description = "Partition records by key exactly as a Kafka producer would, "
	    "into files or a topic.";
	cli.formats = "ndjson";

	while ((opt = pk_cli_getopt(&cli, argc, argv)) != -1) {
		switch (opt) {
		case 'k':
			parse_keys(&ls, cli.optarg);
			break;
		case OPT_KEY_JOIN:
			ls.join = cli.optarg;
			break;
		case 'n':
			nopt = pk_cli_long(&cli, 1, 1000000);
			break;
		case OPT_PARTITIONER:
			if (pk_part_set_partitioner(&ls.part, cli.optarg, &err) < 0)
				pk_cli_usage(&cli, "%s", err.msg);
			break;
		case OPT_KEY_ENCODING:
			if (pk_part_set_encoding(&ls.part, cli.optarg, &err) < 0)
				pk_cli_usage(&cli, "%s", err.msg);
			break;
		case OPT_NULL_KEY:
			if (pk_part_set_null_policy(&ls.part, cli.optarg, &err) < 0)
				pk_cli_usage(&cli, "%s", err.msg);
			break;
		case OPT_REGEX:
			regex = cli.optarg;
			break;
		case 'O':
			ls.template = cli.optarg;
			break;
		case 'T':
			ls.time_field = cli.optarg;
			break;
		case PK_OPT_TIME_UNIT:
			ls.unit = pk_cli_time_unit(&cli);
			break;
		case 'z':
			level = (int)pk_cli_long(&cli, 1, 22);
			break;
		case OPT_MAX_BYTES:
			max_bytes = pk_cli_size(&cli);
			if (max_bytes == 0)
				pk_cli_usage(&cli, "--max-bytes must be above 0");
			break;
		case OPT_MAX_OPEN:
			max_open = pk_cli_long(&cli, 1, 1000000);
			break;
		case OPT_APPEND:
			append = 1;
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
		case OPT_STATS:
			ls.stats_path = cli.optarg;
			break;
		case OPT_SEED:
			ls.part.seed = (uint64_t)pk_cli_long(&cli, 1, LLONG_MAX);
			break;
		case 'b':
			ls.brokers = cli.optarg;
			pk_kconf_brokers(&ls.kconf, cli.optarg);
			break;
		case 't':
			ls.topic = cli.optarg;
			break;
		case 'p':
			ls.force_partition = (int32_t)pk_cli_long(&cli, 0, INT32_MAX);
			break;
		case 'X':
			if (pk_kconf_arg(&ls.kconf, cli.optarg, &err) < 0)
				pk_cli_usage(&cli, "%s", err.msg);
			break;
		case 'F':
			if (pk_kconf_file(&ls.kconf, cli.optarg, PK_KLAYER_FILE, &err) < 0)
				pk_die(&cli, &err);
			break;
		default:
			pk_cli_common(&cli, &in, opt);
		}
	}
	pk_cli_input(&cli, &in);
	if (ls.kconf.dump)
		kafka_dump(&ls);

	/* What goes with what. */
	if (ls.brokers != NULL || ls.topic != NULL) {
		if (ls.topic == NULL)
			pk_cli_usage(&cli, "-b needs -t TOPIC");
		if (ls.template != NULL)
			pk_cli_usage(&cli, "-O and -b/-t are two destinations: choose one");
		/* As kcat: the brokers may come from -X, -F or the env file. */
		if (ls.brokers == NULL && pk_kconf_get(&ls.kconf, "bootstrap.servers") == NULL &&
		    getenv("PIPEKIT_KAFKA_CONFIG") == NULL)
			pk_cli_usage(&cli, "-t needs -b BROKERS (or bootstrap.servers from -F/-X)");
	} else if (ls.force_partition >= 0) {
		pk_cli_usage(&cli, "-p is for producing to Kafka (-b, -t)");
	}
	if (regex != NULL && ls.nkeys > 0)
		pk_cli_usage(&cli, "--regex and -k both choose the key: choose one");
	if (ls.nkeys == 0 && regex == NULL && ls.part.how != PK_PART_RANDOM &&
	    ls.part.how != PK_PART_ROUNDROBIN)
		pk_cli_usage(&cli, "-k FIELD (or --regex) is required by the %s partitioner",
		    pk_part_partitioner_name(ls.part.how));
	if (ls.nkeys > 1 && (ls.part.enc == PK_KEY_INT32 || ls.part.enc == PK_KEY_INT64))
		pk_cli_usage(&cli, "an integer key encoding takes one key field, not %zu", ls.nkeys);
	if (nopt == 0 && ls.topic == NULL)
		pk_cli_usage(&cli, "-n N is required (or -b/-t to take it from the topic)");
	if (ls.template != NULL) {
		if (tpl_compile(&ls.tpl, ls.template, &err) < 0)
			pk_cli_usage(&cli, "%s", err.msg);
		if (ls.tpl.has_time && ls.time_field == NULL)
			pk_cli_usage(&cli, "{date}, {hour} and {minute} need -T FIELD");
		if (regex != NULL && (ls.tpl.has_field || ls.tpl.has_time))
			pk_cli_usage(&cli, "--regex reads raw lines: -O can use {partition} and {seq} only");
		if (max_bytes > 0 && !ls.tpl.has_seq)
			pk_cli_usage(&cli, "--max-bytes needs {seq} in the -O template");
		if (ls.tpl.has_seq && max_bytes == 0)
			pk_cli_usage(&cli, "{seq} in -O counts --max-bytes rotations: give --max-bytes");
		if (max_bytes > 0 && append)
			pk_cli_usage(&cli, "--append and --max-bytes do not go together");
	} else {
		if (max_bytes > 0 || append || max_open > 0 || level != 3)
			pk_cli_usage(&cli, "--max-bytes, --max-open, --append and -z are for -O files");
	}
	if (ls.time_field != NULL && (ls.template == NULL || !ls.tpl.has_time))
		pk_cli_usage(&cli, "-T is only used by {date}, {hour} and {minute} in -O");
	if (ls.time_field != NULL && pk_path_compile(&ls.tpath, ls.time_field, &err) < 0)
		pk_cli_usage(&cli, "-T '%s': %s", ls.time_field, err.msg);
	if (regex != NULL) {
		char msg[256];

		if ((rc = regcomp(&ls.re, regex, REG_EXTENDED)) != 0) {
			regerror(rc, &ls.re, msg, sizeof msg);
			pk_cli_usage(&cli, "--regex '%s': %s", regex, msg);
		}
		ls.use_regex = 1;
		in.flags |= PK_IN_LINES;
	}
	for (i = 0; i < nsalts; i++)
		if (pk_part_salt_arg(&ls.part, salts[i], &err) < 0)
			pk_cli_usage(&cli, "%s", err.msg);
	free(salts);
	if (hot_keys != NULL && pk_part_hot_keys(&ls.part, hot_keys, (uint32_t)salt_factor, &err) < 0)
		pk_die(&cli, &err);

	if (ls.topic != NULL) {
		kafka_setup(&ls, nopt);
		/* Records batched for the producer go out before a pipe makes us wait. */
		in.on_wait = push_produced;
		in.wait_arg = ls.prod;
	} else
		ls.part.partitions = (int32_t)nopt;
	if (pk_part_check(&ls.part, &err) < 0)
		pk_cli_usage(&cli, "%s", err.msg);
	ls.st = pk_xcalloc((size_t)ls.part.partitions, sizeof *ls.st);
	if (ls.template != NULL) {
		struct outpool_opts po;

		po.max_open = max_open > 0 ? (size_t)max_open : default_max_open(ls.template);
		po.max_bytes = max_bytes;
		po.level = level;
		po.append = append;
		ls.pool = outpool_new(&po);
		if (!ls.tpl.has_field && !ls.tpl.has_time)
			ls.bypart = pk_xcalloc((size_t)ls.part.partitions, sizeof *ls.bypart);
	}

	pk_input_operands(&in, argc - cli.optind, argv + cli.optind);
	while ((rc = pk_input_next(&in, &rec, &err)) > 0) {
		struct pk_err *kerr = &ls.kerr;	/* not one per record: 1 KiB to clear */
		const void *sent;
		size_t sentn;
		const char *data;
		size_t n;
		int32_t part;
		int64_t ts = 0;
		int has_key;

		if ((has_key = record_key(&ls, rec, kerr)) < 0) {
			if (pk_input_reject(&in, rec, kerr->msg, &err) < 0)
				die(&ls, &err);
			continue;
		}
		/* NDJSON and raw lines go out as read; CSV rows as their JSON object. */
		if (rec->raw == rec->json) {
			data = rec->raw;
			n = rec->rawn;
		} else {
			data = rec->json;
			n = rec->jsonn;
		}
		if (ls.tpl.has_time) {
			struct pk_jval tv;

			if (!pk_json_get(&rec->doc, &ls.tpath, &tv) || tv.type == PK_J_NULL) {
				pk_buf_reset(&ls.why);
				pk_buf_printf(&ls.why, "missing time field '%s'", ls.time_field);
				if (pk_input_reject(&in, rec, ls.why.p, &err) < 0)
					die(&ls, &err);
				continue;
			}
			if (pk_time_from_jval(&tv, ls.unit, &ts, kerr) < 0) {
				if (pk_input_reject(&in, rec, kerr->msg, &err) < 0)
					die(&ls, &err);
				continue;
			}
		}
		if (ls.nkeys == 0 && !ls.use_regex) {
			/* random/roundrobin without -k: every record is placed by
			 * the partitioner; none has a key. */
			part = pk_part_choose(&ls.part, "", 0, NULL, NULL);
			sent = NULL;
			sentn = 0;
		} else {
			part = pk_part_choose(&ls.part, has_key ? (ls.key.p ? ls.key.p : "") : NULL,
			    ls.key.len, &sent, &sentn);
		}
		if (part == PK_PART_REJECT) {
			if (pk_input_reject(&in, rec, "no key (--null-key reject)", &err) < 0)
				die(&ls, &err);
			continue;
		}
		if (ls.pool != NULL) {
			struct outgroup *g = ls.bypart != NULL ? ls.bypart[part] : NULL;

			if (g == NULL) {
				if (!tpl_render(&ls.tpl, &rec->doc, part, ts, &ls.render, &ls.why)) {
					if (pk_input_reject(&in, rec, ls.why.p, &err) < 0)
						die(&ls, &err);
					continue;
				}
				g = outpool_group(ls.pool, ls.render.p, ls.render.len);
				if (ls.bypart != NULL)
					ls.bypart[part] = g;
			}
			if (outpool_line(ls.pool, g, data, n, &err) < 0)
				die(&ls, &err);
			ls.st[part].count++;
			ls.st[part].bytes += n + 1;
		} else if (ls.prod != NULL) {
			produce(&ls, rec, data, n, part, sent, sentn);
		} else if (ls.stats_path != NULL && strcmp(ls.stats_path, "-") == 0) {
			ls.st[part].count++;
			ls.st[part].bytes += n + 1;
		} else {
			pk_buf_reset(&ls.line);
			pk_buf_printf(&ls.line, "{\"partition\":%ld,\"key\":", (long)part);
			if (sent != NULL)
				pk_buf_add_json_bytes(&ls.line, sent, sentn);
			else
				pk_buf_adds(&ls.line, "null");
			pk_buf_adds(&ls.line, ",\"record\":");
			if (ls.use_regex)
				pk_buf_add_json_bytes(&ls.line, data, n);
			else
				pk_buf_add(&ls.line, data, n);
			pk_buf_addc(&ls.line, '}');
			if (pk_writer_line(cli.out, ls.line.p, ls.line.len, &err) < 0)
				die(&ls, &err);
			ls.st[part].count++;
			ls.st[part].bytes += n + 1;
		}
	}
	if (rc < 0)
		die(&ls, &err);

	if (ls.prod != NULL) {
		char why[512];
		long failed;

		if (pk_kprod_flush(ls.prod, -1, &err) < 0)
			die(&ls, &err);
		summary(&ls, pk_kprod_failed(ls.prod));
		/* The count alone does not say what to fix: give the first error. */
		snprintf(why, sizeof why, "%s", pk_kprod_first_error(ls.prod) ?
		    pk_kprod_first_error(ls.prod) : "");
		failed = pk_kprod_close(ls.prod, &err);
		if (failed != 0) {
			if (failed > 0)
				pk_err_set(&err, PK_ERR_KAFKA, "%ld deliveries to '%s' failed%s%s",
				    failed, ls.topic, why[0] ? "; the first: " : "", why);
			ls.prod = NULL;
			die(&ls, &err);
		}
		ls.prod = NULL;
	} else {
		summary(&ls, 0);
	}
	write_stats(&ls);
	if (ls.pool != NULL) {
		if (outpool_commit(ls.pool, &err) < 0)
			die(&ls, &err);
		if (cli.verbose && !cli.quiet)
			fprintf(stderr, "%s: %zu files written, %llu reopened\n", cli.prog,
			    outpool_nfiles(ls.pool), (unsigned long long)outpool_reopens(ls.pool));
		outpool_free(ls.pool);
		ls.pool = NULL;
	}

	pk_part_release(&ls.part);
	for (i = 0; i < ls.nkeys; i++)
		pk_path_release(&ls.keys[i]);
	free(ls.keys);
	if (ls.time_field != NULL)
		pk_path_release(&ls.tpath);
	if (ls.use_regex)
		regfree(&ls.re);
	tpl_release(&ls.tpl);
	free(ls.bypart);
	free(ls.st);
	pk_kconf_release(&ls.kconf);
	pk_buf_release(&ls.key);
	pk_buf_release(&ls.render);
	pk_buf_release(&ls.why);
	pk_buf_release(&ls.line);
	return pk_cli_finish(&cli, &in, 0);
}
