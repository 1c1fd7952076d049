#!/usr/bin/env bash
# test_index.sh — `clipdex index` and `clipdex search --text/--image` end to end against the fake
# Jina API (tests/tools/fake_jina): first run embeds every image in one request, a rerun makes no
# request, a changed file is re-embedded and its row replaced, a renamed one reuses its vector,
# --prune drops vanished files, --dry-run makes no request and lists the renamed file as reused
# (0 tokens) like the real run, an undecodable file exits 1 with its
# reason, an API stop (402) exits 3 and the rerun finishes the job; search by image finds the
# image itself at _distance 0; the API key never appears in any output or in the table.
set -euo pipefail
: "${CLIPDEX:?}" "${CDX_TOOLS:?}" "${CDX_FIXTURES:?}"
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
KEY="sk-test-$(date +%s)-secret"

# start_fake NAME [fake_jina args] — starts a fake API; sets URL.
start_fake() {
  local name=$1; shift
  "$CDX_TOOLS/fake_jina" --port-file "$tmp/$name.port" --key "$KEY" --log "$tmp/$name.log" "$@" &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$tmp/$name.port" ] && break; sleep 0.05; done
  [ -s "$tmp/$name.port" ] || fail "fake_jina did not start"
  URL="http://127.0.0.1:$(cat "$tmp/$name.port")"
}
requests() { if [ -f "$tmp/$1.log" ]; then wc -l < "$tmp/$1.log"; else echo 0; fi; }
# run EXPECTED_RC NAME ARGS... — clipdex with stdout/stderr kept as $tmp/NAME.out/.err.
run() {
  local want=$1 name=$2; shift 2
  local rc=0
  "$CLIPDEX" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
  [ "$rc" = "$want" ] || { cat "$tmp/$name.err" >&2; fail "clipdex $* exited $rc, want $want"; }
}
rows() { "$CLIPDEX" show --db "$tmp/db" --table images --json | wc -l; }

mkdir "$tmp/img"
for f in png_palette_400x300.png gif_palette_300x200.gif bmp_rgb_333x222.bmp tiny_1x1.png \
         jpeg_exif_orient6_800x600.jpg; do cp "$CDX_FIXTURES/images/$f" "$tmp/img/"; done
cd "$tmp"
export JINA_API_KEY="$KEY"
start_fake ok
export CLIPDEX_JINA_URL="$URL"

run 0 first index img --db "$tmp/db"
[ "$(requests ok)" = 1 ] || fail "first run: $(requests ok) requests, want 1"
grep -q '"images":5' ok.log || fail "first run did not send 5 images"
grep -q 'indexed: 5, unchanged: 0, reused: 0, pruned: 0, failed: 0, tokens: 5000' first.err ||
  { cat first.err; fail "first summary"; }
[ "$(rows)" = 5 ] || fail "rows after first run"

run 0 second index img --db "$tmp/db"
[ "$(requests ok)" = 1 ] || fail "rerun over unchanged files made a request"
grep -q 'indexed: 0, unchanged: 5, .*tokens: 0' second.err || fail "second summary"

# search by image: the image itself first, _distance 0 (same thumbnail, same vector)
run 0 simg search --db "$tmp/db" --image img/bmp_rgb_333x222.bmp -k 3 --json
[ "$(wc -l < simg.out)" = 3 ] || fail "search -k 3 printed $(wc -l < simg.out) lines"
head -1 simg.out | grep -q '"file_name":"img/bmp_rgb_333x222.bmp"' || fail "image search: $(head -1 simg.out)"
head -1 simg.out | grep -Eq '"_distance":(0|-?[0-9.]+e-0[6-9]|-?0\.0000[0-9]*)[,}]' || fail "distance not ~0: $(head -1 simg.out)"
grep -q '"vector"' simg.out && fail "--json printed the vector"
run 0 stext search --db "$tmp/db" --text "a red bicycle" -k 2
head -1 stext.out | grep -q $'^rank\tsimilarity\t_distance\tfile_id\tfile_name' || fail "text header: $(head -1 stext.out)"
[ "$(wc -l < stext.out)" = 3 ] || fail "text search rows"
[ "$(requests ok)" = 3 ] || fail "each search makes one request"

# a changed file: re-embedded, row replaced (same count, same file_id)
id_before=$(grep -o '"file_id":[0-9]*,"file_name":"img/tiny_1x1.png"' <("$CLIPDEX" show --db "$tmp/db" --table images --json))
cp "$CDX_FIXTURES/images/png_gray_600x1000.png" img/tiny_1x1.png
run 0 changed index img --db "$tmp/db"
grep -q 'indexed: 1, unchanged: 4' changed.err || { cat changed.err; fail "changed summary"; }
[ "$(rows)" = 5 ] || fail "rows after a changed file"
"$CLIPDEX" show --db "$tmp/db" --table images --json | grep -q "$id_before" || fail "file_id changed"

# a renamed file reuses its vector (no request); --prune drops the old row. The dry run says so
# first: reused, 0 tokens, not "would embed".
n=$(requests ok)
mv img/gif_palette_300x200.gif img/moved.gif
run 0 drymove index img --db "$tmp/db" --prune --dry-run
grep -q $'would reuse\timg/moved.gif\t0 tokens\tsame content as img/gif_palette_300x200.gif' drymove.out ||
  { cat drymove.out; fail "dry run did not list the moved file as reused"; }
grep -q 'would embed' drymove.out && { cat drymove.out; fail "dry run would embed a moved file"; }
grep -q ' 0 would be embedded (0 tokens), 1 would reuse a stored vector (moved or copied, 0 tokens), 1 would be pruned' drymove.out ||
  { cat drymove.out; fail "dry run summary for a moved file"; }
run 0 moved index img --db "$tmp/db" --prune
[ "$(requests ok)" = "$n" ] || fail "rename made a request"
grep -q 'reused: 1, pruned: 1' moved.err || { cat moved.err; fail "moved summary"; }
[ "$(rows)" = 5 ] || fail "rows after rename + prune"

# --dry-run: no request, the cost printed
cp "$CDX_FIXTURES/images/png_rgb_1024x768.png" img/new.png
run 0 dry index img --db "$tmp/db" --dry-run
[ "$(requests ok)" = "$n" ] || fail "dry run made a request"
grep -q $'would embed\timg/new.png\t1000 tokens' dry.out || { cat dry.out; fail "dry run listing"; }
grep -q 'would be embedded (1000 tokens)' dry.out || fail "dry run total"
[ "$(rows)" = 5 ] || fail "dry run wrote rows"

# an undecodable file: reported with its reason, the others indexed, exit 1
printf 'not an image' > img/bad.png
run 1 bad index img --db "$tmp/db"
grep -q 'failed: img/bad.png: ' bad.err || { cat bad.err; fail "bad file not reported"; }
grep -q 'indexed: 1, .*failed: 1' bad.err || fail "bad summary"
rm img/bad.png

# the API stops the run (402): exit 3, nothing lost; the rerun finishes
start_fake broke --fault-all 402
cp "$CDX_FIXTURES/images/webp_lossless_alpha_256x256.webp" img/late.webp
run 3 stop index img --db "$tmp/db" --jina-url "$URL"
grep -qi 'credit' stop.err || { cat stop.err; fail "402 message"; }
run 0 resume index img --db "$tmp/db"
grep -q 'indexed: 1, unchanged: 6' resume.err || { cat resume.err; fail "resume summary"; }

# killed mid-run (SIGKILL): committed batches stay, the rerun embeds exactly what is missing
start_fake slow --latency-ms 300
mkdir kill
for f in png_palette_400x300.png gif_palette_300x200.gif bmp_rgb_333x222.bmp tiny_1x1.png \
         png16_gray_320x240.png; do cp "$CDX_FIXTURES/images/$f" kill/; done
"$CLIPDEX" index kill --db "$tmp/kdb" --jina-url "$URL" --commit-every 1 --batch 1 2>/dev/null &
kpid=$!
sleep 1
kill -9 $kpid 2>/dev/null || true
wait $kpid 2>/dev/null || true
sleep 0.8 # requests the killed run left in flight are answered (and logged) by now
kept=0
[ -d "$tmp/kdb/images.lance" ] && kept=$("$CLIPDEX" show --db "$tmp/kdb" --table images --json | wc -l)
before=$(requests slow)
run 0 rerun index kill --db "$tmp/kdb" --jina-url "$URL" --batch 1
[ $(( $(requests slow) - before )) = $(( 5 - kept )) ] || fail "rerun after kill: $(( $(requests slow) - before )) requests for $(( 5 - kept )) missing"
[ "$("$CLIPDEX" show --db "$tmp/kdb" --table images --json | wc -l)" = 5 ] || fail "rows after kill + rerun"
[ "$("$CLIPDEX" show --db "$tmp/kdb" --table images --json | grep -o '"file_id":[0-9]*' | sort -u | wc -l)" = 5 ] ||
  fail "duplicate file_ids after kill + rerun"
echo "killed with $kept of 5 committed; rerun made $(( 5 - kept )) requests"

# other models are refused; a missing key is an error, never an echo of a key
run 2 usage index --db "$tmp/db"
JINA_API_KEY= run 3 nokey index img --db "$tmp/db2"

# the key appears nowhere: outputs, logs, table files
if grep -rq -- "$KEY" "$tmp"/*.out "$tmp"/*.err "$tmp"/*.log "$tmp/db"; then fail "API key leaked"; fi
echo "index/search end to end ok"
