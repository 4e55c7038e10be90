#include "machines/board_common.h"

#include "backends/chardev.h"
#include "core/vm.h"

static void board_poweroff(void *opaque, int code)
{
    vm_request_shutdown(opaque, code);
}

static void board_reset_request(void *opaque)
{
    vm_request_reset(opaque);
}

static void board_quit(void *opaque)
{
    vm_request_shutdown(opaque, 0);
}

int board_create_serial(struct vm *vm, struct chardev **out)
{
    const struct vm_config *cfg = vm->cfg;
    const struct serial_config *s = cfg->nserial ? &cfg->serial[0] : NULL;
    int r;

    if (!s || s->kind == SERIAL_STDIO)
        r = chardev_stdio_create(vm->loop, out);
    else if (s->kind == SERIAL_FILE)
        r = chardev_file_create(s->path, out);
    else
        r = chardev_null_create(out);
    if (r < 0)
        return r;
    chardev_set_quit_handler(*out, board_quit, vm);
    return 0;
}

struct power_ops board_power_ops(struct vm *vm)
{
    return (struct power_ops){board_poweroff, board_reset_request, vm};
}
