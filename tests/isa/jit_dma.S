// DMA into translated code: a virtio-blk read lands in a page whose code has run (and been
// translated and chained); after fence.i the new code must run. The test first writes the new
// code to the disk (sector 0) with a virtio-blk write, so the image's contents do not matter.
// Polls the used ring; no interrupts. (QEMU needs force-legacy=false for a virtio 1.0 device.)
// run-args: -global virtio-mmio.force-legacy=false -drive file=build/isa/jit_dma.img,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0
#include "common.h"

#define VIRTIO_BASE 0x10001000
#define VIRTIO_SLOTS 8
#define V_MAGIC 0x000
#define V_DEVICE_ID 0x008
#define V_DRV_FEAT 0x020
#define V_DRV_FEAT_SEL 0x024
#define V_QUEUE_SEL 0x030
#define V_QUEUE_NUM 0x038
#define V_QUEUE_READY 0x044
#define V_QUEUE_NOTIFY 0x050
#define V_STATUS 0x070
#define V_DESC_LO 0x080
#define V_DESC_HI 0x084
#define V_AVAIL_LO 0x090
#define V_AVAIL_HI 0x094
#define V_USED_LO 0x0a0
#define V_USED_HI 0x0a4
#define QSIZE 4
#define DESC_F_NEXT 1
#define DESC_F_WRITE 2
#define BLK_T_IN 0
#define BLK_T_OUT 1

#define ADDI_A0_ZERO(imm) (0x00000513 | ((imm) << 20))
#define INSN_RET 0x00008067

.globl test_main
test_main:
    CASE // find the virtio-blk device
    li s2, VIRTIO_BASE
    li s3, VIRTIO_SLOTS
1:  lw t0, V_MAGIC(s2)
    li t1, 0x74726976 /* "virt" */
    bne t0, t1, 2f
    lw t0, V_DEVICE_ID(s2)
    li t1, 2
    beq t0, t1, 3f
2:  li t0, 0x1000
    add s2, s2, t0
    addi s3, s3, -1
    bnez s3, 1b
    j fail
3:
    CASE // initialise: VERSION_1 only, one queue of QSIZE
    sw zero, V_STATUS(s2)
    li t0, 3 /* ACKNOWLEDGE | DRIVER */
    sw t0, V_STATUS(s2)
    li t0, 1
    sw t0, V_DRV_FEAT_SEL(s2)
    sw t0, V_DRV_FEAT(s2) /* VIRTIO_F_VERSION_1 (bit 32) */
    sw zero, V_DRV_FEAT_SEL(s2)
    sw zero, V_DRV_FEAT(s2)
    li t0, 11 /* | FEATURES_OK */
    sw t0, V_STATUS(s2)
    lw t1, V_STATUS(s2)
    andi t1, t1, 8
    CHECK(t1, 8)
    sw zero, V_QUEUE_SEL(s2)
    li t0, QSIZE
    sw t0, V_QUEUE_NUM(s2)
    la t0, vq_desc
    sw t0, V_DESC_LO(s2)
    sw zero, V_DESC_HI(s2)
    la t0, vq_avail
    sw t0, V_AVAIL_LO(s2)
    sw zero, V_AVAIL_HI(s2)
    la t0, vq_used
    sw t0, V_USED_LO(s2)
    sw zero, V_USED_HI(s2)
    li t0, 1
    sw t0, V_QUEUE_READY(s2)
    li t0, 15 /* | DRIVER_OK */
    sw t0, V_STATUS(s2)

    CASE // the old code runs (and gets translated) many times
    li s1, 200
4:  call code_page
    CHECK(a0, 1)
    addi s1, s1, -1
    bnez s1, 4b

    CASE // write the new code to sector 0
    la a1, new_code
    li a2, BLK_T_OUT
    call blk_request
    CASE // read it back over the translated page
    la a1, code_page
    li a2, BLK_T_IN
    call blk_request
    fence.i
    call code_page
    CHECK(a0, 42)
    CASE // and again, now from a loop
    li s1, 10
5:  call code_page
    CHECK(a0, 42)
    addi s1, s1, -1
    bnez s1, 5b
    PASS

/* One 512-byte request on sector 0: a1 = buffer, a2 = type. Waits for completion, checks the
 * status byte. Clobbers t0-t5. */
blk_request:
    la t0, req_hdr
    sw a2, 0(t0)
    sw zero, 4(t0)
    sd zero, 8(t0)
    la t5, req_status
    li t1, 0xff
    sb t1, 0(t5)
    la t1, vq_desc
    /* desc 0: header */
    sd t0, 0(t1)
    li t2, 16
    sw t2, 8(t1)
    li t2, DESC_F_NEXT
    sh t2, 12(t1)
    li t2, 1
    sh t2, 14(t1)
    /* desc 1: data */
    sd a1, 16(t1)
    li t2, 512
    sw t2, 24(t1)
    li t2, DESC_F_NEXT
    bnez a2, 1f
    li t2, DESC_F_NEXT | DESC_F_WRITE
1:  sh t2, 28(t1)
    li t2, 2
    sh t2, 30(t1)
    /* desc 2: status */
    sd t5, 32(t1)
    li t2, 1
    sw t2, 40(t1)
    li t2, DESC_F_WRITE
    sh t2, 44(t1)
    sh zero, 46(t1)
    /* publish in the avail ring */
    la t1, vq_avail
    lhu t2, 2(t1)
    andi t3, t2, QSIZE - 1
    slli t3, t3, 1
    add t3, t3, t1
    sh zero, 4(t3)
    la t4, vq_used
    lhu t4, 2(t4)
    fence w, w
    addi t2, t2, 1
    sh t2, 2(t1)
    fence w, o
    sw zero, V_QUEUE_NOTIFY(s2)
    /* wait for the used index to move */
    la t1, vq_used
2:  lhu t2, 2(t1)
    beq t2, t4, 2b
    fence r, r
    lbu t1, 0(t5)
    CHECK(t1, 0)
    ret

.align 12
code_page:
    addi a0, zero, 1
    ret
    .fill (4096 - 8) / 4, 4, 0x00000013

.section .data
.align 9
new_code:
    .word ADDI_A0_ZERO(42), INSN_RET
    .fill (512 - 8) / 4, 4, 0
.align 4
vq_desc: .zero 16 * QSIZE
.align 2
vq_avail: .zero 4 + 2 * QSIZE + 2
.align 2
vq_used: .zero 4 + 8 * QSIZE + 2
.align 4
req_hdr: .zero 16
req_status: .zero 1
