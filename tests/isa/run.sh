#!/bin/sh
# Run every ISA test ELF under an emulator.
#
#   tests/isa/run.sh [EMULATOR] [ACCEL...]
#   KVMU=qemu-system-riscv64 tests/isa/run.sh          # the reference, no -accel
#   tests/isa/run.sh build/kvmu interp jit             # each test once per accel
#
# Environment: KVMU (emulator, default build/kvmu), ISA_DIR (ELFs, default build/isa),
# ISA_TIMEOUT (seconds per run, default 10), ISA_FILTER (substring of test names to run),
# ISA_VERBOSE=1 (print the console output of failing runs; default on).
# A test may ask for extra options with a line `// run-args: ...` in its source.

emu=${1:-${KVMU:-build/kvmu}}
[ $# -gt 0 ] && shift
accels=$*
dir=${ISA_DIR:-build/isa}
tmo=${ISA_TIMEOUT:-10}
src=$(dirname "$0")
verbose=${ISA_VERBOSE:-1}

pass=0
fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

set -- "$dir"/*.elf
if [ ! -e "$1" ]; then
    echo "no ELFs in $dir (make isa-elfs)" >&2
    exit 2
fi

for elf in "$@"; do
    name=$(basename "$elf" .elf)
    case $name in *"${ISA_FILTER:-}"*) ;; *) continue ;; esac
    extra=""
    if [ -f "$src/$name.S" ]; then
        extra=$(sed -n 's|^// run-args:||p' "$src/$name.S" | head -n 1)
    fi
    for accel in ${accels:-none}; do
        if [ "$accel" = none ]; then
            aopt=""
            tag=""
        else
            aopt="-accel $accel"
            tag=" [$accel]"
        fi
        # shellcheck disable=SC2086
        timeout -k 2 "$tmo" $emu -M virt -bios none -kernel "$elf" -nographic $aopt $extra \
            </dev/null >"$log" 2>&1
        rc=$?
        if [ $rc -eq 0 ]; then
            echo "PASS $name$tag"
            pass=$((pass + 1))
        else
            why="exit $rc"
            [ $rc -eq 124 ] && why="timeout ${tmo}s"
            echo "FAIL $name$tag ($why)"
            if [ "$verbose" = 1 ]; then
                tail -n 5 "$log" | sed 's/^/    /'
            fi
            fail=$((fail + 1))
        fi
    done
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
