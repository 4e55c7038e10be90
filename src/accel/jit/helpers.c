/* C functions called from translated code: slow-path memory accesses and the interpreter
 * fallback. h->pc is the current instruction's
 * pc and h->instret is up to date whenever one of these may trap. */
#include <string.h>

#include "accel/interp/interp.h"
#include "accel/jit/internal.h"
#include "core/vm.h"
#include "cpu/riscv/decode.h"

static struct jit *jit_of(struct rv_hart *h)
{
    return h->hooks->opaque;
}

/* Checker: a RAM store about to happen through the slow path, or MMIO. */
static void log_slow_store(struct jit *j, struct rv_hart *h, uint64_t va, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        uint64_t gpa;
        uint64_t cause = h->exc_cause, tval = h->exc_tval;
        if (rv_translate(h, va + i, RV_ACC_WRITE, &gpa) < 0) {
            h->exc_cause = cause;
            h->exc_tval = tval;
            return; /* the store itself will fault */
        }
        uint8_t *p = guest_mem_ptr(&h->vm->mem, gpa, 1);
        if (p)
            jit_helper_log_store(j, p, 1);
        else
            j->check_mmio = true;
    }
}

struct jit_load_ret jit_helper_load(struct rv_hart *h, uint64_t va, unsigned kind)
{
    unsigned size = kind & 0xf;
    uint64_t v;
    struct jit *j = jit_of(h);

    if (j->check) {
        /* An MMIO read may have side effects: the checker must not run it again. */
        uint64_t gpa;
        uint64_t cause = h->exc_cause, tval = h->exc_tval;
        if (rv_translate(h, va, RV_ACC_READ, &gpa) == 0 && !guest_mem_ptr(&h->vm->mem, gpa, size))
            j->check_mmio = true;
        h->exc_cause = cause;
        h->exc_tval = tval;
    }
    if (rv_load_slow(h, va, size, &v) < 0) {
        rv_trap_take(h, h->exc_cause, h->exc_tval, h->pc);
        return (struct jit_load_ret){0, 1};
    }
    if (kind & JIT_LOAD_SIGNED) {
        unsigned shift = 64 - 8 * size;
        v = (uint64_t)((int64_t)(v << shift) >> shift);
    }
    return (struct jit_load_ret){v, 0};
}

int jit_helper_store(struct rv_hart *h, uint64_t va, uint64_t val, unsigned size, uint64_t next_pc)
{
    struct jit *j = jit_of(h);

    if (j->check)
        log_slow_store(j, h, va, size);
    j->code_changed = false;
    if (rv_store_slow(h, va, size, val) < 0) {
        rv_trap_take(h, h->exc_cause, h->exc_tval, h->pc);
        return -1;
    }
    if (!j->code_changed)
        return 0;
    /* Translated code was dropped: maybe the block running now. Leave it after this store. */
    h->pc = next_pc;
    h->instret++;
    return 1;
}

int jit_helper_step(struct rv_hart *h, uint32_t raw)
{
    struct jit *j = jit_of(h);
    uint64_t next = h->pc + rv_insn_len((uint16_t)raw);

    if (j->check) {
        /* What cannot run twice with the same result: memory operations among the
         * interpreted instructions (their stores are not logged), reads of the clock or of
         * device-driven mip bits, WFI. The checker skips such blocks. */
        unsigned opc = raw & 0x7f, csr = raw >> 20;
        if (opc == 0x07 || opc == 0x27 || opc == 0x2f)
            j->check_mmio = true;
        if (opc == 0x73 && ((raw >> 12) & 7) != 0 &&
            (csr == CSR_TIME || csr == CSR_MIP || csr == CSR_SIP))
            j->check_mmio = true;
        if (raw == 0x10500073)
            j->check_mmio = true;
    }
    j->code_changed = false;
    int retired = interp_step(j->interp, h, raw);
    return !retired || h->pc != next || j->code_changed || h->wfi;
}

void jit_helper_log_store(struct jit *j, uint8_t *host, unsigned size)
{
    if (j->nlog == JIT_STORE_LOG_MAX) {
        j->check_mmio = true; /* too many to undo: skip checking this block */
        return;
    }
    struct jit_store_log *l = &j->log[j->nlog++];
    l->host = host;
    l->size = size;
    l->before = 0;
    memcpy(&l->before, host, size);
}
