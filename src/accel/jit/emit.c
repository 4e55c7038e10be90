/* x86-64 instruction encoding (Intel SDM vol. 2, ch. 2: REX prefix, ModRM, SIB). */
#include "accel/jit/emit.h"

#include <string.h>

void emit_u8(struct emitter *e, uint8_t v)
{
    if (e->p >= e->end) {
        e->overflow = true;
        return;
    }
    *e->p++ = v;
}

void emit_u32(struct emitter *e, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        emit_u8(e, (uint8_t)(v >> (8 * i)));
}

void emit_u64(struct emitter *e, uint64_t v)
{
    emit_u32(e, (uint32_t)v);
    emit_u32(e, (uint32_t)(v >> 32));
}

/*
 * REX prefix if needed: W for 64-bit operands, R/X/B extend the reg, index and base/rm fields.
 * byte_reg: an 8-bit register operand is encoded 4-7, which means spl/bpl/sil/dil only with a
 * REX prefix present (else ah/ch/dh/bh).
 */
static void rex(struct emitter *e, bool w, int reg, int index, int base, int byte_reg)
{
    uint8_t r = 0x40;

    if (w)
        r |= 8;
    if (reg >= 8)
        r |= 4;
    if (index >= 8)
        r |= 2;
    if (base >= 8)
        r |= 1;
    if (r != 0x40 || (byte_reg >= 4 && byte_reg < 8))
        emit_u8(e, r);
}

static void modrm_rr(struct emitter *e, int reg, int rm)
{
    emit_u8(e, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

static void modrm_mem(struct emitter *e, int reg, struct x86_mem m)
{
    unsigned mod;
    bool need_sib = m.index != X86_NO_REG || (m.base & 7) == RSP;

    /* rbp/r13 as base with mod 00 would mean RIP/absolute: use a zero disp8 instead. */
    if (m.disp == 0 && (m.base & 7) != RBP)
        mod = 0;
    else if (m.disp >= -128 && m.disp <= 127)
        mod = 1;
    else
        mod = 2;
    if (need_sib) {
        unsigned ss = m.scale == 8 ? 3 : m.scale == 4 ? 2 : m.scale == 2 ? 1 : 0;
        int index = m.index == X86_NO_REG ? RSP : m.index;
        emit_u8(e, (uint8_t)(mod << 6 | (reg & 7) << 3 | 4));
        emit_u8(e, (uint8_t)(ss << 6 | (index & 7) << 3 | (m.base & 7)));
    } else {
        emit_u8(e, (uint8_t)(mod << 6 | (reg & 7) << 3 | (m.base & 7)));
    }
    if (mod == 1)
        emit_u8(e, (uint8_t)m.disp);
    else if (mod == 2)
        emit_u32(e, (uint32_t)m.disp);
}

/* Opcode (1 or 2 bytes: 0x0Fxx) with a register-register ModRM. */
static void op_rr(struct emitter *e, bool w, unsigned op, int reg, int rm)
{
    rex(e, w, reg, X86_NO_REG, rm, X86_NO_REG);
    if (op > 0xff)
        emit_u8(e, (uint8_t)(op >> 8));
    emit_u8(e, (uint8_t)op);
    modrm_rr(e, reg, rm);
}

static void op_rm(struct emitter *e, bool w, unsigned op, int reg, struct x86_mem m, bool byte)
{
    rex(e, w, reg, m.index, m.base, byte ? reg : X86_NO_REG);
    if (op > 0xff)
        emit_u8(e, (uint8_t)(op >> 8));
    emit_u8(e, (uint8_t)op);
    modrm_mem(e, reg, m);
}

void emit_mov_rr(struct emitter *e, int dst, int src)
{
    op_rr(e, true, 0x89, src, dst);
}

void emit_mov_rr32(struct emitter *e, int dst, int src)
{
    op_rr(e, false, 0x89, src, dst);
}

void emit_mov_rm(struct emitter *e, int dst, struct x86_mem m)
{
    op_rm(e, true, 0x8b, dst, m, false);
}

void emit_mov_mr(struct emitter *e, struct x86_mem m, int src)
{
    op_rm(e, true, 0x89, src, m, false);
}

void emit_store(struct emitter *e, unsigned size, struct x86_mem m, int src)
{
    switch (size) {
    case 1:
        op_rm(e, false, 0x88, src, m, true);
        break;
    case 2:
        emit_u8(e, 0x66);
        op_rm(e, false, 0x89, src, m, false);
        break;
    case 4:
        op_rm(e, false, 0x89, src, m, false);
        break;
    default:
        op_rm(e, true, 0x89, src, m, false);
        break;
    }
}

void emit_load(struct emitter *e, unsigned size, bool sign, int dst, struct x86_mem m)
{
    switch (size) {
    case 1:
        op_rm(e, sign, sign ? 0x0fbe : 0x0fb6, dst, m, false);
        break;
    case 2:
        op_rm(e, sign, sign ? 0x0fbf : 0x0fb7, dst, m, false);
        break;
    case 4:
        op_rm(e, sign, sign ? 0x63 : 0x8b, dst, m, false);
        break;
    default:
        op_rm(e, true, 0x8b, dst, m, false);
        break;
    }
}

void emit_mov_mi(struct emitter *e, struct x86_mem m, int32_t imm)
{
    op_rm(e, true, 0xc7, 0, m, false);
    emit_u32(e, (uint32_t)imm);
}

void emit_mov_ri(struct emitter *e, int dst, uint64_t imm)
{
    if (imm == 0) {
        op_rr(e, false, 0x31, dst, dst); /* xor r32, r32 */
    } else if (imm <= 0xffffffffu) {
        rex(e, false, X86_NO_REG, X86_NO_REG, dst, X86_NO_REG);
        emit_u8(e, (uint8_t)(0xb8 + (dst & 7)));
        emit_u32(e, (uint32_t)imm);
    } else if ((int64_t)imm == (int32_t)imm) {
        rex(e, true, X86_NO_REG, X86_NO_REG, dst, X86_NO_REG);
        emit_u8(e, 0xc7);
        modrm_rr(e, 0, dst);
        emit_u32(e, (uint32_t)imm);
    } else {
        rex(e, true, X86_NO_REG, X86_NO_REG, dst, X86_NO_REG);
        emit_u8(e, (uint8_t)(0xb8 + (dst & 7)));
        emit_u64(e, imm);
    }
}

void emit_lea(struct emitter *e, int dst, struct x86_mem m)
{
    op_rm(e, true, 0x8d, dst, m, false);
}

void emit_movsxd(struct emitter *e, int dst, int src)
{
    op_rr(e, true, 0x63, dst, src);
}

void emit_alu_rr(struct emitter *e, enum x86_alu op, int dst, int src)
{
    op_rr(e, true, (unsigned)op * 8 + 1, src, dst);
}

void emit_alu_rr32(struct emitter *e, enum x86_alu op, int dst, int src)
{
    op_rr(e, false, (unsigned)op * 8 + 1, src, dst);
}

void emit_alu_rm(struct emitter *e, enum x86_alu op, int dst, struct x86_mem m)
{
    op_rm(e, true, (unsigned)op * 8 + 3, dst, m, false);
}

void emit_alu_mr(struct emitter *e, enum x86_alu op, struct x86_mem m, int src)
{
    op_rm(e, true, (unsigned)op * 8 + 1, src, m, false);
}

static void alu_ri(struct emitter *e, bool w, enum x86_alu op, int dst, int32_t imm)
{
    bool small = imm >= -128 && imm <= 127;

    op_rr(e, w, small ? 0x83 : 0x81, (int)op, dst);
    if (small)
        emit_u8(e, (uint8_t)imm);
    else
        emit_u32(e, (uint32_t)imm);
}

void emit_alu_ri(struct emitter *e, enum x86_alu op, int dst, int32_t imm)
{
    alu_ri(e, true, op, dst, imm);
}

void emit_alu_ri32(struct emitter *e, enum x86_alu op, int dst, int32_t imm)
{
    alu_ri(e, false, op, dst, imm);
}

void emit_alu_mi(struct emitter *e, enum x86_alu op, struct x86_mem m, int32_t imm)
{
    bool small = imm >= -128 && imm <= 127;

    op_rm(e, true, small ? 0x83 : 0x81, (int)op, m, false);
    if (small)
        emit_u8(e, (uint8_t)imm);
    else
        emit_u32(e, (uint32_t)imm);
}

void emit_cmp_m32i(struct emitter *e, struct x86_mem m, int32_t imm)
{
    bool small = imm >= -128 && imm <= 127;

    op_rm(e, false, small ? 0x83 : 0x81, ALU_CMP, m, false);
    if (small)
        emit_u8(e, (uint8_t)imm);
    else
        emit_u32(e, (uint32_t)imm);
}

void emit_test_rr(struct emitter *e, int a, int b)
{
    op_rr(e, true, 0x85, b, a);
}

void emit_test_rr32(struct emitter *e, int a, int b)
{
    op_rr(e, false, 0x85, b, a);
}

void emit_shift_ri(struct emitter *e, enum x86_shift op, int dst, unsigned count)
{
    op_rr(e, true, 0xc1, (int)op, dst);
    emit_u8(e, (uint8_t)count);
}

void emit_shift_ri32(struct emitter *e, enum x86_shift op, int dst, unsigned count)
{
    op_rr(e, false, 0xc1, (int)op, dst);
    emit_u8(e, (uint8_t)count);
}

void emit_shift_rcl(struct emitter *e, enum x86_shift op, int dst)
{
    op_rr(e, true, 0xd3, (int)op, dst);
}

void emit_shift_rcl32(struct emitter *e, enum x86_shift op, int dst)
{
    op_rr(e, false, 0xd3, (int)op, dst);
}

void emit_imul_rr(struct emitter *e, int dst, int src)
{
    op_rr(e, true, 0x0faf, dst, src);
}

void emit_imul_rr32(struct emitter *e, int dst, int src)
{
    op_rr(e, false, 0x0faf, dst, src);
}

void emit_f7(struct emitter *e, unsigned digit, int reg)
{
    op_rr(e, true, 0xf7, (int)digit, reg);
}

void emit_f7_32(struct emitter *e, unsigned digit, int reg)
{
    op_rr(e, false, 0xf7, (int)digit, reg);
}

void emit_cqo(struct emitter *e)
{
    emit_u8(e, 0x48);
    emit_u8(e, 0x99);
}

void emit_cdq(struct emitter *e)
{
    emit_u8(e, 0x99);
}

void emit_setcc(struct emitter *e, enum x86_cc cc, int dst)
{
    /* setcc writes 8 bits: clear the rest with movzx afterwards. */
    rex(e, false, X86_NO_REG, X86_NO_REG, dst, dst);
    emit_u8(e, 0x0f);
    emit_u8(e, (uint8_t)(0x90 + cc));
    modrm_rr(e, 0, dst);
    rex(e, false, dst, X86_NO_REG, dst, dst);
    emit_u8(e, 0x0f);
    emit_u8(e, 0xb6);
    modrm_rr(e, dst, dst);
}

void emit_cmov(struct emitter *e, enum x86_cc cc, int dst, int src)
{
    op_rr(e, true, 0x0f40 + (unsigned)cc, dst, src);
}

static uint8_t *rel32_to(struct emitter *e, const void *target)
{
    uint8_t *field = e->p;

    emit_u32(e, 0);
    if (target && !e->overflow)
        emit_patch_rel32(field, target);
    return field;
}

uint8_t *emit_jmp(struct emitter *e, const void *target)
{
    emit_u8(e, 0xe9);
    return rel32_to(e, target);
}

uint8_t *emit_jcc(struct emitter *e, enum x86_cc cc, const void *target)
{
    emit_u8(e, 0x0f);
    emit_u8(e, (uint8_t)(0x80 + cc));
    return rel32_to(e, target);
}

void emit_jmp_r(struct emitter *e, int reg)
{
    op_rr(e, false, 0xff, 4, reg);
}

void emit_call_abs(struct emitter *e, const void *fn)
{
    emit_mov_ri(e, RAX, (uint64_t)(uintptr_t)fn);
    op_rr(e, false, 0xff, 2, RAX);
}

void emit_push(struct emitter *e, int reg)
{
    rex(e, false, X86_NO_REG, X86_NO_REG, reg, X86_NO_REG);
    emit_u8(e, (uint8_t)(0x50 + (reg & 7)));
}

void emit_pop(struct emitter *e, int reg)
{
    rex(e, false, X86_NO_REG, X86_NO_REG, reg, X86_NO_REG);
    emit_u8(e, (uint8_t)(0x58 + (reg & 7)));
}

void emit_ret(struct emitter *e)
{
    emit_u8(e, 0xc3);
}

void emit_patch_rel32(uint8_t *field, const void *target)
{
    int32_t rel = (int32_t)((const uint8_t *)target - (field + 4));
    memcpy(field, &rel, 4);
}

void emit_sse_rr(struct emitter *e, uint8_t prefix, uint8_t op, int dst, int src)
{
    if (prefix)
        emit_u8(e, prefix);
    op_rr(e, false, 0x0f00u | op, dst, src);
}

void emit_sse_rm(struct emitter *e, uint8_t prefix, uint8_t op, int dst, struct x86_mem m)
{
    if (prefix)
        emit_u8(e, prefix);
    op_rm(e, false, 0x0f00u | op, dst, m, false);
}

void emit_movq_xr(struct emitter *e, int xmm, int reg)
{
    emit_u8(e, 0x66);
    op_rr(e, true, 0x0f6e, xmm, reg);
}

void emit_movq_rx(struct emitter *e, int reg, int xmm)
{
    emit_u8(e, 0x66);
    op_rr(e, true, 0x0f7e, xmm, reg);
}

#define VEX_MAP_0F 1
#define VEX_MAP_0F38 2
#define VEX_MAP_0F3A 3

/* 3-byte VEX prefix: inverted R/X/B from the ModRM reg, SIB index (X86_NO_REG: none) and
 * rm/base registers, the opcode map, W, inverted vvvv, L=0 and pp (0, 66, F3, F2). */
static void vex3(struct emitter *e, unsigned map, bool w, int vvvv, unsigned pp, int reg, int index,
                 int base)
{
    uint8_t b1 = (uint8_t)map;

    if (reg < 8)
        b1 |= 0x80;
    if (index < 8)
        b1 |= 0x40;
    if (base < 8)
        b1 |= 0x20;
    emit_u8(e, 0xc4);
    emit_u8(e, b1);
    emit_u8(e, (uint8_t)((w ? 0x80 : 0) | (~vvvv & 15) << 3 | pp));
}

void emit_vex_fma(struct emitter *e, uint8_t op, bool w, int dst, int src1, struct x86_mem m)
{
    vex3(e, VEX_MAP_0F38, w, src1, 1 /* 66 */, dst, m.index, m.base);
    emit_u8(e, op);
    modrm_mem(e, dst, m);
}

void emit_vex_sse_rr(struct emitter *e, uint8_t prefix, uint8_t op, int dst, int src1, int src2)
{
    unsigned pp = prefix == 0x66 ? 1 : prefix == 0xf3 ? 2 : prefix == 0xf2 ? 3 : 0;

    vex3(e, VEX_MAP_0F, false, src1, pp, dst, 0, src2);
    emit_u8(e, op);
    emit_u8(e, (uint8_t)(0xc0 | (dst & 7) << 3 | (src2 & 7)));
}

void emit_rorx(struct emitter *e, int dst, int src, unsigned imm)
{
    vex3(e, VEX_MAP_0F3A, true, 0 /* unused: 1111 */, 3 /* F2 */, dst, 0, src);
    emit_u8(e, 0xf0);
    emit_u8(e, (uint8_t)(0xc0 | (dst & 7) << 3 | (src & 7)));
    emit_u8(e, (uint8_t)imm);
}

void emit_ldmxcsr(struct emitter *e, struct x86_mem m)
{
    op_rm(e, false, 0x0fae, 2, m, false);
}

void emit_stmxcsr(struct emitter *e, struct x86_mem m)
{
    op_rm(e, false, 0x0fae, 3, m, false);
}

void emit_sse_rr_w(struct emitter *e, uint8_t prefix, uint8_t op, int dst, int src)
{
    if (prefix)
        emit_u8(e, prefix);
    op_rr(e, true, 0x0f00u | op, dst, src);
}

void emit_sse_rm_w(struct emitter *e, uint8_t prefix, uint8_t op, int dst, struct x86_mem m)
{
    if (prefix)
        emit_u8(e, prefix);
    op_rm(e, true, 0x0f00u | op, dst, m, false);
}

void emit_movd_rx(struct emitter *e, int reg, int xmm)
{
    emit_u8(e, 0x66);
    op_rr(e, false, 0x0f7e, xmm, reg);
}

void emit_mov_m32i(struct emitter *e, struct x86_mem m, int32_t imm)
{
    op_rm(e, false, 0xc7, 0, m, false);
    emit_u32(e, (uint32_t)imm);
}
