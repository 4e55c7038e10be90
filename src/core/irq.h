/* An interrupt line: how a device raises an interrupt without knowing who receives it. */
#ifndef KVMU_CORE_IRQ_H
#define KVMU_CORE_IRQ_H

#include <stdbool.h>
#include <stdint.h>

struct irq_line {
    /* Level-triggered: called with level=true while the source asserts the line. Must be
     * safe to call from any thread; the receiver serialises internally. */
    void (*set)(void *opaque, unsigned num, bool level);
    void *opaque;
    unsigned num;
};

static inline void irq_line_set(const struct irq_line *line, bool level)
{
    if (line->set)
        line->set(line->opaque, line->num, level);
}

/* Where a device sends message-signalled interrupts (PCI MSI/MSI-X): the 32-bit `data` written
 * to `addr`, as the device's capability was programmed by the guest. The receiver (an accel's
 * interrupt controller) decodes the message; devices never interpret it. Any thread. */
struct msi_target {
    void (*send)(void *opaque, uint64_t addr, uint32_t data);
    void *opaque;
};

static inline void msi_target_send(const struct msi_target *t, uint64_t addr, uint32_t data)
{
    if (t->send)
        t->send(t->opaque, addr, data);
}

#endif
