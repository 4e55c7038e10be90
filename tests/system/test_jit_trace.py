"""`-d in_asm,out_asm` under the JIT: each translated block's guest instructions (disassembled)
and the host bytes it became, in the -D file. Uses an ISA test program (build/isa, made by
`make isa-elfs`, which `make test` runs first)."""

import re
import subprocess

from conftest import emulator_is_qemu, emulator_path, REPO

import pytest


def test_in_asm_out_asm(tmp_path):
    if emulator_is_qemu():
        pytest.skip("checks kvmu's own trace format")
    elf = REPO / "build" / "isa" / "rv64m.elf"
    if not elf.is_file():
        pytest.fail(f"{elf} not built (make isa-elfs)")
    log = tmp_path / "trace.txt"
    done = subprocess.run([str(emulator_path()), "-M", "virt", "-bios", "none", "-kernel", str(elf),
                           "-nographic", "-accel", "jit", "-d", "in_asm,out_asm", "-D", str(log)],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, timeout=60)
    assert done.returncode == 0
    text = log.read_text()
    assert re.search(r"\[in_asm\] IN: block at gpa 0x8000", text)
    # A disassembled guest instruction, e.g. "0x0000000080000004:  bne      t0,zero,0x80000068".
    assert re.search(r"\[in_asm\] 0x00000000800[0-9a-f]{5}:  (mul|div|rem|addi|bne|auipc)\b", text)
    # Host bytes: an address, then up to 16 hex bytes.
    assert re.search(r"\[out_asm\] OUT: \d+ bytes at ", text)
    assert re.search(r"\[out_asm\] 0x[0-9a-f]+:( [0-9a-f]{2}){16}\n", text)
    assert text.count("IN: block") == text.count("OUT: ")
