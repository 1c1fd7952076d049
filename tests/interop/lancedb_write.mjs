// lancedb_write.mjs — makes and changes LanceDB tables for the interop tests, with the real
// @lancedb/lancedb 0.31.0. Usage (modules resolve from tests/interop/node_modules):
//   node lancedb_write.mjs DB TABLE create|add [--rows N] [--dim D] [--seed S] [--start ID]
//        [--batch B] [--storage-version 2.0|2.1] [--null-every K] [--raw] [--jsonl FILE]
//        [--mode create|overwrite] [--f32-out FILE] [--queries Q --queries-out FILE]
//   node lancedb_write.mjs DB TABLE delete --where "file_id % 7 = 3"
//   node lancedb_write.mjs DB TABLE index [--metric cosine] [--partitions 2] [--subvectors 2]
//   node lancedb_write.mjs DB TABLE optimize
// Random rows follow lib.mjs's recipe (file_id = start + i, --raw: not normalised); with
// --batch B the rows go in as one add() per B rows (one fragment each). --null-every K makes
// row i % K == 1 a null vector and i % K == 2 a null file_name. --f32-out writes the vectors as
// raw little-endian float32 (null vectors as NaN rows); --queries-out writes Q query vectors.
// JSON Lines rows ({"file_id":1,"file_name":"a","vector":[...]}) replace the random ones.
import * as lancedb from "@lancedb/lancedb";
import fs from "fs";
import { arrow, parseArgs, recipeMatrix, clipdexSchema, makeBatch, writeF32 } from "./lib.mjs";

const a = parseArgs(process.argv.slice(2));
const [dbPath, tableName, action] = a._;
if (!dbPath || !tableName || !action) {
  console.error("usage: lancedb_write.mjs DB TABLE create|add|delete|index|optimize [options]");
  process.exit(2);
}
const db = await lancedb.connect(dbPath);
const n = Number(a.rows ?? 100), dim = Number(a.dim ?? 768), seed = Number(a.seed ?? 0);
const start = Number(a.start ?? 0), batch = Number(a.batch ?? 0), nullEvery = Number(a.null_every ?? 0);
const recipe = { seed, normalize: !a.raw };

function jsonlTable(path) {
  const rows = fs.readFileSync(path, "utf8").split("\n").filter((l) => l.trim()).map((l, i) => {
    const r = JSON.parse(l);
    if (r.file_id !== null && r.file_id !== undefined) r.file_id = BigInt(r.file_id);
    return r;
  });
  const d = Number(a.dim ?? rows.find((r) => r.vector)?.vector.length);
  return lancedb.makeArrowTable(rows, { schema: clipdexSchema(d) });
}

function randomBatches() {
  const schema = clipdexSchema(dim);
  const m = recipeMatrix(n, dim, { ...recipe, start });
  const per = batch > 0 ? batch : n;
  const out = [];
  for (let s = 0; s < n || (n === 0 && out.length === 0); s += per) {
    const e = Math.min(n, s + per);
    const ids = Array.from({ length: e - s }, (_, i) => start + s + i);
    out.push(makeBatch(schema, dim, ids, m.slice(s * dim, e * dim), { nullEvery }));
    if (n === 0) break;
  }
  if (a.f32_out) {
    const f = m.slice();
    if (nullEvery) for (let i = 0; i < n; i++) if ((start + i) % nullEvery === 1) f.fill(NaN, i * dim, (i + 1) * dim);
    writeF32(a.f32_out, f);
  }
  if (a.queries_out) {
    const q = Number(a.queries ?? 1), qm = new Float32Array(q * dim);
    for (let k = 0; k < q; k++) qm.set(recipeMatrix(1, dim, { ...recipe, base: 0x80000000 + k * dim }), k * dim);
    writeF32(a.queries_out, qm);
  }
  return { schema, batches: out };
}

if (action === "create" || action === "add") {
  const opts = { mode: a.mode ?? "create" };
  if (a.storage_version) opts.storageOptions = { new_table_data_storage_version: String(a.storage_version) };
  let pieces;
  if (a.jsonl) pieces = [jsonlTable(a.jsonl)];
  else {
    const { schema, batches } = randomBatches();
    pieces = batch > 0 ? batches.map((b) => new arrow.Table(schema, b)) : [new arrow.Table(schema, batches)];
  }
  let table;
  if (action === "create") {
    table = await db.createTable(tableName, pieces[0], opts);
    pieces = pieces.slice(1);
  } else table = await db.openTable(tableName);
  for (const p of pieces) await table.add(p);
  console.log(JSON.stringify({ table: tableName, rows: await table.countRows(), version: await table.version() }));
} else if (action === "delete") {
  const table = await db.openTable(tableName);
  await table.delete(a.where);
  console.log(JSON.stringify({ table: tableName, rows: await table.countRows(), version: await table.version() }));
} else if (action === "index") {
  const table = await db.openTable(tableName);
  await table.createIndex(a.column ?? "vector", { replace: true, config: lancedb.Index.ivfPq({
    distanceType: a.metric ?? "cosine", numPartitions: Number(a.partitions ?? 2), numSubVectors: Number(a.subvectors ?? 2) }) });
  console.log(JSON.stringify({ table: tableName, indices: (await table.listIndices()).map((i) => i.name), version: await table.version() }));
} else if (action === "optimize") {
  const table = await db.openTable(tableName);
  const stats = await table.optimize();
  console.log(JSON.stringify({ table: tableName, compaction: stats.compaction, version: await table.version() }));
} else {
  console.error(`unknown action '${action}'`);
  process.exit(2);
}
