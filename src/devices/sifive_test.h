/*
 * SiFive "test finisher" (QEMU's sifive_test): one 32-bit register that powers the machine off
 * with a status code, or reboots it. OpenSBI and Linux use it for shutdown/reboot on `virt`.
 */
#ifndef KVMU_DEVICES_SIFIVE_TEST_H
#define KVMU_DEVICES_SIFIVE_TEST_H

#include "core/addrmap.h"
#include "devices/power.h"

#define SIFIVE_TEST_REGION_SIZE 0x1000

struct sifive_test;

extern const struct mmio_ops sifive_test_mmio_ops;

/* ops is copied. Returns 0 or -ENOMEM. */
int sifive_test_create(const struct power_ops *ops, struct sifive_test **out)
    __attribute__((warn_unused_result));
void sifive_test_reset(struct sifive_test *t);
void sifive_test_destroy(struct sifive_test *t);

#endif
