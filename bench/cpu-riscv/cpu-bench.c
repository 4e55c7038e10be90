/*
 * cpu-bench: CPU-bound kernels for comparing one program natively, under kvmu
 * and under QEMU. Each kernel prints its wall time and a checksum of its
 * results; the checksums must be equal on every host and emulator.
 *
 * Determinism: only integer code, and floating point restricted to + - * /
 * and sqrt (all correctly rounded in IEEE 754), built with -ffp-contract=off
 * so no compiler fuses a multiply-add on one target and not on the other.
 *
 * Usage: cpu-bench [SCALE] [KERNEL...]   (SCALE: work multiplier, default 1)
 * Output lines: "KERNEL <name> <seconds> <checksum>" then "TOTAL <seconds> <checksum>".
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct rng {
    uint64_t state;
};

static uint64_t rng_next(struct rng *r)
{
    /* xorshift64*: fast, same sequence everywhere */
    r->state ^= r->state >> 12;
    r->state ^= r->state << 25;
    r->state ^= r->state >> 27;
    return r->state * 0x2545f4914f6cdd1dULL;
}

static uint64_t hash_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

static uint64_t hash_double(uint64_t h, double d)
{
    uint64_t bits;

    memcpy(&bits, &d, sizeof(bits));
    return hash_mix(h, bits);
}

static void *xmalloc(size_t size)
{
    void *p = malloc(size);

    if (!p) {
        fprintf(stderr, "cpu-bench: out of memory (%zu bytes)\n", size);
        exit(1);
    }
    return p;
}

/* ---------------------------------------------------------------- integer */

static void merge_sort(uint32_t *a, uint32_t *tmp, size_t n)
{
    size_t width, i;

    for (width = 1; width < n; width *= 2) {
        for (i = 0; i < n; i += 2 * width) {
            size_t lo = i, mid = i + width < n ? i + width : n;
            size_t hi = i + 2 * width < n ? i + 2 * width : n;
            size_t l = lo, r = mid, k = lo;

            while (l < mid && r < hi)
                tmp[k++] = a[l] <= a[r] ? a[l++] : a[r++];
            while (l < mid)
                tmp[k++] = a[l++];
            while (r < hi)
                tmp[k++] = a[r++];
        }
        memcpy(a, tmp, n * sizeof(*a));
    }
}

static uint64_t kernel_sort(unsigned scale)
{
    size_t n = 400000;
    uint32_t *a = xmalloc(n * sizeof(*a)), *tmp = xmalloc(n * sizeof(*tmp));
    struct rng r = {0x1234567};
    uint64_t h = 0;
    unsigned round;
    size_t i;

    for (round = 0; round < 5 * scale; round++) {
        for (i = 0; i < n; i++)
            a[i] = (uint32_t)rng_next(&r);
        merge_sort(a, tmp, n);
        for (i = 0; i < n; i += 97)
            h = hash_mix(h, a[i]);
        for (i = 1; i < n; i++)
            if (a[i - 1] > a[i])
                h = hash_mix(h, 0xbad);
    }
    free(a);
    free(tmp);
    return h;
}

static uint64_t kernel_crc32(unsigned scale)
{
    size_t n = 4u << 20, i;
    uint8_t *buf = xmalloc(n);
    struct rng r = {42};
    uint32_t table[256], crc = 0;
    unsigned pass, k;

    for (k = 0; k < 256; k++) {
        uint32_t c = k;
        int bit;

        for (bit = 0; bit < 8; bit++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[k] = c;
    }
    for (i = 0; i < n; i++)
        buf[i] = (uint8_t)rng_next(&r);
    for (pass = 0; pass < 20 * scale; pass++) {
        crc = ~crc;
        for (i = 0; i < n; i++)
            crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
        crc = ~crc;
    }
    free(buf);
    return crc;
}

static uint64_t kernel_sieve(unsigned scale)
{
    size_t n = 8000000, i, j;
    uint8_t *composite = xmalloc(n + 1);
    uint64_t h = 0;
    unsigned round;

    for (round = 0; round < 10 * scale; round++) {
        size_t count = 0;

        memset(composite, 0, n + 1);
        for (i = 2; i * i <= n; i++)
            if (!composite[i])
                for (j = i * i; j <= n; j += i)
                    composite[j] = 1;
        for (i = 2; i <= n; i++)
            if (!composite[i]) {
                count++;
                h = hash_mix(h, i);
            }
        h = hash_mix(h, count);
    }
    free(composite);
    return h;
}

static uint64_t kernel_matmul_int(unsigned scale)
{
    enum { N = 160 };
    uint32_t(*a)[N] = xmalloc(sizeof(uint32_t[N][N]));
    uint32_t(*b)[N] = xmalloc(sizeof(uint32_t[N][N]));
    uint32_t(*c)[N] = xmalloc(sizeof(uint32_t[N][N]));
    struct rng r = {7};
    uint64_t h = 0;
    unsigned round, i, j, k;

    for (i = 0; i < N; i++)
        for (j = 0; j < N; j++) {
            a[i][j] = (uint32_t)rng_next(&r);
            b[i][j] = (uint32_t)rng_next(&r);
        }
    for (round = 0; round < 50 * scale; round++) {
        for (i = 0; i < N; i++)
            for (j = 0; j < N; j++) {
                uint32_t sum = 0;

                for (k = 0; k < N; k++)
                    sum += a[i][k] * b[k][j];
                c[i][j] = sum;
            }
        for (i = 0; i < N; i++)
            for (j = 0; j < N; j++)
                h = hash_mix(h, c[i][j]);
        a[round % N][round % N] ^= (uint32_t)h;
    }
    free(a);
    free(b);
    free(c);
    return h;
}

/* ---------------------------------------------------------- floating point */

static uint64_t kernel_matmul_double(unsigned scale)
{
    enum { N = 140 };
    double(*a)[N] = xmalloc(sizeof(double[N][N]));
    double(*b)[N] = xmalloc(sizeof(double[N][N]));
    double(*c)[N] = xmalloc(sizeof(double[N][N]));
    struct rng r = {99};
    uint64_t h = 0;
    unsigned round, i, j, k;

    for (i = 0; i < N; i++)
        for (j = 0; j < N; j++) {
            a[i][j] = (double)(rng_next(&r) >> 11) / 9007199254740992.0 - 0.5;
            b[i][j] = (double)(rng_next(&r) >> 11) / 9007199254740992.0 - 0.5;
        }
    for (round = 0; round < 100 * scale; round++) {
        for (i = 0; i < N; i++)
            for (j = 0; j < N; j++) {
                double sum = 0.0;

                for (k = 0; k < N; k++)
                    sum += a[i][k] * b[k][j];
                c[i][j] = sum;
            }
        for (i = 0; i < N; i++)
            for (j = 0; j < N; j++)
                h = hash_double(h, c[i][j]);
        a[round % N][(round * 7) % N] += c[0][0];
    }
    free(a);
    free(b);
    free(c);
    return h;
}

static uint64_t kernel_nbody(unsigned scale)
{
    enum { BODIES = 5 };
    double x[BODIES][3], v[BODIES][3], m[BODIES];
    const double dt = 0.01;
    struct rng r = {2024};
    uint64_t h = 0;
    unsigned step, i, j, d;

    for (i = 0; i < BODIES; i++) {
        m[i] = 1.0 + (double)(rng_next(&r) % 1000) / 100.0;
        for (d = 0; d < 3; d++) {
            x[i][d] = (double)(rng_next(&r) % 20001) / 1000.0 - 10.0;
            v[i][d] = (double)(rng_next(&r) % 2001) / 10000.0 - 0.1;
        }
    }
    for (step = 0; step < 2400000 * scale; step++) {
        for (i = 0; i < BODIES; i++)
            for (j = i + 1; j < BODIES; j++) {
                double dx[3], dist2 = 0.01, mag;

                for (d = 0; d < 3; d++) {
                    dx[d] = x[i][d] - x[j][d];
                    dist2 += dx[d] * dx[d];
                }
                mag = dt / (dist2 * __builtin_sqrt(dist2));
                for (d = 0; d < 3; d++) {
                    v[i][d] -= dx[d] * m[j] * mag;
                    v[j][d] += dx[d] * m[i] * mag;
                }
            }
        for (i = 0; i < BODIES; i++)
            for (d = 0; d < 3; d++)
                x[i][d] += dt * v[i][d];
    }
    for (i = 0; i < BODIES; i++)
        for (d = 0; d < 3; d++) {
            h = hash_double(h, x[i][d]);
            h = hash_double(h, v[i][d]);
        }
    return h;
}

static uint64_t kernel_float_ops(unsigned scale)
{
    /* single precision: sqrt, divide, multiply-add chains (not fused) */
    size_t n = 4096, i;
    float *f = xmalloc(n * sizeof(*f));
    struct rng r = {5};
    uint64_t h = 0;
    unsigned round;

    for (i = 0; i < n; i++)
        f[i] = 1.0f + (float)(rng_next(&r) % 100000) / 1000.0f;
    for (round = 0; round < 20000 * scale; round++) {
        for (i = 0; i < n; i++) {
            float y = f[i];

            y = __builtin_sqrtf(y * y + 1.0f) / (y + 0.5f);
            f[i] = y * 3.0f + (float)(i & 7);
        }
    }
    for (i = 0; i < n; i++) {
        uint32_t bits;

        memcpy(&bits, &f[i], sizeof(bits));
        h = hash_mix(h, bits);
    }
    free(f);
    return h;
}

/* ------------------------------------------------------------------ memory */

static uint64_t kernel_memory(unsigned scale)
{
    /* 16 MiB: a random cyclic pointer chase (one cache/TLB miss per step)
     * and a strided read-modify-write sweep */
    size_t n = (16u << 20) / sizeof(uint32_t), i, steps;
    uint32_t *next = xmalloc(n * sizeof(*next));
    struct rng r = {31337};
    uint64_t h = 0;
    uint32_t p = 0;
    unsigned round;

    /* Sattolo's algorithm: a single cycle through every element */
    for (i = 0; i < n; i++)
        next[i] = (uint32_t)i;
    for (i = n - 1; i > 0; i--) {
        size_t j = rng_next(&r) % i;
        uint32_t t = next[i];

        next[i] = next[j];
        next[j] = t;
    }
    for (round = 0; round < scale; round++) {
        for (steps = 0; steps < 1000000; steps++)
            p = next[p];
        h = hash_mix(h, p);
        {
            uint32_t sum = 0;
            size_t stride = 4099, k = 0;

            for (i = 0; i < n / 4; i++) {
                sum += next[k];
                k += stride;
                if (k >= n)
                    k -= n;
            }
            h = hash_mix(h, sum);
        }
    }
    free(next);
    return h;
}

/* ------------------------------------------------------------------ driver */

struct kernel {
    const char *name;
    uint64_t (*run)(unsigned scale);
};

static const struct kernel kernels[] = {
    {"sort", kernel_sort},
    {"crc32", kernel_crc32},
    {"sieve", kernel_sieve},
    {"matmul-int", kernel_matmul_int},
    {"matmul-double", kernel_matmul_double},
    {"nbody", kernel_nbody},
    {"float-ops", kernel_float_ops},
    {"memory", kernel_memory},
};

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int selected(int argc, char **argv, const char *name)
{
    int i;

    if (argc <= 2)
        return 1;
    for (i = 2; i < argc; i++)
        if (!strcmp(argv[i], name))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    unsigned scale = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1;
    double total = 0.0;
    uint64_t h = 0;
    size_t i;

    if (scale == 0)
        scale = 1;
    for (i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++) {
        double start, seconds;
        uint64_t sum;

        if (!selected(argc, argv, kernels[i].name))
            continue;
        start = now_seconds();
        sum = kernels[i].run(scale);
        seconds = now_seconds() - start;
        total += seconds;
        h = hash_mix(h, sum);
        printf("KERNEL %s %.4f %016llx\n", kernels[i].name, seconds, (unsigned long long)sum);
        fflush(stdout);
    }
    printf("TOTAL %.4f %016llx\n", total, (unsigned long long)h);
    return 0;
}
