#!/bin/sh
# deps.sh [--install | --missing] [--build-only]
#
# Lists the Debian packages needed to build the riscv64 guest images and to
# run the system tests and benchmarks (QEMU as the reference, pytest, pexpect).
#   (no option)   print the list
#   --missing     print the ones not installed (empty line when none)
#   --install     apt-get install the missing ones (nothing to do: no apt call)
#   --build-only  restrict to what building the images needs
set -eu

BUILD_PACKAGES="
linux-source-6.1
gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu libc6-dev-riscv64-cross
make flex bison bc libelf-dev libssl-dev
cpio gzip e2fsprogs dpkg-dev util-linux
"
RUN_PACKAGES="
gcc opensbi qemu-system-misc python3-pytest python3-pexpect
"

action=list
packages="$BUILD_PACKAGES $RUN_PACKAGES"
for arg in "$@"; do
    case $arg in
    --install) action=install ;;
    --missing) action=missing ;;
    --build-only) packages=$BUILD_PACKAGES ;;
    *)
        echo "usage: $0 [--install | --missing] [--build-only]" >&2
        exit 2
        ;;
    esac
done

missing=
for p in $packages; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done

# shellcheck disable=SC2086 # one word per package
case $action in
list) echo $packages ;;
missing) echo $missing ;;
install) [ -z "$missing" ] || apt-get install -y $missing ;;
esac
