/* placeholder */
#include "accel/jit/internal.h"

int jit_check_init(struct jit *j)
{
    (void)j;
    return 0;
}

void jit_check_destroy(struct jit *j)
{
    (void)j;
}

void jit_check_before(struct jit *j, struct rv_hart *h)
{
    (void)j;
    (void)h;
}

bool jit_check_after(struct jit *j, struct rv_hart *h)
{
    (void)j;
    (void)h;
    return true;
}
