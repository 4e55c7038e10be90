/* Physical memory protection checks (privileged spec 1.12, 3.7). */
#include "cpu/riscv/state.h"

#define PMP_R 0x01u
#define PMP_W 0x02u
#define PMP_X 0x04u
#define PMP_A_SHIFT 3
#define PMP_L 0x80u

enum { PMP_OFF = 0, PMP_TOR = 1, PMP_NA4 = 2, PMP_NAPOT = 3 };

static uint8_t cfg_of(const struct rv_hart *h, unsigned i)
{
    return (uint8_t)(h->pmpcfg[i / 8] >> (8 * (i % 8)));
}

/* [lo, hi] (inclusive, so the top of the address space is expressible) of entry i. */
static bool entry_range(const struct rv_hart *h, unsigned i, uint8_t cfg, uint64_t *lo,
                        uint64_t *hi)
{
    uint64_t a = h->pmpaddr[i];

    switch ((cfg >> PMP_A_SHIFT) & 3) {
    case PMP_TOR: {
        uint64_t base = i ? h->pmpaddr[i - 1] << 2 : 0;
        uint64_t top = a << 2;
        if (top <= base)
            return false;
        *lo = base;
        *hi = top - 1;
        return true;
    }
    case PMP_NA4:
        *lo = a << 2;
        *hi = *lo + 3;
        return true;
    case PMP_NAPOT: {
        /* The trailing ones of pmpaddr encode the size: 2^(ones + 3) bytes. */
        unsigned ones = (unsigned)__builtin_ctzll(~a);
        if (ones >= 54) {
            *lo = 0;
            *hi = ~0ull;
        } else {
            uint64_t size = 1ull << (ones + 3);
            *lo = (a & ~((1ull << ones) - 1)) << 2;
            *hi = *lo + size - 1;
        }
        return true;
    }
    default:
        return false;
    }
}

void rv_pmp_update(struct rv_hart *h)
{
    h->pmp_nrules = 0;
    for (unsigned i = 0; i < RV_PMP_COUNT; i++) {
        struct rv_pmp_rule *r = &h->pmp_rules[h->pmp_nrules];
        r->cfg = cfg_of(h, i);
        if (entry_range(h, i, r->cfg, &r->lo, &r->hi))
            h->pmp_nrules++;
    }
}

bool rv_pmp_check(const struct rv_hart *h, uint64_t gpa, uint64_t len, enum rv_access acc,
                  unsigned priv)
{
    static const uint8_t need[3] = {PMP_R, PMP_W, PMP_X};
    uint64_t last = gpa + len - 1;

    for (unsigned i = 0; i < h->pmp_nrules; i++) {
        const struct rv_pmp_rule *r = &h->pmp_rules[i];

        if (last < r->lo || gpa > r->hi)
            continue;
        /* The lowest-numbered entry matching any byte decides; it must cover all bytes. */
        if (gpa < r->lo || last > r->hi)
            return false;
        if (priv == RV_PRIV_M && !(r->cfg & PMP_L))
            return true;
        return (r->cfg & need[acc]) != 0;
    }
    /* No match: M-mode is allowed, S and U are not (entries are implemented). */
    return priv == RV_PRIV_M;
}
