/* Loading guest payloads (firmware, kernels, initrds, ELF programs) into guest RAM. */
#ifndef KVMU_CORE_LOADER_H
#define KVMU_CORE_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/memory.h"

enum image_kind {
    IMAGE_UNKNOWN = 0,
    IMAGE_RISCV_LINUX, /* arm64-style header with "RSC\x05" at 0x38 */
    IMAGE_X86_BZIMAGE, /* "HdrS" at 0x202 */
    IMAGE_ELF_RISCV64,
    IMAGE_ELF_X86_64,
};

/* Look at the first bytes of a file. -errno (with a message) if it cannot be read. */
int loader_probe(const char *path, enum image_kind *kind) __attribute__((warn_unused_result));
const char *loader_image_kind_name(enum image_kind kind);
/* True if the file starts with printable text only (a script, a config file...): a common
 * mistake for a firmware or kernel path, which no binary format explains otherwise. */
bool loader_looks_like_text(const char *path);

/* Copy a whole file to [gpa, gpa + size); fails if it does not fit below gpa + max_size. */
int loader_load_file(struct guest_mem *mem, const char *what, const char *path, uint64_t gpa,
                     uint64_t max_size, uint64_t *size) __attribute__((warn_unused_result));

/* Load the PT_LOAD segments of a 64-bit little-endian ELF at their physical addresses.
 * e_machine must match. *entry gets e_entry; *end the highest loaded address + 1. */
int loader_load_elf(struct guest_mem *mem, const char *what, const char *path, uint16_t machine,
                    uint64_t *entry, uint64_t *end) __attribute__((warn_unused_result));

#endif
