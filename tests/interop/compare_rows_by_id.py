"""compare_rows_by_id.py A.jsonl B.jsonl — the two dumps hold the same rows (any order): file_id and
file_name equal, vectors equal as float32. Prints the row count; exits 1 on a difference."""
import json
import sys

import numpy as np


def load(path):
    rows = {}
    for line in open(path):
        if not line.strip():
            continue
        r = json.loads(line)
        v = None if r.get("vector") is None else np.asarray(r["vector"], dtype=np.float32)
        key = r["file_id"]
        if key in rows:
            sys.exit(f"{path}: duplicate file_id {key}")
        rows[key] = (r.get("file_name"), v)
    return rows


a, b = load(sys.argv[1]), load(sys.argv[2])
if a.keys() != b.keys():
    sys.exit(f"row ids differ: only in A {sorted(a.keys() - b.keys())[:10]}, "
             f"only in B {sorted(b.keys() - a.keys())[:10]}")
for k in a:
    (na, va), (nb, vb) = a[k], b[k]
    if na != nb or (va is None) != (vb is None) or (va is not None and not np.array_equal(va, vb)):
        sys.exit(f"row {k} differs")
print(len(a), "rows equal")
