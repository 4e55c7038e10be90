/* The JIT's code buffer, its shared stubs, and translated pages with their invalidation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "accel/jit/internal.h"
#include "core/log.h"
#include "core/vm.h"

_Static_assert(sizeof(struct rv_fetch_tlb_entry) == 32, "lookup stub scales the index by 32");
_Static_assert(offsetof(struct rv_fetch_tlb_entry, code) == 16, "lookup stub reads code at +16");
_Static_assert(sizeof(struct rv_tlb_entry) == 16, "loads and stores scale the index by 16");
_Static_assert(offsetof(struct jit_page, entry) == 0, "lookups index entry[] at offset 0");

/*
 * jit_enter(h, j, code, vbase): save the callee-saved registers, set up the fixed registers and
 * jump into a block. Blocks leave through stub_exit, which returns to jit_enter's caller. The
 * stack stays 16-byte aligned for helper calls from blocks.
 */
static void emit_stubs(struct jit *j, struct emitter *e)
{
    static const int saved[] = {RBX, RBP, R12, R13, R14, R15};

    j->enter =
        (void (*)(struct rv_hart *, struct jit *, const void *, uint64_t))(void *)emit_here(e);
    for (unsigned i = 0; i < 6; i++)
        emit_push(e, saved[i]);
    emit_alu_ri(e, ALU_SUB, RSP, 8);
    emit_lea(e, RBX, x86_mem(RDI, HART_BIAS));
    emit_mov_rr(e, RBP, RSI);
    emit_mov_rr(e, R15, RCX);
    emit_jmp_r(e, RDX);

    j->stub_exit = emit_here(e);
    emit_alu_ri(e, ALU_ADD, RSP, 8);
    for (int i = 5; i >= 0; i--)
        emit_pop(e, saved[i]);
    emit_ret(e);

    /* rax = target pc. Through the fetch TLB to the physical page's entry table. */
    j->stub_lookup = emit_here(e);
    emit_mov_mr(e, HART_FIELD(pc), RAX);
    emit_mov_rr(e, RCX, RAX);
    emit_shift_ri(e, SHIFT_SHR, RCX, RV_PAGE_SHIFT);
    emit_alu_ri32(e, ALU_AND, RCX, RV_TLB_SIZE - 1);
    emit_shift_ri32(e, SHIFT_SHL, RCX, 5);
    emit_alu_rm(e, ALU_ADD, RCX, HART_FIELD(tlb_x));
    emit_mov_rr(e, RDX, RAX);
    emit_alu_ri(e, ALU_AND, RDX, (int32_t)RV_PAGE_MASK);
    emit_alu_rm(e, ALU_CMP, RDX, x86_mem(RCX, 0));
    emit_jcc(e, CC_NE, j->stub_exit);
    emit_mov_rm(e, RCX, x86_mem(RCX, 16));
    emit_mov_rr32(e, RSI, RAX);
    emit_alu_ri32(e, ALU_AND, RSI, (int32_t)(RV_PAGE_SIZE - 2));
    emit_load(e, 4, false, RSI, x86_mem_idx(RCX, RSI, 2, 0));
    emit_test_rr32(e, RSI, RSI);
    emit_jcc(e, CC_E, j->stub_exit);
    emit_mov_rr(e, R15, RDX);
    emit_alu_rm(e, ALU_ADD, RSI, JIT_FIELD(code_base));
    emit_jmp_r(e, RSI);
    /* Keep every block's entry offset non-zero (0 means "none"). */
    emit_u8(e, 0xcc);
}

int jit_code_init(struct jit *j, size_t code_size)
{
    const struct guest_mem *mem = &j->vm->mem;
    struct emitter e;

    for (unsigned i = 0; i < mem->nregions; i++) {
        struct jit_region *r = &j->regions[i];
        r->gpa = mem->regions[i].gpa;
        r->npages = (mem->regions[i].size + RV_PAGE_SIZE - 1) >> RV_PAGE_SHIFT;
        r->pages = calloc(r->npages, sizeof(*r->pages));
        if (!r->pages)
            return -ENOMEM;
        j->nregions = i + 1;
    }
    /* Entry offsets are 32-bit and blocks jump to stubs with rel32: stay below 2 GiB. */
    if (code_size > (1ull << 30))
        code_size = 1ull << 30;
    void *buf = mmap(NULL, code_size, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (buf == MAP_FAILED) {
        int err = errno;
        log_error("jit: cannot map %zu bytes of executable memory: %s", code_size, strerror(err));
        return -err;
    }
    j->code = buf;
    j->code_size = code_size;
    j->code_base = buf;
    emit_init(&e, j->code, 4096);
    emit_stubs(j, &e);
    if (e.overflow)
        abort();
    j->blocks_start = emit_here(&e);
    j->code_free = j->blocks_start;
    return 0;
}

void jit_code_destroy(struct jit *j)
{
    struct jit_page *p = j->all_pages;

    while (p) {
        struct jit_page *next = p->next;
        free(p);
        p = next;
    }
    j->all_pages = NULL;
    for (unsigned i = 0; i < j->nregions; i++)
        free(j->regions[i].pages);
    j->nregions = 0;
    if (j->code)
        munmap(j->code, j->code_size);
    j->code = NULL;
}

static _Atomic(struct jit_page *) *page_ref(struct jit *j, uint64_t gpa)
{
    for (unsigned i = 0; i < j->nregions; i++) {
        struct jit_region *r = &j->regions[i];
        uint64_t idx = (gpa - r->gpa) >> RV_PAGE_SHIFT;
        if (gpa >= r->gpa && idx < r->npages)
            return &r->pages[idx];
    }
    return NULL;
}

struct jit_page *jit_page_get(struct jit *j, uint64_t gpa_page, uint8_t *host)
{
    _Atomic(struct jit_page *) *ref = page_ref(j, gpa_page);
    struct jit_page *p;

    if (!ref)
        return NULL;
    p = atomic_load_explicit(ref, memory_order_acquire);
    if (p)
        return p;
    p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->host = host;
    p->gpa = gpa_page;
    atomic_init(&p->stale, false);
    p->next = j->all_pages;
    j->all_pages = p;
    /* Published for the I/O thread's DMA hook, which only ever flags it stale. */
    atomic_store_explicit(ref, p, memory_order_release);
    return p;
}

void jit_page_mark_code(struct jit *j, struct jit_page *p)
{
    if (p->has_code)
        return;
    p->has_code = true;
    /* Stores to a page with code must take the slow path, which drops the code first. */
    for (unsigned i = 0; i < j->vm->nharts; i++)
        rv_tlb_drop_write_host(j->vm->harts[i], p->host);
}

/*
 * The code itself stays in the buffer (the block running now may be one of them, and blocks of
 * this page may be chained to each other); only the entries go, so nothing reaches it again.
 */
void jit_page_invalidate(struct jit *j, struct jit_page *p)
{
    if (!p->has_code)
        return;
    memset(p->entry, 0, sizeof(p->entry));
    p->has_code = false;
    j->code_changed = true;
}

void jit_code_flush(struct jit *j)
{
    for (struct jit_page *p = j->all_pages; p; p = p->next) {
        if (p->has_code) {
            memset(p->entry, 0, sizeof(p->entry));
            p->has_code = false;
        }
    }
    j->code_free = j->blocks_start;
    j->chain_site = NULL;
    j->code_changed = true;
    j->flushes++;
}

void jit_flush_dma(struct jit *j)
{
    if (!atomic_exchange_explicit(&j->dma_pending, false, memory_order_acq_rel))
        return;
    for (struct jit_page *p = j->all_pages; p; p = p->next)
        if (atomic_exchange_explicit(&p->stale, false, memory_order_acq_rel))
            jit_page_invalidate(j, p);
}

void jit_store_hook(void *opaque, uint64_t gpa_page)
{
    struct jit *j = opaque;
    _Atomic(struct jit_page *) *ref = page_ref(j, gpa_page);

    if (ref) {
        struct jit_page *p = atomic_load_explicit(ref, memory_order_relaxed);
        if (p)
            jit_page_invalidate(j, p);
    }
}

void jit_dma_written(void *opaque, uint64_t gpa, uint64_t len)
{
    struct jit *j = opaque;
    bool any = false;

    atomic_fetch_add_explicit(&j->dma_seq, 1, memory_order_release);
    if (len == 0)
        return;
    for (uint64_t p = gpa & RV_PAGE_MASK; p < gpa + len && p >= (gpa & RV_PAGE_MASK);
         p += RV_PAGE_SIZE) {
        _Atomic(struct jit_page *) *ref = page_ref(j, p);
        struct jit_page *jp = ref ? atomic_load_explicit(ref, memory_order_acquire) : NULL;
        if (jp) {
            atomic_store_explicit(&jp->stale, true, memory_order_release);
            any = true;
        }
    }
    if (!any)
        return;
    atomic_store_explicit(&j->dma_pending, true, memory_order_release);
    /* The CPU thread drops stale pages before it enters code again. */
    for (unsigned i = 0; i < j->vm->nharts; i++)
        rv_attention(j->vm->harts[i]);
}
