// run: 1 code.at.RIP
/* Executing from device memory: KVM cannot fetch the instruction and reports an emulation
 * failure; kvmu must dump the vCPU's registers and exit with a non-zero status. */
#include "lib.h"

bool test_main(void *boot_params)
{
    (void)boot_params;
    puts_com1("jumping into the MMIO hole\n");
    __asm__ volatile("jmp *%0" : : "r"(0xd8000000ull));
    return true;
}
