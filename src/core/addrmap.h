/*
 * An address map: a sorted set of non-overlapping device regions (MMIO, or port I/O on x86).
 * Adding an overlapping region is an error. Accesses to unassigned addresses read as all-ones
 * and are logged once per address.
 */
#ifndef KVMU_CORE_ADDRMAP_H
#define KVMU_CORE_ADDRMAP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Register access callbacks of one device region. `offset` is relative to the region base,
 * `size` is 1, 2, 4 or 8 bytes. Must be safe to call from any CPU thread: devices serialise
 * themselves. */
struct mmio_ops {
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
    /* Bitmask of permitted access sizes (1|2|4|8); other sizes are rejected (read all-ones). */
    unsigned access_sizes;
};

struct addr_region {
    uint64_t base;
    uint64_t size;
    const struct mmio_ops *ops;
    void *opaque;
    const char *name;
};

struct addr_map {
    const char *name; /* "mmio" or "pio", for messages */
    struct addr_region *regions;
    unsigned count, cap;
    /* Last unassigned address reported (+1, 0 = none), so a guest polling a hole does not flood
     * the log. Atomic: KVM vCPU threads report concurrently. */
    _Atomic uint64_t last_unassigned;
};

void addr_map_init(struct addr_map *map, const char *name);
void addr_map_destroy(struct addr_map *map);
/* Returns 0, -EEXIST on overlap (with a message naming both regions), -EINVAL, -ENOMEM. */
int addr_map_add(struct addr_map *map, uint64_t base, uint64_t size, const struct mmio_ops *ops,
                 void *opaque, const char *name) __attribute__((warn_unused_result));
/* Region containing addr, or NULL. Binary search. */
const struct addr_region *addr_map_find(const struct addr_map *map, uint64_t addr);

/* Dispatch an access; returns false if nothing is mapped there (value = all-ones). */
bool addr_map_read(struct addr_map *map, uint64_t addr, unsigned size, uint64_t *value);
bool addr_map_write(struct addr_map *map, uint64_t addr, unsigned size, uint64_t value);

#endif
