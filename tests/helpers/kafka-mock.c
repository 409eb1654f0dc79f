/*
 * kafka-mock - a loopback Kafka cluster (librdkafka's mock brokers) for the
 * test suite and the benchmarks, with broker faults on a schedule or on demand.
 *
 * Usage: kafka-mock [-n BROKERS] [--down ID@SEC] [--up ID@SEC]
 *            [--errors APIKEY:ERRCODE:COUNT@SEC] [--max-seconds N]
 *            [--ignore-stdin] [TOPIC[:PARTITIONS]]...
 *
 * Once the cluster listens it prints "BROKERS=host:port,..." on stdout. It
 * runs until SIGTERM/SIGINT, until its stdin reaches end of file (so a test
 * that dies closes the pipe and takes its broker with it), or --max-seconds.
 * Commands read from stdin, one a line, act at once and are acknowledged on
 * stdout with "ok <command>" (or "error <command>: reason"):
 *
 *	down ID | up ID                 take broker ID off the network / back
 *	errors APIKEY ERRCODE COUNT     fail the next COUNT requests of APIKEY
 *	rtt ID MS                       add MS of round-trip delay to broker ID
 *	topic NAME PARTITIONS           create a topic
 *	leader TOPIC PARTITION ID       move a partition's leadership
 *
 * API keys and error codes are the protocol's numbers (Produce is 0, Fetch
 * 1, NOT_LEADER_OR_FOLLOWER is 6, REQUEST_TIMED_OUT 7; see the Kafka protocol
 * guide); negative error codes are librdkafka's local ones (-195 transport
 * failure makes the mock broker drop the connection).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

enum ev_kind { EV_DOWN, EV_UP, EV_ERRORS };

struct event {
	double at;		/* seconds after start */
	enum ev_kind kind;
	int id;			/* broker id, or API key */
	int code;
	int count;
	int done;
};

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: kafka-mock [-n BROKERS] [--down ID@SEC] [--up ID@SEC]\n"
	    "           [--errors APIKEY:ERRCODE:COUNT@SEC] [--max-seconds N]\n"
	    "           [--ignore-stdin] [TOPIC[:PARTITIONS]]...\n");
	exit(2);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	(void)fac;
	if (level <= 3 && getenv("KAFKA_MOCK_DEBUG") != NULL)
		fprintf(stderr, "kafka-mock: %s\n", buf);
}

static int
parse_event(const char *arg, enum ev_kind kind, struct event *ev)
{
	char *end;
	const char *at = strrchr(arg, '@');

	memset(ev, 0, sizeof *ev);
	ev->kind = kind;
	if (at == NULL)
		return -1;
	ev->at = strtod(at + 1, &end);
	if (*end != '\0' || end == at + 1 || ev->at < 0)
		return -1;
	if (kind == EV_ERRORS) {
		if (sscanf(arg, "%d:%d:%d@", &ev->id, &ev->code, &ev->count) != 3 || ev->count < 1)
			return -1;
	} else {
		ev->id = (int)strtol(arg, &end, 10);
		if (end != at || ev->id < 1)
			return -1;
	}
	return 0;
}

static int
push_errors(rd_kafka_mock_cluster_t *mc, int apikey, int code, int count)
{
	rd_kafka_resp_err_t *errs;
	int i;

	if (count < 1 || count > 1000000 || apikey < 0 || apikey > 32767)
		return -1;
	errs = malloc(sizeof *errs * (size_t)count);
	if (errs == NULL)
		return -1;
	for (i = 0; i < count; i++)
		errs[i] = (rd_kafka_resp_err_t)code;
	rd_kafka_mock_push_request_errors_array(mc, (int16_t)apikey, (size_t)count, errs);
	free(errs);
	return 0;
}

static void
run_event(rd_kafka_mock_cluster_t *mc, const struct event *ev)
{
	switch (ev->kind) {
	case EV_DOWN:
		rd_kafka_mock_broker_set_down(mc, ev->id);
		printf("ok down %d\n", ev->id);
		break;
	case EV_UP:
		rd_kafka_mock_broker_set_up(mc, ev->id);
		printf("ok up %d\n", ev->id);
		break;
	case EV_ERRORS:
		push_errors(mc, ev->id, ev->code, ev->count);
		printf("ok errors %d %d %d\n", ev->id, ev->code, ev->count);
		break;
	}
	fflush(stdout);
}

static int
create_topic(rd_kafka_mock_cluster_t *mc, const char *name, int partitions, int brokers)
{
	rd_kafka_resp_err_t e;

	if (partitions < 1 || *name == '\0')
		return -1;
	e = rd_kafka_mock_topic_create(mc, name, partitions, brokers < 3 ? brokers : 3);
	return e ? -1 : 0;
}

/* One stdin command line; the reply goes to stdout. */
static void
command(rd_kafka_mock_cluster_t *mc, char *line, int brokers)
{
	char word[32], name[256];
	int a, b, c, n, bad = 0;
	rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;

	line[strcspn(line, "\r\n")] = '\0';
	if (sscanf(line, "%31s%n", word, &n) != 1)
		return;
	if (strcmp(word, "down") == 0 && sscanf(line + n, "%d", &a) == 1)
		e = rd_kafka_mock_broker_set_down(mc, a);
	else if (strcmp(word, "up") == 0 && sscanf(line + n, "%d", &a) == 1)
		e = rd_kafka_mock_broker_set_up(mc, a);
	else if (strcmp(word, "errors") == 0 && sscanf(line + n, "%d %d %d", &a, &b, &c) == 3)
		bad = push_errors(mc, a, b, c);
	else if (strcmp(word, "rtt") == 0 && sscanf(line + n, "%d %d", &a, &b) == 2)
		e = rd_kafka_mock_broker_set_rtt(mc, a, b);
	else if (strcmp(word, "topic") == 0 && sscanf(line + n, "%255s %d", name, &a) == 2)
		bad = create_topic(mc, name, a, brokers);
	else if (strcmp(word, "leader") == 0 && sscanf(line + n, "%255s %d %d", name, &a, &b) == 3)
		e = rd_kafka_mock_partition_set_leader(mc, name, a, b);
	else
		bad = 1;
	if (bad)
		printf("error %s: bad command or arguments\n", line);
	else if (e)
		printf("error %s: %s\n", line, rd_kafka_err2str(e));
	else
		printf("ok %s\n", line);
	fflush(stdout);
}

int
main(int argc, char *argv[])
{
	struct event *evs = NULL;
	size_t nev = 0, i;
	int brokers = 1, watch_stdin = 1, i_arg;
	double max_seconds = 0, start;
	char errstr[512], line[1024];
	size_t linelen = 0;
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mc;
	struct sigaction sa;

	evs = calloc((size_t)argc, sizeof *evs);
	if (evs == NULL)
		return 4;
	for (i_arg = 1; i_arg < argc && argv[i_arg][0] == '-' && argv[i_arg][1] != '\0'; i_arg++) {
		const char *o = argv[i_arg];
		const char *v = i_arg + 1 < argc ? argv[i_arg + 1] : NULL;

		if (strcmp(o, "--") == 0) {
			i_arg++;
			break;
		}
		if (strcmp(o, "--ignore-stdin") == 0) {
			watch_stdin = 0;
			continue;
		}
		if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0)
			usage();
		if (v == NULL)
			usage();
		i_arg++;
		if (strcmp(o, "-n") == 0 || strcmp(o, "--brokers") == 0) {
			brokers = atoi(v);
			if (brokers < 1 || brokers > 64)
				usage();
		} else if (strcmp(o, "--max-seconds") == 0) {
			max_seconds = atof(v);
		} else if (strcmp(o, "--down") == 0) {
			if (parse_event(v, EV_DOWN, &evs[nev++]) < 0)
				usage();
		} else if (strcmp(o, "--up") == 0) {
			if (parse_event(v, EV_UP, &evs[nev++]) < 0)
				usage();
		} else if (strcmp(o, "--errors") == 0) {
			if (parse_event(v, EV_ERRORS, &evs[nev++]) < 0)
				usage();
		} else {
			usage();
		}
	}

	/* The mock needs a client handle for its bookkeeping; it never connects. */
	conf = rd_kafka_conf_new();
	rd_kafka_conf_set_log_cb(conf, quiet_log);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
	if (rk == NULL) {
		fprintf(stderr, "kafka-mock: %s\n", errstr);
		return 4;
	}
	mc = rd_kafka_mock_cluster_new(rk, brokers);
	if (mc == NULL) {
		fprintf(stderr, "kafka-mock: cannot create the mock cluster\n");
		rd_kafka_destroy(rk);
		return 4;
	}
	for (; i_arg < argc; i_arg++) {
		char *name = strdup(argv[i_arg]);
		char *colon = strrchr(name, ':');
		int parts = 1;

		if (colon != NULL) {
			*colon = '\0';
			parts = atoi(colon + 1);
		}
		if (create_topic(mc, name, parts, brokers) < 0) {
			fprintf(stderr, "kafka-mock: bad topic '%s'\n", argv[i_arg]);
			free(name);
			rd_kafka_mock_cluster_destroy(mc);
			rd_kafka_destroy(rk);
			return 2;
		}
		free(name);
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll() must wake up */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	printf("BROKERS=%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);

	start = now_s();
	while (!stop_signal) {
		struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
		double t = now_s() - start;
		int r;

		if (max_seconds > 0 && t >= max_seconds)
			break;
		for (i = 0; i < nev; i++) {
			if (!evs[i].done && t >= evs[i].at) {
				evs[i].done = 1;
				run_event(mc, &evs[i]);
			}
		}
		r = poll(&pfd, watch_stdin ? 1 : 0, 50);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0) {
			ssize_t got = read(STDIN_FILENO, line + linelen, sizeof line - 1 - linelen);
			char *nl;

			if (got <= 0) {
				if (got < 0 && errno == EINTR)
					continue;
				break;		/* stdin closed: our owner is gone */
			}
			linelen += (size_t)got;
			line[linelen] = '\0';
			while ((nl = memchr(line, '\n', linelen)) != NULL) {
				size_t one = (size_t)(nl - line) + 1;

				*nl = '\0';
				command(mc, line, brokers);
				memmove(line, line + one, linelen - one);
				linelen -= one;
				line[linelen] = '\0';
			}
			if (linelen == sizeof line - 1)
				linelen = 0;	/* an absurd line: drop it */
		}
	}
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	free(evs);
	return 0;
}
