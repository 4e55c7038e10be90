#!/bin/bash
# run-all.sh: every benchmark, one after the other (see README.md).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
"$HERE/boot-riscv/run.sh"
echo
"$HERE/cpu-riscv/run.sh"
