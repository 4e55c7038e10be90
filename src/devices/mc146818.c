#include "devices/mc146818.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"

#define REG_SECONDS 0x00
#define REG_MINUTES 0x02
#define REG_HOURS 0x04
#define REG_WEEKDAY 0x06
#define REG_DAY 0x07
#define REG_MONTH 0x08
#define REG_YEAR 0x09
#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d
#define REG_CENTURY 0x32 /* where the ACPI FADT's CENTURY field conventionally points */

#define A_DIVIDER_32K 0x20 /* 32.768 kHz time base, update cycle running */
#define A_RATE_1024HZ 0x06
#define B_24H 0x02
#define B_BINARY 0x04
#define B_SET 0x80
#define D_VRT 0x80 /* RAM and time are valid: the "battery" is fine */

struct mc146818 {
    pthread_mutex_t lock;
    uint8_t index;
    uint8_t ram[128];
    /* Seconds added to the host's clock: the guest may set the time (hwclock -w). */
    int64_t offset;
};

static uint8_t encode(const struct mc146818 *rtc, unsigned v)
{
    return rtc->ram[REG_B] & B_BINARY ? (uint8_t)v : (uint8_t)(((v / 10) << 4) | (v % 10));
}

static unsigned decode(const struct mc146818 *rtc, uint8_t v)
{
    return rtc->ram[REG_B] & B_BINARY ? v : (unsigned)((v >> 4) * 10 + (v & 0xf));
}

static uint8_t read_time(const struct mc146818 *rtc, uint8_t reg)
{
    time_t now = time(NULL) + rtc->offset;
    struct tm tm;
    gmtime_r(&now, &tm);
    switch (reg) {
    case REG_SECONDS:
        return encode(rtc, (unsigned)tm.tm_sec);
    case REG_MINUTES:
        return encode(rtc, (unsigned)tm.tm_min);
    case REG_HOURS:
        if (rtc->ram[REG_B] & B_24H)
            return encode(rtc, (unsigned)tm.tm_hour);
        /* 12-hour mode: 1-12, bit 7 = PM */
        return (uint8_t)(encode(rtc, (unsigned)(tm.tm_hour % 12 ? tm.tm_hour % 12 : 12)) |
                         (tm.tm_hour >= 12 ? 0x80 : 0));
    case REG_WEEKDAY:
        return encode(rtc, (unsigned)tm.tm_wday + 1);
    case REG_DAY:
        return encode(rtc, (unsigned)tm.tm_mday);
    case REG_MONTH:
        return encode(rtc, (unsigned)tm.tm_mon + 1);
    case REG_YEAR:
        return encode(rtc, (unsigned)(tm.tm_year % 100));
    default: /* REG_CENTURY */
        return encode(rtc, (unsigned)(tm.tm_year / 100 + 19));
    }
}

static bool is_time_reg(uint8_t reg)
{
    return reg == REG_SECONDS || reg == REG_MINUTES || reg == REG_HOURS ||
           (reg >= REG_WEEKDAY && reg <= REG_YEAR) || reg == REG_CENTURY;
}

/* The guest wrote the time (with SET held): move the offset so reads return its time. */
static void set_time(struct mc146818 *rtc)
{
    struct tm tm = {0};
    uint8_t h = rtc->ram[REG_HOURS];
    tm.tm_sec = (int)decode(rtc, rtc->ram[REG_SECONDS]);
    tm.tm_min = (int)decode(rtc, rtc->ram[REG_MINUTES]);
    if (rtc->ram[REG_B] & B_24H)
        tm.tm_hour = (int)decode(rtc, h);
    else
        tm.tm_hour = (int)(decode(rtc, h & 0x7f) % 12 + (h & 0x80 ? 12 : 0));
    tm.tm_mday = (int)decode(rtc, rtc->ram[REG_DAY]);
    tm.tm_mon = (int)decode(rtc, rtc->ram[REG_MONTH]) - 1;
    tm.tm_year =
        (int)(decode(rtc, rtc->ram[REG_CENTURY]) * 100 + decode(rtc, rtc->ram[REG_YEAR])) - 1900;
    time_t t = timegm(&tm);
    if (t != (time_t)-1)
        rtc->offset = (int64_t)t - (int64_t)time(NULL);
}

static uint64_t rtc_read(void *opaque, uint64_t offset, unsigned size)
{
    struct mc146818 *rtc = opaque;
    uint8_t v;
    (void)size;
    pthread_mutex_lock(&rtc->lock);
    if (offset == 0) {
        v = 0xff; /* the index register is write-only */
    } else {
        uint8_t reg = rtc->index;
        if (is_time_reg(reg) && !(rtc->ram[REG_B] & B_SET))
            v = read_time(rtc, reg);
        else if (reg == REG_C)
            v = 0; /* no interrupt flags: no interrupts */
        else
            v = rtc->ram[reg];
    }
    pthread_mutex_unlock(&rtc->lock);
    return v;
}

static void rtc_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct mc146818 *rtc = opaque;
    (void)size;
    pthread_mutex_lock(&rtc->lock);
    if (offset == 0) {
        rtc->index = (uint8_t)value & 0x7f; /* bit 7 masks NMIs, which we never raise */
    } else {
        uint8_t reg = rtc->index;
        switch (reg) {
        case REG_A:
            rtc->ram[REG_A] = (uint8_t)value & 0x7f; /* UIP is read-only and always clear */
            break;
        case REG_B:
            if ((rtc->ram[REG_B] & B_SET) && !(value & B_SET))
                set_time(rtc);
            else if (!(rtc->ram[REG_B] & B_SET) && (value & B_SET))
                for (uint8_t r = 0; r <= REG_YEAR; r++) /* latch the clock for editing */
                    if (is_time_reg(r))
                        rtc->ram[r] = read_time(rtc, r);
            rtc->ram[REG_B] = (uint8_t)value;
            break;
        case REG_C:
        case REG_D:
            break; /* read-only */
        default:
            rtc->ram[reg] = (uint8_t)value;
            break;
        }
    }
    pthread_mutex_unlock(&rtc->lock);
}

const struct mmio_ops mc146818_ops = {.read = rtc_read, .write = rtc_write, .access_sizes = 1};

int mc146818_create(struct mc146818 **out)
{
    struct mc146818 *rtc = calloc(1, sizeof(*rtc));
    if (!rtc) {
        log_error("mc146818: out of memory");
        return -ENOMEM;
    }
    pthread_mutex_init(&rtc->lock, NULL);
    mc146818_reset(rtc);
    *out = rtc;
    return 0;
}

void mc146818_reset(struct mc146818 *rtc)
{
    pthread_mutex_lock(&rtc->lock);
    /* The time (offset) and CMOS RAM survive a reset, as the battery keeps them. */
    rtc->index = 0;
    rtc->ram[REG_A] = A_DIVIDER_32K | A_RATE_1024HZ;
    rtc->ram[REG_B] = B_24H;
    rtc->ram[REG_D] = D_VRT;
    pthread_mutex_unlock(&rtc->lock);
}

void mc146818_destroy(struct mc146818 *rtc)
{
    if (!rtc)
        return;
    pthread_mutex_destroy(&rtc->lock);
    free(rtc);
}
