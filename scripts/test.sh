#!/usr/bin/env bash
# test.sh [BUILD_DIR] [cmake args...] — the quick start's test command: installs what is missing,
# builds, and runs the whole test suite with ctest (its summary line is the last thing printed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh" test
dir=${1:-$root/build}
shift || true
"$root/scripts/build.sh" "$dir" "$@"
cd "$dir"
ctest --output-on-failure -j"$(nproc)" --timeout 1200
