#!/usr/bin/env bash
# logsplit: BENCH_DATA into 16 partitions by campaign_id. Plain files against
# `mlr split -m 16` (round-robin into 16 files, the nearest job Miller can
# do), .zst files against plain, and producing to the loopback mock broker
# against `kcat -P -K` with the same producer settings. Issue 6's criteria:
# plain files at least 20x faster than mlr, .zst no slower than 2x plain,
# producing at least as fast as kcat; all in the same run.
# shellcheck source=scripts/bench.d/lib.sh
. "$(dirname "$0")/lib.sh"

bench_need logsplit mlr kcat kafka-mock

W=$BENCH_DIR/logsplit
rm -rf "$W"
mkdir -p "$W/files" "$W/zst" "$W/mlr"

# --- correctness before timing ---------------------------------------------
logsplit -k campaign_id -n 16 -O "$W/files/part-{partition:02}.ndjson" \
	--stats "$W/stats-files.ndjson" "$BENCH_DATA" || bench_die "logsplit files failed"
logsplit -k campaign_id -n 16 -O "$W/zst/part-{partition:02}.ndjson.zst" "$BENCH_DATA" ||
	bench_die "logsplit zst failed"
mlr --ijsonl --ojsonl split -m 16 --prefix "$W/mlr/split" "$BENCH_DATA" || bench_die "mlr split failed"
n_files=$(cat "$W"/files/part-*.ndjson | wc -l)
n_zst=$(zstd -dcq "$W"/zst/part-*.zst | wc -l)
n_mlr=$(cat "$W"/mlr/split_* | wc -l)
[ "$n_files" -eq "$BENCH_LINES" ] && [ "$n_zst" -eq "$BENCH_LINES" ] && [ "$n_mlr" -eq "$BENCH_LINES" ] ||
	bench_die "record counts differ: files $n_files, zst $n_zst, mlr $n_mlr, want $BENCH_LINES"
for f in "$W"/files/part-*.ndjson; do
	zstd -dcq "$W/zst/$(basename "$f").zst" | cmp -s - "$f" ||
		bench_die "$(basename "$f"): .zst content differs from the plain file"
done

trap bench_kafka_stop EXIT
bench_kafka_mock "$W" bench:16

# kcat's input: "key<TAB>record", made once, outside the timing
sed -E 's/^(.*"campaign_id":"([^"]*)".*)$/\2\t\1/' "$BENCH_DATA" >"$W/keyed.tsv"
# Same producer settings for both: idempotent, acks=all, Java placement.
KCAT="kcat -P -b $BROKERS -t bench -K '\t' -X enable.idempotence=true -X acks=all -X partitioner=murmur2_random"
logsplit -k campaign_id -b "$BROKERS" -t bench --stats "$W/stats-kafka.ndjson" "$BENCH_DATA" ||
	bench_die "logsplit produce failed"
cmp -s <(jq -c '[.partition, .count]' "$W/stats-kafka.ndjson") <(jq -c '[.partition, .count]' "$W/stats-files.ndjson") ||
	bench_die "delivered counts per partition differ from the files' counts"

# --- timing -----------------------------------------------------------------
bench_hyperfine logsplit-mlr "mlr --ijsonl --ojsonl split -m 16 --prefix $W/mlr/split $BENCH_DATA"
bench_row "split into 16 files" logsplit-mlr
bench_hyperfine logsplit-files "logsplit -k campaign_id -n 16 -O '$W/files/part-{partition:02}.ndjson' $BENCH_DATA"
bench_row "split into 16 files" logsplit-files logsplit-mlr
bench_hyperfine logsplit-zst "logsplit -k campaign_id -n 16 -O '$W/zst/part-{partition:02}.ndjson.zst' $BENCH_DATA"
bench_row "split into 16 files" logsplit-zst logsplit-files

bench_kafka_runs
bench_hyperfine logsplit-kcat "$KCAT <$W/keyed.tsv"
bench_row "produce to 16 partitions (mock broker)" logsplit-kcat
bench_hyperfine logsplit-produce "logsplit -k campaign_id -b $BROKERS -t bench $BENCH_DATA"
bench_row "produce to 16 partitions (mock broker)" logsplit-produce logsplit-kcat

# --- criteria -----------------------------------------------------------------
strict=0
check() {	# what ratio min: ratio is how many times faster (>= min meets it)
	if awk -v r="$2" -v m="$3" 'BEGIN { exit !(r + 0 >= m + 0) }'; then
		bench_note "$1: ${2}x (criterion ${3}x) met"
	else
		bench_note "$1: ${2}x (criterion ${3}x) NOT MET"
		strict=1
	fi
}
check "files vs mlr split -m 16" "$(bench_ratio logsplit-mlr logsplit-files)" 20
# .zst no slower than 2x plain: plain/zst >= 0.5
check ".zst vs plain files (speed ratio; 0.5 = twice as slow)" "$(bench_ratio logsplit-files logsplit-zst)" 0.5
check "produce vs kcat -P -K" "$(bench_ratio logsplit-kcat logsplit-produce)" 1
rm -rf "$W/files" "$W/zst" "$W/mlr" "$W/keyed.tsv"
if [ "$strict" -ne 0 ] && [ "${BENCH_STRICT:-0}" = 1 ]; then
	exit 1
fi
exit 0
