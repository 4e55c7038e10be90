// Virtual memory: Sv39 walks with 4K, 2M and 1G pages (and a high negative-address alias), Sv48
// with a 512G page, permission faults (R/W/X, reserved W-without-R, non-leaf at the last level,
// misaligned superpage, invalid, non-canonical address) with the right cause and tval, U pages and
// SUM, MXR, MPRV, A/D bits (hardware update or fault: both allowed), sfence.vma after a PTE change,
// page faults delegated to S (scause/stval), an instruction straddling two pages (remapped,
// then unmapped), satp writes of unsupported modes.
#include "common.h"

#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_U 0x10
#define PTE_G 0x20
#define PTE_A 0x40
#define PTE_D 0x80
#define SATP_SV39 (8 << 60)
#define SATP_SV48 (9 << 60)

#define TEST_VA 0x40000000 /* 4K pages: page i at TEST_VA + i * 0x1000 */
#define VA(i) (TEST_VA + (i) * 0x1000)
#define MEGA_VA 0xc0000000
#define MEGA_PA 0x80200000
#define HIGH_VA 0xffffffffc0000000 /* 1G alias of RAM_BASE */

// table[index] = leaf or pointer for physical address in `pa_reg`; clobbers t0-t2
#define SET_PTE(table, index, pa_reg, flags)                                                       \
    srli t0, pa_reg, 12;                                                                           \
    slli t0, t0, 10;                                                                               \
    ori t0, t0, flags;                                                                             \
    la t1, table;                                                                                  \
    li t2, (index) * 8;                                                                            \
    add t1, t1, t2;                                                                                \
    sd t0, 0(t1)
#define SET_PTE_PA(table, index, pa, flags)                                                        \
    li a6, pa;                                                                                     \
    SET_PTE(table, index, a6, flags)
#define SET_PTE_SYM(table, index, sym, flags)                                                      \
    la a6, sym;                                                                                    \
    SET_PTE(table, index, a6, flags)

// load/store expecting a page fault (to M) with the given cause and tval = the address
#define EXPECT_FAULT(cause, addr_reg, ...)                                                         \
    CASE;                                                                                          \
    ARM_TRAP_RESUME(9987f);                                                                        \
    __VA_ARGS__;                                                                                   \
    j fail;                                                                                        \
    9987:                                                                                          \
    TRAP_FIELD(t0, TR_CAUSE);                                                                      \
    CHECK(t0, cause);                                                                              \
    TRAP_FIELD(t0, TR_TVAL);                                                                       \
    CHECK_REG(t0, addr_reg)

#define LEAF_RWX (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define LEAF_RW (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

.globl test_main
test_main:
    li a1, 7
    csrw mcounteren, a1
    la a1, strap_vector
    csrw stvec, a1

    // ---- build the tables (in M-mode, physical addresses) ----
    SET_PTE_PA(root, 0, 0, LEAF_RW) // 0..1G: devices, S-only
    SET_PTE_SYM(root, 1, l1_test, PTE_V) // 1G..2G: test pages
    SET_PTE_PA(root, 2, RAM_BASE, LEAF_RWX) // RAM identity, S-only
    SET_PTE_SYM(root, 3, l1_mega, PTE_V) // 3G..4G: megapages
    SET_PTE_PA(root, 511, RAM_BASE, LEAF_RWX) // high alias of RAM
    SET_PTE_SYM(l1_test, 0, l0_test, PTE_V)
    SET_PTE_SYM(l0_test, 0, page0, LEAF_RW)
    SET_PTE_SYM(l0_test, 1, page1, PTE_V | PTE_R | PTE_A)
    SET_PTE_SYM(l0_test, 2, page2, PTE_V | PTE_X | PTE_A) // execute-only
    SET_PTE_SYM(l0_test, 3, page3, LEAF_RW | PTE_U)
    SET_PTE_SYM(l0_test, 4, page4, LEAF_RW & ~PTE_V) // invalid
    SET_PTE_SYM(l0_test, 5, page5, PTE_V | PTE_R | PTE_W) // A = D = 0
    SET_PTE_SYM(l0_test, 6, page6, PTE_V | PTE_R | PTE_W | PTE_A) // D = 0
    SET_PTE_SYM(l0_test, 7, page7, PTE_V | PTE_W | PTE_A | PTE_D) // W without R: reserved
    SET_PTE_SYM(l0_test, 8, ucode, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A) // user code
    SET_PTE_SYM(l0_test, 9, page1, PTE_V) // non-leaf at the last level
    SET_PTE_PA(l1_mega, 0, MEGA_PA, LEAF_RW) // 2M page
    SET_PTE_PA(l1_mega, 1, MEGA_PA + 0x1000, LEAF_RW) // misaligned 2M page
    SET_PTE_SYM(root48, 0, root, PTE_V) // Sv48: first 512G through the Sv39 root
    SET_PTE_PA(root48, 1, 0, LEAF_RWX) // Sv48: 512G page at VA 512G -> PA 0

    // markers: the first dword of each page says which page it is
#define MARK(sym, value)                                                                           \
    la a1, sym;                                                                                    \
    li a2, value;                                                                                  \
    sd a2, 0(a1)
    MARK(page0, 0x1000)
    MARK(page1, 0x1001)
    MARK(page2, 0x1002)
    MARK(page3, 0x1003)
    MARK(page4, 0x1004)
    MARK(page5, 0x1005)
    MARK(page6, 0x1006)
    MARK(page7, 0x1007)
    li a1, MEGA_PA
    li a2, 0x2000
    sd a2, 0(a1)
    li a2, 0x2001
    li a3, 0x1000
    add a3, a1, a3
    sd a2, 0(a3)
    li a2, 0x2002
    li a3, 0x1ff000
    add a3, a1, a3
    sd a2, 0(a3)

    // code straddling VA(11)/VA(12), backed by non-adjacent frames in reverse order:
    // VA(11) + 0xffc: c.li a0, 5; + 0xffe: addi a0, a0, 37 (upper half on VA(12)); ret
#define ADDI_A0_37 0x02550513
#define ADDI_A0_100 0x06450513
    SET_PTE_SYM(l0_test, 11, xpage_b, PTE_V | PTE_R | PTE_X | PTE_A)
    SET_PTE_SYM(l0_test, 12, xpage_a, PTE_V | PTE_R | PTE_X | PTE_A)
    la a1, xpage_b
    li a2, 0xffc
    add a1, a1, a2
    li a2, 0x4515 // c.li a0, 5
    sh a2, 0(a1)
    li a2, ADDI_A0_37 & 0xffff
    sh a2, 2(a1)
    la a1, xpage_a
    li a2, ADDI_A0_37 >> 16
    sh a2, 0(a1)
    li a2, 0x8067 // ret, written as two halves (2-byte aligned)
    sh a2, 2(a1)
    sh zero, 4(a1)
    la a1, xpage_c
    li a2, ADDI_A0_100 >> 16
    sh a2, 0(a1)
    li a2, 0x8067
    sh a2, 2(a1)
    sh zero, 4(a1)
    fence.i

    // ---- Sv39 on, S-mode ----
    la a1, root
    srli a1, a1, 12
    li a2, SATP_SV39
    or a1, a1, a2
    csrw satp, a1
    csrr a0, satp
    CHECK_REG(a0, a1)
    sfence.vma
    GOTO_MODE(PRV_S, s_mode_1)
s_mode_1:
    CASE // 4K page
    li a1, VA(0)
    ld a0, 0(a1)
    CHECK(a0, 0x1000)
    li a2, 0x5000
    sd a2, 8(a1)
    la a3, page0 // the identity mapping sees the same frame
    ld a0, 8(a3)
    CHECK(a0, 0x5000)
    CASE // read-only page
    li a1, VA(1)
    ld a0, 0(a1)
    CHECK(a0, 0x1001)
    addi a1, a1, 16
    EXPECT_FAULT(CAUSE_STORE_PAGE_FAULT, a1, sd a0, 0(a1))
    EXPECT_FAULT(CAUSE_STORE_PAGE_FAULT, a1, amoadd.d a0, a0, (a1))
    CASE // execute-only: loads fault unless MXR
    li a1, VA(2)
    EXPECT_FAULT(CAUSE_LOAD_PAGE_FAULT, a1, ld a0, 0(a1))
    li a2, MSTATUS_MXR
    csrs sstatus, a2
    ld a0, 0(a1)
    CHECK(a0, 0x1002)
    EXPECT_FAULT(CAUSE_STORE_PAGE_FAULT, a1, sd a0, 0(a1))
    li a2, MSTATUS_MXR
    csrc sstatus, a2
    CASE // U page from S: loads/stores need SUM; fetches never allowed
    li a1, VA(3)
    EXPECT_FAULT(CAUSE_LOAD_PAGE_FAULT, a1, ld a0, 0(a1))
    EXPECT_FAULT(CAUSE_STORE_PAGE_FAULT, a1, sd a0, 0(a1))
    li a2, MSTATUS_SUM
    csrs sstatus, a2
    ld a0, 0(a1)
    CHECK(a0, 0x1003)
    li a0, 0x3003
    sd a0, 8(a1)
    li a1, VA(8) // user code page, S fetch with SUM = 1 still faults
    EXPECT_FAULT(CAUSE_FETCH_PAGE_FAULT, a1, jalr ra, 0(a1))
    TRAP_FIELD(a0, TR_EPC)
    CHECK_REG(a0, a1)
    li a2, MSTATUS_SUM
    csrc sstatus, a2
    CASE // invalid PTE; W without R; non-leaf at level 0
    li a1, VA(4) + 8
    EXPECT_FAULT(CAUSE_LOAD_PAGE_FAULT, a1, ld a0, 0(a1))
    EXPECT_FAULT(CAUSE_STORE_PAGE_FAULT, a1, sd a0, 0(a1))
    li a1, VA(7)
    EXPECT_FAULT(CAUSE_LOAD_PAGE_FAULT, a1, ld a0, 0(a1))
    EXPECT_FAULT(CAUSE_STORE_PAGE_FAULT, a1, sd a0, 0(a1))
    li a1, VA(9)
    EXPECT_FAULT(CAUSE_LOAD_PAGE_FAULT, a1, ld a0, 0(a1))
    li a1, VA(10) // not even a PTE (zero)
    EXPECT_FAULT(CAUSE_LOAD_PAGE_FAULT, a1, lw a0, 0(a1))
    CASE // fetch from a page without X
    li a1, VA(0)
    EXPECT_FAULT(CAUSE_FETCH_PAGE_FAULT, a1, jalr ra, 0(a1))
    CASE // 2M page, and a misaligned one
    li a1, MEGA_VA
    ld a0, 0(a1)
    CHECK(a0, 0x2000)
    li a2, 0x1000
    add a2, a1, a2
    ld a0, 0(a2)
    CHECK(a0, 0x2001)
    li a2, 0x1ff000
    add a2, a1, a2
    ld a0, 0(a2)
    CHECK(a0, 0x2002)
    li a1, MEGA_VA + 0x200000
    EXPECT_FAULT(CAUSE_LOAD_PAGE_FAULT, a1, ld a0, 0(a1))
    CASE // 1G page at a negative address aliasing RAM
    la a1, page3
    li a2, HIGH_VA - RAM_BASE
    add a1, a1, a2
    ld a0, 0(a1)
    CHECK(a0, 0x1003)
    CASE // non-canonical addresses fault (bits 63..39 must equal bit 38)
    li a1, 0x0000008000000000
    EXPECT_FAULT(CAUSE_LOAD_PAGE_FAULT, a1, ld a0, 0(a1))
    li a1, 0x8000000080000000
    EXPECT_FAULT(CAUSE_STORE_PAGE_FAULT, a1, sd a0, 0(a1))

    // ---- A and D: either set by hardware or a page fault, and never set without access ----
    CASE
    la a3, l0_test + 5 * 8
    ld a0, 0(a3)
    andi a0, a0, PTE_A | PTE_D
    CHECK(a0, 0)
    li a1, VA(5)
    ARM_TRAP_RESUME(1f)
    ld a0, 0(a1)
    DISARM_TRAP
    CHECK(a0, 0x1005)
    ld a0, 0(a3) // loaded: A set, D still clear
    andi a0, a0, PTE_A | PTE_D
    CHECK(a0, PTE_A)
    j 2f
1:  TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_LOAD_PAGE_FAULT)
    TRAP_FIELD(a0, TR_TVAL)
    CHECK_REG(a0, a1)
2:  CASE
    la a3, l0_test + 6 * 8
    li a1, VA(6)
    ld a0, 0(a1) // A = 1 already
    CHECK(a0, 0x1006)
    ld a0, 0(a3)
    andi a0, a0, PTE_D
    CHECK(a0, 0)
    li a2, 0x6006
    ARM_TRAP_RESUME(3f)
    sd a2, 8(a1)
    DISARM_TRAP
    ld a0, 0(a3)
    andi a0, a0, PTE_D
    CHECK(a0, PTE_D)
    j 4f
3:  TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_STORE_PAGE_FAULT)
    la a4, page6 // the store did not happen
    ld a0, 8(a4)
    CHECK(a0, 0)
4:
    // ---- sfence.vma makes a PTE change visible ----
    CASE
    li a1, VA(0)
    ld a0, 0(a1)
    CHECK(a0, 0x1000)
    SET_PTE_SYM(l0_test, 0, page1, LEAF_RW)
    sfence.vma a1, zero
    ld a0, 0(a1)
    CHECK(a0, 0x1001)
    SET_PTE_SYM(l0_test, 0, page0, LEAF_RW)
    sfence.vma
    ld a0, 0(a1)
    CHECK(a0, 0x1000)
    CASE // a removed mapping faults after sfence.vma
    la a3, l0_test + 1 * 8
    ld s1, 0(a3)
    sd zero, 0(a3)
    sfence.vma
    li a1, VA(1)
    EXPECT_FAULT(CAUSE_LOAD_PAGE_FAULT, a1, ld a0, 0(a1))
    sd s1, 0(a3)
    sfence.vma

    // ---- a 32-bit instruction straddling two pages mapped to unrelated frames ----
    CASE
    li a1, VA(11) + 0xffc
    jalr ra, 0(a1)
    CHECK(a0, 42)
    CASE // remap the second page: the instruction changes
    SET_PTE_SYM(l0_test, 12, xpage_c, PTE_V | PTE_R | PTE_X | PTE_A)
    sfence.vma
    li a1, VA(11) + 0xffc
    jalr ra, 0(a1)
    CHECK(a0, 105)
    CASE // unmap it: instruction page fault, epc = the instruction, tval = its address or the
         // address of the missing part (both allowed)
    la a3, l0_test + 12 * 8
    sd zero, 0(a3)
    sfence.vma
    li a1, VA(11) + 0xffc
    li a0, 0
    ARM_TRAP_RESUME(7f)
    jalr ra, 0(a1)
    j fail
7:  CHECK(a0, 5) // the c.li before it ran
    TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_FETCH_PAGE_FAULT)
    TRAP_FIELD(a0, TR_EPC)
    CHECK(a0, VA(11) + 0xffe)
    TRAP_FIELD(a0, TR_TVAL)
    li t6, VA(12)
    beq a0, t6, 8f
    CHECK(a0, VA(11) + 0xffe)
8:
    // ---- page faults delegated to S ----
    RETURN_TO_M
    li a1, (1 << CAUSE_LOAD_PAGE_FAULT) | (1 << CAUSE_STORE_PAGE_FAULT) | (1 << CAUSE_FETCH_PAGE_FAULT)
    csrw medeleg, a1
    GOTO_MODE(PRV_S, s_mode_2)
s_mode_2:
    CASE
    li a1, VA(4)
    ARM_STRAP_RESUME(5f)
    ld a0, 0(a1)
    j fail
5:  STRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_LOAD_PAGE_FAULT)
    STRAP_FIELD(a0, TR_TVAL)
    CHECK_REG(a0, a1)
    CASE
    li a1, VA(1) + 0x10
    ARM_STRAP_RESUME(6f)
    sw a0, 0(a1)
    j fail
6:  STRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_STORE_PAGE_FAULT)
    STRAP_FIELD(a0, TR_TVAL)
    CHECK_REG(a0, a1)
    CASE
    li a1, VA(0) + 4
    ARM_STRAP_RESUME(9f)
    jalr a1
    j fail
9:  STRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_FETCH_PAGE_FAULT)
    STRAP_FIELD(a0, TR_TVAL)
    CHECK_REG(a0, a1)
    STRAP_FIELD(a0, TR_EPC)
    CHECK_REG(a0, a1)
    RETURN_TO_M
    csrw medeleg, zero

    // ---- U-mode: user pages only ----
    CASE
    li a1, VA(3)
    li a3, VA(0)
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, VA(8)
    csrw mepc, t0
    ARM_TRAP_RESUME_M(10f)
    mret // ucode: ld a0, 0(a1); sd a0, 16(a1); ld a2, 0(a3) (faults)
10: CHECK(a0, 0x1003)
    TRAP_FIELD(a0, TR_CAUSE)
    CHECK(a0, CAUSE_LOAD_PAGE_FAULT)
    TRAP_FIELD(a0, TR_TVAL)
    CHECK_REG(a0, a3)
    TRAP_FIELD(a0, TR_STATUS)
    li t6, MSTATUS_MPP
    and a0, a0, t6
    CHECK(a0, 0)
    la a1, page3
    ld a0, 16(a1)
    CHECK(a0, 0x1003)

    // ---- MPRV: M-mode loads/stores translated with MPP's privilege ----
    // (a trap + mret leaves MPP = U, so after a fault MPRV is cleared before touching memory)
    CASE
    li a1, MSTATUS_MPP
    csrc mstatus, a1
    li a1, MSTATUS_MPRV | MSTATUS_MPP_S
    csrs mstatus, a1
    li a1, VA(0)
    ld a0, 0(a1)
    CHECK(a0, 0x1000)
    li a1, VA(3) // user page as S needs SUM
    li a2, MSTATUS_SUM
    csrs mstatus, a2
    ld a0, 0(a1)
    CHECK(a0, 0x1003)
    li a2, MSTATUS_SUM
    csrc mstatus, a2
    li a2, MSTATUS_MPP // MPP = U: user page fine
    csrc mstatus, a2
    ld a0, 0(a1)
    CHECK(a0, 0x1003)
    li a1, MSTATUS_MPRV
    csrc mstatus, a1
#define MPRV_FAULT(mpp, va)                                                                        \
    CASE;                                                                                          \
    ARM_TRAP_RESUME(9986f);                                                                        \
    li a1, va;                                                                                     \
    li a2, MSTATUS_MPP;                                                                            \
    csrc mstatus, a2;                                                                              \
    li a2, MSTATUS_MPRV | (mpp);                                                                   \
    csrs mstatus, a2;                                                                              \
    ld a0, 0(a1);                                                                                  \
    li a2, MSTATUS_MPRV;                                                                           \
    csrc mstatus, a2;                                                                              \
    j fail;                                                                                        \
    9986:                                                                                          \
    li a2, MSTATUS_MPRV;                                                                           \
    csrc mstatus, a2;                                                                              \
    TRAP_FIELD(t0, TR_CAUSE);                                                                      \
    CHECK(t0, CAUSE_LOAD_PAGE_FAULT);                                                              \
    TRAP_FIELD(t0, TR_TVAL);                                                                       \
    CHECK_REG(t0, a1)
    MPRV_FAULT(MSTATUS_MPP_S, VA(3)) // user page as S without SUM
    MPRV_FAULT(0, VA(0)) // S page as U
    MPRV_FAULT(MSTATUS_MPP_S, VA(4)) // invalid
    CASE // without MPRV, M-mode ignores satp
    la a1, page0
    ld a0, 0(a1)
    CHECK(a0, 0x1000)

    // ---- Sv48 ----
    CASE
    la a1, root48
    srli a1, a1, 12
    li a2, SATP_SV48
    or a1, a1, a2
    csrw satp, a1
    csrr a0, satp
    CHECK_REG(a0, a1)
    sfence.vma
    GOTO_MODE(PRV_S, s_mode_3)
s_mode_3:
    CASE
    li a1, VA(0)
    ld a0, 0(a1)
    CHECK(a0, 0x1000)
    li a1, MEGA_VA + 0x1000
    ld a0, 0(a1)
    CHECK(a0, 0x2001)
    CASE // 512G page: VA 512G + x -> PA x
    la a1, page3
    li a2, 0x8000000000
    add a1, a1, a2
    ld a0, 0(a1)
    CHECK(a0, 0x1003)
    CASE // bit 39 is a valid address bit in Sv48, bit 47 set without sign extension is not
    li a1, 0x0000800000000000
    EXPECT_FAULT(CAUSE_LOAD_PAGE_FAULT, a1, ld a0, 0(a1))
    li a1, 0x0000010000000000 // root48[2]: empty
    EXPECT_FAULT(CAUSE_LOAD_PAGE_FAULT, a1, ld a0, 0(a1))
    RETURN_TO_M

    // ---- satp: writes of unsupported modes are ignored ----
    CASE
    csrw satp, zero
    sfence.vma
    li a1, (5 << 60) | 0x1234 // reserved mode
    csrw satp, a1
    csrr a0, satp
    CHECK(a0, 0)
    li a1, (11 << 60) | 0x1234 // Sv64: not defined
    csrw satp, a1
    csrr a0, satp
    CHECK(a0, 0)
    // Sv57 (10) is optional: QEMU 7.2 implements it, kvmu does not. Either it reads back as
    // written or the write was ignored.
    li a1, (10 << 60) | 0x1234
    csrw satp, a1
    csrr a0, satp
    beqz a0, 11f
    CHECK_REG(a0, a1)
11: csrw satp, zero
    sfence.vma
    PASS

// user code, mapped at VA(8) with U|R|X; position independent
.section .text.ucode, "ax", @progbits
.align 12
ucode:
    ld a0, 0(a1)
    sd a0, 16(a1)
    ld a2, 0(a3)
    j .
.align 12

.section .data
.align 12
root: .zero 4096
root48: .zero 4096
l1_test: .zero 4096
l1_mega: .zero 4096
l0_test: .zero 4096
page0: .zero 4096
page1: .zero 4096
page2: .zero 4096
page3: .zero 4096
page4: .zero 4096
page5: .zero 4096
page6: .zero 4096
page7: .zero 4096
xpage_a: .zero 4096
xpage_c: .zero 4096
xpage_b: .zero 4096
