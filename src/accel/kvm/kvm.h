/*
 * The KVM accelerator (x86-64 guests on an x86-64 host): guest RAM as memslots, one thread per
 * vCPU, in-kernel irqchip and PIT, exits dispatched to the vm's PIO/MMIO address maps, irqfd for
 * interrupt lines and ioeventfd for device doorbells.
 */
#ifndef KVMU_ACCEL_KVM_KVM_H
#define KVMU_ACCEL_KVM_KVM_H

#include "accel/accel.h"

extern const struct accel_ops accel_kvm_ops;

#endif
