/* Internal to src/cli: option-list lexing, number parsing and the const tables help prints. */
#ifndef KVMU_CLI_OPTS_H
#define KVMU_CLI_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/config.h"

struct cli_parser {
    struct vm_config *cfg;
    const char *opt; /* the option being handled, single-dash form ("-drive"), for messages */
    char *err;
    size_t errlen;
};

/* Writes the one-line message and returns -EINVAL, so handlers can `return cli_fail(...)`. */
int cli_fail(struct cli_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Copies len bytes of s into cfg->strings, NUL-terminated; NULL (with err set) when full. */
char *cli_strndup(struct cli_parser *p, const char *s, size_t len);

struct cli_kv {
    const char *key;
    const char *value; /* NULL for a bare "key" (QEMU reads it as key=on) */
};

#define CLI_MAX_KV 32

/*
 * Splits QEMU's "a=1,b=x,,y,flag" into pairs, turning ",," into ",". A leading item without '='
 * is the value of `implied` ("virt,accel=kvm" → machine type), if given. Keys and values live
 * in cfg->strings.
 */
int cli_split(struct cli_parser *p, const char *arg, const char *implied, struct cli_kv *kv,
              unsigned *n);

/*
 * QEMU size syntax: decimal (optionally with a fraction) or 0x hex, then an optional suffix
 * B K M G T P E (either case, powers of 1024). Without a suffix the number is in units of
 * 1 << default_shift (20 for -m). -EINVAL on bad syntax, -ERANGE beyond 2^64-1.
 */
int cli_parse_size(const char *s, unsigned default_shift, uint64_t *out);
/* Plain decimal, no sign, 0..max. -EINVAL on syntax, -ERANGE above max. */
int cli_parse_uint(const char *s, uint64_t max, uint64_t *out);
/* on/off/yes/no/true/false/y/n; NULL (bare key) is on. */
int cli_parse_bool(const char *s, bool *out);

struct cli_machine {
    const char *name;
    const char *alias_of; /* NULL, or the board this name stands for */
    enum config_arch arch;
    const char *desc;
};

struct cli_accel {
    const char *name;
    enum config_accel accel;
    const char *desc;
};

struct cli_device {
    const char *name;
    const char *alias_of; /* NULL, or the device this name stands for */
    enum device_kind kind;
    const char *bus;
    const char *desc;
};

extern const struct cli_machine cli_machines[];
extern const size_t cli_nmachines;
extern const struct cli_accel cli_accels[];
extern const size_t cli_naccels;
extern const struct cli_device cli_devices[];
extern const size_t cli_ndevices;

const char *cli_arch_name(enum config_arch arch);

#endif
