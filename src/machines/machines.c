#include "machines/machine.h"

#include <stdio.h>
#include <string.h>

#include "machines/riscv/virt.h"
#include "machines/x86/microvm.h"

/* Every board built into kvmu; the first of each architecture is its default. */
static const struct board_ops *const boards[] = {
    &riscv_virt_board,
    &x86_pc_board,
    &x86_microvm_board,
};

const struct board_ops *board_find(const char *name, enum config_arch arch)
{
    for (size_t i = 0; i < sizeof(boards) / sizeof(boards[0]); i++)
        if (!strcmp(boards[i]->name, name) && (arch == ARCH_NONE || boards[i]->arch == arch))
            return boards[i];
    return NULL;
}

const struct board_ops *board_default(enum config_arch arch)
{
    for (size_t i = 0; i < sizeof(boards) / sizeof(boards[0]); i++)
        if (boards[i]->arch == arch)
            return boards[i];
    return NULL;
}

void board_print_list(void)
{
    printf("Supported machines are:\n");
    for (size_t i = 0; i < sizeof(boards) / sizeof(boards[0]); i++)
        printf("%-20s %s\n", boards[i]->name, boards[i]->desc);
}
