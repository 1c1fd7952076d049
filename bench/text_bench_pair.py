#!/usr/bin/python3
"""text_bench_pair.py MODEL_DIR BENCH_TEXT [--threads N] [--rounds R] [--seconds S]

Alternates clipdex's bench_text and the PyTorch reference's text tower (the same code path as
`jina_clip_ref.py bench`: text_forward on batch 8 x 16 random ids, median after warm-up) on the
same weights, R rounds, and prints each round's texts/s and the median ratio. Alternating keeps
both sides under the same background load when the machine is not quiet.
Run with Debian's /usr/bin/python3 (python3-torch); OMP_WAIT_POLICY=PASSIVE is set before torch
starts.
"""
import os
import sys

if os.environ.get("OMP_WAIT_POLICY") != "PASSIVE":
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import argparse  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "model", "reference"))
import torch  # noqa: E402
import jina_clip_ref as ref  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("bench_text")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=4.0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    cfg = ref.full_config()
    w, _ = ref.load_safetensors(os.path.join(a.model_dir, "model.safetensors"))
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(1000, 30000, (8, 16), generator=g)
    ratios, cpu_ratios = [], []
    for r in range(a.rounds):
        out = subprocess.run([a.bench_text, a.model_dir, str(a.threads), "8", "16", str(a.seconds)],
                             check=True, capture_output=True, text=True).stdout
        c = float(re.search(r"([0-9.]+) texts/s", out).group(1))
        cc = float(re.search(r"= ([0-9.]+) texts/s if", out).group(1))
        calls = []

        def one():
            calls.append(1)
            ref.text_forward(w, cfg.text, ids)

        with torch.inference_mode():
            one(), one()
            calls.clear()
            c0 = time.process_time()
            dt = ref._timeit(one, 3, a.seconds, warmup=0)
            cpu = time.process_time() - c0
        p = 8 / dt
        pc = 8 * len(calls) / cpu * a.threads
        ratios.append(c / p)
        cpu_ratios.append(cc / pc)
        print(f"round {r + 1}: clipdex {c:.1f} texts/s, PyTorch {p:.1f} texts/s, ratio {c / p:.2f}x; "
              f"by CPU time {cc:.1f} vs {pc:.1f}, ratio {cc / pc:.2f}x", flush=True)
    print(f"median ratio clipdex / PyTorch: {statistics.median(ratios):.2f}x wall, "
          f"{statistics.median(cpu_ratios):.2f}x by CPU time "
          f"({a.threads} threads, batch 8 x 16 tokens, torch {torch.__version__})")


if __name__ == "__main__":
    main()
