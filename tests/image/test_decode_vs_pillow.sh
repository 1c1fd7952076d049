#!/usr/bin/env bash
# Decoded pixels equal Pillow's bit for bit (fixtures + random images); see the .py beside it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"${CDX_PYTHON:-/usr/bin/python3}" "$here/test_decode_vs_pillow.py" "$CDX_TOOLS" "$CDX_FIXTURES" "$work" ${CDX_SEED:-}
