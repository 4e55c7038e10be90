/* Hart lifecycle, interrupt lines from devices, and the register dump. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "cpu/riscv/state.h"

#define MISA_EXT(c) (1ull << ((c) - 'A'))
#define MISA_RV64GC                                                                                \
    ((2ull << 62) | MISA_EXT('I') | MISA_EXT('M') | MISA_EXT('A') | MISA_EXT('F') |                \
     MISA_EXT('D') | MISA_EXT('C') | MISA_EXT('S') | MISA_EXT('U'))
#define MSTATUS_XL64 ((2ull << 32) | (2ull << 34))

int rv_hart_create(const struct rv_hart_config *cfg, struct rv_hart **out)
{
    struct rv_hart *h;

    if (!cfg->vm)
        return -EINVAL;
    /* The TLBs make this large; aligned so hot fields share cache lines predictably. */
    h = aligned_alloc(64, (sizeof(*h) + 63) & ~(size_t)63);
    if (!h)
        return -ENOMEM;
    memset(h, 0, sizeof(*h));
    h->hartid = cfg->hartid;
    h->vm = cfg->vm;
    atomic_init(&h->attention, 1);
    atomic_init(&h->mip_hw, 0);
    rv_hart_reset(h, 0);
    *out = h;
    return 0;
}

void rv_hart_reset(struct rv_hart *h, uint64_t pc)
{
    memset(h->x, 0, sizeof(h->x));
    memset(h->f, 0, sizeof(h->f));
    h->pc = pc;
    h->mstatus = MSTATUS_XL64;
    h->fflags = h->frm = 0;
    h->misa = MISA_RV64GC;
    h->medeleg = h->mideleg = h->mie = 0;
    h->mtvec = h->mscratch = h->mepc = h->mcause = h->mtval = 0;
    h->stvec = h->sscratch = h->sepc = h->scause = h->stval = 0;
    h->satp = 0;
    h->mcounteren = h->scounteren = h->mcountinhibit = 0;
    h->menvcfg = h->senvcfg = h->mseccfg = 0;
    memset(h->pmpcfg, 0, sizeof(h->pmpcfg));
    memset(h->pmpaddr, 0, sizeof(h->pmpaddr));
    rv_pmp_update(h);
    h->mip_sw = 0;
    h->instret = 0;
    h->minstret_delta = h->mcycle_delta = 0;
    h->lr_valid = false;
    h->wfi = false;
    h->priv = RV_PRIV_M;
    rv_tlb_reset(h);
    rv_update_mode(h);
    rv_attention(h);
}

void rv_hart_set_xreg(struct rv_hart *h, unsigned reg, uint64_t value)
{
    if (reg > 0 && reg < 32)
        h->x[reg] = value;
}

void rv_hart_irq_set(void *opaque, unsigned num, bool level)
{
    struct rv_hart *h = opaque;
    uint64_t bit = 1ull << (num & 63);

    if (level)
        atomic_fetch_or_explicit(&h->mip_hw, bit, memory_order_release);
    else
        atomic_fetch_and_explicit(&h->mip_hw, ~bit, memory_order_release);
    rv_attention(h);
    cpu_wake_signal(&h->vm->wake);
}

void rv_hart_destroy(struct rv_hart *h)
{
    free(h);
}

static const char *const abi_names[32] = {
    "zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "s0", "s1", "a0",
    "a1",   "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
    "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static const char *const priv_names[4] = {"U", "S", "?", "M"};

void rv_hart_dump(const struct rv_hart *h, FILE *f)
{
    fprintf(f, "hart %u: pc %016llx priv %s%s\n", h->hartid, (unsigned long long)h->pc,
            priv_names[h->priv & 3], h->wfi ? " (wfi)" : "");
    for (unsigned i = 0; i < 32; i++)
        fprintf(f, " %-4s %016llx%s", abi_names[i], (unsigned long long)h->x[i],
                i % 4 == 3 ? "\n" : "");
    if (rv_fs(h) != FS_OFF) {
        for (unsigned i = 0; i < 32; i++)
            fprintf(f, " f%-3u %016llx%s", i, (unsigned long long)h->f[i], i % 4 == 3 ? "\n" : "");
        fprintf(f, " fcsr %08x (frm %u fflags %02x)\n", (h->frm << 5) | h->fflags, h->frm,
                h->fflags);
    }
    fprintf(f,
            " mstatus %016llx mie %03llx mip %03llx mideleg %03llx medeleg %05llx\n"
            " mtvec %016llx mepc %016llx mcause %016llx mtval %016llx\n"
            " stvec %016llx sepc %016llx scause %016llx stval %016llx\n"
            " satp %016llx mscratch %016llx sscratch %016llx instret %llu\n",
            (unsigned long long)h->mstatus, (unsigned long long)h->mie,
            (unsigned long long)rv_mip(h), (unsigned long long)h->mideleg,
            (unsigned long long)h->medeleg, (unsigned long long)h->mtvec,
            (unsigned long long)h->mepc, (unsigned long long)h->mcause,
            (unsigned long long)h->mtval, (unsigned long long)h->stvec, (unsigned long long)h->sepc,
            (unsigned long long)h->scause, (unsigned long long)h->stval,
            (unsigned long long)h->satp, (unsigned long long)h->mscratch,
            (unsigned long long)h->sscratch, (unsigned long long)h->instret);
}

/* Instructions per turn: one hart runs until something needs it; several share the thread in
 * slices short enough for IPIs and spinlocks to make progress. */
#define SLICE_SMP 20000
#define SLICE_UP 1000000

void rv_harts_run(struct vm *vm, void (*exec)(void *engine, struct rv_hart *h, uint64_t slice),
                  void *engine)
{
    uint64_t slice = vm->nharts > 1 ? SLICE_SMP : SLICE_UP;

    while (atomic_load(&vm->request) == VM_RUN) {
        bool all_idle = true;

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
            exec(engine, h, slice);
        }
        if (all_idle && atomic_load(&vm->request) == VM_RUN)
            cpu_wake_wait(&vm->wake, -1);
    }
}

void rv_harts_kick(struct vm *vm)
{
    for (unsigned i = 0; i < vm->nharts; i++)
        rv_attention(vm->harts[i]);
    cpu_wake_signal(&vm->wake);
}
