#!/bin/bash
# Runs the three test tiers (unit, ISA, system) and ends with one "N passed, N failed" line.
# Exit status is non-zero if anything failed. Called by `make test` after the build.
set -u
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()

tally() { # $1 = tier name, $2 = passed, $3 = failed
    passed=$((passed + $2))
    failed=$((failed + $3))
    echo "== $1: $2 passed, $3 failed"
}

# --- style: the tree is formatted with the repo's .clang-format (one check)
if clang-format --dry-run --Werror $(find src tests/unit -name '*.[ch]') >/tmp/kvmu-format.$$ 2>&1; then
    tally "format" 1 0
else
    head -n 20 /tmp/kvmu-format.$$
    failures+=("clang-format")
    tally "format" 0 1
fi
rm -f /tmp/kvmu-format.$$

# --- unit tests (cmocka), release and ASan/UBSan builds
echo "== unit tests"
up=0
uf=0
for t in build/unit/test_* build/asan/unit/test_*; do
    [ -x "$t" ] || continue
    out=$("$t" 2>&1)
    rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -n1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -n1)
    p=${p:-0}
    f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 # crashed or sanitizer report: count the binary as one failure
    fi
    if [ "$f" -ne 0 ]; then
        echo "$out" | tail -n 30
        failures+=("$t")
    fi
    echo "   $t: $p passed, $f failed"
    up=$((up + p))
    uf=$((uf + f))
done
tally "unit" "$up" "$uf"

# --- ISA tests: our own RISC-V programs under each RISC-V accelerator
# Comma- or space-separated, as for the system tier.
accels=${KVMU_ACCELS:-interp,jit}
accels=${accels//,/ }
# shellcheck disable=SC2086 # one argument per accelerator
out=$(tests/isa/run.sh build/kvmu $accels 2>&1)
echo "$out" | grep -v '^PASS' || true
ip=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$out" | tail -n1)
if_=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$out" | tail -n1)
[ -n "$ip" ] || { ip=0; if_=1; failures+=("isa runner"); }
[ "$if_" -eq 0 ] || failures+=("isa")
tally "isa ($accels)" "$ip" "$if_"

# --- x86 test guests: tiny programs of our own under KVM (tests/guest-x86)
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
    out=$(tests/guest-x86/run.sh build/kvmu 2>&1)
    echo "$out" | grep -v '^PASS' || true
    xp=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$out" | tail -n1)
    xf=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$out" | tail -n1)
    [ -n "$xp" ] || { xp=0; xf=1; failures+=("x86 guest runner"); }
    [ "$xf" -eq 0 ] || failures+=("x86 guests")
    tally "x86 guests (kvm)" "$xp" "$xf"
else
    echo "== x86 guests (kvm): skipped, no usable /dev/kvm"
fi

# --- the same ISA programs under the ASan/UBSan build (a sanitizer report fails the run)
out=$(ASAN_OPTIONS=abort_on_error=1 tests/isa/run.sh build/asan/kvmu interp 2>&1)
echo "$out" | grep -v '^PASS' || true
ap=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$out" | tail -n1)
af=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$out" | tail -n1)
[ -n "$ap" ] || { ap=0; af=1; }
[ "$af" -eq 0 ] || failures+=("isa-asan")
tally "isa (asan build, interp)" "$ap" "$af"

# --- system tests: real Linux guests (pytest + pexpect). Of the Linux-on-KVM boots (minutes
# each here) the kvm_ci ones run; KVMU_SLOW_KVM=1 adds the rest, KVMU_SLOW_KVM=0 drops all.
out=$(/usr/bin/python3 -m pytest -q -rs tests/system 2>&1)
echo "$out" | tail -n 40
sp=$(grep -Eo '[0-9]+ passed' <<<"$out" | tail -n1 | cut -d' ' -f1)
sf=$(grep -Eo '[0-9]+ (failed|error)' <<<"$out" | awk '{s+=$1} END {print s+0}')
sp=${sp:-0}
if [ "$sp" -eq 0 ] && [ "$sf" -eq 0 ]; then
    sf=1
    failures+=("pytest produced no results")
fi
[ "$sf" -eq 0 ] || failures+=("system")
tally "system" "$sp" "$sf"

if [ ${#failures[@]} -ne 0 ]; then
    echo "failing: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
