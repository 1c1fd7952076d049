"""lance_cli_check.py — oracle checks for tests/cli/test_lance_cli.sh, against the LanceDB fixtures'
expected.json and their row formulas (README: file_id = i, file_name = img_i.png,
vector[j] = float32(i + j/1000)).
  tables EXPECTED.json TABLES.jsonl         every table, its live rows and latest version
  rows EXPECTED.json TABLE SHOW.jsonl       row count, first 3 rows and last row as LanceDB read them
  formula SHOW.jsonl DIM [skip-mod skip-rem] every vector bit-exact in float32 (round trip)
  search SHOW.jsonl HITS.jsonl Q.f32 METRIC K   hits = exact top-k by float64 distances
Exits 1 with the first difference."""
import json
import re
import sys

import numpy as np


def load(path):
    return [json.loads(l) for l in open(path) if l.strip()]


def same_scalar(a, b):
    return a == b and type(a) is type(b)


def cmp_row(got, want, where):
    for k, v in want.items():
        if k == "_rowid":
            continue
        g = got.get(k, "<missing>")
        if isinstance(v, list):  # first items, then "... (N items)"
            n = int(v[-1].split("(")[1].split()[0]) if isinstance(v[-1], str) else len(v)
            items = [x for x in v if not isinstance(x, str)]
            if not isinstance(g, list) or len(g) != n or \
                    not np.array_equal(np.float32(g[:len(items)]), np.float32(items)):
                sys.exit(f"{where} {k}: {str(g)[:60]} vs {v}")
        elif isinstance(v, str) and re.fullmatch(r"(?s)(.*)\.\.\. \((\d+) chars\)", v):
            head, n = re.fullmatch(r"(?s)(.*)\.\.\. \((\d+) chars\)", v).groups()
            if not isinstance(g, str) or not g.startswith(head) or len(g) != int(n):
                sys.exit(f"{where} {k}: {str(g)[:60]} vs {v}")
        elif not same_scalar(g, v):
            sys.exit(f"{where} {k}: {g!r} vs {v!r}")


mode = sys.argv[1]
if mode == "tables":
    exp = json.load(open(sys.argv[2]))
    got = {r["name"]: r for r in load(sys.argv[3])}
    if sorted(got) != sorted(exp):
        sys.exit(f"tables {sorted(got)} vs {sorted(exp)}")
    for name, e in exp.items():
        if got[name]["rows"] != e["num_rows"] or got[name]["version"] != e["version"]:
            sys.exit(f"{name}: {got[name]} vs rows {e['num_rows']} version {e['version']}")
    print(f"{len(got)} tables ok")
elif mode == "rows":
    e = json.load(open(sys.argv[2]))[sys.argv[3]]
    rows = load(sys.argv[4])
    if len(rows) != e["num_rows"]:
        sys.exit(f"{sys.argv[3]}: {len(rows)} rows, expected {e['num_rows']}")
    for i, want in enumerate(e["first_rows"]):
        cmp_row(rows[i], want, f"{sys.argv[3]} row {i}")
    cmp_row(rows[-1], e["last_row"], f"{sys.argv[3]} last row")
    print(f"{sys.argv[3]}: {len(rows)} rows ok")
elif mode == "formula":
    rows, dim = load(sys.argv[2]), int(sys.argv[3])
    for r in rows:
        i = r["file_id"]
        want = np.float32(i + np.arange(dim) / 1000.0)
        got = r["vector"]
        # np.float32(decimal) must give back the very float32 LanceDB stored.
        if len(got) != dim or not np.array_equal(np.float32(got), want):
            sys.exit(f"file_id {i}: vector {got[:4]} not float32-exact")
        if r["file_name"] != f"img_{i}.png":
            sys.exit(f"file_id {i}: file_name {r['file_name']!r}")
    print(f"{len(rows)} rows float32-exact")
elif mode == "search":
    rows, hits = load(sys.argv[2]), load(sys.argv[3])
    q = np.fromfile(sys.argv[4], "<f4").astype(np.float64)
    metric, k = sys.argv[5], int(sys.argv[6])
    ids = np.array([r["file_id"] for r in rows])
    m = np.array([r["vector"] for r in rows], np.float32).astype(np.float64)
    if metric == "l2":
        d = ((m - q) ** 2).sum(1)
    elif metric == "dot":
        d = 1 - m @ q
    else:
        d = 1 - (m @ q) / (np.linalg.norm(m, axis=1) * np.linalg.norm(q))
    order = np.argsort(d, kind="stable")[:k]
    if len(hits) != len(order):
        sys.exit(f"{len(hits)} hits, expected {len(order)}")
    for h, o in zip(hits, order):
        if abs(h["_distance"] - d[o]) > 1e-5 * max(1.0, abs(d[o])):
            sys.exit(f"hit {h}: expected file_id {ids[o]} distance {d[o]}")
        dist_of_hit = d[list(ids).index(h["file_id"])]
        if abs(h["_distance"] - dist_of_hit) > 1e-5 * max(1.0, abs(dist_of_hit)):
            sys.exit(f"hit {h}: its own row's distance is {dist_of_hit}")
        if "vector" in h:
            sys.exit("search --json printed the vector column")
    print(f"{metric} top-{k}: {len(hits)} hits ok")
else:
    sys.exit(f"unknown mode {mode}")
