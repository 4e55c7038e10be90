#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/chardev.h"
#include "core/log.h"

struct chardev_file {
    struct chardev chr; /* first: the ops receive a struct chardev * */
    int fd;
    pthread_mutex_t lock; /* keeps writes from several harts whole */
};

static ssize_t file_write(struct chardev *chr, const uint8_t *buf, size_t len)
{
    struct chardev_file *f = (struct chardev_file *)chr;

    pthread_mutex_lock(&f->lock);
    ssize_t r = chardev_write_all_fd(f->fd, buf, len);
    pthread_mutex_unlock(&f->lock);
    return r;
}

static void file_destroy(struct chardev *chr)
{
    struct chardev_file *f = (struct chardev_file *)chr;

    close(f->fd);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

static const struct chardev_ops file_ops = {
    .write = file_write,
    .destroy = file_destroy,
};

int chardev_file_create(const char *path, struct chardev **out)
{
    struct chardev_file *f = calloc(1, sizeof(*f));
    if (!f) {
        log_error("chardev file: out of memory");
        return -ENOMEM;
    }
    f->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (f->fd < 0) {
        int err = -errno;
        log_error("Could not open '%s': %s", path, strerror(errno));
        free(f);
        return err;
    }
    pthread_mutex_init(&f->lock, NULL);
    f->chr.ops = &file_ops;
    *out = &f->chr;
    return 0;
}
