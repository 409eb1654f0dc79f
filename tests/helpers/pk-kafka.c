/*
 * pk-kafka - a small Kafka client over lib/kafka and lib/kcat, so the test
 * suite and the benchmarks exercise the layer before the tools that use it.
 *
 *   pk-kafka produce    -b B -t T [-p P] [-K SEP] [-J] [-H name=value]... [-X p=v]... [-F file]
 *   pk-kafka consume    -b B -t T -G GROUP [-e] [-c N] [--unwrap] [-X p=v]... [-F file]
 *   pk-kafka watermarks -b B -t T
 *   pk-kafka lag        -b B -t T -G GROUP
 *   pk-kafka txn        -b B -t T -X transactional.id=ID [--abort] [--no-flush] [-K SEP]
 *   pk-kafka unwrap     (kcat -J envelopes on stdin to their payload bytes)
 *
 * produce and txn read lines from stdin: with -K SEP the bytes before the
 * first SEP are the key (as kcat -K); with -J each line is a kcat -J
 * envelope whose key, payload, headers and partition are sent. produce
 * writes one NDJSON line per partition to stderr at the end,
 * {"topic":..,"partition":..,"delivered":..,"failed":..}, and exits 4 if
 * any delivery failed. consume prints kcat -J envelopes and commits what it
 * has printed (after flushing stdout). -X dump prints the configuration.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/kafka.h"
#include "lib/kcat.h"

#define MAX_LINE (16u << 20)
#define MAX_HDRS 64

struct opts {
	const char *cmd;
	const char *topic;
	const char *group;
	const char *keysep;
	int32_t partition;
	int at_end;
	long count;
	int json_in;
	int unwrap;
	int abort_txn;
	int no_flush;
	struct pk_khdr hdrs[MAX_HDRS];
	size_t nhdrs;
	struct pk_kconf conf;
};

static void
die(const struct pk_err *err)
{
	fprintf(stderr, "pk-kafka: %s\n", err->msg);
	exit(pk_err_exit(err) ? pk_err_exit(err) : 4);
}

static void
usage(const char *msg)
{
	if (msg != NULL)
		fprintf(stderr, "pk-kafka: %s\n", msg);
	fprintf(stderr,
	    "usage: pk-kafka produce|consume|watermarks|lag|txn|unwrap -b BROKERS -t TOPIC\n"
	    "           [-G GROUP] [-p PARTITION] [-K SEP] [-J] [-H name=value] [-e] [-c N]\n"
	    "           [--unwrap] [--abort] [--no-flush] [-X prop=value] [-F file]\n");
	exit(2);
}

static int verbose_log;

static void
log_line(void *arg, int level, const char *fac, const char *msg)
{
	(void)arg;
	if (level <= 4 || verbose_log)
		fprintf(stderr, "pk-kafka: %s: %s\n", fac, msg);
}

/* A line reader over read(2): the producer benchmark must not be stdio-bound. */
struct lines {
	char *buf;
	size_t cap, start, end;
	int eof;
};

/* The producer to push (pk_kprod_poll) before stdin makes us wait. */
static struct pk_kprod *waiting_prod;

/* 1 with the line in *line and *n (newline removed), 0 at end. */
static int
next_line(struct lines *r, char **line, size_t *n)
{
	char *nl;
	ssize_t got;

	for (;;) {
		nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (nl != NULL) {
			*line = r->buf + r->start;
			*n = (size_t)(nl - *line);
			r->start += *n + 1;
			return 1;
		}
		if (r->eof) {
			if (r->start == r->end)
				return 0;
			*line = r->buf + r->start;
			*n = r->end - r->start;
			r->start = r->end;
			return 1;
		}
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		if (r->end == r->cap) {
			if (r->cap >= MAX_LINE) {
				fprintf(stderr, "pk-kafka: <stdin>: line longer than %u bytes\n", MAX_LINE);
				exit(3);
			}
			r->cap *= 2;
			r->buf = pk_xrealloc(r->buf, r->cap);
		}
		if (waiting_prod != NULL) {
			struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };

			if (poll(&pfd, 1, 0) == 0)
				pk_kprod_poll(waiting_prod, 0);
		}
		got = read(STDIN_FILENO, r->buf + r->end, r->cap - r->end);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			fprintf(stderr, "pk-kafka: <stdin>: %s\n", strerror(errno));
			exit(4);
		}
		if (got == 0)
			r->eof = 1;
		r->end += (size_t)got;
	}
}

static void
parse_args(struct opts *o, int argc, char *argv[])
{
	struct pk_err err = PK_ERR_INIT;
	int i;

	if (argc < 2)
		usage(NULL);
	o->cmd = argv[1];
	o->partition = -1;
	o->count = -1;
	if (pk_kconf_env(&o->conf, &err) < 0)
		die(&err);
	for (i = 2; i < argc; i++) {
		char opt[3] = { 0, 0, 0 };
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		/* kcat's attached form: -K: and -Xprop=value. */
		if (a[0] == '-' && a[1] != '-' && a[1] != '\0' && a[2] != '\0') {
			opt[0] = '-';
			opt[1] = a[1];
			v = a + 2;
			a = opt;
			i--;	/* no separate argument to skip */
		}

		if (strcmp(a, "-e") == 0) {
			o->at_end = 1;
		} else if (strcmp(a, "-J") == 0) {
			o->json_in = 1;
		} else if (strcmp(a, "--unwrap") == 0) {
			o->unwrap = 1;
		} else if (strcmp(a, "--abort") == 0) {
			o->abort_txn = 1;
		} else if (strcmp(a, "--no-flush") == 0) {
			o->no_flush = 1;
		} else if (v == NULL) {
			usage("option needs an argument or is unknown");
		} else {
			i++;
			if (strcmp(a, "-b") == 0)
				pk_kconf_brokers(&o->conf, v);
			else if (strcmp(a, "-t") == 0)
				o->topic = v;
			else if (strcmp(a, "-G") == 0)
				o->group = v;
			else if (strcmp(a, "-K") == 0)
				o->keysep = v;
			else if (strcmp(a, "-p") == 0)
				o->partition = (int32_t)atoi(v);
			else if (strcmp(a, "-c") == 0)
				o->count = atol(v);
			else if (strcmp(a, "-X") == 0) {
				if (pk_kconf_arg(&o->conf, v, &err) < 0)
					die(&err);
			} else if (strcmp(a, "-F") == 0) {
				if (pk_kconf_file(&o->conf, v, PK_KLAYER_FILE, &err) < 0)
					die(&err);
			} else if (strcmp(a, "-H") == 0) {
				const char *eq = strchr(v, '=');

				if (o->nhdrs == MAX_HDRS)
					usage("too many headers");
				o->hdrs[o->nhdrs].name = v;	/* cut at '=' below */
				o->hdrs[o->nhdrs].namelen = eq ? (size_t)(eq - v) : strlen(v);
				o->hdrs[o->nhdrs].value = eq ? eq + 1 : NULL;
				o->hdrs[o->nhdrs].len = eq ? strlen(eq + 1) : 0;
				if (eq != NULL)
					*(char *)eq = '\0';
				o->nhdrs++;
			} else
				usage("unknown option");
		}
	}
	o->conf.log = log_line;
	verbose_log = pk_kconf_get(&o->conf, "debug") != NULL;
	if (o->conf.dump) {
		struct pk_buf out = PK_BUF_INIT;
		int consumer = strcmp(o->cmd, "consume") == 0 || strcmp(o->cmd, "lag") == 0 ||
		    strcmp(o->cmd, "watermarks") == 0;

		if (pk_kconf_dump(&o->conf, consumer ? PK_KROLE_CONSUMER : PK_KROLE_PRODUCER,
		    &out, &err) < 0)
			die(&err);
		fwrite(out.p, 1, out.len, stdout);
		pk_buf_release(&out);
		exit(fclose(stdout) == 0 ? 0 : 4);
	}
	if (o->topic == NULL && strcmp(o->cmd, "unwrap") != 0)
		usage("-t TOPIC is required");
}

static char *
find(char *s, size_t n, const char *sep, size_t sepn)
{
	char *end = s + n, *p;

	while ((p = memchr(s, sep[0], (size_t)(end - s))) != NULL) {
		if ((size_t)(end - p) < sepn)
			return NULL;
		if (memcmp(p, sep, sepn) == 0)
			return p;
		s = p + 1;
	}
	return NULL;
}

/* Read stdin and send every line; returns the number of lines sent. */
static unsigned long
send_lines(struct opts *o, struct pk_kprod *p)
{
	struct lines in = { NULL, 1u << 20, 0, 0, 0 };
	struct pk_kcat_msg env = PK_KCAT_MSG_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_kmsg m;
	unsigned long lineno = 0, sent = 0;
	size_t seplen = o->keysep ? strlen(o->keysep) : 0;
	char *line;
	size_t n;

	in.buf = pk_xmalloc(in.cap);
	waiting_prod = p;
	while (next_line(&in, &line, &n)) {
		lineno++;
		memset(&m, 0, sizeof m);
		m.topic = o->topic;
		m.partition = o->partition;
		m.hdrs = o->hdrs;
		m.nhdrs = o->nhdrs;
		if (o->json_in) {
			if (n == 0)
				continue;
			if (pk_kcat_parse(&env, line, n, &err) < 0) {
				fprintf(stderr, "pk-kafka: <stdin>:%lu: %s\n", lineno, err.msg);
				exit(3);
			}
			m.key = env.rec.key;
			m.keylen = env.rec.keylen;
			m.value = env.rec.payload;
			m.len = env.rec.len;
			m.hdrs = env.rec.hdrs;
			m.nhdrs = env.rec.nhdrs;
			if (o->partition < 0)
				m.partition = env.rec.partition;
		} else {
			m.value = line;
			m.len = n;
			if (seplen > 0) {
				char *s = find(line, n, o->keysep, seplen);

				if (s != NULL) {
					m.key = line;
					m.keylen = (size_t)(s - line);
					m.value = s + seplen;
					m.len = n - m.keylen - seplen;
				}
			}
		}
		if (pk_kprod_send(p, &m, &err) < 0)
			die(&err);
		sent++;
	}
	waiting_prod = NULL;
	free(in.buf);
	pk_kcat_msg_release(&env);
	return sent;
}

static void
report_counts(struct pk_kprod *p)
{
	const struct pk_kpcount *c;
	size_t n, i;

	c = pk_kprod_counts(p, &n);
	for (i = 0; i < n; i++)
		fprintf(stderr, "{\"topic\":\"%s\",\"partition\":%d,\"delivered\":%llu,\"failed\":%llu}\n",
		    c[i].topic, (int)c[i].partition, (unsigned long long)c[i].delivered,
		    (unsigned long long)c[i].failed);
	if (pk_kprod_first_error(p) != NULL)
		fprintf(stderr, "pk-kafka: %s\n", pk_kprod_first_error(p));
}

static int
cmd_produce(struct opts *o)
{
	struct pk_err err = PK_ERR_INIT;
	struct pk_kprod *p = pk_kprod_new(&o->conf, NULL, NULL, &err);
	long failed;

	if (p == NULL)
		die(&err);
	send_lines(o, p);
	if (pk_kprod_flush(p, -1, &err) < 0) {
		report_counts(p);
		pk_kprod_close(p, NULL);
		die(&err);
	}
	report_counts(p);
	failed = pk_kprod_close(p, &err);
	if (failed < 0)
		die(&err);
	if (failed > 0) {
		fprintf(stderr, "pk-kafka: %ld messages not delivered\n", failed);
		return 4;
	}
	return 0;
}

static int
cmd_txn(struct opts *o)
{
	struct pk_err err = PK_ERR_INIT;
	struct pk_kprod *p = pk_kprod_new(&o->conf, NULL, NULL, &err);
	int rc;

	if (p == NULL)
		die(&err);
	if (pk_kprod_txn_init(p, 10000, &err) != 0 || pk_kprod_txn_begin(p, &err) != 0)
		die(&err);
	send_lines(o, p);
	/* Flushed first, so an aborted transaction's records are in the log
	 * (and must be hidden by read_committed readers), not merely purged. */
	if (!o->no_flush && pk_kprod_flush(p, 10000, &err) < 0)
		die(&err);
	rc = o->abort_txn ? pk_kprod_txn_abort(p, 10000, &err) : pk_kprod_txn_commit(p, 10000, &err);
	if (rc != 0) {
		pk_kprod_close(p, NULL);
		die(&err);
	}
	/* Aborted messages report failure by design; only a commit counts them. */
	if (pk_kprod_close(p, &err) < 0 && !o->abort_txn)
		die(&err);
	return 0;
}

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct consume_state {
	struct pk_kcons *k;
	unsigned long assigned_events, revoked_events;
};

static void
flush_stdout(void)
{
	if (fflush(stdout) != 0) {
		fprintf(stderr, "pk-kafka: <stdout>: %s\n", strerror(errno));
		exit(4);
	}
}

/* Before partitions go, what was printed must be out of our buffers. */
static void
on_revoked(void *arg, const struct pk_ktp *tps, size_t n)
{
	struct consume_state *st = arg;

	(void)tps;
	st->revoked_events++;
	flush_stdout();
	fprintf(stderr, "pk-kafka: revoked %zu partitions\n", n);
}

static void
on_assigned(void *arg, const struct pk_ktp *tps, size_t n)
{
	struct consume_state *st = arg;

	size_t i;

	st->assigned_events++;
	/* Tests wait for this line to know the group has settled. */
	fprintf(stderr, "pk-kafka: assigned %zu partitions:", n);
	for (i = 0; i < n; i++)
		fprintf(stderr, " %d", (int)tps[i].partition);
	fprintf(stderr, "\n");
}

static int
cmd_consume(struct opts *o)
{
	struct consume_state st = { NULL, 0, 0 };
	struct pk_kcons_hooks hooks = { on_assigned, on_revoked, &st };
	struct pk_err err = PK_ERR_INIT;
	struct pk_buf out = PK_BUF_INIT;
	const struct pk_krec *rec;
	const char *topics[1];
	long got = 0;
	int rc;

	if (o->group == NULL)
		usage("consume needs -G GROUP");
	st.k = pk_kcons_new(&o->conf, o->group, o->at_end, &hooks, &err);
	if (st.k == NULL)
		die(&err);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	topics[0] = o->topic;
	if (pk_kcons_subscribe(st.k, topics, 1, &err) < 0)
		die(&err);
	while (!stop && (o->count < 0 || got < o->count)) {
		rc = pk_kcons_poll(st.k, 100, &rec, &err);
		if (rc < 0)
			die(&err);
		if (rc == 0)
			break;
		if (rc == PK_KPOLL_IDLE) {
			flush_stdout();
			if (pk_kcons_commit(st.k, &err) < 0)
				die(&err);
			continue;
		}
		pk_buf_reset(&out);
		if (o->unwrap) {
			if (rec->payload != NULL)
				pk_buf_add(&out, rec->payload, rec->len);
			pk_buf_addc(&out, '\n');
		} else {
			pk_kcat_write(&out, rec);
		}
		if (fwrite(out.p, 1, out.len, stdout) != out.len)
			flush_stdout();
		pk_kcons_store(st.k, rec->topic, rec->partition, rec->offset);
		if (++got % 500 == 0) {
			flush_stdout();
			if (pk_kcons_commit(st.k, &err) < 0)
				die(&err);
		}
	}
	flush_stdout();
	if (pk_kcons_commit(st.k, &err) < 0)
		die(&err);
	if (pk_kcons_close(st.k, &err) < 0)
		die(&err);
	pk_buf_release(&out);
	return 0;
}

static int
cmd_query(struct opts *o, int lag)
{
	struct pk_err err = PK_ERR_INIT;
	struct pk_kcons *k;
	struct pk_ktp *tps;
	int64_t lo, hi, total = 0;
	int n, i;

	if (lag && o->group == NULL)
		usage("lag needs -G GROUP");
	if ((k = pk_kcons_new(&o->conf, o->group, 0, NULL, &err)) == NULL)
		die(&err);
	if ((n = pk_kcons_partitions(k, o->topic, 10000, &err)) < 0)
		die(&err);
	tps = pk_xcalloc((size_t)n, sizeof *tps);
	for (i = 0; i < n; i++) {
		tps[i].topic = o->topic;
		tps[i].partition = i;
	}
	if (lag && pk_kcons_committed(k, tps, (size_t)n, 10000, &err) < 0)
		die(&err);
	for (i = 0; i < n; i++) {
		if (pk_kcons_watermarks(k, o->topic, i, &lo, &hi, 10000, &err) < 0)
			die(&err);
		if (lag) {
			int64_t c = tps[i].offset >= 0 ? tps[i].offset : lo;

			printf("{\"partition\":%d,\"high\":%lld,\"committed\":%lld,\"lag\":%lld}\n", i,
			    (long long)hi, (long long)tps[i].offset, (long long)(hi - c));
			total += hi - c;
		} else {
			printf("{\"partition\":%d,\"low\":%lld,\"high\":%lld}\n", i, (long long)lo,
			    (long long)hi);
		}
	}
	if (lag)
		printf("{\"total_lag\":%lld}\n", (long long)total);
	free(tps);
	if (pk_kcons_close(k, &err) < 0)
		die(&err);
	return 0;
}

/* kcat -J envelopes on stdin to their payloads, one a line (null ones skipped). */
static int
cmd_unwrap(void)
{
	struct lines in = { NULL, 1u << 20, 0, 0, 0 };
	struct pk_buf out = PK_BUF_INIT;
	struct pk_err err = PK_ERR_INIT;
	unsigned long lineno = 0;
	char *line;
	size_t n;
	int rc;

	in.buf = pk_xmalloc(in.cap);
	while (next_line(&in, &line, &n)) {
		lineno++;
		if (n == 0)
			continue;
		pk_buf_reset(&out);
		if ((rc = pk_kcat_unwrap(line, n, &out, &err)) < 0) {
			fprintf(stderr, "pk-kafka: <stdin>:%lu: %s\n", lineno, err.msg);
			free(in.buf);
			pk_buf_release(&out);
			return 3;
		}
		if (rc == 0)
			continue;
		pk_buf_addc(&out, '\n');
		fwrite(out.p, 1, out.len, stdout);
	}
	free(in.buf);
	pk_buf_release(&out);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct opts o;
	int rc;

	memset(&o, 0, sizeof o);
	parse_args(&o, argc, argv);
	if (strcmp(o.cmd, "produce") == 0)
		rc = cmd_produce(&o);
	else if (strcmp(o.cmd, "consume") == 0)
		rc = cmd_consume(&o);
	else if (strcmp(o.cmd, "watermarks") == 0)
		rc = cmd_query(&o, 0);
	else if (strcmp(o.cmd, "lag") == 0)
		rc = cmd_query(&o, 1);
	else if (strcmp(o.cmd, "txn") == 0)
		rc = cmd_txn(&o);
	else if (strcmp(o.cmd, "unwrap") == 0)
		rc = cmd_unwrap();
	else
		usage("unknown command");
	pk_kconf_release(&o.conf);
	if (fclose(stdout) != 0 && rc == 0)
		rc = 4;
	return rc;
}
