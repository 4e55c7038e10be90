/*
 * Booting an x86-64 guest without firmware: the low-memory layout, the e820 map, and the three
 * entry paths the board supports:
 *  - bzImage: Linux x86 boot protocol, 64-bit entry (zero page, e820, cmdline, initrd);
 *  - ELF with a PVH note (Linux vmlinux): 32-bit protected-mode entry with hvm_start_info;
 *  - any other x86-64 ELF (kvmu's test guests): entered directly in 64-bit long mode with the
 *    same identity page tables, GDT and zero page as a bzImage.
 */
#ifndef KVMU_MACHINES_X86_X86_BOOT_H
#define KVMU_MACHINES_X86_X86_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "core/memory.h"
#include "cpu/x86/x86_cpu.h"

/* Guest-physical layout of the boot data (all in the first MiB). */
#define X86_GDT_ADDR 0x500ull
#define X86_PML4_ADDR 0x1000ull
#define X86_PDPT_ADDR 0x2000ull
#define X86_PD_ADDR 0x3000ull /* four page directories: 4 GiB identity-mapped in 2 MiB pages */
#define X86_ZERO_PAGE_ADDR 0x7000ull
#define X86_PVH_INFO_ADDR 0x8000ull
#define X86_CMDLINE_ADDR 0x20000ull
#define X86_CMDLINE_MAX 0x10000u
#define X86_BOOT_STACK_TOP 0x80000ull /* for ELF test guests; Linux sets up its own */
#define X86_EBDA_ADDR 0x9fc00ull
#define X86_ACPI_ADDR 0xe0000ull /* RSDP and the ACPI tables: the BIOS area Linux scans */
#define X86_ACPI_SIZE 0x10000u
#define X86_MPTABLE_ADDR 0xf0000ull /* MP floating pointer + configuration table */
#define X86_MPTABLE_SIZE 0x10000u
#define X86_KERNEL_ADDR 0x100000ull

/* RAM above 3 GiB moves above 4 GiB: [3 GiB, 4 GiB) holds device MMIO, IOAPIC and LAPIC. */
#define X86_LOWMEM_MAX 0xc0000000ull
#define X86_HIGHMEM_BASE 0x100000000ull

#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3

struct e820_entry {
    uint64_t addr, size;
    uint32_t type;
} __attribute__((packed));

#define X86_E820_MAX 8

/* The machine's memory map for `ram_size` bytes of RAM. Returns the number of entries. */
unsigned x86_e820_build(uint64_t ram_size, struct e820_entry *out, unsigned max);

struct x86_boot_params {
    const char *kernel; /* path */
    const char *initrd; /* path or NULL */
    const char *cmdline;
    uint64_t ram_size;
    uint64_t rsdp_addr; /* 0 = no ACPI */
};

/*
 * Load the kernel (bzImage, PVH ELF or 64-bit ELF), initrd and command line into guest RAM,
 * write the zero page / start_info, page tables and GDT, and fill *regs with the boot
 * processor's entry state. Returns 0 or -errno with a message.
 */
int x86_boot_load(struct guest_mem *mem, const struct x86_boot_params *p,
                  struct x86_boot_regs *regs) __attribute__((warn_unused_result));

/* Fill a 4 KiB zero page from a bzImage's first `len` bytes (setup header copied, loader
 * fields set) plus the e820 map, cmdline pointer and initrd. For unit tests and the loader. */
int x86_zero_page_build(uint8_t *zp, const uint8_t *image, size_t len, uint64_t ram_size,
                        uint64_t cmdline_addr, uint64_t initrd_addr, uint64_t initrd_size,
                        uint64_t rsdp_addr) __attribute__((warn_unused_result));

#endif
