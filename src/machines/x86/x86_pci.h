/*
 * The PCI part of the x86 `pc` board: the host bridge at 0xcf8/0xcfc, its memory window
 * (0xc0000000-0xfebfffff) and I/O window (0xc000-0xffff), INTA-D on IOAPIC pins 16-19, MSI-X
 * through the accel, and virtio-blk-pci disks in slots 1.. in command-line order. It also
 * writes the DSDT's \_SB.PCI0 (host bridge, windows, interrupt routing) so an ACPI guest finds
 * the bus, and lists each queue's notify address as a doorbell for KVM's ioeventfd.
 */
#ifndef KVMU_MACHINES_X86_X86_PCI_H
#define KVMU_MACHINES_X86_X86_PCI_H

#include <stddef.h>
#include <stdint.h>

#include "core/addrmap.h"

struct vm;
struct drive_config;
struct x86_pci;

#define X86_PCI_MMIO_BASE 0xc0000000ull
#define X86_PCI_MMIO_END 0xfec00000ull /* the IOAPIC follows */
#define X86_PCI_IO_BASE 0xc000
#define X86_PCI_IO_END 0x10000
#define X86_PCI_GSI_BASE 16 /* INTA-D: IOAPIC pins 16-19, level-triggered */

/* Registers the host bridge's ports and windows in vm's address maps. The one-byte PC reset
 * register at 0xcf9 shares the bridge's address register; its ops go in cf9_ops. */
int x86_pci_create(struct vm *vm, const struct mmio_ops *cf9_ops, void *cf9_opaque,
                   struct x86_pci **out) __attribute__((warn_unused_result));
/* A virtio-blk-pci function for each drive, in order (the guest's vda, vdb, ...); then the
 * BARs are placed and the doorbells listed. Call once. */
int x86_pci_add_disks(struct x86_pci *p, const struct drive_config *const *drives, unsigned n)
    __attribute__((warn_unused_result));
/* AML for the DSDT: Scope (\_SB) { Device (PCI0) { ... } }. Valid while p lives. */
const uint8_t *x86_pci_dsdt_aml(const struct x86_pci *p, size_t *len);
/* Guest reboot: functions and virtio devices to power-on state, BARs placed again. */
int x86_pci_reset(struct x86_pci *p) __attribute__((warn_unused_result));
/* After the event loop stopped. */
void x86_pci_destroy(struct x86_pci *p);

#endif
