/* A RISC-V RV64GC hart: what the board creates and the execution engines (interp, jit) run. */
#ifndef KVMU_CPU_RISCV_HART_H
#define KVMU_CPU_RISCV_HART_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct vm;
struct rv_hart;

struct rv_hart_config {
    unsigned hartid;
    struct vm *vm; /* vm->mem, vm->mmio, vm->wake, vm->clock */
};

int rv_hart_create(const struct rv_hart_config *cfg, struct rv_hart **out)
    __attribute__((warn_unused_result));
/* M-mode at pc, registers 0, CSRs at their reset values. */
void rv_hart_reset(struct rv_hart *h, uint64_t pc);
void rv_hart_set_xreg(struct rv_hart *h, unsigned reg, uint64_t value);
/* irq_line-compatible, callable from any thread. num is the mip bit (3 MSIP, 7 MTIP, 9 SEIP,
 * 11 MEIP). Sets or clears it atomically, flags the hart and wakes the CPU thread. */
void rv_hart_irq_set(void *hart, unsigned num, bool level);
/* pc, privilege, x regs with ABI names, f regs, fcsr, key CSRs. */
void rv_hart_dump(const struct rv_hart *h, FILE *f);
void rv_hart_destroy(struct rv_hart *h);

/*
 * The scheduler both RISC-V engines share: every hart of vm->harts in turn, a slice of
 * instructions each (long with one hart, short with several so they progress together), until
 * vm->request leaves VM_RUN. Harts in WFI are skipped until an enabled interrupt is pending;
 * when all idle, the thread sleeps on vm->wake. exec() runs one hart for up to `slice`
 * instructions.
 */
void rv_harts_run(struct vm *vm, void (*exec)(void *engine, struct rv_hart *h, uint64_t slice),
                  void *engine);
/* From any thread: make rv_harts_run() look at vm->request and the harts promptly. */
void rv_harts_kick(struct vm *vm);

#endif
