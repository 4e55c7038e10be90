#include "core/vm.h"

#include "accel/accel.h"

static void vm_request(struct vm *vm, enum vm_request req, int exit_code)
{
    int expected = VM_RUN;

    if (atomic_compare_exchange_strong(&vm->request, &expected, (int)req)) {
        vm->exit_code = exit_code;
        if (vm->accel && vm->accel->kick)
            vm->accel->kick(vm);
    }
}

void vm_request_shutdown(struct vm *vm, int exit_code)
{
    vm_request(vm, VM_SHUTDOWN, exit_code);
}

void vm_request_reset(struct vm *vm)
{
    vm_request(vm, VM_RESET, 0);
}

void vm_request_panic(struct vm *vm)
{
    vm_request(vm, VM_PANIC, 1);
}
