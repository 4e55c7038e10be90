/* x86 boot data: the e820 map, the zero page built from a bzImage header, GDT descriptors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/x86/x86_cpu.h"
#include "machines/x86/x86_boot.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint64_t ram_total(const struct e820_entry *e, unsigned n)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < n; i++)
        if (e[i].type == E820_RAM)
            sum += e[i].size;
    return sum;
}

static void test_e820_small(void **state)
{
    (void)state;
    struct e820_entry e[X86_E820_MAX];
    unsigned n = x86_e820_build(128 * MiB, e, X86_E820_MAX);
    assert_int_equal(n, 4);
    assert_int_equal(e[0].addr, 0);
    assert_int_equal(e[0].size, 0x9fc00);
    assert_int_equal(e[0].type, E820_RAM);
    assert_int_equal(e[1].type, E820_RESERVED);
    assert_int_equal(e[2].addr, X86_ACPI_ADDR);
    assert_int_equal(e[2].addr + e[2].size, 0x100000);
    assert_int_equal(e[3].addr, 0x100000);
    assert_int_equal(e[3].addr + e[3].size, 128 * MiB);
    /* Sorted and non-overlapping. */
    for (unsigned i = 1; i < n; i++)
        assert_true(e[i - 1].addr + e[i - 1].size <= e[i].addr);
    assert_int_equal(ram_total(e, n), 128 * MiB - (0x100000 - 0x9fc00));
}

static void test_e820_above_4g(void **state)
{
    (void)state;
    struct e820_entry e[X86_E820_MAX];
    unsigned n = x86_e820_build(4 * GiB, e, X86_E820_MAX);
    assert_int_equal(n, 5);
    assert_int_equal(e[3].addr + e[3].size, X86_LOWMEM_MAX);
    assert_int_equal(e[4].addr, 4 * GiB);
    assert_int_equal(e[4].size, 4 * GiB - X86_LOWMEM_MAX);
    assert_int_equal(e[4].type, E820_RAM);
}

/* A fake bzImage: enough of a setup header for the boot protocol. */
static void fake_bzimage(uint8_t *img, size_t len, uint16_t version, uint8_t xloadflags)
{
    memset(img, 0, len);
    img[0x1f1] = 4;    /* setup_sects */
    img[0x201] = 0x6a; /* jump over the header: it ends at 0x26c */
    memcpy(img + 0x202, "HdrS", 4);
    memcpy(img + 0x206, &version, 2);
    img[0x211] = 0x01; /* LOADED_HIGH */
    uint32_t max = 0x7fffffff;
    memcpy(img + 0x22c, &max, 4);
    img[0x236] = xloadflags;
    uint32_t cmdline_size = 2047;
    memcpy(img + 0x238, &cmdline_size, 4);
    img[0x270] = 0xee; /* beyond the header: must not be copied */
}

static void test_zero_page(void **state)
{
    (void)state;
    uint8_t img[0x1000], zp[4096];
    fake_bzimage(img, sizeof(img), 0x20f, 0x1);
    assert_int_equal(x86_zero_page_build(zp, img, sizeof(img), 256 * MiB, 0x20000, 0x7000000,
                                         0x123456, X86_ACPI_ADDR),
                     0);
    assert_memory_equal(zp + 0x202, "HdrS", 4);
    assert_int_equal(zp[0x210], 0xff); /* type_of_loader: undefined */
    assert_int_equal(zp[0x211] & 0x81, 0x81);
    assert_int_equal(rd32(zp + 0x228), 0x20000);
    assert_int_equal(rd32(zp + 0x218), 0x7000000);
    assert_int_equal(rd32(zp + 0x21c), 0x123456);
    assert_int_equal(rd32(zp + 0x238), 2047);
    assert_int_equal(rd64(zp + 0x070), X86_ACPI_ADDR);
    assert_int_equal(zp[0x270], 0);
    assert_int_equal(zp[0x1e8], 4); /* e820 entries */
    struct e820_entry last;
    memcpy(&last, zp + 0x2d0 + 3 * sizeof(last), sizeof(last));
    assert_int_equal(last.addr + last.size, 256 * MiB);
    assert_int_equal(last.type, E820_RAM);
}

static void test_zero_page_rejects(void **state)
{
    (void)state;
    uint8_t img[0x1000], zp[4096];
    fake_bzimage(img, sizeof(img), 0x20a, 0x1); /* too old for a 64-bit entry */
    assert_int_equal(x86_zero_page_build(zp, img, sizeof(img), 256 * MiB, 0, 0, 0, 0), -ENOEXEC);
    fake_bzimage(img, sizeof(img), 0x20f, 0x0); /* no XLF_KERNEL_64 */
    assert_int_equal(x86_zero_page_build(zp, img, sizeof(img), 256 * MiB, 0, 0, 0, 0), -ENOEXEC);
    fake_bzimage(img, sizeof(img), 0x20f, 0x1);
    memcpy(img + 0x202, "HdrX", 4);
    assert_int_equal(x86_zero_page_build(zp, img, sizeof(img), 256 * MiB, 0, 0, 0, 0), -ENOEXEC);
    assert_int_equal(x86_zero_page_build(zp, img, 0x200, 256 * MiB, 0, 0, 0, 0), -ENOEXEC);
}

static void test_descriptors(void **state)
{
    (void)state;
    struct x86_segment code64 = {
        .limit = 0xffffffff, .type = 0xb, .s = true, .present = true, .l = true, .g = true};
    struct x86_segment data = {
        .limit = 0xffffffff, .type = 0x3, .s = true, .present = true, .db = true, .g = true};
    assert_int_equal(x86_segment_descriptor(&code64), 0x00af9b000000ffffull);
    assert_int_equal(x86_segment_descriptor(&data), 0x00cf93000000ffffull);
    struct x86_segment small = {.base = 0x12345678, .limit = 0x67, .type = 0x9, .present = true};
    assert_int_equal(x86_segment_descriptor(&small), 0x1200893456780067ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_e820_small),  cmocka_unit_test(test_e820_above_4g),
        cmocka_unit_test(test_zero_page),   cmocka_unit_test(test_zero_page_rejects),
        cmocka_unit_test(test_descriptors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
