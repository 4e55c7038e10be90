#include "devices/virtqueue.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/memory.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "virtqueue accesses rings in host order: little-endian hosts only");

/*
 * Ring fields shared with the driver are 16-bit values that the guest CPU may write at any
 * moment; __atomic accesses keep each load/store single and untorn and stop the compiler from
 * re-reading or caching them. The ordering between fields is enforced by the explicit acquire,
 * release and full barriers below, each with the reason it is needed.
 */
static uint16_t ring_load(const uint16_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void ring_store(uint16_t *p, uint16_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static uint16_t *used_event_ptr(struct virtqueue *vq)
{
    return &vq->avail->ring[vq->size];
}

static uint16_t *avail_event_ptr(struct virtqueue *vq)
{
    return (uint16_t *)&vq->used->ring[vq->size];
}

static int malformed(struct virtqueue *vq, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Guest driver bug or attack: log it and stop using the queue until the driver resets. */
static int malformed(struct virtqueue *vq, const char *fmt, ...)
{
    if (log_trace_on(TRACE_GUEST_ERRORS)) {
        char msg[160];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        log_trace(TRACE_GUEST_ERRORS, "virtqueue: %s; queue stopped until reset", msg);
    }
    vq->broken = true;
    return -EINVAL;
}

void virtqueue_reset(struct virtqueue *vq, uint16_t size)
{
    *vq = (struct virtqueue){.size = size};
}

int virtqueue_enable(struct virtqueue *vq, const struct guest_mem *mem, bool event_idx)
{
    uint64_t n = vq->size;

    vq->ready = false;
    if (n == 0 || n > VIRTQ_MAX_SIZE || (n & (n - 1)))
        return malformed(vq, "queue size %u is not a power of two up to %u", vq->size,
                         VIRTQ_MAX_SIZE);
    /* Alignments from the spec's split-ring layout (2.7): 16 / 2 / 4 bytes. */
    if (vq->desc_gpa % 16 || vq->avail_gpa % 2 || vq->used_gpa % 4)
        return malformed(vq, "misaligned rings (desc 0x%llx avail 0x%llx used 0x%llx)",
                         (unsigned long long)vq->desc_gpa, (unsigned long long)vq->avail_gpa,
                         (unsigned long long)vq->used_gpa);
    vq->desc = guest_mem_ptr(mem, vq->desc_gpa, 16 * n);
    vq->avail = guest_mem_ptr(mem, vq->avail_gpa, 4 + 2 * n + 2);
    vq->used = guest_mem_ptr(mem, vq->used_gpa, 4 + 8 * n + 2);
    if (!vq->desc || !vq->avail || !vq->used)
        return malformed(vq, "rings outside guest RAM (desc 0x%llx avail 0x%llx used 0x%llx)",
                         (unsigned long long)vq->desc_gpa, (unsigned long long)vq->avail_gpa,
                         (unsigned long long)vq->used_gpa);
    vq->mem = mem;
    vq->event_idx = event_idx;
    vq->last_avail_idx = 0;
    vq->used_idx = 0;
    vq->signalled_used_valid = false;
    vq->broken = false;
    vq->ready = true;
    return 0;
}

static int add_segment(struct virtqueue *vq, struct virtq_elem *elem, const struct virtq_desc *d)
{
    bool writable = d->flags & VIRTQ_DESC_F_WRITE;

    if (!writable && elem->nin > 0)
        return malformed(vq, "device-readable descriptor after a writable one");
    if (d->len == 0)
        return 0; /* carries nothing; harmless to skip */
    void *host = guest_mem_ptr(vq->mem, d->addr, d->len);
    if (!host)
        return malformed(vq, "buffer 0x%llx+0x%x outside guest RAM", (unsigned long long)d->addr,
                         d->len);
    unsigned i = elem->nout + elem->nin;
    if (i >= VIRTQ_MAX_SEGS)
        return malformed(vq, "chain longer than %u segments", VIRTQ_MAX_SEGS);
    elem->iov[i] = (struct iovec){.iov_base = host, .iov_len = d->len};
    elem->gpa[i] = d->addr;
    if (writable) {
        elem->nin++;
        elem->in_len += d->len;
    } else {
        elem->nout++;
        elem->out_len += d->len;
    }
    return 0;
}

/* Walks the chain starting at head, following at most one indirect table. */
static int walk_chain(struct virtqueue *vq, uint16_t head, struct virtq_elem *elem)
{
    const struct virtq_desc *table = vq->desc;
    unsigned table_size = vq->size;
    unsigned budget = vq->size; /* more steps than entries means a loop */
    bool in_indirect = false;
    unsigned idx = head;

    for (;;) {
        if (budget-- == 0)
            return malformed(vq, "descriptor chain from head %u loops or exceeds %u entries", head,
                             table_size);
        struct virtq_desc d;
        /* One copy per descriptor: the guest may change the table while we look at it, so every
         * check below applies to the values actually used. memcpy also tolerates an indirect
         * table at an unaligned address. */
        memcpy(&d, &table[idx], sizeof(d));

        if (d.flags & VIRTQ_DESC_F_INDIRECT) {
            if (in_indirect)
                return malformed(vq, "indirect descriptor inside an indirect table");
            if (d.flags & VIRTQ_DESC_F_NEXT)
                return malformed(vq, "indirect descriptor with NEXT set");
            if (elem->nout + elem->nin > 0)
                return malformed(vq, "indirect descriptor after direct ones");
            if (d.len == 0)
                return malformed(vq, "empty indirect table");
            if (d.len % sizeof(struct virtq_desc))
                return malformed(vq, "indirect table length %u is not a multiple of 16", d.len);
            if (d.len / sizeof(struct virtq_desc) > VIRTQ_MAX_SEGS)
                return malformed(vq, "indirect table of %u entries is too long",
                                 d.len / (unsigned)sizeof(struct virtq_desc));
            table = guest_mem_ptr(vq->mem, d.addr, d.len);
            if (!table)
                return malformed(vq, "indirect table 0x%llx+0x%x outside guest RAM",
                                 (unsigned long long)d.addr, d.len);
            table_size = d.len / sizeof(struct virtq_desc);
            budget = table_size;
            in_indirect = true;
            idx = 0;
            continue;
        }
        int r = add_segment(vq, elem, &d);
        if (r < 0)
            return r;
        if (!(d.flags & VIRTQ_DESC_F_NEXT))
            return 0;
        idx = d.next;
        if (idx >= table_size)
            return malformed(vq, "next index %u beyond the %s of %u entries", idx,
                             in_indirect ? "indirect table" : "queue", table_size);
    }
}

int virtqueue_pop(struct virtqueue *vq, struct virtq_elem *elem)
{
    if (!vq->ready || vq->broken)
        return 0;
    /* Acquire: the ring entry and the descriptors the driver filled in before publishing this
     * idx are read only after it (pairs with the driver's write barrier before idx). */
    uint16_t avail_idx = __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);
    uint16_t pending = (uint16_t)(avail_idx - vq->last_avail_idx);
    if (pending == 0)
        return 0;
    if (pending > vq->size)
        return malformed(vq, "avail idx %u ran %u entries ahead of a queue of %u", avail_idx,
                         pending, vq->size);
    uint16_t head = ring_load(&vq->avail->ring[vq->last_avail_idx % vq->size]);
    if (head >= vq->size)
        return malformed(vq, "avail ring entry %u is beyond the queue size %u", head, vq->size);

    elem->head = head;
    elem->nout = elem->nin = 0;
    elem->out_len = elem->in_len = 0;
    int r = walk_chain(vq, head, elem);
    if (r < 0)
        return r;
    vq->last_avail_idx++;
    if (vq->event_idx) {
        /* Tell the driver which entry we will look at next, so it kicks when it publishes
         * one past it. Ordered before later ring reads by the fence in enable_notify(). */
        ring_store(avail_event_ptr(vq), vq->last_avail_idx);
    }
    return 1;
}

void virtqueue_push(struct virtqueue *vq, const struct virtq_elem *elem, uint32_t written)
{
    if (!vq->ready)
        return;
    uint64_t left = written;
    for (unsigned i = elem->nout; i < elem->nout + elem->nin && left > 0; i++) {
        uint64_t n = elem->iov[i].iov_len < left ? elem->iov[i].iov_len : left;
        guest_mem_notify_written(vq->mem, elem->gpa[i], n);
        left -= n;
    }
    unsigned slot = vq->used_idx % vq->size;
    struct virtq_used_elem *u = &vq->used->ring[slot];
    __atomic_store_n(&u->id, elem->head, __ATOMIC_RELAXED);
    __atomic_store_n(&u->len, written, __ATOMIC_RELAXED);
    vq->used_idx++;
    /* Release: the buffer contents and the used element above become visible to the driver no
     * later than the idx that announces them. */
    __atomic_store_n(&vq->used->idx, vq->used_idx, __ATOMIC_RELEASE);
    guest_mem_notify_written(vq->mem, vq->used_gpa + 4 + 8 * (uint64_t)slot, 8);
    guest_mem_notify_written(vq->mem, vq->used_gpa + 2, 2);
}

bool virtqueue_should_notify(struct virtqueue *vq)
{
    if (!vq->ready)
        return false;
    /* Full barrier (store -> load): the used->idx store must be visible before we read the
     * driver's suppression state; otherwise the driver could re-enable interrupts after
     * checking an old idx while we read its old "don't interrupt", and both would wait. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint16_t old = vq->signalled_used;
    uint16_t new_idx = vq->used_idx;
    bool valid = vq->signalled_used_valid;

    if (old == new_idx && (valid || new_idx == 0))
        return false; /* nothing used since the last interrupt (or ever) */
    vq->signalled_used = new_idx;
    vq->signalled_used_valid = true;
    if (!vq->event_idx)
        return !(ring_load(&vq->avail->flags) & VIRTQ_AVAIL_F_NO_INTERRUPT);
    if (!valid)
        return true;
    /* vring_need_event(): interrupt if used_event lies in (old, new]. */
    uint16_t event = ring_load(used_event_ptr(vq));
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

void virtqueue_disable_notify(struct virtqueue *vq)
{
    if (!vq->ready || vq->event_idx)
        return; /* with EVENT_IDX a stale avail_event already suppresses kicks */
    ring_store(&vq->used->flags, ring_load(&vq->used->flags) | VIRTQ_USED_F_NO_NOTIFY);
}

bool virtqueue_enable_notify(struct virtqueue *vq)
{
    if (!vq->ready || vq->broken)
        return false;
    if (vq->event_idx)
        ring_store(avail_event_ptr(vq), ring_load(&vq->avail->idx));
    else
        ring_store(&vq->used->flags, ring_load(&vq->used->flags) & ~VIRTQ_USED_F_NO_NOTIFY);
    /* Full barrier (store -> load): publish "kick me" before looking for buffers one last
     * time; a driver adding a buffer concurrently either sees the request and kicks, or its
     * buffer is seen here. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return ring_load(&vq->avail->idx) != vq->last_avail_idx;
}

size_t virtq_iov_to_buf(const struct iovec *iov, unsigned n, size_t skip, void *buf, size_t len)
{
    size_t done = 0;

    for (unsigned i = 0; i < n && done < len; i++) {
        if (skip >= iov[i].iov_len) {
            skip -= iov[i].iov_len;
            continue;
        }
        size_t chunk = iov[i].iov_len - skip;
        if (chunk > len - done)
            chunk = len - done;
        memcpy((uint8_t *)buf + done, (const uint8_t *)iov[i].iov_base + skip, chunk);
        done += chunk;
        skip = 0;
    }
    return done;
}

size_t virtq_iov_from_buf(const struct iovec *iov, unsigned n, size_t skip, const void *buf,
                          size_t len)
{
    size_t done = 0;

    for (unsigned i = 0; i < n && done < len; i++) {
        if (skip >= iov[i].iov_len) {
            skip -= iov[i].iov_len;
            continue;
        }
        size_t chunk = iov[i].iov_len - skip;
        if (chunk > len - done)
            chunk = len - done;
        memcpy((uint8_t *)iov[i].iov_base + skip, (const uint8_t *)buf + done, chunk);
        done += chunk;
        skip = 0;
    }
    return done;
}
