#!/usr/bin/env bash
# test_thumb.sh — `clipdex thumb` end to end: for every fixture the PNG it writes decodes (Pillow)
# to the mode, size, palette and pixels of Pillow 9.4's thumbnail (expected/<f>.thumb.png; the
# CMYK one converted to RGB); EXIF orientation and --size against live Pillow; the output appears
# atomically; usage errors exit 2; failures exit 1 and name the file.
set -euo pipefail
: "${CLIPDEX:?}" "${CDX_FIXTURES:?}" "${CDX_PYTHON:?}"
img="$CDX_FIXTURES/images"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_rc WANT ARGS... — runs clipdex; stderr kept in $tmp/stderr.
expect_rc() {
  local want=$1; shift
  local rc=0
  "$CLIPDEX" "$@" >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
  [ "$rc" = "$want" ] || { cat "$tmp/stderr" >&2; fail "clipdex $* exited $rc, want $want"; }
}

mapfile -t fixtures < <("$CDX_PYTHON" -c '
import json, sys
print("\n".join(sorted(json.load(open(sys.argv[1]))["images"])))' "$img/expected/manifest.json")

# 1. --no-exif: Pillow's thumbnail exactly (the fixtures' expected outputs).
mkdir "$tmp/noexif" "$tmp/exif" "$tmp/s64"
for f in "${fixtures[@]}"; do
  expect_rc 0 thumb --no-exif "$img/$f" "$tmp/noexif/$f.png"
  expect_rc 0 thumb "$img/$f" "$tmp/exif/$f.png" --level 1
  expect_rc 0 thumb --size 64 "$img/$f" "$tmp/s64/$f.png"
done
ls "$tmp"/noexif/*.tmp >/dev/null 2>&1 && fail "temporary files left behind"

"$CDX_PYTHON" - "$img" "$tmp" "${fixtures[@]}" <<'EOF' || fail "thumbnail pixels differ from Pillow"
import sys
from PIL import Image, ImageOps
root, tmp, names = sys.argv[1], sys.argv[2], sys.argv[3:]

def same(got_path, want, label):
    got = Image.open(got_path)
    assert got.format == "PNG", (label, got.format)
    assert (got.mode, got.size) == (want.mode, want.size), (label, got.mode, got.size, want.mode, want.size)
    if want.mode == "P":
        assert got.getpalette() == want.getpalette(), (label, "palette")
        assert got.info.get("transparency") == want.info.get("transparency"), (label, "tRNS")
    assert got.tobytes() == want.tobytes(), (label, "pixels")

def expected(name):
    if name == "jpeg_cmyk_600x400.jpg":  # Pillow cannot save CMYK as PNG: clipdex sends RGB
        raw = open(f"{root}/expected/{name}.thumb.raw", "rb").read()
        return Image.frombytes("CMYK", (224, 149), raw).convert("RGB")
    return Image.open(f"{root}/expected/{name}.thumb.png")

def live(name, size, exif):
    im = Image.open(f"{root}/{name}")
    if exif:
        t = ImageOps.exif_transpose(im)
        im = t if t is not None else im
    im.thumbnail((size, size), Image.LANCZOS)
    return im.convert("RGB") if im.mode == "CMYK" else im

for n in names:
    want = expected(n)
    same(f"{tmp}/noexif/{n}.png", want, n + " --no-exif")
    orient = Image.open(f"{root}/{n}").getexif().get(0x0112, 1)
    same(f"{tmp}/exif/{n}.png", want if orient == 1 else live(n, 224, True), n + " exif")
    w = live(n, 64, True)
    got = Image.open(f"{tmp}/s64/{n}.png")
    assert got.size == w.size and got.mode == w.mode, (n, "--size 64", got.size, w.size)
print("pixels identical for", len(names), "fixtures")
EOF

# 2. The EXIF-6 fixture really is rotated by default (portrait), not by --no-exif (landscape).
"$CDX_PYTHON" -c '
import sys
from PIL import Image
a, b = Image.open(sys.argv[1]).size, Image.open(sys.argv[2]).size
assert a == (168, 224) and b == (224, 168), (a, b)' \
  "$tmp/exif/jpeg_exif_orient6_800x600.jpg.png" "$tmp/noexif/jpeg_exif_orient6_800x600.jpg.png" ||
  fail "EXIF orientation 6 not applied by default"

# 3. Usage errors exit 2; --help exits 0.
expect_rc 2 thumb
expect_rc 2 thumb "$img/tiny_1x1.png"
expect_rc 2 thumb "$img/tiny_1x1.png" "$tmp/a.png" "$tmp/b.png"
expect_rc 2 thumb --size 0 "$img/tiny_1x1.png" "$tmp/a.png"
expect_rc 2 thumb --size abc "$img/tiny_1x1.png" "$tmp/a.png"
expect_rc 2 thumb --level 10 "$img/tiny_1x1.png" "$tmp/a.png"
expect_rc 2 thumb --bogus "$img/tiny_1x1.png" "$tmp/a.png"
expect_rc 2 thumb "$img/tiny_1x1.png" "$tmp/a.png" --level
[ -e "$tmp/a.png" ] && fail "a usage error wrote output"
expect_rc 0 thumb --help
grep -q "^usage: clipdex thumb" "$tmp/stdout" || fail "thumb --help prints no usage"

# 4. Failures exit 1 and name the file; nothing is left at OUT.
expect_rc 1 thumb "$tmp/missing.jpg" "$tmp/out.png"
grep -qF "$tmp/missing.jpg" "$tmp/stderr" || fail "missing input not named: $(cat "$tmp/stderr")"
echo "not an image" >"$tmp/text.png"
expect_rc 1 thumb "$tmp/text.png" "$tmp/out.png"
grep -qF "$tmp/text.png" "$tmp/stderr" || fail "non-image input not named"
[ -e "$tmp/out.png" ] || [ -e "$tmp/out.png.tmp" ] && fail "output written for a failed input"
expect_rc 1 thumb "$img/tiny_1x1.png" "$tmp/no/such/dir/out.png"
grep -qF "$tmp/no/such/dir/out.png" "$tmp/stderr" || fail "unwritable output not named"

# 5. An existing OUT is replaced whole.
printf 'old' >"$tmp/replace.png"
expect_rc 0 thumb "$img/png_rgb_1024x768.png" "$tmp/replace.png"
cmp -s "$tmp/replace.png" "$tmp/noexif/png_rgb_1024x768.png.png" || fail "OUT not replaced"
echo "test_thumb: all checks passed"
