#!/usr/bin/env bash
# test_lance_cli.sh — `clipdex tables`, `show` and `search` end to end on the LanceDB 0.31
# fixtures: output equals expected.json and the row formulas (show --json float32-exact), --limit,
# --version time travel, search hits equal an exact float64 top-k (deleted rows never returned),
# and errors (missing table, bad version, wrong query size, bad options) exit 1 or 2 with a message.
set -euo pipefail
: "${CLIPDEX:?}" "${CDX_FIXTURES:?}" "${CDX_PYTHON:?}" "${CDX_SOURCE:?}"
db=$CDX_FIXTURES/lancedb-0.31/db
exp=$CDX_FIXTURES/lancedb-0.31/expected.json
check="$CDX_PYTHON $CDX_SOURCE/tests/cli/lance_cli_check.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

absent() { # pattern file — the file must not contain the pattern
  if grep -q -- "$1" "$2"; then echo "FAIL: $2 contains $1"; exit 1; fi
}

expect_fail() { # status pattern command... — the command exits with status, stderr matches
  local want=$1 pattern=$2; shift 2
  set +e
  "$@" > "$tmp/out" 2> "$tmp/err"
  local got=$?
  set -e
  if [ "$got" != "$want" ] || ! grep -q -- "$pattern" "$tmp/err"; then
    echo "FAIL: '$*' exited $got (want $want), stderr: $(cat "$tmp/err")"; exit 1
  fi
}

# tables
"$CLIPDEX" tables --db "$db" --json > "$tmp/tables.jsonl"
$check tables "$exp" "$tmp/tables.jsonl"
"$CLIPDEX" tables --db "$db" | grep -Eq '^t8_v21_multi +135 +3$'

# show: every table as LanceDB read it
for t in $("$CDX_PYTHON" -c "import json,sys; print(' '.join(json.load(open(sys.argv[1]))))" "$exp"); do
  "$CLIPDEX" show --db "$db" --table "$t" --json > "$tmp/$t.jsonl"
  $check rows "$exp" "$t" "$tmp/$t.jsonl"
done
$check formula "$tmp/t8_v21.jsonl" 8
$check formula "$tmp/t768_v21.jsonl" 768
$check formula "$tmp/t768_v20.jsonl" 768
$check formula "$tmp/t8_v21_multi.jsonl" 8
grep -q '"file_name":null' "$tmp/t8_nulls_v21.jsonl"
grep -q '"vector":null' "$tmp/t8_nulls_v21.jsonl"
[ "$("$CLIPDEX" show --db "$db" --table t8_v21 --limit 7 --json | wc -l)" = 7 ]
[ "$("$CLIPDEX" show --db "$db" --table t8_v21 --limit 0 --json | wc -l)" = 0 ]
[ "$("$CLIPDEX" show --db "$db" --table t8_v21 --limit 3 | wc -l)" = 4 ] # header + 3
"$CLIPDEX" show --db "$db" --table t8_v21 --limit 1 | grep -q '^file_id	file_name	vector$'

# time travel: t8_v21_multi v1 = rows 0..99, v2 = + 100..149, v3 = minus file_id % 10 = 3
for v in 1 2 3; do "$CLIPDEX" show --db "$db" --table t8_v21_multi --version $v --json > "$tmp/v$v.jsonl"; done
[ "$(wc -l < "$tmp/v1.jsonl")" = 100 ]
[ "$(wc -l < "$tmp/v2.jsonl")" = 150 ]
[ "$(wc -l < "$tmp/v3.jsonl")" = 135 ]
$check formula "$tmp/v2.jsonl" 8
absent '"file_id":13,' "$tmp/v3.jsonl"
grep -q '"file_id":13,' "$tmp/v2.jsonl"

# search: query = row 3's vector (deleted at v3), every metric
"$CDX_PYTHON" -c "import numpy as np,sys; np.float32(3 + np.arange(8)/1000.0).tofile(sys.argv[1])" "$tmp/q8.f32"
for metric in l2 cosine dot; do
  "$CLIPDEX" search --db "$db" --table t8_v21_multi --vector-file "$tmp/q8.f32" --metric $metric -k 12 --json > "$tmp/hits.jsonl"
  $check search "$tmp/v3.jsonl" "$tmp/hits.jsonl" "$tmp/q8.f32" $metric 12
  absent '"file_id":3,' "$tmp/hits.jsonl"
done
"$CLIPDEX" search --db "$db" --table t8_v21_multi --vector-file "$tmp/q8.f32" --metric l2 -k 2 > "$tmp/hits.txt"
head -1 "$tmp/hits.txt" | grep -q '^rank	_distance	file_id	file_name$'
grep -Eq '^1	[0-9.]+	(2|4)	img_(2|4).png$' "$tmp/hits.txt"
"$CDX_PYTHON" -c "import numpy as np,sys; v=np.float32(5 + np.arange(768)/1000.0); v[0]=-2; v.tofile(sys.argv[1])" "$tmp/q768.f32"
"$CLIPDEX" search --db "$db" --table t768_v21 --vector-file "$tmp/q768.f32" -k 20 --json > "$tmp/hits.jsonl"
$check search "$tmp/t768_v21.jsonl" "$tmp/hits.jsonl" "$tmp/q768.f32" cosine 20

# errors and exit codes
for cmd in tables show search; do "$CLIPDEX" $cmd --help | grep -q "usage: clipdex $cmd"; done
expect_fail 1 "nope" "$CLIPDEX" show --db "$db" --table nope
expect_fail 1 "nope" "$CLIPDEX" search --db "$db" --table nope --vector-file "$tmp/q8.f32"
expect_fail 1 "99" "$CLIPDEX" show --db "$db" --table t8_v21 --version 99
expect_fail 2 "version" "$CLIPDEX" show --db "$db" --table t8_v21 --version abc
expect_fail 2 "version" "$CLIPDEX" show --db "$db" --table t8_v21 --version 0
expect_fail 1 "q8.f32: query must be 3072 bytes" "$CLIPDEX" search --db "$db" --table t768_v21 --vector-file "$tmp/q8.f32"
head -c 31 "$tmp/q8.f32" > "$tmp/short.f32"
expect_fail 1 "short.f32: query must be 32 bytes" "$CLIPDEX" search --db "$db" --table t8_v21 --vector-file "$tmp/short.f32"
expect_fail 1 "missing.f32" "$CLIPDEX" search --db "$db" --table t8_v21 --vector-file "$tmp/missing.f32"
expect_fail 1 "no vector column" "$CLIPDEX" search --db "$db" --table enc_ints_v21 --vector-file "$tmp/q8.f32"
expect_fail 2 "metric" "$CLIPDEX" search --db "$db" --table t8_v21 --vector-file "$tmp/q8.f32" --metric hamming
expect_fail 2 "required" "$CLIPDEX" search --db "$db" --table t8_v21
expect_fail 2 "required" "$CLIPDEX" show --table t8_v21
expect_fail 2 "unexpected" "$CLIPDEX" tables --db "$db" --bogus
expect_fail 1 "$tmp/nodb" "$CLIPDEX" tables --db "$tmp/nodb"
echo "lance CLI ok"
