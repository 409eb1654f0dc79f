/*
 * test_kafka - lib/kafka without a broker: configuration layers, properties
 * files, secrets redacted in dumps and scrubbed from any message text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/kafka.h"
#include "tests/unit/tap.h"

static char tmpdir[] = "/tmp/test_kafka.XXXXXX";

static const char *
write_file(const char *name, const char *text)
{
	static char path[4][256];
	static int n;
	char *p = path[n++ % 4];
	FILE *f;

	snprintf(p, sizeof path[0], "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	return p;
}

static void
test_layers(void)
{
	struct pk_kconf c = PK_KCONF_INIT;
	struct pk_err err = PK_ERR_INIT;
	const char *env, *file;

	env = write_file("env.props", "client.id=env\nlinger.ms=1\nacks=1\n");
	file = write_file("f.props",
	    "# a comment\n! another\n\n  client.id =  file  \r\nbatch.size=100\n");
	setenv("PIPEKIT_KAFKA_CONFIG", env, 1);
	/* -X before -F on the command line: -X still wins. */
	is_int(pk_kconf_arg(&c, "client.id=arg", &err), 0, "-X prop=value");
	is_int(pk_kconf_file(&c, file, PK_KLAYER_FILE, &err), 0, "-F file (%s)", err.msg);
	is_int(pk_kconf_env(&c, &err), 0, "env file");
	is_str(pk_kconf_get(&c, "client.id"), "arg", "-X beats -F and the env file");
	is_str(pk_kconf_get(&c, "batch.size"), "100", "-F value");
	is_str(pk_kconf_get(&c, "linger.ms"), "1", "env value");
	is_str(pk_kconf_get(&c, "request.required.acks"), "1", "an alias finds its property");
	ok(pk_kconf_get(&c, "nosuch") == NULL, "unset is NULL");
	pk_kconf_brokers(&c, "h1:9092,h2:9092");
	is_str(pk_kconf_get(&c, "metadata.broker.list"), "h1:9092,h2:9092", "-b is bootstrap.servers");
	is_int(pk_kconf_arg(&c, "client.id=arg2", &err), 0, "-X again");
	is_str(pk_kconf_get(&c, "client.id"), "arg2", "the last -X wins");
	is_int(pk_kconf_arg(&c, "dump", &err), 0, "-X dump");
	is_int(c.dump, 1, "dump flagged");
	is_int(pk_kconf_arg(&c, "S3cretOnly", &err), -1, "-X without '='");
	is_int(err.kind, PK_ERR_USAGE, "  usage error");
	ok(strstr(err.msg, "S3cretOnly") == NULL, "  that does not echo the argument");
	is_int(pk_kconf_arg(&c, "=v", &err), -1, "-X with an empty name");
	pk_kconf_release(&c);
	unsetenv("PIPEKIT_KAFKA_CONFIG");

	/* The value keeps '=' and trailing blanks; leading blanks go. */
	file = write_file("g.props", "sasl.password=  a=b c \n");
	is_int(pk_kconf_file(&c, file, PK_KLAYER_FILE, &err), 0, "value with '='");
	is_str(pk_kconf_get(&c, "sasl.password"), "a=b c ", "  kept whole");
	pk_kconf_release(&c);

	file = write_file("bad.props", "ok=1\nnot a property\n");
	is_int(pk_kconf_file(&c, file, PK_KLAYER_FILE, &err), -1, "line without '='");
	ok(strstr(err.msg, "bad.props:2: expected property=value") != NULL, "  names file and line: %s",
	    err.msg);
	pk_kconf_release(&c);
	file = write_file("bad2.props", " = 1\n");
	is_int(pk_kconf_file(&c, file, PK_KLAYER_FILE, &err), -1, "empty name");
	pk_kconf_release(&c);
	is_int(pk_kconf_file(&c, "/nonexistent/x.props", PK_KLAYER_FILE, &err), -1, "missing file");
	is_int(err.kind, PK_ERR_IO, "  an I/O error");
	setenv("PIPEKIT_KAFKA_CONFIG", "/nonexistent/env.props", 1);
	is_int(pk_kconf_env(&c, &err), -1, "missing env file");
	ok(strncmp(err.msg, "PIPEKIT_KAFKA_CONFIG: ", 22) == 0, "  names the variable: %s", err.msg);
	setenv("PIPEKIT_KAFKA_CONFIG", "", 1);
	is_int(pk_kconf_env(&c, &err), 0, "empty variable is no file");
	unsetenv("PIPEKIT_KAFKA_CONFIG");
	pk_kconf_release(&c);
}

static void
test_secret_names(void)
{
	ok(pk_kconf_is_secret("sasl.password"), "sasl.password");
	ok(pk_kconf_is_secret("ssl.key.password"), "ssl.key.password");
	ok(pk_kconf_is_secret("ssl.keystore.password"), "ssl.keystore.password");
	ok(pk_kconf_is_secret("sasl.oauthbearer.client.secret"), "client secret");
	ok(pk_kconf_is_secret("my.PassWord.x"), "any name with password, any case");
	ok(pk_kconf_is_secret("x.SECRET"), "any name with secret");
	ok(pk_kconf_is_secret("ssl.key.pem"), "ssl.key.pem");
	ok(pk_kconf_is_secret("sasl.oauthbearer.config"), "sasl.oauthbearer.config");
	ok(!pk_kconf_is_secret("sasl.username"), "not sasl.username");
	ok(!pk_kconf_is_secret("client.id"), "not client.id");
}

static void
test_scrub(void)
{
	struct pk_kconf c = PK_KCONF_INIT;
	char msg[64], big[2048];

	pk_kconf_set(&c, PK_KLAYER_ARG, "sasl.password", "hunter2", NULL);
	pk_kconf_set(&c, PK_KLAYER_FILE, "ssl.key.password", "hunter2-long", "f:1");
	pk_kconf_set(&c, PK_KLAYER_ENV, "app.secret", "xyz", "e:1");
	pk_kconf_set(&c, PK_KLAYER_ARG, "client.id", "hunter", NULL);
	pk_kconf_set(&c, PK_KLAYER_ARG, "empty.password", "", NULL);

	snprintf(msg, sizeof msg, "bad \"hunter2\" and hunter2-long, xyzxyz; hunter");
	pk_kconf_scrub(&c, msg, sizeof msg);
	is_str(msg, "bad \"****\" and ****, ********; hunter", "every secret, longest first");
	snprintf(msg, sizeof msg, "nothing to hide");
	pk_kconf_scrub(&c, msg, sizeof msg);
	is_str(msg, "nothing to hide", "untouched text");

	/* A secret at the very end of a text longer than the buffer. */
	memset(big, 'a', sizeof big);
	memcpy(big + 50, "hunter2", 7);
	big[63] = '\0';
	pk_kconf_scrub(&c, big, 60);
	ok(strstr(big, "hunter") == NULL && strlen(big) == 59, "cut to fit, still scrubbed");
	pk_kconf_release(&c);
}

static void
test_dump(void)
{
	struct pk_kconf c = PK_KCONF_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_buf out = PK_BUF_INIT;
	const char *file;

	file = write_file("s.props", "ssl.keystore.password=fromfile99\n");
	pk_kconf_set(&c, PK_KLAYER_ARG, "sasl.password", "hunter2", NULL);
	pk_kconf_set(&c, PK_KLAYER_ARG, "ssl.key.password", "k3y-pass", NULL);
	pk_kconf_set(&c, PK_KLAYER_ARG, "sasl.username", "hunter2", NULL);
	is_int(pk_kconf_file(&c, file, PK_KLAYER_FILE, &err), 0, "secret from a file");
	is_int(pk_kconf_dump(&c, PK_KROLE_PRODUCER, &out, &err), 0, "dump (%s)", err.msg);
	ok(out.p && strstr(out.p, "hunter2") == NULL && strstr(out.p, "k3y-pass") == NULL &&
	    strstr(out.p, "fromfile99") == NULL, "no secret value in the dump");
	ok(out.p && strstr(out.p, "sasl.password = ****\n") != NULL, "sasl.password redacted");
	ok(out.p && strstr(out.p, "ssl.keystore.password = ****\n") != NULL, "keystore password redacted");
	ok(out.p && strstr(out.p, "sasl.username = ****\n") != NULL,
	    "a secret's value under another name is scrubbed too");
	ok(out.p && strstr(out.p, "enable.idempotence = true\n") != NULL, "idempotent by default");
	ok(out.p && strstr(out.p, "request.required.acks = -1\n") != NULL, "acks=all by default");
	ok(out.p && strstr(out.p, "partitioner = murmur2_random\n") != NULL, "murmur2_random by default");
	pk_buf_reset(&out);
	pk_kconf_set(&c, PK_KLAYER_ARG, "enable.idempotence", "false", NULL);
	pk_kconf_set(&c, PK_KLAYER_ARG, "partitioner", "consistent_random", NULL);
	is_int(pk_kconf_dump(&c, PK_KROLE_PRODUCER, &out, &err), 0, "dump with overrides");
	ok(out.p && strstr(out.p, "enable.idempotence = false\n") != NULL, "idempotence overridden");
	ok(out.p && strstr(out.p, "partitioner = consistent_random\n") != NULL, "partitioner overridden");
	pk_buf_reset(&out);
	pk_kconf_set(&c, PK_KLAYER_ARG, "enable.auto.commit", "true", NULL);
	is_int(pk_kconf_dump(&c, PK_KROLE_CONSUMER, &out, &err), 0, "consumer dump");
	ok(out.p && strstr(out.p, "\nenable.auto.commit = false\n") != NULL,
	    "auto commit stays off: the layer commits only what is durable");
	ok(out.p && strstr(out.p, "auto.offset.reset = smallest\n") != NULL, "earliest by default");

	/* librdkafka echoes the bad value; the message must not. */
	pk_kconf_set(&c, PK_KLAYER_ARG, "compression.codec", "hunter2", NULL);
	pk_buf_reset(&out);
	is_int(pk_kconf_dump(&c, PK_KROLE_PRODUCER, &out, &err), -1, "bad value");
	is_int(err.kind, PK_ERR_USAGE, "  usage error");
	is_str(err.msg, "-X compression.codec: Invalid value \"****\" for configuration property "
	    "\"compression.codec\"", "  scrubbed librdkafka message");
	pk_kconf_release(&c);
	pk_buf_release(&out);
}

static void
test_handles(void)
{
	struct pk_kconf c = PK_KCONF_INIT;
	struct pk_err err = PK_ERR_INIT;
	struct pk_kprod *p;
	struct pk_kcons *k;
	size_t n = 9;

	/* A producer and consumer come up and go without a reachable broker. */
	pk_kconf_brokers(&c, "127.0.0.1:1");
	pk_kconf_set(&c, PK_KLAYER_ARG, "sasl.password", "hunter2", NULL);
	p = pk_kprod_new(&c, NULL, NULL, &err);
	ok(p != NULL, "producer (%s)", err.msg);
	is_int(pk_kprod_outstanding(p), 0, "nothing outstanding");
	ok(pk_kprod_counts(p, &n) != NULL || n == 0, "no counts yet");
	is_int(n, 0, "  zero partitions");
	ok(pk_kprod_first_error(p) == NULL, "no error yet");
	is_int(pk_kprod_txn_begin(p, &err), -1, "no transactions without transactional.id");
	is_int(pk_kprod_close(p, &err), 0, "close with nothing sent");
	is_int(pk_kprod_close(NULL, &err), 0, "close(NULL)");

	k = pk_kcons_new(&c, NULL, 0, NULL, &err);
	ok(k != NULL, "consumer without a group");
	is_int(pk_kcons_subscribe(k, NULL, 0, &err), -1, "subscribe needs a group");
	is_int(pk_kcons_close(k, &err), 0, "close it");
	is_int(pk_kcons_close(NULL, &err), 0, "close(NULL)");

	pk_kconf_set(&c, PK_KLAYER_ARG, "security.protocol", "hunter2", NULL);
	ok(pk_kprod_new(&c, NULL, NULL, &err) == NULL, "bad configuration refused");
	ok(strstr(err.msg, "hunter2") == NULL && strstr(err.msg, "****") != NULL,
	    "  without the secret: %s", err.msg);
	pk_kconf_release(&c);
}

int
main(void)
{
	char cmd[128];

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	test_layers();
	test_secret_names();
	test_scrub();
	test_dump();
	test_handles();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return tap_done();
}
