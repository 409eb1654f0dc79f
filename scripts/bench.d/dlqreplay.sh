#!/usr/bin/env bash
# dlqreplay: replaying 100,000 records to a topic on the loopback mock broker
# with the ledger on (ids SHA-256 of key and payload, successes fsynced in
# groups by the ledger's writer thread) against kcat producing the same keys
# and payloads; criterion: at least half kcat's rate. The CPU both used is
# noted too: on a machine with few cores the run is bound by it. A third
# row, the floor, is scripts/pk-bench-dlqfloor: only the work no topic replay
# with a ledger can skip (parse, key, SHA-256 id, produce with the replay
# header, ledger lines fdatasync'ed), a lower bound for dlqreplay's time.
# Also the rate limiter: 2,000 records at --rate 200/s must take 10 s +- 10%.
. "$(dirname "$0")/lib.sh"
bench_need dlqreplay kcat kafka-mock jq pk-bench-dlqfloor

n=100000
dir=$BENCH_DIR/dlqreplay
rm -rf "$dir"
mkdir -p "$dir"
head -n "$n" "$BENCH_DATA" >"$dir/records.ndjson"
[ "$(wc -l <"$dir/records.ndjson")" -eq "$n" ] || bench_die "BENCH_DATA has fewer than $n lines"
# kcat -K takes key<TAB>payload lines; the same key for both: event_id, unique,
# so partitions fill evenly (the mock broker trims a partition past ~4 MB).
jq -r '.event_id' "$dir/records.ndjson" | paste - "$dir/records.ndjson" >"$dir/records.tsv"

trap bench_kafka_stop EXIT
bench_kafka_mock "$dir" chk-kcat:8 chk-dlq:8 chk-floor:8 kcat:8 dlq:8 floor:8
brokers=$BROKERS

# (kcat -P sends a file operand as one message: lines come on stdin.)
kcat_cmd="kcat -P -b $brokers -t kcat -K '	' -X enable.idempotence=true -X acks=all <$dir/records.tsv"
floor_cmd="rm -f $dir/floor.led && pk-bench-dlqfloor $brokers floor $dir/records.ndjson $dir/floor.led event_id"
dlq_cmd="rm -f $dir/led && dlqreplay -q -b $brokers -t dlq -k event_id --repartition -j 5000 --ledger $dir/led $dir/records.ndjson"

# Same answer first: one run of each into its own topic, compared record by record.
kcat -P -b "$brokers" -t chk-kcat -K '	' <"$dir/records.tsv" || bench_die "kcat produce failed"
dlqreplay -q -b "$brokers" -t chk-dlq -k event_id --repartition -j 5000 --ledger "$dir/led" \
	"$dir/records.ndjson" || bench_die "dlqreplay failed"
[ "$(wc -l <"$dir/led")" -eq "$n" ] || bench_die "the ledger does not hold $n ids"
pk-bench-dlqfloor "$brokers" chk-floor "$dir/records.ndjson" "$dir/floor.led" event_id 2>/dev/null ||
	bench_die "pk-bench-dlqfloor failed"
for t in chk-kcat chk-dlq chk-floor; do
	kcat -C -b "$brokers" -t "$t" -e -q -f '%k	%s\n' | sort >"$dir/$t.got"
done
if ! cmp -s "$dir/chk-kcat.got" "$dir/chk-dlq.got" || ! cmp -s "$dir/chk-kcat.got" "$dir/chk-floor.got"; then
	bench_note "dlqreplay, pk-bench-dlqfloor and kcat delivered different records"
	bench_die "dlqreplay, pk-bench-dlqfloor and kcat delivered different records"
fi
rm -f "$dir"/chk-*.got
# The floor's ledger holds dlqreplay's ids.
cmp -s <(jq -r .id "$dir/led" | sort) <(jq -r .id "$dir/floor.led" | sort) ||
	bench_die "pk-bench-dlqfloor's ids differ from dlqreplay's"

bench_kafka_runs
bench_hyperfine dlqreplay-kcat-produce "$kcat_cmd"
bench_row "replay 100k records to a topic" dlqreplay-kcat-produce - "$dir/records.ndjson"
bench_hyperfine dlqreplay-topic-ledger "$dlq_cmd"
bench_row "replay 100k records to a topic" dlqreplay-topic-ledger dlqreplay-kcat-produce "$dir/records.ndjson"
bench_hyperfine dlqreplay-floor "$floor_cmd"
bench_row "replay 100k records to a topic" dlqreplay-floor dlqreplay-kcat-produce "$dir/records.ndjson"
ratio=$(bench_ratio dlqreplay-kcat-produce dlqreplay-topic-ledger)
floor_ratio=$(bench_ratio dlqreplay-kcat-produce dlqreplay-floor)
bench_note "the floor (pk-bench-dlqfloor: parse, key, SHA-256 id, produce with the replay header, fdatasync'ed ledger lines, nothing else) runs at ${floor_ratio}x kcat's produce rate; dlqreplay at $(bench_ratio dlqreplay-floor dlqreplay-topic-ledger)x the floor's"
cpu_dlq=$(bench_cpu dlqreplay-topic-ledger)
cpu_kcat=$(bench_cpu dlqreplay-kcat-produce)
bench_note "$(awk -v d="$cpu_dlq" -v k="$cpu_kcat" 'BEGIN {
	printf "topic replay CPU (user+system, all threads): dlqreplay %.3f s, kcat %.3f s (%.2fx)", d, k, (k > 0 ? d / k : 0) }')"
if awk -v r="$ratio" 'BEGIN { exit !(r >= 0.5) }'; then
	bench_note "topic replay with the ledger runs at ${ratio}x kcat's produce rate (criterion: at least 0.5x): met"
else
	bench_note "topic replay with the ledger runs at ${ratio}x kcat's produce rate (criterion: at least 0.5x): NOT MET"
	[ "${BENCH_STRICT:-0}" = 1 ] && exit 1
fi

# The rate limiter, timed once: 2,000 records at 200/s.
head -n 2000 "$dir/records.ndjson" >"$dir/2k.ndjson"
start=$(date +%s%N)
dlqreplay -q --rate 200/s "$dir/2k.ndjson" >/dev/null || bench_die "dlqreplay --rate failed"
end=$(date +%s%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
if awk -v s="$secs" 'BEGIN { exit !(s >= 9 && s <= 11) }'; then
	bench_note "--rate 200/s over 2,000 records took ${secs} s (criterion: 10 s +- 10%): met"
else
	bench_note "--rate 200/s over 2,000 records took ${secs} s (criterion: 10 s +- 10%): NOT MET"
	[ "${BENCH_STRICT:-0}" = 1 ] && exit 1
fi
exit 0
