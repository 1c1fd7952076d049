#!/usr/bin/env bash
# test_import.sh — `clipdex import` end to end: create/append/overwrite, exit codes 0/1/2, errors
# naming the line (and column), nothing committed after a failing line (same version and rows,
# no data files or staging directories left, no table at all in create mode), int64 beyond 2^53
# and float32 vectors round-trip exactly through `show --json`, nulls and missing keys.
set -euo pipefail
: "${CLIPDEX:?}" "${CDX_PYTHON:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/db

expect_fail() { # status pattern stdin-file command... — exit status and stderr pattern
  local want=$1 pattern=$2 input=$3; shift 3
  set +e
  "$@" < "$input" > "$tmp/out" 2> "$tmp/err"
  local got=$?
  set -e
  if [ "$got" != "$want" ] || ! grep -q -- "$pattern" "$tmp/err"; then
    echo "FAIL: '$*' < $input exited $got (want $want), stderr: $(cat "$tmp/err")"; exit 1
  fi
}
state() { "$CLIPDEX" tables --db "$db" --json; ls "$db/t.lance/data" | wc -l; ls -A "$db"; }
imp() { "$CLIPDEX" import --db "$db" "$@"; }

# create: int64 beyond 2^53 and at the int64 limits, floats, utf8 with escapes, vectors, nulls,
# missing keys, a blank line and CRLF endings.
printf '%s\r\n' \
  '{"id":9007199254740993,"name":"caf\u00e9 \ud83d\ude00","score":0.1,"vec":[0.1,-2.5,3e-8]}' \
  '' \
  '{"id":-9223372036854775808,"name":null,"vec":[1,16777217,-0.0]}' \
  '{"id":9223372036854775807,"score":2,"vec":null}' > "$tmp/a.jsonl"
imp --table t < "$tmp/a.jsonl"
"$CLIPDEX" show --db "$db" --table t --json > "$tmp/show.jsonl"
"$CDX_PYTHON" - "$tmp/show.jsonl" <<'PY'
import json, sys
import numpy as np
# "-0" is a float32 -0.0 in a vector (Python would read it as the integer 0)
rows = [json.loads(l, parse_int=lambda s: -0.0 if s == "-0" else int(s)) for l in open(sys.argv[1])]
assert [r["id"] for r in rows] == [9007199254740993, -9223372036854775808, 9223372036854775807], rows
assert [r["name"] for r in rows] == ["caf\u00e9 \U0001F600", None, None], rows
assert rows[0]["score"] == 0.1 and rows[1]["score"] is None and rows[2]["score"] == 2.0, rows
want = [np.array(v, np.float32) for v in ([0.1, -2.5, 3e-8], [1, 16777217, -0.0])]
for r, w in zip(rows, want):
    got = np.array(r["vec"], np.float32)
    assert got.tobytes() == w.tobytes(), (r["vec"], w)
assert rows[2]["vec"] is None
assert list(rows[0]) == ["id", "name", "score", "vec"], list(rows[0])
PY
"$CLIPDEX" tables --db "$db" --json | grep -qx '{"name":"t","rows":3,"version":1}'

# create again: the table exists (exit 1, before reading anything)
expect_fail 1 "table exists" "$tmp/a.jsonl" "$CLIPDEX" import --db "$db" --table t

# append: two more rows in one new version
printf '%s\n' '{"id":5,"vec":[1,2,3]}' '{"name":"x","vec":[4,5,6],"score":1e300}' > "$tmp/b.jsonl"
imp --table t --mode append < "$tmp/b.jsonl"
"$CLIPDEX" tables --db "$db" --json | grep -qx '{"name":"t","rows":5,"version":2}'

# a failing append commits nothing: batches of 2 rows stream data files before line 7 fails
before=$(state)
for i in 1 2 3 4 5 6; do echo "{\"id\":$i,\"vec\":[$i,0,0]}"; done > "$tmp/c.jsonl"
echo '{"id":7,"vec":[1,2]}' >> "$tmp/c.jsonl"
expect_fail 1 "stdin: line 7: column 'vec': the vector has 2 numbers" "$tmp/c.jsonl" \
  "$CLIPDEX" import --db "$db" --table t --mode append --batch-rows 2
[ "$(state)" = "$before" ] || { echo "FAIL: failed append changed the table"; exit 1; }

# one bad line per kind of mistake, each naming its line (and column)
bad() { # pattern line — line 3 of an append is bad
  printf '%s\n' '{"id":1,"vec":[1,2,3]}' '' "$2" > "$tmp/bad.jsonl"
  expect_fail 1 "$1" "$tmp/bad.jsonl" "$CLIPDEX" import --db "$db" --table t --mode append
  [ "$(state)" = "$before" ] || { echo "FAIL: failed append ($2) changed the table"; exit 1; }
}
bad "line 3: column 'id': a number where the column is int64" '{"id":1.5}'
bad "line 3: column 'name': an integer where the column is utf8" '{"name":3}'
bad "line 3: unknown column 'other'" '{"other":1}'
bad "line 3, column 7: integer out of int64 range" '{"id":9223372036854775808}'
bad "line 3, column 10: invalid UTF-8" "$(printf '{"name":"\xff"}')"
bad "line 3, column 10: trailing characters" '{"id":1} {}'
bad "line 3, column 7: nested objects" '{"id":{"a":1}}'
bad "line 3, column 9: duplicate key 'id'" '{"id":1,"id":2}'
bad "line 3, column 1: expected a JSON object" '[1,2,3]'
bad "line 3, column 16: high surrogate" '{"name":"\ud83d"}'

# append to a missing table; --dim on append is a usage error
expect_fail 1 "nothing committed" "$tmp/b.jsonl" "$CLIPDEX" import --db "$db" --table nope --mode append
expect_fail 2 "only for creating" "$tmp/b.jsonl" "$CLIPDEX" import --db "$db" --table t --mode append --dim 3
expect_fail 2 "not create, append or overwrite" "$tmp/b.jsonl" "$CLIPDEX" import --db "$db" --table t --mode upsert
expect_fail 2 "required" "$tmp/b.jsonl" "$CLIPDEX" import --db "$db"
expect_fail 2 "out of range" "$tmp/b.jsonl" "$CLIPDEX" import --db "$db" --table t --dim 0
"$CLIPDEX" import --help | grep -q "mode create|append|overwrite"
"$CLIPDEX" --help | grep -q "^  import "

# failing creates leave no table (and no staging directory) behind
for case in \
  "line 5: column 'vec': the vector has 2 numbers|--batch-rows 2|c" \
  "column 'n' has no non-null value in the first 2 rows|--batch-rows 2|nulls" \
  "line 2: column 'v': the vector has 3 numbers, the column 4|--dim 4|dim" \
  "no rows to create table|--batch-rows 2|empty"; do
  IFS='|' read -r pattern opt which <<< "$case"
  case $which in
    c) for i in 1 2 3 4; do echo "{\"id\":$i,\"vec\":[$i,0,0]}"; done > "$tmp/in.jsonl"
       echo '{"id":5,"vec":[0,0]}' >> "$tmp/in.jsonl" ;;
    nulls) printf '%s\n' '{"id":1,"n":null}' '{"id":2}' '{"id":3,"n":4}' > "$tmp/in.jsonl" ;;
    dim) printf '%s\n' '{"v":[1,2,3,4]}' '{"v":[1,2,3]}' > "$tmp/in.jsonl" ;;
    empty) printf '\n\r\n  \n' > "$tmp/in.jsonl" ;;
  esac
  # shellcheck disable=SC2086
  expect_fail 1 "$pattern" "$tmp/in.jsonl" "$CLIPDEX" import --db "$tmp/new" --table n $opt
  [ ! -e "$tmp/new" ] || { echo "FAIL: failed create ($which) left $(ls -A "$tmp/new")"; exit 1; }
  mkdir -p "$tmp/db2"
  expect_fail 1 "$pattern" "$tmp/in.jsonl" "$CLIPDEX" import --db "$tmp/db2" --table n $opt
  [ -z "$(ls -A "$tmp/db2")" ] || { echo "FAIL: failed create ($which) left $(ls -A "$tmp/db2")"; exit 1; }
done

# --dim when creating; a column null in the first rows takes its type from a later one
printf '%s\n' '{"v":[1,2,3,4],"n":null}' '{"v":null,"n":7}' > "$tmp/d.jsonl"
imp --table d --dim 4 < "$tmp/d.jsonl"
"$CLIPDEX" show --db "$db" --table d --json | head -1 | grep -qx '{"v":\[1,2,3,4\],"n":null}'

# overwrite: a new version with the new schema and only the new rows; older versions stay
printf '%s\n' '{"file_id":1,"v":[0.5]}' '{"file_id":2,"v":[0.25]}' > "$tmp/o.jsonl"
imp --table t --mode overwrite < "$tmp/o.jsonl"
"$CLIPDEX" tables --db "$db" --json | grep -qx '{"name":"t","rows":2,"version":3}'
"$CLIPDEX" show --db "$db" --table t --json | head -1 | grep -qx '{"file_id":1,"v":\[0.5\]}'
"$CLIPDEX" show --db "$db" --table t --version 2 --json | wc -l | grep -qx 5
before=$(state)
printf '%s\n' '{"a":1}' '{"a":"x"}' > "$tmp/o2.jsonl"
expect_fail 1 "line 2: column 'a': a string where the column is int64" "$tmp/o2.jsonl" \
  "$CLIPDEX" import --db "$db" --table t --mode overwrite
[ "$(state)" = "$before" ] || { echo "FAIL: failed overwrite changed the table"; exit 1; }
# overwrite of a missing table creates it
imp --table fresh --mode overwrite < "$tmp/o.jsonl"
"$CLIPDEX" tables --db "$db" --json | grep -qx '{"name":"fresh","rows":2,"version":1}'

# a multi-batch, multi-fragment import: every row arrives, in order
"$CDX_PYTHON" -c 'for i in range(2500): print("{\"id\":%d,\"v\":[%d,%d]}" % (i, i, -i))' > "$tmp/big.jsonl"
imp --table big --batch-rows 700 < "$tmp/big.jsonl"
"$CLIPDEX" show --db "$db" --table big --json > "$tmp/big.out"
"$CDX_PYTHON" - "$tmp/big.out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["id"] for r in rows] == list(range(2500))
assert all(r["v"] == [r["id"], -r["id"]] for r in rows)
PY
echo "import: ok"
