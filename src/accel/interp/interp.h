/* The RV64 interpreter accelerator (-accel interp). */
#ifndef KVMU_ACCEL_INTERP_INTERP_H
#define KVMU_ACCEL_INTERP_INTERP_H

#include "accel/accel.h"

extern const struct accel_ops accel_interp_ops;

#endif
