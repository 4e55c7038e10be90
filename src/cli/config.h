/*
 * struct vm_config: everything the command line says, as plain data. Filled and validated by
 * cli_parse() without opening or allocating anything outside the struct; consumed by the board.
 *
 * Strings either point into argv or into cfg->strings (values that had to be split out of a
 * "key=value,..." list or unescaped from ",,"), so a vm_config must be used in place: never copy
 * it by value, and keep argv alive while it is in use.
 */
#ifndef KVMU_CLI_CONFIG_H
#define KVMU_CLI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_DRIVES 16
#define CONFIG_MAX_DEVICES 32
#define CONFIG_MAX_SERIALS 4
#define CONFIG_MAX_IGNORED 16
#define CONFIG_STRINGS_SIZE 32768

enum config_arch { ARCH_NONE = 0, ARCH_RISCV64, ARCH_X86_64 };

enum config_accel { ACCEL_DEFAULT = 0, ACCEL_INTERP, ACCEL_JIT, ACCEL_KVM };

enum serial_kind { SERIAL_STDIO = 0, SERIAL_FILE, SERIAL_NONE, SERIAL_NULL };

struct serial_config {
    enum serial_kind kind;
    const char *path; /* SERIAL_FILE */
    bool monitor;     /* "mon:stdio": Ctrl-A escapes (x quits, c is the monitor) on this port */
};

enum drive_if { DRIVE_IF_NONE = 0, DRIVE_IF_VIRTIO };

struct drive_config {
    const char *file;
    const char *id; /* NULL if not given */
    enum drive_if interface;
    bool if_given; /* if= was explicit (QEMU's default on virt without if= is virtio) */
    bool readonly;
    bool format_given;  /* format=raw given; otherwise probed as raw with a warning */
    bool locking;       /* file.locking, default on ("auto" counts as on) */
    const char *cache;  /* none|writeback|writethrough|directsync|unsafe, NULL = writeback */
    const char *aio;    /* threads|native|io_uring, NULL = threads */
    bool discard_unmap; /* discard=unmap|on: pass guest discards to the file */
    int index;          /* index=N, -1 if not given */
};

enum device_kind { DEVICE_VIRTIO_BLK_DEVICE = 1, DEVICE_VIRTIO_BLK_PCI };

struct device_config {
    enum device_kind kind;
    const char *drive; /* drive=ID */
    const char *id;    /* id=, NULL if not given */
};

struct vm_config {
    const char *argv0_target; /* "qemu-system-riscv64" etc. when invoked through a symlink */
    enum config_arch arch;    /* from -M, the argv0 target, or later the kernel magic */
    const char *machine;      /* "virt", "microvm", "pc", NULL = choose */
    enum config_accel accel;
    const char *accel_opts; /* anything after "jit," etc., for engine-specific options */
    const char *cpu;        /* -cpu */

    const char *bios;   /* -bios FILE, "none", NULL = board default */
    const char *kernel; /* -kernel */
    const char *initrd; /* -initrd */
    const char *append; /* -append, NULL = "" */
    const char *dtb;    /* -dtb (optional) */

    uint64_t ram_size; /* bytes; 0 = board default */
    unsigned smp;      /* >= 1 */
    /* -smp topology as given; 0 = not given. smp_maxcpus is always >= smp once parsed. */
    unsigned smp_sockets, smp_cores, smp_threads, smp_maxcpus;

    bool nographic;
    bool display_none;
    bool no_reboot;
    bool no_shutdown;
    const char *name;
    const char *trace;      /* -d */
    uint32_t trace_mask;    /* -d, already validated by log_parse_trace_flags() */
    const char *trace_file; /* -D */

    struct serial_config serial[CONFIG_MAX_SERIALS];
    unsigned nserial; /* 0 = default (stdio with -nographic / -serial stdio) */

    struct drive_config drives[CONFIG_MAX_DRIVES];
    unsigned ndrives;
    struct device_config devices[CONFIG_MAX_DEVICES];
    unsigned ndevices;

    /*
     * Options accepted for compatibility but without effect ("-rtc", "-machine usb=off"), so
     * main can warn once per entry. The parser itself prints nothing.
     */
    const char *ignored[CONFIG_MAX_IGNORED];
    unsigned nignored;

    /* Actions that end parsing successfully without building a VM. */
    bool show_help;
    bool show_version;
    const char
        *help_topic; /* "machine", "device", "accel", "cpu", "d": print with cli_print_topic() */

    /* Backing store for strings cut out of option lists; see the comment at the top. */
    char strings[CONFIG_STRINGS_SIZE];
    size_t strings_used;
};

#endif
