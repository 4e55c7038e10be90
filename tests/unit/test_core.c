/* Core: address map, guest memory bounds, image probing and loading, event loop timers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <elf.h>
#include <errno.h>

#include "core/addrmap.h"
#include "core/clock.h"
#include "core/event_loop.h"
#include "core/loader.h"
#include "core/memory.h"

struct fake_dev {
    uint64_t last_off, last_val;
    unsigned last_size, writes;
};

static uint64_t fake_read(void *opaque, uint64_t off, unsigned size)
{
    struct fake_dev *d = opaque;
    d->last_off = off;
    d->last_size = size;
    return 0x1000 + off;
}

static void fake_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct fake_dev *d = opaque;
    d->last_off = off;
    d->last_val = val;
    d->last_size = size;
    d->writes++;
}

static const struct mmio_ops fake_ops = {fake_read, fake_write, 4 | 8};

static void test_addrmap_overlap_and_lookup(void **state)
{
    (void)state;
    struct addr_map m;
    struct fake_dev a = {0}, b = {0};
    addr_map_init(&m, "mmio");
    assert_int_equal(addr_map_add(&m, 0x2000, 0x1000, &fake_ops, &a, "a"), 0);
    assert_int_equal(addr_map_add(&m, 0x1000, 0x1000, &fake_ops, &b, "b"), 0);
    /* Overlaps on either side, and containment, are refused. */
    assert_int_equal(addr_map_add(&m, 0x2fff, 0x10, &fake_ops, &b, "c"), -EEXIST);
    assert_int_equal(addr_map_add(&m, 0x0800, 0x801, &fake_ops, &b, "d"), -EEXIST);
    assert_int_equal(addr_map_add(&m, 0x0, 0x10000, &fake_ops, &b, "e"), -EEXIST);
    assert_int_equal(addr_map_add(&m, 0x5000, 0, &fake_ops, &b, "zero"), -EINVAL);
    assert_int_equal(addr_map_add(&m, ~0ull - 10, 0x100, &fake_ops, &b, "wrap"), -EINVAL);
    assert_int_equal(addr_map_add(&m, 0x3000, 0x1000, &fake_ops, &b, "adjacent"), 0);

    assert_ptr_equal(addr_map_find(&m, 0x1000)->opaque, &b);
    assert_ptr_equal(addr_map_find(&m, 0x2fff)->opaque, &a);
    assert_string_equal(addr_map_find(&m, 0x3000)->name, "adjacent");
    assert_null(addr_map_find(&m, 0xfff));
    assert_null(addr_map_find(&m, 0x4000));

    uint64_t v;
    assert_true(addr_map_read(&m, 0x2010, 4, &v));
    assert_int_equal(v, 0x1010);
    assert_int_equal(a.last_off, 0x10);
    assert_true(addr_map_write(&m, 0x2008, 8, 0xabcdef));
    assert_int_equal(a.last_val, 0xabcdef);
    assert_int_equal(a.writes, 1);

    /* Unassigned: all-ones of the access size, reported as not handled. */
    assert_false(addr_map_read(&m, 0x9000, 2, &v));
    assert_int_equal(v, 0xffff);
    assert_false(addr_map_read(&m, 0x9000, 8, &v));
    assert_int_equal(v, ~0ull);
    assert_false(addr_map_write(&m, 0x9000, 4, 1));

    /* Unsupported access size: handled (no fault) but not passed to the device. */
    assert_true(addr_map_write(&m, 0x2000, 1, 5));
    assert_int_equal(a.writes, 1);
    /* An access running past the region end is not passed on either. */
    assert_true(addr_map_write(&m, 0x2ffc, 8, 5));
    assert_int_equal(a.writes, 1);
    addr_map_destroy(&m);
}

static void test_guest_mem_bounds(void **state)
{
    (void)state;
    struct guest_mem mem = {0};
    assert_int_equal(guest_mem_add_ram(&mem, 0x80000000, 0x100000), 0);
    assert_int_equal(guest_mem_add_ram(&mem, 0x800ff000, 0x2000), -EEXIST);
    assert_non_null(guest_mem_ptr(&mem, 0x80000000, 0x100000));
    assert_null(guest_mem_ptr(&mem, 0x80000000, 0x100001));
    assert_null(guest_mem_ptr(&mem, 0x7fffffff, 2));
    assert_null(guest_mem_ptr(&mem, 0x800fffff, 2));
    assert_null(guest_mem_ptr(&mem, 0x80000001, ~0ull));
    assert_non_null(guest_mem_ptr(&mem, 0x800fffff, 1));
    uint32_t x = 0x12345678, y = 0;
    assert_int_equal(guest_mem_write(&mem, 0x80000100, &x, 4), 0);
    assert_int_equal(guest_mem_read(&mem, 0x80000100, &y, 4), 0);
    assert_int_equal(y, x);
    assert_int_equal(guest_mem_read(&mem, 0x900000000, &y, 4), -EFAULT);
    guest_mem_destroy(&mem);
}

static char *write_temp(const void *data, size_t len)
{
    static char path[64];
    strcpy(path, "/tmp/kvmu-test-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

static void test_probe_kinds(void **state)
{
    (void)state;
    uint8_t buf[0x400] = {0};
    enum image_kind kind;

    memcpy(buf + 0x38, "RSC\x05", 4);
    char *p = write_temp(buf, sizeof(buf));
    assert_int_equal(loader_probe(p, &kind), 0);
    assert_int_equal(kind, IMAGE_RISCV_LINUX);
    unlink(p);

    memset(buf, 0, sizeof(buf));
    memcpy(buf + 0x202, "HdrS", 4);
    p = write_temp(buf, sizeof(buf));
    assert_int_equal(loader_probe(p, &kind), 0);
    assert_int_equal(kind, IMAGE_X86_BZIMAGE);
    unlink(p);

    memset(buf, 0x5a, sizeof(buf));
    p = write_temp(buf, sizeof(buf));
    assert_int_equal(loader_probe(p, &kind), 0);
    assert_int_equal(kind, IMAGE_UNKNOWN);
    unlink(p);

    assert_true(loader_looks_like_text(p = write_temp(buf, sizeof(buf)))); /* all "Z" */
    unlink(p);
    buf[100] = 0;
    assert_false(loader_looks_like_text(p = write_temp(buf, sizeof(buf))));
    unlink(p);
    static const char script[] = "#!/bin/sh\n\techo not a kernel\r\n";
    p = write_temp(script, sizeof(script) - 1);
    assert_true(loader_looks_like_text(p));
    unlink(p);

    assert_int_equal(loader_probe("/nonexistent/kernel", &kind), -ENOENT);
    assert_int_equal(loader_probe("/tmp", &kind), -EINVAL);
}

static void test_load_elf(void **state)
{
    (void)state;
    struct {
        Elf64_Ehdr eh;
        Elf64_Phdr ph[2];
        uint8_t code[16];
    } img;
    memset(&img, 0, sizeof(img));
    memcpy(img.eh.e_ident, ELFMAG, SELFMAG);
    img.eh.e_ident[EI_CLASS] = ELFCLASS64;
    img.eh.e_ident[EI_DATA] = ELFDATA2LSB;
    img.eh.e_machine = EM_RISCV;
    img.eh.e_entry = 0x80000004;
    img.eh.e_phoff = offsetof(__typeof__(img), ph);
    img.eh.e_phentsize = sizeof(Elf64_Phdr);
    img.eh.e_phnum = 2;
    img.ph[0] = (Elf64_Phdr){.p_type = PT_LOAD,
                             .p_offset = offsetof(__typeof__(img), code),
                             .p_paddr = 0x80000000,
                             .p_filesz = 16,
                             .p_memsz = 64};
    img.ph[1] = (Elf64_Phdr){.p_type = PT_NOTE, .p_paddr = 0x1234, .p_memsz = 8};
    memset(img.code, 0xab, sizeof(img.code));
    char *p = write_temp(&img, sizeof(img));

    struct guest_mem mem = {0};
    assert_int_equal(guest_mem_add_ram(&mem, 0x80000000, 0x10000), 0);
    memset(guest_mem_ptr(&mem, 0x80000000, 64), 0xff, 64);
    uint64_t entry, end;
    assert_int_equal(loader_load_elf(&mem, "kernel", p, EM_RISCV, &entry, &end), 0);
    assert_int_equal(entry, 0x80000004);
    assert_int_equal(end, 0x80000040);
    uint8_t *ram = guest_mem_ptr(&mem, 0x80000000, 64);
    assert_int_equal(ram[15], 0xab);
    assert_int_equal(ram[16], 0); /* bss cleared */
    assert_int_equal(ram[63], 0);

    /* Wrong machine, and a segment outside RAM, are refused. */
    assert_int_equal(loader_load_elf(&mem, "kernel", p, EM_X86_64, &entry, &end), -ENOEXEC);
    unlink(p);
    img.ph[0].p_paddr = 0x9000000;
    p = write_temp(&img, sizeof(img));
    assert_int_equal(loader_load_elf(&mem, "kernel", p, EM_RISCV, &entry, &end), -ENOEXEC);
    unlink(p);
    /* A truncated header. */
    p = write_temp(&img, 20);
    assert_int_equal(loader_load_elf(&mem, "kernel", p, EM_RISCV, &entry, &end), -ENOEXEC);
    unlink(p);
    guest_mem_destroy(&mem);
}

static void timer_cb(void *opaque)
{
    (*(int *)opaque)++;
}

static void test_event_timer(void **state)
{
    (void)state;
    struct event_loop *loop;
    struct event_timer *t;
    int fired = 0;
    assert_int_equal(event_loop_create(&loop), 0);
    assert_int_equal(event_timer_create(loop, timer_cb, &fired, &t), 0);
    int64_t start = clock_now_ns();
    event_timer_arm(t, start + 20 * 1000 * 1000);
    while (!fired)
        assert_true(event_loop_run_once(loop, 1000) >= 0);
    assert_true(clock_now_ns() - start >= 20 * 1000 * 1000);
    /* A disarmed timer does not fire. */
    event_timer_arm(t, clock_now_ns() + 5 * 1000 * 1000);
    event_timer_disarm(t);
    assert_int_equal(event_loop_run_once(loop, 30), 0);
    assert_int_equal(fired, 1);
    event_timer_destroy(t);
    event_loop_destroy(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addrmap_overlap_and_lookup),
        cmocka_unit_test(test_guest_mem_bounds),
        cmocka_unit_test(test_probe_kinds),
        cmocka_unit_test(test_load_elf),
        cmocka_unit_test(test_event_timer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
