#!/usr/bin/env bash
# run-sample.sh — the quick start's main job: installs what is missing, builds, then runs clipdex
# on the sample images in samples/: the token cost report, the thumbnails the API gets, and the
# index + search pipeline into out/samples.db:
#   - with JINA_API_KEY set: through Jina's API (about 1,000 tokens per image);
#   - else with a local model (--model DIR, $CLIPDEX_MODEL or ~/.cache/clipdex/jina-clip-v1,
#     see `clipdex model fetch`): offline, in-process;
#   - else against the test suite's fake Jina API on 127.0.0.1 (random vectors: it shows the
#     pipeline, not meaningful search results).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh" build
# The test suite (and its fake Jina API) is built too when its libraries are installed.
tests=OFF
pkg-config --exists cmocka libmicrohttpd 2>/dev/null && tests=ON
"$root/scripts/build.sh" "$root/build" -DCDX_TESTS=$tests
bin="$root/build/clipdex"
out="$root/out"
mkdir -p "$out/thumbs"
echo "== clipdex cost samples/"
"$bin" cost "$root/samples" || true
echo "== clipdex thumb: writing the 224px PNGs the Jina API path sends to out/thumbs/"
for f in "$root"/samples/*; do
  "$bin" thumb "$f" "$out/thumbs/$(basename "$f").png" && echo "  $(basename "$f") -> out/thumbs/$(basename "$f").png"
done

model=${CLIPDEX_MODEL:-${XDG_CACHE_HOME:-$HOME/.cache}/clipdex/jina-clip-v1}
args=()
if [ -n "${JINA_API_KEY:-}" ]; then
  echo "== embedding through Jina's API (JINA_API_KEY is set)"
  args=(--backend jina)
elif [ -f "$model/model.safetensors" ]; then
  echo "== embedding with the local model in $model"
  args=(--backend local --model "$model")
elif [ ! -x "$root/build/tests/tools/fake_jina" ]; then
  echo "== no JINA_API_KEY and no local model ($model): set JINA_API_KEY, or run"
  echo "   \`build/clipdex model fetch\`, then run this again to index and search samples/"
  exit 0
else
  fake="$root/build/tests/tools/fake_jina"
  echo "== no JINA_API_KEY and no local model ($model): using the fake Jina API of the test suite"
  echo "   (random vectors: set JINA_API_KEY, or run \`clipdex model fetch\`, for real embeddings)"
  tmp=$(mktemp -d)
  "$fake" --port-file "$tmp/port" --key demo-key & pid=$!
  trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
  for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
  export JINA_API_KEY=demo-key
  args=(--backend jina --jina-url "http://127.0.0.1:$(cat "$tmp/port")")
fi
echo "== clipdex index samples/ --db out/samples.db"
"$bin" index "$root/samples" --db "$out/samples.db" "${args[@]}"
echo "== clipdex search --image samples/meadow_640x480.webp -k 3"
"$bin" search --db "$out/samples.db" --image "$root/samples/meadow_640x480.webp" -k 3 "${args[@]}"
echo "== clipdex search --text \"a green meadow\" -k 3"
"$bin" search --db "$out/samples.db" --text "a green meadow" -k 3 "${args[@]}"
