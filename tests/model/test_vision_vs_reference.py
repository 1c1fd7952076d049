#!/usr/bin/env python3
"""The vision tower against the PyTorch reference (tests/model/reference/jina_clip_ref.py) on
random weights the reference writes at test time.

For each seed: `make` a model (tiny, or full with --config full), run tests/tools/cdx_vision_run
on its reference_io pixel_values, and require max |diff| <= 1e-4 for every traced intermediate
the reference recorded (vision.embed_out, vision.block0_out, vision.block<L-1>_out), the pooled
embeddings (traced path) and the normalised ones from the batch path and from each image run
alone. Then end to end: fixture images -> clipdex preprocessing -> tower equals the reference's
vision_forward on the same pixel_values, and (full-size preprocessing) the reference's own
`preproc` test vector (raw RGB -> pixel_values) equals clipdex's preprocessing of that image.

Usage: test_vision_vs_reference.py TOOLS WORK FIXTURES [--config tiny|full] [--seeds S,S,...]
"""
import argparse
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.join(HERE, "reference", "jina_clip_ref.py")
sys.path.insert(0, os.path.join(HERE, "reference"))
import jina_clip_ref as ref  # noqa: E402
import torch  # noqa: E402

TOL = 1e-4
failures = []


def check(label, got, want):
    want = np.asarray(want, dtype=np.float32)
    got = got.reshape(want.shape)
    d = float(np.abs(got - want).max()) if want.size else 0.0
    status = "ok" if d <= TOL else "FAIL"
    print(f"  {status} {label}: max|diff| {d:.3e} (shape {list(want.shape)})", flush=True)
    if d > TOL:
        failures.append(label)


def read_f32(path):
    return np.fromfile(path, dtype="<f4")


def run_tool(tools, model, out, args):
    os.makedirs(out, exist_ok=True)
    r = subprocess.run([os.path.join(tools, "cdx_vision_run"), model, out, "--threads", "2"] + args,
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout + r.stderr)
        failures.append(f"cdx_vision_run {' '.join(args[:1])} failed")
        return False
    return True


def compare_model(tools, work, config, seed):
    model = os.path.join(work, f"{config}-{seed}")
    subprocess.run([sys.executable, REF, "make", "--config", config, "--seed", str(seed), "--out", model],
                   check=True, stdout=subprocess.DEVNULL)
    io, _ = ref.load_safetensors(os.path.join(model, "reference_io.safetensors"))
    px = io["pixel_values"].numpy().astype("<f4")
    n = px.shape[0]
    px_path = os.path.join(work, "pixels.f32")
    px.tofile(px_path)
    out = os.path.join(model, "out")
    print(f"{config} seed {seed}: {n} images", flush=True)
    if not run_tool(tools, model, out, ["pixels", px_path, str(n)]):
        return model
    for name in sorted(k for k in io if k.startswith("vision.")):
        check(f"{config}/{seed} {name}", read_f32(os.path.join(out, name + ".f32")), io[name].numpy())
    check(f"{config}/{seed} image_embeds (traced)", read_f32(os.path.join(out, "image_embeds.f32")),
          io["image_embeds"].numpy())
    check(f"{config}/{seed} image_embeds_normalized (batch)",
          read_f32(os.path.join(out, "image_embeds_normalized.f32")), io["image_embeds_normalized"].numpy())
    check(f"{config}/{seed} image_embeds_normalized (one by one)",
          read_f32(os.path.join(out, "single.f32")), io["image_embeds_normalized"].numpy())
    if config == "tiny":
        # more images than one internal pass holds (16): the batch is split and put back in order
        big = np.concatenate([px[::-1], px] * 5)
        big.tofile(px_path)
        out = os.path.join(model, "out-big")
        if run_tool(tools, model, out, ["pixels", px_path, str(len(big))]):
            want = io["image_embeds_normalized"].numpy()
            check(f"{config}/{seed} {len(big)} images in one call",
                  read_f32(os.path.join(out, "image_embeds_normalized.f32")),
                  np.concatenate([want[::-1], want] * 5))
    return model, io


def end_to_end(tools, model, fixtures, images):
    """fixture images -> our preprocessing + tower == reference tower on our pixel_values."""
    cfg = ref.ClipConfig.from_json(__import__("json").load(open(os.path.join(model, "config.json"))))
    w, _ = ref.load_safetensors(os.path.join(model, "model.safetensors"))
    out = os.path.join(model, "e2e")
    paths = [os.path.join(fixtures, "images", f) for f in images]
    if not run_tool(tools, model, out, ["images"] + paths):
        return
    S = cfg.vision.image_size
    px = read_f32(os.path.join(out, "pixel_values.f32")).reshape(len(paths), 3, S, S)
    # our preprocessing at this size equals the Python pipeline on the same file
    from PIL import Image, ImageOps
    # clipdex applies EXIF orientation first (the reference's preprocess_image does not)
    want_px = np.stack([ref.preprocess_image(ImageOps.exif_transpose(Image.open(p)), cfg.vision).numpy()
                        for p in paths])
    check("e2e preprocessing (EXIF applied) vs reference preprocess_image", px, want_px)
    with torch.no_grad():
        emb = ref.l2_normalize(ref.vision_forward(w, cfg.vision, torch.from_numpy(px.copy()))).numpy()
    check("e2e fixture images -> embeddings", read_f32(os.path.join(out, "image_embeds_normalized.f32")), emb)


def preproc_vector(tools, work, io):
    """The reference's own preprocessing test vector (raw RGB 320x240 -> 224 pixel_values)."""
    from PIL import Image
    raw = io["preproc.raw_rgb_u8"].numpy()
    png = os.path.join(work, "preproc.png")
    Image.fromarray(raw, "RGB").save(png)
    out = os.path.join(work, "preproc.f32")
    subprocess.run([os.path.join(tools, "cdx_preprocess_dump"), "224", png, out], check=True)
    check("reference preproc.pixel_values (224)", read_f32(out), io["preproc.pixel_values"].numpy())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tools")
    ap.add_argument("work")
    ap.add_argument("fixtures")
    ap.add_argument("--config", default="tiny")
    ap.add_argument("--seeds", default="0,1,7")
    a = ap.parse_args()
    model, io = None, None
    for s in [int(x) for x in a.seeds.split(",")]:
        r = compare_model(a.tools, a.work, a.config, s)
        if isinstance(r, tuple):
            model, io = r
    if model:
        end_to_end(a.tools, model, a.fixtures,
                   ["png_rgb_1024x768.png", "jpeg_exif_orient6_800x600.jpg", "png_palette_400x300.png"]
                   if a.config == "tiny" else ["png_rgb_1024x768.png"])
        preproc_vector(a.tools, a.work, io)
    if failures:
        print(f"{len(failures)} comparison(s) failed: {failures}")
        return 1
    print("all comparisons within 1e-4")
    return 0


if __name__ == "__main__":
    sys.exit(main())
