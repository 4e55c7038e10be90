/* Traps, interrupts and privilege changes (privileged spec 1.12, 3.1.6-3.1.9, 3.3.2, 4.1.1). */
#include "core/log.h"
#include "cpu/riscv/state.h"

void rv_update_mode(struct rv_hart *h)
{
    unsigned dpriv = h->priv;
    unsigned d;

    /* MPRV makes M-mode loads and stores translate and check as MPP; fetches are unaffected. */
    if (dpriv == RV_PRIV_M && (h->mstatus & MSTATUS_MPRV))
        dpriv = (unsigned)(h->mstatus >> MSTATUS_MPP_SHIFT) & 3;
    if (dpriv == RV_PRIV_M)
        d = RV_DCTX_M;
    else if (dpriv == RV_PRIV_S)
        d = (h->mstatus & MSTATUS_SUM) ? RV_DCTX_S_SUM : RV_DCTX_S;
    else
        d = RV_DCTX_U;
    h->dctx = d;
    h->tlb_r = h->tlb_data[d][0];
    h->tlb_w = h->tlb_data[d][1];
    h->tlb_x = h->tlb_fetch[h->priv == RV_PRIV_M   ? RV_XCTX_M
                            : h->priv == RV_PRIV_S ? RV_XCTX_S
                                                   : RV_XCTX_U];
}

void rv_set_priv(struct rv_hart *h, unsigned priv)
{
    h->priv = priv;
    rv_update_mode(h);
}

void rv_set_mstatus(struct rv_hart *h, uint64_t val)
{
    uint64_t old = h->mstatus;

    val &= ~MSTATUS_SD;
    if (((val >> MSTATUS_FS_SHIFT) & 3) == FS_DIRTY)
        val |= MSTATUS_SD;
    h->mstatus = val;
    /* MXR changes what a cached readable page means in every context. */
    if ((old ^ val) & MSTATUS_MXR)
        rv_tlb_flush(h);
    if ((old ^ val) & (MSTATUS_MPRV | MSTATUS_MPP | MSTATUS_SUM))
        rv_update_mode(h);
}

void rv_trap_take(struct rv_hart *h, uint64_t cause, uint64_t tval, uint64_t epc)
{
    bool irq = (cause & CAUSE_INTERRUPT) != 0;
    unsigned code = (unsigned)(cause & 63);
    uint64_t deleg = irq ? h->mideleg : h->medeleg;
    uint64_t s = h->mstatus;
    unsigned from = h->priv;

    h->lr_valid = false;
    h->wfi = false;
    if (from <= RV_PRIV_S && ((deleg >> code) & 1)) {
        h->scause = cause;
        h->sepc = epc;
        h->stval = tval;
        s = (s & ~MSTATUS_SPIE) | ((s & MSTATUS_SIE) ? MSTATUS_SPIE : 0);
        s &= ~(MSTATUS_SIE | MSTATUS_SPP);
        if (from == RV_PRIV_S)
            s |= MSTATUS_SPP;
        h->pc = h->stvec & ~3ull;
        if (irq && (h->stvec & 1))
            h->pc += 4ull * code;
        h->priv = RV_PRIV_S;
    } else {
        h->mcause = cause;
        h->mepc = epc;
        h->mtval = tval;
        s = (s & ~MSTATUS_MPIE) | ((s & MSTATUS_MIE) ? MSTATUS_MPIE : 0);
        s &= ~(MSTATUS_MIE | MSTATUS_MPP);
        s |= (uint64_t)from << MSTATUS_MPP_SHIFT;
        h->pc = h->mtvec & ~3ull;
        if (irq && (h->mtvec & 1))
            h->pc += 4ull * code;
        h->priv = RV_PRIV_M;
    }
    h->mstatus = s;
    rv_update_mode(h);
    TRACE(TRACE_INT, "hart %u: %s %u tval=0x%llx epc=0x%llx priv %u -> %u handler=0x%llx",
          h->hartid, irq ? "interrupt" : "exception", code, (unsigned long long)tval,
          (unsigned long long)epc, from, h->priv, (unsigned long long)h->pc);
}

/* Priority order among simultaneous interrupts (privileged spec 3.1.9). */
static const unsigned irq_priority[] = {IRQ_M_EXT, IRQ_M_SOFT, IRQ_M_TIMER,
                                        IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER};

static uint64_t pick_irq(uint64_t bits)
{
    for (unsigned i = 0; i < sizeof(irq_priority) / sizeof(irq_priority[0]); i++)
        if (bits & (1ull << irq_priority[i]))
            return CAUSE_INTERRUPT | irq_priority[i];
    return 0;
}

uint64_t rv_interrupt_pending(const struct rv_hart *h)
{
    uint64_t pending = rv_mip(h) & h->mie;

    if (!pending)
        return 0;
    uint64_t m = pending & ~h->mideleg;
    if (m && (h->priv < RV_PRIV_M || (h->mstatus & MSTATUS_MIE)))
        return pick_irq(m);
    uint64_t s = pending & h->mideleg;
    if (s && (h->priv < RV_PRIV_S || (h->priv == RV_PRIV_S && (h->mstatus & MSTATUS_SIE))))
        return pick_irq(s);
    return 0;
}

int rv_mret(struct rv_hart *h)
{
    if (h->priv < RV_PRIV_M) {
        h->exc_cause = EXC_ILLEGAL_INSN;
        h->exc_tval = rv_fetch_raw(h, h->pc);
        return -1;
    }
    uint64_t s = h->mstatus;
    unsigned to = (unsigned)(s >> MSTATUS_MPP_SHIFT) & 3;
    s = (s & ~MSTATUS_MIE) | ((s & MSTATUS_MPIE) ? MSTATUS_MIE : 0);
    s |= MSTATUS_MPIE;
    s &= ~MSTATUS_MPP;
    if (to != RV_PRIV_M)
        s &= ~MSTATUS_MPRV;
    h->mstatus = s;
    h->pc = h->mepc;
    h->lr_valid = false;
    rv_set_priv(h, to);
    return 0;
}

int rv_sret(struct rv_hart *h)
{
    if (h->priv < RV_PRIV_S || (h->priv == RV_PRIV_S && (h->mstatus & MSTATUS_TSR))) {
        h->exc_cause = EXC_ILLEGAL_INSN;
        h->exc_tval = rv_fetch_raw(h, h->pc);
        return -1;
    }
    uint64_t s = h->mstatus;
    unsigned to = (s & MSTATUS_SPP) ? RV_PRIV_S : RV_PRIV_U;
    s = (s & ~MSTATUS_SIE) | ((s & MSTATUS_SPIE) ? MSTATUS_SIE : 0);
    s |= MSTATUS_SPIE;
    s &= ~(MSTATUS_SPP | MSTATUS_MPRV);
    h->mstatus = s;
    h->pc = h->sepc;
    h->lr_valid = false;
    rv_set_priv(h, to);
    return 0;
}
