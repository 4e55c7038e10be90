/*
 * Character backends (stdio, file, null): a small ops struct behind a common front.
 *
 * The frontend (a UART, virtio-console) registers can_receive/receive; the backend calls them
 * on the event-loop thread and stops reading its input while can_receive() returns 0, so no
 * byte is dropped. When the frontend makes room again it calls chardev_accept_input() — without
 * holding its own lock, since the backend may call back into can_receive().
 */
#ifndef KVMU_BACKENDS_CHARDEV_H
#define KVMU_BACKENDS_CHARDEV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct event_loop;
struct chardev;

struct chardev_ops {
    /* Write all of buf; block (poll) rather than drop. Returns len or -errno. */
    ssize_t (*write)(struct chardev *chr, const uint8_t *buf, size_t len);
    /* Optional: the frontend has room again. */
    void (*accept_input)(struct chardev *chr);
    /* Optional: the frontend was just attached (start reading). */
    void (*frontend_attached)(struct chardev *chr);
    /* Free the backend (including chr itself). */
    void (*destroy)(struct chardev *chr);
};

/* The part shared by every backend; each backend embeds it first. */
struct chardev {
    const struct chardev_ops *ops;
    /* Frontend; set once before input starts, read-only afterwards. */
    size_t (*can_receive)(void *opaque);
    void (*receive)(void *opaque, const uint8_t *buf, size_t len);
    void *fe_opaque;
    /* Ctrl-A x handler (stdio mux). */
    void (*quit)(void *opaque);
    void *quit_opaque;
};

int chardev_stdio_create(struct event_loop *loop, struct chardev **out)
    __attribute__((warn_unused_result));
/* Output-only: everything written goes to path (created/truncated). */
int chardev_file_create(const char *path, struct chardev **out) __attribute__((warn_unused_result));
/* Discards output, never has input. */
int chardev_null_create(struct chardev **out) __attribute__((warn_unused_result));

/* Put the terminal back as it was before chardev_stdio_create(). Async-signal-safe, idempotent;
 * main may call it from its own signal handlers. Also runs at exit and on fatal signals. */
void chardev_stdio_restore_terminal(void);

void chardev_set_quit_handler(struct chardev *chr, void (*quit)(void *opaque), void *opaque);
void chardev_set_frontend(struct chardev *chr, size_t (*can_receive)(void *opaque),
                          void (*receive)(void *opaque, const uint8_t *buf, size_t len),
                          void *opaque);
void chardev_accept_input(struct chardev *chr);
ssize_t chardev_write(struct chardev *chr, const uint8_t *buf, size_t len);
void chardev_destroy(struct chardev *chr);

/* Write all of buf to fd, waiting with poll() on EAGAIN and retrying on EINTR. For backends. */
ssize_t chardev_write_all_fd(int fd, const uint8_t *buf, size_t len)
    __attribute__((warn_unused_result));

#endif
