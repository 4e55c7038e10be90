#!/bin/sh
# `make run`: boot the default guest — RISC-V Linux with a busybox shell on an ext4 root
# (/dev/vda), on the emulated virt board. Ctrl-A x quits; `poweroff` in the guest too.
set -eu
cd "$(dirname "$0")/.."
IMG=$(scripts/guest/rv64-images | tail -n 1)
# The disk is a private copy so that playing in the guest never changes the cached image.
# A new image recipe brings a new disk copy (the old one is kept as .old).
DISK=${KVMU_DISK:-build/run-disk.ext4}
if [ ! -f "$DISK" ] || [ "$(cat "$DISK.src" 2>/dev/null)" != "$IMG" ]; then
    [ -f "$DISK" ] && mv "$DISK" "$DISK.old"
    cp "$IMG/disk.ext4" "$DISK"
    echo "$IMG" >"$DISK.src"
fi
echo "kvmu: booting RISC-V Linux (Ctrl-A x quits, Ctrl-A h for help); disk: $DISK" >&2
exec build/kvmu -M virt -m 256M -smp "${SMP:-2}" -nographic \
    -kernel "$IMG/Image" \
    -drive "file=$DISK,format=raw,if=virtio" \
    -append "console=ttyS0 root=/dev/vda rw init=/init" ${KVMU_ARGS:-}
