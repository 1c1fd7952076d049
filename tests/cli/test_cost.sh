#!/usr/bin/env bash
# test_cost.sh — `clipdex cost` end to end: sizes, tokens and thumbnail sizes against the fixture
# manifest and live Pillow; errors (zero bytes, text, truncated PNG header, over the pixel limit,
# missing path) listed with their reason; exit statuses 0/1/2; junk skipped; paths joined as given;
# the JSON is valid even for file names with control characters and invalid UTF-8.
set -euo pipefail
: "${CLIPDEX:?}" "${CDX_FIXTURES:?}" "${CDX_PYTHON:?}"
img="$CDX_FIXTURES/images"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# run EXPECTED_RC OUTFILE ARGS... — runs clipdex, keeps stdout, checks the exit status.
run() {
  local want=$1 out=$2; shift 2
  local rc=0
  "$CLIPDEX" "$@" >"$out" 2>"$tmp/stderr" || rc=$?
  [ "$rc" = "$want" ] || { cat "$tmp/stderr" >&2; fail "clipdex $* exited $rc, want $want"; }
}

mapfile -t fixtures < <("$CDX_PYTHON" -c '
import json, sys
print("\n".join(sorted(json.load(open(sys.argv[1]))["images"])))' "$img/expected/manifest.json")
args=()
for f in "${fixtures[@]}"; do args+=("$img/$f"); done

cat >"$tmp/check_fixtures.py" <<'EOF'
# argv: report.json manifest.json image_dir size exif(0/1). Checks every fixture's row.
import json, math, sys
from PIL import Image, ImageOps
report = json.load(open(sys.argv[1], encoding="utf-8"))
manifest = json.load(open(sys.argv[2]))["images"]
root, size, exif = sys.argv[3], int(sys.argv[4]), sys.argv[5] == "1"
tokens = lambda w, h: math.ceil(w / 224) * math.ceil(h / 224) * 1000
assert set(report) == {"files", "errors", "total_tokens", "total_thumb_tokens"}, report.keys()
assert report["errors"] == [], report["errors"]
rows = {r["path"]: r for r in report["files"]}
assert len(rows) == len(manifest) == len(report["files"])
for name, m in manifest.items():
    r = rows[root + "/" + name]
    assert set(r) == {"path", "width", "height", "tokens", "thumb_width", "thumb_height",
                      "thumb_tokens"}, r.keys()
    w, h = m["blog"]["size"]
    if exif and (m["blog"]["exif_orientation"] or 1) in (5, 6, 7, 8):
        w, h = h, w
    if size == 224 and not exif:
        tw, th = m["blog"]["thumb_size"]                     # Pillow 9.4, recorded
    else:
        im = Image.open(root + "/" + name)                   # Pillow, live
        if exif:
            im = ImageOps.exif_transpose(im)
        im.thumbnail((size, size), Image.LANCZOS)
        tw, th = im.size
    got = (r["width"], r["height"], r["tokens"], r["thumb_width"], r["thumb_height"], r["thumb_tokens"])
    want = (w, h, tokens(w, h), tw, th, tokens(tw, th))
    assert got == want, (name, got, want)
    if size == 224:
        assert r["thumb_tokens"] == m["blog"]["api_tokens"], name
assert report["total_tokens"] == sum(r["tokens"] for r in report["files"])
assert report["total_thumb_tokens"] == sum(r["thumb_tokens"] for r in report["files"])
EOF

# 1. Every fixture, with and without EXIF, default and custom size: all costed, exit 0.
run 0 "$tmp/noexif.json" cost --json --no-exif "${args[@]}"
"$CDX_PYTHON" "$tmp/check_fixtures.py" "$tmp/noexif.json" "$img/expected/manifest.json" "$img" 224 0 ||
  fail "cost --no-exif disagrees with the manifest"
run 0 "$tmp/exif.json" cost "${args[@]}" --json
"$CDX_PYTHON" "$tmp/check_fixtures.py" "$tmp/exif.json" "$img/expected/manifest.json" "$img" 224 1 ||
  fail "cost (EXIF applied) disagrees with Pillow's exif_transpose + thumbnail"
run 0 "$tmp/size100.json" cost --json --size 100 "${args[@]}"
"$CDX_PYTHON" "$tmp/check_fixtures.py" "$tmp/size100.json" "$img/expected/manifest.json" "$img" 100 1 ||
  fail "cost --size 100 disagrees with Pillow's thumbnail((100,100))"

# 2. Broken inputs are listed with their reason and do not stop the run: exit 1.
mkdir "$tmp/bad"
: >"$tmp/bad/empty.png"
echo "just some text, not an image" >"$tmp/bad/notes.txt"
head -c 20 "$img/png_rgb_1024x768.png" >"$tmp/bad/truncated.png"
cp "$img/tiny_1x1.png" "$tmp/bad/ok.png"
run 1 "$tmp/bad.json" cost --json "$tmp/bad" "$tmp/missing.jpg" "$img/large_4000x3000.jpg" --max-pixels 1000000
"$CDX_PYTHON" - "$tmp/bad.json" "$tmp" "$img" <<'EOF' || fail "cost error listing is wrong"
import json, re, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
tmp, img = sys.argv[2], sys.argv[3]
assert [f["path"] for f in r["files"]] == [tmp + "/bad/ok.png"], r["files"]
errs = {e["path"]: e["error"] for e in r["errors"]}
assert list(errs) == [tmp + "/bad/empty.png", tmp + "/bad/notes.txt", tmp + "/bad/truncated.png",
                      tmp + "/missing.jpg", img + "/large_4000x3000.jpg"], list(errs)
want = {"empty.png": r"empty|zero", "notes.txt": r"unsupported|unknown|not an image|format",
        "truncated.png": r"truncat", "missing.jpg": r"no such file", "large_4000x3000.jpg": r"pixel|limit|large"}
for path, msg in errs.items():
    pat = want[path.rsplit("/", 1)[1]]
    assert re.search(pat, msg, re.I), (path, msg)
    assert not msg.startswith(path), ("reason repeats the path", msg)
assert r["total_tokens"] == 1000 and r["total_thumb_tokens"] == 1000, r
EOF
run 1 "$tmp/bad.txt" cost "$tmp/bad"
grep -q "^errors (3):" "$tmp/bad.txt" || fail "human output lacks the errors section"
grep -q "truncated.png: " "$tmp/bad.txt" || fail "human output does not name the truncated file"

# 3. Usage errors exit 2; --help exits 0.
run 2 "$tmp/u" cost
run 2 "$tmp/u" cost --bogus "$img"
run 2 "$tmp/u" cost --size 0 "$img/tiny_1x1.png"
run 2 "$tmp/u" cost --size "$img/tiny_1x1.png"
run 2 "$tmp/u" cost --max-pixels abc "$img/tiny_1x1.png"
run 2 "$tmp/u" cost --max-pixels
run 0 "$tmp/help" cost --help
grep -q "^usage: clipdex cost" "$tmp/help" || fail "cost --help prints no usage"
run 0 "$tmp/help" --help
grep -q "cost" "$tmp/help" && grep -q "thumb" "$tmp/help" || fail "clipdex --help does not list the commands"
run 2 "$tmp/u" nosuchcommand

# 4. Junk and hidden files are skipped; paths are the argument joined with the relative path.
mkdir -p "$tmp/tree/sub/deeper" "$tmp/tree/@eaDir" "$tmp/tree/.hidden"
for f in a.png sub/b.png sub/deeper/c.png .hidden/h.png @eaDir/x.png .dot.png ._a.png; do
  cp "$img/tiny_1x1.png" "$tmp/tree/$f"
done
printf 'junk' >"$tmp/tree/.DS_Store"
printf 'junk' >"$tmp/tree/Thumbs.db"
printf 'junk' >"$tmp/tree/desktop.ini"
run 0 "$tmp/tree.json" cost --json "$tmp/tree/" "$tmp//tree//sub" "$tmp/tree/sub/b.png"
"$CDX_PYTHON" - "$tmp/tree.json" "$tmp" <<'EOF' || fail "junk skipping / path joining is wrong"
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
t = sys.argv[2]
paths = [f["path"] for f in r["files"]]
assert paths == [t + "/tree/a.png", t + "/tree/sub/b.png", t + "/tree/sub/deeper/c.png",
                 t + "/tree/sub/b.png", t + "/tree/sub/deeper/c.png", t + "/tree/sub/b.png"], paths
assert r["errors"] == []
EOF
(cd "$tmp" && "$CLIPDEX" cost --json tree/sub >"$tmp/rel.json") || fail "relative path run failed"
"$CDX_PYTHON" -c '
import json, sys
p = [f["path"] for f in json.load(open(sys.argv[1]))["files"]]
assert p == ["tree/sub/b.png", "tree/sub/deeper/c.png"], p' "$tmp/rel.json" ||
  fail "relative arguments are not kept as given"

# 5. JSON stays valid for names with quotes, control characters and invalid UTF-8.
mkdir "$tmp/odd"
odd=$'we"ird\\name\n\t\x01\xff\xc3(.png'
cp "$img/tiny_1x1.png" "$tmp/odd/$odd"
cp "$img/tiny_1x1.png" "$tmp/odd/ünïcødé.png"
run 0 "$tmp/odd.json" cost --json "$tmp/odd"
"$CDX_PYTHON" - "$tmp/odd.json" "$tmp" <<'EOF' || fail "JSON escaping of odd file names is wrong"
import json, sys
raw = open(sys.argv[1], "rb").read()
r = json.loads(raw.decode("utf-8"))  # strict: must be valid UTF-8 and valid JSON
t = sys.argv[2]
paths = [f["path"] for f in r["files"]]
assert paths == [t + '/odd/we"ird\\name\n\t\x01\ufffd\ufffd(.png', t + "/odd/ünïcødé.png"], paths
EOF

# 6. Human output: aligned table, totals and savings.
run 0 "$tmp/table.txt" cost "$img/large_4000x3000.jpg" "$img/tiny_1x1.png"
grep -Eq "^path +size +tiles +tokens +thumb +thumb tokens$" "$tmp/table.txt" || fail "no table header"
grep -Eq "large_4000x3000.jpg +4000x3000 +252 +252000 +224x168 +1000$" "$tmp/table.txt" ||
  fail "large JPEG row wrong: $(cat "$tmp/table.txt")"
grep -q "^total: 2 images, 253000 tokens as is, 2000 as thumbnails$" "$tmp/table.txt" || fail "totals line"
grep -q "^saved 251000 tokens (99.2%)$" "$tmp/table.txt" || fail "savings line"
echo "test_cost: all checks passed"
