#!/usr/bin/env python3
"""Export the jina-clip-v1 PyTorch reference (reference/jina_clip_ref.py) to ONNX.

The two towers are wrapped in thin nn.Modules that hold the weights as
buffers and call the reference's own text_forward / vision_forward, so the
exported graph is exactly the reference math.  Also writes fixed inputs and
the reference's outputs for them (raw little-endian files + io.json), which
ort_bench.mjs and torch_bench.py read, so every runtime sees the same inputs.

  /usr/bin/python3 jina_clip_ref.py make --config full --seed 0 --out W
  /usr/bin/python3 export_onnx.py --weights W/model.safetensors --out O [--opset 14]

Outputs in O: vision.onnx, text.onnx, io.json, io/*.bin
Needs only Debian packages: python3-torch (1.13) and python3-onnx (1.12).
Copied from the team's shared reference folder (reference/onnx/export_onnx.py) for
bench/model_bench.sh --ort; only the path to jina_clip_ref.py changed.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "model", "reference"))
import jina_clip_ref as R  # noqa: E402


def _layer_norm_static(x, w, b, eps):
    # Same math as R.layer_norm (F.layer_norm over the last dim), but the
    # normalized_shape comes from the weight's element count, a plain int:
    # R.layer_norm passes x.shape[-1], which the ONNX tracer records as a
    # dynamic value and then refuses ("Failed to export ... not constant").
    return torch.nn.functional.layer_norm(x, (w.numel(),), w, b, eps)


class Tower(torch.nn.Module):
    """Weights of one tower as buffers; forward = the reference function."""

    def __init__(self, weights, prefix, fn, cfg):
        super().__init__()
        self.keys = sorted(k for k in weights if k.startswith(prefix))
        for k in self.keys:
            self.register_buffer(k.replace(".", "__"), weights[k])
        self.fn, self.cfg = fn, cfg

    def forward(self, *inputs):
        w = {k: getattr(self, k.replace(".", "__")) for k in self.keys}
        return self.fn(w, self.cfg, *inputs)


def save_tensor(outdir, name, t, manifest):
    a = t.detach().cpu().contiguous().numpy()
    dt = {np.dtype("float32"): "float32", np.dtype("int64"): "int64"}[a.dtype]
    rel = os.path.join("io", name + ".bin")
    a.astype(a.dtype.newbyteorder("<"), copy=False).tofile(os.path.join(outdir, rel))
    manifest[name] = {"file": rel, "dtype": dt, "shape": list(a.shape)}


def make_inputs(cfg):
    """Fixed, seeded inputs.  'bench' sets are what the timings use (same shapes
    as the reference's own bench: images 8x3x224x224, texts 8x16 real tokens);
    the others check the dynamic axes and the padding mask."""
    g = torch.Generator().manual_seed(1234)
    S = cfg.vision.image_size
    pix_b8 = torch.randn((8, 3, S, S), generator=g)
    pix_b1 = torch.randn((1, 3, S, S), generator=g)

    def ids_set(B, L, lens=None):
        ids = torch.zeros((B, L), dtype=torch.long)
        for b in range(B):
            n = L if lens is None else lens[b]
            body = torch.randint(1000, 30000, (n - 2,), generator=g)
            ids[b, :n] = torch.cat([torch.tensor([101]), body, torch.tensor([102])])
        return ids, (ids != cfg.text.pad_token_id).long()

    ids_b8, mask_b8 = ids_set(8, 16)                                   # bench: no padding
    ids_pad, mask_pad = ids_set(8, 16, [16, 14, 12, 11, 9, 7, 5, 3])   # padded rows
    ids_s7, mask_s7 = ids_set(3, 7, [7, 5, 4])                         # other B and S
    return {
        "vision": {"bench": [("pixel_values", pix_b8)], "b1": [("pixel_values", pix_b1)]},
        "text": {"bench": [("input_ids", ids_b8), ("attention_mask", mask_b8)],
                 "padded": [("input_ids", ids_pad), ("attention_mask", mask_pad)],
                 "b3s7": [("input_ids", ids_s7), ("attention_mask", mask_s7)]},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True, help="model.safetensors written by jina_clip_ref.py make --config full")
    ap.add_argument("--out", required=True)
    ap.add_argument("--opset", type=int, default=14)
    a = ap.parse_args()

    torch.set_num_threads(2)
    R.layer_norm = _layer_norm_static          # export-only; identical math (see above)
    cfg = R.full_config()
    w, _ = R.load_safetensors(a.weights)
    os.makedirs(os.path.join(a.out, "io"), exist_ok=True)
    inputs = make_inputs(cfg)

    towers = {
        "vision": Tower(w, "vision_model.", R.vision_forward, cfg.vision).eval(),
        "text": Tower(w, "text_model.", R.text_forward, cfg.text).eval(),
    }
    specs = {
        "vision": (["pixel_values"], {"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}}, "image_embeds"),
        "text": (["input_ids", "attention_mask"],
                 {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                  "text_embeds": {0: "batch"}}, "text_embeds"),
    }

    manifest = {"opset": a.opset, "torch": torch.__version__, "sets": {}}
    for name, tower in towers.items():
        in_names, dyn, out_name = specs[name]
        example = tuple(t for _, t in inputs[name]["bench"])
        path = os.path.join(a.out, name + ".onnx")
        t0 = time.time()
        with torch.no_grad():
            torch.onnx.export(tower, example, path, opset_version=a.opset, input_names=in_names,
                              output_names=[out_name], dynamic_axes=dyn, do_constant_folding=True)
        print(f"exported {name}.onnx ({os.path.getsize(path) / 1e6:.1f} MB) in {time.time() - t0:.1f} s")
        try:
            import onnx
            onnx.checker.check_model(path)          # path form: works for files > 2 GB too
            m = onnx.load(path)
            ops = {}
            for n in m.graph.node:
                ops[n.op_type] = ops.get(n.op_type, 0) + 1
            print(f"  onnx.checker ok; {len(m.graph.node)} nodes: {dict(sorted(ops.items()))}")
        except ImportError:
            print("  (python3-onnx not installed: skipped onnx.checker)")

        # reference outputs for every input set (the plain reference functions, not the wrapper)
        fn = R.vision_forward if name == "vision" else R.text_forward
        c = cfg.vision if name == "vision" else cfg.text
        for set_name, tensors in inputs[name].items():
            key = f"{name}.{set_name}"
            entry = {"inputs": {}, "output": f"{key}.{out_name}"}
            for in_name, t in tensors:
                save_tensor(a.out, f"{key}.{in_name}", t, manifest.setdefault("tensors", {}))
                entry["inputs"][in_name] = f"{key}.{in_name}"
            with torch.no_grad():
                ref = fn(w, c, *[t for _, t in tensors])
            save_tensor(a.out, entry["output"], ref, manifest["tensors"])
            manifest["sets"][key] = entry
    with open(os.path.join(a.out, "io.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print("wrote", os.path.join(a.out, "io.json"))


if __name__ == "__main__":
    main()
