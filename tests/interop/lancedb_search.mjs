// lancedb_search.mjs — LanceDB's exact (flat) search, as the oracle for clipdex's: prints the
// top-k as JSON Lines {"file_id":…,"_distance":…} (plus "_rowid" with --rowid).
//   node lancedb_search.mjs DB TABLE --query Q.f32 [--query-index I] [--metric l2|cosine|dot]
//        [-k 10] [--column vector] [--where SQL]
// The query is the I-th dim-sized float32 vector of Q.f32 (dim read from the table's schema).
// bypassVectorIndex() makes it a flat scan even when the table has an index.
import * as lancedb from "@lancedb/lancedb";
import { parseArgs, readF32, toJson } from "./lib.mjs";

const a = parseArgs(process.argv.slice(2));
const [dbPath, tableName] = a._;
const db = await lancedb.connect(dbPath);
const table = await db.openTable(tableName);
const column = a.column ?? "vector";
const schema = await table.schema();
const dim = schema.fields.find((f) => f.name === column).type.listSize;
const qi = Number(a.query_index ?? 0);
const all = readF32(a.query);
if ((qi + 1) * dim > all.length) throw new Error(`${a.query}: no query ${qi} of ${dim} floats`);
const q = Array.from(all.subarray(qi * dim, (qi + 1) * dim));
let query = table.vectorSearch(q).column(column).distanceType(a.metric ?? "l2").limit(Number(a.k ?? 10))
  .bypassVectorIndex().select(["file_id"]);
if (a.rowid) query = query.withRowId();
if (a.where) query = query.where(a.where);
const res = await query.toArray();
for (const r of res) {
  const o = { file_id: r.file_id, _distance: r._distance };
  if (a.rowid) o._rowid = r._rowid;
  console.log(toJson(o));
}
