#include "devices/virtio_pci.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "devices/pci.h"
#include "devices/virtio.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE_BASE 0x1040 /* + virtio device id: modern-only devices */
#define VIRTIO_PCI_SUBSYS_ID 0x1100   /* what QEMU reports; drivers ignore it */

/* Capability types (4.1.4). */
#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR 3
#define CAP_DEVICE 4
#define CAP_PCI_CFG 5

#define MSIX_BAR 1
#define VIRTIO_BAR 4
/* BAR 4 layout: one page per structure, as QEMU lays it out. */
#define COMMON_OFFSET 0x0000
#define COMMON_LEN 0x38
#define ISR_OFFSET 0x1000
#define DEVICE_OFFSET 0x2000
#define DEVICE_MAX_LEN 0x1000
#define NOTIFY_OFFSET 0x3000
#define NOTIFY_MULTIPLIER 4
#define VIRTIO_BAR_SIZE 0x4000
#define MAX_QUEUES ((VIRTIO_BAR_SIZE - NOTIFY_OFFSET) / NOTIFY_MULTIPLIER)

/* Common configuration registers (4.1.4.3). */
#define C_DFSELECT 0x00
#define C_DF 0x04
#define C_GFSELECT 0x08
#define C_GF 0x0c
#define C_MSIX_CONFIG 0x10
#define C_NUM_QUEUES 0x12
#define C_STATUS 0x14
#define C_CFG_GENERATION 0x15
#define C_Q_SELECT 0x16
#define C_Q_SIZE 0x18
#define C_Q_MSIX_VECTOR 0x1a
#define C_Q_ENABLE 0x1c
#define C_Q_NOTIFY_OFF 0x1e
#define C_Q_DESC 0x20
#define C_Q_AVAIL 0x28
#define C_Q_USED 0x30

#define NO_VECTOR 0xffff
#define ISR_QUEUE 1
#define ISR_CONFIG 2

/*
 * Locks, outermost first: `lock` (transport registers) -> dev->lock (device and queues) ->
 * `isr_lock` and the PCI function's irq_lock (leaves). The event loop enters at dev->lock.
 */
struct virtio_pci {
    struct pci_device pci;
    pthread_mutex_t lock;
    pthread_mutex_t isr_lock;
    struct guest_mem *mem;
    struct virtio_device *dev;
    struct virtio_kicks kicks;
    uint8_t pci_cfg_cap; /* offset of the VIRTIO_PCI_CAP_PCI_CFG capability */

    uint32_t status;
    atomic_bool needs_reset;
    atomic_uint config_generation;
    uint32_t dfselect, gfselect;
    uint16_t queue_sel;
    uint64_t driver_features;
    _Atomic uint16_t config_vector;
    _Atomic uint16_t *queue_vector; /* read by the loop thread when it interrupts */
    uint8_t isr;                    /* isr_lock */
};

static uint64_t offered_features(const struct virtio_pci *vp)
{
    return vp->dev->host_features | VIRTIO_FEATURE(VIRTIO_F_VERSION_1);
}

/* ---- Interrupts: MSI-X vector when enabled, else ISR bit + INTA#. */

static void interrupt(struct virtio_pci *vp, uint8_t isr_bit, uint16_t vector)
{
    if (pci_device_msix_enabled(&vp->pci)) {
        if (isr_bit == ISR_CONFIG) {
            pthread_mutex_lock(&vp->isr_lock);
            vp->isr |= ISR_CONFIG;
            pthread_mutex_unlock(&vp->isr_lock);
        }
        if (vector != NO_VECTOR)
            pci_device_msix_notify(&vp->pci, vector);
        return;
    }
    pthread_mutex_lock(&vp->isr_lock);
    vp->isr |= isr_bit;
    pci_device_set_intx(&vp->pci, true);
    pthread_mutex_unlock(&vp->isr_lock);
}

static void transport_notify_queue(void *opaque, unsigned q)
{
    struct virtio_pci *vp = opaque;
    TRACE(TRACE_VIRTIO, "virtio-pci: queue %u interrupt", q);
    interrupt(vp, ISR_QUEUE, atomic_load(&vp->queue_vector[q]));
}

static void transport_notify_config(void *opaque)
{
    struct virtio_pci *vp = opaque;
    atomic_fetch_add(&vp->config_generation, 1);
    interrupt(vp, ISR_CONFIG, atomic_load(&vp->config_vector));
}

static void transport_set_needs_reset(void *opaque)
{
    struct virtio_pci *vp = opaque;
    atomic_store(&vp->needs_reset, true);
    interrupt(vp, ISR_CONFIG, atomic_load(&vp->config_vector));
}

static const struct virtio_transport_ops pci_transport_ops = {
    .notify_queue = transport_notify_queue,
    .notify_config = transport_notify_config,
    .set_needs_reset = transport_set_needs_reset,
};

/* ---- Common configuration */

/* Caller holds vp->lock. */
static void reset_locked(struct virtio_pci *vp)
{
    struct virtio_device *dev = vp->dev;

    virtio_device_reset(dev);
    for (unsigned q = 0; q < dev->num_queues; q++)
        atomic_store(&vp->queue_vector[q], NO_VECTOR);

    vp->status = 0;
    atomic_store(&vp->needs_reset, false);
    vp->dfselect = vp->gfselect = 0;
    vp->driver_features = 0;
    vp->queue_sel = 0;
    atomic_store(&vp->config_vector, NO_VECTOR);
    pthread_mutex_lock(&vp->isr_lock);
    vp->isr = 0;
    pci_device_set_intx(&vp->pci, false);
    pthread_mutex_unlock(&vp->isr_lock);
}

static struct virtqueue *selected_queue(struct virtio_pci *vp)
{
    return vp->queue_sel < vp->dev->num_queues ? &vp->dev->vqs[vp->queue_sel] : NULL;
}

/* 64-bit fields may be accessed whole or as two dwords (the driver's "twopart" writes). */
static uint64_t read_part(uint64_t field, uint64_t off, unsigned size)
{
    uint64_t v = field >> (8 * (off & 4));
    return size == 8 ? v : (uint32_t)v;
}

static void write_part(uint64_t *field, uint64_t off, unsigned size, uint64_t v)
{
    if (size == 8)
        *field = v;
    else if (off & 4)
        *field = (*field & 0xffffffffull) | (v << 32);
    else
        *field = (*field & ~0xffffffffull) | (uint32_t)v;
}

/* Caller holds vp->lock. */
static uint64_t common_read(struct virtio_pci *vp, uint64_t off, unsigned size)
{
    struct virtio_device *dev = vp->dev;
    struct virtqueue *vq = selected_queue(vp);
    uint64_t features = offered_features(vp);

    switch (off) {
    case C_DFSELECT:
        return vp->dfselect;
    case C_DF:
        return vp->dfselect == 0   ? (uint32_t)features
               : vp->dfselect == 1 ? (uint32_t)(features >> 32)
                                   : 0;
    case C_GFSELECT:
        return vp->gfselect;
    case C_GF:
        return vp->gfselect < 2 ? (uint32_t)(vp->driver_features >> (32 * vp->gfselect)) : 0;
    case C_MSIX_CONFIG:
        return atomic_load(&vp->config_vector);
    case C_NUM_QUEUES:
        return dev->num_queues;
    case C_STATUS:
        return vp->status | (atomic_load(&vp->needs_reset) ? VIRTIO_STATUS_NEEDS_RESET : 0);
    case C_CFG_GENERATION:
        return (uint8_t)atomic_load(&vp->config_generation);
    case C_Q_SELECT:
        return vp->queue_sel;
    case C_Q_SIZE:
        return vq ? vq->size : 0;
    case C_Q_MSIX_VECTOR:
        return vq ? atomic_load(&vp->queue_vector[vp->queue_sel]) : NO_VECTOR;
    case C_Q_ENABLE:
        return vq ? vq->ready : 0;
    case C_Q_NOTIFY_OFF:
        return vp->queue_sel;
    }
    if (vq && off >= C_Q_DESC && off < COMMON_LEN && (size == 8 || size == 4)) {
        uint64_t *field = off < C_Q_AVAIL  ? &vq->desc_gpa
                          : off < C_Q_USED ? &vq->avail_gpa
                                           : &vq->used_gpa;
        return read_part(*field, off, size);
    }
    return 0;
}

static void write_status(struct virtio_pci *vp, uint8_t value)
{
    struct virtio_device *dev = vp->dev;
    uint32_t newly = value & ~vp->status;

    if (value == 0) {
        reset_locked(vp);
        return;
    }
    if (newly & VIRTIO_STATUS_FEATURES_OK) {
        uint64_t offered = offered_features(vp);
        bool ok = !(vp->driver_features & ~offered) &&
                  (vp->driver_features & VIRTIO_FEATURE(VIRTIO_F_VERSION_1));
        if (!ok) {
            TRACE(TRACE_GUEST_ERRORS, "%s: driver features 0x%llx refused (offered 0x%llx)",
                  dev->name, (unsigned long long)vp->driver_features, (unsigned long long)offered);
            value &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
        } else {
            pthread_mutex_lock(&dev->lock);
            dev->guest_features = vp->driver_features;
            pthread_mutex_unlock(&dev->lock);
        }
    }
    vp->status = value & (uint8_t)~VIRTIO_STATUS_NEEDS_RESET;
    if (newly & VIRTIO_STATUS_DRIVER_OK)
        for (unsigned q = 0; q < dev->num_queues; q++)
            virtio_kick(&vp->kicks, q);
}

/* A vector beyond the table reads back as NO_VECTOR: how the driver learns it was refused. */
static uint16_t checked_vector(struct virtio_pci *vp, uint64_t v)
{
    return v < vp->pci.msix_vectors ? (uint16_t)v : NO_VECTOR;
}

/* Caller holds vp->lock. */
static void common_write(struct virtio_pci *vp, uint64_t off, unsigned size, uint64_t v)
{
    struct virtio_device *dev = vp->dev;
    struct virtqueue *vq = selected_queue(vp);

    switch (off) {
    case C_DFSELECT:
        vp->dfselect = (uint32_t)v;
        return;
    case C_GFSELECT:
        vp->gfselect = (uint32_t)v;
        return;
    case C_GF:
        if (vp->status & VIRTIO_STATUS_FEATURES_OK)
            TRACE(TRACE_GUEST_ERRORS, "%s: features changed after FEATURES_OK", dev->name);
        else if (vp->gfselect < 2)
            write_part(&vp->driver_features, vp->gfselect * 4, 4, v);
        return;
    case C_MSIX_CONFIG:
        atomic_store(&vp->config_vector, checked_vector(vp, v));
        return;
    case C_STATUS:
        write_status(vp, (uint8_t)v);
        return;
    case C_Q_SELECT:
        vp->queue_sel = (uint16_t)v;
        return;
    }
    if (!vq) {
        TRACE(TRACE_GUEST_ERRORS, "%s: common config write at 0x%llx for missing queue %u",
              dev->name, (unsigned long long)off, vp->queue_sel);
        return;
    }
    pthread_mutex_lock(&dev->lock);
    switch (off) {
    case C_Q_SIZE:
        if (!vq->ready && v >= 1 && v <= dev->queue_max_size && !(v & (v - 1)))
            vq->size = (uint16_t)v;
        else
            TRACE(TRACE_GUEST_ERRORS, "%s: queue size %llu refused", dev->name,
                  (unsigned long long)v);
        break;
    case C_Q_MSIX_VECTOR:
        atomic_store(&vp->queue_vector[vp->queue_sel], checked_vector(vp, v));
        break;
    case C_Q_ENABLE:
        /* Only 1 may be written (4.1.4.3.2); a queue is disabled by resetting the device. */
        if (v == 1 && !vq->ready &&
            virtqueue_enable(vq, vp->mem, virtio_has_feature(dev, VIRTIO_F_RING_EVENT_IDX)) < 0)
            transport_set_needs_reset(vp);
        break;
    default:
        if (off >= C_Q_DESC && off < COMMON_LEN && (size == 8 || size == 4)) {
            uint64_t *field = off < C_Q_AVAIL  ? &vq->desc_gpa
                              : off < C_Q_USED ? &vq->avail_gpa
                                               : &vq->used_gpa;
            if (vq->ready)
                TRACE(TRACE_GUEST_ERRORS, "%s: queue %u address changed while enabled; ignored",
                      dev->name, vp->queue_sel);
            else
                write_part(field, off, size, v);
        }
        break;
    }
    pthread_mutex_unlock(&dev->lock);
}

/* Width of the common-config field at `off` (0: no field starts there). */
static unsigned common_field_size(uint64_t off)
{
    switch (off) {
    case C_DFSELECT:
    case C_DF:
    case C_GFSELECT:
    case C_GF:
        return 4;
    case C_STATUS:
    case C_CFG_GENERATION:
        return 1;
    case C_Q_DESC:
    case C_Q_AVAIL:
    case C_Q_USED:
        return 8;
    }
    return off < C_Q_DESC && off % 2 == 0 ? 2 : 0;
}

static bool common_access_ok(uint64_t off, unsigned size)
{
    if (off >= C_Q_DESC && off < COMMON_LEN)
        return (size == 4 && off % 4 == 0) || (size == 8 && off % 8 == 0);
    return common_field_size(off) == size;
}

/* ---- BAR 4 */

static uint64_t bar_read(void *opaque, uint64_t off, unsigned size)
{
    struct virtio_pci *vp = opaque;
    struct virtio_device *dev = vp->dev;

    if (off < COMMON_OFFSET + COMMON_LEN) {
        if (!common_access_ok(off, size)) {
            TRACE(TRACE_GUEST_ERRORS, "%s: %u-byte common config read at 0x%llx", dev->name, size,
                  (unsigned long long)off);
            return 0;
        }
        pthread_mutex_lock(&vp->lock);
        uint64_t v = common_read(vp, off, size);
        pthread_mutex_unlock(&vp->lock);
        return v;
    }
    if (off == ISR_OFFSET) {
        /* Reading clears the ISR and deasserts INTx (4.1.4.5). */
        pthread_mutex_lock(&vp->isr_lock);
        uint8_t v = vp->isr;
        vp->isr = 0;
        pci_device_set_intx(&vp->pci, false);
        pthread_mutex_unlock(&vp->isr_lock);
        return v;
    }
    if (off >= DEVICE_OFFSET && off + size <= DEVICE_OFFSET + dev->config_len) {
        uint64_t v = 0;
        pthread_mutex_lock(&dev->lock);
        dev->ops->read_config(dev, (uint32_t)(off - DEVICE_OFFSET), &v, size);
        pthread_mutex_unlock(&dev->lock);
        return v;
    }
    return 0;
}

static void bar_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    struct virtio_pci *vp = opaque;
    struct virtio_device *dev = vp->dev;

    if (off >= NOTIFY_OFFSET) {
        unsigned q = (unsigned)((off - NOTIFY_OFFSET) / NOTIFY_MULTIPLIER);
        if (q < dev->num_queues)
            virtio_kick(&vp->kicks, q);
        else
            TRACE(TRACE_GUEST_ERRORS, "%s: notify of queue %u", dev->name, q);
        return;
    }
    if (off < COMMON_OFFSET + COMMON_LEN) {
        if (!common_access_ok(off, size)) {
            TRACE(TRACE_GUEST_ERRORS, "%s: %u-byte common config write at 0x%llx", dev->name, size,
                  (unsigned long long)off);
            return;
        }
        pthread_mutex_lock(&vp->lock);
        common_write(vp, off, size, v);
        pthread_mutex_unlock(&vp->lock);
        return;
    }
    if (off >= DEVICE_OFFSET && off + size <= DEVICE_OFFSET + dev->config_len &&
        dev->ops->write_config) {
        pthread_mutex_lock(&dev->lock);
        dev->ops->write_config(dev, (uint32_t)(off - DEVICE_OFFSET), &v, size);
        pthread_mutex_unlock(&dev->lock);
        return;
    }
    TRACE(TRACE_GUEST_ERRORS, "%s: write to BAR offset 0x%llx ignored", dev->name,
          (unsigned long long)off);
}

static const struct mmio_ops bar_ops = {
    .read = bar_read,
    .write = bar_write,
    .access_sizes = 1 | 2 | 4 | 8,
};

/* ---- The PCI configuration access capability: a window onto the BARs (4.1.4.9). */

static bool pci_cfg_target(struct virtio_pci *vp, unsigned size, uint64_t *off)
{
    const uint8_t *c = vp->pci.config + vp->pci_cfg_cap;

    pthread_mutex_lock(&vp->pci.cfg_lock);
    uint8_t bar = c[4];
    uint32_t o = c[8] | c[9] << 8 | c[10] << 16 | (uint32_t)c[11] << 24;
    uint32_t len = c[12] | c[13] << 8 | c[14] << 16 | (uint32_t)c[15] << 24;
    pthread_mutex_unlock(&vp->pci.cfg_lock);
    *off = o;
    return bar == VIRTIO_BAR && (len == 1 || len == 2 || len == 4) && len <= size && o % len == 0 &&
           o + len <= VIRTIO_BAR_SIZE;
}

static bool pci_cfg_read(void *opaque, uint32_t offset, unsigned size, uint32_t *value)
{
    struct virtio_pci *vp = opaque;
    uint64_t off;

    if (offset != vp->pci_cfg_cap + 16u)
        return false;
    *value = 0;
    if (pci_cfg_target(vp, size, &off)) {
        const uint8_t *c = vp->pci.config + vp->pci_cfg_cap;
        *value = (uint32_t)bar_read(vp, off, c[12]);
    }
    return true;
}

static void pci_cfg_written(void *opaque, uint32_t offset, unsigned size)
{
    struct virtio_pci *vp = opaque;
    uint64_t off;

    if (offset != vp->pci_cfg_cap + 16u || !pci_cfg_target(vp, size, &off))
        return;
    const uint8_t *c = vp->pci.config + vp->pci_cfg_cap;
    pthread_mutex_lock(&vp->pci.cfg_lock);
    uint32_t v = c[16] | c[17] << 8 | c[18] << 16 | (uint32_t)c[19] << 24;
    unsigned len = c[12];
    pthread_mutex_unlock(&vp->pci.cfg_lock);
    bar_write(vp, off, v, len);
}

/* ---- Setup */

static int add_virtio_cap(struct virtio_pci *vp, uint8_t type, uint32_t offset, uint32_t length,
                          unsigned extra)
{
    int cap = pci_device_add_cap(&vp->pci, PCI_CAP_ID_VNDR, 16 + extra);
    if (cap < 0)
        return cap;
    uint8_t *c = vp->pci.config + cap;
    c[2] = (uint8_t)(16 + extra); /* cap_len */
    c[3] = type;
    c[4] = VIRTIO_BAR;
    pci_config_set32(&vp->pci, cap + 8, offset);
    pci_config_set32(&vp->pci, cap + 12, length);
    return cap;
}

static uint32_t class_of(uint32_t device_id)
{
    switch (device_id) {
    case VIRTIO_ID_NET:
        return 0x020000; /* Ethernet */
    case VIRTIO_ID_BLOCK:
        return 0x010000; /* mass storage (SCSI), as QEMU */
    case VIRTIO_ID_CONSOLE:
        return 0x078000; /* other communication */
    default:
        return 0xff0000;
    }
}

static int build_function(struct virtio_pci *vp)
{
    struct virtio_device *dev = vp->dev;
    const struct pci_id id = {
        .vendor = VIRTIO_PCI_VENDOR,
        .device = (uint16_t)(VIRTIO_PCI_DEVICE_BASE + dev->device_id),
        .class_code = class_of(dev->device_id),
        .revision = 1, /* modern devices: >= 1 (4.1.2.1) */
        .subsys_vendor = VIRTIO_PCI_VENDOR,
        .subsys_id = VIRTIO_PCI_SUBSYS_ID,
        .intx = true,
    };
    pci_device_init(&vp->pci, dev->name, &id);
    vp->pci.config_read = pci_cfg_read;
    vp->pci.config_written = pci_cfg_written;
    vp->pci.hook_opaque = vp;

    int r = pci_device_init_msix(&vp->pci, dev->num_queues + 1, MSIX_BAR);
    if (r == 0)
        r = pci_device_add_bar(&vp->pci, VIRTIO_BAR, PCI_BAR_MEM64, VIRTIO_BAR_SIZE, &bar_ops, vp);
    if (r == 0)
        r = add_virtio_cap(vp, CAP_COMMON, COMMON_OFFSET, COMMON_LEN, 0);
    if (r >= 0)
        r = add_virtio_cap(vp, CAP_ISR, ISR_OFFSET, 1, 0);
    if (r >= 0 && dev->config_len)
        r = add_virtio_cap(vp, CAP_DEVICE, DEVICE_OFFSET, dev->config_len, 0);
    if (r >= 0) {
        r = add_virtio_cap(vp, CAP_NOTIFY, NOTIFY_OFFSET, dev->num_queues * NOTIFY_MULTIPLIER, 4);
        if (r >= 0)
            pci_config_set32(&vp->pci, (unsigned)r + 16, NOTIFY_MULTIPLIER);
    }
    if (r >= 0) {
        r = add_virtio_cap(vp, CAP_PCI_CFG, 0, 0, 4);
        if (r >= 0) {
            vp->pci_cfg_cap = (uint8_t)r;
            /* bar, offset, length and the data window are the driver's to write. */
            vp->pci.wmask[r + 4] = 0xff;
            memset(vp->pci.wmask + r + 8, 0xff, 12);
        }
    }
    return r < 0 ? -EINVAL : 0;
}

struct pci_device *virtio_pci_function(struct virtio_pci *vp)
{
    return &vp->pci;
}

int virtio_pci_queue_notify_fd(const struct virtio_pci *vp, unsigned q)
{
    return virtio_kick_fd(&vp->kicks, q);
}

bool virtio_pci_notify_addr(struct virtio_pci *vp, unsigned q, uint64_t *addr)
{
    uint64_t base;
    if (q >= vp->dev->num_queues || !pci_device_bar_mapping(&vp->pci, VIRTIO_BAR, &base))
        return false;
    *addr = base + NOTIFY_OFFSET + (uint64_t)q * NOTIFY_MULTIPLIER;
    return true;
}

void virtio_pci_reset(struct virtio_pci *vp)
{
    pthread_mutex_lock(&vp->lock);
    reset_locked(vp);
    pthread_mutex_unlock(&vp->lock);
}

void virtio_pci_destroy(struct virtio_pci *vp)
{
    if (!vp)
        return;
    virtio_kicks_destroy(&vp->kicks);
    free((void *)vp->queue_vector);
    vp->dev->transport = NULL;
    vp->dev->transport_opaque = NULL;
    pci_device_destroy(&vp->pci);
    pthread_mutex_destroy(&vp->isr_lock);
    pthread_mutex_destroy(&vp->lock);
    free(vp);
}

int virtio_pci_create(struct guest_mem *mem, struct event_loop *loop, struct virtio_device *dev,
                      struct virtio_pci **out)
{
    if (dev->num_queues == 0 || dev->num_queues + 1 > PCI_MSIX_MAX_VECTORS ||
        dev->num_queues > MAX_QUEUES || dev->config_len > DEVICE_MAX_LEN) {
        log_error("%s: %u queues do not fit the virtio-pci transport", dev->name, dev->num_queues);
        return -EINVAL;
    }
    struct virtio_pci *vp = calloc(1, sizeof(*vp));
    if (!vp || !(vp->queue_vector = calloc(dev->num_queues, sizeof(*vp->queue_vector)))) {
        free(vp);
        log_error("%s: out of memory", dev->name);
        return -ENOMEM;
    }
    pthread_mutex_init(&vp->lock, NULL);
    pthread_mutex_init(&vp->isr_lock, NULL);
    vp->mem = mem;
    vp->dev = dev;
    int r = build_function(vp);
    if (r < 0) {
        log_error("%s: cannot build the PCI function", dev->name);
        virtio_pci_destroy(vp);
        return r;
    }
    r = virtio_kicks_init(&vp->kicks, dev, loop);
    if (r < 0) {
        virtio_pci_destroy(vp);
        return r;
    }
    dev->mem = mem;
    dev->loop = loop;
    dev->transport = &pci_transport_ops;
    dev->transport_opaque = vp;
    reset_locked(vp);
    *out = vp;
    return 0;
}
