#!/bin/sh
# build-x86.sh OUTDIR WORKDIR
#
# Builds the x86-64 guest payloads for kvmu's x86 board from Debian 12 packages:
#   OUTDIR/bzImage             Linux 6.1 (tinyconfig + x86-kernel.fragment + the PVM patch)
#   OUTDIR/vmlinux             the same kernel as an ELF with a PVH entry note
#   OUTDIR/kernel.config       the full .config used
#   OUTDIR/initramfs.cpio.gz   static busybox (Debian's busybox-static) with /init
#   OUTDIR/initramfs-tiny.cpio.gz  only a 1 KiB static /init that prints GUEST-READY and
#                              powers off: unpacks in no time where kernel code is emulated
#   OUTDIR/disk.ext4           64 MiB ext4 root holding the same files (root=/dev/vda)
#
# The kernel carries x86-guest-pvm-workarounds.patch: this machine's KVM (kvm_pvm) cannot run
# two instructions Linux executes at boot in kernel mode (see the patch). It only matters for
# the test kernel; kvmu needs nothing of the kind.
#
# WORKDIR keeps the unpacked kernel between runs, so a rebuild is incremental. Usually called
# through x86-images, which picks both folders. Env: JOBS (default: nproc).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:?usage: $0 OUTDIR WORKDIR}
WORK=${2:?usage: $0 OUTDIR WORKDIR}
mkdir -p "$OUT" "$WORK"
OUT=$(cd "$OUT" && pwd)
WORK=$(cd "$WORK" && pwd)
JOBS=${JOBS:-$(nproc)}
# Builds run niced: they share the machine with compilers and tests.
NICE="nice -n 10"

log() { echo "build-x86: $*" >&2; }

for p in linux-source-6.1 gcc make flex bison bc libelf-dev libssl-dev cpio gzip e2fsprogs; do
    if ! dpkg -s "$p" >/dev/null 2>&1; then
        log "missing Debian package $p (apt-get install $p)"
        exit 1
    fi
done

# ------------------------------------------------------------------ kernel
KSRC=$WORK/linux-source-6.1
if [ ! -f "$KSRC/Makefile" ]; then
    log "unpacking linux-source-6.1"
    tar -C "$WORK" -xf /usr/src/linux-source-6.1.tar.xz
fi
PATCH=$HERE/x86-guest-pvm-workarounds.patch
if ! cmp -s "$PATCH" "$KSRC/.pvm-patch.applied"; then
    if [ -f "$KSRC/.pvm-patch.applied" ]; then
        patch -d "$KSRC" -p1 -R -s <"$KSRC/.pvm-patch.applied"
    fi
    patch -d "$KSRC" -p1 -s <"$PATCH"
    cp "$PATCH" "$KSRC/.pvm-patch.applied"
fi

FRAG=$HERE/x86-kernel.fragment
KMAKE="make -C $KSRC ARCH=x86_64"
# Regenerate .config only when the fragment changed, so a rebuild is a no-op.
if [ ! -f "$KSRC/.config" ] || ! cmp -s "$FRAG" "$KSRC/.fragment.applied"; then
    $KMAKE -s tinyconfig
    (cd "$KSRC" && scripts/kconfig/merge_config.sh -m -O "$KSRC" .config "$FRAG" >/dev/null)
    $KMAKE -s olddefconfig
    cp "$FRAG" "$KSRC/.fragment.applied"
fi
# Kconfig silently drops options whose dependencies are unmet: check each one.
grep '^CONFIG_' "$FRAG" | while IFS== read -r key value; do
    if ! grep -qx "$key=$value" "$KSRC/.config"; then
        log "kconfig: $key=$value was not applied"
        exit 1
    fi
done
log "building the kernel (about 10 minutes on 2 cores the first time)"
$NICE $KMAKE -s -j"$JOBS" bzImage
cp "$KSRC/arch/x86/boot/bzImage" "$OUT/bzImage"
cp "$KSRC/vmlinux" "$OUT/vmlinux"
cp "$KSRC/.config" "$OUT/kernel.config"

# ------------------------------------------------------------------ busybox
# Debian's static amd64 busybox, fetched (not installed) with apt.
BB=$WORK/busybox-static/bin/busybox
if [ ! -x "$BB" ]; then
    log "downloading busybox-static"
    rm -rf "$WORK/busybox-static" "$WORK"/busybox-static_*.deb
    (cd "$WORK" && apt-get download busybox-static >&2)
    dpkg-deb -x "$WORK"/busybox-static_*.deb "$WORK/busybox-static"
fi

# ------------------------------------------------------------------ rootfs
ROOT=$WORK/rootfs
rm -rf "$ROOT"
mkdir -p "$ROOT/bin" "$ROOT/sbin" "$ROOT/proc" "$ROOT/sys" "$ROOT/dev" "$ROOT/tmp" \
    "$ROOT/root" "$ROOT/etc" "$ROOT/mnt" "$ROOT/run"
chmod 1777 "$ROOT/tmp"
cp "$BB" "$ROOT/bin/busybox"
for applet in $("$BB" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$ROOT/bin/$applet"
done
echo x86guest >"$ROOT/etc/hostname"
echo 'root:x:0:0:root:/root:/bin/sh' >"$ROOT/etc/passwd"
echo 'root:x:0:' >"$ROOT/etc/group"
# The same /init as the riscv64 images (mount, print GUEST-READY, shell). On this machine's
# KVM no guest user code can make system calls, so the kernel's "Run /init as init process"
# is the last thing the tests can see.
install -m 644 "$HERE/rootfs/guest-mounts.sh" "$ROOT/etc/guest-mounts.sh"
install -m 755 "$HERE/rootfs/init" "$ROOT/init"

# ------------------------------------------------------------------ initramfs
# gen_initramfs.sh writes device nodes without root privileges; /dev/console must be in the
# archive because the kernel opens it for init before devtmpfs is mounted.
nodes=$WORK/initramfs.nodes
printf '%s\n' 'nod /dev/console 0600 0 0 c 5 1' 'nod /dev/null 0666 0 0 c 1 3' >"$nodes"
(cd "$KSRC" && sh usr/gen_initramfs.sh -o "$WORK/initramfs.cpio" -u squash -g squash "$ROOT" \
    -u 0 -g 0 "$nodes")
gzip -9 -n -c "$WORK/initramfs.cpio" >"$OUT/initramfs.cpio.gz"

# The tiny variant: on kvm_pvm the busybox archive alone takes minutes to unpack (the kernel's
# gunzip and file creation are emulated), and no user code can run there anyway.
TINY=$WORK/rootfs-tiny
rm -rf "$TINY"
mkdir -p "$TINY"
cat >"$WORK/tiny-init.c" <<'INIT'
/* /init of initramfs-tiny: say so on the console, then power off (raw system calls). */
static long sys3(long n, long a, long b, long c)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}

void _start(void)
{
    static const char msg[] = "GUEST-READY\n";
    sys3(1, 1, (long)msg, sizeof(msg) - 1);                /* write(1, ...) */
    sys3(169, 0xfee1dead, 672274793, 0x4321fedc);          /* reboot(POWER_OFF) */
    for (;;)
        ;
}
INIT
gcc -Os -static -nostdlib -fno-pie -no-pie -fno-stack-protector -Wl,--build-id=none \
    -o "$TINY/init" "$WORK/tiny-init.c"
(cd "$KSRC" && sh usr/gen_initramfs.sh -o "$WORK/initramfs-tiny.cpio" -u squash -g squash \
    "$TINY" -u 0 -g 0 "$nodes")
gzip -9 -n -c "$WORK/initramfs-tiny.cpio" >"$OUT/initramfs-tiny.cpio.gz"

# ------------------------------------------------------------------ ext4 disk
rm -f "$OUT/disk.ext4"
mkfs.ext4 -q -F -L x86root -E root_owner=0:0 -d "$ROOT" "$OUT/disk.ext4" 64M

log "done: $OUT"
