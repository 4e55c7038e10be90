/*
 * National Semiconductor 16550A UART: byte registers at stride 1, a 16-byte receive FIFO, and
 * a level-triggered interrupt line. Transmitted bytes go straight to the chardev, so the
 * transmitter is always empty. Used as MMIO on RISC-V `virt` and as port I/O 0x3f8 on x86.
 */
#ifndef KVMU_DEVICES_UART16550_H
#define KVMU_DEVICES_UART16550_H

#include "core/addrmap.h"
#include "core/irq.h"

#define UART16550_REGION_SIZE 0x100

struct chardev;
struct uart16550;

extern const struct mmio_ops uart16550_mmio_ops;

/* Attaches itself as chr's frontend. chr may be NULL (output dropped, no input). chr must
 * outlive the UART. Returns 0 or -ENOMEM. */
int uart16550_create(struct chardev *chr, struct irq_line irq, struct uart16550 **out)
    __attribute__((warn_unused_result));
/* Power-on register state; lowers the interrupt line. */
void uart16550_reset(struct uart16550 *u);
void uart16550_destroy(struct uart16550 *u);

#endif
