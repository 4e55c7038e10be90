/*
 * KVM accelerator lifecycle: open /dev/kvm, build the KVM VM (memslots, irqchip, PIT, vCPUs),
 * run the vCPU threads until the vm asks to stop, and tear everything down.
 *
 * A guest reboot rebuilds the KVM VM from scratch (guest RAM and devices stay): every vCPU,
 * LAPIC, IOAPIC, PIC and PIT then starts from its architectural power-on state without us
 * having to know and reset each piece of in-kernel state.
 */
#include "accel/kvm/kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "accel/kvm/kvm_internal.h"
#include "core/log.h"
#include "core/vm.h"
#include "cpu/x86/x86_cpu.h"

/* Three pages KVM needs in guest-physical space on Intel hosts (real-mode TSS and the EPT
 * identity map); placed just below the 4 GiB boundary where boards put no RAM or devices. */
#define KVM_TSS_ADDR 0xfffbd000ull
#define KVM_IDENTITY_MAP_ADDR 0xfffbc000ull

static void kick_handler(int sig)
{
    (void)sig; /* only needed to interrupt KVM_RUN with EINTR */
}

static int check_cap(struct kvm_accel *k, long cap, const char *what)
{
    int r = ioctl(k->kvm_fd, KVM_CHECK_EXTENSION, cap);
    if (r <= 0) {
        log_error("kvm: this host's KVM lacks %s", what);
        return -ENOTSUP;
    }
    return r;
}

static int open_kvm(struct kvm_accel *k)
{
    k->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (k->kvm_fd < 0) {
        int err = errno;
        if (err == ENOENT || err == ENXIO || err == ENODEV)
            log_error("cannot open /dev/kvm: %s (load the kvm module: modprobe kvm_intel or "
                      "kvm_amd, and enable virtualization in the firmware)",
                      strerror(err));
        else if (err == EACCES || err == EPERM)
            log_error("cannot open /dev/kvm: %s (add your user to the 'kvm' group: sudo "
                      "usermod -aG kvm $USER, then log in again)",
                      strerror(err));
        else
            log_error("cannot open /dev/kvm: %s", strerror(err));
        return -err;
    }
    int version = ioctl(k->kvm_fd, KVM_GET_API_VERSION, 0);
    if (version < 0) {
        log_error("/dev/kvm is not a KVM device (KVM_GET_API_VERSION: %s)", strerror(errno));
        return -ENOTSUP;
    }
    if (version != KVM_API_VERSION) {
        log_error("kvm: API version %d, expected %d", version, KVM_API_VERSION);
        return -ENOTSUP;
    }
    static const struct {
        long cap;
        const char *what;
    } required[] = {
        {KVM_CAP_USER_MEMORY, "user memory slots"},
        {KVM_CAP_IRQCHIP, "an in-kernel irqchip"},
        {KVM_CAP_PIT2, "an in-kernel PIT"},
        {KVM_CAP_SET_TSS_ADDR, "KVM_SET_TSS_ADDR"},
        {KVM_CAP_EXT_CPUID, "KVM_GET_SUPPORTED_CPUID"},
        {KVM_CAP_IOEVENTFD, "ioeventfd"},
        {KVM_CAP_IRQFD, "irqfd"},
    };
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        int r = check_cap(k, required[i].cap, required[i].what);
        if (r < 0)
            return r;
    }
    int max = ioctl(k->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
    if (max <= 0)
        max = ioctl(k->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
    if (max <= 0)
        max = 4; /* the documented minimum when neither capability is reported */
    if (k->nvcpus > (unsigned)max) {
        log_error("-smp %u: this host's KVM supports at most %d vCPUs", k->nvcpus, max);
        return -EINVAL;
    }
    int size = ioctl(k->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size < (int)sizeof(struct kvm_run)) {
        log_error("kvm: KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
        return -ENOTSUP;
    }
    k->run_size = (size_t)size;
    k->use_irqfd = ioctl(k->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD_RESAMPLE) > 0;
    k->ioeventfd_any_length =
        ioctl(k->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD_ANY_LENGTH) > 0;
    return 0;
}

/* The host's CPUID table; the array grows until KVM stops answering E2BIG. */
static int get_supported_cpuid(struct kvm_accel *k)
{
    for (unsigned n = 64; n <= 4096; n *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));
        if (!c)
            return -ENOMEM;
        c->nent = n;
        if (ioctl(k->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
            k->supported_cpuid = c;
            return 0;
        }
        int err = errno;
        free(c);
        if (err != E2BIG) {
            log_error("kvm: KVM_GET_SUPPORTED_CPUID: %s", strerror(err));
            return -err;
        }
    }
    log_error("kvm: KVM_GET_SUPPORTED_CPUID: table too large");
    return -E2BIG;
}

static int vm_ioctl(struct kvm_accel *k, unsigned long req, void *arg, const char *what)
{
    if (ioctl(k->vm_fd, req, arg) < 0) {
        int err = errno;
        log_error("kvm: %s: %s", what, strerror(err));
        return -err;
    }
    return 0;
}

/*
 * PC interrupt wiring. Inputs 0-15 are ISA IRQs, each to its 8259 pin and to the IOAPIC pin
 * of the same number except IRQ 0 (the in-kernel PIT), which PCs wire to IOAPIC pin 2 — what
 * the MADT's interrupt source override and the MP table tell the guest. Inputs 16-23 are
 * IOAPIC pins only. KVM's default table would put IRQ 0 on pin 0. Then the MSI routes
 * (kvm_notify.c). Called with pins_lock held.
 */
int kvm_set_irq_routing(struct kvm_accel *k)
{
    enum { MAX_ROUTES = 16 + KVM_NR_GSIS + KVM_MAX_MSI_ROUTES };
    struct {
        struct kvm_irq_routing hdr;
        struct kvm_irq_routing_entry e[MAX_ROUTES];
    } rt;
    memset(&rt, 0, sizeof(rt));
    unsigned n = 0;
    for (unsigned irq = 0; irq < 16; irq++) {
        if (irq == 2)
            continue; /* the cascade: not an interrupt input */
        rt.e[n++] = (struct kvm_irq_routing_entry){
            .gsi = irq,
            .type = KVM_IRQ_ROUTING_IRQCHIP,
            .u.irqchip = {.irqchip = irq < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
                          .pin = irq % 8},
        };
    }
    for (unsigned gsi = 0; gsi < KVM_NR_GSIS; gsi++) {
        if (gsi == 2)
            continue;
        rt.e[n++] = (struct kvm_irq_routing_entry){
            .gsi = gsi,
            .type = KVM_IRQ_ROUTING_IRQCHIP,
            .u.irqchip = {.irqchip = KVM_IRQCHIP_IOAPIC, .pin = gsi == 0 ? 2 : gsi},
        };
    }
    n += kvm_notify_msi_routes(k, rt.e + n, MAX_ROUTES - n);
    rt.hdr.nr = n;
    return vm_ioctl(k, KVM_SET_GSI_ROUTING, &rt, "KVM_SET_GSI_ROUTING");
}

static int create_vcpu(struct kvm_accel *k, struct kvm_vcpu *v)
{
    /* KVM gives the in-kernel LAPIC the vcpu id as its APIC id, so the id must be the APIC id
     * the board's topology (and its MADT/MP table) assigned. */
    unsigned long id = x86_cpu_apic_id(k->vm->x86, v->index);
    v->fd = ioctl(k->vm_fd, KVM_CREATE_VCPU, id);
    if (v->fd < 0) {
        int err = errno;
        log_error("kvm: cannot create vCPU %u: %s", v->index, strerror(err));
        return -err;
    }
    void *run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
    if (run == MAP_FAILED) {
        int err = errno;
        log_error("kvm: cannot map vCPU %u's run area: %s", v->index, strerror(err));
        return -err;
    }
    v->run = run;
    return kvm_x86_init_vcpu(k, v);
}

/* Everything tied to one KVM VM fd: created at init and again after each guest reboot. */
static int build_kvm_vm(struct kvm_accel *k)
{
    struct vm *vm = k->vm;
    int r;

    int fd = ioctl(k->kvm_fd, KVM_CREATE_VM, 0);
    if (fd < 0) {
        int err = errno;
        log_error("kvm: cannot create a VM: %s", strerror(err));
        return -err;
    }
    pthread_mutex_lock(&k->pins_lock);
    k->vm_fd = fd;
    k->vm_gen++;
    kvm_notify_forget_msi(k);
    pthread_mutex_unlock(&k->pins_lock);
    r = vm_ioctl(k, KVM_SET_TSS_ADDR, (void *)(uintptr_t)KVM_TSS_ADDR, "KVM_SET_TSS_ADDR");
    if (r < 0)
        return r;
    uint64_t ident = KVM_IDENTITY_MAP_ADDR;
    if (ioctl(k->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) {
        r = vm_ioctl(k, KVM_SET_IDENTITY_MAP_ADDR, &ident, "KVM_SET_IDENTITY_MAP_ADDR");
        if (r < 0)
            return r;
    }
    for (unsigned i = 0; i < vm->mem.nregions; i++) {
        const struct guest_ram_region *reg = &vm->mem.regions[i];
        struct kvm_userspace_memory_region slot = {
            .slot = i,
            .guest_phys_addr = reg->gpa,
            .memory_size = reg->size,
            .userspace_addr = (uintptr_t)reg->host,
        };
        r = vm_ioctl(k, KVM_SET_USER_MEMORY_REGION, &slot, "cannot map guest RAM");
        if (r < 0)
            return r;
    }
    /* The irqchip before any vCPU, so each vCPU gets an in-kernel LAPIC. */
    r = vm_ioctl(k, KVM_CREATE_IRQCHIP, NULL, "KVM_CREATE_IRQCHIP");
    if (r < 0)
        return r;
    pthread_mutex_lock(&k->pins_lock);
    r = kvm_set_irq_routing(k);
    pthread_mutex_unlock(&k->pins_lock);
    if (r < 0)
        return r;
    /* The dummy speaker lets the in-kernel PIT also own port 0x61 (channel 2 gate), which
     * Linux uses to calibrate the TSC. */
    struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
    r = vm_ioctl(k, KVM_CREATE_PIT2, &pit, "KVM_CREATE_PIT2");
    if (r < 0)
        return r;
    for (unsigned i = 0; i < k->nvcpus; i++) {
        r = create_vcpu(k, &k->vcpus[i]);
        if (r < 0)
            return r;
    }
    pthread_mutex_lock(&k->pins_lock);
    r = kvm_notify_setup(k);
    pthread_mutex_unlock(&k->pins_lock);
    return r;
}

static void destroy_kvm_vm(struct kvm_accel *k)
{
    for (unsigned i = 0; i < k->nvcpus && k->vcpus; i++) {
        struct kvm_vcpu *v = &k->vcpus[i];
        if (v->run)
            munmap(v->run, k->run_size);
        if (v->fd >= 0)
            close(v->fd);
        v->run = NULL;
        v->fd = -1;
    }
    /* Closing the VM fd also drops its ioeventfd and irqfd bindings. */
    pthread_mutex_lock(&k->pins_lock);
    if (k->vm_fd >= 0)
        close(k->vm_fd);
    k->vm_fd = -1;
    pthread_mutex_unlock(&k->pins_lock);
}

static void kvm_destroy(struct vm *vm);

static int kvm_init(struct vm *vm)
{
    if (!vm->x86) {
        log_error("-accel kvm: this board has no x86-64 CPUs to run");
        return -EINVAL;
    }
    struct kvm_accel *k = calloc(1, sizeof(*k));
    if (!k)
        return -ENOMEM;
    vm->accel_state = k;
    k->vm = vm;
    k->kvm_fd = -1;
    k->vm_fd = -1;
    pthread_mutex_init(&k->lock, NULL);
    pthread_mutex_init(&k->pins_lock, NULL);
    pthread_cond_init(&k->cond, NULL);
    for (unsigned i = 0; i < KVM_NR_GSIS; i++)
        k->pins[i] = (struct kvm_irq_pin){.k = k, .gsi = i, .irqfd = -1, .resamplefd = -1};
    int r = -ENOMEM;
    k->vcpus = calloc(vm->x86->count, sizeof(*k->vcpus));
    if (!k->vcpus)
        goto fail;
    k->nvcpus = vm->x86->count;
    for (unsigned i = 0; i < k->nvcpus; i++)
        k->vcpus[i] = (struct kvm_vcpu){.k = k, .index = i, .fd = -1};

    struct sigaction sa = {.sa_handler = kick_handler};
    sigemptyset(&sa.sa_mask);
    if (sigaction(KVM_KICK_SIGNAL, &sa, NULL) < 0) {
        r = -errno;
        log_error("kvm: cannot install the vCPU kick handler: %s", strerror(errno));
        goto fail;
    }
    r = open_kvm(k);
    if (r == 0)
        r = get_supported_cpuid(k);
    if (r == 0)
        r = build_kvm_vm(k);
    if (r == 0)
        return 0;
fail:
    kvm_destroy(vm);
    return r;
}

static int start_vcpus(struct kvm_accel *k)
{
    /* Threads start with the kick signal blocked, so a kick can never be consumed before the
     * thread has installed its KVM_RUN signal mask. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, KVM_KICK_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int r = 0;
    pthread_mutex_lock(&k->lock);
    for (unsigned i = 0; i < k->nvcpus; i++) {
        struct kvm_vcpu *v = &k->vcpus[i];
        r = pthread_create(&v->thread, NULL, kvm_vcpu_thread, v);
        if (r) {
            log_error("kvm: cannot start the thread of vCPU %u: %s", i, strerror(r));
            r = -r;
            break;
        }
        v->thread_started = true;
        v->joinable = true;
        char name[16]; /* QEMU's name for it, so the usual scripts work */
        snprintf(name, sizeof(name), "CPU %hu/KVM", (unsigned short)i);
        pthread_setname_np(v->thread, name);
    }
    pthread_mutex_unlock(&k->lock);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return r;
}

static void kick_locked(struct kvm_accel *k)
{
    pthread_cond_broadcast(&k->cond);
    for (unsigned i = 0; i < k->nvcpus; i++)
        if (k->vcpus[i].thread_started)
            pthread_kill(k->vcpus[i].thread, KVM_KICK_SIGNAL);
}

static void stop_vcpus(struct kvm_accel *k)
{
    /* Stop kicking first (under the lock), then join outside it: a vCPU thread may be inside
     * kick() itself, waiting for the lock. */
    pthread_mutex_lock(&k->lock);
    kick_locked(k);
    for (unsigned i = 0; i < k->nvcpus; i++)
        k->vcpus[i].thread_started = false;
    pthread_mutex_unlock(&k->lock);
    for (unsigned i = 0; i < k->nvcpus; i++) {
        if (k->vcpus[i].joinable)
            pthread_join(k->vcpus[i].thread, NULL);
        k->vcpus[i].joinable = false;
    }
}

static int kvm_run_vm(struct vm *vm)
{
    struct kvm_accel *k = vm->accel_state;
    int r;

    if (k->ran) {
        destroy_kvm_vm(k);
        r = build_kvm_vm(k);
        if (r < 0)
            return r;
    }
    k->ran = true;
    r = start_vcpus(k);
    if (r == 0) {
        pthread_mutex_lock(&k->lock);
        while (atomic_load(&vm->request) == VM_RUN)
            pthread_cond_wait(&k->cond, &k->lock);
        pthread_mutex_unlock(&k->lock);
    }
    stop_vcpus(k);
    return r;
}

static void kvm_kick(struct vm *vm)
{
    struct kvm_accel *k = vm->accel_state;
    if (!k)
        return;
    pthread_mutex_lock(&k->lock);
    kick_locked(k);
    pthread_mutex_unlock(&k->lock);
}

static void kvm_destroy(struct vm *vm)
{
    struct kvm_accel *k = vm->accel_state;
    if (!k)
        return;
    stop_vcpus(k);
    kvm_notify_teardown(k);
    destroy_kvm_vm(k);
    if (k->kvm_fd >= 0)
        close(k->kvm_fd);
    free(k->supported_cpuid);
    free(k->vcpus);
    pthread_cond_destroy(&k->cond);
    pthread_mutex_destroy(&k->pins_lock);
    pthread_mutex_destroy(&k->lock);
    free(k);
    vm->accel_state = NULL;
}

static void kvm_set_irq(struct vm *vm, unsigned gsi, bool level)
{
    struct kvm_accel *k = vm->accel_state;
    if (k)
        kvm_notify_set_irq(k, gsi, level);
}

static void kvm_send_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
    struct kvm_accel *k = vm->accel_state;
    if (k)
        kvm_notify_send_msi(k, addr, data);
}

const struct accel_ops accel_kvm_ops = {
    .name = "kvm",
    .arch = ARCH_X86_64,
    .init = kvm_init,
    .run = kvm_run_vm,
    .kick = kvm_kick,
    .destroy = kvm_destroy,
    .set_irq = kvm_set_irq,
    .send_msi = kvm_send_msi,
};
