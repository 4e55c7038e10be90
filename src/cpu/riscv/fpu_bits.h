/* Bit-level views of binary32/binary64 encodings shared by the fpu*.c files (private). */
#ifndef KVMU_CPU_RISCV_FPU_BITS_H
#define KVMU_CPU_RISCV_FPU_BITS_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/riscv/fpu.h"

/* Format constants for the bit-level helpers below; binary32 values live in the low 32 bits. */
struct fmt_bits {
    uint64_t sign;
    uint64_t exp;   /* exponent field mask */
    uint64_t quiet; /* most significant mantissa bit */
    uint64_t canonical_nan;
    uint64_t all;        /* every bit of the format */
    uint64_t min_normal; /* smallest positive normal */
};

static const struct fmt_bits FMT_S = {
    1ull << 31, 0x7f800000ull, 1ull << 22, RV_FPU_CANONICAL_NAN_S, 0xffffffffull, 0x00800000ull};
static const struct fmt_bits FMT_D = {1ull << 63, 0x7ff0000000000000ull,
                                      1ull << 51, RV_FPU_CANONICAL_NAN_D,
                                      ~0ull,      0x0010000000000000ull};

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

/* Whether discarding round_bits (half = weight of the first discarded bit) rounds the magnitude
 * up, for a value of the given sign whose kept part is odd or even. */
static inline bool round_increment(unsigned rm, bool sign, uint64_t round_bits, uint64_t half,
                                   bool odd)
{
    switch (rm) {
    case RV_RM_RNE:
        return round_bits > half || (round_bits == half && odd);
    case RV_RM_RDN:
        return sign && round_bits;
    case RV_RM_RUP:
        return !sign && round_bits;
    case RV_RM_RMM:
        return round_bits >= half;
    default: /* RTZ; invalid modes are trapped by the caller */
        return false;
    }
}

#endif
