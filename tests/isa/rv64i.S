// RV64I: ALU register/immediate ops, shifts incl. W forms, LUI/AUIPC, branches, JAL/JALR,
// loads/stores of every width with sign/zero extension (naturally aligned only).
#include "common.h"

.globl test_main
test_main:
    // ---- add/sub and W forms ----
    TEST_RR(add, 0, 0, 0)
    TEST_RR(add, 3, 1, 2)
    TEST_RR(add, 0, -1, 1)
    TEST_RR(add, 0x8000000000000000, 0x7fffffffffffffff, 1)
    TEST_RR(add, 0x0000000100000000, 0x00000000ffffffff, 1)
    TEST_RR(sub, -1, 0, 1)
    TEST_RR(sub, 0x7fffffffffffffff, 0x8000000000000000, 1)
    TEST_RR(addw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_RR(addw, 0, 0xffffffff, 1)
    TEST_RR(addw, 0x12345678, 0xabcdef0012345677, 1)
    TEST_RR(subw, 0x7fffffff, 0x80000000, 1)
    TEST_RR(subw, 0xffffffffffffffff, 0x100000000, 1)
    TEST_RI(addi, 0x800, 0x1, 0x7ff)
    TEST_RI(addi, -2048, 0, -2048)
    TEST_RI(addi, 0xffffffffffffffff, 0, -1)
    TEST_RI(addiw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_RI(addiw, 0x7fffffff, 0xffffffff80000000, -1)
    TEST_RI(addiw, 5, 0xffffffff00000005, 0) // sext.w
    // ---- logic ----
    TEST_RR(and, 0x0f000f00, 0xff00ff00, 0x0f0f0f0f)
    TEST_RR(or, 0xff0fff0f, 0xff00ff00, 0x0f0f0f0f)
    TEST_RR(xor, 0xf00ff00f, 0xff00ff00, 0x0f0f0f0f)
    TEST_RI(andi, 0xffffffffff00ff00, 0xffffffffff00ff00, -1)
    TEST_RI(andi, 0x00000000000000f0, 0x00ff00f0, 0x0f0)
    TEST_RI(ori, 0xffffffffffffff0f, 0xff00ff00, -0xf1)
    TEST_RI(xori, 0xffffffffff00f7ff, 0x00ff0f00, -0x701)
    TEST_RI(xori, 0xffffffffffffffff, 0, -1)
    // ---- compare ----
    TEST_RR(slt, 1, -1, 0)
    TEST_RR(slt, 0, 0, -1)
    TEST_RR(slt, 0, 5, 5)
    TEST_RR(sltu, 0, -1, 0)
    TEST_RR(sltu, 1, 0, -1)
    TEST_RR(sltu, 1, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_RI(slti, 1, 0x8000000000000000, 0)
    TEST_RI(slti, 0, 0x7ff, 0x7ff)
    TEST_RI(slti, 1, -2049, -2048)
    TEST_RI(sltiu, 1, 0, -1) // imm sign-extended, then compared unsigned
    TEST_RI(sltiu, 0, -1, -1)
    TEST_RI(sltiu, 1, 0, 1) // seqz
    TEST_RI(sltiu, 0, 7, 1)
    // ---- shifts (64-bit use 6 bits of rs2, W forms use 5 and sign-extend) ----
    TEST_RR(sll, 0x8000000000000000, 1, 63)
    TEST_RR(sll, 2, 1, 65) // only 6 bits of the amount
    TEST_RR(srl, 1, 0x8000000000000000, 63)
    TEST_RR(srl, 0x0000ffffffffffff, -1, 16)
    TEST_RR(sra, -1, 0x8000000000000000, 63)
    TEST_RR(sra, 0xffff800000000000, 0x8000000000000000, 16)
    TEST_RR(sra, 0x8000000000000000, 0x8000000000000000, 64)
    TEST_RI(slli, 0x8000000000000000, 1, 63)
    TEST_RI(srli, 0x00000000ffffffff, -1, 32)
    TEST_RI(srai, 0xffffffff80000000, 0x8000000000000000, 32)
    TEST_RI(srai, 0x0000000040000000, 0x4000000000000000, 32)
    TEST_RR(sllw, 0xffffffff80000000, 1, 31)
    TEST_RR(sllw, 2, 1, 33) // only 5 bits of the amount
    TEST_RR(sllw, 0x12345678, 0xffffffff12345678, 0)
    TEST_RR(srlw, 1, 0x80000000, 31)
    TEST_RR(srlw, 0xffffffff80000000, 0xffffffff80000000, 0) // shift by 0 still sign-extends
    TEST_RR(srlw, 0x7fffffff, 0xfffffffffffffffe, 1)
    TEST_RR(sraw, -1, 0x80000000, 31)
    TEST_RR(sraw, 0xfffffffff8000000, 0x0000000080000000, 4)
    TEST_RR(sraw, 0x00000000, 0xffffffff00000000, 4) // upper bits ignored
    TEST_RI(slliw, 0xffffffff80000000, 1, 31)
    TEST_RI(slliw, 0, 0x100000000, 0)
    TEST_RI(srliw, 0x0000000000ffffff, 0xffffffff, 8)
    TEST_RI(sraiw, 0xffffffffffffffff, 0x80000000, 31)
    TEST_RI(sraiw, 0x0000000000000234, 0x123456780, 20)

    // ---- lui / auipc ----
    CASE
    lui a0, 0x80000
    CHECK(a0, 0xffffffff80000000)
    CASE
    lui a0, 0x7ffff
    CHECK(a0, 0x7ffff000)
    CASE
    lui a0, 0
    CHECK(a0, 0)
    CASE
1:  auipc a0, 0
    la a1, 1b
    CHECK_REG(a0, a1)
    CASE
2:  auipc a0, 1
    la a1, 2b
    sub a0, a0, a1
    CHECK(a0, 0x1000)
    CASE
3:  auipc a0, 0xfffff // -0x1000
    la a1, 3b
    sub a0, a1, a0
    CHECK(a0, 0x1000)

    // ---- branches: taken and not taken ----
#define TEST_BR_TAKEN(br, a, b)                                                                    \
    CASE;                                                                                          \
    li a1, a;                                                                                      \
    li a2, b;                                                                                      \
    br a1, a2, 9997f;                                                                              \
    j fail;                                                                                        \
    9997:
#define TEST_BR_NOT(br, a, b)                                                                      \
    CASE;                                                                                          \
    li a1, a;                                                                                      \
    li a2, b;                                                                                      \
    br a1, a2, fail_near;
    TEST_BR_TAKEN(beq, 5, 5)
    TEST_BR_NOT(beq, 5, 6)
    TEST_BR_TAKEN(bne, 0, -1)
    TEST_BR_NOT(bne, -1, -1)
    TEST_BR_TAKEN(blt, -1, 0)
    TEST_BR_NOT(blt, 0, -1)
    TEST_BR_NOT(blt, 3, 3)
    TEST_BR_TAKEN(bge, 3, 3)
    TEST_BR_TAKEN(bge, 0, -1)
    TEST_BR_NOT(bge, -1, 0)
    TEST_BR_TAKEN(bltu, 0, -1)
    TEST_BR_NOT(bltu, -1, 0)
    TEST_BR_TAKEN(bgeu, -1, 0)
    TEST_BR_TAKEN(bgeu, 7, 7)
    TEST_BR_NOT(bgeu, 0x7fffffffffffffff, 0x8000000000000000)
    j 4f
fail_near:
    j fail
4:
    // backward branch loop: sum 1..10
    CASE
    li a0, 0
    li a1, 10
5:  add a0, a0, a1
    addi a1, a1, -1
    bnez a1, 5b
    CHECK(a0, 55)

    // ---- jal / jalr ----
    CASE
    jal a0, 6f
6:  la a1, 6b
    CHECK_REG(a0, a1) // link = pc + 4
    CASE
    li a0, 0
    jal x0, 7f
    li a0, 1 // skipped
7:  CHECK(a0, 0)
    CASE
    la a1, 8f
    jalr a0, 0(a1)
    j fail
8:  la a2, 8b - 8 // the jalr
    addi a2, a2, 4
    CHECK_REG(a0, a2)
    CASE
    la a1, 10f + 1 // jalr clears bit 0 of the target
    jalr a0, -1(a1)
    j fail
10: nop
    CASE
    la a1, 11f - 0x10
    jalr x0, 0x10(a1)
    j fail
11: CASE
    la a1, 12f
    jalr a1, 0(a1) // rd == rs1: target read before the link is written
    j fail
12: la a2, 12b - 4
    CHECK_REG(a1, a2)
    CASE
    li ra, 0
    call 13f
    j 14f
13: la a1, 13b - 4
    CHECK_REG(ra, a1)
    ret
14:
    // x0 stays zero
    CASE
    li x0, 5
    addi x0, x0, 1
    mv a0, x0
    CHECK(a0, 0)

    // ---- loads: all widths, sign and zero extension ----
#define TEST_LD(op, exp, off)                                                                      \
    CASE;                                                                                          \
    la a1, ld_data;                                                                                \
    op a0, off(a1);                                                                                \
    CHECK(a0, exp)
    TEST_LD(lb, 0xffffffffffffff80, 0)
    TEST_LD(lbu, 0x80, 0)
    TEST_LD(lb, 0x7f, 1)
    TEST_LD(lbu, 0xfe, 7)
    TEST_LD(lh, 0x7f80, 0)
    TEST_LD(lh, 0xffffffffffff8001, 2)
    TEST_LD(lhu, 0x8001, 2)
    TEST_LD(lw, 0xffffffff80017f80, 0)
    TEST_LD(lwu, 0x80017f80, 0)
    TEST_LD(lw, 0x7ffe1234, 8)
    TEST_LD(lwu, 0x7ffe1234, 8)
    TEST_LD(ld, 0xfe11223380017f80, 0)
    TEST_LD(ld, 0xdeadbeef7ffe1234, 8)
    TEST_LD(lh, 0xfffffffffffffe11, 6)
    TEST_LD(lw, 0xfffffffffe112233, 4)
    TEST_LD(lw, 0xffffffffdeadbeef, 12)
    // negative offset
    CASE
    la a1, ld_data + 16
    ld a0, -8(a1)
    CHECK(a0, 0xdeadbeef7ffe1234)
    // load into the base register
    CASE
    la a0, ld_data
    ld a0, 0(a0)
    CHECK(a0, 0xfe11223380017f80)

    // ---- stores: each width writes exactly its bytes ----
#define TEST_ST(st, val, off, exp)                                                                 \
    CASE;                                                                                          \
    la a1, st_data;                                                                                \
    li a2, -1;                                                                                     \
    sd a2, 0(a1);                                                                                  \
    sd a2, 8(a1);                                                                                  \
    li a2, val;                                                                                    \
    st a2, off(a1);                                                                                \
    ld a0, 0(a1);                                                                                  \
    CHECK(a0, exp);                                                                                \
    ld a0, 8(a1);                                                                                  \
    CHECK(a0, -1)
    TEST_ST(sb, 0x1234567890abcd00, 0, 0xffffffffffffff00)
    TEST_ST(sb, 0x12, 3, 0xffffffff12ffffff)
    TEST_ST(sb, 0x34, 7, 0x34ffffffffffffff)
    TEST_ST(sh, 0x1234567890ab0000, 0, 0xffffffffffff0000)
    TEST_ST(sh, 0xbeef, 6, 0xbeefffffffffffff)
    TEST_ST(sh, 0x5aa5, 2, 0xffffffff5aa5ffff)
    TEST_ST(sw, 0x1234567800000000, 0, 0xffffffff00000000)
    TEST_ST(sw, 0x0badcafe, 4, 0x0badcafeffffffff)
    TEST_ST(sd, 0x0123456789abcdef, 0, 0x0123456789abcdef)
    // store then load back through a different width (little endian)
    CASE
    la a1, st_data
    li a2, 0x0807060504030201
    sd a2, 0(a1)
    lbu a0, 5(a1)
    CHECK(a0, 6)
    lhu a0, 2(a1)
    CHECK(a0, 0x0403)
    lwu a0, 4(a1)
    CHECK(a0, 0x08070605)
    // negative store offset
    CASE
    la a1, st_data + 16
    li a2, 0x55
    sb a2, -16(a1)
    lbu a0, -16(a1)
    CHECK(a0, 0x55)

    // ---- fence / fence.i / nop-like hints are accepted ----
    CASE
    fence
    fence rw, rw
    fence.i
    addi x0, x1, 0
    PASS

.section .data
.align 3
ld_data:
    .dword 0xfe11223380017f80
    .dword 0xdeadbeef7ffe1234
st_data:
    .dword 0
    .dword 0
