/*
 * RV64GC -> x86-64 block translation.
 *
 * A block starts at a page offset and runs straight through conditional branches (each one a
 * side exit), ending at a jump, an instruction that may change the mode or the TLBs, the end of
 * the page, or a length limit. Guest registers live in the hart, the block's most used ones
 * cached in host registers (regs.c); the instret count is added lazily: at exits and before
 * anything that may read it.
 *
 * Slow paths (TLB misses, traps, exits) are emitted after the block body, so the fast path is a
 * straight line with forward branches that are predicted not taken.
 */
#include <string.h>

#include "accel/jit/internal.h"
#include "accel/jit/translate.h"
#include "core/log.h"
#include "cpu/riscv/decode.h"

#define MAX_BLOCK_INSNS 128

static struct fixup *add_fixup(struct tr *t, enum fixup_kind kind, uint8_t *jcc)
{
    struct fixup *f = &t->fix[t->nfix < TR_MAX_FIXUPS ? t->nfix++ : TR_MAX_FIXUPS - 1];
    memset(f, 0, sizeof(*f));
    f->kind = kind;
    f->jcc = jcc;
    f->off = t->off;
    f->len = t->len;
    f->pend = t->pend;
    f->dirty = t->dirty;
    f->fdirty = t->fdirty;
    return f;
}

void tr_sync_pc(struct tr *t, unsigned off)
{
    emit_lea(&t->e, RAX, x86_mem(R15, (int32_t)off));
    emit_mov_mr(&t->e, HART_FIELD(pc), RAX);
}

static void add_instret(struct tr *t, unsigned n)
{
    if (n)
        emit_alu_mi(&t->e, ALU_ADD, HART_FIELD(instret), (int32_t)n);
}

void tr_sync_instret(struct tr *t)
{
    add_instret(t, t->pend);
    t->pend = 0;
}

/* Continue at page offset toff (instret already added): chained if on this page. */
static void emit_goto(struct tr *t, int64_t toff)
{
    struct emitter *e = &t->e;

    if (toff >= 0 && toff < (int64_t)RV_PAGE_SIZE) {
        /* Patched by the dispatcher to jump straight to the target's block. */
        uint8_t *site = emit_jmp(e, NULL);
        if (!e->overflow)
            emit_patch_rel32(site, emit_here(e));
        tr_sync_pc(t, (unsigned)toff);
        emit_mov_ri(e, RAX, (uint64_t)(uintptr_t)site);
        emit_mov_mr(e, JIT_FIELD(chain_site), RAX);
        emit_jmp(e, t->j->stub_exit);
    } else {
        emit_lea(e, RAX, x86_mem(R15, (int32_t)toff));
        emit_jmp(e, t->j->stub_lookup);
    }
}

void tr_goto(struct tr *t, int64_t toff)
{
    tr_writeback(t, t->dirty);
    tr_fwriteback(t, t->fdirty);
    emit_goto(t, toff);
}

/* Exit to the dispatcher at page offset off (instret already added). */
static void emit_exit_at(struct tr *t, unsigned off)
{
    tr_sync_pc(t, off);
    emit_jmp(&t->e, t->j->stub_exit);
}

void tr_loop_back(struct tr *t, const struct tr_head *h, uint32_t dirty, uint32_t fdirty)
{
    struct emitter *e = &t->e;

    emit_cmp_m32i(e, HART_FIELD(attention), 0);
    uint8_t *stop = emit_jcc(e, CC_NE, NULL);
    emit_mov_rm(e, RAX, HART_FIELD(instret));
    emit_alu_rm(e, ALU_CMP, RAX, JIT_FIELD(limit));
    emit_jcc(e, CC_B, h->code);
    if (!e->overflow)
        emit_patch_rel32(stop, emit_here(e));
    tr_writeback(t, dirty);
    tr_fwriteback(t, fdirty);
    emit_exit_at(t, h->off);
}

void tr_branch_exit(struct tr *t, enum x86_cc cc, int64_t toff)
{
    const struct tr_head *h = tr_head_for(t, toff);
    struct fixup *f = add_fixup(t, FIX_BRANCH, emit_jcc(&t->e, cc, NULL));
    f->pend = t->pend + 1;
    f->target = toff;
    f->head = h;
}

/* A loop head inside the block: instret up to date (a back edge adds only what follows), the
 * FP checks the block needs done once here rather than in every iteration, every register
 * loaded. */
static void emit_inner_head(struct tr *t, uint32_t raw)
{
    tr_sync_instret(t);
    if (t->plan_fp && (!t->fp_checked || (t->plan_fp_arith && (!t->nx_known || !t->fp_dirty)) ||
                       (t->plan_fp_dyn && !t->rne_known)))
        tr_fp_hoist(t, raw, t->plan_fp_arith, t->plan_fp_dyn, 0);
    tr_loop_head(t);
}

struct fixup *tr_step_fixup(struct tr *t, enum x86_cc cc, uint32_t raw)
{
    struct fixup *f = add_fixup(t, FIX_STEP, emit_jcc(&t->e, cc, NULL));
    f->raw = raw;
    return f;
}

void tr_fixup_also(struct tr *t, struct fixup *f, enum x86_cc cc)
{
    uint8_t *jcc = emit_jcc(&t->e, cc, NULL);
    if (f->nmore < sizeof(f->more_jcc) / sizeof(f->more_jcc[0]))
        f->more_jcc[f->nmore++] = jcc;
    else
        t->e.overflow = true; /* a translator bug: fail loudly rather than jump nowhere */
}

static void emit_hart_arg(struct tr *t, int reg)
{
    emit_lea(&t->e, reg, x86_mem(RBX, -HART_BIAS));
}

/* Address rs1 + imm into *addr (rsi, or rs1's own register if imm is 0); rdi = its TLB entry in
 * *tlb; jne to a new slow-path fixup (which finds the address in rsi). */
static struct fixup *emit_tlb_probe(struct tr *t, enum fixup_kind kind, unsigned rs1, int32_t imm,
                                    unsigned size, size_t tlb_field, int *addr)
{
    struct emitter *e = &t->e;
    int base = tr_reg(t, rs1);
    int tlb = tr_tlb_reg(t, kind == FIX_STORE);
    int va = RSI;

    if (base >= 0 && imm == 0 && !t->j->check)
        va = base; /* unchanged until the slow path copies it to rsi */
    else if (base >= 0)
        emit_lea(e, RSI, x86_mem(base, imm));
    else
        tr_get(t, RSI, rs1);
    if (imm && base < 0)
        emit_lea(e, RSI, x86_mem(RSI, imm));
    /* Entry offset (page number mod size) * 16 in one shift and one mask; rorx copies and
     * shifts at once (the bits it rotates in are masked off). */
    _Static_assert(sizeof(struct rv_tlb_entry) == 16, "TLB entries are 16 bytes");
    if (t->bmi2) {
        emit_rorx(e, RDI, va, RV_PAGE_SHIFT - 4);
    } else {
        emit_mov_rr(e, RDI, va);
        emit_shift_ri(e, SHIFT_SHR, RDI, RV_PAGE_SHIFT - 4);
    }
    emit_alu_ri32(e, ALU_AND, RDI, (int32_t)((RV_DTLB_SIZE - 1) << 4));
    /* The entry: [rdi + the TLB pointer], from its register if the block has one spare. */
    struct x86_mem tag = x86_mem(RDI, 0);
    if (tlb >= 0)
        tag = x86_mem_idx(RDI, tlb, 1, 0);
    else
        emit_alu_rm(e, ALU_ADD, RDI, x86_mem(RBX, (int32_t)tlb_field - HART_BIAS));
    emit_mov_rr(e, RAX, va);
    emit_alu_ri(e, ALU_AND, RAX, (int32_t)(RV_PAGE_MASK | (size - 1)));
    emit_alu_rm(e, ALU_CMP, RAX, tag);
    struct fixup *f = add_fixup(t, kind, emit_jcc(e, CC_NE, NULL));
    f->size = size;
    f->va = (int8_t)va;
    /* Host address: va + addend. */
    tag.disp = 8;
    emit_mov_rm(e, RDI, tag);
    *addr = va;
    return f;
}

void tr_load(struct tr *t, int dst, unsigned rs1, int32_t imm, unsigned size, bool sign)
{
    int va;
    struct fixup *f =
        emit_tlb_probe(t, FIX_LOAD, rs1, imm, size, offsetof(struct rv_hart, tlb_r), &va);
    f->sign = sign;
    f->dst = (int8_t)dst;
    emit_load(&t->e, size, sign, dst, x86_mem_idx(va, RDI, 1, 0));
    f->resume = emit_here(&t->e);
}

void tr_load_fx(struct tr *t, int x, unsigned rs1, int32_t imm)
{
    int va;
    struct fixup *f =
        emit_tlb_probe(t, FIX_LOAD, rs1, imm, 8, offsetof(struct rv_hart, tlb_r), &va);
    f->dst = (int8_t)x;
    f->dst_xmm = true;
    emit_sse_rm(&t->e, 0xf2, 0x10, x, x86_mem_idx(va, RDI, 1, 0)); /* movsd x, [va+rdi] */
    f->resume = emit_here(&t->e);
}

static void store_value(struct tr *t, unsigned size, struct x86_mem m, int xsrc,
                        struct x86_mem fsrc, int fx)
{
    int h = xsrc >= 0 ? tr_reg(t, (unsigned)xsrc) : -1;

    if (fx >= 0) {
        emit_sse_rm(&t->e, size == 8 ? 0xf2 : 0xf3, 0x11, fx, m); /* movsd / movss m, fx */
        return;
    }

    if (h < 0) {
        if (xsrc == 0)
            emit_mov_ri(&t->e, RCX, 0);
        else
            emit_mov_rm(&t->e, RCX, xsrc > 0 ? HART_X(xsrc) : fsrc);
        h = RCX;
    }
    emit_store(&t->e, size, m, h);
}

void tr_store(struct tr *t, unsigned rs1, int32_t imm, unsigned size, int xsrc, struct x86_mem fsrc,
              int fx)
{
    struct emitter *e = &t->e;

    if (xsrc > 0)
        tr_reg(t, (unsigned)xsrc); /* load a cached value before the branch to the slow path */
    int va;
    struct fixup *f =
        emit_tlb_probe(t, FIX_STORE, rs1, imm, size, offsetof(struct rv_hart, tlb_w), &va);
    /* The slow path writes the cached registers back first: the hart holds the value then. */
    f->value = xsrc >= 0 ? HART_X(xsrc) : fsrc;
    if (t->j->check) {
        /* The checker undoes the block's stores before re-running it: log the old bytes. The
         * host address is kept on the stack (two pushes keep it 16-byte aligned). */
        emit_lea(e, RSI, x86_mem_idx(RSI, RDI, 1, 0));
        emit_push(e, RSI);
        emit_push(e, RSI);
        tr_call_begin(t);
        emit_mov_rr(e, RDI, RBP);
        emit_mov_ri(e, RDX, size);
        emit_call_abs(e, (const void *)jit_helper_log_store);
        tr_call_end(t, false);
        emit_pop(e, RSI);
        emit_pop(e, RSI);
        store_value(t, size, x86_mem(RSI, 0), xsrc, fsrc, fx);
    } else {
        store_value(t, size, x86_mem_idx(va, RDI, 1, 0), xsrc, fsrc, fx);
    }
    f->resume = emit_here(e);
}

void tr_call_step(struct tr *t, uint32_t raw, bool ends_block)
{
    struct emitter *e = &t->e;

    tr_sync_pc(t, t->off);
    tr_sync_instret(t);
    tr_call_begin(t);
    t->nx_known = t->rne_known = false; /* conservatively: the step may write fflags/frm */
    emit_hart_arg(t, RDI);
    emit_mov_ri(e, RSI, raw);
    emit_call_abs(e, (const void *)jit_helper_step);
    if (ends_block) {
        emit_jmp(e, t->j->stub_exit);
    } else {
        emit_test_rr32(e, RAX, RAX);
        emit_jcc(e, CC_NE, t->j->stub_exit);
        tr_call_end(t, true);
        t->counted = true;
    }
}

static void emit_fixups(struct tr *t)
{
    struct emitter *e = &t->e;

    for (unsigned i = 0; i < t->nfix; i++) {
        struct fixup *f = &t->fix[i];
        if (!e->overflow) {
            emit_patch_rel32(f->jcc, emit_here(e));
            for (unsigned k = 0; k < f->nmore; k++)
                emit_patch_rel32(f->more_jcc[k], emit_here(e));
        }
        bool loop = f->kind == FIX_BRANCH && f->head;
        /* The hart must hold every guest register before a helper runs or the block exits
         * (a loop's back edge keeps them in host registers; it writes back only to exit). */
        if (!loop) {
            tr_writeback(t, f->dirty);
            tr_fwriteback(t, f->fdirty);
        }
        switch (f->kind) {
        case FIX_ENTRY:
            emit_exit_at(t, f->off);
            break;
        case FIX_BRANCH:
            add_instret(t, f->pend);
            if (loop)
                tr_loop_back(t, f->head, f->dirty, f->fdirty);
            else
                emit_goto(t, f->target);
            break;
        case FIX_STEP:
            /* The step counts this instruction itself; the body counts it again later. */
            tr_sync_pc(t, f->off);
            add_instret(t, f->pend);
            emit_hart_arg(t, RDI);
            emit_mov_ri(e, RSI, f->raw);
            emit_call_abs(e, (const void *)jit_helper_step);
            if (f->exit_after) {
                emit_jmp(e, t->j->stub_exit); /* pc and instret are the step's */
                break;
            }
            emit_test_rr32(e, RAX, RAX);
            emit_jcc(e, CC_NE, t->j->stub_exit);
            emit_alu_mi(e, ALU_SUB, HART_FIELD(instret), (int32_t)f->pend + 1);
            tr_reload(t, true); /* the step may have written any register */
            tr_freload(t);
            emit_jmp(e, f->resume);
            break;
        case FIX_LOAD:
        case FIX_STORE: {
            /* The guest address is still in f->va. */
            if (f->va != RSI)
                emit_mov_rr(e, RSI, f->va);
            tr_sync_pc(t, f->off);
            emit_hart_arg(t, RDI);
            uint8_t *failed;
            if (f->kind == FIX_LOAD) {
                emit_mov_ri(e, RDX, f->size | (f->sign ? JIT_LOAD_SIGNED : 0));
                emit_call_abs(e, (const void *)jit_helper_load);
                emit_test_rr(e, RDX, RDX);
            } else {
                emit_mov_rm(e, RDX, f->value);
                emit_mov_ri(e, RCX, f->size);
                emit_lea(e, R8, x86_mem(R15, (int32_t)(f->off + f->len)));
                emit_call_abs(e, (const void *)jit_helper_store);
                emit_test_rr32(e, RAX, RAX);
            }
            failed = emit_jcc(e, CC_NE, NULL);
            /* The call clobbered the caller-saved registers, and the body may have loaded
             * registers lazily after the branch to here: reload every cached one. */
            tr_reload(t, true);
            tr_freload(t);
            if (f->kind == FIX_LOAD && f->dst_xmm)
                emit_movq_xr(e, f->dst, RAX); /* after the reload: it is rd's register */
            else if (f->kind == FIX_LOAD && f->dst != RAX)
                emit_mov_rr(e, f->dst, RAX); /* after the reload: it may be rd's register */
            emit_jmp(e, f->resume);
            if (!e->overflow)
                emit_patch_rel32(failed, emit_here(e));
            /* Trapped (the helper took it), or a store that must leave the block. */
            add_instret(t, f->pend);
            emit_jmp(e, t->j->stub_exit);
            break;
        }
        }
    }
}

/* -d in_asm / out_asm: the block's guest instructions, then the host bytes it became. */
static void trace_block(const struct jit_page *p, unsigned from, unsigned to, const uint8_t *code,
                        const uint8_t *end)
{
    if (log_trace_on(TRACE_IN_ASM)) {
        log_trace(TRACE_IN_ASM, "IN: block at gpa 0x%llx%s", (unsigned long long)(p->gpa + from),
                  from == to ? " (an exit: its first instruction runs in the interpreter)" : "");
        for (unsigned off = from; off + 2 <= to;) {
            uint16_t lo, hi = 0;
            memcpy(&lo, p->host + off, 2);
            unsigned len = rv_insn_len(lo);
            if (off + len > to)
                break;
            if (len == 4)
                memcpy(&hi, p->host + off + 2, 2);
            char text[96];
            uint64_t gpa = p->gpa + off;
            log_trace(TRACE_IN_ASM, "0x%016llx:  %s", (unsigned long long)gpa,
                      rv_disasm(gpa, lo | (uint32_t)hi << 16, text, sizeof(text)));
            off += len;
        }
    }
    if (log_trace_on(TRACE_OUT_ASM)) {
        log_trace(TRACE_OUT_ASM, "OUT: %zu bytes at %p", (size_t)(end - code), (const void *)code);
        for (const uint8_t *b = code; b < end; b += 16) {
            char line[16 * 3 + 1];
            size_t n = 0;
            for (const uint8_t *c = b; c < end && c < b + 16; c++)
                n += (size_t)snprintf(line + n, sizeof(line) - n, " %02x", *c);
            log_trace(TRACE_OUT_ASM, "%p:%s", (const void *)b, line);
        }
    }
}

uint8_t *jit_translate(struct jit *j, struct jit_page *p, unsigned off)
{
    struct tr *t = j->tr;
    uint8_t *start = j->code_free;

    memset(t, 0, offsetof(struct tr, fix));
    t->j = j;
    t->p = p;
    t->off = off;
    t->start = off;
    t->bmi2 = __builtin_cpu_supports("bmi2");
    t->avx = __builtin_cpu_supports("avx");
    emit_init(&t->e, start, (size_t)(j->code + j->code_size - start));
    tr_regs_plan(t, MAX_BLOCK_INSNS);

    /* Entry: stop for attention (interrupts, kicks, DMA into code) or an exhausted budget. */
    emit_cmp_m32i(&t->e, HART_FIELD(attention), 0);
    add_fixup(t, FIX_ENTRY, emit_jcc(&t->e, CC_NE, NULL));
    emit_mov_rm(&t->e, RAX, HART_FIELD(instret));
    emit_alu_rm(&t->e, ALU_CMP, RAX, JIT_FIELD(limit));
    add_fixup(t, FIX_ENTRY, emit_jcc(&t->e, CC_AE, NULL));
    if (t->self_loop && t->plan_fp) {
        uint16_t lo, hi = 0;
        memcpy(&lo, p->host + off, 2);
        if ((lo & 3) == 3 && off + 4 <= RV_PAGE_SIZE)
            memcpy(&hi, p->host + off + 2, 2);
        tr_fp_hoist(t, lo | (uint32_t)hi << 16, t->plan_fp_arith, t->plan_fp_dyn, t->fbox_hoist);
    }
    if (t->self_loop) {
        /* Checked at the entry, and the block writes them only boxed: every iteration. */
        t->fboxed = t->fbox_hoist;
        tr_loop_head(t);
    }

    for (unsigned n = 0;; n++) {
        if (t->off >= RV_PAGE_SIZE) {
            tr_sync_instret(t);
            tr_goto(t, t->off);
            break;
        }
        if (n >= MAX_BLOCK_INSNS || t->nfix + 4 > TR_MAX_FIXUPS) {
            tr_sync_instret(t);
            tr_goto(t, t->off);
            break;
        }
        uint16_t lo, hi = 0;
        memcpy(&lo, p->host + t->off, 2);
        if ((lo & 3) == 3) {
            if (t->off == RV_PAGE_SIZE - 2) {
                /* Straddles into the next page: the dispatcher runs it. */
                tr_sync_instret(t);
                tr_writeback(t, t->dirty);
                tr_fwriteback(t, t->fdirty);
                emit_exit_at(t, t->off);
                break;
            }
            memcpy(&hi, p->host + t->off + 2, 2);
        }
        uint32_t raw = lo | (uint32_t)hi << 16;
        if (tr_is_head(t, t->off))
            emit_inner_head(t, raw);
        struct rv_insn d;
        rv_decode(raw, &d);
        t->len = d.len;
        t->counted = false;
        bool ends = tr_insn(t, &d, raw);
        if (ends)
            break;
        tr_fbox_update(t, &d);
        if (!t->counted)
            t->pend++;
        t->off += d.len;
    }
    emit_fixups(t);
    if (t->e.overflow)
        return NULL;
    j->code_free = emit_here(&t->e);
    if (log_trace_on(TRACE_IN_ASM | TRACE_OUT_ASM))
        trace_block(p, t->start, t->off, start, j->code_free);
    /* Keep blocks 16-byte aligned for the front end. */
    while ((uintptr_t)j->code_free & 15)
        *j->code_free++ = 0xcc;
    j->blocks++;
    return start;
}
