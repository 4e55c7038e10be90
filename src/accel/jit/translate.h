/* The translator's state while it emits one block, shared by its files. */
#ifndef KVMU_ACCEL_JIT_TRANSLATE_H
#define KVMU_ACCEL_JIT_TRANSLATE_H

#include <stdbool.h>
#include <stdint.h>

#include "accel/jit/emit.h"
#include "cpu/riscv/decode.h"

struct jit;
struct jit_page;

/* Out-of-line code emitted after the block body. */
enum fixup_kind {
    FIX_ENTRY,  /* attention or budget at block entry: exit at the block's first pc */
    FIX_BRANCH, /* taken conditional branch: add instret, go to target */
    FIX_LOAD,   /* TLB miss: helper load, resume with the value in rax */
    FIX_STORE,  /* TLB miss: helper store, resume or exit */
    FIX_STEP,   /* inline fast path not applicable: interpreter step, resume or exit */
};

struct fixup {
    enum fixup_kind kind;
    uint8_t *jcc;          /* rel32 field of the branch to this fixup */
    uint8_t *more_jcc[10]; /* further branches to it (tr_fixup_also) */
    unsigned nmore;
    uint8_t *resume; /* back into the body */
    unsigned off, len, pend;
    unsigned size;
    bool sign;
    int8_t dst;                 /* loads: the host register the body expects the value in */
    int8_t va;                  /* loads/stores: the host register holding the guest address */
    bool dst_xmm;               /* ... an xmm register (fld into a cached f register) */
    struct x86_mem value;       /* stores: where the value lives */
    int64_t target;             /* branches: target page offset */
    const struct tr_head *head; /* branches: a loop back edge jumping to this head */
    uint32_t raw;               /* steps: the instruction */
    uint32_t dirty;             /* cached guest registers to write back first (regs.c) */
    uint32_t fdirty;            /* the same for f registers */
    bool exit_after;            /* steps: leave the block after the step instead of resuming */
};

#define TR_MAX_FIXUPS 300

/*
 * A loop head: an instruction of the block that a later branch or jal of the same block jumps
 * back to (the block's first instruction in a self-loop block, or one inside it). At a head
 * every cached register is loaded, instret is up to date, and the registers the block may
 * write count as dirty; what the translator knew there is kept, and a back edge jumps to the
 * head only if it knows at least as much (else it leaves like any other branch).
 */
struct tr_head {
    unsigned off;
    uint8_t *code;
    uint32_t dirty, fdirty, fboxed;
    bool fp_checked, fp_dirty, nx_known, rne_known;
};
#define TR_MAX_HEADS 16
#define TR_SPAN_BITS 256 /* bitmap of head offsets, (off - start) / 2: 128 insns of <= 4 bytes */

struct tr {
    struct jit *j;
    struct jit_page *p;
    struct emitter e;
    unsigned off, len; /* current instruction */
    unsigned pend;     /* instructions retired in the block not yet added to instret */
    bool counted;      /* the current instruction counted itself (interpreter step) */
    bool fp_checked;   /* FS checked on (it stays so until the block ends) */
    bool fp_dirty;     /* FS marked dirty */
    bool nx_known;     /* fflags.NX checked set (it stays so until fflags is written) */
    bool rne_known;    /* frm checked RNE (it stays so until frm is written) */
    /* Guest x registers cached in host registers (regs.c): host[r] or -1; masks by r. */
    int8_t host[32];
    uint32_t cached, loaded, dirty;
    uint32_t written; /* cached registers the block may write */
    bool self_loop;   /* some branch or jal goes back to the block's start */
    unsigned start;   /* the block's first page offset */
    /* Loop heads: planned ((off - start) / 2 bits, regs.c), then emitted. */
    uint64_t head_plan[TR_SPAN_BITS / 64];
    unsigned nheads;
    struct tr_head heads[TR_MAX_HEADS];
    /* The hart's TLB pointers (tlb_r, tlb_w) in spare pool registers, or -1 (regs.c). */
    int8_t tlb_host[2];
    uint8_t tlb_loaded;
    bool bmi2;                   /* the host has rorx */
    bool avx;                    /* the host has AVX (three-operand scalar FP) */
    bool plan_fp, plan_fp_arith; /* the block has F/D instructions; ones that round */
    bool plan_fp_dyn;            /* ... in the dynamic rounding mode (frm) */
    /* Guest f registers cached in xmm registers (regs.c), the same way. */
    int8_t fhost[32];
    uint32_t fcached, floaded, fdirty, fwritten;
    /* f registers known to hold a NaN-boxed single here (so their check can be skipped), and
     * those a self-loop block checks once at its entry instead: read as singles, written only
     * by instructions that box their result. */
    uint32_t fboxed, fbox_hoist;
    unsigned nfix;
    struct fixup fix[TR_MAX_FIXUPS];
};

/* regs.c: choose the cached registers of the block starting at t->off. */
void tr_regs_plan(struct tr *t, unsigned max_insns);
/* After instruction d: what it wrote into an f register is (or may not be) a boxed single. */
void tr_fbox_update(struct tr *t, const struct rv_insn *d);
/* Whether a back edge jumps to a loop head at page offset off (planned by tr_regs_plan). */
bool tr_is_head(const struct tr *t, unsigned off);
/* A loop head here: load every cached register that is not yet loaded (after the entry checks
 * of a self-loop block, or inside a block), count the written ones as dirty, record it. */
void tr_loop_head(struct tr *t);
/* The emitted loop head at page offset target that a back edge here may jump to, or NULL. */
const struct tr_head *tr_head_for(const struct tr *t, int64_t target);
/* Host register assigned to x[r], or -1 (nothing is emitted). */
int tr_cached(const struct tr *t, unsigned r);
/* Host register holding x[r] for reading (loaded now if needed), or -1: not cached / x0. */
int tr_reg(struct tr *t, unsigned r);
/* Host register to write x[r] into (then dirty), or -1: write the hart (or nothing: x0). */
int tr_dst(struct tr *t, unsigned r);
void tr_get(struct tr *t, int dst, unsigned r);                    /* dst = x[r] */
void tr_put(struct tr *t, unsigned r, int src);                    /* x[r] = src */
void tr_put_imm(struct tr *t, unsigned r, int32_t imm);            /* x[r] = sign-extended imm */
void tr_alu_x(struct tr *t, enum x86_alu op, int dst, unsigned r); /* dst op= x[r] */
/* Emitted code is about to use rdx as a scratch register: if it holds a TLB pointer, the next
 * probe reloads it. */
void tr_clobber_rdx(struct tr *t);
/* Host register holding h->tlb_r (write: tlb_w), loaded now if needed; -1: none spare. */
int tr_tlb_reg(struct tr *t, bool write);
/* Store the cached registers in `dirty` to the hart. */
void tr_writeback(struct tr *t, uint32_t dirty);
/* f registers: xmm holding f[r] for reading (loaded now if needed), or -1: not cached. */
int tr_freg(struct tr *t, unsigned r);
/* xmm assigned to f[r], or -1 (nothing is emitted). */
int tr_fcached(const struct tr *t, unsigned r);
/* xmm to write f[r] into (then dirty), or -1: write the hart. */
int tr_fdst(struct tr *t, unsigned r);
/* The hart's f[r] for a memory operand: written back first if its xmm is dirty. */
struct x86_mem tr_fmem(struct tr *t, unsigned r);
/* After the hart's f[r] was written in memory: reload its xmm (if cached). */
void tr_fwrote(struct tr *t, unsigned r);
void tr_fwriteback(struct tr *t, uint32_t fdirty);
/* Reload every cached f register (xmm registers do not survive calls). */
void tr_freload(struct tr *t);
/* Reload cached registers from the hart: all, or only those in caller-saved host registers. */
void tr_reload(struct tr *t, bool all);
/* Around a helper call in the body: write back before, reload after (all: the helper may have
 * written guest registers; else only what the call clobbered). */
void tr_call_begin(struct tr *t);
void tr_call_end(struct tr *t, bool all);

void tr_sync_pc(struct tr *t, unsigned off);
void tr_sync_instret(struct tr *t);
/* Emit the fast path of a load into host register dst (rax, or the destination's cached
 * register; the caller stores or marks it). */
void tr_load(struct tr *t, int dst, unsigned rs1, int32_t imm, unsigned size, bool sign);
/* fld straight into xmm register x (the caller marks the f register written). */
void tr_load_fx(struct tr *t, int x, unsigned rs1, int32_t imm);
/* Store x[xsrc], or (xsrc < 0) an f register: from xmm fx if >= 0, else the bytes at fsrc (also
 * what the slow path stores, after writing back the dirty registers). */
void tr_store(struct tr *t, unsigned rs1, int32_t imm, unsigned size, int xsrc, struct x86_mem fsrc,
              int fx);
/* Run one instruction in the interpreter; unless it ends the block, continue if it retired
 * normally. */
void tr_call_step(struct tr *t, uint32_t raw, bool ends_block);
/* A forward branch with cc to an interpreter step of the current instruction, which then
 * resumes at the address set by tr_step_resume(). */
struct fixup *tr_step_fixup(struct tr *t, enum x86_cc cc, uint32_t raw);
/* Another branch with cc to fixup f. */
void tr_fixup_also(struct tr *t, struct fixup *f, enum x86_cc cc);
/* translate_fp.c: check FS (and NX if arith, frm if dyn, the boxing of the singles in `boxes`)
 * once at a loop head instead of in the loop's body; if a check fails, the head's instruction
 * (raw) is stepped and the block left. */
void tr_fp_hoist(struct tr *t, uint32_t raw, bool arith, bool dyn, uint32_t boxes);
/* translate_fp.c: emit an F/D instruction inline; false if it is left to the interpreter. */
bool tr_fp(struct tr *t, const struct rv_insn *d, uint32_t raw);
/* translate_ops.c: emit one instruction; true if it ended the block. */
bool tr_insn(struct tr *t, const struct rv_insn *d, uint32_t raw);
/* Continue at page offset toff after adding n to instret (block end). */
void tr_goto(struct tr *t, int64_t toff);
/* Jump back to loop head h (instret already added), or exit at the head's pc if attention is
 * pending or the budget is used up, after writing back `dirty`. */
void tr_loop_back(struct tr *t, const struct tr_head *h, uint32_t dirty, uint32_t fdirty);
/* A conditional exit: branch with cc to toff, instret + pend + 1. */
void tr_branch_exit(struct tr *t, enum x86_cc cc, int64_t toff);

#endif
