/* Pieces every board builds the same way. */
#ifndef KVMU_MACHINES_BOARD_COMMON_H
#define KVMU_MACHINES_BOARD_COMMON_H

#include <stdint.h>

#include "core/irq.h"
#include "devices/power.h"

struct blockdev;
struct chardev;
struct pci_host;
struct pci_host_config;
struct virtio_pci;
struct drive_config;
struct virtio_device;
struct virtio_mmio;
struct vm;
struct vm_config;

/* The backend of the first serial port as -serial says (stdio by default), with the console's
 * Ctrl-A x ending the VM. */
int board_create_serial(struct vm *vm, struct chardev **out) __attribute__((warn_unused_result));

/* Power-off and reset requests from a guest-visible device, turned into vm requests. */
struct power_ops board_power_ops(struct vm *vm);

/* The transports a board's virtio disks can sit on (bits: a board may have both). */
enum board_virtio_bus { BOARD_BUS_VIRTIO_MMIO = 1, BOARD_BUS_PCI = 2 };

/* The board's disks on `bus`, in guest order (vda, vdb, ...): -drive if=virtio (or without if=,
 * as QEMU's boards read it) when `bus` is `if_virtio_bus`, then the drives that -device lines of
 * that bus name. A -device for a bus not in `buses` (a mask) is refused as QEMU refuses it.
 * `disks` has room for CONFIG_MAX_DRIVES + CONFIG_MAX_DEVICES entries. Errors are printed. */
int board_collect_disks(const struct vm_config *cfg, enum board_virtio_bus bus,
                        enum board_virtio_bus if_virtio_bus, unsigned buses,
                        const struct drive_config **disks, unsigned *n)
    __attribute__((warn_unused_result));

/* A virtio-blk device on a -drive's image: format-probe warning, lock, discard policy. */
struct board_disk {
    struct blockdev *bdev;
    struct virtio_device *vdev;
};
int board_disk_open(const struct drive_config *d, struct board_disk *disk)
    __attribute__((warn_unused_result));
void board_disk_close(struct board_disk *disk); /* safe on a zeroed or half-built one */

/* A disk on a virtio-mmio window at `base`, interrupting on `irq`. */
struct board_mmio_disk {
    struct board_disk disk;
    struct virtio_mmio *transport;
};
int board_mmio_disk_create(struct vm *vm, const struct drive_config *d, struct irq_line irq,
                           uint64_t base, uint64_t size, struct board_mmio_disk *out)
    __attribute__((warn_unused_result));
void board_mmio_disk_destroy(struct board_mmio_disk *s); /* safe on a zeroed one */

/* A PCI host with virtio-blk-pci disks in slots 1.. in command-line order. The board maps the
 * host's configuration and window ops where its bus lives. */
#define BOARD_PCI_MAX_DISKS 31
struct board_pci_disk {
    struct board_disk disk;
    struct virtio_pci *vp;
};
struct board_pci {
    struct vm *vm;
    struct pci_host *host;
    struct board_pci_disk disks[BOARD_PCI_MAX_DISKS];
    unsigned ndisks;
};
int board_pci_create(struct vm *vm, const struct pci_host_config *cfg, struct board_pci **out)
    __attribute__((warn_unused_result));
/* A virtio-blk-pci function for each drive, in order (the guest's vda, vdb, ...); then the BARs
 * are placed as firmware would. Call once. */
int board_pci_add_disks(struct board_pci *p, const struct drive_config *const *drives, unsigned n)
    __attribute__((warn_unused_result));
/* Guest reboot: functions and virtio devices to power-on state, BARs placed again (same order,
 * same addresses). */
int board_pci_reset(struct board_pci *p) __attribute__((warn_unused_result));
void board_pci_destroy(struct board_pci *p); /* after the event loop stopped; NULL is fine */

#endif
