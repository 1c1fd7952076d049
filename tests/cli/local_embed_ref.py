#!/usr/bin/env python3
"""What `clipdex embed --backend local --json` must print, from the PyTorch reference
(tests/model/reference/jina_clip_ref.py) on the same model directory: texts tokenized by the
reference's WordPiece tokenizer (the fixture vocabulary) and images preprocessed by the
reference's preprocess_image after Pillow's EXIF transpose, then text_forward / vision_forward and
L2 normalisation. Compares with clipdex's JSON Lines (inputs in order, failed inputs absent).

Usage: local_embed_ref.py [--min-cos C] SOURCE MODEL VOCAB CLIPDEX_JSONL (text:T | image:PATH |
bad:PATH)...
Exits 1 (printing each difference) when an embedding differs by more than 1e-4 (with --min-cos:
when its cosine similarity with the reference's is below C) or the lines are not the expected
inputs in order.
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image, ImageOps

TOL = 1e-4


def main():
    args = sys.argv[1:]
    min_cos = None
    if args[0] == "--min-cos":
        min_cos = float(args[1])
        args = args[2:]
    source, model, vocab, got_path = args[:4]
    inputs = [a.split(":", 1) for a in args[4:]]
    sys.path.insert(0, os.path.join(source, "tests", "model", "reference"))
    import jina_clip_ref as ref

    cfg = ref.ClipConfig.from_json(json.load(open(os.path.join(model, "config.json"))))
    w, _ = ref.load_safetensors(os.path.join(model, "model.safetensors"))
    tok = ref.WordPieceTokenizer(vocab)
    want = []
    with torch.no_grad():
        for kind, value in inputs:
            if kind == "text":
                ids = torch.tensor([tok.encode(value, cfg.text.max_length)], dtype=torch.long)
                v = ref.l2_normalize(ref.text_forward(w, cfg.text, ids, torch.ones_like(ids)))
            elif kind == "image":
                img = ImageOps.exif_transpose(Image.open(value))
                px = ref.preprocess_image(img, cfg.vision)[None]
                v = ref.l2_normalize(ref.vision_forward(w, cfg.vision, px))
            else:
                continue  # an input clipdex must fail on: no line
            want.append((value, v[0].numpy()))
    got = [json.loads(line) for line in open(got_path)]
    bad = 0
    if [g["input"] for g in got] != [w_[0] for w_ in want]:
        print("inputs differ: got", [g["input"] for g in got], "want", [w_[0] for w_ in want])
        return 1
    for g, (name, v) in zip(got, want):
        e = np.asarray(g["embedding"], dtype=np.float64)
        if min_cos is not None:
            c = float(e @ v / (np.linalg.norm(e) * np.linalg.norm(v)))
            print(f"  {'ok' if c >= min_cos else 'FAIL'} {name[:40]!r}: cosine {c:.6f}")
            bad += c < min_cos
            continue
        d = float(np.abs(e - v).max())
        print(f"  {'ok' if d <= TOL else 'FAIL'} {name[:40]!r}: max|diff| {d:.2e}")
        bad += d > TOL
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
