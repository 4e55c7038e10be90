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
    uint8_t *jcc;         /* rel32 field of the branch to this fixup */
    uint8_t *more_jcc[6]; /* further branches to it (tr_fixup_also) */
    unsigned nmore;
    uint8_t *resume; /* back into the body */
    unsigned off, len, pend;
    unsigned size;
    bool sign;
    struct x86_mem value; /* stores: where the value lives */
    int64_t target;       /* branches: target page offset */
    uint32_t raw;         /* steps: the instruction */
};

#define TR_MAX_FIXUPS 300

struct tr {
    struct jit *j;
    struct jit_page *p;
    struct emitter e;
    unsigned off, len; /* current instruction */
    unsigned pend;     /* instructions retired in the block not yet added to instret */
    bool counted;      /* the current instruction counted itself (interpreter step) */
    bool fp_checked;   /* FS checked on (it stays so until the block ends) */
    bool fp_dirty;     /* FS marked dirty */
    unsigned nfix;
    struct fixup fix[TR_MAX_FIXUPS];
};

void tr_sync_pc(struct tr *t, unsigned off);
void tr_sync_instret(struct tr *t);
/* Emit the fast path of a load into rax (the caller stores it). */
void tr_load(struct tr *t, unsigned rd, unsigned rs1, int32_t imm, unsigned size, bool sign);
void tr_store(struct tr *t, unsigned rs1, int32_t imm, unsigned size, struct x86_mem value);
/* Run one instruction in the interpreter; unless it ends the block, continue if it retired
 * normally. */
void tr_call_step(struct tr *t, uint32_t raw, bool ends_block);
/* A forward branch with cc to an interpreter step of the current instruction, which then
 * resumes at the address set by tr_step_resume(). */
struct fixup *tr_step_fixup(struct tr *t, enum x86_cc cc, uint32_t raw);
/* Another branch with cc to fixup f. */
void tr_fixup_also(struct tr *t, struct fixup *f, enum x86_cc cc);
/* translate_fp.c: emit an F/D instruction inline; false if it is left to the interpreter. */
bool tr_fp(struct tr *t, const struct rv_insn *d, uint32_t raw);
/* translate_ops.c: emit one instruction; true if it ended the block. */
bool tr_insn(struct tr *t, const struct rv_insn *d, uint32_t raw);
/* Continue at page offset toff after adding n to instret (block end). */
void tr_goto(struct tr *t, int64_t toff);
/* A conditional exit: branch with cc to toff, instret + pend + 1. */
void tr_branch_exit(struct tr *t, enum x86_cc cc, int64_t toff);

#endif
