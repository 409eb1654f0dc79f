/*
 * config - dagcheck's settings from a `[tool.dagcheck]` table in
 * pyproject.toml or a .dagcheck.toml (a TOML subset reader), --require
 * lists, and the pools files --pools reads.
 */
#ifndef DC_CONFIG_H
#define DC_CONFIG_H

#include <stddef.h>

#include "cmd/dagcheck/rules.h"
#include "lib/err.h"

/* What a configuration file sets; has_* say which settings it names. */
struct dc_settings {
	char *path;			/* the file read */
	char **select, **ignore;
	size_t nselect, nignore;
	int has_select, has_ignore;
	struct { char *code; enum dc_sev sev; } *sevs;
	size_t nsevs;
	unsigned require;
	int has_require;
	enum dc_sev fail_on;
	int has_fail_on;
	int target;			/* 0: not set */
	char *pools, *known_dags;	/* resolved against the file's directory */
	int glob, has_glob;
};

/*
 * The configuration for a run starting at path: the nearest directory at or
 * above it (a file's directory for a file) holding .dagcheck.toml, or a
 * pyproject.toml with a [tool.dagcheck] table. Returns a new string (free
 * with free()), or NULL when there is none.
 */
char *dc_config_find(const char *path);

/* Read path into s (zeroed first). 0, or -1 with err (USAGE) "path:line: why". */
int dc_config_load(const char *path, struct dc_settings *s, struct pk_err *err);
void dc_settings_release(struct dc_settings *s);

/* "owner,sla,retries,execution_timeout,on_failure_callback" -> enum
 * dc_require bits; 0 or -1 with the unknown item in err. */
int dc_require_parse(const char *list, unsigned *out, struct pk_err *err);

/*
 * Pools from `airflow pools export` ({"name": {"slots": N, ...}, ...}) or the
 * REST API's pool list ({"pools": [{"name": .., "slots": ..}, ...]}, or the
 * bare array). Fills cfg->pools; 0, or -1 with err (USAGE).
 */
int dc_pools_load(const char *path, struct dc_config *cfg, struct pk_err *err);

#endif
