// lancedb_tables.mjs — prints the table names LanceDB 0.31 lists in a database directory, as one
// JSON array (used to check that files clipdex keeps beside tables, such as the index lock, are
// not taken for tables).
// Usage: node lancedb_tables.mjs DB
import * as lancedb from "@lancedb/lancedb";

const [dbPath] = process.argv.slice(2);
const db = await lancedb.connect(dbPath);
console.log(JSON.stringify(await db.tableNames()));
