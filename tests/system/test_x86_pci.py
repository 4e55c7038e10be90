"""PCI + virtio-blk-pci on the x86 `pc` board, driven by our own tiny guest (build/guest-x86/pci.elf,
see tests/guest-x86/pci.c): each run takes well under a second even on kvm_pvm.

What the guest's own runs (tests/guest-x86/run.sh) cannot check from inside: two disks in
command-line order, data written in one run read back in the next, a readonly image left
byte-for-byte unchanged, a second kvmu refused the same image (and allowed with
file.locking=off), the DSDT's PCI host bridge disassembling cleanly with iasl.

Environment: KVMU (binary, default build/kvmu).
"""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pexpect
import pytest

REPO = Path(__file__).resolve().parents[2]
GUEST = REPO / "build" / "guest-x86" / "pci.elf"
MARKER = b"KVMU-DISK-SECTOR-0\n"


@pytest.fixture(scope="module", autouse=True)
def needs_kvm_and_guest():
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        pytest.skip("no usable /dev/kvm")
    if not GUEST.is_file():
        pytest.fail(f"{GUEST} not built (make x86-guests)")


def kvmu():
    path = Path(os.environ.get("KVMU", "build/kvmu"))
    return str(path if path.is_absolute() else REPO / path)


def image(path, head):
    path.write_bytes(head + bytes((1 << 20) - len(head)))
    return path


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(*args, timeout=30):
    done = subprocess.run([kvmu(), "-kernel", str(GUEST), "-nographic", *args],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout)
    return done.returncode, done.stdout


def test_two_disks_in_command_line_order(tmp_path):
    a = image(tmp_path / "a.img", MARKER)
    b = image(tmp_path / "b.img", b"SECOND-DISK\n")
    rc, out = run("-drive", f"file={a},format=raw,if=virtio,id=first",
                  "-drive", f"file={b},format=raw,if=virtio,id=second", "-append", "pci-disks=2")
    assert rc == 0, out
    lines = [l for l in out.splitlines() if l.startswith("disk ")]
    assert lines == ["disk 0 id=first data=KVMU-DISK-SECTOR-0", "disk 1 id=second data=SECOND-DISK"], out
    assert "PASS" in out


def test_data_persists_across_runs(tmp_path):
    disk = image(tmp_path / "p.img", MARKER)
    rc, out = run("-drive", f"file={disk},format=raw,if=virtio", "-append", "pci-test=write")
    assert rc == 0, out
    assert disk.read_bytes()[7 * 512:7 * 512 + 12] == b"KVMU-PERSIST"
    rc, out = run("-drive", f"file={disk},format=raw,if=virtio", "-append", "pci-test=read")
    assert rc == 0, out


def test_readonly_image_unchanged(tmp_path):
    disk = image(tmp_path / "ro.img", MARKER)
    before = sha(disk)
    rc, out = run("-drive", f"file={disk},format=raw,if=virtio,readonly=on", "-append",
                  "pci-test=ro")
    assert rc == 0, out
    assert sha(disk) == before


def test_missing_format_warns_like_qemu(tmp_path):
    disk = image(tmp_path / "w.img", MARKER)
    rc, out = run("-drive", f"file={disk},if=virtio,cache=none,aio=native")
    assert rc == 0, out
    assert "Image format was not specified" in out and "probing guessed raw" in out


def test_second_writer_refused_unless_locking_off(tmp_path):
    disk = image(tmp_path / "lock.img", MARKER)
    first = pexpect.spawn(kvmu(), ["-kernel", str(GUEST), "-nographic", "-drive",
                                   f"file={disk},format=raw,if=virtio", "-append", "pci-test=hold"],
                          encoding="utf-8", timeout=30)
    try:
        first.expect("HOLDING")
        rc, out = run("-drive", f"file={disk},format=raw,if=virtio")
        assert rc != 0, out
        assert 'Failed to get "write" lock' in out, out
        rc, out = run("-drive", f"file={disk},format=raw,if=virtio,readonly=on", "-append",
                      "pci-test=ro")
        assert rc != 0, out  # a reader is refused while a writer holds the image, as in QEMU
        rc, out = run("-drive", f"file={disk},format=raw,if=virtio,file.locking=off")
        assert rc == 0, out
        first.send("x")
        first.expect(pexpect.EOF)
        first.close()
        assert first.exitstatus == 0
    finally:
        if first.isalive():
            first.terminate(force=True)


@pytest.mark.skipif(shutil.which("iasl") is None, reason="iasl missing (apt-get install acpica-tools)")
def test_dsdt_pci_host_bridge_disassembles(tmp_path):
    dumper = REPO / "build" / "unit" / "test_x86_pci"
    if not dumper.is_file():
        pytest.fail(f"{dumper} not built (make unit)")
    env = dict(os.environ, KVMU_ACPI_DUMP=str(tmp_path))
    subprocess.run([str(dumper)], env=env, check=True, stdout=subprocess.DEVNULL)
    done = subprocess.run(["iasl", "-d", "dsdt.dat"], cwd=tmp_path, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert done.returncode == 0, done.stdout
    dsl = (tmp_path / "dsdt.dsl").read_text()
    for bad in ("Error", "Warning", "**** "):
        assert bad not in done.stdout + dsl, dsl
    assert 'EisaId ("PNP0A03")' in dsl
    assert "_PRT" in dsl and "WordBusNumber" in dsl and "DWordMemory" in dsl
    assert "0xC0000000" in dsl and "0xFEBFFFFF" in dsl


def test_device_needs_the_right_bus(tmp_path):
    disk = image(tmp_path / "d.img", MARKER)
    rc, out = run("-M", "pc", "-drive", f"file={disk},format=raw,if=none,id=d0",
                  "-device", "virtio-blk-device,drive=d0")
    assert rc != 0 and "No 'virtio-bus' bus found for device 'virtio-blk-device'" in out, out
    rc, out = run("-M", "microvm", "-drive", f"file={disk},format=raw,if=none,id=d0",
                  "-device", "virtio-blk-pci,drive=d0")
    assert rc != 0 and "No 'PCI' bus found for device 'virtio-blk-pci'" in out, out


def test_threads_are_named(tmp_path):
    """vCPU threads carry QEMU's names ("CPU n/KVM") and the event loop its own, so ps -L,
    top -H and gdb tell them apart (block workers start with the first request: unit test)."""
    guest = REPO / "build" / "guest-x86" / "uart_in.elf"  # waits for console input
    child = pexpect.spawn(kvmu(), ["-kernel", str(guest), "-nographic", "-smp", "2"],
                          encoding="utf-8", timeout=30)
    try:
        names = set()
        for _ in range(100):  # until every thread has started
            task = Path(f"/proc/{child.pid}/task")
            names = {(t / "comm").read_text().strip() for t in task.iterdir()}
            if {"CPU 0/KVM", "CPU 1/KVM", "kvmu-io"} <= names:
                break
            child.expect([pexpect.TIMEOUT], timeout=0.1)
        assert {"CPU 0/KVM", "CPU 1/KVM", "kvmu-io"} <= names, names
    finally:
        child.terminate(force=True)
