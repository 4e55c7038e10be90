#include "core/memory.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

int guest_mem_add_ram(struct guest_mem *mem, uint64_t gpa, uint64_t size)
{
    if (mem->nregions == GUEST_MEM_MAX_REGIONS || size == 0 || gpa + size < gpa)
        return -EINVAL;
    for (unsigned i = 0; i < mem->nregions; i++) {
        const struct guest_ram_region *r = &mem->regions[i];
        if (gpa < r->gpa + r->size && r->gpa < gpa + size)
            return -EEXIST;
    }
    /* MAP_NORESERVE: a large -m costs nothing until the guest touches the pages. */
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED)
        return -errno;
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
