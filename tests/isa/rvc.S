// RVC: behaviour of every RV64 compressed instruction (c.addi4spn, c.fld/fsd, c.lw/sw, c.ld/sd,
// c.nop, c.addi, c.addiw, c.li, c.addi16sp, c.lui, c.srli/srai/andi, c.sub/xor/or/and/subw/addw,
// c.j, c.beqz/bnez, c.slli, c.fldsp/lwsp/ldsp, c.jr/mv/ebreak/jalr/add, c.fsdsp/swsp/sdsp), links
// of pc + 2, 32-bit instructions at 2-byte aligned addresses, and traps on 16-bit instructions.
#include "common.h"

.option rvc
.globl test_main
test_main:
    // ---- CI / CR arithmetic ----
    CASE
    li a0, 0
    c.li a0, -32
    CHECK(a0, -32)
    c.li a0, 31
    CHECK(a0, 31)
    CASE
    c.addi a0, -1
    CHECK(a0, 30)
    c.addi a0, 31
    CHECK(a0, 61)
    c.nop
    CHECK(a0, 61)
    CASE
    li a0, 0x7fffffff
    c.addiw a0, 1
    CHECK(a0, 0xffffffff80000000)
    li a0, 0x123456780000000f
    c.addiw a0, 0 // sext.w
    CHECK(a0, 0xf)
    li a0, 0x80000000
    c.addiw a0, -1
    CHECK(a0, 0x7fffffff)
    CASE
    c.lui a0, 0x1f
    CHECK(a0, 0x1f000)
    c.lui a0, 0xfffe0
    CHECK(a0, 0xfffffffffffe0000)
    c.lui a0, 0xfffff
    CHECK(a0, 0xfffffffffffff000)
    CASE
    li a0, 1
    c.slli a0, 63
    CHECK(a0, 0x8000000000000000)
    li s1, 0x8000000000000000
    c.srli s1, 63
    CHECK(s1, 1)
    li s1, 0x8000000000000000
    c.srai s1, 62
    CHECK(s1, -2)
    li s1, 0xff0
    c.srli s1, 4
    CHECK(s1, 0xff)
    CASE
    li a5, 0xffffffffffffffff
    c.andi a5, -32
    CHECK(a5, 0xffffffffffffffe0)
    li a5, 0x1234
    c.andi a5, 0x1f
    CHECK(a5, 0x14)
    CASE
    li a0, 0x0ff0
    li a1, 0x00ff
    c.and a0, a1
    CHECK(a0, 0xf0)
    li a0, 0x0ff0
    c.or a0, a1
    CHECK(a0, 0xfff)
    li a0, 0x0ff0
    c.xor a0, a1
    CHECK(a0, 0xf0f)
    li a0, 5
    c.sub a0, a1
    CHECK(a0, 5 - 0xff)
    CASE
    li a0, 0x7fffffff
    li a1, 1
    c.addw a0, a1
    CHECK(a0, 0xffffffff80000000)
    li a0, 0x180000000
    c.subw a0, a1
    CHECK(a0, 0x7fffffff)
    CASE
    li t3, 100
    li t4, 23
    c.add t3, t4
    CHECK(t3, 123)
    c.mv t5, t3
    CHECK(t5, 123)

    // ---- stack-pointer based forms ----
    CASE
    mv s0, sp
    la sp, c_stack + 512
    c.addi16sp sp, -64
    la a0, c_stack + 448
    CHECK_REG(sp, a0)
    c.addi16sp sp, 496
    la a0, c_stack + 944
    CHECK_REG(sp, a0)
    c.addi16sp sp, -512
    la a0, c_stack + 432
    CHECK_REG(sp, a0)
    c.addi4spn a0, sp, 4
    la a1, c_stack + 436
    CHECK_REG(a0, a1)
    c.addi4spn a0, sp, 1020
    la a1, c_stack + 432 + 1020
    CHECK_REG(a0, a1)
    CASE // sd/ld/sw/lw relative to sp
    la sp, c_stack
    li a2, 0x8877665544332211
    c.sdsp a2, 504(sp)
    c.ldsp a3, 504(sp)
    CHECK(a3, 0x8877665544332211)
    li a2, 0x00000000f0000001
    c.swsp a2, 252(sp)
    c.lwsp a3, 252(sp)
    CHECK(a3, 0xfffffffff0000001) // lw sign-extends
    c.ldsp a4, 0(sp) // zero-initialised
    CHECK(a4, 0)
    CASE // fsdsp / fldsp
    li a2, 0x400921fb54442d18
    fmv.d.x fa5, a2
    c.fsdsp fa5, 8(sp)
    c.ldsp a3, 8(sp)
    CHECK(a3, 0x400921fb54442d18)
    c.fldsp fa4, 8(sp)
    fmv.x.d a3, fa4
    CHECK(a3, 0x400921fb54442d18)
    mv sp, s0

    // ---- register-based loads and stores (x8-x15 only) ----
    CASE
    la s1, c_data
    li a2, 0x1122334455667788
    c.sd a2, 8(s1)
    c.ld a3, 8(s1)
    CHECK(a3, 0x1122334455667788)
    li a2, 0x80000000
    c.sw a2, 124(s1)
    c.lw a3, 124(s1)
    CHECK(a3, 0xffffffff80000000)
    c.ld a4, 248(s1)
    CHECK(a4, 0x5a5a5a5a5a5a5a5a)
    c.lw a4, 0(s1)
    CHECK(a4, 0x0c0c0c0c)
    CASE
    li a2, 0xbff8000000000000
    fmv.d.x fa2, a2
    c.fsd fa2, 16(s1)
    c.ld a3, 16(s1)
    CHECK(a3, 0xbff8000000000000)
    c.fld fa3, 16(s1)
    fmv.x.d a3, fa3
    CHECK(a3, 0xbff8000000000000)

    // ---- control flow ----
    CASE
    c.j 1f
    j fail
1:  li a0, 0
    c.beqz a0, 2f
    j fail
2:  c.bnez a0, fail_near
    li a0, -1
    c.bnez a0, 3f
    j fail
3:  c.beqz a0, fail_near
    CASE // backward c.bnez loop
    li a0, 5
    li a1, 0
4:  c.addi a1, 3
    c.addi a0, -1
    c.bnez a0, 4b
    CHECK(a1, 15)
    CASE // c.jr
    la a1, 5f
    c.jr a1
    j fail
5:  CASE // c.jalr links pc + 2
    la a1, 7f
6:  c.jalr a1
    j fail
7:  la a2, 6b + 2
    CHECK_REG(ra, a2)
    CASE // c.jalr with the link register as target register
    la ra, 9f
8:  c.jalr ra
    j fail
9:  la a2, 8b + 2
    CHECK_REG(ra, a2)
    j 10f
fail_near:
    j fail
10:
    // a 32-bit instruction at an address that is 2 mod 4, reached by jalr
    CASE
    la a1, misaligned_target
    jalr ra, 0(a1)
    CHECK(a0, 0x1234)

    // ---- traps on compressed instructions: mepc points at them, length 2 is skipped ----
    CASE
    ARM_TRAP_SKIP
11: c.ebreak
    TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_BREAKPOINT)
    TRAP_FIELD(a0, TR_EPC)
    la a1, 11b
    CHECK_REG(a0, a1)
    CASE // illegal: the all-zero halfword
    ARM_TRAP_SKIP
12: .half 0
    TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_ILLEGAL_INSTRUCTION)
    TRAP_FIELD(a0, TR_EPC)
    la a1, 12b
    CHECK_REG(a0, a1)
    CASE // c.addi4spn with nzuimm = 0 is reserved
    ARM_TRAP_SKIP
    .half 0x0004
    TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_ILLEGAL_INSTRUCTION)
    CASE // c.lui with imm = 0 is reserved
    ARM_TRAP_SKIP
    .half 0x6501 // c.lui a0, 0
    TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_ILLEGAL_INSTRUCTION)
    CASE // c.addi16sp with imm = 0 is reserved
    ARM_TRAP_SKIP
    .half 0x6101
    TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_ILLEGAL_INSTRUCTION)
    CASE // c.lwsp with rd = 0 is reserved
    ARM_TRAP_SKIP
    .half 0x4002
    TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_ILLEGAL_INSTRUCTION)
    CASE // c.jr with rs1 = 0 is reserved
    ARM_TRAP_SKIP
    .half 0x8002
    TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_ILLEGAL_INSTRUCTION)
    PASS

.align 2
    c.nop
misaligned_target: // 2 mod 4
    .option norvc
    li a0, 0x1234
    ret
    .option rvc

.section .data
.align 4
c_data:
    .word 0x0c0c0c0c
    .zero 244
    .dword 0x5a5a5a5a5a5a5a5a
.section .bss
.align 4
c_stack: .zero 2048
