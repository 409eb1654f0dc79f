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

@test "dagcheck: DC001 is the first error in the file, the parser's or the tokenizer's, whichever comes first" {
	printf 'x = = 1\ny = $\n' >$TMP/first1.py
	printf 'x = 1\n    if y:\n  pass\n' >$TMP/first2.py
	printf 'def f(:\n  x = "\n' >$TMP/first3.py
	run -1 dagcheck --no-config $TMP/first1.py $TMP/first2.py $TMP/first3.py
	assert_output - <<EOF
$TMP/first1.py:1:5: DC001 syntax error: invalid syntax
$TMP/first2.py:2:5: DC001 syntax error: unexpected indent
$TMP/first3.py:1:7: DC001 syntax error: invalid syntax
EOF
}

@test "dagcheck: DC001 for bytes that are no UTF-8, unless line 1 or 2 declares another encoding (PEP 263)" {
	printf 'x = 1\ny = "a\xffb"\n' >$TMP/nonutf8.py
	printf '# -*- coding: latin-1 -*-\ny = "a\xffb"\n' >$TMP/latin1.py
	printf '#!/usr/bin/env python\n# coding=utf-8\ny = "a\xffb"\n' >$TMP/claims.py
	run -1 dagcheck --no-config $TMP/nonutf8.py $TMP/latin1.py $TMP/claims.py
	assert_output - <<EOF
$TMP/nonutf8.py:2:7: DC001 syntax error: Non-UTF-8 code starting with '\\xff', but no encoding declared (PEP 263)
$TMP/claims.py:3:7: DC001 syntax error: 'utf-8' codec can't decode byte 0xff (the file declares UTF-8)
EOF
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

@test "dagcheck: DC001 for keywords used as names after a dot or in imports, and unparenthesised generator arguments, as CPython says it" {
	printf 'import a . b as c\nfrom .a.b import (c, d,)\nx = a.match\nf(x for x in y if x)\nf((x for x in y), 1)\n' >$TMP/ok.py
	run -0 dagcheck --no-config $TMP/ok.py
	assert_output ""
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		printf '%s\n' "$line" >$TMP/s$n.py
	done <<'EOF'
x = a.True
import a.if
from a.None import x
from a import x, True
from a import x,
from a import x,; y = 1
f(x for x in y, 1)
f(k=1, x for x in y)
f(x for x in y,)
class A(x for x in y): pass
EOF
	run -1 dagcheck --no-config $TMP/s{1..10}.py
	assert_output - <<EOF
$TMP/s1.py:1:7: DC001 syntax error: invalid syntax
$TMP/s2.py:1:10: DC001 syntax error: invalid syntax
$TMP/s3.py:1:8: DC001 syntax error: invalid syntax
$TMP/s4.py:1:18: DC001 syntax error: invalid syntax
$TMP/s5.py:1:17: DC001 syntax error: trailing comma not allowed without surrounding parentheses
$TMP/s6.py:1:17: DC001 syntax error: invalid syntax
$TMP/s7.py:1:3: DC001 syntax error: Generator expression must be parenthesized
$TMP/s8.py:1:8: DC001 syntax error: Generator expression must be parenthesized
$TMP/s9.py:1:3: DC001 syntax error: Generator expression must be parenthesized
$TMP/s10.py:1:11: DC001 syntax error: invalid syntax
EOF
}

@test "dagcheck: DC001 for a number with an underscore not between two digits, as CPython says it" {
	printf 'x = 0x_1 + 0o_7 + 0b_1 + 1_000.000_1e1_0j + 0_0 + 00.5\ny = [0x1for x in z] if 1in z else 1\n' >$TMP/numok.py
	run -0 dagcheck --no-config $TMP/numok.py
	assert_output ""
	n=0
	for lit in 1__0 1_ 0x__1 1_.5 1._5 1e_5 0b1_ 1_j 1e5_j 12abc 0o8; do
		n=$((n + 1))
		printf 'a = 1\nx = %s\n' "$lit" >$TMP/num$n.py
	done
	run -1 dagcheck --no-config $TMP/num{1..11}.py
	assert_output - <<EOF
$TMP/num1.py:2:6: DC001 syntax error: invalid decimal literal
$TMP/num2.py:2:6: DC001 syntax error: invalid decimal literal
$TMP/num3.py:2:7: DC001 syntax error: invalid hexadecimal literal
$TMP/num4.py:2:6: DC001 syntax error: invalid decimal literal
$TMP/num5.py:2:6: DC001 syntax error: invalid decimal literal
$TMP/num6.py:2:5: DC001 syntax error: invalid decimal literal
$TMP/num7.py:2:8: DC001 syntax error: invalid binary literal
$TMP/num8.py:2:6: DC001 syntax error: invalid decimal literal
$TMP/num9.py:2:8: DC001 syntax error: invalid decimal literal
$TMP/num10.py:2:6: DC001 syntax error: invalid decimal literal
$TMP/num11.py:2:7: DC001 syntax error: invalid digit '8' in octal literal
EOF
}

@test "dagcheck: DC001 for a bytes literal with a non-ASCII character, whatever its prefix or quotes" {
	printf 'x = b"caf\\xc3\\xa9" + rb"\\d" + b"\\\\xe9"\n' >$TMP/bytesok.py
	printf 'x = b"caf\xc3\xa9"\n' >$TMP/bytes1.py
	printf 'x = 1\ny = (Rb"\\d", br"\xe2\x82\xac")\n' >$TMP/bytes2.py
	printf 'x = b"""\nline\n\xc3\xa9"""\n' >$TMP/bytes3.py
	printf 'x = "\xc3\xa9" b"\xc3\xa9"\n' >$TMP/bytes4.py
	run -0 dagcheck --no-config $TMP/bytesok.py
	assert_output ""
	run -1 dagcheck --no-config $TMP/bytes1.py $TMP/bytes2.py $TMP/bytes3.py $TMP/bytes4.py
	assert_output - <<EOF
$TMP/bytes1.py:1:5: DC001 syntax error: bytes can only contain ASCII literal characters
$TMP/bytes2.py:2:14: DC001 syntax error: bytes can only contain ASCII literal characters
$TMP/bytes3.py:1:5: DC001 syntax error: bytes can only contain ASCII literal characters
$TMP/bytes4.py:1:9: DC001 syntax error: bytes can only contain ASCII literal characters
EOF
}

@test "dagcheck: DC001 for a character that cannot be in a name (PEP 3131); non-ASCII identifiers parse" {
	printf 'caf\xc3\xa9 = 1\n\xe6\x97\xa5\xe6\x9c\xac = 2\n_\xc3\xa9 = x\xc2\xb7y = \xe2\x84\x95 = caf\xc3\xa9 + \xe6\x97\xa5\xe6\x9c\xac\n' >$TMP/names.py
	printf '\xe2\x82\xac = 2\n' >$TMP/euro.py
	printf 'x = 1\ntotal\xe2\x82\xac = x\n' >$TMP/euro2.py
	printf 'x = 1\xe2\x82\xac\n' >$TMP/euro3.py
	printf 'x\xc2\xa0= 1\n' >$TMP/nbsp.py
	run -0 dagcheck --no-config $TMP/names.py
	assert_output ""
	run -1 dagcheck --no-config $TMP/euro.py $TMP/euro2.py $TMP/euro3.py $TMP/nbsp.py
	assert_output - <<EOF
$TMP/euro.py:1:1: DC001 syntax error: invalid character '€' (U+20AC)
$TMP/euro2.py:2:6: DC001 syntax error: invalid character '€' (U+20AC)
$TMP/euro3.py:1:6: DC001 syntax error: invalid character '€' (U+20AC)
$TMP/nbsp.py:1:2: DC001 syntax error: invalid non-printable character U+00A0
EOF
}

@test "dagcheck: comments and blanks after !r inside f-string fields (3.12) are no syntax error" {
	cat >$TMP/fcomment.py <<'EOF'
total = f"{ # the sum, it's
    a + b
}"
doc = f'''{ # a quote ' in the comment
    x * 2}'''
show = f"{a + b = # why
  }"
conv = f"{x!r  :>10} {y!s  }"
EOF
	run -0 dagcheck $TMP/fcomment.py
	assert_output ""
	printf 'x = f"{y # no newline}"\n' >$TMP/fbad.py
	printf 'x = f"{y!z}"\n' >$TMP/fconv.py
	run -1 dagcheck $TMP/fbad.py $TMP/fconv.py
	assert_output - <<EOF
$TMP/fbad.py:1:5: DC001 syntax error: f-string: expecting '}'
$TMP/fconv.py:1:8: DC001 syntax error: f-string: invalid conversion character 'z': expected 's', 'r', or 'a'
EOF
}

@test "dagcheck: '{{' in an f-string format spec opens a nested field (3.12), no syntax error" {
	cat >$TMP/fspec.py <<'EOF'
pad = f"{x:{{}}>10}"
quoted = f'{x:{{}}>10}'
table = f"{x:{{1: '>'}[1]}10} {{literal}}"
long = f"""{x:{{}}
>10}"""
EOF
	run -0 dagcheck --no-config $TMP/fspec.py
	assert_output ""
}

@test "dagcheck: match statements parse (PEP 634 patterns); match, case and _ stay plain names elsewhere" {
	cat >$TMP/match_ok.py <<'EOF'
import re
match = re.match(r"(\w+)", "a b")
case = match.group(1) if match else None
match(x)
match[x] = 1
match.x: int = 2
_ = [match, case]
match x, *rest:
    case [1, *_] | (2, 3,) | () | {"k": _, **kw} | Point(0, y=_) as p if p:
        pass
    case -1 | 1.5 - 2j | "s" "t" | b"b" | None | True | a.b.c | str() | {a.b: [c, (d)]}:
        pass
    case match, case, *_:
        pass
    case _:
        pass
EOF
	run -0 dagcheck --no-config $TMP/match_ok.py
	assert_output ""
}

@test "dagcheck: DC001 for a syntax error in a case pattern or body, where CPython 3.12 reports it" {
	printf 'match x:\n    case 1 + 1:\n        pass\n' >$TMP/m1.py
	printf 'match x:\n    case x as _:\n        pass\n' >$TMP/m2.py
	printf 'match x:\n    case C(a=1, b):\n        pass\n' >$TMP/m3.py
	printf 'match x:\n    case {**rest, "a": 1}:\n        pass\n' >$TMP/m4.py
	printf 'match x:\n    case a[1]:\n        pass\n' >$TMP/m5.py
	printf 'match x:\n    case 1\n        pass\n' >$TMP/m6.py
	printf 'match x:\n    case 1:\n    pass\n' >$TMP/m7.py
	printf 'match x:\n    pass\n' >$TMP/m8.py
	printf 'match x:\n    case 1:\n        t = Op(task_id="a")\n        t >> >> u\n' >$TMP/m9.py
	printf 'match x:\n    case 1:\n        y = = 1\n' >$TMP/m10.py
	printf 'match x\n' >$TMP/m11.py
	run -1 dagcheck --no-config $TMP/m{1..11}.py
	assert_output - <<EOF
$TMP/m1.py:2:14: DC001 syntax error: imaginary number required in complex literal
$TMP/m2.py:2:15: DC001 syntax error: cannot use '_' as a target
$TMP/m3.py:2:17: DC001 syntax error: positional patterns follow keyword patterns
$TMP/m4.py:2:19: DC001 syntax error: invalid syntax
$TMP/m5.py:2:11: DC001 syntax error: invalid syntax
$TMP/m6.py:2:11: DC001 syntax error: expected ':'
$TMP/m7.py:3:5: DC001 syntax error: expected an indented block after 'case' statement on line 2
$TMP/m8.py:2:5: DC001 syntax error: invalid syntax
$TMP/m9.py:4:14: DC001 syntax error: invalid syntax
$TMP/m10.py:3:13: DC001 syntax error: invalid syntax
$TMP/m11.py:1:8: DC001 syntax error: expected ':'
EOF
}

@test "dagcheck: --graph has the tasks and dependencies made in case bodies, and DAGs opened there" {
	run -0 bash -c "dagcheck --graph $F/forms/match.py | jq -r '[.dag_id, .task_id, (.upstream | join(\",\"))] | @tsv'"
	assert_output - <<'EOF'
by_env	start	
by_env	done	dry_run,load
by_env	load	start
by_env	dry_run	start
fallback	noop	
EOF
}

@test "dagcheck: rules see the code in case bodies (cycles, tasks outside a DAG, top-level work, secrets)" {
	cat >$TMP/match_rules.py <<'EOF'
import sys

import pendulum
from airflow import DAG
from airflow.models import Variable
from airflow.operators.bash import BashOperator

match sys.argv:
    case [_, "backfill", *rest]:
        cfg = Variable.get("backfill_cfg")
    case _:
        cfg = None

match cfg:
    case None:
        orphan = BashOperator(task_id="orphan", bash_command="true", retries=1)

with DAG("cyc", schedule=None, start_date=pendulum.datetime(2024, 1, 1), catchup=False) as dag:
    match cfg:
        case {"mode": "loop"}:
            a = BashOperator(task_id="a", bash_command="true", retries=1)
            b = BashOperator(task_id="b", bash_command="true", retries=1, password="hunter22")
            a >> b >> a
EOF
	run -1 dagcheck --no-config --select DC101,DC105,DC401,DC601 $TMP/match_rules.py
	assert_output - <<EOF
$TMP/match_rules.py:10:15: DC601 Variable.get('backfill_cfg') at module top level queries the metadata database every time Airflow parses the file (use '{{ var.value.backfill_cfg }}' in a template, or call it inside the task)
$TMP/match_rules.py:16:18: DC105 task 'orphan' (BashOperator) is created outside any DAG (no \`with DAG\`, dag= or @dag)
$TMP/match_rules.py:22:84: DC401 hard-coded credential in 'password': 'hu****22' (read it from a Connection, a Variable or a secrets backend)
$TMP/match_rules.py:23:13: DC101 cycle in task dependencies: a -> b -> a
EOF
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

@test "dagcheck: DC108 reads \w as Python does: non-ASCII letters and numbers pass; punctuation, spaces, emoji and combining marks do not" {
	run -1 dagcheck --no-config --select DC108 $F/rules/dc108_unicode.py
	assert_output - <<EOF
$F/rules/dc108_unicode.py:8:5: DC108 task_id 'customer’s_orders' has characters other than letters, digits, '_', '.' and '-'
$F/rules/dc108_unicode.py:9:5: DC108 task_id 'load—s3' has characters other than letters, digits, '_', '.' and '-'
$F/rules/dc108_unicode.py:10:5: DC108 task_id 'load s3' has characters other than letters, digits, '_', '.' and '-'
$F/rules/dc108_unicode.py:11:5: DC108 task_id 'rocket🚀' has characters other than letters, digits, '_', '.' and '-'
$F/rules/dc108_unicode.py:12:5: DC108 task_id 'été' has characters other than letters, digits, '_', '.' and '-'
EOF
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
	awk 'BEGIN { s = "x = "; for (i = 0; i < 5000; i++) s = s "-"; print s "1" }' >$TMP/deep2.py
	run -1 dagcheck $TMP/deep2.py
	assert_output --partial "too many nested expressions or blocks"
}

@test "dagcheck: brackets nested as deep as CPython 3.9+ allows are no syntax error" {
	awk 'BEGIN { s = "x = "; for (i = 0; i < 190; i++) s = s "["; s = s "1"; for (i = 0; i < 190; i++) s = s "]"; print s }' >$TMP/lists.py
	run -0 dagcheck $TMP/lists.py
	assert_output ""
	awk 'BEGIN { s = "x = "; for (i = 0; i < 60; i++) s = s "{\"k\": f("; s = s "1"; for (i = 0; i < 60; i++) s = s ")}"; print s }' >$TMP/dicts.py
	run -0 dagcheck $TMP/dicts.py
	assert_output ""
}

@test "dagcheck: a chain of 10000 links parses; a far longer one is DC001, not a crash" {
	awk 'BEGIN { printf "x = a"; for (i = 0; i < 10000; i++) printf " >> a"; print "" }' >$TMP/chain.py
	run -0 dagcheck --select DC001 $TMP/chain.py
	assert_output ""
	for link in ' + 1' '.b' '()' '[0]' ' >> a'; do
		awk -v l="$link" 'BEGIN { printf "y = 1\nx = a"; for (i = 0; i < 200000; i++) printf "%s", l; print "" }' >$TMP/long.py
		run -1 dagcheck $TMP/long.py
		assert_output "$TMP/long.py:2:1: DC001 syntax error: expression nested too deeply (over 12000 levels)"
	done
}

@test "dagcheck: a 10 MB DAG file (250000 tasks, names or groups) is linted in seconds, not minutes" {
	awk 'BEGIN { print "from airflow import DAG\nfrom airflow.operators.empty import EmptyOperator"
		print "with DAG(\"big\", schedule=None, catchup=False) as dag:"
		for (i = 0; i < 250000; i++) { printf "    t%d = EmptyOperator(task_id=\"t%d\")\n", i, i
			if (i) printf "    t%d >> t%d\n", i - 1, i
			if (i == 10) print "    t7 >> t8\n    t9 = EmptyOperator(task_id=\"t5\")" } }' >$TMP/tasks.py
	awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "v%d = %d\n", i, i }' >$TMP/names.py
	awk 'BEGIN { print "from airflow import DAG\nfrom airflow.operators.empty import EmptyOperator"
		print "from airflow.utils.task_group import TaskGroup"
		print "with DAG(\"groups\", schedule=None, catchup=False) as dag:"
		for (i = 0; i < 50000; i++) printf "    with TaskGroup(\"g%d\"):\n        EmptyOperator(task_id=\"t\")\n", i }' >$TMP/groups.py
	run -1 timeout 30 dagcheck $TMP/tasks.py $TMP/names.py $TMP/groups.py
	assert_output - <<EOF
$TMP/tasks.py:25:5: DC106 dependency t7 >> t8 declared twice (first at line 20)
$TMP/tasks.py:26:5: DC110 variable 't9' holds the task with task_id 't5'
$TMP/tasks.py:26:10: DC102 duplicate task_id 't5' in DAG 'big' (first defined at line 13)
EOF
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

# ---- part 2: reliability, security, templating, performance, Airflow 3 ----------------

@test "dagcheck: DC301 no retries at any level, retries=0; not with retries from a group or the DAG, nor EmptyOperator" {
	run -0 dagcheck --no-config --select DC301 tests/fixtures/dagcheck/rules/dc301.py
	assert_output - <<EOF
$F/rules/dc301.py:7:12: DC301 task 'bare' has no retries (neither the task, its groups nor the DAG's default_args set retries)
$F/rules/dc301.py:8:12: DC301 task 'zero' has retries=0
$F/rules/dc301.py:16:18: DC301 task 'turned_off' has retries=0
EOF
}

@test "dagcheck: DC302 sensor without timeout; not with timeout= as seconds or timedelta" {
	run -0 dagcheck --no-config --select DC302 tests/fixtures/dagcheck/rules/dc302.py
	assert_output - <<EOF
$F/rules/dc302.py:8:15: DC302 sensor 'forever' (FileSensor) has no timeout: it waits up to Airflow's default of 7 days
EOF
}

@test "dagcheck: DC303 poke mode with a timeout over an hour; not reschedule, deferrable or short waits" {
	run -0 dagcheck --no-config --select DC303 tests/fixtures/dagcheck/rules/dc303.py
	assert_output - <<EOF
$F/rules/dc303.py:8:17: DC303 sensor 'long_poke' waits up to 12h in poke mode, holding a worker slot all along (use mode="reschedule" or deferrable=True)
$F/rules/dc303.py:9:16: DC303 sensor 'explicit' waits up to 1d in poke mode, holding a worker slot all along (use mode="reschedule" or deferrable=True)
EOF
}

@test "dagcheck: DC304 now(), days_ago() and uuid4() at parse time, also through names and default_args; not in lambdas or fixed dates" {
	run -1 dagcheck --no-config --select DC304 tests/fixtures/dagcheck/rules/dc304.py
	assert_output - <<EOF
$F/rules/dc304.py:9:9: DC304 start_date is computed at parse time by now(), so it changes every time the file is parsed (use a fixed date such as pendulum.datetime(2024, 1, 1, tz="UTC"))
$F/rules/dc304.py:10:45: DC304 start_date is computed at parse time by days_ago(), so it changes every time the file is parsed (use a fixed date such as pendulum.datetime(2024, 1, 1, tz="UTC"))
$F/rules/dc304.py:14:39: DC304 task_id is computed at parse time by uuid4(), so it changes every time the file is parsed (compute it inside the task, or use a template such as {{ ts_nodash }})
EOF
}

@test "dagcheck: DC301 and the policy rules skip ExternalTaskMarker, an EmptyOperator that never runs" {
	cat >$TMP/marker.py <<'PY'
import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.sensors.external_task import ExternalTaskMarker

with DAG("upstream", schedule="@daily", catchup=False, start_date=pendulum.datetime(2024, 1, 1),
         default_args={"execution_timeout": 600}) as dag:
    load = BashOperator(task_id="load", bash_command="load.sh", retries=2, owner="data-eng")
    mark = ExternalTaskMarker(task_id="mark", external_dag_id="downstream", external_task_id="wait")
    plain = BashOperator(task_id="plain", bash_command="x", owner="data-eng")
    load >> mark
PY
	run -0 dagcheck --no-config --known-dags /dev/null --select DC3 --require owner,execution_timeout $TMP/marker.py
	assert_output "$TMP/marker.py:10:13: DC301 task 'plain' has no retries (neither the task, its groups nor the DAG's default_args set retries)"
}

@test "dagcheck: DC305 implicit catchup, also for @dag; not when catchup is given" {
	run -0 dagcheck --no-config --select DC305 tests/fixtures/dagcheck/rules/dc305.py
	assert_output - <<EOF
$F/rules/dc305.py:5:6: DC305 DAG 'implicit' leaves catchup implicit: Airflow 2 defaults to True, Airflow 3 to False (set catchup= explicitly)
$F/rules/dc305.py:13:1: DC305 DAG 'decorated' leaves catchup implicit: Airflow 2 defaults to True, Airflow 3 to False (set catchup= explicitly)
EOF
}

@test "dagcheck: DC305 not for schedules without time-based runs (None, @once, @continuous, datasets)" {
	run -0 dagcheck --no-config --select DC305 $F/rules/dc305_untimed.py
	assert_output "$F/rules/dc305_untimed.py:34:6: DC305 DAG 'cron' leaves catchup implicit: Airflow 2 defaults to True, Airflow 3 to False (set catchup= explicitly)"
}

@test "dagcheck: DC306 no schedule; not schedule=None or schedule_interval" {
	run -0 dagcheck --no-config --select DC306 tests/fixtures/dagcheck/rules/dc306.py
	assert_output - <<EOF
$F/rules/dc306.py:3:6: DC306 DAG 'unscheduled' gives no schedule: Airflow 2 runs it daily, Airflow 3 only when triggered (set schedule= explicitly)
EOF
}

@test "dagcheck: DC307-DC310 fire only with --require: per DAG when no task has it, else per task" {
	run -1 dagcheck --no-config --require owner,sla,execution_timeout,on_failure_callback tests/fixtures/dagcheck/rules/policy.py
	assert_output - <<EOF
$F/rules/policy.py:11:6: DC307 DAG 'no_policy': no task has owner other than the default "airflow" (set owner in default_args)
$F/rules/policy.py:11:6: DC308 DAG 'no_policy' has no SLA or deadline (set deadline= on the DAG in Airflow 3, sla= on a task in Airflow 2)
$F/rules/policy.py:11:6: DC309 DAG 'no_policy': no task has execution_timeout (set execution_timeout in default_args)
$F/rules/policy.py:11:6: DC310 DAG 'no_policy' has no on_failure_callback on the DAG or in its default_args
$F/rules/policy.py:15:6: DC310 DAG 'partial_policy' has no on_failure_callback on the DAG or in its default_args
$F/rules/policy.py:19:9: DC307 task 'd' has no owner other than the default "airflow" (set owner in default_args)
$F/rules/policy.py:19:9: DC309 task 'd' has no execution_timeout (set execution_timeout in default_args)
EOF
}

@test "dagcheck: DC311 unknown pool and pool_slots above the pool's slots (airflow pools export)" {
	run -1 dagcheck --no-config --select DC311 --pools tests/fixtures/dagcheck/rules/pools.json tests/fixtures/dagcheck/rules/dc311.py
	assert_output - <<EOF
$F/rules/dc311.py:6:15: DC311 task 'unknown' uses pool 'warehous', which is not in $F/rules/pools.json
$F/rules/dc311.py:7:15: DC311 task 'too_big' takes pool_slots=5 but pool 'api' has 2 slots: it can never run
EOF
}

@test "dagcheck: DC401 credentials by name in assignments, keywords, dicts, headers and os.environ; not templates or ids" {
	run -1 dagcheck --no-config --select DC401 tests/fixtures/dagcheck/rules/dc401.py
	assert_output - <<EOF
$F/rules/dc401.py:7:15: DC401 hard-coded credential in 'DB_PASSWORD': 'hu********od' (read it from a Connection, a Variable or a secrets backend)
$F/rules/dc401.py:10:31: DC401 hard-coded credential in 'SMTP_PASSWORD': 'm4*****s!' (read it from a Connection, a Variable or a secrets backend)
$F/rules/dc401.py:11:62: DC401 hard-coded credential in 'password': 's3**********rd' (read it from a Connection, a Variable or a secrets backend)
$F/rules/dc401.py:17:35: DC401 hard-coded credential in 'Authorization': 'Bearer ab************89' (read it from a Connection, a Variable or a secrets backend)
$F/rules/dc401.py:17:75: DC401 hard-coded credential in 'X-Api-Key': 'k-**********4a' (read it from a Connection, a Variable or a secrets backend)
EOF
}

@test "dagcheck: DC402 user:password@ in URIs; not placeholders, masks or URIs without a password" {
	run -1 dagcheck --no-config --select DC402 tests/fixtures/dagcheck/rules/dc402.py
	assert_output - <<EOF
$F/rules/dc402.py:4:9: DC402 credentials inside a URI: 'postgresql://etl_user:Wa**********ss@db.internal:5432' (keep them in an Airflow Connection)
$F/rules/dc402.py:11:54: DC402 credentials inside a URI: 'redshift://admin:R3*********1n@cluster:5439' (keep them in an Airflow Connection)
EOF
}

@test "dagcheck: DC403 AWS, GitHub, Slack tokens and private keys in strings and comments; not look-alikes" {
	run -1 dagcheck --no-config --select DC403 tests/fixtures/dagcheck/rules/dc403.py
	assert_output - <<EOF
$F/rules/dc403.py:4:22: DC403 AWS access key id in the source: 'AK****************LE' (revoke it and keep it in a secrets backend)
$F/rules/dc403.py:6:11: DC403 GitHub token in the source: 'gh****************45' (revoke it and keep it in a secrets backend)
$F/rules/dc403.py:7:17: DC403 private key in the source: '-----BEGIN OPENSSH PRIVATE KEY-----' (revoke it and keep it in a secrets backend)
$F/rules/dc403.py:11:16: DC403 Slack webhook URL in the source: 'https://hooks.slack.com/services/T0****************XX' (revoke it and keep it in a secrets backend)
$F/rules/dc403.py:14:56: DC403 Slack token in the source: 'xo****************Kl' (revoke it and keep it in a secrets backend)
EOF
}

@test "dagcheck: DC404 get_connection and hooks at module top level; not inside @task" {
	run -0 dagcheck --no-config --select DC404 tests/fixtures/dagcheck/rules/dc404.py
	assert_output - <<EOF
$F/rules/dc404.py:6:8: DC404 get_connection() at module top level runs every time Airflow parses the file (create connections and hooks inside the task)
$F/rules/dc404.py:7:8: DC404 PostgresHook() at module top level runs every time Airflow parses the file (create connections and hooks inside the task)
EOF
}

@test "dagcheck: DC501 unclosed delimiters, one-brace typos and unbalanced blocks; not JSON, raw blocks or comments" {
	run -1 dagcheck --no-config --select DC501 tests/fixtures/dagcheck/rules/dc501.py
	assert_output - <<EOF
$F/rules/dc501.py:6:62: DC501 '{{' is never closed by '}}'
$F/rules/dc501.py:7:64: DC501 '{ ds }}' opens with one brace: Jinja needs '{{'
$F/rules/dc501.py:15:13: DC501 '{% if %}' is never closed by '{% endif %}'
$F/rules/dc501.py:19:13: DC501 '{% endif %}' closes '{% for %}'
EOF
}

@test "dagcheck: DC502 unknown names, macros, var.* and filters; not context names, params, user_defined_macros" {
	run -0 dagcheck --no-config --select DC502 tests/fixtures/dagcheck/rules/dc502.py
	assert_output - <<EOF
$F/rules/dc502.py:12:54: DC502 template variable 'dss' is not in Airflow's context, params or user_defined_macros
$F/rules/dc502.py:12:54: DC502 unknown macro 'macros.ds_ad'
$F/rules/dc502.py:13:60: DC502 'var.values': Airflow's var has only var.value and var.json
$F/rules/dc502.py:14:66: DC502 unknown Jinja filter 'upercase'
$F/rules/dc502.py:24:91: DC502 template variable 'nope' is not in Airflow's context, params or user_defined_macros
EOF
}

@test "dagcheck: DC502 names bound by {% with a = ..., b = ... %} are the template's own" {
	cat >$TMP/with.py <<'PY'
import pendulum
from airflow import DAG
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

with DAG("with_tag", schedule=None, catchup=False, start_date=pendulum.datetime(2024, 1, 1)) as dag:
    SQLExecuteQueryOperator(
        task_id="load",
        conn_id="dw",
        sql="{% with day = ds, tbl = params.get('table', 'x'), n = dict(b=1) %}"
            "INSERT INTO {{ tbl }} SELECT {{ n }} WHERE ds = '{{ day }}' AND k = {{ b }}{% endwith %}",
    )
PY
	run -0 dagcheck --no-config --select DC5 $TMP/with.py
	assert_output "$TMP/with.py:9:13: DC502 template variable 'b' is not in Airflow's context, params or user_defined_macros"
}

@test "dagcheck: DC601-DC603 Variable.get, requests, open and pandas at import time (also in a factory); not in @task or __main__" {
	run -0 dagcheck --no-config --select DC6 tests/fixtures/dagcheck/rules/dc6xx.py
	assert_output - <<EOF
$F/rules/dc6xx.py:3:1: DC603 'pandas' imported at module top level slows every parse of the file (import it inside the task that uses it)
$F/rules/dc6xx.py:10:7: DC601 Variable.get('environment') at module top level queries the metadata database every time Airflow parses the file (use '{{ var.value.environment }}' in a template, or call it inside the task)
$F/rules/dc6xx.py:11:10: DC602 requests.get() at module top level makes a network request every time Airflow parses the file (move it into a task)
$F/rules/dc6xx.py:12:6: DC602 open() at module top level reads a file every time Airflow parses the file (move it into a task)
$F/rules/dc6xx.py:18:62: DC601 Variable.get at module top level queries the metadata database every time Airflow parses the file (use a template, or call it inside the task)
EOF
}

@test "dagcheck: DC701-DC708 with --target-version 3" {
	run -1 dagcheck --no-config --select DC7 --target-version 3 tests/fixtures/dagcheck/rules/dc7xx.py
	assert_output - <<EOF
$F/rules/dc7xx.py:4:52: DC705 'airflow.contrib.operators.ssh_operator' is removed in Airflow 3 (import from the provider packages)
$F/rules/dc7xx.py:5:45: DC705 'airflow.operators.bash_operator' (an Airflow 1.10 module) is removed in Airflow 3
$F/rules/dc7xx.py:6:37: DC705 'airflow.operators.dummy' moved in Airflow 3: import from airflow.providers.standard.operators.empty (EmptyOperator)
$F/rules/dc7xx.py:7:38: DC705 'airflow.operators.python' moved in Airflow 3: import from airflow.providers.standard.operators.python
$F/rules/dc7xx.py:8:38: DC705 'airflow.operators.subdag' is removed in Airflow 3
$F/rules/dc7xx.py:9:46: DC705 'airflow.operators.trigger_dagrun' moved in Airflow 3: import from airflow.providers.standard.operators.trigger_dagrun
$F/rules/dc7xx.py:13:31: DC707 'provide_context' is removed in Airflow 3 (the context is passed to **kwargs as is) (in default_args)
$F/rules/dc7xx.py:13:56: DC706 'sla' is ignored by Airflow 3 (use deadline alerts: DAG(deadline=...)) (in default_args)
$F/rules/dc7xx.py:15:20: DC701 'schedule_interval' is removed in Airflow 3 (use schedule=)
$F/rules/dc7xx.py:15:59: DC704 days_ago() is removed in Airflow 3 (use a fixed date: pendulum.datetime(2024, 1, 1, tz="UTC"))
$F/rules/dc7xx.py:16:10: DC707 DAG argument 'concurrency' is 'max_active_tasks' in Airflow 3
$F/rules/dc7xx.py:16:25: DC706 'sla_miss_callback' is ignored by Airflow 3 (use deadline alerts: DAG(deadline=...))
$F/rules/dc7xx.py:17:13: DC702 DummyOperator is removed in Airflow 3 (use EmptyOperator)
$F/rules/dc7xx.py:18:11: DC703 SubDagOperator is removed in Airflow 3 (use a TaskGroup, or a separate DAG triggered with TriggerDagRunOperator)
$F/rules/dc7xx.py:19:62: DC707 'provide_context' is removed in Airflow 3 (the context is passed to **kwargs as is)
$F/rules/dc7xx.py:20:25: DC707 'task_concurrency' is 'max_active_tis_per_dag' in Airflow 3
$F/rules/dc7xx.py:20:58: DC708 'none_failed_or_skipped' trigger rule is removed in Airflow 3 (use 'none_failed_min_one_success')
$F/rules/dc7xx.py:21:84: DC708 'dummy' trigger rule is removed in Airflow 3 (use 'always')
$F/rules/dc7xx.py:22:75: DC707 'execution_date=' is 'logical_date=' in Airflow 3
EOF
}

@test "dagcheck: DC503 fires for files importing airflow.sdk; --target-version 2 turns it off" {
	run -0 dagcheck --no-config --select DC5 $F/rules/dc503.py
	assert_output - <<EOF
$F/rules/dc503.py:5:52: DC503 template variable 'execution_date' was removed in Airflow 3 (use logical_date or data_interval_start)
$F/rules/dc503.py:5:52: DC503 template variable 'next_ds' was removed in Airflow 3 (use {{ data_interval_end | ds }})
$F/rules/dc503.py:5:52: DC503 template variable 'yesterday_ds' was removed in Airflow 3 (use {{ macros.ds_add(ds, -1) }})
EOF
	run -0 dagcheck --no-config --select DC5 --target-version 2 $F/rules/dc503.py
	assert_output ""
}

@test "dagcheck: the Airflow 3 rules stay off for Airflow 2 files unless --target-version 3" {
	run -0 dagcheck --no-config --select DC7,DC503 $F/rules/dc7xx.py $F/corpus/marketing_legacy_110.py
	assert_output ""
	run -0 dagcheck --no-config --target-version 3 --select DC503 $F/corpus/marketing_legacy_110.py
	assert_output "$F/corpus/marketing_legacy_110.py:46:18: DC503 template variable 'prev_ds' was removed in Airflow 3 (use prev_data_interval_start_success)"
}

@test "dagcheck: the policy rules are silent without --require" {
	run -0 dagcheck --no-config --select DC307,DC308,DC309,DC310 $F/rules/policy.py
	assert_output ""
}

@test "dagcheck: --require retries makes DC301 an error; --severity still has the last word" {
	run -0 dagcheck --no-config --select DC301 $F/rules/dc301.py
	run -0 bash -c "dagcheck --no-config --select DC301 --require retries -o ndjson $F/rules/dc301.py | jq -r .severity | sort -u"
	assert_output "error"
	run -1 dagcheck --no-config --select DC301 --require retries $F/rules/dc301.py
	run -0 dagcheck --no-config --select DC301 --require retries --severity DC301=warning $F/rules/dc301.py
	run -2 dagcheck --no-config --require owners $F/rules/dc301.py
	assert_output --partial "unknown --require item 'owners'"
}

@test "dagcheck: --pools reads the REST API's pool list like airflow pools export" {
	run -1 dagcheck --no-config --select DC311 --pools $F/rules/pools.json $F/rules/dc311.py
	expected=$output
	run -1 dagcheck --no-config --select DC311 --pools $F/rules/pools-rest.json $F/rules/dc311.py
	assert_output "${expected//pools.json/pools-rest.json}"
	run -0 dagcheck --no-config --select DC311 $F/rules/dc311.py
	assert_output ""
	printf '[1, 2]' >$TMP/bad.json
	run -2 dagcheck --no-config --pools $TMP/bad.json $F/rules/dc311.py
	assert_output --partial "a pool without a \"name\""
	run -2 dagcheck --no-config --pools $TMP/missing.json $F/rules/dc311.py
	assert_output --partial "cannot read '$TMP/missing.json'"
}

@test "dagcheck: secrets never appear unredacted, in any format" {
	secrets=(hunter2-prod 'm41lp4ss!' s3cr3tpassw0rd abcdef0123456789 k-9f8e7d6c5b4a 'Wareh0use!Pass'
		R3dsh1ftAdm1n AKIAIOSFODNN7EXAMPLE ghp_0123456789abcdefghijABCDEFGHIJ012345
		xoxb-1234567890-0987654321-AbCdEfGhIjKl XXXXXXXXXXXXXXXXXXXXXXXX b3BlbnNzaC1rZXktdjEAAAAABG5vbmUA
		Sup3rS3cretLoad wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY dbtc_8s7d6f5g4h3j2k1l q9R8s7T6u5V4w3X2
		AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY aBcDeFgHiJkLmNoPqRsTuVwX)
	files="$F/rules/dc401.py $F/rules/dc402.py $F/rules/dc403.py $F/corpus"
	for fmt in text ndjson github sarif junit; do
		dagcheck --no-config -o $fmt $files >$TMP/out.$fmt 2>&1 || true
	done
	dagcheck --no-config --statistics $files >$TMP/out.stats 2>&1 || true
	dagcheck --no-config --graph $files >$TMP/out.graph 2>&1 || true
	dagcheck --no-config --dot $files >$TMP/out.dot 2>&1 || true
	for s in "${secrets[@]}"; do
		run grep -lF -- "$s" $TMP/out.text $TMP/out.ndjson $TMP/out.github $TMP/out.sarif $TMP/out.junit \
			$TMP/out.stats $TMP/out.graph $TMP/out.dot
		assert_output ""
	done
	# the findings are there, redacted: first two and last two characters
	for fmt in text ndjson github sarif junit; do
		run grep -c "s3\*\*\*\*\*\*\*\*\*\*rd" $TMP/out.$fmt
		assert_output 1
	done
	run grep -c "DC40[123]" $TMP/out.text
	assert_output 20
}

@test "dagcheck: short secrets are all stars" {
	printf 'from airflow import DAG\nDB_PASSWORD = "abc123"\n' >$TMP/short.py
	run -1 dagcheck --no-config --select DC401 $TMP/short.py
	assert_output "$TMP/short.py:2:15: DC401 hard-coded credential in 'DB_PASSWORD': '******' (read it from a Connection, a Variable or a secrets backend)"
}

@test "dagcheck: # noqa alone silences every code; # noqa: A,B only those" {
	printf 'from airflow import DAG\nwith DAG("n") as dag:  # noqa\n    pass\nwith DAG("m") as d2:  # noqa: DC305\n    pass\nwith DAG("o") as d3:  # noqa: DC301,DC306\n    pass\n' >$TMP/noqa.py
	run -0 dagcheck --no-config --select DC305,DC306 $TMP/noqa.py
	assert_output - <<EOF
$TMP/noqa.py:4:6: DC306 DAG 'm' gives no schedule: Airflow 2 runs it daily, Airflow 3 only when triggered (set schedule= explicitly)
$TMP/noqa.py:6:6: DC305 DAG 'o' leaves catchup implicit: Airflow 2 defaults to True, Airflow 3 to False (set catchup= explicitly)
EOF
}

@test "dagcheck: a noqa on a multi-line string's last line covers the lines inside it" {
	sed '20s/""",$/""",  # noqa: DC501/' $F/rules/dc501.py >$TMP/ml.py
	run -1 dagcheck --no-config --select DC501 $TMP/ml.py
	assert_output - <<EOF
$TMP/ml.py:6:62: DC501 '{{' is never closed by '}}'
$TMP/ml.py:7:64: DC501 '{ ds }}' opens with one brace: Jinja needs '{{'
EOF
}

@test "dagcheck: --select and --ignore take prefixes; --severity takes codes and prefixes" {
	run -1 dagcheck --no-config --select DC3 $F/rules/dc304.py
	assert_output --partial "DC304"
	run -0 dagcheck --no-config --select DC3 --ignore DC304 $F/rules/dc304.py
	assert_output ""
	# as in ruff: ALL is every rule, and the more specific of --select and
	# --ignore wins, --ignore on a tie
	run -1 dagcheck --no-config --select DC304 --ignore DC3 $F/rules/dc304.py
	assert_output --partial "DC304"
	run -1 dagcheck --no-config --select ALL $F/rules/dc304.py
	assert_output --partial "DC304"
	run -0 dagcheck --no-config --select ALL --ignore DC3 $F/rules/dc304.py
	assert_output ""
	run -0 dagcheck --no-config --select DC3 --ignore DC3 $F/rules/dc304.py
	assert_output ""
	run -0 dagcheck --no-config --ignore ALL $F/rules/dc304.py
	assert_output ""
	run -0 bash -c "dagcheck --no-config --select DC40 --severity DC4=warning -o ndjson $F/rules/dc401.py | jq -r '[.code, .severity] | @tsv' | sort -u"
	assert_output "DC401	warning"
	run -2 dagcheck --no-config --severity DC401=fatal $F/rules/dc401.py
	# a code or prefix that names no rule is a typo, not "select nothing"
	run -2 --separate-stderr dagcheck --no-config --select DC3,DC999 $F/rules/dc304.py
	[ "${stderr_lines[0]}" = "dagcheck: --select: no rule code is or starts with 'DC999' (DC001..DC708)" ]
	run -2 --separate-stderr dagcheck --no-config --ignore XX $F/rules/dc304.py
	[ "${stderr_lines[0]}" = "dagcheck: --ignore: no rule code is or starts with 'XX' (DC001..DC708)" ]
	run -2 --separate-stderr dagcheck --no-config --severity DC8=info $F/rules/dc304.py
	[ "${stderr_lines[0]}" = "dagcheck: --severity: no rule code is or starts with 'DC8' (DC001..DC708)" ]
	mkdir -p $TMP/typo
	cp $F/rules/dc304.py $TMP/typo/
	printf '[tool.dagcheck]\nignore = ["DC30", "D C1"]\n' >$TMP/typo/pyproject.toml
	run -2 --separate-stderr dagcheck $TMP/typo
	[ "$stderr" = "dagcheck: $TMP/typo/pyproject.toml: no rule code is or starts with 'D C1' (DC001..DC708)" ]
}

@test "dagcheck: settings from [tool.dagcheck] in a pyproject.toml above the first path" {
	mkdir -p $TMP/proj/dags/team
	cp $F/rules/dc301.py $F/rules/dc304.py $TMP/proj/dags/team/
	cp $F/fixtures-pyproject.toml $TMP/proj/pyproject.toml
	run -1 dagcheck $TMP/proj/dags
	run -0 bash -c "dagcheck -o ndjson $TMP/proj/dags | jq -r '[.code, .severity] | @tsv' | sort -u"
	assert_output "DC301	error"
	# the command line wins over the file, key by key
	run -0 bash -c "dagcheck -o ndjson --select DC304 $TMP/proj/dags/team | jq -r .code | sort -u"
	assert_output "DC304"
	run -0 bash -c "dagcheck -o ndjson --require owner $TMP/proj/dags | jq -r '[.code, .severity] | @tsv' | sort -u"
	assert_output - <<'EOF'
DC301	warning
DC307	error
EOF
	run -1 dagcheck --no-config --select DC304 $TMP/proj/dags
}

@test "dagcheck: .dagcheck.toml wins over pyproject.toml in the same directory; --config names one" {
	mkdir -p $TMP/p2/dags
	cp $F/rules/dc305.py $TMP/p2/dags/
	printf '[tool.dagcheck]\nselect = ["DC306"]\n' >$TMP/p2/pyproject.toml
	printf 'select = "DC305"\nfail-on = "warning"\n' >$TMP/p2/.dagcheck.toml
	run -1 dagcheck $TMP/p2/dags
	assert_line --index 0 --partial "DC305 DAG 'implicit'"
	printf 'select = ["DC2"]\n' >$TMP/other.toml
	run -0 dagcheck --config $TMP/other.toml $TMP/p2/dags
	assert_output ""
}

@test "dagcheck: a malformed or unknown setting is exit 2 with file:line" {
	mkdir -p $TMP/p3
	cp $F/rules/dc305.py $TMP/p3/
	printf '# settings\nselect = ["DC3"\nignore = []\n' >$TMP/p3/.dagcheck.toml
	run -2 dagcheck $TMP/p3
	assert_output "dagcheck: $TMP/p3/.dagcheck.toml:3: expected ',' or ']' in an array"
	printf 'select = ["DC3"]\n\nfail_on = "sometimes"\n' >$TMP/p3/.dagcheck.toml
	run -2 dagcheck $TMP/p3
	assert_output "dagcheck: $TMP/p3/.dagcheck.toml:3: fail-on is \"error\", \"warning\", \"info\" or \"never\""
	printf '[tool.dagcheck]\nselekt = ["DC3"]\n' >$TMP/p3/pyproject.toml
	rm $TMP/p3/.dagcheck.toml
	run -2 dagcheck $TMP/p3
	assert_output "dagcheck: $TMP/p3/pyproject.toml:2: unknown setting 'selekt'"
	printf '[tool.dagcheck]\ntarget-version = 4\n' >$TMP/p3/pyproject.toml
	run -2 dagcheck $TMP/p3
	assert_output "dagcheck: $TMP/p3/pyproject.toml:2: target-version is 2 or 3"
	printf '[tool.dagcheck]\nselect = DC3\n' >$TMP/p3/pyproject.toml
	run -2 dagcheck $TMP/p3
	assert_output "dagcheck: $TMP/p3/pyproject.toml:2: expected a value (strings need quotes)"
	run -0 dagcheck --no-config --select DC2 $TMP/p3
}

@test "dagcheck: --statistics counts findings per code, largest first" {
	run -1 dagcheck --no-config --statistics $F/rules/dc301.py $F/rules/dc304.py $F/rules/dc401.py
	assert_output - <<'EOF'
5	DC401	[error] hard-coded credential in a keyword or dict value
3	DC301	[warning] task with no retries
3	DC304	[error] start_date or other DAG/task arguments computed at parse time
EOF
	run -0 bash -c "dagcheck --no-config --statistics -o ndjson $F/rules/dc304.py | jq -c ."
	assert_output '{"code":"DC304","name":"parse-time-value","severity":"error","count":3}'
	run -2 dagcheck --no-config --statistics -o sarif $F/rules/dc304.py
}

@test "dagcheck: the corpus of team DAG files matches its expected findings" {
	[ "$(ls $F/corpus/*.py | wc -l)" -ge 30 ]
	run -1 dagcheck --no-config $F/corpus
	assert_output "$(cat $F/corpus.expected)"
	run -1 dagcheck --no-config --target-version 3 --require owner,sla,retries,execution_timeout,on_failure_callback \
		--pools $F/rules/pools.json $F/corpus
	assert_output "$(cat $F/corpus-strict.expected)"
}

@test "dagcheck: clean DAG files of the corpus have no findings at all" {
	run -0 dagcheck --no-config $F/corpus/email_alerts_clean.py $F/corpus/clean_sdk3.py $F/corpus/noqa_reviewed.py
	assert_output ""
}

@test "dagcheck: .pre-commit-hooks.yaml runs dagcheck on Python files" {
	run -0 python3 -c "
import yaml
hooks = yaml.safe_load(open('.pre-commit-hooks.yaml'))
h = [x for x in hooks if x['id'] == 'dagcheck'][0]
assert h['entry'] == 'dagcheck' and h['types'] == ['python'] and h['pass_filenames'] is False, h
print('ok')"
	assert_output "ok"
}

@test "dagcheck: the man page's part-2 EXAMPLES run (migration, policy with pools, statistics)" {
	run -0 dagcheck --no-config --target-version 3 --select DC5,DC7 $F/repo
	assert_line --partial "DC705 'airflow.operators.python_operator' (an Airflow 1.10 module) is removed in Airflow 3"
	run -1 dagcheck --no-config --require owner,retries,execution_timeout --pools $F/rules/pools.json $F/repo
	assert_line --partial "DC309"
	run -0 dagcheck --no-config --statistics $F/repo
	assert_line --regexp '^1	DC303	\[warning\] '
}

@test "dagcheck: a module whose evaluation runs out of steps says so on stderr (not silently unchecked)" {
	printf 'from airflow import DAG\nfor a in range(3000):\n    for b in range(3000):\n        x = a\n' >$TMP/loop.py
	run -0 --separate-stderr dagcheck --no-config $TMP/loop.py
	[ "$stderr" = "dagcheck: $TMP/loop.py: evaluation stopped after 20000000 steps (a very large or looping module): findings past that point may be missing" ]
	run -0 --separate-stderr dagcheck --no-config -q $TMP/loop.py
	[ -z "$stderr" ]
}

@test "dagcheck: integer arithmetic past 64 bits is unknown, not a crash (LLONG_MIN // -1 trapped)" {
	cat >"$T/ovf.py" <<'EOF'
from airflow import DAG
from airflow.operators.bash import BashOperator

b = -922337203685477580 * 10 - 8
big = [b * 3, b - 1, -b, b // -1, b % -1, 1333333166666 * 333333166666]
r = list(range(0, 10, 922337203685477580 * 10))
e = list(enumerate([1, 2], 922337203685477580 * 10 + 7))
with DAG(dag_id=f"d{7 % -3}{-7 // 2}{b % -1}{len(r)}", schedule=None, catchup=False) as dag:
    BashOperator(task_id="t", bash_command="x", retries=1)
EOF
	run -0 dagcheck --graph "$T/ovf.py"
	# Python's floor division and modulo signs; b % -1 is 0; range() stops past 64 bits
	assert_output '{"dag_id":"d-2-401","task_id":"t","operator":"BashOperator","upstream":[],"file":"'"$T"'/ovf.py","line":9,"retries":1}'
}
