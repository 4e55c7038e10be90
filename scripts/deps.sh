#!/bin/sh
# Installs the Debian packages kvmu needs to build, test and boot its guests. Idempotent: when
# everything is present it does nothing (and needs no network).
set -eu
cd "$(dirname "$0")/.."

# acpica-tools: iasl checks the ACPI tables of the x86 board in the system tests.
PACKAGES="gcc make libc6-dev libfdt-dev libcmocka-dev python3 clang-format acpica-tools"
missing=
for p in $PACKAGES $(scripts/guest/deps.sh --missing); do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "kvmu: missing Debian packages:$missing" >&2
    echo "kvmu: run as root, or: sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "kvmu: installing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet.
apt-get install -y $missing || { apt-get update && apt-get install -y $missing; }
