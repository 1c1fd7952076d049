#!/usr/bin/env bash
# lint.sh [BUILD_DIR] — static analysis: clang-tidy 14 (checks in .clang-tidy) and cppcheck over
# src/, cli/, bench/, fuzz/ and tests/, driven by a clang build's compile_commands.json (only the
# generated protobuf headers are built). Exits non-zero on any finding.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build-lint}
jobs=2
tidy=$(command -v clang-tidy-14 || command -v clang-tidy)
cd "$root"

# A clang configuration with every target (fuzz included) so each source has a compile command.
CC=clang cmake -S "$root" -B "$dir" -DCDX_FUZZ=ON -DCDX_TESTS=ON -DCDX_BENCH=ON >/dev/null
cmake --build "$dir" --target cdx_proto >/dev/null

files=$(mktemp)
trap 'rm -f "$files"' EXIT
# Our sources from the compile database, once each (tests/support/support.c is in every test),
# minus the generated protobuf code.
sed -n 's/^ *"file": "\(.*\)",\?$/\1/p' "$dir/compile_commands.json" | sed "s|^$root/||" |
  grep -E '^(src|cli|bench|fuzz|tests)/' | grep -v '\.pb-c\.' |
  awk '!seen[$0]++' >"$files"
echo "lint: $(wc -l <"$files") files" >&2

status=0
echo "-- cppcheck" >&2
# protobuf-c.h is force-included so the generated headers' version check sees its macros.
cppcheck -j"$jobs" --enable=warning,performance,portability --error-exitcode=1 --inline-suppr \
  --suppress=missingIncludeSystem --std=c11 -q -I include -I src -I tests/support -I "$dir/proto" \
  --include=/usr/include/protobuf-c/protobuf-c.h -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
  --file-list="$files" || status=1

echo "-- clang-tidy ($tidy)" >&2
# One file per process: clang-tidy 14's analyzer keeps state across the files of one run (its
# valist checker then misses va_start in every file but the first and reports vsnprintf on an
# "uninitialized va_list"), so a finding would depend on which batch a file lands in.
xargs -P"$jobs" -n1 "$tidy" -p "$dir" --quiet <"$files" 2> >(grep -v '^[0-9]* warnings\? generated\.$' >&2) || status=1

[ "$status" -eq 0 ] && echo "lint: clean" >&2 || echo "lint: findings above" >&2
exit "$status"
