"""compare_hits.py A.jsonl B.jsonl — the interop oracle check: the same file_ids in the same order,
and _distance within 1e-5 (relative to max(1, |d|), as float32 sums of ~500 carry ulps of 6e-5).
Exits 1 with the first difference."""
import json
import sys

a = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
b = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
if len(a) != len(b):
    sys.exit(f"{sys.argv[1]}: {len(a)} hits, {sys.argv[2]}: {len(b)} hits")
worst = 0.0
for i, (x, y) in enumerate(zip(a, b)):
    if x["file_id"] != y["file_id"]:
        sys.exit(f"hit {i}: file_id {x['file_id']} vs {y['file_id']} (distances {x['_distance']} {y['_distance']})")
    err = abs(x["_distance"] - y["_distance"]) / max(1.0, abs(y["_distance"]))
    worst = max(worst, err)
    if err > 1e-5:
        sys.exit(f"hit {i}: _distance {x['_distance']} vs {y['_distance']}")
print(f"{len(a)} hits equal, max relative distance difference {worst:.2e}")
