#include "machines/board_common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backends/blockdev.h"
#include "backends/chardev.h"
#include "cli/config.h"
#include "core/log.h"
#include "core/vm.h"
#include "devices/pci_host.h"
#include "devices/virtio_blk.h"
#include "devices/virtio_mmio.h"
#include "devices/virtio_pci.h"

static void board_poweroff(void *opaque, int code)
{
    vm_request_shutdown(opaque, code);
}

static void board_reset_request(void *opaque)
{
    vm_request_reset(opaque);
}

static void board_quit(void *opaque)
{
    vm_request_shutdown(opaque, 0);
}

int board_create_serial(struct vm *vm, struct chardev **out)
{
    const struct vm_config *cfg = vm->cfg;
    const struct serial_config *s = cfg->nserial ? &cfg->serial[0] : NULL;
    int r;

    if (!s || s->kind == SERIAL_STDIO)
        r = chardev_stdio_create(vm->loop, out);
    else if (s->kind == SERIAL_FILE)
        r = chardev_file_create(s->path, out);
    else
        r = chardev_null_create(out);
    if (r < 0)
        return r;
    chardev_set_quit_handler(*out, board_quit, vm);
    return 0;
}

struct power_ops board_power_ops(struct vm *vm)
{
    return (struct power_ops){board_poweroff, board_reset_request, vm};
}

static enum board_virtio_bus device_bus(const struct device_config *dev)
{
    return dev->kind == DEVICE_VIRTIO_BLK_PCI ? BOARD_BUS_PCI : BOARD_BUS_VIRTIO_MMIO;
}

/* The drive a -device names, checked as QEMU would: virtio-blk-pci needs a PCI bus,
 * virtio-blk-device a virtio-mmio one. */
static const struct drive_config *device_drive(const struct vm_config *cfg,
                                               const struct device_config *dev, unsigned buses)
{
    bool pci = device_bus(dev) == BOARD_BUS_PCI;
    const char *name = pci ? "virtio-blk-pci" : "virtio-blk-device";
    if (!(buses & device_bus(dev))) {
        log_error("-device %s: No '%s' bus found for device '%s'", name, pci ? "PCI" : "virtio-bus",
                  name);
        return NULL;
    }
    /* The parser already refused a drive that has a device of its own (if=virtio). */
    for (unsigned j = 0; j < cfg->ndrives; j++)
        if (cfg->drives[j].id && !strcmp(cfg->drives[j].id, dev->drive))
            return &cfg->drives[j];
    log_error("-device %s: drive '%s' not found", name, dev->drive);
    return NULL;
}

int board_collect_disks(const struct vm_config *cfg, enum board_virtio_bus bus,
                        enum board_virtio_bus if_virtio_bus, unsigned buses,
                        const struct drive_config **disks, unsigned *n)
{
    *n = 0;
    for (unsigned i = 0; bus == if_virtio_bus && i < cfg->ndrives; i++)
        if (cfg->drives[i].interface == DRIVE_IF_VIRTIO || !cfg->drives[i].if_given)
            disks[(*n)++] = &cfg->drives[i];
    for (unsigned i = 0; i < cfg->ndevices; i++) {
        const struct drive_config *d = device_drive(cfg, &cfg->devices[i], buses);
        if (!d)
            return -EINVAL;
        if (device_bus(&cfg->devices[i]) == bus)
            disks[(*n)++] = d;
    }
    return 0;
}

int board_disk_open(const struct drive_config *d, struct board_disk *disk)
{
    if (!d->format_given)
        blockdev_warn_format_probe(d->file);
    int r = blockdev_raw_open(d->file, d->readonly, d->locking, &disk->bdev);
    if (r < 0)
        return r;
    disk->bdev->discard = d->discard_unmap;
    disk->bdev->writethrough =
        d->cache && (!strcmp(d->cache, "writethrough") || !strcmp(d->cache, "directsync"));
    disk->bdev->ignore_flush = d->cache && !strcmp(d->cache, "unsafe");
    if (d->cache && (!strcmp(d->cache, "none") || !strcmp(d->cache, "directsync"))) {
        r = blockdev_set_direct(disk->bdev, d->file);
        if (r < 0)
            return r; /* the caller closes the disk */
    }
    return virtio_blk_create(disk->bdev, d->id ? d->id : "", &disk->vdev);
}

void board_disk_close(struct board_disk *disk)
{
    if (disk->vdev)
        virtio_device_destroy(disk->vdev);
    if (disk->bdev)
        blockdev_destroy(disk->bdev);
    disk->vdev = NULL;
    disk->bdev = NULL;
}

int board_mmio_disk_create(struct vm *vm, const struct drive_config *d, struct irq_line irq,
                           uint64_t base, uint64_t size, struct board_mmio_disk *out)
{
    int r = board_disk_open(d, &out->disk);
    if (r < 0)
        return r;
    r = virtio_mmio_create(&vm->mem, vm->loop, irq, out->disk.vdev, &out->transport);
    if (r < 0)
        return r;
    return addr_map_add(&vm->mmio, base, size, &virtio_mmio_mmio_ops, out->transport,
                        "virtio-mmio");
}

void board_mmio_disk_destroy(struct board_mmio_disk *s)
{
    if (s->transport)
        virtio_mmio_destroy(s->transport);
    s->transport = NULL;
    board_disk_close(&s->disk);
}

int board_pci_create(struct vm *vm, const struct pci_host_config *cfg, struct board_pci **out)
{
    struct board_pci *p = calloc(1, sizeof(*p));
    if (!p) {
        log_error("pci: out of memory");
        return -ENOMEM;
    }
    *out = p;
    p->vm = vm;
    return pci_host_create(cfg, &p->host);
}

int board_pci_add_disks(struct board_pci *p, const struct drive_config *const *drives, unsigned n)
{
    struct vm *vm = p->vm;
    int r;

    if (n > BOARD_PCI_MAX_DISKS) {
        log_error("too many virtio-blk-pci disks: the PCI bus has %d free slots",
                  BOARD_PCI_MAX_DISKS);
        return -EINVAL;
    }
    for (unsigned i = 0; i < n; i++) {
        struct board_pci_disk *disk = &p->disks[i];

        p->ndisks = i + 1;
        r = board_disk_open(drives[i], &disk->disk);
        if (r < 0)
            return r;
        r = virtio_pci_create(&vm->mem, vm->loop, disk->disk.vdev, &disk->vp);
        if (r < 0)
            return r;
        r = pci_host_plug(p->host, 1 + i, virtio_pci_function(disk->vp));
        if (r < 0)
            return r;
    }
    return pci_host_assign_bars(p->host);
}

int board_pci_reset(struct board_pci *p)
{
    for (unsigned i = 0; i < p->ndisks; i++)
        if (p->disks[i].vp)
            virtio_pci_reset(p->disks[i].vp);
    return pci_host_reset(p->host);
}

void board_pci_destroy(struct board_pci *p)
{
    if (!p)
        return;
    if (p->host)
        pci_host_destroy(p->host);
    for (unsigned i = 0; i < BOARD_PCI_MAX_DISKS; i++) {
        struct board_pci_disk *d = &p->disks[i];
        if (d->vp)
            virtio_pci_destroy(d->vp);
        board_disk_close(&d->disk);
    }
    free(p);
}
