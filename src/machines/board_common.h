/* Pieces every board builds the same way. */
#ifndef KVMU_MACHINES_BOARD_COMMON_H
#define KVMU_MACHINES_BOARD_COMMON_H

#include "devices/power.h"

struct chardev;
struct vm;

/* The backend of the first serial port as -serial says (stdio by default), with the console's
 * Ctrl-A x ending the VM. */
int board_create_serial(struct vm *vm, struct chardev **out) __attribute__((warn_unused_result));

/* Power-off and reset requests from a guest-visible device, turned into vm requests. */
struct power_ops board_power_ops(struct vm *vm);

#endif
