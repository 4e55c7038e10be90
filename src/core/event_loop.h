/*
 * The I/O thread: one epoll loop for file descriptors (stdin, eventfds for virtqueue
 * notifications, backends) and timers. Callbacks run on the loop thread.
 */
#ifndef KVMU_CORE_EVENT_LOOP_H
#define KVMU_CORE_EVENT_LOOP_H

#include <stdint.h>

struct event_loop;
struct event_timer;

/* events: EPOLLIN/EPOLLOUT/... as reported by epoll. */
typedef void (*event_fd_cb)(void *opaque, uint32_t events);
typedef void (*event_timer_cb)(void *opaque);

int event_loop_create(struct event_loop **out) __attribute__((warn_unused_result));
/* Stops the thread if running, then frees. Registered fds are not closed (their owners close). */
void event_loop_destroy(struct event_loop *loop);
/* Start / stop the loop thread. Stop waits for the running callback to finish. */
int event_loop_start(struct event_loop *loop) __attribute__((warn_unused_result));
void event_loop_stop(struct event_loop *loop);

/* Thread-safe. One registration per fd. */
int event_loop_add_fd(struct event_loop *loop, int fd, uint32_t events, event_fd_cb cb,
                      void *opaque) __attribute__((warn_unused_result));
int event_loop_mod_fd(struct event_loop *loop, int fd, uint32_t events)
    __attribute__((warn_unused_result));
void event_loop_del_fd(struct event_loop *loop, int fd);

/* One-shot timers on CLOCK_MONOTONIC (absolute deadlines, see clock_now_ns()). Thread-safe. */
int event_timer_create(struct event_loop *loop, event_timer_cb cb, void *opaque,
                       struct event_timer **out) __attribute__((warn_unused_result));
void event_timer_arm(struct event_timer *t, int64_t deadline_ns);
void event_timer_disarm(struct event_timer *t);
void event_timer_destroy(struct event_timer *t);

/* Run one iteration on the caller's thread (for unit tests without the thread). timeout_ms as
 * epoll_wait. Returns the number of callbacks run or -errno. */
int event_loop_run_once(struct event_loop *loop, int timeout_ms);

#endif
