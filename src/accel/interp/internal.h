/*
 * Interpreter internals: the pre-decoded code cache and the execution loop.
 *
 * Code is cached per guest *physical* page: one decoded slot per 2-byte offset, decoded lazily
 * on first execution, so the same page mapped at several virtual addresses is decoded once and
 * a store through any mapping invalidates it. A page holding decoded code is kept out of every
 * write TLB, so the first store to it takes the slow path, which drops the decoded slots.
 */
#ifndef KVMU_ACCEL_INTERP_INTERNAL_H
#define KVMU_ACCEL_INTERP_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/memory.h"
#include "cpu/riscv/decode.h"
#include "cpu/riscv/state.h"

#define CODE_SLOTS (RV_PAGE_SIZE / 2)

/* Slot ops (indices into the handler table) are rv_op + 1, after "not decoded yet". */
enum {
    SLOT_DECODE = 0,
    SLOT_PAGE_END = RV_OP_COUNT + 1, /* sentinel after the last slot: continue on next page */
    /* Branches and JAL whose target is on the same page: imm * 8 is the slot-pointer delta. */
    SLOT_BEQ_LOCAL,
    SLOT_BNE_LOCAL,
    SLOT_BLT_LOCAL,
    SLOT_BGE_LOCAL,
    SLOT_BLTU_LOCAL,
    SLOT_BGEU_LOCAL,
    SLOT_JAL_LOCAL,
    SLOT_OP_COUNT,
};

/*
 * A decoded instruction as the interpreter keeps it (direct threading): the address of its
 * handler in interp_exec() plus operands, 16 bytes so stepping to the next slot is one scaled
 * add (len * 8 bytes). FP operations that round keep rm | rs3 << 8 in imm (they have no
 * immediate).
 */
struct code_slot {
    const void *handler;
    int32_t imm;
    uint8_t rd, rs1, rs2, len;
};

struct code_page {
    /* One past the end holds the SLOT_PAGE_END sentinel, so straight-line code needs no
     * per-instruction page-boundary check. */
    struct code_slot slots[CODE_SLOTS + 1];
    uint8_t *host; /* the guest page's bytes */
    uint64_t gpa;
    bool has_code;      /* some slot decoded since the last invalidation */
    _Atomic bool stale; /* written by DMA; dropped by the CPU thread */
    struct code_page *next;
};

struct code_region {
    uint64_t gpa;
    uint64_t npages;
    _Atomic(struct code_page *) *pages;
};

struct interp {
    struct vm *vm;
    struct rv_engine_hooks hooks;
    struct code_region regions[GUEST_MEM_MAX_REGIONS];
    unsigned nregions;
    struct code_page *all_pages;
    _Atomic bool dma_pending;
    /* interp_exec()'s handler addresses, indexed by slot op. */
    const void *const *handlers;
    /* A cross-page instruction runs from here: slot 0 holds it, slot 2 exits to fetch. */
    struct code_slot tramp[4];
    unsigned fetch_fault_streak;
};

/* code_cache.c */
int code_cache_init(struct interp *it);
void code_cache_destroy(struct interp *it);
/* Code page for a RAM page (created on demand); NULL if out of memory. */
struct code_page *code_cache_get(struct interp *it, uint64_t gpa_page, uint8_t *host);
/* A slot of cp was decoded: if the page just became code, evict it from all write TLBs. */
void code_cache_mark_code(struct interp *it, struct code_page *cp);
void code_cache_invalidate(struct interp *it, struct code_page *cp);
/* Drop pages that DMA wrote. Called on the CPU thread. */
void code_cache_flush_dma(struct interp *it);
/* The rv_engine_hooks callback and the guest_mem dma_written callback. */
void code_cache_store_hook(void *opaque, uint64_t gpa_page);
void code_cache_dma_written(void *opaque, uint64_t gpa, uint64_t len);

/* exec.c: run h until it has retired about budget instructions, needs attention, or idles
 * in WFI. Returns instructions retired. With h == NULL only sets it->handlers. */
uint64_t interp_exec(struct interp *it, struct rv_hart *h, uint64_t budget);

#endif
