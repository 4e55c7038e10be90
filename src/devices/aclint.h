/*
 * SiFive CLINT-compatible ACLINT (MSWI + MTIMER in one region, as QEMU `virt`): msip at
 * 0x0 + 4*hart, mtimecmp at 0x4000 + 8*hart, mtime at 0xbff8. mtime runs at 10 MHz from the
 * host monotonic clock. MTIP is a level: mtime >= mtimecmp, raised by an event-loop timer when
 * the deadline passes.
 */
#ifndef KVMU_DEVICES_ACLINT_H
#define KVMU_DEVICES_ACLINT_H

#include <stdint.h>

#include "core/addrmap.h"
#include "core/irq.h"

#define ACLINT_REGION_SIZE 0x10000
#define ACLINT_TIMEBASE_FREQ 10000000 /* Hz: for the FDT timebase-frequency */
#define ACLINT_MAX_HARTS 4095

struct aclint;
struct event_loop;
struct guest_clock;

extern const struct mmio_ops aclint_mmio_ops;

/* mtime is `clock` (10 MHz: aclint_create sets its tick length); guest writes to mtime move
 * the clock's offset, so the harts' `time` CSR agrees. Line arrays have nharts entries and are
 * copied. Returns 0, -EINVAL or -ENOMEM. */
int aclint_create(struct event_loop *loop, unsigned nharts, struct guest_clock *clock,
                  const struct irq_line *msip_lines, const struct irq_line *mtip_lines,
                  struct aclint **out) __attribute__((warn_unused_result));
/* msip = 0, mtimecmp = all-ones, mtime offset 0; lowers every line. */
void aclint_reset(struct aclint *a);
/* Call after the event loop has stopped (the timers belong to it). */
void aclint_destroy(struct aclint *a);

#endif
