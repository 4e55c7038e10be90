/* Boards: each builds a complete machine into a struct vm from its config. */
#ifndef KVMU_MACHINES_MACHINE_H
#define KVMU_MACHINES_MACHINE_H

#include "cli/config.h"

struct vm;

struct board_ops {
    const char *name;
    const char *desc;
    enum config_arch arch;
    enum config_accel default_accel;
    /* Build RAM, devices, CPUs and load the boot payload. On error everything built so far is
     * left for destroy() to release. */
    int (*create)(struct vm *vm) __attribute__((warn_unused_result));
    /* Guest reboot: devices and CPUs to their reset state, boot payload reloaded. */
    int (*reset)(struct vm *vm) __attribute__((warn_unused_result));
    void (*destroy)(struct vm *vm);
};

/* NULL if no board of that name exists for the architecture (ARCH_NONE: any). */
const struct board_ops *board_find(const char *name, enum config_arch arch);
/* The default board of an architecture. */
const struct board_ops *board_default(enum config_arch arch);
void board_print_list(void);

#endif
