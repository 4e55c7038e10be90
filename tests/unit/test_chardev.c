/* chardev backends: stdio on pipes (flow control, mux escapes, EOF), file, null. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "backends/chardev.h"
#include "core/event_loop.h"

#define CAP 4

struct frontend {
    uint8_t fifo[64];
    size_t n;
    size_t cap;
    unsigned quits;
};

static size_t fe_can_receive(void *opaque)
{
    struct frontend *fe = opaque;
    return fe->n < fe->cap ? fe->cap - fe->n : 0;
}

static void fe_receive(void *opaque, const uint8_t *buf, size_t len)
{
    struct frontend *fe = opaque;
    assert_true(fe->n + len <= fe->cap); /* never more than offered */
    memcpy(fe->fifo + fe->n, buf, len);
    fe->n += len;
}

static void fe_quit(void *opaque)
{
    ((struct frontend *)opaque)->quits++;
}

struct fixture {
    int saved_in, saved_out;
    int in_w;  /* test writes "keyboard" input here */
    int out_r; /* test reads the chardev's stdout here */
    struct event_loop *loop;
    struct chardev *chr;
    struct frontend fe;
};

static int setup(void **state)
{
    struct fixture *f = test_calloc(1, sizeof(*f));
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    fflush(stdout);
    f->saved_in = dup(0);
    f->saved_out = dup(1);
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[0]);
    close(out[1]);
    f->in_w = in[1];
    f->out_r = out[0];
    fcntl(f->out_r, F_SETFL, O_NONBLOCK);
    assert_int_equal(event_loop_create(&f->loop), 0);
    assert_int_equal(chardev_stdio_create(f->loop, &f->chr), 0);
    f->fe.cap = CAP;
    chardev_set_frontend(f->chr, fe_can_receive, fe_receive, &f->fe);
    chardev_set_quit_handler(f->chr, fe_quit, &f->fe);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    chardev_destroy(f->chr);
    event_loop_destroy(f->loop);
    dup2(f->saved_in, 0);
    dup2(f->saved_out, 1);
    close(f->saved_in);
    close(f->saved_out);
    close(f->in_w);
    close(f->out_r);
    test_free(f);
    return 0;
}

static void type(struct fixture *f, const char *s, size_t len)
{
    assert_int_equal(write(f->in_w, s, len), (ssize_t)len);
}

/* Run the loop until it goes idle; returns the callbacks that ran. */
static int pump(struct fixture *f)
{
    int total = 0, r;
    while ((r = event_loop_run_once(f->loop, 20)) > 0)
        total += r;
    assert_true(r >= 0);
    return total;
}

static void test_flow_control(void **state)
{
    struct fixture *f = *state;
    type(f, "abcdefghij", 10);
    pump(f);
    assert_int_equal(f->fe.n, CAP);
    assert_memory_equal(f->fe.fifo, "abcd", 4);
    /* Full frontend: the loop goes quiet instead of spinning, and nothing is lost. */
    assert_int_equal(event_loop_run_once(f->loop, 30), 0);
    f->fe.cap = 64;
    chardev_accept_input(f->chr);
    pump(f);
    assert_int_equal(f->fe.n, 10);
    assert_memory_equal(f->fe.fifo, "abcdefghij", 10);
}

static void test_escapes(void **state)
{
    struct fixture *f = *state;
    f->fe.cap = 64;
    chardev_accept_input(f->chr);
    type(f,
         "a\x01\x01"
         "b\x01zc\x01h",
         9);
    pump(f);
    assert_int_equal(f->fe.n, 4);
    assert_memory_equal(f->fe.fifo,
                        "a\x01"
                        "bc",
                        4);
    char out[512] = {0};
    assert_true(read(f->out_r, out, sizeof(out) - 1) > 0);
    assert_non_null(strstr(out, "C-a x    exit emulator"));
    /* An escape split across reads still works. */
    type(f, "\x01", 1);
    pump(f);
    type(f, "\x01", 1);
    pump(f);
    assert_int_equal(f->fe.n, 5);
    assert_int_equal(f->fe.fifo[4], 0x01);
    type(f, "\x01xMORE", 6);
    pump(f);
    assert_int_equal(f->fe.quits, 1);
    assert_int_equal(f->fe.n, 5); /* input stops after quit */
}

static void test_eof_stops_reading(void **state)
{
    struct fixture *f = *state;
    f->fe.cap = 64;
    chardev_accept_input(f->chr);
    type(f, "xy", 2);
    close(f->in_w);
    f->in_w = open("/dev/null", O_WRONLY);
    pump(f);
    assert_int_equal(f->fe.n, 2);
    /* After EOF the loop is idle, not spinning on a readable-at-EOF pipe. */
    assert_int_equal(event_loop_run_once(f->loop, 30), 0);
    chardev_accept_input(f->chr); /* harmless after EOF */
    assert_int_equal(event_loop_run_once(f->loop, 30), 0);
}

static void test_write(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(chardev_write(f->chr, (const uint8_t *)"hello\n", 6), 6);
    char out[16] = {0};
    assert_int_equal(read(f->out_r, out, sizeof(out)), 6);
    assert_string_equal(out, "hello\n");
}

static void test_file_and_null(void **state)
{
    (void)state;
    char path[] = "/tmp/kvmu-test-chardev-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "old contents", 12), 12);
    close(fd);
    struct chardev *c;
    assert_int_equal(chardev_file_create(path, &c), 0);
    assert_int_equal(chardev_write(c, (const uint8_t *)"log", 3), 3);
    chardev_accept_input(c); /* no input side: no-op */
    chardev_destroy(c);
    char buf[32] = {0};
    fd = open(path, O_RDONLY);
    assert_int_equal(read(fd, buf, sizeof(buf)), 3); /* truncated, then written */
    close(fd);
    unlink(path);
    assert_int_equal(chardev_file_create("/nonexistent/dir/log", &c), -ENOENT);

    assert_int_equal(chardev_null_create(&c), 0);
    assert_int_equal(chardev_write(c, (const uint8_t *)"x", 1), 1);
    chardev_destroy(c);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_flow_control), T(test_escapes),       T(test_eof_stops_reading),
        T(test_write),        T(test_file_and_null),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
