// Several harts: distinct mhartid, atomicity of amoadd and LR/SC loops under contention, message
// passing with fences, per-hart CLINT timers (mtimecmp[h]) and inter-processor interrupts through
// msip[h]. Needs 4 harts.
// run-args: -smp 4
#include "common.h"

#define NHARTS 4
#define ITERS 2000

// wait until the dword at `sym` equals `value`; fail after ~5 s of mtime; clobbers t0-t2, a5
#define WAIT_EQ(sym, value)                                                                        \
    rdtime a5;                                                                                     \
    li t2, 50000000;                                                                               \
    add a5, a5, t2;                                                                                \
    9980:                                                                                          \
    la t0, sym;                                                                                    \
    ld t0, 0(t0);                                                                                  \
    li t1, value;                                                                                  \
    beq t0, t1, 9981f;                                                                             \
    rdtime t1;                                                                                     \
    bltu t1, a5, 9980b;                                                                            \
    j fail;                                                                                        \
    9981:

// both kinds of atomic increment, ITERS times each, on `counter`; clobbers a0-a3
#define HAMMER                                                                                     \
    la a1, counter;                                                                                \
    li a2, ITERS;                                                                                  \
    li a3, 1;                                                                                      \
    9982:                                                                                          \
    amoadd.d zero, a3, (a1);                                                                       \
    9983:                                                                                          \
    lr.d a0, (a1);                                                                                 \
    addi a0, a0, 1;                                                                                \
    sc.d a0, a0, (a1);                                                                             \
    bnez a0, 9983b;                                                                                \
    la a0, counter_w;                                                                              \
    amoadd.w zero, a3, (a0);                                                                       \
    addi a2, a2, -1;                                                                               \
    bnez a2, 9982b;

.globl test_main
test_main:
    li a1, CLINT_MTIMECMP(0) // hart 0's timer never fires here (mtimecmp resets to 0)
    li a2, -1
    sd a2, 0(a1)
    CASE // wait for the other harts to check in
    WAIT_EQ(checked_in, NHARTS - 1)
    CASE // they saw their own ids
    la a1, hart_ids
    ld a0, 8(a1)
    CHECK(a0, 1)
    ld a0, 16(a1)
    CHECK(a0, 2)
    ld a0, 24(a1)
    CHECK(a0, 3)
    CASE // go: everybody hammers the counters
    la a1, go
    li a2, 1
    sd a2, 0(a1)
    HAMMER
    WAIT_EQ(done, NHARTS - 1)
    CASE
    la a1, counter
    ld a0, 0(a1)
    CHECK(a0, NHARTS * ITERS * 2)
    la a1, counter_w
    lw a0, 0(a1)
    CHECK(a0, NHARTS * ITERS)
    CASE // message passing: data written before the flag (fence w,w) is seen after it (fence r,r)
    WAIT_EQ(mp_flag, 1)
    fence r, r
    la a1, mp_data
    ld a0, 0(a1)
    CHECK(a0, 0x600d)
    ld a0, 8(a1)
    CHECK(a0, 0x600e)
    CASE // IPIs: msip[h] wakes hart h, which acknowledges and clears it
    li a1, CLINT_MSIP(1)
    li a2, 1
    sw a2, 0(a1)
    WAIT_EQ(ipi_ack + 8, 1)
    li a1, CLINT_MSIP(2)
    sw a2, 0(a1)
    WAIT_EQ(ipi_ack + 16, 1)
    li a1, CLINT_MSIP(3)
    sw a2, 0(a1)
    WAIT_EQ(ipi_ack + 24, 1)
    csrr a0, mip // hart 0 got none
    andi a0, a0, MIP_MSIP
    CHECK(a0, 0)
    CASE // per-hart timers fired on their harts
    WAIT_EQ(timer_ok, NHARTS - 1)
    csrr a0, mip
    andi a0, a0, MIP_MTIP
    CHECK(a0, 0)
    PASS

// ---- harts 1..3 (no traps expected here: trap_area is hart 0's) ----
.globl secondary_main
secondary_main:
    csrr s0, mhartid
    li TESTNUM, 0x7fff0000 // failures here report as "check #0" with line 0x7fff
    li a1, NHARTS
    bgeu s0, a1, 9f // more harts than expected: park
    la a1, hart_ids
    slli a2, s0, 3
    add a1, a1, a2
    sd s0, 0(a1)
    la a1, checked_in
    li a2, 1
    amoadd.d zero, a2, (a1)
    WAIT_EQ(go, 1)
    HAMMER
    la a1, done
    li a2, 1
    amoadd.d zero, a2, (a1)
    li a1, 1 // hart 1 also does the message passing
    bne s0, a1, 1f
    la a1, mp_data
    li a2, 0x600d
    sd a2, 0(a1)
    li a2, 0x600e
    sd a2, 8(a1)
    fence w, w
    la a1, mp_flag
    li a2, 1
    sd a2, 0(a1)
1:  // IPI: wait (MIE = 0, MSIE = 1: WFI wakes, nothing is taken)
    csrci mstatus, MSTATUS_MIE
    li a1, MIP_MSIP
    csrw mie, a1
2:  wfi
    csrr a0, mip
    andi a0, a0, MIP_MSIP
    beqz a0, 2b
    slli a2, s0, 2
    li a1, CLINT_BASE
    add a1, a1, a2
    sw zero, 0(a1)
3:  csrr a0, mip
    andi a0, a0, MIP_MSIP
    bnez a0, 3b
    la a1, ipi_ack
    slli a2, s0, 3
    add a1, a1, a2
    li a2, 1
    sd a2, 0(a1)
    // own timer: mtimecmp[h] = now + 1 ms, wait for MTIP on this hart
    li a1, MIP_MTIP
    csrw mie, a1
    slli a2, s0, 3
    li a1, CLINT_MTIMECMP(0)
    add a1, a1, a2
    li a3, CLINT_MTIME
    ld a3, 0(a3)
    li a4, 10000
    add a3, a3, a4
    sd a3, 0(a1)
4:  wfi
    csrr a0, mip
    andi a0, a0, MIP_MTIP
    beqz a0, 4b
    li a3, CLINT_MTIME // not early
    ld a3, 0(a3)
    ld a4, 0(a1)
    bltu a3, a4, fail
    li a3, -1
    sd a3, 0(a1)
    csrw mie, zero
    la a1, timer_ok
    li a2, 1
    amoadd.d zero, a2, (a1)
9:  wfi
    j 9b

.section .data
.align 6
counter: .dword 0
.align 6
counter_w: .dword 0
.align 6
checked_in: .dword 0
go: .dword 0
done: .dword 0
mp_flag: .dword 0
timer_ok: .dword 0
.align 6
mp_data: .dword 0, 0
hart_ids: .dword -1, -1, -1, -1
ipi_ack: .dword 0, 0, 0, 0
