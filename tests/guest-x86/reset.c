// run: 0 ^PASS
// run: 0 ^reset.1:.i8042 -no-reboot
/*
 * Reset paths, one per boot: i8042 pulse (0xfe to port 0x64), the ACPI reset register (0xcf9),
 * then a triple fault. Guest RAM survives a reset, so a marker below the EBDA (which kvmu's
 * loader does not touch) says which stage comes next. With -no-reboot kvmu exits 0 at the first.
 */
#include "lib.h"

#define MARKER ((volatile uint32_t *)0x9e000)
#define MAGIC 0x52535400u /* "RST" + stage */

static void stage_done(unsigned next)
{
    *MARKER = MAGIC | next;
}

bool test_main(void *boot_params)
{
    (void)boot_params;
    uint32_t m = *MARKER;
    unsigned stage = (m & ~0xffu) == MAGIC ? (m & 0xff) : 0;
    switch (stage) {
    case 0:
        stage_done(1);
        puts_com1("reset 1: i8042 pulse\n");
        outb(0x64, 0xfe);
        break;
    case 1:
        stage_done(2);
        puts_com1("reset 2: ACPI reset register\n");
        outb(0xcf9, 0x06);
        break;
    case 2: {
        stage_done(3);
        puts_com1("reset 3: triple fault\n");
        struct {
            uint16_t limit;
            uint64_t base;
        } __attribute__((packed)) empty = {0, 0};
        /* No IDT: the #UD cannot be delivered (#GP, then #DF, then shutdown). */
        __asm__ volatile("lidt %0; ud2" : : "m"(empty));
        break;
    }
    default:
        *MARKER = 0;
        puts_com1("all resets came back\n");
        return true;
    }
    fail("still running after a reset request");
}
