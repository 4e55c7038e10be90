#include "core/loader.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

static int open_regular(const char *what, const char *path, off_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = -errno;
        log_error("could not open %s '%s': %s", what, path, strerror(errno));
        return err;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        log_error("%s '%s' is not a regular file", what, path);
        close(fd);
        return -EINVAL;
    }
    *size = st.st_size;
    return fd;
}

/* Read exactly len bytes at off; a short file is an error. */
static int read_at(int fd, void *buf, size_t len, off_t off)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, (char *)buf + done, len - done, off + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -EIO;
        done += (size_t)n;
    }
    return 0;
}

int loader_probe(const char *path, enum image_kind *kind)
{
    off_t size;
    int fd = open_regular("kernel", path, &size);
    if (fd < 0)
        return fd;
    uint8_t hdr[0x210] = {0};
    ssize_t n = pread(fd, hdr, sizeof(hdr), 0);
    close(fd);
    *kind = IMAGE_UNKNOWN;
    if (n < 0)
        return -errno;
    if (n >= 64 && !memcmp(hdr, ELFMAG, SELFMAG) && hdr[EI_CLASS] == ELFCLASS64) {
        uint16_t machine;
        memcpy(&machine, hdr + 18, 2);
        if (machine == EM_RISCV)
            *kind = IMAGE_ELF_RISCV64;
        else if (machine == EM_X86_64)
            *kind = IMAGE_ELF_X86_64;
    } else if (n >= 0x40 && !memcmp(hdr + 0x38, "RSC\x05", 4)) {
        *kind = IMAGE_RISCV_LINUX;
    } else if (n >= 0x206 && !memcmp(hdr + 0x202, "HdrS", 4)) {
        *kind = IMAGE_X86_BZIMAGE;
    }
    return 0;
}

const char *loader_image_kind_name(enum image_kind kind)
{
    switch (kind) {
    case IMAGE_RISCV_LINUX:
        return "RISC-V Linux Image";
    case IMAGE_X86_BZIMAGE:
        return "x86 bzImage";
    case IMAGE_ELF_RISCV64:
        return "RISC-V ELF";
    case IMAGE_ELF_X86_64:
        return "x86-64 ELF";
    default:
        return "unknown";
    }
}

bool loader_looks_like_text(const char *path)
{
    uint8_t buf[512];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = pread(fd, buf, sizeof(buf), 0);
    close(fd);
    if (n <= 0)
        return false;
    for (ssize_t i = 0; i < n; i++)
        if ((buf[i] < 0x20 || buf[i] > 0x7e) && buf[i] != '\n' && buf[i] != '\r' && buf[i] != '\t')
            return false;
    return true;
}

int loader_load_file(struct guest_mem *mem, const char *what, const char *path, uint64_t gpa,
                     uint64_t max_size, uint64_t *size)
{
    off_t fsize;
    int fd = open_regular(what, path, &fsize);
    if (fd < 0)
        return fd;
    void *dst = guest_mem_ptr(mem, gpa, (uint64_t)fsize);
    if (fsize == 0 || (uint64_t)fsize > max_size || !dst) {
        log_error("%s '%s' (%lld bytes) does not fit in guest RAM at 0x%llx", what, path,
                  (long long)fsize, (unsigned long long)gpa);
        close(fd);
        return -EFBIG;
    }
    int r = read_at(fd, dst, (size_t)fsize, 0);
    close(fd);
    if (r < 0) {
        log_error("could not read %s '%s': %s", what, path, strerror(-r));
        return r;
    }
    guest_mem_notify_written(mem, gpa, (uint64_t)fsize);
    *size = (uint64_t)fsize;
    return 0;
}

int loader_load_elf(struct guest_mem *mem, const char *what, const char *path, uint16_t machine,
                    uint64_t *entry, uint64_t *end)
{
    off_t fsize;
    int fd = open_regular(what, path, &fsize);
    if (fd < 0)
        return fd;
    Elf64_Ehdr eh;
    int r = read_at(fd, &eh, sizeof(eh), 0);
    if (r < 0 || memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != machine ||
        eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 256) {
        log_error("%s '%s' is not a valid 64-bit ELF for this machine", what, path);
        close(fd);
        return -ENOEXEC;
    }
    uint64_t hi = 0;
    unsigned loaded = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        r = read_at(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph)));
        if (r < 0)
            break;
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        uint8_t *dst = guest_mem_ptr(mem, ph.p_paddr, ph.p_memsz);
        if (ph.p_filesz > ph.p_memsz || !dst || ph.p_offset + ph.p_filesz > (uint64_t)fsize) {
            log_error("%s '%s': segment %u at 0x%llx (+0x%llx) is outside guest RAM or the file",
                      what, path, i, (unsigned long long)ph.p_paddr,
                      (unsigned long long)ph.p_memsz);
            r = -ENOEXEC;
            break;
        }
        r = read_at(fd, dst, ph.p_filesz, (off_t)ph.p_offset);
        if (r < 0)
            break;
        memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
        guest_mem_notify_written(mem, ph.p_paddr, ph.p_memsz);
        if (ph.p_paddr + ph.p_memsz > hi)
            hi = ph.p_paddr + ph.p_memsz;
        loaded++;
    }
    close(fd);
    if (r == 0 && loaded == 0) {
        log_error("%s '%s' has no loadable segments", what, path);
        r = -ENOEXEC;
    } else if (r < 0 && r != -ENOEXEC) {
        log_error("could not read %s '%s': %s", what, path, strerror(-r));
    }
    if (r < 0)
        return r;
    *entry = eh.e_entry;
    *end = hi;
    return 0;
}
