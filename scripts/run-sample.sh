#!/usr/bin/env bash
# run-sample.sh — the quick start's main job: installs what is missing, builds, then runs clipdex
# on the sample images shipped in samples/ (token cost report and the thumbnails the API gets).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh" build
"$root/scripts/build.sh" "$root/build"
bin="$root/build/clipdex"
out="$root/out/thumbs"
mkdir -p "$out"
echo "== clipdex cost samples/"
"$bin" cost "$root/samples" || true
echo "== clipdex thumb: writing the 224px PNGs the Jina API path would send to out/thumbs/"
for f in "$root"/samples/*; do
  "$bin" thumb "$f" "$out/$(basename "$f").png" && echo "  $(basename "$f") -> out/thumbs/$(basename "$f").png"
done
