#!/usr/bin/env bash
# test_table_search_vs_lancedb.sh — `clipdex search` (cdx_table_search over the Lance files) returns
# the same file_ids, in the same order, with the same _distance as LanceDB 0.31's flat search on
# random tables LanceDB wrote (and `clipdex show --json` reads them back as LanceDB does): a 4-fragment 768-d table with deletions, and a 3-fragment 37-d table
# with null vectors, null file_names and deletions; 3 queries each, for l2, cosine and dot.
# Distances are compared within 1e-5 *relative* (to max(1, |d|)): an absolute 1e-5 is impossible
# for L2 values in the hundreds, whose float32 sums differ between summation orders by ~1e-4.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$here/node_modules/@lancedb/lancedb" ]; then
  echo "tests/interop/node_modules is missing: run scripts/deps.sh test" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
write() { node "$here/lancedb_write.mjs" "$@" >/dev/null 2>&1; }

check() { # table dim queries k
  local table=$1 dim=$2 nq=$3 k=$4
  for metric in l2 cosine dot; do
    for ((q = 0; q < nq; q++)); do
      dd if="$tmp/$table.q.f32" of="$tmp/q.f32" bs=$((dim * 4)) skip=$q count=1 status=none
      node "$here/lancedb_search.mjs" "$tmp/db" "$table" --query "$tmp/q.f32" --metric "$metric" \
        -k "$k" > "$tmp/lance.jsonl" 2>/dev/null
      "$CLIPDEX" search --db "$tmp/db" --table "$table" --vector-file "$tmp/q.f32" \
        --metric "$metric" -k "$k" --json > "$tmp/cdx.jsonl"
      echo -n "$table $metric q$q: "
      "$CDX_PYTHON" "$here/compare_hits.py" "$tmp/cdx.jsonl" "$tmp/lance.jsonl"
    done
  done
}

write "$tmp/db" raw768 create --rows 4000 --dim 768 --seed 21 --raw --batch 1000 \
  --queries 3 --queries-out "$tmp/raw768.q.f32"
write "$tmp/db" raw768 delete --where "file_id % 5 = 1"
check raw768 768 3 10

write "$tmp/db" holes37 create --rows 2400 --dim 37 --seed 22 --null-every 40 --batch 800 \
  --queries 3 --queries-out "$tmp/holes37.q.f32"
write "$tmp/db" holes37 delete --where "file_id % 9 = 4"
check holes37 37 3 60

# `clipdex show --json` reads back every row exactly as LanceDB does (nulls, deletions, fragments).
for table in raw768 holes37; do
  node "$here/lancedb_dump.mjs" "$tmp/db" "$table" > "$tmp/lance_rows.jsonl" 2>/dev/null
  "$CLIPDEX" show --db "$tmp/db" --table "$table" --json > "$tmp/cdx_rows.jsonl"
  echo -n "$table show --json vs LanceDB: "
  "$CDX_PYTHON" "$here/compare_rows.py" "$tmp/cdx_rows.jsonl" "$tmp/lance_rows.jsonl"
done
echo "clipdex search agrees with LanceDB's flat search"
