/*
 * A small AML writer (ACPI 6.x, chapter 20) for the DSDT pieces the x86 boards describe: the
 * PCI host bridge and the legacy ISA devices. Bytes go into a caller-provided buffer; running
 * out of room sets `overflow` instead of writing past it.
 */
#ifndef KVMU_MACHINES_X86_AML_H
#define KVMU_MACHINES_X86_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aml {
    uint8_t *p;
    size_t len, cap;
    bool overflow;
};

/* A struct aml named `name` over a local buffer of `size` bytes. */
#define AML_SCRATCH(name, size)                                                                    \
    uint8_t name##_buf[size];                                                                      \
    struct aml name = {.p = name##_buf, .cap = size}

void aml_bytes(struct aml *a, const void *b, size_t n);
void aml_byte(struct aml *a, uint8_t b);
void aml_le(struct aml *a, uint64_t v, unsigned n); /* n bytes, little endian */
void aml_int(struct aml *a, uint32_t v);            /* an integer in its shortest encoding */
/* op, PkgLength, then `body` (PkgLength counts its own bytes and the body). */
void aml_pkg(struct aml *a, const uint8_t *op, size_t oplen, const struct aml *body);

/* Name (seg, ...) with a 4-character NameSeg; the value follows (aml_int, aml_eisaid, ...). */
void aml_name(struct aml *a, const char seg[4]);
/* EisaId ("PNP0501"): the 32-bit compressed id as a DWord constant. */
void aml_eisaid(struct aml *a, const char id[7]);
/* Name (_CRS, ResourceTemplate () { resources }): `res` holds the descriptors, without the
 * end tag (added here). */
void aml_crs(struct aml *a, const struct aml *res);
/* Device (seg) { body } */
void aml_device(struct aml *a, const char seg[4], const struct aml *body);
/* Scope (\_SB) { body } */
void aml_scope_sb(struct aml *a, const struct aml *body);

/* Small resource descriptors (6.4.2): IO (Decode16, base, base, 1, len), IRQNoFlags () {irq}. */
void aml_res_io(struct aml *a, uint16_t base, uint8_t len);
void aml_res_irq(struct aml *a, unsigned irq);

#endif
