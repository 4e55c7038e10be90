/*
 * MC146818 CMOS real-time clock, the PC's "CMOS": index port 0x70 and data port 0x71, the time
 * of day from the host clock (UTC, BCD or binary, 12/24 h as register B says), 128 bytes of
 * CMOS RAM. No periodic, alarm or update interrupts: Linux only reads the wall clock here.
 */
#ifndef KVMU_DEVICES_MC146818_H
#define KVMU_DEVICES_MC146818_H

#include "core/addrmap.h"

#define MC146818_PORT 0x70
#define MC146818_REGION_SIZE 2

struct mc146818;

extern const struct mmio_ops mc146818_ops;

int mc146818_create(struct mc146818 **out) __attribute__((warn_unused_result));
void mc146818_reset(struct mc146818 *rtc);
void mc146818_destroy(struct mc146818 *rtc);

#endif
