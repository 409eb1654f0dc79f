/*
 * dlqreplay - replay dead letters to a command, a Kafka topic or stdout,
 * with retries, backoff and jitter, a rate limit, and a crash-safe ledger.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd/dlqreplay/letter.h"
#include "lib/backoff.h"
#include "lib/buf.h"
#include "lib/cli.h"
#include "lib/hash.h"
#include "lib/input.h"
#include "lib/json.h"
#include "lib/kafka.h"
#include "lib/kcat.h"
#include "lib/ledger.h"
#include "lib/sha256.h"
#include "lib/time.h"
#include "lib/writer.h"

extern char **environ;

enum {
	OPT_EXEC = PK_OPT_TOOL,
	OPT_TIMEOUT,
	OPT_MAX_ATTEMPTS,
	OPT_BACKOFF,
	OPT_JITTER,
	OPT_SEED,
	OPT_RATE,
	OPT_ORDERED,
	OPT_FILTER,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_DRY_RUN,
	OPT_LEDGER,
	OPT_ID,
	OPT_PARK,
	OPT_REPARTITION,
	OPT_KEEP_DLQ_HEADERS,
	OPT_KEY_JOIN
};

static const struct pk_opt options[] = {
	{ OPT_EXEC, "exec", PK_ARG_REQUIRED, "CMD", "run CMD (sh -c) per record, the record on its stdin" },
	{ OPT_TIMEOUT, "timeout", PK_ARG_REQUIRED, "D", "kill a command running longer than D (a retryable failure)" },
	{ 'b', "brokers", PK_ARG_REQUIRED, "LIST", "Kafka bootstrap brokers" },
	{ 't', "topic", PK_ARG_REQUIRED, "TOPIC", "produce to TOPIC, or @original (with -G and no operands: the DLQ topic)" },
	{ 'p', "partition", PK_ARG_REQUIRED, "P", "produce every record to partition P" },
	{ OPT_REPARTITION, "repartition", PK_ARG_NONE, NULL, "let the producer place records by key, not on the original partition" },
	{ OPT_KEEP_DLQ_HEADERS, "keep-dlq-headers", PK_ARG_NONE, NULL, "also send the __connect.errors.* and kafka_dlt-* headers" },
	{ 'G', "group", PK_ARG_REQUIRED, "GROUP", "read the DLQ topics named as operands in consumer group GROUP" },
	{ 'e', "exit", PK_ARG_NONE, NULL, "with -G: exit when every assigned partition is at its end" },
	{ 'X', "property", PK_ARG_REQUIRED, "PROP=VAL", "librdkafka property (repeatable; -X dump prints them)" },
	{ 'F', "config", PK_ARG_REQUIRED, "FILE", "librdkafka properties file" },
	{ OPT_MAX_ATTEMPTS, "max-attempts", PK_ARG_REQUIRED, "N", "attempts per record, the first included (default 5)" },
	{ OPT_BACKOFF, "backoff", PK_ARG_REQUIRED, "BASE..CAP", "retry delays (default 1s..5m)" },
	{ OPT_JITTER, "jitter", PK_ARG_REQUIRED, "KIND", "full (default), equal, decorrelated, none" },
	{ OPT_SEED, "seed", PK_ARG_REQUIRED, "N", "seed of the jitter (default: from the clock)" },
	{ OPT_RATE, "rate", PK_ARG_REQUIRED, "N/s", "at most N attempts per second (also N/m, N/h)" },
	{ 'j', "jobs", PK_ARG_REQUIRED, "N", "records in flight at once (default 1)" },
	{ OPT_ORDERED, "ordered", PK_ARG_NONE, NULL, "with -j: one record per key in flight, in input order" },
	{ 'k', "key", PK_ARG_REQUIRED, "FIELD[,...]", "key of plain records and envelopes (--ordered, Kafka key; a,b is a composite key)" },
	{ OPT_KEY_JOIN, "key-join", PK_ARG_REQUIRED, "SEP", "separator of composite key parts (default '|')" },
	{ OPT_FILTER, "filter", PK_ARG_REQUIRED, "FIELD=GLOB", "replay only records whose FIELD matches GLOB (repeatable: all must)" },
	{ 'T', "time", PK_ARG_REQUIRED, "FIELD", "the dead letter's time from FIELD" },
	PK_OPT_TIME_UNIT_ENTRY,
	{ OPT_SINCE, "since", PK_ARG_REQUIRED, "TIME", "only dead letters at or after TIME" },
	{ OPT_UNTIL, "until", PK_ARG_REQUIRED, "TIME", "only dead letters before TIME" },
	{ OPT_DRY_RUN, "dry-run", PK_ARG_NONE, NULL, "print the plan as NDJSON, send nothing" },
	{ OPT_LEDGER, "ledger", PK_ARG_REQUIRED, "FILE", "skip ids FILE holds; append each success, fsynced" },
	{ OPT_ID, "id", PK_ARG_REQUIRED, "FIELD", "id of a record (default: SHA-256 of key and payload)" },
	{ OPT_PARK, "park", PK_ARG_REQUIRED, "FILE", "append records that exhausted their attempts, with their history" },
	PK_OPTS_RECORDS,
	PK_OPTS_BASIC,
	PK_OPTS_END
};

enum target { T_STDOUT, T_EXEC, T_TOPIC };
enum estate { E_PENDING, E_RUNNING, E_WAITING, E_DONE };
enum verdict { V_SEND, V_DUP, V_FILTERED, V_REJECTED };

/* A record from reading to its outcome. What every record's scheduling
 * and delivery report touch comes first, in one cache line. */
struct entry {
	enum estate state;
	int dr_done, dr_err;	/* Kafka target: delivery result */
	int attempt;		/* attempts started */
	uint32_t ref;		/* the id's ledger ref; NOREF before decide */
	uint32_t tk;		/* ticket among records with this id */
	uint32_t kref, ktk;	/* --ordered: key slot and ticket; kref NOREF: no key */
	int32_t dest_part;
	uint64_t seq;
	struct entry *next_free;
	const char *source;	/* interned file name, or ksrc */
	long line;
	enum verdict verdict;	/* from reading: V_SEND, V_FILTERED or V_REJECTED */
	struct letter L;
	int64_t due;		/* E_WAITING: monotonic ns of the next attempt */
	int64_t prev_delay;
	int64_t started;	/* wall ns of the current attempt */
	struct pk_rng rng;
	struct pk_buf hist;	/* ,{attempt..}... */
	struct pk_buf lasterr;
	struct pk_buf dr_msg;	/* a failed delivery's error */
	/* exec */
	pid_t pid;
	int wfd;
	struct pk_buf in;
	size_t wpos;
	int64_t deadline, kill_at;
	int killed;
	/* Kafka source: where it came from, for committing */
	struct pk_buf ksrc;	/* topic[partition]@offset */
	char *ktopic;
	int32_t kpart;
	int64_t koff;
};

struct filter {
	struct pk_path path;
	char *glob;
};

/* What reading and the first half of deciding use: the entry pool,
 * scratch buffers, the first error of a reject that could not be written. */
struct rdctx {
	struct entry *free_list;
	struct pk_buf tmp, tmp2;
	struct pk_buf id;	/* the last letter's id, until the ledger holds it */
	uint64_t idh;		/* its pk_ledger_hash */
	int failed;		/* a reject or the input failed: err says why */
	struct pk_err err;
};

struct R {
	struct pk_cli *cli;
	struct pk_input *in;
	enum target target;
	const char *exec_cmd;
	int64_t timeout;
	const char *topic;		/* target topic, "@original", or NULL */
	int original;
	int32_t force_part;
	int repartition, keep_dlq_headers;
	const char *group;
	int at_end;
	struct pk_kconf kconf;
	int kconf_used;
	struct pk_kprod *prod;
	struct pk_kcons *cons;
	char **src_topics;
	size_t nsrc;

	int max_attempts;
	struct pk_backoff bo;
	uint64_t seed;
	struct pk_tbucket tb;
	int jobs, ordered;
	struct pk_path *kparts;		/* -k: the parts of the key */
	size_t nkparts;
	const char *join;		/* --key-join */
	struct pk_path idp, timep;
	int has_idp, has_timep;
	enum pk_time_unit unit;
	struct filter *filters;
	size_t nfilters;
	int64_t since, until;
	int has_since, has_until;
	int dry_run;
	const char *ledger_path, *park_path;
	struct pk_ledger ledger;
	struct pk_writer *park;

	/* the queue, in read order */
	struct entry **q;
	size_t qlen, qcap;
	size_t active;		/* started, no outcome yet */
	int bg;			/* the ledger syncs in the background (topic target) */
	size_t held;		/* with bg: successes not yet durable, their slots still taken */
	size_t pending;
	size_t nwaiting;	/* E_WAITING */
	size_t ndone;		/* E_DONE still in the queue */
	struct entry **dr;	/* delivery reports since the last look */
	size_t ndr, drcap;
	uint64_t seq;
	int eof;
	int64_t last_commit;
	int stored;

	size_t scan;		/* q[0..scan) holds no E_PENDING entry */
	/* Tickets: records with one id (and, with --ordered, one key) start in
	 * input order, one at a time: a record may start when its ticket is
	 * being served; finishing serves the next. Indexed by ledger ref. */
	uint32_t *tk_next, *tk_serve;
	size_t tkcap;
	/* --ordered: key hash -> slot in knext/kserve (open addressing) */
	uint64_t *kh;
	uint32_t *kslot, *knext, *kserve;
	size_t kcap, nkeys;
	/* file names, interned: one copy each */
	char **names;
	size_t nnames;
	struct pk_khdr *hdrs;	/* start_topic's header array, reused */
	size_t hcap;
	int64_t wall;		/* wall clock read once per scheduling pass */
	struct pk_buf memb;	/* ledger members text for (memb_ms, memb_attempt) */
	int64_t memb_ms;
	int memb_attempt;

	/* scan-local sets (stamped open addressing) */
	uint64_t *sh;
	uint32_t *sstamp;
	size_t scap;
	uint32_t stamp;

	struct rdctx rc_main;	/* reading context */

	int sigpipe[2];
	uint64_t read, replayed, dups, parked, filtered, rejected, unfinished;
	struct pk_buf tmp, tmp2, out;
};

static volatile sig_atomic_t chld_fd = -1;

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * PK_NS_PER_SEC + ts.tv_nsec;
}

static int64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * PK_NS_PER_SEC + ts.tv_nsec;
}

static void
on_chld(int sig)
{
	int e = errno;

	(void)sig;
	if (chld_fd >= 0)
		(void)!write(chld_fd, "c", 1);
	errno = e;
}

static void summary(struct R *r, const char *why);

static void
die(struct R *r, struct pk_err *err)
{
	uint64_t done;
	size_t i;

	/* Children keep their own process groups: stop them with us. */
	for (i = 0; i < r->qlen; i++)
		if (r->q[i]->state == E_RUNNING && r->q[i]->pid > 0)
			kill(-r->q[i]->pid, SIGTERM);
	/* A run stopped midway (--max-errors) still says what it did, as at
	 * its end: what was sent before the stop is not left unreported. */
	if (r->cons == NULL && r->in != NULL) {
		r->read = r->in->rej.read;
		r->rejected = r->in->rej.rejected;
	}
	if (r->read > 0) {
		done = r->replayed + r->dups + r->parked + r->filtered + r->rejected;
		r->unfinished = r->read > done ? r->read - done : 0;
		summary(r, "stopped");
	}
	pk_die(r->cli, err);
}

/* --- the scan-local hash set ------------------------------------------------ */

static void
set_begin(struct R *r, size_t need)
{
	if (need * 2 > r->scap) {
		size_t cap = 64;

		while (cap < need * 2)
			cap *= 2;
		free(r->sh);
		free(r->sstamp);
		r->sh = pk_xmalloc(cap * sizeof *r->sh);
		r->sstamp = pk_xcalloc(cap, sizeof *r->sstamp);
		r->scap = cap;
		r->stamp = 0;
	}
	if (++r->stamp == 0) {
		memset(r->sstamp, 0, r->scap * sizeof *r->sstamp);
		r->stamp = 1;
	}
}

/* 1 when h is in the set; with add, insert it. */
static int
set_has(struct R *r, uint64_t h, int add)
{
	size_t j;

	for (j = h & (r->scap - 1); r->sstamp[j] == r->stamp; j = (j + 1) & (r->scap - 1))
		if (r->sh[j] == h)
			return 1;
	if (add) {
		r->sstamp[j] = r->stamp;
		r->sh[j] = h;
	}
	return 0;
}

/* --- entries --------------------------------------------------------------- */

#define NOREF UINT32_MAX

/* An entry from the reading context's pool (or a new one). */
static struct entry *
entry_get(struct rdctx *c)
{
	struct entry *e = c->free_list;

	/* Buffers that only failures, retries or Kafka sources fill are
	 * emptied where they are filled: a pooled entry touches little. */
	if (e != NULL) {
		c->free_list = e->next_free;
	} else {
		e = pk_xcalloc(1, sizeof *e);
		letter_init(&e->L);
	}
	e->state = E_PENDING;
	e->attempt = 0;
	e->prev_delay = 0;
	e->pid = -1;
	e->wfd = -1;
	e->killed = 0;
	e->dr_done = 0;
	e->ref = NOREF;
	e->kref = NOREF;
	e->ktopic = NULL;
	e->kpart = -1;
	e->koff = -1;
	e->source = NULL;
	e->hist.len = 0;
	return e;
}

static void
entry_put(struct entry **free_list, struct entry *e)
{
	free(e->ktopic);
	e->ktopic = NULL;
	e->next_free = *free_list;
	*free_list = e;
}

static void
entry_free(struct entry *e)
{
	letter_release(&e->L);
	free(e->ktopic);
	pk_buf_release(&e->ksrc);
	pk_buf_release(&e->hist);
	pk_buf_release(&e->lasterr);
	pk_buf_release(&e->in);
	pk_buf_release(&e->dr_msg);
	free(e);
}

/* The record's id (borrowed from the ledger: valid until it grows). */
static const char *
id_of(const struct R *r, const struct entry *e, size_t *n)
{
	if (e->ref == NOREF) {
		*n = 0;
		return "";
	}
	*n = r->ledger.ref[e->ref].len;
	return r->ledger.ids.p + r->ledger.ref[e->ref].off;
}

/* One copy of each file name for every record read from it. */
static const char *
intern(struct R *r, const char *name)
{
	size_t i;

	for (i = r->nnames; i-- > 0;)
		if (strcmp(r->names[i], name) == 0)
			return r->names[i];
	r->names = pk_xrealloc(r->names, (r->nnames + 1) * sizeof *r->names);
	r->names[r->nnames] = pk_xstrdup(name);
	return r->names[r->nnames++];
}

/* A ticket for e among the records with its id. */
static void
ticket_id(struct R *r, struct entry *e)
{
	if (e->ref >= r->tkcap) {
		size_t cap = r->tkcap ? r->tkcap : 1024;

		while (cap <= e->ref)
			cap *= 2;
		r->tk_next = pk_xrealloc(r->tk_next, cap * sizeof *r->tk_next);
		r->tk_serve = pk_xrealloc(r->tk_serve, cap * sizeof *r->tk_serve);
		memset(r->tk_next + r->tkcap, 0, (cap - r->tkcap) * sizeof *r->tk_next);
		memset(r->tk_serve + r->tkcap, 0, (cap - r->tkcap) * sizeof *r->tk_serve);
		r->tkcap = cap;
	}
	e->tk = r->tk_next[e->ref]++;
}

/* --ordered: a ticket for e among the records with its key. */
static void
ticket_key(struct R *r, struct entry *e)
{
	uint64_t h = pk_hash64(e->L.key.p ? e->L.key.p : "", e->L.key.len, 2);
	size_t j;

	if ((r->nkeys + 1) * 2 > r->kcap) {
		size_t cap = r->kcap ? r->kcap * 2 : 1024, i;
		uint64_t *kh = pk_xmalloc(cap * sizeof *kh);
		uint32_t *ks = pk_xmalloc(cap * sizeof *ks);

		for (i = 0; i < cap; i++)
			ks[i] = NOREF;
		for (i = 0; i < r->kcap; i++) {
			if (r->kslot[i] == NOREF)
				continue;
			for (j = r->kh[i] & (cap - 1); ks[j] != NOREF; j = (j + 1) & (cap - 1))
				;
			kh[j] = r->kh[i];
			ks[j] = r->kslot[i];
		}
		free(r->kh);
		free(r->kslot);
		r->kh = kh;
		r->kslot = ks;
		r->kcap = cap;
		r->knext = pk_xrealloc(r->knext, cap / 2 * sizeof *r->knext);
		r->kserve = pk_xrealloc(r->kserve, cap / 2 * sizeof *r->kserve);
	}
	/* Two keys with one 64-bit hash would only take turns: harmless. */
	for (j = h & (r->kcap - 1); r->kslot[j] != NOREF; j = (j + 1) & (r->kcap - 1))
		if (r->kh[j] == h)
			break;
	if (r->kslot[j] == NOREF) {
		r->kh[j] = h;
		r->kslot[j] = (uint32_t)r->nkeys;
		r->knext[r->nkeys] = r->kserve[r->nkeys] = 0;
		r->nkeys++;
	}
	e->kref = r->kslot[j];
	e->ktk = r->knext[e->kref]++;
}

/* May e start now, as far as records before it with its id or key go? */
static int
its_turn(const struct R *r, const struct entry *e)
{
	return r->tk_serve[e->ref] == e->tk &&
	    (e->kref == NOREF || r->kserve[e->kref] == e->ktk);
}

/* e has its outcome: the next record with its id (and key) may go. */
static void
finish(struct R *r, struct entry *e)
{
	e->state = E_DONE;
	r->ndone++;
	r->tk_serve[e->ref]++;
	if (e->kref != NOREF)
		r->kserve[e->kref]++;
}

/* --- reading and deciding ------------------------------------------------ */

/* Reject e with why; a reject that cannot be written fails c. */
static void
reject(struct R *r, struct rdctx *c, struct entry *e, const char *why)
{
	const char *text;
	size_t n;

	r->rejected++;
	text = letter_text(&e->L, &n);
	if (!c->failed && pk_reject_add(&r->in->rej, e->source, e->line, text, n, why,
	    &c->err) < 0)
		c->failed = 1;
}

static void
default_id(struct entry *e, struct pk_buf *id)
{
	struct pk_sha256 s;
	unsigned char len[8], d[PK_SHA256_LEN];
	char hex[2 * PK_SHA256_LEN + 1];

	/* Length-prefixed so that key and payload cannot trade bytes; all
	 * ones for null (no key, a tombstone). */
	pk_sha256_init(&s);
	if (e->L.has_key)
		pk_be64_put(len, (int64_t)e->L.key.len);
	else
		memset(len, 0xff, 8);
	pk_sha256_update(&s, len, 8);
	pk_sha256_update(&s, e->L.key.p ? e->L.key.p : "", e->L.key.len);
	if (e->L.payload_null)
		memset(len, 0xff, 8);
	else
		pk_be64_put(len, (int64_t)e->L.payload.len);
	pk_sha256_update(&s, len, 8);
	pk_sha256_update(&s, e->L.payload.p ? e->L.payload.p : "", e->L.payload.len);
	pk_sha256_final(&s, d);
	pk_sha256_hex(d, hex);
	pk_buf_add(id, hex, 2 * PK_SHA256_LEN);
}

/* The topic a letter goes to (target T_TOPIC). */
static const char *
dest_topic(struct R *r, struct entry *e)
{
	return r->original ? e->L.orig_topic.p : r->topic;
}

/* -k: the key's parts joined by --key-join; no key when a part is absent
 * or null (as pk_json_key has it). */
static void
record_key(struct R *r, struct rdctx *c, struct entry *e)
{
	size_t i;

	if (r->nkparts == 1) {
		e->L.has_key = letter_field(&e->L, &r->kparts[0], &e->L.key);
		return;
	}
	pk_buf_reset(&e->L.key);
	e->L.has_key = 1;
	for (i = 0; i < r->nkparts; i++) {
		if (!letter_field(&e->L, &r->kparts[i], &c->tmp)) {
			pk_buf_reset(&e->L.key);
			e->L.has_key = 0;
			return;
		}
		if (i > 0)
			pk_buf_adds(&e->L.key, r->join);
		pk_buf_add(&e->L.key, c->tmp.p, c->tmp.len);
	}
}

/*
 * What happens to a letter just read, as far as the letter alone tells:
 * V_FILTERED, V_REJECTED, or V_SEND with its id in c->id and c->idh (the
 * ledger has its say in decide_ledger). It touches only e, c and the
 * settings.
 */
static enum verdict
decide_read(struct R *r, struct rdctx *c, struct entry *e)
{
	struct pk_err err;	/* not PK_ERR_INIT: a KiB zeroed per record adds up */
	size_t i;

	err.kind = PK_ERR_NONE;
	err.msg[0] = '\0';
	for (i = 0; i < r->nfilters; i++)
		if (!letter_field(&e->L, &r->filters[i].path, &c->tmp) ||
		    fnmatch(r->filters[i].glob, c->tmp.p ? c->tmp.p : "", 0) != 0)
			return V_FILTERED;
	if (r->has_timep) {
		e->L.has_time = 0;
		if (letter_field(&e->L, &r->timep, &c->tmp) &&
		    pk_time_parse(c->tmp.p, c->tmp.len, r->unit, &e->L.time_ns, &err) == 0)
			e->L.has_time = 1;
	}
	if (r->has_since || r->has_until) {
		if (!e->L.has_time) {
			pk_buf_reset(&c->tmp2);
			if (r->has_timep)
				pk_buf_printf(&c->tmp2, "no time in field '%s' for --since/--until",
				    r->timep.text);
			else
				pk_buf_adds(&c->tmp2, "no time for --since/--until (use -T FIELD)");
			reject(r, c, e, c->tmp2.p);
			return V_REJECTED;
		}
		if ((r->has_since && e->L.time_ns < r->since) ||
		    (r->has_until && e->L.time_ns >= r->until))
			return V_FILTERED;
	}
	if (r->nkparts > 0 && e->L.kind != LETTER_KCAT)
		record_key(r, c, e);
	if (r->has_idp) {
		if (!letter_field(&e->L, &r->idp, &c->id)) {
			pk_buf_reset(&c->tmp2);
			pk_buf_printf(&c->tmp2, "no id field '%s'", r->idp.text);
			reject(r, c, e, c->tmp2.p);
			return V_REJECTED;
		}
	} else {
		pk_buf_reset(&c->id);
		default_id(e, &c->id);
	}
	if (r->target == T_TOPIC) {
		const char *t = dest_topic(r, e);

		if (r->original && e->L.orig_topic.len == 0) {
			reject(r, c, e, "no original topic in its headers (-t @original)");
			return V_REJECTED;
		}
		if (e->L.dlq_topic.len > 0 && strcmp(t, e->L.dlq_topic.p) == 0) {
			pk_buf_reset(&c->tmp2);
			pk_buf_printf(&c->tmp2, "refusing to send back to '%s', the topic it was "
			    "read from", t);
			reject(r, c, e, c->tmp2.p);
			return V_REJECTED;
		}
	}
	if (c->id.len > UINT32_MAX) {
		reject(r, c, e, "id longer than 4 GiB");
		return V_REJECTED;
	}
	c->idh = pk_ledger_hash(c->id.p, c->id.len);
	return V_SEND;
}

/* The ledger's say on a V_SEND letter: the one lookup of
 * its id; the ref answers every later question. V_SEND or V_DUP. */
static enum verdict
decide_ledger(struct R *r, struct rdctx *c, struct entry *e)
{
	e->ref = pk_ledger_ref(&r->ledger, c->idh, c->id.p ? c->id.p : "", c->id.len);
	return pk_ledger_done(&r->ledger, e->ref) ? V_DUP : V_SEND;
}

static void
plan_line(struct R *r, struct entry *e, const char *action)
{
	struct pk_err err = PK_ERR_INIT;
	struct pk_buf *b = &r->out;

	pk_buf_reset(b);
	pk_buf_adds(b, "{\"source\":");
	pk_buf_add_json_str(b, e->source, strlen(e->source));
	pk_buf_adds(b, ",\"line\":");
	if (e->line > 0)
		pk_buf_add_i64(b, e->line);
	else
		pk_buf_adds(b, "null");
	pk_buf_adds(b, ",\"action\":\"");
	pk_buf_adds(b, action);
	pk_buf_adds(b, "\",\"id\":");
	if (e->ref != NOREF) {
		size_t n;
		const char *id = id_of(r, e, &n);

		pk_buf_add_json_str(b, id, n);
	} else {
		pk_buf_adds(b, "null");
	}
	pk_buf_adds(b, ",\"time\":");
	if (e->L.has_time) {
		pk_buf_addc(b, '"');
		pk_time_format(e->L.time_ns, b);
		pk_buf_addc(b, '"');
	} else {
		pk_buf_adds(b, "null");
	}
	if (strcmp(action, "replay") == 0) {
		pk_buf_adds(b, ",\"target\":");
		if (r->target == T_EXEC) {
			pk_buf_adds(b, "\"exec\"");
		} else if (r->target == T_STDOUT) {
			pk_buf_adds(b, "\"stdout\"");
		} else {
			const char *t = dest_topic(r, e);
			int32_t part = r->force_part >= 0 ? r->force_part :
			    r->repartition ? -1 : e->L.orig_partition;

			pk_buf_adds(b, "\"topic\",\"topic\":");
			pk_buf_add_json_str(b, t, strlen(t));
			pk_buf_adds(b, ",\"partition\":");
			if (part >= 0)
				pk_buf_add_i64(b, part);
			else
				pk_buf_adds(b, "null");
		}
		pk_buf_adds(b, ",\"key\":");
		if (e->L.has_key)
			pk_buf_add_json_bytes(b, e->L.key.p ? e->L.key.p : "", e->L.key.len);
		else
			pk_buf_adds(b, "null");
	}
	pk_buf_addc(b, '}');
	if (pk_writer_line(r->cli->out, b->p, b->len, &err) < 0)
		die(r, &err);
}

/* The next record of the files into a new entry: 1 with *out, 0 at the
 * end, -1 with c->err. */
static int
read_file(struct R *r, struct rdctx *c, struct entry **out)
{
	struct pk_err err;	/* not PK_ERR_INIT: a KiB zeroed per record adds up */
	const struct pk_rec *rec;
	struct entry *e;
	int rc;

	err.kind = PK_ERR_NONE;
	err.msg[0] = '\0';
	for (;;) {
		if ((rc = pk_input_next(r->in, &rec, &c->err)) < 0) {
			c->failed = 1;
			return -1;
		}
		if (rc == 0)
			return 0;
		r->read++;
		e = entry_get(c);
		e->source = intern(r, rec->source);
		e->line = rec->line;
		/* CSV rows replay as their JSON object. */
		if (letter_parse(&e->L, rec->json, rec->jsonn, &rec->doc, &err) < 0) {
			r->rejected++;
			entry_put(&c->free_list, e);
			if (pk_input_reject(r->in, rec, err.msg, &c->err) < 0) {
				c->failed = 1;
				return -1;
			}
			continue;
		}
		*out = e;
		return 1;
	}
}

/*
 * One dead letter from a DLQ topic into a new entry: 1 with
 * *out, 0 at the end, 2 nothing available now.
 */
static int
read_topic(struct R *r, struct entry **out, int wait_ms)
{
	struct pk_err err;	/* not PK_ERR_INIT: a KiB zeroed per record adds up */
	struct rdctx *c = &r->rc_main;
	const struct pk_krec *k;
	struct entry *e;
	int rc;

	err.kind = PK_ERR_NONE;
	err.msg[0] = '\0';
	if ((rc = pk_kcons_poll(r->cons, wait_ms, &k, &err)) < 0)
		die(r, &err);
	if (rc == 0)
		return 0;
	if (rc == PK_KPOLL_IDLE)
		return 2;
	e = entry_get(c);
	pk_buf_reset(&c->tmp);
	pk_kcat_write(&c->tmp, k);
	while (c->tmp.len > 0 && c->tmp.p[c->tmp.len - 1] == '\n')
		c->tmp.len--;
	pk_buf_reset(&e->ksrc);
	pk_buf_add(&e->ksrc, k->topic, k->topiclen);
	pk_buf_printf(&e->ksrc, "[%ld]@%lld", (long)k->partition, (long long)k->offset);
	e->source = e->ksrc.p;
	e->line = 0;
	e->ktopic = pk_xstrndup(k->topic, k->topiclen);
	e->kpart = k->partition;
	e->koff = k->offset;
	r->read++;
	if (letter_parse(&e->L, c->tmp.p, c->tmp.len, NULL, &err) < 0) {
		pk_buf_reset(&e->L.line);
		pk_buf_add(&e->L.line, c->tmp.p, c->tmp.len);
		reject(r, c, e, err.msg);
		e->state = E_DONE;
	}
	*out = e;
	return 1;
}

/*
 * The next letter, read and judged as far as it alone goes (verdict):
 * 1 with *out, 0 at the end, 2 nothing available now (Kafka source).
 */
static int
next_letter(struct R *r, struct entry **out, int wait_ms)
{
	struct rdctx *c = &r->rc_main;
	int rc;

	if (r->cons != NULL)
		rc = read_topic(r, out, wait_ms);
	else
		rc = read_file(r, c, out);
	if (rc < 0)
		die(r, &c->err);
	if (rc == 1 && (*out)->state != E_DONE)
		(*out)->verdict = decide_read(r, c, *out);
	if (c->failed)
		die(r, &c->err);
	return rc;
}

/* --- outcomes ---------------------------------------------------------------- */

static void
hist_add(struct entry *e, const char *what)
{
	pk_buf_adds(&e->hist, e->hist.len ? ",{\"attempt\":" : "{\"attempt\":");
	pk_buf_add_i64(&e->hist, e->attempt);
	pk_buf_adds(&e->hist, ",\"time\":\"");
	pk_time_format(e->started, &e->hist);
	pk_buf_adds(&e->hist, "\",");
	pk_buf_adds(&e->hist, what);
	pk_buf_addc(&e->hist, '}');
}

static void
park(struct R *r, struct entry *e)
{
	struct pk_err err = PK_ERR_INIT;
	struct pk_buf *b = &r->out;
	const char *raw;
	size_t rawn;

	r->parked++;
	if (!r->cli->quiet && e->line > 0)
		fprintf(stderr, "%s: %s:%ld: parked after %d attempt%s: %s\n", r->cli->prog,
		    e->source, e->line, e->attempt, e->attempt == 1 ? "" : "s",
		    e->lasterr.p ? e->lasterr.p : "");
	else if (!r->cli->quiet)
		/* A letter from a topic has no line: its source says topic[partition]@offset. */
		fprintf(stderr, "%s: %s: parked after %d attempt%s: %s\n", r->cli->prog,
		    e->source, e->attempt, e->attempt == 1 ? "" : "s",
		    e->lasterr.p ? e->lasterr.p : "");
	if (r->park == NULL)
		return;
	/* What a later replay of the park file needs: a kcat record whole
	 * (key, headers, topic), else the original record. */
	if (e->L.kind == LETTER_KCAT) {
		raw = e->L.kline.p;
		rawn = e->L.kline.len;
	} else {
		raw = e->L.payload.p;
		rawn = e->L.payload.len;
	}
	if (raw == NULL)
		raw = "";
	pk_buf_reset(b);
	pk_buf_adds(b, "{\"error\":");
	pk_buf_add_json_str(b, e->lasterr.p ? e->lasterr.p : "", e->lasterr.len);
	pk_buf_adds(b, ",\"tool\":\"dlqreplay\",\"source\":");
	pk_buf_add_json_str(b, e->source, strlen(e->source));
	pk_buf_adds(b, ",\"line\":");
	if (e->line > 0)
		pk_buf_add_i64(b, e->line);
	else
		pk_buf_adds(b, "null");
	if (pk_utf8_valid(raw, rawn)) {
		pk_buf_adds(b, ",\"raw\":");
		pk_buf_add_json_str(b, raw, rawn);
	} else {
		pk_buf_adds(b, ",\"raw_base64\":\"");
		pk_buf_add_base64(b, raw, rawn);
		pk_buf_addc(b, '"');
	}
	pk_buf_adds(b, ",\"id\":");
	{
		size_t n;
		const char *id;

		id = id_of(r, e, &n);
		pk_buf_add_json_str(b, id, n);
	}
	pk_buf_adds(b, ",\"attempts\":[");
	pk_buf_add(b, e->hist.p ? e->hist.p : "", e->hist.len);
	pk_buf_adds(b, "],\"ts\":\"");
	pk_time_format(wall_ns(), b);
	pk_buf_adds(b, "\"}");
	if (pk_writer_line(r->park, b->p, b->len, &err) < 0)
		die(r, &err);
}

/*
 * The attempt just made ended: ok, a retryable failure, or a permanent
 * one. what is the history item's body, why the message for people.
 */
static void
attempt_done(struct R *r, struct entry *e, int ok, int retry, const char *what, const char *why)
{
	if (ok) {
		/* The history is only written for parked records. */
		r->replayed++;
		if (r->ledger.fd >= 0) {
			int64_t ms = wall_ns() / 1000000;

			/* One members text per millisecond and attempt count. */
			if (ms != r->memb_ms || e->attempt != r->memb_attempt || r->memb.len == 0) {
				r->memb_ms = ms;
				r->memb_attempt = e->attempt;
				pk_buf_reset(&r->memb);
				pk_buf_adds(&r->memb, ",\"ts\":\"");
				pk_time_format(ms * 1000000, &r->memb);
				pk_buf_adds(&r->memb, "\",\"attempts\":");
				pk_buf_add_i64(&r->memb, e->attempt);
			}
			/* With the writer in the background the slot stays taken
			 * until the line is durable: at most one success per slot
			 * can be lost to a crash, as without it. */
			if (pk_ledger_succeed(&r->ledger, e->ref, r->memb.p) == 1 && r->bg)
				r->held++;
		} else {
			pk_ledger_succeed(&r->ledger, e->ref, NULL);
		}
		finish(r, e);
		r->active--;
		return;
	}
	hist_add(e, what);
	pk_buf_reset(&e->lasterr);
	pk_buf_adds(&e->lasterr, why);
	if (retry && e->attempt < r->max_attempts && !pk_cli_interrupted()) {
		e->state = E_WAITING;
		r->nwaiting++;	/* schedule() now looks from the front of the queue */
		e->due = mono_ns() + pk_backoff_delay(&r->bo, &e->rng, (unsigned)e->attempt,
		    &e->prev_delay);
		return;
	}
	if (retry && pk_cli_interrupted()) {
		r->unfinished++;
	} else {
		park(r, e);
	}
	finish(r, e);
	r->active--;
}

/* --- targets ------------------------------------------------------------------ */

/* pipe2(O_CLOEXEC) is not POSIX 2008: the same with fcntl (single-threaded
 * while commands run, so no other fork can slip in between). */
static int
cloexec_pipe(int p[2], int nonblock)
{
	int i;

	if (pipe(p) < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		fcntl(p[i], F_SETFD, FD_CLOEXEC);
		if (nonblock)
			fcntl(p[i], F_SETFL, fcntl(p[i], F_GETFL) | O_NONBLOCK);
	}
	return 0;
}

static void
close_wfd(struct entry *e)
{
	if (e->wfd >= 0) {
		close(e->wfd);
		e->wfd = -1;
	}
}

/* Feed the child's stdin as far as it takes it without blocking. */
static void
feed(struct entry *e)
{
	struct sigaction ign, old;

	if (e->wfd < 0)
		return;
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	while (e->wpos < e->in.len) {
		ssize_t w = write(e->wfd, e->in.p + e->wpos, e->in.len - e->wpos);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				close_wfd(e);	/* EPIPE: the command did not read it all */
			break;
		}
		e->wpos += (size_t)w;
	}
	sigaction(SIGPIPE, &old, NULL);
	if (e->wfd >= 0 && e->wpos == e->in.len)
		close_wfd(e);
}

static void
start_exec(struct R *r, struct entry *e)
{
	char attempt[64], *idvar, **envp, *argv[4];
	size_t n = 0, i;
	int p[2];
	pid_t pid;
	sigset_t all;

	if (cloexec_pipe(p, 0) < 0) {
		struct pk_err err = PK_ERR_INIT;

		pk_err_errno(&err, PK_ERR_IO, "pipe");
		die(r, &err);
	}
	snprintf(attempt, sizeof attempt, "PIPEKIT_REPLAY_ATTEMPT=%d", e->attempt);
	pk_buf_reset(&r->tmp2);
	pk_buf_adds(&r->tmp2, "PIPEKIT_REPLAY_ID=");
	{
		size_t idn;
		const char *id = id_of(r, e, &idn);

		pk_buf_add(&r->tmp2, id, idn);
	}
	idvar = pk_xstrdup(r->tmp2.p);
	/* The environment is built before fork: after it, a process with
	 * librdkafka's threads may only call async-signal-safe functions. */
	while (environ[n] != NULL)
		n++;
	envp = pk_xmalloc((n + 3) * sizeof *envp);
	for (i = 0, n = 0; environ[i] != NULL; i++)
		if (strncmp(environ[i], "PIPEKIT_REPLAY_ATTEMPT=", 23) != 0 &&
		    strncmp(environ[i], "PIPEKIT_REPLAY_ID=", 18) != 0)
			envp[n++] = environ[i];
	envp[n++] = attempt;
	envp[n++] = idvar;
	envp[n] = NULL;
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = (char *)r->exec_cmd;
	argv[3] = NULL;
	pk_buf_reset(&e->in);
	if (!e->L.payload_null)
		pk_buf_add(&e->in, e->L.payload.p ? e->L.payload.p : "", e->L.payload.len);
	pk_buf_addc(&e->in, '\n');
	e->wpos = 0;

	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		struct pk_err err = PK_ERR_INIT;

		pk_err_errno(&err, PK_ERR_IO, "fork");
		die(r, &err);
	}
	if (pid == 0) {
		struct sigaction dfl;

		/* Its own process group, so that --timeout stops everything it started. */
		setpgid(0, 0);
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGPIPE, &dfl, NULL);
		sigaction(SIGCHLD, &dfl, NULL);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (dup2(p[0], 0) < 0)
			_exit(127);
		execve("/bin/sh", argv, envp);
		_exit(127);
	}
	setpgid(pid, pid);	/* also here: whichever runs first */
	close(p[0]);
	free(envp);
	free(idvar);
	e->pid = pid;
	e->wfd = p[1];
	fcntl(e->wfd, F_SETFL, fcntl(e->wfd, F_GETFL) | O_NONBLOCK);
	e->deadline = r->timeout > 0 ? mono_ns() + r->timeout : 0;
	e->killed = 0;
	feed(e);
}

static void
exec_exited(struct R *r, struct entry *e, int status)
{
	char what[128], why[256];

	close_wfd(e);
	e->pid = -1;
	if (e->killed) {
		struct pk_buf d = PK_BUF_INIT;

		pk_duration_format(r->timeout, &d);
		snprintf(what, sizeof what, "\"error\":\"timed out after %s\"", d.p);
		snprintf(why, sizeof why, "timed out after %s", d.p);
		pk_buf_release(&d);
		attempt_done(r, e, 0, 1, what, why);
	} else if (WIFEXITED(status)) {
		int code = WEXITSTATUS(status);

		snprintf(what, sizeof what, "\"exit\":%d", code);
		if (code == 0) {
			attempt_done(r, e, 1, 0, what, "");
		} else {
			snprintf(why, sizeof why, "exit %d%s", code, code == 75 ? " (EX_TEMPFAIL)" :
			    " (permanent failure)");
			attempt_done(r, e, 0, code == 75, what, why);
		}
	} else {
		int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;

		snprintf(what, sizeof what, "\"signal\":%d", sig);
		snprintf(why, sizeof why, "killed by signal %d", sig);
		attempt_done(r, e, 0, 1, what, why);
	}
}

static void
on_delivery(void *arg, const struct pk_kdr *dr)
{
	struct entry *e = dr->opaque;
	struct R *r = arg;

	if (r->ndr == r->drcap) {
		r->drcap = r->drcap ? r->drcap * 2 : 256;
		r->dr = pk_xrealloc(r->dr, r->drcap * sizeof *r->dr);
	}
	r->dr[r->ndr++] = e;
	e->dr_done = 1;
	e->dr_err = dr->err;
	if (dr->err != 0) {
		pk_buf_reset(&e->dr_msg);
		pk_buf_adds(&e->dr_msg, dr->errstr ? dr->errstr : "delivery failed");
	}
	e->dest_part = dr->partition;
}

/* A send refused at once goes the way of a failed delivery report. */
static void
on_delivery_failed(struct R *r, struct entry *e)
{
	if (r->ndr == r->drcap) {
		r->drcap = r->drcap ? r->drcap * 2 : 256;
		r->dr = pk_xrealloc(r->dr, r->drcap * sizeof *r->dr);
	}
	r->dr[r->ndr++] = e;
	e->dr_done = 1;
}

static void
topic_result(struct R *r, struct entry *e, int ok, const char *msg)
{
	if (ok) {
		/* (A success has no history to write.) */
		attempt_done(r, e, 1, 0, "", "");
	} else {
		pk_buf_reset(&r->tmp);
		struct pk_buf why = PK_BUF_INIT;

		pk_buf_adds(&r->tmp, "\"error\":");
		pk_buf_add_json_str(&r->tmp, msg, strlen(msg));
		pk_buf_printf(&why, "broker error: %s", msg);
		attempt_done(r, e, 0, 1, r->tmp.p, why.p);
		pk_buf_release(&why);
	}
}

static void
start_topic(struct R *r, struct entry *e)
{
	struct pk_err err;	/* not PK_ERR_INIT: a KiB zeroed per record adds up */
	struct pk_kmsg m;
	struct pk_khdr *h;
	char num[24];
	size_t i, n = 0;

	err.kind = PK_ERR_NONE;
	err.msg[0] = '\0';
	if (e->L.nhdrs + 1 > r->hcap) {
		r->hcap = e->L.nhdrs + 8;
		r->hdrs = pk_xrealloc(r->hdrs, r->hcap * sizeof *r->hdrs);
	}
	h = r->hdrs;
	for (i = 0; i < e->L.nhdrs; i++) {
		const char *name = letter_hname(&e->L, i, &h[n].namelen);

		if (!r->keep_dlq_headers && letter_is_dlq_header(name, h[n].namelen))
			continue;
		if (h[n].namelen == 22 && memcmp(name, "pipekit-replay-attempt", 22) == 0)
			continue;
		h[n].name = name;
		h[n].value = letter_hvalue(&e->L, i, &h[n].len);
		n++;
	}
	{
		/* The attempt number in decimal, right-aligned in num. */
		char *d = num + sizeof num;
		unsigned v = (unsigned)e->attempt;

		do
			*--d = (char)('0' + v % 10);
		while ((v /= 10) != 0);
		h[n].name = "pipekit-replay-attempt";
		h[n].namelen = 22;
		h[n].value = d;
		h[n].len = (size_t)(num + sizeof num - d);
		n++;
	}
	memset(&m, 0, sizeof m);
	m.topic = dest_topic(r, e);
	m.partition = r->force_part >= 0 ? r->force_part : r->repartition ? -1 : e->L.orig_partition;
	if (e->L.has_key) {
		m.key = e->L.key.p ? e->L.key.p : "";
		m.keylen = e->L.key.len;
	}
	if (!e->L.payload_null) {
		m.value = e->L.payload.p ? e->L.payload.p : "";
		m.len = e->L.payload.len;
	}
	m.hdrs = h;
	m.nhdrs = n;
	m.opaque = e;
	e->dr_done = 0;
	if (pk_kprod_send(r->prod, &m, &err) < 0) {
		on_delivery_failed(r, e);
		e->dr_err = -1;
		pk_buf_reset(&e->dr_msg);
		pk_buf_adds(&e->dr_msg, err.msg);
	}
}

static void
start_stdout(struct R *r, struct entry *e)
{
	struct pk_err err = PK_ERR_INIT;

	if (pk_writer_line(r->cli->out, e->L.payload.p ? e->L.payload.p : "", e->L.payload.len,
	    &err) < 0)
		die(r, &err);
	/* With a ledger, a success is only recorded once it left the process. */
	if (r->ledger_path != NULL && pk_writer_flush(r->cli->out, &err) < 0)
		die(r, &err);
	attempt_done(r, e, 1, 0, "\"written\":true", "");
}

static void
start_attempt(struct R *r, struct entry *e)
{
	if (e->state == E_WAITING)
		r->nwaiting--;
	if (e->attempt == 0) {
		r->active++;
		r->pending--;
		pk_rng_seed(&e->rng, r->seed, e->seq);
	}
	e->attempt++;
	e->started = r->wall;
	e->state = E_RUNNING;
	switch (r->target) {
	case T_EXEC:
		start_exec(r, e);
		break;
	case T_TOPIC:
		start_topic(r, e);
		break;
	case T_STDOUT:
		start_stdout(r, e);
		break;
	}
}

/* --- the scheduler --------------------------------------------------------- */

/*
 * Start what may start, in input order: retries that are due, then new
 * records while fewer than -j are in flight, never two with one id (nor,
 * with --ordered, one key) at once, and never a record past an earlier one
 * it must follow (tickets). Returns the nanoseconds until something may
 * start. Without retries waiting the pass begins at the first record not
 * yet started and stops as soon as nothing more can start: its cost is
 * the records it starts, not the queue's length.
 */
static int64_t
schedule(struct R *r)
{
	int64_t wake = INT64_MAX, now, w;
	size_t i, waiting_left = r->nwaiting;
	int stop = pk_cli_interrupted(), rate_blocked = 0, front = 1;

	/* Nothing can start: every slot is busy and no retry waits. */
	if (!stop && r->nwaiting == 0 && (r->active + r->held >= (size_t)r->jobs ||
	    r->pending == 0))
		return INT64_MAX;
	now = mono_ns();
	r->wall = wall_ns();
	/* Retries may wait anywhere before the first pending record. While
	 * the pass has seen no record left pending (front), scan follows it. */
	for (i = r->nwaiting > 0 ? 0 : r->scan; i < r->qlen; i++) {
		struct entry *e = r->q[i];

		if (e->state == E_PENDING)
			goto pending;
		if (front && r->scan < i + 1)
			r->scan = i + 1;
		if (e->state == E_WAITING) {
			waiting_left--;
			if (stop) {
				/* Interrupted: a retry not yet made is left for the next run. */
				r->active--;
				r->nwaiting--;
				r->unfinished++;
				finish(r, e);
				continue;
			}
			if (e->due > now) {
				if (e->due - now < wake)
					wake = e->due - now;
				continue;
			}
			if (rate_blocked)
				continue;
			if ((w = pk_tbucket_take(&r->tb, now)) > 0) {
				rate_blocked = 1;
				if (w < wake)
					wake = w;
				continue;
			}
			start_attempt(r, e);
			continue;
		}
		continue;
pending:
		if (stop || rate_blocked || r->active + r->held >= (size_t)r->jobs) {
			/* No new record can start: only retries are left to look at. */
			front = 0;
			if (waiting_left == 0)
				break;
			continue;
		}
		if (!its_turn(r, e)) {
			front = 0;
			continue;
		}
		/* An identical record may have succeeded while this one waited
		 * (not so for the first record of its id in this run: its
		 * ledger answer came when it was read). */
		if (e->tk > 0 && pk_ledger_done(&r->ledger, e->ref)) {
			r->dups++;
			r->pending--;
			finish(r, e);
		} else if ((w = pk_tbucket_take(&r->tb, now)) > 0) {
			rate_blocked = 1;
			if (w < wake)
				wake = w;
			front = 0;
			continue;
		} else {
			start_attempt(r, e);
		}
		if (front && r->scan < i + 1)
			r->scan = i + 1;
	}
	return wake;
}

/* Drop finished entries; for a Kafka source store offsets in order. */
static void
compact(struct R *r, int force)
{
	size_t i, j = 0;

	/* A full pass costs the whole queue: only when a quarter of it is
	 * done, when reading needs room, or when asked. */
	if (r->ndone == 0 || (!force && r->ndone * 4 < r->qlen && r->qlen + 64 < r->qcap))
		return;

	if (r->cons != NULL)
		set_begin(r, r->qlen + 1);
	for (i = 0; i < r->qlen; i++) {
		struct entry *e = r->q[i];

		if (r->cons != NULL) {
			uint64_t ph = pk_hash64(e->ktopic ? e->ktopic : "",
			    e->ktopic ? strlen(e->ktopic) : 0, (uint64_t)(uint32_t)e->kpart);

			if (e->state != E_DONE || set_has(r, ph, 0)) {
				set_has(r, ph, 1);
				r->q[j++] = e;
				continue;
			}
			pk_kcons_store(r->cons, e->ktopic, e->kpart, e->koff);
			r->stored = 1;
		} else if (e->state != E_DONE) {
			r->q[j++] = e;
			continue;
		}
		entry_put(&r->rc_main.free_list, e);
	}
	r->qlen = j;
	r->ndone = 0;
	r->scan = j;
	for (i = 0; i < j; i++) {
		if (r->q[i]->state == E_DONE)
			r->ndone++;
		else if (r->q[i]->state == E_PENDING && r->scan == j)
			r->scan = i;
	}
}

static void
commit(struct R *r, int force)
{
	struct pk_err err = PK_ERR_INIT;
	int64_t now = mono_ns();

	if (r->cons == NULL || !r->stored)
		return;
	if (!force && now - r->last_commit < PK_NS_PER_SEC / 5)
		return;
	if (pk_kcons_commit(r->cons, &err) < 0)
		die(r, &err);
	r->stored = 0;
	r->last_commit = now;
}

/* --- waiting ----------------------------------------------------------------- */

static void
reap(struct R *r)
{
	int status;
	pid_t pid;
	size_t i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < r->qlen; i++)
			if (r->q[i]->state == E_RUNNING && r->q[i]->pid == pid) {
				exec_exited(r, r->q[i], status);
				break;
			}
	}
}

static void
wait_exec(struct R *r, int64_t wake)
{
	struct pollfd *pfd;
	struct entry **who;
	size_t n = 1, i;
	int64_t now = mono_ns();
	int ms;
	char drain[64];

	pfd = pk_xmalloc((r->qlen + 1) * sizeof *pfd);
	who = pk_xmalloc((r->qlen + 1) * sizeof *who);
	pfd[0].fd = r->sigpipe[0];
	pfd[0].events = POLLIN;
	for (i = 0; i < r->qlen; i++) {
		struct entry *e = r->q[i];

		if (e->state != E_RUNNING)
			continue;
		if (e->wfd >= 0) {
			pfd[n].fd = e->wfd;
			pfd[n].events = POLLOUT;
			who[n++] = e;
		}
		if (e->deadline > 0) {
			int64_t t = e->killed ? e->kill_at : e->deadline;

			if (t <= now) {
				if (!e->killed) {
					/* TERM first, KILL after a grace of 2 s. */
					kill(-e->pid, SIGTERM);
					e->killed = 1;
					e->kill_at = now + 2 * PK_NS_PER_SEC;
					close_wfd(e);
					t = e->kill_at;
				} else {
					kill(-e->pid, SIGKILL);
					t = now + PK_NS_PER_SEC;
					e->kill_at = t;
				}
			}
			if (t - now < wake)
				wake = t - now;
		}
	}
	if (wake > 100 * 1000000)
		wake = 100 * 1000000;
	ms = wake <= 0 ? 0 : (int)((wake + 999999) / 1000000);
	if (poll(pfd, n, ms) > 0) {
		if (pfd[0].revents & POLLIN)
			while (read(r->sigpipe[0], drain, sizeof drain) > 0)
				;
		for (i = 1; i < n; i++)
			if (pfd[i].revents & (POLLOUT | POLLERR | POLLHUP))
				feed(who[i]);
	}
	free(pfd);
	free(who);
	reap(r);
}

static void
wait_topic(struct R *r, int64_t wake)
{
	size_t i;
	int ms;

	if (wake > 100 * 1000000)
		wake = 100 * 1000000;
	ms = wake <= 0 ? 0 : (int)((wake + 999999) / 1000000);
	pk_kprod_poll(r->prod, r->active > 0 ? ms : 0);
	if (r->active == 0 && ms > 0)
		poll(NULL, 0, ms);
	/* Delivery reports may arrive inside pk_kprod_send too (a full
	 * queue): whatever is listed is handled here, in report order. */
	for (i = 0; i < r->ndr; i++) {
		struct entry *e = r->dr[i];

		if (e->state == E_RUNNING && e->dr_done) {
			e->dr_done = 0;
			topic_result(r, e, e->dr_err == 0, e->dr_err == 0 ? "" :
			    e->dr_msg.p ? e->dr_msg.p : "");
		}
	}
	r->ndr = 0;
}

/* Wait for the target's outcomes, at most wake ns (100 ms). */
static void
wait_target(struct R *r, int64_t wake)
{
	switch (r->target) {
	case T_EXEC:
		wait_exec(r, wake);
		break;
	case T_TOPIC:
		wait_topic(r, wake);
		break;
	case T_STDOUT:
		if (wake > 0 && wake != INT64_MAX) {
			struct timespec ts;

			if (wake > 100 * 1000000)
				wake = 100 * 1000000;
			ts.tv_sec = 0;
			ts.tv_nsec = (long)wake;
			nanosleep(&ts, NULL);
		}
		break;
	}
}

/* Successes to the ledger, durably, before their slots are used again:
 * at once, or (bg) handed to the writer thread, freeing the slots of what
 * it has made durable since the last look. */
static void
sync_ledger(struct R *r)
{
	struct pk_err err = PK_ERR_INIT;
	long n;

	if (r->bg) {
		pk_ledger_bg_flush(&r->ledger);
		if ((n = pk_ledger_bg_reap(&r->ledger, &err)) < 0)
			die(r, &err);
		r->held -= (size_t)n;
		return;
	}
	if (pk_ledger_sync(&r->ledger, &err) < 0)
		die(r, &err);
}

/*
 * The input (a pipe, a FIFO, a terminal) has nothing more for now: drive
 * what was read to its outcome while waiting, instead of leaving it queued
 * until the next line comes (tail -f rejects.ndjson | dlqreplay ...).
 * Returns as soon as the input has data again, or nothing is left to do;
 * a retry's backoff keeps the loop here only while the input is silent.
 */
static void
on_input_wait(void *arg)
{
	struct R *r = arg;
	struct pk_reader *rd = pk_input_reader(r->in);
	struct pk_err err = PK_ERR_INIT;
	struct pollfd pfd;

	pfd.fd = rd != NULL ? pk_reader_fd(rd) : -1;
	pfd.events = POLLIN;
	while (!pk_cli_interrupted() && (r->pending > 0 || r->active > 0 || r->held > 0)) {
		int64_t wake = schedule(r);

		sync_ledger(r);
		if (wake > 10 * 1000000)
			wake = 10 * 1000000;	/* look at the input every 10 ms */
		wait_target(r, wake);
		sync_ledger(r);
		compact(r, 0);
		pfd.revents = 0;
		if (pfd.fd < 0 || poll(&pfd, 1, 0) != 0)
			break;
	}
	/* What went to stdout reaches the next program before we wait. */
	if (r->target == T_STDOUT && pk_writer_flush(r->cli->out, &err) < 0)
		die(r, &err);
}

/* --- setup ------------------------------------------------------------------- */

static void
kafka_setup(struct R *r, int argc, char **argv)
{
	struct pk_err err = PK_ERR_INIT;

	r->kconf.log = pk_cli_klog;
	r->kconf.log_arg = r->cli;
	if (pk_kconf_env(&r->kconf, &err) < 0)
		pk_die(r->cli, &err);
	if (r->kconf.dump) {
		struct pk_buf b = PK_BUF_INIT;

		if (pk_kconf_dump(&r->kconf, r->target == T_TOPIC ? PK_KROLE_PRODUCER :
		    PK_KROLE_CONSUMER, &b, &err) < 0)
			pk_die(r->cli, &err);
		fwrite(b.p, 1, b.len, stdout);
		pk_buf_release(&b);
		exit(fflush(stdout) == 0 ? 0 : 4);
	}
	if (r->group != NULL) {
		size_t i;

		r->src_topics = argv;
		r->nsrc = (size_t)argc;
		for (i = 0; i < r->nsrc; i++)
			if (r->target == T_TOPIC && !r->original && strcmp(argv[i], r->topic) == 0)
				pk_cli_usage(r->cli, "refusing to replay '%s' into itself", r->topic);
		r->cons = pk_kcons_new(&r->kconf, r->group, r->at_end, NULL, &err);
		if (r->cons == NULL)
			pk_die(r->cli, &err);
		if (pk_kcons_subscribe(r->cons, (const char *const *)argv, r->nsrc, &err) < 0)
			pk_die(r->cli, &err);
	}
	if (r->target == T_TOPIC && !r->dry_run) {
		r->prod = pk_kprod_new(&r->kconf, on_delivery, r, &err);
		if (r->prod == NULL)
			pk_die(r->cli, &err);
	}
}

static void
compile(struct R *r, struct pk_path *p, const char *opt, const char *arg)
{
	struct pk_err err = PK_ERR_INIT;

	if (pk_path_compile(p, arg, &err) < 0)
		pk_cli_usage(r->cli, "%s '%s': %s", opt, arg, err.msg);
}

static int64_t
parse_time(struct R *r, const char *opt, const char *arg)
{
	struct pk_err err = PK_ERR_INIT;
	int64_t t;

	if (pk_time_parse(arg, strlen(arg), PK_TIME_AUTO, &t, &err) < 0)
		pk_cli_usage(r->cli, "%s: %s", opt, err.msg);
	return t;
}

static void
summary(struct R *r, const char *why)
{
	if (r->cli->quiet)
		return;
	fprintf(stderr, "%s: %llu read, %llu %s, %llu skipped as duplicates, %llu parked, "
	    "%llu filtered, %llu rejected", r->cli->prog, (unsigned long long)r->read,
	    (unsigned long long)r->replayed, r->dry_run ? "to replay" : "replayed", (unsigned long long)r->dups,
	    (unsigned long long)r->parked, (unsigned long long)r->filtered,
	    (unsigned long long)r->rejected);
	if (r->unfinished > 0)
		fprintf(stderr, ", %llu unfinished (%s)", (unsigned long long)r->unfinished, why);
	fprintf(stderr, "%s\n", r->dry_run ? " (dry run: nothing sent)" : "");
}

int
main(int argc, char *argv[])
{
	struct pk_cli cli = PK_CLI_INIT("dlqreplay", "[options] [FILE...]", options);
	struct pk_input in = PK_INPUT_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct R R, *r = &R;
	struct entry *e;
	const char *id_f = NULL, *time_f = NULL, *brokers = NULL;
	double rate = 0;
	int opt, rc, seeded = 0, forwarded = 0;
	size_t i, lookahead;

	memset(r, 0, sizeof *r);
	{
		struct pk_backoff bo = PK_BACKOFF_INIT;
		struct pk_ledger lz = PK_LEDGER_INIT;
		struct pk_kconf kz = PK_KCONF_INIT;

		r->bo = bo;
		r->ledger = lz;
		r->kconf = kz;
	}
	r->cli = &cli;
	r->in = &in;
	r->force_part = -1;
	r->max_attempts = 5;
	r->jobs = 1;
	r->join = "|";
	r->sigpipe[0] = r->sigpipe[1] = -1;
	cli.description = "Replay dead letters to a command, a Kafka topic or stdout, with "
	    "retries, backoff, a rate limit and a ledger that never resends a success.";
	cli.formats = "ndjson";

	while ((opt = pk_cli_getopt(&cli, argc, argv)) != -1) {
		switch (opt) {
		case OPT_EXEC:
			r->exec_cmd = cli.optarg;
			break;
		case OPT_TIMEOUT:
			r->timeout = pk_cli_duration(&cli);
			if (r->timeout <= 0)
				pk_cli_usage(&cli, "--timeout must be above 0");
			break;
		case 'b':
			brokers = cli.optarg;
			pk_kconf_brokers(&r->kconf, cli.optarg);
			r->kconf_used = 1;
			break;
		case 't':
			r->topic = cli.optarg;
			break;
		case 'p':
			r->force_part = (int32_t)pk_cli_long(&cli, 0, INT32_MAX);
			break;
		case OPT_REPARTITION:
			r->repartition = 1;
			break;
		case OPT_KEEP_DLQ_HEADERS:
			r->keep_dlq_headers = 1;
			break;
		case 'G':
			r->group = cli.optarg;
			break;
		case 'e':
			r->at_end = 1;
			break;
		case 'X':
			if (pk_kconf_arg(&r->kconf, cli.optarg, &err) < 0)
				pk_cli_usage(&cli, "%s", err.msg);
			r->kconf_used = 1;
			break;
		case 'F':
			if (pk_kconf_file(&r->kconf, cli.optarg, PK_KLAYER_FILE, &err) < 0)
				pk_die(&cli, &err);
			r->kconf_used = 1;
			break;
		case OPT_MAX_ATTEMPTS:
			r->max_attempts = (int)pk_cli_long(&cli, 1, 1000000);
			break;
		case OPT_BACKOFF:
			if (pk_backoff_parse(&r->bo, cli.optarg, &err) < 0)
				pk_cli_usage(&cli, "%s", err.msg);
			break;
		case OPT_JITTER:
			if (pk_jitter_parse(cli.optarg, &r->bo.jitter) < 0)
				pk_cli_usage(&cli, "invalid --jitter '%s' (full, equal, decorrelated, none)",
				    cli.optarg);
			break;
		case OPT_SEED:
			r->seed = (uint64_t)pk_cli_long(&cli, 0, LLONG_MAX);
			seeded = 1;
			break;
		case OPT_RATE:
			if (pk_rate_parse(cli.optarg, &rate, &err) < 0)
				pk_cli_usage(&cli, "%s", err.msg);
			break;
		case 'j':
			r->jobs = (int)pk_cli_long(&cli, 1, 100000);
			break;
		case OPT_ORDERED:
			r->ordered = 1;
			break;
		case 'k':
			if (pk_paths_compile(&r->kparts, &r->nkparts, cli.optarg, &err) < 0)
				pk_cli_usage(&cli, "-k '%s': %s", cli.optarg, err.msg);
			break;
		case OPT_KEY_JOIN:
			r->join = cli.optarg;
			break;
		case OPT_FILTER: {
			const char *eq = strchr(cli.optarg, '=');
			char *f;

			if (eq == NULL || eq == cli.optarg)
				pk_cli_usage(&cli, "invalid --filter '%s': expected FIELD=GLOB", cli.optarg);
			r->filters = pk_xrealloc(r->filters, (r->nfilters + 1) * sizeof *r->filters);
			f = pk_xstrndup(cli.optarg, (size_t)(eq - cli.optarg));
			compile(r, &r->filters[r->nfilters].path, "--filter", f);
			free(f);
			r->filters[r->nfilters++].glob = pk_xstrdup(eq + 1);
			break;
		}
		case 'T':
			time_f = cli.optarg;
			break;
		case PK_OPT_TIME_UNIT:
			r->unit = pk_cli_time_unit(&cli);
			break;
		case OPT_SINCE:
			r->since = parse_time(r, "--since", cli.optarg);
			r->has_since = 1;
			break;
		case OPT_UNTIL:
			r->until = parse_time(r, "--until", cli.optarg);
			r->has_until = 1;
			break;
		case OPT_DRY_RUN:
			r->dry_run = 1;
			break;
		case OPT_LEDGER:
			r->ledger_path = cli.optarg;
			break;
		case OPT_ID:
			id_f = cli.optarg;
			break;
		case OPT_PARK:
			r->park_path = cli.optarg;
			break;
		default:
			pk_cli_common(&cli, &in, opt);
		}
	}
	pk_cli_input(&cli, &in);
	argc -= cli.optind;
	argv += cli.optind;

	/* What goes with what. */
	if (r->group != NULL && argc == 0) {
		/* -G with no operands: -t names the DLQ topic to read. */
		if (r->topic == NULL)
			pk_cli_usage(&cli, "-G needs the DLQ topics as operands (or -t TOPIC)");
		argv = (char **)&r->topic;
		argc = 1;
		r->topic = NULL;
	}
	if (r->exec_cmd != NULL && r->topic != NULL)
		pk_cli_usage(&cli, "--exec and -t are two targets: choose one");
	r->target = r->exec_cmd != NULL ? T_EXEC : r->topic != NULL ? T_TOPIC : T_STDOUT;
	if (r->target == T_TOPIC || r->group != NULL) {
		if (brokers == NULL && pk_kconf_get(&r->kconf, "bootstrap.servers") == NULL &&
		    getenv("PIPEKIT_KAFKA_CONFIG") == NULL)
			pk_cli_usage(&cli, "%s needs -b BROKERS", r->group ? "-G" : "-t");
	} else if (r->kconf_used && !r->kconf.dump) {
		pk_cli_usage(&cli, "-b, -X and -F need -t TOPIC or -G GROUP");
	}
	if (r->target == T_TOPIC)
		r->original = strcmp(r->topic, "@original") == 0;
	if (r->target != T_TOPIC && (r->force_part >= 0 || r->repartition || r->keep_dlq_headers))
		pk_cli_usage(&cli, "-p, --repartition and --keep-dlq-headers are for -t TOPIC");
	if (r->force_part >= 0 && r->repartition)
		pk_cli_usage(&cli, "-p and --repartition both place records: choose one");
	if (r->timeout > 0 && r->target != T_EXEC)
		pk_cli_usage(&cli, "--timeout is for --exec");
	if (r->at_end && r->group == NULL)
		pk_cli_usage(&cli, "-e is for reading a topic with -G");
	if (r->has_since && r->has_until && r->until <= r->since)
		pk_cli_usage(&cli, "--until must be after --since");
	if (id_f != NULL) {
		compile(r, &r->idp, "--id", id_f);
		r->has_idp = 1;
	}
	if (time_f != NULL) {
		compile(r, &r->timep, "-T", time_f);
		r->has_timep = 1;
	}
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		r->seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
	}
	pk_tbucket_init(&r->tb, rate, 1);

	if (r->ledger_path != NULL && pk_ledger_open(&r->ledger, r->ledger_path,
	    r->dry_run ? PK_LEDGER_READ : PK_LEDGER_WRITE, &err) < 0)
		pk_die(&cli, &err);
	if (r->ledger.torn && !cli.quiet)
		fprintf(stderr, "%s: %s: cut off an unfinished last line (a run was killed while "
		    "writing it)\n", cli.prog, r->ledger_path);
	if (r->park_path != NULL && !r->dry_run) {
		r->park = pk_writer_open(r->park_path, PK_W_APPEND | PK_W_SYNC_EACH | PK_W_NO_COMPRESS,
		    &err);
		if (r->park == NULL)
			pk_die(&cli, &err);
	}
	if (r->target == T_TOPIC || r->group != NULL || r->kconf.dump)
		kafka_setup(r, argc, argv);
	/* Replaying files to a topic, the ledger syncs while sending goes on. */
	if (r->target == T_TOPIC && r->group == NULL && !r->dry_run && r->ledger.fd >= 0) {
		if (pk_ledger_bg_start(&r->ledger, &err) < 0)
			pk_die(&cli, &err);
		r->bg = 1;
	}
	if (r->target == T_EXEC && !r->dry_run) {
		struct sigaction sa;

		if (cloexec_pipe(r->sigpipe, 1) < 0) {
			pk_err_errno(&err, PK_ERR_IO, "pipe");
			pk_die(&cli, &err);
		}
		chld_fd = r->sigpipe[1];
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_chld;
		sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
		sigaction(SIGCHLD, &sa, NULL);
	}
	if (r->group == NULL) {
		if (!r->dry_run) {
			in.on_wait = on_input_wait;
			in.wait_arg = r;
		}
		pk_input_operands(&in, argc, argv);
	}

	lookahead = (size_t)r->jobs + 64;
	r->qcap = lookahead + 16;
	r->q = pk_xmalloc(r->qcap * sizeof *r->q);
	for (;;) {
		int64_t wake;
		int budget = 1024, more = 0;

		/* Read while the look-ahead has room. */
		while (!r->eof && !pk_cli_interrupted() && r->pending < lookahead &&
		    r->qlen < r->qcap) {
			enum verdict v;

			rc = next_letter(r, &e, r->active == 0 && r->pending == 0 ? 100 : 0);
			if (rc == 0) {
				r->eof = 1;
				break;
			}
			if (rc == 2)
				break;
			if (--budget == 0)
				more = 1;
			if (e->state == E_DONE) {
				v = V_REJECTED;
			} else {
				v = e->verdict;
				if (v == V_SEND)
					v = decide_ledger(r, &r->rc_main, e);
				e->seq = r->seq++;
			}
			if (v == V_FILTERED)
				r->filtered++;
			else if (v == V_DUP)
				r->dups++;
			if (r->dry_run) {
				static const char *const act[] = { "replay", "duplicate", "filtered",
				    "rejected" };

				if (v != V_REJECTED)
					plan_line(r, e, act[v]);
				if (v == V_SEND) {
					/* Identical ones later in the input go once. */
					pk_ledger_succeed(&r->ledger, e->ref, NULL);
					r->replayed++;
				}
				/* Nothing is sent, stored or committed. */
				entry_put(&r->rc_main.free_list, e);
				continue;
			}
			if (v != V_SEND) {
				e->state = E_DONE;
				if (r->cons == NULL) {
					entry_put(&r->rc_main.free_list, e);
					continue;
				}
			} else {
				r->pending++;
				ticket_id(r, e);
				if (r->ordered && e->L.has_key)
					ticket_key(r, e);
			}
			if (e->state == E_DONE)
				r->ndone++;
			r->q[r->qlen++] = e;
			if (more)
				break;
		}
		if (r->dry_run) {
			if (r->eof || pk_cli_interrupted())
				break;
			continue;
		}
		wake = schedule(r);
		sync_ledger(r);	/* stdout successes */
		if (r->active == 0 && (r->eof || pk_cli_interrupted())) {
			/* Only waiting-for-nothing entries can remain. */
			size_t left = 0;

			for (i = 0; i < r->qlen; i++)
				if (r->q[i]->state != E_DONE)
					left++;
			if (left == 0 || pk_cli_interrupted()) {
				r->unfinished += left;
				break;
			}
		}
		/* Reading stopped for its budget: come back at once; slots wait
		 * for the ledger's writer: come back soon (a sync is ~1 ms). */
		if (more)
			wake = 0;
		else if (r->held > 0 && wake > 1000000)
			wake = 1000000;
		if (r->target == T_EXEC && pk_cli_interrupted() && !forwarded) {
			/* Pass the signal on to the commands' process groups. */
			forwarded = 1;
			for (i = 0; i < r->qlen; i++)
				if (r->q[i]->state == E_RUNNING && r->q[i]->pid > 0)
					kill(-r->q[i]->pid, SIGTERM);
		}
		wait_target(r, wake);
		/* Successes reach the ledger, durably, before anything else starts. */
		sync_ledger(r);
		compact(r, r->cons != NULL && mono_ns() - r->last_commit >= PK_NS_PER_SEC / 5);
		commit(r, 0);
	}
	if (!r->dry_run) {
		sync_ledger(r);
		compact(r, 1);
		commit(r, 1);
	}

	if (r->prod != NULL) {
		long failed = pk_kprod_close(r->prod, &err);

		r->prod = NULL;
		if (failed < 0)
			die(r, &err);
	}
	if (r->cons != NULL && pk_kcons_close(r->cons, &err) < 0)
		die(r, &err);
	if (r->park != NULL && pk_writer_close(r->park, &err) < 0)
		die(r, &err);
	if (pk_ledger_close(&r->ledger, &err) < 0)
		die(r, &err);
	if (pk_input_close(&in, &err) < 0)
		die(r, &err);
	/* Rejects the input itself made (lines that are no JSON objects). */
	r->rejected = in.rej.rejected;
	if (r->cons == NULL)
		r->read = in.rej.read;
	summary(r, "interrupted");

	for (i = 0; i < r->qlen; i++)
		entry_free(r->q[i]);
	while ((e = r->rc_main.free_list) != NULL) {
		r->rc_main.free_list = e->next_free;
		entry_free(e);
	}
	free(r->q);
	free(r->dr);
	free(r->sh);
	free(r->sstamp);
	free(r->tk_next);
	free(r->tk_serve);
	free(r->kh);
	free(r->kslot);
	free(r->knext);
	free(r->kserve);
	for (i = 0; i < r->nnames; i++)
		free(r->names[i]);
	free(r->names);
	free(r->hdrs);
	pk_buf_release(&r->memb);
	pk_buf_release(&r->rc_main.tmp);
	pk_buf_release(&r->rc_main.tmp2);
	pk_buf_release(&r->rc_main.id);
	for (i = 0; i < r->nfilters; i++) {
		pk_path_release(&r->filters[i].path);
		free(r->filters[i].glob);
	}
	free(r->filters);
	for (i = 0; i < r->nkparts; i++)
		pk_path_release(&r->kparts[i]);
	free(r->kparts);
	if (r->has_idp)
		pk_path_release(&r->idp);
	if (r->has_timep)
		pk_path_release(&r->timep);
	pk_kconf_release(&r->kconf);
	pk_buf_release(&r->tmp);
	pk_buf_release(&r->tmp2);
	pk_buf_release(&r->out);
	return pk_cli_finish(&cli, NULL, r->parked > 0 ? 1 : 0);
}
