#!/usr/bin/env bats
# Black-box tests of winagg: windows, aggregates, watermarks and late
# records, state files and cron runs, parallel parsing, and agreement with
# an independent reference (tests/ref/winagg_ref.py) on generated data.

bats_require_minimum_version 1.5.0
load helpers/common

setup() {
	T="$BATS_TEST_TMPDIR"
	W="$FIX/winagg"
	REF="$PIPEKIT_TOP/tests/ref"
}

# Generated streams, made once per run of this file.
setup_file() {
	export GEN="$BATS_FILE_TMPDIR"
	pk-gen -n 200000 --late 0.01 --bad 0.001 >"$GEN/200k.ndjson"
	pk-gen -n 50000 --late 0.01 -s 3 >"$GEN/50k.ndjson"
}

AGGS=count,sum:clicks,sum:cost,min:cost,max:cost,avg:cost,first:event_id,last:event_id,distinct:user_id,p50:cost,p95:cost

@test "winagg: tumbling windows, rows by window end then group, summary counts late" {
	run -0 --separate-stderr winagg -T ts --tumble 1m -g campaign -a count,sum:clicks,avg:cost,distinct:user "$W/events.ndjson"
	assert_output "$(cat "$W/tumble.out")"
	# numeric strings count as numbers (b's 10:01 window sums "3")
	assert_line --index 3 '{"window_start":"2026-11-25T10:01:00Z","window_end":"2026-11-25T10:02:00Z","campaign":"b","count":1,"sum_clicks":3,"avg_cost":0.1,"distinct_user":1}'
	# a null aggregate value is skipped: sum over no values is 0
	assert_line --index 4 --partial '"count":1,"sum_clicks":0,"avg_cost":0.3'
	[ "${stderr_lines[0]}" = "winagg: $W/events.ndjson:7: field 'clicks' is not a number: \"x\"" ]
	[ "${stderr_lines[1]}" = "winagg: $W/events.ndjson:8: not a JSON object" ]
	[ "${stderr_lines[2]}" = "winagg: $W/events.ndjson:10: missing time field 'ts'" ]
	[ "${stderr_lines[3]}" = "winagg: $W/events.ndjson:11: missing group field 'campaign'" ]
	[ "${stderr_lines[4]}" = "winagg: 11 read, 6 used, 4 rejected, 1 late" ]
}

@test "winagg: late records go to --late as envelopes naming event time and watermark" {
	run -0 winagg -q -T ts --tumble 1m -g campaign -a count,sum:clicks --late "$T/late" --reject "$T/rej" "$W/events.ndjson"
	run -0 jq -c '{error, source, line, raw}' "$T/late"
	assert_output "{\"error\":\"late: event time 2026-11-25T10:00:50Z is behind the watermark 2026-11-25T10:01:10Z (its windows have closed)\",\"source\":\"$W/events.ndjson\",\"line\":5,\"raw\":\"{\\\"ts\\\":\\\"2026-11-25T10:00:50Z\\\",\\\"campaign\\\":\\\"b\\\",\\\"clicks\\\":1,\\\"cost\\\":0.75,\\\"user\\\":\\\"u3\\\"}\"}"
	run -0 jq -r '[.line, .error] | @tsv' "$T/rej"
	assert_output "$(printf '7\tfield '"'"'clicks'"'"' is not a number: "x"\n8\tnot a JSON object\n10\tmissing time field '"'"'ts'"'"'\n11\tmissing group field '"'"'campaign'"'"'')"
	# --lateness keeps the window open: nothing is late
	run -0 --separate-stderr winagg -v -T ts --tumble 1m --lateness 20s -g campaign -a count,sum:clicks "$W/events.ndjson"
	[ "${stderr_lines[4]}" = "winagg: 11 read, 7 used, 4 rejected, 0 late" ]
	assert_line --index 1 '{"window_start":"2026-11-25T10:00:00Z","window_end":"2026-11-25T10:01:00Z","campaign":"b","count":2,"sum_clicks":1}'
}

@test "winagg: hopping windows hold a record in every window covering it, open ones only" {
	run -0 winagg -q -T ts --hop 2m/1m -g campaign -a count,sum:clicks,max:cost "$W/events.ndjson"
	assert_output "$(cat "$W/hop.out")"
}

@test "winagg: sessions per group merge when an event bridges them; a closed session makes older events late" {
	run -0 --separate-stderr winagg -T t --session 10s --lateness 1m -g user -a count,sum:ms,first:ms,last:ms,p50:ms "$W/sessions.ndjson"
	assert_output "$(cat "$W/sessions.out")"
	assert_line --index 1 '{"window_start":"2026-11-25T10:00:00Z","window_end":"2026-11-25T10:00:40Z","user":"u1","count":6,"sum_ms":450,"first_ms":100,"last_ms":50,"p50_ms":60}'
	[ "$stderr" = "winagg: 10 read, 9 used, 0 rejected, 1 late" ]
}

@test "winagg: every timestamp form of DESIGN.md, exact to the nanosecond" {
	run -0 --separate-stderr winagg -T ts --tumble 1ns --lateness 3650d -g id -a count "$W/times.ndjson"
	run -0 bash -c "sed 's/,\"window_end\":\"[^\"]*\"//' <<<\"\$1\"" _ "$output"
	assert_output "$(cat "$W/times.out")"
	[ "${stderr_lines[0]}" = "winagg: $W/times.ndjson:18: time field 'ts': invalid timestamp '2026-02-29T00:00:00Z': no such day" ]
	[ "${stderr_lines[3]}" = "winagg: 20 read, 17 used, 3 rejected, 0 late" ]
	# --time-unit reads epoch numbers as told
	run -0 winagg -T ts --time-unit ms --tumble 1s -a count <<<'{"ts":1795624200}'
	assert_output '{"window_start":"1970-01-21T18:47:04Z","window_end":"1970-01-21T18:47:05Z","count":1}'
}

@test "winagg: --offset shifts window alignment, also backwards" {
	run -0 winagg -q -T ts --tumble 1m --offset 30s -a count "$W/events.ndjson"
	assert_line --index 0 '{"window_start":"2026-11-25T09:59:30Z","window_end":"2026-11-25T10:00:30Z","count":2}'
	run -0 winagg -q -T ts --tumble 1h --offset -15m -a count "$W/events.ndjson"
	# nothing is late in one long window, and count alone rejects no clicks
	assert_output '{"window_start":"2026-11-25T09:45:00Z","window_end":"2026-11-25T10:45:00Z","count":9}'
}

@test "winagg: composite groups, --missing null, --as renames, null and number keys" {
	printf '%s\n' '{"ts":0,"a":"x","b":1,"v":2}' '{"ts":1,"a":"x","v":3}' '{"ts":2,"a":"x","b":null,"v":4}' \
		'{"ts":3,"a":"x","b":"1","v":5}' >"$T/in"
	run -0 winagg -q -T ts --tumble 1h -g a,b --missing null -a count,sum:v --as sum_v=total --as count=n "$T/in"
	assert_output - <<-'EOF'
	{"window_start":"1970-01-01T00:00:00Z","window_end":"1970-01-01T01:00:00Z","a":"x","b":null,"n":2,"total":7}
	{"window_start":"1970-01-01T00:00:00Z","window_end":"1970-01-01T01:00:00Z","a":"x","b":"1","n":1,"total":5}
	{"window_start":"1970-01-01T00:00:00Z","window_end":"1970-01-01T01:00:00Z","a":"x","b":1,"n":1,"total":2}
	EOF
	run -0 --separate-stderr winagg -T ts --tumble 1h -g a,b -a count "$T/in"
	[ "${stderr_lines[0]}" = "winagg: $T/in:2: missing group field 'b'" ]
}

@test "winagg: first and last by event time, ties by arrival" {
	printf '%s\n' '{"ts":5,"v":"a"}' '{"ts":1,"v":"b"}' '{"ts":1,"v":"c"}' '{"ts":9,"v":{"x":1}}' '{"ts":9,"v":"d"}' '{"ts":3}' >"$T/in"
	run -0 winagg -T ts --tumble 1m --lateness 1m -a first:v,last:v,count:v,count "$T/in"
	assert_output '{"window_start":"1970-01-01T00:00:00Z","window_end":"1970-01-01T00:01:00Z","first_v":"b","last_v":"d","count_v":5,"count":6}'
}

@test "winagg: --emit update writes a row per change, in arrival order" {
	run -0 winagg -q -T ts --tumble 1m --emit update -g campaign -a count,sum:clicks "$W/events.ndjson"
	assert_line --index 0 '{"window_start":"2026-11-25T10:00:00Z","window_end":"2026-11-25T10:01:00Z","campaign":"a","count":1,"sum_clicks":1}'
	assert_line --index 2 '{"window_start":"2026-11-25T10:00:00Z","window_end":"2026-11-25T10:01:00Z","campaign":"a","count":2,"sum_clicks":3}'
	[ "${#lines[@]}" -eq 6 ]
}

@test "winagg: --watermark per-input waits for the slowest input" {
	run -0 --separate-stderr winagg -v -T ts --tumble 1m -a count,sum:n "$W/part0.ndjson" "$W/part1.ndjson"
	[ "$stderr" = "winagg: 6 read, 3 used, 0 rejected, 3 late" ]
	run -0 --separate-stderr winagg -v -T ts --tumble 1m -a count,sum:n --watermark per-input "$W/part0.ndjson" "$W/part1.ndjson"
	[ "$stderr" = "winagg: 6 read, 6 used, 0 rejected, 0 late" ]
	assert_line --index 0 '{"window_start":"2026-11-25T10:00:00Z","window_end":"2026-11-25T10:01:00Z","count":2,"sum_n":11}'
}

@test "winagg: --watermark per-input with --state: an input new to a run never reopens a closed window" {
	printf '%s\n' '{"ts":0}' '{"ts":70}' >"$T/p0.ndjson"
	printf '%s\n' '{"ts":5}' '{"ts":65}' >"$T/p1.ndjson"
	run -0 winagg -q -T ts --tumble 1m -a count --watermark per-input --state "$T/st" "$T/p0.ndjson" "$T/p1.ndjson"
	assert_output '{"window_start":"1970-01-01T00:00:00Z","window_end":"1970-01-01T00:01:00Z","count":2}'
	# a third partition shows up with an event of the window already written
	printf '%s\n' '{"ts":10}' '{"ts":75}' >"$T/p2.ndjson"
	run -0 --separate-stderr winagg -v -T ts --tumble 1m -a count --watermark per-input --state "$T/st" --late "$T/late" "$T/p0.ndjson" "$T/p1.ndjson" "$T/p2.ndjson"
	assert_output ''
	[ "$stderr" = "winagg: 2 read, 1 used, 0 rejected, 1 late" ]
	run -0 jq -r .error "$T/late"
	assert_output 'late: event time 1970-01-01T00:00:10Z is behind the watermark 1970-01-01T00:01:05Z (its windows have closed)'
	run -0 winagg -q -T ts --tumble 1m -a count --watermark per-input --state "$T/st" --flush "$T/p0.ndjson" "$T/p1.ndjson" "$T/p2.ndjson"
	assert_output '{"window_start":"1970-01-01T00:01:00Z","window_end":"1970-01-01T00:02:00Z","count":3}'
}

@test "winagg: equals the reference on 200k generated lines, tumbling, every aggregate" {
	run -0 --separate-stderr winagg -v -T ts --tumble 1m -g campaign_id -a "$AGGS" "$GEN/200k.ndjson"
	printf '%s\n' "$output" >"$T/got"
	got_summary=${stderr_lines[-1]}
	python3 "$REF/winagg_ref.py" --counts -T ts --tumble 1m -g campaign_id -a "$AGGS" "$GEN/200k.ndjson" >"$T/want" 2>"$T/want.err"
	run -0 python3 "$REF/winagg_cmp.py" "$T/got" "$T/want"
	# read = used + rejected + late, the same records as the reference
	run -0 sed 's/^read \([0-9]*\) used \([0-9]*\) rejected \([0-9]*\) late \([0-9]*\)$/winagg: \1 read, \2 used, \3 rejected, \4 late/' "$T/want.err"
	assert_output "$got_summary"
}

@test "winagg: equals the reference on generated data, hopping and session windows" {
	# --hop 90s/1m runs on 30 s panes, two or three per window
	for win in "--hop 90s/1m --offset 15s --lateness 20s" "--session 30s" "--session 2m --lateness 1m"; do
		# shellcheck disable=SC2086
		winagg -q -T ts $win -g campaign_id -a "$AGGS" "$GEN/50k.ndjson" >"$T/got"
		# shellcheck disable=SC2086
		python3 "$REF/winagg_ref.py" --counts -T ts $win -g campaign_id -a "$AGGS" "$GEN/50k.ndjson" >"$T/want" 2>/dev/null
		run -0 python3 "$REF/winagg_cmp.py" "$T/got" "$T/want"
	done
}

@test "winagg: exactly the records the definition makes late go to --late" {
	winagg -q -T ts --session 45s -g campaign_id -a count --late "$T/late" "$GEN/50k.ndjson" >/dev/null
	python3 "$REF/winagg_ref.py" -T ts --session 45s -g campaign_id -a count --late-lines "$T/want" "$GEN/50k.ndjson" >/dev/null 2>&1
	jq -r '"\(.source):\(.line)"' "$T/late" >"$T/got"
	[ -s "$T/got" ]
	run -0 diff "$T/got" "$T/want"
}

@test "winagg: -j N gives the bytes of -j 1: rows, late and reject logs, summary" {
	for win in "--tumble 1m" "--hop 3m/1m" "--session 20s" "--tumble 1m --emit update"; do
		jobs="1 2"
		[ "$win" = "--tumble 1m" ] && jobs="1 2 3"
		for j in $jobs; do
			# shellcheck disable=SC2086
			winagg -j $j -T ts $win -g campaign_id -a "$AGGS" --late "$T/late$j" --reject "$T/rej$j" \
				"$GEN/200k.ndjson" >"$T/out$j" 2>"$T/err$j"
			sed 's/"ts":"[^"]*"}$//' "$T/late$j" >"$T/l$j"
			sed 's/"ts":"[^"]*"}$//' "$T/rej$j" >"$T/r$j"
			rm "$T/late$j" "$T/rej$j"
		done
		[ -s "$T/out1" ] && [ -s "$T/l1" ] && [ -s "$T/r1" ]
		cmp "$T/out1" "$T/out2"
		cmp "$T/l1" "$T/l2"
		cmp "$T/r1" "$T/r2"
		cmp "$T/err1" "$T/err2"
		if [ -e "$T/out3" ]; then
			cmp "$T/out1" "$T/out3"
			cmp "$T/l1" "$T/l3"
			rm "$T/out3"
		fi
	done
}

@test "winagg: -j N resumes mid-file and mid-line from --state, as one run would" {
	# cut so that the second and third runs each have > 16 MiB to parse in parallel
	python3 - "$GEN/200k.ndjson" "$T" <<-'EOF'
	import sys
	d = open(sys.argv[1], "rb").read()
	cuts = [0, 1000001, 19000003, len(d)]
	for i in range(3):
	    open("%s/p%d" % (sys.argv[2], i), "wb").write(d[cuts[i]:cuts[i + 1]])
	EOF
	mkdir "$T/out"
	: >"$T/grow"
	for i in 0 1 2 flush; do
		[ "$i" = flush ] && set -- --flush || { cat "$T/p$i" >>"$T/grow"; set --; }
		winagg -q -j 2 -T ts --tumble 1m -g campaign_id -a "$AGGS" --state "$T/st" -O "$T/out" \
			--reject "$T/rej" "$@" "$T/grow"
	done
	cat "$T/out"/*.ndjson >"$T/union"
	winagg -q -j 1 -T ts --tumble 1m -g campaign_id -a "$AGGS" --reject "$T/rej1" "$GEN/200k.ndjson" >"$T/one"
	cmp "$T/union" "$T/one"
	# line numbers run on across runs
	cmp <(jq -r .line "$T/rej") <(jq -r .line "$T/rej1")
}

@test "winagg: cron simulation: 20 appends, --state -O after each, one run killed, union equals one run" {
	python3 - "$GEN/50k.ndjson" "$T" <<-'EOF'
	import random, sys
	data = open(sys.argv[1], "rb").read()
	cuts = sorted(random.Random(11).sample(range(1, len(data)), 19))
	for i, (a, b) in enumerate(zip([0] + cuts, cuts + [len(data)])):
	    open("%s/part%02d" % (sys.argv[2], i), "wb").write(data[a:b])
	EOF
	mkdir "$T/out"
	: >"$T/grow.ndjson"
	args=(-T ts --tumble 1m -g campaign_id -a "$AGGS" --state "$T/st" -O "$T/out")
	for i in $(seq -w 0 19); do
		cat "$T/part$i" >>"$T/grow.ndjson"
		if [ "$i" = 10 ]; then
			# A run blocked mid-way on its --late FIFO, then SIGKILLed:
			# its state and output file must not appear.
			cp "$T/st" "$T/st.before"
			nfiles=$(ls "$T/out" | wc -l)
			mkfifo "$T/fifo"
			sleep 30 <"$T/fifo" &
			reader=$!
			winagg -q "${args[@]}" --late "$T/fifo" "$T/grow.ndjson" &
			pid=$!
			sleep 0.5
			kill -KILL "$pid"
			rc=0
			wait "$pid" || rc=$?
			[ "$rc" -eq 137 ]
			kill "$reader"
			cmp "$T/st" "$T/st.before"
			[ "$(ls "$T/out" | wc -l)" -eq "$nfiles" ]
		fi
		winagg -q "${args[@]}" "$T/grow.ndjson"
	done
	winagg -q "${args[@]}" --flush "$T/grow.ndjson"
	cat "$T/out"/*.ndjson >"$T/union"
	winagg -q -T ts --tumble 1m -g campaign_id -a "$AGGS" "$GEN/50k.ndjson" >"$T/one"
	[ "$(ls "$T/out"/*.ndjson | wc -l)" -ge 10 ]
	cmp "$T/union" "$T/one"
}

@test "winagg: an unfinished last line waits for the next run" {
	printf '%s\n%s' '{"ts":"2026-11-25T10:00:00Z","n":1}' '{"ts":"2026-11-25T10:05:00Z","n":' >"$T/f"
	run -0 --separate-stderr winagg -v -T ts --tumble 1m -a count,sum:n --state "$T/st" "$T/f"
	assert_output ''
	[ "$stderr" = "winagg: 1 read, 1 used, 0 rejected, 0 late" ]
	printf '%s\n' '2}' '{"ts":"2026-11-25T10:06:00Z","n":4}' >>"$T/f"
	run -0 --separate-stderr winagg -v -T ts --tumble 1m -a count,sum:n --state "$T/st" "$T/f"
	assert_output - <<-'EOF'
	{"window_start":"2026-11-25T10:00:00Z","window_end":"2026-11-25T10:01:00Z","count":1,"sum_n":1}
	{"window_start":"2026-11-25T10:05:00Z","window_end":"2026-11-25T10:06:00Z","count":1,"sum_n":2}
	EOF
	[ "$stderr" = "winagg: 2 read, 2 used, 0 rejected, 0 late" ]
	run -0 winagg -T ts --tumble 1m -a count,sum:n --state "$T/st" --flush "$T/f"
	assert_output '{"window_start":"2026-11-25T10:06:00Z","window_end":"2026-11-25T10:07:00Z","count":1,"sum_n":4}'
}

@test "winagg: with --state, standard input's last line without a newline is read, not dropped" {
	# stdin never resumes: there is no next run for the line to wait for
	run -0 --separate-stderr winagg -v -T ts --tumble 1m -a count --state "$T/st" --flush < <(printf '%s\n%s' '{"ts":0}' '{"ts":61}')
	assert_output - <<-'EOF'
	{"window_start":"1970-01-01T00:00:00Z","window_end":"1970-01-01T00:01:00Z","count":1}
	{"window_start":"1970-01-01T00:01:00Z","window_end":"1970-01-01T00:02:00Z","count":1}
	EOF
	[ "$stderr" = "winagg: 2 read, 2 used, 0 rejected, 0 late" ]
	run -0 --separate-stderr winagg -v -T ts --tumble 1m -a count --state "$T/st2" --flush --csv < <(printf 'ts\n0\n61')
	assert_line --index 1 '{"window_start":"1970-01-01T00:01:00Z","window_end":"1970-01-01T00:02:00Z","count":1}'
	[ "$stderr" = "winagg: 2 read, 2 used, 0 rejected, 0 late" ]
}

@test "winagg: --flush moves the watermark past what it emitted" {
	printf '%s\n' '{"ts":"2026-11-25T10:00:10Z"}' >"$T/f"
	run -0 winagg -T ts --tumble 1m -a count --state "$T/st" --flush "$T/f"
	assert_output '{"window_start":"2026-11-25T10:00:00Z","window_end":"2026-11-25T10:01:00Z","count":1}'
	printf '%s\n' '{"ts":"2026-11-25T10:00:40Z"}' '{"ts":"2026-11-25T10:01:40Z"}' >>"$T/f"
	run -0 --separate-stderr winagg -T ts --tumble 1m -a count --state "$T/st" --flush --late "$T/late" "$T/f"
	assert_output '{"window_start":"2026-11-25T10:01:00Z","window_end":"2026-11-25T10:02:00Z","count":1}'
	[ "$stderr" = "winagg: 2 read, 1 used, 0 rejected, 1 late" ]
	run -0 jq -r .error "$T/late"
	assert_output 'late: event time 2026-11-25T10:00:40Z is behind the watermark 2026-11-25T10:01:00Z (its windows have closed)'
}

@test "winagg: a replaced or truncated input is read from its start, said on stderr" {
	printf '%s\n' '{"ts":"2026-11-25T10:00:10Z"}' '{"ts":"2026-11-25T10:00:20Z"}' >"$T/f"
	winagg -T ts --tumble 1m -a count --state "$T/st" "$T/f"
	printf '%s\n' '{"ts":"2026-11-25T10:00:30Z"}' >"$T/g"
	mv "$T/g" "$T/f"
	run -0 --separate-stderr winagg -v -T ts --tumble 1m -a count --state "$T/st" "$T/f"
	[ "${stderr_lines[0]}" = "winagg: '$T/f' was replaced since the last run (another inode); reading it from the start" ]
	[ "${stderr_lines[1]}" = "winagg: 1 read, 1 used, 0 rejected, 0 late" ]
	: >"$T/f"
	run -0 --separate-stderr winagg -v -T ts --tumble 1m -a count --state "$T/st" --flush "$T/f"
	[ "${stderr_lines[0]}" = "winagg: '$T/f' was truncated since the last run (it is shorter); reading it from the start" ]
	assert_output '{"window_start":"2026-11-25T10:00:00Z","window_end":"2026-11-25T10:01:00Z","count":3}'
}

@test "winagg: a state file from other settings or another version is refused, a corrupt one too" {
	printf '%s\n' '{"ts":"2026-11-25T10:00:10Z","c":"x"}' >"$T/f"
	winagg -T ts --tumble 1m -g c -a count --state "$T/st" "$T/f"
	cp "$T/st" "$T/st.orig"
	run -2 --separate-stderr winagg -T ts --tumble 5m -g c -a count --state "$T/st" "$T/f"
	[[ "$stderr" == "winagg: state file '$T/st' was made with other settings (--tumble 1m --offset 0 -T ts"*"refusing to misread it"* ]]
	# the settings are shown as options a user would type
	run -2 --separate-stderr winagg -T ts --time-unit ms --tumble 1m -g c -a count --state "$T/st" "$T/f"
	[ "${stderr_lines[0]}" = "winagg: state file '$T/st' was made with other settings (--tumble 1m --offset 0 -T ts --time-unit auto -g c --missing reject -a count --hll-precision 14 --quantile-error 0.01 --lateness 0s --watermark global --emit final), not these (--tumble 1m --offset 0 -T ts --time-unit ms -g c --missing reject -a count --hll-precision 14 --quantile-error 0.01 --lateness 0s --watermark global --emit final): refusing to misread it (use another --state file, or remove it to start over)" ]
	run -2 winagg -T ts --tumble 1m -g c -a count,sum:x --state "$T/st" "$T/f"
	run -2 winagg -T ts --tumble 1m -a count --state "$T/st" "$T/f"
	cmp "$T/st" "$T/st.orig"
	# another version: the version string is stored after the magic and format
	python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); i=b.index(b"PKWINAGG")+24; b[i]=ord("9"); open(p,"wb").write(b)' "$T/st"
	run -2 --separate-stderr winagg -T ts --tumble 1m -g c -a count --state "$T/st" "$T/f"
	[[ "$stderr" == "winagg: state file '$T/st' was written by winagg 9"*"refusing to read it"* ]]
	cp "$T/st.orig" "$T/st"
	python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[-20]^=1; open(p,"wb").write(b)' "$T/st"
	run -3 --separate-stderr winagg -T ts --tumble 1m -g c -a count --state "$T/st" "$T/f"
	[ "$stderr" = "winagg: state file '$T/st' is corrupt or truncated; refusing to misread it (remove it to start over)" ]
	echo hello >"$T/other"
	run -2 winagg -T ts --tumble 1m -g c -a count --state "$T/other" "$T/f"
	[ "$(cat "$T/other")" = hello ]
}

@test "winagg: sketches beyond the exact sizes stay within their bounds, and survive the state file" {
	python3 -c '
import random
r = random.Random(5)
for i in range(20000):
    print("{\"ts\":%d,\"u\":\"u%d\",\"v\":%.4f}" % (i % 60, i, r.lognormvariate(0, 1)))' >"$T/f"
	run -0 winagg -T ts --tumble 1h -a distinct:u,p50:v,p99:v,count "$T/f"
	python3 "$REF/winagg_ref.py" --counts -T ts --tumble 1h -a distinct:u,p50:v,p99:v,count "$T/f" >"$T/want"
	printf '%s\n' "$output" >"$T/got"
	run -0 python3 "$REF/winagg_cmp.py" "$T/got" "$T/want"
	assert_output --partial "1 rows equal ("
	# split across two runs through --state: the same sketches
	head -n 10000 "$T/f" >"$T/g"
	winagg -T ts --tumble 1h -a distinct:u,p50:v,p99:v,count --state "$T/st" "$T/g"
	tail -n 10000 "$T/f" >>"$T/g"
	run -0 winagg -T ts --tumble 1h -a distinct:u,p50:v,p99:v,count --state "$T/st" --flush "$T/g"
	assert_output "$(cat "$T/got")"
	# a coarser precision is a different setting, and its own bound
	run -0 winagg -T ts --tumble 1h -a distinct:u --hll-precision 10 --quantile-error 0.05 "$T/f"
	printf '%s\n' "$output" >"$T/got"
	python3 "$REF/winagg_ref.py" --counts -T ts --tumble 1h -a distinct:u "$T/f" >"$T/want"
	run -0 python3 "$REF/winagg_cmp.py" --hll-precision 10 "$T/got" "$T/want"
}

@test "winagg: --max-groups stops with a clear error" {
	run -3 --separate-stderr winagg -T ts --tumble 1h -g event_id -a count --max-groups 1000 "$GEN/50k.ndjson"
	[ "$stderr" = "winagg: more than 1000 open window groups (--max-groups 1000): a larger limit, fewer groups, shorter windows or less --lateness" ]
}

@test "winagg: CSV rows (.csv name, --csv, .csv.gz) give the rows of the NDJSON equivalent; bad rows rejected with their first line" {
	grep -v -e ',0.5$' -e ',x,' "$W/events.csv" >"$T/clean.csv"
	mlr --icsv --ojsonl cat "$T/clean.csv" >"$T/clean.ndjson"
	run -0 winagg -q -T ts --tumble 1m -g campaign -a count,sum:clicks,avg:cost,distinct:user "$T/clean.ndjson"
	want=$output
	[ "${#lines[@]}" -eq 5 ]
	run -0 --separate-stderr winagg -T ts --tumble 1m -g campaign -a count,sum:clicks,avg:cost,distinct:user \
	    --reject "$T/rej" "$W/events.csv"
	assert_output "$want"
	[ "${stderr_lines[0]}" = "winagg: $W/events.csv:9: row has 4 fields, header has 5" ]
	[ "${stderr_lines[1]}" = "winagg: $W/events.csv:10: field 'clicks' is not a number: \"x\"" ]
	[ "${stderr_lines[2]}" = "winagg: 9 read, 6 used, 2 rejected, 1 late" ]
	run -0 jq -c '[.source, .line, .raw, .error]' "$T/rej"
	assert_output - <<-EOF
	["$W/events.csv",9,"2026-11-25T10:01:40Z,a,1,0.5","row has 4 fields, header has 5"]
	["$W/events.csv",10,"2026-11-25T10:02:05Z,a,x,0.5,u1","field 'clicks' is not a number: \"x\""]
	EOF
	# a multi-line quoted field: the row is one record, its group "u\n4"
	run -0 winagg -q -T ts --tumble 1m -g user -a count "$W/events.csv"
	assert_line '{"window_start":"2026-11-25T10:01:00Z","window_end":"2026-11-25T10:02:00Z","user":"u\n4","count":1}'
	run -0 sh -c 'winagg -q --csv -T ts --tumble 1m -g campaign -a count,sum:clicks,avg:cost,distinct:user <"$1"' sh "$W/events.csv"
	assert_output "$want"
	gzip -c "$W/events.csv" >"$T/e.csv.gz"
	run -0 winagg -q -j 4 -T ts --tumble 1m -g campaign -a count,sum:clicks,avg:cost,distinct:user "$T/e.csv.gz"
	assert_output "$want"
	# without a CSV name or --csv the file is NDJSON: every line rejected
	cp "$W/events.csv" "$T/events.txt"
	run -0 --separate-stderr winagg -T ts --tumble 1m -a count "$T/events.txt"
	[ "${stderr_lines[-1]}" = "winagg: 11 read, 0 used, 11 rejected, 0 late" ]
}

@test "winagg: an empty CSV cell is no value for an aggregate (skipped like null), not a reject" {
	printf 'ts,g,v\n0,a,1\n10,a,\n20,,2\n,a,5\n' >"$T/empty.csv"
	run -0 --separate-stderr winagg -v -T ts --tumble 1m -g g -a count,sum:v,avg:v,distinct:v,min:v "$T/empty.csv"
	assert_output - <<-'EOF'
	{"window_start":"1970-01-01T00:00:00Z","window_end":"1970-01-01T00:01:00Z","g":"","count":1,"sum_v":2,"avg_v":2,"distinct_v":1,"min_v":2}
	{"window_start":"1970-01-01T00:00:00Z","window_end":"1970-01-01T00:01:00Z","g":"a","count":2,"sum_v":1,"avg_v":1,"distinct_v":1,"min_v":1}
	EOF
	[ "${stderr_lines[0]}" = "winagg: $T/empty.csv:5: time field 'ts': invalid timestamp '': empty" ]
	[ "${stderr_lines[1]}" = "winagg: 4 read, 3 used, 1 rejected, 0 late" ]
	# an empty JSON string is still no number
	printf '{"ts":0,"v":""}\n' >"$T/empty.ndjson"
	run -0 --separate-stderr winagg -T ts --tumble 1m -a sum:v "$T/empty.ndjson"
	[ "${stderr_lines[0]}" = "winagg: $T/empty.ndjson:1: field 'v' is not a number: \"\"" ]
}

@test "winagg: a CSV file resumes from --state: header read again, unfinished last row waits" {
	cat >"$T/all.csv" <<-'EOF'
	ts,n
	2026-11-25T10:00:00Z,1
	2026-11-25T10:00:30Z,2
	2026-11-25T10:05:00Z,3
	2026-11-25T10:06:00Z,4
	EOF
	winagg -q -T ts --tumble 1m -a count,sum:n --state "$T/one" "$T/all.csv" >"$T/whole"
	winagg -q -T ts --tumble 1m -a count,sum:n --state "$T/one" --flush "$T/all.csv" >>"$T/whole"
	[ "$(wc -l <"$T/whole")" -eq 3 ]
	# the same file in three appends, the second ending mid-row
	head -c 50 "$T/all.csv" >"$T/f.csv"
	run -0 winagg -q -T ts --tumble 1m -a count,sum:n --state "$T/st" "$T/f.csv"
	assert_output ''
	head -c 80 "$T/all.csv" | tail -c +51 >>"$T/f.csv"
	run -0 --separate-stderr winagg -v -T ts --tumble 1m -a count,sum:n --state "$T/st" "$T/f.csv"
	[ "$stderr" = "winagg: 2 read, 2 used, 0 rejected, 0 late" ]
	printf '%s\n' "$output" >"$T/got"
	tail -c +81 "$T/all.csv" >>"$T/f.csv"
	winagg -q -T ts --tumble 1m -a count,sum:n --state "$T/st" "$T/f.csv" >>"$T/got"
	winagg -q -T ts --tumble 1m -a count,sum:n --state "$T/st" --flush "$T/f.csv" >>"$T/got"
	cmp "$T/whole" "$T/got"
}

@test "winagg: --progress draws bytes, rec/s and ETA on stderr, then clears it; -j N too" {
	pk-gen -n 100000 >"$T/big.ndjson"
	for j in 1 4; do
		run -0 --separate-stderr env PIPEKIT_PROGRESS_INTERVAL=0 winagg -j $j -T ts --tumble 1m -a count --progress "$T/big.ndjson"
		[[ "$stderr" == $'\r'"winagg: "*" MB of "*" MB, "*" rec/s"*$'\r\033[K'"winagg: 100000 read, "* ]]
		run -0 --separate-stderr env PIPEKIT_PROGRESS_INTERVAL=0 winagg -j $j -T ts --tumble 1m -a count "$T/big.ndjson"
		[[ "$stderr" != *"rec/s"* ]]
	done
	# a pipe has no known size: no line even when asked
	run -0 --separate-stderr sh -c 'cat "$1" | PIPEKIT_PROGRESS_INTERVAL=0 winagg -T ts --tumble 1m -a count --progress' sh "$T/big.ndjson"
	[[ "$stderr" != *"rec/s"* ]]
}

@test "winagg: usage errors" {
	run -2 --separate-stderr winagg --tumble 1m -a count
	[ "${stderr_lines[0]}" = "winagg: no event-time field: give -T FIELD" ]
	run -2 --separate-stderr winagg -T ts -a count
	[ "${stderr_lines[0]}" = "winagg: no window: give --tumble D, --hop SIZE/ADVANCE or --session GAP" ]
	run -2 --separate-stderr winagg -T ts --tumble 1m --session 1m -a count
	[ "${stderr_lines[0]}" = "winagg: give one of --tumble, --hop and --session" ]
	run -2 --separate-stderr winagg -T ts --hop 1m/5m -a count
	[ "${stderr_lines[0]}" = "winagg: --hop 1m/5m: ADVANCE must be above zero and at most SIZE" ]
	run -2 --separate-stderr winagg -T ts --tumble 1m -a count,median:x
	[[ "${stderr_lines[0]}" == "winagg: -a count,median:x: unknown aggregate 'median'"* ]]
	run -2 --separate-stderr winagg -T ts --tumble 1m -a sum
	[ "${stderr_lines[0]}" = "winagg: -a sum: aggregate 'sum' needs a field, as in 'sum:FIELD'" ]
	run -2 --separate-stderr winagg -T ts --tumble 1m -a count -O "$T"
	[ "${stderr_lines[0]}" = "winagg: -O DIR keeps its sequence number in the state: give --state FILE too" ]
	run -2 --separate-stderr winagg -T ts --tumble 0s -a count
	run -2 --separate-stderr winagg -T ts --tumble 1m -a count --as nope=x
	[ "${stderr_lines[0]}" = "winagg: --as nope=x: no aggregate named 'nope'" ]
}

@test "winagg: a full disk is exit 4 and no state is saved" {
	run -4 --separate-stderr bash -c 'winagg -q -T ts --tumble 1m -a count --state "$1/st" "$2" >/dev/full' _ "$T" "$W/events.ndjson"
	[ "$stderr" = "winagg: <stdout>: No space left on device" ] || [[ "$stderr" == *"No space left on device"* ]]
	[ ! -e "$T/st" ]
}

@test "winagg: the man page examples run" {
	cd "$FIX/winagg"
	run -0 winagg -T ts --tumble 1m -g campaign -a count,sum:clicks,p95:cost events.ndjson -q
	assert_line --index 0 '{"window_start":"2026-11-25T10:00:00Z","window_end":"2026-11-25T10:01:00Z","campaign":"a","count":2,"sum_clicks":3,"p95_cost":1.2125}'
	run -0 winagg -T ts --hop 2m/1m -g campaign -a avg:cost,distinct:user --lateness 30s events.ndjson -q
	[ "${#lines[@]}" -eq 7 ]
	run -0 winagg -T t --session 10s --lateness 1m -g user -a count,first:ms,last:ms sessions.ndjson -q
	[ "${#lines[@]}" -eq 4 ]
	mkdir "$T/out"
	run -0 winagg -T ts --tumble 1m -g campaign -a count --state "$T/st" -O "$T/out" events.ndjson -q
	[ -f "$T/out/00000001.ndjson" ]
	run -0 winagg -T ts --tumble 1m -g campaign -a count --state "$T/st" -O "$T/out" events.ndjson -q --flush
	[ -f "$T/out/00000002.ndjson" ]
	run -0 winagg -T ts --tumble 1m -a count --watermark per-input part0.ndjson part1.ndjson
	[ "${#lines[@]}" -eq 5 ]
}

@test "winagg: -O DIR is made when missing; a file there is refused (exit 2)" {
	printf '{"ts":0}\n{"ts":70}\n' >"$T/in.ndjson"
	run -0 winagg -T ts --tumble 1m -a count --state "$T/st" -O "$T/made" "$T/in.ndjson"
	[ -z "$output" ]
	run -0 cat "$T/made/00000001.ndjson"
	assert_output '{"window_start":"1970-01-01T00:00:00Z","window_end":"1970-01-01T00:01:00Z","count":1}'
	: >"$T/afile"
	run -2 --separate-stderr winagg -T ts --tumble 1m -a count --state "$T/st2" -O "$T/afile" "$T/in.ndjson"
	[ "${stderr_lines[0]}" = "winagg: -O '$T/afile' is not a directory" ]
	run -2 --separate-stderr winagg -T ts --tumble 1m -a count --state "$T/st3" -O "$T/no/such" "$T/in.ndjson"
	[ "${stderr_lines[0]}" = "winagg: -O '$T/no/such' is not a directory" ]
}

@test "winagg: --max-errors stops with exit 3 and still prints the summary line before the reason, sequential or parallel" {
	printf '%s\n' '{"id":"a","ts":"2026-11-25T10:00:01Z"}' 'bad' 'worse' '{"id":"b","ts":"2026-11-25T10:00:02Z"}' >"$T/m.ndjson"
	run -3 --separate-stderr winagg -T ts --tumble 1m -a count --max-errors 1 "$T/m.ndjson"
	[ -z "$output" ]
	assert_equal "$stderr" "winagg: $T/m.ndjson:2: not a JSON object
winagg: $T/m.ndjson:3: not a JSON object
winagg: 3 read, 1 used, 2 rejected, 0 late
winagg: too many rejected records (--max-errors 1)"
	run -3 --separate-stderr winagg -q -T ts --tumble 1m -a count --max-errors 1 "$T/m.ndjson"
	assert_equal "$stderr" "winagg: too many rejected records (--max-errors 1)"
	# a big file is parsed in parallel: the summary is there too
	run -3 --separate-stderr winagg -j 4 -T ts --tumble 1m -a count --max-errors 0 "$GEN/200k.ndjson"
	assert_equal "${stderr_lines[-1]}" "winagg: too many rejected records (--max-errors 0)"
	[[ "${stderr_lines[-2]}" =~ ^winagg:\ [0-9]+\ read,\ [0-9]+\ used,\ [1-9][0-9]*\ rejected,\ [0-9]+\ late$ ]]
}
