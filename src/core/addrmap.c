#include "core/addrmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

void addr_map_init(struct addr_map *map, const char *name)
{
    memset(map, 0, sizeof(*map));
    map->name = name;
}

void addr_map_destroy(struct addr_map *map)
{
    free(map->regions);
    map->regions = NULL;
    map->count = map->cap = 0;
}

int addr_map_add(struct addr_map *map, uint64_t base, uint64_t size, const struct mmio_ops *ops,
                 void *opaque, const char *name)
{
    if (size == 0 || base + size - 1 < base || !ops)
        return -EINVAL;
    unsigned pos = 0;
    while (pos < map->count && map->regions[pos].base < base)
        pos++;
    /* Only the neighbours can overlap, since the existing regions are disjoint and sorted. */
    const struct addr_region *prev = pos ? &map->regions[pos - 1] : NULL;
    const struct addr_region *next = pos < map->count ? &map->regions[pos] : NULL;
    const struct addr_region *clash = NULL;
    if (prev && prev->base + prev->size - 1 >= base)
        clash = prev;
    if (next && next->base <= base + size - 1)
        clash = next;
    if (clash) {
        log_error("%s region %s [0x%llx-0x%llx] overlaps %s [0x%llx-0x%llx]", map->name, name,
                  (unsigned long long)base, (unsigned long long)(base + size - 1), clash->name,
                  (unsigned long long)clash->base,
                  (unsigned long long)(clash->base + clash->size - 1));
        return -EEXIST;
    }
    if (map->count == map->cap) {
        unsigned cap = map->cap ? map->cap * 2 : 16;
        struct addr_region *r = realloc(map->regions, cap * sizeof(*r));
        if (!r)
            return -ENOMEM;
        map->regions = r;
        map->cap = cap;
    }
    memmove(&map->regions[pos + 1], &map->regions[pos],
            (map->count - pos) * sizeof(map->regions[0]));
    map->regions[pos] = (struct addr_region){base, size, ops, opaque, name};
    map->count++;
    return 0;
}

const struct addr_region *addr_map_find(const struct addr_map *map, uint64_t addr)
{
    unsigned lo = 0, hi = map->count;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        const struct addr_region *r = &map->regions[mid];
        if (addr < r->base)
            hi = mid;
        else if (addr - r->base >= r->size)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

static void report_unassigned(struct addr_map *map, const char *what, uint64_t addr, unsigned size)
{
    if (atomic_exchange_explicit(&map->last_unassigned, addr + 1, memory_order_relaxed) == addr + 1)
        return;
    TRACE(TRACE_UNIMP, "%s %s of %u bytes at unassigned 0x%llx", map->name, what, size,
          (unsigned long long)addr);
}

static bool access_ok(const struct addr_region *r, uint64_t addr, unsigned size)
{
    return (r->ops->access_sizes & size) && addr - r->base + size <= r->size;
}

bool addr_map_read(struct addr_map *map, uint64_t addr, unsigned size, uint64_t *value)
{
    const struct addr_region *r = addr_map_find(map, addr);

    *value = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
    if (!r) {
        report_unassigned(map, "read", addr, size);
        return false;
    }
    if (!access_ok(r, addr, size) || !r->ops->read) {
        TRACE(TRACE_GUEST_ERRORS, "%s: unsupported %u-byte read at offset 0x%llx", r->name, size,
              (unsigned long long)(addr - r->base));
        return true;
    }
    *value = r->ops->read(r->opaque, addr - r->base, size);
    TRACE(TRACE_MMIO, "%s: read%u [0x%llx] = 0x%llx", r->name, size * 8,
          (unsigned long long)(addr - r->base), (unsigned long long)*value);
    return true;
}

bool addr_map_write(struct addr_map *map, uint64_t addr, unsigned size, uint64_t value)
{
    const struct addr_region *r = addr_map_find(map, addr);

    if (!r) {
        report_unassigned(map, "write", addr, size);
        return false;
    }
    if (!access_ok(r, addr, size) || !r->ops->write) {
        TRACE(TRACE_GUEST_ERRORS, "%s: unsupported %u-byte write at offset 0x%llx", r->name, size,
              (unsigned long long)(addr - r->base));
        return true;
    }
    TRACE(TRACE_MMIO, "%s: write%u [0x%llx] = 0x%llx", r->name, size * 8,
          (unsigned long long)(addr - r->base), (unsigned long long)value);
    r->ops->write(r->opaque, addr - r->base, value, size);
    return true;
}
