/*
 * The interpreter's execution loop: threaded dispatch (computed goto) over pre-decoded slots.
 *
 * Hot state lives in locals: the current slot pointer `ins` (the pc is derived from it only when
 * needed), the page's virtual base, the data TLBs of the current mode and the instruction count.
 * Anything that may change the mode, the TLBs or the pending interrupts leaves through `fetch`
 * (or `check_irq`), which reloads all of it. Straight-line code crosses into the next page
 * through a sentinel slot, so sequential execution never tests for the page end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "accel/interp/internal.h"
#include "core/log.h"
#include "core/vm.h"
#include "cpu/riscv/fpu.h"

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Writes to x0 go to the sink x[32], so no handler has to test rd. F-register destinations
 * keep their number. */
static bool op_writes_freg(unsigned op)
{
    switch (op) {
    case RV_OP_FLW:
    case RV_OP_FLD:
    case RV_OP_FMV_W_X:
    case RV_OP_FMV_D_X:
    case RV_OP_FCVT_S_D:
    case RV_OP_FCVT_D_S:
        return true;
    default:
        return (op >= RV_OP_FMADD_S && op <= RV_OP_FMAX_S) ||
               (op >= RV_OP_FCVT_S_W && op <= RV_OP_FCVT_S_LU) ||
               (op >= RV_OP_FMADD_D && op <= RV_OP_FMAX_D) ||
               (op >= RV_OP_FCVT_D_W && op <= RV_OP_FCVT_D_LU);
    }
}

static bool op_has_rm(unsigned op)
{
    return (op >= RV_OP_FMADD_S && op <= RV_OP_FMV_W_X) ||
           (op >= RV_OP_FMADD_D && op <= RV_OP_FMV_D_X);
}

/*
 * Decode raw into a slot. local_off >= 0 is the instruction's offset in its page: branches and
 * JAL with a target on the same page then become slot-relative jumps (the trampoline passes
 * -1: its instruction is not on the page of its slot). handler overrides the op's handler
 * (tracing).
 */
static void decode_slot(uint32_t raw, struct code_slot *slot, const void *const *labels,
                        const void *handler, int local_off)
{
    struct rv_insn d;
    unsigned sop;

    rv_decode(raw, &d);
    sop = d.op + 1u;
    if (local_off >= 0 && ((d.op >= RV_OP_BEQ && d.op <= RV_OP_BGEU) || d.op == RV_OP_JAL)) {
        int64_t target = (int64_t)local_off + d.imm;
        if (target >= 0 && target < (int64_t)RV_PAGE_SIZE)
            sop = d.op == RV_OP_JAL ? SLOT_JAL_LOCAL : SLOT_BEQ_LOCAL + (d.op - RV_OP_BEQ);
    }
    *slot = (struct code_slot){
        .handler = handler ? handler : labels[sop],
        .imm = op_has_rm(d.op) ? (int32_t)(d.rm | d.rs3 << 8) : d.imm,
        .rd = (d.rd == 0 && !op_writes_freg(d.op)) ? 32 : d.rd,
        .rs1 = d.rs1,
        .rs2 = d.rs2,
        .len = d.len,
    };
}

/* Returns 0, -1 for a guest fetch fault (exception set), -ENOMEM if no code page. */
static int fetch_fill(struct interp *it, struct rv_hart *h, uint64_t pc)
{
    uint8_t *host;
    uint64_t gpa;

    if (rv_fetch_page(h, pc, &host, &gpa) < 0)
        return -1;
    struct code_page *cp = code_cache_get(it, gpa, host);
    if (!cp)
        return -ENOMEM;
    struct rv_fetch_tlb_entry *e = &h->tlb_x[rv_fetch_tlb_index(pc)];
    e->tag = pc & RV_PAGE_MASK;
    e->addend = (uintptr_t)host - (uintptr_t)(pc & RV_PAGE_MASK);
    e->code = cp;
    e->gpa = gpa;
    return 0;
}

static void fatal(struct interp *it, struct rv_hart *h, const char *why)
{
    fprintf(stderr, "kvmu: fatal: %s\n", why);
    rv_hart_dump(h, stderr);
    vm_request_panic(it->vm);
}

static uint32_t trace_insn(struct rv_hart *h, uint64_t pc)
{
    char buf[96];
    uint32_t raw = rv_fetch_raw(h, pc);

    rv_disasm(pc, raw, buf, sizeof(buf));
    log_trace(TRACE_EXEC, "%u %c %016llx: %0*x  %s", h->hartid, "US?M"[h->priv & 3],
              (unsigned long long)pc, (raw & 3) == 3 ? 8 : 4, raw, buf);
    return raw;
}

static inline uint64_t sext32(uint64_t v)
{
    return (uint64_t)(int64_t)(int32_t)v;
}

/*
 * The loop behind interp_exec() and interp_step(). step_raw != NULL: run exactly that one
 * instruction (at h->pc) from the trampoline, then return without checking interrupts; a trap
 * it raises is taken, nothing of the handler runs.
 */
static uint64_t exec_loop(struct interp *it, struct rv_hart *h, uint64_t budget,
                          const uint32_t *step_raw)
{
    static const void *const labels[SLOT_OP_COUNT] = {[SLOT_DECODE] = &&do_decode,
                                                      [SLOT_PAGE_END] = &&do_page_end,
                                                      [SLOT_BEQ_LOCAL] = &&op_BEQ_LOCAL,
                                                      [SLOT_BNE_LOCAL] = &&op_BNE_LOCAL,
                                                      [SLOT_BLT_LOCAL] = &&op_BLT_LOCAL,
                                                      [SLOT_BGE_LOCAL] = &&op_BGE_LOCAL,
                                                      [SLOT_BLTU_LOCAL] = &&op_BLTU_LOCAL,
                                                      [SLOT_BGEU_LOCAL] = &&op_BGEU_LOCAL,
                                                      [SLOT_JAL_LOCAL] = &&op_JAL_LOCAL,
#define RV_OP_LABEL(name, mnem) [RV_OP_##name + 1] = &&op_##name,
                                                      RV_OPS(RV_OP_LABEL)
#undef RV_OP_LABEL
    };
    if (!h) {
        it->handlers = labels;
        return 0;
    }
    const void *const trace_handler = log_trace_on(TRACE_EXEC) ? &&do_trace : NULL;
    const bool trace_cpu = log_trace_on(TRACE_CPU);
    uint64_t *const x = h->x;
    uint64_t *const f = h->f;
    struct code_slot *ins = NULL, *base = NULL;
    struct code_page *cp = NULL;
    const struct rv_tlb_entry *tlb_r = h->tlb_r, *tlb_w = h->tlb_w;
    uint64_t vbase = 0;
    uint64_t n = 0;
    const uint64_t instret0 = h->instret;
    const bool single = step_raw != NULL;

#define PC() (vbase + (uint64_t)((ins - base) * 2))
#define DISPATCH() goto * ins->handler
#define NEXT()                                                                                     \
    do {                                                                                           \
        n++;                                                                                       \
        ins = (struct code_slot *)((char *)ins + ins->len * (sizeof(*ins) / 2));                   \
        DISPATCH();                                                                                \
    } while (0)
/* Taken control transfer: stay on this page without a TLB lookup when possible. */
#define JUMP(target)                                                                               \
    do {                                                                                           \
        uint64_t t_ = (target);                                                                    \
        n++;                                                                                       \
        if (LIKELY((t_ & RV_PAGE_MASK) == vbase && n < budget &&                                   \
                   !atomic_load_explicit(&h->attention, memory_order_relaxed))) {                  \
            ins = base + ((t_ & (RV_PAGE_SIZE - 1)) >> 1);                                         \
            DISPATCH();                                                                            \
        }                                                                                          \
        h->pc = t_;                                                                                \
        goto fetch;                                                                                \
    } while (0)
/* Leave the page after an instruction that may have changed mode, TLBs or this code page. */
#define RETIRE_TO(label, pc_next)                                                                  \
    do {                                                                                           \
        n++;                                                                                       \
        h->pc = (pc_next);                                                                         \
        goto label;                                                                                \
    } while (0)
#define RD x[ins->rd]
#define RS1 x[ins->rs1]
#define RS2 x[ins->rs2]
#define IMM ((uint64_t)(int64_t)ins->imm)

#define LOAD(type, size)                                                                           \
    do {                                                                                           \
        uint64_t a_ = RS1 + IMM;                                                                   \
        const struct rv_tlb_entry *e_ = &tlb_r[rv_dtlb_index(a_)];                                 \
        if (LIKELY(e_->tag == (a_ & (RV_PAGE_MASK | (size - 1))))) {                               \
            type v_;                                                                               \
            memcpy(&v_, (const void *)(uintptr_t)(a_ + e_->addend), size);                         \
            RD = (uint64_t)v_;                                                                     \
        } else {                                                                                   \
            uint64_t v_;                                                                           \
            h->pc = PC();                                                                          \
            if (rv_load_slow(h, a_, size, &v_) < 0)                                                \
                goto exception;                                                                    \
            RD = (uint64_t)(type)v_;                                                               \
        }                                                                                          \
        NEXT();                                                                                    \
    } while (0)

/* A slow-path store may have dropped this very page's decoded slots: leave through fetch. */
#define STORE(type, size, value)                                                                   \
    do {                                                                                           \
        uint64_t a_ = RS1 + IMM;                                                                   \
        const struct rv_tlb_entry *e_ = &tlb_w[rv_dtlb_index(a_)];                                 \
        if (LIKELY(e_->tag == (a_ & (RV_PAGE_MASK | (size - 1))))) {                               \
            type v_ = (type)(value);                                                               \
            memcpy((void *)(uintptr_t)(a_ + e_->addend), &v_, size);                               \
            NEXT();                                                                                \
        }                                                                                          \
        uint64_t pc_ = PC();                                                                       \
        unsigned len_ = ins->len;                                                                  \
        h->pc = pc_;                                                                               \
        if (rv_store_slow(h, a_, size, (uint64_t)(type)(value)) < 0)                               \
            goto exception;                                                                        \
        RETIRE_TO(fetch, pc_ + len_);                                                              \
    } while (0)

/* Same-page transfer decided at decode time: no pc arithmetic, no TLB. */
#define LOCAL_JUMP()                                                                               \
    do {                                                                                           \
        n++;                                                                                       \
        if (UNLIKELY(n >= budget || atomic_load_explicit(&h->attention, memory_order_relaxed))) {  \
            h->pc = PC() + IMM;                                                                    \
            goto fetch;                                                                            \
        }                                                                                          \
        ins =                                                                                      \
            (struct code_slot *)((char *)ins + (intptr_t)ins->imm * (intptr_t)(sizeof(*ins) / 2)); \
        DISPATCH();                                                                                \
    } while (0)
#define BRANCH_LOCAL(cond)                                                                         \
    do {                                                                                           \
        if (cond)                                                                                  \
            LOCAL_JUMP();                                                                          \
        NEXT();                                                                                    \
    } while (0)

#define BRANCH(cond)                                                                               \
    do {                                                                                           \
        if (cond)                                                                                  \
            JUMP(PC() + IMM);                                                                      \
        NEXT();                                                                                    \
    } while (0)

    if (single) {
        decode_slot(*step_raw, &it->tramp[0], labels, trace_handler, -1);
        base = it->tramp;
        ins = base;
        vbase = h->pc;
        DISPATCH();
    }

check_irq : {
    if (UNLIKELY(single))
        goto out;
    uint64_t cause = rv_interrupt_pending(h);
    if (cause)
        rv_trap_take(h, cause, 0, h->pc);
}
fetch:
    if (UNLIKELY(n >= budget || single ||
                 atomic_load_explicit(&h->attention, memory_order_relaxed)))
        goto out;
    {
        uint64_t pc = h->pc;
        struct rv_fetch_tlb_entry *e = &h->tlb_x[rv_fetch_tlb_index(pc)];
        if (UNLIKELY(e->tag != (pc & RV_PAGE_MASK))) {
            int r = fetch_fill(it, h, pc);
            if (UNLIKELY(r == -ENOMEM)) {
                fatal(it, h, "out of memory for the decoded-code cache");
                goto out;
            }
            if (r < 0)
                goto fetch_fault;
            it->fetch_fault_streak = 0;
        }
        cp = e->code;
        base = cp->slots;
        vbase = pc & RV_PAGE_MASK;
        ins = base + ((pc & (RV_PAGE_SIZE - 1)) >> 1);
        tlb_r = h->tlb_r;
        tlb_w = h->tlb_w;
        if (UNLIKELY(trace_cpu))
            rv_hart_dump(h, stderr);
        DISPATCH();
    }

fetch_fault:
    /* A handler that cannot even be fetched traps again forever: that is fatal. */
    if (++it->fetch_fault_streak > 64) {
        fatal(it, h, "trap loop: the trap handler's fetch faults");
        goto out;
    }
    rv_trap_take(h, h->exc_cause, h->exc_tval, h->pc);
    goto fetch;

exception:
    rv_trap_take(h, h->exc_cause, h->exc_tval, h->pc);
    goto fetch;

illegal:
    h->pc = PC();
    h->exc_cause = EXC_ILLEGAL_INSN;
    h->exc_tval = rv_fetch_raw(h, h->pc);
    goto exception;

out:
    h->instret = instret0 + n;
    return n;

do_trace : {
    /* Traced slots all point here; the real handler comes from decoding again. */
    uint64_t pc = PC();
    struct code_slot real;
    uint32_t raw = trace_insn(h, pc);
    decode_slot(raw, &real, labels, NULL, base == it->tramp ? -1 : (int)(pc & (RV_PAGE_SIZE - 1)));
    goto *real.handler;
}

do_decode : {
    uint64_t pc = PC();
    unsigned off = (unsigned)(pc & (RV_PAGE_SIZE - 1));
    uint16_t lo, hi = 0;
    memcpy(&lo, cp->host + off, 2);
    if ((lo & 3) == 3) {
        if (UNLIKELY(off == RV_PAGE_SIZE - 2)) {
            /* Straddles two pages: the second may be remapped any time, so never cache it;
             * run it from the trampoline. */
            uint8_t *host2;
            uint64_t gpa2;
            h->pc = pc;
            if (rv_fetch_page(h, pc + 2, &host2, &gpa2) < 0)
                goto exception;
            memcpy(&hi, host2, 2);
            decode_slot(lo | (uint32_t)hi << 16, &it->tramp[0], labels, trace_handler, -1);
            base = it->tramp;
            ins = base;
            vbase = pc;
            DISPATCH();
        }
        memcpy(&hi, cp->host + off + 2, 2);
    }
    decode_slot(lo | (uint32_t)hi << 16, ins, labels, trace_handler, (int)off);
    code_cache_mark_code(it, cp);
    DISPATCH();
}

do_page_end:
    h->pc = PC();
    goto fetch;

op_ILLEGAL:
    goto illegal;
op_LUI:
    RD = IMM;
    NEXT();
op_AUIPC:
    RD = PC() + IMM;
    NEXT();
op_JAL : {
    uint64_t pc = PC();
    RD = pc + ins->len;
    JUMP(pc + IMM);
}
op_JALR : {
    uint64_t t = (RS1 + IMM) & ~1ull;
    RD = PC() + ins->len;
    JUMP(t);
}
op_BEQ:
    BRANCH(RS1 == RS2);
op_BNE:
    BRANCH(RS1 != RS2);
op_BLT:
    BRANCH((int64_t)RS1 < (int64_t)RS2);
op_BGE:
    BRANCH((int64_t)RS1 >= (int64_t)RS2);
op_BLTU:
    BRANCH(RS1 < RS2);
op_BGEU:
    BRANCH(RS1 >= RS2);
op_BEQ_LOCAL:
    BRANCH_LOCAL(RS1 == RS2);
op_BNE_LOCAL:
    BRANCH_LOCAL(RS1 != RS2);
op_BLT_LOCAL:
    BRANCH_LOCAL((int64_t)RS1 < (int64_t)RS2);
op_BGE_LOCAL:
    BRANCH_LOCAL((int64_t)RS1 >= (int64_t)RS2);
op_BLTU_LOCAL:
    BRANCH_LOCAL(RS1 < RS2);
op_BGEU_LOCAL:
    BRANCH_LOCAL(RS1 >= RS2);
op_JAL_LOCAL:
    RD = PC() + ins->len;
    LOCAL_JUMP();
op_LB:
    LOAD(int8_t, 1);
op_LH:
    LOAD(int16_t, 2);
op_LW:
    LOAD(int32_t, 4);
op_LD:
    LOAD(uint64_t, 8);
op_LBU:
    LOAD(uint8_t, 1);
op_LHU:
    LOAD(uint16_t, 2);
op_LWU:
    LOAD(uint32_t, 4);
op_SB:
    STORE(uint8_t, 1, RS2);
op_SH:
    STORE(uint16_t, 2, RS2);
op_SW:
    STORE(uint32_t, 4, RS2);
op_SD:
    STORE(uint64_t, 8, RS2);
op_ADDI:
    RD = RS1 + IMM;
    NEXT();
op_SLTI:
    RD = (int64_t)RS1 < (int64_t)IMM;
    NEXT();
op_SLTIU:
    RD = RS1 < IMM;
    NEXT();
op_XORI:
    RD = RS1 ^ IMM;
    NEXT();
op_ORI:
    RD = RS1 | IMM;
    NEXT();
op_ANDI:
    RD = RS1 & IMM;
    NEXT();
op_SLLI:
    RD = RS1 << ins->imm;
    NEXT();
op_SRLI:
    RD = RS1 >> ins->imm;
    NEXT();
op_SRAI:
    RD = (uint64_t)((int64_t)RS1 >> ins->imm);
    NEXT();
op_ADD:
    RD = RS1 + RS2;
    NEXT();
op_SUB:
    RD = RS1 - RS2;
    NEXT();
op_SLL:
    RD = RS1 << (RS2 & 63);
    NEXT();
op_SLT:
    RD = (int64_t)RS1 < (int64_t)RS2;
    NEXT();
op_SLTU:
    RD = RS1 < RS2;
    NEXT();
op_XOR:
    RD = RS1 ^ RS2;
    NEXT();
op_SRL:
    RD = RS1 >> (RS2 & 63);
    NEXT();
op_SRA:
    RD = (uint64_t)((int64_t)RS1 >> (RS2 & 63));
    NEXT();
op_OR:
    RD = RS1 | RS2;
    NEXT();
op_AND:
    RD = RS1 & RS2;
    NEXT();
op_ADDIW:
    RD = sext32(RS1 + IMM);
    NEXT();
op_SLLIW:
    RD = sext32((uint32_t)RS1 << ins->imm);
    NEXT();
op_SRLIW:
    RD = sext32((uint32_t)RS1 >> ins->imm);
    NEXT();
op_SRAIW:
    RD = (uint64_t)(int64_t)((int32_t)RS1 >> ins->imm);
    NEXT();
op_ADDW:
    RD = sext32(RS1 + RS2);
    NEXT();
op_SUBW:
    RD = sext32(RS1 - RS2);
    NEXT();
op_SLLW:
    RD = sext32((uint32_t)RS1 << (RS2 & 31));
    NEXT();
op_SRLW:
    RD = sext32((uint32_t)RS1 >> (RS2 & 31));
    NEXT();
op_SRAW:
    RD = (uint64_t)(int64_t)((int32_t)RS1 >> (RS2 & 31));
    NEXT();
op_FENCE:
    NEXT();
op_FENCE_I:
    /* Stores by harts already dropped the code they hit; DMA may still be pending. */
    code_cache_flush_dma(it);
    RETIRE_TO(fetch, PC() + ins->len);
op_ECALL:
    h->pc = PC();
    h->exc_cause = EXC_ECALL_U + h->priv;
    h->exc_tval = 0;
    goto exception;
op_EBREAK:
    h->pc = PC();
    h->exc_cause = EXC_BREAKPOINT;
    h->exc_tval = h->pc;
    goto exception;

op_MUL:
    RD = RS1 * RS2;
    NEXT();
op_MULH:
    RD = (uint64_t)(((__int128)(int64_t)RS1 * (__int128)(int64_t)RS2) >> 64);
    NEXT();
op_MULHSU:
    RD = (uint64_t)(((__int128)(int64_t)RS1 * (__int128)RS2) >> 64);
    NEXT();
op_MULHU:
    RD = (uint64_t)(((unsigned __int128)RS1 * RS2) >> 64);
    NEXT();
op_DIV : {
    int64_t a = (int64_t)RS1, b = (int64_t)RS2;
    RD = b == 0 ? ~0ull : (a == INT64_MIN && b == -1) ? (uint64_t)a : (uint64_t)(a / b);
    NEXT();
}
op_DIVU : {
    uint64_t a = RS1, b = RS2;
    RD = b == 0 ? ~0ull : a / b;
    NEXT();
}
op_REM : {
    int64_t a = (int64_t)RS1, b = (int64_t)RS2;
    RD = b == 0 ? (uint64_t)a : (a == INT64_MIN && b == -1) ? 0 : (uint64_t)(a % b);
    NEXT();
}
op_REMU : {
    uint64_t a = RS1, b = RS2;
    RD = b == 0 ? a : a % b;
    NEXT();
}
op_MULW:
    RD = sext32(RS1 * RS2);
    NEXT();
op_DIVW : {
    int32_t a = (int32_t)RS1, b = (int32_t)RS2;
    RD = b == 0                        ? ~0ull
         : (a == INT32_MIN && b == -1) ? sext32((uint32_t)a)
                                       : sext32((uint32_t)(a / b));
    NEXT();
}
op_DIVUW : {
    uint32_t a = (uint32_t)RS1, b = (uint32_t)RS2;
    RD = b == 0 ? ~0ull : sext32(a / b);
    NEXT();
}
op_REMW : {
    int32_t a = (int32_t)RS1, b = (int32_t)RS2;
    RD = b == 0 ? sext32((uint32_t)a) : (a == INT32_MIN && b == -1) ? 0 : sext32((uint32_t)(a % b));
    NEXT();
}
op_REMUW : {
    uint32_t a = (uint32_t)RS1, b = (uint32_t)RS2;
    RD = b == 0 ? sext32(a) : sext32(a % b);
    NEXT();
}

#include "accel/interp/exec_amo.inc"
#include "accel/interp/exec_system.inc"
#include "accel/interp/exec_fp.inc"
}

uint64_t interp_exec(struct interp *it, struct rv_hart *h, uint64_t budget)
{
    return exec_loop(it, h, budget, NULL);
}

int interp_step(struct interp *it, struct rv_hart *h, uint32_t raw)
{
    return (int)exec_loop(it, h, 0, &raw);
}
