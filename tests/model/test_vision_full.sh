#!/usr/bin/env bash
# Full-size EVA02-B/16 (85.9 M vision parameters, random weights written by the reference at test
# time: ~0.9 GB on disk) equals the PyTorch reference: per-layer intermediates, batch and single
# embeddings within 1e-4, with the fp32 layers on packed weights (CDX_MODEL_GEMM=packed; the tiny
# checks in test_vision_vs_reference.sh cover both GEMMs). Skips (77) without torch or with less
# than 3 GB free for the weights.
set -euo pipefail
py=${CDX_PYTHON:-/usr/bin/python3}
if ! "$py" -c 'import torch, numpy, PIL' 2>/dev/null; then
    echo "SKIP: $py lacks torch/numpy/PIL (apt-get install python3-torch python3-pil)"
    exit 77
fi
tmp=${TMPDIR:-/tmp}
free_kb=$(df -Pk "$tmp" | awk 'NR == 2 { print $4 }')
if [ "${free_kb:-0}" -lt $((3 * 1024 * 1024)) ]; then
    echo "SKIP: less than 3 GB free in $tmp for the full-size weights"
    exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CDX_MODEL_GEMM=packed "$py" "$(dirname "$0")/test_vision_vs_reference.py" "$CDX_TOOLS" "$work" \
    "$CDX_FIXTURES" --config full --seeds "${CDX_SEEDS:-3}"
