/* Raw block backend: I/O, read-only, QEMU-style image locking, error codes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
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

/* Pages of [off, off + len) the page cache holds for the file at path. */
static unsigned cached_pages(const char *path, uint64_t off, uint64_t len)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    void *m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t)off);
    assert_true(m != MAP_FAILED);
    unsigned char vec[256];
    assert_true(len / 4096 <= sizeof(vec));
    assert_int_equal(mincore(m, len, vec), 0);
    unsigned n = 0;
    for (uint64_t i = 0; i < len / 4096; i++)
        n += vec[i] & 1;
    munmap(m, len);
    close(fd);
    return n;
}

/* cache=none: aligned transfers bypass the page cache, unaligned ones use it, and both see each
 * other's data; without it the same write fills the page cache (so the check can tell). */
static void test_direct(void **state)
{
    (void)state;
    char path[] = "/var/tmp/kvmu-test-direct-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 4 << 20), 0);
    close(fd);
    struct blockdev *b;
    assert_int_equal(blockdev_raw_open(path, false, true, &b), 0);
    int r = blockdev_set_direct(b, path);
    if (r == -EINVAL) {
        blockdev_destroy(b);
        unlink(path);
        print_message("skipped: /var/tmp's file system has no O_DIRECT\n");
        skip();
    }
    assert_int_equal(r, 0);

    uint8_t *aligned, *plain = malloc((1 << 20) + 1);
    assert_int_equal(posix_memalign((void **)&aligned, 4096, 1 << 20), 0);
    assert_non_null(plain);
    memset(aligned, 0x3c, 1 << 20);
    assert_int_equal(blockdev_pwrite(b, aligned, 1 << 20, 1 << 20), 0);
    assert_int_equal(cached_pages(path, 1 << 20, 1 << 20), 0);
    /* A buffer at an odd address: through the page cache. */
    memset(plain + 1, 0xd2, 512);
    assert_int_equal(blockdev_pwrite(b, plain + 1, 512, 0), 0);
    assert_int_equal(cached_pages(path, 0, 4096), 1);
    /* Each path reads what the other wrote. */
    assert_int_equal(blockdev_pread(b, plain + 1, 1 << 20, 1 << 20), 0);
    assert_int_equal(plain[1], 0x3c);
    assert_int_equal(plain[1 << 20], 0x3c);
    memset(aligned, 0, 4096);
    assert_int_equal(blockdev_pread(b, aligned, 4096, 0), 0);
    assert_int_equal(aligned[0], 0xd2);
    assert_int_equal(aligned[511], 0xd2);
    assert_int_equal(aligned[512], 0);
    assert_int_equal(blockdev_flush(b), 0);
    blockdev_destroy(b);

    /* The same aligned write without cache=none stays in the page cache. */
    assert_int_equal(blockdev_raw_open(path, false, true, &b), 0);
    memset(aligned, 0x77, 1 << 20);
    assert_int_equal(blockdev_pwrite(b, aligned, 1 << 20, 2 << 20), 0);
    assert_int_equal(cached_pages(path, 2 << 20, 1 << 20), 256);
    blockdev_destroy(b);
    free(aligned);
    free(plain);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test(test_direct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
