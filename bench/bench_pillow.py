#!/usr/bin/python3
"""bench_pillow.py — the peer of bench_thumb.c: the same Jina API pipeline in Pillow
(Image.open(BytesIO) -> thumbnail((224, 224), LANCZOS) -> save PNG -> b64encode), one process
or N processes (one image per process, multiprocessing), printing RESULT lines like bench_thumb.
Also generates the benchmark's photo-like 12 MP JPEG (--make-photo OUT). Debian's python3-pil.
"""
import argparse
import base64
import io
import multiprocessing as mp
import time

from PIL import Image


def pipeline_once(data):
    im = Image.open(io.BytesIO(data))
    im.thumbnail((224, 224), Image.LANCZOS)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue())


def worker(data, seconds, barrier):
    pipeline_once(data)  # warm-up, as bench_thumb does
    if barrier is not None:
        barrier.wait()
    t0, c0 = time.perf_counter(), time.process_time()
    count, elapsed = 0, 0.0
    while elapsed < seconds:
        pipeline_once(data)
        count += 1
        elapsed = time.perf_counter() - t0
    return count, elapsed, time.process_time() - c0


def _pool_worker(args):
    path, seconds = args
    return worker(open(path, "rb").read(), seconds, _barrier)


_barrier = None


def _init(barrier):
    global _barrier
    _barrier = barrier


def throughput(path, procs, seconds):
    if procs == 1:
        count, elapsed, cpu = worker(open(path, "rb").read(), seconds, None)
        return count / elapsed, count / cpu
    barrier = mp.Barrier(procs)
    with mp.Pool(procs, initializer=_init, initargs=(barrier,)) as pool:
        results = pool.map(_pool_worker, [(path, seconds)] * procs, chunksize=1)
    total = sum(r[0] for r in results)
    return total / max(r[1] for r in results), total / sum(r[2] for r in results)


def steps(path, runs=15):
    """Median ms of Pillow's steps, split as bench_thumb --steps splits clipdex's."""
    data = open(path, "rb").read()
    t = {"decode": [], "resample": [], "png": [], "base64": []}
    for _ in range(runs):
        t0 = time.perf_counter()
        im = Image.open(io.BytesIO(data))
        im.draft(im.mode, (448, 448 * im.height // im.width))  # what thumbnail() asks (approx.)
        im.load()
        t1 = time.perf_counter()
        im = Image.open(io.BytesIO(data))
        im.thumbnail((224, 224), Image.LANCZOS)
        t2 = time.perf_counter()
        buf = io.BytesIO()
        im.save(buf, format="PNG")
        t3 = time.perf_counter()
        base64.b64encode(buf.getvalue())
        t4 = time.perf_counter()
        for k, v in zip(t, (t1 - t0, t2 - t1 - (t1 - t0), t3 - t2, t4 - t3)):
            t[k].append(v * 1e3)
    med = {k: sorted(v)[runs // 2] for k, v in t.items()}
    print(f"STEPS\t{path}\tdecode {med['decode']:.2f} ms\tresample {med['resample']:.2f} ms\t"
          f"png {med['png']:.2f} ms ({len(buf.getvalue())} B)\tbase64 {med['base64']:.2f} ms", flush=True)


def make_photo(out):
    """A 4000x3000 photo-like JPEG: smooth gradients and shapes plus sensor-like noise, q90."""
    import numpy as np
    rng = np.random.default_rng(12)
    h, w = 3000, 4000
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    r = 60 + 150 * y + 30 * np.sin(9 * x)
    g = 90 + 100 * x * (1 - y) + 25 * np.cos(13 * y)
    b = 170 - 110 * y + 20 * np.sin(7 * x + 5 * y)
    img = np.stack([r + 0 * x, g + 0 * y, b], axis=-1)
    img += rng.normal(0, 10, img.shape).astype(np.float32)
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB").save(out, quality=90)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--procs", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--make-photo", metavar="OUT")
    ap.add_argument("--steps", action="store_true")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    if a.make_photo:
        make_photo(a.make_photo)
        return
    for f in a.files:
        if a.steps:
            steps(f)
            continue
        rate, cpu_rate = throughput(f, a.procs, a.seconds)
        print(f"RESULT\t{f}\t{a.procs}\t{rate:.2f}\t{cpu_rate:.2f}", flush=True)


if __name__ == "__main__":
    main()
