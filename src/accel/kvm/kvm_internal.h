/* State shared by the files of the KVM accelerator. */
#ifndef KVMU_ACCEL_KVM_KVM_INTERNAL_H
#define KVMU_ACCEL_KVM_KVM_INTERNAL_H

#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct kvm_accel;

/*
 * Signal that kicks a vCPU thread out of KVM_RUN. It is blocked in the thread except while
 * inside KVM_RUN (KVM_SET_SIGNAL_MASK), so a kick sent while the thread runs userspace code
 * stays pending and makes the next KVM_RUN return at once: no lost wake-ups.
 */
#define KVM_KICK_SIGNAL SIGUSR1

struct kvm_vcpu {
    struct kvm_accel *k;
    unsigned index;
    int fd;
    struct kvm_run *run;
    pthread_t thread;
    bool thread_started; /* may be kicked (guarded by kvm_accel.lock) */
    bool joinable;       /* created and not yet joined (run() thread only) */
};

/* One interrupt input driven through an irqfd, with a resample fd for level semantics.
 * Created on first use, so only the lines a board really drives cost file descriptors. */
struct kvm_irq_pin {
    struct kvm_accel *k;
    unsigned gsi;
    int irqfd, resamplefd;
    unsigned bound_gen; /* vm_gen of the KVM VM the irqfd is attached to (0: none) */
    _Atomic bool ready; /* irqfd exists (it may be unbound for a moment during a reboot) */
    _Atomic bool level;
};

#define KVM_NR_GSIS 24 /* IOAPIC pins */

/* A PCI MSI message (address, data) given its own GSI: an MSI routing entry plus an irqfd, so
 * raising it is one eventfd write. Created on first use; forgotten when the VM is rebuilt. */
struct kvm_msi_route {
    uint64_t addr;
    uint32_t data;
    int fd;
};
#define KVM_MAX_MSI_ROUTES 64

struct kvm_accel {
    struct vm *vm;
    int kvm_fd, vm_fd;
    size_t run_size;
    struct kvm_cpuid2 *supported_cpuid;

    struct kvm_vcpu *vcpus;
    unsigned nvcpus;
    bool ran; /* run() was called before: the next run() starts from a reset */

    /* run() sleeps on cond until vm->request leaves VM_RUN; kick() signals it. `lock` also
     * guards thread_started, so a kick never signals a joined thread. */
    pthread_mutex_t lock;
    pthread_cond_t cond;

    struct kvm_irq_pin pins[KVM_NR_GSIS];
    bool use_irqfd;
    bool ioeventfd_any_length; /* KVM_CAP_IOEVENTFD_ANY_LENGTH: len-0 doorbells */
    /* Guards pin creation and binding, vm_fd and vm_gen against a reboot's rebuild: devices
     * raise interrupts from the I/O thread at any time. */
    pthread_mutex_t pins_lock;
    unsigned vm_gen; /* incremented for every KVM VM built */

    struct kvm_msi_route msi[KVM_MAX_MSI_ROUTES]; /* GSI KVM_NR_GSIS + index; pins_lock */
    unsigned nmsi;
};

/* kvm.c: the GSI routing table (PC wiring + MSI routes); pins_lock held. */
int kvm_set_irq_routing(struct kvm_accel *k) __attribute__((warn_unused_result));

/* kvm_vcpu.c */
void *kvm_vcpu_thread(void *opaque);

/* kvm_x86.c: architecture state of a fresh or reset vCPU. */
int kvm_x86_init_vcpu(struct kvm_accel *k, struct kvm_vcpu *v) __attribute__((warn_unused_result));
/* Dump registers and the bytes at RIP to stderr (for fatal exits). */
void kvm_x86_dump_vcpu(struct kvm_accel *k, struct kvm_vcpu *v);
/* After an emulation failure at INT3 / INT imm8: deliver it through the guest's IDT. */
bool kvm_x86_emulate_soft_int(struct kvm_accel *k, struct kvm_vcpu *v);

/* kvm_notify.c: ioeventfd doorbells and irqfd interrupt pins. Setup runs with pins_lock held,
 * right after a new vm_fd was installed. */
int kvm_notify_setup(struct kvm_accel *k) __attribute__((warn_unused_result));
void kvm_notify_teardown(struct kvm_accel *k);
void kvm_notify_set_irq(struct kvm_accel *k, unsigned gsi, bool level);
/* A PCI MSI/MSI-X message, injected through the in-kernel LAPICs. */
void kvm_notify_send_msi(struct kvm_accel *k, uint64_t addr, uint32_t data);
/* Appends the MSI routes to a routing table being built (pins_lock held); returns the count. */
unsigned kvm_notify_msi_routes(struct kvm_accel *k, struct kvm_irq_routing_entry *e, unsigned max);
/* A new VM fd: the old one's MSI routes and irqfds are gone (pins_lock held). */
void kvm_notify_forget_msi(struct kvm_accel *k);

#endif
