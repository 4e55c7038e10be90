/* The command-line parser: every option's happy path and its error messages. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/log.h"

#define MIB (1ull << 20)
#define GIB (1ull << 30)

struct fixture {
    struct vm_config cfg;
    char err[256];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* argv is NULL-terminated; argv[0] is the program name. */
static int parse_argv(struct fixture *f, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    memset(f->err, 'x', sizeof(f->err) - 1);
    f->err[sizeof(f->err) - 1] = '\0';
    int ret = cli_parse(argc, argv, &f->cfg, f->err, sizeof(f->err));
    if (ret == 0)
        assert_string_equal(f->err, "");
    else
        assert_null(strchr(f->err, '\n'));
    return ret;
}

#define PARSE(...) parse_argv(f, (char *[]){"kvmu", __VA_ARGS__, NULL})
#define PARSE_AS(prog, ...) parse_argv(f, (char *[]){prog, __VA_ARGS__, NULL})
#define FIX struct fixture *f = *state

/* Parsing must fail with exactly this message. */
#define EXPECT_ERROR(msg, ...)                                                                     \
    do {                                                                                           \
        assert_int_equal(PARSE(__VA_ARGS__), -EINVAL);                                             \
        assert_string_equal(f->err, msg);                                                          \
    } while (0)

static void test_defaults(void **state)
{
    FIX;
    assert_int_equal(parse_argv(f, (char *[]){"kvmu", NULL}), 0);
    assert_int_equal(f->cfg.arch, ARCH_NONE);
    assert_null(f->cfg.argv0_target);
    assert_null(f->cfg.machine);
    assert_int_equal(f->cfg.accel, ACCEL_DEFAULT);
    assert_int_equal(f->cfg.smp, 1);
    assert_int_equal(f->cfg.smp_maxcpus, 1);
    assert_int_equal(f->cfg.ram_size, 0);
    assert_int_equal(f->cfg.nserial, 0);
    assert_int_equal(f->cfg.ndrives, 0);
    assert_false(f->cfg.show_help);
    assert_null(f->cfg.help_topic);
    /* Zero argc must not crash either. */
    assert_int_equal(cli_parse(0, (char *[]){NULL}, &f->cfg, f->err, sizeof(f->err)), 0);
}

static void test_argv0_targets(void **state)
{
    FIX;
    assert_int_equal(parse_argv(f, (char *[]){"/usr/local/bin/qemu-system-riscv64", NULL}), 0);
    assert_int_equal(f->cfg.arch, ARCH_RISCV64);
    assert_string_equal(f->cfg.argv0_target, "qemu-system-riscv64");
    assert_string_equal(f->cfg.machine, "virt");

    assert_int_equal(parse_argv(f, (char *[]){"qemu-system-x86_64", NULL}), 0);
    assert_int_equal(f->cfg.arch, ARCH_X86_64);
    assert_string_equal(f->cfg.argv0_target, "qemu-system-x86_64");
    assert_string_equal(f->cfg.machine, "pc");

    assert_int_equal(parse_argv(f, (char *[]){"./build/kvmu", NULL}), 0);
    assert_int_equal(f->cfg.arch, ARCH_NONE);
    assert_null(f->cfg.argv0_target);

    assert_int_equal(parse_argv(f, (char *[]){"qemu-system-aarch64", NULL}), -EINVAL);
    assert_string_equal(f->err, "unsupported target 'qemu-system-aarch64' (kvmu runs as "
                                "qemu-system-riscv64 or qemu-system-x86_64)");

    /* The target's arch rules out the other arch's boards. */
    assert_int_equal(PARSE_AS("qemu-system-riscv64", "-M", "pc"), -EINVAL);
    assert_string_equal(
        f->err, "-M: unsupported machine type 'pc' for riscv64 (use -machine help to list)");
    assert_int_equal(PARSE_AS("qemu-system-x86_64", "-M", "microvm"), 0);
    assert_string_equal(f->cfg.machine, "microvm");
}

static void test_machine(void **state)
{
    FIX;
    assert_int_equal(PARSE("-M", "virt"), 0);
    assert_string_equal(f->cfg.machine, "virt");
    assert_int_equal(f->cfg.arch, ARCH_RISCV64);

    assert_int_equal(PARSE("-machine", "pc"), 0);
    assert_string_equal(f->cfg.machine, "pc");
    assert_int_equal(f->cfg.arch, ARCH_X86_64);

    assert_int_equal(PARSE("--machine", "q35"), 0);
    assert_string_equal(f->cfg.machine, "pc");
    assert_int_equal(PARSE("-M", "pc-q35-7.2"), 0);
    assert_string_equal(f->cfg.machine, "pc");
    assert_int_equal(PARSE("-M", "pc-i440fx-8.0"), 0);
    assert_string_equal(f->cfg.machine, "pc");
    assert_int_equal(PARSE("-M", "type=microvm"), 0);
    assert_string_equal(f->cfg.machine, "microvm");

    assert_int_equal(PARSE("-M", "virt,accel=interp"), 0);
    assert_int_equal(f->cfg.accel, ACCEL_INTERP);
    assert_int_equal(PARSE("-M", "pc,accel=kvm:tcg,usb=off"), 0);
    assert_int_equal(f->cfg.accel, ACCEL_KVM);
    assert_int_equal(f->cfg.nignored, 1);
    assert_string_equal(f->cfg.ignored[0], "-machine usb");

    assert_int_equal(PARSE("-M", "help"), 0);
    assert_string_equal(f->cfg.help_topic, "machine");
    assert_int_equal(PARSE("-machine", "?"), 0);
    assert_string_equal(f->cfg.help_topic, "machine");

    EXPECT_ERROR("-M: unsupported machine type 'sifive_u' (use -machine help to list)", "-M",
                 "sifive_u");
    EXPECT_ERROR("-M: unsupported machine type 'pcx' (use -machine help to list)", "-M", "pcx");
    EXPECT_ERROR("-machine: unknown accelerator 'hvf' (use -accel help to list)", "-machine",
                 "virt,accel=hvf");
    EXPECT_ERROR("-M: requires an argument", "-M");
}

static void test_accel(void **state)
{
    FIX;
    assert_int_equal(PARSE("-accel", "interp"), 0);
    assert_int_equal(f->cfg.accel, ACCEL_INTERP);
    assert_null(f->cfg.accel_opts);
    assert_int_equal(PARSE("-accel", "jit,tb-size=64"), 0);
    assert_int_equal(f->cfg.accel, ACCEL_JIT);
    assert_string_equal(f->cfg.accel_opts, "tb-size=64");
    assert_int_equal(PARSE("-accel", "tcg,thread=single"), 0);
    assert_int_equal(f->cfg.accel, ACCEL_JIT);
    assert_int_equal(PARSE("-accel", "kvm"), 0);
    assert_int_equal(f->cfg.accel, ACCEL_KVM);
    assert_int_equal(PARSE("-enable-kvm"), 0);
    assert_int_equal(f->cfg.accel, ACCEL_KVM);
    assert_int_equal(PARSE("--enable-kvm", "-M", "pc"), 0);
    assert_int_equal(f->cfg.accel, ACCEL_KVM);
    /* Later options win, as in QEMU. */
    assert_int_equal(PARSE("-accel", "interp", "-accel", "jit"), 0);
    assert_int_equal(f->cfg.accel, ACCEL_JIT);

    assert_int_equal(PARSE("-accel", "help"), 0);
    assert_string_equal(f->cfg.help_topic, "accel");

    EXPECT_ERROR("-accel: unknown accelerator 'xyz' (use -accel help to list)", "-accel", "xyz");
    EXPECT_ERROR("-accel: unknown accelerator 'kvmx' (use -accel help to list)", "-accel",
                 "kvmx,foo=1");
    EXPECT_ERROR("-accel jit: x86_64 guests need -accel kvm (interp and jit emulate RISC-V only)",
                 "-M", "pc", "-accel", "jit");
#if !defined(__riscv)
    EXPECT_ERROR("-accel kvm: KVM cannot run riscv64 guests on this host (use -accel jit or "
                 "-accel interp)",
                 "-M", "virt", "-enable-kvm");
#endif
}

static void test_boot_files(void **state)
{
    FIX;
    assert_int_equal(PARSE("-bios", "none", "-kernel", "Image", "-initrd", "rd.cpio", "-append",
                           "console=ttyS0 root=/dev/vda", "-dtb", "board.dtb", "-cpu", "rv64"),
                     0);
    assert_string_equal(f->cfg.bios, "none");
    assert_string_equal(f->cfg.kernel, "Image");
    assert_string_equal(f->cfg.initrd, "rd.cpio");
    assert_string_equal(f->cfg.append, "console=ttyS0 root=/dev/vda");
    assert_string_equal(f->cfg.dtb, "board.dtb");
    assert_string_equal(f->cfg.cpu, "rv64");

    /* An empty -append is legal; an argument that looks like an option is still the value. */
    assert_int_equal(PARSE("-append", "", "-kernel", "-weird-name"), 0);
    assert_string_equal(f->cfg.append, "");
    assert_string_equal(f->cfg.kernel, "-weird-name");

    assert_int_equal(PARSE("-cpu", "help"), 0);
    assert_string_equal(f->cfg.help_topic, "cpu");

    EXPECT_ERROR("-kernel: requires an argument", "-kernel");
    EXPECT_ERROR("-kernel: empty file name", "-kernel", "");
    EXPECT_ERROR("-bios: empty file name", "-bios", "");
}

struct size_case {
    const char *text;
    int ret;
    uint64_t bytes;
};

static void test_size_table(void **state)
{
    (void)state;
    static const struct size_case cases[] = {
        {"512", 0, 512 * MIB},
        {"2G", 0, 2 * GIB},
        {"2g", 0, 2 * GIB},
        {"1536M", 0, 1536 * MIB},
        {"1T", 0, 1024 * GIB},
        {"1.5G", 0, 1536 * MIB},
        {"0.5", 0, MIB / 2},
        {"65536K", 0, 64 * MIB},
        {"1048576B", 0, MIB},
        {"0x100", 0, 256 * MIB},
        {"0x1000k", 0, 4 * MIB},
        {"16E", -ERANGE, 0},
        {"15E", 0, 15ull << 60},
        {"18446744073709551615B", 0, UINT64_MAX},
        {"18446744073709551616B", -ERANGE, 0},
        {"99999999999999999999999", -ERANGE, 0},
        {"17592186044416", -ERANGE, 0}, /* 2^44 MiB = 2^64 bytes */
        {"0", 0, 0},
        {"12Q", -EINVAL, 0},
        {"-5", -EINVAL, 0},
        {"", -EINVAL, 0},
        {"G", -EINVAL, 0},
        {"1GB", -EINVAL, 0},
        {"1GiB", -EINVAL, 0},
        {"1 G", -EINVAL, 0},
        {"1.", -EINVAL, 0},
        {".5G", -EINVAL, 0},
        {"0x", -EINVAL, 0},
        {"0x1.8G", -EINVAL, 0},
        {"1.5B", -EINVAL, 0}, /* a fraction of a byte */
        {"0.1K", -EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t bytes = 0;
        int ret = cli_parse_size(cases[i].text, 20, &bytes);
        if (ret != cases[i].ret || (ret == 0 && bytes != cases[i].bytes))
            fail_msg("size '%s': got %d/%llu, want %d/%llu", cases[i].text, ret,
                     (unsigned long long)bytes, cases[i].ret, (unsigned long long)cases[i].bytes);
    }
}

static void test_memory(void **state)
{
    FIX;
    assert_int_equal(PARSE("-m", "512"), 0);
    assert_int_equal(f->cfg.ram_size, 512 * MIB);
    assert_int_equal(PARSE("-m", "2G"), 0);
    assert_int_equal(f->cfg.ram_size, 2 * GIB);
    assert_int_equal(PARSE("-m", "size=1536M"), 0);
    assert_int_equal(f->cfg.ram_size, 1536 * MIB);
    assert_int_equal(PARSE("-m", "1G,slots=4,maxmem=8G"), 0);
    assert_int_equal(f->cfg.ram_size, GIB);
    assert_int_equal(PARSE("--m", "256M"), 0);
    assert_int_equal(f->cfg.ram_size, 256 * MIB);

    EXPECT_ERROR("-m: invalid size '12Q'", "-m", "12Q");
    EXPECT_ERROR("-m: invalid size '-5'", "-m", "-5");
    EXPECT_ERROR("-m: invalid size 'lots'", "-m", "lots");
    EXPECT_ERROR("-m: RAM size must be greater than 0", "-m", "0");
    EXPECT_ERROR("-m: size '99999999999T' is too large", "-m", "99999999999T");
    EXPECT_ERROR("-m: invalid size '8X'", "-m", "1G,maxmem=8X");
    EXPECT_ERROR("-m: invalid slots 'two'", "-m", "1G,slots=two");
    EXPECT_ERROR("-m: invalid parameter 'foo'", "-m", "1G,foo=1");
    EXPECT_ERROR("-m: missing size", "-m", "slots=2");
    EXPECT_ERROR("-m: requires an argument", "-m");
}

static void test_smp(void **state)
{
    FIX;
    assert_int_equal(PARSE("-smp", "4"), 0);
    assert_int_equal(f->cfg.smp, 4);
    assert_int_equal(f->cfg.smp_maxcpus, 4);
    assert_int_equal(PARSE("-smp", "cpus=2"), 0);
    assert_int_equal(f->cfg.smp, 2);
    assert_int_equal(PARSE("-smp", "sockets=2,cores=2"), 0);
    assert_int_equal(f->cfg.smp, 4);
    assert_int_equal(f->cfg.smp_sockets, 2);
    assert_int_equal(f->cfg.smp_cores, 2);
    assert_int_equal(f->cfg.smp_threads, 0);
    assert_int_equal(PARSE("-smp", "sockets=1,cores=2,threads=2,dies=2"), 0);
    assert_int_equal(f->cfg.smp, 8);
    assert_int_equal(PARSE("-smp", "2,maxcpus=4"), 0);
    assert_int_equal(f->cfg.smp, 2);
    assert_int_equal(f->cfg.smp_maxcpus, 4);
    assert_int_equal(PARSE("-smp", "maxcpus=3"), 0);
    assert_int_equal(f->cfg.smp, 3);
    assert_int_equal(PARSE("-smp", "2,sockets=1,cores=4,threads=1"), 0);
    assert_int_equal(f->cfg.smp, 2);
    assert_int_equal(f->cfg.smp_maxcpus, 4);

    EXPECT_ERROR("-smp: cpus must be at least 1", "-smp", "0");
    EXPECT_ERROR("-smp: cores must be at least 1", "-smp", "2,cores=0");
    EXPECT_ERROR("-smp: invalid number 'abc'", "-smp", "abc");
    EXPECT_ERROR("-smp: invalid number '-1'", "-smp", "-1");
    EXPECT_ERROR("-smp: invalid number ''", "-smp", "cpus=");
    EXPECT_ERROR("-smp: cpus=99999 is too large (at most 4096)", "-smp", "99999");
    EXPECT_ERROR("-smp: too many CPUs (at most 4096)", "-smp", "sockets=4096,cores=4096");
    EXPECT_ERROR("-smp: cpus (4) exceeds maxcpus (2)", "-smp", "4,maxcpus=2");
    EXPECT_ERROR("-smp: invalid CPU topology: the product of the levels (8) must equal maxcpus (4)",
                 "-smp", "4,sockets=2,cores=2,threads=2,maxcpus=4");
    EXPECT_ERROR("-smp: invalid parameter 'foo'", "-smp", "2,foo=1");
}

static void test_display_and_flags(void **state)
{
    FIX;
    assert_int_equal(PARSE("-nographic", "-no-reboot", "-no-shutdown", "-display", "none"), 0);
    assert_true(f->cfg.nographic);
    assert_true(f->cfg.no_reboot);
    assert_true(f->cfg.no_shutdown);
    assert_true(f->cfg.display_none);
    assert_int_equal(PARSE("-display", "none,gl=off"), 0);
    assert_true(f->cfg.display_none);

    EXPECT_ERROR("-display: display 'gtk' is not supported (kvmu has no display; use -display "
                 "none or -nographic)",
                 "-display", "gtk");
    EXPECT_ERROR("-display: display 'sdl' is not supported (kvmu has no display; use -display "
                 "none or -nographic)",
                 "-display", "sdl,gl=on");
}

static void test_serial(void **state)
{
    FIX;
    assert_int_equal(PARSE("-serial", "mon:stdio", "-serial", "file:/tmp/a,b.log", "-serial",
                           "null", "-serial", "none"),
                     0);
    assert_int_equal(f->cfg.nserial, 4);
    assert_int_equal(f->cfg.serial[0].kind, SERIAL_STDIO);
    assert_true(f->cfg.serial[0].monitor);
    assert_int_equal(f->cfg.serial[1].kind, SERIAL_FILE);
    assert_string_equal(f->cfg.serial[1].path, "/tmp/a,b.log");
    assert_int_equal(f->cfg.serial[2].kind, SERIAL_NULL);
    assert_int_equal(f->cfg.serial[3].kind, SERIAL_NONE);
    assert_int_equal(PARSE("-serial", "stdio"), 0);
    assert_false(f->cfg.serial[0].monitor);

    EXPECT_ERROR("-serial: too many serial ports (at most 4)", "-serial", "null", "-serial", "null",
                 "-serial", "null", "-serial", "null", "-serial", "null");
    EXPECT_ERROR("-serial: 'pty' is not supported (use stdio, mon:stdio, file:PATH, null or none)",
                 "-serial", "pty");
    EXPECT_ERROR("-serial: file: needs a path", "-serial", "file:");
    EXPECT_ERROR("-serial: stdio is already used by another serial port", "-serial", "stdio",
                 "-serial", "mon:stdio");
}

static void test_name(void **state)
{
    FIX;
    assert_int_equal(PARSE("-name", "guest1"), 0);
    assert_string_equal(f->cfg.name, "guest1");
    assert_int_equal(PARSE("-name", "guest=vm,,a,debug-threads=on,process=kvmu-vm"), 0);
    assert_string_equal(f->cfg.name, "vm,a");
    EXPECT_ERROR("-name: invalid parameter 'colour'", "-name", "vm,colour=red");
}

static void test_drive(void **state)
{
    FIX;
    assert_int_equal(PARSE("-drive",
                           "file=disk.img,format=raw,if=none,id=hd0,readonly=on,cache=none,"
                           "aio=native,discard=unmap,media=disk,file.locking=off,index=1"),
                     0);
    assert_int_equal(f->cfg.ndrives, 1);
    const struct drive_config *d = &f->cfg.drives[0];
    assert_string_equal(d->file, "disk.img");
    assert_true(d->format_given);
    assert_int_equal(d->interface, DRIVE_IF_NONE);
    assert_true(d->if_given);
    assert_string_equal(d->id, "hd0");
    assert_true(d->readonly);
    assert_string_equal(d->cache, "none");
    assert_string_equal(d->aio, "native");
    assert_true(d->discard_unmap);
    assert_false(d->locking);
    assert_int_equal(d->index, 1);

    /* Defaults. */
    assert_int_equal(PARSE("-drive", "file=a.img"), 0);
    d = &f->cfg.drives[0];
    assert_string_equal(d->file, "a.img");
    assert_int_equal(d->interface, DRIVE_IF_VIRTIO);
    assert_false(d->if_given);
    assert_false(d->format_given);
    assert_false(d->readonly);
    assert_true(d->locking);
    assert_null(d->id);
    assert_null(d->cache);
    assert_int_equal(d->index, -1);

    /* ",," is a comma inside a value, also right before the separator. */
    assert_int_equal(PARSE("-drive", "file=a,,b.img,format=raw", "-drive", "file=x,,,id=d2",
                           "-drive", "id=d3,file=,,lead,,,,two"),
                     0);
    assert_int_equal(f->cfg.ndrives, 3);
    assert_string_equal(f->cfg.drives[0].file, "a,b.img");
    assert_string_equal(f->cfg.drives[1].file, "x,");
    assert_string_equal(f->cfg.drives[1].id, "d2");
    assert_string_equal(f->cfg.drives[2].file, ",lead,,two");

    /* Booleans: bare key means on. */
    assert_int_equal(PARSE("-drive", "file=a.img,readonly", "-drive", "file=b.img,readonly=off",
                           "-drive", "file=c.img,file.locking=auto", "-drive",
                           "file=d.img,discard=ignore,if=virtio"),
                     0);
    assert_true(f->cfg.drives[0].readonly);
    assert_false(f->cfg.drives[1].readonly);
    assert_true(f->cfg.drives[2].locking);
    assert_false(f->cfg.drives[3].discard_unmap);
    assert_true(f->cfg.drives[3].if_given);

    EXPECT_ERROR("-drive: unknown format 'qcow3'", "-drive", "file=a.img,format=qcow3");
    EXPECT_ERROR("-drive: format 'qcow2' is not supported (only raw)", "-drive",
                 "file=a.img,format=qcow2");
    EXPECT_ERROR("-drive: interface 'ide' is not supported (use if=virtio or if=none)", "-drive",
                 "file=a.img,if=ide");
    EXPECT_ERROR("-drive: interface 'scsi' is not supported (use if=virtio or if=none)", "-drive",
                 "file=a.img,if=scsi");
    EXPECT_ERROR("-drive: invalid parameter 'snapshot'", "-drive", "file=a.img,snapshot=on");
    EXPECT_ERROR("-drive: invalid parameter 'bogus'", "-drive", "file=a.img,bogus");
    EXPECT_ERROR("-drive: readonly must be on or off, not 'maybe'", "-drive",
                 "file=a.img,readonly=maybe");
    EXPECT_ERROR("-drive: file.locking must be on, off or auto, not 'x'", "-drive",
                 "file=a.img,file.locking=x");
    EXPECT_ERROR("-drive: invalid cache mode 'fast'", "-drive", "file=a.img,cache=fast");
    EXPECT_ERROR("-drive: invalid aio mode 'posix'", "-drive", "file=a.img,aio=posix");
    EXPECT_ERROR("-drive: invalid discard mode 'yes'", "-drive", "file=a.img,discard=yes");
    EXPECT_ERROR("-drive: media 'cdrom' is not supported (only disk)", "-drive",
                 "file=a.iso,media=cdrom");
    EXPECT_ERROR("-drive: invalid index 'x'", "-drive", "file=a.img,index=x");
    EXPECT_ERROR("-drive: index=0 is already in use", "-drive", "file=a.img,index=0", "-drive",
                 "file=b.img,index=0");
    EXPECT_ERROR("-drive: missing file= (empty drives are not supported)", "-drive", "if=virtio");
    EXPECT_ERROR("-drive: missing file= (empty drives are not supported)", "-drive", "");
    EXPECT_ERROR("-drive: empty file name", "-drive", "file=");
    EXPECT_ERROR("-drive: parameter 'format' needs a value", "-drive", "file=a.img,format");
    EXPECT_ERROR("-drive: invalid parameter 'disk.img'", "-drive", "disk.img");
    EXPECT_ERROR("-drive: invalid parameter ''", "-drive", "file=a.img,,,=x");
    EXPECT_ERROR("-drive: duplicate ID 'hd0' for drive", "-drive", "file=a.img,id=hd0", "-drive",
                 "file=b.img,id=hd0");
    EXPECT_ERROR("-drive: invalid id '0disk' (a letter, then letters, digits, '-', '.', '_')",
                 "-drive", "file=a.img,id=0disk");
}

static void test_drive_limits(void **state)
{
    FIX;
    char *argv[2 + 2 * (CONFIG_MAX_DRIVES + 1)] = {"kvmu"};
    static const char spec[] = "file=a.img";
    for (int i = 0; i <= CONFIG_MAX_DRIVES; i++) {
        argv[1 + 2 * i] = "-drive";
        argv[2 + 2 * i] = (char *)spec;
    }
    argv[1 + 2 * CONFIG_MAX_DRIVES + 2] = NULL;
    assert_int_equal(parse_argv(f, argv), -EINVAL);
    assert_string_equal(f->err, "-drive: too many drives (at most 16)");

    /* The string arena is bounded; overflowing it is an error, not memory corruption. */
    size_t len = CONFIG_STRINGS_SIZE / 4;
    char *big = malloc(len + 6);
    assert_non_null(big);
    memcpy(big, "file=", 5);
    memset(big + 5, 'a', len);
    big[5 + len] = '\0';
    for (int i = 0; i < 5; i++) {
        argv[1 + 2 * i] = "-drive";
        argv[2 + 2 * i] = big;
    }
    argv[11] = NULL;
    assert_int_equal(parse_argv(f, argv), -EINVAL);
    assert_string_equal(f->err, "-drive: command line too long");
    free(big);
}

static void test_device(void **state)
{
    FIX;
    assert_int_equal(PARSE("-drive", "file=a.img,if=none,id=hd0", "-drive",
                           "file=b.img,if=none,id=hd1", "-device", "virtio-blk-device,drive=hd0",
                           "-device", "virtio-blk-pci,drive=hd1,id=blk1"),
                     0);
    assert_int_equal(f->cfg.ndevices, 2);
    assert_int_equal(f->cfg.devices[0].kind, DEVICE_VIRTIO_BLK_DEVICE);
    assert_string_equal(f->cfg.devices[0].drive, "hd0");
    assert_null(f->cfg.devices[0].id);
    assert_int_equal(f->cfg.devices[1].kind, DEVICE_VIRTIO_BLK_PCI);
    assert_string_equal(f->cfg.devices[1].drive, "hd1");
    assert_string_equal(f->cfg.devices[1].id, "blk1");

    /* -device may come before the -drive it names. */
    assert_int_equal(PARSE("-device", "virtio-blk,drive=d", "-drive", "if=none,id=d,file=a.img"),
                     0);
    assert_int_equal(f->cfg.devices[0].kind, DEVICE_VIRTIO_BLK_PCI);

    assert_int_equal(PARSE("-device", "help"), 0);
    assert_string_equal(f->cfg.help_topic, "device");

    EXPECT_ERROR("-device: Device 'xyz' not found (use -device help to list)", "-device", "xyz");
    EXPECT_ERROR("-device: Device 'e1000' not found (use -device help to list)", "-device",
                 "e1000,netdev=n0");
    EXPECT_ERROR("-device: missing device name", "-device", "drive=hd0");
    EXPECT_ERROR("-device: Property 'virtio-blk-device.serial' not found", "-device",
                 "virtio-blk-device,drive=hd0,serial=x");
    EXPECT_ERROR("-device: virtio-blk-device needs drive=ID", "-device", "virtio-blk-device");
    EXPECT_ERROR("-device virtio-blk-device: Property 'virtio-blk-device.drive' can't find value "
                 "'hd9'",
                 "-drive", "file=a.img,if=none,id=hd0", "-device", "virtio-blk-device,drive=hd9");
    EXPECT_ERROR("-device virtio-blk-pci: Drive 'hd0' is already in use because it has been "
                 "automatically connected to another device (did you need 'if=none' in the drive "
                 "options?)",
                 "-drive", "file=a.img,id=hd0", "-device", "virtio-blk-pci,drive=hd0");
    /* kvmu's virtio-pci is modern only: QEMU's disable-legacy=on is what it is. */
    assert_int_equal(PARSE("-drive", "file=a.img,if=none,id=hd0", "-device",
                           "virtio-blk-pci,drive=hd0,disable-legacy=on,disable-modern=off"),
                     0);
    assert_int_equal(f->cfg.devices[0].kind, DEVICE_VIRTIO_BLK_PCI);
    EXPECT_ERROR("-device: disable-legacy=off is not supported: kvmu's virtio-pci devices are "
                 "modern only (virtio 1.x)",
                 "-device", "virtio-blk-pci,drive=hd0,disable-legacy=off");
    EXPECT_ERROR("-device: disable-modern=on is not supported: kvmu's virtio-pci devices are "
                 "modern only (virtio 1.x)",
                 "-device", "virtio-blk-pci,drive=hd0,disable-modern=on");
    EXPECT_ERROR("-device: Property 'virtio-blk-pci.disable-legacy' doesn't take value 'maybe'",
                 "-device", "virtio-blk-pci,drive=hd0,disable-legacy=maybe");
    EXPECT_ERROR("-device: Property 'virtio-blk-device.disable-legacy' not found", "-device",
                 "virtio-blk-device,drive=hd0,disable-legacy=on");
    EXPECT_ERROR("-device virtio-blk-device: Drive 'hd0' is already in use by another device",
                 "-drive", "file=a.img,if=none,id=hd0", "-device", "virtio-blk-device,drive=hd0",
                 "-device", "virtio-blk-device,drive=hd0");
}

static void test_trace(void **state)
{
    FIX;
    assert_int_equal(PARSE("-d", "int,mmio", "-D", "/tmp/trace.log"), 0);
    assert_string_equal(f->cfg.trace, "int,mmio");
    assert_int_equal(f->cfg.trace_mask, TRACE_INT | TRACE_MMIO);
    assert_string_equal(f->cfg.trace_file, "/tmp/trace.log");
    assert_int_equal(PARSE("-d", "help"), 0);
    assert_string_equal(f->cfg.help_topic, "d");

    EXPECT_ERROR("-d: unknown log item 'bogus' (use -d help to list)", "-d", "int,bogus,mmio");
    EXPECT_ERROR("-D: empty file name", "-D", "");
}

static void test_help_and_version(void **state)
{
    FIX;
    assert_int_equal(PARSE("-help"), 0);
    assert_true(f->cfg.show_help);
    assert_int_equal(PARSE("-h"), 0);
    assert_true(f->cfg.show_help);
    assert_int_equal(PARSE("--help"), 0);
    assert_true(f->cfg.show_help);
    assert_int_equal(PARSE("-version"), 0);
    assert_true(f->cfg.show_version);
    /* They act at once, as in QEMU: what follows is not even looked at. */
    assert_int_equal(PARSE("-m", "1G", "-h", "-foo"), 0);
    assert_true(f->cfg.show_help);
    /* But what comes before them still has to parse. */
    EXPECT_ERROR("unknown option '-foo'", "-foo", "-h");
}

static void test_unknown_unsupported_ignored(void **state)
{
    FIX;
    EXPECT_ERROR("unknown option '-foo'", "-foo");
    EXPECT_ERROR("unknown option '--foo'", "--foo");
    EXPECT_ERROR("unknown option '-m=512'", "-m=512");
    EXPECT_ERROR("unexpected argument 'disk.img' (disk images need -drive file=...)", "disk.img");
    EXPECT_ERROR("unexpected argument '-' (disk images need -drive file=...)", "-");
    EXPECT_ERROR("-gdb: the GDB stub is not supported by kvmu", "-gdb", "tcp::1234");
    EXPECT_ERROR("-s: the GDB stub is not supported by kvmu", "-s");
    EXPECT_ERROR("-S: starting with the CPUs stopped is not supported by kvmu", "-S");
    EXPECT_ERROR("-netdev: networking is not supported by kvmu", "-netdev", "user,id=n0");
    EXPECT_ERROR("-gdb: requires an argument", "-gdb");
    EXPECT_ERROR("-monitor stdio is not supported (only -monitor none)", "-monitor", "stdio");

    assert_int_equal(PARSE("-nodefaults", "-no-user-config", "-monitor", "none", "-net", "none",
                           "-parallel", "none", "-vga", "none"),
                     0);
    assert_int_equal(f->cfg.nignored, 0);
    assert_int_equal(PARSE("-rtc", "base=utc", "-global", "virtio-pci.disable-legacy=on"), 0);
    assert_int_equal(f->cfg.nignored, 2);
    assert_string_equal(f->cfg.ignored[0], "-rtc");
    assert_string_equal(f->cfg.ignored[1], "-global");
}

static void test_typical_command_lines(void **state)
{
    FIX;
    /* What tests/system and QEMU users run. */
    assert_int_equal(PARSE_AS("qemu-system-riscv64", "-M", "virt", "-accel", "interp", "-m", "256M",
                              "-smp", "2", "-nographic", "-kernel", "/c/Image", "-initrd",
                              "/c/initramfs.cpio.gz", "-append", "console=ttyS0", "-no-reboot",
                              "-drive", "file=/c/disk.ext4,format=raw,if=none,id=hd0", "-device",
                              "virtio-blk-device,drive=hd0"),
                     0);
    assert_int_equal(f->cfg.arch, ARCH_RISCV64);
    assert_string_equal(f->cfg.machine, "virt");
    assert_int_equal(f->cfg.ram_size, 256 * MIB);
    assert_int_equal(f->cfg.smp, 2);
    assert_int_equal(f->cfg.ndrives, 1);
    assert_int_equal(f->cfg.ndevices, 1);

    assert_int_equal(PARSE_AS("qemu-system-x86_64", "-enable-kvm", "-cpu", "host", "-m", "1G",
                              "-kernel", "bzImage", "-append", "console=ttyS0", "-nographic",
                              "-drive", "file=root.img,format=raw,if=virtio"),
                     0);
    assert_int_equal(f->cfg.arch, ARCH_X86_64);
    assert_int_equal(f->cfg.accel, ACCEL_KVM);
}

/* Runs fn with stdout sent to a temporary file; returns what it printed (caller frees). */
static char *capture_stdout(void (*fn)(const void *), const void *arg)
{
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
    fn(arg);
    fflush(stdout);
    assert_true(dup2(saved, STDOUT_FILENO) >= 0);
    close(saved);
    long len = ftell(tmp);
    fseek(tmp, 0, SEEK_END);
    len = ftell(tmp);
    rewind(tmp);
    char *text = calloc(1, (size_t)len + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)len, tmp), (size_t)len);
    fclose(tmp);
    return text;
}

static void call_help(const void *arg)
{
    cli_print_help(arg);
}

static void call_version(const void *arg)
{
    (void)arg;
    cli_print_version();
}

static void call_topic(const void *arg)
{
    assert_int_equal(cli_print_topic(arg), 0);
}

static void test_help_text(void **state)
{
    FIX;
    static const char *const listed[] = {
        "-machine",     "-accel",  "-enable-kvm", "-cpu",       "-smp",     "-m ",
        "-name",        "-drive",  "-device",     "-nographic", "-display", "-serial",
        "-bios",        "-kernel", "-initrd",     "-append",    "-dtb",     "-no-reboot",
        "-no-shutdown", "-d ",     "-D ",         "-version",   "-help",    ",,",
    };
    char *text = capture_stdout(call_help, "/usr/bin/qemu-system-riscv64");
    assert_non_null(strstr(text, "usage: qemu-system-riscv64 [options]"));
    for (size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); i++)
        if (!strstr(text, listed[i]))
            fail_msg("-help does not mention %s", listed[i]);
    free(text);

    text = capture_stdout(call_version, NULL);
    assert_string_equal(text, "kvmu version 0.1.0 (QEMU-compatible command line)\n");
    free(text);

    assert_int_equal(PARSE("-machine", "help"), 0);
    text = capture_stdout(call_topic, &f->cfg);
    assert_non_null(strstr(text, "virt "));
    assert_non_null(strstr(text, "microvm "));
    assert_non_null(strstr(text, "q35 "));
    free(text);

    /* Under a target's name only that target's boards are listed. */
    assert_int_equal(PARSE_AS("qemu-system-riscv64", "-M", "help"), 0);
    text = capture_stdout(call_topic, &f->cfg);
    assert_non_null(strstr(text, "virt "));
    assert_null(strstr(text, "microvm"));
    free(text);

    assert_int_equal(PARSE("-accel", "help"), 0);
    text = capture_stdout(call_topic, &f->cfg);
    assert_non_null(strstr(text, "interp "));
    assert_non_null(strstr(text, "jit "));
    assert_non_null(strstr(text, "kvm "));
    free(text);

    assert_int_equal(PARSE("-device", "help"), 0);
    text = capture_stdout(call_topic, &f->cfg);
    assert_non_null(strstr(text, "name \"virtio-blk-device\""));
    assert_non_null(strstr(text, "name \"virtio-blk-pci\", bus PCI, alias \"virtio-blk\""));
    free(text);

    assert_int_equal(PARSE("-cpu", "help"), 0);
    text = capture_stdout(call_topic, &f->cfg);
    assert_non_null(strstr(text, "rv64"));
    free(text);

    assert_int_equal(PARSE("-d", "help"), 0);
    text = capture_stdout(call_topic, &f->cfg);
    assert_non_null(strstr(text, "guest_errors"));
    free(text);

    assert_int_equal(PARSE("-m", "1G"), 0);
    assert_int_equal(cli_print_topic(&f->cfg), -EINVAL);
}

static void test_split(void **state)
{
    FIX;
    struct cli_parser p = {.cfg = &f->cfg, .opt = "-x", .err = f->err, .errlen = sizeof(f->err)};
    struct cli_kv kv[CLI_MAX_KV];
    unsigned n;

    memset(&f->cfg, 0, sizeof(f->cfg));
    assert_int_equal(cli_split(&p, "virt,,x,a=1,b,c=,d=e,,", "type", kv, &n), 0);
    assert_int_equal(n, 5);
    assert_string_equal(kv[0].key, "type");
    assert_string_equal(kv[0].value, "virt,x");
    assert_string_equal(kv[1].key, "a");
    assert_string_equal(kv[1].value, "1");
    assert_string_equal(kv[2].key, "b");
    assert_null(kv[2].value);
    assert_string_equal(kv[3].key, "c");
    assert_string_equal(kv[3].value, "");
    assert_string_equal(kv[4].key, "d");
    assert_string_equal(kv[4].value, "e,");

    assert_int_equal(cli_split(&p, "", "type", kv, &n), 0);
    assert_int_equal(n, 0);
    /* The implied key applies only to the first item. */
    assert_int_equal(cli_split(&p, "a=1,virt", "type", kv, &n), 0);
    assert_string_equal(kv[1].key, "virt");
    assert_null(kv[1].value);

    assert_int_equal(cli_parse_bool(NULL, &(bool){false}), 0);
    bool b;
    assert_int_equal(cli_parse_bool("yes", &b), 0);
    assert_true(b);
    assert_int_equal(cli_parse_bool("off", &b), 0);
    assert_false(b);
    assert_int_equal(cli_parse_bool("1", &b), -EINVAL);

    uint64_t v;
    assert_int_equal(cli_parse_uint("4096", 4096, &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(cli_parse_uint("4097", 4096, &v), -ERANGE);
    assert_int_equal(cli_parse_uint("18446744073709551615", UINT64_MAX, &v), 0);
    assert_int_equal(v, UINT64_MAX);
    assert_int_equal(cli_parse_uint("18446744073709551616", UINT64_MAX, &v), -ERANGE);
    assert_int_equal(cli_parse_uint("+1", 10, &v), -EINVAL);
    assert_int_equal(cli_parse_uint("", 10, &v), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_argv0_targets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_machine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_boot_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_size_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_smp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_display_and_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_serial, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drive_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_help_and_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_unsupported_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typical_command_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_help_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
