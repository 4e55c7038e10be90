#include "machines/x86/x86_pci.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "accel/accel.h"
#include "cli/config.h"
#include "core/log.h"
#include "core/vm.h"
#include "devices/pci.h"
#include "devices/pci_host.h"
#include "devices/virtio_pci.h"
#include "machines/board_common.h"
#include "machines/x86/aml.h"

#define AML_MAX 4096

struct x86_pci {
    struct vm *vm;
    struct board_pci *bus;
    uint8_t aml[AML_MAX];
    size_t aml_len;
};

static void gsi_set(void *opaque, unsigned gsi, bool level)
{
    struct vm *vm = opaque;
    if (vm->accel && vm->accel->set_irq)
        vm->accel->set_irq(vm, gsi, level);
}

static void msi_send(void *opaque, uint64_t addr, uint32_t data)
{
    struct vm *vm = opaque;
    if (vm->accel && vm->accel->send_msi)
        vm->accel->send_msi(vm, addr, data);
    else
        TRACE(TRACE_GUEST_ERRORS, "pci: MSI 0x%x to 0x%llx dropped: the accel has no MSI", data,
              (unsigned long long)addr);
}

/* ---- AML for \_SB.PCI0 (aml.h) */

/* Word Address Space Descriptor (6.4.3.5.3): bus numbers or an I/O range the bridge decodes. */
static void res_word(struct aml *a, uint8_t type, uint8_t type_flags, uint16_t min, uint16_t max)
{
    static const uint8_t hdr[] = {0x88, 0x0d, 0x00};
    aml_bytes(a, hdr, sizeof(hdr));
    aml_byte(a, type);
    aml_byte(a, 0x0c); /* producer, positive decode, min and max fixed */
    aml_byte(a, type_flags);
    aml_le(a, 0, 2); /* granularity */
    aml_le(a, min, 2);
    aml_le(a, max, 2);
    aml_le(a, 0, 2); /* translation */
    aml_le(a, (uint32_t)max - min + 1, 2);
}

static void build_crs(struct aml *a)
{
    AML_SCRATCH(res, 128);
    res_word(&res, 2, 0, 0, 0xff); /* buses 0-255 */
    /* The configuration ports themselves, consumed by the bridge. */
    static const uint8_t cf8[] = {0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08};
    aml_bytes(&res, cf8, sizeof(cf8));
    res_word(&res, 1, 0x03, 0x0000, 0x0cf7);
    res_word(&res, 1, 0x03, 0x0d00, 0xffff);
    /* DWord Memory Descriptor (6.4.3.5.2): the memory window, read-write, non-cacheable. */
    static const uint8_t mem[] = {0x87, 0x17, 0x00, 0x00, 0x0c, 0x01};
    aml_bytes(&res, mem, sizeof(mem));
    aml_le(&res, 0, 4);
    aml_le(&res, X86_PCI_MMIO_BASE, 4);
    aml_le(&res, X86_PCI_MMIO_END - 1, 4);
    aml_le(&res, 0, 4);
    aml_le(&res, X86_PCI_MMIO_END - X86_PCI_MMIO_BASE, 4);
    aml_crs(a, &res);
}

/* _PRT: slot s, pin p -> GSI 16 + (s + p) % 4, the host's swizzle (6.2.13). */
static void build_prt(struct aml *a)
{
    AML_SCRATCH(list, 2048);
    unsigned n = 0;
    aml_byte(&list, 0); /* NumElements, patched below */
    for (unsigned slot = 1; slot < PCI_HOST_SLOTS; slot++) {
        for (unsigned pin = 0; pin < 4; pin++, n++) {
            AML_SCRATCH(e, 32);
            aml_byte(&e, 4);
            aml_int(&e, slot << 16 | 0xffff);
            aml_int(&e, pin);
            aml_int(&e, 0); /* no link device: the next field is a GSI */
            aml_int(&e, X86_PCI_GSI_BASE + pci_host_intx_line(slot, pin));
            static const uint8_t package_op = 0x12;
            aml_pkg(&list, &package_op, 1, &e);
        }
    }
    list.p[0] = (uint8_t)n;
    aml_name(a, "_PRT");
    static const uint8_t package_op = 0x12;
    aml_pkg(a, &package_op, 1, &list);
}

static int build_aml(struct x86_pci *p)
{
    AML_SCRATCH(dev, 3072);
    aml_name(&dev, "_HID");
    aml_eisaid(&dev, "PNP0A03"); /* a PCI host bridge */
    aml_name(&dev, "_UID");
    aml_int(&dev, 0);
    aml_name(&dev, "_BBN");
    aml_int(&dev, 0);
    build_crs(&dev);
    build_prt(&dev);

    /* Scope (\_SB) { Device (PCI0) { ... } } */
    AML_SCRATCH(sb, 3200);
    aml_device(&sb, "PCI0", &dev);
    AML_SCRATCH(scope, 3300);
    aml_scope_sb(&scope, &sb);

    if (scope.overflow || scope.len > sizeof(p->aml)) {
        log_error("x86: the PCI AML does not fit");
        return -ENOSPC;
    }
    memcpy(p->aml, scope.p, scope.len);
    p->aml_len = scope.len;
    return 0;
}

const uint8_t *x86_pci_dsdt_aml(const struct x86_pci *p, size_t *len)
{
    *len = p->aml_len;
    return p->aml;
}

/* ---- Bus and devices */

int x86_pci_create(struct vm *vm, const struct mmio_ops *cf9_ops, void *cf9_opaque,
                   struct x86_pci **out)
{
    struct x86_pci *p = calloc(1, sizeof(*p));
    if (!p) {
        log_error("x86: out of memory");
        return -ENOMEM;
    }
    *out = p;
    p->vm = vm;
    struct pci_host_config cfg = {
        .mmio_base = X86_PCI_MMIO_BASE,
        .mmio_size = X86_PCI_MMIO_END - X86_PCI_MMIO_BASE,
        .io_base = X86_PCI_IO_BASE,
        .io_size = X86_PCI_IO_END - X86_PCI_IO_BASE,
        .msi = {.send = msi_send, .opaque = vm},
        .cf9_ops = cf9_ops,
        .cf9_opaque = cf9_opaque,
    };
    for (unsigned i = 0; i < 4; i++)
        cfg.intx[i] = (struct irq_line){.set = gsi_set, .opaque = vm, .num = X86_PCI_GSI_BASE + i};
    int r = board_pci_create(vm, &cfg, &p->bus);
    struct pci_host *host = r == 0 ? p->bus->host : NULL;
    if (r == 0)
        r = addr_map_add(&vm->pio, PCI_HOST_CFG_ADDR_PORT, 4, &pci_host_cfg_addr_ops, host,
                         "pci-config-address");
    if (r == 0)
        r = addr_map_add(&vm->pio, PCI_HOST_CFG_DATA_PORT, 4, &pci_host_cfg_data_ops, host,
                         "pci-config-data");
    if (r == 0)
        r = addr_map_add(&vm->pio, X86_PCI_IO_BASE, X86_PCI_IO_END - X86_PCI_IO_BASE,
                         &pci_host_io_ops, host, "pci-io-window");
    if (r == 0)
        r = addr_map_add(&vm->mmio, X86_PCI_MMIO_BASE, X86_PCI_MMIO_END - X86_PCI_MMIO_BASE,
                         &pci_host_mmio_ops, host, "pci-mmio-window");
    if (r == 0)
        r = build_aml(p);
    return r;
}

/* Each queue's notify address becomes a doorbell the accel can absorb (KVM ioeventfd). */
static int add_doorbells(struct x86_pci *p, struct virtio_pci *vp)
{
    struct vm *vm = p->vm;
    uint64_t addr;

    for (unsigned q = 0; virtio_pci_notify_addr(vp, q, &addr); q++) {
        if (vm->ndoorbells == VM_MAX_DOORBELLS) {
            log_error("x86: too many virtio queues for the doorbell table");
            return -ENOSPC;
        }
        vm->doorbells[vm->ndoorbells++] = (struct vm_doorbell){
            .addr = addr,
            .value = q,
            .len = VIRTIO_PCI_NOTIFY_LEN,
            .exclusive = true, /* notify_off_multiplier gives each queue its own address */
            .fd = virtio_pci_queue_notify_fd(vp, q),
        };
    }
    return 0;
}

int x86_pci_add_disks(struct x86_pci *p, const struct drive_config *const *drives, unsigned n)
{
    int r = board_pci_add_disks(p->bus, drives, n);
    for (unsigned i = 0; r == 0 && i < p->bus->ndisks; i++)
        r = add_doorbells(p, p->bus->disks[i].vp);
    return r;
}

int x86_pci_reset(struct x86_pci *p)
{
    /* Same functions, same order: the BARs land where the doorbells already are. */
    return board_pci_reset(p->bus);
}

void x86_pci_destroy(struct x86_pci *p)
{
    if (!p)
        return;
    board_pci_destroy(p->bus);
    free(p);
}
