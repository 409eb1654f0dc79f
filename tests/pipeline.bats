#!/usr/bin/env bats
# The whole pipeline of README and pipekit(7) on one machine: lint the DAGs,
# split a day of events into files and a topic, diagnose the skew, aggregate
# per minute, replay what was rejected or late, and report SLAs. Counts are
# conserved at every stage: nothing read is lost.

load helpers/common
load helpers/kafka

setup_file() {
	export PT="$BATS_FILE_TMPDIR"
	pk-gen -n 20000 --seed 3 --bad 0.002 --late 0.002 >"$PT/events.ndjson"
	export N=20000
}

teardown() {
	kafka_teardown
}

@test "pipeline: dagcheck finds the sample folder's errors, and passes once they are fixed" {
	cp -r "$PIPEKIT_TOP/examples/dags" "$PT/dags"
	run -1 dagcheck "$PT/dags"
	assert_output --partial "DC102 duplicate task_id 'extract' in DAG 'ads_backfill'"
	assert_output --partial "DC103 dependency on 'publish'"
	sed -i -e '/^extract_again = /d' \
		-e 's/^start >> extract >> load >> publish$/publish = BashOperator(task_id="publish", bash_command="p.sh", dag=dag)\nstart >> extract >> load >> publish/' \
		"$PT/dags/ads_backfill.py"
	run dagcheck -o ndjson "$PT/dags"
	refute_output --partial '"code":"DC102"'
	refute_output --partial '"code":"DC103"'
	run -0 dagcheck --graph "$PT/dags/ads_daily.py"
	assert_equal "$(printf '%s\n' "$output" | jq -r .task_id | sort | tr '\n' ' ')" \
		"aggregate_clicks done load report wait_for_ingest "
}

@test "pipeline: logsplit files, its stats and its rejects account for every line" {
	run -0 --separate-stderr logsplit -k campaign_id -n 8 -T ts \
		-O "$PT/lake/dt={date}/hour={hour}/part-{partition:03}.ndjson.zst" \
		--stats "$PT/stats.ndjson" --reject "$PT/split-rejects.ndjson" -v "$PT/events.ndjson"
	read -r used rejected < <(sed -n 's/^logsplit: \([0-9]*\) read, \([0-9]*\) used, \([0-9]*\) rejected$/\2 \3/p' <<<"$stderr")
	[ "$((used + rejected))" -eq "$N" ]
	[ "$(wc -l <"$PT/split-rejects.ndjson")" -eq "$rejected" ]
	[ "$(jq -s 'map(.count) | add' "$PT/stats.ndjson")" -eq "$used" ]
	# the files hold exactly the records the stats count, byte for byte as read
	[ "$(find "$PT/lake" -name '*.zst' -exec zstd -dcq {} + | wc -l)" -eq "$used" ]
	[ "$(find "$PT/lake" -name '*.zst' -exec zstd -dcq {} + | sort | cmp - <(grep -Fxv -f <(jq -r .raw "$PT/split-rejects.ndjson") "$PT/events.ndjson" | sort) && echo same)" = same ]
	# skewstat reads the stats file: the same total
	run -0 skewstat -o ndjson "$PT/stats.ndjson"
	[ "$(head -1 <<<"$output" | jq .total)" -eq "$used" ]
}

@test "pipeline: the topic holds per partition exactly what the files hold" {
	kafka_start ads:8
	run -0 --separate-stderr logsplit -k campaign_id -b "$BROKERS" -t ads --stats "$PT/topic-stats.ndjson" -q "$PT/events.ndjson"
	# offline and online placement agree partition by partition
	run -0 diff <(jq -c '[.partition, .count]' "$PT/stats.ndjson") <(jq -c '[.partition, .count]' "$PT/topic-stats.ndjson")
	# a separate client sees the same numbers
	for p in 0 1 2 3 4 5 6 7; do
		want=$(jq -r "select(.partition == $p) | .count" "$PT/stats.ndjson")
		got=$(kcat -C -b "$BROKERS" -t ads -p "$p" -o beginning -e -q -f '%o\n' | wc -l)
		[ "$got" -eq "$want" ] || { echo "partition $p: kcat $got, files $want"; return 1; }
	done
	run -0 skewstat -b "$BROKERS" -t ads -o ndjson
	[ "$(head -1 <<<"$output" | jq .total)" -eq "$(jq -s 'map(.count) | add' "$PT/stats.ndjson")" ]
}

@test "pipeline: winagg counts = read - rejected - late, and replaying fills the gap to every event" {
	run -0 --separate-stderr winagg -T ts --tumble 1m --lateness 45s -g campaign_id -a count,sum:clicks \
		--late "$PT/late.ndjson" --reject "$PT/agg-rejects.ndjson" -v "$PT/events.ndjson" -o ndjson
	printf '%s\n' "$output" >"$PT/minutes.ndjson"
	read -r used rejected late < <(sed -n 's/^winagg: [0-9]* read, \([0-9]*\) used, \([0-9]*\) rejected, \([0-9]*\) late$/\1 \2 \3/p' <<<"$stderr")
	[ "$((used + rejected + late))" -eq "$N" ]
	[ "$late" -gt 0 ] && [ "$rejected" -gt 0 ]
	aggregated=$(jq -s 'map(.count) | add' "$PT/minutes.ndjson")
	[ "$aggregated" -eq "$used" ]

	# late records go to a correction job, once each, even when replayed twice
	for _ in 1 2; do
		run -0 --separate-stderr dlqreplay --exec "cat >>'$PT/corrections.ndjson'" \
			--ledger "$PT/ledger.ndjson" "$PT/late.ndjson"
	done
	[ "$(wc -l <"$PT/corrections.ndjson")" -eq "$late" ]
	# a correction batch of its own: the late records are hours out of order
	run -0 --separate-stderr winagg -T ts --tumble 1m --lateness 1d -g campaign_id -a count \
		"$PT/corrections.ndjson"
	[ "$(printf '%s\n' "$output" | jq -s 'map(.count) | add')" -eq "$late" ]

	# rejects: a fixer repairs what lacks campaign_id; what cannot be parsed is parked
	cat >"$PT/fix.sh" <<-'EOS'
		#!/bin/sh
		jq -ce 'if has("campaign_id") then . else . + {campaign_id: "unknown"} end' >>"$FIXED" 2>/dev/null
	EOS
	chmod +x "$PT/fix.sh"
	FIXED="$PT/fixed.ndjson" run -1 --separate-stderr dlqreplay --exec "$PT/fix.sh" \
		--max-attempts 1 --park "$PT/parked.ndjson" "$PT/agg-rejects.ndjson"
	fixed=$(wc -l <"$PT/fixed.ndjson")
	parked=$(wc -l <"$PT/parked.ndjson")
	[ "$((fixed + parked))" -eq "$rejected" ]
	[ "$fixed" -gt 0 ] && [ "$parked" -gt 0 ]
	run -0 --separate-stderr winagg -T ts --tumble 1m --lateness 1d -g campaign_id -a count \
		"$PT/fixed.ndjson"
	refixed=$(printf '%s\n' "$output" | jq -s 'map(.count) | add')
	# every event is now aggregated once, or parked with its reason
	[ "$((aggregated + late + refixed + parked))" -eq "$N" ]
}

@test "pipeline: slareport over a generated month writes an HTML page with every DAG" {
	pk-gen-airflow --days 30 --what mixed >"$PT/history.ndjson"
	run -0 --separate-stderr slareport --sla 'ads_daily/*=3h' --sla 'ads_hourly/*=45m' --sla 'billing_daily/*=6h' \
		--now 2026-11-30T00:20:00Z -o ndjson "$PT/history.ndjson"
	for d in ads_daily ads_hourly billing_daily ml.features; do
		jq -se --arg d "$d" 'any(.[]; .dag_id == $d and .task_id == null)' <<<"$output" >/dev/null
	done
	run -0 slareport --sla 'ads_daily/*=3h' --now 2026-11-30T00:20:00Z --by day -o html \
		-O "$PT/sla.html" "$PT/history.ndjson"
	[ -s "$PT/sla.html" ]
	grep -q '<svg' "$PT/sla.html"
	for d in ads_daily ads_hourly billing_daily ml.features; do grep -q "$d" "$PT/sla.html"; done
}

@test "pipeline: make demo's script runs to the end and leaves nothing running" {
	run -0 env NO_COLOR=1 "$PIPEKIT_TOP/scripts/demo"
	assert_output --partial "demo finished in"
	assert_output --partial "HTML report:"
	# two winagg consumers in one group gave the file's windows, each once
	assert_output --partial "identical: each window once, whichever instance computed it"
	assert_output --partial "corrections received:"
	# the demo's own accounting: every event aggregated, rejected or late, then
	# every reject mended or parked
	assert_output --regexp 'events in = aggregated \+ rejected \+ late: 200000 = [0-9]+ \+ [1-9][0-9]* \+ [1-9][0-9]* \(conserved\)'
	assert_output --regexp 'events in = aggregated \+ corrected late \+ mended \+ parked: 200000 = [0-9]+ \+ [1-9][0-9]* \+ [1-9][0-9]* \+ [1-9][0-9]* \(conserved\)'
	refute_output --partial "NOT conserved"
	# the broker it started is gone (by its pid: other demos may be running)
	[ -s "$PIPEKIT_TOP/demo/out/mock.pid" ]
	run kill -0 "$(cat "$PIPEKIT_TOP/demo/out/mock.pid")"
	assert_failure
}
