/* Guest physical RAM: a few host-mapped regions, and bounds-checked translation. */
#ifndef KVMU_CORE_MEMORY_H
#define KVMU_CORE_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_MEM_MAX_REGIONS 4

struct guest_ram_region {
    uint64_t gpa;
    uint64_t size;
    uint8_t *host;
};

struct guest_mem {
    struct guest_ram_region regions[GUEST_MEM_MAX_REGIONS];
    unsigned nregions;
    /*
     * Called after a device (DMA) or the loader wrote guest RAM, so that an execution engine
     * can drop translated or pre-decoded code for those pages. May be called from any thread.
     */
    void (*dma_written)(void *opaque, uint64_t gpa, uint64_t len);
    void *dma_written_opaque;
};

/* Map anonymous host memory for [gpa, gpa+size). Returns 0 or -errno. */
int guest_mem_add_ram(struct guest_mem *mem, uint64_t gpa, uint64_t size)
    __attribute__((warn_unused_result));
void guest_mem_destroy(struct guest_mem *mem);

/* Host pointer for [gpa, gpa+len) if that range lies entirely inside one RAM region, else NULL. */
static inline void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
    for (unsigned i = 0; i < mem->nregions; i++) {
        const struct guest_ram_region *r = &mem->regions[i];
        uint64_t off = gpa - r->gpa;

        /* off < size and len <= size - off, written so no sum can overflow. */
        if (gpa >= r->gpa && off < r->size && len <= r->size - off)
            return r->host + off;
    }
    return NULL;
}

/* Copy in/out of guest RAM with bounds checks; -EFAULT if any byte is outside RAM. */
int guest_mem_read(const struct guest_mem *mem, uint64_t gpa, void *buf, uint64_t len)
    __attribute__((warn_unused_result));
int guest_mem_write(const struct guest_mem *mem, uint64_t gpa, const void *buf, uint64_t len)
    __attribute__((warn_unused_result));

/* Tell the execution engine that [gpa, gpa+len) was written behind the CPU's back. */
static inline void guest_mem_notify_written(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
    if (mem->dma_written)
        mem->dma_written(mem->dma_written_opaque, gpa, len);
}

#endif
