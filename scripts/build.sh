#!/usr/bin/env bash
# build.sh [BUILD_DIR] [cmake args...] — configures and builds clipdex (RelWithDebInfo, all cores).
# The compiler's output is shown only when the build fails (set CDX_VERBOSE=1 to always see it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build}
shift || true
mkdir -p "$dir"
log="$dir/build.log"
if cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$log" 2>&1 &&
   cmake --build "$dir" -j"$(nproc)" >>"$log" 2>&1; then
  [ "${CDX_VERBOSE:-0}" = 1 ] && cat "$log"
  echo "built clipdex in $dir" >&2
else
  cat "$log" >&2
  echo "build failed (log: $log)" >&2
  exit 1
fi
