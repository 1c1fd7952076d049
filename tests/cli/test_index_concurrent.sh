#!/usr/bin/env bash
# test_index_concurrent.sh — two `clipdex index` runs on one table at once, against a slow fake
# Jina API: the second waits for the first (saying so, with the first's pid), then finds every
# image indexed; the table ends with every image exactly once and distinct file_ids. --no-wait
# exits 4 at once naming the holder; a run killed with SIGKILL leaves no lock behind; the lock
# file is no table to `clipdex tables` (tests/interop/test_index_in_lancedb.sh checks LanceDB).
set -euo pipefail
: "${CLIPDEX:?}" "${CDX_TOOLS:?}" "${CDX_FIXTURES:?}"
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$CDX_TOOLS/fake_jina" --port-file "$tmp/port" --log "$tmp/api.log" --latency-ms 250 &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || fail "fake_jina did not start"
export CLIPDEX_JINA_URL="http://127.0.0.1:$(cat "$tmp/port")" JINA_API_KEY=test-key
requests() { if [ -f "$tmp/api.log" ]; then wc -l < "$tmp/api.log"; else echo 0; fi; }
images=(png_palette_400x300.png gif_palette_300x200.gif bmp_rgb_333x222.bmp tiny_1x1.png
        png16_gray_320x240.png webp_lossless_alpha_256x256.webp)
mkdir "$tmp/img"
for f in "${images[@]}"; do cp "$CDX_FIXTURES/images/$f" "$tmp/img/"; done
cd "$tmp"
show() { "$CLIPDEX" show --db "$tmp/db" --table images --json; }
# lock_held — whether some process holds the index lock of table images (flock(1) probe).
lock_held() { ! flock -n "$tmp/db/.images.clipdex-index.lock" true 2>/dev/null; }
# wait_for_lock — until the first run holds the lock (it takes it before reading the table).
wait_for_lock() {
  for _ in $(seq 200); do [ -f "$tmp/db/.images.clipdex-index.lock" ] && lock_held && return 0; sleep 0.02; done
  fail "the first run never took the lock"
}

# 1. Two runs at once, one image per request and per commit so they would interleave.
"$CLIPDEX" index img --db "$tmp/db" --batch 1 --commit-every 1 2>"$tmp/a.err" & a=$!
wait_for_lock
"$CLIPDEX" index img --db "$tmp/db" --batch 1 --commit-every 1 2>"$tmp/b.err" & b=$!
rc_a=0; rc_b=0
wait $a || rc_a=$?
wait $b || rc_b=$?
[ "$rc_a" = 0 ] || { cat a.err; fail "first run exited $rc_a"; }
[ "$rc_b" = 0 ] || { cat b.err; fail "second run exited $rc_b"; }
grep -q "waiting for another clipdex index on table 'images' (pid $a)" b.err ||
  { cat b.err; fail "second run did not say it waits for pid $a"; }
grep -q 'indexed: 6, unchanged: 0' a.err || { cat a.err; fail "first run summary"; }
grep -q 'indexed: 0, unchanged: 6, .*tokens: 0' b.err || { cat b.err; fail "second run summary"; }
[ "$(requests)" = 6 ] || fail "$(requests) requests for 6 images"
[ "$(show | wc -l)" = 6 ] || fail "$(show | wc -l) rows for 6 images"
[ "$(show | grep -o '"file_name":"[^"]*"' | sort -u | wc -l)" = 6 ] || fail "an image twice"
[ "$(show | grep -o '"file_id":[0-9]*' | sort -u | wc -l)" = 6 ] || fail "duplicate file_ids"
lock_held && fail "lock still held after both runs ended"

# 2. --no-wait: exit 4 at once, naming the run that holds the table; the holder finishes.
# (four new images, one request each: the holder runs for a second or more)
cp "$CDX_FIXTURES/images/png_rgb_1024x768.png" img/new1.png
cp "$CDX_FIXTURES/images/png_gray_600x1000.png" img/new2.png
cp "$CDX_FIXTURES/images/png16_rgb_330x250.png" img/new3.png
cp "$CDX_FIXTURES/images/png_rgba_alpha_500x400.png" img/new4.png
"$CLIPDEX" index img --db "$tmp/db" --batch 1 --commit-every 1 2>"$tmp/c.err" & c=$!
wait_for_lock
rc=0
"$CLIPDEX" index img --db "$tmp/db" --no-wait >"$tmp/d.out" 2>"$tmp/d.err" || rc=$?
[ "$rc" = 4 ] || { cat d.err; fail "--no-wait exited $rc, want 4"; }
grep -q "another clipdex index on table 'images' (pid $c) is running" d.err ||
  { cat d.err; fail "--no-wait message"; }
grep -q 'indexed:' d.err && fail "--no-wait printed a summary of work it did not do"
wait $c || fail "holder exited $?"
[ "$(show | wc -l)" = 10 ] || fail "rows after the holder finished"

# 3. A run killed while holding the lock leaves none: the next --no-wait run goes ahead.
cp "$CDX_FIXTURES/images/jpeg_exif_orient6_800x600.jpg" img/new5.jpg
cp "$CDX_FIXTURES/images/png_palette_400x300.png" img/dup.png # same content as a row: reused
"$CLIPDEX" index img --db "$tmp/db" 2>/dev/null & k=$!
wait_for_lock
kill -9 $k; wait $k 2>/dev/null || true
"$CLIPDEX" index img --db "$tmp/db" --no-wait 2>"$tmp/e.err" || { cat e.err; fail "run after a killed holder"; }
[ "$(show | wc -l)" = 12 ] || fail "rows after kill + rerun"
[ "$(show | grep -o '"file_id":[0-9]*' | sort -u | wc -l)" = 12 ] || fail "duplicate file_ids after kill"

# 4. The lock file is not a table.
[ "$("$CLIPDEX" tables --db "$tmp/db" | awk 'NR > 1 { print $1 }')" = images ] ||
  fail "tables lists: $("$CLIPDEX" tables --db "$tmp/db")"
echo "concurrent index runs take turns"
