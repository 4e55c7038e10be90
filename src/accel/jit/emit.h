/*
 * A small x86-64 assembler: just the instructions the RISC-V translator emits, spelled as
 * functions named after their mnemonic (Intel operand order: destination first).
 *
 * Memory operands are base + index * scale + disp; RIP-relative forms are not needed. Bytes go
 * to a bounded buffer; running past its end sets `overflow` (and further bytes are dropped), so
 * a translator checks once per block instead of per instruction.
 */
#ifndef KVMU_ACCEL_JIT_EMIT_H
#define KVMU_ACCEL_JIT_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum x86_reg {
    RAX,
    RCX,
    RDX,
    RBX,
    RSP,
    RBP,
    RSI,
    RDI,
    R8,
    R9,
    R10,
    R11,
    R12,
    R13,
    R14,
    R15,
};
#define X86_NO_REG (-1)

enum x86_cc {
    CC_O,
    CC_NO,
    CC_B,
    CC_AE,
    CC_E,
    CC_NE,
    CC_BE,
    CC_A,
    CC_S,
    CC_NS,
    CC_P,
    CC_NP,
    CC_L,
    CC_GE,
    CC_LE,
    CC_G,
};

/* Group-1 ALU operations: the /digit of opcodes 81/83 and the base of the r/m forms. */
enum x86_alu { ALU_ADD = 0, ALU_OR = 1, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7 };
/* Group-2 shifts: the /digit of C1/D3. */
enum x86_shift { SHIFT_SHL = 4, SHIFT_SHR = 5, SHIFT_SAR = 7 };

struct x86_mem {
    int base, index; /* X86_NO_REG for none (base is always present in practice) */
    unsigned scale;  /* 1, 2, 4, 8 */
    int32_t disp;
};

static inline struct x86_mem x86_mem(int base, int32_t disp)
{
    return (struct x86_mem){.base = base, .index = X86_NO_REG, .scale = 1, .disp = disp};
}

static inline struct x86_mem x86_mem_idx(int base, int index, unsigned scale, int32_t disp)
{
    return (struct x86_mem){.base = base, .index = index, .scale = scale, .disp = disp};
}

struct emitter {
    uint8_t *buf, *p, *end;
    bool overflow;
};

static inline void emit_init(struct emitter *e, uint8_t *buf, size_t size)
{
    e->buf = e->p = buf;
    e->end = buf + size;
    e->overflow = false;
}

static inline uint8_t *emit_here(const struct emitter *e)
{
    return e->p;
}

void emit_u8(struct emitter *e, uint8_t v);
void emit_u32(struct emitter *e, uint32_t v);
void emit_u64(struct emitter *e, uint64_t v);

/* Moves. Width 64 unless the name says 32 (which zero-extends into the 64-bit register). */
void emit_mov_rr(struct emitter *e, int dst, int src);
void emit_mov_rr32(struct emitter *e, int dst, int src);
void emit_mov_rm(struct emitter *e, int dst, struct x86_mem m);
void emit_mov_mr(struct emitter *e, struct x86_mem m, int src);
/* Store the low `size` bytes (1, 2, 4, 8) of src. */
void emit_store(struct emitter *e, unsigned size, struct x86_mem m, int src);
/* Load size bytes, sign- or zero-extended to 64 bits. */
void emit_load(struct emitter *e, unsigned size, bool sign, int dst, struct x86_mem m);
void emit_mov_mi(struct emitter *e, struct x86_mem m, int32_t imm); /* 64-bit, sign-extended */
void emit_mov_ri(struct emitter *e, int dst, uint64_t imm);         /* shortest form */
void emit_lea(struct emitter *e, int dst, struct x86_mem m);
void emit_movsxd(struct emitter *e, int dst, int src); /* sign-extend the low 32 bits */

/* ALU, 64-bit. */
void emit_alu_rr(struct emitter *e, enum x86_alu op, int dst, int src);
void emit_alu_rr32(struct emitter *e, enum x86_alu op, int dst, int src);
void emit_alu_rm(struct emitter *e, enum x86_alu op, int dst, struct x86_mem m);
void emit_alu_ri(struct emitter *e, enum x86_alu op, int dst, int32_t imm);
void emit_alu_ri32(struct emitter *e, enum x86_alu op, int dst, int32_t imm);
void emit_alu_mi(struct emitter *e, enum x86_alu op, struct x86_mem m, int32_t imm);
void emit_alu_mr(struct emitter *e, enum x86_alu op, struct x86_mem m, int src);
void emit_cmp_m32i(struct emitter *e, struct x86_mem m, int32_t imm);
void emit_test_rr(struct emitter *e, int a, int b);
void emit_test_rr32(struct emitter *e, int a, int b);
void emit_shift_ri(struct emitter *e, enum x86_shift op, int dst, unsigned count);
void emit_shift_ri32(struct emitter *e, enum x86_shift op, int dst, unsigned count);
void emit_shift_rcl(struct emitter *e, enum x86_shift op, int dst);   /* by cl */
void emit_shift_rcl32(struct emitter *e, enum x86_shift op, int dst); /* by cl */
void emit_imul_rr(struct emitter *e, int dst, int src);
void emit_imul_rr32(struct emitter *e, int dst, int src);
/* One-operand F7 group: 4 mul, 5 imul, 6 div, 7 idiv (rdx:rax), 3 neg, 2 not. */
void emit_f7(struct emitter *e, unsigned digit, int reg);
void emit_f7_32(struct emitter *e, unsigned digit, int reg);
void emit_cqo(struct emitter *e);                            /* rdx = sign of rax */
void emit_cdq(struct emitter *e);                            /* edx = sign of eax */
void emit_setcc(struct emitter *e, enum x86_cc cc, int dst); /* dst = cc ? 1 : 0, 64-bit */
void emit_cmov(struct emitter *e, enum x86_cc cc, int dst, int src);

/* Control flow. rel32 targets: `target` NULL leaves the field to be patched later; the
 * functions return the address of the rel32 field. */
uint8_t *emit_jmp(struct emitter *e, const void *target);
uint8_t *emit_jcc(struct emitter *e, enum x86_cc cc, const void *target);
void emit_jmp_r(struct emitter *e, int reg);
void emit_call_abs(struct emitter *e, const void *fn); /* via rax: clobbers it */
void emit_push(struct emitter *e, int reg);
void emit_pop(struct emitter *e, int reg);
void emit_ret(struct emitter *e);

/* Point the rel32 field at `field` to target. */
void emit_patch_rel32(uint8_t *field, const void *target);

/* SSE scalar ops: prefix (F3 single, F2 double, 66 or none), 0F opcode, xmm or memory. */
void emit_sse_rr(struct emitter *e, uint8_t prefix, uint8_t op, int dst, int src);
void emit_sse_rm(struct emitter *e, uint8_t prefix, uint8_t op, int dst, struct x86_mem m);
/* The same with REX.W (cvtsi2sd/cvtsd2si with 64-bit integer operands). */
void emit_sse_rr_w(struct emitter *e, uint8_t prefix, uint8_t op, int dst, int src);
void emit_sse_rm_w(struct emitter *e, uint8_t prefix, uint8_t op, int dst, struct x86_mem m);
/* movd r32 <- xmm (66 0F 7E). */
void emit_movd_rx(struct emitter *e, int reg, int xmm);
void emit_mov_m32i(struct emitter *e, struct x86_mem m, int32_t imm);
/* movq xmm <-> r64 (66 REX.W 0F 6E / 7E). */
void emit_movq_xr(struct emitter *e, int xmm, int reg);
void emit_movq_rx(struct emitter *e, int reg, int xmm);
void emit_ldmxcsr(struct emitter *e, struct x86_mem m);
/* VEX.LIG.66.0F38 scalar FMA3 (vfm*231s[sd]: dst = +-(src1 * m) +- dst); w selects double. */
/* BMI2 rorx: dst = src rotated right by imm (a copy and a shift in one, flags untouched). */
void emit_rorx(struct emitter *e, int dst, int src, unsigned imm);
void emit_vex_fma(struct emitter *e, uint8_t op, bool w, int dst, int src1, struct x86_mem m);
/* VEX-encoded (AVX) form of a scalar SSE operation, three operands: dst = src1 op src2 (the
 * upper bits from src1); prefix as for the SSE form (none, 66, F3, F2). */
void emit_vex_sse_rr(struct emitter *e, uint8_t prefix, uint8_t op, int dst, int src1, int src2);
void emit_stmxcsr(struct emitter *e, struct x86_mem m);

#endif
