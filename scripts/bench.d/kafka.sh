#!/usr/bin/env bash
# lib/kafka's producer (through tests/helpers/pk-kafka) against `kcat -P -K`:
# every line of BENCH_DATA keyed by its campaign_id, produced to a
# 16-partition topic of the loopback mock broker, both with the same
# settings (idempotent, acks=all, murmur2_random: pipekit's defaults, given
# to kcat explicitly). Issue 3's criterion: pipekit produces at least as
# fast as kcat, in the same run.
# shellcheck source=scripts/bench.d/lib.sh
. "$(dirname "$0")/lib.sh"

bench_need pk-kafka kafka-mock kcat

W=$BENCH_DIR/kafka
rm -rf "$W"
mkdir -p "$W"

# The mock broker keeps only the last few MB of each partition, so
# repeated runs stay small.
trap 'bench_kafka_stop; rm -rf "$W"' EXIT
bench_kafka_mock "$W" bench:16 check-pk:16 check-kcat:16

# Both read "key<TAB>record" lines, made once, outside the timing.
sed -E 's/^(.*"campaign_id":"([^"]*)".*)$/\2\t\1/' "$BENCH_DATA" >"$W/keyed.tsv"
[ "$(grep -c "$(printf '\t')" "$W/keyed.tsv")" -eq "$BENCH_LINES" ] ||
	bench_die "not every line has a campaign_id"
TAB=$(printf '\t')
PK="pk-kafka produce -b $BROKERS -K '$TAB'"
KCAT="kcat -P -b $BROKERS -K '\\t' -X enable.idempotence=true -X acks=all -X partitioner=murmur2_random"

# --- the same answer before timing: every record delivered, same placement ---
sh -c "$PK -t check-pk <'$W/keyed.tsv' 2>'$W/pk.err'" ||
	bench_die "pk-kafka produce failed: $(tail -3 "$W/pk.err")"
sh -c "$KCAT -t check-kcat <'$W/keyed.tsv'" || bench_die "kcat -P failed"
pk-kafka watermarks -b "$BROKERS" -t check-pk | jq -c '[.partition, .high]' >"$W/pk.wm"
pk-kafka watermarks -b "$BROKERS" -t check-kcat | jq -c '[.partition, .high]' >"$W/kcat.wm"
cmp -s "$W/pk.wm" "$W/kcat.wm" ||
	bench_die "records per partition differ between pk-kafka and kcat: $(paste "$W/pk.wm" "$W/kcat.wm" | head -3)"
[ "$(jq -s 'map(.[1]) | add' "$W/pk.wm")" -eq "$BENCH_LINES" ] ||
	bench_die "pk-kafka delivered $(jq -s 'map(.[1]) | add' "$W/pk.wm") records, want $BENCH_LINES"
[ "$(jq -s 'map(.delivered) | add' <(grep '^{' "$W/pk.err"))" -eq "$BENCH_LINES" ] ||
	bench_die "pk-kafka's delivery reports do not add up to $BENCH_LINES"

# --- timing -----------------------------------------------------------------
bench_kafka_runs
bench_hyperfine kafka-kcat "$KCAT -t bench <$W/keyed.tsv"
bench_row "produce 16 partitions, keyed (mock broker)" kafka-kcat
bench_hyperfine kafka-pk "$PK -t bench <$W/keyed.tsv 2>/dev/null"
bench_row "produce 16 partitions, keyed (mock broker)" kafka-pk kafka-kcat

# --- criterion ----------------------------------------------------------------
r=$(bench_ratio kafka-kcat kafka-pk)
c=$(bench_cpu_ratio kafka-kcat kafka-pk)
if awk -v r="$r" 'BEGIN { exit !(r + 0 >= 1) }'; then
	bench_note "pk-kafka produce vs kcat -P -K: ${r}x by wall time (criterion 1x) met; ${c}x by CPU time"
else
	bench_note "pk-kafka produce vs kcat -P -K: ${r}x by wall time (criterion 1x) NOT MET; ${c}x by CPU time"
	[ "${BENCH_STRICT:-0}" = 1 ] && exit 1
fi
exit 0
