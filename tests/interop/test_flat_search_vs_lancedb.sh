#!/usr/bin/env bash
# test_flat_search_vs_lancedb.sh — store_flat_search (through tests/tools/cdx_flat_search) returns
# the same file_ids, in the same order, and the same _distance (within 1e-5) as LanceDB 0.31's flat
# search on the same random vectors, for l2, cosine and dot: a 3-fragment 768-d table of raw
# (unnormalised) vectors, and a 37-d table with null vectors and deleted rows.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$here/node_modules/@lancedb/lancedb" ]; then
  echo "tests/interop/node_modules is missing: run scripts/deps.sh test" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
write() { node "$here/lancedb_write.mjs" "$@" >/dev/null 2>&1; }
search() { node "$here/lancedb_search.mjs" "$@" 2>/dev/null; }

check() { # table dim queries metric k [mod rem]
  local table=$1 dim=$2 nq=$3 metric=$4 k=$5; shift 5
  for ((q = 0; q < nq; q++)); do
    search "$tmp/db" "$table" --query "$tmp/$table.q.f32" --query-index $q --metric "$metric" -k "$k" \
      > "$tmp/lance.jsonl"
    for threads in 1 2; do
      "$CDX_TOOLS/cdx_flat_search" "$tmp/$table.f32" "$dim" "$tmp/$table.q.f32" $q "$metric" "$k" \
        $threads "$@" > "$tmp/cdx.jsonl"
      echo -n "$table $metric q$q threads $threads: "
      "$CDX_PYTHON" "$here/compare_hits.py" "$tmp/cdx.jsonl" "$tmp/lance.jsonl"
    done
  done
}

write "$tmp/db" raw768 create --rows 3000 --dim 768 --seed 11 --raw --batch 1000 \
  --f32-out "$tmp/raw768.f32" --queries 3 --queries-out "$tmp/raw768.q.f32"
for metric in l2 cosine dot; do check raw768 768 3 $metric 10; done

write "$tmp/db" holes37 create --rows 2000 --dim 37 --seed 12 --null-every 50 \
  --f32-out "$tmp/holes37.f32" --queries 2 --queries-out "$tmp/holes37.q.f32"
write "$tmp/db" holes37 delete --where "file_id % 7 = 3"
for metric in l2 cosine dot; do check holes37 37 2 $metric 100 7 3; done
echo "all flat searches agree with LanceDB"
