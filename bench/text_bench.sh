#!/usr/bin/env bash
# text_bench.sh [--threads N] [--seconds S] — texts/s of clipdex's text tower against the PyTorch
# reference (tests/model/reference/jina_clip_ref.py `bench`, OMP_WAIT_POLICY=PASSIVE) on the same
# full-size random weights (seed 0, written once into the build directory), batch 8 x 16 tokens,
# in the same run. Flags the run when the machine was busy (load average >= 0.5 per CPU).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CDX_BUILD_DIR:-$root/build}
py=/usr/bin/python3
threads=2
seconds=5
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) echo "usage: bench/text_bench.sh [--threads N] [--seconds S]" >&2; exit 2 ;;
  esac
done
"$root/scripts/build.sh" "$build" >/dev/null
model="$build/bench-data/jina-clip-full-seed0"
if [ ! -s "$model/model.safetensors" ]; then
  echo "writing full-size random weights to $model (once, ~890 MB)" >&2
  "$py" "$root/tests/model/reference/jina_clip_ref.py" make --config full --seed 0 --out "$model" >/dev/null
fi
load() { awk '{ print $1 }' /proc/loadavg; }
l0=$(load)
"$build/bench/bench_text" "$model" "$threads" 8 16 "$seconds" | tee "$build/bench-data/text_c.txt"
OMP_WAIT_POLICY=PASSIVE "$py" "$root/tests/model/reference/jina_clip_ref.py" bench \
  --threads "$threads" --iters 3 --min-time "$seconds" | grep -E "^text \(16 tokens\) batch 8" |
  tee "$build/bench-data/text_ref.txt"
l1=$(load)
c=$(sed -n 's/.* \([0-9.]*\) texts\/s$/\1/p' "$build/bench-data/text_c.txt")
r=$(sed -n 's/.* \([0-9.]*\) texts\/s$/\1/p' "$build/bench-data/text_ref.txt")
awk -v c="$c" -v r="$r" 'BEGIN { printf "clipdex / PyTorch: %.2fx (texts/s, batch 8 x 16 tokens)\n", c / r }'
cpus=$(nproc)
if awk -v a="$l0" -v b="$l1" -v n="$cpus" 'BEGIN { exit !(a >= 0.5 * n || b >= 0.5 * n) }'; then
  echo "WARNING: the machine was busy (load average $l0 -> $l1 on $cpus CPUs): numbers are not clean" >&2
fi
