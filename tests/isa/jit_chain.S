// Control flow a JIT chains: a loop through four pages (jumps, calls and returns across page
// boundaries, straight-line code falling through into the next page, a 32-bit instruction
// straddling a page boundary), a same-page loop whose branches become patched direct jumps,
// and a chained callee patched by the loop that calls it (the store drops the running page).
#include "common.h"

#define ADDI_A0_ZERO(imm) (0x00000513 | ((imm) << 20)) /* addi a0, zero, imm */

.globl test_main
test_main:
    CASE // 2000 rounds through four pages
    li a0, 0
    li s1, 2000
    call page_a
    CHECK(a0, 2000 * (1 + 2 + 10 + 4 + 5 + 6 + 7 + 8))

    CASE // same-page loop with nested branches (chained side exits)
    li a0, 0
    li s1, 0
1:  andi t0, s1, 3
    beqz t0, 2f
    addi a0, a0, 1
    j 3f
2:  addi a0, a0, 3
3:  addi s1, s1, 1
    li t1, 100000
    bltu s1, t1, 1b
    CHECK(a0, 75000 + 3 * 25000)

    CASE // a chained callee on the caller's page, patched on every round
    call smc_chain
    PASS

/* Page A: the loop head; s1 rounds, a0 accumulates. */
.align 12
page_a:
    mv s2, ra
loop_a:
    addi a0, a0, 1
    j page_b
back_a:
    addi s1, s1, -1
    bnez s1, loop_a
    mv ra, s2
    ret

/* Page B: a call to page C, then straight-line code running off the end of the page with a
 * 32-bit instruction across the boundary. */
.align 12
page_b:
    addi a0, a0, 2
    call func_c
    j near_end_b
    .fill (4096 - 12 - 16) / 4, 4, 0x00000013
near_end_b: /* page_b + 4096 - 12 */
    addi a0, a0, 4
    addi a0, a0, 5
.option rvc
    c.addi a0, 6
.option norvc
    addi a0, a0, 7 /* straddles into page D */
    addi a0, a0, 8
    j back_a

.align 12
func_c:
    addi a0, a0, 10
    ret

.align 12
smc_chain:
    mv s3, ra
    li s1, 0
1:  la a1, patch_me
    slli a2, s1, 20
    li a3, ADDI_A0_ZERO(0)
    or a2, a2, a3
    sw a2, 0(a1)
    fence.i
    jal ra, patch_me
    CHECK_REG(a0, s1)
    addi s1, s1, 1
    li t1, 64
    blt s1, t1, 1b
    mv ra, s3
    ret
patch_me:
    addi a0, zero, 0
    ret
