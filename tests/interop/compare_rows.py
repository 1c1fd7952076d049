"""compare_rows.py A.jsonl B.jsonl — the same rows in the same order, keyed by column name:
integers and strings equal, nulls equal, lists of numbers (float32 vectors) equal after rounding
both sides to float32 (each side prints digits enough to round-trip), other floats exactly equal.
Exits 1 with the first difference."""
import json
import sys

import numpy as np

a = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
b = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
if len(a) != len(b):
    sys.exit(f"{sys.argv[1]}: {len(a)} rows, {sys.argv[2]}: {len(b)} rows")
for i, (x, y) in enumerate(zip(a, b)):
    if sorted(x) != sorted(y):
        sys.exit(f"row {i}: columns {sorted(x)} vs {sorted(y)}")
    for k in x:
        u, v = x[k], y[k]
        if isinstance(u, list) and isinstance(v, list):
            same = len(u) == len(v) and np.array_equal(np.array(u, np.float32), np.array(v, np.float32))
        else:
            same = u == v and type(u) is type(v)
        if not same:
            sys.exit(f"row {i} column {k}: {str(u)[:80]} vs {str(v)[:80]}")
print(f"{len(a)} rows equal")
