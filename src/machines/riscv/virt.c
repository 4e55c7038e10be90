/*
 * The RISC-V virt board: RAM at 0x80000000, CLINT, PLIC, 16550 UART, sifive,test, virtio-mmio
 * slots, a PCI host bridge (ECAM) for virtio-blk-pci, a device tree, and QEMU's boot flow
 * (OpenSBI fw_dynamic, then the kernel in S-mode).
 */
#include "machines/riscv/virt.h"
#include "machines/board_common.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backends/chardev.h"
#include "core/loader.h"
#include "core/log.h"
#include "core/vm.h"
#include "cpu/riscv/hart.h"
#include "devices/aclint.h"
#include "devices/pci.h"
#include "devices/pci_host.h"
#include "devices/plic.h"
#include "devices/sifive_test.h"
#include "devices/uart16550.h"
#include "devices/virtio_mmio.h"

#define DEFAULT_RAM (128ull << 20)
#define DEFAULT_BIOS "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
#define FDT_MAX_SIZE (64u << 10)
#define MiB (1ull << 20)

/* OpenSBI's fw_dynamic handoff block (docs/firmware/fw_dynamic.md in OpenSBI). */
struct fw_dynamic_info {
    uint64_t magic; /* "OSBI" */
    uint64_t version;
    uint64_t next_addr;
    uint64_t next_mode; /* 1 = S-mode */
    uint64_t options;
    uint64_t boot_hart;
};
#define FW_DYNAMIC_MAGIC 0x4942534f
#define FW_DYNAMIC_VERSION 2

struct virt_board {
    struct vm *vm;
    struct chardev *serial;
    struct uart16550 *uart;
    struct plic *plic;
    struct aclint *clint;
    struct sifive_test *test;
    struct power_ops power;
    struct board_mmio_disk slots[VIRT_VIRTIO_SLOTS];
    unsigned nslots;
    struct board_pci *pci;
    uint8_t fdt[FDT_MAX_SIZE];
};

static int add_region(struct vm *vm, uint64_t base, uint64_t size, const struct mmio_ops *ops,
                      void *opaque, const char *name)
{
    return addr_map_add(&vm->mmio, base, size, ops, opaque, name);
}

/* Without an AIA interrupt controller (IMSIC) the board has no MSI target: Linux then keeps
 * virtio-pci on INTx, and a guest that enables MSI-X anyway loses those messages. */
static void msi_unrouted(void *opaque, uint64_t addr, uint32_t data)
{
    (void)opaque;
    TRACE(TRACE_GUEST_ERRORS,
          "pci: MSI 0x%x to 0x%llx dropped: the virt board has no MSI controller", data,
          (unsigned long long)addr);
}

static int create_pci(struct vm *vm, struct virt_board *b)
{
    /* What QEMU's virt shows as the host bridge: Red Hat's generic PCIe host (gpex). */
    static const struct pci_id gpex_id = {
        .vendor = 0x1b36, .device = 0x0008, .class_code = 0x060000};
    struct pci_host_config cfg = {
        .mmio_base = VIRT_PCI_MMIO_BASE,
        .mmio_size = VIRT_PCI_MMIO_SIZE,
        .io_base = 0, /* PCI I/O addresses 0-0xffff appear at VIRT_PCI_PIO_BASE */
        .io_size = VIRT_PCI_PIO_SIZE,
        .msi = {.send = msi_unrouted},
        .bridge_id = &gpex_id,
    };
    for (unsigned i = 0; i < 4; i++)
        cfg.intx[i] = plic_source_line(b->plic, VIRT_PCI_IRQ + i);
    int r = board_pci_create(vm, &cfg, &b->pci);
    if (r < 0)
        return r;
    struct pci_host *h = b->pci->host;
    r = add_region(vm, VIRT_PCI_ECAM_BASE, PCI_HOST_ECAM_SIZE, &pci_host_ecam_ops, h, "pci-ecam");
    if (r == 0)
        r = add_region(vm, VIRT_PCI_PIO_BASE, VIRT_PCI_PIO_SIZE, &pci_host_io_ops, h,
                       "pci-io-window");
    if (r == 0)
        r = add_region(vm, VIRT_PCI_MMIO_BASE, VIRT_PCI_MMIO_SIZE, &pci_host_mmio_ops, h,
                       "pci-mmio-window");
    return r;
}

/* -drive if=virtio and -device virtio-blk-device go on virtio-mmio slots, -device
 * virtio-blk-pci on the PCI bus; each in command-line order. */
static int create_disks(struct vm *vm, struct virt_board *b)
{
    const struct drive_config *disks[CONFIG_MAX_DRIVES + CONFIG_MAX_DEVICES];
    unsigned ndisks;
    int r = board_collect_disks(vm->cfg, BOARD_BUS_VIRTIO_MMIO, BOARD_BUS_VIRTIO_MMIO,
                                BOARD_BUS_VIRTIO_MMIO | BOARD_BUS_PCI, disks, &ndisks);
    if (r < 0)
        return r;
    if (ndisks > VIRT_VIRTIO_SLOTS) {
        log_error("too many virtio devices: the virt board has %d virtio-mmio slots",
                  VIRT_VIRTIO_SLOTS);
        return -EINVAL;
    }
    for (unsigned i = 0; i < ndisks; i++) {
        b->nslots = i + 1;
        r = board_mmio_disk_create(vm, disks[i], plic_source_line(b->plic, VIRT_VIRTIO_IRQ + i),
                                   VIRT_VIRTIO_BASE + i * VIRT_VIRTIO_STRIDE, VIRT_VIRTIO_STRIDE,
                                   &b->slots[i]);
        if (r < 0)
            return r;
    }
    r = board_collect_disks(vm->cfg, BOARD_BUS_PCI, BOARD_BUS_VIRTIO_MMIO,
                            BOARD_BUS_VIRTIO_MMIO | BOARD_BUS_PCI, disks, &ndisks);
    if (r == 0)
        r = board_pci_add_disks(b->pci, disks, ndisks);
    return r;
}

static int create_devices(struct vm *vm, struct virt_board *b)
{
    unsigned n = vm->nharts;
    struct irq_line ctx_lines[VIRT_MAX_HARTS * 2], msip[VIRT_MAX_HARTS], mtip[VIRT_MAX_HARTS];
    int r;

    for (unsigned i = 0; i < n; i++) {
        /* PLIC contexts in QEMU's order: hart0 M, hart0 S, hart1 M, ... */
        ctx_lines[2 * i] = (struct irq_line){rv_hart_irq_set, vm->harts[i], 11};
        ctx_lines[2 * i + 1] = (struct irq_line){rv_hart_irq_set, vm->harts[i], 9};
        msip[i] = (struct irq_line){rv_hart_irq_set, vm->harts[i], 3};
        mtip[i] = (struct irq_line){rv_hart_irq_set, vm->harts[i], 7};
    }
    r = plic_create(VIRT_PLIC_SOURCES, 2 * n, ctx_lines, &b->plic);
    if (r < 0)
        return r;
    r = add_region(vm, VIRT_PLIC_BASE, VIRT_PLIC_SIZE, &plic_mmio_ops, b->plic, "plic");
    if (r < 0)
        return r;
    r = aclint_create(vm->loop, n, &vm->clock, msip, mtip, &b->clint);
    if (r < 0)
        return r;
    r = add_region(vm, VIRT_CLINT_BASE, VIRT_CLINT_SIZE, &aclint_mmio_ops, b->clint, "clint");
    if (r < 0)
        return r;

    r = board_create_serial(vm, &b->serial);
    if (r < 0)
        return r;
    r = uart16550_create(b->serial, plic_source_line(b->plic, VIRT_UART0_IRQ), &b->uart);
    if (r < 0)
        return r;
    r = add_region(vm, VIRT_UART0_BASE, VIRT_UART0_SIZE, &uart16550_mmio_ops, b->uart, "uart0");
    if (r < 0)
        return r;

    b->power = board_power_ops(vm);
    r = sifive_test_create(&b->power, &b->test);
    if (r < 0)
        return r;
    r = add_region(vm, VIRT_TEST_BASE, VIRT_TEST_SIZE, &sifive_test_mmio_ops, b->test,
                   "sifive-test");
    if (r < 0)
        return r;
    r = create_pci(vm, b);
    if (r < 0)
        return r;
    return create_disks(vm, b);
}

/*
 * Load firmware, kernel, initrd and the device tree, and point every hart at the entry: QEMU's
 * layout, so what boots there boots here. Called at power-on and on every reboot.
 */
static int load_payload(struct vm *vm, struct virt_board *b)
{
    const struct vm_config *cfg = vm->cfg;
    uint64_t ram_end = VIRT_DRAM_BASE + cfg->ram_size;
    bool have_bios = !cfg->bios || strcmp(cfg->bios, "none") != 0;
    uint64_t entry = VIRT_DRAM_BASE, kernel_start = VIRT_DRAM_BASE, kernel_entry = 0;
    uint64_t size, end;
    int r;

    if (have_bios) {
        const char *bios = cfg->bios ? cfg->bios : DEFAULT_BIOS;
        enum image_kind kind = IMAGE_UNKNOWN;
        r = loader_probe(bios, &kind);
        if (r < 0)
            return r;
        if (kind == IMAGE_ELF_RISCV64) {
            r = loader_load_elf(&vm->mem, "firmware", bios, EM_RISCV, &entry, &end);
            size = end - VIRT_DRAM_BASE;
        } else if (kind == IMAGE_UNKNOWN && loader_looks_like_text(bios)) {
            log_error("firmware '%s' is a text file, not a RISC-V firmware binary", bios);
            return -ENOEXEC;
        } else if (kind == IMAGE_UNKNOWN) {
            r = loader_load_file(&vm->mem, "firmware", bios, VIRT_DRAM_BASE, cfg->ram_size, &size);
        } else {
            log_error("firmware '%s' is a %s, not RISC-V firmware", bios,
                      loader_image_kind_name(kind));
            return -EINVAL;
        }
        if (r < 0)
            return r;
        /* The kernel goes at the next 2 MiB boundary after the firmware, as on QEMU. */
        kernel_start = (VIRT_DRAM_BASE + size + 2 * MiB - 1) & ~(2 * MiB - 1);
    }

    if (cfg->kernel) {
        enum image_kind kind = IMAGE_UNKNOWN;
        r = loader_probe(cfg->kernel, &kind);
        if (r < 0)
            return r;
        if (kind == IMAGE_ELF_RISCV64) {
            r = loader_load_elf(&vm->mem, "kernel", cfg->kernel, EM_RISCV, &kernel_entry, &end);
            kernel_start = end; /* the initrd goes above the ELF image */
        } else if (kind == IMAGE_RISCV_LINUX) {
            r = loader_load_file(&vm->mem, "kernel", cfg->kernel, kernel_start,
                                 ram_end - kernel_start, &size);
            kernel_entry = kernel_start;
        } else {
            log_error("kernel '%s' is not a RISC-V Linux Image or RISC-V ELF (found: %s)",
                      cfg->kernel, loader_image_kind_name(kind));
            return -ENOEXEC;
        }
        if (r < 0)
            return r;
        if (!have_bios)
            entry = kernel_entry;
    } else if (!have_bios) {
        log_error("-bios none needs a -kernel to run");
        return -EINVAL;
    }

    struct virt_fdt_info info = {
        .nharts = vm->nharts,
        .ram_size = cfg->ram_size,
        .nvirtio = b->nslots,
        .bootargs = cfg->append,
    };
    if (cfg->initrd) {
        if (!cfg->kernel) {
            log_error("-initrd needs a -kernel");
            return -EINVAL;
        }
        /* QEMU's rule: far enough above the kernel for it to unpack, low enough for lowmem. */
        uint64_t start = kernel_start + (cfg->ram_size < 256 * MiB ? cfg->ram_size / 2 : 128 * MiB);
        start = (start + 0xfff) & ~0xfffull;
        r = loader_load_file(&vm->mem, "initrd", cfg->initrd, start,
                             start < ram_end ? ram_end - start : 0, &size);
        if (r < 0)
            return r;
        info.initrd_start = start;
        info.initrd_end = start + size;
    }

    int fdt_size = virt_fdt_build(&info, b->fdt, sizeof(b->fdt));
    if (fdt_size < 0)
        return fdt_size;
    /* The DTB sits at the top of RAM below 3 GiB, 2 MiB aligned; the fw_dynamic block below. */
    uint64_t top = ram_end < 0xc0000000ull ? ram_end : 0xc0000000ull;
    uint64_t fdt_addr = (top - (uint64_t)fdt_size) & ~(2 * MiB - 1);
    uint64_t info_addr = fdt_addr - 4096;
    if (info.initrd_end > info_addr || kernel_start >= info_addr) {
        log_error("guest RAM (%llu MiB) is too small for this kernel and initrd",
                  (unsigned long long)(cfg->ram_size / MiB));
        return -ENOMEM;
    }
    r = guest_mem_write(&vm->mem, fdt_addr, b->fdt, (uint64_t)fdt_size);
    if (r < 0)
        return r;
    struct fw_dynamic_info fw = {
        .magic = FW_DYNAMIC_MAGIC,
        .version = FW_DYNAMIC_VERSION,
        .next_addr = kernel_entry ? kernel_entry : kernel_start,
        .next_mode = 1,
        .boot_hart = 0,
    };
    r = guest_mem_write(&vm->mem, info_addr, &fw, sizeof(fw));
    if (r < 0)
        return r;

    for (unsigned i = 0; i < vm->nharts; i++) {
        rv_hart_reset(vm->harts[i], entry);
        rv_hart_set_xreg(vm->harts[i], 10, i);         /* a0: hart id */
        rv_hart_set_xreg(vm->harts[i], 11, fdt_addr);  /* a1: device tree */
        rv_hart_set_xreg(vm->harts[i], 12, info_addr); /* a2: fw_dynamic info */
    }
    return 0;
}

static int virt_create(struct vm *vm)
{
    struct vm_config *cfg = vm->cfg;
    struct virt_board *b = calloc(1, sizeof(*b));
    int r;

    if (!b)
        return -ENOMEM;
    vm->board = b;
    b->vm = vm;
    if (!cfg->ram_size)
        cfg->ram_size = DEFAULT_RAM;
    if (cfg->ram_size < 16 * MiB || cfg->ram_size > (1ull << 40)) {
        log_error("-m: the virt board needs between 16 MiB and 1 TiB of RAM");
        return -EINVAL;
    }
    if (cfg->smp > VIRT_MAX_HARTS) {
        log_error("-smp %u: the virt board supports at most %d harts", cfg->smp, VIRT_MAX_HARTS);
        return -EINVAL;
    }
    r = guest_mem_add_ram(&vm->mem, VIRT_DRAM_BASE, cfg->ram_size);
    if (r < 0) {
        log_error("cannot allocate %llu MiB of guest RAM: %s",
                  (unsigned long long)(cfg->ram_size / MiB), strerror(-r));
        return r;
    }
    vm->nharts = cfg->smp ? cfg->smp : 1;
    vm->harts = calloc(vm->nharts, sizeof(*vm->harts));
    if (!vm->harts)
        return -ENOMEM;
    for (unsigned i = 0; i < vm->nharts; i++) {
        struct rv_hart_config hc = {.hartid = i, .vm = vm};
        r = rv_hart_create(&hc, &vm->harts[i]);
        if (r < 0)
            return r;
    }
    r = create_devices(vm, b);
    if (r < 0)
        return r;
    return load_payload(vm, b);
}

static int virt_reset(struct vm *vm)
{
    struct virt_board *b = vm->board;

    uart16550_reset(b->uart);
    plic_reset(b->plic);
    aclint_reset(b->clint);
    for (unsigned i = 0; i < b->nslots; i++)
        virtio_mmio_reset(b->slots[i].transport);
    int r = board_pci_reset(b->pci);
    if (r < 0)
        return r;
    return load_payload(vm, b);
}

static void virt_destroy(struct vm *vm)
{
    struct virt_board *b = vm->board;

    if (b) {
        for (unsigned i = 0; i < VIRT_VIRTIO_SLOTS; i++)
            board_mmio_disk_destroy(&b->slots[i]);
        board_pci_destroy(b->pci);
        if (b->test)
            sifive_test_destroy(b->test);
        if (b->uart)
            uart16550_destroy(b->uart);
        if (b->serial)
            chardev_destroy(b->serial);
        if (b->clint)
            aclint_destroy(b->clint);
        if (b->plic)
            plic_destroy(b->plic);
        free(b);
        vm->board = NULL;
    }
    for (unsigned i = 0; i < vm->nharts && vm->harts; i++)
        if (vm->harts[i])
            rv_hart_destroy(vm->harts[i]);
    free(vm->harts);
    vm->harts = NULL;
    vm->nharts = 0;
}

const struct board_ops riscv_virt_board = {
    .name = "virt",
    .desc = "RISC-V VirtIO board (QEMU-compatible memory map)",
    .arch = ARCH_RISCV64,
    .default_accel = ACCEL_JIT,
    .create = virt_create,
    .reset = virt_reset,
    .destroy = virt_destroy,
};
