#include <errno.h>
#include <stdlib.h>

#include "backends/chardev.h"
#include "core/log.h"

static ssize_t null_write(struct chardev *chr, const uint8_t *buf, size_t len)
{
    (void)chr;
    (void)buf;
    return (ssize_t)len;
}

static void null_destroy(struct chardev *chr)
{
    free(chr);
}

static const struct chardev_ops null_ops = {
    .write = null_write,
    .destroy = null_destroy,
};

int chardev_null_create(struct chardev **out)
{
    struct chardev *chr = calloc(1, sizeof(*chr));
    if (!chr) {
        log_error("chardev null: out of memory");
        return -ENOMEM;
    }
    chr->ops = &null_ops;
    *out = chr;
    return 0;
}
