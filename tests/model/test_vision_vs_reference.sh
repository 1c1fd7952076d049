#!/usr/bin/env bash
# The vision tower equals the PyTorch reference on tiny random-weight models (several seeds,
# batch and single, per-layer intermediates) and end to end from fixture images; the weights are
# generated at test time by tests/model/reference/jina_clip_ref.py; with the default fp32 GEMM
# (OpenBLAS for vision) and again on packed weights (CDX_MODEL_GEMM=packed). Skips (77) without
# torch.
set -euo pipefail
py=${CDX_PYTHON:-/usr/bin/python3}
if ! "$py" -c 'import torch, numpy, PIL' 2>/dev/null; then
    echo "SKIP: $py lacks torch/numpy/PIL (apt-get install python3-torch python3-pil)"
    exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$py" "$(dirname "$0")/test_vision_vs_reference.py" "$CDX_TOOLS" "$work" "$CDX_FIXTURES" \
    --config tiny --seeds "${CDX_SEEDS:-0,1,7}"
CDX_MODEL_GEMM=packed "$py" "$(dirname "$0")/test_vision_vs_reference.py" "$CDX_TOOLS" "$work" \
    "$CDX_FIXTURES" --config tiny --seeds "${CDX_SEEDS:-0,7}"
