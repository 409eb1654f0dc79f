/*
 * fuzz_pyparse - libFuzzer target: dagcheck's tokenizer, parser and DAG model
 * (and the per-file rules) over arbitrary bytes must not crash, hang or leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The Makefile links fuzz targets against lib/ only: take dagcheck's sources whole. */
#include "cmd/dagcheck/pytok.c"
#include "cmd/dagcheck/pyparse.c"
#include "cmd/dagcheck/model.c"
#include "cmd/dagcheck/rules.c"
#include "cmd/dagcheck/walk.c"
#include "cmd/dagcheck/reliability.c"
#include "cmd/dagcheck/security.c"
#include "cmd/dagcheck/toplevel.c"
#include "cmd/dagcheck/jinja.c"
#include "cmd/dagcheck/upgrade.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dc_model m;
	struct dc_findings out = { NULL, 0, 0 };
	struct dc_registry reg;
	struct dc_ctx ctx;
	char *copy = malloc(size + 1);

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = 0;
	memset(&reg, 0, sizeof reg);
	ctx.out = &out;
	ctx.cfg = NULL;
	ctx.reg = &reg;
	ctx.file = "fuzz.py";
	ctx.file_index = 0;
	dc_model_build(&m, "fuzz.py", copy, size);
	dc_check_file(&ctx, &m);
	dc_model_release(&m);
	dc_check_all(&ctx, NULL);
	dc_findings_release(&out);
	dc_registry_release(&reg);
	free(copy);
	return 0;
}
