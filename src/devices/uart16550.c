#include "devices/uart16550.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "backends/chardev.h"
#include "core/log.h"

#define FIFO_SIZE 16

enum uart_reg {
    REG_RBR_THR = 0,
    REG_IER,
    REG_IIR_FCR,
    REG_LCR,
    REG_MCR,
    REG_LSR,
    REG_MSR,
    REG_SCR
};

#define IER_ERBFI 0x01 /* received data available */
#define IER_ETBEI 0x02 /* transmitter holding register empty */
#define IER_ELSI 0x04  /* receiver line status */
#define IER_EDSSI 0x08 /* modem status */
#define IER_MASK 0x0f

#define IIR_NO_INT 0x01
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_CTI 0x0c
#define IIR_FIFO_ENABLED 0xc0

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_DMA_MODE 0x08
#define FCR_TRIGGER_MASK 0xc0

#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_PE 0x04
#define LSR_FE 0x08
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_ERRORS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_DELTAS 0x0f
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

/* Receive trigger levels selected by FCR bits 7:6. */
static const unsigned rx_trigger_levels[4] = {1, 4, 8, 14};

struct uart16550 {
    pthread_mutex_t lock; /* CPU threads (registers) vs the event loop (input) */
    struct chardev *chr;
    struct irq_line irq;
    bool irq_level;

    uint8_t rx_fifo[FIFO_SIZE];
    unsigned rx_head, rx_count;

    uint8_t ier, fcr, lcr, mcr, lsr, msr, scr, dll, dlm;
    /* THRE interrupt latched: set when the holding register empties (or ETBEI is enabled while
     * it is empty), cleared by reading IIR while it is the reported cause, or by writing THR. */
    bool thr_ipending;
};

static bool fifo_enabled(const struct uart16550 *u)
{
    return u->fcr & FCR_ENABLE;
}

/* Without FIFOs the 16550 behaves like a 16450: one holding register. */
static unsigned rx_capacity(const struct uart16550 *u)
{
    return fifo_enabled(u) ? FIFO_SIZE : 1;
}

/* The highest-priority pending interrupt, as IIR bits 3:0. */
static uint8_t pending_interrupt(const struct uart16550 *u)
{
    if ((u->ier & IER_ELSI) && (u->lsr & LSR_ERRORS))
        return IIR_RLSI;
    if ((u->ier & IER_ERBFI) && u->rx_count > 0) {
        if (!fifo_enabled(u))
            return IIR_RDI;
        if (u->rx_count >= rx_trigger_levels[u->fcr >> 6])
            return IIR_RDI;
        /* Input arrives from the host in bursts, so the wait of four character times before a
         * timeout would only add latency: report the timeout at once. */
        return IIR_CTI;
    }
    if ((u->ier & IER_ETBEI) && u->thr_ipending)
        return IIR_THRI;
    if ((u->ier & IER_EDSSI) && (u->msr & MSR_DELTAS))
        return IIR_MSI;
    return IIR_NO_INT;
}

static void update_irq(struct uart16550 *u)
{
    bool level = pending_interrupt(u) != IIR_NO_INT;

    if (level != u->irq_level) {
        u->irq_level = level;
        irq_line_set(&u->irq, level);
    }
}

static void rx_clear(struct uart16550 *u)
{
    u->rx_head = 0;
    u->rx_count = 0;
    u->lsr &= ~LSR_DR;
}

/* Queue one received byte; overflow drops it and flags OE as the hardware does. */
static void rx_push(struct uart16550 *u, uint8_t c)
{
    if (u->rx_count >= rx_capacity(u)) {
        u->lsr |= LSR_OE;
        return;
    }
    u->rx_fifo[(u->rx_head + u->rx_count) % FIFO_SIZE] = c;
    u->rx_count++;
    u->lsr |= LSR_DR;
}

static uint8_t rx_pop(struct uart16550 *u)
{
    if (u->rx_count == 0)
        return 0;
    uint8_t c = u->rx_fifo[u->rx_head];
    u->rx_head = (u->rx_head + 1) % FIFO_SIZE;
    if (--u->rx_count == 0)
        u->lsr &= ~LSR_DR;
    return c;
}

/* In loopback the modem inputs are wired to the modem outputs. */
static uint8_t modem_status_bits(const struct uart16550 *u)
{
    if (!(u->mcr & MCR_LOOP))
        return MSR_DCD | MSR_DSR | MSR_CTS;
    uint8_t s = 0;
    if (u->mcr & MCR_RTS)
        s |= MSR_CTS;
    if (u->mcr & MCR_DTR)
        s |= MSR_DSR;
    if (u->mcr & MCR_OUT1)
        s |= MSR_RI;
    if (u->mcr & MCR_OUT2)
        s |= MSR_DCD;
    return s;
}

static void update_msr(struct uart16550 *u)
{
    uint8_t now = modem_status_bits(u);
    uint8_t old = u->msr & ~MSR_DELTAS;
    uint8_t delta = 0;

    if ((now ^ old) & MSR_CTS)
        delta |= MSR_DCTS;
    if ((now ^ old) & MSR_DSR)
        delta |= MSR_DDSR;
    if ((old & MSR_RI) && !(now & MSR_RI))
        delta |= MSR_TERI; /* trailing edge only */
    if ((now ^ old) & MSR_DCD)
        delta |= MSR_DDCD;
    u->msr = now | (u->msr & MSR_DELTAS) | delta;
}

static void reset_locked(struct uart16550 *u)
{
    rx_clear(u);
    u->ier = 0;
    u->fcr = 0;
    u->lcr = 0;
    u->mcr = 0;
    u->lsr = LSR_THRE | LSR_TEMT;
    u->msr = modem_status_bits(u);
    u->scr = 0;
    u->dll = 0x0c; /* 9600 baud at 1.8432 MHz, a conventional power-on value */
    u->dlm = 0;
    u->thr_ipending = false;
    update_irq(u);
}

/* Returns true when room was made in the receive path, so the backend may resume. */
static uint64_t uart_read_locked(struct uart16550 *u, unsigned reg, bool *made_room)
{
    uint8_t v;

    switch (reg) {
    case REG_RBR_THR:
        if (u->lcr & LCR_DLAB)
            return u->dll;
        v = rx_pop(u);
        *made_room = true;
        update_irq(u);
        return v;
    case REG_IER:
        return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
    case REG_IIR_FCR:
        v = pending_interrupt(u);
        /* Reading IIR acknowledges a THRE interrupt (the lowest-cost way Linux clears it). */
        if (v == IIR_THRI) {
            u->thr_ipending = false;
            update_irq(u);
        }
        return v | (fifo_enabled(u) ? IIR_FIFO_ENABLED : 0);
    case REG_LCR:
        return u->lcr;
    case REG_MCR:
        return u->mcr;
    case REG_LSR:
        v = u->lsr;
        if (v & LSR_ERRORS) {
            u->lsr &= ~LSR_ERRORS;
            update_irq(u);
        }
        return v;
    case REG_MSR:
        v = u->msr;
        if (v & MSR_DELTAS) {
            u->msr &= ~MSR_DELTAS;
            update_irq(u);
        }
        return v;
    case REG_SCR:
        return u->scr;
    }
    return 0;
}

static uint64_t uart_read(void *opaque, uint64_t offset, unsigned size)
{
    struct uart16550 *u = opaque;
    bool made_room = false;
    (void)size;

    if (offset > REG_SCR)
        return 0;
    pthread_mutex_lock(&u->lock);
    uint64_t v = uart_read_locked(u, (unsigned)offset, &made_room);
    pthread_mutex_unlock(&u->lock);
    /* Outside the lock: the backend may call can_receive() straight back. */
    if (made_room)
        chardev_accept_input(u->chr);
    return v;
}

static void transmit(struct uart16550 *u, uint8_t c)
{
    if (u->mcr & MCR_LOOP) {
        rx_push(u, c);
    } else if (u->chr) {
        /* Written under the lock so bytes from several harts stay in register-write order. */
        if (chardev_write(u->chr, &c, 1) < 0)
            TRACE(TRACE_GUEST_ERRORS, "uart16550: output lost (backend error)");
    }
    /* The byte left at once, so the holding register is empty again. */
    u->lsr |= LSR_THRE | LSR_TEMT;
    u->thr_ipending = true;
}

static void write_fcr(struct uart16550 *u, uint8_t v, bool *made_room)
{
    /* Toggling FIFO enable clears both FIFOs, as on the real part. */
    if ((v ^ u->fcr) & FCR_ENABLE)
        v |= FCR_CLEAR_RX | FCR_CLEAR_TX;
    if (v & FCR_CLEAR_RX) {
        rx_clear(u);
        *made_room = true;
    }
    /* The transmit FIFO is always empty: nothing to clear. Bits 1-2 self-clear. */
    u->fcr = v & (FCR_ENABLE | FCR_DMA_MODE | FCR_TRIGGER_MASK);
    if (!fifo_enabled(u))
        u->fcr = 0;
}

static void uart_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct uart16550 *u = opaque;
    uint8_t v = (uint8_t)value;
    bool made_room = false;
    (void)size;

    if (offset > REG_SCR)
        return;
    pthread_mutex_lock(&u->lock);
    switch ((unsigned)offset) {
    case REG_RBR_THR:
        if (u->lcr & LCR_DLAB) {
            u->dll = v;
        } else {
            u->thr_ipending = false;
            transmit(u, v);
        }
        break;
    case REG_IER:
        if (u->lcr & LCR_DLAB) {
            u->dlm = v;
        } else {
            uint8_t changed = (u->ier ^ v) & IER_MASK;
            u->ier = v & IER_MASK;
            /* Enabling ETBEI while the holding register is empty raises THRE at once; Linux
             * relies on this to start transmission. */
            if (changed & IER_ETBEI)
                u->thr_ipending = (u->ier & IER_ETBEI) && (u->lsr & LSR_THRE);
        }
        break;
    case REG_IIR_FCR:
        write_fcr(u, v, &made_room);
        break;
    case REG_LCR:
        u->lcr = v;
        break;
    case REG_MCR: {
        bool was_loop = u->mcr & MCR_LOOP;
        u->mcr = v & MCR_MASK;
        update_msr(u);
        if (was_loop && !(u->mcr & MCR_LOOP))
            made_room = true; /* host input is connected again */
        break;
    }
    case REG_LSR:
    case REG_MSR:
        break; /* read-only (factory test registers on some parts) */
    case REG_SCR:
        u->scr = v;
        break;
    }
    update_irq(u);
    pthread_mutex_unlock(&u->lock);
    if (made_room)
        chardev_accept_input(u->chr);
}

const struct mmio_ops uart16550_mmio_ops = {
    .read = uart_read,
    .write = uart_write,
    .access_sizes = 1 | 2 | 4,
};

static size_t uart_can_receive(void *opaque)
{
    struct uart16550 *u = opaque;
    size_t room = 0;

    pthread_mutex_lock(&u->lock);
    /* In loopback the receiver is disconnected from the line: leave host input queued. */
    if (!(u->mcr & MCR_LOOP))
        room = rx_capacity(u) - u->rx_count;
    pthread_mutex_unlock(&u->lock);
    return room;
}

static void uart_receive(void *opaque, const uint8_t *buf, size_t len)
{
    struct uart16550 *u = opaque;

    pthread_mutex_lock(&u->lock);
    for (size_t i = 0; i < len; i++)
        rx_push(u, buf[i]);
    update_irq(u);
    pthread_mutex_unlock(&u->lock);
}

int uart16550_create(struct chardev *chr, struct irq_line irq, struct uart16550 **out)
{
    struct uart16550 *u = calloc(1, sizeof(*u));
    if (!u) {
        log_error("uart16550: out of memory");
        return -ENOMEM;
    }
    pthread_mutex_init(&u->lock, NULL);
    u->chr = chr;
    u->irq = irq;
    reset_locked(u);
    if (chr)
        chardev_set_frontend(chr, uart_can_receive, uart_receive, u);
    *out = u;
    return 0;
}

void uart16550_reset(struct uart16550 *u)
{
    pthread_mutex_lock(&u->lock);
    reset_locked(u);
    pthread_mutex_unlock(&u->lock);
    chardev_accept_input(u->chr);
}

void uart16550_destroy(struct uart16550 *u)
{
    if (!u)
        return;
    if (u->chr)
        chardev_set_frontend(u->chr, NULL, NULL, NULL);
    pthread_mutex_destroy(&u->lock);
    free(u);
}
