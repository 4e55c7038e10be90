/* Translation of the integer instructions (RV64IM, loads/stores, control transfer); everything
 * else is run by the interpreter one instruction at a time (tr_call_step). */
#include "accel/jit/internal.h"
#include "accel/jit/translate.h"

/* Plain loads and stores of guest registers, through the block's register cache. */
static void ld(struct tr *t, int reg, unsigned r)
{
    tr_get(t, reg, r);
}

static void st(struct tr *t, unsigned r, int reg)
{
    tr_put(t, r, reg);
}

/* rd = rs1 op rs2 (64-bit ALU group 1): in rd's host register when it is cached and not rs2. */
static void alu_rr(struct tr *t, enum x86_alu op, const struct rv_insn *d)
{
    int h = tr_cached(t, d->rd);

    if (h >= 0 && (d->rd != d->rs2 || d->rd == d->rs1)) {
        /* Sources are read (and loaded if need be) before rd is written. */
        if (d->rd != d->rs1)
            tr_get(t, h, d->rs1);
        else
            tr_reg(t, d->rd);
        if (d->rs2 != d->rd)
            tr_reg(t, d->rs2);
        tr_dst(t, d->rd);
        tr_alu_x(t, op, h, d->rs2);
        return;
    }
    if (h >= 0 && op != ALU_SUB) {
        /* rd = rs2 op rs1 (commutative), rd == rs2 != rs1. */
        tr_reg(t, d->rd);
        tr_reg(t, d->rs1);
        tr_dst(t, d->rd);
        tr_alu_x(t, op, h, d->rs1);
        return;
    }
    ld(t, RAX, d->rs1);
    tr_alu_x(t, op, RAX, d->rs2);
    st(t, d->rd, RAX);
}

static void alu_ri(struct tr *t, enum x86_alu op, const struct rv_insn *d)
{
    struct emitter *e = &t->e;
    int h = tr_cached(t, d->rd);

    if (d->rs1 == 0) {
        /* li / constant: 0 op imm */
        tr_put_imm(t, d->rd, op == ALU_AND ? 0 : d->imm);
        return;
    }
    if (d->rd == d->rs1) {
        if (d->imm == 0 && op != ALU_AND)
            return;
        if (h >= 0) {
            tr_reg(t, d->rd);
            tr_dst(t, d->rd);
            emit_alu_ri(e, op, h, d->imm);
        } else {
            emit_alu_mi(e, op, HART_X(d->rd), d->imm);
        }
        return;
    }
    int s = tr_reg(t, d->rs1);
    if (h >= 0 && op == ALU_ADD && s >= 0) {
        /* mv / addi between cached registers: one lea (or mov). */
        tr_dst(t, d->rd);
        if (d->imm)
            emit_lea(e, h, x86_mem(s, d->imm));
        else
            emit_mov_rr(e, h, s);
        return;
    }
    if (h >= 0) {
        tr_get(t, h, d->rs1); /* rd != rs1: read before rd is written */
        tr_dst(t, d->rd);
        if (d->imm != 0 || op == ALU_AND)
            emit_alu_ri(e, op, h, d->imm);
        return;
    }
    ld(t, RAX, d->rs1);
    if (d->imm != 0 || op == ALU_AND)
        emit_alu_ri(e, op, RAX, d->imm);
    st(t, d->rd, RAX);
}

/* x[rd] = the low 32 bits of host register src, sign-extended (into rd's register if cached). */
static void put_word(struct tr *t, unsigned rd, int src)
{
    int h = tr_dst(t, rd);

    if (rd == 0)
        return;
    if (h >= 0) {
        emit_movsxd(&t->e, h, src);
    } else {
        emit_movsxd(&t->e, RAX, src);
        emit_mov_mr(&t->e, HART_X(rd), RAX);
    }
}

/* Host register holding x[r] (cached, loaded now if needed), else x[r] loaded into tmp. */
static int src_reg(struct tr *t, unsigned r, int tmp)
{
    int h = tr_reg(t, r);

    if (h >= 0)
        return h;
    ld(t, tmp, r);
    return tmp;
}

/* 32-bit ops: compute in eax, sign-extend the result. */
static void alu_rr_w(struct tr *t, enum x86_alu op, const struct rv_insn *d)
{
    ld(t, RAX, d->rs1);
    emit_alu_rr32(&t->e, op, RAX, src_reg(t, d->rs2, RCX));
    put_word(t, d->rd, RAX);
}

static void shift_imm(struct tr *t, enum x86_shift op, const struct rv_insn *d, bool word)
{
    int h = tr_cached(t, d->rd);

    if (!word && h >= 0) {
        /* In rd's register: sources are read before rd is written. */
        if (d->rd == d->rs1)
            tr_reg(t, d->rd);
        else
            tr_get(t, h, d->rs1);
        tr_dst(t, d->rd);
        if (d->imm)
            emit_shift_ri(&t->e, op, h, (unsigned)d->imm);
        return;
    }
    if (word && d->imm == 0) {
        put_word(t, d->rd, src_reg(t, d->rs1, RAX)); /* sext.w */
        return;
    }
    ld(t, RAX, d->rs1);
    if (word) {
        emit_shift_ri32(&t->e, op, RAX, (unsigned)d->imm);
        put_word(t, d->rd, RAX);
        return;
    } else if (d->imm) {
        emit_shift_ri(&t->e, op, RAX, (unsigned)d->imm);
    }
    st(t, d->rd, RAX);
}

static void shift_reg(struct tr *t, enum x86_shift op, const struct rv_insn *d, bool word)
{
    int h = tr_cached(t, d->rd);

    ld(t, RCX, d->rs2); /* the count, read before rd may be written */
    if (word) {
        ld(t, RAX, d->rs1);
        emit_shift_rcl32(&t->e, op, RAX);
        put_word(t, d->rd, RAX);
        return;
    }
    if (h >= 0) {
        if (d->rd != d->rs1)
            tr_get(t, h, d->rs1);
        else
            tr_reg(t, d->rd);
        tr_dst(t, d->rd);
        emit_shift_rcl(&t->e, op, h);
        return;
    }
    ld(t, RAX, d->rs1);
    emit_shift_rcl(&t->e, op, RAX);
    st(t, d->rd, RAX);
}

/* slt/sltu/slti/sltiu: compare in place, set rd's register directly when it is cached. */
static void set_cmp(struct tr *t, enum x86_cc cc, const struct rv_insn *d, bool imm)
{
    int a = src_reg(t, d->rs1, RCX);

    if (imm)
        emit_alu_ri(&t->e, ALU_CMP, a, d->imm);
    else
        tr_alu_x(t, ALU_CMP, a, d->rs2);
    int h = tr_dst(t, d->rd);
    if (h >= 0) {
        emit_setcc(&t->e, cc, h);
        return;
    }
    emit_setcc(&t->e, cc, RAX);
    st(t, d->rd, RAX);
}

static void patch_here(struct tr *t, uint8_t *field)
{
    if (!t->e.overflow)
        emit_patch_rel32(field, emit_here(&t->e));
}

/*
 * Division with RISC-V's results where x86 would fault: by zero (quotient all ones, remainder
 * the dividend) and the signed overflow MIN / -1 (quotient MIN, remainder 0).
 */
static void divide(struct tr *t, const struct rv_insn *d, bool sign, bool rem, bool word)
{
    struct emitter *e = &t->e;

    tr_clobber_rdx(t);
    ld(t, RAX, d->rs1);
    ld(t, RCX, d->rs2);
    if (word)
        emit_test_rr32(e, RCX, RCX);
    else
        emit_test_rr(e, RCX, RCX);
    uint8_t *to_zero = emit_jcc(e, CC_E, NULL);
    uint8_t *to_minus1 = NULL;
    if (sign) {
        if (word)
            emit_alu_ri32(e, ALU_CMP, RCX, -1);
        else
            emit_alu_ri(e, ALU_CMP, RCX, -1);
        to_minus1 = emit_jcc(e, CC_E, NULL);
    }
    if (sign)
        word ? emit_cdq(e) : emit_cqo(e);
    else
        emit_mov_ri(e, RDX, 0);
    word ? emit_f7_32(e, sign ? 7 : 6, RCX) : emit_f7(e, sign ? 7 : 6, RCX);
    if (rem)
        emit_mov_rr(e, RAX, RDX);
    uint8_t *to_done1 = emit_jmp(e, NULL);
    uint8_t *to_done2 = NULL;
    if (sign) {
        patch_here(t, to_minus1);
        if (rem)
            emit_mov_ri(e, RAX, 0);
        else
            word ? emit_f7_32(e, 3, RAX) : emit_f7(e, 3, RAX); /* neg: MIN stays MIN */
        to_done2 = emit_jmp(e, NULL);
    }
    patch_here(t, to_zero);
    if (!rem)
        emit_mov_ri(e, RAX, ~0ull);
    patch_here(t, to_done1);
    if (to_done2)
        patch_here(t, to_done2);
    if (word)
        emit_movsxd(e, RAX, RAX);
    st(t, d->rd, RAX);
}

static void branch(struct tr *t, enum x86_cc cc, const struct rv_insn *d)
{
    int a = tr_reg(t, d->rs1);

    if (a < 0) {
        ld(t, RAX, d->rs1);
        a = RAX;
    }
    if (d->rs2 == 0)
        emit_test_rr(&t->e, a, a);
    else
        tr_alu_x(t, ALU_CMP, a, d->rs2);
    tr_branch_exit(t, cc, (int64_t)t->off + d->imm);
}

/* Straight into rd's host register when it is cached. */
static void load(struct tr *t, const struct rv_insn *d, unsigned size, bool sign)
{
    int h = tr_cached(t, d->rd);

    if (h >= 0) {
        tr_load(t, h, d->rs1, d->imm, size, sign);
        tr_dst(t, d->rd);
        return;
    }
    tr_load(t, RAX, d->rs1, d->imm, size, sign);
    st(t, d->rd, RAX);
}

static void store(struct tr *t, const struct rv_insn *d, unsigned size)
{
    tr_store(t, d->rs1, d->imm, size, d->rs2, HART_X(0), -1);
}

/* Link register value: the pc after this instruction. */
static void link(struct tr *t, unsigned rd, int reg)
{
    if (rd == 0)
        return;
    emit_lea(&t->e, reg, x86_mem(R15, (int32_t)(t->off + t->len)));
    st(t, rd, reg);
}

static bool is_fp_or_amo(unsigned op)
{
    return (op >= RV_OP_LR_W && op <= RV_OP_AMOMAXU_D) || (op >= RV_OP_FLW && op <= RV_OP_FMV_D_X);
}

bool tr_insn(struct tr *t, const struct rv_insn *d, uint32_t raw)
{
    struct emitter *e = &t->e;

    switch (d->op) {
    case RV_OP_LUI:
        tr_put_imm(t, d->rd, d->imm);
        return false;
    case RV_OP_AUIPC:
        if (d->rd) {
            int64_t v = (int64_t)t->off + d->imm;
            if (v == (int32_t)v) {
                emit_lea(e, RAX, x86_mem(R15, (int32_t)v));
            } else {
                emit_mov_ri(e, RAX, (uint64_t)v);
                emit_alu_rr(e, ALU_ADD, RAX, R15);
            }
            st(t, d->rd, RAX);
        }
        return false;
    case RV_OP_JAL:
        link(t, d->rd, RAX);
        t->pend++;
        tr_sync_instret(t);
        const struct tr_head *h = tr_head_for(t, (int64_t)t->off + d->imm);
        if (h)
            tr_loop_back(t, h, t->dirty, t->fdirty);
        else
            tr_goto(t, (int64_t)t->off + d->imm);
        return true;
    case RV_OP_JALR:
        ld(t, RAX, d->rs1);
        if (d->imm)
            emit_lea(e, RAX, x86_mem(RAX, d->imm));
        emit_alu_ri(e, ALU_AND, RAX, -2);
        link(t, d->rd, RCX);
        t->pend++;
        tr_sync_instret(t);
        tr_writeback(t, t->dirty);
        tr_fwriteback(t, t->fdirty);
        emit_jmp(e, t->j->stub_lookup);
        return true;
    case RV_OP_BEQ:
        branch(t, CC_E, d);
        return false;
    case RV_OP_BNE:
        branch(t, CC_NE, d);
        return false;
    case RV_OP_BLT:
        branch(t, CC_L, d);
        return false;
    case RV_OP_BGE:
        branch(t, CC_GE, d);
        return false;
    case RV_OP_BLTU:
        branch(t, CC_B, d);
        return false;
    case RV_OP_BGEU:
        branch(t, CC_AE, d);
        return false;
    case RV_OP_LB:
        load(t, d, 1, true);
        return false;
    case RV_OP_LH:
        load(t, d, 2, true);
        return false;
    case RV_OP_LW:
        load(t, d, 4, true);
        return false;
    case RV_OP_LD:
        load(t, d, 8, false);
        return false;
    case RV_OP_LBU:
        load(t, d, 1, false);
        return false;
    case RV_OP_LHU:
        load(t, d, 2, false);
        return false;
    case RV_OP_LWU:
        load(t, d, 4, false);
        return false;
    case RV_OP_SB:
        store(t, d, 1);
        return false;
    case RV_OP_SH:
        store(t, d, 2);
        return false;
    case RV_OP_SW:
        store(t, d, 4);
        return false;
    case RV_OP_SD:
        store(t, d, 8);
        return false;
    case RV_OP_FENCE:
        return false;
    default:
        break;
    }

    if (d->rd == 0 && d->op >= RV_OP_ADDI && d->op <= RV_OP_SRAW)
        return false; /* hints and nops: no effect */
    if (d->rd == 0 && d->op >= RV_OP_MUL && d->op <= RV_OP_REMUW)
        return false;

    switch (d->op) {
    case RV_OP_ADDI:
        alu_ri(t, ALU_ADD, d);
        return false;
    case RV_OP_XORI:
        alu_ri(t, ALU_XOR, d);
        return false;
    case RV_OP_ORI:
        alu_ri(t, ALU_OR, d);
        return false;
    case RV_OP_ANDI:
        alu_ri(t, ALU_AND, d);
        return false;
    case RV_OP_SLTI:
        set_cmp(t, CC_L, d, true);
        return false;
    case RV_OP_SLTIU:
        set_cmp(t, CC_B, d, true);
        return false;
    case RV_OP_SLLI:
        shift_imm(t, SHIFT_SHL, d, false);
        return false;
    case RV_OP_SRLI:
        shift_imm(t, SHIFT_SHR, d, false);
        return false;
    case RV_OP_SRAI:
        shift_imm(t, SHIFT_SAR, d, false);
        return false;
    case RV_OP_ADD:
        alu_rr(t, ALU_ADD, d);
        return false;
    case RV_OP_SUB:
        alu_rr(t, ALU_SUB, d);
        return false;
    case RV_OP_XOR:
        alu_rr(t, ALU_XOR, d);
        return false;
    case RV_OP_OR:
        alu_rr(t, ALU_OR, d);
        return false;
    case RV_OP_AND:
        alu_rr(t, ALU_AND, d);
        return false;
    case RV_OP_SLT:
        set_cmp(t, CC_L, d, false);
        return false;
    case RV_OP_SLTU:
        set_cmp(t, CC_B, d, false);
        return false;
    case RV_OP_SLL:
        shift_reg(t, SHIFT_SHL, d, false);
        return false;
    case RV_OP_SRL:
        shift_reg(t, SHIFT_SHR, d, false);
        return false;
    case RV_OP_SRA:
        shift_reg(t, SHIFT_SAR, d, false);
        return false;
    case RV_OP_ADDIW: {
        /* sext.w is one movsxd; the low 32 bits of a 64-bit lea are the 32-bit sum. */
        int s = src_reg(t, d->rs1, RAX);
        if (d->imm) {
            emit_lea(e, RAX, x86_mem(s, d->imm));
            s = RAX;
        }
        put_word(t, d->rd, s);
        return false;
    }
    case RV_OP_SLLIW:
        shift_imm(t, SHIFT_SHL, d, true);
        return false;
    case RV_OP_SRLIW:
        shift_imm(t, SHIFT_SHR, d, true);
        return false;
    case RV_OP_SRAIW:
        shift_imm(t, SHIFT_SAR, d, true);
        return false;
    case RV_OP_ADDW:
        alu_rr_w(t, ALU_ADD, d);
        return false;
    case RV_OP_SUBW:
        alu_rr_w(t, ALU_SUB, d);
        return false;
    case RV_OP_SLLW:
        shift_reg(t, SHIFT_SHL, d, true);
        return false;
    case RV_OP_SRLW:
        shift_reg(t, SHIFT_SHR, d, true);
        return false;
    case RV_OP_SRAW:
        shift_reg(t, SHIFT_SAR, d, true);
        return false;
    case RV_OP_MUL:
        ld(t, RAX, d->rs1);
        ld(t, RCX, d->rs2);
        emit_imul_rr(e, RAX, RCX);
        st(t, d->rd, RAX);
        return false;
    case RV_OP_MULW:
        ld(t, RAX, d->rs1);
        emit_imul_rr32(e, RAX, src_reg(t, d->rs2, RCX));
        put_word(t, d->rd, RAX);
        return false;
    case RV_OP_MULH:
    case RV_OP_MULHU:
        tr_clobber_rdx(t);
        ld(t, RAX, d->rs1);
        ld(t, RCX, d->rs2);
        emit_f7(e, d->op == RV_OP_MULH ? 5 : 4, RCX);
        st(t, d->rd, RDX);
        return false;
    case RV_OP_MULHSU:
        /* Unsigned high product, minus rs2 when rs1 is negative. */
        tr_clobber_rdx(t);
        ld(t, RAX, d->rs1);
        ld(t, RCX, d->rs2);
        emit_f7(e, 4, RCX);
        ld(t, RAX, d->rs1);
        emit_shift_ri(e, SHIFT_SAR, RAX, 63);
        emit_alu_rr(e, ALU_AND, RAX, RCX);
        emit_alu_rr(e, ALU_SUB, RDX, RAX);
        st(t, d->rd, RDX);
        return false;
    case RV_OP_DIV:
        divide(t, d, true, false, false);
        return false;
    case RV_OP_DIVU:
        divide(t, d, false, false, false);
        return false;
    case RV_OP_REM:
        divide(t, d, true, true, false);
        return false;
    case RV_OP_REMU:
        divide(t, d, false, true, false);
        return false;
    case RV_OP_DIVW:
        divide(t, d, true, false, true);
        return false;
    case RV_OP_DIVUW:
        divide(t, d, false, false, true);
        return false;
    case RV_OP_REMW:
        divide(t, d, true, true, true);
        return false;
    case RV_OP_REMUW:
        divide(t, d, false, true, true);
        return false;
    default:
        break;
    }
    /* The interpreter runs the rest. FP and atomics keep the block going when they retire
     * normally; system instructions may change the mode, TLBs or interrupts: the block ends. */
    if (tr_fp(t, d, raw))
        return false;
    if (is_fp_or_amo(d->op)) {
        tr_call_step(t, raw, false);
        return false;
    }
    tr_call_step(t, raw, true);
    return true;
}
