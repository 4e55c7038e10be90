"""Linux on the x86-64 board under KVM, up to "Run /init as init process".

On this development machine /dev/kvm is kvm_pvm: guest kernel code is emulated and a boot takes
2-8 minutes (more when other builds load the machine), and no guest user code can make system calls, so the kernel's "Run /init" line is the
last observable point (see /work/shared/guest-notes). These tests are marked slow_kvm and only
run when selected: `pytest -m slow_kvm tests/system` (or KVMU_SLOW_KVM=1).

Environment: KVMU (binary, default build/kvmu), KVMU_X86_IMAGES (prebuilt image folder, default
scripts/guest/x86-images), KVMU_X86_TIMEOUT (seconds per boot, default 900).
"""

import os
import subprocess
from pathlib import Path

import pexpect
import pytest


REPO = Path(__file__).resolve().parents[2]
TIMEOUT = float(os.environ.get("KVMU_X86_TIMEOUT", "900"))
RUN_INIT = "Run /init as init process"
# Workarounds for kvm_pvm (guest-notes): no XSAVE, and CPU features whose instructions the
# PVM emulator cannot execute in guest kernel mode hidden from the kernel.
PVM_ARGS = ("noxsave mitigations=off clearcpuid=308,288,298,145,158,306,590,534,151,59,141 "
            "vdso32=0")
BASE_ARGS = f"console=ttyS0 reboot=k panic=-1 {PVM_ARGS}"

pytestmark = pytest.mark.slow_kvm


@pytest.fixture(scope="module")
def only_when_selected():
    """Kept for the image fixtures' ordering; selection happens in conftest.py."""
    return True


@pytest.fixture(scope="module")
def x86_images(only_when_selected):
    given = os.environ.get("KVMU_X86_IMAGES")
    if given:
        return Path(given)
    script = REPO / "scripts" / "guest" / "x86-images"
    done = subprocess.run([str(script)], stdout=subprocess.PIPE, text=True, check=True)
    return Path(done.stdout.strip().splitlines()[-1])


def kvmu():
    path = Path(os.environ.get("KVMU", "build/kvmu"))
    return str(path if path.is_absolute() else REPO / path)


class Boot:
    def __init__(self, args):
        self.log = []
        self.child = pexpect.spawn(kvmu(), args, encoding="utf-8", codec_errors="replace",
                                   timeout=TIMEOUT)
        self.child.logfile_read = self

    def write(self, text):  # pexpect log sink
        self.log.append(text)

    def flush(self):
        pass

    def tail(self):
        return "".join(self.log)[-3000:]

    def expect(self, pattern, timeout=TIMEOUT):
        try:
            self.child.expect(pattern, timeout=timeout)
        except (pexpect.TIMEOUT, pexpect.EOF) as e:
            what = "timeout" if isinstance(e, pexpect.TIMEOUT) else "kvmu exited"
            raise AssertionError(f"{what} waiting for {pattern!r}; console:\n{self.tail()}")

    def exit_status(self):
        self.child.expect(pexpect.EOF, timeout=TIMEOUT)
        self.child.close()
        return self.child.exitstatus

    def close(self):
        if self.child.isalive():
            self.child.terminate(force=True)


@pytest.fixture
def boot():
    started = []

    def start(*args):
        b = Boot(["-M", "microvm", "-accel", "kvm", "-m", "256M", "-nographic", *args])
        started.append(b)
        return b

    yield start
    for b in started:
        b.close()


@pytest.mark.kvm_ci
def test_bzimage_initramfs(boot, x86_images):
    b = boot("-kernel", str(x86_images / "bzImage"), "-initrd",
             str(x86_images / "initramfs.cpio.gz"), "-append", BASE_ARGS)
    b.expect(r"Linux version 6\.1")
    b.expect(r"ACPI: .*APIC")  # our MADT was found and parsed
    b.expect("ACPI: PM: \\(supports S0 S5\\)")  # \_S5 from our DSDT
    b.expect("Switched to clocksource kvm-clock")
    b.expect("Unpacking initramfs|Trying to unpack rootfs")
    b.expect(r"ttyS0 at I/O 0x3f8 \(irq = 4")
    b.expect(RUN_INIT)


# The other boots use initramfs-tiny (one small /init): where kernel code is emulated, unpacking
# the busybox archive alone takes minutes.
def test_pvh_vmlinux(boot, x86_images):
    b = boot("-kernel", str(x86_images / "vmlinux"), "-initrd",
             str(x86_images / "initramfs-tiny.cpio.gz"), "-append", BASE_ARGS)
    b.expect(r"Linux version 6\.1")
    b.expect(RUN_INIT)


def test_ext4_root_on_virtio_mmio(boot, x86_images, tmp_path):
    disk = tmp_path / "disk.ext4"
    disk.write_bytes((x86_images / "disk.ext4").read_bytes())
    b = boot("-kernel", str(x86_images / "bzImage"), "-drive", f"file={disk},format=raw,if=virtio",
             "-append", f"{BASE_ARGS} root=/dev/vda rw init=/init")
    b.expect(r"virtio_blk virtio0: .*\[vda\]")
    b.expect(r"EXT4-fs \(vda\): mounted filesystem")
    b.expect(r"Mounted root \(ext4 filesystem\)")
    b.expect(RUN_INIT)


def test_two_cpus(boot, x86_images):
    # nopv: KVM's paravirtual IPIs are hypercalls, which kvm_pvm never completes.
    b = boot("-smp", "2", "-kernel", str(x86_images / "bzImage"), "-initrd",
             str(x86_images / "initramfs-tiny.cpio.gz"), "-append", f"{BASE_ARGS} nopv")
    b.expect("Total of 2 processors activated")
    b.expect(RUN_INIT)


def test_reset_with_no_reboot_exits_0(boot, x86_images):
    # No root file system: the kernel panics, panic=-1 reboots at once through the i8042
    # (reboot=k), and -no-reboot turns the reset into a clean exit.
    b = boot("-no-reboot", "-kernel", str(x86_images / "bzImage"), "-append",
             f"{BASE_ARGS} root=/dev/vdz")
    b.expect("Kernel panic")
    assert b.exit_status() == 0, b.tail()
