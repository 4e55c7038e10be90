/*
 * The accelerator ops table: how a vm's CPUs are executed (interp, jit, kvm). Boards build the
 * machine and never know which accel runs it.
 */
#ifndef KVMU_ACCEL_ACCEL_H
#define KVMU_ACCEL_ACCEL_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/config.h"

struct vm;

struct accel_ops {
    const char *name;
    enum config_arch arch;
    /* After the board has built RAM, devices and CPUs. */
    int (*init)(struct vm *vm) __attribute__((warn_unused_result));
    /* Run the CPUs until vm->request != VM_RUN. Returns 0, or -errno on a fatal engine error. */
    int (*run)(struct vm *vm) __attribute__((warn_unused_result));
    /* From any thread: make run() notice vm->request promptly. */
    void (*kick)(struct vm *vm);
    void (*destroy)(struct vm *vm);
    /* Optional, for accels with their own interrupt controller (KVM's in-kernel IOAPIC/PIC):
     * drive input pin `gsi` to `level`. Any thread. Boards route their irq_lines here. */
    void (*set_irq)(struct vm *vm, unsigned gsi, bool level);
    /* Optional: deliver a message-signalled interrupt (PCI MSI/MSI-X) as the device's
     * capability was programmed: `data` written to `addr`. Any thread. */
    void (*send_msi)(struct vm *vm, uint64_t addr, uint32_t data);
};

/* Registered accelerators (const table), by config enum; NULL if not built in. */
const struct accel_ops *accel_find(enum config_accel accel, enum config_arch arch);

#endif
