/* Pieces every board builds the same way. */
#ifndef KVMU_MACHINES_BOARD_COMMON_H
#define KVMU_MACHINES_BOARD_COMMON_H

#include <stdint.h>

#include "core/irq.h"
#include "devices/power.h"

struct blockdev;
struct chardev;
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

/* Which transport a board's virtio disks sit on; -device must name the matching one. */
enum board_virtio_bus { BOARD_BUS_VIRTIO_MMIO, BOARD_BUS_PCI };

/* The board's disks in guest order (vda, vdb, ...): -drive if=virtio (or without if=, as
 * QEMU's boards read it), then the drives -device names. `disks` has room for
 * CONFIG_MAX_DRIVES + CONFIG_MAX_DEVICES entries. Errors are printed. */
int board_collect_disks(const struct vm_config *cfg, enum board_virtio_bus bus,
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

#endif
