/* The RISC-V `virt` board: QEMU's memory map, so firmware and kernels built for it run as is. */
#ifndef KVMU_MACHINES_RISCV_VIRT_H
#define KVMU_MACHINES_RISCV_VIRT_H

#include <stddef.h>
#include <stdint.h>

#include "machines/machine.h"

extern const struct board_ops riscv_virt_board;

#define VIRT_MAX_HARTS 8
#define VIRT_VIRTIO_SLOTS 8

enum {
    VIRT_TEST_BASE = 0x100000,
    VIRT_TEST_SIZE = 0x1000,
    VIRT_CLINT_BASE = 0x2000000,
    VIRT_CLINT_SIZE = 0x10000,
    VIRT_PLIC_BASE = 0xc000000,
    VIRT_PLIC_SIZE = 0x600000,
    VIRT_UART0_BASE = 0x10000000,
    VIRT_UART0_SIZE = 0x100,
    VIRT_UART0_IRQ = 10,
    VIRT_VIRTIO_BASE = 0x10001000,
    VIRT_VIRTIO_STRIDE = 0x1000,
    VIRT_VIRTIO_IRQ = 1, /* slot n uses PLIC source 1 + n */
    VIRT_PLIC_SOURCES = 96,
    /* The PCI host (QEMU's gpex): ECAM for bus 0, an I/O window for ports 0-0xffff, a 32-bit
     * memory window; INTA-D on PLIC sources 32-35. */
    VIRT_PCI_PIO_BASE = 0x3000000,
    VIRT_PCI_PIO_SIZE = 0x10000,
    VIRT_PCI_ECAM_BASE = 0x30000000,
    VIRT_PCI_MMIO_BASE = 0x40000000,
    VIRT_PCI_MMIO_SIZE = 0x40000000,
    VIRT_PCI_IRQ = 32,
};
#define VIRT_DRAM_BASE 0x80000000ull

/* What the device tree needs to describe, decided by the board. */
struct virt_fdt_info {
    unsigned nharts;
    uint64_t ram_size;
    unsigned nvirtio; /* slots 0..nvirtio-1 are populated */
    const char *bootargs;
    uint64_t initrd_start, initrd_end; /* end == 0: no initrd */
};

/* Build the flattened device tree into buf. Returns its size or -errno. */
int virt_fdt_build(const struct virt_fdt_info *info, void *buf, size_t bufsize)
    __attribute__((warn_unused_result));

#endif
