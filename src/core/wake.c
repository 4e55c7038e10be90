#include "core/wake.h"

#include <time.h>

#include "core/clock.h"

void cpu_wake_init(struct cpu_wake *w)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    /* Deadlines are on the monotonic clock, like the guest timers. */
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&w->lock, NULL);
    w->pending = false;
}

void cpu_wake_destroy(struct cpu_wake *w)
{
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
}

void cpu_wake_signal(struct cpu_wake *w)
{
    pthread_mutex_lock(&w->lock);
    w->pending = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

void cpu_wake_wait(struct cpu_wake *w, int64_t deadline_ns)
{
    struct timespec ts = {.tv_sec = deadline_ns / 1000000000, .tv_nsec = deadline_ns % 1000000000};

    pthread_mutex_lock(&w->lock);
    while (!w->pending) {
        if (deadline_ns < 0) {
            pthread_cond_wait(&w->cond, &w->lock);
        } else if (pthread_cond_timedwait(&w->cond, &w->lock, &ts) != 0 &&
                   clock_now_ns() >= deadline_ns) {
            break;
        }
    }
    w->pending = false;
    pthread_mutex_unlock(&w->lock);
}
