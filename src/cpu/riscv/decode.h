/* The one RV64GC decoder, shared by the interpreter, the JIT and the disassembler: raw
 * instruction bits -> a compact decoded form (op + register fields + sign-extended immediate). */
#ifndef KVMU_CPU_RISCV_DECODE_H
#define KVMU_CPU_RISCV_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* X-macro so the enum and the mnemonic table can never drift apart. Compressed instructions
 * decode to their base-ISA equivalent (with len 2). */
#define RV_OPS(X)                                                                                  \
    X(ILLEGAL, "illegal")                                                                          \
    X(LUI, "lui")                                                                                  \
    X(AUIPC, "auipc")                                                                              \
    X(JAL, "jal")                                                                                  \
    X(JALR, "jalr")                                                                                \
    X(BEQ, "beq")                                                                                  \
    X(BNE, "bne")                                                                                  \
    X(BLT, "blt")                                                                                  \
    X(BGE, "bge")                                                                                  \
    X(BLTU, "bltu")                                                                                \
    X(BGEU, "bgeu")                                                                                \
    X(LB, "lb")                                                                                    \
    X(LH, "lh")                                                                                    \
    X(LW, "lw")                                                                                    \
    X(LD, "ld")                                                                                    \
    X(LBU, "lbu")                                                                                  \
    X(LHU, "lhu")                                                                                  \
    X(LWU, "lwu")                                                                                  \
    X(SB, "sb")                                                                                    \
    X(SH, "sh")                                                                                    \
    X(SW, "sw")                                                                                    \
    X(SD, "sd")                                                                                    \
    X(ADDI, "addi")                                                                                \
    X(SLTI, "slti")                                                                                \
    X(SLTIU, "sltiu")                                                                              \
    X(XORI, "xori")                                                                                \
    X(ORI, "ori")                                                                                  \
    X(ANDI, "andi")                                                                                \
    X(SLLI, "slli")                                                                                \
    X(SRLI, "srli")                                                                                \
    X(SRAI, "srai")                                                                                \
    X(ADD, "add")                                                                                  \
    X(SUB, "sub")                                                                                  \
    X(SLL, "sll")                                                                                  \
    X(SLT, "slt")                                                                                  \
    X(SLTU, "sltu")                                                                                \
    X(XOR, "xor")                                                                                  \
    X(SRL, "srl")                                                                                  \
    X(SRA, "sra")                                                                                  \
    X(OR, "or")                                                                                    \
    X(AND, "and")                                                                                  \
    X(ADDIW, "addiw")                                                                              \
    X(SLLIW, "slliw")                                                                              \
    X(SRLIW, "srliw")                                                                              \
    X(SRAIW, "sraiw")                                                                              \
    X(ADDW, "addw")                                                                                \
    X(SUBW, "subw")                                                                                \
    X(SLLW, "sllw")                                                                                \
    X(SRLW, "srlw")                                                                                \
    X(SRAW, "sraw")                                                                                \
    X(FENCE, "fence")                                                                              \
    X(FENCE_I, "fence.i")                                                                          \
    X(ECALL, "ecall")                                                                              \
    X(EBREAK, "ebreak")                                                                            \
    X(MUL, "mul")                                                                                  \
    X(MULH, "mulh")                                                                                \
    X(MULHSU, "mulhsu")                                                                            \
    X(MULHU, "mulhu")                                                                              \
    X(DIV, "div")                                                                                  \
    X(DIVU, "divu")                                                                                \
    X(REM, "rem")                                                                                  \
    X(REMU, "remu")                                                                                \
    X(MULW, "mulw")                                                                                \
    X(DIVW, "divw")                                                                                \
    X(DIVUW, "divuw")                                                                              \
    X(REMW, "remw")                                                                                \
    X(REMUW, "remuw")                                                                              \
    X(LR_W, "lr.w")                                                                                \
    X(SC_W, "sc.w")                                                                                \
    X(AMOSWAP_W, "amoswap.w")                                                                      \
    X(AMOADD_W, "amoadd.w")                                                                        \
    X(AMOXOR_W, "amoxor.w")                                                                        \
    X(AMOAND_W, "amoand.w")                                                                        \
    X(AMOOR_W, "amoor.w")                                                                          \
    X(AMOMIN_W, "amomin.w")                                                                        \
    X(AMOMAX_W, "amomax.w")                                                                        \
    X(AMOMINU_W, "amominu.w")                                                                      \
    X(AMOMAXU_W, "amomaxu.w")                                                                      \
    X(LR_D, "lr.d")                                                                                \
    X(SC_D, "sc.d")                                                                                \
    X(AMOSWAP_D, "amoswap.d")                                                                      \
    X(AMOADD_D, "amoadd.d")                                                                        \
    X(AMOXOR_D, "amoxor.d")                                                                        \
    X(AMOAND_D, "amoand.d")                                                                        \
    X(AMOOR_D, "amoor.d")                                                                          \
    X(AMOMIN_D, "amomin.d")                                                                        \
    X(AMOMAX_D, "amomax.d")                                                                        \
    X(AMOMINU_D, "amominu.d")                                                                      \
    X(AMOMAXU_D, "amomaxu.d")                                                                      \
    X(CSRRW, "csrrw")                                                                              \
    X(CSRRS, "csrrs")                                                                              \
    X(CSRRC, "csrrc")                                                                              \
    X(CSRRWI, "csrrwi")                                                                            \
    X(CSRRSI, "csrrsi")                                                                            \
    X(CSRRCI, "csrrci")                                                                            \
    X(MRET, "mret")                                                                                \
    X(SRET, "sret")                                                                                \
    X(WFI, "wfi")                                                                                  \
    X(SFENCE_VMA, "sfence.vma")                                                                    \
    X(FLW, "flw")                                                                                  \
    X(FSW, "fsw")                                                                                  \
    X(FMADD_S, "fmadd.s")                                                                          \
    X(FMSUB_S, "fmsub.s")                                                                          \
    X(FNMSUB_S, "fnmsub.s")                                                                        \
    X(FNMADD_S, "fnmadd.s")                                                                        \
    X(FADD_S, "fadd.s")                                                                            \
    X(FSUB_S, "fsub.s")                                                                            \
    X(FMUL_S, "fmul.s")                                                                            \
    X(FDIV_S, "fdiv.s")                                                                            \
    X(FSQRT_S, "fsqrt.s")                                                                          \
    X(FSGNJ_S, "fsgnj.s")                                                                          \
    X(FSGNJN_S, "fsgnjn.s")                                                                        \
    X(FSGNJX_S, "fsgnjx.s")                                                                        \
    X(FMIN_S, "fmin.s")                                                                            \
    X(FMAX_S, "fmax.s")                                                                            \
    X(FCVT_W_S, "fcvt.w.s")                                                                        \
    X(FCVT_WU_S, "fcvt.wu.s")                                                                      \
    X(FCVT_L_S, "fcvt.l.s")                                                                        \
    X(FCVT_LU_S, "fcvt.lu.s")                                                                      \
    X(FMV_X_W, "fmv.x.w")                                                                          \
    X(FEQ_S, "feq.s")                                                                              \
    X(FLT_S, "flt.s")                                                                              \
    X(FLE_S, "fle.s")                                                                              \
    X(FCLASS_S, "fclass.s")                                                                        \
    X(FCVT_S_W, "fcvt.s.w")                                                                        \
    X(FCVT_S_WU, "fcvt.s.wu")                                                                      \
    X(FCVT_S_L, "fcvt.s.l")                                                                        \
    X(FCVT_S_LU, "fcvt.s.lu")                                                                      \
    X(FMV_W_X, "fmv.w.x")                                                                          \
    X(FLD, "fld")                                                                                  \
    X(FSD, "fsd")                                                                                  \
    X(FMADD_D, "fmadd.d")                                                                          \
    X(FMSUB_D, "fmsub.d")                                                                          \
    X(FNMSUB_D, "fnmsub.d")                                                                        \
    X(FNMADD_D, "fnmadd.d")                                                                        \
    X(FADD_D, "fadd.d")                                                                            \
    X(FSUB_D, "fsub.d")                                                                            \
    X(FMUL_D, "fmul.d")                                                                            \
    X(FDIV_D, "fdiv.d")                                                                            \
    X(FSQRT_D, "fsqrt.d")                                                                          \
    X(FSGNJ_D, "fsgnj.d")                                                                          \
    X(FSGNJN_D, "fsgnjn.d")                                                                        \
    X(FSGNJX_D, "fsgnjx.d")                                                                        \
    X(FMIN_D, "fmin.d")                                                                            \
    X(FMAX_D, "fmax.d")                                                                            \
    X(FCVT_S_D, "fcvt.s.d")                                                                        \
    X(FCVT_D_S, "fcvt.d.s")                                                                        \
    X(FEQ_D, "feq.d")                                                                              \
    X(FLT_D, "flt.d")                                                                              \
    X(FLE_D, "fle.d")                                                                              \
    X(FCLASS_D, "fclass.d")                                                                        \
    X(FCVT_W_D, "fcvt.w.d")                                                                        \
    X(FCVT_WU_D, "fcvt.wu.d")                                                                      \
    X(FCVT_L_D, "fcvt.l.d")                                                                        \
    X(FCVT_LU_D, "fcvt.lu.d")                                                                      \
    X(FMV_X_D, "fmv.x.d")                                                                          \
    X(FCVT_D_W, "fcvt.d.w")                                                                        \
    X(FCVT_D_WU, "fcvt.d.wu")                                                                      \
    X(FCVT_D_L, "fcvt.d.l")                                                                        \
    X(FCVT_D_LU, "fcvt.d.lu")                                                                      \
    X(FMV_D_X, "fmv.d.x")

enum rv_op {
#define RV_OP_ENUM(name, mnem) RV_OP_##name,
    RV_OPS(RV_OP_ENUM)
#undef RV_OP_ENUM
        RV_OP_COUNT
};

/* Dynamic rounding mode in the rm field: use fcsr.frm. */
#define RV_RM_DYN 7

/*
 * One decoded instruction, 12 bytes so an engine can keep one per 2-byte code slot.
 *  - rd/rs1/rs2/rs3: register numbers (x or f depending on op); unused fields are 0.
 *  - rm: FP rounding-mode field; for LR/SC/AMO the aq|rl bits; for FENCE the pred<<4|succ bits.
 *  - imm: sign-extended immediate; shift amount for shifts; the CSR number for CSR ops (whose
 *    immediate forms keep the 5-bit zimm in rs1); the raw bits for ILLEGAL.
 *  - len: 2 (compressed) or 4.
 */
struct rv_insn {
    uint16_t op;
    uint8_t rd, rs1, rs2, rs3;
    uint8_t rm;
    uint8_t len;
    int32_t imm;
};

/* Decode raw (low 16 bits only are used if the instruction is compressed: raw & 3 != 3). */
void rv_decode(uint32_t raw, struct rv_insn *out);

/* Instruction length from its first halfword: 2 or 4 (longer encodings are not supported and
 * decode as ILLEGAL with length 4). */
static inline unsigned rv_insn_len(uint16_t first_half)
{
    return (first_half & 3) == 3 ? 4 : 2;
}

const char *rv_op_name(unsigned op);

/* Disassemble one instruction at pc into buf (e.g. "addi    sp,sp,-16"). Returns buf. */
char *rv_disasm(uint64_t pc, uint32_t raw, char *buf, size_t size);

#endif
