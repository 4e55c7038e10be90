#include "devices/pci_host.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "devices/pci.h"

#define CFG_ENABLE 0x80000000u
#define MAX_DECODED (PCI_HOST_SLOTS * PCI_NUM_BARS)

/* One BAR as currently decoded: where the guest put it and who serves it. */
struct decoded_bar {
    uint64_t base, size;
    bool io;
    const struct mmio_ops *ops;
    void *opaque;
};

struct pci_host {
    struct pci_host_config cfg;
    struct pci_device bridge;
    struct pci_device *slots[PCI_HOST_SLOTS];

    pthread_mutex_t lock; /* config_address, and serialises configuration cycles */
    uint32_t config_address;

    /* Rebuilt whenever a BAR or a command register changes; read on every BAR access. */
    pthread_rwlock_t map_lock;
    struct decoded_bar decoded[MAX_DECODED];
    unsigned ndecoded;
};

/* Caller holds h->lock (or is single-threaded setup). */
static void rebuild_decode(struct pci_host *h)
{
    struct decoded_bar tmp[MAX_DECODED];
    unsigned n = 0;

    for (unsigned s = 0; s < PCI_HOST_SLOTS; s++) {
        struct pci_device *d = h->slots[s];
        for (unsigned i = 0; d && i < PCI_NUM_BARS; i++) {
            uint64_t addr;
            if (!pci_device_bar_mapping(d, i, &addr))
                continue;
            tmp[n++] = (struct decoded_bar){.base = addr,
                                            .size = d->bars[i].size,
                                            .io = d->bars[i].type == PCI_BAR_IO,
                                            .ops = d->bars[i].ops,
                                            .opaque = d->bars[i].opaque};
        }
    }
    pthread_rwlock_wrlock(&h->map_lock);
    memcpy(h->decoded, tmp, n * sizeof(tmp[0]));
    h->ndecoded = n;
    pthread_rwlock_unlock(&h->map_lock);
}

static bool find_bar(struct pci_host *h, bool io, uint64_t addr, unsigned size,
                     struct decoded_bar *out)
{
    bool found = false;

    pthread_rwlock_rdlock(&h->map_lock);
    for (unsigned i = 0; i < h->ndecoded; i++) {
        const struct decoded_bar *b = &h->decoded[i];
        if (b->io == io && addr >= b->base && addr - b->base + size <= b->size) {
            *out = *b;
            found = true;
            break;
        }
    }
    pthread_rwlock_unlock(&h->map_lock);
    return found;
}

static uint64_t window_read(struct pci_host *h, bool io, uint64_t addr, unsigned size)
{
    struct decoded_bar b;
    if (!find_bar(h, io, addr, size, &b) || !b.ops->read || !(b.ops->access_sizes & size)) {
        TRACE(TRACE_UNIMP, "pci: %u-byte read of unclaimed %s 0x%llx", size,
              io ? "port" : "address", (unsigned long long)addr);
        return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
    }
    return b.ops->read(b.opaque, addr - b.base, size);
}

static void window_write(struct pci_host *h, bool io, uint64_t addr, uint64_t v, unsigned size)
{
    struct decoded_bar b;
    if (!find_bar(h, io, addr, size, &b) || !b.ops->write || !(b.ops->access_sizes & size)) {
        TRACE(TRACE_UNIMP, "pci: %u-byte write of unclaimed %s 0x%llx", size,
              io ? "port" : "address", (unsigned long long)addr);
        return;
    }
    b.ops->write(b.opaque, addr - b.base, v, size);
}

static uint64_t mmio_window_read(void *opaque, uint64_t offset, unsigned size)
{
    struct pci_host *h = opaque;
    return window_read(h, false, h->cfg.mmio_base + offset, size);
}

static void mmio_window_write(void *opaque, uint64_t offset, uint64_t v, unsigned size)
{
    struct pci_host *h = opaque;
    window_write(h, false, h->cfg.mmio_base + offset, v, size);
}

static uint64_t io_window_read(void *opaque, uint64_t offset, unsigned size)
{
    struct pci_host *h = opaque;
    return window_read(h, true, h->cfg.io_base + offset, size);
}

static void io_window_write(void *opaque, uint64_t offset, uint64_t v, unsigned size)
{
    struct pci_host *h = opaque;
    window_write(h, true, h->cfg.io_base + offset, v, size);
}

const struct mmio_ops pci_host_mmio_ops = {
    .read = mmio_window_read,
    .write = mmio_window_write,
    .access_sizes = 1 | 2 | 4 | 8,
};

const struct mmio_ops pci_host_io_ops = {
    .read = io_window_read,
    .write = io_window_write,
    .access_sizes = 1 | 2 | 4,
};

/* ---- Configuration cycles */

/* Function 0 of bus 0 only: everything else reads all-ones, as an empty slot does. */
static struct pci_device *target(struct pci_host *h, unsigned bus, unsigned dev, unsigned fn)
{
    return bus == 0 && fn == 0 && dev < PCI_HOST_SLOTS ? h->slots[dev] : NULL;
}

static uint32_t config_read(struct pci_host *h, struct pci_device *d, uint32_t reg, unsigned size)
{
    if (!d)
        return 0xffffffffu >> (32 - 8 * size);
    if (reg >= PCI_CONFIG_SIZE)
        return 0; /* PCIe extended space: an empty capability list */
    return pci_device_config_read(d, reg, size);
}

/* Caller holds h->lock. */
static void config_write(struct pci_host *h, struct pci_device *d, uint32_t reg, unsigned size,
                         uint32_t v)
{
    if (!d || reg >= PCI_CONFIG_SIZE)
        return;
    pci_device_config_write(d, reg, size, v);
    /* A moved BAR or a decoding switch changes what the windows route where. */
    if ((reg < PCI_COMMAND + 2 && reg + size > PCI_COMMAND) ||
        (reg < PCI_BAR0 + 24 && reg + size > PCI_BAR0))
        rebuild_decode(h);
}

static uint64_t cfg_addr_read(void *opaque, uint64_t offset, unsigned size)
{
    struct pci_host *h = opaque;

    if (offset == 0 && size == 4) {
        pthread_mutex_lock(&h->lock);
        uint32_t v = h->config_address;
        pthread_mutex_unlock(&h->lock);
        return v;
    }
    if (offset == 1 && size == 1 && h->cfg.cf9_ops && h->cfg.cf9_ops->read)
        return h->cfg.cf9_ops->read(h->cfg.cf9_opaque, 0, 1);
    return (1ull << (8 * size)) - 1;
}

static void cfg_addr_write(void *opaque, uint64_t offset, uint64_t v, unsigned size)
{
    struct pci_host *h = opaque;

    /* Only dword accesses reach the address register (PCI 3.0, 3.2.2.3.2); Linux's probe
     * writes a byte to 0xcfb and expects it to be ignored. */
    if (offset == 0 && size == 4) {
        pthread_mutex_lock(&h->lock);
        h->config_address = (uint32_t)v & 0x80fffffcu;
        pthread_mutex_unlock(&h->lock);
    } else if (offset == 1 && size == 1 && h->cfg.cf9_ops && h->cfg.cf9_ops->write) {
        h->cfg.cf9_ops->write(h->cfg.cf9_opaque, 0, v, 1);
    }
}

const struct mmio_ops pci_host_cfg_addr_ops = {
    .read = cfg_addr_read,
    .write = cfg_addr_write,
    .access_sizes = 1 | 2 | 4,
};

/* The function and register the address register selects, or NULL with *reg untouched. */
static struct pci_device *cf8_target(struct pci_host *h, uint64_t offset, uint32_t *reg)
{
    uint32_t a = h->config_address;
    if (!(a & CFG_ENABLE))
        return NULL;
    *reg = (a & 0xfc) + (uint32_t)offset;
    return target(h, (a >> 16) & 0xff, (a >> 11) & 0x1f, (a >> 8) & 7);
}

static uint64_t cfg_data_read(void *opaque, uint64_t offset, unsigned size)
{
    struct pci_host *h = opaque;
    uint32_t reg = 0;

    if (offset % size)
        return (1ull << (8 * size)) - 1;
    pthread_mutex_lock(&h->lock);
    bool enabled = h->config_address & CFG_ENABLE;
    struct pci_device *d = cf8_target(h, offset, &reg);
    uint32_t v = enabled ? config_read(h, d, reg, size) : 0xffffffffu >> (32 - 8 * size);
    pthread_mutex_unlock(&h->lock);
    return v;
}

static void cfg_data_write(void *opaque, uint64_t offset, uint64_t v, unsigned size)
{
    struct pci_host *h = opaque;
    uint32_t reg = 0;

    if (offset % size)
        return;
    pthread_mutex_lock(&h->lock);
    struct pci_device *d = cf8_target(h, offset, &reg);
    config_write(h, d, reg, size, (uint32_t)v);
    pthread_mutex_unlock(&h->lock);
}

const struct mmio_ops pci_host_cfg_data_ops = {
    .read = cfg_data_read,
    .write = cfg_data_write,
    .access_sizes = 1 | 2 | 4,
};

static uint64_t ecam_read(void *opaque, uint64_t offset, unsigned size)
{
    struct pci_host *h = opaque;
    uint32_t reg = offset & 0xfff;

    if (size > 4 || reg % size)
        return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
    pthread_mutex_lock(&h->lock);
    struct pci_device *d = target(h, 0, (offset >> 15) & 0x1f, (offset >> 12) & 7);
    uint32_t v = config_read(h, d, reg, size);
    pthread_mutex_unlock(&h->lock);
    return v;
}

static void ecam_write(void *opaque, uint64_t offset, uint64_t v, unsigned size)
{
    struct pci_host *h = opaque;
    uint32_t reg = offset & 0xfff;

    if (size > 4 || reg % size)
        return;
    pthread_mutex_lock(&h->lock);
    struct pci_device *d = target(h, 0, (offset >> 15) & 0x1f, (offset >> 12) & 7);
    config_write(h, d, reg, size, (uint32_t)v);
    pthread_mutex_unlock(&h->lock);
}

const struct mmio_ops pci_host_ecam_ops = {
    .read = ecam_read,
    .write = ecam_write,
    .access_sizes = 1 | 2 | 4,
};

/* ---- Setup */

unsigned pci_host_intx_line(unsigned slot, unsigned pin)
{
    return (slot + pin) % 4;
}

int pci_host_create(const struct pci_host_config *cfg, struct pci_host **out)
{
    struct pci_host *h = calloc(1, sizeof(*h));
    if (!h) {
        log_error("pci: out of memory");
        return -ENOMEM;
    }
    h->cfg = *cfg;
    pthread_mutex_init(&h->lock, NULL);
    pthread_rwlock_init(&h->map_lock, NULL);
    /* What Linux and QEMU's pc board show for the host bridge: an Intel 440FX. */
    static const struct pci_id bridge_id = {
        .vendor = 0x8086, .device = 0x1237, .class_code = 0x060000, .revision = 2};
    pci_device_init(&h->bridge, "pci-host-bridge", cfg->bridge_id ? cfg->bridge_id : &bridge_id);
    h->slots[0] = &h->bridge;
    *out = h;
    return 0;
}

int pci_host_plug(struct pci_host *h, unsigned slot, struct pci_device *dev)
{
    if (slot == 0 || slot >= PCI_HOST_SLOTS)
        return -EINVAL;
    if (h->slots[slot]) {
        log_error("pci: slot %u is taken by %s", slot, h->slots[slot]->name);
        return -EBUSY;
    }
    dev->intx = h->cfg.intx[pci_host_intx_line(slot, 0)];
    dev->msi = h->cfg.msi;
    h->slots[slot] = dev;
    return 0;
}

struct bar_ref {
    struct pci_device *d;
    unsigned index;
};

static int cmp_bar_size_desc(const void *a, const void *b)
{
    const struct bar_ref *x = a, *y = b;
    uint64_t sx = x->d->bars[x->index].size, sy = y->d->bars[y->index].size;
    return sx < sy ? 1 : sx > sy ? -1 : 0;
}

int pci_host_assign_bars(struct pci_host *h)
{
    struct bar_ref refs[MAX_DECODED];
    unsigned n = 0;

    for (unsigned s = 0; s < PCI_HOST_SLOTS; s++)
        for (unsigned i = 0; h->slots[s] && i < PCI_NUM_BARS; i++)
            if (h->slots[s]->bars[i].type != PCI_BAR_NONE)
                refs[n++] = (struct bar_ref){h->slots[s], i};
    /* Largest first: each one then lands aligned right after the previous without holes. */
    qsort(refs, n, sizeof(refs[0]), cmp_bar_size_desc);
    /* I/O port 0 would read back as "unassigned"; nothing goes below 0x1000 (legacy ports). */
    uint64_t mem = h->cfg.mmio_base, io = h->cfg.io_base < 0x1000 ? 0x1000 : h->cfg.io_base;
    for (unsigned k = 0; k < n; k++) {
        const struct pci_bar *b = &refs[k].d->bars[refs[k].index];
        bool is_io = b->type == PCI_BAR_IO;
        uint64_t *next = is_io ? &io : &mem;
        uint64_t end =
            is_io ? h->cfg.io_base + h->cfg.io_size : h->cfg.mmio_base + h->cfg.mmio_size;
        uint64_t addr = (*next + b->size - 1) & ~(b->size - 1);
        if (addr + b->size > end || addr + b->size < addr) {
            log_error("pci: no room for %s's BAR %u (%llu bytes) in the %s window", refs[k].d->name,
                      refs[k].index, (unsigned long long)b->size, is_io ? "I/O" : "memory");
            return -ENOSPC;
        }
        pci_device_set_bar_addr(refs[k].d, refs[k].index, addr);
        *next = addr + b->size;
    }
    for (unsigned s = 1; s < PCI_HOST_SLOTS; s++)
        if (h->slots[s]) {
            uint32_t cmd = pci_device_config_read(h->slots[s], PCI_COMMAND, 2);
            pci_device_config_write(h->slots[s], PCI_COMMAND, 2,
                                    cmd | PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
        }
    pthread_mutex_lock(&h->lock);
    rebuild_decode(h);
    pthread_mutex_unlock(&h->lock);
    return 0;
}

int pci_host_reset(struct pci_host *h)
{
    pthread_mutex_lock(&h->lock);
    h->config_address = 0;
    pthread_mutex_unlock(&h->lock);
    for (unsigned s = 0; s < PCI_HOST_SLOTS; s++)
        if (h->slots[s])
            pci_device_reset(h->slots[s]);
    return pci_host_assign_bars(h);
}

void pci_host_destroy(struct pci_host *h)
{
    if (!h)
        return;
    pci_device_destroy(&h->bridge);
    pthread_rwlock_destroy(&h->map_lock);
    pthread_mutex_destroy(&h->lock);
    free(h);
}
