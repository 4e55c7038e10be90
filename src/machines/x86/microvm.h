/* The x86-64 boards: `pc` (PCI + virtio-pci) and `microvm` (virtio-mmio). */
#ifndef KVMU_MACHINES_X86_MICROVM_H
#define KVMU_MACHINES_X86_MICROVM_H

#include "machines/machine.h"

extern const struct board_ops x86_microvm_board;
extern const struct board_ops x86_pc_board;

#endif
