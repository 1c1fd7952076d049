#!/usr/bin/env bash
# test_clipdex_tables_in_lancedb.sh — tables clipdex writes (new, appended, multi-fragment, with
# deletions, 2.0 and 2.1) read back identically in LanceDB 0.31, which then appends, deletes,
# builds an IVF_PQ index and compacts them; clipdex reads the result identically again; LanceDB-
# written random tables read identically in clipdex; clipdex and LanceDB appending to one table at
# the same time lose no row.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$here/node_modules/@lancedb/lancedb" ]; then
  echo "tests/interop/node_modules is missing: run scripts/deps.sh test" >&2
  exit 1
fi
tool="$CDX_TOOLS/cdx_table_tool"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/db"
lw() { node "$here/lancedb_write.mjs" "$db" "$@" >/dev/null; }
same() { # table: clipdex and LanceDB dumps agree
  "$tool" "$db" "$1" dump > "$tmp/cdx.jsonl"
  node "$here/lancedb_dump.mjs" "$db" "$1" > "$tmp/lance.jsonl"
  echo -n "$1: "
  "$CDX_PYTHON" "$here/compare_rows_by_id.py" "$tmp/cdx.jsonl" "$tmp/lance.jsonl"
}

for storage in 2.1 2.0; do
  t=w${storage/./}
  "$tool" "$db" $t create 16 $storage
  "$tool" "$db" $t add 0 300 100          # 3 fragments in one commit
  "$tool" "$db" $t add 300 50
  "$tool" "$db" $t delete-ids 3 13 150 310
  "$tool" "$db" $t delete-name img_42.png
  same $t
  # LanceDB works on the clipdex table: append (its own rows), delete, index, compact.
  lw $t add --rows 200 --dim 16 --start 1000 --seed 5
  lw $t delete --where "file_id % 50 = 7"
  lw $t index --metric l2 --partitions 2 --subvectors 2
  lw $t optimize
  same $t
  "$tool" "$db" $t add 2000 10            # and clipdex appends on top of LanceDB's versions
  same $t
done

# LanceDB-written random tables read identically in clipdex.
lw rnd create --rows 1500 --dim 768 --seed 9 --batch 500
lw rnd delete --where "file_id % 9 = 4"
same rnd
lw rnd20 create --rows 700 --dim 24 --seed 3 --storage-version 2.0 --null-every 40
same rnd20

# clipdex and LanceDB appending to the same table at the same time lose no row.
"$tool" "$db" conc create 16
"$tool" "$db" conc add-loop 0 10 30 &
cpid=$!
for k in 0 1 2 3 4; do lw conc add --rows 20 --dim 16 --start $((100000 + k * 20)) --seed $k; done
wait $cpid
same conc
rows=$(wc -l < "$tmp/cdx.jsonl")
[ "$rows" -eq 400 ] || { echo "concurrent appends: $rows rows, want 400" >&2; exit 1; }
echo "clipdex tables and LanceDB agree"
