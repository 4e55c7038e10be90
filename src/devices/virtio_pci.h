/*
 * virtio over PCI, modern interface only (virtio 1.x, 4.1): a PCI function (device id 0x1040 +
 * virtio id) whose 64-bit memory BAR 4 holds the common, ISR, device and notification
 * structures, found through vendor capabilities; MSI-X (BAR 1) with a vector per queue plus one
 * for configuration changes, INTx + ISR when MSI-X is off. As with virtio-mmio, a queue kick
 * only signals that queue's eventfd and the event loop runs the device, so KVM can absorb kicks
 * with an ioeventfd on virtio_pci_notify_addr().
 */
#ifndef KVMU_DEVICES_VIRTIO_PCI_H
#define KVMU_DEVICES_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

struct event_loop;
struct guest_mem;
struct pci_device;
struct virtio_device;
struct virtio_pci;

/* Bytes a kick writes at its notify address: the queue index as a 16-bit value. */
#define VIRTIO_PCI_NOTIFY_LEN 2

/* Binds dev to a new PCI function (dev must outlive it). Returns 0, -ENOMEM, -EINVAL (too many
 * queues) or the errno of eventfd/event-loop registration. */
int virtio_pci_create(struct guest_mem *mem, struct event_loop *loop, struct virtio_device *dev,
                      struct virtio_pci **out) __attribute__((warn_unused_result));
/* The function to plug into a PCI host. */
struct pci_device *virtio_pci_function(struct virtio_pci *vp);
/* The eventfd that kicks queue q; -1 if q does not exist. */
int virtio_pci_queue_notify_fd(const struct virtio_pci *vp, unsigned q);
/* The guest-physical address whose 16-bit write of q kicks queue q, with the BARs as they are
 * decoded now. False if q does not exist or the BAR is not mapped. */
bool virtio_pci_notify_addr(struct virtio_pci *vp, unsigned q, uint64_t *addr);
/* Device reset as if the driver wrote 0 to device_status (the PCI function is reset by the
 * host). */
void virtio_pci_reset(struct virtio_pci *vp);
/* Call after the event loop stopped and the host is gone; does not destroy the device. */
void virtio_pci_destroy(struct virtio_pci *vp);

#endif
