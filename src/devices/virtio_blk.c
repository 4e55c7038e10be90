#include "devices/virtio_blk.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "backends/block_aio.h"
#include "backends/blockdev.h"
#include "core/log.h"
#include "devices/virtio.h"

#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP 1
/* One range per DISCARD / WRITE_ZEROES request (max_*_seg), up to 4 GiB - 512 bytes. */
#define MAX_RANGE_SECTORS 0x7fffffu

#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_ID_BYTES 20
#define SECTOR_SIZE 512
#define QUEUE_SIZE 256
/* Reads the page cache holds are copied right on the event loop (see read_inline): up to this
 * many bytes per pass over the queue, so other devices on the loop wait at most ~0.1 ms. */
#define INLINE_READ_BUDGET (1u << 20)
/* Consecutive transfers merged into one preadv/pwritev (see run_add), up to this many bytes. */
#define MERGE_MAX_BYTES (1u << 20)

/* The leading fields of struct virtio_blk_config (5.2.4) that kvmu fills; little-endian. */
struct virtio_blk_config {
    uint64_t capacity; /* in 512-byte sectors */
    uint32_t size_max;
    uint32_t seg_max;
    struct {
        uint16_t cylinders;
        uint8_t heads;
        uint8_t sectors;
    } geometry;
    uint32_t blk_size;
    struct {
        uint8_t physical_block_exp;
        uint8_t alignment_offset;
        uint16_t min_io_size;
        uint32_t opt_io_size;
    } topology;
    uint8_t writeback;
    uint8_t unused0;
    uint16_t num_queues;
    uint32_t max_discard_sectors;
    uint32_t max_discard_seg;
    uint32_t discard_sector_alignment;
    uint32_t max_write_zeroes_sectors;
    uint32_t max_write_zeroes_seg;
    uint8_t write_zeroes_may_unmap;
    uint8_t unused1[3];
};

/* The payload of DISCARD and WRITE_ZEROES (5.2.6). */
struct virtio_blk_range {
    uint64_t sector;
    uint32_t num_sectors;
    uint32_t flags;
};

struct virtio_blk_req_header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

/* One request between pop and push. Requests are recycled through a free list; at most a
 * queue's worth exist. */
struct blk_req {
    struct blk_aio_req aio; /* first: completions hand back a struct blk_aio_req * */
    struct virtio_blk *b;
    unsigned gen;     /* the device generation it was popped in (see reset) */
    uint32_t written; /* payload bytes stored for the driver */
    uint64_t len;     /* READ/WRITE payload bytes; for a merged run's first request, the run's */
    struct blk_req *merged; /* requests whose transfer this one's iovecs also carry */
    struct blk_req *next_free;
    struct iovec iov[VIRTQ_MAX_SEGS];
    struct virtq_elem elem;
};

struct virtio_blk {
    struct virtio_device vdev; /* first: ops receive a struct virtio_device * */
    struct virtqueue vq;
    struct blockdev *bdev;
    struct virtio_blk_config config;
    char id[VIRTIO_BLK_ID_BYTES];
    /* Under vdev.lock: */
    struct blk_aio *aio; /* started with the first request; NULL: serve synchronously */
    bool aio_failed;
    struct blk_req *free_reqs;
    unsigned inflight;              /* submitted to the workers in this generation */
    struct blk_req *held_flush;     /* a FLUSH waiting for the requests before it */
    unsigned gen;                   /* bumped by reset: older completions are dropped */
    uint64_t inline_left;           /* bytes this pass may still read on the loop thread */
    struct blk_req *run, *run_tail; /* transfers being merged, submitted by the end of a pass */
};

static void blk_read_config(struct virtio_device *dev, uint32_t offset, void *buf, uint32_t len)
{
    struct virtio_blk *b = (struct virtio_blk *)dev;

    memcpy(buf, (const uint8_t *)&b->config + offset, len);
}

/* Checks [sector, sector + len) against the disk; false for ranges that are out of bounds or
 * not whole sectors. */
static bool range_ok(const struct virtio_blk *b, uint64_t sector, uint64_t len)
{
    uint64_t size = blockdev_size(b->bdev);

    if (len % SECTOR_SIZE)
        return false;
    if (sector > size / SECTOR_SIZE)
        return false;
    return len <= size - sector * SECTOR_SIZE;
}

static struct blk_req *req_alloc(struct virtio_blk *b)
{
    struct blk_req *r = b->free_reqs;
    if (r) {
        b->free_reqs = r->next_free;
        return r;
    }
    r = malloc(sizeof(*r));
    if (!r)
        log_error("virtio-blk: out of memory for a request");
    return r;
}

static void req_free(struct virtio_blk *b, struct blk_req *r)
{
    r->next_free = b->free_reqs;
    b->free_reqs = r;
}

/* The status byte goes into the last writable byte of the chain; then the chain is used. */
static void req_finish(struct virtio_blk *b, struct blk_req *r, uint8_t status)
{
    const struct virtq_elem *e = &r->elem;

    virtq_iov_from_buf(&e->iov[e->nout], e->nin, e->in_len - 1, &status, 1);
    virtqueue_push(&b->vq, e, r->written + 1);
    req_free(b, r);
}

static void blk_complete(void *opaque, struct blk_aio_req *done);
static void process_queue(struct virtio_blk *b);

/* A request and the ones merged into it back to the free list, unanswered. */
static void free_run(struct virtio_blk *b, struct blk_req *r)
{
    while (r) {
        struct blk_req *next = r->merged;
        req_free(b, r);
        r = next;
    }
}

static uint8_t status_of(const struct blk_req *r)
{
    static const char *const names[] = {
        [BLK_AIO_READ] = "read",
        [BLK_AIO_WRITE] = "write",
        [BLK_AIO_FLUSH] = "flush",
        [BLK_AIO_DISCARD] = "discard",
        [BLK_AIO_WRITE_ZEROES] = "write-zeroes",
    };
    if (r->aio.result == 0)
        return VIRTIO_BLK_S_OK;
    if (r->aio.result == -EOPNOTSUPP)
        return VIRTIO_BLK_S_UNSUPP; /* a discard the backend cannot do */
    log_error("virtio-blk: %s failed: %s", names[r->aio.op], strerror(-r->aio.result));
    return VIRTIO_BLK_S_IOERR;
}

/* A read whose data is all in the page cache is done at once on the loop thread: handing it
 * to a worker and its completion back costs two thread wake-ups, more than the copy itself
 * (~10 us for 128 KiB), and on a busy host each wake-up may wait for a CPU. */
static bool read_inline(struct virtio_blk *b, struct blk_req *r)
{
    const struct blk_aio_req *a = &r->aio;

    if (a->op != BLK_AIO_READ || r->len > b->inline_left)
        return false;
    if (blockdev_preadv_nowait(b->bdev, a->iov, a->iovcnt, a->offset) < 0)
        return false;
    b->inline_left -= r->len;
    return true;
}

/* Without a negotiated FLUSH the driver cannot ask for durability, so (as QEMU does) every
 * write is written through; also for -drive cache=writethrough|directsync. */
static bool write_through(const struct virtio_blk *b)
{
    return b->bdev->writethrough || !virtio_has_feature(&b->vdev, VIRTIO_BLK_F_FLUSH);
}

/* The I/O threads, started with the first request; false: requests run synchronously (no
 * event loop, or the pool could not start). */
static bool pool_ready(struct virtio_blk *b)
{
    if (!b->aio && !b->aio_failed && b->vdev.loop &&
        blk_aio_create(b->bdev, b->vdev.loop, BLK_AIO_DEFAULT_THREADS, blk_complete, b, &b->aio) <
            0)
        b->aio_failed = true;
    return b->aio != NULL;
}

/* A request (with the ones merged into it) has run: each gets the shared status. */
static void req_done(struct virtio_blk *b, struct blk_req *r)
{
    uint8_t status = status_of(r);

    while (r) {
        struct blk_req *next = r->merged;
        if (status != VIRTIO_BLK_S_OK)
            r->written = 0;
        req_finish(b, r, status);
        r = next;
    }
}

/* Hands a prepared transfer or flush to a worker, or runs it right here without a pool. */
static void req_submit(struct virtio_blk *b, struct blk_req *r)
{
    if (pool_ready(b)) {
        b->inflight++;
        blk_aio_submit(b->aio, &r->aio);
        return;
    }
    r->aio.result = blk_aio_execute(b->bdev, &r->aio);
    req_done(b, r);
}

static void run_submit(struct virtio_blk *b)
{
    if (b->run)
        req_submit(b, b->run);
    b->run = b->run_tail = NULL;
}

/* Transfers popped in one pass that continue each other (same direction, the next byte) go to
 * the workers as one preadv/pwritev, as QEMU's virtio-blk merges them: one wake-up and one
 * system call for the run instead of one per request. The run's first request carries every
 * iovec; the others only wait for its result. */
static void run_add(struct virtio_blk *b, struct blk_req *r)
{
    struct blk_req *h = b->run;

    if (h && h->aio.op == r->aio.op && h->aio.offset + h->len == r->aio.offset &&
        h->aio.iovcnt + r->aio.iovcnt <= VIRTQ_MAX_SEGS && h->len + r->len <= MERGE_MAX_BYTES) {
        memcpy(&h->iov[h->aio.iovcnt], r->aio.iov, (size_t)r->aio.iovcnt * sizeof(r->iov[0]));
        h->aio.iovcnt += r->aio.iovcnt;
        h->len += r->len;
        b->run_tail->merged = r;
        b->run_tail = r;
        return;
    }
    run_submit(b);
    b->run = b->run_tail = r;
}

/* A READ or WRITE: from the page cache at once if it can, else into the current run. */
static void transfer_start(struct virtio_blk *b, struct blk_req *r)
{
    r->merged = NULL;
    if (!pool_ready(b)) {
        req_submit(b, r);
        return;
    }
    if (read_inline(b, r)) {
        req_finish(b, r, VIRTIO_BLK_S_OK);
        return;
    }
    run_add(b, r);
}

/* A FLUSH covers the writes completed before it: it waits until everything submitted earlier
 * has finished, and the queue is not read further meanwhile. */
static void submit_flush(struct virtio_blk *b, struct blk_req *r)
{
    if (b->inflight) {
        b->held_flush = r;
        return;
    }
    req_submit(b, r);
}

/* Parses one popped chain and starts it; requests that need no I/O finish at once. */
static void req_start(struct virtio_blk *b, struct blk_req *r)
{
    const struct virtq_elem *e = &r->elem;
    struct virtio_blk_req_header h;

    r->written = 0;
    r->merged = NULL;
    if (e->out_len < sizeof(h) || e->in_len < 1 || e->in_len - 1 > UINT32_MAX) {
        /* No header or nowhere to put the status: hand the buffers back untouched. */
        TRACE(TRACE_GUEST_ERRORS, "virtio-blk: request without header or status byte dropped");
        virtqueue_push(&b->vq, e, 0);
        req_free(b, r);
        return;
    }
    virtq_iov_to_buf(e->iov, e->nout, 0, &h, sizeof(h));
    TRACE(TRACE_VIRTIO, "virtio-blk: req %u type %u sector %llu out %llu in %llu segs %u+%u",
          e->head, h.type, (unsigned long long)h.sector, (unsigned long long)e->out_len,
          (unsigned long long)e->in_len, e->nout, e->nin);
    uint64_t out_len = e->out_len - sizeof(h);
    uint64_t in_len = e->in_len - 1; /* the status byte is the last writable byte */

    if (h.type == VIRTIO_BLK_T_IN || h.type == VIRTIO_BLK_T_OUT) {
        bool is_write = h.type == VIRTIO_BLK_T_OUT;
        uint64_t len = is_write ? out_len : in_len;
        if (!range_ok(b, h.sector, len)) {
            TRACE(TRACE_GUEST_ERRORS,
                  "virtio-blk: %s of %llu bytes at sector %llu: out of range or not whole sectors",
                  is_write ? "write" : "read", (unsigned long long)len,
                  (unsigned long long)h.sector);
            req_finish(b, r, VIRTIO_BLK_S_IOERR);
            return;
        }
        if (is_write && blockdev_readonly(b->bdev)) {
            req_finish(b, r, VIRTIO_BLK_S_IOERR);
            return;
        }
        /* Payload iovecs: skip the header in front of the write data, and stop before the
         * status byte after the read buffers. */
        const struct iovec *src = is_write ? &e->iov[0] : &e->iov[e->nout];
        unsigned nsrc = is_write ? e->nout : e->nin, n = 0;
        uint64_t skip = is_write ? sizeof(h) : 0, left = len;
        for (unsigned i = 0; i < nsrc && left > 0; i++) {
            if (skip >= src[i].iov_len) {
                skip -= src[i].iov_len;
                continue;
            }
            uint64_t chunk = src[i].iov_len - skip;
            if (chunk > left)
                chunk = left;
            r->iov[n++] = (struct iovec){(uint8_t *)src[i].iov_base + skip, chunk};
            left -= chunk;
            skip = 0;
        }
        r->aio = (struct blk_aio_req){.op = is_write ? BLK_AIO_WRITE : BLK_AIO_READ,
                                      .iov = r->iov,
                                      .iovcnt = (int)n,
                                      .offset = h.sector * SECTOR_SIZE,
                                      .sync = is_write && write_through(b)};
        r->written = is_write ? 0 : (uint32_t)len;
        r->len = len;
        transfer_start(b, r);
        return;
    }
    /* Anything else is ordered after the transfers before it. */
    run_submit(b);
    switch (h.type) {
    case VIRTIO_BLK_T_FLUSH:
        r->aio = (struct blk_aio_req){.op = BLK_AIO_FLUSH};
        submit_flush(b, r);
        return;
    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES: {
        bool zeroes = h.type == VIRTIO_BLK_T_WRITE_ZEROES;
        struct virtio_blk_range range;
        if (blockdev_readonly(b->bdev)) {
            req_finish(b, r, VIRTIO_BLK_S_IOERR);
            return;
        }
        /* Exactly one range, and only the flag the request type defines. */
        if (out_len != sizeof(range) ||
            virtq_iov_to_buf(e->iov, e->nout, sizeof(h), &range, sizeof(range)) != sizeof(range) ||
            (range.flags & ~(uint32_t)(zeroes ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0))) {
            req_finish(b, r, VIRTIO_BLK_S_UNSUPP);
            return;
        }
        if (range.num_sectors > MAX_RANGE_SECTORS ||
            !range_ok(b, range.sector, (uint64_t)range.num_sectors * SECTOR_SIZE)) {
            req_finish(b, r, VIRTIO_BLK_S_IOERR);
            return;
        }
        r->aio = (struct blk_aio_req){
            .op = zeroes ? BLK_AIO_WRITE_ZEROES : BLK_AIO_DISCARD,
            .offset = range.sector * SECTOR_SIZE,
            .len = (uint64_t)range.num_sectors * SECTOR_SIZE,
            .unmap = range.flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP,
            .sync = write_through(b),
        };
        req_submit(b, r);
        return;
    }
    case VIRTIO_BLK_T_GET_ID: {
        size_t len = in_len < VIRTIO_BLK_ID_BYTES ? (size_t)in_len : VIRTIO_BLK_ID_BYTES;
        r->written = (uint32_t)virtq_iov_from_buf(&e->iov[e->nout], e->nin, 0, b->id, len);
        req_finish(b, r, VIRTIO_BLK_S_OK);
        return;
    }
    default:
        req_finish(b, r, VIRTIO_BLK_S_UNSUPP);
        return;
    }
}

/* Pops and starts everything available, unless a FLUSH is waiting. Caller holds vdev.lock. */
static void process_queue(struct virtio_blk *b)
{
    b->inline_left = INLINE_READ_BUDGET;
    do {
        virtqueue_disable_notify(&b->vq);
        while (!b->held_flush) {
            struct blk_req *r = req_alloc(b);
            if (!r)
                break; /* retried on the next kick or completion */
            int got = virtqueue_pop(&b->vq, &r->elem);
            if (got <= 0) {
                req_free(b, r);
                if (got < 0)
                    virtio_set_needs_reset(&b->vdev);
                break;
            }
            r->b = b;
            r->gen = b->gen;
            req_start(b, r);
        }
        run_submit(b);
        virtio_notify_used(&b->vdev, 0);
        /* While a FLUSH waits, kicks stay off: its completion resumes the queue. */
    } while (!b->held_flush && virtqueue_enable_notify(&b->vq));
}

/* Event-loop thread: requests came back from the workers. */
static void blk_complete(void *opaque, struct blk_aio_req *done)
{
    struct virtio_blk *b = opaque;

    pthread_mutex_lock(&b->vdev.lock);
    while (done) {
        struct blk_req *r = (struct blk_req *)done;
        done = done->next;
        if (r->gen != b->gen) {
            free_run(b, r); /* popped before a reset: the driver forgot it */
            continue;
        }
        b->inflight--;
        req_done(b, r);
    }
    if (b->held_flush && !b->inflight) {
        struct blk_req *f = b->held_flush;
        b->held_flush = NULL;
        req_submit(b, f);
    }
    if (b->vq.ready && !b->vq.broken)
        process_queue(b); /* also resumes a queue stopped behind a FLUSH */
    else
        virtio_notify_used(&b->vdev, 0);
    pthread_mutex_unlock(&b->vdev.lock);
}

static void blk_queue_notify(struct virtio_device *dev, unsigned q)
{
    struct virtio_blk *b = (struct virtio_blk *)dev;
    (void)q;

    if (!b->held_flush)
        process_queue(b);
}

/* Device reset, vdev.lock held: wait for the workers (they take no device lock), then forget
 * every request of the old generation. */
static void blk_reset(struct virtio_device *dev)
{
    struct virtio_blk *b = (struct virtio_blk *)dev;

    if (b->aio)
        blk_aio_drain(b->aio);
    b->gen++;
    b->inflight = 0;
    if (b->held_flush) {
        req_free(b, b->held_flush);
        b->held_flush = NULL;
    }
}

static void free_list(struct blk_req *r)
{
    while (r) {
        struct blk_req *next = r->next_free;
        free(r);
        r = next;
    }
}

static void blk_destroy(struct virtio_device *dev)
{
    struct virtio_blk *b = (struct virtio_blk *)dev;

    for (struct blk_aio_req *a = blk_aio_destroy(b->aio); a;) {
        struct blk_aio_req *next = a->next;
        free_run(b, (struct blk_req *)a); /* onto free_reqs, freed below */
        a = next;
    }
    free(b->held_flush);
    free_list(b->free_reqs);
    free(b);
}

static const struct virtio_device_ops blk_ops = {
    .read_config = blk_read_config,
    .queue_notify = blk_queue_notify,
    .reset = blk_reset,
    .destroy = blk_destroy,
};

int virtio_blk_create(struct blockdev *bdev, const char *serial_id, struct virtio_device **out)
{
    struct virtio_blk *b = calloc(1, sizeof(*b));
    if (!b) {
        log_error("virtio-blk: out of memory");
        return -ENOMEM;
    }
    virtio_device_init(&b->vdev, &blk_ops, "virtio-blk", VIRTIO_ID_BLOCK, 1, &b->vq, QUEUE_SIZE);
    b->bdev = bdev;
    b->vdev.host_features =
        VIRTIO_FEATURE(VIRTIO_F_VERSION_1) | VIRTIO_FEATURE(VIRTIO_BLK_F_FLUSH) |
        VIRTIO_FEATURE(VIRTIO_BLK_F_SEG_MAX) | VIRTIO_FEATURE(VIRTIO_BLK_F_BLK_SIZE) |
        VIRTIO_FEATURE(VIRTIO_F_RING_EVENT_IDX) | VIRTIO_FEATURE(VIRTIO_F_RING_INDIRECT_DESC);
    if (blockdev_readonly(bdev))
        b->vdev.host_features |= VIRTIO_FEATURE(VIRTIO_BLK_F_RO);
    else
        b->vdev.host_features |=
            VIRTIO_FEATURE(VIRTIO_BLK_F_DISCARD) | VIRTIO_FEATURE(VIRTIO_BLK_F_WRITE_ZEROES);
    b->vdev.config_len = sizeof(b->config);
    b->config.capacity = blockdev_size(bdev) / SECTOR_SIZE;
    /* As QEMU: a request may use every descriptor but the header and the status. */
    b->config.seg_max = QUEUE_SIZE - 2;
    b->config.blk_size = SECTOR_SIZE;
    b->config.num_queues = 1;
    b->config.max_discard_sectors = MAX_RANGE_SECTORS;
    b->config.max_discard_seg = 1;
    b->config.discard_sector_alignment = 1;
    b->config.max_write_zeroes_sectors = MAX_RANGE_SECTORS;
    b->config.max_write_zeroes_seg = 1;
    b->config.write_zeroes_may_unmap = bdev->discard;
    /* Zero-padded and, at 20 bytes, not NUL-terminated: the spec's format. */
    if (serial_id) {
        size_t n = strlen(serial_id);
        memcpy(b->id, serial_id, n < sizeof(b->id) ? n : sizeof(b->id));
    }
    *out = &b->vdev;
    return 0;
}
