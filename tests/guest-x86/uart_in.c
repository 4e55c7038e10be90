// stdin: ping\npong\n
/* COM1 input: a line by polling LSR, then a line by receive interrupts on IRQ 4. The runner
 * feeds "ping\npong\n" on stdin. */
#include "intr.h"
#include "lib.h"

static volatile char rx[32];
static volatile unsigned rx_len;

static void on_uart(struct intr_frame *f)
{
    (void)f;
    while (inb(COM1 + 5) & 0x01)
        if (rx_len < sizeof(rx) - 1)
            rx[rx_len++] = (char)inb(COM1);
    lapic_eoi();
}

static void read_line_polled(char *buf, unsigned max)
{
    unsigned n = 0;
    for (;;) {
        while (!(inb(COM1 + 5) & 0x01))
            cpu_relax();
        char c = (char)inb(COM1);
        if (c == '\n' || c == '\r')
            break;
        if (n < max - 1)
            buf[n++] = c;
    }
    buf[n] = 0;
}

bool test_main(void *boot_params)
{
    (void)boot_params;
    char line[32];
    /* FCR is left alone (16450 mode, one holding register): changing FCR bit 0 would clear
     * input that may already be waiting, as on a real 16550. */
    puts_com1("READY\n");
    read_line_polled(line, sizeof(line));
    if (memcmp(line, "ping", 5))
        fail("polled input: expected 'ping'");
    puts_com1("polled input: ping\n");

    intr_init();
    intr_set_handler(0x42, on_uart);
    lapic_enable();
    ioapic_route(4, 0x42);
    outb(COM1 + 4, 0x08); /* OUT2 */
    outb(COM1 + 1, 0x01); /* IER: received data */
    for (;;) {
        __asm__ volatile("cli");
        unsigned n = rx_len;
        if (n && (rx[n - 1] == '\n' || rx[n - 1] == '\r'))
            break;
        sti_hlt();
    }
    outb(COM1 + 1, 0);
    rx[rx_len] = 0;
    if (memcmp((const char *)rx, "pong", 4)) {
        puts_com1("got: ");
        for (unsigned i = 0; i < rx_len; i++)
            put_hex((uint8_t)rx[i]);
        puts_com1("\n");
        fail("interrupt input: expected 'pong'");
    }
    puts_com1("interrupt input: pong\n");
    return true;
}
