#!/usr/bin/env bash
# test_index_in_lancedb.sh — `clipdex index` and LanceDB 0.31 on the same tables: a table LanceDB
# made with only the recipe's three columns is searched and appended by clipdex (its rows matched
# by file_name; a changed file there is not seen, which a note says, and --reembed replaces its
# row); the table clipdex makes opens in LanceDB with file_id int64, file_name utf8 and
# vector fixed_size_list<float32, 768>; LanceDB's add, delete and optimize keep clipdex's table
# metadata (clipdex.model), and clipdex's replace commit (Update) reads back in LanceDB; the index
# lock file beside the tables is not listed as a table by LanceDB.
set -euo pipefail
: "${CLIPDEX:?}" "${CDX_TOOLS:?}" "${CDX_FIXTURES:?}" "${CDX_PYTHON:?}"
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$here/node_modules/@lancedb/lancedb" ]; then
  echo "tests/interop/node_modules is missing: run scripts/deps.sh test" >&2
  exit 1
fi
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
db="$tmp/db"
meta() { "$CDX_TOOLS/cdx_table_meta" "$db" "$1" "$2"; }
schema() { node "$here/lancedb_schema.mjs" "$db" "$1"; }
lw() { node "$here/lancedb_write.mjs" "$db" "$@" >/dev/null; }

"$CDX_TOOLS/fake_jina" --port-file "$tmp/port" --log "$tmp/log" & pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
export CLIPDEX_JINA_URL="http://127.0.0.1:$(cat "$tmp/port")" JINA_API_KEY=test-key
mkdir "$tmp/img"
for f in png_palette_400x300.png gif_palette_300x200.gif bmp_rgb_333x222.bmp tiny_1x1.png; do
  cp "$CDX_FIXTURES/images/$f" "$tmp/img/"
done
cd "$tmp"

# 1. The recipe's table, made by LanceDB: two rows for files that exist, vectors of its own.
"$CDX_PYTHON" - "$tmp/recipe.jsonl" <<'PY'
import json, sys
import numpy as np
rng = np.random.default_rng(7)
with open(sys.argv[1], "w") as f:
    for i, name in enumerate(["img/png_palette_400x300.png", "img/tiny_1x1.png"]):
        v = rng.standard_normal(768).astype(np.float32); v /= np.linalg.norm(v)
        f.write(json.dumps({"file_id": i, "file_name": name, "vector": [float(x) for x in v]}) + "\n")
PY
lw recipe create --jsonl "$tmp/recipe.jsonl" --dim 768
"$CLIPDEX" index img --db "$db" --table recipe 2> "$tmp/r.err" || { cat "$tmp/r.err"; fail "index recipe table"; }
grep -q 'indexed: 2, unchanged: 2' "$tmp/r.err" || { cat "$tmp/r.err"; fail "recipe rows not matched by name"; }
s=$(schema recipe)
echo "$s" | grep -q '"rows":4' || fail "LanceDB sees $s"
[ "$(echo "$s" | grep -o '"name"' | wc -l)" = 3 ] || fail "recipe table grew columns: $s"
"$CLIPDEX" search --db "$db" --table recipe --image img/bmp_rgb_333x222.bmp -k 1 --json > "$tmp/hit"
grep -q '"file_name":"img/bmp_rgb_333x222.bmp"' "$tmp/hit" || fail "search recipe table: $(cat "$tmp/hit")"
node "$here/lancedb_dump.mjs" "$db" recipe > "$tmp/dump"
[ "$(cut -d, -f1 "$tmp/dump" | sort -u | wc -l)" = 4 ] || fail "file_ids not unique in LanceDB's view"
grep -q "note: table 'recipe' has no size/mtime columns .*2 files with a row were taken as unchanged" "$tmp/r.err" ||
  { cat "$tmp/r.err"; fail "no note that the recipe table cannot show changes"; }
# A file of the recipe's changed: the table cannot tell (no size/mtime), so it is not re-embedded
# behind the user's back, but the note says so; --reembed on it replaces its row (same file_id).
cp "$CDX_FIXTURES/images/webp_lossless_alpha_256x256.webp" img/png_palette_400x300.png
n0=$(wc -l < "$tmp/log")
"$CLIPDEX" index img --db "$db" --table recipe 2> "$tmp/r2.err" || { cat "$tmp/r2.err"; fail "rerun recipe"; }
grep -q 'indexed: 0, unchanged: 4' "$tmp/r2.err" || { cat "$tmp/r2.err"; fail "recipe rerun summary"; }
grep -q "4 files with a row were taken as unchanged.*--reembed" "$tmp/r2.err" || { cat "$tmp/r2.err"; fail "recipe rerun note"; }
[ "$(wc -l < "$tmp/log")" = "$n0" ] || fail "recipe rerun made a request"
"$CLIPDEX" index img/png_palette_400x300.png --db "$db" --table recipe --reembed --dry-run > "$tmp/r3.out" ||
  fail "reembed dry run"
grep -q $'would embed\timg/png_palette_400x300.png\t1000 tokens' "$tmp/r3.out" || { cat "$tmp/r3.out"; fail "reembed dry run listing"; }
"$CLIPDEX" index img/png_palette_400x300.png --db "$db" --table recipe --reembed 2> "$tmp/r4.err" ||
  { cat "$tmp/r4.err"; fail "reembed"; }
grep -q 'indexed: 1, unchanged: 0' "$tmp/r4.err" || { cat "$tmp/r4.err"; fail "reembed summary"; }
grep -q 'note:' "$tmp/r4.err" && fail "note after --reembed"
echo "$(schema recipe)" | grep -q '"rows":4' || fail "rows after reembed: $(schema recipe)"
node "$here/lancedb_dump.mjs" "$db" recipe > "$tmp/dump"
grep -q '^{"file_id":0,"file_name":"img/png_palette_400x300.png"' "$tmp/dump" ||
  { cut -c1-80 "$tmp/dump"; fail "reembedded row lost its file_id"; }

# 2. The table clipdex makes: the recipe's columns typed as the recipe declares them.
"$CLIPDEX" index img --db "$db" 2> "$tmp/m.err" || { cat "$tmp/m.err"; fail "index"; }
s=$(schema images)
echo "$s" | grep -q '{"name":"file_id","type":"Int64","nullable":true},{"name":"file_name","type":"Utf8","nullable":true},{"name":"vector","type":"FixedSizeList\[768\]<Float32>","nullable":true}' ||
  fail "LanceDB schema: $s"
[ "$(meta images clipdex.model)" = jina-clip-v1 ] || fail "no model tag"
# LanceDB's own commits keep the tag: add (three columns only), delete, compaction.
lw images add --rows 3 --dim 768 --start 100
lw images delete --where "file_id = 101"
[ "$(meta images clipdex.model)" = jina-clip-v1 ] || fail "LanceDB add/delete dropped the tag"
# clipdex on top of LanceDB's versions: a changed file is replaced in one Update version.
cp "$CDX_FIXTURES/images/png_gray_600x1000.png" img/tiny_1x1.png
"$CLIPDEX" index img --db "$db" 2> "$tmp/c.err" || { cat "$tmp/c.err"; fail "reindex"; }
grep -q 'indexed: 1, unchanged: 3' "$tmp/c.err" || { cat "$tmp/c.err"; fail "changed file"; }
echo "$(schema images)" | grep -q '"rows":6' || fail "rows after replace: $(schema images)"
rm img/gif_palette_300x200.gif
"$CLIPDEX" index img --db "$db" --prune 2> "$tmp/p.err" || { cat "$tmp/p.err"; fail "prune"; }
grep -q 'pruned: 1' "$tmp/p.err" || { cat "$tmp/p.err"; fail "prune summary"; }
echo "$(schema images)" | grep -q '"rows":5' || fail "rows after prune: $(schema images)"
lw images add --rows 1 --dim 768 --start 200   # LanceDB commits on top of clipdex's Delete
lw images optimize
[ "$(meta images clipdex.model)" = jina-clip-v1 ] || fail "LanceDB optimize dropped the tag"
[ "$(meta images clipdex.backend)" = jina ] || fail "backend tag"
node "$here/lancedb_dump.mjs" "$db" images > "$tmp/dump"
[ "$(grep -c '"img/tiny_1x1.png"' "$tmp/dump")" = 1 ] || fail "replaced row twice or missing in LanceDB"
[ "$(grep -c '"img/gif_palette_300x200.gif"' "$tmp/dump")" = 0 ] || fail "pruned row in LanceDB"
[ "$(wc -l < "$tmp/dump")" = 6 ] || fail "LanceDB rows: $(wc -l < "$tmp/dump")"
# The index lock file beside the tables is no table to LanceDB.
[ -f "$db/.images.clipdex-index.lock" ] || fail "no index lock file"
[ "$(node "$here/lancedb_tables.mjs" "$db")" = '["images","recipe"]' ] ||
  fail "LanceDB lists $(node "$here/lancedb_tables.mjs" "$db")"
echo "clipdex index and LanceDB agree"
