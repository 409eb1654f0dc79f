#!/usr/bin/env bats
# dlqreplay: sources (envelopes, kcat Connect/Spring records, plain records,
# a DLQ topic), targets (--exec, a topic, stdout), retries, the ledger and
# its crash window, park files, selection and the plan.

load helpers/common
load helpers/kafka

setup() {
	T=$BATS_TEST_TMPDIR
	D=$FIX/dlqreplay
	cd "$T"
}

teardown() {
	kafka_teardown
}

@test "dlqreplay: envelopes replay their raw lines byte-exact to stdout, identical ones once" {
	run -0 --separate-stderr dlqreplay "$D/rejects.ndjson"
	# Line 12 is line 3 again; raw_base64 comes back as the original bytes.
	printf '%s\n' '{"event_id":"e3","user":"ann","kind":"click"}' \
		'{"event_id":"e7","user":"bob","kind":"view"}' '{"event_id" "e9"}' >"$T/want"
	printf '{"event_id":"e15","u":"\377"}\n' >>"$T/want"
	cmp "$T/want" <(printf '%s\n' "$output")
	[ "$stderr" = "dlqreplay: 5 read, 4 replayed, 1 skipped as duplicates, 0 parked, 0 filtered, 0 rejected" ]
}

@test "dlqreplay: --exec exit 0 succeeds, 75 retries up to --max-attempts, others park at once" {
	cat >"$T/target" <<'EOF'
#!/bin/sh
c=$(sed 's/.*"code":\([0-9]*\).*/\1/')
echo "$PIPEKIT_REPLAY_ATTEMPT" >>"attempts.$c"
exit "$c"
EOF
	chmod +x "$T/target"
	printf '%s\n' '{"n":1,"code":0}' '{"n":2,"code":75}' '{"n":3,"code":3}' >"$T/in"
	run -1 --separate-stderr dlqreplay --exec ./target --max-attempts 3 --backoff 10ms..40ms \
		--seed 7 --park park.ndjson in
	[ "$(cat attempts.0)" = "1" ]
	[ "$(paste -sd, attempts.75)" = "1,2,3" ]
	[ "$(cat attempts.3)" = "1" ] || { cat attempts.3; false; }
	[ "${stderr_lines[0]}" = "dlqreplay: in:2: parked after 3 attempts: exit 75 (EX_TEMPFAIL)" ]
	[ "${stderr_lines[1]}" = "dlqreplay: in:3: parked after 1 attempt: exit 3 (permanent failure)" ]
	[ "${stderr_lines[2]}" = "dlqreplay: 3 read, 1 replayed, 0 skipped as duplicates, 2 parked, 0 filtered, 0 rejected" ] || { echo "$stderr"; false; }
	run -0 jq -c '[.source, .line, .raw, .error, [.attempts[] | [.attempt, .exit]]]' park.ndjson
	assert_line --index 0 '["in",2,"{\"n\":2,\"code\":75}","exit 75 (EX_TEMPFAIL)",[[1,75],[2,75],[3,75]]]'
	assert_line --index 1 '["in",3,"{\"n\":3,\"code\":3}","exit 3 (permanent failure)",[[1,3]]]'
	# Each attempt has its time, in order.
	run -0 jq -e '[.attempts[].time] | . == sort and length >= 1' park.ndjson
	# A park file is a dead-letter queue again: fixed target, all replayed.
	run -0 --separate-stderr dlqreplay --exec 'cat >>fixed' park.ndjson
	[ "$(cat fixed)" = "$(printf '%s\n' '{"n":2,"code":75}' '{"n":3,"code":3}')" ]
}

@test "dlqreplay: --timeout kills the command's whole process group and retries" {
	echo '{"n":1}' >"$T/in"
	SECONDS=0
	run -1 --separate-stderr dlqreplay --exec 'sleep 30 & echo $! >>kids; wait' --timeout 300ms \
		--max-attempts 2 --backoff 10ms..10ms --park park.ndjson in
	[ "$SECONDS" -lt 10 ]
	[ "$(jq -c '[.attempts[].error]' park.ndjson)" = '["timed out after 300ms","timed out after 300ms"]' ]
	[ "$(wc -l <kids)" -eq 2 ]
	# The background sleeps were in the group: none is left.
	for p in $(cat kids); do
		kafka_wait 5 eval "! ps -o stat= -p $p | grep -qv Z"
	done
}

@test "dlqreplay: the ledger skips what succeeded on a re-run; --id names the id" {
	run -0 --separate-stderr dlqreplay --exec 'cat >>got' --ledger led --id event_id "$D/plain.ndjson"
	[ "$(wc -l <got)" -eq 3 ]
	[ "$(jq -r .id led | paste -sd,)" = "p1,p2,p3" ]
	[ "$(jq -r .attempts led | paste -sd,)" = "1,1,1" ]
	cat "$D/plain.ndjson" >more
	echo '{"event_id":"p4","user":"cy"}' >>more
	run -0 --separate-stderr dlqreplay --exec 'cat >>got' --ledger led --id event_id more
	[ "$stderr" = "dlqreplay: 4 read, 1 replayed, 3 skipped as duplicates, 0 parked, 0 filtered, 0 rejected" ]
	[ "$(jq -r .event_id got | paste -sd,)" = "p1,p2,p3,p4" ]
	# A record without the --id field is rejected, not guessed.
	echo '{"user":"x"}' >noid
	run -0 --separate-stderr dlqreplay --exec 'cat >>got' --ledger led --id event_id noid
	[ "${stderr_lines[0]}" = "dlqreplay: noid:1: no id field 'event_id'" ]
}

@test "dlqreplay: a second run on the same ledger is refused while the first holds it" {
	command -v flock >/dev/null || skip "flock(1) not installed"
	: >led
	flock -n led sleep 5 3>&- &
	pid=$!
	sleep 0.3
	run -4 --separate-stderr dlqreplay --ledger led "$D/plain.ndjson"
	[ "$stderr" = "dlqreplay: ledger 'led' is locked by another run (is a dlqreplay with this --ledger still running?)" ]
	[ -z "$output" ]
	kill "$pid"
	wait "$pid" || true
}

@test "dlqreplay: --dry-run prints the plan and sends nothing" {
	cp "$D/rejects.ndjson" .
	run -0 --separate-stderr dlqreplay --exec 'cat >>got' --ledger led --dry-run rejects.ndjson
	diff <(printf '%s\n' "$output") "$D/plan.ndjson"
	# The default id: SHA-256 of the key's length (all ones: no key), the
	# key, the payload's length (8 bytes big-endian) and the payload.
	id=$({ printf '\377\377\377\377\377\377\377\377\0\0\0\0\0\0\0\055'
		printf '%s' '{"event_id":"e3","user":"ann","kind":"click"}'; } | sha256sum | cut -d' ' -f1)
	[ "$(head -1 <<<"$output" | jq -r .id)" = "$id" ]
	[ "$stderr" = "dlqreplay: 5 read, 4 to replay, 1 skipped as duplicates, 0 parked, 0 filtered, 0 rejected (dry run: nothing sent)" ]
	[ ! -e got ]
	[ ! -e led ]
}

@test "dlqreplay: --filter, --since and --until select what is replayed" {
	run -0 --separate-stderr dlqreplay --filter 'error=missing*' "$D/rejects.ndjson"
	[ "$(printf '%s\n' "$output" | jq -r .event_id | paste -sd,)" = "e3,e7" ]
	[ "$stderr" = "dlqreplay: 5 read, 2 replayed, 1 skipped as duplicates, 0 parked, 2 filtered, 0 rejected" ]
	run -0 --separate-stderr dlqreplay --filter user=ann --filter kind='cl*' "$D/rejects.ndjson"
	[ "$output" = '{"event_id":"e3","user":"ann","kind":"click"}' ]
	# The envelope's ts is the dead letter's time: [16:40, 17:15).
	run -0 --separate-stderr dlqreplay --since 2026-11-25T16:40:00Z --until 2026-11-25T17:15:00Z \
		"$D/rejects.ndjson"
	[ "$(printf '%s\n' "$output" | paste -sd' ')" = '{"event_id":"e7","user":"bob","kind":"view"} {"event_id" "e9"}' ]
	# Plain records have no time unless -T names it.
	run -0 --separate-stderr dlqreplay --since 2026-11-25T10:30:00Z "$D/plain.ndjson"
	[ "${stderr_lines[0]}" = "dlqreplay: $D/plain.ndjson:1: no time for --since/--until (use -T FIELD)" ]
	run -0 --separate-stderr dlqreplay -T at --since 2026-11-25T10:30:00Z "$D/plain.ndjson"
	[ "$(printf '%s\n' "$output" | jq -r .event_id | paste -sd,)" = "p2,p3" ]
	# Connect and Spring headers: the exception class and the original topic.
	run -0 --separate-stderr dlqreplay --filter 'dlq.exception=*DataException' --filter dlq.topic=orders \
		"$D/connect-dlq.ndjson" "$D/spring-dlt.ndjson"
	[ "$(printf '%s\n' "$output" | jq -r .order | paste -sd,)" = "0,1" ]
}

@test "dlqreplay: --rate paces attempts (lower bound only; the bench measures accuracy)" {
	seq 1 6 | sed 's/.*/{"n":&}/' >in
	start=$(date +%s%N)
	run -0 --separate-stderr dlqreplay --rate 20/s in
	end=$(date +%s%N)
	# 6 sends at 20/s: 5 intervals of 50 ms at least.
	[ $(((end - start) / 1000000)) -ge 250 ]
	[ "${#lines[@]}" -eq 6 ]
	run -2 --separate-stderr dlqreplay --rate 0/s in
	[ "${stderr_lines[0]}" = "dlqreplay: invalid --rate '0/s': expected N/s, N/m or N/h with N above 0" ]
}

@test "dlqreplay: -j runs targets concurrently and --ordered keeps each key's order" {
	for i in $(seq 1 40); do echo "{\"k\":\"k$((i % 4))\",\"n\":$i}"; done >in
	run -0 --separate-stderr dlqreplay -j 8 --ordered -k k \
		--exec 'read -r l; sleep 0.0$((RANDOM % 5)); echo "$l" >>got' in
	[ "$(wc -l <got)" -eq 40 ]
	for k in k0 k1 k2 k3; do
		jq -r "select(.k == \"$k\") | .n" got >seen
		sort -n seen | cmp - seen
	done
}

@test "dlqreplay: -k a,b is a composite key joined by --key-join, none when a part is absent" {
	printf '%s\n' '{"region":"eu","user":"ann","n":1}' '{"region":"eu","n":2}' \
		'{"region":"us","user":2.50,"n":3}' >"$T/in"
	run -0 --separate-stderr dlqreplay -k region,user --dry-run "$T/in"
	[ "$(printf '%s\n' "$output" | jq -r .key | tr '\n' ' ')" = "eu|ann null us|2.50 " ]
	run -0 --separate-stderr dlqreplay -k region -k user --key-join :: --dry-run "$T/in"
	[ "$(printf '%s\n' "$output" | jq -r .key | tr '\n' ' ')" = "eu::ann null us::2.50 " ]
	run -2 --separate-stderr dlqreplay -k 'region,' --dry-run "$T/in"
	[ "$stderr" = "dlqreplay: -k 'region,': empty field path
Try 'dlqreplay --help'." ]
	# the joined key is the Kafka key (a record without one has a null key)
	kafka_start out:4
	run -0 --separate-stderr dlqreplay -b "$BROKERS" -t out -k region,user --repartition "$T/in"
	run -0 kcat -C -b "$BROKERS" -t out -e -q -f '%k %s\n'
	[ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = ' {"region":"eu","n":2} eu|ann {"region":"eu","user":"ann","n":1} us|2.50 {"region":"us","user":2.50,"n":3} ' ]
}

# Waits up to 10 s for file $1 to hold $2 lines.
wait_lines() {
	local i
	for i in $(seq 100); do
		[ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "$1 holds $(wc -l <"$1" 2>/dev/null || echo 0) lines, not $2, after 10 s"
	return 1
}

@test "dlqreplay: a record read from a pipe is replayed while the pipe is silent, not when the next line comes" {
	mkfifo "$T/in"
	dlqreplay -q --exec "cat >>'$T/out'" --ledger "$T/led" <"$T/in" &
	pid=$!
	exec {w}>"$T/in"
	echo '{"n":1}' >&"$w"
	wait_lines "$T/out" 1
	wait_lines "$T/led" 1	# and its success is in the ledger
	echo '{"n":2}' >&"$w"
	exec {w}>&-
	wait "$pid"
	[ "$(cat "$T/out")" = '{"n":1}
{"n":2}' ]
	# stdout is flushed before waiting for more
	mkfifo "$T/in2"
	dlqreplay -q <"$T/in2" >"$T/out2" &
	pid=$!
	exec {w}>"$T/in2"
	echo '{"n":3}' >&"$w"
	wait_lines "$T/out2" 1
	exec {w}>&-
	wait "$pid"
	[ "$(cat "$T/out2")" = '{"n":3}' ]
}

@test "dlqreplay: usage errors" {
	run -2 --separate-stderr dlqreplay --exec true -t x -b 127.0.0.1:1
	[ "${stderr_lines[0]}" = "dlqreplay: --exec and -t are two targets: choose one" ]
	run -2 --separate-stderr dlqreplay --backoff 5s..1s
	[ "${stderr_lines[0]}" = "dlqreplay: invalid --backoff '5s..1s': the cap is below the base" ]
	run -2 --separate-stderr dlqreplay --jitter half
	run -2 --separate-stderr dlqreplay --timeout 1s
	[ "${stderr_lines[0]}" = "dlqreplay: --timeout is for --exec" ]
	run -2 --separate-stderr dlqreplay -t @original
	[ "${stderr_lines[0]}" = "dlqreplay: -t needs -b BROKERS" ]
}

@test "dlqreplay: --max-errors stops with exit 3 and still prints the summary" {
	printf '{"r":"a"}\nx\n{"r":"b"}\ny\n{"r":"c"}\n' >in.ndjson
	run -3 --separate-stderr dlqreplay --max-errors 1 in.ndjson
	assert_equal "$stderr" "dlqreplay: in.ndjson:2: not a JSON object
dlqreplay: in.ndjson:4: not a JSON object
dlqreplay: 4 read, 0 replayed, 0 skipped as duplicates, 0 parked, 0 filtered, 2 rejected, 2 unfinished (stopped)
dlqreplay: too many rejected records (--max-errors 1)"
}

# What a consumer of the original topics sees, comparable line by line.
topic_view() {
	kcat -C -J -b "$BROKERS" -t "$1" -e -q | jq -c '{partition, key, payload, headers}' | sort
}

@test "dlqreplay: Connect and Spring dead letters go back to their original topics and partitions" {
	command -v kcat >/dev/null || skip "kcat not installed"
	kafka_start orders:4 payments:3 connect-dlq:1 orders-dlt:1
	run -0 --separate-stderr dlqreplay -b "$BROKERS" -t @original "$D/connect-dlq.ndjson" "$D/spring-dlt.ndjson"
	[ "${stderr_lines[-1]}" = "dlqreplay: 5 read, 5 replayed, 0 skipped as duplicates, 0 parked, 0 filtered, 0 rejected" ]
	run -0 topic_view orders
	assert_output "$(cat <<'EOF'
{"partition":0,"key":"cust-1","payload":"{\"order\":1,\"customer\":\"cust-1\"}","headers":["trace-id","t-1","pipekit-replay-attempt","1"]}
{"partition":1,"key":"cust-9","payload":"{\"order\":100,\"customer\":\"cust-9\"}","headers":["app-header","v0","pipekit-replay-attempt","1"]}
{"partition":2,"key":"cust-7","payload":"{\"order\":0,\"customer\":\"cust-7\"}","headers":["trace-id","t-0","pipekit-replay-attempt","1"]}
EOF
)"
	run -0 topic_view payments
	assert_output "$(cat <<'EOF'
{"partition":1,"key":"pay-3","payload":"{\"order\":2,\"customer\":\"pay-3\"}","headers":["trace-id","t-2","pipekit-replay-attempt","1"]}
{"partition":2,"key":"pay-8","payload":"{\"order\":101,\"customer\":\"pay-8\"}","headers":["app-header","v1","pipekit-replay-attempt","1"]}
EOF
)"
	# Back into the DLQ it came from: refused per record, nothing sent.
	run -0 --separate-stderr dlqreplay -b "$BROKERS" -t connect-dlq "$D/connect-dlq.ndjson"
	[ "${stderr_lines[0]}" = "dlqreplay: $D/connect-dlq.ndjson:1: refusing to send back to 'connect-dlq', the topic it was read from" ]
	[ "$(kcat -C -b "$BROKERS" -t connect-dlq -e -q | wc -l)" -eq 0 ]
}

@test "dlqreplay: a DLQ topic read in a consumer group, offsets committed after each outcome" {
	command -v kcat >/dev/null || skip "kcat not installed"
	kafka_start orders:4 payments:3 orders-dlt:1
	# Spring's binary headers need pk-kafka's base64 header values.
	run -0 pk-kafka produce -b "$BROKERS" -t orders-dlt -J <"$D/spring-dlt.ndjson"
	run -0 --separate-stderr dlqreplay -b "$BROKERS" -G replay -e -t @original --keep-dlq-headers orders-dlt
	[ "${stderr_lines[-1]}" = "dlqreplay: 2 read, 2 replayed, 0 skipped as duplicates, 0 parked, 0 filtered, 0 rejected" ]
	run -0 kcat -C -J -b "$BROKERS" -t orders -e -q
	[ "$(jq -c '[.partition, .key]' <<<"$output")" = '[1,"cust-9"]' ]
	# Kept on request: the Spring headers, binary partition included.
	# (kcat prints header values as C strings: the NUL bytes need pk-kafka.)
	run -0 --separate-stderr pk-kafka consume -b "$BROKERS" -t orders -G check -e
	[ "$(jq -c '[.headers[4], (.headers[5] | explode)]' <<<"$output")" = '["kafka_dlt-original-partition",[0,0,0,1]]' ]
	run -0 kcat -C -J -b "$BROKERS" -t payments -e -q
	[ "$(jq -c '[.partition, .key]' <<<"$output")" = '[2,"pay-8"]' ]
	# The group's offset moved past both: a second run reads nothing.
	run -0 --separate-stderr dlqreplay -b "$BROKERS" -G replay -e -t @original orders-dlt
	[ "${stderr_lines[-1]}" = "dlqreplay: 0 read, 0 replayed, 0 skipped as duplicates, 0 parked, 0 filtered, 0 rejected" ]
	# With -G and no operands -t is the DLQ; replaying a topic into itself is refused.
	run -2 --separate-stderr dlqreplay -b "$BROKERS" -G g2 -t orders-dlt orders-dlt
	[ "${stderr_lines[0]}" = "dlqreplay: refusing to replay 'orders-dlt' into itself" ]
}

@test "dlqreplay: a letter parked from a DLQ topic is named topic[partition]@offset" {
	command -v kcat >/dev/null || skip "kcat not installed"
	kafka_start dlq:1
	printf '{"n":%d}\n' 1 2 3 4 5 6 7 8 9 10 11 12 | kcat -P -b "$BROKERS" -t dlq -p 0
	run -1 --separate-stderr dlqreplay -b "$BROKERS" -G g -e --exec 'exit 3' --park park dlq
	[ "${stderr_lines[0]}" = "dlqreplay: dlq[0]@0: parked after 1 attempt: exit 3 (permanent failure)" ]
	[ "${stderr_lines[11]}" = "dlqreplay: dlq[0]@11: parked after 1 attempt: exit 3 (permanent failure)" ]
	[ "$(jq -r .source park | tail -n 1)" = "dlq[0]@11" ]
}

@test "dlqreplay: crash test - SIGKILL at random points, every id exactly once but the documented window" {
	seq -f 'r%05g' 1 10000 | sed 's/.*/{"id":"&","payload":"x"}/' >in
	# A command whose parent was killed before it wrote the record sees
	# an empty stdin: that is no record, so it fails.
	cmd='read -r l || exit 1; echo "$l" | cut -d\" -f4 >>target'
	kills=0
	j=4
	for delay in 0.7 1.3 0.4 2.1 1.1; do
		dlqreplay -q -j $j --exec "$cmd" --ledger led --id id in 3>&- &
		pid=$!
		sleep "$delay"
		if kill -9 "$pid" 2>/dev/null; then
			kills=$((kills + 1))
		fi
		wait "$pid" || true
	done
	# Let the orphaned commands of the last kill finish, then run to the end.
	sleep 0.5
	run -0 --separate-stderr dlqreplay -j $j --exec "$cmd" --ledger led --id id in
	[ "$(sort -u target | wc -l)" -eq 10000 ]
	[ "$(sort -u target)" = "$(seq -f 'r%05g' 1 10000)" ]
	total=$(wc -l <target)
	dups=$((total - 10000))
	echo "# kills=$kills duplicates=$dups (allowed $((kills * j)))" >&3
	[ "$kills" -ge 3 ]
	[ "$dups" -le $((kills * j)) ]
	# No id is in the ledger twice, and every id is in it.
	[ "$(jq -r .id led | sort | uniq -d | wc -l)" -eq 0 ]
	[ "$(jq -r .id led | sort -u | wc -l)" -eq 10000 ]
}

@test "dlqreplay: topic crash test - SIGKILL mid-replay, re-run: every record once but the window, ledger intact" {
	command -v kcat >/dev/null || skip "kcat not installed"
	kafka_start replay:4
	seq -f 'k%05g' 1 20000 | sed 's/.*/{"k":"&","v":1}/' >in
	# Paced so that a kill lands mid-run; the ledger's writer runs in the
	# background, and a success holds its slot until its line is durable.
	kills=0
	j=200
	for delay in 0.3 0.6 0.45; do
		dlqreplay -q -j $j --rate 20000/s -b "$BROKERS" -t replay -k k --ledger led in \
		    3>&- {KAFKA_FD}>&- &
		pid=$!
		sleep "$delay"
		if kill -9 "$pid" 2>/dev/null; then
			kills=$((kills + 1))
		fi
		wait "$pid" || true
	done
	run -0 --separate-stderr dlqreplay -j $j -b "$BROKERS" -t replay -k k --ledger led in
	kcat -C -b "$BROKERS" -t replay -e -q -f '%k\n' | sort >got
	[ "$(sort -u got)" = "$(seq -f 'k%05g' 1 20000)" ]
	dups=$(($(wc -l <got) - 20000))
	echo "# kills=$kills duplicates=$dups (allowed $((kills * j)))" >&3
	[ "$kills" -ge 2 ]
	[ "$dups" -le $((kills * j)) ]
	# Every id in the ledger once; the last run skipped what it held.
	[ "$(jq -r .id led | sort | uniq -d | wc -l)" -eq 0 ]
	[ "$(jq -r .id led | sort -u | wc -l)" -eq 20000 ]
	[[ "${stderr_lines[-1]}" =~ ^dlqreplay:\ 20000\ read,\ [0-9]+\ replayed,\ [1-9][0-9]*\ skipped\ as\ duplicates, ]]
}

@test "dlqreplay: every EXAMPLES command of the man page runs" {
	command -v kcat >/dev/null || skip "kcat not installed"
	kafka_start orders:4 payments:3 orders-dlt:1
	pk-kafka produce -b "$BROKERS" -t orders-dlt -J <"$D/spring-dlt.ndjson" 2>/dev/null
	cp "$D/rejects.ndjson" "$D/connect-dlq.ndjson" .
	printf '#!/bin/sh\ncat >>consumed\n' >consumer
	chmod +x consumer
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh/p' "$PIPEKIT_TOP/man/dlqreplay.1" | sed -n 's/^\.Dl //p' >examples
	[ "$(wc -l <examples)" -eq 5 ]
	while IFS= read -r cmd; do
		cmd=${cmd//localhost:9092/$BROKERS}
		run -0 --separate-stderr bash -c "$cmd"
	done <examples
	[ "$(wc -l <consumed)" -eq 4 ]
	[ "$(wc -l <replay.ledger)" -eq 4 ]
	[ "$(jq -s length dlt.ledger)" -eq 2 ]
	[ "$(kcat -C -b "$BROKERS" -t orders -e -q | wc -l)" -eq 3 ]
}
