/*
 * Split virtqueues (virtio 1.x, section 2.7): the one place that walks descriptor chains,
 * checks every guest address against RAM, orders ring accesses with barriers, and decides
 * when the driver needs an interrupt (EVENT_IDX or the flags).
 *
 * A queue is used by one thread at a time: its owner (the virtio device, under the device
 * lock) pops, pushes and notifies; the transport configures it under the same lock.
 */
#ifndef KVMU_DEVICES_VIRTQUEUE_H
#define KVMU_DEVICES_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct guest_mem;

#define VIRTQ_MAX_SIZE 1024 /* largest queue kvmu offers */
/* Longest chain accepted (direct or through one indirect table). */
#define VIRTQ_MAX_SEGS 1024

/* Ring layouts; little-endian (the host is x86-64 or another LE machine). */
struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[]; /* size entries, then used_event */
};
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};

struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[]; /* size entries, then avail_event */
};
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtqueue {
    /* Configuration, written by the transport before virtqueue_enable(). */
    uint16_t size;
    uint64_t desc_gpa, avail_gpa, used_gpa;

    /* State, valid while ready. */
    bool ready;
    bool broken; /* a malformed chain was seen: nothing more is popped until reset */
    bool event_idx;
    const struct guest_mem *mem;
    struct virtq_desc *desc;
    struct virtq_avail *avail;
    struct virtq_used *used;
    uint16_t last_avail_idx; /* next avail entry to pop */
    uint16_t used_idx;       /* next used entry to fill (shadow of used->idx) */
    uint16_t signalled_used; /* used_idx when the driver was last interrupted */
    bool signalled_used_valid;
};

/* One popped chain: device-readable segments first (out), then device-writable ones (in). */
struct virtq_elem {
    uint16_t head;
    unsigned nout, nin;
    uint64_t out_len, in_len; /* total bytes of each kind */
    struct iovec iov[VIRTQ_MAX_SEGS];
    uint64_t gpa[VIRTQ_MAX_SEGS];
};

/* Validates the rings (alignment, inside RAM) and makes the queue ready. Returns 0 or -EINVAL
 * (with a guest_errors trace); on failure the queue stays not ready. */
int virtqueue_enable(struct virtqueue *vq, const struct guest_mem *mem, bool event_idx)
    __attribute__((warn_unused_result));
/* Back to the power-on state (not ready, addresses 0, size kept as given). */
void virtqueue_reset(struct virtqueue *vq, uint16_t size);

/*
 * Takes the next available chain. Returns 1 and fills elem, 0 if the ring is empty (or the
 * queue is not ready or broken), -EINVAL if the chain is malformed: the queue is then marked
 * broken and the caller should ask the transport to set DEVICE_NEEDS_RESET.
 */
int virtqueue_pop(struct virtqueue *vq, struct virtq_elem *elem)
    __attribute__((warn_unused_result));
/* Returns the chain to the driver with `written` bytes stored into its writable segments, and
 * tells the execution engine those guest pages changed. */
void virtqueue_push(struct virtqueue *vq, const struct virtq_elem *elem, uint32_t written);
/* After a batch of pushes: should the driver be interrupted? Updates the EVENT_IDX state, so
 * call it once per interrupt actually sent. */
bool virtqueue_should_notify(struct virtqueue *vq);
/* Ask the driver not to kick while the device is already processing the queue. */
void virtqueue_disable_notify(struct virtqueue *vq);
/* Re-enable kicks; returns true if buffers arrived in the meantime (process them, else a kick
 * could be lost). */
bool virtqueue_enable_notify(struct virtqueue *vq) __attribute__((warn_unused_result));

/* Copy helpers over the iovecs of an element, starting at byte `skip`. Return bytes copied. */
size_t virtq_iov_to_buf(const struct iovec *iov, unsigned n, size_t skip, void *buf, size_t len);
size_t virtq_iov_from_buf(const struct iovec *iov, unsigned n, size_t skip, const void *buf,
                          size_t len);

#endif
