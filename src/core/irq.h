/* An interrupt line: how a device raises an interrupt without knowing who receives it. */
#ifndef KVMU_CORE_IRQ_H
#define KVMU_CORE_IRQ_H

#include <stdbool.h>

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

#endif
