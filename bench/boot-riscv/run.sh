#!/bin/bash
# run.sh [RUNS]
#
# Wall time from process start to exit for a Linux guest that boots the
# initramfs-poweroff image (OpenSBI -> Linux -> /init -> poweroff -f), RUNS
# times per emulator (default 5) and per hart count in BOOT_SMP (default "1").
# Prints median/min/max and kvmu's speedup over QEMU (median vs median).
# Env: see ../lib.sh.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh source-path=SCRIPTDIR
. "$HERE/../lib.sh"

RUNS=${1:-5}
SMPS=${BOOT_SMP:-1}
TIMEOUT=${BENCH_TIMEOUT:-300}
bench_workdir boot-riscv
IMAGES=$(bench_images)
bench_find_emulators

# median / min / max of the numbers on stdin (one per line)
stats() { sort -n | awk '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.3f %.3f %.3f\n", m, v[1], v[NR] }'; }

declare -A median
printf '%-14s %4s %9s %9s %9s %s\n' emulator smp median min max ""
for smp in ${SMPS//,/ }; do
    for emu in "${EMULATORS[@]}"; do
        bench_emulator_argv "$emu"
        : >"$OUT/$emu-smp$smp.times"
        failed=0
        for run in $(seq "$RUNS"); do
            log=$OUT/$emu-smp$smp-run$run.log
            start=$(bench_now_ns)
            status=0
            timeout "$TIMEOUT" "${ARGV[@]}" -m 256M -smp "$smp" -nographic \
                -kernel "$IMAGES/Image" -initrd "$IMAGES/initramfs-poweroff.cpio.gz" \
                -append "console=ttyS0" -no-reboot </dev/null >"$log" 2>&1 || status=$?
            end=$(bench_now_ns)
            if [ "$status" -ne 0 ] || ! grep -q GUEST-READY "$log"; then
                bench_log "$emu -smp $smp run $run failed (exit $status); console tail:"
                tail -n 15 "$log" >&2
                failed=1
                break
            fi
            echo "$(((end - start) / 1000000))" | awk '{ printf "%.3f\n", $1 / 1000 }' \
                >>"$OUT/$emu-smp$smp.times"
        done
        if [ "$failed" -ne 0 ]; then
            printf '%-14s %4s %9s\n' "$emu" "$smp" failed
            continue
        fi
        read -r med min max < <(stats <"$OUT/$emu-smp$smp.times")
        median[$emu,$smp]=$med
        printf '%-14s %4s %9s %9s %9s\n' "$emu" "$smp" "$med" "$min" "$max"
    done
    qemu_median=${median[qemu,$smp]:-}
    for emu in "${EMULATORS[@]}"; do
        case $emu in kvmu-*) ;; *) continue ;; esac
        m=${median[$emu,$smp]:-}
        if [ -n "$m" ] && [ -n "$qemu_median" ]; then
            awk -v e="$emu" -v s="$smp" -v k="$m" -v q="$qemu_median" 'BEGIN {
                printf "%-14s %4s  boot is %.2fx faster than QEMU (median %.3f s vs %.3f s; time ratio %.2f)\n",
                    e, s, q / k, k, q, k / q }'
        fi
    done
    jm=${median[kvmu-jit,$smp]:-}
    im=${median[kvmu-interp,$smp]:-}
    if [ -n "$jm" ] && [ -n "$im" ]; then
        awk -v s="$smp" -v j="$jm" -v i="$im" 'BEGIN {
            printf "%-14s %4s  jit boots %.2fx faster than interp\n", "kvmu-jit", s, i / j }'
    fi
done
