# Sourced by the guest's init scripts. Works both as initramfs /init and as
# init=/init on a real root (where devtmpfs is already mounted).
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mountpoint -q /tmp || mount -t tmpfs tmpfs /tmp
hostname -F /etc/hostname
