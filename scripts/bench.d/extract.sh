#!/usr/bin/env bash
# Field extraction: pipekit's span scanner against jansson's json_loadb per
# line, three fields of every record of BENCH_DATA. The foundation issue's
# criterion: the span scanner at least 5x faster, measured in the same run.
# shellcheck source=scripts/bench.d/lib.sh
. "$(dirname "$0")/lib.sh"

BENCH_EXTRACT=${BENCH_EXTRACT:-pk-bench-extract}
MIN_RATIO=5
fields="ts campaign_id clicks"

bench_need "$BENCH_EXTRACT"

# Correctness first: both modes must see the same lines and the same field
# bytes, or the timing compares different work.
# shellcheck disable=SC2086
span_out=$("$BENCH_EXTRACT" span "$BENCH_DATA" $fields) ||
	bench_die "'$BENCH_EXTRACT span' failed"
# shellcheck disable=SC2086
jansson_out=$("$BENCH_EXTRACT" jansson "$BENCH_DATA" $fields) ||
	bench_die "'$BENCH_EXTRACT jansson' failed"
if [ "$span_out" != "$jansson_out" ]; then
	bench_log "OUTPUTS DIFFER on $BENCH_DATA ($fields):"
	bench_log "  span:    $span_out"
	bench_log "  jansson: $jansson_out"
	bench_note "**FAILED**: span and jansson extracted different bytes (\`$span_out\` against \`$jansson_out\`)"
	exit 1
fi
case $span_out in
*"lines=$BENCH_LINES "*) ;;
*) bench_die "expected lines=$BENCH_LINES in the output, got '$span_out'" ;;
esac
bench_log "both modes agree: $span_out"

bench_hyperfine extract-jansson "$BENCH_EXTRACT jansson $BENCH_DATA $fields"
bench_row "extract 3 fields" extract-jansson
bench_hyperfine extract-span "$BENCH_EXTRACT span $BENCH_DATA $fields"
bench_row "extract 3 fields" extract-span extract-jansson

ratio=$(bench_ratio extract-jansson extract-span)
cpu_ratio=$(bench_cpu_ratio extract-jansson extract-span)
if awk -v r="$ratio" -v m="$MIN_RATIO" 'BEGIN { exit !(r >= m) }'; then
	bench_note "span is ${ratio}x faster than jansson on ${fields// /, } (criterion >= ${MIN_RATIO}x: met), ${cpu_ratio}x by CPU time; both print \`$span_out\`"
else
	bench_log "criterion NOT met: span is only ${ratio}x faster than jansson (want >= ${MIN_RATIO}x)"
	bench_note "span is ${ratio}x faster than jansson on ${fields// /, } (criterion >= ${MIN_RATIO}x: **NOT MET**), ${cpu_ratio}x by CPU time; both print \`$span_out\`"
	[ "${BENCH_STRICT:-0}" = 1 ] && exit 1
fi
exit 0
