/*
 * QEMU-compatible option parsing. Each option has a handler that only fills struct vm_config;
 * cross-option checks that need no files run once all of argv is read.
 */
#include "cli/cli.h"
#include "cli/opts.h"
#include "core/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Sanity bound only; each board enforces its own CPU limit. */
#define CLI_MAX_SMP 4096

struct cli_option {
    const char *name; /* without the leading dash */
    bool has_arg;
    int (*handle)(struct cli_parser *p, const char *arg);
};

/* Options that scripts written for QEMU pass routinely and that change nothing here. */
struct cli_ignored {
    const char *name;
    bool has_arg;
    const char *only_value; /* the one accepted value ("none"), NULL = any */
    bool warn;              /* tell the user it has no effect */
};

/* Real QEMU options kvmu knows it does not implement: a clearer error than "unknown". */
struct cli_unsupported {
    const char *name;
    bool has_arg;
    const char *what;
};

static const struct cli_ignored ignored_options[] = {
    {"nodefaults", false, NULL, false}, {"no-user-config", false, NULL, false},
    {"monitor", true, "none", false},   {"net", true, "none", false},
    {"parallel", true, "none", false},  {"vga", true, "none", false},
    {"rtc", true, NULL, true},          {"global", true, NULL, true},
    {"no-hpet", false, NULL, false},    {"no-acpi", false, NULL, true},
    {"boot", true, NULL, true},         {"msg", true, NULL, false},
    {"overcommit", true, NULL, true},   {"k", true, NULL, true},
};

static const struct cli_unsupported unsupported_options[] = {
    {"S", false, "starting with the CPUs stopped"},
    {"s", false, "the GDB stub"},
    {"gdb", true, "the GDB stub"},
    {"netdev", true, "networking"},
    {"nic", true, "networking"},
    {"chardev", true, "-chardev"},
    {"mon", true, "-mon"},
    {"qmp", true, "QMP"},
    {"hda", true, "-hda (use -drive file=...,format=raw,if=virtio)"},
    {"hdb", true, "-hdb (use -drive file=...,format=raw,if=virtio)"},
    {"cdrom", true, "CD-ROM drives"},
    {"snapshot", false, "-snapshot"},
    {"loadvm", true, "snapshots"},
    {"incoming", true, "migration"},
    {"daemonize", false, "-daemonize"},
    {"pidfile", true, "-pidfile"},
    {"object", true, "-object"},
    {"numa", true, "NUMA"},
    {"vnc", true, "VNC"},
    {"spice", true, "SPICE"},
    {"virtfs", true, "virtfs"},
    {"fsdev", true, "virtfs"},
    {"icount", true, "-icount"},
    {"audiodev", true, "audio"},
    {"usb", false, "USB"},
    {"usbdevice", true, "USB"},
    {"singlestep", false, "-singlestep"},
};

static void note_ignored(struct cli_parser *p, const char *what, size_t len)
{
    struct vm_config *cfg = p->cfg;

    /* Only for warnings: past the limit, or if the strings are full, say nothing more. */
    if (cfg->nignored == CONFIG_MAX_IGNORED)
        return;
    if (len + 1 > sizeof(cfg->strings) - cfg->strings_used)
        return;
    cfg->ignored[cfg->nignored++] = cli_strndup(p, what, len);
}

static int set_arch(struct cli_parser *p, enum config_arch arch, const char *machine)
{
    struct vm_config *cfg = p->cfg;

    if (cfg->argv0_target && cfg->arch != ARCH_NONE && cfg->arch != arch)
        return cli_fail(p, "%s: unsupported machine type '%s' for %s (use -machine help to list)",
                        p->opt, machine, cli_arch_name(cfg->arch));
    cfg->arch = arch;
    return 0;
}

static bool is_help(const char *s)
{
    return !strcmp(s, "help") || !strcmp(s, "?");
}

static const struct cli_machine *find_machine(const char *name)
{
    for (size_t i = 0; i < cli_nmachines; i++) {
        const struct cli_machine *m = &cli_machines[i];
        size_t len = strlen(m->name);
        if (!strcmp(name, m->name))
            return m;
        /* Versioned QEMU chipset names: "pc-q35-7.2", "pc-i440fx-8.0". */
        if (m->alias_of && !strncmp(name, m->name, len) && name[len] == '-')
            return m;
    }
    return NULL;
}

static const struct cli_accel *find_accel(const char *name, size_t len)
{
    for (size_t i = 0; i < cli_naccels; i++)
        if (strlen(cli_accels[i].name) == len && !strncmp(cli_accels[i].name, name, len))
            return &cli_accels[i];
    return NULL;
}

static int opt_machine(struct cli_parser *p, const char *arg)
{
    struct vm_config *cfg = p->cfg;
    struct cli_kv kv[CLI_MAX_KV];
    unsigned n;

    if (is_help(arg)) {
        cfg->help_topic = "machine";
        return 0;
    }
    int ret = cli_split(p, arg, "type", kv, &n);
    if (ret)
        return ret;
    for (unsigned i = 0; i < n; i++) {
        if (!strcmp(kv[i].key, "type")) {
            if (!kv[i].value || !*kv[i].value)
                return cli_fail(p, "%s: missing machine type", p->opt);
            if (is_help(kv[i].value)) {
                cfg->help_topic = "machine";
                return 0;
            }
            const struct cli_machine *m = find_machine(kv[i].value);
            if (!m)
                return cli_fail(p, "%s: unsupported machine type '%s' (use -machine help to list)",
                                p->opt, kv[i].value);
            ret = set_arch(p, m->arch, kv[i].value);
            if (ret)
                return ret;
            cfg->machine = m->alias_of ? m->alias_of : m->name;
        } else if (!strcmp(kv[i].key, "accel")) {
            /* QEMU's "kvm:tcg" is a fallback list; the first entry is what the user wants. */
            const char *v = kv[i].value ? kv[i].value : "";
            size_t len = strcspn(v, ":");
            const struct cli_accel *a = find_accel(v, len);
            if (!a)
                return cli_fail(p, "%s: unknown accelerator '%.*s' (use -accel help to list)",
                                p->opt, (int)len, v);
            cfg->accel = a->accel;
        } else {
            char what[128];
            int len = snprintf(what, sizeof(what), "-machine %s", kv[i].key);
            note_ignored(p, what, len < (int)sizeof(what) ? (size_t)len : sizeof(what) - 1);
        }
    }
    return 0;
}

static int opt_accel(struct cli_parser *p, const char *arg)
{
    struct vm_config *cfg = p->cfg;
    size_t len = strcspn(arg, ",");

    if (is_help(arg)) {
        cfg->help_topic = "accel";
        return 0;
    }
    const struct cli_accel *a = find_accel(arg, len);
    if (!a)
        return cli_fail(p, "%s: unknown accelerator '%.*s' (use -accel help to list)", p->opt,
                        (int)len, arg);
    cfg->accel = a->accel;
    cfg->accel_opts = arg[len] == ',' ? arg + len + 1 : NULL;
    return 0;
}

static int opt_enable_kvm(struct cli_parser *p, const char *arg)
{
    (void)arg; /* a flag: the table gives every handler the same signature */
    p->cfg->accel = ACCEL_KVM;
    return 0;
}

static int opt_cpu(struct cli_parser *p, const char *arg)
{
    if (is_help(arg))
        p->cfg->help_topic = "cpu";
    else if (!*arg)
        return cli_fail(p, "%s: missing CPU model", p->opt);
    p->cfg->cpu = arg;
    return 0;
}

static int opt_bios(struct cli_parser *p, const char *arg)
{
    if (!*arg)
        return cli_fail(p, "%s: empty file name", p->opt);
    p->cfg->bios = arg;
    return 0;
}

static int opt_kernel(struct cli_parser *p, const char *arg)
{
    if (!*arg)
        return cli_fail(p, "%s: empty file name", p->opt);
    p->cfg->kernel = arg;
    return 0;
}

static int opt_initrd(struct cli_parser *p, const char *arg)
{
    if (!*arg)
        return cli_fail(p, "%s: empty file name", p->opt);
    p->cfg->initrd = arg;
    return 0;
}

static int opt_append(struct cli_parser *p, const char *arg)
{
    p->cfg->append = arg;
    return 0;
}

static int opt_dtb(struct cli_parser *p, const char *arg)
{
    if (!*arg)
        return cli_fail(p, "%s: empty file name", p->opt);
    p->cfg->dtb = arg;
    return 0;
}

static int size_error(struct cli_parser *p, int ret, const char *value)
{
    if (ret == -ERANGE)
        return cli_fail(p, "%s: size '%s' is too large", p->opt, value);
    return cli_fail(p, "%s: invalid size '%s'", p->opt, value);
}

static int opt_memory(struct cli_parser *p, const char *arg)
{
    struct cli_kv kv[CLI_MAX_KV];
    unsigned n;
    uint64_t size = 0;
    bool have_size = false;

    int ret = cli_split(p, arg, "size", kv, &n);
    if (ret)
        return ret;
    for (unsigned i = 0; i < n; i++) {
        const char *v = kv[i].value ? kv[i].value : "";
        if (!strcmp(kv[i].key, "size")) {
            ret = cli_parse_size(v, 20, &size);
            if (ret)
                return size_error(p, ret, v);
            have_size = true;
        } else if (!strcmp(kv[i].key, "maxmem")) {
            /* No memory hotplug: checked for syntax so typos still fail, then ignored. */
            uint64_t unused;
            ret = cli_parse_size(v, 20, &unused);
            if (ret)
                return size_error(p, ret, v);
        } else if (!strcmp(kv[i].key, "slots")) {
            uint64_t unused;
            if (cli_parse_uint(v, UINT32_MAX, &unused))
                return cli_fail(p, "%s: invalid slots '%s'", p->opt, v);
        } else {
            return cli_fail(p, "%s: invalid parameter '%s'", p->opt, kv[i].key);
        }
    }
    if (!have_size)
        return cli_fail(p, "%s: missing size", p->opt);
    if (size == 0)
        return cli_fail(p, "%s: RAM size must be greater than 0", p->opt);
    p->cfg->ram_size = size;
    return 0;
}

static int opt_smp(struct cli_parser *p, const char *arg)
{
    struct vm_config *cfg = p->cfg;
    struct cli_kv kv[CLI_MAX_KV];
    unsigned n;
    uint64_t cpus = 0, maxcpus = 0, sockets = 0, cores = 0, threads = 0, other = 1;

    int ret = cli_split(p, arg, "cpus", kv, &n);
    if (ret)
        return ret;
    for (unsigned i = 0; i < n; i++) {
        static const char *const levels[] = {"dies", "clusters", "books", "drawers"};
        const char *v = kv[i].value ? kv[i].value : "";
        uint64_t *dst = NULL, level;
        bool is_level = false;

        if (!strcmp(kv[i].key, "cpus"))
            dst = &cpus;
        else if (!strcmp(kv[i].key, "maxcpus"))
            dst = &maxcpus;
        else if (!strcmp(kv[i].key, "sockets"))
            dst = &sockets;
        else if (!strcmp(kv[i].key, "cores"))
            dst = &cores;
        else if (!strcmp(kv[i].key, "threads"))
            dst = &threads;
        for (size_t j = 0; j < ARRAY_SIZE(levels); j++)
            if (!strcmp(kv[i].key, levels[j]))
                is_level = true;
        if (!dst && !is_level)
            return cli_fail(p, "%s: invalid parameter '%s'", p->opt, kv[i].key);

        ret = cli_parse_uint(v, CLI_MAX_SMP, dst ? dst : &level);
        if (ret == -ERANGE)
            return cli_fail(p, "%s: %s=%s is too large (at most %d)", p->opt, kv[i].key, v,
                            CLI_MAX_SMP);
        if (ret)
            return cli_fail(p, "%s: invalid number '%s'", p->opt, v);
        if ((dst ? *dst : level) == 0)
            return cli_fail(p, "%s: %s must be at least 1", p->opt, kv[i].key);
        if (is_level)
            other *= level;
    }

    /* QEMU fills the gaps: missing topology levels are 1, missing cpus is the product. */
    uint64_t product =
        (sockets ? sockets : 1) * (cores ? cores : 1) * (threads ? threads : 1) * other;
    bool topology = sockets || cores || threads || other > 1;
    if (!cpus)
        cpus = maxcpus ? maxcpus : product;
    if (!maxcpus)
        maxcpus = topology ? product : cpus;
    if (product > CLI_MAX_SMP)
        return cli_fail(p, "%s: too many CPUs (at most %d)", p->opt, CLI_MAX_SMP);
    if (cpus > maxcpus)
        return cli_fail(p, "%s: cpus (%llu) exceeds maxcpus (%llu)", p->opt,
                        (unsigned long long)cpus, (unsigned long long)maxcpus);
    if (topology && product != maxcpus)
        return cli_fail(p,
                        "%s: invalid CPU topology: the product of the levels (%llu) must "
                        "equal maxcpus (%llu)",
                        p->opt, (unsigned long long)product, (unsigned long long)maxcpus);
    cfg->smp = (unsigned)cpus;
    cfg->smp_maxcpus = (unsigned)maxcpus;
    cfg->smp_sockets = (unsigned)sockets;
    cfg->smp_cores = (unsigned)cores;
    cfg->smp_threads = (unsigned)threads;
    return 0;
}

static int opt_nographic(struct cli_parser *p, const char *arg)
{
    (void)arg; /* a flag: the table gives every handler the same signature */
    p->cfg->nographic = true;
    return 0;
}

static int opt_display(struct cli_parser *p, const char *arg)
{
    size_t len = strcspn(arg, ",");

    if (len != 4 || strncmp(arg, "none", 4))
        return cli_fail(p,
                        "%s: display '%.*s' is not supported (kvmu has no display; use "
                        "-display none or -nographic)",
                        p->opt, (int)len, arg);
    p->cfg->display_none = true;
    return 0;
}

static int opt_serial(struct cli_parser *p, const char *arg)
{
    struct vm_config *cfg = p->cfg;
    struct serial_config s = {0};

    if (cfg->nserial == CONFIG_MAX_SERIALS)
        return cli_fail(p, "%s: too many serial ports (at most %d)", p->opt, CONFIG_MAX_SERIALS);
    if (!strcmp(arg, "stdio")) {
        s.kind = SERIAL_STDIO;
    } else if (!strcmp(arg, "mon:stdio")) {
        s.kind = SERIAL_STDIO;
        s.monitor = true;
    } else if (!strcmp(arg, "none")) {
        s.kind = SERIAL_NONE;
    } else if (!strcmp(arg, "null")) {
        s.kind = SERIAL_NULL;
    } else if (!strncmp(arg, "file:", 5)) {
        if (!arg[5])
            return cli_fail(p, "%s: file: needs a path", p->opt);
        s.kind = SERIAL_FILE;
        s.path = arg + 5;
    } else {
        return cli_fail(p,
                        "%s: '%s' is not supported (use stdio, mon:stdio, file:PATH, null or "
                        "none)",
                        p->opt, arg);
    }
    for (unsigned i = 0; i < cfg->nserial; i++)
        if (s.kind == SERIAL_STDIO && cfg->serial[i].kind == SERIAL_STDIO)
            return cli_fail(p, "%s: stdio is already used by another serial port", p->opt);
    cfg->serial[cfg->nserial++] = s;
    return 0;
}

static int opt_no_reboot(struct cli_parser *p, const char *arg)
{
    (void)arg; /* a flag: the table gives every handler the same signature */
    p->cfg->no_reboot = true;
    return 0;
}

static int opt_no_shutdown(struct cli_parser *p, const char *arg)
{
    (void)arg; /* a flag: the table gives every handler the same signature */
    p->cfg->no_shutdown = true;
    return 0;
}

static int opt_name(struct cli_parser *p, const char *arg)
{
    struct cli_kv kv[CLI_MAX_KV];
    unsigned n;

    int ret = cli_split(p, arg, "guest", kv, &n);
    if (ret)
        return ret;
    for (unsigned i = 0; i < n; i++) {
        if (!strcmp(kv[i].key, "guest"))
            p->cfg->name = kv[i].value ? kv[i].value : "";
        else if (strcmp(kv[i].key, "process") && strcmp(kv[i].key, "debug-threads"))
            return cli_fail(p, "%s: invalid parameter '%s'", p->opt, kv[i].key);
    }
    return 0;
}

/* QEMU ids: a letter, then letters, digits, '-', '.', '_'. */
static bool valid_id(const char *id)
{
    if (!((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z')))
        return false;
    for (const char *c = id + 1; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '.' || *c == '_'))
            return false;
    return true;
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(s, list[i]))
            return true;
    return false;
}

static int drive_format(struct cli_parser *p, const char *v)
{
    /* Formats QEMU has and kvmu does not: say so instead of "unknown". */
    static const char *const qemu_formats[] = {
        "qcow2", "qcow",  "qed",   "vmdk",  "vdi",       "vhdx",        "vpc",  "luks",
        "dmg",   "vvfat", "cloop", "bochs", "parallels", "host_device", "file", "nbd",
    };

    if (!strcmp(v, "raw"))
        return 0;
    if (in_list(v, qemu_formats, ARRAY_SIZE(qemu_formats)))
        return cli_fail(p, "%s: format '%s' is not supported (only raw)", p->opt, v);
    return cli_fail(p, "%s: unknown format '%s'", p->opt, v);
}

static int opt_drive(struct cli_parser *p, const char *arg)
{
    static const char *const cache_modes[] = {"none", "writeback", "writethrough", "directsync",
                                              "unsafe"};
    static const char *const aio_modes[] = {"threads", "native", "io_uring"};
    static const char *const drive_keys[] = {"file",     "format", "if",          "id",
                                             "readonly", "cache",  "aio",         "discard",
                                             "media",    "index",  "file.locking"};
    struct vm_config *cfg = p->cfg;
    struct cli_kv kv[CLI_MAX_KV];
    unsigned n;

    if (cfg->ndrives == CONFIG_MAX_DRIVES)
        return cli_fail(p, "%s: too many drives (at most %d)", p->opt, CONFIG_MAX_DRIVES);
    struct drive_config d = {.interface = DRIVE_IF_VIRTIO, .locking = true, .index = -1};
    int ret = cli_split(p, arg, NULL, kv, &n);
    if (ret)
        return ret;
    for (unsigned i = 0; i < n; i++) {
        const char *k = kv[i].key;
        const char *v = kv[i].value;
        bool is_bool = !strcmp(k, "readonly") || !strcmp(k, "file.locking");

        if (!in_list(k, drive_keys, ARRAY_SIZE(drive_keys)))
            return cli_fail(p, "%s: invalid parameter '%s'", p->opt, k);
        if (!v && !is_bool)
            return cli_fail(p, "%s: parameter '%s' needs a value", p->opt, k);
        if (!strcmp(k, "file")) {
            if (!*v)
                return cli_fail(p, "%s: empty file name", p->opt);
            d.file = v;
        } else if (!strcmp(k, "format")) {
            ret = drive_format(p, v);
            if (ret)
                return ret;
            d.format_given = true;
        } else if (!strcmp(k, "if")) {
            if (!strcmp(v, "virtio"))
                d.interface = DRIVE_IF_VIRTIO;
            else if (!strcmp(v, "none"))
                d.interface = DRIVE_IF_NONE;
            else
                return cli_fail(p,
                                "%s: interface '%s' is not supported (use if=virtio or "
                                "if=none)",
                                p->opt, v);
            d.if_given = true;
        } else if (!strcmp(k, "id")) {
            if (!valid_id(v))
                return cli_fail(p,
                                "%s: invalid id '%s' (a letter, then letters, digits, "
                                "'-', '.', '_')",
                                p->opt, v);
            d.id = v;
        } else if (!strcmp(k, "readonly")) {
            if (cli_parse_bool(v, &d.readonly))
                return cli_fail(p, "%s: readonly must be on or off, not '%s'", p->opt, v);
        } else if (!strcmp(k, "file.locking")) {
            if (v && !strcmp(v, "auto"))
                d.locking = true;
            else if (cli_parse_bool(v, &d.locking))
                return cli_fail(p, "%s: file.locking must be on, off or auto, not '%s'", p->opt, v);
        } else if (!strcmp(k, "cache")) {
            if (!in_list(v, cache_modes, ARRAY_SIZE(cache_modes)))
                return cli_fail(p, "%s: invalid cache mode '%s'", p->opt, v);
            d.cache = v;
        } else if (!strcmp(k, "aio")) {
            if (!in_list(v, aio_modes, ARRAY_SIZE(aio_modes)))
                return cli_fail(p, "%s: invalid aio mode '%s'", p->opt, v);
            d.aio = v;
        } else if (!strcmp(k, "discard")) {
            if (!strcmp(v, "unmap") || !strcmp(v, "on"))
                d.discard_unmap = true;
            else if (!strcmp(v, "ignore") || !strcmp(v, "off"))
                d.discard_unmap = false;
            else
                return cli_fail(p, "%s: invalid discard mode '%s'", p->opt, v);
        } else if (!strcmp(k, "media")) {
            if (strcmp(v, "disk"))
                return cli_fail(p, "%s: media '%s' is not supported (only disk)", p->opt, v);
        } else { /* index */
            uint64_t index;
            if (cli_parse_uint(v, CONFIG_MAX_DRIVES - 1, &index))
                return cli_fail(p, "%s: invalid index '%s'", p->opt, v);
            d.index = (int)index;
        }
    }
    if (!d.file)
        return cli_fail(p, "%s: missing file= (empty drives are not supported)", p->opt);
    if (d.id) {
        for (unsigned i = 0; i < cfg->ndrives; i++)
            if (cfg->drives[i].id && !strcmp(cfg->drives[i].id, d.id))
                return cli_fail(p, "%s: duplicate ID '%s' for drive", p->opt, d.id);
    }
    if (d.index >= 0) {
        for (unsigned i = 0; i < cfg->ndrives; i++)
            if (cfg->drives[i].index == d.index && cfg->drives[i].interface == d.interface)
                return cli_fail(p, "%s: index=%d is already in use", p->opt, d.index);
    }
    cfg->drives[cfg->ndrives++] = d;
    return 0;
}

/* kvmu's virtio-pci functions are modern only (virtio 1.x, device ids 0x1040 + n), which is
 * QEMU's disable-legacy=on, disable-modern=off: those values are accepted, the others refused. */
static int check_modern_only(struct cli_parser *p, const char *dev, const char *key,
                             const char *value)
{
    bool legacy = !strcmp(key, "disable-legacy");
    bool on = !strcmp(value, "on") || !strcmp(value, "true") || !strcmp(value, "yes");
    bool off = !strcmp(value, "off") || !strcmp(value, "false") || !strcmp(value, "no");
    bool is_auto = legacy && !strcmp(value, "auto");
    if (!on && !off && !is_auto)
        return cli_fail(p, "%s: Property '%s.%s' doesn't take value '%s'", p->opt, dev, key, value);
    if (legacy ? off : on)
        return cli_fail(p,
                        "%s: %s=%s is not supported: kvmu's virtio-pci devices are modern only "
                        "(virtio 1.x)",
                        p->opt, key, value);
    return 0;
}

static int opt_device(struct cli_parser *p, const char *arg)
{
    struct vm_config *cfg = p->cfg;
    struct cli_kv kv[CLI_MAX_KV];
    unsigned n;
    const struct cli_device *dev = NULL;

    if (is_help(arg)) {
        cfg->help_topic = "device";
        return 0;
    }
    if (cfg->ndevices == CONFIG_MAX_DEVICES)
        return cli_fail(p, "%s: too many devices (at most %d)", p->opt, CONFIG_MAX_DEVICES);
    int ret = cli_split(p, arg, "driver", kv, &n);
    if (ret)
        return ret;
    if (n == 0 || strcmp(kv[0].key, "driver") || !kv[0].value)
        return cli_fail(p, "%s: missing device name", p->opt);
    for (size_t i = 0; i < cli_ndevices; i++)
        if (!strcmp(kv[0].value, cli_devices[i].name))
            dev = &cli_devices[i];
    if (!dev)
        return cli_fail(p, "%s: Device '%s' not found (use -device help to list)", p->opt,
                        kv[0].value);

    struct device_config d = {.kind = dev->kind};
    for (unsigned i = 1; i < n; i++) {
        const char *k = kv[i].key;
        const char *v = kv[i].value;
        if (!strcmp(k, "help"))
            return cli_fail(p,
                            "%s: property listings are not supported; %s takes drive=ID and "
                            "id=ID (and disable-legacy=on on PCI)",
                            p->opt, dev->name);
        bool transport_prop = dev->kind == DEVICE_VIRTIO_BLK_PCI &&
                              (!strcmp(k, "disable-legacy") || !strcmp(k, "disable-modern"));
        if (strcmp(k, "drive") && strcmp(k, "id") && !transport_prop)
            return cli_fail(p, "%s: Property '%s.%s' not found", p->opt, dev->name, k);
        if (!v || !*v)
            return cli_fail(p, "%s: Property '%s.%s' needs a value", p->opt, dev->name, k);
        if (transport_prop) {
            ret = check_modern_only(p, dev->name, k, v);
            if (ret)
                return ret;
        } else if (!strcmp(k, "drive")) {
            d.drive = v;
        } else {
            if (!valid_id(v))
                return cli_fail(p, "%s: invalid id '%s'", p->opt, v);
            d.id = v;
        }
    }
    if (!d.drive)
        return cli_fail(p, "%s: %s needs drive=ID", p->opt, dev->name);
    cfg->devices[cfg->ndevices++] = d;
    return 0;
}

static int opt_trace(struct cli_parser *p, const char *arg)
{
    struct vm_config *cfg = p->cfg;
    const char *bad;
    unsigned bad_len;
    uint32_t mask;

    if (is_help(arg)) {
        cfg->help_topic = "d";
        return 0;
    }
    if (log_parse_trace_flags(arg, &mask, &bad, &bad_len))
        return cli_fail(p, "%s: unknown log item '%.*s' (use -d help to list)", p->opt,
                        (int)bad_len, bad);
    cfg->trace = arg;
    cfg->trace_mask = mask;
    return 0;
}

static int opt_trace_file(struct cli_parser *p, const char *arg)
{
    if (!*arg)
        return cli_fail(p, "%s: empty file name", p->opt);
    p->cfg->trace_file = arg;
    return 0;
}

static int opt_help(struct cli_parser *p, const char *arg)
{
    (void)arg; /* a flag: the table gives every handler the same signature */
    p->cfg->show_help = true;
    return 0;
}

static int opt_version(struct cli_parser *p, const char *arg)
{
    (void)arg; /* a flag: the table gives every handler the same signature */
    p->cfg->show_version = true;
    return 0;
}

static const struct cli_option options[] = {
    {"M", true, opt_machine},
    {"machine", true, opt_machine},
    {"accel", true, opt_accel},
    {"enable-kvm", false, opt_enable_kvm},
    {"cpu", true, opt_cpu},
    {"bios", true, opt_bios},
    {"kernel", true, opt_kernel},
    {"initrd", true, opt_initrd},
    {"append", true, opt_append},
    {"dtb", true, opt_dtb},
    {"m", true, opt_memory},
    {"smp", true, opt_smp},
    {"nographic", false, opt_nographic},
    {"display", true, opt_display},
    {"serial", true, opt_serial},
    {"no-reboot", false, opt_no_reboot},
    {"no-shutdown", false, opt_no_shutdown},
    {"name", true, opt_name},
    {"drive", true, opt_drive},
    {"device", true, opt_device},
    {"d", true, opt_trace},
    {"D", true, opt_trace_file},
    {"h", false, opt_help},
    {"help", false, opt_help},
    {"version", false, opt_version},
};

/* Runs after all of argv: the checks that relate options to each other. */
static int check_config(struct cli_parser *p)
{
    struct vm_config *cfg = p->cfg;

    p->opt = "-device";
    for (unsigned i = 0; i < cfg->ndevices; i++) {
        const struct device_config *d = &cfg->devices[i];
        const char *name =
            d->kind == DEVICE_VIRTIO_BLK_PCI ? "virtio-blk-pci" : "virtio-blk-device";
        const struct drive_config *drive = NULL;

        for (unsigned j = 0; j < cfg->ndrives; j++)
            if (cfg->drives[j].id && !strcmp(cfg->drives[j].id, d->drive))
                drive = &cfg->drives[j];
        if (!drive)
            return cli_fail(p, "-device %s: Property '%s.drive' can't find value '%s'", name, name,
                            d->drive);
        if (drive->interface != DRIVE_IF_NONE)
            return cli_fail(p,
                            "-device %s: Drive '%s' is already in use because it has been "
                            "automatically connected to another device (did you need 'if=none' "
                            "in the drive options?)",
                            name, d->drive);
        for (unsigned j = 0; j < i; j++)
            if (!strcmp(cfg->devices[j].drive, d->drive))
                return cli_fail(p, "-device %s: Drive '%s' is already in use by another device",
                                name, d->drive);
    }

    p->opt = "-accel";
#if !defined(__riscv)
    if (cfg->arch == ARCH_RISCV64 && cfg->accel == ACCEL_KVM)
        return cli_fail(p, "-accel kvm: KVM cannot run riscv64 guests on this host (use -accel "
                           "jit or -accel interp)");
#endif
#if !defined(__x86_64__)
    if (cfg->arch == ARCH_X86_64 && cfg->accel == ACCEL_KVM)
        return cli_fail(p, "-accel kvm: KVM cannot run x86_64 guests on this host");
#endif
    if (cfg->arch == ARCH_X86_64 && (cfg->accel == ACCEL_INTERP || cfg->accel == ACCEL_JIT))
        return cli_fail(p,
                        "-accel %s: x86_64 guests need -accel kvm (interp and jit emulate "
                        "RISC-V only)",
                        cfg->accel == ACCEL_INTERP ? "interp" : "jit");
    return 0;
}

static int set_target(struct cli_parser *p, const char *argv0)
{
    struct vm_config *cfg = p->cfg;
    const char *base = argv0 ? strrchr(argv0, '/') : NULL;

    base = base ? base + 1 : (argv0 ? argv0 : "kvmu");
    if (strncmp(base, "qemu-system-", 12))
        return 0;
    cfg->argv0_target = base;
    if (!strcmp(base + 12, "riscv64")) {
        cfg->arch = ARCH_RISCV64;
        cfg->machine = "virt";
    } else if (!strcmp(base + 12, "x86_64")) {
        cfg->arch = ARCH_X86_64;
        cfg->machine = "pc";
    } else {
        return cli_fail(p,
                        "unsupported target '%s' (kvmu runs as qemu-system-riscv64 or "
                        "qemu-system-x86_64)",
                        base);
    }
    return 0;
}

static int handle_ignored(struct cli_parser *p, const struct cli_ignored *ign, const char *arg)
{
    if (ign->only_value && strcmp(arg, ign->only_value))
        return cli_fail(p, "%s %s is not supported (only %s %s)", p->opt, arg, p->opt,
                        ign->only_value);
    if (ign->warn)
        note_ignored(p, p->opt, strlen(p->opt));
    return 0;
}

int cli_parse(int argc, char **argv, struct vm_config *cfg, char *err, size_t errlen)
{
    struct cli_parser p = {.cfg = cfg, .opt = "", .err = err, .errlen = errlen};

    memset(cfg, 0, sizeof(*cfg));
    cfg->smp = 1;
    cfg->smp_maxcpus = 1;
    if (errlen)
        err[0] = '\0';
    int ret = set_target(&p, argc > 0 ? argv[0] : NULL);
    if (ret)
        return ret;

    for (int i = 1; i < argc; i++) {
        const char *word = argv[i];
        const char *name;
        char opt[64];

        if (word[0] != '-' || word[1] == '\0')
            return cli_fail(&p, "unexpected argument '%s' (disk images need -drive file=...)",
                            word);
        name = word + (word[1] == '-' ? 2 : 1);
        snprintf(opt, sizeof(opt), "-%s", name);
        p.opt = opt;

        const struct cli_option *o = NULL;
        const struct cli_ignored *ign = NULL;
        const struct cli_unsupported *uns = NULL;
        bool has_arg;
        for (size_t j = 0; j < ARRAY_SIZE(options); j++)
            if (!strcmp(name, options[j].name))
                o = &options[j];
        for (size_t j = 0; !o && j < ARRAY_SIZE(ignored_options); j++)
            if (!strcmp(name, ignored_options[j].name))
                ign = &ignored_options[j];
        for (size_t j = 0; !o && !ign && j < ARRAY_SIZE(unsupported_options); j++)
            if (!strcmp(name, unsupported_options[j].name))
                uns = &unsupported_options[j];
        if (o)
            has_arg = o->has_arg;
        else if (ign)
            has_arg = ign->has_arg;
        else if (uns)
            has_arg = uns->has_arg;
        else
            return cli_fail(&p, "unknown option '%s'", word);

        const char *arg = NULL;
        if (has_arg) {
            if (i + 1 >= argc)
                return cli_fail(&p, "%s: requires an argument", opt);
            arg = argv[++i];
        }
        if (uns)
            return cli_fail(&p, "%s: %s is not supported by kvmu", opt, uns->what);
        ret = ign ? handle_ignored(&p, ign, arg) : o->handle(&p, arg);
        if (ret)
            return ret;
        /* Like QEMU: help and version act at once, whatever follows. */
        if (cfg->show_help || cfg->show_version || cfg->help_topic)
            return 0;
    }
    return check_config(&p);
}
