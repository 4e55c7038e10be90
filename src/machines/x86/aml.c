#include "machines/x86/aml.h"

#include <string.h>

#define NAME_OP 0x08
#define DWORD_PREFIX 0x0c
#define BUFFER_OP 0x11
#define SCOPE_OP 0x10

void aml_bytes(struct aml *a, const void *b, size_t n)
{
    if (a->len + n > a->cap) {
        a->overflow = true;
        return;
    }
    memcpy(a->p + a->len, b, n);
    a->len += n;
}

void aml_byte(struct aml *a, uint8_t b)
{
    aml_bytes(a, &b, 1);
}

void aml_le(struct aml *a, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        aml_byte(a, (uint8_t)(v >> (8 * i)));
}

void aml_int(struct aml *a, uint32_t v)
{
    if (v <= 1) {
        aml_byte(a, (uint8_t)v); /* ZeroOp / OneOp */
    } else if (v <= 0xff) {
        aml_byte(a, 0x0a);
        aml_byte(a, (uint8_t)v);
    } else if (v <= 0xffff) {
        aml_byte(a, 0x0b);
        aml_le(a, v, 2);
    } else {
        aml_byte(a, DWORD_PREFIX);
        aml_le(a, v, 4);
    }
}

void aml_pkg(struct aml *a, const uint8_t *op, size_t oplen, const struct aml *body)
{
    size_t n = body->len, total;
    unsigned nbytes = n + 1 < 0x40 ? 1 : n + 2 < 0x1000 ? 2 : 3;
    total = n + nbytes;
    aml_bytes(a, op, oplen);
    if (nbytes == 1) {
        aml_byte(a, (uint8_t)total);
    } else {
        aml_byte(a, (uint8_t)((nbytes - 1) << 6 | (total & 0xf)));
        for (unsigned i = 1; i < nbytes; i++)
            aml_byte(a, (uint8_t)(total >> (4 + 8 * (i - 1))));
    }
    aml_bytes(a, body->p, body->len);
    a->overflow |= body->overflow;
}

void aml_name(struct aml *a, const char seg[4])
{
    aml_byte(a, NAME_OP);
    aml_bytes(a, seg, 4);
}

static unsigned hexval(char c)
{
    return c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'A' + 10);
}

void aml_eisaid(struct aml *a, const char id[7])
{
    /* Three letters in 5 bits each, then four hex digits; stored big endian. */
    uint32_t v = (uint32_t)(id[0] - '@') << 26 | (uint32_t)(id[1] - '@') << 21 |
                 (uint32_t)(id[2] - '@') << 16 | hexval(id[3]) << 12 | hexval(id[4]) << 8 |
                 hexval(id[5]) << 4 | hexval(id[6]);
    aml_byte(a, DWORD_PREFIX);
    for (int shift = 24; shift >= 0; shift -= 8)
        aml_byte(a, (uint8_t)(v >> shift));
}

void aml_crs(struct aml *a, const struct aml *res)
{
    AML_SCRATCH(buf, 256);
    aml_int(&buf, (uint32_t)res->len + 2);
    aml_bytes(&buf, res->p, res->len);
    static const uint8_t end_tag[] = {0x79, 0x00};
    aml_bytes(&buf, end_tag, sizeof(end_tag));
    buf.overflow |= res->overflow;
    aml_name(a, "_CRS");
    static const uint8_t buffer_op = BUFFER_OP;
    aml_pkg(a, &buffer_op, 1, &buf);
}

/* op, PkgLength, then a name and `body`: the shape of Device () and Scope (). */
static void named_pkg(struct aml *a, const uint8_t *op, size_t oplen, const char *name,
                      size_t namelen, const struct aml *body)
{
    AML_SCRATCH(named, 4096);
    aml_bytes(&named, name, namelen);
    aml_bytes(&named, body->p, body->len);
    named.overflow |= body->overflow;
    aml_pkg(a, op, oplen, &named);
}

void aml_device(struct aml *a, const char seg[4], const struct aml *body)
{
    static const uint8_t device_op[] = {0x5b, 0x82};
    named_pkg(a, device_op, sizeof(device_op), seg, 4, body);
}

void aml_scope_sb(struct aml *a, const struct aml *body)
{
    static const uint8_t scope_op = SCOPE_OP;
    named_pkg(a, &scope_op, 1, "\\_SB_", 5, body);
}

void aml_res_io(struct aml *a, uint16_t base, uint8_t len)
{
    const uint8_t io[] = {
        0x47, 0x01, (uint8_t)base, (uint8_t)(base >> 8), (uint8_t)base, (uint8_t)(base >> 8),
        0x01, len};
    aml_bytes(a, io, sizeof(io));
}

void aml_res_irq(struct aml *a, unsigned irq)
{
    const uint8_t d[] = {0x22, (uint8_t)(1u << irq), (uint8_t)((1u << irq) >> 8)};
    aml_bytes(a, d, sizeof(d));
}
