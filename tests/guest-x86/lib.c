#include "lib.h"

void putc_com1(char c)
{
    /* Wait for THR empty; kvmu's UART is always ready, a real one may not be. */
    while (!(inb(COM1 + 5) & 0x20))
        cpu_relax();
    outb(COM1, (uint8_t)c);
}

void puts_com1(const char *s)
{
    while (*s)
        putc_com1(*s++);
}

void put_hex(uint64_t v)
{
    char buf[19] = "0x";
    for (int i = 0; i < 16; i++)
        buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
    buf[18] = 0;
    puts_com1(buf);
}

void put_dec(uint64_t v)
{
    char buf[21];
    int i = 20;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    puts_com1(buf + i);
}

void poweroff(void)
{
    /* ACPI PM1a_CNT: SLP_TYP = 5 (S5, from kvmu's DSDT) | SLP_EN. */
    outw(ACPI_PM1_CNT, (5 << 10) | (1 << 13));
    for (;;)
        __asm__ volatile("cli; hlt");
}

void fail(const char *msg)
{
    puts_com1("FAIL: ");
    puts_com1(msg);
    puts_com1("\n");
    outb(DEBUG_EXIT, 1); /* exit status (1 << 1) | 1 = 3 */
    for (;;)
        __asm__ volatile("cli; hlt");
}

void *memset(void *d, int c, size_t n)
{
    uint8_t *p = d;
    while (n--)
        *p++ = (uint8_t)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q)
            return *p - *q;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

const char *cmdline(void *boot_params)
{
    uint32_t ptr;
    memcpy(&ptr, (uint8_t *)boot_params + 0x228, 4);
    return ptr ? (const char *)(uintptr_t)ptr : "";
}

/* Tests that start APs define their own; the trampoline links against this otherwise. */
__attribute__((weak)) void ap_main(void) {}

void guest_start(void *boot_params)
{
    if (test_main(boot_params)) {
        puts_com1("PASS\n");
        poweroff();
    }
    fail("test returned false");
}
