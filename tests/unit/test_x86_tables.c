/*
 * MP table and ACPI tables of the x86 board: checksums, CPU entries and APIC ids, the PM and
 * reset registers in the FADT, \_S5 in the DSDT. With KVMU_ACPI_DUMP=DIR set, the ACPI tables
 * of a 4-CPU machine are also written to DIR/<sig>.dat for `iasl -d`
 * (tests/system/test_x86_acpi.py).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/x86/x86_cpu.h"
#include "machines/x86/x86_boot.h"
#include "machines/x86/x86_tables.h"

#define BASE 0xe0000u

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void make_cpus(struct x86_cpus *c, unsigned n, unsigned s, unsigned co, unsigned t)
{
    memset(c, 0, sizeof(*c));
    assert_int_equal(x86_cpus_configure(c, "host", n, s, co, t), 0);
}

static struct x86_tables_info info_for(const struct x86_cpus *c)
{
    return (struct x86_tables_info){
        .cpus = c, .acpi_pm_port = 0x600, .acpi_reset_port = 0xcf9, .sci_irq = 9};
}

static void test_mptable(void **state)
{
    (void)state;
    static uint8_t buf[X86_MPTABLE_SIZE];
    struct x86_cpus c;
    make_cpus(&c, 12, 2, 3, 2);
    struct x86_tables_info ti = info_for(&c);
    int n = x86_mptable_build(buf, sizeof(buf), 0xf0000, &ti);
    assert_true(n > 0);
    assert_memory_equal(buf, "_MP_", 4);
    assert_int_equal(x86_table_sum(buf, 16), 0);
    assert_int_equal(rd32(buf + 4), 0xf0010);
    const uint8_t *cfg = buf + 16;
    uint16_t len, count;
    memcpy(&len, cfg + 4, 2);
    memcpy(&count, cfg + 34, 2);
    assert_memory_equal(cfg, "PCMP", 4);
    assert_int_equal(x86_table_sum(cfg, len), 0);
    assert_int_equal(16 + len, n);
    const uint8_t *e = cfg + 44;
    unsigned cpus = 0, ioapics = 0, ints = 0;
    for (unsigned i = 0; i < count; i++) {
        if (e[0] == 0) {
            assert_int_equal(e[1], x86_cpu_apic_id(&c, cpus));
            assert_int_equal(e[3] & 2, cpus == 0 ? 2 : 0); /* only the first is the BSP */
            cpus++;
            e += 20;
            continue;
        }
        if (e[0] == 2) {
            ioapics++;
            assert_int_equal(rd32(e + 4), X86_IOAPIC_ADDR);
        }
        if (e[0] == 3 && e[1] == 0 && e[5] == 0)
            assert_int_equal(e[7], 2); /* ISA IRQ 0 on pin 2 */
        if (e[0] == 3)
            ints++;
        e += 8;
    }
    assert_int_equal(cpus, 12);
    assert_int_equal(ioapics, 1);
    assert_int_equal(ints, 16); /* ExtINT on pin 0 + ISA IRQs 0, 1, 3-15 */
}

/* The table with signature sig, through the RSDP and XSDT; checks its checksum. */
static const uint8_t *find(const uint8_t *buf, const char *sig)
{
    const uint8_t *xsdt = buf + (rd64(buf + 24) - BASE);
    uint32_t len = rd32(xsdt + 4);
    assert_int_equal(x86_table_sum(xsdt, len), 0);
    if (!strcmp(sig, "XSDT"))
        return xsdt;
    for (uint32_t off = 36; off < len; off += 8) {
        const uint8_t *t = buf + (rd64(xsdt + off) - BASE);
        if (!memcmp(t, sig, 4)) {
            assert_int_equal(x86_table_sum(t, rd32(t + 4)), 0);
            return t;
        }
    }
    fail_msg("no %s table", sig);
    return NULL;
}

static void test_acpi(void **state)
{
    (void)state;
    static uint8_t buf[X86_ACPI_SIZE];
    struct x86_cpus c;
    make_cpus(&c, 6, 2, 3, 1);
    struct x86_tables_info ti = info_for(&c);
    assert_true(x86_acpi_build(buf, sizeof(buf), BASE, &ti) > 0);
    assert_memory_equal(buf, "RSD PTR ", 8);
    assert_int_equal(x86_table_sum(buf, 20), 0);
    assert_int_equal(x86_table_sum(buf, 36), 0);
    assert_int_equal(buf[15], 2);
    const uint8_t *rsdt = buf + (rd32(buf + 16) - BASE);
    assert_memory_equal(rsdt, "RSDT", 4);
    assert_int_equal(x86_table_sum(rsdt, rd32(rsdt + 4)), 0);

    const uint8_t *fadt = find(buf, "FACP");
    assert_int_equal(rd32(fadt + 56), 0x600);      /* PM1a_EVT_BLK */
    assert_int_equal(rd32(fadt + 64), 0x604);      /* PM1a_CNT_BLK */
    assert_int_equal(rd32(fadt + 76), 0x608);      /* PM_TMR_BLK */
    assert_int_equal(rd64(fadt + 116 + 4), 0xcf9); /* RESET_REG address */
    assert_true(rd32(fadt + 112) & (1u << 10));    /* RESET_REG_SUP */
    const uint8_t *facs = buf + (rd32(fadt + 36) - BASE);
    assert_memory_equal(facs, "FACS", 4);
    assert_int_equal((rd32(fadt + 36)) % 64, 0);
    const uint8_t *dsdt = buf + (rd64(fadt + 140) - BASE);
    assert_memory_equal(dsdt, "DSDT", 4);
    assert_int_equal(x86_table_sum(dsdt, rd32(dsdt + 4)), 0);
    assert_non_null(memmem(dsdt, rd32(dsdt + 4), "_S5_", 4));

    const uint8_t *madt = find(buf, "APIC");
    uint32_t len = rd32(madt + 4);
    unsigned cpus = 0, isos = 0;
    for (uint32_t off = 44; off < len; off += madt[off + 1]) {
        const uint8_t *e = madt + off;
        assert_true(e[1] >= 2);
        if (e[0] == 0) {
            assert_int_equal(e[3], x86_cpu_apic_id(&c, cpus));
            assert_int_equal(rd32(e + 4) & 1, 1);
            cpus++;
        }
        if (e[0] == 2 && e[3] == 0) {
            assert_int_equal(rd32(e + 4), 2);
            isos++;
        }
    }
    assert_int_equal(cpus, 6);
    assert_int_equal(isos, 1);
}

static void test_many_cpus_fit(void **state)
{
    (void)state;
    static uint8_t buf[X86_ACPI_SIZE];
    struct x86_cpus c;
    make_cpus(&c, 254, 0, 0, 0);
    struct x86_tables_info ti = info_for(&c);
    assert_true(x86_acpi_build(buf, sizeof(buf), BASE, &ti) > 0);
    assert_true(x86_mptable_build(buf, sizeof(buf), 0xf0000, &ti) > 0);
    assert_int_equal(x86_acpi_build(buf, 256, BASE, &ti), -ENOSPC);
}

/* For iasl: every table as its own file. */
static void dump_tables(const char *dir)
{
    static uint8_t buf[X86_ACPI_SIZE];
    struct x86_cpus c;
    make_cpus(&c, 4, 0, 0, 0);
    struct x86_tables_info ti = info_for(&c);
    assert_true(x86_acpi_build(buf, sizeof(buf), BASE, &ti) > 0);
    const char *sigs[] = {"XSDT", "FACP", "APIC"};
    const uint8_t *tables[5];
    for (int i = 0; i < 3; i++)
        tables[i] = find(buf, sigs[i]);
    tables[3] = buf + (rd64(tables[1] + 140) - BASE); /* DSDT */
    tables[4] = buf + (rd32(buf + 16) - BASE);        /* RSDT */
    const char *names[] = {"xsdt", "facp", "apic", "dsdt", "rsdt"};
    for (int i = 0; i < 5; i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s.dat", dir, names[i]);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(tables[i], rd32(tables[i] + 4), 1, f), 1);
        fclose(f);
    }
}

static void test_dump(void **state)
{
    (void)state;
    const char *dir = getenv("KVMU_ACPI_DUMP");
    if (dir)
        dump_tables(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mptable),
        cmocka_unit_test(test_acpi),
        cmocka_unit_test(test_many_cpus_fit),
        cmocka_unit_test(test_dump),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
