#include "core/event_loop.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/log.h"

/* One registered fd. Entries are never freed while the loop thread might still look at them:
 * deleted entries are parked on a list and freed when the loop is destroyed. */
struct event_source {
    int fd;
    event_fd_cb cb;
    void *opaque;
    struct event_source *next;
};

struct event_loop {
    int epfd;
    int stop_fd; /* eventfd: wakes the thread to exit */
    pthread_t thread;
    bool running;
    pthread_mutex_t lock; /* protects the source lists */
    struct event_source *sources;
    struct event_source *dead;
};

struct event_timer {
    struct event_loop *loop;
    int fd;
    event_timer_cb cb;
    void *opaque;
};

int event_loop_create(struct event_loop **out)
{
    struct event_loop *loop = calloc(1, sizeof(*loop));
    if (!loop)
        return -ENOMEM;
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    loop->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (loop->epfd < 0 || loop->stop_fd < 0) {
        int err = -errno;
        if (loop->epfd >= 0)
            close(loop->epfd);
        if (loop->stop_fd >= 0)
            close(loop->stop_fd);
        free(loop);
        return err;
    }
    pthread_mutex_init(&loop->lock, NULL);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->stop_fd, &ev) < 0) {
        int err = -errno;
        close(loop->epfd);
        close(loop->stop_fd);
        free(loop);
        return err;
    }
    *out = loop;
    return 0;
}

static void free_list(struct event_source *s)
{
    while (s) {
        struct event_source *n = s->next;
        free(s);
        s = n;
    }
}

void event_loop_destroy(struct event_loop *loop)
{
    if (!loop)
        return;
    event_loop_stop(loop);
    close(loop->epfd);
    close(loop->stop_fd);
    free_list(loop->sources);
    free_list(loop->dead);
    pthread_mutex_destroy(&loop->lock);
    free(loop);
}

int event_loop_run_once(struct event_loop *loop, int timeout_ms)
{
    struct epoll_event evs[16];
    int n = epoll_wait(loop->epfd, evs, 16, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    int ran = 0;
    for (int i = 0; i < n; i++) {
        struct event_source *s = evs[i].data.ptr;
        if (!s)
            return -ECANCELED; /* stop_fd */
        if (s->cb) {
            s->cb(s->opaque, evs[i].events);
            ran++;
        }
    }
    return ran;
}

static void *loop_thread(void *arg)
{
    struct event_loop *loop = arg;

    for (;;) {
        int r = event_loop_run_once(loop, -1);
        if (r == -ECANCELED)
            break;
        if (r < 0) {
            log_error("event loop: epoll_wait: %s", strerror(-r));
            break;
        }
    }
    return NULL;
}

int event_loop_start(struct event_loop *loop)
{
    int r = pthread_create(&loop->thread, NULL, loop_thread, loop);
    if (r)
        return -r;
    pthread_setname_np(loop->thread, "kvmu-io"); /* for ps -L, top -H and gdb */
    loop->running = true;
    return 0;
}

void event_loop_stop(struct event_loop *loop)
{
    if (!loop->running)
        return;
    uint64_t one = 1;
    if (write(loop->stop_fd, &one, sizeof(one)) < 0)
        log_error("event loop: cannot signal stop: %s", strerror(errno));
    pthread_join(loop->thread, NULL);
    loop->running = false;
    uint64_t drain;
    if (read(loop->stop_fd, &drain, sizeof(drain)) < 0 && errno != EAGAIN)
        log_error("event loop: cannot drain stop fd: %s", strerror(errno));
}

int event_loop_add_fd(struct event_loop *loop, int fd, uint32_t events, event_fd_cb cb,
                      void *opaque)
{
    struct event_source *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    *s = (struct event_source){.fd = fd, .cb = cb, .opaque = opaque};
    struct epoll_event ev = {.events = events, .data.ptr = s};
    pthread_mutex_lock(&loop->lock);
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        int err = -errno;
        pthread_mutex_unlock(&loop->lock);
        free(s);
        return err;
    }
    s->next = loop->sources;
    loop->sources = s;
    pthread_mutex_unlock(&loop->lock);
    return 0;
}

static struct event_source *find_source(struct event_loop *loop, int fd)
{
    for (struct event_source *s = loop->sources; s; s = s->next)
        if (s->fd == fd)
            return s;
    return NULL;
}

int event_loop_mod_fd(struct event_loop *loop, int fd, uint32_t events)
{
    int err = -ENOENT;
    pthread_mutex_lock(&loop->lock);
    struct event_source *s = find_source(loop, fd);
    if (s) {
        struct epoll_event ev = {.events = events, .data.ptr = s};
        err = epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
    }
    pthread_mutex_unlock(&loop->lock);
    return err;
}

void event_loop_del_fd(struct event_loop *loop, int fd)
{
    pthread_mutex_lock(&loop->lock);
    struct event_source **pp = &loop->sources;
    while (*pp && (*pp)->fd != fd)
        pp = &(*pp)->next;
    if (*pp) {
        struct event_source *s = *pp;
        epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
        *pp = s->next;
        /* The loop thread may have this source in its current batch of events: keep the
         * memory, disable the callback. */
        s->cb = NULL;
        s->next = loop->dead;
        loop->dead = s;
    }
    pthread_mutex_unlock(&loop->lock);
}

static void timer_fired(void *opaque, uint32_t events)
{
    struct event_timer *t = opaque;
    uint64_t expirations;
    (void)events;
    if (read(t->fd, &expirations, sizeof(expirations)) != sizeof(expirations))
        return; /* re-armed or disarmed in between: nothing expired */
    t->cb(t->opaque);
}

int event_timer_create(struct event_loop *loop, event_timer_cb cb, void *opaque,
                       struct event_timer **out)
{
    struct event_timer *t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    t->loop = loop;
    t->cb = cb;
    t->opaque = opaque;
    t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (t->fd < 0) {
        int err = -errno;
        free(t);
        return err;
    }
    int r = event_loop_add_fd(loop, t->fd, EPOLLIN, timer_fired, t);
    if (r < 0) {
        close(t->fd);
        free(t);
        return r;
    }
    *out = t;
    return 0;
}

void event_timer_arm(struct event_timer *t, int64_t deadline_ns)
{
    if (deadline_ns <= 0)
        deadline_ns = 1; /* an all-zero it_value would disarm */
    struct itimerspec its = {
        .it_value = {.tv_sec = deadline_ns / 1000000000, .tv_nsec = deadline_ns % 1000000000},
    };
    timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL);
}

void event_timer_disarm(struct event_timer *t)
{
    struct itimerspec its = {0};
    timerfd_settime(t->fd, 0, &its, NULL);
}

void event_timer_destroy(struct event_timer *t)
{
    if (!t)
        return;
    event_loop_del_fd(t->loop, t->fd);
    close(t->fd);
    free(t);
}
