// Exceptions and privilege transitions: ecall from M/S/U (mcause, mepc), ebreak, illegal
// instructions (mtval = instruction bits), mstatus MPP/MPIE/MIE on trap and mret, SPP/SPIE/SIE on
// sret, delegation with medeleg to S (scause/sepc/stval/SPP), M-mode traps never delegated,
// TSR/TW/TVM, privileged instructions from the wrong mode, misaligned loads/stores (either done
// or trapped with the right cause/tval, both allowed by the spec).
#include "common.h"

#define STATUS_FIELD(reg, mask) li t6, mask; and reg, reg, t6

.globl test_main
test_main:
    la a1, strap_vector
    csrw stvec, a1

    // ---- ecall / ebreak / illegal in M ----
    CASE
    ARM_TRAP_SKIP
1:  ecall
    TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_MACHINE_ECALL)
    TRAP_FIELD(a0, TR_EPC)
    la a1, 1b
    CHECK_REG(a0, a1)
    TRAP_FIELD(a0, TR_STATUS) // MPP = M, MPIE = old MIE (0), MIE = 0
    STATUS_FIELD(a0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE)
    CHECK(a0, MSTATUS_MPP)
    CASE // with MIE = 1: MPIE = 1, MIE = 0 in the handler; mret restores MIE
    csrw mie, zero
    csrsi mstatus, MSTATUS_MIE
    ARM_TRAP_SKIP
    ecall
    TRAP_FIELD(a0, TR_STATUS)
    STATUS_FIELD(a0, MSTATUS_MPIE | MSTATUS_MIE)
    CHECK(a0, MSTATUS_MPIE)
    csrr a0, mstatus
    STATUS_FIELD(a0, MSTATUS_MPIE | MSTATUS_MIE | MSTATUS_MPP)
    CHECK(a0, MSTATUS_MPIE | MSTATUS_MIE) // after mret: MIE = MPIE, MPIE = 1, MPP = U
    csrci mstatus, MSTATUS_MIE
    CASE
    ARM_TRAP_SKIP
2:  ebreak
    TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_BREAKPOINT)
    TRAP_FIELD(a0, TR_EPC)
    la a1, 2b
    CHECK_REG(a0, a1)
    TRAP_FIELD(a0, TR_TVAL) // 0 or the pc
    beqz a0, 3f
    CHECK_REG(a0, a1)
3:  CASE
    ARM_TRAP_SKIP
4:  .word 0xffffffff
    TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_ILLEGAL_INSTRUCTION)
    TRAP_FIELD(a0, TR_TVAL)
    CHECK(a0, 0xffffffff)
    TRAP_FIELD(a0, TR_EPC)
    la a1, 4b
    CHECK_REG(a0, a1)
    CASE // unknown opcode / funct: mtval = the instruction
    ARM_TRAP_SKIP
    .word 0x0000707f // opcode 0x7f (>= 80-bit encoding space), not implemented
    TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_ILLEGAL_INSTRUCTION)
    CASE
    ARM_TRAP_SKIP
    .word 0x02008033 | (7 << 25) // add with funct7 = 0x17: reserved
    TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_ILLEGAL_INSTRUCTION)
    TRAP_FIELD(a0, TR_TVAL)
    CHECK(a0, 0x02008033 | (7 << 25))

    // ---- mret: MPP set to U, MPIE to 1; to M keeps M ----
    CASE
    li a1, MSTATUS_MPP
    csrs mstatus, a1
    li a1, MSTATUS_MPIE
    csrc mstatus, a1
    la a1, 5f
    csrw mepc, a1
    mret
    j fail
5:  csrr a0, mstatus // still M-mode, or this would trap
    STATUS_FIELD(a0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE)
    CHECK(a0, MSTATUS_MPIE)

    // ---- ecall from S and U ----
    GOTO_MODE(PRV_S, s_mode_1)
s_mode_1:
    CASE
    ARM_TRAP_RESUME(6f)
7:  ecall
    j fail
6:  TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_SUPERVISOR_ECALL)
    TRAP_FIELD(a0, TR_EPC)
    la a1, 7b
    CHECK_REG(a0, a1)
    TRAP_FIELD(a0, TR_STATUS)
    STATUS_FIELD(a0, MSTATUS_MPP)
    CHECK(a0, MSTATUS_MPP_S)
    // privileged instructions of a higher mode
    EXPECT_TRAP(CAUSE_ILLEGAL_INSTRUCTION, mret)
    RETURN_TO_M
    GOTO_MODE(PRV_U, u_mode_1)
u_mode_1:
    CASE
    ARM_TRAP_RESUME(8f)
9:  ecall
    j fail
8:  TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_USER_ECALL)
    TRAP_FIELD(a0, TR_EPC)
    la a1, 9b
    CHECK_REG(a0, a1)
    TRAP_FIELD(a0, TR_STATUS)
    STATUS_FIELD(a0, MSTATUS_MPP)
    CHECK(a0, 0)
    EXPECT_TRAP(CAUSE_ILLEGAL_INSTRUCTION, sret)
    EXPECT_TRAP(CAUSE_ILLEGAL_INSTRUCTION, mret)
    EXPECT_TRAP(CAUSE_ILLEGAL_INSTRUCTION, sfence.vma)
    RETURN_TO_M

    // ---- delegation: medeleg sends U/S exceptions to stvec ----
    CASE
    li a1, (1 << CAUSE_USER_ECALL) | (1 << CAUSE_BREAKPOINT) | (1 << CAUSE_ILLEGAL_INSTRUCTION)
    csrw medeleg, a1
    TRAP_FIELD(s1, TR_COUNT)
    GOTO_MODE(PRV_U, u_mode_2)
u_mode_2:
    CASE
    ARM_STRAP_RESUME(10f)
11: ecall
    j fail
10: STRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_USER_ECALL)
    STRAP_FIELD(a0, TR_EPC)
    la a1, 11b
    CHECK_REG(a0, a1)
    STRAP_FIELD(a0, TR_STATUS) // SPP = U
    STATUS_FIELD(a0, MSTATUS_SPP)
    CHECK(a0, 0)
    CASE // delegated illegal instruction: stval = the instruction
    ARM_STRAP_SKIP
12: .word 0xffffffff
    STRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_ILLEGAL_INSTRUCTION)
    STRAP_FIELD(a0, TR_TVAL)
    CHECK(a0, 0xffffffff)
    STRAP_FIELD(a0, TR_EPC)
    la a1, 12b
    CHECK_REG(a0, a1)
    RETURN_TO_M // U -> S (delegated ecall) -> M
    CASE
    csrr a0, mstatus // in M
    TRAP_FIELD(a0, TR_COUNT) // no counted M-mode trap happened for the delegated exceptions
    CHECK_REG(a0, s1)
    CASE // exceptions in M-mode are never delegated
    ARM_TRAP_SKIP
    .word 0xffffffff
    TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_ILLEGAL_INSTRUCTION)
    CASE // S-mode ebreak, delegated: SPP = S, and sret honours SPIE / SPP
    li a1, MSTATUS_SIE
    csrs mstatus, a1
    csrw mie, zero
    GOTO_MODE(PRV_S, s_mode_2)
s_mode_2:
    CASE
    ARM_STRAP_SKIP
13: ebreak
    STRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_BREAKPOINT)
    STRAP_FIELD(a0, TR_EPC)
    la a1, 13b
    CHECK_REG(a0, a1)
    STRAP_FIELD(a0, TR_STATUS) // SPP = S, SPIE = old SIE (1), SIE = 0
    STATUS_FIELD(a0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE)
    CHECK(a0, MSTATUS_SPP | MSTATUS_SPIE)
    csrr a0, sstatus // after sret: SIE = SPIE, SPIE = 1, SPP = U
    STATUS_FIELD(a0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE)
    CHECK(a0, MSTATUS_SPIE | MSTATUS_SIE)
    csrci sstatus, MSTATUS_SIE
    CASE // sret to U
    li a1, MSTATUS_SPP
    csrc sstatus, a1
    la a1, u_mode_3
    csrw sepc, a1
    sret
    j fail
u_mode_3:
    CASE // really in U: sstatus is not accessible (delegated illegal -> S handler)
    ARM_STRAP_SKIP
    csrr a0, sstatus
    STRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_ILLEGAL_INSTRUCTION)
    RETURN_TO_M
    csrw medeleg, zero

    // ---- TSR / TW / TVM ----
    li a1, MSTATUS_TSR | MSTATUS_TW | MSTATUS_TVM
    csrs mstatus, a1
    GOTO_MODE(PRV_S, s_mode_4)
s_mode_4:
    EXPECT_TRAP(CAUSE_ILLEGAL_INSTRUCTION, sret)
    EXPECT_TRAP(CAUSE_ILLEGAL_INSTRUCTION, wfi)
    EXPECT_TRAP(CAUSE_ILLEGAL_INSTRUCTION, csrr a0, satp)
    EXPECT_TRAP(CAUSE_ILLEGAL_INSTRUCTION, csrw satp, zero)
    EXPECT_TRAP(CAUSE_ILLEGAL_INSTRUCTION, sfence.vma)
    EXPECT_TRAP(CAUSE_ILLEGAL_INSTRUCTION, sfence.vma a0, a1)
    RETURN_TO_M
    li a1, MSTATUS_TSR | MSTATUS_TW | MSTATUS_TVM
    csrc mstatus, a1
    GOTO_MODE(PRV_S, s_mode_5)
s_mode_5:
    CASE // without TVM / TSR these work in S
    csrr a0, satp
    csrw satp, zero
    sfence.vma
    li a1, MSTATUS_SPP
    csrs sstatus, a1
    la a1, 14f
    csrw sepc, a1
    sret
    j fail
14: RETURN_TO_M
    CASE // TVM / TSR / TW do not affect M-mode
    li a1, MSTATUS_TSR | MSTATUS_TW | MSTATUS_TVM
    csrs mstatus, a1
    csrr a0, satp
    sfence.vma
    li a1, MSTATUS_TSR | MSTATUS_TW | MSTATUS_TVM
    csrc mstatus, a1

    // ---- misaligned loads and stores: performed, or trapped with cause 4/6 (or 5/7) and
    // tval = the address; both are allowed ----
#define TEST_MISALIGNED_LOAD(op, off, exp)                                                         \
    CASE;                                                                                          \
    la a3, mis_data;                                                                               \
    addi a3, a3, off;                                                                              \
    li a0, 0x5a5a;                                                                                 \
    ARM_TRAP_RESUME(9994f);                                                                        \
    op a0, 0(a3);                                                                                  \
    DISARM_TRAP;                                                                                   \
    CHECK(a0, exp);                                                                                \
    j 9993f;                                                                                       \
    9994:                                                                                          \
    TRAP_FIELD(t0, TR_CAUSE);                                                                      \
    li t1, CAUSE_LOAD_ACCESS;                                                                      \
    beq t0, t1, 9992f;                                                                             \
    CHECK(t0, CAUSE_MISALIGNED_LOAD);                                                              \
    9992:                                                                                          \
    TRAP_FIELD(t0, TR_TVAL);                                                                       \
    CHECK_REG(t0, a3);                                                                             \
    9993:
    TEST_MISALIGNED_LOAD(lh, 1, 0x0201)
    TEST_MISALIGNED_LOAD(lw, 1, 0x04030201)
    TEST_MISALIGNED_LOAD(lwu, 3, 0x06050403)
    TEST_MISALIGNED_LOAD(ld, 1, 0x0807060504030201)
    TEST_MISALIGNED_LOAD(ld, 7, 0x0e0d0c0b0a090807)
    TEST_MISALIGNED_LOAD(lhu, 7, 0x0807)
    CASE // misaligned store
    la a3, mis_data
    addi a3, a3, 3
    li a2, 0xa1a2a3a4a5a6a7a8
    ARM_TRAP_RESUME(15f)
    sd a2, 0(a3)
    DISARM_TRAP
    ld a0, -3(a3)
    CHECK(a0, 0xa4a5a6a7a8020100)
    ld a0, 5(a3)
    CHECK(a0, 0x0f0e0d0c0ba1a2a3)
    j 16f
15: TRAP_FIELD(t0, TR_CAUSE)
    li t1, CAUSE_STORE_ACCESS
    beq t0, t1, 17f
    CHECK(t0, CAUSE_MISALIGNED_STORE)
17: TRAP_FIELD(t0, TR_TVAL)
    CHECK_REG(t0, a3)
16:
    PASS

.section .data
.align 4
mis_data:
    .byte 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
