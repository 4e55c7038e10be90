/*
 * x86 architecture state of a vCPU: CPUID (the host's, shaped by the board's CPU model), the
 * MSRs a freshly reset CPU has, FPU, LAPIC LINT pins, and for the boot processor the registers
 * the board chose. Also the register dump printed when a vCPU dies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "accel/kvm/kvm_internal.h"
#include "core/log.h"
#include "core/vm.h"
#include "cpu/x86/x86_cpu.h"

#define MSR_IA32_TSC 0x10
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102

#define MISC_ENABLE_FAST_STRING 1ull
#define MTRR_ENABLE_WB 0xc06ull /* MTRRs and fixed MTRRs on, default type write-back */

#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_MODE_NMI 0x4
#define APIC_MODE_EXTINT 0x7

static int vcpu_ioctl(struct kvm_vcpu *v, unsigned long req, void *arg, const char *what)
{
    if (ioctl(v->fd, req, arg) < 0) {
        int err = errno;
        log_error("kvm: vCPU %u: %s: %s", v->index, what, strerror(err));
        return -err;
    }
    return 0;
}

static int set_cpuid(struct kvm_accel *k, struct kvm_vcpu *v)
{
    const struct kvm_cpuid2 *host = k->supported_cpuid;
    unsigned n = host->nent;
    struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));
    struct x86_cpuid_entry *e = calloc(n, sizeof(*e));
    int r = -ENOMEM;

    if (!c || !e)
        goto out;
    for (unsigned i = 0; i < n; i++) {
        const struct kvm_cpuid_entry2 *h = &host->entries[i];
        e[i] = (struct x86_cpuid_entry){h->function, h->index, h->flags, h->eax,
                                        h->ebx,      h->ecx,   h->edx};
    }
    x86_cpuid_customize(k->vm->x86, v->index, e, n);
    c->nent = n;
    for (unsigned i = 0; i < n; i++) {
        c->entries[i] = host->entries[i];
        c->entries[i].eax = e[i].eax;
        c->entries[i].ebx = e[i].ebx;
        c->entries[i].ecx = e[i].ecx;
        c->entries[i].edx = e[i].edx;
    }
    r = vcpu_ioctl(v, KVM_SET_CPUID2, c, "KVM_SET_CPUID2");
out:
    free(c);
    free(e);
    return r;
}

static int set_msrs(struct kvm_vcpu *v)
{
    static const struct {
        uint32_t index;
        uint64_t value;
    } init[] = {
        {MSR_IA32_SYSENTER_CS, 0},
        {MSR_IA32_SYSENTER_ESP, 0},
        {MSR_IA32_SYSENTER_EIP, 0},
        {MSR_STAR, 0},
        {MSR_LSTAR, 0},
        {MSR_CSTAR, 0},
        {MSR_SYSCALL_MASK, 0},
        {MSR_KERNEL_GS_BASE, 0},
        {MSR_IA32_TSC, 0},
        {MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING},
        {MSR_MTRR_DEF_TYPE, MTRR_ENABLE_WB},
    };
    enum { N = sizeof(init) / sizeof(init[0]) };
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e[N];
    } m;
    memset(&m, 0, sizeof(m));
    m.hdr.nmsrs = N;
    for (unsigned i = 0; i < N; i++) {
        m.e[i].index = init[i].index;
        m.e[i].data = init[i].value;
    }
    int r = ioctl(v->fd, KVM_SET_MSRS, &m);
    if (r < 0) {
        log_error("kvm: vCPU %u: KVM_SET_MSRS: %s", v->index, strerror(errno));
        return -errno;
    }
    if (r != N) /* KVM stops at the first MSR it refuses */
        log_warn("kvm: vCPU %u: MSR 0x%x not accepted", v->index, init[r].index);
    return 0;
}

static int set_fpu(struct kvm_vcpu *v)
{
    struct kvm_fpu fpu = {.fcw = 0x37f, .mxcsr = 0x1f80}; /* the power-on values */
    return vcpu_ioctl(v, KVM_SET_FPU, &fpu, "KVM_SET_FPU");
}

/* LINT0 delivers the legacy PIC's interrupts (ExtINT) and LINT1 NMIs, as PC firmware sets
 * them up; Linux relies on that for its through-the-8259 timer checks. */
static int set_lint(struct kvm_vcpu *v)
{
    struct kvm_lapic_state lapic;
    int r = vcpu_ioctl(v, KVM_GET_LAPIC, &lapic, "KVM_GET_LAPIC");
    if (r < 0)
        return r;
    uint32_t lint0, lint1;
    memcpy(&lint0, lapic.regs + APIC_LVT_LINT0, 4);
    memcpy(&lint1, lapic.regs + APIC_LVT_LINT1, 4);
    lint0 = (lint0 & ~0x700u) | (APIC_MODE_EXTINT << 8);
    lint1 = (lint1 & ~0x700u) | (APIC_MODE_NMI << 8);
    memcpy(lapic.regs + APIC_LVT_LINT0, &lint0, 4);
    memcpy(lapic.regs + APIC_LVT_LINT1, &lint1, 4);
    return vcpu_ioctl(v, KVM_SET_LAPIC, &lapic, "KVM_SET_LAPIC");
}

static void to_kvm_segment(struct kvm_segment *k, const struct x86_segment *s)
{
    *k = (struct kvm_segment){
        .base = s->base,
        .limit = s->limit,
        .selector = s->selector,
        .type = s->type,
        .present = s->present,
        .dpl = s->dpl,
        .db = s->db,
        .s = s->s,
        .l = s->l,
        .g = s->g,
    };
}

static int set_boot_regs(struct kvm_vcpu *v, const struct x86_boot_regs *b)
{
    struct kvm_sregs sregs;
    int r = vcpu_ioctl(v, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
    if (r < 0)
        return r;
    to_kvm_segment(&sregs.cs, &b->cs);
    to_kvm_segment(&sregs.ds, &b->ds);
    sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
    sregs.gdt.base = b->gdt_base;
    sregs.gdt.limit = b->gdt_limit;
    sregs.idt.base = 0;
    sregs.idt.limit = 0;
    sregs.cr0 = b->cr0;
    sregs.cr3 = b->cr3;
    sregs.cr4 = b->cr4;
    sregs.efer = b->efer;
    r = vcpu_ioctl(v, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
    if (r < 0)
        return r;
    struct kvm_regs regs = {
        .rip = b->rip,
        .rsp = b->rsp,
        .rsi = b->rsi,
        .rbx = b->rbx,
        .rflags = b->rflags | 2, /* bit 1 is reserved and always set */
    };
    return vcpu_ioctl(v, KVM_SET_REGS, &regs, "KVM_SET_REGS");
}

int kvm_x86_init_vcpu(struct kvm_accel *k, struct kvm_vcpu *v)
{
    int r = set_cpuid(k, v);
    if (r == 0)
        r = set_msrs(v);
    if (r == 0)
        r = set_fpu(v);
    if (r == 0)
        r = set_lint(v);
    /* Other vCPUs stay in KVM's wait-for-SIPI state until the guest starts them. */
    if (r == 0 && v->index == 0)
        r = set_boot_regs(v, &k->vm->x86->boot);
    return r;
}

/* Guest-physical address of a linear address through the guest's own page tables, as the CPU
 * would walk them (4-level long mode, PAE or 2-level legacy paging, or none). */
static bool translate(struct kvm_accel *k, const struct kvm_sregs *s, uint64_t va, uint64_t *pa)
{
    const struct guest_mem *mem = &k->vm->mem;
    if (!(s->cr0 & X86_CR0_PG)) {
        *pa = va;
        return true;
    }
    if (s->efer & X86_EFER_LMA) {
        uint64_t table = s->cr3 & 0x000ffffffffff000ull;
        for (int level = 3; level >= 0; level--) {
            uint64_t entry;
            unsigned idx = (va >> (12 + 9 * level)) & 0x1ff;
            if (guest_mem_read(mem, table + idx * 8, &entry, 8) < 0 || !(entry & 1))
                return false;
            uint64_t frame = entry & 0x000ffffffffff000ull;
            if (level > 0 && level < 3 && (entry & 0x80)) {
                uint64_t span = 1ull << (12 + 9 * level);
                *pa = (frame & ~(span - 1)) | (va & (span - 1));
                return true;
            }
            table = frame;
        }
        *pa = table | (va & 0xfff);
        return true;
    }
    return false; /* 32-bit paging: not used by anything kvmu boots */
}

/* The n bytes at CS:RIP, read through the guest's page tables; *pa is where they start. */
static bool code_at_rip(struct kvm_accel *k, const struct kvm_regs *r, const struct kvm_sregs *s,
                        uint8_t *buf, size_t n, uint64_t *pa)
{
    return translate(k, s, s->cs.base + r->rip, pa) &&
           guest_mem_read(&k->vm->mem, *pa, buf, n) == 0;
}

void kvm_x86_dump_vcpu(struct kvm_accel *k, struct kvm_vcpu *v)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
        log_error("kvm: vCPU %u: cannot read registers: %s", v->index, strerror(errno));
        return;
    }
    fprintf(stderr,
            "vCPU %u registers:\n"
            " RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n"
            " RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n"
            " R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n"
            " R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n"
            " RIP=%016llx RFLAGS=%08llx CS=%04x(l=%d db=%d) SS=%04x DS=%04x\n"
            " CR0=%08llx CR2=%016llx CR3=%016llx CR4=%08llx EFER=%llx\n"
            " GDT=%016llx/%04x IDT=%016llx/%04x APIC_BASE=%llx\n",
            v->index, (unsigned long long)r.rax, (unsigned long long)r.rbx,
            (unsigned long long)r.rcx, (unsigned long long)r.rdx, (unsigned long long)r.rsi,
            (unsigned long long)r.rdi, (unsigned long long)r.rbp, (unsigned long long)r.rsp,
            (unsigned long long)r.r8, (unsigned long long)r.r9, (unsigned long long)r.r10,
            (unsigned long long)r.r11, (unsigned long long)r.r12, (unsigned long long)r.r13,
            (unsigned long long)r.r14, (unsigned long long)r.r15, (unsigned long long)r.rip,
            (unsigned long long)r.rflags, s.cs.selector, s.cs.l, s.cs.db, s.ss.selector,
            s.ds.selector, (unsigned long long)s.cr0, (unsigned long long)s.cr2,
            (unsigned long long)s.cr3, (unsigned long long)s.cr4, (unsigned long long)s.efer,
            (unsigned long long)s.gdt.base, s.gdt.limit, (unsigned long long)s.idt.base,
            s.idt.limit, (unsigned long long)s.apic_base);
    uint64_t pa;
    uint8_t code[16];
    if (code_at_rip(k, &r, &s, code, sizeof(code), &pa)) {
        fprintf(stderr, " code at RIP (gpa 0x%llx):", (unsigned long long)pa);
        for (int i = 0; i < 16; i++)
            fprintf(stderr, " %02x", code[i]);
        fprintf(stderr, "\n");
    } else {
        fprintf(stderr, " code at RIP: not in guest RAM\n");
    }
}

/*
 * Some KVM implementations cannot emulate INT3 / INT imm8 when the guest kernel executes them
 * (this project's development host's nested kvm_pvm runs guest kernel code in an emulator that
 * lacks them; real VMX/SVM never exits for these). Linux's live code patching (text_poke_bp)
 * relies on INT3 at CPL0, so on an emulation failure kvmu delivers the interrupt itself:
 * RIP moves past the instruction and KVM injects the vector through the guest's IDT, which
 * is the trap frame the CPU would have built. Returns true when it did so.
 */
bool kvm_x86_emulate_soft_int(struct kvm_accel *k, struct kvm_vcpu *v)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
        return false;
    /* Kernel mode only: there every gate's DPL admits the software interrupt, so delivering
     * the vector is exactly what the CPU does (from user mode a gate could demand #GP). */
    if (s.cs.dpl != 0)
        return false;
    uint64_t pa;
    uint8_t code[2];
    if (!code_at_rip(k, &r, &s, code, sizeof(code), &pa))
        return false;
    unsigned vector, len;
    if (code[0] == 0xcc) {
        vector = 3;
        len = 1;
    } else if (code[0] == 0xcd) {
        vector = code[1];
        len = 2;
    } else {
        return false;
    }
    struct kvm_vcpu_events ev;
    if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) < 0 || ev.exception.injected || ev.exception.pending)
        return false;
    r.rip += len;
    if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
        return false;
    ev.exception.injected = 1;
    ev.exception.nr = (uint8_t)vector;
    ev.exception.has_error_code = 0;
    ev.exception.error_code = 0;
    ev.flags = 0;
    if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) < 0) {
        log_error("kvm: vCPU %u: KVM_SET_VCPU_EVENTS: %s", v->index, strerror(errno));
        return false;
    }
    TRACE(TRACE_GUEST_ERRORS, "kvm: vCPU %u: delivered INT %u at RIP %llx for KVM", v->index,
          vector, (unsigned long long)(r.rip - len));
    return true;
}
