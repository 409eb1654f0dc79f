#!/usr/bin/env bats
# slareport: SLA compliance of Airflow history. Small hand-checked fixtures
# (tests/fixtures/slareport/small.ndjson: every number in its golden files
# was computed by hand, see the comments below), and generated histories
# (pk-gen-airflow) compared with an independent Python computation
# (tests/fixtures/slareport/reference.py).

load helpers/common

SR="$FIX/slareport"
REF="$SR/reference.py"
SMALL="--sla d1/load=1h --sla d2/*=30m --now 2026-11-03T00:30:00Z"
NOW="--now 2026-11-30T00:20:00Z"
# the same SLAs for slareport (durations) and the reference (seconds)
SLAS="--sla ads_daily/*=3h --sla ads_hourly/*=15m --sla billing_daily/*=2h --sla ml.features/*=4h --sla ml.features/train=5h"
REFSLAS="--sla ads_daily/*=10800 --sla ads_hourly/*=900 --sla billing_daily/*=7200 --sla ml.features/*=14400 --sla ml.features/train=18000"

setup() {
	T=$BATS_TEST_TMPDIR
}

# check FILES... -- OPTS...: slareport's ndjson equals the reference's rows.
check() {
	local files=() opts=()
	while [ "$1" != -- ]; do files+=("$1"); shift; done
	shift
	opts=("$@")
	run -0 --separate-stderr slareport $SLAS $NOW "${opts[@]}" "${files[@]}"
	printf '%s\n' "$output" >"$T/got.ndjson"
	run -0 python3 "$REF" $REFSLAS $NOW "${opts[@]}" --compare "$T/got.ndjson" "${files[@]}"
	assert_output --regexp '^reference: [0-9]+ rows compared, 0 differences$'
}

@test "slareport: hand-checked rows: mapped tasks, highest try, pending, a one-line whole response" {
	# d1/load: r1 met (ends 00:40, deadline 01:00); r2's try 2 ends 01:30,
	# 30 min late (try 1 listed after it is ignored); r3 running at --now
	# 00:30, before its 01:00 deadline: pending. Durations 1800, 3600:
	# p50 2700, p95 1800 + 0.95*1800 = 3510. d2/fetch: three mapped
	# instances (600 s met, 2400 s ends 11 min late, failed on try 3).
	run -0 --separate-stderr slareport $SMALL "$SR/small.ndjson"
	assert_output "$(cat "$SR/small.expected.ndjson")"
	[ "$stderr" = "" ]
}

@test "slareport: read = used + rejected counts the items of a whole response" {
	run -0 --separate-stderr slareport -v $SMALL "$SR/small.ndjson"
	[ "$stderr" = "slareport: 13 read, 13 used, 0 rejected" ]
}

@test "slareport: table, markdown and prom formats" {
	run -0 slareport -o table $SMALL "$SR/small.ndjson"
	assert_output "$(cat "$SR/small.expected.table")"
	run -0 slareport -o markdown $SMALL "$SR/small.ndjson"
	assert_output "$(cat "$SR/small.expected.md")"
	run -1 --separate-stderr slareport -o prom --target 90% $SMALL "$SR/small.ndjson"
	assert_output "$(cat "$SR/small.expected.prom")"
}

@test "slareport: --by day adds a time series after the summary rows" {
	run -0 slareport --by day $SMALL "$SR/small.ndjson"
	[ "${#lines[@]}" -eq 20 ]
	[ "$(printf '%s\n' "${lines[@]:6}")" = "$(cat "$SR/small.by-day.ndjson")" ]
}

@test "slareport: --target exits 1 naming the rows below it; rows without an SLA are ignored" {
	run -1 --separate-stderr slareport --target 95% $SMALL "$SR/small.ndjson"
	[ "${stderr_lines[0]}" = "slareport: d1: compliance 50.00% is below the target 95.00%" ]
	[ "${#stderr_lines[@]}" -eq 5 ]
	[ "${#lines[@]}" -eq 6 ]
	run -0 slareport --target 0.3 --sla 'd1/load=1h' --now 2026-11-03T00:30:00Z "$SR/small.ndjson"
	run -0 slareport --target 100% --sla 'd1/extract=1h' --now 2026-11-03T00:30:00Z "$SR/small.ndjson"
	run -2 --separate-stderr slareport --target 120% $SMALL "$SR/small.ndjson"
	assert_equal "${stderr_lines[0]}" "slareport: --target '120%' is above 100%"
}

@test "slareport: --target compares the exact ratio: one miss in 20000 is below 100% though it shows as 1" {
	awk 'BEGIN { for (i = 0; i < 20000; i++)
		printf "{\"task_id\":\"t\",\"dag_id\":\"d\",\"dag_run_id\":\"r%d\",\"state\":\"%s\",\"run_after\":\"2026-11-01T00:00:00Z\",\"end_date\":\"2026-11-01T00:10:00Z\"}\n", i, i ? "success" : "failed" }' >"$T/many.ndjson"
	run -1 --separate-stderr slareport --sla 'd/*=1h' --now 2026-11-03T00:00:00Z --target 100% "$T/many.ndjson"
	# rounded to four decimals as documented, yet below the target
	assert_line --index 1 --partial '"task_id":"t","runs":20000,"met":19999,"missed":1,"pending":0,"compliance":1,'
	assert_equal "${stderr_lines[1]}" "slareport: d/t: compliance 99.995% is below the target 100.00%"
	[ "${#stderr_lines[@]}" -eq 3 ]
	run -1 --separate-stderr slareport --sla 'd/*=1h' --now 2026-11-03T00:00:00Z --target 99.996% "$T/many.ndjson"
	assert_equal "${stderr_lines[1]}" "slareport: d/t: compliance 99.995% is below the target 99.996%"
	run -0 slareport --sla 'd/*=1h' --now 2026-11-03T00:00:00Z --target 99.995% "$T/many.ndjson"
	run -1 slareport --sla 'd/*=1h' --now 2026-11-03T00:00:00Z --target 100% -o html -O "$T/r.html" "$T/many.ndjson"
	grep -q '<td class="below">100.00%</td>' "$T/r.html"
}

@test "slareport: pending becomes missed once --now passes the deadline" {
	run -0 slareport --sla 'd1/load=1h' --now 2026-11-03T01:00:00Z "$SR/small.ndjson"
	assert_line --index 2 --partial '"runs":3,"met":1,"missed":1,"pending":1,'
	run -0 slareport --sla 'd1/load=1h' --now 2026-11-03T01:10:00Z "$SR/small.ndjson"
	assert_line --index 2 --partial '"runs":3,"met":1,"missed":2,"pending":0,"compliance":0.3333,'
	assert_line --index 2 --partial '"max_lateness_s":1800,"mean_lateness_s":1200,'
}

@test "slareport: SLAs from --sla-file NDJSON, CSV and a dagcheck --graph stream" {
	for f in slas.ndjson slas.csv graph.ndjson; do
		run -0 slareport --sla-file "$SR/$f" --now 2026-11-03T00:30:00Z "$SR/small.ndjson"
		assert_output "$(cat "$SR/small.expected.ndjson")"
	done
	# the last matching rule wins, whatever its source
	run -0 slareport --sla-file "$SR/slas.ndjson" --sla 'd1/*=2h' --now 2026-11-03T00:30:00Z "$SR/small.ndjson"
	assert_line --index 1 --partial '"task_id":"extract","runs":3,"met":3,"missed":0,'
	assert_line --index 2 --partial '"task_id":"load","runs":3,"met":2,"missed":0,"pending":1,"compliance":1,'
	# a glob must be text: an array would be a rule that silently never applies
	printf '%s\n' '{"dag_id":"d1","task_id":"extract","sla":"1h"}' \
		'{"dag_id":"d1","task_id":["load","publish"],"sla":"1h"}' >"$T/bad-slas.ndjson"
	run -2 --separate-stderr slareport --sla-file "$T/bad-slas.ndjson" "$SR/small.ndjson"
	[ "${stderr_lines[0]}" = "slareport: $T/bad-slas.ndjson:2: task_id is not a string: [\"load\",\"publish\"]" ]
	printf '%s\n' '{"dag_id":{"id":"d1"},"task_id":"x","sla":"1h"}' >"$T/bad-slas.ndjson"
	run -2 --separate-stderr slareport --sla-file "$T/bad-slas.ndjson" "$SR/small.ndjson"
	[ "${stderr_lines[0]}" = "slareport: $T/bad-slas.ndjson:1: dag_id is not a string: {\"id\":\"d1\"}" ]
}

@test "slareport: Airflow 2 task instances without dag runs stop with a message" {
	pk-gen-airflow -a v1 -d 3 >"$T/ti.ndjson"
	run -2 --separate-stderr slareport $SLAS $NOW "$T/ti.ndjson"
	[ "$output" = "" ]
	assert_equal "${stderr_lines[0]}" "slareport: task instances carry no data_interval_end or run_after (Airflow 2 REST API v1): pass their dag runs (--runs FILE, or dag_runs records in the same stream), or measure from the logical date on purpose with --reference logical_date"
	# on purpose: from the logical date
	run -0 slareport $SLAS $NOW --reference logical_date "$T/ti.ndjson"
	# the duration measure needs no reference
	run -0 slareport $SLAS $NOW --measure duration "$T/ti.ndjson"
}

@test "slareport: REST v2 items per line match the reference (both measures, every reference)" {
	pk-gen-airflow -s 7 >"$T/ti.ndjson"
	pk-gen-airflow -s 7 -w runs >"$T/runs.ndjson"
	check "$T/ti.ndjson" --
	check "$T/ti.ndjson" -- --measure duration
	check "$T/ti.ndjson" -- --reference run_after
	check "$T/ti.ndjson" --runs "$T/runs.ndjson" -- --reference data_interval_end
	check "$T/ti.ndjson" --runs "$T/runs.ndjson" -- --reference data_interval_end --measure duration
}

@test "slareport: REST v1 with dag runs, all tries listed, mixed or --runs, match the reference" {
	pk-gen-airflow -s 3 -a v1 --all-tries >"$T/ti.ndjson"
	pk-gen-airflow -s 3 -a v1 -w runs >"$T/runs.ndjson"
	pk-gen-airflow -s 3 -a v1 -w mixed --all-tries >"$T/mixed.ndjson"
	grep -q '"state":"failed","try_number":1' "$T/ti.ndjson"
	check "$T/ti.ndjson" --runs "$T/runs.ndjson" --
	check "$T/mixed.ndjson" --
	check "$T/mixed.ndjson" -- --measure duration
	check "$T/mixed.ndjson" -- --reference logical_date
	check "$T/mixed.ndjson" -- --reference logical_date --measure duration
}

@test "slareport: CSV exports of task_instance and dag_run (Airflow 2 and 3 columns) match the reference" {
	pk-gen-airflow -s 5 --csv >"$T/ti3.csv"
	pk-gen-airflow -s 5 --csv -w runs >"$T/runs3.csv"
	pk-gen-airflow -s 5 --csv -a v1 >"$T/ti2.csv"
	pk-gen-airflow -s 5 --csv -a v1 -w runs >"$T/runs2.csv"
	head -1 "$T/runs2.csv" | grep -q '^id,dag_id,queued_at,execution_date,start_date,end_date,state,run_id,'
	check "$T/ti3.csv" --runs "$T/runs3.csv" --
	check "$T/ti3.csv" --runs "$T/runs3.csv" -- --reference run_after --measure duration
	check "$T/ti2.csv" --runs "$T/runs2.csv" --
	check "$T/ti2.csv" --runs "$T/runs2.csv" -- --reference logical_date
	# the same history, whatever the shape: CSV gives the rows the API gives
	pk-gen-airflow -s 5 >"$T/ti.ndjson"
	pk-gen-airflow -s 5 -w runs >"$T/runs.ndjson"
	a=$(slareport $SLAS $NOW --runs "$T/runs3.csv" "$T/ti3.csv")
	b=$(slareport $SLAS $NOW --runs "$T/runs.ndjson" "$T/ti.ndjson")
	[ "$a" = "$b" ]
}

@test "slareport: whole API responses, pretty-printed or on one line, match the reference" {
	pk-gen-airflow -s 9 --shape pretty >"$T/ti.json"
	pk-gen-airflow -s 9 --shape pretty -w runs >"$T/runs.json"
	pk-gen-airflow -s 9 --shape compact -w mixed >"$T/both.json"
	[ "$(wc -l <"$T/both.json")" -eq 2 ]
	check "$T/ti.json" --runs "$T/runs.json" --
	check "$T/both.json" -- --by week
	a=$(slareport $SLAS $NOW --runs "$T/runs.json" "$T/ti.json")
	b=$(slareport $SLAS $NOW "$T/both.json")
	[ "$a" = "$b" ]
	# every item is a record read
	n=$(grep -c '"task_id"' "$T/ti.json")
	run -0 --separate-stderr slareport -v $SLAS $NOW --runs "$T/runs.json" "$T/ti.json"
	m=$(grep -c '"dag_run_id"' "$T/runs.json")
	[ "$stderr" = "slareport: $((n + m)) read, $((n + m)) used, 0 rejected" ]
}

@test "slareport: pretty-printed pages concatenated by a paging loop are read page after page; a page cut short is one reject" {
	pk-gen-airflow -s 9 --shape pretty >"$T/ti.json"
	pk-gen-airflow -s 9 --shape pretty -w runs >"$T/runs.json"
	# for p in 0 1 2; do curl .../taskInstances?offset=...; done >all.json
	for p in 0 1 2; do
		jq --argjson p "$p" '{task_instances: [.task_instances | _nwise(length / 3 | ceil)][$p], total_entries}' "$T/ti.json"
	done >"$T/all.json"
	[ "$(grep -c '^{' "$T/all.json")" -eq 3 ]
	want=$(slareport $SLAS $NOW --runs "$T/runs.json" "$T/ti.json")
	run -0 --separate-stderr slareport -v $SLAS $NOW --runs "$T/runs.json" "$T/all.json"
	assert_output "$want"
	n=$(grep -c '"task_id"' "$T/ti.json")
	m=$(grep -c '"dag_run_id"' "$T/runs.json")
	[ "$stderr" = "slareport: $((n + m)) read, $((n + m)) used, 0 rejected" ]
	# the last download died after 14 lines: one reject with its line, the
	# pages before it counted in full
	jq '.' "$T/ti.json" | head -n 14 >"$T/cut.json"
	cat "$T/all.json" "$T/cut.json" >"$T/all-cut.json"
	first=$(($(wc -l <"$T/all.json") + 1))
	run -0 --separate-stderr slareport $SLAS $NOW --runs "$T/runs.json" --reject "$T/rej.ndjson" "$T/all-cut.json"
	assert_output "$want"
	assert_equal "${stderr_lines[0]}" "slareport: $T/all-cut.json:$first: truncated JSON document: unexpected end of input after line $((first + 13))"
	assert_equal "${stderr_lines[1]}" "slareport: $((n + m + 1)) read, $((n + m)) used, 1 rejected"
	run -0 jq -r '.line, .error, (.raw + "\n" == $cut)' --rawfile cut "$T/cut.json" "$T/rej.ndjson"
	assert_output "$first
truncated JSON document: unexpected end of input after line $((first + 13))
true"
}

@test "slareport: --by day and week, --since and --until match the reference" {
	pk-gen-airflow -s 11 -w mixed >"$T/mixed.ndjson"
	check "$T/mixed.ndjson" -- --by day
	check "$T/mixed.ndjson" -- --by week --measure duration
	check "$T/mixed.ndjson" -- --since 2026-11-10T00:00:00Z --until 2026-11-17T00:00:00Z --by day
}

@test "slareport: dag-run deadlines from queued_at and start_date match the reference" {
	pk-gen-airflow -s 13 -w mixed >"$T/mixed.ndjson"
	run -0 --separate-stderr slareport $NOW --deadline 'ads_*=queued_at+30m' \
		--deadline 'billing_daily=start_date+45m' --sla 'ml.features/*=2h' "$T/mixed.ndjson"
	printf '%s\n' "$output" >"$T/got.ndjson"
	run -0 python3 "$REF" $NOW --deadline 'ads_*=queued_at+1800' --deadline 'billing_daily=start_date+2700' \
		--sla 'ml.features/*=7200' --compare "$T/got.ndjson" "$T/mixed.ndjson"
	assert_output --regexp ', 0 differences$'
}

@test "slareport: --deadline at a time of day counts each run against the next HH:MM after its interval" {
	# d1's runs end their intervals at midnight; by 01:00 r1 (done 00:40)
	# met, r2 (done 01:30) missed by 30 min, r3 running at 00:30: pending
	run -0 slareport --deadline 'd1=01:00' --now 2026-11-03T00:30:00Z "$SR/small.ndjson"
	assert_line --index 0 --partial '"runs":3,"met":1,"missed":1,"pending":1,"compliance":0.5,'
	assert_line --index 0 --partial '"max_lateness_s":1800,'
	run -0 slareport --deadline 'd1=00:30+1h' --now 2026-11-03T00:30:00Z "$SR/small.ndjson"
	assert_line --index 0 --partial '"met":2,"missed":0,"pending":1,"compliance":1,'
	# dag runs known only from their tasks cannot be placed: said, not guessed
	run -0 --separate-stderr slareport --deadline 'd2=queued_at+1h' --now 2026-11-03T00:30:00Z "$SR/small.ndjson"
	assert_line --index 3 --partial '"dag_id":"d2","task_id":null,"runs":1,"met":0,"missed":0,"pending":0,"compliance":null,'
	[ "$stderr" = "slareport: 1 dag run without a dag-run record: --deadline could not be evaluated for it (pass --runs)" ]
}

@test "slareport: --deadline on a reference the dag-run records lack says which field is missing, not 'pass --runs'" {
	# small.ndjson's d1 runs are REST v1 records: no queued_at
	run -0 --separate-stderr slareport --deadline 'd1=queued_at+1h' --now 2026-11-03T00:30:00Z "$SR/small.ndjson"
	assert_line --index 0 --partial '"dag_id":"d1","task_id":null,"runs":3,"met":0,"missed":0,"pending":0,"compliance":null,'
	[ "$stderr" = "slareport: 3 dag runs with no queued_at: --deadline could not be evaluated for them" ]
	# both kinds at once: d2's run is known only from its task instances
	run -0 --separate-stderr slareport --deadline '*=queued_at+1h' --now 2026-11-03T00:30:00Z "$SR/small.ndjson"
	assert_equal "${stderr_lines[0]}" "slareport: 1 dag run without a dag-run record: --deadline could not be evaluated for it (pass --runs)"
	assert_equal "${stderr_lines[1]}" "slareport: 3 dag runs with no queued_at: --deadline could not be evaluated for them"
	run -0 --separate-stderr slareport -q --deadline '*=queued_at+1h' --now 2026-11-03T00:30:00Z "$SR/small.ndjson"
	[ "$stderr" = "" ]
}

@test "slareport: prom written atomically with -O for the textfile collector" {
	mkdir "$T/tc"
	run -0 slareport -o prom -O "$T/tc/sla.prom" $SMALL "$SR/small.ndjson"
	[ "$output" = "" ]
	grep -qx 'pipekit_sla_compliance_ratio{dag_id="d2",task_id="fetch"} 0.3333' "$T/tc/sla.prom"
	[ "$(ls -A "$T/tc")" = "sla.prom" ]
	# a fatal error leaves the previous file alone and no temporary behind
	run -2 slareport -o prom -O "$T/tc/sla.prom" $SLAS $NOW <(pk-gen-airflow -a v1 -d 2)
	grep -qx 'pipekit_sla_compliance_ratio{dag_id="d2",task_id="fetch"} 0.3333' "$T/tc/sla.prom"
	[ "$(ls -A "$T/tc")" = "sla.prom" ]
}

@test "slareport: the HTML page opens in headless Chromium with every DAG's compliance and no request" {
	command -v chromium >/dev/null || skip "chromium not installed (scripts/install-deps)"
	pk-gen-airflow -s 2 -w mixed >"$T/mixed.ndjson"
	run -0 slareport -o html -O "$T/report.html" --title 'Ads SLAs' $SLAS $NOW "$T/mixed.ndjson"
	# self-contained: no URL, no script, no external stylesheet or image
	run grep -Eio 'https?://|<script|<link|<img|<iframe|url\(' "$T/report.html"
	[ "$status" -eq 1 ]
	grep -q '<svg' "$T/report.html"
	run -0 timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir="$T/profile" \
		--window-size=1280,2000 --screenshot="$T/shot.png" --dump-dom "file://$T/report.html"
	dom=$output
	[ -s "$T/shot.png" ]
	[ "$(head -c 8 "$T/shot.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	# every DAG row's compliance, as the table shows it, is in the page
	slareport -o table $SLAS $NOW "$T/mixed.ndjson" | awk '$2 == "*" { print $1, $7 }' >"$T/dags"
	[ "$(wc -l <"$T/dags")" -eq 5 ]
	while read -r dag pct; do
		[[ $dom == *"<td>$dag</td><td>(dag runs)</td>"* ]] || [[ $dom == *"<td>all DAGs</td>"* ]]
		[[ $dom == *">$pct</td>"* ]]
	done <"$T/dags"
	[[ $dom == *"<title>Ads SLAs</title>"* ]]
	[[ $dom != *"<script"* ]]
}

@test "slareport: unusable records are rejected, counted and kept" {
	cat >"$T/bad.ndjson" <<'EOF'
{"task_id":"load","dag_id":"d1","dag_run_id":"r9","state":"exploded","try_number":1}
{"task_id":"load","dag_id":"d1","state":"success","try_number":1}
{"task_id":"load","dag_id":"d1","dag_run_id":"r9","start_date":"yesterday","try_number":1}
{"task_id":"load","dag_id":"d1","dag_run_id":"r9","try_number":"two"}
not json
{"hello":"world"}
EOF
	run -0 --separate-stderr slareport --reject "$T/rej.ndjson" --sla 'd1/*=1h' --now 2026-11-03T00:30:00Z \
		"$SR/small.ndjson" "$T/bad.ndjson"
	assert_equal "${stderr_lines[0]}" "slareport: $T/bad.ndjson:1: unknown task state 'exploded'"
	assert_equal "${stderr_lines[1]}" "slareport: $T/bad.ndjson:2: task instance without dag_run_id (or run_id)"
	[[ ${stderr_lines[2]} == "slareport: $T/bad.ndjson:3: start_date: invalid timestamp 'yesterday'"* ]]
	assert_equal "${stderr_lines[3]}" "slareport: $T/bad.ndjson:4: try_number is not an integer: \"two\""
	assert_equal "${stderr_lines[5]}" "slareport: $T/bad.ndjson:6: neither a task instance (task_id) nor a dag run (dag_run_id)"
	assert_equal "${stderr_lines[6]}" "slareport: 19 read, 13 used, 6 rejected"
	[ "$(wc -l <"$T/rej.ndjson")" -eq 6 ]
	run -0 jq -r '.line' "$T/rej.ndjson"
	[ "$(echo $output)" = "1 2 3 4 5 6" ]
	# past --max-errors the summary still adds up, before the reason
	run -3 --separate-stderr slareport --max-errors 1 --sla 'd1/*=1h' "$T/bad.ndjson"
	assert_equal "${stderr_lines[2]}" "slareport: 2 read, 0 used, 2 rejected"
	assert_equal "${stderr_lines[3]}" "slareport: too many rejected records (--max-errors 1)"
	[ "$output" = "" ]
	run -3 --separate-stderr slareport -q --max-errors 1 --sla 'd1/*=1h' "$T/bad.ndjson"
	[ "$stderr" = "slareport: too many rejected records (--max-errors 1)" ]
}

@test "slareport: an id or state that is a boolean, array or object is rejected, not read as garbage" {
	# these were read from uninitialised memory: a task named "" (or a
	# crash) and a state picked at random
	cat >"$T/types.ndjson" <<'EOF'
{"task_id":true,"dag_id":"d1","dag_run_id":"r1","state":"success","try_number":1}
{"task_id":["load"],"dag_id":"d1","dag_run_id":"r1","state":"success","try_number":1}
{"task_id":"load","dag_id":"d1","dag_run_id":"r1","state":true,"try_number":9}
{"task_id":"load","dag_id":"d1","dag_run_id":"r1","state":{"a":1},"try_number":9}
{"task_id":"load","dag_id":{"x":1},"dag_run_id":"r1","state":"success"}
{"task_id":"load","dag_id":"d1","dag_run_id":true,"state":"success"}
{"dag_id":"d1","run_id":[1],"state":"failed"}
EOF
	run -0 --separate-stderr slareport --reject "$T/rej.ndjson" $SMALL "$SR/small.ndjson" "$T/types.ndjson"
	assert_output "$(cat "$SR/small.expected.ndjson")"
	assert_equal "${stderr_lines[0]}" "slareport: $T/types.ndjson:1: task_id is not a string: true"
	assert_equal "${stderr_lines[1]}" "slareport: $T/types.ndjson:2: task_id is not a string: [\"load\"]"
	assert_equal "${stderr_lines[2]}" "slareport: $T/types.ndjson:3: state is not a string: true"
	assert_equal "${stderr_lines[3]}" "slareport: $T/types.ndjson:4: state is not a string: {\"a\":1}"
	assert_equal "${stderr_lines[4]}" "slareport: $T/types.ndjson:5: dag_id is not a string: {\"x\":1}"
	assert_equal "${stderr_lines[5]}" "slareport: $T/types.ndjson:6: dag_run_id is not a string: true"
	assert_equal "${stderr_lines[6]}" "slareport: $T/types.ndjson:7: run_id is not a string: [1]"
	assert_equal "${stderr_lines[7]}" "slareport: 20 read, 13 used, 7 rejected"
	run -0 jq -r '.line' "$T/rej.ndjson"
	[ "$(echo $output)" = "1 2 3 4 5 6 7" ]
}

@test "slareport: a UTF-8 byte order mark before the first record is skipped (NDJSON, a whole response, --sla-file)" {
	# Windows tools write one; it used to reject line 1 ('not a JSON
	# object') and, with it, the dag run its task instances needed
	{ printf '\357\273\277'; cat "$SR/small.ndjson"; } >"$T/bom.ndjson"
	run -0 --separate-stderr slareport -v $SMALL "$T/bom.ndjson"
	assert_output "$(cat "$SR/small.expected.ndjson")"
	[ "$stderr" = "slareport: 13 read, 13 used, 0 rejected" ]
	{ printf '\357\273\277'; cat "$SR/slas.ndjson"; } >"$T/slas.ndjson"
	run -0 slareport --sla-file "$T/slas.ndjson" --now 2026-11-03T00:30:00Z "$SR/small.ndjson"
	assert_output "$(cat "$SR/small.expected.ndjson")"
	pk-gen-airflow -s 9 --shape pretty >"$T/r.json"
	pk-gen-airflow -s 9 --shape pretty -w runs >"$T/runs.json"
	{ printf '\357\273\277'; cat "$T/r.json"; } >"$T/rbom.json"
	{ printf '\357\273\277'; cat "$T/runs.json"; } >"$T/runsbom.json"
	want=$(slareport $SLAS $NOW --runs "$T/runs.json" "$T/r.json")
	run -0 --separate-stderr slareport $SLAS $NOW --runs "$T/runsbom.json" "$T/rbom.json"
	assert_output "$want"
	[ "$stderr" = "" ]
}

@test "slareport: a task instance with an empty or null task_id is rejected, not taken for its dag run's record" {
	# taken for a dag run, it replaced r2's record: r2's late load lost
	# its reference and went to the rejects, and d1's miss disappeared
	{ cat "$SR/small.ndjson"
	  echo '{"task_id":"","dag_id":"d1","dag_run_id":"r2","state":"success","try_number":1}'
	  echo '{"task_id":null,"dag_id":"d1","dag_run_id":"r1","state":"failed","try_number":1}'; } >"$T/s.ndjson"
	run -0 --separate-stderr slareport $SMALL "$T/s.ndjson"
	assert_output "$(cat "$SR/small.expected.ndjson")"
	assert_equal "${stderr_lines[0]}" "slareport: $T/s.ndjson:12: task instance with an empty task_id"
	assert_equal "${stderr_lines[1]}" "slareport: $T/s.ndjson:13: task instance with an empty task_id"
	assert_equal "${stderr_lines[2]}" "slareport: 15 read, 13 used, 2 rejected"
	# a task_instance export's empty cell likewise
	printf 'dag_id,task_id,run_id,state,end_date,run_after\nd1,,r2,success,,\n' >"$T/ti.csv"
	run -0 --separate-stderr slareport $SMALL "$SR/small.ndjson" "$T/ti.csv"
	assert_output "$(cat "$SR/small.expected.ndjson")"
	assert_equal "${stderr_lines[0]}" "slareport: $T/ti.csv:2: task instance with an empty task_id"
}

@test "slareport: a task instance whose dag run never shows up is rejected whole" {
	{ grep -v '"r2"' "$SR/small.ndjson" | grep -v '"task_id"'; grep '"dag_run_id":"r2"' "$SR/small.ndjson" | grep '"task_id"'; } >"$T/s.ndjson"
	run -0 --separate-stderr slareport --reject "$T/rej.ndjson" $SMALL "$T/s.ndjson"
	assert_equal "${stderr_lines[0]}" "slareport: $T/s.ndjson:4: no data_interval_end or run_after for this task instance: dag run 'r2' is not among the dag-run records"
	[ "$(jq -r .raw "$T/rej.ndjson" | jq -r .task_id)" = load ]
	[ "$(wc -l <"$T/rej.ndjson")" -eq 1 ]
}

@test "slareport: usage errors exit 2" {
	run -2 --separate-stderr slareport --sla 'load=1h' "$SR/small.ndjson"
	[[ ${stderr_lines[0]} == "slareport: invalid --sla 'load=1h' (want DAG/TASK=DURATION"* ]]
	run -2 --separate-stderr slareport --sla 'd1/load=soon' "$SR/small.ndjson"
	run -2 --separate-stderr slareport --deadline 'd1=whenever' "$SR/small.ndjson"
	run -2 --separate-stderr slareport --deadline 'd1=25:00' "$SR/small.ndjson"
	run -2 --separate-stderr slareport --by month "$SR/small.ndjson"
	run -2 --separate-stderr slareport --reference start_date "$SR/small.ndjson"
	run -2 --separate-stderr slareport --measure latency "$SR/small.ndjson"
	run -2 --separate-stderr slareport --since 2026-11-05T00:00:00Z --until 2026-11-01T00:00:00Z "$SR/small.ndjson"
	run -2 --separate-stderr slareport -o xml "$SR/small.ndjson"
	printf '{"dag_id":"d1","task_id":"t"}\n' >"$T/nosla.ndjson"
	run -2 --separate-stderr slareport --sla-file "$T/nosla.ndjson" "$SR/small.ndjson"
	assert_equal "${stderr_lines[0]}" "slareport: $T/nosla.ndjson:1: no sla"
}

@test "slareport: stdin, zstd input, and a closed stdout" {
	run -0 sh -c "slareport $SMALL < '$SR/small.ndjson'"
	assert_output "$(cat "$SR/small.expected.ndjson")"
	zstd -q -c "$SR/small.ndjson" >"$T/small.zst"
	run -0 slareport $SMALL "$T/small.zst"
	assert_output "$(cat "$SR/small.expected.ndjson")"
	run -4 --separate-stderr sh -c "slareport $SMALL '$SR/small.ndjson' >/dev/full"
}

@test "slareport: --help and --version" {
	run -0 slareport --help
	assert_line --index 0 --partial "slareport [options] [FILE...]"
	assert_output --partial "--deadline"
	run -0 slareport --version
	assert_output --regexp '^slareport \(pipekit\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "slareport: pk-gen-airflow is reproducible and writes what Airflow writes" {
	a=$(pk-gen-airflow -s 4 -d 2 | cksum)
	b=$(pk-gen-airflow -s 4 -d 2 | cksum)
	[ "$a" = "$b" ]
	[ "$a" != "$(pk-gen-airflow -s 5 -d 2 | cksum)" ]
	pk-gen-airflow -d 40 -w mixed >"$T/m.ndjson"
	run -0 jq -rs '[.[] | select(.task_id) | .state] | unique | join(" ")' "$T/m.ndjson"
	[[ $output == *failed* && $output == *running* && $output == *success* && $output == *upstream_failed* ]]
	run -0 jq -rs '[.[] | select(.task_id and .map_index >= 0)] | length > 0' "$T/m.ndjson"
	[ "$output" = true ]
	run -0 jq -rs '[.[] | select(.task_id and .try_number > 1)] | length > 0' "$T/m.ndjson"
	[ "$output" = true ]
	run -0 jq -rs '[.[] | select(.dag_run_id and (.task_id | not)) | .run_type] | unique | join(" ")' "$T/m.ndjson"
	[ "$output" = "manual scheduled" ]
	run -0 jq -rs '[.[] | select(.task_id and .logical_date == null and .run_after)] | length > 0' "$T/m.ndjson"
	[ "$output" = true ]
	pk-gen-airflow --shape pretty -d 1 | jq -e '.task_instances | length > 0' >/dev/null
}

@test "slareport: the man page's examples run" {
	cd "$SR"
	run -0 slareport --sla 'd1/load=1h' --sla 'd2/*=30m' --now 2026-11-03T00:30:00Z -o table small.ndjson
	run -0 slareport --sla-file slas.csv --now 2026-11-03T00:30:00Z --by week small.ndjson
	run -0 slareport --sla-file graph.ndjson --now 2026-11-03T00:30:00Z -o markdown small.ndjson
	run -1 slareport --sla 'd1/*=1h' --now 2026-11-03T00:30:00Z --target 95% -o prom -O "$BATS_TEST_TMPDIR/sla.prom" small.ndjson
	run -0 slareport --deadline 'd1=01:00' --now 2026-11-03T00:30:00Z -o html -O "$BATS_TEST_TMPDIR/sla.html" small.ndjson
	run -0 slareport --measure duration --sla 'd1/load=45m' --now 2026-11-03T00:30:00Z small.ndjson
	run -0 sh -c "pk-gen-airflow -w mixed | slareport --sla 'ads_daily/*=3h' --now 2026-11-30T00:20:00Z -o table"
}

@test "slareport: extreme values saturate instead of overflowing; rejected records leave no trace" {
	cat >"$T/edge.ndjson" <<'EOF2'
{"task_id":"t","dag_id":"d","dag_run_id":"r","run_after":"1677-09-22T00:00:00Z","start_date":"1677-09-22T00:00:00Z","end_date":"2262-04-10T00:00:00Z","state":"success","try_number":1}
{"task_id":"t","dag_id":"d","dag_run_id":"r2","run_after":"2262-04-10T00:00:00Z","state":"running","map_index":99999999999}
{"task_id":"t","dag_id":"d","dag_run_id":"r3","run_after":"2262-04-10T00:00:00Z","state":"running","try_number":-3}
{"task_id":"t","dag_id":"d","dag_run_id":"r4","run_after":"2262-04-10T00:00:00Z","state":"running","map_index":1e10}
EOF2
	run -0 --separate-stderr slareport --sla 'd/*=100000d' --now 2262-04-11T00:00:00Z --deadline 'd=23:59+100000d' "$T/edge.ndjson"
	assert_equal "${stderr_lines[0]}" "slareport: $T/edge.ndjson:2: map_index out of range: 99999999999"
	assert_equal "${stderr_lines[1]}" "slareport: $T/edge.ndjson:3: try_number out of range: -3"
	assert_equal "${stderr_lines[2]}" "slareport: $T/edge.ndjson:4: map_index out of range: 1e10"
	assert_equal "${stderr_lines[3]}" "slareport: 4 read, 1 used, 3 rejected"
	# the run ends in 2262, 311 years past its 1951 deadline: more than
	# int64 nanoseconds hold, so its duration and lateness saturate
	assert_line --index 0 '{"dag_id":"d","task_id":null,"runs":1,"met":0,"missed":1,"pending":0,"compliance":0,"p50_duration_s":9223372036.854776,"p95_duration_s":9223372036.854776,"p99_duration_s":9223372036.854776,"max_lateness_s":9223372036.854776,"mean_lateness_s":9223372036.854776,"failed":0,"retries":0}'
}

# -j: a file of 8 MiB or more is split at newlines and parsed on N threads;
# everything the user sees must be what one thread gives, byte for byte.
@test "slareport: -j 2 and -j 3 give -j 1's report, rejects, line numbers and counts, every format" {
	{
		pk-gen-airflow -s 11 -c 2 -d 80 -w mixed |
			awk 'NR % 997 == 0 { print "{oops"; print ""; print "{\"task_id\":\"x\",\"dag_run_id\":\"r\"}" }
			NR % 1301 == 0 { l = $0; sub(/"start_date":"[^"]*"/, "\"start_date\":\"garbage\"", l); print l }
			NR % 1703 == 0 && /"task_id"/ { l = $0; gsub(/"(run_after|data_interval_end)":"[^"]*",?/, "", l)
				sub(/"dag_run_id":"/, "\"dag_run_id\":\"ghost_", l); print l }
			{ print }'
		pk-gen-airflow -s 12 -d 2 --shape compact | head -n 1
	} >"$T/h.ndjson"
	[ "$(wc -c <"$T/h.ndjson")" -ge $((8 << 20)) ]
	for f in ndjson table markdown prom html; do
		for j in 1 2 3; do
			run --separate-stderr slareport -j $j --sla '*/*=2h' --sla 'ads_hourly*/*=15m' $NOW --by day -o $f --reject "$T/rej$j.ndjson" "$T/h.ndjson"
			printf '%s\n' "$status" "$output" >"$T/out$j"
			printf '%s\n' "$stderr" >"$T/err$j"
		done
		for j in 2 3; do
			cmp "$T/out1" "$T/out$j"
			cmp "$T/err1" "$T/err$j"
			# envelopes differ in their wall-clock "ts" only
			cmp <(sed 's/"ts":"[^"]*"//' "$T/rej1.ndjson") <(sed 's/"ts":"[^"]*"//' "$T/rej$j.ndjson")
		done
		rm "$T"/rej*.ndjson
	done
	# the first bad line is line 997 (996 lines, then "{oops"); the ghost
	# runs' instances are rejected at the end, with their own line numbers
	grep -q "^slareport: $T/h.ndjson:997: expected string key at byte 2$" "$T/err1"
	grep -q "^slareport: $T/h.ndjson:999: task instance without dag_id$" "$T/err1"
	grep -q "^slareport: $T/h.ndjson:[0-9]*: no data_interval_end or run_after for this task instance: dag run 'ghost_" "$T/err1"
	grep -q "^slareport: [0-9]* read, [0-9]* used, [0-9]* rejected$" "$T/err1"
	[ "$(grep -c "^slareport: $T/h.ndjson:[0-9]*: " "$T/err1")" -gt 20 ]
}

@test "slareport: -j rejects a line over --max-record-bytes as one thread does; stdin; bad -j" {
	{
		pk-gen-airflow -s 11 -c 2 -d 80
		printf '{"task_id":"%03000d"}\n' 0
		pk-gen-airflow -s 12 -d 1
	} >"$T/h.ndjson"
	n=$(($(pk-gen-airflow -s 11 -c 2 -d 80 | wc -l) + 1))
	run -0 --separate-stderr slareport -j 1 $SLAS $NOW --max-record-bytes 2000 --reject "$T/r1" "$T/h.ndjson"
	printf '%s\n' "$output" "$stderr" >"$T/one"
	want=$output
	assert_equal "${stderr_lines[0]}" "slareport: $T/h.ndjson:$n: line longer than 2000 bytes (--max-record-bytes)"
	run -0 --separate-stderr slareport -j 2 $SLAS $NOW --max-record-bytes 2000 --reject "$T/r2" "$T/h.ndjson"
	printf '%s\n' "$output" "$stderr" >"$T/two"
	cmp "$T/one" "$T/two"
	cmp <(sed 's/"ts":"[^"]*"//' "$T/r1") <(sed 's/"ts":"[^"]*"//' "$T/r2")
	run -0 --separate-stderr slareport -j 2 $SLAS $NOW --max-record-bytes 2000 - <"$T/h.ndjson"
	assert_equal "$output" "$want"
	assert_equal "${stderr_lines[0]}" "slareport: <stdin>:$n: line longer than 2000 bytes (--max-record-bytes)"
	run -2 slareport -j 0 "$T/h.ndjson"
	run -2 slareport -j x "$T/h.ndjson"
}
