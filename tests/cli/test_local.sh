#!/usr/bin/env bash
# test_local.sh — the local backend end to end, offline, on a tiny random-weight jina-clip-v1 the
# PyTorch reference writes at test time (plus the fixture tokenizer.json): `clipdex embed --json`
# prints texts and images in input order, equal to the reference (local_embed_ref.py, 1e-4), an
# undecodable image fails alone (exit 1, named); the default backend is local without a key when
# the default model directory holds a model; a missing model says how to get one (exit 3);
# `index --backend local` then `search --image X` finds X first at _distance ~0 and `search
# --text` works, with no key and an unreachable API URL; tables of another dimension are refused.
# With CDX_FULL_MODEL=DIR (full-size weights from the reference), the equality is also checked there.
# Skips (77) without torch in /usr/bin/python3.
set -euo pipefail
: "${CLIPDEX:?}" "${CDX_TOOLS:?}" "${CDX_FIXTURES:?}" "${CDX_SOURCE:?}"
py=${CDX_PYTHON:-/usr/bin/python3}
"$py" -c 'import torch, numpy, PIL' 2>/dev/null || { echo "SKIP: $py lacks torch/numpy/PIL"; exit 77; }
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# run EXPECTED_RC NAME ARGS... — clipdex with stdout/stderr kept as $tmp/NAME.out/.err.
run() {
  local want=$1 name=$2; shift 2
  local rc=0
  "$CLIPDEX" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
  [ "$rc" = "$want" ] || { cat "$tmp/$name.err" >&2; fail "clipdex $* exited $rc, want $want"; }
}

model="$tmp/model"
"$py" "$CDX_SOURCE/tests/model/reference/jina_clip_ref.py" make --config tiny --seed 11 \
  --out "$model" >/dev/null
cp "$CDX_FIXTURES/tokenizer/tokenizer.json" "$model/"
# No key, and an API URL nothing listens on: any attempt to use the network fails the test.
unset JINA_API_KEY CLIPDEX_MODEL
export CLIPDEX_JINA_URL="http://127.0.0.1:9"
export XDG_CACHE_HOME="$tmp/cache"
img=$CDX_FIXTURES/images
printf 'not an image' > "$tmp/bad.png"

# The tiny model's vocabulary is the first 1024 ids: digits and ASCII punctuation, [CLS], [SEP].
long=$(printf '%s ' $(seq 0 9) $(seq 0 9) $(seq 0 9) $(seq 0 9) $(seq 0 9) $(seq 0 9) $(seq 0 9))
inputs=(text:"1, 2 3!" image:"$img/png_rgb_1024x768.png" text:"(4) - 7." bad:"$tmp/bad.png"
        image:"$img/jpeg_exif_orient6_800x600.jpg" text:"$long" image:"$img/gif_palette_300x200.gif"
        text:"" image:"$img/webp_lossy_1500x1000.webp" text:"9")
args=()
for a in "${inputs[@]}"; do
  case "$a" in text:*) args+=(--text "${a#text:}") ;; *) args+=(--image "${a#*:}") ;; esac
done
# --batch 2: several padded text batches and image batches, one with the failing image.
run 1 embed embed --backend local --model "$model" --batch 2 --threads 2 --json "${args[@]}"
grep -q "bad.png" "$tmp/embed.err" || fail "the undecodable image is not named: $(cat "$tmp/embed.err")"
[ "$(wc -l < "$tmp/embed.out")" = 9 ] || fail "embed printed $(wc -l < "$tmp/embed.out") lines, want 9"
"$py" "$CDX_SOURCE/tests/cli/local_embed_ref.py" "$CDX_SOURCE" "$model" \
  "$CDX_FIXTURES/tokenizer/vocab.txt" "$tmp/embed.out" "${inputs[@]}" || fail "embeddings differ"

# Default batch sizes and one thread give the same vectors (within float rounding).
run 1 embed1 embed --model "$model" --threads 1 --json "${args[@]}"
"$py" "$CDX_SOURCE/tests/cli/local_embed_ref.py" "$CDX_SOURCE" "$model" \
  "$CDX_FIXTURES/tokenizer/vocab.txt" "$tmp/embed1.out" "${inputs[@]}" >/dev/null ||
  fail "embeddings differ with default batches"

# int10 linear layers: every vector within cosine 0.999 of the reference (fp32).
run 1 embedq embed --backend local --model "$model" --precision int10 --json "${args[@]}"
"$py" "$CDX_SOURCE/tests/cli/local_embed_ref.py" --min-cos 0.999 "$CDX_SOURCE" "$model" \
  "$CDX_FIXTURES/tokenizer/vocab.txt" "$tmp/embedq.out" "${inputs[@]}" || fail "int10 embeddings too far"
# int8 (8-bit layers; int10 for the first third of the vision tower): also within 0.999.
CLIPDEX_PRECISION=int8 run 1 embed8 embed --backend local --model "$model" --json "${args[@]}"
"$py" "$CDX_SOURCE/tests/cli/local_embed_ref.py" --min-cos 0.999 "$CDX_SOURCE" "$model" \
  "$CDX_FIXTURES/tokenizer/vocab.txt" "$tmp/embed8.out" "${inputs[@]}" || fail "int8 embeddings too far"
run 2 badprec embed --backend local --model "$model" --precision fp16 --text "1"
grep -q "fp16" "$tmp/badprec.err" || fail "bad precision: $(cat "$tmp/badprec.err")"

# Default backend: no key, a model in $XDG_CACHE_HOME/clipdex/jina-clip-v1 -> local.
run 3 nokey embed --text "1"
grep -q "no Jina API key" "$tmp/nokey.err" || fail "no key, no model: $(cat "$tmp/nokey.err")"
grep -q "clipdex model fetch" "$tmp/nokey.err" || fail "no key, no model: no hint of the local model"
mkdir -p "$XDG_CACHE_HOME/clipdex"
ln -s "$model" "$XDG_CACHE_HOME/clipdex/jina-clip-v1"
run 0 default embed --text "1, 2 3!" --json
"$py" "$CDX_SOURCE/tests/cli/local_embed_ref.py" "$CDX_SOURCE" "$model" \
  "$CDX_FIXTURES/tokenizer/vocab.txt" "$tmp/default.out" text:"1, 2 3!" >/dev/null ||
  fail "the default backend's embedding differs from the reference"

# A missing model: the message says where and how to get one; non-zero exit.
run 3 missing embed --backend local --model "$tmp/nowhere" --text "1"
grep -q "no jina-clip-v1 model in $tmp/nowhere" "$tmp/missing.err" || fail "missing: $(cat "$tmp/missing.err")"
grep -q "clipdex model fetch" "$tmp/missing.err" || fail "missing: no fetch hint"
mkdir "$tmp/half"
cp "$model/config.json" "$tmp/half/"
run 3 half embed --backend local --model "$tmp/half" --image "$img/tiny_1x1.png"
grep -q "no model.safetensors" "$tmp/half.err" || fail "half: $(cat "$tmp/half.err")"

# index with the local backend, then search by image and by text.
mkdir "$tmp/img"
for f in png_palette_400x300.png gif_palette_300x200.gif bmp_rgb_333x222.bmp \
         jpeg_exif_orient6_800x600.jpg webp_lossless_alpha_256x256.webp; do
  cp "$img/$f" "$tmp/img/"
done
cd "$tmp"
run 0 index index img --db "$tmp/db" --backend local --model "$model"
grep -q "indexed: 5, .*failed: 0" index.err || fail "index summary: $(cat index.err)"
for f in bmp_rgb_333x222.bmp jpeg_exif_orient6_800x600.jpg; do
  run 0 simg search --db "$tmp/db" --image "img/$f" -k 3 --json --model "$model"
  [ "$(wc -l < simg.out)" = 3 ] || fail "search -k 3 printed $(wc -l < simg.out) lines"
  head -1 simg.out | grep -q "\"file_name\":\"img/$f\"" || fail "image search $f: $(head -1 simg.out)"
  head -1 simg.out | grep -Eq '"_distance":(0|-?[0-9.]+e-0[6-9]|-?0\.0000[0-9]*)[,}]' ||
    fail "distance not ~0: $(head -1 simg.out)"
done
run 0 stext search --db "$tmp/db" --text "1, 2 3!" -k 5
[ "$(grep -c 'img/' stext.out)" = 5 ] || fail "text search: $(cat stext.out)"

# Tables of another dimension are refused, by index and by search.
"$CDX_TOOLS/cdx_table_tool" "$tmp/db" other create 768 >/dev/null
run 1 mism_search search --db "$tmp/db" --table other --text "1" --backend local --model "$model"
grep -q "cannot query it with jina-clip-v1 (96-d)" mism_search.err || fail "search mismatch: $(cat mism_search.err)"
run 1 mism_index index img --db "$tmp/db" --table other --backend local --model "$model"
grep -q "refusing to add vectors of model jina-clip-v1 (96-d" mism_index.err ||
  fail "index mismatch: $(cat mism_index.err)"
# A table indexed through Jina's API (fake server) is searched without a key: the recorded backend
# (jina) cannot start, so the local model is used; its dimension (96) differs, so it is refused.
"$CDX_TOOLS/fake_jina" --port-file "$tmp/fj.port" --key sk-local-test --log "$tmp/fj.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/fj.port" ] && break; sleep 0.05; done
[ -s "$tmp/fj.port" ] || fail "fake_jina did not start"
JINA_API_KEY=sk-local-test CLIPDEX_JINA_URL="http://127.0.0.1:$(cat "$tmp/fj.port")" \
  run 0 viajina index img/bmp_rgb_333x222.bmp --db "$tmp/db" --table viajina --backend jina
run 1 fallback search --db "$tmp/db" --table viajina --text "1" --model "$model"
grep -q "holds 768-d vectors of model jina-clip-v1; cannot query it with jina-clip-v1 (96-d)" \
  fallback.err || fail "fallback to local: $(cat fallback.err)"

# Optional: the same equality on full-size weights (CDX_FULL_MODEL=DIR written by
# `jina_clip_ref.py make --config full`, e.g. build/bench-data/jina-clip-full-seed0).
if [ -n "${CDX_FULL_MODEL:-}" ]; then
  full="$tmp/full"
  mkdir "$full"
  ln -s "$CDX_FULL_MODEL/config.json" "$CDX_FULL_MODEL/model.safetensors" "$full/"
  cp "$CDX_FIXTURES/tokenizer/tokenizer.json" "$full/"
  finputs=(text:"A photo of a cat, sitting on the mat!" image:"$img/jpeg_exif_orient6_800x600.jpg"
           text:"Ünïcödé 東京 tower" image:"$img/webp_lossy_1500x1000.webp")
  run 0 full embed --model "$full" --json --text "${finputs[0]#text:}" --image "${finputs[1]#image:}" \
    --text "${finputs[2]#text:}" --image "${finputs[3]#image:}"
  "$py" "$CDX_SOURCE/tests/cli/local_embed_ref.py" "$CDX_SOURCE" "$full" \
    "$CDX_FIXTURES/tokenizer/vocab.txt" "$tmp/full.out" "${finputs[@]}" || fail "full-size embeddings differ"
fi
echo "ok"
