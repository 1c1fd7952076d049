// lancedb_schema.mjs — prints what LanceDB 0.31 sees of a table as one JSON line: each field's
// name, Arrow type and nullability, the row count and the version.
// Usage: node lancedb_schema.mjs DB TABLE
import * as lancedb from "@lancedb/lancedb";

const [dbPath, tableName] = process.argv.slice(2);
const db = await lancedb.connect(dbPath);
const t = await db.openTable(tableName);
const schema = await t.schema();
console.log(JSON.stringify({
  fields: schema.fields.map((f) => ({ name: f.name, type: String(f.type), nullable: f.nullable })),
  rows: await t.countRows(),
  version: await t.version(),
}));
