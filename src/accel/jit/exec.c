/*
 * The dispatcher: find (or translate) the block for h->pc, enter it, and handle what blocks
 * leave to C: fetch faults and TLB refills, instructions straddling two pages, interrupts,
 * patching same-page exits into direct jumps, a full code buffer.
 */
#include <errno.h>
#include <string.h>

#include "accel/interp/interp.h"
#include "accel/jit/internal.h"
#include "core/log.h"
#include "core/vm.h"

static void fatal(struct jit *j, struct rv_hart *h, const char *why)
{
    fprintf(stderr, "kvmu: fatal: %s\n", why);
    rv_hart_dump(h, stderr);
    vm_request_panic(j->vm);
}

/* Returns the fetch TLB entry for pc, or NULL with a fetch fault taken (or a fatal error). */
static struct rv_fetch_tlb_entry *fetch_entry(struct jit *j, struct rv_hart *h, uint64_t pc)
{
    struct rv_fetch_tlb_entry *e = &h->tlb_x[rv_fetch_tlb_index(pc)];
    uint8_t *host;
    uint64_t gpa;

    if (e->tag == (pc & RV_PAGE_MASK))
        return e;
    if (rv_fetch_page(h, pc, &host, &gpa) < 0) {
        /* A handler that cannot even be fetched traps again forever: that is fatal. */
        if (++j->fetch_fault_streak > 64) {
            fatal(j, h, "trap loop: the trap handler's fetch faults");
            return NULL;
        }
        rv_trap_take(h, h->exc_cause, h->exc_tval, h->pc);
        return NULL;
    }
    j->fetch_fault_streak = 0;
    struct jit_page *p = jit_page_get(j, gpa, host);
    if (!p) {
        fatal(j, h, "out of memory for the translated-code pages");
        return NULL;
    }
    e->tag = pc & RV_PAGE_MASK;
    e->addend = (uintptr_t)host - (uintptr_t)(pc & RV_PAGE_MASK);
    e->code = p;
    e->gpa = gpa;
    return e;
}

/* A 32-bit instruction in the last two bytes of a page: never cached (the next page may be
 * remapped any time); the interpreter runs it. */
static void step_straddling(struct jit *j, struct rv_hart *h, const uint8_t *host_page)
{
    uint16_t lo, hi;
    uint8_t *host2;
    uint64_t gpa2;

    memcpy(&lo, host_page + RV_PAGE_SIZE - 2, 2);
    if (rv_fetch_page(h, h->pc + 2, &host2, &gpa2) < 0) {
        rv_trap_take(h, h->exc_cause, h->exc_tval, h->pc);
        return;
    }
    memcpy(&hi, host2, 2);
    interp_step(j->interp, h, lo | (uint32_t)hi << 16);
}

static uint8_t *block_for(struct jit *j, struct jit_page *p, unsigned off)
{
    if (p->entry[off >> 1])
        return j->code_base + p->entry[off >> 1];
    uint8_t *code = jit_translate(j, p, off);
    if (!code) {
        /* The code buffer is full: start over (nothing of it is running now). */
        jit_code_flush(j);
        code = jit_translate(j, p, off);
        if (!code)
            return NULL;
    }
    jit_page_mark_code(j, p);
    p->entry[off >> 1] = (uint32_t)(code - j->code_base);
    return code;
}

void jit_exec(struct jit *j, struct rv_hart *h, uint64_t budget)
{
    const uint64_t end = h->instret + budget;

    j->limit = end;
    j->chain_site = NULL;
    while (!atomic_load_explicit(&h->attention, memory_order_relaxed) && !h->wfi &&
           h->instret < end) {
        if (atomic_load_explicit(&j->dma_pending, memory_order_relaxed))
            jit_flush_dma(j);
        uint64_t cause = rv_interrupt_pending(h);
        if (cause) {
            rv_trap_take(h, cause, 0, h->pc);
            j->chain_site = NULL;
        }

        uint64_t pc = h->pc;
        struct rv_fetch_tlb_entry *e = fetch_entry(j, h, pc);
        if (!e) {
            j->chain_site = NULL;
            if (atomic_load(&j->vm->request) != VM_RUN)
                return;
            continue;
        }
        struct jit_page *p = e->code;
        unsigned off = (unsigned)(pc & (RV_PAGE_SIZE - 1));
        if (off == RV_PAGE_SIZE - 2 && (p->host[off] & 3) == 3) {
            j->chain_site = NULL;
            step_straddling(j, h, p->host);
            continue;
        }
        uint8_t *code = block_for(j, p, off);
        if (!code) {
            fatal(j, h, "a block does not fit in the JIT code buffer");
            return;
        }
        /* The exit that brought us here jumped within its page: link it to this block. */
        if (j->chain_site) {
            emit_patch_rel32(j->chain_site, code);
            j->chain_site = NULL;
        }
        if (j->check)
            jit_check_before(j, h);
        j->enter(h, j, code, pc & RV_PAGE_MASK);
        if (j->check) {
            j->chain_site = NULL; /* each block returns, so every one is checked */
            j->limit = end;
            if (!jit_check_after(j, h)) {
                vm_request_panic(j->vm);
                return;
            }
        }
    }
}
