#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * The one process-wide mutable variable: the trace mask. main() writes it once, before any
 * thread exists; afterwards it is only read. Threading it through every device call would
 * cost more clarity than it buys.
 */
uint32_t log_trace_mask_value;

struct trace_name {
    const char *name;
    uint32_t flag;
    const char *help;
};

static const struct trace_name trace_names[] = {
    {"guest_errors", TRACE_GUEST_ERRORS, "guest misuse of devices (bad descriptors, ...)"},
    {"unimp", TRACE_UNIMP, "accesses to unassigned or unimplemented registers"},
    {"int", TRACE_INT, "interrupts and exceptions taken by the CPU"},
    {"mmio", TRACE_MMIO, "every device register access"},
    {"virtio", TRACE_VIRTIO, "virtqueue processing"},
    {"exec", TRACE_EXEC, "every executed instruction (slow)"},
    {"cpu", TRACE_CPU, "CPU registers before each instruction (very slow)"},
    {"in_asm", TRACE_IN_ASM, "guest instructions of each block the JIT translates"},
    {"out_asm", TRACE_OUT_ASM, "host code bytes the JIT emits per block (objdump -b binary)"},
};

int log_parse_trace_flags(const char *spec, uint32_t *mask, const char **bad, unsigned *bad_len)
{
    uint32_t m = 0;
    const char *p = spec;

    while (*p) {
        size_t len = strcspn(p, ",");
        bool found = false;

        for (size_t i = 0; i < sizeof(trace_names) / sizeof(trace_names[0]); i++) {
            if (strlen(trace_names[i].name) == len && !strncmp(p, trace_names[i].name, len)) {
                m |= trace_names[i].flag;
                found = true;
            }
        }
        if (!found && len) {
            *bad = p;
            *bad_len = (unsigned)len;
            return -EINVAL;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    *mask = m;
    return 0;
}

void log_print_trace_help(void)
{
    printf("Log items (comma separated):\n");
    for (size_t i = 0; i < sizeof(trace_names) / sizeof(trace_names[0]); i++)
        printf("%-13s %s\n", trace_names[i].name, trace_names[i].help);
}

static void log_vprint(const char *prefix, const char *fmt, va_list ap)
{
    /* One fprintf per line so lines from different threads do not interleave. */
    char buf[1024];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);

    if (n < 0)
        return;
    fprintf(stderr, "kvmu: %s%s%s\n", prefix, buf, (size_t)n >= sizeof(buf) ? "..." : "");
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vprint("", fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vprint("warning: ", fmt, ap);
    va_end(ap);
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vprint("", fmt, ap);
    va_end(ap);
}

void log_trace(enum trace_flag f, const char *fmt, ...)
{
    va_list ap;
    const char *name = "trace";

    for (size_t i = 0; i < sizeof(trace_names) / sizeof(trace_names[0]); i++)
        if (trace_names[i].flag == (uint32_t)f)
            name = trace_names[i].name;
    char prefix[32];
    snprintf(prefix, sizeof(prefix), "[%s] ", name);
    va_start(ap, fmt);
    log_vprint(prefix, fmt, ap);
    va_end(ap);
}
