/* Exact integer-only IEEE 754 binary32/binary64 arithmetic with RISC-V NaN and flag rules.
 *
 * fpu.c uses it for what the host's SSE unit cannot do (RMM rounding, FMA on hosts without
 * FMA3, non-x86 hosts) and fpu_misc.c for the conversions' uncommon cases (NaN, saturation,
 * overflow, subnormals, inexact wide integers). Operands are unboxed raw bits: binary32 values sit
 * in the low 32 bits. The unit test also runs it against the SSE paths as an independent
 * reference. */
#ifndef KVMU_CPU_RISCV_FPU_SOFT_H
#define KVMU_CPU_RISCV_FPU_SOFT_H

#include <stdbool.h>
#include <stdint.h>

enum rv_softfp_fmt { RV_SOFTFP_S, RV_SOFTFP_D };
enum rv_softfp_int { RV_SOFTFP_W, RV_SOFTFP_WU, RV_SOFTFP_L, RV_SOFTFP_LU };

uint64_t rv_softfp_add(enum rv_softfp_fmt f, uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags);
uint64_t rv_softfp_mul(enum rv_softfp_fmt f, uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags);
uint64_t rv_softfp_div(enum rv_softfp_fmt f, uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags);
uint64_t rv_softfp_sqrt(enum rv_softfp_fmt f, uint64_t a, unsigned rm, uint32_t *fflags);
/* a*b+c rounded once; subtraction and negated forms are built by flipping sign bits. */
uint64_t rv_softfp_fma(enum rv_softfp_fmt f, uint64_t a, uint64_t b, uint64_t c, unsigned rm,
                       uint32_t *fflags);

/* Saturating conversion to an integer; the result is sign-extended to 64 bits for W and WU. */
uint64_t rv_softfp_to_int(enum rv_softfp_fmt f, enum rv_softfp_int kind, uint64_t a, unsigned rm,
                          uint32_t *fflags);
/* Rounds (-1)^negative * magnitude. */
uint64_t rv_softfp_from_int(enum rv_softfp_fmt f, bool negative, uint64_t magnitude, unsigned rm,
                            uint32_t *fflags);
/* Converts a value of format from to format to. */
uint64_t rv_softfp_convert(enum rv_softfp_fmt to, enum rv_softfp_fmt from, uint64_t a, unsigned rm,
                           uint32_t *fflags);

#endif
