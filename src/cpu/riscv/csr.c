/* CSR access (privileged spec 1.12 ch. 2-4; unprivileged Zicsr, Zicntr, F fcsr). Registers
 * that are not implemented raise illegal-instruction, which is how OpenSBI and Linux probe. */
#include "core/clock.h"
#include "core/vm.h"
#include "cpu/riscv/state.h"

/* mstatus bits M-mode may write; UXL/SXL are fixed at 64 bits and SD is derived. */
#define MSTATUS_WMASK                                                                              \
    (MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP | MSTATUS_MPP |         \
     MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW |            \
     MSTATUS_TSR)
#define SSTATUS_WMASK                                                                              \
    (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM | MSTATUS_MXR)

#define PMP_L 0x80u
#define PMP_A_TOR 0x08u
#define PMP_A_MASK 0x18u
#define PMPADDR_MASK ((1ull << 54) - 1)

uint64_t rv_time(const struct rv_hart *h)
{
    return guest_clock_ticks(&h->vm->clock); /* mtime, guest writes to it included */
}

static int illegal(struct rv_hart *h)
{
    h->exc_cause = EXC_ILLEGAL_INSN;
    h->exc_tval = rv_fetch_raw(h, h->pc);
    return -1;
}

/* Zicntr gating: mcounteren for S/U, then scounteren for U (privileged spec 3.1.11). */
static bool counter_allowed(const struct rv_hart *h, unsigned idx)
{
    if (h->priv < RV_PRIV_M && !((h->mcounteren >> idx) & 1))
        return false;
    if (h->priv < RV_PRIV_S && !((h->scounteren >> idx) & 1))
        return false;
    return true;
}

static uint8_t pmpcfg_byte(const struct rv_hart *h, unsigned i)
{
    return (uint8_t)(h->pmpcfg[i / 8] >> (8 * (i % 8)));
}

int rv_csr_read(struct rv_hart *h, unsigned csr, uint64_t *val)
{
    if (h->priv < ((csr >> 8) & 3))
        return illegal(h);
    switch (csr) {
    case CSR_FFLAGS:
    case CSR_FRM:
    case CSR_FCSR:
        if (rv_fs(h) == FS_OFF)
            return illegal(h);
        *val = csr == CSR_FFLAGS ? h->fflags : csr == CSR_FRM ? h->frm : (h->frm << 5) | h->fflags;
        return 0;
    case CSR_CYCLE:
    case CSR_TIME:
    case CSR_INSTRET:
        if (!counter_allowed(h, csr - CSR_CYCLE))
            return illegal(h);
        *val = csr == CSR_TIME    ? rv_time(h)
               : csr == CSR_CYCLE ? h->instret + (uint64_t)h->mcycle_delta
                                  : h->instret + (uint64_t)h->minstret_delta;
        return 0;
    case CSR_SSTATUS:
        *val = h->mstatus & SSTATUS_MASK;
        return 0;
    case CSR_SIE:
        *val = h->mie & h->mideleg;
        return 0;
    case CSR_SIP:
        *val = rv_mip(h) & h->mideleg;
        return 0;
    case CSR_STVEC:
        *val = h->stvec;
        return 0;
    case CSR_SCOUNTEREN:
        *val = h->scounteren;
        return 0;
    case CSR_SENVCFG:
        *val = h->senvcfg;
        return 0;
    case CSR_SSCRATCH:
        *val = h->sscratch;
        return 0;
    case CSR_SEPC:
        *val = h->sepc;
        return 0;
    case CSR_SCAUSE:
        *val = h->scause;
        return 0;
    case CSR_STVAL:
        *val = h->stval;
        return 0;
    case CSR_SATP:
        if (h->priv == RV_PRIV_S && (h->mstatus & MSTATUS_TVM))
            return illegal(h);
        *val = h->satp;
        return 0;
    case CSR_MVENDORID:
    case CSR_MARCHID:
    case CSR_MIMPID:
    case CSR_MCONFIGPTR:
        *val = 0;
        return 0;
    case CSR_MHARTID:
        *val = h->hartid;
        return 0;
    case CSR_MSTATUS:
        *val = h->mstatus;
        return 0;
    case CSR_MISA:
        *val = h->misa;
        return 0;
    case CSR_MEDELEG:
        *val = h->medeleg;
        return 0;
    case CSR_MIDELEG:
        *val = h->mideleg;
        return 0;
    case CSR_MIE:
        *val = h->mie;
        return 0;
    case CSR_MIP:
        *val = rv_mip(h);
        return 0;
    case CSR_MTVEC:
        *val = h->mtvec;
        return 0;
    case CSR_MCOUNTEREN:
        *val = h->mcounteren;
        return 0;
    case CSR_MENVCFG:
        *val = h->menvcfg;
        return 0;
    case CSR_MCOUNTINHIBIT:
        *val = h->mcountinhibit;
        return 0;
    case CSR_MSCRATCH:
        *val = h->mscratch;
        return 0;
    case CSR_MEPC:
        *val = h->mepc;
        return 0;
    case CSR_MCAUSE:
        *val = h->mcause;
        return 0;
    case CSR_MTVAL:
        *val = h->mtval;
        return 0;
    case CSR_MCYCLE:
        *val = h->instret + (uint64_t)h->mcycle_delta;
        return 0;
    case CSR_MINSTRET:
        *val = h->instret + (uint64_t)h->minstret_delta;
        return 0;
    default:
        break;
    }
    if (csr >= CSR_HPMCOUNTER3 && csr <= CSR_HPMCOUNTER31) {
        if (!counter_allowed(h, csr - CSR_CYCLE))
            return illegal(h);
        *val = 0;
        return 0;
    }
    if ((csr >= CSR_MHPMCOUNTER3 && csr <= CSR_MHPMCOUNTER31) ||
        (csr >= CSR_MHPMEVENT3 && csr <= CSR_MHPMEVENT31)) {
        *val = 0;
        return 0;
    }
    if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15) {
        /* RV64 has only the even pmpcfg registers. */
        if (csr & 1)
            return illegal(h);
        unsigned n = csr - CSR_PMPCFG0;
        *val = n < 4 ? h->pmpcfg[n / 2] : 0;
        return 0;
    }
    if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) {
        unsigned n = csr - CSR_PMPADDR0;
        *val = n < RV_PMP_COUNT ? h->pmpaddr[n] : 0;
        return 0;
    }
    return illegal(h);
}

static void write_pmpcfg(struct rv_hart *h, unsigned reg, uint64_t val)
{
    uint64_t cur = h->pmpcfg[reg];

    for (unsigned b = 0; b < 8; b++) {
        uint8_t old = (uint8_t)(cur >> (8 * b));
        uint8_t nb = (uint8_t)(val >> (8 * b)) & 0x9f; /* bits 6:5 are reserved, read 0 */
        if (old & PMP_L)
            continue;
        /* R=0 W=1 is reserved: keep such writes from taking effect. */
        if ((nb & 3) == 2)
            nb = old;
        cur = (cur & ~(0xffull << (8 * b))) | ((uint64_t)nb << (8 * b));
    }
    h->pmpcfg[reg] = cur;
    rv_pmp_update(h);
    rv_tlb_flush_all(h);
}

static void write_pmpaddr(struct rv_hart *h, unsigned n, uint64_t val)
{
    if (pmpcfg_byte(h, n) & PMP_L)
        return;
    /* A locked TOR entry also locks the address register below it. */
    if (n + 1 < RV_PMP_COUNT) {
        uint8_t next = pmpcfg_byte(h, n + 1);
        if ((next & PMP_L) && (next & PMP_A_MASK) == PMP_A_TOR)
            return;
    }
    h->pmpaddr[n] = val & PMPADDR_MASK;
    rv_pmp_update(h);
    rv_tlb_flush_all(h);
}

static void write_satp(struct rv_hart *h, uint64_t val)
{
    unsigned mode = (unsigned)(val >> SATP_MODE_SHIFT);

    /* An unsupported mode makes the whole write a no-op; Linux probes Sv57 -> Sv48 -> Sv39. */
    if (mode != SATP_MODE_BARE && mode != SATP_MODE_SV39 && mode != SATP_MODE_SV48)
        return;
    h->satp = val & ((0xfull << SATP_MODE_SHIFT) | SATP_ASID_MASK | SATP_PPN_MASK);
    rv_tlb_flush(h);
}

static uint64_t legal_tvec(uint64_t val)
{
    /* Modes 2 and 3 are reserved: fall back to direct. */
    return (val & 3) >= 2 ? val & ~3ull : val;
}

int rv_csr_write(struct rv_hart *h, unsigned csr, uint64_t val)
{
    if (h->priv < ((csr >> 8) & 3) || (csr >> 10) == 3)
        return illegal(h);
    switch (csr) {
    case CSR_FFLAGS:
    case CSR_FRM:
    case CSR_FCSR:
        if (rv_fs(h) == FS_OFF)
            return illegal(h);
        if (csr == CSR_FFLAGS) {
            h->fflags = val & 0x1f;
        } else if (csr == CSR_FRM) {
            h->frm = val & 7;
        } else {
            h->fflags = val & 0x1f;
            h->frm = (val >> 5) & 7;
        }
        rv_set_fs_dirty(h);
        return 0;
    case CSR_SSTATUS:
        rv_set_mstatus(h, (h->mstatus & ~SSTATUS_WMASK) | (val & SSTATUS_WMASK));
        return 0;
    case CSR_SIE:
        h->mie = (h->mie & ~h->mideleg) | (val & h->mideleg & MIP_S_MASK);
        return 0;
    case CSR_SIP:
        if (h->mideleg & MIP_SSIP)
            h->mip_sw = (h->mip_sw & ~MIP_SSIP) | (val & MIP_SSIP);
        return 0;
    case CSR_STVEC:
        h->stvec = legal_tvec(val);
        return 0;
    case CSR_SCOUNTEREN:
        h->scounteren = (uint32_t)val;
        return 0;
    case CSR_SENVCFG:
        h->senvcfg = val & 1;
        return 0;
    case CSR_SSCRATCH:
        h->sscratch = val;
        return 0;
    case CSR_SEPC:
        h->sepc = val & ~1ull;
        return 0;
    case CSR_SCAUSE:
        h->scause = val;
        return 0;
    case CSR_STVAL:
        h->stval = val;
        return 0;
    case CSR_SATP:
        if (h->priv == RV_PRIV_S && (h->mstatus & MSTATUS_TVM))
            return illegal(h);
        write_satp(h, val);
        return 0;
    case CSR_MSTATUS: {
        uint64_t v = (h->mstatus & ~MSTATUS_WMASK) | (val & MSTATUS_WMASK);
        /* MPP is WARL over the implemented modes; 2 (reserved) keeps the old value. */
        if (((v >> MSTATUS_MPP_SHIFT) & 3) == 2)
            v = (v & ~MSTATUS_MPP) | (h->mstatus & MSTATUS_MPP);
        rv_set_mstatus(h, v);
        return 0;
    }
    case CSR_MISA:
        return 0;
    case CSR_MEDELEG:
        h->medeleg = val & MEDELEG_MASK;
        return 0;
    case CSR_MIDELEG:
        h->mideleg = val & MIP_S_MASK;
        return 0;
    case CSR_MIE:
        h->mie = val & MIP_ALL_MASK;
        return 0;
    case CSR_MIP:
        h->mip_sw = val & MIP_S_MASK;
        return 0;
    case CSR_MTVEC:
        h->mtvec = legal_tvec(val);
        return 0;
    case CSR_MCOUNTEREN:
        h->mcounteren = (uint32_t)val;
        return 0;
    case CSR_MENVCFG:
        h->menvcfg = val & 1;
        return 0;
    case CSR_MCOUNTINHIBIT:
        h->mcountinhibit = (uint32_t)val & ~2u;
        return 0;
    case CSR_MSCRATCH:
        h->mscratch = val;
        return 0;
    case CSR_MEPC:
        h->mepc = val & ~1ull;
        return 0;
    case CSR_MCAUSE:
        h->mcause = val;
        return 0;
    case CSR_MTVAL:
        h->mtval = val;
        return 0;
    case CSR_MCYCLE:
        h->mcycle_delta = (int64_t)(val - h->instret);
        return 0;
    /* The instret write happens before this instruction retires (and is counted). */
    case CSR_MINSTRET:
        h->minstret_delta = (int64_t)(val - h->instret - 1);
        return 0;
    default:
        break;
    }
    if ((csr >= CSR_MHPMCOUNTER3 && csr <= CSR_MHPMCOUNTER31) ||
        (csr >= CSR_MHPMEVENT3 && csr <= CSR_MHPMEVENT31))
        return 0;
    if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15) {
        if (csr & 1)
            return illegal(h);
        unsigned n = csr - CSR_PMPCFG0;
        if (n < 4)
            write_pmpcfg(h, n / 2, val);
        return 0;
    }
    if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) {
        unsigned n = csr - CSR_PMPADDR0;
        if (n < RV_PMP_COUNT)
            write_pmpaddr(h, n, val);
        return 0;
    }
    return illegal(h);
}
