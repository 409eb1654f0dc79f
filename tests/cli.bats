#!/usr/bin/env bats
# Every program through the shared conventions of pipekit(7): help,
# version, usage errors, stdin, compressed input, full disks, closed
# pipes, rejects and the summary line.

load helpers/common

TOOLS="dagcheck slareport logsplit skewstat winagg dlqreplay"

built_tools() {
	local t
	for t in $TOOLS; do
		if [ -x "$PIPEKIT_TOP/bin/$t" ]; then echo "$t"; fi
	done
	return 0
}

# A command line that reads records (file operand last) and writes to stdout.
record_args() {
	case $1 in
	logsplit) echo "-k id -n 4 --stats -" ;;
	skewstat) echo "-k id -n 4" ;;
	winagg) echo "-T ts --tumble 1m -a count" ;;
	dlqreplay) echo "" ;;
	*) return 1 ;;
	esac
}

setup() {
	TMP=$(mktemp -d)
	printf '%s\n' '{"id":"a","ts":"2026-11-25T10:00:01Z"}' '{"id":"b","ts":"2026-11-25T10:00:02Z"}' \
		'{"id":"c","ts":"2026-11-25T10:00:03Z"}' >"$TMP/ok.ndjson"
	printf '%s\n' '{"id":"a","ts":"2026-11-25T10:00:01Z"}' 'not json' \
		'{"id":"b","ts":"2026-11-25T10:00:02Z"}' >"$TMP/bad.ndjson"
}

teardown() {
	rm -rf "$TMP"
}

@test "cli: at least one program is built" {
	run built_tools
	assert_success
	[ -n "$output" ]
}

@test "cli: --version prints 'prog (pipekit) X.Y.Z' for every program" {
	for t in $(built_tools); do
		run -0 "$t" --version
		assert_output --regexp "^$t \(pipekit\) [0-9]+\.[0-9]+\.[0-9]+$"
	done
}

@test "cli: --help shows the usage line and every documented option" {
	for t in $(built_tools); do
		run -0 "$t" --help
		assert_line --index 0 --regexp "^Usage: $t "
		assert_output --partial "--version"
		# every option --list-options names is on the help page
		while read -r a b _; do
			case $a in --*) l=$a ;; *) l=$b ;; esac
			[[ "$output" == *"$l"* ]] || { echo "$t --help lacks $l"; return 1; }
		done < <("$t" --list-options)
		# fits a terminal of 80 columns
		run -0 awk '{ if (length($0) > 80) print FILENAME ": " $0 }' <<<"$output"
		[ -z "$output" ] || { echo "$t --help: lines over 80 columns:"; echo "$output"; return 1; }
	done
}

@test "cli: an unknown option is exit 2 with a hint" {
	for t in $(built_tools); do
		run -2 --separate-stderr "$t" --no-such-option
		[ -z "$output" ]
		[[ "$stderr" == "$t: unrecognized option '--no-such-option'"* ]]
		[[ "$stderr" == *"Try '$t --help'."* ]]
	done
}

@test "cli: --time-unit takes s, ms, us, ns or auto in every program that has it, else exit 2" {
	n=0
	for t in $(built_tools); do
		"$t" --list-options | grep -q -- '--time-unit' || continue
		n=$((n + 1))
		run -2 --separate-stderr "$t" --time-unit fortnight
		assert_equal "$(printf '%s\n' "$stderr" | head -1)" "$t: invalid --time-unit 'fortnight' (s, ms, us, ns, auto)"
	done
	[ "$n" -eq 4 ]	# dlqreplay, logsplit, slareport, winagg
}

@test "cli: every long option in --list-options is accepted by getopt" {
	for t in $(built_tools); do
		run -0 "$t" --list-options
		[ "${#lines[@]}" -ge 5 ]
		assert_line --regexp '^-h --help$'
		assert_line --regexp '^-V --version$'
	done
}

@test "cli: '-' and no operand both read stdin; zstd and gzip input are recognised by content" {
	for t in $(built_tools); do
		args=$(record_args "$t") || continue
		# shellcheck disable=SC2086
		want=$("$t" $args "$TMP/ok.ndjson")
		[ -n "$want" ]
		# shellcheck disable=SC2086
		run -0 --separate-stderr "$t" $args - <"$TMP/ok.ndjson"
		assert_output "$want"
		# shellcheck disable=SC2086
		run -0 --separate-stderr "$t" $args <"$TMP/ok.ndjson"
		assert_output "$want"
		zstd -q -c "$TMP/ok.ndjson" >"$TMP/ok.bin"
		# shellcheck disable=SC2086
		run -0 --separate-stderr "$t" $args "$TMP/ok.bin"
		assert_output "$want"
		gzip -c "$TMP/ok.ndjson" >"$TMP/ok.data"
		# shellcheck disable=SC2086
		run -0 --separate-stderr "$t" $args "$TMP/ok.data"
		assert_output "$want"
	done
}

@test "cli: a full disk on stdout is exit 4" {
	for t in $(built_tools); do
		args=$(record_args "$t") || continue
		# shellcheck disable=SC2086
		run -4 --separate-stderr bash -c "$t $args $TMP/ok.ndjson >/dev/full"
		[[ "$stderr" == *"$t: "*"No space left on device"* ]]
	done
}

@test "cli: --help and --version on a full disk are exit 4 with the program's name" {
	for t in $(built_tools); do
		for o in --help --version --list-options; do
			run -4 --separate-stderr bash -c "$t $o >/dev/full"
			assert_equal "$stderr" "$t: write error on standard output: No space left on device"
		done
	done
}

@test "cli: a closed pipe ends the program quietly" {
	seq 1 200000 | awk '{ printf "{\"id\":\"k%d\",\"ts\":%d}\n", $1, 1764064800 + $1 }' >"$TMP/big.ndjson"
	for t in $(built_tools); do
		args=$(record_args "$t") || continue
		run --separate-stderr bash -c "$t $args $TMP/big.ndjson | head -c 10 >/dev/null"
		assert_success
		[ -z "$stderr" ]
	done
}

@test "cli: a bad line is rejected with file and line, enveloped, and counted in the summary" {
	for t in $(built_tools); do
		args=$(record_args "$t") || continue
		rm -f "$TMP/rej.ndjson"
		# shellcheck disable=SC2086
		run -0 --separate-stderr "$t" $args --reject "$TMP/rej.ndjson" "$TMP/bad.ndjson"
		[[ "$stderr" == *"$t: $TMP/bad.ndjson:2: "* ]]
		# dlqreplay's summary has its own columns (pipekit(7), dlqreplay(1))
		if [ "$t" = dlqreplay ]; then
			[[ "$stderr" == *"$t: 3 read, 2 replayed, "*", 1 rejected"* ]]
		else
			[[ "$stderr" == *"$t: 3 read, 2 used, 1 rejected"* ]]
		fi
		run -0 jq -r '[.tool, .source, .line, .raw] | @tsv' "$TMP/rej.ndjson"
		assert_output "$(printf '%s\t%s\t2\tnot json' "$t" "$TMP/bad.ndjson")"
		# --max-errors 0: the first reject is too many
		# shellcheck disable=SC2086
		run -3 --separate-stderr "$t" $args --max-errors 0 "$TMP/bad.ndjson"
		[[ "$stderr" == *"too many rejected records"* ]]
		# -q: no messages at all
		# shellcheck disable=SC2086
		run -0 --separate-stderr "$t" $args -q "$TMP/bad.ndjson"
		[ -z "$stderr" ]
	done
}

@test "cli: a CSV quoted field left open at the end is one rejected record, counted; in the header it is exit 3" {
	printf 'id,ts\na,2026-11-25T10:00:01Z\nb,"2026-11-25T10:00:02Z\nc,2026-11-25T10:00:03Z\n' >"$TMP/open.csv"
	printf '"id,ts\na,2026-11-25T10:00:01Z\n' >"$TMP/head.csv"
	for t in $(built_tools); do
		args=$(record_args "$t") || continue
		rm -f "$TMP/rej.ndjson"
		# shellcheck disable=SC2086
		run -0 --separate-stderr "$t" $args --reject "$TMP/rej.ndjson" "$TMP/open.csv"
		[ "${stderr_lines[0]}" = "$t: $TMP/open.csv:3: unterminated quoted field at end of input" ]
		if [ "$t" = dlqreplay ]; then
			[[ "${stderr_lines[1]}" == "$t: 2 read, 1 replayed, "*", 1 rejected" ]]
		else
			[[ "${stderr_lines[1]}" == "$t: 2 read, 1 used, 1 rejected"* ]]
		fi
		run -0 jq -c '[.line, .raw]' "$TMP/rej.ndjson"
		assert_output '[3,"b,\"2026-11-25T10:00:02Z\nc,2026-11-25T10:00:03Z"]'
		# shellcheck disable=SC2086
		run -3 --separate-stderr "$t" $args "$TMP/head.csv"
		[ "$stderr" = "$t: $TMP/head.csv:1: header: unterminated quoted field at end of input" ]
	done
}

@test "cli: --progress shows bytes, records/s and ETA on stderr; none by default off a terminal" {
	seq 1 300000 | awk '{ printf "{\"id\":\"k%d\",\"ts\":%d}\n", $1, 1764064800 + $1 }' >"$TMP/big.ndjson"
	for t in $(built_tools); do
		args=$(record_args "$t") || continue
		# shellcheck disable=SC2086
		run -0 --separate-stderr env PIPEKIT_PROGRESS_INTERVAL=0 "$t" $args --progress "$TMP/big.ndjson"
		[[ "$stderr" == *$'\r'"$t: "*" MB of "*" MB, "*" rec/s"* ]] || { echo "$t: no progress: $stderr"; return 1; }
		# shellcheck disable=SC2086
		run -0 --separate-stderr env PIPEKIT_PROGRESS_INTERVAL=0 "$t" $args "$TMP/big.ndjson"
		[[ "$stderr" != *"rec/s"* ]]
		# shellcheck disable=SC2086
		run -0 --separate-stderr env PIPEKIT_PROGRESS_INTERVAL=0 "$t" $args --progress --no-progress "$TMP/big.ndjson"
		[[ "$stderr" != *"rec/s"* ]]
	done
}

@test "cli: a FIFO operand is read once, whole, as its writer sends it" {
	for t in $(built_tools); do
		args=$(record_args "$t") || continue
		# shellcheck disable=SC2086
		want=$("$t" $args "$TMP/ok.ndjson")
		for i in 1 2 3; do
			rm -f "$TMP/fifo"
			mkfifo "$TMP/fifo"
			cat "$TMP/ok.ndjson" >"$TMP/fifo" &
			# shellcheck disable=SC2086
			run -0 --separate-stderr timeout -s KILL 10 "$t" $args "$TMP/fifo"
			assert_output "$want"
			wait
		done
	done
}

@test "cli: SIGTERM while waiting for input (a pipe, a FIFO without a writer) ends the run at once, output flushed, 143" {
	for t in $(built_tools); do
		args=$(record_args "$t") || continue
		# shellcheck disable=SC2086
		want=$(head -n 1 "$TMP/ok.ndjson" | "$t" $args)
		# one record, then a writer that stays silent, the next line half sent
		rm -f "$TMP/fifo"
		mkfifo "$TMP/fifo"
		{ head -n 1 "$TMP/ok.ndjson"; printf '{"id":"b"'; exec sleep 20; } >"$TMP/fifo" 3>&- &
		w=$!
		# shellcheck disable=SC2086
		timeout -s KILL 15 "$t" $args "$TMP/fifo" >"$TMP/out" 2>"$TMP/err" &
		p=$!
		sleep 1
		start=$SECONDS
		kill -TERM "$p"
		rc=0
		wait "$p" || rc=$?
		kill "$w" 2>/dev/null || true
		wait "$w" 2>/dev/null || true
		[ "$rc" -eq 143 ] || { echo "$t: exit $rc after $((SECONDS - start)) s"; return 1; }
		[ $((SECONDS - start)) -le 3 ]
		# the half line is no record: nothing rejected (dlqreplay replays
		# what it read while its input waits, and says what it did)
		assert_equal "$(cat "$TMP/out")" "$want"
		if [ "$t" = dlqreplay ]; then
			assert_equal "$(cat "$TMP/err")" "dlqreplay: 1 read, 1 replayed, 0 skipped as duplicates, 0 parked, 0 filtered, 0 rejected"
		else
			[ ! -s "$TMP/err" ]
		fi
		# no writer at all: the open waits, the signal ends it
		rm -f "$TMP/fifo"
		mkfifo "$TMP/fifo"
		# shellcheck disable=SC2086
		timeout -s KILL 15 "$t" $args "$TMP/fifo" >"$TMP/out" 2>"$TMP/err" &
		p=$!
		sleep 0.5
		kill -INT "$p"
		rc=0
		wait "$p" || rc=$?
		[ "$rc" -eq 130 ] || { echo "$t: no writer: exit $rc: $(cat "$TMP/err")"; return 1; }
	done
}
