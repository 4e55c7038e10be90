/*
 * Block backends behind a small ops struct (raw files now, qcow2 later). Offsets and lengths
 * are in bytes; callers check them against blockdev_size(). All calls are thread-safe
 * (positioned I/O, no shared file offset).
 */
#ifndef KVMU_BACKENDS_BLOCKDEV_H
#define KVMU_BACKENDS_BLOCKDEV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct blockdev;

struct blockdev_ops {
    /* Transfer exactly the iovecs' total length; 0 or -errno (short transfers are -EIO). */
    int (*preadv)(struct blockdev *bdev, const struct iovec *iov, int iovcnt, uint64_t offset);
    int (*pwritev)(struct blockdev *bdev, const struct iovec *iov, int iovcnt, uint64_t offset);
    /* Optional: preadv only if that cannot block (raw files: everything is in the page cache);
     * 0 or -EAGAIN, which also stands for a partial transfer or any error (preadv then tells). */
    int (*preadv_nowait)(struct blockdev *bdev, const struct iovec *iov, int iovcnt,
                         uint64_t offset);
    int (*flush)(struct blockdev *bdev);
    /* Optional: start writing the cached changes in [offset, offset + len) to the disk and
     * return without waiting for them (a hint that makes a later flush short). */
    int (*writeback)(struct blockdev *bdev, uint64_t offset, uint64_t len);
    /* Optional: drop [offset, offset + len) (it reads back as zeros afterwards). */
    int (*discard)(struct blockdev *bdev, uint64_t offset, uint64_t len);
    /* Optional: make [offset, offset + len) read as zeros, deallocating it if `unmap`.
     * Without it blockdev_write_zeroes() writes zero buffers. */
    int (*write_zeroes)(struct blockdev *bdev, uint64_t offset, uint64_t len, bool unmap);
    void (*destroy)(struct blockdev *bdev);
};

/* The part shared by every backend; each backend embeds it first. */
struct blockdev {
    const struct blockdev_ops *ops;
    uint64_t size; /* bytes */
    bool readonly;
    bool discard;      /* -drive discard=unmap: pass guest discards to the file (default: ignore) */
    bool writethrough; /* -drive cache=writethrough|directsync: every write durable at once */
    bool ignore_flush; /* -drive cache=unsafe: flushes succeed without syncing anything */
};

/*
 * Opens a raw image. readonly: O_RDONLY, and writes fail with -EROFS. locking: take an OFD lock
 * like QEMU (shared for readonly, exclusive for read-write) so two writers cannot corrupt one
 * image; a conflict returns -EBUSY with QEMU's message. -ENOENT/-EACCES/... name the path.
 */
int blockdev_raw_open(const char *path, bool readonly, bool locking, struct blockdev **out)
    __attribute__((warn_unused_result));

/* -drive cache=none|directsync: transfers aligned as the file system's direct I/O requires
 * (buffers, lengths, offset) bypass the host page cache (O_DIRECT); the rest still go through
 * it. 0, -EOPNOTSUPP for a backend without it, or the errno of opening the file with O_DIRECT
 * (EINVAL: the file system has no direct I/O; the message says so, naming path). */
int blockdev_set_direct(struct blockdev *bdev, const char *path)
    __attribute__((warn_unused_result));

/* For a -drive without format=: kvmu only knows raw, so warn exactly as QEMU does when its
 * probe guesses raw. */
void blockdev_warn_format_probe(const char *path);

int blockdev_preadv(struct blockdev *bdev, const struct iovec *iov, int iovcnt, uint64_t offset)
    __attribute__((warn_unused_result));
int blockdev_pwritev(struct blockdev *bdev, const struct iovec *iov, int iovcnt, uint64_t offset)
    __attribute__((warn_unused_result));
/* A read that does not wait for the disk: 0 when the whole range came from the page cache,
 * else -EAGAIN (also without backend support) and the caller uses blockdev_preadv(). */
int blockdev_preadv_nowait(struct blockdev *bdev, const struct iovec *iov, int iovcnt,
                           uint64_t offset) __attribute__((warn_unused_result));
int blockdev_pread(struct blockdev *bdev, void *buf, uint64_t len, uint64_t offset)
    __attribute__((warn_unused_result));
int blockdev_pwrite(struct blockdev *bdev, const void *buf, uint64_t len, uint64_t offset)
    __attribute__((warn_unused_result));
/* Guest discard: a no-op returning 0 unless bdev->discard is set (QEMU's discard=ignore
 * default), else the backend's discard (-EOPNOTSUPP without one). */
int blockdev_discard(struct blockdev *bdev, uint64_t offset, uint64_t len)
    __attribute__((warn_unused_result));
/* Zeroes a range; `unmap` may deallocate it when bdev->discard allows. */
int blockdev_write_zeroes(struct blockdev *bdev, uint64_t offset, uint64_t len, bool unmap)
    __attribute__((warn_unused_result));
/* Makes completed writes durable (fdatasync for raw files); a no-op with ignore_flush. */
int blockdev_flush(struct blockdev *bdev) __attribute__((warn_unused_result));
/* Starts writing back the cached writes in [offset, offset + len) without waiting; durability
 * still needs blockdev_flush(). 0 (also without backend support) or -errno. */
int blockdev_writeback(struct blockdev *bdev, uint64_t offset, uint64_t len);
uint64_t blockdev_size(const struct blockdev *bdev);
bool blockdev_readonly(const struct blockdev *bdev);
void blockdev_destroy(struct blockdev *bdev);

#endif
