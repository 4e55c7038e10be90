/*
 * Entry of every test guest: kvmu starts the boot CPU here in 64-bit mode (identity-mapped
 * 4 GiB, flat GDT with code at 0x10 and data at 0x18, interrupts off), RSI = zero page.
 */
    .section .text.start, "ax"
    .code64
    .globl _start
_start:
    lea boot_stack_top(%rip), %rsp
    mov %rsi, %rdi
    call guest_start
1:  hlt
    jmp 1b

    .bss
    .align 16
    .globl boot_stack_top
boot_stack:
    .skip 16384
boot_stack_top:
