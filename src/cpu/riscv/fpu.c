/* RISC-V F/D helpers. Arithmetic in RNE/RTZ/RDN/RUP runs on the host's SSE unit with the
 * rounding mode loaded into MXCSR for the one instruction; everything the host does differently
 * from RISC-V is fixed up here, and the rest (RMM, FMA without FMA3, conversions, non-x86 hosts)
 * goes to the exact integer core in fpu_soft.c. */
#include "cpu/riscv/fpu.h"

#include <stdbool.h>

#include "cpu/riscv/fpu_soft.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define HOST_SSE 1
#else
#define HOST_SSE 0
#endif

/* Format constants for the bit-level helpers below; binary32 values live in the low 32 bits. */
struct fmt_bits {
    uint64_t sign;
    uint64_t exp;   /* exponent field mask */
    uint64_t quiet; /* most significant mantissa bit */
    uint64_t canonical_nan;
    uint64_t all; /* every bit of the format */
};

static const struct fmt_bits FMT_S = {1ull << 31, 0x7f800000ull, 1ull << 22, RV_FPU_CANONICAL_NAN_S,
                                      0xffffffffull};
static const struct fmt_bits FMT_D = {1ull << 63, 0x7ff0000000000000ull, 1ull << 51,
                                      RV_FPU_CANONICAL_NAN_D, ~0ull};

static inline bool bits_is_nan(const struct fmt_bits *f, uint64_t v)
{
    return (v & ~f->sign) > f->exp;
}

static inline bool bits_is_snan(const struct fmt_bits *f, uint64_t v)
{
    return bits_is_nan(f, v) && !(v & f->quiet);
}

static inline bool bits_is_inf(const struct fmt_bits *f, uint64_t v)
{
    return (v & ~f->sign) == f->exp;
}

static inline bool bits_is_zero(const struct fmt_bits *f, uint64_t v)
{
    return (v & ~f->sign) == 0;
}

/* ---- host SSE path ---------------------------------------------------------------------- */

#if HOST_SSE
/* All exceptions masked (the guest sees flags, never host traps), flags cleared, and FTZ/DAZ
 * off because RISC-V has no flush-to-zero. */
#define MXCSR_BASE 0x1f80u

/* MXCSR rounding control for RNE, RTZ, RDN, RUP; x86 has no RMM, which the callers route to the
 * soft core. */
static const uint32_t MXCSR_RC[4] = {0x0000, 0x6000, 0x2000, 0x4000};

/* x86 IE/ZE/OE/UE/PE map to NV/DZ/OF/UF/NX. DE (denormal operand) has no RISC-V counterpart and
 * is dropped. x86 detects tininess after rounding and, with UE masked, raises UE only for an
 * inexact tiny result, which is exactly the RISC-V UF rule. */
static inline uint32_t fflags_from_mxcsr(uint32_t csr)
{
    return ((csr & 0x01) << 4) | ((csr & 0x04) << 1) | ((csr & 0x08) >> 1) | ((csr & 0x10) >> 3) |
           ((csr & 0x20) >> 5);
}

/* Runs one SSE instruction under MXCSR = mode and restores the caller's MXCSR (rounding and
 * sticky flags) right after. It is a single asm statement because GCC does not implement
 * FENV_ACCESS: with intrinsics the arithmetic could legally be moved across the ldmxcsr. */
#define SSE_OP2(insn, dst_v, src_v, mode_v, csr_v)                                                 \
    do {                                                                                           \
        uint32_t saved_;                                                                           \
        __asm__ volatile("stmxcsr %[sv]\n\t"                                                       \
                         "ldmxcsr %[md]\n\t" insn " %[src], %[dst]\n\t"                            \
                         "stmxcsr %[cs]\n\t"                                                       \
                         "ldmxcsr %[sv]"                                                           \
                         : [dst] "+x"(dst_v), [sv] "=m"(saved_), [cs] "=m"(csr_v)                  \
                         : [src] "x"(src_v), [md] "m"(mode_v));                                    \
    } while (0)

/* acc = mul1 * mul2 + acc with one rounding (VEX-encoded FMA3; only used when the CPU has it). */
#define SSE_FMA(insn, mul1_v, mul2_v, acc_v, mode_v, csr_v)                                        \
    do {                                                                                           \
        uint32_t saved_;                                                                           \
        __asm__ volatile("stmxcsr %[sv]\n\t"                                                       \
                         "ldmxcsr %[md]\n\t" insn " %[m2], %[m1], %[acc]\n\t"                      \
                         "stmxcsr %[cs]\n\t"                                                       \
                         "ldmxcsr %[sv]"                                                           \
                         : [acc] "+x"(acc_v), [sv] "=m"(saved_), [cs] "=m"(csr_v)                  \
                         : [m1] "x"(mul1_v), [m2] "x"(mul2_v), [md] "m"(mode_v));                  \
    } while (0)

enum sse_op { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT };

/* A NaN result always becomes the canonical NaN: x86 instead returns the first NaN operand
 * (quieted) or its negative "default NaN" 0xfff8..., which RISC-V never produces. The flags are
 * recomputed rather than taken from MXCSR so that they follow the RISC-V rules exactly: NV iff an
 * operand is a signaling NaN or the operation itself was invalid (no NaN operand but a NaN
 * result). */
static inline uint64_t nan_result(const struct fmt_bits *f, uint64_t a, uint64_t b, uint64_t c,
                                  unsigned nops, uint32_t *fflags)
{
    bool snan =
        bits_is_snan(f, a) || (nops > 1 && bits_is_snan(f, b)) || (nops > 2 && bits_is_snan(f, c));
    bool nan_in =
        bits_is_nan(f, a) || (nops > 1 && bits_is_nan(f, b)) || (nops > 2 && bits_is_nan(f, c));
    if (snan || !nan_in)
        *fflags |= RV_FFLAG_NV;
    return f->canonical_nan;
}

static inline uint64_t sse_d(enum sse_op op, uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    __m128d x = _mm_castsi128_pd(_mm_cvtsi64_si128((long long)a));
    __m128d y = _mm_castsi128_pd(_mm_cvtsi64_si128((long long)b));
    uint32_t mode = MXCSR_BASE | MXCSR_RC[rm], csr;

    switch (op) {
    case OP_ADD:
        SSE_OP2("addsd", x, y, mode, csr);
        break;
    case OP_SUB:
        SSE_OP2("subsd", x, y, mode, csr);
        break;
    case OP_MUL:
        SSE_OP2("mulsd", x, y, mode, csr);
        break;
    case OP_DIV:
        SSE_OP2("divsd", x, y, mode, csr);
        break;
    default:
        SSE_OP2("sqrtsd", x, x, mode, csr);
        break;
    }
    uint64_t r = (uint64_t)_mm_cvtsi128_si64(_mm_castpd_si128(x));
    if (bits_is_nan(&FMT_D, r))
        return nan_result(&FMT_D, a, b, 0, op == OP_SQRT ? 1 : 2, fflags);
    *fflags |= fflags_from_mxcsr(csr);
    return r;
}

static inline uint32_t sse_s(enum sse_op op, uint32_t a, uint32_t b, unsigned rm, uint32_t *fflags)
{
    __m128 x = _mm_castsi128_ps(_mm_cvtsi32_si128((int)a));
    __m128 y = _mm_castsi128_ps(_mm_cvtsi32_si128((int)b));
    uint32_t mode = MXCSR_BASE | MXCSR_RC[rm], csr;

    switch (op) {
    case OP_ADD:
        SSE_OP2("addss", x, y, mode, csr);
        break;
    case OP_SUB:
        SSE_OP2("subss", x, y, mode, csr);
        break;
    case OP_MUL:
        SSE_OP2("mulss", x, y, mode, csr);
        break;
    case OP_DIV:
        SSE_OP2("divss", x, y, mode, csr);
        break;
    default:
        SSE_OP2("sqrtss", x, x, mode, csr);
        break;
    }
    uint32_t r = (uint32_t)_mm_cvtsi128_si32(_mm_castps_si128(x));
    if (bits_is_nan(&FMT_S, r))
        return (uint32_t)nan_result(&FMT_S, a, b, 0, op == OP_SQRT ? 1 : 2, fflags);
    *fflags |= fflags_from_mxcsr(csr);
    return r;
}

/* FMA NaN results: on top of nan_result's rules, RISC-V raises NV for inf * 0 even when the
 * addend is a quiet NaN, which IEEE 754 leaves to the implementation. */
static inline uint64_t fma_nan_result(const struct fmt_bits *f, uint64_t a, uint64_t b, uint64_t c,
                                      uint32_t *fflags)
{
    if ((bits_is_inf(f, a) && bits_is_zero(f, b)) || (bits_is_zero(f, a) && bits_is_inf(f, b)))
        *fflags |= RV_FFLAG_NV;
    return nan_result(f, a, b, c, 3, fflags);
}

static inline uint64_t sse_fma_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
    __m128d x = _mm_castsi128_pd(_mm_cvtsi64_si128((long long)a));
    __m128d y = _mm_castsi128_pd(_mm_cvtsi64_si128((long long)b));
    __m128d z = _mm_castsi128_pd(_mm_cvtsi64_si128((long long)c));
    uint32_t mode = MXCSR_BASE | MXCSR_RC[rm], csr;

    SSE_FMA("vfmadd231sd", x, y, z, mode, csr);
    uint64_t r = (uint64_t)_mm_cvtsi128_si64(_mm_castpd_si128(z));
    if (bits_is_nan(&FMT_D, r))
        return fma_nan_result(&FMT_D, a, b, c, fflags);
    *fflags |= fflags_from_mxcsr(csr);
    return r;
}

static inline uint32_t sse_fma_s(uint32_t a, uint32_t b, uint32_t c, unsigned rm, uint32_t *fflags)
{
    __m128 x = _mm_castsi128_ps(_mm_cvtsi32_si128((int)a));
    __m128 y = _mm_castsi128_ps(_mm_cvtsi32_si128((int)b));
    __m128 z = _mm_castsi128_ps(_mm_cvtsi32_si128((int)c));
    uint32_t mode = MXCSR_BASE | MXCSR_RC[rm], csr;

    SSE_FMA("vfmadd231ss", x, y, z, mode, csr);
    uint32_t r = (uint32_t)_mm_cvtsi128_si32(_mm_castps_si128(z));
    if (bits_is_nan(&FMT_S, r))
        return (uint32_t)fma_nan_result(&FMT_S, a, b, c, fflags);
    *fflags |= fflags_from_mxcsr(csr);
    return r;
}
#endif /* HOST_SSE */

/* FMA3 is not in the x86-64 baseline; without it the soft core provides the single rounding
 * (emulating with a separate multiply and add would round twice). libgcc's check also requires
 * the OS to have enabled the AVX register state that VEX instructions need. */
bool rv_fpu_host_has_fma(void)
{
#if HOST_SSE
    return __builtin_cpu_supports("fma");
#else
    return false;
#endif
}

/* Which arithmetic path runs: SSE unless the mode is RMM (no x86 equivalent) or there is no SSE. */
static inline bool use_sse(unsigned rm)
{
    return HOST_SSE && rm < RV_RM_RMM;
}

/* ---- arithmetic entry points ------------------------------------------------------------ */

#if HOST_SSE
#define SSE_D(op, a, b, rm, fflags) sse_d(op, a, b, rm, fflags)
#define SSE_S(op, a, b, rm, fflags) sse_s(op, a, b, rm, fflags)
#else
#define SSE_D(op, a, b, rm, fflags) 0
#define SSE_S(op, a, b, rm, fflags) 0
#endif

uint64_t rv_fpu_add_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    if (use_sse(rm))
        return SSE_D(OP_ADD, a, b, rm, fflags);
    return rv_softfp_add(RV_SOFTFP_D, a, b, rm, fflags);
}

uint64_t rv_fpu_sub_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    if (use_sse(rm))
        return SSE_D(OP_SUB, a, b, rm, fflags);
    return rv_softfp_add(RV_SOFTFP_D, a, b ^ FMT_D.sign, rm, fflags);
}

uint64_t rv_fpu_mul_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    if (use_sse(rm))
        return SSE_D(OP_MUL, a, b, rm, fflags);
    return rv_softfp_mul(RV_SOFTFP_D, a, b, rm, fflags);
}

uint64_t rv_fpu_div_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    if (use_sse(rm))
        return SSE_D(OP_DIV, a, b, rm, fflags);
    return rv_softfp_div(RV_SOFTFP_D, a, b, rm, fflags);
}

uint64_t rv_fpu_sqrt_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    if (use_sse(rm))
        return SSE_D(OP_SQRT, a, a, rm, fflags);
    return rv_softfp_sqrt(RV_SOFTFP_D, a, rm, fflags);
}

uint64_t rv_fpu_add_s(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    uint32_t x = rv_fpu_unbox_s(a), y = rv_fpu_unbox_s(b);
    if (use_sse(rm))
        return rv_fpu_box_s(SSE_S(OP_ADD, x, y, rm, fflags));
    return rv_fpu_box_s((uint32_t)rv_softfp_add(RV_SOFTFP_S, x, y, rm, fflags));
}

uint64_t rv_fpu_sub_s(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    uint32_t x = rv_fpu_unbox_s(a), y = rv_fpu_unbox_s(b);
    if (use_sse(rm))
        return rv_fpu_box_s(SSE_S(OP_SUB, x, y, rm, fflags));
    return rv_fpu_box_s(
        (uint32_t)rv_softfp_add(RV_SOFTFP_S, x, y ^ (uint32_t)FMT_S.sign, rm, fflags));
}

uint64_t rv_fpu_mul_s(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    uint32_t x = rv_fpu_unbox_s(a), y = rv_fpu_unbox_s(b);
    if (use_sse(rm))
        return rv_fpu_box_s(SSE_S(OP_MUL, x, y, rm, fflags));
    return rv_fpu_box_s((uint32_t)rv_softfp_mul(RV_SOFTFP_S, x, y, rm, fflags));
}

uint64_t rv_fpu_div_s(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    uint32_t x = rv_fpu_unbox_s(a), y = rv_fpu_unbox_s(b);
    if (use_sse(rm))
        return rv_fpu_box_s(SSE_S(OP_DIV, x, y, rm, fflags));
    return rv_fpu_box_s((uint32_t)rv_softfp_div(RV_SOFTFP_S, x, y, rm, fflags));
}

uint64_t rv_fpu_sqrt_s(uint64_t a, unsigned rm, uint32_t *fflags)
{
    uint32_t x = rv_fpu_unbox_s(a);
    if (use_sse(rm))
        return rv_fpu_box_s(SSE_S(OP_SQRT, x, x, rm, fflags));
    return rv_fpu_box_s((uint32_t)rv_softfp_sqrt(RV_SOFTFP_S, x, rm, fflags));
}

/* The four fused forms differ only in operand signs; flipping a sign bit is an exact IEEE negate
 * (NaNs stay NaNs of the same kind), so -(a*b) is computed as (-a)*b. */
static inline uint64_t fma_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
#if HOST_SSE
    if (rm < RV_RM_RMM && rv_fpu_host_has_fma())
        return sse_fma_d(a, b, c, rm, fflags);
#endif
    return rv_softfp_fma(RV_SOFTFP_D, a, b, c, rm, fflags);
}

static inline uint64_t fma_s(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
    uint32_t x = rv_fpu_unbox_s(a), y = rv_fpu_unbox_s(b), z = rv_fpu_unbox_s(c);
#if HOST_SSE
    if (rm < RV_RM_RMM && rv_fpu_host_has_fma())
        return rv_fpu_box_s(sse_fma_s(x, y, z, rm, fflags));
#endif
    return rv_fpu_box_s((uint32_t)rv_softfp_fma(RV_SOFTFP_S, x, y, z, rm, fflags));
}

uint64_t rv_fpu_madd_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
    return fma_d(a, b, c, rm, fflags);
}

uint64_t rv_fpu_msub_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
    return fma_d(a, b, c ^ FMT_D.sign, rm, fflags);
}

uint64_t rv_fpu_nmsub_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
    return fma_d(a ^ FMT_D.sign, b, c, rm, fflags);
}

uint64_t rv_fpu_nmadd_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
    return fma_d(a ^ FMT_D.sign, b, c ^ FMT_D.sign, rm, fflags);
}

/* For singles the sign flip happens after unboxing, so it applies to bit 31 of a properly boxed
 * value and leaves an improperly boxed operand a canonical NaN. */
static inline uint64_t negate_boxed_s(uint64_t v)
{
    return rv_fpu_box_s(rv_fpu_unbox_s(v) ^ (uint32_t)FMT_S.sign);
}

uint64_t rv_fpu_madd_s(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
    return fma_s(a, b, c, rm, fflags);
}

uint64_t rv_fpu_msub_s(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
    return fma_s(a, b, negate_boxed_s(c), rm, fflags);
}

uint64_t rv_fpu_nmsub_s(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
    return fma_s(negate_boxed_s(a), b, c, rm, fflags);
}

uint64_t rv_fpu_nmadd_s(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
    return fma_s(negate_boxed_s(a), b, negate_boxed_s(c), rm, fflags);
}

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
