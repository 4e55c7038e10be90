/*
 * QEMU's isa-debug-exit: a write of V to the port ends the VM with exit status (V << 1) | 1, so
 * a test program can report failure codes that never collide with a clean exit 0. kvmu's x86
 * board always has one at port 0xf4 (QEMU's default iobase).
 */
#ifndef KVMU_DEVICES_DEBUG_EXIT_H
#define KVMU_DEVICES_DEBUG_EXIT_H

#include "core/addrmap.h"
#include "devices/power.h"

#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_REGION_SIZE 4

struct debug_exit;

extern const struct mmio_ops debug_exit_ops;

int debug_exit_create(const struct power_ops *ops, struct debug_exit **out)
    __attribute__((warn_unused_result));
void debug_exit_destroy(struct debug_exit *d);

#endif
