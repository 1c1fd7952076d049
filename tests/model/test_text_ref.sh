#!/usr/bin/env bash
# test_text_ref.sh — the C text tower against the PyTorch reference (tests/model/reference): for
# tiny models of several seeds and one full-size model, random weights written by the reference,
# every recorded intermediate (text.emb_ln_out, text.layerN_out), the pooled and normalised
# embeddings of a padded batch, and each sequence run alone must agree within 1e-4 (cdx_text_ref),
# with the packed fp32 kernel (the default) and once with OpenBLAS (CDX_MODEL_GEMM=openblas);
# also a tiny model stored as F16 against the reference run on the F16-rounded weights.
# Skips (77) without torch in /usr/bin/python3; the full-size model (~890 MB) also needs 3 GB free.
set -euo pipefail
: "${CDX_TOOLS:?}" "${CDX_SOURCE:?}"
py=${CDX_PYTHON:-/usr/bin/python3}
ref="$CDX_SOURCE/tests/model/reference/jina_clip_ref.py"
"$py" -c 'import torch, numpy' 2>/dev/null || { echo "SKIP: $py lacks torch/numpy"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # check CONFIG SEED THREADS
  local dir="$tmp/$1-$2"
  "$py" "$ref" make --config "$1" --seed "$2" --out "$dir" >/dev/null
  echo "== $1 seed $2, $3 thread(s)"
  "$CDX_TOOLS/cdx_text_ref" "$dir" "$dir/reference_io.safetensors" 1e-4 "$3"
  rm -rf "$dir"
}

check tiny 0 1
check tiny 1 2
check tiny 7 3
# the same tower with OpenBLAS sgemm on the mapped weights instead of the packed fp32 kernel
export CDX_MODEL_GEMM=openblas
check tiny 1 2
unset CDX_MODEL_GEMM

# F16 weights (converted to F32 at load) against the reference on the same F16-rounded weights
"$py" "$ref" make --config tiny --seed 4 --out "$tmp/f32" >/dev/null
"$py" "$CDX_SOURCE/tests/model/reference/make_f16.py" "$tmp/f32" "$tmp/f16"
echo "== tiny seed 4, F16 weights"
"$CDX_TOOLS/cdx_text_ref" "$tmp/f16" "$tmp/f16/reference_io.safetensors" 1e-4 2
rm -rf "$tmp/f32" "$tmp/f16"

free_kb=$(df -Pk "$tmp" | awk 'NR == 2 { print $4 }')
if [ "$free_kb" -lt $((3 * 1024 * 1024)) ]; then
  echo "SKIP full-size check: less than 3 GB free in $tmp"
  exit 77
fi
check full 5 2
