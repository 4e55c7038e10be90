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
        /* One wake-up per batch: a non-empty list was already signalled and the loop thread
         * takes the whole list after reading the eventfd. */
        bool signal = !a->done_head;
        r->next = NULL;
        *a->done_tail = r;
        a->done_tail = &r->next;
        a->running--;
        if (!a->running && !a->queue_head)
            pthread_cond_broadcast(&a->drained);
        uint64_t one = 1;
        if (signal && write(a->done_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
            log_error("block: cannot signal a completion: %s", strerror(errno));
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
    while (a->queue_head || a->running)
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
    }
    *out = a;
    return 0;
}
