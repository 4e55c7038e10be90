"""RISC-V virt board: firmware, Linux boot, SMP, block devices, power control."""

import re
import uuid

import pytest

from conftest import sha256_of, virtio_disk

EXT4_ROOT = "console=ttyS0 root=/dev/vda rw init=/init"


def test_opensbi_banner(launcher):
    guest = launcher.start(initrd="initramfs-poweroff.cpio.gz")
    guest.expect(r"OpenSBI v\d+\.\d+")
    guest.expect(r"Platform Name\s*:")
    guest.expect(r"Boot HART Base ISA\s*: rv64")
    assert guest.wait_exit() == 0


def test_initramfs_shell(launcher):
    guest = launcher.start()
    guest.expect(r"Linux version \d+\.\d+")
    guest.wait_ready()
    guest.send("echo $((6*7))")
    guest.expect(r"\n42\r*\n")
    guest.send("poweroff -f")
    assert guest.wait_exit() == 0


def test_poweroff_from_init_exits_zero(launcher):
    guest = launcher.start(initrd="initramfs-poweroff.cpio.gz")
    guest.expect("GUEST-READY")
    guest.expect(r"Linux rv64guest \d+\.\d+\S* .*riscv64")
    assert guest.wait_exit() == 0


def test_reboot_with_no_reboot_exits_zero(launcher):
    guest = launcher.start(no_reboot=True)
    guest.wait_ready()
    guest.send("reboot -f")
    assert guest.wait_exit() == 0


def test_machine_autodetected_from_image(launcher, is_qemu):
    if is_qemu:
        pytest.skip("QEMU needs -M for riscv64")
    guest = launcher.start(machine=None, initrd="initramfs-poweroff.cpio.gz")
    guest.expect("GUEST-READY")
    assert guest.wait_exit() == 0


def test_invoked_as_qemu_system_riscv64(launcher, is_qemu, emulator, tmp_path):
    if is_qemu:
        pytest.skip("checks kvmu's behaviour under QEMU's program name")
    alias = tmp_path / "qemu-system-riscv64"
    alias.symlink_to(emulator)
    guest = launcher.start(program=alias, machine=None, initrd="initramfs-poweroff.cpio.gz")
    guest.expect("GUEST-READY")
    assert guest.wait_exit() == 0


@pytest.mark.parametrize("memory,mib", [("128M", 128), ("1G", 1024)])
def test_memory_size_seen_by_linux(launcher, memory, mib):
    guest = launcher.start(memory=memory)
    guest.wait_ready()
    output = guest.check("grep MemTotal /proc/meminfo")
    total_kib = int(re.search(r"MemTotal:\s+(\d+) kB", output).group(1))
    # The firmware and the kernel image keep a few MiB for themselves.
    assert (mib - 48) * 1024 <= total_kib <= mib * 1024, output
    guest.send("poweroff -f")
    assert guest.wait_exit() == 0


@pytest.mark.parametrize("smp", [2, 4])
def test_smp_cpuinfo_lists_all_harts(launcher, smp):
    guest = launcher.start(smp=smp)
    guest.wait_ready()
    output = guest.check("echo CPUS=$(grep -c ^processor /proc/cpuinfo)")
    assert re.search(rf"CPUS={smp}\b", output), output
    output = guest.check("echo ONLINE=$(cat /sys/devices/system/cpu/online)")
    expected = f"0-{smp - 1}"
    assert f"ONLINE={expected}" in output, output
    guest.send("poweroff -f")
    assert guest.wait_exit() == 0


@pytest.mark.parametrize("style", ["device", "if"])
def test_ext4_root_on_vda(launcher, is_qemu, disk_copy, style):
    if is_qemu and style == "if":
        pytest.skip("on QEMU's virt, if=virtio is virtio-pci")
    guest = launcher.start(initrd=None, append=EXT4_ROOT,
                           drives=[virtio_disk(disk_copy, style)])
    guest.expect(r"virtio_blk virtio\d+: \[vda\]")
    guest.wait_ready()
    output = guest.check("grep ' / ' /proc/mounts")
    assert re.search(r"^/dev/root / ext4 rw", output, re.M) or \
        re.search(r"^/dev/vda / ext4 rw", output, re.M), output
    guest.send("echo $((6*7))")
    guest.expect(r"\n42\r*\n")
    guest.send("poweroff -f")
    assert guest.wait_exit() == 0


# Each disk test over both transports of the board: virtio-mmio and virtio-pci (the PCI host and
# its functions reset with the machine; Linux probes them again after a reboot).
TRANSPORTS = pytest.mark.parametrize("style", ["device", "pci"], ids=["mmio", "pci"])


@TRANSPORTS
def test_disk_write_survives_reboot_in_process(launcher, disk_copy, style):
    token = uuid.uuid4().hex
    guest = launcher.start(initrd=None, append=EXT4_ROOT, no_reboot=False,
                           drives=[virtio_disk(disk_copy, style)])
    guest.wait_ready()
    guest.check(f"echo {token} > /persist.txt && sync")
    guest.send("reboot -f")
    # The same process boots the machine again from the firmware.
    guest.expect(r"OpenSBI v\d+\.\d+")
    guest.wait_ready()
    output = guest.check("cat /persist.txt")
    assert token in output
    guest.send("poweroff -f")
    assert guest.wait_exit() == 0


@TRANSPORTS
def test_disk_write_survives_poweroff_and_new_run(launcher, disk_copy, style):
    token = uuid.uuid4().hex
    first = launcher.start(initrd=None, append=EXT4_ROOT, drives=[virtio_disk(disk_copy, style)])
    first.wait_ready()
    first.check(f"echo {token} > /persist.txt && sync")
    first.send("poweroff -f")
    assert first.wait_exit() == 0
    # On the image itself, not only in what the next guest reads.
    assert token.encode() in disk_copy.read_bytes()

    second = launcher.start(initrd=None, append=EXT4_ROOT, drives=[virtio_disk(disk_copy, style)])
    second.wait_ready()
    assert token in second.check("cat /persist.txt")
    second.send("poweroff -f")
    assert second.wait_exit() == 0


@TRANSPORTS
def test_readonly_drive_keeps_image_unchanged(launcher, disk_copy, style):
    before = sha256_of(disk_copy)
    guest = launcher.start(initrd=None, append=EXT4_ROOT,
                           drives=[virtio_disk(disk_copy, style, readonly=True)])
    guest.wait_ready()
    # The kernel sees a read-only disk, so the root is mounted read-only.
    output = guest.check("grep ' / ' /proc/mounts")
    assert re.search(r" / ext4 ro[ ,]", output), output
    status, _ = guest.run("echo hello > /written.txt && sync")
    assert status != 0
    # Bypass the file system: raw writes to the device must fail as well.
    status, _ = guest.run("dd if=/dev/zero of=/dev/vda bs=4096 count=16 conv=fsync")
    assert status != 0
    guest.check("echo STILL-ALIVE")
    guest.send("poweroff -f")
    assert guest.wait_exit() == 0
    assert sha256_of(disk_copy) == before
