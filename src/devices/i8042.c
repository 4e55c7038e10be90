#include "devices/i8042.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/log.h"

#define STATUS_OBF 0x01      /* output buffer full: a byte waits at 0x60 */
#define STATUS_SYS 0x04      /* passed self test */
#define STATUS_CMD 0x08      /* last write was a command */
#define STATUS_UNLOCKED 0x10 /* keyboard not inhibited by the keylock */
#define STATUS_AUXOBF 0x20   /* the byte is from the mouse port */

#define CMD_READ_CTR 0x20
#define CMD_WRITE_CTR 0x60
#define CMD_AUX_DISABLE 0xa7
#define CMD_AUX_ENABLE 0xa8
#define CMD_AUX_TEST 0xa9
#define CMD_SELF_TEST 0xaa
#define CMD_KBD_TEST 0xab
#define CMD_KBD_DISABLE 0xad
#define CMD_KBD_ENABLE 0xae
#define CMD_READ_OUTPORT 0xd0
#define CMD_WRITE_OUTPORT 0xd1
#define CMD_WRITE_AUX 0xd4
#define CMD_PULSE_RESET 0xfe

#define OUTPORT_RESET_N 0x01 /* 0 holds the CPU in reset */
#define OUTPORT_A20 0x02

#define SELF_TEST_OK 0x55
#define PORT_TEST_OK 0x00
#define PORT_TEST_CLOCK_STUCK 0x01 /* what Linux reads as "no device on this port" */

struct i8042 {
    struct power_ops ops;
    pthread_mutex_t lock;
    uint8_t status, ctr, outport;
    uint8_t out;         /* the byte readable at 0x60 when STATUS_OBF */
    uint8_t pending_cmd; /* a command waiting for its data byte, or 0 */
};

static void put_output(struct i8042 *k, uint8_t byte)
{
    k->out = byte;
    k->status |= STATUS_OBF;
    k->status &= ~STATUS_AUXOBF;
}

static uint64_t data_read(void *opaque, uint64_t offset, unsigned size)
{
    struct i8042 *k = opaque;
    (void)offset;
    (void)size;
    pthread_mutex_lock(&k->lock);
    uint8_t v = k->out;
    k->status &= ~STATUS_OBF;
    pthread_mutex_unlock(&k->lock);
    return v;
}

/* Returns true if the write asked for a CPU reset. */
static bool data_write_locked(struct i8042 *k, uint8_t v)
{
    k->status &= ~STATUS_CMD;
    switch (k->pending_cmd) {
    case CMD_WRITE_CTR:
        k->ctr = v;
        break;
    case CMD_WRITE_OUTPORT:
        k->outport = v;
        k->pending_cmd = 0;
        return !(v & OUTPORT_RESET_N);
    case CMD_WRITE_AUX:
        break; /* no mouse: the byte is lost, as with nothing plugged in */
    default:
        /* A byte for the keyboard, which is not there: no answer; Linux times out. */
        break;
    }
    k->pending_cmd = 0;
    return false;
}

static void data_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct i8042 *k = opaque;
    (void)offset;
    (void)size;
    pthread_mutex_lock(&k->lock);
    bool reset = data_write_locked(k, (uint8_t)value);
    pthread_mutex_unlock(&k->lock);
    if (reset && k->ops.reset)
        k->ops.reset(k->ops.opaque);
}

static uint64_t cmd_read(void *opaque, uint64_t offset, unsigned size)
{
    struct i8042 *k = opaque;
    (void)offset;
    (void)size;
    pthread_mutex_lock(&k->lock);
    uint8_t v = k->status;
    pthread_mutex_unlock(&k->lock);
    return v;
}

static bool cmd_write_locked(struct i8042 *k, uint8_t cmd)
{
    k->status |= STATUS_CMD;
    k->pending_cmd = 0;
    switch (cmd) {
    case CMD_READ_CTR:
        put_output(k, k->ctr);
        break;
    case CMD_WRITE_CTR:
    case CMD_WRITE_OUTPORT:
    case CMD_WRITE_AUX:
        k->pending_cmd = cmd;
        break;
    case CMD_SELF_TEST:
        put_output(k, SELF_TEST_OK);
        break;
    case CMD_KBD_TEST:
    case CMD_AUX_TEST:
        put_output(k, PORT_TEST_CLOCK_STUCK);
        break;
    case CMD_READ_OUTPORT:
        put_output(k, k->outport);
        break;
    case CMD_KBD_DISABLE:
    case CMD_KBD_ENABLE:
    case CMD_AUX_DISABLE:
    case CMD_AUX_ENABLE:
        break;
    case CMD_PULSE_RESET:
        return true;
    default:
        /* 0xf0-0xff pulse output lines; bit 0 of the low nibble clear pulses reset. */
        if (cmd >= 0xf0)
            return !(cmd & 1);
        TRACE(TRACE_GUEST_ERRORS, "i8042: command 0x%02x ignored", cmd);
        break;
    }
    return false;
}

static void cmd_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct i8042 *k = opaque;
    (void)offset;
    (void)size;
    pthread_mutex_lock(&k->lock);
    bool reset = cmd_write_locked(k, (uint8_t)value);
    pthread_mutex_unlock(&k->lock);
    if (reset && k->ops.reset)
        k->ops.reset(k->ops.opaque);
}

const struct mmio_ops i8042_data_ops = {.read = data_read, .write = data_write, .access_sizes = 1};
const struct mmio_ops i8042_cmd_ops = {.read = cmd_read, .write = cmd_write, .access_sizes = 1};

int i8042_create(const struct power_ops *ops, struct i8042 **out)
{
    struct i8042 *k = calloc(1, sizeof(*k));
    if (!k) {
        log_error("i8042: out of memory");
        return -ENOMEM;
    }
    k->ops = *ops;
    pthread_mutex_init(&k->lock, NULL);
    i8042_reset(k);
    *out = k;
    return 0;
}

void i8042_reset(struct i8042 *k)
{
    pthread_mutex_lock(&k->lock);
    k->status = STATUS_SYS | STATUS_UNLOCKED;
    k->ctr = 0x00; /* interrupts off, translation off: nothing to report anyway */
    k->outport = OUTPORT_RESET_N | OUTPORT_A20;
    k->out = 0;
    k->pending_cmd = 0;
    pthread_mutex_unlock(&k->lock);
}

void i8042_destroy(struct i8042 *k)
{
    if (!k)
        return;
    pthread_mutex_destroy(&k->lock);
    free(k);
}
