/*
 * The vCPU model: QEMU-style -cpu feature names, topology and APIC ids, and the edits that turn
 * the host-supported CPUID table into one CPU's.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "cpu/x86/x86_cpu.h"

enum { EAX, EBX, ECX, EDX };

/* QEMU's names (target/i386/cpu.c feature words); a name may cover several bits. */
static const struct x86_feature features[] = {
    /* CPUID 1 EDX */
    {"fpu", 1, 0, EDX, 0},
    {"vme", 1, 0, EDX, 1},
    {"de", 1, 0, EDX, 2},
    {"pse", 1, 0, EDX, 3},
    {"tsc", 1, 0, EDX, 4},
    {"msr", 1, 0, EDX, 5},
    {"pae", 1, 0, EDX, 6},
    {"mce", 1, 0, EDX, 7},
    {"cx8", 1, 0, EDX, 8},
    {"apic", 1, 0, EDX, 9},
    {"sep", 1, 0, EDX, 11},
    {"mtrr", 1, 0, EDX, 12},
    {"pge", 1, 0, EDX, 13},
    {"mca", 1, 0, EDX, 14},
    {"cmov", 1, 0, EDX, 15},
    {"pat", 1, 0, EDX, 16},
    {"pse36", 1, 0, EDX, 17},
    {"clflush", 1, 0, EDX, 19},
    {"mmx", 1, 0, EDX, 23},
    {"fxsr", 1, 0, EDX, 24},
    {"sse", 1, 0, EDX, 25},
    {"sse2", 1, 0, EDX, 26},
    {"ss", 1, 0, EDX, 27},
    {"ht", 1, 0, EDX, 28},
    /* CPUID 1 ECX */
    {"pni", 1, 0, ECX, 0},
    {"sse3", 1, 0, ECX, 0},
    {"pclmulqdq", 1, 0, ECX, 1},
    {"monitor", 1, 0, ECX, 3},
    {"vmx", 1, 0, ECX, 5},
    {"ssse3", 1, 0, ECX, 9},
    {"fma", 1, 0, ECX, 12},
    {"cx16", 1, 0, ECX, 13},
    {"pdcm", 1, 0, ECX, 15},
    {"pcid", 1, 0, ECX, 17},
    {"sse4.1", 1, 0, ECX, 19},
    {"sse4.2", 1, 0, ECX, 20},
    {"x2apic", 1, 0, ECX, 21},
    {"movbe", 1, 0, ECX, 22},
    {"popcnt", 1, 0, ECX, 23},
    {"tsc-deadline", 1, 0, ECX, 24},
    {"aes", 1, 0, ECX, 25},
    {"xsave", 1, 0, ECX, 26},
    {"avx", 1, 0, ECX, 28},
    {"f16c", 1, 0, ECX, 29},
    {"rdrand", 1, 0, ECX, 30},
    {"hypervisor", 1, 0, ECX, 31},
    /* CPUID 7.0 EBX */
    {"fsgsbase", 7, 0, EBX, 0},
    {"tsc-adjust", 7, 0, EBX, 1},
    {"bmi1", 7, 0, EBX, 3},
    {"hle", 7, 0, EBX, 4},
    {"avx2", 7, 0, EBX, 5},
    {"smep", 7, 0, EBX, 7},
    {"bmi2", 7, 0, EBX, 8},
    {"erms", 7, 0, EBX, 9},
    {"invpcid", 7, 0, EBX, 10},
    {"rtm", 7, 0, EBX, 11},
    {"avx512f", 7, 0, EBX, 16},
    {"avx512dq", 7, 0, EBX, 17},
    {"rdseed", 7, 0, EBX, 18},
    {"adx", 7, 0, EBX, 19},
    {"smap", 7, 0, EBX, 20},
    {"avx512ifma", 7, 0, EBX, 21},
    {"clflushopt", 7, 0, EBX, 23},
    {"clwb", 7, 0, EBX, 24},
    {"avx512cd", 7, 0, EBX, 28},
    {"sha-ni", 7, 0, EBX, 29},
    {"avx512bw", 7, 0, EBX, 30},
    {"avx512vl", 7, 0, EBX, 31},
    /* CPUID 7.0 ECX */
    {"avx512vbmi", 7, 0, ECX, 1},
    {"umip", 7, 0, ECX, 2},
    {"pku", 7, 0, ECX, 3},
    {"waitpkg", 7, 0, ECX, 5},
    {"avx512vbmi2", 7, 0, ECX, 6},
    {"gfni", 7, 0, ECX, 8},
    {"vaes", 7, 0, ECX, 9},
    {"vpclmulqdq", 7, 0, ECX, 10},
    {"avx512vnni", 7, 0, ECX, 11},
    {"avx512bitalg", 7, 0, ECX, 12},
    {"avx512-vpopcntdq", 7, 0, ECX, 14},
    {"la57", 7, 0, ECX, 16},
    {"rdpid", 7, 0, ECX, 22},
    {"movdiri", 7, 0, ECX, 27},
    {"movdir64b", 7, 0, ECX, 28},
    /* CPUID 7.0 EDX */
    {"fsrm", 7, 0, EDX, 4},
    {"md-clear", 7, 0, EDX, 10},
    {"serialize", 7, 0, EDX, 14},
    {"spec-ctrl", 7, 0, EDX, 26},
    {"stibp", 7, 0, EDX, 27},
    {"arch-capabilities", 7, 0, EDX, 29},
    {"ssbd", 7, 0, EDX, 31},
    /* CPUID 0xd.1 EAX */
    {"xsaveopt", 0xd, 1, EAX, 0},
    {"xsavec", 0xd, 1, EAX, 1},
    {"xgetbv1", 0xd, 1, EAX, 2},
    {"xsaves", 0xd, 1, EAX, 3},
    /* CPUID 0x80000001 ECX / EDX */
    {"lahf-lm", 0x80000001, 0, ECX, 0},
    {"svm", 0x80000001, 0, ECX, 2},
    {"abm", 0x80000001, 0, ECX, 5},
    {"sse4a", 0x80000001, 0, ECX, 6},
    {"misalignsse", 0x80000001, 0, ECX, 7},
    {"3dnowprefetch", 0x80000001, 0, ECX, 8},
    {"xop", 0x80000001, 0, ECX, 11},
    {"fma4", 0x80000001, 0, ECX, 16},
    {"tbm", 0x80000001, 0, ECX, 21},
    {"topoext", 0x80000001, 0, ECX, 22},
    {"syscall", 0x80000001, 0, EDX, 11},
    {"nx", 0x80000001, 0, EDX, 20},
    {"mmxext", 0x80000001, 0, EDX, 22},
    {"pdpe1gb", 0x80000001, 0, EDX, 26},
    {"rdtscp", 0x80000001, 0, EDX, 27},
    {"lm", 0x80000001, 0, EDX, 29},
    /* KVM paravirtual features, CPUID 0x40000001 EAX */
    {"kvmclock", 0x40000001, 0, EAX, 0},
    {"kvmclock", 0x40000001, 0, EAX, 3},
    {"kvm-nopiodelay", 0x40000001, 0, EAX, 1},
    {"kvm-mmu", 0x40000001, 0, EAX, 2},
    {"kvm-asyncpf", 0x40000001, 0, EAX, 4},
    {"kvm-steal-time", 0x40000001, 0, EAX, 5},
    {"kvm-pv-eoi", 0x40000001, 0, EAX, 6},
    {"kvm-pv-unhalt", 0x40000001, 0, EAX, 7},
    {"kvm-pv-tlb-flush", 0x40000001, 0, EAX, 9},
    {"kvm-asyncpf-vmexit", 0x40000001, 0, EAX, 10},
    {"kvm-pv-ipi", 0x40000001, 0, EAX, 11},
    {"kvm-poll-control", 0x40000001, 0, EAX, 12},
    {"kvm-pv-sched-yield", 0x40000001, 0, EAX, 13},
    {"kvm-asyncpf-int", 0x40000001, 0, EAX, 14},
    {"kvm-msi-ext-dest-id", 0x40000001, 0, EAX, 15},
    {"kvmclock-stable-bit", 0x40000001, 0, EAX, 24},
};

#define NFEATURES (sizeof(features) / sizeof(features[0]))

/* QEMU treats '_' and '-' alike in feature names, and spells sse4.1 also sse4_1. */
static bool feature_name_eq(const char *a, const char *b, size_t blen)
{
    size_t i = 0;
    for (; a[i] && i < blen; i++) {
        char x = a[i], y = b[i];
        if (x == '_' || x == '.')
            x = '-';
        if (y == '_' || y == '.')
            y = '-';
        if (x != y)
            return false;
    }
    return !a[i] && i == blen;
}

static const struct x86_feature *feature_find_n(const char *name, size_t len)
{
    for (size_t i = 0; i < NFEATURES; i++)
        if (feature_name_eq(features[i].name, name, len))
            return &features[i];
    return NULL;
}

const struct x86_feature *x86_feature_find(const char *name)
{
    return feature_find_n(name, strlen(name));
}

static unsigned bits_for(unsigned n)
{
    unsigned b = 0;
    while ((1u << b) < n)
        b++;
    return b;
}

int x86_cpus_configure(struct x86_cpus *cpus, const char *model, unsigned count, unsigned sockets,
                       unsigned cores, unsigned threads)
{
    if (count == 0 || count > X86_MAX_CPUS) {
        log_error("-smp %u: the x86 board supports 1 to %d vCPUs", count, X86_MAX_CPUS);
        return -EINVAL;
    }
    cpus->count = count;
    if (!sockets && !cores && !threads) {
        /* No topology given: one socket holding every CPU as a core, as kvmtool does. */
        sockets = 1;
        cores = count;
        threads = 1;
    }
    cpus->sockets = sockets ? sockets : 1;
    cpus->cores = cores ? cores : 1;
    cpus->threads = threads ? threads : 1;
    if (x86_cpu_apic_id(cpus, count - 1) >= 0xff) {
        log_error("-smp: this topology needs APIC ids above 254 (no x2APIC support yet)");
        return -EINVAL;
    }

    const char *p = model ? model : "host";
    size_t len = strcspn(p, ",");
    /* KVM exposes what the host can virtualise; "max" means the same thing there. */
    if (!(len == 4 && !strncmp(p, "host", 4)) && !(len == 3 && !strncmp(p, "max", 3))) {
        log_error("-cpu %.*s: unsupported CPU model (kvmu supports 'host' and 'max')", (int)len, p);
        return -EINVAL;
    }
    cpus->ntoggles = 0;
    for (p += len; *p == ','; p += len) {
        p++;
        len = strcspn(p, ",");
        const char *name = p;
        size_t nlen = len;
        bool on = true;
        if (*p == '+' || *p == '-') {
            on = *p == '+';
            name++;
            nlen--;
        } else {
            const char *eq = memchr(p, '=', len);
            if (eq) {
                size_t vlen = len - (size_t)(eq - p) - 1;
                nlen = (size_t)(eq - p);
                if ((vlen == 2 && !strncmp(eq + 1, "on", 2)) ||
                    (vlen == 4 && !strncmp(eq + 1, "true", 4)))
                    on = true;
                else if ((vlen == 3 && !strncmp(eq + 1, "off", 3)) ||
                         (vlen == 5 && !strncmp(eq + 1, "false", 5)))
                    on = false;
                else {
                    log_error("-cpu: '%.*s': expected on or off", (int)len, p);
                    return -EINVAL;
                }
            }
        }
        const struct x86_feature *f = feature_find_n(name, nlen);
        if (!f) {
            log_error("-cpu: unknown CPU feature '%.*s'", (int)nlen, name);
            return -EINVAL;
        }
        if (cpus->ntoggles == X86_MAX_FEATURE_TOGGLES) {
            log_error("-cpu: more than %d feature toggles", X86_MAX_FEATURE_TOGGLES);
            return -EINVAL;
        }
        cpus->toggles[cpus->ntoggles].feature = f;
        cpus->toggles[cpus->ntoggles].on = on;
        cpus->ntoggles++;
    }
    return 0;
}

uint32_t x86_cpu_apic_id(const struct x86_cpus *cpus, unsigned index)
{
    unsigned tbits = bits_for(cpus->threads), cbits = bits_for(cpus->cores);
    unsigned thread = index % cpus->threads;
    unsigned core = (index / cpus->threads) % cpus->cores;
    unsigned socket = index / (cpus->threads * cpus->cores);
    return (socket << (cbits + tbits)) | (core << tbits) | thread;
}

static uint32_t *entry_reg(struct x86_cpuid_entry *e, unsigned reg)
{
    switch (reg) {
    case EAX:
        return &e->eax;
    case EBX:
        return &e->ebx;
    case ECX:
        return &e->ecx;
    default:
        return &e->edx;
    }
}

static void set_bit_to(uint32_t *r, unsigned bit, bool on)
{
    if (on)
        *r |= 1u << bit;
    else
        *r &= ~(1u << bit);
}

static bool vendor_is_amd(const struct x86_cpuid_entry *entries, unsigned count)
{
    for (unsigned i = 0; i < count; i++)
        if (entries[i].function == 0)
            return entries[i].ebx == 0x68747541; /* "Auth" of AuthenticAMD */
    return false;
}

/* Leaves 0xb and 0x1f: SMT level, then core level, then the terminating invalid level. */
static void set_extended_topology(struct x86_cpuid_entry *e, unsigned tbits, unsigned cbits,
                                  const struct x86_cpus *cpus, uint32_t apic_id)
{
    e->edx = apic_id;
    if (e->index == 0) {
        e->eax = tbits;
        e->ebx = cpus->threads;
        e->ecx = (1u << 8) | e->index;
    } else if (e->index == 1) {
        e->eax = tbits + cbits;
        e->ebx = cpus->threads * cpus->cores;
        e->ecx = (2u << 8) | e->index;
    } else {
        e->eax = 0;
        e->ebx = 0;
        e->ecx = e->index;
    }
}

void x86_cpuid_customize(const struct x86_cpus *cpus, unsigned index,
                         struct x86_cpuid_entry *entries, unsigned count)
{
    unsigned tbits = bits_for(cpus->threads), cbits = bits_for(cpus->cores);
    uint32_t apic_id = x86_cpu_apic_id(cpus, index);
    unsigned per_package = cpus->threads * cpus->cores;
    bool amd = vendor_is_amd(entries, count);

    for (unsigned i = 0; i < count; i++) {
        struct x86_cpuid_entry *e = &entries[i];
        switch (e->function) {
        case 1:
            e->ebx = (e->ebx & 0x0000ffff) | (apic_id << 24) |
                     ((1u << (tbits + cbits)) << 16 & 0x00ff0000);
            set_bit_to(&e->edx, 28, per_package > 1); /* HTT: the field above is valid */
            e->ecx |= 1u << 31;                       /* running under a hypervisor */
            break;
        case 4: {
            if ((e->eax & 0x1f) == 0)
                break; /* no more caches */
            unsigned level = (e->eax >> 5) & 7;
            unsigned sharing = level >= 3 ? (1u << (tbits + cbits)) - 1 : (1u << tbits) - 1;
            e->eax = (e->eax & 0x3fff) | (sharing << 14) | (((1u << cbits) - 1) << 26);
            break;
        }
        case 0xb:
        case 0x1f:
            set_extended_topology(e, tbits, cbits, cpus, apic_id);
            break;
        case 0x80000008:
            if (amd)
                e->ecx = (e->ecx & ~0xf0ffu) | ((tbits + cbits) << 12) | (per_package - 1);
            break;
        case 0x8000001e:
            if (amd) {
                e->eax = apic_id;
                e->ebx =
                    (e->ebx & ~0xffffu) | ((cpus->threads - 1) << 8) | ((apic_id >> tbits) & 0xff);
                e->ecx = 0;
            }
            break;
        default:
            break;
        }
    }

    for (unsigned t = 0; t < cpus->ntoggles; t++) {
        const char *name = cpus->toggles[t].feature->name;
        for (size_t f = 0; f < NFEATURES; f++) {
            if (strcmp(features[f].name, name))
                continue;
            for (unsigned i = 0; i < count; i++) {
                struct x86_cpuid_entry *e = &entries[i];
                if (e->function != features[f].leaf)
                    continue;
                if ((e->flags & X86_CPUID_FLAG_INDEXED) && e->index != features[f].subleaf)
                    continue;
                set_bit_to(entry_reg(e, features[f].reg), features[f].bit, cpus->toggles[t].on);
            }
        }
    }
}

uint64_t x86_segment_descriptor(const struct x86_segment *seg)
{
    uint32_t limit = seg->g ? seg->limit >> 12 : seg->limit;
    uint64_t d = 0;

    d |= limit & 0xffffull;
    d |= (seg->base & 0xffffffull) << 16;
    d |= (uint64_t)(seg->type & 0xf) << 40;
    d |= (uint64_t)seg->s << 44;
    d |= (uint64_t)(seg->dpl & 3) << 45;
    d |= (uint64_t)seg->present << 47;
    d |= (uint64_t)((limit >> 16) & 0xf) << 48;
    d |= (uint64_t)seg->l << 53;
    d |= (uint64_t)seg->db << 54;
    d |= (uint64_t)seg->g << 55;
    d |= ((seg->base >> 24) & 0xffull) << 56;
    return d;
}
