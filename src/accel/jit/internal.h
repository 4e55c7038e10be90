/*
 * JIT internals: translated code per guest physical page, the code buffer, the runtime context
 * the emitted code sees, and the helpers it calls.
 *
 * Emitted code runs with fixed host registers:
 *   rbx = hart + HART_BIAS (so x1..x31 are disp8 operands), rbp = struct jit,
 *   r15 = the virtual address of the guest page being executed;
 *   r8-r14 cache guest x registers within a block (regs.c).
 * Code is position-independent in the guest's virtual address space (every pc is r15 + offset),
 * so translations are keyed by guest *physical* page and offset only: a page mapped at several
 * addresses, or reached in another address space, is translated once. The privilege mode and
 * MMU context are not part of the key because nothing mode-dependent is baked into the code:
 * loads and stores go through the hart's current TLB pointers (h->tlb_r / tlb_w), and
 * instructions whose meaning depends on the mode run through helpers.
 *
 * A block enters through a check of the hart's attention flag and instruction budget, so
 * blocks chained directly to each other still stop promptly for interrupts and kicks.
 */
#ifndef KVMU_ACCEL_JIT_INTERNAL_H
#define KVMU_ACCEL_JIT_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel/jit/emit.h"
#include "core/memory.h"
#include "cpu/riscv/state.h"

#define JIT_ENTRIES (RV_PAGE_SIZE / 2)
#define HART_BIAS 128
/* Operand for a hart field / x register from emitted code. */
#define HART_FIELD(field) x86_mem(RBX, (int32_t)offsetof(struct rv_hart, field) - HART_BIAS)
#define HART_X(r) x86_mem(RBX, (int32_t)(8 * (r)) - HART_BIAS)
#define HART_F(r) x86_mem(RBX, (int32_t)(offsetof(struct rv_hart, f) + 8 * (r)) - HART_BIAS)
#define JIT_FIELD(field) x86_mem(RBP, (int32_t)offsetof(struct jit, field))

struct jit_page {
    /* Block entry per 2-byte offset: offset of its code in the code buffer, 0 if none. First,
     * so emitted lookups index it directly. */
    uint32_t entry[JIT_ENTRIES];
    uint8_t *host; /* the guest page's bytes */
    uint64_t gpa;
    bool has_code;
    _Atomic bool stale; /* written by DMA; dropped by the CPU thread */
    struct jit_page *next;
};

struct jit_region {
    uint64_t gpa;
    uint64_t npages;
    _Atomic(struct jit_page *) *pages;
};

/* One logged store of the checker: the guest bytes before and after the JIT ran the block. */
struct jit_store_log {
    uint8_t *host;
    unsigned size;
    uint64_t before, after;
};
#define JIT_STORE_LOG_MAX 256

struct interp;
struct tr;

struct jit {
    /* --- read and written by emitted code --- */
    uint64_t limit;       /* blocks exit at entry once h->instret reaches it */
    uint8_t *code_base;   /* entry offsets are relative to this */
    uint8_t *chain_site;  /* rel32 of the same-page exit that left last, to be patched */
    uint32_t mxcsr_guest; /* scratch for the FP code: MXCSR for the guest's rounding mode */
    uint32_t mxcsr_host;
    bool code_changed; /* set by the store hook: some translated code was dropped */
    /* Constants of the FP code, as memory operands (x86 has no 64-bit immediates in ALU ops). */
    uint64_t fp_box;       /* the NaN-boxing bits of a single in an f register */
    uint64_t fp_tiny_bias; /* added to |double| << 1: moves the smallest safe magnitude to 0 */
    uint64_t fp_safe_span; /* ... and below this (unsigned) the result is safe to use */
    uint64_t fp_inf2;      /* |double| << 1 below this: finite */

    /* checker: stores of the running block (only with check=interp) */
    bool check;
    bool check_mmio; /* the block touched MMIO: it cannot be re-run */
    unsigned nlog;
    struct jit_store_log log[JIT_STORE_LOG_MAX];

    /* --- C side --- */
    struct vm *vm;
    struct rv_engine_hooks hooks;
    struct interp *interp; /* runs what the translator leaves to it */
    struct jit_region regions[GUEST_MEM_MAX_REGIONS];
    unsigned nregions;
    struct jit_page *all_pages;
    _Atomic bool dma_pending;
    _Atomic unsigned long dma_seq; /* DMA writes notified so far (the checker watches it) */

    uint8_t *code; /* mmap'd RWX buffer */
    size_t code_size;
    uint8_t *code_free;    /* bump pointer */
    uint8_t *blocks_start; /* after the shared stubs */
    /* Shared stubs (in the code buffer). */
    void (*enter)(struct rv_hart *h, struct jit *j, const void *code, uint64_t vbase);
    uint8_t *stub_exit;   /* back to jit_enter's caller */
    uint8_t *stub_lookup; /* rax = target pc: jump to its block if translated, else exit */

    struct tr *tr; /* the translator's scratch state */
    unsigned fetch_fault_streak;
    uint64_t flushes, blocks;
    struct jit_checker *checker;
};

/* code.c: pages, the code buffer, invalidation */
int jit_code_init(struct jit *j, size_t code_size);
void jit_code_destroy(struct jit *j);
struct jit_page *jit_page_get(struct jit *j, uint64_t gpa_page, uint8_t *host);
void jit_page_mark_code(struct jit *j, struct jit_page *p);
void jit_page_invalidate(struct jit *j, struct jit_page *p);
void jit_code_flush(struct jit *j);
void jit_flush_dma(struct jit *j);
void jit_store_hook(void *opaque, uint64_t gpa_page);
void jit_dma_written(void *opaque, uint64_t gpa, uint64_t len);

/* translate.c: translate the block at offset `off` of page p. Returns its code, or NULL if the
 * code buffer is full (the caller flushes and retries). */
uint8_t *jit_translate(struct jit *j, struct jit_page *p, unsigned off);

/* exec.c */
/* Run h for about budget instructions (or until attention / WFI). */
void jit_exec(struct jit *j, struct rv_hart *h, uint64_t budget);

/* helpers.c: called from emitted code */
struct jit_load_ret {
    uint64_t val;
    uint64_t fault;
};
struct jit_load_ret jit_helper_load(struct rv_hart *h, uint64_t va, unsigned kind);
int jit_helper_store(struct rv_hart *h, uint64_t va, uint64_t val, unsigned size, uint64_t next_pc);
int jit_helper_step(struct rv_hart *h, uint32_t raw);
void jit_helper_log_store(struct jit *j, uint8_t *host, unsigned size);

/* Load kinds for jit_helper_load: size | JIT_LOAD_SIGNED. */
#define JIT_LOAD_SIGNED 0x10

/* check.c */
struct jit_checker;
int jit_check_init(struct jit *j);
void jit_check_destroy(struct jit *j);
/* Before / after the JIT ran one block on h. Returns false at a divergence (reported). */
void jit_check_before(struct jit *j, struct rv_hart *h);
bool jit_check_after(struct jit *j, struct rv_hart *h);

#endif
