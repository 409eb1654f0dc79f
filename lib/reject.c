/*
 * reject - envelopes for rejected and late records, and the run's accounting.
 */
#include "lib/reject.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "lib/time.h"

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void
pk_envelope(struct pk_buf *out, const char *tool, const char *error, const char *source,
    long line, const void *raw, size_t rawn, int64_t ts_ns)
{
	pk_buf_adds(out, "{\"error\":");
	pk_buf_add_json_str(out, error, strlen(error));
	pk_buf_adds(out, ",\"tool\":");
	pk_buf_add_json_str(out, tool, strlen(tool));
	pk_buf_adds(out, ",\"source\":");
	pk_buf_add_json_str(out, source, strlen(source));
	pk_buf_adds(out, ",\"line\":");
	if (line >= 0)
		pk_buf_add_i64(out, line);
	else
		pk_buf_adds(out, "null");
	if (pk_utf8_valid(raw, rawn)) {
		pk_buf_adds(out, ",\"raw\":");
		pk_buf_add_json_str(out, raw, rawn);
	} else {
		pk_buf_adds(out, ",\"raw_base64\":\"");
		pk_buf_add_base64(out, raw, rawn);
		pk_buf_addc(out, '"');
	}
	pk_buf_adds(out, ",\"ts\":\"");
	pk_time_format(ts_ns, out);
	pk_buf_adds(out, "\"}");
}

int
pk_envlog_open(struct pk_envlog *log, const char *tool, const char *path, struct pk_err *err)
{
	log->tool = tool;
	log->w = NULL;
	if (path == NULL)
		return 0;
	log->w = pk_writer_open(path, PK_W_APPEND | PK_W_NO_COMPRESS, err);
	return log->w ? 0 : -1;
}

int
pk_envlog_write(struct pk_envlog *log, const char *error, const char *source, long line,
    const void *raw, size_t rawn, struct pk_err *err)
{
	if (log->w == NULL)
		return 0;
	if (line <= 0 && !(line == 0 && log->offsets))
		line = -1;
	pk_buf_reset(&log->line);
	pk_envelope(&log->line, log->tool, error, source, line, raw, rawn, now_ns());
	return pk_writer_line(log->w, log->line.p, log->line.len, err);
}

int
pk_envlog_close(struct pk_envlog *log, struct pk_err *err)
{
	int rc = 0;

	if (log->w != NULL)
		rc = pk_writer_close(log->w, err);
	log->w = NULL;
	pk_buf_release(&log->line);
	return rc;
}

int
pk_reject_open(struct pk_reject *rj, const char *tool, const char *path, struct pk_err *err)
{
	rj->tool = tool;
	return pk_envlog_open(&rj->log, tool, path, err);
}

int
pk_reject_add(struct pk_reject *rj, const char *source, long line, const void *raw,
    size_t rawn, const char *reason, struct pk_err *err)
{
	rj->rejected++;
	if (rj->diag != NULL) {
		if (line > 0 || (line == 0 && rj->log.offsets))
			fprintf(rj->diag, "%s: %s:%ld: %s\n", rj->tool, source, line, reason);
		else
			fprintf(rj->diag, "%s: %s: %s\n", rj->tool, source, reason);
	}
	if (pk_envlog_write(&rj->log, reason, source, line, raw, rawn, err) != 0)
		return -1;
	if (rj->max_errors >= 0 && rj->rejected > (uint64_t)rj->max_errors)
		return pk_err_set(err, PK_ERR_DATA, "too many rejected records (--max-errors %lld)",
		    rj->max_errors);
	return 0;
}

int
pk_reject_close(struct pk_reject *rj, struct pk_err *err)
{
	return pk_envlog_close(&rj->log, err);
}

void
pk_reject_summary(const struct pk_reject *rj, struct pk_buf *out)
{
	uint64_t used = rj->read - rj->rejected - rj->late;

	pk_buf_printf(out, "%s: %" PRIu64 " read, %" PRIu64 " used, %" PRIu64 " rejected",
	    rj->tool, rj->read, used, rj->rejected);
	if (rj->has_late)
		pk_buf_printf(out, ", %" PRIu64 " late", rj->late);
}
