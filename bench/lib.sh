# shellcheck shell=bash
# Shared helpers for the benchmark runners (sourced by bash scripts).
# shellcheck disable=SC2034 # EMULATORS, ARGV, BENCH_CACHE, OUT are for the callers
#
# Environment:
#   KVMU         kvmu binary (default: build/kvmu in the repo); skipped when missing
#   KVMU_ACCELS  space/comma-separated kvmu accelerators (default: interp,jit)
#   QEMU         QEMU binary (default: qemu-system-riscv64); skipped when missing
#   KVMU_IMAGES  folder with prebuilt guest images (default: scripts/guest/rv64-images)

BENCH_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/kvmu/bench

bench_log() { echo "bench: $*" >&2; }

# Sets OUT to this benchmark's work folder and holds its lock (fd 8) until the script ends: two
# runs of the same benchmark at once would overwrite each other's binaries and results.
bench_workdir() {
    OUT=$BENCH_CACHE/$1
    mkdir -p "$OUT"
    exec 8>"$OUT/.lock"
    if ! flock -n 8; then
        bench_log "another $1 run holds $OUT; waiting for it"
        flock 8
    fi
}

# Folder holding Image, initramfs*.cpio.gz (built on first use).
bench_images() {
    if [ -n "${KVMU_IMAGES:-}" ]; then
        echo "$KVMU_IMAGES"
    else
        "$BENCH_REPO/scripts/guest/rv64-images" | tail -n 1
    fi
}

bench_kvmu() {
    local k=${KVMU:-build/kvmu}
    case $k in
    /*) ;;
    */*) k=$BENCH_REPO/$k ;;
    *) k=$(command -v "$k" || echo "$k") ;;
    esac
    echo "$k"
}

# Fills the array EMULATORS with labels ("kvmu-interp", ..., "qemu") of the
# emulators that are present; bench_emulator_argv LABEL prints their argv.
bench_find_emulators() {
    EMULATORS=()
    local kvmu accel
    kvmu=$(bench_kvmu)
    if [ -x "$kvmu" ]; then
        local accels=${KVMU_ACCELS:-interp,jit}
        for accel in ${accels//,/ }; do
            EMULATORS+=("kvmu-$accel")
        done
    else
        bench_log "kvmu not found at $kvmu: kvmu columns skipped"
    fi
    if command -v "${QEMU:-qemu-system-riscv64}" >/dev/null; then
        EMULATORS+=("qemu")
    else
        bench_log "${QEMU:-qemu-system-riscv64} not found: QEMU columns skipped"
    fi
}

# bench_emulator_argv LABEL -> fills array ARGV with the emulator and machine
# options (the caller appends the payload).
bench_emulator_argv() {
    case $1 in
    kvmu-*) ARGV=("$(bench_kvmu)" -M virt -accel "${1#kvmu-}") ;;
    # kvmu's default firmware, given to QEMU explicitly: both run the same binary
    qemu) ARGV=("${QEMU:-qemu-system-riscv64}" -M virt -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin) ;;
    *)
        bench_log "unknown emulator $1"
        return 1
        ;;
    esac
}

# Nanoseconds since the epoch.
bench_now_ns() { date +%s%N; }
