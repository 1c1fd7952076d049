#!/usr/bin/env python3
"""Property test: clipdex's resampler against Debian's Pillow 9.4, bit for bit.

Generates random images (modes 1/L/LA/P/RGB/RGBA/I/CMYK, sizes 1..3000, noise, sharp-edged
rectangles, gradients, flat areas), runs Pillow's thumbnail / resize (all filters, random
boxes and reducing gaps) / reduce on them, runs tests/tools/cdx_resize_raw on the same raw
pixels, and compares the bytes; it also compares cdx_png_encode's PNG with Pillow's save().
The seed comes from the clock unless given; it is printed.

Usage: test_resample_vs_pillow.py CDX_RESIZE_RAW [--cases N] [--seed S]
"""
import argparse
import io
import math
import os
import random
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

MODES = ["1", "L", "LA", "P", "RGB", "RGBA", "I", "CMYK"]
BANDS = {"1": 1, "L": 1, "LA": 2, "P": 1, "RGB": 3, "RGBA": 4, "I": 1, "CMYK": 4}
FILTERS = [Image.BOX, Image.BILINEAR, Image.HAMMING, Image.BICUBIC, Image.LANCZOS]
MAX_PIXELS = 2_500_000


def random_size(rng):
    kind = rng.random()
    if kind < 0.15:
        w, h = rng.randint(1, 40), rng.randint(1, 40)
    elif kind < 0.3:  # extreme aspect ratios
        w, h = rng.randint(1, 12), rng.randint(200, 3000)
        if rng.random() < 0.5:
            w, h = h, w
    else:
        w, h = rng.randint(1, 3000), rng.randint(1, 3000)
    while w * h > MAX_PIXELS:
        w, h = max(1, w // 2), max(1, h // 2)
    return w, h


def random_content(rng, npr, mode, w, h):
    bands = BANDS[mode]
    kind = rng.choice(["noise", "rects", "gradient", "mixed"])
    hi = 256
    if mode == "1":
        hi = 2
    elif mode == "P":
        hi = rng.choice([2, 4, 16, 256])
    if kind == "noise":
        a = npr.integers(0, hi, size=(h, w, bands))
    else:
        a = np.zeros((h, w, bands), np.int64)
        if kind in ("gradient", "mixed"):
            gx = np.linspace(0, hi - 1, w)[None, :, None]
            gy = np.linspace(0, hi - 1, h)[:, None, None]
            a = ((gx * rng.random() + gy * rng.random()) % hi).astype(np.int64) + a
        for _ in range(rng.randint(1, 12)):
            x0, x1 = sorted(rng.randint(0, w) for _ in range(2))
            y0, y1 = sorted(rng.randint(0, h) for _ in range(2))
            a[y0:y1 + 1, x0:x1 + 1, :] = npr.integers(0, hi, size=bands)
        if kind == "mixed":
            m = npr.random((h, w)) < 0.1
            a[m] = npr.integers(0, hi, size=(int(m.sum()), bands))
    if mode in ("LA", "RGBA") and rng.random() < 0.5:  # fully transparent / opaque areas
        alpha = a[:, :, -1]
        alpha[npr.random((h, w)) < 0.2] = 0
        alpha[npr.random((h, w)) < 0.2] = 255
    if mode == "1":
        a = a * 255
    if mode == "I":
        a = a[:, :, 0] * 257 if rng.random() < 0.7 else npr.integers(-70000, 140000, size=(h, w))
        return Image.fromarray(a.astype(np.int32), "I")
    a = a.astype(np.uint8)
    if mode in ("L", "P"):
        im = Image.fromarray(a[:, :, 0], "L")
        if mode == "P":
            im = im.convert("P")
            im.putpalette(bytes(npr.integers(0, 256, size=hi * 3, dtype=np.uint8)))
        return im
    if mode == "1":
        return Image.fromarray(a[:, :, 0], "L").convert("1", dither=Image.NONE)
    return Image.frombytes(mode, (w, h), a.tobytes())


def raw_bytes(im):
    if im.mode == "1":
        return im.convert("L").tobytes()
    if im.mode == "I":
        return np.asarray(im, dtype=np.int32).tobytes()
    return im.tobytes()


def pillow_png(im):
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def random_op(rng, im):
    """Returns (description, tool args, Pillow result)."""
    w, h = im.size
    r = rng.random()
    if r < 0.35:
        size = rng.choice([224, 224, rng.randint(1, 400)])
        ref = im.copy()
        ref.thumbnail((size, size), Image.LANCZOS)
        return f"thumbnail({size})", ["thumb", str(size)], ref
    if r < 0.8 or im.mode in ("1", "P", "LA", "RGBA"):
        tw, th = rng.randint(1, min(3 * w, 600)), rng.randint(1, min(3 * h, 600))
        flt = rng.choice(FILTERS + [Image.NEAREST])
        gap = rng.choice([None, 1.0, 1.5, 2.0, 3.0])
        box = None
        if rng.random() < 0.4:
            x0, x1 = sorted(rng.uniform(0, w) for _ in range(2))
            y0, y1 = sorted(rng.uniform(0, h) for _ in range(2))
            if rng.random() < 0.3:  # JPEG draft-like float box
                s = rng.choice([2, 4, 8])
                x0, y0, x1, y1 = 0, 0, w - rng.random() * 0.99, h - rng.random() * 0.99
                x1, y1 = max(x1, 0.5), max(y1, 0.5)
                del s
            box = (x0, y0, x1, y1)
        ref = im.resize((tw, th), flt, box=box, reducing_gap=gap)
        args = ["resize", str(tw), str(th), str(int(flt)), repr(gap or 0.0)]
        if box is not None:
            args += [repr(float(v)) for v in box]
        return f"resize({tw}x{th}, filter={int(flt)}, box={box}, gap={gap})", args, ref
    fx, fy = rng.randint(1, 9), rng.randint(1, 9)
    if fx == fy == 1:
        fx = 2
    x0, x1 = sorted(rng.sample(range(w + 1), 2)) if w > 1 else (0, 1)
    y0, y1 = sorted(rng.sample(range(h + 1), 2)) if h > 1 else (0, 1)
    ref = im.reduce((fx, fy), (x0, y0, x1, y1))
    return f"reduce({fx}x{fy}, box={(x0, y0, x1, y1)})", ["reduce", str(fx), str(fy), str(x0),
                                                           str(y0), str(x1), str(y1)], ref


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("--cases", type=int, default=60)
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else int(time.time() * 1000) % 2**31
    print(f"seed {seed} (rerun: {sys.argv[0]} {a.tool} --cases {a.cases} --seed {seed})")
    rng = random.Random(seed)
    npr = np.random.default_rng(seed)
    tmp = tempfile.mkdtemp(prefix="cdx_resample_")
    fin, fout = os.path.join(tmp, "in.raw"), os.path.join(tmp, "out.raw")
    fpng = os.path.join(tmp, "out.png")
    bad = 0
    for i in range(a.cases):
        mode = MODES[i % len(MODES)]
        w, h = random_size(rng)
        im = random_content(rng, npr, mode, w, h)
        desc, args, ref = random_op(rng, im)
        with open(fin, "wb") as f:
            f.write(raw_bytes(im))
        if mode == "P":
            with open(fin + ".pal", "wb") as f:
                f.write(im.palette.getdata()[1])
        env = dict(os.environ, CDX_PNG_OUT=fpng)
        p = subprocess.run([a.tool, mode, str(w), str(h), fin, fout] + args,
                           capture_output=True, text=True, env=env)
        label = f"case {i}: {mode} {w}x{h} {desc}"
        if p.returncode != 0:
            print(f"FAIL {label}: tool failed: {p.stderr.strip()}")
            bad += 1
            continue
        got_size = tuple(int(v) for v in p.stdout.split())
        got = open(fout, "rb").read()
        want = raw_bytes(ref)
        if ref.mode != mode or got_size != ref.size or got != want:
            g = np.frombuffer(got, np.uint8).astype(int)
            wv = np.frombuffer(want, np.uint8).astype(int)
            n = min(len(g), len(wv))
            diff = int(np.count_nonzero(g[:n] != wv[:n]))
            print(f"FAIL {label}: size {got_size} vs {ref.size} mode {ref.mode}, "
                  f"{diff} bytes differ of {len(wv)}")
            bad += 1
        elif mode != "CMYK" and open(fpng, "rb").read() != pillow_png(ref):
            print(f"FAIL {label}: pixels identical but PNG bytes differ from Pillow's save()")
            bad += 1
        else:
            print(f"ok   {label} -> {ref.size}")
    for f in (fin, fout, fpng, fin + ".pal"):
        if os.path.exists(f):
            os.remove(f)
    os.rmdir(tmp)
    print(f"{a.cases - bad}/{a.cases} identical (seed {seed})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
