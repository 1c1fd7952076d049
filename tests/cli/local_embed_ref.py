#!/usr/bin/env python3
"""What `clipdex embed --backend local --json` must print, from the PyTorch reference
(tests/model/reference/jina_clip_ref.py) on the same model directory: texts tokenized by the
reference's WordPiece tokenizer (the fixture vocabulary) and images preprocessed by the
reference's preprocess_image after Pillow's EXIF transpose, then text_forward / vision_forward and
L2 normalisation. Compares with clipdex's JSON Lines (inputs in order, failed inputs absent).

Usage: local_embed_ref.py SOURCE MODEL VOCAB CLIPDEX_JSONL (text:T | image:PATH | bad:PATH)...
Exits 1 (printing each difference) when an embedding differs by more than 1e-4 or the lines
are not the expected inputs in order.
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image, ImageOps

TOL = 1e-4


def main():
    source, model, vocab, got_path = sys.argv[1:5]
    inputs = [a.split(":", 1) for a in sys.argv[5:]]
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
        d = float(np.abs(np.asarray(g["embedding"], dtype=np.float32) - v).max())
        print(f"  {'ok' if d <= TOL else 'FAIL'} {name[:40]!r}: max|diff| {d:.2e}")
        bad += d > TOL
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
