/* ACLINT (CLINT layout): mtime, mtimecmp -> MTIP via event-loop timers, msip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/event_loop.h"
#include "devices/aclint.h"

#define NHARTS 2

struct fixture {
    bool msip[NHARTS], mtip[NHARTS];
    unsigned mtip_calls[NHARTS];
    struct event_loop *loop;
    struct aclint *a;
    struct guest_clock clock;
};

static void msip_set(void *opaque, unsigned num, bool level)
{
    ((struct fixture *)opaque)->msip[num] = level;
}

static void mtip_set(void *opaque, unsigned num, bool level)
{
    struct fixture *f = opaque;
    f->mtip[num] = level;
    f->mtip_calls[num]++;
}

static int setup(void **state)
{
    struct fixture *f = test_calloc(1, sizeof(*f));
    struct irq_line ms[NHARTS], mt[NHARTS];
    for (unsigned i = 0; i < NHARTS; i++) {
        ms[i] = (struct irq_line){.set = msip_set, .opaque = f, .num = i};
        mt[i] = (struct irq_line){.set = mtip_set, .opaque = f, .num = i};
    }
    assert_int_equal(event_loop_create(&f->loop), 0);
    f->clock.base_ns = clock_now_ns();
    assert_int_equal(aclint_create(f->loop, NHARTS, &f->clock, ms, mt, &f->a), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    aclint_destroy(f->a);
    event_loop_destroy(f->loop);
    test_free(f);
    return 0;
}

static uint64_t rd(struct fixture *f, uint64_t off, unsigned size)
{
    return aclint_mmio_ops.read(f->a, off, size);
}

static void wr(struct fixture *f, uint64_t off, uint64_t v, unsigned size)
{
    aclint_mmio_ops.write(f->a, off, v, size);
}

static void test_mtime_monotonic(void **state)
{
    struct fixture *f = *state;
    uint64_t prev = rd(f, 0xbff8, 8);
    for (int i = 0; i < 1000; i++) {
        uint64_t now = rd(f, 0xbff8, 8);
        assert_true(now >= prev);
        prev = now;
    }
    /* 10 MHz: 2 ms of host time is about 20000 ticks. */
    uint64_t t0 = rd(f, 0xbff8, 8);
    struct timespec ts = {0, 2000000};
    nanosleep(&ts, NULL);
    uint64_t t1 = rd(f, 0xbff8, 8);
    assert_true(t1 - t0 >= 20000);
    assert_true(t1 - t0 < 20000 * 50);
    /* 32-bit halves agree with the 64-bit value. */
    uint64_t lo = rd(f, 0xbff8, 4), hi = rd(f, 0xbffc, 4);
    assert_true(lo <= 0xffffffffull);
    assert_true(((hi << 32) | lo) >= t1);
}

static void test_mtime_write(void **state)
{
    struct fixture *f = *state;
    wr(f, 0xbff8, 1000000000000ull, 8);
    uint64_t v = rd(f, 0xbff8, 8);
    assert_true(v >= 1000000000000ull && v < 1000000000000ull + 10000000);
    /* The clock the harts' `time` CSR reads moved with it. */
    uint64_t t = guest_clock_ticks(&f->clock);
    assert_true(t >= v && t < 1000000000000ull + 10000000);
}

static void test_mtimecmp_immediate(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(rd(f, 0x4000, 8), UINT64_MAX);
    assert_false(f->mtip[0]);
    wr(f, 0x4000, 0, 8); /* already passed */
    assert_true(f->mtip[0]);
    assert_false(f->mtip[1]);
    wr(f, 0x4000, UINT64_MAX, 8);
    assert_false(f->mtip[0]);
    /* 32-bit halves. */
    wr(f, 0x4008, 0x12345678, 4);
    assert_int_equal(rd(f, 0x4008, 8), 0xffffffff12345678ull);
    assert_false(f->mtip[1]);
    wr(f, 0x400c, 0, 4);
    assert_int_equal(rd(f, 0x400c, 4), 0);
    assert_false(f->mtip[1]); /* 0x12345678 ticks is ~30 s away */
    wr(f, 0x4008, 0, 4);
    assert_true(f->mtip[1]);
}

static void test_mtimecmp_timer(void **state)
{
    struct fixture *f = *state;
    uint64_t now = rd(f, 0xbff8, 8);
    int64_t start = clock_now_ns();
    wr(f, 0x4008, now + 30000, 8); /* 3 ms */
    assert_false(f->mtip[1]);
    while (!f->mtip[1] && clock_now_ns() - start < 2000000000)
        assert_true(event_loop_run_once(f->loop, 100) >= 0);
    assert_true(f->mtip[1]);
    assert_true(clock_now_ns() - start >= 2900000);
    assert_true(rd(f, 0xbff8, 8) >= now + 30000);
    assert_false(f->mtip[0]);
    /* Pushing the deadline out lowers it again. */
    wr(f, 0x4008, UINT64_MAX, 8);
    assert_false(f->mtip[1]);
}

static void test_msip(void **state)
{
    struct fixture *f = *state;
    wr(f, 0x4, 1, 4);
    assert_true(f->msip[1]);
    assert_false(f->msip[0]);
    assert_int_equal(rd(f, 0x4, 4), 1);
    wr(f, 0x4, 0xfffffffe, 4); /* only bit 0 counts */
    assert_false(f->msip[1]);
    wr(f, 0x8, 1, 4); /* hart 2 does not exist */
    assert_int_equal(rd(f, 0x8, 4), 0);
}

static void test_reset(void **state)
{
    struct fixture *f = *state;
    wr(f, 0x0, 1, 4);
    wr(f, 0x4000, 0, 8);
    assert_true(f->msip[0]);
    assert_true(f->mtip[0]);
    aclint_reset(f->a);
    assert_false(f->msip[0]);
    assert_false(f->mtip[0]);
    assert_int_equal(rd(f, 0x4000, 8), UINT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mtime_monotonic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mtime_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mtimecmp_immediate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mtimecmp_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
