#!/usr/bin/env bats
# Black-box tests of scripts/pk-gen, the seeded ad-event generator that the
# benchmarks, the demo and other tests take their data from.

bats_require_minimum_version 1.5.0
load helpers/common

setup() {
	T="$BATS_TEST_TMPDIR"
}

# Lines of FILE that a consumer must reject: not JSON (jq), not UTF-8 (jq
# would silently turn the bytes into U+FFFD, so grep checks them), or
# lacking a string campaign_id or a numeric clicks.
rejects() {
	{
		LC_ALL=C.UTF-8 grep -axv '.*' "$1" || true
		LC_ALL=C.UTF-8 grep -ax '.*' "$1" | jq -R -r 'try (fromjson
			| if (.campaign_id | type) == "string" and (.clicks | type) == "number"
			  then empty else "schema" end) catch "syntax"'
	} | wc -l
}

@test "gen: the same seed and options give identical bytes" {
	pk-gen -n 20000 -s 42 --bad 0.02 --late 0.01 >"$T/a"
	pk-gen -n 20000 -s 42 --bad 0.02 --late 0.01 >"$T/b"
	cmp "$T/a" "$T/b"
	pk-gen -n 5000 --format csv --ts epoch-ms >"$T/c"
	pk-gen -n 5000 --format csv --ts epoch-ms >"$T/d"
	cmp "$T/c" "$T/d"
}

@test "gen: output for seed 1 is pinned, so every machine benchmarks the same data" {
	# Changing these hashes changes every benchmark's input: do it on purpose.
	run -0 bash -c 'pk-gen -n 1000 | sha256sum'
	assert_output "f5b6dea8783a0b82c51bf5f205ce0d7999488e22d2d5ba37c3d0fe73d86af7cf  -"
	run -0 bash -c 'pk-gen -n 1000 --format csv --ts epoch-ms --bad 0.1 --late 0.1 -s 7 | sha256sum'
	assert_output "778948750aa117dfe4bca6bb2289de52696ad63bf19adc06fe62d6265b054025  -"
	run -0 pk-gen -n 1
	assert_output '{"ts":"2026-11-25T00:00:19.581Z","event_id":"e0000000000","campaign_id":"c05974","ad_id":"a0597404","user_id":"u0765690","event":"impression","clicks":0,"cost":0.0062,"country":"US"}'
}

@test "gen: a different seed gives different records" {
	pk-gen -n 1000 -s 1 >"$T/a"
	pk-gen -n 1000 -s 2 >"$T/b"
	run ! cmp -s "$T/a" "$T/b"
	# Not just a shifted copy: most lines differ.
	run -0 bash -c "comm -12 <(sort '$T/a') <(sort '$T/b') | wc -l"
	assert_output 0
}

@test "gen: -n and --lines set the number of lines" {
	run -0 bash -c 'pk-gen -n 1234 | wc -l'
	assert_output 1234
	run -0 bash -c 'pk-gen --lines 7 | wc -l'
	assert_output 7
	run -0 bash -c 'pk-gen -n 0 | wc -c'
	assert_output 0
}

@test "gen: every line is a JSON object with the documented fields in order" {
	pk-gen -n 20000 >"$T/e"
	run -0 bash -c "jq -c . '$T/e' | wc -l"
	assert_output 20000
	run -0 jq -r -s 'map(keys_unsorted | join(",")) | unique | .[]' "$T/e"
	assert_output "ts,event_id,campaign_id,ad_id,user_id,event,clicks,cost,country"
	# Types and shapes of every value.
	run -0 jq -r -s 'map(select(
		(.ts | test("^2026-11-25T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$"))
		and (.event_id | test("^e[0-9]{10}$"))
		and (.campaign_id | test("^c[0-9]{5}$"))
		and (.ad_id | test("^a[0-9]{7}$"))
		and (.user_id | test("^u[0-9]{7}$"))
		and (.event | IN("impression", "click", "conversion"))
		and (.clicks | IN(0, 1))
		and (.cost | type == "number")
		and (.country | test("^[A-Z]{2}$")))) | length' "$T/e"
	assert_output 20000
	# event_id is unique; clicks is 1 exactly on click events.
	run -0 bash -c "jq -r .event_id '$T/e' | sort -u | wc -l"
	assert_output 20000
	run -0 jq -s 'map(select((.clicks == 1) != (.event == "click"))) | length' "$T/e"
	assert_output 0
	# cost always has exactly four decimals in the text.
	run -1 grep -cvE '"cost":[0-9]+\.[0-9]{4},' "$T/e"
	assert_output 0
}

@test "gen: events are mostly impressions, some clicks, few conversions" {
	run -0 bash -c 'pk-gen -n 100000 | jq -r .event | sort | uniq -c | sort -rn | awk "{print \$2}" | paste -sd,'
	assert_output "impression,click,conversion"
	run -0 bash -c 'pk-gen -n 100000 | grep -c "\"event\":\"impression\""'
	[ "$output" -gt 94000 ] && [ "$output" -lt 99000 ]
}

@test "gen: campaign_id is Zipf-skewed, or uniform with --zipf 0" {
	# Zipf s=1.1 over 10000 ids: the top id takes 1/H(10000,1.1) = 15% of
	# the records, against 0.01% for an even spread.
	top_share() {
		jq -r .campaign_id | sort | uniq -c | sort -rn |
			awk 'NR == 1 { top = $1 } { n += $1 } END { printf "%d\n", top * 10000 / n }'
	}
	run -0 bash -c "$(declare -f top_share); pk-gen -n 50000 | top_share"
	[ "$output" -ge 1300 ] && [ "$output" -le 1700 ]
	run -0 bash -c "$(declare -f top_share); pk-gen -n 50000 --zipf 0 | top_share"
	[ "$output" -le 10 ]
	run -0 bash -c 'pk-gen -n 50000 --campaigns 10 | jq -r .campaign_id | sort -u | wc -l'
	assert_output 10
}

@test "gen: event time goes back at most the jitter, never before --start" {
	max_back() {
		jq -r .ts | awk 'NR > 1 && prev - $1 > m { m = prev - $1 } { prev = $1 } END { print m + 0 }'
	}
	run -0 bash -c "$(declare -f max_back); pk-gen -n 50000 --ts epoch-ms | max_back"
	[ "$output" -le 30000 ] && [ "$output" -gt 20000 ]
	run -0 bash -c "$(declare -f max_back); pk-gen -n 50000 --ts epoch-ms --jitter 5 | max_back"
	[ "$output" -le 5000 ] && [ "$output" -gt 3000 ]
	run -0 bash -c "$(declare -f max_back); pk-gen -n 5000 --ts epoch-ms --jitter 0 | max_back"
	assert_output 0
	# 2026-11-25T00:00:00Z is 1795564800 s after the epoch.
	run -0 bash -c 'pk-gen -n 50000 --ts epoch-ms | jq -s "map(.ts) | min >= 1795564800000"'
	assert_output true
}

@test "gen: --start and --rate place the records in event time" {
	run -0 bash -c 'pk-gen -n 1000 --rate 10 --jitter 0 --start 2027-01-31T23:59:00+01:00 | sed -n "1p;\$p" | jq -r .ts'
	assert_output $'2027-01-31T22:59:00.000Z\n2027-01-31T23:00:39.900Z'
	# The default rate, 50/s: a million records span 5 h 33 min.
	run -0 bash -c 'pk-gen -n 1000000 --jitter 0 | tail -1 | jq -r .ts'
	assert_output "2026-11-25T05:33:19.980Z"
}

@test "gen: rfc3339 and epoch-ms timestamps are the same instants" {
	run -0 bash -c 'diff <(pk-gen -n 2000 | jq -r ".ts | (sub(\"\\\\.[0-9]+Z\$\"; \"Z\") | fromdate) * 1000 + (.[20:23] | tonumber)") <(pk-gen -n 2000 --ts epoch-ms | jq -r .ts)'
	assert_output ""
}

@test "gen: --bad 0.01 makes about 1% of lines unusable, in every kind" {
	pk-gen -n 10000 --bad 0.01 >"$T/bad"
	pk-gen -n 10000 >"$T/good"
	run -0 rejects "$T/bad"
	[ "$output" -ge 70 ] && [ "$output" -le 130 ]
	run -0 rejects "$T/good"
	assert_output 0
	# Each kind occurs: not JSON, not UTF-8, no campaign_id, clicks a string.
	run -0 bash -c "LC_ALL=C.UTF-8 grep -ax '.*' '$T/bad' | jq -R -r 'try (fromjson | empty) catch \"x\"' | wc -l"
	[ "$output" -gt 0 ]
	run -0 bash -c "LC_ALL=C.UTF-8 grep -caxv '.*' '$T/bad'"
	[ "$output" -gt 0 ]
	run -0 grep -ac '"clicks":"n/a"' "$T/bad"
	[ "$output" -gt 0 ]
	run -0 bash -c "grep -a '\"user_id\"' '$T/bad' | grep -avc '\"campaign_id\"'"
	[ "$output" -gt 0 ]
	# Only the bad lines change: the rest are the lines --bad 0 writes.
	run -0 rejects "$T/bad"
	changed=$(diff "$T/good" "$T/bad" | grep -c '^>')
	[ "$changed" -eq "$output" ]
}

@test "gen: --late puts records minutes behind the stream" {
	late() {
		jq -r .ts | awk 'NR > 1 && prev - $1 > 60000 { n++ } { prev = $1 } END { print n + 0 }'
	}
	run -0 bash -c "$(declare -f late); pk-gen -n 20000 --ts epoch-ms --late 0.01 | late"
	[ "$output" -ge 120 ] && [ "$output" -le 280 ]
	run -0 bash -c "$(declare -f late); pk-gen -n 20000 --ts epoch-ms | late"
	assert_output 0
}

@test "gen: CSV has a header row and nine columns on every line" {
	pk-gen -n 3000 --format csv >"$T/c.csv"
	run -0 head -1 "$T/c.csv"
	assert_output "ts,event_id,campaign_id,ad_id,user_id,event,clicks,cost,country"
	run -0 bash -c "wc -l <'$T/c.csv'"
	assert_output 3001
	run -0 bash -c "awk -F, '{ print NF }' '$T/c.csv' | sort -u"
	assert_output 9
	# The same records as the NDJSON stream (jq drops cost's trailing
	# zeros, so compare cost as text separately).
	run -0 bash -c "diff <(tail -n +2 '$T/c.csv' | cut -d, -f1-7,9) <(pk-gen -n 3000 | jq -r '[.ts,.event_id,.campaign_id,.ad_id,.user_id,.event,.clicks,.country] | map(tostring) | join(\",\")')"
	assert_output ""
	run -0 bash -c "diff <(tail -n +2 '$T/c.csv' | cut -d, -f8) <(pk-gen -n 3000 | grep -oE '\"cost\":[0-9.]+' | cut -d: -f2)"
	assert_output ""
	# Bad CSV lines are short of columns or fields, never longer.
	run -0 bash -c "pk-gen -n 5000 --format csv --bad 0.05 | awk -F, 'NF > 9' | wc -l"
	assert_output 0
}

@test "gen: a line averages about 170-185 bytes" {
	run -0 bash -c 'pk-gen -n 100000 | wc -c'
	[ "$output" -ge 17500000 ] && [ "$output" -le 19000000 ]
	run -0 bash -c 'pk-gen -n 100000 --ts epoch-ms | wc -c'
	[ "$output" -ge 16500000 ] && [ "$output" -le 17500000 ]
}

@test "gen: bad options exit 2 with a pk-gen: message" {
	for args in "-n abc" "-n -5" "--format xml" "--ts unix" "--bad 2" "--late -0.1" \
		"--start yesterday" "--start 2026-02-30" "--rate 0" "--campaigns 0" \
		"--zipf nan" "--jitter x" "--bogus" "extra" "-n"; do
		# shellcheck disable=SC2086
		run -2 --separate-stderr pk-gen $args
		assert_output ""
		[[ "$stderr" == "pk-gen: "* ]] || { echo "args: $args: $stderr"; false; }
		[[ "$stderr" == *"Try 'pk-gen --help'."* ]]
	done
}

@test "gen: --help and --version" {
	run -0 pk-gen --help
	assert_line --partial "--lines N"
	assert_line --partial "--bad RATIO"
	assert_line --partial "--format F"
	run -0 pk-gen --version
	assert_output --regexp '^pk-gen \(pipekit\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "gen: a full disk is exit 4 with a message" {
	[ -w /dev/full ] || skip "no /dev/full"
	run -4 --separate-stderr bash -c 'pk-gen -n 100000 >/dev/full'
	[[ "$stderr" == "pk-gen: write error: No space left on device" ]]
}
