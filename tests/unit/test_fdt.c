/* The virt board's device tree: what Linux and OpenSBI read from it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "machines/riscv/virt.h"

static uint8_t fdt_buf[64 << 10];

static const void *prop(const void *fdt, const char *path, const char *name, int *len)
{
    int node = fdt_path_offset(fdt, path);
    assert_true(node >= 0);
    const void *p = fdt_getprop(fdt, node, name, len);
    assert_non_null(p);
    return p;
}

static uint64_t prop_u64_at(const void *p, int index)
{
    fdt64_t v;
    memcpy(&v, (const char *)p + index * 8, 8);
    return fdt64_to_cpu(v);
}

static uint32_t prop_u32_at(const void *p, int index)
{
    fdt32_t v;
    memcpy(&v, (const char *)p + index * 4, 4);
    return fdt32_to_cpu(v);
}

static void build(const struct virt_fdt_info *info)
{
    int size = virt_fdt_build(info, fdt_buf, sizeof(fdt_buf));
    assert_true(size > 0);
    assert_int_equal(fdt_check_header(fdt_buf), 0);
    assert_int_equal(fdt_totalsize(fdt_buf), size);
}

static void test_memory_and_chosen(void **state)
{
    (void)state;
    struct virt_fdt_info info = {.nharts = 1,
                                 .ram_size = 256ull << 20,
                                 .bootargs = "console=ttyS0 root=/dev/vda",
                                 .initrd_start = 0x88000000,
                                 .initrd_end = 0x88123456};
    build(&info);
    int len;
    const void *reg = prop(fdt_buf, "/memory@80000000", "reg", &len);
    assert_int_equal(len, 16);
    assert_int_equal(prop_u64_at(reg, 0), 0x80000000ull);
    assert_int_equal(prop_u64_at(reg, 1), 256ull << 20);
    assert_string_equal(prop(fdt_buf, "/chosen", "bootargs", &len), "console=ttyS0 root=/dev/vda");
    assert_string_equal(prop(fdt_buf, "/chosen", "stdout-path", &len), "/soc/serial@10000000");
    assert_int_equal(prop_u64_at(prop(fdt_buf, "/chosen", "linux,initrd-start", &len), 0),
                     0x88000000ull);
    assert_int_equal(prop_u64_at(prop(fdt_buf, "/chosen", "linux,initrd-end", &len), 0),
                     0x88123456ull);
}

static void test_no_initrd(void **state)
{
    (void)state;
    struct virt_fdt_info info = {.nharts = 1, .ram_size = 128ull << 20};
    build(&info);
    int node = fdt_path_offset(fdt_buf, "/chosen");
    assert_true(node >= 0);
    assert_null(fdt_getprop(fdt_buf, node, "linux,initrd-start", NULL));
    int len;
    assert_string_equal(prop(fdt_buf, "/chosen", "bootargs", &len), "");
}

static void test_cpus_and_interrupt_wiring(void **state)
{
    (void)state;
    struct virt_fdt_info info = {.nharts = 4, .ram_size = 128ull << 20};
    build(&info);
    int len;
    assert_int_equal(prop_u32_at(prop(fdt_buf, "/cpus", "timebase-frequency", &len), 0), 10000000);
    for (unsigned i = 0; i < 4; i++) {
        char path[32];
        snprintf(path, sizeof(path), "/cpus/cpu@%u", i);
        assert_int_equal(prop_u32_at(prop(fdt_buf, path, "reg", &len), 0), i);
        const char *isa = prop(fdt_buf, path, "riscv,isa", &len);
        assert_true(!strncmp(isa, "rv64imafdc", 10));
        assert_string_equal(prop(fdt_buf, path, "mmu-type", &len), "riscv,sv48");
    }
    assert_true(fdt_path_offset(fdt_buf, "/cpus/cpu@4") < 0);

    /* CLINT: per hart (intc, 3 = MSI) (intc, 7 = MTI); PLIC: (intc, 11 = MEI) (intc, 9 = SEI). */
    const void *clint = prop(fdt_buf, "/soc/clint@2000000", "interrupts-extended", &len);
    assert_int_equal(len, 4 * 4 * 4);
    const void *plic = prop(fdt_buf, "/soc/plic@c000000", "interrupts-extended", &len);
    assert_int_equal(len, 4 * 4 * 4);
    for (unsigned i = 0; i < 4; i++) {
        char path[48];
        snprintf(path, sizeof(path), "/cpus/cpu@%u/interrupt-controller", i);
        uint32_t ph = prop_u32_at(prop(fdt_buf, path, "phandle", &len), 0);
        assert_int_equal(prop_u32_at(clint, i * 4 + 0), ph);
        assert_int_equal(prop_u32_at(clint, i * 4 + 1), 3);
        assert_int_equal(prop_u32_at(clint, i * 4 + 3), 7);
        assert_int_equal(prop_u32_at(plic, i * 4 + 0), ph);
        assert_int_equal(prop_u32_at(plic, i * 4 + 1), 11);
        assert_int_equal(prop_u32_at(plic, i * 4 + 3), 9);
    }
    assert_int_equal(prop_u32_at(prop(fdt_buf, "/soc/plic@c000000", "riscv,ndev", &len), 0), 95);
}

static void test_devices(void **state)
{
    (void)state;
    struct virt_fdt_info info = {.nharts = 1, .ram_size = 128ull << 20, .nvirtio = 2};
    build(&info);
    int len;
    uint32_t plic_ph = prop_u32_at(prop(fdt_buf, "/soc/plic@c000000", "phandle", &len), 0);

    assert_string_equal(prop(fdt_buf, "/soc/serial@10000000", "compatible", &len), "ns16550a");
    assert_int_equal(prop_u32_at(prop(fdt_buf, "/soc/serial@10000000", "interrupts", &len), 0), 10);
    assert_int_equal(
        prop_u32_at(prop(fdt_buf, "/soc/serial@10000000", "interrupt-parent", &len), 0), plic_ph);

    const char *paths[] = {"/soc/virtio_mmio@10001000", "/soc/virtio_mmio@10002000"};
    for (unsigned i = 0; i < 2; i++) {
        assert_string_equal(prop(fdt_buf, paths[i], "compatible", &len), "virtio,mmio");
        assert_int_equal(prop_u32_at(prop(fdt_buf, paths[i], "interrupts", &len), 0), 1 + i);
        const void *reg = prop(fdt_buf, paths[i], "reg", &len);
        assert_int_equal(prop_u64_at(reg, 0), 0x10001000ull + i * 0x1000);
    }
    assert_true(fdt_path_offset(fdt_buf, "/soc/virtio_mmio@10003000") < 0);

    /* Power-off and reboot go through syscon on the sifive,test device. */
    uint32_t test_ph = prop_u32_at(prop(fdt_buf, "/soc/test@100000", "phandle", &len), 0);
    assert_int_equal(prop_u32_at(prop(fdt_buf, "/poweroff", "regmap", &len), 0), test_ph);
    assert_int_equal(prop_u32_at(prop(fdt_buf, "/poweroff", "value", &len), 0), 0x5555);
    assert_int_equal(prop_u32_at(prop(fdt_buf, "/reboot", "value", &len), 0), 0x7777);
}

/* The ECAM host bridge as pci-host-generic reads it: config space, windows, INTx swizzle. */
static void test_pci_host(void **state)
{
    (void)state;
    struct virt_fdt_info info = {.nharts = 1, .ram_size = 128ull << 20};
    build(&info);
    const char *pci = "/soc/pci@30000000";
    int len;
    uint32_t plic_ph = prop_u32_at(prop(fdt_buf, "/soc/plic@c000000", "phandle", &len), 0);

    assert_string_equal(prop(fdt_buf, pci, "compatible", &len), "pci-host-ecam-generic");
    assert_string_equal(prop(fdt_buf, pci, "device_type", &len), "pci");
    const void *reg = prop(fdt_buf, pci, "reg", &len);
    assert_int_equal(len, 16);
    assert_int_equal(prop_u64_at(reg, 0), 0x30000000);
    assert_int_equal(prop_u64_at(reg, 1), 1 << 20); /* bus 0: 32 devices x 8 functions x 4 KiB */
    const void *bus = prop(fdt_buf, pci, "bus-range", &len);
    assert_int_equal(len, 8);
    assert_int_equal(prop_u32_at(bus, 0), 0);
    assert_int_equal(prop_u32_at(bus, 1), 0);

    /* ranges: I/O ports 0.. at 0x3000000 (64 KiB), memory 0x40000000 identity-mapped (1 GiB). */
    const void *r = prop(fdt_buf, pci, "ranges", &len);
    assert_int_equal(len, 2 * 7 * 4);
    const uint32_t want[] = {0x01000000, 0, 0,          0, 0x3000000,  0, 0x10000,
                             0x02000000, 0, 0x40000000, 0, 0x40000000, 0, 0x40000000};
    for (unsigned i = 0; i < 14; i++)
        assert_int_equal(prop_u32_at(r, (int)i), want[i]);

    /* interrupt-map: slot s, pin p (1 = INTA#) -> PLIC source 32 + (s + p - 1) % 4. */
    const void *mask = prop(fdt_buf, pci, "interrupt-map-mask", &len);
    assert_int_equal(prop_u32_at(mask, 0), 0x1800);
    assert_int_equal(prop_u32_at(mask, 3), 7);
    const void *map = prop(fdt_buf, pci, "interrupt-map", &len);
    assert_int_equal(len, 16 * 6 * 4);
    for (unsigned e = 0; e < 16; e++) {
        unsigned slot = e / 4, pin = e % 4 + 1;
        assert_int_equal(prop_u32_at(map, (int)(e * 6)), slot << 11);
        assert_int_equal(prop_u32_at(map, (int)(e * 6 + 3)), pin);
        assert_int_equal(prop_u32_at(map, (int)(e * 6 + 4)), plic_ph);
        assert_int_equal(prop_u32_at(map, (int)(e * 6 + 5)), 32 + (slot + pin - 1) % 4);
    }
    /* The map's parent is the PLIC with no address cells. */
    assert_int_equal(prop_u32_at(prop(fdt_buf, "/soc/plic@c000000", "#address-cells", &len), 0), 0);
}

static void test_too_small_buffer(void **state)
{
    (void)state;
    static uint8_t small[256];
    struct virt_fdt_info info = {.nharts = 8, .ram_size = 128ull << 20, .nvirtio = 8};
    assert_true(virt_fdt_build(&info, small, sizeof(small)) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_and_chosen),
        cmocka_unit_test(test_no_initrd),
        cmocka_unit_test(test_cpus_and_interrupt_wiring),
        cmocka_unit_test(test_devices),
        cmocka_unit_test(test_pci_host),
        cmocka_unit_test(test_too_small_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
