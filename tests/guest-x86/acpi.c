#include "acpi.h"

#include "lib.h"

static void check_sum(const uint8_t *p, uint32_t len, const char *what)
{
    uint8_t s = 0;
    for (uint32_t i = 0; i < len; i++)
        s = (uint8_t)(s + p[i]);
    if (s) {
        puts_com1(what);
        fail(": bad ACPI checksum");
    }
}

const uint8_t *acpi_find(void *boot_params, const char *sig)
{
    uint64_t rsdp_addr;
    memcpy(&rsdp_addr, (uint8_t *)boot_params + 0x70, 8);
    if (!rsdp_addr)
        fail("no RSDP in the zero page");
    const uint8_t *rsdp = (const uint8_t *)rsdp_addr;
    if (memcmp(rsdp, "RSD PTR ", 8))
        fail("RSDP signature");
    check_sum(rsdp, 20, "RSDP");
    check_sum(rsdp, 36, "RSDP (extended)");
    uint64_t xsdt_addr;
    memcpy(&xsdt_addr, rsdp + 24, 8);
    const uint8_t *xsdt = (const uint8_t *)xsdt_addr;
    uint32_t len;
    memcpy(&len, xsdt + 4, 4);
    check_sum(xsdt, len, "XSDT");
    for (uint32_t off = 36; off + 8 <= len; off += 8) {
        uint64_t t;
        memcpy(&t, xsdt + off, 8);
        const uint8_t *table = (const uint8_t *)t;
        if (!memcmp(table, sig, 4)) {
            uint32_t tlen;
            memcpy(&tlen, table + 4, 4);
            check_sum(table, tlen, sig);
            return table;
        }
    }
    return 0;
}

unsigned acpi_cpu_apic_ids(void *boot_params, uint8_t *ids, unsigned max)
{
    const uint8_t *madt = acpi_find(boot_params, "APIC");
    if (!madt)
        fail("no MADT");
    uint32_t len;
    memcpy(&len, madt + 4, 4);
    unsigned n = 0;
    for (uint32_t off = 44; off + 2 <= len && madt[off + 1];) {
        const uint8_t *e = madt + off;
        if (e[0] == 0 && (e[4] & 1) && n < max)
            ids[n++] = e[3];
        off += e[1];
    }
    return n;
}
