// lancedb_bench.mjs — the LanceDB side of issue 3's benchmark, on lib.mjs's recipe data (the
// anchor's: the team research note lancedb-anchor.md). Prints human lines and one `RESULT {json}`.
//   node lancedb_bench.mjs DBDIR [--rows 100000] [--dim 768] [--queries 20] [--passes 1]
// Phases: ingest of all rows in one createTable call (as N/1000 record batches, the anchor's
// better one-call number) and as createEmptyTable + add() of 1,000-row batches (rows/s, timed
// around the LanceDB calls only); exact top-10 flat search (median ms, cosine and l2,
// select file_id/file_name); full scan of all columns (rows/s); and a new node process that
// imports LanceDB, opens the table and counts its rows (wall ms, and the in-process part).
import * as lancedb from "@lancedb/lancedb";
import { spawnSync } from "child_process";
import fs from "fs";
import { fileURLToPath } from "url";
import { arrow, parseArgs, recipeMatrix, clipdexSchema, makeBatch, median } from "./lib.mjs";

const a = parseArgs(process.argv.slice(2));
const dbPath = a._[0];
if (a.child_open) { // the measured new process: import, connect, open, count
  const t0 = performance.now();
  const db = await lancedb.connect(dbPath);
  const t = await db.openTable(a.child_open);
  const rows = await t.countRows();
  console.log(JSON.stringify({ rows, open_count_ms: performance.now() - t0 }));
  process.exit(0);
}
const n = Number(a.rows ?? 100000), dim = Number(a.dim ?? 768), nq = Number(a.queries ?? 20);
const passes = Number(a.passes ?? 1);
fs.rmSync(dbPath, { recursive: true, force: true });
const db = await lancedb.connect(dbPath);
const schema = clipdexSchema(dim);
const m = recipeMatrix(n, dim);
const batches = [];
for (let s = 0; s < n; s += 1000) {
  const e = Math.min(n, s + 1000);
  batches.push(makeBatch(schema, dim, Array.from({ length: e - s }, (_, i) => s + i), m.slice(s * dim, e * dim)));
}
const result = { rows: n, dim };
const log = (k, v, unit) => { result[k] = v; console.log(`${k.padEnd(28)} ${v.toFixed(2)} ${unit}`); };

let t0 = performance.now();
await db.createTable("oneshot", new arrow.Table(schema, batches));
log("ingest_one_call_rows_s", n / ((performance.now() - t0) / 1000), "rows/s");

const appended = await db.createEmptyTable("append", schema);
t0 = performance.now();
for (const b of batches) await appended.add(new arrow.Table(schema, b));
log("ingest_batches_1000_rows_s", n / ((performance.now() - t0) / 1000), "rows/s");

const table = await db.openTable("oneshot");
const queries = [];
for (let q = 0; q < nq; q++) queries.push(Array.from(recipeMatrix(1, dim, { base: 0x80000000 + q * dim })));
for (const metric of ["cosine", "l2"]) {
  const search = (q) => table.vectorSearch(q).distanceType(metric).limit(10).bypassVectorIndex()
    .select(["file_id", "file_name", "_distance"]).toArray();
  await search(queries[0]);
  const times = [];
  for (let p = 0; p < passes; p++)
    for (const q of queries) { t0 = performance.now(); await search(q); times.push(performance.now() - t0); }
  log(`search_${metric}_median_ms`, median(times), "ms");
}

await table.toArrow();
const scans = [];
for (let r = 0; r < 3; r++) { t0 = performance.now(); await table.toArrow(); scans.push(performance.now() - t0); }
log("full_scan_rows_s", n / (median(scans) / 1000), "rows/s");

const self = fileURLToPath(import.meta.url), opens = [], inner = [];
for (let r = 0; r < 5; r++) {
  t0 = performance.now();
  const c = spawnSync(process.execPath, [self, dbPath, "--child-open", "oneshot"], { encoding: "utf8" });
  opens.push(performance.now() - t0);
  inner.push(JSON.parse(c.stdout.trim().split("\n").pop()).open_count_ms);
}
log("open_count_process_ms", median(opens), "ms");
log("open_count_in_process_ms", median(inner), "ms");
console.log("RESULT " + JSON.stringify(result));
