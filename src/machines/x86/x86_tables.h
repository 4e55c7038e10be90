/*
 * Firmware tables describing the x86 board to the guest: the MP table (MP spec 1.4) and ACPI
 * (RSDP, RSDT/XSDT, FADT with PM1 S5 power-off and the reset register, FACS, MADT, a DSDT with
 * \_S5 and, on the pc board, the PCI host bridge). Both describe the same CPUs and interrupt
 * routing; Linux uses ACPI unless booted with acpi=off, then the MP table.
 */
#ifndef KVMU_MACHINES_X86_X86_TABLES_H
#define KVMU_MACHINES_X86_X86_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "core/memory.h"
#include "cpu/x86/x86_cpu.h"

#define X86_IOAPIC_ADDR 0xfec00000u
#define X86_LAPIC_ADDR 0xfee00000u
#define X86_IOAPIC_PINS 24
#define X86_SCI_IRQ 9
/* COM1, as on every PC; the DSDT describes it (PNP0501). */
#define X86_COM1_PORT 0x3f8
#define X86_COM1_IRQ 4
#define X86_RTC_IRQ 8
#define X86_KBD_IRQ 1

struct x86_tables_info {
    const struct x86_cpus *cpus;
    uint16_t acpi_pm_port;    /* PM1a event block; control block at +4, timer at +8 */
    uint16_t acpi_reset_port; /* 1-byte reset register */
    uint8_t sci_irq;
    /* The pc board's PCI bus 0 (0 = none): slot s, pin p (0 = INTA#) is wired to IOAPIC pin
     * pci_gsi_base + (s + p) % 4, level-triggered, active low; the MP table says so. */
    uint8_t pci_gsi_base;
    /* Optional AML appended to the DSDT (the PCI host bridge on the pc board). */
    const uint8_t *dsdt_aml;
    size_t dsdt_aml_len;
};

/* Build the MP floating pointer + configuration table for placement at `addr`.
 * Returns the size used, or -ENOSPC. */
int x86_mptable_build(uint8_t *buf, size_t size, uint32_t addr, const struct x86_tables_info *t);

/* Build the ACPI tables for placement at `addr`; the RSDP is at offset 0.
 * Returns the size used, or -ENOSPC. */
int x86_acpi_build(uint8_t *buf, size_t size, uint32_t addr, const struct x86_tables_info *t);

/* Both, into their places in guest RAM (X86_MPTABLE_ADDR, X86_ACPI_ADDR). */
int x86_tables_write(struct guest_mem *mem, const struct x86_tables_info *t, uint64_t *rsdp)
    __attribute__((warn_unused_result));

/* Byte sum, for table checksums (a valid table sums to 0). */
uint8_t x86_table_sum(const uint8_t *p, size_t len);

#endif
