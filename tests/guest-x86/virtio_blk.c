// run: 0 ^PASS -drive file=@DISK@,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0
/*
 * virtio-blk over virtio-mmio with a minimal driver of our own: find the device from the
 * virtio_mmio.device= parameter kvmu put on the command line, negotiate VERSION_1, set up
 * queue 0, read sector 0 (the runner wrote a known pattern there), write sector 1 and read it
 * back. Kicks go through the QueueNotify doorbell (a KVM ioeventfd), completions come back as
 * interrupts on the slot's ISA IRQ (an irqfd).
 */
#include "intr.h"
#include "lib.h"

#define QSIZE 8
#define REG_MAGIC 0x000
#define REG_VERSION 0x004
#define REG_DEVICE_ID 0x008
#define REG_DEVICE_FEATURES 0x010
#define REG_DEVICE_FEATURES_SEL 0x014
#define REG_DRIVER_FEATURES 0x020
#define REG_DRIVER_FEATURES_SEL 0x024
#define REG_QUEUE_SEL 0x030
#define REG_QUEUE_NUM_MAX 0x034
#define REG_QUEUE_NUM 0x038
#define REG_QUEUE_READY 0x044
#define REG_QUEUE_NOTIFY 0x050
#define REG_INTERRUPT_STATUS 0x060
#define REG_INTERRUPT_ACK 0x064
#define REG_STATUS 0x070
#define REG_QUEUE_DESC 0x080
#define REG_QUEUE_DRIVER 0x090
#define REG_QUEUE_DEVICE 0x0a0
#define REG_CONFIG 0x100

#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8

struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};

struct blk_req {
    uint32_t type, reserved;
    uint64_t sector;
};

static struct desc descs[QSIZE] __attribute__((aligned(16)));
static struct {
    uint16_t flags, idx, ring[QSIZE], used_event;
} avail __attribute__((aligned(2)));
static volatile struct {
    uint16_t flags, idx;
    struct {
        uint32_t id, len;
    } ring[QSIZE];
    uint16_t avail_event;
} used __attribute__((aligned(4)));

static struct blk_req req;
static uint8_t data[512];
static volatile uint8_t status_byte;
static volatile unsigned irqs;
static uint64_t base;
static unsigned irq;

static void reg_write(uint32_t off, uint32_t v)
{
    mmio_write32(base + off, v);
}

static uint32_t reg_read(uint32_t off)
{
    return mmio_read32(base + off);
}

static void on_irq(struct intr_frame *f)
{
    (void)f;
    uint32_t st = reg_read(REG_INTERRUPT_STATUS);
    reg_write(REG_INTERRUPT_ACK, st);
    irqs++;
    lapic_eoi();
}

static uint64_t parse_hex(const char **p)
{
    uint64_t v = 0;
    if ((*p)[0] == '0' && (*p)[1] == 'x')
        *p += 2;
    for (;; (*p)++) {
        char c = **p;
        if (c >= '0' && c <= '9')
            v = v * 16 + (uint64_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = v * 16 + (uint64_t)(c - 'a' + 10);
        else
            return v;
    }
}

static bool find_device(void *boot_params)
{
    const char *key = "virtio_mmio.device=";
    for (const char *c = cmdline(boot_params); *c; c++) {
        if (memcmp(c, key, strlen(key)))
            continue;
        c += strlen(key);
        (void)parse_hex(&c); /* size */
        if (*c++ != '@')
            return false;
        base = parse_hex(&c);
        if (*c++ != ':')
            return false;
        for (irq = 0; *c >= '0' && *c <= '9'; c++)
            irq = irq * 10 + (unsigned)(*c - '0');
        return true;
    }
    return false;
}

/* One request: header, data, status; returns the status byte. */
static uint8_t do_request(uint32_t type, uint64_t sector)
{
    static uint16_t next_avail;
    req = (struct blk_req){.type = type, .sector = sector};
    status_byte = 0xff;
    descs[0] = (struct desc){(uint64_t)&req, sizeof(req), 1, 1};
    descs[1] = (struct desc){(uint64_t)data, sizeof(data), (uint16_t)(1 | (type == 0 ? 2 : 0)), 2};
    descs[2] = (struct desc){(uint64_t)&status_byte, 1, 2, 0};
    avail.ring[next_avail % QSIZE] = 0;
    __asm__ volatile("" ::: "memory"); /* ring entry before the index (x86 keeps store order) */
    avail.idx = ++next_avail;
    __asm__ volatile("" ::: "memory");
    unsigned before = irqs;
    reg_write(REG_QUEUE_NOTIFY, 0);
    while (used.idx != next_avail || irqs == before)
        sti_hlt();
    return status_byte;
}

bool test_main(void *boot_params)
{
    if (!find_device(boot_params))
        fail("no virtio_mmio.device= on the command line");
    if (reg_read(REG_MAGIC) != 0x74726976 || reg_read(REG_VERSION) != 2 ||
        reg_read(REG_DEVICE_ID) != 2)
        fail("not a virtio-mmio v2 block device");
    intr_init();
    intr_set_handler(0x43, on_irq);
    lapic_enable();
    ioapic_route(irq, 0x43);

    reg_write(REG_STATUS, 0);
    reg_write(REG_STATUS, S_ACK);
    reg_write(REG_STATUS, S_ACK | S_DRIVER);
    reg_write(REG_DEVICE_FEATURES_SEL, 1);
    if (!(reg_read(REG_DEVICE_FEATURES) & 1))
        fail("device does not offer VIRTIO_F_VERSION_1");
    reg_write(REG_DRIVER_FEATURES_SEL, 0);
    reg_write(REG_DRIVER_FEATURES, 0);
    reg_write(REG_DRIVER_FEATURES_SEL, 1);
    reg_write(REG_DRIVER_FEATURES, 1);
    reg_write(REG_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    if (!(reg_read(REG_STATUS) & S_FEATURES_OK))
        fail("FEATURES_OK refused");
    reg_write(REG_QUEUE_SEL, 0);
    if (reg_read(REG_QUEUE_NUM_MAX) < QSIZE)
        fail("queue too small");
    reg_write(REG_QUEUE_NUM, QSIZE);
    reg_write(REG_QUEUE_DESC, (uint32_t)(uint64_t)descs);
    reg_write(REG_QUEUE_DESC + 4, 0);
    reg_write(REG_QUEUE_DRIVER, (uint32_t)(uint64_t)&avail);
    reg_write(REG_QUEUE_DRIVER + 4, 0);
    reg_write(REG_QUEUE_DEVICE, (uint32_t)(uint64_t)&used);
    reg_write(REG_QUEUE_DEVICE + 4, 0);
    reg_write(REG_QUEUE_READY, 1);
    reg_write(REG_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    uint32_t capacity = reg_read(REG_CONFIG);
    puts_com1("virtio-blk: capacity ");
    put_dec(capacity);
    puts_com1(" sectors\n");

    if (do_request(0, 0) != 0)
        fail("read of sector 0 failed");
    if (memcmp(data, "KVMU-DISK-SECTOR-0", 18))
        fail("sector 0 does not hold the runner's pattern");
    puts_com1("read sector 0: ok\n");

    for (unsigned i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7);
    memcpy(data, "WRITTEN-BY-GUEST", 16);
    if (do_request(1, 1) != 0)
        fail("write of sector 1 failed");
    memset(data, 0, sizeof(data));
    if (do_request(0, 1) != 0 || memcmp(data, "WRITTEN-BY-GUEST", 16) || data[100] != 700 % 256)
        fail("sector 1 did not read back what was written");
    puts_com1("write + read back sector 1: ok (");
    put_dec(irqs);
    puts_com1(" interrupts)\n");
    return true;
}
