/*
 * Interrupt lines and doorbells without a trip through a vCPU thread.
 *
 * Interrupts: each IOAPIC pin is an irqfd with a resample fd. Devices keep their level-triggered
 * irq_line model; a rising level writes the irqfd, KVM holds the pin asserted until the guest's
 * EOI, then signals the resample fd, and if the device still holds the line we assert it again.
 * That is exact for level-triggered pins and gives one edge per assertion for edge-triggered
 * ones. Hosts without KVM_CAP_IRQFD_RESAMPLE use KVM_IRQ_LINE.
 *
 * MSI messages from PCI devices get a routing entry and an irqfd each, on first use.
 *
 * Doorbells (vm->doorbells, e.g. virtio QueueNotify) become ioeventfds with a data match, or
 * of any length for an address of their own (virtio-pci's per-queue notify): KVM signals the
 * device's eventfd itself and the vCPU never leaves the guest.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "accel/kvm/kvm_internal.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "core/vm.h"

static void pin_assert(struct kvm_irq_pin *p)
{
    uint64_t one = 1;
    if (write(p->irqfd, &one, sizeof(one)) != sizeof(one))
        log_error("kvm: cannot raise GSI %u: %s", p->gsi, strerror(errno));
}

/* I/O thread: the guest acknowledged the interrupt and KVM lowered the pin. */
static void pin_resampled(void *opaque, uint32_t events)
{
    struct kvm_irq_pin *p = opaque;
    uint64_t n;
    (void)events;
    if (read(p->resamplefd, &n, sizeof(n)) != sizeof(n))
        return;
    if (atomic_load(&p->level))
        pin_assert(p);
}

static int pin_open(struct kvm_accel *k, struct kvm_irq_pin *p)
{
    p->irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    p->resamplefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (p->irqfd < 0 || p->resamplefd < 0) {
        log_error("kvm: cannot create eventfds for GSI %u: %s", p->gsi, strerror(errno));
        return -errno;
    }
    int r = event_loop_add_fd(k->vm->loop, p->resamplefd, EPOLLIN, pin_resampled, p);
    if (r < 0)
        log_error("kvm: cannot watch GSI %u's resample fd: %s", p->gsi, strerror(-r));
    return r;
}

/* Called with pins_lock held. */
static int pin_bind(struct kvm_accel *k, struct kvm_irq_pin *p)
{
    if (k->vm_fd < 0 || p->bound_gen == k->vm_gen)
        return 0;
    uint64_t stale;
    /* A count left from before a reboot would inject an interrupt into the new VM. */
    while (read(p->irqfd, &stale, sizeof(stale)) == sizeof(stale))
        ;
    struct kvm_irqfd req = {
        .fd = (uint32_t)p->irqfd,
        .gsi = p->gsi,
        .flags = KVM_IRQFD_FLAG_RESAMPLE,
        .resamplefd = (uint32_t)p->resamplefd,
    };
    if (ioctl(k->vm_fd, KVM_IRQFD, &req) < 0) {
        log_error("kvm: KVM_IRQFD for GSI %u: %s", p->gsi, strerror(errno));
        return -errno;
    }
    p->bound_gen = k->vm_gen;
    if (atomic_load(&p->level))
        pin_assert(p);
    return 0;
}

static int bind_doorbell(struct kvm_accel *k, const struct vm_doorbell *d)
{
    struct kvm_ioeventfd req = {
        .datamatch = d->value,
        .addr = d->addr,
        .len = d->len,
        .fd = d->fd,
        .flags = KVM_IOEVENTFD_FLAG_DATAMATCH | (d->pio ? KVM_IOEVENTFD_FLAG_PIO : 0),
    };
    /* Length 0, no data match: KVM then also puts it on its fast MMIO bus, where a write to
     * the address is recognised from the exit alone, without decoding the instruction. */
    if (d->exclusive && !d->pio && k->ioeventfd_any_length) {
        req.len = 0;
        req.datamatch = 0;
        req.flags = 0;
    }
    if (ioctl(k->vm_fd, KVM_IOEVENTFD, &req) < 0) {
        log_error("kvm: KVM_IOEVENTFD at %s 0x%llx: %s", d->pio ? "port" : "address",
                  (unsigned long long)d->addr, strerror(errno));
        return -errno;
    }
    return 0;
}

int kvm_notify_setup(struct kvm_accel *k)
{
    int r;
    for (unsigned i = 0; i < k->vm->ndoorbells; i++) {
        r = bind_doorbell(k, &k->vm->doorbells[i]);
        if (r < 0)
            return r;
    }
    for (unsigned i = 0; i < KVM_NR_GSIS; i++) {
        if (!atomic_load(&k->pins[i].ready))
            continue;
        r = pin_bind(k, &k->pins[i]);
        if (r < 0)
            return r;
    }
    return 0;
}

/* First use of a pin: its eventfds, the resample watch, and the binding to the current VM. */
static void pin_create(struct kvm_accel *k, struct kvm_irq_pin *p)
{
    pthread_mutex_lock(&k->pins_lock);
    if (!atomic_load(&p->ready) && pin_open(k, p) == 0 && pin_bind(k, p) == 0)
        atomic_store(&p->ready, true);
    pthread_mutex_unlock(&k->pins_lock);
}

void kvm_notify_teardown(struct kvm_accel *k)
{
    pthread_mutex_lock(&k->pins_lock);
    kvm_notify_forget_msi(k);
    pthread_mutex_unlock(&k->pins_lock);
    for (unsigned i = 0; i < KVM_NR_GSIS; i++) {
        struct kvm_irq_pin *p = &k->pins[i];
        if (p->resamplefd >= 0) {
            event_loop_del_fd(k->vm->loop, p->resamplefd);
            close(p->resamplefd);
        }
        if (p->irqfd >= 0)
            close(p->irqfd);
        p->irqfd = p->resamplefd = -1;
        atomic_store(&p->ready, false);
    }
}

void kvm_notify_set_irq(struct kvm_accel *k, unsigned gsi, bool level)
{
    if (gsi >= KVM_NR_GSIS) {
        TRACE(TRACE_GUEST_ERRORS, "kvm: interrupt on GSI %u, which has no IOAPIC pin", gsi);
        return;
    }
    struct kvm_irq_pin *p = &k->pins[gsi];
    bool was = atomic_exchange(&p->level, level);
    if (k->use_irqfd) {
        /* Lowering is implicit: KVM lowers the pin at EOI and asks us (resample) again. */
        if (!level || was)
            return;
        if (!atomic_load(&p->ready))
            pin_create(k, p); /* asserts the line itself once bound */
        else
            pin_assert(p);
        return;
    }
    struct kvm_irq_level line = {.irq = gsi, .level = level};
    pthread_mutex_lock(&k->pins_lock);
    if (k->vm_fd >= 0 && ioctl(k->vm_fd, KVM_IRQ_LINE, &line) < 0)
        log_error("kvm: KVM_IRQ_LINE %u: %s", gsi, strerror(errno));
    pthread_mutex_unlock(&k->pins_lock);
}

void kvm_notify_forget_msi(struct kvm_accel *k)
{
    for (unsigned i = 0; i < k->nmsi; i++)
        close(k->msi[i].fd);
    k->nmsi = 0;
}

unsigned kvm_notify_msi_routes(struct kvm_accel *k, struct kvm_irq_routing_entry *e, unsigned max)
{
    unsigned n = 0;
    for (; n < k->nmsi && n < max; n++)
        e[n] = (struct kvm_irq_routing_entry){
            .gsi = KVM_NR_GSIS + n,
            .type = KVM_IRQ_ROUTING_MSI,
            .u.msi = {.address_lo = (uint32_t)k->msi[n].addr,
                      .address_hi = (uint32_t)(k->msi[n].addr >> 32),
                      .data = k->msi[n].data},
        };
    return n;
}

/* Called with pins_lock held: a route and irqfd for a message not seen before. Returns the fd,
 * or -1 when the table is full or KVM refuses (the caller falls back to KVM_SIGNAL_MSI). */
static int msi_route_add(struct kvm_accel *k, uint64_t addr, uint32_t data)
{
    if (k->nmsi == KVM_MAX_MSI_ROUTES || k->vm_fd < 0)
        return -1;
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0)
        return -1;
    unsigned i = k->nmsi++;
    k->msi[i] = (struct kvm_msi_route){.addr = addr, .data = data, .fd = fd};
    struct kvm_irqfd req = {.fd = (uint32_t)fd, .gsi = KVM_NR_GSIS + i};
    if (kvm_set_irq_routing(k) < 0 || ioctl(k->vm_fd, KVM_IRQFD, &req) < 0) {
        log_error("kvm: cannot route MSI 0x%x to 0x%llx through an irqfd; using KVM_SIGNAL_MSI",
                  data, (unsigned long long)addr);
        k->nmsi--;
        close(fd);
        return -1;
    }
    return fd;
}

void kvm_notify_send_msi(struct kvm_accel *k, uint64_t addr, uint32_t data)
{
    int fd = -1;

    /* pins_lock: the VM fd and its routes are rebuilt on a guest reboot. */
    pthread_mutex_lock(&k->pins_lock);
    for (unsigned i = 0; i < k->nmsi && fd < 0; i++)
        if (k->msi[i].addr == addr && k->msi[i].data == data)
            fd = k->msi[i].fd;
    if (fd < 0)
        fd = msi_route_add(k, addr, data);
    if (fd >= 0) {
        uint64_t one = 1;
        if (write(fd, &one, sizeof(one)) != sizeof(one))
            log_error("kvm: cannot raise MSI 0x%x: %s", data, strerror(errno));
    } else if (k->vm_fd >= 0) {
        struct kvm_msi msi = {
            .address_lo = (uint32_t)addr,
            .address_hi = (uint32_t)(addr >> 32),
            .data = data,
        };
        if (ioctl(k->vm_fd, KVM_SIGNAL_MSI, &msi) < 0)
            log_error("kvm: KVM_SIGNAL_MSI 0x%x to 0x%llx: %s", data, (unsigned long long)addr,
                      strerror(errno));
    }
    pthread_mutex_unlock(&k->pins_lock);
}
