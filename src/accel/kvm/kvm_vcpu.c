/* A vCPU thread: KVM_RUN in a loop, exits dispatched to the vm's port and MMIO address maps. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "accel/kvm/kvm_internal.h"
#include "core/log.h"
#include "core/vm.h"

/*
 * While in KVM_RUN the thread's mask is its normal one minus the kick signal, so a kick
 * interrupts KVM_RUN; outside, the signal stays blocked and pending (see KVM_KICK_SIGNAL).
 */
static int set_run_signal_mask(struct kvm_vcpu *v)
{
    sigset_t mask;
    pthread_sigmask(SIG_SETMASK, NULL, &mask);
    sigdelset(&mask, KVM_KICK_SIGNAL);
    /* KVM takes the kernel's sigset_t, 8 bytes on x86-64, not glibc's 128-byte one. */
    struct {
        struct kvm_signal_mask hdr;
        uint8_t bits[8];
    } km = {.hdr.len = 8};
    memcpy(km.bits, &mask, 8);
    if (ioctl(v->fd, KVM_SET_SIGNAL_MASK, &km) < 0) {
        log_error("kvm: vCPU %u: KVM_SET_SIGNAL_MASK: %s", v->index, strerror(errno));
        return -errno;
    }
    return 0;
}

static void handle_io(struct vm *vm, struct kvm_run *run)
{
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    unsigned size = run->io.size;

    /* count > 1 for rep ins/outs: KVM hands over the whole string at once. */
    for (uint32_t i = 0; i < run->io.count; i++, data += size) {
        uint64_t value = 0;
        if (run->io.direction == KVM_EXIT_IO_OUT) {
            memcpy(&value, data, size);
            addr_map_write(&vm->pio, run->io.port, size, value);
        } else {
            addr_map_read(&vm->pio, run->io.port, size, &value);
            memcpy(data, &value, size);
        }
    }
}

static void handle_mmio(struct vm *vm, struct kvm_run *run)
{
    unsigned len = run->mmio.len;
    uint64_t value = 0;

    if (len == 0 || len > 8) {
        TRACE(TRACE_GUEST_ERRORS, "kvm: %u-byte MMIO access at 0x%llx ignored", len,
              (unsigned long long)run->mmio.phys_addr);
        if (!run->mmio.is_write)
            memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
        return;
    }
    if (run->mmio.is_write) {
        memcpy(&value, run->mmio.data, len);
        addr_map_write(&vm->mmio, run->mmio.phys_addr, len, value);
    } else {
        addr_map_read(&vm->mmio, run->mmio.phys_addr, len, &value);
        memcpy(run->mmio.data, &value, len);
    }
}

static void fatal_exit(struct kvm_vcpu *v, const char *what)
{
    log_error("kvm: vCPU %u: %s", v->index, what);
    kvm_x86_dump_vcpu(v->k, v);
    vm_request_panic(v->k->vm);
}

/* Returns true when the vCPU may run on. */
static bool handle_internal_error(struct kvm_vcpu *v)
{
    struct kvm_run *run = v->run;
    const char *why;
    switch (run->internal.suberror) {
    case KVM_INTERNAL_ERROR_EMULATION:
        if (kvm_x86_emulate_soft_int(v->k, v))
            return true;
        why = "KVM could not emulate an instruction";
        break;
    case KVM_INTERNAL_ERROR_SIMUL_EX:
        why = "exception while delivering an exception";
        break;
    case KVM_INTERNAL_ERROR_DELIVERY_EV:
        why = "exception while delivering an event";
        break;
    default:
        why = "internal error";
        break;
    }
    char msg[160];
    snprintf(msg, sizeof(msg), "KVM internal error %u (%s)", run->internal.suberror, why);
    fatal_exit(v, msg);
    return false;
}

/* Returns false when the thread should stop. */
static bool handle_exit(struct kvm_vcpu *v)
{
    struct vm *vm = v->k->vm;
    struct kvm_run *run = v->run;
    char msg[160];

    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        handle_io(vm, run);
        return true;
    case KVM_EXIT_MMIO:
        handle_mmio(vm, run);
        return true;
    case KVM_EXIT_INTR:
        return true;
    case KVM_EXIT_HLT:
        /* Only without an in-kernel LAPIC, which we always have: nothing can wake us. */
        fatal_exit(v, "halted with no irqchip");
        return false;
    case KVM_EXIT_SHUTDOWN:
        /* A triple fault: what a PC does next is a reset. */
        TRACE(TRACE_GUEST_ERRORS, "kvm: vCPU %u: triple fault, resetting", v->index);
        if (log_trace_on(TRACE_GUEST_ERRORS))
            kvm_x86_dump_vcpu(v->k, v);
        vm_request_reset(vm);
        return false;
    case KVM_EXIT_SYSTEM_EVENT:
        switch (run->system_event.type) {
        case KVM_SYSTEM_EVENT_SHUTDOWN:
            vm_request_shutdown(vm, 0);
            return false;
        case KVM_SYSTEM_EVENT_RESET:
            vm_request_reset(vm);
            return false;
        default:
            snprintf(msg, sizeof(msg), "system event %u", run->system_event.type);
            fatal_exit(v, msg);
            return false;
        }
    case KVM_EXIT_INTERNAL_ERROR:
        return handle_internal_error(v);
    case KVM_EXIT_FAIL_ENTRY:
        snprintf(msg, sizeof(msg), "VM entry failed (hardware reason 0x%llx)",
                 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        fatal_exit(v, msg);
        return false;
    default:
        snprintf(msg, sizeof(msg), "unexpected exit reason %u", run->exit_reason);
        fatal_exit(v, msg);
        return false;
    }
}

void *kvm_vcpu_thread(void *opaque)
{
    struct kvm_vcpu *v = opaque;
    struct vm *vm = v->k->vm;

    if (set_run_signal_mask(v) < 0) {
        vm_request_panic(vm);
        return NULL;
    }
    while (atomic_load(&vm->request) == VM_RUN) {
        if (ioctl(v->fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            char msg[96];
            snprintf(msg, sizeof(msg), "KVM_RUN: %s", strerror(errno));
            fatal_exit(v, msg);
            break;
        }
        if (!handle_exit(v))
            break;
    }
    return NULL;
}
