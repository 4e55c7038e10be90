#include "accel/accel.h"

#include <stddef.h>

#include "accel/interp/interp.h"
#include "accel/jit/jit.h"
#include "accel/kvm/kvm.h"

/* Every accelerator built into kvmu. */
static const struct {
    enum config_accel id;
    const struct accel_ops *ops;
} accels[] = {
    {ACCEL_INTERP, &accel_interp_ops},
    {ACCEL_JIT, &accel_jit_ops},
    {ACCEL_KVM, &accel_kvm_ops},
};

const struct accel_ops *accel_find(enum config_accel accel, enum config_arch arch)
{
    for (size_t i = 0; i < sizeof(accels) / sizeof(accels[0]); i++)
        if (accels[i].id == accel && accels[i].ops->arch == arch)
            return accels[i].ops;
    return NULL;
}
