// run: 0 ^PASS
// run: 0 ^PASS -drive file=@DISK@,format=raw,if=virtio
/*
 * PIO and MMIO exits to the VMM: unassigned ports and addresses read as all-ones, writes are
 * dropped, and 100k of each are timed with the ACPI PM timer ("exit-cost" lines, read by
 * bench/kvm-x86). With a virtio disk attached, 100k writes to a QueueNotify doorbell time the
 * ioeventfd path (absorbed in KVM, no exit to kvmu).
 */
#include "acpi.h"
#include "lib.h"

#define N 100000u
#define HOLE_MMIO 0xd8000000ull /* in the MMIO window, no device there */

static void report(const char *what, uint32_t ticks)
{
    uint64_t ns = (uint64_t)ticks * 1000000000ull / PM_TIMER_HZ / N;
    puts_com1("exit-cost ");
    puts_com1(what);
    puts_com1(" ");
    put_dec(ns);
    puts_com1(" ns\n");
}

static uint64_t virtio_base(void *boot_params)
{
    const char *c = cmdline(boot_params);
    const char *key = "virtio_mmio.device=";
    for (; *c; c++) {
        if (memcmp(c, key, strlen(key)))
            continue;
        c += strlen(key);
        while (*c && *c != '@')
            c++;
        uint64_t v = 0;
        for (c += 3; *c && *c != ':'; c++) /* skip "@0x" */
            v = v * 16 + (uint64_t)(*c <= '9' ? *c - '0' : *c - 'a' + 10);
        return v;
    }
    return 0;
}

bool test_main(void *boot_params)
{
    if (inb(0x80) != 0xff || inl(0x2f8) != 0xffffffffu)
        fail("unassigned ports must read as all-ones");
    if (mmio_read32(HOLE_MMIO) != 0xffffffffu)
        fail("unassigned MMIO must read as all-ones");
    mmio_write32(HOLE_MMIO, 0x1234);
    if (mmio_read32(HOLE_MMIO) != 0xffffffffu)
        fail("unassigned MMIO writes must be dropped");
    /* COM1's scratch register round-trips through the device. */
    outb(COM1 + 7, 0x5a);
    if (inb(COM1 + 7) != 0x5a)
        fail("UART scratch register");
    puts_com1("pio and mmio exits: ok\n");

    uint32_t t0 = inl(ACPI_PM_TMR);
    for (unsigned i = 0; i < N; i++)
        outb(0x80, 0);
    uint32_t t1 = inl(ACPI_PM_TMR);
    report("pio-out", pm_timer_delta(t0, t1));

    t0 = inl(ACPI_PM_TMR);
    for (unsigned i = 0; i < N; i++)
        (void)mmio_read32(HOLE_MMIO);
    t1 = inl(ACPI_PM_TMR);
    report("mmio-read", pm_timer_delta(t0, t1));

    uint64_t vb = virtio_base(boot_params);
    if (vb) {
        if (mmio_read32(vb) != 0x74726976)
            fail("virtio-mmio magic");
        t0 = inl(ACPI_PM_TMR);
        for (unsigned i = 0; i < N; i++)
            mmio_write32(vb + 0x50, 0); /* queue 0 is not ready: the device ignores kicks */
        t1 = inl(ACPI_PM_TMR);
        report("ioeventfd", pm_timer_delta(t0, t1));
    }
    return true;
}
