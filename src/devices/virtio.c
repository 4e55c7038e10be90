#include "devices/virtio.h"

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
