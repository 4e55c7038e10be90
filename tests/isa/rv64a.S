// RV64A: every AMO in .w and .d form (old value returned, .w sign-extended, only the addressed
// word written), LR/SC success and failure, SC without a reservation, misaligned AMO traps.
#include "common.h"

// memory = init; rd = amo(rs2 = val); check rd == init and memory == new
#define TEST_AMO_D(op, init, val, new)                                                             \
    CASE;                                                                                          \
    la a3, amo_data;                                                                               \
    li a1, init;                                                                                   \
    sd a1, 0(a3);                                                                                  \
    li a2, val;                                                                                    \
    op a0, a2, (a3);                                                                               \
    CHECK(a0, init);                                                                               \
    ld a4, 0(a3);                                                                                  \
    CHECK(a4, new)

// the dword at amo_data = init; the .w op hits its low word; rd must be the sign-extended old
// low word and the high word must be untouched
#define TEST_AMO_W(op, init, val, old, new)                                                        \
    CASE;                                                                                          \
    la a3, amo_data;                                                                               \
    li a1, init;                                                                                   \
    sd a1, 0(a3);                                                                                  \
    li a2, val;                                                                                    \
    op a0, a2, (a3);                                                                               \
    CHECK(a0, old);                                                                                \
    ld a4, 0(a3);                                                                                  \
    CHECK(a4, new)

.globl test_main
test_main:
    TEST_AMO_D(amoswap.d, 0x80000000fffffff0, 0x100000020, 0x100000020)
    TEST_AMO_W(amoswap.w, 0x80000000fffffff0, 0x100000020, 0xfffffffffffffff0, 0x8000000000000020)
    TEST_AMO_D(amoswap.d, 0x7fffffff00000001, 0x80000000ffffffff, 0x80000000ffffffff)
    TEST_AMO_W(amoswap.w, 0x7fffffff00000001, 0x80000000ffffffff, 0x1, 0x7fffffffffffffff)
    TEST_AMO_D(amoswap.d, 0x123456789abcdef, 0xfedcba9876543210, 0xfedcba9876543210)
    TEST_AMO_W(amoswap.w, 0x123456789abcdef, 0xfedcba9876543210, 0xffffffff89abcdef, 0x123456776543210)
    TEST_AMO_D(amoadd.d, 0x80000000fffffff0, 0x100000020, 0x8000000200000010)
    TEST_AMO_W(amoadd.w, 0x80000000fffffff0, 0x100000020, 0xfffffffffffffff0, 0x8000000000000010)
    TEST_AMO_D(amoadd.d, 0x7fffffff00000001, 0x80000000ffffffff, 0x0)
    TEST_AMO_W(amoadd.w, 0x7fffffff00000001, 0x80000000ffffffff, 0x1, 0x7fffffff00000000)
    TEST_AMO_D(amoadd.d, 0x123456789abcdef, 0xfedcba9876543210, 0xffffffffffffffff)
    TEST_AMO_W(amoadd.w, 0x123456789abcdef, 0xfedcba9876543210, 0xffffffff89abcdef, 0x1234567ffffffff)
    TEST_AMO_D(amoxor.d, 0x80000000fffffff0, 0x100000020, 0x80000001ffffffd0)
    TEST_AMO_W(amoxor.w, 0x80000000fffffff0, 0x100000020, 0xfffffffffffffff0, 0x80000000ffffffd0)
    TEST_AMO_D(amoxor.d, 0x7fffffff00000001, 0x80000000ffffffff, 0xfffffffffffffffe)
    TEST_AMO_W(amoxor.w, 0x7fffffff00000001, 0x80000000ffffffff, 0x1, 0x7ffffffffffffffe)
    TEST_AMO_D(amoxor.d, 0x123456789abcdef, 0xfedcba9876543210, 0xffffffffffffffff)
    TEST_AMO_W(amoxor.w, 0x123456789abcdef, 0xfedcba9876543210, 0xffffffff89abcdef, 0x1234567ffffffff)
    TEST_AMO_D(amoand.d, 0x80000000fffffff0, 0x100000020, 0x20)
    TEST_AMO_W(amoand.w, 0x80000000fffffff0, 0x100000020, 0xfffffffffffffff0, 0x8000000000000020)
    TEST_AMO_D(amoand.d, 0x7fffffff00000001, 0x80000000ffffffff, 0x1)
    TEST_AMO_W(amoand.w, 0x7fffffff00000001, 0x80000000ffffffff, 0x1, 0x7fffffff00000001)
    TEST_AMO_D(amoand.d, 0x123456789abcdef, 0xfedcba9876543210, 0x0)
    TEST_AMO_W(amoand.w, 0x123456789abcdef, 0xfedcba9876543210, 0xffffffff89abcdef, 0x123456700000000)
    TEST_AMO_D(amoor.d, 0x80000000fffffff0, 0x100000020, 0x80000001fffffff0)
    TEST_AMO_W(amoor.w, 0x80000000fffffff0, 0x100000020, 0xfffffffffffffff0, 0x80000000fffffff0)
    TEST_AMO_D(amoor.d, 0x7fffffff00000001, 0x80000000ffffffff, 0xffffffffffffffff)
    TEST_AMO_W(amoor.w, 0x7fffffff00000001, 0x80000000ffffffff, 0x1, 0x7fffffffffffffff)
    TEST_AMO_D(amoor.d, 0x123456789abcdef, 0xfedcba9876543210, 0xffffffffffffffff)
    TEST_AMO_W(amoor.w, 0x123456789abcdef, 0xfedcba9876543210, 0xffffffff89abcdef, 0x1234567ffffffff)
    TEST_AMO_D(amomin.d, 0x80000000fffffff0, 0x100000020, 0x80000000fffffff0)
    TEST_AMO_W(amomin.w, 0x80000000fffffff0, 0x100000020, 0xfffffffffffffff0, 0x80000000fffffff0)
    TEST_AMO_D(amomin.d, 0x7fffffff00000001, 0x80000000ffffffff, 0x80000000ffffffff)
    TEST_AMO_W(amomin.w, 0x7fffffff00000001, 0x80000000ffffffff, 0x1, 0x7fffffffffffffff)
    TEST_AMO_D(amomin.d, 0x123456789abcdef, 0xfedcba9876543210, 0xfedcba9876543210)
    TEST_AMO_W(amomin.w, 0x123456789abcdef, 0xfedcba9876543210, 0xffffffff89abcdef, 0x123456789abcdef)
    TEST_AMO_D(amomax.d, 0x80000000fffffff0, 0x100000020, 0x100000020)
    TEST_AMO_W(amomax.w, 0x80000000fffffff0, 0x100000020, 0xfffffffffffffff0, 0x8000000000000020)
    TEST_AMO_D(amomax.d, 0x7fffffff00000001, 0x80000000ffffffff, 0x7fffffff00000001)
    TEST_AMO_W(amomax.w, 0x7fffffff00000001, 0x80000000ffffffff, 0x1, 0x7fffffff00000001)
    TEST_AMO_D(amomax.d, 0x123456789abcdef, 0xfedcba9876543210, 0x123456789abcdef)
    TEST_AMO_W(amomax.w, 0x123456789abcdef, 0xfedcba9876543210, 0xffffffff89abcdef, 0x123456776543210)
    TEST_AMO_D(amominu.d, 0x80000000fffffff0, 0x100000020, 0x100000020)
    TEST_AMO_W(amominu.w, 0x80000000fffffff0, 0x100000020, 0xfffffffffffffff0, 0x8000000000000020)
    TEST_AMO_D(amominu.d, 0x7fffffff00000001, 0x80000000ffffffff, 0x7fffffff00000001)
    TEST_AMO_W(amominu.w, 0x7fffffff00000001, 0x80000000ffffffff, 0x1, 0x7fffffff00000001)
    TEST_AMO_D(amominu.d, 0x123456789abcdef, 0xfedcba9876543210, 0x123456789abcdef)
    TEST_AMO_W(amominu.w, 0x123456789abcdef, 0xfedcba9876543210, 0xffffffff89abcdef, 0x123456776543210)
    TEST_AMO_D(amomaxu.d, 0x80000000fffffff0, 0x100000020, 0x80000000fffffff0)
    TEST_AMO_W(amomaxu.w, 0x80000000fffffff0, 0x100000020, 0xfffffffffffffff0, 0x80000000fffffff0)
    TEST_AMO_D(amomaxu.d, 0x7fffffff00000001, 0x80000000ffffffff, 0x80000000ffffffff)
    TEST_AMO_W(amomaxu.w, 0x7fffffff00000001, 0x80000000ffffffff, 0x1, 0x7fffffffffffffff)
    TEST_AMO_D(amomaxu.d, 0x123456789abcdef, 0xfedcba9876543210, 0xfedcba9876543210)
    TEST_AMO_W(amomaxu.w, 0x123456789abcdef, 0xfedcba9876543210, 0xffffffff89abcdef, 0x123456789abcdef)

    // .w on the upper word of a dword
    CASE
    la a3, amo_data
    li a1, 0x8000000512345678
    sd a1, 0(a3)
    li a2, 3
    addi a5, a3, 4
    amoadd.w a0, a2, (a5)
    CHECK(a0, 0xffffffff80000005)
    ld a4, 0(a3)
    CHECK(a4, 0x8000000812345678)

    // aq/rl variants, rd == x0, rd == rs2
    CASE
    la a3, amo_data
    sd zero, 0(a3)
    li a2, 5
    amoadd.d.aqrl x0, a2, (a3)
    amoadd.d.aq a2, a2, (a3) // a2 = old (5), mem = 10
    CHECK(a2, 5)
    ld a4, 0(a3)
    CHECK(a4, 10)
    amoor.w.rl a4, zero, (a3)
    CHECK(a4, 10)

    // ---- LR/SC ----
    CASE // lr.d / sc.d succeed
    la a3, amo_data
    li a1, 0x1122334455667788
    sd a1, 0(a3)
    lr.d a0, (a3)
    CHECK(a0, 0x1122334455667788)
    li a2, 0x99
    sc.d a4, a2, (a3)
    CHECK(a4, 0)
    ld a0, 0(a3)
    CHECK(a0, 0x99)
    CASE // a second sc after the reservation was consumed fails and does not write
    li a2, 0x77
    sc.d a4, a2, (a3)
    CHECK_COND(bnez a4)
    ld a0, 0(a3)
    CHECK(a0, 0x99)
    CASE // lr.w sign-extends; sc.w writes 32 bits
    la a3, amo_data
    li a1, 0x55555555f0000000
    sd a1, 0(a3)
    lr.w a0, (a3)
    CHECK(a0, 0xfffffffff0000000)
    li a2, 0xaaaaaaaa12345678
    sc.w a4, a2, (a3)
    CHECK(a4, 0)
    ld a0, 0(a3)
    CHECK(a0, 0x5555555512345678)
    CASE // sc with no reservation at all fails
    la a3, amo_data2
    li a1, 7
    sd a1, 0(a3)
    li a2, 8
    sc.d a4, a2, (a3)
    CHECK_COND(bnez a4)
    ld a0, 0(a3)
    CHECK(a0, 7)
    CASE // an sc outside the reservation set of the last lr fails (amo_data2 is a page away)
    la a3, amo_data
    la a5, amo_data2
    lr.d a0, (a3)
    sc.d a4, a2, (a5)
    CHECK_COND(bnez a4)
    ld a0, 0(a5)
    CHECK(a0, 7)
    CASE // lr/sc increment loop
    la a3, amo_data
    sd zero, 0(a3)
    li a1, 100
1:  lr.d a0, (a3)
    addi a0, a0, 1
    sc.d a4, a0, (a3)
    bnez a4, 1b
    addi a1, a1, -1
    bnez a1, 1b
    ld a0, 0(a3)
    CHECK(a0, 100)

    // ---- misaligned AMO / LR / SC trap, tval = address ----
    // The spec allows an address-misaligned or an access-fault exception; for AMOs and SC that is
    // the store/AMO kind (6/7). QEMU 7.2 reports a *load* misaligned (4) for misaligned AMOs, so 4
    // is tolerated for them too (QEMU is the reference these tests are validated against).
#define TEST_AMO_MISALIGNED(cause_a, cause_b, cause_c, ...)                                        \
    CASE;                                                                                          \
    la a3, amo_data;                                                                               \
    addi a3, a3, 2;                                                                                \
    ARM_TRAP_RESUME(9996f);                                                                        \
    __VA_ARGS__;                                                                                   \
    j fail;                                                                                        \
    9996:                                                                                          \
    TRAP_FIELD(t0, TR_CAUSE);                                                                      \
    li t1, cause_a;                                                                                \
    beq t0, t1, 9995f;                                                                             \
    li t1, cause_b;                                                                                \
    beq t0, t1, 9995f;                                                                             \
    CHECK(t0, cause_c);                                                                            \
    9995:                                                                                          \
    TRAP_FIELD(t0, TR_TVAL);                                                                       \
    CHECK_REG(t0, a3)
#define STORE_KINDS CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, CAUSE_MISALIGNED_LOAD
#define LOAD_KINDS CAUSE_MISALIGNED_LOAD, CAUSE_LOAD_ACCESS, CAUSE_LOAD_ACCESS
#define TEST_AMO_MIS(...) TEST_AMO_MISALIGNED(__VA_ARGS__)
    TEST_AMO_MIS(STORE_KINDS, amoadd.w a0, a2, (a3))
    TEST_AMO_MIS(STORE_KINDS, amoswap.d a0, a2, (a3))
    TEST_AMO_MIS(STORE_KINDS, amomaxu.d a0, a2, (a3))
    TEST_AMO_MIS(LOAD_KINDS, lr.d a0, (a3))
    TEST_AMO_MIS(LOAD_KINDS, lr.w a0, (a3))
    // (no misaligned sc.w check: QEMU 7.2 lets an sc.w without reservation fail silently)
    PASS

.section .data
.align 4
amo_data: .dword 0, 0
.align 12
amo_data2: .dword 0, 0
