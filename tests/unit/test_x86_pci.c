/* The pc board's PCI pieces that need no KVM: the host bridge's ports and windows in the
 * address maps, and the DSDT's \_SB.PCI0 (checked here for structure; with KVMU_ACPI_DUMP=DIR
 * the whole DSDT is written to DIR/dsdt.dat for `iasl -d`, see tests/system). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/vm.h"
#include "cpu/x86/x86_cpu.h"
#include "devices/acpi_pm.h"
#include "machines/x86/x86_pci.h"
#include "machines/x86/x86_tables.h"

static uint8_t reset_written;

static void reset_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    reset_written = (uint8_t)v;
}

static const struct mmio_ops reset_ops = {.write = reset_write, .access_sizes = 1};

static const uint8_t *find(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (!memcmp(hay + i, needle, m))
            return hay + i;
    return NULL;
}

static void test_ports_windows_and_aml(void **state)
{
    struct vm vm;
    memset(&vm, 0, sizeof(vm));
    addr_map_init(&vm.pio, "pio");
    addr_map_init(&vm.mmio, "mmio");
    struct x86_pci *p;
    assert_int_equal(x86_pci_create(&vm, &reset_ops, NULL, &p), 0);
    assert_int_equal(x86_pci_add_disks(p, NULL, 0), 0);

    /* The host bridge answers at 0xcf8/0xcfc; 0xcf9 is the reset register. */
    assert_true(addr_map_write(&vm.pio, 0xcf8, 4, 0x80000000));
    uint64_t v;
    assert_true(addr_map_read(&vm.pio, 0xcfc, 4, &v));
    assert_int_equal(v, 0x12378086);
    assert_true(addr_map_write(&vm.pio, 0xcf9, 1, 6));
    assert_int_equal(reset_written, 6);
    assert_non_null(addr_map_find(&vm.mmio, X86_PCI_MMIO_BASE));
    assert_non_null(addr_map_find(&vm.mmio, X86_PCI_MMIO_END - 1));
    assert_null(addr_map_find(&vm.mmio, X86_PCI_MMIO_END));
    assert_non_null(addr_map_find(&vm.pio, 0xc000));

    size_t len;
    const uint8_t *aml = x86_pci_dsdt_aml(p, &len);
    assert_true(len > 100);
    assert_int_equal(aml[0], 0x10); /* ScopeOp */
    assert_non_null(find(aml, len, "\\_SB_", 5));
    assert_non_null(find(aml, len, "\x5b\x82", 2)); /* DeviceOp */
    assert_non_null(find(aml, len, "PCI0", 4));
    assert_non_null(find(aml, len, "_HID\x0c\x41\xd0\x0a\x03", 9)); /* PNP0A03 */
    assert_non_null(find(aml, len, "_CRS", 4));
    assert_non_null(find(aml, len, "_PRT", 4));
    /* Slot 1 INTA# -> GSI 17: Package (4) { 0x0001FFFF, Zero, Zero, 17 } */
    assert_non_null(find(aml, len, "\x04\x0c\xff\xff\x01\x00\x00\x00\x0a\x11", 10));

    /* The whole DSDT, as the board writes it. */
    struct x86_cpus cpus;
    memset(&cpus, 0, sizeof(cpus));
    assert_int_equal(x86_cpus_configure(&cpus, NULL, 2, 0, 0, 0), 0);
    struct x86_tables_info ti = {.cpus = &cpus,
                                 .acpi_pm_port = 0x600,
                                 .acpi_reset_port = 0xcf9,
                                 .sci_irq = X86_SCI_IRQ,
                                 .dsdt_aml = aml,
                                 .dsdt_aml_len = len};
    static uint8_t buf[65536];
    int n = x86_acpi_build(buf, sizeof(buf), 0xe0000, &ti);
    assert_true(n > 0);
    const uint8_t *dsdt = find(buf, (size_t)n, "DSDT", 4);
    assert_non_null(dsdt);
    uint32_t dlen = dsdt[4] | dsdt[5] << 8 | dsdt[6] << 16 | (uint32_t)dsdt[7] << 24;
    assert_int_equal(x86_table_sum(dsdt, dlen), 0);
    assert_non_null(find(dsdt, dlen, aml, len));
    const char *dir = getenv("KVMU_ACPI_DUMP");
    if (dir) {
        char path[512];
        snprintf(path, sizeof(path), "%s/dsdt.dat", dir);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(dsdt, 1, dlen, f), dlen);
        fclose(f);
    }
    x86_pci_destroy(p);
    addr_map_destroy(&vm.pio);
    addr_map_destroy(&vm.mmio);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ports_windows_and_aml),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
