/*
 * F and D instructions on the host's SSE unit, with exactly the RISC-V results.
 *
 * The approach of the FPU library's fast path (src/cpu/riscv/fpu.c), done inline: in RNE (the
 * host's own mode, which kvmu never changes) and once the guest's NX flag is set (it is sticky,
 * and set after the first inexact operation), a result that is finite and clear of the
 * underflow range carries no other flag, so SSE's value is the answer. Anything else -- another
 * rounding mode, NX still clear, a NaN, infinite, tiny or overflowing result, a single operand
 * that is not NaN-boxed, FS off -- jumps to an out-of-line interpreter step, which runs the FPU
 * library's exact code (MXCSR rounding, flag accrual, canonical NaNs) and resumes after it.
 * Moves, sign injection, loads and stores are bit operations and need no such care.
 */
#include "accel/jit/internal.h"
#include "accel/jit/translate.h"
#include "cpu/riscv/fpu.h"

#define P_SS 0xf3
#define P_SD 0xf2
#define P_66 0x66
enum {
    SSE_MOVS_LOAD = 0x10,
    SSE_SQRT = 0x51,
    SSE_ADD = 0x58,
    SSE_MUL = 0x59,
    SSE_CVT_FMT = 0x5a,
    SSE_SUB = 0x5c,
    SSE_DIV = 0x5e,
    SSE_CVTSI2 = 0x2a,
    SSE_CVTT2SI = 0x2c,
    SSE_CVT2SI = 0x2d,
    SSE_UCOMI = 0x2e,
};

#define XMM0 0
#define XMM1 1
#define SSE_MOVAPD 0x28

/* xmm dst = f[r] (double): from its cached xmm, else from the hart. */
static void fget(struct tr *t, int dst, unsigned r)
{
    int x = tr_freg(t, r);

    if (x >= 0)
        emit_sse_rr(&t->e, P_66, SSE_MOVAPD, dst, x);
    else
        emit_sse_rm(&t->e, P_SD, SSE_MOVS_LOAD, dst, HART_F(r));
}

/* xmm dst op= f[r] (double): the cached xmm, else the hart. */
static void fop(struct tr *t, uint8_t pfx, uint8_t op, int dst, unsigned r)
{
    int x = tr_freg(t, r);

    if (x >= 0)
        emit_sse_rr(&t->e, pfx, op, dst, x);
    else
        emit_sse_rm(&t->e, pfx, op, dst, HART_F(r));
}

/* FS must be on for any F/D instruction; it cannot change within a block (only CSR writes
 * and traps change it, and both end the block), so one check per block is enough. */
static struct fixup *fp_begin(struct tr *t, uint32_t raw)
{
    struct fixup *f = NULL;

    if (!t->fp_checked) {
        emit_mov_rm(&t->e, RAX, HART_FIELD(mstatus));
        emit_alu_ri32(&t->e, ALU_AND, RAX, (int32_t)MSTATUS_FS);
        f = tr_step_fixup(t, CC_E, raw);
        t->fp_checked = true;
    }
    return f;
}

/*
 * A self-loop block would otherwise repeat the once-per-block checks on every iteration (they
 * sit in the body, after the loop head). Hoisted to the entry, before the head: FS cannot
 * change within the block, NX and frm only by CSR writes and interpreter steps, which forget
 * them (the body checks again after those). A failed check steps the block's first instruction
 * and leaves, so the loop makes progress (and the steps set NX soon: it is sticky).
 */
void tr_fp_hoist(struct tr *t, uint32_t raw, bool arith, bool dyn, uint32_t boxes)
{
    emit_mov_rm(&t->e, RAX, HART_FIELD(mstatus));
    emit_alu_ri32(&t->e, ALU_AND, RAX, (int32_t)MSTATUS_FS);
    if (arith) {
        /* A rounding instruction marks FS dirty anyway: require Dirty at entry (it stays so
         * within the block) and skip the marking in the body. When FS is Clean (after a
         * context switch) the block steps and leaves once; the rest of the loop, translated
         * from the next instruction, marks it. */
        emit_alu_ri32(&t->e, ALU_CMP, RAX, (int32_t)MSTATUS_FS);
    }
    struct fixup *x = tr_step_fixup(t, arith ? CC_NE : CC_E, raw);
    x->exit_after = true;
    t->fp_checked = true;
    /* Singles the block reads and only ever replaces with boxed values: boxed at every
     * iteration if boxed at entry. */
    for (unsigned r = 0; r < 32; r++) {
        if (boxes & (1u << r)) {
            struct x86_mem hi = HART_F(r);
            hi.disp += 4;
            emit_cmp_m32i(&t->e, hi, -1);
            tr_fixup_also(t, x, CC_NE);
        }
    }
    if (!arith)
        return;
    t->fp_dirty = true;
    emit_load(&t->e, 4, false, RAX, HART_FIELD(fflags));
    emit_alu_ri32(&t->e, ALU_AND, RAX, RV_FFLAG_NX);
    tr_fixup_also(t, x, CC_E);
    t->nx_known = true;
    if (!dyn)
        return;
    emit_cmp_m32i(&t->e, HART_FIELD(frm), 0);
    tr_fixup_also(t, x, CC_NE);
    t->rne_known = true;
}

/* Mark FS dirty after the first instruction completed (the interpreter marks it only then). */
static void fp_end(struct tr *t, struct fixup *f)
{
    if (f)
        f->resume = emit_here(&t->e);
    if (!t->fp_dirty) {
        emit_mov_ri(&t->e, RAX, MSTATUS_FS | MSTATUS_SD);
        emit_alu_mr(&t->e, ALU_OR, HART_FIELD(mstatus), RAX);
        t->fp_dirty = true;
    }
}

static struct fixup *slow(struct tr *t, struct fixup *f, enum x86_cc cc, uint32_t raw)
{
    if (!f)
        return tr_step_fixup(t, cc, raw);
    tr_fixup_also(t, f, cc);
    return f;
}

/* The rounding mode must be RNE, statically or through frm. */
static bool rm_is_rne(const struct rv_insn *d)
{
    return d->rm == RV_RM_RNE || d->rm == RV_RM_DYN;
}

/*
 * frm and fflags.NX are checked once per block: only fflags/frm/fcsr writes change them (NX is
 * sticky), and those reset the knowledge. When a check fails the instruction runs in the
 * interpreter and the block is left after it, so the rest of the block never runs on an
 * unchecked assumption; the dispatcher continues with a block that starts at the next
 * instruction and checks again.
 */
static void check_once(struct tr *t, enum x86_cc cc, uint32_t raw)
{
    struct fixup *x = tr_step_fixup(t, cc, raw);
    x->exit_after = true;
}

static struct fixup *check_rne(struct tr *t, struct fixup *f, const struct rv_insn *d, uint32_t raw)
{
    if (d->rm == RV_RM_DYN && !t->rne_known) {
        emit_cmp_m32i(&t->e, HART_FIELD(frm), 0);
        check_once(t, CC_NE, raw);
        t->rne_known = true;
    }
    return f;
}

static struct fixup *check_nx(struct tr *t, struct fixup *f, uint32_t raw)
{
    if (!t->nx_known) {
        emit_load(&t->e, 4, false, RAX, HART_FIELD(fflags));
        emit_alu_ri32(&t->e, ALU_AND, RAX, RV_FFLAG_NX);
        check_once(t, CC_E, raw);
        t->nx_known = true;
    }
    return f;
}

static struct fixup *check_boxed(struct tr *t, struct fixup *f, unsigned r, uint32_t raw)
{
    if (t->fboxed & (1u << r))
        return f;
    struct x86_mem hi = tr_fmem(t, r);
    hi.disp += 4;
    emit_cmp_m32i(&t->e, hi, -1);
    return slow(t, f, CC_NE, raw);
}

/* rax = result bits (from xmm0); slow unless clear of exceptions (or merely finite for sums,
 * which are exact when tiny). The magnitude shifted left by one (lea) drops the sign, so one
 * unsigned compare tests a range of magnitudes. */
static struct fixup *check_result(struct tr *t, struct fixup *f, bool dbl, bool sum, uint32_t raw,
                                  int x)
{
    struct emitter *e = &t->e;

    if (dbl) {
        emit_movq_rx(e, RAX, x);
        emit_lea(e, RCX, x86_mem_idx(RAX, RAX, 1, 0));
        if (sum) {
            emit_alu_rm(e, ALU_CMP, RCX, JIT_FIELD(fp_inf2));
        } else {
            emit_alu_rm(e, ALU_ADD, RCX, JIT_FIELD(fp_tiny_bias));
            emit_alu_rm(e, ALU_CMP, RCX, JIT_FIELD(fp_safe_span));
        }
        return slow(t, f, CC_AE, raw);
    }
    emit_movd_rx(e, RAX, x);
    emit_lea(e, RCX, x86_mem_idx(RAX, RAX, 1, 0)); /* ecx = magnitude << 1 */
    if (sum) {
        emit_alu_ri32(e, ALU_CMP, RCX, (int32_t)(0x7f800000u << 1));
    } else {
        emit_alu_ri32(e, ALU_SUB, RCX, (int32_t)(0x00800001u << 1));
        emit_alu_ri32(e, ALU_CMP, RCX, (int32_t)((0x7f800000u - 0x00800001u) << 1));
    }
    return slow(t, f, CC_AE, raw);
}

/* f[rd] = rax (the bits; singles are NaN-boxed here), also in xmm0 if in_xmm0 (a double, or a
 * single whose upper bits are already the box). */
static void store_result_x(struct tr *t, unsigned rd, bool dbl, bool in_xmm0)
{
    int x = tr_fdst(t, rd);

    if (x >= 0) {
        if (in_xmm0) {
            emit_sse_rr(&t->e, P_66, SSE_MOVAPD, x, XMM0);
        } else {
            if (!dbl) {
                emit_mov_rr32(&t->e, RAX, RAX);
                emit_alu_rm(&t->e, ALU_OR, RAX, JIT_FIELD(fp_box));
            }
            emit_movq_xr(&t->e, x, RAX);
        }
    } else if (dbl) {
        emit_mov_mr(&t->e, HART_F(rd), RAX);
    } else {
        struct x86_mem hi = HART_F(rd);
        hi.disp += 4;
        emit_store(&t->e, 4, HART_F(rd), RAX);
        emit_mov_m32i(&t->e, hi, -1);
    }
}

static void store_result(struct tr *t, unsigned rd, bool dbl)
{
    store_result_x(t, rd, dbl, false);
}

static bool arith(struct tr *t, const struct rv_insn *d, uint32_t raw, uint8_t op, bool dbl,
                  bool two)
{
    struct emitter *e = &t->e;
    uint8_t pfx = dbl ? P_SD : P_SS;

    if (!rm_is_rne(d))
        return false;
    struct fixup *f = fp_begin(t, raw);
    f = check_rne(t, f, d, raw);
    f = check_nx(t, f, raw);
    if (!dbl) {
        f = check_boxed(t, f, d->rs1, raw);
        if (two)
            f = check_boxed(t, f, d->rs2, raw);
    }
    /* A single's result keeps the upper bits of xmm0: the box of rs1 (its 64 bits loaded). */
    int x1 = t->avx ? tr_freg(t, d->rs1) : -1;
    int x2 = t->avx && two ? tr_freg(t, d->rs2) : -1;
    int xd = tr_fcached(t, d->rd);
    if (x1 >= 0 && x2 >= 0 && xd >= 0 && d->rd != d->rs1 && d->rd != d->rs2) {
        /* AVX's three operands: straight into rd's register (the upper bits from rs1 as
         * above). If the result must be redone, the interpreter step reads rs1 and rs2
         * only and replaces rd, so its clobbered register does not matter. */
        emit_vex_sse_rr(e, pfx, op, xd, x1, x2);
        tr_fdst(t, d->rd);
        f = check_result(t, f, dbl, op == SSE_ADD || op == SSE_SUB, raw, xd);
        fp_end(t, f);
        return true;
    }
    if (two && x1 >= 0 && x2 >= 0) {
        emit_vex_sse_rr(e, pfx, op, XMM0, x1, x2);
    } else if (two) {
        fget(t, XMM0, d->rs1);
        fop(t, pfx, op, XMM0, d->rs2);
    } else if (dbl) {
        fop(t, pfx, op, XMM0, d->rs1);
    } else if (x1 >= 0) {
        emit_vex_sse_rr(e, pfx, op, XMM0, x1, x1);
    } else {
        fget(t, XMM0, d->rs1);
        emit_sse_rr(e, pfx, op, XMM0, XMM0);
    }
    f = check_result(t, f, dbl, op == SSE_ADD || op == SSE_SUB, raw, XMM0);
    store_result_x(t, d->rd, dbl, true);
    fp_end(t, f);
    return true;
}

/* feq/flt/fle: unordered operands (NaNs) take the slow path for the NV rules. */
static bool compare(struct tr *t, const struct rv_insn *d, uint32_t raw, enum x86_cc cc, bool dbl)
{
    struct emitter *e = &t->e;
    struct fixup *f = fp_begin(t, raw);

    if (!dbl) {
        f = check_boxed(t, f, d->rs1, raw);
        f = check_boxed(t, f, d->rs2, raw);
    }
    int a = tr_freg(t, d->rs1);
    if (a < 0) {
        fget(t, XMM0, d->rs1);
        a = XMM0;
    }
    fop(t, dbl ? P_66 : 0, SSE_UCOMI, a, d->rs2); /* ucomisd / ucomiss */
    f = slow(t, f, CC_P, raw);
    emit_setcc(e, cc, RAX);
    tr_put(t, d->rd, RAX);
    fp_end(t, f);
    return true;
}

/* fcvt.{s,d}.{w,wu,l,lu}: through a non-negative or signed 64-bit value, rounded in the
 * host's RNE (NX known); unsigned 64-bit values with the top bit set take the slow path. */
static bool from_int(struct tr *t, const struct rv_insn *d, uint32_t raw)
{
    struct emitter *e = &t->e;
    bool dbl = d->op >= RV_OP_FCVT_D_W;
    unsigned kind = (unsigned)(d->op - (dbl ? RV_OP_FCVT_D_W : RV_OP_FCVT_S_W)); /* W WU L LU */

    if (!rm_is_rne(d))
        return false;
    struct fixup *f = fp_begin(t, raw);
    f = check_rne(t, f, d, raw);
    f = check_nx(t, f, raw);
    tr_get(t, RAX, d->rs1);
    if (kind == 0)
        emit_movsxd(e, RAX, RAX);
    else if (kind == 1)
        emit_mov_rr32(e, RAX, RAX);
    if (kind == 3) {
        emit_test_rr(e, RAX, RAX);
        f = slow(t, f, CC_S, raw);
    }
    emit_sse_rr_w(e, dbl ? P_SD : P_SS, SSE_CVTSI2, XMM0, RAX);
    if (dbl)
        emit_movq_rx(e, RAX, XMM0);
    else
        emit_movd_rx(e, RAX, XMM0);
    store_result(t, d->rd, dbl);
    fp_end(t, f);
    return true;
}

/*
 * Fused multiply-add on FMA3 (checked on the host at run time), as the FPU library's fast path
 * does: in RNE with NX known, a result clear of exceptions is exact to use. The four RISC-V
 * forms map onto vfmadd/vfmsub/vfnmadd/vfnmsub231: xmm0 = +-(xmm1 * m) +- xmm0.
 */
static bool fused(struct tr *t, const struct rv_insn *d, uint32_t raw, uint8_t op, bool dbl)
{
    struct emitter *e = &t->e;
    unsigned rs3 = d->rs3;

    if (!rm_is_rne(d) || !rv_fpu_host_has_fma())
        return false;
    struct fixup *f = fp_begin(t, raw);
    f = check_rne(t, f, d, raw);
    f = check_nx(t, f, raw);
    if (!dbl) {
        f = check_boxed(t, f, d->rs1, raw);
        f = check_boxed(t, f, d->rs2, raw);
        f = check_boxed(t, f, rs3, raw);
    }
    /* A single's result keeps the upper bits of xmm0: rs3's box. */
    fget(t, XMM0, rs3);
    fget(t, XMM1, d->rs1);
    emit_vex_fma(e, op, dbl, XMM0, XMM1, tr_fmem(t, d->rs2));
    f = check_result(t, f, dbl, false, raw, XMM0);
    store_result_x(t, d->rd, dbl, true);
    fp_end(t, f);
    return true;
}

/*
 * fmin/fmax without NaNs: the smaller/larger operand, and for equal ones (only +-0 differ) the
 * OR (min: -0 wins) or AND (max: +0 wins) of the bits. NaNs take the slow path (NV for
 * signaling ones, the other operand or the canonical NaN).
 */
static bool minmax(struct tr *t, const struct rv_insn *d, uint32_t raw, bool max, bool dbl)
{
    struct emitter *e = &t->e;
    struct fixup *f = fp_begin(t, raw);

    if (!dbl) {
        f = check_boxed(t, f, d->rs1, raw);
        f = check_boxed(t, f, d->rs2, raw);
    }
    emit_mov_rm(e, RAX, tr_fmem(t, d->rs1));
    emit_mov_rm(e, RCX, tr_fmem(t, d->rs2));
    tr_clobber_rdx(t);
    emit_mov_rr(e, RDX, RAX);
    emit_alu_rr(e, max ? ALU_AND : ALU_OR, RDX, RCX);
    emit_sse_rm(e, dbl ? P_SD : P_SS, SSE_MOVS_LOAD, XMM0, HART_F(d->rs1));
    emit_sse_rm(e, dbl ? P_66 : 0, SSE_UCOMI, XMM0, HART_F(d->rs2));
    f = slow(t, f, CC_P, raw);
    emit_cmov(e, CC_E, RAX, RDX);
    emit_cmov(e, max ? CC_B : CC_A, RAX, RCX);
    store_result(t, d->rd, dbl);
    fp_end(t, f);
    return true;
}

/* fclass: a direct call of the FPU library's pure function (no flags, no state). */
static bool classify(struct tr *t, const struct rv_insn *d, uint32_t raw, bool dbl)
{
    struct emitter *e = &t->e;
    struct fixup *f = fp_begin(t, raw);

    tr_call_begin(t); /* writes back every dirty f register too */
    emit_mov_rm(e, RDI, HART_F(d->rs1));
    emit_call_abs(e, dbl ? (const void *)rv_fpu_class_d : (const void *)rv_fpu_class_s);
    tr_call_end(t, false);
    tr_put(t, d->rd, RAX);
    fp_end(t, f);
    return true;
}

static void sign_bit_of(struct tr *t, unsigned r, bool invert)
{
    emit_mov_rm(&t->e, RCX, tr_fmem(t, r));
    if (invert)
        emit_f7(&t->e, 2, RCX); /* not */
    emit_shift_ri(&t->e, SHIFT_SHR, RCX, 63);
    emit_shift_ri(&t->e, SHIFT_SHL, RCX, 63);
}

/*
 * fflags, frm and fcsr: user code reads and writes them around quiet comparisons (frflags;
 * flt.d; fsflags), so they must not end the block. Their access only needs FS on; a write
 * marks FS dirty (a read does not).
 */
static bool fp_csr(struct tr *t, const struct rv_insn *d, uint32_t raw)
{
    struct emitter *e = &t->e;
    unsigned csr = (unsigned)d->imm;
    bool imm_form = d->op >= RV_OP_CSRRWI;
    unsigned kind = (unsigned)(d->op - (imm_form ? RV_OP_CSRRWI : RV_OP_CSRRW)); /* W, S, C */
    bool write = kind == 0 || d->rs1 != 0;

    if (csr < CSR_FFLAGS || csr > CSR_FCSR)
        return false;
    struct fixup *f = fp_begin(t, raw);
    if (csr == CSR_FCSR) {
        emit_load(e, 4, false, RAX, HART_FIELD(frm));
        emit_shift_ri32(e, SHIFT_SHL, RAX, 5);
        emit_load(e, 4, false, RCX, HART_FIELD(fflags));
        emit_alu_rr32(e, ALU_OR, RAX, RCX);
    } else {
        emit_load(e, 4, false, RAX, csr == CSR_FFLAGS ? HART_FIELD(fflags) : HART_FIELD(frm));
    }
    if (write) {
        tr_clobber_rdx(t);
        if (imm_form)
            emit_mov_ri(e, RDX, d->rs1);
        else
            tr_get(t, RDX, d->rs1);
        if (kind == 1) {
            emit_alu_rr(e, ALU_OR, RDX, RAX);
        } else if (kind == 2) {
            emit_f7(e, 2, RDX); /* not */
            emit_alu_rr(e, ALU_AND, RDX, RAX);
        }
        if (csr != CSR_FRM) {
            emit_mov_rr32(e, RCX, RDX);
            emit_alu_ri32(e, ALU_AND, RCX, 0x1f);
            emit_store(e, 4, HART_FIELD(fflags), RCX);
        }
        if (csr != CSR_FFLAGS) {
            if (csr == CSR_FCSR)
                emit_shift_ri32(e, SHIFT_SHR, RDX, 5);
            emit_alu_ri32(e, ALU_AND, RDX, 7);
            emit_store(e, 4, HART_FIELD(frm), RDX);
        }
        emit_mov_ri(e, RCX, MSTATUS_FS | MSTATUS_SD);
        emit_alu_mr(e, ALU_OR, HART_FIELD(mstatus), RCX);
        t->nx_known = t->rne_known = false;
    }
    tr_put(t, d->rd, RAX);
    if (f)
        f->resume = emit_here(e);
    return true;
}

bool tr_fp(struct tr *t, const struct rv_insn *d, uint32_t raw)
{
    struct emitter *e = &t->e;
    struct fixup *f;

    switch (d->op) {
    case RV_OP_FMADD_D:
        return fused(t, d, raw, 0xb9, true);
    case RV_OP_FMSUB_D:
        return fused(t, d, raw, 0xbb, true);
    case RV_OP_FNMSUB_D:
        return fused(t, d, raw, 0xbd, true);
    case RV_OP_FNMADD_D:
        return fused(t, d, raw, 0xbf, true);
    case RV_OP_FMADD_S:
        return fused(t, d, raw, 0xb9, false);
    case RV_OP_FMSUB_S:
        return fused(t, d, raw, 0xbb, false);
    case RV_OP_FNMSUB_S:
        return fused(t, d, raw, 0xbd, false);
    case RV_OP_FNMADD_S:
        return fused(t, d, raw, 0xbf, false);
    case RV_OP_FMIN_D:
        return minmax(t, d, raw, false, true);
    case RV_OP_FMAX_D:
        return minmax(t, d, raw, true, true);
    case RV_OP_FMIN_S:
        return minmax(t, d, raw, false, false);
    case RV_OP_FMAX_S:
        return minmax(t, d, raw, true, false);
    case RV_OP_FCLASS_D:
        return classify(t, d, raw, true);
    case RV_OP_FCLASS_S:
        return classify(t, d, raw, false);
    case RV_OP_FADD_D:
        return arith(t, d, raw, SSE_ADD, true, true);
    case RV_OP_FSUB_D:
        return arith(t, d, raw, SSE_SUB, true, true);
    case RV_OP_FMUL_D:
        return arith(t, d, raw, SSE_MUL, true, true);
    case RV_OP_FDIV_D:
        return arith(t, d, raw, SSE_DIV, true, true);
    case RV_OP_FSQRT_D:
        return arith(t, d, raw, SSE_SQRT, true, false);
    case RV_OP_FADD_S:
        return arith(t, d, raw, SSE_ADD, false, true);
    case RV_OP_FSUB_S:
        return arith(t, d, raw, SSE_SUB, false, true);
    case RV_OP_FMUL_S:
        return arith(t, d, raw, SSE_MUL, false, true);
    case RV_OP_FDIV_S:
        return arith(t, d, raw, SSE_DIV, false, true);
    case RV_OP_FSQRT_S:
        return arith(t, d, raw, SSE_SQRT, false, false);
    case RV_OP_FEQ_D:
        return compare(t, d, raw, CC_E, true);
    case RV_OP_FLT_D:
        return compare(t, d, raw, CC_B, true);
    case RV_OP_FLE_D:
        return compare(t, d, raw, CC_BE, true);
    case RV_OP_FEQ_S:
        return compare(t, d, raw, CC_E, false);
    case RV_OP_FLT_S:
        return compare(t, d, raw, CC_B, false);
    case RV_OP_FLE_S:
        return compare(t, d, raw, CC_BE, false);
    case RV_OP_FLD:
    case RV_OP_FLW:
        f = fp_begin(t, raw);
        if (d->op == RV_OP_FLD && t->fhost[d->rd] >= 0) {
            tr_load_fx(t, t->fhost[d->rd], d->rs1, d->imm);
            tr_fdst(t, d->rd);
        } else {
            tr_load(t, RAX, d->rs1, d->imm, d->op == RV_OP_FLD ? 8 : 4, false);
            store_result(t, d->rd, d->op == RV_OP_FLD);
        }
        fp_end(t, f);
        return true;
    case RV_OP_FSD:
    case RV_OP_FSW:
        f = fp_begin(t, raw);
        /* From the cached xmm (loaded before the probe's branch); the slow path stores the
         * hart's copy, which it writes back first. */
        tr_store(t, d->rs1, d->imm, d->op == RV_OP_FSD ? 8 : 4, -1, HART_F(d->rs2),
                 tr_freg(t, d->rs2));
        /* A store leaves the FP state clean, as in the interpreter (FS is not marked dirty). */
        if (f)
            f->resume = emit_here(e);
        return true;
    case RV_OP_FMV_X_D:
    case RV_OP_FMV_X_W:
        f = fp_begin(t, raw);
        if (d->op == RV_OP_FMV_X_D && tr_freg(t, d->rs1) >= 0)
            emit_movq_rx(e, RAX, tr_freg(t, d->rs1));
        else if (d->op == RV_OP_FMV_X_D)
            emit_mov_rm(e, RAX, HART_F(d->rs1));
        else
            emit_load(e, 4, true, RAX, tr_fmem(t, d->rs1));
        tr_put(t, d->rd, RAX);
        fp_end(t, f);
        return true;
    case RV_OP_FMV_D_X:
    case RV_OP_FMV_W_X:
        f = fp_begin(t, raw);
        tr_get(t, RAX, d->rs1);
        store_result(t, d->rd, d->op == RV_OP_FMV_D_X);
        fp_end(t, f);
        return true;
    case RV_OP_FSGNJ_D:
    case RV_OP_FSGNJN_D:
    case RV_OP_FSGNJX_D:
        f = fp_begin(t, raw);
        sign_bit_of(t, d->rs2, d->op == RV_OP_FSGNJN_D);
        emit_mov_rm(e, RAX, tr_fmem(t, d->rs1));
        if (d->op != RV_OP_FSGNJX_D) {
            emit_shift_ri(e, SHIFT_SHL, RAX, 1);
            emit_shift_ri(e, SHIFT_SHR, RAX, 1);
            emit_alu_rr(e, ALU_OR, RAX, RCX);
        } else {
            emit_alu_rr(e, ALU_XOR, RAX, RCX);
        }
        store_result(t, d->rd, true);
        fp_end(t, f);
        return true;
    case RV_OP_FCVT_L_D:
    case RV_OP_FCVT_W_D: {
        /* Truncating (RTZ) or current-mode (RNE) conversion; the "integer indefinite" result
         * of NaNs and out-of-range values takes the slow path (also for a true minimum). */
        bool wide = d->op == RV_OP_FCVT_L_D;
        if (d->rm != RV_RM_RTZ && !rm_is_rne(d))
            return false;
        f = fp_begin(t, raw);
        if (d->rm != RV_RM_RTZ)
            f = check_rne(t, f, d, raw);
        f = check_nx(t, f, raw);
        uint8_t op = d->rm == RV_RM_RTZ ? SSE_CVTT2SI : SSE_CVT2SI;
        if (wide) {
            emit_sse_rm_w(e, P_SD, op, RAX, tr_fmem(t, d->rs1));
            emit_mov_ri(e, RCX, 1ull << 63);
            emit_alu_rr(e, ALU_CMP, RAX, RCX);
        } else {
            emit_sse_rm(e, P_SD, op, RAX, tr_fmem(t, d->rs1));
            emit_alu_ri32(e, ALU_CMP, RAX, INT32_MIN);
        }
        f = slow(t, f, CC_E, raw);
        if (!wide)
            emit_movsxd(e, RAX, RAX);
        tr_put(t, d->rd, RAX);
        fp_end(t, f);
        return true;
    }
    case RV_OP_FCVT_D_L:
    case RV_OP_FCVT_D_W:
    case RV_OP_FCVT_D_LU:
    case RV_OP_FCVT_D_WU:
    case RV_OP_FCVT_S_L:
    case RV_OP_FCVT_S_W:
    case RV_OP_FCVT_S_LU:
    case RV_OP_FCVT_S_WU:
        return from_int(t, d, raw);
    case RV_OP_FCVT_S_D:
        if (!rm_is_rne(d))
            return false;
        f = fp_begin(t, raw);
        f = check_rne(t, f, d, raw);
        f = check_nx(t, f, raw);
        emit_sse_rm(e, P_SD, SSE_CVT_FMT, XMM0, tr_fmem(t, d->rs1));
        f = check_result(t, f, false, false, raw, XMM0);
        store_result(t, d->rd, false);
        fp_end(t, f);
        return true;
    case RV_OP_FCVT_D_S:
        /* Exact; only NaNs (NV for signaling ones, canonical result) need the slow path. */
        if (d->rm > RV_RM_RMM && d->rm != RV_RM_DYN)
            return false;
        f = fp_begin(t, raw);
        f = check_rne(t, f, d, raw);
        f = check_boxed(t, f, d->rs1, raw);
        emit_sse_rm(e, P_SS, SSE_CVT_FMT, XMM0, tr_fmem(t, d->rs1));
        f = check_result(t, f, true, true, raw, XMM0);
        store_result(t, d->rd, true);
        fp_end(t, f);
        return true;
    case RV_OP_CSRRW:
    case RV_OP_CSRRS:
    case RV_OP_CSRRC:
    case RV_OP_CSRRWI:
    case RV_OP_CSRRSI:
    case RV_OP_CSRRCI:
        return fp_csr(t, d, raw);
    default:
        return false;
    }
}
