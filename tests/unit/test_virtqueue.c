/* Split virtqueue: chain walking and its rejections, used ring, interrupt suppression. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/log.h"
#include "core/memory.h"
#include "devices/virtqueue.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1u << 20)
#define QSIZE 8
#define DESC (RAM_BASE + 0x0)
#define AVAIL (RAM_BASE + 0x1000)
#define USED (RAM_BASE + 0x2000)
#define BUF (RAM_BASE + 0x10000)
#define TABLE (RAM_BASE + 0x20000)

struct fixture {
    struct guest_mem mem;
    struct virtqueue vq;
    struct virtq_elem elem;
    unsigned written_calls;
    uint64_t last_written_gpa, last_written_len;
    uint64_t written_total;
};

static void on_written(void *opaque, uint64_t gpa, uint64_t len)
{
    struct fixture *f = opaque;
    f->written_calls++;
    f->last_written_gpa = gpa;
    f->last_written_len = len;
    if (gpa >= BUF && gpa < TABLE)
        f->written_total += len;
}

static struct virtq_desc *desc(struct fixture *f)
{
    return guest_mem_ptr(&f->mem, DESC, 16 * QSIZE);
}

static struct virtq_avail *avail(struct fixture *f)
{
    return guest_mem_ptr(&f->mem, AVAIL, 4 + 2 * QSIZE + 2);
}

static struct virtq_used *used(struct fixture *f)
{
    return guest_mem_ptr(&f->mem, USED, 4 + 8 * QSIZE + 2);
}

static struct virtq_desc *table(struct fixture *f, unsigned n)
{
    return guest_mem_ptr(&f->mem, TABLE, 16 * n);
}

static void setup_vq(struct fixture *f, bool event_idx)
{
    virtqueue_reset(&f->vq, QSIZE);
    f->vq.desc_gpa = DESC;
    f->vq.avail_gpa = AVAIL;
    f->vq.used_gpa = USED;
    assert_int_equal(virtqueue_enable(&f->vq, &f->mem, event_idx), 0);
}

static int setup(void **state)
{
    struct fixture *f = test_calloc(1, sizeof(*f));
    assert_int_equal(guest_mem_add_ram(&f->mem, RAM_BASE, RAM_SIZE), 0);
    f->mem.dma_written = on_written;
    f->mem.dma_written_opaque = f;
    setup_vq(f, false);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    guest_mem_destroy(&f->mem);
    test_free(f);
    return 0;
}

static void set_desc(struct virtq_desc *d, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    *d = (struct virtq_desc){.addr = addr, .len = len, .flags = flags, .next = next};
}

/* Driver side: make head available. */
static void publish(struct fixture *f, uint16_t head)
{
    struct virtq_avail *a = avail(f);
    a->ring[a->idx % QSIZE] = head;
    a->idx++;
}

static void test_valid_direct_chain(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(virtqueue_pop(&f->vq, &f->elem), 0); /* empty */
    set_desc(&desc(f)[0], BUF, 16, VIRTQ_DESC_F_NEXT, 3);
    set_desc(&desc(f)[3], BUF + 0x100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 5);
    set_desc(&desc(f)[5], BUF + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
    publish(f, 0);
    assert_int_equal(virtqueue_pop(&f->vq, &f->elem), 1);
    assert_int_equal(f->elem.head, 0);
    assert_int_equal(f->elem.nout, 1);
    assert_int_equal(f->elem.nin, 2);
    assert_int_equal(f->elem.out_len, 16);
    assert_int_equal(f->elem.in_len, 513);
    assert_ptr_equal(f->elem.iov[1].iov_base, guest_mem_ptr(&f->mem, BUF + 0x100, 1));
    assert_int_equal(f->elem.gpa[2], BUF + 0x400);
    assert_int_equal(virtqueue_pop(&f->vq, &f->elem), 0);

    f->written_total = 0;
    virtqueue_push(&f->vq, &f->elem, 300);
    assert_int_equal(used(f)->idx, 1);
    assert_int_equal(used(f)->ring[0].id, 0);
    assert_int_equal(used(f)->ring[0].len, 300);
    assert_int_equal(f->written_total, 300); /* only the bytes written were reported */
    assert_true(virtqueue_should_notify(&f->vq));
    assert_false(virtqueue_should_notify(&f->vq)); /* nothing new */
}

static void expect_broken(struct fixture *f)
{
    assert_int_equal(virtqueue_pop(&f->vq, &f->elem), -EINVAL);
    assert_true(f->vq.broken);
    /* Stays stopped without crashing until reset. */
    assert_int_equal(virtqueue_pop(&f->vq, &f->elem), 0);
    assert_int_equal(used(f)->idx, 0);
}

static void test_loop_rejected(void **state)
{
    struct fixture *f = *state;
    set_desc(&desc(f)[0], BUF, 16, VIRTQ_DESC_F_NEXT, 1);
    set_desc(&desc(f)[1], BUF, 16, VIRTQ_DESC_F_NEXT, 0);
    publish(f, 0);
    expect_broken(f);
}

static void test_self_loop_rejected(void **state)
{
    struct fixture *f = *state;
    set_desc(&desc(f)[2], BUF, 16, VIRTQ_DESC_F_NEXT, 2);
    publish(f, 2);
    expect_broken(f);
}

static void test_full_length_chain_ok(void **state)
{
    struct fixture *f = *state;
    for (unsigned i = 0; i < QSIZE; i++)
        set_desc(&desc(f)[i], BUF + 16 * i, 16, i + 1 < QSIZE ? VIRTQ_DESC_F_NEXT : 0, i + 1);
    publish(f, 0);
    assert_int_equal(virtqueue_pop(&f->vq, &f->elem), 1);
    assert_int_equal(f->elem.nout, QSIZE);
}

static void test_out_of_ram_rejected(void **state)
{
    struct fixture *f = *state;
    set_desc(&desc(f)[0], RAM_BASE + RAM_SIZE - 8, 16, 0, 0); /* straddles the end */
    publish(f, 0);
    expect_broken(f);
}

static void test_wrapping_address_rejected(void **state)
{
    struct fixture *f = *state;
    set_desc(&desc(f)[0], UINT64_MAX - 4, 64, 0, 0);
    publish(f, 0);
    expect_broken(f);
}

static void test_low_address_rejected(void **state)
{
    struct fixture *f = *state;
    set_desc(&desc(f)[0], 0x1000, 64, VIRTQ_DESC_F_WRITE, 0);
    publish(f, 0);
    expect_broken(f);
}

static void test_next_out_of_range_rejected(void **state)
{
    struct fixture *f = *state;
    set_desc(&desc(f)[0], BUF, 16, VIRTQ_DESC_F_NEXT, QSIZE);
    publish(f, 0);
    expect_broken(f);
}

static void test_bad_head_rejected(void **state)
{
    struct fixture *f = *state;
    publish(f, QSIZE + 3);
    expect_broken(f);
}

static void test_avail_idx_too_far_rejected(void **state)
{
    struct fixture *f = *state;
    avail(f)->idx = QSIZE + 1;
    expect_broken(f);
}

static void test_readable_after_writable_rejected(void **state)
{
    struct fixture *f = *state;
    set_desc(&desc(f)[0], BUF, 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
    set_desc(&desc(f)[1], BUF, 16, 0, 0);
    publish(f, 0);
    expect_broken(f);
}

static void test_zero_length_data_skipped(void **state)
{
    struct fixture *f = *state;
    set_desc(&desc(f)[0], BUF, 16, VIRTQ_DESC_F_NEXT, 1);
    set_desc(&desc(f)[1], 0 /* never dereferenced */, 0, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
    set_desc(&desc(f)[2], BUF + 32, 1, VIRTQ_DESC_F_WRITE, 0);
    publish(f, 0);
    assert_int_equal(virtqueue_pop(&f->vq, &f->elem), 1);
    assert_int_equal(f->elem.nout, 1);
    assert_int_equal(f->elem.nin, 1);
}

static void test_indirect_valid(void **state)
{
    struct fixture *f = *state;
    struct virtq_desc *t = table(f, 3);
    set_desc(&t[0], BUF, 16, VIRTQ_DESC_F_NEXT, 2);
    set_desc(&t[2], BUF + 0x200, 4096, VIRTQ_DESC_F_NEXT, 1);
    set_desc(&t[1], BUF + 0x2000, 1, VIRTQ_DESC_F_WRITE, 0);
    set_desc(&desc(f)[4], TABLE, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    publish(f, 4);
    assert_int_equal(virtqueue_pop(&f->vq, &f->elem), 1);
    assert_int_equal(f->elem.head, 4);
    assert_int_equal(f->elem.nout, 2);
    assert_int_equal(f->elem.nin, 1);
    assert_int_equal(f->elem.out_len, 16 + 4096);
}

static void test_indirect_zero_length_rejected(void **state)
{
    struct fixture *f = *state;
    set_desc(&desc(f)[0], TABLE, 0, VIRTQ_DESC_F_INDIRECT, 0);
    publish(f, 0);
    expect_broken(f);
}

static void test_indirect_odd_length_rejected(void **state)
{
    struct fixture *f = *state;
    set_desc(&desc(f)[0], TABLE, 20, VIRTQ_DESC_F_INDIRECT, 0);
    publish(f, 0);
    expect_broken(f);
}

static void test_indirect_nested_rejected(void **state)
{
    struct fixture *f = *state;
    struct virtq_desc *t = table(f, 2);
    set_desc(&t[0], BUF, 16, VIRTQ_DESC_F_NEXT, 1);
    set_desc(&t[1], TABLE, 32, VIRTQ_DESC_F_INDIRECT, 0);
    set_desc(&desc(f)[0], TABLE, 32, VIRTQ_DESC_F_INDIRECT, 0);
    publish(f, 0);
    expect_broken(f);
}

static void test_indirect_with_next_rejected(void **state)
{
    struct fixture *f = *state;
    set_desc(&table(f, 1)[0], BUF, 16, 0, 0);
    set_desc(&desc(f)[0], TABLE, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
    set_desc(&desc(f)[1], BUF, 16, 0, 0);
    publish(f, 0);
    expect_broken(f);
}

static void test_indirect_loop_rejected(void **state)
{
    struct fixture *f = *state;
    struct virtq_desc *t = table(f, 2);
    set_desc(&t[0], BUF, 16, VIRTQ_DESC_F_NEXT, 1);
    set_desc(&t[1], BUF, 16, VIRTQ_DESC_F_NEXT, 0);
    set_desc(&desc(f)[0], TABLE, 32, VIRTQ_DESC_F_INDIRECT, 0);
    publish(f, 0);
    expect_broken(f);
}

static void test_indirect_next_beyond_table_rejected(void **state)
{
    struct fixture *f = *state;
    struct virtq_desc *t = table(f, 2);
    set_desc(&t[0], BUF, 16, VIRTQ_DESC_F_NEXT, 2); /* the table has 2 entries */
    set_desc(&desc(f)[0], TABLE, 32, VIRTQ_DESC_F_INDIRECT, 0);
    publish(f, 0);
    expect_broken(f);
}

static void test_indirect_table_outside_ram_rejected(void **state)
{
    struct fixture *f = *state;
    set_desc(&desc(f)[0], RAM_BASE + RAM_SIZE - 16, 64, VIRTQ_DESC_F_INDIRECT, 0);
    publish(f, 0);
    expect_broken(f);
}

static void test_indirect_overlong_rejected(void **state)
{
    struct fixture *f = *state;
    set_desc(&desc(f)[0], TABLE, 16 * (VIRTQ_MAX_SEGS + 1), VIRTQ_DESC_F_INDIRECT, 0);
    publish(f, 0);
    expect_broken(f);
}

static void test_reset_recovers(void **state)
{
    struct fixture *f = *state;
    publish(f, QSIZE); /* bad head */
    expect_broken(f);
    memset(avail(f), 0, 4 + 2 * QSIZE + 2);
    setup_vq(f, false);
    set_desc(&desc(f)[0], BUF, 16, 0, 0);
    publish(f, 0);
    assert_int_equal(virtqueue_pop(&f->vq, &f->elem), 1);
}

static void test_enable_checks(void **state)
{
    struct fixture *f = *state;
    virtqueue_reset(&f->vq, QSIZE);
    f->vq.desc_gpa = DESC + 8; /* misaligned */
    f->vq.avail_gpa = AVAIL;
    f->vq.used_gpa = USED;
    assert_int_equal(virtqueue_enable(&f->vq, &f->mem, false), -EINVAL);
    assert_false(f->vq.ready);
    f->vq.desc_gpa = RAM_BASE + RAM_SIZE - 64; /* ring runs off RAM */
    assert_int_equal(virtqueue_enable(&f->vq, &f->mem, false), -EINVAL);
    f->vq.desc_gpa = DESC;
    f->vq.size = 6; /* not a power of two */
    assert_int_equal(virtqueue_enable(&f->vq, &f->mem, false), -EINVAL);
    f->vq.size = QSIZE;
    assert_int_equal(virtqueue_enable(&f->vq, &f->mem, false), 0);
    assert_true(f->vq.ready);
}

static void push_one(struct fixture *f, uint16_t head)
{
    set_desc(&desc(f)[head], BUF, 16, VIRTQ_DESC_F_WRITE, 0);
    publish(f, head);
    assert_int_equal(virtqueue_pop(&f->vq, &f->elem), 1);
    virtqueue_push(&f->vq, &f->elem, 16);
}

static void test_no_interrupt_flag(void **state)
{
    struct fixture *f = *state;
    avail(f)->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
    push_one(f, 0);
    assert_false(virtqueue_should_notify(&f->vq));
    avail(f)->flags = 0;
    push_one(f, 1);
    assert_true(virtqueue_should_notify(&f->vq));
}

static void test_no_notify_flag(void **state)
{
    struct fixture *f = *state;
    virtqueue_disable_notify(&f->vq);
    assert_int_equal(used(f)->flags & VIRTQ_USED_F_NO_NOTIFY, VIRTQ_USED_F_NO_NOTIFY);
    assert_false(virtqueue_enable_notify(&f->vq));
    assert_int_equal(used(f)->flags & VIRTQ_USED_F_NO_NOTIFY, 0);
    /* A buffer that arrived while kicks were off is reported by enable_notify. */
    virtqueue_disable_notify(&f->vq);
    set_desc(&desc(f)[0], BUF, 16, 0, 0);
    publish(f, 0);
    assert_true(virtqueue_enable_notify(&f->vq));
}

static void test_event_idx(void **state)
{
    struct fixture *f = *state;
    uint16_t *used_event = &avail(f)->ring[QSIZE];
    uint16_t *avail_event = (uint16_t *)&used(f)->ring[QSIZE];

    setup_vq(f, true);
    *used_event = 0;
    push_one(f, 0);                               /* used idx 1 */
    assert_int_equal(*avail_event, 1);            /* device told the driver where it is */
    assert_true(virtqueue_should_notify(&f->vq)); /* first interrupt always goes */
    /* Driver asks to be interrupted only once used idx passes 3. */
    *used_event = 3;
    push_one(f, 1); /* 2 */
    assert_false(virtqueue_should_notify(&f->vq));
    push_one(f, 2); /* 3 */
    assert_false(virtqueue_should_notify(&f->vq));
    push_one(f, 3); /* 4: crossed used_event */
    assert_true(virtqueue_should_notify(&f->vq));
    /* A batch crossing the event in one go also notifies once. */
    *used_event = 5;
    push_one(f, 4);
    push_one(f, 5);
    push_one(f, 6);
    assert_true(virtqueue_should_notify(&f->vq));
    assert_false(virtqueue_should_notify(&f->vq));
    /* enable_notify publishes the current avail idx. */
    assert_false(virtqueue_enable_notify(&f->vq));
    assert_int_equal(*avail_event, avail(f)->idx);
}

static void test_iov_helpers(void **state)
{
    (void)state;
    uint8_t a[3], b[5], out[8];
    struct iovec iov[2] = {{a, 3}, {b, 5}};
    const uint8_t src[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(virtq_iov_from_buf(iov, 2, 2, src, 8), 6);
    assert_int_equal(a[2], 1);
    assert_int_equal(b[4], 6);
    assert_int_equal(virtq_iov_to_buf(iov, 2, 2, out, 8), 6);
    assert_memory_equal(out, src, 6);
}

int main(void)
{
    /* The rejection messages are part of what is tested: show them. */
    log_trace_mask_value = TRACE_GUEST_ERRORS;
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_valid_direct_chain),
        T(test_loop_rejected),
        T(test_self_loop_rejected),
        T(test_full_length_chain_ok),
        T(test_out_of_ram_rejected),
        T(test_wrapping_address_rejected),
        T(test_low_address_rejected),
        T(test_next_out_of_range_rejected),
        T(test_bad_head_rejected),
        T(test_avail_idx_too_far_rejected),
        T(test_readable_after_writable_rejected),
        T(test_zero_length_data_skipped),
        T(test_indirect_valid),
        T(test_indirect_zero_length_rejected),
        T(test_indirect_odd_length_rejected),
        T(test_indirect_nested_rejected),
        T(test_indirect_with_next_rejected),
        T(test_indirect_loop_rejected),
        T(test_indirect_next_beyond_table_rejected),
        T(test_indirect_table_outside_ram_rejected),
        T(test_indirect_overlong_rejected),
        T(test_reset_recovers),
        T(test_enable_checks),
        T(test_no_interrupt_flag),
        T(test_no_notify_flag),
        T(test_event_idx),
        T(test_iov_helpers),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
