/*
 * Firmware-less x86-64 boot: the Linux x86 boot protocol (Documentation/arch/x86/boot.rst),
 * PVH (xen/include/public/arch-x86/hvm/start_info.h) and a direct 64-bit ELF entry.
 */
#include "machines/x86/x86_boot.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/loader.h"
#include "core/log.h"

#define MiB (1ull << 20)

/* Zero-page (struct boot_params) offsets. */
#define ZP_ACPI_RSDP_ADDR 0x070
#define ZP_EXT_RAMDISK_IMAGE 0x0c0
#define ZP_EXT_RAMDISK_SIZE 0x0c4
#define ZP_EXT_CMD_LINE_PTR 0x0c8
#define ZP_E820_ENTRIES 0x1e8
#define ZP_HDR 0x1f1
#define ZP_E820_TABLE 0x2d0
#define ZP_E820_MAX 128

/* Setup header offsets (from the start of the image, same as in the zero page). */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_VID_MODE 0x1fa
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP 0x200
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_HEAP_END_PTR 0x224
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238
#define HDR_END_MAX 0x290 /* kernel_info_offset + 4, the end of the 2.15 header */

#define LOADFLAGS_LOADED_HIGH 0x01
#define LOADFLAGS_CAN_USE_HEAP 0x80
#define XLF_KERNEL_64 0x01
#define LOADER_TYPE_UNDEFINED 0xff

/* PVH */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define HVM_START_MAGIC 0x336ec578u

struct hvm_start_info {
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
    uint32_t memmap_entries, reserved;
};

struct hvm_modlist_entry {
    uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_entry {
    uint64_t addr, size;
    uint32_t type, reserved;
};

static void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

static uint16_t get16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

unsigned x86_e820_build(uint64_t ram_size, struct e820_entry *out, unsigned max)
{
    uint64_t low = ram_size < X86_LOWMEM_MAX ? ram_size : X86_LOWMEM_MAX;
    struct e820_entry map[] = {
        {0, X86_EBDA_ADDR, E820_RAM},
        {X86_EBDA_ADDR, 0xa0000 - X86_EBDA_ADDR, E820_RESERVED},
        /* ACPI tables and the MP table live in the old BIOS area. */
        {X86_ACPI_ADDR, X86_KERNEL_ADDR - X86_ACPI_ADDR, E820_RESERVED},
        {X86_KERNEL_ADDR, low - X86_KERNEL_ADDR, E820_RAM},
        {X86_HIGHMEM_BASE, ram_size - low, E820_RAM},
    };
    unsigned n = 0;
    for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]) && n < max; i++)
        if (map[i].size)
            out[n++] = map[i];
    return n;
}

int x86_zero_page_build(uint8_t *zp, const uint8_t *image, size_t len, uint64_t ram_size,
                        uint64_t cmdline_addr, uint64_t initrd_addr, uint64_t initrd_size,
                        uint64_t rsdp_addr)
{
    memset(zp, 0, 4096);
    if (len < HDR_END_MAX || memcmp(image + HDR_MAGIC, "HdrS", 4)) {
        log_error("not a Linux bzImage (no HdrS setup header)");
        return -ENOEXEC;
    }
    uint16_t version = get16(image + HDR_VERSION);
    if (version < 0x20c || !(image[HDR_XLOADFLAGS] & XLF_KERNEL_64)) {
        log_error("this bzImage (boot protocol %u.%02u) has no 64-bit entry point; kvmu "
                  "needs boot protocol 2.12 or later",
                  version >> 8, version & 0xff);
        return -ENOEXEC;
    }
    /* The header runs from 0x1f1 to the end given by the jump at 0x200. */
    size_t hdr_end = 0x202 + image[HDR_JUMP + 1];
    if (hdr_end > HDR_END_MAX)
        hdr_end = HDR_END_MAX;
    memcpy(zp + ZP_HDR, image + ZP_HDR, hdr_end - ZP_HDR);

    put16(zp + HDR_VID_MODE, 0xffff); /* "normal" text mode: there is no video anyway */
    zp[HDR_TYPE_OF_LOADER] = LOADER_TYPE_UNDEFINED;
    zp[HDR_LOADFLAGS] |= LOADFLAGS_LOADED_HIGH | LOADFLAGS_CAN_USE_HEAP;
    put16(zp + HDR_HEAP_END_PTR, 0xfe00);
    put32(zp + HDR_CMD_LINE_PTR, (uint32_t)cmdline_addr);
    put32(zp + ZP_EXT_CMD_LINE_PTR, (uint32_t)(cmdline_addr >> 32));
    put32(zp + HDR_RAMDISK_IMAGE, (uint32_t)initrd_addr);
    put32(zp + HDR_RAMDISK_SIZE, (uint32_t)initrd_size);
    put32(zp + ZP_EXT_RAMDISK_IMAGE, (uint32_t)(initrd_addr >> 32));
    put32(zp + ZP_EXT_RAMDISK_SIZE, (uint32_t)(initrd_size >> 32));
    if (version >= 0x20e) /* acpi_rsdp_addr exists from 2.14 */
        put64(zp + ZP_ACPI_RSDP_ADDR, rsdp_addr);

    struct e820_entry e820[X86_E820_MAX];
    unsigned n = x86_e820_build(ram_size, e820, X86_E820_MAX);
    zp[ZP_E820_ENTRIES] = (uint8_t)n;
    memcpy(zp + ZP_E820_TABLE, e820, n * sizeof(e820[0]));
    return 0;
}

/* A zero page for non-Linux ELF guests: just the e820 map and the command line. */
static void zero_page_minimal(uint8_t *zp, uint64_t ram_size, uint64_t cmdline_addr,
                              uint64_t rsdp_addr)
{
    memset(zp, 0, 4096);
    put16(zp + HDR_BOOT_FLAG, 0xaa55);
    memcpy(zp + HDR_MAGIC, "HdrS", 4);
    put16(zp + HDR_VERSION, 0x20f);
    put32(zp + HDR_CMD_LINE_PTR, (uint32_t)cmdline_addr);
    put32(zp + HDR_CMDLINE_SIZE, X86_CMDLINE_MAX - 1);
    put64(zp + ZP_ACPI_RSDP_ADDR, rsdp_addr);
    struct e820_entry e820[X86_E820_MAX];
    unsigned n = x86_e820_build(ram_size, e820, X86_E820_MAX);
    zp[ZP_E820_ENTRIES] = (uint8_t)n;
    memcpy(zp + ZP_E820_TABLE, e820, n * sizeof(e820[0]));
}

/* GDT: null, null, code (0x10 = Linux's __BOOT_CS), data (0x18 = __BOOT_DS). */
static const struct x86_segment code64 = {.limit = 0xffffffff,
                                          .selector = 0x10,
                                          .type = 0xb,
                                          .s = true,
                                          .present = true,
                                          .l = true,
                                          .g = true};
static const struct x86_segment code32 = {.limit = 0xffffffff,
                                          .selector = 0x10,
                                          .type = 0xb,
                                          .s = true,
                                          .present = true,
                                          .db = true,
                                          .g = true};
static const struct x86_segment data32 = {.limit = 0xffffffff,
                                          .selector = 0x18,
                                          .type = 0x3,
                                          .s = true,
                                          .present = true,
                                          .db = true,
                                          .g = true};

static int write_gdt(struct guest_mem *mem, const struct x86_segment *cs,
                     struct x86_boot_regs *regs)
{
    uint64_t gdt[4] = {0, 0, x86_segment_descriptor(cs), x86_segment_descriptor(&data32)};
    regs->cs = *cs;
    regs->ds = data32;
    regs->gdt_base = X86_GDT_ADDR;
    regs->gdt_limit = sizeof(gdt) - 1;
    return guest_mem_write(mem, X86_GDT_ADDR, gdt, sizeof(gdt));
}

/* Identity map of the first 4 GiB in 2 MiB pages: enough for the kernel, the zero page, the
 * command line, the initrd and the MMIO window. */
static int write_page_tables(struct guest_mem *mem)
{
    uint64_t pml4[512] = {0}, pdpt[512] = {0}, pd[512];
    pml4[0] = X86_PDPT_ADDR | 0x3; /* present, writable */
    int r = guest_mem_write(mem, X86_PML4_ADDR, pml4, sizeof(pml4));
    for (unsigned i = 0; i < 4 && r == 0; i++) {
        pdpt[i] = (X86_PD_ADDR + i * 0x1000) | 0x3;
        for (unsigned j = 0; j < 512; j++)
            pd[j] = ((uint64_t)i << 30) + ((uint64_t)j << 21) + 0x83; /* present, rw, 2M */
        r = guest_mem_write(mem, X86_PD_ADDR + i * 0x1000, pd, sizeof(pd));
    }
    if (r == 0)
        r = guest_mem_write(mem, X86_PDPT_ADDR, pdpt, sizeof(pdpt));
    return r;
}

static int long_mode_regs(struct guest_mem *mem, struct x86_boot_regs *regs)
{
    int r = write_page_tables(mem);
    if (r == 0)
        r = write_gdt(mem, &code64, regs);
    regs->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_PG;
    regs->cr3 = X86_PML4_ADDR;
    regs->cr4 = X86_CR4_PAE;
    regs->efer = X86_EFER_LME | X86_EFER_LMA;
    return r;
}

static int read_file(const char *what, const char *path, uint8_t **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        int err = errno;
        log_error("could not open %s '%s': %s", what, path, strerror(err));
        if (fd >= 0)
            close(fd);
        return -err;
    }
    *len = (size_t)st.st_size;
    *buf = malloc(*len ? *len : 1);
    size_t done = 0;
    while (*buf && done < *len) {
        ssize_t n = read(fd, *buf + done, *len - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    close(fd);
    if (!*buf || done != *len) {
        log_error("could not read %s '%s'", what, path);
        free(*buf);
        *buf = NULL;
        return -EIO;
    }
    return 0;
}

/* The initrd goes as high as the kernel allows, below the end of low RAM. */
static int load_initrd(struct guest_mem *mem, const struct x86_boot_params *p, uint64_t limit,
                       uint64_t kernel_end, uint64_t *addr, uint64_t *size)
{
    *addr = *size = 0;
    if (!p->initrd)
        return 0;
    struct stat st;
    if (stat(p->initrd, &st) < 0) {
        log_error("could not open initrd '%s': %s", p->initrd, strerror(errno));
        return -errno;
    }
    uint64_t low_end = p->ram_size < X86_LOWMEM_MAX ? p->ram_size : X86_LOWMEM_MAX;
    uint64_t top = low_end < limit ? low_end : limit;
    uint64_t fsize = (uint64_t)st.st_size;
    if (fsize > top || ((top - fsize) & ~0xfffull) < kernel_end) {
        log_error("initrd '%s' (%llu MiB) does not fit in guest RAM above the kernel", p->initrd,
                  (unsigned long long)(fsize / MiB));
        return -EFBIG;
    }
    *addr = (top - fsize) & ~0xfffull;
    return loader_load_file(mem, "initrd", p->initrd, *addr, fsize, size);
}

static int write_cmdline(struct guest_mem *mem, const char *cmdline, uint32_t max)
{
    size_t len = strlen(cmdline);
    if (len + 1 > max) {
        log_error("kernel command line too long (%zu bytes, at most %u)", len, max - 1);
        return -E2BIG;
    }
    return guest_mem_write(mem, X86_CMDLINE_ADDR, cmdline, len + 1);
}

static int boot_bzimage(struct guest_mem *mem, const struct x86_boot_params *p,
                        struct x86_boot_regs *regs)
{
    uint8_t *img;
    size_t len;
    int r = read_file("kernel", p->kernel, &img, &len);
    if (r < 0)
        return r;
    uint8_t zp[4096];
    r = x86_zero_page_build(zp, img, len, p->ram_size, X86_CMDLINE_ADDR, 0, 0, p->rsdp_addr);
    if (r < 0)
        goto out;
    unsigned setup_sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
    size_t setup_size = (setup_sects + 1) * 512u;
    if (setup_size >= len) {
        log_error("kernel '%s': truncated bzImage", p->kernel);
        r = -ENOEXEC;
        goto out;
    }
    /* The protected-mode kernel runs from where we put it (it relocates itself if needed). */
    size_t ksize = len - setup_size;
    r = guest_mem_write(mem, X86_KERNEL_ADDR, img + setup_size, ksize);
    if (r < 0) {
        log_error("kernel '%s' (%zu bytes) does not fit in guest RAM", p->kernel, ksize);
        goto out;
    }
    guest_mem_notify_written(mem, X86_KERNEL_ADDR, ksize);

    uint32_t cmdline_max = get32(img + HDR_CMDLINE_SIZE) + 1;
    if (cmdline_max > X86_CMDLINE_MAX)
        cmdline_max = X86_CMDLINE_MAX;
    r = write_cmdline(mem, p->cmdline, cmdline_max);
    if (r < 0)
        goto out;
    uint64_t initrd_addr, initrd_size;
    uint32_t initrd_max = get32(img + HDR_INITRD_ADDR_MAX);
    if (!initrd_max)
        initrd_max = 0x37ffffff; /* what boot protocols before 2.03 imply */
    r = load_initrd(mem, p, (uint64_t)initrd_max + 1, X86_KERNEL_ADDR + ksize, &initrd_addr,
                    &initrd_size);
    if (r < 0)
        goto out;
    put32(zp + HDR_RAMDISK_IMAGE, (uint32_t)initrd_addr);
    put32(zp + HDR_RAMDISK_SIZE, (uint32_t)initrd_size);
    r = guest_mem_write(mem, X86_ZERO_PAGE_ADDR, zp, sizeof(zp));
    if (r < 0)
        goto out;
    r = long_mode_regs(mem, regs);
    regs->rip = X86_KERNEL_ADDR + 0x200; /* startup_64 */
    regs->rsi = X86_ZERO_PAGE_ADDR;
out:
    free(img);
    return r;
}

/* Find the PVH entry in an ELF's notes: XEN_ELFNOTE_PHYS32_ENTRY, owner "Xen". */
static bool find_pvh_entry(const uint8_t *img, size_t len, uint64_t *entry)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
    if (len < sizeof(*eh) || eh->e_phoff > len ||
        (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff)
        return false;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, img + eh->e_phoff + i * sizeof(ph), sizeof(ph));
        if (ph.p_type != PT_NOTE || ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
            continue;
        size_t off = ph.p_offset, end = ph.p_offset + ph.p_filesz;
        while (off + 12 <= end) {
            uint32_t namesz = get32(img + off), descsz = get32(img + off + 4);
            uint32_t type = get32(img + off + 8);
            size_t name_off = off + 12;
            size_t desc_off = name_off + ((namesz + 3) & ~3u);
            size_t next = desc_off + ((descsz + 3) & ~3u);
            if (next > end || next <= off)
                break;
            if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 &&
                !memcmp(img + name_off, "Xen", 4) && (descsz == 4 || descsz == 8)) {
                uint64_t e = 0;
                memcpy(&e, img + desc_off, descsz);
                *entry = e;
                return true;
            }
            off = next;
        }
    }
    return false;
}

static int boot_pvh(struct guest_mem *mem, const struct x86_boot_params *p, uint64_t entry,
                    uint64_t kernel_end, struct x86_boot_regs *regs)
{
    int r = write_cmdline(mem, p->cmdline, X86_CMDLINE_MAX);
    if (r < 0)
        return r;
    uint64_t initrd_addr, initrd_size;
    r = load_initrd(mem, p, X86_LOWMEM_MAX, kernel_end, &initrd_addr, &initrd_size);
    if (r < 0)
        return r;
    struct {
        struct hvm_start_info info;
        struct hvm_modlist_entry mod;
        struct hvm_memmap_entry map[X86_E820_MAX];
    } pvh;
    memset(&pvh, 0, sizeof(pvh));
    struct e820_entry e820[X86_E820_MAX];
    unsigned n = x86_e820_build(p->ram_size, e820, X86_E820_MAX);
    for (unsigned i = 0; i < n; i++)
        pvh.map[i] = (struct hvm_memmap_entry){e820[i].addr, e820[i].size, e820[i].type, 0};
    pvh.info = (struct hvm_start_info){
        .magic = HVM_START_MAGIC,
        .version = 1,
        .cmdline_paddr = X86_CMDLINE_ADDR,
        .rsdp_paddr = p->rsdp_addr,
        .memmap_paddr = X86_PVH_INFO_ADDR + offsetof(__typeof__(pvh), map),
        .memmap_entries = n,
    };
    if (initrd_size) {
        pvh.info.nr_modules = 1;
        pvh.info.modlist_paddr = X86_PVH_INFO_ADDR + offsetof(__typeof__(pvh), mod);
        pvh.mod = (struct hvm_modlist_entry){.paddr = initrd_addr, .size = initrd_size};
    }
    r = guest_mem_write(mem, X86_PVH_INFO_ADDR, &pvh, sizeof(pvh));
    if (r == 0)
        r = write_gdt(mem, &code32, regs);
    /* PVH: 32-bit protected mode, paging off, EBX = start_info. */
    regs->cr0 = X86_CR0_PE | X86_CR0_ET;
    regs->rip = entry;
    regs->rbx = X86_PVH_INFO_ADDR;
    return r;
}

static int boot_elf(struct guest_mem *mem, const struct x86_boot_params *p,
                    struct x86_boot_regs *regs)
{
    uint8_t *img;
    size_t len;
    int r = read_file("kernel", p->kernel, &img, &len);
    if (r < 0)
        return r;
    uint64_t pvh_entry = 0;
    bool pvh = find_pvh_entry(img, len, &pvh_entry);
    free(img);

    uint64_t entry, end;
    r = loader_load_elf(mem, "kernel", p->kernel, EM_X86_64, &entry, &end);
    if (r < 0)
        return r;
    if (pvh)
        return boot_pvh(mem, p, pvh_entry, end, regs);

    r = write_cmdline(mem, p->cmdline, X86_CMDLINE_MAX);
    if (r < 0)
        return r;
    uint64_t initrd_addr, initrd_size;
    r = load_initrd(mem, p, X86_LOWMEM_MAX, end, &initrd_addr, &initrd_size);
    if (r < 0)
        return r;
    uint8_t zp[4096];
    zero_page_minimal(zp, p->ram_size, X86_CMDLINE_ADDR, p->rsdp_addr);
    put32(zp + HDR_RAMDISK_IMAGE, (uint32_t)initrd_addr);
    put32(zp + HDR_RAMDISK_SIZE, (uint32_t)initrd_size);
    r = guest_mem_write(mem, X86_ZERO_PAGE_ADDR, zp, sizeof(zp));
    if (r == 0)
        r = long_mode_regs(mem, regs);
    regs->rip = entry;
    regs->rsi = X86_ZERO_PAGE_ADDR;
    regs->rsp = X86_BOOT_STACK_TOP;
    return r;
}

int x86_boot_load(struct guest_mem *mem, const struct x86_boot_params *p,
                  struct x86_boot_regs *regs)
{
    enum image_kind kind;
    int r = loader_probe(p->kernel, &kind);
    if (r < 0)
        return r;
    memset(regs, 0, sizeof(*regs));
    switch (kind) {
    case IMAGE_X86_BZIMAGE:
        return boot_bzimage(mem, p, regs);
    case IMAGE_ELF_X86_64:
        return boot_elf(mem, p, regs);
    default:
        log_error("kernel '%s' is not an x86 bzImage or x86-64 ELF (found: %s)", p->kernel,
                  loader_image_kind_name(kind));
        return -ENOEXEC;
    }
}
