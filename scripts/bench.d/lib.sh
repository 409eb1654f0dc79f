# shellcheck shell=bash
# Functions every benchmark piece sources: data sets, timed runs, table rows.
# Read scripts/bench.d/README first; this file is sourced, never run (it is
# not executable, and scripts/bench skips it by name as well).
#
#   . "$(dirname "$0")/lib.sh"
#   bench_need pk-bench-extract                 # or skip the piece (exit 77)
#   data=$(bench_data events-1m.csv --format csv)
#   bench_hyperfine jansson "pk-bench-extract jansson $BENCH_DATA ts"
#   bench_row "extract" jansson                 # the baseline row
#   bench_hyperfine span "pk-bench-extract span $BENCH_DATA ts"
#   bench_row "extract" span jansson            # compared with the baseline
#   bench_note "span is $(bench_ratio jansson span)x faster"

set -euo pipefail

: "${BENCH_DIR:?run pieces through scripts/bench}"
: "${BENCH_DATA:?run pieces through scripts/bench}"
: "${BENCH_OUT:?run pieces through scripts/bench}"
: "${BENCH_LINES:=1000000}"
: "${BENCH_WARMUP:=1}"
: "${BENCH_RUNS:=5}"
BENCH_PIECE=${BENCH_PIECE:-$(basename "$0" .sh)}
BENCH_RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
BENCH_NOTES=${BENCH_NOTES:-$BENCH_DIR/notes.md}
mkdir -p "$BENCH_RESULTS"

bench_log() {	# message...: progress on stderr, prefixed with the piece
	printf 'bench: %s: %s\n' "$BENCH_PIECE" "$*" >&2
}

bench_die() {	# message...: stop the piece; the driver marks it failed
	printf 'bench: %s: %s\n' "$BENCH_PIECE" "$*" >&2
	exit 1
}

# bench_need PROGRAM...: skip the whole piece (exit 77, reported as skipped)
# when a program it times is not built or not installed.
bench_need() {
	local p
	for p in "$@"; do
		if ! command -v "$p" >/dev/null 2>&1; then
			bench_log "skipped: '$p' not found (make it first)"
			exit 77
		fi
	done
}

# bench_data NAME [PK-GEN OPTION...]: prints the path of data set NAME in
# BENCH_DIR, generating it with pk-gen (-n BENCH_LINES unless the options
# say -n) only when it is missing or was made by other options or another
# generator. Generate data before timing anything, never inside a timed command.
bench_data() {
	local name=$1 path stamp want
	shift
	path=$BENCH_DIR/$name
	case " $* " in
	*" -n "* | *" --lines "* | *" --lines="*) ;;
	*) set -- -n "$BENCH_LINES" "$@" ;;
	esac
	want="pk-gen $* fingerprint=$(pk-gen "$@" -n 100 | cksum)"
	stamp=$path.how
	if [ -f "$path" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		printf '%s\n' "$path"
		return 0
	fi
	bench_log "generating $name: pk-gen $*"
	rm -f "$stamp"
	pk-gen "$@" >"$path.tmp" || bench_die "pk-gen failed for $name"
	mv "$path.tmp" "$path"
	printf '%s\n' "$want" >"$stamp"
	printf '%s\n' "$path"
}

# bench_hyperfine NAME COMMAND: times COMMAND (one shell command line, run
# by sh) with hyperfine, BENCH_WARMUP warm-up runs and BENCH_RUNS timed
# runs, into BENCH_RESULTS/NAME.json, then runs it once more under
# /usr/bin/time for its peak RSS (BENCH_RESULTS/NAME.rss, KiB). NAME is
# unique in the whole run: [A-Za-z0-9_.-] only. The command's stdout is
# discarded; a command that fails stops the piece.
bench_hyperfine() {
	local name=$1 cmd=$2 json rss
	case $name in
	'' | *[!A-Za-z0-9_.-]*) bench_die "bad result name '$name'" ;;
	esac
	json=$BENCH_RESULTS/$name.json
	rss=$BENCH_RESULTS/$name.rss
	printf '%s\n' "$cmd" >"$BENCH_RESULTS/$name.cmd"
	hyperfine --warmup "$BENCH_WARMUP" --runs "$BENCH_RUNS" \
		--command-name "$name" --export-json "$json" --style basic \
		-- "$cmd" >&2 || bench_die "hyperfine failed for $name: $cmd"
	bench_peak_rss "$cmd" >"$rss" || bench_die "the memory run of $name failed: $cmd"
}

# bench_peak_rss COMMAND: prints the peak resident set size (KiB) of the
# largest process COMMAND ran (GNU time's %M; for a pipeline that is its
# biggest stage, not the sum).
bench_peak_rss() {
	local t
	[ -x /usr/bin/time ] || { echo "?"; return 0; }
	t=$(mktemp)
	if ! /usr/bin/time -f %M -o "$t" sh -c "$1" >/dev/null; then
		rm -f "$t"
		return 1
	fi
	tail -1 "$t"
	rm -f "$t"
}

bench_median() {	# NAME: median seconds of the result NAME
	jq -r '.results[0].median' "$BENCH_RESULTS/$1.json"
}

bench_stddev() {	# NAME: standard deviation of the runs, seconds
	jq -r '.results[0].stddev // 0' "$BENCH_RESULTS/$1.json"
}

bench_cpu() {	# NAME: mean user + system CPU seconds of the runs
	jq -r '.results[0] | (.user + .system)' "$BENCH_RESULTS/$1.json"
}

# bench_cpu_ratio BASE NAME: like bench_ratio, by mean CPU time, which a
# busy machine disturbs less than wall time.
bench_cpu_ratio() {
	awk -v b="$(bench_cpu "$1")" -v t="$(bench_cpu "$2")" \
		'BEGIN { if (t > 0) printf "%.2f\n", b / t; else print "inf" }'
}

# bench_ratio BASE NAME: how many times faster NAME is than BASE (median
# over median, two decimals; below 1 means slower).
bench_ratio() {
	awk -v b="$(bench_median "$1")" -v t="$(bench_median "$2")" \
		'BEGIN { if (t > 0) printf "%.2f\n", b / t; else print "inf" }'
}

# bench_row TASK NAME [BASELINE] [INPUT]: appends one row for result NAME to
# BENCH_OUT. BASELINE is another result's name, "-" for none; without it
# the row is a baseline itself. INPUT (a file, default BENCH_DATA, "-" for
# none) gives the MB/s column.
#   | task | command | median s | ± s | MB/s | peak RSS MiB | vs baseline |
bench_row() {
	local task=$1 name=$2 base=${3:-} input=${4:-$BENCH_DATA}
	local cmd med sd mbs rss vs
	cmd=$(cat "$BENCH_RESULTS/$name.cmd")
	med=$(bench_median "$name")
	sd=$(bench_stddev "$name")
	if [ "$input" != - ] && [ -f "$input" ]; then
		mbs=$(awk -v b="$(wc -c <"$input")" -v t="$med" 'BEGIN { if (t > 0) printf "%.0f", b / t / 1e6; else print "-" }')
	else
		mbs=-
	fi
	rss=$(cat "$BENCH_RESULTS/$name.rss" 2>/dev/null || echo '?')
	case $rss in
	'' | *[!0-9]*) rss='?' ;;
	*) rss=$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }') ;;
	esac
	if [ -z "$base" ]; then
		vs=baseline
	elif [ "$base" = - ]; then
		vs=-
	else
		vs=$(awk -v r="$(bench_ratio "$base" "$name")" -v b="$base" 'BEGIN {
			if (r + 0 >= 1) printf "%.2fx faster than %s", r, b
			else if (r + 0 > 0) printf "%.2fx slower than %s", 1 / r, b
			else printf "? vs %s", b }')
	fi
	# shellcheck disable=SC2016 # the backquotes are markdown
	printf '| %s | `%s` | %.3f | %.3f | %s | %s | %s |\n' \
		"$(bench_md "$task")" "$(bench_md "$(bench_short "$cmd")")" \
		"$med" "$sd" "$mbs" "$rss" "$(bench_md "$vs")" >>"$BENCH_OUT"
}

# bench_note TEXT: a line printed under the table (criteria met or not,
# caveats). Markdown; the driver prefixes "- ".
bench_note() {
	printf '%s: %s\n' "$BENCH_PIECE" "$*" >>"$BENCH_NOTES"
}

# Commands as the table shows them: paths relative to BENCH_DIR or the top.
bench_short() {
	local s=$1
	s=${s//"$BENCH_DIR/"/}
	[ -n "${BENCH_TOP:-}" ] && s=${s//"$BENCH_TOP/"/}
	printf '%s' "$s"
}

bench_md() {	# text safe inside a markdown table cell
	local s=$1
	printf '%s' "${s//|/\\|}"
}

# bench_kafka_mock DIR TOPIC:N...: starts the loopback mock broker with
# those topics (its files in DIR), sets BROKERS, and sets BENCH_MOCK_PID for
# bench_kafka_stop, which the piece's EXIT trap calls. The broker also
# ends by itself after an hour.
bench_kafka_mock() {
	local dir=$1
	shift
	kafka-mock --max-seconds 3600 --ignore-stdin "$@" \
		</dev/null >"$dir/mock.out" 2>"$dir/mock.err" &
	BENCH_MOCK_PID=$!
	BROKERS=
	for _ in $(seq 100); do
		BROKERS=$(sed -n 's/^BROKERS=//p' "$dir/mock.out")
		[ -n "$BROKERS" ] && break
		sleep 0.1
	done
	[ -n "$BROKERS" ] || bench_die "kafka-mock did not start: $(cat "$dir/mock.err")"
}

# bench_kafka_runs: the timings after it take at least 10 runs. Three busy
# threads (the reader, librdkafka's broker thread, the mock broker) share
# two cores here, so single runs scatter; call it right before the Kafka
# timings, not before slow ones that need no more runs.
bench_kafka_runs() {
	BENCH_RUNS=$((BENCH_RUNS < 10 ? 10 : BENCH_RUNS))
}

bench_kafka_stop() {
	[ -n "${BENCH_MOCK_PID:-}" ] || return 0
	kill "$BENCH_MOCK_PID" 2>/dev/null
	wait "$BENCH_MOCK_PID" 2>/dev/null
	BENCH_MOCK_PID=
}
