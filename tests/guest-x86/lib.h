/* A tiny freestanding runtime for kvmu's x86 test guests: port I/O, COM1, power-off. */
#ifndef KVMU_GUEST_X86_LIB_H
#define KVMU_GUEST_X86_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COM1 0x3f8
#define ACPI_PM1_CNT 0x604
#define DEBUG_EXIT 0xf4

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint32_t mmio_read32(uint64_t addr)
{
    return *(volatile uint32_t *)addr;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
    *(volatile uint32_t *)addr = v;
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_relax(void)
{
    __asm__ volatile("pause" ::: "memory");
}

void guest_start(void *boot_params);
/* Where application processors land in long mode (trampoline.S), on their own stack. */
void ap_main(void);
/* Each test defines this; returning true powers off (exit 0), false fails (exit 3). */
bool test_main(void *boot_params);

void putc_com1(char c);
void puts_com1(const char *s);
void put_hex(uint64_t v);
void put_dec(uint64_t v);
/* Print "FAIL: msg" and end the VM with a non-zero status via the debug-exit port. */
void fail(const char *msg) __attribute__((noreturn));
void poweroff(void) __attribute__((noreturn));
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
const char *cmdline(void *boot_params);

#endif
