/*
 * err - filling struct pk_err and mapping its kind to an exit status.
 */
#include "lib/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void
vset(struct pk_err *err, enum pk_err_kind kind, const char *fmt, va_list ap)
{
	err->kind = kind;
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

int
pk_err_set(struct pk_err *err, enum pk_err_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vset(err, kind, fmt, ap);
	va_end(ap);
	return -1;
}

int
pk_err_errno(struct pk_err *err, enum pk_err_kind kind, const char *fmt, ...)
{
	int saved = errno;
	size_t n;
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vset(err, kind, fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

void
pk_err_clear(struct pk_err *err)
{
	if (err != NULL) {
		err->kind = PK_ERR_NONE;
		err->msg[0] = '\0';
	}
}

int
pk_err_exit(const struct pk_err *err)
{
	switch (err->kind) {
	case PK_ERR_NONE:	return 0;
	case PK_ERR_VERDICT:	return 1;
	case PK_ERR_USAGE:	return 2;
	case PK_ERR_DATA:	return 3;
	case PK_ERR_IO:
	case PK_ERR_KAFKA:	return 4;
	}
	return 4;
}
