/*
 * progress - bytes, records/s and ETA on stderr while a program reads.
 * The line matches lib/input.c's: "\r<tool>: 1.3 MB of 5.0 MB, 355132
 * rec/s, ETA 0:00" then ESC [ K (erase to the end of the line).
 */
#include "lib/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
pk_progress_start(struct pk_progress *p, const char *tool, int mode, char *const *paths,
    size_t n)
{
	struct stat st;
	const char *env;
	size_t i;

	p->tool = tool;
	p->on = 0;
	p->total = 0;
	if (mode == 0 || (mode < 0 && !isatty(2)))
		return 0;
	for (i = 0; i < n; i++) {
		if (strcmp(paths[i], "-") == 0 ? fstat(0, &st) : stat(paths[i], &st))
			return 0;
		if (!S_ISREG(st.st_mode))
			return 0;
		p->total += (uint64_t)st.st_size;
	}
	if (p->total == 0)
		return 0;
	p->start = mono();
	/* PIPEKIT_PROGRESS_INTERVAL (seconds) exists for the tests. */
	p->every = 0.5;
	if ((env = getenv("PIPEKIT_PROGRESS_INTERVAL")) != NULL)
		p->every = atof(env);
	p->next = p->start + p->every;
	p->on = 1;
	return 1;
}

static void
human(char *out, size_t n, double v)
{
	const char *u = "B";

	if (v >= 1e9) {
		v /= 1e9;
		u = "GB";
	} else if (v >= 1e6) {
		v /= 1e6;
		u = "MB";
	} else if (v >= 1e3) {
		v /= 1e3;
		u = "kB";
	}
	snprintf(out, n, "%.1f %s", v, u);
}

void
pk_progress_show(struct pk_progress *p, uint64_t done, uint64_t records)
{
	double t, el, rate, d = (double)done, total = (double)p->total;
	char a[32], b[32];

	if (!p->on)
		return;
	t = mono();
	if (t < p->next)
		return;
	p->next = t + p->every;
	el = t - p->start;
	rate = el > 0 ? (double)records / el : 0;
	human(a, sizeof a, d);
	human(b, sizeof b, total);
	if (d > 0 && d < total) {
		double eta = el * (total - d) / d;

		fprintf(stderr, "\r%s: %s of %s, %.0f rec/s, ETA %d:%02d\033[K", p->tool, a, b,
		    rate, (int)eta / 60, (int)eta % 60);
	} else {
		fprintf(stderr, "\r%s: %s of %s, %.0f rec/s\033[K", p->tool, a, b, rate);
	}
}

void
pk_progress_end(struct pk_progress *p)
{
	if (p->on) {
		fputs("\r\033[K", stderr);
		p->on = 0;
	}
}
