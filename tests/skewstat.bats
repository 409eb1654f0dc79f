#!/usr/bin/env bats
# skewstat: metrics checked against Python's standard library, placement
# against logsplit, top keys against exact counts, live topics against kcat.

load helpers/common
load helpers/kafka

setup() {
	S=$FIX/skewstat
	T=$BATS_TEST_TMPDIR
}

teardown() {
	kafka_teardown
}

# check_summary COUNTS_FILE SUMMARY_LINE: the summary must hold exactly
# DESIGN.md's members, in order, with values equal (to 1e-12 relative) to
# an independent computation: statistics.pstdev, exact fractions, and the
# Gini coefficient by its pairwise definition. Undefined ratios are null.
check_summary() {
	python3 - "$1" "$2" <<'EOF'
import json, math, statistics, sys
from fractions import Fraction as F
x = {}
for line in open(sys.argv[1]):
    d = json.loads(line)
    x[d["partition"]] = x.get(d["partition"], 0) + d["count"]
n = max(x) + 1
xs = [x.get(i, 0) for i in range(n)]
t = sum(xs)
mean = F(t, n)
sd = statistics.pstdev(xs)
want = {"type": "summary", "partitions": n, "total": t, "min": min(xs), "max": max(xs),
        "mean": float(mean), "stddev": sd}
if t:
    want["cv"] = sd / float(mean)
    want["imbalance"] = float(F(max(xs)) / mean)
    want["gini"] = float(F(sum(abs(a - b) for a in xs for b in xs), 2 * n * n) / mean)
    want["jain"] = float(F(t * t, n * sum(a * a for a in xs)))
else:
    want.update(cv=None, imbalance=None, gini=None, jain=None)
want["empty"] = sum(1 for a in xs if a == 0)
got = json.loads(sys.argv[2])
keys = ["type", "partitions", "total", "min", "max", "mean", "stddev", "cv", "imbalance",
        "gini", "jain", "empty"]
if list(got) != keys:
    sys.exit("members %s, want %s" % (list(got), keys))
for k in keys:
    g, w = got[k], want[k]
    if isinstance(w, float) and g is not None:
        if not math.isclose(g, w, rel_tol=1e-12, abs_tol=1e-12):
            sys.exit("%s: got %r, want %r" % (k, g, w))
    elif g != w:
        sys.exit("%s: got %r, want %r" % (k, g, w))
EOF
}

@test "skewstat: metrics of fixed distributions equal Python's (uniform, one hot, Zipf, all empty, single)" {
	for f in uniform hot zipf empty single; do
		run -0 skewstat "$S/$f.ndjson"
		check_summary "$S/$f.ndjson" "${lines[0]}"
	done
	# The values themselves, for the one-hot case.
	run -0 skewstat "$S/hot.ndjson"
	assert_line -n 0 '{"type":"summary","partitions":12,"total":12000,"min":500,"max":6500,"mean":1000,"stddev":1658.3123951777,"cv":1.6583123951777,"imbalance":6.5,"gini":0.4583333333333333,"jain":0.26666666666666666,"empty":0}'
	run -0 skewstat "$S/empty.ndjson"
	assert_line -n 0 '{"type":"summary","partitions":8,"total":0,"min":0,"max":0,"mean":0,"stddev":0,"cv":null,"imbalance":null,"gini":null,"jain":null,"empty":8}'
}

@test "skewstat: counts mode lists every partition with share and rank; lines of one partition add up" {
	run -0 skewstat "$S/uniform.ndjson" "$S/uniform.ndjson"
	assert_line -n 0 --partial '"partitions":4,"total":8000,'
	assert_line -n 1 '{"type":"partition","partition":0,"count":2000,"bytes":100000,"share":0.25,"rank":1}'
	[ "${#lines[@]}" -eq 5 ]
	# Without bytes anywhere, bytes are null; -n adds trailing empty partitions.
	run -0 skewstat -n 14 "$S/zipf.ndjson"
	assert_line -n 0 --partial '"partitions":14,'
	assert_line -n 0 --partial '"empty":2}'
	assert_line -n 14 '{"type":"partition","partition":13,"count":0,"bytes":null,"share":0,"rank":14}'
	assert_line -n 1 '{"type":"partition","partition":0,"count":100000,"bytes":null,"share":0.3550266447496885,"rank":1}'
}

@test "skewstat: counts mode: a partition whose lines lack bytes has bytes null (- in the table, no prom sample), an empty CSV bytes cell too" {
	printf '%s\n' '{"partition":0,"count":5,"bytes":50}' '{"partition":1,"count":3}' \
	    '{"partition":2,"count":1,"bytes":9}' '{"partition":2,"count":1}' >"$BATS_TEST_TMPDIR/mixed.ndjson"
	run -0 skewstat "$BATS_TEST_TMPDIR/mixed.ndjson"
	assert_line -n 1 '{"type":"partition","partition":0,"count":5,"bytes":50,"share":0.5,"rank":1}'
	assert_line -n 2 '{"type":"partition","partition":1,"count":3,"bytes":null,"share":0.3,"rank":2}'
	assert_line -n 3 '{"type":"partition","partition":2,"count":2,"bytes":null,"share":0.2,"rank":3}'
	run -0 skewstat -o table "$BATS_TEST_TMPDIR/mixed.ndjson"
	assert_line --regexp '^ +1 +3 +- +30\.00%'
	run -0 skewstat -o prom "$BATS_TEST_TMPDIR/mixed.ndjson"
	assert_line 'pipekit_skew_partition_bytes{partition="0"} 50'
	refute_line --partial 'pipekit_skew_partition_bytes{partition="1"}'
	printf 'partition,count,bytes\n0,5,50\n1,3,\n' >"$BATS_TEST_TMPDIR/c.csv"
	run -0 --separate-stderr skewstat "$BATS_TEST_TMPDIR/c.csv"
	assert_line -n 2 '{"type":"partition","partition":1,"count":3,"bytes":null,"share":0.375,"rank":2}'
	[ -z "$stderr" ]
}

@test "skewstat: counts mode rejects bad lines, says so, and counts them" {
	printf '%s\n' '{"partition":0,"count":5}' '{"partition":-1,"count":5}' '{"count":5}' \
		'{"partition":1,"count":"x"}' '{"partition":1,"count":2.5}' 'not json' \
		'{"partition":1,"count":3,"bytes":-2}' '{"partition":2,"count":1}' >"$T/c.ndjson"
	run -0 --separate-stderr skewstat -n 2 "$T/c.ndjson"
	assert_line -n 0 --partial '"partitions":2,"total":5,'
	[ "${stderr_lines[0]}" = "skewstat: $T/c.ndjson:2: 'partition' is not an integer >= 0" ]
	[[ $stderr == *"c.ndjson:3: missing field 'partition'"* ]]
	[[ $stderr == *"c.ndjson:4: 'count' is not an integer >= 0"* ]]
	[[ $stderr == *"c.ndjson:5: 'count' is not an integer >= 0"* ]]
	[[ $stderr == *"c.ndjson:7: 'bytes' is not an integer >= 0"* ]]
	[[ $stderr == *"c.ndjson:8: partition 2 outside 0..1 (-n 2)"* ]]
	[ "${stderr_lines[-1]}" = "skewstat: 8 read, 1 used, 7 rejected" ]
	run -3 --separate-stderr skewstat --max-errors 2 "$T/c.ndjson"
	[ -z "$output" ]
	run -0 --separate-stderr skewstat --reject "$T/rej.ndjson" -q "$T/c.ndjson"
	[ -z "$stderr" ]
	[ "$(wc -l <"$T/rej.ndjson")" -eq 6 ]
	jq -c 'select(.line == 2)' "$T/rej.ndjson" >"$T/r2"
	jq -e '.tool == "skewstat" and .raw == "{\"partition\":-1,\"count\":5}"' "$T/r2"
}

@test "skewstat: records are placed exactly where logsplit places them, for every hashing partitioner" {
	for p in murmur2 fnv1a crc32; do
		logsplit -k campaign_id -n 7 --partitioner "$p" --stats - "$S/events.ndjson" >"$T/ls"
		skewstat -k campaign_id -n 7 --partitioner "$p" "$S/events.ndjson" |
			jq -c 'select(.type == "partition") | {partition, count, bytes}' >"$T/sk"
		diff "$T/ls" "$T/sk"
		# And skewstat over logsplit's stats reports the same summary.
		[ "$(skewstat "$T/ls" | head -1)" = "$(skewstat -k campaign_id -n 7 --partitioner "$p" "$S/events.ndjson" | head -1)" ]
	done
}

@test "skewstat: what-if rows (partition counts x partitioners, one pass) equal separate runs" {
	run -0 skewstat -k campaign_id -n 6 --what-if 3,7,24 --partitioner murmur2,fnv1a,crc32 \
		--top 0 "$S/events.ndjson"
	printf '%s\n' "${lines[@]}" | jq -c 'select(.type == "what_if")' >"$T/w"
	[ "$(wc -l <"$T/w")" -eq 12 ]
	# -n first, then --what-if in order; partitioners in order; only -n murmur2 is current.
	[ "$(jq -r '"\(.partitions) \(.partitioner) \(.current)"' "$T/w" | paste -sd' ')" = \
		"6 murmur2 true 6 fnv1a false 6 crc32 false 3 murmur2 false 3 fnv1a false 3 crc32 false 7 murmur2 false 7 fnv1a false 7 crc32 false 24 murmur2 false 24 fnv1a false 24 crc32 false" ]
	while read -r n p; do
		want=$(skewstat -k campaign_id -n "$n" --partitioner "$p" --top 0 "$S/events.ndjson" | head -1 | jq -c 'del(.type)')
		got=$(jq -c --argjson n "$n" --arg p "$p" 'select(.partitions == $n and .partitioner == $p) | del(.type, .partitioner, .salt, .current)' "$T/w")
		[ "$got" = "$want" ]
	done < <(jq -r '"\(.partitions) \(.partitioner)"' "$T/w")
}

@test "skewstat: top keys are exact (error 0) while distinct keys fit the capacity" {
	jq -r .campaign_id "$S/events.ndjson" | sort | uniq -c | sort -k1,1nr -k2,2 | head -5 |
		awk '{ printf "%s %s\n", $2, $1 }' >"$T/want"
	run -0 skewstat -k campaign_id -n 6 --top 5 "$S/events.ndjson"
	printf '%s\n' "${lines[@]}" | jq -r 'select(.type == "key") | "\(.key) \(.count)"' >"$T/got"
	diff "$T/want" "$T/got"
	assert_line '{"type":"key","key":"c00","count":300,"error":0,"share":0.3,"partition":3,"salt":12}'
	[ "$(printf '%s\n' "${lines[@]}" | jq -s 'map(select(.type == "key") | .error) | add')" -eq 0 ]
}

@test "skewstat: with a small capacity counts never fall below the truth and stay within error" {
	jq -r .campaign_id "$S/events.ndjson" | sort | uniq -c | awk '{ print $2, $1 }' >"$T/truth"
	run -0 skewstat -k campaign_id -n 6 --capacity 8 --top 8 "$S/events.ndjson"
	printf '%s\n' "${lines[@]}" | jq -r 'select(.type == "key") | "\(.key) \(.count) \(.error)"' >"$T/got"
	[ "$(wc -l <"$T/got")" -eq 8 ]
	# The hot key is found, and some counts carry an error.
	grep -q '^c00 ' "$T/got"
	awk '$3 > 0' "$T/got" | grep -q .
	awk 'NR == FNR { t[$1] = $2; next } { if ($2 < t[$1] || $2 - $3 > t[$1]) { print "bad", $0, t[$1]; bad = 1 } } END { exit bad }' "$T/truth" "$T/got"
	run -0 skewstat -k campaign_id -n 6 --capacity 8 --top 8 -o table "$S/events.ndjson"
	assert_output --partial "(counts may be high by up to ERROR; a key not listed has at most "
}

@test "skewstat: suggested salts, applied by logsplit --hot-keys, give exactly the suggested what-if" {
	skewstat -k campaign_id -n 6 "$S/events.ndjson" >"$T/report"
	jq -c 'select(.type == "key" and .salt != null)' "$T/report" >"$T/hot"
	[ "$(jq -r '"\(.key):\(.salt)"' "$T/hot")" = "c00:12" ]
	want=$(jq -c 'select(.type == "what_if" and .salt == "suggested") | del(.type, .partitioner, .salt, .current)' "$T/report")
	[ "$(jq 'select(.type == "what_if" and .salt == "suggested") | .imbalance <= 1.5' "$T/report")" = true ]
	logsplit -k campaign_id -n 6 --hot-keys "$T/hot" --stats - "$S/events.ndjson" >"$T/stats"
	[ "$(skewstat "$T/stats" | head -1 | jq -c 'del(.type)')" = "$want" ]
	# skewstat's own simulation of the same salting agrees (salt "given").
	run -0 skewstat -k campaign_id -n 6 --hot-keys "$T/hot" "$S/events.ndjson"
	[ "$(printf '%s\n' "${lines[0]}" | jq -c 'del(.type)')" = "$want" ]
	assert_line --partial '"partitions":6,"partitioner":"murmur2","salt":"given","current":true,'
	assert_line --partial '"partitions":6,"partitioner":"murmur2","salt":"none","current":false,'
	# A salt of 11 would not do: with the tighter target, more is needed or none works.
	run -0 skewstat -k campaign_id -n 6 --max-salt 11 "$S/events.ndjson"
	assert_line '{"type":"key","key":"c00","count":300,"error":0,"share":0.3,"partition":3,"salt":null}'
	run -0 skewstat -k campaign_id -n 6 --target-imbalance 3 "$S/events.ndjson"
	refute_output --partial '"salt":"suggested"'
	refute_output --regexp '"salt":[0-9]'
}

@test "skewstat: --salt simulates spreading a key, as logsplit --salt places it" {
	run -0 skewstat -k campaign_id -n 6 --salt c00:4 --top 0 "$S/events.ndjson"
	logsplit -k campaign_id -n 6 --salt c00:4 --stats - "$S/events.ndjson" >"$T/stats"
	[ "$(printf '%s\n' "${lines[0]}")" = "$(skewstat "$T/stats" | head -1)" ]
	printf '%s\n' "${lines[@]}" | jq -c 'select(.type == "partition") | {partition, count, bytes}' | diff "$T/stats" -
	run -2 skewstat -k campaign_id -n 6 --salt c00 "$S/events.ndjson"
}

@test "skewstat: records without a key follow --null-key; reject rejects them" {
	printf '%s\n' '{"k":"a"}' '{"x":1}' '{"k":null}' '{"k":"a"}' '{"x":2}' >"$T/n.ndjson"
	run -0 --separate-stderr skewstat -k k -n 3 "$T/n.ndjson"
	[ "$stderr" = "skewstat: 3 null keys, placed round-robin" ]
	a=$(printf '%s\n' "${lines[@]}" | jq -r 'select(.type == "key") | .partition')
	# Round-robin from 0 over null-key records: partitions 0, 1, 2 get one each.
	printf '%s\n' "${lines[@]}" | jq -r 'select(.type == "partition") | .count' | paste -sd' ' >"$T/c"
	want=(1 1 1)
	want[a]=$((want[a] + 2))
	[ "$(cat "$T/c")" = "${want[*]}" ]
	run -0 --separate-stderr skewstat -k k -n 3 --null-key 2 -q "$T/n.ndjson"
	[ -z "$stderr" ]
	run -0 --separate-stderr skewstat -k k -n 3 --null-key reject "$T/n.ndjson"
	assert_line -n 0 --partial '"total":2,'
	[ "${stderr_lines[-1]}" = "skewstat: 5 read, 2 used, 3 rejected" ]
	[[ $stderr == *"n.ndjson:2: no key (--null-key reject)"* ]]
	run -2 --separate-stderr skewstat -k k -n 3 --null-key 5 "$T/n.ndjson"
}

@test "skewstat: composite keys, integer key encodings, and keys that are not UTF-8" {
	printf '%s\n' '{"a":"x","b":1}' '{"a":"x","b":1}' '{"a":"y","b":2}' >"$T/k.ndjson"
	run -0 skewstat -k a,b --key-join : -n 4 "$T/k.ndjson"
	assert_line --partial '{"type":"key","key":"x:1","count":2,"error":0,'
	# int32 keys are reported as their text and hashed as 4 big-endian bytes:
	# the same partitions as logsplit.
	printf '%s\n' '{"id":7}' '{"id":7}' '{"id":"12"}' '{"id":-3}' >"$T/i.ndjson"
	run -0 skewstat -k id -n 5 --key-encoding int32 "$T/i.ndjson"
	assert_line --partial '{"type":"key","key":"7","count":2,'
	logsplit -k id -n 5 --key-encoding int32 --stats - "$T/i.ndjson" >"$T/ls"
	printf '%s\n' "${lines[@]}" | jq -c 'select(.type == "partition") | {partition, count, bytes}' | diff "$T/ls" -
	run -0 --separate-stderr skewstat -k id -n 5 --key-encoding int32 <<<'{"id":1.5}'
	[[ $stderr == *"<stdin>:1: "* ]]
	# Records cannot carry keys that are not UTF-8 (JSON and CSV input are
	# validated): such a row is rejected. Topic keys can (test below).
	printf 'k\n\xff\xfe\n' >"$T/b.csv"
	run -0 --separate-stderr skewstat -k k -n 2 "$T/b.csv"
	assert_line -n 0 --partial '"total":0,'
	[[ $stderr == *"b.csv:2: invalid UTF-8"* ]]
}

@test "skewstat: topic keys that are not UTF-8 are reported as base64" {
	kafka_start bin:1
	printf '%s\n' '{"key":{"base64":"gA=="},"payload":"x"}' '{"key":{"base64":"gA=="},"payload":"y"}' \
		'{"key":"a","payload":"z"}' '{"key":null,"payload":"n"}' >"$T/in"
	pk-kafka produce -b "$BROKERS" -t bin -J <"$T/in" 2>/dev/null
	run -0 --separate-stderr skewstat -b "$BROKERS" -t bin --sample 10
	assert_line '{"type":"key","key":{"base64":"gA=="},"count":2,"error":0,"share":0.5,"partition":0,"salt":null}'
	assert_line '{"type":"key","key":"a","count":1,"error":0,"share":0.25,"partition":0,"salt":null}'
	[ "$stderr" = "skewstat: 1 null key, in the sample" ]
	run -0 skewstat -b "$BROKERS" -t bin --sample 10 -o prom
	assert_line 'pipekit_skew_key_records{topic="bin",key="base64:gA=="} 2'
}

@test "skewstat: table format: aligned columns, bars, hottest first, what-if side by side" {
	run -0 skewstat -k campaign_id -n 6 --what-if 4 -o table "$S/events.ndjson"
	diff <(printf '%s\n' "$output") "$S/table.txt"
	run -0 skewstat -o table --hottest 3 "$S/hot.ndjson"
	assert_line -n 3 '       11   6500  650000  54.17%  ########################################'
	assert_line -n 4 '        0    500   50000   4.17%  ###'
	assert_line '(the 3 hottest of 12 partitions; --hottest 0 lists all)'
	run -0 skewstat -o table --hottest 0 "$S/hot.ndjson"
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 16 ]
	run -0 skewstat -o table "$S/empty.ndjson"
	assert_line -n 1 '         8      0    0    0  0.00    0.00   -          -     -     -      8'
}

@test "skewstat: colour only on a terminal, and never with NO_COLOR" {
	command -v script >/dev/null || skip "script(1) not installed"
	env -u NO_COLOR script -qec "$PIPEKIT_TOP/bin/skewstat -o table $S/hot.ndjson" /dev/null >"$T/tty"
	grep -q $'\033\\[31m#' "$T/tty"
	grep -q $'\033\\[32m#' "$T/tty"
	NO_COLOR=1 script -qec "$PIPEKIT_TOP/bin/skewstat -o table $S/hot.ndjson" /dev/null >"$T/tty"
	! grep -q $'\033' "$T/tty"
	# An empty NO_COLOR does not count (no-color.org).
	NO_COLOR= script -qec "$PIPEKIT_TOP/bin/skewstat -o table $S/hot.ndjson" /dev/null >"$T/tty"
	grep -q $'\033\\[31m' "$T/tty"
	# Not a terminal: no colour even without NO_COLOR.
	env -u NO_COLOR skewstat -o table "$S/hot.ndjson" >"$T/file"
	! grep -q $'\033' "$T/file"
}

@test "skewstat: prom format" {
	run -0 skewstat -o prom "$S/hot.ndjson"
	diff <(printf '%s\n' "$output") "$S/hot.prom"
	run -0 skewstat -o prom "$S/empty.ndjson"
	assert_line 'pipekit_skew_imbalance_ratio NaN'
	assert_line 'pipekit_skew_partition_bytes{partition="7"} 0'
	run -0 skewstat -k campaign_id -n 6 --what-if 12 --top 1 -o prom "$S/events.ndjson"
	assert_line 'pipekit_skew_key_records{key="c00"} 300'
	assert_line 'pipekit_skew_key_error{key="c00"} 0'
	assert_line 'pipekit_skew_whatif_imbalance_ratio{partitions="12",partitioner="murmur2",salt="none"} 4.2'
	# Label values escape backslash, quote and newline.
	printf '%s\n' '{"k":"a\"b\\c\nd"}' >"$T/q.ndjson"
	run -0 skewstat -k k -n 1 -o prom "$T/q.ndjson"
	assert_line 'pipekit_skew_key_records{key="a\"b\\c\nd"} 1'
	# Every sample line is NAME{LABELS} VALUE or NAME VALUE.
	run -1 bash -c "skewstat -k campaign_id -n 6 --what-if 12 -o prom $S/events.ndjson | grep -v '^# ' | grep -Ev '^pipekit_skew_[a-z_]+(\{[a-z]+=\"[^\"]*\"(,[a-z]+=\"[^\"]*\")*\})? (NaN|-?[0-9.e+-]+)\$'"
	[ -z "$output" ]
}

@test "skewstat: --max-imbalance exits 1 above it, 0 at or below, and not for an empty topic" {
	run -1 --separate-stderr skewstat --max-imbalance 6 "$S/hot.ndjson"
	[ "$stderr" = "skewstat: imbalance 6.5 is above --max-imbalance 6" ]
	assert_line -n 0 --partial '"imbalance":6.5,'
	run -0 skewstat --max-imbalance 6.5 "$S/hot.ndjson"
	run -1 --separate-stderr skewstat -q --max-imbalance 1 "$S/hot.ndjson"
	[ -z "$stderr" ]
	run -0 skewstat --max-imbalance 1 "$S/uniform.ndjson"
	run -0 skewstat --max-imbalance 1 "$S/empty.ndjson"
}

@test "skewstat: usage errors exit 2" {
	run -2 --separate-stderr skewstat -k campaign_id "$S/events.ndjson"
	[ "${stderr_lines[0]}" = "skewstat: -k needs -n N, the number of partitions" ]
	[ "${stderr_lines[1]}" = "Try 'skewstat --help'." ]
	run -2 skewstat --what-if 12 "$S/hot.ndjson"
	run -2 skewstat --partitioner murmur2,crc32 "$S/hot.ndjson"
	run -2 skewstat -k c -n 6 --what-if 0 "$S/events.ndjson"
	run -2 skewstat -k c -n 6 --what-if 6,x "$S/events.ndjson"
	run -2 skewstat -k c -n 6 --partitioner md5 "$S/events.ndjson"
	run -2 skewstat -k c -n 6 --top 20 --capacity 10 "$S/events.ndjson"
	run -2 skewstat -k c -n 6 --target-imbalance 0.5 "$S/events.ndjson"
	run -2 skewstat -G g "$S/hot.ndjson"
	run -2 skewstat --sample 10 "$S/hot.ndjson"
	run -2 skewstat -t topic
	run -2 skewstat -b 127.0.0.1:1 -t t -k c
	run -2 skewstat -b 127.0.0.1:1 -t t "$S/hot.ndjson"
	run -2 skewstat -k a,b -n 2 --key-encoding int64 "$S/events.ndjson"
	run -2 skewstat -o csv "$S/hot.ndjson"
	run -2 skewstat --key-join : "$S/hot.ndjson"
}

@test "skewstat: stdin, zstd input, a full disk, a closed pipe" {
	run -0 bash -c "skewstat < $S/hot.ndjson | head -1"
	assert_output --partial '"total":12000,'
	zstd -q -c "$S/events.ndjson" >"$T/e.zst"
	[ "$(skewstat -k campaign_id -n 6 "$T/e.zst")" = "$(skewstat -k campaign_id -n 6 "$S/events.ndjson")" ]
	run -4 --separate-stderr bash -c "skewstat -k campaign_id -n 6 $S/events.ndjson >/dev/full"
	[[ $stderr == *"skewstat: "*"No space left on device"* ]]
	run -0 --separate-stderr bash -c "set -o pipefail; skewstat -k campaign_id -n 6 --what-if 3,4,5 $S/events.ndjson | head -1 >/dev/null; echo \${PIPESTATUS[0]}"
	[ -z "$stderr" ]
}

@test "skewstat: a live topic: watermarks, lag and hot keys agree with kcat" {
	command -v kcat >/dev/null || skip "kcat not installed"
	kafka_start ads:4
	# A known skewed load: 300 records of key "hot", one of each of 100 others.
	{ for i in $(seq 1 300); do echo "hot:v$i"; done; for i in $(seq 1 100); do echo "k$i:v$i"; done; } >"$T/load"
	kcat -P -b "$BROKERS" -t ads -K: -X partitioner=murmur2_random <"$T/load"
	# A group that consumed everything, then 50 more "hot" records: lag 50
	# on hot's partition, 0 elsewhere.
	pk-kafka consume -b "$BROKERS" -t ads -G billing -e >/dev/null 2>&1
	for i in $(seq 1 50); do echo "hot:w$i"; done | kcat -P -b "$BROKERS" -t ads -K: -X partitioner=murmur2_random
	hotp=$(kcat -C -J -b "$BROKERS" -t ads -e -q | jq -r 'select(.key == "hot") | .partition' | sort -u)
	[ "$(wc -w <<<"$hotp")" -eq 1 ]

	run -0 --separate-stderr skewstat -b "$BROKERS" -t ads -G billing --sample 1000
	printf '%s\n' "${lines[@]}" >"$T/out"
	# Partition count as kcat -L says.
	n=$(kcat -L -b "$BROKERS" -t ads | sed -n 's/.*topic "ads" with \([0-9]*\) partitions.*/\1/p')
	[ "$(head -1 "$T/out" | jq .partitions)" -eq "$n" ]
	[ "$(head -1 "$T/out" | jq .total)" -eq 450 ]
	# High and low watermarks as kcat -Q gives them (offset -1: end, -2: beginning).
	for p in $(seq 0 $((n - 1))); do
		hi=$(kcat -Q -b "$BROKERS" -t "ads:$p:-1" | awk '{ print $NF }')
		lo=$(kcat -Q -b "$BROKERS" -t "ads:$p:-2" | awk '{ print $NF }')
		cnt=$(kcat -C -b "$BROKERS" -t ads -p "$p" -e -q | wc -l)
		line=$(jq -c --argjson p "$p" 'select(.type == "partition" and .partition == $p)' "$T/out")
		[ "$(jq .high <<<"$line")" -eq "$hi" ]
		[ "$(jq .low <<<"$line")" -eq "$lo" ]
		[ "$(jq .count <<<"$line")" -eq "$cnt" ]
		[ "$(jq .sampled <<<"$line")" -eq "$cnt" ]
		if [ "$p" -eq "$hotp" ]; then
			[ "$(jq .lag <<<"$line")" -eq 50 ]
			[ "$(jq .committed <<<"$line")" -eq $((hi - 50)) ]
			[ "$(jq .rank <<<"$line")" -eq 1 ]
		else
			[ "$(jq .lag <<<"$line")" -eq 0 ]
		fi
	done
	# The hot key, exactly counted, on the partition kcat saw it on.
	jq -c 'select(.type == "key" and .key == "hot")' "$T/out" >"$T/hot"
	jq -e --argjson p "$hotp" '.count == 350 and .error == 0 and .partition == $p and .salt >= 2' "$T/hot"
	# --sample 10 reads only the last 10 of each partition.
	run -0 skewstat -b "$BROKERS" -t ads --sample 10 --top 1
	assert_line --regexp '^\{"type":"key","key":"hot","count":10,"error":0,"share":0.25,"partition":'"$hotp"',"salt":[0-9]+\}$'
	# A group that never committed: null lag; the table says so.
	run -0 skewstat -b "$BROKERS" -t ads -G nobody -o table
	assert_output --partial "total lag 0 (4 partitions with no committed offset)"
	run -0 skewstat -b "$BROKERS" -t ads -G nobody
	assert_line -n 1 --partial '"committed":null,"lag":null}'
	run -0 skewstat -b "$BROKERS" -t ads -G billing -o prom
	assert_line "pipekit_skew_partition_lag{topic=\"ads\",partition=\"$hotp\"} 50"
	assert_line 'pipekit_skew_records{topic="ads"} 450'
	run -1 skewstat -b "$BROKERS" -t ads --max-imbalance 2 -q
}

@test "skewstat: the man page's examples run against the fixtures" {
	cd "$T"
	cp "$S/events.ndjson" .
	kafka_start ads:4
	kcat -P -b "$BROKERS" -t ads -K: <<<"hot:v1"
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh/p' "$PIPEKIT_TOP/man/skewstat.1" | sed -n 's/^\.Dl //p' |
		sed 's/\\(dq/"/g' >examples
	[ "$(wc -l <examples)" -eq 7 ]
	while read -r cmd; do
		cmd=${cmd//localhost:9092/$BROKERS}
		run -0 bash -c "$cmd"
	done <examples
	[ -s hot.ndjson ] && [ -s stats.ndjson ] && [ -d out ]
}
