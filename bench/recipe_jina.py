#!/usr/bin/python3
"""recipe_jina.py — the peer of bench/index_bench.sh: the Python recipe's way of embedding a folder
of images through Jina's API, one image per request, sequentially (Pillow thumbnail((224,224),
LANCZOS) -> PNG -> base64 -> POST /v1/embeddings). Run with Debian's /usr/bin/python3
(python3-pil). Prints one JSON line: files, requests, tokens, seconds (embedding phase, wall).

    recipe_jina.py --url http://127.0.0.1:PORT --key KEY FILE...
"""
import argparse
import base64
import io
import json
import sys
import time
import urllib.request

from PIL import Image


def embed_one(url, key, path):
    img = Image.open(path)
    img.thumbnail((224, 224), Image.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    body = json.dumps({"model": "jina-clip-v1",
                       "input": [{"image": base64.b64encode(buf.getvalue()).decode()}],
                       "embedding_type": "float", "normalized": True}).encode()
    req = urllib.request.Request(url + "/v1/embeddings", data=body, method="POST", headers={
        "Authorization": "Bearer " + key, "Content-Type": "application/json",
        "Accept-Encoding": "identity"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        out = json.loads(resp.read())
    vec = out["data"][0]["embedding"]
    if len(vec) != 768:
        raise RuntimeError(f"{path}: got {len(vec)} dimensions")
    return vec, out["usage"]["total_tokens"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    tokens = 0
    t0 = time.perf_counter()
    for path in a.files:
        _, t = embed_one(a.url, a.key, path)
        tokens += t
    dt = time.perf_counter() - t0
    print(json.dumps({"files": len(a.files), "requests": len(a.files), "tokens": tokens,
                      "seconds": round(dt, 3)}))


if __name__ == "__main__":
    sys.exit(main())
