"""Decoded pixels, mode, size, palette, transparency and ICC length must equal Pillow's, bit for
bit: every fixture, plus freshly generated random images of every PNG bit depth / colour type
(interlaced too), JPEG (baseline, progressive, grey, CMYK) at draft scales 1/2/4/8, WebP,
GIF and BMP variants, and EXIF orientations 1-8 against ImageOps.exif_transpose.
Usage: test_decode_vs_pillow.py TOOLS_DIR FIXTURES_DIR WORK_DIR [SEED]"""
import io, os, random, struct, subprocess, sys, zlib
import numpy as np
from PIL import Image, ImageFile, ImageOps

# Pillow's JPEG encoder writes progressive images through one buffer of
# max(MAXBLOCK, width*height) bytes; high-quality noise can need more, and the save then fails
# with "encoder error -2" (Suspension not allowed here). Give the oracle room to write its inputs.
ImageFile.MAXBLOCK = 1 << 24

TOOLS, FIXTURES, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
SEED = int(sys.argv[4]) if len(sys.argv) > 4 else random.randrange(1 << 30)
rng = random.Random(SEED)
DUMP = os.path.join(TOOLS, "cdx_decode_dump")
failures = []
checked = 0
print(f"seed {SEED} (set CDX_SEED={SEED} to repeat this run)", flush=True)


def pillow_reference(path, scale, exif):
    im = Image.open(path)
    if scale > 1:
        im.draft(im.mode, (im.size[0] // scale, im.size[1] // scale))
    im = ImageOps.exif_transpose(im) if exif else im
    im.load()
    return im


def pillow_bytes(im):
    if im.mode == "1":
        return np.asarray(im.convert("L")).tobytes()
    if im.mode == "I":
        return np.asarray(im, dtype="<i4").tobytes()
    return im.tobytes()


def pillow_trns(im):
    t = im.info.get("transparency")
    if t is None:
        return "-"
    if isinstance(t, bytes):
        return t.hex()
    if isinstance(t, tuple):
        return ",".join(str(v) for v in t)
    return str(t)


def check(path, scale=1, exif=True, label=""):
    global checked
    checked += 1
    out = os.path.join(WORK, "dump.raw")
    args = [DUMP, "--scale", str(scale)] + ([] if exif else ["--no-exif"]) + [path, out]
    r = subprocess.run(args, capture_output=True, text=True)
    name = f"{label or os.path.basename(path)} scale={scale} exif={exif}"
    try:
        ref = pillow_reference(path, scale, exif)
    except Exception as e:  # Pillow refuses it: we must refuse too
        if r.returncode == 0:
            failures.append(f"{name}: Pillow fails ({e}) but we decode")
        return
    if r.returncode != 0:
        failures.append(f"{name}: we fail: {r.stderr.strip()}")
        return
    mode, w, h, pal, icc, trns = r.stdout.split()
    data = open(out, "rb").read()
    exp = pillow_bytes(ref)
    ours_px = data[: len(exp)]
    problems = []
    if (mode, int(w), int(h)) != (ref.mode, ref.size[0], ref.size[1]):
        problems.append(f"mode/size {mode} {w}x{h} != {ref.mode} {ref.size}")
    elif ours_px != exp:
        a = np.frombuffer(ours_px, np.uint8).astype(int)
        b = np.frombuffer(exp, np.uint8).astype(int)
        n = min(len(a), len(b))
        problems.append(f"pixels differ ({np.count_nonzero(a[:n] != b[:n])} bytes, max "
                        f"{np.abs(a[:n] - b[:n]).max() if n else 0}, len {len(a)} vs {len(b)})")
    if mode == "P" and not problems:
        ours_pal = data[len(exp):]
        ref_pal = bytes(ref.getpalette()[: int(pal) * 3])
        if ours_pal != ref_pal:
            problems.append("palette differs")
    if trns.removeprefix("trns=") != pillow_trns(ref):
        problems.append(f"transparency {trns} != {pillow_trns(ref)}")
    ref_icc = len(ref.info.get("icc_profile") or b"")
    if int(icc.removeprefix("icc=")) != ref_icc:
        problems.append(f"{icc} != icc={ref_icc}")
    if problems:
        failures.append(f"{name}: " + "; ".join(problems))


# ---- generators ---------------------------------------------------------------------------

def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def pack_rows(samples, depth):
    """samples: h x w x c uint array -> list of packed rows (bytes)."""
    h, w, c = samples.shape
    rows = []
    for y in range(h):
        s = samples[y].reshape(-1)
        if depth == 16:
            rows.append(s.astype(">u2").tobytes())
        elif depth == 8:
            rows.append(s.astype(np.uint8).tobytes())
        else:
            per = 8 // depth
            pad = (-len(s)) % per
            s = np.concatenate([s, np.zeros(pad, dtype=s.dtype)]).reshape(-1, per)
            b = np.zeros(len(s), dtype=np.uint32)
            for i in range(per):
                b = (b << depth) | s[:, i].astype(np.uint32)
            rows.append(b.astype(np.uint8).tobytes())
    return rows


def write_png(path, samples, depth, ctype, interlace=False, extra=b""):
    h, w, _ = samples.shape
    raw = b""
    if interlace:
        for x0, y0, dx, dy in ADAM7:
            sub = samples[y0::dy, x0::dx]
            if sub.size:
                raw += b"".join(b"\0" + r for r in pack_rows(sub, depth))
    else:
        raw = b"".join(b"\0" + r for r in pack_rows(samples, depth))
    ihdr = struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 1 if interlace else 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra
    data += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    open(path, "wb").write(data)


def exif_bytes(orientation):
    e = Image.Exif()
    e[0x0112] = orientation
    return e.tobytes()


def gen_png(i):
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
    combos = [(d, 0) for d in (1, 2, 4, 8, 16)] + [(8, 2), (16, 2)] + [(d, 3) for d in (1, 2, 4, 8)]
    combos += [(8, 4), (16, 4), (8, 6), (16, 6)]
    for depth, ctype in combos:
        w, h = rng.randint(1, 70), rng.randint(1, 70)
        maxv = (1 << depth) - 1
        s = np.array([[[rng.randint(0, maxv) for _ in range(channels[ctype])] for _ in range(w)]
                      for _ in range(h)], dtype=np.uint32)
        extra = b""
        if ctype == 3:
            n = rng.randint(1, 1 << depth)
            s %= n
            extra += chunk(b"PLTE", bytes(rng.randrange(256) for _ in range(3 * n)))
            kind = rng.choice(["none", "simple", "bytes"])
            if kind == "simple":
                t = rng.randrange(n)
                extra += chunk(b"tRNS", b"\xff" * t + b"\0" + b"\xff" * rng.randint(0, n - t - 1))
            elif kind == "bytes":
                extra += chunk(b"tRNS", bytes(rng.randrange(256) for _ in range(rng.randint(1, n))))
        elif ctype in (0, 2) and rng.random() < 0.5:
            key = s[rng.randrange(h), rng.randrange(w)]
            extra += chunk(b"tRNS", b"".join(struct.pack(">H", int(k)) for k in key))
        if rng.random() < 0.3:
            o = rng.randint(1, 8)
            extra += chunk(b"eXIf", exif_bytes(o)[6:])  # PNG eXIf holds bare TIFF
        for interlace in (False, True):
            p = os.path.join(WORK, f"png_{depth}_{ctype}_{int(interlace)}_{i}.png")
            write_png(p, s, depth, ctype, interlace, extra)
            check(p, label=os.path.basename(p))
            check(p, exif=False, label=os.path.basename(p))


def noise_image(mode, w, h):
    a = np.array([[rng.randrange(256) for _ in range(w * len(mode))] for _ in range(h)], np.uint8)
    smooth = Image.linear_gradient("L").resize((w, h))
    base = Image.frombytes(mode, (w, h), a.tobytes())
    if mode in ("RGB", "L"):
        return Image.blend(base, smooth.convert(mode), 0.6)
    return base


def gen_jpeg(i):
    for mode in ("RGB", "L", "CMYK"):
        for progressive in (False, True):
            w, h = rng.randint(8, 300), rng.randint(8, 300)
            im = noise_image(mode, w, h)
            p = os.path.join(WORK, f"jpeg_{mode}_{int(progressive)}_{i}.jpg")
            kw = dict(quality=rng.randint(30, 95), progressive=progressive)
            if mode == "RGB":
                kw["subsampling"] = rng.choice([0, 1, 2])
            im.save(p, **kw)
            for s in (1, 2, 4, 8):
                check(p, scale=s, exif=False)
    for o in range(1, 9):
        p = os.path.join(WORK, f"jpeg_exif{o}_{i}.jpg")
        noise_image("RGB", rng.randint(8, 120), rng.randint(8, 120)).save(p, exif=exif_bytes(o))
        check(p)
        check(p, exif=False)


def gen_webp(i):
    for mode, lossless in (("RGB", False), ("RGBA", False), ("RGB", True), ("RGBA", True)):
        w, h = rng.randint(1, 200), rng.randint(1, 200)
        p = os.path.join(WORK, f"webp_{mode}_{int(lossless)}_{i}.webp")
        kw = dict(lossless=lossless, quality=rng.randint(30, 95))
        if rng.random() < 0.5:
            kw["exif"] = exif_bytes(rng.randint(1, 8))
        noise_image(mode, w, h).save(p, **kw)
        check(p)
        check(p, exif=False)


def gen_gif(i):
    for kind in ("P", "L", "Ptrns"):
        w, h = rng.randint(1, 150), rng.randint(1, 150)
        if kind == "L":
            im = noise_image("L", w, h)
        else:
            im = noise_image("RGB", w, h).quantize(rng.randint(2, 256))
        p = os.path.join(WORK, f"gif_{kind}_{i}.gif")
        kw = {"transparency": rng.randrange(2)} if kind == "Ptrns" else {}
        im.save(p, interlace=rng.random() < 0.5, **kw)
        check(p)


def write_bmp(path, bits, w, h, top_down, rng_pal_grey=False):
    row = ((w * bits + 31) // 32) * 4
    colors = 1 << bits if bits <= 8 else 0
    if bits <= 8:
        if rng_pal_grey:
            vals = [0, 255] if colors == 2 else list(range(colors))
            pal = b"".join(bytes([v, v, v, 0]) for v in vals)
        else:
            pal = bytes(rng.randrange(256) for _ in range(4 * colors))
    else:
        pal = b""
    pixels = bytes(rng.randrange(256) for _ in range(row * h))
    off = 14 + 40 + len(pal)
    hdr = b"BM" + struct.pack("<IHHI", off + len(pixels), 0, 0, off)
    info = struct.pack("<IiiHHIIiiII", 40, w, -h if top_down else h, 1, bits, 0, len(pixels), 2835, 2835, 0, 0)
    open(path, "wb").write(hdr + info + pal + pixels)


def gen_bmp(i):
    for bits in (1, 4, 8, 16, 24, 32):
        for top_down in (False, True):
            p = os.path.join(WORK, f"bmp_{bits}_{int(top_down)}_{i}.bmp")
            write_bmp(p, bits, rng.randint(1, 90), rng.randint(1, 90), top_down)
            check(p)
    for bits in (1, 8):
        p = os.path.join(WORK, f"bmp_grey{bits}_{i}.bmp")
        write_bmp(p, bits, rng.randint(1, 90), rng.randint(1, 90), False, True)
        check(p)
    p = os.path.join(WORK, f"bmp_pil_{i}.bmp")
    noise_image("RGB", rng.randint(1, 90), rng.randint(1, 90)).save(p)
    check(p)


for f in sorted(os.listdir(os.path.join(FIXTURES, "images"))):
    p = os.path.join(FIXTURES, "images", f)
    if os.path.isfile(p) and not f.endswith(".md"):
        check(p)
        check(p, exif=False)
        if f.endswith(".jpg"):
            for s in (2, 4, 8):
                check(p, scale=s, exif=False)

rounds = int(os.environ.get("CDX_PROPERTY_ROUNDS", "2"))
for i in range(rounds):
    gen_png(i)
    gen_jpeg(i)
    gen_webp(i)
    gen_gif(i)
    gen_bmp(i)

print(f"seed {SEED}: {checked} decodes compared with Pillow {Image.__version__}, {len(failures)} failures")
for f in failures[:40]:
    print("FAIL", f)
sys.exit(1 if failures else 0)
