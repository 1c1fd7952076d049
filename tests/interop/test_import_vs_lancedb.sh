#!/usr/bin/env bash
# test_import_vs_lancedb.sh — tables `clipdex import` writes (create, append, overwrite; int64
# beyond 2^53, float64, utf8, float32 vectors, nulls) read back in LanceDB 0.31 with exactly the
# values clipdex shows. Skipped (77) when tests/interop/node_modules is not installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ -d "$here/node_modules/@lancedb/lancedb" ] || { echo "node_modules missing: skipped" >&2; exit 77; }
: "${CLIPDEX:?}" "${CDX_PYTHON:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/db
same() { # table [version]: clipdex show --json and LanceDB's dump agree value for value
  "$CLIPDEX" show --db "$db" --table "$1" ${2:+--version "$2"} --json > "$tmp/cdx.jsonl"
  node "$here/lancedb_dump.mjs" "$db" "$1" ${2:+--version "$2"} > "$tmp/lance.jsonl"
  "$CDX_PYTHON" "$here/compare_rows.py" "$tmp/cdx.jsonl" "$tmp/lance.jsonl"
}
"$CDX_PYTHON" - > "$tmp/a.jsonl" <<'PY'
import json, random
random.seed(7)
for i in range(300):
    row = {"id": 9007199254740993 + i * 1000003, "name": f"f\u00e9{i}\U0001F600" if i % 7 else None,
           "score": random.uniform(-1e6, 1e6), "vector": [random.gauss(0, 1) for _ in range(16)]}
    if i % 11 == 0: row["vector"] = None
    if i % 13 == 0: del row["score"]
    print(json.dumps(row, ensure_ascii=i % 2 == 0))
PY
"$CLIPDEX" import --db "$db" --table t --batch-rows 64 < "$tmp/a.jsonl" 2>/dev/null
same t
head -40 "$tmp/a.jsonl" | "$CLIPDEX" import --db "$db" --table t --mode append 2>/dev/null
same t
node "$here/lancedb_dump.mjs" "$db" t | wc -l | grep -qx 340
printf '%s\n' '{"file_id":-9223372036854775808,"vector":[0.1,0.2]}' \
  '{"file_id":9223372036854775807,"vector":[-1e-30,3.4e38]}' |
  "$CLIPDEX" import --db "$db" --table t --mode overwrite 2>/dev/null
same t
same t 2
echo "import vs LanceDB: ok"
