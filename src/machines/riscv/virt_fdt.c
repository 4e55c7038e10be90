/* The device tree of the virt board, laid out like QEMU's so the same kernels boot. */
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>

#include "core/log.h"
#include "devices/pci_host.h"
#include "machines/riscv/virt.h"

/* Phandles: fixed numbers keep the tree readable in `dtc -I dtb` dumps. */
enum {
    PH_CPU_INTC = 1, /* + hart id */
    PH_PLIC = 0x20,
    PH_TEST = 0x21,
};

#define CHECK(expr)                                                                                \
    do {                                                                                           \
        int err_ = (expr);                                                                         \
        if (err_ < 0) {                                                                            \
            log_error("device tree: %s: %s", #expr, fdt_strerror(err_));                           \
            return -ENOSPC;                                                                        \
        }                                                                                          \
    } while (0)

static int prop_reg(void *fdt, uint64_t base, uint64_t size)
{
    fdt64_t reg[2] = {cpu_to_fdt64(base), cpu_to_fdt64(size)};
    return fdt_property(fdt, "reg", reg, sizeof(reg));
}

static int begin_node_at(void *fdt, const char *name, uint64_t addr)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s@%llx", name, (unsigned long long)addr);
    return fdt_begin_node(fdt, buf);
}

static int add_cpus(void *fdt, const struct virt_fdt_info *info)
{
    CHECK(fdt_begin_node(fdt, "cpus"));
    CHECK(fdt_property_u32(fdt, "#address-cells", 1));
    CHECK(fdt_property_u32(fdt, "#size-cells", 0));
    CHECK(fdt_property_u32(fdt, "timebase-frequency", 10000000));
    for (unsigned i = 0; i < info->nharts; i++) {
        CHECK(begin_node_at(fdt, "cpu", i));
        CHECK(fdt_property_string(fdt, "device_type", "cpu"));
        CHECK(fdt_property_u32(fdt, "reg", i));
        CHECK(fdt_property_string(fdt, "status", "okay"));
        CHECK(fdt_property_string(fdt, "compatible", "riscv"));
        CHECK(fdt_property_string(fdt, "riscv,isa", "rv64imafdc_zicsr_zifencei_zihintpause"));
        CHECK(fdt_property_string(fdt, "mmu-type", "riscv,sv48"));
        CHECK(fdt_property_u32(fdt, "phandle", 0x40 + i));
        CHECK(fdt_begin_node(fdt, "interrupt-controller"));
        CHECK(fdt_property_u32(fdt, "#interrupt-cells", 1));
        CHECK(fdt_property(fdt, "interrupt-controller", NULL, 0));
        CHECK(fdt_property_string(fdt, "compatible", "riscv,cpu-intc"));
        CHECK(fdt_property_u32(fdt, "phandle", PH_CPU_INTC + i));
        CHECK(fdt_end_node(fdt));
        CHECK(fdt_end_node(fdt));
    }
    CHECK(fdt_begin_node(fdt, "cpu-map"));
    CHECK(fdt_begin_node(fdt, "cluster0"));
    for (unsigned i = 0; i < info->nharts; i++) {
        char name[16];
        snprintf(name, sizeof(name), "core%u", i);
        CHECK(fdt_begin_node(fdt, name));
        CHECK(fdt_property_u32(fdt, "cpu", 0x40 + i));
        CHECK(fdt_end_node(fdt));
    }
    CHECK(fdt_end_node(fdt));
    CHECK(fdt_end_node(fdt));
    CHECK(fdt_end_node(fdt));
    return 0;
}

/* interrupts-extended = <intc(h0) irq_a intc(h0) irq_b intc(h1) irq_a ...> */
static int prop_cpu_irqs(void *fdt, unsigned nharts, uint32_t irq_a, uint32_t irq_b)
{
    fdt32_t cells[VIRT_MAX_HARTS * 4];
    for (unsigned i = 0; i < nharts; i++) {
        cells[i * 4 + 0] = cpu_to_fdt32(PH_CPU_INTC + i);
        cells[i * 4 + 1] = cpu_to_fdt32(irq_a);
        cells[i * 4 + 2] = cpu_to_fdt32(PH_CPU_INTC + i);
        cells[i * 4 + 3] = cpu_to_fdt32(irq_b);
    }
    return fdt_property(fdt, "interrupts-extended", cells, nharts * 4 * sizeof(fdt32_t));
}

/* The ECAM host bridge as Linux's pci-host-generic driver reads it, laid out like QEMU's. */
static int add_pci(void *fdt)
{
    /* ranges: <flags pci-address(2)> <cpu address(2)> <size(2)>; flags 1 = I/O, 2 = 32-bit mem */
    const fdt32_t ranges[] = {cpu_to_fdt32(0x01000000),
                              0,
                              0,
                              0,
                              cpu_to_fdt32(VIRT_PCI_PIO_BASE),
                              0,
                              cpu_to_fdt32(VIRT_PCI_PIO_SIZE),
                              cpu_to_fdt32(0x02000000),
                              0,
                              cpu_to_fdt32(VIRT_PCI_MMIO_BASE),
                              0,
                              cpu_to_fdt32(VIRT_PCI_MMIO_BASE),
                              0,
                              cpu_to_fdt32(VIRT_PCI_MMIO_SIZE)};
    /* Slot bits of the device number and the pin: the swizzle repeats every four slots. */
    const fdt32_t map_mask[] = {cpu_to_fdt32(0x1800), 0, 0, cpu_to_fdt32(7)};
    fdt32_t map[4 * 4 * 6];
    unsigned n = 0;
    for (unsigned slot = 0; slot < 4; slot++) {
        for (unsigned pin = 0; pin < 4; pin++) {
            map[n++] = cpu_to_fdt32(slot << 11);
            map[n++] = 0;
            map[n++] = 0;
            map[n++] = cpu_to_fdt32(pin + 1); /* INTA# = 1 */
            map[n++] = cpu_to_fdt32(PH_PLIC);
            map[n++] = cpu_to_fdt32(VIRT_PCI_IRQ + pci_host_intx_line(slot, pin));
        }
    }
    static const fdt32_t bus_range[] = {0, 0}; /* the host decodes bus 0 only */

    CHECK(begin_node_at(fdt, "pci", VIRT_PCI_ECAM_BASE));
    CHECK(fdt_property_string(fdt, "compatible", "pci-host-ecam-generic"));
    CHECK(fdt_property_string(fdt, "device_type", "pci"));
    CHECK(fdt_property_u32(fdt, "#address-cells", 3));
    CHECK(fdt_property_u32(fdt, "#size-cells", 2));
    CHECK(fdt_property_u32(fdt, "#interrupt-cells", 1));
    CHECK(fdt_property_u32(fdt, "linux,pci-domain", 0));
    CHECK(fdt_property(fdt, "bus-range", bus_range, sizeof(bus_range)));
    CHECK(fdt_property(fdt, "dma-coherent", NULL, 0));
    CHECK(prop_reg(fdt, VIRT_PCI_ECAM_BASE, PCI_HOST_ECAM_SIZE));
    CHECK(fdt_property(fdt, "ranges", ranges, sizeof(ranges)));
    CHECK(fdt_property(fdt, "interrupt-map-mask", map_mask, sizeof(map_mask)));
    CHECK(fdt_property(fdt, "interrupt-map", map, sizeof(map)));
    CHECK(fdt_end_node(fdt));
    return 0;
}

static int add_soc(void *fdt, const struct virt_fdt_info *info)
{
    static const char clint_compat[] = "sifive,clint0\0riscv,clint0";
    static const char plic_compat[] = "sifive,plic-1.0.0\0riscv,plic0";
    static const char test_compat[] = "sifive,test1\0sifive,test0\0syscon";

    CHECK(fdt_begin_node(fdt, "soc"));
    CHECK(fdt_property_u32(fdt, "#address-cells", 2));
    CHECK(fdt_property_u32(fdt, "#size-cells", 2));
    CHECK(fdt_property_string(fdt, "compatible", "simple-bus"));
    CHECK(fdt_property(fdt, "ranges", NULL, 0));

    CHECK(begin_node_at(fdt, "test", VIRT_TEST_BASE));
    CHECK(fdt_property(fdt, "compatible", test_compat, sizeof(test_compat)));
    CHECK(prop_reg(fdt, VIRT_TEST_BASE, VIRT_TEST_SIZE));
    CHECK(fdt_property_u32(fdt, "phandle", PH_TEST));
    CHECK(fdt_end_node(fdt));

    CHECK(begin_node_at(fdt, "clint", VIRT_CLINT_BASE));
    CHECK(fdt_property(fdt, "compatible", clint_compat, sizeof(clint_compat)));
    CHECK(prop_reg(fdt, VIRT_CLINT_BASE, VIRT_CLINT_SIZE));
    CHECK(prop_cpu_irqs(fdt, info->nharts, 3, 7)); /* MSIP, MTIP */
    CHECK(fdt_end_node(fdt));

    CHECK(begin_node_at(fdt, "plic", VIRT_PLIC_BASE));
    CHECK(fdt_property(fdt, "compatible", plic_compat, sizeof(plic_compat)));
    CHECK(prop_reg(fdt, VIRT_PLIC_BASE, VIRT_PLIC_SIZE));
    CHECK(fdt_property_u32(fdt, "#interrupt-cells", 1));
    CHECK(fdt_property_u32(fdt, "#address-cells", 0));
    CHECK(fdt_property(fdt, "interrupt-controller", NULL, 0));
    CHECK(fdt_property_u32(fdt, "riscv,ndev", VIRT_PLIC_SOURCES - 1));
    CHECK(prop_cpu_irqs(fdt, info->nharts, 11, 9)); /* M-mode external, S-mode external */
    CHECK(fdt_property_u32(fdt, "phandle", PH_PLIC));
    CHECK(fdt_end_node(fdt));

    CHECK(begin_node_at(fdt, "serial", VIRT_UART0_BASE));
    CHECK(fdt_property_string(fdt, "compatible", "ns16550a"));
    CHECK(prop_reg(fdt, VIRT_UART0_BASE, VIRT_UART0_SIZE));
    CHECK(fdt_property_u32(fdt, "clock-frequency", 3686400));
    CHECK(fdt_property_u32(fdt, "interrupts", VIRT_UART0_IRQ));
    CHECK(fdt_property_u32(fdt, "interrupt-parent", PH_PLIC));
    CHECK(fdt_end_node(fdt));

    /* Lowest address first: Linux probes in tree order, so slot 0 becomes /dev/vda. */
    for (unsigned i = 0; i < info->nvirtio; i++) {
        uint64_t base = VIRT_VIRTIO_BASE + i * VIRT_VIRTIO_STRIDE;
        CHECK(begin_node_at(fdt, "virtio_mmio", base));
        CHECK(fdt_property_string(fdt, "compatible", "virtio,mmio"));
        CHECK(prop_reg(fdt, base, VIRT_VIRTIO_STRIDE));
        CHECK(fdt_property_u32(fdt, "interrupts", VIRT_VIRTIO_IRQ + i));
        CHECK(fdt_property_u32(fdt, "interrupt-parent", PH_PLIC));
        CHECK(fdt_end_node(fdt));
    }
    int r = add_pci(fdt);
    if (r < 0)
        return r;
    CHECK(fdt_end_node(fdt));
    return 0;
}

static int add_syscon_action(void *fdt, const char *name, const char *compat, uint32_t value)
{
    CHECK(fdt_begin_node(fdt, name));
    CHECK(fdt_property_string(fdt, "compatible", compat));
    CHECK(fdt_property_u32(fdt, "regmap", PH_TEST));
    CHECK(fdt_property_u32(fdt, "offset", 0));
    CHECK(fdt_property_u32(fdt, "value", value));
    CHECK(fdt_end_node(fdt));
    return 0;
}

int virt_fdt_build(const struct virt_fdt_info *info, void *buf, size_t bufsize)
{
    char name[32];

    CHECK(fdt_create(buf, (int)bufsize));
    CHECK(fdt_finish_reservemap(buf));
    CHECK(fdt_begin_node(buf, ""));
    CHECK(fdt_property_u32(buf, "#address-cells", 2));
    CHECK(fdt_property_u32(buf, "#size-cells", 2));
    CHECK(fdt_property_string(buf, "compatible", "riscv-virtio"));
    CHECK(fdt_property_string(buf, "model", "riscv-virtio,qemu"));

    CHECK(fdt_begin_node(buf, "chosen"));
    snprintf(name, sizeof(name), "/soc/serial@%x", VIRT_UART0_BASE);
    CHECK(fdt_property_string(buf, "stdout-path", name));
    CHECK(fdt_property_string(buf, "bootargs", info->bootargs ? info->bootargs : ""));
    if (info->initrd_end) {
        CHECK(fdt_property_u64(buf, "linux,initrd-start", info->initrd_start));
        CHECK(fdt_property_u64(buf, "linux,initrd-end", info->initrd_end));
    }
    CHECK(fdt_end_node(buf));

    CHECK(fdt_begin_node(buf, "aliases"));
    CHECK(fdt_property_string(buf, "serial0", name));
    CHECK(fdt_end_node(buf));

    CHECK(begin_node_at(buf, "memory", VIRT_DRAM_BASE));
    CHECK(fdt_property_string(buf, "device_type", "memory"));
    CHECK(prop_reg(buf, VIRT_DRAM_BASE, info->ram_size));
    CHECK(fdt_end_node(buf));

    int r = add_cpus(buf, info);
    if (r < 0)
        return r;
    r = add_soc(buf, info);
    if (r < 0)
        return r;
    r = add_syscon_action(buf, "poweroff", "syscon-poweroff", 0x5555);
    if (r < 0)
        return r;
    r = add_syscon_action(buf, "reboot", "syscon-reboot", 0x7777);
    if (r < 0)
        return r;
    CHECK(fdt_end_node(buf));
    CHECK(fdt_finish(buf));
    return (int)fdt_totalsize(buf);
}
