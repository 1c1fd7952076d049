#!/usr/bin/env python3
"""The PyTorch reference's vision tower, batch B, T threads, on the weights in MODEL_DIR (or random
full-size ones): median wall seconds per batch and the CPU time per batch, printed like
bench_vision. Run with OMP_WAIT_POLICY=PASSIVE (bench/model_bench.sh sets it) so waiting threads burn
no CPU. Usage: bench_vision_ref.py REF_SCRIPT [MODEL_DIR] [--threads T] [--batch B] [--iters N]"""
import argparse
import os
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("ref")
ap.add_argument("model", nargs="?")
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--batch", type=int, default=8)
ap.add_argument("--iters", type=int, default=5)
a = ap.parse_args()
sys.path.insert(0, os.path.dirname(os.path.abspath(a.ref)))
import jina_clip_ref as ref  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(a.threads)
cfg = ref.full_config()
if a.model:
    w, _ = ref.load_safetensors(os.path.join(a.model, "model.safetensors"))
else:
    w = ref.init_weights(cfg, 0)
pix = torch.randn((a.batch, 3, 224, 224), generator=torch.Generator().manual_seed(0))
walls, cpu = [], 0.0
with torch.inference_mode():
    for i in range(-1, a.iters):
        t0, c0 = time.perf_counter(), time.process_time()
        ref.vision_forward(w, cfg.vision, pix)
        if i >= 0:
            walls.append(time.perf_counter() - t0)
            cpu += time.process_time() - c0
ms = float(np.median(walls)) * 1e3
print(f"PyTorch {torch.__version__} reference: batch {a.batch}, {a.threads} threads: {ms:.1f} ms/batch "
      f"(median of {a.iters}), {a.batch / (ms / 1e3):.2f} images/s")
print(f"  CPU time: {cpu / a.iters:.1f} s per batch -> "
      f"{a.batch * a.iters / cpu * a.threads:.2f} images/s on {a.threads} quiet cores (estimate)")
