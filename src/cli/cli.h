/* The QEMU-compatible command line: argv → struct vm_config, plus help and version output. */
#ifndef KVMU_CLI_CLI_H
#define KVMU_CLI_CLI_H

#include <stddef.h>

#include "cli/config.h"

/*
 * Fills *cfg from argv (argv[0] picks the target: "qemu-system-riscv64" → riscv64, ...).
 * Returns 0, or -EINVAL with one line in err (no "kvmu: " prefix, no newline). Nothing is
 * opened or allocated; files named on the command line are checked later by the board.
 * On success, check cfg->show_help, cfg->show_version and cfg->help_topic before building.
 */
int cli_parse(int argc, char **argv, struct vm_config *cfg, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* -help: every supported option, QEMU style, on stdout. */
void cli_print_help(const char *prog);
/* -version, on stdout. */
void cli_print_version(void);
/* "-machine help", "-accel help", "-device help", "-cpu help", "-d help" on stdout. Returns
 * -EINVAL if cfg->help_topic is not one of those. */
int cli_print_topic(const struct vm_config *cfg);

#endif
