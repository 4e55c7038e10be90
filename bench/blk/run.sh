#!/bin/bash
# run.sh
#
# Block I/O throughput, kvmu against QEMU in one run, on a 512 MiB raw image (page cache
# warm; nothing passes or fails):
#   x86-64 (KVM, -M pc, virtio-blk-pci): our own polling driver in a tiny PVH guest
#     (blk_guest.c), the same binary under kvmu and `qemu-system-x86_64 -enable-kvm`
#     (disable-legacy=on, so both show a modern 1af4:1042 function): sequential write (with
#     FLUSH negotiated, so both cache writes and sync once at the end) and read in 128 KiB
#     requests at depth 4, 4 KiB random reads at depth 32; each test three times per run, the
#     best kept (short bursts of host interference otherwise decide a run). Linux userspace
#     cannot run under this machine's KVM (no guest syscalls), hence the tiny guest.
#   RISC-V (`virt`, virtio-blk over virtio-mmio, then over virtio-pci): Linux guest, busybox dd
#     with O_DIRECT (1 MiB blocks) and 4 KiB O_DIRECT random reads at depth 1 (rand-read.c),
#     under kvmu (each KVMU_ACCELS) and qemu-system-riscv64.
# Ratios are kvmu / QEMU throughput, one column per kvmu accel (> 1: kvmu is faster).
# Env: KVMU, KVMU_ACCELS (default interp,jit), QEMU, QEMU_X86, BENCH_TIMEOUT, BLK_RUNS (x86 runs
# per VMM, alternating, median; default 5), BLK_RV_MIB (default 256), BLK_RV_TRANSPORTS (default
# "mmio pci"), BLK_SKIP_RV=1, BLK_SKIP_X86=1.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"

TIMEOUT=${BENCH_TIMEOUT:-600}
RUNS=${BLK_RUNS:-5}
QEMU_X86=${QEMU_X86:-qemu-system-x86_64}
bench_workdir blk
KVMU_BIN=$(bench_kvmu)
G=$BENCH_REPO/tests/guest-x86
DISK=$OUT/disk.img
rm -f "$DISK"
truncate -s 512M "$DISK"
dd if=/dev/zero of="$DISK" bs=1M count=512 conv=notrunc status=none # allocated, cached
# The x86 guest times with the TSC: cycles per second from the host's nominal rate.
TSC_HZ=$(awk -F: '/^cpu MHz/ { printf "%.0f", ($2 + 0) * 1e6; exit }' /proc/cpuinfo)

declare -A R
parse() { # label time-units-per-second log: "blk KIND AMOUNT TIME" lines -> R[label.KIND]=per-second
    # rate; a KIND reported several times (the x86 guest repeats each test) keeps its best.
    local label=$1 scale=$2 r
    while read -r _ kind amount time; do
        r=$(awk -v a="$amount" -v t="$time" -v s="$scale" -v k="$kind" -v best="${R[$label.$kind]:-0}" \
            'BEGIN { r = a / (t / s); if (k != "rand-read") r /= 1048576; printf "%.1f", (r > best ? r : best) }')
        R[$label.$kind]=$r
    done < <(tr -d '\r' <"$3" | grep -oE 'blk (seq-read|seq-write|rand-read) [0-9]+ [0-9]+')
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b > 0) printf "%.2f", a / b; else printf "-" }'; }
table() { # title label... (the last is QEMU): rates, then each kvmu column / QEMU
    local title=$1 l
    shift
    local ref=${*: -1}
    printf '\n%-34s' "$title"
    for l in "$@"; do printf ' %16s' "${l#*-}"; done
    if [ $# -ge 2 ]; then for l in "${@:1:$#-1}"; do printf ' %16s' "${l#*-}/qemu"; done; fi
    echo
    for k in seq-write seq-read rand-read; do
        local unit="MiB/s"
        [ $k = rand-read ] && unit="IOPS"
        printf '%-34s' "$k ($unit)"
        for l in "$@"; do printf ' %16s' "${R[$l.$k]:--}"; done
        if [ $# -ge 2 ]; then
            for l in "${@:1:$#-1}"; do printf ' %16s' "$(ratio "${R[$l.$k]:-}" "${R[$ref.$k]:-}")"; done
        fi
        echo
    done
}

if [ "${BLK_SKIP_X86:-0}" != 1 ] && [ -w /dev/kvm ]; then
    gcc -m64 -O2 -ffreestanding -fno-builtin -fno-pic -fno-pie -nostdlib -static -no-pie \
        -mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables \
        -I"$G" -T "$G/guest.ld" -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
        -o "$OUT/blk.elf" "$G/pvh_start.S" "$G/lib.c" "$HERE/blk_guest.c"
    # Alternating runs, median per metric: the host is shared and noisy.
    x86=(kvmu)
    command -v "$QEMU_X86" >/dev/null && x86+=(qemu) || bench_log "$QEMU_X86 not found"
    for run in $(seq "$RUNS"); do
        for l in "${x86[@]}"; do
            bench_log "x86 run $run: $l -M pc"
            if [ "$l" = kvmu ]; then
                timeout "$TIMEOUT" "$KVMU_BIN" -M pc -accel kvm -m 128M -nographic \
                    -kernel "$OUT/blk.elf" -drive "file=$DISK,format=raw,if=virtio" \
                    </dev/null >"$OUT/x86-$l.log" 2>&1 || true
            else
                timeout "$TIMEOUT" "$QEMU_X86" -enable-kvm -M pc -m 128M -nographic \
                    -kernel "$OUT/blk.elf" -device isa-debug-exit,iobase=0xf4,iosize=4 \
                    -drive "file=$DISK,format=raw,if=none,id=d0" \
                    -device virtio-blk-pci,disable-legacy=on,drive=d0 \
                    </dev/null >"$OUT/x86-$l.log" 2>&1 || true
            fi
            parse "x86-$l.$run" "$TSC_HZ" "$OUT/x86-$l.log"
        done
    done
    for l in "${x86[@]}"; do
        for k in seq-write seq-read rand-read; do
            R[x86-$l.$k]=$(for run in $(seq "$RUNS"); do echo "${R[x86-$l.$run.$k]:-}"; done |
                grep . | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
        done
    done
    table "x86-64 KVM, tiny guest (median of $RUNS)" "${x86[@]/#/x86-}"
fi

if [ "${BLK_SKIP_RV:-0}" != 1 ]; then
    IMAGES=$(bench_images)
    riscv64-linux-gnu-gcc -O2 -static -Wall -Wextra -Werror -o "$OUT/rand-read-rv64" \
        "$HERE/rand-read.c"
    overlay=$OUT/overlay
    rm -rf "$overlay"
    mkdir -p "$overlay"
    install -m 755 "$HERE/guest-init" "$overlay/init"
    install -m 755 "$OUT/rand-read-rv64" "$overlay/rand-read"
    (cd "$overlay" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) |
        gzip -n >"$OUT/overlay.cpio.gz"
    cat "$IMAGES/initramfs.cpio.gz" "$OUT/overlay.cpio.gz" >"$OUT/initramfs-blk.cpio.gz"
    bench_find_emulators
    for transport in ${BLK_RV_TRANSPORTS:-mmio pci}; do
        case $transport in
        mmio) dev=virtio-blk-device ;;
        pci) dev=virtio-blk-pci,disable-legacy=on ;;
        *) bench_log "BLK_RV_TRANSPORTS: unknown transport '$transport' (mmio, pci)"; exit 2 ;;
        esac
        labels=()
        for emu in "${EMULATORS[@]}"; do
            bench_emulator_argv "$emu"
            bench_log "riscv ($transport): $emu"
            timeout "$TIMEOUT" "${ARGV[@]}" -m 256M -smp 1 -nographic -kernel "$IMAGES/Image" \
                -initrd "$OUT/initramfs-blk.cpio.gz" -no-reboot \
                -drive "file=$DISK,format=raw,if=none,id=d0" -device "$dev,drive=d0" \
                -append "console=ttyS0 quiet blk_mib=${BLK_RV_MIB:-256}" \
                </dev/null >"$OUT/rv-$transport-$emu.log" 2>&1 || true
            parse "rv$transport-$emu" 1000000000 "$OUT/rv-$transport-$emu.log"
            labels+=("rv$transport-$emu")
        done
        table "riscv64 Linux, busybox dd, $transport" "${labels[@]}"
    done
fi
