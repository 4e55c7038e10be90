/* The block I/O pool on its own: a recording fake disk behind blk_aio, completions taken on an
 * event loop run by the test thread. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "backends/block_aio.h"
#include "backends/blockdev.h"
#include "core/event_loop.h"

#define MIB (1u << 20)
#define NREQ 20

struct fake_disk {
    struct blockdev bdev; /* first */
    pthread_mutex_t lock;
    unsigned writes, writebacks;
    uint64_t wb_start, wb_len;    /* the last writeback's span */
    unsigned writes_at_writeback; /* writes finished when it started */
};

static int fake_rw(struct blockdev *b, const struct iovec *iov, int n, uint64_t off)
{
    struct fake_disk *d = (struct fake_disk *)b;
    (void)iov, (void)n, (void)off;
    pthread_mutex_lock(&d->lock);
    d->writes++;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

static int fake_read(struct blockdev *b, const struct iovec *iov, int n, uint64_t off)
{
    (void)b, (void)iov, (void)n, (void)off;
    return 0;
}

static int fake_flush(struct blockdev *b)
{
    (void)b;
    return 0;
}

static int fake_writeback(struct blockdev *b, uint64_t off, uint64_t len)
{
    struct fake_disk *d = (struct fake_disk *)b;
    pthread_mutex_lock(&d->lock);
    d->writebacks++;
    d->wb_start = off;
    d->wb_len = len;
    d->writes_at_writeback = d->writes;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

static void fake_destroy(struct blockdev *b)
{
    (void)b;
}

static const struct blockdev_ops fake_ops = {.preadv = fake_read,
                                             .pwritev = fake_rw,
                                             .flush = fake_flush,
                                             .writeback = fake_writeback,
                                             .destroy = fake_destroy};

struct fixture {
    struct fake_disk disk;
    struct event_loop *loop;
    struct blk_aio *aio;
    unsigned completed;
    struct blk_aio_req reqs[NREQ];
    struct iovec iov[NREQ];
};

static void complete(void *opaque, struct blk_aio_req *done)
{
    struct fixture *f = opaque;
    for (; done; done = done->next) {
        assert_int_equal(done->result, 0);
        f->completed++;
    }
}

static int setup(void **state)
{
    struct fixture *f = test_calloc(1, sizeof(*f));
    f->disk.bdev = (struct blockdev){.ops = &fake_ops, .size = 64ull * MIB};
    pthread_mutex_init(&f->disk.lock, NULL);
    assert_int_equal(event_loop_create(&f->loop), 0);
    assert_int_equal(blk_aio_create(&f->disk.bdev, f->loop, 4, complete, f, &f->aio), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    assert_null(blk_aio_destroy(f->aio));
    event_loop_destroy(f->loop);
    pthread_mutex_destroy(&f->disk.lock);
    test_free(f);
    return 0;
}

/* Submits n 1 MiB requests of one kind at offsets start, start + 1 MiB, ... and waits for all. */
static void run(struct fixture *f, enum blk_aio_op op, bool sync, unsigned n, uint64_t start)
{
    static uint8_t buf[MIB];
    unsigned before = f->completed;
    for (unsigned i = 0; i < n; i++) {
        f->iov[i] = (struct iovec){buf, MIB};
        f->reqs[i] = (struct blk_aio_req){.op = op,
                                          .iov = &f->iov[i],
                                          .iovcnt = 1,
                                          .offset = start + i * (uint64_t)MIB,
                                          .sync = sync};
        blk_aio_submit(f->aio, &f->reqs[i]);
    }
    for (int i = 0; i < 500 && f->completed - before < n; i++)
        assert_true(event_loop_run_once(f->loop, 20) >= 0);
    assert_int_equal(f->completed - before, n);
    blk_aio_drain(f->aio);
}

/* Write-behind: after 8 MiB of cached writes a worker starts one writeback of their span, after
 * their completions; the next 8 MiB start another. Fewer bytes start none. */
static void test_writebehind(void **state)
{
    struct fixture *f = *state;

    run(f, BLK_AIO_WRITE, false, 7, 0);
    assert_int_equal(f->disk.writebacks, 0);
    run(f, BLK_AIO_WRITE, false, 2, 16 * MIB);
    assert_int_equal(f->disk.writebacks, 1);
    /* The span of what gathered: the first run and at least one of the second. */
    assert_int_equal(f->disk.wb_start, 0);
    assert_true(f->disk.wb_len >= 17 * MIB && f->disk.wb_len <= 18 * MIB);
    assert_true(f->disk.writes_at_writeback >= 8);

    run(f, BLK_AIO_WRITE, false, 8, 32 * MIB);
    /* The second run's last write and seven of these (any order): 39 or 40 MiB at the end. */
    assert_int_equal(f->disk.writebacks, 2);
    assert_true(f->disk.wb_start == 16 * MIB || f->disk.wb_start == 17 * MIB);
    assert_true(f->disk.wb_start + f->disk.wb_len >= 39 * MIB);
    assert_true(f->disk.wb_start + f->disk.wb_len <= 40 * MIB);
}

/* Written-through writes are on the disk already, and reads dirty nothing: no writeback. */
static void test_no_writebehind_for_sync_writes_or_reads(void **state)
{
    struct fixture *f = *state;

    run(f, BLK_AIO_WRITE, true, NREQ, 0);
    run(f, BLK_AIO_READ, false, NREQ, 0);
    assert_int_equal(f->disk.writes, NREQ);
    assert_int_equal(f->disk.writebacks, 0);
}

/* A raw file: blockdev_writeback starts the write-out and returns 0; on a read-only image it
 * does nothing. */
static void test_raw_writeback(void **state)
{
    (void)state;
    char path[] = "/tmp/kvmu-test-aio-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 4 * MIB), 0);
    close(fd);
    struct blockdev *b;
    assert_int_equal(blockdev_raw_open(path, false, true, &b), 0);
    static uint8_t buf[MIB];
    memset(buf, 0xa5, sizeof(buf));
    assert_int_equal(blockdev_pwrite(b, buf, sizeof(buf), MIB), 0);
    assert_int_equal(blockdev_writeback(b, 0, 4 * MIB), 0);
    assert_int_equal(blockdev_flush(b), 0);
    blockdev_destroy(b);
    assert_int_equal(blockdev_raw_open(path, true, true, &b), 0);
    assert_int_equal(blockdev_writeback(b, 0, 4 * MIB), 0);
    uint8_t back[16];
    assert_int_equal(blockdev_pread(b, back, sizeof(back), MIB), 0);
    assert_int_equal(back[0], 0xa5);
    blockdev_destroy(b);
    unlink(path);
}

/* The workers are named, so ps -L, top -H and gdb tell them from vCPUs and the event loop. */
static void test_workers_are_named(void **state)
{
    (void)state;
    DIR *dir = opendir("/proc/self/task");
    assert_non_null(dir);
    unsigned named = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        char path[300], comm[32] = "";
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
        FILE *fp = fopen(path, "r");
        if (!fp)
            continue; /* a thread that just ended */
        if (fgets(comm, sizeof(comm), fp) && !strcmp(comm, "kvmu-blk\n"))
            named++;
        fclose(fp);
    }
    closedir(dir);
    assert_int_equal(named, 4); /* the fixture's four */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writebehind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_writebehind_for_sync_writes_or_reads, setup,
                                        teardown),
        cmocka_unit_test(test_raw_writeback),
        cmocka_unit_test_setup_teardown(test_workers_are_named, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
