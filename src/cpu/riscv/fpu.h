/* RISC-V F and D extension arithmetic (unprivileged spec v20191213, ch. 11-12), shared by the
 * interpreter and the JIT.
 *
 * Operands and results are raw 64-bit f-register contents. Single-precision inputs are unboxed
 * (improper boxing -> canonical NaN) and results NaN-boxed. rm is an already-resolved rounding
 * mode 0..4 (the caller traps on invalid ones). Raised exceptions are OR-ed into *fflags.
 *
 * Results are bit-exact to the spec: canonical NaNs, tininess detected after rounding, saturating
 * conversions to integers, whatever the host's rounding mode. The host's rounding mode, FTZ/DAZ
 * and exception masks are left as they were found; host exception flags may be raised (as by any
 * C floating-point expression), and host exceptions must stay masked (the C default). */
#ifndef KVMU_CPU_RISCV_FPU_H
#define KVMU_CPU_RISCV_FPU_H

#include <stdint.h>

enum { RV_FFLAG_NX = 1, RV_FFLAG_UF = 2, RV_FFLAG_OF = 4, RV_FFLAG_DZ = 8, RV_FFLAG_NV = 16 };
enum { RV_RM_RNE = 0, RV_RM_RTZ = 1, RV_RM_RDN = 2, RV_RM_RUP = 3, RV_RM_RMM = 4 };

#define RV_FPU_CANONICAL_NAN_S 0x7fc00000u
#define RV_FPU_CANONICAL_NAN_D 0x7ff8000000000000ull

/* NaN boxing: a single in a 64-bit register has all upper 32 bits set. */
static inline uint64_t rv_fpu_box_s(uint32_t v)
{
    return 0xffffffff00000000ull | v;
}

static inline uint32_t rv_fpu_unbox_s(uint64_t r)
{
    return (r >> 32) == 0xffffffffu ? (uint32_t)r : RV_FPU_CANONICAL_NAN_S;
}

/* Arithmetic. */
uint64_t rv_fpu_add_s(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_sub_s(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_mul_s(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_div_s(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_sqrt_s(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_add_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_sub_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_mul_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_div_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_sqrt_d(uint64_t a, unsigned rm, uint32_t *fflags);

/* Fused multiply-add, one rounding: madd a*b+c, msub a*b-c, nmsub -(a*b)+c, nmadd -(a*b)-c. */
uint64_t rv_fpu_madd_s(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_msub_s(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_nmsub_s(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_nmadd_s(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_madd_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_msub_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_nmsub_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_nmadd_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags);

/* minimumNumber / maximumNumber with -0.0 < +0.0. */
uint64_t rv_fpu_min_s(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t rv_fpu_max_s(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t rv_fpu_min_d(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t rv_fpu_max_d(uint64_t a, uint64_t b, uint32_t *fflags);

/* Sign injection: bit operations, never raise flags or canonicalize NaNs. */
uint64_t rv_fpu_sgnj_s(uint64_t a, uint64_t b);
uint64_t rv_fpu_sgnjn_s(uint64_t a, uint64_t b);
uint64_t rv_fpu_sgnjx_s(uint64_t a, uint64_t b);
uint64_t rv_fpu_sgnj_d(uint64_t a, uint64_t b);
uint64_t rv_fpu_sgnjn_d(uint64_t a, uint64_t b);
uint64_t rv_fpu_sgnjx_d(uint64_t a, uint64_t b);

/* Comparisons return 0 or 1. eq is quiet (NV only for sNaN); lt and le signal on any NaN. */
uint64_t rv_fpu_eq_s(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t rv_fpu_lt_s(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t rv_fpu_le_s(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t rv_fpu_eq_d(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t rv_fpu_lt_d(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t rv_fpu_le_d(uint64_t a, uint64_t b, uint32_t *fflags);

/* fclass: one of the ten RV_FCLASS_* bits. */
enum {
    RV_FCLASS_NEG_INF = 1 << 0,
    RV_FCLASS_NEG_NORMAL = 1 << 1,
    RV_FCLASS_NEG_SUBNORMAL = 1 << 2,
    RV_FCLASS_NEG_ZERO = 1 << 3,
    RV_FCLASS_POS_ZERO = 1 << 4,
    RV_FCLASS_POS_SUBNORMAL = 1 << 5,
    RV_FCLASS_POS_NORMAL = 1 << 6,
    RV_FCLASS_POS_INF = 1 << 7,
    RV_FCLASS_SNAN = 1 << 8,
    RV_FCLASS_QNAN = 1 << 9,
};
uint64_t rv_fpu_class_s(uint64_t a);
uint64_t rv_fpu_class_d(uint64_t a);

/* To integer, saturating. The result is the x-register value: W and WU forms are sign-extended
 * to 64 bits. */
uint64_t rv_fpu_cvt_w_s(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_wu_s(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_l_s(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_lu_s(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_w_d(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_wu_d(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_l_d(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_lu_d(uint64_t a, unsigned rm, uint32_t *fflags);

/* From an x-register value (W forms use its low 32 bits). */
uint64_t rv_fpu_cvt_s_w(uint64_t x, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_s_wu(uint64_t x, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_s_l(uint64_t x, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_s_lu(uint64_t x, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_d_w(uint64_t x, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_d_wu(uint64_t x, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_d_l(uint64_t x, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_d_lu(uint64_t x, unsigned rm, uint32_t *fflags);

/* Between formats. */
uint64_t rv_fpu_cvt_s_d(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_d_s(uint64_t a, unsigned rm, uint32_t *fflags);

/* True if the host has FMA3, i.e. fused multiply-adds in RNE/RTZ/RDN/RUP run on the host's FPU
 * rather than in the soft core. */
#include <stdbool.h>
bool rv_fpu_host_has_fma(void);

#endif
