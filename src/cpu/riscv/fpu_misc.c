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

/* Float to integer. x86's cvtsd2si returns the "integer indefinite" 0x80..0 for NaN and every
 * out-of-range input, has no unsigned or RMM form and depends on MXCSR, so the conversions are
 * integer code: a short path for 1 <= |x| < 2^(bits of the type) that lands in range, and the
 * soft core for everything else (NaN, infinities, saturation, |x| < 1). */
static inline bool fast_to_int(enum rv_softfp_fmt f, enum rv_softfp_int kind, uint64_t a,
                               unsigned rm, uint32_t *fflags, uint64_t *out)
{
    const int mbits = f == RV_SOFTFP_D ? 52 : 23;
    const int bias = f == RV_SOFTFP_D ? 1023 : 127;
    const bool sign = (a >> (f == RV_SOFTFP_D ? 63 : 31)) & 1;
    const bool word = kind == RV_SOFTFP_W || kind == RV_SOFTFP_WU;
    const bool is_unsigned = kind == RV_SOFTFP_WU || kind == RV_SOFTFP_LU;
    int e = (int)((a >> mbits) & (f == RV_SOFTFP_D ? 0x7ff : 0xff)) - bias;

    /* Below the type's width the magnitude fits in 64 bits even after rounding up. */
    if (e < 0 || e > (word ? 31 : 62) || (sign && is_unsigned))
        return false;
    uint64_t sig = (a & ((1ull << mbits) - 1)) | (1ull << mbits), mag;
    if (e >= mbits) {
        mag = sig << (e - mbits);
    } else {
        int shift = mbits - e;
        uint64_t low = sig & ((1ull << shift) - 1);
        mag = sig >> shift;
        mag += round_increment(rm, sign, low, 1ull << (shift - 1), mag & 1);
        if (low)
            *fflags |= RV_FFLAG_NX; /* undone below if out of range */
    }
    uint64_t limit =
        word ? (is_unsigned ? UINT32_MAX : (uint64_t)INT32_MAX + sign) : (uint64_t)INT64_MAX + sign;
    if (mag > limit)
        return false;
    uint64_t v = sign ? 0 - mag : mag;
    *out = word ? (uint64_t)(int64_t)(int32_t)(uint32_t)v : v;
    return true;
}

static inline uint64_t to_int(enum rv_softfp_fmt f, enum rv_softfp_int kind, uint64_t a,
                              unsigned rm, uint32_t *fflags)
{
    uint32_t fl = *fflags;
    uint64_t r;
    if (fast_to_int(f, kind, a, rm, &fl, &r)) {
        *fflags = fl;
        return r;
    }
    return rv_softfp_to_int(f, kind, a, rm, fflags);
}

uint64_t rv_fpu_cvt_w_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return to_int(RV_SOFTFP_D, RV_SOFTFP_W, a, rm, fflags);
}

uint64_t rv_fpu_cvt_wu_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return to_int(RV_SOFTFP_D, RV_SOFTFP_WU, a, rm, fflags);
}

uint64_t rv_fpu_cvt_l_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return to_int(RV_SOFTFP_D, RV_SOFTFP_L, a, rm, fflags);
}

uint64_t rv_fpu_cvt_lu_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return to_int(RV_SOFTFP_D, RV_SOFTFP_LU, a, rm, fflags);
}

uint64_t rv_fpu_cvt_w_s(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return to_int(RV_SOFTFP_S, RV_SOFTFP_W, rv_fpu_unbox_s(a), rm, fflags);
}

uint64_t rv_fpu_cvt_wu_s(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return to_int(RV_SOFTFP_S, RV_SOFTFP_WU, rv_fpu_unbox_s(a), rm, fflags);
}

uint64_t rv_fpu_cvt_l_s(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return to_int(RV_SOFTFP_S, RV_SOFTFP_L, rv_fpu_unbox_s(a), rm, fflags);
}

uint64_t rv_fpu_cvt_lu_s(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return to_int(RV_SOFTFP_S, RV_SOFTFP_LU, rv_fpu_unbox_s(a), rm, fflags);
}

/* Integer to float: integers the format holds exactly (|x| <= 2^53 or 2^24) convert with a C
 * cast, which is exact and therefore independent of the host's rounding mode; wider ones are
 * rounded by the soft core (x86 has neither unsigned 64-bit sources nor RMM). */
static inline uint64_t double_bits(double d)
{
    uint64_t r;
    __builtin_memcpy(&r, &d, sizeof(r));
    return r;
}

static inline uint32_t float_bits(float v)
{
    uint32_t r;
    __builtin_memcpy(&r, &v, sizeof(r));
    return r;
}

static inline uint64_t from_signed(enum rv_softfp_fmt f, int64_t v, unsigned rm, uint32_t *fflags)
{
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    if (f == RV_SOFTFP_D && mag <= 1ull << 53)
        return double_bits((double)v);
    if (f == RV_SOFTFP_S && mag <= 1ull << 24)
        return float_bits((float)v);
    return rv_softfp_from_int(f, v < 0, mag, rm, fflags);
}

static inline uint64_t from_unsigned(enum rv_softfp_fmt f, uint64_t v, unsigned rm,
                                     uint32_t *fflags)
{
    if (f == RV_SOFTFP_D && v <= 1ull << 53)
        return double_bits((double)(int64_t)v);
    if (f == RV_SOFTFP_S && v <= 1ull << 24)
        return float_bits((float)(int32_t)v);
    return rv_softfp_from_int(f, false, v, rm, fflags);
}

uint64_t rv_fpu_cvt_d_w(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return from_signed(RV_SOFTFP_D, (int32_t)x, rm, fflags);
}

uint64_t rv_fpu_cvt_d_wu(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return from_unsigned(RV_SOFTFP_D, (uint32_t)x, rm, fflags);
}

uint64_t rv_fpu_cvt_d_l(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return from_signed(RV_SOFTFP_D, (int64_t)x, rm, fflags);
}

uint64_t rv_fpu_cvt_d_lu(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return from_unsigned(RV_SOFTFP_D, x, rm, fflags);
}

uint64_t rv_fpu_cvt_s_w(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return rv_fpu_box_s((uint32_t)from_signed(RV_SOFTFP_S, (int32_t)x, rm, fflags));
}

uint64_t rv_fpu_cvt_s_wu(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return rv_fpu_box_s((uint32_t)from_unsigned(RV_SOFTFP_S, (uint32_t)x, rm, fflags));
}

uint64_t rv_fpu_cvt_s_l(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return rv_fpu_box_s((uint32_t)from_signed(RV_SOFTFP_S, (int64_t)x, rm, fflags));
}

uint64_t rv_fpu_cvt_s_lu(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return rv_fpu_box_s((uint32_t)from_unsigned(RV_SOFTFP_S, x, rm, fflags));
}

/* Between formats, in integers: a normal binary64 whose binary32 result is normal (exponent in
 * [-126, 127]) is a shift plus rounding of the low 29 bits; a rounding carry moves into the
 * exponent by itself, and only a carry into the infinity encoding (overflow) needs the soft core,
 * as do zeros, subnormals, infinities and NaNs. */
uint64_t rv_fpu_cvt_s_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    int e = (int)((a >> 52) & 0x7ff) - 1023;
    if (e >= -126 && e <= 127) {
        bool sign = a >> 63;
        uint64_t low = a & ((1ull << 29) - 1);
        uint32_t r = (uint32_t)(((uint64_t)(e + 127) << 23) | ((a >> 29) & 0x7fffff));
        r += round_increment(rm, sign, low, 1ull << 28, r & 1);
        if (r < 0x7f800000u) {
            if (low)
                *fflags |= RV_FFLAG_NX;
            return rv_fpu_box_s(r | (uint32_t)sign << 31);
        }
    }
    return rv_fpu_box_s((uint32_t)rv_softfp_convert(RV_SOFTFP_S, RV_SOFTFP_D, a, rm, fflags));
}

/* Widening is exact: normal binary32 values only need their exponent rebiased. */
uint64_t rv_fpu_cvt_d_s(uint64_t a, unsigned rm, uint32_t *fflags)
{
    uint32_t v = rv_fpu_unbox_s(a);
    uint32_t e = (v >> 23) & 0xff;
    if (e != 0 && e != 0xff)
        return ((uint64_t)(v >> 31) << 63) | ((uint64_t)(e + 1023 - 127) << 52) |
               ((uint64_t)(v & 0x7fffff) << 29);
    return rv_softfp_convert(RV_SOFTFP_D, RV_SOFTFP_S, v, rm, fflags);
}
