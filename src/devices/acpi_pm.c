#include "devices/acpi_pm.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/log.h"

#define PM1_CNT_SCI_EN 0x0001 /* ACPI mode: always on, there is no legacy mode to leave */
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_EN 0x2000

#define PM_TIMER_HZ 3579545ull

struct acpi_pm {
    struct power_ops ops;
    pthread_mutex_t lock;
    uint16_t en, cnt;
    int64_t timer_base_ns;
};

/* The PM timer counts at 3.579545 MHz from the machine's reset; 24 bits wide. */
static uint32_t pm_timer(const struct acpi_pm *pm)
{
    uint64_t ns = (uint64_t)(clock_now_ns() - pm->timer_base_ns);
    unsigned __int128 ticks = (unsigned __int128)ns * PM_TIMER_HZ / 1000000000u;
    return (uint32_t)ticks & 0xffffff;
}

static uint64_t pm_read(void *opaque, uint64_t offset, unsigned size)
{
    struct acpi_pm *pm = opaque;
    uint64_t v;

    pthread_mutex_lock(&pm->lock);
    /* Registers are read as whole little-endian words; build the block and slice it. */
    uint8_t regs[ACPI_PM_REGION_SIZE] = {0};
    uint16_t cnt = pm->cnt | PM1_CNT_SCI_EN;
    uint32_t tmr = pm_timer(pm);
    regs[2] = (uint8_t)pm->en;
    regs[3] = (uint8_t)(pm->en >> 8);
    regs[4] = (uint8_t)cnt;
    regs[5] = (uint8_t)(cnt >> 8);
    for (int i = 0; i < 4; i++)
        regs[8 + i] = (uint8_t)(tmr >> (8 * i));
    pthread_mutex_unlock(&pm->lock);
    v = 0;
    for (unsigned i = 0; i < size && offset + i < ACPI_PM_REGION_SIZE; i++)
        v |= (uint64_t)regs[offset + i] << (8 * i);
    return v;
}

static void pm_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct acpi_pm *pm = opaque;
    bool off = false;

    pthread_mutex_lock(&pm->lock);
    if (offset == 2 && size >= 2) {
        pm->en = (uint16_t)value;
    } else if (offset == ACPI_PM1_CNT_OFFSET && size >= 2) {
        uint16_t v = (uint16_t)value;
        unsigned typ = (v >> PM1_CNT_SLP_TYP_SHIFT) & 7;
        pm->cnt = v & ~PM1_CNT_SLP_EN; /* SLP_EN is write-only */
        off = (v & PM1_CNT_SLP_EN) && typ == ACPI_SLP_TYP_S5;
        if ((v & PM1_CNT_SLP_EN) && !off)
            TRACE(TRACE_GUEST_ERRORS, "acpi_pm: sleep state type %u not supported", typ);
    } else if (offset < 2) {
        /* PM1_STS: write-1-to-clear; no status bit is ever set here. */
    } else {
        TRACE(TRACE_GUEST_ERRORS, "acpi_pm: %u-byte write at 0x%llx ignored", size,
              (unsigned long long)offset);
    }
    pthread_mutex_unlock(&pm->lock);
    if (off && pm->ops.poweroff)
        pm->ops.poweroff(pm->ops.opaque, 0);
}

const struct mmio_ops acpi_pm_ops = {
    .read = pm_read,
    .write = pm_write,
    .access_sizes = 1 | 2 | 4,
};

static uint64_t reset_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)size;
    return 0;
}

static void reset_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct acpi_pm *pm = opaque;
    (void)offset;
    (void)size;
    /* Bit 2 starts the reset (the PIIX/ICH "reset control register" convention); other
     * writes only select the reset type. */
    if ((value & 0x4) && pm->ops.reset)
        pm->ops.reset(pm->ops.opaque);
}

const struct mmio_ops acpi_reset_ops = {
    .read = reset_read,
    .write = reset_write,
    .access_sizes = 1,
};

int acpi_pm_create(const struct power_ops *ops, struct acpi_pm **out)
{
    struct acpi_pm *pm = calloc(1, sizeof(*pm));
    if (!pm) {
        log_error("acpi_pm: out of memory");
        return -ENOMEM;
    }
    pm->ops = *ops;
    pthread_mutex_init(&pm->lock, NULL);
    acpi_pm_reset(pm);
    *out = pm;
    return 0;
}

void acpi_pm_reset(struct acpi_pm *pm)
{
    pthread_mutex_lock(&pm->lock);
    pm->en = 0;
    pm->cnt = 0;
    pm->timer_base_ns = clock_now_ns();
    pthread_mutex_unlock(&pm->lock);
}

void acpi_pm_destroy(struct acpi_pm *pm)
{
    if (!pm)
        return;
    pthread_mutex_destroy(&pm->lock);
    free(pm);
}
