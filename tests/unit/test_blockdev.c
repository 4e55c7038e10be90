/* Raw block backend: I/O, read-only, QEMU-style image locking, error codes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "backends/blockdev.h"

struct fixture {
    char path[64];
};

static int setup(void **state)
{
    struct fixture *f = test_calloc(1, sizeof(*f));
    strcpy(f->path, "/tmp/kvmu-test-blockdev-XXXXXX");
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 1 << 20), 0);
    close(fd);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    unlink(f->path);
    test_free(f);
    return 0;
}

static void test_read_write(void **state)
{
    struct fixture *f = *state;
    struct blockdev *b;
    assert_int_equal(blockdev_raw_open(f->path, false, true, &b), 0);
    assert_int_equal(blockdev_size(b), 1 << 20);
    assert_false(blockdev_readonly(b));

    uint8_t buf[4096], back[4096];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7);
    assert_int_equal(blockdev_pwrite(b, buf, sizeof(buf), 8192), 0);
    assert_int_equal(blockdev_flush(b), 0);
    memset(back, 0, sizeof(back));
    /* Scatter read across three vectors. */
    struct iovec iov[3] = {{back, 100}, {back + 100, 3000}, {back + 3100, 996}};
    assert_int_equal(blockdev_preadv(b, iov, 3, 8192), 0);
    assert_memory_equal(buf, back, sizeof(buf));
    /* Just written, so cached: a read that must not wait gets it too (unless the file system
     * has no RWF_NOWAIT, which also says -EAGAIN). */
    memset(back, 0, sizeof(back));
    int r = blockdev_preadv_nowait(b, iov, 3, 8192);
    assert_true(r == 0 || r == -EAGAIN);
    if (r == 0)
        assert_memory_equal(buf, back, sizeof(buf));
    /* Reading past the end fails rather than returning short data. */
    assert_int_equal(blockdev_pread(b, back, 4096, (1 << 20) - 512), -EIO);
    struct iovec tail = {back, 4096};
    assert_int_equal(blockdev_preadv_nowait(b, &tail, 1, (1 << 20) - 512), -EAGAIN);
    blockdev_destroy(b);
}

static void test_readonly(void **state)
{
    struct fixture *f = *state;
    struct blockdev *b;
    assert_int_equal(blockdev_raw_open(f->path, true, true, &b), 0);
    assert_true(blockdev_readonly(b));
    uint8_t buf[512] = {1};
    assert_int_equal(blockdev_pwrite(b, buf, sizeof(buf), 0), -EROFS);
    assert_int_equal(blockdev_pread(b, buf, sizeof(buf), 0), 0);
    assert_int_equal(buf[0], 0);
    blockdev_destroy(b);
}

static void test_locking(void **state)
{
    struct fixture *f = *state;
    struct blockdev *a, *b, *c;

    assert_int_equal(blockdev_raw_open(f->path, false, true, &a), 0);
    /* A second writer and even a reader are refused while someone writes. */
    assert_int_equal(blockdev_raw_open(f->path, false, true, &b), -EBUSY);
    assert_int_equal(blockdev_raw_open(f->path, true, true, &b), -EBUSY);
    /* locking=off skips the check, as QEMU's file.locking=off. */
    assert_int_equal(blockdev_raw_open(f->path, false, false, &b), 0);
    blockdev_destroy(b);
    blockdev_destroy(a);

    /* Readers share. */
    assert_int_equal(blockdev_raw_open(f->path, true, true, &a), 0);
    assert_int_equal(blockdev_raw_open(f->path, true, true, &b), 0);
    assert_int_equal(blockdev_raw_open(f->path, false, true, &c), -EBUSY);
    blockdev_destroy(a);
    blockdev_destroy(b);
    /* The lock goes with the last close. */
    assert_int_equal(blockdev_raw_open(f->path, false, true, &c), 0);
    blockdev_destroy(c);
}

static void test_errors(void **state)
{
    (void)state;
    struct blockdev *b;
    assert_int_equal(blockdev_raw_open("/nonexistent/kvmu.img", false, true, &b), -ENOENT);
    assert_int_equal(blockdev_raw_open("/tmp", true, true, &b), -EINVAL);
    if (getuid() != 0) {
        char path[] = "/tmp/kvmu-test-blockdev-ro-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
        chmod(path, 0400);
        assert_int_equal(blockdev_raw_open(path, false, true, &b), -EACCES);
        unlink(path);
    }
    blockdev_warn_format_probe("disk.img"); /* message only; must not crash */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
