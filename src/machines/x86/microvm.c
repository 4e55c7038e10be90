/*
 * The x86-64 board `microvm` (and `pc`, an alias until the board grows PCI): RAM, in-kernel
 * IOAPIC/PIC/PIT (owned by the accel), a 16550 at 0x3f8/IRQ 4, ACPI power/reset registers, an
 * i8042 for `reboot=k`, QEMU's isa-debug-exit at 0xf4, virtio-mmio devices announced on the
 * kernel command line, and MP + ACPI tables describing the CPUs. Booted without firmware.
 *
 * Port map: 0x60/0x64 i8042, 0xf4 debug-exit, 0x3f8 COM1, 0x600 ACPI PM block, 0xcf9 reset.
 */
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
#include "devices/uart16550.h"
#include "machines/x86/x86_boot.h"
#include "machines/x86/x86_tables.h"

#define DEFAULT_RAM (128ull << 20)
#define MiB (1ull << 20)

#define COM1_PORT 0x3f8
#define COM1_IRQ 4
#define COM_REGION_SIZE 8
#define ACPI_PM_PORT 0x600
#define ACPI_RESET_PORT 0xcf9

struct microvm {
    struct vm *vm;
    struct x86_cpus cpus;
    struct chardev *serial;
    struct uart16550 *uart;
    struct acpi_pm *pm;
    struct i8042 *kbd;
    struct debug_exit *dbg;
    struct power_ops power;
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

static void board_poweroff(void *opaque, int code)
{
    vm_request_shutdown(opaque, code);
}

static void board_reset_request(void *opaque)
{
    vm_request_reset(opaque);
}

static void board_quit(void *opaque)
{
    vm_request_shutdown(opaque, 0);
}

static int create_serial(struct vm *vm, struct microvm *b)
{
    const struct vm_config *cfg = vm->cfg;
    const struct serial_config *s = cfg->nserial ? &cfg->serial[0] : NULL;
    int r;

    if (!s || s->kind == SERIAL_STDIO)
        r = chardev_stdio_create(vm->loop, &b->serial);
    else if (s->kind == SERIAL_FILE)
        r = chardev_file_create(s->path, &b->serial);
    else
        r = chardev_null_create(&b->serial);
    if (r < 0)
        return r;
    chardev_set_quit_handler(b->serial, board_quit, vm);
    return uart16550_create(b->serial, gsi_line(vm, COM1_IRQ), &b->uart);
}

static int add_pio(struct vm *vm, uint64_t port, uint64_t size, const struct mmio_ops *ops,
                   void *opaque, const char *name)
{
    return addr_map_add(&vm->pio, port, size, ops, opaque, name);
}

static int create_devices(struct vm *vm, struct microvm *b)
{
    int r = create_serial(vm, b);
    if (r < 0)
        return r;
    r = add_pio(vm, COM1_PORT, COM_REGION_SIZE, &uart16550_mmio_ops, b->uart, "com1");
    if (r < 0)
        return r;

    b->power = (struct power_ops){board_poweroff, board_reset_request, vm};
    r = acpi_pm_create(&b->power, &b->pm);
    if (r < 0)
        return r;
    r = add_pio(vm, ACPI_PM_PORT, ACPI_PM_REGION_SIZE, &acpi_pm_ops, b->pm, "acpi-pm");
    if (r < 0)
        return r;
    r = add_pio(vm, ACPI_RESET_PORT, ACPI_RESET_REGION_SIZE, &acpi_reset_ops, b->pm, "acpi-reset");
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
    r = debug_exit_create(&b->power, &b->dbg);
    if (r < 0)
        return r;
    return add_pio(vm, DEBUG_EXIT_PORT, DEBUG_EXIT_REGION_SIZE, &debug_exit_ops, b->dbg,
                   "debug-exit");
}

static int build_cmdline(struct vm *vm, struct microvm *b)
{
    const char *append = vm->cfg->append ? vm->cfg->append : "";
    free(b->cmdline);
    b->cmdline = strdup(append);
    if (!b->cmdline) {
        log_error("out of memory for the kernel command line");
        return -ENOMEM;
    }
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

static int microvm_create(struct vm *vm)
{
    struct vm_config *cfg = vm->cfg;
    struct microvm *b = calloc(1, sizeof(*b));
    int r;

    if (!b)
        return -ENOMEM;
    vm->board = b;
    b->vm = vm;
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

static int microvm_reset(struct vm *vm)
{
    struct microvm *b = vm->board;

    uart16550_reset(b->uart);
    acpi_pm_reset(b->pm);
    i8042_reset(b->kbd);
    return load_payload(vm, b);
}

static void microvm_destroy(struct vm *vm)
{
    struct microvm *b = vm->board;
    if (!b)
        return;
    debug_exit_destroy(b->dbg);
    i8042_destroy(b->kbd);
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

/* `pc` is the same machine until kvmu has a PCI host bridge. */
const struct board_ops x86_pc_board = {
    .name = "pc",
    .desc = "x86-64 PC (for now the microvm board under QEMU's default name)",
    .arch = ARCH_X86_64,
    .default_accel = ACCEL_KVM,
    .create = microvm_create,
    .reset = microvm_reset,
    .destroy = microvm_destroy,
};
