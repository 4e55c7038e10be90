/*
 * AP start-up code. The boot CPU copies [ap_tramp_start, ap_tramp_end) to 0x10000 and sends
 * INIT + SIPI with vector 0x10; each AP starts here in real mode at 1000:0000, goes through
 * 32-bit protected mode into long mode on kvmu's identity page tables (CR3 = 0x1000), and
 * jumps to ap_entry64 in the loaded image.
 */
#define TRAMP 0x10000
#define REL(x) ((x) - ap_tramp_start)

    .section .rodata.tramp, "a"
    .code16
    .globl ap_tramp_start, ap_tramp_end
ap_tramp_start:
    cli
    cld
    mov %cs, %ax
    mov %ax, %ds
    lgdtl REL(tramp_gdtr)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $(TRAMP + REL(pm32))

    .code32
pm32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %cr4, %eax
    or $0x20, %eax /* PAE */
    mov %eax, %cr4
    mov $0x1000, %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx /* EFER.LME */
    rdmsr
    or $0x100, %eax
    wrmsr
    mov %cr0, %eax
    or $0x80000000, %eax
    mov %eax, %cr0
    ljmpl $0x18, $(TRAMP + REL(lm64))

    .code64
lm64:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    movabs $ap_entry64, %rax
    jmp *%rax

    .align 8
tramp_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff /* 0x08: 32-bit code */
    .quad 0x00cf92000000ffff /* 0x10: data */
    .quad 0x00af9a000000ffff /* 0x18: 64-bit code */
tramp_gdtr:
    .word 31
    .long TRAMP + REL(tramp_gdt)
ap_tramp_end:

    .text
    .code64
ap_entry64:
    mov $1, %eax
    lock xaddl %eax, ap_stack_next(%rip)
    inc %eax
    shl $12, %rax
    lea ap_stacks(%rip), %rsp
    add %rax, %rsp
    call ap_main
1:  cli
    hlt
    jmp 1b

    .data
    .align 4
ap_stack_next:
    .long 0
    .bss
    .align 4096
ap_stacks:
    .skip 4096 * 255
