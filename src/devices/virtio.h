/*
 * The contract between a virtio device (blk, net, console, ...) and its transport (virtio-mmio
 * now, virtio-pci later). The device supplies features, config space, queue handlers and
 * reset; the transport owns registers, feature negotiation, queue configuration, notification
 * (eventfd per queue, run on the event loop) and the interrupt. Neither knows the other's type.
 *
 * Locking: dev->lock guards the device state and its virtqueues. The transport takes it to
 * configure or reset queues and around every queue handler call; the device takes it in its
 * config accessors only if the transport did not (see the ops comments). The transport's
 * notify callbacks may be called with dev->lock held and must only take leaf locks.
 */
#ifndef KVMU_DEVICES_VIRTIO_H
#define KVMU_DEVICES_VIRTIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/virtqueue.h"

struct event_loop;
struct guest_mem;

/* Device status bits (virtio 1.x, 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

/* Transport-independent feature bits. */
#define VIRTIO_F_RING_INDIRECT_DESC 28
#define VIRTIO_F_RING_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

#define VIRTIO_FEATURE(bit) (1ull << (bit))

/* Virtio device ids (5). */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4

struct virtio_device;

struct virtio_device_ops {
    /* Config space access; offset+len lie within config_len (the transport checks). Called
     * with dev->lock held. */
    void (*read_config)(struct virtio_device *dev, uint32_t offset, void *buf, uint32_t len);
    void (*write_config)(struct virtio_device *dev, uint32_t offset, const void *buf,
                         uint32_t len); /* optional */
    /* The driver kicked queue q: process it. Event-loop thread, dev->lock held. */
    void (*queue_notify)(struct virtio_device *dev, unsigned q);
    /* Device reset (status 0): forget negotiated state. dev->lock held; queues are reset by the
     * transport afterwards. Optional. */
    void (*reset)(struct virtio_device *dev);
    void (*destroy)(struct virtio_device *dev);
};

/* Calls from the device to its transport. May be called with dev->lock held. */
struct virtio_transport_ops {
    void (*notify_queue)(void *opaque, unsigned q); /* used-buffer interrupt */
    void (*notify_config)(void *opaque);            /* configuration-change interrupt */
    void (*set_needs_reset)(void *opaque);          /* DEVICE_NEEDS_RESET + config interrupt */
};

struct virtio_device {
    /* Filled by the device's constructor. */
    const struct virtio_device_ops *ops;
    const char *name;
    uint32_t device_id;
    uint64_t host_features; /* offered; the transport adds VERSION_1 */
    uint32_t config_len;
    unsigned num_queues;
    uint16_t queue_max_size;
    struct virtqueue *vqs; /* num_queues entries, owned by the device */
    pthread_mutex_t lock;

    /* Filled by the transport. */
    const struct guest_mem *mem;
    struct event_loop *loop; /* the thread queue handlers run on; devices may add fds to it */
    uint64_t guest_features; /* accepted at FEATURES_OK */
    const struct virtio_transport_ops *transport;
    void *transport_opaque;
};

static inline bool virtio_has_feature(const struct virtio_device *dev, unsigned bit)
{
    return (dev->guest_features >> bit) & 1;
}

/* Initialise the common part (lock, fields); for device constructors. */
void virtio_device_init(struct virtio_device *dev, const struct virtio_device_ops *ops,
                        const char *name, uint32_t device_id, unsigned num_queues,
                        struct virtqueue *vqs, uint16_t queue_max_size);
/* Interrupt the driver for queue q if the ring's suppression state asks for it. */
void virtio_notify_used(struct virtio_device *dev, unsigned q);
/* The driver broke the protocol (e.g. a malformed chain): ask for a reset. */
void virtio_set_needs_reset(struct virtio_device *dev);
/* Frees the device (its ops->destroy); the transport must be destroyed first. */
void virtio_device_destroy(struct virtio_device *dev);

/* For transports. Device reset (driver wrote status 0, or the machine reset): the device's
 * own reset, every queue back to its initial state, no features negotiated. */
void virtio_device_reset(struct virtio_device *dev);

/*
 * For transports: one doorbell eventfd per queue. The event loop reads it and runs the
 * device's queue_notify; the transport writes it on a QueueNotify it sees, or an accel writes
 * it directly (KVM ioeventfd) so the kick never leaves the kernel.
 */
struct virtio_kick {
    struct virtio_device *dev;
    unsigned q;
    int fd;
};
struct virtio_kicks {
    struct event_loop *loop;
    unsigned n;
    struct virtio_kick *q; /* n entries */
};
int virtio_kicks_init(struct virtio_kicks *k, struct virtio_device *dev, struct event_loop *loop)
    __attribute__((warn_unused_result));
void virtio_kicks_destroy(struct virtio_kicks *k); /* safe on a zeroed one */
void virtio_kick(struct virtio_kicks *k, unsigned q);
/* The eventfd of queue q, or -1 past the last queue. */
int virtio_kick_fd(const struct virtio_kicks *k, unsigned q);

#endif
