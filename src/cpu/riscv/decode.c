/* RV64GC decoder (unprivileged spec 20191213 ch. 2-16 and privileged 1.12 ch. 3.3, 4.2). */
#include "cpu/riscv/decode.h"

#include <stdbool.h>

static inline uint32_t bits(uint32_t v, unsigned hi, unsigned lo)
{
    return (v >> lo) & ((1u << (hi - lo + 1)) - 1);
}

static inline int32_t sext(uint32_t v, unsigned width)
{
    uint32_t m = 1u << (width - 1);
    return (int32_t)((v ^ m) - m);
}

static void set(struct rv_insn *d, enum rv_op op, unsigned rd, unsigned rs1, unsigned rs2,
                int32_t imm)
{
    d->op = (uint16_t)op;
    d->rd = (uint8_t)rd;
    d->rs1 = (uint8_t)rs1;
    d->rs2 = (uint8_t)rs2;
    d->imm = imm;
}

static void illegal(struct rv_insn *d, uint32_t raw)
{
    *d = (struct rv_insn){.op = RV_OP_ILLEGAL, .len = d->len, .imm = (int32_t)raw};
}

static void decode_op_imm(uint32_t raw, struct rv_insn *d, unsigned rd, unsigned rs1, int32_t imm,
                          unsigned f3)
{
    static const enum rv_op ops[8] = {RV_OP_ADDI, RV_OP_SLLI, RV_OP_SLTI, RV_OP_SLTIU,
                                      RV_OP_XORI, RV_OP_SRLI, RV_OP_ORI,  RV_OP_ANDI};
    unsigned f6 = bits(raw, 31, 26);

    if (f3 == 1) {
        if (f6 != 0)
            return illegal(d, raw);
        return set(d, RV_OP_SLLI, rd, rs1, 0, (int32_t)bits(raw, 25, 20));
    }
    if (f3 == 5) {
        if (f6 != 0 && f6 != 0x10)
            return illegal(d, raw);
        return set(d, f6 ? RV_OP_SRAI : RV_OP_SRLI, rd, rs1, 0, (int32_t)bits(raw, 25, 20));
    }
    set(d, ops[f3], rd, rs1, 0, imm);
}

static void decode_op_imm32(uint32_t raw, struct rv_insn *d, unsigned rd, unsigned rs1, int32_t imm,
                            unsigned f3)
{
    unsigned f7 = bits(raw, 31, 25);
    unsigned sh = bits(raw, 24, 20);

    if (f3 == 0)
        return set(d, RV_OP_ADDIW, rd, rs1, 0, imm);
    if (f3 == 1 && f7 == 0)
        return set(d, RV_OP_SLLIW, rd, rs1, 0, (int32_t)sh);
    if (f3 == 5 && (f7 == 0 || f7 == 0x20))
        return set(d, f7 ? RV_OP_SRAIW : RV_OP_SRLIW, rd, rs1, 0, (int32_t)sh);
    illegal(d, raw);
}

static void decode_op(uint32_t raw, struct rv_insn *d, unsigned rd, unsigned rs1, unsigned rs2,
                      unsigned f3)
{
    static const enum rv_op base[8] = {RV_OP_ADD, RV_OP_SLL, RV_OP_SLT, RV_OP_SLTU,
                                       RV_OP_XOR, RV_OP_SRL, RV_OP_OR,  RV_OP_AND};
    static const enum rv_op mul[8] = {RV_OP_MUL, RV_OP_MULH, RV_OP_MULHSU, RV_OP_MULHU,
                                      RV_OP_DIV, RV_OP_DIVU, RV_OP_REM,    RV_OP_REMU};
    unsigned f7 = bits(raw, 31, 25);

    if (f7 == 0)
        return set(d, base[f3], rd, rs1, rs2, 0);
    if (f7 == 1)
        return set(d, mul[f3], rd, rs1, rs2, 0);
    if (f7 == 0x20 && f3 == 0)
        return set(d, RV_OP_SUB, rd, rs1, rs2, 0);
    if (f7 == 0x20 && f3 == 5)
        return set(d, RV_OP_SRA, rd, rs1, rs2, 0);
    illegal(d, raw);
}

static void decode_op32(uint32_t raw, struct rv_insn *d, unsigned rd, unsigned rs1, unsigned rs2,
                        unsigned f3)
{
    unsigned f7 = bits(raw, 31, 25);
    enum rv_op op = RV_OP_ILLEGAL;

    if (f7 == 0) {
        op = f3 == 0 ? RV_OP_ADDW : f3 == 1 ? RV_OP_SLLW : f3 == 5 ? RV_OP_SRLW : RV_OP_ILLEGAL;
    } else if (f7 == 0x20) {
        op = f3 == 0 ? RV_OP_SUBW : f3 == 5 ? RV_OP_SRAW : RV_OP_ILLEGAL;
    } else if (f7 == 1) {
        static const enum rv_op mulw[8] = {RV_OP_MULW, RV_OP_ILLEGAL, RV_OP_ILLEGAL, RV_OP_ILLEGAL,
                                           RV_OP_DIVW, RV_OP_DIVUW,   RV_OP_REMW,    RV_OP_REMUW};
        op = mulw[f3];
    }
    if (op == RV_OP_ILLEGAL)
        return illegal(d, raw);
    set(d, op, rd, rs1, rs2, 0);
}

static void decode_amo(uint32_t raw, struct rv_insn *d, unsigned rd, unsigned rs1, unsigned rs2,
                       unsigned f3)
{
    unsigned f5 = bits(raw, 31, 27);
    enum rv_op w;

    switch (f5) {
    case 0x02:
        w = RV_OP_LR_W;
        break;
    case 0x03:
        w = RV_OP_SC_W;
        break;
    case 0x01:
        w = RV_OP_AMOSWAP_W;
        break;
    case 0x00:
        w = RV_OP_AMOADD_W;
        break;
    case 0x04:
        w = RV_OP_AMOXOR_W;
        break;
    case 0x0c:
        w = RV_OP_AMOAND_W;
        break;
    case 0x08:
        w = RV_OP_AMOOR_W;
        break;
    case 0x10:
        w = RV_OP_AMOMIN_W;
        break;
    case 0x14:
        w = RV_OP_AMOMAX_W;
        break;
    case 0x18:
        w = RV_OP_AMOMINU_W;
        break;
    case 0x1c:
        w = RV_OP_AMOMAXU_W;
        break;
    default:
        return illegal(d, raw);
    }
    if ((f3 != 2 && f3 != 3) || (w == RV_OP_LR_W && rs2 != 0))
        return illegal(d, raw);
    /* The .D ops are laid out in the same order right after the .W ones. */
    enum rv_op op = f3 == 2 ? w : (enum rv_op)(w + (RV_OP_LR_D - RV_OP_LR_W));
    set(d, op, rd, rs1, rs2, 0);
    d->rm = (uint8_t)bits(raw, 26, 25);
}

static void decode_system(uint32_t raw, struct rv_insn *d, unsigned rd, unsigned rs1, unsigned rs2,
                          unsigned f3)
{
    static const enum rv_op csr[8] = {RV_OP_ILLEGAL, RV_OP_CSRRW,  RV_OP_CSRRS,  RV_OP_CSRRC,
                                      RV_OP_ILLEGAL, RV_OP_CSRRWI, RV_OP_CSRRSI, RV_OP_CSRRCI};
    unsigned f12 = bits(raw, 31, 20);

    if (f3 != 0) {
        if (csr[f3] == RV_OP_ILLEGAL)
            return illegal(d, raw);
        return set(d, csr[f3], rd, rs1, 0, (int32_t)f12);
    }
    if (bits(raw, 31, 25) == 0x09 && rd == 0)
        return set(d, RV_OP_SFENCE_VMA, 0, rs1, rs2, 0);
    if (rd != 0 || rs1 != 0)
        return illegal(d, raw);
    switch (f12) {
    case 0x000:
        return set(d, RV_OP_ECALL, 0, 0, 0, 0);
    case 0x001:
        return set(d, RV_OP_EBREAK, 0, 0, 0, 0);
    case 0x302:
        return set(d, RV_OP_MRET, 0, 0, 0, 0);
    case 0x102:
        return set(d, RV_OP_SRET, 0, 0, 0, 0);
    case 0x105:
        return set(d, RV_OP_WFI, 0, 0, 0, 0);
    default:
        return illegal(d, raw);
    }
}

/* OP-FP (opcode 0x53); fmt 0 = S, 1 = D. The D op is at a fixed distance from its S twin only
 * for some groups, so pick explicitly. */
static void decode_op_fp(uint32_t raw, struct rv_insn *d, unsigned rd, unsigned rs1, unsigned rs2,
                         unsigned f3)
{
    unsigned f7 = bits(raw, 31, 25);
    unsigned fmt = f7 & 3;
    enum rv_op op = RV_OP_ILLEGAL;
    int dbl = fmt == 1;

    if (fmt > 1)
        return illegal(d, raw);
    switch (f7 >> 2) {
    case 0x00:
        op = dbl ? RV_OP_FADD_D : RV_OP_FADD_S;
        break;
    case 0x01:
        op = dbl ? RV_OP_FSUB_D : RV_OP_FSUB_S;
        break;
    case 0x02:
        op = dbl ? RV_OP_FMUL_D : RV_OP_FMUL_S;
        break;
    case 0x03:
        op = dbl ? RV_OP_FDIV_D : RV_OP_FDIV_S;
        break;
    case 0x0b:
        if (rs2 == 0)
            op = dbl ? RV_OP_FSQRT_D : RV_OP_FSQRT_S;
        break;
    case 0x04:
        if (f3 < 3) {
            static const enum rv_op s[3] = {RV_OP_FSGNJ_S, RV_OP_FSGNJN_S, RV_OP_FSGNJX_S};
            static const enum rv_op dd[3] = {RV_OP_FSGNJ_D, RV_OP_FSGNJN_D, RV_OP_FSGNJX_D};
            op = dbl ? dd[f3] : s[f3];
        }
        break;
    case 0x05:
        if (f3 == 0)
            op = dbl ? RV_OP_FMIN_D : RV_OP_FMIN_S;
        else if (f3 == 1)
            op = dbl ? RV_OP_FMAX_D : RV_OP_FMAX_S;
        break;
    case 0x08: /* fcvt.s.d (fmt S, rs2 1) / fcvt.d.s (fmt D, rs2 0) */
        if (!dbl && rs2 == 1)
            op = RV_OP_FCVT_S_D;
        else if (dbl && rs2 == 0)
            op = RV_OP_FCVT_D_S;
        break;
    case 0x14:
        if (f3 < 3) {
            static const enum rv_op s[3] = {RV_OP_FLE_S, RV_OP_FLT_S, RV_OP_FEQ_S};
            static const enum rv_op dd[3] = {RV_OP_FLE_D, RV_OP_FLT_D, RV_OP_FEQ_D};
            op = dbl ? dd[f3] : s[f3];
        }
        break;
    case 0x18:
        if (rs2 < 4) {
            static const enum rv_op s[4] = {RV_OP_FCVT_W_S, RV_OP_FCVT_WU_S, RV_OP_FCVT_L_S,
                                            RV_OP_FCVT_LU_S};
            static const enum rv_op dd[4] = {RV_OP_FCVT_W_D, RV_OP_FCVT_WU_D, RV_OP_FCVT_L_D,
                                             RV_OP_FCVT_LU_D};
            op = dbl ? dd[rs2] : s[rs2];
        }
        break;
    case 0x1a:
        if (rs2 < 4) {
            static const enum rv_op s[4] = {RV_OP_FCVT_S_W, RV_OP_FCVT_S_WU, RV_OP_FCVT_S_L,
                                            RV_OP_FCVT_S_LU};
            static const enum rv_op dd[4] = {RV_OP_FCVT_D_W, RV_OP_FCVT_D_WU, RV_OP_FCVT_D_L,
                                             RV_OP_FCVT_D_LU};
            op = dbl ? dd[rs2] : s[rs2];
        }
        break;
    case 0x1c:
        if (rs2 == 0 && f3 == 0)
            op = dbl ? RV_OP_FMV_X_D : RV_OP_FMV_X_W;
        else if (rs2 == 0 && f3 == 1)
            op = dbl ? RV_OP_FCLASS_D : RV_OP_FCLASS_S;
        break;
    case 0x1e:
        if (rs2 == 0 && f3 == 0)
            op = dbl ? RV_OP_FMV_D_X : RV_OP_FMV_W_X;
        break;
    }
    if (op == RV_OP_ILLEGAL)
        return illegal(d, raw);
    /* In the unary groups rs2 selects the operation, it names no register. */
    unsigned grp = f7 >> 2;
    bool unary =
        grp == 0x0b || grp == 0x08 || grp == 0x18 || grp == 0x1a || grp == 0x1c || grp == 0x1e;
    set(d, op, rd, rs1, unary ? 0 : rs2, 0);
    d->rm = (uint8_t)f3;
}

static void decode32(uint32_t raw, struct rv_insn *d)
{
    unsigned opc = bits(raw, 6, 0);
    unsigned rd = bits(raw, 11, 7);
    unsigned f3 = bits(raw, 14, 12);
    unsigned rs1 = bits(raw, 19, 15);
    unsigned rs2 = bits(raw, 24, 20);
    int32_t imm_i = (int32_t)raw >> 20;
    int32_t imm_s = (int32_t)(((int32_t)raw >> 25) * 32) | (int32_t)rd;
    int32_t imm_b = sext((bits(raw, 31, 31) << 12) | (bits(raw, 7, 7) << 11) |
                             (bits(raw, 30, 25) << 5) | (bits(raw, 11, 8) << 1),
                         13);
    int32_t imm_u = (int32_t)(raw & 0xfffff000u);
    int32_t imm_j = sext((bits(raw, 31, 31) << 20) | (bits(raw, 19, 12) << 12) |
                             (bits(raw, 20, 20) << 11) | (bits(raw, 30, 21) << 1),
                         21);

    switch (opc) {
    case 0x37:
        return set(d, RV_OP_LUI, rd, 0, 0, imm_u);
    case 0x17:
        return set(d, RV_OP_AUIPC, rd, 0, 0, imm_u);
    case 0x6f:
        return set(d, RV_OP_JAL, rd, 0, 0, imm_j);
    case 0x67:
        if (f3 != 0)
            return illegal(d, raw);
        return set(d, RV_OP_JALR, rd, rs1, 0, imm_i);
    case 0x63: {
        static const enum rv_op ops[8] = {RV_OP_BEQ, RV_OP_BNE, RV_OP_ILLEGAL, RV_OP_ILLEGAL,
                                          RV_OP_BLT, RV_OP_BGE, RV_OP_BLTU,    RV_OP_BGEU};
        if (ops[f3] == RV_OP_ILLEGAL)
            return illegal(d, raw);
        return set(d, ops[f3], 0, rs1, rs2, imm_b);
    }
    case 0x03: {
        static const enum rv_op ops[8] = {RV_OP_LB,  RV_OP_LH,  RV_OP_LW,  RV_OP_LD,
                                          RV_OP_LBU, RV_OP_LHU, RV_OP_LWU, RV_OP_ILLEGAL};
        if (ops[f3] == RV_OP_ILLEGAL)
            return illegal(d, raw);
        return set(d, ops[f3], rd, rs1, 0, imm_i);
    }
    case 0x23: {
        static const enum rv_op ops[4] = {RV_OP_SB, RV_OP_SH, RV_OP_SW, RV_OP_SD};
        if (f3 > 3)
            return illegal(d, raw);
        return set(d, ops[f3], 0, rs1, rs2, imm_s);
    }
    case 0x13:
        return decode_op_imm(raw, d, rd, rs1, imm_i, f3);
    case 0x1b:
        return decode_op_imm32(raw, d, rd, rs1, imm_i, f3);
    case 0x33:
        return decode_op(raw, d, rd, rs1, rs2, f3);
    case 0x3b:
        return decode_op32(raw, d, rd, rs1, rs2, f3);
    case 0x0f:
        if (f3 == 0) {
            /* Every FENCE variant (incl. PAUSE and FENCE.TSO) is a full fence or a hint here. */
            set(d, RV_OP_FENCE, rd, rs1, 0, imm_i);
            d->rm = (uint8_t)bits(raw, 27, 20);
            return;
        }
        if (f3 == 1)
            return set(d, RV_OP_FENCE_I, rd, rs1, 0, imm_i);
        return illegal(d, raw);
    case 0x2f:
        return decode_amo(raw, d, rd, rs1, rs2, f3);
    case 0x73:
        return decode_system(raw, d, rd, rs1, rs2, f3);
    case 0x07:
        if (f3 == 2)
            return set(d, RV_OP_FLW, rd, rs1, 0, imm_i);
        if (f3 == 3)
            return set(d, RV_OP_FLD, rd, rs1, 0, imm_i);
        return illegal(d, raw);
    case 0x27:
        if (f3 == 2)
            return set(d, RV_OP_FSW, 0, rs1, rs2, imm_s);
        if (f3 == 3)
            return set(d, RV_OP_FSD, 0, rs1, rs2, imm_s);
        return illegal(d, raw);
    case 0x43:
    case 0x47:
    case 0x4b:
    case 0x4f: {
        unsigned fmt = bits(raw, 26, 25);
        unsigned k = (opc - 0x43) >> 2; /* madd, msub, nmsub, nmadd */
        if (fmt > 1)
            return illegal(d, raw);
        set(d, (enum rv_op)((fmt ? RV_OP_FMADD_D : RV_OP_FMADD_S) + k), rd, rs1, rs2, 0);
        d->rs3 = (uint8_t)bits(raw, 31, 27);
        d->rm = (uint8_t)f3;
        return;
    }
    case 0x53:
        return decode_op_fp(raw, d, rd, rs1, rs2, f3);
    default:
        return illegal(d, raw);
    }
}

/* Compressed (RVC, unprivileged spec ch. 16) for RV64: each expands to a base instruction. */
static void decode16(uint32_t raw, struct rv_insn *d)
{
    unsigned q = bits(raw, 1, 0);
    unsigned f3 = bits(raw, 15, 13);
    unsigned rd = bits(raw, 11, 7);
    unsigned rs2 = bits(raw, 6, 2);
    unsigned rdp = 8 + bits(raw, 4, 2);  /* rd' / rs2' */
    unsigned rs1p = 8 + bits(raw, 9, 7); /* rs1' / rd' */
    int32_t imm6 = sext((bits(raw, 12, 12) << 5) | bits(raw, 6, 2), 6);

    if (raw == 0)
        return illegal(d, raw);
    if (q == 0) {
        unsigned lw_off =
            (bits(raw, 5, 5) << 6) | (bits(raw, 12, 10) << 3) | (bits(raw, 6, 6) << 2);
        unsigned ld_off = (bits(raw, 6, 5) << 6) | (bits(raw, 12, 10) << 3);
        switch (f3) {
        case 0: {
            unsigned nzuimm = (bits(raw, 10, 7) << 6) | (bits(raw, 12, 11) << 4) |
                              (bits(raw, 5, 5) << 3) | (bits(raw, 6, 6) << 2);
            if (nzuimm == 0)
                return illegal(d, raw);
            return set(d, RV_OP_ADDI, rdp, 2, 0, (int32_t)nzuimm);
        }
        case 1:
            return set(d, RV_OP_FLD, rdp, rs1p, 0, (int32_t)ld_off);
        case 2:
            return set(d, RV_OP_LW, rdp, rs1p, 0, (int32_t)lw_off);
        case 3:
            return set(d, RV_OP_LD, rdp, rs1p, 0, (int32_t)ld_off);
        case 5:
            return set(d, RV_OP_FSD, 0, rs1p, rdp, (int32_t)ld_off);
        case 6:
            return set(d, RV_OP_SW, 0, rs1p, rdp, (int32_t)lw_off);
        case 7:
            return set(d, RV_OP_SD, 0, rs1p, rdp, (int32_t)ld_off);
        default:
            return illegal(d, raw);
        }
    }
    if (q == 1) {
        switch (f3) {
        case 0:
            return set(d, RV_OP_ADDI, rd, rd, 0, imm6); /* c.nop / c.addi (hints ok) */
        case 1:
            if (rd == 0)
                return illegal(d, raw);
            return set(d, RV_OP_ADDIW, rd, rd, 0, imm6);
        case 2:
            return set(d, RV_OP_ADDI, rd, 0, 0, imm6); /* c.li */
        case 3:
            if (rd == 2) {
                int32_t imm = sext((bits(raw, 12, 12) << 9) | (bits(raw, 4, 3) << 7) |
                                       (bits(raw, 5, 5) << 6) | (bits(raw, 2, 2) << 5) |
                                       (bits(raw, 6, 6) << 4),
                                   10);
                if (imm == 0)
                    return illegal(d, raw);
                return set(d, RV_OP_ADDI, 2, 2, 0, imm);
            }
            if (imm6 == 0)
                return illegal(d, raw);
            return set(d, RV_OP_LUI, rd, 0, 0, (int32_t)((uint32_t)imm6 << 12));
        case 4: {
            unsigned f2 = bits(raw, 11, 10);
            unsigned shamt = (bits(raw, 12, 12) << 5) | bits(raw, 6, 2);
            if (f2 == 0)
                return set(d, RV_OP_SRLI, rs1p, rs1p, 0, (int32_t)shamt);
            if (f2 == 1)
                return set(d, RV_OP_SRAI, rs1p, rs1p, 0, (int32_t)shamt);
            if (f2 == 2)
                return set(d, RV_OP_ANDI, rs1p, rs1p, 0, imm6);
            static const enum rv_op ops[8] = {RV_OP_SUB,  RV_OP_XOR,  RV_OP_OR,      RV_OP_AND,
                                              RV_OP_SUBW, RV_OP_ADDW, RV_OP_ILLEGAL, RV_OP_ILLEGAL};
            enum rv_op op = ops[(bits(raw, 12, 12) << 2) | bits(raw, 6, 5)];
            if (op == RV_OP_ILLEGAL)
                return illegal(d, raw);
            return set(d, op, rs1p, rs1p, rdp, 0);
        }
        case 5: {
            int32_t imm =
                sext((bits(raw, 12, 12) << 11) | (bits(raw, 8, 8) << 10) | (bits(raw, 10, 9) << 8) |
                         (bits(raw, 6, 6) << 7) | (bits(raw, 7, 7) << 6) | (bits(raw, 2, 2) << 5) |
                         (bits(raw, 11, 11) << 4) | (bits(raw, 5, 3) << 1),
                     12);
            return set(d, RV_OP_JAL, 0, 0, 0, imm);
        }
        default: {
            int32_t imm =
                sext((bits(raw, 12, 12) << 8) | (bits(raw, 6, 5) << 6) | (bits(raw, 2, 2) << 5) |
                         (bits(raw, 11, 10) << 3) | (bits(raw, 4, 3) << 1),
                     9);
            return set(d, f3 == 6 ? RV_OP_BEQ : RV_OP_BNE, 0, rs1p, 0, imm);
        }
        }
    }
    /* q == 2 */
    switch (f3) {
    case 0:
        return set(d, RV_OP_SLLI, rd, rd, 0, (int32_t)((bits(raw, 12, 12) << 5) | bits(raw, 6, 2)));
    case 1:
    case 3: {
        unsigned off = (bits(raw, 4, 2) << 6) | (bits(raw, 12, 12) << 5) | (bits(raw, 6, 5) << 3);
        if (f3 == 3 && rd == 0)
            return illegal(d, raw);
        return set(d, f3 == 1 ? RV_OP_FLD : RV_OP_LD, rd, 2, 0, (int32_t)off);
    }
    case 2: {
        unsigned off = (bits(raw, 3, 2) << 6) | (bits(raw, 12, 12) << 5) | (bits(raw, 6, 4) << 2);
        if (rd == 0)
            return illegal(d, raw);
        return set(d, RV_OP_LW, rd, 2, 0, (int32_t)off);
    }
    case 4:
        if (bits(raw, 12, 12) == 0) {
            if (rs2 == 0) {
                if (rd == 0)
                    return illegal(d, raw);
                return set(d, RV_OP_JALR, 0, rd, 0, 0); /* c.jr */
            }
            return set(d, RV_OP_ADD, rd, 0, rs2, 0); /* c.mv */
        }
        if (rs2 == 0) {
            if (rd == 0)
                return set(d, RV_OP_EBREAK, 0, 0, 0, 0);
            return set(d, RV_OP_JALR, 1, rd, 0, 0); /* c.jalr */
        }
        return set(d, RV_OP_ADD, rd, rd, rs2, 0);
    case 5:
    case 7: {
        unsigned off = (bits(raw, 9, 7) << 6) | (bits(raw, 12, 10) << 3);
        return set(d, f3 == 5 ? RV_OP_FSD : RV_OP_SD, 0, 2, rs2, (int32_t)off);
    }
    default: {
        unsigned off = (bits(raw, 8, 7) << 6) | (bits(raw, 12, 9) << 2);
        return set(d, RV_OP_SW, 0, 2, rs2, (int32_t)off);
    }
    }
}

void rv_decode(uint32_t raw, struct rv_insn *out)
{
    *out = (struct rv_insn){0};
    if ((raw & 3) == 3) {
        out->len = 4;
        /* 48-bit and longer encodings (bits 4:2 == 111) are not part of RV64GC. */
        if ((raw & 0x1c) == 0x1c)
            return illegal(out, raw);
        decode32(raw, out);
    } else {
        out->len = 2;
        decode16(raw & 0xffff, out);
    }
}

static const char *const op_names[RV_OP_COUNT] = {
#define RV_OP_NAME(name, mnem) mnem,
    RV_OPS(RV_OP_NAME)
#undef RV_OP_NAME
};

const char *rv_op_name(unsigned op)
{
    return op < RV_OP_COUNT ? op_names[op] : "?";
}
