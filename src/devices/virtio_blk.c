#include "devices/virtio_blk.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "backends/blockdev.h"
#include "core/log.h"
#include "devices/virtio.h"

#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8

#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_ID_BYTES 20
#define SECTOR_SIZE 512
#define QUEUE_SIZE 256

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
    uint8_t unused0[3];
};

struct virtio_blk_req_header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

struct virtio_blk {
    struct virtio_device vdev; /* first: ops receive a struct virtio_device * */
    struct virtqueue vq;
    struct blockdev *bdev;
    struct virtio_blk_config config;
    char id[VIRTIO_BLK_ID_BYTES];
    struct virtq_elem elem; /* one request at a time, under vdev.lock */
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

/* Runs one request; returns its status and sets *written (payload bytes stored). */
static uint8_t handle_request(struct virtio_blk *b, const struct virtq_elem *e,
                              const struct virtio_blk_req_header *h, uint32_t *written)
{
    const struct iovec *data_out = &e->iov[0];
    const struct iovec *data_in = &e->iov[e->nout];
    uint64_t out_len = e->out_len - sizeof(*h);
    uint64_t in_len = e->in_len - 1; /* the status byte is the last writable byte */
    struct iovec iov[VIRTQ_MAX_SEGS];
    unsigned n = 0;
    int r;

    *written = 0;
    switch (h->type) {
    case VIRTIO_BLK_T_IN:
    case VIRTIO_BLK_T_OUT: {
        bool is_write = h->type == VIRTIO_BLK_T_OUT;
        uint64_t len = is_write ? out_len : in_len;
        if (!range_ok(b, h->sector, len)) {
            TRACE(TRACE_GUEST_ERRORS,
                  "virtio-blk: %s of %llu bytes at sector %llu: out of range or not whole sectors",
                  is_write ? "write" : "read", (unsigned long long)len,
                  (unsigned long long)h->sector);
            return VIRTIO_BLK_S_IOERR;
        }
        if (is_write && blockdev_readonly(b->bdev))
            return VIRTIO_BLK_S_IOERR;
        /* Payload iovecs: skip the header in front of the write data, and stop before the
         * status byte after the read buffers. */
        const struct iovec *src = is_write ? data_out : data_in;
        unsigned nsrc = is_write ? e->nout : e->nin;
        uint64_t skip = is_write ? sizeof(*h) : 0, left = len;
        for (unsigned i = 0; i < nsrc && left > 0; i++) {
            if (skip >= src[i].iov_len) {
                skip -= src[i].iov_len;
                continue;
            }
            uint64_t chunk = src[i].iov_len - skip;
            if (chunk > left)
                chunk = left;
            iov[n++] = (struct iovec){(uint8_t *)src[i].iov_base + skip, chunk};
            left -= chunk;
            skip = 0;
        }
        uint64_t off = h->sector * SECTOR_SIZE;
        r = is_write ? blockdev_pwritev(b->bdev, iov, (int)n, off)
                     : blockdev_preadv(b->bdev, iov, (int)n, off);
        if (r < 0) {
            log_error("virtio-blk: %s at sector %llu failed: %s", is_write ? "write" : "read",
                      (unsigned long long)h->sector, strerror(-r));
            return VIRTIO_BLK_S_IOERR;
        }
        if (!is_write)
            *written = (uint32_t)len;
        return VIRTIO_BLK_S_OK;
    }
    case VIRTIO_BLK_T_FLUSH:
        r = blockdev_flush(b->bdev);
        if (r < 0) {
            log_error("virtio-blk: flush failed: %s", strerror(-r));
            return VIRTIO_BLK_S_IOERR;
        }
        return VIRTIO_BLK_S_OK;
    case VIRTIO_BLK_T_GET_ID: {
        size_t len = in_len < VIRTIO_BLK_ID_BYTES ? (size_t)in_len : VIRTIO_BLK_ID_BYTES;
        *written = (uint32_t)virtq_iov_from_buf(data_in, e->nin, 0, b->id, len);
        return VIRTIO_BLK_S_OK;
    }
    default:
        return VIRTIO_BLK_S_UNSUPP;
    }
}

static void process_one(struct virtio_blk *b, const struct virtq_elem *e)
{
    struct virtio_blk_req_header h;

    if (e->out_len < sizeof(h) || e->in_len < 1 || e->in_len - 1 > UINT32_MAX) {
        /* No header or nowhere to put the status: hand the buffers back untouched. */
        TRACE(TRACE_GUEST_ERRORS, "virtio-blk: request without header or status byte dropped");
        virtqueue_push(&b->vq, e, 0);
        return;
    }
    virtq_iov_to_buf(e->iov, e->nout, 0, &h, sizeof(h));
    uint32_t written;
    uint8_t status = handle_request(b, e, &h, &written);
    TRACE(TRACE_VIRTIO, "virtio-blk: req %u type %u sector %llu out %llu in %llu segs %u+%u -> %u",
          e->head, h.type, (unsigned long long)h.sector, (unsigned long long)e->out_len,
          (unsigned long long)e->in_len, e->nout, e->nin, status);
    /* The status byte goes into the last writable byte of the chain. */
    virtq_iov_from_buf(&e->iov[e->nout], e->nin, e->in_len - 1, &status, 1);
    virtqueue_push(&b->vq, e, written + 1);
}

static void blk_queue_notify(struct virtio_device *dev, unsigned q)
{
    struct virtio_blk *b = (struct virtio_blk *)dev;
    (void)q;

    do {
        virtqueue_disable_notify(&b->vq);
        for (;;) {
            int r = virtqueue_pop(&b->vq, &b->elem);
            if (r < 0) {
                virtio_set_needs_reset(dev);
                break;
            }
            if (r == 0)
                break;
            process_one(b, &b->elem);
        }
        virtio_notify_used(dev, 0);
    } while (virtqueue_enable_notify(&b->vq));
}

static void blk_destroy(struct virtio_device *dev)
{
    free(dev);
}

static const struct virtio_device_ops blk_ops = {
    .read_config = blk_read_config,
    .queue_notify = blk_queue_notify,
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
    b->vdev.config_len = sizeof(b->config);
    b->config.capacity = blockdev_size(bdev) / SECTOR_SIZE;
    /* As QEMU: a request may use every descriptor but the header and the status. */
    b->config.seg_max = QUEUE_SIZE - 2;
    b->config.blk_size = SECTOR_SIZE;
    /* Zero-padded and, at 20 bytes, not NUL-terminated: the spec's format. */
    if (serial_id) {
        size_t n = strlen(serial_id);
        memcpy(b->id, serial_id, n < sizeof(b->id) ? n : sizeof(b->id));
    }
    *out = &b->vdev;
    return 0;
}
