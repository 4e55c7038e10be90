/*
 * Block requests off the CPU and event-loop threads: a small pool of worker threads runs
 * blockdev transfers and flushes, several at a time, and hands the finished requests back on
 * the event loop (one eventfd wake-up per batch). The caller orders requests itself (a flush
 * is submitted once the writes it covers have completed). Write-behind: after every 8 MiB of
 * cached writes a worker starts their writeback (blockdev_writeback) once their completions are
 * out, so a later flush has little left to do.
 */
#ifndef KVMU_BACKENDS_BLOCK_AIO_H
#define KVMU_BACKENDS_BLOCK_AIO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct blockdev;
struct event_loop;
struct blk_aio;

enum blk_aio_op {
    BLK_AIO_READ,
    BLK_AIO_WRITE,
    BLK_AIO_FLUSH,
    BLK_AIO_DISCARD,
    BLK_AIO_WRITE_ZEROES
};

/* Embedded in the caller's request. iov must stay valid until completion. */
struct blk_aio_req {
    enum blk_aio_op op;
    const struct iovec *iov;
    int iovcnt;
    uint64_t offset;
    uint64_t len; /* DISCARD and WRITE_ZEROES (no iovecs) */
    bool unmap;   /* WRITE_ZEROES may deallocate */
    bool sync;    /* WRITE, WRITE_ZEROES, DISCARD: durable before completion (write-through) */
    int result;   /* 0 or -errno, set before completion */
    struct blk_aio_req *next;
};

/* Called on the event-loop thread with the requests that finished, in completion order
 * (linked through ->next). The callee owns them again. */
typedef void (*blk_aio_complete_fn)(void *opaque, struct blk_aio_req *done);

#define BLK_AIO_DEFAULT_THREADS 4

/* Starts `threads` workers for bdev (borrowed). Returns 0, -ENOMEM or the errno of
 * thread/eventfd/event-loop setup. */
int blk_aio_create(struct blockdev *bdev, struct event_loop *loop, unsigned threads,
                   blk_aio_complete_fn complete, void *opaque, struct blk_aio **out)
    __attribute__((warn_unused_result));
/* Runs one request on the calling thread (what a worker does); returns its result. */
int blk_aio_execute(struct blockdev *bdev, const struct blk_aio_req *req)
    __attribute__((warn_unused_result));
/* Queues a request. Any thread. */
void blk_aio_submit(struct blk_aio *a, struct blk_aio_req *req);
/* Waits until every submitted request has run; their completions may still be queued for the
 * event loop. Workers take no caller locks, so any thread may wait here holding its own. */
void blk_aio_drain(struct blk_aio *a);
/* Drains, stops the workers, unregisters from the loop. Returns the finished requests that
 * were never handed back (the caller frees them). */
struct blk_aio_req *blk_aio_destroy(struct blk_aio *a);

#endif
