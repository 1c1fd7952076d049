// lancedb_dump.mjs — prints every row of a LanceDB table as JSON Lines keyed by column name, in
// scan order: int64 exact, float32 vectors with round-trippable digits, nulls as null.
//   node lancedb_dump.mjs DB TABLE [--version N] [--rowid]
import * as lancedb from "@lancedb/lancedb";
import { parseArgs, toJson } from "./lib.mjs";

const a = parseArgs(process.argv.slice(2));
const [dbPath, tableName] = a._;
const db = await lancedb.connect(dbPath);
const table = await db.openTable(tableName);
if (a.version !== undefined) await table.checkout(Number(a.version));
let q = table.query();
if (a.rowid) q = q.withRowId();
const t = await q.toArrow();
const names = t.schema.fields.map((f) => f.name);
const lines = [];
for (const batch of t.batches) {
  const cols = names.map((n) => batch.getChild(n));
  for (let i = 0; i < batch.numRows; i++) {
    const row = {};
    names.forEach((n, c) => { row[n] = cols[c].get(i); });
    lines.push(toJson(row));
    if (lines.length >= 1000) { process.stdout.write(lines.join("\n") + "\n"); lines.length = 0; }
  }
}
if (lines.length) process.stdout.write(lines.join("\n") + "\n");
