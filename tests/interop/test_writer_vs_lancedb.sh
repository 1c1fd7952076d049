#!/usr/bin/env bash
# test_writer_vs_lancedb.sh — LanceDB 0.31 reads the data files clipdex's Lance writer makes:
# for 2.1 and 2.0, vector dims 1/8/100/768, with and without nulls, long (> 32 KiB) and empty
# strings, several pages, zero rows, every value scanned by LanceDB equals what was written,
# vector search finds rows exactly (and takes their strings), and LanceDB appends to the table.
# The tables come from tests/tools/cdx_lance_mkdataset (our writer + a minimal manifest).
# Exit 77 (skipped) when the LanceDB harness is not installed (scripts/deps.sh test).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$here/node_modules/@lancedb/lancedb" ]; then
  echo "SKIP: tests/interop/node_modules is missing: run scripts/deps.sh test" >&2
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# minor rows batch dim nulls_mod long_strings
while read -r minor rows batch dim mod long; do
  t="t${minor}_${rows}_${dim}_${mod}_${long}"
  "$CDX_TOOLS/cdx_lance_mkdataset" "$tmp/db" "$t" "$minor" "$rows" "$batch" "$dim" "$mod" "$long"
  node "$here/check_writer_table.mjs" "$tmp/db" "$t" "$rows" "$dim" "$mod" "$long" 2> "$tmp/err" \
    || { cat "$tmp/err" >&2; exit 1; }
done <<'CASES'
1 3000 1000 768 7 1
0 3000 1000 768 7 1
1 3000 1000 768 0 0
0 3000 250 8 0 0
1 5000 700 1 3 1
0 5000 700 1 3 1
1 2000 1 100 2 0
0 2000 64 100 2 0
1 4100 4100 8 11 0
1 0 1 768 0 0
0 0 1 8 0 0
CASES
echo "LanceDB reads every table the writer made"
