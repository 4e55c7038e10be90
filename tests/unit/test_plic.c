/* SiFive PLIC: priority/threshold, claim/complete, per-context enables, level re-pend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "devices/plic.h"

#define NCTX 4
#define NSRC 96

struct fixture {
    bool level[NCTX];
    unsigned calls[NCTX];
    struct plic *p;
    struct irq_line src[NSRC];
};

static void ctx_set(void *opaque, unsigned num, bool level)
{
    struct fixture *f = opaque;
    f->level[num] = level;
    f->calls[num]++;
}

static int setup(void **state)
{
    struct fixture *f = test_calloc(1, sizeof(*f));
    struct irq_line lines[NCTX];
    for (unsigned k = 0; k < NCTX; k++)
        lines[k] = (struct irq_line){.set = ctx_set, .opaque = f, .num = k};
    assert_int_equal(plic_create(NSRC, NCTX, lines, &f->p), 0);
    for (unsigned s = 0; s < NSRC; s++)
        f->src[s] = plic_source_line(f->p, s);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    plic_destroy(f->p);
    test_free(f);
    return 0;
}

static uint32_t rd(struct fixture *f, uint64_t off)
{
    return (uint32_t)plic_mmio_ops.read(f->p, off, 4);
}

static void wr(struct fixture *f, uint64_t off, uint32_t v)
{
    plic_mmio_ops.write(f->p, off, v, 4);
}

static void set_prio(struct fixture *f, unsigned src, uint32_t prio)
{
    wr(f, 4 * src, prio);
}

static void enable(struct fixture *f, unsigned ctx, unsigned src)
{
    uint64_t off = 0x2000 + 0x80 * ctx + 4 * (src / 32);
    wr(f, off, rd(f, off) | (1u << (src % 32)));
}

static uint32_t claim(struct fixture *f, unsigned ctx)
{
    return rd(f, 0x200004 + 0x1000 * ctx);
}

static void complete(struct fixture *f, unsigned ctx, uint32_t src)
{
    wr(f, 0x200004 + 0x1000 * ctx, src);
}

static void threshold(struct fixture *f, unsigned ctx, uint32_t t)
{
    wr(f, 0x200000 + 0x1000 * ctx, t);
}

static void test_registers(void **state)
{
    struct fixture *f = *state;
    set_prio(f, 10, 0xff);
    assert_int_equal(rd(f, 4 * 10), 7); /* 3 bits */
    set_prio(f, 0, 5);
    assert_int_equal(rd(f, 0), 0); /* source 0 does not exist */
    threshold(f, 1, 3);
    assert_int_equal(rd(f, 0x201000), 3);
    wr(f, 0x2000 + 0x80 * 2, 0xffffffff);
    assert_int_equal(rd(f, 0x2000 + 0x80 * 2), 0xfffffffe);
    wr(f, 0x2000 + 0x80 * 2 + 8, 0xffffffff); /* sources 64..95 all exist */
    assert_int_equal(rd(f, 0x2000 + 0x80 * 2 + 8), 0xffffffff);
    wr(f, 0x2000 + 0x80 * 2 + 12, 0xffffffff); /* beyond nsources */
    assert_int_equal(rd(f, 0x2000 + 0x80 * 2 + 12), 0);
    assert_int_equal(rd(f, 0x2000), 0); /* context 0 untouched */
}

static void test_pending_follows_level(void **state)
{
    struct fixture *f = *state;
    irq_line_set(&f->src[10], true);
    assert_int_equal(rd(f, 0x1000), 1u << 10);
    irq_line_set(&f->src[33], true);
    assert_int_equal(rd(f, 0x1004), 1u << 1);
    irq_line_set(&f->src[10], false);
    assert_int_equal(rd(f, 0x1000), 0);
    /* Nothing enabled or prioritised: no context interrupt. */
    for (unsigned k = 0; k < NCTX; k++)
        assert_false(f->level[k]);
}

static void test_priority_threshold_claim(void **state)
{
    struct fixture *f = *state;
    set_prio(f, 5, 1);
    set_prio(f, 6, 3);
    set_prio(f, 7, 3);
    enable(f, 1, 5);
    enable(f, 1, 6);
    enable(f, 1, 7);
    irq_line_set(&f->src[5], true);
    assert_true(f->level[1]);
    assert_false(f->level[0]);
    threshold(f, 1, 1); /* priority must exceed the threshold */
    assert_false(f->level[1]);
    threshold(f, 1, 0);
    assert_true(f->level[1]);
    irq_line_set(&f->src[7], true);
    irq_line_set(&f->src[6], true);
    /* Highest priority first, ties to the lowest id. */
    assert_int_equal(claim(f, 1), 6);
    assert_int_equal(claim(f, 1), 7);
    assert_int_equal(claim(f, 1), 5);
    assert_int_equal(claim(f, 1), 0);
    assert_false(f->level[1]);
    /* Claimed sources are not pending. */
    assert_int_equal(rd(f, 0x1000) & 0xe0, 0);
    /* Lowered before complete: no re-pend. */
    irq_line_set(&f->src[5], false);
    complete(f, 1, 5);
    assert_int_equal(rd(f, 0x1000) & (1u << 5), 0);
    /* Still asserted at complete: pending again and the context line rises. */
    complete(f, 1, 6);
    assert_true(f->level[1]);
    assert_int_equal(claim(f, 1), 6);
    complete(f, 1, 6);
    complete(f, 1, 7);
    assert_true(f->level[1]);
}

static void test_priority_zero_never_interrupts(void **state)
{
    struct fixture *f = *state;
    enable(f, 0, 9);
    irq_line_set(&f->src[9], true);
    assert_false(f->level[0]);
    assert_int_equal(claim(f, 0), 0);
    set_prio(f, 9, 1);
    assert_true(f->level[0]);
}

static void test_enables_per_context(void **state)
{
    struct fixture *f = *state;
    set_prio(f, 40, 2);
    enable(f, 3, 40);
    irq_line_set(&f->src[40], true);
    assert_true(f->level[3]);
    assert_false(f->level[0]);
    assert_false(f->level[1]);
    assert_false(f->level[2]);
    assert_int_equal(claim(f, 2), 0); /* not enabled there */
    enable(f, 2, 40);
    assert_true(f->level[2]);
    assert_int_equal(claim(f, 2), 40);
    /* Claimed by context 2: context 3 no longer sees it. */
    assert_false(f->level[3]);
    assert_false(f->level[2]);
    complete(f, 2, 40);
    assert_true(f->level[2]);
    assert_true(f->level[3]);
}

static void test_bad_sources_ignored(void **state)
{
    struct fixture *f = *state;
    struct irq_line bogus = plic_source_line(f->p, 500);
    irq_line_set(&bogus, true);
    complete(f, 0, 12345);
    complete(f, 0, 0);
    assert_int_equal(rd(f, 0x200000 + 0x1000 * 100), 0); /* no such context */
    for (unsigned k = 0; k < NCTX; k++)
        assert_false(f->level[k]);
}

static void test_reset(void **state)
{
    struct fixture *f = *state;
    set_prio(f, 3, 1);
    enable(f, 0, 3);
    irq_line_set(&f->src[3], true);
    assert_true(f->level[0]);
    plic_reset(f->p);
    assert_false(f->level[0]);
    assert_int_equal(rd(f, 12), 0);
    assert_int_equal(rd(f, 0x1000), 1u << 3); /* level kept */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_follows_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority_threshold_claim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority_zero_never_interrupts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enables_per_context, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_sources_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
