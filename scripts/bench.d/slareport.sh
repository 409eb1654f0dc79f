#!/usr/bin/env bash
# slareport against DuckDB computing the same per-task SLA compliance and
# p95 duration of 1M generated Airflow task instances (REST v2 items, one
# per line; highest try per instance; deadline = run_after + SLA).
# Criterion (issue 11): slareport at least as fast as DuckDB, same run.
# Both use every core: DuckDB its threads, slareport -j (default: cores)
# for one large plain file.
# DuckDB comes from npm (@duckdb/node-api), installed into BENCH_DIR when
# missing; without node/npm or network the piece is skipped, and says so.
# shellcheck source=scripts/bench.d/lib.sh
. "$(dirname "$0")/lib.sh"

bench_need slareport pk-gen-airflow node

NOW=2026-11-30T00:20:00Z
SLAS="--sla ads_daily*/*=3h --sla ads_hourly*/*=15m --sla billing_daily*/*=2h --sla ml.features*/*=4h"

# About 60.6 task instances per copy of the catalog and day: 20 copies.
days=$((BENCH_LINES / 1212 + 1))
data=$BENCH_DIR/airflow-ti.ndjson
want="pk-gen-airflow -c 20 -d $days $(pk-gen-airflow -c 1 -d 2 | cksum)"
if [ ! -f "$data" ] || [ "$(cat "$data.how" 2>/dev/null)" != "$want" ]; then
	bench_log "generating $data: pk-gen-airflow -c 20 -d $days"
	pk-gen-airflow -c 20 -d "$days" >"$data.tmp" || bench_die "pk-gen-airflow failed"
	mv "$data.tmp" "$data"
	printf '%s\n' "$want" >"$data.how"
fi
n=$(wc -l <"$data")
bench_log "$n task instances in $data"

# DuckDB through node: found, or installed once into BENCH_DIR.
export NODE_PATH="$BENCH_DIR/node_modules${NODE_PATH:+:$NODE_PATH}"
if ! node -e "require('@duckdb/node-api')" 2>/dev/null; then
	bench_log "installing @duckdb/node-api into $BENCH_DIR (npm)"
	if ! npm install --prefix "$BENCH_DIR" --no-audit --no-fund --silent @duckdb/node-api >&2 ||
		! node -e "require('@duckdb/node-api')" 2>/dev/null; then
		bench_note "skipped: DuckDB (npm @duckdb/node-api) could not be installed here"
		exit 77
	fi
fi
js=$BENCH_DIR/sla-duckdb.js
cat >"$js" <<'EOF'
// Per-task SLA compliance and p95 duration of Airflow task instances, in DuckDB.
const duckdb = require('@duckdb/node-api');
const [file, now] = process.argv.slice(2);
const sql = `
WITH ti AS (
  SELECT dag_id, task_id, state, duration,
         CAST(start_date AS TIMESTAMPTZ) AS s, CAST(end_date AS TIMESTAMPTZ) AS e,
         CAST(run_after AS TIMESTAMPTZ) AS ra
  FROM read_json('${file}', format = 'newline_delimited',
    columns = {dag_id: 'VARCHAR', task_id: 'VARCHAR', dag_run_id: 'VARCHAR', map_index: 'BIGINT',
               try_number: 'BIGINT', state: 'VARCHAR', start_date: 'VARCHAR', end_date: 'VARCHAR',
               duration: 'DOUBLE', run_after: 'VARCHAR'})
  QUALIFY row_number() OVER (PARTITION BY dag_id, task_id, dag_run_id, map_index
                             ORDER BY try_number DESC) = 1
), sla AS (
  SELECT *, CASE WHEN dag_id LIKE 'ads_daily%' THEN INTERVAL 3 HOUR
                 WHEN dag_id LIKE 'ads_hourly%' THEN INTERVAL 15 MINUTE
                 WHEN dag_id LIKE 'billing_daily%' THEN INTERVAL 2 HOUR
                 WHEN dag_id LIKE 'ml.features%' THEN INTERVAL 4 HOUR END AS sla
  FROM ti
), ev AS (
  SELECT dag_id, task_id, duration,
    CASE WHEN state IN ('success', 'skipped') THEN
           CASE WHEN coalesce(e, s) IS NULL OR coalesce(e, s) <= ra + sla THEN 'met' ELSE 'missed' END
         WHEN state IN ('failed', 'upstream_failed', 'removed') THEN 'missed'
         WHEN TIMESTAMPTZ '${now}' > ra + sla THEN 'missed'
         ELSE 'pending' END AS oc
  FROM sla
)
SELECT dag_id, task_id, count(*) AS runs,
       count(*) FILTER (WHERE oc = 'met') AS met,
       count(*) FILTER (WHERE oc = 'missed') AS missed,
       round(count(*) FILTER (WHERE oc = 'met') /
             nullif(count(*) FILTER (WHERE oc IN ('met', 'missed')), 0), 4) AS compliance,
       quantile_cont(duration, 0.95) AS p95
FROM ev GROUP BY dag_id, task_id ORDER BY dag_id, task_id`;
(async () => {
  const db = await duckdb.DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const r = await c.runAndReadAll(sql);
  for (const row of r.getRows())
    console.log(row.map(v => typeof v === 'bigint' ? v.toString() : String(v)).join('\t'));
})().catch(e => { console.error(e.message); process.exit(1); });
EOF

# Correctness first: the same rows (p95 within 1e-9 relative).
# shellcheck disable=SC2086
slareport $SLAS --now $NOW "$data" |
	jq -r 'select(.task_id != null) | [.dag_id, .task_id, .runs, .met, .missed, .compliance, .p95_duration_s] | @tsv' \
	>"$BENCH_DIR/sla-slareport.tsv" || bench_die "slareport failed"
node "$js" "$data" "$NOW" >"$BENCH_DIR/sla-duckdb.tsv" || bench_die "the DuckDB query failed"
if ! awk -F'\t' 'NR == FNR { a[FNR] = $0; n = FNR; next }
	{ split(a[FNR], x, "\t")
	  for (i = 1; i <= 6; i++) if (x[i] != $i && x[i] + 0 != $i + 0) exit 1
	  d = x[7] - $7; if (d < 0) d = -d; if (d > 1e-9 * ($7 < 1 ? 1 : $7)) exit 1; m = FNR }
	END { exit !(m == n && n > 0) }' "$BENCH_DIR/sla-slareport.tsv" "$BENCH_DIR/sla-duckdb.tsv"; then
	bench_log "slareport and DuckDB disagree: diff $BENCH_DIR/sla-slareport.tsv $BENCH_DIR/sla-duckdb.tsv"
	bench_note "**FAILED**: slareport and DuckDB computed different per-task rows"
	exit 1
fi
rows=$(wc -l <"$BENCH_DIR/sla-duckdb.tsv")
bench_log "both computed the same $rows task rows"

bench_hyperfine sla-duckdb "node $js $data $NOW"
bench_row "SLA per task, $n task instances" sla-duckdb "" "$data"
bench_hyperfine sla-slareport "slareport $SLAS --now $NOW $data"
bench_row "SLA per task, $n task instances" sla-slareport sla-duckdb "$data"

ratio=$(bench_ratio sla-duckdb sla-slareport)
threads=$(nproc 2>/dev/null || echo '?')
if awk -v r="$ratio" 'BEGIN { exit !(r >= 1) }'; then
	bench_note "slareport is ${ratio}x as fast as DuckDB ($threads threads) on $n task instances, same $rows rows (criterion >= 1x: met)"
else
	bench_log "criterion NOT met: slareport is ${ratio}x DuckDB's speed"
	bench_note "slareport is ${ratio}x as fast as DuckDB ($threads threads) on $n task instances (criterion >= 1x: **NOT MET**)"
	[ "${BENCH_STRICT:-0}" = 1 ] && exit 1
fi
exit 0
