/* 256 interrupt entry stubs (16 bytes apart) and the common path into intr_dispatch(). */
    .text
    .code64
    .align 16
    .globl intr_stubs
intr_stubs:
    .set vec, 0
    .rept 256
    .align 16
    /* Exceptions that push an error code: 8, 10-14, 17, 21, 29, 30. Others push a zero. */
    .if !(vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30)
    pushq $0
    .endif
    pushq $vec
    jmp intr_common
    .set vec, vec + 1
    .endr

intr_common:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rdi
    call intr_dispatch
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp
    iretq
