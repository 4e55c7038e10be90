#include "devices/debug_exit.h"

#include <errno.h>
#include <stdlib.h>

#include "core/log.h"

struct debug_exit {
    struct power_ops ops;
};

static uint64_t debug_exit_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)size;
    return 0;
}

static void debug_exit_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct debug_exit *d = opaque;
    (void)offset;
    uint64_t mask = size >= 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;
    /* Exit statuses are 8 bits: higher values wrap as they would for exit() anyway. */
    int code = (int)((((value & mask) << 1) | 1) & 0xff);
    if (d->ops.poweroff)
        d->ops.poweroff(d->ops.opaque, code);
}

const struct mmio_ops debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
    .access_sizes = 1 | 2 | 4,
};

int debug_exit_create(const struct power_ops *ops, struct debug_exit **out)
{
    struct debug_exit *d = calloc(1, sizeof(*d));
    if (!d) {
        log_error("debug_exit: out of memory");
        return -ENOMEM;
    }
    d->ops = *ops;
    *out = d;
    return 0;
}

void debug_exit_destroy(struct debug_exit *d)
{
    free(d);
}
