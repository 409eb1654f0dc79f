/*
 * test_ledger - lib/ledger: ids survive a reopen, the lock refuses a second
 * writer, a torn last line is cut off, a corrupt line is an error, many ids
 * (hash set growth), ids with escapes and NUL bytes; refs: a looked-up id is
 * no success until recorded, refs stay valid while the set grows; the
 * background writer makes every line durable once, in order.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/ledger.h"
#include "tests/unit/tap.h"

static char dir[] = "/tmp/test_ledger.XXXXXX";
static char path[64];

static void
put(const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static long
fsize(void)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

int
main(void)
{
	struct pk_ledger a = PK_LEDGER_INIT, b = PK_LEDGER_INIT;
	struct pk_err err = PK_ERR_INIT;
	char id[32], buf[512];
	int i, all = 1;
	FILE *f;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/ledger.ndjson", dir);

	/* Read mode on a missing file: empty, nothing created. */
	is_int(pk_ledger_open(&a, path, PK_LEDGER_READ, &err), 0, "read mode, missing file");
	is_int(a.count, 0, "empty");
	pk_ledger_close(&a, NULL);
	is_int(fsize(), -1, "read mode creates nothing");

	is_int(pk_ledger_open(&a, path, PK_LEDGER_WRITE, &err), 0, "write mode creates");
	is_int(pk_ledger_add(&a, "abc", 3, ",\"ts\":\"2026-01-01T00:00:00Z\""), 1, "add abc");
	is_int(pk_ledger_add(&a, "abc", 3, NULL), 0, "abc again is not added");
	is_int(pk_ledger_has(&a, "abc", 3), 1, "abc is in the set before the sync");
	is_int(pk_ledger_add(&a, "q\"\\\n\0z", 6, NULL), 1, "id with escapes and NUL");
	is_int((long long)pk_ledger_pending(&a), 2, "two pending");
	is_int(fsize(), 0, "nothing written before the sync");
	is_int(pk_ledger_sync(&a, &err), 0, "sync");
	is_int((long long)pk_ledger_pending(&a), 0, "none pending");

	/* A second writer is refused while the first holds the lock. */
	is_int(pk_ledger_open(&b, path, PK_LEDGER_WRITE, &err), -1, "second writer refused");
	snprintf(buf, sizeof buf, "ledger '%s' is locked by another run (is a dlqreplay with "
	    "this --ledger still running?)", path);
	is_str(err.msg, buf, "lock message");
	is_int(err.kind, PK_ERR_IO, "lock is an I/O error");
	pk_ledger_close(&b, NULL);
	is_int(pk_ledger_close(&a, &err), 0, "close");

	f = fopen(path, "r");
	is_int(fgets(buf, sizeof buf, f) != NULL, 1, "first line");
	is_str(buf, "{\"id\":\"abc\",\"ts\":\"2026-01-01T00:00:00Z\"}\n", "line format");
	fclose(f);

	memset(&b, 0, sizeof b);
	{
		struct pk_ledger z = PK_LEDGER_INIT;

		b = z;
	}
	is_int(pk_ledger_open(&b, path, PK_LEDGER_WRITE, &err), 0, "reopen after close");
	is_int((long long)b.loaded, 2, "two lines loaded");
	is_int(pk_ledger_has(&b, "abc", 3), 1, "abc loaded");
	is_int(pk_ledger_has(&b, "q\"\\\n\0z", 6), 1, "escaped id loaded byte-exact");
	is_int(pk_ledger_has(&b, "ab", 2), 0, "prefix is not an id");
	for (i = 0; i < 20000; i++) {
		snprintf(id, sizeof id, "id-%d", i);
		pk_ledger_add(&b, id, strlen(id), NULL);
	}
	is_int(pk_ledger_sync(&b, &err), 0, "sync 20000");
	pk_ledger_close(&b, NULL);
	{
		struct pk_ledger z = PK_LEDGER_INIT;

		b = z;
	}
	is_int(pk_ledger_open(&b, path, PK_LEDGER_READ, &err), 0, "read 20002 lines");
	for (i = 0; i < 20000; i++) {
		snprintf(id, sizeof id, "id-%d", i);
		if (!pk_ledger_has(&b, id, strlen(id)))
			all = 0;
	}
	ok(all, "all 20000 ids found");
	is_int((long long)b.count, 20002, "20002 ids");
	pk_ledger_close(&b, NULL);

	/* A crash in the middle of an append: the unfinished line is cut off. */
	put("{\"id\":\"one\"}\n{\"id\":\"tw");
	{
		struct pk_ledger z = PK_LEDGER_INIT;

		b = z;
	}
	is_int(pk_ledger_open(&b, path, PK_LEDGER_WRITE, &err), 0, "torn last line accepted");
	is_int(b.torn, 1, "torn flagged");
	is_int(pk_ledger_has(&b, "tw", 2), 0, "torn id not taken");
	is_int(fsize(), 13, "file cut to the last complete line");
	pk_ledger_add(&b, "two", 3, NULL);
	pk_ledger_close(&b, NULL);
	f = fopen(path, "r");
	buf[fread(buf, 1, sizeof buf - 1, f)] = '\0';
	fclose(f);
	is_str(buf, "{\"id\":\"one\"}\n{\"id\":\"two\"}\n", "next append follows cleanly");

	/* A complete line that is no ledger entry: an error with its line. */
	put("{\"id\":\"one\"}\n{\"id\":7}\n");
	{
		struct pk_ledger z = PK_LEDGER_INIT;

		b = z;
	}
	is_int(pk_ledger_open(&b, path, PK_LEDGER_WRITE, &err), -1, "bad entry refused");
	snprintf(buf, sizeof buf, "%s:2: not a ledger entry (a JSON object with a string \"id\")",
	    path);
	is_str(err.msg, buf, "bad entry message");
	is_int(err.kind, PK_ERR_DATA, "data error");
	pk_ledger_close(&b, NULL);
	put("not json\n");
	{
		struct pk_ledger z = PK_LEDGER_INIT;

		b = z;
	}
	is_int(pk_ledger_open(&b, path, PK_LEDGER_READ, &err), -1, "not JSON refused");
	pk_ledger_close(&b, NULL);
	/* Blank lines and CRLF are tolerated. */
	put("\n{\"id\":\"x\",\"ts\":1}\r\n\n");
	{
		struct pk_ledger z = PK_LEDGER_INIT;

		b = z;
	}
	is_int(pk_ledger_open(&b, path, PK_LEDGER_READ, &err), 0, "blank lines and CRLF");
	is_int(pk_ledger_has(&b, "x", 1), 1, "x loaded");
	pk_ledger_close(&b, NULL);

	/* Refs: entered ids are not successes; recording by ref writes the
	 * line; refs made before 50,000 more ids still name their id. */
	put("{\"id\":\"old\"}\n");
	{
		struct pk_ledger z = PK_LEDGER_INIT;
		uint32_t rold, rnew, again;

		b = z;
		is_int(pk_ledger_open(&b, path, PK_LEDGER_WRITE, &err), 0, "open for refs");
		rold = pk_ledger_ref(&b, pk_ledger_hash("old", 3), "old", 3);
		is_int(pk_ledger_done(&b, rold), 1, "a loaded id is done");
		rnew = pk_ledger_ref(&b, pk_ledger_hash("new", 3), "new", 3);
		is_int(pk_ledger_done(&b, rnew), 0, "an entered id is not done");
		is_int(pk_ledger_has(&b, "new", 3), 0, "nor in the set of successes");
		is_int((long long)b.count, 1, "count holds successes only");
		all = 1;
		for (i = 0; i < 50000; i++) {
			snprintf(id, sizeof id, "r-%d", i);
			if (pk_ledger_ref(&b, pk_ledger_hash(id, strlen(id)), id, strlen(id)) !=
			    (uint32_t)i + 2)
				all = 0;
		}
		ok(all, "refs are handed out in order");
		again = pk_ledger_ref(&b, pk_ledger_hash("new", 3), "new", 3);
		is_int(again, rnew, "the same id, the same ref after growth");
		is_int(pk_ledger_succeed(&b, rnew, ",\"attempts\":2"), 1, "succeed by ref");
		is_int(pk_ledger_succeed(&b, rnew, NULL), 0, "twice is a no-op");
		is_int(pk_ledger_done(&b, rnew), 1, "done now");
		is_int(pk_ledger_has(&b, "new", 3), 1, "in the set of successes");
		is_int(pk_ledger_done(&b, 60000), 0, "an unknown ref is not done");
		is_int(pk_ledger_close(&b, &err), 0, "close");
	}
	f = fopen(path, "r");
	buf[fread(buf, 1, sizeof buf - 1, f)] = '\0';
	fclose(f);
	is_str(buf, "{\"id\":\"old\"}\n{\"id\":\"new\",\"attempts\":2}\n",
	    "only the success reached the file");

	/* Ids that need escaping are escaped; plain ones copied. */
	unlink(path);
	{
		struct pk_ledger z = PK_LEDGER_INIT;

		b = z;
		pk_ledger_open(&b, path, PK_LEDGER_WRITE, &err);
		pk_ledger_add(&b, "a\"b\\c\x01\xc3\xa9", 8, NULL);
		pk_ledger_add(&b, "plain-1", 7, NULL);
		pk_ledger_close(&b, &err);
	}
	f = fopen(path, "r");
	buf[fread(buf, 1, sizeof buf - 1, f)] = '\0';
	fclose(f);
	is_str(buf, "{\"id\":\"a\\\"b\\\\c\\u0001\xc3\xa9\"}\n{\"id\":\"plain-1\"}\n",
	    "escaped and plain ids");

	/* The background writer: lots handed over while it is idle, lines
	 * queued meanwhile wait for the next flush; all reaped, in order. */
	unlink(path);
	{
		struct pk_ledger z = PK_LEDGER_INIT;
		long got = 0, n;
		size_t handed = 0;
		int spins = 0, order = 1;
		long line = 0;

		b = z;
		is_int(pk_ledger_open(&b, path, PK_LEDGER_WRITE, &err), 0, "open for the writer");
		is_int(pk_ledger_bg_start(&b, &err), 0, "writer started");
		for (i = 0; i < 3000; i++) {
			snprintf(id, sizeof id, "bg-%d", i);
			pk_ledger_add(&b, id, strlen(id), NULL);
			if (i % 100 == 99)
				handed += pk_ledger_bg_flush(&b);
			if ((n = pk_ledger_bg_reap(&b, &err)) < 0)
				break;
			got += n;
		}
		while (got < 3000 && spins++ < 100000) {
			handed += pk_ledger_bg_flush(&b);
			if ((n = pk_ledger_bg_reap(&b, &err)) < 0)
				break;
			got += n;
			if (got < 3000)
				usleep(100);
		}
		is_int((long long)handed, 3000, "every line handed over");
		is_int(got, 3000, "every line reaped as durable");
		is_int(pk_ledger_bg_busy(&b), 0, "idle at the end");
		is_int((long long)pk_ledger_pending(&b), 0, "nothing left queued");
		pk_ledger_add(&b, "after", 5, NULL);
		is_int(pk_ledger_close(&b, &err), 0, "close stops the writer and syncs the rest");
		f = fopen(path, "r");
		while (fgets(buf, sizeof buf, f) != NULL) {
			char want[64];

			if (line < 3000)
				snprintf(want, sizeof want, "{\"id\":\"bg-%ld\"}\n", line);
			else
				snprintf(want, sizeof want, "{\"id\":\"after\"}\n");
			if (strcmp(buf, want) != 0)
				order = 0;
			line++;
		}
		fclose(f);
		is_int(line, 3001, "3001 lines in the file");
		ok(order, "in the order they were added");
	}

	unlink(path);
	rmdir(dir);
	return tap_done();
}
