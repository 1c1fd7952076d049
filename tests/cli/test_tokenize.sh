#!/usr/bin/env bash
# test_tokenize.sh — `clipdex tokenize` end to end: every single-text case of
# fixtures/tokenizer/cases.jsonl (Hugging Face's ids) through the command line in one run, texts
# from stdin, --max-len, the model directory from --model / CLIPDEX_MODEL / XDG_CACHE_HOME, and
# the message that says how to get a model when there is none.
set -euo pipefail
: "${CLIPDEX:?}" "${CDX_FIXTURES:?}" "${CDX_PYTHON:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
tokdir=$CDX_FIXTURES/tokenizer

"$CDX_PYTHON" - "$CLIPDEX" "$tokdir" <<'PY'
import json, subprocess, sys
clipdex, tokdir = sys.argv[1], sys.argv[2]
cases = [json.loads(l) for l in open(f"{tokdir}/cases.jsonl", encoding="utf-8")]
single = [c for c in cases if "text" in c]
out = subprocess.run([clipdex, "tokenize", "--model", tokdir, "--"] + [c["text"] for c in single],
                     check=True, capture_output=True).stdout.decode("utf-8").splitlines()
assert len(out) == len(single), (len(out), len(single))
for c, line in zip(single, out):
    got = json.loads(line)
    assert got["text"] == c["text"], (got["text"], c["text"])
    assert got["ids"] == c["ids"], (c["text"], got["ids"], c["ids"])
print(f"{len(single)} cases match")
PY

# Texts from stdin, one per line; --max-len truncates and keeps [SEP].
printf 'A photo of a cat.\nhello world\n' | "$CLIPDEX" tokenize --model "$tokdir" --max-len 4 >"$tmp/out"
[ "$(sed -n 1p "$tmp/out")" = '{"text":"A photo of a cat.","ids":[101,1037,6302,102]}' ] || fail "stdin line 1: $(cat "$tmp/out")"
[ "$(sed -n 2p "$tmp/out")" = '{"text":"hello world","ids":[101,7592,2088,102]}' ] || fail "stdin line 2"

# Model directory: CLIPDEX_MODEL, then $XDG_CACHE_HOME/clipdex/jina-clip-v1.
CLIPDEX_MODEL=$tokdir "$CLIPDEX" tokenize "a cat" | grep -q '"ids":\[101,1037,4937,102\]' || fail "CLIPDEX_MODEL"
mkdir -p "$tmp/cache/clipdex/jina-clip-v1"
cp "$tokdir/vocab.txt" "$tmp/cache/clipdex/jina-clip-v1/"
env -u CLIPDEX_MODEL XDG_CACHE_HOME="$tmp/cache" "$CLIPDEX" tokenize "a cat" | grep -q '"ids":\[101,1037,4937,102\]' ||
  fail "XDG_CACHE_HOME default (vocab.txt fallback)"

# No model: exit 1 and say how to get one.
set +e
env -u CLIPDEX_MODEL XDG_CACHE_HOME="$tmp/empty" "$CLIPDEX" tokenize "a cat" 2>"$tmp/err"; rc=$?
set -e
[ "$rc" = 1 ] || fail "missing model exit $rc"
grep -q "no jina-clip-v1 model in $tmp/empty/clipdex/jina-clip-v1" "$tmp/err" || fail "message: $(cat "$tmp/err")"
grep -q "clipdex model fetch" "$tmp/err" || fail "no fetch hint"
"$CLIPDEX" tokenize --help | grep -q "usage: clipdex tokenize" || fail "--help"
set +e; "$CLIPDEX" tokenize --max-len 1 x 2>/dev/null; rc=$?; set -e
[ "$rc" = 2 ] || fail "--max-len 1 gave $rc"
echo "tokenize CLI tests passed"
