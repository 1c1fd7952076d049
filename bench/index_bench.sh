#!/usr/bin/env bash
# index_bench.sh [N] [LATENCY_MS] — the Jina path end to end, against the fake Jina API
# (tests/tools/fake_jina) with LATENCY_MS (default 50) added to every request: N images
# (default 200, photo-like JPEGs of mixed sizes generated once into build/bench-data/) are
# embedded the recipe's way (bench/recipe_jina.py: Pillow thumbnail -> PNG -> base64, one image
# per request, sequentially) and by `clipdex index` (batched requests, 2 in flight, rows
# committed to a Lance table). Prints requests, tokens billed and wall time of both, and ratios.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CDX_BUILD_DIR:-$root/build}
py=/usr/bin/python3
n=${1:-200}
latency=${2:-50}
case "$n$latency" in *[!0-9]*) echo "usage: bench/index_bench.sh [N] [LATENCY_MS]" >&2; exit 2 ;; esac

"$root/scripts/build.sh" "$build" >/dev/null
data="$build/bench-data/index-$n"
if [ ! -f "$data/.done" ]; then
  mkdir -p "$data"
  echo "generating $n images in $data (once)" >&2
  "$py" - "$data" "$n" <<'PY'
import random, sys
from PIL import Image, ImageFilter
out, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
sizes = [(4032, 3024), (1920, 1080), (1200, 800), (800, 600), (640, 480)]
for i in range(n):
    w, h = sizes[i % len(sizes)]
    small = Image.effect_noise((w // 16, h // 16), 40 + i % 50).convert("RGB")
    img = small.resize((w, h), Image.BICUBIC).filter(ImageFilter.GaussianBlur(2))
    img.save(f"{out}/img_{i:05d}.jpg", quality=85)
PY
  touch "$data/.done"
fi

tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
key=bench-key
"$build/tests/tools/fake_jina" --port-file "$tmp/port" --key "$key" --latency-ms "$latency" \
  --log "$tmp/log" & pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat "$tmp/port")"

files=("$data"/img_*.jpg)
recipe=$("$py" "$root/bench/recipe_jina.py" --url "$url" --key "$key" "${files[@]}")
recipe_req=$(wc -l < "$tmp/log")
: > "$tmp/log"

start=$(date +%s.%N)
JINA_API_KEY=$key "$build/clipdex" index "$data" --db "$tmp/db" --jina-url "$url" \
  > "$tmp/index.out" 2>&1 || { cat "$tmp/index.out" >&2; exit 1; }
end=$(date +%s.%N)
cdx_req=$(wc -l < "$tmp/log")
cdx_tokens=$(awk -F'"tokens":' '{split($2, a, /[,}]/); s += a[1]} END {print s + 0}' "$tmp/log")
cdx_s=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}')
rec_tokens=$("$py" -c 'import json,sys; print(json.loads(sys.argv[1])["tokens"])' "$recipe")
rec_s=$("$py" -c 'import json,sys; print(json.loads(sys.argv[1])["seconds"])' "$recipe")

echo
echo "$n images, fake Jina API with ${latency} ms latency per request ($(nproc) cores)"
printf '| %-38s | %8s | %10s | %8s |\n' "" requests tokens "wall s"
printf '| %-38s | %8s | %10s | %8s |\n' "recipe (Pillow, 1 image/request, serial)" "$recipe_req" "$rec_tokens" "$rec_s"
printf '| %-38s | %8s | %10s | %8s |\n' "clipdex index (batched, 2 in flight)" "$cdx_req" "$cdx_tokens" "$cdx_s"
awk -v a="$rec_s" -v b="$cdx_s" -v r="$recipe_req" -v c="$cdx_req" \
  'BEGIN {printf "clipdex: %.1fx faster, %.0fx fewer requests (the recipe'"'"'s time excludes its table write)\n", a / b, r / c}'
