"""The virt board's PCI host (ECAM, as QEMU's gpex) with virtio-blk-pci disks, seen from Linux:
busybox lspci, data through the disk, INTx on the PLIC, and a virtio-pci disk next to a
virtio-mmio one. Runs under each kvmu accel and under QEMU alike. (Writes, persistence across a
reboot and a new run, and readonly=on run over both transports in test_rv64_boot.py.)"""

import hashlib
import os
import re

from conftest import virtio_disk

def md5_head(path, size):
    with open(path, "rb") as f:
        return hashlib.md5(f.read(size)).hexdigest()


def test_lspci_and_raw_reads(launcher, disk_copy):
    guest = launcher.start(drives=[virtio_disk(disk_copy, "pci")])
    guest.expect(r"pci-host-generic 30000000\.pci: ECAM at \[mem 0x30000000-")
    guest.wait_ready()
    output = guest.check("lspci")
    # busybox: "<slot> Class <class>: <vendor>:<device>"
    assert re.search(r"^00:00\.0 Class 0600: 1b36:0008", output, re.M), output
    assert re.search(r"^00:01\.0 Class 0100: 1af4:1042", output, re.M), output
    assert len(re.findall(r"^00:", output, re.M)) == 2, output

    # The whole path: BARs the kernel placed, the virtqueues, the data.
    output = guest.check("dd if=/dev/vda bs=1M count=8 2>/dev/null | md5sum")
    assert md5_head(disk_copy, 8 << 20) in output, output
    # Completions arrive as INTx on a PLIC source of the host (32-35), shared with nobody.
    output = guest.check("grep virtio /proc/interrupts")
    match = re.search(r"^\s*\d+:\s+(\d+)\s+.*PLIC\s+(\d+)\s.*virtio", output, re.M)
    assert match, output
    assert int(match.group(1)) > 0 and 32 <= int(match.group(2)) <= 35, output
    guest.send("poweroff -f")
    assert guest.wait_exit() == 0


def test_pci_and_mmio_disks_side_by_side(launcher, disk_copy, tmp_path):
    """One disk on each transport of the board, each with its own data."""
    other = tmp_path / "random.raw"
    other.write_bytes(os.urandom(4 << 20))
    mmio = virtio_disk(other, "device", drive_id="md0")
    guest = launcher.start(drives=[virtio_disk(disk_copy, "pci"), mmio])
    guest.wait_ready()
    sums = {md5_head(disk_copy, 4 << 20): "pci", md5_head(other, 4 << 20): "mmio"}
    seen = {}
    for dev in ("vda", "vdb"):
        output = guest.check(f"dd if=/dev/{dev} bs=1M count=4 2>/dev/null | md5sum")
        digest = output.split()[0]
        assert digest in sums, output
        # The disk's parent device tells its transport: a PCI function or a platform device.
        path = guest.check(f"readlink -f /sys/block/{dev}/device").strip()
        seen[sums[digest]] = path
    assert set(seen) == {"pci", "mmio"}, seen
    assert "/pci0000:00/0000:00:01.0/" in seen["pci"], seen
    # (kvmu fills the slots from 0x10001000 up; QEMU from 0x10008000 down.)
    assert re.search(r"/1000[1-8]000\.virtio_mmio/", seen["mmio"]), seen
    guest.send("poweroff -f")
    assert guest.wait_exit() == 0
