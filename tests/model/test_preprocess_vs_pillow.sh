#!/usr/bin/env bash
# Live property test: the vision preprocessing on random images (every decodable mode, random
# sizes and aspect ratios, EXIF orientations) vs Debian's Pillow 9.4 + the torchvision transform
# written out in numpy (see the .py beside it). The seed is printed; CDX_SEED repeats a run.
set -euo pipefail
py=${CDX_PYTHON:-/usr/bin/python3}
if ! "$py" -c 'import PIL, numpy' 2>/dev/null; then
    echo "SKIP: $py lacks PIL/numpy (install python3-pil python3-numpy)"
    exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$py" "$(dirname "$0")/test_preprocess_vs_pillow.py" "$CDX_TOOLS/cdx_preprocess_dump" "$work" \
    --cases "${CDX_CASES:-40}" ${CDX_SEED:+--seed "$CDX_SEED"}
