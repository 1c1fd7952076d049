#!/usr/bin/env bash
# Live property test: clipdex's resize/reduce/thumbnail on random images vs Debian's Pillow 9.4,
# byte for byte (see test_resample_vs_pillow.py). Skips (exit 0 with a note) without python3-pil.
set -euo pipefail
py=${CDX_PYTHON:-/usr/bin/python3}
if ! "$py" -c 'import PIL, numpy' 2>/dev/null; then
    echo "SKIP: $py lacks PIL/numpy (install python3-pil python3-numpy)"
    exit 0
fi
exec "$py" "$(dirname "$0")/test_resample_vs_pillow.py" "$CDX_TOOLS/cdx_resize_raw" --cases "${CDX_CASES:-64}"
