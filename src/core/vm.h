/* The vm object: everything one virtual machine owns. Boards fill it; accels run it. */
#ifndef KVMU_CORE_VM_H
#define KVMU_CORE_VM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli/config.h"
#include "core/addrmap.h"
#include "core/clock.h"
#include "core/memory.h"
#include "core/wake.h"

struct event_loop;
struct accel_ops;
struct rv_hart;
struct x86_cpus;

/*
 * A doorbell: a guest write of `value` (`len` bytes) to `addr` whose only effect is to signal
 * eventfd `fd` (a virtio queue kick). An accel may have such writes signal the fd without
 * leaving the guest (KVM ioeventfd); otherwise the write reaches the device, which signals the
 * same fd. Boards list them; the fds belong to the devices.
 */
struct vm_doorbell {
    uint64_t addr;
    uint64_t value;
    unsigned len;
    bool pio;
    /* No other register lives at addr: a write of any width and value rings it. KVM can then
     * skip decoding the guest's write (its fast MMIO path), as QEMU's virtio-pci notify does. */
    bool exclusive;
    int fd;
};
#define VM_MAX_DOORBELLS 64

/* What the guest (or the user) asked the run loop to do next. */
enum vm_request {
    VM_RUN = 0,
    VM_SHUTDOWN, /* power-off, Ctrl-A x, SIGTERM: leave with vm->exit_code */
    VM_RESET,    /* reboot: reset devices and CPUs, run again (or exit 0 with -no-reboot) */
    VM_PANIC,    /* emulator or guest fatal error: state was dumped, exit non-zero */
};

struct vm {
    struct vm_config *cfg; /* the board fills in defaults (RAM size, ...) */
    struct guest_mem mem;
    struct addr_map mmio;
    struct addr_map pio;
    struct event_loop *loop;

    const struct accel_ops *accel;
    void *accel_state;

    /* RISC-V boards: the harts, indexed by hart id. Run by the interp/jit accels. */
    struct rv_hart **harts;
    unsigned nharts;
    /* x86 boards: the vCPUs' model and boot state (cpu/x86/x86_cpu.h). Run by the kvm accel. */
    struct x86_cpus *x86;
    /* Signalled whenever an emulated CPU may have new work (interrupt, stop request). */
    struct cpu_wake wake;
    /* Guest time (RISC-V mtime and the `time` CSR); the timer device sets its tick length. */
    struct guest_clock clock;

    struct vm_doorbell doorbells[VM_MAX_DOORBELLS];
    unsigned ndoorbells;

    void *board; /* board-private state */

    _Atomic int request; /* enum vm_request */
    int exit_code;
};

/* Thread-safe; the first request wins until the run loop consumes it. */
void vm_request_shutdown(struct vm *vm, int exit_code);
void vm_request_reset(struct vm *vm);
void vm_request_panic(struct vm *vm);

#endif
