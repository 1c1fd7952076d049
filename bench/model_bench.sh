#!/usr/bin/env bash
# model_bench.sh [--threads N] [--seconds S] [--strict] [--ort] — the local model's benchmark in one
# command: builds clipdex with -DCDX_BENCH=ON if needed, writes full-size random jina-clip-v1
# weights once (seed 0, build/bench-data/jina-clip-full-seed0, ~890 MB), then in the same run
# measures clipdex's towers (bench_vision: images/s at batch 8 and GFLOP/s against OpenBLAS's sgemm
# on the same pool; bench_text: texts/s at batch 8 x 16 tokens) and the PyTorch reference's
# vision_forward / text_forward (tests/model/reference/jina_clip_ref.py, the code `jina_clip_ref.py
# bench` times, via bench_vision_ref.py and text_bench_pair.py, OMP_WAIT_POLICY=PASSIVE) on the
# same weights file, N threads each (default 2), wall clock and CPU time, and prints a table.
# clipdex runs at fp32, int10 (W10A10 integer linear layers) and int8 (8-bit activations and
# weights; on AVX2 the exact u8×s8 pair-budget scheme W8A8P).
# A run during which other processes used more than 10% of the CPUs is flagged NOISY in the table
# (wall-clock numbers then measure the neighbours); --strict refuses to print it (exit 4).
# --ort adds the issue's peer, ONNX Runtime (npm onnxruntime-node 1.30.0, pinned in bench/onnx/),
# in the same run: the reference exported to ONNX (bench/onnx/export_onnx.py, needs python3-onnx)
# and its dynamic-int8 version (bench/onnx/quantize_int8.py), both towers, fp32 and int8; and
# the accuracy of both on the same inputs (bench_io_cos: clipdex's worst cosine against the
# reference's outputs, as ort_bench.mjs measures ONNX Runtime's).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CDX_BUILD_DIR:-$root/build}
py=/usr/bin/python3
ref="$root/tests/model/reference/jina_clip_ref.py"
threads=2
seconds=5
strict=0
ort=0
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --strict) strict=1; shift ;;
    --ort) ort=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "usage: bench/model_bench.sh [--threads N] [--seconds S] [--strict] [--ort]" >&2; exit 2 ;;
  esac
done
# shellcheck source=bench/quiet.sh
. "$root/bench/quiet.sh"

if [ ! -x "$build/bench/bench_vision" ] || [ ! -x "$build/bench/bench_text" ]; then
  "$root/scripts/build.sh" "$build" -DCDX_BENCH=ON >/dev/null
else
  "$root/scripts/build.sh" "$build" >/dev/null
fi
"$py" -c 'import torch' 2>/dev/null || { echo "model_bench: $py lacks torch (apt-get install python3-torch)" >&2; exit 2; }
data="$build/bench-data"
model="$data/jina-clip-full-seed0"
if [ ! -s "$model/model.safetensors" ]; then
  echo "writing full-size random weights to $model (once, ~890 MB)" >&2
  "$py" "$ref" make --config full --seed 0 --out "$model" >/dev/null
fi
mkdir -p "$data/model-bench"
out="$data/model-bench"
rm -f "$out"/ort_*.json
onnx="$data/onnx"
if [ "$ort" = 1 ]; then
  command -v node >/dev/null || { echo "model_bench: --ort needs node and npm" >&2; exit 2; }
  "$py" -c 'import onnx' 2>/dev/null || { echo "model_bench: --ort needs python3-onnx (scripts/deps.sh bench, or apt-get install python3-onnx)" >&2; exit 2; }
  [ -d "$root/bench/onnx/node_modules/onnxruntime-node" ] ||
    (cd "$root/bench/onnx" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null)
  if [ ! -s "$onnx/io.json" ]; then
    echo "exporting the reference to ONNX in $onnx (once)" >&2
    OMP_WAIT_POLICY=PASSIVE "$py" "$root/bench/onnx/export_onnx.py" --weights "$model/model.safetensors" \
      --out "$onnx" --opset 14 >/dev/null
  fi
  for t in vision text; do
    [ -s "$onnx/$t.int8.onnx" ] || "$py" "$root/bench/onnx/quantize_int8.py" "$onnx/$t.onnx" "$onnx/$t.int8.onnx" >/dev/null
  done
fi

unset CLIPDEX_PRECISION # each run below names its precision
before=$(busy_percent)
load0=$(cut -d' ' -f1 /proc/loadavg)
quiet_start
# Images: clipdex's bench_vision (fp32 and int10 interleaved in one process), then the reference's
# vision_forward (bench_vision_ref.py) on the same weights file. Texts: text_bench_pair.py
# alternates bench_text (fp32) and the reference's text_forward, round by round; then bench_text
# at int10 and int8 (interleaved). Every side reports wall-clock and CPU-time rates.
"$build/bench/bench_vision" "$model" --threads "$threads" --batch 8 --iters 5 \
  --precision fp32,int10,int8 > "$out/vision_c.txt"
OMP_WAIT_POLICY=PASSIVE "$py" "$root/bench/bench_vision_ref.py" "$ref" "$model" \
  --threads "$threads" --batch 8 --iters 3 > "$out/vision_ref.txt"
OMP_WAIT_POLICY=PASSIVE "$py" "$root/bench/text_bench_pair.py" "$model" "$build/bench/bench_text" \
  --threads "$threads" --rounds 2 --seconds "$seconds" > "$out/text_pair.txt"
"$build/bench/bench_text" "$model" "$threads" 8 16 "$seconds" int10,int8 > "$out/text_int.txt"
if [ "$ort" = 1 ]; then
  # ONNX Runtime as FastEmbed/Frigate run it (default spinning) for the wall-clock columns; the
  # same with spinning off for the CPU-time columns (spinning threads burn CPU time doing nothing).
  for t in vision text; do
    reps=4; [ "$t" = text ] && reps=30
    for m in fp32 int8; do
      file="$onnx/$t.onnx"; [ "$m" = int8 ] && file="$onnx/$t.int8.onnx"
      for spin in default 0; do
        args=(); [ "$spin" = 0 ] && args=(--spin 0)
        ORT_NODE_MODULES="$root/bench/onnx" node "$root/bench/onnx/ort_bench.mjs" --model "$file" \
          --io "$onnx" --tower "$t" --threads "$threads" --reps "$reps" "${args[@]}" \
          --json "$out/ort_${m}_${t}_spin${spin}.json" >/dev/null
      done
    done
  done
fi
other=$(quiet_other_percent)
load1=$(cut -d' ' -f1 /proc/loadavg)

num() { grep -oE -e "$1" "$2" | head -1 | grep -oE '[0-9]+(\.[0-9]+)?' | tail -1; }
# The median of the numbers matched in each line (text_bench_pair.py prints one line per round).
med() { grep -oE -e "$1" "$2" | grep -oE '[0-9]+(\.[0-9]+)?$' | sort -g |
        awk '{ v[NR] = $1 } END { if (NR) printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# jfield PRECISION KEY — a number from bench_vision's JSON line of that precision.
jfield() { grep "\"precision\": \"$1\"" "$out/vision_c.txt" | grep -oE "\"$2\": [0-9.]+" | grep -oE '[0-9.]+$'; }
c_img=$(jfield fp32 images_per_s); c_img_cpu=$(jfield fp32 cpu_images_per_s); c_gf=$(jfield fp32 gflops)
q_img=$(jfield int10 images_per_s); q_img_cpu=$(jfield int10 cpu_images_per_s)
e_img=$(jfield int8 images_per_s); e_img_cpu=$(jfield int8 cpu_images_per_s)
sgemm=$(num 'threads: [0-9.]+ GFLOP/s' "$out/vision_c.txt")
r_img=$(num '[0-9.]+ images/s$' "$out/vision_ref.txt")
r_img_cpu=$(num '> [0-9.]+ images/s' "$out/vision_ref.txt")
c_txt=$(med 'clipdex [0-9.]+' "$out/text_pair.txt")
r_txt=$(med 'PyTorch [0-9.]+' "$out/text_pair.txt")
c_txt_cpu=$(med 'CPU time [0-9.]+' "$out/text_pair.txt")
r_txt_cpu=$(med 'vs [0-9.]+' "$out/text_pair.txt")
q_txt=$(num '\[int10\].*[0-9.]+ texts/s$' "$out/text_int.txt")
q_txt_cpu=$(num '\[int10\].*= [0-9.]+ texts/s' "$out/text_int.txt")
e_txt=$(num '\[int8\].*[0-9.]+ texts/s$' "$out/text_int.txt")
e_txt_cpu=$(num '\[int8\].*= [0-9.]+ texts/s' "$out/text_int.txt")
torch_v=$("$py" -c 'import torch; print(torch.__version__)')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "-" }'; }

noisy=0
if [ "$other" -gt 10 ] || [ "$before" -gt 10 ]; then noisy=1; fi
if [ "$noisy" = 1 ] && [ "$strict" = 1 ]; then
  echo "model_bench: refusing to report: other processes used ${other}% of the CPUs during the run" \
       "(${before}% just before; load average $load0 -> $load1)" >&2
  exit 4
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
echo
echo "jina-clip-v1, full-size random weights (seed 0), $threads threads, $(nproc) CPUs: $cpu"
echo "PyTorch $torch_v (OMP_WAIT_POLICY=PASSIVE); int10 / int8 = clipdex's integer linear layers"
if [ "$noisy" = 1 ]; then
  echo "NOISY RUN: other processes used ${other}% of the CPUs during the run (${before}% just before;"
  echo "load average $load0 -> $load1). The wall-clock columns measure the neighbours too; the"
  echo "CPU-time columns (work per CPU-second x $threads) estimate $threads quiet cores."
fi
echo
echo "| $threads threads | images/s (batch 8) | images/s, CPU time | texts/s (batch 8 x 16 tokens) | texts/s, CPU time |"
echo "| --- | --- | --- | --- | --- |"
echo "| clipdex fp32 | $c_img | $c_img_cpu | $c_txt | $c_txt_cpu |"
echo "| clipdex int10 | $q_img | $q_img_cpu | $q_txt | $q_txt_cpu |"
echo "| clipdex int8 | $e_img | $e_img_cpu | $e_txt | $e_txt_cpu |"
echo "| PyTorch fp32 | $r_img | $r_img_cpu | $r_txt | $r_txt_cpu |"
echo "| clipdex fp32 / PyTorch | $(ratio "$c_img" "$r_img") | $(ratio "$c_img_cpu" "$r_img_cpu") | $(ratio "$c_txt" "$r_txt") | $(ratio "$c_txt_cpu" "$r_txt_cpu") |"
echo "| clipdex int10 / PyTorch | $(ratio "$q_img" "$r_img") | $(ratio "$q_img_cpu" "$r_img_cpu") | $(ratio "$q_txt" "$r_txt") | $(ratio "$q_txt_cpu" "$r_txt_cpu") |"
 if [ "$ort" = 1 ]; then
  # ortf M TOWER FIELD: per_s_median (wall, default spinning), cpu (batch per median CPU-second x
  # threads, spinning off) or cos (worst cosine vs the PyTorch reference on the bench inputs).
  ortf() {
    node -e '
      const fs = require("fs"), [m, t, f, th] = process.argv.slice(1);
      const j = (s) => JSON.parse(fs.readFileSync(process.env.OUT + "/ort_" + m + "_" + t + "_spin" + s + ".json"));
      const med = (a) => { a = [...a].sort((x, y) => x - y); const n = a.length;
                           return n % 2 ? a[(n - 1) / 2] : (a[n / 2 - 1] + a[n / 2]) / 2; };
      if (f === "wall") console.log(j("default").per_s_median.toFixed(2));
      else if (f === "cpu") { const r = j("0"); console.log((r.batch / med(r.cpu_s_all) * th).toFixed(2)); }
      else console.log(j("default").checks[t + ".bench"].min_cosine.toFixed(4));
    ' "$1" "$2" "$3" "$threads"
  }
  export OUT="$out"
  of_img=$(ortf fp32 vision wall); of_img_cpu=$(ortf fp32 vision cpu)
  of_txt=$(ortf fp32 text wall); of_txt_cpu=$(ortf fp32 text cpu)
  oq_img=$(ortf int8 vision wall); oq_img_cpu=$(ortf int8 vision cpu)
  oq_txt=$(ortf int8 text wall); oq_txt_cpu=$(ortf int8 text cpu)
  ort_v=$(node -e 'console.log(require(process.argv[1] + "/node_modules/onnxruntime-node/package.json").version)' "$root/bench/onnx")
  echo "| ONNX Runtime $ort_v fp32 | $of_img | $of_img_cpu | $of_txt | $of_txt_cpu |"
  echo "| ONNX Runtime $ort_v dynamic int8 | $oq_img | $oq_img_cpu | $oq_txt | $oq_txt_cpu |"
  echo "| clipdex fp32 / ORT fp32 | $(ratio "$c_img" "$of_img") | $(ratio "$c_img_cpu" "$of_img_cpu") | $(ratio "$c_txt" "$of_txt") | $(ratio "$c_txt_cpu" "$of_txt_cpu") |"
  echo "| clipdex int10 / ORT int8 | $(ratio "$q_img" "$oq_img") | $(ratio "$q_img_cpu" "$oq_img_cpu") | $(ratio "$q_txt" "$oq_txt") | $(ratio "$q_txt_cpu" "$oq_txt_cpu") |"
  echo "| clipdex int8 / ORT int8 | $(ratio "$e_img" "$oq_img") | $(ratio "$e_img_cpu" "$oq_img_cpu") | $(ratio "$e_txt" "$oq_txt") | $(ratio "$e_txt_cpu" "$oq_txt_cpu") |"
  echo
  # the same bench inputs ONNX Runtime was checked on (io.json), clipdex at each precision
  "$build/bench/bench_io_cos" "$model" "$onnx" fp32,int10,int8 "$threads" > "$out/io_cos.txt"
  iocos() { grep "\"precision\":\"$1\",\"set\":\"$2\"" "$out/io_cos.txt" | grep -oE '[0-9.]+}$' | tr -d '}' |
            awk '{ printf "%.4f", $1 }'; }
  echo "Worst cosine vs the PyTorch reference on the same bench inputs (8 images, 8 texts x 16 tokens):"
  echo "| | images | texts |"
  echo "| --- | --- | --- |"
  echo "| clipdex fp32 | $(iocos fp32 vision.bench) | $(iocos fp32 text.bench) |"
  echo "| clipdex int10 | $(iocos int10 vision.bench) | $(iocos int10 text.bench) |"
  echo "| clipdex int8 | $(iocos int8 vision.bench) | $(iocos int8 text.bench) |"
  echo "| ONNX Runtime fp32 | $(ortf fp32 vision cos) | $(ortf fp32 text cos) |"
  echo "| ONNX Runtime dynamic int8 | $(ortf int8 vision cos) | $(ortf int8 text cos) |"
  echo "(ONNX Runtime: wall clock with its default spinning threads; CPU-time columns from a second run with spinning off)"
fi
echo
awk -v g="$c_gf" -v s="$sgemm" 'BEGIN { p = 0; if (s > 0) p = 100 * g / s;
  printf "clipdex fp32 vision tower: %.1f GFLOP/s (35.1 GFLOP per image) = %.0f%% of OpenBLAS sgemm on the same pool (%.1f GFLOP/s)\n", g, p, s }'
echo "(raw outputs: $out/)"
