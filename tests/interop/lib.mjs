// lib.mjs — shared pieces of the LanceDB harness: argument parsing, the deterministic data recipe
// (the same as the team research note lancedb-anchor.md: component j of row i is
// lowbias32(i*dim + j) / 2^32 * 2 - 1, normalised in double, stored as float32), fast Arrow
// builders for the clipdex schema (file_id int64, file_name utf8, vector fsl<float32, dim>),
// and JSON output that keeps int64 exact and float32 round-trippable.
import { createRequire } from "module";
import fs from "fs";

// @lancedb/lancedb loads apache-arrow as CommonJS and checks `instanceof` against that copy; an
// ESM import would load a second copy whose tables LanceDB silently misreads (the dual-package
// hazard), so every harness script takes arrow from here.
export const arrow = createRequire(import.meta.url)("apache-arrow");

export function parseArgs(argv, defaults = {}) {
  const out = { _: [], ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) {
      const key = a.slice(2).replace(/-/g, "_");
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) out[key] = true;
      else { out[key] = next; i++; }
    } else if (a === "-k") { out.k = argv[++i]; }
    else out._.push(a);
  }
  return out;
}

export function lowbias32(x) {
  x = x >>> 0;
  x ^= x >>> 16; x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15; x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

// Fills out[0..dim) with vector `i` of the recipe. base: counter base (0 for rows,
// 0x80000000 + q*dim for query q); seed 0 gives the anchor's data exactly.
export function recipeVector(out, i, dim, { base = 0, seed = 0, normalize = true } = {}) {
  const salt = seed ? lowbias32(seed) : 0;
  let ss = 0;
  const tmp = new Float64Array(dim);
  for (let j = 0; j < dim; j++) {
    const c = ((base + i * dim + j) >>> 0) ^ salt;
    tmp[j] = lowbias32(c) / 4294967296 * 2 - 1;
    ss += tmp[j] * tmp[j];
  }
  const inv = normalize ? 1 / Math.sqrt(ss) : 1;
  for (let j = 0; j < dim; j++) out[j] = tmp[j] * inv;
}

export function recipeMatrix(n, dim, opts = {}) {
  const m = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) recipeVector(m.subarray(i * dim, (i + 1) * dim), i + (opts.start || 0), dim, opts);
  return m;
}

export const fileName = (id) => `img_${String(id).padStart(7, "0")}.jpg`;

export function clipdexSchema(dim, fileIdType = new arrow.Int64()) {
  const F = (n, t) => new arrow.Field(n, t, true);
  return new arrow.Schema([F("file_id", fileIdType), F("file_name", new arrow.Utf8()),
    F("vector", new arrow.FixedSizeList(dim, F("item", new arrow.Float32())))]);
}

function bitmap(n, isValid) {
  const bm = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) { if (isValid(i)) bm[i >> 3] |= 1 << (i & 7); else nulls++; }
  return { bm: nulls ? bm : undefined, nulls };
}

// One record batch of rows [start, start+n) from a Float32Array of n*dim values.
// nullEvery K > 0: row i with i % K == 1 gets a null vector, i % K == 2 a null file_name.
export function makeBatch(schema, dim, ids, vectors, { nullEvery = 0 } = {}) {
  const n = ids.length;
  const idData = arrow.makeData({ type: new arrow.Int64(), length: n, data: BigInt64Array.from(ids, BigInt) });
  const enc = new TextEncoder();
  const offsets = new Int32Array(n + 1);
  const parts = [];
  let total = 0;
  const nameValid = (i) => !(nullEvery && ids[i] % nullEvery === 2);
  for (let i = 0; i < n; i++) {
    const b = nameValid(i) ? enc.encode(fileName(ids[i])) : new Uint8Array(0);
    parts.push(b); total += b.length; offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { bytes.set(p, o); o += p.length; }
  const nm = bitmap(n, nameValid);
  const names = arrow.makeData({ type: new arrow.Utf8(), length: n, valueOffsets: offsets, data: bytes,
    nullBitmap: nm.bm, nullCount: nm.nulls });
  const vecValid = (i) => !(nullEvery && ids[i] % nullEvery === 1);
  const vm = bitmap(n, vecValid);
  const vtype = schema.fields[2].type;
  const child = arrow.makeData({ type: new arrow.Float32(), length: n * dim, data: vectors });
  const vec = arrow.makeData({ type: vtype, length: n, child, nullBitmap: vm.bm, nullCount: vm.nulls });
  // Built from column vectors: LanceDB's sanitizer reads tables made this way (a RecordBatch
  // over a hand-made struct Data reached LanceDB with zero rows).
  return new arrow.Table({ file_id: arrow.makeVector(idData), file_name: arrow.makeVector(names),
    vector: arrow.makeVector(vec) }).batches[0];
}

// JSON with exact int64 (bigint printed as an integer literal) and float32 values printed with
// the shortest decimal that reads back to the same double (hence the same float32).
export function toJson(v) {
  if (v === null || v === undefined) return "null";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (ArrayBuffer.isView(v) || Array.isArray(v)) return "[" + Array.from(v, toJson).join(",") + "]";
  if (typeof v === "object" && typeof v.toArray === "function") return toJson(v.toArray());
  if (typeof v === "object") return "{" + Object.entries(v).map(([k, x]) => JSON.stringify(k) + ":" + toJson(x)).join(",") + "}";
  return JSON.stringify(v);
}

export function readF32(path) {
  const b = fs.readFileSync(path);
  if (b.length % 4) throw new Error(`${path}: ${b.length} bytes is not a whole number of float32`);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

export function writeF32(path, f32) {
  fs.writeFileSync(path, Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength));
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
}
