// Floating point where the JIT computes on the host's SSE unit: with NX already set in fflags
// (the JIT's inline fast path) every result and flag must still be RISC-V's -- rounding modes
// (static and dynamic), tiny/overflowing/NaN results that must leave the fast path, NaN boxing
// of singles, comparisons with NaNs, conversions with saturation -- and the slow path's flags
// must accrue on top of the preset NX.
#include "common.h"

/* Like TEST_FP2/TEST_FP1/TEST_FP_TOINT, but with NX set before the operation. */
#define NX_FP2(fmt, inst, rm, exp, flags, a, b)                                                    \
    CASE;                                                                                          \
    FP_LOAD_##fmt(fa1, a);                                                                         \
    FP_LOAD_##fmt(fa2, b);                                                                         \
    csrwi fflags, FFLAG_NX;                                                                        \
    inst fa0, fa1, fa2, rm;                                                                        \
    FP_CHECK_RESULT(fmt, exp, (flags) | FFLAG_NX)
#define NX_FP1(fmt, inst, rm, exp, flags, a)                                                       \
    CASE;                                                                                          \
    FP_LOAD_##fmt(fa1, a);                                                                         \
    csrwi fflags, FFLAG_NX;                                                                        \
    inst fa0, fa1, rm;                                                                             \
    FP_CHECK_RESULT(fmt, exp, (flags) | FFLAG_NX)
#define NX_TOINT(inst, rm, exp, flags, a)                                                          \
    CASE;                                                                                          \
    FP_LOAD_D(fa1, a);                                                                             \
    csrwi fflags, FFLAG_NX;                                                                        \
    inst a0, fa1, rm;                                                                              \
    csrr a1, fflags;                                                                               \
    CHECK(a0, exp);                                                                                \
    CHECK(a1, (flags) | FFLAG_NX)
#define NX_CMP(fmt, inst, exp, flags, a, b)                                                        \
    CASE;                                                                                          \
    FP_LOAD_##fmt(fa1, a);                                                                         \
    FP_LOAD_##fmt(fa2, b);                                                                         \
    csrwi fflags, FFLAG_NX;                                                                        \
    inst a0, fa1, fa2;                                                                             \
    csrr a1, fflags;                                                                               \
    CHECK(a0, exp);                                                                                \
    CHECK(a1, (flags) | FFLAG_NX)

#define D_ONE 0x3ff0000000000000
#define D_TWO 0x4000000000000000
#define D_EPS60 0x3c30000000000000 /* 2^-60 */
#define D_QNAN 0x7ff8000000000000
#define D_SNAN 0x7ff0000000000001
#define D_INF 0x7ff0000000000000

.globl test_main
test_main:
    /* results straight from SSE */
    NX_FP2(D, fmul.d, rne, 0x4008000000000000, 0, 0x3ff8000000000000, D_TWO)
    NX_FP2(D, fadd.d, rne, 0x3fd3333333333334, 0, 0x3fb999999999999a, 0x3fc999999999999a)
    NX_FP2(D, fsub.d, dyn, 0x3ff0000000000000, 0, D_TWO, D_ONE)
    NX_FP2(D, fdiv.d, rne, 0x3fe0000000000000, 0, D_ONE, D_TWO)
    NX_FP1(D, fsqrt.d, rne, D_TWO, 0, 0x4010000000000000)
    NX_FP2(S, fadd.s, rne, 0x3e99999a, 0, 0x3dcccccd, 0x3e4ccccd)
    NX_FP2(S, fmul.s, rne, 0x40400000, 0, 0x3fc00000, 0x40000000)
    /* rounding modes other than RNE, static and dynamic */
    NX_FP2(D, fadd.d, rup, 0x3ff0000000000001, 0, D_ONE, D_EPS60)
    NX_FP2(D, fadd.d, rdn, 0xbff0000000000001, 0, 0xbff0000000000000, 0xbc30000000000000)
    NX_FP2(D, fadd.d, rtz, D_ONE, 0, D_ONE, D_EPS60)
    NX_FP2(D, fadd.d, rmm, D_ONE, 0, D_ONE, D_EPS60)
    csrwi frm, RM_RUP
    NX_FP2(D, fadd.d, dyn, 0x3ff0000000000001, 0, D_ONE, D_EPS60)
    csrwi frm, RM_RDN
    NX_FP2(S, fsub.s, dyn, 0x3f7fffff, 0, 0x3f800000, 0x2f800000)
    csrwi frm, RM_RNE
    /* results that must leave the fast path */
    NX_FP2(D, fmul.d, rne, 0x0008000000000000, 0, 0x0010000000000000, 0x3fe0000000000000)
    NX_FP2(D, fmul.d, rne, 0, FFLAG_UF, 0x0000000000000001, 0x3fe0000000000000)
    NX_FP2(D, fmul.d, rne, D_INF, FFLAG_OF, 0x7fe0000000000000, D_TWO)
    NX_FP2(D, fdiv.d, rne, D_QNAN, FFLAG_NV, 0, 0)
    NX_FP2(D, fdiv.d, rne, D_INF, FFLAG_DZ, D_ONE, 0)
    NX_FP2(D, fadd.d, rne, D_QNAN, FFLAG_NV, D_SNAN, D_ONE)
    NX_FP2(D, fadd.d, rne, D_QNAN, 0, 0x7ff8000000000123, D_ONE)
    NX_FP1(D, fsqrt.d, rne, D_QNAN, FFLAG_NV, 0xbff0000000000000)
    NX_FP2(S, fmul.s, rne, 0x7f800000, FFLAG_OF, 0x7f000000, 0x40000000)
    NX_FP2(S, fmul.s, rne, 0, FFLAG_UF, 0x00000001, 0x3f000000)
    /* a single operand that is not NaN-boxed reads as the canonical NaN */
    CASE
    li t0, 0x3f800000
    fmv.d.x fa1, t0
    FP_LOAD_S(fa2, 0x3f800000)
    csrwi fflags, FFLAG_NX
    fadd.s fa0, fa1, fa2
    FP_CHECK_RESULT(S, 0x7fc00000, FFLAG_NX)
    /* conversions */
    NX_TOINT(fcvt.l.d, rtz, 0x7fffffffffffffff, FFLAG_NV, 0x46293e5939a08cea)
    NX_TOINT(fcvt.l.d, rtz, -1, 0, 0xbff8000000000000)
    NX_TOINT(fcvt.l.d, rtz, 0x7fffffffffffffff, FFLAG_NV, D_QNAN)
    NX_TOINT(fcvt.l.d, rne, 0x8000000000000000, 0, 0xc3e0000000000000)
    NX_TOINT(fcvt.l.d, dyn, 2, 0, 0x4004000000000000)
    NX_TOINT(fcvt.w.d, rtz, 0x7fffffff, FFLAG_NV, 0x41e0000000000000)
    NX_TOINT(fcvt.w.d, rne, 2, 0, 0x4004000000000000)
    NX_TOINT(fcvt.w.d, rtz, 0xffffffff80000000, 0, 0xc1e0000000000000)
    NX_TOINT(fcvt.w.d, rup, 3, 0, 0x4004000000000000)
    CASE
    li a1, 0x7fffffffffffffff
    csrwi fflags, FFLAG_NX
    fcvt.d.l fa0, a1, rne
    FP_CHECK_RESULT(D, 0x43e0000000000000, FFLAG_NX)
    CASE
    li a1, -7
    csrwi fflags, 0
    fcvt.d.w fa0, a1
    FP_CHECK_RESULT(D, 0xc01c000000000000, 0)
    NX_FP1(D_TO_S, fcvt.s.d, rne, 0x7f800000, FFLAG_OF, 0x7e37e43c8800759c)
    NX_FP1(D_TO_S, fcvt.s.d, rne, 0, FFLAG_UF, 0x358dee7a4ad4b81f)
    NX_FP1(D_TO_S, fcvt.s.d, rne, 0x3f000000, 0, 0x3fe0000000000000)
    CASE
    FP_LOAD_S(fa1, 0x7f800001)
    csrwi fflags, FFLAG_NX
    fcvt.d.s fa0, fa1
    FP_CHECK_RESULT(D, D_QNAN, FFLAG_NX | FFLAG_NV)
    /* comparisons */
    NX_CMP(D, feq.d, 0, 0, D_QNAN, D_ONE)
    NX_CMP(D, flt.d, 0, FFLAG_NV, D_QNAN, D_ONE)
    NX_CMP(D, fle.d, 1, 0, D_ONE, D_ONE)
    NX_CMP(D, flt.d, 1, 0, D_ONE, D_TWO)
    NX_CMP(D, flt.d, 0, 0, D_TWO, D_ONE)
    NX_CMP(S, feq.s, 0, FFLAG_NV, 0x7f800001, 0x3f800000)
    NX_CMP(S, fle.s, 1, 0, 0xbf800000, 0x3f800000)
    /* sign injection */
    CASE
    FP_LOAD_D(fa1, D_ONE)
    fneg.d fa0, fa1
    fmv.x.d a0, fa0
    CHECK(a0, 0xbff0000000000000)
    FP_LOAD_D(fa2, 0xbff0000000000000)
    FP_LOAD_D(fa1, D_TWO)
    fsgnjx.d fa0, fa1, fa2
    fmv.x.d a0, fa0
    CHECK(a0, 0xc000000000000000)
    fsgnj.d fa0, fa2, fa1
    fmv.x.d a0, fa0
    CHECK(a0, D_ONE)
    /* fflags/frm/fcsr inline: the frflags; flt.d; fsflags idiom of quiet comparisons */
    CASE
    csrwi fflags, FFLAG_NX | FFLAG_DZ
    frflags a2
    FP_LOAD_D(fa1, D_QNAN)
    flt.d a0, fa1, fa1
    fsflags a3, a2
    csrr a1, fflags
    CHECK(a2, FFLAG_NX | FFLAG_DZ)
    CHECK(a3, FFLAG_NX | FFLAG_DZ | FFLAG_NV)
    CHECK(a1, FFLAG_NX | FFLAG_DZ)
    CHECK(a0, 0)
    csrrwi a4, frm, RM_RUP
    csrrs a5, fcsr, zero
    csrrci a6, fcsr, 0x8
    csrr a7, fcsr
    CHECK(a4, 0)
    CHECK(a5, (RM_RUP << 5) | FFLAG_NX | FFLAG_DZ)
    CHECK(a6, (RM_RUP << 5) | FFLAG_NX | FFLAG_DZ)
    CHECK(a7, (RM_RUP << 5) | FFLAG_NX)
    FP_LOAD_D(fa1, D_ONE)
    FP_LOAD_D(fa2, D_EPS60)
    fadd.d fa0, fa1, fa2
    fmv.x.d a0, fa0
    CHECK(a0, 0x3ff0000000000001)
    csrwi frm, RM_RNE
    li a7, 0
    /* conversions from integers */
    CASE
    csrwi fflags, FFLAG_NX
    li a1, -3
    fcvt.s.w fa0, a1
    FP_CHECK_RESULT(S, 0xc0400000, FFLAG_NX)
    li a1, 0x1000001
    fcvt.s.l fa0, a1
    FP_CHECK_RESULT(S, 0x4b800000, FFLAG_NX)
    li a1, 0x8000000000000001
    fcvt.s.lu fa0, a1
    FP_CHECK_RESULT(S, 0x5f000000, FFLAG_NX)
    li a1, 0xffffffff
    fcvt.d.wu fa0, a1
    FP_CHECK_RESULT(D, 0x41efffffffe00000, FFLAG_NX)
    li a1, 0xffffffffffffffff
    fcvt.d.lu fa0, a1
    FP_CHECK_RESULT(D, 0x43f0000000000000, FFLAG_NX)
    /* a hot loop: the same translated block with NX set, then with NX clear */
    CASE
    li s1, 1000
    FP_LOAD_D(fa1, 0)
    FP_LOAD_D(fa2, 0x3fb999999999999a) /* 0.1 */
    csrwi fflags, 0
1:  fadd.d fa1, fa1, fa2
    addi s1, s1, -1
    bnez s1, 1b
    fmv.x.d a0, fa1
    csrr a1, fflags
    CHECK(a0, 0x4058ffffffffff9d) /* 1000 * 0.1 summed in order */
    CHECK(a1, FFLAG_NX)
    /* hot single-precision loops: boxing checked once at the loop's entry */
    CASE
    li s1, 1000
    FP_LOAD_S(fa1, 0)
    FP_LOAD_S(fa2, 0x3f000000) /* 0.5 */
    FP_LOAD_S(fa3, 0x40000000) /* 2 */
    csrwi fflags, FFLAG_NX
1:  fadd.s fa1, fa1, fa2
    fmul.s fa4, fa2, fa3
    fsub.s fa1, fa1, fa4
    fadd.s fa1, fa1, fa4
    addi s1, s1, -1
    bnez s1, 1b
    fmv.x.d a0, fa1
    csrr a1, fflags
    CHECK(a0, FP_BOXED_S(0x43fa0000)) /* 500 */
    CHECK(a1, FFLAG_NX)
    /* ... with a loop-invariant operand that is not NaN-boxed (the entry check fails) */
    CASE
    li s1, 10
    FP_LOAD_S(fa1, 0)
    li t0, 0x3f800000
    fmv.d.x fa3, t0
    csrwi fflags, FFLAG_NX
1:  fadd.s fa1, fa1, fa3
    addi s1, s1, -1
    bnez s1, 1b
    fmv.x.d a0, fa1
    csrr a1, fflags
    CHECK(a0, FP_BOXED_S(0x7fc00000))
    CHECK(a1, FFLAG_NX)
    /* ... with an operand the loop writes as a double (checked where it is read) */
    CASE
    li s1, 10
    FP_LOAD_S(fa1, 0)
    FP_LOAD_D(fa5, D_ONE)
    csrwi fflags, FFLAG_NX
1:  fadd.s fa1, fa1, fa1
    fadd.d fa4, fa5, fa5
    fadd.s fa1, fa1, fa4
    addi s1, s1, -1
    bnez s1, 1b
    fmv.x.d a0, fa1
    csrr a1, fflags
    CHECK(a0, FP_BOXED_S(0x7fc00000))
    CHECK(a1, FFLAG_NX)
    /* A loop whose body clears fflags after an inexact add: every iteration's add must set NX
     * again (a loop head that assumed NX from its entry check would miss it). The jump makes
     * the loop a block of its own, entered with NX set. */
    CASE
    li s1, 3
    li s2, 0
    FP_LOAD_D(fa1, D_ONE)
    FP_LOAD_D(fa2, D_EPS60)
    csrwi fflags, FFLAG_NX
    j 1f
1:  fadd.d fa3, fa1, fa2
    frflags a2
    csrwi fflags, 0
    add s2, s2, a2
    addi s1, s1, -1
    bnez s1, 1b
    CHECK(s2, 3 * FFLAG_NX)
    /* Nested loops inside one block (heads that are not the block's first instruction), FP
     * and integer registers live across both back edges. */
    CASE
    li s1, 0
    FP_LOAD_D(fa1, D_ONE)
    FP_LOAD_D(fa4, 0)
    li t0, 5
    csrwi fflags, FFLAG_NX
2:  li t1, 3
    fadd.d fa4, fa4, fa1
1:  addi s1, s1, 1
    fadd.d fa4, fa4, fa1
    addi t1, t1, -1
    bnez t1, 1b
    addi t0, t0, -1
    bnez t0, 2b
    CHECK(s1, 15)
    fmv.x.d a0, fa4
    CHECK(a0, 0x4034000000000000) /* 20.0 */
    PASS
