/* The PCI host bridge and the generic PCI function: configuration mechanism #1 and ECAM,
 * BAR sizing and placement, the capability list, INTx routing and MSI-X. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "devices/pci.h"
#include "devices/pci_host.h"

#define MMIO_BASE 0xc0000000ull
#define MMIO_SIZE 0x3ec00000ull
#define IO_BASE 0xc000
#define IO_SIZE 0x4000

struct fixture {
    struct pci_host *host;
    struct pci_device dev;
    bool line[4];
    unsigned msi_count;
    uint64_t msi_addr;
    uint32_t msi_data;
    uint8_t bar0[64];
    uint8_t cf9;
};

static void line_set(void *opaque, unsigned num, bool level)
{
    struct fixture *f = opaque;
    f->line[num] = level;
}

static void msi_send(void *opaque, uint64_t addr, uint32_t data)
{
    struct fixture *f = opaque;
    f->msi_count++;
    f->msi_addr = addr;
    f->msi_data = data;
}

static uint64_t bar0_read(void *opaque, uint64_t off, unsigned size)
{
    struct fixture *f = opaque;
    uint64_t v = 0;
    memcpy(&v, f->bar0 + off, size);
    return v;
}

static void bar0_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    struct fixture *f = opaque;
    memcpy(f->bar0 + off, &v, size);
}

static const struct mmio_ops bar0_ops = {
    .read = bar0_read, .write = bar0_write, .access_sizes = 1 | 2 | 4};

static uint64_t cf9_read(void *opaque, uint64_t off, unsigned size)
{
    return ((struct fixture *)opaque)->cf9;
}

static void cf9_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    ((struct fixture *)opaque)->cf9 = (uint8_t)v;
}

static const struct mmio_ops cf9_ops = {.read = cf9_read, .write = cf9_write, .access_sizes = 1};

static int setup(void **state)
{
    struct fixture *f = test_calloc(1, sizeof(*f));
    struct pci_host_config cfg = {
        .mmio_base = MMIO_BASE,
        .mmio_size = MMIO_SIZE,
        .io_base = IO_BASE,
        .io_size = IO_SIZE,
        .msi = {.send = msi_send, .opaque = f},
        .cf9_ops = &cf9_ops,
        .cf9_opaque = f,
    };
    for (unsigned i = 0; i < 4; i++)
        cfg.intx[i] = (struct irq_line){.set = line_set, .opaque = f, .num = i};
    assert_int_equal(pci_host_create(&cfg, &f->host), 0);
    const struct pci_id id = {.vendor = 0x1234,
                              .device = 0x5678,
                              .class_code = 0x010000,
                              .revision = 3,
                              .subsys_vendor = 0x1af4,
                              .subsys_id = 0x1100,
                              .intx = true};
    pci_device_init(&f->dev, "test-dev", &id);
    assert_int_equal(pci_device_add_bar(&f->dev, 0, PCI_BAR_MEM32, 64, &bar0_ops, f), 0);
    assert_int_equal(pci_device_add_bar(&f->dev, 2, PCI_BAR_IO, 32, &bar0_ops, f), 0);
    assert_int_equal(pci_device_init_msix(&f->dev, 3, 1), 0);
    assert_int_equal(pci_device_add_bar(&f->dev, 4, PCI_BAR_MEM64, 0x4000, &bar0_ops, f), 0);
    assert_int_equal(pci_host_plug(f->host, 3, &f->dev), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    pci_host_destroy(f->host);
    pci_device_destroy(&f->dev);
    test_free(f);
    return 0;
}

static uint32_t cfg_read(struct fixture *f, unsigned slot, unsigned reg, unsigned size)
{
    pci_host_cfg_addr_ops.write(f->host, 0, 0x80000000u | slot << 11 | (reg & 0xfc), 4);
    return (uint32_t)pci_host_cfg_data_ops.read(f->host, reg & 3, size);
}

static void cfg_write(struct fixture *f, unsigned slot, unsigned reg, unsigned size, uint32_t v)
{
    pci_host_cfg_addr_ops.write(f->host, 0, 0x80000000u | slot << 11 | (reg & 0xfc), 4);
    pci_host_cfg_data_ops.write(f->host, reg & 3, v, size);
}

static void test_config_mechanism_1(void **state)
{
    struct fixture *f = *state;
    /* The host bridge in slot 0, our function in slot 3, nothing elsewhere. */
    assert_int_equal(cfg_read(f, 0, 0, 4), 0x12378086);
    assert_int_equal(cfg_read(f, 0, 0x0a, 2), 0x0600);
    assert_int_equal(cfg_read(f, 3, 0, 4), 0x56781234);
    assert_int_equal(cfg_read(f, 3, 2, 2), 0x5678);
    assert_int_equal(cfg_read(f, 3, 8, 4), 0x01000003);
    assert_int_equal(cfg_read(f, 3, 0x2c, 4), 0x11001af4);
    assert_int_equal(cfg_read(f, 3, 0x3d, 1), 1); /* INTA# */
    assert_int_equal(cfg_read(f, 4, 0, 4), 0xffffffff);
    assert_int_equal(cfg_read(f, 4, 0, 2), 0xffff);
    /* Functions other than 0 and other buses are empty. */
    pci_host_cfg_addr_ops.write(f->host, 0, 0x80000000u | 3 << 11 | 1 << 8, 4);
    assert_int_equal(pci_host_cfg_data_ops.read(f->host, 0, 4), 0xffffffff);
    pci_host_cfg_addr_ops.write(f->host, 0, 0x80010000u | 3 << 11, 4);
    assert_int_equal(pci_host_cfg_data_ops.read(f->host, 0, 4), 0xffffffff);
    /* Address register reads back (reserved low bits clear); disabled cycles read ones. */
    pci_host_cfg_addr_ops.write(f->host, 0, 0x80001843, 4);
    assert_int_equal(pci_host_cfg_addr_ops.read(f->host, 0, 4), 0x80001840);
    pci_host_cfg_addr_ops.write(f->host, 0, 0x00001800, 4);
    assert_int_equal(pci_host_cfg_data_ops.read(f->host, 0, 4), 0xffffffff);
    /* Linux's probe writes a byte to 0xcfb: ignored. 0xcf9 is the reset register's. */
    pci_host_cfg_addr_ops.write(f->host, 0, 0x80000000u, 4);
    pci_host_cfg_addr_ops.write(f->host, 3, 1, 1);
    assert_int_equal(pci_host_cfg_addr_ops.read(f->host, 0, 4), 0x80000000u);
    pci_host_cfg_addr_ops.write(f->host, 1, 0x06, 1);
    assert_int_equal(f->cf9, 0x06);
    assert_int_equal(pci_host_cfg_addr_ops.read(f->host, 1, 1), 0x06);
    /* Read-only fields stay; writable ones take. */
    cfg_write(f, 3, 0, 4, 0);
    assert_int_equal(cfg_read(f, 3, 0, 4), 0x56781234);
    cfg_write(f, 3, 0x3c, 1, 11);
    assert_int_equal(cfg_read(f, 3, 0x3c, 1), 11);
    assert_int_equal(cfg_read(f, 3, 0x3d, 1), 1);
}

static void test_ecam(void **state)
{
    struct fixture *f = *state;
    uint64_t base = 3u << 15;
    assert_int_equal(pci_host_ecam_ops.read(f->host, base, 4), 0x56781234);
    assert_int_equal(pci_host_ecam_ops.read(f->host, base + 0x100, 4), 0); /* no ext caps */
    assert_int_equal(pci_host_ecam_ops.read(f->host, 5u << 15, 4), 0xffffffff);
    pci_host_ecam_ops.write(f->host, base + 0x3c, 9, 1);
    assert_int_equal(cfg_read(f, 3, 0x3c, 1), 9);
}

static void test_bar_sizing_and_placement(void **state)
{
    struct fixture *f = *state;
    /* Sizing: all-ones in, size mask and type bits out. */
    cfg_write(f, 3, 0x10, 4, 0xffffffff);
    assert_int_equal(cfg_read(f, 3, 0x10, 4), 0xffffffc0);
    cfg_write(f, 3, 0x18, 4, 0xffffffff);
    assert_int_equal(cfg_read(f, 3, 0x18, 4), 0xffffffe1);
    cfg_write(f, 3, 0x14, 4, 0xffffffff);
    assert_int_equal(cfg_read(f, 3, 0x14, 4), 0xfffff000); /* MSI-X BAR: 4 KiB */
    cfg_write(f, 3, 0x20, 4, 0xffffffff);
    cfg_write(f, 3, 0x24, 4, 0xffffffff);
    assert_int_equal(cfg_read(f, 3, 0x20, 4), 0xffffc004); /* 64-bit memory */
    assert_int_equal(cfg_read(f, 3, 0x24, 4), 0xffffffff);
    assert_int_equal(cfg_read(f, 3, 0x1c, 4), 0); /* unused */
    assert_int_equal(cfg_read(f, 3, 0x30, 4), 0); /* no ROM */

    /* Firmware placement: aligned, inside the windows, decoding on. */
    assert_int_equal(pci_host_assign_bars(f->host), 0);
    uint32_t cmd = cfg_read(f, 3, 4, 2);
    assert_int_equal(cmd & 3, 3);
    uint64_t b0, b2, b4;
    assert_true(pci_device_bar_mapping(&f->dev, 0, &b0));
    assert_true(pci_device_bar_mapping(&f->dev, 2, &b2));
    assert_true(pci_device_bar_mapping(&f->dev, 4, &b4));
    assert_true(b0 >= MMIO_BASE && b0 % 64 == 0 && b0 + 64 <= MMIO_BASE + MMIO_SIZE);
    assert_true(b4 >= MMIO_BASE && b4 % 0x4000 == 0);
    assert_true(b2 >= IO_BASE && b2 % 32 == 0 && b2 + 32 <= IO_BASE + IO_SIZE);
    assert_int_equal(cfg_read(f, 3, 0x10, 4), (uint32_t)b0);
    assert_int_equal(cfg_read(f, 3, 0x18, 4), (uint32_t)b2 | 1);

    /* The windows route accesses to the BAR's ops at BAR-relative offsets. */
    pci_host_mmio_ops.write(f->host, b0 - MMIO_BASE + 8, 0xdeadbeef, 4);
    assert_int_equal(f->bar0[8], 0xef);
    assert_int_equal(pci_host_mmio_ops.read(f->host, b0 - MMIO_BASE + 8, 4), 0xdeadbeef);
    assert_int_equal(pci_host_io_ops.read(f->host, b2 - IO_BASE + 8, 2), 0xbeef);
    /* Decoding off: the window reads all-ones. */
    cfg_write(f, 3, 4, 2, 0);
    assert_int_equal(pci_host_mmio_ops.read(f->host, b0 - MMIO_BASE + 8, 4), 0xffffffff);
    cfg_write(f, 3, 4, 2, 3);
    /* The guest moves BAR 0: the old place goes dark, the new one answers. */
    uint64_t moved = MMIO_BASE + 0x100000;
    cfg_write(f, 3, 0x10, 4, (uint32_t)moved);
    assert_int_equal(pci_host_mmio_ops.read(f->host, b0 - MMIO_BASE + 8, 4), 0xffffffff);
    assert_int_equal(pci_host_mmio_ops.read(f->host, moved - MMIO_BASE + 8, 4), 0xdeadbeef);
    /* Reset: BARs unassigned, then firmware places them again. */
    assert_int_equal(pci_host_reset(f->host), 0);
    assert_true(pci_device_bar_mapping(&f->dev, 0, &b0));
    assert_int_equal(cfg_read(f, 3, 0x20, 4) & 0xf, 4);
}

static void test_capability_list(void **state)
{
    struct fixture *f = *state;
    assert_true(cfg_read(f, 3, 6, 2) & PCI_STATUS_CAP_LIST);
    int extra = pci_device_add_cap(&f->dev, PCI_CAP_ID_VNDR, 20);
    assert_true(extra > 0x40);
    unsigned ptr = cfg_read(f, 3, 0x34, 1), n = 0, found_msix = 0, found_vndr = 0;
    while (ptr && n++ < 48) {
        assert_int_equal(ptr % 4, 0);
        assert_true(ptr >= 0x40);
        uint8_t id = (uint8_t)cfg_read(f, 3, ptr, 1);
        if (id == PCI_CAP_ID_MSIX) {
            found_msix = ptr;
            assert_int_equal(cfg_read(f, 3, ptr + 2, 2) & 0x7ff, 2); /* 3 vectors */
            assert_int_equal(cfg_read(f, 3, ptr + 4, 4), 1);         /* table: BAR 1 + 0 */
            assert_int_equal(cfg_read(f, 3, ptr + 8, 4), 0x801);     /* PBA: BAR 1 + 0x800 */
        }
        if (id == PCI_CAP_ID_VNDR)
            found_vndr = ptr;
        ptr = cfg_read(f, 3, ptr + 1, 1);
    }
    assert_true(found_msix);
    assert_int_equal(found_vndr, (unsigned)extra);
    /* The list ends and nothing is left over. */
    f->dev.cap_free = 0xf8;
    assert_int_equal(pci_device_add_cap(&f->dev, PCI_CAP_ID_VNDR, 16), -ENOSPC);
}

static void test_intx_routing(void **state)
{
    struct fixture *f = *state;
    /* Slot 3, INTA#: line (3 + 0) % 4. */
    assert_int_equal(pci_host_intx_line(3, 0), 3);
    assert_int_equal(pci_host_intx_line(5, 2), 3);
    pci_device_set_intx(&f->dev, true);
    assert_true(f->line[3]);
    assert_true(cfg_read(f, 3, 6, 2) & PCI_STATUS_INTERRUPT);
    /* INTx disable masks the line but not the status bit. */
    cfg_write(f, 3, 4, 2, PCI_COMMAND_INTX_DISABLE);
    assert_false(f->line[3]);
    assert_true(cfg_read(f, 3, 6, 2) & PCI_STATUS_INTERRUPT);
    cfg_write(f, 3, 4, 2, 0);
    assert_true(f->line[3]);
    pci_device_set_intx(&f->dev, false);
    assert_false(f->line[3]);
    assert_false(cfg_read(f, 3, 6, 2) & PCI_STATUS_INTERRUPT);
}

static void test_msix(void **state)
{
    struct fixture *f = *state;
    const struct mmio_ops *ops = f->dev.bars[1].ops;
    void *o = f->dev.bars[1].opaque;
    unsigned cap = f->dev.msix_cap;

    /* Not enabled: nothing is sent. */
    pci_device_msix_notify(&f->dev, 1);
    assert_int_equal(f->msi_count, 0);
    /* Vectors start masked; program vector 1 and enable. */
    assert_int_equal(ops->read(o, 16 + 12, 4), 1);
    ops->write(o, 16, 0xfee01000, 4);
    ops->write(o, 16 + 4, 0, 4);
    ops->write(o, 16 + 8, 0x4041, 4);
    cfg_write(f, 3, cap + 2, 2, PCI_MSIX_FLAGS_ENABLE);
    assert_true(pci_device_msix_enabled(&f->dev));
    /* Masked: pending in the PBA, delivered on unmask. */
    pci_device_msix_notify(&f->dev, 1);
    assert_int_equal(f->msi_count, 0);
    assert_int_equal(ops->read(o, 0x800, 4), 2);
    ops->write(o, 16 + 12, 0, 4);
    assert_int_equal(f->msi_count, 1);
    assert_int_equal(f->msi_addr, 0xfee01000);
    assert_int_equal(f->msi_data, 0x4041);
    assert_int_equal(ops->read(o, 0x800, 4), 0);
    /* Unmasked: sent at once. 64-bit table accesses work. */
    pci_device_msix_notify(&f->dev, 1);
    assert_int_equal(f->msi_count, 2);
    assert_int_equal(ops->read(o, 16, 8), 0xfee01000);
    /* Function mask holds everything back until cleared. */
    cfg_write(f, 3, cap + 2, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    pci_device_msix_notify(&f->dev, 1);
    assert_int_equal(f->msi_count, 2);
    cfg_write(f, 3, cap + 2, 2, PCI_MSIX_FLAGS_ENABLE);
    assert_int_equal(f->msi_count, 3);
    /* Vectors beyond the table are dropped; the table size field is read-only. */
    pci_device_msix_notify(&f->dev, 7);
    assert_int_equal(f->msi_count, 3);
    assert_int_equal(cfg_read(f, 3, cap + 2, 2), PCI_MSIX_FLAGS_ENABLE | 2);
    /* Reset: disabled, all masked. */
    pci_device_reset(&f->dev);
    assert_false(pci_device_msix_enabled(&f->dev));
    assert_int_equal(ops->read(o, 16 + 12, 4), 1);
}

static void test_bad_bars_and_slots(void **state)
{
    struct fixture *f = *state;
    struct pci_device d;
    const struct pci_id id = {.vendor = 1};
    pci_device_init(&d, "bad", &id);
    assert_int_equal(pci_device_add_bar(&d, 0, PCI_BAR_MEM32, 100, &bar0_ops, f), -EINVAL);
    assert_int_equal(pci_device_add_bar(&d, 5, PCI_BAR_MEM64, 4096, &bar0_ops, f), -EINVAL);
    assert_int_equal(pci_device_add_bar(&d, 6, PCI_BAR_IO, 16, &bar0_ops, f), -EINVAL);
    assert_int_equal(pci_device_add_bar(&d, 0, PCI_BAR_MEM32, 4096, &bar0_ops, f), 0);
    assert_int_equal(pci_device_add_bar(&d, 0, PCI_BAR_IO, 16, &bar0_ops, f), -EINVAL);
    assert_int_equal(pci_host_plug(f->host, 3, &d), -EBUSY);
    assert_int_equal(pci_host_plug(f->host, 0, &d), -EINVAL);
    assert_int_equal(pci_host_plug(f->host, 32, &d), -EINVAL);
    pci_device_destroy(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_config_mechanism_1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ecam, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bar_sizing_and_placement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capability_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_intx_routing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_bars_and_slots, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
