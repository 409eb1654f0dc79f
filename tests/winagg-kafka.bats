#!/usr/bin/env bats
# winagg in a Kafka consumer group, on librdkafka's loopback mock cluster:
# records placed by logsplit exactly as Kafka would, one and two instances
# (one killed with SIGKILL and restarted) against winagg over the same
# records from a file, graceful SIGTERM, per-partition state files, results
# in Kafka transactions, and what the mock cluster cannot show.
#
# Sizes: make check uses 100 000 generated records for the scale-out test
# (one instance in one group, two in another, the topic produced in pieces
# while they consume) and 50 000 for the one-shot -e run. The issue's
# 1M-record run is the same scale-out test at full size, slower, and runs
# with WINAGG_KAFKA_1M=1 tests/run tests/winagg-kafka.bats.

bats_require_minimum_version 1.5.0
load helpers/common
load helpers/kafka

setup() {
	command -v kcat >/dev/null || skip "kcat not installed"
	T=$BATS_TEST_TMPDIR
	# A group that a member left forms again after session.timeout.ms - 1 s
	# on the mock (see tests/kafka.bats): keep it short.
	printf 'session.timeout.ms=3000\nheartbeat.interval.ms=500\n' >"$T/kafka.props"
	export PIPEKIT_KAFKA_CONFIG=$T/kafka.props
}

teardown() {
	kafka_teardown
}

# pk-gen's disorder is at most 30 s: with --lateness 30s nothing is late,
# from a file or from any partition, so both runs see the same windows.
WA=(-T ts --tumble 1m --lateness 30s -g campaign_id -a count,sum:clicks,sum:cost,max:cost)

lag0() {	# TOPIC GROUP: everything consumed and committed
	pk-kafka lag -b "$BROKERS" -t "$1" -G "$2" 2>/dev/null | grep -q '^{"total_lag":0}$'
}

# N records as a file, the file's results sorted in $T/want, and the
# records produced to topic t in CHUNKS pieces by logsplit, waiting after
# each piece until every group in $WAIT_GROUPS has committed all of it (the mock
# keeps 5 MiB per partition: a larger backlog would be truncated; the
# hottest of 8 partitions takes about 27% of pk-gen's records). The
# hook after_chunk K runs after piece K is produced.
gen_and_want() {	# N
	pk-gen -n "$1" >"$T/ev.ndjson"
	winagg -q "${WA[@]}" "$T/ev.ndjson" | LC_ALL=C sort >"$T/want"
}

produce_chunks() {	# CHUNKS
	local k g lines=$(( ($(wc -l <"$T/ev.ndjson") + $1 - 1) / $1 ))
	split -l "$lines" -d -a 3 "$T/ev.ndjson" "$T/chunk."
	k=0
	for f in "$T"/chunk.*; do
		k=$((k + 1))
		logsplit -q -k campaign_id -b "$BROKERS" -t t "$f"
		if declare -F after_chunk >/dev/null; then after_chunk "$k"; fi
		for g in $WAIT_GROUPS; do
			kafka_wait 60 lag0 t "$g"
		done
	done
}

# Two instances in group g2 with -O, B killed with SIGKILL once half the
# pieces are produced and started again; one instance in group g1.
scale_out() {	# N CHUNKS
	local n=$1 chunks=$2
	kafka_start t:8
	gen_and_want "$n"
	mkdir "$T/o1" "$T/o2"
	start() {	# NAME GROUP OUTDIR
		kafka_bg "$T/$1.out" "$T/$1.err" winagg -v "${WA[@]}" -b "$BROKERS" -t t -G "$2" \
			--state "$T/st-$2" -O "$3" --commit-interval 200ms
		eval "PID_$1=\$KAFKA_BG_LAST"
	}
	start one g1 "$T/o1"
	start a g2 "$T/o2"
	start b g2 "$T/o2"
	kafka_wait 20 eval 'grep -q "assigned 4" "$T/a.err" && grep -q "assigned 4" "$T/b.err" && grep -q "assigned 8" "$T/one.err"'
	after_chunk() {
		if [ "$1" -eq $((chunks / 2)) ]; then
			# B is killed in the middle of its work; A takes its
			# partitions from the state B left, B comes back later.
			A_LINES=$(wc -l <"$T/a.err")
			kill -KILL "$PID_b"
			wait "$PID_b" || true
		fi
		if [ "$1" -eq $((chunks / 2 + 1)) ]; then
			start b2 g2 "$T/o2"
			kafka_wait 30 grep -q "assigned 4" "$T/b2.err"
		fi
	}
	WAIT_GROUPS="g1 g2" produce_chunks "$chunks"
	unset -f after_chunk
	# A did take B's partitions while B was away
	tail -n +$((A_LINES + 1)) "$T/a.err" | grep -q "assigned 8"
	kill -TERM "$PID_one" "$PID_a" "$PID_b2"
	wait "$PID_one"
	wait "$PID_a"
	wait "$PID_b2"
	# The windows still open are in the state: a last run flushes them.
	for g in g1 g2; do
		o=$T/o1; [ "$g" = g2 ] && o=$T/o2
		run -0 --separate-stderr winagg "${WA[@]}" -b "$BROKERS" -t t -G "$g" --state "$T/st-$g" \
			-O "$o" -e --flush
	done
	cat "$T"/o1/*.ndjson | LC_ALL=C sort >"$T/got1"
	cat "$T"/o2/*.ndjson | LC_ALL=C sort >"$T/got2"
	[ "$(wc -l <"$T/want")" -gt 1000 ]
	diff "$T/want" "$T/got1"
	diff "$T/want" "$T/got2"
	# one state file and a numbered result file per partition
	[ "$(ls "$T/st-g2" | grep -c '^t\.[0-7]\.state$')" -eq 8 ]
	ls "$T/o2" | grep -q '^t\.7\.00000001\.ndjson$'
}

@test "winagg: one instance over 8 partitions gives the results of the same records from a file" {
	kafka_start t:8
	# 50 000 records: the hottest partition stays under the mock's 5 MiB
	# of log per partition (100 000 would not, so that test produces in
	# pieces while the instances consume).
	gen_and_want 50000
	# logsplit places each campaign where Kafka's murmur2 would
	run -0 logsplit -q -k campaign_id -b "$BROKERS" -t t "$T/ev.ndjson"
	run -0 --separate-stderr winagg -v "${WA[@]}" -b "$BROKERS" -t t -G g --state "$T/st" -e --flush
	assert_equal "${stderr_lines[-1]}" "winagg: 50000 read, 50000 used, 0 rejected, 0 late"
	LC_ALL=C sort <<<"$output" | diff "$T/want" -
	# rows come in window order over the whole instance
	jq -r .window_end <<<"$output" | sort -c
	lag0 t g
	[ "$(ls "$T/st" | grep -c '^t\.[0-7]\.state$')" -eq 8 ]
	# nothing left: a second run reads nothing and writes nothing
	run -0 --separate-stderr winagg -v "${WA[@]}" -b "$BROKERS" -t t -G g --state "$T/st" -e --flush
	assert_output ""
	assert_equal "${stderr_lines[-1]}" "winagg: 0 read, 0 used, 0 rejected, 0 late"
}

@test "winagg: one instance, and two in a group with one killed by SIGKILL half-way and restarted, write each window once (100k records)" {
	scale_out 100000 4
}

@test "winagg: the same at the issue's size, 1M records (WINAGG_KAFKA_1M=1)" {
	[ "${WINAGG_KAFKA_1M:-0}" = 1 ] || skip "1M records take about 30 s: set WINAGG_KAFKA_1M=1"
	KAFKA_MOCK_MAX_SECONDS=600 scale_out 1000000 25
}

@test "winagg: SIGTERM finishes the batch, commits and exits 0; the next run continues from there" {
	kafka_start t:4
	gen_and_want 20000
	head -n 10000 "$T/ev.ndjson" >"$T/first"
	tail -n +10001 "$T/ev.ndjson" >"$T/second"
	logsplit -q -k campaign_id -b "$BROKERS" -t t "$T/first"
	kafka_bg "$T/1.out" "$T/1.err" winagg -v "${WA[@]}" -b "$BROKERS" -t t -G g --state "$T/st" \
		--commit-interval 10m
	P=$KAFKA_BG_LAST
	kafka_wait 20 grep -q "assigned 4" "$T/1.err"
	sleep 2		# ample to read 10 000 records; nothing is committed for 10 minutes
	[ "$(pk-kafka lag -b "$BROKERS" -t t -G g | grep -c '"committed":-1001')" -eq 4 ]
	kill -TERM "$P"
	wait "$P"
	lag0 t g
	[ -s "$T/1.out" ]
	logsplit -q -k campaign_id -b "$BROKERS" -t t "$T/second"
	run -0 --separate-stderr winagg "${WA[@]}" -b "$BROKERS" -t t -G g --state "$T/st" -e --flush
	printf '%s\n' "$output" | cat "$T/1.out" - | LC_ALL=C sort | diff "$T/want" -
}

@test "winagg: --output-topic with a transactional.id: each result once, keyed by window and group" {
	kafka_start t:8 out:4
	gen_and_want 20000
	logsplit -q -k campaign_id -b "$BROKERS" -t t "$T/ev.ndjson"
	run -0 --separate-stderr winagg "${WA[@]}" -b "$BROKERS" -t t -G g --state "$T/st" -e --flush \
		--output-topic out -X transactional.id=winagg-test-1
	assert_output ""
	kcat -C -J -b "$BROKERS" -t out -e -q -X isolation.level=read_committed >"$T/msgs"
	jq -r .payload "$T/msgs" | LC_ALL=C sort | diff "$T/want" -
	# the key is the window and the group: compaction keeps one per window
	jq -e -s 'all(.[]; (.key | fromjson) == (.payload | fromjson | {window_start, window_end, campaign_id}))' "$T/msgs"
	[ "$(jq -r .key "$T/msgs" | sort | uniq -d | wc -l)" -eq 0 ]
	# a re-run finds nothing new and produces nothing
	run -0 --separate-stderr winagg "${WA[@]}" -b "$BROKERS" -t t -G g --state "$T/st" -e --flush \
		--output-topic out -X transactional.id=winagg-test-1
	[ "$(kcat -C -b "$BROKERS" -t out -e -q | wc -l)" -eq "$(wc -l <"$T/want")" ]
}

@test "winagg: a transaction aborted before its results reach the log leaves nothing; the re-run writes each result once" {
	kafka_start t:8 out:4
	gen_and_want 20000
	logsplit -q -k campaign_id -b "$BROKERS" -t t "$T/ev.ndjson"
	# AddPartitionsToTxn (API key 24) fails with TOPIC_AUTHORIZATION_FAILED
	# (29), an abortable error: librdkafka sends no result to the log.
	kafka_cmd errors 24 29 1
	run -4 --separate-stderr winagg "${WA[@]}" -b "$BROKERS" -t t -G g --state "$T/st" -e --flush \
		--output-topic out -X transactional.id=winagg-test-2
	[[ "$stderr" == *"Topic authorization failed"* ]]
	[[ "$stderr" == *"winagg: transaction aborted ("*"): none of its results are visible and no offset was committed; run again to redo it"* ]]
	[ "$(kcat -C -b "$BROKERS" -t out -e -q -X isolation.level=read_committed | wc -l)" -eq 0 ]
	[ "$(kcat -C -b "$BROKERS" -t out -e -q | wc -l)" -eq 0 ]
	# no offset committed, and no state file committed (only .pending)
	[ "$(pk-kafka lag -b "$BROKERS" -t t -G g | grep -c '"committed":-1001')" -eq 8 ]
	[ "$(ls "$T/st" | grep -c '\.state$')" -eq 0 ]
	# the re-run: every result exactly once
	run -0 --separate-stderr winagg "${WA[@]}" -b "$BROKERS" -t t -G g --state "$T/st" -e --flush \
		--output-topic out -X transactional.id=winagg-test-2
	kcat -C -b "$BROKERS" -t out -e -q -X isolation.level=read_committed | LC_ALL=C sort | diff "$T/want" -
}

@test "winagg: results of an aborted transaction that reached the log stay hidden (a real broker only)" {
	kafka_start t:8 out:4
	gen_and_want 20000
	logsplit -q -k campaign_id -b "$BROKERS" -t t "$T/ev.ndjson"
	# AddOffsetsToTxn (25) fails with GROUP_AUTHORIZATION_FAILED (30): the
	# results were produced, then the transaction is aborted.
	kafka_cmd errors 25 30 1
	run -4 --separate-stderr winagg "${WA[@]}" -b "$BROKERS" -t t -G g --state "$T/st" -e --flush \
		--output-topic out -X transactional.id=winagg-test-3
	[[ "$stderr" == *"Group authorization failed"* ]]
	[[ "$stderr" == *"winagg: transaction aborted ("*"): none of its results are visible"* ]]
	if [ "$(kcat -C -b "$BROKERS" -t out -e -q -X isolation.level=read_committed | wc -l)" -gt 0 ]; then
		# librdkafka's mock cluster writes no transaction markers and
		# reports no aborted transactions in Fetch (its last stable offset
		# is the end of the log): read_committed readers see aborted
		# records. Only a real broker can show this.
		skip "the mock cluster does not hide aborted transactions (no markers, no aborted list in Fetch)"
	fi
	run -0 --separate-stderr winagg "${WA[@]}" -b "$BROKERS" -t t -G g --state "$T/st" -e --flush \
		--output-topic out -X transactional.id=winagg-test-3
	kcat -C -b "$BROKERS" -t out -e -q -X isolation.level=read_committed | LC_ALL=C sort | diff "$T/want" -
}

@test "winagg: --idle-timeout lets a quiet partition stop holding the instance watermark back" {
	kafka_start t:2
	{
		for m in 0 1 2 3 4 5; do
			printf '{"partition":0,"key":"a","payload":"{\\"ts\\":\\"2026-11-25T10:0%s:10Z\\",\\"c\\":\\"a\\"}"}\n' "$m"
		done
		printf '{"partition":1,"key":"b","payload":"{\\"ts\\":\\"2026-11-25T10:00:05Z\\",\\"c\\":\\"b\\"}"}\n'
	} | pk-kafka produce -b "$BROKERS" -t t -J 2>/dev/null
	# Without: partition 1 is at 10:00:05, so no window may be released.
	kafka_bg "$T/1.out" "$T/1.err" winagg -v -T ts --tumble 1m -g c -a count -b "$BROKERS" -t t \
		-G g1 --state "$T/st1" --commit-interval 200ms
	P=$KAFKA_BG_LAST
	kafka_wait 20 lag0 t g1
	sleep 1
	kill -TERM "$P"
	wait "$P"
	[ ! -s "$T/1.out" ]
	# With: both partitions go quiet, and partition 0's closed windows
	# (10:00 to 10:05) come out.
	kafka_bg "$T/2.out" "$T/2.err" winagg -T ts --tumble 1m -g c -a count -b "$BROKERS" -t t \
		-G g2 --state "$T/st2" --commit-interval 200ms --idle-timeout 500ms
	P=$KAFKA_BG_LAST
	kafka_wait 20 eval '[ "$(wc -l <"$T/2.out")" -ge 5 ]'
	kill -TERM "$P"
	wait "$P"
	run -0 jq -r '"\(.window_start) \(.c) \(.count)"' "$T/2.out"
	assert_output "$(printf '2026-11-25T10:0%s:00Z a 1\n' 0 1 2 3 4)"
}

@test "winagg: -J aggregates kcat -J envelopes: count per Kafka key by record timestamp" {
	kafka_start t:3
	{ for i in $(seq 1 30); do echo "k$((i % 3)):not json $i"; done; } |
		kcat -P -b "$BROKERS" -t t -K: -X partitioner=murmur2_random
	run -0 --separate-stderr winagg -J -T ts --time-unit ms --tumble 1d -g key,partition -a count \
		-b "$BROKERS" -t t -G g --state "$T/st" -e --flush
	run -0 jq -s -c 'group_by(.key) | map({key: .[0].key, count: (map(.count) | add)})' <<<"$output"
	assert_output '[{"key":"k0","count":10},{"key":"k1","count":10},{"key":"k2","count":10}]'
}

@test "winagg: a payload that is not a record, or a tombstone, is rejected as TOPIC[PARTITION]:OFFSET" {
	kafka_start t:1
	printf '%s\n' '{"payload":"{\"ts\":\"2026-11-25T10:00:00Z\",\"c\":\"a\"}"}' \
		'{"payload":"not json"}' '{"key":"gone","payload":null}' \
		'{"payload":"{\"c\":\"a\"}"}' | pk-kafka produce -b "$BROKERS" -t t -J 2>/dev/null
	run -0 --separate-stderr winagg -T ts --tumble 1m -g c -a count -b "$BROKERS" -t t -G g \
		--state "$T/st" -e --flush --reject "$T/rej"
	assert_output '{"window_start":"2026-11-25T10:00:00Z","window_end":"2026-11-25T10:01:00Z","c":"a","count":1}'
	[ "${stderr_lines[0]}" = "winagg: t[0]:1: not a JSON object" ]
	[ "${stderr_lines[1]}" = "winagg: t[0]:2: null payload (a tombstone)" ]
	[ "${stderr_lines[2]}" = "winagg: t[0]:3: missing time field 'ts'" ]
	[ "${stderr_lines[3]}" = "winagg: 4 read, 1 used, 3 rejected, 0 late" ]
	run -0 jq -r '"\(.source) \(.line) \(.raw)"' "$T/rej"
	assert_line --index 0 't[0] 1 not json'
}

@test "winagg: a rejected first record of a partition is named TOPIC[PARTITION]:0, line 0 in its envelope" {
	kafka_start t:1
	printf '%s\n' '{"c":"a"}' '{"ts":"2026-11-25T10:00:00Z","c":"a"}' | kcat -P -b "$BROKERS" -t t -p 0
	run -0 --separate-stderr winagg -T ts --tumble 1m -g c -a count -b "$BROKERS" -t t -G g \
		--state "$T/st" -e --flush --reject "$T/rej"
	[ "${stderr_lines[0]}" = "winagg: t[0]:0: missing time field 'ts'" ]
	run -0 jq -c '[.source, .line]' "$T/rej"
	assert_output '["t[0]",0]'
}

@test "winagg: usage errors and state made with other settings" {
	run -2 --separate-stderr winagg -T ts --tumble 1m -a count -b 127.0.0.1:1 -t t -G g
	[ "${stderr_lines[0]}" = "winagg: -G keeps window state per partition: give --state DIR" ]
	run -2 --separate-stderr winagg -T ts --tumble 1m -a count -b 127.0.0.1:1 -t t --state "$T/st"
	[ "${stderr_lines[0]}" = "winagg: consuming Kafka needs -t TOPIC and -G GROUP" ]
	run -2 --separate-stderr winagg -T ts --tumble 1m -a count -b 127.0.0.1:1 -t t -G g --state "$T/st" "$FIX/winagg/events.ndjson"
	[ "${stderr_lines[0]}" = "winagg: give either files or -b/-t/-G, not both" ]
	run -2 --separate-stderr winagg -T ts --tumble 1m -a count -b 127.0.0.1:1 -t t -G g --state "$T/st" -O "$T" --output-topic o
	[ "${stderr_lines[0]}" = "winagg: give either -O DIR or --output-topic, not both" ]
	run -2 --separate-stderr winagg -T ts --tumble 1m -a count -b 127.0.0.1:1 -t t -G g --state "$T/st" -X transactional.id=x
	[ "${stderr_lines[0]}" = "winagg: -X transactional.id goes with --output-topic" ]
	: >"$T/file"
	run -2 --separate-stderr winagg -T ts --tumble 1m -a count -b 127.0.0.1:1 -t t -G g --state "$T/file"
	[ "${stderr_lines[0]}" = "winagg: --state '$T/file': with -G it is a directory (one file per partition)" ]

	kafka_start t:1
	printf '{"ts":"2026-11-25T10:00:00Z"}\n' | pk-kafka produce -b "$BROKERS" -t t 2>/dev/null
	run -0 winagg -q -T ts --tumble 1m -a count -b "$BROKERS" -t t -G g --state "$T/st" -e
	[ -f "$T/st/t.0.state" ]
	run -2 --separate-stderr winagg -T ts --tumble 5m -a count -b "$BROKERS" -t t -G g --state "$T/st" -e
	[[ "$stderr" == *"winagg: state file '$T/st/t.0.state' was made with other settings (--tumble 1m "*"not these (--tumble 5m "* ]]
}

@test "winagg: the man page's Kafka examples run" {
	kafka_start events:4 results:2
	logsplit -q -k campaign -b "$BROKERS" -t events "$FIX/winagg/events.ndjson" 2>/dev/null || true
	mkdir "$T/out"
	cd "$T"
	run -0 winagg -T ts --tumble 1m -g campaign -a count,sum:clicks -b "$BROKERS" -t events -G winagg-ads --state st -O out -e --flush -q
	[ "$(cat out/*.ndjson | wc -l)" -ge 3 ]
	run -0 winagg -T ts --tumble 1m -g campaign -a count,sum:clicks -b "$BROKERS" -t events -G winagg-ads2 --state st2 --output-topic results -X transactional.id=winagg-ads-1 -e --flush -q
	[ "$(kcat -C -b "$BROKERS" -t results -e -q -X isolation.level=read_committed | wc -l)" -eq "$(cat out/*.ndjson | wc -l)" ]
}
