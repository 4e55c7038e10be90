/*
 * A wake-up channel for an emulation thread that sleeps while its CPUs idle (WFI): any thread
 * that makes work for it (an interrupt, a stop request) signals; the sleeper waits with a
 * deadline. A signal sent before the wait is not lost.
 */
#ifndef KVMU_CORE_WAKE_H
#define KVMU_CORE_WAKE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct cpu_wake {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool pending;
};

void cpu_wake_init(struct cpu_wake *w);
void cpu_wake_destroy(struct cpu_wake *w);
void cpu_wake_signal(struct cpu_wake *w);
/* Sleep until signalled or until CLOCK_MONOTONIC reaches deadline_ns (< 0: no deadline). */
void cpu_wake_wait(struct cpu_wake *w, int64_t deadline_ns);

#endif
