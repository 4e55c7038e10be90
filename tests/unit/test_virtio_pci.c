/* virtio-blk over virtio-pci, end to end: the host bridge's configuration cycles and memory
 * window, a fake driver walking the vendor capabilities, MSI-X and INTx interrupts, kicks run
 * by the event loop on the test thread. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "backends/blockdev.h"
#include "core/event_loop.h"
#include "core/memory.h"
#include "devices/pci.h"
#include "devices/pci_host.h"
#include "devices/virtio.h"
#include "devices/virtio_blk.h"
#include "devices/virtio_pci.h"

#define RAM_BASE 0x0ull
#define RAM_SIZE (4u << 20)
#define MMIO_BASE 0xc0000000ull
#define QSIZE 16
#define DESC (RAM_BASE + 0x0)
#define AVAIL (RAM_BASE + 0x1000)
#define USED (RAM_BASE + 0x2000)
#define HDR (RAM_BASE + 0x10000)
#define DATA (RAM_BASE + 0x20000)
#define STATUS_BYTE (RAM_BASE + 0x30000)
#define DISK_SIZE (1u << 20)
#define SLOT 1

struct fixture {
    char path[64];
    struct guest_mem mem;
    struct event_loop *loop;
    struct blockdev *bdev;
    struct virtio_device *vdev;
    struct virtio_pci *vp;
    struct pci_host *host;
    bool intx;
    unsigned msi_count;
    uint32_t msi_data;
    /* Found by walking the capabilities: offsets inside BAR 4, as guest addresses. */
    uint64_t common, isr, device, notify;
    uint32_t notify_mult;
    unsigned pci_cfg_cap, msix_cap;
    uint64_t msix_table;
};

static void line_set(void *opaque, unsigned num, bool level)
{
    struct fixture *f = opaque;
    if (num == pci_host_intx_line(SLOT, 0))
        f->intx = level;
}

static void msi_send(void *opaque, uint64_t addr, uint32_t data)
{
    struct fixture *f = opaque;
    assert_int_equal(addr, 0xfee00000);
    f->msi_count++;
    f->msi_data = data;
}

static uint32_t cfg_read(struct fixture *f, unsigned reg, unsigned size)
{
    pci_host_cfg_addr_ops.write(f->host, 0, 0x80000000u | SLOT << 11 | (reg & 0xfc), 4);
    return (uint32_t)pci_host_cfg_data_ops.read(f->host, reg & 3, size);
}

static void cfg_write(struct fixture *f, unsigned reg, unsigned size, uint32_t v)
{
    pci_host_cfg_addr_ops.write(f->host, 0, 0x80000000u | SLOT << 11 | (reg & 0xfc), 4);
    pci_host_cfg_data_ops.write(f->host, reg & 3, v, size);
}

static uint64_t mrd(struct fixture *f, uint64_t addr, unsigned size)
{
    return pci_host_mmio_ops.read(f->host, addr - MMIO_BASE, size);
}

static void mwr(struct fixture *f, uint64_t addr, uint64_t v, unsigned size)
{
    pci_host_mmio_ops.write(f->host, addr - MMIO_BASE, v, size);
}

static void *gptr(struct fixture *f, uint64_t gpa)
{
    return guest_mem_ptr(&f->mem, gpa, 1);
}

static uint64_t bar_addr(struct fixture *f, unsigned bar)
{
    uint64_t a = cfg_read(f, 0x10 + 4 * bar, 4);
    if ((a & 6) == 4)
        a |= (uint64_t)cfg_read(f, 0x14 + 4 * bar, 4) << 32;
    return a & ~15ull;
}

/* What a driver does first: walk the capability list and find the virtio structures. */
static void find_caps(struct fixture *f)
{
    unsigned ptr = cfg_read(f, 0x34, 1);
    while (ptr) {
        uint8_t id = (uint8_t)cfg_read(f, ptr, 1);
        if (id == PCI_CAP_ID_MSIX) {
            f->msix_cap = ptr;
            uint32_t t = cfg_read(f, ptr + 4, 4);
            f->msix_table = bar_addr(f, t & 7) + (t & ~7u);
        } else if (id == PCI_CAP_ID_VNDR) {
            uint8_t type = (uint8_t)cfg_read(f, ptr + 3, 1);
            uint8_t bar = (uint8_t)cfg_read(f, ptr + 4, 1);
            uint64_t at = type == 5 ? 0 : bar_addr(f, bar) + cfg_read(f, ptr + 8, 4);
            assert_true(type == 5 || bar == 4);
            switch (type) {
            case 1:
                f->common = at;
                break;
            case 2:
                f->notify = at;
                f->notify_mult = cfg_read(f, ptr + 16, 4);
                break;
            case 3:
                f->isr = at;
                break;
            case 4:
                f->device = at;
                break;
            case 5:
                f->pci_cfg_cap = ptr;
                break;
            }
        }
        ptr = cfg_read(f, ptr + 1, 1);
    }
    assert_true(f->common && f->notify && f->isr && f->device && f->pci_cfg_cap && f->msix_cap);
}

static int setup(void **state)
{
    struct fixture *f = test_calloc(1, sizeof(*f));
    strcpy(f->path, "/tmp/kvmu-test-vpci-XXXXXX");
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    uint8_t *pattern = malloc(DISK_SIZE);
    for (uint32_t i = 0; i < DISK_SIZE; i++)
        pattern[i] = (uint8_t)(i / 512 + i % 512);
    assert_int_equal(write(fd, pattern, DISK_SIZE), DISK_SIZE);
    free(pattern);
    close(fd);
    assert_int_equal(guest_mem_add_ram(&f->mem, RAM_BASE, RAM_SIZE), 0);
    assert_int_equal(event_loop_create(&f->loop), 0);
    assert_int_equal(blockdev_raw_open(f->path, false, true, &f->bdev), 0);
    assert_int_equal(virtio_blk_create(f->bdev, "pci-disk", &f->vdev), 0);
    assert_int_equal(virtio_pci_create(&f->mem, f->loop, f->vdev, &f->vp), 0);
    struct pci_host_config cfg = {.mmio_base = MMIO_BASE,
                                  .mmio_size = 0x10000000,
                                  .io_base = 0xc000,
                                  .io_size = 0x4000,
                                  .msi = {.send = msi_send, .opaque = f}};
    for (unsigned i = 0; i < 4; i++)
        cfg.intx[i] = (struct irq_line){.set = line_set, .opaque = f, .num = i};
    assert_int_equal(pci_host_create(&cfg, &f->host), 0);
    assert_int_equal(pci_host_plug(f->host, SLOT, virtio_pci_function(f->vp)), 0);
    assert_int_equal(pci_host_assign_bars(f->host), 0);
    find_caps(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    pci_host_destroy(f->host);
    virtio_pci_destroy(f->vp);
    virtio_device_destroy(f->vdev);
    blockdev_destroy(f->bdev);
    event_loop_destroy(f->loop);
    guest_mem_destroy(&f->mem);
    unlink(f->path);
    test_free(f);
    return 0;
}

static void set_status(struct fixture *f, uint8_t s)
{
    mwr(f, f->common + 0x14, s, 1);
}

/* Linux's virtio_pci_modern bring-up; returns the status after FEATURES_OK. */
static uint8_t driver_init(struct fixture *f, uint64_t features, uint16_t qvec)
{
    set_status(f, 0);
    assert_int_equal(mrd(f, f->common + 0x14, 1), 0);
    set_status(f, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    mwr(f, f->common + 0x08, 0, 4);
    mwr(f, f->common + 0x0c, (uint32_t)features, 4);
    mwr(f, f->common + 0x08, 1, 4);
    mwr(f, f->common + 0x0c, (uint32_t)(features >> 32), 4);
    set_status(f, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    uint8_t st = (uint8_t)mrd(f, f->common + 0x14, 1);
    if (!(st & VIRTIO_STATUS_FEATURES_OK))
        return st;
    memset(gptr(f, RAM_BASE), 0, 0x3000);
    assert_int_equal(mrd(f, f->common + 0x12, 2), 1); /* num_queues */
    mwr(f, f->common + 0x16, 0, 2);
    assert_int_equal(mrd(f, f->common + 0x18, 2), 256);
    mwr(f, f->common + 0x18, QSIZE, 2);
    mwr(f, f->common + 0x1a, qvec, 2);
    /* 64-bit fields written as two dwords, as Linux does. */
    mwr(f, f->common + 0x20, (uint32_t)DESC, 4);
    mwr(f, f->common + 0x24, 0, 4);
    mwr(f, f->common + 0x28, (uint32_t)AVAIL, 4);
    mwr(f, f->common + 0x2c, 0, 4);
    mwr(f, f->common + 0x30, (uint32_t)USED, 4);
    mwr(f, f->common + 0x34, 0, 4);
    assert_int_equal(mrd(f, f->common + 0x1e, 2), 0); /* queue_notify_off */
    mwr(f, f->common + 0x1c, 1, 2);
    assert_int_equal(mrd(f, f->common + 0x1c, 2), 1);
    set_status(f, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
                      VIRTIO_STATUS_DRIVER_OK);
    return (uint8_t)mrd(f, f->common + 0x14, 1);
}

static void set_desc(struct fixture *f, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    struct virtq_desc *d = gptr(f, DESC + 16 * i);
    *d = (struct virtq_desc){.addr = addr, .len = len, .flags = flags, .next = next};
}

static uint8_t request(struct fixture *f, uint32_t type, uint64_t sector, uint32_t len)
{
    uint32_t hdr[4] = {type, 0, (uint32_t)sector, (uint32_t)(sector >> 32)};
    memcpy(gptr(f, HDR), hdr, sizeof(hdr));
    *(uint8_t *)gptr(f, STATUS_BYTE) = 0xee;
    set_desc(f, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
    set_desc(f, 1, DATA, len, VIRTQ_DESC_F_NEXT | (type == 1 ? 0 : VIRTQ_DESC_F_WRITE), 2);
    set_desc(f, 2, STATUS_BYTE, 1, VIRTQ_DESC_F_WRITE, 0);
    struct virtq_avail *a = gptr(f, AVAIL);
    struct virtq_used *u = gptr(f, USED);
    uint16_t before = u->idx;
    a->ring[a->idx % QSIZE] = 0;
    __atomic_store_n(&a->idx, (uint16_t)(a->idx + 1), __ATOMIC_RELEASE);
    mwr(f, f->notify + 0 * f->notify_mult, 0, 2);
    for (int i = 0; i < 100 && __atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) == before; i++)
        assert_true(event_loop_run_once(f->loop, 100) >= 0);
    assert_int_equal(u->idx, (uint16_t)(before + 1));
    return *(uint8_t *)gptr(f, STATUS_BYTE);
}

static const uint64_t features = VIRTIO_FEATURE(VIRTIO_F_VERSION_1) | VIRTIO_FEATURE(9);

static void test_identity(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(cfg_read(f, 0, 4), 0x10421af4); /* modern virtio-blk */
    assert_int_equal(cfg_read(f, 8, 1), 1);          /* revision >= 1 */
    assert_int_equal(cfg_read(f, 0x0a, 2), 0x0100);
    assert_int_equal(cfg_read(f, 0x2c, 2), 0x1af4);
    assert_true(cfg_read(f, 0x2e, 2) >= 0x40);
    assert_int_equal(cfg_read(f, 0x3d, 1), 1);
    assert_int_equal(cfg_read(f, 0x20, 4) & 0xf, 4); /* BAR 4: 64-bit memory */
    assert_int_equal(f->notify_mult, 4);
    assert_int_equal(cfg_read(f, f->msix_cap + 2, 2) & 0x7ff, 1); /* 2 vectors */
    /* Device config: capacity in sectors, whole and in halves. */
    assert_int_equal(mrd(f, f->device, 8), DISK_SIZE / 512);
    assert_int_equal(mrd(f, f->device, 4), DISK_SIZE / 512);
    mwr(f, f->common, 1, 4);
    assert_int_equal(mrd(f, f->common + 4, 4), 1); /* VERSION_1 */
    uint64_t at;
    assert_true(virtio_pci_notify_addr(f->vp, 0, &at));
    assert_int_equal(at, f->notify);
    assert_false(virtio_pci_notify_addr(f->vp, 1, &at));
    assert_true(virtio_pci_queue_notify_fd(f->vp, 0) >= 0);
    /* The PCI configuration access window reads the common config's num_queues. */
    cfg_write(f, f->pci_cfg_cap + 4, 1, 4);
    cfg_write(f, f->pci_cfg_cap + 8, 4, 0x12);
    cfg_write(f, f->pci_cfg_cap + 12, 4, 2);
    assert_int_equal(cfg_read(f, f->pci_cfg_cap + 16, 4), 1);
    /* ... and writes through it: queue_select = 5 reads back. */
    cfg_write(f, f->pci_cfg_cap + 8, 4, 0x16);
    cfg_write(f, f->pci_cfg_cap + 16, 4, 5);
    assert_int_equal(mrd(f, f->common + 0x16, 2), 5);
}

static void test_msix_per_queue(void **state)
{
    struct fixture *f = *state;
    /* Vector 0: config changes, vector 1: the queue. */
    for (unsigned v = 0; v < 2; v++) {
        mwr(f, f->msix_table + 16 * v, 0xfee00000, 4);
        mwr(f, f->msix_table + 16 * v + 4, 0, 4);
        mwr(f, f->msix_table + 16 * v + 8, 0x30 + v, 4);
        mwr(f, f->msix_table + 16 * v + 12, 0, 4);
    }
    cfg_write(f, f->msix_cap + 2, 2, PCI_MSIX_FLAGS_ENABLE);
    mwr(f, f->common + 0x10, 0, 2);
    assert_int_equal(mrd(f, f->common + 0x10, 2), 0);
    /* A vector the table does not have is refused. */
    mwr(f, f->common + 0x16, 0, 2);
    mwr(f, f->common + 0x1a, 9, 2);
    assert_int_equal(mrd(f, f->common + 0x1a, 2), 0xffff);
    uint8_t st = driver_init(f, features, 1);
    assert_true(st & VIRTIO_STATUS_DRIVER_OK);
    assert_int_equal(mrd(f, f->common + 0x1a, 2), 1);

    assert_int_equal(request(f, 0, 3, 1024), 0);
    uint8_t *data = gptr(f, DATA);
    assert_int_equal(data[0], 3);
    assert_int_equal(data[512], 4);
    assert_true(f->msi_count >= 1);
    assert_int_equal(f->msi_data, 0x31);
    assert_false(f->intx); /* MSI-X on: no INTx */
    unsigned before = f->msi_count;
    memset(data, 0x5a, 512);
    assert_int_equal(request(f, 1, 7, 512), 0);
    assert_int_equal(request(f, 4, 0, 0 + 512), 0); /* flush with a (harmless) buffer */
    memset(data, 0, 512);
    assert_int_equal(request(f, 0, 7, 512), 0);
    assert_int_equal(data[0], 0x5a);
    assert_true(f->msi_count > before);
    uint8_t back[512];
    assert_int_equal(blockdev_pread(f->bdev, back, 512, 7 * 512), 0);
    assert_int_equal(back[511], 0x5a);
}

static void test_intx_and_isr(void **state)
{
    struct fixture *f = *state;
    uint8_t st = driver_init(f, features, 0xffff);
    assert_true(st & VIRTIO_STATUS_DRIVER_OK);
    assert_int_equal(request(f, 0, 1, 512), 0);
    assert_true(f->intx);
    assert_int_equal(f->msi_count, 0);
    assert_int_equal(mrd(f, f->isr, 1), 1); /* queue interrupt; reading clears */
    assert_false(f->intx);
    assert_int_equal(mrd(f, f->isr, 1), 0);
    /* Reset drops everything. */
    set_status(f, 0);
    assert_int_equal(mrd(f, f->common + 0x14, 1), 0);
    mwr(f, f->common + 0x16, 0, 2);
    assert_int_equal(mrd(f, f->common + 0x1c, 2), 0);
}

static void test_feature_refusal_and_bad_queue(void **state)
{
    struct fixture *f = *state;
    /* Without VERSION_1 FEATURES_OK does not stick. */
    assert_false(driver_init(f, VIRTIO_FEATURE(9), 0xffff) & VIRTIO_STATUS_FEATURES_OK);
    /* Unknown feature bits are refused too. */
    assert_false(driver_init(f, features | VIRTIO_FEATURE(50), 0xffff) & VIRTIO_STATUS_FEATURES_OK);
    /* A queue size that is not a power of two is ignored; a ring outside RAM needs reset. */
    set_status(f, 0);
    mwr(f, f->common + 0x16, 0, 2);
    mwr(f, f->common + 0x18, 10, 2);
    assert_int_equal(mrd(f, f->common + 0x18, 2), 256);
    mwr(f, f->common + 0x20, 0x7ff00000, 8);
    mwr(f, f->common + 0x1c, 1, 2);
    assert_int_equal(mrd(f, f->common + 0x1c, 2), 0);
    assert_true(mrd(f, f->common + 0x14, 1) & VIRTIO_STATUS_NEEDS_RESET);
    /* Misaligned/mis-sized common accesses are ignored. */
    mwr(f, f->common + 0x16, 3, 4);
    assert_int_equal(mrd(f, f->common + 0x16, 2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msix_per_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_intx_and_isr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_feature_refusal_and_bad_queue, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
