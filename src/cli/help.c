/* What kvmu can be asked for (machines, accelerators, devices) and the help/version text. */
#include "cli/cli.h"
#include "cli/opts.h"
#include "core/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const struct cli_machine cli_machines[] = {
    {"virt", NULL, ARCH_RISCV64, "RISC-V VirtIO board (QEMU virt memory map)"},
    {"pc", NULL, ARCH_X86_64, "x86-64 PC with virtio-pci, booted directly into Linux (KVM)"},
    {"microvm", NULL, ARCH_X86_64, "minimal x86-64 machine with virtio-mmio only (KVM)"},
    /* Scripts written for QEMU often name a chipset; kvmu has one PC board for all of them. */
    {"q35", "pc", ARCH_X86_64, NULL},
    {"pc-q35", "pc", ARCH_X86_64, NULL},
    {"pc-i440fx", "pc", ARCH_X86_64, NULL},
};
const size_t cli_nmachines = ARRAY_SIZE(cli_machines);

const struct cli_accel cli_accels[] = {
    {"interp", ACCEL_INTERP, "RISC-V interpreter (portable, slowest)"},
    {"jit", ACCEL_JIT, "RISC-V to x86-64 binary translation"},
    {"tcg", ACCEL_JIT, "QEMU's name for binary translation: same as jit"},
    {"kvm", ACCEL_KVM, "Linux KVM: runs x86-64 guests natively"},
};
const size_t cli_naccels = ARRAY_SIZE(cli_accels);

const struct cli_device cli_devices[] = {
    {"virtio-blk-device", NULL, DEVICE_VIRTIO_BLK_DEVICE, "virtio-bus",
     "Virtio block device on virtio-mmio"},
    {"virtio-blk-pci", NULL, DEVICE_VIRTIO_BLK_PCI, "PCI", "Virtio block device on PCI"},
    {"virtio-blk", "virtio-blk-pci", DEVICE_VIRTIO_BLK_PCI, "PCI", NULL},
};
const size_t cli_ndevices = ARRAY_SIZE(cli_devices);

const char *cli_arch_name(enum config_arch arch)
{
    switch (arch) {
    case ARCH_RISCV64:
        return "riscv64";
    case ARCH_X86_64:
        return "x86_64";
    case ARCH_NONE:
        break;
    }
    return "any";
}

void cli_print_version(void)
{
    printf("kvmu version 0.1.0 (QEMU-compatible command line)\n");
}

void cli_print_help(const char *prog)
{
    const char *base = prog ? strrchr(prog, '/') : NULL;

    base = base ? base + 1 : (prog ? prog : "kvmu");
    printf("kvmu 0.1.0: RISC-V (interpreter, JIT) and x86-64 (KVM) virtual machines\n"
           "usage: %s [options]\n"
           "Options are spelt as in QEMU; both -opt and --opt work.\n\n",
           base);
    printf("Standard options:\n"
           "-h, -help               print this help and exit\n"
           "-version                print the version and exit\n"
           "-machine, -M TYPE[,accel=A][,prop=value...]\n"
           "                        board: virt (riscv64), pc or microvm (x86_64);\n"
           "                        q35 means pc; -machine help lists them.\n"
           "                        Without -M the kernel image decides.\n"
           "-accel NAME[,prop=value...]\n"
           "                        interp, jit (tcg) or kvm; -accel help lists them\n"
           "-enable-kvm             same as -accel kvm\n"
           "-cpu MODEL              CPU model, passed to the board; -cpu help lists them\n"
           "-smp [cpus=]N[,sockets=S][,cores=C][,threads=T][,maxcpus=M]\n"
           "                        number of virtual CPUs (default 1)\n"
           "-m [size=]SIZE[,slots=N,maxmem=SIZE]\n"
           "                        guest RAM; a plain number is MiB, suffixes K M G T\n"
           "-name NAME              name of the guest (debug-threads= and process= ignored)\n\n");
    printf("Block device options:\n"
           "-drive file=PATH[,format=raw][,if=virtio|none][,id=ID][,readonly=on|off]\n"
           "       [,cache=MODE][,aio=threads|native|io_uring][,discard=ignore|unmap]\n"
           "       [,media=disk][,file.locking=on|off|auto][,index=N]\n"
           "                        a raw disk image; write ',,' for a comma in PATH\n"
           "-device DRIVER[,drive=ID][,id=ID][,disable-legacy=on]\n"
           "                        virtio-blk-device (virtio-mmio) or virtio-blk-pci;\n"
           "                        -device help lists them\n\n");
    printf("Display and serial options:\n"
           "-nographic              no display; the serial port and monitor use stdio\n"
           "-display none           no display\n"
           "-serial DEV             stdio, mon:stdio, file:PATH, null or none (up to %d)\n\n",
           CONFIG_MAX_SERIALS);
    printf("Boot options:\n"
           "-bios FILE|none         firmware (RISC-V default: OpenSBI fw_dynamic.bin)\n"
           "-kernel FILE            Linux kernel (Image, bzImage, ELF)\n"
           "-initrd FILE            initial ram disk\n"
           "-append CMDLINE         kernel command line\n"
           "-dtb FILE               device tree blob instead of the generated one (RISC-V)\n"
           "-no-reboot              exit instead of rebooting\n"
           "-no-shutdown            stop the guest instead of exiting on power-off\n\n");
    printf("Debug options:\n"
           "-d ITEM[,...]           enable trace output; -d help lists the items\n"
           "-D FILE                 write the trace output to FILE\n\n");
    printf("Accepted for compatibility and ignored: -nodefaults, -no-user-config,\n"
           "-monitor none, -net none, -parallel none, -vga none, -rtc ..., -global ...\n");
}

static void print_machines(enum config_arch arch)
{
    printf("Supported machines are:\n");
    for (size_t i = 0; i < cli_nmachines; i++) {
        const struct cli_machine *m = &cli_machines[i];
        if (arch != ARCH_NONE && m->arch != arch)
            continue;
        if (m->alias_of)
            printf("%-20s alias of %s\n", m->name, m->alias_of);
        else
            printf("%-20s %s [%s]\n", m->name, m->desc, cli_arch_name(m->arch));
    }
}

static void print_accels(void)
{
    printf("Accelerators supported by kvmu:\n");
    for (size_t i = 0; i < cli_naccels; i++)
        printf("%-8s %s\n", cli_accels[i].name, cli_accels[i].desc);
}

static void print_devices(void)
{
    printf("Storage devices:\n");
    for (size_t i = 0; i < cli_ndevices; i++) {
        const struct cli_device *d = &cli_devices[i];
        if (d->alias_of)
            continue;
        printf("name \"%s\", bus %s", d->name, d->bus);
        for (size_t j = 0; j < cli_ndevices; j++)
            if (cli_devices[j].alias_of && !strcmp(cli_devices[j].alias_of, d->name))
                printf(", alias \"%s\"", cli_devices[j].name);
        printf(", desc \"%s\"\n", d->desc);
    }
}

static void print_cpus(enum config_arch arch)
{
    printf("Available CPUs:\n");
    if (arch != ARCH_X86_64)
        printf("  rv64     RV64GC: IMAFDC, Zicsr, Zifencei, Zicntr, Sv39/Sv48 [riscv64]\n"
               "  max      same as rv64 [riscv64]\n");
    if (arch != ARCH_RISCV64)
        printf("  host     the host CPU as KVM reports it [x86_64]\n"
               "  max      same as host [x86_64]\n");
}

int cli_print_topic(const struct vm_config *cfg)
{
    const char *t = cfg->help_topic;

    if (!t)
        return -EINVAL;
    if (!strcmp(t, "machine"))
        print_machines(cfg->arch);
    else if (!strcmp(t, "accel"))
        print_accels();
    else if (!strcmp(t, "device"))
        print_devices();
    else if (!strcmp(t, "cpu"))
        print_cpus(cfg->arch);
    else if (!strcmp(t, "d"))
        log_print_trace_help();
    else
        return -EINVAL;
    return 0;
}
