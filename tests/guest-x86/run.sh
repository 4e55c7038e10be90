#!/bin/bash
# Run every x86 test guest under kvmu (KVM) and end with one "N passed, N failed" line.
#
#   tests/guest-x86/run.sh [KVMU]        default build/kvmu; guests from build/guest-x86
#
# A guest's source says how to run it with lines
#   // run: EXIT REGEX [ARGS...]
# (one test case per line; default "0 ^PASS"): kvmu is started with
# `-M microvm -kernel GUEST -nographic ARGS`, must exit with status EXIT and print a line
# matching REGEX. In ARGS, @DISK@ becomes a fresh 1 MiB raw image whose sector 0 starts with
# "KVMU-DISK-SECTOR-0". A line `// stdin: TEXT` (printf format) is fed to the guest's COM1.
# Environment: GUEST_DIR (default build/guest-x86), GUEST_TIMEOUT (seconds, default 30),
# GUEST_FILTER (substring of names to run).
set -u
cd "$(dirname "$0")/../.."
kvmu=${1:-build/kvmu}
dir=${GUEST_DIR:-build/guest-x86}
tmo=${GUEST_TIMEOUT:-30}
pass=0
fail=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! compgen -G "$dir/*.elf" >/dev/null; then
    echo "no guests in $dir (make x86-guests)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

for elf in "$dir"/*.elf; do
    name=$(basename "$elf" .elf)
    case $name in *"${GUEST_FILTER:-}"*) ;; *) continue ;; esac
    src=tests/guest-x86/$name.c
    runs=$(sed -n 's|^// run: ||p' "$src" 2>/dev/null)
    [ -n "$runs" ] || runs="0 ^PASS"
    input=$(sed -n 's|^// stdin: ||p' "$src" 2>/dev/null | head -n 1)
    while read -r want regex args; do
        disk=$work/disk.img
        { printf 'KVMU-DISK-SECTOR-0\n'; head -c $((1048576 - 19)) /dev/zero; } >"$disk"
        args=${args//@DISK@/$disk}
        # shellcheck disable=SC2086
        if [ -n "$input" ]; then
            printf "$input" | timeout -k 2 "$tmo" "$kvmu" -M microvm -kernel "$elf" -nographic \
                $args >"$work/out" 2>&1
        else
            timeout -k 2 "$tmo" "$kvmu" -M microvm -kernel "$elf" -nographic $args \
                </dev/null >"$work/out" 2>&1
        fi
        rc=$?
        label="$name${args:+ ($args)}"
        label=${label//$work\//}
        if [ "$rc" -eq "$want" ] && grep -Eq "$regex" "$work/out"; then
            echo "PASS $label"
            pass=$((pass + 1))
        else
            why="exit $rc, expected $want"
            [ "$rc" -eq 124 ] && why="timeout ${tmo}s"
            echo "FAIL $label ($why)"
            tail -n 8 "$work/out" | sed 's/^/    /'
            fail=$((fail + 1))
        fi
    done <<<"$runs"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
