#!/usr/bin/env python3
"""Dynamic int8 quantisation of an exported tower, written here because ONNX
Runtime's own tool (onnxruntime.quantization.quantize_dynamic, in the PyPI
wheel `onnxruntime`) cannot be installed: no PyPI on these machines, and the
npm packages ship the runtime only.

It applies the same recipe that quantize_dynamic applies by default to the
MatMuls of a transformer (QDQ-free "integer ops" format):

  MatMul(X, W)  with W a float initializer [K, N]  becomes
    DynamicQuantizeLinear(X)            -> X_q uint8, X_scale, X_zp  (per tensor, at run time)
    MatMulInteger(X_q, W_q, X_zp, W_zp) -> int32                     (W_q int8, symmetric)
    Cast(int32 -> float) * (X_scale * W_scale)

  W_scale = max|W| / 127, W_zp = 0 (per tensor, ORT's default), or one
  scale per output column with --per-channel.  Activation x activation
  MatMuls (attention scores, probs x V), the embedding Gather, LayerNorms
  and everything else stay float32.  At load time ONNX Runtime fuses each
  pattern into its DynamicQuantizeMatMul / MatMulIntegerToFloat kernels
  (u8 x s8, AVX512-VNNI on this machine); ort_bench.mjs --save-optimized
  shows that it did.

  /usr/bin/python3 quantize_int8.py IN.onnx OUT.onnx [--per-channel]
Needs python3-onnx (Debian) and NumPy only.
Copied unchanged from the team's shared reference folder (reference/onnx/quantize_int8.py).
"""

import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def quantize_weight(w: np.ndarray, per_channel: bool):
    amax = np.abs(w).max(axis=0) if per_channel else np.abs(w).max()
    scale = (np.maximum(amax, 1e-30) / 127.0).astype(np.float32)
    q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
    zp = np.zeros_like(scale, dtype=np.int8)
    return q, scale, zp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--per-channel", action="store_true")
    a = ap.parse_args()

    m = onnx.load(a.inp)
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    uses = {}
    for n in g.node:
        for i in n.input:
            uses[i] = uses.get(i, 0) + 1

    new_nodes, new_inits, drop = [], [], set()
    n_q = 0
    for n in g.node:
        wname = n.input[1] if n.op_type == "MatMul" and len(n.input) == 2 else None
        t = inits.get(wname) if wname else None
        if t is None or t.data_type != TensorProto.FLOAT or len(t.dims) != 2:
            new_nodes.append(n)
            continue
        w = numpy_helper.to_array(t)
        q, scale, zp = quantize_weight(w, a.per_channel)
        base = f"q{n_q}"
        new_inits += [numpy_helper.from_array(q, base + "_W_q"),
                      numpy_helper.from_array(scale, base + "_W_scale"),
                      numpy_helper.from_array(zp, base + "_W_zp")]
        x, y = n.input[0], n.output[0]
        new_nodes += [
            helper.make_node("DynamicQuantizeLinear", [x], [base + "_X_q", base + "_X_scale", base + "_X_zp"],
                             name=base + "_dql"),
            helper.make_node("MatMulInteger", [base + "_X_q", base + "_W_q", base + "_X_zp", base + "_W_zp"],
                             [base + "_Y_i32"], name=base + "_mmi"),
            helper.make_node("Cast", [base + "_Y_i32"], [base + "_Y_f"], to=TensorProto.FLOAT, name=base + "_cast"),
            helper.make_node("Mul", [base + "_X_scale", base + "_W_scale"], [base + "_S"], name=base + "_scale"),
            helper.make_node("Mul", [base + "_Y_f", base + "_S"], [y], name=base + "_out"),
        ]
        uses[wname] -= 1
        if uses[wname] == 0:
            drop.add(wname)
        n_q += 1

    keep = [t for t in g.initializer if t.name not in drop]
    del g.node[:]
    g.node.extend(new_nodes)
    del g.initializer[:]
    g.initializer.extend(keep + new_inits)
    onnx.save(m, a.out)
    onnx.checker.check_model(a.out)
    print(f"{a.inp} -> {a.out}: {n_q} MatMuls quantised ({'per channel' if a.per_channel else 'per tensor'}), "
          f"{os.path.getsize(a.inp) / 1e6:.1f} MB -> {os.path.getsize(a.out) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
