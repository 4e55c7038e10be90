"""Shared fixtures for the system tests: the emulator under test, the guest
images and a small pexpect wrapper that boots a guest and talks to its shell.

Environment:
  KVMU          binary under test (default: build/kvmu in the repo). A name
                without a slash is looked up in PATH. A binary whose name
                starts with "qemu-system" is treated as real QEMU: no -accel,
                and kvmu-only variants are skipped.
  KVMU_ACCELS   comma-separated accelerators to test (default: interp,jit)
  KVMU_IMAGES   folder with prebuilt images (default: scripts/guest/rv64-images)
  KVMU_TIMEOUT  seconds allowed for each boot / command (default: 60)
"""

import hashlib
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pexpect
import pytest

REPO = Path(__file__).resolve().parents[2]
ACCELS = [a for a in os.environ.get("KVMU_ACCELS", "interp,jit").split(",") if a]
TIMEOUT = float(os.environ.get("KVMU_TIMEOUT", "60"))
CONSOLE_TAIL = 3000  # characters of console output shown on failure
READY = "GUEST-READY"
# kvmu's default firmware; QEMU gets it explicitly so both run the same binary.
OPENSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"


def emulator_path():
    value = os.environ.get("KVMU", "build/kvmu")
    if "/" not in value:
        found = shutil.which(value)
        return Path(found) if found else Path(value)
    path = Path(value)
    return path if path.is_absolute() else REPO / path


def emulator_is_qemu():
    return emulator_path().name.startswith("qemu-system")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow_kvm: Linux boots under KVM taking minutes here; run with -m slow_kvm")
    config.addinivalue_line(
        "markers", "kvm_ci: a slow_kvm boot that make test runs by default (one per board)")


def slow_kvm_selected(config):
    """All Linux-on-KVM boots run with `-m slow_kvm` or KVMU_SLOW_KVM=1."""
    if "slow_kvm" in (config.getoption("markexpr") or ""):
        return True
    return os.environ.get("KVMU_SLOW_KVM", "") not in ("", "0")


def pytest_runtest_setup(item):
    """Linux-on-KVM boots take minutes each where guest kernel code is emulated (kvm_pvm), so
    `make test` runs the few marked kvm_ci (one boot per board) and the rest when selected.
    KVMU_SLOW_KVM=0 leaves out even those. Without a usable /dev/kvm they all skip."""
    if item.get_closest_marker("slow_kvm") is None:
        return
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        pytest.skip("no usable /dev/kvm")
    if os.environ.get("KVMU_SLOW_KVM") == "0":
        pytest.skip("KVMU_SLOW_KVM=0: Linux-on-KVM boots left out")
    if item.get_closest_marker("kvm_ci") is None and not slow_kvm_selected(item.config):
        pytest.skip("slow KVM boot: select with -m slow_kvm or KVMU_SLOW_KVM=1")


def pytest_generate_tests(metafunc):
    # One matrix over the accelerators; QEMU has its own (TCG), run once.
    if "accel" in metafunc.fixturenames:
        accels = [None] if emulator_is_qemu() else ACCELS
        metafunc.parametrize("accel", accels, ids=[a or "qemu" for a in accels])


@pytest.fixture(scope="session")
def emulator():
    path = emulator_path()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"emulator not found: {path} (build kvmu or set KVMU=...)")
    return path


@pytest.fixture(scope="session")
def is_qemu():
    return emulator_is_qemu()


@pytest.fixture(scope="session")
def images():
    """Folder with Image, initramfs*.cpio.gz and disk.ext4 (built once)."""
    given = os.environ.get("KVMU_IMAGES")
    if given:
        folder = Path(given)
    else:
        script = REPO / "scripts" / "guest" / "rv64-images"
        done = subprocess.run([str(script)], stdout=subprocess.PIPE, text=True, check=True)
        folder = Path(done.stdout.strip().splitlines()[-1])
    for name in ("Image", "initramfs.cpio.gz", "initramfs-poweroff.cpio.gz", "disk.ext4"):
        if not (folder / name).is_file():
            pytest.fail(f"guest image missing: {folder / name}")
    return folder


@pytest.fixture
def disk_copy(images, tmp_path):
    """A private, writable copy of disk.ext4."""
    copy = tmp_path / "disk.ext4"
    shutil.copyfile(images / "disk.ext4", copy)
    return copy


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Guest:
    """One emulator process with its serial console on a pty."""

    def __init__(self, argv):
        self.argv = argv
        self.log = io.StringIO()
        self.child = pexpect.spawn(
            argv[0],
            argv[1:],
            encoding="utf-8",
            codec_errors="replace",
            timeout=TIMEOUT,
            dimensions=(50, 200),
        )
        self.child.logfile_read = self.log
        self.exitstatus = None

    def console_tail(self):
        return self.log.getvalue()[-CONSOLE_TAIL:]

    def expect(self, pattern, timeout=TIMEOUT):
        """Waits for a regex in the console output; returns the match."""
        try:
            self.child.expect(pattern, timeout=timeout)
        except (pexpect.TIMEOUT, pexpect.EOF) as e:
            what = "timeout" if isinstance(e, pexpect.TIMEOUT) else "emulator exited"
            raise AssertionError(f"{what} while waiting for {pattern!r}") from None
        return self.child.match

    def wait_ready(self):
        self.expect(READY)
        # Let the shell print its prompt before typing.
        self.expect(r"[#$] ")

    def run(self, command, timeout=TIMEOUT):
        """Runs a shell command; returns (exit status, output)."""
        marker = "@@KVMU-RC="
        # The echoed command line shows '$?', the real output a number, so the
        # regex below only matches the command's own output.
        self.child.sendline(f'{command}; echo "{marker}$?@@"')
        match = self.expect(re.escape(marker) + r"(\d+)@@", timeout)
        before = self.child.before
        # Drop the echoed command line.
        output = before.split("\n", 1)[1] if "\n" in before else ""
        self.expect(r"[#$] ")
        return int(match.group(1)), output.replace("\r", "")

    def check(self, command, timeout=TIMEOUT):
        status, output = self.run(command, timeout)
        assert status == 0, f"guest command failed ({status}): {command}\n{output}"
        return output

    def send(self, text):
        self.child.sendline(text)

    def wait_exit(self, timeout=TIMEOUT):
        """Waits for the emulator to exit; returns its exit status."""
        try:
            self.child.expect(pexpect.EOF, timeout=timeout)
        except pexpect.TIMEOUT:
            raise AssertionError("emulator did not exit") from None
        self.child.close()
        if self.child.signalstatus is not None:
            raise AssertionError(f"emulator killed by signal {self.child.signalstatus}")
        self.exitstatus = self.child.exitstatus
        return self.exitstatus

    def kill(self):
        if self.child.isalive():
            self.child.terminate(force=True)


class Launcher:
    """Builds emulator command lines and owns every process it starts."""

    def __init__(self, emulator, is_qemu, accel, images):
        self.emulator = emulator
        self.is_qemu = is_qemu
        self.accel = accel
        self.images = images
        self.guests = []

    def argv(self, *, initrd="initramfs.cpio.gz", append="console=ttyS0", smp=1,
             memory="256M", machine="virt", no_reboot=True, drives=(), extra=(),
             program=None):
        argv = [str(program or self.emulator)]
        if machine:
            argv += ["-M", machine]
        if self.accel and not self.is_qemu:
            argv += ["-accel", self.accel]
        if self.is_qemu:
            argv += ["-bios", OPENSBI]
        argv += ["-m", memory, "-smp", str(smp), "-nographic",
                 "-kernel", str(self.images / "Image")]
        if initrd:
            argv += ["-initrd", str(self.images / initrd)]
        argv += ["-append", append]
        if no_reboot:
            argv.append("-no-reboot")
        for drive in drives:
            argv += drive
        argv += list(extra)
        return argv

    def start(self, **kwargs):
        guest = Guest(self.argv(**kwargs))
        self.guests.append(guest)
        return guest


def virtio_disk(path, style="device", readonly=False, drive_id="hd0"):
    """Command-line words attaching a raw disk as a virtio block device.

    style "device": -drive if=none + -device virtio-blk-device (virtio-mmio; kvmu and QEMU)
    style "if":     -drive if=virtio (virtio-mmio on kvmu, PCI on QEMU)
    style "pci":    -drive if=none + -device virtio-blk-pci (modern only, as kvmu's; QEMU's
                    default on a root bus is transitional, hence disable-legacy=on)
    """
    ro = ",readonly=on" if readonly else ""
    if style == "if":
        return ["-drive", f"file={path},format=raw,if=virtio{ro}"]
    device = {"device": "virtio-blk-device",
              "pci": "virtio-blk-pci,disable-legacy=on"}[style]
    return ["-drive", f"file={path},format=raw,if=none,id={drive_id}{ro}",
            "-device", f"{device},drive={drive_id}"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    launcher = getattr(item, "_kvmu_launcher", None)
    if report.failed and launcher is not None:
        for n, guest in enumerate(launcher.guests):
            report.sections.append(
                (f"console of run {n} (last {CONSOLE_TAIL} chars)",
                 " ".join(guest.argv) + "\n" + guest.console_tail()))


@pytest.fixture
def launcher(request, emulator, is_qemu, accel, images):
    """Starts guests for one test; kills any still running at the end."""
    launch = Launcher(emulator, is_qemu, accel, images)
    request.node._kvmu_launcher = launch
    try:
        yield launch
    finally:
        for guest in launch.guests:
            guest.kill()
