/* Exact soft-float core: every operation computes its exact result (or an exact result plus a
 * sticky bit) in integers and rounds once in round_pack(). See fpu_soft.h. */
#include "cpu/riscv/fpu_soft.h"

#include "cpu/riscv/fpu.h"
#include "cpu/riscv/fpu_bits.h"

typedef unsigned __int128 u128;

enum fp_class { FP_ZERO, FP_FINITE, FP_INF, FP_QNAN, FP_SNAN };

/* A finite nonzero value is (-1)^sign * sig * 2^(exp - 62) with bit 62 of sig set. Keeping the
 * leading bit at 62 leaves one bit of headroom for carries and at least 10 bits below the
 * binary64 precision for rounding. */
struct fp_unpacked {
    enum fp_class cls;
    bool sign;
    int exp;
    uint64_t sig;
};

/* Format parameters. Functions are static inline and called with constant formats from the
 * exported wrappers, so these fold to constants. */
static inline int fmt_mbits(enum rv_softfp_fmt f)
{
    return f == RV_SOFTFP_D ? 52 : 23;
}

static inline int fmt_bias(enum rv_softfp_fmt f)
{
    return f == RV_SOFTFP_D ? 1023 : 127;
}

static inline uint64_t fmt_emask(enum rv_softfp_fmt f)
{
    return f == RV_SOFTFP_D ? 0x7ff : 0xff;
}

static inline int fmt_sign_shift(enum rv_softfp_fmt f)
{
    return f == RV_SOFTFP_D ? 63 : 31;
}

static inline uint64_t fmt_canonical_nan(enum rv_softfp_fmt f)
{
    return f == RV_SOFTFP_D ? RV_FPU_CANONICAL_NAN_D : RV_FPU_CANONICAL_NAN_S;
}

static inline uint64_t fmt_inf(enum rv_softfp_fmt f, bool sign)
{
    return ((uint64_t)sign << fmt_sign_shift(f)) | (fmt_emask(f) << fmt_mbits(f));
}

static inline uint64_t fmt_zero(enum rv_softfp_fmt f, bool sign)
{
    return (uint64_t)sign << fmt_sign_shift(f);
}

static inline int clz64(uint64_t x)
{
    return __builtin_clzll(x);
}

static inline int clz128(u128 x)
{
    uint64_t hi = (uint64_t)(x >> 64);
    return hi ? clz64(hi) : 64 + clz64((uint64_t)x);
}

/* Shift right, OR-ing every bit shifted out into bit 0 so rounding still sees "inexact". */
static inline uint64_t shift_right_jam64(uint64_t x, unsigned n)
{
    if (n == 0)
        return x;
    if (n < 64)
        return (x >> n) | ((x << (64 - n)) != 0);
    return x != 0;
}

static inline u128 shift_right_jam128(u128 x, unsigned n)
{
    if (n == 0)
        return x;
    if (n < 128)
        return (x >> n) | ((x << (128 - n)) != 0);
    return x != 0;
}

static inline struct fp_unpacked unpack(enum rv_softfp_fmt f, uint64_t bits)
{
    const int mbits = fmt_mbits(f);
    const uint64_t mant_mask = (1ull << mbits) - 1;
    struct fp_unpacked u;
    uint64_t bexp = (bits >> mbits) & fmt_emask(f);
    uint64_t mant = bits & mant_mask;

    u.sign = (bits >> fmt_sign_shift(f)) & 1;
    u.exp = 0;
    u.sig = 0;
    if (bexp == fmt_emask(f)) {
        if (mant == 0)
            u.cls = FP_INF;
        else
            u.cls = (mant >> (mbits - 1)) ? FP_QNAN : FP_SNAN;
    } else if (bexp == 0) {
        if (mant == 0) {
            u.cls = FP_ZERO;
        } else {
            int top = 63 - clz64(mant);
            u.cls = FP_FINITE;
            u.sig = mant << (62 - top);
            u.exp = 1 - fmt_bias(f) - mbits + top;
        }
    } else {
        u.cls = FP_FINITE;
        u.sig = (mant | (1ull << mbits)) << (62 - mbits);
        u.exp = (int)bexp - fmt_bias(f);
    }
    return u;
}

static inline bool is_nan(const struct fp_unpacked *u)
{
    return u->cls == FP_QNAN || u->cls == FP_SNAN;
}

/* Rounds (-1)^sign * sig * 2^(exp - 62), sig normalized to bit 62 with a sticky bit 0, to format
 * f. Tininess is detected after rounding: the value is tiny if rounding it to the format's
 * precision with an unbounded exponent range gives a magnitude below 2^emin. */
static inline uint64_t round_pack(enum rv_softfp_fmt f, bool sign, int exp, uint64_t sig,
                                  unsigned rm, uint32_t *fflags)
{
    const int mbits = fmt_mbits(f);
    const int shift = 62 - mbits;
    const uint64_t low_mask = (1ull << shift) - 1;
    const uint64_t half = 1ull << (shift - 1);
    const int emin = 1 - fmt_bias(f);
    const int emax = fmt_bias(f);
    bool tiny = false;
    uint64_t round_bits, packed;

    if (exp > emax)
        goto overflow;
    if (exp < emin) {
        if (exp == emin - 1) {
            uint64_t m = sig >> shift;
            m += round_increment(rm, sign, sig & low_mask, half, m & 1);
            tiny = m < (2ull << mbits);
        } else {
            tiny = true;
        }
        sig = shift_right_jam64(sig, (unsigned)(emin - exp));
        exp = emin;
    }
    round_bits = sig & low_mask;
    sig >>= shift;
    sig += round_increment(rm, sign, round_bits, half, sig & 1);
    /* The hidden bit adds one to the exponent field and a carry out of the significand adds
     * another, so both the subnormal->normal and the normal carry cases pack correctly. */
    packed = ((uint64_t)(exp + fmt_bias(f) - 1) << mbits) + sig;
    if ((packed >> mbits) >= fmt_emask(f))
        goto overflow;
    if (round_bits) {
        *fflags |= RV_FFLAG_NX;
        if (tiny)
            *fflags |= RV_FFLAG_UF;
    }
    return packed | ((uint64_t)sign << fmt_sign_shift(f));

overflow:
    *fflags |= RV_FFLAG_OF | RV_FFLAG_NX;
    if (rm == RV_RM_RTZ || (rm == RV_RM_RDN && !sign) || (rm == RV_RM_RUP && sign))
        return fmt_inf(f, sign) - 1; /* largest finite */
    return fmt_inf(f, sign);
}

/* Result for operations with a NaN operand. */
static inline uint64_t propagate_nan(enum rv_softfp_fmt f, bool snan, uint32_t *fflags)
{
    if (snan)
        *fflags |= RV_FFLAG_NV;
    return fmt_canonical_nan(f);
}

static inline uint64_t invalid(enum rv_softfp_fmt f, uint32_t *fflags)
{
    *fflags |= RV_FFLAG_NV;
    return fmt_canonical_nan(f);
}

/* Sign of an exact zero sum of operands with opposite signs (IEEE 754 6.3). */
static inline bool exact_zero_sign(unsigned rm)
{
    return rm == RV_RM_RDN;
}

static inline uint64_t add(enum rv_softfp_fmt f, uint64_t a, uint64_t b, unsigned rm,
                           uint32_t *fflags)
{
    struct fp_unpacked x = unpack(f, a), y = unpack(f, b);

    if (is_nan(&x) || is_nan(&y))
        return propagate_nan(f, x.cls == FP_SNAN || y.cls == FP_SNAN, fflags);
    if (x.cls == FP_INF) {
        if (y.cls == FP_INF && x.sign != y.sign)
            return invalid(f, fflags);
        return a;
    }
    if (y.cls == FP_INF)
        return b;
    if (x.cls == FP_ZERO && y.cls == FP_ZERO)
        return fmt_zero(f, x.sign == y.sign ? x.sign : exact_zero_sign(rm));
    if (x.cls == FP_ZERO)
        return b;
    if (y.cls == FP_ZERO)
        return a;

    if (x.exp < y.exp || (x.exp == y.exp && x.sig < y.sig)) {
        struct fp_unpacked t = x;
        x = y;
        y = t;
    }
    uint64_t small = shift_right_jam64(y.sig, (unsigned)(x.exp - y.exp));
    uint64_t sum;
    int exp = x.exp;
    if (x.sign == y.sign) {
        sum = x.sig + small;
        if (sum >> 63) {
            sum = (sum >> 1) | (sum & 1);
            exp++;
        }
    } else {
        /* With an exponent gap of 2 or more the difference keeps its leading bit within one
         * place, so the jammed sticky bit stays far below the rounding position; with a gap of
         * 0 or 1 no set bit was shifted out and the difference is exact. */
        sum = x.sig - small;
        if (sum == 0)
            return fmt_zero(f, exact_zero_sign(rm));
        int norm = clz64(sum) - 1;
        sum <<= norm;
        exp -= norm;
    }
    return round_pack(f, x.sign, exp, sum, rm, fflags);
}

static inline uint64_t mul(enum rv_softfp_fmt f, uint64_t a, uint64_t b, unsigned rm,
                           uint32_t *fflags)
{
    struct fp_unpacked x = unpack(f, a), y = unpack(f, b);
    bool sign = x.sign ^ y.sign;

    if (is_nan(&x) || is_nan(&y))
        return propagate_nan(f, x.cls == FP_SNAN || y.cls == FP_SNAN, fflags);
    if (x.cls == FP_INF || y.cls == FP_INF) {
        if (x.cls == FP_ZERO || y.cls == FP_ZERO)
            return invalid(f, fflags);
        return fmt_inf(f, sign);
    }
    if (x.cls == FP_ZERO || y.cls == FP_ZERO)
        return fmt_zero(f, sign);

    /* The product of two [2^62, 2^63) significands lies in [2^124, 2^126). */
    u128 prod = (u128)x.sig * y.sig;
    int exp = x.exp + y.exp;
    int drop = 62;
    if (prod >> 125) {
        drop = 63;
        exp++;
    }
    uint64_t sig = (uint64_t)(prod >> drop) | (((prod << (128 - drop)) != 0) ? 1 : 0);
    return round_pack(f, sign, exp, sig, rm, fflags);
}

static inline uint64_t divide(enum rv_softfp_fmt f, uint64_t a, uint64_t b, unsigned rm,
                              uint32_t *fflags)
{
    struct fp_unpacked x = unpack(f, a), y = unpack(f, b);
    bool sign = x.sign ^ y.sign;

    if (is_nan(&x) || is_nan(&y))
        return propagate_nan(f, x.cls == FP_SNAN || y.cls == FP_SNAN, fflags);
    if (x.cls == FP_INF) {
        if (y.cls == FP_INF)
            return invalid(f, fflags);
        return fmt_inf(f, sign);
    }
    if (y.cls == FP_INF)
        return fmt_zero(f, sign);
    if (y.cls == FP_ZERO) {
        if (x.cls == FP_ZERO)
            return invalid(f, fflags);
        *fflags |= RV_FFLAG_DZ;
        return fmt_inf(f, sign);
    }
    if (x.cls == FP_ZERO)
        return fmt_zero(f, sign);

    /* Scale the dividend so the quotient lands in [2^62, 2^63); the remainder gives the sticky
     * bit. */
    int exp = x.exp - y.exp;
    unsigned scale = 62;
    if (x.sig < y.sig) {
        scale = 63;
        exp--;
    }
    u128 num = (u128)x.sig << scale;
    uint64_t q = (uint64_t)(num / y.sig);
    uint64_t r = (uint64_t)(num - (u128)q * y.sig);
    return round_pack(f, sign, exp, q | (r != 0), rm, fflags);
}

/* floor(sqrt(x)) and whether it is exact, digit by digit; only the RMM path uses it. */
static uint64_t isqrt128(u128 x, bool *exact)
{
    u128 rem = 0, root = 0;
    for (int i = 0; i < 64; i++) {
        rem = (rem << 2) | (x >> 126);
        x <<= 2;
        root <<= 1;
        u128 trial = (root << 1) | 1;
        if (rem >= trial) {
            rem -= trial;
            root |= 1;
        }
    }
    *exact = rem == 0;
    return (uint64_t)root;
}

static inline uint64_t square_root(enum rv_softfp_fmt f, uint64_t a, unsigned rm, uint32_t *fflags)
{
    struct fp_unpacked x = unpack(f, a);

    if (is_nan(&x))
        return propagate_nan(f, x.cls == FP_SNAN, fflags);
    if (x.cls == FP_ZERO)
        return a; /* sqrt(-0) = -0 */
    if (x.sign)
        return invalid(f, fflags);
    if (x.cls == FP_INF)
        return a;

    /* sqrt(sig * 2^(exp-62)): make the exponent even so the root of the scaled significand,
     * in [2^62, 2^63), carries half of it. */
    bool odd = x.exp & 1;
    int exp = (x.exp - odd) / 2;
    bool exact;
    uint64_t root = isqrt128((u128)x.sig << (odd ? 63 : 62), &exact);
    return round_pack(f, false, exp, root | !exact, rm, fflags);
}

static inline uint64_t fused_mul_add(enum rv_softfp_fmt f, uint64_t a, uint64_t b, uint64_t c,
                                     unsigned rm, uint32_t *fflags)
{
    struct fp_unpacked x = unpack(f, a), y = unpack(f, b), z = unpack(f, c);
    bool psign = x.sign ^ y.sign;
    bool inf_times_zero =
        (x.cls == FP_INF && y.cls == FP_ZERO) || (x.cls == FP_ZERO && y.cls == FP_INF);

    /* RISC-V raises NV for inf*0 even when the addend is a quiet NaN. */
    if (is_nan(&x) || is_nan(&y) || is_nan(&z) || inf_times_zero) {
        bool snan = x.cls == FP_SNAN || y.cls == FP_SNAN || z.cls == FP_SNAN;
        return propagate_nan(f, snan || inf_times_zero, fflags);
    }
    if (x.cls == FP_INF || y.cls == FP_INF) {
        if (z.cls == FP_INF && z.sign != psign)
            return invalid(f, fflags);
        return fmt_inf(f, psign);
    }
    if (z.cls == FP_INF)
        return c;
    if (x.cls == FP_ZERO || y.cls == FP_ZERO) {
        if (z.cls == FP_ZERO)
            return fmt_zero(f, psign == z.sign ? psign : exact_zero_sign(rm));
        return c;
    }

    /* Exact product with its leading bit at 125: value = prod * 2^(pexp - 125). */
    u128 prod = (u128)x.sig * y.sig;
    int pexp = x.exp + y.exp;
    if (prod >> 125)
        pexp++;
    else
        prod <<= 1;
    if (z.cls == FP_ZERO) {
        uint64_t sig = (uint64_t)shift_right_jam128(prod, 63);
        return round_pack(f, psign, pexp, sig, rm, fflags);
    }

    /* Addend aligned the same way. The operand with the smaller magnitude is shifted right with
     * a sticky bit: when the exponents differ by 2 or more, the sum's leading bit stays at 124
     * or above, far above the sticky bit; when they differ by at most 1, the shift drops only
     * zero bits (both have dozens of trailing zeros) and the sum is exact. */
    u128 addend = (u128)z.sig << 63;
    u128 big = prod, small = addend;
    int exp = pexp, gap = pexp - z.exp;
    bool sign = psign;
    if (z.exp > pexp || (z.exp == pexp && addend > prod)) {
        big = addend;
        small = prod;
        exp = z.exp;
        sign = z.sign;
        gap = z.exp - pexp;
    }
    small = shift_right_jam128(small, (unsigned)gap);
    u128 sum;
    if (psign == z.sign) {
        sum = big + small;
    } else {
        sum = big - small;
        if (sum == 0)
            return fmt_zero(f, exact_zero_sign(rm));
    }
    int top = 127 - clz128(sum);
    exp += top - 125;
    uint64_t sig;
    if (top > 62)
        sig = (uint64_t)shift_right_jam128(sum, (unsigned)(top - 62));
    else
        sig = (uint64_t)sum << (62 - top);
    return round_pack(f, sign, exp, sig, rm, fflags);
}

static inline uint64_t to_int(enum rv_softfp_fmt f, enum rv_softfp_int kind, uint64_t a,
                              unsigned rm, uint32_t *fflags)
{
    struct fp_unpacked x = unpack(f, a);
    uint64_t max_pos, neg_limit, min_result, max_result;

    switch (kind) {
    case RV_SOFTFP_W:
        max_pos = INT32_MAX;
        neg_limit = 1ull << 31;
        max_result = INT32_MAX;
        min_result = (uint64_t)(int64_t)INT32_MIN;
        break;
    case RV_SOFTFP_WU:
        max_pos = UINT32_MAX;
        neg_limit = 0;
        max_result = UINT64_MAX; /* 0xffffffff sign-extended */
        min_result = 0;
        break;
    case RV_SOFTFP_L:
        max_pos = INT64_MAX;
        neg_limit = 1ull << 63;
        max_result = INT64_MAX;
        min_result = 1ull << 63;
        break;
    default:
        max_pos = UINT64_MAX;
        neg_limit = 0;
        max_result = UINT64_MAX;
        min_result = 0;
        break;
    }

    if (is_nan(&x) || (x.cls == FP_INF && !x.sign))
        goto invalid_pos;
    if (x.cls == FP_INF)
        goto invalid_neg;
    if (x.cls == FP_ZERO)
        return 0;
    if (x.exp >= 64)
        goto out_of_range;

    /* Split into integer part and fraction bits, then round in the requested mode. */
    uint64_t mag, frac, half;
    if (x.exp >= 62) {
        mag = x.sig << (x.exp - 62);
        frac = 0;
        half = 1;
    } else if (x.exp >= -1) {
        unsigned shift = (unsigned)(62 - x.exp);
        mag = x.sig >> shift;
        frac = x.sig & ((1ull << shift) - 1);
        half = 1ull << (shift - 1);
    } else {
        mag = 0; /* below one half, nonzero */
        frac = 1;
        half = 2;
    }
    mag += round_increment(rm, x.sign, frac, half, mag & 1);
    if (x.sign ? mag > neg_limit : mag > max_pos)
        goto out_of_range;
    if (frac)
        *fflags |= RV_FFLAG_NX;
    if (kind == RV_SOFTFP_W || kind == RV_SOFTFP_WU) {
        uint32_t w = (uint32_t)(x.sign ? 0 - mag : mag);
        return (uint64_t)(int64_t)(int32_t)w;
    }
    return x.sign ? 0 - mag : mag;

out_of_range:
    if (x.sign)
        goto invalid_neg;
invalid_pos:
    *fflags |= RV_FFLAG_NV;
    return max_result;
invalid_neg:
    *fflags |= RV_FFLAG_NV;
    return min_result;
}

static inline uint64_t from_int(enum rv_softfp_fmt f, bool negative, uint64_t mag, unsigned rm,
                                uint32_t *fflags)
{
    if (mag == 0)
        return 0;
    int top = 63 - clz64(mag);
    uint64_t sig = top == 63 ? shift_right_jam64(mag, 1) : mag << (62 - top);
    return round_pack(f, negative, top, sig, rm, fflags);
}

static inline uint64_t convert(enum rv_softfp_fmt to, enum rv_softfp_fmt from, uint64_t a,
                               unsigned rm, uint32_t *fflags)
{
    struct fp_unpacked x = unpack(from, a);

    switch (x.cls) {
    case FP_QNAN:
    case FP_SNAN:
        return propagate_nan(to, x.cls == FP_SNAN, fflags);
    case FP_INF:
        return fmt_inf(to, x.sign);
    case FP_ZERO:
        return fmt_zero(to, x.sign);
    default:
        return round_pack(to, x.sign, x.exp, x.sig, rm, fflags);
    }
}

/* Exported entry points: one switch on the format so each body is specialized. */
#define DISPATCH(call_s, call_d) ((f) == RV_SOFTFP_D ? (call_d) : (call_s))

uint64_t rv_softfp_add(enum rv_softfp_fmt f, uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    return DISPATCH(add(RV_SOFTFP_S, a, b, rm, fflags), add(RV_SOFTFP_D, a, b, rm, fflags));
}

uint64_t rv_softfp_mul(enum rv_softfp_fmt f, uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    return DISPATCH(mul(RV_SOFTFP_S, a, b, rm, fflags), mul(RV_SOFTFP_D, a, b, rm, fflags));
}

uint64_t rv_softfp_div(enum rv_softfp_fmt f, uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    return DISPATCH(divide(RV_SOFTFP_S, a, b, rm, fflags), divide(RV_SOFTFP_D, a, b, rm, fflags));
}

uint64_t rv_softfp_sqrt(enum rv_softfp_fmt f, uint64_t a, unsigned rm, uint32_t *fflags)
{
    return DISPATCH(square_root(RV_SOFTFP_S, a, rm, fflags),
                    square_root(RV_SOFTFP_D, a, rm, fflags));
}

uint64_t rv_softfp_fma(enum rv_softfp_fmt f, uint64_t a, uint64_t b, uint64_t c, unsigned rm,
                       uint32_t *fflags)
{
    return DISPATCH(fused_mul_add(RV_SOFTFP_S, a, b, c, rm, fflags),
                    fused_mul_add(RV_SOFTFP_D, a, b, c, rm, fflags));
}

uint64_t rv_softfp_to_int(enum rv_softfp_fmt f, enum rv_softfp_int kind, uint64_t a, unsigned rm,
                          uint32_t *fflags)
{
    return DISPATCH(to_int(RV_SOFTFP_S, kind, a, rm, fflags),
                    to_int(RV_SOFTFP_D, kind, a, rm, fflags));
}

uint64_t rv_softfp_from_int(enum rv_softfp_fmt f, bool negative, uint64_t magnitude, unsigned rm,
                            uint32_t *fflags)
{
    return DISPATCH(from_int(RV_SOFTFP_S, negative, magnitude, rm, fflags),
                    from_int(RV_SOFTFP_D, negative, magnitude, rm, fflags));
}

uint64_t rv_softfp_convert(enum rv_softfp_fmt to, enum rv_softfp_fmt from, uint64_t a, unsigned rm,
                           uint32_t *fflags)
{
    if (to == from)
        return a;
    if (to == RV_SOFTFP_D)
        return convert(RV_SOFTFP_D, RV_SOFTFP_S, a, rm, fflags);
    return convert(RV_SOFTFP_S, RV_SOFTFP_D, a, rm, fflags);
}
