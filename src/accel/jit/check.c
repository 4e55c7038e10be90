/*
 * The differential checker (-accel jit,check=interp): every block the JIT runs is run again by
 * the interpreter from the same starting state, and the first difference stops the VM with a
 * report (block pc and instructions, differing registers, CSRs and memory).
 *
 * How one block is checked: the hart's architectural state is saved; the JIT runs the block
 * (alone: the budget ends it at the next block entry), logging the old bytes of every store;
 * its final state and stored bytes are saved and its stores undone; a shadow hart starting from
 * the saved state single-steps the same instructions in the interpreter; then registers, CSRs
 * and the logged memory must match. Blocks that touched MMIO, read the clock or mip, or ran
 * memory instructions through the interpreter fallback cannot be run twice; they count as
 * skipped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accel/interp/interp.h"
#include "accel/jit/internal.h"
#include "core/log.h"
#include "core/vm.h"
#include "cpu/riscv/decode.h"

/* The architectural part of struct rv_hart: everything before the TLB arrays. */
#define ARCH_BYTES offsetof(struct rv_hart, dctx)
#define MAX_STEPS 512

/* Whole harts so their fields can be read in place; only ARCH_BYTES of before/after are used. */
struct jit_checker {
    struct rv_hart *shadow, *before, *after;
    uint64_t checked, skipped;
    unsigned long dma_seq; /* j->dma_seq when the block started */
};

static struct rv_hart *hart_alloc(void)
{
    struct rv_hart *h = aligned_alloc(64, (sizeof(*h) + 63) & ~(size_t)63);
    if (h) {
        memset(h, 0, sizeof(*h));
        rv_tlb_reset(h); /* zero tags would look valid */
    }
    return h;
}

int jit_check_init(struct jit *j)
{
    struct jit_checker *c = calloc(1, sizeof(*c));

    if (!c)
        return -ENOMEM;
    j->checker = c;
    c->shadow = hart_alloc();
    c->before = hart_alloc();
    c->after = hart_alloc();
    return c->shadow && c->before && c->after ? 0 : -ENOMEM;
}

void jit_check_destroy(struct jit *j)
{
    struct jit_checker *c = j->checker;

    if (!c)
        return;
    log_warn("jit checker: %llu blocks compared with the interpreter, %llu skipped (MMIO, "
             "clock, interpreted memory access, DMA races)",
             (unsigned long long)c->checked, (unsigned long long)c->skipped);
    free(c->shadow);
    free(c->before);
    free(c->after);
    free(c);
    j->checker = NULL;
}

void jit_check_before(struct jit *j, struct rv_hart *h)
{
    struct jit_checker *c = j->checker;

    memcpy(c->before, h, ARCH_BYTES);
    c->dma_seq = atomic_load_explicit(&j->dma_seq, memory_order_acquire);
    j->nlog = 0;
    j->check_mmio = false;
    /* One block per entry: the next block's entry check sees the budget spent. */
    j->limit = h->instret + 1;
}

static void print_block(struct rv_hart *s, uint64_t pc, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        char buf[96];
        uint32_t raw = rv_fetch_raw(s, pc);
        rv_disasm(pc, raw, buf, sizeof(buf));
        fprintf(stderr, "    %016llx: %08x  %s\n", (unsigned long long)pc, raw, buf);
        pc += rv_insn_len((uint16_t)raw);
    }
}

#define CMP_FIELD(name)                                                                            \
    do {                                                                                           \
        if (a->name != b->name) {                                                                  \
            if (print)                                                                             \
                fprintf(stderr, "  %-10s jit %016llx  interp %016llx\n", #name,                    \
                        (unsigned long long)a->name, (unsigned long long)b->name);                 \
            diff = true;                                                                           \
        }                                                                                          \
    } while (0)

/* Does the JIT's state a differ from the interpreter's b? With print, say where. */
static bool compare(const struct rv_hart *a, const struct rv_hart *b, bool print)
{
    bool diff = false;

    for (unsigned i = 0; i < 32; i++) {
        if (a->x[i] != b->x[i] && print)
            fprintf(stderr, "  x%-9u jit %016llx  interp %016llx\n", i, (unsigned long long)a->x[i],
                    (unsigned long long)b->x[i]);
        if (a->f[i] != b->f[i] && print)
            fprintf(stderr, "  f%-9u jit %016llx  interp %016llx\n", i, (unsigned long long)a->f[i],
                    (unsigned long long)b->f[i]);
        diff |= a->x[i] != b->x[i] || a->f[i] != b->f[i];
    }
    CMP_FIELD(pc);
    CMP_FIELD(priv);
    CMP_FIELD(instret);
    CMP_FIELD(mstatus);
    CMP_FIELD(fflags);
    CMP_FIELD(frm);
    CMP_FIELD(mip_sw);
    CMP_FIELD(mie);
    CMP_FIELD(medeleg);
    CMP_FIELD(mideleg);
    CMP_FIELD(mtvec);
    CMP_FIELD(mscratch);
    CMP_FIELD(mepc);
    CMP_FIELD(mcause);
    CMP_FIELD(mtval);
    CMP_FIELD(stvec);
    CMP_FIELD(sscratch);
    CMP_FIELD(sepc);
    CMP_FIELD(scause);
    CMP_FIELD(stval);
    CMP_FIELD(satp);
    CMP_FIELD(lr_valid);
    CMP_FIELD(wfi);
    if (a->lr_valid && b->lr_valid)
        CMP_FIELD(lr_addr);
    return diff;
}

/* Did a device write guest memory since the block started? Devices notify right after they
 * write, so a write the replay already saw is given a moment to be counted (divergences are
 * rare: the wait costs nothing otherwise). */
static bool dma_raced(struct jit *j, const struct jit_checker *c)
{
    struct timespec ts = {0, 1000000};

    nanosleep(&ts, NULL);
    return atomic_load_explicit(&j->dma_seq, memory_order_acquire) != c->dma_seq;
}

bool jit_check_after(struct jit *j, struct rv_hart *h)
{
    struct jit_checker *c = j->checker;
    struct rv_hart *s = c->shadow;
    const struct rv_hart *start = c->before;
    uint64_t after_mem[JIT_STORE_LOG_MAX];

    if (j->check_mmio) {
        c->skipped++;
        return true;
    }
    memcpy(c->after, h, ARCH_BYTES);
    for (unsigned i = 0; i < j->nlog; i++) {
        after_mem[i] = 0;
        memcpy(&after_mem[i], j->log[i].host, j->log[i].size);
    }
    for (unsigned i = j->nlog; i-- > 0;)
        memcpy(j->log[i].host, &j->log[i].before, j->log[i].size);

    /* The shadow starts from the saved state with empty TLBs of its own. */
    memcpy(s, c->before, ARCH_BYTES);
    rv_tlb_flush_all(s); /* only what it filled for the last block */
    rv_update_mode(s);

    const struct rv_hart *jh = c->after;
    unsigned steps = 0;
    while (steps < MAX_STEPS && s->instret < jh->instret) {
        uint32_t raw = rv_fetch_raw(s, s->pc);
        steps++;
        if (!interp_step(j->interp, s, raw))
            break;
    }
    /* The JIT's block ended in a trap: the interpreter must take it too. */
    if (steps < MAX_STEPS && s->pc != jh->pc && s->instret == jh->instret) {
        uint32_t raw = rv_fetch_raw(s, s->pc);
        steps++;
        interp_step(j->interp, s, raw);
    }

    bool diff = compare(jh, s, false);
    bool mem_diff = false;
    for (unsigned i = 0; i < j->nlog; i++) {
        uint64_t now = 0;
        memcpy(&now, j->log[i].host, j->log[i].size);
        if (now != after_mem[i])
            mem_diff = true;
    }
    if (!diff && !mem_diff) {
        c->checked++;
        return true;
    }
    if (dma_raced(j, c)) {
        /* A device wrote guest memory while the block ran or was replayed (a polled ring
         * index, say): the two runs may have read different bytes. Keep the JIT's results. */
        for (unsigned i = 0; i < j->nlog; i++)
            memcpy(j->log[i].host, &after_mem[i], j->log[i].size);
        c->skipped++;
        return true;
    }
    fprintf(stderr,
            "kvmu: jit checker: divergence in the block at pc %016llx (priv %u), %u "
            "instruction(s) stepped:\n",
            (unsigned long long)start->pc, start->priv, steps);
    print_block(s, start->pc, steps ? steps : 1);
    compare(jh, s, true);
    for (unsigned i = 0; i < j->nlog; i++) {
        uint64_t now = 0;
        memcpy(&now, j->log[i].host, j->log[i].size);
        if (now != after_mem[i])
            fprintf(stderr, "  memory at host %p (%u bytes): jit %016llx  interp %016llx\n",
                    (void *)j->log[i].host, j->log[i].size, (unsigned long long)after_mem[i],
                    (unsigned long long)now);
    }
    return false;
}
