#!/bin/sh
# build-rv64.sh OUTDIR WORKDIR
#
# Builds the riscv64 guest payloads for the `virt` board from Debian 12
# packages only (see deps.sh):
#   OUTDIR/Image                       Linux 6.1 (allnoconfig + rv64-kernel.fragment)
#   OUTDIR/kernel.config               the full .config used
#   OUTDIR/busybox                     static riscv64 busybox
#   OUTDIR/initramfs.cpio.gz           /init: mounts, prints GUEST-READY, shell
#   OUTDIR/initramfs-poweroff.cpio.gz  /init: prints GUEST-READY, uname -a, poweroff -f
#   OUTDIR/disk.ext4                   64 MiB ext4 root, /init as above (root=/dev/vda)
#
# WORKDIR keeps the unpacked kernel and busybox trees between runs, so a rebuild
# is incremental. Usually called through rv64-images, which picks both folders.
# Env: JOBS (default: nproc).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:?usage: $0 OUTDIR WORKDIR}
WORK=${2:?usage: $0 OUTDIR WORKDIR}
mkdir -p "$OUT" "$WORK"
OUT=$(cd "$OUT" && pwd)
WORK=$(cd "$WORK" && pwd)
JOBS=${JOBS:-$(nproc)}
CROSS=riscv64-linux-gnu-
# Builds run niced: they share the machine with compilers and tests.
nice_make() { nice -n 10 make "$@"; }

log() { echo "build-rv64: $*" >&2; }

missing=$("$HERE/deps.sh" --missing --build-only)
if [ -n "$missing" ]; then
    log "missing Debian packages: $missing"
    log "install them with: $HERE/deps.sh --install"
    exit 1
fi

# ------------------------------------------------------------------ kernel
KSRC=$WORK/linux-source-6.1
if [ ! -f "$KSRC/Makefile" ]; then
    log "unpacking linux-source-6.1"
    tar -C "$WORK" -xf /usr/src/linux-source-6.1.tar.xz
fi

FRAG=$HERE/rv64-kernel.fragment
kmake() { nice_make -C "$KSRC" ARCH=riscv CROSS_COMPILE="$CROSS" "$@"; }
# Regenerate .config only when the fragment changed, so a rebuild is a no-op.
if [ ! -f "$KSRC/.config" ] || ! cmp -s "$FRAG" "$KSRC/.fragment.applied"; then
    kmake -s KCONFIG_ALLCONFIG="$FRAG" allnoconfig
    cp "$FRAG" "$KSRC/.fragment.applied"
fi
# Kconfig silently drops options whose dependencies are unmet: check each one.
grep '^CONFIG_' "$FRAG" | while IFS='=' read -r key value; do
    if ! grep -qx "$key=$value" "$KSRC/.config"; then
        log "kconfig: $key=$value was not applied"
        exit 1
    fi
done
log "building the kernel (a few minutes the first time)"
kmake -s -j"$JOBS" Image
cp "$KSRC/arch/riscv/boot/Image" "$OUT/Image"
cp "$KSRC/.config" "$OUT/kernel.config"

# ------------------------------------------------------------------ busybox
BBV=1.35.0
BBSRC=$WORK/busybox-$BBV
if [ ! -f "$BBSRC/Makefile" ]; then
    dsc=
    for d in "$WORK"/busybox_"$BBV"-*.dsc; do
        [ -f "$d" ] && dsc=$d && break
    done
    if [ -z "$dsc" ]; then
        # Debian's source package through a private apt configuration with a
        # deb-src line: the machine's own apt sources stay untouched.
        log "downloading Debian's busybox source package"
        A=$WORK/apt-src
        mkdir -p "$A/lists/partial" "$A/cache/archives/partial"
        uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
        if [ -z "$uri" ]; then
            uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ "://") { print $i; exit } }' \
                /etc/apt/sources.list 2>/dev/null || true)
        fi
        uri=${uri:-http://deb.debian.org/debian}
        echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri bookworm main" \
            >"$A/sources.list"
        set -- -o "Dir::Etc::SourceList=$A/sources.list" -o Dir::Etc::SourceParts=/dev/null \
            -o "Dir::State::Lists=$A/lists" -o "Dir::Cache=$A/cache"
        apt-get "$@" update -qq
        (cd "$WORK" && apt-get "$@" source --download-only busybox)
        for d in "$WORK"/busybox_"$BBV"-*.dsc; do
            [ -f "$d" ] && dsc=$d && break
        done
    fi
    # Unpacks the orig tarball and applies Debian's patch series.
    dpkg-source -x "$dsc" "$BBSRC"
fi
bbmake() { nice_make -C "$BBSRC" CROSS_COMPILE="$CROSS" "$@"; }
if [ ! -f "$BBSRC/.config" ]; then
    bbmake -s defconfig
    sed -i 's/^# CONFIG_STATIC is not set/CONFIG_STATIC=y/' "$BBSRC/.config"
    yes '' | bbmake oldconfig >/dev/null 2>&1
fi
grep -qx 'CONFIG_STATIC=y' "$BBSRC/.config"
log "building busybox"
bbmake -s -j"$JOBS" busybox
cp "$BBSRC/busybox" "$OUT/busybox"

# ------------------------------------------------------------------ rootfs
ROOT=$WORK/rootfs
rm -rf "$ROOT"
mkdir -p "$ROOT"
bbmake -s CONFIG_PREFIX="$ROOT" install >/dev/null
mkdir -p "$ROOT/proc" "$ROOT/sys" "$ROOT/dev" "$ROOT/tmp" "$ROOT/root" \
    "$ROOT/etc" "$ROOT/mnt" "$ROOT/var/log" "$ROOT/run"
chmod 1777 "$ROOT/tmp"
echo rv64guest >"$ROOT/etc/hostname"
echo 'root:x:0:0:root:/root:/bin/sh' >"$ROOT/etc/passwd"
echo 'root:x:0:' >"$ROOT/etc/group"
# udhcpc only applies a lease through a script: busybox's own example.
mkdir -p "$ROOT/usr/share/udhcpc"
install -m 755 "$BBSRC/examples/udhcp/simple.script" "$ROOT/usr/share/udhcpc/default.script"
install -m 644 "$HERE/rootfs/guest-mounts.sh" "$ROOT/etc/guest-mounts.sh"
install -m 755 "$HERE/rootfs/init" "$ROOT/init"
install -m 755 "$HERE/rootfs/init-poweroff" "$ROOT/init-poweroff"
install -m 644 "$HERE/rootfs/inittab" "$ROOT/etc/inittab"

# ------------------------------------------------------------------ initramfs
# The kernel's usr/gen_initramfs.sh (with gen_init_cpio) writes device nodes
# without root privileges and squashes owners to 0. /dev/console must be in the
# archive: the kernel opens it for init before anything mounts devtmpfs.
mk_initramfs() { # $1: rootfs folder holding its /init, $2: output .cpio.gz
    nodes=$WORK/initramfs.nodes
    printf '%s\n' 'nod /dev/console 0600 0 0 c 5 1' 'nod /dev/null 0666 0 0 c 1 3' >"$nodes"
    (cd "$KSRC" && sh usr/gen_initramfs.sh -o "$WORK/initramfs.cpio" \
        -u squash -g squash "$1" -u 0 -g 0 "$nodes")
    gzip -9 -n -c "$WORK/initramfs.cpio" >"$2.tmp"
    mv "$2.tmp" "$2"
}
mk_initramfs "$ROOT" "$OUT/initramfs.cpio.gz"
rm -rf "$WORK/rootfs-poweroff"
cp -a "$ROOT" "$WORK/rootfs-poweroff"
cp "$ROOT/init-poweroff" "$WORK/rootfs-poweroff/init"
mk_initramfs "$WORK/rootfs-poweroff" "$OUT/initramfs-poweroff.cpio.gz"

# ------------------------------------------------------------------ ext4 disk
# mkfs.ext4 -d fills the file system from a folder without mounting it.
rm -f "$OUT/disk.ext4"
mkfs.ext4 -q -F -L rv64root -E root_owner=0:0 -d "$ROOT" "$OUT/disk.ext4" 64M

log "done: $OUT"
