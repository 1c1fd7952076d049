// check_writer_table.mjs — LanceDB 0.31 reads a table whose data file clipdex's Lance writer wrote
// (tests/tools/cdx_lance_mkdataset): every row equals the formulas of tests/lance/lance_rows.h,
// vector search finds rows (and takes their strings) exactly, and LanceDB can append to it.
//   node check_writer_table.mjs DB TABLE ROWS DIM NULLS_MOD LONG
import * as lancedb from "@lancedb/lancedb";

const [dbPath, tableName, rowsS, dimS, modS, longS] = process.argv.slice(2);
const rows = Number(rowsS), dim = Number(dimS), mod = Number(modS), long = longS === "1";
const isNull = (i, rem) => mod > 0 && i % mod === rem;
const rem = { file_id: 1, n32: 2, f64: 0, f32: 3, file_name: 2, vector: 4 };

function str(i) {
  if (i % 5 === 0) return "";
  let s = `img_${i}.png`;
  const n = s.length;
  let want = n;
  if (long && i % 97 === 1) want = 33000 + (i % 13);
  else if (long && i % 7 === 3) want = 300;
  const parts = [s];
  for (let k = n; k < want; k++) parts.push(String.fromCharCode(97 + ((i + k) % 26)));
  return parts.join("");
}
const vec = (i) => Array.from({ length: dim }, (_, j) => Math.fround(Math.fround(i) + Math.fround(j / 1000)));
const want = {
  file_id: (i) => BigInt(i) * 3000000000n - 7n,
  n32: (i) => i * 5 - 1000,
  f64: (i) => i / 3,
  f32: (i) => Math.fround(i * 0.5),
  file_name: str,
  vector: vec,
};

let bad = 0;
const fail = (msg) => { if (bad++ < 10) console.error(msg); };
const same = (name, got, exp) => {
  if (name === "vector") return got && got.length === dim && exp.every((x, j) => got[j] === x);
  if (got === null) return false;
  if (name === "file_id") return BigInt(got) === exp;
  return got === exp;
};

const db = await lancedb.connect(dbPath);
const table = await db.openTable(tableName);
const count = await table.countRows();
if (count !== rows) fail(`countRows ${count}, want ${rows}`);
const t = await table.query().toArrow();
let i = 0;
for (const batch of t.batches) {
  const cols = Object.keys(want).map((n) => [n, batch.getChild(n)]);
  for (let r = 0; r < batch.numRows; r++, i++) {
    for (const [n, c] of cols) {
      let v = c.get(r);
      if (n === "vector" && v !== null) v = Array.from(v.toArray());
      if (isNull(i, rem[n])) { if (v !== null) fail(`row ${i} ${n}: ${v}, want null`); }
      else if (!same(n, v, want[n](i))) fail(`row ${i} ${n}: got ${String(v).slice(0, 80)}`);
    }
  }
}
if (i !== rows) fail(`scanned ${i} rows, want ${rows}`);

for (const q of [3, 98, rows - 2]) {
  if (q < 0 || q >= rows || isNull(q, rem.vector) || isNull(q, rem.file_id)) continue;
  const res = await table.vectorSearch(vec(q)).distanceType("l2").limit(3).bypassVectorIndex()
    .select(["file_id", "file_name", "_distance"]).toArray();
  const top = res[0];
  if (!top || BigInt(top.file_id) !== want.file_id(q) || top._distance !== 0)
    fail(`search ${q}: top ${top && top.file_id} distance ${top && top._distance}`);
  const nm = isNull(q, rem.file_name) ? null : str(q);
  if (top && top.file_name !== nm) fail(`search ${q}: file_name ${String(top.file_name).slice(0, 40)}`);
}

const add = Array.from({ length: 10 }, (_, k) => ({
  file_id: BigInt(1000000 + k), n32: k, f64: k / 2, f32: k, file_name: `added_${k}`, vector: vec(k),
}));
await table.add(add);
const after = await table.countRows();
if (after !== rows + 10) fail(`after add: ${after} rows, want ${rows + 10}`);
if (bad) { console.error(`${tableName}: ${bad} mismatches`); process.exit(1); }
console.log(`${tableName}: ${rows} rows equal, search exact, append ok`);
