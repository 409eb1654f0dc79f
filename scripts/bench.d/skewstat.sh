#!/usr/bin/env bash
# skewstat records mode (partition skew of campaign_id over 12 partitions,
# with hot keys) against `mlr --ijsonl count-distinct -f campaign_id` on
# BENCH_DATA; issue 7's criterion: at least 20x faster, same run. Then
# memory: 10M records over 5M distinct keys must stay under 64 MiB peak RSS
# (Space-Saving keeps --capacity keys, not every distinct one).
# shellcheck source=scripts/bench.d/lib.sh
. "$(dirname "$0")/lib.sh"

MIN_RATIO=20
MAX_RSS_KIB=$((64 * 1024))
RECORDS=${BENCH_SKEW_RECORDS:-10000000}
DISTINCT=${BENCH_SKEW_DISTINCT:-5000000}

bench_need skewstat mlr jq awk

# Correctness first: with a capacity above the number of campaigns every
# Space-Saving count is exact, so skewstat's key counts must be mlr's.
sk=$(skewstat -k campaign_id -n 12 --top 100000 --capacity 100000 "$BENCH_DATA" |
	jq -r 'select(.type == "key") | "\(.key) \(.count) \(.error)"' | sort) ||
	bench_die "skewstat failed on $BENCH_DATA"
ml=$(mlr --ijsonl --onidx --ofs ' ' count-distinct -f campaign_id "$BENCH_DATA" |
	awk '{ print $1, $2, 0 }' | sort) || bench_die "mlr failed on $BENCH_DATA"
if [ "$sk" != "$ml" ]; then
	bench_log "skewstat and mlr count campaigns differently:"
	diff <(printf '%s\n' "$sk") <(printf '%s\n' "$ml") | head -5 >&2 || true
	bench_note "**FAILED**: skewstat's campaign counts differ from mlr count-distinct"
	exit 1
fi
bench_log "both count $(printf '%s\n' "$sk" | wc -l) campaigns identically"

bench_hyperfine skew-mlr "mlr --ijsonl --ojsonl count-distinct -f campaign_id $BENCH_DATA"
bench_row "partition skew, 1M records" skew-mlr
bench_hyperfine skew-skewstat "skewstat -k campaign_id -n 12 $BENCH_DATA"
bench_row "partition skew, 1M records" skew-skewstat skew-mlr
bench_hyperfine skew-skewstat-whatif "skewstat -k campaign_id -n 12 --what-if 6,24,48 --partitioner murmur2,fnv1a,crc32 $BENCH_DATA"
bench_row "partition skew, 1M records" skew-skewstat-whatif skew-mlr

ratio=$(bench_ratio skew-mlr skew-skewstat)
cpu_ratio=$(bench_cpu_ratio skew-mlr skew-skewstat)
failed=0
if awk -v r="$ratio" -v m="$MIN_RATIO" 'BEGIN { exit !(r >= m) }'; then
	bench_note "skewstat records mode is ${ratio}x faster than mlr count-distinct (criterion >= ${MIN_RATIO}x: met), ${cpu_ratio}x by CPU time"
else
	bench_log "criterion NOT met: skewstat is only ${ratio}x faster than mlr (want >= ${MIN_RATIO}x)"
	bench_note "skewstat records mode is ${ratio}x faster than mlr count-distinct (criterion >= ${MIN_RATIO}x: **NOT MET**), ${cpu_ratio}x by CPU time"
	failed=1
fi

# Memory: RECORDS lines over DISTINCT keys, each key twice, in a scattered
# order (i * 7919 mod DISTINCT is a bijection on each block of DISTINCT
# lines: 7919 is prime and shares no factor with 5000000).
keys=$BENCH_DIR/skew-keys-$RECORDS-$DISTINCT.ndjson
if [ ! -s "$keys" ]; then
	bench_log "generating $keys"
	awk -v n="$RECORDS" -v d="$DISTINCT" 'BEGIN {
		for (i = 0; i < n; i++) printf "{\"k\":\"k%08d\"}\n", (i * 7919) % d
	}' >"$keys.tmp" || bench_die "cannot generate $keys"
	mv "$keys.tmp" "$keys"
fi
bench_hyperfine skew-distinct "skewstat -k k -n 12 $keys"
bench_row "partition skew, ${RECORDS} records over ${DISTINCT} keys" skew-distinct - "$keys"
rss=$(cat "$BENCH_RESULTS/skew-distinct.rss")
if [ "$rss" != "?" ] && [ "$rss" -lt "$MAX_RSS_KIB" ]; then
	bench_note "skewstat over $RECORDS records and $DISTINCT distinct keys: peak RSS $((rss / 1024)) MiB (criterion < 64 MiB: met)"
else
	bench_note "skewstat over $RECORDS records and $DISTINCT distinct keys: peak RSS ${rss} KiB (criterion < 64 MiB: **NOT MET**)"
	failed=1
fi
if [ "$failed" = 1 ] && [ "${BENCH_STRICT:-0}" = 1 ]; then
	exit 1
fi
exit 0
