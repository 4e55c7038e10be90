/* Interrupts for the x86 test guests: IDT, LAPIC, IOAPIC, legacy PIC masking. */
#ifndef KVMU_GUEST_X86_INTR_H
#define KVMU_GUEST_X86_INTR_H

#include <stdint.h>

#define LAPIC_BASE 0xfee00000ull
#define IOAPIC_BASE 0xfec00000ull

#define LAPIC_ID 0x20
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

struct intr_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

typedef void (*intr_handler)(struct intr_frame *f);

/* Load the IDT (every CPU), mask the 8259s (boot CPU). Unhandled vectors fail the test. */
void intr_init(void);
void intr_load_idt(void);
void intr_set_handler(unsigned vector, intr_handler fn);

static inline uint32_t lapic_read(uint32_t reg)
{
    return *(volatile uint32_t *)(LAPIC_BASE + reg);
}

static inline void lapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)(LAPIC_BASE + reg) = v;
}

static inline void lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

static inline uint32_t lapic_id(void)
{
    return lapic_read(LAPIC_ID) >> 24;
}

void lapic_enable(void);
/* Route IOAPIC pin to vector on the boot CPU (APIC id 0), edge triggered, active high. */
void ioapic_route(unsigned pin, uint8_t vector);
void ioapic_mask(unsigned pin);

static inline void sti_hlt(void)
{
    __asm__ volatile("sti; hlt; cli" ::: "memory");
}

#endif
