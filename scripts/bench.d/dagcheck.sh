#!/usr/bin/env bash
# dagcheck: linting 2,000 generated DAG files of 50-200 lines (pk-gen-dags,
# varied styles) with every rule (the Airflow 3 rules, every --require
# policy and --pools included), against Python merely parsing the same
# files with ast.parse. Issues 4 and 5's criterion: dagcheck at least 5x
# faster, same run; peak RSS reported.
# shellcheck source=scripts/bench.d/lib.sh
. "$(dirname "$0")/lib.sh"

bench_need dagcheck pk-gen-dags python3

D=$BENCH_DIR/dagcheck-dags
N=${BENCH_DAG_FILES:-2000}
# regenerate only when the generator or the count changed
stamp="$N $(cksum <"$BENCH_TOP/scripts/pk-gen-dags.c")"
if [ ! -f "$D/.stamp" ] || [ "$(cat "$D/.stamp")" != "$stamp" ]; then
	rm -rf "$D"
	pk-gen-dags -n "$N" -s 1 "$D" || bench_die "pk-gen-dags failed"
	printf '%s\n' "$stamp" >"$D/.stamp"
fi

# --- correctness before timing: both read every file without a syntax error
PY="python3 -c 'import ast,sys; [ast.parse(open(f).read()) for f in sys.argv[1:]]' $D/*.py"
sh -c "$PY" || bench_die "python could not parse the generated files"
printf '{"default_pool": {"slots": 128, "description": "", "include_deferred": false}}\n' >"$BENCH_DIR/dagcheck-pools.json"
ALL="--no-config --target-version 3 --require owner,sla,retries,execution_timeout,on_failure_callback --pools $BENCH_DIR/dagcheck-pools.json"
summary=$(dagcheck -v $ALL --fail-on never "$D" 2>&1 >/dev/null) || bench_die "dagcheck failed"
case $summary in
"dagcheck: $N files, $N DAGs, "*) ;;
*) bench_die "dagcheck did not find $N DAGs in $N files: $summary" ;;
esac
dagcheck --no-config --select DC001 "$D" >/dev/null || bench_die "dagcheck reports syntax errors python does not"
bench_log "$summary"

bench_hyperfine dagcheck-python-ast "$PY"
bench_row "lint $N DAG files" dagcheck-python-ast "" -
bench_hyperfine dagcheck-all-rules "dagcheck $ALL --fail-on never $D"
bench_row "lint $N DAG files" dagcheck-all-rules dagcheck-python-ast -

r=$(bench_ratio dagcheck-python-ast dagcheck-all-rules)
rss=$(cat "$BENCH_RESULTS/dagcheck-all-rules.rss")
if awk -v r="$r" 'BEGIN { exit !(r >= 5) }'; then
	bench_note "dagcheck (all rules) is ${r}x faster than python3 ast.parse on $N files (criterion >= 5x: met); peak RSS ${rss} KiB"
else
	bench_note "dagcheck (all rules) is only ${r}x faster than python3 ast.parse on $N files (criterion >= 5x: NOT MET)"
	[ "${BENCH_STRICT:-0}" = 1 ] && exit 1
fi
exit 0
