/* Disassembler for -d exec traces, built on the shared decoder (operands in objdump order). */
#include <stdio.h>

#include "cpu/riscv/csr_defs.h"
#include "cpu/riscv/decode.h"

static const char *const xnames[33] = {
    "zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "s0", "s1", "a0",
    "a1",   "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
    "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6", "zero",
};

static const char *const fnames[32] = {
    "ft0", "ft1", "ft2", "ft3", "ft4",  "ft5",  "ft6", "ft7", "fs0",  "fs1",  "fa0",
    "fa1", "fa2", "fa3", "fa4", "fa5",  "fa6",  "fa7", "fs2", "fs3",  "fs4",  "fs5",
    "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

static const struct {
    unsigned num;
    const char *name;
} csr_names[] = {
    {CSR_FFLAGS, "fflags"},
    {CSR_FRM, "frm"},
    {CSR_FCSR, "fcsr"},
    {CSR_CYCLE, "cycle"},
    {CSR_TIME, "time"},
    {CSR_INSTRET, "instret"},
    {CSR_SSTATUS, "sstatus"},
    {CSR_SIE, "sie"},
    {CSR_STVEC, "stvec"},
    {CSR_SCOUNTEREN, "scounteren"},
    {CSR_SENVCFG, "senvcfg"},
    {CSR_SSCRATCH, "sscratch"},
    {CSR_SEPC, "sepc"},
    {CSR_SCAUSE, "scause"},
    {CSR_STVAL, "stval"},
    {CSR_SIP, "sip"},
    {CSR_SATP, "satp"},
    {CSR_MVENDORID, "mvendorid"},
    {CSR_MARCHID, "marchid"},
    {CSR_MIMPID, "mimpid"},
    {CSR_MHARTID, "mhartid"},
    {CSR_MCONFIGPTR, "mconfigptr"},
    {CSR_MSTATUS, "mstatus"},
    {CSR_MISA, "misa"},
    {CSR_MEDELEG, "medeleg"},
    {CSR_MIDELEG, "mideleg"},
    {CSR_MIE, "mie"},
    {CSR_MTVEC, "mtvec"},
    {CSR_MCOUNTEREN, "mcounteren"},
    {CSR_MENVCFG, "menvcfg"},
    {CSR_MCOUNTINHIBIT, "mcountinhibit"},
    {CSR_MSCRATCH, "mscratch"},
    {CSR_MEPC, "mepc"},
    {CSR_MCAUSE, "mcause"},
    {CSR_MTVAL, "mtval"},
    {CSR_MIP, "mip"},
    {CSR_MCYCLE, "mcycle"},
    {CSR_MINSTRET, "minstret"},
    {CSR_PMPCFG0, "pmpcfg0"},
    {CSR_PMPADDR0, "pmpaddr0"},
};

static void csr_name(unsigned csr, char *buf, size_t size)
{
    for (size_t i = 0; i < sizeof(csr_names) / sizeof(csr_names[0]); i++) {
        if (csr_names[i].num == csr) {
            snprintf(buf, size, "%s", csr_names[i].name);
            return;
        }
    }
    snprintf(buf, size, "0x%03x", csr);
}

enum fmt {
    F_NONE,
    F_R,      /* rd, rs1, rs2 */
    F_I,      /* rd, rs1, imm */
    F_U,      /* rd, imm>>12 */
    F_LOAD,   /* rd, imm(rs1) */
    F_STORE,  /* rs2, imm(rs1) */
    F_BRANCH, /* rs1, rs2, target */
    F_JAL,    /* rd, target */
    F_CSR,    /* rd, csr, rs1 */
    F_CSRI,   /* rd, csr, zimm */
    F_AMO,    /* rd, rs2, (rs1) */
    F_LR,     /* rd, (rs1) */
    F_SFENCE, /* rs1, rs2 */
    F_FR,     /* frd, frs1, frs2 */
    F_FR4,    /* frd, frs1, frs2, frs3 */
    F_FF,     /* frd, frs1 */
    F_XF,     /* rd, frs1 */
    F_FX,     /* frd, rs1 */
    F_XFF,    /* rd, frs1, frs2 */
    F_FLOAD,  /* frd, imm(rs1) */
    F_FSTORE, /* frs2, imm(rs1) */
};

static enum fmt op_format(unsigned op)
{
    if (op >= RV_OP_BEQ && op <= RV_OP_BGEU)
        return F_BRANCH;
    if (op >= RV_OP_LB && op <= RV_OP_LWU)
        return F_LOAD;
    if (op >= RV_OP_SB && op <= RV_OP_SD)
        return F_STORE;
    if ((op >= RV_OP_ADDI && op <= RV_OP_SRAI) || (op >= RV_OP_ADDIW && op <= RV_OP_SRAIW))
        return F_I;
    if ((op >= RV_OP_ADD && op <= RV_OP_AND) || (op >= RV_OP_ADDW && op <= RV_OP_SRAW) ||
        (op >= RV_OP_MUL && op <= RV_OP_REMUW))
        return F_R;
    if (op == RV_OP_LR_W || op == RV_OP_LR_D)
        return F_LR;
    if (op >= RV_OP_SC_W && op <= RV_OP_AMOMAXU_D)
        return F_AMO;
    switch (op) {
    case RV_OP_LUI:
    case RV_OP_AUIPC:
        return F_U;
    case RV_OP_JAL:
        return F_JAL;
    case RV_OP_JALR:
        return F_LOAD;
    case RV_OP_CSRRW:
    case RV_OP_CSRRS:
    case RV_OP_CSRRC:
        return F_CSR;
    case RV_OP_CSRRWI:
    case RV_OP_CSRRSI:
    case RV_OP_CSRRCI:
        return F_CSRI;
    case RV_OP_SFENCE_VMA:
        return F_SFENCE;
    case RV_OP_FLW:
    case RV_OP_FLD:
        return F_FLOAD;
    case RV_OP_FSW:
    case RV_OP_FSD:
        return F_FSTORE;
    case RV_OP_FSQRT_S:
    case RV_OP_FSQRT_D:
    case RV_OP_FCVT_S_D:
    case RV_OP_FCVT_D_S:
        return F_FF;
    case RV_OP_FCVT_W_S:
    case RV_OP_FCVT_WU_S:
    case RV_OP_FCVT_L_S:
    case RV_OP_FCVT_LU_S:
    case RV_OP_FMV_X_W:
    case RV_OP_FCLASS_S:
    case RV_OP_FCVT_W_D:
    case RV_OP_FCVT_WU_D:
    case RV_OP_FCVT_L_D:
    case RV_OP_FCVT_LU_D:
    case RV_OP_FMV_X_D:
    case RV_OP_FCLASS_D:
        return F_XF;
    case RV_OP_FCVT_S_W:
    case RV_OP_FCVT_S_WU:
    case RV_OP_FCVT_S_L:
    case RV_OP_FCVT_S_LU:
    case RV_OP_FMV_W_X:
    case RV_OP_FCVT_D_W:
    case RV_OP_FCVT_D_WU:
    case RV_OP_FCVT_D_L:
    case RV_OP_FCVT_D_LU:
    case RV_OP_FMV_D_X:
        return F_FX;
    case RV_OP_FEQ_S:
    case RV_OP_FLT_S:
    case RV_OP_FLE_S:
    case RV_OP_FEQ_D:
    case RV_OP_FLT_D:
    case RV_OP_FLE_D:
        return F_XFF;
    default:
        break;
    }
    if ((op >= RV_OP_FMADD_S && op <= RV_OP_FNMADD_S) ||
        (op >= RV_OP_FMADD_D && op <= RV_OP_FNMADD_D))
        return F_FR4;
    if ((op >= RV_OP_FADD_S && op <= RV_OP_FMAX_S) || (op >= RV_OP_FADD_D && op <= RV_OP_FMAX_D))
        return F_FR;
    return F_NONE;
}

char *rv_disasm(uint64_t pc, uint32_t raw, char *buf, size_t size)
{
    struct rv_insn d;
    char csr[24];
    const char *rd, *rs1, *rs2;
    long long imm;

    rv_decode(raw, &d);
    rd = xnames[d.rd & 31];
    rs1 = xnames[d.rs1 & 31];
    rs2 = xnames[d.rs2 & 31];
    imm = d.imm;
    const char *m = rv_op_name(d.op);
    switch (op_format(d.op)) {
    case F_R:
        snprintf(buf, size, "%-8s %s,%s,%s", m, rd, rs1, rs2);
        break;
    case F_I:
        snprintf(buf, size, "%-8s %s,%s,%lld", m, rd, rs1, imm);
        break;
    case F_U:
        snprintf(buf, size, "%-8s %s,0x%llx", m, rd, (imm >> 12) & 0xfffff);
        break;
    case F_LOAD:
        snprintf(buf, size, "%-8s %s,%lld(%s)", m, rd, imm, rs1);
        break;
    case F_STORE:
        snprintf(buf, size, "%-8s %s,%lld(%s)", m, rs2, imm, rs1);
        break;
    case F_BRANCH:
        snprintf(buf, size, "%-8s %s,%s,0x%llx", m, rs1, rs2,
                 (unsigned long long)(pc + (uint64_t)imm));
        break;
    case F_JAL:
        snprintf(buf, size, "%-8s %s,0x%llx", m, rd, (unsigned long long)(pc + (uint64_t)imm));
        break;
    case F_CSR:
        csr_name((unsigned)d.imm, csr, sizeof(csr));
        snprintf(buf, size, "%-8s %s,%s,%s", m, rd, csr, rs1);
        break;
    case F_CSRI:
        csr_name((unsigned)d.imm, csr, sizeof(csr));
        snprintf(buf, size, "%-8s %s,%s,%u", m, rd, csr, d.rs1);
        break;
    case F_AMO:
        snprintf(buf, size, "%-8s %s,%s,(%s)", m, rd, rs2, rs1);
        break;
    case F_LR:
        snprintf(buf, size, "%-8s %s,(%s)", m, rd, rs1);
        break;
    case F_SFENCE:
        snprintf(buf, size, "%-8s %s,%s", m, rs1, rs2);
        break;
    case F_FR:
        snprintf(buf, size, "%-8s %s,%s,%s", m, fnames[d.rd], fnames[d.rs1], fnames[d.rs2]);
        break;
    case F_FR4:
        snprintf(buf, size, "%-8s %s,%s,%s,%s", m, fnames[d.rd], fnames[d.rs1], fnames[d.rs2],
                 fnames[d.rs3]);
        break;
    case F_FF:
        snprintf(buf, size, "%-8s %s,%s", m, fnames[d.rd], fnames[d.rs1]);
        break;
    case F_XF:
        snprintf(buf, size, "%-8s %s,%s", m, rd, fnames[d.rs1]);
        break;
    case F_FX:
        snprintf(buf, size, "%-8s %s,%s", m, fnames[d.rd], rs1);
        break;
    case F_XFF:
        snprintf(buf, size, "%-8s %s,%s,%s", m, rd, fnames[d.rs1], fnames[d.rs2]);
        break;
    case F_FLOAD:
        snprintf(buf, size, "%-8s %s,%lld(%s)", m, fnames[d.rd], imm, rs1);
        break;
    case F_FSTORE:
        snprintf(buf, size, "%-8s %s,%lld(%s)", m, fnames[d.rs2], imm, rs1);
        break;
    case F_NONE:
        if (d.op == RV_OP_ILLEGAL)
            snprintf(buf, size, "%-8s 0x%x", m, raw & (d.len == 2 ? 0xffffu : ~0u));
        else
            snprintf(buf, size, "%s", m);
        break;
    }
    return buf;
}
