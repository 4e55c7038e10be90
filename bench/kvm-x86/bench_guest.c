/*
 * Benchmark guest for kvmu and QEMU alike (PVH entry, so both load it; COM1 and an
 * isa-debug-exit port at 0xf4 on both). pvh_start.S prints '!' first: the "first instruction"
 * mark. Then a "hello" line from C (first UART line), then exit costs in TSC cycles:
 *   pio-out    100k OUT to port 0x80 (unassigned: every one exits to the VMM)
 *   mmio-read  100k reads of an unassigned MMIO address
 *   ioeventfd  100k QueueNotify writes to a live virtio-blk queue (absorbed by KVM)
 * and leaves through the debug-exit port (status 1 on both VMMs).
 */
#include "lib.h"

#define N 100000u

static void report(const char *what, uint64_t cycles)
{
    puts_com1("exit-cost ");
    puts_com1(what);
    puts_com1(" ");
    put_dec(cycles / N);
    puts_com1(" cycles\n");
}

/* kvmu: virtio-mmio slots at 0xd0000000 + n * 0x1000; QEMU microvm: 0xfeb00000 + n * 0x200. */
static uint64_t find_blk(void)
{
    for (unsigned i = 0; i < 24; i++) {
        uint64_t cand[2] = {0xd0000000ull + i * 0x1000, 0xfeb00000ull + i * 0x200};
        for (int j = 0; j < 2; j++)
            if ((j == 1 || i < 8) && mmio_read32(cand[j]) == 0x74726976 &&
                mmio_read32(cand[j] + 8) == 2)
                return cand[j];
    }
    return 0;
}

static uint16_t desc[64] __attribute__((aligned(16)));
static uint16_t avail[16] __attribute__((aligned(2)));
static uint32_t used[32] __attribute__((aligned(4)));

/* Just enough of virtio-mmio setup for the device (and QEMU) to start its ioeventfd. */
static void blk_setup(uint64_t b)
{
    mmio_write32(b + 0x70, 0);
    mmio_write32(b + 0x70, 1 | 2);
    mmio_write32(b + 0x24, 1);
    mmio_write32(b + 0x20, 1); /* VERSION_1 */
    mmio_write32(b + 0x70, 1 | 2 | 8);
    mmio_write32(b + 0x30, 0);
    mmio_write32(b + 0x38, 4);
    mmio_write32(b + 0x80, (uint32_t)(uint64_t)desc);
    mmio_write32(b + 0x84, 0);
    mmio_write32(b + 0x90, (uint32_t)(uint64_t)avail);
    mmio_write32(b + 0x94, 0);
    mmio_write32(b + 0xa0, (uint32_t)(uint64_t)used);
    mmio_write32(b + 0xa4, 0);
    mmio_write32(b + 0x44, 1);
    mmio_write32(b + 0x70, 1 | 2 | 8 | 4);
}

bool test_main(void *start_info)
{
    (void)start_info;
    puts_com1("\nhello\n");

    uint64_t t0 = rdtsc();
    for (unsigned i = 0; i < N; i++)
        outb(0x80, 0);
    report("pio-out", rdtsc() - t0);

    t0 = rdtsc();
    for (unsigned i = 0; i < N; i++)
        (void)mmio_read32(0xd8000000ull);
    report("mmio-read", rdtsc() - t0);

    uint64_t b = find_blk();
    if (b) {
        blk_setup(b);
        t0 = rdtsc();
        for (unsigned i = 0; i < N; i++)
            mmio_write32(b + 0x50, 0); /* nothing new in the ring: the device finds no work */
        report("ioeventfd", rdtsc() - t0);
    }
    puts_com1("bench-done\n");
    outb(DEBUG_EXIT, 0);
    for (;;)
        __asm__ volatile("cli; hlt");
}
