/* virtio-blk over virtio-mmio, end to end: a fake driver on fake guest RAM, a temp-file disk,
 * kicks delivered through the event loop run on the test thread. */
#include <errno.h>
#include <pthread.h>
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
#include "core/log.h"
#include "core/memory.h"
#include "devices/virtio.h"
#include "devices/virtio_blk.h"
#include "devices/virtio_mmio.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (4u << 20)
#define QSIZE 16
#define DESC (RAM_BASE + 0x0)
#define AVAIL (RAM_BASE + 0x1000)
#define USED (RAM_BASE + 0x2000)
#define HDR (RAM_BASE + 0x10000)
#define DATA (RAM_BASE + 0x20000)
#define STATUS_BYTE (RAM_BASE + 0x30000)
#define BIG_DATA (RAM_BASE + 0x200000) /* room for DISK_SIZE bytes */
#define DISK_SIZE (1u << 20)

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define S_OK 0
#define S_IOERR 1
#define S_UNSUPP 2
#define F_RO 5
#define F_FLUSH 9

struct fixture {
    char path[64];
    struct guest_mem mem;
    struct event_loop *loop;
    struct blockdev *bdev;
    struct virtio_device *vdev;
    struct virtio_mmio *m;
    bool irq;
    unsigned irq_raises;
    uint16_t next_avail;
};

static void irq_set(void *opaque, unsigned num, bool level)
{
    struct fixture *f = opaque;
    (void)num;
    if (level && !f->irq)
        f->irq_raises++;
    f->irq = level;
}

static uint32_t rd(struct fixture *f, uint64_t off)
{
    return (uint32_t)virtio_mmio_mmio_ops.read(f->m, off, 4);
}

static void wr(struct fixture *f, uint64_t off, uint32_t v)
{
    virtio_mmio_mmio_ops.write(f->m, off, v, 4);
}

static void *gptr(struct fixture *f, uint64_t gpa)
{
    return guest_mem_ptr(&f->mem, gpa, 1);
}

static void make_device(struct fixture *f, bool readonly, const char *serial)
{
    assert_int_equal(blockdev_raw_open(f->path, readonly, true, &f->bdev), 0);
    assert_int_equal(virtio_blk_create(f->bdev, serial, &f->vdev), 0);
    struct irq_line line = {.set = irq_set, .opaque = f, .num = 1};
    assert_int_equal(virtio_mmio_create(&f->mem, f->loop, line, f->vdev, &f->m), 0);
}

static void destroy_device(struct fixture *f)
{
    virtio_mmio_destroy(f->m);
    virtio_device_destroy(f->vdev);
    blockdev_destroy(f->bdev);
}

/* The Linux driver's bring-up sequence; returns the status read back after FEATURES_OK. */
static uint32_t driver_init(struct fixture *f, uint64_t features)
{
    wr(f, 0x70, 0);
    wr(f, 0x70, VIRTIO_STATUS_ACKNOWLEDGE);
    wr(f, 0x70, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    wr(f, 0x24, 0);
    wr(f, 0x20, (uint32_t)features);
    wr(f, 0x24, 1);
    wr(f, 0x20, (uint32_t)(features >> 32));
    wr(f, 0x70, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    uint32_t status = rd(f, 0x70);
    if (!(status & VIRTIO_STATUS_FEATURES_OK))
        return status;
    memset(gptr(f, RAM_BASE), 0, 0x3000);
    f->next_avail = 0;
    wr(f, 0x30, 0);
    assert_int_equal(rd(f, 0x34), 256);
    assert_int_equal(rd(f, 0x44), 0);
    wr(f, 0x38, QSIZE);
    wr(f, 0x80, (uint32_t)DESC);
    wr(f, 0x84, (uint32_t)(DESC >> 32));
    wr(f, 0x90, (uint32_t)AVAIL);
    wr(f, 0x94, 0);
    wr(f, 0xa0, (uint32_t)USED);
    wr(f, 0xa4, 0);
    wr(f, 0x44, 1);
    assert_int_equal(rd(f, 0x44), 1);
    wr(f, 0x70,
       VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
           VIRTIO_STATUS_DRIVER_OK);
    return rd(f, 0x70);
}

static const uint64_t default_features =
    VIRTIO_FEATURE(VIRTIO_F_VERSION_1) | VIRTIO_FEATURE(F_FLUSH) |
    VIRTIO_FEATURE(VIRTIO_F_RING_EVENT_IDX) | VIRTIO_FEATURE(VIRTIO_F_RING_INDIRECT_DESC);

static int setup(void **state)
{
    struct fixture *f = test_calloc(1, sizeof(*f));
    strcpy(f->path, "/tmp/kvmu-test-vblk-XXXXXX");
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    /* A recognisable pattern: byte i of sector s is (s + i) & 0xff. */
    uint8_t *pattern = malloc(DISK_SIZE);
    for (uint32_t i = 0; i < DISK_SIZE; i++)
        pattern[i] = (uint8_t)(i / 512 + i % 512);
    assert_int_equal(write(fd, pattern, DISK_SIZE), DISK_SIZE);
    free(pattern);
    close(fd);
    assert_int_equal(guest_mem_add_ram(&f->mem, RAM_BASE, RAM_SIZE), 0);
    assert_int_equal(event_loop_create(&f->loop), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    event_loop_destroy(f->loop);
    guest_mem_destroy(&f->mem);
    unlink(f->path);
    test_free(f);
    return 0;
}

static void set_desc(struct fixture *f, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    struct virtq_desc *d = gptr(f, DESC + 16 * i);
    *d = (struct virtq_desc){.addr = addr, .len = len, .flags = flags, .next = next};
}

/* Make descriptor chain `head` available, kick, and let the event loop serve it. Returns the
 * used length. */
static uint32_t submit(struct fixture *f, uint16_t head)
{
    struct virtq_avail *a = gptr(f, AVAIL);
    struct virtq_used *u = gptr(f, USED);
    uint16_t before = u->idx;

    a->ring[a->idx % QSIZE] = head;
    __atomic_store_n(&a->idx, (uint16_t)(a->idx + 1), __ATOMIC_RELEASE);
    a->ring[QSIZE] = a->idx - 1; /* used_event: interrupt for this one */
    wr(f, 0x50, 0);
    for (int i = 0; i < 100 && __atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) == before; i++)
        assert_true(event_loop_run_once(f->loop, 100) >= 0);
    assert_int_equal(u->idx, (uint16_t)(before + 1));
    assert_int_equal(u->ring[before % QSIZE].id, head);
    return u->ring[before % QSIZE].len;
}

/* A three-descriptor request: header, data (device-readable for OUT, writable otherwise),
 * status. Returns the status byte. */
static uint8_t request(struct fixture *f, uint32_t type, uint64_t sector, uint32_t len,
                       uint32_t *used_len)
{
    uint32_t hdr[4] = {type, 0, (uint32_t)sector, (uint32_t)(sector >> 32)};
    memcpy(gptr(f, HDR), hdr, sizeof(hdr));
    *(uint8_t *)gptr(f, STATUS_BYTE) = 0xee;
    bool data_writable = type != VIRTIO_BLK_T_OUT;
    set_desc(f, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
    if (len) {
        set_desc(f, 1, DATA, len, VIRTQ_DESC_F_NEXT | (data_writable ? VIRTQ_DESC_F_WRITE : 0), 2);
        set_desc(f, 2, STATUS_BYTE, 1, VIRTQ_DESC_F_WRITE, 0);
    } else {
        set_desc(f, 1, STATUS_BYTE, 1, VIRTQ_DESC_F_WRITE, 0);
    }
    uint32_t ul = submit(f, 0);
    if (used_len)
        *used_len = ul;
    return *(uint8_t *)gptr(f, STATUS_BYTE);
}

static void test_identity_and_config(void **state)
{
    struct fixture *f = *state;
    make_device(f, false, "disk0");
    assert_int_equal(rd(f, 0x0), 0x74726976);
    assert_int_equal(rd(f, 0x4), 2);
    assert_int_equal(rd(f, 0x8), 2);
    wr(f, 0x14, 1);
    assert_int_equal(rd(f, 0x10) & 1, 1); /* VERSION_1 */
    wr(f, 0x14, 0);
    uint32_t feat = rd(f, 0x10);
    assert_true(feat & (1u << F_FLUSH));
    assert_true(feat & (1u << VIRTIO_F_RING_EVENT_IDX));
    assert_true(feat & (1u << VIRTIO_F_RING_INDIRECT_DESC));
    assert_false(feat & (1u << F_RO));
    uint64_t cap = rd(f, 0x100) | (uint64_t)rd(f, 0x104) << 32;
    assert_int_equal(cap, DISK_SIZE / 512);
    assert_int_equal(rd(f, 0x100 + 20), 512);                              /* blk_size */
    assert_int_equal(virtio_mmio_mmio_ops.read(f->m, 0x100 + 20, 2), 512); /* 16-bit */
    assert_int_equal(rd(f, 0x100 + 12), 254);                              /* seg_max */
    assert_int_equal(rd(f, 0x100 + 0x80), 0); /* beyond config: zero, no crash */
    destroy_device(f);
}

static void test_read_write_flush(void **state)
{
    struct fixture *f = *state;
    make_device(f, false, "disk0");
    uint32_t st = driver_init(f, default_features);
    assert_int_equal(st & VIRTIO_STATUS_DRIVER_OK, VIRTIO_STATUS_DRIVER_OK);
    uint32_t used_len;

    /* Read sectors 3..4. */
    assert_int_equal(request(f, VIRTIO_BLK_T_IN, 3, 1024, &used_len), S_OK);
    assert_int_equal(used_len, 1025);
    uint8_t *data = gptr(f, DATA);
    assert_int_equal(data[0], 3);
    assert_int_equal(data[5], 8);
    assert_int_equal(data[512], 4);
    assert_true(f->irq);
    assert_int_equal(rd(f, 0x60), 1);
    wr(f, 0x64, 1);
    assert_false(f->irq);

    /* Write sector 10, then read it back through the device and from the file. */
    memset(data, 0xab, 512);
    assert_int_equal(request(f, VIRTIO_BLK_T_OUT, 10, 512, &used_len), S_OK);
    assert_int_equal(used_len, 1);
    memset(data, 0, 512);
    assert_int_equal(request(f, VIRTIO_BLK_T_IN, 10, 512, NULL), S_OK);
    assert_int_equal(data[0], 0xab);
    assert_int_equal(data[511], 0xab);
    assert_int_equal(request(f, VIRTIO_BLK_T_FLUSH, 0, 0, &used_len), S_OK);
    assert_int_equal(used_len, 1);
    uint8_t back[512];
    assert_int_equal(blockdev_pread(f->bdev, back, 512, 10 * 512), 0);
    assert_int_equal(back[100], 0xab);
    destroy_device(f);
}

static void test_get_id_and_unsupported(void **state)
{
    struct fixture *f = *state;
    make_device(f, false, "my-serial");
    driver_init(f, default_features);
    uint32_t used_len;
    memset(gptr(f, DATA), 0x55, 20);
    assert_int_equal(request(f, VIRTIO_BLK_T_GET_ID, 0, 20, &used_len), S_OK);
    assert_int_equal(used_len, 21);
    char expect[20] = "my-serial";
    assert_memory_equal(gptr(f, DATA), expect, 20);
    assert_int_equal(request(f, 77, 0, 512, NULL), S_UNSUPP);
    /* Out of range and partial-sector requests fail cleanly. */
    assert_int_equal(request(f, VIRTIO_BLK_T_IN, DISK_SIZE / 512, 512, NULL), S_IOERR);
    assert_int_equal(request(f, VIRTIO_BLK_T_IN, DISK_SIZE / 512 - 1, 1024, NULL), S_IOERR);
    assert_int_equal(request(f, VIRTIO_BLK_T_IN, UINT64_MAX / 256, 512, NULL), S_IOERR);
    assert_int_equal(request(f, VIRTIO_BLK_T_IN, 0, 100, NULL), S_IOERR);
    /* The device still works. */
    assert_int_equal(request(f, VIRTIO_BLK_T_IN, 1, 512, NULL), S_OK);
    destroy_device(f);
}

static void test_readonly_refuses_writes(void **state)
{
    struct fixture *f = *state;
    make_device(f, true, NULL);
    wr(f, 0x14, 0);
    assert_true(rd(f, 0x10) & (1u << F_RO));
    driver_init(f, default_features | VIRTIO_FEATURE(F_RO));
    memset(gptr(f, DATA), 0xcd, 512);
    assert_int_equal(request(f, VIRTIO_BLK_T_OUT, 0, 512, NULL), S_IOERR);
    uint8_t back[512];
    assert_int_equal(blockdev_pread(f->bdev, back, 512, 0), 0);
    assert_int_equal(back[1], 1); /* unchanged */
    assert_int_equal(request(f, VIRTIO_BLK_T_IN, 0, 512, NULL), S_OK);
    destroy_device(f);
}

static void test_feature_refusal(void **state)
{
    struct fixture *f = *state;
    make_device(f, false, NULL);
    /* RO was not offered for a writable disk. */
    uint32_t st = driver_init(f, default_features | VIRTIO_FEATURE(F_RO));
    assert_int_equal(st & VIRTIO_STATUS_FEATURES_OK, 0);
    /* Legacy drivers (no VERSION_1) are refused too. */
    st = driver_init(f, VIRTIO_FEATURE(F_FLUSH));
    assert_int_equal(st & VIRTIO_STATUS_FEATURES_OK, 0);
    destroy_device(f);
}

static void test_malformed_chain_needs_reset(void **state)
{
    struct fixture *f = *state;
    make_device(f, false, NULL);
    driver_init(f, default_features);
    set_desc(f, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
    set_desc(f, 1, HDR, 16, VIRTQ_DESC_F_NEXT, 0); /* loop */
    struct virtq_avail *a = gptr(f, AVAIL);
    a->ring[0] = 0;
    a->idx = 1;
    wr(f, 0x50, 0);
    for (int i = 0; i < 10 && !(rd(f, 0x70) & VIRTIO_STATUS_NEEDS_RESET); i++)
        assert_true(event_loop_run_once(f->loop, 100) >= 0);
    assert_true(rd(f, 0x70) & VIRTIO_STATUS_NEEDS_RESET);
    assert_int_equal(rd(f, 0x60) & 2, 2); /* config-change interrupt */
    assert_true(f->irq);
    /* A reset recovers the device. */
    uint32_t st = driver_init(f, default_features);
    assert_int_equal(st & VIRTIO_STATUS_NEEDS_RESET, 0);
    assert_false(f->irq);
    assert_int_equal(request(f, VIRTIO_BLK_T_IN, 2, 512, NULL), S_OK);
    destroy_device(f);
}

static void test_missing_status_byte_dropped(void **state)
{
    struct fixture *f = *state;
    make_device(f, false, NULL);
    driver_init(f, default_features);
    set_desc(f, 5, HDR, 16, 0, 0); /* header only */
    assert_int_equal(submit(f, 5), 0);
    assert_int_equal(request(f, VIRTIO_BLK_T_IN, 2, 512, NULL), S_OK);
    destroy_device(f);
}

static void test_bad_ring_address_needs_reset(void **state)
{
    struct fixture *f = *state;
    make_device(f, false, NULL);
    wr(f, 0x70, 1 | 2);
    wr(f, 0x20, (uint32_t)default_features);
    wr(f, 0x24, 1);
    wr(f, 0x20, 1);
    wr(f, 0x70, 1 | 2 | 8);
    wr(f, 0x38, QSIZE);
    wr(f, 0x80, 0x1000); /* below RAM */
    wr(f, 0x90, (uint32_t)AVAIL);
    wr(f, 0xa0, (uint32_t)USED);
    wr(f, 0x44, 1);
    assert_int_equal(rd(f, 0x44), 0);
    assert_true(rd(f, 0x70) & VIRTIO_STATUS_NEEDS_RESET);
    wr(f, 0x50, 0); /* a kick on a dead queue is harmless */
    assert_true(event_loop_run_once(f->loop, 10) >= 0);
    virtio_mmio_reset(f->m);
    assert_int_equal(rd(f, 0x70), 0);
    destroy_device(f);
}

/* A disk whose transfers take a while, recording how many run at once and what a flush saw.
 * With `cached` its reads also work without waiting (preadv_nowait). */
struct slow_disk {
    struct blockdev bdev;
    pthread_mutex_t lock;
    unsigned active, max_active, writes_done, writes_done_at_flush, active_at_flush, flushes;
    unsigned reads_done, nowait_reads, nowait_refused;
    bool cached;
    uint8_t data[DISK_SIZE];
};

static int slow_rw(struct blockdev *bdev, const struct iovec *iov, int n, uint64_t off, bool wr)
{
    struct slow_disk *d = (struct slow_disk *)bdev;
    pthread_mutex_lock(&d->lock);
    if (++d->active > d->max_active)
        d->max_active = d->active;
    pthread_mutex_unlock(&d->lock);
    usleep(30000);
    for (int i = 0; i < n; i++) {
        if (wr)
            memcpy(d->data + off, iov[i].iov_base, iov[i].iov_len);
        else
            memcpy(iov[i].iov_base, d->data + off, iov[i].iov_len);
        off += iov[i].iov_len;
    }
    pthread_mutex_lock(&d->lock);
    d->active--;
    d->writes_done += wr;
    d->reads_done += !wr;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

static int slow_preadv(struct blockdev *b, const struct iovec *iov, int n, uint64_t off)
{
    return slow_rw(b, iov, n, off, false);
}

static int slow_pwritev(struct blockdev *b, const struct iovec *iov, int n, uint64_t off)
{
    return slow_rw(b, iov, n, off, true);
}

static int slow_flush(struct blockdev *bdev)
{
    struct slow_disk *d = (struct slow_disk *)bdev;
    pthread_mutex_lock(&d->lock);
    d->flushes++;
    d->writes_done_at_flush = d->writes_done;
    d->active_at_flush = d->active;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

static void slow_destroy(struct blockdev *bdev)
{
    (void)bdev;
}

static int cached_preadv_nowait(struct blockdev *bdev, const struct iovec *iov, int n, uint64_t off)
{
    struct slow_disk *d = (struct slow_disk *)bdev;
    if (!d->cached) {
        d->nowait_refused++;
        return -EAGAIN;
    }
    for (int i = 0; i < n; i++) {
        memcpy(iov[i].iov_base, d->data + off, iov[i].iov_len);
        off += iov[i].iov_len;
    }
    d->nowait_reads++;
    return 0;
}

static const struct blockdev_ops slow_ops = {
    .preadv = slow_preadv, .pwritev = slow_pwritev, .flush = slow_flush, .destroy = slow_destroy};
static const struct blockdev_ops cached_ops = {.preadv = slow_preadv,
                                               .pwritev = slow_pwritev,
                                               .preadv_nowait = cached_preadv_nowait,
                                               .flush = slow_flush,
                                               .destroy = slow_destroy};

/* A virtio-blk device over virtio-mmio on a fresh slow_disk with `ops`, driver not yet set up. */
static struct slow_disk *slow_device(struct fixture *f, const struct blockdev_ops *ops,
                                     const char *serial)
{
    struct slow_disk *d = test_calloc(1, sizeof(*d));
    d->bdev = (struct blockdev){.ops = ops, .size = DISK_SIZE};
    pthread_mutex_init(&d->lock, NULL);
    assert_int_equal(virtio_blk_create(&d->bdev, serial, &f->vdev), 0);
    struct irq_line line = {.set = irq_set, .opaque = f, .num = 1};
    assert_int_equal(virtio_mmio_create(&f->mem, f->loop, line, f->vdev, &f->m), 0);
    return d;
}

static void slow_device_destroy(struct fixture *f, struct slow_disk *d)
{
    virtio_mmio_destroy(f->m);
    virtio_device_destroy(f->vdev);
    pthread_mutex_destroy(&d->lock);
    test_free(d);
}

/* Several requests made available with one kick: the transfers (not consecutive, so not merged)
 * overlap on the I/O threads, the FLUSH behind them starts only once every earlier write
 * finished, and a read after the flush sees the data. The vCPU side (the kick) returns at once. */
static void test_requests_in_flight_and_flush_order(void **state)
{
    struct fixture *f = *state;
    struct slow_disk *d = slow_device(f, &slow_ops, "slow");
    driver_init(f, default_features);

    enum { NW = 4 };
    struct virtq_avail *a = gptr(f, AVAIL);
    struct virtq_used *u = gptr(f, USED);
    for (unsigned i = 0; i <= NW; i++) {
        bool flush = i == NW;
        uint32_t hdr[4] = {flush ? VIRTIO_BLK_T_FLUSH : VIRTIO_BLK_T_OUT, 0, 16 * i, 0};
        memcpy(gptr(f, HDR + 16 * i), hdr, sizeof(hdr));
        memset(gptr(f, DATA + 4096 * i), 0x10 + i, 4096);
        *(uint8_t *)gptr(f, STATUS_BYTE + i) = 0xee;
        set_desc(f, 3 * i, HDR + 16 * i, 16, VIRTQ_DESC_F_NEXT, 3 * i + (flush ? 2 : 1));
        set_desc(f, 3 * i + 1, DATA + 4096 * i, 4096, VIRTQ_DESC_F_NEXT, 3 * i + 2);
        set_desc(f, 3 * i + 2, STATUS_BYTE + i, 1, VIRTQ_DESC_F_WRITE, 0);
        a->ring[i] = (uint16_t)(3 * i);
    }
    __atomic_store_n(&a->idx, NW + 1, __ATOMIC_RELEASE);
    wr(f, 0x50, 0);
    for (int i = 0; i < 200 && __atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) != NW + 1; i++)
        assert_true(event_loop_run_once(f->loop, 100) >= 0);
    assert_int_equal(u->idx, NW + 1);
    for (unsigned i = 0; i <= NW; i++)
        assert_int_equal(*(uint8_t *)gptr(f, STATUS_BYTE + i), S_OK);
    assert_true(d->max_active >= 2);
    assert_int_equal(d->flushes, 1);
    assert_int_equal(d->writes_done_at_flush, NW);
    assert_int_equal(d->active_at_flush, 0);
    /* The flush completed last. */
    assert_int_equal(u->ring[NW].id, 3 * NW);
    assert_int_equal(d->data[16 * 512 * 3], 0x13);
    assert_true(f->irq);

    /* A reset while transfers are in flight waits for them and drops their completions. */
    a->ring[a->idx % QSIZE] = 0;
    __atomic_store_n(&a->idx, (uint16_t)(a->idx + 1), __ATOMIC_RELEASE);
    wr(f, 0x50, 0);
    assert_true(event_loop_run_once(f->loop, 100) >= 0); /* popped and submitted */
    virtio_mmio_reset(f->m);
    assert_int_equal(d->active, 0);
    for (int i = 0; i < 3; i++)
        assert_true(event_loop_run_once(f->loop, 50) >= 0);
    assert_int_equal(u->idx, NW + 1); /* nothing pushed into the reset queue */
    /* And the device works again after the driver sets it up anew. */
    driver_init(f, default_features);
    assert_int_equal(request(f, VIRTIO_BLK_T_IN, 16, 512, NULL), S_OK);
    assert_int_equal(*(uint8_t *)gptr(f, DATA), 0x11);
    slow_device_destroy(f, d);
}

/* A driver that did not accept FLUSH cannot ask for durability: every write is flushed before
 * it completes (QEMU's write-through). With FLUSH accepted, writes complete without one; with
 * -drive cache=writethrough (bdev->writethrough) they are flushed again; cache=unsafe ignores
 * FLUSH. */
static void test_write_through_without_flush(void **state)
{
    struct fixture *f = *state;
    struct slow_disk *d = slow_device(f, &slow_ops, "wt");

    driver_init(f, default_features & ~VIRTIO_FEATURE(F_FLUSH));
    memset(gptr(f, DATA), 0x5a, 512);
    assert_int_equal(request(f, VIRTIO_BLK_T_OUT, 3, 512, NULL), S_OK);
    assert_int_equal(d->writes_done, 1);
    assert_int_equal(d->flushes, 1);
    assert_int_equal(d->writes_done_at_flush, 1);

    driver_init(f, default_features);
    assert_int_equal(request(f, VIRTIO_BLK_T_OUT, 4, 512, NULL), S_OK);
    assert_int_equal(d->writes_done, 2);
    assert_int_equal(d->flushes, 1);

    d->bdev.writethrough = true;
    assert_int_equal(request(f, VIRTIO_BLK_T_OUT, 5, 512, NULL), S_OK);
    assert_int_equal(d->flushes, 2);
    assert_int_equal(d->writes_done_at_flush, 3);
    /* Reads never flush. */
    assert_int_equal(request(f, VIRTIO_BLK_T_IN, 3, 512, NULL), S_OK);
    assert_int_equal(d->flushes, 2);
    assert_int_equal(d->data[3 * 512], 0x5a);

    /* cache=unsafe (bdev->ignore_flush): FLUSH succeeds without reaching the backend. */
    d->bdev.writethrough = false;
    d->bdev.ignore_flush = true;
    assert_int_equal(request(f, VIRTIO_BLK_T_FLUSH, 0, 0, NULL), S_OK);
    assert_int_equal(d->flushes, 2);
    d->bdev.ignore_flush = false;
    assert_int_equal(request(f, VIRTIO_BLK_T_FLUSH, 0, 0, NULL), S_OK);
    assert_int_equal(d->flushes, 3);

    slow_device_destroy(f, d);
}

/* Reads the backend can serve without waiting finish on the loop thread during the kick, up to
 * a budget per pass; the rest, and reads it refuses, go to the I/O threads. */
static void test_cached_reads_inline(void **state)
{
    struct fixture *f = *state;
    struct slow_disk *d = slow_device(f, &cached_ops, "cached");
    d->cached = true;
    for (unsigned i = 0; i < DISK_SIZE; i++)
        d->data[i] = (uint8_t)(i / 512);
    driver_init(f, default_features);

    assert_int_equal(request(f, VIRTIO_BLK_T_IN, 5, 1024, NULL), S_OK);
    assert_int_equal(*(uint8_t *)gptr(f, DATA + 512), 6);
    assert_int_equal(d->nowait_reads, 1);
    assert_int_equal(d->reads_done, 0);
    assert_true(f->irq);

    /* Not cached: the I/O threads read it. */
    d->cached = false;
    memset(gptr(f, DATA), 0, 512);
    assert_int_equal(request(f, VIRTIO_BLK_T_IN, 7, 512, NULL), S_OK);
    assert_int_equal(*(uint8_t *)gptr(f, DATA), 7);
    assert_int_equal(d->nowait_refused, 1);
    assert_int_equal(d->reads_done, 1);

    /* Three 512 KiB reads in one kick (the first two consecutive, the third from sector 0
     * again): two fit the budget of a pass, the third is handed off. */
    d->cached = true;
    struct virtq_avail *a = gptr(f, AVAIL);
    struct virtq_used *u = gptr(f, USED);
    uint16_t before = u->idx;
    for (unsigned i = 0; i < 3; i++) {
        uint32_t hdr[4] = {VIRTIO_BLK_T_IN, 0, i == 1 ? 1024 : 0, 0};
        memcpy(gptr(f, HDR + 16 * i), hdr, sizeof(hdr));
        *(uint8_t *)gptr(f, STATUS_BYTE + i) = 0xee;
        set_desc(f, 3 * i, HDR + 16 * i, 16, VIRTQ_DESC_F_NEXT, 3 * i + 1);
        set_desc(f, 3 * i + 1, BIG_DATA + i * (512u << 10), 512u << 10,
                 VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 3 * i + 2);
        set_desc(f, 3 * i + 2, STATUS_BYTE + i, 1, VIRTQ_DESC_F_WRITE, 0);
        a->ring[(a->idx + i) % QSIZE] = (uint16_t)(3 * i);
    }
    __atomic_store_n(&a->idx, (uint16_t)(a->idx + 3), __ATOMIC_RELEASE);
    wr(f, 0x50, 0);
    for (int i = 0; i < 100 && __atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) != before + 3; i++)
        assert_true(event_loop_run_once(f->loop, 100) >= 0);
    assert_int_equal(u->idx, (uint16_t)(before + 3));
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(*(uint8_t *)gptr(f, STATUS_BYTE + i), S_OK);
    assert_int_equal(d->nowait_reads, 3);
    assert_int_equal(d->reads_done, 2);
    assert_int_equal(*(uint8_t *)gptr(f, BIG_DATA + (512u << 10)), 1024 & 0xff);
    assert_int_equal(*(uint8_t *)gptr(f, BIG_DATA + 2 * (512u << 10) + 512), 1);

    /* Writes never take that path. */
    assert_int_equal(request(f, VIRTIO_BLK_T_OUT, 3, 512, NULL), S_OK);
    assert_int_equal(d->writes_done, 1);
    slow_device_destroy(f, d);
}

/* Request i of a batch: header, 4 KiB at DATA + 4096 i (no data for a FLUSH), status byte. */
static void batch_req(struct fixture *f, unsigned i, uint32_t type, uint64_t sector, uint8_t fill)
{
    bool flush = type == VIRTIO_BLK_T_FLUSH;
    uint32_t hdr[4] = {type, 0, (uint32_t)sector, 0};
    memcpy(gptr(f, HDR + 16 * i), hdr, sizeof(hdr));
    memset(gptr(f, DATA + 4096 * i), fill, 4096);
    *(uint8_t *)gptr(f, STATUS_BYTE + i) = 0xee;
    set_desc(f, 3 * i, HDR + 16 * i, 16, VIRTQ_DESC_F_NEXT, 3 * i + (flush ? 2 : 1));
    set_desc(f, 3 * i + 1, DATA + 4096 * i, 4096,
             VIRTQ_DESC_F_NEXT | (type == VIRTIO_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0), 3 * i + 2);
    set_desc(f, 3 * i + 2, STATUS_BYTE + i, 1, VIRTQ_DESC_F_WRITE, 0);
    struct virtq_avail *a = gptr(f, AVAIL);
    a->ring[(a->idx + i) % QSIZE] = (uint16_t)(3 * i);
}

/* Makes n batch requests available with one kick and waits for all of them. */
static void batch_run(struct fixture *f, unsigned n)
{
    struct virtq_avail *a = gptr(f, AVAIL);
    struct virtq_used *u = gptr(f, USED);
    uint16_t before = u->idx;
    __atomic_store_n(&a->idx, (uint16_t)(a->idx + n), __ATOMIC_RELEASE);
    wr(f, 0x50, 0);
    for (int i = 0; i < 200 && __atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) != before + n; i++)
        assert_true(event_loop_run_once(f->loop, 100) >= 0);
    assert_int_equal(u->idx, (uint16_t)(before + n));
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(*(uint8_t *)gptr(f, STATUS_BYTE + i), S_OK);
}

/* Consecutive transfers of one kick reach the disk as one call; a FLUSH ends the run (it is
 * ordered after it), and so does a gap or a change of direction. */
static void test_consecutive_transfers_merged(void **state)
{
    struct fixture *f = *state;
    struct slow_disk *d = slow_device(f, &slow_ops, "merge");
    driver_init(f, default_features);

    batch_req(f, 0, VIRTIO_BLK_T_OUT, 0, 0x21);
    batch_req(f, 1, VIRTIO_BLK_T_OUT, 8, 0x22);
    batch_req(f, 2, VIRTIO_BLK_T_OUT, 16, 0x23);
    batch_req(f, 3, VIRTIO_BLK_T_FLUSH, 0, 0);
    batch_req(f, 4, VIRTIO_BLK_T_OUT, 24, 0x24);
    batch_run(f, 5);
    assert_int_equal(d->writes_done, 2);
    assert_int_equal(d->writes_done_at_flush, 1);
    assert_int_equal(d->data[0], 0x21);
    assert_int_equal(d->data[8 * 512 + 4095], 0x22);
    assert_int_equal(d->data[16 * 512], 0x23);
    assert_int_equal(d->data[24 * 512 + 4095], 0x24);

    /* Reads 0 and 8 merge; 24 does not follow 8; the write at 32 is the other direction. */
    batch_req(f, 0, VIRTIO_BLK_T_IN, 0, 0);
    batch_req(f, 1, VIRTIO_BLK_T_IN, 8, 0);
    batch_req(f, 2, VIRTIO_BLK_T_IN, 24, 0);
    batch_req(f, 3, VIRTIO_BLK_T_OUT, 32, 0x25);
    batch_run(f, 4);
    assert_int_equal(d->reads_done, 2);
    assert_int_equal(d->writes_done, 3);
    assert_int_equal(*(uint8_t *)gptr(f, DATA + 4095), 0x21);
    assert_int_equal(*(uint8_t *)gptr(f, DATA + 4096), 0x22);
    assert_int_equal(*(uint8_t *)gptr(f, DATA + 2 * 4096 + 4095), 0x24);
    assert_int_equal(d->data[32 * 512], 0x25);
    slow_device_destroy(f, d);
}

/* DISCARD / WRITE_ZEROES with one range (header, range, status). */
static uint8_t range_request(struct fixture *f, uint32_t type, uint64_t sector, uint32_t n,
                             uint32_t flags, uint32_t len)
{
    uint32_t hdr[4] = {type, 0, 0, 0};
    uint32_t range[8] = {(uint32_t)sector, (uint32_t)(sector >> 32), n, flags,
                         (uint32_t)sector, (uint32_t)(sector >> 32), n, flags};
    memcpy(gptr(f, HDR), hdr, sizeof(hdr));
    memcpy(gptr(f, DATA), range, sizeof(range));
    *(uint8_t *)gptr(f, STATUS_BYTE) = 0xee;
    set_desc(f, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
    set_desc(f, 1, DATA, len, VIRTQ_DESC_F_NEXT, 2);
    set_desc(f, 2, STATUS_BYTE, 1, VIRTQ_DESC_F_WRITE, 0);
    submit(f, 0);
    return *(uint8_t *)gptr(f, STATUS_BYTE);
}

static uint8_t disk_byte(struct fixture *f, uint64_t off)
{
    uint8_t v;
    assert_int_equal(blockdev_pread(f->bdev, &v, 1, off), 0);
    return v;
}

static void test_discard_and_write_zeroes(void **state)
{
    struct fixture *f = *state;
    enum { T_DISCARD = 11, T_WRITE_ZEROES = 13, F_DISCARD = 13, F_WRITE_ZEROES = 14 };

    make_device(f, false, NULL);
    wr(f, 0x14, 0);
    assert_true(rd(f, 0x10) & (1u << F_DISCARD));
    assert_true(rd(f, 0x10) & (1u << F_WRITE_ZEROES));
    assert_int_equal(rd(f, 0x100 + 40), 1); /* max_discard_seg */
    driver_init(f, default_features | VIRTIO_FEATURE(F_DISCARD) | VIRTIO_FEATURE(F_WRITE_ZEROES));
    /* Without discard=unmap a discard succeeds and changes nothing (QEMU's discard=ignore). */
    assert_int_equal(range_request(f, T_DISCARD, 4, 8, 0, 16), S_OK);
    assert_int_equal(disk_byte(f, 4 * 512 + 1), 5);
    /* WRITE_ZEROES always zeroes. */
    assert_int_equal(range_request(f, T_WRITE_ZEROES, 20, 2, 0, 16), S_OK);
    assert_int_equal(disk_byte(f, 20 * 512 + 7), 0);
    assert_int_equal(disk_byte(f, 21 * 512 + 511), 0);
    assert_int_equal(disk_byte(f, 22 * 512), 22);
    assert_int_equal(range_request(f, T_WRITE_ZEROES, 30, 1, 1, 16), S_OK); /* UNMAP flag */
    assert_int_equal(disk_byte(f, 30 * 512 + 3), 0);
    /* Two ranges, unknown flags: unsupported. Out of range: IOERR. */
    assert_int_equal(range_request(f, T_DISCARD, 4, 8, 0, 32), S_UNSUPP);
    assert_int_equal(range_request(f, T_DISCARD, 4, 8, 1, 16), S_UNSUPP);
    assert_int_equal(range_request(f, T_WRITE_ZEROES, 4, 8, 2, 16), S_UNSUPP);
    assert_int_equal(range_request(f, T_WRITE_ZEROES, DISK_SIZE / 512 - 1, 2, 0, 16), S_IOERR);
    destroy_device(f);

    /* With discard=unmap the range is punched out of the file and reads back as zeros. */
    assert_int_equal(blockdev_raw_open(f->path, false, true, &f->bdev), 0);
    f->bdev->discard = true;
    assert_int_equal(virtio_blk_create(f->bdev, NULL, &f->vdev), 0);
    struct irq_line line = {.set = irq_set, .opaque = f, .num = 1};
    assert_int_equal(virtio_mmio_create(&f->mem, f->loop, line, f->vdev, &f->m), 0);
    assert_int_equal(rd(f, 0x100 + 56) & 0xff, 1); /* write_zeroes_may_unmap */
    driver_init(f, default_features | VIRTIO_FEATURE(F_DISCARD));
    assert_int_equal(range_request(f, T_DISCARD, 64, 16, 0, 16), S_OK);
    assert_int_equal(disk_byte(f, 64 * 512 + 9), 0);
    assert_int_equal(disk_byte(f, 80 * 512 + 9), (uint8_t)(80 + 9));
    destroy_device(f);

    /* Read-only disks neither offer nor accept them. */
    make_device(f, true, NULL);
    wr(f, 0x14, 0);
    assert_false(rd(f, 0x10) & (1u << F_DISCARD));
    driver_init(f, default_features | VIRTIO_FEATURE(F_RO));
    assert_int_equal(range_request(f, T_WRITE_ZEROES, 1, 1, 0, 16), S_IOERR);
    assert_int_equal(disk_byte(f, 512 + 2), 3);
    destroy_device(f);
}

int main(void)
{
    log_trace_mask_value = TRACE_GUEST_ERRORS;
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_identity_and_config),
        T(test_read_write_flush),
        T(test_get_id_and_unsupported),
        T(test_readonly_refuses_writes),
        T(test_feature_refusal),
        T(test_malformed_chain_needs_reset),
        T(test_missing_status_byte_dropped),
        T(test_bad_ring_address_needs_reset),
        T(test_requests_in_flight_and_flush_order),
        T(test_cached_reads_inline),
        T(test_consecutive_transfers_merged),
        T(test_discard_and_write_zeroes),
        T(test_write_through_without_flush),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
