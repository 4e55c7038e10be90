"""A guest that cannot continue (its trap handler itself faults) ends kvmu with a readable dump
of the hart's state and a non-zero exit status, under every accelerator."""
import subprocess

import pytest
from conftest import REPO

PROGRAM = """
    .globl _start
_start:
    li t0, 0x1000      # mtvec: nothing is mapped there, so taking any trap faults again
    csrw mtvec, t0
    li a5, 0x5a5a
    li t1, 0x4000      # jump into unmapped space: instruction access fault
    jr t1
"""


@pytest.fixture(scope="module")
def fault_elf(tmp_path_factory):
    d = tmp_path_factory.mktemp("fault")
    src = d / "fault.S"
    src.write_text(PROGRAM)
    elf = d / "fault.elf"
    # The ISA tests' linker script: everything at the virt board's RAM base.
    subprocess.run(["riscv64-linux-gnu-gcc", "-nostdlib", "-static", "-Wl,--build-id=none",
                    "-T", str(REPO / "tests/isa/link.ld"), "-o", str(elf), str(src)],
                   check=True)
    return elf


def test_guest_fault_dumps_state_and_fails(emulator, is_qemu, accel, fault_elf):
    if is_qemu:
        pytest.skip("QEMU loops on such a guest instead of stopping: kvmu-only behaviour")
    argv = [str(emulator), "-M", "virt", "-bios", "none", "-kernel", str(fault_elf),
            "-nographic", "-accel", accel]
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=30)
    assert r.returncode != 0
    err = r.stderr
    assert "kvmu: fatal:" in err
    # pc, general registers with ABI names and the trap CSRs are all in the dump.
    assert "pc 0000000000001000" in err
    assert "a5   0000000000005a5a" in err
    for csr in ("mstatus", "mtvec 0000000000001000", "mepc", "mcause", "mtval", "satp"):
        assert csr in err, f"{csr} missing from the dump:\n{err}"
