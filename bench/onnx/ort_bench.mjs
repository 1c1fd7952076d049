#!/usr/bin/env node
// ONNX Runtime (npm onnxruntime-node, CPU execution provider) anchor for the
// jina-clip-v1 towers exported by export_onnx.py.
//
//   node ort_bench.mjs --model DIR/vision.onnx --io DIR [options]
//
//   --tower vision|text   which io sets to use (default: from the model file name)
//   --threads N           intraOpNumThreads (default 2); interOpNumThreads is 1,
//                         executionMode sequential
//   --reps K              timed runs of the bench set (default 8); 0 = no timing
//   --warmup W            untimed runs first (default 2)
//   --spin 0|1            session.intra_op.allow_spinning (default: ORT's default, spinning on)
//   --opt LEVEL           graphOptimizationLevel: disabled|basic|extended|all (default all,
//                         = ORT's default and what FastEmbed/Frigate get)
//   --save-optimized F    write the graph after ORT's optimisations to F (op census)
//   --json F              also write the result object to F
//
// Every run first checks all io sets of the tower (bench set plus the
// dynamic-batch / dynamic-length / padded sets) against the PyTorch
// reference's outputs written by export_onnx.py: max |diff|, the largest
// |reference| (for scale) and the worst cosine between normalised embeddings.
//
// Copied unchanged from the team's shared reference folder (reference/onnx/ort_bench.mjs); bench/
// model_bench.sh --ort runs it with ORT_NODE_MODULES=bench/onnx (npm ci there, package-lock.json).
//
// Module location: onnxruntime-node is require()d from $ORT_NODE_MODULES (a
// folder containing node_modules) or from the current working directory.

import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

function parseArgs(argv) {
  const a = { threads: 2, reps: 8, warmup: 2, opt: "all" };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (!k.startsWith("--")) throw new Error(`unexpected argument ${k}`);
    const key = k.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    a[key] = argv[++i];
  }
  for (const k of ["threads", "reps", "warmup"]) a[k] = Number(a[k]);
  if (!a.model || !a.io) throw new Error("usage: node ort_bench.mjs --model M.onnx --io DIR [--threads N] [--reps K]");
  if (!a.tower) a.tower = path.basename(a.model).startsWith("text") ? "text" : "vision";
  return a;
}

const args = parseArgs(process.argv.slice(2));
const base = process.env.ORT_NODE_MODULES || process.cwd();
const require = createRequire(path.join(path.resolve(base), "noop.js"));
const ort = require("onnxruntime-node");

const manifest = JSON.parse(fs.readFileSync(path.join(args.io, "io.json"), "utf8"));

function loadTensor(name) {
  const m = manifest.tensors[name];
  const buf = fs.readFileSync(path.join(args.io, m.file));
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);  // aligned copy
  const data = m.dtype === "float32" ? new Float32Array(ab) : new BigInt64Array(ab);
  return { data, dims: m.shape, dtype: m.dtype };
}

function feedsFor(set) {
  const feeds = {};
  for (const [inName, tName] of Object.entries(set.inputs)) {
    const t = loadTensor(tName);
    feeds[inName] = new ort.Tensor(t.dtype, t.data, t.dims);
  }
  return feeds;
}

function compare(got, ref, dims) {
  const [B, D] = dims;
  let maxAbs = 0, maxRef = 0, minCos = 1;
  for (let b = 0; b < B; b++) {
    let dot = 0, ng = 0, nr = 0;
    for (let j = 0; j < D; j++) {
      const g = got[b * D + j], r = ref[b * D + j];
      maxAbs = Math.max(maxAbs, Math.abs(g - r));
      maxRef = Math.max(maxRef, Math.abs(r));
      dot += g * r; ng += g * g; nr += r * r;
    }
    minCos = Math.min(minCos, dot / Math.sqrt(ng * nr));
  }
  return { max_abs_diff: maxAbs, max_abs_ref: maxRef, min_cosine: minCos };
}

const opts = {
  intraOpNumThreads: args.threads,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: args.opt,
};
if (args.spin !== undefined) opts.extra = { session: { intra_op: { allow_spinning: String(args.spin) } } };
if (args.saveOptimized) opts.optimizedModelFilePath = args.saveOptimized;

const t0 = process.hrtime.bigint();
const session = await ort.InferenceSession.create(args.model, opts);
const loadS = Number(process.hrtime.bigint() - t0) / 1e9;

const result = {
  runtime: "onnxruntime-node", ort_version: ort.env.versions?.common ?? null,
  model: path.basename(args.model), tower: args.tower, threads: args.threads,
  spin: args.spin ?? "default", opt: args.opt, load_s: +loadS.toFixed(2), checks: {},
};

// correctness: every io set of this tower against the PyTorch reference
const setNames = Object.keys(manifest.sets).filter((k) => k.startsWith(args.tower + "."));
for (const key of setNames) {
  const set = manifest.sets[key];
  const out = await session.run(feedsFor(set));
  const outName = session.outputNames[0];
  const ref = loadTensor(set.output);
  const r = compare(out[outName].data, ref.data, ref.dims);
  result.checks[key] = { shape: out[outName].dims, ...r };
}

// timing: the bench set (images 8x3x224x224 / texts 8x16)
if (args.reps > 0) {
  const set = manifest.sets[`${args.tower}.bench`];
  const feeds = feedsFor(set);
  const batch = Object.values(feeds)[0].dims[0];
  for (let i = 0; i < args.warmup; i++) await session.run(feeds);
  const ts = [], cpu = [];
  for (let i = 0; i < args.reps; i++) {
    const c = process.cpuUsage();
    const s = process.hrtime.bigint();
    await session.run(feeds);
    ts.push(Number(process.hrtime.bigint() - s) / 1e9);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1e6);           // CPU seconds of the whole process
  }
  const sorted = [...ts].sort((x, y) => x - y);
  const med = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]
    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  Object.assign(result, {
    batch, reps: args.reps, batch_s_min: +sorted[0].toFixed(4), batch_s_median: +med.toFixed(4),
    per_s_best: +(batch / sorted[0]).toFixed(3), per_s_median: +(batch / med).toFixed(3),
    batch_s_all: ts.map((x) => +x.toFixed(4)), cpu_s_all: cpu.map((x) => +x.toFixed(4)),
  });
}

await session.release?.();
const line = JSON.stringify(result);
console.log(line);
if (args.json) fs.writeFileSync(args.json, line + "\n");
