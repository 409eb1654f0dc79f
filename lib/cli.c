/*
 * cli - option tables, help pages, argument parsing and the program's exit.
 */
#include "lib/cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/input.h"
#include "lib/reader.h"
#include "lib/time.h"

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

int
pk_cli_interrupted(void)
{
	return got_signal != 0;
}

int
pk_cli_signal(void)
{
	return got_signal;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocking read returns EINTR and the loop sees the flag. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_DFL);
	pk_reader_set_stop(pk_cli_interrupted);
}

static size_t
nopts(const struct pk_opt *o)
{
	size_t n = 0;

	while (o[n].name != NULL)
		n++;
	return n;
}

static void
build_getopt(struct pk_cli *cli)
{
	size_t n = nopts(cli->opts), i;
	struct option *lo = pk_xcalloc(n + 1, sizeof *lo);
	struct pk_buf sh = PK_BUF_INIT;

	pk_buf_addc(&sh, ':');	/* report missing arguments as ':' */
	for (i = 0; i < n; i++) {
		const struct pk_opt *o = &cli->opts[i];

		lo[i].name = o->name;
		lo[i].has_arg = o->arg == PK_ARG_REQUIRED ? required_argument :
		    o->arg == PK_ARG_OPTIONAL ? optional_argument : no_argument;
		lo[i].flag = NULL;
		lo[i].val = o->val;
		if (o->val > 0 && o->val < 128) {
			pk_buf_addc(&sh, (char)o->val);
			if (o->arg == PK_ARG_REQUIRED)
				pk_buf_addc(&sh, ':');
			else if (o->arg == PK_ARG_OPTIONAL)
				pk_buf_adds(&sh, "::");
		}
	}
	cli->priv_long = lo;
	cli->priv_short = pk_buf_detach(&sh, NULL);
}

static const struct pk_opt *
find_opt(const struct pk_cli *cli, int val)
{
	const struct pk_opt *o;

	for (o = cli->opts; o->name != NULL; o++)
		if (o->val == val)
			return o;
	return NULL;
}

void
pk_cli_usage(const struct pk_cli *cli, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", cli->prog);
	pk_writer_abort_all();
	exit(2);
}

void
pk_cli_warn(const struct pk_cli *cli, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
pk_cli_klog(void *arg, int level, const char *facility, const char *msg)
{
	const struct pk_cli *cli = arg;

	/* One -X set serves a program's consumer and producer alike: that a
	 * property is the other role's is no news. */
	if (strcmp(facility, "CONFWARN") == 0 && strstr(msg, " will be ignored by this ") != NULL)
		return;
	if (!cli->quiet && (level <= 4 || level == 7))
		fprintf(stderr, "%s: kafka %s: %s\n", cli->prog, facility, msg);
}

void
pk_die(const struct pk_cli *cli, const struct pk_err *err)
{
	int status = pk_err_exit(err);

	if (status == 0)
		status = 4;
	fprintf(stderr, "%s: %s\n", cli->prog, err->msg[0] ? err->msg : "failed");
	if (err->kind == PK_ERR_USAGE)
		fprintf(stderr, "Try '%s --help'.\n", cli->prog);
	pk_writer_abort_all();
	exit(status);
}

static void
opt_label(struct pk_buf *b, const struct pk_opt *o)
{
	if (o->val > 0 && o->val < 128)
		pk_buf_printf(b, "-%c, ", o->val);
	else
		pk_buf_adds(b, "    ");
	pk_buf_printf(b, "--%s", o->name);
	if (o->arg == PK_ARG_REQUIRED)
		pk_buf_printf(b, " %s", o->argname ? o->argname : "ARG");
	else if (o->arg == PK_ARG_OPTIONAL)
		pk_buf_printf(b, "[=%s]", o->argname ? o->argname : "ARG");
}

/* Append text to b, wrapped at width columns; continuation lines start at indent. */
static void
add_wrapped(struct pk_buf *b, const char *text, size_t col, size_t indent, size_t width)
{
	const char *p = text;

	while (*p) {
		const char *sp = p, *brk = NULL;

		while (*sp && (size_t)(sp - p) + col < width) {
			if (*sp == ' ')
				brk = sp;
			sp++;
		}
		if (*sp == '\0') {
			pk_buf_adds(b, p);
			return;
		}
		if (brk == NULL || brk == p)	/* one long word: let it run over */
			brk = strchr(sp, ' ') ? strchr(sp, ' ') : sp + strlen(sp);
		pk_buf_add(b, p, (size_t)(brk - p));
		if (*brk == '\0')
			return;
		pk_buf_printf(b, "\n%*s", (int)indent, "");
		col = indent;
		p = brk + 1;
	}
}

void
pk_cli_help(const struct pk_cli *cli)
{
	const struct pk_opt *o;
	struct pk_buf b = PK_BUF_INIT, lab = PK_BUF_INIT, text = PK_BUF_INIT;

	pk_buf_printf(&b, "Usage: %s ", cli->prog);
	add_wrapped(&b, cli->synopsis, 8 + strlen(cli->prog), 4, 79);
	pk_buf_addc(&b, '\n');
	if (cli->description) {
		add_wrapped(&b, cli->description, 0, 0, 79);
		pk_buf_addc(&b, '\n');
	}
	pk_buf_adds(&b, "\nOptions:\n");
	for (o = cli->opts; o->name != NULL; o++) {
		if (o->help == NULL)
			continue;
		pk_buf_reset(&lab);
		opt_label(&lab, o);
		pk_buf_reset(&text);
		pk_buf_adds(&text, o->help);
		if (o->val == 'o' && cli->formats)
			pk_buf_printf(&text, ": %s", cli->formats);
		if (lab.len <= 26)
			pk_buf_printf(&b, "  %-26s ", lab.p);
		else
			pk_buf_printf(&b, "  %s\n  %-26s ", lab.p, "");
		add_wrapped(&b, text.p, 29, 29, 79);
		pk_buf_addc(&b, '\n');
	}
	pk_buf_printf(&b, "\nExit status: 0 ok, 1 check failed, 2 usage, 3 too many rejects, 4 I/O, broker.\n"
	    "See %s(1) and pipekit(7).\n", cli->prog);
	fwrite(b.p, 1, b.len, stdout);
	pk_buf_release(&b);
	pk_buf_release(&lab);
	pk_buf_release(&text);
}

static void
list_options(const struct pk_cli *cli)
{
	const struct pk_opt *o;

	for (o = cli->opts; o->name != NULL; o++) {
		if (o->help == NULL)
			continue;	/* hidden: debugging aids and --list-options itself */
		if (o->val > 0 && o->val < 128)
			printf("-%c ", o->val);
		printf("--%s", o->name);
		if (o->arg != PK_ARG_NONE)
			printf(" %s", o->argname ? o->argname : "ARG");
		printf("\n");
	}
}

static int
format_known(const char *formats, const char *f)
{
	size_t n = strlen(f);
	const char *p = formats;

	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && strncmp(p, f, n) == 0)
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

static void
exit_ok(const struct pk_cli *cli)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		fprintf(stderr, "%s: write error on standard output: %s\n", cli->prog,
		    strerror(errno));
		exit(4);
	}
	exit(0);
}

int
pk_cli_getopt(struct pk_cli *cli, int argc, char *argv[])
{
	struct pk_err err = PK_ERR_INIT;
	int c, idx = -1;

	if (cli->priv_long == NULL) {
		build_getopt(cli);
		install_signals();
		opterr = 0;
		optind = 1;
		if (cli->formats && cli->format == NULL) {
			const char *e = strchr(cli->formats, ',');

			if (e != NULL) {
				cli->priv_format = pk_xstrndup(cli->formats,
				    (size_t)(e - cli->formats));
				cli->format = cli->priv_format;
			} else {
				cli->format = cli->formats;
			}
		}
	}
	c = getopt_long(argc, argv, cli->priv_short, cli->priv_long, &idx);
	cli->optarg = optarg;
	cli->optind = optind;
	if (c == -1) {
		if (cli->out == NULL && (cli->out = pk_writer_open(NULL, 0, &err)) == NULL)
			pk_die(cli, &err);
		return -1;
	}
	if (c == '?') {
		if (optopt > 0 && optopt < 128)
			pk_cli_usage(cli, "invalid option -- '%c'", optopt);
		pk_cli_usage(cli, "unrecognized option '%s'", argv[optind - 1]);
	}
	if (c == ':') {
		const struct pk_opt *o = find_opt(cli, optopt);

		if (o && (optopt >= 128 || optopt <= 0 || strncmp(argv[optind - 1], "--", 2) == 0))
			pk_cli_usage(cli, "option '--%s' requires an argument", o->name);
		pk_cli_usage(cli, "option requires an argument -- '%c'", optopt);
	}
	switch (c) {
	case 'h':
		pk_cli_help(cli);
		exit_ok(cli);
		break;
	case 'V':
		printf("%s (pipekit) %s\n", cli->prog, PK_VERSION);
		exit_ok(cli);
		break;
	case PK_OPT_LIST_OPTIONS:
		list_options(cli);
		exit_ok(cli);
		break;
	}
	return c;
}

void
pk_cli_common(struct pk_cli *cli, struct pk_input *in, int opt)
{
	switch (opt) {
	case 'o':
		if (cli->formats && !format_known(cli->formats, cli->optarg))
			pk_cli_usage(cli, "unknown format '%s' (one of %s)", cli->optarg, cli->formats);
		cli->format = cli->optarg;
		return;
	case 'q':
		cli->quiet = 1;
		break;
	case 'v':
		cli->verbose = 1;
		break;
	case PK_OPT_REJECT:
		cli->reject_path = cli->optarg;
		break;
	case PK_OPT_MAX_ERRORS:
		cli->max_errors = pk_cli_long(cli, 0, LLONG_MAX);
		break;
	case PK_OPT_MAX_RECORD_BYTES:
		cli->max_record_bytes = (size_t)pk_cli_size(cli);
		if (cli->max_record_bytes == 0 || cli->max_record_bytes > (1ull << 31))
			pk_cli_usage(cli, "--max-record-bytes must be between 1 and 2G");
		break;
	case PK_OPT_CSV:
		cli->csv = 1;
		break;
	case PK_OPT_PROGRESS:
		cli->progress = 1;
		break;
	case PK_OPT_NO_PROGRESS:
		cli->progress = 0;
		break;
	default:
		pk_cli_usage(cli, "option not handled (a bug): %d", opt);
	}
	if (in != NULL)
		pk_cli_input(cli, in);
}

void
pk_cli_input(const struct pk_cli *cli, struct pk_input *in)
{
	in->tool = cli->prog;
	in->max_line = cli->max_record_bytes;
	in->csv = cli->csv;
	in->progress = cli->progress;
	in->quiet = cli->quiet;
	in->reject_path = cli->reject_path;
	in->rej.max_errors = cli->max_errors;
}

static void
bad_arg(struct pk_cli *cli, const char *what)
{
	pk_cli_usage(cli, "invalid %s '%s'", what, cli->optarg ? cli->optarg : "");
}

long long
pk_cli_long(struct pk_cli *cli, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(cli->optarg, &end, 10);
	if (cli->optarg[0] == '\0' || *end != '\0' || errno != 0)
		bad_arg(cli, "number");
	if (v < min || v > max)
		pk_cli_usage(cli, "'%s' is out of range (%lld..%lld)", cli->optarg, min, max);
	return v;
}

double
pk_cli_double(struct pk_cli *cli, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(cli->optarg, &end);
	if (cli->optarg[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(v))
		bad_arg(cli, "number");
	if (v < min || v > max)
		pk_cli_usage(cli, "'%s' is out of range (%g..%g)", cli->optarg, min, max);
	return v;
}

unsigned long long
pk_cli_size(struct pk_cli *cli)
{
	char *end;
	unsigned long long v, mul = 1;

	errno = 0;
	if (cli->optarg[0] == '-' || cli->optarg[0] == '\0')
		bad_arg(cli, "size");
	v = strtoull(cli->optarg, &end, 10);
	if (errno != 0 || end == cli->optarg)
		bad_arg(cli, "size");
	switch (*end) {
	case 'k': case 'K': mul = 1ull << 10; end++; break;
	case 'm': case 'M': mul = 1ull << 20; end++; break;
	case 'g': case 'G': mul = 1ull << 30; end++; break;
	}
	if (*end == 'i' && mul > 1)
		end++;
	if (*end == 'B' && mul > 1)
		end++;
	if (*end != '\0' || (v && mul > ULLONG_MAX / v))
		bad_arg(cli, "size");
	return v * mul;
}

long long
pk_cli_duration(struct pk_cli *cli)
{
	struct pk_err err = PK_ERR_INIT;
	int64_t ns;

	if (pk_duration_parse(cli->optarg, strlen(cli->optarg), &ns, &err) != 0)
		pk_cli_usage(cli, "%s", err.msg);
	return ns;
}

enum pk_time_unit
pk_cli_time_unit(struct pk_cli *cli)
{
	enum pk_time_unit u;

	if (pk_time_parse_unit(cli->optarg, &u) < 0)
		pk_cli_usage(cli, "invalid --time-unit '%s' (s, ms, us, ns, auto)", cli->optarg);
	return u;
}

int
pk_cli_finish(struct pk_cli *cli, struct pk_input *in, int verdict)
{
	struct pk_err err = PK_ERR_INIT;
	int rc = 0;

	if (in != NULL) {
		if (pk_input_close(in, &err) != 0)
			rc = -1;
		if (!cli->quiet && (cli->verbose || in->rej.rejected || in->rej.late)) {
			struct pk_buf b = PK_BUF_INIT;

			pk_reject_summary(&in->rej, &b);
			fprintf(stderr, "%s\n", b.p);
			pk_buf_release(&b);
		}
	}
	if (cli->out != NULL) {
		struct pk_err cerr = PK_ERR_INIT;

		if (pk_writer_close(cli->out, &cerr) != 0 && rc == 0) {
			err = cerr;
			rc = -1;
		}
		cli->out = NULL;
	}
	if (rc != 0)
		pk_die(cli, &err);
	free(cli->priv_long);
	free(cli->priv_short);
	free(cli->priv_format);
	cli->priv_long = NULL;
	cli->priv_short = cli->priv_format = NULL;
	if (got_signal)
		return 128 + got_signal;
	return verdict;
}
