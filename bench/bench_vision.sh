#!/usr/bin/env bash
# bench_vision.sh [BUILD_DIR] [MODEL_DIR] — images/s of clipdex's vision tower (batch 8, 2 threads)
# and of the PyTorch reference's vision_forward (bench_vision_ref.py: 2 threads,
# OMP_WAIT_POLICY=PASSIVE) on the same full-size random weights, in the same run; both also
# print what their CPU time implies for 2 quiet cores. Without MODEL_DIR the reference writes the weights
# (~0.9 GB) to a temporary directory first. Warns when the machine is not idle.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
py=/usr/bin/python3
ref=$root/tests/model/reference/jina_clip_ref.py
model=${2:-}
if [ -z "$model" ]; then
    model=$(mktemp -d)
    trap 'rm -rf "$model"' EXIT
    "$py" "$ref" make --config full --seed 0 --out "$model" >/dev/null
fi
load=$(cut -d' ' -f1 /proc/loadavg)
echo "load average before the run: $load (a busy machine makes both numbers meaningless)"
"$build/bench/bench_vision" "$model" --threads 2 --batch 8 --iters 5
OMP_WAIT_POLICY=PASSIVE "$py" "$root/bench/bench_vision_ref.py" "$ref" "$model" --threads 2 --batch 8 --iters 5
