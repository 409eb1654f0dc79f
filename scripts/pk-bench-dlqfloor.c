/*
 * pk-bench-dlqfloor - the least work a topic replay with a ledger must do,
 * for the benchmark that holds dlqreplay against kcat.
 *
 * usage: pk-bench-dlqfloor BROKERS TOPIC FILE LEDGER KEYFIELD
 *
 * Each line of FILE is checked to be a JSON object and its KEYFIELD
 * string taken as the key (pipekit's scanner, as dlqreplay does), its id
 * is the SHA-256 of key and payload in hex (dlqreplay's default id), an id
 * seen before is skipped, and the record is produced with one header,
 * pipekit-replay-attempt: 1, with the producer settings the benchmark gives
 * kcat (idempotence, acks=all). Each delivery report appends {"id":"..."}
 * to LEDGER, written and fdatasync'ed every 4096 reports on this thread.
 *
 * What it leaves out, and dlqreplay cannot: other kinds of dead letter,
 * filters, retries and backoff, the rate limit, -j and the per-id order,
 * the park file, loading and locking the ledger, keeping a success's slot
 * until its line is durable, messages, the summary. So its time is a
 * lower bound for dlqreplay's on the same machine, not a target.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/json.h"
#include "lib/sha256.h"

#define HEX_LEN (2 * PK_SHA256_LEN)

struct floor {
	int fd;			/* the ledger */
	struct pk_buf pend;	/* ledger lines not yet written */
	size_t npend;
	char *ids;		/* HEX_LEN bytes per record sent, by send order */
	size_t nids, idcap;
	uint64_t *set;		/* id hashes, open addressing; 0 is empty */
	size_t setcap, nset;
	long delivered, failed;
};

static void
die(const char *what)
{
	fprintf(stderr, "pk-bench-dlqfloor: %s\n", what);
	exit(1);
}

static void
sync_ledger(struct floor *f)
{
	if (f->pend.len == 0)
		return;
	if (write(f->fd, f->pend.p, f->pend.len) != (ssize_t)f->pend.len || fdatasync(f->fd) < 0)
		die("cannot write the ledger");
	pk_buf_reset(&f->pend);
	f->npend = 0;
}

static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct floor *f = opaque;
	size_t i = (size_t)(uintptr_t)m->_private;

	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		f->failed++;
		return;
	}
	f->delivered++;
	pk_buf_adds(&f->pend, "{\"id\":\"");
	pk_buf_add(&f->pend, f->ids + i * HEX_LEN, HEX_LEN);
	pk_buf_adds(&f->pend, "\"}\n");
	if (++f->npend == 4096)
		sync_ledger(f);
}

/* 1 when h was seen before; else it is added. */
static int
seen(struct floor *f, uint64_t h)
{
	size_t j;

	h |= 1;		/* never 0, the empty slot */
	if ((f->nset + 1) * 2 > f->setcap) {
		size_t cap = f->setcap ? f->setcap * 2 : 1024, i;
		uint64_t *set = pk_xcalloc(cap, sizeof *set);

		for (i = 0; i < f->setcap; i++) {
			if (f->set[i] == 0)
				continue;
			for (j = f->set[i] & (cap - 1); set[j] != 0; j = (j + 1) & (cap - 1))
				;
			set[j] = f->set[i];
		}
		free(f->set);
		f->set = set;
		f->setcap = cap;
	}
	for (j = h & (f->setcap - 1); f->set[j] != 0; j = (j + 1) & (f->setcap - 1))
		if (f->set[j] == h)
			return 1;
	f->set[j] = h;
	f->nset++;
	return 0;
}

/* dlqreplay's default id: SHA-256 over the length-prefixed key and payload. */
static void
record_id(const char *key, size_t kn, const char *line, size_t n, char hex[HEX_LEN + 1])
{
	struct pk_sha256 s;
	unsigned char len[8], d[PK_SHA256_LEN];

	pk_sha256_init(&s);
	pk_be64_put(len, (int64_t)kn);
	pk_sha256_update(&s, len, 8);
	pk_sha256_update(&s, key, kn);
	pk_be64_put(len, (int64_t)n);
	pk_sha256_update(&s, len, 8);
	pk_sha256_update(&s, line, n);
	pk_sha256_final(&s, d);
	pk_sha256_hex(d, hex);
}

int
main(int argc, char *argv[])
{
	struct floor f;
	struct pk_jdoc doc = PK_JDOC_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_buf key = PK_BUF_INIT;
	char errstr[512], hex[HEX_LEN + 1], *line = NULL;
	size_t cap = 0, kfn, i;
	ssize_t n;
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	FILE *in;

	if (argc != 6) {
		fprintf(stderr, "usage: pk-bench-dlqfloor BROKERS TOPIC FILE LEDGER KEYFIELD\n");
		return 2;
	}
	memset(&f, 0, sizeof f);
	kfn = strlen(argv[5]);
	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], errstr, sizeof errstr) ||
	    rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr, sizeof errstr) ||
	    rd_kafka_conf_set(conf, "acks", "all", errstr, sizeof errstr))
		die(errstr);
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_opaque(conf, &f);
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr)) == NULL)
		die(errstr);
	if ((rkt = rd_kafka_topic_new(rk, argv[2], NULL)) == NULL)
		die("cannot make the topic handle");
	if ((in = fopen(argv[3], "r")) == NULL)
		die("cannot open the input");
	if ((f.fd = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644)) < 0)
		die("cannot open the ledger");

	while ((n = getline(&line, &cap, in)) > 0) {
		rd_kafka_headers_t *hdrs;
		rd_kafka_resp_err_t e;

		if (line[n - 1] == '\n')
			n--;
		if (pk_json_index(&doc, line, (size_t)n, &err) < 0)
			die(err.msg);
		pk_buf_reset(&key);
		for (i = doc.nf; i-- > 0;)
			if (doc.f[i].kn == kfn && memcmp(doc.f[i].k, argv[5], kfn) == 0 &&
			    doc.f[i].v.type == PK_J_STR) {
				pk_jval_text(&doc.f[i].v, &key);
				break;
			}
		record_id(key.p ? key.p : "", key.len, line, (size_t)n, hex);
		if (seen(&f, pk_hash64(hex, HEX_LEN, 0)))
			continue;
		if (f.nids == f.idcap) {
			f.idcap = f.idcap ? f.idcap * 2 : 4096;
			f.ids = pk_xrealloc(f.ids, f.idcap * HEX_LEN);
		}
		memcpy(f.ids + f.nids * HEX_LEN, hex, HEX_LEN);
		hdrs = rd_kafka_headers_new(1);
		rd_kafka_header_add(hdrs, "pipekit-replay-attempt", 22, "1", 1);
		for (;;) {
			e = rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt),
			    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			    RD_KAFKA_V_KEY(key.p ? key.p : "", key.len),
			    RD_KAFKA_V_VALUE(line, (size_t)n),
			    RD_KAFKA_V_HEADERS(hdrs),
			    RD_KAFKA_V_OPAQUE((void *)(uintptr_t)f.nids),
			    RD_KAFKA_V_END);
			if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
				break;
			rd_kafka_poll(rk, 10);
		}
		if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
			die(rd_kafka_err2str(e));
		if (++f.nids % 256 == 0)
			rd_kafka_poll(rk, 0);
	}
	while (f.delivered + f.failed < (long)f.nids)
		rd_kafka_poll(rk, 10);
	sync_ledger(&f);
	rd_kafka_topic_destroy(rkt);
	rd_kafka_destroy(rk);
	if (f.failed > 0)
		die("some deliveries failed");
	fprintf(stderr, "pk-bench-dlqfloor: %zu sent, %ld delivered\n", f.nids, f.delivered);
	free(line);
	free(f.ids);
	free(f.set);
	pk_buf_release(&f.pend);
	pk_buf_release(&key);
	pk_jdoc_release(&doc);
	fclose(in);
	close(f.fd);
	return 0;
}
