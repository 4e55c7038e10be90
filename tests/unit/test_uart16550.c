/* 16550A register semantics against a fake chardev and a recording irq line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "backends/chardev.h"
#include "devices/uart16550.h"

enum {
    RBR = 0,
    THR = 0,
    DLL = 0,
    IER = 1,
    DLM = 1,
    IIR = 2,
    FCR = 2,
    LCR = 3,
    MCR = 4,
    LSR = 5,
    MSR = 6,
    SCR = 7
};

struct fake_chr {
    struct chardev chr;
    uint8_t out[256];
    size_t nout;
    unsigned accept_calls;
};

struct fake_irq {
    bool level;
    unsigned calls;
};

struct fixture {
    struct fake_chr chr;
    struct fake_irq irq;
    struct uart16550 *u;
};

static ssize_t fake_write(struct chardev *chr, const uint8_t *buf, size_t len)
{
    struct fake_chr *f = (struct fake_chr *)chr;
    memcpy(f->out + f->nout, buf, len);
    f->nout += len;
    return (ssize_t)len;
}

static void fake_accept(struct chardev *chr)
{
    ((struct fake_chr *)chr)->accept_calls++;
}

static void fake_destroy(struct chardev *chr)
{
    (void)chr;
}

static const struct chardev_ops fake_ops = {
    .write = fake_write,
    .accept_input = fake_accept,
    .destroy = fake_destroy,
};

static void irq_set(void *opaque, unsigned num, bool level)
{
    struct fake_irq *i = opaque;
    (void)num;
    i->level = level;
    i->calls++;
}

static int setup(void **state)
{
    struct fixture *f = test_calloc(1, sizeof(*f));
    f->chr.chr.ops = &fake_ops;
    struct irq_line line = {.set = irq_set, .opaque = &f->irq, .num = 10};
    assert_int_equal(uart16550_create(&f->chr.chr, line, &f->u), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    uart16550_destroy(f->u);
    test_free(f);
    return 0;
}

static uint8_t rd(struct fixture *f, unsigned reg)
{
    return (uint8_t)uart16550_mmio_ops.read(f->u, reg, 1);
}

static void wr(struct fixture *f, unsigned reg, uint8_t v)
{
    uart16550_mmio_ops.write(f->u, reg, v, 1);
}

static void feed(struct fixture *f, const char *s)
{
    f->chr.chr.receive(f->chr.chr.fe_opaque, (const uint8_t *)s, strlen(s));
}

static void test_reset_state(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(rd(f, LSR), 0x60); /* THRE | TEMT */
    assert_int_equal(rd(f, IIR), 0x01); /* no interrupt, FIFOs off */
    assert_int_equal(rd(f, IER), 0);
    assert_int_equal(rd(f, MSR) & 0xb0, 0xb0); /* DCD DSR CTS */
    assert_false(f->irq.level);
}

static void test_transmit(void **state)
{
    struct fixture *f = *state;
    wr(f, THR, 'h');
    wr(f, THR, 'i');
    assert_int_equal(f->chr.nout, 2);
    assert_memory_equal(f->chr.out, "hi", 2);
    assert_int_equal(rd(f, LSR) & 0x60, 0x60);
}

static void test_dlab(void **state)
{
    struct fixture *f = *state;
    wr(f, LCR, 0x83);
    wr(f, DLL, 0x01);
    wr(f, DLM, 0x02);
    assert_int_equal(f->chr.nout, 0); /* DLL write is not THR */
    assert_int_equal(rd(f, DLL), 0x01);
    assert_int_equal(rd(f, DLM), 0x02);
    wr(f, LCR, 0x03);
    assert_int_equal(rd(f, LCR), 0x03);
    assert_int_equal(rd(f, IER), 0); /* DLM did not leak into IER */
    wr(f, SCR, 0x5a);
    assert_int_equal(rd(f, SCR), 0x5a);
}

static void test_thre_interrupt(void **state)
{
    struct fixture *f = *state;
    assert_false(f->irq.level);
    /* Enabling ETBEI with an empty THR raises the interrupt at once. */
    wr(f, IER, 0x02);
    assert_true(f->irq.level);
    assert_int_equal(rd(f, IIR) & 0x0f, 0x02);
    /* Reading IIR acknowledged it. */
    assert_false(f->irq.level);
    assert_int_equal(rd(f, IIR) & 0x0f, 0x01);
    /* Writing a byte empties THR again: re-armed. */
    wr(f, THR, 'x');
    assert_true(f->irq.level);
    /* Writing IER with ETBEI still set does not re-arm after ack. */
    (void)rd(f, IIR);
    wr(f, IER, 0x02);
    assert_false(f->irq.level);
    /* Clearing then setting ETBEI re-arms. */
    wr(f, IER, 0x00);
    wr(f, IER, 0x02);
    assert_true(f->irq.level);
    wr(f, IER, 0x00);
    assert_false(f->irq.level);
}

static void test_receive_no_fifo(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(f->chr.chr.can_receive(f->chr.chr.fe_opaque), 1);
    wr(f, IER, 0x01);
    feed(f, "a");
    assert_true(f->irq.level);
    assert_int_equal(rd(f, IIR), 0x04);
    assert_int_equal(rd(f, LSR) & 0x01, 0x01);
    assert_int_equal(f->chr.chr.can_receive(f->chr.chr.fe_opaque), 0);
    unsigned before = f->chr.accept_calls;
    assert_int_equal(rd(f, RBR), 'a');
    assert_true(f->chr.accept_calls > before);
    assert_false(f->irq.level);
    assert_int_equal(rd(f, LSR) & 0x01, 0);
}

static void test_fifo_and_overrun(void **state)
{
    struct fixture *f = *state;
    wr(f, FCR, 0x01 | 0xc0); /* enable, trigger 14 */
    assert_int_equal(rd(f, IIR) & 0xc0, 0xc0);
    assert_int_equal(f->chr.chr.can_receive(f->chr.chr.fe_opaque), 16);
    wr(f, IER, 0x01 | 0x04);
    feed(f, "abc");
    /* Below the trigger level: character timeout. */
    assert_int_equal(rd(f, IIR) & 0x0f, 0x0c);
    feed(f, "defghijklmnop"); /* 16 total */
    assert_int_equal(rd(f, IIR) & 0x0f, 0x04);
    assert_int_equal(f->chr.chr.can_receive(f->chr.chr.fe_opaque), 0);
    feed(f, "Q"); /* overflow */
    /* Line status has top priority. */
    assert_int_equal(rd(f, IIR) & 0x0f, 0x06);
    uint8_t lsr = rd(f, LSR);
    assert_int_equal(lsr & 0x03, 0x03);     /* OE | DR */
    assert_int_equal(rd(f, LSR) & 0x02, 0); /* OE cleared by reading */
    char got[17] = {0};
    for (int i = 0; i < 16; i++)
        got[i] = (char)rd(f, RBR);
    assert_string_equal(got, "abcdefghijklmnop");
    assert_int_equal(rd(f, LSR) & 0x01, 0);
    assert_false(f->irq.level);
}

static void test_fifo_reset(void **state)
{
    struct fixture *f = *state;
    wr(f, FCR, 0x01);
    feed(f, "xyz");
    assert_int_equal(rd(f, LSR) & 0x01, 1);
    wr(f, FCR, 0x01 | 0x02);
    assert_int_equal(rd(f, LSR) & 0x01, 0);
    assert_int_equal(f->chr.chr.can_receive(f->chr.chr.fe_opaque), 16);
    /* Disabling the FIFO drops its contents too. */
    feed(f, "xyz");
    wr(f, FCR, 0x00);
    assert_int_equal(rd(f, LSR) & 0x01, 0);
    assert_int_equal(rd(f, IIR) & 0xc0, 0);
}

static void test_loopback(void **state)
{
    struct fixture *f = *state;
    wr(f, FCR, 0x01);
    wr(f, MCR, 0x10 | 0x02); /* loop, RTS */
    uint8_t msr = rd(f, MSR);
    assert_int_equal(msr & 0xf0, 0x10); /* CTS follows RTS */
    assert_int_equal(f->chr.chr.can_receive(f->chr.chr.fe_opaque), 0);
    wr(f, THR, 'L');
    assert_int_equal(f->chr.nout, 0); /* not sent to the host */
    assert_int_equal(rd(f, LSR) & 0x01, 1);
    assert_int_equal(rd(f, RBR), 'L');
    /* Modem status change interrupt. */
    wr(f, IER, 0x08);
    wr(f, MCR, 0x10 | 0x01); /* DTR on, RTS off */
    assert_true(f->irq.level);
    assert_int_equal(rd(f, IIR) & 0x0f, 0x00);
    msr = rd(f, MSR);
    assert_int_equal(msr & 0x03, 0x03); /* DCTS, DDSR */
    assert_int_equal(msr & 0x20, 0x20);
    assert_false(f->irq.level);
    wr(f, MCR, 0);
    assert_int_equal(f->chr.chr.can_receive(f->chr.chr.fe_opaque), 16);
}

static void test_reset_lowers_irq(void **state)
{
    struct fixture *f = *state;
    wr(f, IER, 0x02);
    assert_true(f->irq.level);
    uart16550_reset(f->u);
    assert_false(f->irq.level);
    assert_int_equal(rd(f, IER), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reset_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transmit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dlab, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thre_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive_no_fifo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_and_overrun, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_lowers_irq, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
