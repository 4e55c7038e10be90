/* The smallest check of the whole path: a string on COM1, then ACPI power-off. */
#include "lib.h"

bool test_main(void *boot_params)
{
    (void)boot_params;
    puts_com1("hello from a kvmu x86 guest\n");
    return true;
}
