/*
 * stdio character backend with QEMU's mux escapes (Ctrl-A x/h/c/Ctrl-A).
 *
 * Input: stdin is watched by the event loop with EPOLLONESHOT and re-armed only while the
 * frontend has room, which is the flow control: a full UART FIFO leaves bytes in the kernel's
 * tty/pipe buffer instead of dropping them. When stdin cannot be polled (a regular file), an
 * always-readable eventfd stands in for it so the same flow-controlled path reads the file.
 *
 * Terminal: a tty stdin is switched to raw input (no echo, no line editing, no signals, so Ctrl-C
 * reaches the guest) while output post-processing (OPOST, \n -> \r\n) stays on so host log
 * lines remain readable. The original settings come back on destroy, at exit and on fatal
 * signals.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <termios.h>
#include <unistd.h>

#include "backends/chardev.h"
#include "core/event_loop.h"
#include "core/log.h"

#define ESCAPE_CHAR 0x01 /* Ctrl-A */
#define READ_CHUNK 256

/* Signals after which the terminal must not stay raw. The first four are synchronous faults. */
static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL,  SIGFPE, SIGABRT,
                                    SIGTERM, SIGHUP, SIGQUIT, SIGINT};
#define NFATAL (sizeof(fatal_signals) / sizeof(fatal_signals[0]))
#define NSYNC_FAULTS 4

/*
 * The single documented exception to "no mutable globals": the saved terminal state. A signal
 * handler receives no opaque pointer, so this is the only way it can restore the terminal. It
 * also records that a stdio chardev exists, since two cannot share one terminal.
 */
static struct {
    struct termios saved;
    volatile sig_atomic_t raw_active; /* saved is valid and the tty is raw */
    volatile sig_atomic_t in_use;
    bool handlers_installed;
    struct sigaction old_actions[NFATAL];
} stdio_tty;

struct chardev_stdio {
    struct chardev chr; /* first: the ops receive a struct chardev * */
    struct event_loop *loop;
    int in_fd;
    int out_fd;
    int watch_fd;  /* what epoll watches: in_fd, or a proxy eventfd (-1 if none) */
    int proxy_efd; /* eventfd standing in for a non-pollable stdin, else -1 */
    atomic_bool paused;
    atomic_bool stopped;      /* EOF, error or quit: input is finished */
    bool escape_pending;      /* event-loop thread only */
    bool quit_requested;      /* event-loop thread only */
    pthread_mutex_t out_lock; /* keeps concurrent writes whole */
};

void chardev_stdio_restore_terminal(void)
{
    /* Only async-signal-safe calls here: tcsetattr is one. */
    if (stdio_tty.raw_active) {
        stdio_tty.raw_active = 0;
        tcsetattr(STDIN_FILENO, TCSANOW, &stdio_tty.saved);
    }
}

static void stdio_fatal_signal(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    chardev_stdio_restore_terminal();
    for (size_t i = 0; i < NFATAL; i++) {
        if (fatal_signals[i] != sig)
            continue;
        sigaction(sig, &stdio_tty.old_actions[i], NULL);
        /* A kernel-generated fault re-executes the faulting instruction on return and reaches
         * the previous handler (default core dump, or the sanitizer's report) with its real
         * context. Anything else is re-raised; it stays blocked until we return. */
        if (i < NSYNC_FAULTS && info && info->si_code > 0)
            return;
        raise(sig);
        return;
    }
}

static void install_fatal_handlers(void)
{
    if (stdio_tty.handlers_installed)
        return;
    stdio_tty.handlers_installed = true;
    atexit(chardev_stdio_restore_terminal);
    for (size_t i = 0; i < NFATAL; i++) {
        struct sigaction old;
        if (sigaction(fatal_signals[i], NULL, &old) < 0)
            continue;
        /* Do not override a handler main (or a sanitizer) installed for termination signals;
         * faults are chained instead, see stdio_fatal_signal(). */
        bool is_default = !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL;
        if (i >= NSYNC_FAULTS && !is_default)
            continue;
        struct sigaction sa = {.sa_sigaction = stdio_fatal_signal, .sa_flags = SA_SIGINFO};
        sigemptyset(&sa.sa_mask);
        stdio_tty.old_actions[i] = old;
        sigaction(fatal_signals[i], &sa, NULL);
    }
}

static int enter_raw_mode(int fd)
{
    struct termios t;

    if (tcgetattr(fd, &t) < 0)
        return -errno;
    stdio_tty.saved = t;
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    stdio_tty.raw_active = 1;
    if (tcsetattr(fd, TCSANOW, &t) < 0) {
        stdio_tty.raw_active = 0;
        return -errno;
    }
    return 0;
}

static ssize_t stdio_write(struct chardev *chr, const uint8_t *buf, size_t len)
{
    struct chardev_stdio *s = (struct chardev_stdio *)chr;

    pthread_mutex_lock(&s->out_lock);
    ssize_t r = chardev_write_all_fd(s->out_fd, buf, len);
    pthread_mutex_unlock(&s->out_lock);
    return r;
}

static void stdio_print(struct chardev_stdio *s, const char *text)
{
    if (stdio_write(&s->chr, (const uint8_t *)text, strlen(text)) < 0)
        return; /* stdout is gone; nothing useful left to report to */
}

static void rearm(struct chardev_stdio *s)
{
    if (atomic_load(&s->stopped))
        return;
    int r = event_loop_mod_fd(s->loop, s->watch_fd, EPOLLIN | EPOLLONESHOT);
    /* -ENOENT: input stopped concurrently (EOF on the loop thread); nothing to re-arm. */
    if (r < 0 && r != -ENOENT)
        log_error("chardev stdio: cannot watch stdin: %s", strerror(-r));
}

static void stop_input(struct chardev_stdio *s)
{
    atomic_store(&s->stopped, true);
    event_loop_del_fd(s->loop, s->watch_fd);
}

static size_t frontend_room(struct chardev_stdio *s)
{
    return s->chr.can_receive ? s->chr.can_receive(s->chr.fe_opaque) : 0;
}

/* Strips the mux escapes from in[0..n) into out; returns the bytes left for the guest. Stops
 * at Ctrl-A x, setting quit_requested. */
static size_t process_escapes(struct chardev_stdio *s, const uint8_t *in, size_t n, uint8_t *out)
{
    size_t m = 0;

    for (size_t i = 0; i < n; i++) {
        uint8_t c = in[i];
        if (!s->escape_pending) {
            if (c == ESCAPE_CHAR)
                s->escape_pending = true;
            else
                out[m++] = c;
            continue;
        }
        s->escape_pending = false;
        switch (c) {
        case ESCAPE_CHAR:
            out[m++] = c;
            break;
        case 'x':
            s->quit_requested = true;
            return m; /* what was typed before the escape still reaches the guest */
        case 'h':
        case '?':
            stdio_print(s, "\nC-a h    print this help\n"
                           "C-a x    exit emulator\n"
                           "C-a c    switch between console and monitor (no monitor: ignored)\n"
                           "C-a C-a  sends C-a\n");
            break;
        default:
            break; /* like QEMU, unknown escapes are swallowed */
        }
    }
    return m;
}

static void stdio_input_ready(void *opaque, uint32_t events)
{
    struct chardev_stdio *s = opaque;
    uint8_t raw[READ_CHUNK], cooked[READ_CHUNK];
    (void)events;

    if (atomic_load(&s->stopped))
        return;
    size_t room = frontend_room(s);
    if (room == 0) {
        atomic_store(&s->paused, true);
        /* accept_input() may have run between the check and the store and seen paused ==
         * false; look again so that wake-up is not lost. */
        if (frontend_room(s) > 0 && atomic_exchange(&s->paused, false))
            rearm(s);
        return;
    }
    if (room > READ_CHUNK)
        room = READ_CHUNK;
    ssize_t n = read(s->in_fd, raw, room);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        rearm(s);
        return;
    }
    if (n <= 0) {
        /* EOF (pipe closed, file ended) or EIO (terminal hung up): stop instead of spinning. */
        stop_input(s);
        return;
    }
    size_t m = process_escapes(s, raw, (size_t)n, cooked);
    if (m > 0)
        s->chr.receive(s->chr.fe_opaque, cooked, m);
    if (s->quit_requested) {
        stop_input(s);
        stdio_print(s, "kvmu: Terminated\n");
        if (s->chr.quit)
            s->chr.quit(s->chr.quit_opaque);
        return;
    }
    rearm(s);
}

static void stdio_accept_input(struct chardev *chr)
{
    struct chardev_stdio *s = (struct chardev_stdio *)chr;

    if (atomic_load(&s->paused) && atomic_exchange(&s->paused, false))
        rearm(s);
}

static void stdio_destroy(struct chardev *chr)
{
    struct chardev_stdio *s = (struct chardev_stdio *)chr;

    if (!atomic_load(&s->stopped))
        stop_input(s);
    if (s->proxy_efd >= 0)
        close(s->proxy_efd);
    chardev_stdio_restore_terminal();
    pthread_mutex_destroy(&s->out_lock);
    stdio_tty.in_use = 0;
    free(s);
}

static const struct chardev_ops stdio_ops = {
    .write = stdio_write,
    .accept_input = stdio_accept_input,
    .frontend_attached = stdio_accept_input,
    .destroy = stdio_destroy,
};

int chardev_stdio_create(struct event_loop *loop, struct chardev **out)
{
    if (stdio_tty.in_use) {
        log_error("cannot use stdio by multiple character devices");
        return -EBUSY;
    }
    struct chardev_stdio *s = calloc(1, sizeof(*s));
    if (!s) {
        log_error("chardev stdio: out of memory");
        return -ENOMEM;
    }
    s->chr.ops = &stdio_ops;
    s->loop = loop;
    s->in_fd = STDIN_FILENO;
    s->out_fd = STDOUT_FILENO;
    s->proxy_efd = -1;
    s->watch_fd = s->in_fd;
    pthread_mutex_init(&s->out_lock, NULL);
    /* Paused until a frontend is attached; chardev_set_frontend() re-arms. */
    atomic_init(&s->paused, true);
    atomic_init(&s->stopped, false);

    int r = event_loop_add_fd(loop, s->in_fd, EPOLLONESHOT, stdio_input_ready, s);
    if (r == -EPERM) {
        /* Regular files (and /dev/null) cannot be polled but are always readable. */
        s->proxy_efd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
        if (s->proxy_efd < 0) {
            r = -errno;
        } else {
            s->watch_fd = s->proxy_efd;
            r = event_loop_add_fd(loop, s->proxy_efd, EPOLLONESHOT, stdio_input_ready, s);
        }
    }
    if (r < 0) {
        log_error("chardev stdio: cannot watch stdin: %s", strerror(-r));
        if (s->proxy_efd >= 0)
            close(s->proxy_efd);
        pthread_mutex_destroy(&s->out_lock);
        free(s);
        return r;
    }
    stdio_tty.in_use = 1;
    if (isatty(s->in_fd)) {
        install_fatal_handlers();
        r = enter_raw_mode(s->in_fd);
        if (r < 0)
            log_warn("chardev stdio: cannot set raw terminal mode: %s", strerror(-r));
    }
    *out = &s->chr;
    return 0;
}
