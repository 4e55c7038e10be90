/*
 * The RV64 hart state and the helpers both execution engines share: CSRs, traps and interrupts,
 * address translation with software TLBs, slow-path memory access.
 *
 * Engines keep hot state (pc, instruction counts) in locals and write it back before calling
 * any helper here ("lazy pc"): every helper sees h->pc as the pc of the current instruction.
 */
#ifndef KVMU_CPU_RISCV_STATE_H
#define KVMU_CPU_RISCV_STATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/riscv/csr_defs.h"
#include "cpu/riscv/hart.h"

#define RV_PAGE_SHIFT 12
#define RV_PAGE_SIZE (1ull << RV_PAGE_SHIFT)
#define RV_PAGE_MASK (~(RV_PAGE_SIZE - 1))

/* Fetch TLB: code is compact. */
#define RV_TLB_BITS 8
#define RV_TLB_SIZE (1u << RV_TLB_BITS)
/* Data TLB: 8192 entries (32 MiB of 4K pages) per context, so sweeps over arrays of a few MiB
 * stay in it. Flushes clear only the entries filled since the last flush (logged), not the
 * whole array, unless more than RV_DTLB_LOG were filled. */
#define RV_DTLB_BITS 13
#define RV_DTLB_SIZE (1u << RV_DTLB_BITS)
#define RV_DTLB_LOG 1024
/* Never matches a masked address (those have bits 11..3 clear). */
#define RV_TLB_INVALID (~0ull)

/* Data TLB entry: hit iff tag == (vaddr & (RV_PAGE_MASK | (size - 1))), which also rejects
 * misaligned accesses; then host = vaddr + addend. Only RAM pages are ever entered. */
struct rv_tlb_entry {
    uint64_t tag;
    uintptr_t addend;
};

/* Fetch TLB entry: as above plus the engine's code page (decoded or translated) for the
 * guest physical page. */
struct rv_fetch_tlb_entry {
    uint64_t tag;
    uintptr_t addend;
    void *code;
    uint64_t gpa; /* physical page */
};

/* Data-access contexts, so privilege changes and SUM toggles need no flush. */
enum { RV_DCTX_U, RV_DCTX_S, RV_DCTX_S_SUM, RV_DCTX_M, RV_DCTX_COUNT };
enum { RV_XCTX_U, RV_XCTX_S, RV_XCTX_M, RV_XCTX_COUNT };

enum rv_access { RV_ACC_READ = 0, RV_ACC_WRITE = 1, RV_ACC_FETCH = 2 };

/* What an engine provides to the shared slow paths. */
struct rv_engine_hooks {
    /* A store will write guest-physical page gpa (page aligned). If the engine holds code
     * for that page it must drop it; afterwards the page may be entered into write TLBs. */
    void (*store_to_page)(void *opaque, uint64_t gpa);
    void *opaque;
};

#define RV_PMP_COUNT 16
#define RV_SUPER_LOG 16

struct rv_hart {
    /* x[32] is a write sink: engines may redirect writes to x0 there. */
    uint64_t x[33];
    uint64_t f[32];
    uint64_t pc;
    unsigned priv;

    /* Memory contexts currently selected (recomputed by rv_update_mode()). */
    struct rv_tlb_entry *tlb_r, *tlb_w;
    struct rv_fetch_tlb_entry *tlb_x;

    /* Set from any thread when the engine must leave its fast loop: interrupt level changes,
     * kick, code invalidation. */
    _Atomic unsigned attention;
    /* mip bits driven by devices (MSIP, MTIP, SEIP, MEIP). */
    _Atomic uint64_t mip_hw;
    /* mip bits written by software (SSIP, STIP, SEIP). */
    uint64_t mip_sw;

    uint64_t mstatus;
    uint32_t fflags, frm;
    uint64_t misa;
    uint64_t medeleg, mideleg, mie;
    uint64_t mtvec, mscratch, mepc, mcause, mtval;
    uint64_t stvec, sscratch, sepc, scause, stval;
    uint64_t satp;
    uint32_t mcounteren, scounteren, mcountinhibit;
    uint64_t menvcfg, senvcfg, mseccfg;
    uint64_t pmpcfg[2]; /* pmpcfg0, pmpcfg2 */
    uint64_t pmpaddr[RV_PMP_COUNT];
    /* The active PMP entries as inclusive ranges, rebuilt on every PMP CSR write. */
    struct rv_pmp_rule {
        uint64_t lo, hi;
        uint8_t cfg;
    } pmp_rules[RV_PMP_COUNT];
    unsigned pmp_nrules;
    /* Retired instructions since reset (engines add per block); cycle counts the same. */
    uint64_t instret;
    int64_t minstret_delta, mcycle_delta;

    /* LR/SC reservation (virtual address; cleared on hart switch and traps). */
    uint64_t lr_addr;
    bool lr_valid;
    bool wfi; /* idling in WFI */

    /* Exception raised by a helper (valid when it returned failure). */
    uint64_t exc_cause, exc_tval;

    unsigned hartid;
    struct vm *vm;
    const struct rv_engine_hooks *hooks;
    void *engine; /* engine-private per-hart state */

    /* Virtual ranges of the superpages behind S/U TLB entries since the last full flush, so
     * SFENCE.VMA of one address can tell whether a 4K entry flush is enough. */
    struct {
        uint64_t lo, hi;
    } super_ranges[RV_SUPER_LOG];
    unsigned nsuper;
    bool super_overflow;

    /* Not architectural from here on (the JIT's checker copies only what is above). */
    unsigned dctx; /* the data context tlb_r / tlb_w point into */
    /* Per data context: fills since its last flush (more than RV_DTLB_LOG: the log overflowed,
     * flush everything) and the indices filled. */
    unsigned tlb_nfill[RV_DCTX_COUNT];
    uint16_t tlb_fill_log[RV_DCTX_COUNT][RV_DTLB_LOG];
    struct rv_tlb_entry tlb_data[RV_DCTX_COUNT][2][RV_DTLB_SIZE];
    struct rv_fetch_tlb_entry tlb_fetch[RV_XCTX_COUNT][RV_TLB_SIZE];
};

/* Fetch TLB index. */
static inline unsigned rv_fetch_tlb_index(uint64_t vaddr)
{
    return (unsigned)(vaddr >> RV_PAGE_SHIFT) & (RV_TLB_SIZE - 1);
}

/* Data TLB index. */
static inline unsigned rv_dtlb_index(uint64_t vaddr)
{
    return (unsigned)(vaddr >> RV_PAGE_SHIFT) & (RV_DTLB_SIZE - 1);
}

static inline uint64_t rv_mip(const struct rv_hart *h)
{
    return atomic_load_explicit(&h->mip_hw, memory_order_relaxed) | h->mip_sw;
}

static inline unsigned rv_fs(const struct rv_hart *h)
{
    return (unsigned)(h->mstatus >> MSTATUS_FS_SHIFT) & 3;
}

static inline void rv_set_fs_dirty(struct rv_hart *h)
{
    h->mstatus |= MSTATUS_FS | MSTATUS_SD;
}

static inline void rv_attention(struct rv_hart *h)
{
    atomic_store_explicit(&h->attention, 1, memory_order_release);
}

/* csr.c. Return 0, or -1 with h->exc_cause/exc_tval set (illegal instruction). */
int rv_csr_read(struct rv_hart *h, unsigned csr, uint64_t *val);
int rv_csr_write(struct rv_hart *h, unsigned csr, uint64_t val);
uint64_t rv_time(const struct rv_hart *h);

/* The value CSRRS/CSRRC modify, given what the read returned. For mip it differs: only the
 * software-writable SEIP bit takes part in the read-modify-write, not the PLIC's line
 * (privileged spec 3.1.9); otherwise one csrc of STIP would latch SEIP forever. */
static inline uint64_t rv_csr_rmw_base(const struct rv_hart *h, unsigned csr, uint64_t read)
{
    if (csr == CSR_MIP)
        return (read & ~MIP_SEIP) | (h->mip_sw & MIP_SEIP);
    return read;
}

/* trap.c */
/* Enter the trap handler for cause at epc (h->pc is set to the handler). */
void rv_trap_take(struct rv_hart *h, uint64_t cause, uint64_t tval, uint64_t epc);
/* Highest-priority interrupt that is pending and enabled now, or 0 (returns cause|INTERRUPT). */
uint64_t rv_interrupt_pending(const struct rv_hart *h);
/* MRET/SRET: return 0, or -1 if illegal here (exc set). h->pc becomes the return address. */
int rv_mret(struct rv_hart *h);
int rv_sret(struct rv_hart *h);
/* Select TLB contexts after priv/mstatus changes. */
void rv_update_mode(struct rv_hart *h);
/* Set mstatus (full value, already legalized) and flush what needs flushing. */
void rv_set_mstatus(struct rv_hart *h, uint64_t val);
void rv_set_priv(struct rv_hart *h, unsigned priv);

/* mmu.c */
/* Translate vaddr for access; returns 0 and *gpa, or -1 with the exception set. */
int rv_translate(struct rv_hart *h, uint64_t vaddr, enum rv_access acc, uint64_t *gpa);
/* Slow-path accesses: any size 1/2/4/8, any alignment (misaligned accesses are performed
 * in place, byte by byte across a page boundary), RAM or MMIO. Fill the TLB on RAM hits.
 * Return 0 or -1 with the exception set. */
int rv_load_slow(struct rv_hart *h, uint64_t vaddr, unsigned size, uint64_t *val);
int rv_store_slow(struct rv_hart *h, uint64_t vaddr, unsigned size, uint64_t val);
/* Host pointer for an aligned atomic access of size at vaddr (RAM only, write permission
 * checked); NULL with the exception set otherwise. */
void *rv_amo_ptr(struct rv_hart *h, uint64_t vaddr, unsigned size, enum rv_access acc);
/* Fetch-translate pc's page: on success fills *host_page (NULL if not RAM -> access fault is
 * set and -1 returned) and *gpa_page. */
int rv_fetch_page(struct rv_hart *h, uint64_t pc, uint8_t **host_page, uint64_t *gpa_page);
/* Raw instruction bits at pc (for mtval and tracing); 0 if unreadable. */
uint32_t rv_fetch_raw(struct rv_hart *h, uint64_t pc);
void rv_tlb_flush(struct rv_hart *h);
/* SFENCE.VMA with an address: drop the S/U translations of va's page. */
void rv_tlb_flush_page(struct rv_hart *h, uint64_t va);
/* pmp.c: rebuild pmp_rules after a PMP CSR write or reset. */
void rv_pmp_update(struct rv_hart *h);
/* May an access by priv touch [gpa, gpa + len)? */
bool rv_pmp_check(const struct rv_hart *h, uint64_t gpa, uint64_t len, enum rv_access acc,
                  unsigned priv);
void rv_tlb_flush_all(struct rv_hart *h);
/* Invalidate every entry of every TLB, whatever the fill logs say (fresh or copied harts). */
void rv_tlb_reset(struct rv_hart *h);
/* Drop write-TLB entries whose host page is host_page (it now holds code). */
void rv_tlb_drop_write_host(struct rv_hart *h, const uint8_t *host_page);

#endif
