/*
 * MP table (Intel MultiProcessor Specification 1.4, chapter 4) and ACPI tables (ACPI 6.0,
 * chapter 5), built byte by byte at fixed offsets so the layout is exactly the specification's.
 *
 * Interrupt routing both describe: ISA IRQ n -> IOAPIC pin n, except IRQ 0 (the PIT) which KVM's
 * default routing delivers to pin 2, as on real PCs; pin 0 carries the 8259's ExtINT.
 */
#include "machines/x86/x86_tables.h"

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "devices/acpi_pm.h"
#include "devices/i8042.h"
#include "devices/mc146818.h"
#include "machines/x86/aml.h"
#include "machines/x86/x86_boot.h"

static void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

uint8_t x86_table_sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

static uint8_t ioapic_id(const struct x86_cpus *cpus)
{
    return (uint8_t)(x86_cpu_apic_id(cpus, cpus->count - 1) + 1);
}

/* ---- MP table ---- */

#define MP_PROCESSOR 0
#define MP_BUS 1
#define MP_IOAPIC 2
#define MP_IOINT 3
#define MP_LOCALINT 4
#define MP_INT 0
#define MP_NMI 1
#define MP_EXTINT 3
#define MP_PCI_BUS_ID 1
#define MP_PCI_SLOTS 32

static uint8_t *mp_ioint(uint8_t *e, uint8_t type, uint8_t irq, uint8_t apic, uint8_t pin)
{
    e[0] = MP_IOINT;
    e[1] = type;
    put16(e + 2, 0); /* polarity and trigger conform to the bus: ISA is edge, active high */
    e[4] = 0;        /* bus 0: ISA */
    e[5] = irq;
    e[6] = apic;
    e[7] = pin;
    return e + 8;
}

int x86_mptable_build(uint8_t *buf, size_t size, uint32_t addr, const struct x86_tables_info *t)
{
    const struct x86_cpus *cpus = t->cpus;
    size_t need = 16 + 44 + cpus->count * 20 + 8 + 8 + 16 * 8 + 2 * 8 +
                  (t->pci_gsi_base ? 8 + MP_PCI_SLOTS * 4 * 8 : 0);
    if (need > size)
        return -ENOSPC;
    memset(buf, 0, need);
    uint8_t *fp = buf, *cfg = buf + 16, *e = cfg + 44;
    uint8_t apic = ioapic_id(cpus);
    uint16_t count = 0;

    for (unsigned i = 0; i < cpus->count; i++, count++, e += 20) {
        e[0] = MP_PROCESSOR;
        e[1] = (uint8_t)x86_cpu_apic_id(cpus, i);
        e[2] = 0x14;                       /* LAPIC version: integrated APIC */
        e[3] = 0x01 | (i == 0 ? 0x02 : 0); /* enabled, boot processor */
        put32(e + 4, 0x600);               /* signature: family 6 */
        put32(e + 8, 0x201);               /* features: FPU, APIC */
    }
    e[0] = MP_BUS;
    e[1] = 0;
    memcpy(e + 2, "ISA   ", 6);
    e += 8, count++;
    if (t->pci_gsi_base) {
        e[0] = MP_BUS;
        e[1] = MP_PCI_BUS_ID;
        memcpy(e + 2, "PCI   ", 6);
        e += 8, count++;
    }
    e[0] = MP_IOAPIC;
    e[1] = apic;
    e[2] = 0x11; /* version */
    e[3] = 0x01; /* usable */
    put32(e + 4, X86_IOAPIC_ADDR);
    e += 8, count++;
    e = mp_ioint(e, MP_EXTINT, 0, apic, 0), count++;
    e = mp_ioint(e, MP_INT, 0, apic, 2), count++;
    for (uint8_t irq = 1; irq < 16; irq++) {
        if (irq == 2)
            continue; /* the 8259 cascade: no ISA interrupt there */
        e = mp_ioint(e, MP_INT, irq, apic, irq), count++;
    }
    /* PCI interrupts (MP spec 1.4, D.3): source IRQ = slot << 2 | pin, level, active low. */
    for (unsigned slot = 1; t->pci_gsi_base && slot < MP_PCI_SLOTS; slot++) {
        for (unsigned pin = 0; pin < 4; pin++, count++) {
            e = mp_ioint(e, MP_INT, (uint8_t)(slot << 2 | pin), apic,
                         (uint8_t)(t->pci_gsi_base + (slot + pin) % 4));
            put16(e - 6, 0x000f);
            e[-4] = MP_PCI_BUS_ID;
        }
    }
    for (uint8_t lint = 0; lint < 2; lint++, count++, e += 8) {
        e[0] = MP_LOCALINT;
        e[1] = lint == 0 ? MP_EXTINT : MP_NMI;
        e[4] = 0;
        e[5] = 0;
        e[6] = 0xff; /* every LAPIC */
        e[7] = lint;
    }

    size_t cfg_len = (size_t)(e - cfg);
    memcpy(cfg, "PCMP", 4);
    put16(cfg + 4, (uint16_t)cfg_len);
    cfg[6] = 4; /* spec revision 1.4 */
    memcpy(cfg + 8, "KVMU    ", 8);
    memcpy(cfg + 16, "KVMU-X86    ", 12);
    put16(cfg + 34, count);
    put32(cfg + 36, X86_LAPIC_ADDR);
    cfg[7] = (uint8_t)-x86_table_sum(cfg, cfg_len);

    memcpy(fp, "_MP_", 4);
    put32(fp + 4, addr + 16);
    fp[8] = 1; /* length in 16-byte units */
    fp[9] = 4;
    fp[10] = (uint8_t)-x86_table_sum(fp, 16);
    return (int)(e - buf);
}

/* ---- ACPI ---- */

#define ACPI_HDR 36
#define FADT_LEN 276 /* ACPI 6.0 */
#define FACS_LEN 64

static void acpi_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(t, sig, 4);
    put32(t + 4, len);
    t[8] = rev;
    memcpy(t + 10, "KVMU  ", 6);
    memcpy(t + 16, sig, 4); /* OEM table id, e.g. "FACPKVMU" */
    memcpy(t + 20, "KVMU", 4);
    put32(t + 24, 1);          /* OEM revision */
    memcpy(t + 28, "KVMU", 4); /* creator id */
    put32(t + 32, 1);
}

static void acpi_checksum(uint8_t *t, uint32_t len)
{
    t[9] = 0;
    t[9] = (uint8_t)-x86_table_sum(t, len);
}

/* Generic Address Structure in system I/O space. */
static void gas_io(uint8_t *g, uint8_t bits, uint8_t access, uint64_t port)
{
    g[0] = 1; /* SystemIO */
    g[1] = bits;
    g[2] = 0;
    g[3] = access; /* 1 byte, 2 word, 3 dword */
    put64(g + 4, port);
}

/*
 * Scope (\_SB) with the ISA devices both x86 boards have, so the guest's ACPI PNP layer binds
 * them with their resources, as on QEMU's boards. Without COM1 here a Linux built with
 * SERIAL_8250_DETECT_IRQ (defconfig) probes the IRQ by hand, which can come back 0 and leave
 * the console polled. Returns the length, 0 if it does not fit.
 */
#define ISA_AML_MAX 320
static size_t build_isa_aml(uint8_t *out)
{
    static const struct {
        char seg[5], hid[8];
        uint16_t port[2];
        uint8_t len[2];
        uint8_t irq;
    } devs[] = {
        {"COM1", "PNP0501", {X86_COM1_PORT}, {8}, X86_COM1_IRQ},
        {"KBD_", "PNP0303", {I8042_DATA_PORT, I8042_CMD_PORT}, {1, 1}, X86_KBD_IRQ},
        {"RTC_", "PNP0B00", {MC146818_PORT}, {MC146818_REGION_SIZE}, X86_RTC_IRQ},
    };
    AML_SCRATCH(sb, ISA_AML_MAX);
    for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
        AML_SCRATCH(res, 32);
        for (int j = 0; j < 2 && devs[i].len[j]; j++)
            aml_res_io(&res, devs[i].port[j], devs[i].len[j]);
        aml_res_irq(&res, devs[i].irq);
        AML_SCRATCH(body, 96);
        aml_name(&body, "_HID");
        aml_eisaid(&body, devs[i].hid);
        aml_name(&body, "_UID");
        aml_int(&body, 1);
        aml_crs(&body, &res);
        aml_device(&sb, devs[i].seg, &body);
    }
    AML_SCRATCH(scope, ISA_AML_MAX);
    aml_scope_sb(&scope, &sb);
    if (scope.overflow)
        return 0;
    memcpy(out, scope.p, scope.len);
    return scope.len;
}

/* DefinitionBlock with Name (_S5, Package () {5, 5, 0, 0}): SLP_TYP for soft-off, the ISA
 * devices, then the board's own AML. */
static size_t build_dsdt(uint8_t *t, const struct x86_tables_info *ti)
{
    static const uint8_t aml[] = {
        0x08, '_',
        'S',  '5',
        '_', /* NameOp "_S5_" */
        0x12, 0x08,
        0x04, /* PackageOp, PkgLength 8, NumElements 4 */
        0x0a, ACPI_SLP_TYP_S5,
        0x0a, ACPI_SLP_TYP_S5,
        0x00, 0x00, /* SLP_TYPa, SLP_TYPb */
    };
    uint8_t isa[ISA_AML_MAX];
    size_t isa_len = build_isa_aml(isa);
    uint32_t len = ACPI_HDR + sizeof(aml) + (uint32_t)isa_len + (uint32_t)ti->dsdt_aml_len;
    acpi_header(t, "DSDT", len, 2);
    memcpy(t + ACPI_HDR, aml, sizeof(aml));
    memcpy(t + ACPI_HDR + sizeof(aml), isa, isa_len);
    if (ti->dsdt_aml_len)
        memcpy(t + ACPI_HDR + sizeof(aml) + isa_len, ti->dsdt_aml, ti->dsdt_aml_len);
    acpi_checksum(t, len);
    return len;
}

static size_t build_facs(uint8_t *t)
{
    memcpy(t, "FACS", 4);
    put32(t + 4, FACS_LEN);
    t[32] = 2; /* version */
    return FACS_LEN;
}

static size_t build_fadt(uint8_t *t, const struct x86_tables_info *ti, uint32_t facs, uint32_t dsdt)
{
    memset(t, 0, FADT_LEN);
    acpi_header(t, "FACP", FADT_LEN, 6);
    put32(t + 36, facs);
    put32(t + 40, dsdt);
    t[45] = 0; /* preferred PM profile: unspecified */
    put16(t + 46, ti->sci_irq);
    /* SMI_CMD = 0: there is no legacy mode, the machine is always in ACPI mode. */
    put32(t + 56, ti->acpi_pm_port);     /* PM1a_EVT_BLK */
    put32(t + 64, ti->acpi_pm_port + 4); /* PM1a_CNT_BLK */
    put32(t + 76, ti->acpi_pm_port + 8); /* PM_TMR_BLK */
    t[88] = 4;                           /* PM1_EVT_LEN */
    t[89] = 2;                           /* PM1_CNT_LEN */
    t[91] = 4;                           /* PM_TMR_LEN */
    put16(t + 96, 101);                  /* C2 latency > 100: no C2 */
    put16(t + 98, 1001);                 /* C3 latency > 1000: no C3 */
    t[108] = 0x32;                       /* CENTURY: the CMOS byte holding the century */
    /* IAPC_BOOT_ARCH: legacy devices (COM port, CMOS RTC), an 8042, no VGA. */
    put16(t + 109, 0x0001 | 0x0002 | 0x0004);
    /* Flags: WBINVD, C1 on all CPUs, power and sleep buttons absent (control-method
     * style with no device), RESET_REG_SUP. */
    put32(t + 112, (1u << 0) | (1u << 2) | (1u << 4) | (1u << 5) | (1u << 10));
    gas_io(t + 116, 8, 1, ti->acpi_reset_port);
    t[128] = ACPI_RESET_VALUE;
    t[131] = 0; /* FADT minor version */
    put64(t + 132, facs);
    put64(t + 140, dsdt);
    gas_io(t + 148, 32, 2, ti->acpi_pm_port);
    gas_io(t + 172, 16, 2, ti->acpi_pm_port + 4);
    gas_io(t + 208, 32, 3, ti->acpi_pm_port + 8);
    acpi_checksum(t, FADT_LEN);
    return FADT_LEN;
}

static size_t build_madt(uint8_t *t, const struct x86_cpus *cpus, uint8_t sci_irq)
{
    uint8_t *e = t + ACPI_HDR + 8;
    uint8_t apic = ioapic_id(cpus);

    put32(t + ACPI_HDR, X86_LAPIC_ADDR);
    put32(t + ACPI_HDR + 4, 1); /* PCAT_COMPAT: there are 8259s too */
    for (unsigned i = 0; i < cpus->count; i++, e += 8) {
        e[0] = 0; /* Processor Local APIC */
        e[1] = 8;
        e[2] = (uint8_t)i; /* ACPI processor UID */
        e[3] = (uint8_t)x86_cpu_apic_id(cpus, i);
        put32(e + 4, 1); /* enabled */
    }
    e[0] = 1; /* I/O APIC */
    e[1] = 12;
    e[2] = apic;
    e[3] = 0;
    put32(e + 4, X86_IOAPIC_ADDR);
    put32(e + 8, 0); /* GSI base */
    e += 12;
    /* Interrupt source overrides: IRQ 0 is on pin 2; the SCI is level, active high. */
    static const struct {
        uint8_t irq;
        uint16_t flags;
    } iso[] = {{0, 0}, {X86_SCI_IRQ, 0x000d}};
    for (size_t i = 0; i < sizeof(iso) / sizeof(iso[0]); i++, e += 10) {
        uint8_t irq = iso[i].irq == X86_SCI_IRQ ? sci_irq : iso[i].irq;
        e[0] = 2;
        e[1] = 10;
        e[2] = 0; /* ISA */
        e[3] = irq;
        put32(e + 4, irq == 0 ? 2 : irq);
        put16(e + 8, iso[i].flags);
    }
    e[0] = 4; /* Local APIC NMI on LINT1 of every processor */
    e[1] = 6;
    e[2] = 0xff;
    put16(e + 3, 0);
    e[5] = 1;
    e += 6;
    uint32_t len = (uint32_t)(e - t);
    acpi_header(t, "APIC", len, 3);
    acpi_checksum(t, len);
    return len;
}

static size_t align16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

int x86_acpi_build(uint8_t *buf, size_t size, uint32_t addr, const struct x86_tables_info *t)
{
    size_t need = 36 + 4 * (ACPI_HDR + 8 * 4) + FADT_LEN + FACS_LEN + 64 + ACPI_HDR + 64 +
                  ACPI_HDR + 8 + t->cpus->count * 8 + 64 + 256 + ISA_AML_MAX + t->dsdt_aml_len;
    if (need > size)
        return -ENOSPC;
    memset(buf, 0, need);

    /* Layout: RSDP, XSDT, RSDT, FADT, FACS (64-byte aligned), MADT, DSDT. */
    size_t rsdp = 0, xsdt = 48, rsdt = xsdt + align16(ACPI_HDR + 2 * 8);
    size_t fadt = rsdt + align16(ACPI_HDR + 2 * 4);
    size_t facs = (fadt + FADT_LEN + 63) & ~(size_t)63;
    size_t madt = facs + FACS_LEN;
    size_t madt_len = build_madt(buf + madt, t->cpus, t->sci_irq);
    size_t dsdt = align16(madt + madt_len);
    size_t dsdt_len = build_dsdt(buf + dsdt, t);
    build_facs(buf + facs);
    build_fadt(buf + fadt, t, addr + (uint32_t)facs, addr + (uint32_t)dsdt);

    const size_t entries[] = {fadt, madt};
    uint8_t *x = buf + xsdt, *r = buf + rsdt;
    acpi_header(x, "XSDT", ACPI_HDR + 2 * 8, 1);
    acpi_header(r, "RSDT", ACPI_HDR + 2 * 4, 1);
    for (int i = 0; i < 2; i++) {
        put64(x + ACPI_HDR + 8 * i, addr + entries[i]);
        put32(r + ACPI_HDR + 4 * i, addr + (uint32_t)entries[i]);
    }
    acpi_checksum(x, ACPI_HDR + 2 * 8);
    acpi_checksum(r, ACPI_HDR + 2 * 4);

    uint8_t *p = buf + rsdp;
    memcpy(p, "RSD PTR ", 8);
    memcpy(p + 9, "KVMU  ", 6);
    p[15] = 2; /* ACPI 2.0+ RSDP, with the XSDT */
    put32(p + 16, addr + (uint32_t)rsdt);
    put32(p + 20, 36);
    put64(p + 24, addr + xsdt);
    p[8] = (uint8_t)-x86_table_sum(p, 20);
    p[32] = (uint8_t)-x86_table_sum(p, 36);
    return (int)(dsdt + dsdt_len);
}

int x86_tables_write(struct guest_mem *mem, const struct x86_tables_info *t, uint64_t *rsdp)
{
    uint8_t buf[X86_MPTABLE_SIZE];
    int n = x86_mptable_build(buf, sizeof(buf), X86_MPTABLE_ADDR, t);
    if (n < 0) {
        log_error("x86: the MP table for %u CPUs does not fit in 64 KiB", t->cpus->count);
        return n;
    }
    int r = guest_mem_write(mem, X86_MPTABLE_ADDR, buf, (uint64_t)n);
    if (r < 0)
        return r;
    n = x86_acpi_build(buf, sizeof(buf), X86_ACPI_ADDR, t);
    if (n < 0) {
        log_error("x86: the ACPI tables for %u CPUs do not fit in 64 KiB", t->cpus->count);
        return n;
    }
    r = guest_mem_write(mem, X86_ACPI_ADDR, buf, (uint64_t)n);
    if (r == 0)
        *rsdp = X86_ACPI_ADDR;
    return r;
}
