// Self-modifying code and fence.i (what a JIT's translation cache must get right): patching an
// instruction then fence.i, patching in a loop, code copied into a data buffer and executed,
// the buffer overwritten with different code, patching the block that is currently running,
// replacing a 32-bit instruction with two compressed ones, a store into the next instruction
// of the running block, and patching either half of an instruction that straddles two pages.
#include "common.h"

#define ADDI_A0_ZERO(imm) (0x00000513 | ((imm) << 20)) /* addi a0, zero, imm */
#define ADDI_A0_A0(imm) (0x00050513 | ((imm) << 20)) /* addi a0, a0, imm */
#define INSN_RET 0x00008067
#define C_LI_A0(imm) (0x4501 | (((imm) & 0x1f) << 2)) /* c.li a0, imm (0 <= imm < 32) */
#define C_ADDI_A0(imm) (0x0501 | (((imm) & 0x1f) << 2)) /* c.addi a0, imm */

.globl test_main
test_main:
    CASE // patch an immediate, fence.i, call
    call patchable
    CHECK(a0, 1)
    la a1, patchable
    li a2, ADDI_A0_ZERO(42)
    sw a2, 0(a1)
    fence.i
    call patchable
    CHECK(a0, 42)

    CASE // patch in a loop: every new value is seen
    li s1, 0
1:  la a1, patchable
    li a2, ADDI_A0_ZERO(0)
    slli a3, s1, 20
    or a2, a2, a3
    sw a2, 0(a1)
    fence.i
    call patchable
    CHECK_REG(a0, s1)
    addi s1, s1, 1
    li t6, 300
    blt s1, t6, 1b

    CASE // copy code into a data buffer and run it
    la a1, code_buf
    li a2, ADDI_A0_ZERO(7)
    sw a2, 0(a1)
    li a2, ADDI_A0_A0(5)
    sw a2, 4(a1)
    li a2, INSN_RET
    sw a2, 8(a1)
    fence.i
    jalr ra, 0(a1)
    CHECK(a0, 12)
    CASE // overwrite the buffer with different code
    li a2, ADDI_A0_ZERO(100)
    sw a2, 0(a1)
    li a2, ADDI_A0_A0(-1)
    sw a2, 4(a1)
    fence.i
    jalr ra, 0(a1)
    CHECK(a0, 99)
    CASE // only the second instruction changes
    li a2, ADDI_A0_A0(11)
    sw a2, 4(a1)
    fence.i
    jalr ra, 0(a1)
    CHECK(a0, 111)
    CASE // 32-bit instruction replaced by two 16-bit ones (with a byte-wise store)
    li a2, C_LI_A0(3) | (C_ADDI_A0(4) << 16)
    sh a2, 0(a1)
    srli a2, a2, 16
    sb a2, 2(a1)
    srli a2, a2, 8
    sb a2, 3(a1)
    fence.i
    jalr ra, 0(a1)
    CHECK(a0, 3 + 4 + 11)

    CASE // the running block patches an instruction further down in itself
    la a1, 2f
    li a2, ADDI_A0_ZERO(77)
    li a0, 0
    sw a2, 0(a1)
    fence.i
2:  addi a0, zero, 1
    CHECK(a0, 77)
    CASE // again, with a different value, to catch a stale translation of this block
    la a1, 3f
    li s1, 0
4:  slli a2, s1, 20
    li a3, ADDI_A0_ZERO(0)
    or a2, a2, a3
    sw a2, 0(a1)
    fence.i
3:  addi a0, zero, 1
    CHECK_REG(a0, s1)
    addi s1, s1, 1
    li t6, 20
    blt s1, t6, 4b

    CASE // code written through a dword store spanning two instructions
    la a1, code_buf
    li a2, (ADDI_A0_A0(2) << 32) | ADDI_A0_ZERO(40)
    sd a2, 0(a1)
    fence.i
    jalr ra, 0(a1)
    CHECK(a0, 42)

    CASE // an instruction straddling a page boundary: patch only its second half
    la a1, straddle_page + 0xffc
    li a2, 0x4515 // c.li a0, 5
    sh a2, 0(a1)
    li a2, 0x02550513 // addi a0, a0, 37: low half on this page, high half on the next
    sh a2, 2(a1)
    srli a2, a2, 16
    sh a2, 4(a1)
    li a2, 0x8067 // ret
    sh a2, 6(a1)
    sh zero, 8(a1)
    fence.i
    jalr ra, 0(a1)
    CHECK(a0, 42)
    li a2, 0x06450513 >> 16 // -> addi a0, a0, 100
    sh a2, 4(a1)
    fence.i
    jalr ra, 0(a1)
    CHECK(a0, 105)
    CASE // and only its first half
    li a2, 0x06458593 & 0xffff // low half of addi a1, a1, 100 with rd = a1: a0 stays 5
    sh a2, 2(a1)
    fence.i
    mv s1, a1
    jalr ra, 0(a1)
    CHECK(a0, 5)
    sub a1, a1, s1
    CHECK(a1, 100)
    PASS

.align 4
patchable:
    addi a0, zero, 1
    ret

.section .data
.align 6
code_buf:
    .word 0, 0, 0, 0
    .word INSN_RET, 0
.align 12
straddle_page: .zero 8192
