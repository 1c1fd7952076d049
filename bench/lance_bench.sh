#!/usr/bin/env bash
# lance_bench.sh [ROWS] [DIM] [QUERIES] — issue 3's table benchmark in ONE command: builds
# bench_lance, runs it and tests/interop/lancedb_bench.mjs (LanceDB 0.31, Node) on the same recipe
# data in the same run, and prints a markdown table of both with ratios (clipdex / LanceDB for
# rates, LanceDB / clipdex for times: > 1 means clipdex is faster) and the memory-bandwidth floor.
# Ingest is measured twice: durable (the default: every commit fsync'd) and CDX_NO_SYNC ("no
# fsync, as LanceDB": LanceDB 0.31 never syncs on a local disk); both against the same LanceDB run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-100000} dim=${2:-768} queries=${3:-20}
build=${CDX_BENCH_BUILD:-$root/build-bench}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCDX_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target bench_lance >/dev/null
[ -d "$root/tests/interop/node_modules/@lancedb/lancedb" ] || npm ci --prefix "$root/tests/interop" --no-audit --no-fund >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "clipdex ($rows x $dim, $queries queries)..." >&2
"$build/bench/bench_lance" "$tmp/cdx" "$rows" "$dim" "$queries" | tee /dev/stderr | sed -n 's/^RESULT //p' > "$tmp/cdx.json"
rm -rf "$tmp/cdx"
echo "LanceDB..." >&2
node "$root/tests/interop/lancedb_bench.mjs" "$tmp/lance" --rows "$rows" --dim "$dim" --queries "$queries" \
  2>/dev/null | tee /dev/stderr | sed -n 's/^RESULT //p' > "$tmp/lance.json"
node -e '
const fs = require("fs");
const c = JSON.parse(fs.readFileSync(process.argv[1])), l = JSON.parse(fs.readFileSync(process.argv[2]));
const rows = [
  ["ingest, one call, durable (default) (rows/s)", "ingest_one_call_rows_s", 1],
  ["ingest, batches of 1,000, durable (default) (rows/s)", "ingest_batches_1000_rows_s", 1],
  ["ingest, one call, no fsync, as LanceDB (rows/s)", "ingest_one_call_nosync_rows_s", 1, "ingest_one_call_rows_s"],
  ["ingest, batches of 1,000, no fsync, as LanceDB (rows/s)", "ingest_batches_1000_nosync_rows_s", 1, "ingest_batches_1000_rows_s"],
  ["exact top-10 search, cosine (median ms)", "search_cosine_median_ms", -1],
  ["exact top-10 search, l2 (median ms)", "search_l2_median_ms", -1],
  ["full scan (rows/s)", "full_scan_rows_s", 1],
  ["new process: open + count rows (ms)", "open_count_process_ms", -1],
];
const f = (v) => v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(2);
console.log(`| ${c.rows.toLocaleString("en-US")} x ${c.dim} | clipdex | LanceDB 0.31 | speed-up (clipdex vs LanceDB) |`);
console.log("| --- | ---: | ---: | ---: |");
for (const [name, k, dir, lk = k] of rows) { /* lk: the LanceDB figure it is compared with */
  const r = dir > 0 ? c[k] / l[lk] : l[lk] / c[k];
  console.log(`| ${name} | ${f(c[k])} | ${f(l[lk])} | ${r.toFixed(2)}x |`);
}
console.log(`| memory floor: ${(c.rows * c.dim * 4 / 1e6).toFixed(0)} MB / memcpy ${c.memcpy_gb_s.toFixed(2)} GB/s (ms) | ${c.floor_ms.toFixed(2)} | | search cosine = ${(c.search_cosine_median_ms / c.floor_ms).toFixed(2)}x floor, l2 = ${(c.search_l2_median_ms / c.floor_ms).toFixed(2)}x floor |`);
' "$tmp/cdx.json" "$tmp/lance.json"
