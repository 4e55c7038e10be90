/*
 * virtio-mmio transport, version 2 (virtio 1.x, 4.2.2). Queue kicks written by a CPU thread
 * only signal a per-queue eventfd; the event loop runs the device's queue handler, the same
 * shape as KVM's ioeventfd so device code never runs on a vCPU thread.
 */
#ifndef KVMU_DEVICES_VIRTIO_MMIO_H
#define KVMU_DEVICES_VIRTIO_MMIO_H

#include "core/addrmap.h"
#include "core/irq.h"

#define VIRTIO_MMIO_REGION_SIZE 0x200

struct guest_mem;
struct event_loop;
struct virtio_device;
struct virtio_mmio;

extern const struct mmio_ops virtio_mmio_mmio_ops;

/* Binds dev to this transport (dev must outlive it). Returns 0, -ENOMEM, or the errno of
 * eventfd/event-loop registration. */
int virtio_mmio_create(struct guest_mem *mem, struct event_loop *loop, struct irq_line irq,
                       struct virtio_device *dev, struct virtio_mmio **out)
    __attribute__((warn_unused_result));
/* The eventfd that kicks queue q (what QueueNotify signals): KVM can attach it as an
 * ioeventfd so kicks bypass the vCPU thread entirely. -1 if q does not exist. */
int virtio_mmio_queue_notify_fd(const struct virtio_mmio *m, unsigned q);
/* Device reset as if the driver wrote 0 to Status. */
void virtio_mmio_reset(struct virtio_mmio *m);
/* Call after the event loop stopped; does not destroy the device. */
void virtio_mmio_destroy(struct virtio_mmio *m);

#endif
