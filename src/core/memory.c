#include "core/memory.h"

#include <errno.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>

#define HUGE_PAGE_SIZE (2u << 20)

int guest_mem_add_ram(struct guest_mem *mem, uint64_t gpa, uint64_t size)
{
    if (mem->nregions == GUEST_MEM_MAX_REGIONS || size == 0 || gpa + size < gpa)
        return -EINVAL;
    for (unsigned i = 0; i < mem->nregions; i++) {
        const struct guest_ram_region *r = &mem->regions[i];
        if (gpa < r->gpa + r->size && r->gpa < gpa + size)
            return -EEXIST;
    }
    /* MAP_NORESERVE: a large -m costs nothing until the guest touches the pages. Aligned to
     * 2 MiB and advised as huge-page memory (as QEMU does), so transparent huge pages back it:
     * fewer host TLB misses for emulated CPUs and for KVM's second-level page tables. */
    void *raw = mmap(NULL, size + HUGE_PAGE_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED)
        return -errno;
    uintptr_t start = ((uintptr_t)raw + HUGE_PAGE_SIZE - 1) & ~(uintptr_t)(HUGE_PAGE_SIZE - 1);
    size_t head = start - (uintptr_t)raw;
    if (head)
        munmap(raw, head);
    munmap((void *)(start + size), HUGE_PAGE_SIZE - head);
    void *p = (void *)start;
    madvise(p, size, MADV_HUGEPAGE);
    madvise(p, size, MADV_MERGEABLE);
    mem->regions[mem->nregions++] = (struct guest_ram_region){gpa, size, p};
    return 0;
}

void guest_mem_destroy(struct guest_mem *mem)
{
    for (unsigned i = 0; i < mem->nregions; i++)
        munmap(mem->regions[i].host, mem->regions[i].size);
    mem->nregions = 0;
}

int guest_mem_read(const struct guest_mem *mem, uint64_t gpa, void *buf, uint64_t len)
{
    void *p = guest_mem_ptr(mem, gpa, len);
    if (!p)
        return -EFAULT;
    memcpy(buf, p, len);
    return 0;
}

int guest_mem_write(const struct guest_mem *mem, uint64_t gpa, const void *buf, uint64_t len)
{
    void *p = guest_mem_ptr(mem, gpa, len);
    if (!p)
        return -EFAULT;
    memcpy(p, buf, len);
    guest_mem_notify_written(mem, gpa, len);
    return 0;
}
