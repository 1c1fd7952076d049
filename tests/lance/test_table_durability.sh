#!/bin/bash
# test_table_durability.sh — CDX_NO_SYNC commits issue no fsync/fdatasync at all, the default
# (durable) ones do: appends (one call and several files) and deletes run under
# `strace -c -f -e trace=fsync,fdatasync`, through cdx_table_tool (CLIPDEX_SYNC=0 selects
# CDX_NO_SYNC there). Skipped (77) without strace or where ptrace is not allowed.
set -euo pipefail
tool="$CDX_TOOLS/cdx_table_tool"
command -v strace >/dev/null || { echo "strace not installed: skip"; exit 77; }
strace -f -o /dev/null true 2>/dev/null || { echo "strace cannot trace here: skip"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$tool" "$dir/db" t create 16 >/dev/null

# Number of fsync + fdatasync calls the command made (strace -c summary, "total" line).
count_syncs() {
    strace -f -c -e trace=fsync,fdatasync -o "$dir/trace" "$@" >/dev/null
    awk '$1 ~ /^[0-9.]+$/ && ($NF == "fsync" || $NF == "fdatasync") { n += $4 }
         END { print n + 0 }' "$dir/trace"
}

check() { # check MODE EXPECT(zero|some) COMMAND...
    local mode=$1 want=$2
    shift 2
    local n
    n=$(CLIPDEX_SYNC=$mode count_syncs "$@")
    if [ "$want" = zero ] && [ "$n" -ne 0 ]; then
        echo "FAIL: CLIPDEX_SYNC=$mode $*: $n syncs, want none"; cat "$dir/trace"; exit 1
    fi
    if [ "$want" = some ] && [ "$n" -eq 0 ]; then
        echo "FAIL: CLIPDEX_SYNC=$mode $*: no sync in durable mode"; cat "$dir/trace"; exit 1
    fi
    echo "ok: CLIPDEX_SYNC=$mode $* -> $n syncs"
}

check 0 zero "$tool" "$dir/db" t add 0 100
check 0 zero "$tool" "$dir/db" t add 100 300 128   # several data files in one commit
check 0 zero "$tool" "$dir/db" t add-loop 400 10 5
check 0 zero "$tool" "$dir/db" t delete-ids 3 150 420
check 1 some "$tool" "$dir/db" t add 450 100
check 1 some "$tool" "$dir/db" t add 550 300 128
check 1 some "$tool" "$dir/db" t delete-ids 4 151 551

# Everything committed either way reads back: 850 rows added, 6 deleted.
rows=$("$tool" "$dir/db" t dump | wc -l)
[ "$rows" -eq 844 ] || { echo "FAIL: $rows rows read back, want 844"; exit 1; }
echo "ok: $rows rows read back"
