#include "devices/pci.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define MSIX_BAR_SIZE 0x1000
#define MSIX_PBA_OFFSET 0x800
#define PCI_CAP_START 0x40

static uint32_t get_le(const uint8_t *p, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static void put_le(uint8_t *p, unsigned size, uint32_t v)
{
    for (unsigned i = 0; i < size; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void pci_config_set16(struct pci_device *d, unsigned offset, uint16_t v)
{
    put_le(d->config + offset, 2, v);
}

void pci_config_set32(struct pci_device *d, unsigned offset, uint32_t v)
{
    put_le(d->config + offset, 4, v);
}

static void set_wmask(struct pci_device *d, unsigned offset, unsigned size, uint32_t mask)
{
    put_le(d->wmask + offset, size, mask);
}

void pci_device_init(struct pci_device *d, const char *name, const struct pci_id *id)
{
    memset(d, 0, sizeof(*d));
    d->name = name;
    pthread_mutex_init(&d->cfg_lock, NULL);
    pthread_mutex_init(&d->irq_lock, NULL);
    pci_config_set16(d, PCI_VENDOR_ID, id->vendor);
    pci_config_set16(d, PCI_DEVICE_ID, id->device);
    d->config[PCI_REVISION_ID] = id->revision;
    put_le(d->config + PCI_CLASS_PROG, 3, id->class_code);
    pci_config_set16(d, PCI_SUBSYSTEM_VENDOR_ID, id->subsys_vendor);
    pci_config_set16(d, PCI_SUBSYSTEM_ID, id->subsys_id);
    d->config[PCI_INTERRUPT_PIN] = id->intx ? 1 : 0;
    /* What a driver may change: decoding, bus mastering, parity/SERR reporting, INTx
     * disable; the cache line size and latency timer Linux programs; the interrupt line
     * firmware and drivers use as a scratch register. */
    set_wmask(d, PCI_COMMAND, 2,
              PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | 0x40 | 0x100 |
                  PCI_COMMAND_INTX_DISABLE);
    d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    d->wmask[PCI_LATENCY_TIMER] = 0xff;
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

void pci_device_destroy(struct pci_device *d)
{
    if (!d)
        return;
    free(d->msix_table);
    d->msix_table = NULL;
    pthread_mutex_destroy(&d->irq_lock);
    pthread_mutex_destroy(&d->cfg_lock);
}

int pci_device_add_bar(struct pci_device *d, unsigned index, enum pci_bar_type type, uint64_t size,
                       const struct mmio_ops *ops, void *opaque)
{
    bool is64 = type == PCI_BAR_MEM64;
    uint64_t min = type == PCI_BAR_IO ? 4 : 16;

    if (index >= PCI_NUM_BARS || (is64 && index + 1 >= PCI_NUM_BARS) || type == PCI_BAR_NONE ||
        size < min || (size & (size - 1)) || (type != PCI_BAR_MEM64 && size > (1ull << 31)) ||
        d->bars[index].type != PCI_BAR_NONE || (is64 && d->bars[index + 1].type != PCI_BAR_NONE))
        return -EINVAL;
    d->bars[index] = (struct pci_bar){.type = type, .size = size, .ops = ops, .opaque = opaque};
    unsigned off = PCI_BAR0 + 4 * index;
    uint64_t mask = ~(size - 1);
    switch (type) {
    case PCI_BAR_IO:
        pci_config_set32(d, off, 0x1);
        set_wmask(d, off, 4, (uint32_t)mask & 0xfffffffc);
        break;
    case PCI_BAR_MEM32:
        pci_config_set32(d, off, 0x0);
        set_wmask(d, off, 4, (uint32_t)mask & 0xfffffff0);
        break;
    case PCI_BAR_MEM64:
        /* Type 10b: 64-bit; the next BAR holds the high half and is not a BAR of its own. */
        pci_config_set32(d, off, 0x4);
        set_wmask(d, off, 4, (uint32_t)mask & 0xfffffff0);
        set_wmask(d, off + 4, 4, (uint32_t)(mask >> 32));
        d->bars[index + 1].type = PCI_BAR_NONE;
        break;
    case PCI_BAR_NONE:
        break;
    }
    return 0;
}

int pci_device_add_cap(struct pci_device *d, uint8_t id, unsigned len)
{
    unsigned off = d->cap_free ? d->cap_free : PCI_CAP_START;

    if (len < 2 || off + len > PCI_CONFIG_SIZE)
        return -ENOSPC;
    d->config[off] = id;
    d->config[off + 1] = 0;
    if (d->last_cap)
        d->config[d->last_cap + 1] = (uint8_t)off;
    else
        d->config[PCI_CAPABILITY_LIST] = (uint8_t)off;
    d->config[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
    d->last_cap = (uint8_t)off;
    d->cap_free = (off + len + 3) & ~3u;
    return (int)off;
}

/* ---- MSI-X: the table and PBA live in a 4 KiB memory BAR served by these ops. */

/* Caller holds irq_lock. */
static void msix_send_locked(struct pci_device *d, unsigned v)
{
    const struct pci_msix_entry *e = &d->msix_table[v];
    d->msix_pending &= ~(1ull << v);
    msi_target_send(&d->msi, e->addr, e->data);
}

/* After anything that may unmask a vector: deliver what became deliverable. */
static void msix_flush_pending_locked(struct pci_device *d)
{
    if (!d->msix_enabled || d->msix_masked)
        return;
    for (unsigned v = 0; v < d->msix_vectors; v++)
        if ((d->msix_pending >> v & 1) && !(d->msix_table[v].ctrl & 1))
            msix_send_locked(d, v);
}

static uint64_t msix_read(void *opaque, uint64_t offset, unsigned size)
{
    struct pci_device *d = opaque;
    uint64_t v = 0;

    pthread_mutex_lock(&d->irq_lock);
    if (offset < (uint64_t)d->msix_vectors * PCI_MSIX_ENTRY_SIZE) {
        uint8_t raw[PCI_MSIX_ENTRY_SIZE];
        const struct pci_msix_entry *e = &d->msix_table[offset / PCI_MSIX_ENTRY_SIZE];
        put_le(raw, 4, (uint32_t)e->addr);
        put_le(raw + 4, 4, (uint32_t)(e->addr >> 32));
        put_le(raw + 8, 4, e->data);
        put_le(raw + 12, 4, e->ctrl);
        unsigned o = offset % PCI_MSIX_ENTRY_SIZE;
        if (o + size <= PCI_MSIX_ENTRY_SIZE)
            for (unsigned i = 0; i < size; i++)
                v |= (uint64_t)raw[o + i] << (8 * i);
    } else if (offset >= MSIX_PBA_OFFSET && offset + size <= MSIX_PBA_OFFSET + 8) {
        v = d->msix_pending >> (8 * (offset - MSIX_PBA_OFFSET));
        if (size < 8)
            v &= (1ull << (8 * size)) - 1;
    }
    pthread_mutex_unlock(&d->irq_lock);
    return v;
}

static void msix_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct pci_device *d = opaque;

    if (offset >= (uint64_t)d->msix_vectors * PCI_MSIX_ENTRY_SIZE)
        return; /* the PBA is read-only */
    unsigned o = offset % PCI_MSIX_ENTRY_SIZE;
    if (o + size > PCI_MSIX_ENTRY_SIZE)
        return;
    pthread_mutex_lock(&d->irq_lock);
    struct pci_msix_entry *e = &d->msix_table[offset / PCI_MSIX_ENTRY_SIZE];
    uint8_t raw[PCI_MSIX_ENTRY_SIZE];
    put_le(raw, 4, (uint32_t)e->addr);
    put_le(raw + 4, 4, (uint32_t)(e->addr >> 32));
    put_le(raw + 8, 4, e->data);
    put_le(raw + 12, 4, e->ctrl);
    for (unsigned i = 0; i < size; i++)
        raw[o + i] = (uint8_t)(value >> (8 * i));
    e->addr = get_le(raw, 4) | (uint64_t)get_le(raw + 4, 4) << 32;
    e->data = get_le(raw + 8, 4);
    /* Only the mask bit of Vector Control is defined. */
    e->ctrl = get_le(raw + 12, 4) & 1;
    msix_flush_pending_locked(d);
    pthread_mutex_unlock(&d->irq_lock);
}

static const struct mmio_ops msix_ops = {
    .read = msix_read,
    .write = msix_write,
    .access_sizes = 4 | 8,
};

int pci_device_init_msix(struct pci_device *d, unsigned vectors, unsigned bar)
{
    if (vectors == 0 || vectors > PCI_MSIX_MAX_VECTORS || d->msix_cap)
        return -EINVAL;
    d->msix_table = calloc(vectors, sizeof(*d->msix_table));
    if (!d->msix_table)
        return -ENOMEM;
    int r = pci_device_add_bar(d, bar, PCI_BAR_MEM32, MSIX_BAR_SIZE, &msix_ops, d);
    int cap = r < 0 ? r : pci_device_add_cap(d, PCI_CAP_ID_MSIX, 12);
    if (cap < 0) {
        free(d->msix_table);
        d->msix_table = NULL;
        return cap == -ENOSPC ? -EINVAL : cap;
    }
    d->msix_cap = (uint8_t)cap;
    d->msix_vectors = vectors;
    for (unsigned v = 0; v < vectors; v++)
        d->msix_table[v].ctrl = 1; /* masked at reset (PCI 3.0, 6.8.2.9) */
    pci_config_set16(d, cap + 2, (uint16_t)(vectors - 1));
    set_wmask(d, cap + 2, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    pci_config_set32(d, cap + 4, 0 | bar);
    pci_config_set32(d, cap + 8, MSIX_PBA_OFFSET | bar);
    return 0;
}

/* ---- Configuration space */

uint32_t pci_device_config_read(struct pci_device *d, uint32_t offset, unsigned size)
{
    uint32_t v;

    if (offset + size > PCI_CONFIG_SIZE)
        return 0xffffffffu >> (32 - 8 * size);
    if (d->config_read && d->config_read(d->hook_opaque, offset, size, &v))
        return v;
    pthread_mutex_lock(&d->cfg_lock);
    uint8_t bytes[4];
    memcpy(bytes, d->config + offset, size);
    pthread_mutex_unlock(&d->cfg_lock);
    /* The status register's interrupt bit mirrors INTA# as the device drives it. */
    if (offset <= PCI_STATUS && offset + size > PCI_STATUS) {
        pthread_mutex_lock(&d->irq_lock);
        if (d->intx_level)
            bytes[PCI_STATUS - offset] |= PCI_STATUS_INTERRUPT;
        pthread_mutex_unlock(&d->irq_lock);
    }
    return get_le(bytes, size);
}

static bool overlaps(uint32_t offset, unsigned size, uint32_t start, unsigned len)
{
    return offset < start + len && start < offset + size;
}

/* Propagate the interrupt-related registers to the leaf state. Caller holds cfg_lock. */
static void sync_irq_state_locked(struct pci_device *d)
{
    uint16_t cmd = (uint16_t)get_le(d->config + PCI_COMMAND, 2);

    pthread_mutex_lock(&d->irq_lock);
    bool was_disabled = d->intx_disabled;
    d->intx_disabled = cmd & PCI_COMMAND_INTX_DISABLE;
    if (d->intx_level && was_disabled != d->intx_disabled)
        irq_line_set(&d->intx, !d->intx_disabled);
    if (d->msix_cap) {
        uint16_t ctl = (uint16_t)get_le(d->config + d->msix_cap + 2, 2);
        d->msix_enabled = ctl & PCI_MSIX_FLAGS_ENABLE;
        d->msix_masked = ctl & PCI_MSIX_FLAGS_MASKALL;
        msix_flush_pending_locked(d);
    }
    pthread_mutex_unlock(&d->irq_lock);
}

void pci_device_config_write(struct pci_device *d, uint32_t offset, unsigned size, uint32_t v)
{
    if (offset + size > PCI_CONFIG_SIZE)
        return;
    pthread_mutex_lock(&d->cfg_lock);
    for (unsigned i = 0; i < size; i++) {
        uint8_t m = d->wmask[offset + i];
        uint8_t b = (uint8_t)(v >> (8 * i));
        d->config[offset + i] = (uint8_t)((d->config[offset + i] & ~m) | (b & m));
    }
    if (overlaps(offset, size, PCI_COMMAND, 2) ||
        (d->msix_cap && overlaps(offset, size, d->msix_cap + 2, 2)))
        sync_irq_state_locked(d);
    pthread_mutex_unlock(&d->cfg_lock);
    if (d->config_written)
        d->config_written(d->hook_opaque, offset, size);
}

bool pci_device_bar_mapping(struct pci_device *d, unsigned index, uint64_t *addr)
{
    if (index >= PCI_NUM_BARS || d->bars[index].type == PCI_BAR_NONE)
        return false;
    const struct pci_bar *b = &d->bars[index];
    unsigned off = PCI_BAR0 + 4 * index;

    pthread_mutex_lock(&d->cfg_lock);
    uint16_t cmd = (uint16_t)get_le(d->config + PCI_COMMAND, 2);
    uint64_t a = get_le(d->config + off, 4);
    if (b->type == PCI_BAR_MEM64)
        a |= (uint64_t)get_le(d->config + off + 4, 4) << 32;
    pthread_mutex_unlock(&d->cfg_lock);
    a &= b->type == PCI_BAR_IO ? ~3ull : ~15ull;
    bool on = b->type == PCI_BAR_IO ? (cmd & PCI_COMMAND_IO) : (cmd & PCI_COMMAND_MEMORY);
    *addr = a;
    return on && a != 0;
}

void pci_device_set_bar_addr(struct pci_device *d, unsigned index, uint64_t addr)
{
    if (index >= PCI_NUM_BARS || d->bars[index].type == PCI_BAR_NONE)
        return;
    unsigned off = PCI_BAR0 + 4 * index;
    uint32_t type_bits = d->config[off] & (d->bars[index].type == PCI_BAR_IO ? 0x3 : 0xf);

    pthread_mutex_lock(&d->cfg_lock);
    put_le(d->config + off, 4, ((uint32_t)addr & get_le(d->wmask + off, 4)) | type_bits);
    if (d->bars[index].type == PCI_BAR_MEM64)
        put_le(d->config + off + 4, 4, (uint32_t)(addr >> 32));
    pthread_mutex_unlock(&d->cfg_lock);
}

/* ---- Interrupts */

void pci_device_set_intx(struct pci_device *d, bool level)
{
    pthread_mutex_lock(&d->irq_lock);
    if (d->intx_level != level) {
        d->intx_level = level;
        if (!d->intx_disabled)
            irq_line_set(&d->intx, level);
    }
    pthread_mutex_unlock(&d->irq_lock);
}

bool pci_device_msix_enabled(struct pci_device *d)
{
    pthread_mutex_lock(&d->irq_lock);
    bool on = d->msix_enabled;
    pthread_mutex_unlock(&d->irq_lock);
    return on;
}

void pci_device_msix_notify(struct pci_device *d, unsigned vector)
{
    pthread_mutex_lock(&d->irq_lock);
    if (vector >= d->msix_vectors || !d->msix_enabled) {
        TRACE(TRACE_GUEST_ERRORS, "%s: MSI-X vector %u not deliverable", d->name, vector);
    } else if (d->msix_masked || (d->msix_table[vector].ctrl & 1)) {
        d->msix_pending |= 1ull << vector;
    } else {
        msix_send_locked(d, vector);
    }
    pthread_mutex_unlock(&d->irq_lock);
}

void pci_device_reset(struct pci_device *d)
{
    pthread_mutex_lock(&d->cfg_lock);
    pci_config_set16(d, PCI_COMMAND, 0);
    d->config[PCI_CACHE_LINE_SIZE] = 0;
    d->config[PCI_LATENCY_TIMER] = 0;
    d->config[PCI_INTERRUPT_LINE] = 0;
    for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
        unsigned off = PCI_BAR0 + 4 * i;
        uint32_t keep = d->bars[i].type == PCI_BAR_IO ? 0x3 : 0xf;
        /* The high half of a 64-bit BAR has no type bits and a full write mask. */
        put_le(d->config + off, 4, get_le(d->config + off, 4) & ~get_le(d->wmask + off, 4) & keep);
    }
    if (d->msix_cap)
        pci_config_set16(d, d->msix_cap + 2, (uint16_t)(d->msix_vectors - 1));
    pthread_mutex_lock(&d->irq_lock);
    if (d->intx_level && !d->intx_disabled)
        irq_line_set(&d->intx, false);
    d->intx_level = false;
    d->intx_disabled = false;
    d->msix_enabled = d->msix_masked = false;
    d->msix_pending = 0;
    for (unsigned v = 0; v < d->msix_vectors; v++)
        d->msix_table[v] = (struct pci_msix_entry){.ctrl = 1};
    pthread_mutex_unlock(&d->irq_lock);
    pthread_mutex_unlock(&d->cfg_lock);
}
