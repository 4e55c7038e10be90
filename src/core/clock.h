/* Host monotonic time. */
#ifndef KVMU_CORE_CLOCK_H
#define KVMU_CORE_CLOCK_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

static inline int64_t clock_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * A guest's free-running tick counter (RISC-V mtime / the `time` CSR): host time since base_ns
 * in ticks of ns_per_tick, plus the offset guest writes to the counter have made (mod 2^64).
 * The timer device writes `offset`; CPUs only read, from any thread.
 */
struct guest_clock {
    int64_t base_ns;
    uint32_t ns_per_tick;
    _Atomic uint64_t offset;
};

static inline uint64_t guest_clock_ticks(const struct guest_clock *c)
{
    int64_t elapsed = clock_now_ns() - c->base_ns;
    uint64_t ticks = elapsed > 0 ? (uint64_t)elapsed / c->ns_per_tick : 0;
    return ticks + atomic_load_explicit(&c->offset, memory_order_relaxed);
}

#endif
