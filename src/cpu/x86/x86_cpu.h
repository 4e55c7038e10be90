/*
 * The x86-64 vCPUs of a machine as plain data: how many, their topology and APIC ids, the CPU
 * model (-cpu host,+feat,-feat) and the boot processor's register state at power-on. The x86
 * board fills this in; the kvm accel turns it into KVM_SET_{REGS,SREGS,CPUID2} calls. Neither
 * side needs the other's headers.
 */
#ifndef KVMU_CPU_X86_X86_CPU_H
#define KVMU_CPU_X86_X86_CPU_H

#include <stdbool.h>
#include <stdint.h>

#define X86_MAX_CPUS 255 /* xAPIC ids are 8 bits and 0xff is the broadcast id */

#define X86_CR0_PE (1u << 0)
#define X86_CR0_ET (1u << 4)
#define X86_CR0_NE (1u << 5)
#define X86_CR0_PG (1u << 31)
#define X86_CR4_PAE (1u << 5)
#define X86_EFER_LME (1u << 8)
#define X86_EFER_LMA (1u << 10)

/* A segment register including its hidden (descriptor cache) part. */
struct x86_segment {
    uint64_t base;
    uint32_t limit; /* in bytes, after granularity scaling */
    uint16_t selector;
    uint8_t type; /* 4-bit descriptor type: 0xb = code exec/read accessed, 0x3 = data r/w acc. */
    bool s;       /* code/data (not system) */
    uint8_t dpl;
    bool present;
    bool db; /* 32-bit default operand size */
    bool l;  /* 64-bit code */
    bool g;  /* 4 KiB granularity */
};

/* Registers of the boot processor when the machine starts. Everything not named is zero. */
struct x86_boot_regs {
    uint64_t rip, rsp, rsi, rbx, rflags;
    uint64_t cr0, cr3, cr4, efer;
    struct x86_segment cs;
    struct x86_segment ds; /* also loaded into ES, FS, GS and SS */
    uint64_t gdt_base;
    uint16_t gdt_limit;
};

/* A CPU feature by QEMU's name ("cx16", "popcnt", ...): a CPUID bit. */
struct x86_feature {
    const char *name;
    uint32_t leaf, subleaf;
    uint8_t reg; /* 0 = EAX, 1 = EBX, 2 = ECX, 3 = EDX */
    uint8_t bit;
};

#define X86_MAX_FEATURE_TOGGLES 32

struct x86_cpus {
    unsigned count;
    unsigned sockets, cores, threads; /* count == sockets * cores * threads when all present */
    /* -cpu toggles, in command-line order (later ones win). */
    struct {
        const struct x86_feature *feature;
        bool on;
    } toggles[X86_MAX_FEATURE_TOGGLES];
    unsigned ntoggles;
    /* The boot processor (index 0) starts here; the others wait for INIT/SIPI. */
    struct x86_boot_regs boot;
};

/* One CPUID leaf as KVM reports it (struct kvm_cpuid_entry2 without the accel's header). */
struct x86_cpuid_entry {
    uint32_t function, index, flags;
    uint32_t eax, ebx, ecx, edx;
};
#define X86_CPUID_FLAG_INDEXED 1u /* KVM_CPUID_FLAG_SIGNIFCANT_INDEX */

/*
 * Parse "-cpu host[,+feat|-feat|feat=on|off]..." (NULL = "host") into cpus->toggles, with
 * sockets/cores/threads from -smp (0 = not given). Returns 0 or -EINVAL with a message.
 */
int x86_cpus_configure(struct x86_cpus *cpus, const char *model, unsigned count, unsigned sockets,
                       unsigned cores, unsigned threads) __attribute__((warn_unused_result));

/* The APIC id of CPU index i: thread, core and socket numbers packed into bit fields. */
uint32_t x86_cpu_apic_id(const struct x86_cpus *cpus, unsigned index);

/* NULL if kvmu does not know that feature name. */
const struct x86_feature *x86_feature_find(const char *name);

/*
 * Turn the host-supported CPUID table into CPU `index`'s: APIC ids, topology leaves (1, 4, 0xb,
 * 0x1f, 0x80000008), the hypervisor bit, and the -cpu toggles. Entries are edited in place.
 */
void x86_cpuid_customize(const struct x86_cpus *cpus, unsigned index,
                         struct x86_cpuid_entry *entries, unsigned count);

/* The 8-byte GDT descriptor that, loaded, gives seg's hidden state. */
uint64_t x86_segment_descriptor(const struct x86_segment *seg);

#endif
