/*
 * kvmu: parse the command line, build the machine, run it, tear it down. The only place that
 * exits.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "accel/accel.h"
#include "cli/cli.h"
#include "cli/config.h"
#include "core/clock.h"
#include "core/event_loop.h"
#include "core/loader.h"
#include "core/log.h"
#include "core/vm.h"
#include "machines/machine.h"

static const char *accel_name(enum config_accel a)
{
    switch (a) {
    case ACCEL_INTERP:
        return "interp";
    case ACCEL_JIT:
        return "jit";
    case ACCEL_KVM:
        return "kvm";
    default:
        return "default";
    }
}

/* -M, else the QEMU binary name we were invoked as, else the kernel's magic, else RISC-V. */
static const struct board_ops *choose_board(struct vm_config *cfg)
{
    if (cfg->machine) {
        const struct board_ops *b = board_find(cfg->machine, cfg->arch);
        if (!b)
            log_error("-machine: unsupported machine type '%s' (use -machine help for a list)",
                      cfg->machine);
        return b;
    }
    if (cfg->arch == ARCH_NONE && cfg->kernel) {
        enum image_kind kind;
        if (loader_probe(cfg->kernel, &kind) < 0)
            return NULL;
        switch (kind) {
        case IMAGE_RISCV_LINUX:
        case IMAGE_ELF_RISCV64:
            cfg->arch = ARCH_RISCV64;
            break;
        case IMAGE_X86_BZIMAGE:
        case IMAGE_ELF_X86_64:
            cfg->arch = ARCH_X86_64;
            break;
        default:
            log_error("cannot determine the machine from kernel '%s': not a RISC-V Linux "
                      "Image, x86 bzImage or ELF (use -M to choose a board)",
                      cfg->kernel);
            return NULL;
        }
    }
    if (cfg->arch == ARCH_NONE)
        cfg->arch = ARCH_RISCV64;
    const struct board_ops *b = board_default(cfg->arch);
    if (!b)
        log_error("no board for this architecture is built into kvmu yet");
    return b;
}

struct signal_watch {
    struct vm *vm;
    int fd;
};

/* SIGINT/SIGTERM/SIGHUP arrive through a signalfd on the event loop: a clean shutdown. */
static void on_signal(void *opaque, uint32_t events)
{
    struct signal_watch *w = opaque;
    struct signalfd_siginfo si;
    (void)events;
    if (read(w->fd, &si, sizeof(si)) != sizeof(si))
        return;
    log_info("terminating on signal %u", si.ssi_signo);
    vm_request_shutdown(w->vm, 0);
}

/* Run until the guest powers off (or we are told to stop); reboot in place unless -no-reboot. */
static int run_vm(struct vm *vm, const struct board_ops *board)
{
    for (;;) {
        int r = vm->accel->run(vm);
        if (r < 0) {
            log_error("%s: fatal error: %s", vm->accel->name, strerror(-r));
            return 1;
        }
        switch (atomic_load(&vm->request)) {
        case VM_SHUTDOWN:
            return vm->exit_code;
        case VM_PANIC:
            return 1;
        case VM_RESET:
            if (vm->cfg->no_reboot)
                return 0;
            if (board->reset(vm) < 0)
                return 1;
            atomic_store(&vm->request, VM_RUN);
            break;
        default:
            break;
        }
    }
}

int main(int argc, char **argv)
{
    struct vm_config cfg;
    char err[512];
    int status = 1;

    if (cli_parse(argc, argv, &cfg, err, sizeof(err)) < 0) {
        log_error("%s", err);
        return 1;
    }
    if (cfg.show_help) {
        cli_print_help(argv[0]);
        return 0;
    }
    if (cfg.show_version) {
        cli_print_version();
        return 0;
    }
    if (cfg.help_topic) {
        if (!strcmp(cfg.help_topic, "machine"))
            board_print_list();
        else
            cli_print_topic(&cfg);
        return 0;
    }
    log_trace_mask_value = cfg.trace_mask;
    for (unsigned i = 0; i < cfg.nignored; i++)
        log_warn("%s has no effect in kvmu and is ignored", cfg.ignored[i]);
    if (cfg.trace_file && !freopen(cfg.trace_file, "a", stderr)) {
        log_error("-D: cannot open '%s': %s", cfg.trace_file, strerror(errno));
        return 1;
    }

    const struct board_ops *board = choose_board(&cfg);
    if (!board)
        return 1;
    enum config_accel accel = cfg.accel == ACCEL_DEFAULT ? board->default_accel : cfg.accel;
    const struct accel_ops *ops = accel_find(accel, board->arch);
    if (!ops) {
        log_error("-accel %s: not supported on the '%s' board", accel_name(accel), board->name);
        return 1;
    }

    /* Before any thread exists, so every thread inherits the mask and only the signalfd sees
     * these signals. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct vm vm = {.cfg = &cfg};
    struct signal_watch sigwatch = {.vm = &vm, .fd = -1};
    addr_map_init(&vm.mmio, "mmio");
    addr_map_init(&vm.pio, "pio");
    cpu_wake_init(&vm.wake);
    vm.clock.base_ns = clock_now_ns();
    vm.clock.ns_per_tick = 1;
    atomic_store(&vm.request, VM_RUN);

    int r = event_loop_create(&vm.loop);
    if (r < 0) {
        log_error("cannot create the event loop: %s", strerror(-r));
        goto out;
    }
    sigwatch.fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sigwatch.fd < 0 ||
        event_loop_add_fd(vm.loop, sigwatch.fd, EPOLLIN, on_signal, &sigwatch) < 0) {
        log_error("cannot watch signals: %s", strerror(errno));
        goto out;
    }
    if (board->create(&vm) < 0)
        goto out;
    vm.accel = ops;
    if (ops->init(&vm) < 0) {
        vm.accel = NULL;
        goto out;
    }
    if (event_loop_start(vm.loop) < 0) {
        log_error("cannot start the I/O thread");
        goto out;
    }
    status = run_vm(&vm, board);

out:
    /* Stop the I/O thread first: no callback may run into a device being freed. */
    if (vm.loop)
        event_loop_stop(vm.loop);
    if (vm.accel)
        vm.accel->destroy(&vm);
    board->destroy(&vm);
    if (vm.loop)
        event_loop_destroy(vm.loop);
    if (sigwatch.fd >= 0)
        close(sigwatch.fd);
    guest_mem_destroy(&vm.mem);
    addr_map_destroy(&vm.mmio);
    addr_map_destroy(&vm.pio);
    cpu_wake_destroy(&vm.wake);
    return status;
}
