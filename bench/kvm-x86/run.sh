#!/bin/bash
# run.sh [RUNS]
#
# kvmu (-accel kvm -M microvm) against qemu-system-x86_64 -enable-kvm -M microvm, same guest,
# same host, in one run; medians of RUNS runs (default 5):
#   - ms from process start to the guest's first instruction (first byte on COM1) and to its
#     first UART line, and to process exit;
#   - exit round trips timed in the guest (100k each, TSC cycles -> ns at the host TSC rate):
#     PIO to an unassigned port, MMIO read of an unassigned address, virtio QueueNotify
#     absorbed by an ioeventfd;
#   - VMM peak RSS (the guest touches < 1 MiB of its 128 MiB, so this is the VMM's own);
#   - with BENCH_LINUX=1 (default 1): seconds to the kernel's "Run /init as init process" for
#     the x86 test kernel (scripts/guest/x86-images), one run each.
# Ratios are kvmu / QEMU for times and costs (< 1: kvmu is faster). Nothing passes or fails.
# Env: KVMU, QEMU_X86 (default qemu-system-x86_64), BENCH_LINUX, BENCH_TIMEOUT.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"

RUNS=${1:-5}
TIMEOUT=${BENCH_TIMEOUT:-400}
QEMU_X86=${QEMU_X86:-qemu-system-x86_64}
bench_workdir kvm-x86
KVMU_BIN=$(bench_kvmu)
REPO=$BENCH_REPO
G=$REPO/tests/guest-x86

gcc -m64 -O2 -ffreestanding -fno-builtin -fno-pic -fno-pie -nostdlib -static -no-pie \
    -mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables \
    -I"$G" -T "$G/guest.ld" -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
    -o "$OUT/bench.elf" "$G/pvh_start.S" "$G/lib.c" "$HERE/bench_guest.c"
DISK=$OUT/disk.img
truncate -s 1M "$DISK"
TSC_MHZ=$(awk -F: '/^cpu MHz/ { print $2 + 0; exit }' /proc/cpuinfo)

declare -A R
run_tiny() { # label argv...
    local label=$1
    shift
    while read -r k v; do
        R[$label.$k]=$v
    done < <(python3 "$HERE/measure.py" "$RUNS" -- "$@")
}

run_tiny kvmu "$KVMU_BIN" -M microvm -accel kvm -m 128M -nographic -kernel "$OUT/bench.elf" \
    -drive "file=$DISK,format=raw,if=none,id=d0" -device virtio-blk-device,drive=d0
have_qemu=0
if command -v "$QEMU_X86" >/dev/null; then
    have_qemu=1
    run_tiny qemu "$QEMU_X86" -enable-kvm -M microvm -m 128M -nographic -kernel "$OUT/bench.elf" \
        -device isa-debug-exit,iobase=0xf4,iosize=4 \
        -drive "file=$DISK,format=raw,if=none,id=d0" -device virtio-blk-device,drive=d0
else
    bench_log "$QEMU_X86 not found: QEMU column skipped"
fi

ratio() { # kvmu qemu
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2f", a / b; else printf "-" }'
}
ns() { awk -v c="$1" -v f="$TSC_MHZ" 'BEGIN { if (c == "") print ""; else printf "%.1f", c * 1000 / f }'; }

printf '%-28s %12s %12s %8s\n' "tiny guest (median of $RUNS)" kvmu qemu "kvmu/qemu"
for k in first_insn_ms first_line_ms exit_ms peak_rss_kib; do
    a=${R[kvmu.$k]:-}
    b=${R[qemu.$k]:-}
    printf '%-28s %12s %12s %8s\n' "$k" "$a" "${b:--}" "$(ratio "$a" "$b")"
done
for k in pio-out mmio-read ioeventfd; do
    a=$(ns "${R[kvmu.cycles_$k]:-}")
    b=$(ns "${R[qemu.cycles_$k]:-}")
    printf '%-28s %12s %12s %8s\n' "exit $k (ns)" "$a" "${b:--}" "$(ratio "$a" "$b")"
done
echo "(TSC ${TSC_MHZ} MHz; RSS = VMM process peak with 128 MiB of mostly untouched guest RAM)"

[ "${BENCH_LINUX:-1}" = 1 ] || exit 0
IMAGES=$("$REPO/scripts/guest/x86-images" | tail -n 1)
APPEND="console=ttyS0 noxsave mitigations=off clearcpuid=308,288,298,145,158,306,590,534,151,59,141 vdso32=0"
linux_time() { # label argv... -> seconds to "Run /init"
    local label=$1 start t
    shift
    start=$(bench_now_ns)
    timeout -k 5 "$TIMEOUT" "$@" </dev/null 2>&1 | while IFS= read -r line; do
        case $line in *"Run /init as init process"*)
            echo $(( ($(bench_now_ns) - start) / 1000000 ))
            break ;;
        esac
    done >"$OUT/$label.linux" || true
    t=$(cat "$OUT/$label.linux")
    [ -n "$t" ] && awk -v t="$t" 'BEGIN { printf "%.1f", t / 1000 }'
}
k=$(linux_time kvmu "$KVMU_BIN" -M microvm -accel kvm -m 256M -nographic \
    -kernel "$IMAGES/bzImage" -initrd "$IMAGES/initramfs.cpio.gz" -append "$APPEND")
q=-
if [ $have_qemu = 1 ]; then
    q=$(linux_time qemu "$QEMU_X86" -enable-kvm -M microvm -m 256M -nographic \
        -kernel "$IMAGES/bzImage" -initrd "$IMAGES/initramfs.cpio.gz" -append "$APPEND")
fi
printf '%-28s %12s %12s %8s\n' "Linux to 'Run /init' (s)" "${k:--}" "${q:--}" "$(ratio "$k" "$q")"
