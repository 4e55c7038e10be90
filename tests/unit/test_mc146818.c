/* CMOS RTC: time of day in BCD and binary, 12-hour mode, setting the time, CMOS RAM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "devices/mc146818.h"

static uint8_t rd(struct mc146818 *rtc, uint8_t reg)
{
    mc146818_ops.write(rtc, 0, reg, 1);
    return (uint8_t)mc146818_ops.read(rtc, 1, 1);
}

static void wr(struct mc146818 *rtc, uint8_t reg, uint8_t v)
{
    mc146818_ops.write(rtc, 0, reg, 1);
    mc146818_ops.write(rtc, 1, v, 1);
}

static unsigned bcd(uint8_t v)
{
    return (v >> 4) * 10 + (v & 0xf);
}

static void test_time_bcd(void **state)
{
    (void)state;
    struct mc146818 *rtc;
    assert_int_equal(mc146818_create(&rtc), 0);
    assert_int_equal(rd(rtc, 0x0a) & 0x80, 0); /* UIP never set */
    assert_int_equal(rd(rtc, 0x0d), 0x80);     /* valid RAM and time */
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    unsigned year = bcd(rd(rtc, 0x32)) * 100 + bcd(rd(rtc, 0x09));
    assert_int_equal(year, (unsigned)tm.tm_year + 1900);
    assert_int_equal(bcd(rd(rtc, 0x08)), (unsigned)tm.tm_mon + 1);
    assert_in_range(bcd(rd(rtc, 0x04)), 0, 23);
    assert_in_range(bcd(rd(rtc, 0x00)), 0, 59);
    mc146818_destroy(rtc);
}

static void test_binary_and_set(void **state)
{
    (void)state;
    struct mc146818 *rtc;
    assert_int_equal(mc146818_create(&rtc), 0);
    wr(rtc, 0x0b, 0x80 | 0x04 | 0x02); /* SET, binary, 24 h */
    wr(rtc, 0x00, 30);
    wr(rtc, 0x02, 15);
    wr(rtc, 0x04, 13);
    wr(rtc, 0x07, 2);
    wr(rtc, 0x08, 1);
    wr(rtc, 0x09, 99);
    wr(rtc, 0x32, 19);
    wr(rtc, 0x0b, 0x04 | 0x02); /* run again from 1999-01-02 13:15:30 */
    assert_int_equal(rd(rtc, 0x09), 99);
    assert_int_equal(rd(rtc, 0x32), 19);
    assert_int_equal(rd(rtc, 0x04), 13);
    assert_int_equal(rd(rtc, 0x02), 15);
    wr(rtc, 0x0b, 0x04); /* 12-hour mode: 1 PM */
    assert_int_equal(rd(rtc, 0x04), 0x80 | 1);
    mc146818_reset(rtc); /* the battery keeps the time */
    assert_int_equal(bcd(rd(rtc, 0x09)), 99);
    mc146818_destroy(rtc);
}

static void test_ram(void **state)
{
    (void)state;
    struct mc146818 *rtc;
    assert_int_equal(mc146818_create(&rtc), 0);
    wr(rtc, 0x40, 0xa5);
    wr(rtc, 0x0c, 0xff); /* read-only */
    assert_int_equal(rd(rtc, 0x40), 0xa5);
    assert_int_equal(rd(rtc, 0x0c), 0);
    mc146818_ops.write(rtc, 0, 0x80 | 0x40, 1); /* NMI mask bit is not part of the index */
    assert_int_equal(mc146818_ops.read(rtc, 1, 1), 0xa5);
    mc146818_destroy(rtc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_bcd),
        cmocka_unit_test(test_binary_and_set),
        cmocka_unit_test(test_ram),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
