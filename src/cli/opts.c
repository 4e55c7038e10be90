/* Lexing of QEMU option lists and numbers, shared by every option handler. */
#include "cli/opts.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int cli_fail(struct cli_parser *p, const char *fmt, ...)
{
    va_list ap;

    if (p->errlen) {
        va_start(ap, fmt);
        vsnprintf(p->err, p->errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

char *cli_strndup(struct cli_parser *p, const char *s, size_t len)
{
    struct vm_config *cfg = p->cfg;

    if (len + 1 > sizeof(cfg->strings) - cfg->strings_used) {
        cli_fail(p, "%s: command line too long", p->opt);
        return NULL;
    }
    char *dst = cfg->strings + cfg->strings_used;
    memcpy(dst, s, len);
    dst[len] = '\0';
    cfg->strings_used += len + 1;
    return dst;
}

/* Copies one value up to a single ',' (",," is an escaped comma); advances *sp past it. */
static const char *take_value(struct cli_parser *p, const char **sp)
{
    struct vm_config *cfg = p->cfg;
    const char *s = *sp;
    size_t room = sizeof(cfg->strings) - cfg->strings_used;
    char *dst = cfg->strings + cfg->strings_used;
    size_t len = 0;

    for (;;) {
        char c = *s;
        if (c == '\0')
            break;
        if (c == ',') {
            if (s[1] != ',')
                break;
            s++;
        }
        if (len + 1 >= room) {
            cli_fail(p, "%s: command line too long", p->opt);
            return NULL;
        }
        dst[len++] = c;
        s++;
    }
    if (room == 0) {
        cli_fail(p, "%s: command line too long", p->opt);
        return NULL;
    }
    dst[len] = '\0';
    cfg->strings_used += len + 1;
    *sp = s;
    return dst;
}

int cli_split(struct cli_parser *p, const char *arg, const char *implied, struct cli_kv *kv,
              unsigned *n)
{
    const char *s = arg;
    bool first = true;

    *n = 0;
    while (*s) {
        size_t klen = strcspn(s, "=,");
        struct cli_kv item;

        if (*n == CLI_MAX_KV)
            return cli_fail(p, "%s: too many parameters", p->opt);
        if (s[klen] != '=' && first && implied) {
            item.key = implied;
            item.value = take_value(p, &s);
            if (!item.value)
                return -EINVAL;
        } else {
            if (klen == 0)
                return cli_fail(p, "%s: invalid parameter ''", p->opt);
            item.key = cli_strndup(p, s, klen);
            if (!item.key)
                return -EINVAL;
            s += klen;
            item.value = NULL;
            if (*s == '=') {
                s++;
                item.value = take_value(p, &s);
                if (!item.value)
                    return -EINVAL;
            }
        }
        kv[(*n)++] = item;
        if (*s == ',')
            s++;
        first = false;
    }
    return 0;
}

static int suffix_shift(char c)
{
    static const char suffixes[] = "bkmgtpe";
    const char *hit = c ? strchr(suffixes, c | 0x20) : NULL;

    return hit ? (int)(hit - suffixes) * 10 : -1;
}

int cli_parse_size(const char *s, unsigned default_shift, uint64_t *out)
{
    unsigned __int128 whole = 0, frac = 0, frac_scale = 1;
    const char *c = s;
    bool hex = false, any = false;

    if (c[0] == '0' && (c[1] == 'x' || c[1] == 'X')) {
        hex = true;
        c += 2;
    }
    for (;; c++) {
        int d;
        if (*c >= '0' && *c <= '9')
            d = *c - '0';
        else if (hex && ((*c | 0x20) >= 'a' && (*c | 0x20) <= 'f'))
            d = (*c | 0x20) - 'a' + 10;
        else
            break;
        whole = whole * (hex ? 16 : 10) + (unsigned)d;
        any = true;
        if (whole > UINT64_MAX)
            return -ERANGE;
    }
    /* No fractions in hex: QEMU refuses them too, and "0x1.8" reads like a typo. */
    if (!hex && *c == '.') {
        bool frac_digits = false;
        for (c++; *c >= '0' && *c <= '9'; c++) {
            /* Digits beyond 10^18 cannot change a result that must be a whole byte count. */
            if (frac_scale < 1000000000000000000ull) {
                frac = frac * 10 + (unsigned)(*c - '0');
                frac_scale *= 10;
            } else if (*c != '0') {
                return -EINVAL;
            }
            frac_digits = true;
        }
        if (!frac_digits)
            return -EINVAL;
    }
    if (!any)
        return -EINVAL;

    int shift = (int)default_shift;
    if (*c) {
        shift = suffix_shift(*c);
        if (shift < 0 || c[1] != '\0')
            return -EINVAL;
    }
    /* whole < 2^64 and unit <= 2^60, so 128 bits hold every product below. */
    unsigned __int128 unit = (unsigned __int128)1 << shift;
    unsigned __int128 bytes = whole * unit;
    unsigned __int128 frac_bytes = frac * unit;
    if (frac_bytes % frac_scale)
        return -EINVAL; /* a fraction of a byte */
    bytes += frac_bytes / frac_scale;
    if (bytes > UINT64_MAX)
        return -ERANGE;
    *out = (uint64_t)bytes;
    return 0;
}

int cli_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (!*s)
        return -EINVAL;
    for (const char *c = s; *c; c++) {
        if (*c < '0' || *c > '9')
            return -EINVAL;
        unsigned d = (unsigned)(*c - '0');
        if (d > max || v > (max - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int cli_parse_bool(const char *s, bool *out)
{
    static const char *const on[] = {"on", "yes", "true", "y"};
    static const char *const off[] = {"off", "no", "false", "n"};

    if (!s) {
        *out = true;
        return 0;
    }
    for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
        if (!strcmp(s, on[i])) {
            *out = true;
            return 0;
        }
        if (!strcmp(s, off[i])) {
            *out = false;
            return 0;
        }
    }
    return -EINVAL;
}
