#!/usr/bin/env bash
# deps.sh [build|test|ci|bench] — installs what clipdex needs on Debian (bookworm) when missing.
# As root it runs apt-get; otherwise it prints the exact `sudo apt-get install ...` line and stops.
set -euo pipefail
profile=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)

build_pkgs=(gcc make cmake pkg-config libturbojpeg0-dev libpng-dev libwebp-dev libgif-dev zlib1g-dev
  protobuf-c-compiler libprotobuf-c-dev libprotobuf-dev libzstd-dev libcurl4-openssl-dev libcjson-dev
  libssl-dev libopenblas-dev libutf8proc-dev)
# python3-torch runs the jina-clip-v1 reference (tests/model); libmicrohttpd the fake servers.
test_pkgs=(libcmocka-dev python3-pil python3-numpy python3-torch libmicrohttpd-dev)
# Node runs the LanceDB oracle; any Node >= 18 with npm will do, Debian's only when none is there.
if [ "$profile" != build ] && ! command -v npm >/dev/null; then test_pkgs+=(nodejs npm); fi
ci_pkgs=(clang libclang-rt-14-dev clang-tidy cppcheck)

pkgs=("${build_pkgs[@]}")
case "$profile" in
  build) ;;
  test) pkgs+=("${test_pkgs[@]}") ;;
  ci) pkgs+=("${test_pkgs[@]}" "${ci_pkgs[@]}") ;;
  # bench/model_bench.sh --ort exports the reference to ONNX (its npm peer installs itself)
  bench) pkgs+=("${test_pkgs[@]}" python3-onnx) ;;
  *) echo "usage: $0 [build|test|ci|bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done

# The LanceDB oracle for tests/interop (npm @lancedb/lancedb 0.31.0, pinned by its lockfile):
# installed when node_modules is missing or older than the lockfile.
interop_npm() {
  local dir=$root/tests/interop
  [ "$profile" = build ] && return 0
  command -v npm >/dev/null || return 0
  if [ ! -d "$dir/node_modules/@lancedb/lancedb" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "installing the LanceDB test oracle: npm ci --prefix tests/interop" >&2
    npm ci --prefix "$dir" --no-audit --no-fund >/dev/null
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  interop_npm
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "clipdex needs these Debian packages; install them with:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
interop_npm
