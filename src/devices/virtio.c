#include "devices/virtio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/event_loop.h"
#include "core/log.h"

void virtio_device_init(struct virtio_device *dev, const struct virtio_device_ops *ops,
                        const char *name, uint32_t device_id, unsigned num_queues,
                        struct virtqueue *vqs, uint16_t queue_max_size)
{
    *dev = (struct virtio_device){
        .ops = ops,
        .name = name,
        .device_id = device_id,
        .num_queues = num_queues,
        .vqs = vqs,
        .queue_max_size = queue_max_size,
    };
    pthread_mutex_init(&dev->lock, NULL);
    for (unsigned i = 0; i < num_queues; i++)
        virtqueue_reset(&vqs[i], 0);
}

void virtio_notify_used(struct virtio_device *dev, unsigned q)
{
    if (q < dev->num_queues && virtqueue_should_notify(&dev->vqs[q]) && dev->transport)
        dev->transport->notify_queue(dev->transport_opaque, q);
}

void virtio_set_needs_reset(struct virtio_device *dev)
{
    log_warn("%s: the guest driver misused the device; it needs a reset", dev->name);
    if (dev->transport)
        dev->transport->set_needs_reset(dev->transport_opaque);
}

void virtio_device_destroy(struct virtio_device *dev)
{
    if (dev) {
        pthread_mutex_destroy(&dev->lock);
        dev->ops->destroy(dev);
    }
}

void virtio_device_reset(struct virtio_device *dev)
{
    pthread_mutex_lock(&dev->lock);
    if (dev->ops->reset)
        dev->ops->reset(dev);
    for (unsigned q = 0; q < dev->num_queues; q++)
        virtqueue_reset(&dev->vqs[q], dev->queue_max_size);
    dev->guest_features = 0;
    pthread_mutex_unlock(&dev->lock);
}

/* Event-loop thread: a kick arrived for one queue. */
static void kick_ready(void *opaque, uint32_t events)
{
    struct virtio_kick *k = opaque;
    struct virtio_device *dev = k->dev;
    uint64_t count;
    (void)events;

    if (read(k->fd, &count, sizeof(count)) != sizeof(count))
        return; /* already drained */
    TRACE(TRACE_VIRTIO, "%s: queue %u kicked", dev->name, k->q);
    pthread_mutex_lock(&dev->lock);
    struct virtqueue *vq = &dev->vqs[k->q];
    if (vq->ready && !vq->broken)
        dev->ops->queue_notify(dev, k->q);
    pthread_mutex_unlock(&dev->lock);
}

int virtio_kicks_init(struct virtio_kicks *k, struct virtio_device *dev, struct event_loop *loop)
{
    *k = (struct virtio_kicks){.loop = loop};
    if (!(k->q = calloc(dev->num_queues, sizeof(*k->q)))) {
        log_error("%s: out of memory", dev->name);
        return -ENOMEM;
    }
    for (unsigned q = 0; q < dev->num_queues; q++)
        k->q[q] = (struct virtio_kick){.dev = dev, .q = q, .fd = -1};
    for (unsigned q = 0; q < dev->num_queues; q++, k->n++) {
        int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        int r = fd < 0 ? -errno : event_loop_add_fd(loop, fd, EPOLLIN, kick_ready, &k->q[q]);
        if (r < 0) {
            log_error("%s: cannot set up queue notification: %s", dev->name, strerror(-r));
            if (fd >= 0)
                close(fd);
            virtio_kicks_destroy(k);
            return r;
        }
        k->q[q].fd = fd;
    }
    return 0;
}

void virtio_kicks_destroy(struct virtio_kicks *k)
{
    for (unsigned q = 0; q < k->n; q++) {
        event_loop_del_fd(k->loop, k->q[q].fd);
        close(k->q[q].fd);
    }
    free(k->q);
    k->q = NULL;
    k->n = 0;
}

void virtio_kick(struct virtio_kicks *k, unsigned q)
{
    uint64_t one = 1;
    if (write(k->q[q].fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        log_error("%s: cannot signal queue %u: %s", k->q[q].dev->name, q, strerror(errno));
}

int virtio_kick_fd(const struct virtio_kicks *k, unsigned q)
{
    return q < k->n ? k->q[q].fd : -1;
}
