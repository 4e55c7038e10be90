#include "backends/block_aio.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backends/blockdev.h"
#include "core/event_loop.h"
#include "core/log.h"

#define MAX_THREADS 16
/* Write-behind: once this many bytes were written into the page cache, a worker starts writing
 * them to the disk (blockdev_writeback) so the driver's next FLUSH finds little left to do. */
#define WRITEBEHIND_BYTES (8u << 20)

struct blk_aio {
    struct blockdev *bdev;
    struct event_loop *loop;
    blk_aio_complete_fn complete;
    void *opaque;
    int done_fd;

    pthread_mutex_t lock;
    pthread_cond_t work;    /* queue non-empty or stopping */
    pthread_cond_t drained; /* queue empty and nothing running */
    struct blk_aio_req *queue_head, **queue_tail;
    struct blk_aio_req *done_head, **done_tail;
    unsigned running;
    bool stop;
    /* Cached writes not yet handed to write-behind: their span and total size. */
    uint64_t wb_start, wb_end, wb_bytes;
    bool wb_busy; /* a worker is starting a writeback */

    pthread_t threads[MAX_THREADS];
    unsigned nthreads;
};

int blk_aio_execute(struct blockdev *bdev, const struct blk_aio_req *r)
{
    int ret;
    switch (r->op) {
    case BLK_AIO_READ:
        return blockdev_preadv(bdev, r->iov, r->iovcnt, r->offset);
    case BLK_AIO_FLUSH:
        return blockdev_flush(bdev);
    case BLK_AIO_WRITE:
        ret = blockdev_pwritev(bdev, r->iov, r->iovcnt, r->offset);
        break;
    case BLK_AIO_DISCARD:
        ret = blockdev_discard(bdev, r->offset, r->len);
        break;
    case BLK_AIO_WRITE_ZEROES:
        ret = blockdev_write_zeroes(bdev, r->offset, r->len, r->unmap);
        break;
    default:
        return -EINVAL;
    }
    return ret == 0 && r->sync ? blockdev_flush(bdev) : ret;
}

/* Lock held: counts a finished request toward write-behind. True (and the span to write back
 * in *start, *len) when enough has gathered and no other worker is starting a writeback. */
static bool writebehind_due(struct blk_aio *a, const struct blk_aio_req *r, uint64_t *start,
                            uint64_t *len)
{
    if (r->op != BLK_AIO_WRITE || r->sync || r->result != 0)
        return false; /* written through already, or nothing written */
    uint64_t n = 0;
    for (int i = 0; i < r->iovcnt; i++)
        n += r->iov[i].iov_len;
    if (!a->wb_bytes || r->offset < a->wb_start)
        a->wb_start = r->offset;
    if (!a->wb_bytes || r->offset + n > a->wb_end)
        a->wb_end = r->offset + n;
    a->wb_bytes += n;
    if (a->wb_bytes < WRITEBEHIND_BYTES || a->wb_busy)
        return false;
    *start = a->wb_start;
    *len = a->wb_end - a->wb_start;
    a->wb_bytes = 0;
    a->wb_busy = true;
    return true;
}

static void *worker(void *opaque)
{
    struct blk_aio *a = opaque;
    sigset_t all;

    /* Signals are for main's signalfd and the vCPU kicks, never for a worker. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_mutex_lock(&a->lock);
    for (;;) {
        while (!a->queue_head && !a->stop)
            pthread_cond_wait(&a->work, &a->lock);
        if (!a->queue_head)
            break; /* stopping, and nothing left to run */
        struct blk_aio_req *r = a->queue_head;
        a->queue_head = r->next;
        if (!a->queue_head)
            a->queue_tail = &a->queue_head;
        a->running++;
        pthread_mutex_unlock(&a->lock);

        r->result = blk_aio_execute(a->bdev, r);

        pthread_mutex_lock(&a->lock);
        uint64_t wb_start, wb_len;
        bool writeback = writebehind_due(a, r, &wb_start, &wb_len);
        /* One wake-up per batch: a non-empty list was already signalled and the loop thread
         * takes the whole list after reading the eventfd. */
        bool signal = !a->done_head;
        r->next = NULL;
        *a->done_tail = r;
        a->done_tail = &r->next;
        a->running--;
        if (!a->running && !a->queue_head && !a->wb_busy)
            pthread_cond_broadcast(&a->drained);
        uint64_t one = 1;
        if (signal && write(a->done_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
            log_error("block: cannot signal a completion: %s", strerror(errno));
        if (writeback) {
            /* After the completion went out: the request does not wait for it. */
            pthread_mutex_unlock(&a->lock);
            /* A failure is only a hint lost: a write error shows again at the next flush. */
            (void)blockdev_writeback(a->bdev, wb_start, wb_len);
            pthread_mutex_lock(&a->lock);
            a->wb_busy = false;
            if (!a->running && !a->queue_head)
                pthread_cond_broadcast(&a->drained);
        }
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

static struct blk_aio_req *take_done(struct blk_aio *a)
{
    pthread_mutex_lock(&a->lock);
    struct blk_aio_req *list = a->done_head;
    a->done_head = NULL;
    a->done_tail = &a->done_head;
    pthread_mutex_unlock(&a->lock);
    return list;
}

static void done_ready(void *opaque, uint32_t events)
{
    struct blk_aio *a = opaque;
    uint64_t n;
    (void)events;

    if (read(a->done_fd, &n, sizeof(n)) != sizeof(n))
        return;
    struct blk_aio_req *list = take_done(a);
    if (list)
        a->complete(a->opaque, list);
}

void blk_aio_submit(struct blk_aio *a, struct blk_aio_req *req)
{
    req->next = NULL;
    pthread_mutex_lock(&a->lock);
    *a->queue_tail = req;
    a->queue_tail = &req->next;
    pthread_cond_signal(&a->work);
    pthread_mutex_unlock(&a->lock);
}

void blk_aio_drain(struct blk_aio *a)
{
    pthread_mutex_lock(&a->lock);
    while (a->queue_head || a->running || a->wb_busy)
        pthread_cond_wait(&a->drained, &a->lock);
    pthread_mutex_unlock(&a->lock);
}

struct blk_aio_req *blk_aio_destroy(struct blk_aio *a)
{
    if (!a)
        return NULL;
    pthread_mutex_lock(&a->lock);
    a->stop = true;
    pthread_cond_broadcast(&a->work);
    pthread_mutex_unlock(&a->lock);
    for (unsigned i = 0; i < a->nthreads; i++)
        pthread_join(a->threads[i], NULL);
    if (a->done_fd >= 0) {
        event_loop_del_fd(a->loop, a->done_fd);
        close(a->done_fd);
    }
    struct blk_aio_req *left = take_done(a);
    pthread_cond_destroy(&a->drained);
    pthread_cond_destroy(&a->work);
    pthread_mutex_destroy(&a->lock);
    free(a);
    return left;
}

int blk_aio_create(struct blockdev *bdev, struct event_loop *loop, unsigned threads,
                   blk_aio_complete_fn complete, void *opaque, struct blk_aio **out)
{
    struct blk_aio *a = calloc(1, sizeof(*a));
    if (!a) {
        log_error("block: out of memory");
        return -ENOMEM;
    }
    a->bdev = bdev;
    a->loop = loop;
    a->complete = complete;
    a->opaque = opaque;
    a->queue_tail = &a->queue_head;
    a->done_tail = &a->done_head;
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->work, NULL);
    pthread_cond_init(&a->drained, NULL);
    a->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    int r = a->done_fd < 0 ? -errno : event_loop_add_fd(loop, a->done_fd, EPOLLIN, done_ready, a);
    if (r < 0) {
        log_error("block: cannot set up completions: %s", strerror(-r));
        if (a->done_fd >= 0)
            close(a->done_fd);
        a->done_fd = -1;
        blk_aio_destroy(a);
        return r;
    }
    if (threads == 0)
        threads = 1;
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    for (unsigned i = 0; i < threads; i++) {
        r = -pthread_create(&a->threads[i], NULL, worker, a);
        if (r < 0) {
            log_error("block: cannot start an I/O thread: %s", strerror(-r));
            blk_aio_destroy(a);
            return r;
        }
        a->nthreads++;
        pthread_setname_np(a->threads[i], "kvmu-blk");
    }
    *out = a;
    return 0;
}
