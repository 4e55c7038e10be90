"""Linux on the ASan/UBSan build of kvmu: a boot with a virtio disk, some disk I/O and a
power-off must produce no sanitizer report (device models, virtqueue, CPU, teardown)."""
import os

import pytest

from conftest import REPO, Guest, emulator_is_qemu

ASAN_KVMU = REPO / "build" / "asan" / "kvmu"


@pytest.mark.skipif(emulator_is_qemu(), reason="checks kvmu's sanitizer build only")
def test_linux_under_sanitizers(images, disk_copy, accel):
    if not ASAN_KVMU.is_file():
        pytest.fail(f"{ASAN_KVMU} is missing: `make asan` builds it")
    os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    guest = Guest([str(ASAN_KVMU), "-M", "virt", "-accel", accel, "-m", "256M", "-smp", "2",
                   "-nographic", "-kernel", str(images / "Image"),
                   "-drive", f"file={disk_copy},format=raw,if=virtio",
                   "-append", "console=ttyS0 root=/dev/vda rw init=/init"])
    try:
        guest.wait_ready()
        out = guest.check("dd if=/dev/zero of=/big bs=64k count=64 && sync && "
                        "md5sum /big && rm /big && sync", timeout=120)
        assert "b5cfa9d6c8febd618f91ac2843d50a1c" in out  # md5 of 4 MiB of zeros
        guest.send("poweroff -f")
        status = guest.wait_exit(timeout=120)
        log = guest.console_tail()
        assert "AddressSanitizer" not in log and "runtime error:" not in log, log
        assert status == 0
    finally:
        guest.kill()
