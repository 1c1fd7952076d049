#!/usr/bin/python3
"""qgemm_accuracy.py — end-to-end accuracy of integer linear-layer schemes on jina-clip-v1,
simulated in the PyTorch reference (a measurement oracle, not part of clipdex). Every `linear` of
both towers is replaced by its fake-quantised twin, the towers run on random-weight models, and the
script prints the cosine of each embedding with the fp32 one. Schemes (src/model/qgemm.h; more
variants in SCHEMES):
  w10a10   per-row 0..1023 activations (asymmetric) x per-row [-511, 511] weights (the default)
  w8a8     per-row u8 activations (asymmetric) x per-row int8 weights
  ort      per-tensor u8 activations x per-tensor int8 weights (ONNX Runtime's quantize_dynamic)
Usage: /usr/bin/python3 bench/qgemm_accuracy.py REF.py [--config full|tiny] [--seeds 0,1]
       [--images 4] [--texts 8] [--threads 2] [--schemes w10a10,w8a8,ort] [--towers images,texts]
(REF.py is the reference implementation, jina_clip_ref.py.)"""
import argparse
import importlib.util
import sys

import torch
import torch.nn.functional as F


def fake_weight(w, per_row, wmax=127):
    if per_row is None:
        return w
    amax = w.abs().amax(dim=-1, keepdim=True) if per_row else w.abs().amax()
    amax = torch.where(amax > 0, amax, torch.ones_like(amax))
    q = torch.round(w * (wmax / amax)).clamp(-wmax, wmax)
    return q * (amax / wmax)


def fake_act(x, per_row, levels=255):
    if per_row is None:
        return x
    if per_row:
        lo = x.amin(dim=-1, keepdim=True).clamp(max=0)
        hi = x.amax(dim=-1, keepdim=True).clamp(min=0)
    else:
        lo, hi = x.min().clamp(max=0), x.max().clamp(min=0)
    rng = hi - lo
    rng = torch.where(rng > 0, rng, torch.ones_like(rng))
    inv = levels / rng
    z = torch.round(-lo * inv).clamp(0, levels)
    q = (torch.round(x * inv) + z).clamp(0, levels)
    return (q - z) * (rng / levels)


# name: (activations per row?, activation levels, weights per row?, max |int weight|);
# None = kept in fp32
SCHEMES = {"w8a8": (True, 255, True, 127), "ort": (False, 255, False, 127),
           "w10a10": (True, 1023, True, 511), "a11w9": (True, 2047, True, 255),
           "w8-only": (None, 255, True, 127), "a8-only": (True, 255, None, 127),
           "a12w8": (True, 4095, True, 127)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ref")
    ap.add_argument("--config", default="full")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--images", type=int, default=4)
    ap.add_argument("--texts", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--schemes", default="w10a10,w8a8,ort", help=",".join(SCHEMES))
    ap.add_argument("--towers", default="images,texts")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    spec = importlib.util.spec_from_file_location("jina_clip_ref", a.ref)
    R = importlib.util.module_from_spec(spec)
    sys.modules["jina_clip_ref"] = R
    spec.loader.exec_module(R)
    cfg = R.full_config() if a.config == "full" else R.tiny_config()
    fp32_linear = R.linear

    def quantised(scheme):
        act_row, levels, w_row, wmax = scheme
        def linear(x, w, b=None):
            return F.linear(fake_act(x, act_row, levels), fake_weight(w, w_row, wmax), b)
        return linear

    for seed in [int(s) for s in a.seeds.split(",")]:
        w = R.init_weights(cfg, seed)
        g = torch.Generator().manual_seed(1234 + seed)
        S = cfg.vision.image_size
        pixels = torch.randn(a.images, 3, S, S, generator=g)
        ids = torch.randint(1000, min(30000, cfg.text.vocab_size), (a.texts, 16), generator=g)
        ids[:, 0], ids[:, -1] = 101, 102
        mask = torch.ones_like(ids)
        for i in range(1, a.texts):  # padded texts: lengths 16, 15, ...
            n = max(3, 16 - i)
            ids[i, n - 1], ids[i, n:], mask[i, n:] = 102, 0, 0
        with torch.no_grad():
            R.linear = fp32_linear
            do_img, do_txt = "images" in a.towers, "texts" in a.towers
            ref_img = R.l2_normalize(R.vision_forward(w, cfg.vision, pixels)) if do_img else None
            ref_txt = R.l2_normalize(R.text_forward(w, cfg.text, ids, mask)) if do_txt else None
            for name in a.schemes.split(","):
                R.linear = quantised(SCHEMES[name])
                line = f"seed {seed} {a.config} {name:8s}"
                if do_img:
                    ci = (R.l2_normalize(R.vision_forward(w, cfg.vision, pixels)) * ref_img).sum(-1)
                    line += f" images: min cosine {ci.min():.6f} mean {ci.mean():.6f}"
                if do_txt:
                    ct = (R.l2_normalize(R.text_forward(w, cfg.text, ids, mask)) * ref_txt).sum(-1)
                    line += f" texts: min cosine {ct.min():.6f} mean {ct.mean():.6f}"
                print(line, flush=True)
            R.linear = fp32_linear


if __name__ == "__main__":
    main()
