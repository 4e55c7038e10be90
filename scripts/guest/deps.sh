#!/bin/sh
# deps.sh [--install]
#
# Prints the Debian packages needed to build the riscv64 guest images, run the
# system tests and the benchmarks; with --install, installs the missing ones
# (idempotent: nothing happens when all are present).
set -eu

PACKAGES="
linux-source-6.1
gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu libc6-dev-riscv64-cross
gcc make flex bison bc libelf-dev libssl-dev
cpio gzip e2fsprogs dpkg-dev util-linux
opensbi qemu-system-misc
python3-pytest python3-pexpect
"

missing=
for p in $PACKAGES; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done

case "${1:-}" in
--install)
    if [ -n "$missing" ]; then
        # shellcheck disable=SC2086 # one word per package
        apt-get install -y $missing
    fi
    ;;
--missing)
    # shellcheck disable=SC2086 # one line, words separated by single spaces
    echo $missing
    ;;
"")
    # shellcheck disable=SC2086
    echo $PACKAGES
    ;;
*)
    echo "usage: $0 [--install | --missing]" >&2
    exit 2
    ;;
esac
