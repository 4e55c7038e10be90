// run: 0 ^PASS -append pvh-test-cmdline
/* kvmu's PVH boot path: entered through the ELF note, with a valid hvm_start_info (magic,
 * command line, e820-style memory map, RSDP). */
#include "lib.h"

struct hvm_start_info {
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
    uint32_t memmap_entries, reserved;
};

struct hvm_memmap_entry {
    uint64_t addr, size;
    uint32_t type, reserved;
};

bool test_main(void *boot_params)
{
    const struct hvm_start_info *si = boot_params;
    puts_com1("\nhello from a PVH guest\n");
    if (si->magic != 0x336ec578u || si->version < 1)
        fail("hvm_start_info magic/version");
    const char *cmd = (const char *)si->cmdline_paddr;
    if (!si->cmdline_paddr || memcmp(cmd, "pvh-test-cmdline", 17))
        fail("command line not passed");
    if (!si->rsdp_paddr || memcmp((const void *)si->rsdp_paddr, "RSD PTR ", 8))
        fail("no RSDP");
    const struct hvm_memmap_entry *map = (const void *)si->memmap_paddr;
    uint64_t ram = 0;
    for (uint32_t i = 0; i < si->memmap_entries; i++)
        if (map[i].type == 1)
            ram += map[i].size;
    if (si->memmap_entries < 2 || ram < 100ull << 20)
        fail("memory map");
    puts_com1("start_info ok: ");
    put_dec(ram >> 20);
    puts_com1(" MiB of RAM\n");
    return true;
}
