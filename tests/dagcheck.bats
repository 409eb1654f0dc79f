#!/usr/bin/env bats
# dagcheck: black-box tests of the linter (rules, graphs, formats, exit codes, walking).

load helpers/common

F=tests/fixtures/dagcheck

setup() {
	cd "$PIPEKIT_TOP"
	TMP="$BATS_TEST_TMPDIR"
}

# ---- CLI conventions ---------------------------------------------------------

@test "dagcheck: --version names the program and the package version" {
	run -0 dagcheck --version
	assert_output "dagcheck (pipekit) 0.1.0"
}

@test "dagcheck: --help shows usage, options and formats" {
	run -0 dagcheck --help
	assert_line --index 0 "Usage: dagcheck [options] PATH..."
	assert_output --partial "--known-dags FILE"
	assert_output --partial "text,ndjson,github,sarif,junit"
	assert_output --partial "--dump-ast"
	[ "$(printf '%s\n' "$output" | awk 'length($0) > 100' | wc -l)" -eq 0 ]
}

@test "dagcheck: --list-options lists short, long and argument names" {
	run -0 dagcheck --list-options
	assert_line "-o --format FMT"
	assert_line "--known-dags FILE"
	assert_line "--ignore-syntax SYNTAX"
}

@test "dagcheck: a bad option is a usage error (exit 2)" {
	run -2 --separate-stderr dagcheck --no-such-option $F/rules/ok.py
	assert_equal "${stderr_lines[0]}" "dagcheck: unrecognized option '--no-such-option'"
	assert_equal "${stderr_lines[1]}" "Try 'dagcheck --help'."
}

@test "dagcheck: no PATH, an unknown format or a bad --fail-on are usage errors" {
	run -2 dagcheck
	run -2 --separate-stderr dagcheck -o yaml $F/rules/ok.py
	assert_equal "${stderr_lines[0]}" "dagcheck: unknown format 'yaml' (one of text,ndjson,github,sarif,junit)"
	run -2 dagcheck --fail-on fatal $F/rules/ok.py
	run -2 dagcheck --severity DC101 $F/rules/ok.py
	run -2 dagcheck --ignore-syntax fnmatch $F/rules/ok.py
}

@test "dagcheck: a missing file is exit 4, the other files are still linted" {
	run -4 --separate-stderr dagcheck $TMP/nope.py $F/rules/dc101.py
	assert_equal "$stderr" "dagcheck: '$TMP/nope.py': No such file or directory"
	assert_output --partial "DC101"
}

@test "dagcheck: a full disk is exit 4" {
	run -4 --separate-stderr bash -c "dagcheck $F/rules/dc101.py >/dev/full"
	assert_equal "$stderr" "dagcheck: <stdout>: No space left on device"
}

@test "dagcheck: stdin is read with '-' and named <stdin>" {
	run -1 bash -c "dagcheck - < $F/rules/dc101.py"
	assert_output "<stdin>:9:5: DC101 cycle in task dependencies: a -> b -> c -> a"
}

# ---- rules: each fires, and the near misses in ok.py fire nothing -----------------

@test "dagcheck: ok.py, full of near misses, has no findings" {
	run -0 dagcheck $F/rules/ok.py
	assert_output ""
}

@test "dagcheck: DC001 reports the first syntax error with its location" {
	run -1 dagcheck $F/rules/dc001.py
	assert_output "$F/rules/dc001.py:4:21: DC001 syntax error: '(' was never closed"
}

@test "dagcheck: DC001 for indentation, f-string and bytes errors" {
	printf 'if x:\n    a = 1\n  b = 2\n' >$TMP/indent.py
	printf 'x = f"{a"\n' >$TMP/fstr.py
	printf 'x = f"a" b"b"\n' >$TMP/mix.py
	printf 'print "py2"\n' >$TMP/py2.py
	run -1 dagcheck $TMP/indent.py $TMP/fstr.py $TMP/mix.py $TMP/py2.py
	assert_line "$TMP/indent.py:3:3: DC001 syntax error: unindent does not match any outer indentation level"
	assert_line "$TMP/fstr.py:1:5: DC001 syntax error: f-string: expecting '}'"
	assert_line "$TMP/mix.py:1:5: DC001 syntax error: cannot mix bytes and nonbytes literals"
	assert_line "$TMP/py2.py:1:7: DC001 syntax error: invalid syntax"
}

@test "dagcheck: DC002 when a @dag function is never called; not when it is" {
	run -0 dagcheck $F/rules/dc002.py
	assert_output "$F/rules/dc002.py:1:1: DC002 file mentions airflow and DAG but no DAG was found (a @dag function must be called)"
	run -0 dagcheck --select DC002 $F/forms/taskflow.py
	assert_output ""
}

@test "dagcheck: DC101 lists the cycle's tasks in order" {
	run -1 dagcheck $F/rules/dc101.py
	assert_output "$F/rules/dc101.py:9:5: DC101 cycle in task dependencies: a -> b -> c -> a"
	run -0 dagcheck --select DC101 $F/forms/chains.py $F/rules/ok.py
	assert_output ""
}

@test "dagcheck: DC102 duplicate task_id with the first definition as related location" {
	run -1 dagcheck --select DC102 -o ndjson $F/rules/dc102.py
	assert_output '{"code":"DC102","severity":"error","file":"tests/fixtures/dagcheck/rules/dc102.py","line":6,"column":14,"dag_id":"dups","task_id":"load","message":"duplicate task_id '"'load'"' in DAG '"'dups'"' (first defined at line 5)","related":[{"file":"tests/fixtures/dagcheck/rules/dc102.py","line":5,"column":13,"message":"first definition of '"'load'"'"}]}'
	# the same id in both arms of an `if` on an unknown value is no duplicate; @task calls get __1
	run -0 dagcheck --select DC102 $F/rules/ok.py $F/forms/taskflow.py
	assert_output ""
}

@test "dagcheck: DC103 dependency on an undefined name or a string" {
	run -1 dagcheck $F/rules/dc103.py
	assert_line "$F/rules/dc103.py:6:10: DC103 dependency on 'b', which is not defined"
	assert_line "$F/rules/dc103.py:7:10: DC103 dependency on a string, which is no task"
	# ok.py depends on an imported name: unknown, never guessed
	run -0 dagcheck --select DC103 $F/rules/ok.py
	assert_output ""
}

@test "dagcheck: DC104 duplicate dag_id across files, first definition related" {
	run -1 dagcheck -o ndjson $F/rules/dc104_a.py $F/rules/dc104_b.py
	assert_output '{"code":"DC104","severity":"error","file":"tests/fixtures/dagcheck/rules/dc104_b.py","line":4,"column":6,"dag_id":"shared_id","message":"duplicate dag_id '"'shared_id'"' (first defined at tests/fixtures/dagcheck/rules/dc104_a.py:4)","related":[{"file":"tests/fixtures/dagcheck/rules/dc104_a.py","line":4,"column":6,"message":"first definition of '"'shared_id'"'"}]}'
	run -0 dagcheck $F/rules/dc104_a.py
	assert_output ""
}

@test "dagcheck: DC105 task outside any DAG; dag=dag and unknown contexts are fine" {
	run -1 dagcheck $F/rules/dc105.py
	assert_output "$F/rules/dc105.py:6:11: DC105 task 'outside' (BashOperator) is created outside any DAG (no \`with DAG\`, dag= or @dag)"
	run -0 dagcheck --select DC105 $F/rules/ok.py $F/forms/dag_assign.py
	assert_output ""
}

@test "dagcheck: DC106 the same dependency twice" {
	run -0 dagcheck $F/rules/dc106.py
	assert_output "$F/rules/dc106.py:8:5: DC106 dependency a >> b declared twice (first at line 7)"
	run -0 dagcheck --select DC106 $F/forms/taskflow.py $F/forms/with_dag.py
	assert_output ""
}

@test "dagcheck: DC107 branch join with the default trigger rule; not with none_failed_min_one_success" {
	run -0 dagcheck $F/rules/dc107.py
	assert_output "$F/rules/dc107.py:9:12: DC107 task 'join' joins the branches of 'branch' but trigger_rule all_success skips it when a branch is not taken (use none_failed_min_one_success)"
	run -0 dagcheck --select DC107 $F/rules/ok.py $F/forms/sdk3.py $F/repo/orders_reporting.py
	assert_output ""
}

@test "dagcheck: DC108 ids with bad characters or over 250 characters" {
	run -1 dagcheck $F/rules/dc108.py
	assert_line --index 0 "$F/rules/dc108.py:4:6: DC108 dag_id 'bad id!' has characters other than letters, digits, '_', '.' and '-'"
	assert_line --index 1 "$F/rules/dc108.py:5:5: DC108 task_id 'has space' has characters other than letters, digits, '_', '.' and '-'"
	assert_line --index 2 --partial "is longer than 250 characters"
	run -0 dagcheck --select DC108 $F/forms/groups.py
	assert_output ""
}

@test "dagcheck: DC109 chain of unequal lists and list >> list; equal lists are fine" {
	run -1 dagcheck $F/rules/dc109.py
	assert_line "$F/rules/dc109.py:7:5: DC109 chain() of lists with unequal lengths (2 and 1)"
	assert_line "$F/rules/dc109.py:8:5: DC109 a list cannot depend on a list (use cross_downstream or chain)"
	run -0 dagcheck --select DC109 $F/rules/ok.py $F/forms/chains.py
	assert_output ""
}

@test "dagcheck: DC110 variable name differs from task_id; not in loops or @task" {
	run -0 dagcheck $F/rules/dc110.py
	assert_output "$F/rules/dc110.py:5:5: DC110 variable 'extract_task' holds the task with task_id 'extract'"
	run -0 dagcheck --select DC110 $F/forms/loops.py $F/forms/taskflow.py $F/forms/with_dag.py
	assert_output ""
}

@test "dagcheck: DC201-DC204 across the given paths, --known-dags for external DAGs" {
	run -1 dagcheck --ignore DC110 --known-dags $F/cross/known.txt $F/cross
	assert_output - <<EOF
$F/cross/consumer.py:7:16: DC202 ExternalTaskSensor names task 'nope', which DAG 'producer' does not have
$F/cross/consumer.py:9:15: DC201 ExternalTaskSensor names dag_id 'ghost', found in no given path
$F/cross/consumer.py:12:12: DC203 TriggerDagRunOperator targets dag_id 'phantom', found in no given path
$F/cross/loop_a.py:5:5: DC204 cycle across DAGs through ExternalTaskSensor: loop_a -> loop_b -> loop_a
EOF
}

@test "dagcheck: DC201 fires for a DAG only --known-dags would declare" {
	run -1 dagcheck --select DC201 $F/cross
	assert_line "$F/cross/consumer.py:10:16: DC201 ExternalTaskSensor names dag_id 'elsewhere', found in no given path"
}

@test "dagcheck: --known-dags and explicit graph inputs accept dagcheck --graph NDJSON" {
	dagcheck --graph $F/cross/producer.py >$TMP/producer.ndjson
	run -1 dagcheck --select DC2 --known-dags $TMP/producer.ndjson $F/cross/consumer.py
	assert_line "$F/cross/consumer.py:7:16: DC202 ExternalTaskSensor names task 'nope', which DAG 'producer' does not have"
	refute_output --partial "'producer', found in no given path"
	run -1 dagcheck --select DC2 $TMP/producer.ndjson $F/cross/consumer.py
	assert_line "$F/cross/consumer.py:7:16: DC202 ExternalTaskSensor names task 'nope', which DAG 'producer' does not have"
}

@test "dagcheck: a REST /dags/{id}/tasks response counts as that DAG" {
	printf '{"tasks":[{"task_id":"publish","downstream_task_ids":[]}],"total_entries":1}\n' >$TMP/producer.json
	run -1 dagcheck --select DC201,DC202 $TMP/producer.json $F/cross/consumer.py
	assert_line --partial "names task 'nope'"
	refute_output --partial "dag_id 'producer'"
}

@test "dagcheck: no cross-DAG findings in the realistic repository" {
	run -0 dagcheck --select DC2 $F/repo
	assert_output ""
}

# ---- authoring forms: the exact extracted graph ------------------------------------

@test "dagcheck: --graph of every authoring form matches its golden file" {
	for f in $F/forms/*.py $F/repo/*.py; do
		run -0 dagcheck --graph "$f"
		assert_output "$(cat "${f%.py}.graph")"
	done
}

@test "dagcheck: --graph lines carry upstream sorted and parameters merged DAG < group < task" {
	run -0 bash -c "dagcheck --graph $F/forms/groups.py | jq -c 'select(.task_id == \"ingest.inner.c\") | [.upstream, .group, .retries, .pool]'"
	assert_output '[["ingest.inner.b"],"ingest.inner",0,"ingest"]'
	run -0 bash -c "dagcheck --graph $F/forms/with_dag.py | jq -c 'select(.task_id == \"report\") | [.upstream, .sla, .trigger_rule, .retry_delay]'"
	assert_output '[["load_a","load_b"],7200,"all_done",600]'
}

@test "dagcheck: realistic DAGs: sensors, Spark, branches, groups, mapping, 1.10/2/3 imports" {
	run -0 bash -c "dagcheck --graph $F/repo | jq -r '[.dag_id, .task_id, (.upstream | join(\",\"))] | @tsv'"
	assert_output - <<'EOF'
ingest_orders	wait_for_export	
ingest_orders	clean_orders	wait_for_export
ingest_orders	load_orders	clean_orders
ingest_orders	trigger_reporting	load_orders
legacy_marketing	wait_orders	
legacy_marketing	branch	wait_orders
legacy_marketing	full_refresh	branch
legacy_marketing	incremental	branch
legacy_marketing	join	full_refresh,incremental
legacy_marketing	notify	join
orders_reporting	wait_for_load	
orders_reporting	publish	daily_report,weekly_report
orders_reporting	pick_report	wait_for_load
orders_reporting	daily_report	pick_report
orders_reporting	weekly_report	pick_report
partner_feeds	ready	
partner_feeds	acme_feed.ping	ready
partner_feeds	acme_feed.list_batches	acme_feed.ping
partner_feeds	acme_feed.fetch	acme_feed.list_batches
partner_feeds	globex_feed.ping	ready
partner_feeds	globex_feed.list_batches	globex_feed.ping
partner_feeds	globex_feed.fetch	globex_feed.list_batches
partner_feeds	initech_feed.ping	ready
partner_feeds	initech_feed.list_batches	initech_feed.ping
partner_feeds	initech_feed.fetch	initech_feed.list_batches
partner_feeds	finish	acme_feed.fetch,globex_feed.fetch,initech_feed.fetch
EOF
}

@test "dagcheck: --dot draws one cluster per DAG with its edges" {
	run -0 dagcheck --dot $F/rules/dc106.py
	assert_output - <<'EOF'
digraph dagcheck {
  rankdir=LR;
  node [shape=box];
  subgraph "cluster_::twice" {
    label="twice";
    "twice::a" [label="a"];
    "twice::b" [label="b"];
    "twice::a" -> "twice::b";
  }
}
EOF
}

# ---- the Python front end -------------------------------------------------------

@test "dagcheck: tokens and AST of 3.8-3.13 syntax match the golden files" {
	run -0 dagcheck --dump-tokens $F/syntax/features.py
	assert_output "$(cat $F/syntax/features.tokens)"
	run -0 dagcheck --dump-ast $F/syntax/features.py
	assert_output "$(cat $F/syntax/features.ast)"
}

@test "dagcheck: deep nesting is a syntax error, not a crash" {
	awk 'BEGIN { s = "x = "; for (i = 0; i < 5000; i++) s = s "("; print s }' >$TMP/deep.py
	run -1 dagcheck $TMP/deep.py
	assert_output --partial "DC001 syntax error: too many nested parentheses"
	awk 'BEGIN { s = "x = "; for (i = 0; i < 190; i++) s = s "["; s = s "1"; for (i = 0; i < 190; i++) s = s "]"; print s }' >$TMP/deep2.py
	run -1 dagcheck $TMP/deep2.py
	assert_output --partial "too many nested expressions or blocks"
}

@test "dagcheck: random bytes never crash or hang the parser" {
	for i in 1 2 3 4 5 6 7 8; do
		head -c 4000 /dev/urandom >$TMP/r.py
		run dagcheck $TMP/r.py
		[ "$status" -le 1 ]
	done
}

# ---- formats ----------------------------------------------------------------------

@test "dagcheck: text format is file:line:col: CODE message" {
	run -1 dagcheck $F/rules/dc103.py
	assert_line --index 0 "$F/rules/dc103.py:6:10: DC103 dependency on 'b', which is not defined"
}

@test "dagcheck: github format writes workflow commands by severity" {
	run -1 dagcheck -o github $F/rules/dc102.py
	assert_line "::error file=$F/rules/dc102.py,line=6,col=14,title=DC102::duplicate task_id 'load' in DAG 'dups' (first defined at line 5)"
	assert_line "::notice file=$F/rules/dc102.py,line=5,col=5,title=DC110::variable 'first' holds the task with task_id 'load'"
}

@test "dagcheck: sarif 2.1.0 has the schema's required fields" {
	run -0 bash -c "dagcheck -o sarif $F/rules/dc102.py $F/rules/dc106.py | jq -e '
		.version == \"2.1.0\" and (.\"\$schema\" | test(\"sarif-2.1.0\")) and
		(.runs | length == 1) and .runs[0].tool.driver.name == \"dagcheck\" and
		(.runs[0].tool.driver.rules | map(.id) | index(\"DC101\") != null) and
		(.runs[0].results | length == 4) and
		all(.runs[0].results[]; .ruleId and (.level | IN(\"error\", \"warning\", \"note\")) and
		    .message.text and .locations[0].physicalLocation.artifactLocation.uri and
		    .locations[0].physicalLocation.region.startLine >= 1)'"
	assert_output "true"
}

@test "dagcheck: junit is well-formed with one test case per file" {
	dagcheck -o junit $F/rules/dc102.py $F/rules/ok.py >$TMP/j.xml || true
	if command -v xmllint >/dev/null; then
		run -0 xmllint --noout $TMP/j.xml
	fi
	run -0 grep -c '<testcase ' $TMP/j.xml
	assert_output 2
	run -0 grep -c '<failure ' $TMP/j.xml
	assert_output 1
}

@test "dagcheck: ndjson findings are one JSON object per line" {
	run -0 bash -c "dagcheck -o ndjson $F/rules/dc109.py | jq -c '[.code, .severity, .line, .column]'"
	assert_output - <<'EOF'
["DC109","error",7,5]
["DC109","error",8,5]
EOF
}

# ---- selection and exit status ----------------------------------------------------------

@test "dagcheck: --fail-on decides exit 1; warnings alone exit 0 by default" {
	run -0 dagcheck $F/rules/dc106.py
	run -1 dagcheck --fail-on warning $F/rules/dc106.py
	run -0 dagcheck --fail-on never $F/rules/dc101.py
}

@test "dagcheck: --select, --ignore and --severity" {
	run -0 dagcheck --ignore DC101 $F/rules/dc101.py
	assert_output ""
	run -0 dagcheck --select DC1 --ignore DC101 $F/rules/dc101.py
	run -1 dagcheck --severity DC110=error $F/rules/dc110.py
	run -0 bash -c "dagcheck -o ndjson --severity DC110=error $F/rules/dc110.py | jq -r .severity"
	assert_output "error"
}

@test "dagcheck: # noqa on the finding's line silences it" {
	sed 's/    c >> a/    c >> a  # noqa: DC101/' $F/rules/dc101.py >$TMP/n.py
	run -0 dagcheck $TMP/n.py
	assert_output ""
	sed 's/    c >> a/    c >> a  # noqa: DC106/' $F/rules/dc101.py >$TMP/n2.py
	run -1 dagcheck $TMP/n2.py
}

# ---- walking directories -------------------------------------------------------

@test "dagcheck: directories: only .py files mentioning airflow and dag; explicit files always" {
	mkdir -p $TMP/d/sub
	cp $F/rules/dc101.py $TMP/d/sub/
	printf 'import os\nx = (\n' >$TMP/d/helper.py
	printf 'x = 1\n' >$TMP/d/notes.txt
	run -1 dagcheck $TMP/d
	assert_output "$TMP/d/sub/dc101.py:9:5: DC101 cycle in task dependencies: a -> b -> c -> a"
	run -1 dagcheck $TMP/d/helper.py
	assert_output --partial "DC001"
}

@test "dagcheck: .airflowignore regexp patterns (default)" {
	mkdir -p $TMP/r/skipme $TMP/r/keep
	cp $F/rules/dc101.py $TMP/r/skipme/a.py
	cp $F/rules/dc101.py $TMP/r/keep/b_test.py
	cp $F/rules/dc101.py $TMP/r/keep/c.py
	printf 'skipme\n_test\\.py$  # comment\n' >$TMP/r/.airflowignore
	run -1 dagcheck $TMP/r
	assert_output "$TMP/r/keep/c.py:9:5: DC101 cycle in task dependencies: a -> b -> c -> a"
}

@test "dagcheck: .airflowignore glob patterns with --ignore-syntax glob" {
	mkdir -p $TMP/g/tmp $TMP/g/dags/old
	cp $F/rules/dc101.py $TMP/g/tmp/a.py
	cp $F/rules/dc101.py $TMP/g/dags/old/b.py
	cp $F/rules/dc101.py $TMP/g/dags/x_wip.py
	cp $F/rules/dc101.py $TMP/g/dags/keep_wip.py
	cp $F/rules/dc101.py $TMP/g/dags/c.py
	printf 'tmp/\n*_wip.py\n!keep_*\n' >$TMP/g/.airflowignore
	printf '/old\n' >$TMP/g/dags/.airflowignore
	run -1 dagcheck --select DC101 --ignore-syntax glob $TMP/g
	assert_output - <<EOF
$TMP/g/dags/c.py:9:5: DC101 cycle in task dependencies: a -> b -> c -> a
$TMP/g/dags/keep_wip.py:9:5: DC101 cycle in task dependencies: a -> b -> c -> a
EOF
}

@test "dagcheck: -v prints a summary on stderr, -q never" {
	run -1 --separate-stderr dagcheck -v $F/rules/dc101.py
	assert_equal "$stderr" "dagcheck: 1 files, 1 DAGs, 3 tasks, 1 findings (1 errors, 0 warnings, 0 info)"
	run -1 --separate-stderr dagcheck -q -v $F/rules/dc101.py
	assert_equal "$stderr" ""
}

@test "dagcheck: the man page's EXAMPLES run (dags/ is the realistic fixture repository)" {
	run -0 dagcheck -o github $F/repo
	assert_line --partial "::warning file=$F/repo/legacy_marketing.py,line=36,col=8,title=DC107::"
	run -1 dagcheck --select DC1 --fail-on warning $F/repo
	dagcheck --graph $F/cross/producer.py >$TMP/platform.ndjson
	run -1 dagcheck --known-dags $TMP/platform.ndjson --select DC2 $F/cross/consumer.py
	refute_output --partial "dag_id 'producer'"
	run -0 bash -c "dagcheck --graph $F/repo | jq -r '[.dag_id, .task_id, .retries] | @tsv' | head -2"
	assert_output - <<'EOF2'
ingest_orders	wait_for_export	2
ingest_orders	clean_orders	2
EOF2
	if command -v dot >/dev/null; then
		run -0 bash -c "dagcheck --dot $F/forms/with_dag.py | dot -Tsvg | grep -c '<g id=\"node'"
		assert_output 5
	fi
}
