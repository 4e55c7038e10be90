"""Bad command lines and bad files: kvmu must exit with status 1 and say why in exactly one
line on stderr starting with "kvmu: ". File checks (kernel, firmware, disk lock) happen in the
board, so for those the line only has to name the file.

Runs build/kvmu (or $KVMU); every test skips, with the reason, while the binary does not exist.
"""

import os
import pwd
import shutil
import struct
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import emulator_is_qemu, emulator_path

RUN_TIMEOUT = 20  # seconds; a failing start should take milliseconds


@pytest.fixture(scope="module")
def kvmu():
    path = emulator_path()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.skip(f"{path} does not exist yet (run make)")
    if emulator_is_qemu():
        pytest.skip("these tests check kvmu's own messages, not QEMU's")
    return path


def run(argv, preexec_fn=None):
    """Runs one emulator to completion; returns (status, stdout, stderr lines)."""
    done = subprocess.run([str(a) for a in argv], stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=RUN_TIMEOUT, preexec_fn=preexec_fn)
    return (done.returncode, done.stdout.decode(errors="replace"),
            done.stderr.decode(errors="replace").splitlines())


def fails_with_one_line(argv, preexec_fn=None):
    """Asserts exit status 1 and a single "kvmu: ..." line on stderr; returns that line."""
    status, _, lines = run(argv, preexec_fn)
    shown = " ".join(str(a) for a in argv)
    assert status == 1, f"{shown}: exit status {status}, stderr {lines}"
    assert len(lines) == 1, f"{shown}: want one line on stderr, got {lines}"
    assert lines[0].startswith("kvmu: "), f"{shown}: {lines[0]!r}"
    return lines[0]


# (arguments, text the message must contain)
BAD_COMMAND_LINES = [
    (["-foo"], "unknown option '-foo'"),
    (["--no-such-option"], "unknown option '--no-such-option'"),
    (["disk.img"], "unexpected argument 'disk.img'"),
    (["-m"], "-m: requires an argument"),
    (["-smp", "0"], "-smp: cpus must be at least 1"),
    (["-smp", "many"], "-smp: invalid number 'many'"),
    (["-m", "12Q"], "-m: invalid size '12Q'"),
    (["-m", "0"], "-m: RAM size must be greater than 0"),
    (["-m", "99999999999T"], "too large"),
    (["-drive", "file=x.img,format=qcow3"], "-drive: unknown format 'qcow3'"),
    (["-drive", "file=x.img,format=qcow2"], "format 'qcow2' is not supported"),
    (["-drive", "file=x.img,if=ide"], "interface 'ide' is not supported"),
    (["-drive", "file=x.img,bogus=1"], "-drive: invalid parameter 'bogus'"),
    (["-drive", "file=a.img,id=d", "-drive", "file=b.img,id=d"], "duplicate ID 'd'"),
    (["-device", "xyz"], "Device 'xyz' not found"),
    (["-device", "virtio-blk-device,drive=nope"], "can't find value 'nope'"),
    (["-accel", "xyz"], "-accel: unknown accelerator 'xyz'"),
    (["-M", "sifive_u"], "unsupported machine type 'sifive_u'"),
    (["-display", "gtk"], "display 'gtk' is not supported"),
    (["-serial", "pty"], "'pty' is not supported"),
    (["-d", "bogus"], "unknown log item 'bogus'"),
    (["-gdb", "tcp::1234"], "not supported"),
    (["-S"], "not supported"),
]


@pytest.mark.parametrize("args,expected", BAD_COMMAND_LINES,
                         ids=[" ".join(a) for a, _ in BAD_COMMAND_LINES])
def test_bad_command_line(kvmu, args, expected):
    line = fails_with_one_line([kvmu] + args)
    assert expected in line


def test_target_name_limits_machines(kvmu, tmp_path):
    alias = tmp_path / "qemu-system-riscv64"
    alias.symlink_to(kvmu)
    line = fails_with_one_line([alias, "-M", "pc"])
    assert "unsupported machine type 'pc'" in line


def test_help_version_and_listings(kvmu):
    status, out, lines = run([kvmu, "-version"])
    assert status == 0 and "kvmu version" in out and not lines
    status, out, lines = run([kvmu, "-help"])
    assert status == 0 and "-drive" in out and not lines
    status, out, lines = run([kvmu, "-machine", "help"])
    assert status == 0 and "virt" in out and not lines
    status, out, lines = run([kvmu, "-accel", "help"])
    assert status == 0 and "interp" in out and "jit" in out and "kvm" in out
    status, out, lines = run([kvmu, "-device", "help"])
    assert status == 0 and "virtio-blk-device" in out
    status, out, lines = run([kvmu, "-d", "help"])
    assert status == 0 and "guest_errors" in out


def test_missing_kernel(kvmu, tmp_path):
    missing = tmp_path / "no-such-Image"
    line = fails_with_one_line([kvmu, "-M", "virt", "-kernel", missing, "-display", "none"])
    assert str(missing) in line


def test_kernel_is_a_directory(kvmu, tmp_path):
    line = fails_with_one_line([kvmu, "-M", "virt", "-kernel", tmp_path, "-display", "none"])
    assert str(tmp_path) in line


def test_unreadable_kernel(kvmu, tmp_path):
    # Root reads any file, so as root the check runs kvmu as user "nobody" on a mode-000 file in
    # a folder nobody can enter (pytest's own tmp folders are private to root).
    folder = Path(tempfile.mkdtemp(prefix="kvmu-unreadable-"))
    try:
        folder.chmod(0o755)
        kernel = folder / "Image"
        kernel.write_bytes(b"\0" * 4096)
        kernel.chmod(0)
        as_nobody = None
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            if not os.access(kvmu, os.X_OK) or any(
                    (p.stat().st_mode & 0o005) != 0o005 for p in Path(kvmu).parents
                    if p != Path("/")):
                pytest.skip("build/kvmu is not reachable for user nobody here")

            def as_nobody():
                os.setgid(nobody.pw_gid)
                os.setuid(nobody.pw_uid)
        line = fails_with_one_line([kvmu, "-M", "virt", "-kernel", kernel, "-display", "none"],
                                   preexec_fn=as_nobody)
        assert str(kernel) in line
        assert "Permission denied" in line
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def garbage(tmp_path):
    path = tmp_path / "garbage.bin"
    path.write_bytes(os.urandom(64 * 1024))
    return path


def test_garbage_kernel_without_machine(kvmu, tmp_path):
    kernel = garbage(tmp_path)
    line = fails_with_one_line([kvmu, "-kernel", kernel, "-display", "none"])
    assert str(kernel) in line


def test_garbage_kernel_on_virt_without_firmware(kvmu, tmp_path):
    kernel = garbage(tmp_path)
    line = fails_with_one_line([kvmu, "-M", "virt", "-bios", "none", "-kernel", kernel,
                                "-display", "none"])
    assert str(kernel) in line


def test_text_file_as_firmware(kvmu, tmp_path):
    firmware = tmp_path / "fw.txt"
    firmware.write_text("#!/bin/sh\necho this is not firmware\n")
    line = fails_with_one_line([kvmu, "-M", "virt", "-bios", firmware, "-display", "none"])
    assert str(firmware) in line and "text file" in line


def test_missing_firmware(kvmu, tmp_path):
    firmware = tmp_path / "no-such-fw.bin"
    line = fails_with_one_line([kvmu, "-M", "virt", "-bios", firmware, "-display", "none"])
    assert str(firmware) in line


def idle_image(tmp_path):
    """A 64-byte RISC-V Linux `Image` whose code is `wfi; j .-4`: a guest that idles forever."""
    path = tmp_path / "idle.Image"
    header = struct.pack(
        "<IIQQQIIQQII",
        0x10500073,       # code0: wfi
        0xFFDFF06F,       # code1: jal x0, -4
        0x200000,         # text_offset, as Linux uses on RV64
        64,               # image_size
        0,                # flags: little endian
        2,                # header version 0.2
        0,                # res1
        0,                # res2
        int.from_bytes(b"RISCV\0\0\0", "little"),  # magic (deprecated)
        int.from_bytes(b"RSC\x05", "little"),      # magic2
        0,                # res3
    )
    assert len(header) == 64
    path.write_bytes(header)
    return path


def test_disk_image_in_use(kvmu, tmp_path):
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * (1 << 20))
    argv = [str(a) for a in [kvmu, "-M", "virt", "-bios", "none", "-kernel", idle_image(tmp_path),
                             "-m", "64M", "-display", "none", "-serial", "null",
                             "-drive", f"file={disk},format=raw,if=virtio"]]
    first = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    try:
        time.sleep(0.5)
        if first.poll() is not None:
            err = first.stderr.read().decode(errors="replace")
            pytest.fail(f"the first kvmu (holding the lock) exited with {first.returncode}: {err}")
        line = fails_with_one_line(argv)
        assert "lock" in line.lower()
        assert str(disk) in line
    finally:
        first.kill()
        first.wait()


@pytest.mark.parametrize("machine,device", [("virt", "virtio-blk-device"),
                                            ("microvm", "virtio-blk-device"),
                                            ("pc", "virtio-blk-pci")])
def test_drive_given_to_two_devices(kvmu, tmp_path, machine, device):
    """A -drive that is already a virtio disk (if=virtio) cannot also back a -device."""
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * (1 << 20))
    line = fails_with_one_line([kvmu, "-M", machine, "-bios", "none", "-kernel",
                                idle_image(tmp_path), "-display", "none",
                                "-drive", f"file={disk},format=raw,if=virtio,id=d0",
                                "-device", f"{device},drive=d0"])
    assert "Drive 'd0' is already in use" in line and "if=none" in line
