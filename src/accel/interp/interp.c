/* -accel interp: runs every hart round-robin on the calling thread; sleeps when all idle. */
#include <errno.h>
#include <stdlib.h>

#include "accel/interp/interp.h"
#include "accel/interp/internal.h"
#include "core/vm.h"

/* Instructions per hart before switching to the next one (SMP fairness). A single hart runs
 * much longer slices; it still stops at once when flagged for attention. */
#define SLICE_SMP 20000
#define SLICE_UP 1000000

struct interp *interp_new(struct vm *vm)
{
    struct interp *it = calloc(1, sizeof(*it));

    if (!it)
        return NULL;
    it->vm = vm;
    if (code_cache_init(it) < 0) {
        interp_free(it);
        return NULL;
    }
    it->hooks.store_to_page = code_cache_store_hook;
    it->hooks.opaque = it;
    interp_exec(it, NULL, 0);
    /* After a 2- or 4-byte instruction in slot 0: back to fetch. */
    it->tramp[1].handler = it->handlers[SLOT_PAGE_END];
    it->tramp[2].handler = it->handlers[SLOT_PAGE_END];
    return it;
}

void interp_free(struct interp *it)
{
    if (!it)
        return;
    code_cache_destroy(it);
    free(it);
}

static int interp_init(struct vm *vm)
{
    struct interp *it = interp_new(vm);

    if (!it)
        return -ENOMEM;
    for (unsigned i = 0; i < vm->nharts; i++)
        vm->harts[i]->hooks = &it->hooks;
    vm->accel_state = it;
    vm->mem.dma_written_opaque = it;
    vm->mem.dma_written = code_cache_dma_written;
    return 0;
}

static int interp_run(struct vm *vm)
{
    struct interp *it = vm->accel_state;
    uint64_t slice = vm->nharts > 1 ? SLICE_SMP : SLICE_UP;

    while (atomic_load(&vm->request) == VM_RUN) {
        bool all_idle = true;

        code_cache_flush_dma(it);
        for (unsigned i = 0; i < vm->nharts && atomic_load(&vm->request) == VM_RUN; i++) {
            struct rv_hart *h = vm->harts[i];

            /* Cleared before looking at the hart, so an event arriving now is not lost. */
            atomic_store(&h->attention, 0);
            if (h->wfi) {
                if (!(rv_mip(h) & h->mie))
                    continue;
                h->wfi = false;
            }
            all_idle = false;
            /* Another hart ran since: its stores could have hit the reserved address. */
            if (vm->nharts > 1)
                h->lr_valid = false;
            interp_exec(it, h, slice);
        }
        if (all_idle && atomic_load(&vm->request) == VM_RUN)
            cpu_wake_wait(&vm->wake, -1);
    }
    return 0;
}

static void interp_kick(struct vm *vm)
{
    for (unsigned i = 0; i < vm->nharts; i++)
        rv_attention(vm->harts[i]);
    cpu_wake_signal(&vm->wake);
}

static void interp_destroy(struct vm *vm)
{
    struct interp *it = vm->accel_state;

    if (!it)
        return;
    vm->mem.dma_written = NULL;
    vm->mem.dma_written_opaque = NULL;
    for (unsigned i = 0; i < vm->nharts; i++)
        vm->harts[i]->hooks = NULL;
    interp_free(it);
    vm->accel_state = NULL;
}

const struct accel_ops accel_interp_ops = {
    .name = "interp",
    .arch = ARCH_RISCV64,
    .init = interp_init,
    .run = interp_run,
    .kick = interp_kick,
    .destroy = interp_destroy,
};
