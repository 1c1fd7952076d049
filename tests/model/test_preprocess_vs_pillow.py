#!/usr/bin/env python3
"""Property test: clipdex's jina-clip-v1 image preprocessing against Pillow 9.4, live.

Random images in every mode the decoders give (1, L, LA, P with and without transparency, RGB,
RGBA, I from 16-bit grey PNG, CMYK JPEG), random sizes (tiny, huge aspect ratios, up to ~2 MP),
saved as PNG / JPEG / WebP / BMP / GIF, some JPEGs with EXIF orientations 2-8. The oracle is the
model's own pipeline: Image.open → ImageOps.exif_transpose (clipdex's default; --no-exif runs
skip it) → convert("RGB") → torchvision Resize(size, BICUBIC) / CenterCrop (its arithmetic:
int() truncation, round-half-even offsets) → float32 /255, (x - mean) / std. Max |diff| must be
<= 1e-6. The seed comes from the clock unless given and is printed.

Usage: test_preprocess_vs_pillow.py CDX_PREPROCESS_DUMP WORK_DIR [--cases N] [--seed S]
"""
import argparse
import io
import os
import random
import subprocess
import sys
import time

import numpy as np
from PIL import Image, ImageFile, ImageOps

ImageFile.MAXBLOCK = 1 << 24  # room for Pillow's JPEG encoder on noisy progressive images
MEAN = np.array([0.48145466, 0.4578275, 0.40821073], np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], np.float32)


def reference(path, size, exif):
    img = Image.open(path)
    if exif:
        img = ImageOps.exif_transpose(img)
    img = img.convert("RGB")
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(size * long / short)
    nw, nh = (size, new_long) if w <= h else (new_long, size)
    if (nw, nh) != (w, h):
        img = img.resize((nw, nh), Image.BICUBIC)
    top, left = int(round((nh - size) / 2.0)), int(round((nw - size) / 2.0))
    img = img.crop((left, top, left + size, top + size))
    a = np.asarray(img, dtype=np.uint8).astype(np.float32).transpose(2, 0, 1) / np.float32(255.0)
    return ((a - MEAN[:, None, None]) / STD[:, None, None]).astype(np.float32)


def random_size(rng):
    k = rng.random()
    if k < 0.15:
        w, h = rng.randint(1, 30), rng.randint(1, 30)
    elif k < 0.3:
        w, h = rng.randint(1, 10), rng.randint(200, 4000)
        if rng.random() < 0.5:
            w, h = h, w
    else:
        w, h = rng.randint(100, 1800), rng.randint(100, 1800)
    while w * h > 2_000_000:
        w, h = max(1, w // 2), max(1, h // 2)
    return w, h


def random_pixels(npr, rng, w, h, bands, hi=256):
    kind = rng.choice(["noise", "gradient", "blocks"])
    if kind == "noise":
        return npr.integers(0, hi, (h, w, bands))
    gx = np.linspace(0, hi - 1, w)[None, :, None]
    gy = np.linspace(0, hi - 1, h)[:, None, None]
    a = (gx * rng.random() + gy * rng.random()) % hi * np.ones((1, 1, bands))
    if kind == "blocks":
        for _ in range(rng.randint(1, 6)):
            x0, y0 = rng.randrange(w), rng.randrange(h)
            a[y0:y0 + rng.randint(1, h), x0:x0 + rng.randint(1, w)] = npr.integers(0, hi, bands)
    return a


def make_image(rng, npr, path_base):
    """Writes one random image file; returns its path."""
    w, h = random_size(rng)
    fmt = rng.choice(["png", "png", "jpeg", "jpeg", "webp", "bmp", "gif"])
    if fmt == "png":
        mode = rng.choice(["1", "L", "LA", "P", "RGB", "RGBA", "I16"])
    elif fmt == "jpeg":
        mode = rng.choice(["L", "RGB", "RGB", "CMYK"])
    elif fmt == "webp":
        mode = rng.choice(["RGB", "RGBA"])
    elif fmt == "bmp":
        mode = rng.choice(["L", "P", "RGB"])
    else:
        mode = "P"
    if mode == "I16":
        a = random_pixels(npr, rng, w, h, 1, 65536)[:, :, 0]
        img = Image.fromarray(a.astype(np.uint16), "I;16")
    elif mode == "1":
        img = Image.fromarray((random_pixels(npr, rng, w, h, 1)[:, :, 0] > 127).astype(np.uint8) * 255,
                              "L").convert("1")
    elif mode == "P":
        a = random_pixels(npr, rng, w, h, 1, rng.choice([4, 32, 256]))[:, :, 0].astype(np.uint8)
        img = Image.fromarray(a, "L").convert("P")
        img.putpalette(npr.integers(0, 256, 768).astype(np.uint8).tobytes())
        if rng.random() < 0.4 and fmt in ("png", "gif"):
            img.info["transparency"] = int(rng.randrange(4))
    else:
        bands = len(mode)
        a = random_pixels(npr, rng, w, h, bands).astype(np.uint8)
        img = Image.fromarray(a if bands > 1 else a[:, :, 0], mode)
    path = f"{path_base}.{fmt}"
    kw = {}
    if fmt == "jpeg":
        kw = {"quality": rng.randint(50, 98), "progressive": rng.random() < 0.3}
        if rng.random() < 0.4:
            ex = Image.Exif()
            ex[0x0112] = rng.randint(1, 8)
            kw["exif"] = ex.tobytes()
    if fmt == "png" and "transparency" in img.info:
        kw["transparency"] = img.info["transparency"]
    if fmt == "webp":
        kw = {"lossless": rng.random() < 0.5}
    img.save(path, fmt.upper(), **kw)
    return path, f"{mode} {w}x{h} {fmt}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("work")
    ap.add_argument("--cases", type=int, default=40)
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else int(time.time() * 1000) % (1 << 31)
    print(f"seed {seed} (CDX_SEED={seed} repeats this run)", flush=True)
    rng = random.Random(seed)
    npr = np.random.default_rng(seed)
    failures = 0
    for i in range(a.cases):
        path, what = make_image(rng, npr, os.path.join(a.work, f"img{i}"))
        size = 224 if rng.random() < 0.8 else rng.choice([1, 7, 32, 100, 300])
        exif = rng.random() < 0.7
        out = os.path.join(a.work, f"out{i}.f32")
        args = [a.tool, str(size)] + ([] if exif else ["--no-exif"]) + [path, out]
        r = subprocess.run(args, capture_output=True, text=True)
        if r.returncode != 0:
            print(f"FAIL case {i} ({what}, size {size}): tool failed: {r.stderr.strip()}")
            failures += 1
            continue
        got = np.fromfile(out, dtype="<f4").reshape(3, size, size)
        want = reference(path, size, exif)
        d = float(np.abs(got - want).max())
        if d > 1e-6:
            c, y, x = np.unravel_index(int(np.abs(got - want).argmax()), got.shape)
            print(f"FAIL case {i} ({what}, size {size}, exif {exif}): max|diff| {d:g} at c{c} y{y} x{x}")
            failures += 1
        os.remove(path)
        os.remove(out)
    print(f"{a.cases - failures}/{a.cases} cases equal Pillow (seed {seed})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
