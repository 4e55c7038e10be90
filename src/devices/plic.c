#include "devices/plic.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define PRIORITY_BASE 0x0
#define PENDING_BASE 0x1000
#define ENABLE_BASE 0x2000
#define ENABLE_STRIDE 0x80
#define CONTEXT_BASE 0x200000
#define CONTEXT_STRIDE 0x1000
#define CONTEXT_THRESHOLD 0x0
#define CONTEXT_CLAIM 0x4

struct plic_context {
    uint32_t *enable; /* bitmap over sources */
    uint32_t threshold;
    struct irq_line line;
    bool line_level;
};

struct plic {
    pthread_mutex_t lock; /* CPU threads (registers) vs device threads (source lines) */
    unsigned nsources, nwords, ncontexts;
    uint32_t *priority;
    /* Bitmaps over sources. level: what the device drives; pending: latched by the gateway,
     * cleared by a claim; claimed: between claim and complete, the gateway holds the source. */
    uint32_t *level, *pending, *claimed;
    struct plic_context *ctx;
};

static bool bit_get(const uint32_t *map, unsigned i)
{
    return (map[i / 32] >> (i % 32)) & 1;
}

static void bit_set(uint32_t *map, unsigned i, bool v)
{
    if (v)
        map[i / 32] |= 1u << (i % 32);
    else
        map[i / 32] &= ~(1u << (i % 32));
}

/* Highest-priority pending, enabled source above the context's threshold; ties go to the
 * lowest id. 0 if none. */
static unsigned best_source(const struct plic *p, const struct plic_context *c)
{
    unsigned best = 0;
    uint32_t best_prio = c->threshold;

    for (unsigned w = 0; w < p->nwords; w++) {
        uint32_t cand = p->pending[w] & ~p->claimed[w] & c->enable[w];
        while (cand) {
            unsigned src = w * 32 + (unsigned)__builtin_ctz(cand);
            cand &= cand - 1;
            if (p->priority[src] > best_prio) {
                best_prio = p->priority[src];
                best = src;
            }
        }
    }
    return best;
}

static void update_outputs(struct plic *p)
{
    for (unsigned k = 0; k < p->ncontexts; k++) {
        struct plic_context *c = &p->ctx[k];
        bool level = best_source(p, c) != 0;
        if (level != c->line_level) {
            c->line_level = level;
            irq_line_set(&c->line, level);
        }
    }
}

static void plic_set_source(void *opaque, unsigned src, bool level)
{
    struct plic *p = opaque;

    if (src == 0 || src >= p->nsources)
        return;
    pthread_mutex_lock(&p->lock);
    bit_set(p->level, src, level);
    /* Level-triggered gateway: pending follows the level, except while claimed; a level still
     * high at completion re-pends the source (see complete()). */
    if (!bit_get(p->claimed, src))
        bit_set(p->pending, src, level);
    update_outputs(p);
    pthread_mutex_unlock(&p->lock);
}

struct irq_line plic_source_line(struct plic *p, unsigned source)
{
    return (struct irq_line){.set = plic_set_source, .opaque = p, .num = source};
}

static uint32_t claim(struct plic *p, struct plic_context *c)
{
    unsigned src = best_source(p, c);

    if (src) {
        bit_set(p->pending, src, false);
        bit_set(p->claimed, src, true);
        update_outputs(p);
    }
    return src;
}

static void complete(struct plic *p, uint32_t src)
{
    /* Lenient like QEMU: the spec ignores completions of sources not enabled for the context,
     * but Linux masks before completing in some paths and expects it to work. */
    if (src == 0 || src >= p->nsources || !bit_get(p->claimed, src))
        return;
    bit_set(p->claimed, src, false);
    if (bit_get(p->level, src))
        bit_set(p->pending, src, true);
    update_outputs(p);
}

static uint64_t plic_read(void *opaque, uint64_t offset, unsigned size)
{
    struct plic *p = opaque;
    uint64_t v = 0;
    (void)size;

    pthread_mutex_lock(&p->lock);
    if (offset < PENDING_BASE) {
        unsigned src = (unsigned)(offset / 4);
        if (src < p->nsources)
            v = p->priority[src];
    } else if (offset < ENABLE_BASE) {
        unsigned w = (unsigned)((offset - PENDING_BASE) / 4);
        if (w < p->nwords)
            v = p->pending[w];
    } else if (offset < CONTEXT_BASE) {
        unsigned k = (unsigned)((offset - ENABLE_BASE) / ENABLE_STRIDE);
        unsigned w = (unsigned)((offset - ENABLE_BASE) % ENABLE_STRIDE / 4);
        if (k < p->ncontexts && w < p->nwords)
            v = p->ctx[k].enable[w];
    } else {
        unsigned k = (unsigned)((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
        unsigned reg = (unsigned)((offset - CONTEXT_BASE) % CONTEXT_STRIDE);
        if (k < p->ncontexts && reg == CONTEXT_THRESHOLD)
            v = p->ctx[k].threshold;
        else if (k < p->ncontexts && reg == CONTEXT_CLAIM)
            v = claim(p, &p->ctx[k]);
        else
            TRACE(TRACE_GUEST_ERRORS, "plic: read of unknown register 0x%llx",
                  (unsigned long long)offset);
    }
    pthread_mutex_unlock(&p->lock);
    return v;
}

static void plic_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct plic *p = opaque;
    uint32_t v = (uint32_t)value;
    (void)size;

    pthread_mutex_lock(&p->lock);
    if (offset < PENDING_BASE) {
        unsigned src = (unsigned)(offset / 4);
        if (src > 0 && src < p->nsources)
            p->priority[src] = v & PLIC_PRIORITY_MAX;
    } else if (offset < ENABLE_BASE) {
        TRACE(TRACE_GUEST_ERRORS, "plic: write to read-only pending bits ignored");
    } else if (offset < CONTEXT_BASE) {
        unsigned k = (unsigned)((offset - ENABLE_BASE) / ENABLE_STRIDE);
        unsigned w = (unsigned)((offset - ENABLE_BASE) % ENABLE_STRIDE / 4);
        if (k < p->ncontexts && w < p->nwords) {
            if (w == 0)
                v &= ~1u; /* source 0 does not exist */
            if (w == p->nwords - 1 && p->nsources % 32)
                v &= (1u << (p->nsources % 32)) - 1;
            p->ctx[k].enable[w] = v;
        }
    } else {
        unsigned k = (unsigned)((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
        unsigned reg = (unsigned)((offset - CONTEXT_BASE) % CONTEXT_STRIDE);
        if (k < p->ncontexts && reg == CONTEXT_THRESHOLD)
            p->ctx[k].threshold = v & PLIC_PRIORITY_MAX;
        else if (k < p->ncontexts && reg == CONTEXT_CLAIM)
            complete(p, v);
        else
            TRACE(TRACE_GUEST_ERRORS, "plic: write of unknown register 0x%llx",
                  (unsigned long long)offset);
    }
    update_outputs(p);
    pthread_mutex_unlock(&p->lock);
}

const struct mmio_ops plic_mmio_ops = {
    .read = plic_read,
    .write = plic_write,
    .access_sizes = 4,
};

void plic_destroy(struct plic *p)
{
    if (!p)
        return;
    if (p->ctx)
        for (unsigned k = 0; k < p->ncontexts; k++)
            free(p->ctx[k].enable);
    free(p->ctx);
    free(p->priority);
    free(p->level);
    free(p->pending);
    free(p->claimed);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

int plic_create(unsigned nsources, unsigned ncontexts, const struct irq_line *context_lines,
                struct plic **out)
{
    if (nsources < 2 || nsources > PLIC_MAX_SOURCES || ncontexts == 0 ||
        ncontexts > (PLIC_REGION_SIZE - CONTEXT_BASE) / CONTEXT_STRIDE) {
        log_error("plic: unsupported geometry (%u sources, %u contexts)", nsources, ncontexts);
        return -EINVAL;
    }
    struct plic *p = calloc(1, sizeof(*p));
    if (!p) {
        log_error("plic: out of memory");
        return -ENOMEM;
    }
    pthread_mutex_init(&p->lock, NULL);
    p->nsources = nsources;
    p->nwords = (nsources + 31) / 32;
    p->ncontexts = ncontexts;
    p->priority = calloc(nsources, sizeof(*p->priority));
    p->level = calloc(p->nwords, sizeof(uint32_t));
    p->pending = calloc(p->nwords, sizeof(uint32_t));
    p->claimed = calloc(p->nwords, sizeof(uint32_t));
    p->ctx = calloc(ncontexts, sizeof(*p->ctx));
    bool ok = p->priority && p->level && p->pending && p->claimed && p->ctx;
    for (unsigned k = 0; ok && k < ncontexts; k++) {
        p->ctx[k].line = context_lines[k];
        p->ctx[k].enable = calloc(p->nwords, sizeof(uint32_t));
        ok = p->ctx[k].enable != NULL;
    }
    if (!ok) {
        log_error("plic: out of memory");
        plic_destroy(p);
        return -ENOMEM;
    }
    *out = p;
    return 0;
}

void plic_reset(struct plic *p)
{
    pthread_mutex_lock(&p->lock);
    memset(p->priority, 0, p->nsources * sizeof(*p->priority));
    memset(p->claimed, 0, p->nwords * sizeof(uint32_t));
    memcpy(p->pending, p->level, p->nwords * sizeof(uint32_t));
    for (unsigned k = 0; k < p->ncontexts; k++) {
        memset(p->ctx[k].enable, 0, p->nwords * sizeof(uint32_t));
        p->ctx[k].threshold = 0;
    }
    update_outputs(p);
    pthread_mutex_unlock(&p->lock);
}
