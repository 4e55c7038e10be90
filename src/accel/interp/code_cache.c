/* The interpreter's per-physical-page decoded code cache and its invalidation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "accel/interp/internal.h"
#include "core/vm.h"

int code_cache_init(struct interp *it)
{
    const struct guest_mem *mem = &it->vm->mem;

    for (unsigned i = 0; i < mem->nregions; i++) {
        struct code_region *r = &it->regions[i];
        r->gpa = mem->regions[i].gpa;
        r->npages = (mem->regions[i].size + RV_PAGE_SIZE - 1) >> RV_PAGE_SHIFT;
        r->pages = calloc(r->npages, sizeof(*r->pages));
        if (!r->pages)
            return -ENOMEM;
        it->nregions = i + 1;
    }
    return 0;
}

void code_cache_destroy(struct interp *it)
{
    struct code_page *cp = it->all_pages;

    while (cp) {
        struct code_page *next = cp->next;
        free(cp);
        cp = next;
    }
    it->all_pages = NULL;
    for (unsigned i = 0; i < it->nregions; i++)
        free(it->regions[i].pages);
    it->nregions = 0;
}

static _Atomic(struct code_page *) *page_ref(struct interp *it, uint64_t gpa)
{
    for (unsigned i = 0; i < it->nregions; i++) {
        struct code_region *r = &it->regions[i];
        uint64_t idx = (gpa - r->gpa) >> RV_PAGE_SHIFT;
        if (gpa >= r->gpa && idx < r->npages)
            return &r->pages[idx];
    }
    return NULL;
}

struct code_page *code_cache_get(struct interp *it, uint64_t gpa_page, uint8_t *host)
{
    _Atomic(struct code_page *) *ref = page_ref(it, gpa_page);
    struct code_page *cp;

    if (!ref)
        return NULL;
    cp = atomic_load_explicit(ref, memory_order_acquire);
    if (cp)
        return cp;
    cp = calloc(1, sizeof(*cp));
    if (!cp)
        return NULL;
    for (unsigned i = 0; i < CODE_SLOTS; i++)
        cp->slots[i].handler = it->handlers[SLOT_DECODE];
    cp->slots[CODE_SLOTS].handler = it->handlers[SLOT_PAGE_END];
    cp->host = host;
    cp->gpa = gpa_page;
    atomic_init(&cp->stale, false);
    cp->next = it->all_pages;
    it->all_pages = cp;
    /* Published for the I/O thread's DMA hook, which only ever flags it stale. */
    atomic_store_explicit(ref, cp, memory_order_release);
    return cp;
}

void code_cache_mark_code(struct interp *it, struct code_page *cp)
{
    if (cp->has_code)
        return;
    cp->has_code = true;
    for (unsigned i = 0; i < it->vm->nharts; i++)
        rv_tlb_drop_write_host(it->vm->harts[i], cp->host);
}

void code_cache_invalidate(struct interp *it, struct code_page *cp)
{
    if (!cp->has_code)
        return;
    for (unsigned i = 0; i < CODE_SLOTS; i++)
        cp->slots[i].handler = it->handlers[SLOT_DECODE];
    cp->has_code = false;
}

void code_cache_flush_dma(struct interp *it)
{
    if (!atomic_exchange_explicit(&it->dma_pending, false, memory_order_acq_rel))
        return;
    for (struct code_page *cp = it->all_pages; cp; cp = cp->next)
        if (atomic_exchange_explicit(&cp->stale, false, memory_order_acq_rel))
            code_cache_invalidate(it, cp);
}

void code_cache_store_hook(void *opaque, uint64_t gpa_page)
{
    struct interp *it = opaque;
    _Atomic(struct code_page *) *ref = page_ref(it, gpa_page);

    if (ref) {
        struct code_page *cp = atomic_load_explicit(ref, memory_order_relaxed);
        if (cp)
            code_cache_invalidate(it, cp);
    }
}

void code_cache_dma_written(void *opaque, uint64_t gpa, uint64_t len)
{
    struct interp *it = opaque;
    bool any = false;

    if (len == 0)
        return;
    for (uint64_t p = gpa & RV_PAGE_MASK; p < gpa + len && p >= (gpa & RV_PAGE_MASK);
         p += RV_PAGE_SIZE) {
        _Atomic(struct code_page *) *ref = page_ref(it, p);
        struct code_page *cp = ref ? atomic_load_explicit(ref, memory_order_acquire) : NULL;
        if (cp) {
            atomic_store_explicit(&cp->stale, true, memory_order_release);
            any = true;
        }
    }
    if (!any)
        return;
    atomic_store_explicit(&it->dma_pending, true, memory_order_release);
    /* The CPU thread drops stale pages at its next block boundary. */
    for (unsigned i = 0; i < it->vm->nharts; i++)
        rv_attention(it->vm->harts[i]);
}
