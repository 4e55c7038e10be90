/*
 * SiFive Platform-Level Interrupt Controller, QEMU `virt` register layout: priorities at
 * 0x0 + 4*source, pending bits at 0x1000, per-context enables at 0x2000 + 0x80*context,
 * threshold / claim-complete at 0x200000 + 0x1000*context. Sources are level-triggered.
 */
#ifndef KVMU_DEVICES_PLIC_H
#define KVMU_DEVICES_PLIC_H

#include "core/addrmap.h"
#include "core/irq.h"

#define PLIC_REGION_SIZE 0x4000000
#define PLIC_MAX_SOURCES 1024
#define PLIC_PRIORITY_MAX 7 /* 3 priority bits, as QEMU virt */

struct plic;

extern const struct mmio_ops plic_mmio_ops;

/*
 * nsources counts source 0 (which never interrupts), e.g. 96 on QEMU virt. context_lines[k] is
 * the external-interrupt line of context k, in QEMU order: hart0 M, hart0 S, hart1 M, ...
 * The array is copied. Returns 0, -EINVAL or -ENOMEM.
 */
int plic_create(unsigned nsources, unsigned ncontexts, const struct irq_line *context_lines,
                struct plic **out) __attribute__((warn_unused_result));
/* The line a device asserts for `source` (1..nsources-1). */
struct irq_line plic_source_line(struct plic *p, unsigned source);
/* Priorities, enables, thresholds and claims cleared; source levels are kept. */
void plic_reset(struct plic *p);
void plic_destroy(struct plic *p);

#endif
