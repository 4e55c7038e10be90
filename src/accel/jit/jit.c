/*
 * -accel jit: RISC-V guest code translated to x86-64. Harts run round-robin on the calling
 * thread, like the interpreter; the interpreter runs what the translator leaves to it.
 *
 * Options (-accel jit,OPT=V,...): check=interp runs every block in the interpreter too and stops
 * at the first difference; tb-size=MB sets the code buffer size (QEMU's name).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "accel/interp/interp.h"
#include "accel/jit/internal.h"
#include "accel/jit/jit.h"
#include "accel/jit/translate.h"
#include "core/log.h"
#include "core/vm.h"
#include "cpu/riscv/hart.h"

#define DEFAULT_CODE_MB 64

static int parse_opts(const char *opts, bool *check, size_t *code_size)
{
    while (opts && *opts) {
        size_t len = strcspn(opts, ",");
        if (len == strlen("check=interp") && !strncmp(opts, "check=interp", len)) {
            *check = true;
        } else if (!strncmp(opts, "tb-size=", 8) && len > 8) {
            char *end;
            unsigned long mb = strtoul(opts + 8, &end, 10);
            if (end != opts + len || mb == 0) {
                log_error("-accel jit: bad tb-size '%.*s'", (int)len, opts);
                return -EINVAL;
            }
            *code_size = (size_t)mb << 20;
        } else if (!strncmp(opts, "thread=", 7)) {
            /* QEMU's MTTCG switch: harts always share one thread here. */
        } else {
            log_error("-accel jit: unknown option '%.*s' (check=interp, tb-size=MB)", (int)len,
                      opts);
            return -EINVAL;
        }
        opts += len;
        if (*opts == ',')
            opts++;
    }
    return 0;
}

static void jit_free(struct jit *j)
{
    jit_check_destroy(j);
    jit_code_destroy(j);
    interp_free(j->interp);
    free(j->tr);
    free(j);
}

static int jit_init(struct vm *vm)
{
    struct jit *j = calloc(1, sizeof(*j));
    size_t code_size = (size_t)DEFAULT_CODE_MB << 20;
    int ret;

    if (!j)
        return -ENOMEM;
    j->vm = vm;
    j->fp_box = 0xffffffff00000000ull;
    j->fp_tiny_bias = (uint64_t) - (int64_t)((0x0010000000000000ull + 1) << 1);
    j->fp_safe_span = (0x7ff0000000000000ull - 0x0010000000000001ull) << 1;
    j->fp_inf2 = 0x7ff0000000000000ull << 1;
    ret = parse_opts(vm->cfg->accel_opts, &j->check, &code_size);
    if (ret < 0) {
        free(j);
        return ret;
    }
    j->interp = interp_new(vm);
    j->tr = malloc(sizeof(*j->tr));
    ret = j->interp && j->tr ? jit_code_init(j, code_size) : -ENOMEM;
    if (ret == 0 && j->check)
        ret = jit_check_init(j);
    if (ret < 0) {
        jit_free(j);
        return ret;
    }
    j->hooks.store_to_page = jit_store_hook;
    j->hooks.opaque = j;
    for (unsigned i = 0; i < vm->nharts; i++)
        vm->harts[i]->hooks = &j->hooks;
    vm->accel_state = j;
    vm->mem.dma_written_opaque = j;
    vm->mem.dma_written = jit_dma_written;
    return 0;
}

static void jit_exec_hart(void *engine, struct rv_hart *h, uint64_t slice)
{
    jit_exec(engine, h, slice);
}

static int jit_run(struct vm *vm)
{
    rv_harts_run(vm, jit_exec_hart, vm->accel_state);
    return 0;
}

static void jit_destroy(struct vm *vm)
{
    struct jit *j = vm->accel_state;

    if (!j)
        return;
    vm->mem.dma_written = NULL;
    vm->mem.dma_written_opaque = NULL;
    for (unsigned i = 0; i < vm->nharts; i++)
        vm->harts[i]->hooks = NULL;
    jit_free(j);
    vm->accel_state = NULL;
}

const struct accel_ops accel_jit_ops = {
    .name = "jit",
    .arch = ARCH_RISCV64,
    .init = jit_init,
    .run = jit_run,
    .kick = rv_harts_kick,
    .destroy = jit_destroy,
};
