#!/usr/bin/env bash
# test_fetch.sh — `clipdex model fetch` against tests/tools/fake_hf (a local Hugging Face with the
# same URL layout, file list API, a CDN redirect for LFS files and Range support): full download,
# files already present are not requested again, resume of a partial file with a Range request
# (only the missing bytes are served), an interrupted transfer resumed within and across runs, a
# corrupted file fails its sha256 and leaves nothing behind, a pinned revision, and 404s.
set -euo pipefail
: "${CLIPDEX:?}" "${CDX_TOOLS:?}" "${CDX_FIXTURES:?}"
tmp=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$tmp/log" ] && { echo "--- server log"; cat "$tmp/log"; }; exit 1; }

# A fake repository: small JSON/text files and a 3 MB "model.safetensors" (an LFS file).
repo=$tmp/repo
mkdir -p "$repo/main" "$repo/v1"
printf '{"model_type": "jina_clip", "fake": true}\n' >"$repo/main/config.json"
cp "$CDX_FIXTURES/tokenizer/tokenizer.json" "$CDX_FIXTURES/tokenizer/vocab.txt" "$repo/main/"
head -c 3000000 /dev/urandom >"$repo/main/model.safetensors"
printf 'not a model file\n' >"$repo/main/README.md"
cp "$repo/main/"* "$repo/v1/"
printf '{"model_type": "jina_clip", "revision": "v1"}\n' >"$repo/v1/config.json"
size=$(stat -c %s "$repo/main/model.safetensors")

start_server() { # args: extra fake_hf options
  [ -n "$server_pid" ] && { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; }
  rm -f "$tmp/port" "$tmp/log"
  "$CDX_TOOLS/fake_hf" "$repo" "$tmp/port" "$tmp/log" "$@" &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
  [ -s "$tmp/port" ] || fail "fake_hf did not start"
  export HF_ENDPOINT="http://127.0.0.1:$(cat "$tmp/port")"
  : >"$tmp/log"
}
fetch() { "$CLIPDEX" model fetch "$@"; }
same_files() { # dir revision
  for f in config.json tokenizer.json vocab.txt model.safetensors; do
    cmp -s "$repo/$2/$f" "$1/$f" || fail "$1/$f differs from the repository's"
  done
  [ ! -e "$1/README.md" ] || fail "README.md is not a model file but was fetched"
  ! ls "$1"/*.part >/dev/null 2>&1 || fail "partial files left in $1"
}

# 1. Full download; the LFS file goes through the CDN redirect.
start_server
fetch --dir "$tmp/d1" 2>"$tmp/err" || { cat "$tmp/err"; fail "full download failed"; }
same_files "$tmp/d1" main
grep -q "^GET /api/models/jinaai/jina-clip-v1/tree/main range=- status=200" "$tmp/log" || fail "no file list request"
grep -q "^GET /jinaai/jina-clip-v1/resolve/main/model.safetensors range=- status=302" "$tmp/log" || fail "no redirect"
grep -q "^GET /cdn/main/model.safetensors range=- status=200 sent=$size$" "$tmp/log" || fail "no CDN download"
grep -q "model.safetensors: downloaded and verified" "$tmp/err" || fail "no per-file report"

# 2. Everything present and verified: only the file list is requested.
: >"$tmp/log"
fetch --dir "$tmp/d1" 2>"$tmp/err" || fail "second fetch failed"
[ "$(grep -c . "$tmp/log")" = 1 ] || fail "files already present were requested again"
grep -q "model.safetensors: already present, verified" "$tmp/err" || fail "no 'present' report"

# 3. A partial file left by a killed run: resumed with Range, only the missing bytes served.
mkdir -p "$tmp/d2"
head -c 1000000 "$repo/main/model.safetensors" >"$tmp/d2/model.safetensors.part"
: >"$tmp/log"
fetch --dir "$tmp/d2" 2>"$tmp/err" || { cat "$tmp/err"; fail "resume failed"; }
same_files "$tmp/d2" main
grep -q "^GET /cdn/main/model.safetensors range=bytes=1000000- status=206 sent=$((size - 1000000))$" "$tmp/log" ||
  fail "the partial file was not resumed with a Range request for the missing bytes only"

# 4. The server drops the connection after 1.5 MB: with no retries the run fails and keeps the
#    .part; the next run resumes it. With retries (the default) one run resumes by itself.
start_server --drop-after 1500000
if fetch --dir "$tmp/d3" --retries 0 2>"$tmp/err"; then fail "an interrupted transfer succeeded"; fi
grep -q "run the fetch again to resume" "$tmp/err" || { cat "$tmp/err"; fail "no resume hint"; }
[ "$(stat -c %s "$tmp/d3/model.safetensors.part")" = 1500000 ] || fail "the .part does not hold the bytes received"
[ ! -e "$tmp/d3/model.safetensors" ] || fail "an incomplete file was put in place"
: >"$tmp/log"
fetch --dir "$tmp/d3" 2>"$tmp/err" || { cat "$tmp/err"; fail "the second run did not resume"; }
same_files "$tmp/d3" main
grep -q "^GET /cdn/main/model.safetensors range=bytes=1500000- status=206 sent=$((size - 1500000))$" "$tmp/log" ||
  fail "the second run did not resume with a Range request"
start_server --drop-after 1200000
fetch --dir "$tmp/d4" 2>"$tmp/err" || { cat "$tmp/err"; fail "automatic resume failed"; }
same_files "$tmp/d4" main
grep -q "^GET /cdn/main/model.safetensors range=- status=200 sent=1200000$" "$tmp/log" || fail "no dropped transfer"
grep -q "^GET /cdn/main/model.safetensors range=bytes=1200000- status=206 sent=$((size - 1200000))$" "$tmp/log" ||
  fail "the retry did not resume with a Range request"

# 5. Wrong bytes: the sha256 check fails, names the file, and leaves neither file nor .part.
start_server --corrupt model.safetensors
if fetch --dir "$tmp/d5" --retries 0 2>"$tmp/err"; then fail "a corrupted download succeeded"; fi
grep -q "model.safetensors.part: sha256 mismatch" "$tmp/err" || { cat "$tmp/err"; fail "no sha256 error"; }
[ ! -e "$tmp/d5/model.safetensors" ] && [ ! -e "$tmp/d5/model.safetensors.part" ] || fail "corrupt bytes were kept"
# A small (non-LFS) file is checked by its git blob id.
start_server --corrupt vocab.txt
if fetch --dir "$tmp/d5" 2>"$tmp/err"; then fail "a corrupted vocab.txt was accepted"; fi
grep -q "vocab.txt.part: git blob id mismatch" "$tmp/err" || { cat "$tmp/err"; fail "no blob id error"; }
[ ! -e "$tmp/d5/vocab.txt" ] || fail "corrupt vocab.txt kept"

# 6. A pinned revision.
start_server
fetch --dir "$tmp/d6" --revision v1 2>"$tmp/err" || { cat "$tmp/err"; fail "revision v1 failed"; }
same_files "$tmp/d6" v1
grep -q "^GET /jinaai/jina-clip-v1/resolve/v1/config.json" "$tmp/log" || fail "revision not used"

# 7. Not found: an unknown revision or repository, and a repository without a required file.
if fetch --dir "$tmp/d7" --revision nope 2>"$tmp/err"; then fail "unknown revision succeeded"; fi
grep -q "jinaai/jina-clip-v1 (revision nope): file list: not found (HTTP 404" "$tmp/err" || { cat "$tmp/err"; fail "bad 404 message"; }
if fetch --dir "$tmp/d7" --repo nobody/nothing 2>"$tmp/err"; then fail "unknown repo succeeded"; fi
grep -q "not found (HTTP 404" "$tmp/err" || { cat "$tmp/err"; fail "bad repo 404 message"; }
rm "$repo/v1/tokenizer.json"
if fetch --dir "$tmp/d7" --revision v1 2>"$tmp/err"; then fail "a repo without tokenizer.json succeeded"; fi
grep -q "has no tokenizer.json" "$tmp/err" || { cat "$tmp/err"; fail "missing file not named"; }
# Usage errors exit 2.
set +e; fetch --bogus 2>/dev/null; rc=$?; set -e
[ "$rc" = 2 ] || fail "usage error gave $rc"
[ -n "${CDX_TEST_VERBOSE:-}" ] && cat "$tmp/err"
echo "fetch tests passed"
