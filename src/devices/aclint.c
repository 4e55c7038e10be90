#include "devices/aclint.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/event_loop.h"
#include "core/log.h"

#define MSIP_BASE 0x0
#define MTIMECMP_BASE 0x4000
#define MTIME_OFFSET 0xbff8
#define NS_PER_TICK 100 /* 10 MHz */

struct aclint;

struct aclint_hart {
    struct aclint *owner;
    unsigned index;
    struct irq_line msip_line, mtip_line;
    bool msip, mtip;
    uint64_t mtimecmp;
    struct event_timer *timer;
};

struct aclint {
    pthread_mutex_t lock; /* CPU threads (registers) vs the event loop (deadline timers) */
    unsigned nharts;
    struct guest_clock *clock; /* the vm's; its offset is written here only, under `lock` */
    struct aclint_hart *harts;
};

/* Raise or lower MTIP for the current time; arm the timer if the deadline is still ahead. */
static void update_timer_locked(struct aclint *a, struct aclint_hart *h)
{
    uint64_t now = guest_clock_ticks(a->clock);
    bool level = now >= h->mtimecmp;

    if (level != h->mtip) {
        h->mtip = level;
        irq_line_set(&h->mtip_line, level);
    }
    if (level) {
        event_timer_disarm(h->timer);
        return;
    }
    /* Host time at which the tick count reaches mtimecmp. Deadlines beyond the range of the
     * host clock (mtimecmp = all-ones means "no timer") are simply not armed. */
    int64_t base_ns = a->clock->base_ns;
    uint64_t ticks = h->mtimecmp - atomic_load(&a->clock->offset);
    uint64_t room = (uint64_t)(INT64_MAX - base_ns) / NS_PER_TICK;
    if (ticks >= room) {
        event_timer_disarm(h->timer);
        return;
    }
    event_timer_arm(h->timer, base_ns + (int64_t)(ticks * NS_PER_TICK));
}

static void timer_expired(void *opaque)
{
    struct aclint_hart *h = opaque;
    struct aclint *a = h->owner;

    pthread_mutex_lock(&a->lock);
    update_timer_locked(a, h);
    pthread_mutex_unlock(&a->lock);
}

static void set_msip(struct aclint_hart *h, bool level)
{
    if (level != h->msip) {
        h->msip = level;
        irq_line_set(&h->msip_line, level);
    }
}

/* Merge a 4- or 8-byte write at byte offset `shift` into a 64-bit register. */
static uint64_t merge64(uint64_t old, uint64_t value, unsigned size, unsigned byte_off)
{
    if (size == 8)
        return value;
    unsigned shift = byte_off * 8;
    uint64_t mask = 0xffffffffull << shift;
    return (old & ~mask) | ((value & 0xffffffffull) << shift);
}

static uint64_t aclint_read(void *opaque, uint64_t offset, unsigned size)
{
    struct aclint *a = opaque;
    uint64_t v = 0;

    pthread_mutex_lock(&a->lock);
    if (offset < MTIMECMP_BASE) {
        unsigned hart = (unsigned)(offset / 4);
        if (size == 4 && offset % 4 == 0 && hart < a->nharts)
            v = a->harts[hart].msip;
    } else if (offset >= MTIME_OFFSET && offset < MTIME_OFFSET + 8) {
        v = guest_clock_ticks(a->clock) >> ((offset - MTIME_OFFSET) * 8);
    } else if (offset < MTIME_OFFSET) {
        unsigned hart = (unsigned)((offset - MTIMECMP_BASE) / 8);
        if (hart < a->nharts)
            v = a->harts[hart].mtimecmp >> ((offset - MTIMECMP_BASE) % 8 * 8);
    }
    pthread_mutex_unlock(&a->lock);
    if (size == 4)
        v &= 0xffffffffull;
    return v;
}

static void aclint_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct aclint *a = opaque;

    pthread_mutex_lock(&a->lock);
    if (offset < MTIMECMP_BASE) {
        unsigned hart = (unsigned)(offset / 4);
        if (offset % 4 == 0 && hart < a->nharts)
            set_msip(&a->harts[hart], value & 1);
    } else if (offset >= MTIME_OFFSET && offset < MTIME_OFFSET + 8) {
        uint64_t now = guest_clock_ticks(a->clock);
        uint64_t want = merge64(now, value, size, (unsigned)(offset - MTIME_OFFSET));
        atomic_fetch_add(&a->clock->offset, want - now);
        /* Every deadline moved. */
        for (unsigned i = 0; i < a->nharts; i++)
            update_timer_locked(a, &a->harts[i]);
    } else if (offset < MTIME_OFFSET) {
        unsigned hart = (unsigned)((offset - MTIMECMP_BASE) / 8);
        if (hart < a->nharts) {
            struct aclint_hart *h = &a->harts[hart];
            h->mtimecmp =
                merge64(h->mtimecmp, value, size, (unsigned)((offset - MTIMECMP_BASE) % 8));
            update_timer_locked(a, h);
        }
    }
    pthread_mutex_unlock(&a->lock);
}

const struct mmio_ops aclint_mmio_ops = {
    .read = aclint_read,
    .write = aclint_write,
    .access_sizes = 4 | 8,
};

void aclint_reset(struct aclint *a)
{
    pthread_mutex_lock(&a->lock);
    atomic_store(&a->clock->offset, 0);
    for (unsigned i = 0; i < a->nharts; i++) {
        struct aclint_hart *h = &a->harts[i];
        set_msip(h, false);
        h->mtimecmp = UINT64_MAX;
        update_timer_locked(a, h);
    }
    pthread_mutex_unlock(&a->lock);
}

void aclint_destroy(struct aclint *a)
{
    if (!a)
        return;
    if (a->harts)
        for (unsigned i = 0; i < a->nharts; i++)
            event_timer_destroy(a->harts[i].timer);
    free(a->harts);
    pthread_mutex_destroy(&a->lock);
    free(a);
}

int aclint_create(struct event_loop *loop, unsigned nharts, struct guest_clock *clock,
                  const struct irq_line *msip_lines, const struct irq_line *mtip_lines,
                  struct aclint **out)
{
    if (nharts == 0 || nharts > ACLINT_MAX_HARTS) {
        log_error("aclint: unsupported number of harts %u", nharts);
        return -EINVAL;
    }
    struct aclint *a = calloc(1, sizeof(*a));
    if (!a || !(a->harts = calloc(nharts, sizeof(*a->harts)))) {
        free(a);
        log_error("aclint: out of memory");
        return -ENOMEM;
    }
    pthread_mutex_init(&a->lock, NULL);
    a->nharts = nharts;
    a->clock = clock;
    clock->ns_per_tick = NS_PER_TICK;
    for (unsigned i = 0; i < nharts; i++) {
        struct aclint_hart *h = &a->harts[i];
        *h = (struct aclint_hart){.owner = a,
                                  .index = i,
                                  .msip_line = msip_lines[i],
                                  .mtip_line = mtip_lines[i],
                                  .mtimecmp = UINT64_MAX};
        int r = event_timer_create(loop, timer_expired, h, &h->timer);
        if (r < 0) {
            log_error("aclint: cannot create timer: %s", strerror(-r));
            aclint_destroy(a);
            return r;
        }
    }
    *out = a;
    return 0;
}
