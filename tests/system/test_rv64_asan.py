"""Linux on the ASan/UBSan build of kvmu: a boot with a virtio-mmio and a virtio-pci disk, some
disk I/O and a power-off must produce no sanitizer report (device models, PCI host, virtqueue,
CPU, teardown)."""
import hashlib
import os

import pytest

from conftest import REPO, Guest, emulator_is_qemu

ASAN_KVMU = REPO / "build" / "asan" / "kvmu"


@pytest.mark.skipif(emulator_is_qemu(), reason="checks kvmu's sanitizer build only")
def test_linux_under_sanitizers(images, disk_copy, accel, tmp_path):
    data = os.urandom(1 << 20)
    pci_disk = tmp_path / "pci.raw"
    pci_disk.write_bytes(data)
    if not ASAN_KVMU.is_file():
        pytest.fail(f"{ASAN_KVMU} is missing: `make asan` builds it")
    os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    guest = Guest([str(ASAN_KVMU), "-M", "virt", "-accel", accel, "-m", "256M", "-smp", "2",
                   "-nographic", "-kernel", str(images / "Image"),
                   "-drive", f"file={disk_copy},format=raw,if=virtio",
                   "-drive", f"file={pci_disk},format=raw,if=none,id=p0",
                   "-device", "virtio-blk-pci,drive=p0",
                   "-append", "console=ttyS0 root=/dev/vda rw init=/init"])
    try:
        guest.wait_ready()
        out = guest.check("dd if=/dev/zero of=/big bs=64k count=64 && sync && "
                        "md5sum /big && rm /big && sync", timeout=120)
        assert "b5cfa9d6c8febd618f91ac2843d50a1c" in out  # md5 of 4 MiB of zeros
        # The PCI disk probes after the virtio-mmio root disk, as on QEMU: vdb.
        out = guest.check("dd if=/dev/vdb bs=64k 2>/dev/null | md5sum")
        assert hashlib.md5(data).hexdigest() in out, out
        guest.send("poweroff -f")
        status = guest.wait_exit(timeout=120)
        log = guest.console_tail()
        assert "AddressSanitizer" not in log and "runtime error:" not in log, log
        assert status == 0
    finally:
        guest.kill()
