/* Sv39/Sv48 address translation (privileged spec 1.12, 4.3-4.5), software TLBs and the slow
 * paths of guest memory access: MMIO dispatch, misaligned accesses, TLB refills. */
#include <string.h>

#include "core/vm.h"
#include "cpu/riscv/state.h"

#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK ((1ull << 44) - 1)
#define PTE_RESERVED_MASK (~((1ull << 54) - 1)) /* N, PBMT and reserved: not implemented */

static const uint64_t page_fault_cause[3] = {EXC_LOAD_PAGE_FAULT, EXC_STORE_PAGE_FAULT,
                                             EXC_INSN_PAGE_FAULT};
static const uint64_t access_fault_cause[3] = {EXC_LOAD_ACCESS, EXC_STORE_ACCESS, EXC_INSN_ACCESS};

static int fault(struct rv_hart *h, uint64_t cause, uint64_t tval)
{
    h->exc_cause = cause;
    h->exc_tval = tval;
    return -1;
}

static unsigned effective_priv(const struct rv_hart *h, enum rv_access acc)
{
    if (acc != RV_ACC_FETCH && h->priv == RV_PRIV_M && (h->mstatus & MSTATUS_MPRV))
        return (unsigned)(h->mstatus >> MSTATUS_MPP_SHIFT) & 3;
    return h->priv;
}

static bool leaf_allows(const struct rv_hart *h, uint64_t pte, enum rv_access acc, unsigned priv)
{
    if (priv == RV_PRIV_U && !(pte & PTE_U))
        return false;
    if (priv == RV_PRIV_S && (pte & PTE_U) && (acc == RV_ACC_FETCH || !(h->mstatus & MSTATUS_SUM)))
        return false;
    switch (acc) {
    case RV_ACC_FETCH:
        return (pte & PTE_X) != 0;
    case RV_ACC_WRITE:
        return (pte & PTE_W) != 0;
    default:
        return (pte & PTE_R) || ((h->mstatus & MSTATUS_MXR) && (pte & PTE_X));
    }
}

static void note_superpage(struct rv_hart *h, uint64_t va, unsigned level)
{
    uint64_t size = 1ull << (RV_PAGE_SHIFT + 9 * level);
    uint64_t lo = va & ~(size - 1);

    for (unsigned i = 0; i < h->nsuper; i++)
        if (h->super_ranges[i].lo == lo && h->super_ranges[i].hi == lo + size - 1)
            return;
    if (h->nsuper == RV_SUPER_LOG) {
        h->super_overflow = true;
        return;
    }
    h->super_ranges[h->nsuper].lo = lo;
    h->super_ranges[h->nsuper].hi = lo + size - 1;
    h->nsuper++;
}

int rv_translate(struct rv_hart *h, uint64_t va, enum rv_access acc, uint64_t *gpa)
{
    unsigned priv = effective_priv(h, acc);
    unsigned mode = (unsigned)(h->satp >> SATP_MODE_SHIFT);

    if (priv == RV_PRIV_M || mode == SATP_MODE_BARE) {
        *gpa = va;
        return 0;
    }
    int levels = mode == SATP_MODE_SV48 ? 4 : 3;
    unsigned va_bits = 12 + 9 * (unsigned)levels;
    /* Bits above the VA width must all equal its top bit. */
    if ((uint64_t)((int64_t)(va << (64 - va_bits)) >> (64 - va_bits)) != va)
        return fault(h, page_fault_cause[acc], va);

    uint64_t table = (h->satp & SATP_PPN_MASK) << RV_PAGE_SHIFT;
    for (int i = levels - 1; i >= 0; i--) {
        uint64_t pte_addr = table + ((va >> (12 + 9 * i)) & 0x1ff) * 8;
        uint64_t *ptep = guest_mem_ptr(&h->vm->mem, pte_addr, 8);
        /* Page-table accesses are S-mode reads for PMP (and writes when setting A/D). */
        if (!ptep || !rv_pmp_check(h, pte_addr, 8, RV_ACC_READ, RV_PRIV_S))
            return fault(h, access_fault_cause[acc], va);
        uint64_t pte = __atomic_load_n(ptep, __ATOMIC_RELAXED);

        if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) || (pte & PTE_RESERVED_MASK))
            return fault(h, page_fault_cause[acc], va);
        uint64_t ppn = (pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK;
        if (!(pte & (PTE_R | PTE_X))) {
            /* Non-leaf entries must have D, A and U clear. */
            if (pte & (PTE_D | PTE_A | PTE_U))
                return fault(h, page_fault_cause[acc], va);
            table = ppn << RV_PAGE_SHIFT;
            continue;
        }
        if (!leaf_allows(h, pte, acc, priv))
            return fault(h, page_fault_cause[acc], va);
        uint64_t super_mask = (1ull << (9 * i)) - 1;
        if (ppn & super_mask) /* misaligned superpage */
            return fault(h, page_fault_cause[acc], va);
        /* The walker sets A (and D on writes) itself, atomically so a concurrent DMA into
         * the same page table cannot be lost. */
        uint64_t want = PTE_A | (acc == RV_ACC_WRITE ? PTE_D : 0);
        if ((pte & want) != want)
            __atomic_fetch_or(ptep, want, __ATOMIC_RELAXED);
        if (i > 0)
            note_superpage(h, va, (unsigned)i);
        *gpa = ((ppn | ((va >> 12) & super_mask)) << RV_PAGE_SHIFT) | (va & (RV_PAGE_SIZE - 1));
        return 0;
    }
    return fault(h, page_fault_cause[acc], va);
}

/* Entries of data context d that may be valid: the logged indices, or all after an overflow. */
static void flush_ctx(struct rv_hart *h, unsigned d)
{
    unsigned n = h->tlb_nfill[d];

    if (n == 0)
        return;
    if (n <= RV_DTLB_LOG) {
        for (unsigned k = 0; k < n; k++) {
            unsigned i = h->tlb_fill_log[d][k];
            h->tlb_data[d][0][i].tag = RV_TLB_INVALID;
            h->tlb_data[d][1][i].tag = RV_TLB_INVALID;
        }
    } else {
        for (unsigned rw = 0; rw < 2; rw++)
            for (unsigned i = 0; i < RV_DTLB_SIZE; i++)
                h->tlb_data[d][rw][i].tag = RV_TLB_INVALID;
    }
    h->tlb_nfill[d] = 0;
}

static void flush_fetch(struct rv_hart *h, unsigned x)
{
    for (unsigned i = 0; i < RV_TLB_SIZE; i++)
        h->tlb_fetch[x][i].tag = RV_TLB_INVALID;
}

void rv_tlb_flush(struct rv_hart *h)
{
    /* Machine mode never translates, so only the S and U contexts hold translations. */
    flush_ctx(h, RV_DCTX_U);
    flush_ctx(h, RV_DCTX_S);
    flush_ctx(h, RV_DCTX_S_SUM);
    flush_fetch(h, RV_XCTX_U);
    flush_fetch(h, RV_XCTX_S);
    h->nsuper = 0;
    h->super_overflow = false;
}

void rv_tlb_flush_page(struct rv_hart *h, uint64_t va)
{
    static const unsigned dctx[] = {RV_DCTX_U, RV_DCTX_S, RV_DCTX_S_SUM};
    uint64_t tag = va & RV_PAGE_MASK;
    unsigned idx = rv_fetch_tlb_index(va), didx = rv_dtlb_index(va);

    /* Our entries are 4K slices: if va lies in a superpage we cached, its other slices could
     * be stale too, so fall back to a full flush. */
    if (h->super_overflow) {
        rv_tlb_flush(h);
        return;
    }
    for (unsigned i = 0; i < h->nsuper; i++) {
        if (va >= h->super_ranges[i].lo && va <= h->super_ranges[i].hi) {
            rv_tlb_flush(h);
            return;
        }
    }
    for (unsigned d = 0; d < sizeof(dctx) / sizeof(dctx[0]); d++)
        for (unsigned rw = 0; rw < 2; rw++)
            if (h->tlb_data[dctx[d]][rw][didx].tag == tag)
                h->tlb_data[dctx[d]][rw][didx].tag = RV_TLB_INVALID;
    for (unsigned x = RV_XCTX_U; x <= RV_XCTX_S; x++)
        if (h->tlb_fetch[x][idx].tag == tag)
            h->tlb_fetch[x][idx].tag = RV_TLB_INVALID;
}

void rv_tlb_flush_all(struct rv_hart *h)
{
    for (unsigned d = 0; d < RV_DCTX_COUNT; d++)
        flush_ctx(h, d);
    for (unsigned x = 0; x < RV_XCTX_COUNT; x++)
        flush_fetch(h, x);
}

void rv_tlb_reset(struct rv_hart *h)
{
    for (unsigned d = 0; d < RV_DCTX_COUNT; d++)
        h->tlb_nfill[d] = RV_DTLB_LOG + 1;
    rv_tlb_flush_all(h);
}

static void drop_write_entry(struct rv_tlb_entry *e, const uint8_t *host_page)
{
    if (e->tag != RV_TLB_INVALID && (const uint8_t *)(e->tag + e->addend) == host_page)
        e->tag = RV_TLB_INVALID;
}

void rv_tlb_drop_write_host(struct rv_hart *h, const uint8_t *host_page)
{
    for (unsigned d = 0; d < RV_DCTX_COUNT; d++) {
        struct rv_tlb_entry *t = h->tlb_data[d][1];
        unsigned n = h->tlb_nfill[d];
        if (n <= RV_DTLB_LOG) {
            for (unsigned k = 0; k < n; k++)
                drop_write_entry(&t[h->tlb_fill_log[d][k]], host_page);
        } else {
            for (unsigned i = 0; i < RV_DTLB_SIZE; i++)
                drop_write_entry(&t[i], host_page);
        }
    }
}

/* Host pointer of the RAM page holding gpa, or NULL for MMIO / unassigned. */
static uint8_t *ram_page(struct rv_hart *h, uint64_t gpa)
{
    return guest_mem_ptr(&h->vm->mem, gpa & RV_PAGE_MASK, RV_PAGE_SIZE);
}

/*
 * PMP gate for an access that translated to gpa: returns -1 (access fault set) if denied.
 * *cacheable says whether the whole page has the same verdict, so a TLB entry may cover it.
 */
static int pmp_gate(struct rv_hart *h, uint64_t va, uint64_t gpa, unsigned size, enum rv_access acc,
                    bool *cacheable)
{
    unsigned priv = effective_priv(h, acc);

    if (rv_pmp_check(h, gpa & RV_PAGE_MASK, RV_PAGE_SIZE, acc, priv)) {
        *cacheable = true;
        return 0;
    }
    *cacheable = false;
    if (rv_pmp_check(h, gpa, size, acc, priv))
        return 0;
    return fault(h, access_fault_cause[acc], va);
}

/* Enter va's page into the current data context's read (rw 0) or write (rw 1) TLB. */
static void tlb_fill(struct rv_hart *h, unsigned rw, uint64_t va, uint8_t *host_page)
{
    unsigned d = h->dctx, i = rv_dtlb_index(va), n = h->tlb_nfill[d];
    struct rv_tlb_entry *e = &h->tlb_data[d][rw][i];

    e->tag = va & RV_PAGE_MASK;
    e->addend = (uintptr_t)host_page - (uintptr_t)(va & RV_PAGE_MASK);
    if (n < RV_DTLB_LOG)
        h->tlb_fill_log[d][n] = (uint16_t)i;
    if (n <= RV_DTLB_LOG)
        h->tlb_nfill[d] = n + 1;
}

static uint64_t load_host(const uint8_t *p, unsigned size)
{
    switch (size) {
    case 1:
        return *p;
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    default: {
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    }
}

static void store_host(uint8_t *p, unsigned size, uint64_t val)
{
    switch (size) {
    case 1:
        *p = (uint8_t)val;
        break;
    case 2: {
        uint16_t v = (uint16_t)val;
        memcpy(p, &v, 2);
        break;
    }
    case 4: {
        uint32_t v = (uint32_t)val;
        memcpy(p, &v, 4);
        break;
    }
    default:
        memcpy(p, &val, 8);
        break;
    }
}

int rv_load_slow(struct rv_hart *h, uint64_t va, unsigned size, uint64_t *val)
{
    if (va & (size - 1)) {
        /* Misaligned: performed in place, one byte at a time (not atomic, as allowed). */
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++) {
            uint64_t b;
            if (rv_load_slow(h, va + i, 1, &b) < 0)
                return -1;
            v |= b << (8 * i);
        }
        *val = v;
        return 0;
    }
    uint64_t gpa;
    if (rv_translate(h, va, RV_ACC_READ, &gpa) < 0)
        return -1;
    bool cacheable;
    if (pmp_gate(h, va, gpa, size, RV_ACC_READ, &cacheable) < 0)
        return -1;
    uint8_t *page = ram_page(h, gpa);
    if (page) {
        if (cacheable)
            tlb_fill(h, 0, va, page);
        *val = load_host(page + (gpa & (RV_PAGE_SIZE - 1)), size);
        return 0;
    }
    if (!addr_map_read(&h->vm->mmio, gpa, size, val))
        return fault(h, EXC_LOAD_ACCESS, va);
    return 0;
}

int rv_store_slow(struct rv_hart *h, uint64_t va, unsigned size, uint64_t val)
{
    if (va & (size - 1)) {
        /* Check every byte first so a fault leaves memory unmodified when it can. */
        uint64_t gpa;
        if (rv_translate(h, va, RV_ACC_WRITE, &gpa) < 0 ||
            rv_translate(h, va + size - 1, RV_ACC_WRITE, &gpa) < 0)
            return -1;
        for (unsigned i = 0; i < size; i++)
            if (rv_store_slow(h, va + i, 1, val >> (8 * i)) < 0)
                return -1;
        return 0;
    }
    uint64_t gpa;
    if (rv_translate(h, va, RV_ACC_WRITE, &gpa) < 0)
        return -1;
    bool cacheable;
    if (pmp_gate(h, va, gpa, size, RV_ACC_WRITE, &cacheable) < 0)
        return -1;
    uint8_t *page = ram_page(h, gpa);
    if (page) {
        if (h->hooks)
            h->hooks->store_to_page(h->hooks->opaque, gpa & RV_PAGE_MASK);
        if (cacheable)
            tlb_fill(h, 1, va, page);
        store_host(page + (gpa & (RV_PAGE_SIZE - 1)), size, val);
        return 0;
    }
    if (!addr_map_write(&h->vm->mmio, gpa, size, val))
        return fault(h, EXC_STORE_ACCESS, va);
    return 0;
}

void *rv_amo_ptr(struct rv_hart *h, uint64_t va, unsigned size, enum rv_access acc)
{
    uint64_t gpa;

    if (va & (size - 1)) {
        fault(h, acc == RV_ACC_READ ? EXC_LOAD_MISALIGNED : EXC_STORE_MISALIGNED, va);
        return NULL;
    }
    if (rv_translate(h, va, acc, &gpa) < 0)
        return NULL;
    bool cacheable;
    if (pmp_gate(h, va, gpa, size, acc, &cacheable) < 0)
        return NULL;
    uint8_t *page = ram_page(h, gpa);
    if (!page) {
        fault(h, acc == RV_ACC_READ ? EXC_LOAD_ACCESS : EXC_STORE_ACCESS, va);
        return NULL;
    }
    if (acc == RV_ACC_WRITE) {
        if (h->hooks)
            h->hooks->store_to_page(h->hooks->opaque, gpa & RV_PAGE_MASK);
        if (cacheable)
            tlb_fill(h, 1, va, page);
    } else if (cacheable) {
        tlb_fill(h, 0, va, page);
    }
    return page + (gpa & (RV_PAGE_SIZE - 1));
}

int rv_fetch_page(struct rv_hart *h, uint64_t pc, uint8_t **host_page, uint64_t *gpa_page)
{
    uint64_t gpa;

    bool cacheable;
    if (rv_translate(h, pc, RV_ACC_FETCH, &gpa) < 0)
        return -1;
    /* Fetch entries always cover a page; a PMP boundary inside a code page is checked at the
     * first instruction fetched from it only (a documented simplification). */
    if (pmp_gate(h, pc, gpa, 2, RV_ACC_FETCH, &cacheable) < 0)
        return -1;
    uint8_t *page = ram_page(h, gpa);
    if (!page)
        return fault(h, EXC_INSN_ACCESS, pc);
    *host_page = page;
    *gpa_page = gpa & RV_PAGE_MASK;
    return 0;
}

static int fetch_half(struct rv_hart *h, uint64_t pc, uint16_t *half)
{
    uint8_t *page;
    uint64_t gpa;

    if (rv_fetch_page(h, pc, &page, &gpa) < 0)
        return -1;
    memcpy(half, page + (pc & (RV_PAGE_SIZE - 1)), 2);
    return 0;
}

uint32_t rv_fetch_raw(struct rv_hart *h, uint64_t pc)
{
    uint64_t cause = h->exc_cause, tval = h->exc_tval;
    uint16_t lo, hi = 0;
    uint32_t raw = 0;

    if (fetch_half(h, pc, &lo) == 0) {
        raw = lo;
        if ((lo & 3) == 3 && fetch_half(h, pc + 2, &hi) == 0)
            raw |= (uint32_t)hi << 16;
    }
    /* Only a probe: must not clobber an exception being reported. */
    h->exc_cause = cause;
    h->exc_tval = tval;
    return raw;
}
