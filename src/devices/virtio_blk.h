/*
 * virtio-blk (virtio 1.x, 5.2): one request queue, popped on the event-loop thread.
 * Supports IN, OUT, FLUSH, GET_ID, DISCARD and WRITE_ZEROES (one range each; discards reach the
 * file only with -drive discard=unmap); read-only backends refuse writes with IOERR. Transfers
 * and flushes run on a pool of I/O threads (block_aio), several at a time; a FLUSH waits for
 * the requests before it.
 */
#ifndef KVMU_DEVICES_VIRTIO_BLK_H
#define KVMU_DEVICES_VIRTIO_BLK_H

#include "devices/virtio.h" /* virtio_device_destroy() */

struct blockdev;

/* bdev is borrowed (must outlive the device). serial_id: up to 20 bytes returned by GET_ID
 * (longer ids are truncated; NULL or "" gives an empty id). Returns 0 or -ENOMEM. Free with
 * virtio_device_destroy() after destroying the transport. */
int virtio_blk_create(struct blockdev *bdev, const char *serial_id, struct virtio_device **out)
    __attribute__((warn_unused_result));

#endif
