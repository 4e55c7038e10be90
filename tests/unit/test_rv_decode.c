/* The shared RV64GC decoder: encodings (produced by GNU as) -> decoded fields, including
 * compressed forms and reserved/illegal encodings; plus a disassembler smoke test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/riscv/decode.h"

struct decode_case {
    uint32_t raw;
    const char *text; /* for failure messages */
    enum rv_op op;
    unsigned len, rd, rs1, rs2, rs3, rm;
    int32_t imm;
};

#define C4(raw, text, op, rd, rs1, rs2, imm)                                                       \
    {                                                                                              \
        raw, text, RV_OP_##op, 4, rd, rs1, rs2, 0, 0, imm                                          \
    }
#define C4RM(raw, text, op, rd, rs1, rs2, rs3, rm, imm)                                            \
    {                                                                                              \
        raw, text, RV_OP_##op, 4, rd, rs1, rs2, rs3, rm, imm                                       \
    }
#define C2(raw, text, op, rd, rs1, rs2, imm)                                                       \
    {                                                                                              \
        raw, text, RV_OP_##op, 2, rd, rs1, rs2, 0, 0, imm                                          \
    }

static const struct decode_case cases[] = {
    C4(0x80058513, "addi a0,a1,-2048", ADDI, 10, 11, 0, -2048),
    C4(0xfffff2b7, "lui t0,0xfffff", LUI, 5, 0, 0, -4096),
    C4(0x12345097, "auipc ra,0x12345", AUIPC, 1, 0, 0, 0x12345000),
    C4(0x001000ef, "jal ra,+0x800", JAL, 1, 0, 0, 0x800),
    C4(0x00c30067, "jalr zero,12(t1)", JALR, 0, 6, 0, 12),
    C4(0x80b50063, "beq a0,a1,-4096", BEQ, 0, 10, 11, -4096),
    C4(0x7e947fe3, "bgeu s0,s1,+4094", BGEU, 0, 8, 9, 4094),
    C4(0xfff10603, "lb a2,-1(sp)", LB, 12, 2, 0, -1),
    C4(0x7ff1e683, "lwu a3,2047(gp)", LWU, 13, 3, 0, 2047),
    C4(0xffb13c23, "sd s11,-8(sp)", SD, 0, 2, 27, -8),
    C4(0x03f51513, "slli a0,a0,63", SLLI, 10, 10, 0, 63),
    C4(0x42165593, "srai a1,a2,33", SRAI, 11, 12, 0, 33),
    C4(0x41f6559b, "sraiw a1,a2,31", SRAIW, 11, 12, 0, 31),
    C4(0x407302bb, "subw t0,t1,t2", SUBW, 5, 6, 7, 0),
    C4(0x02c5a533, "mulhsu a0,a1,a2", MULHSU, 10, 11, 12, 0),
    C4(0x0307f73b, "remuw a4,a5,a6", REMUW, 14, 15, 16, 0),
    C4RM(0x1405b52f, "lr.d.aq a0,(a1)", LR_D, 10, 11, 0, 0, 2, 0),
    C4RM(0x1ad7262f, "sc.w.rl a2,a3,(a4)", SC_W, 12, 14, 13, 0, 1, 0),
    C4RM(0xe663b2af, "amomaxu.d.aqrl t0,t1,(t2)", AMOMAXU_D, 5, 7, 6, 0, 3, 0),
    C4(0x3005a573, "csrrs a0,mstatus,a1", CSRRS, 10, 11, 0, 0x300),
    C4(0x140fd073, "csrrwi zero,sscratch,31", CSRRWI, 0, 31, 0, 0x140),
    C4(0x30200073, "mret", MRET, 0, 0, 0, 0),
    C4(0x10200073, "sret", SRET, 0, 0, 0, 0),
    C4(0x10500073, "wfi", WFI, 0, 0, 0, 0),
    C4(0x12b50073, "sfence.vma a0,a1", SFENCE_VMA, 0, 10, 11, 0),
    C4RM(0x0310000f, "fence rw,w", FENCE, 0, 0, 0, 0, 0x31, 0x31),
    C4(0x0000100f, "fence.i", FENCE_I, 0, 0, 0, 0),
    C4RM(0x0100000f, "pause", FENCE, 0, 0, 0, 0, 0x10, 0x10),
    C4(0x00000073, "ecall", ECALL, 0, 0, 0, 0),
    C4(0x00100073, "ebreak", EBREAK, 0, 0, 0, 0),
    C4RM(0x6ac59543, "fmadd.d fa0,fa1,fa2,fa3,rtz", FMADD_D, 10, 11, 12, 13, 1, 0),
    C4RM(0x1820f04f, "fnmadd.s ft0,ft1,ft2,ft3,dyn", FNMADD_S, 0, 1, 2, 3, 7, 0),
    C4RM(0xc237b553, "fcvt.lu.d a0,fa5,rup", FCVT_LU_D, 10, 15, 0, 0, 3, 0),
    C4RM(0x4015f553, "fcvt.s.d fa0,fa1", FCVT_S_D, 10, 11, 0, 0, 7, 0),
    C4RM(0x42058553, "fcvt.d.s fa0,fa1", FCVT_D_S, 10, 11, 0, 0, 0, 0),
    C4RM(0xe0000553, "fmv.x.w a0,ft0", FMV_X_W, 10, 0, 0, 0, 0, 0),
    C4RM(0xf20580d3, "fmv.d.x ft1,a1", FMV_D_X, 1, 11, 0, 0, 0, 0),
    C4RM(0xe2051553, "fclass.d a0,fa0", FCLASS_D, 10, 10, 0, 0, 1, 0),
    C4RM(0xa0c58553, "fle.s a0,fa1,fa2", FLE_S, 10, 11, 12, 0, 0, 0),
    C4(0x01052407, "flw fs0,16(a0)", FLW, 8, 10, 0, 16),
    C4(0xfe953827, "fsd fs1,-16(a0)", FSD, 0, 10, 9, -16),
    C4RM(0x5a05f553, "fsqrt.d fa0,fa1", FSQRT_D, 10, 11, 0, 0, 7, 0),
    C4RM(0x20c5a553, "fsgnjx.s fa0,fa1,fa2", FSGNJX_S, 10, 11, 12, 0, 2, 0),

    C2(0x1fe8, "c.addi4spn a0,sp,1020", ADDI, 10, 2, 0, 1020),
    C2(0x3de8, "c.fld fa0,248(a1)", FLD, 10, 11, 0, 248),
    C2(0x5ef0, "c.lw a2,124(a3)", LW, 12, 13, 0, 124),
    C2(0x7ff8, "c.ld a4,248(a5)", LD, 14, 15, 0, 248),
    C2(0xa480, "c.fsd fs0,8(s1)", FSD, 0, 9, 8, 8),
    C2(0xc0a0, "c.sw s0,64(s1)", SW, 0, 9, 8, 64),
    C2(0xe104, "c.sd s1,0(a0)", SD, 0, 10, 9, 0),
    C2(0x0001, "c.nop", ADDI, 0, 0, 0, 0),
    C2(0x1501, "c.addi a0,-32", ADDI, 10, 10, 0, -32),
    C2(0x25fd, "c.addiw a1,31", ADDIW, 11, 11, 0, 31),
    C2(0x567d, "c.li a2,-1", ADDI, 12, 0, 0, -1),
    C2(0x7101, "c.addi16sp sp,-512", ADDI, 2, 2, 0, -512),
    C2(0x7681, "c.lui a3,0xfffe0", LUI, 13, 0, 0, -131072),
    C2(0x907d, "c.srli s0,63", SRLI, 8, 8, 0, 63),
    C2(0x8485, "c.srai s1,1", SRAI, 9, 9, 0, 1),
    C2(0x9b81, "c.andi a5,-32", ANDI, 15, 15, 0, -32),
    C2(0x8d0d, "c.sub a0,a1", SUB, 10, 10, 11, 0),
    C2(0x8d2d, "c.xor a0,a1", XOR, 10, 10, 11, 0),
    C2(0x8d4d, "c.or a0,a1", OR, 10, 10, 11, 0),
    C2(0x8d6d, "c.and a0,a1", AND, 10, 10, 11, 0),
    C2(0x9d0d, "c.subw a0,a1", SUBW, 10, 10, 11, 0),
    C2(0x9d2d, "c.addw a0,a1", ADDW, 10, 10, 11, 0),
    C2(0xb001, "c.j -2048", JAL, 0, 0, 0, -2048),
    C2(0xd101, "c.beqz a0,-256", BEQ, 0, 10, 0, -256),
    C2(0xedfd, "c.bnez a1,+254", BNE, 0, 11, 0, 254),
    C2(0x157e, "c.slli a0,63", SLLI, 10, 10, 0, 63),
    C2(0x357e, "c.fldsp fa0,504(sp)", FLD, 10, 2, 0, 504),
    C2(0x50fe, "c.lwsp ra,252(sp)", LW, 1, 2, 0, 252),
    C2(0x72fe, "c.ldsp t0,504(sp)", LD, 5, 2, 0, 504),
    C2(0x8082, "c.jr ra", JALR, 0, 1, 0, 0),
    C2(0x852e, "c.mv a0,a1", ADD, 10, 0, 11, 0),
    C2(0x9002, "c.ebreak", EBREAK, 0, 0, 0, 0),
    C2(0x9282, "c.jalr t0", JALR, 1, 5, 0, 0),
    C2(0x952e, "c.add a0,a1", ADD, 10, 10, 11, 0),
    C2(0xbfaa, "c.fsdsp fa0,504(sp)", FSD, 0, 2, 10, 504),
    C2(0xdf86, "c.swsp ra,252(sp)", SW, 0, 2, 1, 252),
    C2(0xff96, "c.sdsp t0,504(sp)", SD, 0, 2, 5, 504),
};

/* Reserved or unsupported encodings: ILLEGAL with the raw bits in imm. */
static const struct {
    uint32_t raw;
    unsigned len;
    const char *what;
} illegal_cases[] = {
    {0x00000000, 2, "all-zero halfword"},
    {0x0004, 2, "c.addi4spn with nzuimm 0"},
    {0x4002, 2, "c.lwsp rd=0"},
    {0x6002, 2, "c.ldsp rd=0"},
    {0x8002, 2, "c.jr rs1=0"},
    {0x2001, 2, "c.addiw rd=0"},
    {0x6681, 2, "c.lui imm 0"},
    {0x6101, 2, "c.addi16sp imm 0"},
    {0x8000, 2, "quadrant 0 funct3 100"},
    {0x9c41, 2, "reserved c.subw/c.addw slot"},
    {0xffffffff, 4, "longer than 32-bit encoding"},
    {0x0000007f, 4, "64-bit encoding prefix"},
    {0x00004073, 4, "system funct3 100"},
    {0x302000f3, 4, "mret with rd != 0"},
    {0x0000005b, 4, "custom-2 opcode"},
    {0x04051513, 4, "slli with shamt[6] (funct6 1)"},
    {0x04b50533, 4, "OP funct7 2"},
    {0x04b57553, 4, "fadd.h (fmt 2)"},
    {0x5a15f553, 4, "fsqrt.d with rs2 != 0"},
    {0x1415b52f, 4, "lr.d with rs2 != 0"},
    {0x08b5052f, 4, "amoswap funct3 0"},
    {0x0000302b, 4, "custom-1 opcode"},
    {0x0005f003, 4, "load funct3 111"},
    {0x00b5a063, 4, "branch funct3 010"},
    {0x00b5c027, 4, "fp store funct3 100"},
};

static void test_decode_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct decode_case *c = &cases[i];
        struct rv_insn d;

        rv_decode(c->raw, &d);
        if (d.op != c->op || d.len != c->len || d.rd != c->rd || d.rs1 != c->rs1 ||
            d.rs2 != c->rs2 || d.rs3 != c->rs3 || d.rm != c->rm || d.imm != c->imm) {
            print_error("%s (0x%08x): got %s len %u rd %u rs1 %u rs2 %u rs3 %u rm %u imm %d\n",
                        c->text, c->raw, rv_op_name(d.op), d.len, d.rd, d.rs1, d.rs2, d.rs3, d.rm,
                        d.imm);
            fail();
        }
    }
}

static void test_decode_illegal(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(illegal_cases) / sizeof(illegal_cases[0]); i++) {
        struct rv_insn d;
        uint32_t raw = illegal_cases[i].raw;
        uint32_t bits = illegal_cases[i].len == 2 ? raw & 0xffff : raw;

        rv_decode(raw, &d);
        if (d.op != RV_OP_ILLEGAL || d.len != illegal_cases[i].len || (uint32_t)d.imm != bits) {
            print_error("%s (0x%08x): got %s len %u imm 0x%x\n", illegal_cases[i].what, raw,
                        rv_op_name(d.op), d.len, (unsigned)d.imm);
            fail();
        }
    }
}

/* A compressed instruction ignores the upper halfword it was fetched with. */
static void test_decode_compressed_ignores_upper_half(void **state)
{
    struct rv_insn a, b;

    (void)state;
    rv_decode(0x952e, &a);
    rv_decode(0xdead952e, &b);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_int_equal(rv_insn_len(0x952e), 2);
    assert_int_equal(rv_insn_len(0x8513), 4);
}

static void test_disasm(void **state)
{
    char buf[96];

    (void)state;
    rv_disasm(0x80000000, 0x80058513, buf, sizeof(buf));
    assert_non_null(strstr(buf, "addi"));
    assert_non_null(strstr(buf, "a0,a1,-2048"));
    rv_disasm(0x80001000, 0x80b50063, buf, sizeof(buf));
    assert_non_null(strstr(buf, "0x80000000"));
    rv_disasm(0x0, 0x3005a573, buf, sizeof(buf));
    assert_non_null(strstr(buf, "mstatus"));
    rv_disasm(0x0, 0x6ac59543, buf, sizeof(buf));
    assert_non_null(strstr(buf, "fa0,fa1,fa2,fa3"));
    rv_disasm(0x0, 0x0000, buf, sizeof(buf));
    assert_non_null(strstr(buf, "illegal"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_table),
        cmocka_unit_test(test_decode_illegal),
        cmocka_unit_test(test_decode_compressed_ignores_upper_half),
        cmocka_unit_test(test_disasm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
