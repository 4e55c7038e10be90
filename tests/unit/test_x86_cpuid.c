/* The x86 vCPU model: -cpu parsing, topology and APIC ids, CPUID shaping. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/x86/x86_cpu.h"

static void test_parse(void **state)
{
    (void)state;
    struct x86_cpus c;
    assert_int_equal(x86_cpus_configure(&c, NULL, 1, 0, 0, 0), 0);
    assert_int_equal(c.ntoggles, 0);
    assert_int_equal(x86_cpus_configure(&c, "host,-cx16,+popcnt,avx=off,sse4_2=on", 2, 0, 0, 0), 0);
    assert_int_equal(c.ntoggles, 4);
    assert_string_equal(c.toggles[0].feature->name, "cx16");
    assert_false(c.toggles[0].on);
    assert_true(c.toggles[1].on);
    assert_false(c.toggles[2].on);
    assert_string_equal(c.toggles[3].feature->name, "sse4.2");
    assert_int_equal(x86_cpus_configure(&c, "max", 1, 0, 0, 0), 0);
    assert_int_equal(x86_cpus_configure(&c, "qemu64", 1, 0, 0, 0), -EINVAL);
    assert_int_equal(x86_cpus_configure(&c, "host,+nosuchflag", 1, 0, 0, 0), -EINVAL);
    assert_int_equal(x86_cpus_configure(&c, "host,avx=maybe", 1, 0, 0, 0), -EINVAL);
    assert_int_equal(x86_cpus_configure(&c, "host", 0, 0, 0, 0), -EINVAL);
    assert_int_equal(x86_cpus_configure(&c, "host", 256, 0, 0, 0), -EINVAL);
}

static void test_apic_ids(void **state)
{
    (void)state;
    struct x86_cpus c;
    assert_int_equal(x86_cpus_configure(&c, "host", 64, 0, 0, 0), 0);
    for (unsigned i = 0; i < 64; i++)
        assert_int_equal(x86_cpu_apic_id(&c, i), i);
    /* 2 sockets x 3 cores x 2 threads: 1 thread bit, 2 core bits. */
    assert_int_equal(x86_cpus_configure(&c, "host", 12, 2, 3, 2), 0);
    static const uint32_t want[12] = {0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13};
    for (unsigned i = 0; i < 12; i++)
        assert_int_equal(x86_cpu_apic_id(&c, i), want[i]);
}

enum { EAX, EBX, ECX, EDX };

static void test_customize(void **state)
{
    (void)state;
    struct x86_cpus c;
    assert_int_equal(x86_cpus_configure(&c, "host,-popcnt,+cx16", 12, 2, 3, 2), 0);
    struct x86_cpuid_entry e[] = {
        {0, 0, 0, 0x1f, 0x756e6547, 0x6c65746e, 0x49656e69}, /* GenuineIntel */
        {1, 0, 0, 0x906ea, 0x00010800, 0x00800000, 0x178bfbff},
        {4, 0, X86_CPUID_FLAG_INDEXED, 0x121, 0, 0, 0},
        {4, 3, X86_CPUID_FLAG_INDEXED, 0x163, 0, 0, 0},
        {0xb, 0, X86_CPUID_FLAG_INDEXED, 0, 0, 0, 0},
        {0xb, 1, X86_CPUID_FLAG_INDEXED, 0, 0, 0, 0},
        {0xb, 2, X86_CPUID_FLAG_INDEXED, 0, 0, 0, 0},
    };
    unsigned n = sizeof(e) / sizeof(e[0]);
    x86_cpuid_customize(&c, 7, e, n); /* socket 1, core 0, thread 1: APIC id 9 */
    assert_int_equal(e[1].ebx >> 24, 9);
    assert_int_equal((e[1].ebx >> 16) & 0xff, 8); /* addressable ids per package */
    assert_int_equal(e[1].ebx & 0xffff, 0x0800);
    assert_true(e[1].edx & (1u << 28));            /* HTT */
    assert_true(e[1].ecx & (1u << 31));            /* hypervisor */
    assert_false(e[1].ecx & (1u << 23));           /* -popcnt */
    assert_true(e[1].ecx & (1u << 13));            /* +cx16 */
    assert_int_equal(e[2].eax >> 26, 3);           /* cores per package - 1 (2 bits) */
    assert_int_equal((e[2].eax >> 14) & 0xfff, 1); /* L1 shared by 2 threads */
    assert_int_equal((e[3].eax >> 14) & 0xfff, 7); /* L3 shared by the package */
    assert_int_equal(e[4].eax, 1);
    assert_int_equal(e[4].ebx, 2);
    assert_int_equal(e[4].ecx, 0x100);
    assert_int_equal(e[4].edx, 9);
    assert_int_equal(e[5].eax, 3);
    assert_int_equal(e[5].ebx, 6);
    assert_int_equal(e[5].ecx, 0x201);
    assert_int_equal(e[6].ebx, 0);
    assert_int_equal(e[6].ecx, 2);
    assert_int_equal(e[6].edx, 9);
}

static void test_feature_names(void **state)
{
    (void)state;
    const struct x86_feature *f = x86_feature_find("sse4_1");
    assert_non_null(f);
    assert_string_equal(f->name, "sse4.1");
    assert_non_null(x86_feature_find("tsc_deadline"));
    assert_null(x86_feature_find("sse4"));
    f = x86_feature_find("pdpe1gb");
    assert_int_equal(f->leaf, 0x80000001);
    assert_int_equal(f->bit, 26);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_apic_ids),
        cmocka_unit_test(test_customize),
        cmocka_unit_test(test_feature_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
