/*
 * Block benchmark guest for kvmu and QEMU alike (PVH entry; `-M pc`, one modern virtio-blk-pci
 * disk). A minimal polling driver of our own: no interrupts (the avail ring asks for none), the
 * guest reaps the used ring and keeps DEPTH requests in flight, kicking once per batch. Prints
 *   blk seq-read BYTES CYCLES / blk seq-write BYTES CYCLES / blk rand-read REQS CYCLES
 * (TSC cycles; the runner converts) and leaves through the isa-debug-exit port (status 1 on
 * both VMMs). Sequential: 128 KiB requests, depth 4, over the first SEQ_BYTES bytes; random:
 * 4 KiB reads at depth 32. The three tests run REPEAT times in turn, each reported.
 */
#include "lib.h"

#define QSIZE 128
#define SEQ_CHUNK (128u << 10)
#define SEQ_DEPTH 4
#define RAND_DEPTH 32
#define RAND_REQS 20000u
#define SEQ_BYTES (256ull << 20)
#define REPEAT 3 /* each test; the runner keeps the best of a run */

struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};
struct req_hdr {
    uint32_t type, reserved;
    uint64_t sector;
};

static struct desc descs[QSIZE] __attribute__((aligned(4096)));
static struct {
    uint16_t flags, idx, ring[QSIZE], used_event;
} avail __attribute__((aligned(4096)));
static volatile struct {
    uint16_t flags, idx;
    struct {
        uint32_t id, len;
    } ring[QSIZE];
    uint16_t avail_event;
} used __attribute__((aligned(4096)));
static struct req_hdr hdrs[RAND_DEPTH];
static volatile uint8_t status[RAND_DEPTH];
static uint8_t buf[SEQ_DEPTH * SEQ_CHUNK] __attribute__((aligned(4096)));

static uint64_t common, notify;
static uint16_t last_used;
static bool kick_pending;
static uint64_t capacity; /* sectors */

static uint32_t cfg_read32(unsigned slot, unsigned reg)
{
    outl(0xcf8, 0x80000000u | slot << 11 | (reg & 0xfc));
    return inl(0xcfc);
}

static void cfg_write32(unsigned slot, unsigned reg, uint32_t v)
{
    outl(0xcf8, 0x80000000u | slot << 11 | (reg & 0xfc));
    outl(0xcfc, v);
}

#define RD(bits, a) (*(volatile uint##bits##_t *)(a))
#define WR(bits, a, v) (*(volatile uint##bits##_t *)(a) = (v))

static uint64_t bar_addr(unsigned slot, unsigned bar)
{
    uint32_t lo = cfg_read32(slot, 0x10 + 4 * bar);
    uint64_t a = lo & ~0xfu;
    if ((lo & 6) == 4)
        a |= (uint64_t)cfg_read32(slot, 0x14 + 4 * bar) << 32;
    return a;
}

static void find_disk(void)
{
    for (unsigned slot = 0; slot < 32; slot++) {
        if (cfg_read32(slot, 0) != 0x10421af4)
            continue;
        cfg_write32(slot, 4, cfg_read32(slot, 4) | 0x6); /* memory decoding, bus master */
        uint32_t uint_notify_mult = 0;
        for (unsigned ptr = cfg_read32(slot, 0x34) & 0xff; ptr;
             ptr = (cfg_read32(slot, ptr) >> 8) & 0xff) {
            uint32_t head = cfg_read32(slot, ptr);
            if ((head & 0xff) != 0x09)
                continue;
            uint8_t type = (uint8_t)(head >> 24);
            uint64_t at = bar_addr(slot, cfg_read32(slot, ptr + 4) & 0xff) +
                          cfg_read32(slot, ptr + 8);
            if (type == 1)
                common = at;
            if (type == 2) {
                notify = at;
                uint_notify_mult = cfg_read32(slot, ptr + 16);
            }
            if (type == 4)
                capacity = RD(64, at);
        }
        (void)uint_notify_mult; /* queue 0: notify_off * multiplier = 0 */
        return;
    }
    fail("no modern virtio-blk-pci function (QEMU: disable-legacy=on)");
}

static void setup(void)
{
    WR(8, common + 0x14, 0);
    WR(8, common + 0x14, 1 | 2);
    WR(32, common + 0x08, 1);
    WR(32, common + 0x0c, 1); /* VERSION_1 */
    /* FLUSH: the write test ends with one. Without it a device must write through (QEMU then
     * syncs after every write; Linux's driver assumes so too). */
    WR(32, common + 0x00, 0);
    if (!(RD(32, common + 0x04) & 1u << 9))
        fail("no VIRTIO_BLK_F_FLUSH");
    WR(32, common + 0x08, 0);
    WR(32, common + 0x0c, 1u << 9);
    WR(8, common + 0x14, 1 | 2 | 8);
    if (!(RD(8, common + 0x14) & 8))
        fail("FEATURES_OK refused");
    WR(16, common + 0x16, 0);
    if (RD(16, common + 0x18) < QSIZE)
        fail("queue too small");
    WR(16, common + 0x18, QSIZE);
    WR(16, common + 0x1a, 0xffff); /* no MSI-X vector: we poll */
    WR(64, common + 0x20, (uintptr_t)descs);
    WR(64, common + 0x28, (uintptr_t)&avail);
    WR(64, common + 0x30, (uintptr_t)&used);
    WR(16, common + 0x1c, 1);
    avail.flags = 1; /* VIRTQ_AVAIL_F_NO_INTERRUPT */
    WR(8, common + 0x14, 1 | 2 | 4 | 8);
}

/* Slot s uses descriptors 3s..3s+2. */
static void queue_req(unsigned s, uint32_t type, uint64_t sector, void *data, uint32_t len)
{
    hdrs[s] = (struct req_hdr){.type = type, .sector = sector};
    status[s] = 0xff;
    descs[3 * s] = (struct desc){(uintptr_t)&hdrs[s], 16, 1, (uint16_t)(3 * s + 1)};
    descs[3 * s + 1] = (struct desc){(uintptr_t)data, len, (uint16_t)(1 | (type ? 0 : 2)),
                                     (uint16_t)(3 * s + 2)};
    descs[3 * s + 2] = (struct desc){(uintptr_t)&status[s], 1, 2, 0};
    avail.ring[avail.idx % QSIZE] = (uint16_t)(3 * s);
    __atomic_store_n(&avail.idx, (uint16_t)(avail.idx + 1), __ATOMIC_RELEASE);
    kick_pending = true;
}

/* Waits for one completion; returns its slot. Requests queued since the last kick are kicked
 * only when there is nothing to reap: one notify per batch. */
static unsigned reap(void)
{
    while (__atomic_load_n(&used.idx, __ATOMIC_ACQUIRE) == last_used) {
        if (kick_pending) {
            kick_pending = false;
            WR(16, notify, 0);
        }
        cpu_relax();
    }
    unsigned s = used.ring[last_used % QSIZE].id / 3;
    last_used++;
    if (status[s] != 0)
        fail("request failed");
    return s;
}

static uint64_t seq(uint32_t type, uint64_t bytes)
{
    uint64_t next = 0, done = 0, t0 = rdtsc();
    unsigned inflight = 0;
    for (unsigned s = 0; s < SEQ_DEPTH && next < bytes; s++, next += SEQ_CHUNK, inflight++)
        queue_req(s, type, next / 512, buf + s * SEQ_CHUNK, SEQ_CHUNK);
    while (inflight) {
        unsigned s = reap();
        inflight--;
        done += SEQ_CHUNK;
        if (next < bytes) {
            queue_req(s, type, next / 512, buf + s * SEQ_CHUNK, SEQ_CHUNK);
            next += SEQ_CHUNK;
            inflight++;
        }
    }
    if (type == 1) {
        hdrs[0] = (struct req_hdr){.type = 4};
        status[0] = 0xff;
        descs[0] = (struct desc){(uintptr_t)&hdrs[0], 16, 1, 2};
        descs[2] = (struct desc){(uintptr_t)&status[0], 1, 2, 0};
        avail.ring[avail.idx % QSIZE] = 0;
        __atomic_store_n(&avail.idx, (uint16_t)(avail.idx + 1), __ATOMIC_RELEASE);
        kick_pending = true;
        reap();
    }
    (void)done;
    return rdtsc() - t0;
}

static uint64_t rand_read(uint64_t sectors)
{
    uint64_t x = 0x2545f4914f6cdd1dull, t0 = rdtsc();
    unsigned issued = 0, inflight = 0;
    uint64_t blocks = sectors / 8;
    for (; issued < RAND_DEPTH; issued++, inflight++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        queue_req(issued, 0, (x % blocks) * 8, buf + issued * 4096, 4096);
    }
    while (inflight) {
        unsigned s = reap();
        inflight--;
        if (issued < RAND_REQS) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            queue_req(s, 0, (x % blocks) * 8, buf + s * 4096, 4096);
            issued++;
            inflight++;
        }
    }
    return rdtsc() - t0;
}

static void report(const char *what, uint64_t amount, uint64_t cycles)
{
    puts_com1("blk ");
    puts_com1(what);
    puts_com1(" ");
    put_dec(amount);
    puts_com1(" ");
    put_dec(cycles);
    puts_com1("\n");
}

bool test_main(void *start_info)
{
    (void)start_info;
    find_disk();
    setup();
    uint64_t bytes = capacity * 512 < SEQ_BYTES ? capacity * 512 : SEQ_BYTES;
    bytes -= bytes % SEQ_CHUNK;
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)i;
    for (unsigned i = 0; i < REPEAT; i++) {
        report("seq-write", bytes, seq(1, bytes));
        report("seq-read", bytes, seq(0, bytes));
        report("rand-read", RAND_REQS, rand_read(capacity));
    }
    outb(DEBUG_EXIT, 0); /* status 1 on both VMMs */
    return false;
}
