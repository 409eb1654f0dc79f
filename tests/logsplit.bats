#!/usr/bin/env bats
# logsplit: Kafka's placement offline and online, files by template (zstd,
# gzip, rotation, 10,000 partitions through 256 descriptors, temp + rename,
# kill -9), null keys, encodings, salting, rejects and --stats.

load helpers/common
load helpers/kafka

L=$FIX/logsplit

setup() {
	bats_require_minimum_version 1.5.0
	TMP=$(mktemp -d)
}

# kafka_cmd under set -e: its first `grep -c` finds no reply yet and exits 1
# (reported); in an || list set -e is off inside the function.
kcmd() {
	local rc=0
	kafka_cmd "$@" || rc=$?
	[ "$rc" -eq 0 ]
}

teardown() {
	kafka_teardown
	rm -rf "$TMP"
}

@test "logsplit: Kafka's murmur2 vectors through the binary, N = 3, 6, 12, 32" {
	# tests/fixtures/vectors/murmur2.tsv: Kafka's UtilsTest and librdkafka's
	# rdmurmur2.c vectors; the empty key is a zero-length key, not null.
	grep -v '^#' "$FIX/vectors/murmur2.tsv" | jq -Rc 'split("\t") | {k: .[0]}' >"$TMP/keys.ndjson"
	[ "$(wc -l <"$TMP/keys.ndjson")" -eq 17 ]
	for c in 3:3 4:6 5:12 6:32; do
		run -0 bash -c "logsplit -k k -n ${c#*:} '$TMP/keys.ndjson' | jq -r .partition"
		assert_output "$(grep -v '^#' "$FIX/vectors/murmur2.tsv" | cut -f"${c%:*}")"
	done
}

@test "logsplit: files hold every record byte-exact, in input order, where the dry run says" {
	run -0 logsplit -k campaign_id -n 4 -O "$TMP/out/part-{partition:03}.ndjson" "$L/events.ndjson"
	run -0 ls -A "$TMP/out"
	assert_output "$(printf 'part-000.ndjson\npart-001.ndjson\npart-003.ndjson')"
	# the union is the input, line for line (unicode and escapes included)
	cat "$TMP"/out/* | sort >"$TMP/union"
	sort "$L/events.ndjson" | cmp - "$TMP/union"
	# each file is the input's records of that partition, in order
	logsplit -k campaign_id -n 4 "$L/events.ndjson" >"$TMP/dry"
	for p in 0 1 3; do
		jq -c --argjson p $p 'select(.partition == $p) | .record' "$TMP/dry" >"$TMP/want"
		jq -c . "$TMP/out/part-00$p.ndjson" | cmp - "$TMP/want"
		grep -F -x -f "$TMP/out/part-00$p.ndjson" "$L/events.ndjson" | cmp - "$TMP/out/part-00$p.ndjson"
	done
}

@test "logsplit: --stats writes one line per partition, counts and bytes as written" {
	run -0 logsplit -k campaign_id -n 4 -O "$TMP/out/{partition}.ndjson" --stats "$TMP/stats.ndjson" "$L/events.ndjson"
	run -0 cat "$TMP/stats.ndjson"
	assert_output "$(cat "$L/stats-4.ndjson")"
	for p in 0 1 3; do
		[ "$(jq -r --argjson p $p 'select(.partition == $p) | .bytes' "$TMP/stats.ndjson")" -eq "$(wc -c <"$TMP/out/$p.ndjson")" ]
		[ "$(jq -r --argjson p $p 'select(.partition == $p) | .count' "$TMP/stats.ndjson")" -eq "$(wc -l <"$TMP/out/$p.ndjson")" ]
	done
	# --stats - alone on stdout: the same lines
	run -0 logsplit -k campaign_id -n 4 --stats - "$L/events.ndjson"
	assert_output "$(cat "$L/stats-4.ndjson")"
}

@test "logsplit: without -O or -b, stdout annotates each record with its partition and key" {
	cd "$L"
	run -0 --separate-stderr logsplit -k campaign_id -n 3 mixed.ndjson
	assert_output "$(cat mixed-annotated.ndjson)"
	assert_equal "$stderr" "logsplit: mixed.ndjson:4: not a JSON object
logsplit: 3 null keys, placed round-robin
logsplit: 7 read, 6 used, 1 rejected"
}

@test "logsplit: null keys: round-robin from 0 over null-key records only, a fixed partition, or rejected" {
	run -0 bash -c "logsplit -q -k campaign_id -n 3 '$L/mixed.ndjson' | jq -rc '[.record.id, .partition] | @tsv'"
	assert_output "$(printf 'e1\t2\ne2\t0\ne3\t1\ne5\t1\ne6\t2\ne7\t2')"
	run -0 bash -c "logsplit -q -k campaign_id -n 3 --null-key 1 '$L/mixed.ndjson' | jq -rc 'select(.key == null) | .partition' | sort -u"
	assert_output 1
	run -0 --separate-stderr logsplit -k campaign_id -n 3 --null-key reject --reject "$TMP/rej" "$L/mixed.ndjson"
	[ "${#lines[@]}" -eq 3 ]
	assert_equal "$(printf '%s\n' "$stderr" | tail -1)" "logsplit: 7 read, 3 used, 4 rejected"
	run -0 jq -r '[.line, .error] | @tsv' "$TMP/rej"
	assert_output "$(printf '2\tno key (--null-key reject)\n3\tno key (--null-key reject)\n4\tnot a JSON object\n7\tno key (--null-key reject)')"
	run -0 bash -c "logsplit -q -k campaign_id -n 3 --null-key random --seed 5 '$L/mixed.ndjson' | jq -r 'select(.key == null) | .partition'"
	for p in "${lines[@]}"; do [ "$p" -ge 0 ] && [ "$p" -le 2 ]; done
	run -2 logsplit -k campaign_id -n 3 --null-key 3 "$L/mixed.ndjson"
	assert_output --partial "--null-key partition 3 is not below the 3 partitions"
	run -2 logsplit -k campaign_id -n 3 --null-key sticky "$L/mixed.ndjson"
}

@test "logsplit: composite keys join the parts with --key-join" {
	run -0 bash -c "logsplit -k campaign_id,clicks --key-join :: -n 32 '$L/events.ndjson' | head -2 | jq -r .key"
	assert_output "$(head -2 "$L/events.ndjson" | jq -r '"\(.campaign_id)::\(.clicks)"')"
	# the partition is murmur2 of the joined bytes
	k=$(head -1 "$L/events.ndjson" | jq -r '"\(.campaign_id)::\(.clicks)"')
	want=$(jq -nc --arg k "$k" '{k: $k}' | logsplit -k k -n 32 | jq .partition)
	run -0 bash -c "head -1 '$L/events.ndjson' | logsplit -k campaign_id,clicks --key-join :: -n 32 | jq .partition"
	assert_output "$want"
}

@test "logsplit: int32 keys are placed as librdkafka places their big-endian bytes" {
	kafka_start ids:6
	# kcat sends the hand-written 4-byte keys with the Java placement
	printf '\x00\x00\x00\x2a\ta\n\xff\xff\xff\xff\tb\n\x00\x00\x00\x4d\tc\n\x12\x34\x56\x78\tf\n' |
		kcat -b "$BROKERS" -P -t ids -K '\t' -X partitioner=murmur2_random
	kcat -b "$BROKERS" -C -t ids -o beginning -e -q -f '%s %p\n' | sort >"$TMP/kcat"
	[ "$(wc -l <"$TMP/kcat")" -eq 4 ]
	cd "$L"
	run -0 --separate-stderr bash -c "logsplit --key-encoding int32 -k user_id -n 6 ids.ndjson | jq -r '\"\(.record.v) \(.partition)\"' | sort"
	assert_output "$(cat "$TMP/kcat")"
	assert_equal "$stderr" "logsplit: ids.ndjson:4: key 2147483648 is not a 32-bit integer
logsplit: ids.ndjson:5: key 12.5 is not a 32-bit integer
logsplit: 6 read, 4 used, 2 rejected"
	run -0 bash -c "logsplit -q --key-encoding int32 -k user_id -n 6 '$L/ids.ndjson' | jq -c .key | head -2"
	assert_output "$(printf '%s\n%s' '"\u0000\u0000\u0000*"' '{"base64":"/////w=="}')"
	run -0 bash -c "head -1 '$L/ids.ndjson' | logsplit --key-encoding int64 -k user_id -n 6 | jq -c .key"
	assert_output '"\u0000\u0000\u0000\u0000\u0000\u0000\u0000*"'
	run -2 logsplit --key-encoding int32 -k user_id,v -n 6 "$L/ids.ndjson"
}

@test "logsplit: --regex takes capture group 1 (or the whole match) from raw lines" {
	run -0 --separate-stderr logsplit --regex 'user=([a-z]+)' -n 2 -O "$TMP/out/log-{partition}.txt" "$L/access.log"
	assert_equal "$stderr" "logsplit: 1 null key, placed round-robin"
	cat "$TMP"/out/*.txt | sort | cmp - <(sort "$L/access.log")
	run -0 bash -c "logsplit -q --regex 'user=([a-z]+)' -n 2 '$L/access.log' | jq -c .key"
	assert_output "$(printf '"alice"\n"bob"\nnull\n"alice"')"
	run -0 bash -c "logsplit --regex '^[0-9.]+' -n 2 '$L/access.log' | jq -r .key"
	assert_output "$(printf '10.0.0.1\n10.0.0.2\n10.0.0.3\n10.0.0.1')"
	run -2 logsplit --regex '(' -n 2 "$L/access.log"
	run -2 logsplit --regex 'x' -k id -n 2 "$L/access.log"
}

@test "logsplit: template fields that would leave the output directory reject the record" {
	cd "$L"
	run -0 --separate-stderr logsplit -k campaign_id -n 2 -O "$TMP/out/country={country}/p{partition}.ndjson" paths.ndjson
	assert_equal "$stderr" 'logsplit: paths.ndjson:2: field '\''country'\'' value "../etc" would leave the output directory
logsplit: paths.ndjson:3: field '\''country'\'' value "a/b" would leave the output directory
logsplit: paths.ndjson:4: field '\''country'\'' value ".." would leave the output directory
logsplit: paths.ndjson:6: field '\''country'\'' value "bad\u0000nul" would leave the output directory
logsplit: paths.ndjson:7: missing field '\''country'\'' for -O
logsplit: paths.ndjson:8: field '\''country'\'' is empty (needed for -O)
logsplit: 9 read, 3 used, 6 rejected'
	run -0 bash -c "cd '$TMP' && find . -type f | sort"
	assert_output --regexp '^\./out/country=DE/p[01]\.ndjson
\./out/country=US/p[01]\.ndjson'
	[ "$(cat "$TMP"/out/*/* | wc -l)" -eq 3 ]
	[ ! -e "$TMP/etc" ]
}

@test "logsplit: {date} {hour} from -T in UTC, Hive-style, zstd by name" {
	run -0 logsplit -k campaign_id -n 2 -T ts -O "$TMP/out/dt={date}/hour={hour}/part-{partition}.ndjson.zst" "$L/events.ndjson"
	run -0 bash -c "cd '$TMP/out' && find . -type f | sort"
	assert_output "$(cat "$L/hive-files.txt")"
	for f in "$TMP"/out/*/*/*.zst; do
		h=${f%/part-*}; h=${h##*hour=}
		zstd -dcq "$f" | jq -r '.ts | if type == "number" then . / 1000 | todate else . end' | cut -c12-13 | sort -u | {
			read -r got; [ "$got" = "$h" ]; }
	done
	zstd -dcq "$TMP"/out/*/*/*.zst | sort | cmp - <(sort "$L/events.ndjson")
	run -3 logsplit -k campaign_id -n 2 -T ts --max-errors 0 -O "$TMP/o2/{date}/p{partition}" "$L/mixed.ndjson"
	run -2 logsplit -k campaign_id -n 2 -O "$TMP/o3/{date}/p{partition}" "$L/events.ndjson"
	assert_output --partial "{date}, {hour} and {minute} need -T FIELD"
}

@test "logsplit: .gz and .zst files decompress to exactly what plain files hold" {
	logsplit -k campaign_id -n 3 -O "$TMP/plain/{partition}.ndjson" "$L/events.ndjson"
	logsplit -k campaign_id -n 3 -z 19 -O "$TMP/z/{partition}.ndjson.zst" "$L/events.ndjson"
	logsplit -k campaign_id -n 3 -O "$TMP/g/{partition}.ndjson.gz" "$L/events.ndjson"
	for f in "$TMP"/plain/*; do
		p=$(basename "$f")
		zstd -dcq "$TMP/z/$p.zst" | cmp - "$f"
		gzip -dc "$TMP/g/$p.gz" | cmp - "$f"
	done
	# few descriptors: every reopening starts a new frame/member, still one stream
	logsplit -k campaign_id -n 3 --max-open 1 -O "$TMP/z1/{partition}.ndjson.zst" "$L/events.ndjson"
	logsplit -k campaign_id -n 3 --max-open 1 -O "$TMP/g1/{partition}.ndjson.gz" "$L/events.ndjson"
	for f in "$TMP"/plain/*; do
		p=$(basename "$f")
		zstd -dcq "$TMP/z1/$p.zst" | cmp - "$f"
		gzip -dc "$TMP/g1/$p.gz" | cmp - "$f"
	done
}

@test "logsplit: --max-bytes rotates into {seq} files in order" {
	logsplit -k campaign_id -n 2 -O "$TMP/plain/{partition}.ndjson" "$L/events.ndjson"
	run -0 logsplit -k campaign_id -n 2 --max-bytes 1K -O "$TMP/r/p{partition}-{seq:03}.ndjson" "$L/events.ndjson"
	for p in 0 1; do
		[ -e "$TMP/r/p$p-001.ndjson" ]
		cat "$TMP"/r/p$p-*.ndjson | cmp - "$TMP/plain/$p.ndjson"
		for f in "$TMP"/r/p$p-*.ndjson; do [ "$(wc -c <"$f")" -le 1024 ]; done
	done
	run -2 logsplit -k campaign_id -n 2 --max-bytes 1K -O "$TMP/r/p{partition}.ndjson" "$L/events.ndjson"
	assert_output --partial "--max-bytes needs {seq}"
	run -2 logsplit -k campaign_id -n 2 -O "$TMP/r/p{partition}-{seq}.ndjson" "$L/events.ndjson"
}

@test "logsplit: 10,000 partitions through a 256-descriptor limit" {
	jq -nc 'range(20000) | {id: ., k: "r\(.)"}' >"$TMP/in.ndjson"
	run -0 --separate-stderr bash -c "ulimit -n 256 && logsplit -v --partitioner roundrobin -n 10000 -O '$TMP/out/{partition}.ndjson' '$TMP/in.ndjson'"
	assert_equal "$(printf '%s\n' "$stderr" | grep -c 'files written')" 1
	# files without a descriptor wait in memory: each is opened once, none reopened
	[[ $stderr == *"10000 files written, 0 reopened"* ]]
	[ "$(ls "$TMP/out" | wc -l)" -eq 10000 ]
	[ "$(ls -A "$TMP/out" | grep -c '^\.')" -eq 0 ]
	run -0 cat "$TMP/out/9999.ndjson"
	assert_output "$(printf '{"id":9999,"k":"r9999"}\n{"id":19999,"k":"r19999"}')"
	cat "$TMP"/out/* | sort | cmp - <(sort "$TMP/in.ndjson")
}

@test "logsplit: records waiting for a descriptor reach their files in order, in any format" {
	# 3 partitions through 1 descriptor, ~300 KB each: the waiting ones pass
	# the 64 KiB mark again and again, and take the descriptor in turn.
	pk-gen -n 5000 >"$TMP/in.ndjson"
	logsplit -k campaign_id -n 3 -O "$TMP/all/{partition}.ndjson" "$TMP/in.ndjson"
	for ext in ndjson ndjson.zst ndjson.gz; do
		run -0 --separate-stderr logsplit -v -k campaign_id -n 3 --max-open 1 \
		    -O "$TMP/one/{partition}.$ext" "$TMP/in.ndjson"
		r=$(printf '%s\n' "$stderr" | sed -n 's/.*files written, \([0-9]*\) reopened/\1/p')
		[ "$r" -gt 3 ] && [ "$r" -lt 100 ]
		for p in 0 1 2; do
			case $ext in
			*.zst) zstd -dcq "$TMP/one/$p.$ext" | cmp - "$TMP/all/$p.ndjson" ;;
			*.gz) gzip -dc "$TMP/one/$p.$ext" | cmp - "$TMP/all/$p.ndjson" ;;
			*) cmp "$TMP/one/$p.$ext" "$TMP/all/$p.ndjson" ;;
			esac
		done
	done
}

@test "logsplit: a re-run replaces its files, leaves others alone, appends only with --append" {
	mkdir -p "$TMP/out"
	echo stale >"$TMP/out/9.ndjson"
	logsplit -k campaign_id -n 2 -O "$TMP/out/{partition}.ndjson" "$L/events.ndjson"
	cp "$TMP/out/0.ndjson" "$TMP/first"
	chmod 600 "$TMP/out/0.ndjson"
	logsplit -k campaign_id -n 2 -O "$TMP/out/{partition}.ndjson" "$L/events.ndjson"
	cmp "$TMP/out/0.ndjson" "$TMP/first"
	[ "$(stat -c %a "$TMP/out/0.ndjson")" = 600 ]
	run -0 cat "$TMP/out/9.ndjson"
	assert_output stale
	logsplit -k campaign_id -n 2 --append -O "$TMP/out/{partition}.ndjson" "$L/events.ndjson"
	cat "$TMP/first" "$TMP/first" | cmp - "$TMP/out/0.ndjson"
	run -2 logsplit -k campaign_id -n 2 --append --max-bytes 1K -O "$TMP/out/{partition}-{seq}" "$L/events.ndjson"
}

@test "logsplit: kill -9 mid-run leaves no partial file under a final name" {
	mkdir -p "$TMP/out"
	echo previous >"$TMP/out/part-0.ndjson"
	pk-gen -n 40000 >"$TMP/in.ndjson"
	mkfifo "$TMP/fifo"
	logsplit -k campaign_id -n 2 -O "$TMP/out/part-{partition}.ndjson" <"$TMP/fifo" 3>&- &
	pid=$!
	exec {w}>"$TMP/fifo"
	cat "$TMP/in.ndjson" >&$w
	# the temporary files have data; the input is still open
	kafka_wait 10 bash -c "[ \$(cat '$TMP'/out/.part-*.tmp.* 2>/dev/null | wc -c) -gt 100000 ]"
	kill -9 "$pid"
	wait "$pid" || true
	exec {w}>&-
	run -0 ls "$TMP/out"
	assert_output part-0.ndjson
	run -0 cat "$TMP/out/part-0.ndjson"
	assert_output previous
	run -0 bash -c "ls -A '$TMP/out' | grep -c '^\.part-[01]\.ndjson\.tmp\.'"
	assert_output 2
}

@test "logsplit: a fatal error removes the temporary files and writes no final file" {
	mkdir -p "$TMP/out"
	echo "I am a file" >"$TMP/out/US"
	printf '%s\n' '{"k":"a","country":"DE"}' '{"k":"b","country":"US"}' >"$TMP/in.ndjson"
	run -4 logsplit -k k -n 2 -O "$TMP/out/{country}/p{partition}.ndjson" "$TMP/in.ndjson"
	assert_output --partial "out/US/p"
	run -0 find "$TMP/out" -type f
	assert_output "$TMP/out/US"
}

@test "logsplit: --salt and --hot-keys spread a hot key over KEY#0..KEY#N-1 in turn" {
	run -0 bash -c "logsplit -q -k k -n 4 --salt hot:2 '$L/salt.ndjson' | jq -r .key"
	assert_output "$(printf 'hot#0\nhot#1\nhot#0\nhot#1\ncold')"
	p0=$(echo '{"k":"hot#0"}' | logsplit -k k -n 4 | jq .partition)
	p1=$(echo '{"k":"hot#1"}' | logsplit -k k -n 4 | jq .partition)
	run -0 bash -c "logsplit -q -k k -n 4 --salt hot:2 '$L/salt.ndjson' | head -2 | jq .partition"
	assert_output "$(printf '%s\n%s' "$p0" "$p1")"
	run -0 bash -c "logsplit -q -k k -n 4 --hot-keys '$L/hot.ndjson' --salt-factor 3 '$L/salt.ndjson' | jq -r .key"
	assert_output "$(printf 'hot#0\nhot#1\nhot#2\nhot#0\ncold')"
	run -2 logsplit -k k -n 4 --salt hot "$L/salt.ndjson"
}

@test "logsplit: CSV rows are written as their JSON objects" {
	printf 'id,campaign_id\n1,c1\n2,c2\n' >"$TMP/in.csv"
	run -0 logsplit -k campaign_id -n 1 -O "$TMP/out/{partition}.ndjson" "$TMP/in.csv"
	run -0 cat "$TMP/out/0.ndjson"
	assert_output "$(printf '{"id":"1","campaign_id":"c1"}\n{"id":"2","campaign_id":"c2"}')"
}

@test "logsplit: usage errors are exit 2 with a hint" {
	run -2 logsplit -n 4 "$L/events.ndjson"
	assert_output --partial "-k FIELD (or --regex) is required"
	assert_output --partial "Try 'logsplit --help'."
	run -2 logsplit -k campaign_id "$L/events.ndjson"
	run -2 logsplit -k campaign_id -n 4 -O "$TMP/{partition:3}" "$L/events.ndjson"
	run -2 logsplit -k campaign_id -n 4 -O "$TMP/{partition" "$L/events.ndjson"
	run -2 logsplit -k campaign_id -n 4 -p 1 "$L/events.ndjson"
	run -2 logsplit -k campaign_id -n 4 --partitioner sticky "$L/events.ndjson"
	run -2 logsplit -k campaign_id -n 4 -T ts "$L/events.ndjson"
	# -X dump prints the producer's configuration: Java placement, idempotence
	run -0 logsplit -X dump
	assert_line "partitioner = murmur2_random"
	assert_line "enable.idempotence = true"
	# random and roundrobin need no key
	run -0 bash -c "logsplit --partitioner roundrobin -n 4 '$L/events.ndjson' | head -5 | jq -c .partition | paste -sd ' '"
	assert_output "0 1 2 3 0"
}

@test "logsplit: produced records are read back by kcat from the partition computed offline, byte-identical" {
	kafka_start ads:6
	run -0 --separate-stderr logsplit -v -k campaign_id -b "$BROKERS" -t ads --stats "$TMP/kstats" "$L/events.ndjson"
	assert_equal "$(printf '%s\n' "$stderr" | sed -n 2p)" "$(cat "$L/delivered-6.txt")"
	logsplit -k campaign_id -n 6 -O "$TMP/off/{partition}.ndjson" --stats "$TMP/ostats" "$L/events.ndjson"
	for p in 0 1 2 3 4 5; do
		touch "$TMP/off/$p.ndjson"
		kcat -b "$BROKERS" -C -t ads -p $p -o beginning -e -q -f '%s\n' | cmp - "$TMP/off/$p.ndjson"
		kcat -b "$BROKERS" -C -t ads -p $p -o beginning -e -q -f '%k\n' | cmp - <(jq -r .campaign_id "$TMP/off/$p.ndjson")
	done
	# same counts; Kafka's bytes are payloads, the files' have a newline each
	cmp <(jq -c '[.partition, .count]' "$TMP/kstats") <(jq -c '[.partition, .count]' "$TMP/ostats")
	run -2 logsplit -k campaign_id -n 4 -b "$BROKERS" -t ads "$L/events.ndjson"
	assert_output --partial "topic 'ads' has 6 partitions, not 4 (-n)"
}

@test "logsplit: -p forces a partition; null keys go where --null-key says" {
	kafka_start ads:3 ads2:3
	run -0 logsplit -k campaign_id -b "$BROKERS" -t ads -p 2 "$L/mixed.ndjson"
	run -0 bash -c "kcat -b '$BROKERS' -C -t ads -o beginning -e -q -f '%p %k\n' | sort | uniq -c | awk '{\$1 = \$1; print}'"
	assert_output "$(printf '3 2\n2 2 c1\n1 2 c2')"
	run -0 logsplit -q -k campaign_id -b "$BROKERS" -t ads2 "$L/mixed.ndjson"
	run -0 bash -c "kcat -b '$BROKERS' -C -t ads2 -o beginning -e -q -f '%p %s\n' | jq -Rr 'split(\" \") | \"\(.[0]) \(.[1:] | join(\" \") | fromjson | .id)\"' | sort -k2"
	assert_output "$(logsplit -q -k campaign_id -n 3 "$L/mixed.ndjson" | jq -r '"\(.partition) \(.record.id)"' | sort -k2)"
}

@test "logsplit: a broker failure mid-run loses and duplicates nothing" {
	kafka_start -n 3 ads:6
	pk-gen -n 20000 >"$TMP/in.ndjson"
	# librdkafka's mock checks producer sequence numbers only for
	# transactional producers (rd_kafka_mock_validate_records), so a batch it
	# appended just before a broker goes down is appended again on retry,
	# where a real broker answers DUPLICATE_SEQUENCE_NUMBER. The broker is
	# therefore taken down between batches (after the first half has been
	# delivered), and records produced while it is down wait and go later.
	# For the same reason one request is in flight at a time: the mock takes
	# a batch that follows one it failed, and librdkafka then counts the
	# failed one as delivered (IMPLICITACK in -X debug=eos: a real broker
	# refuses a sequence gap, so a later success proves the earlier write).
	# With five in flight that lost 1-4 records in about one run in four.
	{
		head -n 10000 "$TMP/in.ndjson"
		sleep 1.5
		kcmd errors 0 -195 3
		kcmd down 2
		sleep 1
		kcmd up 2
		kcmd errors 0 6 2
		tail -n +10001 "$TMP/in.ndjson"
	} | logsplit -k campaign_id -b "$BROKERS" -t ads -X max.in.flight.requests.per.connection=1 \
	    --stats "$TMP/kstats" 3>&-
	logsplit -k campaign_id -n 6 -O "$TMP/off/{partition}.ndjson" "$TMP/in.ndjson"
	for p in 0 1 2 3 4 5; do
		kcat -b "$BROKERS" -C -t ads -p $p -o beginning -e -q -f '%s\n' | cmp - "$TMP/off/$p.ndjson"
	done
	[ "$(jq -s 'map(.count) | add' "$TMP/kstats")" -eq 20000 ]
}

@test "logsplit: records read from a pipe go out while the pipe waits for more" {
	kafka_start ads:3
	want=$(logsplit -q -k campaign_id -n 3 "$L/events.ndjson" | wc -l)
	# The input stays open for 8 s after its last record; the records must
	# reach the broker long before it ends, not be held until then.
	{ cat "$L/events.ndjson"; sleep 8; } | logsplit -q -k campaign_id -b "$BROKERS" -t ads 3>&- &
	pid=$!
	got=0
	deadline=$((SECONDS + 6))
	while [ "$SECONDS" -lt "$deadline" ]; do
		got=$(kcat -b "$BROKERS" -C -t ads -o beginning -e -q | wc -l)
		[ "$got" -eq "$want" ] && break
		sleep 0.2
	done
	kill -0 "$pid"	# still running: its input has not ended
	wait "$pid"
	assert_equal "$got" "$want"
}

@test "logsplit: a failed delivery is exit 4" {
	kafka_start ads:1
	# MESSAGE_TOO_LARGE (10) is not retriable: every produce request fails
	kcmd errors 0 10 100
	run -4 --separate-stderr logsplit -k campaign_id -b "$BROKERS" -t ads "$L/mixed.ndjson"
	[[ $stderr == *"deliveries to 'ads' failed"* ]]
	assert_equal "$(printf '%s\n' "$stderr" | tail -3)" "logsplit: 'ads': 0 delivered, 6 failed; delivered per partition 0:0
logsplit: 7 read, 6 used, 1 rejected
logsplit: 6 deliveries to 'ads' failed; the first: delivery to 'ads' [0] failed: Broker: Message size too large"
}

@test "logsplit: -t takes its brokers from -X, -F or PIPEKIT_KAFKA_CONFIG, as kcat does" {
	kafka_start ads:3
	printf 'bootstrap.servers=%s\n' "$BROKERS" >"$TMP/k.props"
	run -0 --separate-stderr logsplit -q -k campaign_id -t ads -F "$TMP/k.props" "$L/events.ndjson"
	run -0 --separate-stderr logsplit -q -k campaign_id -t ads -X bootstrap.servers="$BROKERS" "$L/events.ndjson"
	PIPEKIT_KAFKA_CONFIG=$TMP/k.props run -0 --separate-stderr logsplit -q -k campaign_id -t ads "$L/events.ndjson"
	n=$(logsplit -q -k campaign_id -n 3 "$L/events.ndjson" | wc -l)
	[ "$(kcat -b "$BROKERS" -C -t ads -e -q | wc -l)" -eq $((3 * n)) ]
	# No brokers anywhere: a usage error at once, not a 30 s metadata time-out.
	run -2 --separate-stderr timeout 10 logsplit -k campaign_id -t ads "$L/events.ndjson"
	[ "${stderr_lines[0]}" = "logsplit: -t needs -b BROKERS (or bootstrap.servers from -F/-X)" ]
}

@test "logsplit: a record the producer refuses (over message.max.bytes) is a failed delivery, the rest go" {
	kafka_start ads:2
	{
		jq -nc 'range(5) | {campaign_id: "c\(.)", n: .}'
		jq -nc '{campaign_id: "big", pad: ("x" * 2000)}'
		jq -nc 'range(5; 10) | {campaign_id: "c\(.)", n: .}'
	} >"$TMP/in.ndjson"
	run -4 --separate-stderr logsplit -k campaign_id -b "$BROKERS" -t ads -X message.max.bytes=1000 "$TMP/in.ndjson"
	[[ $stderr == *"'ads': 10 delivered, 1 failed"* ]]
	[[ $stderr == *"1 deliveries to 'ads' failed; the first: delivery to 'ads' ["[01]"] failed: Broker: Message size too large"* ]]
	run -0 bash -c "kcat -b '$BROKERS' -C -t ads -o beginning -e -q -f '%k\n' | sort | paste -sd ' '"
	assert_output "c0 c1 c2 c3 c4 c5 c6 c7 c8 c9"
}

@test "logsplit: the man page's examples run against the fixtures" {
	cd "$TMP"
	cp "$L/events.ndjson" "$L/access.log" .
	kafka_start ads:4
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh/p' "$PIPEKIT_TOP/man/logsplit.1" | sed -n 's/^\.Dl //p' >examples
	[ "$(wc -l <examples)" -eq 5 ]
	while read -r cmd; do
		rm -rf out
		cmd=${cmd//localhost:9092/$BROKERS}
		run -0 bash -c "$cmd"
	done <examples
}

@test "logsplit: --reject - writes the envelopes to stdout beside the output, exit 0" {
	printf '{"k":"a"}\nnope\n' >"$TMP/in.ndjson"
	run -0 --separate-stderr logsplit -k k -n 4 --reject - "$TMP/in.ndjson"
	assert_equal "$(printf '%s\n' "$stderr" | tail -1)" "logsplit: 2 read, 1 used, 1 rejected"
	assert_equal "$(printf '%s\n' "$output" | jq -c 'select(.error) | [.line, .raw]')" '[2,"nope"]'
	assert_equal "$(printf '%s\n' "$output" | jq -c 'select(.partition) | .key')" '"a"'
	# stdout redirected to a file: the envelope and the record both land there
	logsplit -k k -n 4 --reject - "$TMP/in.ndjson" >"$TMP/out" 2>/dev/null
	[ "$(wc -l <"$TMP/out")" -eq 2 ]
}

@test "logsplit: -X debug=... lines reach stderr as 'logsplit: kafka FACILITY: ...' (kcat's habit); -q silences them" {
	kafka_start ads:3
	printf '{"k":"a"}\n{"k":"b"}\n' >"$TMP/two.ndjson"
	run -0 --separate-stderr logsplit -k k -b "$BROKERS" -t ads "$TMP/two.ndjson"
	[ -z "$stderr" ]
	run -0 --separate-stderr logsplit -k k -b "$BROKERS" -t ads -X debug=broker -X message.timeout.ms=5000 \
	    "$TMP/two.ndjson"
	[[ "$stderr" == *"logsplit: kafka BROKER: "* ]]
	# a producer property given to the metadata consumer is not warned about
	[[ "$stderr" != *"CONFWARN"* ]]
	run -0 --separate-stderr logsplit -q -k k -b "$BROKERS" -t ads -X debug=broker "$TMP/two.ndjson"
	[ -z "$stderr" ]
}
