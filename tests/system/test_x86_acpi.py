"""The x86 board's ACPI tables disassemble with ACPICA's iasl without errors or warnings.

The tables come from the unit test binary build/unit/test_x86_tables, which writes them out
when KVMU_ACPI_DUMP names a folder (the same builder the board uses, for a 4-CPU machine).
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DUMPER = REPO / "build" / "unit" / "test_x86_tables"


@pytest.mark.skipif(shutil.which("iasl") is None, reason="iasl missing (apt-get install acpica-tools)")
def test_acpi_tables_disassemble(tmp_path):
    if not DUMPER.is_file():
        pytest.fail(f"{DUMPER} not built (make unit)")
    env = dict(os.environ, KVMU_ACPI_DUMP=str(tmp_path))
    subprocess.run([str(DUMPER)], env=env, check=True, stdout=subprocess.DEVNULL)
    tables = sorted(tmp_path.glob("*.dat"))
    assert {t.stem for t in tables} == {"apic", "dsdt", "facp", "rsdt", "xsdt"}
    for table in tables:
        done = subprocess.run(["iasl", "-d", str(table)], cwd=tmp_path, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert done.returncode == 0, done.stdout
        dsl = table.with_suffix(".dsl").read_text()
        for text in (done.stdout, dsl):
            for bad in ("Error", "Warning", "**** "):
                assert bad not in text, f"{table.name}: iasl reports a problem:\n{text}"
    dsdt = (tmp_path / "dsdt.dsl").read_text()
    assert "_S5" in dsdt
    # The ISA devices, so a guest's ACPI PNP layer binds COM1 with IRQ 4 (as on QEMU's boards).
    com1 = dsdt[dsdt.index("Device (COM1)"):dsdt.index("Device (KBD)")]
    assert 'EisaId ("PNP0501")' in com1 and "0x03F8" in com1 and "{4}" in com1, com1
    assert 'EisaId ("PNP0303")' in dsdt and 'EisaId ("PNP0B00")' in dsdt
    madt = (tmp_path / "apic.dsl").read_text()
    assert madt.count("Processor Local APIC") == 4
