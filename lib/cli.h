/*
 * cli - one option table per program driving getopt_long, --help,
 * --version and --list-options, the common options, messages and exit codes.
 */
#ifndef PK_CLI_H
#define PK_CLI_H

#include <signal.h>
#include <stddef.h>

#include "lib/err.h"
#include "lib/time.h"
#include "lib/writer.h"

enum pk_arg { PK_ARG_NONE, PK_ARG_REQUIRED, PK_ARG_OPTIONAL };

/* One option. val is the short letter, or a value >= PK_OPT_TOOL for
 * long-only options of a tool. help NULL hides the option from --help,
 * --list-options and so the completions (it still works). */
struct pk_opt {
	int val;
	const char *name;
	enum pk_arg arg;
	const char *argname;
	const char *help;
};

/* Values of the long-only common options; a tool numbers its own from PK_OPT_TOOL. */
enum {
	PK_OPT_LIST_OPTIONS = 0x1000,
	PK_OPT_REJECT,
	PK_OPT_MAX_ERRORS,
	PK_OPT_MAX_RECORD_BYTES,
	PK_OPT_CSV,
	PK_OPT_PROGRESS,
	PK_OPT_NO_PROGRESS,
	PK_OPT_TIME_UNIT,
	PK_OPT_TOOL = 0x2000
};

/* Every program: -h -V -o -q -v and the hidden --list-options. */
#define PK_OPTS_BASIC \
	{ 'o', "format", PK_ARG_REQUIRED, "FMT", "output format" }, \
	{ 'q', "quiet", PK_ARG_NONE, NULL, "no summary line, no per-record messages" }, \
	{ 'v', "verbose", PK_ARG_NONE, NULL, "always print the summary line" }, \
	{ 'h', "help", PK_ARG_NONE, NULL, "show this help and exit" }, \
	{ 'V', "version", PK_ARG_NONE, NULL, "show the version and exit" }, \
	{ PK_OPT_LIST_OPTIONS, "list-options", PK_ARG_NONE, NULL, NULL }

/* Programs that read records: rejects, limits, CSV, progress. */
#define PK_OPTS_RECORDS \
	{ PK_OPT_REJECT, "reject", PK_ARG_REQUIRED, "FILE", "append rejected records to FILE as NDJSON envelopes" }, \
	{ PK_OPT_MAX_ERRORS, "max-errors", PK_ARG_REQUIRED, "N", "stop with exit 3 past N rejected records" }, \
	{ PK_OPT_MAX_RECORD_BYTES, "max-record-bytes", PK_ARG_REQUIRED, "N", "longest accepted line (default 16M)" }, \
	{ PK_OPT_CSV, "csv", PK_ARG_NONE, NULL, "read CSV with a header row (also for *.csv names)" }, \
	{ PK_OPT_PROGRESS, "progress", PK_ARG_NONE, NULL, "show a progress line on stderr" }, \
	{ PK_OPT_NO_PROGRESS, "no-progress", PK_ARG_NONE, NULL, "never show a progress line" }

/* Programs with event times (-T): how epoch numbers are read. */
#define PK_OPT_TIME_UNIT_ENTRY \
	{ PK_OPT_TIME_UNIT, "time-unit", PK_ARG_REQUIRED, "UNIT", "epoch numbers in s, ms, us, ns (default: by magnitude)" }

#define PK_OPTS_END { 0, NULL, PK_ARG_NONE, NULL, NULL }

struct pk_cli {
	const char *prog;
	const char *synopsis;		/* usage line after the program name */
	const char *description;	/* one sentence for --help */
	const struct pk_opt *opts;
	const char *formats;		/* comma-separated; the first is the default */

	/* after pk_cli_getopt */
	const char *optarg;
	int optind;

	/* common option values */
	const char *format;
	int quiet, verbose;
	int progress;			/* -1 auto (stderr a TTY and size known), 0, 1 */
	const char *reject_path;
	long long max_errors;		/* -1 unlimited */
	size_t max_record_bytes;
	int csv;

	struct pk_writer *out;		/* stdout, opened by pk_cli_getopt's first call */

	/* private */
	void *priv_long;
	char *priv_short;
	char *priv_format;
};

#define PK_CLI_INIT(prog, synopsis, opts) \
	{ (prog), (synopsis), NULL, (opts), NULL, NULL, 1, NULL, 0, 0, -1, NULL, -1, 0, 0, NULL, NULL, NULL, NULL }

/*
 * Next option from argv, like getopt_long: returns the option's val, or -1
 * at the end (then cli->optind is the first operand). --help, --version and
 * --list-options are handled here (print, exit 0); an unknown option or a
 * missing argument is a usage error (exit 2). On the first call it installs
 * the SIGINT/SIGTERM flag and opens cli->out on stdout.
 */
int pk_cli_getopt(struct pk_cli *cli, int argc, char *argv[]);
/* Handle one of the common options (PK_OPTS_BASIC/RECORDS); a usage error
 * for anything else. in may be NULL for programs without record input. */
struct pk_input;
void pk_cli_common(struct pk_cli *cli, struct pk_input *in, int opt);

/* Copy the common record options (limits, CSV, progress, --reject,
 * --max-errors, -q) and the program name into in; call after the options. */
void pk_cli_input(const struct pk_cli *cli, struct pk_input *in);

/* Argument parsers for cli->optarg; each exits 2 with a message when the
 * value is not valid. Sizes take K, M, G suffixes (powers of 1024). */
long long pk_cli_long(struct pk_cli *cli, long long min, long long max);
double pk_cli_double(struct pk_cli *cli, double min, double max);
unsigned long long pk_cli_size(struct pk_cli *cli);
long long pk_cli_duration(struct pk_cli *cli);	/* nanoseconds */
enum pk_time_unit pk_cli_time_unit(struct pk_cli *cli);	/* --time-unit */

/* `prog: message` + "Try 'prog --help'." on stderr, exit 2. */
void pk_cli_usage(const struct pk_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/* `prog: message` on stderr. */
void pk_cli_warn(const struct pk_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * librdkafka's log lines for a program (pk_kconf.log, with the struct
 * pk_cli as arg): `prog: kafka FACILITY: message` on stderr for warnings
 * and errors (level <= 4) and for the debug lines -X debug=... asks for
 * (level 7), as kcat shows them; none with -q. A warning that a property
 * belongs to the other role (consumer, producer) is left out: programs
 * give one -X set to both.
 */
void pk_cli_klog(void *cli, int level, const char *facility, const char *msg);
/* Print err, remove temporary outputs, exit with err's status (2, 3 or 4). */
void pk_die(const struct pk_cli *cli, const struct pk_err *err) __attribute__((noreturn));

/* 1 once SIGINT or SIGTERM arrived; the signal number in pk_cli_signal(). */
int pk_cli_interrupted(void);
int pk_cli_signal(void);

/*
 * End of the program: print the summary line of in (when in != NULL),
 * flush and close cli->out (exit 4 with a message if that fails) and
 * return the exit status: verdict (0 or 1, what the tool decided),
 * or 128+signal after SIGINT/SIGTERM.
 */
int pk_cli_finish(struct pk_cli *cli, struct pk_input *in, int verdict);

/* Print the --help page to stdout (used by pk_cli_getopt). */
void pk_cli_help(const struct pk_cli *cli);

#endif
