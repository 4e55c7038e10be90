/*
 * struct vm_config: everything the command line says, as plain data. Filled and validated by
 * cli_parse() without opening or allocating anything outside the struct; consumed by the board.
 */
#ifndef KVMU_CLI_CONFIG_H
#define KVMU_CLI_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define CONFIG_MAX_DRIVES 16
#define CONFIG_MAX_DEVICES 32
#define CONFIG_MAX_SERIALS 4

enum config_arch { ARCH_NONE = 0, ARCH_RISCV64, ARCH_X86_64 };

enum config_accel { ACCEL_DEFAULT = 0, ACCEL_INTERP, ACCEL_JIT, ACCEL_KVM };

enum serial_kind { SERIAL_STDIO = 0, SERIAL_FILE, SERIAL_NONE, SERIAL_NULL };

struct serial_config {
    enum serial_kind kind;
    const char *path; /* SERIAL_FILE */
};

enum drive_if { DRIVE_IF_NONE = 0, DRIVE_IF_VIRTIO };

struct drive_config {
    const char *file;
    const char *id;  /* NULL if not given */
    enum drive_if interface;
    bool if_given;       /* if= was explicit (QEMU's default on virt without if= is virtio) */
    bool readonly;
    bool format_given;   /* format=raw given; otherwise probed as raw with a warning */
    bool locking;        /* file.locking, default on */
    bool used;           /* set by the board when a -device consumed it (not by the parser) */
};

enum device_kind { DEVICE_VIRTIO_BLK_DEVICE = 1, DEVICE_VIRTIO_BLK_PCI };

struct device_config {
    enum device_kind kind;
    const char *drive; /* drive=ID */
};

struct vm_config {
    const char *argv0_target; /* "qemu-system-riscv64" etc. when invoked through a symlink */
    enum config_arch arch;    /* from -M, the argv0 target, or later the kernel magic */
    const char *machine;      /* "virt", "microvm", "pc", NULL = choose */
    enum config_accel accel;
    const char *accel_opts;   /* anything after "jit," etc., for engine-specific options */
    const char *cpu;          /* -cpu */

    const char *bios;   /* -bios FILE, "none", NULL = board default */
    const char *kernel; /* -kernel */
    const char *initrd; /* -initrd */
    const char *append; /* -append, NULL = "" */
    const char *dtb;    /* -dtb (optional) */

    uint64_t ram_size; /* bytes; 0 = board default */
    unsigned smp;      /* >= 1 */

    bool nographic;
    bool display_none;
    bool no_reboot;
    bool no_shutdown;
    const char *name;
    const char *trace; /* -d */
    const char *trace_file; /* -D */

    struct serial_config serial[CONFIG_MAX_SERIALS];
    unsigned nserial; /* 0 = default (stdio with -nographic / -serial stdio) */

    struct drive_config drives[CONFIG_MAX_DRIVES];
    unsigned ndrives;
    struct device_config devices[CONFIG_MAX_DEVICES];
    unsigned ndevices;

    /* Actions that end parsing successfully without building a VM. */
    bool show_help;
    bool show_version;
    const char *help_topic; /* "-machine help", "-device help", "-accel help", "-d help" */
};

#endif
