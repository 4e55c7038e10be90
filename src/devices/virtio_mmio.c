#include "devices/virtio_mmio.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "devices/virtio.h"

/* Register offsets (virtio 1.x, 4.2.2, table "MMIO Device Register Layout"). */
#define REG_MAGIC 0x000
#define REG_VERSION 0x004
#define REG_DEVICE_ID 0x008
#define REG_VENDOR_ID 0x00c
#define REG_DEVICE_FEATURES 0x010
#define REG_DEVICE_FEATURES_SEL 0x014
#define REG_DRIVER_FEATURES 0x020
#define REG_DRIVER_FEATURES_SEL 0x024
#define REG_QUEUE_SEL 0x030
#define REG_QUEUE_NUM_MAX 0x034
#define REG_QUEUE_NUM 0x038
#define REG_QUEUE_READY 0x044
#define REG_QUEUE_NOTIFY 0x050
#define REG_INTERRUPT_STATUS 0x060
#define REG_INTERRUPT_ACK 0x064
#define REG_STATUS 0x070
#define REG_QUEUE_DESC_LOW 0x080
#define REG_QUEUE_DESC_HIGH 0x084
#define REG_QUEUE_DRIVER_LOW 0x090
#define REG_QUEUE_DRIVER_HIGH 0x094
#define REG_QUEUE_DEVICE_LOW 0x0a0
#define REG_QUEUE_DEVICE_HIGH 0x0a4
#define REG_SHM_LEN_LOW 0x0b0
#define REG_SHM_LEN_HIGH 0x0b4
#define REG_CONFIG_GENERATION 0x0fc
#define REG_CONFIG 0x100

#define VIRTIO_MMIO_MAGIC 0x74726976 /* "virt" */
#define VIRTIO_MMIO_VERSION 2
#define VIRTIO_MMIO_VENDOR 0x554d4551 /* "QEMU", what guests are used to seeing */

#define INT_USED_BUFFER 1
#define INT_CONFIG_CHANGE 2

/*
 * Locks, outermost first: `lock` (register state) -> dev->lock (device and queues) ->
 * `irq_lock` (interrupt status and line; a leaf). The event loop enters at dev->lock.
 */
struct virtio_mmio {
    pthread_mutex_t lock;
    pthread_mutex_t irq_lock;
    struct guest_mem *mem;
    struct irq_line irq;
    struct virtio_device *dev;
    struct virtio_kicks kicks;

    uint32_t status; /* without NEEDS_RESET, which is set from the loop thread */
    atomic_bool needs_reset;
    atomic_uint config_generation;
    uint32_t device_features_sel, driver_features_sel, queue_sel;
    uint64_t driver_features;

    uint32_t interrupt_status; /* irq_lock */
    bool irq_level;            /* irq_lock */
};

static uint64_t offered_features(const struct virtio_mmio *m)
{
    return m->dev->host_features | VIRTIO_FEATURE(VIRTIO_F_VERSION_1);
}

static void raise_interrupt(struct virtio_mmio *m, uint32_t bits)
{
    pthread_mutex_lock(&m->irq_lock);
    m->interrupt_status |= bits;
    if (!m->irq_level) {
        m->irq_level = true;
        irq_line_set(&m->irq, true);
    }
    pthread_mutex_unlock(&m->irq_lock);
}

static void ack_interrupt(struct virtio_mmio *m, uint32_t bits)
{
    pthread_mutex_lock(&m->irq_lock);
    m->interrupt_status &= ~bits;
    if (m->irq_level && !m->interrupt_status) {
        m->irq_level = false;
        irq_line_set(&m->irq, false);
    }
    pthread_mutex_unlock(&m->irq_lock);
}

static void transport_notify_queue(void *opaque, unsigned q)
{
    TRACE(TRACE_VIRTIO, "virtio-mmio: queue %u interrupt", q);
    raise_interrupt(opaque, INT_USED_BUFFER);
}

static void transport_notify_config(void *opaque)
{
    struct virtio_mmio *m = opaque;

    atomic_fetch_add(&m->config_generation, 1);
    raise_interrupt(m, INT_CONFIG_CHANGE);
}

static void transport_set_needs_reset(void *opaque)
{
    struct virtio_mmio *m = opaque;

    atomic_store(&m->needs_reset, true);
    raise_interrupt(m, INT_CONFIG_CHANGE);
}

static const struct virtio_transport_ops mmio_transport_ops = {
    .notify_queue = transport_notify_queue,
    .notify_config = transport_notify_config,
    .set_needs_reset = transport_set_needs_reset,
};

/* Caller holds m->lock. */
static void reset_locked(struct virtio_mmio *m)
{
    struct virtio_device *dev = m->dev;

    virtio_device_reset(dev);
    m->status = 0;
    atomic_store(&m->needs_reset, false);
    m->device_features_sel = 0;
    m->driver_features_sel = 0;
    m->driver_features = 0;
    m->queue_sel = 0;
    ack_interrupt(m, ~0u);
}

static struct virtqueue *selected_queue(struct virtio_mmio *m)
{
    return m->queue_sel < m->dev->num_queues ? &m->dev->vqs[m->queue_sel] : NULL;
}

static uint32_t read_config(struct virtio_mmio *m, uint64_t off, unsigned size)
{
    struct virtio_device *dev = m->dev;
    uint32_t v = 0;

    if (off + size > dev->config_len) {
        TRACE(TRACE_GUEST_ERRORS, "%s: config read beyond %u bytes at 0x%llx", dev->name,
              dev->config_len, (unsigned long long)off);
        return 0;
    }
    pthread_mutex_lock(&dev->lock);
    dev->ops->read_config(dev, (uint32_t)off, &v, size);
    pthread_mutex_unlock(&dev->lock);
    return v;
}

static uint32_t read_register(struct virtio_mmio *m, uint64_t offset)
{
    struct virtio_device *dev = m->dev;
    struct virtqueue *vq = selected_queue(m);
    uint64_t features;

    switch (offset) {
    case REG_MAGIC:
        return VIRTIO_MMIO_MAGIC;
    case REG_VERSION:
        return VIRTIO_MMIO_VERSION;
    case REG_DEVICE_ID:
        return dev->device_id;
    case REG_VENDOR_ID:
        return VIRTIO_MMIO_VENDOR;
    case REG_DEVICE_FEATURES:
        features = offered_features(m);
        return m->device_features_sel == 0   ? (uint32_t)features
               : m->device_features_sel == 1 ? (uint32_t)(features >> 32)
                                             : 0;
    case REG_QUEUE_NUM_MAX:
        return vq ? dev->queue_max_size : 0;
    case REG_QUEUE_NUM:
        return vq ? vq->size : 0;
    case REG_QUEUE_READY:
        return vq ? vq->ready : 0;
    case REG_INTERRUPT_STATUS: {
        pthread_mutex_lock(&m->irq_lock);
        uint32_t v = m->interrupt_status;
        pthread_mutex_unlock(&m->irq_lock);
        return v;
    }
    case REG_STATUS:
        return m->status | (atomic_load(&m->needs_reset) ? VIRTIO_STATUS_NEEDS_RESET : 0);
    case REG_QUEUE_DESC_LOW:
        return vq ? (uint32_t)vq->desc_gpa : 0;
    case REG_QUEUE_DESC_HIGH:
        return vq ? (uint32_t)(vq->desc_gpa >> 32) : 0;
    case REG_QUEUE_DRIVER_LOW:
        return vq ? (uint32_t)vq->avail_gpa : 0;
    case REG_QUEUE_DRIVER_HIGH:
        return vq ? (uint32_t)(vq->avail_gpa >> 32) : 0;
    case REG_QUEUE_DEVICE_LOW:
        return vq ? (uint32_t)vq->used_gpa : 0;
    case REG_QUEUE_DEVICE_HIGH:
        return vq ? (uint32_t)(vq->used_gpa >> 32) : 0;
    case REG_SHM_LEN_LOW:
    case REG_SHM_LEN_HIGH:
        return 0xffffffff; /* no shared memory regions */
    case REG_CONFIG_GENERATION:
        return atomic_load(&m->config_generation);
    }
    TRACE(TRACE_GUEST_ERRORS, "%s: read of unknown virtio-mmio register 0x%llx", dev->name,
          (unsigned long long)offset);
    return 0;
}

static uint64_t virtio_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    struct virtio_mmio *m = opaque;

    if (offset >= REG_CONFIG)
        return read_config(m, offset - REG_CONFIG, size);
    if (size != 4 || offset % 4) {
        TRACE(TRACE_GUEST_ERRORS, "%s: %u-byte read of register 0x%llx", m->dev->name, size,
              (unsigned long long)offset);
        return 0;
    }
    pthread_mutex_lock(&m->lock);
    uint32_t v = read_register(m, offset);
    pthread_mutex_unlock(&m->lock);
    return v;
}

static void set_queue_addr(struct virtio_mmio *m, uint64_t *field, uint32_t value, bool high)
{
    struct virtio_device *dev = m->dev;

    pthread_mutex_lock(&dev->lock);
    if (dev->vqs[m->queue_sel].ready)
        TRACE(TRACE_GUEST_ERRORS, "%s: queue %u address changed while ready; ignored", dev->name,
              m->queue_sel);
    else if (high)
        *field = (*field & 0xffffffffull) | ((uint64_t)value << 32);
    else
        *field = (*field & ~0xffffffffull) | value;
    pthread_mutex_unlock(&dev->lock);
}

static void write_queue_ready(struct virtio_mmio *m, struct virtqueue *vq, uint32_t value)
{
    struct virtio_device *dev = m->dev;

    pthread_mutex_lock(&dev->lock);
    if (!value) {
        vq->ready = false;
    } else if (!vq->ready) {
        bool event_idx = virtio_has_feature(dev, VIRTIO_F_RING_EVENT_IDX);
        if (virtqueue_enable(vq, m->mem, event_idx) < 0)
            transport_set_needs_reset(m);
    }
    pthread_mutex_unlock(&dev->lock);
}

static void write_status(struct virtio_mmio *m, uint32_t value)
{
    struct virtio_device *dev = m->dev;
    uint32_t newly = value & ~m->status;

    if (value == 0) {
        reset_locked(m);
        return;
    }
    if (newly & VIRTIO_STATUS_FEATURES_OK) {
        uint64_t offered = offered_features(m);
        bool ok = !(m->driver_features & ~offered) &&
                  (m->driver_features & VIRTIO_FEATURE(VIRTIO_F_VERSION_1));
        if (!ok) {
            /* Status reads back without FEATURES_OK: the driver learns we refused. */
            TRACE(TRACE_GUEST_ERRORS, "%s: driver features 0x%llx refused (offered 0x%llx)",
                  dev->name, (unsigned long long)m->driver_features, (unsigned long long)offered);
            value &= ~(uint32_t)VIRTIO_STATUS_FEATURES_OK;
        } else {
            pthread_mutex_lock(&dev->lock);
            dev->guest_features = m->driver_features;
            pthread_mutex_unlock(&dev->lock);
        }
    }
    m->status = value & ~(uint32_t)VIRTIO_STATUS_NEEDS_RESET;
    /* Buffers made available before DRIVER_OK get processed now. */
    if (newly & VIRTIO_STATUS_DRIVER_OK)
        for (unsigned q = 0; q < dev->num_queues; q++)
            virtio_kick(&m->kicks, q);
}

static void write_config(struct virtio_mmio *m, uint64_t off, uint32_t value, unsigned size)
{
    struct virtio_device *dev = m->dev;

    if (off + size > dev->config_len || !dev->ops->write_config) {
        TRACE(TRACE_GUEST_ERRORS, "%s: config write at 0x%llx ignored", dev->name,
              (unsigned long long)off);
        return;
    }
    pthread_mutex_lock(&dev->lock);
    dev->ops->write_config(dev, (uint32_t)off, &value, size);
    pthread_mutex_unlock(&dev->lock);
}

static void write_register(struct virtio_mmio *m, uint64_t offset, uint32_t value)
{
    struct virtio_device *dev = m->dev;
    struct virtqueue *vq = selected_queue(m);

    switch (offset) {
    case REG_DEVICE_FEATURES_SEL:
        m->device_features_sel = value;
        return;
    case REG_DRIVER_FEATURES:
        if (m->status & VIRTIO_STATUS_FEATURES_OK)
            TRACE(TRACE_GUEST_ERRORS, "%s: features changed after FEATURES_OK", dev->name);
        else if (m->driver_features_sel == 0)
            m->driver_features = (m->driver_features & ~0xffffffffull) | value;
        else if (m->driver_features_sel == 1)
            m->driver_features = (m->driver_features & 0xffffffffull) | ((uint64_t)value << 32);
        return;
    case REG_DRIVER_FEATURES_SEL:
        m->driver_features_sel = value;
        return;
    case REG_QUEUE_SEL:
        m->queue_sel = value;
        return;
    case REG_QUEUE_NOTIFY:
        if (value < dev->num_queues)
            virtio_kick(&m->kicks, value);
        else
            TRACE(TRACE_GUEST_ERRORS, "%s: notify of queue %u", dev->name, value);
        return;
    case REG_INTERRUPT_ACK:
        ack_interrupt(m, value);
        return;
    case REG_STATUS:
        write_status(m, value);
        return;
    }
    if (!vq) {
        TRACE(TRACE_GUEST_ERRORS, "%s: write to 0x%llx for missing queue %u", dev->name,
              (unsigned long long)offset, m->queue_sel);
        return;
    }
    switch (offset) {
    case REG_QUEUE_NUM:
        pthread_mutex_lock(&dev->lock);
        if (!vq->ready && value >= 1 && value <= dev->queue_max_size)
            vq->size = (uint16_t)value;
        else
            TRACE(TRACE_GUEST_ERRORS, "%s: queue size %u refused", dev->name, value);
        pthread_mutex_unlock(&dev->lock);
        return;
    case REG_QUEUE_READY:
        write_queue_ready(m, vq, value);
        return;
    case REG_QUEUE_DESC_LOW:
    case REG_QUEUE_DESC_HIGH:
        set_queue_addr(m, &vq->desc_gpa, value, offset == REG_QUEUE_DESC_HIGH);
        return;
    case REG_QUEUE_DRIVER_LOW:
    case REG_QUEUE_DRIVER_HIGH:
        set_queue_addr(m, &vq->avail_gpa, value, offset == REG_QUEUE_DRIVER_HIGH);
        return;
    case REG_QUEUE_DEVICE_LOW:
    case REG_QUEUE_DEVICE_HIGH:
        set_queue_addr(m, &vq->used_gpa, value, offset == REG_QUEUE_DEVICE_HIGH);
        return;
    }
    TRACE(TRACE_GUEST_ERRORS, "%s: write of unknown virtio-mmio register 0x%llx", dev->name,
          (unsigned long long)offset);
}

static void virtio_mmio_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct virtio_mmio *m = opaque;

    if (offset >= REG_CONFIG) {
        write_config(m, offset - REG_CONFIG, (uint32_t)value, size);
        return;
    }
    if (size != 4 || offset % 4) {
        TRACE(TRACE_GUEST_ERRORS, "%s: %u-byte write of register 0x%llx", m->dev->name, size,
              (unsigned long long)offset);
        return;
    }
    pthread_mutex_lock(&m->lock);
    write_register(m, offset, (uint32_t)value);
    pthread_mutex_unlock(&m->lock);
}

const struct mmio_ops virtio_mmio_mmio_ops = {
    .read = virtio_mmio_read,
    .write = virtio_mmio_write,
    .access_sizes = 1 | 2 | 4,
};

int virtio_mmio_queue_notify_fd(const struct virtio_mmio *m, unsigned q)
{
    return virtio_kick_fd(&m->kicks, q);
}

void virtio_mmio_reset(struct virtio_mmio *m)
{
    pthread_mutex_lock(&m->lock);
    reset_locked(m);
    pthread_mutex_unlock(&m->lock);
}

void virtio_mmio_destroy(struct virtio_mmio *m)
{
    if (!m)
        return;
    virtio_kicks_destroy(&m->kicks);
    m->dev->transport = NULL;
    m->dev->transport_opaque = NULL;
    pthread_mutex_destroy(&m->irq_lock);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

int virtio_mmio_create(struct guest_mem *mem, struct event_loop *loop, struct irq_line irq,
                       struct virtio_device *dev, struct virtio_mmio **out)
{
    struct virtio_mmio *m = calloc(1, sizeof(*m));
    if (!m) {
        log_error("%s: out of memory", dev->name);
        return -ENOMEM;
    }
    pthread_mutex_init(&m->lock, NULL);
    pthread_mutex_init(&m->irq_lock, NULL);
    m->mem = mem;
    m->irq = irq;
    m->dev = dev;
    int r = virtio_kicks_init(&m->kicks, dev, loop);
    if (r < 0) {
        virtio_mmio_destroy(m);
        return r;
    }
    dev->mem = mem;
    dev->loop = loop;
    dev->transport = &mmio_transport_ops;
    dev->transport_opaque = m;
    reset_locked(m);
    *out = m;
    return 0;
}
