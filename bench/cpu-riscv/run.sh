#!/bin/bash
# run.sh [SCALE]
#
# Builds cpu-bench natively and for riscv64, runs it natively, then inside a
# Linux guest under kvmu (each accelerator in KVMU_ACCELS) and under QEMU, and
# prints per-kernel times with ratios. Checksums must match the native run.
# SCALE multiplies the work (default 1: about 2 s natively).
# Env: see ../lib.sh; BENCH_TIMEOUT (seconds per guest run, default 900);
# BENCH_KERNELS (comma-separated kernel names, default: all).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh source-path=SCRIPTDIR
. "$HERE/../lib.sh"

SCALE=${1:-1}
KERNELS=${BENCH_KERNELS:-}
TIMEOUT=${BENCH_TIMEOUT:-900}
bench_workdir cpu-riscv

# Same flags on both sides: no fused multiply-add (keeps FP results equal),
# no auto-vectorisation (RV64GC has no vectors; compare like with like).
CFLAGS=(-O2 -std=c11 -ffp-contract=off -fno-tree-vectorize -Wall -Wextra -Werror -Wstrict-prototypes)
bench_log "building cpu-bench (native and riscv64)"
gcc "${CFLAGS[@]}" -o "$OUT/cpu-bench-native" "$HERE/cpu-bench.c" -lm
riscv64-linux-gnu-gcc "${CFLAGS[@]}" -static -o "$OUT/cpu-bench-rv64" "$HERE/cpu-bench.c" -lm

# Guest payload: the stock shell initramfs with a second cpio archive appended
# that adds the benchmark and replaces /init (the kernel unpacks both, later
# entries win).
IMAGES=$(bench_images)
overlay=$OUT/overlay
rm -rf "$overlay"
mkdir -p "$overlay"
install -m 755 "$HERE/guest-init" "$overlay/init"
install -m 755 "$OUT/cpu-bench-rv64" "$overlay/cpu-bench"
(cd "$overlay" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) |
    gzip -n >"$OUT/overlay.cpio.gz"
cat "$IMAGES/initramfs.cpio.gz" "$OUT/overlay.cpio.gz" >"$OUT/initramfs-bench.cpio.gz"

bench_log "native run"
# shellcheck disable=SC2086 # split the list into arguments
"$OUT/cpu-bench-native" "$SCALE" ${KERNELS//,/ } >"$OUT/native.txt"

bench_find_emulators
results=("native=$OUT/native.txt")
for emu in "${EMULATORS[@]}"; do
    bench_emulator_argv "$emu"
    bench_log "guest run under $emu"
    log=$OUT/$emu.log
    status=0
    timeout "$TIMEOUT" "${ARGV[@]}" -m 256M -smp 1 -nographic \
        -kernel "$IMAGES/Image" -initrd "$OUT/initramfs-bench.cpio.gz" \
        -append "console=ttyS0 quiet bench_scale=$SCALE${KERNELS:+ bench_kernels=$KERNELS}" -no-reboot \
        </dev/null >"$log" 2>&1 || status=$?
    tr -d '\r' <"$log" | grep -E '^(KERNEL|TOTAL) ' >"$OUT/$emu.txt" || true
    if [ "$status" -ne 0 ] || ! grep -q '^TOTAL ' "$OUT/$emu.txt"; then
        bench_log "$emu failed (exit $status); console tail:"
        tail -n 20 "$log" >&2
    fi
    results+=("$emu=$OUT/$emu.txt")
done

echo
echo "cpu-riscv (scale $SCALE): seconds per kernel"
awk -v specs="${results[*]}" -f "$HERE/table.awk"
