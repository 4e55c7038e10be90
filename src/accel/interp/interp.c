/* -accel interp: runs every hart round-robin on the calling thread; sleeps when all idle. */
#include <errno.h>
#include <stdlib.h>

#include "accel/interp/interp.h"
#include "accel/interp/internal.h"
#include "core/vm.h"
#include "cpu/riscv/hart.h"

/* Instructions per hart before switching to the next one (SMP fairness). A single hart runs
 * much longer slices; it still stops at once when flagged for attention. */

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

static void interp_exec_hart(void *engine, struct rv_hart *h, uint64_t slice)
{
    /* DMA into code pages only flags them (I/O thread); drop them here, on the CPU thread. */
    code_cache_flush_dma(engine);
    interp_exec(engine, h, slice);
}

static int interp_run(struct vm *vm)
{
    rv_harts_run(vm, interp_exec_hart, vm->accel_state);
    return 0;
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
    .kick = rv_harts_kick,
    .destroy = interp_destroy,
};
