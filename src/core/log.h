/* Logging, error messages and -d trace flags. */
#ifndef KVMU_CORE_LOG_H
#define KVMU_CORE_LOG_H

#include <stdbool.h>
#include <stdint.h>

/* -d trace categories (comma-separated names on the command line). */
enum trace_flag {
    TRACE_GUEST_ERRORS = 1u << 0, /* "guest_errors": guest misuse of devices */
    TRACE_UNIMP = 1u << 1,        /* "unimp": unassigned / unimplemented accesses */
    TRACE_INT = 1u << 2,          /* "int": interrupts and exceptions taken */
    TRACE_MMIO = 1u << 3,         /* "mmio": every device register access */
    TRACE_VIRTIO = 1u << 4,       /* "virtio": virtqueue processing */
    TRACE_EXEC = 1u << 5,         /* "exec": every executed block/instruction (slow) */
    TRACE_CPU = 1u << 6,          /* "cpu": register dump at each block (very slow) */
    TRACE_IN_ASM = 1u << 7,       /* "in_asm": guest code of each block the JIT translates */
    TRACE_OUT_ASM = 1u << 8,      /* "out_asm": host code the JIT emits for each block */
};

/* Trace mask is set once by main before any thread starts and read-only afterwards. */
extern uint32_t log_trace_mask_value;

static inline bool log_trace_on(enum trace_flag f)
{
    return (log_trace_mask_value & f) != 0;
}

/* Parse "guest_errors,int" → mask; returns -EINVAL and fills *bad with the unknown name. */
int log_parse_trace_flags(const char *spec, uint32_t *mask, const char **bad, unsigned *bad_len);
/* "help" text listing the categories. */
void log_print_trace_help(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_trace(enum trace_flag f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define TRACE(flag, ...)                                                                           \
    do {                                                                                           \
        if (log_trace_on(flag))                                                                    \
            log_trace(flag, __VA_ARGS__);                                                          \
    } while (0)

#endif
