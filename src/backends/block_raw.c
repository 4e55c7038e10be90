#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/blockdev.h"
#include "core/log.h"

struct block_raw {
    struct blockdev bdev; /* first: the ops receive a struct blockdev * */
    int fd;
    _Atomic bool no_nowait; /* preadv2(RWF_NOWAIT) refused by this kernel or file system */
    /* cache=none|directsync: a second descriptor on the file with O_DIRECT, for transfers
     * aligned as the file system requires (-1: off). */
    int direct_fd;
    uint32_t dio_mem_align, dio_offset_align;
};

/* Whether a transfer may bypass the page cache: buffers, lengths and offset aligned as the
 * file system's direct I/O asks. Others take the page cache (Linux keeps the two coherent: a
 * direct transfer first writes back and afterwards drops the cached pages of its range). */
static bool dio_aligned(const struct block_raw *r, const struct iovec *iov, int iovcnt,
                        uint64_t off)
{
    if (r->direct_fd < 0 || off % r->dio_offset_align)
        return false;
    for (int i = 0; i < iovcnt; i++) {
        if ((uintptr_t)iov[i].iov_base % r->dio_mem_align || iov[i].iov_len % r->dio_offset_align)
            return false;
    }
    return true;
}

/* One plain transfer loop for a single buffer (used to finish a partially moved iovec). */
static int raw_rw_one(int fd, uint8_t *p, size_t len, uint64_t *offset, bool write)
{
    while (len > 0) {
        ssize_t n = write ? pwrite(fd, p, len, (off_t)*offset) : pread(fd, p, len, (off_t)*offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -EIO; /* past the end of the file */
        p += n;
        len -= (size_t)n;
        *offset += (uint64_t)n;
    }
    return 0;
}

/* Repeats preadv/pwritev until everything moved: the kernel may return short counts (signals,
 * huge requests), and at most IOV_MAX vectors go in one call. */
static int raw_rw(struct block_raw *r, const struct iovec *iov, int iovcnt, uint64_t offset,
                  bool write)
{
    int fd = dio_aligned(r, iov, iovcnt, offset) ? r->direct_fd : r->fd;

    while (iovcnt > 0) {
        int cnt = iovcnt < IOV_MAX ? iovcnt : IOV_MAX;
        ssize_t n =
            write ? pwritev(fd, iov, cnt, (off_t)offset) : preadv(fd, iov, cnt, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -EIO; /* read past the end of the file */
        offset += (uint64_t)n;
        size_t done = (size_t)n;
        while (iovcnt > 0 && done >= iov->iov_len) {
            done -= iov->iov_len;
            iov++;
            iovcnt--;
        }
        if (iovcnt > 0 && done > 0) {
            /* The rest of a vector: the page cache takes any alignment. */
            int err = raw_rw_one(r->fd, (uint8_t *)iov->iov_base + done, iov->iov_len - done,
                                 &offset, write);
            if (err < 0)
                return err;
            iov++;
            iovcnt--;
        }
    }
    return 0;
}

static int raw_preadv(struct blockdev *bdev, const struct iovec *iov, int iovcnt, uint64_t off)
{
    return raw_rw((struct block_raw *)bdev, iov, iovcnt, off, false);
}

/* RWF_NOWAIT: the kernel copies what is cached and returns -EAGAIN (or a short count) where it
 * would have to wait for the disk; a short count is retried in full by the caller's preadv. */
static int raw_preadv_nowait(struct blockdev *bdev, const struct iovec *iov, int iovcnt,
                             uint64_t off)
{
    struct block_raw *r = (struct block_raw *)bdev;
    size_t len = 0;

    if (iovcnt > IOV_MAX || r->no_nowait || r->direct_fd >= 0)
        return -EAGAIN; /* with cache=none reads bypass the page cache, on a worker */
    for (int i = 0; i < iovcnt; i++)
        len += iov[i].iov_len;
    ssize_t n = preadv2(r->fd, iov, iovcnt, (off_t)off, RWF_NOWAIT);
    if (n < 0 && errno == EOPNOTSUPP)
        r->no_nowait = true;
    return n >= 0 && (size_t)n == len ? 0 : -EAGAIN;
}

static int raw_pwritev(struct blockdev *bdev, const struct iovec *iov, int iovcnt, uint64_t off)
{
    return raw_rw((struct block_raw *)bdev, iov, iovcnt, off, true);
}

static int raw_flush(struct blockdev *bdev)
{
    struct block_raw *r = (struct block_raw *)bdev;

    if (fdatasync(r->fd) < 0)
        return -errno;
    return 0;
}

/* SYNC_FILE_RANGE_WRITE queues the dirty pages for writing and returns; it only blocks when
 * the disk's request queue is full. */
static int raw_writeback(struct blockdev *bdev, uint64_t offset, uint64_t len)
{
    struct block_raw *r = (struct block_raw *)bdev;

    if (sync_file_range(r->fd, (off_t)offset, (off_t)len, SYNC_FILE_RANGE_WRITE) < 0)
        return -errno;
    return 0;
}

static int raw_discard(struct blockdev *bdev, uint64_t offset, uint64_t len)
{
    struct block_raw *r = (struct block_raw *)bdev;

    if (fallocate(r->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)offset, (off_t)len) < 0)
        return errno == EOPNOTSUPP ? 0 : -errno; /* discard is a hint */
    return 0;
}

static int raw_write_zeroes(struct blockdev *bdev, uint64_t offset, uint64_t len, bool unmap)
{
    struct block_raw *r = (struct block_raw *)bdev;
    int mode = unmap ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE : FALLOC_FL_ZERO_RANGE;

    if (fallocate(r->fd, mode, (off_t)offset, (off_t)len) == 0)
        return 0;
    if (errno != EOPNOTSUPP && errno != EINVAL)
        return -errno;
    /* The file system cannot: write the zeros. */
    static const uint8_t zeros[65536];
    while (len > 0) {
        uint64_t n = len < sizeof(zeros) ? len : sizeof(zeros);
        int err = raw_rw_one(r->fd, (uint8_t *)zeros, n, &offset, true);
        if (err < 0)
            return err;
        len -= n;
    }
    return 0;
}

static void raw_destroy(struct blockdev *bdev)
{
    struct block_raw *r = (struct block_raw *)bdev;

    if (r->direct_fd >= 0)
        close(r->direct_fd);
    close(r->fd); /* also drops the OFD lock */
    free(r);
}

static const struct blockdev_ops raw_ops = {
    .preadv = raw_preadv,
    .pwritev = raw_pwritev,
    .preadv_nowait = raw_preadv_nowait,
    .flush = raw_flush,
    .writeback = raw_writeback,
    .discard = raw_discard,
    .write_zeroes = raw_write_zeroes,
    .destroy = raw_destroy,
};

/* QEMU's file-posix locking, reduced to its effect: readers share, a writer excludes. An OFD
 * lock belongs to the open file description, so it is neither lost when another fd on the same
 * file is closed nor shared with children. */
static int take_lock(int fd, const char *path, bool readonly)
{
    struct flock fl = {.l_type = readonly ? F_RDLCK : F_WRLCK, .l_whence = SEEK_SET};

    if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
        return 0;
    if (errno == EAGAIN || errno == EACCES) {
        log_error("Failed to get %s\"write\" lock: is another process using the image [%s]?",
                  readonly ? "shared " : "", path);
        return -EBUSY;
    }
    /* Some file systems (old NFS, FUSE) do not support it; QEMU carries on as well. */
    log_warn("'%s': file locking not supported (%s); continuing without it", path, strerror(errno));
    return 0;
}

static int image_size(int fd, const char *path, uint64_t *size)
{
    struct stat st;

    if (fstat(fd, &st) < 0) {
        int err = -errno;
        log_error("Could not stat '%s': %s", path, strerror(errno));
        return err;
    }
    if (S_ISBLK(st.st_mode)) {
        if (ioctl(fd, BLKGETSIZE64, size) < 0) {
            int err = -errno;
            log_error("Could not get the size of '%s': %s", path, strerror(errno));
            return err;
        }
        return 0;
    }
    if (!S_ISREG(st.st_mode)) {
        log_error("'%s' is not a regular file or block device", path);
        return -EINVAL;
    }
    *size = (uint64_t)st.st_size;
    return 0;
}

int blockdev_raw_open(const char *path, bool readonly, bool locking, struct blockdev **out)
{
    int fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) {
        int err = -errno;
        log_error("Could not open '%s': %s", path, strerror(errno));
        return err;
    }
    uint64_t size = 0;
    int r = image_size(fd, path, &size);
    if (r == 0 && locking)
        r = take_lock(fd, path, readonly);
    struct block_raw *raw = r == 0 ? calloc(1, sizeof(*raw)) : NULL;
    if (r == 0 && !raw) {
        log_error("'%s': out of memory", path);
        r = -ENOMEM;
    }
    if (r < 0) {
        close(fd);
        return r;
    }
    raw->bdev = (struct blockdev){.ops = &raw_ops, .size = size, .readonly = readonly};
    raw->fd = fd;
    raw->direct_fd = -1;
    *out = &raw->bdev;
    return 0;
}

int blockdev_set_direct(struct blockdev *bdev, const char *path)
{
    struct block_raw *r = (struct block_raw *)bdev;
    char self[64];

    if (bdev->ops != &raw_ops || r->direct_fd >= 0)
        return bdev->ops == &raw_ops ? 0 : -EOPNOTSUPP;
    /* The file already open (it may have been renamed since), not the path again. */
    snprintf(self, sizeof(self), "/proc/self/fd/%d", r->fd);
    int fd = open(self, (bdev->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_DIRECT);
    if (fd < 0) {
        int err = -errno;
        log_error("Could not open '%s' for cache=none/directsync: %s%s", path, strerror(errno),
                  errno == EINVAL ? " (the file system may not support O_DIRECT)" : "");
        return err;
    }
    struct statx sx;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 && (sx.stx_mask & STATX_DIOALIGN) &&
        sx.stx_dio_mem_align && sx.stx_dio_offset_align) {
        r->dio_mem_align = sx.stx_dio_mem_align;
        r->dio_offset_align = sx.stx_dio_offset_align;
    } else {
        /* A kernel that cannot tell: a page satisfies every file system. */
        r->dio_mem_align = r->dio_offset_align = 4096;
    }
    r->direct_fd = fd;
    return 0;
}

void blockdev_warn_format_probe(const char *path)
{
    /* Same wording as QEMU, so scripts and users recognise it. */
    log_warn("Image format was not specified for '%s' and probing guessed raw.\n"
             "         Automatically detecting the format is dangerous for raw images, write "
             "operations on block 0 will be restricted.\n"
             "         Specify the 'raw' format explicitly to remove the restrictions.",
             path);
}

int blockdev_preadv(struct blockdev *bdev, const struct iovec *iov, int iovcnt, uint64_t offset)
{
    return bdev->ops->preadv(bdev, iov, iovcnt, offset);
}

int blockdev_preadv_nowait(struct blockdev *bdev, const struct iovec *iov, int iovcnt,
                           uint64_t offset)
{
    return bdev->ops->preadv_nowait ? bdev->ops->preadv_nowait(bdev, iov, iovcnt, offset) : -EAGAIN;
}

int blockdev_pwritev(struct blockdev *bdev, const struct iovec *iov, int iovcnt, uint64_t offset)
{
    if (bdev->readonly)
        return -EROFS;
    return bdev->ops->pwritev(bdev, iov, iovcnt, offset);
}

int blockdev_pread(struct blockdev *bdev, void *buf, uint64_t len, uint64_t offset)
{
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    return blockdev_preadv(bdev, &iov, 1, offset);
}

int blockdev_pwrite(struct blockdev *bdev, const void *buf, uint64_t len, uint64_t offset)
{
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    return blockdev_pwritev(bdev, &iov, 1, offset);
}

int blockdev_discard(struct blockdev *bdev, uint64_t offset, uint64_t len)
{
    if (bdev->readonly)
        return -EROFS;
    if (!bdev->discard)
        return 0;
    return bdev->ops->discard ? bdev->ops->discard(bdev, offset, len) : -EOPNOTSUPP;
}

int blockdev_write_zeroes(struct blockdev *bdev, uint64_t offset, uint64_t len, bool unmap)
{
    if (bdev->readonly)
        return -EROFS;
    if (bdev->ops->write_zeroes)
        return bdev->ops->write_zeroes(bdev, offset, len, unmap && bdev->discard);
    static const uint8_t zeros[65536];
    while (len > 0) {
        uint64_t n = len < sizeof(zeros) ? len : sizeof(zeros);
        int err = blockdev_pwrite(bdev, zeros, n, offset);
        if (err < 0)
            return err;
        offset += n;
        len -= n;
    }
    return 0;
}

int blockdev_flush(struct blockdev *bdev)
{
    if (bdev->ignore_flush)
        return 0;
    return bdev->ops->flush(bdev);
}

int blockdev_writeback(struct blockdev *bdev, uint64_t offset, uint64_t len)
{
    return bdev->ops->writeback && !bdev->readonly ? bdev->ops->writeback(bdev, offset, len) : 0;
}

uint64_t blockdev_size(const struct blockdev *bdev)
{
    return bdev->size;
}

bool blockdev_readonly(const struct blockdev *bdev)
{
    return bdev->readonly;
}

void blockdev_destroy(struct blockdev *bdev)
{
    if (bdev)
        bdev->ops->destroy(bdev);
}
