/* RISC-V F/D operations that need no rounding hardware: min/max, compares, sign injection,
 * classify (pure bit logic, which also keeps the host's exception flags untouched), and the
 * conversions (integer code from fpu_soft.c). */
#include "cpu/riscv/fpu.h"

#include "cpu/riscv/fpu_bits.h"
#include "cpu/riscv/fpu_soft.h"

/* ---- min/max, compares, sign injection, classify: pure bit logic ------------------------ */

/* Maps a non-NaN encoding to an unsigned key with the same order as the value, -0 below +0. */
static inline uint64_t order_key(const struct fmt_bits *f, uint64_t v)
{
    return (v & f->sign) ? ~v & f->all : v | f->sign;
}

static inline uint64_t min_max(const struct fmt_bits *f, uint64_t a, uint64_t b, bool want_max,
                               uint32_t *fflags)
{
    bool a_nan = bits_is_nan(f, a), b_nan = bits_is_nan(f, b);

    if (bits_is_snan(f, a) || bits_is_snan(f, b))
        *fflags |= RV_FFLAG_NV;
    if (a_nan && b_nan)
        return f->canonical_nan;
    if (a_nan)
        return b;
    if (b_nan)
        return a;
    bool a_less = order_key(f, a) < order_key(f, b);
    return a_less != want_max ? a : b;
}

uint64_t rv_fpu_min_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return min_max(&FMT_D, a, b, false, fflags);
}

uint64_t rv_fpu_max_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return min_max(&FMT_D, a, b, true, fflags);
}

uint64_t rv_fpu_min_s(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return rv_fpu_box_s(
        (uint32_t)min_max(&FMT_S, rv_fpu_unbox_s(a), rv_fpu_unbox_s(b), false, fflags));
}

uint64_t rv_fpu_max_s(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return rv_fpu_box_s(
        (uint32_t)min_max(&FMT_S, rv_fpu_unbox_s(a), rv_fpu_unbox_s(b), true, fflags));
}

enum cmp_op { CMP_EQ, CMP_LT, CMP_LE };

static inline uint64_t compare(const struct fmt_bits *f, enum cmp_op op, uint64_t a, uint64_t b,
                               uint32_t *fflags)
{
    if (bits_is_nan(f, a) || bits_is_nan(f, b)) {
        /* feq is a quiet comparison, flt/fle are signaling (IEEE compareQuietEqual vs
         * compareSignalingLess/LessEqual). */
        if (op != CMP_EQ || bits_is_snan(f, a) || bits_is_snan(f, b))
            *fflags |= RV_FFLAG_NV;
        return 0;
    }
    bool both_zero = bits_is_zero(f, a) && bits_is_zero(f, b);
    switch (op) {
    case CMP_EQ:
        return a == b || both_zero;
    case CMP_LT:
        return !both_zero && order_key(f, a) < order_key(f, b);
    default:
        return both_zero || order_key(f, a) <= order_key(f, b);
    }
}

uint64_t rv_fpu_eq_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return compare(&FMT_D, CMP_EQ, a, b, fflags);
}

uint64_t rv_fpu_lt_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return compare(&FMT_D, CMP_LT, a, b, fflags);
}

uint64_t rv_fpu_le_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return compare(&FMT_D, CMP_LE, a, b, fflags);
}

uint64_t rv_fpu_eq_s(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return compare(&FMT_S, CMP_EQ, rv_fpu_unbox_s(a), rv_fpu_unbox_s(b), fflags);
}

uint64_t rv_fpu_lt_s(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return compare(&FMT_S, CMP_LT, rv_fpu_unbox_s(a), rv_fpu_unbox_s(b), fflags);
}

uint64_t rv_fpu_le_s(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return compare(&FMT_S, CMP_LE, rv_fpu_unbox_s(a), rv_fpu_unbox_s(b), fflags);
}

uint64_t rv_fpu_sgnj_d(uint64_t a, uint64_t b)
{
    return (a & ~FMT_D.sign) | (b & FMT_D.sign);
}

uint64_t rv_fpu_sgnjn_d(uint64_t a, uint64_t b)
{
    return (a & ~FMT_D.sign) | (~b & FMT_D.sign);
}

uint64_t rv_fpu_sgnjx_d(uint64_t a, uint64_t b)
{
    return a ^ (b & FMT_D.sign);
}

uint64_t rv_fpu_sgnj_s(uint64_t a, uint64_t b)
{
    uint32_t x = rv_fpu_unbox_s(a), y = rv_fpu_unbox_s(b);
    return rv_fpu_box_s((x & 0x7fffffffu) | (y & 0x80000000u));
}

uint64_t rv_fpu_sgnjn_s(uint64_t a, uint64_t b)
{
    uint32_t x = rv_fpu_unbox_s(a), y = rv_fpu_unbox_s(b);
    return rv_fpu_box_s((x & 0x7fffffffu) | (~y & 0x80000000u));
}

uint64_t rv_fpu_sgnjx_s(uint64_t a, uint64_t b)
{
    uint32_t x = rv_fpu_unbox_s(a), y = rv_fpu_unbox_s(b);
    return rv_fpu_box_s(x ^ (y & 0x80000000u));
}

static inline uint64_t classify(const struct fmt_bits *f, uint64_t v)
{
    bool neg = v & f->sign;
    uint64_t mag = v & ~f->sign;

    if (mag > f->exp)
        return (v & f->quiet) ? RV_FCLASS_QNAN : RV_FCLASS_SNAN;
    if (mag == f->exp)
        return neg ? RV_FCLASS_NEG_INF : RV_FCLASS_POS_INF;
    if (mag == 0)
        return neg ? RV_FCLASS_NEG_ZERO : RV_FCLASS_POS_ZERO;
    if ((mag & f->exp) == 0)
        return neg ? RV_FCLASS_NEG_SUBNORMAL : RV_FCLASS_POS_SUBNORMAL;
    return neg ? RV_FCLASS_NEG_NORMAL : RV_FCLASS_POS_NORMAL;
}

uint64_t rv_fpu_class_d(uint64_t a)
{
    return classify(&FMT_D, a);
}

uint64_t rv_fpu_class_s(uint64_t a)
{
    return classify(&FMT_S, rv_fpu_unbox_s(a));
}

/* ---- conversions ------------------------------------------------------------------------ */

/* Float-to-integer conversions use the integer core for every mode: x86's cvtsd2si returns the
 * "integer indefinite" 0x80..0 for NaN and every out-of-range input, has no unsigned or RMM form,
 * and reports range errors only as IE, so fixing it up costs as much as doing it exactly. */
uint64_t rv_fpu_cvt_w_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return rv_softfp_to_int(RV_SOFTFP_D, RV_SOFTFP_W, a, rm, fflags);
}

uint64_t rv_fpu_cvt_wu_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return rv_softfp_to_int(RV_SOFTFP_D, RV_SOFTFP_WU, a, rm, fflags);
}

uint64_t rv_fpu_cvt_l_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return rv_softfp_to_int(RV_SOFTFP_D, RV_SOFTFP_L, a, rm, fflags);
}

uint64_t rv_fpu_cvt_lu_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return rv_softfp_to_int(RV_SOFTFP_D, RV_SOFTFP_LU, a, rm, fflags);
}

uint64_t rv_fpu_cvt_w_s(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return rv_softfp_to_int(RV_SOFTFP_S, RV_SOFTFP_W, rv_fpu_unbox_s(a), rm, fflags);
}

uint64_t rv_fpu_cvt_wu_s(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return rv_softfp_to_int(RV_SOFTFP_S, RV_SOFTFP_WU, rv_fpu_unbox_s(a), rm, fflags);
}

uint64_t rv_fpu_cvt_l_s(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return rv_softfp_to_int(RV_SOFTFP_S, RV_SOFTFP_L, rv_fpu_unbox_s(a), rm, fflags);
}

uint64_t rv_fpu_cvt_lu_s(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return rv_softfp_to_int(RV_SOFTFP_S, RV_SOFTFP_LU, rv_fpu_unbox_s(a), rm, fflags);
}

/* Integer-to-float: a normalize-and-round in integers is as cheap as cvtsi2sd with the MXCSR
 * switch, and x86 has neither unsigned 64-bit sources nor RMM. */
static inline uint64_t from_signed(enum rv_softfp_fmt f, int64_t v, unsigned rm, uint32_t *fflags)
{
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    return rv_softfp_from_int(f, v < 0, mag, rm, fflags);
}

uint64_t rv_fpu_cvt_d_w(uint64_t x, unsigned rm, uint32_t *fflags)
{
    (void)rm;
    (void)fflags;
    double d = (double)(int32_t)x; /* always exact */
    uint64_t r;
    __builtin_memcpy(&r, &d, sizeof(r));
    return r;
}

uint64_t rv_fpu_cvt_d_wu(uint64_t x, unsigned rm, uint32_t *fflags)
{
    (void)rm;
    (void)fflags;
    double d = (double)(uint32_t)x; /* always exact */
    uint64_t r;
    __builtin_memcpy(&r, &d, sizeof(r));
    return r;
}

uint64_t rv_fpu_cvt_d_l(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return from_signed(RV_SOFTFP_D, (int64_t)x, rm, fflags);
}

uint64_t rv_fpu_cvt_d_lu(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return rv_softfp_from_int(RV_SOFTFP_D, false, x, rm, fflags);
}

uint64_t rv_fpu_cvt_s_w(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return rv_fpu_box_s((uint32_t)from_signed(RV_SOFTFP_S, (int32_t)x, rm, fflags));
}

uint64_t rv_fpu_cvt_s_wu(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return rv_fpu_box_s((uint32_t)rv_softfp_from_int(RV_SOFTFP_S, false, (uint32_t)x, rm, fflags));
}

uint64_t rv_fpu_cvt_s_l(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return rv_fpu_box_s((uint32_t)from_signed(RV_SOFTFP_S, (int64_t)x, rm, fflags));
}

uint64_t rv_fpu_cvt_s_lu(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return rv_fpu_box_s((uint32_t)rv_softfp_from_int(RV_SOFTFP_S, false, x, rm, fflags));
}

uint64_t rv_fpu_cvt_s_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return rv_fpu_box_s((uint32_t)rv_softfp_convert(RV_SOFTFP_S, RV_SOFTFP_D, a, rm, fflags));
}

uint64_t rv_fpu_cvt_d_s(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return rv_softfp_convert(RV_SOFTFP_D, RV_SOFTFP_S, rv_fpu_unbox_s(a), rm, fflags);
}
