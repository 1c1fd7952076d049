#!/usr/bin/env bash
# test_install.sh — `cmake --install` puts the binary, static and shared libraries, the header
# and clipdex.pc in a prefix, and a program built with `pkg-config --cflags --libs clipdex`
# (shared) and `--static` links and runs.
set -euo pipefail
: "${CDX_BUILD:?}" "${CDX_SOURCE:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$CDX_BUILD" --prefix "$tmp/prefix" >/dev/null
libdir=$(ls -d "$tmp"/prefix/lib* | head -1)
for f in "$tmp/prefix/bin/clipdex" "$tmp/prefix/include/clipdex.h" "$libdir/libclipdex.a" \
         "$libdir/libclipdex.so" "$libdir/pkgconfig/clipdex.pc"; do
  [ -e "$f" ] || { echo "missing after install: $f"; exit 1; }
done
"$tmp/prefix/bin/clipdex" --version | grep -q '^clipdex '
export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc_flags=()
# Match the sanitizer runtime of the build under test, if any.
if grep -q 'CDX_SANITIZE:BOOL=ON' "$CDX_BUILD/CMakeCache.txt"; then cc_flags+=(-fsanitize=address,undefined); fi
cc "${cc_flags[@]}" -o "$tmp/ex_shared" "$CDX_SOURCE/tests/cli/install_example.c" \
   $(pkg-config --cflags --libs clipdex) -Wl,-rpath,"$libdir"
mkdir "$tmp/db1" "$tmp/db2"
"$tmp/ex_shared" "$tmp/db1"
cc "${cc_flags[@]}" -o "$tmp/ex_static" "$CDX_SOURCE/tests/cli/install_example.c" \
   $(pkg-config --cflags clipdex) "$libdir/libclipdex.a" $(pkg-config --libs --static clipdex | sed 's/-lclipdex//')
"$tmp/ex_static" "$tmp/db2"
echo "install test passed"
