/*
 * winagg - event-time windowed aggregation (tumbling, hopping, session)
 * with watermarks, late records, sketches and checkpointed cron runs.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/ddsketch.h"
#include "lib/hll.h"

#include "winagg.h"

enum {
	OPT_TUMBLE = PK_OPT_TOOL, OPT_HOP, OPT_SESSION, OPT_OFFSET, OPT_MISSING, OPT_AS,
	OPT_HLL, OPT_QERR, OPT_LATENESS, OPT_WATERMARK, OPT_EMIT, OPT_LATE, OPT_STATE,
	OPT_FLUSH, OPT_MAX_GROUPS, OPT_OUTPUT_TOPIC, OPT_IDLE, OPT_COMMIT
};

static const struct pk_opt options[] = {
	{ 'T', "time", PK_ARG_REQUIRED, "FIELD", "event-time field (dotted path)" },
	{ OPT_TUMBLE, "tumble", PK_ARG_REQUIRED, "D", "tumbling windows of length D" },
	{ OPT_HOP, "hop", PK_ARG_REQUIRED, "SIZE/ADVANCE", "hopping windows of SIZE every ADVANCE" },
	{ OPT_SESSION, "session", PK_ARG_REQUIRED, "GAP", "per-group sessions closed by GAP of quiet" },
	{ OPT_OFFSET, "offset", PK_ARG_REQUIRED, "D", "align windows to the epoch + D (may be -D)" },
	{ 'g', "group", PK_ARG_REQUIRED, "FIELDS", "group by these fields (comma-separated)" },
	{ OPT_MISSING, "missing", PK_ARG_REQUIRED, "null|reject", "a missing group field: null group or reject (default)" },
	{ 'a', "agg", PK_ARG_REQUIRED, "AGGS", "aggregates, comma-separated: count, sum:f, min:f, max:f, avg:f, first:f, last:f, distinct:f, pNN:f" },
	{ OPT_AS, "as", PK_ARG_REQUIRED, "OLD=NEW", "rename an output field (repeatable)" },
	{ OPT_HLL, "hll-precision", PK_ARG_REQUIRED, "P", "HyperLogLog precision 4..18 (default 14)" },
	{ OPT_QERR, "quantile-error", PK_ARG_REQUIRED, "A", "DDSketch relative error (default 0.01)" },
	{ OPT_LATENESS, "lateness", PK_ARG_REQUIRED, "D", "watermark = max event time - D (default 0)" },
	{ OPT_WATERMARK, "watermark", PK_ARG_REQUIRED, "global|per-input", "one watermark, or the minimum over inputs" },
	{ OPT_EMIT, "emit", PK_ARG_REQUIRED, "final|update", "a row when a window closes, or on every change" },
	{ OPT_LATE, "late", PK_ARG_REQUIRED, "FILE", "append late records to FILE as envelopes" },
	{ OPT_STATE, "state", PK_ARG_REQUIRED, "FILE", "resume from and save open windows and positions" },
	{ OPT_FLUSH, "flush", PK_ARG_NONE, NULL, "with --state: emit every open window at the end" },
	{ 'O', "output-dir", PK_ARG_REQUIRED, "DIR", "with --state: write DIR/<sequence>.ndjson per run" },
	{ OPT_MAX_GROUPS, "max-groups", PK_ARG_REQUIRED, "N", "stop (exit 3) past N open window groups" },
	{ 'j', "jobs", PK_ARG_REQUIRED, "N", "threads for large plain files (default: cores)" },
	PK_OPT_TIME_UNIT_ENTRY,
	{ 'b', "brokers", PK_ARG_REQUIRED, "LIST", "consume a Kafka topic: bootstrap brokers" },
	{ 't', "topic", PK_ARG_REQUIRED, "TOPIC", "the topic to consume" },
	{ 'G', "group", PK_ARG_REQUIRED, "GROUP", "consumer group (N instances share the partitions)" },
	{ 'e', "exit", PK_ARG_NONE, NULL, "exit when every assigned partition is at its end" },
	{ 'J', "envelope", PK_ARG_NONE, NULL, "records are kcat -J envelopes, not the payloads" },
	{ OPT_OUTPUT_TOPIC, "output-topic", PK_ARG_REQUIRED, "TOPIC", "produce results to TOPIC (in transactions with -X transactional.id)" },
	{ OPT_IDLE, "idle-timeout", PK_ARG_REQUIRED, "D", "a partition quiet for D stops holding the watermark back" },
	{ OPT_COMMIT, "commit-interval", PK_ARG_REQUIRED, "D", "checkpoint and commit every D (default 5s)" },
	{ 'X', "property", PK_ARG_REQUIRED, "PROP=VAL", "librdkafka property (repeatable; -X dump prints them)" },
	{ 'F', "config", PK_ARG_REQUIRED, "FILE", "librdkafka properties file" },
	PK_OPTS_RECORDS,
	PK_OPTS_BASIC,
	PK_OPTS_END
};

static int64_t
gcd64(int64_t a, int64_t b)
{
	while (b != 0) {
		int64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static int64_t
duration_arg(struct pk_cli *cli, int allow_zero)
{
	int64_t d = pk_cli_duration(cli);

	if (d == 0 && !allow_zero)
		pk_cli_usage(cli, "a window length must be above zero, not '%s'", cli->optarg);
	return d;
}

static void
parse_groups(struct pk_cli *cli, struct wa *wa, const char *spec)
{
	struct pk_err err = PK_ERR_INIT;
	const char *p = spec;

	for (;;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *f = pk_xstrndup(p, n);

		wa->gpaths = pk_xrealloc(wa->gpaths, (wa->ng + 1) * sizeof *wa->gpaths);
		wa->win.gnames = pk_xrealloc(wa->win.gnames, (wa->ng + 1) * sizeof *wa->win.gnames);
		if (pk_path_compile(&wa->gpaths[wa->ng], f, &err) != 0)
			pk_cli_usage(cli, "-g '%s': %s", spec, err.msg);
		wa->win.gnames[wa->ng++] = f;
		if (e == NULL)
			break;
		p = e + 1;
	}
}

/*
 * A fatal error while reading. A run stopped by --max-errors (exit 3)
 * still prints the summary line, what was read, used, rejected and late,
 * before the reason, as the other tools do.
 */
static void
die_reading(const struct pk_cli *cli, const struct pk_input *in, const struct pk_err *err)
{
	if (err->kind == PK_ERR_DATA && !cli->quiet && in->rej.max_errors >= 0 &&
	    in->rej.rejected > (uint64_t)in->rej.max_errors) {
		struct pk_buf b = PK_BUF_INIT;

		pk_reject_summary(&in->rej, &b);
		fprintf(stderr, "%s\n", b.p);
		pk_buf_release(&b);
	}
	pk_die(cli, err);
}

int
main(int argc, char *argv[])
{
	struct pk_cli cli = PK_CLI_INIT("winagg",
	    "-T FIELD (--tumble D|--hop SIZE/ADVANCE|--session GAP) [-g FIELDS] -a AGGS [FILE...|-b BROKERS -t TOPIC -G GROUP --state DIR]",
	    options);
	struct pk_input in = PK_INPUT_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct wa wa;
	const char *hop = NULL, *window = NULL;
	char **renames = NULL;
	size_t nren = 0, i;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int opt, rc;

	memset(&wa, 0, sizeof wa);
	wa.cli = &cli;
	wa.in = &in;
	wa.jobs = cores > 0 ? (int)(cores > 64 ? 64 : cores) : 1;
	wa.agg.hll_p = PK_HLL_DEFAULT_P;
	wa.agg.alpha = PK_DDS_DEFAULT_ALPHA;
	wa.win.max_groups = 5000000;
	wa.floor = INT64_MIN;
	wa.gmax = INT64_MIN;
	wa.minmax = INT64_MIN;
	wa.commit_interval = (int64_t)5 * PK_NS_PER_SEC;
	cli.description = "Aggregate NDJSON records (files, or a Kafka topic in a consumer group) in event-time windows with watermarks and late-record handling.";
	cli.formats = "ndjson";

	while ((opt = pk_cli_getopt(&cli, argc, argv)) != -1) {
		switch (opt) {
		case 'T':
			wa.tfield = cli.optarg;
			break;
		case OPT_TUMBLE: case OPT_HOP: case OPT_SESSION:
			if (window != NULL)
				pk_cli_usage(&cli, "give one of --tumble, --hop and --session");
			window = cli.optarg;
			if (opt == OPT_TUMBLE) {
				wa.win.kind = WIN_TUMBLE;
				wa.win.size = wa.win.advance = duration_arg(&cli, 0);
			} else if (opt == OPT_SESSION) {
				wa.win.kind = WIN_SESSION;
				wa.win.gap = duration_arg(&cli, 0);
			} else {
				wa.win.kind = WIN_HOP;
				hop = cli.optarg;
			}
			break;
		case OPT_OFFSET: {
			const char *s = cli.optarg;
			int neg = s[0] == '-';

			if (neg)
				cli.optarg = s + 1;
			wa.win.offset = duration_arg(&cli, 1);
			if (neg)
				wa.win.offset = -wa.win.offset;
			cli.optarg = s;
			break;
		}
		case 'g':
			parse_groups(&cli, &wa, cli.optarg);
			break;
		case OPT_MISSING:
			if (strcmp(cli.optarg, "null") == 0)
				wa.missing_null = 1;
			else if (strcmp(cli.optarg, "reject") == 0)
				wa.missing_null = 0;
			else
				pk_cli_usage(&cli, "--missing is null or reject, not '%s'", cli.optarg);
			break;
		case 'a':
			if (agg_parse(&wa.agg, cli.optarg, &err) != 0)
				pk_cli_usage(&cli, "-a %s: %s", cli.optarg, err.msg);
			break;
		case OPT_AS:
			renames = pk_xrealloc(renames, (nren + 1) * sizeof *renames);
			renames[nren++] = (char *)cli.optarg;
			break;
		case OPT_HLL:
			wa.agg.hll_p = (unsigned)pk_cli_long(&cli, PK_HLL_MIN_P, PK_HLL_MAX_P);
			break;
		case OPT_QERR:
			wa.agg.alpha = pk_cli_double(&cli, 1e-6, 0.5);
			break;
		case OPT_LATENESS:
			wa.lateness = duration_arg(&cli, 1);
			break;
		case OPT_WATERMARK:
			if (strcmp(cli.optarg, "per-input") == 0)
				wa.per_input = 1;
			else if (strcmp(cli.optarg, "global") == 0)
				wa.per_input = 0;
			else
				pk_cli_usage(&cli, "--watermark is global or per-input, not '%s'", cli.optarg);
			break;
		case OPT_EMIT:
			if (strcmp(cli.optarg, "update") == 0)
				wa.win.update = 1;
			else if (strcmp(cli.optarg, "final") == 0)
				wa.win.update = 0;
			else
				pk_cli_usage(&cli, "--emit is final or update, not '%s'", cli.optarg);
			break;
		case OPT_LATE:
			wa.late_path = cli.optarg;
			break;
		case OPT_STATE:
			wa.state_path = cli.optarg;
			break;
		case OPT_FLUSH:
			wa.flush = 1;
			break;
		case 'O':
			wa.outdir = cli.optarg;
			break;
		case OPT_MAX_GROUPS:
			wa.win.max_groups = (uint64_t)pk_cli_long(&cli, 1, LLONG_MAX);
			break;
		case 'j':
			wa.jobs = (int)pk_cli_long(&cli, 1, 256);
			break;
		case 'b':
			wa.kafka = 1;
			pk_kconf_brokers(&wa.kconf, cli.optarg);
			break;
		case 't':
			wa.topic = cli.optarg;
			break;
		case 'G':
			wa.group = cli.optarg;
			break;
		case 'e':
			wa.at_end = 1;
			break;
		case 'J':
			wa.envelope = 1;
			break;
		case OPT_OUTPUT_TOPIC:
			wa.out_topic = cli.optarg;
			break;
		case OPT_IDLE:
			wa.idle_timeout = duration_arg(&cli, 1);
			break;
		case OPT_COMMIT:
			wa.commit_interval = duration_arg(&cli, 0);
			break;
		case 'X':
			if (pk_kconf_arg(&wa.kconf, cli.optarg, &err) < 0)
				pk_cli_usage(&cli, "%s", err.msg);
			break;
		case 'F':
			if (pk_kconf_file(&wa.kconf, cli.optarg, PK_KLAYER_FILE, &err) < 0)
				pk_die(&cli, &err);
			break;
		case PK_OPT_TIME_UNIT:
			wa.unit = pk_cli_time_unit(&cli);
			break;
		default:
			pk_cli_common(&cli, &in, opt);
		}
	}
	pk_cli_input(&cli, &in);
	if (wa.kconf.dump) {
		struct pk_buf b = PK_BUF_INIT;

		if (pk_kconf_env(&wa.kconf, &err) < 0 ||
		    pk_kconf_dump(&wa.kconf, PK_KROLE_CONSUMER, &b, &err) < 0)
			pk_die(&cli, &err);
		if (pk_writer_write(cli.out, b.p, b.len, &err) < 0)
			pk_die(&cli, &err);
		pk_buf_release(&b);
		return pk_cli_finish(&cli, NULL, 0);
	}

	/* What the synopsis requires, and what goes together. */
	if (wa.tfield == NULL)
		pk_cli_usage(&cli, "no event-time field: give -T FIELD");
	if (window == NULL)
		pk_cli_usage(&cli, "no window: give --tumble D, --hop SIZE/ADVANCE or --session GAP");
	if (hop != NULL) {
		const char *slash = strchr(hop, '/');
		struct pk_err e2 = PK_ERR_INIT;

		if (slash == NULL || pk_duration_parse(hop, (size_t)(slash - hop), &wa.win.size, &e2) != 0 ||
		    pk_duration_parse(slash + 1, strlen(slash + 1), &wa.win.advance, &e2) != 0)
			pk_cli_usage(&cli, "--hop wants SIZE/ADVANCE such as 10m/1m, not '%s'%s%s", hop,
			    e2.msg[0] ? ": " : "", e2.msg);
		if (wa.win.size <= 0 || wa.win.advance <= 0 || wa.win.advance > wa.win.size)
			pk_cli_usage(&cli, "--hop %s: ADVANCE must be above zero and at most SIZE", hop);
	}
	wa.win.pane = wa.win.kind == WIN_SESSION ? 0 : gcd64(wa.win.size, wa.win.advance);
	if (wa.agg.n == 0)
		pk_cli_usage(&cli, "no aggregates: give -a, e.g. -a count,sum:clicks");
	for (i = 0; i < nren; i++)
		if (agg_rename(&wa.agg, renames[i], &err) != 0)
			pk_cli_usage(&cli, "%s", err.msg);
	if (agg_finish(&wa.agg, &err) != 0)
		pk_cli_usage(&cli, "%s", err.msg);
	if (pk_path_compile(&wa.tpath, wa.tfield, &err) != 0)
		pk_cli_usage(&cli, "-T '%s': %s", wa.tfield, err.msg);
	if (wa.topic || wa.group || wa.at_end || wa.envelope || wa.out_topic || wa.idle_timeout)
		wa.kafka = 1;
	if (wa.kafka) {
		struct stat st;

		if (pk_kconf_get(&wa.kconf, "bootstrap.servers") == NULL && getenv("PIPEKIT_KAFKA_CONFIG") == NULL)
			pk_cli_usage(&cli, "Kafka options need -b BROKERS");
		if (wa.topic == NULL || wa.group == NULL)
			pk_cli_usage(&cli, "consuming Kafka needs -t TOPIC and -G GROUP");
		if (wa.state_path == NULL)
			pk_cli_usage(&cli, "-G keeps window state per partition: give --state DIR");
		if (cli.optind < argc)
			pk_cli_usage(&cli, "give either files or -b/-t/-G, not both");
		if (wa.out_topic && wa.outdir)
			pk_cli_usage(&cli, "give either -O DIR or --output-topic, not both");
		if (wa.per_input)
			pk_cli_usage(&cli, "with -G the watermark is per partition already; drop --watermark per-input");
		if (mkdir(wa.state_path, 0777) != 0 && errno != EEXIST)
			pk_cli_usage(&cli, "--state '%s': %s", wa.state_path, strerror(errno));
		if (stat(wa.state_path, &st) != 0 || !S_ISDIR(st.st_mode))
			pk_cli_usage(&cli, "--state '%s': with -G it is a directory (one file per partition)",
			    wa.state_path);
		if (pk_kconf_get(&wa.kconf, "transactional.id") && wa.out_topic == NULL)
			pk_cli_usage(&cli, "-X transactional.id goes with --output-topic");
	}
	if (wa.outdir && wa.state_path == NULL)
		pk_cli_usage(&cli, "-O DIR keeps its sequence number in the state: give --state FILE too");
	if (wa.flush && wa.state_path == NULL)
		pk_cli_usage(&cli, "--flush goes with --state (without it every window is emitted at the end anyway)");
	if (cli.csv && wa.kafka)
		pk_cli_usage(&cli, "--csv reads files; Kafka records are JSON");
	if (wa.outdir) {
		struct stat st;

		/* Made when missing (its parent must exist), as --state DIR is. */
		if (stat(wa.outdir, &st) != 0 && errno == ENOENT)
			(void)mkdir(wa.outdir, 0777);
		if (stat(wa.outdir, &st) != 0 || !S_ISDIR(st.st_mode))
			pk_cli_usage(&cli, "-O '%s' is not a directory", wa.outdir);
	}
	wa.win.agg = &wa.agg;
	wa.win.ng = wa.ng;
	wa.win.live = &wa.live;
	wa.max_line = cli.max_record_bytes;

	/* Operands, their positions, the engine, then the saved state. */
	pk_input_operands(&in, argc - cli.optind, argv + cli.optind);
	wa.paths = in.paths;
	wa.npaths = in.npaths;
	wa.pos = pk_xcalloc(wa.npaths, sizeof *wa.pos);
	for (i = 0; i < wa.npaths; i++) {
		wa.pos[i].path = wa.paths[i];
		wa.pos[i].maxt = INT64_MIN;
	}
	wa.nshards = (size_t)wa.jobs;
	wa.shards = pk_xcalloc(wa.nshards, sizeof *wa.shards);
	for (i = 0; i < wa.nshards; i++)
		wa.shards[i] = shard_new(&wa.win);
	if (wa.state_path && !wa.kafka && wa_state_load(&wa, &err) < 0)
		pk_die(&cli, &err);

	in.rej.has_late = 1;
	in.rej.diag = cli.quiet ? NULL : stderr;
	if (pk_reject_open(&in.rej, cli.prog, cli.reject_path, &err) != 0)
		pk_die(&cli, &err);
	if (pk_envlog_open(&wa.late, cli.prog, wa.late_path, &err) != 0)
		pk_die(&cli, &err);
	/* A record's line is its offset there: the first one is 0, not none. */
	in.rej.log.offsets = wa.late.offsets = wa.kafka;
	wa.w = wa.outdir ? NULL : cli.out;

	if (wa.kafka) {
		if (wa_kafka_run(&wa, &err) != 0)
			die_reading(&cli, &in, &err);
		if (pk_envlog_close(&wa.late, &err) != 0)
			pk_die(&cli, &err);
		goto done;
	}
	rc = wa_run(&wa, &err);
	if (rc != 0)
		die_reading(&cli, &in, &err);

	/* End of the run: close what is due, write, then save the state. */
	if (wa.state_path == NULL) {
		for (i = 0; i < wa.nshards; i++)
			shard_advance(wa.shards[i], INT64_MAX);
	} else if (wa.flush) {
		int64_t m = INT64_MIN;

		for (i = 0; i < wa.nshards; i++)
			if (shard_max_end(wa.shards[i]) > m)
				m = shard_max_end(wa.shards[i]);
		if (m > wa.floor)
			wa.floor = m;
	}
	if (wa_drain(&wa, &err) != 0)
		pk_die(&cli, &err);
	if (wa.outdir) {
		if (wa.w != NULL) {
			if (pk_writer_close(wa.w, &err) != 0)
				pk_die(&cli, &err);
			wa.w = NULL;
			wa.out_seq++;
		} else {
			/* Nothing closed in this run: no file. A file of this
			 * number left by a killed run is not ours to keep. */
			char path[PATH_MAX];

			snprintf(path, sizeof path, "%s/%08llu.ndjson", wa.outdir,
			    (unsigned long long)wa.out_seq + 1);
			unlink(path);
		}
	} else if (pk_writer_flush(cli.out, &err) != 0) {
		pk_die(&cli, &err);
	}
	if (pk_envlog_close(&wa.late, &err) != 0)
		pk_die(&cli, &err);
	if (wa.state_path && wa_state_save(&wa, &err) != 0)
		pk_die(&cli, &err);

done:
	for (i = 0; i < wa.nshards; i++)
		shard_free(wa.shards[i]);
	free(wa.shards);
	for (i = 0; i < wa.ng; i++) {
		pk_path_release(&wa.gpaths[i]);
		free(wa.win.gnames[i]);
	}
	free(wa.gpaths);
	free(wa.win.gnames);
	for (i = 0; i < wa.nold; i++)
		free(wa.old[i].path);
	free(wa.old);
	free(wa.pos);
	free(wa.opath);
	free(renames);
	pk_path_release(&wa.tpath);
	agg_cfg_release(&wa.agg);
	pk_kconf_release(&wa.kconf);
	rc = pk_cli_finish(&cli, &in, 0);
	/* With -G, SIGTERM is how a service stops: it finished the batch and
	 * committed, which is a success. */
	if (wa.kafka && rc == 128 + SIGTERM)
		rc = 0;
	return rc;
}
