/* Unit tests for the RISC-V F/D helpers. Expected values are derived by hand from the spec
 * (each non-obvious one carries its derivation); every arithmetic vector runs through the public
 * entry point (host paths for RNE..RUP: the RNE fast path, and the MXCSR path, forced by starting
 * with NX clear or by changing the host's rounding mode) and through the soft core, and a
 * randomized differential compares the host paths with the soft core on edge-heavy operands. */
#include <fenv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "cpu/riscv/fpu.h"
#include "cpu/riscv/fpu_soft.h"

enum { RNE = RV_RM_RNE, RTZ = RV_RM_RTZ, RDN = RV_RM_RDN, RUP = RV_RM_RUP, RMM = RV_RM_RMM };
enum { NX = RV_FFLAG_NX, UF = RV_FFLAG_UF, OF = RV_FFLAG_OF, DZ = RV_FFLAG_DZ, NV = RV_FFLAG_NV };

/* binary32 encodings */
#define S_ONE 0x3f800000u
#define S_NONE 0xbf800000u
#define S_TWO 0x40000000u
#define S_THREE 0x40400000u
#define S_HALF 0x3f000000u
#define S_MAX 0x7f7fffffu
#define S_INF 0x7f800000u
#define S_NINF 0xff800000u
#define S_CNAN 0x7fc00000u
#define S_SNAN 0x7f800001u
#define S_NZERO 0x80000000u
#define S_MINNORM 0x00800000u

/* binary64 encodings */
#define D_ONE 0x3ff0000000000000ull
#define D_NONE 0xbff0000000000000ull
#define D_TWO 0x4000000000000000ull
#define D_THREE 0x4008000000000000ull
#define D_HALF 0x3fe0000000000000ull
#define D_MAX 0x7fefffffffffffffull
#define D_NMAX 0xffefffffffffffffull
#define D_INF 0x7ff0000000000000ull
#define D_NINF 0xfff0000000000000ull
#define D_CNAN 0x7ff8000000000000ull
#define D_SNAN 0x7ff0000000000001ull
#define D_NZERO 0x8000000000000000ull
#define D_MINNORM 0x0010000000000000ull

static uint64_t box(uint32_t v)
{
    return 0xffffffff00000000ull | v;
}

/* ---- table-driven arithmetic ------------------------------------------------------------ */

enum op { ADD, SUB, MUL, DIV, SQRT, MADD, MSUB, NMSUB, NMADD, CVT_S_D, CVT_D_S };

struct vec {
    int line;
    enum op op;
    bool dbl; /* operand format; for conversions, the source format */
    unsigned rm;
    uint64_t a, b, c;
    uint64_t expect; /* raw, unboxed result */
    uint32_t flags;
};

#define V(op, dbl, rm, a, b, c, r, fl)                                                             \
    {                                                                                              \
        __LINE__, op, dbl, rm, a, b, c, r, fl                                                      \
    }
/* One row per rounding mode: results in the order RNE, RTZ, RDN, RUP, RMM, same flags. */
#define ALL5(op, dbl, a, b, c, rne, rtz, rdn, rup, rmm, fl)                                        \
    V(op, dbl, RNE, a, b, c, rne, fl), V(op, dbl, RTZ, a, b, c, rtz, fl),                          \
        V(op, dbl, RDN, a, b, c, rdn, fl), V(op, dbl, RUP, a, b, c, rup, fl),                      \
        V(op, dbl, RMM, a, b, c, rmm, fl)
/* Same result and flags in every mode. */
#define ANY(op, dbl, a, b, c, r, fl) ALL5(op, dbl, a, b, c, r, r, r, r, r, fl)

static const struct vec vectors[] = {
    /* 1/3 = 1.0101...b * 2^-2. binary32 keeps 23 fraction bits 0x2aaaaa; the rest (1010...) is
     * above one half, so RNE/RUP/RMM round up. binary64 keeps 0x5555555555555; the rest
     * (0101...) is below one half, so only RUP rounds up. */
    ALL5(DIV, false, S_ONE, S_THREE, 0, 0x3eaaaaab, 0x3eaaaaaa, 0x3eaaaaaa, 0x3eaaaaab, 0x3eaaaaab,
         NX),
    ALL5(DIV, false, S_NONE, S_THREE, 0, 0xbeaaaaab, 0xbeaaaaaa, 0xbeaaaaab, 0xbeaaaaaa, 0xbeaaaaab,
         NX),
    ALL5(DIV, true, D_ONE, D_THREE, 0, 0x3fd5555555555555, 0x3fd5555555555555, 0x3fd5555555555555,
         0x3fd5555555555556, 0x3fd5555555555555, NX),
    ALL5(DIV, true, D_NONE, D_THREE, 0, 0xbfd5555555555555, 0xbfd5555555555555, 0xbfd5555555555556,
         0xbfd5555555555555, 0xbfd5555555555555, NX),

    /* Ties. 1 + 2^-24 lies halfway between 1 (even) and 1 + 2^-23: RNE keeps 1, RMM goes away. */
    ALL5(ADD, false, S_ONE, 0x33800000, 0, 0x3f800000, 0x3f800000, 0x3f800000, 0x3f800001,
         0x3f800001, NX),
    ALL5(SUB, false, S_ONE, 0xb3800000, 0, 0x3f800000, 0x3f800000, 0x3f800000, 0x3f800001,
         0x3f800001, NX),
    /* (1 + 2^-23) + 2^-24: halfway between odd 0x3f800001 and even 0x3f800002. */
    ALL5(ADD, false, 0x3f800001, 0x33800000, 0, 0x3f800002, 0x3f800001, 0x3f800001, 0x3f800002,
         0x3f800002, NX),
    ALL5(ADD, false, 0xbf800000, 0xb3800000, 0, 0xbf800000, 0xbf800000, 0xbf800001, 0xbf800000,
         0xbf800001, NX),
    /* 1 + 2^-53 (0x3ca0... = 2^-53) is the binary64 tie. */
    ALL5(ADD, true, D_ONE, 0x3ca0000000000000, 0, D_ONE, D_ONE, D_ONE, 0x3ff0000000000001,
         0x3ff0000000000001, NX),
    /* (1 + 3*2^-23) * 1.5 = 1.5 + 4.5 ulp: tie between even +4 ulp and +5 ulp. */
    ALL5(MUL, false, 0x3f800003, 0x3fc00000, 0, 0x3fc00004, 0x3fc00004, 0x3fc00004, 0x3fc00005,
         0x3fc00005, NX),
    ALL5(MUL, true, 0x3ff0000000000003, 0x3ff8000000000000, 0, 0x3ff8000000000004,
         0x3ff8000000000004, 0x3ff8000000000004, 0x3ff8000000000005, 0x3ff8000000000005, NX),

    /* Overflow: to infinity or to the largest finite value depending on mode and sign. */
    ALL5(ADD, false, S_MAX, S_MAX, 0, S_INF, S_MAX, S_MAX, S_INF, S_INF, OF | NX),
    ALL5(ADD, false, 0xff7fffff, 0xff7fffff, 0, S_NINF, 0xff7fffff, S_NINF, 0xff7fffff, S_NINF,
         OF | NX),
    ALL5(MUL, true, D_MAX, D_TWO, 0, D_INF, D_MAX, D_MAX, D_INF, D_INF, OF | NX),
    ALL5(MUL, true, D_NMAX, D_TWO, 0, D_NINF, D_NMAX, D_NINF, D_NMAX, D_NINF, OF | NX),
    /* max + half an ulp (2^103) is a tie; max is odd, so RNE and RMM round to 2^128 and
     * overflow, while RTZ/RDN stay at max and only raise NX. */
    V(ADD, false, RNE, S_MAX, 0x73000000, 0, S_INF, OF | NX),
    V(ADD, false, RTZ, S_MAX, 0x73000000, 0, S_MAX, NX),
    V(ADD, false, RDN, S_MAX, 0x73000000, 0, S_MAX, NX),
    V(ADD, false, RUP, S_MAX, 0x73000000, 0, S_INF, OF | NX),
    V(ADD, false, RMM, S_MAX, 0x73000000, 0, S_INF, OF | NX),
    /* max + a quarter ulp (2^102): only RUP overflows. */
    V(ADD, false, RNE, S_MAX, 0x72800000, 0, S_MAX, NX),
    V(ADD, false, RTZ, S_MAX, 0x72800000, 0, S_MAX, NX),
    V(ADD, false, RDN, S_MAX, 0x72800000, 0, S_MAX, NX),
    V(ADD, false, RUP, S_MAX, 0x72800000, 0, S_INF, OF | NX),
    V(ADD, false, RMM, S_MAX, 0x72800000, 0, S_MAX, NX),

    /* Underflow, tininess after rounding. (1 - 2^-24) * 2^-126 needs exactly 24 bits at exponent
     * -127, so it is tiny in every mode; on the subnormal grid it is 2^23 - 1/2 units of
     * 2^-149, a tie between odd 0x7fffff and even 0x800000. The RNE result is the normal 2^-126
     * and UF is still raised. */
    ALL5(MUL, false, 0x3f7fffff, S_MINNORM, 0, 0x00800000, 0x007fffff, 0x007fffff, 0x00800000,
         0x00800000, UF | NX),
    ALL5(MUL, true, 0x3fefffffffffffff, D_MINNORM, 0, 0x0010000000000000, 0x000fffffffffffff,
         0x000fffffffffffff, 0x0010000000000000, 0x0010000000000000, UF | NX),
    /* 18631*2^-75 * 1801*2^-76 = (2^25 - 1) * 2^-151 = (1 - 2^-25) * 2^-126. With an unbounded
     * exponent that is 25 ones: RNE (tie, to even), RUP and RMM round it to 2^-126, which is
     * not tiny, so only NX; RTZ/RDN give 1.(23 ones) * 2^-127, tiny, so UF. */
    V(MUL, false, RNE, 0x21118e00, 0x1ee12000, 0, 0x00800000, NX),
    V(MUL, false, RTZ, 0x21118e00, 0x1ee12000, 0, 0x007fffff, UF | NX),
    V(MUL, false, RDN, 0x21118e00, 0x1ee12000, 0, 0x007fffff, UF | NX),
    V(MUL, false, RUP, 0x21118e00, 0x1ee12000, 0, 0x00800000, NX),
    V(MUL, false, RMM, 0x21118e00, 0x1ee12000, 0, 0x00800000, NX),
    V(MUL, false, RNE, 0xa1118e00, 0x1ee12000, 0, 0x80800000, NX),
    V(MUL, false, RTZ, 0xa1118e00, 0x1ee12000, 0, 0x807fffff, UF | NX),
    V(MUL, false, RDN, 0xa1118e00, 0x1ee12000, 0, 0x80800000, NX),
    V(MUL, false, RUP, 0xa1118e00, 0x1ee12000, 0, 0x807fffff, UF | NX),
    V(MUL, false, RMM, 0xa1118e00, 0x1ee12000, 0, 0x80800000, NX),
    /* binary64 version: (2^27-1)*2^-100 * (2^27+1)*2^-976 = (1 - 2^-54) * 2^-1022. */
    V(MUL, true, RNE, 0x3b5ffffffc000000, 0x04a0000002000000, 0, D_MINNORM, NX),
    V(MUL, true, RTZ, 0x3b5ffffffc000000, 0x04a0000002000000, 0, 0x000fffffffffffff, UF | NX),
    V(MUL, true, RDN, 0x3b5ffffffc000000, 0x04a0000002000000, 0, 0x000fffffffffffff, UF | NX),
    V(MUL, true, RUP, 0x3b5ffffffc000000, 0x04a0000002000000, 0, D_MINNORM, NX),
    V(MUL, true, RMM, 0x3b5ffffffc000000, 0x04a0000002000000, 0, D_MINNORM, NX),
    /* Exact subnormal results raise nothing. */
    ANY(MUL, false, S_MINNORM, S_HALF, 0, 0x00400000, 0),
    ANY(MUL, true, D_MINNORM, D_HALF, 0, 0x0008000000000000, 0),
    /* Half the smallest subnormal: tie between 0 and 2^-149. */
    ALL5(MUL, false, 0x00000001, S_HALF, 0, 0, 0, 0, 1, 1, UF | NX),
    ALL5(MUL, false, 0x80000001, S_HALF, 0, S_NZERO, S_NZERO, 0x80000001, S_NZERO, 0x80000001,
         UF | NX),
    ALL5(DIV, true, 1, D_TWO, 0, 0, 0, 0, 1, 1, UF | NX),
    /* 3 * 2^-1074 / 2: 1.5 units, tie between odd 1 and even 2. */
    ALL5(MUL, true, 3, D_HALF, 0, 2, 1, 1, 2, 2, UF | NX),

    /* Exact zeros: +0 except in RDN when the operands have opposite signs. */
    ALL5(ADD, false, S_ONE, S_NONE, 0, 0, 0, S_NZERO, 0, 0, 0),
    ALL5(SUB, true, D_ONE, D_ONE, 0, 0, 0, D_NZERO, 0, 0, 0),
    ALL5(ADD, false, 0, S_NZERO, 0, 0, 0, S_NZERO, 0, 0, 0),
    ANY(ADD, false, S_NZERO, S_NZERO, 0, S_NZERO, 0),
    ANY(SUB, true, D_NZERO, 0, 0, D_NZERO, 0),

    /* Division by zero and invalid operations. */
    ANY(DIV, false, S_ONE, 0, 0, S_INF, DZ),
    ANY(DIV, false, S_ONE, S_NZERO, 0, S_NINF, DZ),
    ANY(DIV, true, D_NONE, 0, 0, D_NINF, DZ),
    ANY(DIV, false, S_INF, 0, 0, S_INF, 0),
    ANY(DIV, false, 0, S_INF, 0, 0, 0),
    ANY(DIV, false, 0, 0, 0, S_CNAN, NV),
    ANY(DIV, true, D_INF, D_NINF, 0, D_CNAN, NV),
    ANY(ADD, false, S_INF, S_NINF, 0, S_CNAN, NV),
    ANY(SUB, true, D_INF, D_INF, 0, D_CNAN, NV),
    ANY(MUL, false, 0, S_INF, 0, S_CNAN, NV),
    ANY(MUL, true, D_NINF, D_NZERO, 0, D_CNAN, NV),
    ANY(ADD, false, S_INF, S_MAX, 0, S_INF, 0),

    /* NaN operands: the result is always the canonical NaN; NV only for signaling NaNs. */
    ANY(ADD, false, 0x7fc00123, S_ONE, 0, S_CNAN, 0),
    ANY(ADD, false, S_ONE, 0xffc00000, 0, S_CNAN, 0),
    ANY(MUL, false, S_SNAN, S_ONE, 0, S_CNAN, NV),
    ANY(SUB, false, S_ONE, 0xff800001, 0, S_CNAN, NV),
    ANY(DIV, false, 0x7fc00000, S_SNAN, 0, S_CNAN, NV),
    ANY(ADD, true, D_SNAN, D_ONE, 0, D_CNAN, NV),
    ANY(MUL, true, 0xfff8000000000000, D_TWO, 0, D_CNAN, 0),
    ANY(DIV, true, D_ONE, 0x7ff8000000000123, 0, D_CNAN, 0),
    ANY(SQRT, false, 0xffc00001, 0, 0, S_CNAN, 0),
    ANY(SQRT, true, 0xfff0000000000001, 0, 0, D_CNAN, NV),

    /* Square root. sqrt(2) = 1.0110101000001001111001100110011111110011..b: binary32 keeps
     * 0x3504f3 and the next bit is 0; binary64 keeps ...3bcc and the rest (0x908b...) is above
     * one half. */
    ALL5(SQRT, false, S_TWO, 0, 0, 0x3fb504f3, 0x3fb504f3, 0x3fb504f3, 0x3fb504f4, 0x3fb504f3, NX),
    ALL5(SQRT, true, D_TWO, 0, 0, 0x3ff6a09e667f3bcd, 0x3ff6a09e667f3bcc, 0x3ff6a09e667f3bcc,
         0x3ff6a09e667f3bcd, 0x3ff6a09e667f3bcd, NX),
    ANY(SQRT, false, 0x40800000, 0, 0, S_TWO, 0),
    ANY(SQRT, true, 1, 0, 0, 0x1e60000000000000, 0), /* sqrt(2^-1074) = 2^-537 */
    ANY(SQRT, false, S_NZERO, 0, 0, S_NZERO, 0),
    ANY(SQRT, true, D_NZERO, 0, 0, D_NZERO, 0),
    ANY(SQRT, false, S_NONE, 0, 0, S_CNAN, NV),
    ANY(SQRT, true, 0x8000000000000001, 0, 0, D_CNAN, NV),
    ANY(SQRT, false, S_INF, 0, 0, S_INF, 0),
    ANY(SQRT, true, D_NINF, 0, 0, D_CNAN, NV),

    /* Fused multiply-add rounds once. a = 1 + 2^-30: a*a = 1 + 2^-29 + 2^-60 exactly, so
     * a*a - (1 + 2^-29) is 2^-60, where a separate multiply would round the 2^-60 away and give
     * 0. */
    ANY(MSUB, true, 0x3ff0000000400000, 0x3ff0000000400000, 0x3ff0000000800000, 0x3c30000000000000,
        0),
    ANY(MADD, true, 0x3ff0000000400000, 0x3ff0000000400000, 0xbff0000000800000, 0x3c30000000000000,
        0),
    ANY(NMSUB, true, 0x3ff0000000400000, 0x3ff0000000400000, 0x3ff0000000800000, 0xbc30000000000000,
        0),
    /* -(a*a) - (1 + 2^-29) = -(2 + 2^-28 + 2^-60); 2^-60 is far below half an ulp (2^-52). */
    ALL5(NMADD, true, 0x3ff0000000400000, 0x3ff0000000400000, 0x3ff0000000800000,
         0xc000000000800000, 0xc000000000800000, 0xc000000000800001, 0xc000000000800000,
         0xc000000000800000, NX),
    /* binary32: a = 1 + 2^-12, a*a = 1 + 2^-11 + 2^-24. Unfused RNE would round the product to
     * 1 + 2^-11 (a tie, to even) and give 0. */
    ANY(MSUB, false, 0x3f800800, 0x3f800800, 0x3f801000, 0x33800000, 0),
    /* The product alone (addend +0) is that tie. */
    ALL5(MADD, false, 0x3f800800, 0x3f800800, 0, 0x3f801000, 0x3f801000, 0x3f801000, 0x3f801001,
         0x3f801001, NX),
    /* a*a + 1 = 2 + 2^-11 + 2^-24: a quarter ulp above 0x40000800. */
    ALL5(MADD, false, 0x3f800800, 0x3f800800, S_ONE, 0x40000800, 0x40000800, 0x40000800, 0x40000801,
         0x40000800, NX),
    /* 2*max - max is exactly max: no intermediate overflow. */
    ANY(MADD, true, D_MAX, D_TWO, D_NMAX, D_MAX, 0),
    /* A tiny addend only contributes a sticky bit, also when it is subtracted. */
    ALL5(MADD, true, D_ONE, D_ONE, 1, D_ONE, D_ONE, D_ONE, 0x3ff0000000000001, D_ONE, NX),
    ALL5(MADD, true, D_ONE, D_ONE, 0x8000000000000001, D_ONE, 0x3fefffffffffffff,
         0x3fefffffffffffff, D_ONE, D_ONE, NX),
    /* Zero results and signs: 1*1 - 1 = +0 (-0 in RDN); -(0*1) - 0 = -0 + -0 = -0. */
    ALL5(MADD, true, D_ONE, D_ONE, D_NONE, 0, 0, D_NZERO, 0, 0, 0),
    ALL5(MADD, false, 0, S_ONE, S_NZERO, 0, 0, S_NZERO, 0, 0, 0),
    ANY(NMADD, true, 0, D_ONE, 0, D_NZERO, 0),
    ALL5(NMSUB, false, 0, S_ONE, 0, 0, 0, S_NZERO, 0, 0, 0), /* -0 + +0 */
    ANY(MADD, false, S_MINNORM, S_HALF, 0, 0x00400000, 0),
    /* Invalid: inf*0 raises NV even with a quiet NaN addend (RISC-V's choice). */
    ANY(MADD, false, S_INF, 0, S_CNAN, S_CNAN, NV),
    ANY(MADD, true, 0, D_NINF, 0x7ff8000000000abc, D_CNAN, NV),
    ANY(MADD, false, 0, S_INF, S_ONE, S_CNAN, NV),
    ANY(MADD, true, D_INF, D_ONE, D_NINF, D_CNAN, NV),
    ANY(MSUB, true, D_INF, D_ONE, D_INF, D_CNAN, NV),
    ANY(MADD, false, S_CNAN, 0, S_INF, S_CNAN, 0),
    ANY(MADD, false, S_ONE, S_ONE, S_SNAN, S_CNAN, NV),
    ANY(NMADD, true, D_SNAN, D_ONE, D_ONE, D_CNAN, NV),
    ANY(MADD, true, D_INF, D_TWO, D_ONE, D_INF, 0),
    ANY(NMADD, true, D_INF, D_TWO, D_ONE, D_NINF, 0),
    ANY(MADD, true, D_ONE, D_ONE, D_NINF, D_NINF, 0),

    /* binary64 -> binary32. */
    ALL5(CVT_S_D, true, 0x3fd5555555555555, 0, 0, 0x3eaaaaab, 0x3eaaaaaa, 0x3eaaaaaa, 0x3eaaaaab,
         0x3eaaaaab, NX),
    ALL5(CVT_S_D, true, 0x3ff0000010000000, 0, 0, S_ONE, S_ONE, S_ONE, 0x3f800001, 0x3f800001,
         NX), /* 1 + 2^-24: tie */
    ALL5(CVT_S_D, true, D_MAX, 0, 0, S_INF, S_MAX, S_MAX, S_INF, S_INF, OF | NX),
    ALL5(CVT_S_D, true, D_NMAX, 0, 0, S_NINF, 0xff7fffff, S_NINF, 0xff7fffff, S_NINF, OF | NX),
    /* (1 - 2^-25) * 2^-126 and (1 - 2^-24) * 2^-126, as in the MUL cases above. */
    V(CVT_S_D, true, RNE, 0x380ffffff0000000, 0, 0, 0x00800000, NX),
    V(CVT_S_D, true, RTZ, 0x380ffffff0000000, 0, 0, 0x007fffff, UF | NX),
    V(CVT_S_D, true, RDN, 0x380ffffff0000000, 0, 0, 0x007fffff, UF | NX),
    V(CVT_S_D, true, RUP, 0x380ffffff0000000, 0, 0, 0x00800000, NX),
    V(CVT_S_D, true, RMM, 0x380ffffff0000000, 0, 0, 0x00800000, NX),
    ALL5(CVT_S_D, true, 0x380fffffe0000000, 0, 0, 0x00800000, 0x007fffff, 0x007fffff, 0x00800000,
         0x00800000, UF | NX),
    ALL5(CVT_S_D, true, 1, 0, 0, 0, 0, 0, 1, 0, UF | NX),
    ANY(CVT_S_D, true, 0x36a0000000000000, 0, 0, 1, 0), /* 2^-149 exactly */
    ANY(CVT_S_D, true, D_ONE, 0, 0, S_ONE, 0),
    ANY(CVT_S_D, true, D_NZERO, 0, 0, S_NZERO, 0),
    ANY(CVT_S_D, true, D_NINF, 0, 0, S_NINF, 0),
    ANY(CVT_S_D, true, D_SNAN, 0, 0, S_CNAN, NV),
    ANY(CVT_S_D, true, 0xfff8000000000000, 0, 0, S_CNAN, 0),

    /* binary32 -> binary64 is always exact. */
    ANY(CVT_D_S, false, 0x3eaaaaab, 0, 0, 0x3fd5555560000000, 0),
    ANY(CVT_D_S, false, 1, 0, 0, 0x36a0000000000000, 0),
    ANY(CVT_D_S, false, 0x807fffff, 0, 0, 0xb80fffffc0000000, 0),
    ANY(CVT_D_S, false, S_NZERO, 0, 0, D_NZERO, 0),
    ANY(CVT_D_S, false, S_NINF, 0, 0, D_NINF, 0),
    ANY(CVT_D_S, false, S_SNAN, 0, 0, D_CNAN, NV),
    ANY(CVT_D_S, false, 0xffc00000, 0, 0, D_CNAN, 0),
};

/* The public entry point for op. Single operands are boxed here and the result unboxed after
 * checking that it is properly boxed. */
static uint64_t run_public(const struct vec *v, uint32_t *fl)
{
    uint64_t a = v->dbl ? v->a : box((uint32_t)v->a);
    uint64_t b = v->dbl ? v->b : box((uint32_t)v->b);
    uint64_t c = v->dbl ? v->c : box((uint32_t)v->c);
    uint64_t r;
    bool result_single = v->op == CVT_S_D || (!v->dbl && v->op != CVT_D_S);

    if (v->dbl) {
        switch (v->op) {
        case ADD:
            r = rv_fpu_add_d(a, b, v->rm, fl);
            break;
        case SUB:
            r = rv_fpu_sub_d(a, b, v->rm, fl);
            break;
        case MUL:
            r = rv_fpu_mul_d(a, b, v->rm, fl);
            break;
        case DIV:
            r = rv_fpu_div_d(a, b, v->rm, fl);
            break;
        case SQRT:
            r = rv_fpu_sqrt_d(a, v->rm, fl);
            break;
        case MADD:
            r = rv_fpu_madd_d(a, b, c, v->rm, fl);
            break;
        case MSUB:
            r = rv_fpu_msub_d(a, b, c, v->rm, fl);
            break;
        case NMSUB:
            r = rv_fpu_nmsub_d(a, b, c, v->rm, fl);
            break;
        case NMADD:
            r = rv_fpu_nmadd_d(a, b, c, v->rm, fl);
            break;
        default:
            r = rv_fpu_cvt_s_d(a, v->rm, fl);
            break;
        }
    } else {
        switch (v->op) {
        case ADD:
            r = rv_fpu_add_s(a, b, v->rm, fl);
            break;
        case SUB:
            r = rv_fpu_sub_s(a, b, v->rm, fl);
            break;
        case MUL:
            r = rv_fpu_mul_s(a, b, v->rm, fl);
            break;
        case DIV:
            r = rv_fpu_div_s(a, b, v->rm, fl);
            break;
        case SQRT:
            r = rv_fpu_sqrt_s(a, v->rm, fl);
            break;
        case MADD:
            r = rv_fpu_madd_s(a, b, c, v->rm, fl);
            break;
        case MSUB:
            r = rv_fpu_msub_s(a, b, c, v->rm, fl);
            break;
        case NMSUB:
            r = rv_fpu_nmsub_s(a, b, c, v->rm, fl);
            break;
        case NMADD:
            r = rv_fpu_nmadd_s(a, b, c, v->rm, fl);
            break;
        default:
            r = rv_fpu_cvt_d_s(a, v->rm, fl);
            break;
        }
    }
    if (result_single) {
        if ((r >> 32) != 0xffffffffu)
            return 0xbad0bad0bad0bad0ull; /* not NaN-boxed: never an expected value */
        r = (uint32_t)r;
    }
    return r;
}

/* The same operation through the soft core only. */
static uint64_t run_soft(const struct vec *v, uint32_t *fl)
{
    enum rv_softfp_fmt f = v->dbl ? RV_SOFTFP_D : RV_SOFTFP_S;
    uint64_t sign = v->dbl ? 1ull << 63 : 1ull << 31;

    switch (v->op) {
    case ADD:
        return rv_softfp_add(f, v->a, v->b, v->rm, fl);
    case SUB:
        return rv_softfp_add(f, v->a, v->b ^ sign, v->rm, fl);
    case MUL:
        return rv_softfp_mul(f, v->a, v->b, v->rm, fl);
    case DIV:
        return rv_softfp_div(f, v->a, v->b, v->rm, fl);
    case SQRT:
        return rv_softfp_sqrt(f, v->a, v->rm, fl);
    case MADD:
        return rv_softfp_fma(f, v->a, v->b, v->c, v->rm, fl);
    case MSUB:
        return rv_softfp_fma(f, v->a, v->b, v->c ^ sign, v->rm, fl);
    case NMSUB:
        return rv_softfp_fma(f, v->a ^ sign, v->b, v->c, v->rm, fl);
    case NMADD:
        return rv_softfp_fma(f, v->a ^ sign, v->b, v->c ^ sign, v->rm, fl);
    case CVT_S_D:
        return rv_softfp_convert(RV_SOFTFP_S, RV_SOFTFP_D, v->a, v->rm, fl);
    default:
        return rv_softfp_convert(RV_SOFTFP_D, RV_SOFTFP_S, v->a, v->rm, fl);
    }
}

static int check_result(const char *path, int line, unsigned rm, uint64_t got, uint32_t got_fl,
                        uint64_t expect, uint32_t expect_fl)
{
    if (got == expect && got_fl == expect_fl)
        return 0;
    print_message("line %d rm %u (%s): got %#llx flags %#x, expected %#llx flags %#x\n", line, rm,
                  path, (unsigned long long)got, got_fl, (unsigned long long)expect, expect_fl);
    return 1;
}

/* Runs every vector on both paths, once with fflags clear and once with NX already accrued
 * (which enables the RNE fast path for more operations). */
static int check_vectors(void)
{
    int failures = 0;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        const struct vec *v = &vectors[i];
        for (uint32_t initial = 0; initial <= NX; initial += NX) {
            uint32_t fl = initial;
            uint64_t r = run_public(v, &fl);
            failures +=
                check_result("public", v->line, v->rm, r, fl, v->expect, v->flags | initial);
            fl = initial;
            r = run_soft(v, &fl);
            failures += check_result("soft", v->line, v->rm, r, fl, v->expect, v->flags | initial);
        }
    }
    return failures;
}

static void test_arith_vectors(void **state)
{
    (void)state;
    assert_int_equal(check_vectors(), 0);
}

/* The results must not depend on the host's rounding mode: in a non-default host mode the fast
 * path must notice and step aside. */
static void test_arith_vectors_host_modes(void **state)
{
    (void)state;
    static const int modes[] = {FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        assert_int_equal(fesetround(modes[i]), 0);
        int failures = check_vectors();
        assert_int_equal(fegetround(), modes[i]);
        fesetround(FE_TONEAREST);
        assert_int_equal(failures, 0);
    }
}

/* ---- conversions to and from integers --------------------------------------------------- */

enum int_kind { W, WU, L, LU };

struct int_vec {
    int line;
    enum int_kind kind;
    bool dbl;
    unsigned rm;
    uint64_t f; /* float operand (to-int) or result (from-int), unboxed */
    uint64_t x; /* x-register value */
    uint32_t flags;
};

#define I(kind, dbl, rm, f, x, fl)                                                                 \
    {                                                                                              \
        __LINE__, kind, dbl, rm, f, x, fl                                                          \
    }
#define I5(kind, dbl, f, rne, rtz, rdn, rup, rmm, fl)                                              \
    I(kind, dbl, RNE, f, rne, fl), I(kind, dbl, RTZ, f, rtz, fl), I(kind, dbl, RDN, f, rdn, fl),   \
        I(kind, dbl, RUP, f, rup, fl), I(kind, dbl, RMM, f, rmm, fl)
#define IANY(kind, dbl, f, x, fl) I5(kind, dbl, f, x, x, x, x, x, fl)

#define SX32(v) ((uint64_t)(int64_t)(int32_t)(v))

static const struct int_vec to_int_vectors[] = {
    /* 2.5 and -2.5: ties; RNE to even, RMM away. */
    I5(W, true, 0x4004000000000000, 2, 2, 2, 3, 3, NX),
    I5(W, true, 0xc004000000000000, SX32(-2), SX32(-2), SX32(-3), SX32(-2), SX32(-3), NX),
    I5(L, false, 0x40200000, 2, 2, 2, 3, 3, NX),
    I5(W, true, 0x400c000000000000, 4, 3, 3, 4, 4, NX), /* 3.5 */
    I5(W, true, D_HALF, 0, 0, 0, 1, 1, NX),
    I5(W, true, 0xbfe0000000000000, 0, 0, SX32(-1), 0, SX32(-1), NX),
    I5(L, true, 1, 0, 0, 0, 1, 0, NX),                      /* 2^-1074 */
    I5(L, true, 0x8000000000000001, 0, 0, ~0ull, 0, 0, NX), /* -2^-1074 */
    I5(W, false, 0x3e800000, 0, 0, 0, 1, 0, NX),            /* 0.25 */
    I5(W, false, 0x3f400000, 1, 0, 0, 1, 1, NX),            /* 0.75 */
    IANY(W, true, D_ONE, 1, 0),
    IANY(W, true, D_NZERO, 0, 0),
    IANY(WU, true, D_NZERO, 0, 0),
    /* 2^31 - 0.5: RNE's tie goes to even 2^31, out of range. */
    I(W, true, RNE, 0x41dfffffffe00000, INT32_MAX, NV),
    I(W, true, RTZ, 0x41dfffffffe00000, INT32_MAX, NX),
    I(W, true, RDN, 0x41dfffffffe00000, INT32_MAX, NX),
    I(W, true, RUP, 0x41dfffffffe00000, INT32_MAX, NV),
    I(W, true, RMM, 0x41dfffffffe00000, INT32_MAX, NV),
    /* -2^31 - 0.5: RNE's tie goes to even -2^31, in range. */
    I(W, true, RNE, 0xc1e0000000100000, SX32(INT32_MIN), NX),
    I(W, true, RTZ, 0xc1e0000000100000, SX32(INT32_MIN), NX),
    I(W, true, RDN, 0xc1e0000000100000, SX32(INT32_MIN), NV),
    I(W, true, RUP, 0xc1e0000000100000, SX32(INT32_MIN), NX),
    I(W, true, RMM, 0xc1e0000000100000, SX32(INT32_MIN), NV),
    IANY(W, true, 0xc1e0000000000000, SX32(INT32_MIN), 0),
    IANY(W, true, 0x41e0000000000000, INT32_MAX, NV),
    /* NaN of either sign -> largest positive; infinities saturate; NV, never NX. */
    IANY(W, true, D_CNAN, INT32_MAX, NV),
    IANY(W, true, 0xfff8000000000000, INT32_MAX, NV),
    IANY(W, false, S_SNAN, INT32_MAX, NV),
    IANY(W, true, D_INF, INT32_MAX, NV),
    IANY(W, true, D_NINF, SX32(INT32_MIN), NV),
    IANY(W, false, S_MAX, INT32_MAX, NV),
    /* Unsigned word: negative values that round to 0 are fine, others are invalid. */
    IANY(WU, true, D_NONE, 0, NV),
    IANY(WU, true, 0x41efffffffe00000, ~0ull, 0),              /* 2^32-1, sign-extended */
    IANY(WU, true, 0x41e65a0bc0000000, 0xffffffffb2d05e00, 0), /* 3e9 */
    IANY(WU, true, 0x41f0000000000000, ~0ull, NV),             /* 2^32 */
    IANY(WU, true, D_CNAN, ~0ull, NV),
    IANY(WU, true, D_INF, ~0ull, NV),
    IANY(WU, false, S_NINF, 0, NV),
    /* Doublewords. */
    IANY(L, true, 0x43e0000000000000, INT64_MAX, NV),         /* 2^63 */
    IANY(L, true, 0xc3e0000000000000, 0x8000000000000000, 0), /* -2^63 */
    IANY(L, true, 0x43dfffffffffffff, 0x7ffffffffffffc00, 0), /* 2^63 - 1024 */
    IANY(L, false, 0xdf000000, 0x8000000000000000, 0),        /* -2^63 */
    IANY(L, false, 0x5f000000, INT64_MAX, NV),                /* 2^63 */
    IANY(L, true, D_NINF, 0x8000000000000000, NV),
    IANY(L, true, D_SNAN, INT64_MAX, NV),
    IANY(L, true, 0x7e37e43c8800759c, INT64_MAX, NV),          /* 1e300 */
    IANY(LU, true, 0x43efffffffffffff, 0xfffffffffffff800, 0), /* 2^64 - 2048 */
    IANY(LU, false, 0x5f7fffff, 0xffffff0000000000, 0),        /* 2^64 - 2^40 */
    IANY(LU, true, 0x43f0000000000000, ~0ull, NV),             /* 2^64 */
    IANY(LU, false, 0x5f800000, ~0ull, NV),
    IANY(LU, true, D_NONE, 0, NV),
    IANY(LU, true, D_CNAN, ~0ull, NV),
    I5(LU, true, 0x4004000000000000, 2, 2, 2, 3, 3, NX),
};

static const struct int_vec wu_negative_half[] = {
    /* -0.5 rounds to -0 (fine, NX) except in RDN and RMM, where -1 is out of range. */
    I(WU, true, RNE, 0xbfe0000000000000, 0, NX), I(WU, true, RTZ, 0xbfe0000000000000, 0, NX),
    I(WU, true, RUP, 0xbfe0000000000000, 0, NX), I(WU, true, RDN, 0xbfe0000000000000, 0, NV),
    I(WU, true, RMM, 0xbfe0000000000000, 0, NV), I(LU, true, RDN, 0xbfe0000000000000, 0, NV),
    I(LU, true, RNE, 0xbfe0000000000000, 0, NX),
};

static const struct int_vec from_int_vectors[] = {
    /* 2^24 + 1: tie between 2^24 (even) and 2^24 + 2. */
    I5(W, false, 0, 0x4b800000, 0x4b800000, 0x4b800000, 0x4b800001, 0x4b800001, NX),
    /* 2^24 + 3: tie between odd 0x4b800001 and even 0x4b800002. */
    I5(W, false, 0, 0x4b800002, 0x4b800001, 0x4b800001, 0x4b800002, 0x4b800002, NX),
    I5(W, false, 0, 0xcb800000, 0xcb800000, 0xcb800001, 0xcb800000, 0xcb800001, NX),
    IANY(W, false, 0, 0xbf800000, 0), /* only the low 32 bits count */
    IANY(W, true, 0, 0xc014000000000000, 0),
    IANY(W, true, 0, 0xc1e0000000000000, 0), /* INT32_MIN */
    I5(WU, false, 0, 0x4f800000, 0x4f7fffff, 0x4f7fffff, 0x4f800000, 0x4f800000, NX),
    IANY(WU, true, 0, 0x41e0000000000000, 0),
    IANY(WU, true, 0, 0x41efffffffe00000, 0),
    I5(L, true, 0, 0x4340000000000000, 0x4340000000000000, 0x4340000000000000, 0x4340000000000001,
       0x4340000000000001, NX),
    IANY(L, true, 0, 0xc3e0000000000000, 0),
    IANY(L, false, 0, 0, 0),
    I5(L, false, 0, 0x5f000000, 0x5effffff, 0x5effffff, 0x5f000000, 0x5f000000, NX),
    I5(LU, true, 0, 0x43f0000000000000, 0x43efffffffffffff, 0x43efffffffffffff, 0x43f0000000000000,
       0x43f0000000000000, NX),
    I5(LU, false, 0, 0x5f800000, 0x5f7fffff, 0x5f7fffff, 0x5f800000, 0x5f800000, NX),
    IANY(LU, true, 0, 0x43e0000000000000, 0),
};

/* The integer operand of from_int_vectors, in table order (kept apart so the rows stay short). */
static const uint64_t from_int_inputs[] = {
    16777217,           16777219,           (uint64_t)-16777217, 0x12345678ffffffff,
    (uint64_t)-5,       0x80000000,         0xffffffff,          0xffffffff80000000,
    0xffffffff,         9007199254740993,   0x8000000000000000,  0,
    0x7fffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff,  0x8000000000000000,
};

static uint64_t to_int(const struct int_vec *v, uint32_t *fl)
{
    uint64_t a = v->dbl ? v->f : box((uint32_t)v->f);
    switch (v->kind) {
    case W:
        return v->dbl ? rv_fpu_cvt_w_d(a, v->rm, fl) : rv_fpu_cvt_w_s(a, v->rm, fl);
    case WU:
        return v->dbl ? rv_fpu_cvt_wu_d(a, v->rm, fl) : rv_fpu_cvt_wu_s(a, v->rm, fl);
    case L:
        return v->dbl ? rv_fpu_cvt_l_d(a, v->rm, fl) : rv_fpu_cvt_l_s(a, v->rm, fl);
    default:
        return v->dbl ? rv_fpu_cvt_lu_d(a, v->rm, fl) : rv_fpu_cvt_lu_s(a, v->rm, fl);
    }
}

static void check_to_int(const struct int_vec *v, size_t n)
{
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t fl = 0;
        uint64_t r = to_int(&v[i], &fl);
        failures += check_result("to-int", v[i].line, v[i].rm, r, fl, v[i].x, v[i].flags);
    }
    assert_int_equal(failures, 0);
}

static void test_to_int(void **state)
{
    (void)state;
    check_to_int(to_int_vectors, sizeof(to_int_vectors) / sizeof(to_int_vectors[0]));
    check_to_int(wu_negative_half, sizeof(wu_negative_half) / sizeof(wu_negative_half[0]));
}

static void test_from_int(void **state)
{
    (void)state;
    int failures = 0;
    size_t row = 0;
    for (size_t i = 0; i < sizeof(from_int_vectors) / sizeof(from_int_vectors[0]); i++) {
        const struct int_vec *v = &from_int_vectors[i];
        /* Rows from I5 come in groups of five sharing one input. */
        if (i > 0 && v->line != from_int_vectors[i - 1].line)
            row++;
        assert_true(row < sizeof(from_int_inputs) / sizeof(from_int_inputs[0]));
        uint64_t x = from_int_inputs[row], r;
        uint32_t fl = 0;
        switch (v->kind) {
        case W:
            r = v->dbl ? rv_fpu_cvt_d_w(x, v->rm, &fl) : rv_fpu_cvt_s_w(x, v->rm, &fl);
            break;
        case WU:
            r = v->dbl ? rv_fpu_cvt_d_wu(x, v->rm, &fl) : rv_fpu_cvt_s_wu(x, v->rm, &fl);
            break;
        case L:
            r = v->dbl ? rv_fpu_cvt_d_l(x, v->rm, &fl) : rv_fpu_cvt_s_l(x, v->rm, &fl);
            break;
        default:
            r = v->dbl ? rv_fpu_cvt_d_lu(x, v->rm, &fl) : rv_fpu_cvt_s_lu(x, v->rm, &fl);
            break;
        }
        if (!v->dbl) {
            if ((r >> 32) != 0xffffffffu)
                r = 0xbad0bad0bad0bad0ull;
            else
                r = (uint32_t)r;
        }
        failures += check_result("from-int", v->line, v->rm, r, fl, v->x, v->flags);
    }
    assert_int_equal(row + 1, sizeof(from_int_inputs) / sizeof(from_int_inputs[0]));
    assert_int_equal(failures, 0);
}

/* ---- NaN boxing ------------------------------------------------------------------------- */

static void test_nan_boxing(void **state)
{
    (void)state;
    uint32_t fl = 0;
    const uint64_t unboxed_one = S_ONE;                 /* upper half zero */
    const uint64_t half_boxed_one = 0xfffffffe3f800000; /* one upper bit clear */

    assert_int_equal(rv_fpu_box_s(0x12345678), 0xffffffff12345678);
    assert_int_equal(rv_fpu_unbox_s(0xffffffff12345678), 0x12345678);
    assert_int_equal(rv_fpu_unbox_s(unboxed_one), S_CNAN);
    assert_int_equal(rv_fpu_unbox_s(half_boxed_one), S_CNAN);
    assert_int_equal(rv_fpu_unbox_s(D_ONE), S_CNAN);

    /* An improperly boxed operand is the canonical (quiet) NaN: NaN result, no NV. */
    assert_int_equal(rv_fpu_add_s(unboxed_one, box(S_ONE), RNE, &fl), box(S_CNAN));
    assert_int_equal(rv_fpu_mul_s(box(S_ONE), half_boxed_one, RMM, &fl), box(S_CNAN));
    assert_int_equal(rv_fpu_madd_s(box(S_ONE), box(S_ONE), unboxed_one, RNE, &fl), box(S_CNAN));
    assert_int_equal(rv_fpu_sqrt_s(D_ONE, RNE, &fl), box(S_CNAN));
    assert_int_equal(fl, 0);
    /* ... and -(canonical NaN) for the negated fused forms is still a NaN result. */
    assert_int_equal(rv_fpu_nmadd_s(unboxed_one, box(S_ONE), box(S_ONE), RNE, &fl), box(S_CNAN));
    assert_int_equal(fl, 0);

    assert_int_equal(rv_fpu_class_s(unboxed_one), RV_FCLASS_QNAN);
    assert_int_equal(rv_fpu_min_s(unboxed_one, box(S_TWO), &fl), box(S_TWO));
    assert_int_equal(rv_fpu_max_s(box(S_NONE), half_boxed_one, &fl), box(S_NONE));
    assert_int_equal(rv_fpu_eq_s(unboxed_one, unboxed_one, &fl), 0);
    assert_int_equal(fl, 0);
    assert_int_equal(rv_fpu_le_s(unboxed_one, box(S_ONE), &fl), 0);
    assert_int_equal(fl, NV);
    fl = 0;
    assert_int_equal(rv_fpu_cvt_d_s(unboxed_one, RNE, &fl), D_CNAN);
    assert_int_equal(fl, 0);
    assert_int_equal(rv_fpu_cvt_w_s(unboxed_one, RNE, &fl), INT32_MAX);
    assert_int_equal(fl, NV);

    /* Sign injection works on the unboxed values: canonical NaN with the injected sign. */
    assert_int_equal(rv_fpu_sgnj_s(unboxed_one, box(S_NONE)), box(0xffc00000));
    assert_int_equal(rv_fpu_sgnjn_s(box(S_ONE), unboxed_one), box(S_NONE));
    assert_int_equal(rv_fpu_sgnjx_s(box(S_NONE), unboxed_one), box(S_NONE));

    /* Double results are never boxed; single results always are. */
    fl = 0;
    assert_int_equal(rv_fpu_cvt_s_w(0, RNE, &fl), 0xffffffff00000000);
    assert_int_equal(rv_fpu_cvt_s_d(D_ONE, RNE, &fl), box(S_ONE));
    assert_int_equal(rv_fpu_add_s(box(S_ONE), box(S_ONE), RTZ, &fl), box(S_TWO));
    assert_int_equal(rv_fpu_add_d(D_ONE, D_ONE, RTZ, &fl), D_TWO);
    assert_int_equal(fl, 0);
}

/* ---- min/max, compares, sign injection, fclass ------------------------------------------ */

static void test_min_max(void **state)
{
    (void)state;
    uint32_t fl = 0;

    /* -0.0 < +0.0, in both operand orders. */
    assert_int_equal(rv_fpu_min_d(0, D_NZERO, &fl), D_NZERO);
    assert_int_equal(rv_fpu_min_d(D_NZERO, 0, &fl), D_NZERO);
    assert_int_equal(rv_fpu_max_d(0, D_NZERO, &fl), 0);
    assert_int_equal(rv_fpu_max_d(D_NZERO, 0, &fl), 0);
    assert_int_equal(rv_fpu_min_s(box(0), box(S_NZERO), &fl), box(S_NZERO));
    assert_int_equal(rv_fpu_max_s(box(S_NZERO), box(0), &fl), box(0));
    /* Ordinary ordering, including negatives and infinities. */
    assert_int_equal(rv_fpu_min_d(D_ONE, D_TWO, &fl), D_ONE);
    assert_int_equal(rv_fpu_max_d(D_ONE, D_TWO, &fl), D_TWO);
    assert_int_equal(rv_fpu_min_d(D_NONE, 0xc000000000000000, &fl), 0xc000000000000000);
    assert_int_equal(rv_fpu_max_d(D_NONE, 0xc000000000000000, &fl), D_NONE);
    assert_int_equal(rv_fpu_min_s(box(S_NINF), box(S_MAX), &fl), box(S_NINF));
    assert_int_equal(rv_fpu_max_s(box(S_NONE), box(S_ONE), &fl), box(S_ONE));
    assert_int_equal(rv_fpu_min_s(box(S_NONE), box(S_ONE), &fl), box(S_NONE));
    assert_int_equal(rv_fpu_max_d(D_INF, D_MAX, &fl), D_INF);
    /* One quiet NaN: the other operand, no flag. */
    assert_int_equal(rv_fpu_min_d(D_CNAN, D_ONE, &fl), D_ONE);
    assert_int_equal(rv_fpu_min_d(D_ONE, 0xfff8000000000000, &fl), D_ONE);
    assert_int_equal(rv_fpu_max_s(box(S_CNAN), box(S_NONE), &fl), box(S_NONE));
    assert_int_equal(fl, 0);
    /* Both NaN: canonical NaN. */
    assert_int_equal(rv_fpu_max_d(0x7ff8000000000001, 0xfff8000000000000, &fl), D_CNAN);
    assert_int_equal(rv_fpu_min_s(box(0xffc00001), box(S_CNAN), &fl), box(S_CNAN));
    assert_int_equal(fl, 0);
    /* A signaling NaN raises NV even though the result is the other operand. */
    assert_int_equal(rv_fpu_min_d(D_SNAN, D_ONE, &fl), D_ONE);
    assert_int_equal(fl, NV);
    fl = 0;
    assert_int_equal(rv_fpu_max_s(box(S_ONE), box(S_SNAN), &fl), box(S_ONE));
    assert_int_equal(fl, NV);
    fl = 0;
    assert_int_equal(rv_fpu_max_d(D_SNAN, D_CNAN, &fl), D_CNAN);
    assert_int_equal(fl, NV);
}

static void test_compare(void **state)
{
    (void)state;
    uint32_t fl = 0;

    assert_int_equal(rv_fpu_eq_d(D_ONE, D_ONE, &fl), 1);
    assert_int_equal(rv_fpu_eq_d(D_ONE, D_TWO, &fl), 0);
    assert_int_equal(rv_fpu_eq_d(0, D_NZERO, &fl), 1);
    assert_int_equal(rv_fpu_eq_s(box(S_NZERO), box(0), &fl), 1);
    assert_int_equal(rv_fpu_lt_d(D_NZERO, 0, &fl), 0);
    assert_int_equal(rv_fpu_lt_s(box(S_NZERO), box(0), &fl), 0);
    assert_int_equal(rv_fpu_le_d(D_NZERO, 0, &fl), 1);
    assert_int_equal(rv_fpu_le_s(box(0), box(S_NZERO), &fl), 1);
    assert_int_equal(rv_fpu_lt_d(0xc000000000000000, D_NONE, &fl), 1);
    assert_int_equal(rv_fpu_lt_d(D_NONE, 0xc000000000000000, &fl), 0);
    assert_int_equal(rv_fpu_lt_s(box(S_NONE), box(S_ONE), &fl), 1);
    assert_int_equal(rv_fpu_lt_s(box(S_ONE), box(S_NONE), &fl), 0);
    assert_int_equal(rv_fpu_lt_s(box(S_ONE), box(S_TWO), &fl), 1);
    assert_int_equal(rv_fpu_lt_d(D_TWO, D_TWO, &fl), 0);
    assert_int_equal(rv_fpu_le_d(D_TWO, D_TWO, &fl), 1);
    assert_int_equal(rv_fpu_le_d(D_TWO, D_ONE, &fl), 0);
    assert_int_equal(rv_fpu_lt_d(D_NINF, D_INF, &fl), 1);
    assert_int_equal(rv_fpu_le_s(box(S_NINF), box(0x80000001), &fl), 1);
    assert_int_equal(fl, 0);

    /* feq is quiet: a quiet NaN gives 0 without NV, a signaling NaN raises NV. */
    assert_int_equal(rv_fpu_eq_d(D_CNAN, D_CNAN, &fl), 0);
    assert_int_equal(rv_fpu_eq_s(box(S_ONE), box(S_CNAN), &fl), 0);
    assert_int_equal(fl, 0);
    assert_int_equal(rv_fpu_eq_d(D_ONE, D_SNAN, &fl), 0);
    assert_int_equal(fl, NV);
    fl = 0;
    assert_int_equal(rv_fpu_eq_s(box(S_SNAN), box(S_SNAN), &fl), 0);
    assert_int_equal(fl, NV);
    /* flt/fle signal on any NaN. */
    fl = 0;
    assert_int_equal(rv_fpu_lt_d(D_CNAN, D_ONE, &fl), 0);
    assert_int_equal(fl, NV);
    fl = 0;
    assert_int_equal(rv_fpu_le_s(box(S_ONE), box(S_CNAN), &fl), 0);
    assert_int_equal(fl, NV);
    fl = 0;
    assert_int_equal(rv_fpu_le_d(D_CNAN, D_CNAN, &fl), 0);
    assert_int_equal(fl, NV);
}

static void test_sign_injection(void **state)
{
    (void)state;
    assert_int_equal(rv_fpu_sgnj_d(D_ONE, D_NZERO), D_NONE);
    assert_int_equal(rv_fpu_sgnj_d(D_NONE, 0), D_ONE);
    assert_int_equal(rv_fpu_sgnjn_d(D_ONE, D_ONE), D_NONE);
    assert_int_equal(rv_fpu_sgnjn_d(D_ONE, D_NONE), D_ONE);
    assert_int_equal(rv_fpu_sgnjx_d(D_NONE, D_NONE), D_ONE);
    assert_int_equal(rv_fpu_sgnjx_d(D_NONE, D_ONE), D_NONE);
    /* NaNs pass through untouched apart from the sign (not canonicalized). */
    assert_int_equal(rv_fpu_sgnj_d(D_SNAN, D_NONE), 0xfff0000000000001);
    assert_int_equal(rv_fpu_sgnj_s(box(S_ONE), box(S_NZERO)), box(S_NONE));
    assert_int_equal(rv_fpu_sgnjn_s(box(S_NONE), box(S_NONE)), box(S_ONE));
    assert_int_equal(rv_fpu_sgnjx_s(box(S_NONE), box(S_NONE)), box(S_ONE));
    assert_int_equal(rv_fpu_sgnjx_s(box(S_SNAN), box(S_NONE)), box(0xff800001));
}

static void test_class(void **state)
{
    (void)state;
    static const struct {
        uint64_t d;
        uint32_t s;
        uint64_t mask;
    } cases[] = {
        {D_NINF, S_NINF, 1 << 0},
        {D_NONE, S_NONE, 1 << 1},
        {0xffefffffffffffff, 0xff7fffff, 1 << 1},
        {0x800fffffffffffff, 0x807fffff, 1 << 2},
        {0x8000000000000001, 0x80000001, 1 << 2},
        {D_NZERO, S_NZERO, 1 << 3},
        {0, 0, 1 << 4},
        {1, 1, 1 << 5},
        {0x000fffffffffffff, 0x007fffff, 1 << 5},
        {D_MINNORM, S_MINNORM, 1 << 6},
        {D_ONE, S_ONE, 1 << 6},
        {D_INF, S_INF, 1 << 7},
        {D_SNAN, S_SNAN, 1 << 8},
        {0xfff7ffffffffffff, 0xffbfffff, 1 << 8},
        {D_CNAN, S_CNAN, 1 << 9},
        {0xffffffffffffffff, 0xffffffff, 1 << 9},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(rv_fpu_class_d(cases[i].d), cases[i].mask);
        assert_int_equal(rv_fpu_class_s(box(cases[i].s)), cases[i].mask);
    }
}

/* ---- flags accrue, host environment untouched ------------------------------------------- */

static void test_flags_accrue(void **state)
{
    (void)state;
    uint32_t fl = DZ;
    rv_fpu_div_d(D_ONE, D_THREE, RNE, &fl);
    assert_int_equal(fl, DZ | NX);
    rv_fpu_div_s(box(S_ONE), box(S_THREE), RMM, &fl);
    rv_fpu_add_d(D_ONE, D_ONE, RNE, &fl);
    assert_int_equal(fl, DZ | NX);
}

/* The host's rounding mode is left alone, and so are host exception flags that were already
 * set (the RNE fast path may raise host flags, like any C floating-point expression). */
static void test_host_env_preserved(void **state)
{
    (void)state;
    uint32_t fl = 0;
    volatile double one = 1.0, three = 3.0;
    static const int modes[] = {FE_TONEAREST, FE_UPWARD};

    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        assert_int_equal(fesetround(modes[m]), 0);
        feclearexcept(FE_ALL_EXCEPT);
        feraiseexcept(FE_DIVBYZERO);
        /* Inexact, overflowing and invalid operations in every mode. */
        for (unsigned rm = 0; rm < 5; rm++) {
            rv_fpu_div_d(D_ONE, D_THREE, rm, &fl);
            rv_fpu_mul_s(box(S_MAX), box(S_MAX), rm, &fl);
            rv_fpu_sqrt_d(D_NONE, rm, &fl);
            rv_fpu_madd_d(D_MAX, D_MAX, D_ONE, rm, &fl);
            rv_fpu_add_d(D_ONE, D_THREE, rm, &fl);
            rv_fpu_cvt_w_d(D_CNAN, rm, &fl);
        }
        assert_int_equal(fegetround(), modes[m]);
        assert_true(fetestexcept(FE_DIVBYZERO));
        /* The C code's own arithmetic still rounds as it did: 1/3 ends in ...555 or ...556. */
        double third = one / three;
        uint64_t bits;
        __builtin_memcpy(&bits, &third, sizeof(bits));
        assert_int_equal(bits, modes[m] == FE_UPWARD ? 0x3fd5555555555556 : 0x3fd5555555555555);
    }
    fesetround(FE_TONEAREST);
    feclearexcept(FE_ALL_EXCEPT);
}

/* ---- randomized differential: host path vs soft core ------------------------------------ */

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64* */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

/* Operands biased towards the interesting places: exponents at the extremes and around the
 * other operand's, significands with long runs of ones or zeros, and the special values. */
static uint64_t random_operand(uint64_t *s, bool dbl, uint64_t near)
{
    const int mbits = dbl ? 52 : 23;
    const uint64_t emask = dbl ? 0x7ff : 0xff;
    const uint64_t mmask = (1ull << mbits) - 1;
    uint64_t r = rng_next(s);
    uint64_t sign = r & 1, exp, mant;

    switch ((r >> 1) & 7) {
    case 0: /* special: zero, inf, NaNs, extremes */
        exp = ((r >> 4) & 1) ? emask : 0;
        mant = ((r >> 5) & 3) == 0 ? 0 : ((r >> 5) & 3) == 1 ? 1 : mmask >> ((r >> 7) & 1);
        break;
    case 1: /* subnormal or smallest normals */
        exp = (r >> 4) & 1;
        mant = rng_next(s) & mmask;
        break;
    case 2: /* largest finite range */
        exp = emask - 1 - ((r >> 4) & 3);
        mant = rng_next(s) & mmask;
        break;
    case 3: /* near the other operand's exponent */
        exp = ((near >> mbits) & emask) + ((r >> 4) & 7) - 3;
        exp = exp >= emask ? emask - 1 : exp;
        mant = rng_next(s) & mmask;
        break;
    case 4: /* runs of ones/zeros */
        exp = (rng_next(s) % emask);
        mant = (mmask >> ((r >> 4) % (uint64_t)mbits)) << ((r >> 10) % 3);
        mant &= mmask;
        if ((r >> 14) & 1)
            mant = ~mant & mmask;
        break;
    default: /* anything finite */
        exp = rng_next(s) % emask;
        mant = rng_next(s) & mmask;
        break;
    }
    return (sign << (dbl ? 63 : 31)) | (exp << mbits) | mant;
}

static void test_random_differential(void **state)
{
    (void)state;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    const int iterations = 60000;
    const bool fma_on_host = rv_fpu_host_has_fma();
    int failures = 0;

    for (int dbl = 0; dbl < 2; dbl++) {
        for (int op = ADD; op <= MADD; op++) {
            for (int i = 0; i < iterations && failures < 10; i++) {
                struct vec v = {0};
                v.op = (enum op)op;
                v.dbl = dbl;
                v.rm = (unsigned)(i & 3); /* the host handles RNE..RUP */
                v.a = random_operand(&seed, dbl, 0);
                v.b = random_operand(&seed, dbl, v.a);
                v.c = random_operand(&seed, dbl, v.a);
                if (op == MADD && (i & 1)) {
                    /* addend close to -(a*b), to exercise cancellation */
                    uint32_t ignore = 0;
                    struct vec p = v;
                    p.op = MUL;
                    v.c = run_soft(&p, &ignore) ^ (dbl ? 1ull << 63 : 1ull << 31);
                    v.c += (rng_next(&seed) % 5) - 2;
                    v.c &= dbl ? ~0ull : 0xffffffffull;
                }
                if (op == MADD && !fma_on_host)
                    continue; /* both sides would be the soft core */
                /* With NX already accrued, the RNE fast path covers every operation. */
                uint32_t fl_pub = (i >> 2) & 1 ? NX : 0, fl_soft = fl_pub;
                uint64_t pub = run_public(&v, &fl_pub);
                uint64_t soft = run_soft(&v, &fl_soft);
                if (pub != soft || fl_pub != fl_soft) {
                    print_message("op %d %s rm %u a %#llx b %#llx c %#llx: host %#llx/%#x soft "
                                  "%#llx/%#x\n",
                                  op, dbl ? "d" : "s", v.rm, (unsigned long long)v.a,
                                  (unsigned long long)v.b, (unsigned long long)v.c,
                                  (unsigned long long)pub, fl_pub, (unsigned long long)soft,
                                  fl_soft);
                    failures++;
                }
            }
        }
    }
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arith_vectors),
        cmocka_unit_test(test_arith_vectors_host_modes),
        cmocka_unit_test(test_to_int),
        cmocka_unit_test(test_from_int),
        cmocka_unit_test(test_nan_boxing),
        cmocka_unit_test(test_min_max),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_sign_injection),
        cmocka_unit_test(test_class),
        cmocka_unit_test(test_flags_accrue),
        cmocka_unit_test(test_host_env_preserved),
        cmocka_unit_test(test_random_differential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
