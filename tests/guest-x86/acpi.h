/* Reading kvmu's ACPI tables from inside a test guest (and checking their checksums). */
#ifndef KVMU_GUEST_X86_ACPI_H
#define KVMU_GUEST_X86_ACPI_H

#include <stdint.h>

#define ACPI_PM_TMR 0x608
#define PM_TIMER_HZ 3579545ull

/* The table with this signature via the zero page's RSDP and the XSDT, or 0. Fails the test
 * on a bad checksum. */
const uint8_t *acpi_find(void *boot_params, const char *sig);
/* APIC ids of the enabled processors in the MADT; returns how many. */
unsigned acpi_cpu_apic_ids(void *boot_params, uint8_t *ids, unsigned max);

/* ACPI PM timer ticks elapsed between two reads (24-bit counter). */
static inline uint32_t pm_timer_delta(uint32_t a, uint32_t b)
{
    return (b - a) & 0xffffff;
}

#endif
