/*
 * Guest x registers cached in host registers within a block.
 *
 * Before emitting a block the translator decodes it once more (regs_plan) and gives the guest
 * registers it uses most (at least twice) a host register each, from a fixed pool. A cached
 * register is loaded from the hart at its first read and marked dirty at its first write;
 * dirty ones are stored back at every exit and before every helper call. A block's body is
 * straight-line code (side exits and slow paths are forward branches to code after it), so
 * which registers are loaded or dirty at each point is known while emitting: each fixup keeps
 * the dirty set of its branch point and writes back exactly that. Slow paths that resume the
 * body (TLB-miss helpers, interpreter steps) reload what the call may have clobbered, so the
 * body's view stays true on both paths. Traps happen only inside helpers, after the write-back,
 * so they see the exact guest state.
 *
 * Chained blocks do not share an allocation: each block loads what it reads. That keeps the
 * entry/exit contract the same as without caching (the hart holds every register outside
 * blocks and at helper calls), which the dispatcher, the checker and the interpreter rely on.
 */
#include <string.h>

#include "accel/jit/internal.h"
#include "accel/jit/translate.h"

/* rsi, rdi, rax, rcx, rdx are the translator's scratch registers; rbx, rbp, r15 are fixed.
 * Callee-saved ones first: they survive helper calls without a reload. */
static const int8_t pool[] = {R12, R13, R14, R8, R9, R10, R11};
#define POOL_SIZE (int)(sizeof(pool) / sizeof(pool[0]))
#define CALLER_SAVED_MASK ((1u << RDX) | (1u << R8) | (1u << R9) | (1u << R10) | (1u << R11))

/* xmm0 and xmm1 are the FP code's scratch registers. All xmm registers are caller-saved. */
static const int8_t fpool[] = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
#define FPOOL_SIZE (int)(sizeof(fpool) / sizeof(fpool[0]))
#define SD_PREFIX 0xf2
#define MOVSD_LOAD 0x10
#define MOVSD_STORE 0x11

static bool is_callee_saved(int reg)
{
    return !(CALLER_SAVED_MASK & (1u << reg));
}

/* Registers an instruction reads and writes, for counting only (a wrong guess costs speed,
 * never correctness: uncached registers are accessed in the hart). */
static void count_uses(const struct rv_insn *d, unsigned *uses)
{
    unsigned op = d->op;

    if (op >= RV_OP_LUI && op <= RV_OP_REMUW && op != RV_OP_FENCE && op != RV_OP_FENCE_I &&
        op != RV_OP_ECALL && op != RV_OP_EBREAK) {
        uses[d->rd] += 1;
        if (op != RV_OP_LUI && op != RV_OP_AUIPC && op != RV_OP_JAL)
            uses[d->rs1] += 1;
        if ((op >= RV_OP_BEQ && op <= RV_OP_BGEU) || (op >= RV_OP_SB && op <= RV_OP_SD) ||
            (op >= RV_OP_ADD && op <= RV_OP_AND) || (op >= RV_OP_ADDW && op <= RV_OP_SRAW) ||
            op >= RV_OP_MUL)
            uses[d->rs2] += 1;
    } else if (op == RV_OP_FLW || op == RV_OP_FSW || op == RV_OP_FLD || op == RV_OP_FSD) {
        uses[d->rs1] += 1;
    }
}

static bool ends_plan(unsigned op)
{
    return op == RV_OP_JAL || op == RV_OP_JALR || (op >= RV_OP_FENCE_I && op <= RV_OP_EBREAK) ||
           (op >= RV_OP_MRET && op <= RV_OP_SFENCE_VMA);
}

/* f registers the inline FP code reads or writes (the others go through the hart in memory
 * whether cached or not). */
static void count_fuses(const struct rv_insn *d, unsigned *fuses)
{
    unsigned op = d->op;

    if ((op >= RV_OP_FMADD_D && op <= RV_OP_FMAX_D) ||
        (op >= RV_OP_FMADD_S && op <= RV_OP_FSQRT_S)) {
        fuses[d->rd] += 1;
        fuses[d->rs1] += 1;
        if (op != RV_OP_FSQRT_D && op != RV_OP_FSQRT_S)
            fuses[d->rs2] += 1;
        if (op <= RV_OP_FNMADD_D && (op >= RV_OP_FMADD_D || op <= RV_OP_FNMADD_S))
            fuses[d->rs3] += 1;
    } else if ((op >= RV_OP_FEQ_D && op <= RV_OP_FLE_D) ||
               (op >= RV_OP_FEQ_S && op <= RV_OP_FLE_S)) {
        fuses[d->rs1] += 1;
        fuses[d->rs2] += 1;
    } else if (op == RV_OP_FLD || op == RV_OP_FMV_D_X || op == RV_OP_FLW ||
               (op >= RV_OP_FCVT_D_W && op <= RV_OP_FCVT_D_LU) ||
               (op >= RV_OP_FCVT_S_W && op <= RV_OP_FCVT_S_LU)) {
        fuses[d->rd] += 1;
    } else if (op == RV_OP_FSD || op == RV_OP_FSW) {
        fuses[d->rs2] += 1;
    } else if (op == RV_OP_FMV_X_D) {
        fuses[d->rs1] += 1;
    }
}

/* What an instruction leaves in its f destination: 0 none (no f destination), 1 a NaN-boxed
 * single, 2 anything (a double's bits). */
static int f_write_kind(unsigned op)
{
    if (op == RV_OP_FLW || (op >= RV_OP_FMADD_S && op <= RV_OP_FMAX_S) ||
        (op >= RV_OP_FCVT_S_W && op <= RV_OP_FMV_W_X) || op == RV_OP_FCVT_S_D)
        return 1;
    if (op == RV_OP_FLD || (op >= RV_OP_FMADD_D && op <= RV_OP_FMAX_D) || op == RV_OP_FCVT_D_S ||
        (op >= RV_OP_FCVT_D_W && op <= RV_OP_FMV_D_X))
        return 2;
    return 0;
}

/* f registers whose boxing the inline code checks (single operands of arithmetic, fused
 * multiply-adds, compares, min/max and fcvt.d.s). */
static uint32_t f_single_reads(const struct rv_insn *d)
{
    unsigned op = d->op;
    uint32_t m = 0;

    if ((op >= RV_OP_FMADD_S && op <= RV_OP_FSQRT_S) || op == RV_OP_FMIN_S || op == RV_OP_FMAX_S ||
        (op >= RV_OP_FEQ_S && op <= RV_OP_FLE_S) || op == RV_OP_FCVT_D_S) {
        m |= 1u << d->rs1;
        if (op != RV_OP_FSQRT_S && op != RV_OP_FCVT_D_S)
            m |= 1u << d->rs2;
        if (op <= RV_OP_FNMADD_S)
            m |= 1u << d->rs3;
    }
    return m;
}

void tr_fbox_update(struct tr *t, const struct rv_insn *d)
{
    int kind = f_write_kind(d->op);

    if (kind == 1)
        t->fboxed |= 1u << d->rd;
    else if (kind == 2)
        t->fboxed &= ~(1u << d->rd);
}

/* Instructions whose inline code uses rdx as a scratch register (tr_clobber_rdx). */
static bool uses_rdx(unsigned op)
{
    return (op >= RV_OP_MULH && op <= RV_OP_REMU) || (op >= RV_OP_DIVW && op <= RV_OP_REMUW) ||
           (op >= RV_OP_CSRRW && op <= RV_OP_CSRRCI) || op == RV_OP_FMIN_S || op == RV_OP_FMAX_S ||
           op == RV_OP_FMIN_D || op == RV_OP_FMAX_D;
}

void tr_clobber_rdx(struct tr *t)
{
    for (unsigned w = 0; w < 2; w++)
        if (t->tlb_host[w] == RDX)
            t->tlb_loaded &= ~(1u << w);
}

/* The target of a branch or jal that goes back (or to itself), else -1. */
static int64_t back_target(const struct rv_insn *d, unsigned off)
{
    bool jump = (d->op >= RV_OP_BEQ && d->op <= RV_OP_BGEU) || d->op == RV_OP_JAL;
    return jump && d->imm <= 0 ? (int64_t)off + d->imm : -1;
}

bool tr_is_head(const struct tr *t, unsigned off)
{
    unsigned bit = (off - t->start) / 2;
    return off > t->start && bit < TR_SPAN_BITS && (t->head_plan[bit / 64] >> (bit % 64) & 1);
}

/* A branch or jal back to the block's first instruction: the block is a loop. */
static bool jumps_to(const struct rv_insn *d, unsigned off, unsigned start)
{
    bool jump = (d->op >= RV_OP_BEQ && d->op <= RV_OP_BGEU) || d->op == RV_OP_JAL;
    return jump && (int64_t)off + d->imm == (int64_t)start;
}

void tr_regs_plan(struct tr *t, unsigned max_insns)
{
    unsigned uses[32] = {0}, fuses[32] = {0};
    unsigned off = t->off;
    uint32_t written = 0, fsingle = 0, fnobox = 0;
    bool loads = false, stores = false, rdx_used = false;

    t->plan_fp = t->plan_fp_arith = t->plan_fp_dyn = false;

    memset(t->host, -1, sizeof(t->host));
    memset(t->fhost, -1, sizeof(t->fhost));
    t->cached = t->loaded = t->dirty = 0;
    t->fcached = t->floaded = t->fdirty = 0;
    t->self_loop = false;
    uint64_t starts[TR_SPAN_BITS / 64] = {0}, targets[TR_SPAN_BITS / 64] = {0};
    for (unsigned n = 0; n < max_insns && off + 4 <= RV_PAGE_SIZE; n++) {
        unsigned bit = (off - t->off) / 2;
        if (bit < TR_SPAN_BITS)
            starts[bit / 64] |= 1ull << (bit % 64);
        uint16_t lo, hi = 0;
        memcpy(&lo, t->p->host + off, 2);
        if ((lo & 3) == 3)
            memcpy(&hi, t->p->host + off + 2, 2);
        struct rv_insn d;
        rv_decode(lo | (uint32_t)hi << 16, &d);
        count_uses(&d, uses);
        count_fuses(&d, fuses);
        fsingle |= f_single_reads(&d);
        if (f_write_kind(d.op) == 2)
            fnobox |= 1u << d.rd;
        if ((d.op >= RV_OP_LB && d.op <= RV_OP_LWU) || d.op == RV_OP_FLW || d.op == RV_OP_FLD)
            loads = true;
        if (d.op >= RV_OP_FLW && d.op <= RV_OP_FMV_D_X) {
            t->plan_fp = true;
            /* Rounding ones (they rely on NX and RNE): arithmetic and conversions. */
            if ((d.op >= RV_OP_FMADD_S && d.op <= RV_OP_FSQRT_S) ||
                (d.op >= RV_OP_FMADD_D && d.op <= RV_OP_FSQRT_D) ||
                (d.op >= RV_OP_FCVT_W_S && d.op <= RV_OP_FCVT_LU_S) ||
                (d.op >= RV_OP_FCVT_S_W && d.op <= RV_OP_FCVT_S_LU) || d.op == RV_OP_FCVT_S_D ||
                (d.op >= RV_OP_FCVT_W_D && d.op <= RV_OP_FCVT_LU_D) ||
                (d.op >= RV_OP_FCVT_D_W && d.op <= RV_OP_FCVT_D_LU)) {
                t->plan_fp_arith = true;
                t->plan_fp_dyn |= d.rm == RV_RM_DYN;
            }
        }
        if ((d.op >= RV_OP_SB && d.op <= RV_OP_SD) || d.op == RV_OP_FSW || d.op == RV_OP_FSD)
            stores = true;
        rdx_used |= uses_rdx(d.op);
        /* Over-approximated (stores and branches have no rd): only a superset is needed. */
        written |= 1u << d.rd;
        if (jumps_to(&d, off, t->off))
            t->self_loop = true;
        int64_t back = back_target(&d, off);
        if (back > (int64_t)t->off) {
            unsigned tb = (unsigned)(back - t->off) / 2;
            if (tb < TR_SPAN_BITS)
                targets[tb / 64] |= 1ull << (tb % 64);
        }
        if (ends_plan(d.op))
            break;
        off += d.len;
    }
    /* Backward targets inside the block that are instructions of it (as decoded here). */
    for (unsigned k = 0; k < TR_SPAN_BITS / 64; k++)
        t->head_plan[k] = starts[k] & targets[k];
    uses[0] = 0;
    int i = 0;
    for (; i < POOL_SIZE; i++) {
        unsigned best = 0;
        for (unsigned r = 1; r < 32; r++)
            if (t->host[r] < 0 && uses[r] > uses[best])
                best = r;
        if (uses[best] < 2)
            break;
        t->host[best] = pool[i];
        t->cached |= 1u << best;
    }
    /* Spare pool registers hold the TLB pointers: a probe then indexes them directly. */
    t->tlb_host[0] = t->tlb_host[1] = -1;
    t->tlb_loaded = 0;
    if (loads && i < POOL_SIZE)
        t->tlb_host[0] = pool[i++];
    if (stores && i < POOL_SIZE)
        t->tlb_host[1] = pool[i++];
    /* Else rdx, if no instruction of the block uses it as a scratch register (tr_clobber_rdx
     * keeps it right anyway: the next probe reloads it). */
    if (!rdx_used && loads && t->tlb_host[0] < 0)
        t->tlb_host[0] = RDX;
    else if (!rdx_used && stores && t->tlb_host[1] < 0)
        t->tlb_host[1] = RDX;
    t->written = written & t->cached;
    for (i = 0; i < FPOOL_SIZE; i++) {
        int best = -1;
        for (unsigned r = 0; r < 32; r++)
            if (t->fhost[r] < 0 && fuses[r] >= 2 && (best < 0 || fuses[r] > fuses[best]))
                best = (int)r;
        if (best < 0)
            break;
        t->fhost[best] = fpool[i];
        t->fcached |= 1u << best;
    }
    /* Any instruction's rd field: a superset of the f registers written. */
    t->fwritten = written & t->fcached;
    t->fboxed = 0;
    t->fbox_hoist = t->self_loop ? fsingle & ~fnobox : 0;
}

/*
 * Loop head: every cached register is loaded here (those not loaded yet), and those the block
 * may write count as dirty from here on. A back edge jumps here without writing anything back
 * or reloading; whatever it left different from the hart is among `written`, which every exit
 * of the body then writes back.
 */
static struct x86_mem tlb_field(bool write);

void tr_loop_head(struct tr *t)
{
    for (unsigned r = 1; r < 32; r++)
        if ((t->cached & ~(t->loaded | t->dirty)) & (1u << r))
            emit_mov_rm(&t->e, t->host[r], HART_X(r));
    t->loaded = t->cached;
    t->dirty |= t->written;
    for (unsigned w = 0; w < 2; w++) {
        if (t->tlb_host[w] >= 0 && !(t->tlb_loaded & (1u << w))) {
            emit_mov_rm(&t->e, t->tlb_host[w], tlb_field(w));
            t->tlb_loaded |= 1u << w;
        }
    }
    for (unsigned r = 0; r < 32; r++)
        if ((t->fcached & ~t->floaded) & (1u << r))
            emit_sse_rm(&t->e, SD_PREFIX, MOVSD_LOAD, t->fhost[r], HART_F(r));
    t->floaded = t->fcached;
    t->fdirty |= t->fwritten;
    if (t->nheads == TR_MAX_HEADS)
        return; /* back edges to it leave the block instead */
    struct tr_head *h = &t->heads[t->nheads++];
    h->off = t->off;
    h->code = emit_here(&t->e);
    h->dirty = t->dirty;
    h->fdirty = t->fdirty;
    h->fboxed = t->fboxed;
    h->fp_checked = t->fp_checked;
    h->fp_dirty = t->fp_dirty;
    h->nx_known = t->nx_known;
    h->rne_known = t->rne_known;
}

const struct tr_head *tr_head_for(const struct tr *t, int64_t target)
{
    const struct tr_head *h = NULL;

    for (unsigned i = 0; i < t->nheads; i++)
        if ((int64_t)t->heads[i].off == target)
            h = &t->heads[i];
    if (!h)
        return NULL;
    /* Here every register must be loaded and dirty only where the head expects it... */
    if (((t->loaded | t->dirty) & t->cached) != t->cached || (t->dirty & ~h->dirty) ||
        t->floaded != t->fcached || (t->fdirty & ~h->fdirty))
        return NULL;
    for (unsigned w = 0; w < 2; w++)
        if (t->tlb_host[w] >= 0 && !(t->tlb_loaded & (1u << w)))
            return NULL;
    /* ... and what the code after the head assumes must still hold (a CSR write or an
     * interpreter step in the loop may have changed fflags or frm). */
    if ((h->fp_checked && !t->fp_checked) || (h->fp_dirty && !t->fp_dirty) ||
        (h->nx_known && !t->nx_known) || (h->rne_known && !t->rne_known) ||
        (h->fboxed & ~t->fboxed))
        return NULL;
    return h;
}

int tr_freg(struct tr *t, unsigned r)
{
    if (t->fhost[r] < 0)
        return -1;
    if (!(t->floaded & (1u << r))) {
        emit_sse_rm(&t->e, SD_PREFIX, MOVSD_LOAD, t->fhost[r], HART_F(r));
        t->floaded |= 1u << r;
    }
    return t->fhost[r];
}

int tr_fcached(const struct tr *t, unsigned r)
{
    return t->fhost[r];
}

int tr_fdst(struct tr *t, unsigned r)
{
    if (t->fhost[r] < 0)
        return -1;
    t->floaded |= 1u << r;
    t->fdirty |= 1u << r;
    return t->fhost[r];
}

/*
 * Once loaded, an xmm register always holds the current value of its f register (memory
 * writes reload it, calls reload every one), so a fixup may write back more than was dirty
 * and the loop head's assumption (all loaded) holds at every back edge.
 */
struct x86_mem tr_fmem(struct tr *t, unsigned r)
{
    if (t->fdirty & (1u << r)) {
        emit_sse_rm(&t->e, SD_PREFIX, MOVSD_STORE, t->fhost[r], HART_F(r));
        t->fdirty &= ~(1u << r);
    }
    return HART_F(r);
}

void tr_fwrote(struct tr *t, unsigned r)
{
    if (t->fhost[r] < 0)
        return;
    emit_sse_rm(&t->e, SD_PREFIX, MOVSD_LOAD, t->fhost[r], HART_F(r));
    t->floaded |= 1u << r;
    t->fdirty &= ~(1u << r);
}

void tr_fwriteback(struct tr *t, uint32_t fdirty)
{
    for (unsigned r = 0; r < 32; r++)
        if (fdirty & t->fcached & (1u << r))
            emit_sse_rm(&t->e, SD_PREFIX, MOVSD_STORE, t->fhost[r], HART_F(r));
}

void tr_freload(struct tr *t)
{
    for (unsigned r = 0; r < 32; r++)
        if (t->fcached & (1u << r))
            emit_sse_rm(&t->e, SD_PREFIX, MOVSD_LOAD, t->fhost[r], HART_F(r));
    t->floaded = t->fcached;
}

static struct x86_mem tlb_field(bool write)
{
    return write ? HART_FIELD(tlb_w) : HART_FIELD(tlb_r);
}

int tr_tlb_reg(struct tr *t, bool write)
{
    int h = t->tlb_host[write];

    if (h >= 0 && !(t->tlb_loaded & (1u << write))) {
        emit_mov_rm(&t->e, h, tlb_field(write));
        t->tlb_loaded |= 1u << write;
    }
    return h;
}

/* Reload the TLB pointer registers: all, or only the caller-saved ones; they are loaded after. */
static void tlb_reload(struct tr *t, bool all)
{
    for (unsigned w = 0; w < 2; w++) {
        int h = t->tlb_host[w];
        if (h >= 0 && (all || !is_callee_saved(h))) {
            emit_mov_rm(&t->e, h, tlb_field(w));
            t->tlb_loaded |= 1u << w;
        }
    }
}

int tr_cached(const struct tr *t, unsigned r)
{
    return r == 0 ? -1 : t->host[r];
}

int tr_reg(struct tr *t, unsigned r)
{
    if (r == 0 || t->host[r] < 0)
        return -1;
    if (!((t->loaded | t->dirty) & (1u << r))) {
        emit_mov_rm(&t->e, t->host[r], HART_X(r));
        t->loaded |= 1u << r;
    }
    return t->host[r];
}

int tr_dst(struct tr *t, unsigned r)
{
    if (r == 0 || t->host[r] < 0)
        return -1;
    t->loaded |= 1u << r;
    t->dirty |= 1u << r;
    return t->host[r];
}

void tr_get(struct tr *t, int dst, unsigned r)
{
    int h = tr_reg(t, r);

    if (r == 0)
        emit_mov_ri(&t->e, dst, 0);
    else if (h >= 0)
        emit_mov_rr(&t->e, dst, h);
    else
        emit_mov_rm(&t->e, dst, HART_X(r));
}

void tr_put(struct tr *t, unsigned r, int src)
{
    int h = tr_dst(t, r);

    if (r == 0)
        return;
    if (h >= 0)
        emit_mov_rr(&t->e, h, src);
    else
        emit_mov_mr(&t->e, HART_X(r), src);
}

void tr_put_imm(struct tr *t, unsigned r, int32_t imm)
{
    int h = tr_dst(t, r);

    if (r == 0)
        return;
    if (h >= 0)
        emit_mov_ri(&t->e, h, (uint64_t)(int64_t)imm);
    else
        emit_mov_mi(&t->e, HART_X(r), imm);
}

void tr_alu_x(struct tr *t, enum x86_alu op, int dst, unsigned r)
{
    int h = tr_reg(t, r);

    if (r == 0)
        emit_alu_ri(&t->e, op, dst, 0);
    else if (h >= 0)
        emit_alu_rr(&t->e, op, dst, h);
    else
        emit_alu_rm(&t->e, op, dst, HART_X(r));
}

void tr_writeback(struct tr *t, uint32_t dirty)
{
    for (unsigned r = 1; r < 32; r++)
        if (dirty & t->cached & (1u << r))
            emit_mov_mr(&t->e, HART_X(r), t->host[r]);
}

void tr_reload(struct tr *t, bool all)
{
    tlb_reload(t, all);
    for (unsigned r = 1; r < 32; r++)
        if ((t->cached & (1u << r)) && (all || !is_callee_saved(t->host[r])))
            emit_mov_rm(&t->e, t->host[r], HART_X(r));
}

void tr_call_begin(struct tr *t)
{
    tr_writeback(t, t->dirty);
    tr_fwriteback(t, t->fdirty);
}

void tr_call_end(struct tr *t, bool all)
{
    tr_reload(t, all);
    /* The hart and the reloaded host registers agree again. */
    for (unsigned r = 1; r < 32; r++)
        if ((t->cached & (1u << r)) && (all || !is_callee_saved(t->host[r])))
            t->loaded |= 1u << r;
    t->dirty = 0;
    tr_freload(t);
    t->fdirty = 0;
}
