/* The RISC-V to x86-64 JIT accelerator (-accel jit). */
#ifndef KVMU_ACCEL_JIT_JIT_H
#define KVMU_ACCEL_JIT_JIT_H

#include "accel/accel.h"

extern const struct accel_ops accel_jit_ops;

#endif
