#!/usr/bin/env bash
# run.sh [--seconds S] [--steps] — the thumbnail-pipeline benchmark in one command: builds clipdex
# if needed, generates the photo-like 12 MP JPEG once (build/bench-data/), then measures
# decode -> thumbnail 224 LANCZOS -> PNG -> base64 in clipdex (bench_thumb) and in Pillow
# (bench_pillow.py, Debian's python3-pil) on the same files in the same run, on one core and on
# all cores, and prints a table with the ratios. --steps adds clipdex's per-step timings.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CDX_BUILD_DIR:-$root/build}
py=/usr/bin/python3
seconds=2
steps=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --steps) steps=1; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "usage: bench/run.sh [--seconds S] [--steps]" >&2; exit 2 ;;
  esac
done

"$root/scripts/build.sh" "$build" >/dev/null
data="$build/bench-data"
photo="$data/photo_12mp_q90.jpg"
if [ ! -s "$photo" ]; then
  mkdir -p "$data"
  echo "generating $photo (once)" >&2
  "$py" "$root/bench/bench_pillow.py" --make-photo "$photo"
fi
inputs=("$root/tests/fixtures/images/large_4000x3000.jpg" "$photo"
        "$root/tests/fixtures/images/png_rgb_1024x768.png")
cores=$(nproc)

# busy_percent: share of CPU time not idle over one second, all cores (bench/quiet.sh).
# shellcheck source=bench/quiet.sh
. "$root/bench/quiet.sh"
noisy=""
check_quiet() {
  local busy load
  busy=$(busy_percent)
  load=$(cut -d' ' -f1 /proc/loadavg)
  if [ "$busy" -gt 10 ]; then
    noisy="$noisy [$1: ${busy}% CPU busy with other work, load average $load]"
    echo "WARNING: $1: other processes are using ${busy}% of the CPUs (load average $load); timings are noisy" >&2
  fi
}

check_quiet "before"
declare -A rate
collect() { # collect KEY < RESULT lines
  while IFS=$'\t' read -r tag file n r cpu; do
    [ "$tag" = RESULT ] && rate["$1|$file|$n"]=$r && rate["$1cpu|$file|$n"]=$cpu
  done
}
# Interleaved per input, so that a change in background load hits both sides alike.
for f in "${inputs[@]}"; do
  collect c < <("$build/bench/bench_thumb" --seconds "$seconds" "$f")
  collect x < <("$build/bench/bench_thumb" --seconds "$seconds" --level 6 "$f")
  collect p < <("$py" "$root/bench/bench_pillow.py" --seconds "$seconds" "$f")
  collect c < <("$build/bench/bench_thumb" --seconds "$seconds" --threads "$cores" "$f")
  collect p < <("$py" "$root/bench/bench_pillow.py" --seconds "$seconds" --procs "$cores" "$f")
done
check_quiet "after"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2fx", a / b; else printf "-" }'; }
status=0
cell() { # cell KEY — a measured rate, or "failed" (and a nonzero exit) when none came back
  if [ -n "${rate[$1]:-}" ]; then echo "${rate[$1]}"; else echo failed; fi
}
echo
echo "clipdex vs Pillow $("$py" -c 'import PIL; print(PIL.__version__)'): decode -> thumbnail 224 LANCZOS -> PNG -> base64, images/s ($(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
[ -n "$noisy" ] && echo "NOISY RUN:$noisy" &&
  echo "(images/s are wall-clock and suffer most; the last column divides by CPU time used and is steadier)"
echo
echo "clipdex writes the PNG at zlib level 1 (its default: Pillow's pixels); 'level 6' is the byte-identical-to-Pillow PNG."
echo "| input | clipdex 1 thread | Pillow 1 process | ratio | clipdex level 6, 1 thread | ratio | clipdex $cores threads | Pillow $cores processes | ratio | ratio per CPU-second (1 thread) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for f in "${inputs[@]}"; do
  c1=$(cell "c|$f|1") p1=$(cell "p|$f|1") cn=$(cell "c|$f|$cores") pn=$(cell "p|$f|$cores")
  x1=$(cell "x|$f|1")
  case "$c1 $p1 $cn $pn $x1" in *failed*) status=1 ;; esac
  size=$(stat -c %s "$f")
  label="$(basename "$f") ($(awk -v s="$size" 'BEGIN { printf "%.1f MB", s / 1e6 }'))"
  cc=$(cell "ccpu|$f|1") pc=$(cell "pcpu|$f|1")
  echo "| $label | $c1 | $p1 | $(ratio "$c1" "$p1") | $x1 | $(ratio "$x1" "$p1") | $cn | $pn | $(ratio "$cn" "$pn") | $(ratio "$cc" "$pc") |"
done
if [ "$steps" = 1 ]; then
  echo
  echo "clipdex per step (median of 15, one thread):"
  "$build/bench/bench_thumb" --steps "${inputs[@]}" | sed 's/^STEPS\t//' | tr '\t' ' '
  echo "Pillow per step (median of 15, one process; decode = draft + load, resample = thumbnail - decode):"
  "$py" "$root/bench/bench_pillow.py" --steps "${inputs[@]}" | sed 's/^STEPS\t//' | tr '\t' ' '
fi
[ "$status" = 0 ] || echo "some measurements failed (see the messages above)" >&2
exit "$status"
