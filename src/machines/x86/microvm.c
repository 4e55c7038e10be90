/*
 * The x86-64 boards `pc` (the default) and `microvm`: RAM, in-kernel
 * IOAPIC/PIC/PIT (owned by the accel), a 16550 at 0x3f8/IRQ 4, ACPI power/reset registers, an
 * i8042 for `reboot=k`, QEMU's isa-debug-exit at 0xf4, virtio-mmio devices announced on the
 * kernel command line, and MP + ACPI tables describing the CPUs. Booted without firmware.
 *
 * Port map: 0x60/0x64 i8042, 0x70/0x71 CMOS RTC, 0xf4 debug-exit, 0x3f8 COM1, 0x600 ACPI PM
 * block, 0xcf9 reset.
 * MMIO: virtio-mmio slot n at 0xd0000000 + n * 0x1000, ISA IRQ virtio_irqs[n] (edge).
 * `pc` has a PCI host bridge instead of the virtio-mmio slots (x86_pci.c): -drive if=virtio and
 * -device virtio-blk-pci become virtio-blk-pci functions, as in QEMU, so kernels without
 * virtio-mmio find their disks. The bridge's 0xcf8 register also carries the reset port 0xcf9.
 */
#include "machines/board_common.h"
#include "machines/x86/microvm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel/accel.h"
#include "backends/chardev.h"
#include "core/log.h"
#include "core/vm.h"
#include "cpu/x86/x86_cpu.h"
#include "devices/acpi_pm.h"
#include "devices/debug_exit.h"
#include "devices/i8042.h"
#include "devices/mc146818.h"
#include "devices/uart16550.h"
#include "devices/virtio_mmio.h"
#include "machines/x86/x86_boot.h"
#include "machines/x86/x86_pci.h"
#include "machines/x86/x86_tables.h"

#define DEFAULT_RAM (128ull << 20)
#define MiB (1ull << 20)

#define COM_REGION_SIZE 8
#define ACPI_PM_PORT 0x600
#define ACPI_RESET_PORT 0xcf9
#define VIRTIO_BASE 0xd0000000ull
#define VIRTIO_STRIDE 0x1000ull
#define VIRTIO_NOTIFY_OFFSET 0x50 /* QueueNotify, virtio 1.x 4.2.2 */
#define VIRTIO_MAX_QUEUES 16

/* ISA IRQs no legacy device uses (COM1 4, COM2 3, RTC 8, SCI 9, i8042 1): Linux maps ISA IRQs
 * without ACPI or MP table help, which is what virtio_mmio.device= devices need. */
static const uint8_t virtio_irqs[] = {5, 6, 7, 10, 11, 12, 14, 15};
#define VIRTIO_SLOTS (sizeof(virtio_irqs) / sizeof(virtio_irqs[0]))

struct microvm {
    struct vm *vm;
    struct x86_cpus cpus;
    struct chardev *serial;
    struct uart16550 *uart;
    struct acpi_pm *pm;
    struct i8042 *kbd;
    struct mc146818 *rtc;
    struct debug_exit *dbg;
    struct power_ops power;
    struct board_mmio_disk slots[VIRTIO_SLOTS];
    unsigned nslots;
    bool pci; /* the pc board: disks are virtio-blk-pci functions */
    struct x86_pci *pci_bus;
    char *cmdline;
};

/* Device interrupt lines go to the accel's interrupt controller (KVM's in-kernel IOAPIC). */
static void gsi_set(void *opaque, unsigned gsi, bool level)
{
    struct vm *vm = opaque;
    if (vm->accel && vm->accel->set_irq)
        vm->accel->set_irq(vm, gsi, level);
}

static struct irq_line gsi_line(struct vm *vm, unsigned gsi)
{
    return (struct irq_line){.set = gsi_set, .opaque = vm, .num = gsi};
}

static int create_serial(struct vm *vm, struct microvm *b)
{
    int r = board_create_serial(vm, &b->serial);
    if (r < 0)
        return r;
    return uart16550_create(b->serial, gsi_line(vm, X86_COM1_IRQ), &b->uart);
}

static int add_pio(struct vm *vm, uint64_t port, uint64_t size, const struct mmio_ops *ops,
                   void *opaque, const char *name)
{
    return addr_map_add(&vm->pio, port, size, ops, opaque, name);
}

/* Each queue's QueueNotify write becomes a doorbell the accel can absorb. */
static int add_doorbells(struct vm *vm, const struct virtio_mmio *t, uint64_t base)
{
    for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
        int fd = virtio_mmio_queue_notify_fd(t, q);
        if (fd < 0)
            break;
        if (vm->ndoorbells == VM_MAX_DOORBELLS) {
            log_error("x86: too many virtio queues for the doorbell table");
            return -ENOSPC;
        }
        vm->doorbells[vm->ndoorbells++] = (struct vm_doorbell){
            .addr = base + VIRTIO_NOTIFY_OFFSET, .value = q, .len = 4, .fd = fd};
    }
    return 0;
}

static int create_disks(struct vm *vm, struct microvm *b)
{
    const struct drive_config *disks[CONFIG_MAX_DRIVES + CONFIG_MAX_DEVICES];
    unsigned n;
    enum board_virtio_bus bus = b->pci ? BOARD_BUS_PCI : BOARD_BUS_VIRTIO_MMIO;
    int r = board_collect_disks(vm->cfg, bus, bus, bus, disks, &n);
    if (r < 0)
        return r;
    if (b->pci)
        return x86_pci_add_disks(b->pci_bus, disks, n);
    if (n > VIRTIO_SLOTS) {
        log_error("too many virtio devices: the x86 board has %zu virtio-mmio slots", VIRTIO_SLOTS);
        return -EINVAL;
    }
    for (unsigned i = 0; i < n; i++) {
        uint64_t base = VIRTIO_BASE + i * VIRTIO_STRIDE;
        b->nslots = i + 1;
        r = board_mmio_disk_create(vm, disks[i], gsi_line(vm, virtio_irqs[i]), base,
                                   VIRTIO_MMIO_REGION_SIZE, &b->slots[i]);
        if (r < 0)
            return r;
        r = add_doorbells(vm, b->slots[i].transport, base);
        if (r < 0)
            return r;
    }
    return 0;
}

static int create_devices(struct vm *vm, struct microvm *b)
{
    int r = create_serial(vm, b);
    if (r < 0)
        return r;
    r = add_pio(vm, X86_COM1_PORT, COM_REGION_SIZE, &uart16550_mmio_ops, b->uart, "com1");
    if (r < 0)
        return r;

    b->power = board_power_ops(vm);
    r = acpi_pm_create(&b->power, &b->pm);
    if (r < 0)
        return r;
    r = add_pio(vm, ACPI_PM_PORT, ACPI_PM_REGION_SIZE, &acpi_pm_ops, b->pm, "acpi-pm");
    if (r < 0)
        return r;
    if (b->pci)
        r = x86_pci_create(vm, &acpi_reset_ops, b->pm, &b->pci_bus);
    else
        r = add_pio(vm, ACPI_RESET_PORT, ACPI_RESET_REGION_SIZE, &acpi_reset_ops, b->pm,
                    "acpi-reset");
    if (r < 0)
        return r;
    r = i8042_create(&b->power, &b->kbd);
    if (r < 0)
        return r;
    r = add_pio(vm, I8042_DATA_PORT, 1, &i8042_data_ops, b->kbd, "i8042-data");
    if (r < 0)
        return r;
    r = add_pio(vm, I8042_CMD_PORT, 1, &i8042_cmd_ops, b->kbd, "i8042-cmd");
    if (r < 0)
        return r;
    r = mc146818_create(&b->rtc);
    if (r < 0)
        return r;
    r = add_pio(vm, MC146818_PORT, MC146818_REGION_SIZE, &mc146818_ops, b->rtc, "rtc");
    if (r < 0)
        return r;
    r = debug_exit_create(&b->power, &b->dbg);
    if (r < 0)
        return r;
    r = add_pio(vm, DEBUG_EXIT_PORT, DEBUG_EXIT_REGION_SIZE, &debug_exit_ops, b->dbg, "debug-exit");
    if (r < 0)
        return r;
    return create_disks(vm, b);
}

/* virtio_mmio.device= for every slot, before the user's text: anything after a "--" there
 * belongs to init. */
static int build_cmdline(struct vm *vm, struct microvm *b)
{
    const char *append = vm->cfg->append ? vm->cfg->append : "";
    size_t len = strlen(append) + 1 + b->nslots * 64;
    char *s = malloc(len);
    if (!s) {
        log_error("out of memory for the kernel command line");
        return -ENOMEM;
    }
    size_t used = 0;
    for (unsigned i = 0; i < b->nslots; i++)
        used += (size_t)snprintf(
            s + used, len - used, "virtio_mmio.device=0x%x@0x%llx:%u ", VIRTIO_MMIO_REGION_SIZE,
            (unsigned long long)(VIRTIO_BASE + i * VIRTIO_STRIDE), virtio_irqs[i]);
    snprintf(s + used, len - used, "%s", append);
    free(b->cmdline);
    b->cmdline = s;
    return 0;
}

/* Tables, kernel, initrd and the boot CPU's registers: at power-on and on every reboot. */
static int load_payload(struct vm *vm, struct microvm *b)
{
    const struct vm_config *cfg = vm->cfg;
    if (!cfg->kernel) {
        log_error("the %s board boots Linux directly: give it a -kernel (bzImage or ELF)",
                  cfg->machine ? cfg->machine : "x86");
        return -EINVAL;
    }
    struct x86_tables_info ti = {
        .cpus = &b->cpus,
        .acpi_pm_port = ACPI_PM_PORT,
        .acpi_reset_port = ACPI_RESET_PORT,
        .sci_irq = X86_SCI_IRQ,
    };
    if (b->pci_bus) {
        ti.dsdt_aml = x86_pci_dsdt_aml(b->pci_bus, &ti.dsdt_aml_len);
        ti.pci_gsi_base = X86_PCI_GSI_BASE;
    }
    uint64_t rsdp = 0;
    int r = x86_tables_write(&vm->mem, &ti, &rsdp);
    if (r < 0)
        return r;
    struct x86_boot_params p = {
        .kernel = cfg->kernel,
        .initrd = cfg->initrd,
        .cmdline = b->cmdline,
        .ram_size = cfg->ram_size,
        .rsdp_addr = rsdp,
    };
    return x86_boot_load(&vm->mem, &p, &b->cpus.boot);
}

static int add_ram(struct vm *vm, uint64_t ram_size)
{
    uint64_t low = ram_size < X86_LOWMEM_MAX ? ram_size : X86_LOWMEM_MAX;
    int r = guest_mem_add_ram(&vm->mem, 0, low);
    if (r == 0 && ram_size > low)
        r = guest_mem_add_ram(&vm->mem, X86_HIGHMEM_BASE, ram_size - low);
    if (r < 0)
        log_error("cannot allocate %llu MiB of guest RAM: %s", (unsigned long long)(ram_size / MiB),
                  strerror(-r));
    return r;
}

static int x86_create(struct vm *vm, bool pci)
{
    struct vm_config *cfg = vm->cfg;
    struct microvm *b = calloc(1, sizeof(*b));
    int r;

    if (!b)
        return -ENOMEM;
    vm->board = b;
    b->vm = vm;
    b->pci = pci;
    if (!cfg->ram_size)
        cfg->ram_size = DEFAULT_RAM;
    if (cfg->ram_size < 16 * MiB || cfg->ram_size > (1ull << 40)) {
        log_error("-m: the x86 board needs between 16 MiB and 1 TiB of RAM");
        return -EINVAL;
    }
    r = x86_cpus_configure(&b->cpus, cfg->cpu, cfg->smp ? cfg->smp : 1, cfg->smp_sockets,
                           cfg->smp_cores, cfg->smp_threads);
    if (r < 0)
        return r;
    vm->x86 = &b->cpus;
    r = add_ram(vm, cfg->ram_size);
    if (r < 0)
        return r;
    r = create_devices(vm, b);
    if (r < 0)
        return r;
    r = build_cmdline(vm, b);
    if (r < 0)
        return r;
    return load_payload(vm, b);
}

static int microvm_create(struct vm *vm)
{
    return x86_create(vm, false);
}

static int pc_create(struct vm *vm)
{
    return x86_create(vm, true);
}

static int microvm_reset(struct vm *vm)
{
    struct microvm *b = vm->board;

    uart16550_reset(b->uart);
    acpi_pm_reset(b->pm);
    i8042_reset(b->kbd);
    mc146818_reset(b->rtc);
    for (unsigned i = 0; i < b->nslots; i++)
        if (b->slots[i].transport)
            virtio_mmio_reset(b->slots[i].transport);
    if (b->pci_bus) {
        int r = x86_pci_reset(b->pci_bus);
        if (r < 0)
            return r;
    }
    return load_payload(vm, b);
}

static void microvm_destroy(struct vm *vm)
{
    struct microvm *b = vm->board;
    if (!b)
        return;
    for (unsigned i = 0; i < VIRTIO_SLOTS; i++)
        board_mmio_disk_destroy(&b->slots[i]);
    x86_pci_destroy(b->pci_bus);
    vm->ndoorbells = 0;
    debug_exit_destroy(b->dbg);
    i8042_destroy(b->kbd);
    mc146818_destroy(b->rtc);
    acpi_pm_destroy(b->pm);
    if (b->uart)
        uart16550_destroy(b->uart);
    if (b->serial)
        chardev_destroy(b->serial);
    free(b->cmdline);
    free(b);
    vm->board = NULL;
    vm->x86 = NULL;
}

const struct board_ops x86_microvm_board = {
    .name = "microvm",
    .desc = "x86-64 microvm: virtio-mmio, ACPI/MP tables, direct Linux boot (KVM)",
    .arch = ARCH_X86_64,
    .default_accel = ACCEL_KVM,
    .create = microvm_create,
    .reset = microvm_reset,
    .destroy = microvm_destroy,
};

/* QEMU's default x86 machine name: the same devices plus a PCI bus with virtio-pci. */
const struct board_ops x86_pc_board = {
    .name = "pc",
    .desc = "x86-64 PC: PCI host bridge with virtio-pci, ACPI/MP tables, direct Linux boot (KVM)",
    .arch = ARCH_X86_64,
    .default_accel = ACCEL_KVM,
    .create = pc_create,
    .reset = microvm_reset,
    .destroy = microvm_destroy,
};
