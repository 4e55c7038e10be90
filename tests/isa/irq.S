// Interrupts: CLINT machine timer (mtimecmp, mip.MTIP, WFI wake-up with and without MIE),
// machine software interrupt (msip), priority order of several pending interrupts, the enable
// rules per privilege (MIE only gates M-mode; S-level interrupts never taken in M), delegation of
// supervisor software/timer interrupts with mideleg (scause, SIE/U-mode rules), vectored mtvec,
// and an external interrupt from the UART through the PLIC to the M and S contexts
// (claim/complete, threshold).
#include "common.h"

#define INTR(n) (CAUSE_INTR | (n))

// spin (no wfi: no lost-wake-up race) until the armed handler ran; fail after ~1 s of mtime
#define SPIN_UNTIL_TRAP                                                                            \
    rdtime a5;                                                                                     \
    li t6, 10000000;                                                                               \
    add a5, a5, t6;                                                                                \
    9990:                                                                                          \
    la t0, trap_area;                                                                              \
    ld t0, TR_EXPECT(t0);                                                                          \
    beqz t0, 9991f;                                                                                \
    rdtime t1;                                                                                     \
    bltu t1, a5, 9990b;                                                                            \
    j fail;                                                                                        \
    9991:

#define SET_MTIMECMP_IN(ticks)                                                                     \
    li t0, CLINT_MTIME;                                                                            \
    ld t1, 0(t0);                                                                                  \
    li t0, ticks;                                                                                  \
    add t1, t1, t0;                                                                                \
    li t0, CLINT_MTIMECMP(0);                                                                      \
    sd t1, 0(t0)

#define MTIMECMP_NEVER                                                                             \
    li t0, CLINT_MTIMECMP(0);                                                                      \
    li t1, -1;                                                                                     \
    sd t1, 0(t0)

#define SET_MSIP(v)                                                                                \
    li t0, CLINT_MSIP(0);                                                                          \
    li t1, v;                                                                                      \
    sw t1, 0(t0)

// poll mip until `bits` are set (fail after ~1 s)
#define WAIT_MIP(bits)                                                                             \
    rdtime a5;                                                                                     \
    li t6, 10000000;                                                                               \
    add a5, a5, t6;                                                                                \
    9989:                                                                                          \
    csrr t0, mip;                                                                                  \
    li t1, bits;                                                                                   \
    and t0, t0, t1;                                                                                \
    beq t0, t1, 9988f;                                                                             \
    rdtime t1;                                                                                     \
    bltu t1, a5, 9989b;                                                                            \
    j fail;                                                                                        \
    9988:

.globl test_main
test_main:
    la a1, strap_vector
    csrw stvec, a1
    li a1, 7 // rdtime in S and U (the wait loops use it)
    csrw mcounteren, a1
    csrw scounteren, a1
    MTIMECMP_NEVER
    SET_MSIP(0)

    // ---- timer: pending in mip when mtime >= mtimecmp, not taken while disabled ----
    CASE
    csrr a0, mip
    andi a0, a0, MIP_MTIP
    CHECK(a0, 0)
    SET_MTIMECMP_IN(0)
    WAIT_MIP(MIP_MTIP)
    MTIMECMP_NEVER
    csrr a0, mip
    andi a0, a0, MIP_MTIP
    CHECK(a0, 0)

    // ---- timer interrupt wakes a WFI with MIE = 1 and is taken ----
    CASE
    li a1, MIP_MTIP
    csrw mie, a1
    ARM_TRAP_SKIP
    SET_MTIMECMP_IN(1000000) // 100 ms: far beyond the few instructions before the wfi
    csrsi mstatus, MSTATUS_MIE
1:  wfi
    SPIN_UNTIL_TRAP
    csrci mstatus, MSTATUS_MIE
    TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, INTR(IRQ_M_TIMER))
    TRAP_FIELD(a0, TR_EPC) // the instruction after the wfi (or the wfi itself if spurious)
    la a1, 1b
    sub a0, a0, a1
    li t6, 4
    CHECK_COND(bleu a0, t6)
    li a1, CLINT_MTIME // and it did not come early
    ld a0, 0(a1)
    li a1, CLINT_MTIMECMP(0)
    ld a1, 0(a1)
    CHECK_COND(bgeu a0, a1)
    MTIMECMP_NEVER

    // ---- WFI with MIE = 0 still wakes up on a pending enabled interrupt, nothing taken ----
    CASE
    li a1, MIP_MTIP
    csrw mie, a1
    SET_MTIMECMP_IN(100000)
2:  wfi
    csrr a0, mip
    andi a0, a0, MIP_MTIP
    beqz a0, 2b // spurious wake-ups are allowed
    MTIMECMP_NEVER
    csrw mie, zero

    // ---- software interrupt through msip ----
    CASE
    SET_MSIP(1)
    WAIT_MIP(MIP_MSIP)
    li a1, CLINT_MSIP(0)
    lw a0, 0(a1)
    CHECK(a0, 1)
    ARM_TRAP_SKIP
    li a1, MIP_MSIP
    csrw mie, a1
    csrsi mstatus, MSTATUS_MIE
    SPIN_UNTIL_TRAP
    TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, INTR(IRQ_M_SOFT))
    csrr a0, mstatus // the handler left MIE clear (MPIE cleared)
    andi a0, a0, MSTATUS_MIE
    CHECK(a0, 0)
    SET_MSIP(0)
    csrr a0, mip
    andi a0, a0, MIP_MSIP
    CHECK(a0, 0)

    // ---- priority of several pending interrupts ----
    // The spec order is MEI > MSI > MTI > SEI > SSI > STI. QEMU 7.2 (its AIA-style priority code
    // with all iprio = 0) breaks ties by interrupt number, so an M-level interrupt does not beat a
    // pending S-level one there; only orders that agree with the spec are asserted:
    // MSI before MTI, and SSI before STI.
#define TAKE_NEXT(cause)                                                                           \
    ARM_TRAP_SKIP;                                                                                 \
    csrsi mstatus, MSTATUS_MIE;                                                                    \
    SPIN_UNTIL_TRAP;                                                                               \
    TRAP_FIELD(a0, TR_CAUSE);                                                                      \
    CHECK(a0, INTR(cause))
    CASE
    SET_MSIP(1)
    SET_MTIMECMP_IN(0)
    WAIT_MIP(MIP_MSIP | MIP_MTIP)
    li a1, MIP_MSIP | MIP_MTIP
    csrw mie, a1
    TAKE_NEXT(IRQ_M_SOFT)
    TAKE_NEXT(IRQ_M_TIMER)
    csrr a0, mie // each handler run disabled its own source
    CHECK(a0, 0)
    SET_MSIP(0)
    MTIMECMP_NEVER
    CASE
    li a1, MIP_SSIP | MIP_STIP
    csrs mip, a1
    csrw mie, a1
    TAKE_NEXT(IRQ_S_SOFT)
    TAKE_NEXT(IRQ_S_TIMER)
    csrr a0, mie
    CHECK(a0, 0)
    li a1, MIP_SSIP | MIP_STIP
    csrc mip, a1

    // ---- vectored mtvec: interrupt n goes to base + 4 * n ----
    CASE
    la a1, vector_table + 1
    csrw mtvec, a1
    la a2, vectored_hits
    sd zero, 0(a2)
    ARM_TRAP_SKIP
    SET_MSIP(1)
    li a1, MIP_MSIP
    csrw mie, a1
    csrsi mstatus, MSTATUS_MIE
    SPIN_UNTIL_TRAP
    SET_MSIP(0)
    la a2, vectored_hits
    ld a0, 0(a2)
    CHECK(a0, 1 << IRQ_M_SOFT)
    CASE // exceptions still go to the base
    EXPECT_TRAP(CAUSE_MACHINE_ECALL, ecall)
    la a2, vectored_hits
    ld a0, 0(a2)
    CHECK(a0, (1 << IRQ_M_SOFT) | 1)
    la a1, trap_vector
    csrw mtvec, a1

    // ---- M-level interrupts are taken in S even with mstatus.MIE = 0 ----
    CASE
    li a1, MIP_MSIP
    csrw mie, a1
    GOTO_MODE(PRV_S, s_mode_1)
s_mode_1:
    ARM_TRAP_SKIP
    SET_MSIP(1)
    SPIN_UNTIL_TRAP
    TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, INTR(IRQ_M_SOFT))
    TRAP_FIELD(a0, TR_STATUS)
    li t6, MSTATUS_MPP
    and a0, a0, t6
    CHECK(a0, MSTATUS_MPP_S)
    SET_MSIP(0)
    RETURN_TO_M

    // ---- delegated supervisor software interrupt ----
    CASE // pending + enabled + delegated is never taken in M (even with MIE = 1)
    li a1, MIP_SSIP | MIP_STIP
    csrw mideleg, a1
    csrw mie, a1 // SSIE, STIE
    csrsi mstatus, MSTATUS_MIE
    csrsi mip, MIP_SSIP
    li a0, 1000
3:  addi a0, a0, -1
    bnez a0, 3b
    csrr a0, sip
    andi a0, a0, MIP_SSIP
    CHECK(a0, MIP_SSIP)
    csrci mstatus, MSTATUS_MIE
    csrci mip, MIP_SSIP
    CASE // in S with SIE = 0: pending, not taken; setting SIE takes it (to stvec)
    csrci sstatus, MSTATUS_SIE
    GOTO_MODE(PRV_S, s_mode_2)
s_mode_2:
    csrsi sip, MIP_SSIP // S can raise its own software interrupt
    csrr a0, sip
    andi a0, a0, MIP_SSIP
    CHECK(a0, MIP_SSIP)
    ARM_STRAP_SKIP
    csrsi sstatus, MSTATUS_SIE
    nop
    nop
    STRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, INTR(IRQ_S_SOFT))
    STRAP_FIELD(a0, TR_STATUS) // SPP = S, SPIE = 1
    li t6, MSTATUS_SPP | MSTATUS_SPIE
    and a0, a0, t6
    CHECK(a0, MSTATUS_SPP | MSTATUS_SPIE)
    csrci sip, MIP_SSIP
    csrr a0, sie // the S handler disabled SSIE
    CHECK(a0, MIP_STIP)
    CASE // delegated supervisor timer (STIP raised by M-mode) with SIE = 1
    RETURN_TO_M
    li a1, MIP_STIP
    csrw mie, a1
    li a1, MSTATUS_SIE
    csrs mstatus, a1
    ARM_STRAP_SKIP
    li a1, MIP_STIP
    csrs mip, a1
    GOTO_MODE(PRV_S, s_mode_4)
s_mode_4: // taken right on entry (before or at the first instruction)
    nop
    STRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, INTR(IRQ_S_TIMER))
    RETURN_TO_M
    li a1, MIP_STIP
    csrc mip, a1
    CASE // in U, S-level interrupts are taken whatever sstatus.SIE says
    li a1, MSTATUS_SIE
    csrc mstatus, a1
    li a1, MIP_SSIP
    csrw mie, a1
    ARM_STRAP_SKIP
    csrsi mip, MIP_SSIP
    GOTO_MODE(PRV_U, u_mode_2)
u_mode_2:
    nop
    STRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, INTR(IRQ_S_SOFT))
    STRAP_FIELD(a0, TR_STATUS) // SPP = U
    li t6, MSTATUS_SPP
    and a0, a0, t6
    CHECK(a0, 0)
    RETURN_TO_M
    csrci mip, MIP_SSIP
    csrw mideleg, zero
    csrw mie, zero

    // ---- external interrupt: UART THR-empty -> PLIC source 10 -> hart 0 M context ----
#define PLIC_PRIORITY(irq) (PLIC_BASE + 4 * (irq))
#define PLIC_ENABLE_CTX0 (PLIC_BASE + 0x2000)
#define PLIC_THRESHOLD_CTX0 (PLIC_BASE + 0x200000)
#define PLIC_CLAIM_CTX0 (PLIC_BASE + 0x200004)
#define UART_IRQ 10
    CASE
    li a1, PLIC_PRIORITY(UART_IRQ)
    li a2, 1
    sw a2, 0(a1)
    li a1, PLIC_THRESHOLD_CTX0
    sw zero, 0(a1)
    li a1, PLIC_ENABLE_CTX0
    li a2, 1 << UART_IRQ
    sw a2, 0(a1)
    li a1, UART0_BASE
    li a2, 0x02 // IER.ETBEI: THR empty interrupt
    sb a2, 1(a1)
    WAIT_MIP(MIP_MEIP)
    ARM_TRAP_SKIP
    li a1, MIP_MEIP
    csrw mie, a1
    csrsi mstatus, MSTATUS_MIE
    SPIN_UNTIL_TRAP
    TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, INTR(IRQ_M_EXT))
    li a1, PLIC_CLAIM_CTX0
    lw a0, 0(a1)
    CHECK(a0, UART_IRQ)
    li a2, UART0_BASE
    sb zero, 1(a2) // IER = 0
    lbu zero, 2(a2) // read IIR
    sw a0, 0(a1) // complete
    li a0, 10000
4:  addi a0, a0, -1
    bnez a0, 4b
    csrr a0, mip
    li t6, MIP_MEIP
    and a0, a0, t6
    CHECK(a0, 0)
    li a1, PLIC_CLAIM_CTX0 // nothing left to claim
    lw a0, 0(a1)
    CHECK(a0, 0)
    li a1, PLIC_ENABLE_CTX0
    sw zero, 0(a1)
    csrw mie, zero

    // ---- the same through hart 0's S context (context 1): SEIP, delegated to S ----
#define PLIC_ENABLE_CTX1 (PLIC_BASE + 0x2080)
#define PLIC_THRESHOLD_CTX1 (PLIC_BASE + 0x201000)
#define PLIC_CLAIM_CTX1 (PLIC_BASE + 0x201004)
    CASE
    li a1, PLIC_THRESHOLD_CTX1
    sw zero, 0(a1)
    li a1, PLIC_ENABLE_CTX1
    li a2, 1 << UART_IRQ
    sw a2, 0(a1)
    li a1, MIP_SEIP
    csrw mideleg, a1
    csrw mie, a1
    li a1, UART0_BASE
    li a2, 0x02
    sb a2, 1(a1)
    WAIT_MIP(MIP_SEIP)
    csrr a0, mip // only the S context is enabled: no MEIP
    li t6, MIP_MEIP
    and a0, a0, t6
    CHECK(a0, 0)
    GOTO_MODE(PRV_S, s_mode_ext)
s_mode_ext:
    ARM_STRAP_SKIP
    csrsi sstatus, MSTATUS_SIE
    nop
    nop
    STRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, INTR(IRQ_S_EXT))
    li a1, PLIC_CLAIM_CTX1
    lw a0, 0(a1)
    CHECK(a0, UART_IRQ)
    li a2, UART0_BASE
    sb zero, 1(a2)
    lbu zero, 2(a2)
    sw a0, 0(a1)
    li a0, 10000
5:  addi a0, a0, -1
    bnez a0, 5b
    csrr a0, sip
    li t6, MIP_SEIP
    and a0, a0, t6
    CHECK(a0, 0)
    RETURN_TO_M
    li a1, PLIC_ENABLE_CTX1
    sw zero, 0(a1)
    csrw mideleg, zero
    csrw mie, zero

    // ---- PLIC threshold: a source at or below the threshold does not interrupt ----
    CASE
    li a1, PLIC_THRESHOLD_CTX0
    li a2, 1 // == priority of the UART source
    sw a2, 0(a1)
    li a1, PLIC_ENABLE_CTX0
    li a2, 1 << UART_IRQ
    sw a2, 0(a1)
    li a1, UART0_BASE
    li a2, 0x02
    sb a2, 1(a1)
    li a0, 10000
6:  addi a0, a0, -1
    bnez a0, 6b
    csrr a0, mip
    li t6, MIP_MEIP
    and a0, a0, t6
    CHECK(a0, 0)
    li a1, PLIC_THRESHOLD_CTX0 // lowering the threshold raises it
    sw zero, 0(a1)
    WAIT_MIP(MIP_MEIP)
    li a1, PLIC_CLAIM_CTX0
    lw a0, 0(a1)
    CHECK(a0, UART_IRQ)
    li a2, UART0_BASE
    sb zero, 1(a2)
    sw a0, 0(a1)
    li a1, PLIC_ENABLE_CTX0
    sw zero, 0(a1)
    PASS

.align 8
vector_table: // each entry records its index in vectored_hits, then enters the normal handler
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    j vector_entry_\n
    .endr
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
vector_entry_\n:
    csrw mscratch, t0
    la t0, vectored_hits
    amoor.d zero, zero, (t0)
    sd t1, 8(t0)
    li t1, 1 << \n
    amoor.d zero, t1, (t0)
    ld t1, 8(t0)
    csrr t0, mscratch
    j trap_vector
    .endr

.section .data
.align 3
vectored_hits: .dword 0, 0
