#include "intr.h"

#include "lib.h"

extern char intr_stubs[];

struct idt_entry {
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, reserved;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(16)));
static intr_handler handlers[256];

void intr_dispatch(struct intr_frame *f);
void intr_dispatch(struct intr_frame *f)
{
    if (f->vector < 256 && handlers[f->vector]) {
        handlers[f->vector](f);
        return;
    }
    puts_com1("unexpected interrupt ");
    put_dec(f->vector);
    puts_com1(" error ");
    put_hex(f->error);
    puts_com1(" rip ");
    put_hex(f->rip);
    puts_com1("\n");
    fail("unexpected interrupt");
}

void intr_load_idt(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" : : "m"(idtr));
}

void intr_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint64_t a = (uint64_t)intr_stubs + 16 * i;
        idt[i] = (struct idt_entry){(uint16_t)a,         0x10, 0, 0x8e, (uint16_t)(a >> 16),
                                    (uint32_t)(a >> 32), 0};
    }
    intr_load_idt();
    /* The 8259s would deliver IRQs through LINT0 with vectors that collide with exceptions. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

void intr_set_handler(unsigned vector, intr_handler fn)
{
    handlers[vector] = fn;
}

void lapic_enable(void)
{
    lapic_write(LAPIC_SVR, 0x100 | 0xff); /* software enable, spurious vector 0xff */
    lapic_write(0x80, 0);                 /* TPR: accept everything */
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)IOAPIC_BASE = reg;
    *(volatile uint32_t *)(IOAPIC_BASE + 0x10) = v;
}

void ioapic_route(unsigned pin, uint8_t vector)
{
    ioapic_write(0x10 + 2 * pin + 1, 0u << 24); /* destination: APIC id 0 */
    ioapic_write(0x10 + 2 * pin, vector);       /* fixed, physical, edge, high, unmasked */
}

void ioapic_mask(unsigned pin)
{
    ioapic_write(0x10 + 2 * pin, 1u << 16);
}
