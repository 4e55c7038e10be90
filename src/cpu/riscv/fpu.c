/* RISC-V F/D arithmetic. In RNE, results that cannot carry exceptions come straight from the
 * host's SSE unit (fast path below). Otherwise RNE/RTZ/RDN/RUP run on SSE with the rounding mode
 * loaded into MXCSR for the one instruction and every difference from RISC-V fixed up here; RMM,
 * FMA without FMA3 and non-x86 hosts use the exact integer core in fpu_soft.c. Min/max, compares,
 * sign injection, classify and conversions are in fpu_misc.c. */
#include "cpu/riscv/fpu.h"

#include <stdbool.h>

#include "cpu/riscv/fpu_bits.h"
#include "cpu/riscv/fpu_soft.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define HOST_SSE 1
#else
#define HOST_SSE 0
#endif

/* ---- MXCSR path: SSE under the guest rounding mode ------------------------------ */

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
/* ---- RNE fast path without MXCSR -------------------------------------------------------- *
 *
 * Reading or writing MXCSR drains the FP pipeline: on the EPYC this was measured on, stmxcsr and
 * ldmxcsr cost about 9 ns each, an order of magnitude more than the arithmetic. In RNE, the mode
 * guests run in nearly always, the host's own default mode computes the right result, and the
 * flags can be derived without MXCSR (QEMU's "hardfloat" makes the same observation):
 *  - NX is sticky in fflags: once the guest has it set (after its first inexact operation, i.e.
 *    almost at once), only the value matters. Before that, add/sub get NX from the exact TwoSum
 *    error and the other operations take the MXCSR path.
 *  - A result that is finite, not NaN and of magnitude above the smallest normal cannot come
 *    with NV, DZ, OF or UF (tininess after rounding needs a rounded magnitude below the smallest
 *    normal). Anything else goes to the MXCSR path, which sorts out the details.
 * The host mode is not assumed: host_is_default_mode() checks it on every call (a caller may
 * have used fesetround), without touching MXCSR. The fast path needs the C default of masked
 * host exceptions, which kvmu never changes, and it may set the host's sticky exception flags
 * as any C floating-point expression does. */

/* True if the host rounds to nearest-even with subnormals enabled (no FTZ/DAZ): 1 +- 2^-60 both
 * round to 1 only in RNE, and 2^-1074 * 1 survives only without FTZ and DAZ. Compared as integers
 * because DAZ would also make a floating-point compare treat 2^-1074 as 0. */
static inline bool host_is_default_mode(void)
{
    __m128d eps = _mm_set_pd(-0x1p-60, 0x1p-60);
    __m128d tiny = _mm_set1_pd(0x1p-1074);
    __m128d one = _mm_set1_pd(1.0);
    /* Hide the operands so the compiler, which assumes RNE, cannot fold the probe away. */
    __asm__ volatile("" : "+x"(eps), "+x"(tiny));
    __m128i sum = _mm_castpd_si128(_mm_add_pd(one, eps));
    __m128i prod = _mm_castpd_si128(_mm_mul_pd(tiny, one));
    __m128i ok = _mm_and_si128(_mm_cmpeq_epi32(sum, _mm_castpd_si128(one)),
                               _mm_cmpeq_epi32(prod, _mm_castpd_si128(tiny)));
    return _mm_movemask_epi8(ok) == 0xffff;
}

/* Magnitude in (smallest normal, infinity): not NaN, no overflow, not tiny. */
static inline bool clear_of_exceptions(const struct fmt_bits *f, uint64_t r)
{
    uint64_t mag = r & ~f->sign;
    return mag - (f->min_normal + 1) < f->exp - (f->min_normal + 1);
}

/* Finite and not NaN. Sums never underflow (a tiny sum is exact), so this is enough for them. */
static inline bool bits_is_finite(const struct fmt_bits *f, uint64_t r)
{
    return (r & ~f->sign) < f->exp;
}

static inline bool fast_d(enum sse_op op, uint64_t a, uint64_t b, uint32_t *fflags, uint64_t *out)
{
    bool nx_known = *fflags & RV_FFLAG_NX;
    bool sum = op == OP_ADD || op == OP_SUB;

    if (!(nx_known || sum) || !host_is_default_mode())
        return false;
    __m128d x = _mm_castsi128_pd(_mm_cvtsi64_si128((long long)a));
    __m128d y = _mm_castsi128_pd(_mm_cvtsi64_si128((long long)(op == OP_SUB ? b ^ FMT_D.sign : b)));
    __m128d r;
    switch (op) {
    case OP_ADD:
    case OP_SUB:
        r = _mm_add_sd(x, y);
        break;
    case OP_MUL:
        r = _mm_mul_sd(x, y);
        break;
    case OP_DIV:
        r = _mm_div_sd(x, y);
        break;
    default:
        r = _mm_sqrt_sd(x, x);
        break;
    }
    uint64_t bits = (uint64_t)_mm_cvtsi128_si64(_mm_castpd_si128(r));
    if (!(sum ? bits_is_finite(&FMT_D, bits) : clear_of_exceptions(&FMT_D, bits)))
        return false;
    if (!nx_known) {
        /* TwoSum (Knuth): err = (x + y) - r exactly, as r did not overflow. */
        __m128d yv = _mm_sub_sd(r, x);
        __m128d err = _mm_add_sd(_mm_sub_sd(x, _mm_sub_sd(r, yv)), _mm_sub_sd(y, yv));
        if ((uint64_t)_mm_cvtsi128_si64(_mm_castpd_si128(err)) << 1)
            *fflags |= RV_FFLAG_NX;
    }
    *out = bits;
    return true;
}

static inline bool fast_s(enum sse_op op, uint32_t a, uint32_t b, uint32_t *fflags, uint32_t *out)
{
    bool nx_known = *fflags & RV_FFLAG_NX;
    bool sum = op == OP_ADD || op == OP_SUB;

    if (!(nx_known || sum) || !host_is_default_mode())
        return false;
    __m128 x = _mm_castsi128_ps(_mm_cvtsi32_si128((int)a));
    __m128 y = _mm_castsi128_ps(_mm_cvtsi32_si128((int)(op == OP_SUB ? b ^ 0x80000000u : b)));
    __m128 r;
    switch (op) {
    case OP_ADD:
    case OP_SUB:
        r = _mm_add_ss(x, y);
        break;
    case OP_MUL:
        r = _mm_mul_ss(x, y);
        break;
    case OP_DIV:
        r = _mm_div_ss(x, y);
        break;
    default:
        r = _mm_sqrt_ss(x);
        break;
    }
    uint32_t bits = (uint32_t)_mm_cvtsi128_si32(_mm_castps_si128(r));
    if (!(sum ? bits_is_finite(&FMT_S, bits) : clear_of_exceptions(&FMT_S, bits)))
        return false;
    if (!nx_known) {
        __m128 yv = _mm_sub_ss(r, x);
        __m128 err = _mm_add_ss(_mm_sub_ss(x, _mm_sub_ss(r, yv)), _mm_sub_ss(y, yv));
        if ((uint32_t)_mm_cvtsi128_si32(_mm_castps_si128(err)) << 1)
            *fflags |= RV_FFLAG_NX;
    }
    *out = bits;
    return true;
}

/* Fused multiply-add on the fast path only once NX is known (there is no cheap exact error). */
static inline bool fast_fma_d(uint64_t a, uint64_t b, uint64_t c, uint32_t *fflags, uint64_t *out)
{
    if (!(*fflags & RV_FFLAG_NX) || !rv_fpu_host_has_fma() || !host_is_default_mode())
        return false;
    __m128d x = _mm_castsi128_pd(_mm_cvtsi64_si128((long long)a));
    __m128d y = _mm_castsi128_pd(_mm_cvtsi64_si128((long long)b));
    __m128d z = _mm_castsi128_pd(_mm_cvtsi64_si128((long long)c));
    __asm__("vfmadd231sd %[m2], %[m1], %[acc]" : [acc] "+x"(z) : [m1] "x"(x), [m2] "x"(y));
    uint64_t bits = (uint64_t)_mm_cvtsi128_si64(_mm_castpd_si128(z));
    if (!clear_of_exceptions(&FMT_D, bits))
        return false;
    *out = bits;
    return true;
}

static inline bool fast_fma_s(uint32_t a, uint32_t b, uint32_t c, uint32_t *fflags, uint32_t *out)
{
    if (!(*fflags & RV_FFLAG_NX) || !rv_fpu_host_has_fma() || !host_is_default_mode())
        return false;
    __m128 x = _mm_castsi128_ps(_mm_cvtsi32_si128((int)a));
    __m128 y = _mm_castsi128_ps(_mm_cvtsi32_si128((int)b));
    __m128 z = _mm_castsi128_ps(_mm_cvtsi32_si128((int)c));
    __asm__("vfmadd231ss %[m2], %[m1], %[acc]" : [acc] "+x"(z) : [m1] "x"(x), [m2] "x"(y));
    uint32_t bits = (uint32_t)_mm_cvtsi128_si32(_mm_castps_si128(z));
    if (!clear_of_exceptions(&FMT_S, bits))
        return false;
    *out = bits;
    return true;
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
#define FAST_D(rm, op, a, b, fflags, out) ((rm) == RV_RM_RNE && fast_d(op, a, b, fflags, out))
#define FAST_S(rm, op, a, b, fflags, out) ((rm) == RV_RM_RNE && fast_s(op, a, b, fflags, out))
#else
#define SSE_D(op, a, b, rm, fflags) 0
#define SSE_S(op, a, b, rm, fflags) 0
#define FAST_D(rm, op, a, b, fflags, out) ((void)(out), false)
#define FAST_S(rm, op, a, b, fflags, out) ((void)(out), false)
#endif

uint64_t rv_fpu_add_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    uint64_t r;
    if (FAST_D(rm, OP_ADD, a, b, fflags, &r))
        return r;
    if (use_sse(rm))
        return SSE_D(OP_ADD, a, b, rm, fflags);
    return rv_softfp_add(RV_SOFTFP_D, a, b, rm, fflags);
}

uint64_t rv_fpu_sub_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    uint64_t r;
    if (FAST_D(rm, OP_SUB, a, b, fflags, &r))
        return r;
    if (use_sse(rm))
        return SSE_D(OP_SUB, a, b, rm, fflags);
    return rv_softfp_add(RV_SOFTFP_D, a, b ^ FMT_D.sign, rm, fflags);
}

uint64_t rv_fpu_mul_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    uint64_t r;
    if (FAST_D(rm, OP_MUL, a, b, fflags, &r))
        return r;
    if (use_sse(rm))
        return SSE_D(OP_MUL, a, b, rm, fflags);
    return rv_softfp_mul(RV_SOFTFP_D, a, b, rm, fflags);
}

uint64_t rv_fpu_div_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    uint64_t r;
    if (FAST_D(rm, OP_DIV, a, b, fflags, &r))
        return r;
    if (use_sse(rm))
        return SSE_D(OP_DIV, a, b, rm, fflags);
    return rv_softfp_div(RV_SOFTFP_D, a, b, rm, fflags);
}

/* A square root is never exactly halfway between two floats (the odd part of a midpoint has p+1
 * bits, so its square has more than p), and it cannot overflow or underflow, so RMM gives the same
 * result and flags as RNE and can use the host paths. */
static inline unsigned sqrt_mode(unsigned rm)
{
    return rm == RV_RM_RMM ? RV_RM_RNE : rm;
}

uint64_t rv_fpu_sqrt_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    uint64_t r;
    rm = sqrt_mode(rm);
    if (FAST_D(rm, OP_SQRT, a, a, fflags, &r))
        return r;
    if (use_sse(rm))
        return SSE_D(OP_SQRT, a, a, rm, fflags);
    return rv_softfp_sqrt(RV_SOFTFP_D, a, rm, fflags);
}

uint64_t rv_fpu_add_s(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    uint32_t x = rv_fpu_unbox_s(a), y = rv_fpu_unbox_s(b);
    uint32_t r;
    if (FAST_S(rm, OP_ADD, x, y, fflags, &r))
        return rv_fpu_box_s(r);
    if (use_sse(rm))
        return rv_fpu_box_s(SSE_S(OP_ADD, x, y, rm, fflags));
    return rv_fpu_box_s((uint32_t)rv_softfp_add(RV_SOFTFP_S, x, y, rm, fflags));
}

uint64_t rv_fpu_sub_s(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    uint32_t x = rv_fpu_unbox_s(a), y = rv_fpu_unbox_s(b);
    uint32_t r;
    if (FAST_S(rm, OP_SUB, x, y, fflags, &r))
        return rv_fpu_box_s(r);
    if (use_sse(rm))
        return rv_fpu_box_s(SSE_S(OP_SUB, x, y, rm, fflags));
    return rv_fpu_box_s(
        (uint32_t)rv_softfp_add(RV_SOFTFP_S, x, y ^ (uint32_t)FMT_S.sign, rm, fflags));
}

uint64_t rv_fpu_mul_s(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    uint32_t x = rv_fpu_unbox_s(a), y = rv_fpu_unbox_s(b);
    uint32_t r;
    if (FAST_S(rm, OP_MUL, x, y, fflags, &r))
        return rv_fpu_box_s(r);
    if (use_sse(rm))
        return rv_fpu_box_s(SSE_S(OP_MUL, x, y, rm, fflags));
    return rv_fpu_box_s((uint32_t)rv_softfp_mul(RV_SOFTFP_S, x, y, rm, fflags));
}

uint64_t rv_fpu_div_s(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    uint32_t x = rv_fpu_unbox_s(a), y = rv_fpu_unbox_s(b);
    uint32_t r;
    if (FAST_S(rm, OP_DIV, x, y, fflags, &r))
        return rv_fpu_box_s(r);
    if (use_sse(rm))
        return rv_fpu_box_s(SSE_S(OP_DIV, x, y, rm, fflags));
    return rv_fpu_box_s((uint32_t)rv_softfp_div(RV_SOFTFP_S, x, y, rm, fflags));
}

uint64_t rv_fpu_sqrt_s(uint64_t a, unsigned rm, uint32_t *fflags)
{
    uint32_t x = rv_fpu_unbox_s(a);
    uint32_t r;
    rm = sqrt_mode(rm);
    if (FAST_S(rm, OP_SQRT, x, x, fflags, &r))
        return rv_fpu_box_s(r);
    if (use_sse(rm))
        return rv_fpu_box_s(SSE_S(OP_SQRT, x, x, rm, fflags));
    return rv_fpu_box_s((uint32_t)rv_softfp_sqrt(RV_SOFTFP_S, x, rm, fflags));
}

/* The four fused forms differ only in operand signs; flipping a sign bit is an exact IEEE negate
 * (NaNs stay NaNs of the same kind), so -(a*b) is computed as (-a)*b. */
static inline uint64_t fma_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
#if HOST_SSE
    uint64_t r;
    if (rm == RV_RM_RNE && fast_fma_d(a, b, c, fflags, &r))
        return r;
    if (rm < RV_RM_RMM && rv_fpu_host_has_fma())
        return sse_fma_d(a, b, c, rm, fflags);
#endif
    return rv_softfp_fma(RV_SOFTFP_D, a, b, c, rm, fflags);
}

static inline uint64_t fma_s(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
    uint32_t x = rv_fpu_unbox_s(a), y = rv_fpu_unbox_s(b), z = rv_fpu_unbox_s(c);
#if HOST_SSE
    uint32_t r;
    if (rm == RV_RM_RNE && fast_fma_s(x, y, z, fflags, &r))
        return rv_fpu_box_s(r);
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
