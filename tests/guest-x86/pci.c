// run: 0 ^PASS -M pc -drive file=@DISK@,format=raw,if=virtio
// run: 0 ^PASS -M pc -drive file=@DISK@,format=raw,if=virtio,readonly=on -append pci-test=ro
// run: 0 ^PASS -M pc -drive file=@DISK@,if=none,id=d0 -device virtio-blk-pci,drive=d0
// run: 0 ^PASS -M pc -drive file=@DISK@,format=raw,if=virtio -append pci-test=intx
/*
 * PCI and virtio-blk-pci with a minimal driver of our own on the pc board: walk bus 0 through
 * 0xcf8/0xcfc, check the host bridge and each virtio-blk function's ids, size its BARs (and
 * restore them), walk the capability list for MSI-X and the virtio structures, then per disk:
 * program an MSI-X vector for the queue, negotiate VERSION_1, and run requests whose
 * completions must arrive as MSI-X interrupts (KVM MSI) after kicks written to the notify
 * address (a KVM ioeventfd).
 *
 * `-append` picks what runs on the disks (default: read sector 0, write + flush + read back
 * sector 1 of disk 0):
 *   pci-test=ro             disk 0 is read-only: RO offered, a write fails with IOERR
 *   pci-test=intx           no MSI-X: completions arrive on INTA#, found through the MP
 *                           table's PCI interrupt entry (level, active low IOAPIC pin), and
 *                           reading the ISR deasserts it
 *   pci-test=write          writes "KVMU-PERSIST" to sector 7 of disk 0, flushes
 *   pci-test=read           expects "KVMU-PERSIST" in sector 7 of disk 0
 *   pci-test=hold           sets up disk 0, prints HOLDING, powers off on a COM1 byte
 *   pci-disks=N             expect N disks (default 1); each one's GET_ID and the start of its
 *                           sector 0 are printed as "disk I id=ID data=TEXT", in slot order
 */
#include "intr.h"
#include "lib.h"

#define QSIZE 8
#define MAX_DISKS 4
#define VECTOR_BASE 0x50 /* vector 0x50 + disk: that disk's queue interrupt */

#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8

#define F_RO 5
#define F_FLUSH 9
#define F_VERSION_1 32

#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8

struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};

struct blk_req {
    uint32_t type, reserved;
    uint64_t sector;
};

struct vring {
    struct desc descs[QSIZE] __attribute__((aligned(16)));
    struct {
        uint16_t flags, idx, ring[QSIZE], used_event;
    } avail __attribute__((aligned(2)));
    volatile struct {
        uint16_t flags, idx;
        struct {
            uint32_t id, len;
        } ring[QSIZE];
        uint16_t avail_event;
    } used __attribute__((aligned(4)));
};

struct disk {
    unsigned slot;
    uint64_t common, notify, isr, device, msix_table;
    uint32_t notify_mult;
    uint8_t msix_cap;
    uint16_t notify_off;
    uint64_t features;
    struct vring vr __attribute__((aligned(4096)));
    struct blk_req req;
    uint8_t data[512] __attribute__((aligned(512)));
    volatile uint8_t status;
};

static struct disk disks[MAX_DISKS];
static volatile unsigned msi_count[MAX_DISKS];
static bool intx_mode;
static volatile unsigned spurious;

/* ---- Configuration space, mechanism #1 */

static uint32_t cfg_read32(unsigned slot, unsigned reg)
{
    outl(0xcf8, 0x80000000u | slot << 11 | (reg & 0xfc));
    return inl(0xcfc);
}

static uint32_t cfg_read(unsigned slot, unsigned reg, unsigned size)
{
    uint32_t v = cfg_read32(slot, reg) >> (8 * (reg & 3));
    return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void cfg_write32(unsigned slot, unsigned reg, uint32_t v)
{
    outl(0xcf8, 0x80000000u | slot << 11 | (reg & 0xfc));
    outl(0xcfc, v);
}

static void cfg_write16(unsigned slot, unsigned reg, uint16_t v)
{
    outl(0xcf8, 0x80000000u | slot << 11 | (reg & 0xfc));
    outw(0xcfc + (reg & 2), v);
}

/* ---- MMIO */

static uint8_t rd8(uint64_t a)
{
    return *(volatile uint8_t *)a;
}
static uint16_t rd16(uint64_t a)
{
    return *(volatile uint16_t *)a;
}
static uint32_t rd32(uint64_t a)
{
    return *(volatile uint32_t *)a;
}
static void wr8(uint64_t a, uint8_t v)
{
    *(volatile uint8_t *)a = v;
}
static void wr16(uint64_t a, uint16_t v)
{
    *(volatile uint16_t *)a = v;
}
static void wr32(uint64_t a, uint32_t v)
{
    *(volatile uint32_t *)a = v;
}
static void wr64(uint64_t a, uint64_t v)
{
    wr32(a, (uint32_t)v);
    wr32(a + 4, (uint32_t)(v >> 32));
}

static void on_msi(struct intr_frame *f)
{
    unsigned i = (unsigned)(f->vector - VECTOR_BASE);
    /* INTx: the ISR read acknowledges (and lowers the level) before the EOI. A level
     * interrupt may come once more with the ISR already clear (KVM re-asserts a resampled
     * line asynchronously): drivers ignore those, as Linux's vp_interrupt does. */
    if (intx_mode && !(rd8(disks[i].isr) & 1))
        spurious++;
    else
        msi_count[i]++;
    lapic_eoi();
}

/* The IOAPIC pin the MP table gives for slot/INTA# (bus "PCI", source IRQ slot << 2). */
static unsigned mp_pci_pin(unsigned slot)
{
    const uint8_t *fp = 0;
    for (uint64_t a = 0xf0000; a < 0x100000 && !fp; a += 16)
        if (!memcmp((const void *)a, "_MP_", 4))
            fp = (const uint8_t *)a;
    if (!fp)
        fail("no MP floating pointer");
    const uint8_t *cfg = (const uint8_t *)(uintptr_t)(*(const uint32_t *)(fp + 4));
    unsigned n = *(const uint16_t *)(cfg + 34), pci_bus = 0xff;
    const uint8_t *e = cfg + 44;
    for (unsigned i = 0; i < n; i++) {
        if (e[0] == 0) {
            e += 20;
            continue;
        }
        if (e[0] == 1 && !memcmp(e + 2, "PCI", 3))
            pci_bus = e[1];
        if (e[0] == 3 && e[4] == pci_bus && e[5] == (slot << 2)) {
            if ((e[2] & 0xf) != 0xf)
                fail("PCI interrupt entry is not level, active low");
            return e[7];
        }
        e += 8;
    }
    fail("no MP table entry for the slot's INTA#");
}

static void ioapic_route_level_low(unsigned pin, uint8_t vector)
{
    volatile uint32_t *sel = (volatile uint32_t *)IOAPIC_BASE;
    volatile uint32_t *win = (volatile uint32_t *)(IOAPIC_BASE + 0x10);
    *sel = 0x10 + 2 * pin + 1;
    *win = 0; /* APIC id 0 */
    *sel = 0x10 + 2 * pin;
    *win = vector | 1u << 13 | 1u << 15; /* fixed, physical, active low, level, unmasked */
}

static bool has_word(const char *cmd, const char *word)
{
    size_t n = strlen(word);
    for (const char *c = cmd; *c; c++)
        if ((c == cmd || c[-1] == ' ') && !memcmp(c, word, n) && (c[n] == ' ' || !c[n]))
            return true;
    return false;
}

static unsigned expected_disks(const char *cmd)
{
    for (const char *c = cmd; *c; c++)
        if ((c == cmd || c[-1] == ' ') && !memcmp(c, "pci-disks=", 10))
            return (unsigned)(c[10] - '0');
    return 1;
}

/* BAR sizing as firmware and Linux do it: all-ones in, mask out, old value back. */
static uint64_t bar_size(unsigned slot, unsigned bar, bool is64)
{
    unsigned reg = 0x10 + 4 * bar;
    uint32_t lo = cfg_read32(slot, reg), hi = is64 ? cfg_read32(slot, reg + 4) : 0;
    cfg_write32(slot, reg, 0xffffffff);
    if (is64)
        cfg_write32(slot, reg + 4, 0xffffffff);
    uint64_t mask = cfg_read32(slot, reg) & ~0xfull;
    if (is64)
        mask |= (uint64_t)cfg_read32(slot, reg + 4) << 32;
    else
        mask |= 0xffffffff00000000ull;
    cfg_write32(slot, reg, lo);
    if (is64)
        cfg_write32(slot, reg + 4, hi);
    if (cfg_read32(slot, reg) != lo)
        fail("BAR not restored after sizing");
    return ~mask + 1;
}

static uint64_t bar_addr(unsigned slot, unsigned bar)
{
    uint32_t lo = cfg_read32(slot, 0x10 + 4 * bar);
    uint64_t a = lo & ~0xfu;
    if ((lo & 6) == 4)
        a |= (uint64_t)cfg_read32(slot, 0x14 + 4 * bar) << 32;
    return a;
}

static void walk_caps(struct disk *d)
{
    unsigned s = d->slot;
    if (!(cfg_read(s, 0x06, 2) & 0x10))
        fail("no capability list");
    unsigned ptr = cfg_read(s, 0x34, 1), n = 0;
    while (ptr && n++ < 48) {
        uint8_t id = (uint8_t)cfg_read(s, ptr, 1);
        if (id == 0x11) {
            d->msix_cap = (uint8_t)ptr;
            uint32_t t = cfg_read32(s, ptr + 4);
            d->msix_table = bar_addr(s, t & 7) + (t & ~7u);
        } else if (id == 0x09) {
            uint8_t type = (uint8_t)cfg_read(s, ptr + 3, 1);
            uint8_t bar = (uint8_t)cfg_read(s, ptr + 4, 1);
            uint64_t at = bar_addr(s, bar) + cfg_read32(s, ptr + 8);
            if (type == 1)
                d->common = at;
            else if (type == 2) {
                d->notify = at;
                d->notify_mult = cfg_read32(s, ptr + 16);
            } else if (type == 3)
                d->isr = at;
            else if (type == 4)
                d->device = at;
        }
        ptr = cfg_read(s, ptr + 1, 1);
    }
    if (!d->common || !d->notify || !d->isr || !d->device || !d->msix_cap)
        fail("virtio or MSI-X capability missing");
}

static void check_function(struct disk *d)
{
    unsigned s = d->slot;
    if (cfg_read(s, 0x08, 1) < 1)
        fail("modern virtio needs revision >= 1");
    if (cfg_read(s, 0x0a, 2) != 0x0100)
        fail("virtio-blk class is not mass storage");
    if (cfg_read(s, 0x2c, 2) != 0x1af4)
        fail("bad subsystem vendor");
    if ((cfg_read(s, 0x20, 1) & 0x6) != 0x4)
        fail("BAR 4 is not 64-bit memory");
    uint64_t sz4 = bar_size(s, 4, true), sz1 = bar_size(s, 1, false);
    if (sz4 < 0x4000 || sz1 < 0x1000)
        fail("BAR sizes too small");
    uint64_t a4 = bar_addr(s, 4), a1 = bar_addr(s, 1);
    if (a4 < 0xc0000000u || a4 + sz4 > 0xfec00000u || a4 % sz4 || a1 % sz1)
        fail("BAR outside the window or misaligned");
    if (!(cfg_read(s, 0x04, 2) & 2))
        fail("memory decoding not enabled by firmware");
    walk_caps(d);
    if (d->notify_mult == 0)
        fail("notify_off_multiplier 0");
    puts_com1("pci: slot ");
    put_dec(s);
    puts_com1(" virtio-blk BAR4 ");
    put_hex(a4);
    puts_com1(" size ");
    put_hex(sz4);
    puts_com1(" MSI-X ");
    put_dec((cfg_read(s, d->msix_cap + 2, 2) & 0x7ff) + 1);
    puts_com1(" vectors\n");
}

static void setup_intx(struct disk *d, unsigned index)
{
    unsigned s = d->slot;
    cfg_write16(s, 0x04, (uint16_t)((cfg_read(s, 0x04, 2) | 0x4) & ~0x400));
    unsigned pin = mp_pci_pin(s);
    if (pin != 16 + s % 4)
        fail("INTA# not on the pin the DSDT's _PRT names");
    ioapic_route_level_low(pin, (uint8_t)(VECTOR_BASE + index));
}

static void setup_msix(struct disk *d, unsigned index)
{
    unsigned s = d->slot;
    /* Bus mastering (for MSI and DMA), INTx off. */
    cfg_write16(s, 0x04, (uint16_t)(cfg_read(s, 0x04, 2) | 0x4 | 0x400));
    /* Vector table entry 1 -> this disk's queue vector on APIC 0. Entry 0 stays masked. */
    uint64_t e = d->msix_table + 16;
    wr32(e, 0xfee00000u);
    wr32(e + 4, 0);
    wr32(e + 8, VECTOR_BASE + index);
    wr32(e + 12, 0);
    cfg_write16(s, d->msix_cap + 2, 0x8000);
    if (!(cfg_read(s, d->msix_cap + 2, 2) & 0x8000))
        fail("MSI-X did not enable");
}

static void virtio_init(struct disk *d, bool want_ro, uint16_t vector)
{
    uint64_t c = d->common;
    wr8(c + 0x14, 0);
    if (rd8(c + 0x14) != 0)
        fail("reset did not complete");
    wr8(c + 0x14, S_ACK | S_DRIVER);
    wr32(c + 0x00, 0);
    uint64_t f = rd32(c + 0x04);
    wr32(c + 0x00, 1);
    f |= (uint64_t)rd32(c + 0x04) << 32;
    d->features = f;
    if (!(f >> F_VERSION_1 & 1) || !(f >> F_FLUSH & 1))
        fail("VERSION_1 or FLUSH not offered");
    if (want_ro != (bool)(f >> F_RO & 1))
        fail(want_ro ? "RO not offered on a readonly disk" : "RO offered on a writable disk");
    uint64_t accept = (1ull << F_VERSION_1) | (1ull << F_FLUSH) | (f & (1ull << F_RO));
    wr32(c + 0x08, 0);
    wr32(c + 0x0c, (uint32_t)accept);
    wr32(c + 0x08, 1);
    wr32(c + 0x0c, (uint32_t)(accept >> 32));
    wr8(c + 0x14, S_ACK | S_DRIVER | S_FEATURES_OK);
    if (!(rd8(c + 0x14) & S_FEATURES_OK))
        fail("FEATURES_OK refused");
    if (rd16(c + 0x12) < 1)
        fail("no queues");
    wr16(c + 0x16, 0);
    if (rd16(c + 0x18) < QSIZE)
        fail("queue too small");
    wr16(c + 0x18, QSIZE);
    wr16(c + 0x1a, vector);
    if (rd16(c + 0x1a) != vector)
        fail("queue MSI-X vector refused");
    wr64(c + 0x20, (uint64_t)(uintptr_t)d->vr.descs);
    wr64(c + 0x28, (uint64_t)(uintptr_t)&d->vr.avail);
    wr64(c + 0x30, (uint64_t)(uintptr_t)&d->vr.used);
    d->notify_off = rd16(c + 0x1e);
    wr16(c + 0x1c, 1);
    wr8(c + 0x14, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
}

/* One request (header, optional data, status); waits for its MSI-X interrupt. */
static uint8_t request(struct disk *d, unsigned index, uint32_t type, uint64_t sector,
                       uint32_t len)
{
    struct vring *vr = &d->vr;
    d->req = (struct blk_req){.type = type, .sector = sector};
    d->status = 0xff;
    unsigned n = 0;
    vr->descs[n] = (struct desc){(uintptr_t)&d->req, sizeof(d->req), 1, (uint16_t)(n + 1)};
    n++;
    if (len) {
        uint16_t wflag = type == T_OUT ? 0 : 2;
        vr->descs[n] = (struct desc){(uintptr_t)d->data, len, (uint16_t)(1 | wflag),
                                     (uint16_t)(n + 1)};
        n++;
    }
    vr->descs[n] = (struct desc){(uintptr_t)&d->status, 1, 2, 0};
    uint16_t before = vr->used.idx;
    unsigned irqs = msi_count[index];
    vr->avail.ring[vr->avail.idx % QSIZE] = 0;
    __atomic_store_n(&vr->avail.idx, (uint16_t)(vr->avail.idx + 1), __ATOMIC_RELEASE);
    wr16(d->notify + (uint64_t)d->notify_off * d->notify_mult, 0);
    for (unsigned spins = 0; vr->used.idx == before || msi_count[index] == irqs; spins++) {
        if (spins > 1000000)
            fail("no completion interrupt");
        sti_hlt();
    }
    return d->status;
}

static void show_disk(struct disk *d, unsigned index)
{
    memset(d->data, 0, 20);
    if (request(d, index, T_GET_ID, 0, 20) != 0)
        fail("GET_ID failed");
    char id[21];
    memcpy(id, d->data, 20);
    id[20] = 0;
    if (request(d, index, T_IN, 0, 512) != 0)
        fail("read of sector 0 failed");
    char text[21];
    unsigned i;
    for (i = 0; i < 20 && d->data[i] >= 0x20 && d->data[i] < 0x7f; i++)
        text[i] = (char)d->data[i];
    text[i] = 0;
    puts_com1("disk ");
    put_dec(index);
    puts_com1(" id=");
    puts_com1(id);
    puts_com1(" data=");
    puts_com1(text);
    puts_com1("\n");
}

static const char persist[] = "KVMU-PERSIST";

bool test_main(void *boot_params)
{
    const char *cmd = cmdline(boot_params);
    bool ro = has_word(cmd, "pci-test=ro");
    intx_mode = has_word(cmd, "pci-test=intx");
    unsigned want = expected_disks(cmd), n = 0;

    if (cfg_read32(0, 0) != 0x12378086 || cfg_read(0, 0x0a, 2) != 0x0600)
        fail("no host bridge at 00:00.0");
    for (unsigned slot = 1; slot < 32; slot++) {
        uint32_t id = cfg_read32(slot, 0);
        if (id == 0xffffffff)
            continue;
        if (id != 0x10421af4)
            fail("unexpected PCI function");
        if (n == MAX_DISKS)
            fail("too many disks");
        disks[n++].slot = slot;
    }
    if (n != want)
        fail("wrong number of virtio-blk functions");

    intr_init();
    for (unsigned i = 0; i < n; i++)
        intr_set_handler(VECTOR_BASE + i, on_msi);
    lapic_enable();
    for (unsigned i = 0; i < n; i++) {
        check_function(&disks[i]);
        if (intx_mode)
            setup_intx(&disks[i], i);
        else
            setup_msix(&disks[i], i);
        virtio_init(&disks[i], ro && i == 0, intx_mode ? 0xffff : 1);
        show_disk(&disks[i], i);
    }

    struct disk *d = &disks[0];
    if (has_word(cmd, "pci-test=hold")) {
        puts_com1("HOLDING\n");
        while (!(inb(COM1 + 5) & 1))
            cpu_relax();
        return true;
    }
    if (has_word(cmd, "pci-test=write")) {
        memset(d->data, 0, 512);
        memcpy(d->data, persist, sizeof(persist));
        if (request(d, 0, T_OUT, 7, 512) != 0 || request(d, 0, T_FLUSH, 0, 0) != 0)
            fail("persist write failed");
        return true;
    }
    if (has_word(cmd, "pci-test=read")) {
        if (request(d, 0, T_IN, 7, 512) != 0 || memcmp(d->data, persist, sizeof(persist)))
            fail("sector 7 does not hold what the previous run wrote");
        return true;
    }
    if (ro) {
        memset(d->data, 0xab, 512);
        if (request(d, 0, T_OUT, 0, 512) != 1)
            fail("write to a readonly disk did not fail with IOERR");
        if (request(d, 0, T_IN, 0, 512) != 0 || memcmp(d->data, "KVMU-DISK", 9))
            fail("readonly disk changed");
        return true;
    }
    /* Default: read sector 0 (the runner's marker), write + flush + read back sector 1. */
    if (request(d, 0, T_IN, 0, 512) != 0 || memcmp(d->data, "KVMU-DISK-SECTOR-0", 18))
        fail("sector 0 does not hold the marker");
    for (unsigned i = 0; i < 512; i++)
        d->data[i] = (uint8_t)(i * 7 + 3);
    if (request(d, 0, T_OUT, 1, 512) != 0)
        fail("write failed");
    if (request(d, 0, T_FLUSH, 0, 0) != 0)
        fail("flush failed");
    memset(d->data, 0, 512);
    if (request(d, 0, T_IN, 1, 512) != 0)
        fail("read back failed");
    for (unsigned i = 0; i < 512; i++)
        if (d->data[i] != (uint8_t)(i * 7 + 3))
            fail("read back differs");
    if (rd8(d->isr) != 0)
        fail("ISR left set");
    puts_com1(intx_mode ? "INTx interrupts: " : "MSI-X interrupts: ");
    put_dec(msi_count[0]);
    puts_com1(intx_mode ? " (+" : "");
    if (intx_mode) {
        put_dec(spurious);
        puts_com1(" with the ISR clear)");
    }
    puts_com1("\n");
    return true;
}
