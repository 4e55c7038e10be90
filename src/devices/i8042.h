/*
 * The PC keyboard controller, reduced to what a VMM needs: enough of the command set for Linux
 * to probe it without errors (no keyboard or mouse is attached), and CPU reset by pulsing the
 * reset line (command 0xfe, or clearing bit 0 of the output port) — Linux's `reboot=k`.
 * Two port regions: data at 0x60 and status/command at 0x64.
 */
#ifndef KVMU_DEVICES_I8042_H
#define KVMU_DEVICES_I8042_H

#include "core/addrmap.h"
#include "devices/power.h"

#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT 0x64

struct i8042;

extern const struct mmio_ops i8042_data_ops; /* 1 byte at 0x60 */
extern const struct mmio_ops i8042_cmd_ops;  /* 1 byte at 0x64 */

/* ops is copied. Returns 0 or -ENOMEM. */
int i8042_create(const struct power_ops *ops, struct i8042 **out)
    __attribute__((warn_unused_result));
void i8042_reset(struct i8042 *k);
void i8042_destroy(struct i8042 *k);

#endif
