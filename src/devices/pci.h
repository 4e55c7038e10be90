/*
 * A PCI function (type 0 header) as devices build it: 256 bytes of configuration space with
 * per-bit write masks, BARs backed by mmio_ops, a capability list, INTx (pin A) and MSI-X.
 * The host bridge (pci_host.h) routes configuration cycles here and decodes BARs; devices never
 * see addresses or know what delivers their interrupts (an irq_line and an msi_target).
 *
 * Locks: cfg_lock guards configuration space and BARs; irq_lock (a leaf) guards the interrupt
 * state — INTx level, the MSI-X table and pending bits — so a device may raise an interrupt
 * while holding its own locks.
 */
#ifndef KVMU_DEVICES_PCI_H
#define KVMU_DEVICES_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/addrmap.h"
#include "core/irq.h"

#define PCI_CONFIG_SIZE 256
#define PCI_NUM_BARS 6

/* Configuration header offsets (PCI Local Bus 3.0, 6.1). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_CACHE_LINE_SIZE 0x0c
#define PCI_LATENCY_TIMER 0x0d
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_ROM_ADDRESS 0x30
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS_INTERRUPT 0x08
#define PCI_STATUS_CAP_LIST 0x10

#define PCI_CAP_ID_VNDR 0x09
#define PCI_CAP_ID_MSIX 0x11
#define PCI_MSIX_FLAGS_ENABLE 0x8000
#define PCI_MSIX_FLAGS_MASKALL 0x4000
#define PCI_MSIX_ENTRY_SIZE 16
#define PCI_MSIX_MAX_VECTORS 64

enum pci_bar_type { PCI_BAR_NONE = 0, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64 };

struct pci_bar {
    enum pci_bar_type type;
    uint64_t size; /* a power of two; 0 = unused */
    const struct mmio_ops *ops;
    void *opaque;
};

struct pci_msix_entry {
    uint64_t addr;
    uint32_t data;
    uint32_t ctrl; /* bit 0: masked */
};

struct pci_device {
    const char *name;
    pthread_mutex_t cfg_lock;
    uint8_t config[PCI_CONFIG_SIZE];
    uint8_t wmask[PCI_CONFIG_SIZE]; /* bits the guest may write */
    struct pci_bar bars[PCI_NUM_BARS];
    uint8_t last_cap;  /* offset of the last capability in the list, 0 if none */
    unsigned cap_free; /* where the next capability goes */
    /* Optional: the guest wrote config bytes [offset, offset + size) (already stored). Called
     * without cfg_lock, so the device may take its own locks. */
    void (*config_written)(void *opaque, uint32_t offset, unsigned size);
    /* Optional: lets the device supply the value of a config read it emulates (returns true);
     * called without cfg_lock. */
    bool (*config_read)(void *opaque, uint32_t offset, unsigned size, uint32_t *value);
    void *hook_opaque;

    /* Interrupt wiring, set when the function is plugged into a host. */
    struct irq_line intx;
    struct msi_target msi;

    pthread_mutex_t irq_lock;
    bool intx_level;    /* the device asserts INTA# (whether or not it is disabled) */
    bool intx_disabled; /* command register bit 10 */
    uint8_t msix_cap;   /* offset of the MSI-X capability, 0 if none */
    unsigned msix_vectors;
    bool msix_enabled, msix_masked;
    struct pci_msix_entry *msix_table;
    uint64_t msix_pending; /* one bit per vector (the PBA) */
};

/* Header fields of a function. class_code: base class << 16 | subclass << 8 | prog-if. */
struct pci_id {
    uint16_t vendor, device;
    uint32_t class_code;
    uint8_t revision;
    uint16_t subsys_vendor, subsys_id;
    bool intx; /* has an interrupt pin (INTA#) */
};

void pci_device_init(struct pci_device *d, const char *name, const struct pci_id *id);
/* Frees what the MSI-X setup allocated; the struct itself belongs to the caller. */
void pci_device_destroy(struct pci_device *d);

/* Declares BAR `index` (a 64-bit BAR also takes index + 1). Size: a power of two, at least 16
 * bytes for memory and 4 for I/O. Returns 0 or -EINVAL. */
int pci_device_add_bar(struct pci_device *d, unsigned index, enum pci_bar_type type, uint64_t size,
                       const struct mmio_ops *ops, void *opaque)
    __attribute__((warn_unused_result));
/* Appends a capability of `len` bytes (id and next pointer included) to the list. Returns its
 * offset (>= 0x40) or -ENOSPC. The caller fills bytes 2.. and their write masks. */
int pci_device_add_cap(struct pci_device *d, uint8_t id, unsigned len)
    __attribute__((warn_unused_result));
/* An MSI-X capability with `vectors` entries whose table (offset 0) and PBA (offset 0x800) fill
 * memory BAR `bar` (4 KiB, served here). Returns 0, -EINVAL or -ENOMEM. */
int pci_device_init_msix(struct pci_device *d, unsigned vectors, unsigned bar)
    __attribute__((warn_unused_result));

/* Little-endian helpers for building configuration space. */
void pci_config_set16(struct pci_device *d, unsigned offset, uint16_t v);
void pci_config_set32(struct pci_device *d, unsigned offset, uint32_t v);

/* Configuration cycles from the host bridge: `size` 1, 2 or 4, naturally aligned. */
uint32_t pci_device_config_read(struct pci_device *d, uint32_t offset, unsigned size);
void pci_device_config_write(struct pci_device *d, uint32_t offset, unsigned size, uint32_t v);

/* Where BAR `index` is decoded right now: false if unused, its decoding is disabled in the
 * command register, or it is unassigned (address 0). */
bool pci_device_bar_mapping(struct pci_device *d, unsigned index, uint64_t *addr);
/* Firmware's job at power-on: program BAR `index`'s address. */
void pci_device_set_bar_addr(struct pci_device *d, unsigned index, uint64_t addr);

/* Level of INTA#; delivered unless the command register disables INTx. Any thread. */
void pci_device_set_intx(struct pci_device *d, bool level);
/* Is MSI-X enabled by the driver? Then interrupts go through pci_device_msix_notify(). */
bool pci_device_msix_enabled(struct pci_device *d);
/* Signal MSI-X vector `vector`: sent now, or remembered in the PBA while masked (sent on
 * unmask). Vectors beyond the table are dropped. Any thread. */
void pci_device_msix_notify(struct pci_device *d, unsigned vector);
/* Power-on state of the function's registers (BARs unassigned, decoding, MSI-X off). */
void pci_device_reset(struct pci_device *d);

#endif
