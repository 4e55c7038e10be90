#include "devices/sifive_test.h"

#include <errno.h>
#include <stdlib.h>

#include "core/log.h"

/* Low 16 bits of the written value; the high 16 bits carry the FAIL exit code. */
#define FINISHER_FAIL 0x3333
#define FINISHER_PASS 0x5555
#define FINISHER_RESET 0x7777

/* No lock: the only state is the immutable power_ops, and the callbacks serialise themselves. */
struct sifive_test {
    struct power_ops ops;
};

static uint64_t sifive_test_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)size;
    return 0;
}

static void sifive_test_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct sifive_test *t = opaque;
    (void)size;

    if (offset != 0) {
        TRACE(TRACE_GUEST_ERRORS, "sifive_test: write to offset 0x%llx ignored",
              (unsigned long long)offset);
        return;
    }
    uint32_t v = (uint32_t)value;
    switch (v & 0xffff) {
    case FINISHER_PASS:
        if (t->ops.poweroff)
            t->ops.poweroff(t->ops.opaque, 0);
        break;
    case FINISHER_FAIL:
        if (t->ops.poweroff)
            t->ops.poweroff(t->ops.opaque, (int)(v >> 16));
        break;
    case FINISHER_RESET:
        if (t->ops.reset)
            t->ops.reset(t->ops.opaque);
        break;
    default:
        TRACE(TRACE_GUEST_ERRORS, "sifive_test: unknown command 0x%x", v);
        break;
    }
}

const struct mmio_ops sifive_test_mmio_ops = {
    .read = sifive_test_read,
    .write = sifive_test_write,
    .access_sizes = 2 | 4 | 8,
};

int sifive_test_create(const struct power_ops *ops, struct sifive_test **out)
{
    struct sifive_test *t = calloc(1, sizeof(*t));
    if (!t) {
        log_error("sifive_test: out of memory");
        return -ENOMEM;
    }
    t->ops = *ops;
    *out = t;
    return 0;
}

void sifive_test_reset(struct sifive_test *t)
{
    (void)t;
}

void sifive_test_destroy(struct sifive_test *t)
{
    free(t);
}
