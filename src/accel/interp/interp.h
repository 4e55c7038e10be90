/* The RV64 interpreter accelerator (-accel interp). */
#ifndef KVMU_ACCEL_INTERP_INTERP_H
#define KVMU_ACCEL_INTERP_INTERP_H

#include <stdint.h>

#include "accel/accel.h"

extern const struct accel_ops accel_interp_ops;

/* The interpreter as a library for other engines (the JIT's fallback and its checker). */
struct interp;
struct rv_hart;
struct vm;

/* An interpreter for vm's harts that installs no hooks (the caller owns hart hooks and the
 * DMA callback). NULL if out of memory. */
struct interp *interp_new(struct vm *vm);
void interp_free(struct interp *it);
/* Execute exactly one instruction, raw, at h->pc: afterwards h->pc is the next pc, or the trap
 * handler if it trapped (the trap is taken; no interrupt is checked). h->instret counts it if
 * it retired. WFI may leave h->wfi set. Returns 1 if it retired, 0 if it trapped. */
int interp_step(struct interp *it, struct rv_hart *h, uint32_t raw);

#endif
