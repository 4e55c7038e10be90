/*
 * PVH entry for test guests named pvh_*: the ELF note below makes kvmu (and QEMU) start the
 * boot CPU here in 32-bit protected mode with paging off and EBX = hvm_start_info. We print
 * '!' on COM1 at once (the benchmark's "first instruction" marker), build an identity map of
 * 4 GiB ourselves, enter long mode and call guest_start(start_info).
 */
    .section .note.Xen, "a", @note
    .align 4
    .long 4  /* name size: "Xen\0" */
    .long 4  /* descriptor size */
    .long 18 /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long pvh_entry32

    .section .text.start, "ax"
    .code32
    .globl pvh_entry32, _start
_start: /* the ELF entry, unused by PVH loaders: they take the note's address */
pvh_entry32:
    mov $0x3f8, %dx
    mov $'!', %al
    out %al, %dx
    mov %ebx, %esi

    /* PML4[0] -> PDPT, PDPT[0..3] -> four PDs of 2 MiB pages. */
    lea pvh_pml4, %edi
    lea pvh_pdpt, %eax
    or $3, %eax
    mov %eax, (%edi)
    lea pvh_pdpt, %edi
    lea pvh_pd, %eax
    or $3, %eax
    mov $4, %ecx
1:  mov %eax, (%edi)
    add $8, %edi
    add $4096, %eax
    loop 1b
    lea pvh_pd, %edi
    xor %eax, %eax
    xor %edx, %edx
    mov $2048, %ecx
2:  mov %eax, %ebx
    or $0x83, %ebx /* present, writable, 2 MiB */
    mov %ebx, (%edi)
    mov %edx, 4(%edi)
    add $0x200000, %eax
    adc $0, %edx
    add $8, %edi
    loop 2b

    mov %cr4, %eax
    or $0x20, %eax /* PAE */
    mov %eax, %cr4
    lea pvh_pml4, %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx /* EFER.LME */
    rdmsr
    or $0x100, %eax
    wrmsr
    mov %cr0, %eax
    or $0x80000001, %eax /* PG | PE */
    mov %eax, %cr0
    lgdt pvh_gdtr
    ljmp $0x08, $pvh_entry64

    .code64
pvh_entry64:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    lea boot_stack_top(%rip), %rsp
    mov %esi, %edi /* start_info, zero-extended */
    call guest_start
3:  hlt
    jmp 3b

    .section .rodata
    .align 8
pvh_gdt:
    .quad 0
    .quad 0x00af9a000000ffff /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff /* 0x10: data */
pvh_gdtr:
    .word 23
    .long pvh_gdt

    .bss
    .align 4096
pvh_pml4:
    .skip 4096
pvh_pdpt:
    .skip 4096
pvh_pd:
    .skip 4096 * 4
    .align 16
boot_stack:
    .skip 16384
boot_stack_top:
