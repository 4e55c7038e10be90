/* rand-read DEV SECONDS: 4 KiB O_DIRECT reads at random aligned offsets of DEV, one at a time,
 * for SECONDS; prints "rand-read REQS NANOSECONDS". Static, for the RISC-V Linux guest of
 * bench/blk (busybox has no random-I/O tool). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int fd = open(argv[1], O_RDONLY | O_DIRECT);
    uint64_t size = 0;
    void *buf;
    if (fd < 0 || ioctl(fd, BLKGETSIZE64, &size) < 0 || posix_memalign(&buf, 4096, 4096)) {
        perror(argv[1]);
        return 1;
    }
    uint64_t x = 0x2545f4914f6cdd1dull, blocks = size / 4096, n = 0;
    int64_t t0 = now_ns(), end = t0 + (int64_t)atoi(argv[2]) * 1000000000;
    int64_t t = t0;
    while (t < end) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if (pread(fd, buf, 4096, (off_t)((x % blocks) * 4096)) != 4096) {
            perror("pread");
            return 1;
        }
        n++;
        if (n % 64 == 0)
            t = now_ns();
    }
    printf("rand-read %llu %lld\n", (unsigned long long)n, (long long)(now_ns() - t0));
    return 0;
}
