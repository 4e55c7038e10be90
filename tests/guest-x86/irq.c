/* Interrupt delivery through KVM's in-kernel LAPIC timer, PIT -> IOAPIC, and COM1 -> IOAPIC
 * (kvmu's irq line → irqfd path). */
#include "intr.h"
#include "lib.h"

static volatile unsigned lapic_ticks, pit_ticks, uart_irqs;

static void on_lapic_timer(struct intr_frame *f)
{
    (void)f;
    lapic_ticks++;
    lapic_eoi();
}

static void on_pit(struct intr_frame *f)
{
    (void)f;
    pit_ticks++;
    lapic_eoi();
}

static void on_uart(struct intr_frame *f)
{
    (void)f;
    uint8_t iir = inb(COM1 + 2);
    if ((iir & 0x0f) == 0x02) { /* THR empty: the interrupt we asked for */
        uart_irqs++;
        outb(COM1 + 1, 0); /* IER off again, or it would fire forever */
    }
    lapic_eoi();
}

static void spurious(struct intr_frame *f)
{
    (void)f;
}

bool test_main(void *boot_params)
{
    (void)boot_params;
    intr_init();
    intr_set_handler(0x40, on_lapic_timer);
    intr_set_handler(0x41, on_pit);
    intr_set_handler(0x42, on_uart);
    intr_set_handler(0xff, spurious);
    lapic_enable();

    /* LAPIC timer, periodic. */
    lapic_write(LAPIC_TIMER_DIV, 0xb); /* divide by 1 */
    lapic_write(LAPIC_LVT_TIMER, 0x40 | (1u << 17));
    lapic_write(LAPIC_TIMER_INIT, 200000);
    while (lapic_ticks < 5)
        sti_hlt();
    lapic_write(LAPIC_LVT_TIMER, 1u << 16); /* masked */
    puts_com1("lapic timer: 5 interrupts\n");

    /* PIT channel 0 at 1 kHz on ISA IRQ 0 = IOAPIC pin 2 (KVM's routing, our MADT override). */
    outb(0x43, 0x34);
    outb(0x40, 1193 & 0xff);
    outb(0x40, 1193 >> 8);
    ioapic_route(2, 0x41);
    while (pit_ticks < 3)
        sti_hlt();
    ioapic_mask(2);
    puts_com1("pit via ioapic pin 2: 3 interrupts\n");

    /* COM1 THR-empty interrupt on IRQ 4. */
    ioapic_route(4, 0x42);
    outb(COM1 + 4, 0x08); /* OUT2: the PC's interrupt enable for the UART */
    outb(COM1 + 1, 0x02); /* IER: THR empty */
    while (uart_irqs < 1)
        sti_hlt();
    ioapic_mask(4);
    puts_com1("uart via ioapic pin 4: 1 interrupt\n");
    return true;
}
