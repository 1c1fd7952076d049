#!/usr/bin/env bash
# test_embed.sh — `clipdex embed` end to end against tests/tools/fake_jina: JSON Lines in argument
# order with the fake's vectors (recomputed here in Python from the recipe in fake_jina.c), the
# human form, --batch and --api-key-file, exit statuses 0/1/2/3 with clear messages (missing or bad
# key, no credit, rejected, unbuilt backend, unreadable image), and the API key never printed.
set -euo pipefail
: "${CLIPDEX:?}" "${CDX_TOOLS:?}" "${CDX_FIXTURES:?}" "${CDX_PYTHON:?}"
KEY="sk-test-DISTINCTIVE-7f3a9b2c-never-print-me"
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export CLIPDEX_RETRY_BASE_MS=10

# start_fake ARGS... — (re)starts the fake with the test key and a fresh log.
start_fake() {
  if [ -n "$pid" ]; then kill "$pid"; wait "$pid" || true; fi
  rm -f "$tmp/port" "$tmp/log"
  "$CDX_TOOLS/fake_jina" --port-file "$tmp/port" --key "$KEY" --log "$tmp/log" "$@" &
  pid=$!
  for _ in $(seq 500); do [ -s "$tmp/port" ] && break; sleep 0.01; done
  [ -s "$tmp/port" ] || fail "fake_jina did not start"
  export CLIPDEX_JINA_URL="http://127.0.0.1:$(cat "$tmp/port")"
}

# run EXPECTED_RC NAME ARGS... — runs clipdex embed; stdout in $tmp/NAME.out, stderr in .err.
run() {
  local want=$1 name=$2; shift 2
  local rc=0
  "$CLIPDEX" embed "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
  [ "$rc" = "$want" ] || { cat "$tmp/$name.err" >&2; fail "$name: exit $rc, want $want"; }
}

img="$CDX_FIXTURES/images/png_rgb_1024x768.png"
export JINA_API_KEY="$KEY"
start_fake

# JSON Lines in argument order, vectors as the fake makes them
run 0 json --json --text "a dog on a beach" --image "$img" --text "naïve \"quoted\" text"
cat >"$tmp/check.py" <<'PY'
import json, math, sys
import numpy as np
M = (1 << 64) - 1
def vec(prefix, s):
    h = 0xcbf29ce484222325
    for b in (prefix + s).encode():
        h = ((h ^ b) * 0x100000001b3) & M
    v = []
    for _ in range(768):
        h = (h + 0x9E3779B97F4A7C15) & M
        z = h
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        z ^= z >> 31
        v.append((z >> 11) * (1.0 / 4503599627370496.0) - 1.0)
    n = math.sqrt(sum(x * x for x in v))
    return np.array([x / n for x in v], dtype=np.float64).astype(np.float32)
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
want = sys.argv[2:]
assert [r["input"] for r in rows] == want, [r["input"] for r in rows]
for r in rows:
    assert set(r) == {"input", "embedding"}
    e = np.array(r["embedding"], dtype=np.float32)
    assert e.shape == (768,)
    assert abs(float(np.linalg.norm(e.astype(np.float64))) - 1) < 1e-5
    if not r["input"].endswith(".png"):
        assert (e == vec("text:", r["input"])).all(), r["input"]
PY
"$CDX_PYTHON" "$tmp/check.py" "$tmp/json.out" "a dog on a beach" "$img" "naïve \"quoted\" text"
grep -q '^tokens: 1008$' "$tmp/json.err" || fail "tokens line: $(cat "$tmp/json.err")"
[ "$(wc -l <"$tmp/log")" = 2 ] || fail "texts and images: want 2 requests"

# human form
run 0 human --text "hello there"
grep -q '^text hello there$' "$tmp/human.out" || fail "human form: $(cat "$tmp/human.out")"
grep -q 'dim 768, norm 1.000000, \[' "$tmp/human.out" || fail "human form: $(cat "$tmp/human.out")"

# --batch: 3 texts, one per request
: >"$tmp/log"
run 0 batch --json --batch 1 --text a --text b --text c
[ "$(wc -l <"$tmp/log")" = 3 ] || fail "--batch 1: $(cat "$tmp/log")"

# --api-key-file (surrounding whitespace ignored), overriding the environment
printf '  %s\n' "$KEY" >"$tmp/key"
JINA_API_KEY=wrong run 0 keyfile --text a --api-key-file "$tmp/key"
run 2 keyfile_missing --text a --api-key-file "$tmp/nope"
grep -q "nope: cannot open the API key file" "$tmp/keyfile_missing.err" || fail "key file message"

# an unreadable image fails alone (exit 1), the others are printed
run 1 partial --json --text a --image "$tmp/missing.png" --image "$img"
[ "$(wc -l <"$tmp/partial.out")" = 2 ] || fail "partial: want 2 rows"
grep -q "missing.png: cannot read" "$tmp/partial.err" || fail "partial message"

# usage errors (2)
run 2 noinput
run 2 badopt --text a --bogus
# The local backend without a model says how to get one (tests/cli/test_local.sh covers the rest).
CLIPDEX_MODEL="$tmp/no-model" run 3 local --text a --backend local
grep -q "no jina-clip-v1 model in $tmp/no-model.*clipdex model fetch" "$tmp/local.err" ||
  fail "local message: $(cat "$tmp/local.err")"
run 2 unknown --text a --backend foo
run 2 badbatch --text a --batch 0
run 0 help --help
grep -q "^usage: clipdex embed" "$tmp/help.out" || fail "help"
grep -q -- "--api-key-file" "$tmp/help.out" || fail "help lists the embedder options"

# stops by the service (3)
JINA_API_KEY= run 3 nokey --text a
grep -q "no Jina API key: set JINA_API_KEY" "$tmp/nokey.err" || fail "no key message"
JINA_API_KEY="$KEY-but-wrong" run 3 wrongkey --text a
grep -q "invalid or missing API key" "$tmp/wrongkey.err" || fail "wrong key message"
for fault in 401:"invalid or missing API key" 402:"out of credits" 403balance:"out of credits" \
             400:"rejected input 0" 422:"injected fault one; injected fault two" \
             503:"gave up after 6 retries"; do
  kind=${fault%%:*} msg=${fault#*:}
  start_fake --fault-all "$kind"
  run 3 "fault_$kind" --text a
  grep -qF "$msg" "$tmp/fault_$kind.err" || fail "$kind: $(cat "$tmp/fault_$kind.err")"
done
start_fake --fault-all timeout
run 3 timeout --text a --timeout 0.2 
grep -q "no answer within 0.2 s" "$tmp/timeout.err" || fail "timeout: $(cat "$tmp/timeout.err")"

# the key never appears in anything clipdex printed, nor in the fake's log
if grep -rlF -- "$KEY" "$tmp"/*.out "$tmp"/*.err "$tmp/log"; then fail "the API key was printed"; fi
echo "ok"
