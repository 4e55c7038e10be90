/*
 * A PCI host bridge: bus 0 with up to 32 single-function devices, reached by the PC's
 * configuration mechanism #1 (address register at port 0xcf8, data at 0xcfc) or ECAM
 * (memory-mapped, 4 KiB per function), as the board wires it. It decodes the functions' BARs inside
 * two windows the board maps (memory and I/O), places them at power-on as firmware would, and wires
 * each function's INTA# to one of four lines with the usual swizzle.
 */
#ifndef KVMU_DEVICES_PCI_HOST_H
#define KVMU_DEVICES_PCI_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/addrmap.h"
#include "core/irq.h"

struct pci_device;
struct pci_host;
struct pci_id;

#define PCI_HOST_SLOTS 32
#define PCI_HOST_CFG_ADDR_PORT 0xcf8
#define PCI_HOST_CFG_DATA_PORT 0xcfc
#define PCI_HOST_ECAM_SIZE (1u << 20) /* bus 0 only: 32 devices x 8 functions x 4 KiB */

struct pci_host_config {
    uint64_t mmio_base, mmio_size;  /* memory window: BARs are placed and decoded here */
    uint64_t io_base, io_size;      /* I/O port window */
    struct irq_line intx[4];        /* slot s, pin p (0 = INTA#) drive intx[(s + p) % 4] */
    struct msi_target msi;          /* where MSI-X messages go */
    const struct pci_id *bridge_id; /* the host bridge function in slot 0; NULL: an Intel 440FX */
    /* The dword register at 0xcf8 shares its ports with the PC's one-byte reset control
     * register at 0xcf9; byte accesses there are handed to these ops (optional). */
    const struct mmio_ops *cf9_ops;
    void *cf9_opaque;
};

extern const struct mmio_ops pci_host_cfg_addr_ops; /* 4 ports at 0xcf8 */
extern const struct mmio_ops pci_host_cfg_data_ops; /* 4 ports at 0xcfc */
extern const struct mmio_ops pci_host_ecam_ops;     /* PCI_HOST_ECAM_SIZE bytes of memory */
extern const struct mmio_ops pci_host_mmio_ops;     /* the memory window, at mmio_base */
extern const struct mmio_ops pci_host_io_ops;       /* the I/O window, at io_base */

/* Creates the host with its own host-bridge function in slot 0. Returns 0 or -ENOMEM. */
int pci_host_create(const struct pci_host_config *cfg, struct pci_host **out)
    __attribute__((warn_unused_result));
/* Plugs `dev` (function 0) into `slot` (1..31) and wires its interrupts. -EBUSY, -EINVAL. */
int pci_host_plug(struct pci_host *h, unsigned slot, struct pci_device *dev)
    __attribute__((warn_unused_result));
/* Firmware's part of power-on: every BAR gets a naturally aligned address inside its window
 * (largest first) and memory/I/O decoding is enabled. -ENOSPC if the windows are too small. */
int pci_host_assign_bars(struct pci_host *h) __attribute__((warn_unused_result));
/* The line index (0..3) a slot's interrupt pin (0 = INTA#) is routed to, for firmware tables. */
unsigned pci_host_intx_line(unsigned slot, unsigned pin);
/* Every function back to power-on, then the BARs assigned again. */
int pci_host_reset(struct pci_host *h) __attribute__((warn_unused_result));
/* Does not destroy the plugged devices (their owners do, after this). */
void pci_host_destroy(struct pci_host *h);

#endif
