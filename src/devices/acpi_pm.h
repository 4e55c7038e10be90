/*
 * ACPI fixed hardware of a PC without a chipset: the PM1a event and control registers (S5
 * soft-off), the 24-bit PM timer, and the reset register. Port I/O; the x86 board places them
 * and describes them to the guest in the FADT.
 */
#ifndef KVMU_DEVICES_ACPI_PM_H
#define KVMU_DEVICES_ACPI_PM_H

#include "core/addrmap.h"
#include "devices/power.h"

/* Layout of the PM register block (offsets from its base). */
#define ACPI_PM1_EVT_OFFSET 0x0 /* PM1a_STS (2 bytes), PM1a_EN (2 bytes) */
#define ACPI_PM1_CNT_OFFSET 0x4 /* PM1a_CNT (2 bytes) */
#define ACPI_PM_TMR_OFFSET 0x8  /* PM_TMR (4 bytes) */
#define ACPI_PM_REGION_SIZE 0x10

/* SLP_TYP value that means S5 (soft-off), as the DSDT's \_S5 package must say. */
#define ACPI_SLP_TYP_S5 5
/* Value to write to the reset register (FADT RESET_VALUE). */
#define ACPI_RESET_VALUE 0x6
#define ACPI_RESET_REGION_SIZE 1

struct acpi_pm;

extern const struct mmio_ops acpi_pm_ops;    /* the PM register block */
extern const struct mmio_ops acpi_reset_ops; /* the 1-byte reset register */

/* ops is copied. Returns 0 or -ENOMEM. */
int acpi_pm_create(const struct power_ops *ops, struct acpi_pm **out)
    __attribute__((warn_unused_result));
void acpi_pm_reset(struct acpi_pm *pm);
void acpi_pm_destroy(struct acpi_pm *pm);

#endif
