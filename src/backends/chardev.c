#include "backends/chardev.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

void chardev_set_quit_handler(struct chardev *chr, void (*quit)(void *opaque), void *opaque)
{
    chr->quit = quit;
    chr->quit_opaque = opaque;
}

void chardev_set_frontend(struct chardev *chr, size_t (*can_receive)(void *opaque),
                          void (*receive)(void *opaque, const uint8_t *buf, size_t len),
                          void *opaque)
{
    chr->can_receive = can_receive;
    chr->receive = receive;
    chr->fe_opaque = opaque;
    if (chr->ops->frontend_attached)
        chr->ops->frontend_attached(chr);
}

void chardev_accept_input(struct chardev *chr)
{
    if (chr && chr->ops->accept_input)
        chr->ops->accept_input(chr);
}

ssize_t chardev_write(struct chardev *chr, const uint8_t *buf, size_t len)
{
    if (!chr)
        return (ssize_t)len;
    return chr->ops->write(chr, buf, len);
}

void chardev_destroy(struct chardev *chr)
{
    if (chr)
        chr->ops->destroy(chr);
}

ssize_t chardev_write_all_fd(int fd, const uint8_t *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(fd, buf + done, len - done);
        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* Someone (a shell, a pager) left the shared tty description O_NONBLOCK: wait
             * rather than lose guest output. */
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            if (poll(&p, 1, -1) < 0 && errno != EINTR)
                return -errno;
        } else {
            return n < 0 ? -errno : -EIO;
        }
    }
    return (ssize_t)len;
}
