/*
 * common.h - shared harness for the kvmu ISA tests (tests/isa/*.S).
 *
 * Each test is one bare-metal RV64 program, linked at 0x80000000 (tests/isa/link.ld) and started in
 * M-mode on every hart. The harness below (included once, at the top of each test) parks every hart
 * but hart 0 (unless the test defines `secondary_main`), opens PMP for S/U, installs a trap
 * vector and jumps to the test's `test_main`. Results go to the sifive,test finisher at 0x100000:
 * 0x5555 = pass, (code << 16) | 0x3333 = fail with exit status `code`.
 *
 * Checks are numbered automatically: every CASE (all TEST_* macros start with one) loads
 * TESTNUM = (source line << 16) | ordinal, the ordinal counting checks from 1 in the file. On
 * failure the exit status is the ordinal (clamped to 255) and the UART prints the file, ordinal and
 * source line of the failing check (plus mcause/mepc/mtval for an unexpected trap).
 *
 * A failing CHECK also prints the value found and the value expected.
 *
 * Registers reserved by the harness: s11 (TESTNUM) and t6 (scratch of the check macros); s10 is
 * written on the failure path only. The trap
 * handlers preserve every register (they use mscratch/sscratch and a save area).
 *
 * The whole file is assembled with `.option norvc` so instruction lengths are predictable; c.S
 * re-enables compression locally.
 */
#ifndef ISA_COMMON_H
#define ISA_COMMON_H

#define TESTNUM s11

/* ---- board (QEMU virt layout) ---- */
#define FINISHER_BASE 0x100000
#define FINISHER_PASS 0x5555
#define FINISHER_FAIL 0x3333
#define UART0_BASE 0x10000000
#define CLINT_BASE 0x2000000
#define CLINT_MSIP(h) (CLINT_BASE + 4 * (h))
#define CLINT_MTIMECMP(h) (CLINT_BASE + 0x4000 + 8 * (h))
#define CLINT_MTIME (CLINT_BASE + 0xbff8)
#define PLIC_BASE 0xc000000
#define RAM_BASE 0x80000000

/* ---- CSR fields ---- */
#define MSTATUS_SIE (1 << 1)
#define MSTATUS_MIE (1 << 3)
#define MSTATUS_SPIE (1 << 5)
#define MSTATUS_UBE (1 << 6)
#define MSTATUS_MPIE (1 << 7)
#define MSTATUS_SPP (1 << 8)
#define MSTATUS_MPP (3 << 11)
#define MSTATUS_MPP_S (1 << 11)
#define MSTATUS_FS (3 << 13)
#define MSTATUS_FS_INITIAL (1 << 13)
#define MSTATUS_FS_CLEAN (2 << 13)
#define MSTATUS_FS_DIRTY (3 << 13)
#define MSTATUS_XS (3 << 15)
#define MSTATUS_MPRV (1 << 17)
#define MSTATUS_SUM (1 << 18)
#define MSTATUS_MXR (1 << 19)
#define MSTATUS_TVM (1 << 20)
#define MSTATUS_TW (1 << 21)
#define MSTATUS_TSR (1 << 22)
#define MSTATUS_UXL (3 << 32)
#define MSTATUS_SXL (3 << 34)
#define MSTATUS_SD (1 << 63)

#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

#define CAUSE_MISALIGNED_FETCH 0
#define CAUSE_FETCH_ACCESS 1
#define CAUSE_ILLEGAL_INSTRUCTION 2
#define CAUSE_BREAKPOINT 3
#define CAUSE_MISALIGNED_LOAD 4
#define CAUSE_LOAD_ACCESS 5
#define CAUSE_MISALIGNED_STORE 6
#define CAUSE_STORE_ACCESS 7
#define CAUSE_USER_ECALL 8
#define CAUSE_SUPERVISOR_ECALL 9
#define CAUSE_MACHINE_ECALL 11
#define CAUSE_FETCH_PAGE_FAULT 12
#define CAUSE_LOAD_PAGE_FAULT 13
#define CAUSE_STORE_PAGE_FAULT 15
#define CAUSE_INTR (1 << 63)

#define IRQ_S_SOFT 1
#define IRQ_M_SOFT 3
#define IRQ_S_TIMER 5
#define IRQ_M_TIMER 7
#define IRQ_S_EXT 9
#define IRQ_M_EXT 11
#define MIP_SSIP (1 << IRQ_S_SOFT)
#define MIP_MSIP (1 << IRQ_M_SOFT)
#define MIP_STIP (1 << IRQ_S_TIMER)
#define MIP_MTIP (1 << IRQ_M_TIMER)
#define MIP_SEIP (1 << IRQ_S_EXT)
#define MIP_MEIP (1 << IRQ_M_EXT)

#define FFLAG_NX 1
#define FFLAG_UF 2
#define FFLAG_OF 4
#define FFLAG_DZ 8
#define FFLAG_NV 16

#define RM_RNE 0
#define RM_RTZ 1
#define RM_RDN 2
#define RM_RUP 3
#define RM_RMM 4

/* ---- trap save areas (offsets into trap_area / strap_area) ---- */
#define TR_T1 0
#define TR_T2 8
#define TR_CAUSE 16 /* xcause of the last trap */
#define TR_EPC 24 /* xepc of the last trap */
#define TR_TVAL 32 /* xtval of the last trap */
#define TR_STATUS 40 /* xstatus on handler entry (xPP / xPIE of the last trap) */
#define TR_COUNT 48 /* traps taken (excluding RETURN_TO_M ecalls) */
#define TR_EXPECT 56 /* 0: any trap fails the test; 1: skip the insn / resume an irq; else resume
                       * pc (in the trapping mode; in M-mode if bit 0 is set) */
#define TR_SIZE 64

/* a7 value that turns an ecall (from S or U, not delegated) into "continue in M-mode" */
#define ECALL_TO_M 0x4d2d2d4d

/* ---- check macros ---- */
#define CASE li TESTNUM, ((__LINE__ << 16) | (__COUNTER__ + 1))

/* branch to fail unless reg == exp (a 64-bit constant); jal reaches fail from anywhere */
#define CHECK(reg, exp)                                                                            \
    li t6, exp;                                                                                    \
    beq reg, t6, 9999f;                                                                            \
    mv s10, reg;                                                                                   \
    j fail_value;                                                                                  \
    9999:

#define CHECK_REG(reg, reg2)                                                                       \
    beq reg, reg2, 9999f;                                                                          \
    mv s10, reg;                                                                                   \
    mv t6, reg2;                                                                                   \
    j fail_value;                                                                                  \
    9999:

/* CHECK_COND(bnez a4): fail unless the branch condition holds */
#define CHECK_COND(...)                                                                            \
    __VA_ARGS__, 9999f;                                                                            \
    j fail;                                                                                        \
    9999:

/* result = op(a, b) for register-register integer ops */
#define TEST_RR(op, exp, a, b)                                                                     \
    CASE;                                                                                          \
    li a1, a;                                                                                      \
    li a2, b;                                                                                      \
    op a0, a1, a2;                                                                                 \
    CHECK(a0, exp)

/* result = op(a, imm) */
#define TEST_RI(op, exp, a, imm)                                                                   \
    CASE;                                                                                          \
    li a1, a;                                                                                      \
    op a0, a1, imm;                                                                                \
    CHECK(a0, exp)

/* result = op(a) */
#define TEST_R(op, exp, a)                                                                         \
    CASE;                                                                                          \
    li a1, a;                                                                                      \
    op a0, a1;                                                                                     \
    CHECK(a0, exp)

/* destination register equal to a source */
#define TEST_RR_SRC1_EQ_DEST(op, exp, a, b)                                                        \
    CASE;                                                                                          \
    li a1, a;                                                                                      \
    li a2, b;                                                                                      \
    op a1, a1, a2;                                                                                 \
    CHECK(a1, exp)

/* ---- floating point ----
 * Operands and expected results are bit patterns. FMT is S or D. Single results are read back
 * with fmv.x.d, so every check also verifies the NaN-boxing (upper 32 bits all ones) of results.
 * Each test clears fflags first and checks the exact flags raised. Clobbers t0, a0-a1, fa0-fa3. */
#define FP_LOAD_S(freg, bits)                                                                      \
    li t0, bits;                                                                                   \
    fmv.w.x freg, t0
#define FP_LOAD_D(freg, bits)                                                                      \
    li t0, bits;                                                                                   \
    fmv.d.x freg, t0
#define FP_BOXED_S(bits) (0xffffffff00000000 | (bits))
#define FP_BOXED_D(bits) (bits)
/* pseudo format for fcvt.s.d tests: double operand, boxed single result */
#define FP_LOAD_D_TO_S FP_LOAD_D
#define FP_BOXED_D_TO_S FP_BOXED_S

#define FP_CHECK_RESULT(fmt, exp, flags)                                                           \
    fmv.x.d a0, fa0;                                                                               \
    csrr a1, fflags;                                                                               \
    CHECK(a0, FP_BOXED_##fmt(exp));                                                                \
    CHECK(a1, flags)

#define TEST_FP1(fmt, inst, rm, exp, flags, a)                                                     \
    CASE;                                                                                          \
    FP_LOAD_##fmt(fa1, a);                                                                         \
    csrwi fflags, 0;                                                                               \
    inst fa0, fa1, rm;                                                                             \
    FP_CHECK_RESULT(fmt, exp, flags)
#define TEST_FP2(fmt, inst, rm, exp, flags, a, b)                                                  \
    CASE;                                                                                          \
    FP_LOAD_##fmt(fa1, a);                                                                         \
    FP_LOAD_##fmt(fa2, b);                                                                         \
    csrwi fflags, 0;                                                                               \
    inst fa0, fa1, fa2, rm;                                                                        \
    FP_CHECK_RESULT(fmt, exp, flags)
#define TEST_FP3(fmt, inst, rm, exp, flags, a, b, c)                                               \
    CASE;                                                                                          \
    FP_LOAD_##fmt(fa1, a);                                                                         \
    FP_LOAD_##fmt(fa2, b);                                                                         \
    FP_LOAD_##fmt(fa3, c);                                                                         \
    csrwi fflags, 0;                                                                               \
    inst fa0, fa1, fa2, fa3, rm;                                                                   \
    FP_CHECK_RESULT(fmt, exp, flags)
/* dynamic rounding: frm = frmval, instruction uses rm = dyn */
#define TEST_FP1_DYN(fmt, inst, frmval, exp, flags, a)                                             \
    csrwi frm, frmval;                                                                             \
    TEST_FP1(fmt, inst, dyn, exp, flags, a);                                                       \
    csrwi frm, 0
#define TEST_FP2_DYN(fmt, inst, frmval, exp, flags, a, b)                                          \
    csrwi frm, frmval;                                                                             \
    TEST_FP2(fmt, inst, dyn, exp, flags, a, b);                                                    \
    csrwi frm, 0
#define TEST_FP3_DYN(fmt, inst, frmval, exp, flags, a, b, c)                                       \
    csrwi frm, frmval;                                                                             \
    TEST_FP3(fmt, inst, dyn, exp, flags, a, b, c);                                                 \
    csrwi frm, 0
/* ops without a rounding mode (fmin/fmax/fsgnj*) */
#define TEST_FP2_NORM(fmt, inst, exp, flags, a, b)                                                 \
    CASE;                                                                                          \
    FP_LOAD_##fmt(fa1, a);                                                                         \
    FP_LOAD_##fmt(fa2, b);                                                                         \
    csrwi fflags, 0;                                                                               \
    inst fa0, fa1, fa2;                                                                            \
    FP_CHECK_RESULT(fmt, exp, flags)
/* integer result: fcvt.{w,wu,l,lu}.fmt, compares, fclass */
#define TEST_FP_TOINT(fmt, inst, rm, exp, flags, a)                                                \
    CASE;                                                                                          \
    FP_LOAD_##fmt(fa1, a);                                                                         \
    csrwi fflags, 0;                                                                               \
    inst a0, fa1, rm;                                                                              \
    csrr a1, fflags;                                                                               \
    CHECK(a0, exp);                                                                                \
    CHECK(a1, flags)
#define TEST_FP_TOINT_DYN(fmt, inst, frmval, exp, flags, a)                                        \
    csrwi frm, frmval;                                                                             \
    TEST_FP_TOINT(fmt, inst, dyn, exp, flags, a);                                                  \
    csrwi frm, 0
#define TEST_FP_FROMINT(fmt, inst, rm, exp, flags, ival)                                           \
    CASE;                                                                                          \
    li a1, ival;                                                                                   \
    csrwi fflags, 0;                                                                               \
    inst fa0, a1, rm;                                                                              \
    FP_CHECK_RESULT(fmt, exp, flags)
#define TEST_FP_CMP(fmt, inst, exp, flags, a, b)                                                   \
    CASE;                                                                                          \
    FP_LOAD_##fmt(fa1, a);                                                                         \
    FP_LOAD_##fmt(fa2, b);                                                                         \
    csrwi fflags, 0;                                                                               \
    inst a0, fa1, fa2;                                                                             \
    csrr a1, fflags;                                                                               \
    CHECK(a0, exp);                                                                                \
    CHECK(a1, flags)
#define TEST_FP_CLASS(fmt, inst, exp, a)                                                           \
    CASE;                                                                                          \
    FP_LOAD_##fmt(fa1, a);                                                                         \
    inst a0, fa1;                                                                                  \
    CHECK(a0, exp)

/* ---- trap expectations ----
 * On an expected interrupt the handlers also clear the interrupt's bit in mie/sie and xPIE, so
 * it neither fires again nor lets a second pending interrupt in before the test looks.
 * EXPECT_TRAP(cause, insn-or-sequence): runs the sequence expecting exactly one M-mode trap with the
 * given mcause, resumes after the sequence. Use TRAP_FIELD afterwards to check tval/epc/status. */
#define ARM_TRAP_RESUME(label)                                                                     \
    la t0, label;                                                                                  \
    la t1, trap_area;                                                                              \
    sd t0, TR_EXPECT(t1);                                                                          \
    li t0, -1;                                                                                     \
    sd t0, TR_CAUSE(t1)

/* like ARM_TRAP_RESUME, but the handler continues at label in M-mode, whatever mode trapped */
#define ARM_TRAP_RESUME_M(label)                                                                   \
    la t0, label + 1;                                                                              \
    la t1, trap_area;                                                                              \
    sd t0, TR_EXPECT(t1);                                                                          \
    li t0, -1;                                                                                     \
    sd t0, TR_CAUSE(t1)

#define TRAP_FIELD(reg, field)                                                                     \
    la reg, trap_area;                                                                             \
    ld reg, field(reg)

#define STRAP_FIELD(reg, field)                                                                    \
    la reg, strap_area;                                                                            \
    ld reg, field(reg)

/* fails if the armed trap did not happen (TR_EXPECT still set) */
#define CHECK_TRAP_TAKEN(cause)                                                                    \
    TRAP_FIELD(t0, TR_CAUSE);                                                                      \
    CHECK(t0, cause)

#define EXPECT_TRAP(cause, ...)                                                                    \
    CASE;                                                                                          \
    ARM_TRAP_RESUME(9998f);                                                                        \
    __VA_ARGS__;                                                                                   \
    j fail; /* fell through: no trap */                                                            \
    9998:                                                                                          \
    CHECK_TRAP_TAKEN(cause)

/* arm the M handler to resume at mepc (interrupts) or skip the trapping insn (exceptions) */
#define ARM_TRAP_SKIP                                                                              \
    la t1, trap_area;                                                                              \
    li t0, 1;                                                                                      \
    sd t0, TR_EXPECT(t1);                                                                          \
    li t0, -1;                                                                                     \
    sd t0, TR_CAUSE(t1)

#define DISARM_TRAP                                                                                \
    la t1, trap_area;                                                                              \
    sd zero, TR_EXPECT(t1)

#define ARM_STRAP_RESUME(label)                                                                    \
    la t0, label;                                                                                  \
    la t1, strap_area;                                                                             \
    sd t0, TR_EXPECT(t1);                                                                          \
    li t0, -1;                                                                                     \
    sd t0, TR_CAUSE(t1)

#define ARM_STRAP_SKIP                                                                             \
    la t1, strap_area;                                                                             \
    li t0, 1;                                                                                      \
    sd t0, TR_EXPECT(t1);                                                                          \
    li t0, -1;                                                                                     \
    sd t0, TR_CAUSE(t1)

/* ---- privilege changes ---- */
/* leave M-mode for `mode` (PRV_S / PRV_U) at `target`; clobbers t0 */
#define GOTO_MODE(mode, target)                                                                    \
    li t0, MSTATUS_MPP;                                                                            \
    csrc mstatus, t0;                                                                              \
    li t0, ((mode) << 11);                                                                         \
    csrs mstatus, t0;                                                                              \
    la t0, target;                                                                                 \
    csrw mepc, t0;                                                                                 \
    mret

/* from any mode: continue in M-mode after it; sets a7 = 0. Each ecall with a7 = ECALL_TO_M goes
 * one level up (the S handler turns a delegated one into "continue in S", the M handler into
 * "continue in M", also from M itself), so two of them reach M from U even when medeleg
 * delegates user ecalls. Does not work when supervisor ecalls are delegated. */
#define RETURN_TO_M                                                                                \
    li a7, ECALL_TO_M;                                                                             \
    ecall;                                                                                         \
    ecall;                                                                                         \
    li a7, 0

#define PASS j pass

/* ======================================================================================== */
.option norvc
.section .text.init, "ax", @progbits
.globl _start
_start:
    csrr t0, mhartid
    bnez t0, secondary_hart

    la sp, stack_top
    la t0, trap_vector
    csrw mtvec, t0
    csrw medeleg, zero
    csrw mideleg, zero
    csrw mie, zero
    csrw satp, zero
    /* QEMU (and kvmu) deny S/U accesses no PMP entry matches: open everything */
    la t0, 1f
    csrw mtvec, t0
    li t0, -1
    csrw pmpaddr0, t0
    li t0, 0x1f /* NAPOT, RWX */
    csrw pmpcfg0, t0
    .align 2
1:  la t0, trap_vector
    csrw mtvec, t0
    li t0, MSTATUS_FS_INITIAL
    csrs mstatus, t0
    csrwi fcsr, 0
    li TESTNUM, 0
    j test_main

secondary_hart:
    la t1, secondary_main_ptr
    ld t1, 0(t1)
    beqz t1, park
    jr t1
park:
    wfi
    j park

/* ---- pass / fail ---- */
.globl pass
pass:
    fence
    li t0, FINISHER_BASE
    li t1, FINISHER_PASS
    sw t1, 0(t0)
1:  j 1b

fail_value: /* s10 = value found, t6 = value expected */
    mv s9, t6
    la a0, msg_got
    call uart_puts
    mv a0, s10
    call uart_puthex
    la a0, msg_expected
    call uart_puts
    mv a0, s9
    call uart_puthex
    li a0, '\n'
    call uart_putc

.globl fail
fail:
    la a0, msg_fail
    call uart_puts
    la a0, msg_file
    call uart_puts
    la a0, msg_check
    call uart_puts
    li a0, 0xffff
    and a0, TESTNUM, a0
    call uart_putdec
    la a0, msg_line
    call uart_puts
    srli a0, TESTNUM, 16
    call uart_putdec
    li a0, '\n'
    call uart_putc
fail_exit:
    li t0, 0xffff
    and t0, TESTNUM, t0
    li t1, 255
    bleu t0, t1, 1f
    mv t0, t1
1:  bnez t0, 2f
    li t0, 255 /* never report "pass" through a zero code */
2:  slli t0, t0, 16
    li t1, FINISHER_FAIL
    or t1, t1, t0
    li t0, FINISHER_BASE
    sw t1, 0(t0)
3:  j 3b

/* ---- UART (16550 at UART0_BASE) ---- */
uart_putc: /* a0 = char; clobbers t0, t1 */
    li t0, UART0_BASE
1:  lbu t1, 5(t0)
    andi t1, t1, 0x20
    beqz t1, 1b
    sb a0, 0(t0)
    ret

uart_puts: /* a0 = string; clobbers a0-a1, t0-t1 */
    mv a1, a0
    mv t2, ra
1:  lbu a0, 0(a1)
    beqz a0, 2f
    call uart_putc
    addi a1, a1, 1
    j 1b
2:  mv ra, t2
    ret

uart_puthex: /* a0 = value, printed as 0x%016x; clobbers a0-a3, t0-t2 */
    mv a2, a0
    mv a3, ra
    li a0, '0'
    call uart_putc
    li a0, 'x'
    call uart_putc
    li a1, 60
1:  srl a0, a2, a1
    andi a0, a0, 15
    li t0, 10
    blt a0, t0, 2f
    addi a0, a0, 'a' - 10 - '0'
2:  addi a0, a0, '0'
    call uart_putc
    addi a1, a1, -4
    bgez a1, 1b
    mv ra, a3
    ret

uart_putdec: /* a0 = value < 10^8; clobbers a0-a4, t0-t2 */
    mv a4, ra
    mv a2, a0
    li a3, 10000000
    li a1, 0 /* printed a digit yet */
1:  divu a0, a2, a3
    remu a2, a2, a3
    bnez a0, 2f
    bnez a1, 2f
    li t0, 1
    beq a3, t0, 2f
    j 3f
2:  li a1, 1
    addi a0, a0, '0'
    call uart_putc
3:  li t0, 10
    divu a3, a3, t0
    bnez a3, 1b
    mv ra, a4
    ret

/* ---- M-mode trap vector ---- */
.align 2
.globl trap_vector
trap_vector:
    csrw mscratch, t0
    la t0, trap_area
    sd t1, TR_T1(t0)
    sd t2, TR_T2(t0)
    csrr t1, mcause
    /* ecall with a7 == ECALL_TO_M: continue in M-mode after the ecall, not counted */
    li t2, CAUSE_USER_ECALL
    beq t1, t2, 1f
    li t2, CAUSE_SUPERVISOR_ECALL
    beq t1, t2, 1f
    li t2, CAUSE_MACHINE_ECALL
    beq t1, t2, 1f
    j 2f
1:  li t2, ECALL_TO_M
    bne a7, t2, 2f
    li t1, MSTATUS_MPP
    csrs mstatus, t1
    csrr t1, mepc
    addi t1, t1, 4
    csrw mepc, t1
    j trap_return
2:  sd t1, TR_CAUSE(t0)
    csrr t1, mepc
    sd t1, TR_EPC(t0)
    csrr t1, mtval
    sd t1, TR_TVAL(t0)
    csrr t1, mstatus
    sd t1, TR_STATUS(t0)
    ld t1, TR_COUNT(t0)
    addi t1, t1, 1
    sd t1, TR_COUNT(t0)
    ld t2, TR_EXPECT(t0)
    beqz t2, trap_unexpected
    sd zero, TR_EXPECT(t0)
    ld t1, TR_CAUSE(t0)
    bltz t1, 4f
    li t1, 1
    bne t2, t1, 3f
    /* skip the trapping instruction (must be readable at mepc as a physical address) */
    csrr t1, mepc
    lhu t2, 0(t1)
    andi t2, t2, 3
    addi t2, t2, -3
    addi t1, t1, 2
    bnez t2, 5f
    addi t1, t1, 2
5:  csrw mepc, t1
    j trap_return
3:  andi t1, t2, 1
    beqz t1, 7f
    /* resume address with bit 0 set: continue there in M-mode (ARM_TRAP_RESUME_M) */
    li t1, MSTATUS_MPP
    csrs mstatus, t1
    andi t2, t2, -2
7:  csrw mepc, t2
    j trap_return
4:  /* interrupt: resume at mepc (expect == 1) or the armed label; disable its source in mie */
    li t1, 1
    beq t2, t1, 6f
    csrw mepc, t2
6:  ld t1, TR_CAUSE(t0)
    slli t1, t1, 1
    srli t1, t1, 1
    li t2, 1
    sll t2, t2, t1
    csrc mie, t2
    li t2, MSTATUS_MPIE /* stay disabled after mret: the test re-enables */
    csrc mstatus, t2
    j trap_return
trap_return:
    ld t1, TR_T1(t0)
    ld t2, TR_T2(t0)
    csrr t0, mscratch
    mret

trap_unexpected:
    la a0, msg_trap
    call uart_puts
    csrr a0, mcause
    call uart_puthex
    la a0, msg_mepc
    call uart_puts
    csrr a0, mepc
    call uart_puthex
    la a0, msg_mtval
    call uart_puts
    csrr a0, mtval
    call uart_puthex
    li a0, '\n'
    call uart_putc
    j fail

/* ---- S-mode trap vector (used when tests delegate with medeleg/mideleg) ---- */
.align 2
.globl strap_vector
strap_vector:
    csrw sscratch, t0
    la t0, strap_area
    sd t1, TR_T1(t0)
    sd t2, TR_T2(t0)
    csrr t1, scause
    /* ecall with a7 == ECALL_TO_M delegated from U or S: continue in S-mode after it */
    li t2, CAUSE_USER_ECALL
    beq t1, t2, 1f
    li t2, CAUSE_SUPERVISOR_ECALL
    beq t1, t2, 1f
    j 2f
1:  li t2, ECALL_TO_M
    bne a7, t2, 2f
    li t1, MSTATUS_SPP
    csrs sstatus, t1
    csrr t1, sepc
    addi t1, t1, 4
    csrw sepc, t1
    j strap_return
2:  sd t1, TR_CAUSE(t0)
    csrr t1, sepc
    sd t1, TR_EPC(t0)
    csrr t1, stval
    sd t1, TR_TVAL(t0)
    csrr t1, sstatus
    sd t1, TR_STATUS(t0)
    ld t1, TR_COUNT(t0)
    addi t1, t1, 1
    sd t1, TR_COUNT(t0)
    ld t2, TR_EXPECT(t0)
    beqz t2, strap_unexpected
    sd zero, TR_EXPECT(t0)
    ld t1, TR_CAUSE(t0)
    bltz t1, 4f
    li t1, 1
    bne t2, t1, 3f
    csrr t1, sepc
    lhu t2, 0(t1)
    andi t2, t2, 3
    addi t2, t2, -3
    addi t1, t1, 2
    bnez t2, 5f
    addi t1, t1, 2
5:  csrw sepc, t1
    j strap_return
3:  csrw sepc, t2
    j strap_return
4:  li t1, 1
    beq t2, t1, 6f
    csrw sepc, t2
6:  ld t1, TR_CAUSE(t0)
    slli t1, t1, 1
    srli t1, t1, 1
    li t2, 1
    sll t2, t2, t1
    csrc sie, t2
    li t2, MSTATUS_SPIE
    csrc sstatus, t2
strap_return:
    ld t1, TR_T1(t0)
    ld t2, TR_T2(t0)
    csrr t0, sscratch
    sret

strap_unexpected:
    la a0, msg_strap
    call uart_puts
    csrr a0, scause
    call uart_puthex
    la a0, msg_mepc
    call uart_puts
    csrr a0, sepc
    call uart_puthex
    la a0, msg_mtval
    call uart_puts
    csrr a0, stval
    call uart_puthex
    li a0, '\n'
    call uart_putc
    j fail

.section .rodata.harness, "a", @progbits
msg_got: .asciz "check failed: got "
msg_expected: .asciz ", expected "
msg_fail: .asciz "FAIL "
msg_file: .asciz __BASE_FILE__
msg_check: .asciz ": check #"
msg_line: .asciz " at line "
msg_trap: .asciz "unexpected M trap: mcause="
msg_strap: .asciz "unexpected S trap: scause="
msg_mepc: .asciz " epc="
msg_mtval: .asciz " tval="

.section .data.harness, "aw", @progbits
.align 3
.weak secondary_main
secondary_main_ptr: .dword secondary_main
.globl trap_area
trap_area: .zero TR_SIZE
.globl strap_area
strap_area: .zero TR_SIZE

.section .bss.stack, "aw", @nobits
.align 4
stack_bottom: .zero 4096
stack_top:

/* the test body follows the #include */
.section .text, "ax", @progbits

#endif
