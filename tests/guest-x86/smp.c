// run: 0 ^PASS -smp 1
// run: 0 ^PASS -smp 2
// run: 0 ^PASS -smp 4
// run: 0 ^PASS -smp 64
// run: 0 ^PASS -smp 12,sockets=2,cores=3,threads=2
/*
 * SMP bring-up: the boot CPU reads the processors from kvmu's MADT (and checks the MP table
 * agrees), starts every AP with INIT + SIPI + SIPI through its LAPIC, and waits until each one
 * has reached long mode and reported its APIC id.
 */
#include "acpi.h"
#include "intr.h"
#include "lib.h"

extern const char ap_tramp_start[], ap_tramp_end[];

static volatile unsigned ap_count;
static volatile uint8_t seen[256];

void ap_main(void)
{
    seen[lapic_id()] = 1;
    __atomic_fetch_add(&ap_count, 1, __ATOMIC_SEQ_CST);
}

static void delay_us(unsigned us)
{
    uint32_t t0 = inl(ACPI_PM_TMR);
    uint32_t ticks = (uint32_t)((uint64_t)us * PM_TIMER_HZ / 1000000u) + 1;
    while (pm_timer_delta(t0, inl(ACPI_PM_TMR)) < ticks)
        cpu_relax();
}

static void send_ipi(uint8_t apic_id, uint32_t icr)
{
    lapic_write(LAPIC_ICR_HI, (uint32_t)apic_id << 24);
    lapic_write(LAPIC_ICR_LO, icr);
    while (lapic_read(LAPIC_ICR_LO) & (1u << 12)) /* delivery pending */
        cpu_relax();
}

static unsigned mptable_cpus(void)
{
    const uint8_t *fp = (const uint8_t *)0xf0000;
    if (memcmp(fp, "_MP_", 4))
        fail("no MP floating pointer at 0xf0000");
    uint32_t cfg_addr;
    memcpy(&cfg_addr, fp + 4, 4);
    const uint8_t *cfg = (const uint8_t *)(uint64_t)cfg_addr;
    uint16_t len, count;
    memcpy(&len, cfg + 4, 2);
    memcpy(&count, cfg + 34, 2);
    uint8_t sum = 0;
    for (unsigned i = 0; i < len; i++)
        sum = (uint8_t)(sum + cfg[i]);
    if (sum || memcmp(cfg, "PCMP", 4))
        fail("MP configuration table checksum");
    unsigned cpus = 0;
    const uint8_t *e = cfg + 44;
    for (unsigned i = 0; i < count; i++) {
        if (e[0] == 0) {
            cpus++;
            e += 20;
        } else {
            e += 8;
        }
    }
    return cpus;
}

bool test_main(void *boot_params)
{
    uint8_t ids[256];
    unsigned n = acpi_cpu_apic_ids(boot_params, ids, 256);
    if (mptable_cpus() != n)
        fail("MP table and MADT disagree on the number of CPUs");
    puts_com1("cpus in MADT: ");
    put_dec(n);
    puts_com1("\n");

    intr_init();
    lapic_enable();
    uint8_t self = (uint8_t)lapic_id();
    memcpy((void *)0x10000, ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
    seen[self] = 1;

    for (unsigned i = 0; i < n; i++)
        if (ids[i] != self)
            send_ipi(ids[i], 0x4500); /* INIT, level assert */
    delay_us(10000);
    for (int round = 0; round < 2; round++) {
        for (unsigned i = 0; i < n; i++)
            if (ids[i] != self)
                send_ipi(ids[i], 0x4600 | (0x10000 >> 12)); /* SIPI, vector 0x10 */
        delay_us(200);
    }

    for (unsigned waited = 0; ap_count < n - 1; waited++) {
        if (waited > 30000)
            fail("not every AP came up within 30 s");
        delay_us(1000);
    }
    for (unsigned i = 0; i < n; i++)
        if (!seen[ids[i]])
            fail("an APIC id from the MADT never reported");
    puts_com1("all ");
    put_dec(n);
    puts_com1(" CPUs up in long mode\n");
    return true;
}
