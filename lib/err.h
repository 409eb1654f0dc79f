/*
 * err - the error record every lib/ function fills instead of printing.
 */
#ifndef PK_ERR_H
#define PK_ERR_H

#include <stddef.h>

/* Kinds map onto the exit status of DESIGN.md (see pk_err_exit). */
enum pk_err_kind {
	PK_ERR_NONE = 0,
	PK_ERR_VERDICT,		/* 1: the check the user asked for failed */
	PK_ERR_USAGE,		/* 2 */
	PK_ERR_DATA,		/* 3: too many rejected records, bad state file contents */
	PK_ERR_IO,		/* 4 */
	PK_ERR_KAFKA		/* 4 */
};

struct pk_err {
	enum pk_err_kind kind;
	char msg[1024];		/* lowercase, no full stop, location first when known */
};

#define PK_ERR_INIT { PK_ERR_NONE, "" }

/* Fill err (NULL-safe) and return -1, so callers can `return pk_err_set(...)`. */
int pk_err_set(struct pk_err *err, enum pk_err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, appending ": strerror(errno)" as of the call. */
int pk_err_errno(struct pk_err *err, enum pk_err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void pk_err_clear(struct pk_err *err);
int pk_err_exit(const struct pk_err *err);	/* 0..4 */

#endif
